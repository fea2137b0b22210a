"""What follows a month's move in its circuit, in the transaction that moves it.

Each reaction subscribes to `MonthMoved`; whoever opens a month transaction hands it `REACTIONS`
(the HTTP circuit, the sync push, the signer portal), and the commands never import this
module, so every import points down: the commands decide and write the month, the reactions
tell people and bill. Every notification goes to the outbox in that same transaction (issue 6:
none lost, none twice), and a client signer's signature link exists exactly when the month
waits on them (issue 5: "the waiting step sends them a link").

- the firm sends expense reports with the month: the month's expense lines move with it
  (`server.reactions.expenses`, issue 16);
- the month is validated or signed: its pre-invoice is created or refreshed (issue 7; a billing
  problem becomes a warning on the pre-invoice, never a refusal of the approval);
- it now waits on a manager: ``waiting_on_you`` to them (push, email as fallback; the
  scheduler sends the relances until it moves);
- it now waits on a client signer: a signature link, emailed to them;
- it is validated: ``approved`` to the consultant; signed: ``signed``;
- it was sent back: ``sent_back`` with the comment, to the consultant;
- the firm's webhooks that want it are told: ``month.submitted``, ``month.approved``,
  ``month.signed``, ``month.sent_back`` (docs/webhooks.md), queued in the same outbox.
"""

from server.commands.month_tx import MonthMoved, MonthTx, Subscriber
from server.domain import model
from server.domain.integrations import Event
from server.domain.workflow import Action
from server.reactions.expenses import move_expense_lines
from server.services import invoicing, notifications, signature_tokens, webhooks
from server.storage import notification_store
from sync.months import MonthStatus

CLIENT_SIGNER = "client_signer"


async def create_pre_invoice(tx: MonthTx, event: MonthMoved) -> None:
    """A validated (or signed) month and its pre-invoice exist together."""
    if event.after.status in (MonthStatus.VALIDATED, MonthStatus.SIGNED):
        await invoicing.on_month_validated(month_id=event.month_id, at=tx.now)


async def _known(
    tx: MonthTx, event: MonthMoved, recipient_id: str
) -> notifications.KnownMonth | None:
    """The month as the move left it, from the transaction (nothing read twice); None for an
    unknown recipient, which the notification refuses as before."""
    recipient = await tx.person(recipient_id)
    if recipient is None:
        return None
    missions = await tx.missions(event.consultant.id)
    return notifications.KnownMonth(
        consultant_id=event.consultant.id,
        consultant_name=event.consultant.display_name,
        month=event.month,
        epoch=event.after.epoch,
        step=event.after.step,
        missions=tuple(
            (m.start_date, m.end_date, m.calendar_region)
            for m in sorted(missions, key=lambda m: m.start_date)
        ),
        recipient_organisation_id=recipient.organisation_id,
    )


async def tell_people(tx: MonthTx, event: MonthMoved) -> None:
    """Queue what the people concerned must be told of this move (see the module)."""
    new = event.after
    actor = await tx.person(event.actor_id)
    by_name = actor.display_name if actor else ""
    if new.status is MonthStatus.IN_VALIDATION and new.waiting_on is not None:
        if event.steps[new.step].kind == CLIENT_SIGNER:
            await _send_signature_link(tx, event, signer_id=new.waiting_on)
        else:
            await notifications.notify_month_event(
                kind="waiting_on_you",
                month_id=event.month_id,
                recipient_id=new.waiting_on,
                data={"by_name": by_name},
                at=tx.now,
                known=await _known(tx, event, new.waiting_on),
            )
    elif new.status is MonthStatus.VALIDATED or new.status is MonthStatus.SIGNED:
        await notifications.notify_month_event(
            kind="approved" if new.status is MonthStatus.VALIDATED else "signed",
            month_id=event.month_id,
            recipient_id=event.consultant.id,
            data={"by_name": by_name},
            at=tx.now,
            known=await _known(tx, event, event.consultant.id),
        )
    if event.action is Action.SEND_BACK:
        await notifications.notify_month_event(
            kind="sent_back",
            month_id=event.month_id,
            recipient_id=event.consultant.id,
            data={"by_name": by_name, "comment": event.comment},
            at=tx.now,
            known=await _known(tx, event, event.consultant.id),
        )


async def _send_signature_link(tx: MonthTx, event: MonthMoved, *, signer_id: str) -> None:
    signer = await tx.person(signer_id)
    if signer is None:
        return
    new = event.after
    # The month as the move left it (flushed before the reactions run).
    timesheet = model.Timesheet(
        id=event.month_id,
        consultant_id=event.consultant.id,
        month=event.month,
        status=new.status.value,
        step=new.step,
        waiting_on_id=new.waiting_on,
        epoch=new.epoch,
        version=event.version,
    )
    token = await signature_tokens.create_link(
        timesheet=timesheet, signer_id=signer_id, created_by=event.actor_id, now=tx.now
    )
    language, _ = await notification_store.get_preference(signer_id)
    # The link is stored without the origin: the worker, which has the settings, adds it.
    await notifications.send_signer_link(
        email=signer.email,
        language=language,
        month=event.month,
        consultant_name=event.consultant.display_name,
        link=signature_tokens.SIGN_PATH + token,
        key=f"signer_link:{event.month_id}:{new.epoch}:{new.step}",
        at=tx.now,
    )


async def tell_webhooks(tx: MonthTx, event: MonthMoved) -> None:
    """Queue the move for the firm's webhooks; the key is the month's version after the move,
    so a transaction retried after a conflict queues each event once."""
    new = event.after
    found: list[Event] = []
    if event.action is Action.SUBMIT:
        found.append(Event.MONTH_SUBMITTED)
    if event.action is Action.SEND_BACK:
        found.append(Event.MONTH_SENT_BACK)
    if new.status is not event.before.status and new.status is MonthStatus.VALIDATED:
        found.append(Event.MONTH_APPROVED)
    if new.status is not event.before.status and new.status is MonthStatus.SIGNED:
        found.append(Event.MONTH_SIGNED)
    for kind in found:
        data = {
            "month_id": event.month_id,
            "month": event.month,
            "consultant_id": event.consultant.id,
            "consultant_name": event.consultant.display_name,
            "status": new.status.value,
            "by": event.actor_id,
        }
        if kind is Event.MONTH_SENT_BACK:
            data["comment"] = event.comment
        await webhooks.emit(
            organisation_id=event.consultant.organisation_id,
            event=kind,
            key=f"{event.month_id}:{event.version}",
            data=data,
            month=event.month,
            at=tx.now,
        )


REACTIONS: tuple[Subscriber, ...] = (
    move_expense_lines,
    create_pre_invoice,
    tell_people,
    tell_webhooks,
)
"""In this order: the expense lines approved with the month are re-billed before its
pre-invoice is made, and the pre-invoice exists before anyone is told the month is validated."""
