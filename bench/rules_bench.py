"""What the CRA day rules alone cost per day, without the server around them.

    .venv/bin/python bench/rules_bench.py [--rounds 2000] [--profile]

Two realistic months of November 2026 (21 working days, one mission): `full` (a full day of the
mission each day, a comment on one day in three) and `mixed` (half days beside a half-day
absence, some whole-day absences, a comment on one day in three). For each, the median over
rounds of one whole month, divided by 21, of `sync.rules.check_day`, `sync.rules.validate_day`
and `sync.merge.decide_set_day` (the rules as a push runs them: clock parse and clamp around
`validate_day`). Rounds of the three are interleaved so that machine noise hits them alike.
`--profile` prints cProfile's top functions for `decide_set_day` over the mixed month.
Figures: docs/benchmarks.md ("The day rules alone").
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sync.calendar import CalendarRegion  # noqa: E402
from sync.hlc import Hlc  # noqa: E402
from sync.merge import MonthFacts, SetDay, decide_set_day  # noqa: E402
from sync.months import MonthKey  # noqa: E402
from sync.rules import (  # noqa: E402
    AbsenceType,
    DayLine,
    MissionTerms,
    absence_line,
    check_day,
    mission_line,
    validate_day,
)

MONTH = MonthKey(2026, 11)
MISSION = MissionTerms(
    id="3f2b8c1e-6d4a-4b7e-9a1c-2e5f7d8b9c0a",
    start=dt.date(2026, 1, 5),
    end=None,
    allowed_absences=frozenset(AbsenceType),
    comments_required=False,
    region=CalendarRegion.METROPOLE,
)
MISSIONS = {MISSION.id: MISSION}
WORK = mission_line(MISSION.id)


def working_days() -> list[dt.date]:
    """The 21 weekdays of November 2026, as `bench/push_breakdown.py` pushes them."""
    days = [dt.date(2026, 11, d) for d in range(1, 31)]
    return [d for d in days if d.weekday() < 5]


def month_of(kind: str) -> list[tuple[dt.date, tuple[DayLine, ...], str]]:
    month = []
    for index, date in enumerate(working_days()):
        comment = f"Sprint {index // 5 + 1}, revue de code" if index % 3 == 0 else ""
        if kind == "full" or index % 4 == 0:
            lines: tuple[DayLine, ...] = (DayLine(line=WORK, half_days=2),)
        elif index % 4 == 1:
            lines = (
                DayLine(line=WORK, half_days=1),
                DayLine(line=absence_line(AbsenceType.RTT), half_days=1),
            )
        elif index % 4 == 2:
            lines = (DayLine(line=absence_line(AbsenceType.CP), half_days=2),)
        else:
            lines = (DayLine(line=WORK, half_days=1),)
        month.append((date, lines, comment))
    return month


def run_check(month: list[tuple[dt.date, tuple[DayLine, ...], str]]) -> None:
    for date, lines, comment in month:
        check_day(month=MONTH, date=date, lines=lines, comment=comment, missions=MISSIONS)


def run_validate(month: list[tuple[dt.date, tuple[DayLine, ...], str]]) -> None:
    for date, lines, comment in month:
        validate_day(month=MONTH, date=date, lines=lines, comment=comment, missions=MISSIONS)


FACTS = MonthFacts()
HLC = Hlc(wall_ms=1_795_000_000_000, counter=0, node="a1b2c3d4").encode()
NOW_MS = 1_795_000_100_000


def run_decide(month: list[tuple[dt.date, tuple[DayLine, ...], str]]) -> None:
    for date, lines, comment in month:
        incoming = SetDay(date=date, epoch=0, lines=lines, comment=comment, hlc=HLC, base_v=0)
        verdict = decide_set_day(
            incoming=incoming,
            facts=FACTS,
            stored=None,
            missions=MISSIONS,
            client_id="c",
            now_ms=NOW_MS,
        )
        assert verdict.status == "applied", verdict


RUNNERS: dict[str, Callable[[list[tuple[dt.date, tuple[DayLine, ...], str]]], None]] = {
    "check_day": run_check,
    "validate_day": run_validate,
    "decide_set_day": run_decide,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    for kind in ("full", "mixed"):
        month = month_of(kind)
        for run in RUNNERS.values():
            run(month)  # warm up caches as a long-lived server would have them
        samples: dict[str, list[float]] = {name: [] for name in RUNNERS}
        for _ in range(args.rounds):
            for name, run in RUNNERS.items():
                start = time.perf_counter()
                run(month)
                samples[name].append(time.perf_counter() - start)
        figures = ", ".join(
            f"{name} {statistics.median(values) / len(month) * 1e6:.2f} µs"
            for name, values in samples.items()
        )
        print(f"{kind:>5} month ({len(month)} days), per day (median of {args.rounds}): {figures}")
    if args.profile:
        month = month_of("mixed")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(200):
            run_decide(month)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
