"""A phone's prefill meets a leave approved while it was not synced, on the real app and
database (SQLite, or PostgreSQL with CARNET_TEST_DB=postgres): the prefill's days say ``fill``
and the leave stays; the same push without ``fill`` (an explicit edit) still replaces it
(sync-protocol.md §3.6, §3.6.1).

Both ways a push of days can be applied are run: the planned batch of days only and the
ordinary path a batch with any other mutation takes (sync-protocol.md §3.4).

The clock is Monday 16 November 2026 (tests/conftest.py FakeClock)."""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from server.domain.roles import Role
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey
from sync.protocol import PROTOCOL_VERSION
from tests.conftest import FakeClock
from tests.factories import Member, World

pytestmark = pytest.mark.anyio

API = "/api/v1"
NOVEMBER = MonthKey(2026, 11)
LEAVE = ["2026-11-23", "2026-11-24"]


@dataclass
class Office:
    marc: Member  # Bruno's manager
    bruno: Member  # consultant
    mission_line: str


@pytest.fixture
async def office(world: World) -> Office:
    marc = await world.person("marc", [Role.MANAGER])
    bruno = await world.person("bruno", [Role.CONSULTANT], manager="marc")
    mission = await world.mission("bruno", await world.client())
    return Office(marc, bruno, f"mission:{mission.id}")


async def sync(who: Member, body: dict[str, Any]) -> dict[str, Any]:
    response = await who.browser.post(f"{API}/sync", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def approve_leave(office: Office) -> None:
    """Bruno asks for two days of paid leave online; Marc approves: the CRA fills."""
    leave = {
        "id": str(uuid.uuid4()),
        "kind": "CP",
        "first_day": LEAVE[0],
        "last_day": LEAVE[-1],
        "comment": "vacances",
    }
    sent = await office.bruno.browser.post(f"{API}/leave/requests", json=leave)
    assert sent.status_code == 201, sent.text
    approved = await office.marc.browser.post(f"{API}/leave/requests/{leave['id']}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["filled_days"] == len(LEAVE)


def prefill(
    office: Office, *, phone: str, base_v: int, now_ms: int, fill: bool
) -> list[dict[str, Any]]:
    """The month's prefill as the app queues it: a full mission day on every working day the
    phone saw empty (all of them), stamped by the phone's clock a second after the server's."""
    node = phone.replace("-", "")[:16]
    mutations = []
    for n, day in enumerate(working_days(month=NOVEMBER, region=CalendarRegion.METROPOLE), 1):
        args: dict[str, Any] = {
            "date": day.isoformat(),
            "epoch": 0,
            "lines": [{"line": office.mission_line, "half_days": 2}],
            "comment": "",
            "hlc": f"{now_ms + 1000:013d}:{n:04d}:{node}",
            "base_v": base_v,
        }
        if fill:
            args["fill"] = True
        mutations.append({"id": n, "name": "set_day", "args": args})
    return mutations


async def push_prefill_after_leave(
    office: Office, clock: FakeClock, *, fill: bool, mixed: bool
) -> tuple[dict[str, dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """The phone pulls, the leave is approved, then the phone (not synced since) pushes its
    prefill based on what it pulled. Returns the results by date, the response and the month."""
    phone = str(uuid.uuid4())
    start = {"protocol": PROTOCOL_VERSION, "client_id": phone, "mutations": []}
    cookie = (await sync(office.bruno, start))["cookie"]
    await approve_leave(office)
    mutations = prefill(
        office,
        phone=phone,
        base_v=cookie["v"],
        now_ms=int(clock.now.timestamp() * 1000),
        fill=fill,
    )
    if mixed:
        # Any mutation but a day sends the batch the ordinary way; this one is refused.
        unknown = {"id": str(uuid.uuid4())}
        mutations.append({"id": len(mutations) + 1, "name": "cancel_leave", "args": unknown})
    push = {**start, "cookie": cookie, "mutations": mutations}
    answer = await sync(office.bruno, push)
    days = {m["args"]["date"]: m["id"] for m in mutations if m["name"] == "set_day"}
    by_id = {result["id"]: result for result in answer["results"]}
    assert len(by_id) == len(mutations)
    if mixed:
        assert by_id[len(mutations)]["status"] == "rejected"
    results = {day: by_id[mutation_id] for day, mutation_id in days.items()}
    month = await office.bruno.browser.get(f"{API}/people/{office.bruno.id}/months/2026-11")
    assert month.status_code == 200, month.text
    return results, answer, month.json()


def lines_by_day(month: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    return {
        d["date"]: [(v["line"], v["half_days"]) for v in d["lines"]]
        for d in month["days"]
        if d["lines"]
    }


@pytest.mark.parametrize("mixed", [False, True], ids=["days only", "mixed batch"])
async def test_a_prefill_pushed_after_a_leave_was_approved_fills_around_the_leave(
    office: Office, clock: FakeClock, mixed: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Make sure a phone that had not pulled the approved leave, pushing its prefill as fills
    with a later stamp, gets the leave's days back as superseded (with the leave as current)
    and every other working day filled, and the month counts both rightly."""
    results, answer, month = await push_prefill_after_leave(office, clock, fill=True, mixed=mixed)
    worked = [d for d in results if d not in LEAVE]
    assert len(results) == 20  # November 2026, metropole: 21 working days but the 11th
    for day in LEAVE:
        result = results[day]
        assert result["status"] == "superseded", result
        assert "prefill" in result["detail"]
        assert result["current"]["lines"] == [{"line": "absence:CP", "half_days": 2}]
    assert {results[d]["status"] for d in worked} == {"applied"}
    assert lines_by_day(month) == {
        **{d: [(office.mission_line, 2)] for d in worked},
        **{d: [("absence:CP", 2)] for d in LEAVE},
    }
    assert month["totals"] == {office.mission_line: 2 * len(worked), "absence:CP": 4}
    assert answer["overwrites"] == []
    assert "left its plan" not in caplog.text  # days only: the planned batch decided them


@pytest.mark.parametrize("mixed", [False, True], ids=["days only", "mixed batch"])
async def test_the_same_push_without_fill_still_replaces_the_leave(
    office: Office, clock: FakeClock, mixed: bool
) -> None:
    """Make sure an explicit edit keeps today's rule: the later stamp wins over the leave the
    device had not seen, and the month then counts no leave."""
    results, _, month = await push_prefill_after_leave(office, clock, fill=False, mixed=mixed)
    assert {result["status"] for result in results.values()} == {"applied"}
    assert lines_by_day(month) == {d: [(office.mission_line, 2)] for d in results}
    assert month["totals"] == {office.mission_line: 2 * len(results)}


async def test_a_fill_that_is_not_a_boolean_is_refused_at_its_field(office: Office) -> None:
    """Make sure ``fill: "true"`` is refused as invalid_args naming the field, and the day is
    not written."""
    phone = str(uuid.uuid4())
    args = {
        "date": "2026-11-17",
        "epoch": 0,
        "lines": [{"line": office.mission_line, "half_days": 2}],
        "hlc": f"1795000000000:0000:{phone.replace('-', '')[:16]}",
        "fill": "true",
    }
    body = {
        "protocol": PROTOCOL_VERSION,
        "client_id": phone,
        "mutations": [{"id": 1, "name": "set_day", "args": args}],
    }
    (result,) = (await sync(office.bruno, body))["results"]
    assert (result["status"], result["reason"]) == ("rejected", "invalid_args")
    assert result["detail"].startswith("fill:")
    month = await office.bruno.browser.get(f"{API}/people/{office.bruno.id}/months/2026-11")
    assert lines_by_day(month.json()) == {}
