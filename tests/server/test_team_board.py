"""The team board (GET /team/months/{month}) on the real app and database (SQLite, or
PostgreSQL with CARNET_TEST_DB=postgres): every consultant of the manager's team, also those
who never opened the month, with filled and half-filled working days counted in SQL."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from server.domain import team_board
from server.domain.notification_texts import render
from server.domain.reminders import Kind
from server.domain.roles import Role
from server.storage import tables as t
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey, MonthStatus
from tests.conftest import FakeClock
from tests.factories import Member, World

pytestmark = pytest.mark.anyio

MONTH = "2026-11"
WORKING = [
    d.isoformat()
    for d in working_days(month=MonthKey.parse(MONTH), region=CalendarRegion.METROPOLE)
]


@dataclass
class Teams:
    """Marc manages Alice (never opened November), Bruno (a draft, one day at ½) and Chloé
    (submitted, waits on Marc); Nina manages Dan; Ada administers; Sam signs for the client."""

    world: World
    marc: Member
    nina: Member
    ada: Member
    sam: Member
    alice: Member
    bruno: Member
    chloe: Member
    dan: Member


async def put_day(who: Member, day: str, lines: list[tuple[str, int]]) -> None:
    response = await who.browser.put(
        f"/api/v1/people/{who.id}/months/{day[:7]}/days/{day}",
        json={"lines": [{"line": line, "half_days": n} for line, n in lines]},
    )
    assert response.status_code == 200, response.text


async def board(who: Member, month: str = MONTH) -> dict[str, Any]:
    response = await who.browser.get(f"/api/v1/team/months/{month}")
    assert response.status_code == 200, response.text
    return response.json()


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
async def teams(world: World) -> Teams:
    client = await world.client()
    ada = await world.person("ada", [Role.ADMIN])
    marc = await world.person("marc", [Role.MANAGER])
    nina = await world.person("nina", [Role.MANAGER])
    sam = await world.person("sam", [Role.CLIENT_SIGNER], client_id=client.id)
    alice = await world.person("alice", [Role.CONSULTANT], manager="marc")
    bruno = await world.person("bruno", [Role.CONSULTANT], manager="marc")
    chloe = await world.person("chloé", [Role.CONSULTANT], manager="marc")
    dan = await world.person("dan", [Role.CONSULTANT], manager="nina")
    missions = {}
    for name in ("alice", "bruno", "chloé", "dan"):
        missions[name] = f"mission:{(await world.mission(name, client)).id}"
    # Bruno: a full day, a day at ½, a day of ½ mission + ½ RTT (full), and a Saturday (not a
    # working day: not counted).
    await put_day(bruno, WORKING[0], [(missions["bruno"], 2)])
    await put_day(bruno, WORKING[1], [(missions["bruno"], 1)])
    await put_day(bruno, WORKING[2], [(missions["bruno"], 1), ("absence:RTT", 1)])
    await put_day(bruno, "2026-11-07", [(missions["bruno"], 2)])
    for day in WORKING:
        await put_day(chloe, day, [(missions["chloé"], 2)])
    month = (await chloe.browser.get(f"/api/v1/people/{chloe.id}/months/{MONTH}")).json()
    response = await chloe.browser.post(
        f"/api/v1/people/{chloe.id}/months/{MONTH}/submit", json={"version": month["version"]}
    )
    assert response.status_code == 200, response.text
    await put_day(dan, WORKING[0], [(missions["dan"], 1)])
    return Teams(world, marc, nina, ada, sam, alice, bruno, chloe, dan)


def rows(data: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {
        m["consultant_name"]: (
            m["status"],
            m["days_filled"],
            m["working_days"],
            m["half_days"],
            m["waits_on"],
            m["waiting_on_name"],
        )
        for m in data["members"]
    }


async def test_the_board_lists_every_consultant_of_the_team_with_their_counts(
    teams: Teams,
) -> None:
    """Make sure a manager sees each of their consultants, also one who never opened the
    month, with working days filled and half-filled, whose move it is, and what blocks."""
    data = await board(teams.marc)
    assert len(WORKING) == 20  # November 2026: 21 weekdays, 11 November a holiday
    assert rows(data) == {
        "Alice": ("not_started", 0, 20, 0, "consultant", None),
        "Bruno": ("draft", 3, 20, 1, "consultant", None),
        "Chloé": ("in_validation", 20, 20, 0, "approver", "Marc"),
    }
    assert data["month"] == MONTH
    assert data["blocking"] == 3
    assert data["counts"]["not_started"] == 1
    assert data["counts"]["draft"] == 1
    assert data["counts"]["in_validation"] == 1
    assert data["counts"]["validated"] == 0


async def test_an_approved_month_no_longer_blocks_the_close(teams: Teams) -> None:
    """Make sure the count of what blocks the close drops when the manager approves."""
    chloe = next(
        m for m in (await board(teams.marc))["members"] if m["consultant_name"] == "Chloé"
    )
    response = await teams.marc.browser.post(
        f"/api/v1/people/{teams.chloe.id}/months/{MONTH}/approve",
        json={"version": chloe["version"]},
    )
    assert response.status_code == 200, response.text
    data = await board(teams.marc)
    assert rows(data)["Chloé"] == ("validated", 20, 20, 0, None, None)
    assert (data["blocking"], data["counts"]["validated"]) == (2, 1)


async def test_an_admin_sees_the_organisation_a_manager_only_their_team(teams: Teams) -> None:
    """Make sure the scope is the manager's own team, the whole organisation for an admin."""
    assert set(rows(await board(teams.ada))) == {"Alice", "Bruno", "Chloé", "Dan"}
    assert rows(await board(teams.nina)) == {"Dan": ("draft", 1, 20, 1, "consultant", None)}


async def test_consultants_signers_and_strangers_are_refused(teams: Teams) -> None:
    """Make sure a consultant and a client signer get 403, nobody signed in 401, and a month
    that is not one gets 422, each as a problem document."""
    url = f"/api/v1/team/months/{MONTH}"
    problem(await teams.alice.browser.get(url), 403, "forbidden")
    problem(await teams.sam.browser.get(url), 403, "forbidden")
    problem(await teams.world.browser().get(url), 401, "not_authenticated")
    bad = problem(
        await teams.marc.browser.get("/api/v1/team/months/2026-13"), 422, "invalid_input"
    )
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("month", "invalid_month")]


async def test_working_days_follow_each_consultants_calendar_region(world: World) -> None:
    """Make sure a consultant working in Alsace-Moselle is expected one day less in April 2026
    (Good Friday, 3 April, is a holiday there only)."""
    client = await world.client()
    marc = await world.person("marc", [Role.MANAGER])
    await world.person("paris", [Role.CONSULTANT], manager="marc")
    await world.person("metz", [Role.CONSULTANT], manager="marc")
    await world.mission("paris", client)
    await world.mission("metz", client, region="alsace_moselle")
    expected = {
        m["consultant_name"]: m["working_days"] for m in (await board(marc, "2026-04"))["members"]
    }
    assert expected == {"Paris": 21, "Metz": 20}


async def outbox_rows() -> list[dict[str, Any]]:
    rows = await t.OutboxItem.select().where(t.OutboxItem.kind == "month_not_submitted")

    def data(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    return [{**r, "data": data(r["data"])} for r in rows]


async def remind(who: Member, consultant: Member) -> httpx.Response:
    return await who.browser.post(
        f"/api/v1/team/months/{MONTH}/reminders", json={"consultant_id": consultant.id}
    )


async def test_a_manager_reminds_a_consultant_once_a_day_through_the_outbox(
    teams: Teams, clock: FakeClock
) -> None:
    """Make sure a reminder of a month not handed in is queued in the notifications outbox,
    records who asked, is refused a second time the same day, and allowed the next (local) day."""
    response = await remind(teams.marc, teams.alice)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "not_started"
    (row,) = await outbox_rows()
    assert str(row["person"]) == teams.alice.id
    assert row["month"] == MONTH
    assert row["state"] == "pending"
    assert row["data"]["occurrence"] == "reminder"
    assert (row["data"]["by_id"], row["data"]["by_name"]) == (teams.marc.id, "Marc")
    problem(await remind(teams.marc, teams.alice), 409, "already_reminded")
    problem(await remind(teams.ada, teams.alice), 409, "already_reminded")
    assert len(await outbox_rows()) == 1
    # 23:30 UTC is already the next day in Paris, the organisation's time zone: allowed again
    # (the session is used half-way, so it does not idle out).
    clock.advance(hours=7)
    await board(teams.marc)
    clock.advance(hours=7, minutes=30)
    assert clock().day == 16
    response = await remind(teams.marc, teams.alice)
    assert response.status_code == 201, response.text
    assert len(await outbox_rows()) == 2


async def test_reminders_are_refused_outside_the_board_or_once_handed_in(teams: Teams) -> None:
    """Make sure only a month waiting on its consultant is reminded, only by their manager or
    an admin, each refusal a problem document that queues nothing."""
    problem(await remind(teams.marc, teams.chloe), 409, "not_waiting_on_consultant")
    problem(await remind(teams.marc, teams.dan), 404, "not_found")
    problem(await remind(teams.marc, teams.nina), 404, "not_found")
    problem(await remind(teams.alice, teams.bruno), 403, "forbidden")
    problem(await remind(teams.sam, teams.bruno), 403, "forbidden")
    assert await outbox_rows() == []
    response = await remind(teams.ada, teams.dan)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft"


def test_a_reminder_reads_as_the_managers_in_both_languages() -> None:
    """Make sure the reminder's text names who asked and opens the consultant's month."""
    month = MonthKey.parse(MONTH)
    data = {"occurrence": "reminder", "by_name": "Marc"}
    fr = render(kind=Kind.MONTH_NOT_SUBMITTED, language="fr", month=month, data=data)
    en = render(kind=Kind.MONTH_NOT_SUBMITTED, language="en", month=month, data=data)
    assert fr.title == "Relance : CRA de novembre 2026"
    assert fr.body.startswith("Marc vous rappelle de compléter et d'envoyer votre CRA")
    assert en.body.startswith("Marc reminds you to complete and submit your November 2026")
    assert fr.url == en.url == f"/#month={MONTH}"


async def test_each_consultant_carries_the_clients_of_the_month_for_the_filter(
    world: World,
) -> None:
    """Make sure the board names the clients of the missions running in the month (two for a
    consultant split between clients, none for one whose mission ended before it)."""
    banque, assur = await world.client("Banque Rhénane SA"), await world.client("Assurances SA")
    await world.person("marc", [Role.MANAGER])
    await world.person("léa", [Role.CONSULTANT], manager="marc")
    await world.person("yves", [Role.CONSULTANT], manager="marc")
    await world.mission("léa", banque)
    await world.mission("léa", assur, start=date(2026, 11, 16))
    await world.mission("yves", banque, end=date(2026, 10, 31))
    data = await board(world["marc"])
    clients = {m["consultant_name"]: m["clients"] for m in data["members"]}
    assert clients == {"Léa": ["Assurances SA", "Banque Rhénane SA"], "Yves": []}


def test_the_board_statuses_are_not_started_then_every_month_status_in_order() -> None:
    """The board's status type lists its values by hand (a `Literal`); make sure it is exactly
    `not_started` followed by every `MonthStatus`, in the order of the month's life."""
    assert (team_board.NOT_STARTED, *(s.value for s in MonthStatus)) == team_board.STATUSES


def test_a_stored_status_the_board_does_not_know_is_refused_not_shown() -> None:
    assert team_board.board_status(None) == "not_started"
    assert team_board.board_status("sent_back") == "sent_back"
    with pytest.raises(ValueError, match="not a month status"):
        team_board.board_status("archived")
