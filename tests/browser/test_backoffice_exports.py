"""The back office's "Exports" tab in Chromium, on a phone (390×844) and a laptop (1280×800), on
`carnet demo` data (a year of validated months and issued invoices): the administrator is
sent to the Organisation tab for the invoices' mentions (a bad IBAN refused under its field
there), downloads the FEC of a period (an empty period and a period ending before it starts
first refused next to their fields), a month's payroll variables and its leave for payroll,
and the month's invoices and CRAs as CSV (an empty month refused at its field), each under
the name the accountant expects. No sideways scroll at 390 px; axe finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from server.domain import payroll
from sync.months import MonthKey
from tests.browser.conftest import (
    SCREENSHOTS,
    BrowserPage,
    DemoCopies,
    _serving,
    open_admin_tab,
    wait_admin_tab,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

ADMIN = "claire.admin@octave.example"
SIREN = "812345676"


@pytest.fixture(scope="module")
def demo_origin(
    chromium_path: Path, demo_copies: DemoCopies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`carnet demo --no-serve` (a year of history: invoices issued, months validated), served
    for this module's tests alone (they change its billing profile)."""
    workdir = tmp_path_factory.mktemp("exports_demo")
    env = demo_copies.env(workdir)
    with _serving(env, workdir):
        yield env["CARNET_ORIGIN"]


def no_sideways_scroll(page: Page, where: str) -> None:
    width, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, f"{where}: the page is {width} px wide in a {inner} px window"


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_sets_the_billing_profile_and_downloads_the_exports(
    browser_page: BrowserPage, demo_origin: str, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{demo_origin}/#demo={ADMIN}")
    open_admin_tab(page, "exports")
    expect(page.get_by_role("heading", name="Exports")).to_be_visible()

    # The seller's mentions printed on invoices are set in one place, the Organisation tab
    # (audited): this tab says so and opens it, where a bad IBAN is refused under its field.
    pointer = page.get_by_test_id("profile-pointer")
    expect(pointer).to_contain_text("onglet Organisation")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pointer.get_by_role("button", name="Ouvrir l'onglet Organisation").click()
    expect(page.get_by_role("tab", name="Organisation")).to_have_attribute("aria-selected", "true")
    wait_admin_tab(page, "organisation")
    org = page.get_by_test_id("org-form")
    iban = org.get_by_label("IBAN")
    iban.fill("FR76 12")
    org.get_by_role("button", name="Enregistrer l'organisation").click()
    expect(page.locator("#org-iban-error")).to_have_text(
        "Deux lettres, deux chiffres puis 10 à 30 lettres ou chiffres, sans espace."
    )
    expect(iban).to_have_attribute("aria-invalid", "true")
    stored = page.request.get(f"{demo_origin}/api/v1/billing-profile").json()
    assert stored["iban"] == "FR7630006000011234567890189"
    page.screenshot(path=SCREENSHOTS / f"backoffice-exports-refused-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, "organisation, refused IBAN")
        assert serious_violations(page) == []
    open_admin_tab(page, "exports")
    expect(page.get_by_test_id("fec-form")).to_be_visible()

    # The FEC: an empty period, then one ending before it starts, are refused at their field.
    fec = page.get_by_test_id("fec-form")
    fec.get_by_label("Du").fill("2099-01-01")
    fec.get_by_label("Au (clôture)").fill("2099-01-31")
    fec.get_by_role("button", name="Télécharger le FEC").click()
    expect(page.locator("#fec-start-error")).to_have_text(
        "Aucune facture ni aucun avoir émis sur cette période."
    )
    fec.get_by_label("Au (clôture)").fill("2098-12-31")
    fec.get_by_role("button", name="Télécharger le FEC").click()
    expect(page.locator("#fec-end-error")).to_have_text("La fin tombe avant le début.")
    expect(page.locator("#fec-start-error")).to_be_hidden()
    # The demo's year of invoices, closed today; a sales account outside class 706 is refused
    # under its field, unfolded from "Comptes" to show it.
    today = date.today()
    fec.get_by_label("Du").fill((today - timedelta(days=400)).isoformat())
    fec.get_by_label("Au (clôture)").fill(today.isoformat())
    accounts = fec.get_by_text("Comptes (plan comptable)")
    accounts.click()
    fec.get_by_label("Compte de ventes").fill("606000")
    accounts.click()
    fec.get_by_role("button", name="Télécharger le FEC").click()
    expect(page.locator("#fec-sales-error")).to_have_text(
        "Des chiffres commençant par 706 (12 au plus)."
    )
    expect(page.locator("#fec-sales-error")).to_be_visible()
    expect(page.locator("#fec-end-error")).to_be_hidden()
    fec.get_by_label("Compte de ventes").fill("706000")
    with page.expect_download() as fec_download:
        fec.get_by_role("button", name="Télécharger le FEC").click()
    download = fec_download.value
    assert download.suggested_filename == f"{SIREN}FEC{today:%Y%m%d}.txt"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"JournalCode\tJournalLib\t")
    assert b"FA-" in content
    expect(fec.get_by_role("status")).to_contain_text(download.suggested_filename)
    expect(page.locator("#fec-end-error")).to_be_hidden()

    # The payroll variables of a month of the demo's history (validated CRAs).
    month = MonthKey.of(today)
    for _ in range(6):
        month = month.previous()
    paie = page.get_by_test_id("payroll-form")
    paie.get_by_label("Mois").fill(str(month))
    with page.expect_download() as payroll_download:
        paie.get_by_role("button", name="Télécharger les variables de paie").click()
    download = payroll_download.value
    assert download.suggested_filename == f"variables-paie-{month}.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith((";".join(payroll.HEADER) + "\r\n").encode())
    assert b"alice.martin@octave.example" in content
    expect(paie.get_by_role("status")).to_contain_text(download.suggested_filename)

    # The same month's leave for payroll (taken per type, balances left): a month with no
    # validated CRA is refused at its field, then the file comes under its name.
    conges = page.get_by_test_id("leave-form")
    conges.get_by_label("Mois").fill("2099-01")
    conges.get_by_role("button", name="Télécharger les congés du mois").click()
    expect(page.locator("#leave-month-error")).to_have_text(
        "Aucun CRA validé ou signé pour ce mois."
    )
    conges.get_by_label("Mois").fill(str(month))
    with page.expect_download() as leave_download:
        conges.get_by_role("button", name="Télécharger les congés du mois").click()
    download = leave_download.value
    assert download.suggested_filename == f"conges-{month}.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith((";".join(payroll.LEAVE_HEADER) + "\r\n").encode())
    assert b"alice.martin@octave.example" in content
    expect(page.locator("#leave-month-error")).to_be_hidden()

    # The month's invoices and CRAs as CSV, one click each: a month with no invoice is refused
    # at its field; a month of the demo's history gives the files the accountant expects.
    invoices = page.get_by_test_id("csv-invoices-form")
    invoices.get_by_label("Mois").fill("2099-01")
    invoices.get_by_role("button", name="Télécharger les factures du mois").click()
    expect(page.locator("#csv-invoices-month-error")).to_have_text(
        "Aucune facture ni aucun avoir émis ce mois-là."
    )
    invoices.get_by_label("Mois").fill(str(month))
    with page.expect_download() as invoices_download:
        invoices.get_by_role("button", name="Télécharger les factures du mois").click()
    download = invoices_download.value
    assert download.suggested_filename == f"factures-{month}.csv"
    content = Path(download.path()).read_bytes().decode("utf-8-sig")
    assert content.startswith("numero;type;date_emission;")
    assert "FA-" in content and f";{month}-" in content
    expect(page.locator("#csv-invoices-month-error")).to_be_hidden()
    cra = page.get_by_test_id("csv-months-form")
    cra.get_by_label("Mois").fill(str(month))
    with page.expect_download() as months_download:
        cra.get_by_role("button", name="Télécharger les CRA du mois").click()
    download = months_download.value
    assert download.suggested_filename == f"cra-{month}.csv"
    content = Path(download.path()).read_bytes().decode("utf-8-sig")
    assert content.startswith("mois;matricule;consultant;statut_cra;")
    assert "alice.martin@octave.example" in content
    expect(cra.get_by_role("status")).to_contain_text(download.suggested_filename)
    page.screenshot(path=SCREENSHOTS / f"backoffice-exports-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, "exports")
    assert serious_violations(page) == []
    assert browser_page.errors == []
