"""The signature evidence file: everything needed to re-verify a client's signature offline.

Format ``carnet-signature-evidence/1``, a JSON object (canonical JSON, see
``audit.canonical_json``); binary values are unpadded base64url (RFC 4648 §5), hashes are
lower-case hex:

- ``format``: ``"carnet-signature-evidence/1"``; ``scheme``: ``"CRA-SIGN-v1"``.
- ``month``: ``{"id", "month", "version", "step", "epoch"}``: which month, which version of
  it and which circuit step was signed.
- ``document``: the canonical document the signer was shown, as text (its UTF-8 bytes are
  what was hashed); ``document_sha256``: SHA-256 of those bytes.
- ``nonce``: the server's single-use nonce; ``challenge``:
  ``SHA-256("CRA-SIGN-v1" ‖ 0x00 ‖ SHA-256(document) ‖ nonce)`` (``signing.signing_challenge``).
- ``rp_id``, ``origin``: the WebAuthn relying party id and the origin expected.
- ``credential``: ``{"id", "public_key", "backed_up"}``; ``public_key`` is the COSE key
  (RFC 9053) stored when the passkey was registered.
- ``assertion``: ``{"authenticator_data", "client_data_json", "signature", "user_handle"}``
  exactly as the browser sent them (WebAuthn §5.2.2).
- ``sign_count``: the authenticator's counter in this assertion.
- ``signer``: ``{"id", "name", "email"}``; ``signed_at``: UTC time, ISO 8601 with ``Z``.

A verifier recomputes the document hash and the challenge, checks the client data
(``type`` ``webauthn.get``, challenge, origin), the RP id hash and the UP and UV flags of the
authenticator data, and the signature over ``authenticator_data ‖ SHA-256(client_data_json)``
with the public key (WebAuthn §7.2 steps 11-21): see ``server/verify_evidence.py``.
"""

import hashlib
from datetime import UTC, datetime
from typing import Any

from server.domain.audit import canonical_json
from server.domain.signing import SCHEME, b64url_encode, document_hash, signing_challenge

FORMAT = "carnet-signature-evidence/1"


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
) -> bytes:
    """Assemble the evidence file of one signature.

    Args:
        month: ``{"id", "month", "version", "step", "epoch"}`` of the signed month.
        document: The canonical document bytes signed.
        nonce: The challenge's nonce.
        rp_id: The relying party id.
        origin: The expected origin.
        credential_id: The passkey's credential id.
        public_key: The passkey's COSE public key.
        backed_up: Whether the passkey is synced (BS flag at registration).
        authenticator_data: As received.
        client_data_json: As received.
        signature: As received.
        user_handle: As received, if any.
        sign_count: The counter in ``authenticator_data``.
        signer: ``{"id", "name", "email"}``.
        signed_at: When the server accepted the signature (aware datetime).

    Returns:
        The evidence file, canonical JSON bytes.
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
            "signed_at": signed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
    )


def evidence_hash(body: bytes) -> str:
    """SHA-256 of an evidence file, hex: what the audit trail records."""
    return hashlib.sha256(body).hexdigest()
