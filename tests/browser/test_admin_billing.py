"""The back office's "Facturation" tab in Chromium, on `carnet demo` data, from the old
`/admin/` address (it now leads to the tab): an expense with its receipt joins a pre-invoice
and the receipt opens from the line; issuing asks first (a cancel uses no number) and says the
number; a payment above what remains is refused next to its field before anything is sent;
the rest is paid and no payment or credit note is offered any more; another invoice is
cancelled by a credit note after a confirmation; a forfait milestone is delivered. Checked
with axe-core and for sideways scroll at 390 px; screenshots at 390 and 1280 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN_TAB_TIMEOUT_MS,
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
NUMBER = re.compile(r"FA-\d{4}-\d{5}")
CREDIT_NUMBER = re.compile(r"AV-\d{4}-\d{5}")


@pytest.fixture
def demo_origin(chromium_path: Path, demo_copies: DemoCopies, tmp_path: Path) -> Iterator[str]:
    """`carnet demo --no-serve` (which drafts the validated months' pre-invoices), then serve."""
    env = demo_copies.env(tmp_path)
    with _serving(env, tmp_path):
        yield env["CARNET_ORIGIN"]


def checked(page: Page, where: str) -> None:
    """No sideways scroll and nothing serious for axe, at the page's current width."""
    width, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, f"{where}: the page is {width} px wide in a {inner} px window"
    assert serious_violations(page) == [], where


def shoot(page: Page, name: str) -> None:
    """Screenshots at the phone's width and at a laptop's, back to the phone after."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"billing-{name}-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SCREENSHOTS / f"billing-{name}-1280.png", full_page=True)
    checked(page, f"{name} at 1280 px")
    page.set_viewport_size({"width": 390, "height": 844})


def euros(text: str) -> int:
    """ "16 770,00 €" (narrow spaces) → cents, to type amounts from what the page shows."""
    digits = re.sub(r"[^\d,]", "", text)
    whole, _, cents = digits.partition(",")
    return int(whole) * 100 + int(cents or 0)


def test_admin_issues_pays_and_credits_invoices_from_the_billing_tab(
    browser_page: BrowserPage, demo_origin: str
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_origin}/#demo={ADMIN}")
    expect(page.get_by_test_id("admin-link")).to_be_visible(timeout=ADMIN_TAB_TIMEOUT_MS)

    # An old bookmark of the billing page opens the back office's billing tab.
    page.goto(f"{demo_origin}/admin/")
    wait_admin_tab(page, "billing")
    expect(page.get_by_role("heading", level=2, name="Facturation")).to_be_visible()
    expect(page.get_by_role("tab", name="Facturation")).to_have_attribute("aria-selected", "true")
    assert page.url == f"{demo_origin}/#admin"
    drafts = page.get_by_test_id("billing-drafts")
    expect(drafts.get_by_role("button")).to_have_count(2)
    first = drafts.get_by_role("button", name=re.compile("Banque Rhénane SA")).first
    # Its period, in words on screen ("septembre 2026"), as an ISO month on the button.
    month = first.get_attribute("data-period") or ""
    assert re.fullmatch(r"\d{4}-\d{2}", month), month

    # An expense of that month, with its receipt, joins the pre-invoice; 100,5 reads 100,50 €.
    expense = page.get_by_test_id("billing-expense-form")
    expense.get_by_label("Mission").select_option(label="Refonte du portail de paiement")
    expense.get_by_label("Date").fill(f"{month}-14")
    expense.get_by_label("Catégorie (transport, repas, hôtel…)").fill("transport")
    expense.get_by_label("Montant HT (€)").fill("100,5")
    expense.get_by_label("Justificatif (image ou PDF)").set_input_files(
        files=[{"name": "billet.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n"}]
    )
    expense.get_by_role("button", name="Enregistrer la dépense").click()
    expect(page.get_by_test_id("billing-status")).to_have_text("Dépense enregistrée.")
    checked(page, "overview")
    shoot(page, "overview")

    page.get_by_test_id("billing-drafts").locator(f"button[data-period='{month}']").filter(
        has_text="Banque Rhénane SA"
    ).first.click()
    lines = page.get_by_test_id("billing-lines")
    expect(lines).to_contain_text("Frais refacturés : transport")
    expect(lines).to_contain_text("100,50")
    with page.expect_download() as receipt:
        lines.get_by_role("button", name="Voir le justificatif").click()
    assert receipt.value.suggested_filename == "billet.pdf"
    assert Path(receipt.value.path()).read_bytes() == b"%PDF-1.4\n"

    # Issuing asks first: a cancel uses no number.
    page.get_by_test_id("billing-issue").click()
    dialog = page.get_by_test_id("billing-issue-dialog")
    expect(dialog).to_contain_text("prochain numéro légal")
    checked(page, "issue confirmation")
    shoot(page, "confirm")
    dialog.get_by_role("button", name="Annuler").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("billing-invoice-title")).to_contain_text("Pré-facture")
    page.get_by_test_id("billing-issue").click()
    dialog.get_by_role("button", name="Émettre").click()
    status = page.get_by_test_id("billing-status")
    expect(status).to_have_text(re.compile(r"^Facture FA-\d{4}-\d{5} émise\.$"))
    number = NUMBER.search(status.inner_text())
    assert number is not None
    expect(page.get_by_test_id("billing-invoice-title")).to_have_text(number.group(0))
    with page.expect_download() as pdf:
        page.get_by_test_id("billing-pdf").click()
    assert pdf.value.suggested_filename == f"{number.group(0)}.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")

    # A payment above what remains is refused at its field, before anything is sent.
    pay = page.get_by_test_id("billing-pay-form")
    amount = pay.get_by_label("Montant reçu (€)")
    due = euros(amount.input_value())
    assert due > 100_000
    amount.fill(f"{(due + 1) // 100},{(due + 1) % 100:02d}")
    pay.get_by_role("button", name="Enregistrer le paiement").click()
    error = page.locator("#billing-pay-amount-error")
    expect(error).to_contain_text("Le paiement dépasse le reste dû")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_be_focused()
    expect(page.get_by_test_id("billing-payments")).to_have_count(0)
    checked(page, "payment refused")
    shoot(page, "payment-refused")

    # 1 000 € typed the French way, then the rest (the field offers it).
    amount.fill("1 000")
    pay.get_by_role("button", name="Enregistrer le paiement").click()
    expect(status).to_contain_text("Paiement de 1\u202f000,00\u00a0€ enregistré.")
    expect(page.get_by_test_id("billing-payments").get_by_role("listitem")).to_have_count(1)
    assert (
        euros(
            page.get_by_test_id("billing-pay-form").get_by_label("Montant reçu (€)").input_value()
        )
        == due - 100_000
    )
    page.get_by_test_id("billing-pay-form").get_by_role(
        "button", name="Enregistrer le paiement"
    ).click()
    expect(status).to_contain_text("Reste dû : 0,00\u00a0€.")
    expect(page.get_by_test_id("billing-settled-note")).to_be_visible()
    expect(page.get_by_test_id("billing-pay-form")).to_have_count(0)
    expect(page.get_by_test_id("billing-credit-form")).to_have_count(0)
    checked(page, "paid invoice")
    shoot(page, "paid")
    page.get_by_test_id("billing-back").click()
    expect(page.get_by_test_id("billing-settled")).to_contain_text(number.group(0))

    # The other pre-invoice, issued then cancelled by a credit note after a confirmation.
    page.get_by_test_id("billing-drafts").get_by_role("button").first.click()
    page.get_by_test_id("billing-issue").click()
    page.get_by_test_id("billing-issue-dialog").get_by_role("button", name="Émettre").click()
    expect(status).to_contain_text("émise.")
    credit = page.get_by_test_id("billing-credit-form")
    credit.get_by_label("Motif de l'avoir").fill("ok")
    credit.get_by_role("button", name="Émettre l'avoir…").click()
    expect(page.locator("#billing-credit-reason-error")).to_have_text(
        "Dites pourquoi, en 3 caractères au moins."
    )
    credit.get_by_label("Motif de l'avoir").fill("Prestation annulée par le client")
    credit.get_by_role("button", name="Émettre l'avoir…").click()
    page.get_by_test_id("billing-credit-dialog").get_by_role(
        "button", name="Émettre l'avoir"
    ).click()
    expect(status).to_have_text(re.compile(r"^Avoir AV-\d{4}-\d{5} émis\.$"))
    assert CREDIT_NUMBER.search(status.inner_text()) is not None
    expect(page.get_by_test_id("billing-settled-note")).to_be_visible()
    expect(page.get_by_test_id("billing-pay-form")).to_have_count(0)
    expect(page.get_by_test_id("billing-credit-form")).to_have_count(0)
    expect(page.get_by_text("Annulée par avoir")).to_be_visible()

    # A forfait milestone delivered opens its pre-invoice.
    page.get_by_test_id("billing-back").click()
    milestone = page.get_by_test_id("billing-milestone").first
    milestone.get_by_role("button", name="Marquer livré").click()
    expect(status).to_contain_text("livré : sa pré-facture est ouverte.")
    expect(page.get_by_test_id("billing-lines")).to_contain_text("jalon")
    checked(page, "milestone pre-invoice")

    # Offline, the tab says billing needs the network instead of failing silently.
    page.context.set_offline(True)
    page.get_by_test_id("billing-back").click()
    expect(page.get_by_test_id("billing-failed")).to_have_text(
        "Pas de connexion au serveur : la facturation a besoin du réseau. "
        "Réessayez quand il revient."
    )
    page.context.set_offline(False)
    page.get_by_test_id("billing-back").click()
    expect(page.get_by_test_id("billing-drafts")).to_be_visible()

    # In English too, amounts still the French way (they are a French invoice's).
    page.locator("#lang").select_option("en")
    # The back office drawn again in English (its tabs too) before a tab is opened in it.
    expect(page.get_by_role("tab", name="Billing")).to_be_visible()
    open_admin_tab(page, "billing")
    expect(page.get_by_role("heading", level=2, name="Billing")).to_be_visible()
    expect(page.get_by_role("heading", name="Pre-invoices to review")).to_be_visible()
    expect(page.get_by_test_id("billing-settled")).to_contain_text("Paid")
    expect(page.get_by_test_id("billing-settled")).to_contain_text(",00\u00a0€")
    assert browser_page.errors == []
