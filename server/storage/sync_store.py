"""Storage for sync: the consultant's version lock, devices, stored results, days and months.

Every function here runs inside the caller's transaction (`write_transaction` for pushes).
The consultant's version row is the lock that makes version order equal commit order: on
PostgreSQL a `SELECT … FOR UPDATE`, on SQLite the `BEGIN IMMEDIATE` of the transaction itself.
"""

import json
import secrets
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from piccolo.engine.postgres import PostgresEngine

from server.storage import tables as t
from server.storage.repositories import _date, _json


@dataclass(frozen=True)
class MonthRow:
    id: str
    month: str
    status: str
    epoch: int
    version: int
    step: int = 0
    waiting_on_id: str | None = None


class DayRow(NamedTuple):
    """A stored day. A tuple rather than a frozen dataclass: as immutable, and built in a
    third of the time (a push builds one per day it writes, a pull one per day it reads)."""

    id: str
    timesheet_id: str
    date: date
    lines: tuple[tuple[str, int], ...]
    comment: str
    hlc: str
    version: int
    by_client: str


def _is_postgres() -> bool:
    return isinstance(t.SyncSpace._meta.db, PostgresEngine)


async def server_id() -> str:
    """This database's id, created on first use (concurrent creators agree on one row)."""
    row = await t.ServerIdentity.select(t.ServerIdentity.id).first()
    if row is not None:
        return str(row["id"])
    await t.ServerIdentity.insert(t.ServerIdentity(id=secrets.token_hex(8))).on_conflict(
        action="DO NOTHING"
    )
    row = await t.ServerIdentity.select(t.ServerIdentity.id).first()
    assert row is not None
    return str(row["id"])


async def lock_space(person_id: str) -> int:
    """Take the consultant's write lock and return their current version."""
    await t.SyncSpace.insert(t.SyncSpace(person=person_id, version=0)).on_conflict(
        target=t.SyncSpace.person, action="DO NOTHING"
    )
    if _is_postgres():
        rows = await t.SyncSpace.raw(
            "SELECT version FROM sync_space WHERE person = {} FOR UPDATE", uuid.UUID(person_id)
        )
    else:
        rows = await t.SyncSpace.select(t.SyncSpace.version).where(t.SyncSpace.person == person_id)
    return int(rows[0]["version"])


async def set_space_version(person_id: str, version: int) -> None:
    await t.SyncSpace.update({t.SyncSpace.version: version}).where(t.SyncSpace.person == person_id)


async def get_client(client_id: str) -> tuple[str, int] | None:
    row = (
        await t.SyncClient.select(t.SyncClient.person, t.SyncClient.last_mutation_id)
        .where(t.SyncClient.id == client_id)
        .first()
    )
    return None if row is None else (str(row["person"]), int(row["last_mutation_id"]))


async def create_client(*, client_id: str, person_id: str, now: datetime) -> None:
    await t.SyncClient.insert(
        t.SyncClient(id=uuid.UUID(client_id), person=person_id, last_seen_at=now)
    )


async def update_client(*, client_id: str, last_mutation_id: int, now: datetime) -> None:
    await t.SyncClient.update(
        {t.SyncClient.last_mutation_id: last_mutation_id, t.SyncClient.last_seen_at: now}
    ).where(t.SyncClient.id == client_id)


OUTCOME_LAST = "COALESCE(last_mutation_id, mutation_id)"
"""The last mutation id a `mutation_outcome` row covers (NULL in rows kept one per mutation,
before 2026-12-05T21:10)."""

OUTCOMES_READ = (
    "SELECT mutation_id, body FROM mutation_outcome "
    f"WHERE client = ? AND mutation_id <= ? AND {OUTCOME_LAST} >= ?"
)
"""The rows that may hold a replay's results: the device's rows overlapping [lowest, highest]
of the ids it sent again (a range of the index on (client, mutation_id))."""

OUTCOME_INSERT = (
    "INSERT INTO mutation_outcome (id, key, client, mutation_id, last_mutation_id, body) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)

OUTCOMES_PRUNE = (
    f"DELETE FROM mutation_outcome WHERE client = ? AND mutation_id <= ? AND {OUTCOME_LAST} <= ?"
)
"""The device's rows it acknowledged whole (a batch acknowledged in part is kept for the rest);
``mutation_id <= through`` follows from the last test and bounds the index's range."""


class OutcomeRow(NamedTuple):
    """A batch's results as the `mutation_outcome` row that keeps them (less its id and
    client, which each engine sends in its own type)."""

    key: str
    first: int
    last: int
    body: str


def outcome_row(client_id: str, results: Sequence[tuple[int, str]]) -> OutcomeRow:
    """The one row that keeps a batch's results, given as ``(mutation id, result's JSON
    text)`` (each result carries its ``id``). One row per batch rather than one per mutation:
    fewer rows and index entries per push (docs/benchmarks.md, issue 12). The texts are joined
    as they are, not decoded again. The key names the first id: a device's ids only grow, so
    no other batch starts there."""
    first = min(m for m, _ in results)
    return OutcomeRow(
        key=f"{client_id}:{first}",
        first=first,
        last=max(m for m, _ in results),
        body="[" + ",".join(text for _, text in results) + "]",
    )


def replayed_outcomes(
    rows: Iterable[Any], mutation_ids: Collection[int]
) -> dict[int, dict[str, Any]]:
    """The stored results of ``mutation_ids``, from `OUTCOMES_READ`'s rows: a batch's row holds
    a list of results (each with its ``id``), a row kept before 2026-12-05T21:10 one result,
    that of its ``mutation_id``. A row's other results (mutations not sent again) are left."""
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        body = _json(row["body"])
        if isinstance(body, list):
            found.update((int(r["id"]), r) for r in body if int(r["id"]) in mutation_ids)
        elif int(row["mutation_id"]) in mutation_ids:
            found[int(row["mutation_id"])] = body
    return found


async def outcomes(client_id: str, mutation_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The stored results of the mutations a device sent again (`OUTCOMES_READ`)."""
    if not mutation_ids:
        return {}
    rows = await t.MutationOutcome.raw(
        _piccolo_marks(OUTCOMES_READ), uuid.UUID(client_id), max(mutation_ids), min(mutation_ids)
    )
    return replayed_outcomes(rows, set(mutation_ids))


async def store_outcomes(client_id: str, results: Sequence[tuple[int, str]]) -> None:
    """Keep a batch's results, ``(mutation id, result's JSON text)``, in its one row
    (`outcome_row`)."""
    if not results:
        return
    row = outcome_row(client_id, results)
    await t.MutationOutcome.raw(
        _piccolo_marks(OUTCOME_INSERT), uuid.uuid4(), row.key, uuid.UUID(client_id), *row[1:]
    )


async def prune_outcomes(client_id: str, through: int) -> None:
    """Forget the batches the device has acknowledged receiving whole (`OUTCOMES_PRUNE`)."""
    if through > 0:
        await t.MutationOutcome.raw(
            _piccolo_marks(OUTCOMES_PRUNE), uuid.UUID(client_id), through, through
        )


def _piccolo_marks(sql: str) -> str:
    """A statement written with ``?`` marks (as `push_store` runs it) in Piccolo's ``{}``."""
    return sql.replace("?", "{}")


def _month_row(row: dict[str, Any]) -> MonthRow:
    return MonthRow(
        id=str(row["id"]),
        month=row["month"],
        status=row["status"],
        epoch=int(row["epoch"]),
        version=int(row["version"]),
        step=int(row.get("step") or 0),
        waiting_on_id=None if row.get("waiting_on") is None else str(row["waiting_on"]),
    )


async def months_of(person_id: str, months: Iterable[str]) -> dict[str, MonthRow]:
    wanted = sorted(set(months))
    if not wanted:
        return {}
    rows = await t.Timesheet.select(
        t.Timesheet.id,
        t.Timesheet.month,
        t.Timesheet.status,
        t.Timesheet.epoch,
        t.Timesheet.version,
        t.Timesheet.step,
        t.Timesheet.waiting_on,
    ).where((t.Timesheet.consultant == person_id) & t.Timesheet.month.is_in(wanted))
    return {r["month"]: _month_row(r) for r in rows}


async def create_month(*, person_id: str, month: str, version: int) -> MonthRow:
    row = t.Timesheet(consultant=person_id, month=month, status="draft", version=version)
    await row.save()
    return MonthRow(id=str(row.id), month=month, status="draft", epoch=0, version=version)


async def update_month(
    *,
    timesheet_id: str,
    status: str,
    epoch: int,
    version: int,
    now: datetime,
    step: int = 0,
    waiting_on_id: str | None = None,
) -> None:
    await t.Timesheet.update(
        {
            t.Timesheet.status: status,
            t.Timesheet.epoch: epoch,
            t.Timesheet.version: version,
            t.Timesheet.step: step,
            t.Timesheet.waiting_on: waiting_on_id,
            t.Timesheet.updated_at: now,
        }
    ).where(t.Timesheet.id == timesheet_id)


def _day_row(row: dict[str, Any]) -> DayRow:
    # Positional, in DayRow's field order: a named tuple built through keywords costs about
    # three times as much, and a re-push or a pull builds one per day it reads.
    day = row["day"]
    return DayRow(
        str(row["id"]),
        str(row["timesheet"]),
        day if isinstance(day, date) else date.fromisoformat(day),
        _lines_of(row["lines"]),
        row["comment"],
        row["hlc"],
        int(row["version"]),
        row["by_client"],
    )


_LINES_READ: dict[str, tuple[tuple[str, int], ...]] = {}
"""Stored ``lines`` texts already decoded: a consultant's days mostly repeat a few (one mission,
a full day), and the decoded lines are an immutable tuple, safe to share between rows."""

_LINES_READ_MAX = 4096


def _lines_of(stored: Any) -> tuple[tuple[str, int], ...]:
    if not isinstance(stored, str):  # a driver that decodes JSON columns itself
        return tuple([(line["line"], int(line["half_days"])) for line in stored])
    lines = _LINES_READ.get(stored)
    if lines is None:
        lines = tuple([(line["line"], int(line["half_days"])) for line in json.loads(stored)])
        if len(_LINES_READ) >= _LINES_READ_MAX:
            _LINES_READ.clear()
        _LINES_READ[stored] = lines
    return lines


_DAY_COLUMNS = (
    t.DayEntry.id,
    t.DayEntry.timesheet,
    t.DayEntry.day,
    t.DayEntry.lines,
    t.DayEntry.comment,
    t.DayEntry.hlc,
    t.DayEntry.version,
    t.DayEntry.by_client,
)


async def days_of(person_id: str, dates: Iterable[date]) -> dict[date, DayRow]:
    wanted = sorted(set(dates))
    if not wanted:
        return {}
    rows = await t.DayEntry.select(*_DAY_COLUMNS).where(
        (t.DayEntry.consultant == person_id) & t.DayEntry.day.is_in(wanted)
    )
    return {(d := _day_row(r)).date: d for r in rows}


def _lines_json(lines: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"line": line, "half_days": half_days} for line, half_days in lines]


_INSERT_DAY = (
    "INSERT INTO day_entry (id, timesheet, consultant, day, lines, comment, hlc, version, "
    "by_client, updated_at) VALUES ({})"
)


async def insert_days(person_id: str, rows: Sequence[DayRow], now: datetime) -> None:
    """Insert new days (their ids made by the caller) in one ``executemany`` on the open
    transaction's connection: the hot path of a push, without building a query per row."""
    if not rows:
        return
    transaction = t.DayEntry._meta.db.current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_days runs inside write_transaction()")
    person = uuid.UUID(person_id)
    values = [
        (
            uuid.UUID(r.id),
            uuid.UUID(r.timesheet_id),
            person,
            r.date,
            json.dumps(_lines_json(r.lines)),
            r.comment,
            r.hlc,
            r.version,
            r.by_client,
            now,
        )
        for r in rows
    ]
    if _is_postgres():
        sql = _INSERT_DAY.format(", ".join(f"${i}" for i in range(1, 11)))
    else:
        # Piccolo's sqlite3 adapters (registered globally) store UUIDs, dates and times as
        # its own queries do.
        sql = _INSERT_DAY.format(", ".join("?" * 10))
    await transaction.connection.executemany(sql, values)


async def update_day(row: DayRow, now: datetime) -> None:
    await t.DayEntry.update(
        {
            t.DayEntry.lines: _lines_json(row.lines),
            t.DayEntry.comment: row.comment,
            t.DayEntry.hlc: row.hlc,
            t.DayEntry.version: row.version,
            t.DayEntry.by_client: row.by_client,
            t.DayEntry.updated_at: now,
        }
    ).where(t.DayEntry.id == row.id)


async def record_overwrites(
    person_id: str, rows: Sequence[tuple[DayRow, str, int]], now: datetime
) -> None:
    """Keep each replaced value with who replaced it, at which version."""
    if rows:
        await t.DayOverwrite.insert(
            *[
                t.DayOverwrite(
                    consultant=person_id,
                    day=lost.date,
                    lost=day_payload(lost),
                    by_client=by_client,
                    version=version,
                    created_at=now,
                )
                for lost, by_client, version in rows
            ]
        )


def day_payload(row: DayRow) -> dict[str, Any]:
    return {
        "date": row.date.isoformat(),
        "lines": _lines_json(row.lines),
        "comment": row.comment,
        "hlc": row.hlc,
        "version": row.version,
        "by_client": row.by_client,
    }


async def latest_foreign_version(
    *, person_id: str, first: date, last: date, client_id: str
) -> int:
    """Highest version at which a day of the month was written by another device."""
    rows = await t.DayEntry.select(t.DayEntry.version).where(
        (t.DayEntry.consultant == person_id)
        & (t.DayEntry.day >= first)
        & (t.DayEntry.day <= last)
        & (t.DayEntry.by_client != client_id)
    )
    return max((int(r["version"]) for r in rows), default=0)


# -- pull, through Piccolo ---------------------------------------------------------------------
# The sync endpoint reads through `server.storage.pull_store` (hand-written, rows as wire JSON);
# these readers give the same rows as objects: the tests' reference for what a pull must hold.


async def changed_days(
    *, person_id: str, since: int, after: tuple[int, date] | None, upto: int, limit: int
) -> list[DayRow]:
    """Days changed after `since` (or after the `after` key) up to `upto`, in cursor order.

    Rows above `upto` belong to transactions not yet visible in the version we report, so they
    wait for the next pull; versions are assigned under the lock, so none is ever skipped.
    """
    where = (
        (t.DayEntry.consultant == person_id)
        & (t.DayEntry.version > since)
        & (t.DayEntry.version <= upto)
    )
    if after is not None:
        after_version, after_date = after
        where &= (t.DayEntry.version > after_version) | (
            (t.DayEntry.version == after_version) & (t.DayEntry.day > after_date)
        )
    rows = (
        await t.DayEntry.select(*_DAY_COLUMNS)
        .where(where)
        .order_by(t.DayEntry.version, t.DayEntry.day)
        .limit(limit)
    )
    return [_day_row(r) for r in rows]


async def changed_months(*, person_id: str, since: int, upto: int) -> list[MonthRow]:
    rows = (
        await t.Timesheet.select(
            t.Timesheet.id,
            t.Timesheet.month,
            t.Timesheet.status,
            t.Timesheet.epoch,
            t.Timesheet.version,
        )
        .where(
            (t.Timesheet.consultant == person_id)
            & (t.Timesheet.version > since)
            & (t.Timesheet.version <= upto)
        )
        .order_by(t.Timesheet.month)
    )
    return [_month_row(r) for r in rows]


async def overwrites_since(*, person_id: str, since: int, upto: int) -> list[dict[str, Any]]:
    rows = (
        await t.DayOverwrite.select(
            t.DayOverwrite.day,
            t.DayOverwrite.lost,
            t.DayOverwrite.by_client,
            t.DayOverwrite.version,
        )
        .where(
            (t.DayOverwrite.consultant == person_id)
            & (t.DayOverwrite.version > since)
            & (t.DayOverwrite.version <= upto)
        )
        .order_by(t.DayOverwrite.version)
    )
    return [
        {
            "date": _date(r["day"]).isoformat(),
            "lost": _json(r["lost"]),
            "by_client": r["by_client"],
            "version": int(r["version"]),
        }
        for r in rows
    ]
