"""The month commands: every change to a CRA month, each written once as ``(tx, actor, args)``.

HTTP controllers and the sync push call these same functions on a `MonthTx`, so a month
submitted from the web and one submitted from a phone are decided by the same rules and leave
the same rows and audit events; only the arguments' origin differs (a device also brings what
it had seen, which `sync.merge` judges first).

Checks of a circuit command run in this order, so a refusal names the first problem: the month
must be visible to the actor (else 404, whoever asks: ids cannot be probed), then the state
machine's own order (illegal in this status 409, circuit changed 409, not on the step 403,
missing comment 422), then a client signer's step refuses a plain approval (409
``signature_required``: their approval is a passkey signature), then the month must be exactly
the version the actor saw (409 ``version_changed``). A command decides everything before it
writes anything, so a refusal leaves nothing behind; whoever runs it records the refusal
(`refusal`), since a refusal changes nothing but is kept (issue 4).

The month's circuit is derived from its missions by `server.domain.month_circuit`.
"""

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from server.commands.month_tx import MonthMoved, MonthTx
from server.domain import model
from server.domain.access import can_see_timesheet, ensure_can_edit_days
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
    transition,
)
from server.services import audit_log
from server.storage import signatures as signature_store
from server.storage import sync_store as store
from sync.errors import InvalidDay, InvalidMonth
from sync.hlc import Hlc, tick
from sync.merge import MonthFacts, StoredDay, decide_set_day, decide_submit, new_set_day
from sync.months import MonthKey, MonthStatus, is_editable
from sync.protocol import MonthState, SetDayArgs
from sync.rules import DayLine, new_day, new_day_line, validate_day

SERVER_NODE = "server"
"""The HLC node and ``by_client`` of a day the server stamps (a web edit)."""

EVENTS = {
    Action.SUBMIT: "month.submitted",
    Action.APPROVE: "month.approved",
    Action.SEND_BACK: "month.sent_back",
    Action.REOPEN: "month.reopened",
    Action.WITHDRAW: "month.withdrawn",
}


# -- arguments and results --------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceReview:
    """What a device had seen when it queued a submission (sync-protocol.md §3.5)."""

    epoch: int
    reviewed_version: int
    client_id: str


@dataclass(frozen=True)
class CircuitArgs:
    """A circuit action on one consultant's month."""

    consultant_id: str
    month: MonthKey
    version: int | None
    """The month version the actor reviewed; None skips the check (a device's submission is
    judged on `review` instead)."""
    comment: str = ""
    signature: dict[str, Any] | None = None
    """For a client signer's step only: what the signer portal verified."""
    review: DeviceReview | None = None


@dataclass(frozen=True)
class MonthResult:
    """What a command left: the month's sync state, and what the month screen shows of it,
    from what the transaction already holds (no second read)."""

    month: MonthState
    steps: tuple[model.ApprovalStep, ...]
    consultant: model.Person
    timesheet: model.Timesheet
    missions: tuple[model.Mission, ...]


class DeviceDay(NamedTuple):
    """A day a device queued offline, with the stamp and base version it wrote it at.

    A tuple rather than a frozen dataclass, as `DayResult`: a push makes one per day."""

    args: SetDayArgs
    client_id: str


@dataclass(frozen=True)
class WebDay:
    """A day typed online: checked here against the day rules, stamped by the server."""

    consultant_id: str
    month: MonthKey
    date: dt.date
    lines: tuple[DayLine, ...]
    comment: str


class DayResult(NamedTuple):
    """A device's day: applied (with its stamp), superseded (the stored one wins) or rejected.

    A tuple rather than a frozen dataclass: as immutable, and built in about a fifth of the
    time (a frozen dataclass sets each of its seven fields through ``object.__setattr__``), and
    a push makes one per day (issue 12)."""

    status: Literal["applied", "superseded", "rejected"]
    reason: str | None = None
    detail: str | None = None
    hlc: str | None = None
    version: int | None = None
    """An applied day's version: the device stores its value at it (protocol 2)."""
    current: store.DayRow | None = None
    month: store.MonthRow | None = None


class DeviceRefused(Conflict):
    """A device's submission refused by `sync.merge` (stale epoch, foreign edits unseen...):
    a verdict on what the device had seen, answered in the push's results, not recorded."""

    def __init__(self, reason: str, message: str, month: store.MonthRow | None) -> None:
        super().__init__(message)
        self.reason = reason
        self.month = month


# -- reading a month inside the transaction ---------------------------------------------------


def month_state(row: store.MonthRow) -> MonthState:
    return MonthState(month=row.month, status=row.status, epoch=row.epoch, version=row.version)


def timesheet_of(
    consultant_id: str, month: MonthKey, row: store.MonthRow | None, days: list[store.DayRow]
) -> model.Timesheet:
    if row is None:
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
    # The month's version is that of its latest change, state or day: what a consultant
    # reviewed before submitting (as `repositories.get_timesheet` reads it).
    return model.Timesheet(
        id=row.id,
        consultant_id=consultant_id,
        month=row.month,
        status=row.status,
        step=row.step,
        waiting_on_id=row.waiting_on_id,
        epoch=row.epoch,
        version=max([row.version, *(d.version for d in days)]),
        days=tuple(model.DayRecord(date=d.date, lines=d.lines, comment=d.comment) for d in days),
    )


def _state(row: store.MonthRow | None) -> CircuitState:
    if row is None:
        return CircuitState(status=MonthStatus.DRAFT)
    status = MonthStatus(row.status)
    if status is MonthStatus.SUBMITTED:
        # Handed in before circuits existed: it waits at the first step, on nobody known.
        return CircuitState(status=status, epoch=row.epoch)
    return CircuitState(
        status=status,
        step=row.step if status is MonthStatus.IN_VALIDATION else 0,
        waiting_on=row.waiting_on_id,
        epoch=row.epoch,
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


async def _visible(tx: MonthTx, actor: Actor, args: CircuitArgs) -> model.Person:
    consultant = await tx.person(args.consultant_id)
    if consultant is None:
        raise NotFound("no such CRA")
    await tx.lock(consultant.id)
    row = await tx.month(consultant.id, str(args.month))
    if not can_see_timesheet(actor, timesheet_of(consultant.id, args.month, row, []), consultant):
        raise NotFound("no such CRA")
    return consultant


# -- the circuit commands ---------------------------------------------------------------------


async def _move(tx: MonthTx, actor: Actor, args: CircuitArgs, action: Action) -> MonthResult:
    """Apply one circuit action, or raise the first reason it is refused (module docstring)."""
    consultant = await _visible(tx, actor, args)
    month = str(args.month)
    if args.review is not None:
        # The device's own days decided so far count as seen; others' must have been pulled.
        await tx.flush_days(consultant.id)
        row = await tx.month(consultant.id, month)
        foreign = await store.latest_foreign_version(
            person_id=consultant.id,
            first=args.month.first_day,
            last=args.month.last_day,
            client_id=args.review.client_id,
        )
        verdict = decide_submit(
            facts=MonthFacts()
            if row is None
            else MonthFacts(status=MonthStatus(row.status), epoch=row.epoch),
            epoch=args.review.epoch,
            reviewed_version=args.review.reviewed_version,
            latest_foreign_version=foreign,
        )
        if verdict.status == "rejected":
            assert verdict.reason is not None
            raise DeviceRefused(verdict.reason, verdict.detail or "", row)
    row = await tx.month(consultant.id, month)
    days = await tx.month_days(consultant.id, args.month)
    missions = tuple(await tx.missions(consultant.id))
    timesheet = timesheet_of(consultant.id, args.month, row, days)
    steps = month_circuit(
        missions=missions,
        month=args.month,
        used_lines={line for d in days for line, _ in d.lines},
        manager_id=consultant.manager_id,
    )
    state = _state(row)
    if action is Action.REOPEN and not args.comment.strip():
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
            comment=args.comment,
            is_admin=actor.has(Role.ADMIN),
        )
    except IllegalTransition as error:
        raise _illegal(error) from error
    if (
        action is Action.APPROVE
        and steps[state.step].kind == CLIENT_SIGNER
        and args.signature is None
    ):
        message = "this step is the client's signature: sign the CRA with your passkey"
        raise SignatureRequired(
            message, errors=(FieldError("step", "signature_required", message),)
        )
    if args.version is not None and args.version != timesheet.version:
        message = (
            f"the CRA changed since you read it (version {timesheet.version}, you saw "
            f"{args.version}): read it again"
        )
        raise VersionChanged(message, errors=(FieldError("version", "version_changed", message),))
    # Decided: from here on, only writes.
    if row is None:
        row = await tx.ensure_month(consultant.id, month, actor_id=actor.person_id)
    moved = tx.move_month(consultant.id, row, to=new)
    data: dict[str, Any] = {
        "consultant": consultant.id,
        "month": month,
        "from": {"status": state.status.value, "step": state.step, "epoch": state.epoch},
        "to": {"status": new.status.value, "step": new.step, "epoch": new.epoch},
        "waiting_on": new.waiting_on,
        "version_seen": args.version if args.review is None else args.review.reviewed_version,
        "version": moved.version,
        "circuit": [{"kind": s.kind, "approver": s.approver_id} for s in steps],
    }
    if args.comment:
        data["comment"] = args.comment
    if args.signature is not None:
        data["signature"] = args.signature
    if action is Action.REOPEN:
        # The signatures stay as the history of what was signed; none covers the month any more
        # (each commits to a version, and the reopened month has a new one).
        data["signatures_invalidated"] = [
            {"evidence": e.id, "version": e.version, "document_sha256": e.document_hash}
            for e in await signature_store.evidence_of_month(moved.id)
        ]
    await tx.audit(
        month_id=moved.id,
        kind=EVENTS[action],
        actor_id=actor.person_id,
        data=data,
        organisation_id=consultant.organisation_id,
    )
    await tx.publish(
        MonthMoved(
            action=action,
            consultant=consultant,
            month=month,
            month_id=moved.id,
            before=state,
            after=new,
            steps=steps,
            actor_id=actor.person_id,
            comment=args.comment,
            version=moved.version,
        )
    )
    return MonthResult(
        month=MonthState(
            month=month, status=moved.status, epoch=moved.epoch, version=moved.version
        ),
        steps=steps,
        consultant=consultant,
        timesheet=timesheet_of(consultant.id, args.month, moved, days),
        missions=missions,
    )


async def submit(tx: MonthTx, actor: Actor, args: CircuitArgs) -> MonthResult:
    """The consultant hands the month in: it goes to the first step of its circuit."""
    return await _move(tx, actor, args, Action.SUBMIT)


async def withdraw(tx: MonthTx, actor: Actor, args: CircuitArgs) -> MonthResult:
    """The consultant takes a submission back to draft while nobody has acted on it."""
    return await _move(tx, actor, args, Action.WITHDRAW)


async def approve(tx: MonthTx, actor: Actor, args: CircuitArgs) -> MonthResult:
    """The approver of the current step approves (a client signer's step needs `sign`)."""
    if args.signature is not None:
        raise InvalidInput("an approval carries no signature: use sign")
    return await _move(tx, actor, args, Action.APPROVE)


async def send_back(tx: MonthTx, actor: Actor, args: CircuitArgs) -> MonthResult:
    """The approver of the current step returns the month, saying what to correct."""
    return await _move(tx, actor, args, Action.SEND_BACK)


async def reopen(tx: MonthTx, actor: Actor, args: CircuitArgs) -> MonthResult:
    """An administrator reopens a validated or signed month for correction, with a reason."""
    return await _move(tx, actor, args, Action.REOPEN)


async def sign(tx: MonthTx, actor: Actor, args: CircuitArgs) -> MonthResult:
    """A client signer's passkey signature, verified by the signer portal, approves their step;
    the evidence summary (`args.signature`) is recorded with the approval."""
    if args.signature is None:
        raise InvalidInput("a signature needs its evidence summary")
    return await _move(tx, actor, args, Action.APPROVE)


# -- a day ------------------------------------------------------------------------------------


def _stored(row: store.DayRow | None) -> StoredDay | None:
    if row is None:
        return None
    # Positional, and a list rather than a generator for the lines: a re-pushed day reads its
    # stored value back through here.
    return StoredDay(
        day=new_day(
            row.date,
            tuple([new_day_line(line, half) for line, half in row.lines]),
            row.comment,
        ),
        hlc=Hlc.parse(row.hlc) if row.hlc else Hlc(wall_ms=0, counter=0, node=SERVER_NODE),
        version=row.version,
        by_client=row.by_client,
    )


async def set_day(tx: MonthTx, actor: Actor, args: DeviceDay | WebDay) -> DayResult:
    """Replace one day of the consultant's month.

    A device's day is judged by `sync.merge.decide_set_day` on what it had seen (its month's
    epoch, its stamp against the stored one): a refusal is a result, for the push to answer.
    A web day was checked against the day rules by the caller; it gets a server stamp above
    the stored one, so the explicit edit wins, and a locked month raises `MonthLocked`.

    A push runs this once per day (a year from a new phone: 261 times in one transaction), so
    a device's day takes what the transaction worked out once per batch (the clock in ms, the
    month of a date, a month's facts) rather than building it again.
    """
    if isinstance(args, WebDay):
        return await _web_day(tx, actor, args)
    person_id = actor.person_id
    wire = args.args
    try:
        date = dt.date.fromisoformat(wire.date)
    except ValueError:
        return DayResult(
            status="rejected",
            reason="invalid_args",
            detail=f"date: {wire.date!r} is not a calendar date",
        )
    try:
        month = tx.month_of(date)
    except InvalidMonth as error:  # a year CRAs cannot have: refused, never a 500
        return DayResult(status="rejected", reason="invalid_args", detail=str(error))
    held = tx.held(person_id, date, month)
    if held is None:
        stored_row = await tx.day(person_id, date)
        month_row = await tx.month(person_id, month)
        terms = await tx.terms(person_id)
    else:
        stored_row, month_row, terms = held
    verdict = decide_set_day(
        incoming=new_set_day(
            date=date,
            epoch=wire.epoch,
            lines=tuple([new_day_line(v.line, v.half_days) for v in wire.lines]),
            comment=wire.comment,
            hlc=wire.hlc,
            base_v=wire.base_v,
            fill=wire.fill,
        ),
        facts=_facts(month_row),
        stored=_stored(stored_row),
        missions=terms,
        client_id=args.client_id,
        now_ms=tx.now_ms,
    )
    if verdict.status == "rejected":
        return DayResult(
            status="rejected", reason=verdict.reason, detail=verdict.detail, month=month_row
        )
    if verdict.status == "superseded":
        return DayResult(status="superseded", detail=verdict.detail, current=stored_row)
    assert verdict.day is not None and verdict.hlc is not None
    if month_row is None:  # its row made first (the month's creation is audited)
        row = await tx.write_day(
            person_id,
            date=date,
            day=verdict.day,
            stamp=verdict.hlc,
            by_client=args.client_id,
            actor_id=person_id,
        )
    else:
        row = tx.put_day(
            person_id,
            month_row,
            date=date,
            day=verdict.day,
            stamp=verdict.hlc,
            by_client=args.client_id,
            actor_id=person_id,
        )
    if verdict.overwrote_unseen and stored_row is not None:
        tx.overwrote(person_id, stored_row, by_client=args.client_id)
    # The row holds the stamp as written and the transaction's version.
    # Positional (status, reason, detail, hlc, version): a named tuple takes keywords through
    # a slower path, and a push makes one result per day.
    return DayResult("applied", None, None, row.hlc, row.version)


_FACTS: dict[tuple[str, int] | None, MonthFacts] = {None: MonthFacts()}
"""Each month's facts by its status and epoch, built once (they are frozen): a push asks for
them once per day. None: a month that has no row yet, a draft at epoch 0."""


def _facts(row: store.MonthRow | None) -> MonthFacts:
    key = None if row is None else (row.status, row.epoch)
    facts = _FACTS.get(key)
    if facts is None:
        assert row is not None
        facts = MonthFacts(status=MonthStatus(row.status), epoch=row.epoch)
        if len(_FACTS) < 1000:  # statuses × the epochs months reach: a handful
            _FACTS[key] = facts
    return facts


async def _web_day(tx: MonthTx, actor: Actor, args: WebDay) -> DayResult:
    consultant = await tx.person(args.consultant_id)
    if consultant is None:
        raise NotFound("no such CRA")
    await tx.lock(consultant.id)
    row = await tx.month(consultant.id, str(args.month))
    ensure_can_edit_days(actor, timesheet_of(consultant.id, args.month, row, []), consultant)
    try:
        day = validate_day(
            month=args.month,
            date=args.date,
            lines=list(args.lines),
            comment=args.comment,
            missions=await tx.terms(consultant.id),
        )
    except InvalidDay as error:
        raise InvalidInput(
            "the day breaks the CRA rules",
            errors=tuple(
                FieldError(field=v.field, code=v.code, message=v.message) for v in error.violations
            ),
        ) from error
    status = MonthStatus(row.status) if row else MonthStatus.DRAFT
    if not is_editable(status):
        raise MonthLocked(f"the CRA of {args.month} is {status.value}: it can no longer be edited")
    stored = _stored(await tx.day(consultant.id, day.date))
    stamp = tick(local=stored.hlc if stored else None, now_ms=tx.now_ms, node=SERVER_NODE)
    await tx.write_day(
        consultant.id,
        date=day.date,
        day=day,
        stamp=stamp,
        by_client=SERVER_NODE,
        actor_id=actor.person_id,
    )
    return DayResult(status="applied", hlc=stamp.encode(), version=tx.version(consultant.id))


# -- the registry and refusals ----------------------------------------------------------------

Command = Callable[[MonthTx, Actor, Any], Awaitable[Any]]

COMMANDS: dict[str, Command] = {
    "set_day": set_day,
    "submit": submit,
    "withdraw": withdraw,
    "approve": approve,
    "send_back": send_back,
    "reopen": reopen,
    "sign": sign,
}
"""Every month command, by name: the HTTP controllers and the sync push call these."""

BY_ACTION: dict[Action, Command] = {
    Action.SUBMIT: submit,
    Action.WITHDRAW: withdraw,
    Action.APPROVE: approve,
    Action.SEND_BACK: send_back,
    Action.REOPEN: reopen,
}


async def refusal(
    tx: MonthTx, actor: Actor, args: CircuitArgs, action: Action, error: DomainError
) -> audit_log.MonthEvent | None:
    """The ``month.refused`` event of a refused circuit action, or None when it is not kept:
    an invisible month (404: nothing may reveal it) or a month that does not exist yet."""
    if isinstance(error, NotFound | DeviceRefused):
        return None
    consultant = await tx.person(args.consultant_id)
    row = tx.stored_month(args.consultant_id, str(args.month))
    if consultant is None or row is None:
        return None
    return audit_log.MonthEvent(
        month_id=row.id,
        kind="month.refused",
        actor_id=actor.person_id,
        device=tx.device,
        data={
            "action": action.value,
            "code": error.code,
            "reason": error.message,
            "fields": [f"{e.field}:{e.code}" for e in error.errors],
            "comment": args.comment,
            "version": args.version,
        },
        at=tx.now,
        organisation_id=consultant.organisation_id,
    )
