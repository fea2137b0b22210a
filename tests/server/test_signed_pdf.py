"""The signed month as a PDF with its evidence attached."""

import json
import re
import zlib

from tests.factories import World
from tests.server.signing_helpers import month_waiting_on_signer, sign, signer_ready


def embedded_streams(pdf: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated when it is Flate-compressed."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        raw = match.group(1)
        try:
            found.append(zlib.decompress(raw))
        except zlib.error:
            found.append(raw)
    return found


async def test_signed_month_pdf_carries_the_evidence(world: World) -> None:
    """Make sure the PDF attaches the exact evidence file, for the consultant and the signer."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    evidence_id = (await sign(browser, authenticator)).json()["evidence_id"]
    evidence = await browser.get(f"/api/v1/sign/evidence/{evidence_id}")

    for client, url in (
        (waiting.consultant.browser, f"/api/v1/signatures/{evidence_id}/pdf"),
        (browser, f"/api/v1/sign/evidence/{evidence_id}/pdf"),
    ):
        response = await client.get(url)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        pdf = response.content
        assert pdf.startswith(b"%PDF-")
        streams = embedded_streams(pdf)
        assert any(b"signature-evidence.json" in stream for stream in [pdf, *streams])
        assert any(b"/EmbeddedFile" in stream for stream in [pdf, *streams])
        assert evidence.content in streams
    assert json.loads(evidence.content)["format"] == "carnet-signature-evidence/1"
    stranger = world.browser()
    assert (await stranger.get(f"/api/v1/signatures/{evidence_id}/pdf")).status_code == 401
