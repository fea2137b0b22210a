"""Leave requests and balances (docs/leave.md): request, cancel, approve, refuse, adjust.

The rules are `sync/leave.py`'s; this module reads and writes the facts they need. A request is
decided by the consultant's manager, the approver the validation circuit falls back to
(`server.domain.month_circuit`); a consultant with no manager has theirs decided by an
administrator of the organisation. An approval fills the CRA and a refusal or cancellation of
an approved request takes back what it filled, through `leave_grid`, inside one transaction;
each request, decision and cancellation is told to the firm's webhooks in that transaction
(``leave.requested``, ``leave.approved``, ``leave.refused``, ``leave.cancelled``,
docs/webhooks.md).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, get_args

from server.domain import model
from server.domain.access import can_see_person, ensure_role
from server.domain.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    MonthLocked,
    NotFound,
)
from server.domain.integrations import Event
from server.domain.reminders import Kind
from server.domain.roles import Actor, Role
from server.services import audit_log, leave_grid, notifications, webhooks
from server.services.clock import Clock
from server.services.terms import mission_terms
from server.storage import leave_store as store
from server.storage import repositories as repo
from server.storage.repositories import write_transaction
from sync.calendar import CalendarRegion, is_working_day, working_days
from sync.errors import InvalidDay
from sync.leave import (
    REQUESTABLE,
    WITH_BALANCE,
    Balance,
    InvalidPolicy,
    LeavePolicy,
    MonthAttendance,
    PaidLeaveLedger,
    PaidLeaveUnit,
    PeriodFacts,
    PeriodLedger,
    RttMode,
    balances,
    check_span,
    days_cost,
    grid_days,
    paid_leave_acquired,
    paid_leave_ledger,
    reference_period,
    rtt_acquired,
    rtt_year,
)
from sync.months import MonthKey, MonthStatus, is_editable
from sync.rules import AbsenceType, DayLine, MissionTerms, absence_line, validate_day

REQUESTED: Final = "requested"
APPROVED: Final = "approved"
REFUSED: Final = "refused"
CANCELLED: Final = "cancelled"
STATUSES: tuple[model.LeaveStatus, ...] = get_args(model.LeaveStatus)
MAX_REASON = 500


class LeaveMonthLocked(Conflict):
    """A month the leave covers is submitted or further: its days can no longer change."""

    code = "month_locked"


class NotPending(Conflict):
    """The request is no longer in a state this action applies to."""

    code = "not_pending"


@dataclass(frozen=True)
class RequestIn:
    id: str
    kind: str
    first_day: dt.date
    last_day: dt.date
    first_afternoon: bool
    last_morning: bool
    comment: str


@dataclass(frozen=True)
class RequestView:
    request: store.RequestRow
    consultant_name: str
    cost: int


@dataclass(frozen=True)
class AdjustmentView:
    """An opening balance or adjustment as the administrator's screen lists it."""

    adjustment: store.AdjustmentRow
    author_name: str


@dataclass(frozen=True)
class Mine:
    balances: list[Balance]
    requests: list[RequestView]
    policy: LeavePolicy
    period_start: dt.date
    period_end: dt.date
    adjustments: list[AdjustmentView]
    cp_periods: tuple[PeriodLedger, ...] = ()
    """Paid leave per reference period: taken oldest first, carried or lost (docs/leave.md)."""


# -- facts ------------------------------------------------------------------------------------


async def policy_of(organisation_id: str) -> LeavePolicy:
    values = await store.get_settings(organisation_id)
    if values is None:
        return LeavePolicy()
    return LeavePolicy(
        unit=PaidLeaveUnit(values["unit"]),
        period_month=values["period_month"],
        period_day=values["period_day"],
        rtt_mode=RttMode(values["rtt_mode"]),
        rtt_half_days_per_year=values["rtt_half_days_per_year"],
        rtt_weekly_minutes=values["rtt_weekly_minutes"],
        rtt_year_month=values["rtt_year_month"],
    )


async def set_policy(actor: Actor, policy: dict[str, Any], *, clock: Clock) -> LeavePolicy:
    """An administrator sets their organisation's leave policy (audited)."""
    ensure_role(actor, Role.ADMIN)
    try:
        # The one rule across fields: the period starts on a day every year has (not 29/2).
        dt.date(2001, policy["period_month"], policy["period_day"])
    except ValueError:
        raise _invalid(
            "period_day",
            "not_a_day_of_every_year",
            f"{policy['period_day']}/{policy['period_month']} is not a day of every year",
        ) from None
    try:
        parsed = LeavePolicy(
            unit=PaidLeaveUnit(policy["unit"]),
            period_month=policy["period_month"],
            period_day=policy["period_day"],
            rtt_mode=RttMode(policy["rtt_mode"]),
            rtt_half_days_per_year=policy["rtt_half_days_per_year"],
            rtt_weekly_minutes=policy["rtt_weekly_minutes"],
            rtt_year_month=policy["rtt_year_month"],
        )
    except InvalidPolicy as error:
        raise InvalidInput(
            str(error), errors=(FieldError("policy", "invalid_policy", str(error)),)
        ) from error
    async with write_transaction():
        await store.put_settings(actor.organisation_id, policy)
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="leave.policy_set",
            subject=f"organisation:{actor.organisation_id}",
            actor_id=actor.person_id,
            data=dict(policy),
            at=clock(),
        )
    return parsed


def _region_on(
    missions: Sequence[model.Mission], day: dt.date, default: CalendarRegion
) -> CalendarRegion:
    """The place of work's calendar: the mission running that day, else the organisation's."""
    for mission in sorted(missions, key=lambda m: (m.start_date, m.id)):
        if mission.start_date <= day and (mission.end_date is None or day <= mission.end_date):
            return CalendarRegion(mission.calendar_region)
    return default


async def _organisation_region(organisation_id: str) -> CalendarRegion:
    organisation = await repo.get_organisation(organisation_id)
    return CalendarRegion(organisation.calendar_region if organisation else "metropole")


def _span_days(row: store.RequestRow, region: CalendarRegion) -> dict[dt.date, int]:
    return grid_days(
        first=row.first_day,
        last=row.last_day,
        first_afternoon=row.first_afternoon,
        last_morning=row.last_morning,
        region=region,
    )


# -- requesting -------------------------------------------------------------------------------


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=(FieldError(field, code, message),))


async def _locked_months(consultant_id: str, days: Iterable[dt.date]) -> list[tuple[str, str]]:
    out = []
    for month in sorted({str(MonthKey.of(d)) for d in days}):
        timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=month)
        if timesheet is not None and not is_editable(MonthStatus(timesheet.status)):
            out.append((month, timesheet.status))
    return out


def _month_locked(locked: list[tuple[str, str]], *, field: str = "first_day") -> LeaveMonthLocked:
    months = ", ".join(f"{m} ({status})" for m, status in locked)
    message = f"the leave covers a month already handed in: {months}"
    return LeaveMonthLocked(message, errors=(FieldError(field, "month_locked", message),))


def _check_allowed(
    *, kind: AbsenceType, days: dict[dt.date, int], terms: dict[str, MissionTerms]
) -> None:
    """Each day could carry the absence alone: the missions running then allow the type."""
    for day, half in sorted(days.items()):
        try:
            validate_day(
                month=MonthKey.of(day),
                date=day,
                lines=[DayLine(line=absence_line(kind), half_days=half)],
                comment="",
                missions=terms,
            )
        except InvalidDay as error:
            bad = [v for v in error.violations if v.code == "absence_not_allowed"]
            if bad:
                raise _invalid("kind", "absence_not_allowed", bad[0].message) from error


async def request_leave(
    actor: Actor, data: RequestIn, *, clock: Clock, device: str | None = None
) -> store.RequestRow:
    """A consultant asks for leave. Refused (nothing stored) when the dates hold no working day,
    overlap one of their pending or approved requests, cover a month already handed in, or when
    a mission running then does not allow the type. The id is the phone's: sending the same
    request again returns the stored one."""
    ensure_role(actor, Role.CONSULTANT)
    existing = await store.get_request(data.id)
    if existing is not None:
        same = existing.consultant_id == actor.person_id and (
            existing.kind,
            existing.first_day,
            existing.last_day,
            existing.first_afternoon,
            existing.last_morning,
        ) == (data.kind, data.first_day, data.last_day, data.first_afternoon, data.last_morning)
        if same:
            return existing
        raise Conflict(
            "this request id is already used",
            errors=(FieldError("id", "id_taken", "this request id is already used"),),
        )
    if data.kind not in {k.value for k in REQUESTABLE}:
        raise _invalid(
            "kind",
            "not_requestable",
            f"{data.kind!r} is not a leave type one requests; one of "
            + ", ".join(k.value for k in REQUESTABLE),
        )
    kind = AbsenceType(data.kind)
    missions = await repo.missions_of(actor.person_id)
    region = _region_on(
        missions, data.first_day, await _organisation_region(actor.organisation_id)
    )
    problem = check_span(
        first=data.first_day,
        last=data.last_day,
        first_afternoon=data.first_afternoon,
        last_morning=data.last_morning,
        region=region,
    )
    if problem is not None:
        field = "first_day" if problem.value == "empty_single_day" else "last_day"
        if problem.value == "no_working_day":
            field = "first_day"
        raise _invalid(field, problem.value, _PROBLEM_TEXT[problem.value])
    candidate = store.RequestRow(
        id=data.id,
        organisation_id=actor.organisation_id,
        consultant_id=actor.person_id,
        kind=kind.value,
        first_day=data.first_day,
        last_day=data.last_day,
        first_afternoon=data.first_afternoon,
        last_morning=data.last_morning,
        comment=data.comment,
        status=REQUESTED,
        reason="",
        filled=(),
        decided_by=None,
        created_at=clock(),
        decided_at=None,
    )
    days = _span_days(candidate, region)
    for other in await store.requests_of([actor.person_id], statuses=(REQUESTED, APPROVED)):
        if set(_span_days(other, region)) & set(days):
            message = (
                f"these dates overlap your {other.status} request from "
                f"{other.first_day.isoformat()} to {other.last_day.isoformat()}"
            )
            raise Conflict(message, errors=(FieldError("first_day", "overlaps_request", message),))
    locked = await _locked_months(actor.person_id, days)
    if locked:
        raise _month_locked(locked)
    _check_allowed(kind=kind, days=days, terms=mission_terms(missions))
    deciders = await _deciders(actor)
    async with write_transaction():
        await store.insert_request(candidate)
        await _audit(candidate, "leave.requested", actor.person_id, candidate.created_at, device)
        for decider_id in deciders:
            await _notify(
                candidate,
                Kind.LEAVE_REQUESTED,
                recipient_id=decider_id,
                by_id=actor.person_id,
                at=candidate.created_at,
            )
        await _tell_webhooks(
            candidate, Event.LEAVE_REQUESTED, by_id=actor.person_id, at=candidate.created_at
        )
    return candidate


async def _deciders(actor: Actor) -> list[str]:
    """Who is told of a new request: the people `may_decide` lets decide it, that is the
    consultant's manager, or each active administrator of the organisation when the consultant
    has no manager (docs/leave.md). Each gets their own outbox row (the key names the
    recipient)."""
    consultant = await repo.get_person(actor.person_id)
    if consultant is None:
        return []
    if consultant.manager_id is not None:
        return [consultant.manager_id]
    return [
        p.id
        for p in await repo.list_people(actor.organisation_id)
        if p.active and Role.ADMIN in p.roles and p.id != consultant.id
    ]


async def _notify(
    row: store.RequestRow, kind: Kind, *, recipient_id: str, by_id: str, at: dt.datetime
) -> None:
    """Tell the manager a request arrived, or the consultant it was decided (docs/leave.md),
    in the caller's transaction: the notice commits, or not, with the event."""
    people = await repo.get_people({row.consultant_id, by_id})
    consultant, by = people.get(row.consultant_id), people.get(by_id)
    await notifications.notify_leave_event(
        kind=kind,
        request_id=row.id,
        organisation_id=row.organisation_id,
        recipient_id=recipient_id,
        data={
            "consultant_id": row.consultant_id,
            "consultant_name": consultant.display_name if consultant else "",
            "by_name": by.display_name if by else "",
            "leave_kind": row.kind,
            "first_day": row.first_day.isoformat(),
            "last_day": row.last_day.isoformat(),
            "first_afternoon": row.first_afternoon,
            "last_morning": row.last_morning,
            "status": row.status,
            "reason": row.reason,
        },
        at=at,
    )


async def _tell_webhooks(
    row: store.RequestRow, event: Event, *, by_id: str, at: dt.datetime
) -> None:
    """Queue ``event`` for the firm's webhooks that want it, in the caller's transaction.

    The key is the request: it is requested, approved, refused or cancelled once at most
    (approved then refused is two events), so a retried change queues nothing more. The
    payload carries what a payroll needs, in integer half-days: the working half-days the
    leave puts on the CRA and what it costs the balance in the firm's unit (the ``cost`` the
    API shows); never the consultant's comment nor a refusal's reason."""
    subscribers = await webhooks.subscribers_of(row.organisation_id, event)
    if not subscribers:
        return  # nobody listens: no lookup either
    view = (await _views([row]))[0]
    missions = await repo.missions_of(row.consultant_id)
    region = _region_on(missions, row.first_day, await _organisation_region(row.organisation_id))
    await webhooks.emit(
        organisation_id=row.organisation_id,
        event=event,
        key=row.id,
        data={
            "request_id": row.id,
            "consultant_id": row.consultant_id,
            "consultant_name": view.consultant_name,
            "kind": row.kind,
            "first_day": row.first_day.isoformat(),
            "last_day": row.last_day.isoformat(),
            "first_afternoon": row.first_afternoon,
            "last_morning": row.last_morning,
            "half_days": sum(_span_days(row, region).values()),
            "cost_half_days": view.cost,
            "status": row.status,
            "by": by_id,
        },
        month=str(MonthKey.of(row.first_day)),
        at=at,
        subscribers=subscribers,
    )


_PROBLEM_TEXT = {
    "last_before_first": "the last day comes before the first day",
    "too_long": "a request spans at most a year",
    "empty_single_day": "a single day cannot start at noon and end at noon",
    "no_working_day": "these dates hold no working day",
}


async def _audit(
    row: store.RequestRow, kind: str, actor_id: str, at: dt.datetime, device: str | None = None
) -> None:
    await audit_log.record_organisation_event(
        organisation_id=row.organisation_id,
        kind=kind,
        subject=f"leave:{row.id}",
        actor_id=actor_id,
        data={
            "consultant": row.consultant_id,
            "kind": row.kind,
            "first_day": row.first_day.isoformat(),
            "last_day": row.last_day.isoformat(),
            "first_afternoon": row.first_afternoon,
            "last_morning": row.last_morning,
            "status": row.status,
            "reason": row.reason,
            "device": device,
        },
        at=at,
    )


# -- deciding ---------------------------------------------------------------------------------


async def _visible(actor: Actor, request_id: str) -> tuple[store.RequestRow, model.Person]:
    row = await store.get_request(request_id)
    consultant = None if row is None else await repo.get_person(row.consultant_id)
    if row is None or consultant is None or not can_see_person(actor, consultant):
        raise NotFound("no such leave request")
    return row, consultant


def may_decide(actor: Actor, consultant: model.Person) -> bool:
    """The consultant's manager decides; an administrator when the consultant has none."""
    if consultant.organisation_id != actor.organisation_id or consultant.id == actor.person_id:
        return False
    if consultant.manager_id is not None:
        return actor.has(Role.MANAGER) and consultant.manager_id == actor.person_id
    return actor.has(Role.ADMIN)


async def _fill(row: store.RequestRow, now: dt.datetime) -> list[dict[str, Any]]:
    missions = await repo.missions_of(row.consultant_id)
    region = _region_on(missions, row.first_day, await _organisation_region(row.organisation_id))
    days = _span_days(row, region)
    locked = await _locked_months(row.consultant_id, days)
    if locked:
        raise _month_locked(locked)
    try:
        return await leave_grid.fill(
            consultant_id=row.consultant_id,
            line=absence_line(AbsenceType(row.kind)),
            days=days,
            missions=mission_terms(missions),
            now=now,
        )
    except MonthLocked as error:
        raise LeaveMonthLocked(
            error.message, errors=(FieldError("first_day", "month_locked", error.message),)
        ) from error


async def _unfill(row: store.RequestRow, now: dt.datetime) -> None:
    if not row.filled:
        return
    dates = [dt.date.fromisoformat(entry["date"]) for entry in row.filled]
    locked = await _locked_months(row.consultant_id, dates)
    if locked:
        raise _month_locked(locked, field="id")
    missions = await repo.missions_of(row.consultant_id)
    try:
        await leave_grid.unfill(
            consultant_id=row.consultant_id,
            filled=row.filled,
            missions=mission_terms(missions),
            now=now,
        )
    except MonthLocked as error:
        raise LeaveMonthLocked(
            error.message, errors=(FieldError("id", "month_locked", error.message),)
        ) from error


def _changed_meanwhile() -> NotPending:
    message = "the request was decided or cancelled meanwhile"
    return NotPending(message, errors=(FieldError("id", "not_pending", message),))


async def approve(actor: Actor, request_id: str, *, clock: Clock) -> store.RequestRow:
    """The consultant's manager approves a pending request: its days fill the CRA, all or
    none (409 ``month_locked`` if a month it covers was handed in since)."""
    row, consultant = await _visible(actor, request_id)
    if not may_decide(actor, consultant):
        raise Forbidden("only the consultant's manager decides on their leave")
    if row.status != REQUESTED:
        raise NotPending(
            f"the request is {row.status}",
            errors=(FieldError("id", "not_pending", f"the request is {row.status}"),),
        )
    now = clock()
    async with write_transaction():
        filled = await _fill(row, now)
        done = replace(
            row, status=APPROVED, filled=tuple(filled), decided_by=actor.person_id, decided_at=now
        )
        if not await store.update_request(
            request_id=row.id,
            status=APPROVED,
            reason="",
            filled=filled,
            decided_by=actor.person_id,
            at=now,
            from_status=REQUESTED,
        ):
            raise _changed_meanwhile()  # rolls the filled days back; tells nobody
        await _audit(done, "leave.approved", actor.person_id, now)
        await _notify(
            done,
            Kind.LEAVE_DECIDED,
            recipient_id=row.consultant_id,
            by_id=actor.person_id,
            at=now,
        )
        await _tell_webhooks(done, Event.LEAVE_APPROVED, by_id=actor.person_id, at=now)
    return done


async def refuse(actor: Actor, request_id: str, *, reason: str, clock: Clock) -> store.RequestRow:
    """The consultant's manager refuses a request, pending or approved, with a reason; what an
    approved one filled is taken back (days typed over since stay)."""
    row, consultant = await _visible(actor, request_id)
    if not may_decide(actor, consultant):
        raise Forbidden("only the consultant's manager decides on their leave")
    reason = reason.strip()
    if not reason:
        raise _invalid("reason", "required", "say why the leave is refused")
    if row.status not in (REQUESTED, APPROVED):
        raise NotPending(
            f"the request is {row.status}",
            errors=(FieldError("id", "not_pending", f"the request is {row.status}"),),
        )
    return await _close(row, REFUSED, reason, actor.person_id, clock())


async def cancel(
    actor: Actor, request_id: str, *, clock: Clock, device: str | None = None
) -> store.RequestRow:
    """The consultant withdraws their own request, pending or approved (what it filled is taken
    back); cancelling a cancelled request again changes nothing."""
    row, _ = await _visible(actor, request_id)
    if row.consultant_id != actor.person_id:
        raise Forbidden("only the consultant cancels their own request")
    if row.status == CANCELLED:
        return row
    if row.status == REFUSED:
        raise NotPending(
            "the request was refused",
            errors=(FieldError("id", "not_pending", "the request was refused"),),
        )
    return await _close(row, CANCELLED, "", actor.person_id, clock(), device)


async def _close(
    row: store.RequestRow,
    status: model.LeaveStatus,
    reason: str,
    actor_id: str,
    now: dt.datetime,
    device: str | None = None,
) -> store.RequestRow:
    async with write_transaction():
        if row.status == APPROVED:
            await _unfill(row, now)
        done = replace(row, status=status, reason=reason, decided_by=actor_id, decided_at=now)
        if not await store.update_request(
            request_id=row.id,
            status=status,
            reason=reason,
            filled=row.filled,
            decided_by=actor_id,
            at=now,
            from_status=row.status,
        ):
            raise _changed_meanwhile()  # gives nothing back; tells nobody
        await _audit(done, f"leave.{status}", actor_id, now, device)
        if status == REFUSED:
            await _notify(
                done, Kind.LEAVE_DECIDED, recipient_id=row.consultant_id, by_id=actor_id, at=now
            )
        await _tell_webhooks(
            done,
            Event.LEAVE_REFUSED if status == REFUSED else Event.LEAVE_CANCELLED,
            by_id=actor_id,
            at=now,
        )
    return done


# -- balances ---------------------------------------------------------------------------------


def _absence_half_days(lines: Iterable[tuple[str, int]], kind: AbsenceType) -> int:
    line = absence_line(kind)
    return sum(half for name, half in lines if name == line)


async def _views(rows: Sequence[store.RequestRow]) -> list[RequestView]:
    people = await repo.get_people({r.consultant_id for r in rows})
    out = []
    regions: dict[str, CalendarRegion] = {}
    missions: dict[str, list[model.Mission]] = {}
    policies: dict[str, LeavePolicy] = {}
    for row in rows:
        if row.organisation_id not in regions:
            regions[row.organisation_id] = await _organisation_region(row.organisation_id)
            policies[row.organisation_id] = await policy_of(row.organisation_id)
        if row.consultant_id not in missions:
            missions[row.consultant_id] = await repo.missions_of(row.consultant_id)
        region = _region_on(
            missions[row.consultant_id], row.first_day, regions[row.organisation_id]
        )
        cost = days_cost(
            kind=AbsenceType(row.kind),
            days=_span_days(row, region),
            region=region,
            policy=policies[row.organisation_id],
        )
        person = people.get(row.consultant_id)
        out.append(RequestView(row, person.display_name if person else "", cost))
    return out


async def balances_of(consultant: model.Person, *, today: dt.date) -> Mine:
    """The consultant's balances (docs/leave.md) and requests, as of ``today``."""
    policy = await policy_of(consultant.organisation_id)
    default_region = await _organisation_region(consultant.organisation_id)
    missions = await repo.missions_of(consultant.id)
    adjustments = await store.adjustments_of(consultant.id)
    requests = await store.requests_of([consultant.id])
    period_start, period_end = reference_period(policy=policy, on=today)

    def opening(kind: AbsenceType, default: dt.date) -> tuple[dt.date, int]:
        openings = [a for a in adjustments if a.kind == kind.value and a.opening]
        if not openings:
            return default, 0
        last = openings[-1]
        return last.on_day, last.half_days

    cp_start, cp_open = opening(AbsenceType.CP, period_start)
    rtt_start, rtt_open = opening(AbsenceType.RTT, rtt_year(policy=policy, on=today)[0])
    first = min(cp_start, rtt_start, period_start)
    horizon = today + dt.timedelta(days=3 * 366)
    days = await store.absence_days(consultant.id, first=first, last=horizon)

    def region(day: dt.date) -> CalendarRegion:
        return _region_on(missions, day, default_region)

    def used(kind: AbsenceType, start: dt.date) -> tuple[int, int]:
        past: dict[dt.date, int] = {}
        ahead: dict[dt.date, int] = {}
        for day, lines in days.items():
            half = _absence_half_days(lines, kind)
            if half and day >= start:
                (past if day <= today else ahead)[day] = half
        r = region(today)
        return (
            days_cost(kind=kind, days=past, region=r, policy=policy),
            days_cost(kind=kind, days=ahead, region=r, policy=policy),
        )

    def adjusted(kind: AbsenceType, start: dt.date) -> int:
        return sum(
            a.half_days
            for a in adjustments
            if a.kind == kind.value and not a.opening and a.on_day >= start
        )

    # Paid leave: every completed month since counting started, period by period.
    by_period: dict[dt.date, list[MonthAttendance]] = defaultdict(list)
    month = MonthKey.of(cp_start)
    while month.last_day < today:
        r = region(month.first_day)
        work = working_days(month=month, region=r)
        employed = [d for d in work if d >= cp_start]
        start, _ = reference_period(policy=policy, on=month.first_day)
        by_period[start].append(_attendance(month, work, employed, days))
        month = month.next()
    ledger = _paid_leave_ledger(
        policy=policy,
        by_period=by_period,
        opening=(cp_start, cp_open),
        days=days,
        adjustments=[a for a in adjustments if a.kind == AbsenceType.CP.value],
        region=region,
        today=today,
    )

    # RTT: each RTT year since counting started.
    rtt_total = 0
    year_start = rtt_year(policy=policy, on=rtt_start)[0]
    while year_start <= today:
        year_end = rtt_year(policy=policy, on=year_start)[1]
        counted_from = max(year_start, rtt_start)
        months_employed = 0
        cursor = MonthKey.of(counted_from)
        while cursor.first_day <= year_end:
            months_employed += 1
            cursor = cursor.next()
        weeks = 0
        monday = counted_from + dt.timedelta(days=(7 - counted_from.weekday()) % 7)
        while monday + dt.timedelta(days=6) < min(today, year_end + dt.timedelta(days=1)):
            week = [monday + dt.timedelta(days=i) for i in range(5)]
            worked = [
                d
                for d in week
                if is_working_day(day=d, region=region(d))
                and sum(h for name, h in days.get(d, ()) if name.startswith("absence:")) < 2
            ]
            if worked:
                weeks += 1
            monday += dt.timedelta(days=7)
        rtt_total += rtt_acquired(
            policy=policy, months_employed=months_employed, weeks_worked=weeks
        )
        year_start = year_end + dt.timedelta(days=1)

    cp_acquired = sum(p.acquired for p in ledger.periods) - cp_open
    acquired = {
        AbsenceType.CP: cp_open + adjusted(AbsenceType.CP, cp_start) + cp_acquired,
        AbsenceType.RTT: rtt_open + adjusted(AbsenceType.RTT, rtt_start) + rtt_total,
    }
    starts = {AbsenceType.CP: cp_start, AbsenceType.RTT: rtt_start}
    taken: dict[AbsenceType, int] = {}
    planned: dict[AbsenceType, int] = {}
    for kind in REQUESTABLE:
        taken[kind], planned[kind] = used(kind, starts.get(kind, period_start))
    views = await _views(requests)
    pending: dict[AbsenceType, int] = defaultdict(int)
    for view in views:
        if view.request.status == REQUESTED:
            pending[AbsenceType(view.request.kind)] += view.cost
    authors = await repo.get_people({a.author_id for a in adjustments if a.author_id})
    return Mine(
        balances=balances(
            acquired=acquired,
            taken=taken,
            planned=planned,
            pending=pending,
            lost={AbsenceType.CP: ledger.lost},
        ),
        requests=views,
        policy=policy,
        period_start=period_start,
        period_end=period_end,
        adjustments=[
            AdjustmentView(
                a,
                authors[a.author_id].display_name if a.author_id in authors else "",
            )
            for a in reversed(adjustments)
        ],
        cp_periods=ledger.periods,
    )


def _attendance(
    month: MonthKey,
    work: Sequence[dt.date],
    employed: Sequence[dt.date],
    days: dict[dt.date, tuple[tuple[str, int], ...]],
) -> MonthAttendance:
    """What the ``employed`` days of ``month`` (of its working days ``work``) count towards
    paid leave."""
    sick = sum(_absence_half_days(days.get(d, ()), AbsenceType.MALADIE) for d in employed)
    unpaid = sum(_absence_half_days(days.get(d, ()), AbsenceType.SANS_SOLDE) for d in employed)
    # AT/MP days acquire like worked days (L3141-5 5°, no time limit since loi 2024-364).
    professional = sum(_absence_half_days(days.get(d, ()), AbsenceType.AT_MP) for d in employed)
    return MonthAttendance(
        month=month,
        schedule=2 * len(work),
        employed=2 * len(employed),
        sick=sick,
        unpaid=unpaid,
        professional=professional,
    )


def _sick_half_days(lines: Iterable[tuple[str, int]]) -> int:
    """Half-days of sickness, professional or not: what keeps leave from being taken."""
    lines = list(lines)
    return _absence_half_days(lines, AbsenceType.MALADIE) + _absence_half_days(
        lines, AbsenceType.AT_MP
    )


def _paid_leave_ledger(
    *,
    policy: LeavePolicy,
    by_period: dict[dt.date, list[MonthAttendance]],
    opening: tuple[dt.date, int],
    days: dict[dt.date, tuple[tuple[str, int], ...]],
    adjustments: Sequence[store.AdjustmentRow],
    region: Callable[[dt.date], CalendarRegion],
    today: dt.date,
) -> PaidLeaveLedger:
    """The facts `paid_leave_ledger` needs, read off the CRA: each period's acquisition (and,
    for a period that ended on sick leave, the sickness's first day and what it acquired), the
    cost of each day of paid leave, the sick days, the adjustments and the notices."""
    cp_start, cp_open = opening
    facts = []
    starts = set(by_period) | {reference_period(policy=policy, on=cp_start)[0]}
    for start in sorted(starts):
        months = by_period.get(start, [])
        _, end = reference_period(policy=policy, on=start)
        acquired = paid_leave_acquired(policy=policy, months=months, closed=end < today).half_days
        if start <= cp_start <= end:
            acquired += cp_open
        since, while_sick = None, 0
        if end < today:
            since = _sick_since(end, cp_start, days, region)
        if since is not None:
            # What the sickness acquired: its days alone, month by month.
            run = [
                _attendance(
                    m.month,
                    working_days(month=m.month, region=region(m.month.first_day)),
                    [
                        d
                        for d in working_days(month=m.month, region=region(m.month.first_day))
                        if since <= d <= end and d >= cp_start
                    ],
                    days,
                )
                for m in months
            ]
            while_sick = paid_leave_acquired(policy=policy, months=run, closed=True).half_days
        facts.append(
            PeriodFacts(
                reference_start=start,
                acquired=acquired,
                acquired_while_sick=while_sick,
                sick_since=since,
            )
        )
    r = region(today)
    used = {
        day: days_cost(
            kind=AbsenceType.CP,
            days={day: half},
            region=r,
            policy=policy,
        )
        for day, lines in days.items()
        if day >= cp_start and (half := _absence_half_days(lines, AbsenceType.CP))
    }
    return paid_leave_ledger(
        policy=policy,
        periods=facts,
        used=used,
        adjustments=[
            (a.on_day, a.half_days)
            for a in adjustments
            if not a.opening and not a.notice and a.on_day >= cp_start
        ],
        sick={d: h for d, lines in days.items() if (h := _sick_half_days(lines))},
        informed=[a.on_day for a in adjustments if a.notice],
        today=today,
    )


def _sick_since(
    end: dt.date,
    counted_from: dt.date,
    days: dict[dt.date, tuple[tuple[str, int], ...]],
    region: Callable[[dt.date], CalendarRegion],
) -> dt.date | None:
    """First day of a sickness running, uninterrupted, on ``end``: the working days back from
    it all spent sick (maladie or AT/MP, the whole day); None when the last one was not."""
    since = None
    day = end
    while day >= counted_from:
        if is_working_day(day=day, region=region(day)):
            if _sick_half_days(days.get(day, ())) < 2:
                break
            since = day
        day -= dt.timedelta(days=1)
    return since


async def mine(actor: Actor, *, clock: Clock) -> Mine:
    ensure_role(actor, Role.CONSULTANT)
    person = await repo.get_person(actor.person_id)
    if person is None:
        raise NotFound("no such person")
    return await balances_of(person, today=clock().date())


async def of_person(actor: Actor, consultant_id: str, *, clock: Clock) -> Mine:
    """A consultant's balances as their manager or an administrator sees them."""
    person = await repo.get_person(consultant_id)
    if person is None or not can_see_person(actor, person):
        raise NotFound("no such person")
    if person.id != actor.person_id and not actor.roles & {Role.MANAGER, Role.ADMIN}:
        raise NotFound("no such person")
    return await balances_of(person, today=clock().date())


async def team_pending(actor: Actor) -> list[RequestView]:
    """The pending requests this person decides on: their team's (a manager), those of the
    consultants without a manager (an administrator)."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    people = [
        p
        for p in await repo.list_people(actor.organisation_id)
        if may_decide(actor, p) and p.roles & {Role.CONSULTANT}
    ]
    rows = await store.requests_of([p.id for p in people], statuses=(REQUESTED,))
    return await _views(sorted(rows, key=lambda r: (r.first_day, r.created_at, r.id)))


async def adjust(
    actor: Actor,
    consultant_id: str,
    *,
    kind: str,
    opening: bool,
    on_day: dt.date,
    half_days: int,
    reason: str,
    clock: Clock,
) -> str:
    """An administrator sets an opening balance or adjusts one, with a reason (audited)."""
    ensure_role(actor, Role.ADMIN)
    person = await repo.get_person(consultant_id)
    if person is None or not can_see_person(actor, person):
        raise NotFound("no such person")
    if Role.CONSULTANT not in person.roles:
        raise _invalid("consultant_id", "not_a_consultant", "only a consultant has leave")
    if kind not in {k.value for k in WITH_BALANCE}:
        raise _invalid(
            "kind",
            "no_balance",
            "balances are kept for " + ", ".join(k.value for k in WITH_BALANCE),
        )
    reason = reason.strip()
    if not reason:
        raise _invalid("reason", "required", "say why the balance changes")
    if not opening and half_days == 0:
        raise _invalid("half_days", "zero", "an adjustment changes the balance")
    now = clock()
    async with write_transaction():
        new_id = await store.insert_adjustment(
            organisation_id=person.organisation_id,
            consultant_id=person.id,
            kind=kind,
            opening=opening,
            on_day=on_day,
            half_days=half_days,
            reason=reason,
            author_id=actor.person_id,
            at=now,
        )
        await audit_log.record_organisation_event(
            organisation_id=person.organisation_id,
            kind="leave.opening_set" if opening else "leave.adjusted",
            subject=f"person:{person.id}",
            actor_id=actor.person_id,
            data={
                "kind": kind,
                "on_day": on_day.isoformat(),
                "half_days": half_days,
                "reason": reason,
            },
            at=now,
        )
    return new_id


async def inform_carry(
    actor: Actor, consultant_id: str, *, informed_on: dt.date, reason: str, clock: Clock
) -> str:
    """An administrator records the day the consultant was informed, after their return from
    sick leave, of the paid leave they keep and until when (C. trav. L3141-19-3): the 15 months
    of the carry-over run from it (``paid_leave_ledger``). Stored with the adjustments (no
    amount), audited as ``leave.carry_informed`` with its reason."""
    ensure_role(actor, Role.ADMIN)
    person = await repo.get_person(consultant_id)
    if person is None or not can_see_person(actor, person):
        raise NotFound("no such person")
    if Role.CONSULTANT not in person.roles:
        raise _invalid("consultant_id", "not_a_consultant", "only a consultant has leave")
    reason = reason.strip()
    if not reason:
        raise _invalid("reason", "required", "say how and why the person was informed")
    now = clock()
    if informed_on > now.date():
        raise _invalid("informed_on", "in_future", "the person cannot have been informed yet")
    async with write_transaction():
        new_id = await store.insert_adjustment(
            organisation_id=person.organisation_id,
            consultant_id=person.id,
            kind=AbsenceType.CP.value,
            opening=False,
            on_day=informed_on,
            half_days=0,
            reason=reason,
            author_id=actor.person_id,
            at=now,
            notice=True,
        )
        await audit_log.record_organisation_event(
            organisation_id=person.organisation_id,
            kind="leave.carry_informed",
            subject=f"person:{person.id}",
            actor_id=actor.person_id,
            data={"informed_on": informed_on.isoformat(), "reason": reason},
            at=now,
        )
    return new_id
