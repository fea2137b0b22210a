"""WebAuthn ceremonies: the only module that imports py_webauthn.

The library checks challenge, origin, RP id hash, flags, algorithm and signature
(WebAuthn Level 3 §7.1 and §7.2). What it leaves to the relying party is done here or in
`accounts.py`: the single-use stored challenge, `crossOrigin` refusal, user-handle ownership
and the compare-and-set of the sign count (docs/security.md §1.3).
"""

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    parse_authenticator_data,
    parse_client_data_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from server.domain.errors import AuthenticationFailed
from server.domain.signing import ECDSA_ORDERS


@dataclass(frozen=True)
class Options:
    """Options to hand to the browser, and the challenge to keep server-side."""

    challenge: bytes
    public_key: dict[str, Any]


@dataclass(frozen=True)
class NewPasskey:
    credential_id: bytes
    public_key: bytes
    sign_count: int
    aaguid: str
    backed_up: bool
    transports: tuple[str, ...]
    client_data_json: bytes = b""
    attestation_object: bytes = b""


def _descriptors(ids: list[bytes]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=cid) for cid in ids]


def registration_options(
    *,
    rp_id: str,
    rp_name: str,
    user_handle: bytes,
    user_name: str,
    display_name: str,
    exclude: list[bytes],
    challenge: bytes | None = None,
) -> Options:
    """Options for `navigator.credentials.create()`: a discoverable passkey with UV.

    ``challenge`` is random unless given: a signer's enrolment derives it from the identity
    statement (``signing.enrolment_challenge``), so the registration commits to it.
    """
    options = generate_registration_options(
        challenge=challenge,
        rp_id=rp_id,
        rp_name=rp_name,
        user_id=user_handle,
        user_name=user_name,
        user_display_name=display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(exclude),
    )
    return Options(challenge=options.challenge, public_key=json.loads(options_to_json(options)))


def authentication_options(*, rp_id: str, allow: list[bytes] | None = None) -> Options:
    """Options for `navigator.credentials.get()`; no allow-list means a discoverable login."""
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(allow or []),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return Options(challenge=options.challenge, public_key=json.loads(options_to_json(options)))


def signing_options(*, rp_id: str, challenge: bytes, allow: list[bytes]) -> Options:
    """Options for signing a document: our derived challenge, UV, an optional allow-list.

    The challenge is not random here: it commits to the document and a random server nonce
    (``server.domain.signing.signing_challenge``), so it stays unpredictable and single use.
    """
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        allow_credentials=_descriptors(allow),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return Options(challenge=options.challenge, public_key=json.loads(options_to_json(options)))


def _refuse_cross_origin(credential: dict[str, Any]) -> None:
    # py_webauthn parses crossOrigin but never checks it; Carnet is never framed.
    try:
        raw = base64url_to_bytes(credential["response"]["clientDataJSON"])
        client_data = parse_client_data_json(raw)
    except (KeyError, TypeError, ValueError, WebAuthnException) as error:
        msg = "the credential's clientDataJSON is missing or malformed"
        raise AuthenticationFailed(msg) from error
    if client_data.cross_origin:
        msg = "cross-origin WebAuthn responses are refused"
        raise AuthenticationFailed(msg)


def credential_raw_id(credential: dict[str, Any]) -> bytes:
    """The credential id the browser reports, used to find the stored passkey."""
    try:
        return base64url_to_bytes(str(credential["rawId"]))
    except (KeyError, TypeError, ValueError) as error:
        msg = "the credential has no valid rawId"
        raise AuthenticationFailed(msg) from error


def credential_user_handle(credential: dict[str, Any]) -> bytes | None:
    """The user handle a discoverable credential returns, if any."""
    try:
        handle = credential["response"].get("userHandle")
        return base64url_to_bytes(handle) if handle else None
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        msg = "the credential's userHandle is malformed"
        raise AuthenticationFailed(msg) from error


def verify_registration(
    *, credential: dict[str, Any], challenge: bytes, rp_id: str, origin: str
) -> NewPasskey:
    """Verify a registration response with user verification required."""
    _refuse_cross_origin(credential)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        msg = f"passkey registration refused: {error}"
        raise AuthenticationFailed(msg) from error
    transports = credential.get("response", {}).get("transports") or []
    known = {t.value for t in AuthenticatorTransport}
    return NewPasskey(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=str(verified.aaguid),
        backed_up=bool(verified.credential_backed_up),
        transports=tuple(str(t) for t in transports if t in known),
        client_data_json=base64url_to_bytes(credential["response"]["clientDataJSON"]),
        attestation_object=base64url_to_bytes(credential["response"]["attestationObject"]),
    )


def verify_authentication(
    *,
    credential: dict[str, Any],
    challenge: bytes,
    rp_id: str,
    origin: str,
    public_key: bytes,
    sign_count: int,
) -> int:
    """Verify an assertion with user verification required; return the new sign count."""
    _refuse_cross_origin(credential)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError) as error:
        msg = f"passkey assertion refused: {error}"
        raise AuthenticationFailed(msg) from error
    return int(verified.new_sign_count)


def assertion_backed_up(credential: dict[str, Any]) -> bool:
    """The BS flag of a verified assertion: is the passkey synced to other devices now?"""
    raw = base64url_to_bytes(credential["response"]["authenticatorData"])
    return bool(parse_authenticator_data(raw).flags.bs)


def low_s(signature: bytes, public_key: bytes) -> bytes:
    """Normalise an ECDSA signature to low-S (s <= n/2); other algorithms pass unchanged.

    ECDSA signatures are malleable: if (r, s) verifies, so does (r, n - s), so anyone can
    derive other valid bytes from a stored signature. Carnet stores the low-S form only and
    its verifier refuses high-S, so an evidence file has exactly one valid signature value.
    WebAuthn authenticators may produce either form (Level 3 does not require low-S).
    """
    key = decoded_public_key_to_cryptography(decode_credential_public_key(public_key))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return signature
    r, s = decode_dss_signature(signature)
    order = ECDSA_ORDERS[key.curve.name]
    return signature if s <= order // 2 else encode_dss_signature(r, order - s)
