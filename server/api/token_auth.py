"""Requests made with an API token (`Authorization: Bearer carnet_…`), before anything else.

A token is not an ambient credential: a browser never adds it on its own, so cross-site request
forgery cannot use it and a token request needs no CSRF pair (OWASP CSRF cheat sheet). To keep
one kind of credential per request, a token request that also carries the session cookie (or a
signer's) is refused, and its other cookies are dropped: it is judged by its token alone. The
token itself is checked where the session is (`server/api/deps.py`), against the scope the
endpoint names in its ``opt`` (`token_scope`).
"""

from typing import Any

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, Empty, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from server.domain.errors import NotAuthenticated
from server.services.api_tokens import AmbiguousCredentials

SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def token_scope(scope: str) -> dict[str, str]:
    """The ``opt`` of a handler open to API tokens holding ``scope`` (docs/api.md)."""
    return {"token_scope": scope}


def bearer_of(headers: Headers) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without the header.

    Raises:
        NotAuthenticated: another scheme, or an empty token.
    """
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        msg = "only Authorization: Bearer <API token> is accepted"
        raise NotAuthenticated(msg)
    return token.strip()


class TokenRequests(ASGIMiddleware):
    """Refuse a token with a session cookie; let a token request pass CSRF without cookies."""

    scopes = (ScopeType.HTTP,)

    def __init__(
        self, *, csrf_secret: str, csrf_cookie: str, csrf_header: str, cookies: tuple[str, ...]
    ) -> None:
        self.csrf_secret = csrf_secret
        self.csrf_cookie = csrf_cookie
        self.csrf_header = csrf_header
        self.session_cookies = frozenset(cookies)
        self.dropped = (b"cookie", csrf_header.encode())

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # The headers the other middleware and the request read too, decoded once per request.
        headers = Headers.from_scope(scope)
        if bearer_of(headers) is None:
            await next_app(scope, receive, send)
            return
        cookie_names = {
            part.split("=", 1)[0].strip()
            for value in headers.getall("cookie", [])
            for part in value.split(";")
        }
        if cookie_names & self.session_cookies:
            msg = "send either the session cookie or an API token, not both"
            raise AmbiguousCredentials(msg)
        kept: list[Any] = [(k, v) for k, v in scope["headers"] if k.lower() not in self.dropped]
        if scope.get("method", "GET") not in SAFE:
            # The CSRF middleware runs after this one; a matching pair lets it through.
            pair = generate_csrf_token(secret=self.csrf_secret)
            kept += [
                (b"cookie", f"{self.csrf_cookie}={pair}".encode()),
                (self.csrf_header.encode(), pair.encode()),
            ]
        scope["headers"] = kept
        # Whatever read the headers or cookies before must read them again.
        state = ScopeState.from_scope(scope)
        state.headers = Empty
        state.cookies = Empty
        await next_app(scope, receive, send)
