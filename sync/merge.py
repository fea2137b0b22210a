"""The merge rule: what the server does with one mutation, and what the phone shows meanwhile.

Acceptance is decided by the month's state at apply time, never by client timestamps (a wrong
clock must not backdate an edit into a signed month); among accepted writes to one day the larger
hybrid-logical-clock stamp wins and an equal stamp never wins, so replays are no-ops
(sync-protocol.md §3.6, §3.7). A fill (a prefilled day) is the one exception to "the larger stamp
wins": it stands down before lines its device had not seen (§3.6.1). The PWA mirrors this module
(``pwa/js/core/merge.js``); shared vectors pin both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sync.errors import InvalidDay
from sync.hlc import Hlc, InvalidClock, clamp
from sync.months import MonthKey, MonthStatus, is_editable
from sync.rules import Day, DayLine, MissionTerms, validate_day

Status = Literal["applied", "superseded", "rejected"]


@dataclass(frozen=True)
class MonthFacts:
    """What the merge needs to know of a month: its status and its reopening epoch."""

    status: MonthStatus = MonthStatus.DRAFT
    epoch: int = 0


@dataclass(frozen=True)
class StoredDay:
    """A day as the server holds it."""

    day: Day
    hlc: Hlc
    version: int
    by_client: str


@dataclass(frozen=True)
class SetDay:
    """An incoming ``set_day`` mutation, already parsed.

    ``fill`` marks a write that only fills a day its device saw empty at ``base_v`` (the app's
    prefill): it never replaces lines the device had not seen (sync-protocol.md §3.6.1).
    """

    date: dt.date
    epoch: int
    lines: tuple[DayLine, ...]
    comment: str
    hlc: str
    base_v: int
    fill: bool = False


def new_set_day(
    *,
    date: dt.date,
    epoch: int,
    lines: tuple[DayLine, ...],
    comment: str,
    hlc: str,
    base_v: int,
    fill: bool = False,
) -> SetDay:
    """What ``SetDay(...)`` builds with these fields, at about half the cost (a push builds one
    per day): a frozen dataclass's __init__ sets each of its seven fields through
    ``object.__setattr__``, this fills the new object's __dict__ in one call (SetDay has no
    __post_init__; a test keeps the two equal field for field)."""
    incoming = object.__new__(SetDay)
    incoming.__dict__.update(
        date=date, epoch=epoch, lines=lines, comment=comment, hlc=hlc, base_v=base_v, fill=fill
    )
    return incoming


@dataclass(frozen=True)
class Verdict:
    """The outcome of one mutation. ``day`` and ``hlc`` are what to store when applied."""

    status: Status
    reason: str | None = None
    detail: str | None = None
    day: Day | None = None
    hlc: Hlc | None = None
    overwrote_unseen: bool = False


def _rejected(reason: str, detail: str) -> Verdict:
    return Verdict(status="rejected", reason=reason, detail=detail)


def decide_set_day(
    *,
    incoming: SetDay,
    facts: MonthFacts,
    stored: StoredDay | None,
    missions: Mapping[str, MissionTerms],
    client_id: str,
    now_ms: int,
) -> Verdict:
    """Decide one ``set_day`` against the server's current state.

    Order matters: the lock and the epoch are checked before anything about the value, so a
    locked month says "locked" whatever was typed; then the clock and the value, so a malformed
    write is refused whatever is stored. Then, for a fill only: if the stored day is *unseen*
    (another device or the server wrote it at a version above the fill's ``base_v``) and holds
    lines, the fill is ``superseded`` and the stored day stands, whatever the stamps say: the
    device prefilled a day it believed empty, and it was not (an approved leave, a laptop's
    edit). An unseen day without lines (emptied since) is still empty, so the fill goes on.
    Last, the stamps: the larger one wins, an equal one never does (sync-protocol.md §3.6).
    """
    month = MonthKey.of(incoming.date)
    if not is_editable(facts.status):
        return _rejected("month_locked", f"the CRA of {month} is {facts.status.value}")
    if incoming.epoch != facts.epoch:
        return _rejected(
            "epoch_changed",
            f"the CRA of {month} was reopened (epoch {facts.epoch}, edit from {incoming.epoch})",
        )
    try:
        stamp = Hlc.parse(incoming.hlc)
    except InvalidClock as error:
        return _rejected("invalid_clock", str(error))
    try:
        day = validate_day(
            month=month,
            date=incoming.date,
            lines=incoming.lines,
            comment=incoming.comment,
            missions=missions,
        )
    except InvalidDay as error:
        first = error.violations[0]
        return _rejected(f"invalid:{first.code}", str(error))
    # The device had not seen the stored value: another device (or the server) wrote it at a
    # version above the one this write was based on.
    unseen = (
        stored is not None and stored.by_client != client_id and stored.version > incoming.base_v
    )
    if incoming.fill and unseen and stored is not None and stored.day.lines:
        return Verdict(
            status="superseded",
            detail="a prefill fills only an empty day: this day was filled since the device "
            "last synced",
        )
    stamp = clamp(stamp=stamp, now_ms=now_ms, above=stored.hlc if stored else None)
    if stored is not None and stored.hlc >= stamp:
        return Verdict(status="superseded", detail="a later edit of this day is already stored")
    overwrote = (
        unseen
        and stored is not None
        and (stored.day.lines, stored.day.comment) != (day.lines, day.comment)
    )
    return _applied(day=day, hlc=stamp, overwrote_unseen=overwrote)


def _applied(*, day: Day, hlc: Hlc, overwrote_unseen: bool) -> Verdict:
    # What ``Verdict(status="applied", day=..., hlc=..., overwrote_unseen=...)`` builds, at half
    # the cost (one per day a push applies): a frozen dataclass's __init__ sets each field
    # through object.__setattr__, this fills the new verdict's __dict__ in one call (Verdict
    # has no __post_init__; a test keeps the two equal field for field).
    verdict = object.__new__(Verdict)
    verdict.__dict__.update(
        status="applied",
        reason=None,
        detail=None,
        day=day,
        hlc=hlc,
        overwrote_unseen=overwrote_unseen,
    )
    return verdict


def decide_submit(
    *, facts: MonthFacts, epoch: int, reviewed_version: int, latest_foreign_version: int
) -> Verdict:
    """Decide a ``submit_month``: only an editable month, as the consultant last reviewed it.

    ``latest_foreign_version`` is the highest version at which another device changed a day of
    the month: if it is above what the consultant reviewed, they have not seen those edits.
    """
    if not is_editable(facts.status):
        return _rejected("not_draft", f"the CRA is already {facts.status.value}")
    if epoch != facts.epoch:
        return _rejected("epoch_changed", "the CRA was reopened since this submission was made")
    if latest_foreign_version > reviewed_version:
        return _rejected(
            "changed_since_review",
            f"another device changed this month at version {latest_foreign_version}, after "
            f"the version {reviewed_version} you reviewed",
        )
    return Verdict(status="applied")


# -- client side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingSetDay:
    """A queued day edit on the phone."""

    id: int
    date: str
    epoch: int
    lines: tuple[tuple[str, int], ...]
    comment: str


@dataclass(frozen=True)
class PendingSubmit:
    """A queued submission on the phone."""

    id: int
    month: str
    epoch: int


@dataclass(frozen=True)
class DayValue:
    lines: tuple[tuple[str, int], ...]
    comment: str


@dataclass(frozen=True)
class View:
    """What the phone shows: confirmed state with the pending edits that can still apply."""

    days: dict[str, DayValue] = field(default_factory=dict)
    pending_dates: frozenset[str] = frozenset()
    blocked_ids: frozenset[int] = frozenset()
    submitting: frozenset[str] = frozenset()


def rebase(
    *,
    days: Mapping[str, DayValue],
    months: Mapping[str, MonthFacts],
    pending: Sequence[PendingSetDay | PendingSubmit],
) -> View:
    """Lay pending edits, in queue order, over the confirmed days.

    An edit whose month is locked, submitted earlier in the queue, or reopened since is not
    shown as the day's value (the server will reject it); its id goes to ``blocked_ids`` so the
    app can keep and show it.
    """
    shown = dict(days)
    pending_dates: set[str] = set()
    blocked: set[int] = set()
    submitting: set[str] = set()
    for mutation in pending:
        if isinstance(mutation, PendingSubmit):
            facts = months.get(mutation.month, MonthFacts())
            editable = is_editable(facts.status) and mutation.month not in submitting
            if editable and facts.epoch == mutation.epoch:
                submitting.add(mutation.month)
            else:
                blocked.add(mutation.id)
            continue
        month = mutation.date[:7]
        facts = months.get(month, MonthFacts())
        # After a queued submission of its month, an edit will find the month locked.
        locked = not is_editable(facts.status) or month in submitting
        if locked or facts.epoch != mutation.epoch:
            blocked.add(mutation.id)
            continue
        shown[mutation.date] = DayValue(lines=mutation.lines, comment=mutation.comment)
        pending_dates.add(mutation.date)
    return View(
        days=shown,
        pending_dates=frozenset(pending_dates),
        blocked_ids=frozenset(blocked),
        submitting=frozenset(submitting),
    )
