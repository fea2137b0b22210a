"""The rules of one CRA day: line keys, quantities, missions, absences, comments."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

import pytest

from sync.calendar import CalendarRegion
from sync.errors import InvalidDay, RuleError, Violation
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
    month_totals,
    parse_line,
    validate_day,
)

MONTH = MonthKey(2026, 11)
TUESDAY = date(2026, 11, 3)  # only ACME is active
BOTH_ACTIVE = date(2026, 11, 12)  # ACME and BETA are active

ACME = MissionTerms(
    id="acme",
    start=date(2026, 1, 1),
    end=None,
    allowed_absences=frozenset({AbsenceType.CP, AbsenceType.RTT, AbsenceType.MALADIE}),
    comments_required=False,
    region=CalendarRegion.METROPOLE,
)
BETA = MissionTerms(
    id="beta",
    start=date(2026, 11, 10),
    end=date(2026, 11, 30),
    allowed_absences=frozenset({AbsenceType.CP}),
    comments_required=True,
    region=CalendarRegion.ALSACE_MOSELLE,
)
MISSIONS = {"acme": ACME, "beta": BETA}

ACME_LINE = mission_line("acme")
BETA_LINE = mission_line("beta")
CP = absence_line(AbsenceType.CP)
RTT = absence_line(AbsenceType.RTT)
INTERCONTRAT = absence_line(AbsenceType.INTERCONTRAT)


def _check(
    *,
    lines: Sequence[DayLine],
    day: date = TUESDAY,
    comment: str = "",
    missions: Mapping[str, MissionTerms] = MISSIONS,
) -> tuple[Violation, ...]:
    return check_day(month=MONTH, date=day, lines=lines, comment=comment, missions=missions)


def _codes(violations: tuple[Violation, ...]) -> list[tuple[str, str]]:
    return [(violation.field, violation.code) for violation in violations]


def test_constants() -> None:
    """Make sure a day is two half-days and comments stop at 500 characters."""
    assert HALF_DAYS_PER_DAY == 2
    assert MAX_COMMENT_LENGTH == 500


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("mission:acme", ParsedLine(kind="mission", mission_id="acme", absence=None)),
        (
            "mission:7d6f1c2e-0b4a-4c1e-9a51-3f7f1f7e2d10",
            ParsedLine(
                kind="mission", mission_id="7d6f1c2e-0b4a-4c1e-9a51-3f7f1f7e2d10", absence=None
            ),
        ),
        ("mission:42", ParsedLine(kind="mission", mission_id="42", absence=None)),
        ("absence:CP", ParsedLine(kind="absence", mission_id=None, absence=AbsenceType.CP)),
        ("absence:RTT", ParsedLine(kind="absence", mission_id=None, absence=AbsenceType.RTT)),
        (
            "absence:maladie",
            ParsedLine(kind="absence", mission_id=None, absence=AbsenceType.MALADIE),
        ),
        (
            "absence:sans_solde",
            ParsedLine(kind="absence", mission_id=None, absence=AbsenceType.SANS_SOLDE),
        ),
        (
            "absence:formation",
            ParsedLine(kind="absence", mission_id=None, absence=AbsenceType.FORMATION),
        ),
        (
            "absence:intercontrat",
            ParsedLine(kind="absence", mission_id=None, absence=AbsenceType.INTERCONTRAT),
        ),
        ("absence:cp", None),  # absence values are case-sensitive
        ("absence:Maladie", None),
        ("absence:", None),
        ("absence:CP ", None),
        ("absence:vacances", None),
        ("mission:", None),
        ("mission: acme", None),
        ("mission:ac me", None),
        ("mission:acmé", None),  # non-ASCII ids would sort differently in JavaScript
        ("mission:acme\n", None),
        ("Mission:acme", None),
        ("m:acme", None),
        ("acme", None),
        ("", None),
    ],
)
def test_parse_line(key: str, parsed: ParsedLine | None) -> None:
    """Make sure line keys parse to their mission or absence type, and malformed ones to None."""
    assert parse_line(key) == parsed


@pytest.mark.parametrize("kind", list(AbsenceType))
def test_absence_line_round_trips(kind: AbsenceType) -> None:
    """Make sure every absence type has a key that parses back to it."""
    key = absence_line(kind)
    assert key == f"absence:{kind.value}"
    assert parse_line(key) == ParsedLine(kind="absence", mission_id=None, absence=kind)


def test_mission_line_round_trips() -> None:
    """Make sure a mission key is 'mission:<id>' and parses back to the id."""
    assert mission_line("acme") == "mission:acme"
    assert parse_line(mission_line("acme")) == ParsedLine(
        kind="mission", mission_id="acme", absence=None
    )


@pytest.mark.parametrize("mission_id", ["", "a b", "acmé", "tab\there"])
def test_mission_line_rejects_ids_that_would_not_parse(mission_id: str) -> None:
    """Make sure mission_line() refuses to build a key parse_line() would reject."""
    with pytest.raises(ValueError, match="mission id"):
        mission_line(mission_id)


@pytest.mark.parametrize(
    ("mission", "day", "active"),
    [
        (ACME, date(2025, 12, 31), False),
        (ACME, date(2026, 1, 1), True),
        (ACME, date(2099, 1, 1), True),  # open-ended
        (BETA, date(2026, 11, 9), False),
        (BETA, date(2026, 11, 10), True),  # start is inclusive
        (BETA, date(2026, 11, 30), True),  # end is inclusive
        (BETA, date(2026, 12, 1), False),
    ],
)
def test_mission_active_on(mission: MissionTerms, day: date, active: bool) -> None:
    """Make sure a mission is active from its start to its end, both inclusive."""
    assert mission.active_on(day) is active


@pytest.mark.parametrize(
    ("lines", "day", "comment"),
    [
        ([], TUESDAY, ""),
        ([DayLine(ACME_LINE, 2)], TUESDAY, ""),
        ([DayLine(ACME_LINE, 1)], TUESDAY, ""),
        ([DayLine(ACME_LINE, 1), DayLine(RTT, 1)], TUESDAY, ""),
        ([DayLine(CP, 2)], TUESDAY, ""),
        ([DayLine(BETA_LINE, 1), DayLine(ACME_LINE, 1)], BOTH_ACTIVE, "atelier chez le client"),
        # Saturday and Armistice: booking them is allowed, the UI flags them.
        ([DayLine(ACME_LINE, 2)], date(2026, 11, 7), ""),
        ([DayLine(ACME_LINE, 2)], date(2026, 11, 11), ""),
    ],
)
def test_valid_days_have_no_violations(lines: list[DayLine], day: date, comment: str) -> None:
    """Make sure well-formed days, weekends and holidays included, pass every rule."""
    assert _check(lines=lines, day=day, comment=comment) == ()


@pytest.mark.parametrize(
    ("lines", "day", "comment", "expected"),
    [
        pytest.param(
            [DayLine(ACME_LINE, 2)],
            date(2026, 12, 1),
            "",
            [("date", "date_outside_month")],
            id="date_outside_month",
        ),
        pytest.param(
            [DayLine(ACME_LINE, 0)],
            TUESDAY,
            "",
            [("lines[0].half_days", "invalid_half_days")],
            id="zero_half_days",
        ),
        pytest.param(
            [DayLine(ACME_LINE, 1), DayLine(CP, 3)],
            TUESDAY,
            "",
            [("lines[1].half_days", "invalid_half_days")],
            id="three_half_days",
        ),
        pytest.param(
            [DayLine(ACME_LINE, -1)],
            TUESDAY,
            "",
            [("lines[0].half_days", "invalid_half_days")],
            id="negative_half_days",
        ),
        pytest.param(
            [DayLine(ACME_LINE, True)],
            TUESDAY,
            "",
            [("lines[0].half_days", "invalid_half_days")],
            id="bool_half_days",
        ),
        pytest.param(
            [DayLine(ACME_LINE, 1.0)],  # type: ignore[arg-type]
            TUESDAY,
            "",
            [("lines[0].half_days", "invalid_half_days")],
            id="float_half_days",
        ),
        pytest.param(
            [DayLine(ACME_LINE, 1), DayLine(ACME_LINE, 1)],
            TUESDAY,
            "",
            [("lines[1].line", "duplicate_line")],
            id="duplicate_line",
        ),
        pytest.param(
            [DayLine("absence:vacances", 2)],
            TUESDAY,
            "",
            [("lines[0].line", "invalid_line")],
            id="invalid_line",
        ),
        pytest.param(
            [DayLine(mission_line("ghost"), 2)],
            TUESDAY,
            "",
            [("lines[0].line", "unknown_mission")],
            id="unknown_mission",
        ),
        pytest.param(
            [DayLine(BETA_LINE, 2)],
            TUESDAY,
            "compte rendu",
            [("lines[0].line", "mission_outside_dates")],
            id="mission_outside_dates",
        ),
        pytest.param(
            [DayLine(INTERCONTRAT, 2)],
            TUESDAY,
            "",
            [("lines[0].line", "absence_not_allowed")],
            id="absence_not_allowed",
        ),
        pytest.param(
            [DayLine(ACME_LINE, 2), DayLine(CP, 1)],
            TUESDAY,
            "",
            [("lines", "day_over_one")],
            id="day_over_one",
        ),
        pytest.param(
            [DayLine(BETA_LINE, 2)],
            BOTH_ACTIVE,
            " \n\t ",
            [("comment", "comment_required")],
            id="comment_required",
        ),
        pytest.param(
            [DayLine(ACME_LINE, 2)],
            TUESDAY,
            "x" * (MAX_COMMENT_LENGTH + 1),
            [("comment", "comment_too_long")],
            id="comment_too_long",
        ),
    ],
)
def test_each_rule_reports_its_field_and_code(
    lines: list[DayLine], day: date, comment: str, expected: list[tuple[str, str]]
) -> None:
    """Make sure each broken rule yields exactly one violation with its field and code."""
    assert _codes(_check(lines=lines, day=day, comment=comment)) == expected


@pytest.mark.parametrize(
    ("lines", "day", "comment", "message"),
    [
        (
            [DayLine(ACME_LINE, 2), DayLine(CP, 1)],
            TUESDAY,
            "",
            "day 2026-11-03 totals 3 half-days, more than one day (2 half-days)",
        ),
        (
            [DayLine(ACME_LINE, 2)],
            date(2026, 12, 1),
            "",
            "date 2026-12-01 is not in month 2026-11",
        ),
        (
            [DayLine(CP, 3)],
            TUESDAY,
            "",
            "lines[0] (absence:CP) has 3 half-days, expected 1 (half a day) or 2 (a full day)",
        ),
        (
            [DayLine(CP, 1), DayLine(CP, 1)],
            TUESDAY,
            "",
            "line 'absence:CP' in lines[1] repeats lines[0]",
        ),
        (
            [DayLine(BETA_LINE, 2)],
            TUESDAY,
            "ok",
            "mission 'beta' runs from 2026-11-10 to 2026-11-30, not on 2026-11-03",
        ),
        (
            [DayLine(mission_line("ghost"), 2)],
            TUESDAY,
            "",
            "mission 'ghost' is not one of the consultant's",
        ),
        (
            [DayLine(INTERCONTRAT, 2)],
            BOTH_ACTIVE,
            "",
            "absence intercontrat is not allowed on 2026-11-12 by any active mission "
            "('acme', 'beta')",
        ),
        (
            [DayLine(BETA_LINE, 1)],
            BOTH_ACTIVE,
            "",
            "the comment is blank but mission(s) 'beta' require one on 2026-11-12",
        ),
        ([], TUESDAY, "é" * 501, "comment has 501 characters, more than 500"),
    ],
)
def test_messages_name_the_offending_values(
    lines: list[DayLine], day: date, comment: str, message: str
) -> None:
    """Make sure each message names the values the consultant has to fix."""
    violations = _check(lines=lines, day=day, comment=comment)
    assert [violation.message for violation in violations] == [message]


def test_open_ended_mission_message() -> None:
    """Make sure a mission without an end date is described as open-ended."""
    late = replace(ACME, start=date(2026, 11, 20))
    (violation,) = _check(lines=[DayLine(ACME_LINE, 2)], missions={"acme": late})
    assert (
        violation.message == "mission 'acme' runs from 2026-11-20 (open-ended), not on 2026-11-03"
    )


def test_every_violation_is_reported_at_once() -> None:
    """Make sure a day breaking several rules reports all of them, in input order."""
    lines = [
        DayLine(ACME_LINE, 2),
        DayLine("bogus", 1),
        DayLine(ACME_LINE, 3),
        DayLine(mission_line("ghost"), 1),
        DayLine(BETA_LINE, 1),
        DayLine(INTERCONTRAT, 1),
    ]
    violations = _check(lines=lines, day=date(2026, 12, 3), comment="  " + "x" * 501)
    assert _codes(violations) == [
        ("date", "date_outside_month"),
        ("lines[1].line", "invalid_line"),
        ("lines[2].half_days", "invalid_half_days"),
        ("lines[2].line", "duplicate_line"),
        ("lines[3].line", "unknown_mission"),
        ("lines[4].line", "mission_outside_dates"),
        ("lines[5].line", "absence_not_allowed"),
        ("lines", "day_over_one"),
        ("comment", "comment_too_long"),
    ]


def test_day_total_counts_only_valid_quantities() -> None:
    """Make sure an invalid quantity is reported once, not also as an over-booked day."""
    violations = _check(lines=[DayLine(ACME_LINE, 5)])
    assert _codes(violations) == [("lines[0].half_days", "invalid_half_days")]


def test_two_full_days_are_over_one_day() -> None:
    """Make sure two full-day lines make an over-booked day."""
    assert _codes(_check(lines=[DayLine(ACME_LINE, 2), DayLine(RTT, 2)])) == [
        ("lines", "day_over_one")
    ]


def test_any_absence_is_allowed_when_no_mission_is_active() -> None:
    """Make sure every absence type may be recorded between missions (intercontrat)."""
    before_beta = date(2026, 11, 5)
    for kind in AbsenceType:
        assert _check(lines=[DayLine(absence_line(kind), 2)], day=before_beta, missions={}) == ()
        assert (
            _check(
                lines=[DayLine(absence_line(kind), 2)], day=before_beta, missions={"beta": BETA}
            )
            == ()
        )


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        (AbsenceType.CP, True),  # both missions allow it
        (AbsenceType.RTT, True),  # ACME allows it, BETA does not: one active mission suffices
        (AbsenceType.MALADIE, True),
        (AbsenceType.FORMATION, False),
        (AbsenceType.SANS_SOLDE, False),
        (AbsenceType.INTERCONTRAT, False),
    ],
)
def test_absence_needs_one_active_mission_allowing_it(kind: AbsenceType, allowed: bool) -> None:
    """Make sure an absence is allowed when at least one active mission allows its type."""
    violations = _check(lines=[DayLine(absence_line(kind), 2)], day=BOTH_ACTIVE)
    assert _codes(violations) == ([] if allowed else [("lines[0].line", "absence_not_allowed")])


def test_inactive_missions_do_not_allow_absences() -> None:
    """Make sure only missions active on the date count when allowing an absence."""
    # BETA allows CP but has not started on 3 November; ACME is active and does not allow it.
    acme_without_cp = replace(ACME, allowed_absences=frozenset({AbsenceType.RTT}))
    violations = _check(lines=[DayLine(CP, 2)], missions={"acme": acme_without_cp, "beta": BETA})
    assert _codes(violations) == [("lines[0].line", "absence_not_allowed")]


@pytest.mark.parametrize(
    ("comment", "required"),
    [
        ("", True),
        ("   ", True),
        ("\n\t\r", True),
        ("\u00a0\u202f", True),  # no-break spaces typed by French keyboards count as blank
        ("RAS", False),
        ("  atelier  ", False),
    ],
)
def test_comment_required_only_when_blank(comment: str, required: bool) -> None:
    """Make sure a mission requiring comments rejects blank comments and accepts any text."""
    violations = _check(lines=[DayLine(BETA_LINE, 2)], day=BOTH_ACTIVE, comment=comment)
    assert _codes(violations) == ([("comment", "comment_required")] if required else [])


def test_comment_not_required_for_other_missions() -> None:
    """Make sure a blank comment is fine on a day without a comment-requiring mission."""
    assert _check(lines=[DayLine(ACME_LINE, 1), DayLine(CP, 1)], day=BOTH_ACTIVE) == ()


def test_comment_required_even_outside_mission_dates() -> None:
    """Make sure a comment-requiring mission booked outside its dates reports both problems."""
    assert _codes(_check(lines=[DayLine(BETA_LINE, 2)])) == [
        ("lines[0].line", "mission_outside_dates"),
        ("comment", "comment_required"),
    ]


@pytest.mark.parametrize(
    ("comment", "too_long"),
    [
        ("x" * MAX_COMMENT_LENGTH, False),
        ("x" * (MAX_COMMENT_LENGTH + 1), True),
        ("  " + "x" * MAX_COMMENT_LENGTH + "\n", False),  # surrounding blanks are not stored
        ("€" * MAX_COMMENT_LENGTH, False),  # characters, not bytes
    ],
)
def test_comment_length_limit(comment: str, too_long: bool) -> None:
    """Make sure comments of up to 500 characters, once stripped, are accepted."""
    violations = _check(lines=[], comment=comment)
    assert _codes(violations) == ([("comment", "comment_too_long")] if too_long else [])


def test_validate_day_returns_the_canonical_day() -> None:
    """Make sure validate_day sorts lines by key and strips the comment."""
    day = validate_day(
        month=MONTH,
        date=BOTH_ACTIVE,
        lines=[DayLine(BETA_LINE, 1), DayLine(CP, 1)],
        comment="\u00a0 revue de code \n",
        missions=MISSIONS,
    )
    assert day == Day(
        date=BOTH_ACTIVE,
        lines=(DayLine(CP, 1), DayLine(BETA_LINE, 1)),
        comment="revue de code",
    )
    assert day.total_half_days == 2


def test_validate_day_raises_every_violation() -> None:
    """Make sure validate_day raises InvalidDay carrying what check_day reports."""
    arguments = {
        "month": MONTH,
        "date": TUESDAY,
        "lines": [DayLine(ACME_LINE, 2), DayLine(CP, 2)],
        "comment": "x" * 501,
        "missions": MISSIONS,
    }
    with pytest.raises(InvalidDay) as caught:
        validate_day(**arguments)  # type: ignore[arg-type]
    error = caught.value
    assert error.violations == check_day(**arguments)  # type: ignore[arg-type]
    assert [violation.code for violation in error.violations] == [
        "day_over_one",
        "comment_too_long",
    ]
    assert error.code == "invalid_day"
    assert isinstance(error, RuleError)
    assert str(error) == (
        "day 2026-11-03 totals 4 half-days, more than one day (2 half-days); "
        "comment has 501 characters, more than 500"
    )


def test_empty_day_is_valid_and_totals_zero() -> None:
    """Make sure clearing a day (no lines) is a valid day worth nothing."""
    day = validate_day(month=MONTH, date=TUESDAY, lines=[], comment="", missions=MISSIONS)
    assert day == Day(date=TUESDAY, lines=(), comment="")
    assert day.total_half_days == 0


def test_month_totals_add_half_days_per_line() -> None:
    """Make sure month totals sum each line key across days, keys sorted."""
    days = [
        Day(date=date(2026, 11, 2), lines=(DayLine(ACME_LINE, 2),), comment=""),
        Day(date=date(2026, 11, 3), lines=(DayLine(CP, 1), DayLine(ACME_LINE, 1)), comment=""),
        Day(date=date(2026, 11, 4), lines=(DayLine(CP, 2),), comment=""),
        Day(date=date(2026, 11, 5), lines=(), comment=""),
    ]
    totals = month_totals(days)
    assert totals == {CP: 3, ACME_LINE: 3}
    assert list(totals) == [CP, ACME_LINE]
    assert month_totals([]) == {}
