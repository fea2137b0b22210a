"""The client signer's portal: link → signer session → passkey → signature → evidence."""

import asyncio
import json
from typing import Any

import pytest

from server.cli import main as carnet
from server.domain.roles import Role
from server.services.signatures import issue_signature_link
from server.storage import signatures as store
from tests.factories import ORIGIN, World
from tests.server.signing_helpers import (
    issue_link,
    month_waiting_on_signer,
    open_link,
    register,
    sign,
    signer_ready,
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
    # Once the key exists, the document names its registration record (the signer endorses
    # how their key was enrolled when they sign).
    document = registered.json()["document"]
    assert len(document["signer"].pop("registration")) == 64
    assert document == portal["document"]

    signed = await sign(browser, authenticator)
    assert signed.status_code == 201, signed.text
    assert signed.json()["month_status"] == "signed"
    assert signed.json()["document_sha256"] == registered.json()["document_sha256"]

    after = await browser.get("/api/v1/sign")
    assert after.json()["status"] == "signed"
    evidence = await browser.get(f"/api/v1/sign/evidence/{signed.json()['evidence_id']}")
    assert evidence.status_code == 200
    body = json.loads(evidence.content)
    assert body["format"] == "carnet-signature-evidence/2"
    assert json.loads(body["document"]) == registered.json()["document"]


async def test_admin_sets_attestation_wording_and_the_signer_sees_it(world: World) -> None:
    """Make sure a client's wording reaches the page and the signed document."""
    admin = await world.person("admin", {Role.ADMIN})
    waiting = await month_waiting_on_signer(world)
    url = f"/api/v1/clients/{waiting.client.id}/signature-wording"
    forbidden = await waiting.consultant.browser.put(url, json={"wording": "attestation"})
    assert forbidden.status_code == 403
    invalid = await admin.browser.put(url, json={"wording": "tampon"})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "wording"
    assert (await admin.browser.put(url, json={"wording": "attestation"})).status_code == 204

    browser, authenticator = await signer_ready(world, waiting)
    portal = (await browser.get("/api/v1/sign")).json()
    assert portal["wording"] == "attestation"
    assert portal["document"]["mission"]["wording"] == "attestation"
    signed = await sign(browser, authenticator)
    assert signed.status_code == 201


async def test_signer_sees_only_the_mission_they_sign_for(world: World) -> None:
    """Make sure absences and other clients' missions never reach the signer's page."""
    waiting = await month_waiting_on_signer(world)
    other_client = await world.client("Autre Client SAS")
    other = await world.mission("consultant", other_client)
    consultant = waiting.consultant
    response = await consultant.browser.put(
        f"/api/v1/people/{consultant.id}/months/2026-11/days/2026-11-05",
        json={"lines": [{"line": f"mission:{other.id}", "half_days": 1},
                        {"line": "absence:maladie", "half_days": 1}], "comment": "privé"},
    )  # fmt: skip
    # Writing is refused once in validation: the month is locked for the consultant.
    assert response.status_code == 409
    browser, _ = await signer_ready(world, waiting)
    text = (await browser.get("/api/v1/sign")).text
    assert "Autre Client" not in text and "maladie" not in text


async def test_evidence_is_visible_to_the_consultant_not_to_another(world: World) -> None:
    """Make sure an evidence file is for those who may see the month."""
    waiting = await month_waiting_on_signer(world)
    stranger = await world.person("stranger", {Role.CONSULTANT})
    browser, authenticator = await signer_ready(world, waiting)
    evidence_id = (await sign(browser, authenticator)).json()["evidence_id"]
    url = f"/api/v1/signatures/{evidence_id}/evidence"
    assert (await waiting.consultant.browser.get(url)).status_code == 200
    assert (await stranger.browser.get(url)).status_code == 404
    assert (await world.browser().get(url)).status_code == 401
    stored = await store.get_evidence(evidence_id)
    assert stored is not None and stored.version > 0 and stored.step == 0


async def test_issue_signature_link_returns_a_portal_url(world: World) -> None:
    """Make sure `issue_signature_link` returns a portal URL, as the email sender will use."""
    waiting = await month_waiting_on_signer(world)
    link = await issue_signature_link(
        settings=world.accounts.settings, clock=world.accounts.clock, month_id=waiting.month_id
    )
    assert link.startswith(f"{ORIGIN}/sign/#t=")
    assert (await open_link(world.browser(), link)).status_code == 200


async def test_carnet_signature_link_prints_a_link(
    world: World,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Make sure `carnet signature-link --email --month` prints a working portal link."""
    waiting = await month_waiting_on_signer(world)
    for name, value in {
        "DATABASE_URL": settings.database_url,
        "CARNET_ORIGIN": settings.origin,
        "CARNET_RP_ID": settings.rp_id,
        "CARNET_SECRET_KEY": settings.secret_key,
        "CARNET_DATA_DIR": str(settings.data_dir),
    }.items():
        monkeypatch.setenv(name, value)
    email = waiting.consultant.person.email
    assert (
        await asyncio.to_thread(carnet, ["signature-link", "--email", email, "--month", "2026-11"])
        == 0
    )
    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert (await open_link(world.browser(), link)).status_code == 200
    assert (
        await asyncio.to_thread(carnet, ["signature-link", "--email", email, "--month", "2026-01"])
        == 2
    )


async def test_evidence_rows_cannot_be_changed_or_deleted(world: World) -> None:
    """Make sure the database itself refuses to edit or delete stored evidence."""
    from server.storage.tables import SignatureEvidence

    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    evidence_id = (await sign(browser, authenticator)).json()["evidence_id"]
    with pytest.raises(Exception, match="append-only"):
        await SignatureEvidence.update({SignatureEvidence.body: "{}"}).where(
            SignatureEvidence.id == evidence_id
        )
    with pytest.raises(Exception, match="append-only"):
        await SignatureEvidence.delete().where(SignatureEvidence.id == evidence_id)
    stored = await store.get_evidence(evidence_id)
    assert stored is not None and stored.body.startswith(b'{"assertion"')


async def test_signature_routes_are_in_the_openapi_document(world: World) -> None:
    """Make sure the portal and evidence routes are documented for API clients."""
    response = await world.browser().get("/schema/openapi.json")
    assert response.status_code == 200
    operations = {
        operation["operationId"]
        for path in response.json()["paths"].values()
        for operation in path.values()
    }
    assert {
        "openSignatureLink",
        "requestSignatureLink",
        "getSignerPortal",
        "signingOptions",
        "signMonth",
        "getSignatureEvidence",
        "getSignedMonthPdf",
        "setSignatureWording",
    } <= operations


async def test_an_admin_reopening_a_signed_month_invalidates_its_signature_and_keeps_it(
    world: World,
) -> None:
    """Make sure a reopened signed month is no longer signed, its reopening names the signature
    it invalidates, and the signed version stays downloadable as history."""
    from server.services import audit_log

    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    signed = await sign(browser, authenticator)
    assert signed.status_code == 201, signed.text
    evidence_id = signed.json()["evidence_id"]
    admin = await world.person("admin", {Role.ADMIN})
    url = f"/api/v1/people/{waiting.consultant.id}/months/2026-11"
    month = (await admin.browser.get(url)).json()
    assert month["status"] == "signed"

    missing = await admin.browser.post(f"{url}/reopen", json={"version": month["version"]})
    assert missing.status_code == 422, "a reopening needs a reason"
    reopened = await admin.browser.post(
        f"{url}/reopen", json={"version": month["version"], "comment": "Le 3 était férié"}
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] != "signed"
    [event] = await audit_log.history(waiting.month_id, "month.reopened")
    assert [s["evidence"] for s in event.body["data"]["signatures_invalidated"]] == [evidence_id]
    kept = await waiting.consultant.browser.get(f"/api/v1/signatures/{evidence_id}/evidence")
    assert kept.status_code == 200
    assert json.loads(kept.content)["document_sha256"] == signed.json()["document_sha256"]
