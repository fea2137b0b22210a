"""Which firm an API request is for: its host name (docs/multi-tenant.md)."""

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from server.domain.errors import FieldError, InvalidInput
from server.services import firms
from server.settings import Settings


def request_host(scope: Scope, settings: Settings) -> str:
    """The Host header; X-Forwarded-Host instead only when the operator said a proxy sets it
    (from anyone else it is the caller's own word, and would pick another firm).

    Read from the raw ASGI headers in one pass (a Litestar `Headers` decodes every header;
    the CSRF check builds it once later anyway). An HTTP/1.1 request without a Host, or any
    request with several, is refused as RFC 9112 §3.2 asks: uvicorn's h11 parser did it, its
    C parser (httptools) leaves it to the application, and two Host headers could name two
    firms, one to a proxy and another to us.

    Raises:
        InvalidInput: no Host header on HTTP/1.1, or more than one.
    """
    host: bytes | None = None
    hosts = 0
    forwarded: bytes | None = None
    for name, value in scope["headers"]:
        name = name.lower()
        if name == b"host":
            host = value
            hosts += 1
        elif name == b"x-forwarded-host" and forwarded is None:
            forwarded = value
    if hosts > 1 or (hosts == 0 and scope.get("http_version", "1.1") == "1.1"):
        reason = "several Host headers" if hosts else "no Host header"
        msg = f"the request has {reason}; send exactly one (RFC 9112 §3.2)"
        code = "several_hosts" if hosts else "missing_host"
        raise InvalidInput(msg, errors=(FieldError(field="Host", code=code, message=msg),))
    if settings.trust_forwarded_host and forwarded:
        return forwarded.decode("latin-1").split(",")[0].strip()
    return "" if host is None else host.decode("latin-1")


class FirmOfHost(ASGIMiddleware):
    """Resolve the request's firm before anything else runs (an unknown host is a 404), keep it
    for the request, and forget it after, so nothing else in the task inherits it."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        host = request_host(scope, self.settings)
        with firms.entered(await firms.resolve(settings=self.settings, host=host)):
            await next_app(scope, receive, send)
