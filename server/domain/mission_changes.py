"""Which edits of a mission would rewrite a month already handed in (issue 14).

A mission's terms are read again whenever one of its months is shown, invoiced or counted: the
daily rate prices the days, the calendar region decides the working days, the allowed absences
and required comments decide which days are valid. A month handed in (submitted, in validation,
validated or signed) was checked, approved or signed under the terms it had then, so changing
them would change what its approvers saw. Rather than version the terms, an edit that would
reach such a month is refused, naming each field and month (the administrator reopens the month
or waits, then edits); what cannot reach one goes through.

- **Terms** (daily rate, region, absences, comments): refused while a handed-in month of the
  consultant overlaps the mission's period, before or after the edit. The period, not the days,
  because the month's calendar and circuit come from the missions running during it.
- **Circuit**: a validated or signed month is done with its circuit, so the new one only applies
  to months handed in later; refused only while a month is still submitted or in validation.
- **End date**: moving it before a day already recorded on the mission is refused, whatever the
  month's status (the day would fall outside its mission). A handed-in month that the mission
  would leave or enter (entirely after one end date, within the other) is refused as for terms.
- **Start date**: the mirror of the end date. Moving it after a day already recorded on the
  mission is refused, whatever the month's status; a handed-in month the mission would leave
  or enter is refused.
- **Consultant**, **client**: the days recorded on a mission belong to its consultant's CRA
  and were worked for its client, so either is refused while the mission has a recorded day
  (any status), naming each month; and as a term while a handed-in month of the consultant
  (the one leaving, or the one arriving) overlaps the mission's period, whose calendar and
  circuit it would change. A client is also refused once a month or milestone of the mission
  is invoiced (an issued invoice bills it to the old client) or a milestone delivered (its
  pre-invoice is made out to the old client). A different consultant or
  client for the days already worked is a new mission.
- **Cap** (capped régie): decides how many days each month's invoice may bill, counting what
  earlier invoices billed; refused once an invoice billing the mission is issued, naming its
  month (a credit note and a new mission, or waiting for the next one, are the way out).
- **Milestones** (forfait): a delivered milestone has its pre-invoice (then its invoice), made
  with its label, date and amount: it cannot be changed or removed, naming the month it was
  delivered in. The others change, are added or removed freely (their due dates within the
  mission's, a 422 otherwise).
- **Title**, **purchase order reference**: labels; always accepted (signed documents and
  issued invoices keep their own copy).

Pure: no storage, no clock.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from server.domain.errors import FieldError
from server.domain.model import Mission
from sync.months import MonthKey, MonthStatus

HANDED_IN: frozenset[str] = frozenset(
    {MonthStatus.SUBMITTED, MonthStatus.IN_VALIDATION, MonthStatus.VALIDATED, MonthStatus.SIGNED}
)
"""Statuses whose days and terms were checked by someone: a change must not reach them."""

IN_CIRCUIT: frozenset[str] = frozenset({MonthStatus.SUBMITTED, MonthStatus.IN_VALIDATION})
"""Statuses of a month still going through its circuit."""

TERMS = ("daily_rate_cents", "calendar_region", "allowed_absences", "comments_required")


@dataclass(frozen=True)
class MonthOfMission:
    """One of the consultant's stored months, as the rule needs it.

    Attributes:
        month: ``YYYY-MM``.
        status: The month's workflow status.
        mission_days: The days of the month with a line on the edited mission.
    """

    month: str
    status: str
    mission_days: tuple[date, ...] = ()


def _overlaps(month: MonthKey, start: date, end: date | None) -> bool:
    return start <= month.last_day and (end is None or end >= month.first_day)


def _refusal(field: str, m: MonthOfMission, why: str) -> FieldError:
    # The message starts with the month so that a screen can name it in its own language.
    return FieldError(
        field=field, code=f"month_{m.status}", message=f"{m.month} is {m.status}: {why}"
    )


def _invoiced(field: str, month: str, why: str) -> FieldError:
    return FieldError(field=field, code="month_invoiced", message=f"{month} is invoiced: {why}")


def changed_fields(before: Mission, after: Mission) -> list[str]:
    """The editable fields whose value differs, in a fixed order."""
    fields = []
    for name in ("consultant_id", "client_id"):
        if getattr(before, name) != getattr(after, name):
            fields.append(name)
    if before.title != after.title:
        fields.append("title")
    if before.start_date != after.start_date:
        fields.append("start_date")
    if before.end_date != after.end_date:
        fields.append("end_date")
    if before.day_cap_half_days != after.day_cap_half_days:
        fields.append("day_cap_half_days")
    if _milestones(before) != _milestones(after):
        fields.append("milestones")
    if before.purchase_order != after.purchase_order:
        fields.append("purchase_order")
    for name in TERMS:
        if getattr(before, name) != getattr(after, name):
            fields.append(name)
    if _circuit(before) != _circuit(after):
        fields.append("approval_steps")
    return fields


def _milestones(mission: Mission) -> list[tuple[str, date, int]]:
    ordered = sorted(mission.milestones, key=lambda m: m.position)
    return [(m.label, m.due_date, m.amount_cents) for m in ordered]


def _circuit(mission: Mission) -> list[tuple[str, str]]:
    return [(s.kind, s.approver_id) for s in sorted(mission.steps, key=lambda s: s.position)]


def refusals(
    *,
    before: Mission,
    after: Mission,
    months: Sequence[MonthOfMission],
    incoming: Sequence[MonthOfMission] = (),
    invoiced: Sequence[str] = (),
    delivered: Mapping[int, date] | None = None,
) -> tuple[FieldError, ...]:
    """Why the edit ``before`` → ``after`` would rewrite history; empty when it would not.

    Args:
        before: The mission as stored.
        after: The mission as the edit would leave it.
        months: The stored months of the mission's consultant, with their days on it.
        incoming: When the consultant changes, the new consultant's stored months.
        invoiced: The months (``YYYY-MM``) of the issued invoices billing the mission.
        delivered: The delivered milestones: position → delivery date.

    Returns:
        One `FieldError` per field and month it would reach, ordered by field then month.
    """
    changed = changed_fields(before, after)
    ordered = sorted(months, key=lambda m: m.month)
    keyed = [(MonthKey.parse(m.month), m) for m in ordered]
    errors: list[FieldError] = []
    in_either = [
        m
        for key, m in keyed
        if _overlaps(key, before.start_date, before.end_date)
        or _overlaps(key, after.start_date, after.end_date)
    ]
    for name in ("consultant_id", "client_id"):
        if name not in changed:
            continue
        errors.extend(
            FieldError(
                field=name,
                code="mission_has_days",
                message=f"{m.month} has days recorded on this mission",
            )
            for m in ordered
            if m.mission_days
        )
        errors.extend(
            _refusal(name, m, f"its {name} would change")
            for m in in_either
            if m.status in HANDED_IN and not m.mission_days
        )
    if "consultant_id" in changed:
        errors.extend(
            _refusal("consultant_id", m, "the mission would enter it")
            for m in sorted(incoming, key=lambda m: m.month)
            if m.status in HANDED_IN
            and _overlaps(MonthKey.parse(m.month), after.start_date, after.end_date)
        )
    for name in ("client_id", "day_cap_half_days"):
        if name in changed:
            errors.extend(
                _invoiced(name, month, f"its {name} would change") for month in sorted(invoiced)
            )
    if "client_id" in changed:
        # A delivered milestone's pre-invoice is made out to the client it was delivered to.
        errors.extend(
            FieldError(
                field="client_id",
                code="milestone_delivered",
                message=f"{on.isoformat()[:7]} is when milestone {position + 1} was delivered "
                "to this client",
            )
            for position, on in sorted((delivered or {}).items())
        )
    if "milestones" in changed:
        old, new = _milestones(before), _milestones(after)
        for position, on in sorted((delivered or {}).items()):
            if position >= len(old) or (position < len(new) and new[position] == old[position]):
                continue
            errors.append(
                FieldError(
                    field=f"milestones[{position}]",
                    code="milestone_delivered",
                    message=f"{on.isoformat()[:7]} is when milestone {old[position][0]!r} was "
                    "delivered: it is billed as it was",
                )
            )
    if "start_date" in changed:
        new_start = after.start_date
        for m in ordered:
            if any(d < new_start for d in m.mission_days):
                errors.append(
                    FieldError(
                        field="start_date",
                        code="days_before_start",
                        message=f"{m.month} has days on this mission before {new_start}",
                    )
                )
        for key, m in keyed:
            was = _overlaps(key, before.start_date, before.end_date)
            will = _overlaps(key, after.start_date, before.end_date)
            if was != will and m.status in HANDED_IN and not m.mission_days:
                errors.append(_refusal("start_date", m, "the mission would leave or enter it"))
    if "end_date" in changed:
        new_end = after.end_date
        for m in ordered:
            late = [d for d in m.mission_days if new_end is not None and d > new_end]
            if late:
                errors.append(
                    FieldError(
                        field="end_date",
                        code="days_after_end",
                        message=f"{m.month} has days on this mission after {new_end}",
                    )
                )
        for key, m in keyed:
            was = _overlaps(key, before.start_date, before.end_date)
            will = _overlaps(key, before.start_date, after.end_date)
            if was != will and m.status in HANDED_IN and not m.mission_days:
                errors.append(_refusal("end_date", m, "the mission would leave or enter it"))
    for name in TERMS:
        if name in changed:
            errors.extend(
                _refusal(name, m, f"its {name} would change")
                for m in in_either
                if m.status in HANDED_IN
            )
    if "approval_steps" in changed:
        errors.extend(
            _refusal("approval_steps", m, "it is going through the current circuit")
            for m in in_either
            if m.status in IN_CIRCUIT
        )
    return tuple(errors)
