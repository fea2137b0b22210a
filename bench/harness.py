"""Real `python -m server serve` processes for the benchmark and the process tests.

Everything here talks to the server the way a deployment does: a migrated database (a SQLite
file or a fresh PostgreSQL database), people created through the services in a separate
process, passkeys registered over HTTP with a software authenticator, then `POST /api/v1/sync`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.soft_authenticator import SoftAuthenticator  # noqa: E402

PG_ADMIN_DSN = os.environ.get("CARNET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET_KEY = "bench-and-process-tests-secret-0123456789abcdef"
STARTUP_TIMEOUT_S = 30.0
SESSION_COOKIE = "carnet-session"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- databases ---------------------------------------------------------------------------------


def _pg_url(name: str, admin_dsn: str = PG_ADMIN_DSN) -> str:
    return admin_dsn.rsplit("/", 1)[0] + "/" + name


async def _pg_execute(sql: str, dsn: str = PG_ADMIN_DSN) -> None:
    import asyncpg

    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def postgres_reachable(dsn: str = PG_ADMIN_DSN) -> bool:
    try:
        asyncio.run(_pg_execute("SELECT 1", dsn))
    except Exception:
        return False
    return True


@dataclass
class Database:
    """A migrated database of its own: a SQLite file, or a PostgreSQL database to drop."""

    engine: str
    url: str
    sqlite_path: Path | None = None
    pg_name: str | None = None

    @classmethod
    def create(cls, engine: str, workdir: Path, *, prefix: str = "carnet_bench") -> Database:
        if engine == "sqlite":
            path = workdir / f"{prefix}.sqlite"
            database = cls(engine="sqlite", url=f"sqlite:///{path}", sqlite_path=path)
        elif engine == "postgres":
            name = f"{prefix}_{uuid.uuid4().hex[:10]}"
            asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
            database = cls(engine="postgres", url=_pg_url(name), pg_name=name)
        else:
            raise ValueError(f"engine must be sqlite or postgres, not {engine!r}")
        database.migrate()
        return database

    def migrate(self) -> None:
        from server.storage.migrate import run_migrations

        run_migrations(self.url)

    def drop(self) -> None:
        if self.pg_name is not None:
            asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            self.pg_name = None


# -- people ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consultant:
    index: int
    email: str
    person_id: str
    mission_id: str
    token: str

    @property
    def line(self) -> str:
        return f"mission:{self.mission_id}"


async def _populate(url: str, count: int, origin: str) -> list[dict[str, Any]]:

    from server.services.accounts import Accounts
    from server.services.clock import system_clock
    from server.settings import Settings
    from server.storage import repositories as repo
    from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine

    settings = Settings(secret_key=SECRET_KEY, database_url=url, origin=origin, auto_migrate=False)
    engine = engine_from_url(url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        organisation = await repo.create_organisation(
            legal_name="ESN Banc d'essai",
            siren="812345676",
            siret="81234567600017",
            vat_number="FR19812345676",
            address="1 rue du Banc, 75002 Paris",
        )
        client = await repo.create_client(
            organisation_id=organisation.id,
            legal_name="Client SA",
            siren="123456789",
            vat_number="FR00123456789",
            billing_address="1 rue du Test, 75001 Paris",
        )
        accounts = Accounts(settings=settings, clock=system_clock)
        people = []
        for index in range(count):
            people.append(await _consultant(organisation.id, client.id, index, accounts))
        return people
    finally:
        await close_engine(engine)


async def _consultant(
    organisation_id: str, client_id: str, index: int, accounts: Any
) -> dict[str, Any]:
    from datetime import date

    from server.domain import model
    from server.domain.roles import Role
    from server.services.directory import NewPerson, create_person
    from server.storage import repositories as repo

    # One transaction per person: SQLite pays one commit, not one per statement.
    async with repo.write_transaction():
        person = await create_person(
            organisation_id=organisation_id,
            new=NewPerson(
                email=f"consultant{index:05d}@bench.test",
                display_name=f"Consultant {index}",
                roles=frozenset({Role.CONSULTANT}),
            ),
            check_refs=False,
        )
        mission = await repo.create_mission(
            model.Mission(
                id=str(uuid.uuid4()),
                organisation_id=organisation_id,
                consultant_id=person.id,
                client_id=client_id,
                title=f"Mission {index}",
                start_date=date(2025, 1, 1),
                end_date=None,
                billing_mode="regie",
                daily_rate_cents=60_000,
                day_cap_half_days=None,
                allowed_absences=("CP", "RTT", "maladie", "formation"),
                comments_required=False,
                calendar_region="metropole",
                steps=(),
            )
        )
        link = await accounts.issue_invitation(person=person, created_by=None)
    return {
        "index": index,
        "email": person.email,
        "person_id": person.id,
        "mission_id": mission.id,
        "token": link.split("#invite=", 1)[1],
    }


def populate(url: str, count: int, origin: str = "http://localhost") -> list[Consultant]:
    """Create `count` consultants with a mission and an invitation, in a separate process
    (Piccolo binds tables process-wide; the caller's own state stays untouched)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.harness", "populate", url, str(count), origin],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"populate failed:\n{result.stdout}\n{result.stderr}")
    return [Consultant(**row) for row in json.loads(result.stdout)]


# -- CPU meters ---------------------------------------------------------------------------------
#
# A server's CPU is read from the kernel, in nanoseconds. /proc/<pid>/stat's utime + stime count
# in clock ticks (10 ms here): 40 month pushes of 2-3 ms each read in steps of 0.25 ms per push.
# The kernel keeps, for every thread, the nanoseconds it has run (user and system time alike: its
# `sum_exec_runtime`, the first field of /proc/<pid>/task/<tid>/schedstat), and for a process the
# sum over its threads, living and exited: the process's CPU-time clock, which clock_gettime(2)
# reads for any process by a clock id made of its pid (`clock_getcpuclockid(3)`, which Python
# does not wrap). Summing the living threads' schedstat alone would lose a thread that ran and
# ended between two readings (a thread pool's worker, an `asyncio.to_thread` call): the process
# clock keeps it. The living threads' schedstat still splits the process's CPU by thread.

CLK_TCK = os.sysconf("SC_CLK_TCK")
_CPUCLOCK_SCHED = 2  # the kernel's CPU clock that counts every nanosecond on a CPU


def _process_clock_id(pid: int) -> int:
    """The clock id of process `pid`'s CPU-time clock (the kernel's MAKE_PROCESS_CPUCLOCK)."""
    return ((~pid) << 3) | _CPUCLOCK_SCHED


def _stat_fields(pid: int, tid: int | None = None) -> list[str]:
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    return Path(path).read_text().rsplit(")", 1)[1].split()


def thread_cpu_ns(pid: int) -> dict[int, int]:
    """Nanoseconds on a CPU (user + system) of each living thread of process `pid`, by thread
    id (the main thread's id is `pid`), from /proc/<pid>/task/*/schedstat."""
    spent: dict[int, int] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return spent
    for task in tasks:
        try:
            spent[int(task.name)] = int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # the thread ended meanwhile
    return spent


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far, in nanosecond steps: every
    thread it ran, the exited ones too, and the children it has waited for (those in ticks;
    a server's are its worker processes, alive for the whole run). 0.0 once it is gone.

    Falls back, should the kernel refuse the process clock, on the living threads' schedstat
    or on stat's ticks, whichever is larger (stat alone counts the exited threads)."""
    try:
        fields = _stat_fields(pid)
    except (OSError, IndexError):
        return 0.0
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK  # cutime + cstime
    try:
        return time.clock_gettime_ns(_process_clock_id(pid)) / 1e9 + children
    except OSError:
        ticks = (int(fields[11]) + int(fields[12])) / CLK_TCK
        return max(sum(thread_cpu_ns(pid).values()) / 1e9, ticks) + children


def stat_cpu(pid: int) -> float:
    """The same as `process_cpu` from /proc/<pid>/stat alone, in clock ticks: the meter the
    benches used before, kept to check the nanosecond one against."""
    try:
        fields = _stat_fields(pid)
    except (OSError, IndexError):
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / CLK_TCK


def process_rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (VmRSS), NaN once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def descendants(root: int) -> list[int]:
    """`root` and every process below it (a server's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int(_stat_fields(int(entry.name))[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_cpu(root: int, pids: list[int] | None = None) -> float:
    """CPU seconds of `root` and its descendants (`pids` if already listed): the server's CPU,
    what every bench that measures the server reads."""
    return sum(process_cpu(pid) for pid in (pids if pids is not None else descendants(root)))


# -- server processes --------------------------------------------------------------------------


def server_env(
    url: str, port: int, workdir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": url,
        "CARNET_ORIGIN": f"http://localhost:{port}",
        "CARNET_RP_ID": "localhost",
        "CARNET_SECRET_KEY": SECRET_KEY,
        "CARNET_DATA_DIR": str(workdir / "data"),
        "CARNET_AUTH_RATE_LIMIT": "1000000",
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


class ServerProcess:
    """One `python -m server serve` (or `uvicorn --workers N` through bench.asgi)."""

    def __init__(
        self,
        url: str,
        workdir: Path,
        *,
        port: int | None = None,
        name: str = "server",
        workers: int = 1,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = url
        self.workdir = workdir
        self.name = name
        self.workers = workers
        self.env = server_env(url, self.port, workdir, extra_env)
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.env["CARNET_ORIGIN"]

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def _argv(self) -> list[str]:
        if self.workers == 1:
            return [
                sys.executable,
                "-m",
                "server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.asgi:create",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            # As `carnet serve` (server/cli.py): named, so a missing install fails at start-up.
            "--http",
            "server.http_protocol:BoundedHttpTools",
            "--loop",
            "uvloop",
        ]

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"\n=== start {self.starts} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self._argv(),
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: workers die with it
            )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        url = f"{self.base_url}/api/v1/session"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"{self.name} did not answer {url}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole process group, at once: a crash, not a shutdown."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """A graceful stop (SIGTERM), then SIGKILL if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                pass
        self.kill()


# -- HTTP clients ------------------------------------------------------------------------------


def http_client(base_url: str, timeout: float = 60.0) -> httpx.AsyncClient:
    """One device's user agent: its own cookies, one keep-alive HTTP/1.1 connection.

    The connection is dropped after 4 s idle, before uvicorn's 5 s keep-alive timeout: a busy
    server can close an idle connection just as a new request arrives on it (a ReadError).
    """
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=4.0),
    )


async def csrf(client: httpx.AsyncClient) -> str:
    token = client.cookies.get("csrftoken")
    if token is None:
        await client.get("/api/v1/session")
        token = client.cookies.get("csrftoken")
    assert token, "the server did not set a CSRF cookie"
    return token


async def register(client: httpx.AsyncClient, origin: str, token: str) -> SoftAuthenticator:
    """Redeem an invitation with a software passkey: the client is then logged in."""
    authenticator = SoftAuthenticator(origin=origin)
    headers = {"x-csrftoken": await csrf(client)}
    options = await client.post(
        f"/api/v1/invitations/{token}/passkey-options", json={}, headers=headers
    )
    options.raise_for_status()
    body = options.json()
    credential = authenticator.create(body["options"])
    response = await client.post(
        f"/api/v1/invitations/{token}/passkey",
        json={"ceremony_id": body["ceremony_id"], "credential": credential, "device_name": "b"},
        headers=headers,
    )
    if response.status_code != 201:
        raise RuntimeError(f"passkey registration failed: {response.status_code} {response.text}")
    return authenticator


def session_cookies(client: httpx.AsyncClient) -> dict[str, str]:
    """The cookies that make another client the same logged-in person (another device)."""
    return {
        name: value
        for name in (SESSION_COOKIE, "csrftoken")
        if (value := client.cookies.get(name)) is not None
    }


async def post_sync(client: httpx.AsyncClient, request: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/api/v1/sync", json=request, headers={"x-csrftoken": await csrf(client)}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.harness")
    commands = parser.add_subparsers(dest="command", required=True)
    pop = commands.add_parser("populate", help="create consultants; print them as JSON")
    pop.add_argument("url")
    pop.add_argument("count", type=int)
    pop.add_argument("origin")
    args = parser.parse_args(argv)
    if args.command == "populate":
        print(json.dumps(asyncio.run(_populate(args.url, args.count, args.origin))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
