"""A mission's standing discount from the Missions tab (issue 14), in Chromium on `carnet demo`
data: a percentage without its reason is refused at the reason field (the rest of the mission
saved, the form says so); with its reason it is saved, shown again when the mission is opened,
and the mission's pre-invoice in Facturation carries the discount line. Checked with axe-core
and for sideways scroll at 390 and 1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BrowserPage, open_admin_tab
from tests.browser.test_admin_billing import ADMIN, checked, demo_origin, shoot

pytestmark = pytest.mark.browser
__all__ = ["demo_origin"]

TITLE = "Refonte du portail de paiement"


def test_admin_gives_a_mission_a_standing_discount(
    browser_page: BrowserPage, demo_origin: str
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_origin}/#demo={ADMIN}")
    open_admin_tab(page, "missions")
    page.get_by_role("button", name=f"Modifier la mission {TITLE}").click()
    form = page.get_by_test_id("mission-form")
    expect(form.get_by_label("Intitulé")).to_have_value(TITLE)
    discount = form.get_by_test_id("mission-discount")
    percent = discount.get_by_label("Remise (%)")
    expect(percent).to_have_value("")
    percent.fill("5")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    reason = discount.get_by_label("Motif de la remise")
    expect(page.locator("#mission-discount-reason-error")).to_have_text(
        "Dites pourquoi la mission a une remise (3 caractères au moins)."
    )
    expect(form).to_contain_text("Mission enregistrée, mais pas sa remise")
    checked(page, "discount refused")
    shoot(page, "mission-discount-refused")

    reason.fill("Accord cadre 2026")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text=TITLE)
    ).to_be_visible()
    expect(form.get_by_role("heading")).to_have_text("Nouvelle mission")
    page.get_by_role("button", name=f"Modifier la mission {TITLE}").click()
    expect(percent).to_have_value("5")
    expect(reason).to_have_value("Accord cadre 2026")
    checked(page, "discount shown")
    shoot(page, "mission-discount")

    open_admin_tab(page, "billing")
    drafts = page.get_by_test_id("billing-drafts")
    drafts.get_by_role("button", name=re.compile("Banque Rhénane SA")).first.click()
    lines = page.get_by_test_id("billing-lines")
    expect(lines).to_contain_text(f"Remise de la mission {TITLE}")
    checked(page, "pre-invoice with the mission's discount")
    assert browser_page.errors == []
