"""Integrations over HTTP, for administrators in the back office: API tokens and webhooks.

These endpoints take the session cookie only: a token cannot make or see other tokens.
"""

from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from server.api import integrations_schemas as x
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems
from server.services import api_tokens, webhooks
from server.settings import Settings
from server.storage.integration_store import DeliveryRow, TokenRow, WebhookRow


def token_out(row: TokenRow) -> x.ApiTokenOut:
    return x.ApiTokenOut(
        id=row.id,
        name=row.name,
        hint=row.hint,
        scopes=list(row.scopes),
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def webhook_out(row: WebhookRow) -> x.WebhookOut:
    return x.WebhookOut(
        id=row.id,
        url=row.url,
        events=list(row.events),
        active=row.active,
        created_by=row.created_by,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def delivery_out(row: DeliveryRow) -> x.DeliveryOut:
    return x.DeliveryOut(
        id=row.id,
        event=row.event,
        event_id=row.event_id,
        attempt=row.attempt,
        at=row.at,
        status=row.status,
        duration_ms=row.duration_ms,
        outcome=row.outcome,
        error=row.error,
        next_at=row.next_at,
    )


def integrations_controller(settings: Settings) -> type[Controller]:
    """The controller, holding the settings (whether private webhook targets are allowed)."""

    class IntegrationController(Controller):
        path = "/integrations"
        tags = ["integrations"]

        @get("/tokens", operation_id="listApiTokens", opt=problems(403))
        async def list_tokens(self, session: SessionDep) -> list[x.ApiTokenOut]:
            return [token_out(r) for r in await api_tokens.list_tokens(session.actor)]

        @post(
            "/tokens",
            operation_id="createApiToken",
            opt=problems(403),
            status_code=HTTP_201_CREATED,
        )
        async def create_token(
            self, data: JSONBody[x.ApiTokenIn], session: SessionDep, clock: ClockDep
        ) -> x.ApiTokenCreated:
            """Create a token; the answer holds it, the only time it is shown."""
            made = await api_tokens.create(
                session.actor, name=data.name, scopes=data.scopes, days=data.days, now=clock()
            )
            return x.ApiTokenCreated(token=made.token, record=token_out(made.record))

        @post(
            "/tokens/{token_id:uuid}/revoke",
            operation_id="revokeApiToken",
            opt=problems(403),
            status_code=HTTP_200_OK,
        )
        async def revoke_token(
            self, token_id: FromPath[UUID], session: SessionDep, clock: ClockDep
        ) -> x.ApiTokenOut:
            row = await api_tokens.revoke(session.actor, token_id=str(token_id), now=clock())
            return token_out(row)

        @get("/webhooks", operation_id="listWebhooks", opt=problems(403))
        async def list_webhooks(self, session: SessionDep) -> list[x.WebhookOut]:
            return [webhook_out(r) for r in await webhooks.list_webhooks(session.actor)]

        @post(
            "/webhooks",
            operation_id="createWebhook",
            opt=problems(403),
            status_code=HTTP_201_CREATED,
        )
        async def create_webhook(
            self, data: JSONBody[x.WebhookIn], session: SessionDep, clock: ClockDep
        ) -> x.WebhookCreated:
            """Subscribe a URL to events; the answer holds the signing secret, shown once."""
            row = await webhooks.create(
                session.actor, url=data.url, events=data.events, settings=settings, now=clock()
            )
            return x.WebhookCreated(secret=row.secret, webhook=webhook_out(row))

        @post(
            "/webhooks/{webhook_id:uuid}/disable",
            operation_id="disableWebhook",
            opt=problems(403),
            status_code=HTTP_200_OK,
        )
        async def disable_webhook(
            self, webhook_id: FromPath[UUID], session: SessionDep, clock: ClockDep
        ) -> x.WebhookOut:
            row = await webhooks.disable(session.actor, webhook_id=str(webhook_id), now=clock())
            return webhook_out(row)

        @get(
            "/webhooks/{webhook_id:uuid}/deliveries",
            operation_id="listWebhookDeliveries",
            opt=problems(403),
        )
        async def deliveries(
            self, webhook_id: FromPath[UUID], session: SessionDep
        ) -> list[x.DeliveryOut]:
            """The latest 100 attempts, newest first: status, response time, retry time."""
            rows = await webhooks.deliveries(session.actor, webhook_id=str(webhook_id))
            return [delivery_out(r) for r in rows]

        @post(
            "/webhooks/{webhook_id:uuid}/test",
            operation_id="testWebhook",
            opt=problems(403, 422),
            status_code=HTTP_202_ACCEPTED,
        )
        async def send_test(
            self, webhook_id: FromPath[UUID], session: SessionDep, clock: ClockDep
        ) -> x.TestEventOut:
            """Queue a ``ping`` event to this webhook (delivered by the outbox worker)."""
            event_id = await webhooks.send_test(
                session.actor, webhook_id=str(webhook_id), now=clock()
            )
            return x.TestEventOut(event_id=event_id)

    return IntegrationController
