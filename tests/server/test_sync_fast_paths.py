"""The sync endpoint's fast paths (issue 12): what a poll and a pull send to the database, and
that the JSON the database writes for a pull is the protocol's wire shape.

Run on SQLite and, with CARNET_TEST_DB=postgres, on PostgreSQL: the reads are hand-written SQL
(server/storage/pull_store.py), one dialect per engine.
"""

import datetime as dt
import json
import random
import string
from typing import Any

import msgspec
import pytest

from server.commands.month import month_state
from server.domain.roles import Actor, Role
from server.services.sync_service import AppliedDay, Known, SyncService, day_state, stored_json
from server.storage import pull_store, raw_sql
from server.storage import sync_store as store
from server.storage import tables as t
from server.storage.sqlite_pool import PooledSQLiteEngine
from sync.hlc import MAX_COUNTER, MAX_WALL_MS, Hlc
from sync.protocol import MAX_PAGE, DayState, Overwrite
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import Member, World
from tests.sql_spy import spy_statements

NOW_MS = int(FakeClock()().timestamp() * 1000)
# Every character a comment may hold that JSON writes escaped or as several bytes.
AWKWARD = 'dit "bonjour" \\ à l\'équipe\tnuit\nretour\r\n€ 😀 </script> \u2028 ~'


@pytest.fixture
async def alice(world: World) -> Member:
    return await world.consultant_with_mission()


class SyncStatements(list[str]):
    """The statements of the sync endpoint itself: the firm behind the request's host, which
    every request resolves first (docs/multi-tenant.md), is not counted here."""

    def append(self, sql: str) -> None:
        if "FROM organisation WHERE host" not in sql:
            super().append(sql)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_statements(monkeypatch, into=SyncStatements())


def transport(member: Member):  # type: ignore[no-untyped-def]
    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await member.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    return send


def line(member: Member) -> str:
    return f"mission:{member.mission.id}"  # type: ignore[attr-defined]


def weekdays_of_2026() -> list[str]:
    day, found = dt.date(2026, 1, 1), []
    while day.year == 2026:
        if day.weekday() < 5:
            found.append(day.isoformat())
        day += dt.timedelta(days=1)
    return found


async def push_all(device: Device, member: Member) -> None:
    while device.pending:
        await device.sync(transport(member))


async def test_an_up_to_date_poll_reads_the_session_and_one_statement(
    alice: Member, statements: list[str]
) -> None:
    """Make sure the 30-second poll of an up-to-date device costs two statements: the session
    (with person and roles) and the database id, version and device row together."""
    phone = Device("phone")
    phone.edit("2026-11-16", [(line(alice), 2)], NOW_MS)
    await push_all(phone, alice)
    await phone.sync(transport(alice))  # up to date now
    cookie = phone.cookie
    statements.clear()
    body = await phone.sync(transport(alice))
    assert len(statements) == 2, statements
    assert "token_hash" in statements[0] and "sync_space" in statements[1]
    assert body["days"] == body["months"] == body["overwrites"] == []
    assert body["cookie"] == cookie and body["has_more"] is False
    assert body["last_mutation_id"] == 1


async def test_a_year_pulled_by_a_new_device_costs_three_statements(
    alice: Member, statements: list[str]
) -> None:
    """Make sure a new device's pull of a whole year (261 days, one page) reads the session,
    the poll's statement and one page statement (days, months and overwrites together)."""
    phone = Device("phone")
    year = weekdays_of_2026()
    for date in year:
        phone.edit(date, [(line(alice), 1)], NOW_MS)
    await push_all(phone, alice)
    statements.clear()
    fresh = Device("new")
    response = await alice.browser.post("/api/v1/sync", json=fresh.request(limit=MAX_PAGE))
    body = response.json()
    assert len(statements) == 3, statements
    assert [d["date"] for d in body["days"]] == year
    assert [m["month"] for m in body["months"]] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert body["has_more"] is False and body["reset"] is True


async def reference(person_id: str, *, since: int, upto: int) -> dict[str, list[Any]]:
    """The same page read through Piccolo and built with the protocol's models: the shape the
    answer had before the database wrote it."""
    days = await store.changed_days(
        person_id=person_id, since=since, after=None, upto=upto, limit=10_000
    )
    months = await store.changed_months(person_id=person_id, since=since, upto=upto)
    overwrites = await store.overwrites_since(person_id=person_id, since=since, upto=upto)
    return {
        "days": [day_state(r).model_dump(mode="json") for r in days],
        "months": [month_state(m).model_dump(mode="json") for m in months],
        "overwrites": [
            Overwrite(
                date=o["date"],
                lost=DayState.model_validate(o["lost"]),
                by_client=o["by_client"],
                version=o["version"],
            ).model_dump(mode="json")
            for o in overwrites
        ],
    }


async def test_a_pulled_page_is_the_protocols_wire_shape(alice: Member) -> None:
    """Make sure the days, months and overwrites the database writes as JSON are exactly what
    the protocol's models write: same fields, same values, escapes included, and on SQLite the
    same bytes."""
    phone, laptop = Device("phone"), Device("laptop")
    phone.edit("2026-11-16", [(line(alice), 2)], NOW_MS, comment=AWKWARD)
    phone.edit("2026-11-17", [(line(alice), 1), ("absence:CP", 1)], NOW_MS, comment=AWKWARD)
    phone.edit("2026-12-01", [], NOW_MS)
    await push_all(phone, alice)
    # The laptop never saw the 16th: its later write replaces the phone's (an overwrite).
    laptop.edit("2026-11-16", [(line(alice), 1)], NOW_MS + 5_000, comment='"autre"')
    await push_all(laptop, alice)
    fresh = Device("new")
    response = await alice.browser.post("/api/v1/sync", json=fresh.request(limit=MAX_PAGE))
    body = response.json()
    expected = await reference(alice.id, since=0, upto=body["cookie"]["v"])
    assert len(expected["overwrites"]) == 1 and len(expected["days"]) == 3
    assert {k: body[k] for k in expected} == expected
    assert {d["date"]: d["comment"] for d in body["days"]}["2026-11-16"] == '"autre"'
    assert expected["overwrites"][0]["lost"]["comment"] == AWKWARD
    if not raw_sql.is_postgres():
        # SQLite's json_object writes what the models wrote before, byte for byte.
        written = {key: msgspec.json.encode(expected[key]).decode() for key in ("days", "months")}
        for key, text in written.items():
            assert f'"{key}":{text}' in response.text
        assert json.loads(response.text) == body


async def test_pages_of_a_pull_add_up_to_the_whole(alice: Member) -> None:
    """Make sure a pull in pages of 7 gives every day once, in cursor order, and the months
    only with the last page."""
    phone = Device("phone")
    dates = weekdays_of_2026()[:30]
    for date in dates:
        phone.edit(date, [(line(alice), 2)], NOW_MS)
    await push_all(phone, alice)
    fresh = Device("new")
    pulled: list[str] = []
    months_on: list[int] = []
    for page in range(10):
        request = fresh.request(limit=7)
        status, body = await transport(alice)(request)
        assert status == 200
        pulled += [d["date"] for d in body["days"]]
        if body["months"]:
            months_on.append(page)
        fresh.apply(body)
        if not body["has_more"]:
            break
    assert pulled == dates
    assert months_on == [page]  # the last page only


async def test_a_large_answer_is_gzipped_once_and_a_poll_goes_as_it_is(alice: Member) -> None:
    """Make sure the sync answer compresses itself from 1 KB (a year pull: gzip, the same
    JSON once decoded) and sends a poll's few bytes as they are, both with the API's headers."""
    phone = Device("phone")
    for date in weekdays_of_2026()[:60]:
        phone.edit(date, [(line(alice), 2)], NOW_MS)
    await push_all(phone, alice)
    fresh = Device("new")
    pulled = await alice.browser.post("/api/v1/sync", json=fresh.request(limit=MAX_PAGE))
    assert pulled.headers["content-encoding"] == "gzip"
    assert pulled.num_bytes_downloaded * 5 < len(pulled.content)
    assert len(pulled.json()["days"]) == 60
    polled = await alice.browser.post("/api/v1/sync", json=phone.request())
    assert "content-encoding" not in polled.headers
    assert polled.json()["days"] == []
    for response in (pulled, polled):
        assert response.headers["cache-control"] == "no-store"
        assert "accept-encoding" in response.headers["vary"].lower()
        assert response.headers["content-type"] == "application/json"
        assert "content-security-policy" in response.headers


async def test_a_busy_inline_read_falls_back_to_a_reader_thread(
    alice: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure that when SQLite answers "busy" to the event loop's inline read (a checkpoint,
    a recovery), the same statement runs on a reader thread and gives the same rows, in the
    statement's column order: a poll answers either way."""
    engine = t.DayEntry._meta.db
    if not isinstance(engine, PooledSQLiteEngine):
        pytest.skip("SQLite's inline reader only")
    phone = Device("phone")
    phone.edit("2026-11-16", [(line(alice), 2)], NOW_MS)
    await push_all(phone, alice)
    inline = await pull_store.poll_state(person_id=alice.id, client_id=phone.client_id)
    asked: list[str] = []

    def busy(sql: str, args: Any) -> None:
        asked.append(sql)
        return None

    monkeypatch.setattr(engine, "read_inline", busy)
    threaded = await pull_store.poll_state(person_id=alice.id, client_id=phone.client_id)
    assert asked and threaded == inline
    assert threaded.client == (alice.id, 1) and threaded.version > 0
    body = await phone.sync(transport(alice))
    assert body["days"] == [] and len(asked) >= 3  # the session and the poll went threaded


async def test_a_pushs_own_days_are_read_without_json_and_another_comes_whole(
    alice: Member,
) -> None:
    """Make sure a page told which days are the device's own (the push's version and client)
    leaves their JSON unwritten and is otherwise the page without the hint, and that a pull
    whose results do not give one of those days still sends it whole."""
    phone = Device("phone")
    dates = ["2026-11-02", "2026-11-03", "2026-11-04"]
    for date in dates:
        phone.edit(date, [(line(alice), 2)], NOW_MS, comment=AWKWARD)
    await push_all(phone, alice)
    state = await pull_store.poll_state(person_id=alice.id, client_id=phone.client_id)
    ask = {"person_id": alice.id, "since": 0, "after": None, "upto": state.version, "limit": 10}
    hinted = await pull_store.page(**ask, own=(state.version, phone.client_id))  # type: ignore[arg-type]
    whole = await pull_store.page(**ask)  # type: ignore[arg-type]
    assert [d.json for d in hinted.days] == [None] * 3
    assert all(d.json for d in whole.days)
    assert [(d.date, d.version, d.by_client) for d in hinted.days] == [
        (d.date, d.version, d.by_client) for d in whole.days
    ]
    assert (hinted.months, hinted.overwrites) == (whole.months, whole.overwrites)
    # Results giving two of the three days: the third comes whole, as without the hint.
    given = frozenset((d.date, d.version, d.by_client) for d in whole.days[:2])
    actor = Actor(
        person_id=alice.id,
        organisation_id=alice.person.organisation_id,
        roles=frozenset({Role.CONSULTANT}),
    )
    answer = await SyncService(clock=FakeClock()).pull(
        actor, None, state=state, known=Known(days=given, months=frozenset())
    )
    assert list(answer.days) == [whole.days[2].json]


def test_an_applied_days_result_is_written_as_its_model_writes_it() -> None:
    """Make sure the JSON an applied day's result is stored and sent as (`AppliedDay.json`,
    written without building a model) is byte for byte what its `MutationResult` gives, both
    as stored for a replay (``exclude_none``) and as the answer's envelope writes it."""
    rng = random.Random(12)
    alphabet = string.ascii_letters + string.digits + "_-"
    for _ in range(500):
        stamp = Hlc(
            wall_ms=rng.randrange(MAX_WALL_MS + 1),
            counter=rng.randrange(MAX_COUNTER + 1),
            node="".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 41))),
        )
        result = AppliedDay(rng.randrange(2**53), stamp.encode(), rng.randrange(2**53))
        model = result.model()
        assert result.json() == model.model_dump_json(exclude_none=True)
        assert result.json() == msgspec.json.encode(model.model_dump(mode="json")).decode()
        assert stored_json(result) == result.json()


async def test_the_push_of_an_up_to_date_device_is_answered_without_reading_its_page(
    alice: Member, statements: list[str]
) -> None:
    """Make sure a device whose cookie stood at the version its push started from gets the
    page from what the push wrote (no page read: every row of the push's version is its own),
    with the new month; and that a device behind still gets, with its push's answer, what the
    other device wrote."""
    phone, laptop = Device("phone"), Device("laptop")
    await phone.sync(transport(alice))
    await laptop.sync(transport(alice))
    for date in ["2026-11-02", "2026-11-03", "2026-11-04"]:
        phone.edit(date, [(line(alice), 2)], NOW_MS)
    statements.clear()
    body = await phone.sync(transport(alice))
    assert [r["status"] for r in body["results"]] == ["applied"] * 3
    assert not [s for s in statements if "UNION ALL" in s], statements
    assert body["days"] == [] and body["has_more"] is False
    assert [m["month"] for m in body["months"]] == ["2026-11"]
    assert body["cookie"]["v"] == body["results"][0]["version"]
    # The laptop's cookie is older than the phone's push: its page is read, and sent.
    laptop.edit("2026-11-05", [(line(alice), 1)], NOW_MS)
    statements.clear()
    body = await laptop.sync(transport(alice))
    assert [s for s in statements if "UNION ALL" in s], statements
    assert sorted(d["date"] for d in body["days"]) == ["2026-11-02", "2026-11-03", "2026-11-04"]
    assert laptop.days.keys() == phone.days.keys() | {"2026-11-05"}
