"""A device's push as one database transaction in as few trips as it needs (issue 12, hot path).

A push of days (a month at the close, a year from a new phone) is the sync server's hot path.
Run through Piccolo it cost about twenty statements, each built by the query builder and, on
SQLite, each a hop to the connection's thread and back (docs/benchmarks.md). Here the whole
transaction is one plan of hand-written statements:

1. take the consultant's version lock and read what the batch needs: the space's version and
   the device's row (in the lock's own statement), the stored results of replayed mutations,
   the missions' terms, the batch's months and days;
2. hand those reads to ``decide`` (the month commands, run by the caller on what was read: they
   write nothing, they say what to write);
3. write what it returned: new months, new and changed days (``executemany``, ids made by the
   caller, nothing read back), kept overwrites, month moves, the new version, the device's row
   and the batch's results, and last the audit events chained on the organisation's head in
   one insert (last, so the chain's lock is held as briefly as it can be); then commit.

The batch's results are kept in ONE `mutation_outcome` row (a JSON list covering its first to
its last mutation id), not a row per mutation: a month push inserted 21 rows and their entries
in the table's four b-trees, 4.6 µs of SQLite's writer each, about 8 % of its CPU per push
(docs/benchmarks.md, issue 12). A retry reads the rows overlapping the ids it sent again and
keeps those ids' results; the device's acknowledgement deletes a row once all of it is
acknowledged. The row's shape is `sync_store.outcome_row` and `sync_store.replayed_outcomes`,
shared with the ordinary push.

The plan is a generator of statements, so both engines run the same SQL in the same order:

- SQLite: the whole plan runs as ONE function on the writer connection's thread, from
  ``BEGIN IMMEDIATE`` to ``COMMIT`` (one hop; ``decide`` runs there too, between the reads and
  the writes); pushes that queued for the writer meanwhile share that transaction, each in its
  own savepoint, and its one commit (`sqlite_pool.PooledSQLiteEngine.write_grouped`); rows
  go through ``executemany`` (multi-row ``INSERT … VALUES (…), (…)`` statements were tried
  and cost the trip about 15 % more CPU in the server, docs/benchmarks.md);
- PostgreSQL: each statement is one round trip over the transaction's asyncpg connection
  (``executemany`` for the rows), ``FOR UPDATE``-free: the version row's upsert takes its lock.

Anything raised (by a statement or by ``decide``) rolls the push's writes back. Tested on
both engines in tests/server/test_push_store.py.
"""

import json
import os
import time
import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import convert_datetime_in

from server.domain import audit
from server.storage import tables as t
from server.storage.repositories import _date, _json, write_transaction
from server.storage.sqlite_pool import PooledSQLiteEngine
from server.storage.sync_store import (
    OUTCOME_INSERT,
    OUTCOMES_PRUNE,
    OUTCOMES_READ,
    DayRow,
    MonthRow,
    _day_row,
    _lines_json,
    _month_row,
    day_payload,
    outcome_row,
    replayed_outcomes,
)
from sync.calendar import CalendarRegion
from sync.rules import AbsenceType, MissionTerms


@dataclass(frozen=True)
class PushReads:
    """What the transaction read under the lock, for ``decide``."""

    server_id: str | None
    """The database's id (None until `sync_store.server_id` first makes it)."""
    base_version: int
    client: tuple[str, int] | None
    """The device's row: its owner and last processed mutation id (None: a new device)."""
    replayed: dict[int, dict[str, Any]]
    """Stored results of the batch's mutations the device had already sent."""
    terms: dict[str, MissionTerms]
    months: dict[str, MonthRow]
    days: dict[date, DayRow]


@dataclass(frozen=True)
class ChainEvent:
    """An audit event to append to its organisation's chain."""

    organisation_id: str
    month_id: str | None
    event: audit.Event


@dataclass
class PushWrites:
    """What ``decide`` says to write, in this order."""

    new_months: list[MonthRow] = field(default_factory=list)
    new_days: list[DayRow] = field(default_factory=list)
    updated_days: list[DayRow] = field(default_factory=list)
    overwrites: list[tuple[DayRow, str, int]] = field(default_factory=list)
    moved_months: list[MonthRow] = field(default_factory=list)
    events: list[ChainEvent] = field(default_factory=list)
    version: int | None = None
    """The space's new version, if anything changed."""
    outcomes: list[tuple[int, str]] = field(default_factory=list)
    """Each processed mutation's id and result, as JSON text: kept in one row for the batch
    (`sync_store.outcome_row`)."""
    last_mutation_id: int = 0
    prune_through: int = 0


@dataclass(frozen=True)
class PushDone:
    """What the transaction did: the writes, and what it cost in statements and trips."""

    writes: PushWrites
    statements: int
    trips: int


Decide = Callable[[PushReads], PushWrites]


# A statement: ("rows", sql, args) returns the rows; ("many", sql, rows) runs once per row.
Statement = tuple[str, str, Sequence[Any]]
Plan = Generator[Statement, Any, PushWrites]


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def _text(value: str) -> str:
    # SQLite stores a UUID as its canonical text (Piccolo's adapter is `str`); our ids are
    # canonical already (made by `str(uuid4())` or read back), so they go as they are.
    return value


def _ids(postgres: bool) -> Callable[[str], Any]:
    """How an id is sent: a UUID to asyncpg, its text to SQLite."""
    return _uuid if postgres else _text


_VARIANT = "89ab89ab89ab89ab"
"""The RFC 9562 variant nibble (binary 10xx) for each random nibble, by its value."""


def new_id() -> str:
    """A new id: a version-7 UUID's text (`new_ids`)."""
    return new_ids(1)[0]


def new_ids(count: int) -> list[str]:
    """``count`` new version-7 UUIDs (RFC 9562 §5.7) as text, from one clock read and one
    draw of random bytes.

    Time-ordered, so that the rows a push inserts land at the right-hand edge of each table's
    id index instead of on a random leaf page each: with random ids every day, result and audit
    event of a push dirtied a page of its own in each id index, written to the WAL at the
    commit and again at the checkpoint (docs/benchmarks.md, issue 12). The 12 bits after the
    version count up within the batch (the RFC's fixed-length counter, method 1), so one
    push's ids sort in the order they were made; 62 random bits keep them unguessable.
    """
    stamp = f"{time.time_ns() // 1_000_000:012x}"
    head = f"{stamp[:8]}-{stamp[8:12]}-7"
    h = os.urandom(8 * count).hex()
    return [
        f"{head}{n & 0xFFF:03x}-{_VARIANT[int(h[i], 16)]}{h[i + 1 : i + 4]}-{h[i + 4 : i + 16]}"
        for n, i in enumerate(range(0, 16 * count, 16))
    ]


def _fresh(postgres: bool) -> Callable[[], Any]:
    """How a new row's id is made: a UUID for asyncpg, its text for SQLite."""
    return (lambda: uuid.UUID(new_id())) if postgres else new_id


def _many_fresh(postgres: bool) -> Callable[[int], list[Any]]:
    """How ``count`` new rows' ids are made: UUIDs for asyncpg, their text for SQLite (one
    draw of random bytes for them all)."""
    if postgres:
        return lambda count: [uuid.UUID(text) for text in new_ids(count)]
    return new_ids


def _stamp(now: datetime, postgres: bool) -> Any:
    """The write time as sent: asyncpg takes the datetime; for SQLite it is converted once, as
    Piccolo's registered adapter would convert it for every row."""
    return now if postgres else convert_datetime_in(now)


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"1", "true", "t"}
    return bool(value)


def _plan(
    *,
    person_id: str,
    client_id: str,
    mutation_ids: Sequence[int],
    months: Sequence[str],
    dates: Sequence[date],
    now: datetime,
    postgres: bool,
    decide: Decide,
) -> Plan:
    """The push's statements, in order; see the module docstring."""
    ident = _ids(postgres)
    person = ident(str(_uuid(person_id)))
    client = ident(str(_uuid(client_id)))
    # The version lock: on PostgreSQL the upsert locks the row until the transaction ends (as
    # SELECT … FOR UPDATE would); on SQLite the transaction's BEGIN IMMEDIATE holds the lock.
    # The database's id and the device's row come with it (one statement, not three): the pull
    # that answers the push needs the first, the batch the second. The device's row is read
    # under the lock, as a statement of its own would read it.
    rows = yield (
        "rows",
        "INSERT INTO sync_space (id, person, version) VALUES (?, ?, 0) "
        "ON CONFLICT (person) DO UPDATE SET version = sync_space.version "
        "RETURNING version, (SELECT id FROM server_identity LIMIT 1) AS sid, "
        "(SELECT person FROM sync_client WHERE id = ?) AS client_person, "
        "(SELECT last_mutation_id FROM sync_client WHERE id = ?) AS client_last",
        (_fresh(postgres)(), person, client, client),
    )
    base_version = int(rows[0]["version"])
    server_id = None if rows[0]["sid"] is None else str(rows[0]["sid"])
    owner = rows[0]["client_person"]
    known_client = None if owner is None else (str(owner), int(rows[0]["client_last"]))
    last = known_client[1] if known_client else 0
    replayed: dict[int, dict[str, Any]] = {}
    seen = [m for m in mutation_ids if m <= last]
    if seen and known_client is not None and known_client[0] == person_id:
        rows = yield ("rows", OUTCOMES_READ, (client, max(seen), min(seen)))
        replayed = replayed_outcomes(rows, set(seen))
    rows = yield (
        "rows",
        "SELECT id, start_date, end_date, allowed_absences, comments_required, calendar_region "
        "FROM mission WHERE consultant = ?",
        (person,),
    )
    terms = {
        str(r["id"]): MissionTerms(
            id=str(r["id"]),
            start=_date(r["start_date"]),
            end=None if r["end_date"] is None else _date(r["end_date"]),
            allowed_absences=frozenset(AbsenceType(a) for a in _json(r["allowed_absences"])),
            comments_required=_bool(r["comments_required"]),
            region=CalendarRegion(r["calendar_region"]),
        )
        for r in rows
    }
    found_months: dict[str, MonthRow] = {}
    wanted_months = sorted(set(months))
    if wanted_months:
        rows = yield (
            "rows",
            "SELECT id, month, status, epoch, version, step, waiting_on FROM timesheet "
            f"WHERE consultant = ? AND month IN ({_marks(wanted_months)})",
            (person, *wanted_months),
        )
        found_months = {r["month"]: _month_row(dict(r)) for r in rows}
    found_days: dict[date, DayRow] = {}
    wanted_days = sorted(set(dates))
    if wanted_days:
        rows = yield (
            "rows",
            "SELECT id, timesheet, day, lines, comment, hlc, version, by_client FROM day_entry "
            f"WHERE consultant = ? AND day IN ({_marks(wanted_days)})",
            (person, *(wanted_days if postgres else [d.isoformat() for d in wanted_days])),
        )
        found_days = {(d := _day_row(dict(r))).date: d for r in rows}
    writes = decide(
        PushReads(
            server_id=server_id,
            base_version=base_version,
            client=known_client,
            replayed=replayed,
            terms=terms,
            months=found_months,
            days=found_days,
        )
    )
    yield from _write(
        person_id=person_id,
        client_id=client_id,
        known=known_client,
        now=now,
        postgres=postgres,
        writes=writes,
    )
    return writes


def _write(
    *,
    person_id: str,
    client_id: str,
    known: tuple[str, int] | None,
    now: datetime,
    postgres: bool,
    writes: PushWrites,
) -> Generator[Statement, Any, None]:
    ident = _ids(postgres)
    fresh = _fresh(postgres)
    ids = _many_fresh(postgres)
    person = ident(str(_uuid(person_id)))
    client = ident(str(_uuid(client_id)))
    at = _stamp(now, postgres)
    lines_text = _lines_texts()
    if writes.new_months:
        yield (
            "many",
            "INSERT INTO timesheet (id, consultant, month, status, step, waiting_on, epoch, "
            "version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    ident(m.id),
                    person,
                    m.month,
                    m.status,
                    m.step,
                    None if m.waiting_on_id is None else ident(m.waiting_on_id),
                    m.epoch,
                    m.version,
                    at,
                )
                for m in writes.new_months
            ],
        )
    if writes.new_days:
        yield (
            "many",
            "INSERT INTO day_entry (id, timesheet, consultant, day, lines, comment, hlc, version, "
            "by_client, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _day_values(writes.new_days, person=person, at=at, postgres=postgres, text=lines_text),
        )
    if writes.updated_days:
        yield (
            "many",
            "UPDATE day_entry SET lines = ?, comment = ?, hlc = ?, version = ?, by_client = ?, "
            "updated_at = ? WHERE id = ?",
            [
                (
                    lines_text(d.lines),
                    d.comment,
                    d.hlc,
                    d.version,
                    d.by_client,
                    at,
                    _uuid(d.id) if postgres else d.id,
                )
                for d in writes.updated_days
            ],
        )
    if writes.overwrites:
        yield (
            "many",
            "INSERT INTO day_overwrite (id, consultant, day, lost, by_client, version, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    fresh(),
                    person,
                    lost.date,
                    json.dumps(day_payload(lost)),
                    by_client,
                    version,
                    at,
                )
                for lost, by_client, version in writes.overwrites
            ],
        )
    if writes.moved_months:
        yield (
            "many",
            "UPDATE timesheet SET status = ?, epoch = ?, version = ?, step = ?, waiting_on = ?, "
            "updated_at = ? WHERE id = ?",
            [
                (
                    m.status,
                    m.epoch,
                    m.version,
                    m.step,
                    None if m.waiting_on_id is None else ident(m.waiting_on_id),
                    at,
                    ident(m.id),
                )
                for m in writes.moved_months
            ],
        )
    if writes.version is not None:
        yield (
            "many",
            "UPDATE sync_space SET version = ? WHERE person = ?",
            [(writes.version, person)],
        )
    # The device's row before its results (they reference it).
    if known is None:
        yield (
            "many",
            "INSERT INTO sync_client (id, person, last_mutation_id, last_seen_at) "
            "VALUES (?, ?, ?, ?)",
            [(client, person, writes.last_mutation_id, at)],
        )
    else:
        yield (
            "many",
            "UPDATE sync_client SET last_mutation_id = ?, last_seen_at = ? WHERE id = ?",
            [(writes.last_mutation_id, at, client)],
        )
    if writes.outcomes:
        # The batch's results in one row (`sync_store.outcome_row`), not one row per mutation.
        row = outcome_row(client_id, writes.outcomes)
        yield ("many", OUTCOME_INSERT, [(fresh(), row.key, client, *row[1:])])
    if writes.prune_through > 0:
        # Through the index on (client, mutation_id) (migration 2026-12-05T15:35): without it
        # this read every device's kept results.
        through = writes.prune_through
        yield ("many", OUTCOMES_PRUNE, [(client, through, through)])
    # The audit chain last: on PostgreSQL its per-organisation lock is held from the head's read
    # to COMMIT, and every push of the firm waits on it; taken last, it is held only for the
    # chain's own statements. Nothing written above depends on the chain, and the chain's rows
    # reference only the months written above.
    runs: list[list[ChainEvent]] = []
    for event in writes.events:
        if runs and runs[-1][0].organisation_id == event.organisation_id:
            runs[-1].append(event)
        else:
            runs.append([event])
    for run in runs:
        organisation = ident(run[0].organisation_id)
        if postgres:
            # The chain's lock, as `audit_store.lock_chain` takes it.
            yield (
                "rows",
                "SELECT pg_advisory_xact_lock(?, hashtext(?))",
                (_AUDIT_LOCK_CLASS, run[0].organisation_id),
            )
        rows = yield (
            "rows",
            "SELECT seq, hash FROM audit_entry WHERE organisation = ? ORDER BY seq DESC LIMIT 1",
            (organisation,),
        )
        links = audit.append_many(
            head_seq=int(rows[0]["seq"]) if rows else 0,
            head_hash=rows[0]["hash"] if rows else audit.GENESIS_HASH,
            events=[e.event for e in run],
        )
        yield (
            "many",
            "INSERT INTO audit_entry (id, organisation, seq, at, actor, event, subject, month, "
            "body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    key,
                    organisation,
                    link.seq,
                    link.at,
                    link.actor,
                    link.event,
                    link.subject,
                    None if e.month_id is None else ident(e.month_id),
                    link.body_json,
                    link.prev_hash,
                    link.hash,
                )
                for key, link, e in zip(ids(len(links)), links, run, strict=True)
            ],
        )
        personal = [
            (
                fresh(),
                organisation,
                link.seq,
                f"{run[0].organisation_id}:{link.seq}",
                link.salt,
                audit.canonical_json(link.personal).decode("utf-8"),
            )
            for link in links
            if link.personal and link.salt is not None
        ]
        if personal:
            # Sealed personal values (a day's comment), apart from the chain: docs/privacy.md.
            yield (
                "many",
                "INSERT INTO audit_personal (id, organisation, seq, key, salt, payload) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                personal,
            )


def _lines_texts() -> Callable[[tuple[tuple[str, int], ...]], str]:
    """A day's lines as the JSON text stored, each distinct value written once per push (a
    month's days mostly hold the same line)."""
    written: dict[tuple[tuple[str, int], ...], str] = {}

    def text(lines: tuple[tuple[str, int], ...]) -> str:
        found = written.get(lines)
        if found is None:
            found = written[lines] = json.dumps(_lines_json(lines))
        return found

    return text


def _day_values(
    days: Sequence[DayRow],
    *,
    person: Any,
    at: Any,
    postgres: bool,
    text: Callable[[tuple[tuple[str, int], ...]], str],
) -> list[tuple[Any, ...]]:
    """The ``day_entry`` rows to insert, for either engine: asyncpg takes UUIDs and dates;
    SQLite takes the ids as they are (canonical text already) and the date as its ISO text,
    as Piccolo's adapter would write it, without a call per id and an adapter per date (a
    push inserts a row per day)."""
    return [
        (
            _uuid(d.id) if postgres else d.id,
            _uuid(d.timesheet_id) if postgres else d.timesheet_id,
            person,
            d.date if postgres else d.date.isoformat(),
            text(d.lines),
            d.comment,
            d.hlc,
            d.version,
            d.by_client,
            at,
        )
        for d in days
    ]


_AUDIT_LOCK_CLASS = 0x0CA2_0A0D
"""The first key of the audit chain's advisory lock (as in `audit_store`)."""


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


_PG_SQL: dict[str, str] = {}


def _postgres_sql(sql: str) -> str:
    """The statement with PostgreSQL's numbered parameters (none of ours holds a literal ?)."""
    converted = _PG_SQL.get(sql)
    if converted is None:
        parts = sql.split("?")
        converted = parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], start=1))
        if len(_PG_SQL) < 1000:
            _PG_SQL[sql] = converted
    return converted


class NotInsideTransaction(RuntimeError):
    """`run_push` opens its own transaction: it must not run inside another one."""


async def run_push(
    *,
    person_id: str,
    client_id: str,
    mutation_ids: Sequence[int],
    months: Sequence[str],
    dates: Sequence[date],
    now: datetime,
    decide: Decide,
) -> PushDone:
    """Run the push's transaction (module docstring) and commit it; ``decide`` is called once,
    with the reads, and returns the writes."""
    engine = t.SyncSpace._meta.db
    if engine.current_transaction.get() is not None:
        raise NotInsideTransaction("a push is a transaction of its own")
    postgres = isinstance(engine, PostgresEngine)

    def plan() -> Plan:
        return _plan(
            person_id=person_id,
            client_id=client_id,
            mutation_ids=mutation_ids,
            months=months,
            dates=dates,
            now=now,
            postgres=postgres,
            decide=decide,
        )

    if isinstance(engine, PooledSQLiteEngine):
        # The whole transaction is one function on the writer's thread (one hop), committed
        # with the other pushes waiting for the writer (group commit, `sqlite_pool`).
        return await engine.write_grouped(lambda connection: _run_sqlite(connection, plan))
    async with write_transaction():
        transaction = engine.current_transaction.get()
        assert transaction is not None
        return await _run_async(transaction.connection, plan(), postgres=postgres)


def _run_sqlite(connection: Any, plan: Callable[[], Plan]) -> PushDone:
    """The plan on the writer's thread (sqlite3, synchronous), inside the transaction
    `write_grouped` opened; its BEGIN and COMMIT count as the push's own statements."""
    statements = 0
    steps = plan()
    reply: Any = None
    while True:
        try:
            kind, sql, args = steps.send(reply)
        except StopIteration as done:
            writes: PushWrites = done.value
            break
        statements += 1
        if kind == "rows":
            reply = connection.execute(sql, args).fetchall()
        else:
            connection.executemany(sql, args)
            reply = None
    return PushDone(writes=writes, statements=statements + 2, trips=1)


async def _run_async(connection: Any, steps: Plan, *, postgres: bool) -> PushDone:
    """The plan over the transaction's connection, one trip per statement (asyncpg, or a
    stock SQLite engine)."""
    statements = 0
    reply: Any = None
    while True:
        try:
            kind, sql, args = steps.send(reply)
        except StopIteration as done:
            writes: PushWrites = done.value
            break
        statements += 1
        if postgres:
            sql = _postgres_sql(sql)
            if kind == "rows":
                reply = await connection.fetch(sql, *args)
            else:
                await connection.executemany(sql, args)
                reply = None
        elif kind == "rows":
            async with connection.execute(sql, args) as cursor:
                reply = await cursor.fetchall()
        else:
            await connection.executemany(sql, args)
            reply = None
    return PushDone(writes=writes, statements=statements, trips=statements)
