"""Activity figures: TACE and intercontrat, per consultant-month, then per month and group.

**TACE** (*taux d'activité congés exclus*, the staffing rate of an ESN) is the share of the days
a consultant could work that were produced for a client::

    TACE = produced days / (working days − foreseeable absences)

Sources disagree on the details (``docs/figures.md`` cites them): atimeus.com removes CP, RTT
and seniority leave from the denominator and keeps sick leave in it; fitnetmanager.com gives a
looser "billed days / worked days"; napta.io calls it the staffing rate. Carnet's choices:

- **produced** = half-days on client missions (every Carnet mission is a client mission, in
  régie or forfait); training, intercontrat and absences are not produced;
- **working days** are the month's *jours ouvrés* (Monday to Friday less public holidays) in
  the calendar of the consultant's main mission that month, else the organisation's;
- **foreseeable absences** are the types flagged in `figures.Settings.foreseeable` (default CP,
  RTT and unpaid leave); every other absence stays in the denominator and lowers the TACE;
- days worked beyond the available days (a weekend, a holiday) do not lift a month above 100 %:
  ``produced = min(billable, available)`` per consultant-month, so the TACE stays in [0, 1];
- a group's TACE (team, client, firm; a month or 12 rolling months) is the sum of its
  consultant-months' produced days over the sum of their available days, never an average of
  rates, so a team's figure is exactly the aggregate of its members';
- which months count is `figures.Settings.counted` (handed-in CRAs by default).

**Intercontrat** days are the half-days a consultant recorded as ``absence:intercontrat`` on
their CRA (the CRA is the record, so each day of the figure can be opened); their cost is those
days times the consultant's daily cost when one is entered.

Pure: no clock, no storage.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from server.domain.figures import Period, Settings, ratio, rolling_sums
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey
from sync.rules import HALF_DAYS_PER_DAY, AbsenceType, parse_line


@dataclass(frozen=True)
class MonthActivity:
    """One consultant-month's activity, every quantity in half-days.

    Attributes:
        working: Working half-days of the month in the consultant's calendar.
        billable: Half-days on client missions, weekends and holidays included.
        produced: The billable half-days the TACE counts: at most ``available``.
        available: ``working`` less the foreseeable absences, never below 0.
        foreseeable: Half-days of foreseeable absences (taken out of the denominator).
        intercontrat: Half-days recorded as intercontrat.
        other_absences: Half-days of the other absences (sickness, training...).
        main_mission: The mission with the most half-days (ties: the smallest id), or None.
        region: The calendar the working days were counted in.
    """

    working: int
    billable: int
    produced: int
    available: int
    foreseeable: int
    intercontrat: int
    other_absences: int
    main_mission: str | None
    region: CalendarRegion


def working_half_days(month: MonthKey, region: CalendarRegion) -> int:
    """Working half-days (*jours ouvrés* × 2) of a month in a region's calendar."""
    return HALF_DAYS_PER_DAY * len(working_days(month=month, region=region))


def month_activity(
    *,
    month: MonthKey,
    lines: Mapping[str, int],
    mission_regions: Mapping[str, CalendarRegion],
    default_region: CalendarRegion,
    settings: Settings,
) -> MonthActivity:
    """Compute one consultant-month's activity from its total half-days per line.

    Args:
        month: The month.
        lines: Line key (``mission:<id>``, ``absence:CP``...) → half-days over the month;
            malformed keys are ignored.
        mission_regions: Mission id → calendar region of its place of work.
        default_region: The organisation's calendar, for a month without a mission.
        settings: Which absences are foreseeable.
    """
    per_mission: dict[str, int] = {}
    foreseeable = intercontrat = other = 0
    for key, half_days in lines.items():
        parsed = parse_line(key)
        if parsed is None or half_days <= 0:
            continue
        if parsed.mission_id is not None:
            per_mission[parsed.mission_id] = per_mission.get(parsed.mission_id, 0) + half_days
        elif parsed.absence is AbsenceType.INTERCONTRAT:
            intercontrat += half_days
        elif parsed.absence in settings.foreseeable:
            foreseeable += half_days
        else:
            other += half_days
    main = min(per_mission, key=lambda m: (-per_mission[m], m)) if per_mission else None
    region = mission_regions.get(main, default_region) if main else default_region
    working = working_half_days(month, region)
    billable = sum(per_mission.values())
    available = max(working - foreseeable, 0)
    return MonthActivity(
        working=working,
        billable=billable,
        produced=min(billable, available),
        available=available,
        foreseeable=foreseeable,
        intercontrat=intercontrat,
        other_absences=other,
        main_mission=main,
        region=region,
    )


@dataclass(frozen=True)
class ActivitySums:
    """Consultant-months of one group and month, summed (storage sums them in SQL).

    Attributes:
        produced: Σ produced half-days.
        available: Σ available half-days.
        billable: Σ billable half-days (before the cap at the available days).
        intercontrat: Σ intercontrat half-days.
        intercontrat_cost2: Σ intercontrat half-days × daily cost in cents, for the
            consultant-months whose daily cost is known (half-days × cents: twice the cost).
        intercontrat_uncosted: Intercontrat half-days of consultant-months without a cost.
        months: How many consultant-months.
    """

    produced: int = 0
    available: int = 0
    billable: int = 0
    intercontrat: int = 0
    intercontrat_cost2: int = 0
    intercontrat_uncosted: int = 0
    months: int = 0


@dataclass(frozen=True)
class TaceMonth:
    """The TACE of one month, and of the 12 months ending with it."""

    month: str
    produced_half_days: int
    available_half_days: int
    consultant_months: int
    tace: float | None
    rolling_produced_half_days: int
    rolling_available_half_days: int
    rolling_tace: float | None


def tace_by_month(*, period: Period, sums: Mapping[str, ActivitySums]) -> list[TaceMonth]:
    """The TACE of each month of ``period``, with its rolling 12 months.

    Args:
        period: The months shown.
        sums: Month → the group's sums; it should cover the 11 months before ``period`` too,
            for the first rolling values (a missing month counts as nothing).
    """
    history = period.with_history(11).keys
    rolling = rolling_sums(history, {m: (s.produced, s.available) for m, s in sums.items()})
    out = []
    for month in period.keys:
        s = sums.get(month, ActivitySums())
        produced, available = rolling[month]
        out.append(
            TaceMonth(
                month=month,
                produced_half_days=s.produced,
                available_half_days=s.available,
                consultant_months=s.months,
                tace=ratio(s.produced, s.available),
                rolling_produced_half_days=produced,
                rolling_available_half_days=available,
                rolling_tace=ratio(produced, available),
            )
        )
    return out


@dataclass(frozen=True)
class TaceLine:
    """One group's TACE over the whole period (a team, a client, a consultant)."""

    id: str
    name: str
    produced_half_days: int
    available_half_days: int
    consultant_months: int
    tace: float | None


def tace_line(*, id: str, name: str, sums: ActivitySums) -> TaceLine:
    """A group's TACE over the period from its summed consultant-months."""
    return TaceLine(
        id=id,
        name=name,
        produced_half_days=sums.produced,
        available_half_days=sums.available,
        consultant_months=sums.months,
        tace=ratio(sums.produced, sums.available),
    )


def add_sums(items: Sequence[ActivitySums]) -> ActivitySums:
    """The sums of several groups together (a team from its members, the firm from teams)."""
    totals = [0] * 7
    for s in items:  # one pass: this runs for every team, client and consultant line
        totals[0] += s.produced
        totals[1] += s.available
        totals[2] += s.billable
        totals[3] += s.intercontrat
        totals[4] += s.intercontrat_cost2
        totals[5] += s.intercontrat_uncosted
        totals[6] += s.months
    return ActivitySums(*totals)


def cents_of_cost2(cost2: int) -> int:
    """Cents from a sum of half-days × daily cost (rounded half up, once, on the total)."""
    return (cost2 + 1) // 2


@dataclass(frozen=True)
class IntercontratMonth:
    """Intercontrat of one month: its days and what they cost, where the cost is known."""

    month: str
    half_days: int
    cost_cents: int
    uncosted_half_days: int


def intercontrat_by_month(
    *, period: Period, sums: Mapping[str, ActivitySums]
) -> list[IntercontratMonth]:
    """Intercontrat half-days and cost per month of ``period``."""
    out = []
    for month in period.keys:
        s = sums.get(month, ActivitySums())
        out.append(
            IntercontratMonth(
                month=month,
                half_days=s.intercontrat,
                cost_cents=cents_of_cost2(s.intercontrat_cost2),
                uncosted_half_days=s.intercontrat_uncosted,
            )
        )
    return out


@dataclass(frozen=True)
class IdleSpan:
    """A consultant with no mission today (storage finds them; this adds the durations).

    Attributes:
        consultant_id: Who.
        last_end: The last day of their latest mission, or None if they never had one.
        joined: When their account was created (the start of an intercontrat with no mission).
        next_start: The first day of a mission planned after today, if any.
    """

    consultant_id: str
    last_end: date | None
    joined: date
    next_start: date | None


@dataclass(frozen=True)
class Idle:
    """Someone between two missions today, since when and until when if known."""

    consultant_id: str
    since: date
    days: int
    next_start: date | None


def between_missions(*, spans: Sequence[IdleSpan], today: date) -> list[Idle]:
    """People between missions today, longest first.

    ``since`` is the day after their last mission ended, or the day their account was created
    when they never had one; ``days`` are calendar days since then (today included).
    """
    out = []
    for span in spans:
        since = date.fromordinal(span.last_end.toordinal() + 1) if span.last_end else span.joined
        since = min(since, today)
        out.append(
            Idle(
                consultant_id=span.consultant_id,
                since=since,
                days=(today - since).days + 1,
                next_start=span.next_start,
            )
        )
    return sorted(out, key=lambda i: (-i.days, i.consultant_id))


@dataclass(frozen=True)
class EndingMission:
    """A mission ending soon: within 30 or 60 days, and whether a next one is planned."""

    mission_id: str
    consultant_id: str
    end_date: date
    days_left: int
    within_days: int
    follow_on: bool


HORIZONS = (30, 60)
"""Missions ending within these many days are listed (the staffing team's two look-aheads)."""


def ending_soon(
    *, missions: Sequence[tuple[str, str, date, bool]], today: date
) -> list[EndingMission]:
    """Missions ending from today to ``HORIZONS[-1]`` days ahead, soonest first.

    Args:
        missions: (mission id, consultant id, last day, a later mission of the same
            consultant exists) for the missions storage found ending in the window.
        today: The organisation's date.
    """
    out = []
    for mission_id, consultant_id, end, follow_on in missions:
        left = (end - today).days
        if left < 0 or left > HORIZONS[-1]:
            continue
        within = next(h for h in HORIZONS if left <= h)
        out.append(EndingMission(mission_id, consultant_id, end, left, within, follow_on))
    return sorted(out, key=lambda m: (m.end_date, m.mission_id))
