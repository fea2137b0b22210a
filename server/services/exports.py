"""Accounting (FEC), payroll (variable elements), and the month's invoices and CRAs as CSV."""

from datetime import date

from server.domain import csv_exports, fec, payroll
from server.domain import invoicing as inv
from server.domain.errors import FieldError, InvalidInput, NotFound
from server.domain.roles import Actor, Role
from server.services import leave
from server.storage import invoicing_store as store
from server.storage import repositories as repo
from sync.errors import RuleError
from sync.months import MonthKey


def _nothing(what: str, field: str) -> InvalidInput:
    return InvalidInput(
        f"nothing to export: {what}",
        errors=(FieldError(field, "empty_period", what),),
    )


def accounts(*, customers: str, sales: str, vat: str) -> fec.Accounts:
    """Chart-of-accounts numbers for the FEC; each starts with its PCG class digits."""
    wanted = {"customers": (customers, "411"), "sales": (sales, "706"), "vat": (vat, "4457")}
    errors = [
        FieldError(name, "invalid_account", f"digits starting with {prefix}")
        for name, (number, prefix) in wanted.items()
        if not (number.isdigit() and number.startswith(prefix) and len(number) <= 12)
    ]
    if errors:
        raise InvalidInput("invalid account number", errors=tuple(errors))
    return fec.Accounts(customers=customers, sales=sales, vat=vat)


async def fec_export(
    *, actor: Actor, start: date, end: date, accounts: fec.Accounts | None = None
) -> tuple[str, bytes]:
    """The FEC of the invoices and credit notes issued from `start` to `end` inclusive."""
    if end < start:
        raise InvalidInput(
            "the period ends before it starts",
            errors=(FieldError("end", "before_start", f"on or after {start}"),),
        )
    org = await repo.get_organisation(actor.organisation_id)
    if org is None:
        raise NotFound("no such organisation")
    issued = await store.issued_between(org.id, start, end)
    if not issued:
        raise _nothing(f"no invoice or credit note issued from {start} to {end}", "start")
    clients = {c.id: c for c in await repo.list_clients(org.id)}
    documents = []
    for invoice in issued:
        client = clients[invoice.client_id]
        assert invoice.number and invoice.issued_on
        documents.append(
            fec.Document(
                number=invoice.number,
                issued_on=invoice.issued_on,
                credit_note=invoice.kind is inv.InvoiceKind.CREDIT_NOTE,
                client_account="C" + (client.siren or client.id.replace("-", "")[:8].upper()),
                client_name=client.legal_name,
                net_cents=invoice.net_cents,
                vat_cents=invoice.vat_cents,
                gross_cents=invoice.gross_cents,
            )
        )
    return fec.file_name(siren=org.siren, closing=end), fec.file_bytes(
        documents, accounts or fec.Accounts()
    )


async def payroll_export(*, actor: Actor, month: str, codes: str = "") -> tuple[str, bytes]:
    """Absences of the month's validated or signed CRAs, per consultant, as CSV."""
    period = _month(month)
    table = payroll.parse_codes(codes)
    people = [
        p for p in await repo.list_people(actor.organisation_id) if Role.CONSULTANT in p.roles
    ]
    consultants = []
    for person in people:
        timesheet = await repo.get_timesheet(consultant_id=person.id, month=str(period))
        if timesheet is not None and timesheet.status in inv.BILLABLE_MONTH_STATUSES:
            consultants.append(
                payroll.Consultant(
                    matricule=person.email, name=person.display_name, days=timesheet.days
                )
            )
    if not consultants:
        raise _nothing(f"no validated CRA for {period}", "month")
    return f"variables-paie-{period}.csv", payroll.file_bytes(consultants, table)


def month_key(month: str) -> MonthKey:
    """A month parameter, or a refusal naming `month` (never a 500)."""
    return _month(month)


def _month(month: str) -> MonthKey:
    # A month 13 is InvalidMonth (a RuleError), a malformed one a ValueError: both are the
    # field's fault, never a 500.
    try:
        return MonthKey.parse(month)
    except (ValueError, RuleError) as bad:
        raise InvalidInput(
            "the month must be YYYY-MM",
            errors=(FieldError("month", "invalid", "YYYY-MM"),),
        ) from bad


async def invoices_csv(*, actor: Actor, month: str) -> tuple[str, bytes]:
    """The invoices and credit notes issued in `month` (by issue date), one line each."""
    period = _month(month)
    issued = await store.issued_between(actor.organisation_id, period.first_day, period.last_day)
    if not issued:
        raise _nothing(f"no invoice or credit note issued in {period}", "month")
    clients = {c.id: c for c in await repo.list_clients(actor.organisation_id)}
    every = await store.list_invoices(actor.organisation_id)
    numbers = {i.id: i.number or "" for i in every}
    credited: dict[str, int] = {}
    for note in every:
        if note.kind is inv.InvoiceKind.CREDIT_NOTE and note.number and note.credits_id:
            credited[note.credits_id] = credited.get(note.credits_id, 0) + note.gross_cents
    rows = []
    for invoice in issued:
        assert invoice.number and invoice.issued_on
        client = clients.get(invoice.client_id)
        rows.append(
            csv_exports.invoice_cells(
                csv_exports.InvoiceRow(
                    number=invoice.number,
                    credit_note=invoice.kind is inv.InvoiceKind.CREDIT_NOTE,
                    issued_on=invoice.issued_on,
                    due_on=invoice.due_on,
                    client_name=client.legal_name if client else "",
                    client_siren=(client.siren or "") if client else "",
                    period_start=invoice.period_start,
                    period_end=invoice.period_end,
                    net_cents=invoice.net_cents,
                    vat_cents=invoice.vat_cents,
                    gross_cents=invoice.gross_cents,
                    paid_cents=invoice.paid_cents,
                    paid=invoice.status is inv.InvoiceStatus.PAID,
                    original_number=numbers.get(invoice.credits_id or "", ""),
                    credited_cents=credited.get(invoice.id, 0),
                )
            )
        )
    return csv_exports.file_name("factures", str(period)), csv_exports.file_bytes(
        csv_exports.INVOICE_HEADER, rows
    )


async def months_csv(*, actor: Actor, month: str) -> tuple[str, bytes]:
    """Every consultant's CRA of `month`, whatever its status: one line per mission worked
    (one line with no mission for a CRA with no mission day), so the firm sees what is billed
    and what still waits."""
    period = _month(month)
    people = sorted(
        (p for p in await repo.list_people(actor.organisation_id) if Role.CONSULTANT in p.roles),
        key=lambda p: (p.display_name, p.email),
    )
    missions = await repo.list_missions(actor.organisation_id)
    clients = {c.id: c.legal_name for c in await repo.list_clients(actor.organisation_id)}
    rows = []
    for person in people:
        timesheet = await repo.get_timesheet(consultant_id=person.id, month=str(period))
        if timesheet is None:
            continue
        worked = [
            (m, inv.mission_half_days(timesheet.days, m.id))
            for m in missions
            if m.consultant_id == person.id
        ]
        lines = [(clients.get(m.client_id, ""), m.title, half) for m, half in worked if half]
        for client, title, half in lines or [("", "", 0)]:
            rows.append(
                csv_exports.month_cells(
                    csv_exports.MonthRow(
                        month=str(period),
                        matricule=person.email,
                        consultant=person.display_name,
                        status=timesheet.status,
                        client=client,
                        mission=title,
                        half_days=half,
                    )
                )
            )
    if not rows:
        raise _nothing(f"no CRA for {period}", "month")
    return csv_exports.file_name("cra", str(period)), csv_exports.file_bytes(
        csv_exports.MONTH_HEADER, rows
    )


async def leave_export(*, actor: Actor, month: str, codes: str = "") -> tuple[str, bytes]:
    """Leave taken per type in the month's validated or signed CRAs, with the balances left at
    the month's end (CP, RTT), per consultant, as CSV for payroll."""
    period = _month(month)
    table = payroll.parse_codes(codes)
    people = [
        p for p in await repo.list_people(actor.organisation_id) if Role.CONSULTANT in p.roles
    ]
    consultants = []
    for person in people:
        timesheet = await repo.get_timesheet(consultant_id=person.id, month=str(period))
        if timesheet is not None and timesheet.status in inv.BILLABLE_MONTH_STATUSES:
            mine = await leave.balances_of(person, today=period.last_day)
            consultants.append(
                payroll.LeaveTaken(
                    matricule=person.email,
                    name=person.display_name,
                    month=str(period),
                    days=timesheet.days,
                    remaining={
                        b.kind.value: b.remaining for b in mine.balances if b.remaining is not None
                    },
                )
            )
    if not consultants:
        raise _nothing(f"no validated CRA for {period}", "month")
    return f"conges-{period}.csv", payroll.leave_file_bytes(consultants, table)
