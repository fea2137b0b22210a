"""Sync against real server processes: a SIGKILL mid-storm, and two processes on one database.

Each test starts `python -m server serve` on its own database (a SQLite file, or a fresh
PostgreSQL database dropped at the end), creates consultants in a separate process, logs their
devices in over HTTP with a software passkey, and drives `tests.device.Device` over HTTP.
Processes are SIGKILLed in teardown whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from bench.harness import (
    Consultant,
    Database,
    ServerProcess,
    csrf,
    populate,
    postgres_reachable,
    register,
    session_cookies,
)
from tests.device import Device, Transport

pytestmark = pytest.mark.slow

TIME_LIMIT_S = 45.0  # per test, on top of ~10 s of set-up (migrate, people, server start)
REQUEST_TIMEOUT_S = 10.0


def _require_postgres() -> None:
    if postgres_reachable():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("PostgreSQL is unreachable, and in CI these tests must run")
    pytest.skip("PostgreSQL is unreachable (set CARNET_TEST_PG)")


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    engine = request.param
    if engine == "postgres":
        _require_postgres()
    created = Database.create(engine, tmp_path, prefix="carnet_proc")
    try:
        yield created
    finally:
        created.drop()


@contextlib.asynccontextmanager
async def running(*servers: ServerProcess) -> AsyncIterator[list[Phone]]:
    """Servers killed (SIGKILL, process group) and devices closed on the way out, whatever
    happened; yields the list the test puts its devices in."""
    phones: list[Phone] = []
    try:
        yield phones
    finally:
        for server in servers:
            server.kill()


def now_ms() -> int:
    return int(time.time() * 1000)


def values(consultant: Consultant) -> list[list[tuple[str, int]]]:
    """Day values a consultant may type: full day, half day, mixed, absence, cleared."""
    return [
        [(consultant.line, 2)],
        [(consultant.line, 1)],
        [(consultant.line, 1), ("absence:CP", 1)],
        [("absence:RTT", 2)],
        [],
    ]


def canonical(day: dict[str, Any]) -> tuple[tuple[tuple[str, int], ...], str]:
    return tuple(sorted((v["line"], v["half_days"]) for v in day["lines"])), day["hlc"]


@dataclass
class Phone:
    """One device of a consultant: the protocol client plus its own HTTP user agent."""

    consultant: Consultant
    device: Device
    http: httpx.AsyncClient
    acked: dict[int, dict[str, Any]] = field(default_factory=dict)
    sent: dict[int, dict[str, Any]] = field(default_factory=dict)
    transport_errors: int = 0
    server_errors: int = 0
    lost_responses: int = 0

    async def post(self, base_url: str, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await self.http.post(
            f"{base_url}/api/v1/sync",
            json=request,
            headers={"x-csrftoken": await csrf(self.http)},
        )
        return response.status_code, (response.json() if response.content else {})

    def take(self, request: dict[str, Any], body: dict[str, Any]) -> None:
        """Apply a 200 response; every result is an acknowledgement of that mutation."""
        for mutation in request["mutations"]:
            self.sent[mutation["id"]] = mutation
        for result in body["results"]:
            previous = self.acked.setdefault(result["id"], result)
            assert previous == result, f"mutation {result['id']} answered twice differently"
        self.device.apply(body, now_ms=now_ms())


async def logged_in_phones(
    server: ServerProcess, consultants: list[Consultant], per_consultant: int
) -> list[Phone]:
    """Each consultant registers a passkey on a first device; the others share the session."""
    phones = []
    for consultant in consultants:
        first = httpx.AsyncClient(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S)
        await register(first, server.origin, consultant.token)
        cookies = session_cookies(first)
        for n in range(per_consultant):
            http = (
                first
                if n == 0
                else httpx.AsyncClient(
                    base_url=server.base_url, timeout=REQUEST_TIMEOUT_S, cookies=cookies
                )
            )
            name = f"{consultant.index}-{n}"
            phones.append(Phone(consultant, Device(name), http))
    return phones


def transport(phone: Phone, base_url: str) -> Transport:
    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return await phone.post(base_url, request)

    return send


async def fresh_pull(server: ServerProcess, phone: Phone) -> Device:
    """A brand-new device of the same consultant pulls everything (cookie null)."""
    fresh = Device("fresh")
    body = await fresh.sync(transport(phone, server.base_url), limit=2000)
    assert "status" not in body, body
    return fresh


# -- a crash mid-storm -------------------------------------------------------------------------

CRASH_CONSULTANTS = 3
DEVICES_PER_CONSULTANT = 2
EDITS_PER_DEVICE = 45
KILL_AFTER_ACKS = 60
LOST_RESPONSES = 0.15  # share of 200 responses the network loses: their batch is resent
NOVEMBER = [f"2026-11-{day:02d}" for day in range(1, 31)]


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_a_sigkilled_server_keeps_every_acknowledged_mutation_exactly_once(
    database: Database, tmp_path: Path
) -> None:
    """Make sure a crash loses no acknowledged mutation and a retry never applies one twice.

    Six devices (three consultants, two devices each) push many small batches and retry until
    acknowledged; the server is SIGKILLed after some acknowledgements and restarted on the same
    database. Each device owns its own dates, so with its monotonic clock every one of its
    edits must come back `applied` exactly once: a retried, already committed mutation that
    was executed again would come back `superseded`.
    """
    server = ServerProcess(database.url, tmp_path, name=f"crash-{database.engine}")
    consultants = populate(database.url, CRASH_CONSULTANTS, server.origin)
    server.start()
    async with running(server) as phones:
        phones.extend(await logged_in_phones(server, consultants, DEVICES_PER_CONSULTANT))
        dates = {
            id(phone): NOVEMBER[n % DEVICES_PER_CONSULTANT :: DEVICES_PER_CONSULTANT]
            for n, phone in enumerate(phones)
        }
        acked_at_kill: dict[int, dict[int, dict[str, Any]]] = {}
        enough = anyio.Event()  # KILL_AFTER_ACKS acknowledgements seen
        killed = anyio.Event()
        restarted = anyio.Event()

        async def storm(phone: Phone, seed: int) -> None:
            rng = random.Random(seed)
            made = 0
            unconfirmed = 0  # size of the last batch whose answer the device never saw
            while made < EDITS_PER_DEVICE or phone.device.pending:
                if made < EDITS_PER_DEVICE and len(phone.device.pending) < 6:
                    for _ in range(rng.randint(1, 3)):
                        phone.device.edit(
                            rng.choice(dates[id(phone)]),
                            rng.choice(values(phone.consultant)),
                            now_ms(),
                        )
                        made += 1
                # Small batches; a batch without an answer is sent again whole (or more),
                # so a device never trims mutations whose results it has not seen.
                request = phone.device.request()
                request["mutations"] = request["mutations"][: max(rng.randint(1, 4), unconfirmed)]
                unconfirmed = len(request["mutations"])
                try:
                    status, body = await phone.post(server.base_url, request)
                except httpx.TransportError:
                    phone.transport_errors += 1
                    await anyio.sleep(0.05)
                    continue
                if status != 200:
                    assert status >= 500, (status, body)
                    phone.server_errors += 1
                    await anyio.sleep(0.05)
                    continue
                if rng.random() < LOST_RESPONSES:
                    phone.lost_responses += 1  # never seen: the same batch goes again
                    continue
                phone.take(request, body)
                unconfirmed = 0
                if sum(len(p.acked) for p in phones) >= KILL_AFTER_ACKS:
                    enough.set()
                await anyio.sleep(rng.uniform(0, 0.005))

        async def crash() -> None:
            await enough.wait()
            server.kill()
            for phone in phones:
                acked_at_kill[id(phone)] = dict(phone.acked)
            killed.set()
            await anyio.sleep(0.3)  # the devices now meet a dead port
            await anyio.to_thread.run_sync(server.start)
            restarted.set()

        with anyio.fail_after(TIME_LIMIT_S):
            async with anyio.create_task_group() as group:
                group.start_soon(crash)
                for seed, phone in enumerate(phones):
                    group.start_soon(storm, phone, seed)

            assert killed.is_set() and restarted.is_set()
            total = len(phones) * EDITS_PER_DEVICE
            acked_before = sum(len(a) for a in acked_at_kill.values())
            assert KILL_AFTER_ACKS <= acked_before < total, "the kill was not mid-storm"
            assert sum(p.transport_errors for p in phones) > 0, "no device saw the crash"
            assert sum(p.lost_responses for p in phones) > 0

            # Every mutation was acknowledged once, and applied: none executed twice.
            for phone in phones:
                assert phone.device.pending == []
                assert sorted(phone.acked) == list(range(1, phone.device.next_id))
                statuses = {r["status"] for r in phone.acked.values()}
                assert statuses == {"applied"}, [
                    r for r in phone.acked.values() if r["status"] != "applied"
                ]

            # The model: each date holds its device's last edit, stamped as acknowledged.
            for consultant in consultants:
                own = [p for p in phones if p.consultant == consultant]
                model: dict[str, tuple[tuple[tuple[str, int], ...], str]] = {}
                for phone in own:
                    for mutation_id in sorted(phone.sent):
                        args = phone.sent[mutation_id]["args"]
                        lines = tuple(sorted((v["line"], v["half_days"]) for v in args["lines"]))
                        model[args["date"]] = (lines, phone.acked[mutation_id]["hlc"])
                snapshot = await fresh_pull(server, own[0])
                assert {d: canonical(v) for d, v in snapshot.days.items()} == model

                # Acknowledged before the kill ⇒ still there, or a later edit of that device.
                for phone in own:
                    for mutation_id, result in acked_at_kill[id(phone)].items():
                        date = phone.sent[mutation_id]["args"]["date"]
                        assert snapshot.days[date]["hlc"] >= result["hlc"]

                # Every device converges on the fresh device's state.
                for phone in own:
                    await phone.device.sync(transport(phone, server.base_url))
                    assert phone.device.days == snapshot.days
                    assert phone.device.months == snapshot.months
                    assert phone.device.cookie == snapshot.cookie


# -- two processes, one PostgreSQL database ----------------------------------------------------

HOP_CONSULTANTS = 2
HOP_DEVICES = 3
HOP_ROUNDS = 40


@pytest.mark.parametrize("database", ["postgres"], indirect=True)
async def test_devices_hopping_between_two_processes_converge_and_skip_no_version(
    database: Database, tmp_path: Path
) -> None:
    """Make sure two server processes on one database lose no change for any device.

    Devices of the same consultants send each request to one of the two processes at random,
    pushing and pulling concurrently; one device per consultant pushes a year in batches of
    100 (the TimeTagger race: a device polling while a large push commits must not skip it).
    Each device keeps the union of everything its incremental pulls returned (and, protocol 2,
    of its own writes as their results acknowledged them): at the end it must equal a fresh full
    pull, value, stamp and version, for every day.
    """
    first = ServerProcess(database.url, tmp_path, name="hop-a")
    second = ServerProcess(
        database.url, tmp_path, name="hop-b", extra_env={"CARNET_AUTO_MIGRATE": "false"}
    )
    second.env["CARNET_ORIGIN"] = first.origin  # one origin, as behind a load balancer
    consultants = populate(database.url, HOP_CONSULTANTS, first.origin)
    async with running(first, second) as phones:
        async with anyio.create_task_group() as group:
            group.start_soon(anyio.to_thread.run_sync, first.start)
            group.start_soon(anyio.to_thread.run_sync, second.start)
        bases = [first.base_url, second.base_url]
        for n, phone in enumerate(await logged_in_phones(first, consultants, HOP_DEVICES)):
            phone.device.skew_ms = (-90_000, 0, 60_000)[n % HOP_DEVICES]
            phones.append(phone)
        union: dict[int, dict[str, dict[str, Any]]] = {id(p): {} for p in phones}
        seen_versions: dict[int, list[int]] = {id(p): [] for p in phones}
        year = [f"2026-{month:02d}-{day:02d}" for month in range(1, 11) for day in range(1, 29)]

        def gather(phone: Phone, request: dict[str, Any], body: dict[str, Any]) -> None:
            """Add what this answer told the device: the pulled days, and (protocol 2) its own
            applied writes, which the answer acknowledges without sending them back."""
            received = list(body["days"])
            sent = {m["id"]: m for m in request["mutations"]}
            for result in body["results"]:
                mutation = sent.get(result["id"])
                if mutation and mutation["name"] == "set_day" and result.get("version"):
                    args = mutation["args"]
                    received.append(
                        {
                            "date": args["date"],
                            "lines": args["lines"],
                            "comment": args["comment"],
                            "hlc": result["hlc"],
                            "version": result["version"],
                            "by_client": phone.device.client_id,
                        }
                    )
                if result.get("current"):
                    received.append(result["current"])
            for day in received:
                known = union[id(phone)].get(day["date"])
                if known is None or day["version"] >= known["version"]:
                    union[id(phone)][day["date"]] = day

        async def exchange(phone: Phone, rng: random.Random) -> None:
            request = phone.device.request()
            status, body = await phone.post(rng.choice(bases), request)
            assert status == 200, body
            if body["reset"]:
                assert phone.device.cookie is None, "a reset after the first pull"
            phone.take(request, body)
            gather(phone, request, body)
            seen_versions[id(phone)].append(body["cookie"]["v"])
            while body["has_more"]:
                status, body = await phone.post(rng.choice(bases), phone.device.request())
                assert status == 200, body
                phone.take({"mutations": []}, body)
                gather(phone, {"mutations": []}, body)

        async def editor(phone: Phone, seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(HOP_ROUNDS):
                if rng.random() < 0.6:
                    for _ in range(rng.randint(1, 5)):
                        phone.device.edit(
                            rng.choice(NOVEMBER), rng.choice(values(phone.consultant)), now_ms()
                        )
                await exchange(phone, rng)
                await anyio.sleep(rng.uniform(0, 0.01))

        async def big_pusher(phone: Phone, seed: int) -> None:
            rng = random.Random(seed)
            for date in year:
                phone.device.edit(date, [(phone.consultant.line, 2)], now_ms())
            while phone.device.pending:
                await exchange(phone, rng)

        with anyio.fail_after(TIME_LIMIT_S):
            async with anyio.create_task_group() as group:
                for seed, phone in enumerate(phones):
                    if seed % HOP_DEVICES == 0:
                        group.start_soon(big_pusher, phone, seed)
                    else:
                        group.start_soon(editor, phone, seed)

            # Quiesce: every queue is empty; one more pull each brings everyone up to date.
            rng = random.Random(99)
            for phone in phones:
                while phone.device.pending:
                    await exchange(phone, rng)
            for phone in phones:
                await exchange(phone, rng)

            for consultant in consultants:
                own = [p for p in phones if p.consultant == consultant]
                snapshot = await fresh_pull(first, own[0])
                assert len(snapshot.days) >= len(year)
                for phone in own:
                    assert sorted(phone.acked) == list(range(1, phone.device.next_id))
                    assert union[id(phone)] == snapshot.days, "an incremental pull skipped"
                    assert phone.device.days == snapshot.days
                    assert phone.device.months == snapshot.months
                    versions = seen_versions[id(phone)]
                    assert versions == sorted(versions), "a cookie went back"
