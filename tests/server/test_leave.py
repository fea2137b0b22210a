"""Leave requests and balances on the real app and database (SQLite, or PostgreSQL with
CARNET_TEST_DB=postgres): request, approve (the CRA fills), refuse or cancel (what was filled
goes, days typed over stay), locked months, balances, adjustments, the sync mutations.

The clock is Monday 16 November 2026 (tests/conftest.py FakeClock)."""

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from server.domain import payroll
from server.domain.model import DayRecord
from server.domain.notification_texts import render
from server.domain.reminders import Kind
from server.domain.roles import Role
from server.services.sync_service import set_month_state
from server.storage import tables as t
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey, MonthStatus
from sync.protocol import PROTOCOL_VERSION
from tests.factories import Member, World

pytestmark = pytest.mark.anyio

API = "/api/v1"
WEEK = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]


@dataclass
class Office:
    world: World
    ada: Member  # administrator
    marc: Member  # Bruno's manager
    nina: Member  # another manager
    bruno: Member  # consultant
    mission_line: str


@pytest.fixture
async def office(world: World) -> Office:
    ada = await world.person("ada", [Role.ADMIN])
    marc = await world.person("marc", [Role.MANAGER])
    nina = await world.person("nina", [Role.MANAGER])
    bruno = await world.person("bruno", [Role.CONSULTANT], manager="marc")
    client = await world.client()
    mission = await world.mission("bruno", client)
    return Office(world, ada, marc, nina, bruno, f"mission:{mission.id}")


def body(first: str, last: str, kind: str = "CP", **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "first_day": first,
        "last_day": last,
        "comment": "vacances",
        **extra,
    }


def problem(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    data = response.json()
    assert code in {data["code"], *(e["code"] for e in data["errors"])}, data
    if field is not None:
        assert field in {e["field"] for e in data["errors"]}, data


async def request(who: Member, data: dict[str, Any]) -> dict[str, Any]:
    response = await who.browser.post(f"{API}/leave/requests", json=data)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def days(who: Member, month: str = "2026-11") -> dict[str, list[tuple[str, int]]]:
    response = await who.browser.get(f"{API}/people/{who.id}/months/{month}")
    assert response.status_code == 200, response.text
    return {
        d["date"]: [(v["line"], v["half_days"]) for v in d["lines"]]
        for d in response.json()["days"]
        if d["lines"]
    }


async def put_day(who: Member, day: str, lines: list[tuple[str, int]]) -> None:
    response = await who.browser.put(
        f"{API}/people/{who.id}/months/{day[:7]}/days/{day}",
        json={"lines": [{"line": line, "half_days": n} for line, n in lines]},
    )
    assert response.status_code == 200, response.text


async def balance(who: Member) -> dict[str, dict[str, Any]]:
    response = await who.browser.get(f"{API}/leave/mine")
    assert response.status_code == 200, response.text
    return {b["kind"]: b for b in response.json()["balances"]}


async def test_an_approved_request_fills_the_grid_and_counts_as_planned(office: Office) -> None:
    """Make sure a week of paid leave is pending for the manager, and once approved fills the
    five working days of the CRA and counts as planned (after today) in the balance."""
    sent = await request(office.bruno, body(WEEK[0], WEEK[-1]))
    assert (sent["status"], sent["cost"]) == ("requested", 10)
    assert (await balance(office.bruno))["CP"]["pending"] == 10
    team = (await office.marc.browser.get(f"{API}/leave/team")).json()["requests"]
    assert [(r["id"], r["consultant_name"]) for r in team] == [(sent["id"], "Bruno")]
    assert (await office.nina.browser.get(f"{API}/leave/team")).json()["requests"] == []

    response = await office.marc.browser.post(f"{API}/leave/requests/{sent['id']}/approve")
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["filled_days"]) == ("approved", 5)
    assert await days(office.bruno) == {d: [("absence:CP", 2)] for d in WEEK}
    cp = (await balance(office.bruno))["CP"]
    assert (cp["planned"], cp["pending"], cp["taken"]) == (10, 0, 0)
    assert cp["remaining"] == cp["acquired"] - 10
    again = await office.marc.browser.post(f"{API}/leave/requests/{sent['id']}/approve")
    problem(again, 409, "not_pending")


async def test_cancelling_takes_back_the_filled_days_but_not_those_typed_over(
    office: Office,
) -> None:
    """Make sure a cancelled approved request empties the days it filled, except a day the
    consultant typed over since, which keeps what they typed."""
    sent = await request(office.bruno, body(WEEK[0], WEEK[-1]))
    await office.marc.browser.post(f"{API}/leave/requests/{sent['id']}/approve")
    await put_day(office.bruno, WEEK[3], [(office.mission_line, 2)])
    response = await office.bruno.browser.post(f"{API}/leave/requests/{sent['id']}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert await days(office.bruno) == {WEEK[3]: [(office.mission_line, 2)]}
    again = await office.bruno.browser.post(f"{API}/leave/requests/{sent['id']}/cancel")
    assert again.json()["status"] == "cancelled"  # nothing more to do


async def test_a_half_day_of_leave_keeps_the_other_half_of_the_day(office: Office) -> None:
    """Make sure leave from noon on a day worked in full keeps half a day of that work, and
    that refusing it gives the day back as it was."""
    await put_day(office.bruno, WEEK[1], [(office.mission_line, 2)])
    sent = await request(office.bruno, body(WEEK[1], WEEK[2], first_afternoon=True))
    assert sent["cost"] == 3
    await office.marc.browser.post(f"{API}/leave/requests/{sent['id']}/approve")
    assert await days(office.bruno) == {
        WEEK[1]: [("absence:CP", 1), (office.mission_line, 1)],
        WEEK[2]: [("absence:CP", 2)],
    }
    blank = await office.marc.browser.post(
        f"{API}/leave/requests/{sent['id']}/refuse", json={"reason": "  "}
    )
    problem(blank, 422, "required", "reason")
    refused = await office.marc.browser.post(
        f"{API}/leave/requests/{sent['id']}/refuse", json={"reason": "mise en production"}
    )
    assert (refused.json()["status"], refused.json()["reason"]) == (
        "refused",
        "mise en production",
    )
    assert await days(office.bruno) == {WEEK[1]: [(office.mission_line, 2)]}
    mine = (await office.bruno.browser.get(f"{API}/leave/mine")).json()["requests"]
    assert [(r["status"], r["reason"]) for r in mine] == [("refused", "mise en production")]


async def test_a_request_over_a_submitted_month_is_refused_with_that_reason(
    office: Office,
) -> None:
    """Make sure leave over a month already handed in is refused (409 month_locked on
    first_day) and nothing is stored; and that an approval after the month was handed in is
    refused the same way and fills nothing."""
    sent = await request(office.bruno, body(WEEK[0], WEEK[1]))
    url = f"{API}/people/{office.bruno.id}/months/2026-11"
    month = (await office.bruno.browser.get(url)).json()
    submitted = await office.bruno.browser.post(
        f"{url}/submit", json={"version": month["version"]}
    )
    assert submitted.status_code == 200, submitted.text
    late = await office.bruno.browser.post(
        f"{API}/leave/requests", json=body("2026-11-30", "2026-12-02")
    )
    problem(late, 409, "month_locked", "first_day")
    approval = await office.marc.browser.post(f"{API}/leave/requests/{sent['id']}/approve")
    problem(approval, 409, "month_locked", "first_day")
    assert await days(office.bruno) == {}
    stored = await t.LeaveRequest.select(t.LeaveRequest.status)
    assert [r["status"] for r in stored] == ["requested"]


async def test_bad_requests_are_refused_at_their_field(office: Office) -> None:
    """Make sure impossible dates, a weekend alone, an overlap, a type one does not request
    and a reused id are refused with problem documents naming the field."""
    b = office.bruno.browser
    problem(
        await b.post(f"{API}/leave/requests", json=body(WEEK[2], WEEK[0])),
        422,
        "last_before_first",
        "last_day",
    )
    problem(
        await b.post(f"{API}/leave/requests", json=body("2026-11-21", "2026-11-22")),
        422,
        "no_working_day",
        "first_day",
    )
    problem(
        await b.post(f"{API}/leave/requests", json=body(WEEK[0], WEEK[0], kind="maladie")),
        422,
        "invalid",
        "kind",
    )
    first = await request(office.bruno, body(WEEK[0], WEEK[2]))
    problem(
        await b.post(f"{API}/leave/requests", json=body(WEEK[2], WEEK[4], kind="RTT")),
        409,
        "overlaps_request",
        "first_day",
    )
    reused = body(WEEK[4], WEEK[4]) | {"id": first["id"]}
    problem(await b.post(f"{API}/leave/requests", json=reused), 409, "id_taken", "id")
    same = body(WEEK[0], WEEK[2]) | {"id": first["id"]}
    assert (await b.post(f"{API}/leave/requests", json=same)).status_code == 201
    assert await t.LeaveRequest.count() == 1


async def test_balances_acquire_per_month_worked_and_follow_adjustments(office: Office) -> None:
    """Make sure paid leave is acquired per completed month of the reference period (June to
    October 2026: 5 × 25/12 days = 20.8 half-days → 21), that an adjustment adds to it, that an
    opening balance restarts the count, and that the firm's unit changes the rate."""
    assert (await balance(office.bruno))["CP"]["acquired"] == 21
    adjust = f"{API}/people/{office.bruno.id}/leave/adjustments"
    response = await office.ada.browser.post(
        adjust,
        json={"kind": "CP", "on_day": "2026-11-01", "half_days": 4, "reason": "ancienneté"},
    )
    assert response.status_code == 201, response.text
    assert (await balance(office.bruno))["CP"]["acquired"] == 25
    problem(
        await office.ada.browser.post(
            adjust, json={"kind": "CP", "on_day": "2026-11-01", "half_days": 4, "reason": ""}
        ),
        422,
        "invalid",
        "reason",
    )
    forbidden = await office.marc.browser.post(
        adjust, json={"kind": "CP", "on_day": "2026-11-01", "half_days": 4, "reason": "x"}
    )
    problem(forbidden, 403, "forbidden")
    opening = await office.ada.browser.post(
        adjust,
        json={
            "kind": "CP",
            "opening": True,
            "on_day": "2026-10-01",
            "half_days": 30,
            "reason": "reprise",
        },
    )
    assert opening.status_code == 201, opening.text
    # 30 + October (25/12 days → 5 half-days) + the adjustment of 1 November.
    assert (await balance(office.bruno))["CP"]["acquired"] == 30 + 5 + 4
    policy = await office.ada.browser.put(
        f"{API}/leave/policy",
        json={"unit": "ouvrables", "rtt_mode": "fixed", "rtt_half_days_per_year": 20},
    )
    assert policy.status_code == 200, policy.text
    mine = await balance(office.bruno)
    assert mine["CP"]["acquired"] == 30 + 5 + 4  # October: 2.5 days, 5 half-days either way
    assert mine["RTT"]["acquired"] == 20
    events = await t.AuditEntry.select(t.AuditEntry.event).where(
        t.AuditEntry.event.like("leave.%")
    )
    assert sorted(e["event"] for e in events) == [
        "leave.adjusted",
        "leave.opening_set",
        "leave.policy_set",
    ]


async def test_taken_counts_the_cra_and_sickness_still_acquires(office: Office) -> None:
    """Make sure absences typed on the CRA up to today count as taken, and that a month of
    non-professional sick leave still acquires paid leave at the sick rate."""
    await put_day(office.bruno, "2026-11-02", [("absence:CP", 2)])
    await put_day(office.bruno, "2026-11-03", [("absence:RTT", 1), (office.mission_line, 1)])
    mine = await balance(office.bruno)
    assert (mine["CP"]["taken"], mine["RTT"]["taken"]) == (2, 1)
    assert mine["sans_solde"]["remaining"] is None


def sync_request(client_id: str, *mutations: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "protocol": PROTOCOL_VERSION,
        "client_id": client_id,
        "mutations": [
            {"id": n, "name": name, "args": args} for n, (name, args) in enumerate(mutations, 1)
        ],
    }


async def test_a_request_queued_offline_arrives_through_sync_and_is_cancelled_the_same_way(
    office: Office,
) -> None:
    """Make sure request_leave and cancel_leave from the phone's queue are applied as over
    HTTP, a retried batch stores the request once, a refusal comes back with its code, and a
    cancellation gives the filled days back to the phone's next pull."""
    phone = str(uuid.uuid4())
    leave = body(WEEK[0], WEEK[1])
    bad = body("2026-11-21", "2026-11-22")
    push = sync_request(phone, ("request_leave", leave), ("request_leave", bad))
    first = await office.bruno.browser.post(f"{API}/sync", json=push)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("applied", None),
        ("rejected", "no_working_day"),
    ]
    again = await office.bruno.browser.post(f"{API}/sync", json=push)
    assert again.json()["results"] == results
    assert await t.LeaveRequest.count() == 1
    approved = await office.marc.browser.post(f"{API}/leave/requests/{leave['id']}/approve")
    assert approved.status_code == 200, approved.text
    pulled = (await office.bruno.browser.post(f"{API}/sync", json=sync_request(phone))).json()
    assert {d["date"] for d in pulled["days"] if d["lines"]} == set(WEEK[:2])
    cancel = sync_request(phone, ("request_leave", leave), ("request_leave", bad))
    cancel["mutations"].append({"id": 3, "name": "cancel_leave", "args": {"id": leave["id"]}})
    cancel["cookie"] = pulled["cookie"]
    done = (await office.bruno.browser.post(f"{API}/sync", json=cancel)).json()
    assert done["results"][-1]["status"] == "applied"
    assert {d["date"]: d["lines"] for d in done["days"]} == {WEEK[0]: [], WEEK[1]: []}
    assert await days(office.bruno) == {}
    manager = sync_request(str(uuid.uuid4()), ("request_leave", body(WEEK[3], WEEK[3])))
    refused = (await office.marc.browser.post(f"{API}/sync", json=manager)).json()
    assert refused["results"][0]["reason"] == "forbidden"


def test_the_leave_file_lists_taken_per_type_and_the_balance_left() -> None:
    """Make sure the payroll leave file has one row per type taken or with a balance, taken
    half-days and days with a decimal comma, and the (possibly negative) balance left."""
    days = (
        DayRecord(date=date(2026, 11, 2), lines=(("absence:CP", 2),), comment=""),
        DayRecord(date=date(2026, 11, 3), lines=(("absence:CP", 1), ("mission:m", 1)), comment=""),
        DayRecord(date=date(2026, 11, 4), lines=(("absence:maladie", 2),), comment=""),
    )
    consultant = payroll.LeaveTaken(
        matricule="b@x.fr",
        name="Bruno",
        month="2026-11",
        days=days,
        remaining={"CP": 7, "RTT": -1},
    )
    text = payroll.leave_file_bytes([consultant], payroll.parse_codes("CP=CP01")).decode()
    assert text.split("\r\n") == [
        "matricule;nom;code_rubrique;absence;mois;demi_journees_prises;jours_pris;"
        "solde_demi_journees;solde_jours",
        "b@x.fr;Bruno;CP01;CP;2026-11;3;1,5;7;3,5",
        "b@x.fr;Bruno;RTT;RTT;2026-11;0;0,0;-1;-0,5",
        "b@x.fr;Bruno;MAL;maladie;2026-11;2;1,0;;",
        "",
    ]


async def test_the_leave_export_carries_a_validated_months_leave(office: Office) -> None:
    """Make sure the administrator's leave file lists the leave an approval put in a validated
    month, with the balance left at its end; before validation there is nothing to export."""
    sent = await request(office.bruno, body(WEEK[0], WEEK[1]))
    await office.marc.browser.post(f"{API}/leave/requests/{sent['id']}/approve")
    empty = await office.ada.browser.get(f"{API}/leave/payroll", params={"month": "2026-11"})
    problem(empty, 422, "empty_period", "month")
    await set_month_state(
        consultant_id=office.bruno.id,
        month="2026-11",
        status=MonthStatus.VALIDATED,
        now=office.world.accounts.clock(),
    )
    response = await office.ada.browser.get(f"{API}/leave/payroll", params={"month": "2026-11"})
    assert response.status_code == 200, response.text
    assert 'filename="conges-2026-11.csv"' in response.headers["content-disposition"]
    rows = [line.split(";") for line in response.text.strip().split("\r\n")[1:]]
    cp = next(r for r in rows if r[3] == "CP")
    # June-October acquired 21 half-days (see the balance test); November's 4 taken.
    assert cp[5:] == ["4", "2,0", str(21 - 4), "8,5"]
    forbidden = await office.marc.browser.get(f"{API}/leave/payroll", params={"month": "2026-11"})
    problem(forbidden, 403, "forbidden")


async def test_the_adjustments_are_listed_with_author_and_reason(office: Office) -> None:
    """Make sure a consultant's leave, as the administrator (or the consultant) reads it, lists
    the opening balances and adjustments newest first with their amount, reason and author, so
    the back office shows why a balance is what it is; their manager does not see them."""
    adjust = f"{API}/people/{office.bruno.id}/leave/adjustments"
    for sent in (
        {
            "kind": "CP",
            "opening": True,
            "on_day": "2026-10-01",
            "half_days": 30,
            "reason": "reprise",
        },
        {"kind": "RTT", "on_day": "2026-11-02", "half_days": -3, "reason": "trop perçu"},
    ):
        assert (await office.ada.browser.post(adjust, json=sent)).status_code == 201
    seen = (await office.ada.browser.get(f"{API}/people/{office.bruno.id}/leave")).json()
    assert [
        (a["kind"], a["opening"], a["on_day"], a["half_days"], a["reason"])
        for a in seen["adjustments"]
    ] == [
        ("RTT", False, "2026-11-02", -3, "trop perçu"),
        ("CP", True, "2026-10-01", 30, "reprise"),
    ]
    assert {a["author_name"] for a in seen["adjustments"]} == {office.ada.person.display_name}
    # Their manager sees the balances, not the reasons (they may speak of health).
    managed = (await office.marc.browser.get(f"{API}/people/{office.bruno.id}/leave")).json()
    assert managed["balances"] == seen["balances"]
    assert managed["adjustments"] == []
    mine = (await office.bruno.browser.get(f"{API}/leave/mine")).json()
    assert [a["reason"] for a in mine["adjustments"]] == ["trop perçu", "reprise"]


async def test_a_period_start_no_year_always_has_is_refused_at_its_field(office: Office) -> None:
    """Make sure a reference period starting on 29 February (or 31 April) is refused naming
    the day's field, and the policy stays as it was."""
    policy = f"{API}/leave/policy"
    for month, day in ((2, 29), (4, 31)):
        problem(
            await office.ada.browser.put(policy, json={"period_month": month, "period_day": day}),
            422,
            "not_a_day_of_every_year",
            "period_day",
        )
    assert (await office.ada.browser.get(policy)).json()["period_month"] == 6


# -- notifications (docs/notifications.md: leave_requested, leave_decided) -------------------


async def outbox(kind: str) -> list[dict[str, Any]]:
    rows = await t.OutboxItem.select(
        t.OutboxItem.key, t.OutboxItem.person, t.OutboxItem.data
    ).where(t.OutboxItem.kind == kind)
    return [
        {
            "key": r["key"],
            "person": str(r["person"]),
            "data": json.loads(r["data"]) if isinstance(r["data"], str) else r["data"],
        }
        for r in rows
    ]


async def test_a_request_tells_the_manager_once_even_when_the_batch_is_retried(
    office: Office,
) -> None:
    """Make sure a request sent through sync puts one notice for the consultant's manager in
    the outbox, naming who asks, the type and the dates, and that the phone sending the same
    batch again adds none; the notice opens the approvals screen."""
    leave = body(WEEK[0], WEEK[-1], first_afternoon=True)
    push = sync_request(str(uuid.uuid4()), ("request_leave", leave))
    for _ in range(2):
        response = await office.bruno.browser.post(f"{API}/sync", json=push)
        assert response.json()["results"][0]["status"] == "applied", response.text
    rows = await outbox("leave_requested")
    assert [(r["person"], r["key"]) for r in rows] == [
        (office.marc.id, f"{office.marc.id}:2026-11:leave_requested:{leave['id']}")
    ]
    data = rows[0]["data"]
    assert (data["consultant_name"], data["leave_kind"], data["first_day"], data["last_day"]) == (
        "Bruno",
        "CP",
        WEEK[0],
        WEEK[-1],
    )
    message = render(
        kind=Kind.LEAVE_REQUESTED, language="fr", month=MonthKey.parse("2026-11"), data=data
    )
    assert message.url == "/#approvals"
    assert message.body == (
        "Bruno demande des congés payés du 23 novembre 2026 (après-midi) au 27 novembre 2026. "
        "À accepter ou refuser dans Carnet."
    )
    assert await outbox("leave_decided") == []


async def test_approving_then_refusing_tells_the_consultant_each_decision_with_the_reason(
    office: Office,
) -> None:
    """Make sure an approval puts one notice for the consultant, a later refusal of the same
    request another one carrying the reason, and a second refusal attempt none."""
    sent = await request(office.bruno, body(WEEK[0], WEEK[0], kind="RTT"))
    await office.marc.browser.post(f"{API}/leave/requests/{sent['id']}/approve")
    refused = await office.marc.browser.post(
        f"{API}/leave/requests/{sent['id']}/refuse", json={"reason": "Mise en production"}
    )
    assert refused.status_code == 200, refused.text
    again = await office.marc.browser.post(
        f"{API}/leave/requests/{sent['id']}/refuse", json={"reason": "encore"}
    )
    problem(again, 409, "not_pending")
    rows = sorted(await outbox("leave_decided"), key=lambda r: r["key"])
    assert [(r["person"], r["data"]["status"], r["data"]["reason"]) for r in rows] == [
        (office.bruno.id, "approved", ""),
        (office.bruno.id, "refused", "Mise en production"),
    ]
    english = render(
        kind=Kind.LEAVE_DECIDED,
        language="en",
        month=MonthKey.parse("2026-11"),
        data=rows[1]["data"],
    )
    assert (english.title, english.url) == ("Leave refused", "/#leave")
    assert (
        english.body
        == 'Marc refused your request for RTT on 23 November 2026: "Mise en production"'
    )


async def test_a_muted_leave_kind_puts_nothing_in_the_outbox(office: Office) -> None:
    """Make sure a manager who muted leave_requested and a consultant who muted leave_decided
    get no notice, while the request and its refusal still happen."""
    for who, kind in ((office.marc, "leave_requested"), (office.bruno, "leave_decided")):
        response = await who.browser.put(
            f"{API}/me/notification-preferences", json={"language": "fr", "muted": [kind]}
        )
        assert response.status_code == 200, response.text
    sent = await request(office.bruno, body(WEEK[1], WEEK[2]))
    refused = await office.marc.browser.post(
        f"{API}/leave/requests/{sent['id']}/refuse", json={"reason": "non"}
    )
    assert refused.json()["status"] == "refused"
    assert await outbox("leave_requested") == []
    assert await outbox("leave_decided") == []


async def test_a_cancellation_tells_nobody(office: Office) -> None:
    """Make sure withdrawing a request is not sent to the consultant as a decision."""
    sent = await request(office.bruno, body(WEEK[1], WEEK[2]))
    await office.bruno.browser.post(f"{API}/leave/requests/{sent['id']}/cancel")
    assert await outbox("leave_decided") == []
    assert len(await outbox("leave_requested")) == 1


def test_leave_notices_say_the_type_and_the_half_days_in_both_languages() -> None:
    """Make sure the texts name the type with its French article and say a half day at either
    end, a single day with "le"/"on", and an approval opens the consultant's leave screen."""
    month = MonthKey.parse("2026-12")
    asked = {
        "consultant_name": "Ada",
        "leave_kind": "sans_solde",
        "first_day": "2026-12-07",
        "last_day": "2026-12-07",
        "first_afternoon": False,
        "last_morning": True,
    }
    fr = render(kind=Kind.LEAVE_REQUESTED, language="fr", month=month, data=asked)
    assert (fr.title, fr.body) == (
        "Demande de congés d'Ada",
        "Ada demande un congé sans solde le 7 décembre 2026 (matin). "
        "À accepter ou refuser dans Carnet.",
    )
    approved = {**asked, "by_name": "Marc", "status": "approved", "last_day": "2026-12-08"}
    en = render(kind=Kind.LEAVE_DECIDED, language="en", month=month, data=approved)
    assert (en.title, en.body, en.url) == (
        "Leave approved",
        "Marc approved your request for unpaid leave from 7 December 2026 to 8 December 2026 "
        "(morning).",
        "/#leave",
    )


async def test_a_request_without_a_manager_tells_each_active_administrator_once(
    office: Office,
) -> None:
    """Make sure a consultant with no manager, whose requests the administrators decide, puts
    one notice per active administrator in the outbox (none for a deactivated administrator,
    a manager, or the consultant themselves when they are an administrator too), each keyed by
    its recipient, and that the phone sending the same batch again adds none."""
    zoe = await office.world.person("zoe", [Role.ADMIN])
    gone = await office.world.person("gone", [Role.ADMIN])
    boss = await office.world.person("boss", [Role.CONSULTANT, Role.ADMIN])
    solo = await office.world.person("solo", [Role.CONSULTANT])
    await office.world.mission("solo", await office.world.client())
    response = await office.ada.browser.post(f"{API}/people/{gone.id}/deactivate")
    assert response.status_code == 200, response.text
    leave = body(WEEK[0], WEEK[1])
    push = sync_request(str(uuid.uuid4()), ("request_leave", leave))
    for _ in range(2):
        response = await solo.browser.post(f"{API}/sync", json=push)
        assert response.json()["results"][0]["status"] == "applied", response.text
    rows = await outbox("leave_requested")
    assert sorted((r["person"], r["key"]) for r in rows) == sorted(
        (who.id, f"{who.id}:2026-11:leave_requested:{leave['id']}")
        for who in (office.ada, zoe, boss)
    )
    assert {r["data"]["consultant_name"] for r in rows} == {"Solo"}
    # Each administrator told may decide it: the first decision is the one kept.
    approved = await zoe.browser.post(f"{API}/leave/requests/{leave['id']}/approve")
    assert approved.json()["status"] == "approved", approved.text
    own = body(WEEK[2], WEEK[2])
    await office.world.mission("boss", await office.world.client())
    await request(boss, own)
    told = {r["person"] for r in await outbox("leave_requested") if own["id"] in r["key"]}
    assert told == {office.ada.id, zoe.id}


async def test_a_month_on_at_mp_acquires_like_work_and_a_month_sick_at_the_sick_rate(
    office: Office,
) -> None:
    """Make sure October 2026 typed as AT/MP on every working day acquires as a month worked
    (5 × 25/12 days over June to October → 21 half-days, as with no absence: L3141-5 5°), while
    the same month as non-professional sickness acquires 4 × 25/12 + 5/3 = 10 days = 20."""
    october = [
        d.isoformat()
        for d in working_days(month=MonthKey(2026, 10), region=CalendarRegion.METROPOLE)
    ]
    for day in october:
        await put_day(office.bruno, day, [("absence:at_mp", 2)])
    assert (await balance(office.bruno))["CP"]["acquired"] == 21
    for day in october:
        await put_day(office.bruno, day, [("absence:maladie", 2)])
    assert (await balance(office.bruno))["CP"]["acquired"] == 20


def test_the_payroll_files_carry_at_mp_under_its_own_code() -> None:
    """Make sure AT/MP days reach both payroll files with the code ATMP (configurable)."""
    days = (
        DayRecord(date=date(2026, 11, 2), lines=(("absence:at_mp", 2),), comment=""),
        DayRecord(
            date=date(2026, 11, 3), lines=(("absence:at_mp", 1), ("mission:m", 1)), comment=""
        ),
    )
    runs = payroll.rows(
        [payroll.Consultant(matricule="b@x.fr", name="Bruno", days=days)], payroll.DEFAULT_CODES
    )
    assert runs == [("b@x.fr", "Bruno", "ATMP", "at_mp", "2026-11-02", "2026-11-03", "3", "1,5")]
    taken = payroll.LeaveTaken(
        matricule="b@x.fr", name="Bruno", month="2026-11", days=days, remaining={}
    )
    text = payroll.leave_file_bytes([taken], payroll.parse_codes("at_mp=AT01")).decode()
    assert text.split("\r\n")[1] == "b@x.fr;Bruno;AT01;at_mp;2026-11;3;1,5;;"


async def test_leave_left_after_its_taking_period_is_lost_but_what_a_sickness_kept_is_carried(
    office: Office,
) -> None:
    """Make sure the balance applies the carry-over and loss rules (docs/leave.md). Counting
    starts on 3 June 2024 with 10 days (20 half-days) brought in: with June 2024 - May 2025
    (25 days, 50) that is the 2024-25 leave, to take by 31 May 2026. Sick two weeks in March
    2026 (10 days, 20 half-days) and informed on 1 April 2026 after the return: 20 half-days
    are carried until 30 June 2027 (15 months), the other 50 were lost on 1 June 2026; the
    2025-26 leave (to take by 31 May 2027) and the running period's are whole."""
    adjust = f"{API}/people/{office.bruno.id}/leave/adjustments"
    opening = await office.ada.browser.post(
        adjust,
        json={
            "kind": "CP",
            "opening": True,
            "on_day": "2024-06-03",
            "half_days": 20,
            "reason": "reprise",
        },
    )
    assert opening.status_code == 201, opening.text
    march = [
        d.isoformat()
        for d in working_days(month=MonthKey(2026, 3), region=CalendarRegion.METROPOLE)
        if date(2026, 3, 9) <= d <= date(2026, 3, 20)
    ]
    assert len(march) == 10
    for day in march:
        await put_day(office.bruno, day, [("absence:maladie", 2)])

    async def periods(who: Member) -> dict[str, dict[str, Any]]:
        response = await who.browser.get(f"{API}/people/{office.bruno.id}/leave")
        assert response.status_code == 200, response.text
        return {p["reference_start"]: p for p in response.json()["periods"]}

    old = (await periods(office.ada))["2024-06-01"]
    # Not informed yet: the leave the sickness kept back is carried with no deadline.
    assert (old["acquired"], old["carried"], old["lost"], old["deadline"]) == (70, 20, 50, None)
    notices = f"{API}/people/{office.bruno.id}/leave/carry-notices"
    problem(
        await office.ada.browser.post(notices, json={"informed_on": "2026-04-01", "reason": " "}),
        422,
        "required",
        "reason",
    )
    problem(
        await office.ada.browser.post(
            notices, json={"informed_on": "2026-11-17", "reason": "courrier"}
        ),
        422,
        "in_future",
        "informed_on",
    )
    problem(
        await office.ada.browser.post(notices, json={"informed_on": "1 avril", "reason": "x"}),
        422,
        "invalid",
        "informed_on",
    )
    told = await office.ada.browser.post(
        notices, json={"informed_on": "2026-04-01", "reason": "courrier remis au retour"}
    )
    assert told.status_code == 201, told.text
    by_start = await periods(office.marc)  # the manager sees the periods too
    old = by_start["2024-06-01"]
    assert (old["carried"], old["lost"], old["remaining"]) == (20, 50, 20)
    assert (old["deadline"], old["taking_end"]) == ("2027-06-30", "2026-05-31")
    assert (by_start["2025-06-01"]["lost"], by_start["2025-06-01"]["taking_end"]) == (
        0,
        "2027-05-31",
    )
    cp = (await balance(office.bruno))["CP"]
    assert cp["lost"] == 50
    assert cp["remaining"] == cp["acquired"] - cp["taken"] - cp["planned"] - 50
    assert cp["remaining"] == sum(p["remaining"] for p in by_start.values())
    # Leave taken now comes from the carried 2024-25 leave first.
    await put_day(office.bruno, "2026-11-02", [("absence:CP", 2)])
    old = (await periods(office.ada))["2024-06-01"]
    assert (old["taken"], old["remaining"]) == (2, 18)
    listed = (await office.ada.browser.get(f"{API}/people/{office.bruno.id}/leave")).json()
    notice = listed["adjustments"][0]
    assert (notice["notice"], notice["on_day"], notice["half_days"]) == (True, "2026-04-01", 0)
    events = await t.AuditEntry.select(t.AuditEntry.event).where(
        t.AuditEntry.event == "leave.carry_informed"
    )
    assert len(events) == 1
