"""Property tests: invariants the JavaScript port must share, over generated inputs."""

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from sync.calendar import (
    CalendarRegion,
    easter_sunday,
    is_public_holiday,
    is_weekend,
    is_working_day,
    month_calendar,
    public_holidays,
    working_days,
)
from sync.errors import InvalidDay
from sync.months import MonthKey
from sync.rules import (
    HALF_DAYS_PER_DAY,
    AbsenceType,
    DayLine,
    MissionTerms,
    absence_line,
    check_day,
    mission_line,
    month_totals,
    validate_day,
)

MONTH = MonthKey(2026, 11)
MISSIONS = {
    "acme": MissionTerms(
        id="acme",
        start=date(2026, 1, 1),
        end=None,
        allowed_absences=frozenset({AbsenceType.CP, AbsenceType.RTT}),
        comments_required=False,
        region=CalendarRegion.METROPOLE,
    ),
    "beta": MissionTerms(
        id="beta",
        start=date(2026, 11, 10),
        end=date(2026, 11, 20),
        allowed_absences=frozenset({AbsenceType.CP, AbsenceType.FORMATION}),
        comments_required=True,
        region=CalendarRegion.ALSACE_MOSELLE,
    ),
}

ANY_KEY = st.sampled_from(
    [mission_line("acme"), mission_line("beta"), mission_line("ghost"), "bogus", "absence:cp"]
    + [absence_line(kind) for kind in AbsenceType]
)
GOOD_KEY = st.sampled_from(
    [mission_line("acme"), mission_line("beta")]
    + [absence_line(kind) for kind in (AbsenceType.CP, AbsenceType.RTT, AbsenceType.FORMATION)]
)
ANY_HALF_DAYS = st.one_of(st.integers(min_value=-1, max_value=4), st.just(True), st.just(False))
GOOD_HALF_DAYS = st.sampled_from([1, 2])
NEAR_MONTH = st.dates(min_value=date(2026, 10, 28), max_value=date(2026, 12, 3))
IN_MONTH = st.dates(min_value=MONTH.first_day, max_value=MONTH.last_day)
COMMENT = st.one_of(
    st.text(alphabet=" \t\n\u00a0abcé€", max_size=12),
    st.text(alphabet=" x", min_size=495, max_size=505),
)

any_lines = st.lists(st.builds(DayLine, ANY_KEY, ANY_HALF_DAYS), max_size=5)
good_lines = st.lists(
    st.builds(DayLine, GOOD_KEY, GOOD_HALF_DAYS), max_size=2, unique_by=lambda line: line.line
)
# Half random, half plausible: random lines alone are nearly always rejected, which would leave the
# "accepted day" properties with few examples to check.
mixed_lines = st.one_of(any_lines, good_lines)
month_keys = st.builds(
    MonthKey, st.integers(min_value=1900, max_value=2999), st.integers(min_value=1, max_value=12)
)


@given(lines=mixed_lines, day=NEAR_MONTH, comment=COMMENT)
def test_accepted_days_total_at_most_one_day_without_duplicates(
    lines: list[DayLine], day: date, comment: str
) -> None:
    """Make sure any day check_day accepts has unique keys, 1-2 half-days each, total <= 2."""
    if check_day(month=MONTH, date=day, lines=lines, comment=comment, missions=MISSIONS):
        return
    keys = [line.line for line in lines]
    assert len(set(keys)) == len(keys)
    assert all(type(line.half_days) is int and line.half_days in (1, 2) for line in lines)
    assert sum(line.half_days for line in lines) <= HALF_DAYS_PER_DAY
    assert MONTH.contains(day)


@given(lines=mixed_lines, day=NEAR_MONTH, comment=COMMENT)
def test_validate_day_raises_exactly_when_check_day_reports(
    lines: list[DayLine], day: date, comment: str
) -> None:
    """Make sure validate_day raises InvalidDay with check_day's violations, else returns."""
    violations = check_day(month=MONTH, date=day, lines=lines, comment=comment, missions=MISSIONS)
    try:
        result = validate_day(
            month=MONTH, date=day, lines=lines, comment=comment, missions=MISSIONS
        )
    except InvalidDay as error:
        assert error.violations == violations
        assert violations
    else:
        assert violations == ()
        assert sorted(result.lines, key=lambda line: line.line) == list(result.lines)
        assert sorted(result.lines, key=repr) == sorted(lines, key=repr)


@given(lines=good_lines, day=IN_MONTH, comment=COMMENT)
def test_validate_day_is_idempotent_on_its_own_output(
    lines: list[DayLine], day: date, comment: str
) -> None:
    """Make sure validating a canonical day again returns the very same day."""
    assume(not check_day(month=MONTH, date=day, lines=lines, comment=comment, missions=MISSIONS))
    once = validate_day(month=MONTH, date=day, lines=lines, comment=comment, missions=MISSIONS)
    twice = validate_day(
        month=MONTH, date=once.date, lines=once.lines, comment=once.comment, missions=MISSIONS
    )
    assert twice == once


@given(data=st.data(), lines=any_lines, day=NEAR_MONTH, comment=COMMENT)
def test_check_day_verdict_does_not_depend_on_line_order(
    data: st.DataObject, lines: list[DayLine], day: date, comment: str
) -> None:
    """Make sure reordering a day's lines yields the same set of violation codes."""
    shuffled = data.draw(st.permutations(lines))
    codes = {
        violation.code
        for violation in check_day(
            month=MONTH, date=day, lines=lines, comment=comment, missions=MISSIONS
        )
    }
    shuffled_codes = {
        violation.code
        for violation in check_day(
            month=MONTH, date=day, lines=shuffled, comment=comment, missions=MISSIONS
        )
    }
    assert shuffled_codes == codes


@given(data=st.data(), lines=good_lines, day=IN_MONTH)
def test_validate_day_canonical_form_does_not_depend_on_line_order(
    data: st.DataObject, lines: list[DayLine], day: date
) -> None:
    """Make sure two devices entering the same lines in any order store equal days."""
    assume(not check_day(month=MONTH, date=day, lines=lines, comment="x", missions=MISSIONS))
    shuffled = data.draw(st.permutations(lines))
    first = validate_day(month=MONTH, date=day, lines=lines, comment="x", missions=MISSIONS)
    second = validate_day(month=MONTH, date=day, lines=shuffled, comment="x", missions=MISSIONS)
    assert first == second


@given(
    days=st.lists(st.tuples(IN_MONTH, good_lines), max_size=8, unique_by=lambda entry: entry[0])
)
def test_month_totals_add_up_to_the_days_totals(days: list[tuple[date, list[DayLine]]]) -> None:
    """Make sure month totals neither lose nor invent half-days."""
    valid = []
    for day, lines in days:
        if not check_day(month=MONTH, date=day, lines=lines, comment="x", missions=MISSIONS):
            valid.append(
                validate_day(month=MONTH, date=day, lines=lines, comment="x", missions=MISSIONS)
            )
    totals = month_totals(valid)
    assert sum(totals.values()) == sum(day.total_half_days for day in valid)
    assert all(value > 0 for value in totals.values())
    assert list(totals) == sorted(totals)


@given(key=month_keys)
def test_month_key_str_parse_round_trip(key: MonthKey) -> None:
    """Make sure parse(str(key)) gives back the key and str() is seven characters."""
    text = str(key)
    assert len(text) == 7
    assert MonthKey.parse(text) == key


@given(key=month_keys)
def test_month_key_next_previous_are_inverse(key: MonthKey) -> None:
    """Make sure next() then previous() (and the reverse) return to the same month."""
    if key != MonthKey(2999, 12):
        assert key.next().previous() == key
        assert key < key.next()
    if key != MonthKey(1900, 1):
        assert key.previous().next() == key
        assert key.previous() < key


@given(key=month_keys)
def test_month_key_days_are_the_month(key: MonthKey) -> None:
    """Make sure days() lists consecutive days from first_day to last_day, all contained."""
    days = key.days()
    assert days[0] == key.first_day
    assert days[-1] == key.last_day
    assert 28 <= len(days) <= 31
    assert all(key.contains(day) and MonthKey.of(day) == key for day in days)
    assert not key.contains(key.first_day - timedelta(days=1))
    assert not key.contains(key.last_day + timedelta(days=1))


@given(first=month_keys, second=month_keys)
def test_month_key_order_follows_time(first: MonthKey, second: MonthKey) -> None:
    """Make sure comparing months compares their first days."""
    assert (first < second) == (first.first_day < second.first_day)


@given(year=st.integers(min_value=1583, max_value=9999))
def test_easter_is_a_sunday_between_22_march_and_25_april(year: int) -> None:
    """Make sure the computus always lands on a Sunday within the possible range."""
    easter = easter_sunday(year)
    assert easter.weekday() == 6
    assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@given(year=st.integers(min_value=1900, max_value=2999))
def test_alsace_moselle_adds_exactly_good_friday_and_26_december(year: int) -> None:
    """Make sure Alsace-Moselle has the national holidays plus two dates of local law."""
    national = public_holidays(year=year, region=CalendarRegion.METROPOLE)
    local = public_holidays(year=year, region=CalendarRegion.ALSACE_MOSELLE)
    assert national.items() <= local.items()
    assert set(local) - set(national) == {
        easter_sunday(year) - timedelta(days=2),
        date(year, 12, 26),
    }


@given(key=month_keys, region=st.sampled_from(CalendarRegion))
def test_month_calendar_agrees_with_the_day_predicates(
    key: MonthKey, region: CalendarRegion
) -> None:
    """Make sure month_calendar, working_days and the per-day predicates tell the same story."""
    calendar = month_calendar(month=key, region=region)
    assert [entry.date for entry in calendar] == key.days()
    for entry in calendar:
        assert entry.weekend is is_weekend(entry.date)
        assert (entry.holiday is not None) is is_public_holiday(day=entry.date, region=region)
        assert entry.working is is_working_day(day=entry.date, region=region)
        assert entry.working is (not entry.weekend and entry.holiday is None)
    assert working_days(month=key, region=region) == [
        entry.date for entry in calendar if entry.working
    ]
