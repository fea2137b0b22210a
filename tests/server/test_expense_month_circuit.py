"""The expense report through the month's circuit, as a firm setting (issue 16,
docs/expenses.md "The expense report with the month").

In the `month` circuit, the month command moves the consultant's expense lines in the same
transaction as the month, whichever way it came (the web, a phone's queued mutation): submit
hands in the drafts, the last manager approval approves the lines not refused (re-billed per
the mission's policy, into the payroll file), a send-back or a withdrawal returns them to
draft. In the `own` circuit the month leaves them alone. Run on SQLite and PostgreSQL
(`CARNET_TEST_DB=postgres`).
"""

import json
from datetime import date
from typing import Any

import pytest

from server.domain import expense_claims as rules
from server.domain.errors import Conflict
from server.domain.model import ApprovalStep
from server.domain.roles import Role
from server.domain.workflow import Action, CircuitState
from server.services import audit_log, expense_decisions
from server.storage import expenses_store, invoicing_store
from server.storage import repositories as repo
from server.storage import tables as t
from server.storage.repositories import write_transaction
from sync.months import MonthStatus
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import Member, World

pytestmark = pytest.mark.anyio

API = "/api/v1"
MONTH = "2026-11"
DAY = "2026-11-16"
NOW_MS = int(FakeClock()().timestamp() * 1000)


async def _firm(world: World, circuit: str) -> Any:
    await world.person("admin", [Role.ADMIN])
    await world.person("boss", [Role.MANAGER])
    await world.person("alice", [Role.CONSULTANT], manager="boss")
    client = await world.client()
    mission = await world.mission("alice", client, approvers=[("manager", "boss")])
    chosen = await world["admin"].browser.put(
        f"{API}/organisation/expense-circuit", json={"expense_circuit": circuit}
    )
    assert chosen.status_code == 200, chosen.text
    return mission


async def _line(member: Member, **fields: Any) -> str:
    body = {
        "spent_on": "2026-11-04",
        "category": "meal",
        "vat_lines": [{"rate_bp": 1000, "gross_cents": 2200}],
        **fields,
    }
    created = await member.browser.post(f"{API}/expense-lines", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _statuses(member: Member) -> dict[str, str]:
    lines = await expenses_store.claims_of(member.id, MONTH)
    return {line["id"]: line["status"] for line in lines}


def _url(member: Member, action: str = "") -> str:
    base = f"{API}/people/{member.id}/months/{MONTH}"
    return f"{base}/{action}" if action else base


async def _act(who: Member, consultant: Member, action: str, **body: Any) -> None:
    month = await consultant.browser.get(_url(consultant))
    response = await who.browser.post(
        _url(consultant, action), json={"version": month.json()["version"], **body}
    )
    assert response.status_code == 200, response.text


async def _fill_and_submit_on_the_web(consultant: Member, mission_id: str) -> None:
    day = await consultant.browser.put(
        f"{_url(consultant)}/days/{DAY}",
        json={"lines": [{"line": f"mission:{mission_id}", "half_days": 2}]},
    )
    assert day.status_code == 200, day.text
    await _act(consultant, consultant, "submit")


async def _events(consultant: Member) -> list[str]:
    month = await repo.get_timesheet(consultant_id=consultant.id, month=MONTH)
    assert month is not None
    return [e.event for e in await audit_log.history(month.id)]


async def test_submitting_the_month_submits_its_drafts_and_approving_it_approves_and_rebills(
    world: World,
) -> None:
    """Make sure, in the month circuit, the CRA's submission hands in the month's drafts (the
    consultant's own submit is refused until then), a line the manager refuses meanwhile stays
    refused, and the month's approval approves the others in the same transaction: re-billed
    per the mission's policy, in the payroll file, recorded after the month's event."""
    mission = await _firm(world, "month")
    admin, boss, alice = world["admin"], world["boss"], world["alice"]
    assert (
        await admin.browser.put(
            f"{API}/missions/{mission.id}/expense-policy", json={"rebill": True, "margin_bp": 0}
        )
    ).status_code == 200
    meal = await _line(alice, mission_id=mission.id, comment="Déjeuner client")
    train = await _line(alice, category="train", spent_on="2026-11-05")
    taxi = await _line(alice, category="taxi", spent_on="2026-11-06")
    other_month = await _line(alice, spent_on="2026-12-01")

    report = (await alice.browser.get(f"{API}/expense-reports/{MONTH}")).json()
    assert (report["circuit"], report["goes_with_the_month"]) == ("month", True)
    own_submit = await alice.browser.post(f"{API}/expense-reports/{MONTH}/submit")
    assert own_submit.status_code == 409, own_submit.text
    assert own_submit.json()["errors"][0]["code"] == "goes_with_the_month"
    assert set((await _statuses(alice)).values()) == {"draft"}

    await _fill_and_submit_on_the_web(alice, mission.id)
    assert await _statuses(alice) == {meal: "submitted", train: "submitted", taxi: "submitted"}
    assert (await expenses_store.get_claim(other_month) or {})["status"] == "draft"
    report = (await alice.browser.get(f"{API}/expense-reports/{MONTH}")).json()
    assert report["goes_with_the_month"] is False

    refused = await boss.browser.post(
        f"{API}/expense-lines/{taxi}/decision",
        json={"approve": False, "reason": "Pas de justificatif"},
    )
    assert refused.status_code == 200, refused.text
    await _act(boss, alice, "approve")

    assert await _statuses(alice) == {meal: "approved", train: "approved", taxi: "refused"}
    decided = await expenses_store.get_claim(meal)
    assert decided is not None and decided["decided_by"] == boss.id
    assert decided["billed_expense"] is not None
    rebilled = await invoicing_store.expenses_for(
        [mission.id], date(2026, 11, 1), date(2026, 11, 30)
    )
    assert [(e["amount_cents"], e["rebill"]) for e in rebilled] == [(2000, True)]
    invoices = await t.Invoice.select(t.Invoice.id).where(
        t.Invoice.organisation == world.organisation.id
    )
    assert len(invoices) == 1  # the month's pre-invoice, with the re-billed meal in it
    payroll = await admin.browser.get(f"{API}/exports/expenses", params={"month": MONTH})
    assert payroll.status_code == 200, payroll.text
    rows = payroll.content.decode().splitlines()[1:]
    assert sorted(r.split(";")[3] for r in rows) == ["meal", "train"]

    events = await _events(alice)
    assert events[-4:] == [
        "month.submitted",
        "expenses.submitted",
        "month.approved",
        "expenses.approved",
    ]
    month = await repo.get_timesheet(consultant_id=alice.id, month=MONTH)
    assert month is not None
    [approved] = await audit_log.history(month.id, "expenses.approved")
    assert sorted(approved.body["data"]["lines"]) == sorted([meal, train])
    assert approved.actor == boss.id
    (verdict,) = await audit_log.verify(world.organisation.id)
    assert verdict.check.ok


async def test_a_send_back_or_a_withdrawal_returns_the_submitted_lines_to_draft(
    world: World,
) -> None:
    """Make sure a month sent back (or withdrawn) gives its submitted lines back as drafts, to
    correct and hand in with the next submission; a refused line keeps its reason."""
    mission = await _firm(world, "month")
    boss, alice = world["boss"], world["alice"]
    kept = await _line(alice)
    wrong = await _line(alice, category="taxi")
    await _fill_and_submit_on_the_web(alice, mission.id)
    await boss.browser.post(
        f"{API}/expense-lines/{wrong}/decision", json={"approve": False, "reason": "Trop cher"}
    )
    await _act(boss, alice, "send-back", comment="Il manque le 17")
    assert await _statuses(alice) == {kept: "draft", wrong: "refused"}
    edited = await alice.browser.put(
        f"{API}/expense-lines/{kept}",
        json={
            "spent_on": "2026-11-04",
            "category": "meal",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 1800}],
        },
    )
    assert edited.status_code == 200, edited.text

    await _act(alice, alice, "submit")
    assert await _statuses(alice) == {kept: "submitted", wrong: "refused"}
    await _act(alice, alice, "withdraw")
    assert await _statuses(alice) == {kept: "draft", wrong: "refused"}
    assert (await _events(alice))[-6:] == [
        "month.sent_back",
        "expenses.returned",
        "month.submitted",
        "expenses.submitted",
        "month.withdrawn",
        "expenses.returned",
    ]


async def test_in_the_own_circuit_the_month_leaves_the_expense_lines_alone(world: World) -> None:
    """Make sure a firm that keeps the own circuit (the default) sees no change: the month's
    submission and approval move no expense line, and the consultant submits them."""
    await world.person("admin", [Role.ADMIN])
    default = await world["admin"].browser.get(f"{API}/organisation/expense-circuit")
    assert default.json() == {"expense_circuit": "own"}
    await world.person("boss", [Role.MANAGER])
    alice = await world.person("alice", [Role.CONSULTANT], manager="boss")
    client = await world.client()
    mission = await world.mission("alice", client, approvers=[("manager", "boss")])
    draft = await _line(alice)
    await _fill_and_submit_on_the_web(alice, mission.id)
    assert await _statuses(alice) == {draft: "draft"}
    report = (await alice.browser.get(f"{API}/expense-reports/{MONTH}")).json()
    assert (report["circuit"], report["goes_with_the_month"]) == ("own", False)
    submitted = await alice.browser.post(f"{API}/expense-reports/{MONTH}/submit")
    assert submitted.json() == {"submitted": 1}
    await _act(world["boss"], alice, "approve")
    assert await _statuses(alice) == {draft: "submitted"}
    assert not [e for e in await _events(alice) if e.startswith("expenses.")]


async def test_a_phone_submit_and_approval_move_the_lines_as_the_web_does(world: World) -> None:
    """Make sure the month submitted from a phone's queue (`submit_month`) and approved from
    the manager's (`approve_month`) move the expense lines and record the same events, with the
    same fields, as the same steps on the web: one command path."""
    await world.person("admin", [Role.ADMIN])
    client = await world.client()
    people = []
    for name, manager in (("alice", "marc"), ("bob", "maud")):
        await world.person(manager, [Role.MANAGER])
        member = await world.person(name, [Role.CONSULTANT], manager=manager)
        mission = await world.mission(name, client, approvers=[("manager", manager)])
        people.append((member, world[manager], mission))
    assert (
        await world["admin"].browser.put(
            f"{API}/organisation/expense-circuit", json={"expense_circuit": "month"}
        )
    ).status_code == 200
    (alice, marc, alice_mission), (bob, maud, bob_mission) = people
    lines = {name: await _line(member) for name, member in (("alice", alice), ("bob", bob))}

    await _fill_and_submit_on_the_web(alice, alice_mission.id)
    phone, maud_phone = Device("bob-phone"), Device("maud-phone")

    async def push(who: Member, device: Device) -> None:
        async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            response = await who.browser.post(f"{API}/sync", json=request)
            return response.status_code, response.json()

        body = await device.sync(send)
        assert {r["status"] for r in body["results"]} == {"applied"}, body

    phone.edit(DAY, [(f"mission:{bob_mission.id}", 2)], NOW_MS)
    phone.submit(MONTH)
    await push(bob, phone)
    assert await _statuses(alice) == {lines["alice"]: "submitted"}
    assert await _statuses(bob) == {lines["bob"]: "submitted"}

    await _act(marc, alice, "approve")
    version = (await bob.browser.get(_url(bob))).json()["version"]
    maud_phone.decide("approve_month", bob.id, MONTH, version)
    await push(maud, maud_phone)
    assert await _statuses(alice) == {lines["alice"]: "approved"}
    assert await _statuses(bob) == {lines["bob"]: "approved"}

    async def shape(member: Member) -> list[tuple[str, tuple[str, ...]]]:
        month = await repo.get_timesheet(consultant_id=member.id, month=MONTH)
        assert month is not None
        return [
            (e.event, tuple(sorted(e.body["data"])))
            for e in await audit_log.history(month.id)
            if e.event.startswith("expenses.")
        ]

    assert await shape(alice) == await shape(bob)
    assert [e for e, _ in await shape(bob)] == ["expenses.submitted", "expenses.approved"]
    bob_month = await repo.get_timesheet(consultant_id=bob.id, month=MONTH)
    assert bob_month is not None
    devices = {
        e.event: e.body["device"]
        for e in await audit_log.history(bob_month.id, "expenses.submitted", "expenses.approved")
    }
    assert devices == {
        "expenses.submitted": phone.client_id,
        "expenses.approved": maud_phone.client_id,
    }


async def test_a_bad_setting_is_refused_naming_the_field_and_nothing_changes(
    world: World,
) -> None:
    """Make sure an unknown circuit is a 422 problem naming `expense_circuit`, a manager or a
    consultant is refused (403), and only a real change is audited, with before and after."""
    await world.person("admin", [Role.ADMIN])
    await world.person("boss", [Role.MANAGER])
    await world.person("alice", [Role.CONSULTANT], manager="boss")
    admin = world["admin"].browser
    url = f"{API}/organisation/expense-circuit"
    for body in ({"expense_circuit": "monthly"}, {"expense_circuit": 1}, {}):
        refused = await admin.put(url, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "expense_circuit"
    for who in ("boss", "alice"):
        forbidden = await world[who].browser.put(url, json={"expense_circuit": "month"})
        assert forbidden.status_code == 403, forbidden.text
        assert (await world[who].browser.get(url)).status_code == 403
    assert await expenses_store.circuit_of(world.organisation.id) == "own"
    assert await t.AuditEntry.count() == 0

    assert (await admin.put(url, json={"expense_circuit": "month"})).status_code == 200
    assert (await admin.put(url, json={"expense_circuit": "month"})).status_code == 200
    assert (await admin.get(url)).json() == {"expense_circuit": "month"}
    entries = await t.AuditEntry.select(t.AuditEntry.event, t.AuditEntry.body)
    assert [e["event"] for e in entries] == ["organisation.changed"]
    body = entries[0]["body"]
    data = (body if isinstance(body, dict) else json.loads(body))["data"]
    assert data == {"before": {"expense_circuit": "own"}, "after": {"expense_circuit": "month"}}


def _state(status: MonthStatus, step: int = 0, on: str | None = None) -> CircuitState:
    return CircuitState(status=status, step=step, waiting_on=on)


def test_only_the_last_manager_step_approves_the_lines_never_the_client() -> None:
    """Make sure expenses, internal to the firm, are approved when the last manager step is,
    never by a client signer's approval or signature, and that a reopening moves none."""
    steps = (
        ApprovalStep(position=0, kind="manager", approver_id="m"),
        ApprovalStep(position=1, kind="client_signer", approver_id="s"),
    )
    waiting = _state(MonthStatus.IN_VALIDATION, 0, "m")
    at_client = _state(MonthStatus.IN_VALIDATION, 1, "s")
    move = rules.lines_move
    assert move(action=Action.APPROVE, before=waiting, after=at_client, steps=steps) == "approve"
    signed = _state(MonthStatus.SIGNED)
    assert move(action=Action.APPROVE, before=at_client, after=signed, steps=steps) is None
    two_managers = (steps[0], ApprovalStep(position=1, kind="manager", approver_id="n"))
    second = _state(MonthStatus.IN_VALIDATION, 1, "n")
    assert move(action=Action.APPROVE, before=waiting, after=second, steps=two_managers) is None
    done = _state(MonthStatus.VALIDATED)
    assert move(action=Action.APPROVE, before=second, after=done, steps=two_managers) == "approve"
    client_only = (ApprovalStep(position=0, kind="client_signer", approver_id="s"),)
    first = _state(MonthStatus.IN_VALIDATION, 0, "s")
    assert move(action=Action.APPROVE, before=first, after=signed, steps=client_only) is None
    sent_back = _state(MonthStatus.SENT_BACK)
    assert move(action=Action.REOPEN, before=done, after=sent_back, steps=steps) is None
    assert move(action=Action.SEND_BACK, before=at_client, after=sent_back, steps=steps) == (
        "return"
    )
    with pytest.raises(Exception, match="unknown expense circuit"):
        rules.parse_circuit("monthly")


async def test_a_line_decided_meanwhile_keeps_its_decision_and_is_not_rebilled(
    world: World,
) -> None:
    """Make sure a decision is written only on a line still submitted: a line read as
    submitted, then refused before the approval is written (two transactions racing on
    PostgreSQL), stays refused, and no re-billed expense is made for it."""
    mission = await _firm(world, "month")
    admin, boss, alice = world["admin"], world["boss"], world["alice"]
    await admin.browser.put(
        f"{API}/missions/{mission.id}/expense-policy", json={"rebill": True, "margin_bp": 0}
    )
    line_id = await _line(alice, mission_id=mission.id)
    await _fill_and_submit_on_the_web(alice, mission.id)
    stale = await expenses_store.get_claim(line_id)
    assert stale is not None and stale["status"] == "submitted"
    refused = await boss.browser.post(
        f"{API}/expense-lines/{line_id}/decision", json={"approve": False, "reason": "Non"}
    )
    assert refused.status_code == 200, refused.text
    with pytest.raises(Conflict):
        async with write_transaction():
            await expense_decisions.decide_line(
                organisation_id=world.organisation.id,
                decider_id=boss.id,
                line=stale,
                approve=True,
                reason="",
                now=FakeClock()(),
            )
    kept = await expenses_store.get_claim(line_id)
    assert kept is not None and (kept["status"], kept["refusal_reason"]) == ("refused", "Non")
    assert kept["billed_expense"] is None
    assert await t.Expense.count() == 0
