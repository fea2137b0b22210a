"""Every figure of a 1,000-consultant firm with 24 months of history, on SQLite and PostgreSQL.

```sh
.venv/bin/python bench/figures_bench.py                      # SQLite
.venv/bin/python bench/figures_bench.py --engine postgres    # a fresh database, dropped after
```

It migrates a new database, writes a firm straight into it with bulk SQL (1,000 consultants in
50 teams, 40 clients, missions with gaps of intercontrat, 24 months of days with absences of
every type, circuit events with send-backs and client signatures, invoices and payments, daily
costs for most consultants), then, in this process and through the services the API calls:

- **cold**: the first read builds the per consultant-month projection of everyone;
- **warm**: each figure for the whole firm (TACE, intercontrat, month close, first-time-right,
  billing, revenue, and the drill-down of one month), as an administrator, including the JSON
  encoding of the answer; ``--repeats`` times, the median kept; then the same for a manager;
- **summary**: the dashboard's one request (``GET /figures/summary``: the six figures from
  shared reads), wall and CPU time of this process, and on PostgreSQL the CPU its backends
  used (from /proc: the database runs on this machine);
- **team board** (issue 13): ``GET /team/months/{month}``'s service and encoding, this month and
  the last one, for the administrator (the firm) and a manager (their team);
- **one change**: a consultant's sync version moves, and the next read rebuilds them alone.

The target (issue 15) is every figure for the firm in under 300 ms of server time, warm: graded
on the summary's wall time and on its server CPU (this process + the PostgreSQL backends).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.harness import Database, process_cpu  # noqa: E402

CONSULTANTS = 1000
TEAMS = 50
CLIENTS = 40
MONTHS = 24
TARGET_MS = 300.0


def machine(engine: str) -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        ram = f"{int(memory) / 1024 / 1024:.1f} GiB"
    except OSError:
        ram = "?"
    return {
        "engine": engine,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_1min": os.getloadavg()[0],
    }


def months_back(today: date, count: int) -> list[tuple[int, int]]:
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        out.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def stamp(day: date, hour: int = 10) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.000000Z"
    )


async def populate(today: date, seed: int) -> dict[str, Any]:
    """Write the firm into the bound database; returns the ids the measures need."""
    from piccolo.engine.postgres import PostgresEngine

    from server.storage import repositories as repo
    from server.storage import tables as t
    from sync.calendar import CalendarRegion, working_days
    from sync.months import MonthKey

    rng = random.Random(seed)
    org = await repo.create_organisation(
        legal_name="Bench ESN SAS",
        siren="812345676",
        siret="81234567600017",
        vat_number="FR19812345676",
        address="1 rue du Bench, 75001 Paris",
    )
    pg = isinstance(t.Person._meta.db, PostgresEngine)

    def u(value: str) -> Any:
        return uuid.UUID(value) if pg else value

    rows: dict[str, list[tuple[Any, ...]]] = {
        name: []
        for name in (
            "person",
            "person_role",
            "client_company",
            "mission",
            "approval_step",
            # Days before their CRAs: the database refuses a day written into a submitted or
            # signed month (a trigger, which SQLite cannot switch off for a bulk load), and
            # these are the days written before each month was handed in.
            "day_entry",
            "timesheet",
            "sync_space",
            "audit_entry",
            "invoice",
            "payment",
            "consultant_cost",
        )
    }
    now = datetime.now(UTC)
    admin_id = str(uuid.uuid4())
    rows["person"].append(
        (u(admin_id), u(org.id), "admin@bench.example", "Admin", None, True, now)
    )
    rows["person_role"].append((u(str(uuid.uuid4())), u(admin_id), "admin"))
    managers = [str(uuid.uuid4()) for _ in range(TEAMS)]
    for i, m in enumerate(managers):
        rows["person"].append(
            (u(m), u(org.id), f"manager{i}@bench.example", f"Manager {i:02d}", None, True, now)
        )
        rows["person_role"].append((u(str(uuid.uuid4())), u(m), "manager"))
    clients = [str(uuid.uuid4()) for _ in range(CLIENTS)]
    signers = [str(uuid.uuid4()) for _ in range(CLIENTS)]
    for i, c in enumerate(clients):
        rows["client_company"].append(
            (u(c), u(org.id), f"Client {i:02d} SA", "552000770", "FR86552000770", "Paris", now)
        )
        rows["person"].append(
            (
                u(signers[i]),
                u(org.id),
                f"signer{i}@bench.example",
                f"Signer {i:02d}",
                None,
                True,
                now,
            )
        )
        rows["person_role"].append((u(str(uuid.uuid4())), u(signers[i]), "client_signer"))
    months = [MonthKey(y, m) for y, m in months_back(today, MONTHS)]
    working = {str(m): working_days(month=m, region=CalendarRegion.METROPOLE) for m in months}
    consultants = []
    seq = 0
    for i in range(CONSULTANTS):
        person = str(uuid.uuid4())
        manager = managers[i % TEAMS]
        consultants.append(person)
        rows["person"].append(
            (
                u(person),
                u(org.id),
                f"c{i}@bench.example",
                f"Consultant {i:04d}",
                u(manager),
                True,
                now,
            )
        )
        rows["person_role"].append((u(str(uuid.uuid4())), u(person), "consultant"))
        if rng.random() < 0.7:
            rows["consultant_cost"].append(
                (
                    u(str(uuid.uuid4())),
                    u(person),
                    str(months[0]),
                    rng.randrange(25_000, 55_000),
                    now,
                )
            )
        # Two missions with a gap of intercontrat between them, and sometimes none at the end.
        first_end = rng.randrange(4, MONTHS - 4)
        gap = rng.choice((0, 0, 1, 2))
        spans = [
            (0, first_end),
            (first_end + gap, MONTHS - 1 if rng.random() < 0.9 else MONTHS - 3),
        ]
        missions = []
        for start_i, end_i in spans:
            mission = str(uuid.uuid4())
            client_i = rng.randrange(CLIENTS)
            start = months[start_i].first_day
            end = months[end_i].last_day if end_i < MONTHS - 1 or rng.random() < 0.3 else None
            if end is not None and end_i == MONTHS - 1:
                end = today + timedelta(days=rng.randrange(5, 90))
            rows["mission"].append(
                (
                    u(mission),
                    u(org.id),
                    u(person),
                    u(clients[client_i]),
                    f"Mission {i}-{start_i}",
                    start,
                    end,
                    "regie",
                    rng.randrange(40_000, 90_000),
                    None,
                    json.dumps(
                        ["CP", "RTT", "maladie", "sans_solde", "formation", "intercontrat"]
                    ),
                    False,
                    "metropole",
                    now,
                )
            )
            with_signer = client_i % 2 == 0
            rows["approval_step"].append(
                (u(str(uuid.uuid4())), u(mission), 0, "manager", u(manager))
            )
            if with_signer:
                rows["approval_step"].append(
                    (u(str(uuid.uuid4())), u(mission), 1, "client_signer", u(signers[client_i]))
                )
            missions.append((mission, start_i, end_i, with_signer, client_i))
        version = 0
        for mi, month in enumerate(months):
            ts = str(uuid.uuid4())
            current = [m for m in missions if m[1] <= mi <= m[2]]
            last = mi == MONTHS - 1
            status = (
                "draft"
                if last and rng.random() < 0.6
                else "in_validation"
                if last or (mi == MONTHS - 2 and rng.random() < 0.1)
                else ("signed" if current and current[0][3] else "validated")
            )
            version += 1
            for day in working[str(month)]:
                if last and day >= today:
                    break
                r = rng.random()
                if r < 0.07:
                    lines = [{"line": "absence:CP", "half_days": 2}]
                elif r < 0.10:
                    lines = [{"line": "absence:RTT", "half_days": 2}]
                elif r < 0.115:
                    lines = [{"line": "absence:maladie", "half_days": 2}]
                elif r < 0.125:
                    lines = [{"line": "absence:formation", "half_days": 2}]
                elif current:
                    lines = [{"line": f"mission:{current[0][0]}", "half_days": 2}]
                else:
                    lines = [{"line": "absence:intercontrat", "half_days": 2}]
                rows["day_entry"].append(
                    (
                        u(str(uuid.uuid4())),
                        u(ts),
                        u(person),
                        day,
                        "",
                        version,
                        "bench",
                        json.dumps(lines),
                        "",
                        now,
                        None,
                    )
                )
            waiting = None
            end = month.last_day
            circuit = [{"kind": "manager", "approver": manager}]
            if current and current[0][3]:
                circuit.append({"kind": "client_signer", "approver": signers[current[0][4]]})
            if status != "draft":
                submitted = end + timedelta(days=rng.randrange(-2, 6))
                events = [
                    (
                        submitted,
                        person,
                        "month.submitted",
                        {"to": {"status": "in_validation", "step": 0}, "circuit": circuit},
                    )
                ]
                moment = submitted
                if rng.random() < 0.12 and not last:
                    moment += timedelta(days=rng.randrange(0, 4))
                    events.append(
                        (
                            moment,
                            manager,
                            "month.sent_back",
                            {
                                "from": {"status": "in_validation", "step": 0},
                                "to": {"status": "sent_back", "step": 0},
                                "circuit": circuit,
                                "comment": "à corriger",
                            },
                        )
                    )
                    moment += timedelta(days=rng.randrange(0, 3))
                    events.append(
                        (
                            moment,
                            person,
                            "month.submitted",
                            {"to": {"status": "in_validation", "step": 0}, "circuit": circuit},
                        )
                    )
                if status in ("validated", "signed") or (
                    last is False and status == "in_validation" and len(circuit) > 1
                ):
                    moment += timedelta(days=rng.randrange(0, 6))
                    final = "validated" if len(circuit) == 1 else "in_validation"
                    events.append(
                        (
                            moment,
                            manager,
                            "month.approved",
                            {
                                "from": {"status": "in_validation", "step": 0},
                                "to": {"status": final, "step": 0 if final == "validated" else 1},
                                "circuit": circuit,
                            },
                        )
                    )
                if status == "signed":
                    moment += timedelta(days=rng.randrange(0, 15))
                    events.append(
                        (
                            moment,
                            circuit[1]["approver"],
                            "month.approved",
                            {
                                "from": {"status": "in_validation", "step": 1},
                                "to": {"status": "signed", "step": 0},
                                "circuit": circuit,
                                "signature": {"bench": True},
                            },
                        )
                    )
                if status == "in_validation":
                    waiting = (
                        circuit[-1]["approver"]
                        if len(events) > 1 and len(circuit) > 1
                        else manager
                    )
                for at_day, actor, event, data in events:
                    seq += 1
                    body = json.dumps(
                        {"month": ts, "device": "web", "data": data},
                        separators=(",", ":"),
                        sort_keys=True,
                    )
                    rows["audit_entry"].append(
                        (
                            u(str(uuid.uuid4())),
                            u(org.id),
                            seq,
                            stamp(at_day),
                            actor,
                            event,
                            f"timesheet:{ts}",
                            u(ts),
                            body,
                            "0" * 64,
                            "0" * 64,
                        )
                    )
            rows["timesheet"].append(
                (
                    u(ts),
                    u(person),
                    str(month),
                    status,
                    1 if status == "in_validation" and waiting != manager else 0,
                    u(waiting) if waiting else None,
                    0,
                    version,
                    now,
                )
            )
        rows["sync_space"].append((u(str(uuid.uuid4())), u(person), version))
    # Invoices: one per client and month, issued 3–20 days after, paid 30–70 days after (most).
    number = 0
    for mi, month in enumerate(months[:-1]):
        for client in clients:
            number += 1
            invoice = str(uuid.uuid4())
            net = rng.randrange(1_000_000, 20_000_000)
            gross = net * 12 // 10
            issued = month.last_day + timedelta(days=rng.randrange(3, 21))
            paid = month.last_day + timedelta(days=rng.randrange(30, 71))
            is_paid = paid < today and rng.random() < 0.9
            draft = mi >= MONTHS - 2 and rng.random() < 0.3
            rows["invoice"].append(
                (
                    u(invoice),
                    u(org.id),
                    u(client),
                    "invoice",
                    "draft" if draft else "paid" if is_paid else "issued",
                    f"month:{client}:{month}",
                    month.first_day,
                    month.last_day,
                    None if draft else f"FA-{number:06d}",
                    None if draft else issued,
                    net,
                    net * 2 // 10,
                    gross,
                    gross if is_paid and not draft else 0,
                    now,
                )
            )
            if is_paid and not draft:
                rows["payment"].append((u(str(uuid.uuid4())), u(invoice), paid, gross, now))
    columns = {
        "person": "id, organisation, email, display_name, manager, active, created_at",
        "person_role": "id, person, role",
        "client_company": (
            "id, organisation, legal_name, siren, vat_number, billing_address, created_at"
        ),
        "mission": (
            "id, organisation, consultant, client, title, start_date, end_date, "
            "billing_mode, daily_rate_cents, day_cap_half_days, allowed_absences, "
            "comments_required, calendar_region, created_at"
        ),
        "approval_step": "id, mission, position, kind, approver",
        "timesheet": "id, consultant, month, status, step, waiting_on, epoch, version, updated_at",
        "day_entry": (
            "id, timesheet, consultant, day, hlc, version, by_client, lines, "
            "comment, updated_at, updated_by"
        ),
        "sync_space": "id, person, version",
        "audit_entry": (
            "id, organisation, seq, at, actor, event, subject, month, body, prev_hash, hash"
        ),
        "invoice": (
            "id, organisation, client, kind, status, group_key, period_start, "
            "period_end, number, issued_on, net_cents, vat_cents, gross_cents, "
            "paid_cents, created_at"
        ),
        "payment": "id, invoice, paid_on, amount_cents, created_at",
        "consultant_cost": "id, person, from_month, daily_cost_cents, created_at",
    }
    await _bulk_insert(rows, columns, pg)
    return {
        "organisation": org.id,
        "admin": admin_id,
        "manager": managers[0],
        "consultant": consultants[0],
        "counts": {k: len(v) for k, v in rows.items()},
    }


async def _bulk_insert(
    rows: dict[str, list[tuple[Any, ...]]], columns: dict[str, str], pg: bool
) -> None:
    from server.storage import tables as t

    engine: Any = t.Person._meta.db
    if pg:
        import asyncpg

        connection = await asyncpg.connect(engine.config["dsn"])
        try:
            await connection.execute("SET session_replication_role = replica")  # no triggers
            for table, values in rows.items():
                names = [c.strip() for c in columns[table].split(",")]
                await connection.copy_records_to_table(table, records=values, columns=names)
        finally:
            await connection.close()
        return
    import sqlite3

    connection = sqlite3.connect(engine.path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        for table, values in rows.items():
            listed = columns[table]
            marks = ", ".join("?" for _ in listed.split(","))
            converted = [
                tuple(v.isoformat() if isinstance(v, date | datetime) else v for v in row)
                for row in values
            ]
            connection.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", converted)
        connection.commit()
    finally:
        connection.close()


async def _backend_cpu(table: Any) -> float | None:
    """CPU seconds (user + system) used so far by this database's PostgreSQL backends: the
    pool's connections, read from /proc (the server runs on this machine in the bench)."""
    rows = await table.raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
    return _proc_cpu([int(row["pid"]) for row in rows])


def _proc_cpu(pids: list[int]) -> float | None:
    """CPU seconds of these processes (`bench.harness.process_cpu`, in nanosecond steps), or
    None if one has ended (its CPU is lost: the figure would be wrong)."""
    if not all(Path(f"/proc/{pid}").exists() for pid in pids):
        return None
    return sum(process_cpu(pid) for pid in pids)


async def measure(url: str, *, repeats: int, today: date, seed: int) -> dict[str, Any]:
    from litestar.serialization import encode_json

    from server.api import convert
    from server.domain.roles import Actor, Role
    from server.services import figures as service
    from server.services import team
    from server.storage import tables as t
    from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine

    engine = engine_from_url(url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        started = time.perf_counter()
        ids = await populate(today, seed)
        populate_s = time.perf_counter() - started
        clock_now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)

        def clock() -> datetime:
            return clock_now

        admin = Actor(ids["admin"], ids["organisation"], frozenset({Role.ADMIN}))
        manager = Actor(ids["manager"], ids["organisation"], frozenset({Role.MANAGER}))
        query = service.Query()
        started = time.perf_counter()
        await service.context(admin, query, clock)
        cold_s = time.perf_counter() - started
        if "postgres" in url:
            # A bulk load leaves PostgreSQL without statistics until autovacuum passes: take
            # them now, as a database in service has them.
            await t.FigureMonth.raw("ANALYZE")
        figures = {
            "tace": service.tace,
            "intercontrat": service.intercontrat,
            "month-close": service.month_close,
            "first-time-right": service.first_time_right,
            "billing": service.billing,
            "revenue": service.revenue,
        }
        pg = "postgres" in url

        async def backend_seconds() -> float | None:
            return await _backend_cpu(t.FigureMonth) if pg else None

        results: dict[str, dict[str, float | None]] = {}
        for who, actor in (("admin (firm)", admin), ("manager (team)", manager)):
            cpu: list[float] = []
            timings: dict[str, list[float]] = {
                name: [] for name in [*figures, "all figures", "months (one month)"]
            }
            backend_before = await backend_seconds()
            for _ in range(repeats):
                total = 0.0
                cpu_started = time.process_time()
                for name, compute in figures.items():
                    started = time.perf_counter()
                    doc = await compute(await service.context(actor, query, clock))
                    encode_json(doc)
                    spent = time.perf_counter() - started
                    timings[name].append(spent)
                    total += spent
                timings["all figures"].append(total)
                cpu.append(time.process_time() - cpu_started)
                backend_pause = await backend_seconds()
                started = time.perf_counter()
                last = str(today)[:7]
                doc = await service.consultant_months(
                    await service.context(actor, service.Query(start=last, end=last), clock)
                )
                encode_json(doc)
                timings["months (one month)"].append(time.perf_counter() - started)
                # The drill-down's backend time is not the figures': leave it out.
                if backend_pause is not None and backend_before is not None:
                    backend_before += (await backend_seconds() or 0) - backend_pause
            backend_after = await backend_seconds()
            separate_backend = (
                (backend_after - backend_before) / repeats * 1000
                if backend_after is not None and backend_before is not None
                else None
            )
            # The dashboard's one request: every figure from shared reads of the projection.
            encode_json(await service.summary(await service.context(actor, query, clock)))
            summary_wall: list[float] = []
            summary_cpu: list[float] = []
            backend_before = await backend_seconds()
            for _ in range(repeats):
                cpu_started = time.process_time()
                started = time.perf_counter()
                encode_json(await service.summary(await service.context(actor, query, clock)))
                summary_wall.append(time.perf_counter() - started)
                summary_cpu.append(time.process_time() - cpu_started)
            backend_after = await backend_seconds()
            found: dict[str, float | None] = {
                k: statistics.median(v) * 1000 for k, v in timings.items()
            }
            found["all figures, CPU of this process"] = statistics.median(cpu) * 1000
            found["all figures, CPU of PostgreSQL"] = separate_backend
            found["summary"] = statistics.median(summary_wall) * 1000
            found["summary, CPU of this process"] = statistics.median(summary_cpu) * 1000
            found["summary, CPU of PostgreSQL"] = (
                (backend_after - backend_before) / repeats * 1000
                if backend_after is not None and backend_before is not None
                else None
            )
            # The team board (issue 13): every consultant of the scope, days counted in SQL.
            this_month = str(today)[:7]
            previous = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
            for name, month in (
                ("team board (this month)", this_month),
                ("team board (last month)", previous),
            ):
                board: list[float] = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    out = convert.team_month(await team.team_month(actor, month_text=month))
                    out.model_dump_json()
                    board.append(time.perf_counter() - started)
                found[name] = statistics.median(board) * 1000
            results[who] = found
        load_warm = os.getloadavg()[0]
        await t.FigureMonth.raw(
            "UPDATE sync_space SET version = version + 1 WHERE person = {}",
            uuid.UUID(ids["consultant"]) if "postgres" in url else ids["consultant"],
        )
        started = time.perf_counter()
        await service.context(admin, query, clock)
        one_change_s = time.perf_counter() - started
        rows = await t.FigureMonth.count()
        return {
            "populate_s": populate_s,
            "counts": ids["counts"],
            "projection_rows": rows,
            "cold_ms": cold_s * 1000,
            "one_change_ms": one_change_s * 1000,
            "warm_ms": results,
            "load_warm": load_warm,
        }
    finally:
        await close_engine(engine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", type=Path, help="SQLite: build the database in this folder")
    options = parser.parse_args(argv)
    today = date.today()
    print(f"machine: {machine(options.engine)}", flush=True)
    with tempfile.TemporaryDirectory() as workdir:
        folder = options.keep or Path(workdir)
        database = Database.create(options.engine, folder, prefix="carnet_figures")
        try:
            report = asyncio.run(
                measure(database.url, repeats=options.repeats, today=today, seed=options.seed)
            )
        finally:
            database.drop()
    report["machine"] = machine(options.engine)
    counts = report["counts"]
    print(
        f"data: {CONSULTANTS} consultants × {MONTHS} months: {counts['day_entry']:,} days, "
        f"{counts['timesheet']:,} CRAs, {counts['audit_entry']:,} circuit events, "
        f"{counts['invoice']:,} invoices, {counts['payment']:,} payments "
        f"(written in {report['populate_s']:.1f} s)"
    )
    print(
        f"cold: first read builds {report['projection_rows']:,} consultant-months "
        f"in {report['cold_ms']:.0f} ms"
    )
    print(f"one consultant changed: next read {report['one_change_ms']:.0f} ms")
    for who, timings in report["warm_ms"].items():
        print(f"warm, {who}, median of {options.repeats}:")
        for name, ms in timings.items():
            shown = "(not measured)" if ms is None else f"{ms:8.1f} ms"
            print(f"  {name:<36} {shown}")
    firm = report["warm_ms"]["admin (firm)"]
    server = firm["summary, CPU of this process"] + (firm["summary, CPU of PostgreSQL"] or 0)
    print(f"load average (1 min) after the warm reads: {report['load_warm']:.1f}")
    for label, ms in (
        ("wall time of GET /figures/summary", firm["summary"]),
        ("server CPU of GET /figures/summary (process + PostgreSQL)", server),
    ):
        verdict = "met" if ms < TARGET_MS else "NOT met"
        print(f"target: every figure for the firm < {TARGET_MS:.0f} ms, {label}: {ms:.0f} ms")
        print(f"  — {verdict}")
    if options.json:
        options.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
