"""CRA months: the ``YYYY-MM`` wire form, calendar arithmetic and the editable statuses."""

from datetime import date
from itertools import pairwise

import pytest

from sync.errors import InvalidMonth, RuleError
from sync.months import EDITABLE_STATUSES, MonthKey, MonthStatus, is_editable


@pytest.mark.parametrize(
    ("text", "year", "month"),
    [("2026-11", 2026, 11), ("1900-01", 1900, 1), ("2999-12", 2999, 12), ("2028-02", 2028, 2)],
)
def test_parse_accepts_yyyy_mm(text: str, year: int, month: int) -> None:
    """Make sure well-formed months in range parse to their year and month."""
    assert MonthKey.parse(text) == MonthKey(year=year, month=month)


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-00",
        "1899-12",
        "3000-01",
        "2026-1",
        "26-11",
        "2026/11",
        "2026_11",
        " 2026-11",
        "2026-11\n",
        "2026-11-01",
        "+026-11",
        "-026-11",
        "２０２６-11",  # full-width digits, accepted by int()
        "٢٠٢٦-11",  # Arabic-Indic digits, accepted by int()
        "",
    ],
)
def test_parse_rejects_anything_else(text: str) -> None:
    """Make sure malformed or out-of-range months raise InvalidMonth naming the text."""
    with pytest.raises(InvalidMonth) as caught:
        MonthKey.parse(text)
    assert repr(text) in str(caught.value)
    assert caught.value.code == "invalid_month"
    assert isinstance(caught.value, RuleError)


@pytest.mark.parametrize(
    ("year", "month"),
    [(2026, 0), (2026, 13), (1899, 12), (3000, 1), (True, 1), (2026, True)],
)
def test_constructor_rejects_out_of_range(year: int, month: int) -> None:
    """Make sure a MonthKey cannot be built with an invalid year or month."""
    with pytest.raises(InvalidMonth):
        MonthKey(year=year, month=month)


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (MonthKey(2026, 3), "2026-03"),
        (MonthKey(2026, 11), "2026-11"),
        (MonthKey(1900, 1), "1900-01"),
    ],
)
def test_str_is_the_wire_form(key: MonthKey, text: str) -> None:
    """Make sure str() zero-pads the month to YYYY-MM."""
    assert str(key) == text


@pytest.mark.parametrize(
    ("key", "last"),
    [
        (MonthKey(2026, 1), date(2026, 1, 31)),
        (MonthKey(2026, 2), date(2026, 2, 28)),
        (MonthKey(2028, 2), date(2028, 2, 29)),  # divisible by 4
        (MonthKey(1900, 2), date(1900, 2, 28)),  # century not divisible by 400
        (MonthKey(2000, 2), date(2000, 2, 29)),  # divisible by 400
        (MonthKey(2026, 4), date(2026, 4, 30)),
        (MonthKey(2026, 12), date(2026, 12, 31)),
    ],
)
def test_first_and_last_day(key: MonthKey, last: date) -> None:
    """Make sure month bounds follow month lengths and the Gregorian leap-year rule."""
    assert key.first_day == date(key.year, key.month, 1)
    assert key.last_day == last
    days = key.days()
    assert days[0] == key.first_day
    assert days[-1] == last
    assert len(days) == last.day
    assert all((later - earlier).days == 1 for earlier, later in pairwise(days))


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (date(2026, 11, 1), True),
        (date(2026, 11, 30), True),
        (date(2026, 10, 31), False),
        (date(2026, 12, 1), False),
        (date(2025, 11, 15), False),
    ],
)
def test_contains(day: date, inside: bool) -> None:
    """Make sure contains() is true for days of the month only, whatever the year."""
    assert MonthKey(2026, 11).contains(day) is inside


@pytest.mark.parametrize(
    ("key", "following"),
    [
        (MonthKey(2026, 11), MonthKey(2026, 12)),
        (MonthKey(2026, 12), MonthKey(2027, 1)),
        (MonthKey(1900, 1), MonthKey(1900, 2)),
    ],
)
def test_next_and_previous(key: MonthKey, following: MonthKey) -> None:
    """Make sure next() and previous() step one month, across year boundaries too."""
    assert key.next() == following
    assert following.previous() == key


def test_stepping_out_of_range_raises() -> None:
    """Make sure stepping past 2999-12 or before 1900-01 raises InvalidMonth."""
    with pytest.raises(InvalidMonth):
        MonthKey(2999, 12).next()
    with pytest.raises(InvalidMonth):
        MonthKey(1900, 1).previous()


@pytest.mark.parametrize(
    ("day", "key"),
    [(date(2026, 11, 3), MonthKey(2026, 11)), (date(2028, 2, 29), MonthKey(2028, 2))],
)
def test_of_returns_the_containing_month(day: date, key: MonthKey) -> None:
    """Make sure MonthKey.of() gives the month of a date."""
    assert MonthKey.of(day) == key


def test_months_order_by_time() -> None:
    """Make sure sorting months follows the calendar, not the string of the month number."""
    months = [MonthKey(2026, 10), MonthKey(2025, 12), MonthKey(2026, 2), MonthKey(2026, 1)]
    assert sorted(months) == [
        MonthKey(2025, 12),
        MonthKey(2026, 1),
        MonthKey(2026, 2),
        MonthKey(2026, 10),
    ]
    assert MonthKey(2026, 9) < MonthKey(2026, 10)


@pytest.mark.parametrize(
    ("status", "editable"),
    [
        (MonthStatus.DRAFT, True),
        (MonthStatus.SUBMITTED, False),
        (MonthStatus.IN_VALIDATION, False),
        (MonthStatus.VALIDATED, False),
        (MonthStatus.SIGNED, False),
        (MonthStatus.SENT_BACK, True),
    ],
)
def test_only_draft_and_sent_back_months_are_editable(status: MonthStatus, editable: bool) -> None:
    """Make sure the consultant may edit days of draft and sent-back months only."""
    assert is_editable(status) is editable
    assert (status in EDITABLE_STATUSES) is editable


@pytest.mark.parametrize(
    ("status", "wire"),
    [
        (MonthStatus.DRAFT, "draft"),
        (MonthStatus.SUBMITTED, "submitted"),
        (MonthStatus.IN_VALIDATION, "in_validation"),
        (MonthStatus.VALIDATED, "validated"),
        (MonthStatus.SIGNED, "signed"),
        (MonthStatus.SENT_BACK, "sent_back"),
    ],
)
def test_month_status_wire_values(status: MonthStatus, wire: str) -> None:
    """Make sure statuses travel as their lowercase value and parse back from it."""
    assert status.value == wire
    assert str(status) == wire
    assert MonthStatus(wire) is status
