"""The Factur-X adapter: the only module importing `facturx` and `weasyprint`.

An issued invoice (or credit note) becomes the EN 16931 CII XML (`facturx.generate_xml`,
checked against the library's XSD), and a PDF/A-3b rendered by WeasyPrint from HTML with that
XML embedded as `factur-x.xml` (`facturx.generate_from_binary`).
"""

import base64
import html
from dataclasses import dataclass
from datetime import date
from typing import Any

from facturx import generate_from_binary, generate_xml

from server.domain import invoicing as inv
from server.domain import pricing as p

LEVEL = "en16931"
GUIDELINE = "urn:cen.eu:en16931:2017"
UNIT_CODE = {p.Unit.HALF_DAY: "DAY", p.Unit.UNIT: "C62"}


@dataclass(frozen=True)
class InvoiceLook:
    """The firm's brand on its invoices (docs/brand.md): the colour of the titles and table
    heads (checked for 4.5:1 on white), and its logo (a PNG, re-encoded) above the title."""

    color: str = "#111111"
    logo_png: bytes = b""


PLAIN = InvoiceLook()


def _quantity(line: p.Line) -> str:
    if line.unit is p.Unit.HALF_DAY:
        whole, half = divmod(abs(line.quantity), 2)
        sign = "-" if line.quantity < 0 else ""
        return f"{sign}{whole}.5" if half else f"{sign}{whole}"
    return str(line.quantity)


def _rate(rate_bp: int) -> str:
    return f"{rate_bp // 100}.{rate_bp % 100:02d}"


# EAS (CEF Electronic Address Scheme) codes of EU VAT numbers, for a foreign buyer's electronic
# address (BT-49, mandatory in the French CTC rules); a French company is addressed by SIREN.
VAT_SCHEMES = {
    "AT": "9914",
    "BE": "9925",
    "DE": "9930",
    "EE": "9931",
    "GR": "9933",
    "HR": "9934",
    "IE": "9935",
    "IT": "9906",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "SI": "9949",
    "SK": "9950",
}


def _party(party: inv.Party, *, with_siren: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": party.name,
        "country_code": party.country_code,
        "city": party.city,
        "postcode": party.postcode,
        "addr_l1": party.address_line,
    }
    if party.vat_number:
        data["vat_identifier"] = party.vat_number
    elif party.siren:
        # Franchise (no VAT number): EN 16931 BR-E-02 wants a tax registration id (BT-32).
        data["tax_identifier"] = party.siren
    if with_siren and party.siren:
        data["legal_identifier"] = party.siren
        data["legal_identifier_schemeid"] = "0002"
        # The French e-invoicing directory addresses a company by its SIREN (scheme 0225).
        # ...or by an address of its own there (e.g. "<SIREN>_FACTURES"), when it set one.
        data["einvoicing_addr"] = party.electronic_address or party.siren
        data["einvoicing_addr_schemeid"] = "0225"
    elif party.vat_number and party.country_code in VAT_SCHEMES:
        data["einvoicing_addr"] = party.vat_number
        data["einvoicing_addr_schemeid"] = VAT_SCHEMES[party.country_code]
    if party.legal_info:
        data["legal_info"] = party.legal_info
    return data


def mentions(invoice: inv.InvoiceRecord, terms_text: str) -> list[tuple[str, str]]:
    """The coded notes (BG-1) French rules require: penalties, indemnity, escompte, B2B."""
    buyer = inv.Party.from_dict(invoice.buyer)
    return [
        ("PMT", p.RECOVERY_MENTION),
        ("PMD", p.PENALTY_MENTION),
        ("AAB", p.NO_ESCOMPTE_MENTION),
        ("BAR", "B2B" if buyer.country_code == "FR" else "B2BINT"),
        ("AAI", terms_text),
    ]


def data_dict(
    invoice: inv.InvoiceRecord, *, terms_text: str, original: tuple[str, date] | None
) -> dict[str, Any]:
    """The EN 16931 business terms of an issued invoice, as `facturx.generate_xml` wants them
    (amounts as decimal strings: the library refuses `Decimal`)."""
    assert invoice.number and invoice.issued_on and invoice.due_on
    seller = inv.Party.from_dict(invoice.seller)
    buyer = inv.Party.from_dict(invoice.buyer)
    lines = [record.line for record in invoice.lines]
    totals = p.totals(lines=lines, regime=invoice.regime)
    data: dict[str, Any] = {
        "BT-1": invoice.number,
        "BT-2": invoice.issued_on,
        "BT-3": "381" if invoice.kind is inv.InvoiceKind.CREDIT_NOTE else "380",
        "BT-5": "EUR",
        "BT-9": invoice.due_on,
        "BT-23": "S1",  # services only (French CTC "cadre de facturation")
        "BT-24": GUIDELINE,
        "BT-72": invoice.period_end,
        "BT-73": invoice.period_start,
        "BT-74": invoice.period_end,
        "BT-20": terms_text,
        "BG-1": [
            {"BT-21": code, "BT-22": text}
            for code, text in mentions(invoice, terms_text)
            if code != "AAI"
        ],
        "BG-4": _party(seller, with_siren=True),
        "BG-7": _party(buyer, with_siren=buyer.country_code == "FR"),
        "BG-25": [
            {
                "BT-126": str(record.position),
                "BT-129": _quantity(record.line),
                "BT-130": UNIT_CODE[record.line.unit],
                "BT-131": p.format_cents(record.line.net_cents),
                "BT-146": p.format_cents(record.line.unit_price_cents),
                "BT-151": p.vat_treatment(
                    regime=invoice.regime, rate_bp=record.line.vat_rate_bp
                ).category,
                "BT-152": _rate(
                    p.vat_treatment(regime=invoice.regime, rate_bp=record.line.vat_rate_bp).rate_bp
                ),
                "BT-153": record.line.label[:100],
                **({"BT-154": record.line.description} if record.line.description else {}),
            }
            for record in invoice.lines
        ],
        "BG-23": [
            {
                "BT-116": p.format_cents(b.base_cents),
                "BT-117": p.format_cents(b.vat_cents),
                "BT-118": b.category,
                "BT-119": _rate(b.rate_bp),
                **({"BT-120": b.mention, "BT-121": b.exemption_code} if b.mention else {}),
            }
            for b in totals.breakdown
        ],
        "BT-106": p.format_cents(totals.net_cents),
        "BT-109": p.format_cents(totals.net_cents),
        "BT-110": p.format_cents(totals.vat_cents),
        "BT-112": p.format_cents(totals.gross_cents),
        "BT-115": p.format_cents(totals.gross_cents),
    }
    if invoice.regime is p.VatRegime.STANDARD:
        data["BT-8"] = "payment"  # VAT due on payment (encaissements), the default for services
    if seller.iban:
        data["BT-81"] = "58"
        data["BT-84"] = seller.iban
        if seller.bic:
            data["BT-86"] = seller.bic
    else:
        data["BT-81"] = "1"  # means not defined: credit transfer (30/58) requires an IBAN
    if invoice.buyer_reference:
        data["BT-10"] = invoice.buyer_reference
    if invoice.purchase_order:
        data["BT-13"] = invoice.purchase_order
    if original is not None:
        data["BG-3"] = [{"BT-25": original[0], "BT-26": original[1]}]
    return data


def build_xml(
    invoice: inv.InvoiceRecord, *, terms_text: str, original: tuple[str, date] | None = None
) -> bytes:
    """The CII XML, checked against the Factur-X EN 16931 XSD (raises if it does not pass)."""
    xml: bytes = generate_xml(
        data_dict(invoice, terms_text=terms_text, original=original),
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        check_schematron=False,
    )
    return xml


def _money(cents: int) -> str:
    return p.format_cents_fr(cents) + " €"


def _days(line: p.Line) -> str:
    return _quantity(line).replace(".", ",") + (" j" if line.unit is p.Unit.HALF_DAY else "")


def render_html(
    invoice: inv.InvoiceRecord,
    *,
    terms_text: str,
    original: tuple[str, date] | None,
    look: InvoiceLook = PLAIN,
) -> str:
    """A readable invoice: identities, lines, VAT per rate, mentions, and the CRA summary, in
    the firm's colour and with its logo."""
    e = html.escape
    logo = (
        '<img class=logo alt="" src="data:image/png;base64,'
        + base64.b64encode(look.logo_png).decode()
        + '">'
        if look.logo_png
        else ""
    )
    seller = inv.Party.from_dict(invoice.seller)
    buyer = inv.Party.from_dict(invoice.buyer)
    credit = invoice.kind is inv.InvoiceKind.CREDIT_NOTE
    totals = p.totals(lines=[r.line for r in invoice.lines], regime=invoice.regime)
    title = ("Avoir" if credit else "Facture") + f" n° {invoice.number}"
    rows = "".join(
        f"<tr><td>{e(r.line.label)}<div class=d>{e(r.line.description)}</div></td>"
        f"<td class=n>{_days(r.line)}</td><td class=n>{_money(r.line.unit_price_cents)}</td>"
        f"<td class=n>{_rate(r.line.vat_rate_bp).replace('.', ',')} %</td>"
        f"<td class=n>{_money(r.line.net_cents)}</td></tr>"
        for r in invoice.lines
    )
    vat_rows = "".join(
        f"<tr><td>{b.category} {_rate(b.rate_bp).replace('.', ',')} %"
        f"{' — ' + e(b.mention) if b.mention else ''}</td>"
        f"<td class=n>{_money(b.base_cents)}</td><td class=n>{_money(b.vat_cents)}</td></tr>"
        for b in totals.breakdown
    )
    cra_rows = "".join(
        f"<tr><td>{e(str(s['consultant']))}</td><td>{e(str(s['mission']))}</td>"
        f"<td>{e(str(s['month']))}</td>"
        f"<td class=n>{str(s['half_days'] / 2).replace('.', ',')} j</td>"
        f"<td class=n>{str(s.get('absence_half_days', 0) / 2).replace('.', ',')} j</td>"
        f"<td>{'signé' if s['status'] == 'signed' else 'validé'} — réf. CRA "
        f"{e(str(s['timesheet_id']))} v{s.get('version', 0)}</td></tr>"
        for s in invoice.sources
    )
    cra = (
        "<h2>Détail : comptes rendus d'activité</h2><table><tr><th>Consultant</th>"
        "<th>Mission</th><th>Mois</th><th>Jours facturés</th><th>Absences</th>"
        f"<th>CRA</th></tr>{cra_rows}</table>"
        if cra_rows
        else ""
    )
    notes = "".join(f"<p>{e(text)}</p>" for _, text in mentions(invoice, terms_text)[:3])
    reference = (
        f"<p><b>Avoir sur la facture n° {e(original[0])} du {original[1]:%d/%m/%Y}</b>"
        f" — motif : {e(invoice.reason)}</p>"
        if original
        else ""
    )
    references = "".join(
        f"<br>{label} : {e(value)}"
        for label, value in (
            ("Bon de commande n°", invoice.purchase_order),
            ("Votre référence", invoice.buyer_reference),
        )
        if value
    )
    vat_ids = f"TVA intracommunautaire : {e(buyer.vat_number)}" if buyer.vat_number else ""
    due_label = "Net à déduire" if credit else "Net à payer"
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>{e(title)}</title><style>
@page {{ size: A4; margin: 16mm; @bottom-right {{ content: "{e(invoice.number or "")} — page "
counter(page) "/" counter(pages); font-size: 8pt; }} }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 9pt; color: #111; }}
h1 {{ font-size: 15pt; margin: 0 0 4mm; }} h2 {{ font-size: 11pt; margin: 6mm 0 2mm; }}
table {{ width: 100%; border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ccc;
padding: 1.5mm; text-align: left; vertical-align: top; }} .n {{ text-align: right;
white-space: nowrap; }} .d {{ color: #555; font-size: 8pt; }}
.parties {{ display: flex; gap: 10mm; }} .parties div {{ flex: 1; }}
h1, h2 {{ color: {e(look.color)}; }} th {{ border-bottom: 2px solid {e(look.color)}; }}
.logo {{ max-height: 18mm; max-width: 60mm; margin-bottom: 3mm; }}
</style></head><body>
{logo}<h1>{e(title)}</h1>
<div class=parties><div><b>{e(seller.name)}</b><br>{e(seller.address_line)}<br>
{e(seller.postcode)} {e(seller.city)} ({e(seller.country_code)})<br>
SIREN {e(seller.siren)}{" — SIRET " + e(seller.siret) if seller.siret else ""}<br>
{"TVA intracommunautaire : " + e(seller.vat_number) if seller.vat_number else ""}<br>
{e(seller.legal_info)}</div>
<div><b>Client : {e(buyer.name)}</b><br>{e(buyer.address_line)}<br>
{e(buyer.postcode)} {e(buyer.city)} ({e(buyer.country_code)})<br>
{"SIREN " + e(buyer.siren) if buyer.siren else ""}<br>{vat_ids}</div></div>
<p>Date d'émission : {invoice.issued_on:%d/%m/%Y} — Échéance : {invoice.due_on:%d/%m/%Y}<br>
Période de prestation : du {invoice.period_start:%d/%m/%Y} au {invoice.period_end:%d/%m/%Y}
 — Prestations de services{references}</p>
{reference}
<table><tr><th>Désignation</th><th class=n>Quantité</th><th class=n>Prix unitaire HT</th>
<th class=n>TVA</th><th class=n>Montant HT</th></tr>{rows}</table>
<h2>TVA</h2><table><tr><th>Taux</th><th class=n>Base HT</th><th class=n>TVA</th></tr>
{vat_rows}</table>
<table><tr><td>Total HT</td><td class=n>{_money(totals.net_cents)}</td></tr>
<tr><td>Total TVA</td><td class=n>{_money(totals.vat_cents)}</td></tr>
<tr><td><b>{due_label} (EUR)</b></td><td class=n><b>{_money(totals.gross_cents)}</b></td></tr>
</table>
<p>{e(terms_text)}{" IBAN : " + e(seller.iban) if seller.iban else ""}\
{" BIC : " + e(seller.bic) if seller.iban and seller.bic else ""}</p>
{notes}
{cra}
</body></html>"""


def render_pdf(
    invoice: inv.InvoiceRecord,
    *,
    xml: bytes,
    terms_text: str,
    original: tuple[str, date] | None = None,
    look: InvoiceLook = PLAIN,
) -> bytes:
    """PDF/A-3b from WeasyPrint with the CII XML embedded: a Factur-X EN 16931 file."""
    from weasyprint import HTML  # imported here: loading Pango costs time at startup

    page = render_html(invoice, terms_text=terms_text, original=original, look=look)
    visual = HTML(string=page).write_pdf(pdf_variant="pdf/a-3b")
    assert visual is not None
    seller = inv.Party.from_dict(invoice.seller)
    kind = "Avoir" if invoice.kind is inv.InvoiceKind.CREDIT_NOTE else "Facture"
    pdf: bytes = generate_from_binary(
        visual,
        xml,
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        lang="fr-FR",
        pdf_metadata={
            "author": seller.name,
            "keywords": "Factur-X",
            "title": f"{seller.name}: {kind} {invoice.number}",
            "subject": f"{kind} {invoice.number} du {invoice.issued_on:%d/%m/%Y}",
        },
    )
    return pdf
