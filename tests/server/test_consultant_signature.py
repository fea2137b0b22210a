"""A consultant signs their own submitted month with their passkey (optional)."""

import json

import httpx

from server.domain.roles import Role
from server.verify_evidence import verify
from tests.factories import Member, World
from tests.server.signing_helpers import MONTH, month_waiting_on_signer, state_of


async def consultant_sign(member: Member, *, person_id: str | None = None) -> httpx.Response:
    base = f"/api/v1/people/{person_id or member.id}/months/{MONTH}"
    options = await member.browser.post(f"{base}/signature-options", json={})
    if options.status_code != 200:
        return options
    body = options.json()
    credential = member.authenticator.get(body["options"])
    return await member.browser.post(
        f"{base}/signature", json={"challenge_id": body["challenge_id"], "credential": credential}
    )


async def test_consultant_signs_their_submitted_month_and_it_verifies(world: World) -> None:
    """Make sure the consultant's own signature leaves the circuit alone and verifies offline."""
    waiting = await month_waiting_on_signer(world)
    signed = await consultant_sign(waiting.consultant)
    assert signed.status_code == 201, signed.text
    assert signed.json()["month_status"] == "in_validation"
    assert await state_of(waiting.month_id) == ("in_validation", waiting.signer.id, 1)
    evidence_id = signed.json()["evidence_id"]
    response = await waiting.consultant.browser.get(f"/api/v1/signatures/{evidence_id}/evidence")
    evidence = json.loads(response.content)
    assert evidence["signer"]["role"] == "consultant"
    document = json.loads(evidence["document"])
    assert document["mission"]["role"] == "consultant"
    assert document["totals"] == {f"mission:{waiting.mission.id}": 5}
    assert [r.name for r in verify(evidence) if not r.ok] == []

    again = await consultant_sign(waiting.consultant)
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "already_signed"


async def test_only_the_consultant_signs_and_only_once_submitted(world: World) -> None:
    """Make sure nobody else signs for the consultant, and a draft cannot be signed."""
    waiting = await month_waiting_on_signer(world)

    stranger = await world.person("stranger", {Role.MANAGER, Role.CONSULTANT})
    response = await consultant_sign(stranger, person_id=waiting.consultant.id)
    assert response.status_code == 404
    admin = await world.person("admin", {Role.ADMIN, Role.CONSULTANT})
    response = await consultant_sign(admin, person_id=waiting.consultant.id)
    assert response.status_code == 403
    draft = await world.person("drafter", {Role.CONSULTANT})
    response = await consultant_sign(draft)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_submitted"
    bad = await waiting.consultant.browser.post(
        f"/api/v1/people/{waiting.consultant.id}/months/2026-13/signature-options", json={}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "month"
    assert await state_of(waiting.month_id) == ("in_validation", waiting.signer.id, 0)
