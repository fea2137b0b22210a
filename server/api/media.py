"""The API reads JSON bodies only: any other declared media type is refused with 415."""

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import ASGIApp, Receive, Scope, Send

BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


def is_json(content_type: str) -> bool:
    """`application/json`, or a `+json` type such as `application/merge-patch+json`."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class JsonBodiesOnly(ASGIMiddleware):
    """Refuse a request body that does not say it is JSON, before anything reads it."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method", "GET") not in BODYLESS_METHODS:
            headers = Headers.from_scope(scope)
            if has_body(headers) and not is_json(headers.get("content-type", "")):
                raise HTTPException(
                    status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                    detail="send the request body as JSON, with Content-Type: application/json",
                )
        await next_app(scope, receive, send)
