"""Every statement of the main flows finds its rows through an index (SQLite's query plans).

Piccolo never indexes a foreign key, and a statement that reads a whole table costs nothing on
a test's few rows and grows with the firm: every request's session lookup read all of
`person_role` until 2026-12-05 (docs/benchmarks.md). Here the real app runs a consultant's
month, a manager's approval, a client signer's signature, the invoicing, the expenses, the
leave, the back office's screens, the retention job, an erasure and the notification outbox,
with every SQL statement traced on its connection (`sqlite3.Connection.set_trace_callback`, the
inline reader's and aiosqlite's alike); each distinct statement is then explained (EXPLAIN
QUERY PLAN) on the same database, and a full scan of a table that grows with the firm's people
or activity fails the test, naming the flow, the table and the statement.

SQLite only: its plan does not depend on a table's size (we never run ANALYZE), so a test's
small database shows the plan a firm's large one gets. PostgreSQL chooses by statistics and
rightly scans small tables; what it needs is the same indexes, which the migrations give both.
"""

import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from sqlite3 import Connection
from typing import Any

import pytest
from litestar import Litestar

from server.domain.roles import Role
from server.services import privacy
from server.services.notifications import NotificationRuntime, OutboxWorker
from server.settings import Settings
from tests.conftest import ENGINE, FakeClock
from tests.device import Device
from tests.factories import Browser, Member, World
from tests.server import signing_helpers as signing

sqlite_only = pytest.mark.skipif(
    ENGINE != "sqlite",
    reason="EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by statistics (module docstring)",
)

# The tracer patches sqlite3.connect; the checks open their own connections untraced.
UNTRACED_CONNECT = sqlite3.connect
API = "/api/v1"
MONTH = "2026-11"
NOW_MS = int(FakeClock()().timestamp() * 1000)

# Tables that stay tiny whatever the firm's size: a scan of them is a few rows.
TINY = {
    "organisation": "one row per firm; read by host on the firm cache's misses",
    "server_identity": "one row",
    "migration": "Piccolo's record of the migrations run",
}
# Statements allowed to read a growing table whole: (table, a fragment of the statement) → why.
ALLOWED: dict[tuple[str, str], str] = {
    ("outbox_item", 'FROM "outbox_item" ORDER BY'): "the tests' own look at the whole outbox "
    "(signing_helpers.queued_code reads the signer's code there); no app path sends it",
    ("figure_mission_month", "FROM figure_mission_month mm WHERE"): "the revenue figure sums "
    "the firm's projection over the months shown, most of its rows: through an (organisation, "
    "month) index, row by row, it took twice the scan's time (bench/figures_bench.py, "
    "1,000 consultants: 56 → 109 ms)",
    ("figure_mission_month", "FROM figure_mission_month mm JOIN mission m"): "the same sums "
    "by month (see above)",
}

_LITERAL = re.compile(r"'(?:[^']|'')*'|\b[xX]'[0-9A-Fa-f]*'|-?\b\d+(?:\.\d+)?\b")
# A table read by a statement, and its alias if any (Piccolo's joins alias as "table$column").
_SOURCE = re.compile(
    r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?([\w$]+)"?)?', re.IGNORECASE
)
_NOT_ALIAS = {
    "where", "on", "set", "values", "join", "left", "inner", "cross", "natural", "order",
    "group", "limit", "using", "as", "select", "union", "returning", "default", "indexed", "not",
}  # fmt: skip
_EXPLAINED = ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH", "REPLACE")


def shape(statement: str) -> str:
    """The statement with its literals replaced by `?` (the trace shows bound values inline)."""
    return " ".join(_LITERAL.sub("?", statement).split())


@dataclass(frozen=True)
class Scan:
    flow: str
    table: str
    plan: str
    statement: str

    def __str__(self) -> str:
        return f"[{self.flow}] {self.plan} (table {self.table}): {self.statement[:400]}"


@dataclass
class Tracer:
    """Every statement the app's SQLite connections run, with the flow running at the time."""

    flow: str = "setup"
    statements: list[tuple[str, str]] = field(default_factory=list)

    def record(self, statement: str) -> None:
        self.statements.append((self.flow, statement))

    def connect(self, real: Callable[..., Connection]) -> Callable[..., Connection]:
        def connect(*args: Any, **kwargs: Any) -> Connection:
            connection = real(*args, **kwargs)
            connection.set_trace_callback(self.record)
            return connection

        return connect


def full_scans(database: Path, statements: list[tuple[str, str]]) -> list[Scan]:
    """Each distinct statement's full scans (or automatic indexes, built by a full scan) of a
    table not in TINY and not allowed for that statement."""
    found: list[Scan] = []
    seen: set[str] = set()
    connection = UNTRACED_CONNECT(database)
    try:
        listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in listed}
        for flow, statement in statements:
            text = statement.strip()
            # Trigger bodies come as "-- TRIGGER name"; transactions and PRAGMAs have no plan.
            if not text.upper().startswith(_EXPLAINED):
                continue
            key = shape(text)
            if key in seen:
                continue
            seen.add(key)
            aliases = {}
            for match in _SOURCE.finditer(text):
                table, alias = match.group(1), match.group(2)
                if table in tables:
                    aliases[table] = table
                    if alias and alias.lower() not in _NOT_ALIAS:
                        aliases[alias] = table
            for *_, detail in connection.execute("EXPLAIN QUERY PLAN " + text):
                step = re.match(r"(SCAN|SEARCH) ([\w$]+)", detail)
                if step is None or (step[1] == "SEARCH" and "AUTOMATIC" not in detail):
                    continue
                table = aliases.get(step[2], step[2])
                if table not in tables or table in TINY:
                    continue
                if any(t == table and fragment in key for t, fragment in ALLOWED):
                    continue
                found.append(Scan(flow, table, detail, key))
    finally:
        connection.close()
    return found


@pytest.fixture
def tracer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tracer]:
    """Trace the connections opened from now on: requested before the app, so all of its."""
    traced = Tracer()
    monkeypatch.setattr(sqlite3, "connect", traced.connect(sqlite3.connect))
    yield traced


def database_of(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    if "json" not in response.headers.get("content-type", ""):
        return None
    return response.json()


def sync_transport(member: Member):  # type: ignore[no-untyped-def]
    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await member.browser.post(f"{API}/sync", json=request)
        return response.status_code, response.json()

    return send


async def visit_every_screen(browser: Browser, app: Litestar, ids: dict[str, str]) -> int:
    """GET every API route whose path parameters `ids` can fill; returns how many answered 200."""
    answered = 0
    for route in app.routes:
        if "GET" not in getattr(route, "methods", ()) or not route.path.startswith(API):
            continue
        if route.path.startswith((f"{API}/auth/sso", f"{API}/sign", f"{API}/invitations")):
            continue
        names = re.findall(r"{(\w+):\w+}", route.path)
        if any(name not in ids for name in names):
            continue
        path = re.sub(r"{(\w+):\w+}", lambda m: ids[m[1]], route.path)
        response = await browser.get(
            path, params={"month": MONTH, "start": "2026-11-01", "end": "2026-11-30"}
        )
        answered += response.status_code == 200
    return answered


async def run_flows(world: World, tracer: Tracer, settings: Settings, clock: FakeClock) -> None:
    """The flows whose statements the tests explain; each sets `tracer.flow`."""
    tracer.flow = "people and logins"
    admin = await world.person("admin", [Role.ADMIN])
    manager = await world.person("manager", [Role.MANAGER])
    alice = await world.person("alice", [Role.CONSULTANT], manager="manager")
    client = await world.client("Banque Client SA")
    mission = await world.mission("alice", client, approvers=[("manager", "manager")])
    me = ok(await alice.browser.get(f"{API}/me"))
    assert me["id"] == alice.id

    tracer.flow = "consultant month (sync)"
    phone, laptop = Device("phone"), Device("laptop")
    transport = sync_transport(alice)
    for day in ("2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"):
        phone.edit(day, [(f"mission:{mission.id}", 2)], NOW_MS)
    await phone.sync(transport)
    laptop.edit("2026-11-05", [(f"mission:{mission.id}", 1)], NOW_MS + 1)  # overwrites unseen
    await laptop.sync(transport)
    await phone.sync(transport)
    ok(await alice.browser.get(f"{API}/people/{alice.id}/months/{MONTH}"))
    ok(
        await alice.browser.put(
            f"{API}/people/{alice.id}/months/{MONTH}/days/2026-11-06",
            json={"lines": [{"line": f"mission:{mission.id}", "half_days": 2}], "comment": ""},
        )
    )
    await phone.sync(transport)
    phone.submit(MONTH)
    body = await phone.sync(transport)
    assert [r["status"] for r in body["results"]][-1] == "applied", body

    tracer.flow = "manager approval"
    ok(await manager.browser.get(f"{API}/team/months/{MONTH}"))
    month_url = f"{API}/people/{alice.id}/months/{MONTH}"
    version = (ok(await manager.browser.get(month_url)))["version"]
    ok(await manager.browser.post(f"{month_url}/approve", json={"version": version}))
    ok(await manager.browser.get(f"{month_url}/history"))

    tracer.flow = "client signer"
    waiting = await signing.month_waiting_on_signer(world, consultant="bob", client=client)
    signer_browser, authenticator = await signing.signer_ready(world, waiting)
    ok(await signing.sign(signer_browser, authenticator), 201)
    ok(await signer_browser.get(f"{API}/sign"))

    tracer.flow = "invoicing"
    invoices = ok(await admin.browser.get(f"{API}/invoices"))
    assert invoices, "the validated months gave no pre-invoice"
    draft = invoices[0]["id"]
    ok(await admin.browser.get(f"{API}/invoices/{draft}"))
    issued = ok(await admin.browser.post(f"{API}/invoices/{draft}/issue"), 201)
    ok(
        await admin.browser.post(
            f"{API}/invoices/{issued['id']}/payments",
            json={"paid_on": "2026-11-20", "amount_cents": 100},
        ),
        201,
    )
    ok(await admin.browser.get(f"{API}/invoices/{issued['id']}/pdf"))

    tracer.flow = "expenses"
    line = ok(
        await alice.browser.post(
            f"{API}/expense-lines",
            json={
                "spent_on": "2026-11-06",
                "category": "mileage",
                "distance_km": 120,
                "fiscal_power": 5,
                "mission_id": mission.id,
            },
        ),
        201,
    )
    ok(await alice.browser.post(f"{API}/expense-reports/{MONTH}/submit"))
    ok(await manager.browser.get(f"{API}/expense-reports/{MONTH}/review"))
    ok(
        await manager.browser.post(
            f"{API}/expense-lines/{line['id']}/decision", json={"approve": True}
        )
    )

    tracer.flow = "leave"
    leave = ok(
        await alice.browser.post(
            f"{API}/leave/requests",
            json={
                "id": str(uuid.uuid4()),
                "kind": "CP",
                "first_day": "2026-12-21",
                "last_day": "2026-12-24",
                "comment": "",
            },
        ),
        201,
    )
    ok(await manager.browser.get(f"{API}/leave/team"))
    ok(await manager.browser.post(f"{API}/leave/requests/{leave['id']}/approve"))

    tracer.flow = "screens"
    ids = {
        "person_id": alice.id,
        "client_id": client.id,
        "mission_id": mission.id,
        "month": MONTH,
        "invoice_id": issued["id"],
        "line_id": line["id"],
        "request_id": leave["id"],
        "figure": "tace",
        "kind": "people",
    }
    for member in (admin, manager, alice):
        assert await visit_every_screen(member.browser, world.app, ids) > 5

    tracer.flow = "retention job"
    await privacy.run_retention(now=clock())

    tracer.flow = "erasure"
    bob = world["bob"].id
    ok(await admin.browser.post(f"{API}/people/{bob}/deactivate", json={}))
    ok(await admin.browser.post(f"{API}/people/{bob}/erasure", json={"confirm": True}))

    tracer.flow = "notifications"
    worker = OutboxWorker(settings=settings, clock=clock, worker_id="plans")
    try:
        clock.advance(days=20)  # the month's close is near: reminders are due
        await NotificationRuntime(settings=settings, clock=clock, worker=worker).tick()
    finally:
        await worker.close()

    tracer.flow = "logout"
    ok(await alice.browser.post(f"{API}/auth/logout"), 204)


@sqlite_only
async def test_the_main_flows_read_no_growing_table_whole(
    tracer: Tracer, world: World, settings: Settings, clock: FakeClock
) -> None:
    """Make sure no statement of a consultant's month, an approval, a signature, an invoice, an
    expense, a leave request, the screens or the outbox reads a growing table whole: each such
    scan is a cost that grows with the firm on a path its people wait on."""
    await run_flows(world, tracer, settings, clock)
    assert len(tracer.statements) > 500
    scans = full_scans(database_of(settings), tracer.statements)
    assert not scans, "full scans of growing tables:\n" + "\n".join(map(str, scans))


@sqlite_only
async def test_a_missing_index_is_reported_with_its_table_and_statement(
    tracer: Tracer, world: World, settings: Settings
) -> None:
    """Make sure the check above can fail: without the index on a person's roles, the session
    lookup of every request is reported as a scan of person_role, statement and flow named."""
    alice = await world.person("alice", [Role.CONSULTANT])
    tracer.statements.clear()
    tracer.flow = "a request"
    ok(await alice.browser.get(f"{API}/me"))
    assert full_scans(database_of(settings), tracer.statements) == []
    with UNTRACED_CONNECT(database_of(settings)) as connection:
        connection.execute("DROP INDEX person_role_person")
    scans = full_scans(database_of(settings), tracer.statements)
    assert {scan.table for scan in scans} == {"person_role"}
    assert all("person_role" in scan.statement for scan in scans)
    assert str(scans[0]).startswith("[a request] SCAN ")
    assert "(table person_role): " in str(scans[0])


# Foreign keys with no index of their own, and why none is needed: no statement looks rows up
# by them, and no DELETE of their parent checks them (people, months, missions, links and
# organisations are never deleted: an erasure pseudonymises the person).
WHO_DID_IT = "who recorded or decided it: read with its own row only"
UNINDEXED_FOREIGN_KEYS = {
    "day_entry.updated_by": WHO_DID_IT + "; on the sync write path, where an index costs",
    "invitation.created_by": WHO_DID_IT,
    "signature_link.created_by": WHO_DID_IT,
    "signature_challenge.link": "a challenge is found by its own id (single use)",
    "signature_challenge.timesheet": "a challenge is found by its own id (single use)",
    "signature_challenge.person": "a challenge is found by its own id (single use)",
    "self_signature_challenge.timesheet": "a challenge is found by its own id (single use)",
    "self_signature_challenge.person": "a challenge is found by its own id (single use)",
    "invoice_adjustment.author": WHO_DID_IT,
    "expense.recorded_by": WHO_DID_IT,
    "milestone_delivery.recorded_by": WHO_DID_IT,
    "payment.recorded_by": WHO_DID_IT,
    "line_discount.author": WHO_DID_IT,
    "consultant_cost.recorded_by": WHO_DID_IT,
    "expense_claim.mission": "read with its line; lines are found by consultant or firm",
    "expense_claim.decided_by": WHO_DID_IT,
    "leave_request.organisation": "a copy of the tenant; requests are found by consultant",
    "leave_request.decided_by": WHO_DID_IT,
    "leave_adjustment.organisation": "a copy of the tenant; adjustments are found by consultant",
    "leave_adjustment.author": WHO_DID_IT,
    "erasure.requested_by": WHO_DID_IT,
    "sso_login.organisation": "a login in flight is found by its state's hash",
    "sso_identity.organisation": "an identity is found by its subject key or its person",
    "api_token.created_by": WHO_DID_IT,
    "api_token.revoked_by": WHO_DID_IT,
    "webhook_subscription.created_by": WHO_DID_IT,
    "webhook_delivery.organisation": "a copy of the tenant; deliveries are found by webhook",
}


def test_every_foreign_key_leads_an_index_or_says_why_not() -> None:
    """Make sure a foreign key added later gets an index (Piccolo makes none) or a reason here:
    a lookup by it reads the whole table, and so does each DELETE of its parent row, which
    checks the key."""
    from piccolo.columns import ForeignKey

    from server.storage.tables import TABLES
    from tests.server.test_migrations import RAW_INDEXES

    leading = {(table, columns[0]) for table, columns, _, _ in RAW_INDEXES.values()}
    unindexed = {
        f"{table._meta.tablename}.{column._meta.db_column_name}"
        for table in TABLES
        for column in table._meta.columns
        if isinstance(column, ForeignKey)
        and not (column._meta.index or column._meta.unique)
        and (table._meta.tablename, column._meta.db_column_name) not in leading
    }
    assert sorted(unindexed - set(UNINDEXED_FOREIGN_KEYS)) == [], "index them, or say why not"
    assert sorted(set(UNINDEXED_FOREIGN_KEYS) - unindexed) == [], "indexed now: remove them"
