"""SQLite with its connections kept open.

Piccolo's SQLite engine opens a new connection (a thread, a `sqlite3.connect`, a schema parse)
for every statement run outside a transaction and for every transaction, and sends
`PRAGMA foreign_keys = 1` before every statement inside one; a sync request paid about twelve
connections (docs/benchmarks.md). This engine keeps one writer connection — SQLite has a single
writer anyway, so transactions queue on an asyncio lock in arrival order instead of sleeping in
SQLite's busy handler — and a few reader connections, which WAL lets read while the writer
writes. Each connection is opened once, with its PRAGMAs.

It overrides three of Piccolo's engine hooks (pinned `piccolo<2`); `tests/` run the whole suite
on it.

Group commit (`write_grouped`): the sync pushes that queue for the writer while another
transaction runs are then run together, each in a savepoint of one transaction, with one
``COMMIT``. Each commit of a WAL database writes its pages and waits for the disk (we keep
``synchronous=FULL``, so the wait is real); at a month's close, when many phones push at once,
that cost is paid once per group instead of once per push. No push is acknowledged before the
commit that holds it; one that fails is rolled back to its savepoint alone; if the commit
itself fails, every push of the group fails and none is acknowledged.
"""

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import aiosqlite
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)

READERS = 4
GROUP_MAX = 64
"""At most this many pushes share a commit: the writer is not held much longer than
a few pushes' worth (≈ 2 ms each) for the other transactions waiting on it."""

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]


class PooledSQLiteEngine(SQLiteEngine):
    """A SQLiteEngine with one long-lived writer connection and a few readers."""

    def __init__(self, path: str, *, readers: int = READERS, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] | None = None
        self._write_lock: asyncio.Lock | None = None
        self._opened: list[aiosqlite.Connection] = []
        self._inline: sqlite3.Connection | None = None
        self._grouped: list[tuple[Work, asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self.group_commits = 0
        """How many commits `write_grouped` made (for the tests and the benches)."""

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        # synchronous stays FULL (SQLite's default): NORMAL would be faster in WAL mode but a
        # power cut could then lose the last acknowledged commits.
        await connection.execute("PRAGMA foreign_keys = 1")
        self._opened.append(connection)
        return connection

    async def _start(self) -> None:
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
            self._readers = asyncio.Queue()
            self._writer = await self._connect()
            for _ in range(self._reader_count):
                self._readers.put_nowait(await self._connect())

    async def acquire_writer(self) -> aiosqlite.Connection:
        await self._start()
        assert self._write_lock is not None and self._writer is not None
        await self._write_lock.acquire()
        return self._writer

    def release_writer(self) -> None:
        assert self._write_lock is not None
        self._write_lock.release()

    def read_inline(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]] | None:
        """Run one hand-written read on the calling thread's connection, rows as tuples; None
        when SQLite answers "busy" (the caller then reads through a reader thread).

        The sync hot path's reads are index lookups of a few microseconds (the poll's state, a
        page of days): the hop to a reader thread and back costs more than the read itself
        (docs/benchmarks.md, issue 12). WAL lets this connection read while the writer writes,
        and its busy timeout is zero, so the event loop never sleeps here: the rare "busy" of a
        checkpoint or a recovery falls back to the threaded readers, which may wait.
        """
        if self._inline is None:
            # isolation_level=None: each SELECT is its own read transaction (one snapshot).
            # check_same_thread=False: a test's portal thread may run the loop; the connection
            # is only ever used by one synchronous call at a time.
            self._inline = sqlite3.connect(
                self.path, timeout=0, isolation_level=None, check_same_thread=False
            )
            self._inline.execute("PRAGMA foreign_keys = 1")
        try:
            return self._inline.execute(sql, tuple(args)).fetchall()
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                return None
            raise

    async def read(self, sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
        """A hand-written read, inline when SQLite lets it (`read_inline`), else on a reader
        thread. Give every column a distinct name: the threaded readers return dicts."""
        rows = self.read_inline(sql, args)
        if rows is not None:
            return rows
        await self._start()
        assert self._readers is not None
        reader = await self._readers.get()
        try:
            found = await reader.execute_fetchall(sql, tuple(args))
        finally:
            self._readers.put_nowait(reader)
        return [tuple(row.values()) for row in found]  # type: ignore[attr-defined]

    async def write_grouped(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the writer's thread in a transaction it may share with the other
        works waiting for the writer (module docstring: group commit); returns its result once
        the transaction is committed, or raises what ``work`` raised (its writes rolled back).

        ``work`` gets the writer's sqlite3 connection inside a transaction: it must neither
        commit nor roll back. The works of a group run in their arrival order, each seeing the
        writes of those before it.
        """
        await self._start()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._grouped.append((work, future))
        if self._drainer is None:
            # A task of its own: a caller that goes away (a cancelled request) must not leave
            # the works queued behind it without a writer.
            self._drainer = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._grouped:
                writer = await self.acquire_writer()
                try:
                    # Taken once the writer is ours: what queued while we waited joins the group.
                    batch = [(w, f) for w, f in self._grouped[:GROUP_MAX] if not f.done()]
                    del self._grouped[:GROUP_MAX]
                    if not batch:
                        continue
                    try:
                        outcomes = await writer._execute(  # type: ignore[no-untyped-call]
                            _run_group, writer._conn, [work for work, _ in batch]
                        )
                        self.group_commits += 1
                    except Exception as error:  # the group as a whole failed: nothing of it kept
                        outcomes = [(False, error)] * len(batch)
                finally:
                    self.release_writer()
                for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue  # its caller went away; its writes, if any, are committed
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._drainer = None

    async def close(self) -> None:
        for connection in self._opened:
            await connection.close()
        self._opened.clear()
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        self._writer, self._readers, self._write_lock = None, None, None

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        await self._start()
        if query.lstrip()[:6].upper() == "SELECT":
            assert self._readers is not None
            reader = await self._readers.get()
            try:
                async with reader.execute(query, args or []) as cursor:
                    return await cursor.fetchall()
            finally:
                self._readers.put_nowait(reader)
        writer = await self.acquire_writer()
        try:
            async with writer.execute(query, args or []) as cursor:
                rows = await cursor.fetchall()
            await writer.commit()
            return rows
        finally:
            self.release_writer()

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        # The connection was opened with its PRAGMAs; no need to repeat them per statement.
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return PooledTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


class PooledTransaction(SQLiteTransaction):
    """A transaction on the engine's writer connection, which it holds until it ends."""

    engine: PooledSQLiteEngine

    async def get_connection(self) -> aiosqlite.Connection:
        return await self.engine.acquire_writer()

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            self.engine.release_writer()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            self.engine.current_transaction.reset(self.context)
            self.engine.release_writer()
        return exception is None


def _run_group(connection: sqlite3.Connection, works: Sequence[Work]) -> list[tuple[bool, Any]]:
    """The works of one group in one transaction, on the writer's thread: each in a savepoint
    when there are several, so one that raises leaves the others' writes; one commit."""
    connection.execute("BEGIN IMMEDIATE")
    outcomes: list[tuple[bool, Any]] = []
    try:
        if len(works) == 1:
            outcomes.append((True, works[0](connection)))  # what it raises fails the group
        else:
            for work in works:
                connection.execute("SAVEPOINT grouped")
                try:
                    outcomes.append((True, work(connection)))
                except Exception as error:
                    if not connection.in_transaction:
                        raise  # SQLite ended the transaction itself (disk full, I/O): all fail
                    connection.execute("ROLLBACK TO grouped")
                    outcomes.append((False, error))
                connection.execute("RELEASE grouped")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.rollback()
        raise
    return outcomes
