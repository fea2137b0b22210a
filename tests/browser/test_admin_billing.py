"""The standalone billing page in Chromium, on `carnet demo` data: review, issue, PDF, pay."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, BrowserPage, _run_cli, _server_env, _serving

pytestmark = pytest.mark.browser

ADMIN = "claire.admin@octave.example"


@pytest.fixture
def demo_origin(chromium_path: Path, tmp_path: Path) -> Iterator[str]:
    """`carnet demo --no-serve` (which drafts the validated months' pre-invoices), then serve."""
    env = _server_env(tmp_path, CARNET_DEMO_MODE="1")
    _run_cli(env, "demo", "--no-serve")
    with _serving(env, tmp_path):
        yield env["CARNET_ORIGIN"]


def test_admin_issues_a_demo_pre_invoice_and_records_its_payment(
    browser_page: BrowserPage, demo_origin: str
) -> None:
    page = browser_page.page
    page.goto(f"{demo_origin}/api/v1/session")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    login = page.context.request.post(
        f"{demo_origin}/api/v1/auth/demo-login",
        data={"email": ADMIN},
        # As the page's own fetch would: the demo login wants the configured origin.
        headers={"x-csrftoken": token, "origin": demo_origin},
    )
    assert login.ok, login.text()
    page.goto(f"{demo_origin}/admin/")
    drafts = page.get_by_test_id("list-draft")
    expect(drafts.get_by_role("button")).to_have_count(2)
    expense = page.get_by_test_id("expense-form")
    expense.get_by_label("Mission").select_option(label="Refonte du portail de paiement")
    expense.get_by_label("Date").fill("2026-09-14")
    expense.get_by_label("Catégorie").fill("transport")
    expense.get_by_label("Montant HT (€)").fill("100.50")
    expense.get_by_label("Justificatif").set_input_files(
        files=[{"name": "billet.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}]
    )
    expense.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#message")).to_have_text("Enregistré.")
    drafts.get_by_role("button", name=re.compile("2026-09")).click()
    detail = page.get_by_test_id("detail")
    expect(detail).to_contain_text("Banque Rhénane SA")
    expect(detail).to_contain_text("Frais refacturés : transport")
    expect(detail).to_contain_text("CRA Alice Martin")
    detail.get_by_role("button", name="Émettre").click()
    # The demo's year of history already issued invoices: this one takes the next number.
    expect(detail).to_contain_text(re.compile(r"FA-\d{4}-\d{5}"))
    number = re.search(r"FA-\d{4}-\d{5}", detail.inner_text())
    assert number is not None
    expect(page.get_by_test_id("list-issued")).to_contain_text(number.group(0))
    pdf_link = detail.get_by_role("link", name="PDF Factur-X")
    pdf = page.context.request.get(f"{demo_origin}{pdf_link.get_attribute('href')}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    detail.get_by_role("button", name="Enregistrer un paiement").click()
    expect(page.get_by_test_id("list-paid")).to_contain_text(number.group(0))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "billing-fr-375.png", full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    # The page speaks English with the app's texts and number formats.
    page.locator("#lang").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing")
    expect(detail).to_contain_text("Total excl. VAT")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SCREENSHOTS / "billing-en-1280.png", full_page=True)
    assert browser_page.errors == []
