"""Months of a CRA (compte rendu d'activité) and their workflow status.

A CRA covers one consultant and one calendar month. Months travel as ``"YYYY-MM"`` strings; the
parsing below is spelled out character by character so that the JavaScript port in the PWA
accepts exactly the same strings (a Python regular expression digit class would also accept
non-ASCII digits such as "٢").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sync.errors import InvalidMonth

_MIN_YEAR = 1900
_MAX_YEAR = 2999
_DIGITS = "0123456789"


def _is_leap_year(year: int) -> bool:
    # Gregorian rule: every 4th year, except centuries not divisible by 400.
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap_year(year) else 28
    if month in (4, 6, 9, 11):
        return 30
    return 31


@dataclass(frozen=True, order=True)
class MonthKey:
    """A calendar month, the unit of a CRA.

    Ordering follows time (year, then month). Construction checks the ranges, so every ``MonthKey``
    in the system is valid.

    Attributes:
        year: Four-digit year, 1900-2999.
        month: Month number, 1-12.

    Raises:
        InvalidMonth: The year or the month is out of range.
    """

    year: int
    month: int

    def __post_init__(self) -> None:
        """Reject out-of-range years and months (and bools, which Python counts as ints)."""
        if type(self.year) is not int or not _MIN_YEAR <= self.year <= _MAX_YEAR:
            msg = f"year {self.year!r} is not between {_MIN_YEAR} and {_MAX_YEAR}"
            raise InvalidMonth(msg)
        if type(self.month) is not int or not 1 <= self.month <= 12:
            msg = f"month {self.month!r} of {self.year} is not between 1 and 12"
            raise InvalidMonth(msg)

    @classmethod
    def parse(cls, text: str) -> MonthKey:
        """Parse the wire form ``"YYYY-MM"`` (ISO 8601 calendar month, e.g. ``"2026-11"``).

        Args:
            text: Exactly four ASCII digits, a hyphen and two ASCII digits; no whitespace.

        Returns:
            The month.

        Raises:
            InvalidMonth: The text is not of that form, or the month or year is out of range.
        """
        well_formed = (
            len(text) == 7
            and text[4] == "-"
            and all(char in _DIGITS for char in text[:4] + text[5:])
        )
        if not well_formed:
            msg = f"month {text!r} is not of the form YYYY-MM"
            raise InvalidMonth(msg)
        year, month = int(text[:4]), int(text[5:])
        if not _MIN_YEAR <= year <= _MAX_YEAR or not 1 <= month <= 12:
            msg = f"month {text!r} is not a month 01-12 of a year {_MIN_YEAR}-{_MAX_YEAR}"
            raise InvalidMonth(msg)
        return cls(year=year, month=month)

    @classmethod
    def of(cls, day: dt.date) -> MonthKey:
        """Return the month containing ``day``.

        Raises:
            InvalidMonth: The day's year is outside 1900-2999.
        """
        if cls is not MonthKey:
            return cls(year=day.year, month=day.month)
        # Every day a device pushes asks for its month: each month is built once and shared
        # (frozen, so sharing is safe; at most 1,100 years of 12 months, invalid ones raise).
        key = (day.year, day.month)
        found = _MONTHS.get(key)
        if found is None:
            found = _MONTHS[key] = MonthKey(year=day.year, month=day.month)
        return found

    def __str__(self) -> str:
        """Return the wire form, e.g. ``"2026-11"``."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        """The 1st of the month."""
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        """The last calendar day of the month (29 February in leap years)."""
        return dt.date(self.year, self.month, _days_in_month(self.year, self.month))

    def contains(self, day: dt.date) -> bool:
        """Tell whether ``day`` falls in this month."""
        return day.year == self.year and day.month == self.month

    def days(self) -> list[dt.date]:
        """Return every calendar day of the month, in order."""
        return [
            dt.date(self.year, self.month, number)
            for number in range(1, _days_in_month(self.year, self.month) + 1)
        ]

    def next(self) -> MonthKey:
        """Return the following month.

        Raises:
            InvalidMonth: Called on 2999-12.
        """
        if self.month == 12:
            return MonthKey(year=self.year + 1, month=1)
        return MonthKey(year=self.year, month=self.month + 1)

    def previous(self) -> MonthKey:
        """Return the preceding month.

        Raises:
            InvalidMonth: Called on 1900-01.
        """
        if self.month == 1:
            return MonthKey(year=self.year - 1, month=12)
        return MonthKey(year=self.year, month=self.month - 1)


_MONTHS: dict[tuple[int, int], MonthKey] = {}
"""The months `MonthKey.of` built, by (year, month)."""


class MonthStatus(StrEnum):
    """Workflow status of one consultant's CRA for one month.

    Members:
        DRAFT: Being filled in by the consultant; days are editable.
        SUBMITTED: Handed in by the consultant, waiting for the manager; days are locked.
        IN_VALIDATION: Being reviewed by the manager or the client; days are locked.
        VALIDATED: Approved by the manager; waiting for the client's signature; days are locked.
        SIGNED: Signed by the client; final, the basis for invoicing ("pas de CRA validé, pas de
            facture"); days are locked.
        SENT_BACK: Returned to the consultant for corrections; days are editable again.
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_VALIDATION = "in_validation"
    VALIDATED = "validated"
    SIGNED = "signed"
    SENT_BACK = "sent_back"


EDITABLE_STATUSES: frozenset[MonthStatus] = frozenset({MonthStatus.DRAFT, MonthStatus.SENT_BACK})
"""Statuses in which the consultant may edit the month's days; every other status locks them."""


def is_editable(status: MonthStatus) -> bool:
    """Tell whether the consultant may edit days of a month in ``status``.

    Args:
        status: The month's workflow status.

    Returns:
        True for draft and sent-back months, False once handed in.
    """
    return status in EDITABLE_STATUSES
