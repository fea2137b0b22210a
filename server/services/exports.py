"""Accounting (FEC) and payroll (variable elements) exports of a period."""

from datetime import date

from server.domain import fec, payroll
from server.domain import invoicing as inv
from server.domain.errors import FieldError, InvalidInput, NotFound
from server.domain.roles import Actor, Role
from server.storage import invoicing_store as store
from server.storage import repositories as repo
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
    try:
        period = MonthKey.parse(month)
    except ValueError as bad:
        raise InvalidInput(
            "the month must be YYYY-MM",
            errors=(FieldError("month", "invalid", "YYYY-MM"),),
        ) from bad
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


async def leave_export(*, actor: Actor, month: str, codes: str = "") -> tuple[str, bytes]:
    """Leave taken per type in the month's validated or signed CRAs, with the balances left at
    the month's end (CP, RTT), per consultant, as CSV for payroll."""
    # Imported here: the leave service reads CRAs through the day path this module needs not.
    from server.services import leave

    try:
        period = MonthKey.parse(month)
    except ValueError as bad:
        raise InvalidInput(
            "the month must be YYYY-MM",
            errors=(FieldError("month", "invalid", "YYYY-MM"),),
        ) from bad
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
