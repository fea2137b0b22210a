"""The body shape guard (`server.api.media.check_json_shape`) gives the verdicts it gave before
it was rewritten for speed (issue 12): the regex version is kept here as the reference and
both are run on many generated bodies — random bytes from JSON's marks, JSON documents nested
around the limit with strings holding brackets, quotes and escapes, numbers around the length
limit, and pushes broken at random."""

import json
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.exceptions import ClientException

from server.api import media

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (media.MAX_NUMBER_LENGTH + 1))


def reference(body: bytes) -> str | None:
    """The guard as it was (commit 3881046), with the string pattern's cut: its refusal's
    detail, or None."""
    if body.count(b"[") + body.count(b"{") <= media.MAX_DEPTH and len(body) <= 64:
        return None
    skeleton = _STRING.sub(b'""', body)
    if _LONG_NUMBER.search(skeleton):
        return "the request body holds a number longer than 64 characters"
    brackets = skeleton.translate(None, _NOT_BRACKETS)
    for _ in range(media.MAX_DEPTH):
        if not brackets:
            return None
        brackets = _EMPTY_PAIR.sub(b"", brackets)
    return "the request body is not JSON nested at most 32 levels deep" if brackets else None


def verdict(body: bytes) -> str | None:
    try:
        media.check_json_shape(body)
    except ClientException as refusal:
        assert refusal.status_code == 400
        return str(refusal.detail)
    return None


def nested(rng: random.Random, depth: int) -> str:
    """A JSON text `depth` levels deep at its deepest, arrays and objects mixed, with strings
    holding brackets, quotes, backslashes and newlines, and numbers near the length limit."""
    if depth == 0:
        kind = rng.randrange(4)
        if kind == 0:
            text = "".join(rng.choice('ab[]{}"\\\n 0e') for _ in range(rng.randrange(12)))
            return json.dumps(text)
        if kind == 1:
            return rng.choice(["-", ""]) + "9" * rng.randrange(1, 70)
        if kind == 2:
            return "1." + "0" * rng.randrange(55, 66) + rng.choice(["", "e+5", "E-10"])
        return rng.choice(["true", "false", "null", "[]", "{}"])
    inner = [nested(rng, depth - 1)] + [
        nested(rng, rng.randrange(min(depth, 3))) for _ in range(rng.randrange(3))
    ]
    rng.shuffle(inner)
    if rng.random() < 0.5:
        return "[" + ", ".join(inner) + "]"
    keys = [json.dumps(rng.choice(["a", "[", "}", 'q"', "b\\"])) for _ in inner]
    return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, inner, strict=True)) + "}"


def broken(rng: random.Random, body: bytes) -> bytes:
    """The body with a few marks inserted, removed or swapped at random places."""
    marks = b'[]{}"\\\n9e, '
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(body) + 1)
        kind = rng.randrange(3)
        if kind == 0:
            body = body[:at] + bytes([rng.choice(marks)]) + body[at:]
        elif kind == 1:
            body = body[:at] + body[at + 1 :]
        else:
            body = body[:at] + bytes([rng.choice(marks)]) + body[at + 1 :]
    return body


def push(rng: random.Random, days: int) -> bytes:
    mutations = [
        {
            "id": i,
            "name": "set_day",
            "args": {
                "date": f"2026-11-{i:02d}",
                "epoch": 0,
                "lines": [{"line": "mission:0b6c3a2e", "half_days": 2}],
                "comment": rng.choice(["", "réunion [client]", 'dit "oui"\nfin', "a\\b {x}"]),
                "hlc": "1796486296546:0000:a27e81645e534a48",
                "base_v": 12,
            },
        }
        for i in range(1, days + 1)
    ]
    body = {"protocol": 2, "client_id": "c", "ack_through": 0, "mutations": mutations}
    return json.dumps(body, ensure_ascii=rng.random() < 0.5).encode()


def test_the_guard_refuses_what_the_regex_guard_refused_on_generated_bodies() -> None:
    """Make sure the rewritten guard gives the reference's verdict, refusal detail included, on
    tens of thousands of bodies: byte soups, JSON nested 28 to 36 levels and broken copies,
    and pushes with and without comments holding brackets, quotes and escapes."""
    rng = random.Random(12)
    bodies: list[bytes] = []
    soup = b'ab"\\[]{}0123456789,: -e.\n'
    for _ in range(20_000):
        bodies.append(bytes(rng.choice(soup) for _ in range(rng.randrange(200))))
    for _ in range(3_000):
        text = nested(rng, rng.randrange(28, 37)).encode()
        bodies += [text, broken(rng, text)]
    for _ in range(300):
        text = push(rng, rng.randrange(1, 30))
        bodies += [text, broken(rng, text)]
    seen: dict[str | None, int] = {}
    for body in bodies:
        expected = reference(body)
        assert verdict(body) == expected, body
        seen[expected] = seen.get(expected, 0) + 1
    # Every verdict is reached often, so a disagreement on any of them would show.
    assert len(seen) == 3 and min(seen.values()) > 1_000, seen


CHUNKS = [bytes([mark]) for mark in b'[]{}"\\\na,e'] + [b"9" * 20, b"[" * 8, b"]" * 8]


@settings(max_examples=3_000, deadline=None)
@given(st.lists(st.sampled_from(CHUNKS), max_size=120).map(b"".join))
def test_the_guard_agrees_with_the_regex_guard_on_any_mix_of_marks(body: bytes) -> None:
    """Make sure the two guards agree on bodies made of brackets, quotes, escapes and runs of
    digits in any order (hypothesis shrinks a disagreement to its smallest body)."""
    assert verdict(body) == reference(body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[" * 32 + b"]" * 32 + b" " * 40, None),
        (b"[" * 33 + b"]" * 33, "deep"),
        (b"{[" * 16 + b"]}" * 16 + b" " * 40, None),
        (b"[" * 16 + b"{" * 16 + b"}" * 16 + b"]" * 16, None),
        (b"{" + b"[{" * 16 + b"}]" * 16 + b"}", "deep"),
        (b"[{" * 17 + b"}]" * 17, "deep"),
        (b"[" + b" " * 70, "deep"),
        (b"[" * 3 + b"}" * 3 + b" " * 70, "deep"),
        (b'["' + b"[" * 40 + b'"]' + b" " * 40, None),
        (b'["\\"' + b"[" * 40 + b'"]' + b" " * 40, None),
        (b'["\\"]", "[' + b" " * 70, "deep"),
        (b'["' + b"9" * 70 + b'"]', None),
        (b'["a\\n[", "b\\u00e9"]' + b" " * 60, None),
        (b'["a\\\\"["]"]' + b" " * 60, "deep"),
        (b'["a\\\\\\"["]' + b" " * 60, None),
        (b'["a\\\n["]' + b" " * 60, "deep"),
        (b"[" + b"9" * 65 + b"]", "number"),
        (b"[" + b"9" * 64 + b"]", None),
        (b'["a", "b" ' + b"9" * 65 + b"]", "number"),
        (b'["a\\", ' + b"9" * 65 + b'"]', None),
    ],
)
def test_the_guard_on_the_edges_of_its_limits(body: bytes, expected: str | None) -> None:
    """Make sure depth 32 passes and 33 is refused, brackets and numbers inside strings (even
    after an escape or an escaped quote) count for nothing, an escaped backslash does not escape
    the quote after it, a backslash before a line break ends the string, and an unpaired
    bracket or 65-character number outside strings is refused, as the reference does."""
    got = verdict(body)
    assert got == reference(body)
    assert (got is None) if expected is None else (got is not None and expected in got)
