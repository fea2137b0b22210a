"""The validation circuit as a pure state machine: every status × action × actor, and properties.

The expected policy is written out below as a table, not derived from `server/domain/workflow.py`.
Cast: consultant `c1`; managers `m1`, `m2`; client signers `s1`, `s2`; `admin`; stranger `z`.
"""

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.errors import Conflict, DomainError, Forbidden, InvalidInput
from server.domain.model import ApprovalStep
from server.domain.workflow import (
    Action,
    AlreadyReviewed,
    CircuitChanged,
    CircuitState,
    IllegalTransition,
    check_circuit,
    final_status,
    transition,
)
from sync.months import MonthStatus

CONSULTANT = "c1"


def circuit(*people: tuple[str, str]) -> tuple[ApprovalStep, ...]:
    """Build a circuit from (kind, approver) pairs, positions 0, 1, 2..."""
    return tuple(
        ApprovalStep(position=index, kind=kind, approver_id=approver)
        for index, (kind, approver) in enumerate(people)
    )


MANAGER_THEN_CLIENT = circuit(("manager", "m1"), ("client_signer", "s1"))
MANAGER_ONLY = circuit(("manager", "m1"))
DIRECT_TO_CLIENT = circuit(("client_signer", "s1"))
THREE_STEPS = circuit(("manager", "m1"), ("manager", "m2"), ("client_signer", "s2"))


def act(
    state: CircuitState,
    action: Action,
    actor: str,
    steps: Sequence[ApprovalStep] = MANAGER_THEN_CLIENT,
    comment: str = "",
) -> CircuitState:
    """Apply one action for an actor of the cast; only `admin` is an administrator."""
    return transition(
        state=state,
        action=action,
        actor_id=actor,
        consultant_id=CONSULTANT,
        steps=steps,
        comment=comment,
        is_admin=actor == "admin",
    )


# --- The exhaustive table ---------------------------------------------------------------------

# Each status's starting state, in the two-step circuit m1 then s1 (waiting on m1 at step 0).
EPOCH = 3
START = {
    MonthStatus.DRAFT: CircuitState(status=MonthStatus.DRAFT, epoch=EPOCH),
    MonthStatus.SUBMITTED: CircuitState(status=MonthStatus.SUBMITTED, epoch=EPOCH),
    MonthStatus.IN_VALIDATION: CircuitState(
        status=MonthStatus.IN_VALIDATION, step=0, waiting_on="m1", epoch=EPOCH
    ),
    MonthStatus.VALIDATED: CircuitState(status=MonthStatus.VALIDATED, epoch=EPOCH),
    MonthStatus.SIGNED: CircuitState(status=MonthStatus.SIGNED, epoch=EPOCH),
    MonthStatus.SENT_BACK: CircuitState(status=MonthStatus.SENT_BACK, epoch=EPOCH),
}
# The actor kinds, as people of the cast: the current approver is the one the month waits on
# (or would wait on first), the other approver is on another step of the same circuit.
ACTORS = {
    "consultant": CONSULTANT,
    "current approver": "m1",
    "other approver": "s1",
    "admin": "admin",
    "stranger": "z",
}
IN_STEP_1 = CircuitState(status=MonthStatus.IN_VALIDATION, step=1, waiting_on="s1", epoch=EPOCH)
BACK = CircuitState(status=MonthStatus.SENT_BACK, epoch=EPOCH + 1)
WITHDRAWN = CircuitState(status=MonthStatus.DRAFT, epoch=EPOCH + 1)
STARTED = CircuitState(status=MonthStatus.IN_VALIDATION, step=0, waiting_on="m1", epoch=EPOCH)

# (status, action) -> (the one actor kind who succeeds, the resulting state). For these pairs,
# every other actor is Forbidden; every pair not listed is an IllegalTransition for everyone.
LEGAL: dict[tuple[MonthStatus, Action], tuple[str, CircuitState]] = {
    (MonthStatus.DRAFT, Action.SUBMIT): ("consultant", STARTED),
    (MonthStatus.SENT_BACK, Action.SUBMIT): ("consultant", STARTED),
    (MonthStatus.IN_VALIDATION, Action.APPROVE): ("current approver", IN_STEP_1),
    (MonthStatus.IN_VALIDATION, Action.SEND_BACK): ("current approver", BACK),
    (MonthStatus.VALIDATED, Action.REOPEN): ("admin", BACK),
    (MonthStatus.SIGNED, Action.REOPEN): ("admin", BACK),
    (MonthStatus.IN_VALIDATION, Action.WITHDRAW): ("consultant", WITHDRAWN),
}

CASES = list(itertools.product(MonthStatus, Action, ACTORS))


def expected(status: MonthStatus, action: Action, actor: str) -> CircuitState | type[DomainError]:
    """Read the table: the resulting state, or the error class."""
    if (status, action) not in LEGAL:
        return IllegalTransition
    allowed, result = LEGAL[(status, action)]
    return result if actor == allowed else Forbidden


def test_the_table_covers_every_status_action_and_actor() -> None:
    """Make sure the table is exhaustive: 6 statuses × 5 actions × 5 actors."""
    assert len(CASES) == 6 * 5 * 5 == 150
    assert set(START) == set(MonthStatus)


@pytest.mark.parametrize(
    ("status", "action", "actor"), CASES, ids=[f"{s}-{a}-{p}" for s, a, p in CASES]
)
def test_every_status_action_and_actor(status: MonthStatus, action: Action, actor: str) -> None:
    """Make sure each status × action × actor succeeds or is refused as the table says."""
    want = expected(status, action, actor)
    try:
        got: CircuitState | type[DomainError] = act(
            START[status], action, ACTORS[actor], comment="fix the 14th"
        )
    except DomainError as refusal:
        got = type(refusal)
    assert got == want


@pytest.mark.parametrize(("status", "action"), list(itertools.product(MonthStatus, Action)))
def test_an_illegal_transition_is_a_conflict_naming_status_and_action(
    status: MonthStatus, action: Action
) -> None:
    """Make sure an illegal transition is a Conflict whose message names the status and action."""
    if (status, action) in LEGAL:
        return
    with pytest.raises(IllegalTransition) as caught:
        act(START[status], action, "admin", comment="x")
    assert isinstance(caught.value, Conflict)
    assert caught.value.status is status and caught.value.action is action
    assert status.value in caught.value.message
    assert action.value.replace("_", " ") in caught.value.message


# --- Whole circuits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "approvers", "end"),
    [
        (MANAGER_ONLY, ["m1"], MonthStatus.VALIDATED),
        (DIRECT_TO_CLIENT, ["s1"], MonthStatus.SIGNED),
        (MANAGER_THEN_CLIENT, ["m1", "s1"], MonthStatus.SIGNED),
        (THREE_STEPS, ["m1", "m2", "s2"], MonthStatus.SIGNED),
        (circuit(("manager", "m1"), ("manager", "m2")), ["m1", "m2"], MonthStatus.VALIDATED),
        (circuit(("client_signer", "s1"), ("manager", "m1")), ["s1", "m1"], MonthStatus.VALIDATED),
    ],
    ids=[
        "manager-only",
        "direct-to-client",
        "manager-client",
        "three",
        "two-managers",
        "client-1st",
    ],
)
def test_a_circuit_runs_step_by_step_to_its_end(
    steps: tuple[ApprovalStep, ...], approvers: list[str], end: MonthStatus
) -> None:
    """Make sure each approval moves to the next step and the last one ends validated or signed."""
    state = act(CircuitState(status=MonthStatus.DRAFT), Action.SUBMIT, CONSULTANT, steps)
    for index, approver in enumerate(approvers):
        assert state == CircuitState(
            status=MonthStatus.IN_VALIDATION, step=index, waiting_on=approver, epoch=0
        )
        state = act(state, Action.APPROVE, approver, steps)
    assert state == CircuitState(status=end, epoch=0)
    assert final_status(steps=steps) is end


def test_the_last_client_signer_signs_and_nobody_else_does() -> None:
    """Make sure only the last step's client signer turns the month signed, not another signer."""
    with pytest.raises(Forbidden, match="not on the current step"):
        act(IN_STEP_1, Action.APPROVE, "s2")
    assert act(IN_STEP_1, Action.APPROVE, "s1") == CircuitState(
        status=MonthStatus.SIGNED, epoch=EPOCH
    )


def test_a_send_back_restarts_the_circuit_from_the_first_step() -> None:
    """Make sure a send-back at the last step bumps the epoch and the next submit starts at 0."""
    state = act(IN_STEP_1, Action.SEND_BACK, "s1", comment="the 11th is a public holiday")
    assert state == CircuitState(status=MonthStatus.SENT_BACK, epoch=EPOCH + 1)
    assert act(state, Action.SUBMIT, CONSULTANT) == CircuitState(
        status=MonthStatus.IN_VALIDATION, step=0, waiting_on="m1", epoch=EPOCH + 1
    )


def test_a_reopened_signed_month_goes_through_the_whole_circuit_again() -> None:
    """Make sure a reopen bumps the epoch and the month needs every approval again."""
    state = act(START[MonthStatus.SIGNED], Action.REOPEN, "admin")
    state = act(state, Action.SUBMIT, CONSULTANT)
    state = act(state, Action.APPROVE, "m1")
    assert state == CircuitState(
        status=MonthStatus.IN_VALIDATION, step=1, waiting_on="s1", epoch=EPOCH + 1
    )


def test_an_admin_on_the_current_step_approves_as_the_approver() -> None:
    """Make sure being an administrator neither grants nor prevents an approval."""
    steps = circuit(("manager", "admin"))
    state = act(CircuitState(status=MonthStatus.DRAFT), Action.SUBMIT, CONSULTANT, steps)
    assert act(state, Action.APPROVE, "admin", steps).status is MonthStatus.VALIDATED


def test_an_approver_cannot_submit_a_consultants_month() -> None:
    """Make sure an admin or an approver is refused when submitting someone else's month."""
    for actor in ("admin", "m1", "s1"):
        with pytest.raises(Forbidden, match="only the consultant"):
            act(START[MonthStatus.DRAFT], Action.SUBMIT, actor)


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["", " ", "\n\t  ", "\u00a0"])
def test_a_send_back_without_a_comment_is_refused_on_the_comment_field(comment: str) -> None:
    """Make sure a blank send-back comment is InvalidInput on field comment."""
    with pytest.raises(InvalidInput) as caught:
        act(START[MonthStatus.IN_VALIDATION], Action.SEND_BACK, "m1", comment=comment)
    assert [(e.field, e.code) for e in caught.value.errors] == [("comment", "required")]


def test_a_stranger_with_a_blank_comment_is_told_forbidden_first() -> None:
    """Make sure the actor is checked before the comment, so strangers learn nothing more."""
    with pytest.raises(Forbidden):
        act(START[MonthStatus.IN_VALIDATION], Action.SEND_BACK, "z", comment="")


def test_a_circuit_with_no_steps_is_refused_at_submit() -> None:
    """Make sure submitting through an empty circuit is InvalidInput on field steps."""
    with pytest.raises(InvalidInput) as caught:
        act(START[MonthStatus.DRAFT], Action.SUBMIT, CONSULTANT, steps=())
    assert [(e.field, e.code) for e in caught.value.errors] == [("steps", "empty")]


@pytest.mark.parametrize(
    ("steps", "codes"),
    [
        (circuit(("manager", CONSULTANT)), ["self_approval"]),
        (circuit(("boss", "m1")), ["unknown_kind"]),
        (circuit(("manager", "")), ["no_approver"]),
        (
            (
                ApprovalStep(position=1, kind="manager", approver_id="m1"),
                ApprovalStep(position=1, kind="client_signer", approver_id="s1"),
            ),
            ["unordered"],
        ),
        (circuit(("boss", CONSULTANT)), ["unknown_kind", "self_approval"]),
    ],
    ids=["self-approval", "unknown-kind", "no-approver", "unordered", "two-problems"],
)
def test_an_unusable_circuit_is_refused_with_every_reason(
    steps: tuple[ApprovalStep, ...], codes: list[str]
) -> None:
    """Make sure check_circuit lists every problem of a circuit on field steps."""
    with pytest.raises(InvalidInput) as caught:
        check_circuit(steps=steps, consultant_id=CONSULTANT)
    assert [e.code for e in caught.value.errors] == codes
    assert {e.field for e in caught.value.errors} == {"steps"}


@pytest.mark.parametrize(
    ("status", "step", "waiting_on", "epoch"),
    [
        (MonthStatus.IN_VALIDATION, 0, None, 0),
        (MonthStatus.IN_VALIDATION, 0, "", 0),
        (MonthStatus.DRAFT, 0, "m1", 0),
        (MonthStatus.SIGNED, 1, None, 0),
        (MonthStatus.IN_VALIDATION, -1, "m1", 0),
        (MonthStatus.DRAFT, 0, None, -1),
    ],
)
def test_an_unreachable_state_cannot_be_built(
    status: MonthStatus, step: int, waiting_on: str | None, epoch: int
) -> None:
    """Make sure CircuitState refuses field combinations the circuit never produces."""
    with pytest.raises(InvalidInput):
        CircuitState(status=status, step=step, waiting_on=waiting_on, epoch=epoch)


@pytest.mark.parametrize(
    "state",
    [
        CircuitState(status=MonthStatus.IN_VALIDATION, step=2, waiting_on="s1"),
        CircuitState(status=MonthStatus.IN_VALIDATION, step=0, waiting_on="m2"),
    ],
    ids=["step-gone", "approver-replaced"],
)
def test_a_circuit_changed_under_the_month_refuses_approval_but_allows_send_back(
    state: CircuitState,
) -> None:
    """Make sure an approval against a stale circuit is a Conflict, and a send-back recovers."""
    waiting = state.waiting_on
    assert waiting is not None
    with pytest.raises(CircuitChanged):
        act(state, Action.APPROVE, waiting)
    back = act(state, Action.SEND_BACK, waiting, comment="circuit changed")
    assert back == CircuitState(status=MonthStatus.SENT_BACK, epoch=1)


# --- Properties -------------------------------------------------------------------------------

PEOPLE = ("m1", "m2", "s1", "s2")
CAST = (CONSULTANT, *PEOPLE, "admin", "z")

circuits = st.lists(
    st.tuples(st.sampled_from(["manager", "client_signer"]), st.sampled_from(PEOPLE)),
    min_size=1,
    max_size=4,
).map(lambda pairs: circuit(*pairs))


def rightful(state: CircuitState, action: Action) -> str:
    """The person who may take the action in the state (if the action is legal at all)."""
    if action in (Action.SUBMIT, Action.WITHDRAW):
        return CONSULTANT
    if action is Action.REOPEN:
        return "admin"
    return state.waiting_on or "z"


@settings(max_examples=300)
@given(steps=circuits, data=st.data())
def test_any_sequence_of_actions_keeps_the_invariants(
    steps: tuple[ApprovalStep, ...], data: st.DataObject
) -> None:
    """Make sure any run keeps waiting_on, epoch and approval order consistent."""
    state = CircuitState(status=MonthStatus.DRAFT)
    approved: list[int] = []  # steps approved since the last submit, in order
    for _ in range(data.draw(st.integers(0, 30), label="length")):
        action = data.draw(st.sampled_from(Action), label="action")
        if data.draw(st.booleans(), label="rightful"):
            actor = rightful(state, action)
        else:
            actor = data.draw(st.sampled_from(CAST), label="actor")
        comment = data.draw(st.sampled_from(["", "  ", "please fix"]), label="comment")
        try:
            after = act(state, action, actor, steps, comment)
        except (IllegalTransition, Forbidden, InvalidInput, AlreadyReviewed):
            continue
        if action is Action.WITHDRAW:
            assert approved == [], "withdrawn after an approval"
        if action is Action.SUBMIT:
            approved = []
        if action is Action.APPROVE:
            assert actor == steps[state.step].approver_id
            approved.append(state.step)

        if after.status is MonthStatus.IN_VALIDATION:
            assert after.waiting_on == steps[after.step].approver_id
            assert approved == list(range(after.step))
        else:
            assert (after.waiting_on, after.step) == (None, 0)
        bumped = action in {Action.SEND_BACK, Action.REOPEN, Action.WITHDRAW}
        assert after.epoch == state.epoch + (1 if bumped else 0)
        if after.status in {MonthStatus.VALIDATED, MonthStatus.SIGNED}:
            assert approved == list(range(len(steps)))
            signed = steps[-1].kind == "client_signer"
            assert after.status is (MonthStatus.SIGNED if signed else MonthStatus.VALIDATED)
        assert after.status is not MonthStatus.SUBMITTED
        state = after


@given(steps=circuits)
def test_rightful_approvals_always_reach_the_end_in_exactly_len_steps(
    steps: tuple[ApprovalStep, ...],
) -> None:
    """Make sure a circuit of n steps ends after exactly n approvals by its approvers in order."""
    state = act(CircuitState(status=MonthStatus.DRAFT), Action.SUBMIT, CONSULTANT, steps)
    for step in steps:
        assert state.status is MonthStatus.IN_VALIDATION
        state = act(state, Action.APPROVE, step.approver_id, steps)
    assert state.status is final_status(steps=steps)


def test_a_withdrawal_after_the_first_approval_is_refused_naming_the_step() -> None:
    """Make sure the consultant takes a month back only while nobody has acted: at step 1 the
    refusal says an approver already approved, and nothing else than the consultant may try."""
    with pytest.raises(AlreadyReviewed) as refused:
        act(IN_STEP_1, Action.WITHDRAW, CONSULTANT)
    assert refused.value.code == "already_reviewed"
    assert [e.field for e in refused.value.errors] == ["step"]
    with pytest.raises(Forbidden):
        act(IN_STEP_1, Action.WITHDRAW, "s1")


def test_a_withdrawn_month_is_submitted_again_from_the_first_step() -> None:
    """Make sure withdraw then submit restarts the circuit, with the epoch moved on once."""
    again = act(act(STARTED, Action.WITHDRAW, CONSULTANT), Action.SUBMIT, CONSULTANT)
    assert again == CircuitState(
        status=MonthStatus.IN_VALIDATION, step=0, waiting_on="m1", epoch=EPOCH + 1
    )
