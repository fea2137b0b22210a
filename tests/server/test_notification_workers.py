"""The outbox against real worker processes: two `carnet worker` on one PostgreSQL outbox send
every notification exactly once; a worker SIGKILLed mid-batch loses nothing.

The local push service (tests/push_service.py) runs in this process and counts what it accepts
per Topic, the header the worker derives from each idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bench.harness import Database, postgres_reachable
from server.domain.roles import Role
from server.services.directory import NewPerson, create_person
from server.services.push_delivery import topic_of
from server.storage import notification_store as store
from server.storage import repositories as repo
from server.storage import tables as t
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine
from tests.push_service import PushService

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")
SECRET = "worker-test-secret-" + "x" * 32


def _require_postgres() -> None:
    if postgres_reachable():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("PostgreSQL is unreachable, and in CI these tests must run")
    pytest.skip("PostgreSQL is unreachable (set CARNET_TEST_PG)")


def with_db(url: str, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = engine_from_url(url)
        bind_tables(engine)
        await open_engine(engine)
        try:
            return await work()
        finally:
            await close_engine(engine)

    return asyncio.run(run())


HELD_MS = 10 * 365 * 24 * 3600_000


def fill_outbox(
    url: str,
    push: PushService,
    *,
    people: int,
    per_person: int,
    expired: int = 0,
    held: bool = False,
) -> list[str]:
    """People with one device each, and ``per_person`` notifications due now for each; the
    last ``expired`` people's notifications have already expired. Returns the keys."""

    async def work() -> list[str]:
        organisation = await repo.create_organisation(
            legal_name="Octave",
            siren="812345676",
            siret="81234567600017",
            vat_number="",
            address="",
        )
        now_ms = int(time.time() * 1000)
        keys = []
        for index in range(people):
            person = await create_person(
                organisation_id=organisation.id,
                new=NewPerson(
                    email=f"p{index}@example.test",
                    display_name=f"P{index}",
                    roles=frozenset({Role.CONSULTANT}),
                ),
            )
            device = push.device(f"p{index}")
            await store.save_subscription(
                person_id=person.id,
                endpoint=device.endpoint,
                p256dh=device.p256dh,
                auth=device.auth,
            )
            late = index >= people - expired
            for number in range(per_person):
                key = f"{person.id}:2026-{number % 12 + 1:02d}:signed:{number}"
                await store.enqueue(
                    key=key,
                    person_id=person.id,
                    kind="signed",
                    month=f"2026-{number % 12 + 1:02d}",
                    data={"by_name": "Client"},
                    due_ms=now_ms - 1000 + (HELD_MS if held else 0),
                    expires_ms=now_ms - 1 if late else now_ms + 3600_000,
                    now_ms=now_ms,
                )
                keys.append(key)
        return keys

    return with_db(url, work)


def release(url: str) -> None:
    """Make every held notification due now, at once."""

    async def work() -> None:
        await t.OutboxItem.raw(
            "UPDATE outbox_item SET due_ms = due_ms - {} WHERE due_ms > {}",
            HELD_MS,
            HELD_MS,
        )

    with_db(url, work)


def rows(url: str) -> list[dict[str, Any]]:
    return with_db(url, store.outbox_rows)


class Worker:
    """One `python -m server worker` process, killed (SIGKILL) at the end whatever happens."""

    def __init__(
        self, url: str, workdir: Path, name: str, *, lease_s: float = 60, batch: int = 50
    ):
        (workdir / "data").mkdir(exist_ok=True)
        self.log = workdir / f"{name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "CARNET_SECRET_KEY": SECRET,
            "CARNET_DATA_DIR": str(workdir / "data"),
            "CARNET_PUSH_ALLOW_HTTP_LOCALHOST": "true",
            "CARNET_NOTIFICATION_POLL_SECONDS": "0.2",
            "PYTHONUNBUFFERED": "1",
        }
        argv = [sys.executable, "-m", "server", "worker", "--lease-seconds", str(lease_s)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*argv, "--batch", str(batch)],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout_s: float = 30) -> None:
        wait_until(
            lambda: "ready" in self.log.read_text(errors="replace"),
            timeout_s=timeout_s,
            what=f"{self.log.name} to start",
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> str:
        """SIGTERM: the worker finishes its batch and prints its figures."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def workers(*made: Worker) -> Iterator[None]:
    try:
        yield
    finally:
        for worker in made:
            worker.kill()


def wait_until(done: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def figures(found: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in found:
        name = row["state"] if row["state"] != "dropped" else f"dropped ({row['outcome']})"
        counts[name] = counts.get(name, 0) + 1
    counts["retried"] = sum(max(0, int(r["attempts"]) - 1) for r in found)
    return counts


@pytest.fixture
def push() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


def test_two_workers_on_postgresql_send_each_notification_once(
    tmp_path: Path, push: PushService
) -> None:
    _require_postgres()
    database = Database.create("postgres", tmp_path, prefix="carnet_outbox")
    try:
        keys = fill_outbox(database.url, push, people=30, per_person=10, expired=2, held=True)
        # Some devices are busy once (429, retry after 1 s), two are gone (410), one refuses the
        # payload (413): the others are not held up.
        for index in range(5):
            push.devices[f"/push/p{index}"].answer(429, times=1, **{"Retry-After": "1"})
        push.devices["/push/p5"].answer(410, times=10)
        push.devices["/push/p6"].answer(413, times=10)
        first = Worker(database.url, tmp_path, "worker-1")
        second = Worker(database.url, tmp_path, "worker-2")
        with workers(first, second):
            first.wait_ready()
            second.wait_ready()
            release(database.url)  # both are polling: the outbox fills for both at once
            wait_until(
                lambda: all(r["state"] != "pending" for r in rows(database.url)),
                timeout_s=90,
                what="the outbox to drain",
            )
            logs = [first.stop(), second.stop()]
        found = rows(database.url)
        sent = [r for r in found if r["state"] == "sent"]
        # Each sent notification reached its device exactly once, and nothing else arrived.
        assert {topic_of(r["key"]) for r in sent} == set(push.accepted)
        assert set(push.accepted.values()) == {1}
        assert len(sent) == 300 - 20 - 10 - 10  # expired, gone (no email configured), 413
        assert {r["claimed_by"].rsplit(":", 2)[1] for r in sent} == {
            str(first.process.pid),
            str(second.process.pid),
        }
        result = figures(found)
        assert result == {
            "sent": 260,
            "dropped (expired)": 20,
            "dropped (no channel: no push subscription, no SMTP)": 10,
            "dropped (push refused 413)": 10,
            "retried": 5,
        }
        assert len(keys) == 300
        figures_text = subprocess.run(
            [sys.executable, "-m", "server", "outbox"],
            cwd=REPO,
            env={**os.environ, "DATABASE_URL": database.url, "CARNET_SECRET_KEY": SECRET},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert "     260  sent     push:1" in figures_text.splitlines()
        print("\n`carnet outbox`:\n" + figures_text)
        print("\ntwo-process outbox figures:", result, "refusals:", dict(push.refused))
        for log in logs:
            print(log.strip().splitlines()[-1])
    finally:
        database.drop()


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_worker_killed_mid_batch_loses_nothing(
    tmp_path: Path, push: PushService, engine: str
) -> None:
    if engine == "postgres":
        _require_postgres()
    database = Database.create(engine, tmp_path, prefix="carnet_kill")
    try:
        push.delay_s = 0.05  # a slow push service: the kill lands inside a batch
        fill_outbox(database.url, push, people=20, per_person=10)
        victim = Worker(database.url, tmp_path, "victim", lease_s=3, batch=40)
        with workers(victim):
            wait_until(lambda: sum(push.accepted.values()) >= 50, timeout_s=60, what="sends")
            victim.kill()
        before = sum(push.accepted.values())
        assert before < 200
        successor = Worker(database.url, tmp_path, "successor", lease_s=3, batch=40)
        with workers(successor):
            wait_until(
                lambda: all(r["state"] == "sent" for r in rows(database.url)),
                timeout_s=90,
                what="the successor to finish",
            )
            successor.stop()
        found = rows(database.url)
        assert len(found) == 200
        # Nothing lost: every notification reached its device at least once.
        assert {topic_of(r["key"]) for r in found} == set(push.accepted)
        # The only copies are messages the victim sent but had not recorded when killed.
        duplicates = sum(push.accepted.values()) - 200
        assert 0 <= duplicates <= 40
        print(f"\n{engine}: victim sent {before} before SIGKILL; duplicates {duplicates}")
    finally:
        database.drop()
