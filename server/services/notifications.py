"""Reminders and notifications: the event entry points, the scheduler and the outbox worker.

Durable and exactly-once in effect:

- Every notification is first a row of the outbox, keyed by its idempotency key
  (`server.domain.reminders.Due.key`). Events write it in the transaction of the event
  (`notify_month_event`, called by the circuit code after it wrote the month's new state);
  the scheduler writes due reminders with ``INSERT ... ON CONFLICT DO NOTHING``, so any number
  of schedulers, run any number of times, insert each reminder once.
- The worker claims due rows with a lease (`notification_store.claim`), sends, and records the
  outcome: sent, retry later with backoff (or the push service's Retry-After), or dropped
  (expired, subscription gone, payload refused, no channel), each with its reason in the log and
  the row. A worker killed mid-batch loses nothing: its leases expire and another worker takes
  the rows over. What can happen then is a second copy of a message the dead worker had sent but
  not yet recorded; the push ``Topic`` header lets the push service replace an undelivered copy.
- In the embedded default both run inside the server (`NotificationRuntime`, a lifespan task);
  ``carnet worker`` runs them in their own process, as many as wanted on PostgreSQL.
"""

import asyncio
import collections
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from server.domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from server.domain.notification_texts import (
    LANGUAGES,
    Message,
    invitation_email,
    render,
    signer_code_email,
    signer_link_email,
    signer_link_requested_email,
)
from server.domain.outbox import (
    DROPPED,
    PENDING,
    SENT,
    OutboxEntry,
    Outcome,
    Verdict,
    push_verdict,
    retry_after_ms,
    retry_or_drop,
)
from server.domain.reminders import (
    ARRIVAL,
    BEFORE_CLOSE,
    LEAVE_KINDS,
    REMINDER,
    Kind,
    MonthSituation,
    ReminderPolicy,
    event_notification,
    idempotency_key,
    month_reminders,
    months_to_check,
)
from server.domain.roles import Actor, Role
from server.domain.team_board import reminder_occurrence
from server.services import firm_brand, firms, signature_tokens, webhooks
from server.services.clock import Clock, system_clock
from server.services.email_delivery import EmailSender
from server.services.push_delivery import PushSender, check_subscription, load_vapid, topic_of
from server.services.signature_tokens import SIGN_PATH
from server.settings import Settings
from server.storage import firm_store
from server.storage import notification_store as store
from server.storage import repositories as repo
from server.storage import signatures as signature_store
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey, MonthStatus

logger = logging.getLogger("carnet.notifications")

SIGNER_LINK = "signer_link"
SIGNER_CODE = "signer_code"
LINK_REQUESTED = "signer_link_requested"
INVITATION = "invitation"
LEASE_MS = 60_000
RETENTION = timedelta(days=90)
"""Finished rows are kept this long, well past any reminder's expiry, so a key is never purged
while its reminder could still be scheduled again."""
BATCH = 50
CONCURRENCY = 8

URGENCY = {
    Kind.MONTH_NOT_SUBMITTED: "normal",
    Kind.WAITING_ON_YOU: "normal",
    Kind.APPROVED: "low",
    Kind.SENT_BACK: "high",
    Kind.SIGNED: "low",
}


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _region(value: str | None) -> CalendarRegion:
    try:
        return CalendarRegion(value or "metropole")
    except ValueError:
        return CalendarRegion.METROPOLE


def _month_region(
    missions: list[tuple[date, date | None, str]], month: MonthKey
) -> CalendarRegion | None:
    """The region of the latest mission overlapping ``month``, or None when none does (nothing
    to fill that month: no month-not-submitted reminder)."""
    found = None
    for start, end, region in missions:
        if start <= month.last_day and (end is None or end >= month.first_day):
            found = _region(region)
    return found


async def _policy_of(organisation_id: str) -> ReminderPolicy:
    zone, _ = await store.organisation_zone_and_region(organisation_id)
    return await store.get_policy(organisation_id, default_zone=zone)


@dataclass(frozen=True)
class KnownMonth:
    """What the caller's month transaction already holds about the month it just moved, so
    `notify_month_event` does not read it again (issue 12: a reaction's reads come from the
    transaction): the month as stored now, its consultant, their missions' dates and regions,
    and the recipient's organisation."""

    consultant_id: str
    consultant_name: str
    month: str
    epoch: int
    step: int
    missions: tuple[tuple[date, date | None, str], ...]
    """(start, end or None, calendar region) of each mission, by start date."""
    recipient_organisation_id: str


# -- event entry points ----------------------------------------------------------------------


async def notify_month_event(
    *,
    kind: Kind | str,
    month_id: str,
    recipient_id: str,
    data: dict[str, Any],
    at: datetime,
    known: KnownMonth | None = None,
) -> bool:
    """Put the notification of a circuit event in the outbox; call it inside the event's
    transaction, after writing the month's new state.

    Kinds and when to call:

    - ``waiting_on_you``: the month reached a step; ``recipient_id`` is the approver it now
      waits on. Its relances follow from the scheduler until the month moves.
    - ``approved``: the last manager step approved (month ``validated``); recipient: consultant.
    - ``sent_back``: an approver sent it back; ``data["comment"]`` is shown; recipient:
      consultant.
    - ``signed``: the client signer signed; recipient: consultant.

    ``data`` may carry ``by_name`` (who acted) and ``comment``; the consultant's name and id are
    added here. The idempotency key is built from the month's epoch and step as stored, so
    calling twice for one event inserts one row.

    Args:
        kind: A `Kind` value.
        month_id: The Timesheet id.
        recipient_id: The Person told.
        data: Details for the text.
        at: When the event happened (aware).
        known: The month, consultant, missions and recipient's organisation as the caller's
            transaction holds them (read here when None).

    Returns:
        True when a row was inserted (False: muted, or already there).

    Raises:
        InvalidInput: Unknown kind. NotFound: no such month or recipient.
    """
    try:
        kind = Kind(kind)
    except ValueError:
        raise InvalidInput(
            "unknown notification kind",
            errors=(FieldError("kind", "invalid", f"one of {[k.value for k in Kind]}"),),
        ) from None
    if known is not None:
        month_row: dict[str, Any] | None = {
            "consultant": known.consultant_id,
            "month": known.month,
            "epoch": known.epoch,
            "step": known.step,
        }
        recipient: dict[str, Any] | None = {"organisation": known.recipient_organisation_id}
        consultant: dict[str, Any] | None = {"display_name": known.consultant_name}
        missions = {known.consultant_id: list(known.missions)}
    else:
        month_row = await store.timesheet_by_id(month_id)
        recipient = await store.person_contact(recipient_id)
        consultant = None
    if month_row is None or recipient is None:
        msg = "no such month or recipient"
        raise NotFound(msg)
    if known is None:
        consultant = await store.person_contact(month_row["consultant"])
        missions = await store.missions_of([month_row["consultant"]])
    zone, org_region = await store.organisation_zone_and_region(recipient["organisation"])
    policy = await store.get_policy(recipient["organisation"], default_zone=zone)
    month = MonthKey.parse(month_row["month"])
    region = _month_region(missions[month_row["consultant"]], month) or _region(org_region)
    _, muted = await store.get_preference(recipient_id)
    epoch, step = int(month_row["epoch"]), int(month_row["step"])
    # A waiting month names its consultant: an approver told of two consultants' November must
    # get both (the recipient alone would make the second a duplicate of the first).
    occurrence = (
        f"{month_row['consultant']}.{epoch}.{step}.{ARRIVAL}"
        if kind is Kind.WAITING_ON_YOU
        else f"{epoch}"
    )
    due = event_notification(
        kind=kind,
        person_id=recipient_id,
        month=month,
        occurrence=str(data.get("occurrence", occurrence)),
        at=at,
        policy=policy,
        region=region,
        muted=[Kind(m) for m in muted if m in Kind._value2member_map_],
    )
    if due is None:
        return False
    details = {
        **data,
        "consultant_id": month_row["consultant"],
        "consultant_name": consultant["display_name"] if consultant else "",
    }
    return await store.enqueue(
        key=due.key,
        person_id=recipient_id,
        kind=kind.value,
        month=month_row["month"],
        data=details,
        due_ms=_ms(due.due_at),
        expires_ms=_ms(due.expires_at),
        now_ms=_ms(at),
    )


async def notify_leave_event(
    *,
    kind: Kind,
    request_id: str,
    organisation_id: str,
    recipient_id: str,
    data: dict[str, Any],
    at: datetime,
) -> bool:
    """Put the notification of a leave event in the outbox; call it inside the transaction of
    the leave service (`server.services.leave`) that records the event (docs/leave.md).

    - ``leave_requested``: a consultant asked; ``recipient_id`` is their manager or, for a
      consultant with none, one of the organisation's active administrators (one call each).
    - ``leave_decided``: the request was approved or refused (``data["status"]``, and
      ``data["reason"]`` when refused); recipient: the consultant.

    ``data`` carries ``consultant_name``, ``by_name``, ``leave_kind``, ``first_day`` and
    ``last_day`` (ISO), ``first_afternoon``, ``last_morning``. The key names the request (and
    the decision), so a retried request or decision inserts one row; the row is filed under
    the month of the first day. Sent at once, or on the next working day's send hour like every
    event (the organisation's calendar).

    Returns:
        True when a row was inserted (False: muted, or already there).
    """
    if kind not in LEAVE_KINDS:
        msg = f"not a leave notification: {kind}"
        raise ValueError(msg)
    policy = await _policy_of(organisation_id)
    _, org_region = await store.organisation_zone_and_region(organisation_id)
    _, muted = await store.get_preference(recipient_id)
    month = MonthKey.of(date.fromisoformat(str(data["first_day"])))
    occurrence = request_id if kind is Kind.LEAVE_REQUESTED else f"{request_id}.{data['status']}"
    due = event_notification(
        kind=kind,
        person_id=recipient_id,
        month=month,
        occurrence=occurrence,
        at=at,
        policy=policy,
        region=_region(org_region),
        muted=[Kind(m) for m in muted if m in Kind._value2member_map_],
    )
    if due is None:
        return False
    return await store.enqueue(
        key=due.key,
        person_id=recipient_id,
        kind=kind.value,
        month=str(month),
        data={**data, "request_id": request_id},
        due_ms=_ms(due.due_at),
        expires_ms=_ms(due.expires_at),
        now_ms=_ms(at),
    )


REMINDER_LIFETIME = timedelta(days=2)
"""A manager's reminder not delivered within two days is dropped: it would come too late."""


async def notify_reminder(
    *,
    consultant_id: str,
    organisation_id: str,
    month: MonthKey,
    by_id: str,
    by_name: str,
    status: str,
    at: datetime,
) -> bool:
    """Put a manager's reminder (team board) to the consultant in the outbox, due at once.

    One per consultant, month and day in the organisation's time zone: the key is built from
    that day, so a second reminder the same day inserts nothing and the caller refuses it.
    The outbox row records who asked (``by_id``, ``by_name``), when, and the month's status.

    Returns:
        True when a row was inserted; False when that day's reminder is already there.
    """
    policy = await _policy_of(organisation_id)
    key = idempotency_key(
        person_id=consultant_id,
        month=month,
        kind=Kind.MONTH_NOT_SUBMITTED,
        occurrence=reminder_occurrence(at.astimezone(policy.zone).date()),
    )
    return await store.enqueue(
        key=key,
        person_id=consultant_id,
        kind=Kind.MONTH_NOT_SUBMITTED.value,
        month=str(month),
        data={"occurrence": REMINDER, "by_id": by_id, "by_name": by_name, "status": status},
        due_ms=_ms(at),
        expires_ms=_ms(at + REMINDER_LIFETIME),
        now_ms=_ms(at),
    )


def _firm_of_mail(organisation_id: str | None) -> dict[str, str]:
    """The firm a mail to an address is from, kept with the item so the worker applies its
    origin and brand (docs/brand.md): the one named, else the request's (a signer's portal,
    an admin's screen), else none (the worker then finds it from the people the item names)."""
    firm = firms.current()
    found = organisation_id or (firm.id if firm is not None else None)
    return {"organisation_id": found} if found else {}


async def send_signer_link(
    *,
    email: str,
    language: str,
    month: str,
    consultant_name: str,
    link: str,
    key: str,
    at: datetime,
    organisation_id: str | None = None,
) -> bool:
    """Email a client signer their signature link, through the outbox (same guarantees).

    Call it inside the transaction that creates the link; ``key`` identifies the link (e.g.
    ``"signer_link:<link id>"``) so a retry of that transaction sends one mail.
    """
    MonthKey.parse(month)
    return await store.enqueue(
        key=key,
        person_id=None,
        address=email,
        channel="email",
        kind=SIGNER_LINK,
        month=month,
        data={
            "language": language,
            "consultant_name": consultant_name,
            "link": link,
            **_firm_of_mail(organisation_id),
        },
        due_ms=_ms(at),
        expires_ms=_ms(at + timedelta(days=7)),
        now_ms=_ms(at),
    )


async def send_invitation(
    *,
    email: str,
    language: str,
    organisation_name: str,
    display_name: str,
    link: str,
    days: int,
    key: str,
    at: datetime,
    organisation_id: str | None = None,
) -> bool:
    """Email a person their invitation link, through the outbox (same guarantees).

    Call it inside the transaction that creates the invitation; ``key`` names that invitation
    so a retry sends one mail. The mail is dropped once the link has expired.
    """
    return await store.enqueue(
        key=key,
        person_id=None,
        address=email,
        channel="email",
        kind=INVITATION,
        month="",
        data={
            "language": language,
            "organisation_name": organisation_name,
            "display_name": display_name,
            "link": link,
            "days": days,
            **_firm_of_mail(organisation_id),
        },
        due_ms=_ms(at),
        expires_ms=_ms(at + timedelta(days=days)),
        now_ms=_ms(at),
    )


async def send_signer_code(
    *,
    email: str,
    language: str,
    code: str,
    key: str,
    at: datetime,
    organisation_id: str | None = None,
) -> bool:
    """Email a signer the one-time code that proves they read this address (docs/signature.md).

    Through the outbox like every mail; the code is forgotten once sent (only its hash stays,
    with the enrolment). Valid 15 minutes, so the mail is dropped after that.
    """
    return await store.enqueue(
        key=key,
        person_id=None,
        address=email,
        channel="email",
        kind=SIGNER_CODE,
        month="",
        data={"language": language, "code": code, **_firm_of_mail(organisation_id)},
        due_ms=_ms(at),
        expires_ms=_ms(at + timedelta(minutes=15)),
        now_ms=_ms(at),
    )


async def send_link_requested(
    *,
    email: str,
    language: str,
    month: str,
    data: dict[str, Any],
    key: str,
    at: datetime,
    organisation_id: str | None = None,
) -> bool:
    """Email the ESN (the consultant's manager) that a client signer asked for a new signature
    link, through the outbox; ``data`` names the consultant, the signer and whether a fresh
    link went to the signer (`server.services.signatures.Signatures.request_new_link`)."""
    MonthKey.parse(month)
    return await store.enqueue(
        key=key,
        person_id=None,
        address=email,
        channel="email",
        kind=LINK_REQUESTED,
        month=month,
        data={"language": language, **data, **_firm_of_mail(organisation_id)},
        due_ms=_ms(at),
        expires_ms=_ms(at + timedelta(days=7)),
        now_ms=_ms(at),
    )


# -- scheduler -------------------------------------------------------------------------------


async def schedule_reminders(*, now: datetime) -> int:
    """Insert every reminder due at ``now``; idempotent. Returns how many rows were new."""
    inserted = 0
    for organisation_id in await store.organisation_ids():
        policy = await _policy_of(organisation_id)
        _, org_region = await store.organisation_zone_and_region(organisation_id)
        consultants = await store.active_consultants(organisation_id)
        names = {c["id"]: c["name"] for c in consultants}
        ids = list(names)
        missions = await store.missions_of(ids)
        months = [str(m) for m in months_to_check(now=now, policy=policy)]
        rows = await store.timesheets_in(consultant_ids=ids, months=months)
        by_key = {(r["consultant"], r["month"]): r for r in rows}
        situations: list[tuple[MonthSituation, dict[str, Any]]] = []
        for consultant_id in ids:
            for month in months:
                row = by_key.get((consultant_id, month))
                status = MonthStatus(row["status"]) if row else MonthStatus.DRAFT
                region = _month_region(missions[consultant_id], MonthKey.parse(month))
                if region is not None and status in (MonthStatus.DRAFT, MonthStatus.SENT_BACK):
                    situations.append(
                        (
                            MonthSituation(
                                consultant_id=consultant_id,
                                month=MonthKey.parse(month),
                                region=region,
                                status=status,
                            ),
                            {},
                        )
                    )
        for row in rows:
            if row["status"] == MonthStatus.IN_VALIDATION.value and row["waiting_on"]:
                since = await _waiting_since(row, now=now)
                situations.append(
                    (
                        MonthSituation(
                            consultant_id=row["consultant"],
                            month=MonthKey.parse(row["month"]),
                            region=_month_region(
                                missions[row["consultant"]], MonthKey.parse(row["month"])
                            )
                            or _region(org_region),
                            status=MonthStatus.IN_VALIDATION,
                            epoch=int(row["epoch"]),
                            step=int(row["step"]),
                            waiting_on_id=row["waiting_on"],
                            waiting_since=since,
                        ),
                        row,
                    )
                )
        recipients = sorted(
            {s.consultant_id for s, _ in situations}
            | {s.waiting_on_id for s, _ in situations if s.waiting_on_id}
        )
        preferences = await store.get_preferences(recipients)
        mutes = {
            person: frozenset(Kind(m) for m in muted if m in Kind._value2member_map_)
            for person, (_, muted) in preferences.items()
        }
        for situation, _ in situations:
            for due in month_reminders(situation=situation, policy=policy, now=now, mutes=mutes):
                data: dict[str, Any] = {
                    "consultant_id": situation.consultant_id,
                    "consultant_name": names.get(situation.consultant_id, ""),
                    "occurrence": due.occurrence,
                }
                if due.kind is Kind.MONTH_NOT_SUBMITTED and due.occurrence == BEFORE_CLOSE:
                    data["days_left"] = policy.days_before_close
                    data["working_days"] = len(
                        working_days(month=situation.month, region=situation.region)
                    )
                if due.kind is Kind.WAITING_ON_YOU:
                    last = due.occurrence.rsplit(".", 1)[-1]
                    data["relance"] = 0 if last == ARRIVAL else int(last)
                if await store.enqueue(
                    key=due.key,
                    person_id=due.person_id,
                    kind=due.kind.value,
                    month=str(due.month),
                    data=data,
                    due_ms=_ms(due.due_at),
                    expires_ms=_ms(due.expires_at),
                    now_ms=_ms(now),
                ):
                    inserted += 1
    return inserted


async def _is_client_signer(person_id: str) -> bool:
    person = await repo.get_person(person_id)
    return person is not None and Role.CLIENT_SIGNER in person.roles


async def _waiting_since(row: dict[str, Any], *, now: datetime) -> datetime:
    """When the month started waiting on its approver: the arrival's outbox row, else now.

    The arrival row is written by `notify_month_event` with the event; a month the scheduler
    finds waiting without one (an event not wired, or muted) starts its series now.
    """
    key = idempotency_key(
        person_id=row["waiting_on"],
        month=MonthKey.parse(row["month"]),
        kind=Kind.WAITING_ON_YOU,
        occurrence=f"{row['consultant']}.{row['epoch']}.{row['step']}.{ARRIVAL}",
    )
    created_ms = await store.outbox_created_ms(key)
    if created_ms is not None:
        return datetime.fromtimestamp(created_ms / 1000, tz=UTC)
    return now


# -- worker ----------------------------------------------------------------------------------


def _worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Figures:
    """What a worker did, for logs and tests."""

    sent: int = 0
    retried: int = 0
    dropped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: Outcome) -> None:
        if outcome.state == SENT:
            self.sent += 1
        elif outcome.state == PENDING:
            self.retried += 1
        else:
            self.dropped += 1
        reason = outcome.reason.split(":", 1)[0]
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


class OutboxWorker:
    """Claims due outbox rows, delivers them (push, else email) and records the outcome."""

    def __init__(
        self,
        *,
        settings: Settings,
        clock: Clock = system_clock,
        push: PushSender | None = None,
        email: EmailSender | None = None,
        worker_id: str | None = None,
        lease_ms: int = LEASE_MS,
        batch: int = BATCH,
        hooks: webhooks.WebhookSender | None = None,
    ) -> None:
        self.settings = settings
        self.hooks = hooks or webhooks.WebhookSender(settings=settings)
        self.clock = clock
        self.push = push or PushSender(vapid=load_vapid(settings), subject=settings.vapid_subject)
        self.email = email or EmailSender(settings)
        self.worker_id = worker_id or _worker_id()
        self.lease_ms = lease_ms
        self.batch = batch
        self.figures = Figures()
        self._dropped_by_design: collections.Counter[str] = collections.Counter()

    async def close(self) -> None:
        await self.push.close()
        await self.hooks.close()

    async def run_once(self) -> int:
        """Claim and deliver one batch; returns how many rows it claimed."""
        now_ms = _ms(self.clock())
        entries = await store.claim(
            worker=self.worker_id, now_ms=now_ms, lease_ms=self.lease_ms, limit=self.batch
        )
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(entry: OutboxEntry) -> None:
            async with limit:
                await self._handle(entry)

        self._dropped_by_design.clear()
        await asyncio.gather(*(one(e) for e in entries))
        if self._dropped_by_design:
            logger.info(
                "outbox: %d dropped by design (%s)",
                sum(self._dropped_by_design.values()),
                ", ".join(f"{why} {n}" for why, n in sorted(self._dropped_by_design.items())),
            )
        return len(entries)

    async def drain(self) -> int:
        """Deliver batches until nothing is due; returns how many rows were claimed."""
        total = 0
        while claimed := await self.run_once():
            total += claimed
        return total

    async def _handle(self, entry: OutboxEntry) -> None:
        now_ms = _ms(self.clock())
        try:
            outcome = await self._deliver(entry, now_ms=now_ms)
        except Exception as error:  # one bad row must not stop the others
            logger.exception("outbox %s: delivery failed", entry.key)
            outcome = retry_or_drop(
                entry=entry, reason=f"error: {type(error).__name__}", now_ms=now_ms
            )
        for endpoint in outcome.gone_endpoints:
            await store.delete_subscription(endpoint=endpoint)
        recorded = await store.record(
            entry=entry,
            worker=self.worker_id,
            state=outcome.state,
            outcome=outcome.reason,
            now_ms=_ms(self.clock()),
            retry_at_ms=outcome.retry_at_ms,
        )
        if not recorded:
            logger.warning("outbox %s: lease lost before recording %s", entry.key, outcome.reason)
            return
        if outcome.state != PENDING and entry.kind == SIGNER_CODE:
            await store.forget_data(item_id=entry.id, data={**entry.data, "code": "(envoyé)"})
        if outcome.state != PENDING and entry.kind in {SIGNER_LINK, INVITATION}:
            # The token is a bearer credential until opened: once mailed (or given up), the
            # outbox keeps where it went, not the link (docs/notifications.md).
            await store.forget_data(
                item_id=entry.id, data={**entry.data, "link": "(envoyé / sent)"}
            )
        self.figures.count(outcome)
        if outcome.expected:
            # A demo's year of history or a server back after a week drops dozens of reminders
            # at once, by design: one line per batch says how many (`run_once`); refusals and
            # errors stay warnings of their own.
            self._dropped_by_design[outcome.reason.split(":")[0]] += 1
        log = (
            logger.info
            if outcome.state == SENT
            else logger.debug
            if outcome.expected
            else logger.warning
        )
        log(
            "outbox %s: %s (%s, attempt %d)",
            entry.key,
            outcome.state,
            outcome.reason,
            entry.attempts,
        )

    @staticmethod
    def _absolute(link: str, origin: str) -> str:
        """A link queued as a path (the circuit has no settings) gets its firm's origin."""
        return origin + link if link.startswith("/") else link

    async def _firm_of(self, entry: OutboxEntry) -> firm_store.FirmRow | None:
        """The firm the item is about (docs/multi-tenant.md): the one it names (a mail to an
        address queued on the firm's host), else its recipient's, the consultant's it names, or
        the signer's its signature link is for."""
        named = str(entry.data.get("organisation_id", ""))
        if named:
            row = await firm_store.get_firm(named)
            if row is not None:
                return row
        person_id = entry.person_id or str(entry.data.get("consultant_id", "")) or None
        link = str(entry.data.get("link", ""))
        if person_id is None and entry.kind == SIGNER_LINK and link.startswith(SIGN_PATH):
            signed = await signature_store.get_link_by_token(
                signature_tokens.token_hash(link.removeprefix(SIGN_PATH))
            )
            person_id = signed.person_id if signed else None
        return await firm_store.firm_of_person(person_id) if person_id else None

    async def _message_for(self, entry: OutboxEntry, origin: str) -> tuple[Message, str] | None:
        if entry.kind == SIGNER_CODE:
            message = signer_code_email(
                language=str(entry.data.get("language", "fr")),
                code=str(entry.data.get("code", "")),
                link=origin + "/sign/",
            )
            return message, entry.address
        if entry.kind == INVITATION:
            message = invitation_email(
                language=str(entry.data.get("language", "fr")),
                organisation_name=str(entry.data.get("organisation_name", "")),
                display_name=str(entry.data.get("display_name", "")),
                link=self._absolute(str(entry.data.get("link", "")), origin),
                days=int(entry.data.get("days", 0)),
            )
            return message, entry.address
        if entry.kind == LINK_REQUESTED:
            message = signer_link_requested_email(
                language=str(entry.data.get("language", "fr")),
                month=MonthKey.parse(entry.month),
                consultant_name=str(entry.data.get("consultant_name", "")),
                signer_name=str(entry.data.get("signer_name", "")),
                resent=bool(entry.data.get("resent")),
                url=self._absolute(
                    f"/#review={entry.data.get('consultant_id', '')}/{entry.month}", origin
                ),
            )
            return message, entry.address
        if entry.kind == SIGNER_LINK:
            message = signer_link_email(
                language=str(entry.data.get("language", "fr")),
                month=MonthKey.parse(entry.month),
                consultant_name=str(entry.data.get("consultant_name", "")),
                link=self._absolute(str(entry.data.get("link", "")), origin),
            )
            return message, entry.address
        assert entry.person_id is not None
        contact = await store.person_contact(entry.person_id)
        if contact is None or not contact["active"]:
            return None
        language, _ = await store.get_preference(entry.person_id)
        if entry.kind == Kind.WAITING_ON_YOU.value and await _is_client_signer(entry.person_id):
            # A client signer has no app to open: a relance is a fresh signature link.
            link = await self._fresh_signer_link(entry, origin)
            if link is None:
                return None
            message = signer_link_email(
                language=language,
                month=MonthKey.parse(entry.month),
                consultant_name=str(entry.data.get("consultant_name", "")),
                link=link,
            )
            return message, contact["email"]
        message = render(
            kind=Kind(entry.kind),
            language=language,
            month=MonthKey.parse(entry.month),
            data=entry.data,
        )
        return message, contact["email"]

    async def _fresh_signer_link(self, entry: OutboxEntry, origin: str) -> str | None:
        """A new signature link to the month the signer is reminded of, or None if it no
        longer waits on them. Issuing it ends their earlier links: the newest mail works."""
        consultant_id = str(entry.data.get("consultant_id", ""))
        timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=entry.month)
        if (
            timesheet is None
            or timesheet.status != MonthStatus.IN_VALIDATION.value
            or timesheet.waiting_on_id != entry.person_id
        ):
            return None
        token = await signature_tokens.create_link(
            timesheet=timesheet,
            signer_id=entry.person_id or "",
            created_by=None,
            now=self.clock(),
        )
        return self._absolute(signature_tokens.SIGN_PATH + token, origin)

    async def _deliver(self, entry: OutboxEntry, *, now_ms: int) -> Outcome:
        if now_ms >= entry.expires_ms:
            return Outcome(state=DROPPED, reason="expired", expected=True)
        if entry.channel == webhooks.CHANNEL:
            # A firm's webhook: one signed POST per claim, logged (server/services/webhooks.py).
            return await self.hooks.deliver(entry, now=self.clock())
        if (
            entry.kind == Kind.WAITING_ON_YOU.value
            and entry.data.get("relance") == 0
            and entry.person_id is not None
            and await _is_client_signer(entry.person_id)
        ):
            # The month's arrival at a client's step already sent them their signature link.
            return Outcome(
                state=DROPPED, reason="arrival: the signature link was emailed", expected=True
            )
        firm = await self._firm_of(entry)
        origin = (
            self.settings.origin if firm is None else firms.address(firm, self.settings).origin
        )
        found = await self._message_for(entry, origin)
        if found is None:
            return Outcome(
                state=DROPPED, reason="no recipient: person inactive or removed", expected=True
            )
        message, address = found
        gone: tuple[str, ...] = ()
        if entry.channel == "auto" and entry.person_id is not None:
            subscriptions = await store.subscriptions_of(entry.person_id)
            if subscriptions:
                outcome = await self._push(entry, message, subscriptions, now_ms=now_ms)
                if outcome is not None:
                    return outcome
                gone = tuple(s.endpoint for s in subscriptions)  # every device gone: email
        if not self.email.enabled:
            return Outcome(
                state=DROPPED,
                reason="no channel: no push subscription, no SMTP",
                gone_endpoints=gone,
                expected=True,
            )
        look = await firm_brand.brand_of(firm.id if firm else None)
        result = await self.email.send(
            to=address,
            message=message,
            origin=origin,
            sender_name=look.brand.email_sender_name,
            footer=look.brand.email_footer,
            app_name=look.brand.app_name,
        )
        if result.sent:
            return Outcome(state=SENT, reason="email", gone_endpoints=gone)
        if result.transient:
            retry = retry_or_drop(entry=entry, reason=result.error, now_ms=now_ms)
            return Outcome(retry.state, retry.reason, retry.retry_at_ms, gone)
        return Outcome(state=DROPPED, reason=result.error, gone_endpoints=gone)

    async def _push(
        self, entry: OutboxEntry, message: Message, subscriptions: list[Any], *, now_ms: int
    ) -> Outcome | None:
        """Push to every device; None when every subscription turned out to be gone."""
        payload = {
            "title": message.title,
            "body": message.body,
            "url": message.url,
            "lang": message.language,
            "kind": entry.kind,
            "month": entry.month,
            # A leave notice is about one request: two in a month must not replace each other.
            "tag": f"{entry.kind}:{entry.data.get('request_id') or entry.month}",
        }
        ttl_s = max(60, (entry.expires_ms - now_ms) // 1000)
        urgency = URGENCY.get(Kind(entry.kind), "normal")
        if entry.kind == Kind.MONTH_NOT_SUBMITTED and entry.data.get("occurrence") != BEFORE_CLOSE:
            urgency = "high"
        results = await asyncio.gather(
            *(
                self.push.send(
                    subscription=s,
                    payload=payload,
                    ttl_s=ttl_s,
                    urgency=urgency,
                    topic=topic_of(entry.key),
                )
                for s in subscriptions
            )
        )
        gone = tuple(
            r.endpoint for r in results if push_verdict(r.status) is Verdict.GONE and not r.ok
        )
        delivered = [r for r in results if r.ok]
        if delivered:
            for r in results:
                if not r.ok:
                    logger.warning(
                        "outbox %s: device %s refused: %s", entry.key, r.status, r.error
                    )
            return Outcome(state=SENT, reason=f"push:{len(delivered)}", gone_endpoints=gone)
        if len(gone) == len(results):
            return None
        retryable = [r for r in results if push_verdict(r.status) is Verdict.RETRY]
        if retryable:
            delays = [retry_after_ms(r.retry_after, now_ms=now_ms) for r in retryable]
            waits = [d for d in delays if d is not None]
            reason = "push " + ",".join(str(r.status or "network") for r in retryable)
            retry = retry_or_drop(
                entry=entry,
                reason=reason,
                now_ms=now_ms,
                retry_after=max(waits) if waits else None,
            )
            return Outcome(retry.state, retry.reason, retry.retry_at_ms, gone)
        statuses = ",".join(str(r.status) for r in results if not r.ok)
        return Outcome(state=DROPPED, reason=f"push refused {statuses}", gone_endpoints=gone)


# -- runtime ---------------------------------------------------------------------------------


class NotificationRuntime:
    """The scheduler and the worker, looping until stopped (a lifespan task or `carnet worker`)."""

    def __init__(
        self,
        *,
        settings: Settings,
        clock: Clock = system_clock,
        worker: OutboxWorker | None = None,
        schedule_every_s: float = 60.0,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.worker = worker or OutboxWorker(settings=settings, clock=clock)
        self.schedule_every_s = schedule_every_s
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        """Schedule due reminders, then deliver everything due."""
        try:
            await schedule_reminders(now=self.clock())
            await store.purge_outbox(done_before_ms=_ms(self.clock() - RETENTION))
            await webhooks.purge_log(before=self.clock() - RETENTION)
        except Exception:
            logger.exception("reminder scheduler failed; the next tick tries again")
        try:
            await self.worker.drain()
        except Exception:
            logger.exception("outbox worker failed; the next tick tries again")

    async def run(self) -> None:
        last_schedule = float("-inf")
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            if loop.time() - last_schedule >= self.schedule_every_s:
                last_schedule = loop.time()
                try:
                    await schedule_reminders(now=self.clock())
                    await store.purge_outbox(done_before_ms=_ms(self.clock() - RETENTION))
                    await webhooks.purge_log(before=self.clock() - RETENTION)
                except Exception:
                    logger.exception("reminder scheduler failed; the next tick tries again")
            try:
                await self.worker.drain()
            except Exception:
                logger.exception("outbox worker failed; the next tick tries again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stop.wait(), timeout=self.settings.notification_poll_seconds
                )

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self, *, grace_s: float = 10.0) -> None:
        """Let the current batch finish (its leases would expire anyway), then close."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=grace_s)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
        await self.worker.close()


# -- subscriptions, preferences and settings, for the API -----------------------------------


async def subscribe(
    actor: Actor, *, endpoint: str, p256dh: str, auth: str, settings: Settings
) -> None:
    """Store a device's push subscription for the logged-in person (validated first)."""
    endpoint, p256dh, auth = check_subscription(
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        allow_http_localhost=settings.push_allow_http_localhost,
        service_hosts=[
            h.strip().lower() for h in settings.push_service_hosts.split(",") if h.strip()
        ],
    )
    await store.save_subscription(
        person_id=actor.person_id,
        organisation_id=actor.organisation_id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
    )


async def unsubscribe(actor: Actor, *, endpoint: str) -> int:
    """Forget one of the person's devices (logout, or the user turned notifications off)."""
    return await store.delete_subscription(endpoint=endpoint, person_id=actor.person_id)


async def device_count(actor: Actor) -> int:
    return len(await store.subscriptions_of(actor.person_id))


async def preferences(actor: Actor) -> tuple[str, list[str]]:
    language, muted = await store.get_preference(actor.person_id)
    return language, sorted(muted)


async def set_preferences(
    actor: Actor, *, language: str, muted: list[str]
) -> tuple[str, list[str]]:
    """Set the person's notification language and muted kinds."""
    problems = []
    if language not in LANGUAGES:
        problems.append(FieldError("language", "invalid", "must be fr or en"))
    for index, kind in enumerate(muted):
        if kind not in Kind._value2member_map_:
            problems.append(
                FieldError(f"muted[{index}]", "invalid", f"one of {[k.value for k in Kind]}")
            )
    if problems:
        raise InvalidInput("invalid notification preferences", errors=tuple(problems))
    await store.save_preference(
        person_id=actor.person_id, language=language, muted=sorted(set(muted))
    )
    return await preferences(actor)


async def reminder_policy(actor: Actor) -> ReminderPolicy:
    return await _policy_of(actor.organisation_id)


async def set_reminder_policy(actor: Actor, *, policy: ReminderPolicy) -> ReminderPolicy:
    """Change the organisation's reminder settings: administrators only."""
    if not actor.has(Role.ADMIN):
        msg = "only an administrator may change the reminder settings"
        raise Forbidden(msg)
    await store.save_policy(organisation_id=actor.organisation_id, policy=policy)
    return await _policy_of(actor.organisation_id)
