"""Requests a minute per client address and firm, counted in the database: several server
processes behind one load balancer enforce one limit (docs/multi-tenant.md)."""

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.services import firms
from server.services.clock import Clock
from server.storage import rate_limit_store

WINDOW_SECONDS = 60


class SharedRateLimit(ASGIMiddleware):
    """At most `per_minute` requests a minute (fixed windows) from one address to one firm's
    endpoints named `name`; the next get 429 with Retry-After until the window ends.

    The address is the connection's, or the forwarded one when it came from a named proxy
    (`server.app.forwarded_headers`). The firm is part of the key: one firm's traffic never
    spends another's allowance."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, name: str, per_minute: int, clock: Clock) -> None:
        self.name = name
        self.per_minute = per_minute
        self.clock = clock

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        connection: ASGIConnection = ASGIConnection(scope)  # type: ignore[type-arg]
        address = connection.client.host if connection.client else "unknown"
        firm = firms.current()
        seconds = int(self.clock().timestamp())
        slot = seconds // WINDOW_SECONDS
        key = f"{self.name}:{firm.id if firm else '-'}:{address}"
        if await rate_limit_store.count_hit(key=key, slot=slot) > self.per_minute:
            wait = WINDOW_SECONDS - seconds % WINDOW_SECONDS
            raise TooManyRequestsException(
                detail="too many attempts from this address: wait a minute",
                headers={"Retry-After": str(wait)},
            )
        await next_app(scope, receive, send)
