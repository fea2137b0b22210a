"""The OpenAPI document at `/schema/openapi.json`, made to say exactly what the server does.

Litestar derives the paths and operations from the handlers; this module corrects what it
cannot know, in one place, from the handlers themselves:

- **Schemas** come from pydantic, the validator the server runs (`model_json_schema`): extra
  fields forbidden (`additionalProperties: false`), integer bounds, patterns and lengths as
  checked, where Litestar's own translation dropped some of them.
- **Security** follows the handler's dependencies: a `session` needs the session cookie, a
  `signer` the signer-portal cookie; a mutating request also needs the CSRF cookie and its copy
  in the `x-csrftoken` header; a public read needs nothing (no requirement at all).
- **Problem responses** (RFC 9457, `application/problem+json`) are listed with their codes:
  those every operation of its kind can get (a body can be malformed, too large, of another
  media type or invalid; a session can be missing; a mutating request can fail the CSRF check;
  an object named in the path can be unknown; a rate-limited route can say "too many"), plus
  those a handler declares with `opt=problems(...)` for what its service refuses.

The fuzzing gate (`tests/server/test_fuzz_openapi.py`) holds the server to this document.
"""

from __future__ import annotations

import copy
import inspect
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any

from litestar import Litestar, Request
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitMiddleware
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.routes import HTTPRoute
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from server.api.rate_limit import SharedRateLimit
from server.api.schemas import Problem

PROBLEM_JSON = "application/problem+json"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONSTRAINTS = frozenset({"pattern", "minLength", "maxLength", "minimum", "maximum"})
SESSION, SIGNER = "sessionCookie", "signerCookie"
CSRF_COOKIE, CSRF_HEADER = "csrfCookie", "csrfHeader"

WHY = {
    400: "Malformed request: the body is not JSON (or nests too deeply), or a parameter "
    "cannot be read.",
    401: "Not logged in: no valid session.",
    403: "Refused: the CSRF header is missing or wrong, or this person may not do this.",
    404: "No such object, or none this person may see.",
    409: "Refused by the object's current state (see `code`).",
    410: "Gone: the link expired or was already used.",
    413: "The body is over 1 MB (4 MB for an import), or the file it carries over 2 MB.",
    415: "The body is not declared as JSON, or an imported file is neither CSV nor XLSX.",
    422: "Invalid input: each field and its reason in `errors`.",
    429: "Too many attempts from this address: wait a minute.",
}


def problems(*codes: int) -> dict[str, tuple[int, ...]]:
    """The `opt` of a handler whose service refuses with these codes beyond the usual ones."""
    return {"problems": codes}


def produces(*media_types: str) -> dict[str, tuple[str, ...]]:
    """The `opt` of a handler whose 200 answer is a file in one of these media types (its
    body is bytes, so Litestar cannot tell them)."""
    return {"produces": media_types}


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models named in a type annotation, however nested."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _models(typing.get_args(annotation)[0])
    elif origin is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _models(argument)


def _handlers(app: Litestar) -> dict[str, HTTPRouteHandler]:
    found = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if isinstance(handler.operation_id, str):
                    found[handler.operation_id] = handler
    return found


def _needs(handler: HTTPRouteHandler) -> set[str]:
    """The names a handler needs, through its dependencies too: a handler that takes a
    `context` built from the `session` needs the session as much as one that takes it."""
    provided = handler.resolve_dependencies()
    needed: set[str] = set()
    waiting = list(handler.parsed_fn_signature.parameters)
    while waiting:
        name = waiting.pop()
        if name in needed:
            continue
        needed.add(name)
        if name in provided:
            waiting.extend(inspect.signature(provided[name].dependency).parameters)
    return needed


def _is_rate_limited(handler: HTTPRouteHandler) -> bool:
    return any(
        isinstance(m, SharedRateLimit)
        or (isinstance(m, DefineMiddleware) and m.middleware is RateLimitMiddleware)
        for m in handler.resolve_middleware()
    )


def _codes(handler: HTTPRouteHandler, operation: Mapping[str, Any]) -> set[int]:
    """The problem codes of an operation: its kind's, and those its handler declares."""
    parameters = handler.parsed_fn_signature.parameters
    methods = set(handler.http_methods)
    located = {p.get("in") for p in operation.get("parameters", [])}
    constrained = any(
        CONSTRAINTS & set(p.get("schema", {}))
        for p in operation.get("parameters", [])
        if p.get("in") == "path"
    )
    codes: set[int] = set(handler.opt.get("problems", ()))
    if "data" in parameters:
        codes |= {400, 413, 422}
    if methods - SAFE_METHODS:
        codes |= {403, 415}
    if "query" in located:
        codes |= {400, 422}
    if "path" in located:
        codes |= {404}
    if constrained:
        codes |= {422}
    if {"session", "signer"} & _needs(handler):
        codes |= {401}
    if _is_rate_limited(handler):
        codes |= {429}
    return codes


def _security(handler: HTTPRouteHandler) -> list[dict[str, list[str]]]:
    """What a request must carry: the session (or signer) cookie if the handler needs one, and
    for every mutating request the CSRF cookie with its copy in the header (double submit)."""
    parameters = _needs(handler)
    needed: dict[str, list[str]] = {}
    if "session" in parameters:
        needed[SESSION] = []
    elif "signer" in parameters:
        needed[SIGNER] = []
    if set(handler.http_methods) - SAFE_METHODS:
        needed |= {CSRF_COOKIE: [], CSRF_HEADER: []}
    return [needed] if needed else []


def finish(document: dict[str, Any], app: Litestar) -> dict[str, Any]:
    """The document Litestar derived, corrected as the module docstring says."""
    document = copy.deepcopy(document)
    handlers = _handlers(app)
    models: dict[str, type[BaseModel]] = {"Problem": Problem}
    for handler in handlers.values():
        signature = handler.parsed_fn_signature
        annotations = [signature.return_type.annotation]
        if "data" in signature.parameters:
            annotations.append(signature.parameters["data"].annotation)
        for annotation in annotations:
            for model in _models(annotation):
                models[model.__name__] = model
    _, schemas = models_json_schema(
        [(model, "validation") for model in models.values()],
        ref_template="#/components/schemas/{model}",
    )
    document["components"]["schemas"] = schemas.get("$defs", {})
    for item in document["paths"].values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            found = handlers.get(operation.get("operationId", ""))
            if found is not None:
                _correct(operation, found)
    return document


def _correct(operation: dict[str, Any], handler: HTTPRouteHandler) -> None:
    """Security, problem responses and body requirement of one operation, from its handler."""
    operation["security"] = _security(handler)
    responses = {
        code: response
        for code, response in operation["responses"].items()
        if not code.startswith(("4", "5"))
    }
    if "204" in responses:
        responses["204"].pop("content", None)  # no content: no media type either
    if "produces" in handler.opt and "200" in responses:
        binary = {"schema": {"type": "string", "format": "binary"}}
        responses["200"]["content"] = {kind: binary for kind in handler.opt["produces"]}
    for code in sorted(_codes(handler, operation)):
        responses[str(code)] = {
            "description": WHY[code],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    operation["responses"] = responses
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is not None and "requestBody" in operation:
        operation["requestBody"]["required"] = not data.has_default


class OpenAPIDocument(JsonRenderPlugin):
    """Serves `finish` of Litestar's document, computed once."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json")
        self._rendered: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._rendered is None:
            self._rendered = self.render_json(request, finish(openapi_schema, request.app))
        return self._rendered
