"""The one place where leave writes CRA days: an approval fills the grid, a refusal or a
cancellation takes back what it filled.

Every day goes through `timesheets.write_web_day`, the path a day typed in the web app takes
(versioned, audited, pulled by the phone like any other edit), so the month's rules and locks
apply unchanged. Keeping the calls here means one edit when that path becomes a command.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from server.domain.errors import FieldError, InvalidInput
from server.services.timesheets import WebEdit, write_web_day
from server.storage import sync_store
from sync.errors import InvalidDay
from sync.months import MonthKey
from sync.rules import HALF_DAYS_PER_DAY, Day, DayLine, MissionTerms, validate_day

Lines = tuple[tuple[str, int], ...]


def with_leave(before: Lines, *, line: str, half_days: int) -> Lines:
    """A day's lines once ``half_days`` of the leave ``line`` are on it.

    A full day of leave replaces the day's lines; half a day keeps the other half's lines when
    they fit in it, else the first of them, shortened to half a day.
    """
    if half_days >= HALF_DAYS_PER_DAY:
        return ((line, HALF_DAYS_PER_DAY),)
    others = [(name, half) for name, half in before if name != line]
    if sum(half for _, half in others) > HALF_DAYS_PER_DAY - half_days:
        others = [(others[0][0], HALF_DAYS_PER_DAY - half_days)]
    return tuple(sorted([*others, (line, half_days)]))


def _day(date: dt.date, lines: Sequence[tuple[str, int]], comment: str, missions: Any) -> Day:
    try:
        return validate_day(
            month=MonthKey.of(date),
            date=date,
            lines=[DayLine(line=name, half_days=half) for name, half in lines],
            comment=comment,
            missions=missions,
        )
    except InvalidDay as error:
        raise InvalidInput(
            f"the leave cannot be written on {date.isoformat()}",
            errors=tuple(
                FieldError(field="kind", code=v.code, message=f"{date.isoformat()}: {v.message}")
                for v in error.violations
            ),
        ) from error


async def _write(*, consultant_id: str, day: Day, now: dt.datetime) -> None:
    # The day command writes as the consultant (their CRA, their days); who approved, refused
    # or cancelled the leave is in the leave's own audit event.
    await write_web_day(WebEdit(consultant_id=consultant_id, date=day.date, day=day), now=now)


async def fill(
    *,
    consultant_id: str,
    line: str,
    days: dict[dt.date, int],
    missions: dict[str, MissionTerms],
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """Put the leave on each of ``days`` (date → half-days); returns what was written, per day,
    for `unfill`. Raises `MonthLocked` when a month is no longer editable (the caller's
    transaction then rolls every day back)."""
    stored = await sync_store.days_of(consultant_id, days)
    # Every day is checked before the first is written: a refusal leaves the CRA as it was.
    planned = []
    for date in sorted(days):
        row = stored.get(date)
        before: Lines = row.lines if row else ()
        after = with_leave(before, line=line, half_days=days[date])
        planned.append((before, _day(date, after, row.comment if row else "", missions)))
    filled = []
    for before, day in planned:
        await _write(consultant_id=consultant_id, day=day, now=now)
        filled.append(
            {
                "date": day.date.isoformat(),
                "before": [list(pair) for pair in before],
                "after": [[v.line, v.half_days] for v in day.lines],
            }
        )
    return filled


async def unfill(
    *,
    consultant_id: str,
    filled: Sequence[dict[str, Any]],
    missions: dict[str, MissionTerms],
    now: dt.datetime,
) -> int:
    """Give back each filled day its lines from before, unless it changed since the leave
    wrote it (the consultant typed over it: theirs stays). Returns how many days were restored.
    """
    dates = [dt.date.fromisoformat(entry["date"]) for entry in filled]
    stored = await sync_store.days_of(consultant_id, dates)
    restore = []
    for date, entry in zip(dates, filled, strict=True):
        row = stored.get(date)
        current = [list(pair) for pair in row.lines] if row else []
        if current != entry["after"]:
            continue
        before = [(str(name), int(half)) for name, half in entry["before"]]
        restore.append(_day(date, before, row.comment if row else "", missions))
    for day in restore:
        await _write(consultant_id=consultant_id, day=day, now=now)
    return len(restore)
