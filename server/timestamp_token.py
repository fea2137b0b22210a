"""Check an RFC 3161 timestamp token offline: what it covers, when, and who says so.

A token is a CMS ``SignedData`` (RFC 5652) whose content is a ``TSTInfo`` (RFC 3161 §2.4.2).
It proves that a timestamping authority (TSA) saw ``hashed_message`` at ``gen_time``. Checked
here, with the file alone:

1. the content is a ``TSTInfo`` whose ``messageImprint`` is SHA-256 of the expected bytes;
2. the signer's ``message-digest`` attribute is the digest of that ``TSTInfo`` and its
   ``content-type`` attribute says ``id-ct-TSTInfo`` (RFC 5652 §5.4, §11.1-11.2);
3. the signature over the DER of the signed attributes verifies with the embedded certificate
   named by the signer identifier;
4. that certificate is for timestamping (extended key usage ``id-kp-timeStamping``, which
   RFC 3161 §2.3 requires to be critical).

Whether to trust the TSA itself is the reader's decision: the certificate's subject and
SHA-256 fingerprint are returned so that they can be compared with a trusted list (eIDAS
art. 41-42 for a qualified one). ``trusted_roots`` adds a chain check to given roots.

Offline and light on purpose: asn1crypto parses, cryptography checks. Used by
``server.verify_evidence`` and ``carnet audit verify``.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class TokenInvalid(ValueError):
    """The token does not prove what it should; the message says why."""


@dataclass(frozen=True)
class TokenInfo:
    """What a valid token says."""

    gen_time: datetime
    """When the TSA saw the hash (TSTInfo.genTime, UTC)."""
    tsa: str
    """The TSA certificate's subject, as text."""
    tsa_certificate_sha256: str
    """SHA-256 of the TSA certificate (DER), hex: compare it with the TSA's published one."""
    serial: int
    policy: str


def _signer_certificate(signed_data: cms.SignedData, sid: cms.SignerIdentifier) -> bytes:
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert: asn1_x509.Certificate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                cert.issuer == wanted["issuer"]
                and cert.serial_number == wanted["serial_number"].native
            ):
                return bytes(cert.dump())
        elif cert.key_identifier == sid.chosen.native:
            return bytes(cert.dump())
    raise TokenInvalid("the token does not carry its signer's certificate")


def _verify_signature(certificate: x509.Certificate, signature: bytes, data: bytes, algo: str,
                      digest: hashes.HashAlgorithm) -> None:  # fmt: skip
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad: padding.AsymmetricPadding = padding.PKCS1v15()
            if algo == "rsassa_pss":
                pad = padding.PSS(mgf=padding.MGF1(digest), salt_length=padding.PSS.AUTO)
            key.verify(signature, data, pad, digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        else:
            raise TokenInvalid(f"unsupported TSA key type {type(key).__name__}")
    except InvalidSignature as error:
        raise TokenInvalid("the TSA's signature does not verify") from error


def verify_token(
    token: bytes, *, covers: bytes, trusted_roots: list[x509.Certificate] | None = None
) -> TokenInfo:
    """Check that ``token`` is a valid RFC 3161 timestamp over SHA-256 of ``covers``.

    Args:
        token: The DER TimeStampToken (a CMS ContentInfo).
        covers: The bytes whose SHA-256 the token must carry.
        trusted_roots: Optional roots the TSA certificate must be issued by (directly).

    Returns:
        What the token says.

    Raises:
        TokenInvalid: Naming the first thing that does not hold.
    """
    try:
        info = cms.ContentInfo.load(token)
        if info["content_type"].native != "signed_data":
            raise TokenInvalid("the token is not a CMS SignedData")
        signed_data: cms.SignedData = info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise TokenInvalid("the token's content is not a TSTInfo")
        tst_der = bytes(encap["content"].contents)
        tst = tsp.TSTInfo.load(tst_der)
        imprint = tst["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = bytes(imprint["hashed_message"].native)
        signer_info = signed_data["signer_infos"][0]
        gen_time = tst["gen_time"].native
        serial = int(tst["serial_number"].native)
        policy = str(tst["policy"].dotted)
    except TokenInvalid:
        raise
    except Exception as error:  # asn1crypto raises many kinds on malformed DER
        raise TokenInvalid(f"the token cannot be read: {error}") from error
    expected = hashlib.sha256(covers).digest()
    if algorithm != "sha256" or not hmac.compare_digest(hashed, expected):
        raise TokenInvalid(
            f"the token covers {algorithm} {hashed.hex()}, not SHA-256 {expected.hex()}"
        )
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    digest = _HASHES.get(digest_name)
    if digest is None:
        raise TokenInvalid(f"unsupported digest {digest_name}")
    signed_attrs = signer_info["signed_attrs"]
    attributes = {a["type"].native: a["values"][0] for a in signed_attrs}
    if attributes.get("content_type") is None or attributes["content_type"].native != "tst_info":
        raise TokenInvalid("the signed attributes do not name a TSTInfo content")
    hasher = hashes.Hash(digest)
    hasher.update(tst_der)
    if attributes.get("message_digest") is None or not hmac.compare_digest(
        bytes(attributes["message_digest"].native), hasher.finalize()
    ):
        raise TokenInvalid("the signed attributes do not match the TSTInfo")
    certificate = x509.load_der_x509_certificate(
        _signer_certificate(signed_data, signer_info["sid"])
    )
    _verify_signature(
        certificate,
        bytes(signer_info["signature"].native),
        signed_attrs.untag().dump(),
        signer_info["signature_algorithm"].signature_algo,
        digest,
    )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound as error:
        raise TokenInvalid("the TSA certificate is not for timestamping") from error
    if x509.oid.ExtendedKeyUsageOID.TIME_STAMPING not in usage.value or not usage.critical:
        raise TokenInvalid("the TSA certificate is not for timestamping (critical EKU)")
    if trusted_roots is not None and not any(
        _issued_by(certificate, root) for root in trusted_roots
    ):
        raise TokenInvalid("the TSA certificate is not issued by a trusted root")
    return TokenInfo(
        gen_time=gen_time,
        tsa=certificate.subject.rfc4514_string(),
        tsa_certificate_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
        serial=serial,
        policy=policy,
    )


def _issued_by(certificate: x509.Certificate, root: x509.Certificate) -> bool:
    if certificate == root:
        return True
    try:
        certificate.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
