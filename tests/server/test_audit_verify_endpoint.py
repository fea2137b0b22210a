"""GET /api/v1/audit/verify: an administrator checks their organisation's audit chain from the
back office, as `carnet audit verify` does; an entry edited behind the application's back is
named. Real app and database (SQLite, or PostgreSQL with CARNET_TEST_DB=postgres)."""

import json

import pytest

from server.domain.roles import Role
from server.services import audit_log
from server.storage import repositories as repo
from server.storage import tables as t
from tests.conftest import ENGINE, FakeClock
from tests.factories import World

pytestmark = pytest.mark.anyio
VERIFY = "/api/v1/audit/verify"


async def four_events(world: World, clock: FakeClock) -> str:
    alice = await world.person("alice", [Role.CONSULTANT], login=False)
    month = await repo.create_timesheet(consultant_id=alice.id, month="2026-11")
    for n in range(4):
        await audit_log.record(
            month_id=month.id,
            kind="month.sent_back",
            actor_id=None,
            device="web",
            data={"comment": f"correction {n}"},
            at=clock(),
        )
    return month.id


async def test_admin_sees_the_chain_intact_then_the_first_edited_entry(
    world: World, clock: FakeClock
) -> None:
    """Make sure the chain is reported intact with its entry count, and after a row is edited
    with the database's guard disabled, the answer names that entry and why."""
    admin = await world.person("admin", [Role.ADMIN])
    month_id = await four_events(world, clock)
    good = await admin.browser.get(VERIFY)
    assert good.status_code == 200, good.text
    entries = len(await t.AuditEntry.select(t.AuditEntry.seq))
    assert good.json() == {
        "ok": True,
        "entries": entries,
        "first_broken_seq": None,
        "reason": None,
        "anchors": 0,
        "latest_anchor_seq": None,
        "latest_anchor_at": None,
    }
    tampered = json.dumps(
        {"data": {"comment": "rien à corriger"}, "device": "web", "month": month_id},
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=True,
    )
    seq = entries - 1
    if ENGINE == "postgres":
        await t.AuditEntry.raw("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change")
        await t.AuditEntry.raw("UPDATE audit_entry SET body = {} WHERE seq = {}", tampered, seq)
        await t.AuditEntry.raw("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change")
    else:
        await t.AuditEntry.raw("DROP TRIGGER audit_entry_no_update")
        await t.AuditEntry.raw("UPDATE audit_entry SET body = {} WHERE seq = {}", tampered, seq)
    bad = await admin.browser.get(VERIFY)
    assert bad.status_code == 200, bad.text
    body = bad.json()
    assert (body["ok"], body["first_broken_seq"], body["entries"]) == (False, seq, seq - 1)
    assert body["reason"].startswith("hash mismatch")


async def test_only_administrators_verify_the_chain(world: World, clock: FakeClock) -> None:
    """Make sure a consultant and a manager are refused (403), a visitor must sign in (401)."""
    await world.person("manager", [Role.MANAGER])
    consultant = await world.person("consultant", [Role.CONSULTANT], manager="manager")
    await four_events(world, clock)
    assert (await consultant.browser.get(VERIFY)).status_code == 403
    assert (await world["manager"].browser.get(VERIFY)).status_code == 403
    assert (await world.browser().get(VERIFY)).status_code == 401
