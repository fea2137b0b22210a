"""Wire schemas of people's data rights (docs/privacy.md): erasure answers, retention periods."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from server.api.schemas import Id, StrictBool, Wire
from sync.wire import Whole

Kind = Literal[
    "sessions",
    "ceremonies",
    "outbox",
    "receipts_unused",
    "receipts_not_rebilled",
    "departed_people",
]
Days = Annotated[int, Whole(ge=0, le=36_600)]


class ErasureIn(Wire):
    confirm: StrictBool = Field(
        default=False, description="True once the administrator confirmed: it cannot be undone."
    )


class ErasureItemOut(Wire):
    item: str = Field(description="The kind of data, e.g. `sessions`, `invoices`.")
    outcome: Literal["erased", "pseudonymised", "revoked", "kept"]
    count: Annotated[int, Whole(ge=0)]
    reason: str = Field(description="What was done, or the legal obligation to keep it.")


class ErasureOut(Wire):
    person_id: Id
    erased_at: datetime
    items: list[ErasureItemOut]


class RetentionPeriodOut(Wire):
    kind: Kind
    days: Days
    default_days: Days
    minimum_days: Days = Field(description="The legal floor: a shorter period is refused.")
    counted_from: str
    source: str = Field(description="The law behind the floor.")


class RetentionOut(Wire):
    periods: list[RetentionPeriodOut]


class RetentionIn(Wire):
    periods: dict[Kind, Days] = Field(description="The periods to change, in days, by kind.")
