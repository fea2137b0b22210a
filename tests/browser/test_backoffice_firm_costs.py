"""The Facturation tab's "Frais non refacturés" card (issue 14) in Chromium on `carnet demo`
data: an expense recorded with "re-billed" unticked is listed under its month with the totals,
and downloads as `frais-non-refactures-AAAA-MM.csv`; a month with none says so, and its CSV is
refused next to the month field. Checked with axe-core and for sideways scroll at 390 and
1280 px."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_admin_lists_and_exports_the_expenses_not_rebilled(
    browser_page: BrowserPage, demo_origin: str
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_origin}/#demo={ADMIN}")
    expect(page.get_by_test_id("admin-link")).to_be_visible(timeout=ADMIN_TAB_TIMEOUT_MS)
    page.goto(f"{demo_origin}/admin/")
    wait_admin_tab(page, "billing")
    drafts = page.get_by_test_id("billing-drafts")
    first = drafts.get_by_role("button", name=re.compile("Banque Rhénane SA")).first
    expect(first).to_be_visible(timeout=30_000)
    # Its period, in words on screen ("septembre 2026"), as an ISO month on the button.
    month = first.get_attribute("data-period") or ""
    assert re.fullmatch(r"\d{4}-\d{2}", month), month

    expense = page.get_by_test_id("billing-expense-form")
    expense.get_by_label("Mission").select_option(label="Refonte du portail de paiement")
    expense.get_by_label("Date").fill(f"{month}-14")
    expense.get_by_label("Catégorie (transport, repas, hôtel…)").fill("formation")
    expense.get_by_label("Montant HT (€)").fill("250")
    expense.get_by_label("Refacturée au client").uncheck()
    expense.get_by_role("button", name="Enregistrer la dépense").click()
    expect(page.get_by_test_id("billing-status")).to_have_text("Dépense enregistrée.")

    costs = page.get_by_test_id("costs-form")
    costs.get_by_label("Mois").fill(month)
    costs.get_by_role("button", name="Afficher").click()
    lines = costs.get_by_test_id("costs-line")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("formation")
    expect(lines.first).to_contain_text("Saisie non refacturée")
    expect(costs.get_by_test_id("costs-totals")).to_contain_text("250,00")
    checked(page, "firm costs")
    shoot(page, "firm-costs")
    with page.expect_download() as csv:
        costs.get_by_test_id("costs-csv").click()
    assert csv.value.suggested_filename == f"frais-non-refactures-{month}.csv"
    text = Path(csv.value.path()).read_bytes().decode("utf-8-sig")
    assert "formation" in text and "250,00" in text
    expect(costs.get_by_role("status")).to_contain_text("téléchargé")

    # A month without any: said in the list, and its CSV refused at the month field.
    costs.get_by_label("Mois").fill("2020-01")
    costs.get_by_role("button", name="Afficher").click()
    expect(costs.get_by_test_id("costs-result")).to_have_text(
        "Aucun frais non refacturé ce mois-ci."
    )
    costs.get_by_test_id("costs-csv").click()
    expect(page.locator("#costs-month-error")).to_have_text(
        "Aucun frais non refacturé ce mois-ci : rien à exporter."
    )
    checked(page, "firm costs refused")

    page.locator("#lang").select_option("en")
    # The back office drawn again in English (its tabs too) before a tab is opened in it.
    expect(page.get_by_role("tab", name="Billing")).to_be_visible()
    open_admin_tab(page, "billing")
    expect(page.get_by_role("heading", name="Expenses not re-billed")).to_be_visible()
    assert browser_page.errors == []
