"""Storage of people's data rights: what is held about a person, erasing it, retention deletes.

Every function runs in the caller's transaction. Nothing here decides what the law makes the
firm keep: `server.services.privacy` does, with `server.domain.privacy`.
"""

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from server.storage import tables as t

# -- access and portability (RGPD art. 15, 20) ------------------------------------------------


async def _rows(query: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await query.output(load_json=True)
    return rows


async def held_about(person_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row Carnet holds about a person, by kind; secrets (token and code hashes,
    private push keys, challenges) are left out, receipts are listed by hash without bytes."""
    p = person_id
    return {
        "person": await _rows(
            t.Person.select(
                t.Person.id,
                t.Person.organisation,
                t.Person.email,
                t.Person.display_name,
                t.Person.manager,
                t.Person.client_company,
                t.Person.active,
                t.Person.created_at,
            ).where(t.Person.id == p)
        ),
        "roles": await _rows(
            t.PersonRole.select(t.PersonRole.role).where(t.PersonRole.person == p)
        ),
        "missions": await _rows(
            t.Mission.select(
                t.Mission.id,
                t.Mission.title,
                t.Mission.client.legal_name.as_alias("client"),
                t.Mission.start_date,
                t.Mission.end_date,
                t.Mission.billing_mode,
                t.Mission.daily_rate_cents,
                t.Mission.purchase_order,
            )
            .where(t.Mission.consultant == p)
            .order_by(t.Mission.start_date)
        ),
        "approval_steps": await _rows(
            t.ApprovalStep.select(
                t.ApprovalStep.mission, t.ApprovalStep.position, t.ApprovalStep.kind
            ).where(t.ApprovalStep.approver == p)
        ),
        "timesheets": await _rows(
            t.Timesheet.select(
                t.Timesheet.id,
                t.Timesheet.month,
                t.Timesheet.status,
                t.Timesheet.step,
                t.Timesheet.epoch,
                t.Timesheet.updated_at,
            )
            .where(t.Timesheet.consultant == p)
            .order_by(t.Timesheet.month)
        ),
        "days": await _rows(
            t.DayEntry.select(
                t.DayEntry.timesheet,
                t.DayEntry.day,
                t.DayEntry.lines,
                t.DayEntry.comment,
                t.DayEntry.by_client,
                t.DayEntry.updated_at,
            )
            .where(t.DayEntry.consultant == p)
            .order_by(t.DayEntry.day)
        ),
        "leave_requests": await _rows(
            t.LeaveRequest.select(
                t.LeaveRequest.id,
                t.LeaveRequest.kind,
                t.LeaveRequest.first_day,
                t.LeaveRequest.last_day,
                t.LeaveRequest.first_afternoon,
                t.LeaveRequest.last_morning,
                t.LeaveRequest.comment,
                t.LeaveRequest.status,
                t.LeaveRequest.reason,
                t.LeaveRequest.created_at,
                t.LeaveRequest.decided_at,
            )
            .where(t.LeaveRequest.consultant == p)
            .order_by(t.LeaveRequest.first_day)
        ),
        "leave_adjustments": await _rows(
            t.LeaveAdjustment.select(
                t.LeaveAdjustment.kind,
                t.LeaveAdjustment.opening,
                t.LeaveAdjustment.on_day,
                t.LeaveAdjustment.half_days,
                t.LeaveAdjustment.reason,
                t.LeaveAdjustment.created_at,
                t.LeaveAdjustment.notice,
            ).where(t.LeaveAdjustment.consultant == p)
        ),
        "expenses": await _rows(
            t.ExpenseClaim.select(
                t.ExpenseClaim.id,
                t.ExpenseClaim.spent_on,
                t.ExpenseClaim.mission,
                t.ExpenseClaim.category,
                t.ExpenseClaim.gross_cents,
                t.ExpenseClaim.net_cents,
                t.ExpenseClaim.vat_cents,
                t.ExpenseClaim.distance_km,
                t.ExpenseClaim.fiscal_power,
                t.ExpenseClaim.comment,
                t.ExpenseClaim.receipts,
                t.ExpenseClaim.status,
                t.ExpenseClaim.refusal_reason,
                t.ExpenseClaim.decided_at,
            )
            .where(t.ExpenseClaim.consultant == p)
            .order_by(t.ExpenseClaim.spent_on)
        ),
        "receipts": await _rows(
            t.Receipt.select(
                t.Receipt.sha256, t.Receipt.media_type, t.Receipt.size, t.Receipt.created_at
            ).where(t.Receipt.owner == p)
        ),
        "daily_costs": await _rows(
            t.ConsultantCost.select(
                t.ConsultantCost.from_month, t.ConsultantCost.daily_cost_cents
            ).where(t.ConsultantCost.person == p)
        ),
        "passkeys": await _rows(
            t.Passkey.select(
                t.Passkey.id,
                t.Passkey.device_name,
                t.Passkey.aaguid,
                t.Passkey.backed_up,
                t.Passkey.transports,
                t.Passkey.created_at,
                t.Passkey.last_used_at,
                t.Passkey.revoked_at,
            ).where(t.Passkey.person == p)
        ),
        "sessions": await _rows(
            t.Session.select(
                t.Session.id, t.Session.created_at, t.Session.last_seen_at, t.Session.expires_at
            ).where(t.Session.person == p)
        ),
        "sync_devices": await _rows(
            t.SyncClient.select(t.SyncClient.id, t.SyncClient.last_seen_at).where(
                t.SyncClient.person == p
            )
        ),
        "notification_preferences": await _rows(
            t.NotificationPreference.select(
                t.NotificationPreference.language, t.NotificationPreference.muted
            ).where(t.NotificationPreference.person == p)
        ),
        "push_subscriptions": await _rows(
            t.PushSubscription.select(
                t.PushSubscription.endpoint, t.PushSubscription.created_at
            ).where(t.PushSubscription.person == p)
        ),
        "notifications": await _rows(
            t.OutboxItem.select(
                t.OutboxItem.kind,
                t.OutboxItem.month,
                t.OutboxItem.state,
                t.OutboxItem.channel,
                t.OutboxItem.created_ms,
                t.OutboxItem.done_ms,
            ).where(t.OutboxItem.person == p)
        ),
        "signatures": await _rows(
            t.SignatureEvidence.select(
                t.SignatureEvidence.timesheet,
                t.SignatureEvidence.timesheet.month.as_alias("month"),
                t.SignatureEvidence.step,
                t.SignatureEvidence.version,
                t.SignatureEvidence.document_hash,
                t.SignatureEvidence.body_hash,
                t.SignatureEvidence.signed_at,
            ).where(t.SignatureEvidence.person == p)
        ),
    }


async def month_ids_of(person_id: str) -> list[str]:
    rows = await t.Timesheet.select(t.Timesheet.id).where(t.Timesheet.consultant == person_id)
    return [str(r["id"]) for r in rows]


# -- erasure (RGPD art. 17) -------------------------------------------------------------------


async def erased(person_id: str) -> dict[str, Any] | None:
    """The erasure already carried out for a person, if any."""
    rows = await _rows(
        t.Erasure.select(t.Erasure.erased_at, t.Erasure.report).where(
            t.Erasure.person == person_id
        )
    )
    return rows[0] if rows else None


async def erased_people(organisation_id: str) -> set[str]:
    rows = await t.Erasure.select(t.Erasure.person).where(
        t.Erasure.organisation == organisation_id
    )
    return {str(r["person"]) for r in rows}


async def count_kept(person_id: str) -> dict[str, int]:
    """What an erasure keeps, counted: invoices naming the person's months, signed months,
    other months, leave, approved expenses."""
    months = await month_ids_of(person_id)
    signed = await t.SignatureEvidence.select(t.SignatureEvidence.timesheet).where(
        t.SignatureEvidence.timesheet.consultant == person_id
    )
    signed_ids = {str(r["timesheet"]) for r in signed} | {
        str(r["id"])
        for r in await t.Timesheet.select(t.Timesheet.id).where(
            (t.Timesheet.consultant == person_id) & (t.Timesheet.status == "signed")
        )
    }
    invoices = 0
    if months:
        # The firm's invoices only (its months are in no other firm's), through the index
        # leading with the organisation instead of every firm's invoices.
        firm = t.Person.select(t.Person.organisation).where(t.Person.id == person_id)
        query = t.Invoice.select(t.Invoice.sources).where(t.Invoice.organisation.is_in(firm))
        for row in await _rows(query):
            text = json.dumps(row["sources"])
            invoices += any(m in text for m in months)
    return {
        "invoices": invoices,
        "signed_months": len(signed_ids),
        "months": len(set(months) - signed_ids),
        "leave": await t.LeaveRequest.count().where(t.LeaveRequest.consultant == person_id)
        + await t.LeaveAdjustment.count().where(t.LeaveAdjustment.consultant == person_id),
        "expenses_approved": await t.ExpenseClaim.count().where(
            (t.ExpenseClaim.consultant == person_id) & (t.ExpenseClaim.status == "approved")
        ),
        "passkeys_signing": len(await _signing_passkeys(person_id)),
        "signatures_given": await t.SignatureEvidence.count().where(
            t.SignatureEvidence.person == person_id
        ),
    }


async def _signing_passkeys(person_id: str) -> set[str]:
    rows = await t.SignatureEvidence.select(t.SignatureEvidence.passkey).where(
        t.SignatureEvidence.passkey.person == person_id
    )
    return {str(r["passkey"]) for r in rows}


async def erase_person(
    *, person_id: str, now: datetime, display_name: str, email: str
) -> dict[str, int]:
    """Remove or pseudonymise what a person's erasure removes; counts per item.

    The person row stays (months, signatures and invoices point to it) under a pseudonym;
    access is revoked (sessions, invitations, push subscriptions, unused passkeys deleted, the
    passkeys that signed revoked with their names blanked); preferences, sync devices, unsent
    notifications and receipts on no approved expense are deleted; free text on expenses never
    approved is blanked.
    """
    p = person_id
    counts: dict[str, int] = {}
    old = await t.Person.select(t.Person.email).where(t.Person.id == p).first()
    await t.Person.update(
        {t.Person.display_name: display_name, t.Person.email: email, t.Person.active: False}
    ).where(t.Person.id == p)
    counts["identity"] = 1
    counts["sessions"] = await t.Session.count().where(t.Session.person == p)
    await t.Session.delete().where(t.Session.person == p)
    counts["invitations"] = await t.Invitation.count().where(t.Invitation.person == p)
    await t.Ceremony.delete().where(
        t.Ceremony.invitation.is_in(
            t.Invitation.select(t.Invitation.id).where(t.Invitation.person == p)
        )
    )
    await t.Ceremony.delete().where(t.Ceremony.person == p)
    await t.Invitation.delete().where(t.Invitation.person == p)
    counts["push_subscriptions"] = await t.PushSubscription.count().where(
        t.PushSubscription.person == p
    )
    await t.PushSubscription.delete().where(t.PushSubscription.person == p)
    counts["notification_preferences"] = await t.NotificationPreference.count().where(
        t.NotificationPreference.person == p
    )
    await t.NotificationPreference.delete().where(t.NotificationPreference.person == p)
    clients = t.SyncClient.select(t.SyncClient.id).where(t.SyncClient.person == p)
    counts["sync_devices"] = await t.SyncClient.count().where(t.SyncClient.person == p)
    await t.MutationOutcome.delete().where(t.MutationOutcome.client.is_in(clients))
    await t.SyncClient.delete().where(t.SyncClient.person == p)
    await t.DayOverwrite.delete().where(t.DayOverwrite.consultant == p)
    address = old["email"] if old else ""
    outbox = (t.OutboxItem.person == p) | (t.OutboxItem.address == address)
    counts["notifications"] = await t.OutboxItem.count().where(outbox)
    await t.OutboxItem.delete().where(outbox)
    await t.SignatureLink.update(
        {t.SignatureLink.expires_at: now, t.SignatureLink.session_hash: None}
    ).where((t.SignatureLink.person == p) & (t.SignatureLink.expires_at > now))
    signing = await _signing_passkeys(p)
    unused = [
        str(r["id"])
        for r in await t.Passkey.select(t.Passkey.id).where(t.Passkey.person == p)
        if str(r["id"]) not in signing
    ]
    counts["passkeys"] = len(unused)
    if unused:
        ids = [uuid.UUID(i) for i in unused]
        await t.PasskeyRegistration.delete().where(t.PasskeyRegistration.passkey.is_in(ids))
        await t.Passkey.delete().where(t.Passkey.id.is_in(ids))
    counts["passkeys_revoked"] = len(signing)
    await t.Passkey.update({t.Passkey.revoked_at: now, t.Passkey.device_name: ""}).where(
        (t.Passkey.person == p) & t.Passkey.revoked_at.is_null()
    )
    await t.Passkey.update({t.Passkey.device_name: ""}).where(t.Passkey.person == p)
    kept = await _approved_receipts(owner_id=p)
    receipts = await t.Receipt.select(t.Receipt.id, t.Receipt.sha256).where(t.Receipt.owner == p)
    gone = [r["id"] for r in receipts if r["sha256"] not in kept]
    counts["receipts"] = len(gone)
    if gone:
        await t.Receipt.delete().where(t.Receipt.id.is_in(gone))
    not_approved = (t.ExpenseClaim.consultant == p) & (t.ExpenseClaim.status != "approved")
    counts["expenses_not_approved"] = await t.ExpenseClaim.count().where(not_approved)
    await t.ExpenseClaim.update(
        {t.ExpenseClaim.comment: "", t.ExpenseClaim.refusal_reason: ""}
    ).where(not_approved)
    return counts


async def record_erasure(
    *,
    organisation_id: str,
    person_id: str,
    requested_by: str | None,
    at: datetime,
    report: list[dict[str, Any]],
) -> None:
    await t.Erasure.insert(
        t.Erasure(
            organisation=uuid.UUID(organisation_id),
            person=uuid.UUID(person_id),
            requested_by=None if requested_by is None else uuid.UUID(requested_by),
            erased_at=at,
            report={"items": report},
        )
    )


async def _approved_receipts(
    *,
    owner_id: str | None = None,
    organisation_id: str | None = None,
    rebilled: bool | None = None,
    decided_before: datetime | None = None,
) -> set[str]:
    """SHA-256 of the receipts on approved expense lines (of one owner or organisation),
    optionally only re-billed or not, decided before an instant."""
    query = t.ExpenseClaim.select(t.ExpenseClaim.receipts).where(
        t.ExpenseClaim.status == "approved"
    )
    if owner_id is not None:
        query = query.where(t.ExpenseClaim.consultant == owner_id)
    if organisation_id is not None:
        query = query.where(t.ExpenseClaim.organisation == organisation_id)
    if rebilled is not None:
        billed = t.ExpenseClaim.billed_expense
        query = query.where(billed.is_not_null() if rebilled else billed.is_null())
    if decided_before is not None:
        query = query.where(t.ExpenseClaim.decided_at < decided_before)
    found: set[str] = set()
    for row in await _rows(query):
        found.update(str(sha) for sha in row["receipts"] or [])
    return found


# -- retention ---------------------------------------------------------------------------------


async def retention_settings(organisation_id: str) -> dict[str, Any]:
    row = await _rows(
        t.RetentionSettings.select(t.RetentionSettings.periods).where(
            t.RetentionSettings.organisation == organisation_id
        )
    )
    return dict(row[0]["periods"]) if row else {}


async def put_retention_settings(organisation_id: str, periods: dict[str, int]) -> None:
    exists = await t.RetentionSettings.exists().where(
        t.RetentionSettings.organisation == organisation_id
    )
    if exists:
        await t.RetentionSettings.update({t.RetentionSettings.periods: periods}).where(
            t.RetentionSettings.organisation == organisation_id
        )
    else:
        await t.RetentionSettings.insert(
            t.RetentionSettings(organisation=uuid.UUID(organisation_id), periods=periods)
        )


async def organisations() -> list[str]:
    rows = await t.Organisation.select(t.Organisation.id)
    return sorted(str(r["id"]) for r in rows)


async def _delete(table: Any, condition: Any, dry_run: bool) -> int:
    count: int = await table.count().where(condition)
    if count and not dry_run:
        await table.delete().where(condition)
    return count


def _people_of(organisation_id: str) -> Any:
    return t.Person.select(t.Person.id).where(t.Person.organisation == organisation_id)


async def expired_sessions(*, organisation_id: str, before: datetime, dry_run: bool) -> int:
    condition = (t.Session.expires_at < before) & t.Session.person.is_in(
        _people_of(organisation_id)
    )
    return await _delete(t.Session, condition, dry_run)


async def expired_ceremonies(
    *, organisation_id: str | None, before: datetime, dry_run: bool
) -> int:
    """WebAuthn challenges, then invitations, past their expiry before ``before``; those bound
    to nobody yet (a login's challenge) when ``organisation_id`` is None."""
    if organisation_id is None:
        condition = (
            (t.Ceremony.expires_at < before)
            & t.Ceremony.person.is_null()
            & t.Ceremony.invitation.is_null()
        )
        return await _delete(t.Ceremony, condition, dry_run)
    invitations = t.Invitation.select(t.Invitation.id).where(
        (t.Invitation.expires_at < before) & t.Invitation.person.is_in(_people_of(organisation_id))
    )
    count = await _delete(
        t.Ceremony,
        (t.Ceremony.expires_at < before)
        & (
            t.Ceremony.person.is_in(_people_of(organisation_id))
            | t.Ceremony.invitation.is_in(invitations)
        ),
        dry_run,
    )
    # Ceremonies still pointing at an expired invitation go with it (they expire sooner).
    if not dry_run:
        await t.Ceremony.delete().where(t.Ceremony.invitation.is_in(invitations))
    condition = (t.Invitation.expires_at < before) & t.Invitation.person.is_in(
        _people_of(organisation_id)
    )
    return count + await _delete(t.Invitation, condition, dry_run)


async def finished_outbox(*, organisation_id: str | None, before_ms: int, dry_run: bool) -> int:
    """Notifications sent or dropped before ``before_ms``: a firm's people's, or those to an
    address only (``organisation_id`` None)."""
    done = (t.OutboxItem.state != "pending") & (t.OutboxItem.done_ms < before_ms)
    if organisation_id is None:
        return await _delete(t.OutboxItem, done & t.OutboxItem.person.is_null(), dry_run)
    return await _delete(
        t.OutboxItem, done & t.OutboxItem.person.is_in(_people_of(organisation_id)), dry_run
    )


async def unused_receipts(*, organisation_id: str, before: datetime, dry_run: bool) -> int:
    """Receipts uploaded before ``before`` that no approved expense line holds."""
    kept = await _approved_receipts(organisation_id=organisation_id)
    pending = await _pending_receipts(organisation_id)
    rows = await t.Receipt.select(t.Receipt.id, t.Receipt.sha256).where(
        (t.Receipt.organisation == organisation_id) & (t.Receipt.created_at < before)
    )
    ids = [r["id"] for r in rows if r["sha256"] not in kept | pending]
    if ids and not dry_run:
        await t.Receipt.delete().where(t.Receipt.id.is_in(ids))
    return len(ids)


async def _pending_receipts(organisation_id: str) -> set[str]:
    """Receipts on lines still in draft or submitted: the consultant may still use them."""
    found: set[str] = set()
    query = t.ExpenseClaim.select(t.ExpenseClaim.receipts).where(
        (t.ExpenseClaim.organisation == organisation_id)
        & t.ExpenseClaim.status.is_in(["draft", "submitted"])
    )
    for row in await _rows(query):
        found.update(str(sha) for sha in row["receipts"] or [])
    return found


async def old_receipts_not_rebilled(
    *, organisation_id: str, before: datetime, dry_run: bool
) -> int:
    """Receipts of approved lines not re-billed, decided before ``before``, that no re-billed
    line (kept with its invoice) nor a younger line holds."""
    old = await _approved_receipts(
        organisation_id=organisation_id, rebilled=False, decided_before=before
    )
    if not old:
        return 0
    rebilled = await _approved_receipts(organisation_id=organisation_id, rebilled=True)
    younger = await _approved_receipts(organisation_id=organisation_id) - old
    gone = old - rebilled - younger - await _pending_receipts(organisation_id)
    condition = (t.Receipt.organisation == organisation_id) & t.Receipt.sha256.is_in(
        sorted(gone) or [""]
    )
    return await _delete(t.Receipt, condition, dry_run) if gone else 0


async def departed_before(
    *, organisation_id: str, before: str, erased: Sequence[str]
) -> list[str]:
    """Inactive people of a firm whose last deactivation (its audit entry's UTC stamp) is
    before ``before``, not erased yet."""
    inactive = await t.Person.select(t.Person.id).where(
        (t.Person.organisation == organisation_id) & (t.Person.active == False)  # noqa: E712
    )
    candidates = {str(r["id"]) for r in inactive} - set(erased)
    if not candidates:
        return []
    rows = (
        await t.AuditEntry.select(t.AuditEntry.subject, t.AuditEntry.event, t.AuditEntry.at)
        .where(
            (t.AuditEntry.organisation == organisation_id)
            & t.AuditEntry.event.is_in(["person.deactivated", "person.reactivated"])
            & t.AuditEntry.subject.is_in([f"person:{c}" for c in candidates])
        )
        .order_by(t.AuditEntry.seq)
    )
    last: dict[str, str] = {}
    for row in rows:
        last[row["subject"].removeprefix("person:")] = (
            row["at"] if row["event"] == "person.deactivated" else ""
        )
    return sorted(p for p, at in last.items() if at and at < before)
