"""Re-verify a signature from its evidence file alone (carnet-signature-evidence/2).

    carnet verify-signature evidence.json [--require-timestamp] [--tsa-root root.pem]
    carnet verify-signature cra-signe.pdf        # the firm's seal, then the attached evidence
    python -m server.verify_evidence evidence.json

No database, no settings, no network: only the file. Each check is printed ``ok``/``FAIL``; the
exit status is 0 when all pass, 1 naming the first that fails, 2 when the file cannot be read.
The checks are those of docs/signature.md ("Verifying"), in order: WebAuthn Level 3 §7.2
steps 11-21 on the stored bytes, Carnet's binding of the challenge to the document, every
field outside the signature that repeats a signed one, the key's registration and the RFC 3161
timestamps. Then the verdict says what the file proves and what it does not, and prints only
what was signed or checked against what was signed.

Light on purpose (an auditor's machine): py_webauthn's COSE and CBOR helpers, cryptography
and asn1crypto; a PDF is opened with pyHanko only when one is given.
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from webauthn.helpers import (
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    parse_attestation_object,
    parse_authenticator_data,
    parse_cbor,
    parse_client_data_json,
)
from webauthn.helpers import verify_signature as verify_cose_signature

from server.domain.audit import canonical_json
from server.domain.evidence import FORMAT, TIMESTAMP, covered_bytes, registration_hash
from server.domain.signing import (
    ECDSA_ORDERS,
    ENROL_SCHEME,
    SCHEME,
    challenge_matches,
    document_hash,
    enrolment_challenge,
    signing_challenge,
)
from server.timestamp_token import TokenInfo, TokenInvalid, verify_token

CLIENT_DATA_GET = "webauthn.get"
CLIENT_DATA_CREATE = "webauthn.create"
TIMESTAMP_SKEW = timedelta(minutes=10)
"""How far the TSA's time may be from ``signed_at`` (the server asks for it while signing)."""

FIELDS: dict[str, frozenset[str]] = {
    "": frozenset(
        {"format", "scheme", "month", "document", "document_sha256", "nonce", "challenge",
         "rp_id", "origin", "credential", "assertion", "sign_count", "signer", "signed_at",
         "registration", "timestamp"}
    ),
    "month": frozenset({"id", "month", "version", "step", "epoch"}),
    "credential": frozenset({"id", "public_key", "backed_up"}),
    "assertion": frozenset({"authenticator_data", "client_data_json", "signature", "user_handle"}),
    "signer": frozenset({"id", "name", "email", "role"}),
    "registration": frozenset(
        {"statement", "nonce", "client_data_json", "attestation_object", "backed_up",
         "registered_at", "timestamp"}
    ),
}  # fmt: skip
"""Every member of the file, per object: an unknown member is refused, not ignored."""

NOT_SIGNED = ("month.id", "month.epoch", "signed_at", "registration.registered_at")
"""Carnet's own references, covered by no signature (only by the timestamp, when there is one)."""


class CheckFailed(Exception):
    """One check did not pass; the message says why."""


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str


@dataclass
class Findings:
    """What the checks established, for the verdict (only checked facts go in here)."""

    document: dict[str, Any] = field(default_factory=dict)
    flags: Any = None
    sign_count: int = 0
    backed_up: bool = False
    statement: dict[str, Any] | None = None
    attestation: str = ""
    registration_time: TokenInfo | None = None
    time: TokenInfo | None = None


def _b64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise CheckFailed(f"field {where} is not base64url text")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise CheckFailed(f"field {where} is not base64url: {error}") from error


def _get(evidence: dict[str, Any], path: str) -> Any:
    value: Any = evidence
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise CheckFailed(f"missing field {path}")
        value = value[key]
    return value


def _bytes(evidence: dict[str, Any], path: str) -> bytes:
    return _b64(_get(evidence, path), path)


def _text(evidence: dict[str, Any], path: str) -> str:
    value = _get(evidence, path)
    if not isinstance(value, str):
        raise CheckFailed(f"field {path} is not text")
    return value


def _time(text: Any, where: str) -> datetime:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError as error:
        raise CheckFailed(f"field {where} is not an ISO 8601 time") from error


def _canonical_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
        again = canonical_json(value)
    except ValueError as error:
        raise CheckFailed(f"the {what} is not canonical JSON: {error}") from error
    if again != text.encode("utf-8") or not isinstance(value, dict):
        raise CheckFailed(f"the {what} is not in canonical form")
    return value


def is_low_s(public_key: Any, signature: bytes) -> bool:
    """True unless an ECDSA signature has s > n/2 (the malleable twin of a valid one)."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return True
    _, s = utils.decode_dss_signature(signature)
    return s <= ECDSA_ORDERS[public_key.curve.name] // 2


Check = tuple[str, Callable[[], str]]


def _checks(
    evidence: dict[str, Any],
    found: Findings,
    *,
    require_timestamp: bool,
    tsa_roots: list[x509.Certificate] | None,
) -> Iterator[Check]:
    """The checks in order, each a name and a function returning a detail or raising."""

    def check_format() -> str:
        if evidence.get("format") != FORMAT or evidence.get("scheme") != SCHEME:
            raise CheckFailed(
                f"format {evidence.get('format')!r} / scheme {evidence.get('scheme')!r}, "
                f"expected {FORMAT!r} / {SCHEME!r}"
            )
        return FORMAT

    def check_fields() -> str:
        for path, names in FIELDS.items():
            value = evidence if not path else evidence.get(path)
            if path == "registration" and value is None:
                continue
            if not isinstance(value, dict):
                raise CheckFailed(f"field {path} is not an object")
            prefix = f"{path}." if path else ""
            for extra in sorted(set(value) - names):
                raise CheckFailed(f"unknown field {prefix}{extra}: not part of the format")
            for missing in sorted(names - set(value)):
                raise CheckFailed(f"missing field {prefix}{missing}")
        return "every member known, none missing"

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
        found.document = _canonical_object(_text(evidence, "document"), "document")
        if found.document.get("scheme") != SCHEME:
            raise CheckFailed(f"the document's scheme is not {SCHEME}")
        return "RFC 8785 form"

    def check_challenge() -> str:
        nonce = _bytes(evidence, "nonce")
        client_data = _bytes(evidence, "assertion.client_data_json")
        expected = signing_challenge(document_hash=document_hash(document()), nonce=nonce)
        if _bytes(evidence, "challenge") != expected:
            raise CheckFailed("the recorded challenge is not derived from the document and nonce")
        if not challenge_matches(client_data_json=client_data, document=document(), nonce=nonce):
            raise CheckFailed("the signed client data carries another challenge")
        return "SHA-256(CRA-SIGN-v1 ‖ 0x00 ‖ document hash ‖ nonce)"

    def client_data(path: str = "assertion.client_data_json") -> Any:
        try:
            return parse_client_data_json(_bytes(evidence, path))
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"{path} is malformed: {error}") from error

    def check_type() -> str:
        kind = client_data().type
        if kind != CLIENT_DATA_GET:
            raise CheckFailed(f"client data type {kind!r}, expected {CLIENT_DATA_GET!r}")
        return str(kind)

    def check_origin_of(path: str) -> str:
        data = client_data(path)
        expected = _text(evidence, "origin")
        if data.origin != expected:
            raise CheckFailed(f"{path} origin {data.origin!r}, expected {expected!r}")
        if data.cross_origin:
            raise CheckFailed(f"{path} was made cross-origin")
        return expected

    def authenticator_data() -> Any:
        try:
            return parse_authenticator_data(_bytes(evidence, "assertion.authenticator_data"))
        except CheckFailed:
            raise
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
        found.flags = authenticator_data().flags
        if not found.flags.uv:
            raise CheckFailed("the UV flag is not set: the user was not verified")
        return "UV flag set"

    def credential_key() -> tuple[Any, Any]:
        try:
            key = decode_credential_public_key(_bytes(evidence, "credential.public_key"))
            return key, decoded_public_key_to_cryptography(key)
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"the public key cannot be read: {error}") from error

    def check_signature() -> str:
        key, public_key = credential_key()
        signature = _bytes(evidence, "assertion.signature")
        signed = (
            _bytes(evidence, "assertion.authenticator_data")
            + hashlib.sha256(_bytes(evidence, "assertion.client_data_json")).digest()
        )
        try:
            verify_cose_signature(
                public_key=public_key, signature_alg=key.alg, signature=signature, data=signed
            )
            low = is_low_s(public_key, signature)
        except Exception as error:
            raise CheckFailed("the signature does not verify with the recorded key") from error
        if not low:
            raise CheckFailed("high-S ECDSA signature: Carnet stores low-S only (malleated copy)")
        return f"COSE algorithm {int(key.alg)}"

    def check_month() -> str:
        doc = found.document
        month = _get(evidence, "month")
        for name in ("month", "version", "step"):
            if month.get(name) != doc.get(name):
                raise CheckFailed(
                    f"month.{name} is {month.get(name)!r} in the file but "
                    f"{doc.get(name)!r} in the signed document"
                )
        return f"month.month, .version, .step = {doc['month']}, {doc['version']}, {doc['step']}"

    def document_role() -> str:
        mission = found.document.get("mission")
        return "consultant" if isinstance(mission, dict) and "role" in mission else "client_signer"

    def check_signer() -> str:
        named = found.document.get("signer")
        outer = _get(evidence, "signer")
        if not isinstance(named, dict):
            raise CheckFailed("the signed document names no signer")
        for name in ("id", "name", "email"):
            if outer.get(name) != named.get(name):
                raise CheckFailed(
                    f"signer.{name} is {outer.get(name)!r} in the file but "
                    f"{named.get(name)!r} in the signed document"
                )
        if outer.get("role") != document_role():
            raise CheckFailed(
                f"signer.role is {outer.get('role')!r} but the signed document is a "
                f"{document_role()}'s"
            )
        return "signer.id, .name, .email, .role = the signed document's"

    def check_sign_count() -> str:
        found.sign_count = int(authenticator_data().sign_count)
        if evidence.get("sign_count") != found.sign_count:
            raise CheckFailed(
                f"sign_count is {evidence.get('sign_count')!r} in the file but "
                f"{found.sign_count} in the signed authenticator data"
            )
        return f"{found.sign_count}, as in the authenticator data"

    def check_backed_up() -> str:
        found.backed_up = bool(found.flags.bs)
        if _get(evidence, "credential.backed_up") is not found.backed_up:
            raise CheckFailed(
                f"credential.backed_up is {_get(evidence, 'credential.backed_up')!r} in the "
                f"file but the signed BS flag is {found.backed_up}"
            )
        return "as the signed BS flag says"

    def registration() -> dict[str, Any]:
        value = evidence.get("registration")
        if not isinstance(value, dict):
            raise CheckFailed("the registration record is missing")
        return value

    def check_registration() -> str:
        committed = (found.document.get("signer") or {}).get("registration")
        if committed is None:
            if evidence.get("registration") is not None:
                raise CheckFailed("the file has a registration the signed document does not name")
            return "none: the signed document commits to no registration (consultant's own key)"
        actual = registration_hash(registration())
        if not hmac.compare_digest(actual, str(committed)):
            raise CheckFailed(
                f"the registration hashes to {actual}, the signed document names {committed}"
            )
        return f"SHA-256 {actual}, named by the signed document"

    def has_registration() -> bool:
        return evidence.get("registration") is not None

    def check_statement() -> str:
        if not has_registration():
            return "no registration"
        statement = _canonical_object(_text(evidence, "registration.statement"), "statement")
        if statement.get("scheme") != ENROL_SCHEME:
            raise CheckFailed(f"the statement's scheme is not {ENROL_SCHEME}")
        signer = statement.get("signer") or {}
        named = found.document["signer"]
        for name in ("id", "name", "email"):
            if signer.get(name) != named.get(name):
                raise CheckFailed(f"the statement's signer.{name} is not the signed document's")
        code = statement.get("email_code") or {}
        if code.get("sent_to") != named.get("email") or not code.get("verified_at"):
            raise CheckFailed("the statement shows no code verified at the signer's address")
        if statement.get("rp_id") != evidence.get("rp_id"):
            raise CheckFailed("the statement is for another RP id")
        if statement.get("origin") != evidence.get("origin"):
            raise CheckFailed("the statement is for another origin")
        found.statement = statement
        return f"e-mail code sent to {code['sent_to']}, verified at {code['verified_at']}"

    def check_registration_challenge() -> str:
        if not has_registration():
            return "no registration"
        path = "registration.client_data_json"
        data = client_data(path)
        if data.type != CLIENT_DATA_CREATE:
            raise CheckFailed(f"{path} type {data.type!r}, expected {CLIENT_DATA_CREATE!r}")
        expected = enrolment_challenge(
            statement=_text(evidence, "registration.statement").encode("utf-8"),
            nonce=_bytes(evidence, "registration.nonce"),
        )
        if not hmac.compare_digest(bytes(data.challenge), expected):
            raise CheckFailed("the registration's client data carries another challenge")
        check_origin_of(path)
        return "SHA-256(CRA-ENROL-v1 ‖ 0x00 ‖ statement hash ‖ nonce), same origin"

    def attestation() -> Any:
        try:
            return parse_attestation_object(_bytes(evidence, "registration.attestation_object"))
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"the attestation object is malformed: {error}") from error

    def check_registration_key() -> str:
        if not has_registration():
            return "no registration"
        data = attestation().auth_data
        if not hmac.compare_digest(
            data.rp_id_hash, hashlib.sha256(_text(evidence, "rp_id").encode()).digest()
        ):
            raise CheckFailed("the registration is for another RP id")
        if not (data.flags.up and data.flags.uv):
            raise CheckFailed("the registration was made without user presence and verification")
        attested = data.attested_credential_data
        if attested is None:
            raise CheckFailed("the registration carries no credential")
        if attested.credential_id != _bytes(evidence, "credential.id"):
            raise CheckFailed("credential.id is not the registered credential's id")
        if attested.credential_public_key != _bytes(evidence, "credential.public_key"):
            raise CheckFailed("credential.public_key is not the registered key")
        if _get(evidence, "registration.backed_up") is not bool(data.flags.bs):
            raise CheckFailed("registration.backed_up is not the registration's BS flag")
        return "credential.id and .public_key = the key registered over the statement"

    def check_attestation() -> str:
        if not has_registration():
            return "no registration"
        parsed = attestation()
        fmt = parsed.fmt.value if hasattr(parsed.fmt, "value") else str(parsed.fmt)
        if fmt == "none":
            found.attestation = "none (the authenticator did not sign its registration)"
            return found.attestation
        if fmt != "packed":
            found.attestation = f"{fmt} (not checked offline)"
            return found.attestation
        statement = parsed.att_stmt
        signed = parse_cbor(_bytes(evidence, "registration.attestation_object"))["authData"]
        signed += hashlib.sha256(_bytes(evidence, "registration.client_data_json")).digest()
        try:
            if statement.x5c:
                cert = x509.load_der_x509_certificate(bytes(statement.x5c[0]))
                key: Any = cert.public_key()
                if not isinstance(key, ec.EllipticCurvePublicKey):
                    found.attestation = "packed with a non-EC certificate (not checked offline)"
                    return found.attestation
                key.verify(statement.sig, signed, ec.ECDSA(hashes.SHA256()))
                found.attestation = f"packed, by {cert.subject.rfc4514_string()} (chain unchecked)"
            else:
                cose, public_key = credential_key()
                verify_cose_signature(
                    public_key=public_key, signature_alg=cose.alg, signature=statement.sig,
                    data=signed,
                )  # fmt: skip
                found.attestation = "packed self-attestation (signed by the key itself)"
        except (InvalidSignature, TypeError, ValueError, AttributeError) as error:
            raise CheckFailed("the attestation signature does not verify") from error
        return found.attestation

    def check_user_handle() -> str:
        handle = _get(evidence, "assertion.user_handle")
        if found.statement is None:
            return "not checked: no registration statement (Carnet's word)"
        expected = found.statement["signer"].get("user_handle")
        if handle is not None and handle != expected:
            raise CheckFailed("assertion.user_handle is not the registered user handle")
        return "the registered user handle" if handle else "none sent"

    def token(path: str) -> bytes | None:
        value = _get(evidence, path)
        return None if value is None else _b64(value, path)

    def check_registration_timestamp() -> str:
        if not has_registration():
            return "no registration"
        raw = token("registration.timestamp")
        if raw is None:
            return "none: the registration time is the server's word"
        try:
            info = verify_token(raw, covers=covered_bytes(registration()), trusted_roots=tsa_roots)
        except TokenInvalid as error:
            raise CheckFailed(f"registration timestamp: {error}") from error
        found.registration_time = info
        return f"{info.gen_time.isoformat()} by {info.tsa}"

    def check_timestamp() -> str:
        raw = token(TIMESTAMP)
        if raw is None:
            if require_timestamp:
                raise CheckFailed("no timestamp, and one was required")
            return "none: the time is only the server's word"
        try:
            info = verify_token(raw, covers=covered_bytes(evidence), trusted_roots=tsa_roots)
        except TokenInvalid as error:
            raise CheckFailed(str(error)) from error
        signed_at = _time(evidence.get("signed_at"), "signed_at")
        if abs(info.gen_time - signed_at) > TIMESTAMP_SKEW:
            raise CheckFailed(
                f"signed_at {evidence.get('signed_at')} is not the time the TSA saw the file "
                f"({info.gen_time.isoformat()})"
            )
        registered = found.registration_time
        if registered is not None and registered.gen_time > info.gen_time:
            raise CheckFailed("the key's registration is timestamped after the signature")
        found.time = info
        return f"{info.gen_time.isoformat()} by {info.tsa}"

    yield "format", check_format
    yield "fields", check_fields
    yield "document_hash", check_document_hash
    yield "document_canonical", check_canonical
    yield "challenge", check_challenge
    yield "client_data_type", check_type
    yield "origin", lambda: check_origin_of("assertion.client_data_json")
    yield "rp_id_hash", check_rp_id
    yield "user_present", check_up
    yield "user_verified", check_uv
    yield "signature", check_signature
    yield "month", check_month
    yield "signer", check_signer
    yield "sign_count", check_sign_count
    yield "backed_up", check_backed_up
    yield "registration", check_registration
    yield "registration_statement", check_statement
    yield "registration_challenge", check_registration_challenge
    yield "registration_key", check_registration_key
    yield "registration_attestation", check_attestation
    yield "user_handle", check_user_handle
    yield "registration_timestamp", check_registration_timestamp
    yield "timestamp", check_timestamp


def verify(
    evidence: dict[str, Any],
    *,
    require_timestamp: bool = False,
    tsa_roots: list[x509.Certificate] | None = None,
    findings: Findings | None = None,
) -> list[Result]:
    """Run the checks in order, stopping at the first failure.

    Args:
        evidence: The parsed evidence file.
        require_timestamp: Refuse a file without an RFC 3161 timestamp.
        tsa_roots: Roots the TSA certificates must be issued by, if the reader has them.
        findings: Filled with what the checks established, for the verdict.

    Returns:
        One result per check run; the last is the failure, if any.
    """
    found = findings if findings is not None else Findings()
    results = []
    checks = _checks(evidence, found, require_timestamp=require_timestamp, tsa_roots=tsa_roots)
    for name, check in checks:
        try:
            results.append(Result(name=name, ok=True, detail=check()))
        except CheckFailed as error:
            results.append(Result(name=name, ok=False, detail=str(error)))
            break
        except Exception as error:  # a malformed file never ends in a traceback
            results.append(Result(name=name, ok=False, detail=f"malformed: {error!r}"))
            break
    return results


def _days(half_days: int) -> str:
    whole, half = divmod(int(half_days), 2)
    return f"{whole}.5" if half else str(whole)


def verdict(evidence: dict[str, Any], found: Findings) -> list[str]:
    """What a verified file proves and does not, from checked facts only."""
    doc = found.document
    signer = doc["signer"]
    mission = doc.get("mission", {})
    days = doc.get("days", [])
    total = sum(int(day.get("half_days", 0)) for day in days if isinstance(day, dict))
    if "role" in mission:
        what = f"the consultant's own CRA {doc['month']} ({len(days)} days listed)"
    else:
        what = (
            f"the CRA {doc['month']} of {doc['consultant']['name']} for {mission.get('title')} "
            f"({mission.get('client')}), {len(days)} days, {_days(total)} days in total, "
            f"wording: {mission.get('wording')}"
        )
    lines = [
        f"signature verified: the passkey signed {what}, version {doc['version']}, "
        f"step {doc['step']}.",
        "",
        "Signed (covered by the passkey's signature):",
        f"  the document, SHA-256 {evidence['document_sha256']}",
        f"  signer named in it: {signer['name']} <{signer['email']}> (id {signer['id']})",
        f"  origin {evidence['origin']}, RP id {evidence['rp_id']}, user present and verified, "
        f"sign count {found.sign_count}, synced passkey: {'yes' if found.backed_up else 'no'}",
        "Checked against what was signed: month.month, month.version, month.step, signer.*, "
        "sign_count, credential.backed_up"
        + (
            ", credential.id, credential.public_key, assertion.user_handle"
            if found.statement
            else ""
        ),
    ]
    statement = found.statement
    if statement is not None:
        code = statement["email_code"]
        lines += [
            "Registration of the key (CRA-ENROL-v1), named by the signed document:",
            f"  {statement['declared_by'].get('name')} declared {code['sent_to']}; a one-time "
            f"code sent there at {code['sent_at']} was entered at {code['verified_at']}; the "
            "passkey was then created over that statement",
            f"  attestation: {found.attestation}",
            "  registration timestamp: "
            + (
                f"{found.registration_time.gen_time.isoformat()} by {found.registration_time.tsa}"
                if found.registration_time
                else "none (the server's word)"
            ),
        ]
    else:
        lines.append("Registration of the key: none in this file (a consultant's own passkey).")
    if found.time is not None:
        lines += [
            f"Trusted time: RFC 3161 timestamp by {found.time.tsa} at "
            f"{found.time.gen_time.isoformat()}: the whole file existed then, unchanged since.",
            f"  TSA certificate SHA-256 {found.time.tsa_certificate_sha256}: check it against "
            "the TSA you trust (a qualified TSA is on the EU trusted lists).",
        ]
    else:
        lines.append("Trusted time: none. The signing time is only the server's word.")
    covered = "covered by the timestamp only" if found.time else "covered by nothing"
    lines += [
        f"Not signed (Carnet's references, {covered}): {', '.join(NOT_SIGNED)}.",
        "",
        "This proves: the holder of this passkey, verified by their device (biometrics or PIN), "
        "approved exactly this document on this origin; any change to the document, the "
        "evidence or the registration is detected"
        + (", and it happened before the timestamp." if found.time else "."),
        "This does not prove: who holds the passkey beyond the registration record (e-mail "
        "control at enrolment, as Carnet recorded it); that the device was not shared; that "
        "the TSA is trustworthy (your decision); anything about other versions of the month.",
    ]
    return lines


def _from_pdf(path: Path) -> tuple[list[Result], bytes | None]:
    """Validate the firm's seal on a signed CRA PDF and return its attached evidence."""
    from server.verify_pdf import read_sealed_pdf

    check = read_sealed_pdf(path.read_bytes())
    results = [Result(name="pdf_seal", ok=check.ok, detail=check.detail)]
    return results, check.evidence


def main(argv: list[str] | None = None) -> int:
    """Verify an evidence file (or a sealed PDF) and print each check and the verdict."""
    parser = argparse.ArgumentParser(
        prog="carnet verify-signature",
        description="Re-verify a signature from its evidence file (or its sealed PDF) alone.",
    )
    parser.add_argument("evidence", type=Path, help="the evidence file (JSON) or the signed PDF")
    parser.add_argument(
        "--require-timestamp", action="store_true", help="refuse a file with no RFC 3161 token"
    )
    parser.add_argument(
        "--tsa-root", type=Path, action="append", help="a PEM root the TSA must be issued by"
    )
    args = parser.parse_args(argv)
    try:
        raw = args.evidence.read_bytes()
        roots = [x509.load_pem_x509_certificate(p.read_bytes()) for p in args.tsa_root or []]
    except (OSError, ValueError) as error:
        print(f"cannot read {error}", file=sys.stderr)
        return 2
    results: list[Result] = []
    if raw.startswith(b"%PDF"):
        results, attached = _from_pdf(args.evidence)
        if attached is None:
            for result in results:
                print(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
            print("signature NOT verified: check pdf_seal failed")
            return 1
        raw = attached
    try:
        evidence = json.loads(raw)
    except ValueError as error:
        print(f"cannot read {args.evidence}: {error}", file=sys.stderr)
        return 2
    if not isinstance(evidence, dict):
        print(f"{args.evidence} is not a JSON object", file=sys.stderr)
        return 2
    found = Findings()
    results += verify(
        evidence,
        require_timestamp=args.require_timestamp,
        tsa_roots=roots or None,
        findings=found,
    )
    for result in results:
        print(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    failed = next((r for r in results if not r.ok), None)
    if failed is not None:
        print(f"signature NOT verified: check {failed.name} failed")
        return 1
    print()
    print("\n".join(verdict(evidence, found)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
