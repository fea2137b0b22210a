"""Editing and closing a mission in the back office's Missions tab, in Chromium, on a phone
(390×844) and a laptop (1280×800): the administrator renames a mission, moves its start
earlier and gives it an end date through "Modifier" (listed after, stored), closes another
with "Clôturer"; then tries to change the daily rate, the start, then the consultant, of a
mission whose March is validated and reads, in French, the refusal naming that month at the
top of the form and under the field, nothing saved. No sideways scroll at 390 px; axe finds
nothing serious."""

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
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: Page, where: str) -> None:
    width, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, f"{where}: the page is {width} px wide in a {inner} px window"


def open_missions(page: Page, server: DemoServer) -> None:
    page.goto(f"{server.origin}/#demo={ADMIN_EMAIL}")
    open_admin_tab(page, "missions")


def mission(page: Page, server: DemoServer, mission_id: str) -> dict:
    response = page.request.get(f"{server.origin}/api/v1/missions/{mission_id}")
    assert response.ok, response.text()
    return response.json()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_renames_a_mission_gives_it_an_end_and_closes_another(
    browser_page: BrowserPage, demo_server: DemoServer, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    suffix = uuid.uuid4().hex[:6]
    who = demo_server.consultant(f"Edit Conseil {suffix[:4]}", start=date(2026, 1, 5))
    other = demo_server.consultant(f"Close Conseil {suffix[:4]}", start=date(2026, 2, 2))
    open_missions(page, demo_server)

    item = page.locator(f'[data-mission-id="{who.mission_id}"]')
    item.get_by_role("button", name=f"Modifier la mission {who.title}").click()
    form = page.get_by_test_id("mission-form")
    expect(form.get_by_role("heading")).to_have_text(f"Modifier « {who.title} »")
    expect(form.get_by_label("Intitulé")).to_have_value(who.title)
    expect(form.get_by_label("Taux journalier HT (€)")).to_have_value("600")
    expect(form.get_by_label("Consultant")).to_be_enabled()
    expect(form.get_by_label("Mode de facturation")).to_be_disabled()
    expect(form.get_by_label("Début", exact=True)).to_have_value("2026-01-05")
    new_title = f"Refonte paie {suffix}"
    form.get_by_label("Intitulé").fill(new_title)
    form.get_by_label("Début", exact=True).fill("2025-12-01")
    form.get_by_label("Fin").fill("2026-12-31")
    page.screenshot(path=_shot(f"backoffice-mission-edit-{width}"), full_page=True)
    if width == 390:
        no_sideways_scroll(page, "mission edit form")
    assert serious_violations(page) == []
    form.get_by_role("button", name="Enregistrer les modifications").click()
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text=new_title)
    ).to_be_visible()
    item = page.get_by_test_id("mission-item").filter(has_text=new_title)
    expect(item).to_contain_text("31 déc. 2026")
    expect(form.get_by_role("heading")).to_have_text("Nouvelle mission")
    stored = mission(page, demo_server, who.mission_id)
    assert (stored["title"], stored["start_date"], stored["end_date"]) == (
        new_title,
        "2025-12-01",
        "2026-12-31",
    )
    expect(item).to_contain_text("1 déc. 2025")
    assert stored["daily_rate_cents"] == 60000

    # "Clôturer": the same form, its end date today, saved as is.
    closing = page.locator(f'[data-mission-id="{other.mission_id}"]')
    closing.get_by_role("button", name=f"Clôturer la mission {other.title}").click()
    today = page.evaluate(
        "() => { const d = new Date(); const p = (n) => String(n).padStart(2, '0');"
        " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }"
    )
    expect(form.get_by_label("Fin")).to_have_value(today)
    form.get_by_role("button", name="Enregistrer les modifications").click()
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text=other.title)
    ).to_be_visible()
    assert mission(page, demo_server, other.mission_id)["end_date"] == today
    if width == 390:
        no_sideways_scroll(page, "missions after the edits")
    assert serious_violations(page) == []
    assert browser_page.errors == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_a_rate_change_over_a_validated_month_is_refused_naming_the_month(
    browser_page: BrowserPage, demo_server: DemoServer, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    who = demo_server.consultant(f"Valide Conseil {uuid.uuid4().hex[:4]}", start=date(2026, 1, 5))
    other = demo_server.consultant(f"Autre Conseil {uuid.uuid4().hex[:4]}", start=date(2026, 1, 5))
    demo_server.set_month_state(who, "2026-03", "validated")
    open_missions(page, demo_server)

    item = page.locator(f'[data-mission-id="{who.mission_id}"]')
    item.get_by_role("button", name=f"Modifier la mission {who.title}").click()
    form = page.get_by_test_id("mission-form")
    form.get_by_label("Taux journalier HT (€)").fill("650")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    alert = form.get_by_role("alert")
    expect(alert).to_contain_text(
        "Modification refusée : elle changerait des mois déjà remis, facturés ou saisis."
    )
    expect(alert.get_by_test_id("mission-history-months")).to_have_text(
        "mars 2026 (validé) : Taux journalier HT (€)"
    )
    expect(page.locator("#mission-rate-error")).to_have_text(
        "Refusé : changerait mars 2026 (validé)."
    )
    expect(form.get_by_label("Taux journalier HT (€)")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=_shot(f"backoffice-mission-edit-refused-{width}"), full_page=True)
    if width == 390:
        no_sideways_scroll(page, "mission edit refused")
    assert serious_violations(page) == []
    assert mission(page, demo_server, who.mission_id)["daily_rate_cents"] == 60000

    # Back to the old rate, only the title changes: accepted despite the validated month.
    form.get_by_label("Taux journalier HT (€)").fill("600")
    form.get_by_label("Intitulé").fill(f"{who.title} (renommée)")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text="(renommée)")
    ).to_be_visible()
    assert mission(page, demo_server, who.mission_id)["title"] == f"{who.title} (renommée)"

    # A later start would take the mission out of the validated March: refused under "Début".
    item.get_by_role("button", name=f"Modifier la mission {who.title} (renommée)").click()
    form.get_by_label("Début", exact=True).fill("2026-04-01")
    form.get_by_role("button", name="Enregistrer les modifications").click()
    expect(alert.get_by_test_id("mission-history-months")).to_have_text(
        "mars 2026 (validé) : Début"
    )
    expect(page.locator("#mission-start-error")).to_have_text(
        "Refusé : changerait mars 2026 (validé)."
    )
    page.screenshot(path=_shot(f"backoffice-mission-start-refused-{width}"), full_page=True)
    if width == 390:
        no_sideways_scroll(page, "mission start refused")
    assert mission(page, demo_server, who.mission_id)["start_date"] == "2026-01-05"

    # Another consultant would take the mission out of March too: refused under "Consultant".
    form.get_by_label("Début", exact=True).fill("2026-01-05")
    form.get_by_label("Consultant").select_option(other.person_id)
    form.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.locator("#mission-consultant-error")).to_have_text(
        "Refusé : changerait mars 2026 (validé)."
    )
    assert mission(page, demo_server, who.mission_id)["consultant_id"] == who.person_id
    assert browser_page.errors == []


def _shot(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")
