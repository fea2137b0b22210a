"""The FEC (fichier des écritures comptables, LPF A47 A-1): sales entries of issued invoices
and credit notes. Pure: documents in, the file's bytes out.

Format: the 18 columns of the arrêté of 29 July 2013 in their legal order, a header line, one
TAB between fields, CRLF between records, dates AAAAMMJJ, amounts with a decimal comma and no
thousands separator, UTF-8 without BOM. An invoice posts D 411 (total due) / C 706 (net) /
C 44571 (VAT); a credit note posts the same entries reversed. The accounts are configurable.
"""

from dataclasses import dataclass
from datetime import date

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)


@dataclass(frozen=True)
class Accounts:
    journal: str = "VT"
    journal_label: str = "Ventes"
    customers: str = "411000"
    customers_label: str = "Clients"
    sales: str = "706000"
    sales_label: str = "Prestations de services"
    vat: str = "445710"
    vat_label: str = "TVA collectée"


DEFAULT_ACCOUNTS = Accounts()


@dataclass(frozen=True)
class Document:
    """An issued invoice or credit note, as accounting sees it."""

    number: str
    issued_on: date
    credit_note: bool
    client_account: str
    client_name: str
    net_cents: int
    vat_cents: int
    gross_cents: int


def amount(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"{whole},{part:02d}"


def _clean(text: str) -> str:
    # The separator must stay unambiguous: no TAB or line break inside a field.
    return " ".join(text.replace("\t", " ").split())


def rows(
    documents: list[Document], accounts: Accounts = DEFAULT_ACCOUNTS
) -> list[tuple[str, ...]]:
    """The entries, numbered continuously in the order given (the issuing order)."""
    out: list[tuple[str, ...]] = []
    for index, doc in enumerate(documents, start=1):
        day = f"{doc.issued_on:%Y%m%d}"
        label = _clean(
            f"{'Avoir' if doc.credit_note else 'Facture'} {doc.number} {doc.client_name}"
        )
        entries = [
            (
                accounts.customers,
                accounts.customers_label,
                doc.client_account,
                doc.gross_cents,
                True,
            ),
            (accounts.sales, accounts.sales_label, "", doc.net_cents, False),
        ]
        if doc.vat_cents:
            entries.append((accounts.vat, accounts.vat_label, "", doc.vat_cents, False))
        for account, account_label, aux, cents, debit in entries:
            if doc.credit_note:
                debit = not debit
            out.append(
                (
                    accounts.journal,
                    accounts.journal_label,
                    f"{accounts.journal}-{index:06d}",
                    day,
                    account,
                    account_label,
                    aux,
                    _clean(doc.client_name) if aux else "",
                    doc.number,
                    day,
                    label,
                    amount(cents if debit else 0),
                    amount(0 if debit else cents),
                    "",
                    "",
                    day,
                    "",
                    "",
                )
            )
    return out


def file_bytes(documents: list[Document], accounts: Accounts = DEFAULT_ACCOUNTS) -> bytes:
    lines = ["\t".join(COLUMNS), *("\t".join(row) for row in rows(documents, accounts))]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def file_name(*, siren: str, closing: date) -> str:
    """`<SIREN>FEC<AAAAMMJJ>.txt`, the closing date of the period."""
    return f"{siren}FEC{closing:%Y%m%d}.txt"
