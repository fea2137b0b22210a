"""Month-close simulation against a real Carnet server process, over real HTTP.

    .venv/bin/python bench/sync_bench.py                      # SQLite, 200 consultants
    .venv/bin/python bench/sync_bench.py --engine postgres    # a fresh PostgreSQL database
    .venv/bin/python bench/sync_bench.py --engine postgres --workers 2

Phases (every consultant has one logged-in device: its own httpx client, cookies and one
keep-alive HTTP/1.1 connection):

1. all devices push November 2026 at once (every weekday as one `set_day`, ONE request each);
2. all devices pull at once (`mutations: []`, their cookie);
3. a few consultants push a whole year in batches of 100, then a NEW device (cookie null,
   limit 2000) pulls that year, one pull at a time.

Then the same day rows are inserted into a scratch copy of the database with plain batched SQL
(no server) as the "close to the limit" reference, and every pushed day is checked to be
stored exactly once with the value of its last push. See docs/benchmarks.md for results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from bench.harness import (  # noqa: E402
    CLK_TCK,
    PG_ADMIN_DSN,
    Consultant,
    Database,
    ServerProcess,
    _pg_execute,
    _pg_url,
    csrf,
    descendants,
    http_client,
    populate,
    postgres_reachable,
    process_cpu,
    register,
    stat_cpu,
    tree_cpu,
)
from tests.device import Device  # noqa: E402

MONTH = (2026, 11)
MONTH_KEY = f"{MONTH[0]:04d}-{MONTH[1]:02d}"
YEAR = 2026
BATCH = 100  # the protocol's MAX_MUTATIONS
# Issue 12's table (2-core machine, one server process, SQLite unless said).
TARGET_BULK_CPU_US_PER_DAY = 40.0
TARGET_WRITES_PER_S = 10_000
TARGET_MONTH_PUSH_CPU_MS = 2.0
TARGET_ALL_AT_ONCE_LAST_MS = 1000.0
TARGET_YEAR_PULL_P50_MS = 8.0
TARGET_YEAR_PULL_WIRE_BYTES_PER_DAY = 200.0
TARGET_POLL_CPU_MS = 1.5


# -- small helpers -----------------------------------------------------------------------------


def weekdays(year: int, month: int | None = None) -> list[str]:
    day = dt.date(year, month or 1, 1)
    days = []
    while day.year == year and (month is None or day.month == month):
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(latencies_s: Sequence[float]) -> dict[str, float]:
    ms = [x * 1000 for x in latencies_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
        "min_ms": round(min(ms), 2) if ms else float("nan"),
    }


def now_ms() -> int:
    return int(time.time() * 1000)


def bytes_since(phones: Sequence[Phone], marks: Sequence[int]) -> dict[str, float]:
    """Median JSON and wire bytes of the answers each phone received since `marks`."""
    sizes = [s for phone, mark in zip(phones, marks, strict=True) for s in phone.sizes[mark:]]
    return {
        "answer_json_bytes_p50": percentile([float(j) for j, _ in sizes], 50),
        "answer_wire_bytes_p50": percentile([float(w) for _, w in sizes], 50),
        "answer_json_bytes_total": sum(j for j, _ in sizes),
        "answer_wire_bytes_total": sum(w for _, w in sizes),
    }


def marks(phones: Sequence[Phone]) -> list[int]:
    return [len(p.sizes) for p in phones]


# -- CPU accounting: where do the cores go during a phase? -------------------------------------


def _machine_busy() -> tuple[float, float]:
    """(busy, total) seconds of all CPUs from /proc/stat, in clock ticks (the machine's share
    taken by other jobs: no finer meter covers every process)."""
    numbers = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = numbers[3] + numbers[4]
    return (sum(numbers) - idle) / CLK_TCK, sum(numbers) / CLK_TCK


def _postgres_backends_cpu() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += process_cpu(int(entry.name))
            except OSError:
                continue
    return total


@dataclass
class CpuMeter:
    server_pid: int
    start: dict[str, float] = field(default_factory=dict)

    def sample(self) -> dict[str, float]:
        busy, total = _machine_busy()
        return {
            "server": tree_cpu(self.server_pid),
            # The same from /proc/<pid>/stat, in clock ticks (the meter before 2026-12-05):
            # a check of the nanosecond one over a phase.
            "server_stat_ticks": sum(stat_cpu(p) for p in descendants(self.server_pid)),
            "bench": time.process_time(),
            "postgres": _postgres_backends_cpu(),
            "machine_busy": busy,
            "machine_total": total,
        }

    def __enter__(self) -> CpuMeter:
        self.start = self.sample()
        return self

    def __exit__(self, *_: object) -> None:
        end = self.sample()
        self.used = {k: end[k] - self.start[k] for k in end}
        # CPU taken by anything else on the machine (other jobs share the cores).
        self.used["other_processes"] = self.used["machine_busy"] - sum(
            self.used[k] for k in ("server", "bench", "postgres")
        )

    used: dict[str, float] = field(default_factory=dict)


# -- devices -----------------------------------------------------------------------------------


class LeanHttp:
    """One device's keep-alive HTTP/1.1 connection for its sync requests, headers written once.

    The load generator shares the machine's two cores with the server (and PostgreSQL): httpx
    spends about a millisecond of CPU per request, as much as the server's whole no-op poll,
    which both blurs the server's figures and takes CPU a second server process would need
    (docs/benchmarks.md, PostgreSQL scaling). This writes the request's bytes and reads
    ``content-length`` bytes back (or chunks), nothing else. Like `harness.http_client`, it
    opens a new connection after 4 s idle, before uvicorn's 5 s keep-alive timeout.
    """

    def __init__(self, base_url: str, cookies: dict[str, str], token: str) -> None:
        address = httpx.URL(base_url)
        self.host, self.port = address.host, address.port or 80
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.head = (
            f"host: {self.host}:{self.port}\r\ncookie: {cookie}\r\nx-csrftoken: {token}\r\n"
            "content-type: application/json\r\naccept-encoding: gzip, deflate\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0

    async def post(self, path: str, body: bytes) -> tuple[int, bytes, int]:
        """Status, the JSON answer (gunzipped) and the bytes that crossed the network."""
        if self.writer is None or time.monotonic() - self.used > 4.0:
            await self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None and self.writer is not None
        self.writer.write(
            b"POST %s HTTP/1.1\r\n%scontent-length: %d\r\n\r\n%s"
            % (path.encode(), self.head, len(body), body)
        )
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding") == b"chunked":
            chunks = []
            while size := int((await self.reader.readline()).strip(), 16):
                chunks.append(await self.reader.readexactly(size + 2))
            await self.reader.readline()
            raw = b"".join(c[:-2] for c in chunks)
        else:
            raw = await self.reader.readexactly(int(headers.get(b"content-length", b"0")))
        self.used = time.monotonic()
        if headers.get(b"connection") == b"close":
            await self.close()
        if headers.get(b"content-encoding") == b"gzip":
            return status, zlib.decompress(raw, 31), len(raw)
        return status, raw, len(raw)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader, self.writer = None, None


@dataclass
class Phone:
    """One consultant's logged-in device."""

    consultant: Consultant
    client: httpx.AsyncClient
    device: Device
    token: str = ""
    expected: dict[str, str] = field(default_factory=dict)  # date -> stored hlc
    sizes: list[tuple[int, int]] = field(default_factory=list)  # (JSON, wire) bytes per answer
    lean: LeanHttp | None = None

    async def send(self, request: dict[str, Any]) -> tuple[float, int, dict[str, Any]]:
        """POST /api/v1/sync with a pre-encoded body; time only the HTTP round trip."""
        content = json.dumps(request, separators=(",", ":")).encode()
        if self.lean is not None:
            started = time.perf_counter()
            status, answer, wire = await self.lean.post("/api/v1/sync", content)
            elapsed = time.perf_counter() - started
            self.sizes.append((len(answer), wire))
            return elapsed, status, json.loads(answer)
        headers = {"x-csrftoken": self.token, "content-type": "application/json"}
        started = time.perf_counter()
        response = await self.client.post("/api/v1/sync", content=content, headers=headers)
        elapsed = time.perf_counter() - started
        body = response.json()
        # The JSON as the device parses it, and what crossed the network (gzip from 1 KB).
        self.sizes.append((len(response.content), response.num_bytes_downloaded))
        return elapsed, response.status_code, body

    def queue_days(self, dates: Iterable[str], half_days: int = 2) -> None:
        for date in dates:
            self.device.edit(date, [(self.consultant.line, half_days)], now_ms())

    async def push_queue(self, limit: int = 500) -> list[float]:
        """Send the queue in batches of at most 100; return each batch's latency."""
        latencies = []
        while self.device.pending:
            request = self.device.request(limit)
            sent = {m["id"]: m for m in request["mutations"]}
            latency, status, body = await self.send(request)
            if status != 200:
                raise RuntimeError(f"push answered {status}: {body}")
            self.record(sent, body)
            self.device.apply(body, now_ms=now_ms())
            latencies.append(latency)
        return latencies

    async def pull_once(self) -> float:
        latency, status, body = await self.send(self.device.request())
        if status != 200:
            raise RuntimeError(f"pull answered {status}: {body}")
        self.device.apply(body, now_ms=now_ms())
        return latency

    def record(self, sent: dict[int, dict[str, Any]], body: dict[str, Any]) -> None:
        for result in body["results"]:
            if result["status"] != "applied":
                raise RuntimeError(f"mutation not applied: {result}")
            self.expected[sent[result["id"]]["args"]["date"]] = result["hlc"]


async def login_all(
    server: ServerProcess, consultants: Sequence[Consultant], parallel: int = 16, lean: bool = True
) -> list[Phone]:
    gate = asyncio.Semaphore(parallel)

    async def one(consultant: Consultant) -> Phone:
        async with gate:
            client = http_client(server.base_url)
            await register(client, server.origin, consultant.token)
            phone = Phone(consultant=consultant, client=client, device=Device(consultant.email))
            phone.token = await csrf(client)
            if lean:
                cookies = {c.name: c.value for c in client.cookies.jar}
                phone.lean = LeanHttp(server.base_url, cookies, phone.token)
            return phone

    return list(await asyncio.gather(*(one(c) for c in consultants)))


async def all_at_once(
    phones: Sequence[Phone], work: Callable[[Phone], Awaitable[float]]
) -> tuple[list[float], float]:
    """Start every device's request together; return latencies and the phase's wall time."""
    started = time.perf_counter()
    latencies = await asyncio.gather(*(work(p) for p in phones))
    return list(latencies), time.perf_counter() - started


# -- the plain-SQL reference -------------------------------------------------------------------


@dataclass
class RefRows:
    """The rows phase 1 wrote, to insert again without a server."""

    consultants: list[Consultant]
    dates: list[str]


def _ref_day_rows(
    consultant: Consultant, timesheet: str, dates: Sequence[str]
) -> list[tuple[Any, ...]]:
    lines = json.dumps([{"line": consultant.line, "half_days": 2}])
    node = uuid.uuid4().hex[:16]
    return [
        (
            str(uuid.uuid4()),
            timesheet,
            consultant.person_id,
            date,
            lines,
            "",
            f"{now_ms():013d}:{i:04d}:{node}",
            1,
            str(uuid.uuid4()),
        )
        for i, date in enumerate(dates)
    ]


DAY_INSERT = (
    'INSERT INTO day_entry (id, timesheet, consultant, day, lines, comment, hlc, "version", '
    "by_client, updated_at) VALUES ({})"
)


def sqlite_reference(path: Path, rows: RefRows) -> dict[str, float]:
    """Plain sqlite3 (as the server's engine opens it: WAL, foreign keys on, default
    synchronous): one transaction of `executemany` per consultant, like one push each;
    then every row in a single transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = 1")
    connection.execute("PRAGMA journal_mode=WAL")
    sheets = {c.person_id: str(uuid.uuid4()) for c in rows.consultants}
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO timesheet (id, consultant, month, status, step, epoch, version, updated_at)"
        " VALUES (?, ?, ?, 'draft', 0, 0, 1, ?)",
        [(sid, pid, MONTH_KEY, _stamp()) for pid, sid in sheets.items()],
    )
    connection.execute("COMMIT")
    sql = DAY_INSERT.format(", ".join(["?"] * 10))
    per_consultant = [
        [(*r, _stamp()) for r in _ref_day_rows(c, sheets[c.person_id], rows.dates)]
        for c in rows.consultants
    ]
    started = time.perf_counter()
    for batch in per_consultant:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(sql, batch)
        connection.execute("COMMIT")
    per_commit = time.perf_counter() - started
    total = sum(len(b) for b in per_consultant)
    connection.execute("DELETE FROM day_entry")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for batch in per_consultant:
        connection.executemany(sql, batch)
    connection.execute("COMMIT")
    single = time.perf_counter() - started
    connection.close()
    return {
        "rows": total,
        "rows_per_s_one_txn_per_consultant": total / per_commit,
        "rows_per_s_one_txn": total / single,
    }


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(sep=" ")


async def postgres_reference(url: str, rows: RefRows) -> dict[str, float]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        sheets = {c.person_id: uuid.uuid4() for c in rows.consultants}
        now = dt.datetime.now(dt.UTC)
        await connection.executemany(
            "INSERT INTO timesheet (id, consultant, month, status, step, epoch, version, "
            "updated_at) VALUES ($1, $2, $3, 'draft', 0, 0, 1, $4)",
            [(sid, uuid.UUID(pid), MONTH_KEY, now) for pid, sid in sheets.items()],
        )
        sql = DAY_INSERT.format(", ".join(f"${i}" for i in range(1, 11)))
        per_consultant = [
            [
                (
                    uuid.UUID(r[0]),
                    sheets[c.person_id],
                    uuid.UUID(r[2]),
                    dt.date.fromisoformat(r[3]),
                    *r[4:],
                    now,
                )
                for r in _ref_day_rows(c, str(sheets[c.person_id]), rows.dates)
            ]
            for c in rows.consultants
        ]
        total = sum(len(b) for b in per_consultant)
        started = time.perf_counter()
        for batch in per_consultant:
            async with connection.transaction():
                await connection.executemany(sql, batch)
        per_commit = time.perf_counter() - started
        await connection.execute("DELETE FROM day_entry")
        started = time.perf_counter()
        async with connection.transaction():
            for batch in per_consultant:
                await connection.executemany(sql, batch)
        single = time.perf_counter() - started
    finally:
        await connection.close()
    return {
        "rows": total,
        "rows_per_s_one_txn_per_consultant": total / per_commit,
        "rows_per_s_one_txn": total / single,
    }


# -- verification --------------------------------------------------------------------------------


async def stored_days(database: Database) -> list[tuple[str, str, str]]:
    """(consultant, day, hlc) of every stored day, read straight from the database."""
    sql = "SELECT consultant, day, hlc FROM day_entry"
    if database.sqlite_path is not None:
        with contextlib.closing(sqlite3.connect(database.sqlite_path)) as connection:
            return [(str(a), str(b), str(c)) for a, b, c in connection.execute(sql)]
    import asyncpg

    connection = await asyncpg.connect(database.url)
    try:
        return [(str(r[0]), r[1].isoformat(), r[2]) for r in await connection.fetch(sql)]
    finally:
        await connection.close()


def verify(phones: Sequence[Phone], stored: list[tuple[str, str, str]]) -> dict[str, Any]:
    expected = {(p.consultant.person_id, d): h for p in phones for d, h in p.expected.items()}
    keys = [(c, d) for c, d, _ in stored]
    actual = {(c, d): h for c, d, h in stored}
    duplicates = len(keys) - len(set(keys))
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    wrong = sorted(k for k in expected if k in actual and actual[k] != expected[k])
    return {
        "expected_rows": len(expected),
        "stored_rows": len(stored),
        "duplicates": duplicates,
        "missing": len(missing),
        "unexpected": len(extra),
        "wrong_value": len(wrong),
        "ok": not (duplicates or missing or extra or wrong),
    }


# -- machine -----------------------------------------------------------------------------------


def machine(engine: str) -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
    info: dict[str, Any] = {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "load_average_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }
    if engine == "postgres" or postgres_reachable():

        async def version() -> str:
            import asyncpg

            connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
            try:
                return str(await connection.fetchval("SHOW server_version"))
            finally:
                await connection.close()

        with contextlib.suppress(Exception):
            info["postgresql"] = asyncio.run(version())
    return info


# -- the run -----------------------------------------------------------------------------------


@dataclass
class Options:
    consultants: int
    engine: str
    workers: int
    year_consultants: int
    repeats: int
    py_spy: Path | None
    spread: float
    json_out: Path | None
    keep: bool
    httpx: bool = False
    solo_pushes: int = 200


def log(message: str) -> None:
    print(message, flush=True)


async def run_phases(
    server: ServerProcess, consultants: list[Consultant], options: Options
) -> tuple[dict[str, Any], list[Phone]]:
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    phones = await login_all(server, consultants, lean=not options.httpx)
    figures["login_s"] = round(time.perf_counter() - started, 2)
    log(f"  {len(phones)} devices logged in over HTTP in {figures['login_s']} s")
    try:
        # Each device has synced before the month close (its client row exists).
        await asyncio.gather(*(p.pull_once() for p in phones))

        # Phase 1: the month close.
        month = weekdays(*MONTH)
        for phone in phones:
            phone.queue_days(month)

        async def push(phone: Phone) -> float:
            request = phone.device.request()
            sent = {m["id"]: m for m in request["mutations"]}
            latency, status, body = await phone.send(request)
            if status != 200:
                raise RuntimeError(f"push answered {status}: {body}")
            phone.record(sent, body)
            phone.device.apply(body, now_ms=now_ms())
            return latency

        spy = start_py_spy(server, options.py_spy)
        mark = marks(phones)
        try:
            with CpuMeter(server.process.pid) as cpu:  # type: ignore[union-attr]
                latencies, wall = await all_at_once(phones, push)
        finally:
            stop_py_spy(spy)
        writes = len(phones) * len(month)
        figures["phase1_month_push"] = {
            **summary_ms(latencies),
            **bytes_since(phones, mark),
            "set_day_per_request": len(month),
            "day_writes": writes,
            "wall_s": round(wall, 3),
            "day_writes_per_s": round(writes / wall),
            "cpu_s": {k: round(v, 3) for k, v in cpu.used.items()},
            "server_cpu_ms_per_push": round(cpu.used["server"] / len(phones) * 1000, 2),
        }
        log_phase("phase 1  month push, all devices at once", figures["phase1_month_push"])

        # Phase 2: every device pulls (nothing new since its push).
        mark = marks(phones)
        with CpuMeter(server.process.pid) as cpu:  # type: ignore[union-attr]
            latencies, wall = await all_at_once(phones, Phone.pull_once)
        figures["phase2_pull"] = {
            **summary_ms(latencies),
            **bytes_since(phones, mark),
            "wall_s": round(wall, 3),
            "pulls_per_s": round(len(phones) / wall),
            "server_cpu_ms_per_pull": round(cpu.used["server"] / len(phones) * 1000, 2),
            "cpu_s": {k: round(v, 3) for k, v in cpu.used.items()},
        }
        log_phase("phase 2  pull, all devices at once", figures["phase2_pull"])

        # One push at a time: the service time without queueing (December, 21-22 days). The
        # server's CPU is read around each push too (nanosecond meter): the median push is
        # what a push costs, the mean adds whatever the server did between pushes.
        december = weekdays(YEAR, 12)
        solo = []
        sample = phones[: min(len(phones), options.solo_pushes)]
        server_pid = server.process.pid  # type: ignore[union-attr]
        pids = descendants(server_pid)
        each: list[float] = []
        with CpuMeter(server_pid) as cpu:
            for phone in sample:
                phone.queue_days(december)
                before = tree_cpu(server_pid, pids)
                solo.extend(await phone.push_queue())
                each.append(tree_cpu(server_pid, pids) - before)
        figures["phase1b_month_push_one_at_a_time"] = {
            **summary_ms(solo),
            "set_day_per_request": len(december),
            "pushes": len(sample),
            "server_cpu_ms_per_push": round(cpu.used["server"] / len(sample) * 1000, 2),
            "server_cpu_ms_per_push_p50": round(percentile(each, 50) * 1000, 2),
            "server_cpu_ms_per_push_p90": round(percentile(each, 90) * 1000, 2),
            "cpu_s": {k: round(v, 3) for k, v in cpu.used.items()},
        }
        figures["phase1b_server_cpu_ms_each"] = [round(x * 1000, 3) for x in each]
        log_phase(
            "phase 1b month push, one device at a time",
            figures["phase1b_month_push_one_at_a_time"],
        )

        # Phase 1c: the same month push, arrivals spread over `spread` seconds (October).
        if options.spread > 0:
            october = weekdays(YEAR, 10)
            rng = random.Random(7)

            async def paced(phone: Phone) -> float:
                await asyncio.sleep(rng.uniform(0, options.spread))
                phone.queue_days(october)
                (latency,) = await phone.push_queue()
                return latency

            with CpuMeter(server.process.pid) as cpu:  # type: ignore[union-attr]
                latencies, wall = await all_at_once(phones, paced)
            figures["phase1c_month_push_spread"] = {
                **summary_ms(latencies),
                "spread_s": options.spread,
                "arrivals_per_s": round(len(phones) / options.spread, 1),
                "set_day_per_request": len(october),
                "server_cpu_ms_per_push": round(cpu.used["server"] / len(phones) * 1000, 2),
                "cpu_s": {k: round(v, 3) for k, v in cpu.used.items()},
            }
            log_phase(
                f"phase 1c month push, arrivals spread over {options.spread:g} s",
                figures["phase1c_month_push_spread"],
            )

        # Phase 3: a whole year for a few consultants, then a new device pulls it.
        year = weekdays(YEAR)
        few = phones[: max(1, min(options.year_consultants, len(phones)))]
        batches: list[float] = []
        mark = marks(few)
        with CpuMeter(server.process.pid) as cpu:  # type: ignore[union-attr]
            bulk_started = time.perf_counter()
            for phone in few:
                phone.queue_days(year, half_days=1)
                batches.extend(await phone.push_queue())
            bulk_wall = time.perf_counter() - bulk_started
        bulk_writes = len(few) * len(year)
        figures["phase3_year_push_batches_of_100"] = {
            **summary_ms(batches),
            **bytes_since(few, mark),
            "day_writes": bulk_writes,
            "wall_s": round(bulk_wall, 3),
            "day_writes_per_s": round(bulk_writes / bulk_wall),
            "server_cpu_us_per_day_write": round(cpu.used["server"] / bulk_writes * 1e6, 1),
            "cpu_s": {k: round(v, 3) for k, v in cpu.used.items()},
        }
        log_phase("phase 3a year push, batches of 100", figures["phase3_year_push_batches_of_100"])
        pulls = []
        mark = marks(few)
        with CpuMeter(server.process.pid) as cpu:  # type: ignore[union-attr]
            for repeat in range(options.repeats):
                phone = few[repeat % len(few)]
                fresh = Device(f"new-{repeat}")
                latency, status, body = await phone.send(fresh.request(limit=2000))
                if status != 200 or body["has_more"] or len(body["days"]) != len(year):
                    raise RuntimeError(
                        f"year pull: {status}, has_more={body.get('has_more')}, "
                        f"{len(body.get('days', []))} days instead of {len(year)}"
                    )
                pulls.append(latency)
        sizes = bytes_since(few, mark)
        figures["phase3_new_device_year_pull"] = {
            **summary_ms(pulls),
            **sizes,
            "json_bytes_per_day": round(sizes["answer_json_bytes_p50"] / len(year), 1),
            "wire_bytes_per_day": round(sizes["answer_wire_bytes_p50"] / len(year), 1),
            "days": len(year),
            "server_cpu_ms_per_pull": round(cpu.used["server"] / len(pulls) * 1000, 2),
            "cpu_s": {k: round(v, 3) for k, v in cpu.used.items()},
        }
        log_phase("phase 3b new device pulls the year", figures["phase3_new_device_year_pull"])
    finally:
        await asyncio.gather(*(p.client.aclose() for p in phones))
        await asyncio.gather(*(p.lean.close() for p in phones if p.lean is not None))
    return figures, phones


def log_phase(title: str, figures: dict[str, Any]) -> None:
    def shown_value(key: str, value: Any) -> str:
        # CPU per request with its two decimals, 2.50 not 2.5: the meter reads nanoseconds.
        return f"{value:.2f}" if "cpu_ms" in key and isinstance(value, float) else f"{value}"

    shown = ", ".join(f"{k}={shown_value(k, v)}" for k, v in figures.items() if k != "cpu_s")
    log(f"  {title}: {shown}")
    if "cpu_s" in figures:
        log(f"    CPU seconds during the phase: {figures['cpu_s']}")


def start_py_spy(server: ServerProcess, out: Path | None) -> subprocess.Popen[bytes] | None:
    if out is None:
        return None
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    assert server.process is not None
    process = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--rate",
            "1000",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # let it attach
    return process


def stop_py_spy(process: subprocess.Popen[bytes] | None) -> None:
    if process is None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run(options: Options) -> dict[str, Any]:
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": {
            "consultants": options.consultants,
            "engine": options.engine,
            "workers": options.workers,
            "year_consultants": options.year_consultants,
            "repeats": options.repeats,
            "spread_s": options.spread,
            "load_generator": "httpx" if options.httpx else "lean HTTP/1.1",
        },
        "machine": machine(options.engine),
    }
    log(f"machine: {report['machine']}")
    workdir = Path(tempfile.mkdtemp(prefix="carnet-bench-"))
    databases: list[Database] = []
    server: ServerProcess | None = None
    try:
        started = time.perf_counter()
        database = Database.create(options.engine, workdir)
        databases.append(database)
        server = ServerProcess(database.url, workdir, workers=options.workers)
        consultants = populate(database.url, options.consultants, server.origin)
        # The reference gets a copy of this state: the same people, no days.
        reference = _copy_database(database, workdir)
        databases.append(reference)
        if options.workers > 1:
            server.env["CARNET_AUTO_MIGRATE"] = "false"  # workers would race to migrate
        server.start()
        log(
            f"  {options.engine} server pid {server.process.pid if server.process else '?'} "
            f"({options.workers} worker(s)) on {server.base_url}, {len(consultants)} "
            f"consultants set up in {time.perf_counter() - started:.1f} s"
        )
        figures, phones = asyncio.run(run_phases(server, consultants, options))
        report.update(figures)
        server.stop()
        server = None

        check = verify(phones, asyncio.run(stored_days(database)))
        report["verification"] = check
        log(f"  verification (every pushed day stored once, last value): {check}")

        rows = RefRows(consultants=consultants, dates=weekdays(*MONTH))
        if reference.sqlite_path is not None:
            ref = sqlite_reference(reference.sqlite_path, rows)
        else:
            ref = asyncio.run(postgres_reference(reference.url, rows))
        server_rate = report["phase1_month_push"]["day_writes_per_s"]
        ref["server_over_plain_one_txn_per_consultant"] = round(
            server_rate / ref["rows_per_s_one_txn_per_consultant"], 4
        )
        ref["server_over_plain_one_txn"] = round(server_rate / ref["rows_per_s_one_txn"], 4)
        report["reference_plain_sql"] = {
            k: round(v, 4) if isinstance(v, float) else v for k, v in ref.items()
        }
        log_phase("reference: plain batched INSERT, no server", report["reference_plain_sql"])
        report["targets"] = targets(report)
        for name, verdict in report["targets"].items():
            log(f"  target {name}: {verdict}")
    finally:
        if server is not None:
            server.stop()
        for database in databases:
            with contextlib.suppress(Exception):
                database.drop()
        if options.keep:
            log(f"  kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if options.json_out:
        options.json_out.write_text(json.dumps(report, indent=2) + "\n")
    return report


def _copy_database(database: Database, workdir: Path) -> Database:
    if database.sqlite_path is not None:
        target = workdir / "reference.sqlite"
        shutil.copy(database.sqlite_path, target)
        return Database(engine="sqlite", url=f"sqlite:///{target}", sqlite_path=target)
    assert database.pg_name is not None
    name = f"{database.pg_name}_ref"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{database.pg_name}"'))
    return Database(engine="postgres", url=_pg_url(name), pg_name=name)


def targets(report: dict[str, Any]) -> dict[str, str]:
    """Issue 12's targets, each read off the phase that measures it."""
    push = report["phase1_month_push"]
    solo = report["phase1b_month_push_one_at_a_time"]
    poll = report["phase2_pull"]
    bulk = report["phase3_year_push_batches_of_100"]
    pull = report["phase3_new_device_year_pull"]

    def verdict(ok: bool, text: str) -> str:
        return ("MET     " if ok else "NOT MET ") + text

    return {
        "bulk push, server CPU per day-write <= 40 us": verdict(
            bulk["server_cpu_us_per_day_write"] <= TARGET_BULK_CPU_US_PER_DAY,
            f"{bulk['server_cpu_us_per_day_write']} us",
        ),
        "bulk push, day-writes/s >= 10000 (one device, batches of 100)": verdict(
            bulk["day_writes_per_s"] >= TARGET_WRITES_PER_S,
            f"{bulk['day_writes_per_s']} day-writes/s",
        ),
        "month close, day-writes/s >= 10000 (all devices at once)": verdict(
            push["day_writes_per_s"] >= TARGET_WRITES_PER_S,
            f"{push['day_writes_per_s']} day-writes/s",
        ),
        "a month push, server CPU <= 2 ms (one at a time)": verdict(
            solo["server_cpu_ms_per_push"] <= TARGET_MONTH_PUSH_CPU_MS,
            f"{solo['server_cpu_ms_per_push']:.2f} ms",
        ),
        "all devices push their month at once, last answer < 1 s": verdict(
            push["max_ms"] < TARGET_ALL_AT_ONCE_LAST_MS,
            f"{push['max_ms']} ms for {push['n']} devices",
        ),
        "a new device pulls a year: p50 < 8 ms": verdict(
            pull["p50_ms"] < TARGET_YEAR_PULL_P50_MS, f"p50 {pull['p50_ms']} ms"
        ),
        "a new device pulls a year: <= 200 bytes per day on the wire": verdict(
            pull["wire_bytes_per_day"] <= TARGET_YEAR_PULL_WIRE_BYTES_PER_DAY,
            f"{pull['wire_bytes_per_day']} bytes",
        ),
        "no-op poll, server CPU < 1.5 ms": verdict(
            poll["server_cpu_ms_per_pull"] < TARGET_POLL_CPU_MS,
            f"{poll['server_cpu_ms_per_pull']} ms",
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consultants", type=int, default=200)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only)"
    )
    parser.add_argument("--year-consultants", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20, help="new-device year pulls")
    parser.add_argument(
        "--spread",
        type=float,
        default=20.0,
        help="phase 1c: spread the devices' month pushes over this many seconds (0: skip)",
    )
    parser.add_argument(
        "--solo-pushes",
        type=int,
        default=200,
        help="phase 1b: this many month pushes one at a time (at most one per consultant)",
    )
    parser.add_argument("--py-spy", type=Path, help="record the server during phase 1 (raw)")
    parser.add_argument("--json", dest="json_out", type=Path, help="write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--httpx",
        action="store_true",
        help="send the sync requests through httpx (as before 2026-12-05) instead of the lean "
        "HTTP/1.1 client, which costs the shared cores less",
    )
    args = parser.parse_args(argv)
    if args.workers > 1 and args.engine != "postgres":
        parser.error("--workers > 1 needs --engine postgres (SQLite has one writer)")
    if args.engine == "postgres" and not postgres_reachable():
        parser.error(f"PostgreSQL is not reachable at {PG_ADMIN_DSN} (set CARNET_TEST_PG)")
    random.seed(1)
    started = time.perf_counter()
    run(
        Options(
            consultants=args.consultants,
            engine=args.engine,
            workers=args.workers,
            year_consultants=args.year_consultants,
            repeats=args.repeats,
            py_spy=args.py_spy,
            spread=args.spread,
            json_out=args.json_out,
            keep=args.keep,
            httpx=args.httpx,
            solo_pushes=args.solo_pushes,
        )
    )
    log(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
