"""An administrator sends a client signer a new signature link (issue 14, the back office).

The month must be waiting on a client signer (docs/signature.md: "the waiting step sends them a
link"); the new link is made by the same `signature_tokens.create_link` the circuit uses when the
month reaches the client's step (which ends the signer's earlier links and records
``signature.link_issued``), e-mailed through the outbox to the address on file, and the resend
itself is recorded in the month's audit trail (``signature.link_resent``), all in one
transaction: no link without its mail, no mail without its record.
"""

from dataclasses import dataclass

from server.domain import model
from server.domain.access import can_see_person
from server.domain.errors import Conflict, FieldError, Forbidden, NotFound
from server.domain.roles import Actor, Role
from server.domain.signer_document import mission_waiting_on
from server.services import audit_log, notifications, signature_tokens
from server.services.circuit import parse_month
from server.services.clock import Clock
from server.storage import notification_store
from server.storage import repositories as repo
from sync.months import MonthKey, MonthStatus

RESENT = "signature.link_resent"


@dataclass(frozen=True)
class LinkSent:
    """Whom the new link was e-mailed to."""

    signer_id: str
    signer_name: str
    signer_email: str


def _not_waiting(message: str) -> Conflict:
    return Conflict(message, errors=(FieldError("month", "not_waiting_on_signer", message),))


async def resend_signature_link(
    actor: Actor, *, consultant_id: str, month_text: str, clock: Clock
) -> LinkSent:
    """E-mail the client signer the month waits on a fresh signature link.

    Raises:
        Forbidden: The actor is not an administrator.
        NotFound: No such consultant in the actor's organisation.
        InvalidInput: ``month_text`` is not a month.
        Conflict: The month does not wait on a client signer (``not_waiting_on_signer``).
    """
    if not actor.has(Role.ADMIN):
        raise Forbidden("only an administrator sends a new signature link")
    consultant = await repo.get_person(consultant_id)
    if consultant is None or not can_see_person(actor, consultant):
        raise NotFound("no such person")
    month = parse_month(month_text)
    now = clock()
    async with repo.write_transaction():
        timesheet = await repo.get_timesheet(consultant_id=consultant.id, month=str(month))
        signer = await _waiting_signer(timesheet, month)
        assert timesheet is not None  # _waiting_signer refuses a missing month
        token = await signature_tokens.create_link(
            timesheet=timesheet, signer_id=signer.id, created_by=actor.person_id, now=now
        )
        language, _ = await notification_store.get_preference(signer.id)
        await notifications.send_signer_link(
            email=signer.email,
            language=language,
            month=str(month),
            consultant_name=consultant.display_name,
            link=signature_tokens.SIGN_PATH + token,
            key=f"signer_link_resent:{timesheet.id}:{signer.id}:{now.isoformat()}",
            at=now,
        )
        await audit_log.record(
            month_id=timesheet.id,
            kind=RESENT,
            actor_id=actor.person_id,
            device="web",
            data={"signer": signer.id, "email": signer.email, "step": timesheet.step},
            at=now,
            organisation_id=actor.organisation_id,
        )
    return LinkSent(
        signer_id=signer.id, signer_name=signer.display_name, signer_email=signer.email
    )


async def _waiting_signer(timesheet: model.Timesheet | None, month: MonthKey) -> model.Person:
    """The active client signer the month waits on, or a refusal saying why not."""
    if (
        timesheet is None
        or timesheet.status != MonthStatus.IN_VALIDATION.value
        or timesheet.waiting_on_id is None
    ):
        raise _not_waiting("this month does not wait on a client's signature")
    missions = [
        m
        for m in await repo.missions_of(timesheet.consultant_id)
        if m.start_date <= month.last_day and (m.end_date is None or m.end_date >= month.first_day)
    ]
    waiting_on = timesheet.waiting_on_id
    if mission_waiting_on(timesheet=timesheet, missions=missions, signer_id=waiting_on) is None:
        raise _not_waiting("this month waits on an approval within the firm, not a client's")
    signer = await repo.get_person(waiting_on)
    if signer is None or not signer.active:
        raise _not_waiting("the client signer this month waits on no longer has access")
    return signer
