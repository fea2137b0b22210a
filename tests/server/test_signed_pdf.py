"""The signed month as a PDF: its evidence attached, sealed by the firm (PAdES, pyHanko)."""

import io
import json
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from server.services.signed_pdf import load_seal
from server.settings import Settings
from server.verify_evidence import main as verify_main
from server.verify_pdf import attached_file
from tests.factories import World
from tests.independent_verifier import verify as independent_verify
from tests.server.signing_helpers import month_waiting_on_signer, sign, signer_ready
from tests.tsa import timestamped_settings, tsa_fixture  # noqa: F401 (fixtures)


async def validate_seal(pdf: bytes, settings: Settings) -> tuple[bool, bool, object, object]:
    """pyHanko's validator, trusting the firm's seal certificate: (intact, valid, coverage,
    timestamp validity)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    (embedded,) = reader.embedded_signatures
    seal_cert = load_seal(settings).signer.signing_cert
    status = await async_validate_pdf_signature(
        embedded,
        signer_validation_context=ValidationContext(trust_roots=[seal_cert]),
    )
    return status.intact, status.valid, status.coverage, status.timestamp_validity


async def test_signed_month_pdf_is_sealed_and_carries_the_evidence(
    world: World, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Make sure the PDF attaches the exact evidence file, is sealed by the firm with a
    timestamp (pyHanko's validator agrees), is the same bytes at every download, and that a
    byte changed after sealing is refused by pyHanko and by carnet verify-signature."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    evidence_id = (await sign(browser, authenticator)).json()["evidence_id"]
    evidence = await browser.get(f"/api/v1/sign/evidence/{evidence_id}")
    assert json.loads(evidence.content)["format"] == "carnet-signature-evidence/2"

    downloads = []
    for client, url in (
        (waiting.consultant.browser, f"/api/v1/signatures/{evidence_id}/pdf"),
        (browser, f"/api/v1/sign/evidence/{evidence_id}/pdf"),
    ):
        response = await client.get(url)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        downloads.append(response.content)
    pdf = downloads[0]
    assert downloads[1] == pdf, "the sealed PDF is made once and kept"
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    assert attached_file(reader, "signature-evidence.json") == evidence.content

    intact, valid, coverage, stamp = await validate_seal(pdf, settings)
    assert (intact, valid, coverage) == (True, True, SignatureCoverageLevel.ENTIRE_FILE)
    assert stamp is not None and stamp.intact and stamp.valid

    path = tmp_path / "cra.pdf"
    path.write_bytes(pdf)
    assert verify_main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "ok   pdf_seal: sealed by" in out and "self-signed: a demo seal" in out
    assert "signature verified" in out

    # One byte of the month's page changed after sealing (inside the signed byte range).
    tampered = bytearray(pdf)
    position = pdf.index(b"/MediaBox")
    tampered[position + 1] = ord("X")
    intact, valid, _, _ = await validate_seal(bytes(tampered), settings)
    assert not (intact and valid)
    path.write_bytes(bytes(tampered))
    assert verify_main([str(path)]) == 1
    assert "FAIL pdf_seal:" in capsys.readouterr().out

    # Bytes appended after the seal (an incremental update that was not sealed).
    path.write_bytes(pdf + b"\n% appended after sealing\n")
    assert verify_main([str(path)]) == 1
    assert "FAIL pdf_seal:" in capsys.readouterr().out

    # The evidence inside the PDF verifies alone, in both verifiers.
    assert independent_verify(json.loads(evidence.content)) is None
    stranger = world.browser()
    assert (await stranger.get(f"/api/v1/signatures/{evidence_id}/pdf")).status_code == 401
