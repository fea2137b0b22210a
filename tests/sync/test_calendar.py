"""French public holidays and working days, checked against the ``holidays`` library as oracle."""

from datetime import date

import holidays
import pytest
from dateutil.easter import easter

from sync.calendar import (
    CalendarDay,
    CalendarRegion,
    easter_sunday,
    is_public_holiday,
    is_weekend,
    is_working_day,
    month_calendar,
    public_holidays,
    working_days,
)
from sync.months import MonthKey

METROPOLE = CalendarRegion.METROPOLE
ALSACE_MOSELLE = CalendarRegion.ALSACE_MOSELLE

ORACLE_YEARS = range(2000, 2101)
# holidays 0.109 drops Whit Monday in 2005-2007 (loi n° 2004-626 made it the default, worked
# solidarity day until loi n° 2008-351); sync.calendar applies today's list of art. L3133-1 to
# every year. See the module docstring of sync/calendar.py.
WHIT_MONDAY_DROPPED_BY_LIBRARY = {
    2005: date(2005, 5, 16),
    2006: date(2006, 6, 5),
    2007: date(2007, 5, 28),
}


# Days the library lists overseas by local custom, which neither loi n° 83-550 nor décret
# n° 83-1003 names: sync.calendar leaves them out (see its module docstring).
LOCAL_CUSTOMS = {
    "971": {"Vendredi saint", "Mi-Carême", "Fête de Victor Schoelcher"},
    "972": {"Fête de Victor Schoelcher"},
}


def _library(year: int, subdiv: str | None) -> dict[date, str]:
    return dict(holidays.country_holidays("FR", years=year, subdiv=subdiv, language="fr").items())


def _statutory(year: int, subdiv: str | None) -> dict[date, str]:
    """The library's list less the local customs (a day with two names keeps the other)."""
    out = {}
    for day, name in _library(year, subdiv).items():
        kept = [n for n in name.split("; ") if n not in LOCAL_CUSTOMS.get(subdiv or "", set())]
        if kept:
            out[day] = "; ".join(kept)
    return out


@pytest.mark.parametrize(
    ("region", "subdiv"),
    [
        (METROPOLE, None),
        (ALSACE_MOSELLE, "57"),
        (ALSACE_MOSELLE, "6AE"),
        (CalendarRegion.GUADELOUPE, "971"),
        (CalendarRegion.MARTINIQUE, "972"),
        (CalendarRegion.GUYANE, "973"),
        (CalendarRegion.LA_REUNION, "974"),
        (CalendarRegion.MAYOTTE, "976"),
    ],
    ids=["metropole", "moselle-57", "alsace-6AE", "971", "972", "973", "974", "976"],
)
def test_public_holidays_match_the_holidays_library_2000_to_2100(
    region: CalendarRegion, subdiv: str | None
) -> None:
    """Make sure dates and French names equal the library's for 2000-2100 (bar Whit Monday)."""
    differences = {}
    for year in ORACLE_YEARS:
        expected = _statutory(year, subdiv)
        if year in WHIT_MONDAY_DROPPED_BY_LIBRARY:
            expected[WHIT_MONDAY_DROPPED_BY_LIBRARY[year]] = "Lundi de Pentecôte"
        ours = public_holidays(year=year, region=region)
        if ours != expected:
            differences[year] = set(ours.items()) ^ set(expected.items())
    assert differences == {}


@pytest.mark.parametrize("subdiv", [None, "57", "6AE"])
@pytest.mark.parametrize("year", sorted(WHIT_MONDAY_DROPPED_BY_LIBRARY))
def test_the_library_differs_only_by_whit_monday_in_2005_to_2007(
    year: int, subdiv: str | None
) -> None:
    """Make sure the one documented disagreement with the library is still exactly Whit Monday."""
    region = METROPOLE if subdiv is None else ALSACE_MOSELLE
    ours = public_holidays(year=year, region=region)
    extra = set(ours.items()) - set(_library(year, subdiv).items())
    assert extra == {(WHIT_MONDAY_DROPPED_BY_LIBRARY[year], "Lundi de Pentecôte")}
    assert set(_library(year, subdiv)) < set(ours)


def test_public_holidays_2026_metropole() -> None:
    """Make sure 2026 in mainland France has the eleven holidays of C. trav. art. L3133-1."""
    assert public_holidays(year=2026, region=METROPOLE) == {
        date(2026, 1, 1): "Jour de l'an",
        date(2026, 4, 6): "Lundi de Pâques",
        date(2026, 5, 1): "Fête du Travail",
        date(2026, 5, 8): "Fête de la Victoire",
        date(2026, 5, 14): "Ascension",
        date(2026, 5, 25): "Lundi de Pentecôte",
        date(2026, 7, 14): "Fête nationale",
        date(2026, 8, 15): "Assomption",
        date(2026, 11, 1): "Toussaint",
        date(2026, 11, 11): "Armistice",
        date(2026, 12, 25): "Noël",
    }


@pytest.mark.parametrize(
    ("day", "name"),
    [(date(2026, 4, 3), "Vendredi saint"), (date(2026, 12, 26), "Saint-Étienne")],
)
def test_alsace_moselle_only_holidays(day: date, name: str) -> None:
    """Make sure Good Friday and 26 December are holidays in Alsace-Moselle only (L3134-13)."""
    assert not is_public_holiday(day=day, region=METROPOLE)
    assert is_public_holiday(day=day, region=ALSACE_MOSELLE)
    assert public_holidays(year=2026, region=ALSACE_MOSELLE)[day] == name
    assert day not in public_holidays(year=2026, region=METROPOLE)


def test_two_holidays_on_one_date_keep_both_names() -> None:
    """Make sure Ascension on 1 May 2008 keeps both names, joined like the library does."""
    assert public_holidays(year=2008, region=METROPOLE)[date(2008, 5, 1)] == (
        "Ascension; Fête du Travail"
    )
    assert public_holidays(year=2059, region=METROPOLE)[date(2059, 5, 8)] == (
        "Ascension; Fête de la Victoire"
    )


def test_public_holidays_returns_a_fresh_dict() -> None:
    """Make sure a caller modifying the result cannot corrupt the cached calendar."""
    first = public_holidays(year=2026, region=METROPOLE)
    first.clear()
    assert len(public_holidays(year=2026, region=METROPOLE)) == 11


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        # Latest possible Easter (25 April) in 1943 and 2038, earliest (22 March) in 2285.
        (1943, date(1943, 4, 25)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday_known_dates(year: int, expected: date) -> None:
    """Make sure the computus gives the published Easter dates, extremes included."""
    assert easter_sunday(year) == expected


def test_easter_sunday_matches_dateutil_for_every_gregorian_year() -> None:
    """Make sure the computus agrees with dateutil's Gregorian Easter from 1583 to 4099."""
    mismatches = [year for year in range(1583, 4100) if easter_sunday(year) != easter(year)]
    assert mismatches == []


@pytest.mark.parametrize(
    ("day", "weekend"),
    [
        (date(2026, 11, 6), False),  # Friday
        (date(2026, 11, 7), True),  # Saturday
        (date(2026, 11, 8), True),  # Sunday
        (date(2026, 11, 9), False),  # Monday
    ],
)
def test_is_weekend(day: date, weekend: bool) -> None:
    """Make sure Saturday and Sunday, and only they, are weekend days."""
    assert is_weekend(day) is weekend


@pytest.mark.parametrize(
    ("day", "region", "working"),
    [
        (date(2026, 11, 10), METROPOLE, True),  # Tuesday
        (date(2026, 11, 11), METROPOLE, False),  # Wednesday, Armistice
        (date(2026, 11, 14), METROPOLE, False),  # Saturday
        (date(2026, 4, 3), METROPOLE, True),  # Good Friday, a working day outside Alsace-Moselle
        (date(2026, 4, 3), ALSACE_MOSELLE, False),
        (date(2026, 5, 25), METROPOLE, False),  # Whit Monday
    ],
)
def test_is_working_day(day: date, region: CalendarRegion, working: bool) -> None:
    """Make sure a jour ouvré is a Monday-Friday that is not a holiday of the region."""
    assert is_working_day(day=day, region=region) is working


def test_october_2026_has_22_working_days() -> None:
    """Make sure October 2026 has 22 jours ouvrés (no holiday; 31 days minus 9 weekend days)."""
    assert len(working_days(month=MonthKey(2026, 10), region=METROPOLE)) == 22
    assert len(working_days(month=MonthKey(2026, 10), region=ALSACE_MOSELLE)) == 22


def test_may_2026_working_days() -> None:
    """Make sure May 2026 has 17 jours ouvrés in every region."""
    # 1 May 2026 is a Friday: 31 days - 10 weekend days (Sat 2-30, Sun 3-31) = 21 weekdays,
    # minus four weekday holidays: Fri 1 (Travail), Fri 8 (Victoire), Thu 14 (Ascension) and
    # Mon 25 (Pentecôte) = 17.
    expected = [
        day
        for day in MonthKey(2026, 5).days()
        if day.weekday() < 5 and day.day not in {1, 8, 14, 25}
    ]
    assert len(expected) == 17
    assert working_days(month=MonthKey(2026, 5), region=METROPOLE) == expected
    assert working_days(month=MonthKey(2026, 5), region=ALSACE_MOSELLE) == expected


@pytest.mark.parametrize(
    ("month", "metropole", "alsace_moselle"),
    [
        # 22 weekdays; Easter Monday 6 April; Good Friday 3 April in Alsace-Moselle only.
        (MonthKey(2026, 4), 21, 20),
        # 21 weekdays; Armistice on Wednesday 11 (Toussaint falls on Sunday 1).
        (MonthKey(2026, 11), 20, 20),
        # 23 weekdays; Noël on Friday 25; Saint-Étienne falls on Saturday 26.
        (MonthKey(2026, 12), 22, 22),
        # 21 weekdays; Jour de l'an on Friday 1.
        (MonthKey(2027, 1), 20, 20),
        # 21 weekdays in leap February 2028; no holiday.
        (MonthKey(2028, 2), 21, 21),
    ],
)
def test_working_day_counts(month: MonthKey, metropole: int, alsace_moselle: int) -> None:
    """Make sure whole-month jours ouvrés counts follow weekdays minus weekday holidays."""
    assert len(working_days(month=month, region=METROPOLE)) == metropole
    assert len(working_days(month=month, region=ALSACE_MOSELLE)) == alsace_moselle


def test_working_days_at_the_year_boundary() -> None:
    """Make sure Thu 2026-12-31 is worked and January 2027 starts on Mon 4 (1 Jan is a holiday)."""
    assert working_days(month=MonthKey(2026, 12), region=METROPOLE)[-1] == date(2026, 12, 31)
    assert working_days(month=MonthKey(2027, 1), region=METROPOLE)[0] == date(2027, 1, 4)
    assert is_public_holiday(day=date(2027, 1, 1), region=METROPOLE)


def test_month_calendar_of_leap_february_2028() -> None:
    """Make sure February 2028 lists 29 days, ending on Tuesday the 29th, a working day."""
    calendar = month_calendar(month=MonthKey(2028, 2), region=METROPOLE)
    assert len(calendar) == 29
    assert calendar[0] == CalendarDay(
        date=date(2028, 2, 1), weekend=False, holiday=None, working=True
    )
    assert calendar[-1] == CalendarDay(
        date=date(2028, 2, 29), weekend=False, holiday=None, working=True
    )


def test_month_calendar_marks_weekends_and_holidays() -> None:
    """Make sure each day of December 2026 in Alsace-Moselle carries its flags and holiday name."""
    by_date = {
        entry.date: entry
        for entry in month_calendar(month=MonthKey(2026, 12), region=ALSACE_MOSELLE)
    }
    assert by_date[date(2026, 12, 24)] == CalendarDay(
        date=date(2026, 12, 24), weekend=False, holiday=None, working=True
    )
    assert by_date[date(2026, 12, 25)] == CalendarDay(
        date=date(2026, 12, 25), weekend=False, holiday="Noël", working=False
    )
    assert by_date[date(2026, 12, 26)] == CalendarDay(
        date=date(2026, 12, 26), weekend=True, holiday="Saint-Étienne", working=False
    )
    assert by_date[date(2026, 12, 27)] == CalendarDay(
        date=date(2026, 12, 27), weekend=True, holiday=None, working=False
    )
    assert sorted(by_date) == MonthKey(2026, 12).days()


@pytest.mark.parametrize(
    ("region", "day"),
    [
        (CalendarRegion.GUADELOUPE, date(2026, 5, 27)),
        (CalendarRegion.MARTINIQUE, date(2026, 5, 22)),
        (CalendarRegion.GUYANE, date(2026, 6, 10)),
        (CalendarRegion.LA_REUNION, date(2026, 12, 20)),
        (CalendarRegion.MAYOTTE, date(2026, 4, 27)),
    ],
)
def test_each_overseas_department_has_its_abolition_day_from_the_decree(
    region: CalendarRegion, day: date
) -> None:
    """Make sure the day décret n° 83-1003 sets for each department is a holiday there alone."""
    assert public_holidays(year=2026, region=region)[day] == "Abolition de l'esclavage"
    assert not is_public_holiday(day=day, region=METROPOLE)
    others = [r for r in CalendarRegion if r not in (region, METROPOLE, ALSACE_MOSELLE)]
    assert all(not is_public_holiday(day=day, region=r) for r in others)


def test_overseas_working_days_of_a_month() -> None:
    """Make sure May 2026 counts one working day fewer in Martinique (Friday 22) and in
    Guadeloupe (Wednesday 27) than in mainland France, and April 2026 one fewer in Mayotte."""
    may = MonthKey(2026, 5)
    mainland = len(working_days(month=may, region=METROPOLE))
    assert len(working_days(month=may, region=CalendarRegion.MARTINIQUE)) == mainland - 1
    assert len(working_days(month=may, region=CalendarRegion.GUADELOUPE)) == mainland - 1
    april = MonthKey(2026, 4)
    assert (
        len(working_days(month=april, region=CalendarRegion.MAYOTTE))
        == len(working_days(month=april, region=METROPOLE)) - 1
    )


@pytest.mark.parametrize(("subdiv", "customs"), sorted(LOCAL_CUSTOMS.items()))
def test_overseas_local_customs_are_the_only_other_difference(
    subdiv: str, customs: set[str]
) -> None:
    """Make sure what the library adds in Guadeloupe and Martinique is exactly those customs."""
    region = {"971": CalendarRegion.GUADELOUPE, "972": CalendarRegion.MARTINIQUE}[subdiv]
    extra = set(_library(2026, subdiv).items()) - set(
        public_holidays(year=2026, region=region).items()
    )
    assert {name for _, name in extra} == customs
