"""Hand-written statements of the hot paths, sent straight to the driver.

Piccolo builds each query from Python objects and hands SQLite's statements to a reader
thread: on a poll that costs more than the reads themselves (docs/benchmarks.md, issue 12). The
few statements of a poll, a pull and the session lookup are written here by hand, once per
engine, and run on the open connection: PostgreSQL's pool (or the current transaction's
connection), SQLite's inline reader (`PooledSQLiteEngine.read`). Rows come back as tuples, in
the statement's column order. Tested on both engines like the rest of storage.
"""

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.storage import tables as t
from server.storage.sqlite_pool import PooledSQLiteEngine

Row = Sequence[Any]


@dataclass(frozen=True)
class Statement:
    """One read, in each engine's dialect: ``?`` placeholders on SQLite, ``$n`` on PostgreSQL.

    Columns need distinct names (SQLite's threaded readers return dicts)."""

    sqlite: str
    postgres: str


def is_postgres() -> bool:
    return isinstance(t.DayEntry._meta.db, PostgresEngine)


async def fetch(statement: Statement, *args: Any) -> Sequence[Row]:
    """The rows of `statement`, inside the current transaction if there is one."""
    engine = t.DayEntry._meta.db
    transaction = engine.current_transaction.get()
    if isinstance(engine, PostgresEngine):
        if transaction is not None:
            rows: Sequence[Row] = await transaction.connection.fetch(statement.postgres, *args)
            return rows
        if engine.pool is not None:
            return await engine.pool.fetch(statement.postgres, *args)  # type: ignore[no-any-return]
        connection = await engine.get_new_connection()
        try:
            return await connection.fetch(statement.postgres, *args)  # type: ignore[no-any-return]
        finally:
            await connection.close()
    if transaction is not None:
        found = await transaction.connection.execute_fetchall(statement.sqlite, args)
        return [tuple(row.values()) for row in found]
    if isinstance(engine, PooledSQLiteEngine):
        return await engine.read(statement.sqlite, args)
    # Piccolo's own SQLite engine (command-line tools): a connection of its own.
    assert isinstance(engine, SQLiteEngine)
    found = await engine._run_in_new_connection(statement.sqlite, list(args))
    return [tuple(row.values()) for row in found]


async def execute_many(statement: Statement, rows: Sequence[Sequence[Any]]) -> None:
    """Run a write once per row, all in one transaction of its own (one trip to SQLite's writer
    thread; asyncpg's `executemany`, atomic). Never inside another transaction: a batch of
    bookkeeping written beside the requests, not part of one."""
    if not rows:
        return
    engine = t.DayEntry._meta.db
    if isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            await engine.pool.executemany(statement.postgres, rows)
            return
        connection = await engine.get_new_connection()
        try:
            await connection.executemany(statement.postgres, rows)
        finally:
            await connection.close()
        return
    if isinstance(engine, PooledSQLiteEngine):
        writer = await engine.acquire_writer()
        try:
            # `_execute` hands the writer's thread a whole function (as push_store does).
            await writer._execute(  # type: ignore[no-untyped-call]
                _sqlite_many, writer._conn, statement.sqlite, rows
            )
        finally:
            engine.release_writer()
        return
    assert isinstance(engine, SQLiteEngine)
    for row in rows:  # Piccolo's own SQLite engine (command-line tools)
        await engine._run_in_new_connection(statement.sqlite, list(row))


def _sqlite_many(connection: sqlite3.Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.executemany(sql, rows)
        connection.execute("COMMIT")
    except BaseException:
        connection.rollback()
        raise
