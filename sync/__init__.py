"""Pure rules shared by the phone (PWA, mirrored in JavaScript) and the server.

Standard library only; time and ids come in as parameters.
"""

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
from sync.errors import InvalidDay, InvalidMonth, RuleError, Violation
from sync.months import EDITABLE_STATUSES, MonthKey, MonthStatus, is_editable
from sync.rules import (
    HALF_DAYS_PER_DAY,
    MAX_COMMENT_LENGTH,
    AbsenceType,
    Day,
    DayLine,
    MissionTerms,
    ParsedLine,
    absence_line,
    check_day,
    mission_line,
    month_totals,
    parse_line,
    validate_day,
)

__all__ = [
    "EDITABLE_STATUSES",
    "HALF_DAYS_PER_DAY",
    "MAX_COMMENT_LENGTH",
    "AbsenceType",
    "CalendarDay",
    "CalendarRegion",
    "Day",
    "DayLine",
    "InvalidDay",
    "InvalidMonth",
    "MissionTerms",
    "MonthKey",
    "MonthStatus",
    "ParsedLine",
    "RuleError",
    "Violation",
    "absence_line",
    "check_day",
    "easter_sunday",
    "is_editable",
    "is_public_holiday",
    "is_weekend",
    "is_working_day",
    "mission_line",
    "month_calendar",
    "month_totals",
    "parse_line",
    "public_holidays",
    "validate_day",
    "working_days",
]
