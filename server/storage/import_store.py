"""Storage of the spreadsheet import (issue 14): which of a file's e-mails Carnet holds, and
the people, missions and invitations of a file inserted in bulk (a few statements for
thousands of rows), once the directory's rules accepted every one of them."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from server.domain import model
from server.storage import tables as t

CHUNK = 500
"""E-mails per query: SQLite binds at most a few thousand parameters."""


async def emails_held(emails: Iterable[str], *, organisation_id: str) -> dict[str, str]:
    """The organisation id of each e-mail the organisation already holds, among `emails`
    (another firm's people are none of its business: docs/multi-tenant.md)."""
    wanted = sorted(set(emails))
    held: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await t.Person.select(t.Person.email, t.Person.organisation).where(
            t.Person.email.is_in(wanted[start : start + CHUNK])
            & (t.Person.organisation == organisation_id)
        )
        held.update({row["email"]: str(row["organisation"]) for row in rows})
    return held


async def insert_people(people: Sequence[model.Person]) -> None:
    """Insert new people with their roles, in the caller's transaction, in the given order (a
    manager before the people they manage). Their ids and WebAuthn handles are given."""
    for start in range(0, len(people), CHUNK):
        part = people[start : start + CHUNK]
        await t.Person.insert(
            *[
                t.Person(
                    id=uuid.UUID(p.id),
                    organisation=p.organisation_id,
                    email=p.email,
                    display_name=p.display_name,
                    manager=p.manager_id,
                    client_company=p.client_company_id,
                    webauthn_user_handle=p.webauthn_user_handle,
                )
                for p in part
            ]
        )
        roles = [t.PersonRole(person=uuid.UUID(p.id), role=r.value) for p in part for r in p.roles]
        if roles:
            await t.PersonRole.insert(*roles)


async def insert_missions(missions: Sequence[model.Mission]) -> None:
    """Insert new missions with their circuits and milestones, in the caller's transaction."""
    for start in range(0, len(missions), CHUNK):
        part = missions[start : start + CHUNK]
        await t.Mission.insert(
            *[
                t.Mission(
                    id=uuid.UUID(m.id),
                    organisation=m.organisation_id,
                    consultant=m.consultant_id,
                    client=m.client_id,
                    title=m.title,
                    start_date=m.start_date,
                    end_date=m.end_date,
                    billing_mode=m.billing_mode,
                    daily_rate_cents=m.daily_rate_cents,
                    day_cap_half_days=m.day_cap_half_days,
                    allowed_absences=list(m.allowed_absences),
                    comments_required=m.comments_required,
                    calendar_region=m.calendar_region,
                    purchase_order=m.purchase_order,
                )
                for m in part
            ]
        )
        steps = [
            t.ApprovalStep(
                mission=uuid.UUID(m.id), position=s.position, kind=s.kind, approver=s.approver_id
            )
            for m in part
            for s in m.steps
        ]
        if steps:
            await t.ApprovalStep.insert(*steps)
        milestones = [
            t.Milestone(
                mission=uuid.UUID(m.id),
                position=ms.position,
                label=ms.label,
                due_date=ms.due_date,
                amount_cents=ms.amount_cents,
            )
            for m in part
            for ms in m.milestones
        ]
        if milestones:
            await t.Milestone.insert(*milestones)


async def insert_invitations(
    invitations: Sequence[tuple[str, str, str, datetime]], *, created_by: str | None
) -> None:
    """Insert (invitation id, person id, token hash, expiry) rows, in the caller's transaction."""
    for start in range(0, len(invitations), CHUNK):
        await t.Invitation.insert(
            *[
                t.Invitation(
                    id=uuid.UUID(invitation_id),
                    person=person_id,
                    token_hash=token_hash,
                    expires_at=expires_at,
                    created_by=created_by,
                )
                for invitation_id, person_id, token_hash, expires_at in invitations[
                    start : start + CHUNK
                ]
            ]
        )
