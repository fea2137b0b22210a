"""Every way a signature can be wrong is refused with a problem naming why, month unchanged.

Assertions come from the software authenticator (real ES256 signatures), verified by the real
py_webauthn; each test breaks one thing.
"""

from typing import Any

import httpx

from server.domain.roles import Role
from server.services.sync_service import set_month_state
from server.storage import repositories as repo
from sync.months import MonthStatus
from tests.conftest import FakeClock
from tests.factories import ORIGIN, World, passkey_login
from tests.server.signing_helpers import (
    Waiting,
    issue_link,
    month_waiting_on_signer,
    open_link,
    register,
    send_assertion,
    sign,
    signer_ready,
    signing_options,
    state_of,
)
from tests.soft_authenticator import SoftAuthenticator


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check a problem document and return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = dict(response.json())
    assert [e["code"] for e in problem["errors"]][:1] == [code], problem
    return problem


def rejected(response: httpx.Response, check: str) -> None:
    """A 422 `signature_rejected` naming the `credential` field and the failed check."""
    problem = refused(response, 422, check)
    assert problem["code"] == "signature_rejected"
    assert problem["errors"][0]["field"] == "credential"


async def unchanged(waiting: Waiting) -> None:
    assert await state_of(waiting.month_id) == ("in_validation", waiting.signer.id, 0)


# -- the assertion itself ---------------------------------------------------------------------


async def test_assertion_from_another_origin_is_refused(world: World) -> None:
    """Make sure an assertion made on a phishing origin cannot sign (clientData origin)."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    rejected(await sign(browser, authenticator, origin="https://carnet.evil.example"), "origin")
    await unchanged(waiting)


async def test_assertion_for_another_rp_id_is_refused(world: World) -> None:
    """Make sure an assertion scoped to another relying party cannot sign (rpIdHash)."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    authenticator.rp_id = "evil.example"
    rejected(await sign(browser, authenticator), "rp_id")
    await unchanged(waiting)


async def test_assertion_without_user_verification_is_refused(world: World) -> None:
    """Make sure a signature needs the UV flag (biometrics or PIN), not mere presence."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    authenticator.user_verified = False
    rejected(await sign(browser, authenticator), "user_verification")
    await unchanged(waiting)


async def test_sign_count_going_backwards_is_refused(world: World) -> None:
    """Make sure a counter lower than the stored one (a cloned authenticator) cannot sign."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    authenticator.sign_count = 10
    login = await passkey_login(world.browser(), authenticator)  # stores count 11
    assert login.status_code == 200, login.text
    authenticator.sign_count = 3
    rejected(await sign(browser, authenticator), "sign_count")
    await unchanged(waiting)


async def test_tampered_signature_is_refused(world: World) -> None:
    """Make sure the signature bytes themselves are checked against the stored key."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    options = await signing_options(browser)
    credential = authenticator.get(options["options"])
    signature = bytearray(credential["response"]["signature"].encode())
    signature[10] = ord("A") if signature[10] != ord("A") else ord("B")
    credential["response"]["signature"] = signature.decode()
    rejected(await send_assertion(browser, options["challenge_id"], credential), "signature")
    await unchanged(waiting)


async def test_replayed_assertion_is_refused(world: World) -> None:
    """Make sure an accepted assertion cannot be sent again (single-use challenge)."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    options = await signing_options(browser)
    credential = authenticator.get(options["options"])
    accepted = await send_assertion(browser, options["challenge_id"], credential)
    assert accepted.status_code == 201, accepted.text
    rejected(await send_assertion(browser, options["challenge_id"], credential), "replay")
    assert await state_of(waiting.month_id) == ("signed", None, 1)


async def test_replayed_assertion_under_a_fresh_challenge_is_refused(world: World) -> None:
    """Make sure an old assertion does not match a new challenge (nonce is fresh each time)."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    first = await signing_options(browser)
    credential = authenticator.get(first["options"])
    second = await signing_options(browser)
    assert second["document_sha256"] == first["document_sha256"]
    rejected(await send_assertion(browser, second["challenge_id"], credential), "challenge")
    await unchanged(waiting)


async def test_expired_challenge_is_refused(world: World, clock: FakeClock) -> None:
    """Make sure a signing challenge is short-lived (five minutes)."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    options = await signing_options(browser)
    credential = authenticator.get(options["options"])
    clock.advance(minutes=6)
    rejected(
        await send_assertion(browser, options["challenge_id"], credential), "challenge_expired"
    )
    await unchanged(waiting)


# -- the challenge is bound to the month and its version --------------------------------------


async def test_challenge_from_another_month_is_refused(world: World) -> None:
    """Make sure an assertion over one month's document cannot sign another month."""
    november = await month_waiting_on_signer(world)
    october = await month_waiting_on_signer(world, month="2026-10", mission=november.mission)
    nov_browser, authenticator = await signer_ready(world, november)
    oct_browser = world.browser()
    assert (await open_link(oct_browser, await issue_link(world, october.month_id))).is_success
    oct_options = await signing_options(oct_browser)
    assert (
        oct_options["document_sha256"] != (await signing_options(nov_browser))["document_sha256"]
    )
    over_october = authenticator.get(oct_options["options"])

    nov_options = await signing_options(nov_browser)
    response = await send_assertion(nov_browser, nov_options["challenge_id"], over_october)
    rejected(response, "challenge")
    # October's own challenge id is not usable from November's session either.
    response = await send_assertion(nov_browser, oct_options["challenge_id"], over_october)
    rejected(response, "challenge_unknown")
    await unchanged(november)
    await unchanged(october)


async def test_challenge_from_another_version_is_refused(world: World) -> None:
    """Make sure a month that changed after it was shown cannot be signed as it was shown."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    before = await signing_options(browser)
    credential = authenticator.get(before["options"])
    # The server moves the month (same state, new version): what was shown is stale.
    await set_month_state(
        consultant_id=waiting.consultant.id,
        month="2026-11",
        status=MonthStatus.IN_VALIDATION,
        now=world.accounts.clock(),
        waiting_on_id=waiting.signer.id,
    )
    refused(await send_assertion(browser, before["challenge_id"], credential), 409, "changed")
    after = await signing_options(browser)
    assert after["document_sha256"] != before["document_sha256"]
    rejected(await send_assertion(browser, after["challenge_id"], credential), "challenge")
    await unchanged(waiting)


# -- whose passkey, whose month ---------------------------------------------------------------


async def test_credential_of_another_person_is_refused(world: World) -> None:
    """Make sure only the signer's own passkey signs, even a valid passkey of someone else."""
    waiting = await month_waiting_on_signer(world)
    browser, _ = await signer_ready(world, waiting)
    other = await world.person("other", {Role.CLIENT_SIGNER}, client_id=waiting.client.id)
    options = await signing_options(browser)
    credential = other.authenticator.get(options["options"])
    rejected(
        await send_assertion(browser, options["challenge_id"], credential), "credential_owner"
    )
    await unchanged(waiting)


async def test_forwarded_link_cannot_register_a_second_passkey_for_the_signer(
    world: World,
) -> None:
    """Make sure whoever holds a link of a signer who has a passkey cannot add theirs: a key
    for a new device needs the code mailed to the signer's own address."""
    waiting = await month_waiting_on_signer(world)
    await signer_ready(world, waiting)
    intruder = world.browser()
    assert (await open_link(intruder, await issue_link(world, waiting.month_id))).is_success
    refused(await intruder.post("/api/v1/sign/passkey-options", json={}), 403, "not_verified")
    wrong = await intruder.post("/api/v1/sign/email-code/verify", json={"code": "000000"})
    refused(wrong, 422, "no_code")
    assert len([p for p in await repo.list_passkeys(waiting.signer.id) if not p.revoked_at]) == 1
    await unchanged(waiting)


async def test_second_signer_cannot_sign_a_month_no_longer_waiting_on_them(
    world: World,
) -> None:
    """Make sure a signer's session ends its power when the month moves to someone else."""
    client = await world.client("Banque Client SA")
    await world.person("first", {Role.CLIENT_SIGNER}, client_id=client.id, login=False)
    waiting = await month_waiting_on_signer(world, signer="first", client=client)
    browser, _ = await signer_ready(world, waiting)
    # Sent back and resubmitted to another signer: the first one's session is closed.
    await world.person("second", {Role.CLIENT_SIGNER}, client_id=client.id, login=False)
    await set_month_state(
        consultant_id=waiting.consultant.id,
        month="2026-11",
        status=MonthStatus.IN_VALIDATION,
        now=world.accounts.clock(),
        reopen=True,
        waiting_on_id=world["second"].id,
    )
    assert (await browser.get("/api/v1/sign")).json()["status"] == "closed"
    refused(await browser.post("/api/v1/sign/options", json={}), 409, "not_waiting")
    status, waiting_on, signatures = await state_of(waiting.month_id)
    assert (status, waiting_on, signatures) == ("in_validation", world["second"].id, 0)


async def test_month_waiting_on_a_manager_gets_no_signature_link(world: World) -> None:
    """Make sure links are only issued for a client signer's step, to that signer."""
    waiting = await month_waiting_on_signer(world, manager_first=True)
    await set_month_state(
        consultant_id=waiting.consultant.id,
        month="2026-11",
        status=MonthStatus.IN_VALIDATION,
        now=world.accounts.clock(),
        step=0,
        waiting_on_id=world["manager"].id,
    )
    try:
        await issue_link(world, waiting.month_id)
    except Exception as error:
        assert getattr(error, "errors", ())[0].code == "not_client_step"
    else:
        raise AssertionError("a link was issued for a manager's step")


# -- the link ---------------------------------------------------------------------------------


async def test_expired_link_is_refused(world: World, clock: FakeClock) -> None:
    """Make sure a link expires after seven days."""
    waiting = await month_waiting_on_signer(world)
    link = await issue_link(world, waiting.month_id)
    clock.advance(days=7, seconds=1)
    refused(await open_link(world.browser(), link), 410, "expired")


async def test_a_new_link_ends_the_earlier_ones(world: World) -> None:
    """Make sure only the latest link of a signer for a month works, opened or not."""
    waiting = await month_waiting_on_signer(world)
    first = await issue_link(world, waiting.month_id)
    assert (await open_link(world.browser(), first)).status_code == 200
    second = await issue_link(world, waiting.month_id)
    refused(await open_link(world.browser(), first), 410, "expired")
    assert (await open_link(world.browser(), second)).status_code == 200
    await unchanged(waiting)


async def test_unknown_or_malformed_link_is_refused(world: World) -> None:
    """Make sure a made-up token is a 404 and a malformed one a 422 naming the field."""
    browser = world.browser()
    unknown = await browser.post("/api/v1/signature-links/open", json={"token": "x" * 43})
    refused(unknown, 404, "unknown")
    malformed = await browser.post("/api/v1/signature-links/open", json={"token": "a b"})
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "token"


async def test_link_session_is_limited_to_its_month(world: World) -> None:
    """Make sure a link for October signs October only, November stays untouched."""
    november = await month_waiting_on_signer(world)
    october = await month_waiting_on_signer(world, month="2026-10", mission=november.mission)
    browser, authenticator = await signer_ready(world, october)
    portal = (await browser.get("/api/v1/sign")).json()
    assert portal["document"]["month"] == "2026-10"
    assert (await sign(browser, authenticator)).status_code == 201
    assert await state_of(october.month_id) == ("signed", None, 1)
    await unchanged(november)


async def test_no_signer_session_is_a_401(world: World) -> None:
    """Make sure the portal needs an opened link; an app session is not enough."""
    waiting = await month_waiting_on_signer(world)
    response = await waiting.consultant.browser.get("/api/v1/sign")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    response = await waiting.consultant.browser.post("/api/v1/sign/options", json={})
    assert response.status_code == 401
    await unchanged(waiting)


async def test_signer_session_expires(world: World, clock: FakeClock) -> None:
    """Make sure a signer session lasts two hours."""
    waiting = await month_waiting_on_signer(world)
    browser, _ = await signer_ready(world, waiting)
    clock.advance(hours=2, seconds=1)
    assert (await browser.get("/api/v1/sign")).status_code == 401


async def test_malformed_assertion_is_a_422_not_a_500(world: World) -> None:
    """Make sure garbage in the credential is refused as bad input, naming the field."""
    waiting = await month_waiting_on_signer(world)
    browser, _ = await signer_ready(world, waiting)
    options = await signing_options(browser)
    for credential in ({}, {"rawId": "!!", "response": {}}, {"rawId": "AAAA", "response": 3}):
        response = await send_assertion(browser, options["challenge_id"], credential)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "credential"
    unknown = await send_assertion(browser, "00000000-0000-4000-8000-000000000000", {})
    rejected(unknown, "challenge_unknown")
    not_uuid = await send_assertion(browser, "nope", {})
    assert not_uuid.status_code == 422
    assert not_uuid.json()["errors"][0]["field"] == "challenge_id"
    await unchanged(waiting)


async def test_refused_link_and_assertion_are_recorded_in_the_audit_trail(world: World) -> None:
    """Make sure a replaced link and a refused assertion each append to the month's hash chain."""
    from server.services import audit_log

    waiting = await month_waiting_on_signer(world)
    old = await issue_link(world, waiting.month_id)
    link = await issue_link(world, waiting.month_id)
    browser = world.browser()
    assert (await open_link(browser, link)).status_code == 200
    assert (await open_link(world.browser(), old)).status_code == 410
    kinds = [e.event for e in await audit_log.history(waiting.month_id)]
    assert kinds[-3:] == [
        "signature.link_issued",
        "signature.link_opened",
        "signature.link_refused",
    ]
    await register(browser, SoftAuthenticator(origin=ORIGIN, user_verified=True))
    other = SoftAuthenticator(origin=ORIGIN)
    options = await signing_options(browser)
    await send_assertion(browser, options["challenge_id"], other.get(options["options"]))
    refusals = await audit_log.history(waiting.month_id, "signature.refused")
    assert len(refusals) == 1 and "credential_unknown" in str(refusals[0].body), refusals
    assert all(v.check.ok for v in await audit_log.verify()), "the chain still verifies"
    await unchanged(waiting)
