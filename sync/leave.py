"""Leave: what a request costs, which grid days it fills, and the balance of each leave type.

Pure rules (dates and facts are passed in), in integer half-days like the rest of the CRA. The
law and the choices the firm configures are written in docs/leave.md; in short:

* Paid leave (congés payés, CP) is acquired per month of actual work: 2.5 jours ouvrables a
  month, 30 per reference period (C. trav. L3141-3), or the equivalent in jours ouvrés, 25 per
  period, which is what a firm configures by default here (the CRA grid counts Monday to
  Friday, so a request costs exactly the grid days it fills). A non-whole total is rounded up
  (L3141-7).
* Non-professional sick leave acquires paid leave since loi n° 2024-364 du 22 avril 2024:
  2 jours ouvrables a month, at most 24 per reference period (L3141-5 7° and L3141-5-1);
  professional sickness (accident du travail, maladie professionnelle) counts as work (L3141-5 5°).
* RTT follow the firm's agreement: a fixed number per year, or acquired per week worked over
  35 hours.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Final

from sync.calendar import CalendarRegion, is_public_holiday, is_working_day
from sync.months import MonthKey
from sync.rules import HALF_DAYS_PER_DAY, AbsenceType

MAX_REQUEST_DAYS: Final = 366
"""Longest request, first to last day: a year (longer spans are typing mistakes)."""

LEGAL_WEEK_MINUTES: Final = 35 * 60
"""Legal working week (C. trav. L3121-27); RTT are earned on the hours worked beyond it."""

HALF_DAY_MINUTES: Final = LEGAL_WEEK_MINUTES // 5 // 2
"""A half-day of RTT: half of a 7-hour day (35 h over 5 days), 3 h 30."""

REQUESTABLE: Final = (AbsenceType.CP, AbsenceType.RTT, AbsenceType.SANS_SOLDE)
"""Types a consultant asks for ahead of time; sickness and training are recorded, not asked."""

WITH_BALANCE: Final = (AbsenceType.CP, AbsenceType.RTT)
"""Types the consultant acquires, hence with a remaining balance."""


class PaidLeaveUnit(StrEnum):
    """How the firm counts paid leave.

    Members:
        OUVRES: Jours ouvrés, the days the firm works (Monday to Friday): 25 per period.
        OUVRABLES: Jours ouvrables, every day but Sunday and public holidays: 30 per period; a
            week off then costs six days, its Saturday included.
    """

    OUVRES = "ouvres"
    OUVRABLES = "ouvrables"


class RttMode(StrEnum):
    """How the firm's agreement grants RTT.

    Members:
        NONE: No RTT (a 35-hour week).
        FIXED: A fixed number of half-days per year (typical of a forfait jours: the days
            over the 218 worked, e.g. 10 days), pro rata of the months employed in the year.
        PER_WEEK: Earned per week worked over 35 hours (e.g. 39 h earns 4 h a week).
    """

    NONE = "none"
    FIXED = "fixed"
    PER_WEEK = "per_week"


# Per month of work and per period cap, in days, for each unit. Jours ouvrés are the ouvrables
# figures times 5/6 (a five-day week against a six-day one): 25/12 a month, 25 a period; sick
# leave 2 ouvrables a month → 5/3 ouvrés, 24 a period → 20.
_WORK_RATE: Final = {
    PaidLeaveUnit.OUVRABLES: Fraction(5, 2),
    PaidLeaveUnit.OUVRES: Fraction(25, 12),
}
_WORK_CAP: Final = {PaidLeaveUnit.OUVRABLES: 30, PaidLeaveUnit.OUVRES: 25}
_SICK_RATE: Final = {PaidLeaveUnit.OUVRABLES: Fraction(2), PaidLeaveUnit.OUVRES: Fraction(5, 3)}
_SICK_CAP: Final = {PaidLeaveUnit.OUVRABLES: 24, PaidLeaveUnit.OUVRES: 20}


class InvalidPolicy(ValueError):
    """A leave policy that cannot be applied (e.g. the 30th of February as period start)."""


@dataclass(frozen=True)
class LeavePolicy:
    """The firm's leave settings.

    Attributes:
        unit: How paid leave is counted (jours ouvrés by default).
        period_month: Month the paid-leave reference period starts (June by default,
            C. trav. R3141-4; a company agreement may choose another, L3141-10).
        period_day: Day of that month (the 1st by default).
        rtt_mode: How RTT are granted.
        rtt_half_days_per_year: FIXED mode: half-days granted per year (20 = 10 days).
        rtt_weekly_minutes: PER_WEEK mode: the firm's working week in minutes (2340 = 39 h).
        rtt_year_month: Month the RTT year starts (January by default).
    """

    unit: PaidLeaveUnit = PaidLeaveUnit.OUVRES
    period_month: int = 6
    period_day: int = 1
    rtt_mode: RttMode = RttMode.NONE
    rtt_half_days_per_year: int = 0
    rtt_weekly_minutes: int = LEGAL_WEEK_MINUTES
    rtt_year_month: int = 1

    def __post_init__(self) -> None:
        """Refuse settings no calendar has (a period starting on 30 February...)."""
        if not 1 <= self.period_month <= 12 or not 1 <= self.rtt_year_month <= 12:
            raise InvalidPolicy("period_month and rtt_year_month must be 1-12")
        try:
            dt.date(2001, self.period_month, self.period_day)  # 2001: no 29 February
        except ValueError:
            raise InvalidPolicy(
                f"{self.period_day}/{self.period_month} is not a day of every year"
            ) from None
        if not 0 <= self.rtt_half_days_per_year <= 2 * 366:
            raise InvalidPolicy("rtt_half_days_per_year must be 0-732")
        if not LEGAL_WEEK_MINUTES <= self.rtt_weekly_minutes <= 48 * 60:
            raise InvalidPolicy("rtt_weekly_minutes must be 2100 (35 h) to 2880 (48 h)")


def reference_period(*, policy: LeavePolicy, on: dt.date) -> tuple[dt.date, dt.date]:
    """The paid-leave reference period holding ``on``: its first and last day (inclusive).

    With the default policy, 1 June to 31 May (C. trav. R3141-4).
    """
    start = dt.date(on.year, policy.period_month, policy.period_day)
    if on < start:
        start = dt.date(on.year - 1, policy.period_month, policy.period_day)
    end = dt.date(start.year + 1, policy.period_month, policy.period_day) - dt.timedelta(days=1)
    return start, end


def rtt_year(*, policy: LeavePolicy, on: dt.date) -> tuple[dt.date, dt.date]:
    """The RTT year holding ``on``: its first and last day (inclusive)."""
    start = dt.date(on.year, policy.rtt_year_month, 1)
    if on < start:
        start = dt.date(on.year - 1, policy.rtt_year_month, 1)
    return start, dt.date(start.year + 1, policy.rtt_year_month, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class MonthAttendance:
    """What one completed month counts towards paid leave, from the CRA.

    Attributes:
        month: The month.
        schedule: Half-days the month could be worked (its working days × 2).
        employed: Half-days of that schedule the person was employed (``schedule`` for a full
            month; less for the month of hiring or leaving).
        sick: Half-days of non-professional sick leave (acquire at the sick rate).
        unpaid: Half-days of absences that are not actual work and acquire nothing (unpaid
            leave, unjustified absence).
        professional: Half-days away after a work accident or for an occupational illness
            (AT/MP). They count as actual work (C. trav. L3141-5 5°) for as long as they last:
            the one-year limit of that article was removed by loi n° 2024-364 du 22 avril
            2024, art. 37. Kept apart only to be shown; they acquire like worked days.
    """

    month: MonthKey
    schedule: int
    employed: int
    sick: int = 0
    unpaid: int = 0
    professional: int = 0


def _month_share(attendance: MonthAttendance) -> tuple[Fraction, Fraction]:
    """(share of the month worked or assimilated, share on sick leave), each 0..1.

    AT/MP half-days (`professional`) are assimilated to work: they stay in the first share
    whatever their length (L3141-5 5°, no one-year limit since loi 2024-364)."""
    if attendance.schedule <= 0:
        return Fraction(0), Fraction(0)
    employed = min(max(attendance.employed, 0), attendance.schedule)
    sick = min(max(attendance.sick, 0), employed)
    unpaid = min(max(attendance.unpaid, 0), employed - sick)
    return (
        Fraction(employed - sick - unpaid, attendance.schedule),
        Fraction(sick, attendance.schedule),
    )


def _up_to_half_day(days: Fraction) -> int:
    return math.ceil(days * HALF_DAYS_PER_DAY)


@dataclass(frozen=True)
class Acquisition:
    """Paid leave acquired over one reference period.

    Attributes:
        half_days: What was acquired, rounded up (to the half-day while the period runs, to
            the day once it is over: L3141-7).
        from_work: Of which from work and periods assimilated to it, exact, in days.
        from_sickness: Of which from non-professional sick leave, exact, in days, after its cap.
    """

    half_days: int
    from_work: Fraction
    from_sickness: Fraction


def paid_leave_acquired(
    *, policy: LeavePolicy, months: Iterable[MonthAttendance], closed: bool
) -> Acquisition:
    """Paid leave acquired over the completed months of one reference period.

    Each month acquires the unit's monthly rate times the share of it worked (C. trav. L3141-3,
    a month of actual work; L3141-4, partial months pro rata), plus the sick rate times the
    share on non-professional sick leave (L3141-5-1), the sick part capped per period; the
    total is capped at the period's legal amount (30 jours ouvrables, 25 ouvrés).

    Args:
        policy: The firm's unit.
        months: The completed months of one reference period (the caller picks them).
        closed: The period is over: the total is then rounded up to a whole day.

    Returns:
        The acquisition.
    """
    work = Fraction(0)
    sick = Fraction(0)
    for attendance in months:
        worked, sick_share = _month_share(attendance)
        work += _WORK_RATE[policy.unit] * worked
        sick += _SICK_RATE[policy.unit] * sick_share
    sick = min(sick, Fraction(_SICK_CAP[policy.unit]))
    total = min(work + sick, Fraction(_WORK_CAP[policy.unit]))
    half_days = math.ceil(total) * HALF_DAYS_PER_DAY if closed else _up_to_half_day(total)
    return Acquisition(half_days=half_days, from_work=work, from_sickness=sick)


def rtt_acquired(*, policy: LeavePolicy, months_employed: int, weeks_worked: int) -> int:
    """RTT acquired in one RTT year, in half-days.

    Args:
        policy: The firm's agreement.
        months_employed: FIXED mode: months of the year the person is employed (0-12); the
            yearly number is granted pro rata, rounded up to the half-day, at the year's start.
        weeks_worked: PER_WEEK mode: weeks worked so far in the year; each earns the minutes
            over 35 h, and each 3 h 30 earned makes a half-day (a started half-day is not
            earned yet).

    Returns:
        Half-days acquired.
    """
    if policy.rtt_mode is RttMode.FIXED:
        months = min(max(months_employed, 0), 12)
        return math.ceil(Fraction(policy.rtt_half_days_per_year * months, 12))
    if policy.rtt_mode is RttMode.PER_WEEK:
        extra = (policy.rtt_weekly_minutes - LEGAL_WEEK_MINUTES) * max(weeks_worked, 0)
        return extra // HALF_DAY_MINUTES
    return 0


class RequestProblem(StrEnum):
    """Why a leave request's dates cannot be taken as they are."""

    LAST_BEFORE_FIRST = "last_before_first"
    TOO_LONG = "too_long"
    EMPTY_SINGLE_DAY = "empty_single_day"
    NO_WORKING_DAY = "no_working_day"


def check_span(
    *,
    first: dt.date,
    last: dt.date,
    first_afternoon: bool,
    last_morning: bool,
    region: CalendarRegion,
) -> RequestProblem | None:
    """The first problem of a request's dates, or None.

    A single day cannot start in the afternoon and end in the morning; a span must hold at least
    one working day (a request for a weekend alone would fill nothing).
    """
    if last < first:
        return RequestProblem.LAST_BEFORE_FIRST
    if (last - first).days >= MAX_REQUEST_DAYS:
        return RequestProblem.TOO_LONG
    if first == last and first_afternoon and last_morning:
        return RequestProblem.EMPTY_SINGLE_DAY
    if not grid_days(
        first=first,
        last=last,
        first_afternoon=first_afternoon,
        last_morning=last_morning,
        region=region,
    ):
        return RequestProblem.NO_WORKING_DAY
    return None


def grid_days(
    *,
    first: dt.date,
    last: dt.date,
    first_afternoon: bool,
    last_morning: bool,
    region: CalendarRegion,
) -> dict[dt.date, int]:
    """The CRA days a request fills and how many half-days each: the working days of the span.

    The first day counts one half-day when the leave starts in the afternoon, the last one when
    it ends at noon; weekends and public holidays of ``region`` are not filled.
    """
    days: dict[dt.date, int] = {}
    if last < first or (last - first).days >= MAX_REQUEST_DAYS:
        return days
    day = first
    while day <= last:
        if is_working_day(day=day, region=region):
            half = HALF_DAYS_PER_DAY
            if day == first and first_afternoon:
                half -= 1
            if day == last and last_morning:
                half -= 1
            if half > 0:
                days[day] = half
        day += dt.timedelta(days=1)
    return days


def days_cost(
    *,
    kind: AbsenceType,
    days: Mapping[dt.date, int],
    region: CalendarRegion,
    policy: LeavePolicy,
) -> int:
    """Half-days that CRA days of leave (date → half-days of ``kind``) take from its balance.

    Their half-days; for paid leave counted in jours ouvrables, plus two half-days for each full
    Friday whose Saturday is not a public holiday: the leave runs until the day before work
    resumes, so a Monday-to-Friday week costs six days.
    """
    total = sum(days.values())
    if kind is AbsenceType.CP and policy.unit is PaidLeaveUnit.OUVRABLES:
        for day, half in days.items():
            saturday = day + dt.timedelta(days=1)
            if (
                day.weekday() == 4
                and half >= HALF_DAYS_PER_DAY
                and not is_public_holiday(day=saturday, region=region)
            ):
                total += HALF_DAYS_PER_DAY
    return total


def request_cost(
    *,
    kind: AbsenceType,
    first: dt.date,
    last: dt.date,
    first_afternoon: bool,
    last_morning: bool,
    region: CalendarRegion,
    policy: LeavePolicy,
) -> int:
    """Half-days a request takes from its type's balance: what its grid days cost
    (``days_cost``)."""
    filled = grid_days(
        first=first,
        last=last,
        first_afternoon=first_afternoon,
        last_morning=last_morning,
        region=region,
    )
    return days_cost(kind=kind, days=filled, region=region, policy=policy)


@dataclass(frozen=True)
class Balance:
    """One leave type's balance, in half-days.

    Attributes:
        kind: The leave type.
        acquired: Opening balance + adjustments + what was acquired (0 for types without one).
        taken: Recorded on the CRA on days up to today.
        planned: Approved requests on days after today.
        pending: Requests waiting for the manager (not deducted yet).
        remaining: ``acquired - taken - planned - lost``; None for types without a balance.
        lost: Paid leave lost at the end of a taking period or of a carry-over
            (``paid_leave_ledger``); 0 for the other types.
    """

    kind: AbsenceType
    acquired: int
    taken: int
    planned: int
    pending: int
    remaining: int | None
    lost: int = 0


def balances(
    *,
    acquired: Mapping[AbsenceType, int],
    taken: Mapping[AbsenceType, int],
    planned: Mapping[AbsenceType, int],
    pending: Mapping[AbsenceType, int],
    kinds: Sequence[AbsenceType] = REQUESTABLE,
    lost: Mapping[AbsenceType, int] | None = None,
) -> list[Balance]:
    """Put the figures of each leave type together, in ``kinds`` order.

    Args:
        acquired: Opening balances, adjustments and acquisition, per type with a balance.
        taken: Half-days recorded on the CRA up to today, per type.
        planned: Half-days of approved requests after today, per type.
        pending: Half-days of requests waiting for approval, per type.
        kinds: The types to report.
        lost: Half-days lost, per type (paid leave: ``paid_leave_ledger``).
    """
    out = []
    for kind in kinds:
        got = acquired.get(kind, 0)
        used = taken.get(kind, 0)
        ahead = planned.get(kind, 0)
        gone = (lost or {}).get(kind, 0)
        out.append(
            Balance(
                kind=kind,
                acquired=got,
                taken=used,
                planned=ahead,
                pending=pending.get(kind, 0),
                remaining=got - used - ahead - gone if kind in WITH_BALANCE else None,
                lost=gone,
            )
        )
    return out


# -- untaken leave: carried over after sickness, or lost ----------------------------------------

CARRY_OVER_MONTHS: Final = 15
"""The carry-over period of leave sickness kept from being taken (C. trav. L3141-19-1)."""


def taking_period(*, policy: LeavePolicy, reference_start: dt.date) -> tuple[dt.date, dt.date]:
    """The period in which the leave acquired over the reference period starting on
    ``reference_start`` is taken: the year that follows it (first and last day, inclusive).

    The law lets leave be taken as soon as it is acquired (L3141-12) and sets the legal summer
    window (1 May to 31 October, L3141-13); the end of the taking period is the firm's, here the
    end of the next reference period, the usual reading of a 1 June to 31 May year.
    """
    _, end = reference_period(policy=policy, on=reference_start)
    return reference_period(policy=policy, on=end + dt.timedelta(days=1))


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, on the month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class UntakenLeave:
    """Paid leave of one reference period still not taken when its taking period ended.

    Attributes:
        left: Half-days acquired over the reference period and not taken by the end of its
            taking period.
        acquired_while_sick: Of which acquired during the sickness running at the end of the
            reference period (the sick rate of L3141-5-1, or AT/MP), in half-days.
        reference_end: Last day of the reference period.
        taking_end: Last day of its taking period.
        sick_in_taking: Half-days of sick leave (maladie or AT/MP) within the taking period: the
            leave the sickness kept from being taken, at most.
        sick_since: First day of a sickness still running, uninterrupted, on ``reference_end``;
            None when there is none.
        informed_on: The day the employer told the person, after their return, how many days
            they keep and until when (L3141-19-3, within a month of the return); None before.
    """

    left: int
    reference_end: dt.date
    taking_end: dt.date
    acquired_while_sick: int = 0
    sick_in_taking: int = 0
    sick_since: dt.date | None = None
    informed_on: dt.date | None = None


@dataclass(frozen=True)
class CarryOver:
    """What becomes of untaken leave.

    Attributes:
        carried: Half-days kept beyond the taking period, to be taken by ``deadline``.
        lost: Half-days lost at the end of the taking period.
        deadline: Last day to take the carried leave; None while its 15 months have not
            started (the person has not been informed after their return yet).
        long_sickness: Half-days of ``carried`` that fall under L3141-19-2 (a sickness of a
            year or more at the end of the reference period): their 15 months run from the end
            of the reference period, sickness or not, and ``deadline`` is theirs.
    """

    carried: int
    lost: int
    deadline: dt.date | None
    long_sickness: int = 0


def carry_over(untaken: UntakenLeave) -> CarryOver:
    """Carry over, or lose, the leave of a reference period not taken in its taking period.

    * Leave not taken by the end of its taking period is lost, unless the employer kept the
      person from taking it (settled case law; not modelled here: an adjustment restores it).
    * Leave a sickness or accident (professional or not) kept from being taken during the
      taking period is carried over for 15 months (C. trav. L3141-19-1, loi n° 2024-364 du
      22 avril 2024, art. 37). Carnet carries at most the half-days of sick leave within the
      taking period: a sickness of two days in January did not keep twenty days from May. The
      15 months start on the day the employer informs the person after their return
      (L3141-19-3); until then there is no deadline.
    * When the person has been sick for a year or more at the end of the reference period, the
      leave acquired during that sickness is carried and its 15 months start at the end of the
      reference period (L3141-19-2), even if the sickness goes on: leave acquired while sick
      for years does not pile up forever. (A return before the end of those 15 months suspends
      them until the person is informed; Carnet does not model the suspension: the deadline is
      the one of the period's end, which an adjustment can extend.)

    Args:
        untaken: The facts of one reference period whose taking period is over.

    Returns:
        Carried and lost half-days (carried + lost = left), with the deadline.
    """
    left = max(untaken.left, 0)
    long_sick = untaken.sick_since is not None and months_later(
        untaken.sick_since, 12
    ) <= untaken.reference_end + dt.timedelta(days=1)
    long_part = min(left, max(untaken.acquired_while_sick, 0)) if long_sick else 0
    rest = min(left - long_part, max(untaken.sick_in_taking, 0))
    carried = long_part + rest
    deadline: dt.date | None = None
    if long_part:
        deadline = months_later(untaken.reference_end + dt.timedelta(days=1), CARRY_OVER_MONTHS)
        deadline -= dt.timedelta(days=1)
    elif rest and untaken.informed_on is not None:
        deadline = months_later(untaken.informed_on, CARRY_OVER_MONTHS) - dt.timedelta(days=1)
    return CarryOver(
        carried=carried, lost=left - carried, deadline=deadline, long_sickness=long_part
    )


def carried_left(*, carry: CarryOver, taken_since: int, on: dt.date) -> int:
    """Half-days of carried leave still to take on ``on``: what was carried less what was
    taken from it, nothing once its deadline has passed (the 15 months are over: lost)."""
    if carry.deadline is not None and on > carry.deadline:
        return 0
    return max(carry.carried - max(taken_since, 0), 0)


# -- the paid-leave ledger: taken leave allotted to periods, oldest first -----------------------


@dataclass(frozen=True)
class PeriodFacts:
    """What one reference period brings to the paid-leave balance.

    Attributes:
        reference_start: First day of the reference period.
        acquired: Half-days acquired over it (``paid_leave_acquired``), plus an opening balance
            set within it.
        acquired_while_sick: Of which acquired during the sickness running, uninterrupted, at
            its end (the leave L3141-19-2 carries), in half-days.
        sick_since: First day of that sickness; None when the person was not sick at its end.
    """

    reference_start: dt.date
    acquired: int
    acquired_while_sick: int = 0
    sick_since: dt.date | None = None


@dataclass(frozen=True)
class PeriodLedger:
    """One reference period's paid leave, as of the ledger's day, in half-days.

    ``acquired + adjusted == taken + planned + lost + remaining`` always holds.

    Attributes:
        reference_start: First day of the reference period.
        reference_end: Its last day.
        taking_end: Last day of its taking period (``taking_period``): what is left after it is
            lost or carried.
        acquired: Acquisition and opening balance.
        adjusted: The administrator's adjustments allotted to it (signed).
        taken: Half-days taken from it on days up to the ledger's day.
        planned: Half-days of approved leave after the ledger's day allotted to it.
        carried: Half-days kept past ``taking_end`` (``carry_over``), 0 before it.
        deadline: Last day to take the carried leave; None when nothing is carried or its
            15 months have not started (the person has not been informed yet).
        lost: Half-days lost: at the end of the taking period, or carried and not taken by
            the deadline.
        remaining: Half-days of it still to take.
    """

    reference_start: dt.date
    reference_end: dt.date
    taking_end: dt.date
    acquired: int
    adjusted: int
    taken: int
    planned: int
    carried: int
    deadline: dt.date | None
    lost: int
    remaining: int


@dataclass(frozen=True)
class PaidLeaveLedger:
    """The paid-leave balance period by period.

    Attributes:
        periods: Oldest first.
        overdrawn: Half-days taken, planned or removed by an adjustment when no period had
            leave left to give (leave taken ahead of its acquisition).
        lost: Half-days lost over all periods.
        remaining: What is left to take: the periods' remaining less ``overdrawn`` (negative
            when more was taken than acquired, as before).
    """

    periods: tuple[PeriodLedger, ...]
    overdrawn: int
    lost: int
    remaining: int


@dataclass
class _Pot:
    """A period's running state while the ledger walks the days."""

    start: dt.date
    end: dt.date
    taking_start: dt.date
    taking_end: dt.date
    facts: PeriodFacts
    adjusted: int = 0
    taken: int = 0
    planned: int = 0
    left: int = 0
    closed: bool = False
    carried: int = 0
    deadline: dt.date | None = None
    lost: int = 0

    def usable_on(self, day: dt.date) -> bool:
        if self.left <= 0 or day < self.start:
            return False
        if not self.closed:
            return day <= self.taking_end
        return self.deadline is None or day <= self.deadline


def paid_leave_ledger(
    *,
    policy: LeavePolicy,
    periods: Sequence[PeriodFacts],
    used: Mapping[dt.date, int],
    adjustments: Sequence[tuple[dt.date, int]],
    sick: Mapping[dt.date, int],
    informed: Sequence[dt.date],
    today: dt.date,
) -> PaidLeaveLedger:
    """Allot the paid leave taken to reference periods, oldest first, and apply the loss and
    carry-over rules (docs/leave.md).

    * Each day of leave (and each negative adjustment) takes from the oldest period that still
      has leave it may be taken from that day: a period's leave from its first day (L3141-12,
      taken as soon as acquired) to the end of its taking period, or, once carried, to the
      carry-over's deadline. The usual rule: the leave of the earliest period goes first.
    * At the end of its taking period, what a period has left is lost except what
      ``carry_over`` carries: leave a sickness within the taking period kept from being taken,
      for 15 months from the day the person was informed after their return (C. trav.
      L3141-19-1, L3141-19-3), and leave acquired during a sickness of a year or more at the
      end of the reference period, for 15 months from that end (L3141-19-2).
    * Carried leave not taken by its deadline is lost (``carried_left``).
    * Losses are only of days up to ``today``: a future taking period's end loses nothing yet,
      but leave planned after it is not taken from it.

    Args:
        policy: The firm's reference period.
        periods: Each reference period's acquisition (at most one per reference period; an
            opening balance is part of the period it is set in).
        used: Half-days of paid leave each day costs (``days_cost`` of that day), taken (up to
            ``today``) or planned (after it).
        adjustments: The administrator's adjustments, (day, signed half-days): one that adds is
            leave of the period holding its day; one that removes takes, oldest first, like
            leave taken that day.
        sick: Half-days of sick leave (maladie or AT/MP) per day.
        informed: The days the employer informed the person of their carried leave; a period's
            15 months run from the first one after the last sick day of its taking period.
        today: The ledger's day.
    """
    pots: dict[dt.date, _Pot] = {}

    def pot_of(day: dt.date) -> _Pot:
        start, end = reference_period(policy=policy, on=day)
        if start not in pots:
            taking_start, taking_end = taking_period(policy=policy, reference_start=start)
            pots[start] = _Pot(
                start=start,
                end=end,
                taking_start=taking_start,
                taking_end=taking_end,
                facts=PeriodFacts(reference_start=start, acquired=0),
            )
        return pots[start]

    for facts in periods:
        pot = pot_of(facts.reference_start)
        pot.facts = PeriodFacts(
            reference_start=pot.start,
            acquired=pot.facts.acquired + facts.acquired,
            acquired_while_sick=facts.acquired_while_sick,
            sick_since=facts.sick_since,
        )
        pot.left += facts.acquired
    events: list[tuple[dt.date, int, bool]] = []
    for day, half in adjustments:
        if half > 0:
            pot = pot_of(day)
            pot.adjusted += half
            pot.left += half
        elif half < 0:
            events.append((day, -half, True))
    events.extend((day, half, False) for day, half in used.items() if half > 0)
    events.sort(key=lambda e: (e[0], e[2]))
    ordered = [pots[k] for k in sorted(pots)]

    def close_before(day: dt.date) -> None:
        """Apply every end of a taking period, and every deadline, that passed before ``day``
        (and before today: the future loses nothing yet)."""
        for pot in ordered:
            if not pot.closed and pot.taking_end < day and pot.taking_end < today:
                in_taking = [
                    d for d, h in sick.items() if h > 0 and pot.taking_start <= d <= pot.taking_end
                ]
                last_sick = max(in_taking, default=None)
                told = sorted(d for d in informed if last_sick is not None and d > last_sick)
                carry = carry_over(
                    UntakenLeave(
                        left=pot.left,
                        reference_end=pot.end,
                        taking_end=pot.taking_end,
                        acquired_while_sick=pot.facts.acquired_while_sick,
                        sick_in_taking=sum(sick[d] for d in in_taking),
                        sick_since=pot.facts.sick_since,
                        informed_on=told[0] if told else None,
                    )
                )
                pot.closed = True
                pot.carried, pot.deadline = carry.carried, carry.deadline
                pot.lost += carry.lost
                pot.left = carry.carried
            if (
                pot.closed
                and pot.left > 0
                and pot.deadline is not None
                and pot.deadline < day
                and pot.deadline < today
            ):
                pot.lost += pot.left
                pot.left = 0

    overdrawn = 0
    for day, half, removal in events:
        close_before(day)
        for pot in ordered:
            if half == 0:
                break
            if not pot.usable_on(day):
                continue
            part = min(half, pot.left)
            pot.left -= part
            half -= part
            if removal:
                pot.adjusted -= part
            elif day <= today:
                pot.taken += part
            else:
                pot.planned += part
        overdrawn += half
    close_before(dt.date.max)
    out = tuple(
        PeriodLedger(
            reference_start=pot.start,
            reference_end=pot.end,
            taking_end=pot.taking_end,
            acquired=pot.facts.acquired,
            adjusted=pot.adjusted,
            taken=pot.taken,
            planned=pot.planned,
            carried=pot.carried,
            deadline=pot.deadline,
            lost=pot.lost,
            remaining=pot.left,
        )
        for pot in ordered
    )
    return PaidLeaveLedger(
        periods=out,
        overdrawn=overdrawn,
        lost=sum(p.lost for p in out),
        remaining=sum(p.remaining for p in out) - overdrawn,
    )
