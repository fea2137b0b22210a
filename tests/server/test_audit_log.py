"""The audit trail in the database: chained, append-only by the database itself, written in
the caller's transaction, never forked by concurrent appends, and checked by
`carnet audit verify`, which names the first entry edited behind the application's back."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.domain.roles import Role
from server.services import audit_log
from server.storage import repositories as repo
from server.storage import tables as t
from server.storage.repositories import write_transaction
from tests.conftest import ENGINE, FakeClock
from tests.factories import World

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parent.parent.parent


async def a_month(world: World) -> str:
    await world.person("marc", [Role.MANAGER], login=False)
    alice = await world.person("alice", [Role.CONSULTANT], manager="marc", login=False)
    month = await repo.create_timesheet(consultant_id=alice.id, month="2026-11")
    return month.id


async def test_events_chain_and_verify(world: World, clock: FakeClock) -> None:
    """Make sure recorded events form one intact chain per organisation, in order."""
    month_id = await a_month(world)
    for n in range(3):
        await audit_log.record(
            month_id=month_id,
            kind="month.exported",
            actor_id=None,
            device=None,
            data={"n": n, "note": "é\u2028"},
            at=clock(),
        )
    (verdict,) = await audit_log.verify()
    assert verdict.organisation_id == world.organisation.id
    assert verdict.check.ok and verdict.check.checked == 3
    entries = await audit_log.history(month_id)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].body == {
        "month": month_id,
        "device": None,
        "data": {"n": 2, "note": "é\u2028"},
    }


async def test_an_event_rolls_back_with_the_change_it_records(
    world: World, clock: FakeClock
) -> None:
    """Make sure `record` joins the caller's transaction: no change, no entry."""
    month_id = await a_month(world)
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await audit_log.record(
                month_id=month_id,
                kind="month.signed",
                actor_id=None,
                device=None,
                data={},
                at=clock(),
            )
            raise RuntimeError("the change failed")
    assert await audit_log.history(month_id) == []


async def test_the_database_refuses_to_change_or_remove_an_entry(
    world: World, clock: FakeClock
) -> None:
    """Make sure UPDATE and DELETE (and TRUNCATE on PostgreSQL) fail, whoever sends them."""
    month_id = await a_month(world)
    await audit_log.record(
        month_id=month_id, kind="month.x", actor_id=None, device=None, data={}, at=clock()
    )
    statements = ["UPDATE audit_entry SET actor = 'mallory'", "DELETE FROM audit_entry"]
    if ENGINE == "postgres":
        statements.append("TRUNCATE audit_entry")
    for statement in statements:
        with pytest.raises(Exception, match="append-only"):
            await t.AuditEntry.raw(statement)
    assert [e.actor for e in await audit_log.history(month_id)] == ["system"]


async def test_concurrent_appends_do_not_fork_the_chain(world: World, clock: FakeClock) -> None:
    """Make sure appends racing on one organisation's chain all land, gapless, one chain."""
    month_id = await a_month(world)

    async def append(n: int) -> None:
        await audit_log.record(
            month_id=month_id,
            kind="month.exported",
            actor_id=None,
            device=f"worker-{n}",
            data={"n": n},
            at=clock(),
        )

    await asyncio.gather(*(append(n) for n in range(24)))
    (verdict,) = await audit_log.verify()
    assert verdict.check.ok and verdict.check.checked == 24
    entries = await audit_log.history(month_id)
    assert sorted(e.body["data"]["n"] for e in entries) == list(range(24))


def verify_command(
    database_url: str, tmp_path: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CARNET_DATA_DIR": str(tmp_path),
        "CARNET_SECRET_KEY": "k" * 40,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "audit", "verify", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_verify_names_the_first_entry_edited_behind_the_apps_back(
    world: World, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    """Make sure `carnet audit verify` says OK, then, after a row is edited with the guard
    disabled, exits 1 naming that entry and why."""
    month_id = await a_month(world)
    for n in range(4):
        await audit_log.record(
            month_id=month_id,
            kind="month.sent_back",
            actor_id=None,
            device="web",
            data={"comment": f"correction {n}"},
            at=clock(),
        )
    good = await asyncio.to_thread(verify_command, database_url, tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"OK {world.organisation.id}: 4 entries" in good.stdout

    tampered = json.dumps(
        {"data": {"comment": "rien à corriger"}, "device": "web", "month": month_id},
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=True,
    )
    if ENGINE == "postgres":
        await t.AuditEntry.raw("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change")
        await t.AuditEntry.raw("UPDATE audit_entry SET body = {} WHERE seq = 3", tampered)
        await t.AuditEntry.raw("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change")
    else:
        await t.AuditEntry.raw("DROP TRIGGER audit_entry_no_update")
        await t.AuditEntry.raw("UPDATE audit_entry SET body = {} WHERE seq = 3", tampered)
    bad = await asyncio.to_thread(verify_command, database_url, tmp_path)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "BROKEN" in bad.stdout and "entry seq 3" in bad.stdout
    assert "hash mismatch" in bad.stdout and "2 entries intact" in bad.stdout


def test_verify_on_an_empty_trail_and_a_bad_organisation_id(
    database_url: str, tmp_path: Path
) -> None:
    """Make sure an empty trail verifies, and a malformed --organisation is a usage error."""
    empty = verify_command(database_url, tmp_path)
    assert empty.returncode == 0 and "no audit entries yet" in empty.stdout
    bad = verify_command(database_url, tmp_path, "--organisation", "nope")
    assert bad.returncode == 2 and "not an organisation id" in bad.stderr
