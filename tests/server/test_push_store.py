"""A push of days is one database transaction in one trip on SQLite, few on PostgreSQL (issue 12).

`server.storage.push_store` runs hand-written SQL; these tests run on SQLite and, with
CARNET_TEST_DB=postgres, on PostgreSQL, through the real app: the trips and statements a month
push costs, the rows and audit events it leaves, a replay, a rollback, and the fallback to the
ordinary push when a planned transaction is asked for what it was not given; and a month's
notification (a reaction) reading nothing its transaction already holds.
"""

import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiosqlite
import pytest

from server.commands import month_tx
from server.domain.roles import Actor, Role
from server.services import audit_log, notifications, sync_service
from server.storage import notification_store, push_store
from server.storage import tables as t
from server.storage.repositories import write_transaction
from server.storage.sqlite_pool import PooledSQLiteEngine
from sync.protocol import Mutation
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import NOVEMBER_2026_WORKDAYS, Member, World
from tests.sql_spy import spy_statements

NOW_MS = int(FakeClock()().timestamp() * 1000)

NOVEMBER = NOVEMBER_2026_WORKDAYS


@pytest.fixture
async def alice(world: World) -> Member:
    return await world.consultant_with_mission()


def line(member: Member) -> str:
    return f"mission:{member.mission.id}"  # type: ignore[attr-defined]


def transport(member: Member):  # type: ignore[no-untyped-def]
    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await member.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    return send


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[push_store.PushDone]]:
    """What each push transaction cost (a spy: the push still runs)."""
    done: list[push_store.PushDone] = []
    real = push_store.run_push

    async def spied(**kwargs: Any) -> push_store.PushDone:
        result = await real(**kwargs)
        done.append(result)
        return result

    monkeypatch.setattr(push_store, "run_push", spied)
    yield done


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_statements(monkeypatch)


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call handed to an aiosqlite connection's thread (SQLite only)."""
    sent: list[str] = []
    real: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def counted(connection: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await real(connection, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield sent


async def test_a_month_push_is_one_trip_to_the_sqlite_writer(
    alice: Member, trips: list[push_store.PushDone], hops: list[str]
) -> None:
    """Make sure a month of 21 days is written by one function on the writer's thread, and on
    PostgreSQL in one round trip per statement, with a statement count that does not grow
    with the days."""
    phone = Device("phone")
    await phone.sync(transport(alice))  # the device's first poll: its cookie
    for day in NOVEMBER:
        phone.edit(day, [(line(alice), 2)], NOW_MS)
    request = phone.request()
    hops.clear()
    response = await alice.browser.post("/api/v1/sync", json=request)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["applied"] * 21
    (done,) = trips
    # Lock (with the device's row), terms, months, days; month, days, version, device, results,
    # and the chain last (its lock on PostgreSQL, head, chain) (and BEGIN, COMMIT on SQLite).
    engine = t.SyncSpace._meta.db
    if isinstance(engine, PooledSQLiteEngine):
        assert done.trips == 1
        assert done.statements == 13
        assert hops.count("_run_group") == 1
    else:
        assert done.statements == done.trips == 12  # + the chain's advisory lock
    assert len(done.writes.new_days) == 21 and len(done.writes.new_months) == 1


async def test_a_pushed_month_is_stored_and_audited_as_before(
    alice: Member, trips: list[push_store.PushDone]
) -> None:
    """Make sure the planned push leaves the rows and the audit events the month commands
    always left: the month created, its days edited in one event, a chain that verifies."""
    phone = Device("phone")
    for day in NOVEMBER[:3]:
        phone.edit(day, [(line(alice), 2)], NOW_MS)
    await phone.sync(transport(alice))
    assert trips, "the push of days took the planned path"
    days = await t.DayEntry.select(t.DayEntry.day, t.DayEntry.by_client).where(
        t.DayEntry.consultant == alice.id
    )
    assert len(days) == 3 and {d["by_client"] for d in days} == {phone.client_id}
    (month,) = await t.Timesheet.select(t.Timesheet.id, t.Timesheet.status).where(
        t.Timesheet.consultant == alice.id
    )
    assert month["status"] == "draft"
    events = await audit_log.history(str(month["id"]))
    assert [e.event for e in events] == ["month.created", "month.days_edited"]
    created, edited = events
    assert created.actor == alice.id and created.body["device"] == phone.client_id
    assert created.body["data"] == {"consultant": alice.id, "month": "2026-11"}
    assert edited.body["data"] == {
        "days": {d: {"lines": [[line(alice), 2]], "comment": ""} for d in NOVEMBER[:3]}
    }
    [verdict] = await audit_log.verify(alice.person.organisation_id)
    assert verdict.check.ok


async def test_a_pushed_comment_is_sealed_in_the_chain_and_kept_apart(
    alice: Member, trips: list[push_store.PushDone]
) -> None:
    """Make sure the one-trip push seals a day's comment as every other append does
    (docs/privacy.md): the chain hashes a commitment, the words live in `audit_personal`, the
    history reads them back and the chain verifies."""
    phone = Device("phone")
    phone.edit(NOVEMBER[0], [(line(alice), 2)], NOW_MS, comment="rendez-vous chez le médecin")
    await phone.sync(transport(alice))
    assert trips, "the push of days took the planned path"
    [entry] = await t.AuditEntry.select(t.AuditEntry.body, t.AuditEntry.seq).where(
        t.AuditEntry.event == "month.days_edited"
    )
    assert "médecin" not in entry["body"] and "$sealed" in entry["body"]
    [kept] = await t.AuditPersonal.select(t.AuditPersonal.payload).where(
        t.AuditPersonal.seq == entry["seq"]
    )
    assert "rendez-vous chez le médecin" in kept["payload"]
    (month,) = await t.Timesheet.select(t.Timesheet.id).where(t.Timesheet.consultant == alice.id)
    [edited] = await audit_log.history(str(month["id"]), "month.days_edited")
    assert edited.body["data"]["days"][NOVEMBER[0]]["comment"] == "rendez-vous chez le médecin"
    [verdict] = await audit_log.verify(alice.person.organisation_id)
    assert verdict.check.ok


async def test_a_retried_push_replays_its_results_in_one_trip(
    alice: Member, trips: list[push_store.PushDone]
) -> None:
    """Make sure a batch sent again (its answer lost) reads its stored results and writes
    nothing but the device's row: no day, no event, no new version."""
    phone = Device("phone")
    phone.edit(NOVEMBER[0], [(line(alice), 2)], NOW_MS)
    phone.edit(NOVEMBER[1], [("absence:nope", 2)], NOW_MS)
    request = phone.request()
    first = await alice.browser.post("/api/v1/sync", json=request)
    second = await alice.browser.post("/api/v1/sync", json=request)
    assert second.json()["results"] == first.json()["results"]
    assert second.json()["cookie"]["v"] == first.json()["cookie"]["v"]
    replay = trips[-1].writes
    assert replay.new_days == [] and replay.events == [] and replay.version is None
    assert replay.outcomes == []


async def test_another_persons_device_id_is_refused_and_nothing_is_written(
    world: World, alice: Member
) -> None:
    """Make sure a client id owned by someone else is a 403 that rolls the whole push back."""
    bob = await world.person("bob", [Role.CONSULTANT], manager="marc")
    phone = Device("phone")
    phone.edit(NOVEMBER[0], [(line(alice), 2)], NOW_MS)
    await phone.sync(transport(alice))
    phone.edit(NOVEMBER[1], [(line(alice), 2)], NOW_MS)
    response = await bob.browser.post("/api/v1/sync", json=phone.request())
    assert response.status_code == 403
    assert await t.DayEntry.count().where(t.DayEntry.consultant == bob.id) == 0
    assert await t.Timesheet.count().where(t.Timesheet.consultant == bob.id) == 0


async def test_a_plan_that_needs_more_falls_back_to_the_ordinary_push(
    alice: Member, monkeypatch: pytest.MonkeyPatch, trips: list[push_store.PushDone]
) -> None:
    """Make sure a planned transaction asked for what it was not read (here: the missions'
    terms, withheld) rolls its trip back and the push runs the ordinary way, once."""
    real = month_tx.MonthTx.planned.__func__  # type: ignore[attr-defined]

    def without_terms(cls: Any, **kwargs: Any) -> month_tx.MonthTx:
        tx: month_tx.MonthTx = real(cls, **kwargs)
        tx._terms.clear()
        return tx

    monkeypatch.setattr(month_tx.MonthTx, "planned", classmethod(without_terms))
    phone = Device("phone")
    phone.edit(NOVEMBER[0], [(line(alice), 2)], NOW_MS)
    body = await phone.sync(transport(alice))
    assert [r["status"] for r in body["results"]] == ["applied"]
    assert trips == []  # the planned trip raised, and was rolled back
    assert await t.DayEntry.count().where(t.DayEntry.consultant == alice.id) == 1
    (month,) = await t.Timesheet.select(t.Timesheet.id).where(t.Timesheet.consultant == alice.id)
    events = await audit_log.history(str(month["id"]))
    assert [e.event for e in events] == ["month.created", "month.days_edited"]


async def test_a_reaction_takes_the_month_from_its_transaction(
    alice: Member, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure a month's notification, given what the month transaction holds, reads neither
    the month, the people nor the missions again, and queues the very notification it would
    have queued reading them (the second call finds its key already there)."""
    phone = Device("phone")
    phone.edit(NOVEMBER[0], [(line(alice), 2)], NOW_MS)
    await phone.sync(transport(alice))
    (month,) = await t.Timesheet.select(t.Timesheet.id).where(t.Timesheet.consultant == alice.id)
    mission = alice.mission  # type: ignore[attr-defined]
    known = notifications.KnownMonth(
        consultant_id=alice.id,
        consultant_name=alice.person.display_name,
        month="2026-11",
        epoch=0,
        step=0,
        missions=((mission.start_date, mission.end_date, mission.calendar_region),),
        recipient_organisation_id=alice.person.organisation_id,
    )

    async def read_again(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("read again what the transaction held")

    with monkeypatch.context() as patched:
        for name in ("timesheet_by_id", "person_contact", "missions_of"):
            patched.setattr(notification_store, name, read_again)
        async with write_transaction():
            queued = await notifications.notify_month_event(
                kind="sent_back",
                month_id=str(month["id"]),
                recipient_id=alice.id,
                data={"by_name": "Marc", "comment": "le 2"},
                at=clock(),
                known=known,
            )
    assert queued
    async with write_transaction():
        again = await notifications.notify_month_event(
            kind="sent_back",
            month_id=str(month["id"]),
            recipient_id=alice.id,
            data={"by_name": "Marc", "comment": "le 2"},
            at=clock(),
        )
    assert not again


def test_new_ids_are_time_ordered_version_7_uuids_in_their_canonical_text() -> None:
    """Make sure the push's ids are version-7 UUIDs (RFC 9562): the RFC variant, lower-case
    canonical text, never twice the same (even many batches within one millisecond), their
    first 48 bits the clock's milliseconds, and each batch sorted in the order it was made,
    so that a push's rows land together at the end of the id indexes."""
    before = time.time_ns() // 1_000_000
    batches = [push_store.new_ids(300) for _ in range(50)] + [
        [push_store.new_id()] for _ in range(500)
    ]
    after = time.time_ns() // 1_000_000
    made = [text for batch in batches for text in batch]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == text
        assert before <= parsed.int >> 80 <= after
    assert all(batch == sorted(batch) for batch in batches)
    assert [b[0][:13] for b in batches] == sorted(b[0][:13] for b in batches)


def test_a_transaction_hands_out_its_row_ids_in_the_order_they_sort() -> None:
    """Make sure the ids a month transaction gives its new rows (a day per pushed day) come out
    in increasing order across its blocks of ids, so each row lands after the previous one at
    the end of the id index instead of before it."""
    tx = month_tx.MonthTx(
        actor=Actor(str(uuid.uuid4()), str(uuid.uuid4()), frozenset({Role.CONSULTANT})),
        now=dt.datetime(2026, 11, 30, 18, tzinfo=dt.UTC),
        device="device-1",
    )
    blocks = [[tx.new_id() for _ in range(8)] for _ in range(4)]
    for block in blocks:
        assert block == sorted(block)
        assert len(set(block)) == len(block)


def _mutation(id_: int, name: str, args: dict[str, Any]) -> Mutation:
    return Mutation(id=id_, name=name, args=args)


@pytest.mark.parametrize(
    "batch",
    [
        pytest.param(
            [("set_day", {"date": "2026-11-02", "epoch": 0, "lines": [], "hlc": "x"})] * 3,
            id="well-formed days",
        ),
        pytest.param(
            [
                ("set_day", {"date": "2026-11-02", "epoch": 0, "lines": [], "hlc": "x"}),
                ("set_day", {"date": "2026-11-3", "epoch": -1, "lines": [], "hlc": "x"}),
                ("set_day", {"date": "2026-11-04", "epoch": 0, "lines": [], "extra": 1}),
            ],
            id="one bad day among good ones",
        ),
        pytest.param(
            [
                ("set_day", {"date": "2026-11-02", "epoch": 0, "lines": [], "hlc": "x"}),
                ("submit_month", {"month": "2026-11", "epoch": 0, "reviewed_version": 1}),
                ("no_such", {}),
            ],
            id="other mutations",
        ),
    ],
)
def test_a_batch_of_days_is_parsed_as_each_mutation_alone(
    batch: list[tuple[str, dict[str, Any]]],
) -> None:
    """Make sure validating a batch of days in one call gives each mutation the arguments, or
    the rejection naming its own fields, that validating it alone gives."""
    mutations = [_mutation(i, name, args) for i, (name, args) in enumerate(batch, start=1)]
    alone = [(m, sync_service._parse_mutation_args(m)) for m in mutations]
    assert sync_service._parse_all(mutations) == alone


async def test_a_planned_month_push_answers_byte_for_byte_as_the_ordinary_push(
    world: World,
    alice: Member,
    monkeypatch: pytest.MonkeyPatch,
    trips: list[push_store.PushDone],
    statements: list[str],
) -> None:
    """Make sure the answer of a month pushed the planned way (its pull started from what the
    trip read: the database's id, the version it committed) is, byte for byte, the answer of
    the same month pushed the ordinary way by another consultant, and reads no poll state."""
    bob = await world.person("bob", [Role.CONSULTANT], manager="marc")
    bob.mission = await world.mission("bob", await world.client())  # type: ignore[attr-defined]

    def refuse(cls: Any, **kwargs: Any) -> month_tx.MonthTx:
        raise month_tx.NotPlanned("the ordinary way, for the comparison")

    answers: list[str] = []
    for member in (alice, bob):
        phone = Device("phone")
        await phone.sync(transport(member))
        for day in NOVEMBER:
            phone.edit(day, [(line(member), 2)], NOW_MS)
        if member is bob:
            monkeypatch.setattr(month_tx.MonthTx, "planned", classmethod(refuse))
        statements.clear()
        response = await member.browser.post("/api/v1/sync", json=phone.request())
        assert response.status_code == 200, response.text
        if member is alice:
            assert not [s for s in statements if "sync_client WHERE id" in s], statements
        answers.append(response.text.replace(phone.node, "<node>"))
    assert len(trips) == 1, "alice's push was planned, bob's was not"
    planned, ordinary = answers
    assert '"months":[{"month":"2026-11"' in planned
    assert planned == ordinary
