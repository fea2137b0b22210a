"""Expenses the firm keeps as its own cost: approved but not re-billed to any client.

An approved expense line is re-billed only when its mission's rule says so
(`MissionExpensePolicy`); an internal line (no mission), or one on a mission that does not
re-bill, stays a cost of the firm — as does an expense an administrator recorded with
"re-billed" unticked. The month's list and its CSV (`frais-non-refactures-AAAA-MM.csv`, the
accountant's layout of `csv_exports`: `;`, decimal comma, UTF-8 with BOM, CRLF) say which,
so the accountant books them as charges (not as a receivable). Pure: the service gathers.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from server.domain.csv_exports import euros


class Origin(StrEnum):
    """Members:
    CLAIM: a consultant's expense line, approved by their manager or an administrator.
    RECORDED: an expense an administrator recorded in the billing tab, not re-billed.
    """

    CLAIM = "claim"
    RECORDED = "recorded"


class Why(StrEnum):
    """Members:
    INTERNAL: no mission (training, the firm's own trip...).
    NOT_REBILLED: the mission's rule does not re-bill expenses.
    UNTICKED: recorded by an administrator with "re-billed" unticked.
    """

    INTERNAL = "internal"
    NOT_REBILLED = "not_rebilled"
    UNTICKED = "unticked"


WHY_FR = {
    Why.INTERNAL: "sans mission (frais interne)",
    Why.NOT_REBILLED: "mission sans refacturation des frais",
    Why.UNTICKED: "saisie non refacturée",
}

HEADER = (
    "date",
    "origine",
    "consultant",
    "client",
    "mission",
    "categorie",
    "libelle",
    "motif_non_refacture",
    "montant_ht",
    "tva",
    "montant_ttc",
)


@dataclass(frozen=True)
class FirmCost:
    id: str
    origin: Origin
    why: Why
    spent_on: date
    consultant: str
    client: str
    mission: str
    category: str
    label: str
    net_cents: int
    vat_cents: int

    @property
    def gross_cents(self) -> int:
        return self.net_cents + self.vat_cents


@dataclass(frozen=True)
class Totals:
    net_cents: int
    vat_cents: int
    gross_cents: int


def totals(costs: list[FirmCost]) -> Totals:
    net = sum(c.net_cents for c in costs)
    vat = sum(c.vat_cents for c in costs)
    return Totals(net_cents=net, vat_cents=vat, gross_cents=net + vat)


def ordered(costs: list[FirmCost]) -> list[FirmCost]:
    """By date, then consultant, then category: how an accountant reads a month."""
    return sorted(costs, key=lambda c: (c.spent_on, c.consultant, c.category, c.id))


def file_name(month: str) -> str:
    return f"frais-non-refactures-{month}.csv"


def _clean(text: str) -> str:
    return " ".join(text.replace(";", ",").split())


def cells(cost: FirmCost) -> tuple[str, ...]:
    return (
        cost.spent_on.isoformat(),
        "note de frais" if cost.origin is Origin.CLAIM else "dépense saisie",
        _clean(cost.consultant),
        _clean(cost.client),
        _clean(cost.mission),
        _clean(cost.category),
        _clean(cost.label),
        WHY_FR[cost.why],
        euros(cost.net_cents),
        euros(cost.vat_cents),
        euros(cost.gross_cents),
    )
