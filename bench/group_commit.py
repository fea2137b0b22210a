"""Many month pushes at once, with and without SQLite's group commit, in one run.

    .venv/bin/python bench/group_commit.py [--consultants 100] [--rounds 3]

The real app through raw ASGI calls (as `bench/push_breakdown.py --asgi`), on a fresh migrated
SQLite file: every consultant's device pushes a month (its 20-odd weekdays) at the same moment,
as at a month's close. Rounds alternate between the engine's group commit
(`server/storage/sqlite_pool.py`: the pushes waiting for the writer share one transaction and
one COMMIT) and one commit per push (the group size forced to 1), each round on a new month so
every day is new. Printed per round: the wall time until the last answer, the process's CPU per
push, how many commits were made; then the ratio of the medians. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def weekdays(month: int) -> list[str]:
    first = dt.date(2026, month, 1)
    days = [first + dt.timedelta(days=i) for i in range(31)]
    return [d.isoformat() for d in days if d.month == month and d.weekday() < 5]


async def measure(url: str, consultants: int, rounds: int) -> None:
    import httpx

    from bench.harness import csrf, populate, register
    from bench.pull_breakdown import ORIGIN, Asgi
    from server.app import create_app
    from server.settings import Settings
    from server.storage import sqlite_pool
    from server.storage import tables as t
    from tests.device import Device

    people = populate(url, consultants, ORIGIN)
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            secret_key="x" * 40,
            database_url=url,
            origin=ORIGIN,
            auto_migrate=False,
            data_dir=Path(data),
            auth_rate_limit_per_minute=100_000,
        )
        app = create_app(settings)
        async with app.lifespan():
            devices = []
            for person in people:
                client = httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://localhost.local"
                )
                await register(client, ORIGIN, person.token)
                token = await csrf(client)
                cookies = {c.name: c.value or "" for c in client.cookies.jar}
                await client.aclose()
                devices.append((person, Asgi(app, cookies, token), Device(person.email)))
            engine = t.DayEntry._meta.db
            assert isinstance(engine, sqlite_pool.PooledSQLiteEngine), "SQLite only"
            grouped_max = sqlite_pool.GROUP_MAX

            async def push(asgi: Asgi, device: Device, body: bytes) -> None:
                status, answer = await asgi.call("POST", "/api/v1/sync", body)
                assert status == 200, answer[:300]

            for _, asgi, device in devices:  # first sync: the device's rows exist
                await push(asgi, device, json.dumps(device.request()).encode())
            figures: dict[str, list[tuple[float, float]]] = {"grouped": [], "one by one": []}
            for round_ in range(rounds * 2):
                kind = "grouped" if round_ % 2 == 0 else "one by one"
                sqlite_pool.GROUP_MAX = grouped_max if kind == "grouped" else 1
                month = 1 + round_  # every round writes new days
                bodies = []
                for person, _, device in devices:
                    device.pending.clear()
                    for day in weekdays(month):
                        device.edit(day, [(person.line, 2)], int(time.time() * 1000))
                    bodies.append(json.dumps(device.request()).encode())
                commits = engine.group_commits
                cpu, wall = time.process_time(), time.perf_counter()
                await asyncio.gather(
                    *(push(a, d, b) for (_, a, d), b in zip(devices, bodies, strict=True))
                )
                wall = time.perf_counter() - wall
                cpu = (time.process_time() - cpu) / len(devices) * 1000
                made = engine.group_commits - commits
                figures[kind].append((wall, cpu))
                print(
                    f"  round {round_ + 1} ({kind:>10}, 2026-{month:02d}): last answer after "
                    f"{wall * 1000:7.1f} ms, {cpu:5.2f} ms CPU per push, {made} commits"
                )
            sqlite_pool.GROUP_MAX = grouped_max
    wall_g = statistics.median(w for w, _ in figures["grouped"])
    wall_1 = statistics.median(w for w, _ in figures["one by one"])
    cpu_g = statistics.median(c for _, c in figures["grouped"])
    cpu_1 = statistics.median(c for _, c in figures["one by one"])
    print(f"medians, {consultants} month pushes at once:")
    print(f"  grouped:    last answer {wall_g * 1000:7.1f} ms, {cpu_g:5.2f} ms CPU per push")
    print(f"  one by one: last answer {wall_1 * 1000:7.1f} ms, {cpu_1:5.2f} ms CPU per push")
    print(f"  ratio grouped / one by one: wall {wall_g / wall_1:.2f}, CPU {cpu_g / cpu_1:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consultants", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind (≤ 6)")
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bench.harness import Database
    from bench.sync_bench import machine

    print("machine:", machine("sqlite"))
    with tempfile.TemporaryDirectory(prefix="carnet-group-") as workdir:
        database = Database.create("sqlite", Path(workdir))
        try:
            asyncio.run(measure(database.url, args.consultants, min(args.rounds, 6)))
        finally:
            database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
