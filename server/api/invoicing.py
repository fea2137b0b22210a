"""Pre-invoices, invoices, credit notes, payments, expenses and exports (administrators)."""

from datetime import date
from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.api import invoicing_schemas as s
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems
from server.api.params import MilestonePosition
from server.api.token_auth import token_scope
from server.domain import invoicing as inv
from server.domain.access import ensure_role
from server.domain.integrations import Scope
from server.domain.roles import Actor, Role
from server.services import exports
from server.services import invoicing as billing
from server.services.accounts import CurrentSession


def _admin(session: CurrentSession) -> Actor:
    ensure_role(session.actor, Role.ADMIN)
    return session.actor


async def _out(actor: Actor, invoice: inv.InvoiceRecord) -> s.InvoiceOut:
    names = await billing.client_names(actor)
    payments = await billing.payments(invoice.id)
    return s.InvoiceOut(
        id=invoice.id,
        kind=invoice.kind.value,
        status=invoice.status.value,
        number=invoice.number,
        client_id=invoice.client_id,
        client_name=names.get(invoice.client_id, ""),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        regime=invoice.regime.value,
        net_cents=invoice.net_cents,
        vat_cents=invoice.vat_cents,
        gross_cents=invoice.gross_cents,
        paid_cents=invoice.paid_cents,
        credits_id=invoice.credits_id or None,
        reason=invoice.reason,
        purchase_order=invoice.purchase_order,
        buyer_reference=invoice.buyer_reference,
        warnings=list(invoice.warnings),
        sources=list(invoice.sources),
        lines=[
            s.LineOut(
                id=r.id,
                position=r.position,
                key=r.line.key,
                kind=r.line.kind.value,
                label=r.line.label,
                description=r.line.description,
                quantity=r.line.quantity,
                unit=r.line.unit.value,
                unit_price_cents=r.line.unit_price_cents,
                vat_rate_bp=r.line.vat_rate_bp,
                net_cents=r.line.net_cents,
                credits_line_id=r.credits_line_id or None,
            )
            for r in invoice.lines
        ],
        payments=[s.PaymentOut(paid_on=d, amount_cents=a) for d, a in payments],
    )


def _download(body: bytes, name: str, media_type: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


READ_INVOICES = {**problems(403), **token_scope(Scope.INVOICES_READ)}
"""Open to API tokens with the scope invoices:read (docs/api.md)."""


class InvoiceController(Controller):
    path = "/invoices"
    tags = ["invoicing"]

    @get(
        operation_id="listInvoices",
        opt=READ_INVOICES,
    )
    async def list_invoices(self, session: SessionDep) -> list[s.InvoiceOut]:
        """Pre-invoices to review, issued and paid invoices, credit notes."""
        actor = _admin(session)
        return [await _out(actor, i) for i in await billing.list_invoices(actor)]

    @get(
        "/{invoice_id:uuid}",
        operation_id="getInvoice",
        opt=READ_INVOICES,
    )
    async def read(self, invoice_id: FromPath[UUID], session: SessionDep) -> s.InvoiceOut:
        actor = _admin(session)
        return await _out(actor, await billing.visible_invoice(actor, str(invoice_id)))

    @post("/{invoice_id:uuid}/adjustments", operation_id="adjustInvoiceLine", opt=problems(409))
    async def adjust(
        self,
        invoice_id: FromPath[UUID],
        data: JSONBody[s.AdjustmentIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.InvoiceOut:
        """Change a pre-invoice line's quantity or unit price; the reason is recorded."""
        actor = _admin(session)
        adjustment = inv.Adjustment(
            data.line_key, data.quantity, data.unit_price_cents, data.reason
        )
        invoice = await billing.adjust_line(
            actor=actor, invoice_id=str(invoice_id), adjustment=adjustment, now=clock()
        )
        return await _out(actor, invoice)

    @post(
        "/{invoice_id:uuid}/line-discounts", operation_id="discountInvoiceLine", opt=problems(409)
    )
    async def discount_line(
        self,
        invoice_id: FromPath[UUID],
        data: JSONBody[s.LineDiscountIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.InvoiceOut:
        """A discount on one line (percentage or amount, reason recorded)."""
        actor = _admin(session)
        invoice = await billing.discount_line(
            actor=actor,
            invoice_id=str(invoice_id),
            discount=inv.LineDiscount(
                data.line_key, data.percent_bp, data.amount_cents, data.reason
            ),
            now=clock(),
        )
        return await _out(actor, invoice)

    @put("/{invoice_id:uuid}/discount", operation_id="setInvoiceDiscount", opt=problems(409))
    async def discount(
        self,
        invoice_id: FromPath[UUID],
        data: JSONBody[s.DiscountIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.InvoiceOut:
        actor = _admin(session)
        invoice = await billing.set_discount(
            actor=actor,
            invoice_id=str(invoice_id),
            percent_bp=data.percent_bp,
            amount_cents=data.amount_cents,
            now=clock(),
        )
        return await _out(actor, invoice)

    @post("/{invoice_id:uuid}/issue", operation_id="issueInvoice", opt=problems(409))
    async def issue(
        self, invoice_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> s.InvoiceOut:
        """Number and freeze a pre-invoice (Factur-X XML checked against the XSD)."""
        actor = _admin(session)
        return await _out(
            actor, await billing.issue(actor=actor, invoice_id=str(invoice_id), clock=clock)
        )

    @post(
        "/{invoice_id:uuid}/credit-notes",
        operation_id="creditInvoice",
        opt=problems(409),
        status_code=HTTP_201_CREATED,
    )
    async def credit(
        self,
        invoice_id: FromPath[UUID],
        data: JSONBody[s.CreditNoteIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.InvoiceOut:
        """Issue a credit note: whole (no `lines`) or part; never more than what remains."""
        actor = _admin(session)
        lines = None if data.lines is None else {str(x.line_id): x.quantity for x in data.lines}
        note = await billing.credit(
            actor=actor, invoice_id=str(invoice_id), reason=data.reason, lines=lines, clock=clock
        )
        return await _out(actor, note)

    @post("/{invoice_id:uuid}/payments", operation_id="recordPayment", opt=problems(409))
    async def pay(
        self,
        invoice_id: FromPath[UUID],
        data: JSONBody[s.PaymentIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.InvoiceOut:
        actor = _admin(session)
        invoice = await billing.record_payment(
            actor=actor,
            invoice_id=str(invoice_id),
            paid_on=data.paid_on,
            amount_cents=data.amount_cents,
            now=clock(),
        )
        return await _out(actor, invoice)

    @get(
        "/{invoice_id:uuid}/pdf",
        operation_id="getInvoicePdf",
        opt=problems(403, 409),
        media_type="application/pdf",
    )
    async def pdf(self, invoice_id: FromPath[UUID], session: SessionDep) -> Response[bytes]:
        """The Factur-X PDF/A-3 with its CII XML embedded."""
        name, body = await billing.pdf_of(actor=_admin(session), invoice_id=str(invoice_id))
        return Response(
            body,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    @get(
        "/{invoice_id:uuid}/factur-x.xml",
        operation_id="getInvoiceXml",
        opt=problems(403, 409),
        media_type="application/xml",
    )
    async def xml(self, invoice_id: FromPath[UUID], session: SessionDep) -> Response[bytes]:
        body = await billing.xml_of(actor=_admin(session), invoice_id=str(invoice_id))
        return _download(body, "factur-x.xml", "application/xml")


class ExpenseController(Controller):
    path = "/expenses"
    tags = ["invoicing"]

    @post(operation_id="recordExpense", opt=problems(404), status_code=HTTP_201_CREATED)
    async def create(
        self, data: JSONBody[s.ExpenseIn], session: SessionDep, clock: ClockDep
    ) -> s.Created:
        """Record a mission's expense with its receipt (base64); re-billed ones join the
        month's pre-invoice."""
        actor = _admin(session)
        expense_id = await billing.record_expense(
            actor=actor,
            new=billing.NewExpense(
                mission_id=str(data.mission_id),
                spent_on=data.spent_on,
                category=data.category,
                label=data.label,
                amount_cents=data.amount_cents,
                vat_cents=data.vat_cents,
                rebill=data.rebill,
                margin_bp=data.margin_bp,
                vat_rate_bp=data.vat_rate_bp,
                receipt_name=data.receipt_name,
                receipt_type=data.receipt_type,
                receipt_base64=data.receipt_base64,
            ),
            now=clock(),
        )
        return s.Created(id=expense_id)


class MilestoneController(Controller):
    tags = ["invoicing"]

    @post(
        "/missions/{mission_id:uuid}/milestones/{position:int}/delivery",
        operation_id="deliverMilestone",
        opt=problems(409),
        status_code=HTTP_201_CREATED,
    )
    async def deliver(
        self,
        mission_id: FromPath[UUID],
        position: MilestonePosition,
        data: JSONBody[s.DeliveryIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.InvoiceOut:
        """Mark a forfait milestone delivered: its pre-invoice is created."""
        actor = _admin(session)
        invoice_id = await billing.on_milestone_delivered(
            actor=actor,
            mission_id=str(mission_id),
            position=position,
            delivered_on=data.delivered_on,
            now=clock(),
        )
        return await _out(actor, await billing.visible_invoice(actor, invoice_id))


class ExportController(Controller):
    path = "/exports"
    tags = ["exports"]

    @get("/fec", operation_id="exportFec", opt=problems(403, 422), media_type="text/plain")
    async def fec(
        self,
        start: FromQuery[date],
        end: FromQuery[date],
        session: SessionDep,
        customers: FromQuery[str] = "411000",
        sales: FromQuery[str] = "706000",
        vat: FromQuery[str] = "445710",
    ) -> Response[bytes]:
        """The FEC of the invoices and credit notes issued from `start` to `end`. The accounts
        are configurable, e.g. `vat=445740` (TVA sur encaissements)."""
        name, body = await exports.fec_export(
            actor=_admin(session),
            start=start,
            end=end,
            accounts=exports.accounts(customers=customers, sales=sales, vat=vat),
        )
        return _download(body, name, "text/plain; charset=utf-8")

    @get("/payroll", operation_id="exportPayroll", opt=problems(403, 422), media_type="text/csv")
    async def payroll(
        self, month: FromQuery[str], session: SessionDep, codes: FromQuery[str] = ""
    ) -> Response[bytes]:
        """Absences of a month's validated CRAs; `codes` maps types: `CP=CP01,RTT=RT01`."""
        name, body = await exports.payroll_export(actor=_admin(session), month=month, codes=codes)
        return _download(body, name, "text/csv; charset=utf-8")

    @get(
        "/invoices",
        operation_id="exportInvoicesCsv",
        opt=problems(403, 422),
        media_type="text/csv",
    )
    async def invoices(self, month: FromQuery[str], session: SessionDep) -> Response[bytes]:
        """The invoices and credit notes issued in `month` (YYYY-MM) as CSV for the
        accountant (`factures-YYYY-MM.csv`: `;`, decimal comma, credit notes negative)."""
        name, body = await exports.invoices_csv(actor=_admin(session), month=month)
        return _download(body, name, "text/csv; charset=utf-8")

    @get("/months", operation_id="exportMonthsCsv", opt=problems(403, 422), media_type="text/csv")
    async def months(self, month: FromQuery[str], session: SessionDep) -> Response[bytes]:
        """Every consultant's CRA of `month` (YYYY-MM), whatever its status, one line per
        mission worked, as CSV (`cra-YYYY-MM.csv`)."""
        name, body = await exports.months_csv(actor=_admin(session), month=month)
        return _download(body, name, "text/csv; charset=utf-8")


class BillingController(Controller):
    tags = ["invoicing"]

    @get("/billing-profile", operation_id="getBillingProfile", opt=problems(403))
    async def get_profile(self, session: SessionDep) -> s.BillingProfileOut:
        """The seller's legal mentions, address, IBAN and VAT franchise, as the PUT takes them
        (defaults when never set: the invoices then use the organisation's address)."""
        return s.BillingProfileOut(**await billing.billing_profile(actor=_admin(session)))

    @put("/billing-profile", operation_id="setBillingProfile", status_code=HTTP_204_NO_CONTENT)
    async def set_profile(
        self, data: JSONBody[s.BillingProfileIn], session: SessionDep, clock: ClockDep
    ) -> None:
        """The seller's legal mentions, IBAN and VAT franchise (every field: one left out is
        reset to its default); audited as `organisation.changed`. The app edits these on its
        organisation screen (PUT /organisation); this stays for integrations."""
        actor = _admin(session)
        await billing.set_billing_profile(actor=actor, fields=data.model_dump(), at=clock())

    @put(
        "/clients/{client_id:uuid}/billing",
        operation_id="setClientBilling",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def set_client(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[s.ClientBillingIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> None:
        """A client's billing address, country and payment terms (L441-10 limits apply);
        audited as `client.changed`. The app sets the terms on the Clients tab, through
        PUT /clients/{id}; this stays for scripts and the structured address."""
        actor = _admin(session)
        await billing.set_client_billing(
            actor=actor, client_id=str(client_id), fields=data.model_dump(), at=clock()
        )

    @get(
        "/expenses/{expense_id:uuid}/receipt", operation_id="getExpenseReceipt", opt=problems(403)
    )
    async def receipt(self, expense_id: FromPath[UUID], session: SessionDep) -> Response[bytes]:
        name, media_type, body = await billing.receipt_of(
            actor=_admin(session), expense_id=str(expense_id)
        )
        return _download(body, name or "justificatif", media_type or "application/octet-stream")
