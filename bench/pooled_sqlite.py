"""EXPERIMENT, not production code: the server with its SQLite connections kept open.

Piccolo's SQLite engine opens a new aiosqlite connection — a new OS thread, a new
`sqlite3.connect`, a schema parse — for every statement run outside a transaction and for
every transaction, and sends `PRAGMA foreign_keys = 1` before every statement inside one. A
sync request runs about a dozen of those connections. This module patches the engine, in the
process that imports it, to keep one writer connection (transactions queue on an asyncio lock,
FIFO, instead of sleeping in SQLite's busy handler) and a few reader connections, each opened
once with its PRAGMAs. It measures what the proposal in docs/benchmarks.md would buy; it is
started by `bench/sync_bench.py --server-variant pooled-sqlite` through `bench.pooled_serve`.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import aiosqlite
from piccolo.engine import sqlite as piccolo_sqlite

READERS = int(os.environ.get("CARNET_BENCH_SQLITE_READERS", "4"))
SYNCHRONOUS = os.environ.get("CARNET_BENCH_SQLITE_SYNCHRONOUS", "")  # e.g. NORMAL


class _Pool:
    def __init__(self, engine: piccolo_sqlite.SQLiteEngine) -> None:
        self.engine = engine
        self.ready = asyncio.Lock()
        self.write_lock = asyncio.Lock()
        self.writer: aiosqlite.Connection | None = None
        self.readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.engine.connection_kwargs)
        connection.row_factory = piccolo_sqlite.dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        if SYNCHRONOUS:
            await connection.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        return connection

    async def start(self) -> None:
        async with self.ready:
            if self.writer is None:
                self.writer = await self._open()
                for _ in range(READERS):
                    self.readers.put_nowait(await self._open())


_POOLS: dict[int, _Pool] = {}


async def _pool(engine: piccolo_sqlite.SQLiteEngine) -> _Pool:
    pool = _POOLS.setdefault(id(engine), _Pool(engine))
    if pool.writer is None:
        await pool.start()
    return pool


async def _fetch(connection: aiosqlite.Connection, query: str, args: Any) -> list[Any]:
    async with connection.execute(query, args or []) as cursor:
        return list(await cursor.fetchall())


def _is_read(query: str) -> bool:
    return query.lstrip()[:6].upper() == "SELECT"


async def _run_in_new_connection(
    self: piccolo_sqlite.SQLiteEngine,
    query: str,
    args: Any = None,
    query_type: str = "generic",
    table: Any = None,
) -> list[Any]:
    pool = await _pool(self)
    if _is_read(query):
        reader = await pool.readers.get()
        try:
            return await _fetch(reader, query, args)
        finally:
            pool.readers.put_nowait(reader)
    async with pool.write_lock:  # autocommit statement on the writer
        assert pool.writer is not None
        return await _fetch(pool.writer, query, args)


async def _run_in_existing_connection(
    self: piccolo_sqlite.SQLiteEngine,
    connection: aiosqlite.Connection,
    query: str,
    args: Any = None,
    query_type: str = "generic",
    table: Any = None,
) -> list[Any]:
    return await _fetch(connection, query, args)  # no PRAGMA before every statement


async def _get_connection(self: piccolo_sqlite.SQLiteTransaction) -> aiosqlite.Connection:
    pool = await _pool(self.engine)
    await pool.write_lock.acquire()  # FIFO hand-over, no busy-handler sleeps
    assert pool.writer is not None
    return pool.writer


async def _aexit(
    self: piccolo_sqlite.SQLiteTransaction, exception_type: Any, exception: Any, traceback: Any
) -> bool:
    if self._parent:
        return exception is None
    pool = await _pool(self.engine)
    try:
        if exception:
            if not self._rolled_back:
                await self.rollback()  # type: ignore[no-untyped-call]
        elif not self._committed and not self._rolled_back:
            await self.commit()  # type: ignore[no-untyped-call]
    finally:
        self.engine.current_transaction.reset(self.context)
        pool.write_lock.release()
    return exception is None


def apply() -> None:
    piccolo_sqlite.SQLiteEngine._run_in_new_connection = _run_in_new_connection  # type: ignore[method-assign]
    piccolo_sqlite.SQLiteEngine._run_in_existing_connection = _run_in_existing_connection  # type: ignore[method-assign]
    piccolo_sqlite.SQLiteTransaction.get_connection = _get_connection  # type: ignore[method-assign]
    piccolo_sqlite.SQLiteTransaction.__aexit__ = _aexit  # type: ignore[method-assign]
