"""Where a month push's time goes inside the server, function by function.

    .venv/bin/python bench/push_breakdown.py [--engine postgres] [--consultants 40]
    .venv/bin/python bench/push_breakdown.py --asgi [--days 100] [--profile]

`--asgi`: the pushes go as raw ASGI calls (no HTTP client, as in `bench/pull_breakdown.py`),
interleaved with two floors — a trivial `POST` through the same middleware, and the same with
the session dependency (an empty authenticated endpoint) — and each kind's CPU per request is
printed; `--profile` then gives the event loop's cProfile by cumulative time.

In-process (the real app through httpx's ASGI transport, no network), on a fresh migrated
database: each consultant's device pushes November 2026 (21 new days; `--days 100`: a bulk push
of the year's first 100 weekdays) in turn, one request at a
time, and the wall time spent in the session lookup, the push and pull halves of the sync
service and each storage function is added up and divided by the number of pushes. Requests do
not overlap, so the parts are exclusive except where indented (inside the push).
Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import datetime as dt
import functools
import gzip
import json
import logging
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

STORE_FUNCTIONS = (
    "lock_space",
    "get_client",
    "create_client",
    "outcomes",
    "months_of",
    "days_of",
    "create_month",
    "insert_days",
    "update_day",
    "store_outcomes",
    "update_client",
    "prune_outcomes",
    "set_space_version",
    "server_id",
)


def _timed(spent: collections.Counter[str], label: str, function: Any) -> Any:
    @functools.wraps(function)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return await function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started
            if not label.startswith(" "):
                spent[f"{label} (CPU)"] += time.process_time() - cpu

    return timed


def instrument(spent: collections.Counter[str]) -> None:
    import server.services.accounts as accounts
    import server.services.sync_service as service
    import server.storage.pull_store as pull_store
    import server.storage.repositories as repo
    import server.storage.sync_store as store

    for name in STORE_FUNCTIONS:
        setattr(store, name, _timed(spent, f"  store.{name}", getattr(store, name)))
    for name in PULL_STORE:
        setattr(pull_store, name, _timed(spent, f"  store.{name}", getattr(pull_store, name)))
    repo.missions_of = _timed(spent, "  repo.missions_of", repo.missions_of)
    accounts.Accounts.current = _timed(spent, "session lookup", accounts.Accounts.current)  # type: ignore[method-assign]
    service.SyncService.push = _timed(spent, "SyncService.push", service.SyncService.push)  # type: ignore[method-assign]
    service.SyncService.pull = _timed(spent, "SyncService.pull", service.SyncService.pull)  # type: ignore[method-assign]
    try:
        import server.storage.push_store as push_store
    except ImportError:  # before the one-trip push
        return
    push_store.run_push = _timed(
        spent, "  push_store.run_push (the whole transaction)", push_store.run_push
    )
    real = push_store._run_sqlite

    def cpu_of_trip(*args: Any) -> Any:
        started = time.thread_time()
        try:
            return real(*args)
        finally:
            spent["  (CPU of the trip, writer thread)"] += time.thread_time() - started

    push_store._run_sqlite = cpu_of_trip


def instrument_trip(spent: collections.Counter[str]) -> None:
    """Time the push trip's parts in the CPU of the thread that runs them (no profiler): the
    month commands and their flush (`complete_now`, inside ``decide``) and the audit chain's
    sealing and hashing (`audit.append_many`)."""
    import server.domain.audit as audit
    import server.services.sync_service as service

    def timed(label: str, function: Any) -> Any:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.thread_time() - started

        return run

    import server.api.media as media
    import server.api.sync as api

    def timed_async(label: str, function: Any) -> Any:
        @functools.wraps(function)
        async def run(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return await function(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - started

        return run

    media.JsonRequest.json = timed_async(  # type: ignore[method-assign]
        "(loop) body: shape check and JSON decode", media.JsonRequest.json
    )
    service.SyncService.sync = timed_async(  # type: ignore[method-assign]
        "(loop) SyncService.sync: push and pull, all threads", service.SyncService.sync
    )
    service._parse_all = timed("(loop) the mutations' arguments validated", service._parse_all)
    api.encode = timed("(loop) the answer's JSON", api.encode)
    commands = "  (trip) month commands and their flush"
    service.complete_now = timed(commands, service.complete_now)  # type: ignore[assignment]
    chain = "  (trip) audit chain: seal, canonical JSON, hashes"
    audit.append_many = timed(chain, audit.append_many)


PROFILES: dict[str, cProfile.Profile] = {}


def profile_writer_thread() -> None:
    """Profile the push's trip on SQLite's writer thread too (cProfile sees one thread); both
    profiles count each thread's CPU time, not the wall time it spent waiting for the GIL."""
    try:
        import server.storage.push_store as push_store
    except ImportError:  # before the one-trip push
        return
    real = push_store._run_sqlite
    PROFILES["writer thread (the push's one trip)"] = profile = cProfile.Profile(time.thread_time)

    def profiled(*args: Any) -> Any:
        profile.enable()
        try:
            return real(*args)
        finally:
            profile.disable()

    push_store._run_sqlite = profiled


def print_profiles(top: int) -> None:
    for name, profile in PROFILES.items():
        print(f"\n== cProfile, {name}: top {top} by own time ==")
        pstats.Stats(profile).sort_stats("tottime").print_stats(top)


async def measure(
    url: str,
    consultants: int,
    spent: collections.Counter[str],
    profile: bool = False,
    days: int = 0,
) -> None:
    import httpx

    from bench.harness import csrf, populate, register
    from server.app import create_app
    from server.settings import Settings
    from tests.device import Device

    people = populate(url, consultants, "http://localhost")
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(
            secret_key="x" * 40,
            database_url=url,
            origin="http://localhost",
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
                await register(client, "http://localhost", person.token)
                devices.append((person, client, await csrf(client), Device(person.email)))

            async def sync(client: httpx.AsyncClient, token: str, device: Device) -> None:
                response = await client.post(
                    "/api/v1/sync", json=device.request(), headers={"x-csrftoken": token}
                )
                assert response.status_code == 200, response.text
                device.apply(response.json())

            for _, client, token, device in devices:  # first sync: client rows exist
                await sync(client, token, device)
            for person, _, _, device in devices:
                for day in pushed_days(days):
                    device.edit(day.isoformat(), [(person.line, 2)], int(time.time() * 1000))
            spent.clear()
            main = cProfile.Profile(time.thread_time)
            if profile:
                PROFILES["event loop"] = main
                main.enable()
            started, cpu = time.perf_counter(), time.process_time()
            for _, client, token, device in devices:
                await sync(client, token, device)
            total = time.perf_counter() - started
            cpu = time.process_time() - cpu
            main.disable()
            for _, client, _, _ in devices:
                await client.aclose()
    n = len(devices)
    what = f"pushes of {days} new days" if days else "month pushes (21 new days each)"
    print(f"{n} {what}, one at a time, in-process:")
    print(f"  {total / n * 1000:7.2f} ms  whole request (wall); {cpu / n * 1000:.2f} ms CPU")
    order = ["session lookup", "SyncService.push", "SyncService.pull"]
    for label in order:
        print(
            f"  {spent[label] / n * 1000:7.2f} ms  {label}"
            f"  (CPU, all threads: {spent[f'{label} (CPU)'] / n * 1000:.2f} ms)"
        )
        if label == "SyncService.push":
            inner = [k for k in spent if k.startswith("  ")]
            for key in sorted(inner, key=lambda k: -spent[k]):
                if key.strip() not in {f"store.{f}" for f in PULL_STORE}:
                    print(f"  {spent[key] / n * 1000:7.2f} ms    {key.strip()}")
        if label == "SyncService.pull":
            for name in PULL_STORE:
                key = f"  store.{name}"
                print(f"  {spent[key] / n * 1000:7.2f} ms    {key.strip()}")
    rest = total - sum(spent[label] for label in order)
    print(f"  {rest / n * 1000:7.2f} ms  rest: HTTP, routing, CSRF, (de)serialisation")


async def measure_asgi(
    url: str,
    consultants: int,
    days: int,
    profile: bool,
    spent_parts: collections.Counter[str] | None = None,
) -> dict[str, float] | None:
    """The pushes as raw ASGI calls, interleaved with the two floors (module docstring)."""
    import httpx
    from litestar import Router, post

    from bench.harness import csrf, populate, register
    from bench.pull_breakdown import ORIGIN, Asgi, floor_handler
    from server.api.deps import SessionDep
    from server.app import create_app
    from server.settings import Settings
    from tests.device import Device

    @post("/floor", status_code=200, signature_namespace={"SessionDep": SessionDep})
    async def auth_floor(session: SessionDep) -> dict[str, int]:
        """The API router's middleware (firm, CSRF, JSON bodies) and the session: nothing else."""
        return {"ok": 1}

    from bench.memory_bench import rss_mb

    people = populate(url, consultants, ORIGIN)
    rss = {"before the app": rss_mb()}
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
        app.register(floor_handler)
        api = next(
            layer
            for route in app.routes
            if route.path == "/api/v1/me"
            for handler in getattr(route, "route_handlers", ())
            for layer in handler.ownership_layers
            if isinstance(layer, Router) and layer.path == "/api/v1"
        )
        app.register(
            Router(path="/api/v1/bench", route_handlers=[auth_floor], middleware=api.middleware)
        )
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

            async def sync(asgi: Asgi, device: Device) -> None:
                status, body = await asgi.call(
                    "POST", "/api/v1/sync", json.dumps(device.request()).encode()
                )
                assert status == 200, body[:300]
                if body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                device.apply(json.loads(body))

            for _, asgi, device in devices:  # first sync: the device's rows exist
                await sync(asgi, device)
            for person, _, device in devices:
                for day in pushed_days(days):
                    device.edit(day.isoformat(), [(person.line, 2)], int(time.time() * 1000))
            bodies = [json.dumps(device.request()).encode() for _, _, device in devices]
            floors = [asgi for _, asgi, _ in devices]

            async def floor(asgi: Asgi) -> None:
                status, _ = await asgi.call("POST", "/bench/floor", b"{}")
                assert status == 200

            async def authenticated(asgi: Asgi) -> None:
                status, body = await asgi.call("POST", "/api/v1/bench/floor", b"{}")
                assert status == 200, body

            rss["after the set-up (logins, devices, first syncs, bodies)"] = rss_mb()
            for asgi in floors[:5]:  # warm up
                await floor(asgi)
                await authenticated(asgi)
            spent = {"floor": 0.0, "authenticated floor": 0.0, "push": 0.0}
            main = cProfile.Profile(time.thread_time)  # the event loop's CPU, not its waits
            parts = spent_parts if spent_parts is not None else collections.Counter()
            parts.clear()
            for (_, asgi, _), body in zip(devices, bodies, strict=True):
                before = collections.Counter(parts)  # the floors' session lookups: not counted
                cpu = time.process_time()
                await floor(asgi)
                spent["floor"] += time.process_time() - cpu
                cpu = time.process_time()
                await authenticated(asgi)
                spent["authenticated floor"] += time.process_time() - cpu
                if profile:
                    main.enable()
                parts.clear()
                parts.update(before)
                cpu = time.process_time()
                status, answer = await asgi.call("POST", "/api/v1/sync", body)
                spent["push"] += time.process_time() - cpu
                main.disable()
                assert status == 200, answer[:300]
            rss["after the pushes"] = rss_mb()
    if spent_parts:
        print("parts, per push (wall; the trip's parts in its thread's CPU):")
        for key, value in sorted(spent_parts.items(), key=lambda kv: -kv[1]):
            print(f"  {value / len(devices) * 1000:7.3f} ms  {key.strip()}")
    if profile:
        stats = pstats.Stats(main).sort_stats("cumulative")
        stats.print_stats(70)
        stats.sort_stats("tottime").print_stats(40)
    n = len(devices)
    # The set-up's growth is the bench's (its devices, bodies, logins) and the caches filling;
    # the pushes' is the server's per push (bench/memory_bench.py tells them apart).
    print("RSS: " + ", ".join(f"{k} {v:.1f} MB" for k, v in rss.items()))
    what = f"pushes of {days} new days" if days else "month pushes (21 new days each)"
    print(f"{n} {what}, raw ASGI, CPU of the process (all threads) per request:")
    for name, seconds in spent.items():
        print(f"  {seconds / n * 1000:7.3f} ms  {name}")
    return {name: seconds / n * 1000 for name, seconds in spent.items()}


def pushed_days(days: int) -> list[dt.date]:
    """A bulk push: the year's first `days` weekdays; else November 2026's (a month push)."""
    if days:
        first = dt.date(2026, 1, 1)
        pushed = [first + dt.timedelta(days=i) for i in range(days * 2)]
        return [d for d in pushed if d.weekday() < 5][:days]
    return [d for d in (dt.date(2026, 11, i) for i in range(1, 31)) if d.weekday() < 5]


PULL_STORE = ("poll_state", "page")  # server/storage/pull_store.py


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--consultants", type=int, default=40)
    parser.add_argument(
        "--days", type=int, default=0, help="push this many weekdays of 2026 (bulk) instead"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the pushes (event loop, writer thread)"
    )
    parser.add_argument(
        "--asgi", action="store_true", help="raw ASGI calls, beside the two floors"
    )
    args = parser.parse_args(argv)
    from bench.harness import Database

    spent: collections.Counter[str] = collections.Counter()
    if args.asgi:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        if not args.profile:
            instrument(spent)
            instrument_trip(spent)
        with tempfile.TemporaryDirectory(prefix="carnet-breakdown-") as workdir:
            database = Database.create(args.engine, Path(workdir))
            try:
                asyncio.run(
                    measure_asgi(database.url, args.consultants, args.days, args.profile, spent)
                )
            finally:
                database.drop()
        return 0

    instrument(spent)
    if args.profile:
        profile_writer_thread()
    with tempfile.TemporaryDirectory(prefix="carnet-breakdown-") as workdir:
        database = Database.create(args.engine, Path(workdir))
        try:
            run: Callable[[], Awaitable[None]] = functools.partial(
                measure, database.url, args.consultants, spent, args.profile, args.days
            )
            asyncio.run(run())
        finally:
            database.drop()
    if args.profile:
        print_profiles(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
