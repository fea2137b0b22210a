"""The signature evidence file: everything needed to re-verify a signature from the file alone.

Format ``carnet-signature-evidence/2``; the full field list, the hashes and the checks a
verifier makes are in docs/signature.md ("The evidence file"), written so that a third party
can implement a verifier from it. In short, a canonical JSON object (``audit.canonical_json``,
RFC 8785 with integers only); binary values unpadded base64url; hashes lower-case hex:

- what the signer's passkey signed: ``document`` (text; its UTF-8 bytes are hashed),
  ``nonce``, ``challenge``, ``assertion`` (authenticator data, client data, signature);
- what is checked against it: ``month`` (``month``, ``version``, ``step``), ``signer``,
  ``sign_count`` (the counter in the authenticator data), ``credential.backed_up`` (the BS
  flag), ``rp_id``, ``origin``;
- ``registration``: how the key was enrolled (the identity statement, with the proof of the
  e-mailed code, and the WebAuthn registration over it), committed to by the document
  (``document.signer.registration`` is its hash) and timestamped when it happened;
- Carnet's references, not signed: ``month.id``, ``month.epoch``, ``signed_at``;
- ``timestamp``: an RFC 3161 token over the *evidence hash*, SHA-256 of the canonical JSON of
  the file without its ``timestamp`` member, or null when no TSA is configured.

Pure: bytes and times come in as parameters.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from server.domain.audit import canonical_json
from server.domain.signing import (
    ENROL_SCHEME,
    SCHEME,
    b64url_encode,
    document_hash,
    signing_challenge,
)

FORMAT = "carnet-signature-evidence/2"
TIMESTAMP = "timestamp"
"""The member of the file (and of the registration) that is not covered by its own hash."""


def utc_text(at: datetime) -> str:
    """ISO 8601 in UTC with microseconds and ``Z``, as every time in the evidence is written."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def enrolment_statement(
    *,
    signer: dict[str, Any],
    user_handle: bytes,
    organisation: dict[str, Any],
    code_sent_at: datetime,
    code_verified_at: datetime,
    rp_id: str,
    origin: str,
    issued_at: datetime,
) -> bytes:
    """The identity statement a signer's new passkey is created over (scheme CRA-ENROL-v1).

    It says: the firm declared this person with this e-mail address; a one-time code was sent
    there and entered back at these times; the key is being registered for this relying party.

    Args:
        signer: ``{"id", "name", "email"}``, as the signed documents will name them.
        user_handle: The WebAuthn user handle the passkey is created for.
        organisation: ``{"id", "name"}`` of the firm that declared the address.
        code_sent_at: When the one-time code was queued for the address.
        code_verified_at: When the right code was entered on the portal.
        rp_id: The relying party id.
        origin: The expected origin.
        issued_at: When the registration options were issued.

    Returns:
        The canonical JSON bytes.
    """
    return canonical_json(
        {
            "scheme": ENROL_SCHEME,
            "signer": {**signer, "user_handle": b64url_encode(user_handle)},
            "declared_by": organisation,
            "email_code": {
                "sent_to": signer["email"],
                "sent_at": utc_text(code_sent_at),
                "verified_at": utc_text(code_verified_at),
            },
            "rp_id": rp_id,
            "origin": origin,
            "issued_at": utc_text(issued_at),
        }
    )


def registration_record(
    *,
    statement: bytes,
    nonce: bytes,
    client_data_json: bytes,
    attestation_object: bytes,
    backed_up: bool,
    registered_at: datetime,
) -> dict[str, Any]:
    """The record of one passkey's enrolment, without its timestamp.

    Args:
        statement: ``enrolment_statement`` bytes.
        nonce: The nonce of the registration challenge.
        client_data_json: The registration's clientDataJSON, as received.
        attestation_object: The attestationObject, as received.
        backed_up: Whether the authenticator said the key is synced (BS flag), for display.
        registered_at: When the server accepted the registration.

    Returns:
        The record (a JSON object); ``registration_hash`` names it.
    """
    return {
        "statement": statement.decode("utf-8"),
        "nonce": b64url_encode(nonce),
        "client_data_json": b64url_encode(client_data_json),
        "attestation_object": b64url_encode(attestation_object),
        "backed_up": backed_up,
        "registered_at": utc_text(registered_at),
    }


def covered_bytes(value: dict[str, Any]) -> bytes:
    """The canonical JSON of an evidence file or a registration without its ``timestamp``:
    what its RFC 3161 token covers and what its hash names."""
    return canonical_json({k: v for k, v in value.items() if k != TIMESTAMP})


def registration_hash(record: dict[str, Any]) -> str:
    """SHA-256 of a registration record without its timestamp, hex (what documents commit to)."""
    return hashlib.sha256(covered_bytes(record)).hexdigest()


def build_evidence(
    *,
    month: dict[str, Any],
    document: bytes,
    nonce: bytes,
    rp_id: str,
    origin: str,
    credential_id: bytes,
    public_key: bytes,
    backed_up: bool,
    authenticator_data: bytes,
    client_data_json: bytes,
    signature: bytes,
    user_handle: bytes | None,
    sign_count: int,
    signer: dict[str, Any],
    signed_at: datetime,
    registration: dict[str, Any] | None,
) -> bytes:
    """Assemble the evidence file of one signature, without its timestamp.

    Args:
        month: ``{"id", "month", "version", "step", "epoch"}`` of the signed month.
        document: The canonical document bytes signed.
        nonce: The challenge's nonce.
        rp_id: The relying party id.
        origin: The expected origin.
        credential_id: The passkey's credential id.
        public_key: The passkey's COSE public key.
        backed_up: The BS flag of this assertion (synced passkey).
        authenticator_data: As received.
        client_data_json: As received.
        signature: As received (ECDSA normalised to low-S).
        user_handle: As received, if any.
        sign_count: The counter in ``authenticator_data``.
        signer: ``{"id", "name", "email", "role"}``.
        signed_at: When the server accepted the signature (aware datetime).
        registration: The key's registration record with its ``timestamp``, if it has one.

    Returns:
        The evidence body, canonical JSON bytes; ``with_timestamp`` makes the file.
    """
    digest = document_hash(document)
    return canonical_json(
        {
            "format": FORMAT,
            "scheme": SCHEME,
            "month": month,
            "document": document.decode("utf-8"),
            "document_sha256": digest.hex(),
            "nonce": b64url_encode(nonce),
            "challenge": b64url_encode(signing_challenge(document_hash=digest, nonce=nonce)),
            "rp_id": rp_id,
            "origin": origin,
            "credential": {
                "id": b64url_encode(credential_id),
                "public_key": b64url_encode(public_key),
                "backed_up": backed_up,
            },
            "assertion": {
                "authenticator_data": b64url_encode(authenticator_data),
                "client_data_json": b64url_encode(client_data_json),
                "signature": b64url_encode(signature),
                "user_handle": None if user_handle is None else b64url_encode(user_handle),
            },
            "sign_count": sign_count,
            "signer": signer,
            "signed_at": utc_text(signed_at),
            "registration": registration,
        }
    )


def with_timestamp(body: bytes, token: bytes | None) -> bytes:
    """The evidence file: the body with its ``timestamp`` member (the token, or null)."""
    evidence = json.loads(body)
    evidence[TIMESTAMP] = None if token is None else b64url_encode(token)
    return canonical_json(evidence)


def evidence_hash(body: bytes) -> str:
    """SHA-256 of an evidence file without its timestamp, hex: what the audit trail records
    and what the RFC 3161 token covers."""
    return hashlib.sha256(covered_bytes(json.loads(body))).hexdigest()
