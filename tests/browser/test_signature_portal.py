"""The client signer's portal end to end: link → month → passkey → signature → evidence.

Real server, real Chromium, a CDP virtual authenticator per device. The month waiting on the
signer is seeded through the services (tests/browser/seed_signing.py); the whole circuit, from
the consultant's submission, is tests/browser/test_circuit_end_to_end.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from server.verify_evidence import verify
from tests.browser.conftest import (
    ACTION_TIMEOUT_MS,
    REPO,
    SCREENSHOTS,
    BrowserPage,
    Inbox,
    LiveServer,
    VirtualAuthenticator,
    confirm_email,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


def seed(server: LiveServer, *args: str) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.seed_signing", *args],
        cwd=REPO,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"seed_signing {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def waiting_month(server: LiveServer, name: str) -> dict[str, str]:
    email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@client.example"
    return {
        **seed(server, "month", "--signer-email", email, "--signer-name", name),
        "email": email,
    }


def fetch_json(page: Page, path: str) -> Any:
    return page.evaluate(
        "async (path) => { const r = await fetch(path); return [r.status, await r.text()]; }",
        path,
    )


def test_signer_opens_link_creates_passkey_and_signs(
    live_server: LiveServer, browser_page: BrowserPage, session_inbox: Inbox
) -> None:
    """Make sure a signer with no account signs their month, and the evidence verifies."""
    page, authenticator = browser_page.page, browser_page.authenticator
    month = waiting_month(live_server, "Jean Dupont")

    page.goto(month["link"])
    expect(page.get_by_test_id("month-heading")).to_have_text(
        "Compte rendu d'activité — novembre 2026"
    )
    assert "#t=" not in page.url, "the link token must leave the address bar"
    expect(page.get_by_test_id("consultant")).to_have_text("Élise Martin")
    expect(page.get_by_test_id("days").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("total")).to_have_text("2,5 j")
    shown = page.locator("main section").first.inner_text()  # the month, not its hash
    assert "65000" not in shown and "650,00" not in shown and "€" not in shown, "never a rate"
    assert serious_violations(page) == []

    expect(page.get_by_test_id("register")).to_have_count(0)
    confirm_email(page, session_inbox, month["email"])
    assert serious_violations(page) == []
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("statement")).to_contain_text("En signant")
    assert len(authenticator.credentials()) == 1
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("signed")).to_contain_text("Compte rendu signé le")
    expect(page.get_by_test_id("signed")).to_be_focused()
    assert serious_violations(page) == []

    assert seed(live_server, "state", "--month-id", month["month_id"]) == {
        "status": "signed",
        "signatures": "1",
    }
    href = page.get_by_test_id("evidence").get_attribute("href")
    assert href is not None
    status, body = fetch_json(page, href)
    assert status == 200
    evidence = json.loads(body)
    results = verify(evidence)
    assert [r.name for r in results if not r.ok] == [], results
    assert evidence["origin"] == live_server.origin
    assert evidence["document_sha256"] == page.get_by_test_id("document-hash").text_content()
    pdf = page.get_by_test_id("pdf").get_attribute("href")
    assert pdf is not None
    assert page.evaluate(
        "(url) => fetch(url).then((r) => r.headers.get('content-type'))", pdf
    ) == ("application/pdf")
    page.get_by_test_id("lang").click()
    expect(page.get_by_test_id("signed")).to_contain_text("Report signed on")
    expect(page.get_by_test_id("month-heading")).to_have_text("Activity report — November 2026")
    assert page.evaluate("document.documentElement.lang") == "en"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "sign-en-375.png", full_page=True)
    page.get_by_test_id("lang").click()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SCREENSHOTS / "sign-fr-1280.png", full_page=True)
    assert browser_page.errors == []


def test_second_signer_device_cannot_sign_a_forwarded_link(
    live_server: LiveServer, browser: Browser, session_inbox: Inbox
) -> None:
    """Make sure a second signer's passkey, on their own device, cannot sign another's month."""
    first_month = waiting_month(live_server, "Anne Premier")
    other_month = waiting_month(live_server, "Bruno Second")

    def device() -> tuple[Page, VirtualAuthenticator, list[str]]:
        context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 740})
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page, VirtualAuthenticator(context.new_cdp_session(page)), errors

    first, _, first_errors = device()
    first.goto(first_month["link"])
    confirm_email(first, session_inbox, first_month["email"])
    first.get_by_test_id("register").click()
    expect(first.get_by_test_id("sign")).to_be_visible()

    # The second signer has a passkey of their own, for their own month.
    second, second_authenticator, second_errors = device()
    second.goto(other_month["link"])
    confirm_email(second, session_inbox, other_month["email"])
    second.get_by_test_id("register").click()
    expect(second.get_by_test_id("sign")).to_be_visible()
    assert len(second_authenticator.credentials()) == 1

    # The first signer's month reaches them through a forwarded link.
    forwarded = seed(live_server, "link", "--month-id", first_month["month_id"])["link"]
    second.goto(forwarded)  # same page, new fragment: the page must open the new link
    expect(second.get_by_text("Anne Premier <")).to_be_visible()
    expect(second.get_by_test_id("register")).to_have_count(0)
    second.get_by_test_id("sign").click()
    # Their device answers with their own passkey: the server refuses it.
    expect(second.get_by_test_id("error")).to_contain_text(
        "Signature refusée : this passkey belongs to another person"
    )
    expect(second.get_by_test_id("signed")).to_have_count(0)
    assert seed(live_server, "state", "--month-id", first_month["month_id"]) == {
        "status": "in_validation",
        "signatures": "0",
    }
    assert first_errors == second_errors == []


def test_signature_without_user_verification_fails_visibly(
    live_server: LiveServer, browser_page: BrowserPage, session_inbox: Inbox
) -> None:
    """Make sure a failed fingerprint or PIN shows an error and leaves the month unsigned."""
    page, authenticator = browser_page.page, browser_page.authenticator
    month = waiting_month(live_server, "Chantal Verif")
    page.goto(month["link"])
    confirm_email(page, session_inbox, month["email"])
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("sign")).to_be_visible()

    authenticator.set_user_verified(False)
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("not-here")).to_be_visible()
    expect(page.locator("main")).to_contain_text("la vérification (empreinte, visage ou code")
    expect(page.get_by_test_id("retry")).to_have_attribute("aria-disabled", "false")
    assert seed(live_server, "state", "--month-id", month["month_id"]) == {
        "status": "in_validation",
        "signatures": "0",
    }

    authenticator.set_user_verified(True)
    page.get_by_test_id("retry").click()
    expect(page.get_by_test_id("signed")).to_be_visible()
    assert browser_page.errors == []
