"""The validation circuit of a month, as people act on it: submit, approve, send back, reopen.

Each action runs in one write transaction holding the consultant's version lock, the same lock
the sync push takes, so an approval and a device's edit can never interleave. Inside it the
month is read again, the pure state machine (`server.domain.workflow`) decides, and the new
state, the consultant's bumped version (their devices pull the new status) and the audit event
are written together. A refused action changes nothing, but is recorded in the audit trail in
a transaction of its own, as the issue asks.

Checks run in this order, so a refusal names the first problem: the month must be visible to
the actor (else 404, whoever asks: ids cannot be probed), then the state machine's own order
(illegal in this status 409, circuit changed 409, not on the step 403, missing comment 422),
then a client signer's step refuses a plain approval (409 ``signature_required``: their
approval is a passkey signature), then the month must be exactly the version the actor saw
(409 ``version_changed``).

The month's circuit is derived from its missions by `server.domain.month_circuit`.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from server.domain import model
from server.domain.access import can_see_timesheet
from server.domain.audit import AuditEntry
from server.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    InvalidInput,
    MonthLocked,
    NotFound,
    NotWaiting,
    SignatureRequired,
    VersionChanged,
)
from server.domain.month_circuit import month_circuit
from server.domain.roles import Actor, Role
from server.domain.workflow import (
    CLIENT_SIGNER,
    Action,
    CircuitState,
    IllegalTransition,
    final_status,
    transition,
)
from server.services import audit_log, invoicing, month_events
from server.services.clock import Clock
from server.storage import repositories as repo
from server.storage import signatures as signature_store
from server.storage import sync_store as store
from server.storage.repositories import write_transaction
from sync.errors import InvalidMonth
from sync.months import MonthKey, MonthStatus, is_editable
from sync.protocol import MonthState

EVENTS = {
    Action.SUBMIT: "month.submitted",
    Action.APPROVE: "month.approved",
    Action.SEND_BACK: "month.sent_back",
    Action.REOPEN: "month.reopened",
    Action.WITHDRAW: "month.withdrawn",
}
RETURNS = ("month.sent_back", "month.reopened")
"""The events that hand a month back to its consultant with a comment."""


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


def _state(timesheet: model.Timesheet | None) -> CircuitState:
    if timesheet is None:
        return CircuitState(status=MonthStatus.DRAFT)
    status = MonthStatus(timesheet.status)
    if status is MonthStatus.SUBMITTED:
        # Handed in before circuits existed: it waits at the first step, on nobody known.
        return CircuitState(status=status, epoch=timesheet.epoch)
    return CircuitState(
        status=status,
        step=timesheet.step if status is MonthStatus.IN_VALIDATION else 0,
        waiting_on=timesheet.waiting_on_id,
        epoch=timesheet.epoch,
    )


def _illegal(error: IllegalTransition) -> Conflict:
    status = error.status
    if error.action is Action.SUBMIT and not is_editable(status):
        message = f"the CRA is {status.value}: it cannot be submitted again"
        if status in (MonthStatus.VALIDATED, MonthStatus.SIGNED):
            message += "; only an administrator's reopening unlocks it"
        return MonthLocked(message, errors=(FieldError("month", "month_locked", message),))
    return NotWaiting(
        error.message, errors=(FieldError("status", "illegal_transition", error.message),)
    )


@dataclass(frozen=True)
class Outcome:
    """What an action did: the month's new sync state, and the circuit it used."""

    month: MonthState
    steps: tuple[model.ApprovalStep, ...]


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
        The month's new state.

    Raises:
        DomainError: See the module docstring for which, in which order.
    """
    month = parse_month(month_text)
    consultant = await repo.get_person(consultant_id)
    if consultant is None:
        raise NotFound("no such CRA")
    seen = await repo.get_timesheet(consultant_id=consultant_id, month=str(month))
    if not can_see_timesheet(actor, seen or _empty(consultant_id, month), consultant):
        raise NotFound("no such CRA")
    now = clock()
    try:
        async with write_transaction():
            return await _apply(
                actor,
                consultant=consultant,
                month=month,
                action=action,
                version=version,
                comment=comment,
                device=device,
                signature=signature,
                now=now,
            )
    except DomainError as error:
        month_id = seen.id if seen else None
        if month_id is None:
            row = await repo.get_timesheet(consultant_id=consultant_id, month=str(month))
            month_id = row.id if row else None
        if month_id is not None:
            await audit_log.record(
                month_id=month_id,
                kind="month.refused",
                actor_id=actor.person_id,
                device=device,
                data={
                    "action": action.value,
                    "code": error.code,
                    "reason": error.message,
                    "fields": [f"{e.field}:{e.code}" for e in error.errors],
                    "comment": comment,
                    "version": version,
                },
                at=now,
                organisation_id=consultant.organisation_id,
            )
        raise


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


async def _apply(
    actor: Actor,
    *,
    consultant: model.Person,
    month: MonthKey,
    action: Action,
    version: int | None,
    comment: str,
    device: str | None,
    signature: dict[str, Any] | None,
    now: dt.datetime,
) -> Outcome:
    base = await store.lock_space(consultant.id)
    timesheet = await repo.get_timesheet(consultant_id=consultant.id, month=str(month))
    missions = await repo.missions_of(consultant.id)
    steps = circuit_of(missions=missions, month=month, timesheet=timesheet, consultant=consultant)
    state = _state(timesheet)
    if action is Action.REOPEN and not comment.strip():
        raise InvalidInput(
            "a reopening needs a reason",
            errors=(FieldError("comment", "required", "say what must be corrected"),),
        )
    try:
        new = transition(
            state=state,
            action=action,
            actor_id=actor.person_id,
            consultant_id=consultant.id,
            steps=steps,
            comment=comment,
            is_admin=actor.has(Role.ADMIN),
        )
    except IllegalTransition as error:
        raise _illegal(error) from error
    if action is Action.APPROVE and steps[state.step].kind == CLIENT_SIGNER and signature is None:
        message = "this step is the client's signature: sign the CRA with your passkey"
        raise SignatureRequired(
            message, errors=(FieldError("step", "signature_required", message),)
        )
    current = timesheet.version if timesheet else 0
    if version is not None and version != current:
        message = (
            f"the CRA changed since you read it (version {current}, you saw {version}): "
            "read it again"
        )
        raise VersionChanged(message, errors=(FieldError("version", "version_changed", message),))
    new_version = base + 1
    if timesheet is None:
        row = await store.create_month(
            person_id=consultant.id, month=str(month), version=new_version
        )
        month_id = row.id
        await audit_log.record(
            month_id=month_id,
            kind="month.created",
            actor_id=actor.person_id,
            device=device,
            data={"consultant": consultant.id, "month": str(month)},
            at=now,
            organisation_id=consultant.organisation_id,
        )
    else:
        month_id = timesheet.id
    await store.update_month(
        timesheet_id=month_id,
        status=new.status.value,
        epoch=new.epoch,
        version=new_version,
        now=now,
        step=new.step,
        waiting_on_id=new.waiting_on,
    )
    await store.set_space_version(consultant.id, new_version)
    data: dict[str, Any] = {
        "consultant": consultant.id,
        "month": str(month),
        "from": {"status": state.status.value, "step": state.step, "epoch": state.epoch},
        "to": {"status": new.status.value, "step": new.step, "epoch": new.epoch},
        "waiting_on": new.waiting_on,
        "version_seen": version,
        "version": new_version,
        "circuit": [{"kind": s.kind, "approver": s.approver_id} for s in steps],
    }
    if comment:
        data["comment"] = comment
    if signature is not None:
        data["signature"] = signature
    if action is Action.REOPEN:
        # The signatures stay as the history of what was signed; none covers the month any more
        # (each commits to a version, and the reopened month has a new one).
        data["signatures_invalidated"] = [
            {"evidence": e.id, "version": e.version, "document_sha256": e.document_hash}
            for e in await signature_store.evidence_of_month(month_id)
        ]
    await audit_log.record(
        month_id=month_id,
        kind=EVENTS[action],
        actor_id=actor.person_id,
        device=device,
        data=data,
        at=now,
        organisation_id=consultant.organisation_id,
    )
    if new.status in (MonthStatus.VALIDATED, MonthStatus.SIGNED):
        # In the same transaction: a validated month and its pre-invoice exist together
        # (issue 7), and the hook turns a billing problem into a warning, never a refusal.
        await invoicing.on_month_validated(month_id=month_id, at=now)
    await month_events.after_transition(
        action=action,
        new=new,
        steps=steps,
        consultant=consultant,
        month_id=month_id,
        month=str(month),
        actor_id=actor.person_id,
        comment=comment,
        now=now,
    )
    return Outcome(
        month=MonthState(
            month=str(month), status=new.status.value, epoch=new.epoch, version=new_version
        ),
        steps=steps,
    )


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
