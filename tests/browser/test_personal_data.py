"""People's data rights in Chromium (docs/privacy.md): a consultant downloads everything Carnet
holds about them from their own screen at 390 px, as JSON and as PDF; the administrator erases
a person from Administration → Personnes after a confirmation that says what the law keeps,
and reads the answer item by item."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    SCREENSHOTS,
    DemoServer,
    open_admin_tab,
    wait_signed_in,
)
from tests.browser.test_backoffice_deactivate import no_sideways_scroll
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


def test_a_consultant_downloads_their_data_and_the_admin_erases_them(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure 'Mes données' on the consultant's screen downloads a JSON export of their own
    data and a PDF, with no sideways scroll at 390 px and nothing serious for axe; then that the
    administrator's erasure asks for confirmation (cancel changes nothing), and once confirmed
    shows the answer (identity pseudonymised, sessions erased, months kept) and ends the
    consultant's session."""
    eve = demo_server.consultant("Eve Effacement", start=date(2026, 1, 1))
    phone = devices(390, 844)
    page = phone.page
    page.goto(demo_server.login_url(eve))
    wait_signed_in(page)
    page.get_by_test_id("my-data-link").click()
    card = page.get_by_test_id("my-data")
    expect(card).to_contain_text("Téléchargez tout ce que Carnet conserve sur vous")
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "personal-data-390.png"), full_page=True)
    with page.expect_download(timeout=30_000) as download:
        card.get_by_test_id("export-json").click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert document["format"] == "carnet-personal-data/1"
    assert document["person"]["email"] == eve.email
    assert [m["title"] for m in document["missions"]] == [eve.title]
    assert ADMIN_EMAIL not in json.dumps(document["person"])
    with page.expect_download(timeout=60_000) as pdf:  # WeasyPrint loads on first use
        card.get_by_test_id("export-pdf").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    assert phone.errors == []

    admin = devices(1280, 800).page
    admin.goto(f"{demo_server.origin}/#demo={ADMIN_EMAIL}")
    wait_signed_in(admin)
    # The hub opens the People tab by itself: its list draws once loaded.
    open_admin_tab(admin, "people")
    row = admin.locator(f"[data-testid=person][data-email='{eve.email}']")
    expect(row).to_be_visible()
    panel = row.get_by_test_id("privacy-panel")
    for _ in range(3):  # a list redrawn under the click closes the panel: open it again
        row.get_by_test_id("personal-data").click()
        try:
            expect(panel).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            continue
    expect(panel).to_contain_text("Données personnelles de Eve Effacement")
    own = admin.locator(f"[data-testid=person][data-email='{ADMIN_EMAIL}']")
    own.get_by_test_id("personal-data").click()
    expect(own.get_by_test_id("privacy-panel")).to_be_visible()
    expect(own.get_by_test_id("erase")).to_have_count(0)

    panel.get_by_test_id("erase").click()
    confirm = row.get_by_test_id("erase-confirm")
    expect(confirm).to_contain_text("Ce que la loi impose de garder reste")
    confirm.get_by_role("button", name="Annuler").click()
    expect(row.get_by_test_id("erase-confirm")).to_have_count(0)
    assert page.evaluate("() => fetch('/api/v1/me').then((r) => r.status)") == 200

    panel.get_by_test_id("erase").click()
    row.get_by_test_id("confirm-erase").click()
    erased = admin.get_by_test_id("erased")
    expect(erased).to_contain_text("Données de Eve Effacement effacées")
    report = erased.get_by_test_id("erasure-report")
    expect(report.locator("[data-item=identity]")).to_have_attribute(
        "data-outcome", "pseudonymised"
    )
    expect(report.locator("[data-item=sessions]")).to_have_attribute("data-outcome", "erased")
    expect(report.locator("[data-item=months]")).to_have_attribute("data-outcome", "kept")
    expect(admin.locator(f"[data-testid=person][data-email='{eve.email}']")).to_have_count(0)
    expect(admin.get_by_test_id("people-list")).to_contain_text("Personne effacée")
    assert serious_violations(admin) == []
    admin.screenshot(path=str(SCREENSHOTS / "personal-data-erased.png"), full_page=True)
    assert page.evaluate("() => fetch('/api/v1/me').then((r) => r.status)") == 401

    # The GDPR tab: a period below its legal floor is refused next to it, a longer one saved.
    open_admin_tab(admin, "privacy")
    form = admin.get_by_test_id("retention-form")
    departed = form.get_by_label("Personnes parties (effacement) (jours)")
    departed.fill("30")
    form.get_by_test_id("retention-save").click()
    expect(form.get_by_test_id("retention-error-departed_people")).to_contain_text(
        "au moins 1098 jours"
    )
    form.get_by_label("Personnes parties (effacement) (jours)").fill("2200")
    form.get_by_test_id("retention-save").click()
    expect(admin.get_by_test_id("retention-saved")).to_have_text("Durées enregistrées.")
    expect(form.get_by_label("Personnes parties (effacement) (jours)")).to_have_value("2200")
    assert serious_violations(admin) == []
