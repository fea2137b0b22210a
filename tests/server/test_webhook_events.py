"""The leave and expense webhooks (docs/webhooks.md "Leave and expense events"): a real HTTP
receiver in a thread (the one of tests/server/test_webhooks.py, checking `Carnet-Signature`)
gets each request, decision, cancellation and each expense line's move exactly once, through
the outbox worker; a refused change tells nothing, and a change rolled back takes its events
with it. Run on SQLite and PostgreSQL (`CARNET_TEST_DB=postgres`)."""

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from server.domain import integrations as rules
from server.domain.roles import Actor, Role
from server.services import expense_reports, leave, webhooks
from server.settings import Settings
from server.storage import expenses_store, leave_store
from server.storage import tables as t
from tests.conftest import FakeClock
from tests.factories import Member, World
from tests.server.test_expense_month_circuit import _act, _fill_and_submit_on_the_web, _firm, _line
from tests.server.test_leave import (
    WEEK,
    Office,
    body,
    days,
    office,
    problem,
    request,
    sync_request,
)
from tests.server.test_webhooks import Receiver, deliver, receiver, settings

pytestmark = pytest.mark.anyio

API = "/api/v1"
LEAVE = ["leave.requested", "leave.approved", "leave.refused", "leave.cancelled"]
EXPENSE = ["expense.submitted", "expense.approved", "expense.refused", "expense.returned"]
ROOT = Path(__file__).resolve().parents[2]

# The fixtures this module borrows (pytest finds them by name in the module).
__all__ = ["office", "receiver", "settings"]


async def subscribe(admin: Member, receiver: Receiver, events: list[str]) -> str:
    response = await admin.browser.post(
        f"{API}/integrations/webhooks", json={"url": receiver.url, "events": events}
    )
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return str(response.json()["webhook"]["id"])


def received(receiver: Receiver, event: str) -> list[dict[str, Any]]:
    """The `data` of each delivery of ``event``, all checked against their signature."""
    assert all(r["verified"] for r in receiver.received)
    assert all(r["body"]["id"] == r["delivery"] for r in receiver.received)
    return [r["body"]["data"] for r in receiver.received if r["event"] == event]


def kinds(receiver: Receiver) -> list[str]:
    return sorted(r["event"] for r in receiver.received)


async def webhook_rows() -> int:
    return await t.OutboxItem.count().where(t.OutboxItem.channel == webhooks.CHANNEL)


# -- leave -----------------------------------------------------------------------------------


async def test_each_leave_request_decision_and_cancellation_reaches_the_receiver_once(
    office: Office, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure a request, its approval and its cancellation, and another request and its
    refusal each reach the receiver once, signed, with the dates and integer half-days and
    without the consultant's comment or the refusal's reason; and that what is refused (a
    second approval, a refusal without reason, someone else's decision, a weekend request, a
    second cancellation, the same request sent again) tells nothing."""
    await subscribe(office.ada, receiver, LEAVE)
    week = await request(office.bruno, body(WEEK[0], WEEK[1]))
    approved = await office.marc.browser.post(f"{API}/leave/requests/{week['id']}/approve")
    assert approved.status_code == 200, approved.text
    problem(
        await office.marc.browser.post(f"{API}/leave/requests/{week['id']}/approve"),
        409,
        "not_pending",
    )
    problem(
        await office.marc.browser.post(
            f"{API}/leave/requests/{week['id']}/refuse", json={"reason": " "}
        ),
        422,
        "required",
        "reason",
    )
    cancelled = await office.bruno.browser.post(f"{API}/leave/requests/{week['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = await office.bruno.browser.post(f"{API}/leave/requests/{week['id']}/cancel")
    assert again.json()["status"] == "cancelled"
    afternoon = body(WEEK[3], WEEK[3], first_afternoon=True)
    half = await request(office.bruno, afternoon)
    assert (await request(office.bruno, afternoon))["id"] == half["id"]  # sent again
    other = await office.nina.browser.post(f"{API}/leave/requests/{half['id']}/approve")
    assert other.status_code == 404  # another team's request: not even seen
    refused = await office.marc.browser.post(
        f"{API}/leave/requests/{half['id']}/refuse", json={"reason": "Mise en production"}
    )
    assert refused.status_code == 200, refused.text
    weekend = await office.bruno.browser.post(
        f"{API}/leave/requests", json=body("2026-11-21", "2026-11-22")
    )
    problem(weekend, 422, "no_working_day")

    await deliver(settings, clock)
    assert kinds(receiver) == [
        "leave.approved",
        "leave.cancelled",
        "leave.refused",
        "leave.requested",
        "leave.requested",
    ]
    assert len({r["delivery"] for r in receiver.received}) == 5
    common = {
        "request_id": week["id"],
        "consultant_id": office.bruno.id,
        "consultant_name": office.bruno.person.display_name,
        "kind": "CP",
        "first_day": WEEK[0],
        "last_day": WEEK[1],
        "first_afternoon": False,
        "last_morning": False,
        "half_days": 4,
        "cost_half_days": 4,
    }
    assert received(receiver, "leave.approved") == [
        {**common, "status": "approved", "by": office.marc.id}
    ]
    assert received(receiver, "leave.cancelled") == [
        {**common, "status": "cancelled", "by": office.bruno.id}
    ]
    [decided] = received(receiver, "leave.refused")
    assert (decided["request_id"], decided["status"], decided["by"]) == (
        half["id"],
        "refused",
        office.marc.id,
    )
    assert (decided["first_afternoon"], decided["half_days"], decided["cost_half_days"]) == (
        True,
        1,
        1,
    )
    requested = received(receiver, "leave.requested")
    assert sorted(d["request_id"] for d in requested) == sorted([week["id"], half["id"]])
    assert {d["status"] for d in requested} == {"requested"}
    assert {d["by"] for d in requested} == {office.bruno.id}
    everything = json.dumps([r["body"] for r in receiver.received])
    assert "vacances" not in everything  # the consultant's comment stays in Carnet
    assert "Mise en production" not in everything  # so does the manager's reason
    await deliver(settings, clock)
    assert len(receiver.received) == 5  # nothing twice


async def test_a_leave_request_from_the_phone_is_told_once_even_when_its_batch_is_retried(
    office: Office, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure a request queued on the phone, pushed twice (the answer was lost), is one
    ``leave.requested``, and its cancellation from the phone one ``leave.cancelled``."""
    await subscribe(office.ada, receiver, LEAVE)
    phone = str(uuid.uuid4())
    asked = body(WEEK[0], WEEK[0])
    push = sync_request(phone, ("request_leave", asked))
    for _ in range(2):
        sent = await office.bruno.browser.post(f"{API}/sync", json=push)
        assert sent.json()["results"][0]["status"] == "applied", sent.text
    cancel = sync_request(phone, ("request_leave", asked))
    cancel["mutations"].append({"id": 2, "name": "cancel_leave", "args": {"id": asked["id"]}})
    done = (await office.bruno.browser.post(f"{API}/sync", json=cancel)).json()
    assert done["results"][-1]["status"] == "applied", done
    await deliver(settings, clock)
    assert kinds(receiver) == ["leave.cancelled", "leave.requested"]
    assert {d["request_id"] for d in received(receiver, "leave.requested")} == {asked["id"]}


async def test_a_leave_decision_rolled_back_tells_nobody(
    office: Office, receiver: Receiver, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure the event is queued in the transaction of the decision: when that transaction
    fails after queueing, the request stays pending and the outbox holds no webhook row."""
    await subscribe(office.ada, receiver, LEAVE)
    asked = await request(office.bruno, body(WEEK[0], WEEK[0]))
    assert await webhook_rows() == 1  # the request itself
    real = webhooks.emit

    async def emit_then_fail(**kwargs: Any) -> int:
        await real(**kwargs)
        raise RuntimeError("the database went away after the event was queued")

    monkeypatch.setattr(webhooks, "emit", emit_then_fail)
    manager = Actor(
        person_id=office.marc.id,
        organisation_id=office.world.organisation.id,
        roles=frozenset({Role.MANAGER}),
    )
    with pytest.raises(RuntimeError):
        await leave.approve(manager, asked["id"], clock=clock)
    row = await leave_store.get_request(asked["id"])
    assert row is not None and row.status == "requested"
    assert await webhook_rows() == 1


async def test_an_approval_racing_a_cancellation_loses_and_tells_nothing(
    office: Office,
    receiver: Receiver,
    settings: Settings,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Make sure a manager's approval that read the request just before the consultant
    cancelled it is refused (409 ``not_pending``): the cancellation stands, the CRA is not
    filled, and only the request and its cancellation are told."""
    await subscribe(office.ada, receiver, LEAVE)
    asked = await request(office.bruno, body(WEEK[0], WEEK[0]))
    stale = await leave_store.get_request(asked["id"])
    cancelled = await office.bruno.browser.post(f"{API}/leave/requests/{asked['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"

    async def as_read_before(request_id: str) -> leave_store.RequestRow | None:
        return stale  # what the approval read, a moment before the cancellation committed

    monkeypatch.setattr(leave_store, "get_request", as_read_before)
    late = await office.marc.browser.post(f"{API}/leave/requests/{asked['id']}/approve")
    problem(late, 409, "not_pending", "id")
    monkeypatch.undo()
    row = await leave_store.get_request(asked["id"])
    assert row is not None and (row.status, row.filled) == ("cancelled", ())
    assert await days(office.bruno) == {}
    await deliver(settings, clock)
    assert kinds(receiver) == ["leave.cancelled", "leave.requested"]


# -- expenses --------------------------------------------------------------------------------


def _line_data(receiver: Receiver, event: str) -> dict[str, dict[str, Any]]:
    return {d["line_id"]: d for d in received(receiver, event)}


async def test_each_expense_line_handed_in_and_decided_on_its_own_reaches_the_receiver_once(
    world: World, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure, in the own circuit, each line handed in is one ``expense.submitted`` with its
    amounts in cents, each decision one ``expense.approved`` or ``expense.refused``, a refused
    line corrected and handed in again a new event; and that a decision before the line is
    handed in, a second decision, a second submission and the consultant's own decision tell
    nothing, nor does the reason of a refusal."""
    await world.person("admin", [Role.ADMIN])
    boss = await world.person("boss", [Role.MANAGER])
    alice = await world.person("alice", [Role.CONSULTANT], manager="boss")
    await subscribe(world["admin"], receiver, EXPENSE)
    meal = await _line(alice, comment="Déjeuner")
    ticket = await _line(
        alice,
        spent_on="2026-11-05",
        category="train",
        vat_lines=[{"rate_bp": 1000, "gross_cents": 8900}],
    )

    async def decide(who: Member, line: str, approve: bool, reason: str = "") -> int:
        answer = await who.browser.post(
            f"{API}/expense-lines/{line}/decision", json={"approve": approve, "reason": reason}
        )
        return answer.status_code

    assert await decide(boss, meal, True) == 409  # not handed in yet
    submitted = await alice.browser.post(f"{API}/expense-reports/2026-11/submit")
    assert submitted.json() == {"submitted": 2}
    nothing = await alice.browser.post(f"{API}/expense-reports/2026-11/submit")
    assert nothing.status_code == 409
    assert await decide(alice, meal, True) == 403
    assert await decide(boss, meal, True) == 200
    assert await decide(boss, meal, False, "Deux fois") == 409
    assert await decide(boss, ticket, False, "Billet de 1re classe") == 200
    clock.advance(minutes=5)
    corrected = await alice.browser.put(
        f"{API}/expense-lines/{ticket}",
        json={
            "spent_on": "2026-11-05",
            "category": "train",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 5500}],
        },
    )
    assert corrected.status_code == 200, corrected.text
    again = await alice.browser.post(f"{API}/expense-reports/2026-11/submit")
    assert again.json() == {"submitted": 1}
    assert await decide(boss, ticket, True) == 200

    await deliver(settings, clock)
    assert kinds(receiver) == [
        "expense.approved",
        "expense.approved",
        "expense.refused",
        "expense.submitted",
        "expense.submitted",
        "expense.submitted",
    ]
    assert len({r["delivery"] for r in receiver.received}) == 6
    hand_ins = received(receiver, "expense.submitted")
    assert sorted((d["line_id"], d["gross_cents"]) for d in hand_ins) == sorted(
        [(meal, 2200), (ticket, 8900), (ticket, 5500)]
    )
    first = next(d for d in hand_ins if d["line_id"] == meal)
    assert first == {
        "line_id": meal,
        "consultant_id": alice.id,
        "consultant_name": alice.person.display_name,
        "month": "2026-11",
        "spent_on": "2026-11-04",
        "category": "meal",
        "mission_id": None,
        "gross_cents": 2200,
        "net_cents": 2000,
        "vat_cents": 200,
        "receipts": 0,
        "status": "submitted",
        "by": alice.id,
    }
    approved = _line_data(receiver, "expense.approved")
    assert {k: (d["status"], d["by"], d["gross_cents"]) for k, d in approved.items()} == {
        meal: ("approved", boss.id, 2200),
        ticket: ("approved", boss.id, 5500),
    }
    [refusal] = received(receiver, "expense.refused")
    assert (refusal["line_id"], refusal["status"], refusal["gross_cents"]) == (
        ticket,
        "refused",
        8900,
    )
    everything = json.dumps([r["body"] for r in receiver.received])
    assert "Billet de 1re classe" not in everything and "Déjeuner" not in everything
    await deliver(settings, clock)
    assert len(receiver.received) == 6


async def test_expense_lines_riding_the_month_are_told_as_the_month_moves(
    world: World, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure, in the month circuit, the month's submission hands in its line (one
    ``expense.submitted``), a send-back returns it (``expense.returned``), and the manager's
    approval of the month approves it (``expense.approved`` by the manager), each once, beside
    the month's own events."""
    mission = await _firm(world, "month")
    alice, boss = world["alice"], world["boss"]
    await subscribe(world["admin"], receiver, [*EXPENSE, "month.submitted", "month.approved"])
    line = await _line(alice, mission_id=mission.id)
    await _fill_and_submit_on_the_web(alice, mission.id)
    await _act(boss, alice, "send-back", comment="Le 16 ?")
    await _act(alice, alice, "submit")
    await _act(boss, alice, "approve")
    await deliver(settings, clock)
    assert kinds(receiver) == [
        "expense.approved",
        "expense.returned",
        "expense.submitted",
        "expense.submitted",
        "month.approved",
        "month.submitted",
        "month.submitted",
    ]
    [returned] = received(receiver, "expense.returned")
    assert (returned["line_id"], returned["status"], returned["by"]) == (line, "draft", boss.id)
    assert {(d["line_id"], d["mission_id"]) for d in received(receiver, "expense.submitted")} == {
        (line, mission.id)
    }
    [approved] = received(receiver, "expense.approved")
    assert (approved["line_id"], approved["status"], approved["by"]) == (line, "approved", boss.id)
    assert (approved["month"], approved["gross_cents"]) == ("2026-11", 2200)


async def test_an_expense_move_rolled_back_tells_nobody(
    world: World, receiver: Receiver, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure a submission and a decision queue their events in their own transaction: when
    it fails after queueing, the lines keep their status and the outbox holds no webhook row."""
    await world.person("admin", [Role.ADMIN])
    boss = await world.person("boss", [Role.MANAGER])
    alice = await world.person("alice", [Role.CONSULTANT], manager="boss")
    await subscribe(world["admin"], receiver, EXPENSE)
    line = await _line(alice)
    real = webhooks.emit

    async def emit_then_fail(**kwargs: Any) -> int:
        await real(**kwargs)
        raise RuntimeError("the database went away after the event was queued")

    def actor(member: Member, role: Role) -> Actor:
        return Actor(
            person_id=member.id,
            organisation_id=world.organisation.id,
            roles=frozenset({role}),
        )

    with monkeypatch.context() as patched:
        patched.setattr(webhooks, "emit", emit_then_fail)
        with pytest.raises(RuntimeError):
            await expense_reports.submit(
                actor=actor(alice, Role.CONSULTANT), month="2026-11", now=clock()
            )
    stored = await expenses_store.get_claim(line)
    assert stored is not None and stored["status"] == "draft"
    assert await webhook_rows() == 0
    submitted = await alice.browser.post(f"{API}/expense-reports/2026-11/submit")
    assert submitted.json() == {"submitted": 1}
    assert await webhook_rows() == 1
    monkeypatch.setattr(webhooks, "emit", emit_then_fail)
    with pytest.raises(RuntimeError):
        await expense_reports.decide(
            actor=actor(boss, Role.MANAGER), line_id=line, approve=True, reason="", now=clock()
        )
    stored = await expenses_store.get_claim(line)
    assert stored is not None and stored["status"] == "submitted"
    assert await webhook_rows() == 1


# -- the event list --------------------------------------------------------------------------


def test_the_integrations_tab_offers_every_event_with_french_and_english_labels() -> None:
    """Make sure the back office's Integrations tab lists exactly the events the server lets
    a webhook subscribe to, each with a French and an English label, and that
    docs/webhooks.md documents each."""
    source = (ROOT / "pwa" / "js" / "online" / "backoffice" / "integrations.js").read_text()
    listed = re.search(r"const EVENTS = \[(.*?)\];", source, re.S)
    assert listed is not None
    offered = re.findall(r'"([a-z_.]+)"', listed.group(1))
    assert offered == [e.value for e in rules.SUBSCRIBABLE]
    docs = (ROOT / "docs" / "webhooks.md").read_text()
    for event in offered:
        label = re.search(
            rf'"bo\.int\.event\.{re.escape(event)}": \[\s*"([^"]+)",\s*"([^"]+)"', source
        )
        assert label is not None, event
        assert label.group(1) != label.group(2) or event == "ping", event
        assert f"`{event}`" in docs, event
    assert rules.parse_events([*LEAVE, *EXPENSE]) == frozenset(
        rules.Event(e) for e in [*LEAVE, *EXPENSE]
    )
