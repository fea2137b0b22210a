"""CRA months over HTTP: writing days, reading months, and refusing bad days without a trace."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from server.domain import model
from server.domain.roles import Role
from server.storage import repositories as repo
from sync.calendar import CalendarRegion, month_calendar, working_days
from sync.months import MonthKey
from tests.factories import Member, World

# Marked here, not only by the conftest hook: anyio re-creates late-marked async tests and drops
# their parametrize ids and values.
pytestmark = pytest.mark.anyio

PROBLEM_JSON = "application/problem+json"
MONTH = "2026-11"
DAY = "2026-11-16"  # a Monday


@dataclass
class Cra:
    """Alice, consultant, with two missions in November 2026, and the URLs of her month."""

    alice: Member
    main: model.Mission
    audit: model.Mission

    def month_url(self, month: str = MONTH) -> str:
        return f"/api/v1/people/{self.alice.id}/months/{month}"

    def day_url(self, day: str = DAY, month: str = MONTH) -> str:
        return f"{self.month_url(month)}/days/{day}"

    async def put(self, body: Any, day: str = DAY, month: str = MONTH) -> httpx.Response:
        return await self.alice.browser.put(self.day_url(day, month), json=body)

    async def month(self, month: str = MONTH) -> dict[str, Any]:
        response = await self.alice.browser.get(self.month_url(month))
        assert response.status_code == 200, response.text
        return response.json()


def mission(m: model.Mission, half_days: int = 2) -> dict[str, Any]:
    return {"line": f"mission:{m.id}", "half_days": half_days}


def absence(kind: str, half_days: int = 2) -> dict[str, Any]:
    return {"line": f"absence:{kind}", "half_days": half_days}


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code", "errors"}
    assert body["status"] == status
    return body


def reasons(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in body["errors"]}


@pytest.fixture
async def cra(world: World) -> Cra:
    alice = await world.person("alice", [Role.CONSULTANT])
    client = await world.client()
    main = await world.mission(
        "alice",
        client,
        start=date(2026, 11, 2),
        end=date(2026, 11, 27),
        allowed_absences=("CP", "RTT", "formation"),
    )
    audit = await world.mission(
        "alice",
        client,
        start=date(2026, 11, 2),
        end=date(2026, 11, 27),
        allowed_absences=("CP",),
        comments_required=True,
    )
    return Cra(alice=alice, main=main, audit=audit)


# -- happy paths ----------------------------------------------------------------------------


async def test_consultant_writes_a_full_mission_day(cra: Cra) -> None:
    """Make sure a full mission day is stored and counted as two half-days."""
    response = await cra.put({"lines": [mission(cra.main)], "comment": "Sprint review"})
    assert response.status_code == 200, response.text
    month = response.json()
    assert month["status"] == "draft"
    assert month["days"] == [
        {"date": DAY, "lines": [mission(cra.main)], "comment": "Sprint review"}
    ]
    assert month["totals"] == {f"mission:{cra.main.id}": 2}
    assert month == await cra.month()


async def test_consultant_writes_half_mission_half_cp(cra: Cra) -> None:
    """Make sure a half mission + half CP day is stored with its lines in canonical order."""
    response = await cra.put({"lines": [mission(cra.main, 1), absence("CP", 1)]})
    assert response.status_code == 200, response.text
    (day,) = response.json()["days"]
    assert day["lines"] == [absence("CP", 1), mission(cra.main, 1)]
    assert response.json()["totals"] == {"absence:CP": 1, f"mission:{cra.main.id}": 1}


async def test_month_reads_back_days_totals_and_calendar(cra: Cra) -> None:
    """Make sure a month shows its days, totals in half-days and the French calendar."""
    for day, lines in [
        ("2026-11-16", [mission(cra.main)]),
        ("2026-11-17", [mission(cra.main, 1), absence("RTT", 1)]),
        ("2026-11-18", [absence("CP")]),
        ("2026-11-21", [mission(cra.main, 1)]),  # a Saturday: allowed, flagged elsewhere
    ]:
        assert (await cra.put({"lines": lines}, day=day)).status_code == 200
    month = await cra.month()
    assert month["month"] == MONTH
    assert month["consultant_id"] == cra.alice.id
    assert [d["date"] for d in month["days"]] == [
        "2026-11-16",
        "2026-11-17",
        "2026-11-18",
        "2026-11-21",
    ]
    assert month["totals"] == {
        "absence:CP": 2,
        "absence:RTT": 1,
        f"mission:{cra.main.id}": 4,
    }
    calendar = {c["date"]: c for c in month["calendar"]}
    assert len(calendar) == 30
    assert calendar["2026-11-11"] == {
        "date": "2026-11-11",
        "weekend": False,
        "holiday": "Armistice",
        "working": False,
    }
    assert calendar["2026-11-01"]["holiday"] == "Toussaint"
    assert calendar["2026-11-21"]["weekend"] and not calendar["2026-11-21"]["working"]
    assert calendar["2026-11-16"]["working"]
    expected = month_calendar(month=MonthKey(2026, 11), region=CalendarRegion.METROPOLE)
    assert [c["working"] for c in month["calendar"]] == [c.working for c in expected]
    assert month["working_days"] == len(
        working_days(month=MonthKey(2026, 11), region=CalendarRegion.METROPOLE)
    )
    assert month["working_days"] == 20
    assert {m["id"] for m in month["missions"]} == {cra.main.id, cra.audit.id}


async def test_overwriting_a_day_replaces_it_whole(cra: Cra) -> None:
    """Make sure a second write of a day replaces its lines and comment, nothing merged."""
    await cra.put({"lines": [mission(cra.main)], "comment": "on site"})
    response = await cra.put({"lines": [absence("CP", 1)]})
    assert response.status_code == 200, response.text
    assert response.json()["days"] == [{"date": DAY, "lines": [absence("CP", 1)], "comment": ""}]
    assert response.json()["totals"] == {"absence:CP": 1}


async def test_version_increases_on_each_write(cra: Cra) -> None:
    """Make sure every accepted write bumps the month's version, and the month gets listed."""
    assert (await cra.month())["version"] == 0
    versions = []
    for lines in ([mission(cra.main)], [absence("CP")], [mission(cra.main)]):
        response = await cra.put({"lines": lines})
        versions.append(response.json()["version"])
    assert versions == sorted(set(versions))
    assert versions[0] >= 1
    assert (await cra.month())["version"] == versions[-1]
    listed = (await cra.alice.browser.get("/api/v1/months")).json()
    assert [(m["month"], m["status"]) for m in listed] == [(MONTH, "draft")]


async def test_empty_lines_clear_a_day(cra: Cra) -> None:
    """Make sure writing a day with no lines removes what the day held."""
    await cra.put({"lines": [mission(cra.main)], "comment": "to be cleared"})
    response = await cra.put({"lines": []})
    assert response.status_code == 200, response.text
    month = response.json()
    assert all(d["lines"] == [] and d["comment"] == "" for d in month["days"])
    assert month["totals"] == {}


async def test_comment_is_stored_without_surrounding_blanks(cra: Cra) -> None:
    """Make sure blanks around a comment, no-break spaces included, are not stored."""
    response = await cra.put(
        {"lines": [mission(cra.audit)], "comment": " \u00a0Atelier RGPD\u202f\n"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["days"][0]["comment"] == "Atelier RGPD"


async def test_sent_back_month_is_editable_again(cra: Cra) -> None:
    """Make sure a month sent back to the consultant accepts days again."""
    await cra.put({"lines": [mission(cra.main)]})
    timesheet = await repo.get_timesheet(consultant_id=cra.alice.id, month=MONTH)
    assert timesheet is not None
    await repo.set_timesheet_state(timesheet_id=timesheet.id, status="sent_back")
    response = await cra.put({"lines": [absence("CP")]})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "sent_back"


# -- bad days: refused with the field and the reason, the month unchanged --------------------


@dataclass(frozen=True)
class Bad:
    """One bad write of a day: the body, where it is sent, and the reason expected back."""

    id: str
    body: Callable[[Cra], Any]
    field: str
    code: str
    day: str = DAY
    month: str = MONTH


def cp(half_days: Any) -> Callable[[Cra], Any]:
    return lambda c: {"lines": [{"line": "absence:CP", "half_days": half_days}]}


def line(key: str) -> Callable[[Cra], Any]:
    return lambda c: {"lines": [{"line": key, "half_days": 2}]}


BAD_DAYS = [
    # the wire shape (schemas.py)
    Bad("unknown-field", lambda c: {"lines": [], "extra": 1}, "extra", "invalid"),
    Bad("lines-not-a-list", lambda c: {"lines": "CP"}, "lines", "invalid"),
    Bad("half-days-string", cp("2"), "lines[0].half_days", "invalid"),
    Bad("half-days-float", cp(2.0), "lines[0].half_days", "invalid"),
    Bad("half-days-true", cp(True), "lines[0].half_days", "invalid"),
    Bad("half-days-null", cp(None), "lines[0].half_days", "invalid"),
    # the path
    Bad("date-outside-month", cp(2), "date", "date_outside_month", day="2026-12-01"),
    Bad("month-13", cp(2), "month", "invalid_month", month="2026-13"),
    Bad("month-in-words", cp(2), "month", "invalid_month", month="november"),
    Bad("february-30", cp(2), "day", "invalid_date", day="2026-02-30", month="2026-02"),
    Bad("day-in-words", cp(2), "day", "invalid_date", day="tomorrow"),
    Bad("day-without-hyphens", cp(2), "day", "invalid_date", day="20261116"),
    # the day rules (sync/rules.py)
    Bad(
        "over-one-day",
        lambda c: {"lines": [absence("CP"), mission(c.main, 1)]},
        "lines",
        "day_over_one",
    ),
    Bad("half-days-0", cp(0), "lines[0].half_days", "invalid_half_days"),
    Bad("half-days-3", cp(3), "lines[0].half_days", "invalid_half_days"),
    Bad("half-days-negative", cp(-1), "lines[0].half_days", "invalid_half_days"),
    Bad(
        "duplicate-line",
        lambda c: {"lines": [absence("CP", 1), absence("CP", 1)]},
        "lines[1].line",
        "duplicate_line",
    ),
    Bad("line-foo", line("foo"), "lines[0].line", "invalid_line"),
    Bad("line-mission-without-id", line("mission:"), "lines[0].line", "invalid_line"),
    Bad("line-unknown-absence", line("absence:XYZ"), "lines[0].line", "invalid_line"),
    Bad("line-absence-wrong-case", line("absence:cp"), "lines[0].line", "invalid_line"),
    Bad(
        "unknown-mission",
        lambda c: {"lines": [{"line": f"mission:{uuid.uuid4()}", "half_days": 2}]},
        "lines[0].line",
        "unknown_mission",
    ),
    Bad(
        "mission-after-its-end",
        lambda c: {"lines": [mission(c.main)]},
        "lines[0].line",
        "mission_outside_dates",
        day="2026-11-30",
    ),
    Bad("absence-not-allowed", line("absence:maladie"), "lines[0].line", "absence_not_allowed"),
    Bad(
        "comment-required-but-blank",
        lambda c: {"lines": [mission(c.audit)], "comment": " \u00a0\t"},
        "comment",
        "comment_required",
    ),
    Bad(
        "comment-over-500",
        lambda c: {"lines": [mission(c.main)], "comment": "é" * 501},
        "comment",
        "comment_too_long",
    ),
]


async def test_bad_days_are_refused_and_change_nothing(
    cra: Cra, subtests: pytest.Subtests
) -> None:
    """Make sure each bad day gets a 422 naming the field and the reason, the month kept."""
    # One CRA for the whole table: every case compares the month to its own snapshot, and the
    # table runs in about a second instead of one app start per case.
    await cra.put({"lines": [mission(cra.main)], "comment": "kept"})
    for bad in BAD_DAYS:
        with subtests.test(msg=bad.id):
            before = await cra.month()
            body = problem(await cra.put(bad.body(cra), day=bad.day, month=bad.month), 422)
            assert body["code"] == "invalid_input"
            assert (bad.field, bad.code) in reasons(body), body
            assert await cra.month() == before


async def test_reading_a_malformed_month_is_refused(cra: Cra, subtests: pytest.Subtests) -> None:
    """Make sure reading a month that is not YYYY-MM gets a 422 naming the month."""
    for month in ("2026-13", "november", "2026-1"):
        with subtests.test(msg=month):
            body = problem(await cra.alice.browser.get(cra.month_url(month)), 422)
            assert ("month", "invalid_month") in reasons(body)


async def test_every_violation_of_a_day_is_reported_at_once(cra: Cra) -> None:
    """Make sure a day breaking several rules reports each of them in one answer."""
    body = problem(
        await cra.put(
            {
                "lines": [absence("maladie", 2), {"line": "foo", "half_days": 3}],
                "comment": "x" * 501,
            }
        ),
        422,
    )
    assert reasons(body) >= {
        ("lines[0].line", "absence_not_allowed"),
        ("lines[1].half_days", "invalid_half_days"),
        ("lines[1].line", "invalid_line"),
        ("comment", "comment_too_long"),
    }


async def test_type_and_rule_errors_name_a_field_alike(cra: Cra) -> None:
    """Make sure a wrong type and a wrong value of the same field name it the same way."""
    wrong_type = problem(await cra.put({"lines": [absence("CP") | {"half_days": None}]}), 422)
    wrong_value = problem(await cra.put({"lines": [absence("CP", 3)]}), 422)
    assert [e["field"] for e in wrong_type["errors"]] == [
        e["field"] for e in wrong_value["errors"]
    ]


async def test_locked_month_refuses_days(cra: Cra, subtests: pytest.Subtests) -> None:
    """Make sure a month handed in is refused with 409 and its days stay as they were."""
    await cra.put({"lines": [mission(cra.main)], "comment": "kept"})
    timesheet = await repo.get_timesheet(consultant_id=cra.alice.id, month=MONTH)
    assert timesheet is not None
    for status in ("submitted", "in_validation", "validated", "signed"):
        with subtests.test(msg=status):
            await repo.set_timesheet_state(timesheet_id=timesheet.id, status=status)
            before = await cra.month()
            for body in ({"lines": [absence("CP")]}, {"lines": []}):
                refused = problem(await cra.put(body), 409)
                assert refused["code"] == "conflict"
                assert ("month", "month_locked") in reasons(refused)
            assert await cra.month() == before


UNREADABLE_BODIES = [
    ("truncated-json", b'{"lines": [', 400, "malformed_request"),
    ("empty-body", b"", 400, "malformed_request"),
    (
        "over-1-mb",
        b'{"lines": [], "comment": "' + b"x" * 1_100_000 + b'"}',
        413,
        "payload_too_large",
    ),
]


async def test_unreadable_bodies_are_problems_not_500s(
    cra: Cra, subtests: pytest.Subtests
) -> None:
    """Make sure invalid JSON gets a 400 and a body over 1 MB a 413 problem, nothing stored."""
    await cra.put({"lines": [mission(cra.main)]})
    for name, content, status, code in UNREADABLE_BODIES:
        with subtests.test(msg=name):
            before = await cra.month()
            response = await cra.alice.browser.put(
                cra.day_url(), content=content, headers={"content-type": "application/json"}
            )
            body = problem(response, status)
            assert body["code"] == code, body
            assert await cra.month() == before


async def test_control_characters_in_a_comment_are_refused(
    cra: Cra, subtests: pytest.Subtests
) -> None:
    """Make sure a comment with NUL or another control character is refused on every engine
    (PostgreSQL cannot store NUL), while tabs and line breaks are kept."""
    await cra.put({"lines": [mission(cra.main)], "comment": "kept"})
    for char in ("\u0000", "\u0007", "\u001b"):
        with subtests.test(msg=f"U+{ord(char):04X}"):
            before = await cra.month()
            response = await cra.put({"lines": [absence("CP")], "comment": f"nul{char}byte"})
            assert ("comment", "invalid") in reasons(problem(response, 422))
            assert await cra.month() == before, "a refused write must leave the month as it was"
    response = await cra.put({"lines": [absence("CP")], "comment": "ligne 1\r\nligne 2\tfin"})
    assert response.status_code == 200, response.text
    assert response.json()["days"][0]["comment"] == "ligne 1\r\nligne 2\tfin"
