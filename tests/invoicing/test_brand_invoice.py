"""The invoice in the firm's brand (docs/brand.md): its colour on the titles, its logo above
them, and still a PDF/A-3b Factur-X file whose XML passes the rules."""

import base64
import io
from datetime import datetime

from litestar import Litestar
from PIL import Image
from pypdf import PdfReader

from server.domain import brand as rules
from server.services import facturx_document as fx
from server.services import firm_brand
from server.services import invoicing as billing
from tests.invoicing.facturx_checks import assert_valid_facturx
from tests.invoicing.helpers import NOW, demo


def CLOCK() -> datetime:
    return NOW


def logo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (160, 80), (11, 93, 30, 255)).save(out, format="PNG")
    return out.getvalue()


async def test_the_invoice_carries_the_firms_colour_and_logo(app: Litestar) -> None:
    """Make sure an invoice issued after the firm set its brand is drawn in its invoice colour
    with its logo, and is still a valid Factur-X PDF/A-3b."""
    d = await demo()
    await firm_brand.update(
        d.admin,
        rules.BrandInput(
            app_name="Octave",
            short_name="Octave",
            primary_color="#1f4e79",
            accent_color="#7A1F5C",
            email_sender_name="",
            email_footer="",
        ),
        clock=CLOCK,
    )
    await firm_brand.set_logo(d.admin, base64.b64encode(logo_png()).decode(), clock=CLOCK)
    month_id = await d.timesheet_id(d.alice, "2026-09")
    [draft] = await billing.on_month_validated(month_id=month_id, at=NOW)
    issued = await billing.issue(actor=d.admin, invoice_id=draft, clock=CLOCK)

    look = await billing.invoice_look(d.admin.organisation_id)
    assert look.color == "#7a1f5c" and look.logo_png
    page = fx.render_html(issued, terms_text="Paiement à 30 jours.", original=None, look=look)
    assert "h1, h2 { color: #7a1f5c; }" in page
    assert '<img class=logo alt="" src="data:image/png;base64,' in page

    _, pdf = await billing.pdf_of(actor=d.admin, invoice_id=issued.id)
    reader = PdfReader(io.BytesIO(pdf))
    images = reader.pages[0].images
    assert [image.image.size for image in images] == [(160, 80)]
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    from facturx import get_facturx_xml_from_pdf

    _, embedded = get_facturx_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert_valid_facturx(embedded)


async def test_a_firm_without_brand_keeps_the_plain_invoice(app: Litestar) -> None:
    """Make sure a firm that set no brand gets the invoice as before: no logo, dark titles."""
    d = await demo()
    assert await billing.invoice_look(d.admin.organisation_id) == fx.PLAIN
