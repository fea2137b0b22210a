"""Month-close figures: how fast months are handed in, approved and signed, and how often right.

Every figure here is read from the month's audit trail (`server.services.audit_log`), where the
circuit records each transition with its time, actor, step and circuit. Per consultant-month,
`month_close` turns those events into a few delays; storage keeps them and counts them per
month and group in SQL; `figures.spread` makes medians and p90 of the counts.

Definitions and choices (sources and the debate in ``docs/figures.md``):

- **Delays are whole calendar days from the month's last day**, in the organisation's time zone:
  a month handed in on its last day is at 0, on the 2nd of the next month at 2, two days early
  at −2. Calendar days, not working days, because cash waits on calendar days.
- **submitted**: the *first* submission (punctuality is about the first hand-in; a resubmission
  after a send-back is counted by first-time-right instead).
- **approved**: the *last* approval of a manager step (the internal validation that stood);
  none for a circuit with no manager step.
- **signed**: the client signature that ended the circuit, the last one if it was reopened.
- **validated**: when the month last became validated or signed, i.e. invoiceable; none if it
  was reopened since and not validated again.
- **on time**: first submitted at most `figures.Settings.grace_days` after the month's end.
- **first-time-right**: validated (or signed) with no send-back and no reopening at all.
  Counting a reopening is Carnet's choice: a month corrected after approval was not right.
- **per step and per approver**: each decision (approval or send-back) waits from the day the
  month reached the step (its submission, or the previous step's approval) to the decision.
- A state forced by the server (demo data, migrations: ``month.state_forced``) counts for the
  month's delays but names no approver.

Pure: no clock, no storage.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from server.domain.figures import Settings
from sync.months import MonthKey, MonthStatus

SUBMITTED = "submitted"
APPROVED = "approved"
SENT_BACK = "sent_back"
REOPENED = "reopened"
FORCED = "state_forced"
EVENTS = (SUBMITTED, APPROVED, SENT_BACK, REOPENED, FORCED)
"""The audit events (``month.<name>``) the close figures read."""

MANAGER = "manager"
CLIENT_SIGNER = "client_signer"

_VALIDATED = {MonthStatus.VALIDATED.value, MonthStatus.SIGNED.value}
_IN_CIRCUIT = {MonthStatus.SUBMITTED.value, MonthStatus.IN_VALIDATION.value}


@dataclass(frozen=True)
class CircuitEvent:
    """One transition of a month, as the close figures need it.

    Attributes:
        on: The local date it happened (organisation's time zone).
        kind: One of `EVENTS`.
        actor_id: Who acted (``"system"`` for a forced state).
        step: For an approval or a send-back: the position of the step decided.
        step_kind: That step's kind, ``manager`` or ``client_signer``.
        to_status: The month's status after the event.
    """

    on: date
    kind: str
    actor_id: str
    step: int | None
    step_kind: str | None
    to_status: str


@dataclass(frozen=True)
class Decision:
    """An approver's decision on a month: approval or send-back, and how long it waited."""

    approver_id: str
    step: int
    step_kind: str
    outcome: str
    delay: int
    wait: int


@dataclass(frozen=True)
class MonthClose:
    """The close of one consultant-month (see the module docstring for each delay).

    Attributes:
        submitted: Days from the month's end to its first submission; None: never.
        approved: ... to the last approval of a manager step.
        signed: ... to the client's signature that ended the circuit.
        validated: ... to the month last becoming validated or signed, if it still is.
        on_time: First submission within the grace days; None: not submitted yet (whether it
            is late then depends on today).
        send_backs: How many times it was sent back.
        reopens: How many times an administrator reopened it.
        first_time_right: Validated with no send-back nor reopening; None until validated.
        decisions: Every approver decision, in order.
    """

    submitted: int | None
    approved: int | None
    signed: int | None
    validated: int | None
    on_time: bool | None
    send_backs: int
    reopens: int
    first_time_right: bool | None
    decisions: tuple[Decision, ...]


def month_close(
    *, month: MonthKey, events: Sequence[CircuitEvent], settings: Settings
) -> MonthClose:
    """Compute a consultant-month's close from its transitions, in recorded order."""
    end = month.last_day

    def days(on: date) -> int:
        return (on - end).days

    submitted = approved = signed = validated = None
    send_backs = reopens = 0
    arrived: date | None = None
    decisions: list[Decision] = []
    for event in events:
        kind = event.kind
        if kind == FORCED:
            forced = _forced_kind(event.to_status)
            if forced is None:
                continue
            kind = forced
            if kind == SUBMITTED:
                submitted = days(event.on) if submitted is None else submitted
            elif event.to_status == MonthStatus.SIGNED.value:
                signed = days(event.on)
            validated = days(event.on) if event.to_status in _VALIDATED else None
            arrived = event.on
            continue
        if kind == SUBMITTED:
            if submitted is None:
                submitted = days(event.on)
            validated = None
        elif kind in (APPROVED, SENT_BACK):
            step_kind = event.step_kind or MANAGER
            decisions.append(
                Decision(
                    approver_id=event.actor_id,
                    step=event.step or 0,
                    step_kind=step_kind,
                    outcome=kind,
                    delay=days(event.on),
                    wait=(event.on - arrived).days if arrived else 0,
                )
            )
            if kind == SENT_BACK:
                send_backs += 1
                validated = None
            else:
                if step_kind == MANAGER:
                    approved = days(event.on)
                if event.to_status == MonthStatus.SIGNED.value:
                    signed = days(event.on)
                if event.to_status in _VALIDATED:
                    validated = days(event.on)
        elif kind == REOPENED:
            reopens += 1
            validated = None
        arrived = event.on
    return MonthClose(
        submitted=submitted,
        approved=approved,
        signed=signed,
        validated=validated,
        on_time=None if submitted is None else submitted <= settings.grace_days,
        send_backs=send_backs,
        reopens=reopens,
        first_time_right=None if validated is None else send_backs == 0 and reopens == 0,
        decisions=tuple(decisions),
    )


def _forced_kind(to_status: str) -> str | None:
    if to_status in _IN_CIRCUIT:
        return SUBMITTED
    if to_status in _VALIDATED:
        return APPROVED
    return None


def is_late(*, month: MonthKey, status: str | None, today: date, settings: Settings) -> int | None:
    """Days a month's first submission is overdue today, or None if it is not late.

    A month is late once ``grace_days`` after its end have passed and it is still a draft (or
    was never opened). A sent-back month was handed in once: its correction is followed by
    the circuit, not counted as late here.
    """
    if status not in (None, MonthStatus.DRAFT.value):
        return None
    overdue = (today - month.last_day).days - settings.grace_days
    return overdue if overdue > 0 else None


@dataclass(frozen=True)
class CloseSums:
    """A group's consultant-months of one month, counted (storage counts them in SQL).

    Attributes:
        months: Consultant-months with a CRA.
        submitted: ... handed in at least once.
        on_time: ... first handed in on time.
        late_open: ... not handed in, and past the deadline today.
        validated: ... validated or signed now.
        first_time_right: ... validated with no send-back nor reopening.
        send_backs: Send-backs, all together.
        submitted_days / approved_days / signed_days: Histograms, delay → how many months.
    """

    months: int = 0
    submitted: int = 0
    on_time: int = 0
    late_open: int = 0
    validated: int = 0
    first_time_right: int = 0
    send_backs: int = 0
    submitted_days: tuple[tuple[int, int], ...] = ()
    approved_days: tuple[tuple[int, int], ...] = ()
    signed_days: tuple[tuple[int, int], ...] = ()


def add_close(items: Sequence[CloseSums]) -> CloseSums:
    """The counts of several groups together, their histograms merged."""
    totals = [0] * 7
    histograms: tuple[dict[int, int], dict[int, int], dict[int, int]] = ({}, {}, {})
    for s in items:  # one pass: this runs for every team and consultant line
        totals[0] += s.months
        totals[1] += s.submitted
        totals[2] += s.on_time
        totals[3] += s.late_open
        totals[4] += s.validated
        totals[5] += s.first_time_right
        totals[6] += s.send_backs
        for merged, histogram in zip(
            histograms, (s.submitted_days, s.approved_days, s.signed_days), strict=True
        ):
            for value, count in histogram:
                merged[value] = merged.get(value, 0) + count
    submitted, approved, signed = (tuple(sorted(h.items())) for h in histograms)
    return CloseSums(
        months=totals[0],
        submitted=totals[1],
        on_time=totals[2],
        late_open=totals[3],
        validated=totals[4],
        first_time_right=totals[5],
        send_backs=totals[6],
        submitted_days=submitted,
        approved_days=approved,
        signed_days=signed,
    )
