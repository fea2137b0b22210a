"""Build a Piccolo engine from a DATABASE_URL and bind every table to it."""

from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.storage.sqlite_pool import PooledSQLiteEngine
from server.storage.tables import TABLES


class UnsupportedDatabaseUrl(ValueError):
    """DATABASE_URL names an engine Carnet does not run on."""


def engine_from_url(url: str, *, pooled: bool = True) -> Engine[Any]:
    """Return a SQLite or PostgreSQL engine for `url`.

    `sqlite:///relative.sqlite`, `sqlite:////absolute/path.sqlite`, `postgres://...` or
    `postgresql://...`. A SQLAlchemy-style `+driver` suffix is refused: we always use asyncpg.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        msg = f"DATABASE_URL {url!r} has no scheme; expected sqlite:/// or postgresql://"
        raise UnsupportedDatabaseUrl(msg)
    if scheme == "sqlite":
        path = Path(rest.removeprefix("/")) if not rest.startswith("//") else Path(rest[1:])
        path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: a writer waits for the lock instead of failing with "database is locked".
        if pooled:
            return PooledSQLiteEngine(path=str(path), timeout=30)
        return SQLiteEngine(path=str(path), timeout=30)
    if scheme in {"postgres", "postgresql"}:
        return PostgresEngine(config={"dsn": url})
    msg = f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:/// or postgresql://"
    raise UnsupportedDatabaseUrl(msg)


def bind_tables(engine: Engine[Any]) -> None:
    """Point every table at `engine`, so one process can hold the app's engine explicitly."""
    for table in TABLES:
        table._meta.db = engine


def is_sqlite(engine: Engine[Any]) -> bool:
    return isinstance(engine, SQLiteEngine)


async def _keep_session(_: Any) -> None:
    """What a pooled connection needs when it goes back to the pool: nothing more than asyncpg
    always does (an open transaction is rolled back, listeners dropped).

    asyncpg's default reset sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` on every release: a second round trip for every statement run outside a
    transaction and for every transaction, about a third of a no-op poll's database work
    (docs/benchmarks.md, issue 12). Carnet leaves no session state behind: its advisory locks
    are transaction-scoped (``pg_advisory_xact_lock``), it opens no cursor outside a
    transaction, never LISTENs and never SETs a session variable.
    """


async def open_engine(engine: Engine[Any]) -> None:
    """Prepare the engine for serving: WAL on SQLite, a connection pool on PostgreSQL."""
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers work while one writer commits; the mode is stored in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
    elif isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(reset=_keep_session)


async def close_engine(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close()
