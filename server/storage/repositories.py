"""Async queries returning domain records: row ↔ record mapping happens only here."""

import json
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from server.domain import model
from server.domain.roles import Role
from server.storage import firm_cache
from server.storage import tables as t


def _id(value: Any) -> str:
    return str(value)


def _opt_id(value: Any) -> str | None:
    return None if value is None else str(value)


def _json(value: Any) -> Any:
    # Piccolo returns JSON columns as text unless asked; decoding here keeps callers simple.
    return json.loads(value) if isinstance(value, str) else value


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction that takes the write lock before its first read.

    On SQLite a deferred transaction that reads then writes can fail with "database is
    locked" when another writer got in between; BEGIN IMMEDIATE serialises writers up front.
    """
    engine = t.Person._meta.db
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


# -- organisations -------------------------------------------------------------------------


def _organisation(row: dict[str, Any]) -> model.Organisation:
    return model.Organisation(
        id=_id(row["id"]),
        legal_name=row["legal_name"],
        siren=row["siren"],
        siret=row["siret"],
        vat_number=row["vat_number"],
        address=row["address"],
        time_zone=row["time_zone"],
        calendar_region=row["calendar_region"],
    )


async def create_organisation(
    *,
    legal_name: str,
    siren: str,
    siret: str,
    vat_number: str,
    address: str,
    time_zone: str = "Europe/Paris",
    calendar_region: str = "metropole",
) -> model.Organisation:
    row = t.Organisation(
        legal_name=legal_name,
        siren=siren,
        siret=siret,
        vat_number=vat_number,
        address=address,
        time_zone=time_zone,
        calendar_region=calendar_region,
    )
    await row.save()
    firm_cache.forget()  # a second firm changes which firm a host reaches
    return await get_organisation(_id(row.id))  # type: ignore[return-value]


async def get_organisation(organisation_id: str) -> model.Organisation | None:
    row = await t.Organisation.select().where(t.Organisation.id == organisation_id).first()
    return None if row is None else _organisation(row)


async def count_organisations() -> int:
    return int(await t.Organisation.count())


# -- people --------------------------------------------------------------------------------


async def _roles_of(person_ids: Sequence[str]) -> dict[str, frozenset[Role]]:
    if not person_ids:
        return {}
    rows = await t.PersonRole.select(t.PersonRole.person, t.PersonRole.role).where(
        t.PersonRole.person.is_in(list(person_ids))
    )
    roles: dict[str, set[Role]] = {pid: set() for pid in person_ids}
    for row in rows:
        roles[_id(row["person"])].add(Role(row["role"]))
    return {pid: frozenset(r) for pid, r in roles.items()}


def _person(row: dict[str, Any], roles: frozenset[Role]) -> model.Person:
    return model.Person(
        id=_id(row["id"]),
        organisation_id=_id(row["organisation"]),
        email=row["email"],
        display_name=row["display_name"],
        roles=roles,
        manager_id=_opt_id(row["manager"]),
        client_company_id=_opt_id(row["client_company"]),
        active=bool(row["active"]),
        webauthn_user_handle=bytes(row["webauthn_user_handle"] or b""),
    )


async def _people_where(condition: Any) -> list[model.Person]:
    query = t.Person.select()
    if condition is not None:
        query = query.where(condition)
    rows = await query.order_by(t.Person.display_name)
    roles = await _roles_of([_id(r["id"]) for r in rows])
    return [_person(r, roles[_id(r["id"])]) for r in rows]


async def create_person(
    *,
    organisation_id: str,
    email: str,
    display_name: str,
    roles: Iterable[Role],
    user_handle: bytes,
    manager_id: str | None = None,
    client_company_id: str | None = None,
) -> model.Person:
    person = t.Person(
        organisation=organisation_id,
        email=email,
        display_name=display_name,
        manager=manager_id,
        client_company=client_company_id,
        webauthn_user_handle=user_handle,
    )
    await person.save()
    role_rows = [t.PersonRole(person=person.id, role=role.value) for role in set(roles)]
    if role_rows:
        await t.PersonRole.insert(*role_rows)
    return await get_person(_id(person.id))  # type: ignore[return-value]


async def get_person(person_id: str) -> model.Person | None:
    people = await _people_where(t.Person.id == person_id)
    return people[0] if people else None


async def get_person_by_email(
    email: str, *, organisation_id: str | None = None
) -> model.Person | None:
    """The person with this e-mail in the organisation (e-mails are unique per organisation);
    without one, the first found anywhere (the operator's commands)."""
    if organisation_id is None:
        people = await _people_where(t.Person.email == email)
    else:
        people = await _people_where(
            (t.Person.email == email) & (t.Person.organisation == organisation_id)
        )
    return people[0] if people else None


async def list_people(organisation_id: str) -> list[model.Person]:
    return await _people_where(t.Person.organisation == organisation_id)


async def get_people(person_ids: Iterable[str]) -> dict[str, model.Person]:
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    return {p.id: p for p in await _people_where(t.Person.id.is_in(ids))}


# -- client companies -----------------------------------------------------------------------


def _client(row: dict[str, Any]) -> model.ClientCompany:
    return model.ClientCompany(
        id=_id(row["id"]),
        organisation_id=_id(row["organisation"]),
        legal_name=row["legal_name"],
        siren=row["siren"],
        vat_number=row["vat_number"],
        billing_address=row["billing_address"],
    )


async def create_client(
    *, organisation_id: str, legal_name: str, siren: str, vat_number: str, billing_address: str
) -> model.ClientCompany:
    row = t.ClientCompany(
        organisation=organisation_id,
        legal_name=legal_name,
        siren=siren,
        vat_number=vat_number,
        billing_address=billing_address,
    )
    await row.save()
    return await get_client(_id(row.id))  # type: ignore[return-value]


async def get_client(client_id: str) -> model.ClientCompany | None:
    row = await t.ClientCompany.select().where(t.ClientCompany.id == client_id).first()
    return None if row is None else _client(row)


async def list_clients(organisation_id: str) -> list[model.ClientCompany]:
    rows = (
        await t.ClientCompany.select()
        .where(t.ClientCompany.organisation == organisation_id)
        .order_by(t.ClientCompany.legal_name)
    )
    return [_client(r) for r in rows]


# -- missions --------------------------------------------------------------------------------


async def _missions_where(condition: Any) -> list[model.Mission]:
    rows = await t.Mission.select().where(condition).order_by(t.Mission.start_date)
    ids = [_id(r["id"]) for r in rows]
    steps: dict[str, list[model.ApprovalStep]] = {i: [] for i in ids}
    milestones: dict[str, list[model.Milestone]] = {i: [] for i in ids}
    if ids:
        for s in await t.ApprovalStep.select().where(t.ApprovalStep.mission.is_in(ids)):
            steps[_id(s["mission"])].append(
                model.ApprovalStep(
                    position=s["position"], kind=s["kind"], approver_id=_id(s["approver"])
                )
            )
        for m in await t.Milestone.select().where(t.Milestone.mission.is_in(ids)):
            milestones[_id(m["mission"])].append(
                model.Milestone(
                    position=m["position"],
                    label=m["label"],
                    due_date=_date(m["due_date"]),
                    amount_cents=m["amount_cents"],
                )
            )
    return [
        model.Mission(
            id=_id(r["id"]),
            organisation_id=_id(r["organisation"]),
            consultant_id=_id(r["consultant"]),
            client_id=_id(r["client"]),
            title=r["title"],
            start_date=_date(r["start_date"]),
            end_date=None if r["end_date"] is None else _date(r["end_date"]),
            billing_mode=r["billing_mode"],
            daily_rate_cents=r["daily_rate_cents"],
            day_cap_half_days=r["day_cap_half_days"],
            allowed_absences=tuple(_json(r["allowed_absences"])),
            comments_required=bool(r["comments_required"]),
            calendar_region=r["calendar_region"],
            steps=tuple(sorted(steps[_id(r["id"])], key=lambda s: s.position)),
            milestones=tuple(sorted(milestones[_id(r["id"])], key=lambda m: m.position)),
            purchase_order=r["purchase_order"],
        )
        for r in rows
    ]


async def create_mission(mission: model.Mission) -> model.Mission:
    """Insert a mission with its circuit and milestones, all or nothing."""
    async with write_transaction():
        row = t.Mission(
            id=uuid.UUID(mission.id),
            organisation=mission.organisation_id,
            consultant=mission.consultant_id,
            client=mission.client_id,
            title=mission.title,
            start_date=mission.start_date,
            end_date=mission.end_date,
            billing_mode=mission.billing_mode,
            daily_rate_cents=mission.daily_rate_cents,
            day_cap_half_days=mission.day_cap_half_days,
            allowed_absences=list(mission.allowed_absences),
            comments_required=mission.comments_required,
            calendar_region=mission.calendar_region,
            purchase_order=mission.purchase_order,
        )
        await row.save()
        if mission.steps:
            await t.ApprovalStep.insert(
                *[
                    t.ApprovalStep(
                        mission=row.id, position=s.position, kind=s.kind, approver=s.approver_id
                    )
                    for s in mission.steps
                ]
            )
        if mission.milestones:
            await t.Milestone.insert(
                *[
                    t.Milestone(
                        mission=row.id,
                        position=m.position,
                        label=m.label,
                        due_date=m.due_date,
                        amount_cents=m.amount_cents,
                    )
                    for m in mission.milestones
                ]
            )
    return await get_mission(mission.id)  # type: ignore[return-value]


async def get_mission(mission_id: str) -> model.Mission | None:
    missions = await _missions_where(t.Mission.id == mission_id)
    return missions[0] if missions else None


async def list_missions(organisation_id: str) -> list[model.Mission]:
    return await _missions_where(t.Mission.organisation == organisation_id)


async def missions_of(consultant_id: str) -> list[model.Mission]:
    return await _missions_where(t.Mission.consultant == consultant_id)


async def update_mission(
    mission: model.Mission, *, previous_consultant_id: str | None = None
) -> model.Mission:
    """Store a mission's editable terms and replace its circuit, inside the caller's
    transaction; the consultant's figures (both consultants' when it changed hands) are
    rebuilt from the new terms."""
    async with write_transaction():
        await t.Mission.update(
            {
                t.Mission.consultant: mission.consultant_id,
                t.Mission.client: mission.client_id,
                t.Mission.title: mission.title,
                t.Mission.start_date: mission.start_date,
                t.Mission.end_date: mission.end_date,
                t.Mission.day_cap_half_days: mission.day_cap_half_days,
                t.Mission.daily_rate_cents: mission.daily_rate_cents,
                t.Mission.allowed_absences: list(mission.allowed_absences),
                t.Mission.comments_required: mission.comments_required,
                t.Mission.calendar_region: mission.calendar_region,
                t.Mission.purchase_order: mission.purchase_order,
            }
        ).where(t.Mission.id == mission.id)
        await t.ApprovalStep.delete().where(t.ApprovalStep.mission == mission.id)
        if mission.steps:
            await t.ApprovalStep.insert(
                *[
                    t.ApprovalStep(
                        mission=mission.id,
                        position=s.position,
                        kind=s.kind,
                        approver=s.approver_id,
                    )
                    for s in mission.steps
                ]
            )
        await _replace_milestones(mission)
        await t.FigureRefresh.delete().where(t.FigureRefresh.consultant == mission.consultant_id)
        if previous_consultant_id and previous_consultant_id != mission.consultant_id:
            await t.FigureRefresh.delete().where(
                t.FigureRefresh.consultant == previous_consultant_id
            )
    return await get_mission(mission.id)  # type: ignore[return-value]


async def _replace_milestones(mission: model.Mission) -> None:
    """Update the milestones in place by position, add the new ones, delete those beyond the
    new count: a milestone keeps its row, which its delivery and pre-invoice point to."""
    rows = await t.Milestone.select(t.Milestone.id, t.Milestone.position).where(
        t.Milestone.mission == mission.id
    )
    by_position = {int(r["position"]): _id(r["id"]) for r in rows}
    for m in mission.milestones:
        values: dict[Any, Any] = {
            t.Milestone.label: m.label,
            t.Milestone.due_date: m.due_date,
            t.Milestone.amount_cents: m.amount_cents,
        }
        if m.position in by_position:
            await t.Milestone.update(values).where(t.Milestone.id == by_position[m.position])
        else:
            await t.Milestone(
                mission=mission.id,
                position=m.position,
                label=m.label,
                due_date=m.due_date,
                amount_cents=m.amount_cents,
            ).save()
    gone = [i for p, i in by_position.items() if p >= len(mission.milestones)]
    if gone:
        await t.Milestone.delete().where(t.Milestone.id.is_in(gone))


async def months_with_mission_days(
    *, consultant_id: str, mission_id: str
) -> list[tuple[str, str, tuple[date, ...]]]:
    """Each stored month of a consultant: ``(YYYY-MM, status, its days on the mission)``."""
    rows = await t.Timesheet.select(t.Timesheet.id, t.Timesheet.month, t.Timesheet.status).where(
        t.Timesheet.consultant == consultant_id
    )
    if not rows:
        return []
    key = f"mission:{mission_id}"
    days: dict[str, list[date]] = {_id(r["id"]): [] for r in rows}
    entries = await t.DayEntry.select(
        t.DayEntry.timesheet, t.DayEntry.day, t.DayEntry.lines
    ).where(t.DayEntry.timesheet.is_in([r["id"] for r in rows]))
    for e in entries:
        if any(line["line"] == key and int(line["half_days"]) > 0 for line in _json(e["lines"])):
            days[_id(e["timesheet"])].append(_date(e["day"]))
    return [(r["month"], r["status"], tuple(sorted(days[_id(r["id"])]))) for r in rows]


# -- timesheets ------------------------------------------------------------------------------


def _timesheet(row: dict[str, Any], days: tuple[model.DayRecord, ...]) -> model.Timesheet:
    return model.Timesheet(
        id=_id(row["id"]),
        consultant_id=_id(row["consultant"]),
        month=row["month"],
        status=row["status"],
        step=row["step"],
        waiting_on_id=_opt_id(row["waiting_on"]),
        epoch=row["epoch"],
        version=row["version"],
        days=days,
    )


def _day(row: dict[str, Any]) -> model.DayRecord:
    return model.DayRecord(
        date=_date(row["day"]),
        lines=tuple((line["line"], int(line["half_days"])) for line in _json(row["lines"])),
        comment=row["comment"],
    )


async def get_timesheet(*, consultant_id: str, month: str) -> model.Timesheet | None:
    row = (
        await t.Timesheet.select()
        .where((t.Timesheet.consultant == consultant_id) & (t.Timesheet.month == month))
        .first()
    )
    if row is None:
        return None
    days = (
        await t.DayEntry.select().where(t.DayEntry.timesheet == row["id"]).order_by(t.DayEntry.day)
    )
    # The month's version is that of its latest change, state or day: what a consultant
    # reviewed before submitting (sync `submit_month.reviewed_version`).
    version = max([row["version"], *(d["version"] for d in days)])
    return _timesheet({**row, "version": version}, tuple(_day(d) for d in days))


async def list_timesheets(consultant_ids: Iterable[str]) -> list[model.Timesheet]:
    ids = sorted(set(consultant_ids))
    if not ids:
        return []
    rows = (
        await t.Timesheet.select()
        .where(t.Timesheet.consultant.is_in(ids))
        .order_by(t.Timesheet.month, ascending=False)
    )
    return [_timesheet(r, ()) for r in rows]


async def list_timesheets_waiting_on(person_id: str) -> list[model.Timesheet]:
    rows = await t.Timesheet.select().where(t.Timesheet.waiting_on == person_id)
    return [_timesheet(r, ()) for r in rows]


async def create_timesheet(
    *, consultant_id: str, month: str, status: str = "draft"
) -> model.Timesheet:
    await t.Timesheet(consultant=consultant_id, month=month, status=status).save()
    return await get_timesheet(consultant_id=consultant_id, month=month)  # type: ignore[return-value]


async def set_timesheet_state(
    *, timesheet_id: str, status: str, step: int = 0, waiting_on_id: str | None = None
) -> None:
    await t.Timesheet.update(
        {
            t.Timesheet.status: status,
            t.Timesheet.step: step,
            t.Timesheet.waiting_on: waiting_on_id,
            t.Timesheet.version: t.Timesheet.version + 1,
        }
    ).where(t.Timesheet.id == timesheet_id)


async def write_day(
    *,
    timesheet_id: str,
    day: date,
    lines: Sequence[tuple[str, int]],
    comment: str,
    author_id: str,
    now: datetime,
) -> None:
    """Replace one day whole (the unit of merge) and bump the month's version."""
    payload = [{"line": line, "half_days": half_days} for line, half_days in lines]
    existing = (
        await t.DayEntry.select(t.DayEntry.id)
        .where((t.DayEntry.timesheet == timesheet_id) & (t.DayEntry.day == day))
        .first()
    )
    if existing is None:
        owner = (
            await t.Timesheet.select(t.Timesheet.consultant)
            .where(t.Timesheet.id == timesheet_id)
            .first()
        )
        await t.DayEntry(
            timesheet=timesheet_id,
            # The consultant with the day: the unit of merge and the index days are found by.
            consultant=None if owner is None else owner["consultant"],
            day=day,
            lines=payload,
            comment=comment,
            updated_at=now,
            updated_by=author_id,
        ).save()
    else:
        await t.DayEntry.update(
            {
                t.DayEntry.lines: payload,
                t.DayEntry.comment: comment,
                t.DayEntry.updated_at: now,
                t.DayEntry.updated_by: author_id,
            }
        ).where(t.DayEntry.id == existing["id"])
    await t.Timesheet.update(
        {t.Timesheet.version: t.Timesheet.version + 1, t.Timesheet.updated_at: now}
    ).where(t.Timesheet.id == timesheet_id)


# -- invitations, passkeys, ceremonies, sessions ---------------------------------------------


def _invitation(row: dict[str, Any]) -> model.Invitation:
    return model.Invitation(
        id=_id(row["id"]),
        person_id=_id(row["person"]),
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


async def create_invitation(
    *, person_id: str, token_hash: str, expires_at: datetime, created_by: str | None
) -> model.Invitation:
    row = t.Invitation(
        person=person_id, token_hash=token_hash, expires_at=expires_at, created_by=created_by
    )
    await row.save()
    return await get_invitation(_id(row.id))  # type: ignore[return-value]


async def expire_unused_invitations(*, person_id: str, now: datetime) -> int:
    """End every unused, unexpired invitation of a person now; returns how many there were."""
    rows = (
        await t.Invitation.update({t.Invitation.expires_at: now})
        .where(
            (t.Invitation.person == person_id)
            & t.Invitation.used_at.is_null()
            & (t.Invitation.expires_at > now)
        )
        .returning(t.Invitation.id)
    )
    return len(rows)


async def get_invitation(invitation_id: str) -> model.Invitation | None:
    row = await t.Invitation.select().where(t.Invitation.id == invitation_id).first()
    return None if row is None else _invitation(row)


async def get_invitation_by_hash(token_hash: str) -> model.Invitation | None:
    row = await t.Invitation.select().where(t.Invitation.token_hash == token_hash).first()
    return None if row is None else _invitation(row)


async def spend_invitation(*, invitation_id: str, now: datetime) -> bool:
    """Mark the invitation used unless it already was; True if this call spent it."""
    rows = (
        await t.Invitation.update({t.Invitation.used_at: now})
        .where((t.Invitation.id == invitation_id) & t.Invitation.used_at.is_null())
        .returning(t.Invitation.id)
    )
    return len(rows) == 1


def _passkey(row: dict[str, Any]) -> model.Passkey:
    return model.Passkey(
        id=_id(row["id"]),
        person_id=_id(row["person"]),
        credential_id=bytes(row["credential_id"]),
        public_key=bytes(row["public_key"]),
        sign_count=row["sign_count"],
        transports=tuple(_json(row["transports"])),
        device_name=row["device_name"],
        backed_up=bool(row["backed_up"]),
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


async def add_passkey(
    *,
    person_id: str,
    credential_id: bytes,
    public_key: bytes,
    sign_count: int,
    transports: Sequence[str],
    aaguid: str,
    device_name: str,
    backed_up: bool,
    now: datetime,
) -> model.Passkey:
    row = t.Passkey(
        person=person_id,
        credential_id=credential_id,
        public_key=public_key,
        sign_count=sign_count,
        transports=list(transports),
        aaguid=aaguid,
        device_name=device_name,
        backed_up=backed_up,
        created_at=now,
    )
    await row.save()
    return await get_passkey(_id(row.id))  # type: ignore[return-value]


async def get_passkey(passkey_id: str) -> model.Passkey | None:
    row = await t.Passkey.select().where(t.Passkey.id == passkey_id).first()
    return None if row is None else _passkey(row)


async def get_passkey_by_credential_id(credential_id: bytes) -> model.Passkey | None:
    row = await t.Passkey.select().where(t.Passkey.credential_id == credential_id).first()
    return None if row is None else _passkey(row)


async def list_passkeys(person_id: str) -> list[model.Passkey]:
    rows = (
        await t.Passkey.select()
        .where(t.Passkey.person == person_id)
        .order_by(t.Passkey.created_at)
    )
    return [_passkey(r) for r in rows]


async def record_passkey_use(
    *, passkey_id: str, old_count: int, new_count: int, now: datetime
) -> bool:
    """Compare-and-set the sign count, so two concurrent assertions cannot both pass."""
    rows = (
        await t.Passkey.update({t.Passkey.sign_count: new_count, t.Passkey.last_used_at: now})
        .where(
            (t.Passkey.id == passkey_id)
            & (t.Passkey.sign_count == old_count)
            & t.Passkey.revoked_at.is_null()
        )
        .returning(t.Passkey.id)
    )
    return len(rows) == 1


async def revoke_passkey(*, passkey_id: str, now: datetime) -> None:
    await t.Passkey.update({t.Passkey.revoked_at: now}).where(t.Passkey.id == passkey_id)


def _ceremony(row: dict[str, Any]) -> model.Ceremony:
    return model.Ceremony(
        id=_id(row["id"]),
        purpose=row["purpose"],
        challenge=bytes(row["challenge"]),
        person_id=_opt_id(row["person"]),
        invitation_id=_opt_id(row["invitation"]),
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


async def create_ceremony(
    *,
    purpose: str,
    challenge: bytes,
    expires_at: datetime,
    person_id: str | None = None,
    invitation_id: str | None = None,
) -> str:
    row = t.Ceremony(
        purpose=purpose,
        challenge=challenge,
        expires_at=expires_at,
        person=person_id,
        invitation=invitation_id,
    )
    await row.save()
    return _id(row.id)


async def consume_ceremony(*, ceremony_id: str, now: datetime) -> model.Ceremony | None:
    """Spend a ceremony once: None if unknown, already used or expired."""
    rows = (
        await t.Ceremony.update({t.Ceremony.used_at: now})
        .where(
            (t.Ceremony.id == ceremony_id)
            & t.Ceremony.used_at.is_null()
            & (t.Ceremony.expires_at > now)
        )
        .returning(*t.Ceremony.all_columns())
    )
    return _ceremony(rows[0]) if rows else None


async def create_session(
    *, token_hash: str, person_id: str, now: datetime, expires_at: datetime
) -> None:
    await t.Session(
        token_hash=token_hash,
        person=person_id,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
    ).save()


async def delete_session(token_hash: str) -> None:
    await t.Session.delete().where(t.Session.token_hash == token_hash)


async def delete_sessions_of(person_id: str, *, except_hash: str | None = None) -> None:
    condition: Any = t.Session.person == person_id
    if except_hash is not None:
        condition &= t.Session.token_hash != except_hash
    await t.Session.delete().where(condition)


async def get_ceremony(ceremony_id: str) -> model.Ceremony | None:
    row = await t.Ceremony.select().where(t.Ceremony.id == ceremony_id).first()
    return None if row is None else _ceremony(row)


async def replace_roles(*, person_id: str, roles: Iterable[Role]) -> model.Person:
    async with write_transaction():
        await t.PersonRole.delete().where(t.PersonRole.person == person_id)
        rows = [t.PersonRole(person=person_id, role=r.value) for r in roles]
        if rows:  # an insert of no rows is a syntax error on SQLite
            await t.PersonRole.insert(*rows)
    return await get_person(person_id)  # type: ignore[return-value]


async def list_all_people() -> list[model.Person]:
    return await _people_where(None)


async def set_person_active(*, person_id: str, active: bool) -> model.Person:
    await t.Person.update({t.Person.active: active}).where(t.Person.id == person_id)
    return await get_person(person_id)  # type: ignore[return-value]
