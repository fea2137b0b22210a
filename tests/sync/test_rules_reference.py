"""The day rules, made cheaper for the server's push path, decide exactly as before.

``check_day`` and ``validate_day`` were restructured for speed (field names and messages built
only on refusal, active missions looked up only for an absence line, the comment stripped once,
``parse_line`` cached, single lines not sorted). The reference below is the straightforward
version they replaced, kept here only as an oracle: over generated days, both give the same
violations, in the same order with the same texts, and the same canonical day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.calendar import CalendarRegion
from sync.errors import InvalidDay, Violation
from sync.months import MonthKey
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
    parse_line,
    validate_day,
)

_BLANKS = (
    " \t\n\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_CONTROLS = frozenset(chr(c) for c in [*range(32), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r")


def reference_parse_line(key: str) -> ParsedLine | None:
    if key.startswith("mission:"):
        mission_id = key[len("mission:") :]
        if not mission_id or not all("!" <= char <= "~" for char in mission_id):
            return None
        return ParsedLine(kind="mission", mission_id=mission_id, absence=None)
    if key.startswith("absence:"):
        value = key[len("absence:") :]
        for kind in AbsenceType:
            if kind.value == value:
                return ParsedLine(kind="absence", mission_id=None, absence=kind)
    return None


def _dates_text(mission: MissionTerms) -> str:
    if mission.end is None:
        return f"from {mission.start.isoformat()} (open-ended)"
    return f"from {mission.start.isoformat()} to {mission.end.isoformat()}"


def reference_check_day(
    *,
    month: MonthKey,
    date: dt.date,
    lines: Sequence[DayLine],
    comment: str,
    missions: Mapping[str, MissionTerms],
) -> tuple[Violation, ...]:
    violations: list[Violation] = []
    if not month.contains(date):
        violations.append(
            Violation(
                "date", "date_outside_month", f"date {date.isoformat()} is not in month {month}"
            )
        )
    active = [mission for mission in missions.values() if mission.active_on(date)]
    first_index: dict[str, int] = {}
    needing: list[str] = []
    total = 0
    for index, day_line in enumerate(lines):
        name = f"lines[{index}]"
        if type(day_line.half_days) is int and day_line.half_days in (1, 2):
            total += day_line.half_days
        else:
            violations.append(
                Violation(
                    f"{name}.half_days",
                    "invalid_half_days",
                    f"{name} ({day_line.line}) has {day_line.half_days!r} half-days, "
                    "expected 1 (half a day) or 2 (a full day)",
                )
            )
        key = day_line.line
        if key in first_index:
            violations.append(
                Violation(
                    f"{name}.line",
                    "duplicate_line",
                    f"line {key!r} in {name} repeats lines[{first_index[key]}]",
                )
            )
            continue
        first_index[key] = index
        parsed = reference_parse_line(key)
        if parsed is None:
            kinds = ", ".join(kind.value for kind in AbsenceType)
            violations.append(
                Violation(
                    f"{name}.line",
                    "invalid_line",
                    f"line {key!r} is neither 'mission:<id>' nor 'absence:<type>' "
                    f"with a type among {kinds}",
                )
            )
        elif parsed.mission_id is not None:
            mission = missions.get(parsed.mission_id)
            if mission is None:
                violations.append(
                    Violation(
                        f"{name}.line",
                        "unknown_mission",
                        f"mission {parsed.mission_id!r} is not one of the consultant's",
                    )
                )
                continue
            if not mission.active_on(date):
                violations.append(
                    Violation(
                        f"{name}.line",
                        "mission_outside_dates",
                        f"mission {mission.id!r} runs {_dates_text(mission)}, "
                        f"not on {date.isoformat()}",
                    )
                )
            if mission.comments_required:
                needing.append(mission.id)
        elif parsed.absence is not None:
            kind = parsed.absence
            if active and not any(kind in mission.allowed_absences for mission in active):
                active_ids = ", ".join(sorted(repr(mission.id) for mission in active))
                violations.append(
                    Violation(
                        f"{name}.line",
                        "absence_not_allowed",
                        f"absence {kind.value} is not allowed on {date.isoformat()} by "
                        f"any active mission ({active_ids})",
                    )
                )
    if total > HALF_DAYS_PER_DAY:
        violations.append(
            Violation(
                "lines",
                "day_over_one",
                f"day {date.isoformat()} totals {total} half-days, "
                f"more than one day ({HALF_DAYS_PER_DAY} half-days)",
            )
        )
    stripped = comment.strip(_BLANKS)
    if needing and not stripped:
        listed = ", ".join(repr(mission_id) for mission_id in needing)
        violations.append(
            Violation(
                "comment",
                "comment_required",
                f"the comment is blank but mission(s) {listed} require one on {date.isoformat()}",
            )
        )
    if any(char in _CONTROLS for char in stripped):
        violations.append(
            Violation("comment", "comment_control_char", "comment contains a control character")
        )
    if len(stripped) > MAX_COMMENT_LENGTH:
        violations.append(
            Violation(
                "comment",
                "comment_too_long",
                f"comment has {len(stripped)} characters, more than {MAX_COMMENT_LENGTH}",
            )
        )
    return tuple(violations)


def reference_validate_day(**kwargs: object) -> Day | tuple[Violation, ...]:
    violations = reference_check_day(**kwargs)  # type: ignore[arg-type]
    if violations:
        return violations
    lines: Sequence[DayLine] = kwargs["lines"]  # type: ignore[assignment]
    comment: str = kwargs["comment"]  # type: ignore[assignment]
    return Day(
        date=kwargs["date"],  # type: ignore[arg-type]
        lines=tuple(sorted(lines, key=lambda day_line: day_line.line)),
        comment=comment.strip(_BLANKS),
    )


MONTH = MonthKey(2026, 11)
MISSION_IDS = ["acme", "beta", "gamma"]
MISSION_DATES = st.sampled_from(
    [
        (dt.date(2026, 1, 1), None),
        (dt.date(2026, 11, 10), dt.date(2026, 11, 20)),
        (dt.date(2026, 11, 25), None),
        (dt.date(2025, 1, 1), dt.date(2026, 10, 31)),
    ]
)


@st.composite
def missions(draw: st.DrawFn) -> dict[str, MissionTerms]:
    ids = draw(st.lists(st.sampled_from(MISSION_IDS), unique=True, max_size=3))
    found = {}
    for mission_id in ids:
        start, end = draw(MISSION_DATES)
        found[mission_id] = MissionTerms(
            id=mission_id,
            start=start,
            end=end,
            allowed_absences=frozenset(draw(st.sets(st.sampled_from(list(AbsenceType))))),
            comments_required=draw(st.booleans()),
            region=CalendarRegion.METROPOLE,
        )
    return found


KEYS = st.one_of(
    st.sampled_from(
        [mission_line(m) for m in [*MISSION_IDS, "ghost"]]
        + [absence_line(kind) for kind in AbsenceType]
        + ["absence:cp", "absence:", "mission:", "mission:a b", "mission:é", "bogus", ""]
    ),
    st.text(max_size=12),
    st.text(max_size=10).map(lambda text: "mission:" + text),
)
HALF_DAYS = st.one_of(st.integers(min_value=-1, max_value=4), st.booleans())
LINES = st.lists(st.builds(DayLine, KEYS, HALF_DAYS), max_size=5)
DATES = st.dates(min_value=dt.date(2026, 10, 25), max_value=dt.date(2026, 12, 5))
COMMENTS = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=" \t\n\u00a0\u202f\x00\x7f\x85ab", max_size=10),
    st.text(alphabet=" x", min_size=495, max_size=505),
)


@settings(max_examples=500)
@given(date=DATES, lines=LINES, comment=COMMENTS, known=missions())
def test_check_and_validate_day_decide_as_the_plain_reference(
    date: dt.date, lines: list[DayLine], comment: str, known: dict[str, MissionTerms]
) -> None:
    kwargs = {"month": MONTH, "date": date, "lines": lines, "comment": comment, "missions": known}
    expected = reference_check_day(**kwargs)  # type: ignore[arg-type]
    assert check_day(**kwargs) == expected  # type: ignore[arg-type]
    reference = reference_validate_day(**kwargs)
    try:
        day = validate_day(**kwargs)  # type: ignore[arg-type]
    except InvalidDay as error:
        assert error.violations == reference
    else:
        assert day == reference


@given(key=KEYS)
def test_cached_parse_line_agrees_with_the_plain_parser(key: str) -> None:
    assert parse_line(key) == reference_parse_line(key)
    assert parse_line(key) == reference_parse_line(key)  # from the cache this time
