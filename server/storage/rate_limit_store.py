"""Rate-limit counters in the database, so every server process counts the same requests."""

import uuid

from server.storage import tables as t

# One statement: insert the window's counter or add one to it, and read the total back. An
# upsert is atomic on both engines, so two processes counting at once never lose a hit.
COUNT = (
    "INSERT INTO rate_limit_hit (id, key, slot, hits) VALUES ({}, {}, {}, 1) "
    "ON CONFLICT (key) DO UPDATE SET hits = rate_limit_hit.hits + 1 RETURNING hits"
)


async def count_hit(*, key: str, slot: int) -> int:
    """Count one request under `key` in window `slot`; return the window's total so far.

    The first request of a window also forgets the windows before the previous one."""
    rows = await t.RateLimitHit.raw(COUNT, uuid.uuid4(), f"{key}:{slot}", slot)
    hits = int(rows[0]["hits"])
    if hits == 1:
        await t.RateLimitHit.delete().where(t.RateLimitHit.slot < slot - 1)
    return hits
