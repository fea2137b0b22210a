"""Webhooks (issue 17, docs/webhooks.md): a real HTTP receiver in a thread gets the firm's
events through the outbox worker and verifies each signature as docs/webhooks.md tells; a
failing receiver gets retries with the outbox's backoff, each attempt in the delivery log; a
private or loopback address is refused when subscribing and again when delivering."""

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from server.domain import integrations as rules
from server.domain.errors import InvalidInput
from server.domain.roles import Actor, Role
from server.services import webhooks
from server.services.notifications import OutboxWorker
from server.settings import Settings
from server.storage import audit_store
from server.storage import tables as t
from tests.conftest import FakeClock
from tests.factories import World
from tests.invoicing.helpers import demo
from tests.invoicing.test_invoicing_api import _login
from tests.server.test_circuit import Team, make_team
from tests.server.test_imports import PEOPLE_FIXED, csv_bytes, send

API = "/api/v1"


@dataclass
class Receiver:
    """An HTTP endpoint that checks `Carnet-Signature` the way a firm's integration would."""

    now: Callable[[], int]
    secret: str = ""
    answers: list[int] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def verify(self, header: str, body: bytes) -> bool:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        if abs(self.now() - timestamp) > 300:
            return False
        signed = f"{timestamp}.".encode() + body
        expected = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The receiver listens on 127.0.0.1: the operator allows private targets here."""
    return settings.model_copy(update={"webhooks_allow_private_targets": True})


@pytest.fixture
def receiver(clock: FakeClock) -> Iterator[Receiver]:
    state = Receiver(now=lambda: int(clock().timestamp()))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.answers.pop(0) if state.answers else 200
            state.received.append(
                {
                    "event": self.headers["Carnet-Event"],
                    "delivery": self.headers["Carnet-Delivery"],
                    "verified": state.verify(self.headers["Carnet-Signature"], body),
                    "body": json.loads(body),
                    "status": status,
                }
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/carnet"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
async def team(world: World) -> Team:
    return await make_team(world, [("manager", "marc")])


async def subscribe(team: Team, receiver: Receiver, events: list[str]) -> str:
    response = await team.ada.browser.post(
        f"{API}/integrations/webhooks", json={"url": receiver.url, "events": events}
    )
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    assert receiver.secret.startswith("whsec_")
    return str(response.json()["webhook"]["id"])


async def deliver(settings: Settings, clock: FakeClock) -> None:
    worker = OutboxWorker(settings=settings, clock=clock)
    try:
        await worker.drain()
    finally:
        await worker.close()


async def test_month_events_reach_a_receiver_that_verifies_their_signature(
    team: Team, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure a submission, a send-back, a new submission and the approval each reach the
    receiver once, signed with the subscription's secret and a fresh timestamp, in the order
    they happened; that an invitation does too; that the delivery log shows each with its
    status; and that the subscription's creation is in the firm's audit chain."""
    hook = await subscribe(
        team,
        receiver,
        ["month.submitted", "month.sent_back", "month.approved", "person.invited"],
    )
    await team.fill()
    await team.act(team.alice, "submit")
    await team.act(team.marc, "send-back", comment="Le 16 ?")
    await team.act(team.alice, "submit")
    await team.act(team.marc, "approve")
    invited = await team.ada.browser.post(
        f"{API}/people",
        json={"email": "zoe@example.test", "display_name": "Zoé", "roles": ["consultant"]},
    )
    assert invited.status_code == 201
    await deliver(settings, clock)
    # Deliveries run concurrently: receivers order events by `created_at`, not by arrival.
    assert sorted((r["event"], r["verified"]) for r in receiver.received) == [
        ("month.approved", True),
        ("month.sent_back", True),
        ("month.submitted", True),
        ("month.submitted", True),
        ("person.invited", True),
    ]
    by_event = {r["event"]: r for r in receiver.received}
    sent_back = by_event["month.sent_back"]["body"]
    assert sent_back["type"] == "month.sent_back"
    assert sent_back["id"] == by_event["month.sent_back"]["delivery"]
    assert sent_back["organisation_id"] == team.world.organisation.id
    assert sent_back["data"]["comment"] == "Le 16 ?"
    assert sent_back["data"]["consultant_id"] == team.alice.id
    assert sent_back["data"]["month"] == "2026-11"
    assert len({r["delivery"] for r in receiver.received}) == 5
    invitation = by_event["person.invited"]["body"]["data"]
    assert invitation["email"] == "zoe@example.test"
    assert "#invite=" not in json.dumps(invitation)  # never the link, a credential
    log = (await team.ada.browser.get(f"{API}/integrations/webhooks/{hook}/deliveries")).json()
    assert sorted((d["event"], d["status"], d["outcome"], d["attempt"]) for d in log) == sorted(
        [
            ("month.submitted", 200, "sent", 1),
            ("month.sent_back", 200, "sent", 1),
            ("month.submitted", 200, "sent", 1),
            ("month.approved", 200, "sent", 1),
            ("person.invited", 200, "sent", 1),
        ]
    )
    assert all(d["duration_ms"] >= 0 for d in log)
    # The log is kept as long as the outbox keeps its rows (90 days), then forgotten.
    assert await webhooks.purge_log(before=clock()) == 0
    clock.advance(days=91)
    assert await webhooks.purge_log(before=clock() - timedelta(days=90)) == 5
    clock.advance(days=-91)
    chain = await audit_store.chain(team.world.organisation.id)
    assert ("webhook.created", f"webhook:{hook}") in [(e.event, e.subject) for e in chain]
    # Nothing twice: the worker again finds nothing to send.
    await deliver(settings, clock)
    assert len(receiver.received) == 5


async def test_a_failing_receiver_gets_retries_with_backoff_in_the_log(
    team: Team, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure a receiver answering 503 twice gets the test event again after 30 s, then
    60 s, each attempt a line of the log (status, when the retry is due) and one POST each."""
    hook = await subscribe(team, receiver, ["month.submitted"])
    receiver.answers = [503, 503, 200]
    sent = await team.ada.browser.post(f"{API}/integrations/webhooks/{hook}/test")
    assert sent.status_code == 202, sent.text
    event_id = sent.json()["event_id"]
    await deliver(settings, clock)
    assert [r["status"] for r in receiver.received] == [503]
    clock.advance(seconds=29)
    await deliver(settings, clock)
    assert len(receiver.received) == 1
    clock.advance(seconds=1)
    await deliver(settings, clock)
    clock.advance(seconds=60)
    await deliver(settings, clock)
    assert [(r["event"], r["status"], r["verified"]) for r in receiver.received] == [
        ("ping", 503, True),
        ("ping", 503, True),
        ("ping", 200, True),
    ]
    assert {r["delivery"] for r in receiver.received} == {event_id}
    log = (await team.ada.browser.get(f"{API}/integrations/webhooks/{hook}/deliveries")).json()
    log.sort(key=lambda d: d["attempt"])
    assert [(d["attempt"], d["status"], d["outcome"]) for d in log] == [
        (1, 503, "retry"),
        (2, 503, "retry"),
        (3, 200, "sent"),
    ]
    waits = [
        (datetime.fromisoformat(d["next_at"]) - datetime.fromisoformat(d["at"])).total_seconds()
        for d in log[:2]
    ]
    assert waits == [30.0, 60.0]
    assert log[2]["next_at"] is None


async def test_private_addresses_are_refused_when_subscribing_and_when_delivering(
    team: Team, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure that, unless the operator allows it, a loopback, private, link-local (cloud
    metadata) or IPv4-mapped address is refused with a 422 naming the url, a host name that
    resolves to loopback too; and that a subscription made while allowed is refused again at
    delivery (the connection's own resolution is checked), logged, and never posted."""
    closed = settings.model_copy(update={"webhooks_allow_private_targets": False})
    admin = Actor(
        person_id=team.ada.id,
        organisation_id=team.world.organisation.id,
        roles=frozenset({Role.ADMIN}),
    )
    for url in (
        "http://127.0.0.1:9/x",
        "https://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::ffff:127.0.0.1]/x",
        "http://[::1]/x",
        "http://localhost:8080/x",
    ):
        with pytest.raises(InvalidInput) as refused:
            await webhooks.create(
                admin, url=url, events=["month.submitted"], settings=closed, now=clock()
            )
        assert [(e.field, e.code) for e in refused.value.errors] == [("url", "private_address")], (
            url
        )
    bad = await team.ada.browser.post(
        f"{API}/integrations/webhooks",
        json={"url": "ftp://example.test/", "events": ["month.submitted"]},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "url"
    assert await t.WebhookSubscription.count() == 0

    hook = await subscribe(team, receiver, ["month.submitted"])
    by_name = await subscribe(
        team,
        Receiver(now=receiver.now, url=receiver.url.replace("127.0.0.1", "localhost")),
        ["month.submitted"],
    )
    await team.fill()
    await team.act(team.alice, "submit")
    await deliver(closed, clock)
    assert receiver.received == []
    for subscription in (hook, by_name):
        log = (
            await team.ada.browser.get(f"{API}/integrations/webhooks/{subscription}/deliveries")
        ).json()
        assert [(d["outcome"], d["status"]) for d in log] == [("dropped", None)]
        assert "loopback" in log[0]["error"]


async def test_a_disabled_webhook_gets_nothing_more(
    team: Team, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure disabling a subscription drops what was queued for it and queues nothing
    new, and that a test event is refused for it."""
    hook = await subscribe(team, receiver, ["month.submitted"])
    await team.fill()
    await team.act(team.alice, "submit")
    off = await team.ada.browser.post(f"{API}/integrations/webhooks/{hook}/disable")
    assert off.status_code == 200 and off.json()["active"] is False
    await deliver(settings, clock)
    assert receiver.received == []
    refused = await team.ada.browser.post(f"{API}/integrations/webhooks/{hook}/test")
    assert refused.status_code == 422
    listed = (await team.ada.browser.get(f"{API}/integrations/webhooks")).json()
    assert [(w["id"], w["active"]) for w in listed] == [(hook, False)]
    assert "secret" not in listed[0]


def test_the_documented_verification_snippet_accepts_carnets_signature_only() -> None:
    """Make sure the Python snippet of docs/webhooks.md, run as written, accepts a signature the
    server makes now, and refuses another secret, a changed body and a timestamp outside the
    five-minute replay window."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    snippet = re.search(r"```python\n(.*?)```", text, re.S)
    assert snippet is not None
    scope: dict[str, Any] = {}
    exec(snippet.group(1), scope)  # the documentation's own code
    verify = scope["verify"]
    body = b'{"id":"1","type":"ping"}'
    now = int(time.time())
    header = rules.sign(secret="whsec_a", timestamp=now, body=body)
    assert verify("whsec_a", header, body)
    assert not verify("whsec_b", header, body)
    assert not verify("whsec_a", header, body + b" ")
    old = rules.sign(secret="whsec_a", timestamp=now - 301, body=body)
    assert not verify("whsec_a", old, body)
    assert rules.verify(secret="whsec_a", header=header, body=body, now=now)


async def test_an_invoice_issued_then_paid_reaches_the_receiver(
    world: World, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure issuing a pre-invoice and recording the payment that settles it each tell the
    subscribed receiver once, signed, with the invoice's number and amounts."""
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    made = await admin.post(
        f"{API}/integrations/webhooks",
        json={"url": receiver.url, "events": ["invoice.issued", "invoice.paid"]},
    )
    assert made.status_code == 201, made.text
    receiver.secret = made.json()["secret"]
    drafts = {i["period_start"][:7]: i for i in (await admin.get(f"{API}/invoices")).json()}
    issued = (await admin.post(f"{API}/invoices/{drafts['2026-09']['id']}/issue")).json()
    paid = await admin.post(
        f"{API}/invoices/{issued['id']}/payments",
        json={"paid_on": issued["issued_on"], "amount_cents": issued["gross_cents"]},
    )
    assert paid.status_code == 201 and paid.json()["status"] == "paid"
    await deliver(settings, clock)
    got = sorted(
        (r["event"], r["verified"], r["body"]["data"]["number"], r["body"]["data"]["gross_cents"])
        for r in receiver.received
    )
    assert got == [
        ("invoice.issued", True, issued["number"], issued["gross_cents"]),
        ("invoice.paid", True, issued["number"], issued["gross_cents"]),
    ]


async def test_people_imported_from_a_spreadsheet_are_announced_once_each(
    team: Team, receiver: Receiver, settings: Settings, clock: FakeClock
) -> None:
    """Make sure a people import tells the receiver of each new person once (a dry run of
    nothing), with their e-mail and never their invitation link."""
    await subscribe(team, receiver, ["person.invited"])
    content = csv_bytes(PEOPLE_FIXED)
    assert (await send(team.ada, "people", content, dry_run=True)).status_code == 200
    await deliver(settings, clock)
    assert receiver.received == []
    assert (await send(team.ada, "people", content, dry_run=False)).status_code == 200
    await deliver(settings, clock)
    emails = sorted(r["body"]["data"]["email"] for r in receiver.received)
    assert emails == sorted(line.split(";")[0] for line in PEOPLE_FIXED[1:] if line)
    assert all(r["verified"] for r in receiver.received)
    assert "#invite=" not in json.dumps([r["body"] for r in receiver.received])
