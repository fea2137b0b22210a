"""The whole validation circuit in Chromium, against a real server and a real SMTP peer.

A consultant prefills and submits the month in the PWA; their manager, told by email, approves
it in one tap;
the server's in-process outbox worker emails the client signer their link over SMTP (aiosmtpd,
started here); the signer opens the link read from the mail on their own device, creates a
passkey and signs; the consultant's month screen shows "Signé"; the evidence file downloaded
from the portal passes `carnet verify-signature`, a copy with one day changed does not; a
second device given the link of the signed month is told it is signed. Marked `storage` too:
the PostgreSQL pass of scripts/test runs it against a PostgreSQL server
(CARNET_TEST_DB=postgres).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    ORGANISATION,
    REPO,
    DemoServer,
    Device,
    Inbox,
    VirtualAuthenticator,
    _create_admin,
    _run_cli,
    _send_any_day,
    _server_env,
    _serving,
    confirm_email,
    mail_env,
)
from tests.browser.test_circuit_flow import START, approve, open_review, submit_month
from tests.independent_verifier import verify as independent_verify
from tests.tsa import LocalAuthority, serve_tsa

pytestmark = [pytest.mark.browser, pytest.mark.storage]

CARNET = Path(sys.executable).parent / "carnet"


@pytest.fixture
def tsa() -> Iterator[tuple[str, LocalAuthority]]:
    with serve_tsa() as served:
        yield served


@pytest.fixture
def mailing_server(
    chromium_path: Path, tmp_path: Path, inbox: Inbox, tsa: tuple[str, LocalAuthority]
) -> Iterator[DemoServer]:
    """A demo-mode server whose in-process worker polls the outbox often and mails to `inbox`,
    timestamping with a local RFC 3161 authority."""
    env = _server_env(tmp_path, CARNET_DEMO_MODE="1", CARNET_TSA_URL=tsa[0], **mail_env(inbox))
    _run_cli(env, "migrate")
    _create_admin(env, email=ADMIN_EMAIL, name=ADMIN_NAME, organisation=ORGANISATION)
    _send_any_day(env, email=ADMIN_EMAIL)
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

    # The manager opens the month and approves it: it moves on to the client signer.
    laptop = devices(1280, 800)
    manager = laptop.page
    manager.goto(f"{server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    open_review(manager, who)
    approve(manager)
    expect(manager.get_by_test_id("review-decision-status")).to_contain_text("approuvé")
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
    # First use: the signer proves they read the address the firm declared (a code by mail).
    expect(portal.get_by_test_id("register")).to_have_count(0)
    confirm_email(portal, inbox, signer_email)
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
    assert f"signer named in it: Jeanne Client <{signer_email}>" in verified.stdout
    # The evidence carries the key's registration (with the mailed code's proof) and an
    # RFC 3161 timestamp; the independent verifier agrees.
    statement = json.loads(evidence["registration"]["statement"])
    assert statement["email_code"]["sent_to"] == signer_email
    assert evidence["registration"]["timestamp"] and evidence["timestamp"]
    assert "ok   registration_timestamp:" in verified.stdout
    assert "Trusted time: RFC 3161 timestamp by O=Carnet tests,CN=Carnet test TSA" in (
        verified.stdout
    )
    assert independent_verify(evidence) is None

    # The sealed PDF: its seal and its attached evidence verify; one byte changed does not.
    pdf_href = portal.get_by_test_id("pdf").get_attribute("href")
    assert pdf_href is not None
    pdf = bytes(
        portal.evaluate(
            "async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer()))",
            pdf_href,
        )
    )
    sealed = tmp_path / "cra.pdf"
    sealed.write_bytes(pdf)
    checked = verify_signature(sealed)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok   pdf_seal: sealed by" in checked.stdout and "timestamped" in checked.stdout
    broken = bytearray(pdf)
    broken[pdf.index(b"/MediaBox") + 1] = ord("X")
    sealed.write_bytes(bytes(broken))
    assert "FAIL pdf_seal:" in verify_signature(sealed).stdout

    document = json.loads(evidence["document"])
    document["days"][0]["half_days"] = 3 - document["days"][0]["half_days"]
    evidence["document"] = json.dumps(document, separators=(",", ":"), sort_keys=True)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(evidence), encoding="utf-8")
    refused = verify_signature(tampered)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "check document_hash failed" in refused.stdout, refused.stdout
    assert independent_verify(evidence) == "document_hash"

    # A second device given the same link: the month it was for is signed, the link is done.
    other, other_key = signer_device(devices)
    other.page.goto(link)
    expect(other.page.get_by_test_id("link-refused")).to_have_text(
        "Ce compte rendu a déjà été signé avec ce lien. Il n'y a plus rien à faire."
    )
    expect(other.page.get_by_test_id("register")).to_have_count(0)
    expect(other.page.get_by_test_id("sign")).to_have_count(0)
    assert other_key.credentials() == []

    assert phone.errors == laptop.errors == signer.errors == other.errors == []
