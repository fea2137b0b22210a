"""The one place that turns errors into RFC 9457 problem documents.

Every refusal names the field and the reason; a server failure says nothing about its cause
to the client and is logged instead.
"""

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

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


def domain_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, domain.DomainError)
    status = next(s for cls, s in STATUS_OF.items() if isinstance(exc, cls))
    return problem(
        status=status,
        code=exc.code,
        detail=exc.message,
        errors=[{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors],
    )


def _field_of(item: dict[str, Any]) -> str:
    key = str(item.get("key") or "")
    # Litestar prefixes body fields with the parameter name; callers know it as the body.
    return key.removeprefix("data.") if key else str(item.get("source") or "body")


def validation_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, ValidationException)
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {"field": _field_of(item), "code": "invalid", "message": str(item.get("message", ""))}
        for item in extra
        if isinstance(item, dict)
    ]
    malformed = not errors or any("JSON" in e["message"] for e in errors)
    return problem(
        status=400 if malformed else 422,
        code="malformed_request" if malformed else "invalid_input",
        detail="the request body is not valid JSON"
        if malformed and not errors
        else "some fields are invalid",
        errors=errors,
    )


def http_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    code = {
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        429: "rate_limited",
    }.get(status, "http_error")
    detail = exc.detail or TITLES.get(status, "error")
    if status == 403 and "CSRF" in detail:
        code = "csrf_failed"
    if status == 429:
        detail = "too many attempts; wait a minute and try again"
    return problem(status=status, code=code, detail=detail, headers=headers)


def server_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[dict[str, Any]]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="server_error",
        detail="the server failed; nothing was changed by this request",
    )


EXCEPTION_HANDLERS = {
    domain.DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: server_error_handler,
}
