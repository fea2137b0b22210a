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
