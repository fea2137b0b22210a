"""A demo month from validated to an issued Factur-X invoice, credit notes and refusals."""

import io
from datetime import date, datetime, timedelta

import pytest
from litestar import Litestar
from pypdf import PdfReader

from server.domain import invoicing as inv
from server.domain.errors import Conflict, InvalidInput
from server.services import invoicing as billing
from server.services.sync_service import set_month_state
from server.storage import invoicing_store as store
from server.storage import repositories as repo
from sync.months import MonthStatus
from tests.invoicing.facturx_checks import assert_valid_facturx
from tests.invoicing.helpers import NOW, demo


def CLOCK() -> datetime:
    return NOW


async def test_a_signed_demo_month_becomes_an_issued_facturx_invoice(app: Litestar) -> None:
    """Make sure Alice's signed September gives one pre-invoice, issued as FA-2026-00001,
    whose XML passes the XSD, EN 16931 and French rules and whose PDF embeds it."""
    d = await demo()
    month_id = await d.timesheet_id(d.alice, "2026-09")
    touched = await billing.on_month_validated(month_id=month_id, at=NOW)
    assert len(touched) == 1
    assert await billing.on_month_validated(month_id=month_id, at=NOW) == touched
    draft = await billing.visible_invoice(d.admin, touched[0])
    assert draft.status is inv.InvoiceStatus.DRAFT and draft.number is None
    # 22 working days in September 2026, one afternoon of CP: 43 half-days × 650 / 2.
    assert [(r.line.quantity, r.line.net_cents) for r in draft.lines] == [(43, 1_397_500)]
    assert (draft.net_cents, draft.vat_cents, draft.gross_cents) == (1_397_500, 279_500, 1_677_000)

    issued = await billing.issue(actor=d.admin, invoice_id=draft.id, clock=CLOCK)
    assert issued.number == "FA-2026-00001"
    assert issued.issued_on == date(2026, 11, 16)
    assert issued.due_on == date(2026, 12, 16)
    assert issued.buyer["siren"] == "552000770" and issued.seller["siren"] == "812345676"
    xml = await billing.xml_of(actor=d.admin, invoice_id=issued.id)
    assert_valid_facturx(xml)

    name, pdf = await billing.pdf_of(actor=d.admin, invoice_id=issued.id)
    assert name == "FA-2026-00001.pdf"
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "FA-2026-00001" in text and "Autoliquidation" not in text
    assert "40 EUR" in text and "réf. CRA" in text and month_id in text
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp and b"<fx:ConformanceLevel>EN 16931" in xmp
    assert catalog["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert "/AF" in catalog
    from facturx import get_facturx_xml_from_pdf

    _, embedded = get_facturx_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)
    assert embedded == xml
    # An issued invoice is never recomputed by the hook.
    assert await billing.on_month_validated(month_id=month_id, at=NOW) == [issued.id]


async def test_credit_notes_correct_in_part_never_beyond_the_invoice(app: Litestar) -> None:
    """Make sure a credit note has its own series, cites the original and is bounded."""
    d = await demo()
    [draft_id] = await billing.on_month_validated(
        month_id=await d.timesheet_id(d.alice, "2026-09"), at=NOW
    )
    issued = await billing.issue(actor=d.admin, invoice_id=draft_id, clock=CLOCK)
    line_id = issued.lines[0].id
    note = await billing.credit(
        actor=d.admin,
        invoice_id=issued.id,
        reason="Demi-journée comptée à tort",
        lines={line_id: 1},
        clock=CLOCK,
    )
    assert note.number == "AV-2026-00001" and note.kind is inv.InvoiceKind.CREDIT_NOTE
    assert (note.net_cents, note.vat_cents, note.gross_cents) == (32_500, 6_500, 39_000)
    xml = await billing.xml_of(actor=d.admin, invoice_id=note.id)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml and b"FA-2026-00001" in xml
    assert_valid_facturx(xml)
    with pytest.raises(inv.CreditTooLarge):
        await billing.credit(
            actor=d.admin, invoice_id=issued.id, reason="Trop", lines={line_id: 43}, clock=CLOCK
        )
    rest = await billing.credit(
        actor=d.admin, invoice_id=issued.id, reason="Annulation", lines=None, clock=CLOCK
    )
    assert rest.number == "AV-2026-00002" and rest.lines[0].line.quantity == 42
    with pytest.raises(inv.CreditTooLarge):
        await billing.credit(
            actor=d.admin, invoice_id=issued.id, reason="Encore", lines=None, clock=CLOCK
        )
    _, pdf = await billing.pdf_of(actor=d.admin, invoice_id=note.id)
    from facturx import get_facturx_xml_from_pdf

    assert get_facturx_xml_from_pdf(io.BytesIO(pdf), check_xsd=True)[1] == xml
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Avoir n° AV-2026-00001" in text and "FA-2026-00001" in text


async def test_a_month_reopened_since_is_refused_and_consumes_no_number(app: Litestar) -> None:
    d = await demo()
    month_id = await d.timesheet_id(d.alice, "2026-09")
    [draft_id] = await billing.on_month_validated(month_id=month_id, at=NOW)
    await set_month_state(
        consultant_id=d.alice.id,
        month="2026-09",
        status=MonthStatus.SENT_BACK,
        now=NOW,
        reopen=True,
    )
    with pytest.raises(inv.NotIssuable) as refused:
        await billing.issue(actor=d.admin, invoice_id=draft_id, clock=CLOCK)
    assert refused.value.errors[0].code == "month_reopened"
    assert (await billing.visible_invoice(d.admin, draft_id)).number is None
    # Validated again: recomputed with the new epoch, and the first number is still free.
    await set_month_state(
        consultant_id=d.alice.id, month="2026-09", status=MonthStatus.SIGNED, now=NOW
    )
    assert await billing.on_month_validated(month_id=month_id, at=NOW) == [draft_id]
    issued = await billing.issue(actor=d.admin, invoice_id=draft_id, clock=CLOCK)
    assert issued.number == "FA-2026-00001"


async def test_a_month_not_validated_never_gets_a_pre_invoice(app: Litestar) -> None:
    d = await demo()
    month_id = await d.timesheet_id(d.alice, "2026-10")  # in validation
    assert await billing.on_month_validated(month_id=month_id, at=NOW) == []
    # The demo's validated and signed months have theirs (Alice's August and September).
    drafts = await store.list_invoices(d.admin.organisation_id)
    assert sorted(i.period_start.isoformat()[:7] for i in drafts) == ["2026-08", "2026-09"]


async def test_missing_rate_and_missing_identity_block_issuing(app: Litestar) -> None:
    """Make sure a mission without TJM and a client without SIREN are refused clearly."""
    from server.storage import tables as t

    d = await demo()
    await t.Mission.update({t.Mission.daily_rate_cents: None}).where(
        t.Mission.id == d.alice_mission.id
    )
    await t.ClientCompany.update({t.ClientCompany.siren: ""}).where(
        t.ClientCompany.id == d.alice_mission.client_id
    )
    [draft_id] = await billing.on_month_validated(
        month_id=await d.timesheet_id(d.alice, "2026-09"), at=NOW
    )
    draft = await billing.visible_invoice(d.admin, draft_id)
    assert {w["code"] for w in draft.warnings} == {"missing_rate", "missing_billing_identity"}
    with pytest.raises(inv.NotIssuable) as refused:
        await billing.issue(actor=d.admin, invoice_id=draft_id, clock=CLOCK)
    assert {e.code for e in refused.value.errors} == {"missing_rate", "missing_billing_identity"}
    assert "no daily rate" in refused.value.message


async def test_adjustments_need_a_reason_and_survive_recomputation(app: Litestar) -> None:
    d = await demo()
    month_id = await d.timesheet_id(d.alice, "2026-09")
    [draft_id] = await billing.on_month_validated(month_id=month_id, at=NOW)
    key = f"mission:{d.alice_mission.id}"
    with pytest.raises(InvalidInput) as refused:
        await billing.adjust_line(
            actor=d.admin,
            invoice_id=draft_id,
            adjustment=inv.Adjustment(key, 42, None, ""),
            now=NOW,
        )
    assert refused.value.errors[0].field == "reason"
    adjusted = await billing.adjust_line(
        actor=d.admin,
        invoice_id=draft_id,
        adjustment=inv.Adjustment(key, 42, None, "Réunion non facturable"),
        now=NOW,
    )
    assert adjusted.lines[0].line.quantity == 42
    await billing.on_month_validated(month_id=month_id, at=NOW)
    again = await billing.visible_invoice(d.admin, draft_id)
    assert again.lines[0].line.quantity == 42 and again.net_cents == 1_365_000
    assert [a.reason for a in await store.adjustments_of(draft_id)] == ["Réunion non facturable"]
    with pytest.raises(InvalidInput):
        await billing.discount_line(
            actor=d.admin,
            invoice_id=draft_id,
            discount=inv.LineDiscount(key, None, 1_365_001, "Geste commercial"),
            now=NOW,
        )
    line_discounted = await billing.discount_line(
        actor=d.admin,
        invoice_id=draft_id,
        discount=inv.LineDiscount(key, 1000, None, "Geste commercial"),
        now=NOW,
    )
    assert [r.line.net_cents for r in line_discounted.lines] == [1_365_000, -136_500]
    discounted = await billing.set_discount(
        actor=d.admin, invoice_id=draft_id, percent_bp=500, amount_cents=None, now=NOW
    )
    # 5 % of what the line discount left: 1 228 500 × 5 % = 61 425.
    assert [r.line.net_cents for r in discounted.lines] == [1_365_000, -136_500, -61_425]
    assert discounted.net_cents == 1_167_075 and discounted.vat_cents == 233_415
    issued = await billing.issue(actor=d.admin, invoice_id=draft_id, clock=CLOCK)
    assert_valid_facturx(await billing.xml_of(actor=d.admin, invoice_id=issued.id))
    with pytest.raises(Conflict):
        await billing.adjust_line(
            actor=d.admin,
            invoice_id=draft_id,
            adjustment=inv.Adjustment(key, 40, None, "Trop tard"),
            now=NOW,
        )


async def test_expenses_milestones_and_payments(app: Litestar) -> None:
    """Make sure a re-billed expense joins the month, a delivered milestone gets its own
    pre-invoice, and payments are kept until the invoice is paid."""
    d = await demo()
    month_id = await d.timesheet_id(d.alice, "2026-09")
    await billing.on_month_validated(month_id=month_id, at=NOW)
    await billing.record_expense(
        actor=d.admin,
        new=billing.NewExpense(
            mission_id=d.alice_mission.id,
            spent_on=date(2026, 9, 14),
            category="transport",
            label="Paris–Strasbourg",
            amount_cents=10_050,
            vat_cents=1_005,
            margin_bp=1000,
            receipt_name="billet.pdf",
            receipt_type="application/pdf",
            receipt_base64="JVBERi0xLjQK",
        ),
        now=NOW,
    )
    draft = next(
        i
        for i in await store.list_invoices(d.admin.organisation_id)
        if i.period_start == date(2026, 9, 1)
    )
    assert [r.line.net_cents for r in draft.lines] == [1_397_500, 11_055]
    milestone_invoice = await billing.on_milestone_delivered(
        actor=d.admin,
        mission_id=d.bruno_mission.id,
        position=0,
        delivered_on=date(2026, 9, 30),
        now=NOW,
    )
    milestone = await billing.issue(actor=d.admin, invoice_id=milestone_invoice, clock=CLOCK)
    assert milestone.gross_cents == 1_800_000 and milestone.number == "FA-2026-00001"
    assert_valid_facturx(await billing.xml_of(actor=d.admin, invoice_id=milestone.id))
    with pytest.raises(InvalidInput):
        await billing.record_payment(
            actor=d.admin,
            invoice_id=milestone.id,
            paid_on=NOW.date(),
            amount_cents=1_800_001,
            now=NOW,
        )
    await billing.record_payment(
        actor=d.admin,
        invoice_id=milestone.id,
        paid_on=NOW.date(),
        amount_cents=800_000,
        now=NOW,
    )
    paid = await billing.record_payment(
        actor=d.admin,
        invoice_id=milestone.id,
        paid_on=NOW.date() + timedelta(days=3),
        amount_cents=1_000_000,
        now=NOW,
    )
    assert paid.status is inv.InvoiceStatus.PAID and paid.paid_cents == 1_800_000
    assert len(await store.payments_of(milestone.id)) == 2
    assert await repo.get_mission(d.bruno_mission.id) is not None
