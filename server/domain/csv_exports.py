"""The month's invoices and the month's CRAs as CSV files for the accountant.

The layout French spreadsheets open with a double click: `;` separator, decimal comma, no
thousands separator, dates as ISO (AAAA-MM-JJ), CRLF line ends, UTF-8 with a byte order mark
(without it Excel reads "Société" as "SociÃ©tÃ©"). Credit notes carry negative amounts, so a
column's sum is the month's net revenue. Pure: the service gathers the records.
"""

from dataclasses import dataclass
from datetime import date

INVOICE_HEADER = (
    "numero",
    "type",
    "date_emission",
    "date_echeance",
    "client",
    "siren_client",
    "periode_debut",
    "periode_fin",
    "total_ht",
    "tva",
    "total_ttc",
    "encaisse",
    "reste_du",
    "statut",
    "facture_origine",
)

MONTH_HEADER = (
    "mois",
    "matricule",
    "consultant",
    "statut_cra",
    "client",
    "mission",
    "demi_journees",
    "jours",
)

# The CRA's status as the firm says it (sync/months.py MonthStatus).
MONTH_STATUS_FR = {
    "draft": "brouillon",
    "submitted": "soumis",
    "in_validation": "en validation",
    "validated": "validé",
    "signed": "signé",
    "sent_back": "renvoyé pour correction",
}


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    credit_note: bool
    issued_on: date
    due_on: date | None
    client_name: str
    client_siren: str
    period_start: date
    period_end: date
    net_cents: int
    vat_cents: int
    gross_cents: int
    paid_cents: int
    paid: bool
    original_number: str = ""
    credited_cents: int = 0
    """What the invoice's credit notes cancel (taxes included): it is no longer due."""


@dataclass(frozen=True)
class MonthRow:
    month: str
    matricule: str
    consultant: str
    status: str
    client: str
    mission: str
    half_days: int


def file_name(kind: str, month: str) -> str:
    """`factures-2026-11.csv`, `cra-2026-11.csv`: what the month's file is, then the month."""
    return f"{kind}-{month}.csv"


def euros(cents: int) -> str:
    """`123450` → `"1234,50"`, `-5` → `"-0,05"` (a spreadsheet number, no thousands space)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole},{part:02d}"


def _days(half_days: int) -> str:
    whole, half = divmod(half_days, 2)
    return f"{whole},5" if half else f"{whole},0"


def _clean(text: str) -> str:
    """One line, no separator inside a cell (a `;` in a client's name would shift columns)."""
    return " ".join(text.replace(";", ",").split())


def invoice_cells(row: InvoiceRow) -> tuple[str, ...]:
    sign = -1 if row.credit_note else 1
    due = 0 if row.credit_note else max(row.gross_cents - row.paid_cents - row.credited_cents, 0)
    if row.credit_note:
        status = "avoir"
    elif row.paid:
        status = "payée"
    elif row.credited_cents >= row.gross_cents:
        status = "annulée par avoir"
    elif row.paid_cents:
        status = "partiellement payée"
    else:
        status = "émise"
    return (
        row.number,
        "avoir" if row.credit_note else "facture",
        row.issued_on.isoformat(),
        row.due_on.isoformat() if row.due_on else "",
        _clean(row.client_name),
        row.client_siren,
        row.period_start.isoformat(),
        row.period_end.isoformat(),
        euros(sign * row.net_cents),
        euros(sign * row.vat_cents),
        euros(sign * row.gross_cents),
        euros(row.paid_cents),
        euros(due),
        status,
        row.original_number,
    )


def month_cells(row: MonthRow) -> tuple[str, ...]:
    return (
        row.month,
        _clean(row.matricule),
        _clean(row.consultant),
        MONTH_STATUS_FR.get(row.status, row.status),
        _clean(row.client),
        _clean(row.mission),
        str(row.half_days),
        _days(row.half_days),
    )


def file_bytes(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    lines = [";".join(header), *(";".join(cells) for cells in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
