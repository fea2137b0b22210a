"""The manager's expense review inside the month's review screen, in Chromium at 390 px and
1280 px: next to the CRA they approve, the consultant's expense lines of the month with their
receipts; one refused with its reason (required, said next to the line), one approved; the
consultant then reads the reason. No sideways scroll; axe finds nothing serious."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL, SCREENSHOTS, DemoServer, wait_signed_in
from tests.browser.test_circuit_flow import (
    MONTH,
    START,
    WORKING,
    approve,
    open_review,
    submit_month,
)
from tests.browser.test_manager_review import no_sideways_scroll
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

FILE_TWO = """
async ({month, day, png}) => {
  const { request } = await import("/js/api.js");
  const bytes = new Uint8Array(png);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  const sha = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  await request("PUT", `/receipts/${sha}`, new Blob([bytes], {type: "image/png"}));
  const lines = [["taxi", 2300, "Gare → client"], ["meal", 4550, "Déjeuner"]];
  for (const [category, cents, comment] of lines) {
    await request("POST", "/expense-lines", {spent_on: day, category, comment, receipts: [sha],
      vat_lines: [{rate_bp: 1000, gross_cents: cents}]});
  }
  await request("POST", `/expense-reports/${month}/submit`);
}
"""


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def file_two_expenses(page: Page) -> None:
    """The consultant (signed in on `page`) files a taxi and a meal with a receipt, submits."""
    wait_signed_in(page)
    page.evaluate(FILE_TWO, {"month": str(MONTH), "day": WORKING[0], "png": list(png())})


def test_the_manager_decides_the_months_expenses_from_the_review(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure the review of a month lists the consultant's expenses with their receipts and
    lets the manager refuse one (with its reason) and approve the other, on a phone and a laptop;
    the consultant sees the reason."""
    who = demo_server.consultant("Inès Revue", start=START)
    consultant = devices()
    page = submit_month(consultant, demo_server, who)
    file_two_expenses(page)

    phone = devices(390, 844)
    manager = phone.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    open_review(manager, who)
    card = manager.get_by_test_id("review-expenses")
    expect(card).to_contain_text("Notes de frais du mois")
    lines = card.get_by_test_id("expense-line")
    expect(lines).to_have_count(2)
    expect(card).to_contain_text("à décider : 2")
    taxi = lines.filter(has_text="Taxi")
    meal = lines.filter(has_text="Repas")
    expect(taxi.get_by_test_id("receipt-link")).to_have_count(1)
    href = taxi.get_by_test_id("receipt-link").get_attribute("href")
    receipt = manager.context.request.get(f"{demo_server.origin}{href}")
    assert receipt.ok and receipt.headers["content-type"] == "image/png"
    no_sideways_scroll(manager, "review with expenses")
    assert serious_violations(manager) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    manager.screenshot(path=SCREENSHOTS / "review-expenses-390.png", full_page=True)

    taxi.get_by_role("button", name="Refuser").click()
    expect(taxi).to_contain_text("Indiquez le motif du refus.")
    taxi.get_by_label("Motif (obligatoire pour refuser)").fill("Prendre le métro")
    taxi.get_by_role("button", name="Refuser").click()
    expect(card.get_by_test_id("review-expenses-status")).to_have_text(
        "Décision enregistrée : Refusée."
    )
    expect(lines.filter(has_text="Taxi").locator(".badge")).to_have_text("Refusée")

    manager.set_viewport_size({"width": 1280, "height": 800})
    meal.get_by_role("button", name="Approuver").click()
    expect(lines.filter(has_text="Repas").locator(".badge")).to_have_text("Approuvée")
    expect(card).to_contain_text("à décider : 0")
    no_sideways_scroll(manager, "review with expenses, laptop")
    assert serious_violations(manager) == []
    manager.screenshot(path=SCREENSHOTS / "review-expenses-1280.png", full_page=True)
    # The CRA itself is approved from the same screen, as before.
    approve(manager)
    expect(manager.get_by_test_id("review-decision-status")).to_contain_text("approuvé")

    page.goto(f"{demo_server.origin}/#expenses")
    refused = page.get_by_test_id("expense-line").filter(has_text="Taxi")
    expect(refused.get_by_test_id("refusal-reason")).to_have_text(
        "Motif du refus : Prendre le métro"
    )
    assert consultant.errors == [] and phone.errors == []


FILE_DRAFTS = FILE_TWO.replace(
    '  await request("POST", `/expense-reports/${month}/submit`);\n', ""
)

SET_CIRCUIT = """
async (circuit) => {
  const { request } = await import("/js/api.js");
  await request("PUT", "/organisation/expense-circuit", {expense_circuit: circuit});
}
"""


def test_expenses_ride_the_month_once_the_admin_sets_it_in_the_app(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure the admin sends expense reports through the month's circuit from the settings
    screen; the consultant is told their drafts go with the month (no submit button), submits
    the month, and the manager's approval of the month approves the lines, shown approved."""
    admin_device = devices()
    admin = admin_device.page
    admin.goto(f"{demo_server.origin}/#demo={ADMIN_EMAIL}")
    wait_signed_in(admin)
    try:
        admin.get_by_test_id("settings-link").click()
        form = admin.get_by_test_id("expense-circuit")
        choice = form.get_by_label("Circuit des notes de frais")
        expect(choice).to_have_value("own")
        choice.select_option("month")
        form.get_by_role("button", name="Enregistrer").click()
        expect(form.get_by_role("status")).to_have_text("Enregistré.")
        admin.reload()
        expect(
            admin.get_by_test_id("expense-circuit").get_by_label("Circuit des notes de frais")
        ).to_have_value("month")
        assert admin.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
        assert serious_violations(admin) == []

        who = demo_server.consultant("Noé Mois", start=START)
        consultant = devices(390, 844)
        page = consultant.page
        page.goto(demo_server.login_url(who))
        # The month drawn means the demo login is over (a fetch of /me can answer while the
        # first page load still settles its session).
        expect(
            page.locator(f'button.cell[data-date="{WORKING[0]}"][data-line="{who.mission_line}"]')
        ).to_be_visible()
        page.evaluate(FILE_DRAFTS, {"month": str(MONTH), "day": WORKING[0], "png": list(png())})
        page.goto(f"{demo_server.origin}/#expenses")
        expect(page.get_by_test_id("expenses-with-month")).to_contain_text(
            "Vos frais partent avec le CRA du mois"
        )
        expect(page.get_by_test_id("submit-expenses")).to_have_count(0)
        no_sideways_scroll(page, "expenses going with the month")

        submit_month(consultant, demo_server, who)
        laptop = devices(1280, 800)
        manager = laptop.page
        manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
        open_review(manager, who)
        card = manager.get_by_test_id("review-expenses")
        expect(card.get_by_test_id("expense-line")).to_have_count(2)
        expect(card).to_contain_text("à décider : 2")
        approve(manager)
        expect(manager.get_by_test_id("review-decision-status")).to_contain_text("approuvé")

        page.goto(f"{demo_server.origin}/#expenses")
        badges = page.get_by_test_id("expense-line").locator(".badge")
        expect(badges).to_have_count(2)
        expect(badges).to_have_text(["Approuvée", "Approuvée"])
        expect(page.get_by_test_id("expenses-with-month")).to_have_count(0)
        assert consultant.errors == [] and laptop.errors == []
    finally:
        # The demo server is shared: the firm keeps its own circuit for the other tests.
        admin.evaluate(SET_CIRCUIT, "own")
    assert admin_device.errors == []
