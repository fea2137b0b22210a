"""What a push's days cost the server between its reads and its SQL, without a database.

    .venv/bin/python bench/day_command_bench.py [--days 21] [--rounds 2000] [--profile]

The push of days (`SyncService._push_days`) on a device's batch of `--days` new weekdays (21:
November 2026, a month at the close; more: the first weekdays of 2026, a bulk push), one mission,
a comment on one day in three: its ``decide`` — the batch loop, the `set_day` month command per
day (`sync.merge`, `sync.rules`), `MonthTx`'s rows, the results and their stored JSON, the audit
events collected — then the audit chain of those events (`audit.append_many`: sealing,
canonical JSON, hashes). That is the trip's Python; the statements around it are not run
(`push_store.run_push` is replaced by a function handing ``decide`` fixed reads: no day, no
month stored yet). The CPU of this thread per day, minimum and median over `--rounds` rounds.
`--profile` prints cProfile's top functions. Figures: docs/benchmarks.md (issue 12, "a leaner
day command").

`--callgrind`: the rounds run inside one ``functools.reduce`` call and nothing is timed, so that

    valgrind --tool=callgrind --toggle-collect=functools_reduce \
        .venv/bin/python bench/day_command_bench.py --callgrind --rounds 300

counts the instructions of those rounds only (divide by the rounds): a figure the machine's load
does not move, for comparing two branches on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import functools
import os
import platform
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from server.domain import audit  # noqa: E402
from server.domain.roles import Actor, Role  # noqa: E402
from server.services import sync_service  # noqa: E402
from server.storage import push_store  # noqa: E402
from sync.calendar import CalendarRegion  # noqa: E402
from sync.protocol import SyncRequest  # noqa: E402
from sync.rules import MissionTerms  # noqa: E402
from tests.device import Device  # noqa: E402

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


def weekdays(count: int) -> list[dt.date]:
    day = dt.date(2026, 11, 1) if count <= 21 else dt.date(2026, 1, 1)
    found: list[dt.date] = []
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def one_push_of(days: int) -> Callable[[], None]:
    """A function running the trip's Python for one push of ``days`` new weekdays (module
    docstring): the push's ``decide`` on fixed reads, then the audit chain of its events.
    `push_store.run_push` is replaced only while ``decide`` is captured."""
    mission, person, organisation = (str(uuid.uuid4()) for _ in range(3))
    actor = Actor(
        person_id=person, organisation_id=organisation, roles=frozenset({Role.CONSULTANT})
    )
    device = Device("bench")
    now_ms = int(NOW.timestamp() * 1000) - 1000
    for i, day in enumerate(weekdays(days)):
        comment = "sur site chez le client" if i % 3 == 0 else ""
        device.edit(day.isoformat(), [(f"mission:{mission}", 2)], now_ms, comment=comment)
    request = SyncRequest.model_validate(device.request())
    reads = push_store.PushReads(
        server_id="ab" * 16,
        base_version=3,
        client=(person, 0),
        replayed={},
        terms={
            mission: MissionTerms(
                id=mission,
                start=dt.date(2025, 1, 1),
                end=None,
                allowed_absences=frozenset(),
                comments_required=False,
                region=next(iter(CalendarRegion)),
            )
        },
        months={},
        days={},
    )
    decides: list[Any] = []

    async def capture(**kwargs: Any) -> Any:
        decides.append(kwargs["decide"])
        return kwargs["decide"](reads)

    real = push_store.run_push
    push_store.run_push = capture  # type: ignore[assignment]
    try:
        service = sync_service.SyncService(clock=lambda: NOW)
        asyncio.run(service._push_days(actor, request, sync_service._parse_all(request.mutations)))
    finally:
        push_store.run_push = real  # type: ignore[assignment]
    [decide] = decides

    def one_push() -> None:
        writes = decide(reads)
        audit.append_many(
            head_seq=7, head_hash=audit.GENESIS_HASH, events=[e.event for e in writes.events]
        )

    return one_push


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--callgrind", action="store_true", help="the rounds in one functools.reduce, untimed"
    )
    args = parser.parse_args(argv)

    one_push = one_push_of(args.days)

    if args.callgrind:
        for _ in range(20):  # warm: what is built once per process is not counted
            one_push()
        functools.reduce(lambda _, __: one_push(), range(args.rounds), None)
        print(f"{args.rounds} pushes of {args.days} new days run inside functools.reduce")
        return 0

    profile = cProfile.Profile(time.thread_time)
    spent: list[float] = []
    for index in range(args.rounds):
        if args.profile and index == args.rounds // 2:
            profile.enable()
        started = time.thread_time()
        one_push()
        spent.append(time.thread_time() - started)
    profile.disable()
    per_day = [s / args.days * 1e6 for s in spent]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{args.days} new days per push, {args.rounds} rounds: decide + audit chain, "
        f"CPU per day: min {min(per_day):.2f} µs, median {statistics.median(per_day):.2f} µs"
    )
    if args.profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
