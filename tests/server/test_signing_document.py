"""The signed document and its challenge (security.md §1.4): canonical, content-bound."""

import base64
import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.audit import NotCanonicalError
from server.domain.signing import (
    SCHEME,
    b64url_encode,
    canonical_document,
    challenge_matches,
    document_hash,
    signing_challenge,
)

NONCE = bytes(range(32))


def month_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "month": "2025-03",
        "version": 4,
        "consultant": {"id": "p-cons", "name": "Élise Martin"},
        "mission": {"id": "m-1", "title": "Refonte SI", "client": "ACME SA"},
        "signer": {"id": "p-sig", "name": "Jean Dupont", "email": "jean.dupont@acme.example"},
        "step": 1,
        "days": [
            {
                "date": "2025-03-03",
                "lines": [{"line": "mission:m-1", "half_days": 2}],
                "comment": "",
            },
            {
                "date": "2025-03-04",
                "lines": [
                    {"line": "mission:m-1", "half_days": 1},
                    {"line": "absence:rtt", "half_days": 1},
                ],
                "comment": "RTT l'après-midi",
            },
        ],
        "totals": {"mission:m-1": 3, "absence:rtt": 1},
    }
    fields.update(changes)
    return fields


def document(**changes: Any) -> bytes:
    return canonical_document(**month_fields(**changes))


def challenge_of(doc: bytes, nonce: bytes = NONCE) -> bytes:
    return signing_challenge(document_hash=document_hash(doc), nonce=nonce)


def client_data(challenge: bytes | str, **extra: Any) -> bytes:
    text = challenge if isinstance(challenge, str) else b64url_encode(challenge)
    data = {
        "type": "webauthn.get",
        "challenge": text,
        "origin": "https://carnet.example",
        "crossOrigin": False,
        **extra,
    }
    return json.dumps(data).encode()


# --- golden vector -------------------------------------------------------------------------------

GOLDEN_DOCUMENT = (
    '{"consultant":{"id":"p-cons","name":"Élise Martin"},"days":[{"comment":"","date":'
    '"2025-03-03","lines":[{"half_days":2,"line":"mission:m-1"}]},{"comment":"RTT l\'après-midi",'
    '"date":"2025-03-04","lines":[{"half_days":1,"line":"mission:m-1"},{"half_days":1,"line":'
    '"absence:rtt"}]}],"mission":{"client":"ACME SA","id":"m-1","title":"Refonte SI"},"month":'
    '"2025-03","scheme":"CRA-SIGN-v1","signer":{"email":"jean.dupont@acme.example","id":"p-sig",'
    '"name":"Jean Dupont"},"step":1,"totals":{"absence:rtt":1,"mission:m-1":3},"version":4}'
).encode()
GOLDEN_HASH = "81b84a31a0e0839aae1e904ddd704925743f48f1a5041bfe7b0dd7daef8cbee4"
GOLDEN_CHALLENGE = "485fc659e987f12773918f7ddab6a653fdb9817e289069511e85d8b1b3ca7fa9"


def test_the_document_matches_the_committed_golden_bytes() -> None:
    """Make sure the canonical document, its hash and its challenge never drift (CRA-SIGN-v1)."""
    doc = document()
    assert doc == GOLDEN_DOCUMENT
    assert document_hash(doc).hex() == GOLDEN_HASH
    assert challenge_of(doc).hex() == GOLDEN_CHALLENGE


def test_the_challenge_follows_the_published_formula() -> None:
    """Make sure challenge = SHA-256("CRA-SIGN-v1" ‖ 0x00 ‖ SHA-256(document) ‖ nonce)."""
    by_hand = hashlib.sha256(
        b"CRA-SIGN-v1\x00" + hashlib.sha256(GOLDEN_DOCUMENT).digest() + NONCE
    ).digest()
    assert challenge_of(GOLDEN_DOCUMENT) == by_hand
    assert SCHEME == "CRA-SIGN-v1"


def test_same_inputs_give_the_same_bytes_whatever_the_key_order() -> None:
    """Make sure the document depends on content only, not on dict insertion order."""
    shuffled = month_fields()
    shuffled["mission"] = dict(reversed(list(shuffled["mission"].items())))
    shuffled["totals"] = dict(reversed(list(shuffled["totals"].items())))
    assert canonical_document(**shuffled) == document() == document()


# --- any change changes the challenge ------------------------------------------------------------


def with_day(index: int, **changes: Any) -> list[dict[str, Any]]:
    days = [dict(day) for day in month_fields()["days"]]
    days[index].update(changes)
    return days


@pytest.mark.parametrize(
    "changes",
    [
        {"month": "2025-04"},
        {"version": 5},
        {"step": 2},
        {"signer": {"id": "p-other", "name": "Jean Dupont", "email": "jean.dupont@acme.example"}},
        {"signer": {"id": "p-sig", "name": "Jean Dupont", "email": "j.dupont@acme.example"}},
        {"consultant": {"id": "p-cons", "name": "Elise Martin"}},
        {"mission": {"id": "m-2", "title": "Refonte SI", "client": "ACME SA"}},
        {"days": with_day(1, comment="RTT l'après-midi.")},
        {"days": with_day(0, date="2025-03-05")},
        {"days": with_day(0, lines=[{"line": "mission:m-1", "half_days": 1}])},
        {"days": with_day(0, lines=[{"line": "mission:m-9", "half_days": 2}])},
        {"days": month_fields()["days"][:1]},
        {"days": list(reversed(month_fields()["days"]))},
        {"totals": {"mission:m-1": 4, "absence:rtt": 1}},
        {"totals": {"mission:m-1": 3}},
    ],
    ids=lambda changes: ",".join(changes),
)
def test_any_change_to_what_was_shown_changes_the_challenge(changes: dict[str, Any]) -> None:
    """Make sure a day, a comment, the version, the signer or the step all change the challenge."""
    assert document(**changes) != GOLDEN_DOCUMENT
    assert challenge_of(document(**changes)) != challenge_of(GOLDEN_DOCUMENT)


@given(comment=st.text(max_size=40))
def test_every_comment_yields_its_own_document(comment: str) -> None:
    """Make sure no two comments serialise alike (the JSON string encoding is injective)."""
    doc = document(days=with_day(1, comment=comment))
    assert json.loads(doc)["days"][1]["comment"] == comment
    assert (doc == GOLDEN_DOCUMENT) == (comment == "RTT l'après-midi")


def test_another_nonce_gives_another_challenge() -> None:
    """Make sure the server nonce keeps each challenge unique for the same document."""
    assert challenge_of(GOLDEN_DOCUMENT, NONCE) != challenge_of(GOLDEN_DOCUMENT, bytes(32))


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "fragment"),
    [
        ({"month": "2025-13"}, ValueError, "YYYY-MM"),
        ({"month": "25-03"}, ValueError, "YYYY-MM"),
        ({"version": -1}, ValueError, "version"),
        ({"version": True}, ValueError, "version"),
        ({"step": 1.0}, ValueError, "step"),
        ({"totals": {"mission:m-1": 2.5}}, ValueError, "totals"),
        ({"mission": {"id": "m-1", "daily_rate_cents": 65000}}, ValueError, "rates"),
        ({"mission": {"id": "m-1", "dailyRate": 650}}, ValueError, "rates"),
        ({"mission": {"id": "m-1", "TJM": 650}}, ValueError, "rates"),
        ({"days": with_day(0, amount_cents=100)}, ValueError, "rates"),
        ({"days": with_day(0, hours=7.5)}, NotCanonicalError, "floats"),
    ],
)
def test_canonical_document_refuses_bad_fields_and_money(
    changes: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    """Make sure a malformed month, a float, or any rate or amount never enters a document."""
    with pytest.raises(error, match=fragment):
        document(**changes)


def test_a_key_merely_containing_rate_letters_is_allowed() -> None:
    """Make sure words like "generated" or "separate" are not mistaken for rates."""
    assert document(mission={"id": "m-1", "generated_by": "x", "separate": True})


@pytest.mark.parametrize(
    ("digest", "nonce", "fragment"),
    [
        (bytes(32), bytes(15), "at least 16"),
        (bytes(32), b"", "at least 16"),
        (bytes(31), bytes(16), "32 bytes"),
    ],
)
def test_signing_challenge_refuses_short_nonces_and_bad_hashes(
    digest: bytes, nonce: bytes, fragment: str
) -> None:
    """Make sure a nonce under 16 bytes or a hash that is not SHA-256 is refused."""
    with pytest.raises(ValueError, match=fragment):
        signing_challenge(document_hash=digest, nonce=nonce)


def test_a_sixteen_byte_nonce_is_enough() -> None:
    """Make sure the minimum nonce length is accepted."""
    assert len(signing_challenge(document_hash=bytes(32), nonce=bytes(16))) == 32


# --- challenge_matches ---------------------------------------------------------------------------

EXPECTED = bytes.fromhex(GOLDEN_CHALLENGE)
EXPECTED_TEXT = b64url_encode(EXPECTED)


@pytest.mark.parametrize(
    ("client_data_json", "doc", "nonce", "matches"),
    [
        (client_data(EXPECTED), GOLDEN_DOCUMENT, NONCE, True),
        (client_data(EXPECTED, tokenBinding={"status": "present"}), GOLDEN_DOCUMENT, NONCE, True),
        (client_data(EXPECTED), document(month="2025-04"), NONCE, False),
        (client_data(EXPECTED), document(version=5), NONCE, False),
        (client_data(EXPECTED), document(step=2), NONCE, False),
        (client_data(EXPECTED), GOLDEN_DOCUMENT, bytes(32), False),
        (client_data(EXPECTED), GOLDEN_DOCUMENT, NONCE[:15], False),
        (client_data(challenge_of(document(month="2025-04"))), GOLDEN_DOCUMENT, NONCE, False),
        (client_data(hashlib.sha256(GOLDEN_DOCUMENT).digest()), GOLDEN_DOCUMENT, NONCE, False),
        (client_data(EXPECTED_TEXT + "="), GOLDEN_DOCUMENT, NONCE, False),
        (client_data(base64.b64encode(EXPECTED).decode()), GOLDEN_DOCUMENT, NONCE, False),
        (client_data(EXPECTED.hex()), GOLDEN_DOCUMENT, NONCE, False),
        (client_data(""), GOLDEN_DOCUMENT, NONCE, False),
        (client_data(EXPECTED_TEXT[:-1]), GOLDEN_DOCUMENT, NONCE, False),
        (json.dumps({"type": "webauthn.get"}).encode(), GOLDEN_DOCUMENT, NONCE, False),
        (json.dumps({"challenge": 1}).encode(), GOLDEN_DOCUMENT, NONCE, False),
        (json.dumps([EXPECTED_TEXT]).encode(), GOLDEN_DOCUMENT, NONCE, False),
        (b"not json", GOLDEN_DOCUMENT, NONCE, False),
        (b"\xff\xfe", GOLDEN_DOCUMENT, NONCE, False),
        (
            ('{"challenge":"AAAA","challenge":"' + EXPECTED_TEXT + '"}').encode(),
            GOLDEN_DOCUMENT,
            NONCE,
            False,
        ),
    ],
    ids=[
        "same document and nonce",
        "extra members ignored",
        "another month's document",
        "another version",
        "another step",
        "another nonce",
        "nonce too short",
        "challenge of another month",
        "bare document hash",
        "padded base64url",
        "standard base64",
        "hex",
        "empty challenge",
        "truncated challenge",
        "no challenge",
        "challenge not a string",
        "not an object",
        "not json",
        "not utf-8",
        "duplicate challenge member",
    ],
)
def test_challenge_matches(
    client_data_json: bytes, doc: bytes, nonce: bytes, matches: bool
) -> None:
    """Make sure only the base64url challenge of this very document and nonce is accepted."""
    assert challenge_matches(client_data_json=client_data_json, document=doc, nonce=nonce) is (
        matches
    )


def test_challenge_matches_reads_what_a_browser_sends() -> None:
    """Make sure a clientDataJSON with the browser's member order and spacing is understood."""
    raw = (
        '{"type":"webauthn.get","challenge":"' + EXPECTED_TEXT + '",'
        '"origin":"http://localhost:8000","crossOrigin":false}'
    ).encode()
    assert challenge_matches(client_data_json=raw, document=GOLDEN_DOCUMENT, nonce=NONCE)


@given(st.binary(min_size=16, max_size=64), st.binary(min_size=16, max_size=64))
def test_challenge_matches_exactly_its_own_nonce(nonce: bytes, other: bytes) -> None:
    """Make sure a challenge built for one nonce matches it and no other nonce."""
    data = client_data(challenge_of(GOLDEN_DOCUMENT, nonce))
    assert challenge_matches(client_data_json=data, document=GOLDEN_DOCUMENT, nonce=nonce)
    assert challenge_matches(client_data_json=data, document=GOLDEN_DOCUMENT, nonce=other) is (
        nonce == other
    )
