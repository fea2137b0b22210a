"""Wire schemas of the invoicing endpoints (amounts in cents, rates in basis points)."""

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from server.api.schemas import Id, IsoDate, StrictBool, Stripped, Wire, stripped
from sync.wire import Printable, SafeInt, SmallCount, Whole

Reason = Annotated[str, StringConstraints(min_length=3, max_length=500), Printable, stripped(3)]
ShortText = Annotated[str, StringConstraints(max_length=200), Printable, Stripped]
Category = Annotated[str, StringConstraints(min_length=1, max_length=40), Printable, stripped(1)]
Cents = Annotated[int, Whole(ge=1, le=10**12)]


class LineOut(Wire):
    id: Id
    position: SmallCount
    key: str
    kind: str
    label: str
    description: str
    quantity: SafeInt
    unit: Literal["half_day", "unit"]
    unit_price_cents: SafeInt
    vat_rate_bp: SafeInt
    net_cents: SafeInt
    credits_line_id: Id | None = Field(
        default=None, description="On a credit note's line: the invoice line it credits."
    )


class PaymentOut(Wire):
    paid_on: date
    amount_cents: SafeInt


class InvoiceOut(Wire):
    id: Id
    kind: Literal["invoice", "credit_note"]
    status: Literal["draft", "issued", "paid"]
    number: str | None
    client_id: Id
    client_name: str
    period_start: date
    period_end: date
    issued_on: date | None
    due_on: date | None
    regime: str
    net_cents: SafeInt
    vat_cents: SafeInt
    gross_cents: SafeInt
    paid_cents: SafeInt
    credits_id: Id | None
    reason: str
    warnings: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    lines: list[LineOut]
    payments: list[PaymentOut] = []
    purchase_order: str = Field(
        default="", description="BT-13: the purchase order of the missions billed."
    )
    buyer_reference: str = Field(
        default="", description="BT-10: the client's buyer reference, taken when issued."
    )


class AdjustmentIn(Wire):
    line_key: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    quantity: Annotated[int, Whole(ge=0, le=100_000)] | None = None
    unit_price_cents: Cents | None = None
    reason: Reason


class DiscountIn(Wire):
    percent_bp: Annotated[int, Whole(ge=1, le=10_000)] | None = None
    amount_cents: Cents | None = None


class LineDiscountIn(Wire):
    line_key: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    percent_bp: Annotated[int, Whole(ge=1, le=10_000)] | None = None
    amount_cents: Cents | None = None
    reason: Reason


class CreditLineIn(Wire):
    line_id: UUID
    quantity: Annotated[int, Whole(ge=1, le=100_000)]


class CreditNoteIn(Wire):
    reason: Reason
    lines: list[CreditLineIn] | None = Field(
        default=None, description="Omit to credit everything that remains."
    )


class PaymentIn(Wire):
    paid_on: IsoDate
    amount_cents: Cents


class ExpenseIn(Wire):
    mission_id: UUID
    spent_on: IsoDate
    category: Category
    label: ShortText = ""
    amount_cents: Cents = Field(description="Net of VAT.")
    vat_cents: Annotated[int, Whole(ge=0, le=10**12)] = 0
    rebill: StrictBool = True
    margin_bp: Annotated[int, Whole(ge=0, le=10_000)] = 0
    vat_rate_bp: Annotated[int, Whole(ge=0, le=10_000)] = 2000
    receipt_name: ShortText = ""
    receipt_type: Annotated[str, StringConstraints(max_length=100), Printable] = ""
    receipt_base64: Annotated[str, StringConstraints(max_length=990_000)] = ""  # body ≤ 1 MB


class Created(Wire):
    id: Id


class DeliveryIn(Wire):
    delivered_on: IsoDate


CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Postcode = Annotated[str, StringConstraints(max_length=10), Printable, Stripped]
City = Annotated[str, StringConstraints(max_length=100), Printable, Stripped]
# An IBAN without spaces, or "" for none (one pattern, not a union: a refusal names `iban`).
Iban = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}[0-9]{2}[A-Z0-9]{10,30})?$")]


class BillingProfileIn(Wire):
    """The seller's invoicing settings (address fields default to the organisation's)."""

    legal_info: ShortText = Field(default="", description="Legal form, capital, RCS.")
    address_line: ShortText = ""
    postcode: Postcode = ""
    city: City = ""
    country_code: CountryCode = "FR"
    iban: Iban = ""
    vat_franchise: StrictBool = False


class BillingProfileOut(Wire):
    """The seller's invoicing settings as stored (the defaults when none were ever set)."""

    legal_info: str
    address_line: str
    postcode: str
    city: str
    country_code: str
    iban: str
    vat_franchise: bool


class ClientBillingIn(Wire):
    """A client's billing identity: structured address, country (EU → reverse charge), terms."""

    address_line: ShortText = ""
    postcode: Postcode = ""
    city: City = ""
    country_code: CountryCode = "FR"
    payment_kind: Literal["net", "end_of_month"] = "net"
    payment_days: Annotated[int, Whole(ge=0, le=60)] = 30
    buyer_reference: Annotated[str, StringConstraints(max_length=100), Printable, Stripped] = ""
