"""Outbox records and the delivery rules: what a push service's answer means, when to retry.

Pure: the worker (`server/services/notifications.py`) claims items, calls the senders and asks
`after_failure` what to record.
"""

from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

PENDING = "pending"
SENT = "sent"
DROPPED = "dropped"

MAX_ATTEMPTS = 8
BACKOFF_BASE_MS = 30_000
BACKOFF_MAX_MS = 6 * 3600_000
RETRY_AFTER_MAX_MS = 24 * 3600_000


@dataclass(frozen=True)
class OutboxEntry:
    """One claimed notification.

    Attributes:
        id: Row id.
        key: Idempotency key.
        person_id: Recipient, or None for an email address without an account.
        address: Email address when ``person_id`` is None.
        channel: ``auto`` (push to every device, email when there is none) or ``email``.
        kind: A `server.domain.reminders.Kind` value, or ``signer_link``.
        month: ``YYYY-MM``.
        data: Details for the text.
        due_ms: When it became due.
        expires_ms: When it stops being worth sending.
        attempts: Claims so far, this one included.
        lease_until_ms: The claim's lease; another worker may take it over after this.
    """

    id: str
    key: str
    person_id: str | None
    address: str
    channel: str
    kind: str
    month: str
    data: dict[str, Any]
    due_ms: int
    expires_ms: int
    attempts: int
    lease_until_ms: int


@dataclass(frozen=True)
class Subscription:
    """A device's push subscription, as the browser's ``PushSubscription.toJSON()`` gives it."""

    id: str
    person_id: str
    endpoint: str
    p256dh: str
    auth: str

    def info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class Verdict(StrEnum):
    """What to do after a failed delivery.

    Members:
        RETRY: Try again later (429, 5xx, network failure, refused SMTP connection).
        GONE: The subscription is dead (404, 410): delete it; the message is not retried there.
        DROP: The message can never be delivered as is (413 too large, other 4xx).
    """

    RETRY = "retry"
    GONE = "gone"
    DROP = "drop"


def push_verdict(status: int | None) -> Verdict:
    """Classify a push service's HTTP status (None: no answer, a network failure).

    RFC 8030 §7.3 and common practice: 404/410 mean the subscription expired or was removed;
    413 means the payload is too large and will never pass; 429 and 5xx are transient.
    """
    if status is None or status == 429 or status >= 500:
        return Verdict.RETRY
    if status in (404, 410):
        return Verdict.GONE
    return Verdict.DROP


def retry_after_ms(value: str | None, *, now_ms: int) -> int | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP date) into a delay in ms, capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = int(value) * 1000
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        delay = int(when.timestamp() * 1000) - now_ms
    return max(0, min(delay, RETRY_AFTER_MAX_MS))


def backoff_ms(attempts: int) -> int:
    """Exponential backoff after ``attempts`` failed tries: 30 s, 1 min, 2 min, ... ≤ 6 h."""
    return int(min(BACKOFF_BASE_MS * 2 ** max(0, attempts - 1), BACKOFF_MAX_MS))


@dataclass(frozen=True)
class Outcome:
    """What the worker records for one claimed item.

    Attributes:
        state: ``sent``, ``dropped`` or ``pending`` (retry).
        reason: Why, for the log and the ``outcome`` column (``push:2``, ``email``, ``expired``,
            ``gone``, ``413``, ``smtp: connection refused`` ...).
        retry_at_ms: When to try again, for a retry.
        gone_endpoints: Subscriptions to delete.
        expected: A drop by design (too late to be useful, nobody to tell, no channel for
            this person), logged as information; a failure (a refusal, an error) is a warning.
    """

    state: str
    reason: str
    retry_at_ms: int | None = None
    gone_endpoints: tuple[str, ...] = field(default=())
    expected: bool = False


def retry_or_drop(
    *, entry: OutboxEntry, reason: str, now_ms: int, retry_after: int | None = None
) -> Outcome:
    """A retry with backoff (or the push service's Retry-After), unless attempts are spent or
    the next try would come after the item's expiry."""
    delay = retry_after if retry_after is not None else backoff_ms(entry.attempts)
    at = now_ms + delay
    if entry.attempts >= MAX_ATTEMPTS or at >= entry.expires_ms:
        return Outcome(state=DROPPED, reason=f"gave up: {reason}")
    return Outcome(state=PENDING, reason=reason, retry_at_ms=at)
