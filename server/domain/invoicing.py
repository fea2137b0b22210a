"""Pre-invoices, invoices and credit notes: records and pure rules (no I/O).

A pre-invoice is an `Invoice` in status `draft`; issuing it gives it a number from its
series and freezes it. A credit note is an `Invoice` of kind `credit_note` that cites the
invoice it corrects; it never credits more than what remains of each line.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from server.domain import pricing as p
from server.domain.errors import Conflict, FieldError, InvalidInput
from server.domain.model import DayRecord

BILLABLE_MONTH_STATUSES = frozenset({"validated", "signed"})
""""Pas de CRA validé, pas de facture": only these months are billed."""

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(StrEnum):
    """Members:
    DRAFT: a pre-invoice, regenerated from the CRAs until issued.
    ISSUED: numbered and frozen.
    PAID: fully paid (payments are kept one by one).
    """

    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"


@dataclass(frozen=True)
class Party:
    """Seller or buyer identity as printed on the invoice and written in the XML."""

    name: str
    siren: str
    vat_number: str
    address_line: str
    postcode: str
    city: str
    country_code: str = "FR"
    siret: str = ""
    legal_info: str = ""
    iban: str = ""
    bic: str = ""
    electronic_address: str = ""
    """BT-34/BT-49 on the French directory (scheme 0225); empty: the SIREN itself."""

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Party":
        return cls(**{k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__})


_ADDRESS = re.compile(r"^(?P<line>.*?),?\s*(?P<postcode>\d{5})\s+(?P<city>[^,]+)$")


def split_address(address: str) -> tuple[str, str, str]:
    """`"12 rue de la Paix, 75002 Paris"` → (line, postcode, city); blanks if it does not parse."""
    match = _ADDRESS.match(" ".join(address.split()))
    if match is None:
        return address.strip(), "", ""
    return match["line"].strip(" ,"), match["postcode"], match["city"].strip()


class MissingBillingIdentity(InvalidInput):
    code = "missing_billing_identity"


def check_identity(party: Party, *, role: str, needs_vat: bool) -> None:
    """Refuse to bill without the identity the law and EN 16931 require."""
    errors = []
    if not party.name.strip():
        errors.append(FieldError(f"{role}.name", "missing", "the legal name is required"))
    if not (party.address_line and party.postcode and party.city):
        errors.append(
            FieldError(f"{role}.address", "missing", "a full postal address is required")
        )
    if party.country_code == "FR" and not re.fullmatch(r"\d{9}", party.siren or ""):
        errors.append(FieldError(f"{role}.siren", "missing", "a 9-digit SIREN is required"))
    if needs_vat and not party.vat_number.strip():
        errors.append(FieldError(f"{role}.vat_number", "missing", "the VAT number is required"))
    if errors:
        raise MissingBillingIdentity(
            f"the {role} has no complete billing identity", errors=tuple(errors)
        )


def regime_for(*, seller_franchise: bool, buyer: Party) -> p.VatRegime:
    """French VAT, EU reverse charge (CGI 283-2 / 259-1°), or the franchise of CGI 293 B."""
    if seller_franchise:
        return p.VatRegime.FRANCHISE
    if buyer.country_code == "FR":
        return p.VatRegime.STANDARD
    if buyer.country_code in EU_COUNTRIES:
        return p.VatRegime.REVERSE_CHARGE
    raise InvalidInput(
        f"clients outside the EU ({buyer.country_code}) are not supported yet",
        errors=(FieldError("buyer.country_code", "unsupported", "EU countries only"),),
    )


def mission_half_days(days: tuple[DayRecord, ...], mission_id: str) -> int:
    """Half-days a CRA records on one mission."""
    line = f"mission:{mission_id}"
    return sum(half for day in days for name, half in day.lines if name == line)


def absence_half_days(days: tuple[DayRecord, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    for day in days:
        for name, half in day.lines:
            if name.startswith("absence:"):
                kind = name.removeprefix("absence:")
                found[kind] = found.get(kind, 0) + half
    return found


@dataclass(frozen=True)
class Adjustment:
    """An administrator's override of a pre-invoice line; the reason is mandatory."""

    line_key: str
    quantity: int | None
    unit_price_cents: int | None
    reason: str


def check_adjustment(adjustment: Adjustment) -> None:
    errors = []
    if len(adjustment.reason.strip()) < 3:
        errors.append(FieldError("reason", "required", "say why the line is adjusted"))
    if adjustment.quantity is None and adjustment.unit_price_cents is None:
        errors.append(FieldError("quantity", "required", "change the quantity or the price"))
    if adjustment.quantity is not None and adjustment.quantity < 0:
        errors.append(FieldError("quantity", "negative", "must not be negative"))
    if adjustment.unit_price_cents is not None and adjustment.unit_price_cents <= 0:
        errors.append(FieldError("unit_price_cents", "not_positive", "must be positive"))
    if errors:
        raise InvalidInput("the adjustment is invalid", errors=tuple(errors))


def apply_adjustments(lines: list[p.Line], adjustments: list[Adjustment]) -> list[p.Line]:
    """Replay the adjustments, in order, on freshly computed lines (regeneration keeps them)."""
    by_key = {line.key: line for line in lines}
    for adj in adjustments:
        line = by_key.get(adj.line_key)
        if line is None:
            continue
        by_key[adj.line_key] = p.Line(
            key=line.key,
            kind=line.kind,
            label=line.label,
            quantity=line.quantity if adj.quantity is None else adj.quantity,
            unit=line.unit,
            unit_price_cents=(
                line.unit_price_cents if adj.unit_price_cents is None else adj.unit_price_cents
            ),
            vat_rate_bp=line.vat_rate_bp,
            description=line.description,
        )
    return [by_key[line.key] for line in lines]


@dataclass(frozen=True)
class LineDiscount:
    """A discount on one line: a percentage (basis points) or an amount, with its reason."""

    line_key: str
    percent_bp: int | None
    amount_cents: int | None
    reason: str


def check_line_discount(discount: LineDiscount) -> None:
    errors = []
    if len(discount.reason.strip()) < 3:
        errors.append(FieldError("reason", "required", "say why the line is discounted"))
    if (discount.percent_bp is None) == (discount.amount_cents is None):
        errors.append(FieldError("percent_bp", "exclusive", "give a percentage or an amount"))
    if errors:
        raise InvalidInput("the discount is invalid", errors=tuple(errors))


def apply_line_discounts(
    lines: list[p.Line], discounts: list[LineDiscount]
) -> tuple[list[p.Line], list[dict[str, Any]]]:
    """Insert each line's latest discount right after it, as a negative line; a discount that
    no longer fits its line (after an adjustment) becomes a blocking warning."""
    latest = {d.line_key: d for d in discounts}
    out: list[p.Line] = []
    warnings: list[dict[str, Any]] = []
    for line in lines:
        out.append(line)
        discount = latest.get(line.key)
        if discount is None:
            continue
        try:
            out.append(
                p.discount_line(
                    key=f"discount:{line.key}",
                    label=f"Remise : {line.label}"[:200],
                    base_cents=line.net_cents,
                    vat_rate_bp=line.vat_rate_bp,
                    percent_bp=discount.percent_bp,
                    amount_cents=discount.amount_cents,
                )
            )
        except InvalidInput as refused:
            warnings.append(
                {
                    "code": "discount_too_large",
                    "field": line.key,
                    "blocking": True,
                    "message": refused.message,
                }
            )
    return out, warnings


@dataclass(frozen=True)
class MissionDiscount:
    """A mission's standing discount, on each of its pre-invoices: a percentage (basis points)
    of its line, or an amount per pre-invoice; with the reason it was agreed."""

    percent_bp: int | None
    amount_cents: int | None
    reason: str

    @property
    def none(self) -> bool:
        return self.percent_bp is None and self.amount_cents is None


def check_mission_discount(discount: MissionDiscount) -> None:
    """Refuse both a percentage and an amount, a percentage outside ]0, 100 %], an amount that
    is not positive, and a discount without its reason (none at all clears it)."""
    errors = []
    if discount.percent_bp is not None and discount.amount_cents is not None:
        errors.append(FieldError("amount_cents", "exclusive", "give a percentage or an amount"))
    if discount.percent_bp is not None and not 0 < discount.percent_bp <= 10_000:
        errors.append(FieldError("percent_bp", "out_of_range", "between 1 and 10000"))
    if discount.amount_cents is not None and discount.amount_cents <= 0:
        errors.append(FieldError("amount_cents", "not_positive", "must be positive"))
    if not discount.none and len(discount.reason.strip()) < 3:
        errors.append(FieldError("reason", "required", "say why the mission is discounted"))
    if errors:
        raise InvalidInput("the mission's discount is invalid", errors=tuple(errors))


def apply_mission_discounts(
    lines: list[p.Line], discounts: dict[str, tuple[str, MissionDiscount]]
) -> tuple[list[p.Line], list[dict[str, Any]]]:
    """After each line a mission's standing discount applies to (`discounts`: line key →
    (mission title, discount)), its negative line, computed on the line as adjusted; one that no
    longer fits its line (an amount above a short month) is a blocking warning instead."""
    out: list[p.Line] = []
    warnings: list[dict[str, Any]] = []
    for line in lines:
        out.append(line)
        found = discounts.get(line.key)
        if found is None or found[1].none:
            continue
        title, discount = found
        try:
            out.append(
                p.discount_line(
                    key=f"mission-discount:{line.key}",
                    label=f"Remise de la mission {title}"[:200],
                    base_cents=line.net_cents,
                    vat_rate_bp=line.vat_rate_bp,
                    percent_bp=discount.percent_bp,
                    amount_cents=discount.amount_cents,
                )
            )
        except InvalidInput as refused:
            warnings.append(
                {
                    "code": "discount_too_large",
                    "field": line.key,
                    "blocking": True,
                    "message": f"remise de la mission {title} : {refused.message}",
                }
            )
    return out, warnings


@dataclass(frozen=True)
class LineRecord:
    id: str
    position: int
    line: p.Line
    credits_line_id: str | None = None

    @property
    def net_cents(self) -> int:
        return self.line.net_cents


@dataclass(frozen=True)
class InvoiceRecord:
    id: str
    organisation_id: str
    client_id: str
    kind: InvoiceKind
    status: InvoiceStatus
    group_key: str
    period_start: date
    period_end: date
    sources: tuple[dict[str, Any], ...]
    warnings: tuple[dict[str, Any], ...]
    regime: p.VatRegime
    number: str | None
    issued_on: date | None
    due_on: date | None
    seller: dict[str, Any]
    buyer: dict[str, Any]
    net_cents: int
    vat_cents: int
    gross_cents: int
    credits_id: str | None
    reason: str
    paid_cents: int
    discount_percent_bp: int | None = None
    discount_amount_cents: int | None = None
    lines: tuple[LineRecord, ...] = field(default=())
    purchase_order: str = ""
    """BT-13: the purchase order of the missions billed (one per invoice, see month_group_key)."""
    buyer_reference: str = ""
    """BT-10: the client's own reference for its invoices, snapshotted at issue."""


def month_group_key(*, client_id: str, month: str, purchase_order: str) -> str:
    """What one monthly pre-invoice bills: a client's month, one per purchase order.

    EN 16931 carries a single purchase order reference per invoice (BT-13, cardinality 0..1),
    and a buyer matches an invoice to its order by it; so lines of missions under different
    purchase orders never share an invoice. The order itself (≤ 100 characters) would not fit
    the key, so the key holds a digest of it; the invoice keeps the reference in full.
    """
    base = f"month:{client_id}:{month}"
    reference = purchase_order.strip()
    if not reference:
        return base
    return f"{base}:{hashlib.sha256(reference.encode()).hexdigest()[:16]}"


def month_of_group(group_key: str) -> tuple[str, str] | None:
    """(client id, month) of a monthly pre-invoice's key; None for any other key."""
    parts = group_key.split(":")
    if parts[0] != "month" or len(parts) not in (3, 4):
        return None
    return parts[1], parts[2]


class NotIssuable(Conflict):
    code = "not_issuable"


def check_issuable(invoice: InvoiceRecord, *, current: dict[str, tuple[str, int]]) -> None:
    """Refuse to issue what is not a pre-invoice, has blocking warnings, or whose CRAs moved.

    `current` maps each source CRA's id to its (status, epoch) now.
    """
    if invoice.status is not InvoiceStatus.DRAFT:
        raise NotIssuable(
            f"invoice {invoice.number} is already issued; correct it with a credit note"
        )
    blocking = [w for w in invoice.warnings if w.get("blocking")]
    if blocking:
        raise NotIssuable(
            "the pre-invoice cannot be issued: " + "; ".join(str(w["message"]) for w in blocking),
            errors=tuple(
                FieldError(str(w.get("field", "lines")), str(w["code"]), str(w["message"]))
                for w in blocking
            ),
        )
    for source in invoice.sources:
        status, epoch = current.get(source["timesheet_id"], ("missing", -1))
        if status not in BILLABLE_MONTH_STATUSES or epoch != source["epoch"]:
            raise NotIssuable(
                f"the CRA of {source['consultant']} for {source['month']} was reopened since "
                "this pre-invoice was computed; it will be recomputed when validated again",
                errors=(FieldError("sources", "month_reopened", f"status is now {status}"),),
            )
    if not invoice.lines or invoice.gross_cents <= 0:
        raise NotIssuable(
            "there is nothing to bill on this pre-invoice",
            errors=(FieldError("lines", "empty", "no billable amount"),),
        )


def number_of(series: str, value: int) -> str:
    """`FA-2026`, 7 → `FA-2026-00007` (≤ 35 characters, BR-FR-01/02)."""
    return f"{series}-{value:05d}"


def series_for(
    kind: InvoiceKind, issued_on: date, *, prefixes: tuple[str, str] = ("FA", "AV")
) -> str:
    """The series a number is taken from: the kind's prefix (`prefixes` is the organisation's
    (invoices, credit notes), set on its organisation screen) and the year."""
    prefix = prefixes[1] if kind is InvoiceKind.CREDIT_NOTE else prefixes[0]
    return f"{prefix}-{issued_on.year}"


class CreditTooLarge(InvalidInput):
    code = "credit_too_large"


def credit_lines(
    *,
    invoice: InvoiceRecord,
    already_credited: dict[str, int],
    requested: dict[str, int] | None,
) -> list[tuple[str, p.Line]]:
    """The lines of a credit note: `requested` maps line ids to quantities (None = all that
    remains). Refuses a quantity beyond what remains of a line once earlier credit notes count.
    """
    by_id = {record.id: record for record in invoice.lines}
    wanted = requested
    if wanted is None:
        wanted = {
            record.id: abs(record.line.quantity) - already_credited.get(record.id, 0)
            for record in invoice.lines
        }
        wanted = {k: v for k, v in wanted.items() if v > 0}
        if not wanted:
            raise CreditTooLarge(
                f"invoice {invoice.number} is already fully credited",
                errors=(FieldError("lines", "nothing_left", "nothing remains to credit"),),
            )
    out = []
    for line_id, quantity in wanted.items():
        record = by_id.get(line_id)
        if record is None:
            raise InvalidInput(
                "no such line on the invoice",
                errors=(FieldError(f"lines.{line_id}", "unknown", "not a line of this invoice"),),
            )
        remaining = abs(record.line.quantity) - already_credited.get(line_id, 0)
        if quantity <= 0 or quantity > remaining:
            raise CreditTooLarge(
                f"the credit note would credit {quantity} on a line where {remaining} remain",
                errors=(
                    FieldError(f"lines.{line_id}", "too_large", f"between 1 and {remaining}"),
                ),
            )
        sign = -1 if record.line.quantity < 0 else 1
        line = record.line
        out.append(
            (
                line_id,
                p.Line(
                    key=line.key,
                    kind=line.kind,
                    label=line.label,
                    quantity=sign * quantity,
                    unit=line.unit,
                    unit_price_cents=line.unit_price_cents,
                    vat_rate_bp=line.vat_rate_bp,
                    description=f"Avoir sur {invoice.number} : {line.description}".strip(" :"),
                ),
            )
        )
    return out
