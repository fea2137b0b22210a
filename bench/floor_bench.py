"""Issue 12's push targets against their floors: what a push costs the server, beside what no
code above the database could go under, on the machine at hand.

    .venv/bin/python bench/floor_bench.py [--rounds 3] [--month-pushes 60] [--bulk-pushes 30]

Two pushes, each of new days for a consultant who has none yet: a month (November 2026's 21
weekdays) and a bulk push (the first 100 weekdays of 2026, five months). In each round, in this
order, one after the other in this one process (machines here are noisy: compare within a run):

- **push**: the whole request, raw ASGI calls through the real app on SQLite
  (`push_breakdown.measure_asgi`): the process's CPU per push, all threads;
- **HTTP floor**: the same app's authenticated trivial ``POST`` (middleware, CSRF, session
  lookup), measured beside each push: what any request pays before the push's own code;
- **day commands**: the push trip's Python alone (`day_command_bench.one_push_of`): the month
  commands (merge, day rules, rows, results) and the audit chain of their events;
- **day rows**: plain `sqlite3` on a database the server migrated (its triggers, foreign keys
  and indexes): ``BEGIN IMMEDIATE``, the push's day rows in one ``executemany`` with
  time-ordered ids as the server makes them (`push_store.new_ids`), ``COMMIT``. Nothing else
  the server writes (the month's version, the result row, the audit events): a lower bound;
- **month rows**: the storage shape docs/benchmarks.md names as the structural option, a
  consultant's month as one row holding its days as JSON, in a scratch table beside
  ``day_entry``: per month touched, read its row, merge the days, write it back.

The floor of a push is HTTP floor + day commands + day rows (today's shape), or + month rows.
If the floor is over a target, no work on the code between them can meet that target on this
machine: only less work per day, or a faster machine, can. CPU is this thread's
(``time.thread_time``: user and kernel time, so the commit's writes count) except for the
whole push, which counts every thread of the process. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import io
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.day_command_bench import one_push_of, weekdays  # noqa: E402
from bench.harness import Database, populate  # noqa: E402
from bench.push_breakdown import measure_asgi  # noqa: E402
from bench.sync_bench import machine  # noqa: E402
from server.storage.push_store import new_ids  # noqa: E402

TARGET_MONTH_MS = 2.0
TARGET_BULK_US_PER_DAY = 40.0
KINDS = {"month": 21, "bulk": 100}
WARM = 5
"""Calls of each kind run before the measure, not counted (first-call costs, the caches)."""

DAY_INSERT = (
    "INSERT INTO day_entry (id, timesheet, consultant, day, lines, comment, hlc, version, "
    "by_client, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DAY_FIELDS = ("lines", "comment", "hlc", "version", "by_client", "updated_at")
MONTH_ROWS = (
    "CREATE TABLE month_days (timesheet TEXT PRIMARY KEY REFERENCES timesheet (id), "
    "consultant TEXT NOT NULL REFERENCES person (id), version INTEGER NOT NULL, "
    "days TEXT NOT NULL)",
    "CREATE INDEX month_days_consultant_version ON month_days (consultant, version)",
)
MONTH_READ = "SELECT days FROM month_days WHERE timesheet = ?"
MONTH_WRITE = (
    "INSERT INTO month_days (timesheet, consultant, version, days) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (timesheet) DO UPDATE SET version = excluded.version, days = excluded.days"
)


@dataclass(frozen=True)
class Person:
    person_id: str
    line: str
    sheets: dict[str, str]
    """Month key → timesheet id."""


def scratch_people(workdir: Path, count: int) -> tuple[sqlite3.Connection, list[Person]]:
    """A database the server migrated, with ``count`` consultants and, for each, a draft
    timesheet for every month the two pushes touch; the month-rows table beside it."""
    database = Database.create("sqlite", workdir, prefix="floor")
    consultants = populate(database.url, count)
    assert database.sqlite_path is not None
    connection = sqlite3.connect(database.sqlite_path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = 1")  # as the server opens it (sqlite_pool)
    connection.execute("PRAGMA journal_mode=WAL")
    for statement in MONTH_ROWS:
        connection.execute(statement)
    months = sorted({d.isoformat()[:7] for days in KINDS.values() for d in weekdays(days)})
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    people = [
        Person(c.person_id, c.line, {m: str(uuid.uuid4()) for m in months}) for c in consultants
    ]
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO timesheet (id, consultant, month, status, step, epoch, version, updated_at)"
        " VALUES (?, ?, ?, 'draft', 0, 0, 1, ?)",
        [(sheet, p.person_id, month, now) for p in people for month, sheet in p.sheets.items()],
    )
    connection.execute("COMMIT")
    return connection, people


def _day_fields(person: Person, day: str, n: int, now_ms: int) -> dict[str, Any]:
    return {
        "lines": json.dumps([{"line": person.line, "half_days": 2}]),
        "comment": "sur site chez le client" if n % 3 == 0 else "",
        "hlc": f"{now_ms:013d}:{n:04d}:{'ab' * 8}",
        "version": 2,
        "by_client": "floor-bench-device",
        "updated_at": dt.datetime.now(dt.UTC).isoformat(sep=" "),
    }


def push_day_rows(connection: sqlite3.Connection, person: Person, days: Sequence[str]) -> None:
    """Today's shape: one row per day, as `push_store` inserts them."""
    now_ms = time.time_ns() // 1_000_000
    ids = new_ids(len(days))
    rows = []
    for n, day in enumerate(days):
        f = _day_fields(person, day, n, now_ms)
        sheet, who = person.sheets[day[:7]], person.person_id
        rows.append((ids[n], sheet, who, day, *(f[c] for c in DAY_FIELDS)))
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(DAY_INSERT, rows)
    connection.execute("COMMIT")


def push_month_rows(connection: sqlite3.Connection, person: Person, days: Sequence[str]) -> None:
    """The structural option: per month touched, its one row read, merged and written back."""
    now_ms = time.time_ns() // 1_000_000
    by_month: dict[str, list[tuple[int, str]]] = {}
    for n, day in enumerate(days):
        by_month.setdefault(day[:7], []).append((n, day))
    connection.execute("BEGIN IMMEDIATE")
    for month, entries in by_month.items():
        sheet = person.sheets[month]
        found = connection.execute(MONTH_READ, (sheet,)).fetchone()
        stored: dict[str, Any] = json.loads(found[0]) if found else {}
        for n, day in entries:
            stored[day] = _day_fields(person, day, n, now_ms)
        connection.execute(MONTH_WRITE, (sheet, person.person_id, 2, json.dumps(stored)))
    connection.execute("COMMIT")


def cpu_per_push(work: Callable[[], None], pushes: int, warm: int) -> float:
    """This thread's CPU per call of ``work``, in ms, after ``warm`` calls not counted."""
    for _ in range(warm):
        work()
    started = time.thread_time()
    for _ in range(pushes):
        work()
    return (time.thread_time() - started) / pushes * 1000


def asgi_push(workdir: Path, consultants: int, days: int) -> dict[str, float]:
    """The whole push and the authenticated floor, per push in ms, on a fresh database."""
    home = workdir / uuid.uuid4().hex
    home.mkdir()
    database = Database.create("sqlite", home, prefix="push")
    with contextlib.redirect_stdout(io.StringIO()):
        figures = asyncio.run(measure_asgi(database.url, consultants, days, False, None))
    assert figures is not None
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--month-pushes", type=int, default=60)
    parser.add_argument("--bulk-pushes", type=int, default=30)
    args = parser.parse_args(argv)
    pushes = {"month": args.month_pushes, "bulk": args.bulk_pushes}
    print(f"machine: {machine('sqlite')}")
    commands = {kind: one_push_of(days) for kind, days in KINDS.items()}
    dates = {kind: [d.isoformat() for d in weekdays(days)] for kind, days in KINDS.items()}
    figures: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="carnet-floor-") as tmp:
        workdir = Path(tmp)
        # Each push needs a consultant with no days yet: one per push of each shape and round.
        per_round = 2 * sum(n + WARM for n in pushes.values())
        connection, people = scratch_people(workdir, per_round * args.rounds)
        unused = iter(people)
        for index in range(args.rounds):
            for kind, days in KINDS.items():
                http = asgi_push(workdir, pushes[kind], 0 if kind == "month" else days)
                measured = {
                    "push": http["push"],
                    "HTTP floor": http["authenticated floor"],
                    "day commands": cpu_per_push(commands[kind], pushes[kind] * 4, WARM),
                }
                for shape, write in (("day rows", push_day_rows), ("month rows", push_month_rows)):
                    fresh = iter([next(unused) for _ in range(WARM + pushes[kind])])
                    measured[shape] = cpu_per_push(
                        lambda w=write, d=dates[kind], i=fresh: w(connection, next(i), d),
                        pushes[kind],
                        WARM,
                    )
                for name, value in measured.items():
                    figures.setdefault((kind, name), []).append(value)
                print(
                    f"round {index + 1} {kind}: "
                    + ", ".join(f"{k} {v:.3f} ms" for k, v in measured.items())
                )
        connection.close()
    report(figures)
    return 0


def report(figures: dict[tuple[str, str], list[float]]) -> None:
    """The medians of the rounds, per push and per day, and each floor against its target."""
    print("\nmedian of the rounds, CPU per push (per day):")
    median = {key: statistics.median(values) for key, values in figures.items()}
    for kind, days in KINDS.items():
        floors = {
            "floor, today's shape": ("HTTP floor", "day commands", "day rows"),
            "floor, month rows": ("HTTP floor", "day commands", "month rows"),
        }
        for name in ("push", "HTTP floor", "day commands", "day rows", "month rows"):
            value = median[(kind, name)]
            print(f"  {kind:5} {name:22} {value:7.3f} ms  ({value / days * 1000:6.1f} µs/day)")
        for label, parts in floors.items():
            value = sum(median[(kind, part)] for part in parts)
            per_day = value / days * 1000
            if kind == "month":
                verdict = "under" if value <= TARGET_MONTH_MS else "OVER"
                target = f"target {TARGET_MONTH_MS} ms: floor {verdict}"
            else:
                verdict = "under" if per_day <= TARGET_BULK_US_PER_DAY else "OVER"
                target = f"target {TARGET_BULK_US_PER_DAY:.0f} µs/day: floor {verdict}"
            print(f"  {kind:5} {label:22} {value:7.3f} ms  ({per_day:6.1f} µs/day)  {target}")


if __name__ == "__main__":
    sys.exit(main())
