"""Wire shapes of ``POST /api/v1/sync``: push and pull in one round trip (sync-protocol.md §3.3).

The request is parsed in two steps on purpose: the envelope strictly (a bad envelope is a 4xx),
each mutation's ``args`` only when that mutation is applied, so one malformed mutation becomes a
per-mutation rejection and never blocks the rest of the queue.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

PROTOCOL_VERSION: Final = 1
MAX_MUTATIONS: Final = 100
DEFAULT_PAGE: Final = 500
MAX_PAGE: Final = 2000

MutationStatus = Literal["applied", "superseded", "rejected"]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _whole_number(value: object) -> object:
    # Checked before pydantic's own coercion: the web framework validates with strict=False,
    # which would otherwise accept "2", 2.0 and true as integers.
    if type(value) is not int:
        msg = "must be a whole number"
        raise ValueError(msg)
    return value


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        msg = "must not contain control characters"
        raise ValueError(msg)
    return value


StrictInt = Annotated[int, BeforeValidator(_whole_number)]
Text = Annotated[str, AfterValidator(_printable)]


Uuid = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
# ASCII digits only: \d would match any Unicode digit, which date.fromisoformat then refuses.
IsoDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
IsoMonth = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$")]


class Cookie(Wire):
    """The pull cursor: opaque to the client, which stores and echoes it.

    ``sid`` names the database (a restored or replaced one forces a full resync), ``v`` is the
    consultant's version fully received, ``after`` the ``[version, date]`` of the last row of a
    partial page.
    """

    sid: Annotated[Text, StringConstraints(min_length=1, max_length=64)]
    v: Annotated[StrictInt, Field(ge=0)]
    after: tuple[StrictInt, IsoDate] | None = None


class Mutation(Wire):
    id: Annotated[StrictInt, Field(ge=1, le=2**53)]
    name: Annotated[Text, StringConstraints(min_length=1, max_length=40)]
    args: dict[str, Any]


class SyncRequest(Wire):
    protocol: StrictInt = Field(description=f"Must be {PROTOCOL_VERSION}.")
    client_id: Uuid = Field(description="One per app install (IndexedDB), lower-case UUID.")
    cookie: Cookie | None = None
    ack_through: Annotated[StrictInt, Field(ge=0)] = 0
    mutations: Annotated[list[Mutation], Field(max_length=MAX_MUTATIONS)] = Field(
        default_factory=list
    )
    limit: Annotated[StrictInt, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class LineValue(Wire):
    line: Annotated[Text, StringConstraints(min_length=1, max_length=80)]
    half_days: StrictInt


class SetDayArgs(Wire):
    """``set_day``: replace one whole day; ``base_v`` is the version the device last saw."""

    date: IsoDate
    epoch: Annotated[StrictInt, Field(ge=0)]
    lines: Annotated[list[LineValue], Field(max_length=8)]
    comment: Annotated[Text, StringConstraints(max_length=2000)] = ""
    hlc: Annotated[Text, StringConstraints(max_length=80)]
    base_v: Annotated[StrictInt, Field(ge=0)] = 0


class SubmitMonthArgs(Wire):
    """``submit_month``: submit the month as reviewed at ``reviewed_version``."""

    month: IsoMonth
    epoch: Annotated[StrictInt, Field(ge=0)]
    reviewed_version: Annotated[StrictInt, Field(ge=0)]


class ApproveMonthArgs(Wire):
    """``approve_month``: the current step's approver approves another person's month, as they
    read it at ``version`` (refused with ``version_changed`` if it changed since)."""

    consultant_id: Uuid
    month: IsoMonth
    version: Annotated[StrictInt, Field(ge=0)]


class SendBackMonthArgs(Wire):
    """``send_back_month``: the current step's approver returns the month with a comment (a
    blank one is refused, and the refusal recorded, by the server)."""

    consultant_id: Uuid
    month: IsoMonth
    version: Annotated[StrictInt, Field(ge=0)]
    comment: Annotated[Text, StringConstraints(max_length=2000)] = ""


class DayState(Wire):
    date: IsoDate
    lines: list[LineValue]
    comment: str
    hlc: str
    version: int
    by_client: str = Field(description="Client id of the last writer, or 'server'.")


class MonthState(Wire):
    month: IsoMonth
    status: str
    epoch: int
    version: int


class Overwrite(Wire):
    """A day value replaced by a device that had not seen it ("changed on another device")."""

    date: IsoDate
    lost: DayState
    by_client: str
    version: int


class MutationResult(Wire):
    id: int
    status: MutationStatus
    reason: str | None = None
    detail: str | None = None
    hlc: str | None = Field(default=None, description="The stamp stored (after clamping).")
    month: MonthState | None = None
    current: DayState | None = None


class SyncResponse(Wire):
    protocol: int = PROTOCOL_VERSION
    last_mutation_id: int
    results: list[MutationResult]
    reset: bool
    cookie: Cookie
    has_more: bool
    days: list[DayState]
    months: list[MonthState]
    overwrites: list[Overwrite]
    server_hlc: str
    server_time_ms: int
