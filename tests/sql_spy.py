"""Count the SQL statements sent to the database, whichever way they go.

Piccolo's queries go through the engine's ``run_querystring``; the hot path's hand-written reads
through `server.storage.raw_sql.fetch`, its batched writes through `raw_sql.execute_many` (one
statement run for many rows counts once). A spy, not a mock: each statement still runs on the
real engine.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from server.storage import raw_sql
from server.storage import tables as t


def spy_statements(monkeypatch: pytest.MonkeyPatch, into: list[str] | None = None) -> list[str]:
    """Every statement sent from now until the test ends, in order (SQL text), appended to
    `into` (a new list by default)."""
    sent: list[str] = [] if into is None else into
    # On the class: PostgresEngine's instances take no new attributes.
    engine_class = type(t.Session._meta.db)
    real: Callable[..., Awaitable[Any]] = engine_class.run_querystring

    async def counted(engine: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(querystring))
        return await real(engine, querystring, *args, **kwargs)

    real_fetch = raw_sql.fetch

    async def fetched(statement: raw_sql.Statement, *args: Any) -> Any:
        sent.append(statement.postgres if raw_sql.is_postgres() else statement.sqlite)
        return await real_fetch(statement, *args)

    real_many = raw_sql.execute_many

    async def executed(statement: raw_sql.Statement, rows: Any) -> None:
        sent.append(statement.postgres if raw_sql.is_postgres() else statement.sqlite)
        await real_many(statement, rows)

    monkeypatch.setattr(engine_class, "run_querystring", counted)
    monkeypatch.setattr(raw_sql, "fetch", fetched)
    monkeypatch.setattr(raw_sql, "execute_many", executed)
    return sent
