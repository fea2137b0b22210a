"""Anchor each firm's audit chain outside the database: RFC 3161 timestamps of its head.

A hash chain kept in the operator's database proves nothing against the operator: whoever can
write every row can cut the newest entries and leave a shorter chain that verifies. A
timestamp token over ``(organisation, seq, hash)`` of the head, from an outside authority,
fixes how far the chain reached at that time; ``carnet audit verify`` then refuses a chain
that no longer reaches an anchored head (``audit.check_anchor``).

Heads are anchored after every signature and on a schedule (``CARNET_AUDIT_ANCHOR_MINUTES``,
only when the head moved). The anchors are kept in ``audit_anchor`` (append-only) and can be
exported with ``carnet audit anchors``: a copy kept elsewhere (the firm's archive, a mail to
the auditor) also survives someone deleting the rows. Without a TSA nothing is anchored.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from server.domain import audit
from server.services import timestamping
from server.services.clock import Clock
from server.settings import Settings
from server.storage import audit_store as store
from server.storage.repositories import write_transaction
from server.timestamp_token import TokenInvalid, verify_token

logger = logging.getLogger("carnet.anchors")


async def anchor(settings: Settings, organisation_id: str) -> store.Anchor | None:
    """Timestamp the organisation's chain head unless it is already anchored.

    Returns:
        The new anchor, or None (no TSA, an empty chain, or the head already anchored).

    Raises:
        TimestampUnavailable: The TSA failed.
    """
    if not settings.tsa_url:
        return None
    head = await store.head(organisation_id)
    anchors = await store.anchors_of(organisation_id)
    if head is None or (anchors and anchors[-1].seq >= head.seq):
        return None
    statement = audit.anchor_statement(
        organisation_id=organisation_id, seq=head.seq, head_hash=head.hash
    )
    stamped = await timestamping.timestamp(settings, statement)
    if stamped is None:
        return None
    token, info = stamped
    async with write_transaction():
        latest = await store.anchors_of(organisation_id)
        if latest and latest[-1].seq >= head.seq:
            return None
        await store.add_anchor(
            organisation_id=organisation_id,
            seq=head.seq,
            head_hash=head.hash,
            token=token,
            gen_time=info.gen_time,
        )
    return store.Anchor(organisation_id, head.seq, head.hash, token, info.gen_time)


async def anchor_after_signature(settings: Settings, organisation_id: str) -> None:
    """Anchor after a signature; a TSA failure is logged (the schedule retries), never raised:
    the signature is already committed."""
    try:
        await anchor(settings, organisation_id)
    except Exception:
        logger.exception("anchoring the audit chain of %s failed", organisation_id)


async def anchor_all(settings: Settings) -> int:
    """Anchor every organisation whose head moved; returns how many were anchored."""
    count = 0
    for organisation_id in await store.all_organisations():
        try:
            count += await anchor(settings, organisation_id) is not None
        except Exception:
            logger.exception("anchoring the audit chain of %s failed", organisation_id)
    return count


@dataclass(frozen=True)
class AnchorCheck:
    """The verdict on one organisation's anchors."""

    anchors: int
    problem: str | None
    latest: store.Anchor | None


def check(entries: list[audit.AuditEntry], anchors: list[store.Anchor]) -> AnchorCheck:
    """Check each anchor's token, and that the chain still reaches every anchored head."""
    for item in anchors:
        statement = audit.anchor_statement(
            organisation_id=item.organisation_id, seq=item.seq, head_hash=item.hash
        )
        try:
            verify_token(item.token, covers=statement)
        except TokenInvalid as error:
            return AnchorCheck(len(anchors), f"anchor at seq {item.seq}: {error}", item)
        problem = audit.check_anchor(entries, seq=item.seq, head_hash=item.hash)
        if problem is not None:
            return AnchorCheck(
                len(anchors),
                f"{problem}; anchored at {item.gen_time.isoformat()} by a TSA",
                item,
            )
    return AnchorCheck(len(anchors), None, anchors[-1] if anchors else None)


class AnchorRuntime:
    """Anchors every firm's head on a schedule, inside the server (like the outbox worker)."""

    def __init__(self, *, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.settings.tsa_url and self._task is None:
            self._task = asyncio.create_task(self._run(), name="carnet-audit-anchors")

    async def _run(self) -> None:
        while True:
            await anchor_all(self.settings)
            await asyncio.sleep(self.settings.audit_anchor_minutes * 60)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
