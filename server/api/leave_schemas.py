"""Wire schemas of leave (docs/leave.md): requests, decisions, balances, adjustments, policy."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from server.api.schemas import Id, IsoDate, StrictBool, Wire
from server.domain.model import LeaveStatus
from sync.wire import Count, Printable, SmallInt, Whole

Comment = Annotated[str, Printable, StringConstraints(max_length=500)]
RequestKind = Literal["CP", "RTT", "sans_solde"]
BalanceKind = Literal["CP", "RTT"]


class LeaveRequestIn(Wire):
    """A request; ``id`` is chosen by the phone (a lower-case UUID), so a request queued offline
    keeps its id and sending it twice stores it once."""

    id: UUID
    kind: RequestKind
    first_day: IsoDate
    last_day: IsoDate
    first_afternoon: StrictBool = Field(default=False, description="Starts at noon.")
    last_morning: StrictBool = Field(default=False, description="Ends at noon.")
    comment: Comment = ""


class LeaveRefuseIn(Wire):
    reason: Comment = Field(description="Why: shown to the consultant; blank is refused.")


class LeaveRequestOut(Wire):
    id: Id
    consultant_id: Id
    consultant_name: str
    kind: str
    first_day: date
    last_day: date
    first_afternoon: bool
    last_morning: bool
    comment: str
    status: LeaveStatus
    reason: str
    cost: Count = Field(description="Half-days it takes from the balance.")
    filled_days: Count = Field(description="CRA days its approval filled.")
    created_at: datetime
    decided_at: datetime | None


class LeaveBalanceOut(Wire):
    """One type's balance in half-days; ``remaining`` is null for types without one."""

    kind: str
    acquired: SmallInt
    taken: SmallInt
    planned: SmallInt
    pending: SmallInt
    remaining: SmallInt | None
    lost: SmallInt = Field(
        default=0, description="Paid leave lost (end of a taking period or of a carry-over)."
    )


class LeavePolicyIO(Wire):
    """The firm's leave policy (sync/leave.py LeavePolicy)."""

    unit: Literal["ouvres", "ouvrables"] = "ouvres"
    period_month: Annotated[int, Whole(ge=1, le=12)] = 6
    period_day: Annotated[int, Whole(ge=1, le=31)] = 1
    rtt_mode: Literal["none", "fixed", "per_week"] = "none"
    rtt_half_days_per_year: Annotated[int, Whole(ge=0, le=732)] = 0
    rtt_weekly_minutes: Annotated[int, Whole(ge=2100, le=2880)] = 2100
    rtt_year_month: Annotated[int, Whole(ge=1, le=12)] = 1


class LeaveAdjustmentView(Wire):
    """An opening balance or adjustment already recorded, with who made it and why."""

    id: Id
    kind: str
    opening: bool
    on_day: date
    half_days: SmallInt = Field(description="Half-days: the opening amount, or what it adds.")
    reason: str
    author_name: str
    created_at: datetime
    notice: bool = Field(
        default=False,
        description="Not an amount: on_day the person was informed of their carried leave.",
    )


class LeaveOut(Wire):
    balances: list[LeaveBalanceOut]
    requests: list[LeaveRequestOut]
    policy: LeavePolicyIO
    period_start: date
    period_end: date
    adjustments: list[LeaveAdjustmentView] = Field(
        default_factory=list, description="Opening balances and adjustments, newest first."
    )
    periods: list["LeavePeriodOut"] = Field(
        default_factory=list,
        description="Paid leave per reference period, oldest first: taken, carried, lost.",
    )


class LeaveTeamOut(Wire):
    requests: list[LeaveRequestOut]


class LeaveAdjustmentIn(Wire):
    """An opening balance (counting starts ``on_day`` from ``half_days``) or an adjustment."""

    kind: BalanceKind
    opening: StrictBool = False
    on_day: IsoDate
    half_days: Annotated[int, Whole(ge=-2000, le=2000)]
    reason: Annotated[str, Printable, StringConstraints(min_length=1, max_length=500)]


class LeaveAdjustmentOut(Wire):
    id: Id


class LeavePeriodOut(Wire):
    """One reference period's paid leave in half-days (sync/leave.py PeriodLedger):
    ``acquired + adjusted = taken + planned + lost + remaining``."""

    reference_start: date
    reference_end: date
    taking_end: date = Field(description="Last day of its taking period.")
    acquired: SmallInt
    adjusted: SmallInt
    taken: SmallInt
    planned: SmallInt
    carried: SmallInt = Field(description="Kept past the taking period after a sickness.")
    deadline: date | None = Field(
        description="Last day to take the carried leave; null before the person is informed."
    )
    lost: SmallInt
    remaining: SmallInt


class LeaveCarryNoticeIn(Wire):
    """The day the employer informed the person, after their return from sick leave, of the
    paid leave they keep and its deadline (C. trav. L3141-19-3), with a reason."""

    informed_on: IsoDate
    reason: Annotated[str, Printable, StringConstraints(min_length=1, max_length=500)]


LeaveOut.model_rebuild()
