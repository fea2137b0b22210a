"""Webhooks: a firm's subscriptions, the events queued through the outbox, and their delivery.

An event becomes one outbox row per subscription that wants it, in the transaction of the
change (`emit`, called by the month reactions, the invoicing service and the invitations), so
a rolled-back change tells nobody and a retried one tells once (the row's key names the event).
The outbox worker hands those rows (channel ``webhook``) to `WebhookSender.deliver`: one HTTP
POST per claim, signed (`server.domain.integrations.sign`), with a line in the delivery log
per attempt; a failure is retried with the outbox's backoff (30 s, 1 min, 2 min ...).

The server never posts to a private, loopback or link-local address unless the operator allows
it (`CARNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS`): checked when the subscription is made, and again
at every delivery by the resolver the HTTP client connects with, so a host name that later
resolves to an internal address (DNS rebinding) is refused at the moment of connecting.
"""

import asyncio
import json
import logging
import secrets
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from server.domain import integrations as rules
from server.domain.access import ensure_role
from server.domain.errors import FieldError, InvalidInput, NotFound
from server.domain.outbox import DROPPED, PENDING, SENT, OutboxEntry, Outcome, retry_or_drop
from server.domain.roles import Actor, Role
from server.services import audit_log
from server.settings import Settings
from server.storage import integration_store as store
from server.storage import notification_store
from server.storage import repositories as repo

logger = logging.getLogger("carnet.webhooks")

CHANNEL = "webhook"
LIFETIME = timedelta(days=3)
"""An event not delivered in three days is dropped (the outbox's backoff gives up before)."""
TIMEOUT_S = 10.0
RESOLVE_TIMEOUT_S = 5.0
MAX_PER_FIRM = 20
EVENT_NAMESPACE = uuid.UUID("5d1c6f43-2f0a-4d4e-9a57-6c3c1b9b3a10")


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


# -- subscriptions ---------------------------------------------------------------------------


class RefusedTarget(OSError):
    """The address a webhook's host resolves to is not one the server may post to."""


async def _addresses(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM),
            timeout=RESOLVE_TIMEOUT_S,
        )
    except (OSError, TimeoutError, ValueError):  # ValueError: a name IDNA cannot encode
        return []
    return sorted({str(info[4][0]) for info in infos})


async def check_target(url: str, *, allow_private: bool, field: str = "url") -> str:
    """Refuse an address the server must not post to (the subscription-time check)."""
    _, host, port = rules.check_target_url(url, field=field)
    if allow_private:
        return url
    addresses = await _addresses(host, port)
    if not addresses:
        raise InvalidInput(
            "this webhook address cannot be used",
            errors=(FieldError(field, "unresolvable", f"{host} does not resolve"),),
        )
    for address in addresses:
        reason = rules.forbidden_address(address)
        if reason is not None:
            raise InvalidInput(
                "this webhook address cannot be used",
                errors=(FieldError(field, "private_address", f"{host} resolves to a {reason}"),),
            )
    return url


async def create(
    actor: Actor, *, url: str, events: list[str], settings: Settings, now: datetime
) -> store.WebhookRow:
    """Subscribe ``url`` to ``events`` for the actor's organisation (administrators only). The
    answer carries the signing secret; the list shows it again only to administrators."""
    ensure_role(actor, Role.ADMIN)
    parsed = rules.parse_events(events)
    url = url.strip()
    await check_target(url, allow_private=settings.webhooks_allow_private_targets)
    secret = rules.SECRET_PREFIX + secrets.token_urlsafe(32)
    async with repo.write_transaction():
        if len(await store.webhooks_of(actor.organisation_id, active_only=True)) >= MAX_PER_FIRM:
            raise InvalidInput(
                "too many webhooks",
                errors=(FieldError("url", "too_many", f"at most {MAX_PER_FIRM} active"),),
            )
        row = await store.insert_webhook(
            organisation_id=actor.organisation_id,
            url=url,
            events=[e.value for e in parsed],
            secret=secret,
            created_by=actor.person_id,
            now=now,
        )
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="webhook.created",
            subject=f"webhook:{row.id}",
            actor_id=actor.person_id,
            data={"url": url, "events": sorted(e.value for e in parsed)},
            at=now,
        )
    return row


async def list_webhooks(actor: Actor) -> list[store.WebhookRow]:
    ensure_role(actor, Role.ADMIN)
    return await store.webhooks_of(actor.organisation_id)


async def _visible(actor: Actor, webhook_id: str) -> store.WebhookRow:
    ensure_role(actor, Role.ADMIN)
    found = await store.webhook_by_id(organisation_id=actor.organisation_id, webhook_id=webhook_id)
    if found is None:
        msg = "no such webhook"
        raise NotFound(msg)
    return found


async def disable(actor: Actor, *, webhook_id: str, now: datetime) -> store.WebhookRow:
    """Stop a subscription; what was queued for it is dropped at delivery."""
    async with repo.write_transaction():
        found = await _visible(actor, webhook_id)
        if await store.disable_webhook(
            organisation_id=actor.organisation_id, webhook_id=webhook_id, now=now
        ):
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="webhook.disabled",
                subject=f"webhook:{webhook_id}",
                actor_id=actor.person_id,
                data={"url": found.url},
                at=now,
            )
    return await _visible(actor, webhook_id)


async def deliveries(actor: Actor, *, webhook_id: str) -> list[store.DeliveryRow]:
    await _visible(actor, webhook_id)
    return await store.deliveries_of(
        organisation_id=actor.organisation_id, subscription_id=webhook_id
    )


async def send_test(actor: Actor, *, webhook_id: str, now: datetime) -> str:
    """Queue a ``ping`` to one subscription; returns the event id."""
    found = await _visible(actor, webhook_id)
    if not found.active:
        raise InvalidInput(
            "this webhook is disabled",
            errors=(FieldError("webhook_id", "disabled", "enable a webhook to test it"),),
        )
    event_id = str(uuid.uuid4())
    await _enqueue(
        subscription=found,
        event=rules.Event.PING,
        event_id=event_id,
        data={"by": actor.person_id},
        month="",
        at=now,
    )
    return event_id


# -- events ----------------------------------------------------------------------------------


def event_id_of(key: str) -> str:
    """A stable id for an event, from what identifies it (so a retried transaction queues the
    same id, and receivers can drop a duplicate by id)."""
    return str(uuid.uuid5(EVENT_NAMESPACE, key))


async def emit(
    *,
    organisation_id: str,
    event: rules.Event,
    key: str,
    data: dict[str, Any],
    at: datetime,
    month: str = "",
    subscribers: list[store.WebhookRow] | None = None,
) -> int:
    """Queue ``event`` for every active subscription of the organisation that wants it; call it
    inside the transaction of the change. Returns how many rows were queued.

    ``subscribers`` (from `subscribers_of`) saves the lookup when one change emits many events
    (a spreadsheet import inviting hundreds of people)."""
    if subscribers is None:
        subscribers = await subscribers_of(organisation_id, event)
    event_id = event_id_of(f"{event.value}:{key}")
    queued = 0
    for subscription in subscribers:
        if await _enqueue(
            subscription=subscription,
            event=event,
            event_id=event_id,
            data=data,
            month=month,
            at=at,
        ):
            queued += 1
    return queued


async def subscribers_of(organisation_id: str, event: rules.Event) -> list[store.WebhookRow]:
    """The organisation's active subscriptions that want ``event``."""
    return [
        s
        for s in await store.webhooks_of(organisation_id, active_only=True)
        if event.value in s.events
    ]


async def _enqueue(
    *,
    subscription: store.WebhookRow,
    event: rules.Event,
    event_id: str,
    data: dict[str, Any],
    month: str,
    at: datetime,
) -> bool:
    return await notification_store.enqueue(
        key=f"webhook:{subscription.id}:{event_id}",
        person_id=None,
        channel=CHANNEL,
        kind=event.value,
        month=month,
        data={
            "subscription_id": subscription.id,
            "organisation_id": subscription.organisation_id,
            "event_id": event_id,
            "created_at": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "payload": data,
        },
        due_ms=_ms(at),
        expires_ms=_ms(at + LIFETIME),
        now_ms=_ms(at),
    )


async def purge_log(*, before: datetime) -> int:
    """Forget delivery attempts older than ``before`` (the outbox keeps its rows as long)."""
    return await store.purge_deliveries(before=before)


# -- delivery --------------------------------------------------------------------------------


class GuardedResolver(AbstractResolver):
    """Resolves as usual, then keeps only the addresses the server may post to: the check is
    made on the very addresses the connection uses (no window for DNS rebinding)."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self.allow_private:
            return found
        allowed = [r for r in found if rules.forbidden_address(r["host"]) is None]
        if not allowed:
            reasons = {rules.forbidden_address(r["host"]) for r in found}
            raise RefusedTarget(f"{host} resolves to a {', '.join(sorted(map(str, reasons)))}")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def body_of(entry: OutboxEntry) -> bytes:
    """What is posted: the event's envelope, compact JSON (the exact bytes that are signed)."""
    envelope = {
        "id": entry.data.get("event_id"),
        "type": entry.kind,
        "created_at": entry.data.get("created_at"),
        "organisation_id": entry.data.get("organisation_id"),
        "data": entry.data.get("payload") or {},
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


class WebhookSender:
    """Posts webhook rows claimed by the outbox worker and logs each attempt."""

    def __init__(self, *, settings: Settings) -> None:
        self.allow_private = settings.webhooks_allow_private_targets
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(allow_private=self.allow_private),
                use_dns_cache=False,
                limit=16,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def deliver(self, entry: OutboxEntry, *, now: datetime) -> Outcome:
        """One attempt: post, classify the answer, log it; the worker records the outcome."""
        subscription_id = str(entry.data.get("subscription_id", ""))
        organisation_id = str(entry.data.get("organisation_id", ""))
        subscription = await store.webhook_by_id(
            organisation_id=organisation_id, webhook_id=subscription_id
        )
        if subscription is None:
            return Outcome(state=DROPPED, reason="webhook removed")
        now_ms = _ms(now)
        if not subscription.active:
            outcome = Outcome(state=DROPPED, reason="webhook disabled")
            await self._log(entry, subscription, now, None, 0, outcome)
            return outcome
        body = body_of(entry)
        status, error, started = None, "", time.monotonic()
        refused = self._refused_literal(subscription.url)
        if refused:
            error = refused
        else:
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Carnet-Webhooks/1",
                "Carnet-Event": entry.kind,
                "Carnet-Delivery": str(entry.data.get("event_id", "")),
                rules.SIGNATURE_HEADER: rules.sign(
                    secret=subscription.secret, timestamp=int(now.timestamp()), body=body
                ),
            }
            try:
                async with self._client().post(
                    subscription.url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    status = response.status
                    await response.content.read(4096)
            except RefusedTarget as refusal:
                refused = str(refusal)
                error = refused
            except aiohttp.ClientConnectorError as failure:
                if isinstance(failure.os_error, RefusedTarget):
                    refused = str(failure.os_error)
                error = refused or f"connection failed: {failure.os_error}"
            except (aiohttp.ClientError, TimeoutError) as failure:
                error = f"{type(failure).__name__}: {failure}"[:200]
        duration_ms = int((time.monotonic() - started) * 1000)
        if refused:
            outcome = Outcome(state=DROPPED, reason=f"refused: {refused}")
        else:
            verdict = rules.delivery_verdict(status)
            reason = f"webhook {status}" if status is not None else error or "no answer"
            if verdict == "sent":
                outcome = Outcome(state=SENT, reason=reason)
            elif verdict == "retry":
                outcome = retry_or_drop(entry=entry, reason=reason, now_ms=now_ms)
            else:
                outcome = Outcome(state=DROPPED, reason=reason)
        await self._log(entry, subscription, now, status, duration_ms, outcome, error=error)
        return outcome

    def _refused_literal(self, url: str) -> str:
        """An IP literal skips the resolver: judged here."""
        if self.allow_private:
            return ""
        _, host, _ = rules.check_target_url(url)
        reason = rules.forbidden_address(host.strip("[]"))
        return "" if reason in (None, "not an IP address") else f"{host} is a {reason}"

    async def _log(
        self,
        entry: OutboxEntry,
        subscription: store.WebhookRow,
        now: datetime,
        status: int | None,
        duration_ms: int,
        outcome: Outcome,
        *,
        error: str = "",
    ) -> None:
        labels = {SENT: "sent", PENDING: "retry", DROPPED: "dropped"}
        next_at = (
            datetime.fromtimestamp(outcome.retry_at_ms / 1000, tz=UTC)
            if outcome.state == PENDING and outcome.retry_at_ms is not None
            else None
        )
        await store.log_attempt(
            organisation_id=subscription.organisation_id,
            subscription_id=subscription.id,
            outbox_id=entry.id,
            event=entry.kind,
            event_id=str(entry.data.get("event_id", "")),
            attempt=entry.attempts,
            at=now,
            status=status,
            duration_ms=duration_ms,
            outcome=labels[outcome.state],
            error=error or ("" if outcome.state == SENT else outcome.reason),
            next_at=next_at,
        )
