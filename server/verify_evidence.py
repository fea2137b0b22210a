"""Re-verify a client's signature offline from its evidence file (carnet-signature-evidence/1).

    carnet verify-signature evidence.json
    python -m server.verify_evidence evidence.json

No database, no settings, no network: only the file. Each check is printed; the exit status
is 0 when all pass, 1 naming the first that fails, 2 when the file cannot be read. The checks
follow WebAuthn Level 3 §7.2 (steps 11-21) on the stored bytes, plus Carnet's binding of the
challenge to the document (``server.domain.signing``):

1. ``format``: the file says ``carnet-signature-evidence/1`` and scheme ``CRA-SIGN-v1``.
2. ``document_hash``: SHA-256 of the document's UTF-8 bytes is ``document_sha256``.
3. ``document_canonical``: the document is in canonical form (a reformatted one is not the
   document that was signed).
4. ``challenge``: ``SHA-256("CRA-SIGN-v1" ‖ 0x00 ‖ document hash ‖ nonce)`` is the challenge
   in the client data (and the one recorded).
5. ``client_data_type``: the client data is a ``webauthn.get``.
6. ``origin``: the client data's origin is the recorded origin, and not cross-origin.
7. ``rp_id_hash``: the authenticator data starts with SHA-256 of the recorded RP id.
8. ``user_present`` and ``user_verified``: the UP and UV flags are set.
9. ``signature``: the signature over ``authenticatorData ‖ SHA-256(clientDataJSON)`` verifies
   with the recorded COSE public key (ES256, EdDSA or RS256).

py_webauthn's low-level helpers parse the COSE key and check the signature; that is why this
module may import ``webauthn`` (see tests/test_architecture.py).
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webauthn.helpers import (
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    parse_authenticator_data,
    parse_client_data_json,
)
from webauthn.helpers import verify_signature as verify_cose_signature

from server.domain.audit import canonical_json
from server.domain.evidence import FORMAT
from server.domain.signing import SCHEME, challenge_matches, document_hash, signing_challenge

CLIENT_DATA_GET = "webauthn.get"


class CheckFailed(Exception):
    """One check did not pass; the message says why."""


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str


def _b64(evidence: dict[str, Any], *path: str) -> bytes:
    value: Any = evidence
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise CheckFailed(f"missing field {'.'.join(path)}")
        value = value[key]
    if not isinstance(value, str):
        raise CheckFailed(f"field {'.'.join(path)} is not base64url text")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise CheckFailed(f"field {'.'.join(path)} is not base64url: {error}") from error


def _text(evidence: dict[str, Any], key: str) -> str:
    value = evidence.get(key)
    if not isinstance(value, str):
        raise CheckFailed(f"missing text field {key}")
    return value


def _checks(evidence: dict[str, Any]) -> Iterator[tuple[str, Callable[[], str]]]:
    """The checks in order, each a name and a function returning a detail or raising."""

    def check_format() -> str:
        if evidence.get("format") != FORMAT or evidence.get("scheme") != SCHEME:
            raise CheckFailed(
                f"format {evidence.get('format')!r} / scheme {evidence.get('scheme')!r}, "
                f"expected {FORMAT!r} / {SCHEME!r}"
            )
        return FORMAT

    def document() -> bytes:
        return _text(evidence, "document").encode("utf-8")

    def check_document_hash() -> str:
        actual = document_hash(document()).hex()
        if not hmac.compare_digest(actual, _text(evidence, "document_sha256")):
            raise CheckFailed(
                f"the document hashes to {actual}, the evidence records "
                f"{evidence.get('document_sha256')}: the document was changed"
            )
        return actual

    def check_canonical() -> str:
        try:
            again = canonical_json(json.loads(document()))
        except ValueError as error:
            raise CheckFailed(f"the document is not canonical JSON: {error}") from error
        if again != document():
            raise CheckFailed("the document is not in canonical form")
        return "RFC 8785 form"

    def check_challenge() -> str:
        nonce = _b64(evidence, "nonce")
        client_data = _b64(evidence, "assertion", "client_data_json")
        expected = signing_challenge(document_hash=document_hash(document()), nonce=nonce)
        if _b64(evidence, "challenge") != expected:
            raise CheckFailed("the recorded challenge is not derived from the document and nonce")
        if not challenge_matches(client_data_json=client_data, document=document(), nonce=nonce):
            raise CheckFailed("the signed client data carries another challenge")
        return "SHA-256(CRA-SIGN-v1 ‖ 0x00 ‖ document hash ‖ nonce)"

    def client_data() -> Any:
        try:
            return parse_client_data_json(_b64(evidence, "assertion", "client_data_json"))
        except Exception as error:
            raise CheckFailed(f"client data is malformed: {error}") from error

    def check_type() -> str:
        kind = client_data().type
        if kind != CLIENT_DATA_GET:
            raise CheckFailed(f"client data type {kind!r}, expected {CLIENT_DATA_GET!r}")
        return str(kind)

    def check_origin() -> str:
        data = client_data()
        expected = _text(evidence, "origin")
        if data.origin != expected:
            raise CheckFailed(f"client data origin {data.origin!r}, expected {expected!r}")
        if data.cross_origin:
            raise CheckFailed("the assertion was made cross-origin")
        return expected

    def authenticator_data() -> Any:
        try:
            return parse_authenticator_data(_b64(evidence, "assertion", "authenticator_data"))
        except Exception as error:
            raise CheckFailed(f"authenticator data is malformed: {error}") from error

    def check_rp_id() -> str:
        rp_id = _text(evidence, "rp_id")
        if not hmac.compare_digest(
            authenticator_data().rp_id_hash, hashlib.sha256(rp_id.encode()).digest()
        ):
            raise CheckFailed(f"the authenticator data is not for RP id {rp_id!r}")
        return rp_id

    def check_up() -> str:
        if not authenticator_data().flags.up:
            raise CheckFailed("the UP flag is not set: the user was not present")
        return "UP flag set"

    def check_uv() -> str:
        if not authenticator_data().flags.uv:
            raise CheckFailed("the UV flag is not set: the user was not verified")
        return "UV flag set"

    def check_signature() -> str:
        try:
            key = decode_credential_public_key(_b64(evidence, "credential", "public_key"))
            public_key = decoded_public_key_to_cryptography(key)
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"the public key cannot be read: {error}") from error
        signed = (
            _b64(evidence, "assertion", "authenticator_data")
            + hashlib.sha256(_b64(evidence, "assertion", "client_data_json")).digest()
        )
        try:
            verify_cose_signature(
                public_key=public_key,
                signature_alg=key.alg,
                signature=_b64(evidence, "assertion", "signature"),
                data=signed,
            )
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed("the signature does not verify with the recorded key") from error
        return f"COSE algorithm {int(key.alg)}"

    yield "format", check_format
    yield "document_hash", check_document_hash
    yield "document_canonical", check_canonical
    yield "challenge", check_challenge
    yield "client_data_type", check_type
    yield "origin", check_origin
    yield "rp_id_hash", check_rp_id
    yield "user_present", check_up
    yield "user_verified", check_uv
    yield "signature", check_signature


def verify(evidence: dict[str, Any]) -> list[Result]:
    """Run the checks in order, stopping at the first failure.

    Args:
        evidence: The parsed evidence file.

    Returns:
        One result per check run; the last is the failure, if any.
    """
    results = []
    for name, check in _checks(evidence):
        try:
            results.append(Result(name=name, ok=True, detail=check()))
        except CheckFailed as error:
            results.append(Result(name=name, ok=False, detail=str(error)))
            break
    return results


def main(argv: list[str] | None = None) -> int:
    """Verify an evidence file and print each check; 0 if all pass, 1 if one fails."""
    parser = argparse.ArgumentParser(
        prog="carnet verify-signature",
        description="Re-verify a client's signature offline from its evidence file.",
    )
    parser.add_argument("evidence", type=Path, help="the evidence file (JSON)")
    args = parser.parse_args(argv)
    try:
        evidence = json.loads(args.evidence.read_bytes())
    except (OSError, ValueError) as error:
        print(f"cannot read {args.evidence}: {error}", file=sys.stderr)
        return 2
    if not isinstance(evidence, dict):
        print(f"{args.evidence} is not a JSON object", file=sys.stderr)
        return 2
    results = verify(evidence)
    for result in results:
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    failed = next((r for r in results if not r.ok), None)
    if failed is not None:
        print(f"signature NOT verified: check {failed.name} failed")
        return 1
    signer = evidence.get("signer", {})
    month = evidence.get("month", {})
    print(
        f"signature verified: {signer.get('name')} <{signer.get('email')}> signed "
        f"{month.get('month')} version {month.get('version')} at {evidence.get('signed_at')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
