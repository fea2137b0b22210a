"""People's data rights (docs/privacy.md): export, erasure, retention.

Real app, real database (SQLite, or PostgreSQL with CARNET_TEST_DB=postgres), the demo firm with
its signed month, real passkeys; `carnet audit verify` and `carnet retention run` as
subprocesses on the same database.
"""

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from litestar import Litestar

from server.domain.roles import Role
from server.services import audit_log, privacy
from server.settings import Settings
from server.storage import notification_store
from server.storage import repositories as repo
from server.storage import tables as t
from tests.conftest import FakeClock
from tests.factories import Member, World
from tests.invoicing.helpers import demo
from tests.invoicing.test_invoicing_api import _login
from tests.server.test_audit_log import ROOT, verify_command

API = "/api/v1"
ALICE = "alice.martin@octave.example"
BRUNO = "bruno.leroy@octave.example"


async def _person(email: str) -> str:
    person = await repo.get_person_by_email(email)
    assert person is not None
    return person.id


async def test_a_consultant_exports_everything_about_them_and_nothing_of_another(
    app: Litestar, world: World
) -> None:
    """Make sure a consultant's JSON export holds their identity, months, days, signatures'
    months, passkeys, sessions and push subscriptions (endpoint reduced to the push service),
    names none of another consultant's ids, months or address; that the PDF renders; and that
    the consultant cannot export a colleague's data while the administrator can."""
    await demo()
    people = {p.email: p for p in await repo.list_all_people()}
    bruno_email = next(e for e in people if e.startswith("bruno"))
    alice, bruno = people[ALICE], people[bruno_email]
    browser = await _login(world, ALICE)
    admin = await _login(world, "claire.admin@octave.example")
    for who in (alice, bruno):
        await notification_store.save_subscription(
            person_id=who.id, endpoint=f"https://push.example.test/{who.id}", p256dh="k", auth="a"
        )

    got = await browser.get(f"{API}/people/{alice.id}/data-export")
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].startswith("attachment; filename=")
    document = got.json()
    assert document["format"] == "carnet-personal-data/1"
    assert document["person"]["email"] == ALICE
    assert "consultant" in document["roles"]
    assert document["timesheets"] and document["days"] and document["missions"]
    assert len(document["passkeys"]) == 1 and document["sessions"]
    assert document["push_subscriptions"] == [
        {"push_service": "https://push.example.test", "created_at": document[
            "push_subscriptions"][0]["created_at"]}
    ]  # fmt: skip
    assert document["audit_events"], "the audit events of her months"
    text = got.text
    bruno_months = [
        str(r["id"])
        for r in await t.Timesheet.select(t.Timesheet.id).where(t.Timesheet.consultant == bruno.id)
    ]
    assert bruno_months
    for foreign in (bruno.id, bruno.email, *bruno_months):
        assert foreign not in text, f"{foreign} of another consultant is in the export"
    assert "token_hash" not in text and "public_key" not in text

    pdf = await browser.get(f"{API}/people/{alice.id}/data-export/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    refused = await browser.get(f"{API}/people/{bruno.id}/data-export")
    assert refused.status_code == 403
    by_admin = await admin.get(f"{API}/people/{bruno.id}/data-export")
    assert by_admin.status_code == 200 and by_admin.json()["person"]["email"] == bruno.email
    missing = await admin.get(f"{API}/people/{uuid.uuid4()}/data-export")
    assert missing.status_code == 404


async def test_erasure_pseudonymises_keeps_invoices_and_signed_months_and_the_chain_verifies(
    app: Litestar, world: World, database_url: str, tmp_path: Path
) -> None:
    """Make sure an administrator's erasure needs confirming, revokes access (sessions,
    passkeys, push), pseudonymises the identity, deletes the sealed personal values of the
    audit entries about the person, keeps the issued invoice and the signed month and says so
    item by item, and that `carnet audit verify` still passes afterwards."""
    await demo()
    alice = await _person(ALICE)
    admin = await _login(world, "claire.admin@octave.example")
    browser = await _login(world, ALICE)
    drafts = {i["period_start"][:7]: i for i in (await admin.get(f"{API}/invoices")).json()}
    issued = await admin.post(f"{API}/invoices/{drafts['2026-09']['id']}/issue")
    assert issued.status_code == 201, issued.text
    number = issued.json()["number"]
    # An audited event holding her address (sealed): the deactivation.
    off = await admin.post(f"{API}/people/{alice}/deactivate", json={})
    assert off.status_code == 200, off.text
    await notification_store.save_subscription(
        person_id=alice, endpoint="https://push.example.test/a", p256dh="k", auth="a"
    )
    sealed_before = await t.AuditPersonal.count()
    assert sealed_before >= 1

    unconfirmed = await admin.post(f"{API}/people/{alice}/erasure", json={})
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["errors"][0]["field"] == "confirm"
    assert await repo.get_person_by_email(ALICE) is not None, "nothing changed"

    done = await admin.post(f"{API}/people/{alice}/erasure", json={"confirm": True})
    assert done.status_code == 200, done.text
    items = {i["item"]: i for i in done.json()["items"]}
    assert items["identity"]["outcome"] == "pseudonymised"
    assert items["push_subscriptions"] == {
        **items["push_subscriptions"],
        "outcome": "erased",
        "count": 1,
    }
    assert items["invoices"]["outcome"] == "kept" and items["invoices"]["count"] >= 1
    assert "L123-22" in items["invoices"]["reason"]
    assert items["signed_months"]["outcome"] == "kept" and items["signed_months"]["count"] >= 1
    assert items["audit_values"]["count"] >= 1

    assert await repo.get_person_by_email(ALICE) is None
    erased = await repo.get_person(alice)
    assert erased is not None and erased.display_name.startswith("Personne effacée")
    assert erased.email.endswith("@erased.invalid") and not erased.active
    assert (await browser.get(f"{API}/me")).status_code == 401
    assert await t.Session.count().where(t.Session.person == alice) == 0
    assert await t.PushSubscription.count().where(t.PushSubscription.person == alice) == 0
    live = t.Passkey.revoked_at.is_null()
    assert await t.Passkey.count().where((t.Passkey.person == alice) & live) == 0
    assert await t.AuditPersonal.count() < sealed_before
    invoice = await admin.get(f"{API}/invoices/{issued.json()['id']}")
    assert invoice.status_code == 200 and invoice.json()["number"] == number
    signed = (t.Timesheet.consultant == alice) & (t.Timesheet.status == "signed")
    assert await t.Timesheet.count().where(signed) == items["signed_months"]["count"]
    first = await t.Timesheet.select(t.Timesheet.id).where(t.Timesheet.consultant == alice)
    history = await audit_log.history(str(first[0]["id"]))
    assert history, "her months' entries stay"
    deactivated = await t.AuditEntry.select(t.AuditEntry.body).where(
        (t.AuditEntry.event == "person.deactivated") & (t.AuditEntry.subject == f"person:{alice}")
    )
    assert ALICE not in deactivated[0]["body"] and "$sealed" in deactivated[0]["body"]

    again = await admin.post(f"{API}/people/{alice}/erasure", json={"confirm": True})
    assert again.status_code == 409
    export = (await admin.get(f"{API}/people/{alice}/data-export")).json()
    assert export["person"]["email"].endswith("@erased.invalid")
    assert ALICE not in json.dumps(export)
    assert export["erasure"]["report"]["items"]

    for verdict in await audit_log.verify():
        assert verdict.check.ok, verdict.check.reason
    result = verify_command(database_url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK "), result.stdout


async def test_an_administrator_cannot_erase_themselves(world: World) -> None:
    """Make sure the administrator's own erasure is refused, naming the person."""
    admin = await world.person("admin", {Role.ADMIN})
    got = await admin.browser.post(f"{API}/people/{admin.id}/erasure", json={"confirm": True})
    assert got.status_code == 409 and got.json()["errors"][0]["code"] == "erase_self"


def retention_command(settings: Settings, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.resolved_database_url,
        "CARNET_DATA_DIR": str(settings.data_dir),
        "CARNET_SECRET_KEY": "k" * 40,
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "retention", "run", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _session(person: str, expired: timedelta, now: FakeClock) -> str:
    token = uuid.uuid4().hex
    await t.Session.insert(
        t.Session(
            token_hash=token,
            person=uuid.UUID(person),
            created_at=now() - expired - timedelta(days=1),
            last_seen_at=now() - expired,
            expires_at=now() - expired,
        )
    )
    return token


async def _sessions(person: str) -> set[str]:
    rows = await t.Session.select(t.Session.token_hash).where(t.Session.person == person)
    return {r["token_hash"] for r in rows}


async def _outbox(key: str, person: str, state: str, done: timedelta, now: FakeClock) -> None:
    at = int((now() - done).timestamp() * 1000)
    await t.OutboxItem.insert(
        t.OutboxItem(
            key=key,
            person=uuid.UUID(person),
            kind="reminder",
            month="2026-10",
            state=state,
            due_ms=at,
            expires_ms=at,
            created_ms=at,
            done_ms=None if state == "pending" else at,
        )
    )


async def test_retention_deletes_expired_rows_only_with_the_firms_periods(
    world: World, clock: FakeClock, settings: Settings
) -> None:
    """Make sure the retention job deletes sessions and sent notifications past their period
    and keeps younger ones and pending ones; a dry run deletes nothing; a firm's shorter
    period is applied; a period below its legal floor is refused naming the kind; a person
    deactivated longer ago than the departed-people period is erased, a recent one is not;
    and `carnet retention run --dry-run` prints the counts."""
    admin = await world.person("admin", {Role.ADMIN})
    alice = await world.person("alice", {Role.CONSULTANT})
    bob = await world.person("bob", {Role.CONSULTANT})
    old = await _session(alice.id, timedelta(days=40), clock)
    young = await _session(alice.id, timedelta(days=10), clock)
    live = await _sessions(alice.id) - {old, young}
    await _outbox("old", alice.id, "sent", timedelta(days=100), clock)
    await _outbox("young", alice.id, "sent", timedelta(days=10), clock)
    await _outbox("pending", alice.id, "pending", timedelta(days=400), clock)

    dry = await privacy.run_retention(now=clock(), dry_run=True)
    mine = {r.kind.value: r.count for r in dry if r.organisation_id == world.organisation.id}
    assert mine["sessions"] == 1 and mine["outbox"] == 1 and mine["departed_people"] == 0
    assert await _sessions(alice.id) == {old, young, *live}, "a dry run deletes nothing"

    await privacy.run_retention(now=clock())
    assert await _sessions(alice.id) == {young, *live}
    keys = {r["key"] for r in await t.OutboxItem.select(t.OutboxItem.key)}
    assert {"young", "pending"} <= keys and "old" not in keys

    below = await admin.browser.put(f"{API}/retention", json={"periods": {"departed_people": 30}})
    assert below.status_code == 422
    assert below.json()["errors"][0]["field"] == "departed_people"
    assert "L3245-1" in below.json()["errors"][0]["message"]
    shorter = await admin.browser.put(f"{API}/retention", json={"periods": {"sessions": 5}})
    assert shorter.status_code == 200, shorter.text
    periods = {p["kind"]: p["days"] for p in shorter.json()["periods"]}
    assert periods["sessions"] == 5 and periods["departed_people"] == 5 * 366
    refused = await alice.browser.get(f"{API}/retention")
    assert refused.status_code == 403
    await privacy.run_retention(now=clock())
    assert await _sessions(alice.id) == live

    off = await admin.browser.post(f"{API}/people/{bob.id}/deactivate", json={})
    assert off.status_code == 200, off.text
    soon = await privacy.run_retention(now=clock() + timedelta(days=2 * 366))
    assert not [r for r in soon if r.kind.value == "departed_people" and r.count]
    assert await t.Erasure.count() == 0
    printed = retention_command(settings, "--dry-run")
    assert printed.returncode == 0, printed.stderr
    assert "would delete" in printed.stdout and "departed_people" in printed.stdout
    later = await privacy.run_retention(now=clock() + timedelta(days=6 * 366))
    gone = [r for r in later if r.kind.value == "departed_people" and r.count]
    assert [(r.organisation_id, r.count) for r in gone] == [(world.organisation.id, 1)]
    erasure = await t.Erasure.select(t.Erasure.person, t.Erasure.requested_by)
    assert [(str(e["person"]), e["requested_by"]) for e in erasure] == [(bob.id, None)]
    assert not (await repo.get_person(alice.id) or alice.person).email.endswith(".invalid")
    for verdict in await audit_log.verify():
        assert verdict.check.ok, verdict.check.reason


async def _receipt(
    owner: Member, organisation: str, name: str, age: timedelta, now: FakeClock
) -> str:
    sha = hashlib.sha256(name.encode()).hexdigest()
    await t.Receipt.insert(
        t.Receipt(
            key=f"{owner.id}:{sha}",
            organisation=uuid.UUID(organisation),
            owner=uuid.UUID(owner.id),
            sha256=sha,
            media_type="image/jpeg",
            size=3,
            content=b"jpg",
            created_at=now() - age,
        )
    )
    return sha


async def _claim(
    owner: Member, organisation: str, status: str, receipts: list[str], decided: timedelta,
    now: FakeClock, *, rebilled: bool = False,
) -> None:  # fmt: skip
    await t.ExpenseClaim.insert(
        t.ExpenseClaim(
            organisation=uuid.UUID(organisation),
            consultant=uuid.UUID(owner.id),
            month="2015-01",
            spent_on=(now() - decided).date(),
            category="meal",
            gross_cents=1000,
            net_cents=900,
            vat_cents=100,
            receipts=receipts,
            status=status,
            decided_at=None if status in {"draft", "submitted"} else now() - decided,
            billed_expense=uuid.uuid4() if rebilled else None,
        )
    )


async def test_retention_deletes_receipts_past_their_period_only(
    world: World, clock: FakeClock
) -> None:
    """Make sure receipts on no approved line go after their period and not before, that a
    receipt on a draft line stays whatever its age, and that receipts of approved lines not
    re-billed go only after ten years while re-billed ones stay with the invoice."""
    alice = await world.person("alice", {Role.CONSULTANT})
    org, year = world.organisation.id, timedelta(days=366)
    old_unused = await _receipt(alice, org, "old-unused", 2 * year, clock)
    young_unused = await _receipt(alice, org, "young-unused", timedelta(days=30), clock)
    on_draft = await _receipt(alice, org, "on-draft", 2 * year, clock)
    await _claim(alice, org, "draft", [on_draft], timedelta(0), clock)
    approved_old = await _receipt(alice, org, "approved-old", 11 * year, clock)
    await _claim(alice, org, "approved", [approved_old], 11 * year, clock)
    approved_young = await _receipt(alice, org, "approved-young", 5 * year, clock)
    await _claim(alice, org, "approved", [approved_young], 5 * year, clock)
    rebilled = await _receipt(alice, org, "rebilled", 11 * year, clock)
    await _claim(alice, org, "approved", [rebilled], 11 * year, clock, rebilled=True)

    await privacy.run_retention(now=clock())
    kept = {r["sha256"] for r in await t.Receipt.select(t.Receipt.sha256)}
    assert kept == {young_unused, on_draft, approved_young, rebilled}
    assert old_unused not in kept and approved_old not in kept


async def test_the_servers_background_task_applies_retention(
    world: World, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure the scheduled task (as the server and `carnet worker` start it) deletes an
    expired session on its own, and stops cleanly."""
    alice = await world.person("alice", {Role.CONSULTANT})
    old = await _session(alice.id, timedelta(days=40), clock)
    monkeypatch.setattr(privacy, "FIRST_RUN_AFTER_SECONDS", 0)
    runtime = privacy.RetentionRuntime(clock=clock, every_seconds=3600)
    runtime.start()
    try:
        for _ in range(100):
            if old not in await _sessions(alice.id):
                break
            await asyncio.sleep(0.05)
    finally:
        await runtime.stop()
    assert old not in await _sessions(alice.id)
