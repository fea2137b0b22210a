"""Storage of pre-invoices, invoices, credit notes, their numbering, expenses and payments.

Functions that read then write run inside the caller's `write_transaction()`: the numbering
counter is locked with `SELECT ... FOR UPDATE` on PostgreSQL, and by the `BEGIN IMMEDIATE` of
the transaction itself on SQLite (one writer at a time).
"""

import uuid
from datetime import date, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from server.domain import invoicing as inv
from server.domain import pricing as p
from server.storage import tables as t
from server.storage.repositories import _date, _id, _json, _opt_id


def _is_postgres() -> bool:
    return isinstance(t.InvoiceSequence._meta.db, PostgresEngine)


def _opt_date(value: Any) -> date | None:
    return None if value is None else _date(value)


# -- invoices -------------------------------------------------------------------------------


def _line(row: dict[str, Any]) -> inv.LineRecord:
    return inv.LineRecord(
        id=_id(row["id"]),
        position=row["position"],
        line=p.Line(
            key=row["key"],
            kind=p.LineKind(row["kind"]),
            label=row["label"],
            quantity=row["quantity"],
            unit=p.Unit(row["unit"]),
            unit_price_cents=row["unit_price_cents"],
            vat_rate_bp=row["vat_rate_bp"],
            description=row["description"],
        ),
        credits_line_id=_opt_id(row["credits_line"]),
    )


def _invoice(row: dict[str, Any], lines: list[inv.LineRecord]) -> inv.InvoiceRecord:
    return inv.InvoiceRecord(
        id=_id(row["id"]),
        organisation_id=_id(row["organisation"]),
        client_id=_id(row["client"]),
        kind=inv.InvoiceKind(row["kind"]),
        status=inv.InvoiceStatus(row["status"]),
        group_key=row["group_key"],
        period_start=_date(row["period_start"]),
        period_end=_date(row["period_end"]),
        sources=tuple(_json(row["sources"])),
        warnings=tuple(_json(row["warnings"])),
        regime=p.VatRegime(row["regime"]),
        number=row["number"],
        issued_on=_opt_date(row["issued_on"]),
        due_on=_opt_date(row["due_on"]),
        seller=_json(row["seller"]) or {},
        buyer=_json(row["buyer"]) or {},
        net_cents=row["net_cents"],
        vat_cents=row["vat_cents"],
        gross_cents=row["gross_cents"],
        credits_id=_opt_id(row["credits"]),
        reason=row["reason"],
        paid_cents=row["paid_cents"],
        discount_percent_bp=row["discount_percent_bp"],
        discount_amount_cents=row["discount_amount_cents"],
        lines=tuple(sorted(lines, key=lambda r: r.position)),
        purchase_order=row["purchase_order"],
        buyer_reference=row["buyer_reference"],
    )


_SUMMARY_COLUMNS = [
    c for c in t.Invoice._meta.columns if c._meta.name not in {"pdf", "facturx_xml"}
]


async def _invoices_where(condition: Any) -> list[inv.InvoiceRecord]:
    rows = (
        await t.Invoice.select(*_SUMMARY_COLUMNS).where(condition).order_by(t.Invoice.created_at)
    )
    ids = [_id(r["id"]) for r in rows]
    lines: dict[str, list[inv.LineRecord]] = {i: [] for i in ids}
    if ids:
        for row in await t.InvoiceLine.select().where(t.InvoiceLine.invoice.is_in(ids)):
            lines[_id(row["invoice"])].append(_line(row))
    return [_invoice(r, lines[_id(r["id"])]) for r in rows]


async def get_invoice(invoice_id: str) -> inv.InvoiceRecord | None:
    found = await _invoices_where(t.Invoice.id == invoice_id)
    return found[0] if found else None


async def get_invoice_by_group(group_key: str) -> inv.InvoiceRecord | None:
    found = await _invoices_where(t.Invoice.group_key == group_key)
    return found[0] if found else None


async def invoices_of_month(client_id: str, month: str) -> list[inv.InvoiceRecord]:
    """A client's monthly invoices of `month`, whatever their purchase order."""
    return await _invoices_where(
        (t.Invoice.client == client_id) & t.Invoice.group_key.like(f"month:{client_id}:{month}%")
    )


async def list_client_drafts(client_id: str) -> list[inv.InvoiceRecord]:
    return await _invoices_where(
        (t.Invoice.client == client_id) & (t.Invoice.status == inv.InvoiceStatus.DRAFT.value)
    )


async def list_invoices(organisation_id: str) -> list[inv.InvoiceRecord]:
    return await _invoices_where(t.Invoice.organisation == organisation_id)


async def issued_between(organisation_id: str, start: date, end: date) -> list[inv.InvoiceRecord]:
    """Issued invoices and credit notes of a period, in issuing order."""
    found = await _invoices_where(
        (t.Invoice.organisation == organisation_id)
        & (t.Invoice.issued_on >= start)
        & (t.Invoice.issued_on <= end)
        & t.Invoice.number.is_not_null()
    )
    order = (
        await t.Invoice.select(t.Invoice.id, t.Invoice.issued_at).where(
            t.Invoice.id.is_in([i.id for i in found])
        )
        if found
        else []
    )
    stamp = {_id(r["id"]): r["issued_at"] for r in order}
    return sorted(found, key=lambda i: (stamp[i.id], i.number or ""))


async def _replace_lines(invoice_id: str, lines: list[tuple[str | None, p.Line]]) -> None:
    await t.InvoiceLine.delete().where(t.InvoiceLine.invoice == invoice_id)
    if lines:
        await t.InvoiceLine.insert(
            *[
                t.InvoiceLine(
                    invoice=invoice_id,
                    position=position,
                    key=line.key,
                    kind=line.kind.value,
                    label=line.label[:200],
                    description=line.description,
                    quantity=line.quantity,
                    unit=line.unit.value,
                    unit_price_cents=line.unit_price_cents,
                    vat_rate_bp=line.vat_rate_bp,
                    net_cents=line.net_cents,
                    credits_line=credits,
                )
                for position, (credits, line) in enumerate(lines, start=1)
            ]
        )


async def lock_client(client_id: str) -> None:
    """Serialise the pre-invoice computations of one client (two hooks at once on PostgreSQL
    would otherwise both create the same draft; SQLite has one writer anyway)."""
    if _is_postgres():
        await t.ClientCompany.raw(
            "SELECT id FROM client_company WHERE id = {} FOR UPDATE", uuid.UUID(client_id)
        )


async def save_draft(
    *,
    organisation_id: str,
    client_id: str,
    group_key: str,
    period_start: date,
    period_end: date,
    sources: list[dict[str, Any]],
    warnings: list[dict[str, Any]],
    regime: p.VatRegime,
    lines: list[p.Line],
    totals: p.Totals,
    now: datetime,
    purchase_order: str = "",
) -> str:
    """Create or recompute the pre-invoice for `group_key` (the caller checked it is a draft)."""
    fields: dict[Any, Any] = {
        t.Invoice.purchase_order: purchase_order,
        t.Invoice.period_start: period_start,
        t.Invoice.period_end: period_end,
        t.Invoice.sources: sources,
        t.Invoice.warnings: warnings,
        t.Invoice.regime: regime.value,
        t.Invoice.net_cents: totals.net_cents,
        t.Invoice.vat_cents: totals.vat_cents,
        t.Invoice.gross_cents: totals.gross_cents,
        t.Invoice.updated_at: now,
    }
    existing = await t.Invoice.select(t.Invoice.id).where(t.Invoice.group_key == group_key).first()
    if existing is None:
        row = t.Invoice(
            organisation=organisation_id,
            client=client_id,
            kind=inv.InvoiceKind.INVOICE.value,
            status=inv.InvoiceStatus.DRAFT.value,
            group_key=group_key,
            created_at=now,
        )
        for column, value in fields.items():
            setattr(row, column._meta.name, value)
        await row.save()
        invoice_id = _id(row.id)
    else:
        invoice_id = _id(existing["id"])
        await t.Invoice.update(fields).where(t.Invoice.id == invoice_id)
    await _replace_lines(invoice_id, [(None, line) for line in lines])
    return invoice_id


async def set_discount(
    *, invoice_id: str, percent_bp: int | None, amount_cents: int | None
) -> None:
    await t.Invoice.update(
        {t.Invoice.discount_percent_bp: percent_bp, t.Invoice.discount_amount_cents: amount_cents}
    ).where(t.Invoice.id == invoice_id)


async def adjustments_of(invoice_id: str) -> list[inv.Adjustment]:
    rows = (
        await t.InvoiceAdjustment.select()
        .where(t.InvoiceAdjustment.invoice == invoice_id)
        .order_by(t.InvoiceAdjustment.created_at)
    )
    return [
        inv.Adjustment(r["line_key"], r["quantity"], r["unit_price_cents"], r["reason"])
        for r in rows
    ]


async def add_adjustment(
    *, invoice_id: str, adjustment: inv.Adjustment, author_id: str | None, now: datetime
) -> None:
    await t.InvoiceAdjustment(
        invoice=invoice_id,
        line_key=adjustment.line_key,
        quantity=adjustment.quantity,
        unit_price_cents=adjustment.unit_price_cents,
        reason=adjustment.reason,
        author=author_id,
        created_at=now,
    ).save()


async def line_discounts_of(invoice_id: str) -> list[inv.LineDiscount]:
    rows = (
        await t.LineDiscount.select()
        .where(t.LineDiscount.invoice == invoice_id)
        .order_by(t.LineDiscount.created_at)
    )
    return [
        inv.LineDiscount(r["line_key"], r["percent_bp"], r["amount_cents"], r["reason"])
        for r in rows
    ]


async def add_line_discount(
    *, invoice_id: str, discount: inv.LineDiscount, author_id: str | None, now: datetime
) -> None:
    await t.LineDiscount(
        invoice=invoice_id,
        line_key=discount.line_key,
        percent_bp=discount.percent_bp,
        amount_cents=discount.amount_cents,
        reason=discount.reason,
        author=author_id,
        created_at=now,
    ).save()


async def billed_quantity_before(*, key: str, period_start: date, exclude: str) -> int:
    """Quantity already on other invoices' lines for `key` (a capped mission's consumption)."""
    rows = await t.InvoiceLine.select(
        t.InvoiceLine.quantity, t.InvoiceLine.invoice.kind, t.InvoiceLine.invoice.period_start
    ).where(
        (t.InvoiceLine.key == key)
        & (t.InvoiceLine.invoice.group_key != exclude)
        & (t.InvoiceLine.invoice.period_start < period_start)
    )
    total = 0
    for row in rows:
        sign = -1 if row["invoice.kind"] == inv.InvoiceKind.CREDIT_NOTE.value else 1
        total += sign * row["quantity"]
    return total


async def delivered_milestones(mission_id: str) -> dict[int, date]:
    """The mission's delivered milestones: position → delivery date."""
    rows = await t.MilestoneDelivery.select(
        t.MilestoneDelivery.milestone.position, t.MilestoneDelivery.delivered_on
    ).where(t.MilestoneDelivery.milestone.mission == mission_id)
    return {int(r["milestone.position"]): r["delivered_on"] for r in rows}


async def invoiced_months(mission_id: str) -> list[str]:
    """The months (``YYYY-MM`` of their period start) of the issued invoices with a line billing
    the mission: its days (``mission:<id>``) or one of its milestones (``milestone:<id>``)."""
    milestones = await t.Milestone.select(t.Milestone.id).where(t.Milestone.mission == mission_id)
    keys = [f"mission:{mission_id}", *(f"milestone:{_id(m['id'])}" for m in milestones)]
    rows = await t.InvoiceLine.select(t.InvoiceLine.invoice.period_start).where(
        t.InvoiceLine.key.is_in(keys)
        & t.InvoiceLine.invoice.number.is_not_null()
        & (t.InvoiceLine.invoice.kind == inv.InvoiceKind.INVOICE.value)
    )
    return sorted({str(r["invoice.period_start"])[:7] for r in rows})


async def next_number(*, organisation_id: str, series: str) -> int:
    """Take the next value of a series, under a lock held until the transaction ends."""
    key = f"{organisation_id}:{series}"
    await t.InvoiceSequence.insert(t.InvoiceSequence(key=key, last_value=0)).on_conflict(
        target=t.InvoiceSequence.key, action="DO NOTHING"
    )
    if _is_postgres():
        rows = await t.InvoiceSequence.raw(
            "SELECT last_value FROM invoice_sequence WHERE key = {} FOR UPDATE", key
        )
    else:
        rows = await t.InvoiceSequence.select(t.InvoiceSequence.last_value).where(
            t.InvoiceSequence.key == key
        )
    value = int(rows[0]["last_value"]) + 1
    await t.InvoiceSequence.update({t.InvoiceSequence.last_value: value}).where(
        t.InvoiceSequence.key == key
    )
    return value


async def mark_issued(
    *,
    invoice_id: str,
    number: str,
    issued_on: date,
    due_on: date,
    now: datetime,
    seller: dict[str, Any],
    buyer: dict[str, Any],
    regime: p.VatRegime,
    totals: p.Totals,
    xml: bytes,
    buyer_reference: str = "",
) -> None:
    await t.Invoice.update(
        {
            t.Invoice.buyer_reference: buyer_reference,
            t.Invoice.status: inv.InvoiceStatus.ISSUED.value,
            t.Invoice.number: number,
            t.Invoice.issued_on: issued_on,
            t.Invoice.issued_at: now,
            t.Invoice.due_on: due_on,
            t.Invoice.seller: seller,
            t.Invoice.buyer: buyer,
            t.Invoice.regime: regime.value,
            t.Invoice.net_cents: totals.net_cents,
            t.Invoice.vat_cents: totals.vat_cents,
            t.Invoice.gross_cents: totals.gross_cents,
            t.Invoice.facturx_xml: xml,
            t.Invoice.updated_at: now,
        }
    ).where(t.Invoice.id == invoice_id)


async def create_credit_note(
    *,
    original: inv.InvoiceRecord,
    lines: list[tuple[str, p.Line]],
    reason: str,
    now: datetime,
) -> str:
    row = t.Invoice(
        organisation=original.organisation_id,
        client=original.client_id,
        kind=inv.InvoiceKind.CREDIT_NOTE.value,
        status=inv.InvoiceStatus.DRAFT.value,
        group_key=f"credit:{uuid.uuid4()}",
        period_start=original.period_start,
        period_end=original.period_end,
        sources=list(original.sources),
        regime=original.regime.value,
        credits=original.id,
        reason=reason,
        purchase_order=original.purchase_order,
        buyer_reference=original.buyer_reference,
        created_at=now,
        updated_at=now,
    )
    await row.save()
    await _replace_lines(_id(row.id), list(lines))
    return _id(row.id)


async def credited_quantities(invoice_id: str) -> dict[str, int]:
    """Quantity already credited per line of `invoice_id`, by issued credit notes."""
    rows = await t.InvoiceLine.select(t.InvoiceLine.credits_line, t.InvoiceLine.quantity).where(
        (t.InvoiceLine.invoice.credits == invoice_id)
        & (t.InvoiceLine.invoice.status != inv.InvoiceStatus.DRAFT.value)
    )
    done: dict[str, int] = {}
    for row in rows:
        key = _id(row["credits_line"])
        done[key] = done.get(key, 0) + abs(row["quantity"])
    return done


async def delete_invoice(invoice_id: str) -> None:
    await t.InvoiceLine.delete().where(t.InvoiceLine.invoice == invoice_id)
    await t.Invoice.delete().where(t.Invoice.id == invoice_id)


async def get_documents(invoice_id: str) -> tuple[bytes | None, bytes | None]:
    row = (
        await t.Invoice.select(t.Invoice.facturx_xml, t.Invoice.pdf)
        .where(t.Invoice.id == invoice_id)
        .first()
    )
    if row is None:
        return None, None
    return row["facturx_xml"], row["pdf"]


async def set_pdf(invoice_id: str, pdf: bytes) -> None:
    await t.Invoice.update({t.Invoice.pdf: pdf}).where(
        (t.Invoice.id == invoice_id) & t.Invoice.pdf.is_null()
    )


async def add_payment(
    *, invoice_id: str, paid_on: date, amount_cents: int, author_id: str | None, now: datetime
) -> int:
    await t.Payment(
        invoice=invoice_id,
        paid_on=paid_on,
        amount_cents=amount_cents,
        recorded_by=author_id,
        created_at=now,
    ).save()
    rows = await t.Payment.select(t.Payment.amount_cents).where(t.Payment.invoice == invoice_id)
    paid = sum(int(r["amount_cents"]) for r in rows)
    await t.Invoice.update({t.Invoice.paid_cents: paid}).where(t.Invoice.id == invoice_id)
    return paid


async def set_status(invoice_id: str, status: inv.InvoiceStatus) -> None:
    await t.Invoice.update({t.Invoice.status: status.value}).where(t.Invoice.id == invoice_id)


async def payments_of(invoice_id: str) -> list[tuple[date, int]]:
    rows = (
        await t.Payment.select(t.Payment.paid_on, t.Payment.amount_cents)
        .where(t.Payment.invoice == invoice_id)
        .order_by(t.Payment.paid_on)
    )
    return [(_date(r["paid_on"]), int(r["amount_cents"])) for r in rows]


# -- CRAs -------------------------------------------------------------------------------------


async def timesheet_key(timesheet_id: str) -> tuple[str, str] | None:
    """(consultant id, month) of a CRA."""
    row = (
        await t.Timesheet.select(t.Timesheet.consultant, t.Timesheet.month)
        .where(t.Timesheet.id == timesheet_id)
        .first()
    )
    return None if row is None else (_id(row["consultant"]), row["month"])


async def timesheet_states(timesheet_ids: list[str]) -> dict[str, tuple[str, int]]:
    if not timesheet_ids:
        return {}
    rows = await t.Timesheet.select(t.Timesheet.id, t.Timesheet.status, t.Timesheet.epoch).where(
        t.Timesheet.id.is_in(timesheet_ids)
    )
    return {_id(r["id"]): (r["status"], int(r["epoch"])) for r in rows}


async def timesheets_of_month(month: str, consultant_ids: list[str]) -> list[str]:
    if not consultant_ids:
        return []
    rows = await t.Timesheet.select(t.Timesheet.id).where(
        (t.Timesheet.month == month) & t.Timesheet.consultant.is_in(consultant_ids)
    )
    return [_id(r["id"]) for r in rows]


# -- billing identities ---------------------------------------------------------------------


async def billing_profile(organisation_id: str) -> dict[str, Any] | None:
    return await (
        t.BillingProfile.select().where(t.BillingProfile.organisation == organisation_id).first()
    )


async def client_billing(client_id: str) -> dict[str, Any] | None:
    return await t.ClientBilling.select().where(t.ClientBilling.client == client_id).first()


async def set_billing_profile(organisation_id: str, **fields: Any) -> None:
    """Set the given columns; the others (the organisation screen's BIC and payment terms)
    stay as they were."""
    if await t.BillingProfile.exists().where(t.BillingProfile.organisation == organisation_id):
        await t.BillingProfile.update(
            {getattr(t.BillingProfile, name): value for name, value in fields.items()}
        ).where(t.BillingProfile.organisation == organisation_id)
    else:
        await t.BillingProfile(organisation=organisation_id, **fields).save()


async def set_client_billing(client_id: str, **fields: Any) -> None:
    await t.ClientBilling.delete().where(t.ClientBilling.client == client_id)
    await t.ClientBilling(client=client_id, **fields).save()


# -- expenses and milestones ------------------------------------------------------------------


async def create_expense(**fields: Any) -> str:
    row = t.Expense(**fields)
    await row.save()
    return _id(row.id)


async def expenses_for(mission_ids: list[str], start: date, end: date) -> list[dict[str, Any]]:
    if not mission_ids:
        return []
    columns = [c for c in t.Expense._meta.columns if c._meta.name != "receipt"]
    return list(
        await t.Expense.select(*columns)
        .where(
            t.Expense.mission.is_in(mission_ids)
            & (t.Expense.spent_on >= start)
            & (t.Expense.spent_on <= end)
        )
        .order_by(t.Expense.spent_on)
    )


async def get_receipt(expense_id: str, *, organisation_id: str) -> tuple[str, str, bytes] | None:
    row = (
        await t.Expense.select(t.Expense.receipt_name, t.Expense.receipt_type, t.Expense.receipt)
        .where((t.Expense.id == expense_id) & (t.Expense.organisation == organisation_id))
        .first()
    )
    if row is None or row["receipt"] is None:
        return None
    return row["receipt_name"], row["receipt_type"], bytes(row["receipt"])


async def milestone_id(mission_id: str, position: int) -> str | None:
    row = (
        await t.Milestone.select(t.Milestone.id)
        .where((t.Milestone.mission == mission_id) & (t.Milestone.position == position))
        .first()
    )
    return None if row is None else _id(row["id"])


async def deliver_milestone(
    *, milestone_id: str, delivered_on: date, author_id: str | None, now: datetime
) -> bool:
    """Mark a milestone delivered; False if it already was."""
    existing = await t.MilestoneDelivery.exists().where(
        t.MilestoneDelivery.milestone == milestone_id
    )
    if existing:
        return False
    await t.MilestoneDelivery(
        milestone=milestone_id, delivered_on=delivered_on, recorded_by=author_id, created_at=now
    ).save()
    return True


async def credited_gross(invoice_id: str) -> int:
    """What the issued credit notes of `invoice_id` cancel, taxes included (positive cents)."""
    rows = await t.Invoice.select(t.Invoice.gross_cents).where(
        (t.Invoice.credits == invoice_id) & t.Invoice.number.is_not_null()
    )
    return sum(abs(int(r["gross_cents"])) for r in rows)


async def unbilled_expenses(organisation_id: str, start: date, end: date) -> list[dict[str, Any]]:
    """Expenses an administrator recorded with "re-billed" unticked, spent from `start` to
    `end` (no receipt bytes)."""
    columns = [c for c in t.Expense._meta.columns if c._meta.name != "receipt"]
    rows = await t.Expense.select(*columns).where(
        (t.Expense.organisation == organisation_id)
        & (t.Expense.rebill == False)  # noqa: E712 (a column comparison, not a truth test)
        & (t.Expense.spent_on >= start)
        & (t.Expense.spent_on <= end)
    )
    return [{**r, "id": _id(r["id"]), "mission": _id(r["mission"])} for r in rows]


async def mission_discounts(mission_ids: list[str]) -> dict[str, inv.MissionDiscount]:
    """The standing discounts of these missions (those without one are absent)."""
    if not mission_ids:
        return {}
    rows = await t.MissionDiscount.select().where(t.MissionDiscount.mission.is_in(mission_ids))
    return {
        _id(r["mission"]): inv.MissionDiscount(r["percent_bp"], r["amount_cents"], r["reason"])
        for r in rows
    }


async def set_mission_discount(mission_id: str, discount: inv.MissionDiscount) -> None:
    """Replace the mission's standing discount; none at all removes it."""
    await t.MissionDiscount.delete().where(t.MissionDiscount.mission == mission_id)
    if not discount.none:
        await t.MissionDiscount(
            mission=mission_id,
            percent_bp=discount.percent_bp,
            amount_cents=discount.amount_cents,
            reason=discount.reason,
        ).save()
