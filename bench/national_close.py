"""National month close: N consultants each push a 22-day month over HTTP, against one server.

    .venv/bin/python bench/national_close.py                          # 2,000 consultants, SQLite
    .venv/bin/python bench/national_close.py --engine postgres
    .venv/bin/python bench/national_close.py --consultants 100000     # the issue's target size

The issue's target (issue 12): 100,000 consultants × 22 days in under 4 minutes, on SQLite and
on PostgreSQL. The people, their mission and a logged-in session each are written straight into
the database (registering 100,000 passkeys over HTTP would measure WebAuthn, not the close);
everything after that goes the way a phone goes: `POST /api/v1/sync` over HTTP, one request of
22 `set_day` per consultant, from `--clients` concurrent keep-alive connections, each taking the
next consultant as soon as its previous push is answered.

At the end every day is read back from the database and checked: one row per consultant and
date, with the lines pushed and the stamp its result acknowledged. Printed: the wall time and
day-writes per second, the server's CPU per request (from /proc, the server and its children),
the machine, and the ratio to plain batched SQL inserting the same rows into a copy of the
database (one transaction per consultant, as one push each; and every row in one transaction).

The server runs without its in-process notification runtime (as when `carnet worker` runs it in
a process of its own): the bench's consultants all have a past month unsubmitted, so the
runtime would deliver a reminder per consultant during the close and its CPU would be counted
as the pushes' (docs/benchmarks.md). `--reminders` keeps it in the server.
See docs/benchmarks.md for results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import secrets
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench.harness import (  # noqa: E402
    PG_ADMIN_DSN,
    SESSION_COOKIE,
    Database,
    ServerProcess,
    postgres_reachable,
    process_cpu,
    process_rss_mb,
    thread_cpu_ns,
)
from bench.sync_bench import (  # noqa: E402
    CpuMeter,
    LeanHttp,
    _copy_database,
    log,
    machine,
    percentile,
    summary_ms,
    weekdays,
)
from sync.hlc import Hlc  # noqa: E402
from sync.protocol import PROTOCOL_VERSION  # noqa: E402

MONTH = (2026, 10)  # 22 weekdays
MONTH_KEY = f"{MONTH[0]:04d}-{MONTH[1]:02d}"
TARGET_S = 240.0
INSERT_BATCH = 500  # rows per multi-row INSERT while populating


@dataclass(frozen=True)
class Member:
    """A consultant made straight in the database, with a session token of their own."""

    person_id: str
    mission_id: str
    token: str

    @property
    def line(self) -> str:
        return f"mission:{self.mission_id}"


# -- people, written straight into the database -------------------------------------------------


async def populate(url: str, count: int, last_seen_minutes: int = 0) -> list[Member]:
    """One organisation and client; per consultant a person, its role, a mission and a live
    session (the cookie's token; the table keeps its SHA-256, as `Accounts` does), last seen
    `last_seen_minutes` ago: from one minute, its push refreshes it (a phone coming for the
    close was last seen hours before; with 0, only the pushes after the close's first minute
    do)."""
    from server.storage import tables as t
    from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine

    engine = engine_from_url(url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        organisation = uuid.uuid4()
        client = uuid.uuid4()
        await t.Organisation.insert(
            t.Organisation(
                id=organisation,
                legal_name="ESN Clôture nationale",
                siren="812345676",
                siret="81234567600017",
                vat_number="FR19812345676",
                address="1 rue du Banc, 75002 Paris",
            )
        )
        await t.ClientCompany.insert(
            t.ClientCompany(
                id=client,
                organisation=organisation,
                legal_name="Client SA",
                siren="123456789",
                vat_number="FR00123456789",
                billing_address="1 rue du Test, 75001 Paris",
            )
        )
        now = dt.datetime.now(dt.UTC)
        members: list[Member] = []
        for start in range(0, count, INSERT_BATCH):
            people, roles, missions, sessions = [], [], [], []
            for index in range(start, min(count, start + INSERT_BATCH)):
                person, mission, token = uuid.uuid4(), uuid.uuid4(), secrets.token_urlsafe(32)
                people.append(
                    t.Person(
                        id=person,
                        organisation=organisation,
                        email=f"c{index:06d}@national.test",
                        display_name=f"Consultant {index}",
                        webauthn_user_handle=secrets.token_bytes(32),
                    )
                )
                roles.append(t.PersonRole(id=uuid.uuid4(), person=person, role="consultant"))
                missions.append(
                    t.Mission(
                        id=mission,
                        organisation=organisation,
                        consultant=person,
                        client=client,
                        title=f"Mission {index}",
                        start_date=dt.date(2025, 1, 1),
                        billing_mode="regie",
                        daily_rate_cents=60_000,
                        allowed_absences=["CP", "RTT"],
                    )
                )
                sessions.append(
                    t.Session(
                        id=uuid.uuid4(),
                        token_hash=hashlib.sha256(token.encode()).hexdigest(),
                        person=person,
                        created_at=now,
                        last_seen_at=now - dt.timedelta(minutes=last_seen_minutes),
                        expires_at=now + dt.timedelta(days=1),
                    )
                )
                members.append(Member(str(person), str(mission), token))
            for table, rows in (
                (t.Person, people),
                (t.PersonRole, roles),
                (t.Mission, missions),
                (t.Session, sessions),
            ):
                await table.insert(*rows)
        return members
    finally:
        await close_engine(engine)


# -- the close ----------------------------------------------------------------------------------


@dataclass
class Pushed:
    """What each consultant's push was answered: the stamp stored per date."""

    hlc: dict[tuple[str, str], str]
    latencies: list[float]
    refused: list[str]


def month_request(member: Member, dates: Sequence[str], now_ms: int) -> dict[str, Any]:
    node = uuid.uuid4().hex[:16]
    return {
        "protocol": PROTOCOL_VERSION,
        "client_id": str(uuid.uuid4()),
        "cookie": None,
        "ack_through": 0,
        "mutations": [
            {
                "id": n,
                "name": "set_day",
                "args": {
                    "date": date,
                    "epoch": 0,
                    "lines": [{"line": member.line, "half_days": 2}],
                    "comment": "",
                    "hlc": Hlc(wall_ms=now_ms, counter=n, node=node).encode(),
                    "base_v": 0,
                },
            }
            for n, date in enumerate(dates, start=1)
        ],
        "limit": 500,
    }


async def csrf_token(base_url: str) -> str:
    """One CSRF token for every client: the check is a double submit of cookie and header."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        await client.get("/api/v1/session")
        token = client.cookies.get("csrftoken")
    assert token, "the server set no CSRF cookie"
    return token


def _head(lean: LeanHttp, member: Member, csrf: str) -> bytes:
    """The request head of `member`'s device: its session cookie, the CSRF pair."""
    return (
        f"host: {lean.host}:{lean.port}\r\n"
        f"cookie: {SESSION_COOKIE}={member.token}; csrftoken={csrf}\r\n"
        f"x-csrftoken: {csrf}\r\ncontent-type: application/json\r\n"
        "accept-encoding: gzip, deflate\r\n"
    ).encode()


async def close_month(
    base_url: str,
    members: Sequence[Member],
    dates: Sequence[str],
    clients: int,
    use_httpx: bool = False,
) -> Pushed:
    """`clients` connections push one consultant's month each, taking the next when answered.

    Each connection writes its requests' bytes and reads the answers back (`LeanHttp`): httpx
    spent about 3.5 ms of CPU per push on the same two cores as the server (more than half
    the server's own), which stretched the wall time the close is judged on. `use_httpx`
    sends them through httpx as before."""
    csrf = await csrf_token(base_url)
    pushed = Pushed(hlc={}, latencies=[], refused=[])
    queue = iter(members)

    def record(member: Member, request: dict[str, Any], status: int, answer: bytes) -> None:
        if status != 200:
            pushed.refused.append(f"{status} {answer[:200]!r}")
            return
        by_id = {m["id"]: m["args"]["date"] for m in request["mutations"]}
        for result in json.loads(answer)["results"]:
            if result["status"] != "applied":
                pushed.refused.append(json.dumps(result)[:200])
                continue
            pushed.hlc[(member.person_id, by_id[result["id"]])] = result["hlc"]

    async def lean_connection() -> None:
        lean = LeanHttp(base_url, {}, csrf)
        try:
            for member in queue:  # a shared iterator: each member is taken once
                request = month_request(member, dates, int(time.time() * 1000))
                body = json.dumps(request, separators=(",", ":")).encode()
                lean.head = _head(lean, member, csrf)
                started = time.perf_counter()
                status, answer, _ = await lean.post("/api/v1/sync", body)
                pushed.latencies.append(time.perf_counter() - started)
                record(member, request, status, answer)
        finally:
            await lean.close()

    async def httpx_connection() -> None:
        async with httpx.AsyncClient(
            base_url=base_url,
            timeout=600.0,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        ) as client:
            for member in queue:
                request = month_request(member, dates, int(time.time() * 1000))
                body = json.dumps(request, separators=(",", ":")).encode()
                headers = {
                    "content-type": "application/json",
                    "x-csrftoken": csrf,
                    "cookie": f"{SESSION_COOKIE}={member.token}; csrftoken={csrf}",
                }
                started = time.perf_counter()
                response = await client.post("/api/v1/sync", content=body, headers=headers)
                pushed.latencies.append(time.perf_counter() - started)
                client.cookies.clear()  # the next request is another person's
                record(member, request, response.status_code, response.content)

    connection = httpx_connection if use_httpx else lean_connection
    await asyncio.gather(*(connection() for _ in range(clients)))
    return pushed


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of the server's event-loop thread (its main thread) and of its others
    (SQLite's writer and readers: the push's trip runs on the writer), in nanosecond steps:
    the main thread's schedstat, and the rest of the process's CPU clock (so a thread that
    ended between two readings still counts)."""
    main = thread_cpu_ns(pid).get(pid, 0) / 1e9
    return {"event_loop": main, "other_threads": process_cpu(pid) - main}


# -- checks and the plain-SQL reference ---------------------------------------------------------


async def stored_days(database: Database) -> list[tuple[str, str, str, str]]:
    """(consultant, day, hlc, lines) of every stored day, straight from the database."""
    sql = "SELECT consultant, day, hlc, lines FROM day_entry"
    if database.sqlite_path is not None:
        with contextlib.closing(sqlite3.connect(database.sqlite_path)) as connection:
            return [(str(a), str(b), str(c), str(d)) for a, b, c, d in connection.execute(sql)]
    import asyncpg

    connection = await asyncpg.connect(database.url)
    try:
        rows = await connection.fetch(sql)
        return [(str(r[0]), r[1].isoformat(), r[2], str(r[3])) for r in rows]
    finally:
        await connection.close()


def verify(
    members: Sequence[Member],
    dates: Sequence[str],
    pushed: Pushed,
    stored: list[tuple[str, str, str, str]],
) -> dict[str, Any]:
    """Every consultant × date stored exactly once, with the line pushed and the acknowledged
    stamp; nothing else stored."""
    line_of = {m.person_id: m.line for m in members}
    expected = {(m.person_id, d) for m in members for d in dates}
    keys = [(c, d) for c, d, _, _ in stored]
    actual = {(c, d): (h, lines) for c, d, h, lines in stored}
    wrong = 0
    for key, (stamp, lines) in actual.items():
        value = json.loads(lines) if isinstance(lines, str) else lines
        if isinstance(value, str):  # a JSON column read back as text holding JSON text
            value = json.loads(value)
        good = value == [{"line": line_of.get(key[0]), "half_days": 2}]
        if pushed.hlc.get(key) != stamp or not good:
            wrong += 1
    return {
        "expected_rows": len(expected),
        "stored_rows": len(stored),
        "duplicates": len(keys) - len(set(keys)),
        "missing": len(expected - set(actual)),
        "unexpected": len(set(actual) - expected),
        "wrong_value": wrong,
        "ok": len(stored) == len(expected) == len(set(keys))
        and set(actual) == expected
        and wrong == 0,
    }


def _reference_rows(
    members: Sequence[Member], dates: Sequence[str]
) -> tuple[dict[str, str], list[list[tuple[Any, ...]]]]:
    sheets = {m.person_id: str(uuid.uuid4()) for m in members}
    now = dt.datetime.now(dt.UTC)
    per_member = []
    for member in members:
        lines = json.dumps([{"line": member.line, "half_days": 2}])
        node = uuid.uuid4().hex[:16]
        per_member.append(
            [
                (
                    str(uuid.uuid4()),
                    sheets[member.person_id],
                    member.person_id,
                    date,
                    lines,
                    "",
                    Hlc(wall_ms=int(now.timestamp() * 1000), counter=n, node=node).encode(),
                    1,
                    str(uuid.uuid4()),
                    now,
                )
                for n, date in enumerate(dates)
            ]
        )
    return sheets, per_member


DAY_COLUMNS = (
    'id, timesheet, consultant, day, lines, comment, hlc, "version", by_client, updated_at'
)


def sqlite_reference(
    path: Path, members: Sequence[Member], dates: Sequence[str]
) -> dict[str, Any]:
    """Plain sqlite3, opened as the server opens it (WAL, foreign keys): `executemany` of each
    consultant's month in its own transaction, then of every row in one."""
    sheets, per_member = _reference_rows(members, dates)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = 1")
    connection.execute("PRAGMA journal_mode=WAL")
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO timesheet (id, consultant, month, status, step, epoch, version, updated_at)"
        " VALUES (?, ?, ?, 'draft', 0, 0, 1, ?)",
        [(sheet, person, MONTH_KEY, now) for person, sheet in sheets.items()],
    )
    connection.execute("COMMIT")
    sql = f"INSERT INTO day_entry ({DAY_COLUMNS}) VALUES ({', '.join(['?'] * 10)})"
    rows = [[(*r[:9], now) for r in batch] for batch in per_member]
    started = time.perf_counter()
    for batch in rows:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(sql, batch)
        connection.execute("COMMIT")
    per_consultant = time.perf_counter() - started
    connection.execute("DELETE FROM day_entry")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for batch in rows:
        connection.executemany(sql, batch)
    connection.execute("COMMIT")
    single = time.perf_counter() - started
    connection.close()
    return {"one_txn_per_consultant_s": per_consultant, "one_txn_s": single}


async def postgres_reference(
    url: str, members: Sequence[Member], dates: Sequence[str]
) -> dict[str, Any]:
    """Plain asyncpg: `executemany` of each consultant's month in its own transaction, then of
    every row in one."""
    import asyncpg

    sheets, per_member = _reference_rows(members, dates)
    connection = await asyncpg.connect(url)
    try:
        now = dt.datetime.now(dt.UTC)
        await connection.executemany(
            "INSERT INTO timesheet (id, consultant, month, status, step, epoch, version, "
            "updated_at) VALUES ($1, $2, $3, 'draft', 0, 0, 1, $4)",
            [(uuid.UUID(s), uuid.UUID(p), MONTH_KEY, now) for p, s in sheets.items()],
        )
        sql = (
            f"INSERT INTO day_entry ({DAY_COLUMNS}) "
            f"VALUES ({', '.join(f'${i}' for i in range(1, 11))})"
        )
        rows = [
            [
                (
                    uuid.UUID(r[0]),
                    uuid.UUID(r[1]),
                    uuid.UUID(r[2]),
                    dt.date.fromisoformat(r[3]),
                    *r[4:],
                )
                for r in batch
            ]
            for batch in per_member
        ]
        started = time.perf_counter()
        for batch in rows:
            async with connection.transaction():
                await connection.executemany(sql, batch)
        per_consultant = time.perf_counter() - started
        await connection.execute("DELETE FROM day_entry")
        started = time.perf_counter()
        async with connection.transaction():
            for batch in rows:
                await connection.executemany(sql, batch)
        single = time.perf_counter() - started
    finally:
        await connection.close()
    return {"one_txn_per_consultant_s": per_consultant, "one_txn_s": single}


# -- the run ------------------------------------------------------------------------------------


_PROFILED = """
import cProfile, signal, sys, threading, time
from server.command import main
path, sys.argv = sys.argv[1], ["server", *sys.argv[2:]]
# Each thread's CPU time (time.thread_time), not the wall time: with the event loop and SQLite's
# writer thread taking turns on the GIL, a wall-clock profile charges the wait for the GIL to
# whatever function happened to run when the other thread asked for it.
profile = cProfile.Profile(time.thread_time)
others = []
def start_thread_profile(*_):
    other = cProfile.Profile(time.thread_time)
    others.append(other)
    other.enable()  # replaces this bootstrap hook for the rest of the thread
threading.setprofile(start_thread_profile)
def dump(*_):
    profile.disable()
    profile.dump_stats(path)
    import pstats
    merged = None
    for other in others:
        other.create_stats()
        if other.stats:  # an idle thread has nothing to add
            merged = pstats.Stats(other) if merged is None else merged.add(other)
    if merged is not None:
        merged.dump_stats(path + ".threads")
def clear(*_):  # the close starts: forget the start-up
    for each in (profile, *others):
        each.clear()
signal.signal(signal.SIGUSR1, dump)
signal.signal(signal.SIGUSR2, clear)
profile.enable()
sys.exit(main())
"""


class ProfiledServer(ServerProcess):
    """The same server under cProfile, each thread in its own CPU time: the event loop's thread
    (HTTP, request handling, pydantic, the inline reads) and the others (SQLite's writer thread:
    the push's trip; the readers).

    `start_close` (SIGUSR2) forgets the start-up; uvicorn re-raises SIGTERM once it has shut
    down, so the profiles are written on SIGUSR1 before the usual stop."""

    def __init__(self, *args: Any, profile: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = profile

    def _argv(self) -> list[str]:
        argv = super()._argv()
        assert argv[1:3] == ["-m", "server"]
        return [argv[0], "-c", _PROFILED, str(self.profile), *argv[3:]]

    def start_close(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGUSR2)
        time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.profile.unlink(missing_ok=True)
            Path(f"{self.profile}.threads").unlink(missing_ok=True)
            self.process.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + 30
            while not self.profile.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)  # the files are written whole before the next signal
        super().stop()


def print_profile(path: Path, top: int = 25) -> None:
    import pstats

    if not path.exists():
        log(f"  no profile written at {path}")
        return
    for name, each in (
        ("the event loop's thread", path),
        ("the other threads (SQLite's writer and readers)", Path(f"{path}.threads")),
    ):
        if not each.exists():
            continue
        log(f"\n== cProfile, {name}: CPU time (thread_time) ==")
        stats = pstats.Stats(str(each))
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)


def run(
    consultants: int,
    engine: str,
    clients: int,
    keep: bool,
    profile: Path | None = None,
    reminders: bool = False,
    use_httpx: bool = False,
    last_seen_minutes: int = 0,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "consultants": consultants,
        "engine": engine,
        "clients": clients,
        "notification_runtime_in_server": reminders,
        "client": "httpx" if use_httpx else "lean",
        "sessions_last_seen_minutes_ago": last_seen_minutes,
        "machine": machine(engine),
    }
    log(f"machine: {report['machine']}")
    dates = weekdays(*MONTH)
    assert len(dates) == 22
    workdir = Path(tempfile.mkdtemp(prefix="carnet-national-"))
    databases: list[Database] = []
    server: ServerProcess | None = None
    try:
        started = time.perf_counter()
        database = Database.create(engine, workdir, prefix="carnet_national")
        databases.append(database)
        members = asyncio.run(populate(database.url, consultants, last_seen_minutes))
        report["populate_s"] = round(time.perf_counter() - started, 1)
        reference = _copy_database(database, workdir)  # the same people, no day
        databases.append(reference)
        env = {"CARNET_NOTIFICATIONS_IN_PROCESS": "true" if reminders else "false"}
        if profile is None:
            server = ServerProcess(database.url, workdir, name="national", extra_env=env)
        else:
            server = ProfiledServer(
                database.url, workdir, name="national", profile=profile, extra_env=env
            )
        server.start()
        assert server.process is not None
        log(
            f"  {engine}: {consultants} consultants written to the database in "
            f"{report['populate_s']} s; server pid {server.process.pid}; {clients} clients"
        )
        if isinstance(server, ProfiledServer):
            server.start_close()
        threads_before = thread_cpu(server.process.pid)
        rss_before = process_rss_mb(server.process.pid)
        rss_seen: list[float] = []
        sampling = threading.Event()

        def sample_rss(pid: int) -> None:  # the server's RSS twice a second during the close
            while not sampling.wait(0.5):
                rss_seen.append(process_rss_mb(pid))

        sampler = threading.Thread(target=sample_rss, args=(server.process.pid,), daemon=True)
        sampler.start()
        with CpuMeter(server.process.pid) as cpu:
            started = time.perf_counter()
            pushed = asyncio.run(close_month(server.base_url, members, dates, clients, use_httpx))
            wall = time.perf_counter() - started
        sampling.set()
        sampler.join()
        threads = {k: v - threads_before[k] for k, v in thread_cpu(server.process.pid).items()}
        rss_after = process_rss_mb(server.process.pid)
        server.stop()
        server = None
        if profile is not None:
            print_profile(profile)
        writes = consultants * len(dates)
        report["close"] = {
            "wall_s": round(wall, 2),
            "day_writes": writes,
            "day_writes_per_s": round(writes / wall),
            "requests": len(pushed.latencies),
            **summary_ms(pushed.latencies),
            "server_cpu_ms_per_request": round(cpu.used["server"] / consultants * 1000, 2),
            "server_cpu_us_per_day_write": round(cpu.used["server"] / writes * 1e6, 1),
            "server_cpu_ms_per_request_by_thread": {
                k: round(v / consultants * 1000, 2) for k, v in threads.items()
            },
            "bench_cpu_ms_per_request": round(cpu.used["bench"] / consultants * 1000, 2),
            "cpu_s": {k: round(v, 2) for k, v in cpu.used.items()},
            # The server's resident memory before and after the close: it must not grow with
            # the number of consultants (bench/memory_bench.py finds what grows, if it does).
            "server_rss_mb_before_after": [round(rss_before, 1), round(rss_after, 1)],
            "server_rss_mb_each_tenth_of_the_close": [
                round(rss_seen[len(rss_seen) * i // 10 - 1], 1)
                for i in range(1, 11)
                if len(rss_seen) >= 10
            ],
            "refused": len(pushed.refused),
            "first_refusals": pushed.refused[:3],
        }
        log(f"  close: {json.dumps({k: v for k, v in report['close'].items()})}")
        report["verification"] = verify(members, dates, pushed, asyncio.run(stored_days(database)))
        log(
            f"  verification (every consultant × day once, as acknowledged): "
            f"{report['verification']}"
        )

        if reference.sqlite_path is not None:
            plain = sqlite_reference(reference.sqlite_path, members, dates)
        else:
            plain = asyncio.run(postgres_reference(reference.url, members, dates))
        report["plain_sql"] = {
            **{k: round(v, 3) for k, v in plain.items()},
            "server_wall_over_plain_per_consultant": round(
                wall / plain["one_txn_per_consultant_s"], 1
            ),
            "server_cpu_over_plain_per_consultant": round(
                cpu.used["server"] / plain["one_txn_per_consultant_s"], 1
            ),
            "server_wall_over_plain_one_txn": round(wall / plain["one_txn_s"], 1),
        }
        log(f"  plain batched SQL, same rows, no server: {report['plain_sql']}")
        projected = wall / consultants * 100_000
        p50 = percentile([x * 1000 for x in pushed.latencies], 50)
        report["projected_100k_s"] = round(projected)
        met = "MET" if consultants >= 100_000 and wall < TARGET_S else "NOT MET"
        log(
            f"  target 100,000 × 22 days < {TARGET_S:.0f} s: {met} "
            f"(this run {wall:.1f} s for {consultants}; at this rate 100,000 take "
            f"{projected:.0f} s; p50 {p50:.1f} ms)"
        )
    finally:
        if server is not None:
            server.stop()
        for each in databases:
            with contextlib.suppress(Exception):
                each.drop()
        if keep:
            log(f"  kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--consultants", type=int, default=2000, help="how many (default 2000; target 100000)"
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--clients", type=int, default=64, help="concurrent HTTP connections (default 64)"
    )
    parser.add_argument("--json", dest="json_out", type=Path, help="write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--profile", type=Path, help="run the server under cProfile, write and print it here"
    )
    parser.add_argument(
        "--reminders",
        action="store_true",
        help="keep the notification runtime in the server (its reminders count as its CPU)",
    )
    parser.add_argument(
        "--httpx",
        action="store_true",
        help="send the pushes through httpx (about 3.5 ms of the machine's CPU per push)",
    )
    parser.add_argument(
        "--last-seen-minutes",
        type=int,
        default=0,
        help="sessions last seen this long before the close (from 1: every push refreshes its "
        "session, as a phone's would; default 0)",
    )
    args = parser.parse_args(argv)
    if args.engine == "postgres" and not postgres_reachable():
        parser.error(f"PostgreSQL is not reachable at {PG_ADMIN_DSN} (set CARNET_TEST_PG)")
    started = time.perf_counter()
    report = run(
        args.consultants,
        args.engine,
        args.clients,
        args.keep,
        args.profile,
        args.reminders,
        args.httpx,
        args.last_seen_minutes,
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"total {time.perf_counter() - started:.0f} s")
    return 0 if report.get("verification", {}).get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
