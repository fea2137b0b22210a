"""Which reminders and notifications are due, and when: pure rules, no clock, no storage.

The scheduler (`server/services/notifications.py`) reads the months and settings, asks
`month_reminders` what is due at the current instant and inserts each answer into the outbox
under its idempotency key; inserting the same key twice is a no-op, so the scheduler may run in
any number of processes, any number of times, and restart anywhere.

Rules, each configurable per organisation (`ReminderPolicy`):

- **Month not submitted** (to the consultant, while the month is draft or sent back). Two
  occurrences: ``before_close``, on the working day after which exactly N working days remain in
  the month (N = ``days_before_close``, default 2: for November 2026, whose last working days are
  Thu 26, Fri 27 and Mon 30, it is Thu 26), and ``last_day`` on the month's last working day.
  Working days (jours ouvrés) exclude weekends and the public holidays of the consultant's region
  (`sync.calendar`). With N = 0 the two coincide and only ``last_day`` is sent.
- **Waiting on you** (to whoever the month waits on): ``arrival`` when it reaches them (an event,
  sent at once), then relance k every ``relance_every`` (M) working days, at the send hour, until
  the month moves. Keys carry the epoch and step, so a month sent back and submitted again
  starts a new series.
- **Approved / sent back / signed** (to the consultant): events, sent at once.

Reminders are sent at ``send_hour`` local time in the organisation's ``time_zone`` (zoneinfo, so
daylight-saving changes move the UTC instant, not the local hour). Events are sent when they
happen. Nothing is sent on a weekend or a public holiday unless ``send_on_non_working_days``:
an event on such a day waits for the next working day's send hour.

A reminder superseded by a later one of the same series is not sent (a scheduler that was down
for a week sends the latest relance, not every missed one). Each notification carries an expiry
after which the outbox drops it instead of sending stale news: the next occurrence of its series,
or a fixed delay for events.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.domain.errors import FieldError, InvalidInput
from sync.calendar import CalendarRegion, is_working_day, working_days
from sync.months import MonthKey, MonthStatus

EVENT_LIFETIME = timedelta(days=7)
"""How long an event notification (approved, sent back, signed, arrival) stays worth sending."""

MONTH_REMINDER_GRACE = timedelta(days=7)
"""How long after the month's end a last-day reminder is still worth sending."""

MAX_DAYS_BEFORE_CLOSE = 15
MAX_RELANCE_EVERY = 20


class Kind(StrEnum):
    """What a notification is about.

    Members:
        MONTH_NOT_SUBMITTED: The consultant's month is not submitted and the month closes soon.
        WAITING_ON_YOU: A month waits on this person's approval or signature.
        APPROVED: The consultant's month was approved (validated).
        SENT_BACK: The consultant's month was sent back, with a comment.
        SIGNED: The consultant's month was signed by the client.
        LEAVE_REQUESTED: A consultant asked for leave; told to their manager (docs/leave.md).
        LEAVE_DECIDED: The consultant's leave request was approved or refused (with why).
    """

    MONTH_NOT_SUBMITTED = "month_not_submitted"
    WAITING_ON_YOU = "waiting_on_you"
    APPROVED = "approved"
    SENT_BACK = "sent_back"
    SIGNED = "signed"
    LEAVE_REQUESTED = "leave_requested"
    LEAVE_DECIDED = "leave_decided"


EVENT_KINDS: frozenset[Kind] = frozenset(
    {Kind.WAITING_ON_YOU, Kind.APPROVED, Kind.SENT_BACK, Kind.SIGNED}
)
"""Kinds the circuit code raises as events (waiting-on-you also has scheduled relances)."""

LEAVE_KINDS: frozenset[Kind] = frozenset({Kind.LEAVE_REQUESTED, Kind.LEAVE_DECIDED})
"""Kinds the leave service raises as events (`notify_leave_event`); about a request, filed
under the month of its first day."""

BEFORE_CLOSE = "before_close"
REMINDER = "reminder"
"""A manager's reminder from the team board (``reminder.<local date>``: one a day)."""
LAST_DAY = "last_day"
ARRIVAL = "arrival"


@dataclass(frozen=True)
class ReminderPolicy:
    """An organisation's reminder settings.

    Attributes:
        days_before_close: N: the first month-not-submitted reminder leaves N working days.
        relance_every: M: working days between two relances of a waiting month.
        send_hour: Local hour (0-23) reminders are sent at.
        time_zone: IANA time zone of the organisation, e.g. ``Europe/Paris``.
        send_on_non_working_days: Send on weekends and public holidays too.

    Raises:
        InvalidInput: A value is out of range or the time zone is unknown.
    """

    days_before_close: int = 2
    relance_every: int = 2
    send_hour: int = 9
    time_zone: str = "Europe/Paris"
    send_on_non_working_days: bool = False

    def __post_init__(self) -> None:
        """Refuse settings the rules cannot apply."""
        problems = []
        if not 0 <= self.days_before_close <= MAX_DAYS_BEFORE_CLOSE:
            problems.append(
                FieldError(
                    "days_before_close",
                    "out_of_range",
                    f"must be between 0 and {MAX_DAYS_BEFORE_CLOSE} working days",
                )
            )
        if not 1 <= self.relance_every <= MAX_RELANCE_EVERY:
            problems.append(
                FieldError(
                    "relance_every",
                    "out_of_range",
                    f"must be between 1 and {MAX_RELANCE_EVERY} working days",
                )
            )
        if not 0 <= self.send_hour <= 23:
            problems.append(FieldError("send_hour", "out_of_range", "must be an hour, 0 to 23"))
        if not _known_zone(self.time_zone):
            problems.append(
                FieldError("time_zone", "unknown", "must be an IANA time zone, e.g. Europe/Paris")
            )
        if problems:
            raise InvalidInput("invalid reminder settings", errors=tuple(problems))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _known_zone(name: str) -> bool:
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Due:
    """One notification to put in the outbox.

    Attributes:
        person_id: Who receives it.
        month: The month it is about.
        kind: What it is about.
        occurrence: Which one of its series (``before_close``, ``last_day``, ``3.1.arrival``,
            ``3.1.2`` for the second relance at epoch 3, step 1, ...).
        due_at: When to send it (UTC).
        expires_at: After this instant it is dropped instead of sent (UTC).
    """

    person_id: str
    month: MonthKey
    kind: Kind
    occurrence: str
    due_at: datetime
    expires_at: datetime

    @property
    def key(self) -> str:
        """The idempotency key: one notification per person, month, kind and occurrence."""
        return idempotency_key(
            person_id=self.person_id, month=self.month, kind=self.kind, occurrence=self.occurrence
        )


def idempotency_key(*, person_id: str, month: MonthKey, kind: Kind, occurrence: str) -> str:
    """Build the outbox key of a notification (at most 120 characters with UUID ids)."""
    return f"{person_id}:{month}:{kind.value}:{occurrence}"


@dataclass(frozen=True)
class MonthSituation:
    """What the rules need to know about one consultant's month.

    Attributes:
        consultant_id: The consultant.
        month: The month.
        region: Calendar region of the consultant's place of work.
        status: The month's status.
        epoch: The month's reopening counter.
        step: Circuit step while in validation.
        waiting_on_id: Who the month waits on while in validation.
        waiting_since: When it started waiting on them (UTC), while in validation.
    """

    consultant_id: str
    month: MonthKey
    region: CalendarRegion
    status: MonthStatus
    epoch: int = 0
    step: int = 0
    waiting_on_id: str | None = None
    waiting_since: datetime | None = None


def local_send_time(*, day: date, policy: ReminderPolicy) -> datetime:
    """The UTC instant of ``send_hour`` on local ``day`` in the organisation's time zone.

    The hour is a wall-clock hour: on a daylight-saving change day it keeps its local value
    (a nonexistent local time is resolved by zoneinfo's ``fold=0`` rule, i.e. moved forward).
    """
    local = datetime.combine(day, time(hour=policy.send_hour), tzinfo=policy.zone)
    return local.astimezone(UTC)


def _sending_day(*, day: date, policy: ReminderPolicy, region: CalendarRegion) -> bool:
    return policy.send_on_non_working_days or is_working_day(day=day, region=region)


def event_send_time(*, at: datetime, policy: ReminderPolicy, region: CalendarRegion) -> datetime:
    """When an event that happened at ``at`` may be sent.

    At once on a sending day; otherwise at the send hour of the next sending day.

    Args:
        at: The event's instant (aware).
        policy: The organisation's settings.
        region: Calendar region of the recipient's place of work.

    Returns:
        A UTC instant, ``at`` itself or later.
    """
    day = at.astimezone(policy.zone).date()
    if _sending_day(day=day, policy=policy, region=region):
        return at.astimezone(UTC)
    while not _sending_day(day=day, policy=policy, region=region):
        day += timedelta(days=1)
    return local_send_time(day=day, policy=policy)


def add_working_days(*, day: date, count: int, region: CalendarRegion) -> date:
    """The working day ``count`` working days after ``day`` (``day`` itself need not work)."""
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day=day, region=region):
            count -= 1
    return day


def month_close_days(
    *, month: MonthKey, region: CalendarRegion, days_before_close: int
) -> dict[str, date]:
    """The days of the month-not-submitted reminders of ``month``.

    Args:
        month: The month.
        region: Calendar region of the consultant's place of work.
        days_before_close: N, as in `ReminderPolicy`.

    Returns:
        ``{"before_close": day, "last_day": day}``; ``before_close`` is absent when N = 0 and
        both are absent for a month without working days. When the month has N working days or
        fewer, ``before_close`` is its first working day.
    """
    days = working_days(month=month, region=region)
    if not days:
        return {}
    found = {LAST_DAY: days[-1]}
    if days_before_close > 0:
        found[BEFORE_CLOSE] = days[max(0, len(days) - 1 - days_before_close)]
        if found[BEFORE_CLOSE] == found[LAST_DAY]:
            del found[BEFORE_CLOSE]
    return found


def _not_submitted(
    *, situation: MonthSituation, policy: ReminderPolicy, now: datetime
) -> list[Due]:
    if situation.status not in (MonthStatus.DRAFT, MonthStatus.SENT_BACK):
        return []
    days = month_close_days(
        month=situation.month, region=situation.region, days_before_close=policy.days_before_close
    )
    last_day_at = local_send_time(day=days[LAST_DAY], policy=policy) if days else None
    series = []
    for occurrence in (BEFORE_CLOSE, LAST_DAY):
        if occurrence not in days:
            continue
        due_at = local_send_time(day=days[occurrence], policy=policy)
        if occurrence == BEFORE_CLOSE:
            assert last_day_at is not None
            expires_at = last_day_at
        else:
            month_end = datetime.combine(
                situation.month.last_day + timedelta(days=1), time(), tzinfo=policy.zone
            ).astimezone(UTC)
            expires_at = month_end + MONTH_REMINDER_GRACE
        series.append(
            Due(
                person_id=situation.consultant_id,
                month=situation.month,
                kind=Kind.MONTH_NOT_SUBMITTED,
                occurrence=occurrence,
                due_at=due_at,
                expires_at=expires_at,
            )
        )
    return _latest_due(series, now=now)


def _latest_due(series: list[Due], *, now: datetime) -> list[Due]:
    """The last occurrence of a series that is due and not expired (earlier ones are stale)."""
    due = [d for d in series if d.due_at <= now < d.expires_at]
    return due[-1:]


def _relance_series(
    *, situation: MonthSituation, policy: ReminderPolicy, now: datetime
) -> list[Due]:
    assert situation.waiting_on_id is not None and situation.waiting_since is not None
    # The consultant is part of it: one approver may have several months of the same calendar
    # month waiting on them, each told and relanced on its own.
    prefix = f"{situation.consultant_id}.{situation.epoch}.{situation.step}"
    arrival_at = event_send_time(
        at=situation.waiting_since, policy=policy, region=situation.region
    )
    series = [
        Due(
            person_id=situation.waiting_on_id,
            month=situation.month,
            kind=Kind.WAITING_ON_YOU,
            occurrence=f"{prefix}.{ARRIVAL}",
            due_at=arrival_at,
            expires_at=arrival_at + EVENT_LIFETIME,
        )
    ]
    start = situation.waiting_since.astimezone(policy.zone).date()
    day = start
    number = 0
    while True:
        day = add_working_days(day=day, count=policy.relance_every, region=situation.region)
        due_at = local_send_time(day=day, policy=policy)
        if due_at > now:
            break
        number += 1
        series.append(
            Due(
                person_id=situation.waiting_on_id,
                month=situation.month,
                kind=Kind.WAITING_ON_YOU,
                occurrence=f"{prefix}.{number}",
                due_at=due_at,
                expires_at=due_at + EVENT_LIFETIME,
            )
        )
    # A relance supersedes the arrival and earlier relances: each expires when the next is due.
    chained = [
        Due(
            person_id=d.person_id,
            month=d.month,
            kind=d.kind,
            occurrence=d.occurrence,
            due_at=d.due_at,
            expires_at=min(d.expires_at, series[i + 1].due_at)
            if i + 1 < len(series)
            else d.expires_at,
        )
        for i, d in enumerate(series)
    ]
    return _latest_due(chained, now=now)


def _waiting(*, situation: MonthSituation, policy: ReminderPolicy, now: datetime) -> list[Due]:
    if (
        situation.status is not MonthStatus.IN_VALIDATION
        or situation.waiting_on_id is None
        or situation.waiting_since is None
    ):
        return []
    return _relance_series(situation=situation, policy=policy, now=now)


def month_reminders(
    *,
    situation: MonthSituation,
    policy: ReminderPolicy,
    now: datetime,
    mutes: dict[str, frozenset[Kind]] | None = None,
) -> list[Due]:
    """The scheduled notifications of one month that are due at ``now``.

    At most one month-not-submitted reminder and one waiting-on-you notification (the arrival
    or the latest relance), each only when due and not yet expired, and not muted by its
    recipient. Inserting them under their `Due.key` is idempotent.

    Args:
        situation: The month.
        policy: The organisation's settings.
        now: The current instant (aware).
        mutes: Kinds each person muted, by person id.

    Returns:
        The due notifications, month-not-submitted first.
    """
    mutes = mutes or {}
    found = _not_submitted(situation=situation, policy=policy, now=now) + _waiting(
        situation=situation, policy=policy, now=now
    )
    return [d for d in found if d.kind not in mutes.get(d.person_id, frozenset())]


def event_notification(
    *,
    kind: Kind,
    person_id: str,
    month: MonthKey,
    occurrence: str,
    at: datetime,
    policy: ReminderPolicy,
    region: CalendarRegion,
    muted: Iterable[Kind] = (),
) -> Due | None:
    """The notification of an event (approved, sent back, signed, arrival), or None if muted.

    Args:
        kind: What happened.
        person_id: Who is told.
        month: The month it happened to.
        occurrence: What makes this event unique for the month, e.g. ``"<epoch>.<step>"``.
        at: When it happened (aware).
        policy: The organisation's settings.
        region: Calendar region of the recipient's place of work.
        muted: Kinds the recipient muted.

    Returns:
        The notification to put in the outbox, or None.
    """
    if kind in set(muted):
        return None
    due_at = event_send_time(at=at, policy=policy, region=region)
    return Due(
        person_id=person_id,
        month=month,
        kind=kind,
        occurrence=occurrence,
        due_at=due_at,
        expires_at=due_at + EVENT_LIFETIME,
    )


def months_to_check(*, now: datetime, policy: ReminderPolicy) -> list[MonthKey]:
    """The months whose not-submitted reminders may be due: the local month and the previous."""
    today = now.astimezone(policy.zone).date()
    current = MonthKey.of(today)
    return [current.previous(), current]
