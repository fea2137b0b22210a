"""What naming the firm of a request costs: `firm_store.firm_for_host`, the one statement every
API request now runs (docs/multi-tenant.md), on a migrated database holding N firms.

    .venv/bin/python bench/firm_bench.py --firms 1 50 --lookups 2000 [--engine postgres]

Prints the machine and, per firm count, the median and 95th percentile wall time of one lookup
through the app's own engine (SQLite: the pooled reader connections)."""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.harness import Database  # noqa: E402
from server.services import firms  # noqa: E402
from server.storage import firm_store  # noqa: E402
from server.storage import repositories as repo  # noqa: E402
from server.storage import tables as t  # noqa: E402
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine  # noqa: E402


async def timed(lookups: int, work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    times = []
    for _ in range(lookups):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000


async def measure(url: str, count: int, lookups: int) -> tuple[float, float, float]:
    engine = engine_from_url(url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        if count == 1:
            await repo.create_organisation(
                legal_name="Seule",
                siren="000000000",
                siret="00000000000000",
                vat_number="",
                address="",
            )
        else:
            for n in range(count):
                await firms.create_firm(legal_name=f"Firm {n}", host=f"f{n}.carnet.example")
        host = "f7.carnet.example" if count > 1 else "localhost:8000"
        # The same engine's cheapest statement, alternated with the lookup, as the yardstick.
        base, lookup = [], []
        for _ in range(10):
            base.append(await timed(lookups // 10, lambda: t.Organisation.raw("SELECT 1")))
            lookup.append(
                await timed(
                    lookups // 10,
                    lambda: firm_store.firm_for_host(host=host, hostname=host.split(":")[0]),
                )
            )
        return (
            statistics.median(b[0] for b in base),
            statistics.median(x[0] for x in lookup),
            statistics.median(x[1] for x in lookup),
        )
    finally:
        await close_engine(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {args.engine}"
    )
    for count in args.firms:
        with tempfile.TemporaryDirectory() as workdir:
            database = Database.create(args.engine, Path(workdir), prefix="carnet_firms")
            try:
                base, p50, p95 = asyncio.run(measure(database.url, count, args.lookups))
            finally:
                database.drop()
        print(
            f"{count:>4} firms: firm lookup p50 {p50:.3f} ms, p95 {p95:.3f} ms; "
            f"SELECT 1 p50 {base:.3f} ms ({args.lookups} of each, alternated in tens)"
        )


if __name__ == "__main__":
    main()
