"""Which firm an API request is for: its host name (docs/multi-tenant.md)."""

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.services import firms
from server.settings import Settings


def request_host(headers: Headers, settings: Settings) -> str:
    """The Host header; X-Forwarded-Host instead only when the operator said a proxy sets it
    (from anyone else it is the caller's own word, and would pick another firm)."""
    if settings.trust_forwarded_host:
        forwarded = headers.get("x-forwarded-host", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return headers.get("host", "")


class FirmOfHost(ASGIMiddleware):
    """Resolve the request's firm before anything else runs (an unknown host is a 404), keep it
    for the request, and forget it after, so nothing else in the task inherits it."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        host = request_host(Headers.from_scope(scope), self.settings)
        with firms.entered(await firms.resolve(settings=self.settings, host=host)):
            await next_app(scope, receive, send)
