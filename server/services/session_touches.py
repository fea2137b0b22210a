"""Sessions' last-seen times, written in groups beside the requests.

A session's idle timeout (`Settings.session_idle`, eight hours by default) slides: a request
seen a minute or more after the last refresh moves `last_seen_at` forward. Written by the
request itself, that refresh was a write transaction of its own (on SQLite a hop to the writer
thread, an UPDATE and a durable COMMIT), taken by almost every request of a national close,
where each phone is seen once (docs/benchmarks.md, issue 12, afternoon). Here a request only
notes the time; one task writes every time noted meanwhile in one transaction, and while it
waits for the writer the next times gather for the next one (a group commit). Under light load
each note is written at once, just not waited for.

Nothing is judged on a time not yet written: `seen` gives the process's latest noted time, and
`Accounts.current` takes the later of it and the stored one, so a session this process keeps
alive does not idle out while its refresh is queued. A read of the session that overlapped the
end of a write (`writes` moved meanwhile) may hold the time from before it, while `seen` has
already forgotten it: `Accounts.current` reads the session again then. Another server process
sees the stored time, at most a write behind; the write never moves a time back. A refresh lost
to a crash costs at most the minute between refreshes off the idle window.
"""

import asyncio
import logging
from datetime import datetime

from server.storage import session_store

log = logging.getLogger("carnet.sessions")


class SessionTouches:
    """Last-seen times noted by requests, written in groups by one task at a time."""

    def __init__(self) -> None:
        self._noted: dict[str, datetime] = {}
        self._writing: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None
        self.writes = 0
        """Writes finished so far: a session read while one finished may predate it."""

    def note(self, session_id: str, at: datetime) -> None:
        """Remember that `session_id` was used at `at`; written soon, not waited for."""
        known = self._noted.get(session_id)
        if known is None or known < at:
            self._noted[session_id] = at
        loop = asyncio.get_running_loop()
        # A task left on a loop that has ended (a test's, a portal's) will never run again.
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._write())

    def seen(self, session_id: str) -> datetime | None:
        """The latest time noted for `session_id` and not yet known to be written."""
        noted, writing = self._noted.get(session_id), self._writing.get(session_id)
        if noted is None or writing is None:
            return noted or writing
        return max(noted, writing)

    async def _write(self) -> None:
        while self._noted:
            self._writing, self._noted = self._noted, {}
            try:
                await session_store.touch_sessions(list(self._writing.items()))
            except Exception:  # a refresh is bookkeeping: a failure must not end the writer
                log.exception("could not write %d sessions' last-seen times", len(self._writing))
            finally:
                self.writes += 1
                self._writing = {}

    async def drain(self) -> None:
        """Wait until every time noted so far is written (shutdown, tests)."""
        loop = asyncio.get_running_loop()
        while self._task is not None and not self._task.done():
            if self._task.get_loop() is not loop:
                return  # noted under a loop that has ended: those times are lost
            await asyncio.shield(self._task)
