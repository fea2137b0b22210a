"""The CII XML of each VAT regime passes the XSD, EN 16931 and French CTC rules, and a broken
one does not (so the checks can fail)."""

from dataclasses import replace
from datetime import date

import pytest

from server.domain import invoicing as inv
from server.domain import pricing as p
from server.services import facturx_document as fx
from tests.invoicing.facturx_checks import assert_valid_facturx, schematron_failures

SELLER = inv.Party(
    name="Octave Conseil SAS",
    siren="812345676",
    siret="81234567600017",
    vat_number="FR19812345676",
    address_line="12 rue de la Paix",
    postcode="75002",
    city="Paris",
    legal_info="SAS au capital de 50 000 EUR",
    iban="FR7630006000011234567890189",
)
FR_BUYER = inv.Party(
    name="Banque Rhénane SA",
    siren="552000770",
    vat_number="FR86552000770",
    address_line="3 quai Kléber",
    postcode="67000",
    city="Strasbourg",
)
EU_BUYER = inv.Party(
    name="Rheinbank AG",
    siren="",
    vat_number="DE123456789",
    address_line="Hauptstraße 1",
    postcode="10115",
    city="Berlin",
    country_code="DE",
)


def invoice(
    regime: p.VatRegime, buyer: inv.Party, seller: inv.Party = SELLER
) -> inv.InvoiceRecord:
    lines = [
        p.regie_line(
            key="mission:1",
            label="Audit — Chloé Bernard",
            half_days=41,
            daily_rate_cents=80_000,
            description="Régie 2026-10 : 20,5 j",
        ),
        p.expense_line(
            key="expense:1", label="Frais : train", amount_cents=10_050, margin_bp=1000
        ),
    ]
    lines += p.invoice_discount_lines(lines=lines, label="Remise", percent_bp=300)
    totals = p.totals(lines=lines, regime=regime)
    return inv.InvoiceRecord(
        id="x",
        organisation_id="o",
        client_id="c",
        kind=inv.InvoiceKind.INVOICE,
        status=inv.InvoiceStatus.ISSUED,
        group_key="g",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        sources=(),
        warnings=(),
        regime=regime,
        number="FA-2026-00042",
        issued_on=date(2026, 11, 2),
        due_on=date(2026, 12, 2),
        seller=seller.as_dict(),
        buyer=buyer.as_dict(),
        net_cents=totals.net_cents,
        vat_cents=totals.vat_cents,
        gross_cents=totals.gross_cents,
        credits_id=None,
        reason="",
        paid_cents=0,
        lines=tuple(
            inv.LineRecord(id=str(i), position=i, line=line)
            for i, line in enumerate(lines, start=1)
        ),
    )


@pytest.mark.parametrize(
    ("regime", "buyer", "seller"),
    [
        (p.VatRegime.STANDARD, FR_BUYER, SELLER),
        (p.VatRegime.REVERSE_CHARGE, EU_BUYER, SELLER),
        (p.VatRegime.FRANCHISE, FR_BUYER, replace(SELLER, vat_number="")),
    ],
)
def test_each_regime_passes_schema_en16931_and_french_rules(
    regime: p.VatRegime, buyer: inv.Party, seller: inv.Party
) -> None:
    xml = fx.build_xml(invoice(regime, buyer, seller), terms_text="Paiement à 30 jours.")
    assert_valid_facturx(xml)
    if regime is p.VatRegime.REVERSE_CHARGE:
        assert b"Autoliquidation" in xml and b"<ram:CategoryCode>AE" in xml
    if regime is p.VatRegime.FRANCHISE:
        assert b"293 B du CGI" in xml


def test_a_wrong_total_is_caught_by_the_rules() -> None:
    """Make sure the schematron run really checks: a tampered total fails BR-CO-15."""
    xml = fx.build_xml(invoice(p.VatRegime.STANDARD, FR_BUYER), terms_text="30 jours")
    broken = xml.replace(b"<ram:GrandTotalAmount", b"<ram:GrandTotalAmount", 1)
    start = broken.index(b"<ram:GrandTotalAmount")
    end = broken.index(b"</ram:GrandTotalAmount>", start)
    broken = broken[:start] + b'<ram:GrandTotalAmount currencyID="EUR">1.00' + broken[end:]
    failures = schematron_failures(broken)
    assert any(f.startswith("BR-CO-15") for f in failures["EN 16931 (Factur-X 1.09 CII)"])
