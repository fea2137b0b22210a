"""Does the server's memory grow with the pushes it serves? tracemalloc around N month pushes.

    .venv/bin/python bench/memory_bench.py                        # 3 × 1,000 pushes, SQLite
    .venv/bin/python bench/memory_bench.py --pushes 2000 --top 15
    .venv/bin/python bench/memory_bench.py --no-tracemalloc       # RSS alone, at full speed

In one process, on a fresh migrated SQLite database: the people, their mission and a live
session are written straight into the database (as `bench/national_close.py` does), then the
app built by `create_app` (its storage, firm cache, rate limiter, session touches, the
notification runtime unless `--no-runtime`) answers raw ASGI calls, as uvicorn makes them: each
consultant pushes October 2026 (22 `set_day`, a new device) once. The bench keeps nothing per
push: each request is built from the consultant's ids and dropped with its answer.

tracemalloc runs from before the app is built; after a warm-up longer than the bounded caches
on the way (Litestar's 1,024 parsed cookies, `sync.rules.parse_line`'s 1,024 lines), a snapshot
is taken (after `gc.collect()`) every `--pushes` pushes. Printed per step: the traced memory
and RSS, their growth per 1,000 pushes, and the allocation sites (by traceback) that grew
most, each named as the server's or the bench's by the innermost frame in our own code.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.harness import SESSION_COOKIE, Database, process_rss_mb  # noqa: E402
from bench.national_close import Member, month_request, populate  # noqa: E402
from bench.pull_breakdown import ORIGIN, Asgi  # noqa: E402
from bench.sync_bench import weekdays  # noqa: E402

OURS = ("/server/", "/sync/", "/bench/", "/tests/")
options_depth = 8  # library frames shown under an allocation site


def rss_mb() -> float:
    return process_rss_mb(os.getpid())


async def csrf_token(app: Any) -> str:
    """One CSRF token (the check is a double submit of cookie and header), from the app."""
    cookies: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            cookies.extend(v for k, v in message["headers"] if k.lower() == b"set-cookie")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/session",
        "raw_path": b"/api/v1/session",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
        "state": {},
    }
    await app(scope, receive, send)
    for cookie in cookies:
        name, _, rest = cookie.decode().partition("=")
        if name == "csrftoken":
            return rest.split(";", 1)[0]
    raise RuntimeError("the app set no CSRF cookie")


async def push(app: Any, member: Member, dates: list[str], csrf: str) -> None:
    """One consultant's month push as uvicorn hands it to the app (`pull_breakdown.Asgi`, as
    `push_breakdown --asgi` calls it); the answer is dropped."""
    body = json.dumps(
        month_request(member, dates, int(time.time() * 1000)), separators=(",", ":")
    ).encode()
    device = Asgi(app, {SESSION_COOKIE: member.token, "csrftoken": csrf}, csrf)
    status, _ = await device.call("POST", "/api/v1/sync", body)
    if status != 200:
        raise RuntimeError(f"push answered {status}")


def whose(trace: tracemalloc.Traceback) -> str:
    """'server' or 'bench': the innermost frame in our own code (the app's or this bench's)."""
    for frame in reversed(trace):  # most recent call first
        name = frame.filename
        if any(part in name for part in OURS):
            return "bench" if "/bench/" in name or "/tests/" in name else "server"
    return "library"


def show_growth(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, pushes: int, top: int
) -> None:
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = after.filter_traces(filters).compare_to(before.filter_traces(filters), "traceback")
    grew = [stat for stat in diff if stat.size_diff > 0]
    by_owner: dict[str, int] = {}
    for stat in diff:
        by_owner[whose(stat.traceback)] = by_owner.get(whose(stat.traceback), 0) + stat.size_diff
    print(
        "    net growth by owner (KiB per 1,000 pushes): "
        + ", ".join(f"{k} {v / 1024 / pushes * 1000:+.1f}" for k, v in sorted(by_owner.items()))
    )
    for stat in sorted(grew, key=lambda s: -s.size_diff)[:top]:
        print(
            f"    {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks "
            f"({whose(stat.traceback)})"
        )
        # The allocation and the frames above it, up to and with the innermost of our code.
        frames = list(stat.traceback)
        ours = [i for i, f in enumerate(frames) if any(p in f.filename for p in OURS)]
        start = min(ours[-1] if ours else 0, max(0, len(frames) - options_depth))
        for frame in frames[start:]:
            name = frame.filename.replace(str(REPO) + "/", "").split("site-packages/")[-1]
            print(f"        {name}:{frame.lineno}")


async def run(options: argparse.Namespace, url: str, members: list[Member], data: Path) -> None:
    from server.app import create_app
    from server.settings import Settings

    settings = Settings(
        secret_key="x" * 40,
        database_url=url,
        origin=ORIGIN,
        auto_migrate=False,
        data_dir=data,
        auth_rate_limit_per_minute=100_000,
        notifications_in_process=not options.no_runtime,
    )
    app = create_app(settings)
    dates = weekdays(2026, 10)
    queue = iter(members)
    # Traced from the start: an object freed during a step but allocated before tracemalloc
    # started (an entry a bounded cache drops) would not show as freed, and the diff would
    # count its replacement as growth.
    if options.tracemalloc:
        tracemalloc.start(options.frames)
    async with app.lifespan():
        csrf = await csrf_token(app)
        gc.collect()
        print(f"app started, no push yet: RSS {rss_mb():.1f} MB")
        for _ in range(options.warmup):
            await push(app, next(queue), dates, csrf)
        gc.collect()
        snapshot = tracemalloc.take_snapshot() if options.tracemalloc else None
        rss = rss_mb()
        traced = tracemalloc.get_traced_memory()[0] if options.tracemalloc else 0
        print(f"after {options.warmup} warm-up pushes: RSS {rss:.1f} MB")
        for step in range(1, options.steps + 1):
            started = time.perf_counter()
            for _ in range(options.pushes):
                await push(app, next(queue), dates, csrf)
            wall = time.perf_counter() - started
            gc.collect()
            now_rss = rss_mb()
            line = (
                f"step {step}: {options.pushes} pushes in {wall:.1f} s; RSS {now_rss:.1f} MB "
                f"({(now_rss - rss) / options.pushes * 1000:+.2f} MB per 1,000 pushes)"
            )
            rss = now_rss
            if snapshot is not None:
                now_traced = tracemalloc.get_traced_memory()[0]
                line += (
                    f"; traced {now_traced / 2**20:.2f} MiB "
                    f"({(now_traced - traced) / 1024 / options.pushes * 1000:+.1f} KiB per "
                    "1,000 pushes)"
                )
                traced = now_traced
                later = tracemalloc.take_snapshot()
                print(line)
                show_growth(snapshot, later, options.pushes, options.top)
                snapshot = later
            else:
                print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pushes", type=int, default=1000, help="pushes per step")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1500)
    parser.add_argument("--top", type=int, default=10, help="allocation sites shown per step")
    parser.add_argument("--frames", type=int, default=25, help="traceback depth kept")
    parser.add_argument("--no-tracemalloc", dest="tracemalloc", action="store_false")
    parser.add_argument(
        "--no-runtime", action="store_true", help="without the in-process notification runtime"
    )
    options = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("carnet").setLevel(logging.WARNING)
    count = options.warmup + options.steps * options.pushes
    with tempfile.TemporaryDirectory(prefix="carnet-memory-") as workdir:
        database = Database.create("sqlite", Path(workdir))
        started = time.perf_counter()
        members = asyncio.run(populate(database.url, count, last_seen_minutes=60))
        print(f"{count} consultants written in {time.perf_counter() - started:.1f} s")
        (Path(workdir) / "data").mkdir()
        asyncio.run(run(options, database.url, members, Path(workdir) / "data"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
