"""The one place that turns errors into RFC 9457 problem documents.

Every refusal names the field and the reason, and is logged as one line (INFO, or WARNING for
refusals that may be an attack: CSRF, rate limit) with its status and problem code, never a
traceback. A server failure says nothing about its cause to the client; it is logged with its
traceback, the only case that is.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from server.api.params import PATH_PARAMETER_CODES
from server.domain import errors as domain
from server.headers import SECURITY_HEADERS

logger = logging.getLogger("carnet")

PROBLEM_JSON = "application/problem+json"

STATUS_OF: dict[type[domain.DomainError], int] = {
    domain.NotAuthenticated: 401,
    domain.AuthenticationFailed: 401,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.Gone: 410,
    domain.InvalidInput: 422,
    domain.Unavailable: 503,
    domain.PayloadTooLarge: 413,
    domain.UnsupportedMedia: 415,
}

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}


def problem(
    *,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"urn:carnet:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "errors": errors or [],
    }
    # Exception responses skip the app's response_headers, so they are added here.
    all_headers = {**SECURITY_HEADERS, "Cache-Control": "no-store", **(headers or {})}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=all_headers)


def refused(request: Request[Any, Any, Any], response: Response[dict[str, Any]]) -> None:
    """Log a refusal as one line: method, path, status and problem code."""
    body = response.content
    status, code = body["status"], body["code"]
    level = logging.WARNING if status == 429 or code == "csrf_failed" else logging.INFO
    logger.log(level, "refused %s %s: %s %s", request.method, request.url.path, status, code)


Handler = Callable[[Request[Any, Any, Any], Exception], Response[dict[str, Any]]]


def _logged(build: Callable[[Exception], Response[dict[str, Any]]]) -> Handler:
    """An exception handler answering `build(exc)`, with its one log line."""

    def handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
        response = build(exc)
        refused(request, response)
        return response

    return handler


def _domain_problem(exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, domain.DomainError)
    status = next(s for cls, s in STATUS_OF.items() if isinstance(exc, cls))
    return problem(
        status=status,
        code=exc.code,
        detail=exc.message,
        errors=[{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors],
    )


# Path segments that are list indexes: `lines.0.half_days` is named `lines[0].half_days`, as the
# services and the day rules of `sync/` name them.
_INDEX = re.compile(r"(?:^|\.)([0-9]+)(?=\.|$)")

NOT_JSON = "the request body is not valid JSON"
BODY_REQUIRED = "a JSON body is required"
NOT_AN_OBJECT = "Input should be a valid dictionary or instance of"


def _field_of(item: dict[str, Any]) -> str:
    key = str(item.get("key") or "")
    if not key:
        return str(item.get("source") or "body")
    # Litestar prefixes body fields with the parameter name; callers know it as the body.
    return _INDEX.sub(r"[\1]", key.removeprefix("data."))


def _code_of(item: dict[str, Any]) -> str:
    """A path parameter keeps the code its rule gives it (a month that is not YYYY-MM is an
    `invalid_month` whether the pattern or the calendar refused it); anything else `invalid`."""
    if item.get("source") == "path":
        return PATH_PARAMETER_CODES.get(str(item.get("key")), "invalid")
    return "invalid"


def _message_of(item: dict[str, Any]) -> str:
    message = str(item.get("message", ""))
    # The body itself is not an object: pydantic names the internal model class.
    return "must be a JSON object" if message.startswith(NOT_AN_OBJECT) else message


def malformed(detail: str) -> Response[dict[str, Any]]:
    return problem(
        status=400,
        code="malformed_request",
        detail=detail,
        errors=[{"field": "body", "code": "malformed", "message": detail}],
    )


def _validation_problem(exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, ValidationException)
    extra = exc.extra if isinstance(exc.extra, list) else []
    items = [item for item in extra if isinstance(item, dict)]
    if not items:
        return malformed(NOT_JSON)
    # Every handler's body parameter is `data`, and no wire schema has a field of that name:
    # an error on `data` itself means there was no body at all.
    if any(item.get("key") == "data" for item in items):
        return malformed(BODY_REQUIRED)
    return problem(
        status=422,
        code="invalid_input",
        detail="some fields are invalid",
        errors=[
            {"field": _field_of(item), "code": _code_of(item), "message": _message_of(item)}
            for item in items
        ],
    )


def _http_problem(exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    code = {
        400: "malformed_request",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        429: "rate_limited",
    }.get(status, "http_error")
    detail = exc.detail or TITLES.get(status, "error")
    if isinstance(exc.__cause__, SerializationException):
        # Litestar turns an undecodable body into a 400 carrying the decoder's message.
        return malformed(NOT_JSON)
    if status == 400:
        return malformed(detail)
    if status == 403 and "CSRF" in detail:
        code = "csrf_failed"
    if status == 413:
        detail = "the request body is too large"
    if status == 429:
        detail = "too many attempts; wait a minute and try again"
    return problem(status=status, code=code, detail=detail, headers=headers)


def server_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Not "nothing was changed": the failure may come after a commit (a month submitted, then
    # read back), and a 500 must never deny a change that was made.
    return problem(
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="server_error",
        detail="the server failed to answer; reload to see where things stand, then retry",
    )


EXCEPTION_HANDLERS = {
    domain.DomainError: _logged(_domain_problem),
    ValidationException: _logged(_validation_problem),
    HTTPException: _logged(_http_problem),
    Exception: server_error_handler,
}
