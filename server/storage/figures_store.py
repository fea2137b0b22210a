"""Storage of the direction's figures: the per consultant-month projection and its SQL sums.

**The projection.** Counting a firm's TACE from its days means reading every day's JSON lines:
about 0.6 s for 1,000 consultants × 2 years on SQLite, too slow for a dashboard. So each
consultant-month is summarised once into `figure_month` (activity and close delays, computed by
the pure functions of `server.domain.figures_activity` and `figures_close`), `figure_mission_month`
(half-days per mission) and `figure_decision` (approvers' decisions), and the figures are SQL sums
over those rows. The projection is derived data, refreshed lazily: before a figure is read, the
consultants whose sync version (bumped in the transaction of every change of their days and
months, sync-protocol.md §3.5) differs from the version recorded in `figure_refresh` are
recomputed. A figure is therefore never staler than the request that reads it, and nothing in
the write paths had to change. Changing the organisation's figure settings forgets the recorded
versions, so everything is recomputed with the new settings on the next read.

**The sums.** Every query here groups in SQL and returns at most one row per group (month,
team, client, mission, consultant, or a delay's value for the histograms): no figure is computed
by looping over consultant-months in Python. Statements are written once for both engines;
the few differences (JSON functions, date arithmetic, UUID parameters) are in small helpers.
"""

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from server.domain.figures import Scope
from server.domain.figures_activity import ActivitySums, IdleSpan
from server.domain.figures_close import EVENTS, CloseSums
from server.domain.figures_money import RevenueSums
from server.storage import tables as t
from server.storage.repositories import write_transaction

# First key of the two-key advisory lock taken while a consultant's projection is rebuilt.
_LOCK_CLASS = 0x0F16_0E5A


def _pg() -> bool:
    return isinstance(t.FigureMonth._meta.db, PostgresEngine)


def _uuid(value: str) -> Any:
    return uuid.UUID(value) if _pg() else value


def _day(value: date) -> Any:
    return value if _pg() else value.isoformat()


def _str(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _month_of(column: str) -> str:
    """SQL: the ``YYYY-MM`` of a date column."""
    return f"to_char({column}, 'YYYY-MM')" if _pg() else f"substr({column}, 1, 7)"


def _days_between(later: str, earlier: str) -> str:
    """SQL: whole days from the date ``earlier`` to the date ``later``."""
    if _pg():
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


class _Query:
    """A statement's parameters, collected as its text is written (Piccolo's ``{}`` style)."""

    def __init__(self) -> None:
        self.args: list[Any] = []

    def p(self, value: Any) -> str:
        self.args.append(value)
        return "{}"

    def ids(self, values: Iterable[str]) -> str:
        return ", ".join(self.p(_uuid(v)) for v in values)

    def texts(self, values: Iterable[str]) -> str:
        return ", ".join(self.p(v) for v in values)


async def _rows(q: _Query, sql: str) -> list[dict[str, Any]]:
    return list(await t.FigureMonth.raw(sql, *q.args))


def _scope(q: _Query, scope: Scope, *, person: str = "p", client: str | None = "m.client") -> str:
    """SQL conditions restricting rows to ``scope`` (``person``: the consultant's alias)."""
    parts = [f"{person}.organisation = {q.p(_uuid(scope.organisation_id))}"]
    if scope.team_id:
        parts.append(f"{person}.manager = {q.p(_uuid(scope.team_id))}")
    if scope.consultant_id:
        parts.append(f"{person}.id = {q.p(_uuid(scope.consultant_id))}")
    if scope.client_id and client:
        parts.append(f"{client} = {q.p(_uuid(scope.client_id))}")
    return " AND ".join(parts)


def _cost(consultant: str, month: str) -> str:
    """SQL: the daily cost in force for a consultant's month, or NULL."""
    return (
        "(SELECT c.daily_cost_cents FROM consultant_cost c WHERE c.person = "
        f"{consultant} AND c.from_month <= {month} ORDER BY c.from_month DESC LIMIT 1)"
    )


# -- settings and daily costs ----------------------------------------------------------------


@dataclass(frozen=True)
class StoredSettings:
    foreseeable: tuple[str, ...]
    counted: tuple[str, ...]
    grace_days: int
    wait_alert_days: int
    dso_days: int


async def get_settings(organisation_id: str) -> StoredSettings | None:
    row = (
        await t.FigureSettings.select()
        .where(t.FigureSettings.organisation == organisation_id)
        .first()
    )
    if row is None:
        return None
    return StoredSettings(
        foreseeable=tuple(_json(row["foreseeable"])),
        counted=tuple(_json(row["counted"])),
        grace_days=int(row["grace_days"]),
        wait_alert_days=int(row["wait_alert_days"]),
        dso_days=int(row["dso_days"]),
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def save_settings(organisation_id: str, settings: StoredSettings) -> None:
    """Store the settings and forget the projection's versions: it is recomputed on next read."""
    values: dict[str, Any] = {
        "foreseeable": json.dumps(list(settings.foreseeable)),
        "counted": json.dumps(list(settings.counted)),
        "grace_days": settings.grace_days,
        "wait_alert_days": settings.wait_alert_days,
        "dso_days": settings.dso_days,
    }
    async with write_transaction():
        q = _Query()
        org = q.p(_uuid(organisation_id))
        await t.FigureMonth.raw(f"DELETE FROM figure_settings WHERE organisation = {org}", *q.args)
        q = _Query()
        keys = f"{q.p(_uuid(str(uuid.uuid4())))}, {q.p(_uuid(organisation_id))}"
        cells = ", ".join(q.p(v) for v in values.values())
        await t.FigureMonth.raw(
            f"INSERT INTO figure_settings (id, organisation, {', '.join(values)}) "
            f"VALUES ({keys}, {cells})",
            *q.args,
        )
        q = _Query()
        await t.FigureMonth.raw(
            "DELETE FROM figure_refresh WHERE consultant IN (SELECT id FROM person WHERE "
            f"organisation = {q.p(_uuid(organisation_id))})",
            *q.args,
        )


@dataclass(frozen=True)
class DailyCost:
    from_month: str
    daily_cost_cents: int


async def daily_costs(person_id: str) -> list[DailyCost]:
    rows = (
        await t.ConsultantCost.select(
            t.ConsultantCost.from_month, t.ConsultantCost.daily_cost_cents
        )
        .where(t.ConsultantCost.person == person_id)
        .order_by(t.ConsultantCost.from_month)
    )
    return [DailyCost(r["from_month"], int(r["daily_cost_cents"])) for r in rows]


async def set_daily_cost(
    *, person_id: str, from_month: str, daily_cost_cents: int, author_id: str, now: datetime
) -> None:
    """Record a daily cost from a month on (replacing one recorded for the same month)."""
    async with write_transaction():
        await t.ConsultantCost.delete().where(
            (t.ConsultantCost.person == person_id) & (t.ConsultantCost.from_month == from_month)
        )
        await t.ConsultantCost(
            person=person_id,
            from_month=from_month,
            daily_cost_cents=daily_cost_cents,
            recorded_by=author_id,
            created_at=now,
        ).save()
        # The projection carries each month's cost: rebuild this consultant's on next read.
        await t.FigureRefresh.delete().where(t.FigureRefresh.consultant == person_id)


# -- the projection: what is stale, what it is computed from, and writing it -----------------


@dataclass(frozen=True)
class Stale:
    """A consultant to rebuild: their sync version and their team now."""

    version: int
    team: str | None


async def stale_consultants(organisation_id: str) -> dict[str, Stale]:
    """People of the organisation whose projection is older than their sync version, or who
    changed team since (the projection keeps the team, so that scans need no join)."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT p.id AS id, COALESCE(s.version, 0) AS version, p.manager AS team FROM person p "
        "LEFT JOIN sync_space s ON s.person = p.id "
        "LEFT JOIN figure_refresh r ON r.consultant = p.id "
        f"WHERE p.organisation = {q.p(_uuid(organisation_id))} "
        "AND (r.version IS NULL OR r.version <> COALESCE(s.version, 0) "
        "OR r.team IS DISTINCT FROM p.manager)",
    )
    return {
        str(r["id"]): Stale(int(r["version"]), None if r["team"] is None else str(r["team"]))
        for r in rows
    }


@dataclass(frozen=True)
class MonthInput:
    """A stored CRA, with its total half-days per line over the month."""

    timesheet_id: str
    consultant_id: str
    month: str
    status: str
    lines: dict[str, int]


@dataclass(frozen=True)
class EventInput:
    """A recorded transition of a month, as stored (the service reads its body)."""

    timesheet_id: str
    at: str
    actor: str
    event: str
    body: dict[str, Any]


async def projection_inputs(
    consultant_ids: Sequence[str],
) -> tuple[
    list[MonthInput], list[EventInput], dict[str, tuple[str, str]], dict[str, list[DailyCost]]
]:
    """The CRAs, day-line totals, transitions, missions' regions and daily costs of some
    consultants."""
    q = _Query()
    months = await _rows(
        q,
        "SELECT id, consultant, month, status FROM timesheet "
        f"WHERE consultant IN ({q.ids(consultant_ids)})",
    )
    q = _Query()
    if _pg():
        lines_sql = (
            "SELECT d.timesheet AS ts, j->>'line' AS line, SUM((j->>'half_days')::int) AS n "
            "FROM day_entry d, json_array_elements(d.lines::json) j "
        )
    else:
        lines_sql = (
            "SELECT d.timesheet AS ts, json_extract(j.value, '$.line') AS line, "
            "SUM(json_extract(j.value, '$.half_days')) AS n "
            "FROM day_entry d, json_each(d.lines) j "
        )
    totals = await _rows(
        q, lines_sql + f"WHERE d.consultant IN ({q.ids(consultant_ids)}) GROUP BY d.timesheet, 2"
    )
    per_month: dict[str, dict[str, int]] = {}
    for row in totals:
        per_month.setdefault(str(row["ts"]), {})[str(row["line"])] = int(row["n"])
    q = _Query()
    events = await _rows(
        q,
        "SELECT a.month AS ts, a.at AS at, a.actor AS actor, a.event AS event, a.body AS body "
        "FROM audit_entry a JOIN timesheet t ON t.id = a.month "
        f"WHERE t.consultant IN ({q.ids(consultant_ids)}) "
        f"AND a.event IN ({q.texts('month.' + e for e in EVENTS)}) ORDER BY a.seq",
    )
    q = _Query()
    regions = await _rows(
        q,
        "SELECT id, calendar_region, client FROM mission "
        f"WHERE consultant IN ({q.ids(consultant_ids)})",
    )
    q = _Query()
    costs: dict[str, list[DailyCost]] = {}
    for r in await _rows(
        q,
        "SELECT person, from_month, daily_cost_cents FROM consultant_cost "
        f"WHERE person IN ({q.ids(consultant_ids)}) ORDER BY from_month",
    ):
        costs.setdefault(str(r["person"]), []).append(
            DailyCost(r["from_month"], int(r["daily_cost_cents"]))
        )
    return (
        [
            MonthInput(
                timesheet_id=str(r["id"]),
                consultant_id=str(r["consultant"]),
                month=r["month"],
                status=r["status"],
                lines=per_month.get(str(r["id"]), {}),
            )
            for r in months
        ],
        [
            EventInput(str(r["ts"]), r["at"], r["actor"], r["event"], json.loads(r["body"]))
            for r in events
        ],
        {str(r["id"]): (r["calendar_region"], str(r["client"])) for r in regions},
        costs,
    )


MONTH_COLUMNS = (
    "id",
    "timesheet",
    "consultant",
    "organisation",
    "team",
    "client",
    "month",
    "status",
    "region",
    "main_mission",
    "working",
    "billable",
    "produced",
    "available",
    "foreseeable",
    "intercontrat",
    "other_absences",
    "submitted",
    "approved",
    "signed",
    "validated",
    "on_time",
    "send_backs",
    "reopens",
    "first_time_right",
    "daily_cost",
)
MISSION_COLUMNS = (
    "id",
    "timesheet",
    "consultant",
    "organisation",
    "team",
    "month",
    "status",
    "mission",
    "client",
    "half_days",
    "daily_cost",
)
DECISION_COLUMNS = (
    "id",
    "timesheet",
    "consultant",
    "organisation",
    "team",
    "client",
    "month",
    "approver",
    "step",
    "step_kind",
    "outcome",
    "delay",
    "wait",
)
_UUID_COLUMNS = {
    "id",
    "timesheet",
    "consultant",
    "organisation",
    "team",
    "client",
    "main_mission",
    "mission",
    "approver",
}
# Rows per INSERT: well under SQLite's and asyncpg's 32,767 parameters per statement.
_BATCH_PARAMETERS = 20_000


async def _insert(table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    per_batch = max(1, _BATCH_PARAMETERS // len(columns))
    for start in range(0, len(rows), per_batch):
        q = _Query()
        values = []
        for row in rows[start : start + per_batch]:
            cells = []
            for column in columns:
                value = row.get(column) if column != "id" else str(uuid.uuid4())
                if column in _UUID_COLUMNS and value is not None:
                    value = _uuid(str(value))
                cells.append(q.p(value))
            values.append("(" + ", ".join(cells) + ")")
        await t.FigureMonth.raw(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join(values), *q.args
        )


async def replace_projection(
    *,
    versions: dict[str, Stale],
    months: Sequence[dict[str, Any]],
    missions: Sequence[dict[str, Any]],
    decisions: Sequence[dict[str, Any]],
) -> None:
    """Replace the projection rows of some consultants and record the versions they reflect."""
    ids = sorted(versions)
    async with write_transaction():
        if _pg():
            for consultant in ids:  # sorted: two rebuilds never wait on each other in a cycle
                await t.FigureMonth.raw(
                    "SELECT pg_advisory_xact_lock({}, hashtext({}))", _LOCK_CLASS, consultant
                )
        for table in ("figure_month", "figure_mission_month", "figure_decision"):
            q = _Query()
            await t.FigureMonth.raw(
                f"DELETE FROM {table} WHERE consultant IN ({q.ids(ids)})", *q.args
            )
        await _insert("figure_month", MONTH_COLUMNS, months)
        await _insert("figure_mission_month", MISSION_COLUMNS, missions)
        await _insert("figure_decision", DECISION_COLUMNS, decisions)
        q = _Query()
        await t.FigureMonth.raw(
            f"DELETE FROM figure_refresh WHERE consultant IN ({q.ids(ids)})", *q.args
        )
        await _insert(
            "figure_refresh",
            ("id", "consultant", "version", "team"),
            [
                {"consultant": c, "version": versions[c].version, "team": versions[c].team}
                for c in ids
            ],
        )


# -- activity (TACE, intercontrat), close, first-time-right -----------------------------------
#
# The projection is read grouped by month (over the period and the 11 months before it, for
# the rolling TACE), and grouped by "member" (consultant, their team, the month's client) over
# the period. One scan gives both the activity sums (of the counted consultant-months only)
# and the close counts (of all of them), so the dashboard's four figures that read
# `figure_month` share two scans. The service adds members up into the lines per consultant,
# team and client (at most a few thousand sums, never consultant-months). On SQLite these
# reads walk a covering index by organisation and month (`figure_month_sums`): a full scan of
# the rows is faster than an index on the month alone, but slower than an index holding every
# column summed (migration 2026-12-05T00:30, docs/benchmarks.md).


@dataclass(frozen=True)
class Months:
    """Which consultant-months: the first and last month, and the statuses counted."""

    first: str
    last: str
    statuses: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Member:
    """One consultant's part of a group: their team and (per row) a client or mission."""

    consultant: str
    team: str
    client: str
    mission: str = ""


def _months(q: _Query, months: Months, *, alias: str = "f") -> str:
    sql = f"{alias}.month BETWEEN {q.p(months.first)} AND {q.p(months.last)}"
    if months.statuses is not None:
        sql += f" AND {alias}.status IN ({q.texts(months.statuses)})"
    return sql


_KEYS = {
    "month": ("f.month AS month", "f.month"),
    # Ids read as text: no UUID object built per row and turned back into a string.
    "member": (
        "CAST(f.consultant AS TEXT) AS consultant, CAST(f.team AS TEXT) AS team, "
        "CAST(f.client AS TEXT) AS client",
        "f.consultant, f.team, f.client",
    ),
}


def _in_scope(q: _Query, scope: Scope, alias: str) -> str:
    """SQL conditions on a projection table, which carries organisation, team and client."""
    parts = [f"{alias}.organisation = {q.p(_uuid(scope.organisation_id))}"]
    for column, value in (
        ("team", scope.team_id),
        ("consultant", scope.consultant_id),
        ("client", scope.client_id),
    ):
        if value:
            parts.append(f"{alias}.{column} = {q.p(_uuid(value))}")
    return " AND ".join(parts)


def _from_projection(q: _Query, scope: Scope, months: Months) -> str:
    return f"FROM figure_month f WHERE {_in_scope(q, scope, 'f')} AND {_months(q, months)}"


def _member(r: dict[str, Any]) -> Member:
    return Member(_str(r["consultant"]), _str(r["team"]), _str(r["client"]))


@dataclass(frozen=True)
class Sums:
    """A group's consultant-months summed: the activity of those with a counted status (None
    when there is none, or when not read), and the close counts of all of them (histograms
    apart; None when not read)."""

    activity: ActivitySums | None
    close: CloseSums | None


_ACTIVITY = (
    "SUM(f.c) AS a_n, SUM(f.c * f.produced) AS produced, SUM(f.c * f.available) AS available, "
    "SUM(f.c * f.billable) AS billable, SUM(f.c * f.intercontrat) AS intercontrat, "
    "SUM(CASE WHEN f.daily_cost IS NULL THEN 0 ELSE f.c * f.intercontrat * f.daily_cost END) "
    "AS cost2, SUM(CASE WHEN f.daily_cost IS NULL THEN f.c * f.intercontrat ELSE 0 END) "
    "AS uncosted"
)
_CLOSE = (
    "COUNT(*) AS n, SUM(CASE WHEN f.submitted IS NULL THEN 0 ELSE 1 END) AS submitted, "
    "SUM(CASE WHEN f.on_time = 1 THEN 1 ELSE 0 END) AS on_time, SUM(f.late) AS late_open, "
    "SUM(CASE WHEN f.validated IS NULL THEN 0 ELSE 1 END) AS validated, "
    "SUM(CASE WHEN f.first_time_right = 1 THEN 1 ELSE 0 END) AS ftr, "
    "SUM(f.send_backs) AS send_backs"
)


async def sums(
    scope: Scope,
    months: Months,
    *,
    by: str,
    counted: Sequence[str] | None,
    last_due: str | None,
) -> list[tuple[Any, Sums]]:
    """Activity and close sums of the consultant-months in scope, per month (key: the month)
    or per member (key: a `Member`), in one scan.

    ``counted``: the statuses the activity counts (None: no activity sums); ``last_due``: the
    last month whose deadline has passed today (None: no close counts). A figure read alone
    asks for its part; the dashboard's summary for both, which its figures share.
    """
    q = _Query()
    select, group = _KEYS[by]
    # The subquery gives each row c = 1 if its status is counted, and late = 1 for a draft
    # past its deadline (each condition and its parameters written once).
    inner = [
        "f.month, f.consultant, f.team, f.client, f.produced, f.available, f.billable, "
        "f.intercontrat, f.daily_cost, f.submitted, f.on_time, f.validated, "
        "f.first_time_right, f.send_backs"
    ]
    outer = [select]
    if counted is not None and last_due is not None:
        inner.append(f"CASE WHEN f.status IN ({q.texts(counted)}) THEN 1 ELSE 0 END AS c")
        outer.append(_ACTIVITY)
    elif counted is not None:
        # The activity alone reads the counted months only: every row counts. (The engines
        # evaluate c in each sum that uses it: a constant costs nothing.)
        inner.append("1 AS c")
        outer.append(_ACTIVITY)
        months = replace(months, statuses=tuple(counted))
    if last_due is not None:
        inner.append(
            f"CASE WHEN f.status = 'draft' AND f.month <= {q.p(last_due)} THEN 1 ELSE 0 END "
            "AS late"
        )
        outer.append(_CLOSE)
    rows = await _rows(
        q,
        f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} "
        f"{_from_projection(q, scope, months)}) f GROUP BY {group}",
    )
    return [
        (
            r["month"] if by == "month" else _member(r),
            Sums(
                activity=ActivitySums(
                    produced=int(r["produced"] or 0),
                    available=int(r["available"] or 0),
                    billable=int(r["billable"] or 0),
                    intercontrat=int(r["intercontrat"] or 0),
                    intercontrat_cost2=int(r["cost2"] or 0),
                    intercontrat_uncosted=int(r["uncosted"] or 0),
                    months=int(r["a_n"]),
                )
                if counted is not None and r["a_n"]
                else None,
                close=CloseSums(
                    months=int(r["n"] or 0),
                    submitted=int(r["submitted"] or 0),
                    on_time=int(r["on_time"] or 0),
                    late_open=int(r["late_open"] or 0),
                    validated=int(r["validated"] or 0),
                    first_time_right=int(r["ftr"] or 0),
                    send_backs=int(r["send_backs"] or 0),
                )
                if last_due is not None
                else None,
            ),
        )
        for r in rows
    ]


Histogram = tuple[tuple[int, int], ...]


def _value_counts(
    q: _Query, *, select: str, group: str, measures: Sequence[str], source: Callable[[], str]
) -> str:
    """SQL: rows (``select``…, what, v, n): how many rows of ``source`` (its FROM and WHERE)
    have each value ``v`` of each measure (``what``: the column's name), per ``group``.

    PostgreSQL counts every measure in one scan (GROUPING SETS; the rows where the measure is
    NULL come too, with v NULL: skip them); SQLite has no grouping sets: one scan per measure.
    """

    def name(column: str) -> str:
        return column.rsplit(".", 1)[-1]

    if _pg():
        what = " ".join(f"WHEN GROUPING({m}) = 0 THEN '{name(m)}'" for m in measures)
        value = " ".join(f"WHEN GROUPING({m}) = 0 THEN {m}" for m in measures)
        sets = ", ".join(f"({group}, {m})" for m in measures)
        return (
            f"SELECT {select}, CASE {what} END AS what, CASE {value} END AS v, COUNT(*) AS n "
            f"{source()} GROUP BY GROUPING SETS ({sets})"
        )
    return " UNION ALL ".join(
        f"SELECT {select}, '{name(m)}' AS what, {m} AS v, COUNT(*) AS n {source()} "
        f"AND {m} IS NOT NULL GROUP BY {group}, {m}"
        for m in measures
    )


async def close_delays(scope: Scope, months: Months) -> dict[str, dict[str, Histogram]]:
    """Per month, the histograms (days → consultant-months) of the days from month end to
    first submission, to approval and to signature: ``{month: {"submitted": ..., ...}}``."""
    q = _Query()
    sql = _value_counts(
        q,
        select="f.month AS month",
        group="f.month",
        measures=("f.submitted", "f.approved", "f.signed"),
        source=lambda: _from_projection(q, scope, months),
    )
    found: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for r in await _rows(q, sql):
        if r["v"] is not None:
            found.setdefault(r["month"], {}).setdefault(r["what"], []).append(
                (int(r["v"]), int(r["n"]))
            )
    return {m: {w: tuple(sorted(h)) for w, h in by.items()} for m, by in found.items()}


@dataclass(frozen=True)
class DecisionCounts:
    """One approver's decisions at one step: outcomes, and histograms of wait and delay."""

    approver: str
    step: int
    step_kind: str
    approved: int
    sent_back: int
    wait: dict[int, int]
    delay: dict[int, int]


async def decisions(scope: Scope, months: Months) -> list[DecisionCounts]:
    """Approvers' decisions on the months in scope, per approver and step (one statement: a
    grouping by the wait, and one by the delay)."""
    q = _Query()
    period = Months(months.first, months.last)
    sql = _value_counts(
        q,
        select="CAST(d.approver AS TEXT) AS approver, d.step AS step, d.step_kind AS kind, "
        "d.outcome AS outcome",
        group="d.approver, d.step, d.step_kind, d.outcome",
        measures=("d.wait", "d.delay"),
        source=lambda: (
            f"FROM figure_decision d WHERE {_in_scope(q, scope, 'd')} "
            f"AND {_months(q, period, alias='d')}"
        ),
    )
    found: dict[tuple[str, int, str], list[Any]] = {}
    for r in await _rows(q, sql):
        if r["v"] is None:
            continue
        key = (_str(r["approver"]), int(r["step"]), r["kind"])
        entry = found.get(key)
        if entry is None:
            entry = found[key] = [0, 0, {}, {}]
        n, value = int(r["n"]), int(r["v"])
        if r["what"] == "wait":
            entry[2][value] = entry[2].get(value, 0) + n
            if r["outcome"] == "approved":
                entry[0] += n
            elif r["outcome"] == "sent_back":
                entry[1] += n
        else:
            entry[3][value] = entry[3].get(value, 0) + n
    return [DecisionCounts(*key, *entry) for key, entry in found.items()]


async def send_backs(scope: Scope, months: Months) -> dict[str, tuple[int, int]]:
    """Per approver: (approvals, send-backs) on the months in scope."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT CAST(d.approver AS TEXT) AS approver, "
        "SUM(CASE WHEN d.outcome = 'approved' THEN 1 ELSE 0 END) AS approved, "
        "SUM(CASE WHEN d.outcome = 'sent_back' THEN 1 ELSE 0 END) AS sent_back "
        f"FROM figure_decision d WHERE {_in_scope(q, scope, 'd')} "
        f"AND {_months(q, Months(months.first, months.last), alias='d')} GROUP BY d.approver",
    )
    return {_str(r["approver"]): (int(r["approved"]), int(r["sent_back"])) for r in rows}


@dataclass(frozen=True)
class OpenMonth:
    """A CRA still moving in its circuit or not handed in: whose move it is, since when."""

    consultant_id: str
    month: str
    status: str
    waiting_on_id: str | None
    since: datetime


async def open_months(scope: Scope, *, first: str, last_due: str) -> list[OpenMonth]:
    """CRAs from ``first`` on that are drafts up to ``last_due``, or in the circuit, or sent
    back (the service decides which are late)."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT t.consultant AS consultant, t.month AS month, t.status AS status, "
        "t.waiting_on AS waiting_on, t.updated_at AS since FROM timesheet t "
        f"JOIN person p ON p.id = t.consultant WHERE {_scope(q, scope, client=None)} "
        f"AND p.active AND t.month >= {q.p(first)} AND ((t.status = 'draft' AND t.month <= "
        f"{q.p(last_due)}) OR t.status IN ('submitted', 'in_validation', 'sent_back')) "
        "ORDER BY t.month, t.consultant",
    )
    return [
        OpenMonth(
            consultant_id=str(r["consultant"]),
            month=r["month"],
            status=r["status"],
            waiting_on_id=None if r["waiting_on"] is None else str(r["waiting_on"]),
            since=r["since"] if isinstance(r["since"], datetime) else _parse_instant(r["since"]),
        )
        for r in rows
    ]


def _parse_instant(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


async def never_opened(scope: Scope, *, month: str, created_before: datetime) -> list[str]:
    """Active consultants in scope with no CRA at all for ``month`` (created before it ended)."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT p.id AS id FROM person p JOIN person_role r ON r.person = p.id "
        f"AND r.role = 'consultant' WHERE {_scope(q, scope, client=None)} AND p.active "
        f"AND p.created_at < {q.p(created_before)} AND NOT EXISTS (SELECT 1 FROM timesheet t "
        f"WHERE t.consultant = p.id AND t.month = {q.p(month)}) ORDER BY p.id",
    )
    return [str(r["id"]) for r in rows]


# -- between missions ------------------------------------------------------------------------


async def idle_consultants(scope: Scope, *, today: date) -> list[IdleSpan]:
    """Active consultants in scope with no mission running today."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT p.id AS id, p.created_at AS joined, "
        f"(SELECT MAX(m.end_date) FROM mission m WHERE m.consultant = p.id AND m.end_date < "
        f"{q.p(_day(today))}) AS last_end, "
        f"(SELECT MIN(m.start_date) FROM mission m WHERE m.consultant = p.id AND m.start_date > "
        f"{q.p(_day(today))}) AS next_start "
        "FROM person p JOIN person_role r ON r.person = p.id AND r.role = 'consultant' "
        f"WHERE {_scope(q, scope, client=None)} AND p.active AND NOT EXISTS (SELECT 1 FROM "
        f"mission m WHERE m.consultant = p.id AND m.start_date <= {q.p(_day(today))} AND "
        f"(m.end_date IS NULL OR m.end_date >= {q.p(_day(today))}))",
    )
    return [
        IdleSpan(
            consultant_id=str(r["id"]),
            last_end=None if r["last_end"] is None else _as_date(r["last_end"]),
            joined=_as_date(r["joined"]),
            next_start=None if r["next_start"] is None else _as_date(r["next_start"]),
        )
        for r in rows
    ]


async def missions_ending(
    scope: Scope, *, today: date, until: date
) -> list[tuple[str, str, date, bool]]:
    """Missions in scope ending from ``today`` to ``until``, with whether a next one exists."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT m.id AS id, m.consultant AS consultant, m.end_date AS end_date, "
        "CASE WHEN EXISTS (SELECT 1 FROM mission n WHERE n.consultant = m.consultant AND "
        "n.start_date > m.end_date) THEN 1 ELSE 0 END AS follow_on "
        f"FROM mission m JOIN person p ON p.id = m.consultant WHERE {_scope(q, scope)} "
        f"AND m.end_date >= {q.p(_day(today))} AND m.end_date <= {q.p(_day(until))}",
    )
    return [
        (str(r["id"]), str(r["consultant"]), _as_date(r["end_date"]), bool(r["follow_on"]))
        for r in rows
    ]


# -- revenue and margin ----------------------------------------------------------------------


async def revenue(scope: Scope, months: Months, *, by: str) -> list[tuple[Any, RevenueSums]]:
    """Revenue and cost sums of the consultant-months in scope, per month (key: the month) or
    per member (key: a `Member` with its mission and the mission's client)."""
    q = _Query()
    regie = "CASE WHEN m.billing_mode IN ('regie', 'regie_capped') THEN 1 ELSE 0 END"
    costed = "CASE WHEN mm.daily_cost IS NULL THEN 0 ELSE mm.half_days END"
    if by == "month":
        value = f"{regie} * mm.half_days * COALESCE(m.daily_rate_cents, 0)"
        days = await _rows(
            q,
            f"SELECT mm.month AS month, SUM({value}) AS revenue2, "
            f"SUM(CASE WHEN mm.daily_cost IS NULL THEN 0 ELSE {value} END) AS cr2, "
            "SUM(CASE WHEN mm.daily_cost IS NULL THEN 0 ELSE mm.half_days * mm.daily_cost END) "
            f"AS cost2, SUM(mm.half_days) AS hd, SUM({costed}) AS chd "
            "FROM figure_mission_month mm JOIN mission m ON m.id = mm.mission "
            f"WHERE {_in_scope(q, scope, 'mm')} AND {_months(q, months, alias='mm')} "
            "GROUP BY mm.month",
        )
    else:
        # A member is one mission: its rate multiplies the member's summed half-days, so the
        # projection is summed first and the missions joined to those sums, not to each row.
        rate = f"{regie} * COALESCE(m.daily_rate_cents, 0)"
        days = await _rows(
            q,
            "SELECT CAST(x.consultant AS TEXT) AS consultant, CAST(x.team AS TEXT) AS team, "
            "CAST(x.client AS TEXT) AS client, CAST(x.mission AS TEXT) AS mission, "
            f"{rate} * x.hd AS revenue2, {rate} * x.chd AS cr2, x.cost2 AS cost2, x.hd AS hd, "
            "x.chd AS chd FROM (SELECT mm.consultant AS consultant, mm.team AS team, "
            "mm.client AS client, mm.mission AS mission, SUM(mm.half_days) AS hd, "
            f"SUM({costed}) AS chd, SUM(CASE WHEN mm.daily_cost IS NULL THEN 0 "
            "ELSE mm.half_days * mm.daily_cost END) AS cost2 FROM figure_mission_month mm "
            f"WHERE {_in_scope(q, scope, 'mm')} AND {_months(q, months, alias='mm')} "
            "GROUP BY mm.consultant, mm.team, mm.client, mm.mission) x "
            "JOIN mission m ON m.id = x.mission",
        )
    q = _Query()
    delivered = _month_of("md.delivered_on")
    if by == "month":
        select, group = f"{delivered} AS month", delivered
    else:
        select = (
            "m.consultant AS consultant, p.manager AS team, m.client AS client, m.id AS mission"
        )
        group = "m.consultant, p.manager, m.client, m.id"
    milestones = await _rows(
        q,
        f"SELECT {select}, SUM(ms.amount_cents) AS amount, "
        f"SUM(CASE WHEN {_cost('m.consultant', delivered)} IS NULL THEN 0 "
        "ELSE ms.amount_cents END) AS costed FROM milestone_delivery md "
        "JOIN milestone ms ON ms.id = md.milestone JOIN mission m ON m.id = ms.mission "
        f"JOIN person p ON p.id = m.consultant WHERE {_scope(q, scope)} "
        f"AND {delivered} BETWEEN {q.p(months.first)} AND {q.p(months.last)} GROUP BY {group}",
    )

    def key(r: dict[str, Any]) -> Any:
        if by == "month":
            return r["month"]
        return Member(
            _str(r["consultant"]), _str(r["team"]), _str(r["client"]), _str(r["mission"])
        )

    found: dict[Any, dict[str, int]] = {}
    for r in days:
        found[key(r)] = {
            "revenue2": int(r["revenue2"] or 0),
            "costed_revenue2": int(r["cr2"] or 0),
            "cost2": int(r["cost2"] or 0),
            "half_days": int(r["hd"] or 0),
            "costed_half_days": int(r["chd"] or 0),
        }
    for r in milestones:
        entry = found.setdefault(key(r), {})
        entry["milestones_cents"] = int(r["amount"] or 0)
        entry["costed_milestones_cents"] = int(r["costed"] or 0)
    return [(k, RevenueSums(**v)) for k, v in found.items()]


# -- billing, cash and DSO -------------------------------------------------------------------


async def billing_delays(
    organisation_id: str, *, first: date, last: date, client_id: str | None
) -> tuple[dict[str, dict[int, int]], dict[str, dict[int, int]], dict[str, tuple[int, int, int]]]:
    """Per CRA month (the invoiced period's month): histograms of days to issue and to full
    payment, and (invoices, gross cents, cents received)."""
    q = _Query()
    where = (
        f"i.organisation = {q.p(_uuid(organisation_id))} AND i.kind = 'invoice' "
        f"AND i.issued_on IS NOT NULL AND i.period_end BETWEEN {q.p(_day(first))} AND "
        f"{q.p(_day(last))}"
    )
    if client_id:
        where += f" AND i.client = {q.p(_uuid(client_id))}"
    month = _month_of("i.period_end")
    paid_on = "(SELECT MAX(pay.paid_on) FROM payment pay WHERE pay.invoice = i.id)"
    sql = (
        f"SELECT 'issue' AS what, {month} AS k, {_days_between('i.issued_on', 'i.period_end')} "
        f"AS v, COUNT(*) AS n, 0 AS gross, 0 AS paid FROM invoice i WHERE {where} GROUP BY 2, 3 "
        f"UNION ALL SELECT 'paid', {month}, {_days_between(paid_on, 'i.period_end')}, COUNT(*), "
        f"0, 0 FROM invoice i WHERE {where} AND i.status = 'paid' GROUP BY 2, 3 "
        f"UNION ALL SELECT 'amount', {month}, 0, COUNT(*), SUM(i.gross_cents), "
        f"SUM(i.paid_cents) FROM invoice i WHERE {where} GROUP BY 2"
    )
    # The WHERE clause appears three times: its parameters too.
    q.args = q.args * 3
    issue: dict[str, dict[int, int]] = {}
    paid: dict[str, dict[int, int]] = {}
    amounts: dict[str, tuple[int, int, int]] = {}
    for r in await _rows(q, sql):
        k, n = r["k"], int(r["n"])
        if r["what"] == "issue":
            issue.setdefault(k, {})[int(r["v"])] = n
        elif r["what"] == "paid":
            paid.setdefault(k, {})[int(r["v"])] = n
        else:
            amounts[k] = (n, int(r["gross"] or 0), int(r["paid"] or 0))
    return issue, paid, amounts


async def receivables_flows(
    organisation_id: str, *, until: date, client_id: str | None
) -> tuple[dict[date, int], dict[date, int]]:
    """Gross cents issued per day (credit notes negative) and cents received per day."""
    # Parameters in the order their marks appear: the client's condition comes last.
    q = _Query()
    where = (
        f"i.organisation = {q.p(_uuid(organisation_id))} AND i.issued_on IS NOT NULL "
        f"AND i.issued_on <= {q.p(_day(until))}"
    )
    if client_id:
        where += f" AND i.client = {q.p(_uuid(client_id))}"
    issued = await _rows(
        q,
        "SELECT i.issued_on AS d, SUM(CASE WHEN i.kind = 'credit_note' THEN -i.gross_cents "
        f"ELSE i.gross_cents END) AS v FROM invoice i WHERE {where} GROUP BY i.issued_on",
    )
    q = _Query()
    where = f"i.organisation = {q.p(_uuid(organisation_id))} AND pay.paid_on <= {q.p(_day(until))}"
    if client_id:
        where += f" AND i.client = {q.p(_uuid(client_id))}"
    paid = await _rows(
        q,
        "SELECT pay.paid_on AS d, SUM(pay.amount_cents) AS v FROM payment pay "
        f"JOIN invoice i ON i.id = pay.invoice WHERE {where} GROUP BY pay.paid_on",
    )
    return (
        {_as_date(r["d"]): int(r["v"] or 0) for r in issued},
        {_as_date(r["d"]): int(r["v"] or 0) for r in paid},
    )


async def waiting_cash(
    scope: Scope, *, last_closed: str, first: str
) -> dict[str, tuple[int, int]]:
    """Months over but not billable yet, per stage: (months, Σ half-days × TJM)."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT x.stage AS stage, COUNT(*) AS n, SUM(x.value2) AS v FROM (SELECT "
        "CASE WHEN f.status IN ('draft', 'sent_back') THEN 'consultant' "
        "WHEN EXISTS (SELECT 1 FROM person_role r WHERE r.person = t.waiting_on "
        "AND r.role = 'client_signer') THEN 'client' ELSE 'manager' END AS stage, "
        "COALESCE((SELECT SUM(mm.half_days * mi.daily_rate_cents) FROM figure_mission_month mm "
        "JOIN mission mi ON mi.id = mm.mission WHERE mm.timesheet = f.timesheet "
        "AND mi.billing_mode IN ('regie', 'regie_capped')), 0) AS value2 "
        "FROM figure_month f JOIN timesheet t ON t.id = f.timesheet "
        f"WHERE {_in_scope(q, scope, 'f')} "
        f"AND f.month BETWEEN {q.p(first)} AND {q.p(last_closed)} "
        "AND f.status IN ('draft', 'sent_back', 'submitted', 'in_validation')) x "
        "GROUP BY x.stage",
    )
    return {r["stage"]: (int(r["n"]), int(r["v"] or 0)) for r in rows}


async def pre_invoices(organisation_id: str, *, client_id: str | None) -> tuple[int, int]:
    """Pre-invoices drafted and not issued: how many, and their net cents."""
    q = _Query()
    where = f"organisation = {q.p(_uuid(organisation_id))} AND status = 'draft'"
    if client_id:
        where += f" AND client = {q.p(_uuid(client_id))}"
    rows = await _rows(
        q,
        f"SELECT COUNT(*) AS n, SUM(net_cents) AS v FROM invoice WHERE {where} "
        "AND kind = 'invoice'",
    )
    return int(rows[0]["n"] or 0), int(rows[0]["v"] or 0)


# -- the consultant-months behind a number ---------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    """One consultant-month of the projection, with what the drill-down shows."""

    consultant_id: str
    month: str
    status: str
    main_mission_id: str | None
    client_id: str | None
    team_id: str | None
    values: dict[str, int | None]


async def consultant_months(scope: Scope, months: Months, *, limit: int) -> list[MonthRow]:
    """The consultant-months in scope, oldest month first then by consultant."""
    q = _Query()
    rows = await _rows(
        q,
        "SELECT f.*, "
        "f.daily_cost AS cost, COALESCE((SELECT SUM(mm.half_days * "
        "mi.daily_rate_cents) FROM figure_mission_month mm JOIN mission mi ON mi.id = mm.mission "
        "WHERE mm.timesheet = f.timesheet AND mi.billing_mode IN ('regie', 'regie_capped')), 0) "
        "AS revenue2 FROM figure_month f JOIN person p ON p.id = f.consultant "
        f"WHERE {_in_scope(q, scope, 'f')} AND {_months(q, months)} "
        f"ORDER BY f.month, p.display_name, f.consultant LIMIT {q.p(limit)}",
    )
    keep = (
        "working",
        "billable",
        "produced",
        "available",
        "foreseeable",
        "intercontrat",
        "other_absences",
        "submitted",
        "approved",
        "signed",
        "validated",
        "on_time",
        "send_backs",
        "reopens",
        "first_time_right",
        "cost",
        "revenue2",
    )
    return [
        MonthRow(
            consultant_id=str(r["consultant"]),
            month=r["month"],
            status=r["status"],
            main_mission_id=None if r["main_mission"] is None else str(r["main_mission"]),
            client_id=None if r["client"] is None else str(r["client"]),
            team_id=None if r["team"] is None else str(r["team"]),
            values={k: None if r[k] is None else int(r[k]) for k in keep},
        )
        for r in rows
    ]


# -- names -----------------------------------------------------------------------------------


async def names(organisation_id: str) -> dict[str, str]:
    """Display names of the organisation's people, clients and missions, by id."""
    q = _Query()
    org = _uuid(organisation_id)
    rows = await _rows(
        q,
        "SELECT CAST(id AS TEXT) AS id, display_name AS name FROM person "
        f"WHERE organisation = {q.p(org)} UNION ALL SELECT CAST(id AS TEXT), legal_name "
        f"FROM client_company WHERE organisation = {q.p(org)} "
        f"UNION ALL SELECT CAST(id AS TEXT), title FROM mission WHERE organisation = {q.p(org)}",
    )
    return {str(r["id"]): r["name"] for r in rows}


async def mission_clients(organisation_id: str) -> dict[str, str]:
    """Mission id → client id, for the organisation."""
    rows = await t.Mission.select(t.Mission.id, t.Mission.client).where(
        t.Mission.organisation == organisation_id
    )
    return {str(r["id"]): str(r["client"]) for r in rows}
