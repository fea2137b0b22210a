"""The objects the push path builds without their dataclass __init__ are the ones it builds."""

import dataclasses
import datetime as dt
import random

import pytest

from sync import merge
from sync.calendar import CalendarRegion
from sync.errors import InvalidMonth
from sync.hlc import COUNTER_DIGITS, WALL_DIGITS, Hlc, InvalidClock
from sync.months import MonthKey
from sync.rules import (
    AbsenceType,
    Day,
    DayLine,
    MissionTerms,
    new_day,
    new_day_line,
    validate_day,
)


@pytest.mark.parametrize(
    "text", ["1764930000000:0000:abc", "0000000000000:9999:Z_-9", "9999999999999:0001:n:x"]
)
def test_a_parsed_stamp_is_the_stamp_built_from_its_parts(text: str) -> None:
    """Make sure `Hlc.parse` gives an equal stamp, same hash, order and fields, encoding back."""
    wall, counter, node = text.split(":", 2)
    if ":" in node:
        with pytest.raises(InvalidClock):
            Hlc.parse(text)
        return
    built = Hlc(wall_ms=int(wall), counter=int(counter), node=node)
    parsed = Hlc.parse(text)
    assert parsed == built
    assert hash(parsed) == hash(built)
    assert vars(parsed) == vars(built)
    assert not parsed < built and not built < parsed
    assert parsed.encode() == text


@pytest.mark.parametrize("node", ["", "a b", "é", "x" * 41])
def test_a_parsed_stamp_still_refuses_a_bad_node(node: str) -> None:
    """Make sure the node is checked although the dataclass __post_init__ is not run."""
    with pytest.raises(InvalidClock):
        Hlc.parse(f"1764930000000:0000:{node}")


def test_a_stamp_encodes_at_the_declared_widths() -> None:
    """Make sure the widths written out in `Hlc.encode` are WALL_DIGITS and COUNTER_DIGITS."""
    stamp = Hlc(wall_ms=42, counter=7, node="n")
    assert stamp.encode() == f"{42:0{WALL_DIGITS}d}:{7:0{COUNTER_DIGITS}d}:n"


def test_the_month_of_a_day_is_the_month_built_from_it() -> None:
    """Make sure a shared month equals a fresh one and a day out of range is still refused."""
    for day in (dt.date(2026, 11, 30), dt.date(2026, 11, 2), dt.date(1900, 1, 1)):
        assert MonthKey.of(day) == MonthKey(year=day.year, month=day.month)
        assert vars(MonthKey.of(day)) == {"year": day.year, "month": day.month}
    with pytest.raises(InvalidMonth):
        MonthKey.of(dt.date(3000, 1, 1))
    with pytest.raises(InvalidMonth):
        MonthKey.of(dt.date(3000, 1, 1))


def test_an_applied_verdict_is_the_verdict_built_by_its_init() -> None:
    """Make sure `merge._applied` sets every field `Verdict(...)` sets, to the same values."""
    day = Day(
        date=dt.date(2026, 11, 2), lines=(DayLine(line="absence:CP", half_days=2),), comment=""
    )
    stamp = Hlc(wall_ms=1, counter=0, node="n")
    fast = merge._applied(day=day, hlc=stamp, overwrote_unseen=True)
    slow = merge.Verdict(status="applied", day=day, hlc=stamp, overwrote_unseen=True)
    assert fast == slow
    assert vars(fast) == vars(slow)


def test_a_new_set_day_is_the_set_day_built_by_its_init() -> None:
    """Make sure `merge.new_set_day` sets every field `SetDay(...)` sets, defaults included."""
    fields = {
        "date": dt.date(2026, 11, 2),
        "epoch": 1,
        "lines": (DayLine(line="absence:CP", half_days=2),),
        "comment": "x",
        "hlc": "1764930000000:0000:abc",
        "base_v": 3,
    }
    for fill in (None, True):
        extra = {} if fill is None else {"fill": fill}
        fast = merge.new_set_day(**fields, **extra)  # type: ignore[arg-type]
        slow = merge.SetDay(**fields, **extra)  # type: ignore[arg-type]
        assert fast == slow
        assert vars(fast) == vars(slow)


def _parse_by_parts(text: str) -> Hlc:
    """`Hlc.parse` as first written: split, check each part, build through __init__."""
    parts = text.split(":", 2)
    if (
        len(parts) != 3
        or len(parts[0]) != WALL_DIGITS
        or len(parts[1]) != COUNTER_DIGITS
        or not (parts[0].isascii() and parts[0].isdigit())
        or not (parts[1].isascii() and parts[1].isdigit())
    ):
        msg = f"clock {text!r} is not WALLMS(13 digits):COUNTER(4 digits):NODE"
        raise InvalidClock(msg)
    return Hlc(wall_ms=int(parts[0]), counter=int(parts[1]), node=parts[2])


def _outcome(parse: object, text: str) -> object:
    try:
        stamp = parse(text)  # type: ignore[operator]
    except InvalidClock as error:
        return ("refused", str(error))
    return ("parsed", stamp, vars(stamp))


def test_parsing_in_one_match_accepts_and_refuses_what_parsing_by_parts_does() -> None:
    """Make sure the one-match parse gives the same stamp, or the same refusal and message, as
    the part-by-part parse on near-stamps (non-ASCII digits, long nodes, extra colons)."""
    rng = random.Random(5)
    alphabet = "0123456789:aZ_-é\u0663 \n"
    good = "1764930000000:0012:node"
    for _ in range(5000):
        text = list(good)
        for _ in range(rng.randrange(3)):
            i = rng.randrange(len(text) + 1)
            if rng.random() < 0.5 and text:
                text[min(i, len(text) - 1)] = rng.choice(alphabet)
            else:
                text.insert(i, rng.choice(alphabet))
        candidate = "".join(text) + "x" * rng.choice([0, 0, 36, 37])
        assert _outcome(Hlc.parse, candidate) == _outcome(_parse_by_parts, candidate)


def test_a_new_day_line_is_the_line_built_by_its_init() -> None:
    """Make sure `rules.new_day_line` sets every field `DayLine(...)` sets: equal, same hash,
    same fields, still frozen."""
    for line, half_days in (("mission:m1", 2), ("absence:CP", 1), ("", 0), ("x", True)):
        fast, slow = new_day_line(line, half_days), DayLine(line, half_days)
        assert fast == slow
        assert hash(fast) == hash(slow)
        assert vars(fast) == vars(slow)
        assert type(fast.half_days) is type(slow.half_days)
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.line = "y"  # type: ignore[misc]


def test_a_validated_day_is_the_day_built_by_its_init() -> None:
    """Make sure `validate_day`'s day equals ``Day(...)`` built from the same fields (lines
    sorted, comment stripped): equal, same hash, same fields."""
    terms = MissionTerms(
        id="m1",
        start=dt.date(2026, 1, 1),
        end=None,
        allowed_absences=frozenset({AbsenceType("CP")}),
        comments_required=False,
        region=next(iter(CalendarRegion)),
    )
    date = dt.date(2026, 11, 2)
    for lines, comment in (
        ((DayLine("mission:m1", 2),), "  sur site "),
        ((DayLine("mission:m1", 1), DayLine("absence:CP", 1)), ""),
        ((), "x"),
    ):
        fast = validate_day(
            month=MonthKey.of(date),
            date=date,
            lines=lines,
            comment=comment,
            missions={"m1": terms},
        )
        slow = Day(
            date=date, lines=tuple(sorted(lines, key=lambda x: x.line)), comment=comment.strip()
        )
        assert fast == slow
        assert hash(fast) == hash(slow)
        assert vars(fast) == vars(slow)


def test_a_new_day_is_the_day_built_by_its_init() -> None:
    """Make sure `rules.new_day` sets every field `Day(...)` sets (a stored day read back is
    built this way): equal, same hash, same fields, still frozen."""
    lines = (new_day_line("absence:CP", 1), new_day_line("mission:m1", 1))
    for date, comment in ((dt.date(2026, 11, 2), ""), (dt.date(1900, 1, 1), "sur site")):
        fast, slow = new_day(date, lines, comment), Day(date=date, lines=lines, comment=comment)
        assert fast == slow
        assert hash(fast) == hash(slow)
        assert vars(fast) == vars(slow)
        assert fast.total_half_days == slow.total_half_days == 2
        with pytest.raises(dataclasses.FrozenInstanceError):
            fast.comment = "y"  # type: ignore[misc]
