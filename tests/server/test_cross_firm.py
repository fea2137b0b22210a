"""Two firms on one installation: nothing of firm B is readable, writable, countable or
guessable from firm A's host (docs/multi-tenant.md).

Both firms get the same cast and the same kinds of data (people, client, mission, months, a
month waiting on the client's signer, a signature, an issued invoice numbered FA-2026-0001 in
each, a leave request, a receipt, an expense line, a push subscription, a sync device, audit
entries, outbox items). Then every operation of the API, read from the app's own route table,
is sent from firm A's host by every role of A (anonymous, consultant, manager, client signer,
admin) and by B's admin carrying B's cookies to A's host, once with B's identifiers in the
path and body and once with identifiers that exist nowhere. Three things must hold:

- no answer carries anything of B (an id, an e-mail, a name, B's daily rate);
- each answer to B's identifiers equals the answer to identifiers that exist nowhere (status,
  problem code and fields): A cannot tell whether something of B exists;
- every stored row that names something of B is, at the end, exactly what it was.
"""

import logging
import os
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar
from litestar.routes import HTTPRoute

from server.domain.roles import Role
from server.services.clock import Clock
from server.services.signature_tokens import create_link
from server.settings import Settings
from server.storage import repositories as repo
from server.storage import tables as t
from sync.protocol import PROTOCOL_VERSION
from tests.factories import Browser, World, token_of
from tests.server.firm_worlds import firm_world
from tests.soft_authenticator import b64url

API = "/api/v1"
A_HOST, B_HOST = "alpha.carnet.test", "beta.carnet.test"
B_RATE = 98_765  # cents: a figure that must never show on A's side
A_RATE = 61_111
# Answers allowed to differ between B's identifiers and made-up ones, with why.
TOLD_ON_PURPOSE = {
    # A sync device id is 122 random bits the phone drew itself, never shown to anyone else:
    # a device id of another person is refused (403) as it is within a firm, and telling that
    # apart from a new id needs the id already. Nothing of B shows or changes (checked below).
    ("POST", "/api/v1/sync"),
}
# CARNET_MATRIX_DUMP=<file>: write every answer's summary there, to see what the matrix reached.
DUMP: list[str] = ["on"] if os.environ.get("CARNET_MATRIX_DUMP") else []
ROLES = ("anonymous", "consultant", "manager", "signer", "admin", "intruder")
SKIPPED = {
    # Would end the actor's own session midway through the matrix (it is still sent by
    # the anonymous actor and the intruder).
    ("POST", "/api/v1/auth/logout"),
}


def _device_keys() -> dict[str, str]:
    """A push subscription's keys that pass the server's checks (a P-256 point, 16 bytes)."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))}


DEVICE_KEYS = _device_keys()


@dataclass
class Firm:
    world: World
    tag: str
    ids: dict[str, str] = field(default_factory=dict)
    signer_token: str = ""
    invitation_token: str = ""
    markers: set[str] = field(default_factory=set)


async def build_firm(app: Litestar, settings: Settings, clock: Clock, tag: str, host: str) -> Firm:
    world = await firm_world(app, settings, clock, name=f"{tag} Conseil", host=host)
    firm = Firm(world=world, tag=tag)
    await world.person("admin", [Role.ADMIN])
    await world.person("manager", [Role.MANAGER])
    await world.person("consultant", [Role.CONSULTANT], manager="manager")
    client = await world.client(f"{tag} Client SA")
    await world.person("signer", [Role.CLIENT_SIGNER], client_id=client.id)
    pending = await world.person("pending", [Role.CONSULTANT], login=False)
    link = await world.accounts.issue_invitation(person=pending.person, created_by=None)
    firm.invitation_token = token_of(link)
    mission = await world.mission(
        "consultant",
        client,
        approvers=[("manager", "manager"), ("client_signer", "signer")],
    )
    await t.Mission.update(
        {t.Mission.daily_rate_cents: B_RATE if tag == "Beta" else A_RATE}
    ).where(t.Mission.id == mission.id)
    consultant = world["consultant"]
    line = f"mission:{mission.id}"
    # Days through the API, so the audit chain and the sync versions are the real ones.
    for day in ("2026-11-02", "2026-11-03", "2026-10-05"):
        answer = await consultant.browser.put(
            f"{API}/people/{consultant.id}/months/{day[:7]}/days/{day}",
            json={"lines": [{"line": line, "half_days": 2}], "comment": f"{tag} day"},
        )
        assert answer.status_code == 200, answer.text
    waiting = await repo.get_timesheet(consultant_id=consultant.id, month="2026-11")
    assert waiting is not None
    await repo.set_timesheet_state(
        timesheet_id=waiting.id, status="in_validation", step=1, waiting_on_id=world["signer"].id
    )
    waiting = await repo.get_timesheet(consultant_id=consultant.id, month="2026-11")
    assert waiting is not None
    firm.signer_token = await create_link(
        timesheet=waiting, signer_id=world["signer"].id, created_by=None, now=clock()
    )
    opened = await world["signer"].browser.post(
        f"{API}/signature-links/open", json={"token": firm.signer_token}
    )
    assert opened.status_code == 200, opened.text
    leave = await consultant.browser.post(
        f"{API}/leave/requests",
        json={
            "id": str(uuid.uuid4()),
            "kind": "CP",
            "first_day": "2026-12-14",
            "last_day": "2026-12-15",
        },
    )
    assert leave.status_code in {200, 201}, leave.text
    endpoint = f"https://fcm.googleapis.com/fcm/send/{tag.lower()}-{secrets.token_hex(8)}"
    await t.PushSubscription.insert(
        t.PushSubscription(
            person=consultant.id, endpoint=endpoint, p256dh="B" + "A" * 86, auth="c2hvcnQ"
        )
    )
    sync_client = str(uuid.uuid4())
    await t.SyncClient.insert(t.SyncClient(id=sync_client, person=consultant.id))
    invoice = str(uuid.uuid4())
    await t.Invoice.insert(
        t.Invoice(
            id=invoice,
            organisation=world.organisation.id,
            client=client.id,
            status="issued",
            group_key=f"{client.id}:2026-10",
            number="FA-2026-0001",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            issued_on=date(2026, 11, 1),
            net_cents=B_RATE if tag == "Beta" else A_RATE,
        )
    )
    sha = secrets.token_hex(32)
    await t.Receipt.insert(
        t.Receipt(
            key=f"{consultant.id}:{sha}",
            organisation=world.organisation.id,
            owner=consultant.id,
            sha256=sha,
            media_type="image/jpeg",
            size=3,
            content=b"abc",
        )
    )
    # Each firm's brand (docs/brand.md): B's name or footer on A's host would be a leak.
    await t.FirmBrand.insert(
        t.FirmBrand(
            organisation=world.organisation.id,
            app_name=f"{tag} Marque",
            short_name=tag,
            primary_color="#0b5d1e" if tag == "Beta" else "#5b2a86",
            email_footer=f"{tag} pied de page",
            version=tag.lower(),
        )
    )
    firm.ids = {
        "organisation": world.organisation.id,
        "person": consultant.id,
        "admin": world["admin"].id,
        "manager": world["manager"].id,
        "signer": world["signer"].id,
        "client": client.id,
        "mission": mission.id,
        "timesheet": waiting.id,
        "invoice": invoice,
        "sync_client": sync_client,
        "endpoint": endpoint,
        "sha256": sha,
        "email": consultant.person.email,
        "leave": (
            await t.LeaveRequest.select(t.LeaveRequest.id)
            .where(t.LeaveRequest.consultant == consultant.id)
            .first()
        )["id"].__str__(),
        "passkey": str(
            (
                await t.Passkey.select(t.Passkey.id)
                .where(t.Passkey.person == consultant.id)
                .first()
            )["id"]
        ),
        "session": str(
            (
                await t.Session.select(t.Session.id)
                .where(t.Session.person == consultant.id)
                .first()
            )["id"]
        ),
    }
    return firm


async def collect_markers(firm: Firm) -> None:
    """Every id of a row that names B (closed over references), B's e-mails, names, tokens."""
    known = set(firm.ids.values())
    tables = [table for table in t.TABLES if table is not t.RateLimitHit]
    for _ in range(3):
        for table in tables:
            for row in await table.select():
                values = {str(v) for v in row.values() if v is not None}
                if values & known and "id" in row:
                    known.add(str(row["id"]))
    people = await t.Person.select(t.Person.email, t.Person.display_name).where(
        t.Person.organisation == firm.ids["organisation"]
    )
    firm.markers = (
        known
        | {p["email"] for p in people}
        | {
            firm.signer_token,
            firm.invitation_token,
            f"{firm.tag} Client SA",
            f"{firm.tag} Conseil",
            f"{firm.tag} Marque",
            f"{firm.tag} pied de page",
        }
        | {str(B_RATE), f"{B_RATE / 100:.2f}", f"{B_RATE // 100} {B_RATE % 100}"}
    )


async def rows_naming(firm: Firm) -> dict[str, list[str]]:
    """Every stored row that names something of the firm, as text (volatile columns out)."""
    volatile = {"last_seen_at", "updated_at"}
    found: dict[str, list[str]] = {}
    ids = {m for m in firm.markers if re.fullmatch(r"[0-9a-f-]{36}", m)}
    for table in t.TABLES:
        if table in {t.RateLimitHit, t.Ceremony}:
            continue
        for row in await table.select():
            text = {k: v for k, v in row.items() if k not in volatile}
            if {str(v) for v in text.values() if v is not None} & ids:
                found.setdefault(table._meta.tablename, []).append(repr(sorted(text.items())))
    return {name: sorted(rows) for name, rows in found.items()}


@pytest.fixture
async def firms(
    app: Litestar, settings: Settings, clock: Clock, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[tuple[Firm, Firm]]:
    caplog.set_level(logging.WARNING, logger="httpx")
    a = await build_firm(app, settings, clock, "Alpha", A_HOST)
    b = await build_firm(app, settings, clock, "Beta", B_HOST)
    await collect_markers(b)
    yield a, b
    await a.world.close()
    await b.world.close()


# -- what to send ----------------------------------------------------------------------------


def path_value(name: str, ids: dict[str, str], tokens: dict[str, str]) -> str:
    return {
        "person_id": ids["person"],
        "passkey_id": ids["passkey"],
        "session_id": ids["session"],
        "client_id": ids["client"],
        "mission_id": ids["mission"],
        "invoice_id": ids["invoice"],
        "evidence_id": ids["timesheet"],
        "expense_id": ids["invoice"],
        "line_id": ids["leave"],
        "request_id": ids["leave"],
        "sha256": ids["sha256"],
        "token": tokens["invitation"],
        "month": "2026-11",
        "day": "2026-11-02",
        "figure": "tace",
        "kind": "people",
        "position": "0",
    }.get(name, "x")


def field_value(name: str, ids: dict[str, str], tokens: dict[str, str], path: str) -> str | None:
    """The B identifier a body field would carry, by the field's name."""
    name = name.lower()
    if name == "token":
        return tokens["signer"]
    if name == "client_id" and path.endswith("/sync"):
        return ids["sync_client"]
    if name == "endpoint":
        return ids["endpoint"]
    if name in DEVICE_KEYS:
        return DEVICE_KEYS[name]
    if "email" in name:
        return ids["email"]
    for key, kind in (
        ("consultant", "person"),
        ("manager", "manager"),
        ("approver", "manager"),
        ("signer", "signer"),
        ("person", "person"),
        ("client", "client"),
        ("mission", "mission"),
        ("invoice", "invoice"),
        ("credits", "invoice"),
        ("passkey", "passkey"),
        ("evidence", "timesheet"),
        ("timesheet", "timesheet"),
        ("request", "leave"),
        ("sha256", "sha256"),
        ("receipt", "sha256"),
    ):
        if key in name:
            return ids[kind]
    return None


def example(
    schema: dict[str, Any],
    name: str,
    document: dict[str, Any],
    ids: dict[str, str],
    tokens: dict[str, str],
    path: str,
    depth: int = 0,
) -> Any:
    """A plausible instance of `schema` carrying `ids` wherever a field names one."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for combined in ("oneOf", "anyOf", "allOf"):
        if combined in schema:
            options = [s for s in schema[combined] if s.get("type") != "null"]
            if options:
                return example(options[0], name, document, ids, tokens, path, depth + 1)
    kind = schema.get("type")
    if depth > 6:
        return None
    if kind == "object" or "properties" in schema:
        return {
            key: example(sub, key, document, ids, tokens, path, depth + 1)
            for key, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example(schema.get("items", {}), name, document, ids, tokens, path, depth + 1)]
    if kind == "integer":
        return (
            max(int(schema.get("minimum", 1)), 1)
            if "maximum" not in schema
            else int(schema.get("minimum", 0))
        )
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if "enum" in schema:
        return schema["enum"][0]
    named = field_value(name, ids, tokens, path)
    if named is not None:
        return named
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date":
        return "2026-11-02"
    if schema.get("format") == "date-time":
        return "2026-11-02T10:00:00Z"
    if "month" in name.lower():
        return "2026-11"
    return "x"


def sync_body(ids: dict[str, str]) -> dict[str, Any]:
    day = {
        "date": "2026-11-09",
        "epoch": 0,
        "lines": [{"line": f"mission:{ids['mission']}", "half_days": 2}],
        "hlc": "0000000000001:0000:x",
        "base_v": 0,
    }
    return {
        "protocol": PROTOCOL_VERSION,
        "client_id": ids["sync_client"],
        "mutations": [{"id": 1, "name": "set_day", "args": day}],
    }


def nowhere(ids: dict[str, str]) -> dict[str, str]:
    """The same kinds of identifiers, existing nowhere."""
    fresh = {key: str(uuid.uuid4()) for key in ids}
    fresh["sha256"] = secrets.token_hex(32)
    fresh["email"] = f"nobody-{secrets.token_hex(4)}@example.test"
    fresh["endpoint"] = f"https://fcm.googleapis.com/fcm/send/none-{secrets.token_hex(8)}"
    return fresh


def operations(app: Litestar) -> list[tuple[str, str, str]]:
    """(method, route path, OpenAPI path) of every API operation, from the route table."""
    found = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith(API):
            for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
                if (method, route.path) not in SKIPPED:
                    openapi = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                    found.append((method, route.path, openapi))
    return found


def summary(response: httpx.Response) -> tuple[int, str | None, tuple[str, ...]]:
    """What an answer tells: status, problem code and the fields it names."""
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        problem = response.json()
        fields = tuple(sorted(e.get("field", "") for e in problem.get("errors", [])))
        return response.status_code, problem.get("code"), fields
    return response.status_code, None, ()


async def send(
    browser: Browser,
    method: str,
    route: str,
    operation: dict[str, Any],
    document: dict[str, Any],
    ids: dict[str, str],
    tokens: dict[str, str],
) -> httpx.Response:
    url = re.sub(r"\{(\w+):\w+\}", lambda m: path_value(m.group(1), ids, tokens), route)
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(content["application/json"]["schema"], "", document, ids, tokens, route)
    if route.endswith("/sync"):  # a real push and pull on the named device's cursor
        body = sync_body(ids)
    if route.endswith("/push/subscriptions") and method == "POST":
        body = {"endpoint": ids["endpoint"], "keys": DEVICE_KEYS}
    query = {
        p["name"]: example(p.get("schema", {}), p["name"], document, ids, tokens, route)
        for p in operation.get("parameters", [])
        if p.get("in") == "query"
    }
    if method == "GET":
        return await browser.get(url, params=query)
    if not content:
        return await browser.send(method, url, None, params=query)
    if "application/json" not in content and content:
        return await browser.send(
            method, url, None, params=query, content=b"abc", headers={"content-type": "image/jpeg"}
        )
    return await browser.send(method, url, body if body is not None else {}, params=query)


async def test_nothing_of_one_firm_is_readable_writable_countable_or_guessable_from_another(
    app: Litestar, firms: tuple[Firm, Firm]
) -> None:
    """Make sure every endpoint × every role of firm A learns and changes nothing of firm B."""
    a, b = firms
    before = await rows_naming(b)
    assert before["invoice"] and before["push_subscription"] and before["audit_entry"]
    document = (await a.world["admin"].browser.get("/schema/openapi.json")).json()
    intruder = a.world.browser()
    for cookie in b.world["admin"].browser.http.cookies.jar:
        intruder.http.cookies.set(cookie.name, cookie.value or "", domain=A_HOST)
    browsers = {
        "anonymous": a.world.browser(),
        "intruder": intruder,
        **{role: a.world[role].browser for role in ("consultant", "manager", "signer", "admin")},
    }
    b_tokens = {"signer": b.signer_token, "invitation": b.invitation_token}
    leaks: list[str] = []
    tells: list[str] = []
    count = 0
    for method, route, openapi in operations(app):
        operation = document["paths"].get(openapi, {}).get(method.lower(), {})
        for role in ROLES:
            elsewhere = nowhere(b.ids)
            fake_tokens = {
                "signer": secrets.token_urlsafe(32),
                "invitation": secrets.token_urlsafe(32),
            }
            browser = browsers[role]
            blind = await send(browser, method, route, operation, document, elsewhere, fake_tokens)
            aimed = await send(browser, method, route, operation, document, b.ids, b_tokens)
            count += 2
            if DUMP:
                DUMP.append(f"{role:<10} {method} {route} {summary(aimed)} {summary(blind)}")
            text = (
                aimed.text
                if not aimed.headers.get("content-type", "").startswith(
                    ("application/pdf", "image/")
                )
                else aimed.content.decode("latin-1")
            )
            asked = unquote(str(aimed.request.url)) + aimed.request.content.decode("latin-1")
            # An id the request itself carried may be named back ("no such manager <id>").
            shown = sorted(m for m in b.markers if m and m in text and m not in asked)
            if shown:
                leaks.append(f"{role:<10} {method} {route}: {aimed.status_code} shows {shown[:3]}")
            if summary(aimed) != summary(blind) and (method, route) not in TOLD_ON_PURPOSE:
                tells.append(
                    f"{role:<10} {method} {route}: B's ids {summary(aimed)} "
                    f"vs none {summary(blind)}"
                )
    after = await rows_naming(b)
    changed = sorted(
        name for name in set(before) | set(after) if before.get(name) != after.get(name)
    )
    if DUMP:
        await anyio.Path(os.environ["CARNET_MATRIX_DUMP"]).write_text("\n".join(DUMP[1:]) + "\n")
    assert count > 1000
    changes = {name: (before.get(name), after.get(name)) for name in changed}
    assert (leaks, tells, changes) == ([], [], {}), "\n".join([*leaks, *tells, str(changes)])


async def grow(firm: Firm) -> None:
    """More of everything in a firm: people, a client, a mission, a month, an invoice."""
    world = firm.world
    await world.person("second_manager", [Role.MANAGER], login=False)
    await world.person("second", [Role.CONSULTANT], manager="second_manager", login=False)
    client = await world.client(f"{firm.tag} Second Client SA")
    mission = await world.mission("second", client)
    sheet = await repo.create_timesheet(consultant_id=world["second"].id, month="2026-11")
    await repo.write_day(
        timesheet_id=sheet.id,
        day=date(2026, 11, 4),
        lines=[(f"mission:{mission.id}", 2)],
        comment="",
        author_id=world["second"].id,
        now=world.accounts.clock(),
    )
    await repo.set_timesheet_state(timesheet_id=sheet.id, status="signed")
    await t.Invoice.insert(
        t.Invoice(
            organisation=world.organisation.id,
            client=client.id,
            status="issued",
            group_key=f"{client.id}:2026-11",
            number="FA-2026-0002",
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
            issued_on=date(2026, 12, 1),
            net_cents=B_RATE,
        )
    )
    await t.FirmBrand.update(
        {t.FirmBrand.app_name: f"{firm.tag} Nouvelle Marque", t.FirmBrand.version: "grown"}
    ).where(t.FirmBrand.organisation == world.organisation.id)


async def test_what_one_firm_reads_does_not_move_when_another_firm_grows(
    app: Litestar, firms: tuple[Firm, Firm]
) -> None:
    """Make sure nothing of firm B is countable from firm A: every read of every role of A
    answers the same, byte for byte, before and after B gains people, a client, a mission, a
    signed month and an invoice (lists, totals, figures, exports, numbering)."""
    a, b = firms
    document = (await a.world["admin"].browser.get("/schema/openapi.json")).json()
    browsers = {
        "anonymous": a.world.browser(),
        **{role: a.world[role].browser for role in ("consultant", "manager", "signer", "admin")},
    }
    made_up = nowhere(b.ids)
    tokens = {"signer": secrets.token_urlsafe(32), "invitation": secrets.token_urlsafe(32)}
    reads = [(m, r, o) for m, r, o in operations(app) if m == "GET"]

    async def read_all() -> dict[str, tuple[int, bytes]]:
        answers = {}
        for method, route, openapi in reads:
            operation = document["paths"].get(openapi, {}).get("get", {})
            for role, browser in browsers.items():
                answer = await send(browser, method, route, operation, document, made_up, tokens)
                answers[f"{role} {route}"] = (answer.status_code, answer.content)
        return answers

    first = await read_all()
    await grow(b)
    second = await read_all()
    moved = sorted(key for key in first if first[key] != second[key])
    assert len(first) > 250
    assert moved == []
