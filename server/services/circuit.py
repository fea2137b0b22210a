"""The validation circuit of a month, as people act on it online: submit, withdraw, approve,
send back, reopen, sign; and its read model (history, where the month stands).

An action runs one month command (`server.commands.month`) in one write transaction holding
the consultant's version lock, the same lock and the same command the sync push uses, so an
approval and a device's edit can never interleave and a web action and a phone's leave the same
rows and events. The command's reactions (`server.reactions.month`) run in that transaction.
A refused action changes nothing, but is recorded in the audit trail in a transaction of its
own, as issue 4 asks. The order of checks is the commands' (see there).
"""

from dataclasses import dataclass
from typing import Any

from server.commands import month as commands
from server.commands.month_tx import MonthTx
from server.domain import model
from server.domain.access import can_see_timesheet
from server.domain.audit import AuditEntry
from server.domain.errors import DomainError, FieldError, InvalidInput, NotFound
from server.domain.month_circuit import month_circuit
from server.domain.roles import Actor, Role
from server.domain.workflow import Action, final_status
from server.reactions.month import REACTIONS
from server.services import audit_log
from server.services.clock import Clock
from server.storage import repositories as repo
from server.storage.repositories import write_transaction
from sync.errors import InvalidMonth
from sync.months import MonthKey, MonthStatus

RETURNS = ("month.sent_back", "month.reopened")
"""The events that hand a month back to its consultant with a comment."""

Outcome = commands.MonthResult
"""What an action did: the month's new sync state, its circuit, and what the screen shows."""


def parse_month(text: str) -> MonthKey:
    try:
        return MonthKey.parse(text)
    except InvalidMonth as error:
        raise InvalidInput(
            str(error), errors=(FieldError("month", "invalid_month", str(error)),)
        ) from error


def circuit_of(
    *,
    missions: list[model.Mission],
    month: MonthKey,
    timesheet: model.Timesheet | None,
    consultant: model.Person,
) -> tuple[model.ApprovalStep, ...]:
    """The month's circuit as its days and its consultant's missions make it now."""
    used = {line for day in (timesheet.days if timesheet else ()) for line, _ in day.lines}
    return month_circuit(
        missions=missions, month=month, used_lines=used, manager_id=consultant.manager_id
    )


async def act(
    actor: Actor,
    *,
    consultant_id: str,
    month_text: str,
    action: Action,
    version: int | None,
    clock: Clock,
    comment: str = "",
    device: str | None = audit_log.WEB,
    signature: dict[str, Any] | None = None,
) -> Outcome:
    """Apply one circuit action to a month, or refuse it and record the refusal.

    Args:
        actor: Who acts.
        consultant_id: Whose month.
        month_text: Which month, ``YYYY-MM``.
        action: What is done.
        version: The month's version the actor reviewed (``MonthOut.version``); None skips the
            check (only for callers that hold the lock and checked themselves).
        clock: The time source.
        comment: The send-back comment, or the reopening reason.
        device: Where the action came from, for the audit trail.
        signature: For a client signer's step only: what the signer portal verified (an
            evidence summary); it allows approving that step and is recorded with the approval.

    Returns:
        The month's new state, and what the month screen shows of it.

    Raises:
        DomainError: See `server.commands.month` for which, in which order.
    """
    args = commands.CircuitArgs(
        consultant_id=consultant_id,
        month=parse_month(month_text),
        version=version,
        comment=comment,
        signature=signature,
    )
    command = commands.sign if signature is not None else commands.BY_ACTION[action]
    now = clock()
    refused = None
    try:
        async with write_transaction():
            tx = MonthTx(actor=actor, now=now, device=device, subscribers=REACTIONS)
            try:
                result: Outcome = await command(tx, actor, args)
            except DomainError as error:
                refused = await commands.refusal(tx, actor, args, action, error)
                raise
            await tx.flush()
            return result
    except DomainError:
        if refused is not None:
            await audit_log.record_many([refused])
        raise


async def approve_with_signature(
    actor: Actor,
    *,
    consultant_id: str,
    month_text: str,
    version: int,
    clock: Clock,
    signature: dict[str, Any],
) -> Outcome:
    """Approve a client signer's step once their passkey signature has been verified.

    The hook for the signing portal (`server.services.signatures`): call it after verifying the
    assertion, with a JSON summary of the evidence (document hash, credential id...); it is
    recorded in the approval's audit event. The same order of checks applies: the signer must be
    the one the month waits on, and ``version`` the one they signed.
    """
    return await act(
        actor,
        consultant_id=consultant_id,
        month_text=month_text,
        action=Action.APPROVE,
        version=version,
        clock=clock,
        signature=signature,
    )


def _empty(consultant_id: str, month: MonthKey) -> model.Timesheet:
    return model.Timesheet(
        id="",
        consultant_id=consultant_id,
        month=str(month),
        status=MonthStatus.DRAFT.value,
        step=0,
        waiting_on_id=None,
        epoch=0,
        version=0,
    )


# -- the read model --------------------------------------------------------------------------


@dataclass(frozen=True)
class EventView:
    """One recorded event of a month's life, as its history shows it."""

    seq: int
    at: str
    event: str
    actor_id: str
    actor_name: str
    device: str | None
    data: dict[str, Any]


async def history(actor: Actor, *, consultant_id: str, month_text: str) -> list[EventView]:
    """A month's audit events, oldest first, for whoever may see the month in full.

    A client signer is refused (404): the history holds the ESN's internal comments.
    """
    month = parse_month(month_text)
    consultant = await repo.get_person(consultant_id)
    if consultant is None:
        raise NotFound("no such CRA")
    timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=str(month))
    shown = timesheet or _empty(consultant_id, month)
    if not can_see_timesheet(actor, shown, consultant) or actor.roles == frozenset(
        {Role.CLIENT_SIGNER}
    ):
        raise NotFound("no such CRA")
    if timesheet is None:
        return []
    entries = await audit_log.history(timesheet.id)
    people = await repo.get_people({e.actor for e in entries} - {audit_log.SYSTEM})
    return [
        EventView(
            seq=e.seq,
            at=e.at,
            event=e.event,
            actor_id=e.actor,
            actor_name=_name(people, e.actor),
            device=e.body.get("device"),
            data=dict(e.body.get("data") or {}),
        )
        for e in entries
    ]


@dataclass(frozen=True)
class StepView:
    position: int
    kind: str
    approver_id: str
    approver_name: str


@dataclass(frozen=True)
class ReturnView:
    """The last time the month was handed back: by a send-back or an administrator's reopen."""

    kind: str
    comment: str
    by_id: str
    by_name: str
    at: str


@dataclass(frozen=True)
class CircuitView:
    """Where the month stands in its circuit, for the month screen."""

    steps: tuple[StepView, ...]
    step: int
    waiting_on_id: str | None
    waiting_on_name: str | None
    waiting_on_kind: str | None
    epoch: int
    ends_as: str | None
    last_return: ReturnView | None


async def describe(
    actor: Actor,
    *,
    timesheet: model.Timesheet,
    consultant: model.Person,
    missions: list[model.Mission],
    month: MonthKey,
) -> CircuitView:
    """The circuit of a month as `actor` may see it (a client signer does not see comments)."""
    steps = circuit_of(missions=missions, month=month, timesheet=timesheet, consultant=consultant)
    last: AuditEntry | None = None
    if timesheet.id and actor.roles != frozenset({Role.CLIENT_SIGNER}):
        returns = await audit_log.history(timesheet.id, *RETURNS)
        last = returns[-1] if returns else None
    ids = {s.approver_id for s in steps} | {timesheet.waiting_on_id or ""}
    ids |= {last.actor} if last else set()
    people = await repo.get_people(i for i in ids if i)
    waiting = timesheet.waiting_on_id
    current_kind = None
    if timesheet.status == MonthStatus.IN_VALIDATION.value and timesheet.step < len(steps):
        current_kind = steps[timesheet.step].kind
    return CircuitView(
        steps=tuple(
            StepView(
                position=s.position,
                kind=s.kind,
                approver_id=s.approver_id,
                approver_name=_name(people, s.approver_id),
            )
            for s in steps
        ),
        step=timesheet.step,
        waiting_on_id=waiting,
        waiting_on_name=_name(people, waiting) if waiting else None,
        waiting_on_kind=current_kind,
        epoch=timesheet.epoch,
        ends_as=final_status(steps=steps).value if steps else None,
        last_return=None
        if last is None
        else ReturnView(
            kind=last.event.removeprefix("month."),
            comment=str(last.body["data"].get("comment", "")),
            by_id=last.actor,
            by_name=_name(people, last.actor),
            at=last.at,
        ),
    )


def _name(people: dict[str, model.Person], person_id: str) -> str:
    person = people.get(person_id)
    return person.display_name if person else ""
