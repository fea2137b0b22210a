"""The back office's "Exports" tab in Chromium, on a phone (390×844) and a laptop (1280×800), on
`carnet demo` data (a year of validated months and issued invoices): the administrator saves
the organisation's billing profile (a bad IBAN first refused under its field), downloads the
FEC of a period (an empty period and a period ending before it starts first refused next to
their fields), a month's payroll variables, and the month's invoices and CRAs as CSV (an empty
month refused at its field), each under the name the accountant expects. No sideways scroll
at 390 px; axe finds nothing serious."""

from __future__ import annotations

import uuid
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
    _run_cli,
    _server_env,
    _serving,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

ADMIN = "claire.admin@octave.example"
SIREN = "812345676"


@pytest.fixture(scope="module")
def demo_origin(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`carnet demo --no-serve` (a year of history: invoices issued, months validated), served
    for this module's tests alone (they change its billing profile)."""
    workdir = tmp_path_factory.mktemp("exports_demo")
    env = _server_env(workdir, CARNET_DEMO_MODE="1")
    _run_cli(env, "demo", "--no-serve")
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
    page.get_by_test_id("admin-link").click()
    page.get_by_test_id("admin-tab-exports").click()
    expect(page.get_by_role("heading", name="Exports")).to_be_visible()

    # The billing profile: prefilled with what is stored; a bad IBAN is refused under its field.
    form = page.get_by_test_id("profile-form")
    expect(form.get_by_test_id("profile-identity")).to_contain_text(SIREN)
    expect(form.get_by_label("Mentions légales (forme, capital, RCS)")).to_have_value(
        "SAS au capital de 50 000 EUR - RCS Paris 812 345 676"
    )
    city = f"Paris {uuid.uuid4().hex[:6]}"
    form.get_by_label("Adresse", exact=True).fill("12 rue de la Paix")
    form.get_by_label("Code postal").fill("75002")
    form.get_by_label("Ville").fill(city)
    iban = form.get_by_label("IBAN (sans espace)")
    iban.fill("FR76 12")
    form.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.locator("#profile-iban-error")).to_have_text(
        "2 lettres du pays, 2 chiffres de contrôle puis 10 à 30 lettres ou chiffres, sans espace."
    )
    expect(iban).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#profile-city-error")).to_be_hidden()
    stored = page.request.get(f"{demo_origin}/api/v1/billing-profile").json()
    assert stored["iban"] == "FR7630006000011234567890189" and stored["city"] != city
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-exports-refused-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, "exports, refused IBAN")
        assert serious_violations(page) == []
    # As printed on a RIB, in groups of four: saved without the spaces.
    iban.fill("FR76 3000 6000 0112 3456 7890 189")
    form.get_by_role("button", name="Enregistrer le profil").click()
    expect(form.get_by_role("status")).to_have_text("Enregistré.")
    expect(page.locator("#profile-iban-error")).to_be_hidden()
    stored = page.request.get(f"{demo_origin}/api/v1/billing-profile").json()
    assert stored["iban"] == "FR7630006000011234567890189"
    assert (stored["address_line"], stored["postcode"], stored["city"]) == (
        "12 rue de la Paix",
        "75002",
        city,
    )

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
