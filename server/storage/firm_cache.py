"""Which firm a host name reaches, remembered for a second (docs/multi-tenant.md).

Every API request finds its firm by host name before anything else (`firm_store.firm_for_host`,
one statement); in a national close that is one read per push for an answer that changes when an
operator gives a firm a host, or adds a firm. The answer is kept in the process for at most
`FRESH_SECONDS`, forgotten at once when this process writes an organisation's host, relying-party
id or origin or creates one, and kept apart per database engine (tests open one per test).

Several server processes: a change made through another process (or the command line) reaches
this one within `FRESH_SECONDS`: until then a host given to a new firm may still answer for the
firm that answered it before (the default firm), and a firm's new relying-party id or origin is
not yet used for its passkey ceremonies. Either way a request is answered for one firm, and a
session, passkey or link of any other firm is refused in it.
"""

import time
from collections.abc import Hashable
from typing import Any

from server.storage import tables as t

FRESH_SECONDS = 1.0
MAX_HOSTS = 1000
"""Host names remembered at most: any host reaches the default firm, so a caller could send
many; past this many the memory starts again."""


class _Cache:
    def __init__(self) -> None:
        self.engine: Any = None
        self.entries: dict[Hashable, tuple[float, Any]] = {}
        self.generation = 0


_CACHE = _Cache()


def _entries() -> dict[Hashable, tuple[float, Any]]:
    engine = t.Organisation._meta.db
    if _CACHE.engine is not engine:  # another database: nothing known of it
        _CACHE.engine, _CACHE.entries = engine, {}
        _CACHE.generation += 1
    return _CACHE.entries


def get(key: Hashable) -> Any | None:
    """The answer remembered for `key` if it is fresh, else None."""
    found = _entries().get(key)
    if found is None or time.monotonic() - found[0] >= FRESH_SECONDS:
        return None
    return found[1]


def generation() -> int:
    """Taken before a read: `put` keeps the read's answer only if nothing was forgotten since."""
    _entries()
    return _CACHE.generation


def put(key: Hashable, value: Any, *, read_at_generation: int) -> None:
    entries = _entries()
    if read_at_generation != _CACHE.generation:
        return  # a write landed while the read was under way: its answer may predate it
    if len(entries) >= MAX_HOSTS:
        entries.clear()
    entries[key] = (time.monotonic(), value)


def forget() -> None:
    """An organisation's host, relying-party id or origin changed, or one was added."""
    _CACHE.entries.clear()
    _CACHE.generation += 1
