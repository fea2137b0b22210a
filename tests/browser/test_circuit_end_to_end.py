"""The whole validation circuit in Chromium, against a real server and a real SMTP peer.

A consultant prefills and submits the month in the PWA; their manager, told by email, approves
it in one tap;
the server's in-process outbox worker emails the client signer their link over SMTP (aiosmtpd,
started here); the signer opens the link read from the mail on their own device, creates a
passkey and signs; the consultant's month screen shows "Signé"; the evidence file downloaded
from the portal passes `carnet verify-signature`, a copy with one day changed does not; a
second device given the spent link is refused. Marked `storage` too: the PostgreSQL pass of
scripts/test runs it against a PostgreSQL server (CARNET_TEST_DB=postgres).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    ORGANISATION,
    REPO,
    DemoServer,
    Device,
    VirtualAuthenticator,
    _create_admin,
    _free_port,
    _run_cli,
    _server_env,
    _serving,
)
from tests.browser.test_circuit_flow import START, submit_month
from tests.server.notification_peers import Mailbox

pytestmark = [pytest.mark.browser, pytest.mark.storage]

MAIL_TIMEOUT_S = 15.0
CARNET = Path(sys.executable).parent / "carnet"


@dataclass
class Inbox(Mailbox):
    """A mailbox that says when a message arrives (aiosmtpd runs in its own thread)."""

    arrived: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        return answer

    def wait_for(self, to: str, timeout: float = MAIL_TIMEOUT_S) -> Message:
        """The first message addressed to `to`, waiting for it if needed."""
        deadline = time.monotonic() + timeout
        while True:
            self.arrived.clear()
            for message in list(self.messages):
                if to in str(message["To"]):
                    return message
            left = deadline - time.monotonic()
            if left <= 0 or not self.arrived.wait(left):
                got = [str(m["To"]) for m in self.messages]
                pytest.fail(f"no mail to {to} within {timeout:.0f} s; got mail to {got}")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    mailbox = Inbox(port=_free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def mailing_server(chromium_path: Path, tmp_path: Path, inbox: Inbox) -> Iterator[DemoServer]:
    """A demo-mode server whose in-process worker polls the outbox often and mails to `inbox`."""
    env = _server_env(
        tmp_path,
        CARNET_DEMO_MODE="1",
        CARNET_SMTP_HOST="127.0.0.1",
        CARNET_SMTP_PORT=str(inbox.port),
        CARNET_SMTP_TLS="none",
        CARNET_MAIL_FROM="Carnet <carnet@example.test>",
        CARNET_NOTIFICATIONS_IN_PROCESS="1",
        CARNET_NOTIFICATION_POLL_SECONDS="0.2",
    )
    _run_cli(env, "migrate")
    _create_admin(env, email=ADMIN_EMAIL, name=ADMIN_NAME, organisation=ORGANISATION)
    with _serving(env, tmp_path):
        yield DemoServer(origin=env["CARNET_ORIGIN"], env=env, workdir=tmp_path)


def verify_signature(path: Path) -> subprocess.CompletedProcess[str]:
    """`carnet verify-signature FILE`, offline, as an auditor would run it."""
    return subprocess.run(
        [str(CARNET), "verify-signature", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def signer_device(devices: Any) -> tuple[Device, VirtualAuthenticator]:
    device: Device = devices()
    return device, VirtualAuthenticator(device.context.new_cdp_session(device.page))


def test_a_month_goes_from_the_consultant_through_the_manager_to_the_client_signature(
    mailing_server: DemoServer, inbox: Inbox, devices: Any, tmp_path: Path
) -> None:
    """Make sure the circuit [manager, client signer] runs end to end with real peers, and
    the signature it ends with verifies offline and is bound to the days signed."""
    server = mailing_server
    signer_email = f"jeanne.client.{uuid.uuid4().hex[:6]}@client.example"
    who = server.consultant(
        "Noémie Bout", start=START, signer_email=signer_email, signer_name="Jeanne Client"
    )

    # The consultant prefills and submits; the month waits on the manager.
    phone = devices()
    month_screen = submit_month(phone, server, who)
    expect(month_screen.get_by_test_id("waiting-on")).to_have_text(
        f"En attente de Manager {who.name}"
    )

    # The manager is told by email (no push subscription on their devices).
    assert who.name in str(inbox.texts(inbox.wait_for(who.manager_email))[0])

    # The manager approves in one tap: the month moves on to the client signer.
    laptop = devices(1280, 800)
    manager = laptop.page
    manager.goto(f"{server.origin}/#demo={who.manager_email}")
    item = manager.get_by_test_id("approval-item")
    expect(item).to_have_count(1)
    item.get_by_test_id("approve").click()
    expect(manager.get_by_test_id("approvals-status")).to_contain_text("approuvé")
    month_screen.reload()
    expect(month_screen.get_by_test_id("month-status")).to_have_text("Statut : En validation")
    expect(month_screen.get_by_test_id("waiting-on")).to_have_text(
        "En attente de la signature de Jeanne Client"
    )

    # The server mails the signer their link; it is read from the text part of the mail.
    mail = inbox.wait_for(signer_email)
    plain, _ = inbox.texts(mail)
    found = re.search(r"(https?://\S+/sign/#t=[A-Za-z0-9_-]+)", plain)
    assert found is not None, plain
    link = found.group(1)
    assert link.startswith(f"{server.origin}/sign/#t="), link
    assert "Noémie Bout" in str(mail["Subject"]), mail["Subject"]

    # The signer, on their own device, creates a passkey and signs.
    signer, signer_key = signer_device(devices)
    portal = signer.page
    portal.goto(link)
    expect(portal.get_by_test_id("consultant")).to_have_text(who.name)
    portal.get_by_test_id("register").click()
    expect(portal.get_by_test_id("statement")).to_contain_text("En signant")
    assert len(signer_key.credentials()) == 1
    portal.get_by_test_id("sign").click()
    expect(portal.get_by_test_id("signed")).to_contain_text("Compte rendu signé le")

    month_screen.reload()
    expect(month_screen.get_by_test_id("month-status")).to_have_text("Statut : Signé")

    # The evidence file verifies offline; the same file with one day changed does not.
    href = portal.get_by_test_id("evidence").get_attribute("href")
    assert href is not None
    status, body = portal.evaluate(
        "async (url) => { const r = await fetch(url); return [r.status, await r.text()]; }", href
    )
    assert status == 200, body
    evidence = json.loads(body)
    assert evidence["signer"]["email"] == signer_email
    assert evidence["origin"] == server.origin
    signed = tmp_path / "evidence.json"
    signed.write_text(body, encoding="utf-8")
    verified = verify_signature(signed)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "signature verified: Jeanne Client" in verified.stdout

    document = json.loads(evidence["document"])
    document["days"][0]["half_days"] = 3 - document["days"][0]["half_days"]
    evidence["document"] = json.dumps(document, separators=(",", ":"), sort_keys=True)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(evidence), encoding="utf-8")
    refused = verify_signature(tampered)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "check document_hash failed" in refused.stdout, refused.stdout

    # A second signer's device given the same link: it was spent when the signer opened it.
    other, other_key = signer_device(devices)
    other.page.goto(link)
    expect(other.page.get_by_test_id("error")).to_have_text(
        "Ce lien de signature a expiré ou a déjà été utilisé. Demandez-en un nouveau."
    )
    expect(other.page.get_by_test_id("register")).to_have_count(0)
    expect(other.page.get_by_test_id("sign")).to_have_count(0)
    assert other_key.credentials() == []

    assert phone.errors == laptop.errors == signer.errors == other.errors == []
