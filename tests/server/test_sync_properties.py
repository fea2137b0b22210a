"""Stateful property test of sync against the real app and database (sync-protocol.md §4.1).

Three devices of one consultant — a phone, a laptop 90 s behind, a tablet an hour ahead — edit
days, submit months and sync over a network that loses requests, loses responses, duplicates
them and delivers stale retries late; the manager signs and sends back months meanwhile.

After every step: nothing is ever written into a locked month, and every stored day is valid.
At the end, once the network is reliable: every queue drains, every device shows exactly the
server's state (which a fresh device also pulls), every rejection reached its device, and no
acknowledged edit was lost (the stored stamp of its day is at least the acknowledged one).
"""

import asyncio
import os
import shutil
import uuid
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from server.app import create_app
from server.domain.roles import Role
from server.services.accounts import Accounts
from server.services.directory import NewPerson, create_person
from server.services.sync_service import set_month_state
from server.settings import Settings
from server.storage import sync_store
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine
from sync.hlc import Hlc
from sync.months import MonthStatus, is_editable
from tests.conftest import ENGINE, FakeClock, _pg_url, empty_postgres
from tests.device import Device
from tests.factories import Browser, make_organisation

pytestmark = [pytest.mark.storage, pytest.mark.slow]

DATES = ["2026-11-02", "2026-11-03", "2026-11-30", "2026-12-01", "2026-12-02"]
MONTHS = ["2026-11", "2026-12"]
EXAMPLES = int(os.environ.get("CARNET_SYNC_EXAMPLES", "20"))


class Network:
    """Delivers a device's request, or fails in one of the ways phones' networks do."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.fault = "ok"
        self.sent: dict[str, list[dict[str, Any]]] = {}

    async def __call__(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        from tests.device import Lost

        self.sent.setdefault(request["client_id"], []).append(request)
        if self.fault == "lose_request":
            raise Lost
        response = await self.browser.post("/api/v1/sync", json=request)
        if self.fault == "duplicate":
            response = await self.browser.post("/api/v1/sync", json=request)
        if self.fault == "lose_response":
            raise Lost
        return response.status_code, response.json()


class SyncMachine(RuleBasedStateMachine):
    database_factory: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = FakeClock()
        self.stack = AsyncExitStack()
        self.devices = [
            Device("phone"),
            Device("laptop", skew_ms=-90_000),
            Device("tablet", skew_ms=3_600_000),
        ]
        self.locked_snapshots: dict[str, dict[str, Any]] = {}
        self.acknowledged: list[tuple[str, str]] = []  # (date, stamp) of applied set_day
        # Prepared outside the loop: the PostgreSQL truncation runs its own event loop.
        self.settings = SyncMachine.database_factory()
        self.run(self._start())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def _start(self) -> None:
        settings_ = self.settings
        app = create_app(settings_, clock=self.clock)
        # The lifespan's task group cannot span this machine's separate loop runs, so the
        # engine is bound here as the lifespan would (the ASGI transport needs nothing more).
        engine = engine_from_url(settings_.resolved_database_url)
        bind_tables(engine)
        await open_engine(engine)
        self.stack.push_async_callback(close_engine, engine)
        organisation = await make_organisation()
        manager = await create_person(
            organisation_id=organisation.id,
            new=NewPerson(
                email=f"m-{uuid.uuid4().hex[:8]}@example.test",
                display_name="M",
                roles=frozenset({Role.MANAGER}),
            ),
            check_refs=False,
        )
        # The month's circuit falls back to the manager: submissions go in validation.
        self.person = await create_person(
            organisation_id=organisation.id,
            new=NewPerson(
                email=f"c-{uuid.uuid4().hex[:8]}@example.test",
                display_name="C",
                roles=frozenset({Role.CONSULTANT}),
                manager_id=manager.id,
            ),
            check_refs=False,
        )
        from server.domain import model
        from server.storage import repositories as repo

        client = await repo.create_client(
            organisation_id=organisation.id,
            legal_name="K",
            siren="123456789",
            vat_number="FR00123456789",
            billing_address="",
        )
        mission = await repo.create_mission(
            model.Mission(
                id=str(uuid.uuid4()),
                organisation_id=organisation.id,
                consultant_id=self.person.id,
                client_id=client.id,
                title="M",
                start_date=self.clock().date().replace(day=1, month=1),
                end_date=None,
                billing_mode="regie",
                daily_rate_cents=50_000,
                day_cap_half_days=None,
                allowed_absences=("CP", "RTT"),
                comments_required=False,
                calendar_region="metropole",
            )
        )
        self.line = f"mission:{mission.id}"
        login = await Accounts(settings=settings_, clock=self.clock).demo_login(
            email=self.person.email
        )
        browser = Browser(app)
        browser.http.cookies.set(
            settings_.session_cookie_name, login.token, domain="localhost.local"
        )
        self.stack.push_async_callback(browser.close)
        self.network = Network(browser)

    def teardown(self) -> None:
        try:
            self.run(self._quiesce_and_check())
        finally:
            self.run(self.stack.aclose())
            self.loop.close()

    # -- helpers --------------------------------------------------------------------------

    def now_ms(self) -> int:
        return int(self.clock().timestamp() * 1000)

    async def server_days(self) -> dict[str, Any]:
        rows = await sync_store.changed_days(
            person_id=self.person.id, since=0, after=None, upto=10**12, limit=10_000
        )
        return {r.date.isoformat(): r for r in rows}

    async def server_months(self) -> dict[str, sync_store.MonthRow]:
        return await sync_store.months_of(self.person.id, MONTHS)

    async def sync(self, device: Device) -> None:
        from tests.device import Lost

        try:
            body = await device.sync(self.network, now_ms=self.now_ms())
        except Lost:
            return
        for result in body.get("results", []):
            if result["status"] == "applied" and result.get("hlc"):
                mutation = next((m for m in device.pending if m["id"] == result["id"]), None)
                date = (mutation or {}).get("args", {}).get("date")
                if date is None:
                    sent = [
                        m
                        for r in self.network.sent[device.client_id]
                        for m in r["mutations"]
                        if m["id"] == result["id"]
                    ]
                    date = sent[-1]["args"].get("date") if sent else None
                if date:
                    self.acknowledged.append((date, result["hlc"]))

    # -- rules ----------------------------------------------------------------------------

    values = st.sampled_from(["work", "half", "rtt", "clear", "invalid"])

    def lines(self, value: str) -> list[tuple[str, int]]:
        return {
            "work": [(self.line, 2)],
            "half": [(self.line, 1), ("absence:CP", 1)],
            "rtt": [("absence:RTT", 2)],
            "clear": [],
            "invalid": [(self.line, 2), ("absence:CP", 1)],
        }[value]

    @rule(device=st.integers(0, 2), date=st.sampled_from(DATES), value=values)
    def edit(self, device: int, date: str, value: str) -> None:
        self.devices[device].edit(date, self.lines(value), self.now_ms())

    @rule(device=st.integers(0, 2), month=st.sampled_from(MONTHS))
    def submit(self, device: int, month: str) -> None:
        self.devices[device].submit(month)

    @rule(
        device=st.integers(0, 2),
        fault=st.sampled_from(["ok", "ok", "lose_request", "lose_response", "duplicate"]),
    )
    def sync_device(self, device: int, fault: str) -> None:
        self.network.fault = fault
        self.run(self.sync(self.devices[device]))
        self.network.fault = "ok"

    @precondition(lambda self: any(self.network.sent.values()))
    @rule(data=st.data())
    def stale_retry_arrives_late(self, data: st.DataObject) -> None:
        """An old request of some device, retried by the network, arrives after newer ones."""
        requests = [r for sent in self.network.sent.values() for r in sent]
        old = data.draw(st.sampled_from(requests))
        self.run(self.network.browser.post("/api/v1/sync", json=old))

    @rule(month=st.sampled_from(MONTHS), action=st.sampled_from(["sign", "send_back"]))
    def manager_acts(self, month: str, action: str) -> None:
        row = self.run(self.server_months()).get(month)
        if action == "sign" and row is not None and row.status == "in_validation":
            self.run(
                set_month_state(
                    consultant_id=self.person.id,
                    month=month,
                    status=MonthStatus.SIGNED,
                    now=self.clock(),
                )
            )
        elif (
            action == "send_back" and row is not None and row.status in {"in_validation", "signed"}
        ):
            self.run(
                set_month_state(
                    consultant_id=self.person.id,
                    month=month,
                    status=MonthStatus.SENT_BACK,
                    now=self.clock(),
                    reopen=True,
                )
            )

    @rule(seconds=st.integers(1, 600))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds=seconds)

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def locked_months_never_change_and_days_stay_valid(self) -> None:
        days = self.run(self.server_days())
        months = self.run(self.server_months())
        for month in MONTHS:
            row = months.get(month)
            locked = row is not None and not is_editable(MonthStatus(row.status))
            current = {d: (r.lines, r.comment) for d, r in days.items() if d.startswith(month)}
            if locked:
                snapshot = self.locked_snapshots.setdefault(month, current)
                assert current == snapshot, f"{month} changed while {row.status}"
            else:
                self.locked_snapshots.pop(month, None)
        for date, row in days.items():
            assert sum(h for _, h in row.lines) <= 2, (date, row.lines)
            assert all(h in (1, 2) for _, h in row.lines), (date, row.lines)

    # -- the end ------------------------------------------------------------------------------

    async def _quiesce_and_check(self) -> None:
        self.network.fault = "ok"
        for _ in range(5):
            for device in self.devices:
                while device.pending:
                    await self.sync(device)
        for device in self.devices:
            await self.sync(device)
        server = await self.server_days()
        months = await self.server_months()
        fresh = Device("fresh")
        await fresh.sync(self.network, now_ms=self.now_ms())
        expected = {d: sorted(r.lines) for d, r in server.items() if r.lines or r.comment}
        assert fresh.shown() == expected
        for device in self.devices:
            assert device.pending == [], f"{device.name} queue did not drain"
            assert device.shown() == expected, f"{device.name} diverged"
            assert {m: (v["status"], v["epoch"]) for m, v in device.months.items()} == {
                m: (r.status, r.epoch) for m, r in months.items()
            }
            rejected_ids = {i for i, r in device.results.items() if r["status"] == "rejected"}
            assert rejected_ids == {m["id"] for m in device.rejected}
            assert all(i in device.results for i in range(1, device.next_id)), "lost result"
        for date, stamp in self.acknowledged:
            stored = server.get(date)
            assert stored is not None and Hlc.parse(stored.hlc) >= Hlc.parse(stamp), (
                f"acknowledged edit of {date} at {stamp} lost"
            )


def _database_factory(template: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    counter = iter(range(10**9))

    def make() -> Settings:
        if ENGINE == "sqlite":
            path = tmp_path / f"example-{next(counter)}.sqlite"
            shutil.copy(template, path)
            url = f"sqlite:///{path}"
        else:
            url = _pg_url(template)
            empty_postgres(url)
        return Settings(
            secret_key="s" * 40,
            database_url=url,
            data_dir=tmp_path,
            origin="http://localhost",
            auto_migrate=False,
            auth_rate_limit_per_minute=10_000,
        )

    return make


def test_devices_converge_and_nothing_acknowledged_is_lost(
    migrated_database: str, tmp_path: Path
) -> None:
    """Make sure the sync protocol's guarantees hold under random schedules and faults."""
    SyncMachine.database_factory = _database_factory(migrated_database, tmp_path)
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
