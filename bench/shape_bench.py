"""The body shape guard's CPU on the pushes it sees, against the regex guard it replaced.

    .venv/bin/python bench/shape_bench.py [--rounds 7] [--comments [--quotes]]
    valgrind --tool=callgrind .venv/bin/python bench/shape_bench.py --only new --calls 300

A month push (21 days) and a bulk push (100 days) as the test device sends them; `--comments`
gives every day a comment with brackets and a line break (a bracket in a string, an escape);
`--quotes` adds a quote to it (an escaped quote: the strings are cut by the string pattern).
Each round times the current guard (`server.api.media.check_json_shape`) and the reference
(`tests/server/test_json_shape.py`, the regex version) one after the other, so the ratio holds
on a loaded machine; the best round of each is printed. `--only` runs one of them `--calls`
times on the 100-day body and nothing else, for an instruction count (subtract a run with
`--calls 0`: start-up and imports).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def push_body(days: int, comments: bool, quotes: bool = False) -> bytes:
    from bench.push_breakdown import pushed_days
    from tests.device import Device

    device = Device("alice@example.fr")
    device.cookie = {"v": 12, "s": "x" * 40}
    comment = ("réunion [client]\nsuite" if comments else "") + ('"X"' if quotes else "")
    for day in pushed_days(days):
        device.edit(day.isoformat(), [("mission:0b6c3a2e-1111", 2)], 1_796_486_296_546, comment)
    return json.dumps(device.request(), separators=(",", ":")).encode()


def best_of(guard: Callable[[bytes], object], body: bytes, calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        guard(body)
    return (time.process_time() - started) / calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--comments", action="store_true")
    parser.add_argument("--quotes", action="store_true")
    parser.add_argument("--only", choices=["new", "reference"])
    args = parser.parse_args(argv)
    from server.api.media import check_json_shape
    from tests.server.test_json_shape import reference

    guards: dict[str, Callable[[bytes], object]] = {
        "new": check_json_shape,
        "reference": reference,
    }
    if args.only:
        body = push_body(100, args.comments, args.quotes)
        for _ in range(args.calls):
            guards[args.only](body)
        return 0
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    for label, days in (("month push (21 days)", 0), ("bulk push (100 days)", 100)):
        body = push_body(days, args.comments, args.quotes)
        best = {name: float("inf") for name in guards}
        for _ in range(args.rounds):
            for name, guard in guards.items():
                best[name] = min(best[name], best_of(guard, body, args.calls))
        new, old = best["new"] * 1e6, best["reference"] * 1e6
        print(
            f"{label}, {len(body)} bytes: {new:6.1f} µs (reference {old:6.1f} µs, "
            f"ratio {new / old:.3f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
