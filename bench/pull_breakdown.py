"""Server CPU of a no-op poll and of a new device's year pull, in-process, without a network.

    .venv/bin/python bench/pull_breakdown.py [--engine postgres] [--repeats 400]
    .venv/bin/python bench/pull_breakdown.py --profile poll     # cProfile of the polls

The real app (`create_app`) is driven through raw ASGI calls (no HTTP client, no uvicorn): a
logged-in device sends `POST /api/v1/sync` exactly as the PWA does (cookie, CSRF header,
`accept-encoding: gzip`). Measured per request, as CPU of this process (all its threads, so
SQLite's too) and, on PostgreSQL, of the database's backends:

* the floor: a trivial `POST` handler registered on the same app, through the same middleware
  (CSRF, compression, security headers) — what any request costs before our code runs;
* `GET /api/v1/me`: the floor plus the session lookup;
* a no-op poll of an up-to-date device;
* a new device pulling a year (261 days, limit 2000), the answer gzipped as sent.

Requests run one after the other (no overlap), alternated between kinds so a burst of load from
other processes hits each kind alike. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from litestar import post  # noqa: E402

from bench.harness import Database, csrf, populate, process_cpu, register  # noqa: E402
from bench.sync_bench import machine, weekdays  # noqa: E402
from server.app import create_app  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.device import Device  # noqa: E402

ORIGIN = "http://localhost"


@post("/bench/floor", status_code=200)
async def floor_handler() -> dict[str, int]:
    """Nothing but the framework: the cost every request pays before our code."""
    return {"ok": 1}


class Asgi:
    """Calls the app the way uvicorn does, for one logged-in device (its cookies)."""

    def __init__(self, app: Any, cookies: dict[str, str], token: str) -> None:
        self.app = app
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.headers = [
            (b"host", b"localhost"),
            (b"origin", ORIGIN.encode()),
            (b"cookie", cookie.encode()),
            (b"x-csrftoken", token.encode()),
            (b"content-type", b"application/json"),
            (b"accept-encoding", b"gzip, deflate"),
        ]

    async def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [*self.headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 5000),
            "server": ("localhost", 80),
            "state": {},
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 0
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def backends(url: str) -> list[int]:
    """The server processes of this database's connections (the app's pool): their CPU is the
    database's share of each request (other databases' tests may share the server)."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return [int(r["pid"]) for r in rows]


async def measure(url: str, options: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as data:
        (person,) = populate(url, 1, ORIGIN)
        settings = Settings(
            secret_key="x" * 40,
            database_url=url,
            origin=ORIGIN,
            auto_migrate=False,
            data_dir=Path(data),
            auth_rate_limit_per_minute=100_000,
        )
        app = create_app(settings)
        app.register(floor_handler)
        async with app.lifespan():
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://localhost.local"
            )
            await register(client, ORIGIN, person.token)
            token = await csrf(client)
            cookies = {c.name: c.value for c in client.cookies.jar}
            await client.aclose()
            asgi = Asgi(app, cookies, token)
            device = Device(person.email)

            async def sync(request: dict[str, Any]) -> dict[str, Any]:
                status, body = await asgi.call(
                    "POST", "/api/v1/sync", json.dumps(request).encode()
                )
                if status != 200:
                    raise RuntimeError(f"sync answered {status}: {body[:300]!r}")
                if body[:2] == b"\x1f\x8b":
                    import gzip

                    body = gzip.decompress(body)
                return dict(json.loads(body))

            now = int(time.time() * 1000)
            for date in weekdays(2026):
                device.edit(date, [(person.line, 1)], now)
            while device.pending:
                device.apply(await sync(device.request()))
            device.apply(await sync(device.request()))  # up to date
            year = len(weekdays(2026))
            poll_body = json.dumps(device.request()).encode()
            fresh_body = json.dumps(Device("new").request(limit=2000)).encode()

            async def poll() -> None:
                status, body = await asgi.call("POST", "/api/v1/sync", poll_body)
                assert status == 200 and b'"days":[]' in body, body[:200]

            async def year_pull() -> None:
                status, body = await asgi.call("POST", "/api/v1/sync", fresh_body)
                assert status == 200 and body[:2] == b"\x1f\x8b", body[:200]

            async def floor() -> None:
                status, _ = await asgi.call("POST", "/bench/floor", b"{}")
                assert status == 200

            async def me() -> None:
                status, _ = await asgi.call("GET", "/api/v1/me")
                assert status == 200

            kinds: dict[str, Callable[[], Any]] = {
                "floor": floor,
                "me": me,
                "poll": poll,
                "year_pull": year_pull,
            }
            for work in kinds.values():  # warm up
                for _ in range(5):
                    await work()
            if options.profile:
                profiler = cProfile.Profile()
                work = kinds[options.profile]
                profiler.enable()
                for _ in range(options.repeats):
                    await work()
                profiler.disable()
                stats = pstats.Stats(profiler).sort_stats("cumulative")
                stats.print_stats(45)
                stats.sort_stats("tottime").print_stats(35)
                return {}
            pids = await backends(url) if options.engine == "postgres" else []

            def pg_cpu() -> float:
                return sum(process_cpu(pid) for pid in pids)

            spent = {k: 0.0 for k in kinds}
            spent_pg = {k: 0.0 for k in kinds}
            rounds = options.repeats // 20
            for _ in range(rounds):
                for name, work in kinds.items():
                    pg = pg_cpu()
                    cpu = time.process_time()
                    for _ in range(20 if name != "year_pull" else 4):
                        await work()
                    spent[name] += time.process_time() - cpu
                    spent_pg[name] += pg_cpu() - pg
            figures: dict[str, Any] = {}
            for name in kinds:
                n = rounds * (20 if name != "year_pull" else 4)
                figures[name] = {
                    "cpu_ms": round(spent[name] / n * 1000, 3),
                    "pg_cpu_ms": round(spent_pg[name] / n * 1000, 3),
                }
            figures["year_days"] = year
            return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--profile", choices=["floor", "me", "poll", "year_pull"])
    args = parser.parse_args(argv)
    print(f"machine: {machine(args.engine)}", flush=True)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="carnet-pull-") as workdir:
        database = Database.create(args.engine, Path(workdir))
        try:
            figures = asyncio.run(measure(database.url, args))
        finally:
            database.drop()
    if figures:
        print(f"load average before / after: {load[0]:.2f} / {os.getloadavg()[0]:.2f}")
        print(f"{dt.date.today()}  {args.engine}, per request, CPU (ms):")
        for name in ("floor", "me", "poll", "year_pull"):
            f = figures[name]
            extra = f" + {f['pg_cpu_ms']:.3f} PostgreSQL" if args.engine == "postgres" else ""
            print(f"  {name:10s} {f['cpu_ms']:7.3f}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
