"""The back office's Clients and Missions tabs in Chromium, on a phone (390×844) and a laptop
(1280×800): the administrator creates a client through the form (a bad SIREN first refused
next to its field), then a régie mission for an existing consultant at that client with a
manager step, its daily rate typed in euros the French way; the mission is listed and the
API holds the rate in cents. No sideways scroll at 390 px; axe finds nothing serious."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_TAB_TIMEOUT_MS,
    SCREENSHOTS,
    BrowserPage,
    DemoServer,
    open_admin_tab,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: Page, where: str) -> None:
    width, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, f"{where}: the page is {width} px wide in a {inner} px window"


def open_tab(page: Page, server: DemoServer, tab: str) -> None:
    page.goto(f"{server.origin}/#demo={ADMIN_EMAIL}")
    open_admin_tab(page, tab)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_creates_a_client_then_a_mission_there_from_the_back_office(
    browser_page: BrowserPage, demo_server: DemoServer, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    suffix = uuid.uuid4().hex[:8]
    name = f"Banque Test {suffix}"
    who = demo_server.consultant(f"Bo Consultant {suffix[:4]}", start=date(2026, 1, 5))

    # The client: a SIREN of 8 digits is refused next to its field, and nothing is created.
    open_tab(page, demo_server, "clients")
    form = page.get_by_test_id("client-form")
    form.get_by_label("Raison sociale").fill(name)
    form.get_by_label("SIREN (9 chiffres)").fill("12345678")
    form.get_by_label("Numéro de TVA intracommunautaire").fill("FR32123456789")
    form.get_by_label("Adresse de facturation").fill("1 rue de la Paix\n75002 Paris")
    form.get_by_role("button", name="Créer le client").click()
    siren_error = page.locator("#client-siren-error")
    expect(siren_error).to_have_text("Le SIREN compte exactement 9 chiffres, sans espace.")
    expect(form.get_by_label("SIREN (9 chiffres)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#client-vat-error")).to_be_hidden()
    assert name not in page.get_by_test_id("clients-list").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-clients-refused-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, "clients, refused")
        assert serious_violations(page) == []
    form.get_by_label("SIREN (9 chiffres)").fill("123456789")
    form.get_by_role("button", name="Créer le client").click()
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text=name)
    ).to_be_visible()
    item = page.get_by_test_id("client-item").filter(has_text=name)
    expect(item).to_contain_text("123456789")
    expect(item).to_contain_text("FR32123456789")
    expect(siren_error).to_be_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-clients-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, "clients")
    assert serious_violations(page) == []

    # The mission: for that consultant, at that client, approved by their manager.
    open_admin_tab(page, "missions")
    form = page.get_by_test_id("mission-form")
    title = f"Refonte {suffix}"
    form.get_by_label("Consultant").select_option(label=f"{who.name} ({who.email})")
    form.get_by_label("Client", exact=True).select_option(label=name)
    form.get_by_label("Intitulé").fill(title)
    form.get_by_label("Début").fill("2026-02-02")
    form.get_by_label("Fin").fill("2026-01-30")
    form.get_by_label("Taux journalier HT (€)").fill("612,50")
    form.get_by_label("Un commentaire est exigé").check()
    form.get_by_label("Intercontrat").uncheck()
    form.get_by_label("Jours fériés").select_option("alsace_moselle")
    # No manager chosen and an end before the start: each refusal is said at its field.
    form.get_by_role("button", name="Créer la mission").click()
    expect(page.locator("#mission-manager-error")).to_have_text("Choisissez une personne.")
    form.get_by_label("1. Manager").select_option(label=manager_label(page, who.manager_email))
    form.get_by_role("button", name="Créer la mission").click()
    expect(page.locator("#mission-end-error")).to_have_text("La fin tombe avant le début.")
    expect(page.locator("#mission-manager-error")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / f"backoffice-missions-refused-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, "missions, refused")
        assert serious_violations(page) == []
    form.get_by_label("Fin").fill("2026-12-31")
    form.get_by_role("button", name="Créer la mission").click()
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text=title)
    ).to_be_visible()
    item = page.get_by_test_id("mission-item").filter(has_text=title)
    expect(item).to_contain_text(who.name)
    expect(item).to_contain_text(name)
    expect(item.get_by_test_id("mission-rate")).to_have_text("612,50\u00a0€ HT / jour")
    page.screenshot(path=SCREENSHOTS / f"backoffice-missions-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, "missions")
    assert serious_violations(page) == []

    # What the server holds: the rate typed ×100, the circuit and terms as chosen.
    mission_id = item.get_attribute("data-mission-id")
    response = page.request.get(f"{demo_server.origin}/api/v1/missions/{mission_id}")
    assert response.ok, response.text()
    mission = response.json()
    assert mission["daily_rate_cents"] == 61250
    assert mission["billing_mode"] == "regie"
    assert mission["consultant_id"] == who.person_id
    assert (mission["start_date"], mission["end_date"]) == ("2026-02-02", "2026-12-31")
    assert mission["comments_required"] is True
    assert mission["calendar_region"] == "alsace_moselle"
    assert "intercontrat" not in mission["allowed_absences"]
    assert [s["kind"] for s in mission["approval_steps"]] == ["manager"]
    assert browser_page.errors == []


def manager_label(page: Page, email: str) -> str:
    """The manager's option as the form lists it ("Name (email)")."""
    option = page.locator("#mission-manager option").filter(has_text=f"({email})")
    return option.inner_text()


def test_a_mission_circuit_can_end_with_a_signer_of_its_own_client(
    browser_page: BrowserPage, demo_server: DemoServer
) -> None:
    """The signer step lists only the chosen client's signers; the mission is stored with
    the manager then that signer."""
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    suffix = uuid.uuid4().hex[:8]
    signer_email = f"signe.{suffix}@client.example"
    signed = demo_server.consultant(
        f"Bo Signed {suffix[:4]}",
        start=date(2026, 1, 5),
        signer_email=signer_email,
        signer_name=f"Sylvie Signe {suffix[:4]}",
    )
    other = demo_server.consultant(f"Bo Other {suffix[:4]}", start=date(2026, 1, 5))
    # Which client the seeded signer signs for (a read, to pick it in the form).
    page.goto(f"{demo_server.origin}/#demo={ADMIN_EMAIL}")
    expect(page.get_by_test_id("admin-link")).to_be_visible(timeout=ADMIN_TAB_TIMEOUT_MS)
    people = page.request.get(f"{demo_server.origin}/api/v1/people").json()
    signer = next(p for p in people if p["email"] == signer_email)
    manager = next(p for p in people if p["email"] == signed.manager_email)
    client_id = signer["client_company_id"]
    signer_option = f"Sylvie Signe {suffix[:4]} ({signer_email})"

    open_admin_tab(page, "missions")
    form = page.get_by_test_id("mission-form")
    signer_select = form.get_by_label("2. Signataire du client")
    expect(signer_select.locator("option")).to_have_count(1)  # no client chosen: none
    form.get_by_label("Consultant").select_option(label=f"{other.name} ({other.email})")
    form.get_by_label("Client", exact=True).select_option(value=client_id)
    expect(signer_select.locator("option").filter(has_text=signer_email)).to_have_count(1)
    title = f"Audit {suffix}"
    form.get_by_label("Intitulé").fill(title)
    form.get_by_label("Début").fill("2026-03-02")
    form.get_by_label("Taux journalier HT (€)").fill("abc")
    form.get_by_label("1. Manager").select_option(label=manager_label(page, signed.manager_email))
    signer_select.select_option(label=signer_option)
    form.get_by_role("button", name="Créer la mission").click()
    # Not an amount: refused in the page, next to the rate, before anything is sent.
    expect(page.locator("#mission-rate-error")).to_contain_text("600,50")
    form.get_by_label("Taux journalier HT (€)").fill("700")
    form.get_by_role("button", name="Créer la mission").click()
    item = page.get_by_test_id("mission-item").filter(has_text=title)
    expect(item.get_by_test_id("mission-rate")).to_have_text("700,00\u00a0€ HT / jour")
    no_sideways_scroll(page, "missions with a signer")
    mission_id = item.get_attribute("data-mission-id")
    mission = page.request.get(f"{demo_server.origin}/api/v1/missions/{mission_id}").json()
    assert mission["daily_rate_cents"] == 70000
    assert mission["end_date"] is None
    assert [(s["kind"], s["approver_id"]) for s in mission["approval_steps"]] == [
        ("manager", manager["id"]),
        ("client_signer", signer["id"]),
    ]
    assert browser_page.errors == []
