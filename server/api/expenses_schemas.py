"""Wire schemas of consultants' expenses (amounts in cents, rates in basis points)."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from server.api.schemas import Id, IsoDate, StrictBool, Wire
from sync.wire import Count, Printable, SafeInt, SmallCount, Whole

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
CategoryName = Literal[
    "meal", "train", "hotel", "taxi", "mileage", "other", "mileage_motorcycle", "mileage_moped"
]


class VatLineIn(Wire):
    rate_bp: Annotated[int, Whole(ge=0, le=10_000)] = Field(
        description="2000, 1000, 550, 210 or 0."
    )
    gross_cents: Annotated[int, Whole(ge=1, le=10_000_000)] = Field(
        description="The amount tax included for that rate, as the receipt prints it."
    )


class ExpenseLineIn(Wire):
    spent_on: IsoDate
    mission_id: UUID | None = Field(default=None, description="None: an internal expense.")
    category: CategoryName
    vat_lines: Annotated[list[VatLineIn], Field(max_length=5)] = []
    distance_km: Annotated[int, Whole(ge=1, le=100_000)] | None = None
    fiscal_power: Annotated[int, Whole(ge=1, le=99)] | None = None
    electric: StrictBool = False
    comment: Annotated[str, StringConstraints(max_length=500), Printable] = ""
    receipts: Annotated[list[Sha256], Field(max_length=10)] = []


class VatLineOut(Wire):
    rate_bp: SmallCount
    gross_cents: SafeInt
    net_cents: SafeInt
    vat_cents: SafeInt


class ExpenseLineOut(Wire):
    id: Id
    consultant_id: Id
    consultant_name: str = ""
    month: str
    spent_on: date
    mission_id: Id | None
    category: str
    vat_lines: list[VatLineOut]
    gross_cents: SafeInt
    net_cents: SafeInt
    vat_cents: SafeInt
    distance_km: SmallCount | None
    fiscal_power: SmallCount | None
    electric: bool
    comment: str
    receipts: list[str]
    status: Literal["draft", "submitted", "approved", "refused"]
    refusal_reason: str
    decided_at: datetime | None
    rebilled: bool


class ExpenseReportOut(Wire):
    month: str
    lines: list[ExpenseLineOut]
    gross_cents: SafeInt
    approved_cents: SafeInt
    circuit: Literal["own", "month"] = Field(
        "own",
        description="The firm's expense circuit: own (the consultant submits the lines), or "
        "month (the drafts leave with the CRA's submission).",
    )
    goes_with_the_month: StrictBool = Field(
        False,
        description="The drafts wait for the CRA's submission: the consultant does not submit "
        "them (month circuit, CRA not handed in yet).",
    )


class DecisionIn(Wire):
    approve: StrictBool
    reason: Annotated[str, StringConstraints(max_length=500), Printable] = ""


class SubmittedOut(Wire):
    submitted: Count


class ReceiptOut(Wire):
    sha256: str
    stored: bool = Field(description="False when this person already held it (a retry).")


class ExpensePolicyIn(Wire):
    rebill: StrictBool
    margin_bp: Annotated[int, Whole(ge=0, le=10_000)] = 0


class ExpensePolicyOut(Wire):
    rebill: bool
    margin_bp: SmallCount


class ExpenseCircuitIO(Wire):
    """The firm's setting: how expense reports are approved (docs/expenses.md)."""

    expense_circuit: Literal["own", "month"] = Field(
        description="own: the expense report has its own circuit (consultant, then manager); "
        "month: it is submitted, approved and sent back with the CRA's month."
    )
