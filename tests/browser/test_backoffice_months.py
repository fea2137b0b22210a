"""The back office's Months tab in Chromium: an administrator finds a consultant's validated
month, reads its status and history, and reopens it with a reason (an empty one refused next
to the field first), at phone and desktop widths."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL, SCREENSHOTS, DemoServer
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
    page.get_by_test_id("admin-link").click()
    page.get_by_test_id("admin-tab-months").click()
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
    reopened = page.get_by_test_id("bo-months-history").locator("li[data-event='month.reopened']")
    expect(reopened).to_contain_text("Rouvert")
    expect(reopened).to_contain_text("Le 14 était un jour de congé")
    expect(reopened).to_contain_text("Ada Lovelace")
    expect(page.get_by_test_id("bo-months-reopen")).to_have_count(0)
    assert _no_sideways_scroll(page)
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-months-{width}.png", full_page=True)

    # The server holds the reopening: the month is back with its consultant.
    state = page.evaluate(
        "async (url) => (await fetch(url, {credentials: 'same-origin'})).json()",
        f"/api/v1/people/{who.person_id}/months/{month}",
    )
    assert state["status"] == "sent_back", state["status"]
    assert device.errors == []
