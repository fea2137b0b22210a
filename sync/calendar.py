"""French public holidays and working days (jours ouvrés), computed from first principles.

Why not the ``holidays`` library: the PWA must show the same calendar offline, so the algorithm
lives here in a form that is ported line by line to JavaScript; ``holidays`` is only the test
oracle (``tests/sync/test_calendar.py``).

The list is the one of the Code du travail as in force today, applied to every year:

* art. L3133-1: 1 January, Easter Monday, 1 May, 8 May, Ascension, Whit Monday, 14 July,
  15 August, 1 November, 11 November, 25 December;
* art. L3134-13 (local law of Alsace-Moselle: Moselle, Bas-Rhin, Haut-Rhin): also 26 December
  and Good Friday (by the letter only in communes with a Protestant temple or a mixed church,
  observed region-wide in practice, as the ``holidays`` library does). The region is the
  mission's place of work, not the consultant's home.
* overseas departments: the commemoration of the abolition of slavery is a public holiday
  (loi n° 83-550 du 30 juin 1983, art. 1 to 3, as amended; C. trav. art. L3133-1 being
  applicable there), on the day décret n° 83-1003 du 23 novembre 1983 (as amended by décret
  n° 2012-553 du 23 avril 2012) sets for each: Guadeloupe 27 May, Martinique 22 May, Guyane
  10 June, La Réunion 20 December, Mayotte 27 April. The ``holidays`` library (its FR
  subdivisions 971 to 976) also lists 21 July (fête de Victor Schœlcher) in Guadeloupe and
  Martinique, and Good Friday and Mi-Carême in Guadeloupe: days kept by local custom or
  agreement, which neither the loi nor the décret names. Like the solidarity day, they are a
  firm's or a client's choice, not the statutory calendar, so they are not listed (the
  tests pin exactly this difference).

Whit Monday is always listed as a holiday even though it may be the "journée de solidarité"
(art. L3133-7 ff.) and be worked; that is a per-company override, not a calendar fact. For
2005-2007 the ``holidays`` library drops Whit Monday: loi n° 2004-626 made it the default
(worked) solidarity day until loi n° 2008-351, although the statutory list (then art. L222-1)
still named it. This module applies today's list to every year and keeps it; no CRA predates the
product, so the difference is documented and pinned in the tests rather than modelled. Older
history (8 May before 1982, ...) is not modelled either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from sync.months import MonthKey

_SATURDAY = 5  # date.weekday(): Monday = 0 ... Sunday = 6


class CalendarRegion(StrEnum):
    """Which public-holiday list applies at the place of work.

    Members:
        METROPOLE: Mainland France outside Alsace-Moselle (C. trav. art. L3133-1).
        ALSACE_MOSELLE: Moselle (57), Bas-Rhin (67), Haut-Rhin (68): local law adds Good Friday
            and 26 December (C. trav. art. L3134-13).

        GUADELOUPE, MARTINIQUE, GUYANE, LA_REUNION, MAYOTTE: the overseas departments (971 to
            976): their abolition-of-slavery day (loi n° 83-550, décret n° 83-1003).
    """

    METROPOLE = "metropole"
    ALSACE_MOSELLE = "alsace_moselle"
    GUADELOUPE = "guadeloupe"
    MARTINIQUE = "martinique"
    GUYANE = "guyane"
    LA_REUNION = "la_reunion"
    MAYOTTE = "mayotte"


def easter_sunday(year: int) -> dt.date:
    """Return Easter Sunday of a Gregorian year.

    Uses the anonymous Gregorian algorithm ("Meeus/Jones/Butcher", published in Nature in 1876,
    J. Meeus, *Astronomical Algorithms*, ch. 8). Only integer floor division and remainders on
    non-negative numbers, so the JavaScript port uses ``Math.floor`` and ``%`` unchanged.

    Args:
        year: Gregorian year (1583 or later).

    Returns:
        The date of Easter Sunday, between 22 March and 25 April.
    """
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    moon_correction = (century + 8) // 25
    sun_correction = (century - moon_correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - sun_correction + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    weekday_shift = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    late_correction = (golden + 11 * epact + 22 * weekday_shift) // 451
    month, day_minus_one = divmod(epact + weekday_shift - 7 * late_correction + 114, 31)
    return dt.date(year, month, day_minus_one + 1)


_ABOLITION: dict[str, tuple[int, int]] = {
    CalendarRegion.GUADELOUPE: (5, 27),
    CalendarRegion.MARTINIQUE: (5, 22),
    CalendarRegion.GUYANE: (6, 10),
    CalendarRegion.LA_REUNION: (12, 20),
    CalendarRegion.MAYOTTE: (4, 27),
}
"""(month, day) of the abolition of slavery's commemoration, décret n° 83-1003 art. 1."""


@lru_cache(maxsize=256)
def _holiday_list(year: int, region: CalendarRegion) -> tuple[tuple[dt.date, str], ...]:
    easter = easter_sunday(year)
    holidays = [
        (dt.date(year, 1, 1), "Jour de l'an"),
        (easter + dt.timedelta(days=1), "Lundi de Pâques"),
        (dt.date(year, 5, 1), "Fête du Travail"),
        (dt.date(year, 5, 8), "Fête de la Victoire"),
        # Ascension Thursday is the 40th day of Easter counting Easter Sunday as day 1.
        (easter + dt.timedelta(days=39), "Ascension"),
        # Whit Monday follows Pentecost, the 50th day counting Easter Sunday as day 1.
        (easter + dt.timedelta(days=50), "Lundi de Pentecôte"),
        (dt.date(year, 7, 14), "Fête nationale"),
        (dt.date(year, 8, 15), "Assomption"),
        (dt.date(year, 11, 1), "Toussaint"),
        (dt.date(year, 11, 11), "Armistice"),
        (dt.date(year, 12, 25), "Noël"),
    ]
    # ``==`` rather than ``is``: a plain "alsace_moselle" string hashes to the same cache entry.
    if region == CalendarRegion.ALSACE_MOSELLE:
        holidays.append((easter - dt.timedelta(days=2), "Vendredi saint"))
        holidays.append((dt.date(year, 12, 26), "Saint-Étienne"))
    # Overseas: the abolition day of décret n° 83-1003 (as amended).
    abolition = _ABOLITION.get(region)
    if abolition is not None:
        holidays.append((dt.date(year, *abolition), "Abolition de l'esclavage"))
    # Ascension (30 April-3 June) sometimes falls on 1 or 8 May (2008, 2059, ...): one date, two
    # holidays. Keep both names, sorted and joined with "; " as the ``holidays`` library does.
    names: dict[dt.date, list[str]] = {}
    for day, name in holidays:
        names.setdefault(day, []).append(name)
    return tuple((day, "; ".join(sorted(names[day]))) for day in sorted(names))


def public_holidays(*, year: int, region: CalendarRegion) -> dict[dt.date, str]:
    """Return the public holidays (jours fériés) of a year with their French names.

    Implements C. trav. art. L3133-1 for every region, adds the two local holidays of art.
    L3134-13 for Alsace-Moselle and the overseas departments' days (loi n° 83-550, décret
    n° 83-1003). See the module docstring for Whit Monday and the overseas local customs.

    Args:
        year: Gregorian year.
        region: Region of the place of work.

    Returns:
        A new dict from date to name, in date order; the caller may modify it.
    """
    return dict(_holiday_list(year, region))


def is_weekend(day: dt.date) -> bool:
    """Tell whether ``day`` is a Saturday or a Sunday."""
    return day.weekday() >= _SATURDAY


def is_public_holiday(*, day: dt.date, region: CalendarRegion) -> bool:
    """Tell whether ``day`` is a public holiday in ``region`` (whatever its weekday)."""
    return day in _holiday_dates(day.year, region)


def is_working_day(*, day: dt.date, region: CalendarRegion) -> bool:
    """Tell whether ``day`` is a jour ouvré: Monday to Friday and not a public holiday.

    Args:
        day: The day.
        region: Region of the place of work.

    Returns:
        True for a Monday-Friday that is not a public holiday of ``region``.
    """
    return not is_weekend(day) and not is_public_holiday(day=day, region=region)


def working_days(*, month: MonthKey, region: CalendarRegion) -> list[dt.date]:
    """Return the jours ouvrés of a month, in order.

    Args:
        month: The month.
        region: Region of the place of work.

    Returns:
        Every Monday-Friday of the month that is not a public holiday of ``region``.
    """
    return [day for day in month.days() if is_working_day(day=day, region=region)]


@dataclass(frozen=True)
class CalendarDay:
    """One day of a month as the CRA grid shows it.

    Attributes:
        date: The day.
        weekend: Saturday or Sunday.
        holiday: French name of the public holiday falling on that day, or None.
        working: Jour ouvré (neither weekend nor public holiday).
    """

    date: dt.date
    weekend: bool
    holiday: str | None
    working: bool


def month_calendar(*, month: MonthKey, region: CalendarRegion) -> list[CalendarDay]:
    """Describe every calendar day of a month: weekend, holiday name, working day.

    Args:
        month: The month.
        region: Region of the place of work.

    Returns:
        One ``CalendarDay`` per calendar day, in order.
    """
    holidays = public_holidays(year=month.year, region=region)
    calendar = []
    for day in month.days():
        weekend = is_weekend(day)
        holiday = holidays.get(day)
        working = not weekend and holiday is None
        calendar.append(CalendarDay(date=day, weekend=weekend, holiday=holiday, working=working))
    return calendar


@lru_cache(maxsize=256)
def _holiday_dates(year: int, region: CalendarRegion) -> frozenset[dt.date]:
    return frozenset(day for day, _ in _holiday_list(year, region))
