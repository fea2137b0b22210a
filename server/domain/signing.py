"""What a signer's passkey signs: a challenge bound to the exact month they saw (security.md §1.4).

``document`` is the canonical JSON (RFC 8785 JCS, integers only; see ``audit.canonical_json``)
of the month as displayed: content, version, consultant, mission, signer and circuit step, never
a rate or an amount. The WebAuthn challenge is then

    challenge = SHA-256("CRA-SIGN-v1" ‖ 0x00 ‖ SHA-256(document) ‖ nonce)

so that it stays unpredictable and single use (the server's nonce, WebAuthn §13.4.3) while
committing to the document: an assertion over one month, version or signer cannot be replayed
for another. ``challenge_matches`` is the offline, crypto-library-free part of re-verifying
stored evidence; the signature itself is checked by the WebAuthn adapter.

Pure: the nonce comes in as a parameter.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

from server.domain.audit import canonical_json

SCHEME = "CRA-SIGN-v1"
"""Version tag of this signing scheme, hashed into every challenge and stored with the evidence."""

ENROL_SCHEME = "CRA-ENROL-v1"
"""Version tag of the passkey enrolment scheme: a registration challenge commits to the identity
statement (who, which e-mail address, the one-time code's proof) the new key is created for."""

MIN_NONCE_BYTES = 16
"""At least 128 bits of server randomness per challenge (WebAuthn §13.4.3 asks for ≥ 16 bytes)."""

ECDSA_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    "secp521r1": int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
}
"""The group order n of the NIST curves WebAuthn uses (SEC 2 §2.4.2, §2.5.1, §2.6.1), by the
curve's name: a low-S ECDSA signature has s <= n / 2 (its twin (r, n - s) verifies too, so only
the low-S form is stored and accepted)."""

FORBIDDEN_KEY_WORDS = frozenset({"rate", "rates", "tjm", "price", "prices", "amount", "cents"})
"""Key words that mark money: a signer sees days, never the consultant's rates."""

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def canonical_document(
    *,
    month: str,
    version: int,
    consultant: dict[str, Any],
    mission: dict[str, Any],
    signer: dict[str, Any],
    step: int,
    days: list[dict[str, Any]],
    totals: dict[str, int],
) -> bytes:
    """Serialise exactly what the signer was shown, as the bytes their challenge commits to.

    The scheme name is part of the document, so a document of another scheme never collides.
    Days keep the order given (the order shown); object keys are sorted (RFC 8785 §3.2.3).

    Args:
        month: The month, ``"YYYY-MM"``.
        version: The month's version, so that a signature cannot move to a later edit.
        consultant: Who the month belongs to, as displayed (id, name...).
        mission: The mission as displayed (id, title, client...), without rates.
        signer: Who signs (id, name, email...), so that it cannot move to another signer.
        step: The circuit step being signed.
        days: The days as displayed (date, lines, comment...).
        totals: Totals as displayed, in integers (half-days per line, for instance).

    Returns:
        The canonical UTF-8 JSON bytes.

    Raises:
        ValueError: If the month is malformed, version or step is negative or not an integer,
            a total is not an integer, or any key names money (see ``FORBIDDEN_KEY_WORDS``).
        NotCanonicalError: If any value has no canonical JSON form (a float, for instance).
    """
    if not _MONTH.fullmatch(month):
        msg = f"month must be YYYY-MM (got {month!r})"
        raise ValueError(msg)
    for name, number in (("version", version), ("step", step)):
        if not _is_int(number) or number < 0:
            msg = f"{name} must be a non-negative integer (got {number!r})"
            raise ValueError(msg)
    for line, total in totals.items():
        if not _is_int(total):
            msg = f"totals[{line!r}] must be an integer (got {total!r})"
            raise ValueError(msg)
    document = {
        "scheme": SCHEME,
        "month": month,
        "version": version,
        "consultant": consultant,
        "mission": mission,
        "signer": signer,
        "step": step,
        "days": days,
        "totals": totals,
    }
    _refuse_money(document, "$")
    return canonical_json(document)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _refuse_money(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            words = {word.lower() for word in _WORDS.findall(str(key))}
            if words & FORBIDDEN_KEY_WORDS:
                msg = f"{path}.{key}: a signer's document never shows rates or amounts"
                raise ValueError(msg)
            _refuse_money(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _refuse_money(item, f"{path}[{i}]")


def document_hash(document: bytes) -> bytes:
    """Hash a canonical document.

    Args:
        document: The bytes from ``canonical_document``.

    Returns:
        Its 32-byte SHA-256 digest (FIPS 180-4).
    """
    return hashlib.sha256(document).digest()


def signing_challenge(*, document_hash: bytes, nonce: bytes) -> bytes:
    """Derive the WebAuthn challenge for a document (security.md §1.4).

    ``SHA-256(b"CRA-SIGN-v1\\x00" ‖ document_hash ‖ nonce)``: the scheme tag and its NUL
    separator domain-separate these challenges from any other use of the same hash; the hash has
    a fixed length, so the nonce is unambiguous.

    Args:
        document_hash: ``document_hash(document)``, 32 bytes.
        nonce: The server's single-use random nonce, at least ``MIN_NONCE_BYTES`` long.

    Returns:
        The 32-byte challenge.

    Raises:
        ValueError: If the hash is not 32 bytes or the nonce is shorter than 16 bytes.
    """
    return _derive(SCHEME, document_hash, nonce)


def enrolment_challenge(*, statement: bytes, nonce: bytes) -> bytes:
    """Derive the WebAuthn registration challenge of a signer's passkey enrolment.

    ``SHA-256(b"CRA-ENROL-v1\\x00" ‖ SHA-256(statement) ‖ nonce)``: the same construction as
    ``signing_challenge`` under another tag, so the client data of the registration commits to
    the identity statement (canonical JSON) the key was created for.

    Args:
        statement: The canonical statement bytes (``evidence.enrolment_statement``).
        nonce: The server's single-use random nonce, at least ``MIN_NONCE_BYTES`` long.

    Returns:
        The 32-byte challenge.

    Raises:
        ValueError: If the nonce is shorter than 16 bytes.
    """
    return _derive(ENROL_SCHEME, hashlib.sha256(statement).digest(), nonce)


def _derive(scheme: str, digest: bytes, nonce: bytes) -> bytes:
    if len(digest) != hashlib.sha256().digest_size:
        msg = f"document_hash must be 32 bytes (got {len(digest)})"
        raise ValueError(msg)
    if len(nonce) < MIN_NONCE_BYTES:
        msg = f"nonce must be at least {MIN_NONCE_BYTES} bytes (got {len(nonce)})"
        raise ValueError(msg)
    return hashlib.sha256(scheme.encode("ascii") + b"\x00" + digest + nonce).digest()


def challenge_matches(*, client_data_json: bytes, document: bytes, nonce: bytes) -> bool:
    """Tell whether a stored clientDataJSON carries the challenge of this document and nonce.

    WebAuthn §5.8.1: ``clientDataJSON`` is UTF-8 JSON whose ``challenge`` member is the
    base64url encoding (RFC 4648 §5, no padding) of the challenge. Only the canonical encoding
    is accepted; the comparison is constant-time (``hmac.compare_digest``). The ``type``,
    ``origin`` and signature are checked elsewhere.

    Args:
        client_data_json: The clientDataJSON bytes exactly as the browser sent them.
        document: The canonical document bytes kept with the evidence.
        nonce: The nonce kept with the evidence.

    Returns:
        True if the challenge is the one derived from ``document`` and ``nonce``; False if it
        differs, if the client data is malformed, or if the nonce is too short to be valid.
    """
    try:
        expected = signing_challenge(document_hash=document_hash(document), nonce=nonce)
    except ValueError:
        return False
    received = _client_challenge(client_data_json)
    if received is None:
        return False
    return hmac.compare_digest(received, expected)


def _client_challenge(client_data_json: bytes) -> bytes | None:
    try:
        data = json.loads(
            client_data_json.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constants,
        )
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    challenge = data.get("challenge")
    if not isinstance(challenge, str):
        return None
    return _b64url_decode(challenge)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        msg = "duplicate member in clientDataJSON"
        raise ValueError(msg)
    return result


def _no_constants(name: str) -> None:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _b64url_decode(text: str) -> bytes | None:
    """Decode unpadded base64url (RFC 4648 §5), accepting only the canonical encoding."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    if b64url_encode(raw) != text:
        return None
    return raw


def b64url_encode(raw: bytes) -> str:
    """Encode bytes as unpadded base64url, as WebAuthn does (§3 "Base64url Encoding").

    Args:
        raw: Any bytes.

    Returns:
        The base64url text without ``=`` padding.
    """
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
