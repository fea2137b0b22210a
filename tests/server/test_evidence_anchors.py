"""The audit chain's head anchored by RFC 3161 timestamps, and locked months guarded by the
database itself."""

import asyncio
from pathlib import Path

import pytest

from server.services import anchors, audit_log
from server.settings import Settings
from server.storage import repositories as repo
from server.storage import tables as t
from tests.conftest import ENGINE, FakeClock
from tests.factories import World
from tests.server.signing_helpers import month_waiting_on_signer, sign, signer_ready
from tests.server.test_audit_log import verify_command
from tests.tsa import timestamped_settings, tsa_fixture  # noqa: F401 (fixtures)


async def test_an_entry_cut_from_the_end_after_an_anchor_is_detected(
    world: World, settings: Settings, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    """Make sure a signature anchors the firm's chain head, and that `carnet audit verify`
    exits 1 when the newest entry is deleted behind the application's back (the chain alone
    still verifies: only the anchor shows the cut)."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    assert (await sign(browser, authenticator)).status_code == 201
    organisation = world.organisation.id
    (anchored,) = await t.AuditAnchor.select().where(t.AuditAnchor.organisation == organisation)
    (verdict,) = await audit_log.verify(organisation)
    assert verdict.check.ok and verdict.anchors is not None and verdict.anchors.problem is None
    assert anchored["seq"] == verdict.check.checked, "the head after the signature is anchored"
    assert await anchors.anchor(settings, organisation) is None, "an anchored head is not redone"

    good = await asyncio.to_thread(verify_command, database_url, tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"reaches its 1 anchor(s), the latest at seq {anchored['seq']}" in good.stdout

    last = anchored["seq"]
    if ENGINE == "postgres":
        await t.AuditEntry.raw("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_change")
        await t.AuditEntry.raw(
            "DELETE FROM audit_entry WHERE organisation = {} AND seq = {}", organisation, last
        )
        await t.AuditEntry.raw("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_change")
    else:
        await t.AuditEntry.raw("DROP TRIGGER audit_entry_no_delete")
        await t.AuditEntry.raw(
            "DELETE FROM audit_entry WHERE organisation = {} AND seq = {}", organisation, last
        )
    (verdict,) = await audit_log.verify(organisation)
    assert verdict.check.ok, "the shortened chain verifies on its own"
    bad = await asyncio.to_thread(verify_command, database_url, tmp_path)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"BROKEN {organisation}: truncated" in bad.stdout
    assert f"seq {last} was anchored" in bad.stdout


async def test_the_schedule_anchors_only_moved_heads(
    world: World, settings: Settings, clock: FakeClock
) -> None:
    """Make sure the scheduled pass anchors each chain whose head moved, once."""
    waiting = await month_waiting_on_signer(world)
    assert await anchors.anchor_all(settings) == 1
    assert await anchors.anchor_all(settings) == 0
    await audit_log.record(
        month_id=waiting.month_id,
        kind="month.exported",
        actor_id=None,
        device=None,
        data={},
        at=clock(),
    )
    assert await anchors.anchor_all(settings) == 1
    assert len(await t.AuditAnchor.select()) == 2


async def test_the_database_refuses_to_edit_a_locked_month(world: World) -> None:
    """Make sure a submitted/signed month's days cannot change even if the application's
    check were bypassed: the database triggers refuse insert, update and delete."""
    waiting = await month_waiting_on_signer(world)  # in validation: locked
    timesheet = await repo.get_timesheet(consultant_id=waiting.consultant.id, month="2026-11")
    assert timesheet is not None and timesheet.status == "in_validation"
    (day,) = await t.DayEntry.select(t.DayEntry.id, t.DayEntry.day).where(
        (t.DayEntry.timesheet == waiting.month_id) & (t.DayEntry.comment == "Atelier")
    )
    attempts = [
        t.DayEntry.update({t.DayEntry.comment: "changed"}).where(t.DayEntry.id == day["id"]),
        t.DayEntry.delete().where(t.DayEntry.id == day["id"]),
        t.DayEntry.insert(
            t.DayEntry(timesheet=waiting.month_id, day=day["day"].replace(day=20), lines=[])
        ),
    ]
    for attempt in attempts:
        with pytest.raises(Exception, match="month_locked"):
            await attempt
    rows = await t.DayEntry.select(t.DayEntry.comment).where(
        t.DayEntry.timesheet == waiting.month_id
    )
    assert sorted(r["comment"] for r in rows) == ["", "Atelier", "Matin"]
    # A change of bookkeeping columns only (the sync version) stays allowed.
    await t.DayEntry.update({t.DayEntry.version: 99}).where(t.DayEntry.id == day["id"])
