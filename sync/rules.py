"""The rules of one CRA day, enforced identically offline (PWA) and on the server.

A day is a set of lines, each naming a mission or an absence type with a quantity in integer
half-days (1 = a morning or an afternoon, 2 = a full day). Integers, not 0.5 steps, because JSON
numbers round-trip differently between JavaScript and Python (``1`` vs ``1.0``) and the day
register is compared byte for byte during sync (sync-protocol.md §3.1).

Every check is written as a plain loop so that the JavaScript port can follow it line by line;
``check_day`` returns all violations at once so the consultant sees every problem of a day
together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Final, Literal

from sync.calendar import CalendarRegion
from sync.errors import InvalidDay, Violation
from sync.months import MonthKey

HALF_DAYS_PER_DAY: Final = 2
"""A day holds at most one day of work and absence: two half-days."""

MAX_COMMENT_LENGTH: Final = 500
"""Longest comment of a day, in Unicode code points (``[...text].length`` in JavaScript)."""

_MISSION_PREFIX: Final = "mission:"
_ABSENCE_PREFIX: Final = "absence:"
_VALID_HALF_DAYS: Final = (1, HALF_DAYS_PER_DAY)
# Explicit list rather than str.strip(): Python and JavaScript disagree on what "whitespace" is.
# Besides ASCII whitespace this covers the no-break spaces French typography and phone keyboards
# insert (U+00A0, U+202F).
_BLANK_CHARS: Final = (
    " \t\n\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# C0 controls other than tab, line feed and carriage return, DEL and the C1 controls
# (U+0080-U+009F) have no place in a comment, and PostgreSQL refuses NUL outright: refuse them
# everywhere, offline too (the same set as sync/wire.py).
_CONTROL_CHARS: Final = frozenset(
    chr(c) for c in [*range(32), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"
)


class AbsenceType(StrEnum):
    """Kinds of absence a consultant records on a CRA.

    Members:
        CP: Congés payés, paid leave (C. trav. art. L3141-1 ff.).
        RTT: Réduction du temps de travail day (Syntec agreement of 22 June 1999 on working time).
        MALADIE: Sick leave (arrêt maladie); sick pay is handled by payroll.
        SANS_SOLDE: Unpaid leave (congé sans solde), granted by the employer.
        FORMATION: Training day (C. trav. art. L6321-1).
        INTERCONTRAT: Between two missions: paid, available for a mission, not billed.
        AT_MP: Absence after an accident du travail (C. trav. L1226-7, CSS L411-1) or for a
            maladie professionnelle (CSS L461-1): counted as actual work for paid leave
            (C. trav. L3141-5 5°), without the one-year limit since loi n° 2024-364.
    """

    CP = "CP"
    RTT = "RTT"
    MALADIE = "maladie"
    SANS_SOLDE = "sans_solde"
    FORMATION = "formation"
    INTERCONTRAT = "intercontrat"
    AT_MP = "at_mp"


def _is_valid_mission_id(mission_id: str) -> bool:
    # Printable ASCII without space: fits UUIDs, integers and slugs, and keeps line keys ASCII so
    # that sorting them gives the same order in Python (code points) and JavaScript (UTF-16 units).
    return _MISSION_ID.fullmatch(mission_id) is not None


_MISSION_ID: Final = re.compile(r"[!-~]+")


def mission_line(mission_id: str) -> str:
    """Return the line key of a mission, ``"mission:<mission id>"``.

    Args:
        mission_id: Non-empty, printable ASCII without spaces.

    Returns:
        The line key.

    Raises:
        ValueError: The mission id could never be parsed back.
    """
    if not _is_valid_mission_id(mission_id):
        msg = f"mission id {mission_id!r} is not non-empty printable ASCII without spaces"
        raise ValueError(msg)
    return _MISSION_PREFIX + mission_id


def absence_line(kind: AbsenceType) -> str:
    """Return the line key of an absence type, e.g. ``"absence:CP"``."""
    return _ABSENCE_PREFIX + kind.value


@dataclass(frozen=True)
class ParsedLine:
    """A line key split into its parts.

    Attributes:
        kind: ``"mission"`` or ``"absence"``.
        mission_id: The mission id for a mission line, else None.
        absence: The absence type for an absence line, else None.
    """

    kind: Literal["mission", "absence"]
    mission_id: str | None
    absence: AbsenceType | None


_ABSENCE_BY_VALUE: Final = {kind.value: kind for kind in AbsenceType}


# A consultant's days name the same few keys over and over (one or two missions, a handful of
# absence types): parse each once. The result is frozen, so sharing it is safe; the bound keeps
# a stream of made-up keys from growing the cache.
@lru_cache(maxsize=1024)
def parse_line(key: str) -> ParsedLine | None:
    """Parse a line key.

    Args:
        key: ``"mission:<mission id>"`` or ``"absence:<AbsenceType value>"`` (case-sensitive).

    Returns:
        The parsed line, or None when the key is malformed.
    """
    if key.startswith(_MISSION_PREFIX):
        mission_id = key[len(_MISSION_PREFIX) :]
        if not _is_valid_mission_id(mission_id):
            return None
        return ParsedLine(kind="mission", mission_id=mission_id, absence=None)
    if key.startswith(_ABSENCE_PREFIX):
        kind = _ABSENCE_BY_VALUE.get(key[len(_ABSENCE_PREFIX) :])
        if kind is not None:
            return ParsedLine(kind="absence", mission_id=None, absence=kind)
    return None


@dataclass(frozen=True)
class DayLine:
    """One line of a day.

    Attributes:
        line: Line key, see ``mission_line`` and ``absence_line``.
        half_days: 1 (half a day) or 2 (a full day); an empty line is omitted, never 0.
    """

    line: str
    half_days: int


def new_day_line(line: str, half_days: int) -> DayLine:
    """What ``DayLine(line, half_days)`` builds, in about half the time (a push builds one per
    line of every day it receives): a frozen dataclass's __init__ sets each field through
    ``object.__setattr__``, this fills the new line's __dict__ directly (DayLine has no
    __post_init__; tests/sync/test_fast_builds.py keeps the two equal field for field)."""
    built = object.__new__(DayLine)
    fields = built.__dict__
    fields["line"] = line
    fields["half_days"] = half_days
    return built


@dataclass(frozen=True)
class Day:
    """A valid day in canonical form, as built by ``validate_day``.

    Attributes:
        date: The day.
        lines: Lines sorted by line key, so equal days compare and serialize equal.
        comment: Comment without surrounding blanks; empty when there is none.
    """

    date: dt.date
    lines: tuple[DayLine, ...]
    comment: str

    @property
    def total_half_days(self) -> int:
        """Half-days booked on the day, all lines together (at most ``HALF_DAYS_PER_DAY``)."""
        return sum(line.half_days for line in self.lines)


def new_day(date: dt.date, lines: tuple[DayLine, ...], comment: str) -> Day:
    """What ``Day(date=date, lines=lines, comment=comment)`` builds, in half the time (a push
    builds one per day it receives, and one per stored day it reads back): the new day's
    __dict__ filled directly instead of three ``object.__setattr__`` (Day has no
    __post_init__; tests/sync/test_fast_builds.py keeps the two equal field for field)."""
    built = object.__new__(Day)
    fields = built.__dict__
    fields["date"] = date
    fields["lines"] = lines
    fields["comment"] = comment
    return built


@dataclass(frozen=True)
class MissionTerms:
    """What a mission lets the consultant record.

    Attributes:
        id: Mission id, as used in ``"mission:<id>"`` line keys.
        start: First day of the mission.
        end: Last day of the mission (inclusive), or None when open-ended.
        allowed_absences: Absence types the consultant may record while this mission is active.
        comments_required: A day carrying this mission's line must have a non-blank comment.
        region: Public-holiday calendar of the place of work.
    """

    id: str
    start: dt.date
    end: dt.date | None
    allowed_absences: frozenset[AbsenceType]
    comments_required: bool
    region: CalendarRegion

    def active_on(self, day: dt.date) -> bool:
        """Tell whether ``day`` falls between ``start`` and ``end`` (both inclusive)."""
        return self.start <= day and (self.end is None or day <= self.end)


def _dates_text(mission: MissionTerms) -> str:
    if mission.end is None:
        return f"from {mission.start.isoformat()} (open-ended)"
    return f"from {mission.start.isoformat()} to {mission.end.isoformat()}"


def _is_valid_half_days(value: int) -> bool:
    # type() rather than isinstance(): True is an int in Python but not a quantity on the wire.
    return type(value) is int and value in _VALID_HALF_DAYS


def _strip_blanks(text: str) -> str:
    return text.strip(_BLANK_CHARS)


def check_day(
    *,
    month: MonthKey,
    date: dt.date,
    lines: Sequence[DayLine],
    comment: str,
    missions: Mapping[str, MissionTerms],
) -> tuple[Violation, ...]:
    """Check a day of a CRA against every rule and report every violation.

    Rules (codes): the date lies in the month (``date_outside_month``); each quantity is 1 or 2
    half-days (``invalid_half_days``); each line key appears once (``duplicate_line``) and parses
    (``invalid_line``); a mission line names one of the consultant's missions
    (``unknown_mission``) active on that date (``mission_outside_dates``); an absence type is
    allowed by at least one mission active on that date, any type when none is active
    (``absence_not_allowed``); the day totals at most one day (``day_over_one``); missions with
    ``comments_required`` get a non-blank comment (``comment_required``); the comment has at most
    ``MAX_COMMENT_LENGTH`` characters (``comment_too_long``). Weekends and public holidays are
    allowed: work on a Saturday happens and is flagged elsewhere.

    Args:
        month: The CRA month the day is recorded in.
        date: The day.
        lines: The day's lines, in any order.
        comment: Free-text comment; surrounding blanks are ignored.
        missions: The consultant's missions by id.

    Returns:
        Every violation, in input order (date, lines, total, comment); empty when the day is valid.
    """
    violations, _ = _check(month=month, date=date, lines=lines, comment=comment, missions=missions)
    return violations


def _check(
    *,
    month: MonthKey,
    date: dt.date,
    lines: Sequence[DayLine],
    comment: str,
    missions: Mapping[str, MissionTerms],
) -> tuple[tuple[Violation, ...], str]:
    # The rules of ``check_day``, also returning the stripped comment so that ``validate_day``
    # strips it once. Run on every day a device pushes: a valid day builds no text at all (field
    # names and messages are formatted only on refusal) and looks up what it needs only when a
    # line asks for it (the active missions for an absence line).
    violations: list[Violation] = []
    if not month.contains(date):
        violations.append(
            Violation(
                field="date",
                code="date_outside_month",
                message=f"date {date.isoformat()} is not in month {month}",
            )
        )

    active_missions: list[MissionTerms] | None = None
    first_index: dict[str, int] = {}
    missions_needing_comment: list[str] = []
    total = 0
    for index, day_line in enumerate(lines):
        half_days = day_line.half_days
        if _is_valid_half_days(half_days):
            total += half_days
        else:
            name = f"lines[{index}]"
            violations.append(
                Violation(
                    field=f"{name}.half_days",
                    code="invalid_half_days",
                    message=(
                        f"{name} ({day_line.line}) has {half_days!r} half-days, "
                        "expected 1 (half a day) or 2 (a full day)"
                    ),
                )
            )

        key = day_line.line
        if key in first_index:
            # Report the repeat only: the first occurrence already had its key checked.
            violations.append(
                Violation(
                    field=f"lines[{index}].line",
                    code="duplicate_line",
                    message=f"line {key!r} in lines[{index}] repeats lines[{first_index[key]}]",
                )
            )
            continue
        first_index[key] = index

        parsed = parse_line(key)
        if parsed is None:
            kinds = ", ".join(kind.value for kind in AbsenceType)
            violations.append(
                Violation(
                    field=f"lines[{index}].line",
                    code="invalid_line",
                    message=(
                        f"line {key!r} is neither 'mission:<id>' nor 'absence:<type>' "
                        f"with a type among {kinds}"
                    ),
                )
            )
        elif parsed.mission_id is not None:
            mission = missions.get(parsed.mission_id)
            if mission is None:
                violations.append(
                    Violation(
                        field=f"lines[{index}].line",
                        code="unknown_mission",
                        message=f"mission {parsed.mission_id!r} is not one of the consultant's",
                    )
                )
                continue
            if not mission.active_on(date):
                violations.append(
                    Violation(
                        field=f"lines[{index}].line",
                        code="mission_outside_dates",
                        message=(
                            f"mission {mission.id!r} runs {_dates_text(mission)}, "
                            f"not on {date.isoformat()}"
                        ),
                    )
                )
            if mission.comments_required:
                missions_needing_comment.append(mission.id)
        elif parsed.absence is not None:
            kind = parsed.absence
            if active_missions is None:
                active_missions = [m for m in missions.values() if m.active_on(date)]
            # With no active mission (intercontrat, between contracts) every absence is allowed;
            # otherwise one active mission must allow it, since the client is the one affected.
            allowed = not active_missions or any(
                kind in mission.allowed_absences for mission in active_missions
            )
            if not allowed:
                active_ids = ", ".join(sorted(repr(mission.id) for mission in active_missions))
                violations.append(
                    Violation(
                        field=f"lines[{index}].line",
                        code="absence_not_allowed",
                        message=(
                            f"absence {kind.value} is not allowed on {date.isoformat()} by "
                            f"any active mission ({active_ids})"
                        ),
                    )
                )

    if total > HALF_DAYS_PER_DAY:
        violations.append(
            Violation(
                field="lines",
                code="day_over_one",
                message=(
                    f"day {date.isoformat()} totals {total} half-days, "
                    f"more than one day ({HALF_DAYS_PER_DAY} half-days)"
                ),
            )
        )

    stripped = _strip_blanks(comment)
    if missions_needing_comment and not stripped:
        needing = ", ".join(repr(mission_id) for mission_id in missions_needing_comment)
        violations.append(
            Violation(
                field="comment",
                code="comment_required",
                message=(
                    f"the comment is blank but mission(s) {needing} require one "
                    f"on {date.isoformat()}"
                ),
            )
        )
    # Counted after stripping, like the stored comment, so a valid day stays valid once stored.
    if stripped and not _CONTROL_CHARS.isdisjoint(stripped):
        violations.append(
            Violation(
                field="comment",
                code="comment_control_char",
                message="comment contains a control character",
            )
        )
    if len(stripped) > MAX_COMMENT_LENGTH:
        violations.append(
            Violation(
                field="comment",
                code="comment_too_long",
                message=(
                    f"comment has {len(stripped)} characters, more than {MAX_COMMENT_LENGTH}"
                ),
            )
        )
    return tuple(violations), stripped


_BY_LINE_KEY: Final = attrgetter("line")


def validate_day(
    *,
    month: MonthKey,
    date: dt.date,
    lines: Sequence[DayLine],
    comment: str,
    missions: Mapping[str, MissionTerms],
) -> Day:
    """Check a day (see ``check_day``) and return it in canonical form.

    Args:
        month: The CRA month the day is recorded in.
        date: The day.
        lines: The day's lines, in any order.
        comment: Free-text comment.
        missions: The consultant's missions by id.

    Returns:
        The day with its lines sorted by line key and its comment stripped of surrounding blanks;
        validating that result again returns an equal day.

    Raises:
        InvalidDay: With every violation, when the day breaks a rule.
    """
    violations, stripped = _check(
        month=month, date=date, lines=lines, comment=comment, missions=missions
    )
    if violations:
        raise InvalidDay(violations)
    # Keys are unique and ASCII-only prefixes + ASCII ids or absence values: the order is the
    # same in JavaScript's default sort. Most days hold one line: nothing to sort.
    ordered = tuple(lines) if len(lines) < 2 else tuple(sorted(lines, key=_BY_LINE_KEY))
    return new_day(date, ordered, stripped)


def month_totals(days: Iterable[Day]) -> dict[str, int]:
    """Add up half-days per line key over days, e.g. for the month summary or an invoice.

    Args:
        days: Validated days.

    Returns:
        Half-days per line key, keys in sorted order; lines never booked are absent.
    """
    totals: dict[str, int] = {}
    for day in days:
        for day_line in day.lines:
            totals[day_line.line] = totals.get(day_line.line, 0) + day_line.half_days
    return {key: totals[key] for key in sorted(totals)}
