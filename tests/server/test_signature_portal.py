"""The client signer's portal: link → signer session → passkey → signature → evidence."""

import json

from tests.factories import ORIGIN, World
from tests.server.signing_helpers import (
    issue_link,
    month_waiting_on_signer,
    open_link,
    register,
    sign,
)
from tests.soft_authenticator import SoftAuthenticator


async def test_signer_opens_link_registers_and_signs_the_month(world: World) -> None:
    """Make sure the whole portal works: the month ends signed, with its evidence stored."""
    waiting = await month_waiting_on_signer(world)
    browser = world.browser()
    authenticator = SoftAuthenticator(origin=ORIGIN)
    link = await issue_link(world, waiting.month_id)

    opened = await open_link(browser, link)
    assert opened.status_code == 200, opened.text
    portal = opened.json()
    assert portal["status"] == "waiting"
    assert portal["has_passkey"] is False
    assert portal["wording"] == "signature"
    document = portal["document"]
    assert document["days"] == [
        {"date": "2026-11-02", "half_days": 2, "comment": "Atelier"},
        {"date": "2026-11-03", "half_days": 2, "comment": ""},
        {"date": "2026-11-04", "half_days": 1, "comment": "Matin"},
    ]
    assert document["totals"] == {"half_days": 5}
    assert "60000" not in opened.text and "rate" not in opened.text

    registered = await register(browser, authenticator)
    assert registered.status_code == 201, registered.text
    assert registered.json()["has_passkey"] is True

    signed = await sign(browser, authenticator)
    assert signed.status_code == 201, signed.text
    assert signed.json()["month_status"] == "signed"
    assert signed.json()["document_sha256"] == portal["document_sha256"]

    after = await browser.get("/api/v1/sign")
    assert after.json()["status"] == "signed"
    evidence = await browser.get(f"/api/v1/sign/evidence/{signed.json()['evidence_id']}")
    assert evidence.status_code == 200
    body = json.loads(evidence.content)
    assert body["format"] == "carnet-signature-evidence/1"
    assert json.loads(body["document"]) == document
