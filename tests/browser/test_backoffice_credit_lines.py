"""A partial credit note chosen line by line in the "Facturation" tab (issue 14), in Chromium on
`carnet demo` data: more days than remain on a line are refused next to that line before
anything is sent; a day and a half is credited after a confirmation naming the line and the
amount; the form then offers only what remains. Checked with axe-core and for sideways scroll
at 390 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_TAB_TIMEOUT_MS,
    BrowserPage,
    open_admin_tab,
    wait_admin_tab,
)
from tests.browser.test_admin_billing import ADMIN, checked, demo_origin, shoot

pytestmark = pytest.mark.browser
__all__ = ["demo_origin"]


def test_admin_credits_part_of_a_line_with_a_confirmation(
    browser_page: BrowserPage, demo_origin: str
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_origin}/#demo={ADMIN}")
    expect(page.get_by_test_id("admin-link")).to_be_visible(timeout=ADMIN_TAB_TIMEOUT_MS)
    page.goto(f"{demo_origin}/admin/")
    wait_admin_tab(page, "billing")
    expect(page.get_by_role("heading", level=2, name="Facturation")).to_be_visible()
    assert browser_page.errors == []
    drafts = page.get_by_test_id("billing-drafts")
    drafts.get_by_role("button", name=re.compile("Banque Rhénane SA")).first.click()
    page.get_by_test_id("billing-issue").click()
    page.get_by_test_id("billing-issue-dialog").get_by_role("button", name="Émettre").click()
    status = page.get_by_test_id("billing-status")
    expect(status).to_contain_text("émise.")

    credit = page.get_by_test_id("billing-credit-form")
    lines = credit.get_by_test_id("billing-credit-lines")
    expect(lines).to_be_hidden()
    credit.get_by_label("Certaines lignes, en partie ou en entier").check()
    expect(lines).to_be_visible()
    quantity = lines.get_by_test_id("billing-credit-quantity").first
    label = quantity.evaluate("(el) => el.labels[0].textContent")
    most = re.search(r"au plus ([\d,]+)", label)
    assert most is not None, label
    credit.get_by_label("Motif de l'avoir").fill("Jours comptés en trop")
    quantity.fill("99")
    credit.get_by_role("button", name="Émettre l'avoir…").click()
    error = page.locator(f"#{quantity.get_attribute('id')}-error")
    expect(error).to_have_text(f"Au plus {most.group(1)}, ce qui reste de cette ligne.")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("billing-credit-dialog")).to_have_count(0)
    checked(page, "credit refused")
    shoot(page, "credit-lines-refused")

    quantity.fill("1,5")
    credit.get_by_role("button", name="Émettre l'avoir…").click()
    dialog = page.get_by_test_id("billing-credit-dialog")
    expect(dialog).to_contain_text("× 1,5")
    expect(dialog).to_contain_text("HT de la facture")
    checked(page, "credit confirmation")
    dialog.get_by_role("button", name="Émettre l'avoir").click()
    expect(status).to_have_text(re.compile(r"^Avoir AV-\d{4}-\d{5} émis\.$"))
    expect(page.get_by_text("Avoir partiel")).to_be_visible()
    # What remains of the line is now 1,5 day less; the invoice can still be credited.
    left = (
        page.get_by_test_id("billing-credit-form")
        .get_by_test_id("billing-credit-quantity")
        .first.evaluate("(el) => el.labels[0].textContent")
    )
    before = float(most.group(1).replace(",", "."))
    assert f"au plus {str(before - 1.5).replace('.', ',').removesuffix(',0')}" in left, left
    checked(page, "partly credited")
    shoot(page, "credit-lines-done")

    page.locator("#lang").select_option("en")
    # The back office drawn again in English (its tabs too) before a tab is opened in it.
    expect(page.get_by_role("tab", name="Billing")).to_be_visible()
    open_admin_tab(page, "billing")
    expect(page.get_by_role("heading", level=2, name="Billing")).to_be_visible()
    assert browser_page.errors == []
