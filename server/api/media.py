"""The API reads JSON bodies only, and only JSON it can read safely.

Any other declared media type is refused with 415; a body over the size limit with 413 (the
app's `request_max_body_size`); a body nested deeper than `MAX_DEPTH` or holding a number longer
than `MAX_NUMBER_LENGTH` characters with 400, before the decoder sees it. The decoder recurses
once per level of nesting against the interpreter's stack limit (about a thousand frames, part
of them already used by the server), so a 2 KB body of brackets would otherwise be a 500.
"""

import re
from typing import Any

from litestar import Request
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import ASGIApp, Receive, Scope, Send

BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

MAX_DEPTH = 32
"""Levels of arrays and objects in a body: our deepest schema (a WebAuthn credential in a
request) uses five."""
MAX_NUMBER_LENGTH = 64
"""Characters of one JSON number: no field holds more than 16 digits."""

# A JSON string, escapes included (the unrolled form: no backtracking on long strings).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_NOT_MARKS = bytes(b for b in range(256) if b not in b'"[]{}')
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")
# A backslash and the character it escapes when that is neither a quote, a backslash, a bracket
# nor a newline (which ends `_STRING`'s escape): the pair is string content.
_PLAIN_ESCAPE = re.compile(rb'\\[^"\\\n\[\]{}]')
_NUMBER_CHARACTERS = bytes(48 if b in b"-+0123456789.eE" else 32 for b in range(256))
"""Every character a JSON number can hold becomes ``0``, any other a space."""
_LONG_RUN = b"0" * (MAX_NUMBER_LENGTH + 1)


def _without_strings(body: bytes) -> bytes:
    """The body with every JSON string's content cut out (``"…"`` becomes ``""``).

    Without a backslash no quote is escaped, so quotes pair up in order and splitting on them
    gives the same cut as `_STRING`, in a tenth of the time (a month's push: 5 KB); with one,
    or with an unpaired quote, `_STRING` decides.
    """
    if b"\\" not in body:
        parts = body.split(b'"')
        if len(parts) % 2:
            return b'""'.join(parts[0::2])
    return _STRING.sub(b'""', body)


def _has_long_number(body: bytes) -> bool:
    """Whether a run of number characters outside strings is longer than `MAX_NUMBER_LENGTH`.

    Cutting strings out leaves their quotes, which end a run: a run in the skeleton is a run in
    the body. So the body is looked at first, with `translate` and a substring search (a few µs
    where a regex search took 60 on a 100-day push), and cut only when it has such a run.
    """
    if _LONG_RUN not in body.translate(_NUMBER_CHARACTERS):
        return False
    return _LONG_RUN in _without_strings(body).translate(_NUMBER_CHARACTERS)


def _brackets(body: bytes) -> bytes:
    """The brackets and braces outside strings, in order.

    Without a backslash, quotes pair up in order whatever lies between them, so keeping only
    quotes and brackets (`translate`) and cutting strings from that is the same as cutting them
    from the body. When no string holds a bracket, every string is then an adjacent ``""``, and
    removing those leaves no quote: taking the pairs left to right pairs the first quote with
    the second, the third with the fourth, and so on, as strings do. Otherwise (a quote is left)
    the strings are cut from the marks as before.

    Escapes (``\\n``, ``\\u00e9``: a comment with a line break or, in ASCII-only JSON, an
    accent) are replaced by a plain character first: pairs of backslashes, then a backslash
    with the character after it. Both are string content inside a string, and outside one
    neither starts a string nor is a bracket, so the cut is the same. A backslash left after
    that (before a quote, a bracket or a newline) has the strings cut by `_STRING` instead.
    """
    plain = body
    if b"\\" in body:
        plain = _PLAIN_ESCAPE.sub(b"a", body.replace(b"\\\\", b"a"))
        if b"\\" in plain:
            return _without_strings(body).translate(None, _NOT_BRACKETS)
    marks = plain.translate(None, _NOT_MARKS)
    brackets = marks.replace(b'""', b"")
    if b'"' in brackets:
        return _without_strings(marks).translate(None, _NOT_BRACKETS)
    return brackets


def _nested_at_most(brackets: bytes, depth: int) -> bool:
    """Whether brackets and braces pair up, nested at most `depth` levels.

    Each `replace` removes the empty pairs of one kind, so one level at most: emptied within
    `depth` calls, they pair up and are nested at most `depth` deep; our bodies (five levels)
    take six calls or fewer. Otherwise one regex pass per level settles it, removing the empty
    pairs of both kinds together.
    """
    quick = brackets
    for _ in range(depth // 2):
        if not quick:
            return True
        quick = quick.replace(b"{}", b"").replace(b"[]", b"")
    if not quick:
        return True
    for _ in range(depth):
        if not brackets:
            return True
        brackets = _EMPTY_PAIR.sub(b"", brackets)
    return not brackets


def check_json_shape(body: bytes) -> None:
    """Refuse, with a 400, a body nested deeper than `MAX_DEPTH` or with an endless number.

    Runs at C speed on the largest body allowed: a few passes of `translate`, substring search
    and `replace` over the body, strings left out (≈ 40 µs on a 100-day push, where cutting the
    strings out first and then searching with regexes took 200).
    """
    if len(body) <= MAX_NUMBER_LENGTH and body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return
    if _has_long_number(body):
        msg = f"the request body holds a number longer than {MAX_NUMBER_LENGTH} characters"
        raise ClientException(detail=msg)
    if not _nested_at_most(_brackets(body), MAX_DEPTH):
        msg = f"the request body is not JSON nested at most {MAX_DEPTH} levels deep"
        raise ClientException(detail=msg)


class JsonRequest(Request[Any, Any, Any]):
    """A request whose JSON body is checked for its shape before it is decoded."""

    async def json(self) -> Any:
        check_json_shape(await self.body())
        return await super().json()


def has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


def is_json(content_type: str) -> bool:
    """`application/json`, or a `+json` type such as `application/merge-patch+json`."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


RAW_BODY_PATHS = ("/api/v1/receipts/",)
"""Where a body is a file's bytes (a receipt photo), checked by its own handler instead."""


class JsonBodiesOnly(ASGIMiddleware):
    """Refuse a request body that does not say it is JSON, before anything reads it."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        raw = scope.get("path", "").startswith(RAW_BODY_PATHS)
        if scope.get("method", "GET") not in BODYLESS_METHODS and not raw:
            headers = Headers.from_scope(scope)
            if has_body(headers) and not is_json(headers.get("content-type", "")):
                raise HTTPException(
                    status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                    detail="send the request body as JSON, with Content-Type: application/json",
                )
        await next_app(scope, receive, send)
