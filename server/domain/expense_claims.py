"""The life of a consultant's expense line and the payroll file of the approved ones.

A line is a *draft* while the consultant types it; *submitting* the month's expense report
hands every draft (and every refused line corrected since) to the manager; the manager
*approves* or *refuses* each submitted line, a refusal always with its reason, shown to the
consultant next to the line. Only drafts and refused lines can be edited or deleted: what the
manager is looking at, or has approved, does not change under them.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from server.domain.errors import Conflict, FieldError, InvalidInput
from server.domain.model import ApprovalStep
from server.domain.workflow import MANAGER, Action, CircuitState
from sync.months import MonthStatus

MAX_REASON_LENGTH: Final = 500
MAX_COMMENT_LENGTH: Final = 500
MAX_RECEIPTS: Final = 10


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REFUSED = "refused"


EDITABLE: Final = frozenset({ClaimStatus.DRAFT, ClaimStatus.REFUSED})


def ensure_editable(status: str) -> None:
    if status not in EDITABLE:
        raise Conflict(
            f"a {status} expense can no longer be changed",
            errors=(FieldError("status", f"already_{status}", "only drafts and refused lines"),),
        )


def ensure_decidable(status: str) -> None:
    if status != ClaimStatus.SUBMITTED:
        raise Conflict(
            f"a {status} expense is not waiting for a decision",
            errors=(FieldError("status", "not_submitted", "only submitted lines are decided"),),
        )


def refusal_reason(*, approve: bool, reason: str) -> str:
    """The reason kept with a decision: required, and at most 500 characters, for a refusal."""
    text = " ".join(reason.split())
    if not approve and not text:
        raise InvalidInput(
            "a refusal needs its reason",
            errors=(FieldError("reason", "required", "say why the line is refused"),),
        )
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidInput(
            "the reason is too long",
            errors=(FieldError("reason", "too_long", f"at most {MAX_REASON_LENGTH} characters"),),
        )
    return "" if approve else text


# -- the expense report through the month's circuit --------------------------------------------


class ExpenseCircuit(StrEnum):
    """The firm's setting: how its consultants' expense reports are approved.

    Members:
        OWN: The expense report has its own circuit: the consultant submits the month's lines,
            their manager (or an administrator) approves or refuses each one.
        MONTH: The expense report rides the CRA's month: submitting the month submits its
            drafts, the manager's approval of the month approves the lines not refused, a
            send-back or a withdrawal returns them to draft.
    """

    OWN = "own"
    MONTH = "month"


DEFAULT_CIRCUIT: Final = ExpenseCircuit.OWN
"""What a firm uses until its administrator chooses (docs/expenses.md says why)."""


def parse_circuit(value: str) -> ExpenseCircuit:
    try:
        return ExpenseCircuit(value)
    except ValueError:
        message = "one of " + ", ".join(c.value for c in ExpenseCircuit)
        raise InvalidInput(
            "unknown expense circuit",
            errors=(FieldError("expense_circuit", "unknown", message),),
        ) from None


class LinesMove(StrEnum):
    """What a month's move does to its expense lines, in the month circuit."""

    SUBMIT = "submit"
    """The drafts become submitted."""
    APPROVE = "approve"
    """The submitted lines (the refused ones are not) become approved."""
    RETURN = "return"
    """The submitted lines go back to draft, for the consultant to correct and hand in again."""


def lines_move(
    *,
    action: Action,
    before: CircuitState,
    after: CircuitState,
    steps: tuple[ApprovalStep, ...],
) -> LinesMove | None:
    """What the month's move does to its expense lines when they ride the month (docs/expenses.md).

    Expenses are internal to the firm: they are approved by the last *manager* step of the
    month's circuit, the step after which only the client is left (or nothing). A client
    signer's approval or signature never decides an expense; a circuit without a manager step
    leaves the submitted lines to be decided one by one, as in the own circuit. A reopening
    leaves the lines as they are: what was approved may already be paid or invoiced.
    """
    if action is Action.SUBMIT:
        return LinesMove.SUBMIT
    if action in (Action.SEND_BACK, Action.WITHDRAW):
        return LinesMove.RETURN
    if action is not Action.APPROVE:
        return None
    step = before.step if before.status is MonthStatus.IN_VALIDATION else 0
    if step >= len(steps) or steps[step].kind != MANAGER:
        return None
    if after.status is MonthStatus.IN_VALIDATION and steps[after.step].kind == MANAGER:
        return None  # another manager step follows: the last one decides the expenses
    return LinesMove.APPROVE


# -- payroll -----------------------------------------------------------------------------------

PAYROLL_HEADER: Final = (
    "matricule",
    "nom",
    "code_rubrique",
    "categorie",
    "date",
    "montant_ttc",
    "dont_tva",
    "justificatifs",
)
PAYROLL_CODE: Final = "FRAIS"
"""The pay item of a reimbursement (not taxed, not subject to contributions when justified:
frais professionnels, arrêté du 20 décembre 2002)."""


@dataclass(frozen=True)
class ApprovedLine:
    matricule: str
    name: str
    category: str
    spent_on: str
    gross_cents: int
    vat_cents: int
    receipts: int


def _clean(text: str) -> str:
    return " ".join(text.replace(";", ",").split())


def _euros(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def payroll_rows(lines: list[ApprovedLine]) -> list[tuple[str, ...]]:
    """One row per approved line, by consultant then date, amounts with a decimal comma."""
    return [
        (
            _clean(line.matricule),
            _clean(line.name),
            PAYROLL_CODE,
            line.category,
            line.spent_on,
            _euros(line.gross_cents),
            _euros(line.vat_cents),
            str(line.receipts),
        )
        for line in sorted(lines, key=lambda x: (x.name, x.matricule, x.spent_on))
    ]


def payroll_file(lines: list[ApprovedLine]) -> bytes:
    """The reimbursements to pay with the month's salary: `;`-separated CSV, CRLF, UTF-8."""
    rows = [";".join(PAYROLL_HEADER), *(";".join(row) for row in payroll_rows(lines))]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")
