"""The team board of a month: where each consultant's CRA stands, and what blocks the close.

A manager closes a month when every CRA of their team is validated (or signed): until then the
board says, per consultant, how far the month is filled, which working days hold only half a
day, and on whom it waits — the consultant (not started, draft, sent back) or an approver (in
the circuit). A consultant who never opened the month has no CRA row at all: they are on the
board as ``not_started``, the case a list of stored months hides.

Pure: the service hands in the stored facts, these rules name the state.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, get_args

from server.domain.reminders import REMINDER
from sync.months import MonthStatus

BoardStatus = Literal[
    "not_started", "draft", "submitted", "in_validation", "validated", "signed", "sent_back"
]
"""A consultant's month on the board: `NOT_STARTED`, then each `MonthStatus` in its order
(`tests/server/test_team_board.py` holds the two lists together)."""

WaitsOn = Literal["consultant", "approver"]

NOT_STARTED: Final = "not_started"
"""The board's status of a consultant with no CRA for the month."""

STATUSES: tuple[BoardStatus, ...] = get_args(BoardStatus)
"""Every status the board shows, in the order of the month's life."""

CLOSED = frozenset({MonthStatus.VALIDATED.value, MonthStatus.SIGNED.value})
"""A month in one of these no longer blocks the close: it can be invoiced."""

_ON_CONSULTANT = frozenset({NOT_STARTED, MonthStatus.DRAFT.value, MonthStatus.SENT_BACK.value})


def board_status(stored: str | None) -> BoardStatus:
    """The board's status of a month stored with status ``stored`` (None: no CRA yet).

    Raises:
        ValueError: ``stored`` is not a month status.
    """
    status = NOT_STARTED if stored is None else stored
    if status not in STATUSES:
        raise ValueError(f"not a month status: {stored!r}")
    return status


def waits_on(status: str) -> WaitsOn | None:
    """Whose move it is: ``consultant``, ``approver``, or None once the month is closed."""
    if status in CLOSED:
        return None
    return "consultant" if status in _ON_CONSULTANT else "approver"


def blocks_close(status: str) -> bool:
    """True while the month is not validated nor signed."""
    return status not in CLOSED


def can_remind(status: str) -> bool:
    """A reminder is for a consultant whose move it is: not started, draft or sent back."""
    return waits_on(status) == "consultant"


def reminder_occurrence(local_day: date) -> str:
    """The outbox occurrence of a manager's reminder: one per consultant, month and local day,
    so a second tap the same day finds the first one's key and is refused (rate limit)."""
    return f"{REMINDER}.{local_day.isoformat()}"


@dataclass(frozen=True)
class Member:
    """One consultant's month on the board.

    Attributes:
        status: A `MonthStatus` value, or `NOT_STARTED`.
        working_days: Working days of the month in the consultant's calendar.
        days_filled: Working days holding anything (a mission, an absence), half or whole.
        half_days: Working days holding only half a day.
        waiting_on_id: The approver the CRA waits on, while in validation.
        version: The CRA's version (0 when not started).
        clients: Names of the clients of the missions running that month (the board filters
            by client).
    """

    consultant_id: str
    name: str
    status: BoardStatus
    working_days: int
    days_filled: int
    half_days: int
    waiting_on_id: str | None
    waiting_on_name: str | None
    version: int
    clients: tuple[str, ...] = ()

    @property
    def waits_on(self) -> WaitsOn | None:
        return waits_on(self.status)


@dataclass(frozen=True)
class Board:
    """The month's board: its members, how many are in each status, how many block."""

    month: str
    members: tuple[Member, ...]
    counts: dict[BoardStatus, int]
    blocking: int


def board(*, month: str, members: Iterable[Member]) -> Board:
    """The board of `members`, sorted: those blocking the close first, then by name."""
    ordered = tuple(
        sorted(members, key=lambda m: (not blocks_close(m.status), m.name.casefold(), m.name))
    )
    counted = Counter(m.status for m in ordered)
    return Board(
        month=month,
        members=ordered,
        counts={status: counted.get(status, 0) for status in STATUSES},
        blocking=sum(1 for m in ordered if blocks_close(m.status)),
    )
