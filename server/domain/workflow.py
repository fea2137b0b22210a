"""The validation circuit of a month, as a pure state machine.

A mission configures an ordered circuit of approval steps (`ApprovalStep`, taken in the order
given, positions strictly increasing): a manager then a client signer, a single manager, or a
single client signer ("direct to client", for a freelance). `transition` takes the month's
circuit state and one action and returns the next state, or raises a `DomainError`; it reads no
clock and touches no storage, so the services record the audit event and persist the state.

Design choices:

- **Submit goes straight to the first step.** The consultant's submit moves a draft or sent-back
  month to ``in_validation`` at step 0, waiting on that step's approver. The circuit never
  produces ``submitted`` and accepts no action on it (a month still in that status from before
  circuits existed must be migrated by the caller).
- **The last approval ends the circuit, and there is no separate SIGN action.** When the last
  step is a ``client_signer``, their approval *is* the signature (the passkey ceremony proving it
  happens in the service before calling `transition`) and the month becomes ``signed``; a circuit
  ending with a manager leaves the month ``validated``. Only the last step's kind matters: a
  client signer in the middle of a circuit merely approves.
- **Send-back restarts the circuit.** Only the current approver may send back, only with a
  non-blank comment; the month returns to the consultant as ``sent_back``, the epoch is bumped so
  offline edits made against the previous epoch are refused, and the next submit starts again at
  step 0.
- **Withdraw is the consultant's, and only before anyone acted.** While the month waits on its
  first step, the consultant may take it back to ``draft`` (a wrong day noticed just after
  submitting); the epoch is bumped, as for a send-back, so a signature link sent to a first-step
  client signer dies with it. Once the first approver has approved, only a send-back returns it.
- **Reopen is an administrator's act.** Only an administrator may reopen a validated or signed
  month; it becomes ``sent_back`` with the epoch bumped (the caller invalidates the signature and
  keeps the signed version in the history).
- **Checks run in a fixed order**, so a refusal names the first problem: an action illegal in the
  status (`IllegalTransition`), then, for an approval, a circuit that changed under the month
  (`CircuitChanged`), then the wrong person (`Forbidden`), then bad input (`InvalidInput`).
  Whether the actor may see the month at all is decided earlier, by `server.domain.access`.
- **The consultant never approves their own month**: a circuit naming them as an approver is
  refused at submit.
- **A circuit edited while a month is in it** no longer matches the state: approving raises
  `CircuitChanged`, while the approver the month waits on may still send it back, which restarts
  it on the new circuit (the service editing a circuit should do that for the months in it).
- Outside ``in_validation`` the step is always 0 and nobody is waited on.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final, get_args

from server.domain.errors import Conflict, FieldError, Forbidden, InvalidInput
from server.domain.model import ApprovalStep, StepKind
from sync.months import MonthStatus

MANAGER: Final = "manager"
CLIENT_SIGNER: Final = "client_signer"
STEP_KINDS: frozenset[str] = frozenset(get_args(StepKind))
"""The kinds of approval step a circuit may contain."""


class Action(StrEnum):
    """What someone does to a month's circuit.

    Members:
        SUBMIT: The consultant hands the month in; the circuit starts at its first step.
        APPROVE: The current step's approver approves; for a client signer ending the circuit,
            this is the signature.
        SEND_BACK: The current step's approver returns the month with a mandatory comment.
        REOPEN: An administrator reopens a validated or signed month for correction.
        WITHDRAW: The consultant takes a submitted month back while nobody has acted on it.
    """

    SUBMIT = "submit"
    APPROVE = "approve"
    SEND_BACK = "send_back"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"


class IllegalTransition(Conflict):
    """The action is not possible in the month's current status."""

    def __init__(self, *, status: MonthStatus, action: Action) -> None:
        super().__init__(f"cannot {action.value.replace('_', ' ')} a month that is {status.value}")
        self.status = status
        self.action = action


class CircuitChanged(Conflict):
    """The mission's circuit no longer matches the step the month is waiting on."""


@dataclass(frozen=True)
class CircuitState:
    """Where a month stands in its validation circuit.

    Attributes:
        status: The month's workflow status.
        step: Index of the current approval step while ``in_validation``; 0 otherwise.
        waiting_on: Id of the current step's approver while ``in_validation``; None otherwise.
        epoch: Reopening counter, bumped by every send-back and reopen; never decreases.

    Raises:
        InvalidInput: The fields contradict each other (a waiting approver outside validation,
            none inside it, a step outside validation, or a negative step or epoch).
    """

    status: MonthStatus
    step: int = 0
    waiting_on: str | None = None
    epoch: int = 0

    def __post_init__(self) -> None:
        """Refuse states the circuit can never reach."""
        problems = []
        if self.epoch < 0:
            problems.append(FieldError("epoch", "negative", "the epoch cannot be negative"))
        if self.step < 0:
            problems.append(FieldError("step", "negative", "the step cannot be negative"))
        if self.status is MonthStatus.IN_VALIDATION:
            if not self.waiting_on:
                problems.append(
                    FieldError("waiting_on", "missing", "a month in validation waits on someone")
                )
        else:
            if self.waiting_on is not None:
                problems.append(
                    FieldError("waiting_on", "unexpected", "only a month in validation waits")
                )
            if self.step != 0:
                problems.append(
                    FieldError("step", "unexpected", "only a month in validation has a step")
                )
        if problems:
            raise InvalidInput("inconsistent circuit state", errors=tuple(problems))


def check_circuit(*, steps: Sequence[ApprovalStep], consultant_id: str) -> None:
    """Check that a circuit can validate a consultant's month.

    Args:
        steps: The mission's approval steps, in order.
        consultant_id: The consultant whose months go through the circuit.

    Raises:
        InvalidInput: On field ``steps``: the circuit is empty, a step has an unknown kind or no
            approver, positions do not increase, or the consultant approves their own month.
    """
    if not steps:
        raise InvalidInput(
            "the mission has no validation circuit",
            errors=(FieldError("steps", "empty", "the circuit needs at least one step"),),
        )
    problems = []
    for index, step in enumerate(steps):
        if step.kind not in STEP_KINDS:
            problems.append(
                FieldError("steps", "unknown_kind", f"step {index} has unknown kind {step.kind!r}")
            )
        if not step.approver_id:
            problems.append(FieldError("steps", "no_approver", f"step {index} has no approver"))
        elif step.approver_id == consultant_id:
            problems.append(
                FieldError(
                    "steps",
                    "self_approval",
                    f"step {index} makes the consultant their own approver",
                )
            )
        if index and step.position <= steps[index - 1].position:
            problems.append(
                FieldError("steps", "unordered", f"step {index} does not follow step {index - 1}")
            )
    if problems:
        raise InvalidInput("the validation circuit is not usable", errors=tuple(problems))


def final_status(*, steps: Sequence[ApprovalStep]) -> MonthStatus:
    """Tell how a circuit ends: signed when its last step is a client signer, else validated.

    Args:
        steps: The mission's approval steps, in order; not empty.

    Returns:
        ``signed`` or ``validated``.
    """
    return MonthStatus.SIGNED if steps[-1].kind == CLIENT_SIGNER else MonthStatus.VALIDATED


_LEGAL: dict[Action, frozenset[MonthStatus]] = {
    Action.SUBMIT: frozenset({MonthStatus.DRAFT, MonthStatus.SENT_BACK}),
    Action.APPROVE: frozenset({MonthStatus.IN_VALIDATION}),
    Action.SEND_BACK: frozenset({MonthStatus.IN_VALIDATION}),
    Action.REOPEN: frozenset({MonthStatus.VALIDATED, MonthStatus.SIGNED}),
    Action.WITHDRAW: frozenset({MonthStatus.IN_VALIDATION}),
}


class AlreadyReviewed(Conflict):
    """A withdrawal after an approver has acted: the month is theirs to send back now."""

    code = "already_reviewed"


def transition(
    *,
    state: CircuitState,
    action: Action,
    actor_id: str,
    consultant_id: str,
    steps: Sequence[ApprovalStep],
    comment: str = "",
    is_admin: bool = False,
) -> CircuitState:
    """Apply one action to a month's circuit.

    Args:
        state: The month's current circuit state.
        action: What the actor does.
        actor_id: The person acting.
        consultant_id: The consultant whose month it is.
        steps: The mission's approval steps, in order.
        comment: The actor's comment; mandatory (non-blank) for a send-back.
        is_admin: Whether the actor is an administrator of the month's organisation.

    Returns:
        The new state; ``state`` itself is never modified.

    Raises:
        IllegalTransition: The action is not possible in the current status.
        CircuitChanged: An approval while the month waits on a step the circuit no longer has,
            or on someone else than that step's approver.
        Forbidden: The actor is not the one who may take this action.
        InvalidInput: A send-back without a comment (field ``comment``), or a submit through an
            unusable circuit (field ``steps``).
        AlreadyReviewed: A withdrawal once the first step was approved.
    """
    if state.status not in _LEGAL[action]:
        raise IllegalTransition(status=state.status, action=action)
    if action is Action.SUBMIT:
        return _submit(state=state, actor_id=actor_id, consultant_id=consultant_id, steps=steps)
    if action is Action.WITHDRAW:
        if actor_id != consultant_id:
            raise Forbidden("only the consultant may withdraw their submission")
        if state.step != 0:
            message = "an approver has already approved this month: ask them to send it back"
            raise AlreadyReviewed(
                message, errors=(FieldError("step", "already_reviewed", message),)
            )
        return CircuitState(status=MonthStatus.DRAFT, epoch=state.epoch + 1)
    if action is Action.REOPEN:
        if not is_admin:
            raise Forbidden("only an administrator may reopen a validated or signed month")
        return CircuitState(status=MonthStatus.SENT_BACK, epoch=state.epoch + 1)
    if action is Action.APPROVE:
        _check_current_step(state=state, steps=steps)
    if actor_id != state.waiting_on:
        raise Forbidden("not on the current step")
    if action is Action.SEND_BACK:
        if not comment.strip():
            raise InvalidInput(
                "a send-back needs a comment",
                errors=(FieldError("comment", "required", "say what must be corrected"),),
            )
        return CircuitState(status=MonthStatus.SENT_BACK, epoch=state.epoch + 1)
    following = state.step + 1
    if following == len(steps):
        return CircuitState(status=final_status(steps=steps), epoch=state.epoch)
    return replace(state, step=following, waiting_on=steps[following].approver_id)


def _submit(
    *, state: CircuitState, actor_id: str, consultant_id: str, steps: Sequence[ApprovalStep]
) -> CircuitState:
    if actor_id != consultant_id:
        raise Forbidden("only the consultant may submit their month")
    check_circuit(steps=steps, consultant_id=consultant_id)
    return CircuitState(
        status=MonthStatus.IN_VALIDATION,
        step=0,
        waiting_on=steps[0].approver_id,
        epoch=state.epoch,
    )


def _check_current_step(*, state: CircuitState, steps: Sequence[ApprovalStep]) -> None:
    if state.step >= len(steps) or steps[state.step].approver_id != state.waiting_on:
        raise CircuitChanged(
            f"the circuit changed while the month waited on step {state.step}",
            errors=(
                FieldError("steps", "changed", "the waiting approver must send the month back"),
            ),
        )
