"""Properties of the pure figure rules (`server/domain/figures*.py`), with hypothesis."""

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain import figures as fig
from server.domain.errors import InvalidInput
from server.domain.figures_activity import (
    ActivitySums,
    add_sums,
    month_activity,
    tace_line,
)
from server.domain.figures_close import CircuitEvent, month_close
from sync.calendar import CalendarRegion
from sync.months import MonthKey
from sync.rules import AbsenceType

MISSIONS = ("m1", "m2")
REGIONS = {"m1": CalendarRegion.METROPOLE, "m2": CalendarRegion.ALSACE_MOSELLE}
ABSENCES = [a.value for a in AbsenceType]
NOT_FORESEEABLE = ("maladie", "formation", "intercontrat")

months = st.builds(MonthKey, year=st.integers(2024, 2027), month=st.integers(1, 12))
lines = st.dictionaries(
    st.sampled_from([f"mission:{m}" for m in MISSIONS] + [f"absence:{a}" for a in ABSENCES]),
    st.integers(0, 50),
    max_size=6,
)
settings = st.builds(
    fig.Settings,
    # Intercontrat may never be foreseeable (the rule refuses it); every other type may.
    foreseeable=st.frozensets(
        st.sampled_from([a for a in AbsenceType if a is not AbsenceType.INTERCONTRAT])
    ),
)


def activity(month: MonthKey, month_lines: dict[str, int], s: fig.Settings) -> ActivitySums:
    a = month_activity(
        month=month,
        lines=month_lines,
        mission_regions=REGIONS,
        default_region=CalendarRegion.METROPOLE,
        settings=s,
    )
    return ActivitySums(produced=a.produced, available=a.available, months=1)


def tace(sums: ActivitySums) -> float | None:
    return None if sums.available == 0 else sums.produced / sums.available


@given(month=months, month_lines=lines, s=settings)
def test_tace_is_between_0_and_1(
    month: MonthKey, month_lines: dict[str, int], s: fig.Settings
) -> None:
    """Make sure a consultant-month's TACE is in [0, 1], weekend work and all."""
    value = tace(activity(month, month_lines, s))
    assert value is None or 0 <= value <= 1


@given(members=st.lists(st.tuples(months, lines), min_size=1, max_size=8), s=settings)
def test_a_team_figure_is_the_aggregate_of_its_members(
    members: list[tuple[MonthKey, dict[str, int]]], s: fig.Settings
) -> None:
    """Make sure a team's TACE is Σ produced ÷ Σ available of its members, so it lies between
    its lowest and highest member, and never an average of their rates."""
    sums = [activity(month, month_lines, s) for month, month_lines in members]
    team = add_sums(sums)
    assert team.produced == sum(m.produced for m in sums)
    assert team.available == sum(m.available for m in sums)
    line = tace_line(id="team", name="team", sums=team)
    rates = [r for r in (tace(m) for m in sums) if r is not None]
    if line.tace is None:
        assert rates == []
    else:
        assert min(rates) - 1e-4 <= line.tace <= max(rates) + 1e-4
        assert line.tace == round(team.produced / team.available, 4)


@given(
    month=months,
    month_lines=lines,
    others=st.lists(st.tuples(months, lines), max_size=5),
    absence=st.sampled_from(NOT_FORESEEABLE),
    added=st.integers(1, 10),
    taken_from_mission=st.booleans(),
    s=settings,
)
def test_adding_a_non_billable_absence_never_raises_the_tace(
    month: MonthKey,
    month_lines: dict[str, int],
    others: list[tuple[MonthKey, dict[str, int]]],
    absence: str,
    added: int,
    taken_from_mission: bool,
    s: fig.Settings,
) -> None:
    """Make sure recording sickness, training or intercontrat (on an empty day, or in place of
    mission time) never raises the TACE, of the consultant or of their team."""
    if AbsenceType(absence) in s.foreseeable:
        return
    after = dict(month_lines)
    key = f"absence:{absence}"
    after[key] = after.get(key, 0) + added
    if taken_from_mission:
        mission = "mission:m1"
        after[mission] = max(0, after.get(mission, 0) - added)
    rest = [activity(m, ls, s) for m, ls in others]
    before_team = add_sums([activity(month, month_lines, s), *rest])
    after_team = add_sums([activity(month, after, s), *rest])
    for old, new in (
        (activity(month, month_lines, s), activity(month, after, s)),
        (before_team, after_team),
    ):
        if tace(old) is not None and tace(new) is not None:
            assert tace(new) <= tace(old) + 1e-12  # type: ignore[operator]


def test_month_activity_counts_foreseeable_absences_out_of_the_denominator() -> None:
    """Make sure CP leaves the denominator and sickness stays in it (January 2026: 21 days)."""
    january = MonthKey(2026, 1)
    a = month_activity(
        month=january,
        lines={"mission:m1": 36, "absence:CP": 4, "absence:maladie": 2},
        mission_regions=REGIONS,
        default_region=CalendarRegion.METROPOLE,
        settings=fig.Settings(),
    )
    assert (a.working, a.available, a.produced, a.foreseeable, a.other_absences) == (
        42,
        38,
        36,
        4,
        2,
    )
    # The same month in Alsace-Moselle has no extra holiday in January: still 42.
    assert a.region is CalendarRegion.METROPOLE


@given(values=st.lists(st.integers(-40, 120), min_size=1, max_size=60))
def test_percentiles_are_nearest_rank_values_of_the_data(values: list[int]) -> None:
    """Make sure the median and p90 are values that occurred, at their nearest rank."""
    histogram: dict[int, int] = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    ordered = sorted(values)
    spread = fig.spread(histogram)
    assert spread.count == len(values)
    assert spread.median == ordered[math.ceil(0.5 * len(values)) - 1]
    assert spread.p90 == ordered[math.ceil(round(0.9 * len(values), 6)) - 1]
    assert spread.median is not None and spread.p90 is not None
    assert spread.median <= spread.p90


def _event(day: date, kind: str, *, step: int | None = None, to: str = "") -> CircuitEvent:
    return CircuitEvent(
        on=day, kind=kind, actor_id="a", step=step, step_kind="manager", to_status=to
    )


@given(
    submitted=st.integers(-10, 30),
    sent_back=st.booleans(),
    grace=st.integers(0, 10),
)
def test_month_close_on_time_and_first_time_right(
    submitted: int, sent_back: bool, grace: int
) -> None:
    """Make sure on time means within the grace days, and a send-back spoils first-time-right."""
    month = MonthKey(2026, 3)
    end = month.last_day
    first = end + timedelta(days=submitted)
    events = [_event(first, "submitted", to="in_validation")]
    if sent_back:
        events.append(_event(first, "sent_back", step=0, to="sent_back"))
        events.append(_event(first + timedelta(days=1), "submitted", to="in_validation"))
    events.append(_event(first + timedelta(days=2), "approved", step=0, to="validated"))
    closed = month_close(month=month, events=events, settings=fig.Settings(grace_days=grace))
    assert closed.submitted == submitted
    assert closed.on_time is (submitted <= grace)
    assert closed.first_time_right is (not sent_back)
    assert closed.validated == submitted + 2
    assert [d.outcome for d in closed.decisions] == (
        ["sent_back", "approved"] if sent_back else ["approved"]
    )


def test_a_reopened_month_is_no_longer_validated_nor_first_time_right() -> None:
    """Make sure an administrator's reopening takes the month out of the validated ones."""
    month = MonthKey(2026, 3)
    day = date(2026, 4, 1)
    events = [
        _event(day, "submitted", to="in_validation"),
        _event(day, "approved", step=0, to="validated"),
        _event(day, "reopened", to="sent_back"),
    ]
    closed = month_close(month=month, events=events, settings=fig.Settings())
    assert (closed.validated, closed.first_time_right, closed.reopens) == (None, None, 1)
    events.append(_event(day, "submitted", to="in_validation"))
    events.append(_event(day, "approved", step=0, to="validated"))
    closed = month_close(month=month, events=events, settings=fig.Settings())
    assert closed.first_time_right is False


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-13", None, "from"),
        (None, "x", "to"),
        ("2026-05", "2026-04", "to"),
        ("2020-01", "2026-01", "from"),
    ],
)
def test_a_bad_period_names_its_field(first: str | None, last: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        fig.parse_period(first=first, last=last, today=date(2026, 4, 15))
    assert [e.field for e in refused.value.errors] == [field]


def test_the_default_period_is_the_twelve_months_ending_now() -> None:
    period = fig.parse_period(first=None, last=None, today=date(2026, 4, 15))
    assert (str(period.first), str(period.last), len(period.months)) == ("2025-05", "2026-04", 12)


def test_settings_refuse_intercontrat_as_foreseeable() -> None:
    with pytest.raises(InvalidInput):
        fig.Settings(foreseeable=frozenset({AbsenceType.INTERCONTRAT}))
