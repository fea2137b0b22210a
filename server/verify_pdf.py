"""Check the firm's seal on a signed CRA PDF and take out the evidence it carries.

Used by ``carnet verify-signature cra.pdf`` (imported only for a PDF, so that verifying a JSON
evidence file loads no PDF library). pyHanko's validator checks the PAdES seal: the signature
over the byte ranges, that it covers the whole file (nothing appended after sealing), and its
RFC 3161 timestamp when there is one. Trust in the seal's certificate is the reader's decision:
its subject and fingerprint are printed, and a self-signed (demo) seal is named as such.
"""

import asyncio
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

EVIDENCE_NAME = "signature-evidence.json"


@dataclass(frozen=True)
class PdfCheck:
    ok: bool
    detail: str
    evidence: bytes | None


def attached_file(reader: PdfFileReader, name: str) -> bytes | None:
    def child(node: object, key: str) -> object:
        if node is None:
            return None
        node = node.get_object() if hasattr(node, "get_object") else node
        return node.get(key) if hasattr(node, "get") else None

    pairs = child(child(reader.root, "/Names"), "/EmbeddedFiles")
    pairs = child(pairs, "/Names")
    if pairs is None:
        return None
    items = list(pairs.get_object()) if hasattr(pairs, "get_object") else list(pairs)  # type: ignore[call-overload]
    for i in range(0, len(items) - 1, 2):
        if str(items[i]) == name:
            spec = items[i + 1].get_object()
            return bytes(spec["/EF"]["/F"].get_object().data)
    return None


async def _check(pdf: bytes) -> PdfCheck:
    # pyHanko logs a traceback when it cannot build a trust path to the TSA's root, which the
    # file does not carry: that is the reader's decision, not an error of the file.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sealed = reader.embedded_signatures
    except Exception as error:
        return PdfCheck(False, f"the PDF cannot be read: {error}", None)
    if len(sealed) != 1:
        return PdfCheck(False, f"expected one seal, found {len(sealed)}", None)
    embedded = sealed[0]
    leaf = embedded.signer_cert
    # The seal's own certificate as the only root: integrity and the signature are checked;
    # whether this certificate is the firm's is for the reader to decide.
    context = ValidationContext(trust_roots=[leaf], allow_fetching=False)
    try:
        status = await async_validate_pdf_signature(
            embedded, signer_validation_context=context, ts_validation_context=None
        )
    except Exception as error:
        return PdfCheck(False, f"the seal cannot be validated: {error}", None)
    if not status.intact or not status.valid:
        return PdfCheck(False, "the seal does not verify: the PDF was changed after sealing", None)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return PdfCheck(False, "bytes were added to the PDF after it was sealed", None)
    certificate = x509.load_der_x509_certificate(asn1_x509.Certificate.dump(leaf))
    subject = certificate.subject.rfc4514_string()
    demo = (
        " (self-signed: a demo seal, it proves no identity)"
        if (certificate.issuer == certificate.subject)
        else ""
    )
    stamp = status.timestamp_validity
    when = (
        f", timestamped {stamp.timestamp.isoformat()}"
        if stamp is not None and stamp.intact and stamp.valid
        else ", no signature timestamp"
    )
    evidence = attached_file(reader, EVIDENCE_NAME)
    if evidence is None:
        return PdfCheck(False, f"the PDF carries no {EVIDENCE_NAME}", None)
    detail = (
        f"sealed by {subject}{demo}, certificate SHA-256 "
        f"{certificate.fingerprint(hashes.SHA256()).hex()}{when}; covers the whole file"
    )
    return PdfCheck(True, detail, evidence)


def read_sealed_pdf(pdf: bytes) -> PdfCheck:
    """Validate the seal of a signed CRA PDF and return its attached evidence file."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_check(pdf))
    # Called from async code (tests): pyHanko's validator gets a loop of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(_check(pdf))).result()
