"""A second verifier of carnet-signature-evidence/2, written from docs/signature.md alone.

It imports nothing from Carnet: json, hashlib, base64, cbor2 (COSE keys and the attestation
object), cryptography (signatures) and asn1crypto (the RFC 3161 token). The tests run it next to
``carnet verify-signature`` on every tampered file: both must refuse, naming the same check.
"""

import base64
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import cbor2
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SHAPE = {
    "": "format scheme month document document_sha256 nonce challenge rp_id origin credential "
    "assertion sign_count signer signed_at registration timestamp",
    "month": "id month version step epoch",
    "credential": "id public_key backed_up",
    "assertion": "authenticator_data client_data_json signature user_handle",
    "signer": "id name email role",
    "registration": "statement nonce client_data_json attestation_object backed_up "
    "registered_at timestamp",
}


class Refused(Exception):
    pass


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def jcs(value: Any) -> bytes:  # the doc: sorted keys, no spaces, UTF-8, integers only
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def cose_key(raw: bytes) -> tuple[Any, int]:
    key = cbor2.loads(raw)
    if key[1] == 2:
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(key[-2], "big"), int.from_bytes(key[-3], "big"), ec.SECP256R1()
        )
        return numbers.public_key(), key[3]
    if key[1] == 1:
        return ed25519.Ed25519PublicKey.from_public_bytes(key[-2]), key[3]
    return rsa.RSAPublicNumbers(int.from_bytes(key[-2], "big"), int.from_bytes(key[-1], "big")
                                ).public_key(), key[3]  # fmt: skip


def check_sig(key: Any, alg: int, signature: bytes, data: bytes) -> None:
    if alg == -7:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        if utils.decode_dss_signature(signature)[1] > P256_N // 2:
            raise ValueError("high S")
    elif alg == -8:
        key.verify(signature, data)
    else:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def derive(tag: str, digest: bytes, nonce: bytes) -> bytes:
    return sha(tag.encode() + b"\x00" + digest + nonce)


def token_time(token: bytes, covers: bytes) -> datetime:
    signed = cms.ContentInfo.load(token)["content"]
    tst_der = signed["encap_content_info"]["content"].contents
    tst = tsp.TSTInfo.load(tst_der)
    if tst["message_imprint"]["hashed_message"].native != sha(covers):
        raise ValueError("imprint")
    info = signed["signer_infos"][0]
    attrs = {a["type"].native: a["values"][0].native for a in info["signed_attrs"]}
    if attrs["message_digest"] != sha(tst_der):
        raise ValueError("digest")
    cert = x509.load_der_x509_certificate(signed["certificates"][0].chosen.dump())
    data = info["signed_attrs"].untag().dump()
    key: Any = cert.public_key()
    key.verify(info["signature"].native, data, padding.PKCS1v15(), hashes.SHA256())
    return tst["gen_time"].native


def verify(e: dict[str, Any]) -> str | None:
    """The name of the first check that fails, or None when the file verifies."""
    step = "format"
    try:
        if e.get("format") != "carnet-signature-evidence/2" or e.get("scheme") != "CRA-SIGN-v1":
            raise Refused
        step = "fields"
        for path, names in SHAPE.items():
            obj = e if not path else e[path]
            if not (path == "registration" and obj is None) and set(obj) != set(names.split()):
                raise Refused
        step = "document_hash"
        doc_bytes = e["document"].encode()
        if sha(doc_bytes).hex() != e["document_sha256"]:
            raise Refused
        step = "document_canonical"
        doc = json.loads(doc_bytes)
        if jcs(doc) != doc_bytes:
            raise Refused
        step = "challenge"
        challenge = derive("CRA-SIGN-v1", sha(doc_bytes), b64(e["nonce"]))
        client = json.loads(b64(e["assertion"]["client_data_json"]))
        if b64(e["challenge"]) != challenge or b64(client["challenge"]) != challenge:
            raise Refused
        step = "client_data_type"
        if client["type"] != "webauthn.get":
            raise Refused
        step = "origin"
        if client["origin"] != e["origin"] or client.get("crossOrigin"):
            raise Refused
        auth = b64(e["assertion"]["authenticator_data"])
        step = "rp_id_hash"
        if auth[:32] != sha(e["rp_id"].encode()):
            raise Refused
        flags = auth[32]
        step = "user_present"
        if not flags & 0x01:
            raise Refused
        step = "user_verified"
        if not flags & 0x04:
            raise Refused
        step = "signature"
        key, alg = cose_key(b64(e["credential"]["public_key"]))
        signed = auth + sha(b64(e["assertion"]["client_data_json"]))
        check_sig(key, alg, b64(e["assertion"]["signature"]), signed)
        step = "month"
        if any(e["month"][k] != doc[k] for k in ("month", "version", "step")):
            raise Refused
        step = "signer"
        role = "consultant" if "role" in doc["mission"] else "client_signer"
        named = doc["signer"]
        if any(e["signer"][k] != named[k] for k in ("id", "name", "email")) or (
            e["signer"]["role"] != role
        ):
            raise Refused
        step = "sign_count"
        if e["sign_count"] != int.from_bytes(auth[33:37], "big"):
            raise Refused
        step = "backed_up"
        if e["credential"]["backed_up"] is not bool(flags & 0x10):
            raise Refused
        step = "registration"
        reg = e["registration"]
        if "registration" not in named:
            if reg is not None:
                raise Refused
        else:
            if reg is None:
                raise Refused
            core = {k: v for k, v in reg.items() if k != "timestamp"}
            if hashlib.sha256(jcs(core)).hexdigest() != named["registration"]:
                raise Refused
            step = "registration_statement"
            statement = json.loads(reg["statement"])
            if any(statement["signer"][k] != named[k] for k in ("id", "name", "email")) or (
                statement["email_code"]["sent_to"] != named["email"]
            ):
                raise Refused
            step = "registration_challenge"
            created = json.loads(b64(reg["client_data_json"]))
            expected = derive("CRA-ENROL-v1", sha(reg["statement"].encode()), b64(reg["nonce"]))
            if created["type"] != "webauthn.create" or b64(created["challenge"]) != expected:
                raise Refused
            step = "registration_key"
            reg_auth = cbor2.loads(b64(reg["attestation_object"]))["authData"]
            length = int.from_bytes(reg_auth[53:55], "big")
            if reg_auth[55 : 55 + length] != b64(e["credential"]["id"]):
                raise Refused
            if reg_auth[55 + length :] != b64(e["credential"]["public_key"]):
                raise Refused
            step = "user_handle"
            handle = e["assertion"]["user_handle"]
            if handle is not None and handle != statement["signer"]["user_handle"]:
                raise Refused
            step = "registration_timestamp"
            if reg["timestamp"] is not None:
                token_time(b64(reg["timestamp"]), jcs(core))
        step = "timestamp"
        if e["timestamp"] is not None:
            core = {k: v for k, v in e.items() if k != "timestamp"}
            seen = token_time(b64(e["timestamp"]), jcs(core))
            signed_at = datetime.fromisoformat(e["signed_at"].replace("Z", "+00:00"))
            if abs(seen - signed_at) > timedelta(minutes=10):
                raise Refused
    except Exception:
        return step
    return None
