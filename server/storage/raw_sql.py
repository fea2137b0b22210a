"""Hand-written reads of the sync hot path, sent straight to the driver.

Piccolo builds each query from Python objects and hands SQLite's statements to a reader
thread: on a poll that costs more than the reads themselves (docs/benchmarks.md, issue 12). The
few statements of a poll, a pull and the session lookup are written here by hand, once per
engine, and run on the open connection: PostgreSQL's pool (or the current transaction's
connection), SQLite's inline reader (`PooledSQLiteEngine.read`). Rows come back as tuples, in
the statement's column order. Tested on both engines like the rest of storage.
"""

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
