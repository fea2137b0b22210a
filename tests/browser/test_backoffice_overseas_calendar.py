"""The Organisation tab offers the overseas departments' calendars (issue 14), in Chromium on
`carnet demo` data at 390 and 1280 px: Martinique is chosen and saved, shown again when the tab
is opened, and the mission form lists the five departments too. Checked with axe-core and for
sideways scroll at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BrowserPage, open_admin_tab
from tests.browser.test_backoffice_organisation import checked, demo_origin, open_tab

pytestmark = pytest.mark.browser
__all__ = ["demo_origin"]

DEPARTMENTS = ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte")


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_chooses_an_overseas_calendar(
    browser_page: BrowserPage, demo_origin: str, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    open_tab(page, demo_origin, "organisation")
    form = page.get_by_test_id("org-form")
    expect(form.get_by_label("Raison sociale")).not_to_have_value("")
    region = form.get_by_label("Calendrier de vos salariés")
    labels = region.locator("option").all_inner_texts()
    for name in DEPARTMENTS:
        assert any(label.startswith(name) for label in labels), labels
    region.select_option("martinique")
    form.get_by_role("button", name="Enregistrer l'organisation").click()
    expect(page.get_by_test_id("org-saved")).to_have_text("Organisation enregistrée.")
    checked(page, width, "organisation-overseas")

    open_tab(page, demo_origin, "organisation")
    region = page.get_by_test_id("org-form").get_by_label("Calendrier de vos salariés")
    expect(region).to_have_value("martinique")
    expect(region.locator("option:checked")).to_have_text(
        "Martinique (22 mai, abolition de l'esclavage)"
    )

    open_admin_tab(page, "missions")
    missions = page.get_by_test_id("mission-form").get_by_label("Jours fériés")
    expect(missions.locator("option")).to_have_count(7)
    expect(missions.locator("option").last).to_have_text(
        "Mayotte (27 avril, abolition de l'esclavage)"
    )
    checked(page, width, "mission-form-overseas")
    # Back to mainland for the module's other tests.
    open_tab(page, demo_origin, "organisation")
    form = page.get_by_test_id("org-form")
    form.get_by_label("Calendrier de vos salariés").select_option("metropole")
    form.get_by_role("button", name="Enregistrer l'organisation").click()
    expect(page.get_by_test_id("org-saved")).to_have_text("Organisation enregistrée.")
    assert browser_page.errors == []
