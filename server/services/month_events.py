"""Who is told when a month moves in its circuit, in the transaction that moves it.

The circuit (`server.services.circuit`) calls `after_transition` once the month's new state is
written: every notification goes to the outbox in that same transaction (issue 6: none lost,
none twice), and a client signer's signature link exists exactly when the month waits on them
(issue 5: "the waiting step sends them a link").

- the month now waits on a manager: ``waiting_on_you`` to them (push, email as fallback; the
  scheduler sends the relances until it moves);
- it now waits on a client signer: a signature link, emailed to them;
- it is validated: ``approved`` to the consultant; signed: ``signed``;
- it was sent back: ``sent_back`` with the comment, to the consultant.
"""

import datetime as dt

from server.domain import model
from server.domain.workflow import Action, CircuitState
from server.services import notifications, signature_tokens
from server.storage import notification_store
from server.storage import repositories as repo
from server.storage import signatures as signature_store
from sync.months import MonthStatus

CLIENT_SIGNER = "client_signer"


async def after_transition(
    *,
    action: Action,
    new: CircuitState,
    steps: tuple[model.ApprovalStep, ...],
    consultant: model.Person,
    month_id: str,
    month: str,
    actor_id: str,
    comment: str,
    now: dt.datetime,
) -> None:
    """Queue what the people concerned must be told of this transition (see the module)."""
    actor = await repo.get_person(actor_id)
    by_name = actor.display_name if actor else ""
    if new.status is MonthStatus.IN_VALIDATION and new.waiting_on is not None:
        if steps[new.step].kind == CLIENT_SIGNER:
            await _send_signature_link(
                month_id=month_id,
                month=month,
                signer_id=new.waiting_on,
                consultant=consultant,
                created_by=actor_id,
                now=now,
            )
        else:
            await notifications.notify_month_event(
                kind="waiting_on_you",
                month_id=month_id,
                recipient_id=new.waiting_on,
                data={"by_name": by_name},
                at=now,
            )
    elif new.status is MonthStatus.VALIDATED or new.status is MonthStatus.SIGNED:
        await notifications.notify_month_event(
            kind="approved" if new.status is MonthStatus.VALIDATED else "signed",
            month_id=month_id,
            recipient_id=consultant.id,
            data={"by_name": by_name},
            at=now,
        )
    if action is Action.SEND_BACK:
        await notifications.notify_month_event(
            kind="sent_back",
            month_id=month_id,
            recipient_id=consultant.id,
            data={"by_name": by_name, "comment": comment},
            at=now,
        )


async def _send_signature_link(
    *,
    month_id: str,
    month: str,
    signer_id: str,
    consultant: model.Person,
    created_by: str,
    now: dt.datetime,
) -> None:
    timesheet = await signature_store.get_timesheet_by_id(month_id)
    signer = await repo.get_person(signer_id)
    if timesheet is None or signer is None:
        return
    token = await signature_tokens.create_link(
        timesheet=timesheet, signer_id=signer_id, created_by=created_by, now=now
    )
    language, _ = await notification_store.get_preference(signer_id)
    # The link is stored without the origin: the worker, which has the settings, adds it.
    await notifications.send_signer_link(
        email=signer.email,
        language=language,
        month=month,
        consultant_name=consultant.display_name,
        link=signature_tokens.SIGN_PATH + token,
        key=f"signer_link:{month_id}:{timesheet.epoch}:{timesheet.step}",
        at=now,
    )
