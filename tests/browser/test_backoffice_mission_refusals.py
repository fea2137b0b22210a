"""A mission edit the server refuses (409, server/domain/mission_changes.py) is shown in the
back office's Missions tab under the field that caused it, in Chromium on a phone (390×844),
on `carnet demo` data: another client once a day is recorded on the mission (the day stays in
its consultant's CRA, for its client); another cap once an issued invoice bills the mission
(the invoice counted the days against it); a delivered forfait milestone changed (its
pre-invoice was made from it), under that milestone's row while another milestone's change
goes through. Each time the months are listed at the top of the form, nothing is saved, the
page has no sideways scroll and axe finds nothing serious.

The data is set up through the storage (tests/browser/seed.py, as the other back-office tests
do) and the API (issuing an invoice, delivering a milestone); the refusals go through the
screen."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    SCREENSHOTS,
    BrowserPage,
    DemoCopies,
    DemoServer,
    _serving,
    open_admin_tab,
    wait_signed_in,
)
from tests.browser.test_admin_billing import ADMIN, checked
from tests.browser.test_backoffice_months import FRENCH_MONTHS

pytestmark = pytest.mark.browser

FORFAIT = "Migration du SI sinistres"
"""`carnet demo`'s forfait: three milestones, none delivered (server/services/demo.py)."""


@pytest.fixture(scope="module")
def firm(
    chromium_path: Path, demo_copies: DemoCopies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """`carnet demo --no-serve` (a seller able to issue invoices), served for this module; more
    consultants are seeded into it by each test."""
    workdir = tmp_path_factory.mktemp("mission_refusals")
    env = demo_copies.env(workdir)
    with _serving(env, workdir):
        yield DemoServer(origin=env["CARNET_ORIGIN"], env=env, workdir=workdir)


def signed_in(browser_page: BrowserPage, firm: DemoServer) -> Page:
    """The administrator on a phone, on the home page."""
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{firm.origin}/#demo={ADMIN}")
    wait_signed_in(page)
    return page


def api(page: Page, firm: DemoServer, method: str, path: str, body: Any = None) -> Any:
    """One API call with the page's session (and its CSRF token on a change)."""
    url = f"{firm.origin}/api/v1{path}"
    if method == "GET":
        response = page.request.get(url)
    else:
        token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
        response = page.request.fetch(
            url, method=method, data=body, headers={"x-csrftoken": token}
        )
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json()


def edit(page: Page, mission_id: str, title: str) -> Locator:
    """Open the mission's edit form from the list; the form."""
    item = page.locator(f'[data-mission-id="{mission_id}"]')
    item.get_by_role("button", name=f"Modifier la mission {title}").click()
    form = page.get_by_test_id("mission-form")
    expect(form.get_by_role("heading")).to_have_text(f"Modifier « {title} »")
    return form


def save(form: Locator) -> None:
    form.get_by_role("button", name="Enregistrer les modifications").click()


def looked_at(page: Page, name: str) -> None:
    """A screenshot of the refusal, then no sideways scroll and nothing serious for axe."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-{name}-390.png", full_page=True)
    checked(page, name)


def refused_only_under(page: Page, error_id: str) -> None:
    """The form's field errors: `error_id`'s alone is shown."""
    shown = page.locator("[data-testid=mission-form] .field-error:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_attribute("id", error_id)


def test_another_client_is_refused_under_the_client_once_a_day_is_recorded(
    browser_page: BrowserPage, firm: DemoServer
) -> None:
    who = firm.consultant(f"Jour Saisi {uuid.uuid4().hex[:4]}", start=date(2026, 1, 5))
    # One day in a month still a draft: no handed-in month, no invoice; the day alone refuses.
    assert firm.record_days(who, "2026-02", 1) == ["2026-02-02"]
    page = signed_in(browser_page, firm)
    before = api(page, firm, "GET", f"/missions/{who.mission_id}")
    open_admin_tab(page, "missions")

    form = edit(page, who.mission_id, who.title)
    form.get_by_label("Client", exact=True).select_option(label="Assurances Atlantique")
    save(form)
    alert = form.get_by_role("alert")
    expect(alert).to_contain_text("Modification refusée")
    expect(alert.get_by_test_id("mission-history-months")).to_have_text(
        "février 2026 (jours saisis sur la mission) : Client"
    )
    expect(page.locator("#mission-client-error")).to_contain_text(
        "Refusé : des jours sont déjà saisis sur la mission (février 2026"
    )
    expect(page.locator("#mission-client-error")).to_contain_text(
        "Clôturez la mission et créez-en une autre."
    )
    expect(form.get_by_label("Client", exact=True)).to_have_attribute("aria-invalid", "true")
    refused_only_under(page, "mission-client-error")
    looked_at(page, "mission-client-refused")
    assert (
        api(page, firm, "GET", f"/missions/{who.mission_id}")["client_id"] == before["client_id"]
    )
    assert browser_page.errors == []


def test_another_cap_is_refused_under_the_cap_once_an_issued_invoice_bills_the_mission(
    browser_page: BrowserPage, firm: DemoServer
) -> None:
    who = firm.consultant(
        f"Plafond Facture {uuid.uuid4().hex[:4]}", start=date(2026, 1, 5), cap_half_days=40
    )
    firm.record_days(who, "2026-01", 5)
    drafted = firm.set_month_state(who, "2026-01", "validated", invoice=True)
    assert len(drafted) == 1, drafted
    page = signed_in(browser_page, firm)
    issued = api(page, firm, "POST", f"/invoices/{drafted[0]}/issue")
    assert issued["status"] == "issued", issued
    open_admin_tab(page, "missions")

    form = edit(page, who.mission_id, who.title)
    cap = form.get_by_label("Plafond (jours)")
    expect(cap).to_have_value("20")
    cap.fill("25")
    save(form)
    expect(form.get_by_role("alert").get_by_test_id("mission-history-months")).to_have_text(
        "janvier 2026 (facturé) : Plafond (jours)"
    )
    expect(page.locator("#mission-cap-error")).to_have_text(
        "Refusé : une facture émise porte déjà sur la mission (janvier 2026 (facturé))."
    )
    expect(cap).to_have_attribute("aria-invalid", "true")
    refused_only_under(page, "mission-cap-error")
    looked_at(page, "mission-cap-refused")
    assert api(page, firm, "GET", f"/missions/{who.mission_id}")["day_cap_half_days"] == 40

    # The title alone still changes: a label, which the issued invoice keeps its own copy of.
    cap.fill("20")
    form.get_by_label("Intitulé").fill(f"{who.title} (suite)")
    save(form)
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text="(suite)")
    ).to_be_visible()
    assert api(page, firm, "GET", f"/missions/{who.mission_id}")["title"] == f"{who.title} (suite)"
    assert browser_page.errors == []


def test_a_delivered_milestone_is_refused_under_its_row_and_another_changes(
    browser_page: BrowserPage, firm: DemoServer
) -> None:
    page = signed_in(browser_page, firm)
    forfait = next(m for m in api(page, firm, "GET", "/missions") if m["title"] == FORFAIT)
    first = forfait["milestones"][0]
    api(
        page,
        firm,
        "POST",
        f"/missions/{forfait['id']}/milestones/0/delivery",
        {"delivered_on": first["due_date"]},
    )
    year, month = first["due_date"][:7].split("-")
    delivered = f"{FRENCH_MONTHS[int(month) - 1]} {year}"
    open_admin_tab(page, "missions")

    form = edit(page, forfait["id"], FORFAIT)
    amount = page.locator("#mission-milestone-1-amount")
    expect(page.locator("#mission-milestone-1-label")).to_have_value(first["label"])
    amount.fill("16 000")
    save(form)
    months = form.get_by_role("alert").get_by_test_id("mission-history-months")
    expect(months).to_have_text(f"{delivered} (jalon livré) : Jalon 1")
    row = page.locator("#mission-milestone-1-error")
    expect(row).to_have_text(
        "Refusé : un jalon livré est facturé tel quel, il ne change ni ne disparaît "
        f"({delivered} (jalon livré))."
    )
    refused_only_under(page, "mission-milestone-1-error")
    expect(form.get_by_test_id("milestone-row").first).to_have_attribute("aria-invalid", "true")
    looked_at(page, "mission-milestone-refused")
    stored = api(page, firm, "GET", f"/missions/{forfait['id']}")["milestones"]
    assert stored[0]["amount_cents"] == first["amount_cents"]

    # The delivered one as it was, the last one renamed: saved.
    amount.fill(str(first["amount_cents"] // 100))
    page.locator("#mission-milestone-3-label").fill("Mise en production et bascule")
    save(form)
    expect(
        page.get_by_test_id("admin-panel").get_by_role("status").filter(has_text=FORFAIT)
    ).to_be_visible()
    stored = api(page, firm, "GET", f"/missions/{forfait['id']}")["milestones"]
    assert [m["label"] for m in stored][2] == "Mise en production et bascule"
    assert stored[0] == first
    assert browser_page.errors == []
