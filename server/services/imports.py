"""Import people, clients or missions from a spreadsheet, all or nothing (issue 14).

The file is read (`import_files`), its rows checked against what the organisation holds
(`server.domain.imports`), then every record is created through the directory's own service
functions (`server.services.directory`), so an imported person, client or mission passes the
same rules as one typed in the back office, and an imported person gets the same invitation
(e-mailed through the outbox when the server can mail).

A dry run is the import itself, rolled back: what it reports is what the import would do,
rules of the services included. The import runs in one transaction with its audit event; any
refused row rolls everything back and the refusal lists every row.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from server.domain import imports, model
from server.domain.access import ensure_role
from server.domain.errors import DomainError, FieldError, InvalidInput
from server.domain.imports import Kind, RowError
from server.domain.roles import Actor, Role
from server.services import audit_log, directory, import_files
from server.services.accounts import Accounts
from server.services.clock import Clock, system_clock
from server.storage import import_store
from server.storage import repositories as repo
from sync.rules import AbsenceType


@dataclass(frozen=True)
class RowOutcome:
    row: int
    action: str
    """create, skip (already held: left as it is) or error."""
    cells: tuple[str, ...]
    id: str | None = None
    invitation_url: str | None = None


@dataclass(frozen=True)
class ImportResult:
    kind: Kind
    dry_run: bool
    imported: bool
    columns: tuple[str, ...]
    rows: tuple[RowOutcome, ...]
    errors: tuple[RowError, ...]
    ignored_columns: tuple[str, ...]
    emailed: bool
    counts: dict[str, int] = field(default_factory=dict)


class _RolledBack(Exception):
    """Raised inside the transaction to undo a dry run, or an import with refused rows."""


async def _known(actor: Actor, kind: Kind, sheet: imports.Sheet) -> imports.Known:
    organisation_id = actor.organisation_id
    people = {p.email: p for p in await repo.list_people(organisation_id)}
    known_people = {
        e: imports.KnownPerson(id=p.id, roles=p.roles, client_company_id=p.client_company_id)
        for e, p in people.items()
    }
    clients = tuple(
        imports.KnownClient(id=c.id, legal_name=c.legal_name, siren=c.siren)
        for c in await repo.list_clients(organisation_id)
    )
    foreign: frozenset[str] = frozenset()
    missions: dict[tuple[str, str, str, date], str] = {}
    if kind == "people":
        emails = [e.strip().lower() for row in sheet.rows for e in row if "@" in e]
        held = await import_store.emails_held(emails)
        foreign = frozenset(e for e, org in held.items() if org != organisation_id)
    if kind == "missions":
        missions = {
            (m.consultant_id, m.client_id, imports.name_key(m.title), m.start_date): m.id
            for m in await repo.list_missions(organisation_id)
        }
    return imports.Known(
        people=known_people, foreign_emails=foreign, clients=clients, missions=missions
    )


# The services name a refused field the API's way; the file names it by its column.
SERVICE_FIELDS: dict[str, dict[str, str]] = {
    "people": {
        "email": "email",
        "roles": "roles",
        "manager_id": "manager",
        "client_company_id": "client",
        "display_name": "last_name",
    },
    "clients": {},
    "missions": {
        "consultant_id": "consultant",
        "client_id": "client",
        "end_date": "end_date",
        "daily_rate_cents": "daily_rate",
        "day_cap_half_days": "day_cap",
        "milestones": "fixed_price",
        "title": "title",
    },
}


def _column_key(kind: Kind, record: imports.Record, service_field: str) -> str:
    bare = service_field.split("[", 1)[0].split(".", 1)[0]
    if bare == "approval_steps" and isinstance(record, imports.MissionToCreate):
        # Steps are created manager first, then the client's signer.
        first = "manager" if record.manager_id else "signer"
        return first if service_field.startswith("approval_steps[0]") else "signer"
    return SERVICE_FIELDS[kind].get(bare, bare)


def _mission(record: imports.MissionToCreate, region: str) -> model.Mission:
    steps = []
    if record.manager_id:
        steps.append(model.ApprovalStep(position=0, kind="manager", approver_id=record.manager_id))
    if record.signer_id:
        steps.append(
            model.ApprovalStep(
                position=len(steps), kind="client_signer", approver_id=record.signer_id
            )
        )
    milestones: tuple[model.Milestone, ...] = ()
    if record.fixed_price_cents and record.end_date:
        milestones = (
            model.Milestone(
                position=0,
                label=record.title,
                due_date=record.end_date,
                amount_cents=record.fixed_price_cents,
            ),
        )
    return model.Mission(
        id="",
        organisation_id="",
        consultant_id=record.consultant_id,
        client_id=record.client_id,
        title=record.title,
        start_date=record.start_date,
        end_date=record.end_date,
        billing_mode=record.billing_mode,
        daily_rate_cents=record.daily_rate_cents,
        day_cap_half_days=record.day_cap_half_days,
        allowed_absences=tuple(a.value for a in AbsenceType),
        comments_required=record.comments_required,
        calendar_region=region,
        steps=tuple(steps),
        milestones=milestones,
    )


async def _create(
    actor: Actor,
    accounts: Accounts,
    record: imports.Record,
    created: dict[int, str],
    *,
    region: str,
    invite: bool,
) -> tuple[str, str | None]:
    """Create one record through the directory's service; its id and invitation link."""
    if isinstance(record, imports.PersonToCreate):
        manager_id = None
        if record.manager is not None:
            manager_id = record.manager.id or created.get(record.manager.row or 0)
            if manager_id is None:
                code = "row_with_errors"
                raise InvalidInput(
                    imports.MESSAGES[code],
                    errors=(FieldError("manager_id", code, imports.MESSAGES[code]),),
                )
        person = await directory.create_person(
            organisation_id=actor.organisation_id,
            new=directory.NewPerson(
                email=record.email,
                display_name=record.display_name,
                roles=record.roles,
                manager_id=manager_id,
                client_company_id=record.client_id,
            ),
        )
        link = None
        if invite:
            link = await accounts.issue_invitation(
                person=person, created_by=actor.person_id, send_email=True
            )
        return person.id, link
    if isinstance(record, imports.ClientToCreate):
        client = await directory.create_client(
            actor,
            legal_name=record.legal_name,
            siren=record.siren,
            vat_number=record.vat_number,
            billing_address=record.billing_address,
        )
        return client.id, None
    mission = await directory.create_mission(actor, _mission(record, region))
    return mission.id, None


async def run_import(
    *,
    actor: Actor,
    accounts: Accounts,
    kind: Kind,
    file_name: str,
    content: bytes,
    dry_run: bool,
    clock: Clock = system_clock,
) -> ImportResult:
    """Check, and unless `dry_run` create, every row of the file; refused rows create
    nothing (a dry run reports them, an import raises `InvalidInput` listing each)."""
    ensure_role(actor, Role.ADMIN)
    sheet = import_files.read_sheet(content, file_name=file_name, kind=kind)
    known = await _known(actor, kind, sheet)
    plan = imports.plan(kind=kind, sheet=sheet, known=known)
    errors = list(plan.errors)
    ids: dict[int, str] = {}
    links: dict[int, str] = {}
    organisation = await directory.organisation_of(actor)
    if not errors:
        try:
            async with repo.write_transaction():
                for record in plan.records:
                    try:
                        ids[record.row], link = await _create(
                            actor,
                            accounts,
                            record,
                            ids,
                            region=organisation.calendar_region,
                            invite=not dry_run,
                        )
                    except DomainError as refused:
                        errors.extend(_row_errors(kind, plan, record, refused))
                        continue
                    if link:
                        links[record.row] = link
                if errors or dry_run:
                    raise _RolledBack
                await audit_log.record_organisation_event(
                    organisation_id=actor.organisation_id,
                    kind="directory.imported",
                    subject=f"import:{kind}",
                    actor_id=actor.person_id,
                    data={
                        "kind": kind,
                        "file_name": file_name,
                        "rows": plan.rows,
                        "created": [ids[r.row] for r in plan.records],
                        "skipped": len(plan.skipped),
                    },
                    at=clock(),
                )
        except _RolledBack:
            pass
    if errors and not dry_run:
        raise InvalidInput(
            f"{len({e.row for e in errors})} row(s) of the file are refused: nothing was imported",
            errors=tuple(
                FieldError(
                    field=f"rows[{e.row}].{e.field}",
                    code=e.code,
                    message=f"row {e.row}, column {e.column or '-'}: {e.message}",
                )
                for e in sorted(errors, key=lambda e: e.row)
            ),
        )
    return _result(kind, plan, sheet, errors, ids, links, dry_run, accounts.mails_invitations)


def _row_errors(
    kind: Kind, plan: imports.Plan, record: imports.Record, refused: DomainError
) -> list[RowError]:
    reasons = refused.errors or (FieldError(field="", code=refused.code, message=refused.message),)
    found = []
    for reason in reasons:
        key = _column_key(kind, record, reason.field)
        found.append(
            RowError(
                row=record.row,
                column=plan.column_of(key) if reason.field else "",
                field=key,
                code=reason.code,
                message=reason.message,
            )
        )
    return found


def _result(
    kind: Kind,
    plan: imports.Plan,
    sheet: imports.Sheet,
    errors: list[RowError],
    ids: dict[int, str],
    links: dict[int, str],
    dry_run: bool,
    emailed: bool,
) -> ImportResult:
    header = [h.strip() for h in sheet.header]
    keep = [i for i, h in enumerate(header) if h]
    refused = {e.row for e in errors}
    creating = {r.row for r in plan.records}
    skipping = {s.row: s.existing_id for s in plan.skipped}
    outcomes = []
    for offset, cells in enumerate(sheet.rows):
        row = sheet.header_row + 1 + offset
        if not any(c.strip() for c in cells):
            continue
        action = "error" if row in refused else "skip" if row in skipping else "create"
        if action == "create" and row not in creating:
            action = "error"
        outcomes.append(
            RowOutcome(
                row=row,
                action=action,
                cells=tuple(cells[i].strip() if i < len(cells) else "" for i in keep),
                id=ids.get(row) if not dry_run else None,
                invitation_url=links.get(row),
            )
        )
    counts = {
        "rows": len(outcomes),
        "create": sum(o.action == "create" for o in outcomes),
        "skip": sum(o.action == "skip" for o in outcomes),
        "error": sum(o.action == "error" for o in outcomes),
    }
    return ImportResult(
        kind=kind,
        dry_run=dry_run,
        imported=not dry_run and not errors,
        columns=tuple(header[i] for i in keep),
        rows=tuple(outcomes),
        errors=tuple(sorted(errors, key=lambda e: (e.row, e.column))),
        ignored_columns=plan.ignored_columns,
        emailed=emailed and kind == "people",
        counts=counts,
    )


def template_csv(kind: Kind) -> bytes:
    """The kind's columns and an example row, as Excel in French opens a CSV: semicolons,
    UTF-8 with its byte-order mark."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(imports.template_header(kind))
    writer.writerows(imports.TEMPLATE_EXAMPLES[kind])
    return "\ufeff".encode() + out.getvalue().encode()
