"""Storage of leave: requests, balance adjustments, the firm's policy, and CRA absence days."""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from server.domain.model import LeaveStatus
from server.storage import tables as t
from server.storage.repositories import _date, _json


@dataclass(frozen=True)
class RequestRow:
    """One leave request as stored. ``filled`` lists what its approval wrote, per day:
    ``{"date": "YYYY-MM-DD", "before": [[line, half], ...], "after": [[line, half], ...]}``."""

    id: str
    organisation_id: str
    consultant_id: str
    kind: str
    first_day: date
    last_day: date
    first_afternoon: bool
    last_morning: bool
    comment: str
    status: LeaveStatus
    reason: str
    filled: tuple[dict[str, Any], ...]
    decided_by: str | None
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class AdjustmentRow:
    id: str
    consultant_id: str
    kind: str
    opening: bool
    on_day: date
    half_days: int
    reason: str
    author_id: str | None
    created_at: datetime
    notice: bool = False
    """Not an amount: ``on_day`` the person was informed of their carried paid leave."""


def _request(row: dict[str, Any]) -> RequestRow:
    return RequestRow(
        id=str(row["id"]),
        organisation_id=str(row["organisation"]),
        consultant_id=str(row["consultant"]),
        kind=row["kind"],
        first_day=_date(row["first_day"]),
        last_day=_date(row["last_day"]),
        first_afternoon=bool(row["first_afternoon"]),
        last_morning=bool(row["last_morning"]),
        comment=row["comment"],
        status=row["status"],
        reason=row["reason"],
        filled=tuple(_json(row["filled"]) or ()),
        decided_by=None if row["decided_by"] is None else str(row["decided_by"]),
        created_at=row["created_at"],
        decided_at=row["decided_at"],
    )


async def insert_request(row: RequestRow) -> None:
    await t.LeaveRequest.insert(
        t.LeaveRequest(
            id=uuid.UUID(row.id),
            organisation=row.organisation_id,
            consultant=row.consultant_id,
            kind=row.kind,
            first_day=row.first_day,
            last_day=row.last_day,
            first_afternoon=row.first_afternoon,
            last_morning=row.last_morning,
            comment=row.comment,
            status=row.status,
            reason=row.reason,
            filled=json.dumps(list(row.filled)),
            created_at=row.created_at,
        )
    )


async def get_request(request_id: str) -> RequestRow | None:
    try:
        key = uuid.UUID(request_id)
    except ValueError:
        return None
    row = await t.LeaveRequest.select().where(t.LeaveRequest.id == key).first()
    return None if row is None else _request(row)


async def update_request(
    *,
    request_id: str,
    status: str,
    reason: str,
    filled: Iterable[dict[str, Any]],
    decided_by: str | None,
    at: datetime,
    from_status: str,
) -> bool:
    """Write a decision on a request still in ``from_status``; False when it is not (decided
    or cancelled meanwhile). The UPDATE checks the status itself, so an approval and a
    cancellation racing on PostgreSQL cannot both win."""
    done = await (
        t.LeaveRequest.update(
            {
                t.LeaveRequest.status: status,
                t.LeaveRequest.reason: reason,
                t.LeaveRequest.filled: json.dumps(list(filled)),
                t.LeaveRequest.decided_by: decided_by,
                t.LeaveRequest.decided_at: at,
            }
        )
        .where(
            (t.LeaveRequest.id == uuid.UUID(request_id)) & (t.LeaveRequest.status == from_status)
        )
        .returning(t.LeaveRequest.id)
    )
    return bool(done)


async def requests_of(
    consultant_ids: Iterable[str], *, statuses: Iterable[str] | None = None
) -> list[RequestRow]:
    ids = [uuid.UUID(i) for i in consultant_ids]
    if not ids:
        return []
    query = t.LeaveRequest.select().where(t.LeaveRequest.consultant.is_in(ids))
    if statuses is not None:
        query = query.where(t.LeaveRequest.status.is_in(list(statuses)))
    rows = await query
    return sorted(
        (_request(r) for r in rows), key=lambda r: (r.first_day, r.created_at, r.id), reverse=True
    )


async def insert_adjustment(
    *,
    organisation_id: str,
    consultant_id: str,
    kind: str,
    opening: bool,
    on_day: date,
    half_days: int,
    reason: str,
    author_id: str,
    at: datetime,
    notice: bool = False,
) -> str:
    new_id = uuid.uuid4()
    await t.LeaveAdjustment.insert(
        t.LeaveAdjustment(
            id=new_id,
            organisation=organisation_id,
            consultant=consultant_id,
            kind=kind,
            opening=opening,
            on_day=on_day,
            half_days=half_days,
            reason=reason,
            author=author_id,
            created_at=at,
            notice=notice,
        )
    )
    return str(new_id)


async def adjustments_of(consultant_id: str) -> list[AdjustmentRow]:
    rows = await t.LeaveAdjustment.select().where(
        t.LeaveAdjustment.consultant == uuid.UUID(consultant_id)
    )
    return sorted(
        (
            AdjustmentRow(
                id=str(r["id"]),
                consultant_id=str(r["consultant"]),
                kind=r["kind"],
                opening=bool(r["opening"]),
                on_day=_date(r["on_day"]),
                half_days=int(r["half_days"]),
                reason=r["reason"],
                author_id=None if r["author"] is None else str(r["author"]),
                created_at=r["created_at"],
                notice=bool(r["notice"]),
            )
            for r in rows
        ),
        key=lambda a: (a.on_day, a.created_at, a.id),
    )


_POLICY_FIELDS = (
    "unit",
    "period_month",
    "period_day",
    "rtt_mode",
    "rtt_half_days_per_year",
    "rtt_weekly_minutes",
    "rtt_year_month",
)


async def get_settings(organisation_id: str) -> dict[str, Any] | None:
    row = (
        await t.LeaveSettings.select()
        .where(t.LeaveSettings.organisation == uuid.UUID(organisation_id))
        .first()
    )
    return None if row is None else {name: row[name] for name in _POLICY_FIELDS}


async def put_settings(organisation_id: str, values: dict[str, Any]) -> None:
    key = uuid.UUID(organisation_id)
    exists = await t.LeaveSettings.exists().where(t.LeaveSettings.organisation == key)
    if exists:
        await t.LeaveSettings.update(
            {getattr(t.LeaveSettings, name): values[name] for name in _POLICY_FIELDS}
        ).where(t.LeaveSettings.organisation == key)
    else:
        await t.LeaveSettings.insert(
            t.LeaveSettings(organisation=key, **{name: values[name] for name in _POLICY_FIELDS})
        )


async def absence_days(
    consultant_id: str, *, first: date, last: date
) -> dict[date, tuple[tuple[str, int], ...]]:
    """The consultant's CRA days from ``first`` to ``last`` holding an absence line."""
    rows = await t.DayEntry.select(t.DayEntry.day, t.DayEntry.lines).where(
        (t.DayEntry.consultant == uuid.UUID(consultant_id))
        & (t.DayEntry.day >= first)
        & (t.DayEntry.day <= last)
    )
    out: dict[date, tuple[tuple[str, int], ...]] = {}
    for row in rows:
        lines = tuple((v["line"], int(v["half_days"])) for v in _json(row["lines"]) or ())
        if any(line.startswith("absence:") for line, _ in lines):
            out[_date(row["day"])] = lines
    return out
