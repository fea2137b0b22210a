"""A signer's first passkey needs the code mailed to the address their firm declared."""

from typing import Any

from server.domain.roles import Role
from server.storage import audit_store
from server.storage import signatures as store
from tests.conftest import FakeClock
from tests.factories import ORIGIN, World
from tests.server.signing_helpers import (
    issue_link,
    month_waiting_on_signer,
    open_link,
    queued_code,
    register,
    sign,
    state_of,
)
from tests.soft_authenticator import SoftAuthenticator


async def opened(world: World) -> tuple[Any, Any]:
    waiting = await month_waiting_on_signer(world)
    browser = world.browser()
    response = await open_link(browser, await issue_link(world, waiting.month_id))
    assert response.status_code == 200, response.text
    return waiting, browser


def first_error(response: Any) -> str:
    return str(response.json()["errors"][0]["code"])


async def test_no_passkey_without_the_mailed_code(world: World) -> None:
    """Make sure registration options are refused until the code is entered, and that a
    wrong code is refused and counted."""
    waiting, browser = await opened(world)
    refused = await browser.post("/api/v1/sign/passkey-options", json={})
    assert refused.status_code == 403 and first_error(refused) == "not_verified"

    nothing_sent = await browser.post("/api/v1/sign/email-code/verify", json={"code": "123456"})
    assert nothing_sent.status_code == 422 and first_error(nothing_sent) == "no_code"
    sent = await browser.post("/api/v1/sign/email-code", json={"language": "fr"})
    assert sent.status_code == 200 and sent.json()["code_sent_at"]
    assert sent.json()["demo_code"] is None, "the code is only ever shown in a mail-less demo"
    code = await queued_code(waiting.signer.person.email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = await browser.post("/api/v1/sign/email-code/verify", json={"code": wrong})
    assert refused.status_code == 422 and first_error(refused) == "wrong_code"
    malformed = await browser.post("/api/v1/sign/email-code/verify", json={"code": "12ab"})
    assert malformed.status_code == 400 or malformed.status_code == 422
    assert (await browser.post("/api/v1/sign/passkey-options", json={})).status_code == 403

    right = await browser.post("/api/v1/sign/email-code/verify", json={"code": code})
    assert right.status_code == 200 and right.json()["email_verified"] is True
    assert (await browser.post("/api/v1/sign/passkey-options", json={})).status_code == 200


async def test_a_code_expires_and_allows_five_tries(world: World, clock: FakeClock) -> None:
    """Make sure a code stops working after 15 minutes, and after five wrong tries."""
    waiting, browser = await opened(world)
    await browser.post("/api/v1/sign/email-code", json={})
    code = await queued_code(waiting.signer.person.email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        await browser.post("/api/v1/sign/email-code/verify", json={"code": wrong})
    locked = await browser.post("/api/v1/sign/email-code/verify", json={"code": code})
    assert locked.status_code == 422 and first_error(locked) == "too_many_attempts"

    clock.advance(minutes=1)
    await browser.post("/api/v1/sign/email-code", json={})
    fresh = await queued_code(waiting.signer.person.email)
    clock.advance(minutes=16)
    late = await browser.post("/api/v1/sign/email-code/verify", json={"code": fresh})
    assert late.status_code == 422 and first_error(late) == "expired"


async def test_the_firm_can_refuse_synced_passkeys(world: World) -> None:
    """Make sure a synced passkey is recorded as such, and refused once the admin says so."""
    admin = await world.person("admin", {Role.ADMIN})
    waiting, browser = await opened(world)
    synced = SoftAuthenticator(origin=ORIGIN, backed_up=True)
    policy = {"refuse_synced_passkeys": True}
    forbidden = await waiting.consultant.browser.put(
        "/api/v1/organisation/signature-policy", json=policy
    )
    assert forbidden.status_code == 403
    assert (
        await admin.browser.put("/api/v1/organisation/signature-policy", json=policy)
    ).status_code == 200
    refused = await register(browser, synced)
    assert refused.status_code == 422 and first_error(refused) == "synced_passkey"
    assert await store.refuses_synced_passkeys(world.organisation.id)

    # Accepted while the policy is off, then refused at signing once it is on.
    await admin.browser.put(
        "/api/v1/organisation/signature-policy", json={"refuse_synced_passkeys": False}
    )
    registered = await register(browser, synced)
    assert registered.status_code == 201, registered.text
    await admin.browser.put("/api/v1/organisation/signature-policy", json=policy)
    signed = await sign(browser, synced)
    assert signed.status_code == 422 and first_error(signed) == "synced_passkey"
    assert await state_of(waiting.month_id) == ("in_validation", waiting.signer.id, 0)

    # Each change of the policy is in the audit chain, by whom, before and after; saving the
    # same policy again adds nothing.
    await admin.browser.put("/api/v1/organisation/signature-policy", json=policy)
    changes = [
        e
        for e in await audit_store.chain(world.organisation.id)
        if e.event == "organisation.changed"
    ]
    assert [e.body["data"]["after"]["refuse_synced_passkeys"] for e in changes] == [
        True,
        False,
        True,
    ]
    assert {e.actor for e in changes} == {admin.id}


async def test_a_demo_without_mail_shows_the_code(world: World) -> None:
    """Make sure the mail-less demo can still enrol a signer: the page gets the code."""
    signatures = world.accounts.settings
    assert not signatures.smtp_host
    # The demo flag is read by the service from its settings.
    from server.services.signatures import Signatures

    waiting = await month_waiting_on_signer(world)
    demo = Signatures(
        settings=signatures.model_copy(update={"demo_mode": True}), clock=world.accounts.clock
    )
    token = (await issue_link(world, waiting.month_id)).split("#t=", 1)[1]
    session = await demo.session(await demo.open_link(token))
    code = await demo.send_code(session, language="fr")
    assert code == await queued_code(waiting.signer.person.email)
