"""Wire shapes of ``POST /api/v1/sync``: push and pull in one round trip (sync-protocol.md §3.3).

Protocol 2 (sync-protocol.md §3.3.1): a push's answer does not send the device back what it has
just written (an applied ``set_day`` result carries the ``version`` its day was stored at, and the
device writes its own queued value at that version); the months and overwrites of a pull come once,
with its last page.

The request is parsed in two steps on purpose: the envelope strictly (a bad envelope is a 4xx),
each mutation's ``args`` only when that mutation is applied, so one malformed mutation becomes a
per-mutation rejection and never blocks the rest of the queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from sync.errors import InvalidMonth
from sync.months import MonthKey
from sync.wire import Count, Printable, SafeInt, SmallCount, SmallInt, Whole

PROTOCOL_VERSION: Final = 2
MAX_MUTATIONS: Final = 100
DEFAULT_PAGE: Final = 500
MAX_PAGE: Final = 2000

MutationStatus = Literal["applied", "superseded", "rejected"]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Text is ``Annotated[str, StringConstraints(...), Printable]``: with the lengths before
# `Printable`, pydantic-core checks them itself, not a Python function per field and value (a
# push is thousands of them: docs/benchmarks.md, issue 12).

Uuid = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
# ASCII digits only: \d would match any Unicode digit, which date.fromisoformat then refuses.
IsoDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
IsoMonth = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$")]


def _day_of_a_month(value: str) -> str:
    """A date a CRA can hold: a real calendar day of a year `MonthKey` accepts."""
    try:
        MonthKey.of(dt.date.fromisoformat(value))
    except (ValueError, InvalidMonth):
        raise PydanticCustomError(
            "date", "must be a calendar date (YYYY-MM-DD) of a year 1900-2999"
        ) from None
    return value


CursorDate = Annotated[IsoDate, AfterValidator(_day_of_a_month)]


class Cookie(Wire):
    """The pull cursor: opaque to the client, which stores and echoes it.

    ``sid`` names the database (a restored or replaced one forces a full resync), ``v`` is the
    consultant's version fully received, ``after`` the ``[version, date]`` of the last row of a
    partial page.
    """

    sid: Annotated[str, StringConstraints(min_length=1, max_length=64), Printable]
    v: Count
    after: tuple[Count, CursorDate] | None = None


@dataclass(frozen=True)
class _JsonObject:
    """Annotate ``dict[str, Any]`` with it: the object decoded from the body is kept as it is,
    not copied key by key. A JSON object's keys are strings, so the copy checked nothing; the
    refusal of anything else is the copy's, ``dict_type`` "Input should be a valid dictionary".
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.custom_error_schema(
            core_schema.is_instance_schema(dict), custom_error_type="dict_type"
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(core_schema.dict_schema(core_schema.str_schema(), core_schema.any_schema()))


class Mutation(Wire):
    id: Annotated[int, Whole(ge=1)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=40), Printable]
    args: Annotated[dict[str, Any], _JsonObject()]
    """Checked when the mutation is run (`SetDayArgs`...): a malformed one is its rejection."""


class SyncRequest(Wire):
    protocol: SafeInt = Field(description=f"Must be {PROTOCOL_VERSION}.")
    client_id: Uuid = Field(description="One per app install (IndexedDB), lower-case UUID.")
    cookie: Cookie | None = None
    ack_through: Count = 0
    mutations: Annotated[list[Mutation], Field(max_length=MAX_MUTATIONS)] = Field(
        default_factory=list
    )
    limit: Annotated[int, Whole(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class LineValue(Wire):
    line: Annotated[str, StringConstraints(min_length=1, max_length=80), Printable]
    half_days: SmallInt = Field(description="1 = half a day, 2 = a full day (sync/rules.py).")


class SetDayArgs(Wire):
    """``set_day``: replace one whole day; ``base_v`` is the version the device last saw.

    ``fill`` (optional, protocol 2 unchanged: sync-protocol.md §3.6.1): the write only fills a
    day the device saw empty at ``base_v``; it stands down before lines the device had not seen.
    """

    date: IsoDate
    epoch: SmallCount
    lines: Annotated[list[LineValue], Field(max_length=8)]
    comment: Annotated[str, StringConstraints(max_length=2000), Printable] = ""
    hlc: Annotated[str, StringConstraints(max_length=80), Printable]
    base_v: Count = 0
    fill: Annotated[bool, Field(strict=True)] = False


class SubmitMonthArgs(Wire):
    """``submit_month``: submit the month as reviewed at ``reviewed_version``."""

    month: IsoMonth
    epoch: SmallCount
    reviewed_version: Count


class WithdrawMonthArgs(Wire):
    """``withdraw_month``: the consultant takes their submitted month back to draft, as they read
    it at ``version``, while nobody has acted on it (refused with ``already_reviewed`` after the
    first approval, ``version_changed`` if it moved since)."""

    month: IsoMonth
    version: Count


class ApproveMonthArgs(Wire):
    """``approve_month``: the current step's approver approves another person's month, as they
    read it at ``version`` (refused with ``version_changed`` if it changed since)."""

    consultant_id: Uuid
    month: IsoMonth
    version: Count


class SendBackMonthArgs(Wire):
    """``send_back_month``: the current step's approver returns the month with a comment (a
    blank one is refused, and the refusal recorded, by the server)."""

    consultant_id: Uuid
    month: IsoMonth
    version: Count
    comment: Annotated[str, StringConstraints(max_length=2000), Printable] = ""


class DayState(Wire):
    date: IsoDate
    lines: list[LineValue]
    comment: str
    hlc: str
    version: Count
    by_client: str = Field(description="Client id of the last writer, or 'server'.")


class MonthState(Wire):
    month: IsoMonth
    status: str
    epoch: SmallCount
    version: Count


class Overwrite(Wire):
    """A day value replaced by a device that had not seen it ("changed on another device")."""

    date: IsoDate
    lost: DayState
    by_client: str
    version: Count


def _absent(value: object) -> bool:
    return value is None


Absent = Field(default=None, exclude_if=_absent)
"""An optional field left out of the JSON when it has no value: a result names only what it
has (an applied day is ``{id, status, hlc, version}``, not four more ``null``; protocol 2)."""


class MutationResult(Wire):
    id: Count
    status: MutationStatus
    reason: str | None = Absent
    detail: str | None = Absent
    hlc: str | None = Field(
        default=None, exclude_if=_absent, description="The stamp stored (after clamping)."
    )
    version: Count | None = Field(
        default=None,
        exclude_if=_absent,
        description="An applied set_day: the version its day was stored at. The device stores "
        "its own queued value at this version; the pull does not send that day back.",
    )
    month: MonthState | None = Absent
    current: DayState | None = Absent


class SyncResponse(Wire):
    """``days`` leave out what the results already tell the device (its own applied writes, a
    superseded write's ``current``); ``months`` and ``overwrites`` come with the last page only
    (``has_more`` false), whatever the number of pages (sync-protocol.md §3.3.1)."""

    protocol: SafeInt = PROTOCOL_VERSION
    last_mutation_id: Count
    results: list[MutationResult]
    reset: bool
    cookie: Cookie
    has_more: bool
    days: list[DayState]
    months: list[MonthState]
    overwrites: list[Overwrite]
    server_hlc: str
    server_time_ms: Count


class RequestLeaveArgs(Wire):
    """``request_leave``: the consultant asks for leave (docs/leave.md); ``id`` is chosen by the
    phone, so the request keeps it from the queue to the server and can be cancelled by it."""

    id: Uuid
    kind: Annotated[str, StringConstraints(min_length=1, max_length=20), Printable]
    first_day: IsoDate
    last_day: IsoDate
    first_afternoon: bool = False
    last_morning: bool = False
    comment: Annotated[str, StringConstraints(max_length=500), Printable] = ""


class CancelLeaveArgs(Wire):
    """``cancel_leave``: the consultant cancels their request ``id``."""

    id: Uuid


class VatAmount(Wire):
    """One VAT rate of a receipt and its amount tax included (sync/expenses.py)."""

    rate_bp: Annotated[int, Whole(ge=0, le=10_000)]
    gross_cents: Annotated[int, Whole(ge=1, le=10_000_000)]


Sha256Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class ExpenseLineArgs(Wire):
    """An expense line as the phone queues it: what ``POST``/``PUT /expense-lines`` take."""

    id: Uuid
    spent_on: IsoDate
    mission_id: Uuid | None = None
    category: Annotated[str, StringConstraints(min_length=1, max_length=20), Printable]
    vat_lines: Annotated[list[VatAmount], Field(max_length=5)] = []
    distance_km: Annotated[int, Whole(ge=1, le=100_000)] | None = None
    fiscal_power: Annotated[int, Whole(ge=1, le=99)] | None = None
    electric: bool = False
    comment: Annotated[str, StringConstraints(max_length=500), Printable] = ""
    receipts: Annotated[list[Sha256Id], Field(max_length=10)] = []


class FileExpenseArgs(ExpenseLineArgs):
    """``file_expense``: the consultant files an expense line, as ``POST /expense-lines`` does
    (docs/expenses.md), perhaps typed offline. ``id`` is chosen by the phone, so a line is
    filed once however often the batch is sent. The phone uploads the receipts named here
    (``PUT /receipts/{sha256}``) before it sends this mutation."""


class EditExpenseArgs(ExpenseLineArgs):
    """``edit_expense``: the consultant replaces their line ``id`` (a draft, or a refused line,
    which becomes a draft again), as ``PUT /expense-lines/{id}`` does, perhaps offline. Refused
    with the server's reason (e.g. ``already_submitted``) once the line has left their hands."""


class DeleteExpenseArgs(Wire):
    """``delete_expense``: the consultant deletes their draft or refused line ``id``, as
    ``DELETE /expense-lines/{id}`` does."""

    id: Uuid


class SubmitExpensesArgs(Wire):
    """``submit_expenses``: the consultant hands in the month's draft lines to their manager,
    as ``POST /expense-reports/{month}/submit`` does (refused with ``no_draft`` when none is
    left)."""

    month: IsoMonth
