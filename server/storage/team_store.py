"""Storage of the team board: the consultants of a scope with their month, and their filled days.

Two statements, whatever the team's size: one lists the consultants (with their CRA row when
there is one, so a consultant who never opened the month is still listed), one counts filled
and half-filled working days per consultant in SQL, from the days' JSON lines. Working days
depend on the consultant's calendar region, so the service asks the second once per region in
use (there are a handful).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from server.storage.figures_store import _day, _pg, _Query, _rows, _uuid


@dataclass(frozen=True)
class ConsultantMonth:
    """A consultant of the scope and their CRA row for the month, if any."""

    consultant_id: str
    name: str
    region: str
    status: str | None
    version: int
    waiting_on_id: str | None
    waiting_on_name: str | None


async def consultants_month(
    *, organisation_id: str, manager_id: str | None, month: str, first: date, last: date
) -> list[ConsultantMonth]:
    """Consultants of the organisation (of `manager_id`'s team when given), active or with a
    CRA that month, with the CRA's state and their calendar region (that of their first
    mission running in the month, as the month screen uses, else the organisation's)."""
    q = _Query()
    region = (
        "COALESCE((SELECT m.calendar_region FROM mission m WHERE m.consultant = p.id "
        f"AND m.start_date <= {q.p(_day(last))} AND (m.end_date IS NULL OR m.end_date >= "
        f"{q.p(_day(first))}) ORDER BY m.start_date LIMIT 1), o.calendar_region)"
    )
    # Parameters are numbered in the order they are written: keep the text's order.
    sql = (
        "SELECT p.id AS id, p.display_name AS name, t.status AS status, t.version AS version, "
        f"t.waiting_on AS waiting_on, w.display_name AS waiting_on_name, {region} AS region "
        "FROM person p JOIN person_role r ON r.person = p.id AND r.role = 'consultant' "
        "JOIN organisation o ON o.id = p.organisation "
        f"LEFT JOIN timesheet t ON t.consultant = p.id AND t.month = {q.p(month)} "
        "LEFT JOIN person w ON w.id = t.waiting_on "
    )
    where = [f"p.organisation = {q.p(_uuid(organisation_id))}"]
    if manager_id is not None:
        where.append(f"p.manager = {q.p(_uuid(manager_id))}")
    where.append("(p.active OR t.id IS NOT NULL)")
    rows = await _rows(q, sql + "WHERE " + " AND ".join(where))
    return [
        ConsultantMonth(
            consultant_id=str(r["id"]),
            name=r["name"],
            region=r["region"],
            status=r["status"],
            version=int(r["version"] or 0),
            waiting_on_id=None if r["waiting_on"] is None else str(r["waiting_on"]),
            waiting_on_name=r["waiting_on_name"],
        )
        for r in rows
    ]


async def filled_days(
    *, consultant_ids: Sequence[str], working: Iterable[date]
) -> dict[str, tuple[int, int]]:
    """Per consultant: (working days holding anything, working days holding only ½), over the
    `working` dates (of one month). Consultants with nothing filled are absent.

    Days are found by (consultant, day), the unit of merge every write path stores and the
    unique index of `day_entry`: a lookup per consultant and date, not a scan of every day
    (1.7 s for a manager's 20 consultants in the 485,000-day bench firm when it joined on the
    timesheet, which has no index on `day_entry`)."""
    dates = list(working)
    if not consultant_ids or not dates:
        return {}
    q = _Query()
    if _pg():
        total = "(SELECT SUM((j->>'half_days')::int) FROM json_array_elements(d.lines::json) j)"
    else:
        total = "(SELECT SUM(json_extract(j.value, '$.half_days')) FROM json_each(d.lines) j)"
    rows = await _rows(
        q,
        "SELECT x.consultant AS consultant, COUNT(*) AS filled, "
        "SUM(CASE WHEN x.total = 1 THEN 1 ELSE 0 END) AS half FROM ("
        f"SELECT d.consultant AS consultant, {total} AS total FROM day_entry d "
        f"WHERE d.consultant IN ({q.ids(consultant_ids)}) "
        f"AND d.day IN ({', '.join(q.p(_day(d)) for d in dates)})"
        ") x WHERE x.total > 0 GROUP BY x.consultant",
    )
    return {str(r["consultant"]): (int(r["filled"]), int(r["half"] or 0)) for r in rows}


async def clients_of(
    *, consultant_ids: Sequence[str], first: date, last: date
) -> dict[str, list[str]]:
    """Per consultant: the names of the clients of their missions running in [first, last],
    sorted (the board's client filter). Consultants between missions are absent."""
    if not consultant_ids:
        return {}
    q = _Query()
    rows = await _rows(
        q,
        "SELECT DISTINCT m.consultant AS consultant, c.legal_name AS client "
        "FROM mission m JOIN client_company c ON c.id = m.client "
        f"WHERE m.consultant IN ({q.ids(consultant_ids)}) "
        f"AND m.start_date <= {q.p(_day(last))} "
        f"AND (m.end_date IS NULL OR m.end_date >= {q.p(_day(first))})",
    )
    found: dict[str, list[str]] = {}
    for r in rows:
        found.setdefault(str(r["consultant"]), []).append(str(r["client"]))
    return {k: sorted(v) for k, v in found.items()}
