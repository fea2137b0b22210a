"""The organisation's directory: people, client companies and missions."""

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from server.domain import mission_changes, model
from server.domain.access import can_see_mission, can_see_person, ensure_role
from server.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from server.domain.roles import Actor, Role
from server.services import audit_log, invoicing, organisation
from server.services.clock import Clock, system_clock
from server.storage import invoicing_store, notification_store, sync_store
from server.storage import repositories as repo
from server.storage import signatures as signatures_store
from sync.rules import AbsenceType

BILLING_MODES = ("regie", "regie_capped", "forfait")
STEP_KINDS = {"manager": Role.MANAGER, "client_signer": Role.CLIENT_SIGNER}
DRAFTED_FROM = frozenset({"purchase_order", "day_cap_half_days", "daily_rate_cents", "title"})
"""A mission's fields its monthly pre-invoices are made from: the purchase order groups them,
the cap and the rate price the days, the title labels the line. A change to one of them that
goes through (no issued invoice holds it: `mission_changes`) redraws the client's drafts."""


@dataclass(frozen=True)
class NewPerson:
    email: str
    display_name: str
    roles: frozenset[Role]
    manager_id: str | None = None
    client_company_id: str | None = None


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=(FieldError(field=field, code=code, message=message),))


async def organisation_of(actor: Actor) -> model.Organisation:
    organisation = await repo.get_organisation(actor.organisation_id)
    if organisation is None:
        msg = "no such organisation"
        raise NotFound(msg)
    return organisation


async def client_company_name(person: model.Person) -> str | None:
    """The client company a client signer works for (None for the firm's own people): what a
    signer sees as their company, never the consulting firm's name."""
    if person.client_company_id is None:
        return None
    client = await repo.get_client(person.client_company_id)
    return client.legal_name if client else None


async def visible_person(actor: Actor, person_id: str) -> model.Person:
    person = await repo.get_person(person_id)
    if person is None or not can_see_person(actor, person):
        msg = "no such person"
        raise NotFound(msg)
    return person


async def invitable_person(actor: Actor, person_id: str) -> model.Person:
    """A person the administrator may send a new invitation link: a deactivated person's link
    would not open, so they are reactivated first."""
    ensure_role(actor, Role.ADMIN)
    person = await visible_person(actor, person_id)
    if not person.active:
        message = "this person is deactivated: reactivate them before sending a new link"
        raise Conflict(
            message,
            errors=(FieldError(field="person_id", code="person_inactive", message=message),),
        )
    return person


async def list_people(actor: Actor) -> list[model.Person]:
    return [p for p in await repo.list_people(actor.organisation_id) if can_see_person(actor, p)]


async def create_person(
    *, organisation_id: str, new: NewPerson, check_refs: bool = True
) -> model.Person:
    """Create a person after checking their references; email is unique in the organisation
    (another firm's people are not looked at: docs/multi-tenant.md)."""
    email = new.email.strip().lower()
    if await repo.get_person_by_email(email, organisation_id=organisation_id) is not None:
        raise email_taken(email)
    if check_refs:
        await _check_person_refs(organisation_id, new)
    return await repo.create_person(
        organisation_id=organisation_id,
        email=email,
        display_name=new.display_name.strip(),
        roles=new.roles,
        user_handle=secrets.token_bytes(32),
        manager_id=new.manager_id,
        client_company_id=new.client_company_id,
    )


def email_taken(email: str) -> Conflict:
    return Conflict(
        f"a person with email {email} already exists",
        errors=(FieldError(field="email", code="email_taken", message="already registered"),),
    )


async def _check_person_refs(organisation_id: str, new: NewPerson) -> None:
    manager = await repo.get_person(new.manager_id) if new.manager_id else None
    client = await repo.get_client(new.client_company_id) if new.client_company_id else None
    refusal = person_refusal(organisation_id, new, manager=manager, client=client)
    if refusal is not None:
        raise refusal


def person_refusal(
    organisation_id: str,
    new: NewPerson,
    *,
    manager: model.Person | None,
    client: model.ClientCompany | None,
) -> InvalidInput | None:
    """Why a person's roles and references are refused, given the manager and client they
    name as read (None: not found); None when they hold together."""
    if not new.roles:
        return _invalid("roles", "roles_empty", "a person needs at least one role")
    if new.manager_id is not None:
        if manager is None or manager.organisation_id != organisation_id:
            return _invalid("manager_id", "unknown_person", f"no person {new.manager_id}")
        if Role.MANAGER not in manager.roles:
            return _invalid("manager_id", "not_a_manager", f"{manager.email} is not a manager")
    if Role.CLIENT_SIGNER in new.roles:
        if new.client_company_id is None:
            return _invalid(
                "client_company_id",
                "client_required",
                "a client signer must belong to a client company",
            )
        if new.roles != {Role.CLIENT_SIGNER}:
            return _invalid(
                "roles", "signer_exclusive", "a client signer cannot hold the organisation's roles"
            )
    if new.client_company_id is not None and (
        client is None or client.organisation_id != organisation_id
    ):
        return _invalid(
            "client_company_id", "unknown_client", f"no client {new.client_company_id}"
        )
    return None


# -- client companies ----------------------------------------------------------------------


async def list_clients(actor: Actor) -> list[model.ClientCompany]:
    clients = await repo.list_clients(actor.organisation_id)
    if actor.roles & {Role.ADMIN, Role.MANAGER}:
        return clients
    visible = {m.client_id for m in await list_missions(actor)}
    if actor.client_company_id:
        visible.add(actor.client_company_id)
    return [c for c in clients if c.id in visible]


async def create_client(
    actor: Actor, *, legal_name: str, siren: str, vat_number: str, billing_address: str
) -> model.ClientCompany:
    ensure_role(actor, Role.ADMIN)
    async with repo.write_transaction():
        client = await repo.create_client(
            organisation_id=actor.organisation_id,
            legal_name=legal_name.strip(),
            siren=siren,
            vat_number=vat_number,
            billing_address=billing_address.strip(),
        )
        # A new client's signer signs or attests as the organisation's screen says by default.
        wording = await organisation.default_wording(actor.organisation_id)
        if wording != "signature":
            await signatures_store.set_client_wording(client_id=client.id, wording=wording)
    return client


# -- missions -------------------------------------------------------------------------------


async def list_missions(actor: Actor) -> list[model.Mission]:
    missions = await repo.list_missions(actor.organisation_id)
    people = await repo.get_people(m.consultant_id for m in missions)
    return [m for m in missions if can_see_mission(actor, m, people[m.consultant_id])]


async def visible_mission(actor: Actor, mission_id: str) -> model.Mission:
    mission = await repo.get_mission(mission_id)
    consultant = await repo.get_person(mission.consultant_id) if mission else None
    if mission is None or consultant is None or not can_see_mission(actor, mission, consultant):
        msg = "no such mission"
        raise NotFound(msg)
    return mission


async def create_mission(actor: Actor, mission: model.Mission) -> model.Mission:
    """Check a mission's references and billing terms, then store it whole."""
    ensure_role(actor, Role.ADMIN)
    mission = replace(mission, id=str(uuid.uuid4()), organisation_id=actor.organisation_id)
    errors = await _mission_errors(mission)
    if errors:
        raise InvalidInput("the mission is not valid", errors=tuple(errors))
    return await repo.create_mission(mission)


async def _mission_errors(mission: model.Mission) -> list[FieldError]:
    consultant = await repo.get_person(mission.consultant_id)
    client = await repo.get_client(mission.client_id)
    people = await repo.get_people(s.approver_id for s in mission.steps)
    return mission_errors(mission, consultant=consultant, client=client, approvers=people)


def mission_errors(
    mission: model.Mission,
    *,
    consultant: model.Person | None,
    client: model.ClientCompany | None,
    approvers: Mapping[str, model.Person],
) -> list[FieldError]:
    """Every reason a mission is refused, given its consultant, client and approvers as read
    (None or absent: not found)."""
    errors: list[FieldError] = []

    def add(field: str, code: str, message: str) -> None:
        errors.append(FieldError(field=field, code=code, message=message))

    if consultant is None or consultant.organisation_id != mission.organisation_id:
        add("consultant_id", "unknown_person", f"no person {mission.consultant_id}")
    elif Role.CONSULTANT not in consultant.roles:
        add("consultant_id", "not_a_consultant", f"{consultant.email} is not a consultant")
    if client is None or client.organisation_id != mission.organisation_id:
        add("client_id", "unknown_client", f"no client {mission.client_id}")
    if mission.end_date is not None and mission.end_date < mission.start_date:
        add(
            "end_date",
            "ends_before_start",
            f"ends {mission.end_date} before it starts {mission.start_date}",
        )
    errors.extend(_billing_errors(mission))
    for absence in mission.allowed_absences:
        if absence not in {a.value for a in AbsenceType}:
            add("allowed_absences", "unknown_absence", f"unknown absence type {absence!r}")
    for index, step in enumerate(mission.steps):
        field = f"approval_steps[{index}]"
        approver = approvers.get(step.approver_id)
        if approver is None or approver.organisation_id != mission.organisation_id:
            add(f"{field}.approver_id", "unknown_person", f"no person {step.approver_id}")
        elif STEP_KINDS[step.kind] not in approver.roles:
            add(f"{field}.approver_id", "wrong_role", f"{approver.email} is not a {step.kind}")
        elif step.kind == "client_signer" and approver.client_company_id != mission.client_id:
            add(
                f"{field}.approver_id",
                "signer_of_other_client",
                f"{approver.email} signs for another client",
            )
    return errors


def _billing_errors(mission: model.Mission) -> list[FieldError]:
    errors: list[FieldError] = []
    rate, cap = mission.daily_rate_cents, mission.day_cap_half_days
    if mission.billing_mode in {"regie", "regie_capped"} and not rate:
        errors.append(
            FieldError("daily_rate_cents", "rate_required", "régie needs a daily rate (TJM)")
        )
    if mission.billing_mode == "regie_capped" and not cap:
        errors.append(
            FieldError("day_cap_half_days", "cap_required", "a capped régie needs a day cap")
        )
    if mission.billing_mode == "forfait":
        if not mission.milestones:
            errors.append(
                FieldError("milestones", "milestones_required", "a forfait needs milestones")
            )
        for index, milestone in enumerate(mission.milestones):
            if not _within(milestone.due_date, mission.start_date, mission.end_date):
                errors.append(
                    FieldError(
                        f"milestones[{index}].due_date",
                        "outside_mission",
                        f"milestone due {milestone.due_date} is outside the mission's dates",
                    )
                )
    return errors


def _within(day: date, start: date, end: date | None) -> bool:
    return start <= day and (end is None or day <= end)


async def set_roles(actor: Actor, person_id: str, roles: frozenset[Role]) -> model.Person:
    """Replace a person's roles, under the same consistency rules as at creation."""
    ensure_role(actor, Role.ADMIN)
    person = await visible_person(actor, person_id)
    await _check_person_refs(
        actor.organisation_id,
        NewPerson(
            email=person.email,
            display_name=person.display_name,
            roles=roles,
            manager_id=person.manager_id,
            client_company_id=person.client_company_id,
        ),
    )
    if person.id == actor.person_id and Role.ADMIN not in roles:
        raise _invalid("roles", "last_admin_self", "you cannot remove your own admin role")
    return await repo.replace_roles(person_id=person.id, roles=roles)


async def set_active(
    actor: Actor, person_id: str, *, active: bool, clock: Clock = system_clock
) -> model.Person:
    """Deactivate or reactivate a person (administrators only).

    Deactivating ends their sessions at once and removes their push subscriptions, in one
    transaction; nothing else goes: their months, signatures, invoices and passkeys stay (a
    month they signed keeps its proof), and reactivating lets them sign in again with the
    same passkeys. An administrator cannot deactivate themselves, so an organisation always
    keeps someone able to undo it. Both are audited (``person.deactivated``,
    ``person.reactivated``) in the same transaction.
    """
    ensure_role(actor, Role.ADMIN)
    person = await visible_person(actor, person_id)
    if not active and person.id == actor.person_id:
        raise Conflict(
            "you cannot deactivate your own account",
            errors=(
                FieldError(
                    field="person_id",
                    code="deactivate_self",
                    message="you cannot deactivate your own account",
                ),
            ),
        )
    async with repo.write_transaction():
        updated = await repo.set_person_active(person_id=person.id, active=active)
        if not active:
            await repo.delete_sessions_of(person.id)
            await notification_store.delete_subscriptions_of(person.id)
        if person.active != active:
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="person.reactivated" if active else "person.deactivated",
                subject=f"person:{person.id}",
                actor_id=actor.person_id,
                data={"person": person.id, "email": person.email},
                at=clock(),
            )
    return updated


@dataclass(frozen=True)
class MissionEdit:
    """What an administrator may change on a mission once created (issue 14)."""

    title: str
    end_date: date | None
    daily_rate_cents: int | None
    allowed_absences: tuple[str, ...]
    comments_required: bool
    calendar_region: str
    steps: tuple[model.ApprovalStep, ...]
    purchase_order: str | None = None
    """None: kept as it is (a client of the API from before the field)."""
    start_date: date | None = None
    """None: kept as it is; likewise the three below."""
    consultant_id: str | None = None
    client_id: str | None = None
    day_cap_half_days: int | None = None
    """Only a capped régie has a cap; the billing mode itself stays as created."""
    milestones: tuple[model.Milestone, ...] | None = None
    """A forfait's milestones, all of them (ignored for other modes)."""


def _wire(mission: model.Mission, name: str) -> object:
    value = getattr(mission, name if name != "approval_steps" else "steps")
    if name == "approval_steps":
        return [{"kind": s.kind, "approver_id": s.approver_id} for s in value]
    if name == "milestones":
        return [
            {"label": m.label, "due_date": m.due_date.isoformat(), "amount_cents": m.amount_cents}
            for m in value
        ]
    if isinstance(value, date):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


async def update_mission(
    actor: Actor, mission_id: str, edit: MissionEdit, *, clock: Clock = system_clock
) -> model.Mission:
    """Change a mission's editable terms, unless that would rewrite a month already handed in
    or invoiced (`server.domain.mission_changes`): then nothing changes and the refusal names
    each field and month. The check, the write and the audit event share one transaction,
    under the consultant's lock (both consultants' when it changes hands)."""
    ensure_role(actor, Role.ADMIN)
    before = await visible_mission(actor, mission_id)
    after = replace(
        before,
        consultant_id=edit.consultant_id or before.consultant_id,
        client_id=edit.client_id or before.client_id,
        start_date=edit.start_date or before.start_date,
        day_cap_half_days=before.day_cap_half_days
        if edit.day_cap_half_days is None or before.billing_mode != "regie_capped"
        else edit.day_cap_half_days,
        milestones=before.milestones
        if edit.milestones is None or before.billing_mode != "forfait"
        else edit.milestones,
        title=edit.title,
        end_date=edit.end_date,
        daily_rate_cents=edit.daily_rate_cents,
        allowed_absences=edit.allowed_absences,
        comments_required=edit.comments_required,
        calendar_region=edit.calendar_region,
        steps=edit.steps,
        purchase_order=before.purchase_order
        if edit.purchase_order is None
        else edit.purchase_order,
    )
    errors = await _mission_errors(after)
    if errors:
        raise InvalidInput("the mission is not valid", errors=tuple(errors))
    changed = mission_changes.changed_fields(before, after)
    if not changed:
        return before
    async with repo.write_transaction():
        # The consultant's lock, which day writes and circuit moves take first: no month can
        # be handed in, nor a day recorded, between this check and the write. Two consultants
        # are locked in a fixed order, so that two edits cannot wait on each other.
        for person_id in sorted({before.consultant_id, after.consultant_id}):
            await sync_store.lock_space(person_id)
        months = await _months_of(before.consultant_id, before.id)
        incoming = (
            await _months_of(after.consultant_id, before.id) if "consultant_id" in changed else []
        )
        invoiced = (
            await invoicing_store.invoiced_months(before.id)
            if {"client_id", "day_cap_half_days"} & set(changed)
            else []
        )
        delivered = (
            await invoicing_store.delivered_milestones(before.id)
            if {"milestones", "client_id"} & set(changed)
            else {}
        )
        refused = mission_changes.refusals(
            before=before,
            after=after,
            months=months,
            incoming=incoming,
            invoiced=invoiced,
            delivered=delivered,
        )
        if refused:
            named = sorted({e.message.split(" ", 1)[0] for e in refused})
            raise Conflict(
                "this change would rewrite what is already recorded, handed in or invoiced: "
                f"{', '.join(named)}",
                errors=refused,
            )
        updated = await repo.update_mission(after, previous_consultant_id=before.consultant_id)
        await audit_log.record_organisation_event(
            organisation_id=before.organisation_id,
            kind="mission.changed",
            subject=f"mission:{before.id}",
            actor_id=actor.person_id,
            data={
                "mission": before.id,
                "before": {name: _wire(before, name) for name in changed},
                "after": {name: _wire(after, name) for name in changed},
            },
            at=clock(),
        )
    if DRAFTED_FROM & set(changed):
        # The client's pre-invoices regroup by purchase order and take the new cap, rate and
        # title, as if drafted now; an issued invoice never changes (a cap change is refused
        # once one bills the mission).
        await invoicing.on_mission_billing_changed(client_id=before.client_id, now=clock())
    return updated


async def _months_of(consultant_id: str, mission_id: str) -> list[mission_changes.MonthOfMission]:
    return [
        mission_changes.MonthOfMission(month=month, status=status, mission_days=days)
        for month, status, days in await repo.months_with_mission_days(
            consultant_id=consultant_id, mission_id=mission_id
        )
    ]
