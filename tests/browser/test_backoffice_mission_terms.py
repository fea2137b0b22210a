"""Every term of a mission in the back office's mission form, in Chromium, on a phone (390×844)
and a laptop (1280×800): the administrator creates a forfait with two milestones (label, amount
typed in euros the French way, due date), the client's purchase order reference and its
expenses re-billed with a margin; a milestone due after the mission's end is refused on its own
row, nothing created; fixed, it is stored as typed (cents, basis points), listed with its total,
and the edit form keeps the mode, shows the milestones editable and saves a change of a
milestone's amount, of the expense rule and of the reference. Then a capped régie: a cap that
is no number of days and a margin over 100 % are refused at their fields before anything is
sent, a missing cap by the server at its field; a cap of 20,5 days is stored as 41 half-days.
No sideways scroll at 390 px; axe finds nothing serious."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    SCREENSHOTS,
    BrowserPage,
    DemoServer,
    open_admin_tab,
)
from tests.browser.test_backoffice_clients import manager_label
from tests.browser.test_backoffice_mission_edit import no_sideways_scroll
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


def api(page: Page, server: DemoServer, path: str) -> dict:
    response = page.request.get(f"{server.origin}/api/v1{path}")
    assert response.ok, response.text()
    return response.json()


def titles(page: Page, server: DemoServer) -> list[str]:
    return [m["title"] for m in api(page, server, "/missions")]  # type: ignore[union-attr]


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_creates_a_forfait_with_milestones_and_its_expense_rule(
    browser_page: BrowserPage, demo_server: DemoServer, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    suffix = uuid.uuid4().hex[:6]
    who = demo_server.consultant(f"Forfait Conseil {suffix[:4]}", start=date(2026, 1, 5))
    page.goto(f"{demo_server.origin}/#demo={ADMIN_EMAIL}")
    open_admin_tab(page, "missions")
    client_id = api(page, demo_server, f"/missions/{who.mission_id}")["client_id"]

    form = page.get_by_test_id("mission-form")
    title = f"Migration forfait {suffix}"
    form.get_by_label("Consultant").select_option(label=f"{who.name} ({who.email})")
    form.get_by_label("Client", exact=True).select_option(value=client_id)
    form.get_by_label("Intitulé").fill(title)
    form.get_by_label("Début").fill("2026-02-02")
    form.get_by_label("Fin").fill("2026-06-30")
    form.get_by_label("Référence du bon de commande").fill("BC-2026-0042")
    expect(form.get_by_label("Taux journalier HT (€)")).to_be_visible()
    form.get_by_label("Mode de facturation").select_option("forfait")
    # A forfait has no daily rate in the form, and opens with one milestone row.
    expect(form.get_by_label("Taux journalier HT (€)")).to_be_hidden()
    expect(form.get_by_test_id("milestone-row")).to_have_count(1)
    page.locator("#mission-milestone-1-label").fill("Cadrage")
    page.locator("#mission-milestone-1-amount").fill("12 500,50")
    page.locator("#mission-milestone-1-due").fill("2026-03-31")
    form.get_by_test_id("milestone-add").click()
    page.locator("#mission-milestone-2-label").fill("Recette")
    page.locator("#mission-milestone-2-amount").fill("8000")
    page.locator("#mission-milestone-2-due").fill("2026-09-30")
    form.get_by_label("Refacturer les frais au client").check()
    form.get_by_label("Marge sur les frais (%)").fill("7,5")
    form.get_by_label("1. Manager").select_option(label=manager_label(page, who.manager_email))
    form.get_by_role("button", name="Créer la mission").click()

    # The second milestone falls after the end: refused on its row, nothing created.
    expect(page.locator("#mission-milestone-2-due-error")).to_have_text(
        "L'échéance tombe hors des dates de la mission."
    )
    expect(page.locator("#mission-milestone-2-due")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#mission-milestone-1-due-error")).to_be_hidden()
    page.screenshot(path=_shot(f"backoffice-mission-forfait-refused-{width}"), full_page=True)
    if width == 390:
        no_sideways_scroll(page, "forfait refused")
    assert serious_violations(page) == []
    assert title not in titles(page, demo_server)

    page.locator("#mission-milestone-2-due").fill("2026-06-15")
    form.get_by_role("button", name="Créer la mission").click()
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text=title)
    ).to_be_visible()
    item = page.get_by_test_id("mission-item").filter(has_text=title)
    expect(item.get_by_test_id("mission-rate")).to_have_text(
        "Forfait, 2 jalons : 20\u202f500,50\u00a0€ HT"
    )
    mission_id = item.get_attribute("data-mission-id")
    stored = api(page, demo_server, f"/missions/{mission_id}")
    assert stored["billing_mode"] == "forfait"
    assert stored["daily_rate_cents"] is None
    assert stored["purchase_order"] == "BC-2026-0042"
    assert stored["milestones"] == [
        {"label": "Cadrage", "due_date": "2026-03-31", "amount_cents": 1250050},
        {"label": "Recette", "due_date": "2026-06-15", "amount_cents": 800000},
    ]
    policy = api(page, demo_server, f"/missions/{mission_id}/expense-policy")
    assert policy == {"rebill": True, "margin_bp": 750}

    # Editing: the mode kept, the milestones (none delivered) and the expense rule changeable.
    item.get_by_role("button", name=f"Modifier la mission {title}").click()
    expect(form.get_by_label("Mode de facturation")).to_have_value("forfait")
    expect(form.get_by_label("Mode de facturation")).to_be_disabled()
    expect(page.locator("#mission-milestone-2-label")).to_have_value("Recette")
    expect(page.locator("#mission-milestone-1-amount")).to_have_value("12500,50")
    expect(page.locator("#mission-milestone-1-amount")).to_be_enabled()
    expect(form.get_by_test_id("milestone-add")).to_be_visible()
    expect(form.get_by_label("Marge sur les frais (%)")).to_have_value("7,50")
    expect(form.get_by_label("Refacturer les frais au client")).to_be_checked()
    expect(form.get_by_label("Référence du bon de commande")).to_have_value("BC-2026-0042")
    page.screenshot(path=_shot(f"backoffice-mission-forfait-edit-{width}"), full_page=True)
    if width == 390:
        no_sideways_scroll(page, "forfait edit")
    assert serious_violations(page) == []
    form.get_by_label("Refacturer les frais au client").uncheck()
    form.get_by_label("Référence du bon de commande").fill("BC-2026-0042-A")
    page.locator("#mission-milestone-2-amount").fill("9 000")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    expect(form.get_by_role("heading")).to_have_text("Nouvelle mission")
    policy = api(page, demo_server, f"/missions/{mission_id}/expense-policy")
    assert policy == {"rebill": False, "margin_bp": 750}
    edited = api(page, demo_server, f"/missions/{mission_id}")
    assert edited["milestones"] == [
        stored["milestones"][0],
        {**stored["milestones"][1], "amount_cents": 900000},
    ]
    assert edited["purchase_order"] == "BC-2026-0042-A"
    assert browser_page.errors == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_a_capped_regie_needs_a_cap_in_days_and_a_margin_up_to_100(
    browser_page: BrowserPage, demo_server: DemoServer, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    suffix = uuid.uuid4().hex[:6]
    who = demo_server.consultant(f"Plafond Conseil {suffix[:4]}", start=date(2026, 1, 5))
    page.goto(f"{demo_server.origin}/#demo={ADMIN_EMAIL}")
    open_admin_tab(page, "missions")
    client_id = api(page, demo_server, f"/missions/{who.mission_id}")["client_id"]

    form = page.get_by_test_id("mission-form")
    title = f"Support plafonné {suffix}"
    form.get_by_label("Consultant").select_option(label=f"{who.name} ({who.email})")
    form.get_by_label("Client", exact=True).select_option(value=client_id)
    form.get_by_label("Intitulé").fill(title)
    form.get_by_label("Début").fill("2026-02-02")
    form.get_by_label("Mode de facturation").select_option("regie_capped")
    form.get_by_label("Taux journalier HT (€)").fill("650")
    form.get_by_label("1. Manager").select_option(label=manager_label(page, who.manager_email))
    # No cap: the server's refusal, at the cap.
    form.get_by_role("button", name="Créer la mission").click()
    expect(page.locator("#mission-cap-error")).to_have_text(
        "La régie plafonnée demande un plafond."
    )
    # Not a number of days by half days: said in the page.
    form.get_by_label("Plafond (jours)").fill("20,3")
    form.get_by_role("button", name="Créer la mission").click()
    expect(page.locator("#mission-cap-error")).to_contain_text("20 ou 20,5")
    form.get_by_label("Plafond (jours)").fill("20,5")
    form.get_by_label("Marge sur les frais (%)").fill("120")
    form.get_by_role("button", name="Créer la mission").click()
    expect(page.locator("#mission-margin-error")).to_have_text(
        "Un pourcentage de 0 à 100 (deux décimales au plus)."
    )
    page.screenshot(path=_shot(f"backoffice-mission-capped-refused-{width}"), full_page=True)
    if width == 390:
        no_sideways_scroll(page, "capped régie refused")
    assert serious_violations(page) == []
    assert title not in titles(page, demo_server)

    form.get_by_label("Marge sur les frais (%)").fill("0")
    form.get_by_role("button", name="Créer la mission").click()
    item = page.get_by_test_id("mission-item").filter(has_text=title)
    expect(item.get_by_test_id("mission-rate")).to_have_text(
        "650,00\u00a0€ HT / jour · Plafond : 20,5 jours"
    )
    stored = api(page, demo_server, f"/missions/{item.get_attribute('data-mission-id')}")
    assert (stored["billing_mode"], stored["daily_rate_cents"]) == ("regie_capped", 65000)
    assert stored["day_cap_half_days"] == 41
    assert browser_page.errors == []


def _shot(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")
