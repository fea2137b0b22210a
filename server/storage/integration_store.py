"""Storage of integrations: API tokens, webhook subscriptions and their delivery log.

Every read and write names the organisation, so one firm never reaches another's rows.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.storage import tables as t


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class TokenRow:
    id: str
    organisation_id: str
    name: str
    hint: str
    scopes: tuple[str, ...]
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def _token(row: dict[str, Any]) -> TokenRow:
    return TokenRow(
        id=str(row["id"]),
        organisation_id=str(row["organisation"]),
        name=row["name"],
        hint=row["hint"],
        scopes=tuple(_json(row["scopes"]) or ()),
        created_by=str(row["created_by"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


async def insert_token(
    *,
    organisation_id: str,
    name: str,
    token_hash: str,
    hint: str,
    scopes: list[str],
    created_by: str,
    now: datetime,
    expires_at: datetime,
) -> TokenRow:
    row = t.ApiToken(
        organisation=organisation_id,
        name=name,
        token_hash=token_hash,
        hint=hint,
        scopes=sorted(scopes),
        created_by=created_by,
        created_at=now,
        expires_at=expires_at,
    )
    await row.save()
    found = await token_by_id(organisation_id=organisation_id, token_id=str(row.id))
    assert found is not None
    return found


async def token_by_hash(token_hash: str) -> TokenRow | None:
    row = await t.ApiToken.select().where(t.ApiToken.token_hash == token_hash).first()
    return None if row is None else _token(row)


async def token_by_id(*, organisation_id: str, token_id: str) -> TokenRow | None:
    row = (
        await t.ApiToken.select()
        .where((t.ApiToken.id == token_id) & (t.ApiToken.organisation == organisation_id))
        .first()
    )
    return None if row is None else _token(row)


async def tokens_of(organisation_id: str) -> list[TokenRow]:
    rows = await (
        t.ApiToken.select()
        .where(t.ApiToken.organisation == organisation_id)
        .order_by(t.ApiToken.created_at, ascending=False)
    )
    return [_token(r) for r in rows]


async def revoke_token(*, organisation_id: str, token_id: str, by: str, now: datetime) -> bool:
    """Revoke a token still usable; False when it was already revoked (or is not the firm's)."""
    rows = (
        await t.ApiToken.update({t.ApiToken.revoked_at: now, t.ApiToken.revoked_by: by})
        .where(
            (t.ApiToken.id == token_id)
            & (t.ApiToken.organisation == organisation_id)
            & t.ApiToken.revoked_at.is_null()
        )
        .returning(t.ApiToken.id)
    )
    return bool(rows)


async def touch_token(*, token_id: str, now: datetime) -> None:
    await t.ApiToken.update({t.ApiToken.last_used_at: now}).where(t.ApiToken.id == token_id)


# -- webhooks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookRow:
    id: str
    organisation_id: str
    url: str
    events: tuple[str, ...]
    secret: str
    active: bool
    created_by: str
    created_at: datetime
    disabled_at: datetime | None


def _webhook(row: dict[str, Any]) -> WebhookRow:
    return WebhookRow(
        id=str(row["id"]),
        organisation_id=str(row["organisation"]),
        url=row["url"],
        events=tuple(_json(row["events"]) or ()),
        secret=row["secret"],
        active=bool(row["active"]),
        created_by=str(row["created_by"]),
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
    )


async def insert_webhook(
    *,
    organisation_id: str,
    url: str,
    events: list[str],
    secret: str,
    created_by: str,
    now: datetime,
) -> WebhookRow:
    row = t.WebhookSubscription(
        organisation=organisation_id,
        url=url,
        events=sorted(events),
        secret=secret,
        created_by=created_by,
        created_at=now,
    )
    await row.save()
    found = await webhook_by_id(organisation_id=organisation_id, webhook_id=str(row.id))
    assert found is not None
    return found


async def webhook_by_id(*, organisation_id: str, webhook_id: str) -> WebhookRow | None:
    row = (
        await t.WebhookSubscription.select()
        .where(
            (t.WebhookSubscription.id == webhook_id)
            & (t.WebhookSubscription.organisation == organisation_id)
        )
        .first()
    )
    return None if row is None else _webhook(row)


async def webhooks_of(organisation_id: str, *, active_only: bool = False) -> list[WebhookRow]:
    condition: Any = t.WebhookSubscription.organisation == organisation_id
    if active_only:
        condition &= t.WebhookSubscription.active == True  # noqa: E712 (a Piccolo expression)
    rows = (
        await t.WebhookSubscription.select()
        .where(condition)
        .order_by(t.WebhookSubscription.created_at, ascending=False)
    )
    return [_webhook(r) for r in rows]


async def disable_webhook(*, organisation_id: str, webhook_id: str, now: datetime) -> bool:
    rows = (
        await t.WebhookSubscription.update(
            {t.WebhookSubscription.active: False, t.WebhookSubscription.disabled_at: now}
        )
        .where(
            (t.WebhookSubscription.id == webhook_id)
            & (t.WebhookSubscription.organisation == organisation_id)
            & (t.WebhookSubscription.active == True)  # noqa: E712
        )
        .returning(t.WebhookSubscription.id)
    )
    return bool(rows)


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    subscription_id: str
    event: str
    event_id: str
    attempt: int
    at: datetime
    status: int | None
    duration_ms: int
    outcome: str
    error: str
    next_at: datetime | None


async def log_attempt(
    *,
    organisation_id: str,
    subscription_id: str,
    outbox_id: str,
    event: str,
    event_id: str,
    attempt: int,
    at: datetime,
    status: int | None,
    duration_ms: int,
    outcome: str,
    error: str,
    next_at: datetime | None,
) -> None:
    """One row per claim of an outbox row: a second record of the same attempt adds nothing."""
    await t.WebhookDelivery.insert(
        t.WebhookDelivery(
            id=uuid.uuid4(),
            organisation=organisation_id,
            subscription=subscription_id,
            attempt_key=f"{outbox_id}:{attempt}",
            event=event,
            event_id=event_id,
            attempt=attempt,
            at=at,
            status=status,
            duration_ms=duration_ms,
            outcome=outcome,
            error=error[:300],
            next_at=next_at,
        )
    ).on_conflict(target=t.WebhookDelivery.attempt_key, action="DO NOTHING")


async def deliveries_of(
    *, organisation_id: str, subscription_id: str, limit: int = 100
) -> list[DeliveryRow]:
    rows = await (
        t.WebhookDelivery.select()
        .where(
            (t.WebhookDelivery.organisation == organisation_id)
            & (t.WebhookDelivery.subscription == subscription_id)
        )
        .order_by(t.WebhookDelivery.at, ascending=False)
        .order_by(t.WebhookDelivery.attempt, ascending=False)
        .limit(limit)
    )
    return [
        DeliveryRow(
            id=str(r["id"]),
            subscription_id=str(r["subscription"]),
            event=r["event"],
            event_id=r["event_id"],
            attempt=int(r["attempt"]),
            at=r["at"],
            status=None if r["status"] is None else int(r["status"]),
            duration_ms=int(r["duration_ms"]),
            outcome=r["outcome"],
            error=r["error"],
            next_at=r["next_at"],
        )
        for r in rows
    ]


async def purge_deliveries(*, before: datetime) -> int:
    rows = (
        await t.WebhookDelivery.delete()
        .where(t.WebhookDelivery.at < before)
        .returning(t.WebhookDelivery.id)
    )
    return len(rows)
