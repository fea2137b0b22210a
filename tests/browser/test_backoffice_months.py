"""The back office's Months tab in Chromium: an administrator finds a consultant's validated
month, reads its status and history, and reopens it with a reason (an empty one refused next
to the field first); and sends a client signer a new signature link; at phone and desktop
widths."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL, REPO, SCREENSHOTS, DemoServer, open_admin_tab
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

FRENCH_MONTHS = (
    *("janvier", "février", "mars", "avril", "mai", "juin"),
    *("juillet", "août", "septembre", "octobre", "novembre", "décembre"),
)


def _last_month() -> str:
    today = date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _open_months_tab(page: Page, origin: str) -> None:
    page.goto(f"{origin}/#demo={ADMIN_EMAIL}")
    open_admin_tab(page, "months")
    expect(page.get_by_test_id("bo-months-consultant")).to_be_visible()


def _no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"))


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_admin_reads_a_validated_months_history_and_reopens_it_with_a_reason(
    demo_server: DemoServer, devices: Any, width: int, height: int
) -> None:
    month = _last_month()
    who = demo_server.consultant("Rémi Rouvert", start=date.fromisoformat(f"{month}-01"))
    demo_server.set_month_state(who, month, "validated")
    device = devices(width=width, height=height)
    page = device.page
    _open_months_tab(page, demo_server.origin)

    # This month is the default; the consultant's month is picked through the month field.
    assert page.get_by_test_id("bo-months-month").input_value() == date.today().strftime("%Y-%m")
    page.get_by_test_id("bo-months-consultant").select_option(who.person_id)
    page.get_by_test_id("bo-months-month").fill(month)
    status = page.get_by_test_id("bo-months-status")
    expect(status).to_contain_text(who.name)
    expect(status).to_contain_text("Validé")
    history = page.get_by_test_id("bo-months-history")
    expect(history.locator("li").first).to_be_visible()
    # Who did what, when, in French: the server's forced move is named, its date in words.
    assert "Statut fixé par le serveur" in history.inner_text()
    first_at = history.locator("time").first
    assert first_at.get_attribute("datetime")
    assert any(name in first_at.inner_text() for name in FRENCH_MONTHS), first_at.inner_text()
    assert _no_sideways_scroll(page)
    assert serious_violations(page) == []

    page.get_by_test_id("bo-months-reopen").click()
    expect(page.get_by_test_id("bo-months-reopen-warning")).to_contain_text("soumettre de nouveau")
    # An empty reason is refused next to the field, and nothing is sent.
    page.get_by_test_id("bo-months-reopen-confirm").click()
    error = page.get_by_test_id("bo-months-reason-error")
    expect(error).to_have_text("Indiquez pourquoi le mois est rouvert.")
    reason = page.get_by_test_id("bo-months-reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_attribute("aria-describedby", "bo-months-reason-error")
    expect(status).to_contain_text("Validé")
    assert _no_sideways_scroll(page)
    assert serious_violations(page) == []

    reason.fill("Le 14 était un jour de congé, pas un jour travaillé.")
    page.get_by_test_id("bo-months-reopen-confirm").click()
    expect(page.get_by_test_id("bo-months-status")).to_contain_text("Renvoyé pour correction")
    expect(page.get_by_test_id("bo-months-flash")).to_have_text(
        "Mois rouvert : il est renvoyé au consultant pour correction."
    )
    reopened = page.get_by_test_id("bo-months-history").locator("li[data-event='month.reopened']")
    expect(reopened).to_contain_text("Rouvert")
    expect(reopened).to_contain_text("Le 14 était un jour de congé")
    expect(reopened).to_contain_text("Ada Lovelace")
    expect(page.get_by_test_id("bo-months-reopen")).to_have_count(0)
    assert _no_sideways_scroll(page)
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-months-{width}.png", full_page=True)

    # The organisation's audit chain, reopening included, checks out.
    page.get_by_test_id("bo-months-audit").click()
    expect(page.get_by_test_id("bo-months-audit-result")).to_contain_text("Journal intact")
    assert _no_sideways_scroll(page)

    # The server holds the reopening: the month is back with its consultant.
    state = page.evaluate(
        "async (url) => (await fetch(url, {credentials: 'same-origin'})).json()",
        f"/api/v1/people/{who.person_id}/months/{month}",
    )
    assert state["status"] == "sent_back", state["status"]
    assert device.errors == []


def _month_waiting_on_a_signer(server: DemoServer, month: str) -> dict[str, str]:
    """A consultant's month waiting on a client signer (tests/browser/seed_signing.py)."""
    email = f"signataire.{uuid.uuid4().hex[:6]}@client.example"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "tests.browser.seed_signing", "month", "--month", month),
            *("--signer-email", email, "--signer-name", "Sandrine Signataire"),
        ],
        cwd=REPO,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return {**json.loads(result.stdout.strip().splitlines()[-1]), "email": email}


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_admin_sends_a_new_signature_link_to_the_client_signer_the_month_waits_on(
    demo_server: DemoServer, devices: Any, width: int, height: int
) -> None:
    month = _last_month()
    seeded = _month_waiting_on_a_signer(demo_server, month)
    device = devices(width=width, height=height)
    page = device.page
    _open_months_tab(page, demo_server.origin)
    page.get_by_test_id("bo-months-consultant").select_option(seeded["consultant_id"])
    page.get_by_test_id("bo-months-month").fill(month)
    expect(page.get_by_test_id("bo-months-status")).to_contain_text("En validation")
    expect(page.get_by_test_id("bo-months-resend")).to_be_visible()
    assert "Sandrine Signataire" in page.get_by_test_id("bo-months-view").inner_text()
    # A validated or signed month only can be reopened: no reopening offered here.
    expect(page.get_by_test_id("bo-months-reopen")).to_have_count(0)
    assert _no_sideways_scroll(page)
    assert serious_violations(page) == []

    page.get_by_test_id("bo-months-resend").click()
    expect(page.get_by_test_id("bo-months-flash")).to_have_text(
        f"Nouveau lien de signature envoyé à Sandrine Signataire ({seeded['email']})."
    )
    resent = page.get_by_test_id("bo-months-history").locator(
        "li[data-event='signature.link_resent']"
    )
    expect(resent).to_contain_text("Ada Lovelace")
    expect(resent).to_contain_text("appareil : navigateur")
    assert _no_sideways_scroll(page)
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / f"backoffice-months-resend-{width}.png", full_page=True)
    assert device.errors == []
