"""What the event loop spends on a push's wire shapes, without the server around them.

    .venv/bin/python bench/wire_bench.py [--days 21] [--rounds 300]

A device queues `--days` weekdays (21: November 2026, a month push; 100: a bulk push), one
mission line each, and its request body is decoded once. Then, in the CPU time of this thread
(the event loop's share, whatever else the machine runs), the best of seven runs of `--rounds`
each, divided by the number of days:

- ``envelope``: `SyncRequest` validated as the web framework does (``strict=False``);
- ``args``: the days' arguments validated (`sync_service._parse_all`, the one batch call);
- ``known``: the rows the results give the device (`sync_service._known_from_results`).

Figures: docs/benchmarks.md (issue 12).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import msgspec  # noqa: E402

from server.services import sync_service  # noqa: E402
from sync.protocol import SyncRequest  # noqa: E402
from tests.device import Device  # noqa: E402

LINE = "mission:3f2b8c1e-6d4a-4b7e-9a1c-2e5f7d8b9c0a"


def weekdays(count: int) -> list[dt.date]:
    first = dt.date(2026, 11, 1) if count <= 21 else dt.date(2026, 1, 1)
    days = (first + dt.timedelta(days=i) for i in range(count * 2))
    return [d for d in days if d.weekday() < 5][:count]


def body(count: int) -> bytes:
    device = Device("phone")
    for day in weekdays(count):
        device.edit(day.isoformat(), [(LINE, 2)], 1_796_000_000_000)
    device.cookie = {"sid": "0123456789abcdef", "v": 3}
    return json.dumps(device.request()).encode()


def best(run: Callable[[], object], rounds: int) -> float:
    """Seconds of this thread's CPU per call, the best of seven runs."""
    runs = []
    for _ in range(7):
        started = time.thread_time()
        for _ in range(rounds):
            run()
        runs.append((time.thread_time() - started) / rounds)
    return min(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)
    decoded = msgspec.json.decode(body(args.days))
    request = SyncRequest.model_validate(decoded, strict=False)
    parsed = sync_service._parse_all(request.mutations)
    results = [sync_service.AppliedDay(m.id, "hlc", 7) for m, _ in parsed]
    parts: dict[str, Callable[[], object]] = {
        "envelope": lambda: SyncRequest.model_validate(decoded, strict=False),
        "args": lambda: sync_service._parse_all(request.mutations),
        "known": lambda: sync_service._known_from_results(request, results),
    }
    print(
        f"{len(parsed)} days; {platform.python_version()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}; thread CPU per day, best of 7 x {args.rounds}:"
    )
    for name, run in parts.items():
        print(f"  {best(run, args.rounds) / len(parsed) * 1e6:6.2f} us  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
