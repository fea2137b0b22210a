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
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import date

from server.domain import imports, model
from server.domain.access import ensure_role
from server.domain.errors import DomainError, FieldError, InvalidInput
from server.domain.imports import Kind, RowAction, RowError
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
    action: RowAction
    cells: tuple[str, ...]
    label: str = ""
    """The row's e-mail, legal name or title."""
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


LABEL_FIELD: dict[Kind, str] = {"people": "email", "clients": "legal_name", "missions": "title"}


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
        held = await import_store.emails_held(emails, organisation_id=organisation_id)
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
        calendar_region=record.calendar_region or region,
        steps=tuple(steps),
        milestones=milestones,
        purchase_order=record.purchase_order,
    )


Refusals = list[tuple[imports.Record, DomainError]]


def _row_refused(fieldname: str) -> InvalidInput:
    code = "row_with_errors"
    message = imports.MESSAGES[code]
    return InvalidInput(message, errors=(FieldError(fieldname, code, message),))


async def _checked_people(
    actor: Actor, records: list[imports.PersonToCreate]
) -> tuple[list[model.Person], Refusals]:
    """The people of the file as they would be stored, and each one the directory's rules
    refuse (`directory.person_refusal`, the e-mail held by anyone), as read now."""
    organisation_id = actor.organisation_id
    new_ids = {r.row: str(uuid.uuid4()) for r in records}
    people: dict[int, model.Person] = {}
    for r in records:
        manager_id = None
        if r.manager is not None:
            manager_id = r.manager.id or new_ids[r.manager.row or 0]
        people[r.row] = model.Person(
            id=new_ids[r.row],
            organisation_id=organisation_id,
            email=r.email,
            display_name=r.display_name,
            roles=r.roles,
            manager_id=manager_id,
            client_company_id=r.client_id,
            active=True,
            webauthn_user_handle=secrets.token_bytes(32),
        )
    known = {p.id: p for p in await repo.list_people(organisation_id)}
    everyone = known | {p.id: p for p in people.values()}
    clients = {c.id: c for c in await repo.list_clients(organisation_id)}
    held = await import_store.emails_held(
        (p.email for p in people.values()), organisation_id=organisation_id
    )
    refused: dict[int, DomainError] = {}
    for r in records:
        person = people[r.row]
        if person.email in held:
            refused[r.row] = directory.email_taken(person.email)
            continue
        refusal = directory.person_refusal(
            organisation_id,
            directory.NewPerson(
                email=person.email,
                display_name=person.display_name,
                roles=person.roles,
                manager_id=person.manager_id,
                client_company_id=person.client_company_id,
            ),
            manager=everyone.get(person.manager_id or ""),
            client=clients.get(person.client_company_id or ""),
        )
        if refusal is not None:
            refused[r.row] = refusal
    # Someone managed by a refused row of the file is refused with it.
    by_row = {r.row: r for r in records}
    spreading = True
    while spreading:
        spreading = False
        for r in records:
            boss = r.manager.row if r.manager else None
            if r.row not in refused and boss is not None and boss in refused:
                refused[r.row] = _row_refused("manager_id")
                spreading = True
    return (
        [people[r.row] for r in records if r.row not in refused],
        [(by_row[row], why) for row, why in sorted(refused.items())],
    )


async def _checked_missions(
    actor: Actor, records: list[imports.MissionToCreate]
) -> tuple[list[model.Mission], Refusals]:
    """The missions of the file as they would be stored, and each one the directory's rules
    refuse (`directory.mission_errors`), as read now."""
    organisation = await directory.organisation_of(actor)
    people = {p.id: p for p in await repo.list_people(actor.organisation_id)}
    clients = {c.id: c for c in await repo.list_clients(actor.organisation_id)}
    missions: list[model.Mission] = []
    refused: Refusals = []
    for r in records:
        mission = replace(
            _mission(r, organisation.calendar_region),
            id=str(uuid.uuid4()),
            organisation_id=actor.organisation_id,
        )
        errors = directory.mission_errors(
            mission,
            consultant=people.get(mission.consultant_id),
            client=clients.get(mission.client_id),
            approvers=people,
        )
        if errors:
            refused.append((r, InvalidInput("the mission is not valid", errors=tuple(errors))))
        else:
            missions.append(mission)
    return missions, refused


async def _write(
    actor: Actor,
    accounts: Accounts,
    plan: imports.Plan,
    *,
    dry_run: bool,
) -> tuple[dict[int, str], dict[int, str], Refusals]:
    """Check every record with the directory's rules and, unless `dry_run` or one is refused,
    store them all (in the caller's transaction). Returns ids and invitation links by row."""
    ids: dict[int, str] = {}
    links: dict[int, str] = {}
    people = [r for r in plan.records if isinstance(r, imports.PersonToCreate)]
    missions = [r for r in plan.records if isinstance(r, imports.MissionToCreate)]
    clients = [r for r in plan.records if isinstance(r, imports.ClientToCreate)]
    if people:
        new_people, refused = await _checked_people(actor, people)
        if refused or dry_run:
            return ids, links, refused
        await import_store.insert_people(new_people)
        sent = await accounts.issue_invitations(people=new_people, created_by=actor.person_id)
        for row, person in zip(people, new_people, strict=True):
            ids[row.row], links[row.row] = person.id, sent[person.id]
    if missions:
        new_missions, refused = await _checked_missions(actor, missions)
        if refused or dry_run:
            return ids, links, refused
        await import_store.insert_missions(new_missions)
        ids |= {r.row: m.id for r, m in zip(missions, new_missions, strict=True)}
    if clients and not dry_run:
        for record in clients:
            client = await directory.create_client(
                actor,
                legal_name=record.legal_name,
                siren=record.siren,
                vat_number=record.vat_number,
                billing_address=record.billing_address,
            )
            ids[record.row] = client.id
    return ids, links, []


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
    if not errors and dry_run:
        _, _, refused = await _write(actor, accounts, plan, dry_run=True)
        errors.extend(e for record, why in refused for e in _row_errors(kind, plan, record, why))
    elif not errors:
        async with repo.write_transaction():
            # Checked again under the write lock: nothing can change between check and write.
            ids, links, refused = await _write(actor, accounts, plan, dry_run=False)
            errors.extend(
                e for record, why in refused for e in _row_errors(kind, plan, record, why)
            )
            if not errors:
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
    # What names a row to a person reading the result: its e-mail, legal name or title.
    named = plan.columns.get(LABEL_FIELD[kind])
    label = header.index(named) if named in header else None
    outcomes = []
    for offset, cells in enumerate(sheet.rows):
        row = sheet.header_row + 1 + offset
        if not any(c.strip() for c in cells):
            continue
        action: RowAction = "error" if row in refused else "skip" if row in skipping else "create"
        if action == "create" and row not in creating:
            action = "error"
        outcomes.append(
            RowOutcome(
                row=row,
                action=action,
                cells=tuple(cells[i].strip() if i < len(cells) else "" for i in keep),
                label=cells[label].strip() if label is not None and label < len(cells) else "",
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
