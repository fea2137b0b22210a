"""Wire schemas of integrations (docs/api.md "API tokens", docs/webhooks.md)."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from server.api.schemas import Id, Wire
from sync.wire import Count, Printable, Whole

Name = Annotated[str, Printable, StringConstraints(max_length=100)]
Days = Annotated[int, Whole(ge=1, le=366)]


class ApiTokenIn(Wire):
    name: Name = Field(description="What the token is for, e.g. 'payroll export'.")
    scopes: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        max_length=10, description="months:read, invoices:read, people:read, people:write."
    )
    days: Days = Field(default=90, description="Lifetime in days (1 to 366).")


class ApiTokenOut(Wire):
    id: Id
    name: str
    hint: str = Field(description="The token's first characters.")
    scopes: list[str]
    created_by: Id
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(Wire):
    token: str = Field(description="The token itself: shown this once, never again.")
    record: ApiTokenOut


class WebhookIn(Wire):
    url: Annotated[str, StringConstraints(max_length=500)]
    events: list[Annotated[str, StringConstraints(max_length=40)]] = Field(max_length=20)


class WebhookOut(Wire):
    id: Id
    url: str
    events: list[str]
    active: bool
    created_by: Id
    created_at: datetime
    disabled_at: datetime | None


class WebhookCreated(Wire):
    secret: str = Field(description="The signing secret: shown this once, keep it.")
    webhook: WebhookOut


class DeliveryOut(Wire):
    id: Id
    event: str
    event_id: str
    attempt: Count
    at: datetime
    status: Count | None = Field(description="The receiver's HTTP status; null: no answer.")
    duration_ms: Count
    outcome: str = Field(description="sent, retry or dropped.")
    error: str
    next_at: datetime | None


class TestEventOut(Wire):
    event_id: str
