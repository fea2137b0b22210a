"""Leave rules: acquisition of paid leave and RTT, what a request costs and fills, balances."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.calendar import CalendarRegion
from sync.leave import (
    CarryOver,
    InvalidPolicy,
    LeavePolicy,
    MonthAttendance,
    PaidLeaveUnit,
    PeriodFacts,
    RequestProblem,
    RttMode,
    UntakenLeave,
    balances,
    carried_left,
    carry_over,
    check_span,
    days_cost,
    grid_days,
    paid_leave_acquired,
    paid_leave_ledger,
    reference_period,
    request_cost,
    rtt_acquired,
    rtt_year,
    taking_period,
)
from sync.months import MonthKey
from sync.rules import AbsenceType

METRO = CalendarRegion.METROPOLE
OUVRES = LeavePolicy()
OUVRABLES = LeavePolicy(unit=PaidLeaveUnit.OUVRABLES)


def full(month: MonthKey, schedule: int = 44, **kw: int) -> MonthAttendance:
    return MonthAttendance(month=month, schedule=schedule, employed=schedule, **kw)


def year_from(start: MonthKey, count: int) -> list[MonthKey]:
    months = [start]
    while len(months) < count:
        months.append(months[-1].next())
    return months


JUNE_2026 = MonthKey(2026, 6)


def test_a_full_reference_period_acquires_thirty_jours_ouvrables() -> None:
    got = paid_leave_acquired(
        policy=OUVRABLES, months=[full(m) for m in year_from(JUNE_2026, 12)], closed=True
    )
    assert got.half_days == 60  # 12 × 2.5 = 30 days (L3141-3)
    assert got.from_work == 30


def test_a_full_reference_period_acquires_twenty_five_jours_ouvres() -> None:
    got = paid_leave_acquired(
        policy=OUVRES, months=[full(m) for m in year_from(JUNE_2026, 12)], closed=True
    )
    assert got.half_days == 50


def test_one_month_acquires_two_and_a_half_ouvrables_or_rounds_up_ouvres() -> None:
    one = [full(JUNE_2026)]
    assert paid_leave_acquired(policy=OUVRABLES, months=one, closed=False).half_days == 5
    # 25/12 = 2.083 days → 4.17 half-days, rounded up to 5 while the period runs.
    assert paid_leave_acquired(policy=OUVRES, months=one, closed=False).half_days == 5
    # Over: rounded up to the whole day (L3141-7): 3 days.
    assert paid_leave_acquired(policy=OUVRES, months=one, closed=True).half_days == 6


def test_seven_months_in_ouvres_rounds_up_to_the_half_day() -> None:
    months = [full(m) for m in year_from(JUNE_2026, 7)]
    # 7 × 25/12 = 14.583 days = 29.17 half-days → 30.
    assert paid_leave_acquired(policy=OUVRES, months=months, closed=False).half_days == 30


def test_a_month_half_unpaid_acquires_half() -> None:
    month = full(JUNE_2026, schedule=44, unpaid=22)
    got = paid_leave_acquired(policy=OUVRABLES, months=[month], closed=False)
    assert got.from_work == Fraction(5, 4)
    assert got.half_days == 3  # 1.25 days = 2.5 half-days → 3


def test_a_month_of_sickness_acquires_two_ouvrables_since_2024() -> None:
    month = full(JUNE_2026, schedule=44, sick=44)
    got = paid_leave_acquired(policy=OUVRABLES, months=[month], closed=False)
    assert got.from_work == 0
    assert got.from_sickness == 2
    assert got.half_days == 4


def test_a_whole_period_of_sickness_is_capped_at_twenty_four_ouvrables() -> None:
    months = [full(m, sick=44) for m in year_from(JUNE_2026, 12)]
    got = paid_leave_acquired(policy=OUVRABLES, months=months, closed=True)
    assert got.from_sickness == 24
    assert got.half_days == 48
    ouvres = paid_leave_acquired(policy=OUVRES, months=months, closed=True)
    assert ouvres.half_days == 40


def test_ten_months_work_and_two_sick_acquire_twenty_nine_ouvrables() -> None:
    months = [full(m) for m in year_from(JUNE_2026, 10)] + [
        full(m, sick=44) for m in year_from(MonthKey(2027, 4), 2)
    ]
    got = paid_leave_acquired(policy=OUVRABLES, months=months, closed=True)
    assert got.half_days == 58  # 25 + 4


def test_a_month_of_hiring_acquires_pro_rata() -> None:
    month = MonthAttendance(month=JUNE_2026, schedule=40, employed=20)
    got = paid_leave_acquired(policy=OUVRABLES, months=[month], closed=False)
    assert got.from_work == Fraction(5, 4)


def test_the_default_reference_period_runs_from_june_to_may() -> None:
    assert reference_period(policy=OUVRES, on=dt.date(2026, 12, 5)) == (
        dt.date(2026, 6, 1),
        dt.date(2027, 5, 31),
    )
    assert reference_period(policy=OUVRES, on=dt.date(2026, 5, 31)) == (
        dt.date(2025, 6, 1),
        dt.date(2026, 5, 31),
    )
    calendar_year = LeavePolicy(period_month=1)
    assert reference_period(policy=calendar_year, on=dt.date(2026, 12, 5)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )


def test_a_policy_on_a_day_not_in_every_year_is_refused() -> None:
    with pytest.raises(InvalidPolicy):
        LeavePolicy(period_month=2, period_day=29)
    with pytest.raises(InvalidPolicy):
        LeavePolicy(rtt_weekly_minutes=2000)


def test_fixed_rtt_are_granted_pro_rata_of_months_employed() -> None:
    policy = LeavePolicy(rtt_mode=RttMode.FIXED, rtt_half_days_per_year=20)
    assert rtt_acquired(policy=policy, months_employed=12, weeks_worked=0) == 20
    assert rtt_acquired(policy=policy, months_employed=6, weeks_worked=0) == 10
    assert rtt_acquired(policy=policy, months_employed=5, weeks_worked=0) == 9  # 8.33 → 9


def test_rtt_per_week_over_35_hours() -> None:
    policy = LeavePolicy(rtt_mode=RttMode.PER_WEEK, rtt_weekly_minutes=39 * 60)
    # 4 h a week: 10 weeks = 40 h = 11 half-days of 3 h 30 (38 h 30), 1 h 30 not yet a half-day.
    assert rtt_acquired(policy=policy, months_employed=0, weeks_worked=10) == 11
    assert rtt_acquired(policy=LeavePolicy(), months_employed=12, weeks_worked=52) == 0


def test_rtt_year_follows_the_policy() -> None:
    assert rtt_year(policy=OUVRES, on=dt.date(2026, 12, 5)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )


def test_a_week_of_leave_fills_five_grid_days_and_costs_six_ouvrables() -> None:
    monday, friday = dt.date(2026, 11, 16), dt.date(2026, 11, 20)
    days = grid_days(
        first=monday, last=friday, first_afternoon=False, last_morning=False, region=METRO
    )
    assert list(days.values()) == [2, 2, 2, 2, 2]
    args = {
        "first": monday,
        "last": friday,
        "first_afternoon": False,
        "last_morning": False,
        "region": METRO,
    }
    assert request_cost(kind=AbsenceType.CP, policy=OUVRES, **args) == 10
    assert request_cost(kind=AbsenceType.CP, policy=OUVRABLES, **args) == 12
    assert request_cost(kind=AbsenceType.RTT, policy=OUVRABLES, **args) == 10


def test_half_days_at_either_end_and_holidays_are_not_filled() -> None:
    # 10 Nov 2026 (Tue) afternoon to 12 Nov (Thu) morning, 11 Nov a public holiday.
    days = grid_days(
        first=dt.date(2026, 11, 10),
        last=dt.date(2026, 11, 12),
        first_afternoon=True,
        last_morning=True,
        region=METRO,
    )
    assert days == {dt.date(2026, 11, 10): 1, dt.date(2026, 11, 12): 1}


def test_spans_that_cannot_be_taken_say_why() -> None:
    saturday = dt.date(2026, 11, 14)
    tuesday = dt.date(2026, 11, 17)

    def check(first: dt.date, last: dt.date, pm: bool = False, am: bool = False) -> object:
        return check_span(
            first=first, last=last, first_afternoon=pm, last_morning=am, region=METRO
        )

    assert check(tuesday, saturday) is RequestProblem.LAST_BEFORE_FIRST
    assert check(saturday, saturday + dt.timedelta(days=1)) is RequestProblem.NO_WORKING_DAY
    assert check(tuesday, tuesday, pm=True, am=True) is RequestProblem.EMPTY_SINGLE_DAY
    assert check(tuesday, tuesday + dt.timedelta(days=400)) is RequestProblem.TOO_LONG
    assert check(tuesday, tuesday, pm=True) is None


def test_balances_add_up_per_type() -> None:
    got = balances(
        acquired={AbsenceType.CP: 50, AbsenceType.RTT: 20},
        taken={AbsenceType.CP: 10, AbsenceType.SANS_SOLDE: 4},
        planned={AbsenceType.CP: 6},
        pending={AbsenceType.RTT: 2},
    )
    by_kind = {b.kind: b for b in got}
    assert by_kind[AbsenceType.CP].remaining == 34
    assert by_kind[AbsenceType.RTT].remaining == 20
    assert by_kind[AbsenceType.RTT].pending == 2
    assert by_kind[AbsenceType.SANS_SOLDE].remaining is None
    assert by_kind[AbsenceType.SANS_SOLDE].taken == 4


# -- properties --------------------------------------------------------------------------------

attendance = st.builds(
    lambda month, schedule, employed, sick, unpaid: MonthAttendance(
        month=MonthKey(2026, month),
        schedule=schedule,
        employed=employed,
        sick=sick,
        unpaid=unpaid,
    ),
    month=st.integers(1, 12),
    schedule=st.integers(0, 46),
    employed=st.integers(-2, 50),
    sick=st.integers(-2, 50),
    unpaid=st.integers(-2, 50),
)
policies = st.sampled_from([OUVRES, OUVRABLES])


@given(months=st.lists(attendance, max_size=14), policy=policies, closed=st.booleans())
def test_acquisition_never_exceeds_the_legal_cap(
    months: list[MonthAttendance], policy: LeavePolicy, closed: bool
) -> None:
    got = paid_leave_acquired(policy=policy, months=months, closed=closed)
    cap = 60 if policy.unit is PaidLeaveUnit.OUVRABLES else 50
    assert 0 <= got.half_days <= cap
    assert got.from_sickness <= (24 if policy.unit is PaidLeaveUnit.OUVRABLES else 20)


@given(months=st.lists(attendance, max_size=12), extra=attendance, policy=policies)
def test_one_more_month_never_lowers_the_acquisition(
    months: list[MonthAttendance], extra: MonthAttendance, policy: LeavePolicy
) -> None:
    before = paid_leave_acquired(policy=policy, months=months, closed=False).half_days
    after = paid_leave_acquired(policy=policy, months=[*months, extra], closed=False).half_days
    assert after >= before


@given(months=st.lists(attendance, max_size=12), policy=policies)
def test_sick_months_never_acquire_more_than_worked_ones(
    months: list[MonthAttendance], policy: LeavePolicy
) -> None:
    # The same months with the sick half-days worked instead (unpaid ones as they counted).
    worked = []
    for m in months:
        employed = min(max(m.employed, 0), max(m.schedule, 0))
        sick = min(max(m.sick, 0), employed)
        unpaid = min(max(m.unpaid, 0), employed - sick)
        worked.append(MonthAttendance(m.month, m.schedule, employed, 0, unpaid))
    assert (
        paid_leave_acquired(policy=policy, months=months, closed=False).half_days
        <= paid_leave_acquired(policy=policy, months=worked, closed=False).half_days
    )


dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2028, 12, 31))


@given(
    first=dates,
    span=st.integers(0, 60),
    pm=st.booleans(),
    am=st.booleans(),
    region=st.sampled_from(list(CalendarRegion)),
)
def test_a_request_fills_only_working_days_and_costs_at_least_what_it_fills(
    first: dt.date, span: int, pm: bool, am: bool, region: CalendarRegion
) -> None:
    last = first + dt.timedelta(days=span)
    args = {"first": first, "last": last, "first_afternoon": pm, "last_morning": am}
    days = grid_days(region=region, **args)
    assert all(first <= d <= last and d.weekday() < 5 for d in days)
    assert all(h in (1, 2) for h in days.values())
    filled = sum(days.values())
    ouvres = request_cost(kind=AbsenceType.CP, region=region, policy=OUVRES, **args)
    ouvrables = request_cost(kind=AbsenceType.CP, region=region, policy=OUVRABLES, **args)
    assert ouvres == filled <= ouvrables <= filled + 2 * (span // 7 + 2)
    problem = check_span(region=region, **args)
    assert (problem is None) == (filled > 0)


@given(on=dates, month=st.integers(1, 12), day=st.integers(1, 28))
def test_the_reference_period_holds_the_day_and_lasts_a_year(
    on: dt.date, month: int, day: int
) -> None:
    start, end = reference_period(policy=LeavePolicy(period_month=month, period_day=day), on=on)
    assert start <= on <= end
    assert 365 <= (end - start).days + 1 <= 366


def test_a_half_friday_does_not_count_its_saturday_in_ouvrables() -> None:
    friday = dt.date(2026, 11, 20)
    args = {"kind": AbsenceType.CP, "region": METRO, "policy": OUVRABLES}
    assert days_cost(days={friday: 1}, **args) == 1
    assert days_cost(days={friday: 2}, **args) == 4
    # 14 August 2026 is a Friday before the 15 August holiday: that Saturday is not counted.
    assert days_cost(days={dt.date(2026, 8, 14): 2}, **args) == 2


def test_a_month_off_after_a_work_accident_acquires_like_a_month_worked() -> None:
    """AT/MP counts as actual work (L3141-5 5°): 2.5 ouvrables, 25/12 ouvrés, nothing at the
    sick rate."""
    month = full(JUNE_2026, schedule=44, professional=44)
    got = paid_leave_acquired(policy=OUVRABLES, months=[month], closed=False)
    assert (got.from_work, got.from_sickness, got.half_days) == (Fraction(5, 2), 0, 5)
    ouvres = paid_leave_acquired(policy=OUVRES, months=[month], closed=False)
    assert ouvres.from_work == Fraction(25, 12)


def test_eighteen_months_of_work_accident_acquire_in_full_with_no_one_year_limit() -> None:
    """Before loi 2024-364 an AT/MP absence counted only for one uninterrupted year; since, it
    counts whole: a second reference period entirely on AT/MP still acquires its 30 ouvrables
    (where sickness would acquire 24)."""
    months = year_from(JUNE_2026, 18)
    first = [full(m, professional=44) for m in months[:12]]
    second = [full(m, professional=44) for m in months[12:]]
    assert paid_leave_acquired(policy=OUVRABLES, months=first, closed=True).half_days == 60
    # Six months of the next period: 6 × 2.5 = 15 ouvrables, none at the sick rate.
    got = paid_leave_acquired(policy=OUVRABLES, months=second, closed=False)
    assert (got.from_work, got.from_sickness, got.half_days) == (15, 0, 30)
    as_sick = [full(m, sick=44) for m in months[12:]]
    # The same six months on non-professional sick leave: 6 × 2 = 12 ouvrables.
    assert paid_leave_acquired(policy=OUVRABLES, months=as_sick, closed=False).half_days == 24


def test_half_a_month_of_at_mp_and_half_unpaid_acquires_half() -> None:
    """22 half-days of AT/MP count, 22 unpaid do not: 1.25 ouvrables → 3 half-days."""
    month = full(JUNE_2026, schedule=44, professional=22, unpaid=22)
    got = paid_leave_acquired(policy=OUVRABLES, months=[month], closed=False)
    assert (got.from_work, got.half_days) == (Fraction(5, 4), 3)


# -- untaken leave: carried over after sickness (L3141-19-1 to -19-3), or lost ------------------

REF_END = dt.date(2027, 5, 31)  # reference period 1 June 2026 - 31 May 2027
TAKING_END = dt.date(2028, 5, 31)


def untaken(left: int, **kw: object) -> UntakenLeave:
    return UntakenLeave(left=left, reference_end=REF_END, taking_end=TAKING_END, **kw)  # type: ignore[arg-type]


def test_the_taking_period_is_the_year_after_the_reference_period() -> None:
    assert taking_period(policy=OUVRES, reference_start=dt.date(2026, 6, 1)) == (
        dt.date(2027, 6, 1),
        dt.date(2028, 5, 31),
    )


def test_leave_not_taken_without_sickness_is_lost_at_the_end_of_the_taking_period() -> None:
    assert carry_over(untaken(10)) == CarryOver(carried=0, lost=10, deadline=None)


def test_leave_a_short_sickness_kept_from_being_taken_is_carried_fifteen_months() -> None:
    """Sick 2 days (4 half-days) in the taking period, 5 days left: 2 days carried, 3 lost;
    informed on 10 March 2028 after the return: to take by 9 June 2029 (15 months)."""
    got = carry_over(untaken(10, sick_in_taking=4, informed_on=dt.date(2028, 3, 10)))
    assert got == CarryOver(carried=4, lost=6, deadline=dt.date(2029, 6, 9))


def test_no_deadline_runs_before_the_person_is_informed_after_the_return() -> None:
    """Still sick at the end of the taking period (40 half-days of it): all 6 kept, the 15
    months not started (L3141-19-3)."""
    assert carry_over(untaken(6, sick_in_taking=40)) == CarryOver(carried=6, lost=0, deadline=None)


def test_a_sickness_of_a_year_at_the_period_end_starts_the_fifteen_months_there() -> None:
    """Sick since 15 May 2026, a year and more on 31 May 2027: the 20 days (40 half-days)
    acquired while sick are carried until 31 August 2028, even if the sickness goes on
    (L3141-19-2)."""
    got = carry_over(
        untaken(40, acquired_while_sick=40, sick_in_taking=500, sick_since=dt.date(2026, 5, 15))
    )
    assert got == CarryOver(carried=40, lost=0, deadline=dt.date(2028, 8, 31), long_sickness=40)


def test_exactly_one_year_of_sickness_counts_and_a_shorter_one_does_not() -> None:
    year = untaken(40, acquired_while_sick=40, sick_since=dt.date(2026, 6, 1))
    assert carry_over(year).long_sickness == 40
    shorter = untaken(40, acquired_while_sick=40, sick_since=dt.date(2026, 6, 2), sick_in_taking=8)
    # Less than a year: only what the sickness in the taking period kept back, no deadline yet.
    assert carry_over(shorter) == CarryOver(carried=8, lost=32, deadline=None)


def test_long_sickness_leave_and_leave_kept_back_in_the_taking_period_add_up() -> None:
    """25 days left, 10 of them acquired during a long sickness, 5 days sick in the taking
    period: 10 + 5 days carried, 10 lost; the deadline is the long sickness one."""
    got = carry_over(
        untaken(
            50,
            acquired_while_sick=20,
            sick_in_taking=10,
            sick_since=dt.date(2025, 1, 6),
            informed_on=dt.date(2027, 9, 1),
        )
    )
    assert got == CarryOver(carried=30, lost=20, deadline=dt.date(2028, 8, 31), long_sickness=20)


def test_carried_leave_is_lost_once_its_fifteen_months_are_over() -> None:
    carry = CarryOver(carried=8, lost=0, deadline=dt.date(2029, 6, 9))
    assert carried_left(carry=carry, taken_since=2, on=dt.date(2029, 6, 9)) == 6
    assert carried_left(carry=carry, taken_since=2, on=dt.date(2029, 6, 10)) == 0
    assert carried_left(carry=carry, taken_since=20, on=dt.date(2028, 1, 1)) == 0


@given(
    left=st.integers(-10, 120),
    while_sick=st.integers(-5, 120),
    in_taking=st.integers(-5, 600),
    since=st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2027, 5, 31)),
    informed=st.none() | st.dates(dt.date(2027, 6, 1), dt.date(2030, 1, 1)),
)
def test_carried_and_lost_always_add_up_to_what_was_left(
    left: int, while_sick: int, in_taking: int, since: dt.date | None, informed: dt.date | None
) -> None:
    got = carry_over(
        untaken(
            left,
            acquired_while_sick=while_sick,
            sick_in_taking=in_taking,
            sick_since=since,
            informed_on=informed,
        )
    )
    assert got.carried >= 0 and got.lost >= 0
    assert got.carried + got.lost == max(left, 0)
    assert got.long_sickness <= got.carried
    assert (got.deadline is None) or got.carried > 0
    if got.deadline is not None:
        assert got.deadline > REF_END


# -- the ledger: leave taken oldest first, lost or carried at the end of its taking period ------

P26 = dt.date(2026, 6, 1)  # reference period 1 June 2026 - 31 May 2027, taken until 31 May 2028
P27 = dt.date(2027, 6, 1)
P28 = dt.date(2028, 6, 1)


def weekdays(first: dt.date, last: dt.date, half: int = 2) -> dict[dt.date, int]:
    """Every Monday-to-Friday from ``first`` to ``last``, ``half`` half-days each."""
    out = {}
    day = first
    while day <= last:
        if day.weekday() < 5:
            out[day] = half
        day += dt.timedelta(days=1)
    return out


def ledger(
    *,
    periods: list[PeriodFacts],
    today: dt.date,
    used: dict[dt.date, int] | None = None,
    adjustments: list[tuple[dt.date, int]] | None = None,
    sick: dict[dt.date, int] | None = None,
    informed: list[dt.date] | None = None,
):  # type: ignore[no-untyped-def]
    return paid_leave_ledger(
        policy=OUVRES,
        periods=periods,
        used=used or {},
        adjustments=adjustments or [],
        sick=sick or {},
        informed=informed or [],
        today=today,
    )


# 20 days of the 25 acquired over 2026-27 taken in the taking period: 4 weeks in summer 2027.
TWENTY_DAYS = weekdays(dt.date(2027, 7, 5), dt.date(2027, 7, 30))


def test_five_days_left_untaken_on_31_may_2028_are_lost_the_next_day() -> None:
    """25 days acquired over June 2026 - May 2027, 20 taken in July 2027: the 5 days left on
    31 May 2028, the end of the taking period, are lost on 1 June 2028 (no sickness)."""
    assert sum(TWENTY_DAYS.values()) == 40
    facts = [PeriodFacts(reference_start=P26, acquired=50)]
    before = ledger(periods=facts, used=TWENTY_DAYS, today=dt.date(2028, 5, 31))
    assert (before.periods[0].remaining, before.lost) == (10, 0)
    after = ledger(periods=facts, used=TWENTY_DAYS, today=dt.date(2028, 6, 1))
    period = after.periods[0]
    assert (period.taken, period.carried, period.lost, period.remaining) == (40, 0, 10, 0)
    assert period.taking_end == dt.date(2028, 5, 31)
    assert after.remaining == 0 and after.lost == 10


def test_ten_days_sick_in_march_2028_carry_ten_days_for_fifteen_months_from_the_notice() -> None:
    """Sick 10 working days in March 2028 (20 half-days), 25 days left (50): 10 days carried,
    15 lost; informed on 3 April 2028 after the return, to take by 2 July 2029 (15 months)."""
    sick = weekdays(dt.date(2028, 3, 6), dt.date(2028, 3, 17))
    assert sum(sick.values()) == 20
    got = ledger(
        periods=[PeriodFacts(reference_start=P26, acquired=50)],
        sick=sick,
        informed=[dt.date(2028, 4, 3)],
        today=dt.date(2028, 6, 1),
    )
    period = got.periods[0]
    assert (period.carried, period.lost, period.remaining) == (20, 30, 20)
    assert period.deadline == dt.date(2029, 7, 2)
    # Carried leave is taken before the newer period's; what is left after the deadline is lost.
    later = ledger(
        periods=[
            PeriodFacts(reference_start=P26, acquired=50),
            PeriodFacts(reference_start=P27, acquired=50),
        ],
        used=weekdays(dt.date(2028, 7, 3), dt.date(2028, 7, 7)),
        sick=sick,
        informed=[dt.date(2028, 4, 3)],
        today=dt.date(2029, 7, 3),
    )
    old, new = later.periods[:2]
    assert (old.taken, old.lost, old.remaining) == (10, 40, 0)
    # The 2027-28 leave, untouched and with no sickness in its taking period, went on 1 June 2029.
    assert (new.taken, new.lost, new.remaining) == (0, 50, 0)


def test_carried_leave_has_no_deadline_until_the_person_is_informed() -> None:
    sick = weekdays(dt.date(2028, 3, 6), dt.date(2028, 3, 17))
    got = ledger(
        periods=[PeriodFacts(reference_start=P26, acquired=50)],
        sick=sick,
        informed=[dt.date(2028, 2, 1)],  # before the sickness: not the notice of this return
        today=dt.date(2031, 1, 1),
    )
    assert (got.periods[0].carried, got.periods[0].deadline, got.periods[0].remaining) == (
        20,
        None,
        20,
    )


def test_leave_acquired_during_a_year_of_sickness_is_carried_from_the_period_end() -> None:
    """Sick since 4 May 2026, still on 31 May 2027: the 20 days acquired while sick are kept
    until 31 August 2028 (L3141-19-2). Still sick all through the taking period, the 3 other
    days are kept too (L3141-19-1); back on 1 June 2027 instead, those 3 are lost on 1 June
    2028 and the 20 on 1 September 2028."""
    facts = [
        PeriodFacts(
            reference_start=P26,
            acquired=46,
            acquired_while_sick=40,
            sick_since=dt.date(2026, 5, 4),
        )
    ]
    still_sick = weekdays(dt.date(2026, 5, 4), dt.date(2028, 5, 31))
    period = ledger(periods=facts, sick=still_sick, today=dt.date(2028, 6, 1)).periods[0]
    assert (period.carried, period.lost, period.deadline) == (46, 0, dt.date(2028, 8, 31))
    back = weekdays(dt.date(2026, 5, 4), dt.date(2027, 5, 31))
    period = ledger(periods=facts, sick=back, today=dt.date(2028, 6, 1)).periods[0]
    assert (period.carried, period.lost, period.remaining) == (40, 6, 40)
    period = ledger(periods=facts, sick=back, today=dt.date(2028, 9, 1)).periods[0]
    assert (period.lost, period.remaining) == (46, 0)


def test_leave_is_taken_from_the_oldest_period_first_and_a_day_may_span_two() -> None:
    """In October 2027 both the 2026-27 leave (to take by May 2028) and the 2027-28 leave being
    acquired may be taken: the older goes first; the day that empties it takes the rest from
    the newer."""
    got = ledger(
        periods=[
            PeriodFacts(reference_start=P26, acquired=3),
            PeriodFacts(reference_start=P27, acquired=10),
        ],
        used={dt.date(2027, 10, 4): 2, dt.date(2027, 10, 5): 2},
        today=dt.date(2027, 10, 4),
    )
    old, new = got.periods
    assert (old.taken, old.planned, old.remaining) == (2, 1, 0)
    assert (new.taken, new.planned, new.remaining) == (0, 1, 9)
    assert got.remaining == 9


def test_leave_planned_after_a_taking_period_is_taken_from_the_next_one() -> None:
    """On 1 May 2028 the 2026-27 leave still has 10 half-days; a week planned in June 2028 is
    after its taking period, so it comes from the 2027-28 leave, and nothing is lost yet."""
    got = ledger(
        periods=[
            PeriodFacts(reference_start=P26, acquired=10),
            PeriodFacts(reference_start=P27, acquired=40),
        ],
        used=weekdays(dt.date(2028, 6, 5), dt.date(2028, 6, 9)),
        today=dt.date(2028, 5, 1),
    )
    old, new = got.periods
    assert (old.planned, old.lost, old.remaining) == (0, 0, 10)
    assert (new.planned, new.remaining) == (10, 30)


def test_adjustments_add_to_their_period_and_remove_oldest_first() -> None:
    got = ledger(
        periods=[
            PeriodFacts(reference_start=P26, acquired=4),
            PeriodFacts(reference_start=P27, acquired=10),
        ],
        adjustments=[(dt.date(2027, 9, 1), 6), (dt.date(2027, 9, 2), -6)],
        today=dt.date(2027, 9, 2),
    )
    old, new = got.periods
    assert (old.adjusted, old.remaining) == (-4, 0)
    assert (new.adjusted, new.remaining) == (6 - 2, 14)


def test_leave_taken_beyond_every_period_is_overdrawn() -> None:
    got = ledger(
        periods=[PeriodFacts(reference_start=P26, acquired=2)],
        used={dt.date(2026, 9, 1): 2, dt.date(2026, 9, 2): 2},
        today=dt.date(2026, 9, 30),
    )
    assert (got.periods[0].taken, got.overdrawn, got.remaining) == (2, 2, -2)


def test_the_balance_deducts_what_was_lost() -> None:
    cp = balances(
        acquired={AbsenceType.CP: 50},
        taken={AbsenceType.CP: 40},
        planned={},
        pending={},
        lost={AbsenceType.CP: 10},
    )[0]
    assert (cp.lost, cp.remaining) == (10, 0)


_DAYS = st.dates(dt.date(2026, 6, 1), dt.date(2030, 12, 31))


@given(
    acquired=st.lists(st.integers(0, 60), min_size=1, max_size=4),
    used=st.dictionaries(_DAYS, st.integers(1, 4), max_size=40),
    adjustments=st.lists(st.tuples(_DAYS, st.integers(-20, 20)), max_size=4),
    sick=st.dictionaries(_DAYS, st.integers(1, 2), max_size=40),
    informed=st.lists(_DAYS, max_size=3),
    long_sick=st.none() | st.tuples(st.integers(0, 60), st.dates(dt.date(2024, 1, 1), P27)),
    today=_DAYS,
)
def test_the_ledger_never_goes_negative_and_always_adds_up(
    acquired: list[int],
    used: dict[dt.date, int],
    adjustments: list[tuple[dt.date, int]],
    sick: dict[dt.date, int],
    informed: list[dt.date],
    long_sick: tuple[int, dt.date] | None,
    today: dt.date,
) -> None:
    facts = [
        PeriodFacts(
            reference_start=dt.date(2026 + i, 6, 1),
            acquired=a,
            acquired_while_sick=long_sick[0] if long_sick and i == 0 else 0,
            sick_since=long_sick[1] if long_sick and i == 0 else None,
        )
        for i, a in enumerate(acquired)
    ]
    got = ledger(
        periods=facts,
        used=used,
        adjustments=adjustments,
        sick=sick,
        informed=informed,
        today=today,
    )
    for p in got.periods:
        assert p.remaining >= 0 and p.lost >= 0 and p.taken >= 0 and p.planned >= 0
        assert p.acquired + p.adjusted == p.taken + p.planned + p.lost + p.remaining
        assert p.carried == 0 or p.taking_end < today
        assert p.lost == 0 or p.taking_end < today
    assert got.overdrawn >= 0
    total_in = sum(acquired) + sum(h for _, h in adjustments)
    assert total_in - sum(used.values()) == got.lost + got.remaining
    taken = sum(p.taken for p in got.periods)
    assert taken <= sum(h for d, h in used.items() if d <= today)


@given(
    acquired=st.lists(st.integers(0, 60), min_size=2, max_size=3),
    used=st.dictionaries(st.dates(P26, dt.date(2028, 5, 31)), st.integers(1, 4), max_size=40),
    today=st.dates(P26, dt.date(2028, 5, 31)),
)
def test_leave_is_allotted_to_the_oldest_period_first(
    acquired: list[int], used: dict[dt.date, int], today: dt.date
) -> None:
    """Before the first taking period ends nothing is lost: a newer period gives leave only
    once every older one is empty."""
    facts = [
        PeriodFacts(reference_start=dt.date(2026 + i, 6, 1), acquired=a)
        for i, a in enumerate(acquired)
    ]
    got = ledger(periods=facts, used=used, today=today)
    for i, older in enumerate(got.periods):
        for newer in got.periods[i + 1 :]:
            if newer.taken + newer.planned > 0:
                assert older.remaining == 0
