"""PostgreSQL's pooled connections go back to the pool without asyncpg's reset query
(`server.storage.engine._keep_session`), which is safe only while no code leaves session state
on a connection: these tests fail if some does."""

import re
from pathlib import Path

from server.domain.roles import Role
from server.storage import raw_sql
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
# Session-scoped state a pooled connection would carry to the next request: a session advisory
# lock, a LISTEN, a session variable (SET without LOCAL), a cursor held open (WITH HOLD).
SESSION_STATE = re.compile(
    r"pg_(try_)?advisory_lock(_shared)?\(|[\"']\s*(UN)?LISTEN\s|"
    r"[\"']\s*SET\s+(SESSION\s+)?(?!LOCAL\b)[a-z_.]+\s*(=|TO\b)|WITH\s+HOLD",
    re.IGNORECASE,
)


def test_no_statement_leaves_session_state_on_a_pooled_connection() -> None:
    """Make sure the server's SQL never takes session-level locks, listens or sets session
    variables: a connection released without reset would pass them to the next request."""
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        # Only storage sends SQL (tests/test_architecture.py); engine.py names the reset query.
        for path in sorted((ROOT / "server" / "storage").rglob("*.py"))
        if path.name != "engine.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SESSION_STATE.search(line)
    ]
    assert found == []


async def test_a_push_leaves_no_advisory_lock_behind(world: World) -> None:
    """Make sure the audit chain's advisory lock ends with the push's transaction: the pooled
    connection that took it holds none afterwards."""
    member = await world.person("alice", [Role.CONSULTANT])
    client = await world.client()
    mission = await world.mission("alice", client)
    phone = Device("phone")
    phone.edit("2026-11-16", [(f"mission:{mission.id}", 2)], int(FakeClock()().timestamp() * 1000))
    response = await member.browser.post("/api/v1/sync", json=phone.request())
    assert response.json()["results"][0]["status"] == "applied"
    if raw_sql.is_postgres():
        held = await raw_sql.fetch(
            raw_sql.Statement(
                sqlite="",
                postgres="SELECT count(*) AS held FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' "
                "AND a.datname = current_database()",
            )
        )
        assert held[0][0] == 0
