"""Accounts without passwords: invitations, passkey registration and login, sessions."""

from server.domain.roles import Role
from tests.conftest import FakeClock
from tests.factories import World, passkey_login, register_passkey, token_of
from tests.soft_authenticator import SoftAuthenticator

ORIGIN = "http://localhost"


async def invited(world: World, name: str = "alice", roles=(Role.CONSULTANT,)):
    member = await world.person(name, roles, login=False)
    link = await world.accounts.issue_invitation(person=member.person, created_by=None)
    return member, token_of(link)


async def test_invitation_registers_a_passkey_and_logs_the_person_in(world: World) -> None:
    """Make sure redeeming an invitation with a passkey opens a session for that person."""
    member, token = await invited(world)
    shown = await member.browser.get(f"/api/v1/invitations/{token}")
    assert shown.status_code == 200
    assert shown.json()["email"] == member.person.email
    response = await register_passkey(member.browser, token, member.authenticator)
    assert response.status_code == 201, response.text
    me = await member.browser.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == member.id
    assert me.json()["roles"] == ["consultant"]


async def test_passkey_login_after_logout(world: World) -> None:
    """Make sure a registered passkey logs in again after logout, and logout ends the session."""
    member, token = await invited(world)
    await register_passkey(member.browser, token, member.authenticator)
    assert (await member.browser.post("/api/v1/auth/logout", json={})).status_code == 204
    assert (await member.browser.get("/api/v1/me")).status_code == 401
    login = await passkey_login(member.browser, member.authenticator)
    assert login.status_code == 200, login.text
    assert login.json()["person"]["id"] == member.id
    assert (await member.browser.get("/api/v1/me")).status_code == 200


async def test_invitation_cannot_be_used_twice(world: World) -> None:
    """Make sure a spent invitation is refused with 410 and registers nothing more."""
    member, token = await invited(world)
    assert (await register_passkey(member.browser, token, member.authenticator)).status_code == 201
    other = world.browser()
    again = await other.get(f"/api/v1/invitations/{token}")
    assert again.status_code == 410
    assert again.headers["content-type"].startswith("application/problem+json")
    options = await other.post(f"/api/v1/invitations/{token}/passkey-options", json={})
    assert options.status_code == 410
    passkeys = await member.browser.get("/api/v1/me/passkeys")
    assert len(passkeys.json()) == 1


async def test_expired_invitation_is_refused(world: World, clock: FakeClock) -> None:
    """Make sure an invitation past its lifetime is refused and creates no passkey."""
    member, token = await invited(world)
    clock.advance(days=8)
    response = await member.browser.get(f"/api/v1/invitations/{token}")
    assert response.status_code == 410
    assert "expired" in response.json()["detail"]


async def test_attacker_chosen_session_cookie_is_never_adopted(world: World) -> None:
    """Make sure login mints a new session id rather than keeping one the client sent."""
    member, token = await invited(world)
    member.browser.http.cookies.set(
        "carnet-session", "attacker-chosen-value", domain="localhost.local"
    )
    response = await register_passkey(member.browser, token, member.authenticator)
    assert response.status_code == 201
    minted = response.cookies.get("carnet-session")
    assert minted and minted != "attacker-chosen-value"
    attacker = world.browser()
    attacker.http.cookies.set("carnet-session", "attacker-chosen-value", domain="localhost.local")
    assert (await attacker.get("/api/v1/me")).status_code == 401


async def test_assertion_for_another_users_handle_is_refused(world: World) -> None:
    """Make sure a passkey assertion carrying another person's user handle logs nobody in."""
    alice, alice_token = await invited(world, "alice")
    bob, bob_token = await invited(world, "bob")
    await register_passkey(alice.browser, alice_token, alice.authenticator)
    await register_passkey(bob.browser, bob_token, bob.authenticator)
    stranger = world.browser()
    response = await passkey_login(
        stranger, alice.authenticator, user_handle=bob.authenticator.user_handle
    )
    assert response.status_code == 401
    assert (await stranger.get("/api/v1/me")).status_code == 401


async def test_wrong_origin_is_refused(world: World) -> None:
    """Make sure a ceremony signed for another origin is refused and registers nothing."""
    member, token = await invited(world)
    options = (
        await member.browser.post(f"/api/v1/invitations/{token}/passkey-options", json={})
    ).json()
    credential = member.authenticator.create(options["options"], origin="https://evil.example")
    response = await member.browser.post(
        f"/api/v1/invitations/{token}/passkey",
        json={"ceremony_id": options["ceremony_id"], "credential": credential},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert (await member.browser.get(f"/api/v1/invitations/{token}")).status_code == 200


async def test_registration_without_user_verification_is_refused(world: World) -> None:
    """Make sure a passkey created without user verification (UV flag) is refused."""
    member, token = await invited(world)
    member.authenticator.user_verified = False
    response = await register_passkey(member.browser, token, member.authenticator)
    assert response.status_code == 401
    assert (await member.browser.get("/api/v1/me")).status_code == 401


async def test_replayed_ceremony_is_refused(world: World) -> None:
    """Make sure a login response cannot be replayed: the challenge is single use."""
    member, token = await invited(world)
    await register_passkey(member.browser, token, member.authenticator)
    options = (await member.browser.post("/api/v1/auth/passkey-options", json={})).json()
    credential = member.authenticator.get(options["options"])
    body = {"ceremony_id": options["ceremony_id"], "credential": credential}
    assert (await member.browser.post("/api/v1/auth/passkey", json=body)).status_code == 200
    replay = await world.browser().post("/api/v1/auth/passkey", json=body)
    assert replay.status_code == 422
    assert replay.json()["errors"][0]["field"] == "ceremony_id"


async def test_session_expires_when_idle(world: World, clock: FakeClock) -> None:
    """Make sure an idle session ends after the idle timeout."""
    member, token = await invited(world)
    await register_passkey(member.browser, token, member.authenticator)
    clock.advance(hours=8, minutes=1)
    assert (await member.browser.get("/api/v1/me")).status_code == 401


async def test_second_device_then_revoke_first(world: World) -> None:
    """Make sure a person can add a device, revoke the first, and the revoked one cannot log in."""
    member, token = await invited(world)
    await register_passkey(member.browser, token, member.authenticator)
    phone = SoftAuthenticator(origin=ORIGIN)
    options = (await member.browser.post("/api/v1/me/passkeys/options", json={})).json()
    added = await member.browser.post(
        "/api/v1/me/passkeys",
        json={
            "ceremony_id": options["ceremony_id"],
            "credential": phone.create(options["options"]),
            "device_name": "Téléphone",
        },
    )
    assert added.status_code == 201, added.text
    passkeys = (await member.browser.get("/api/v1/me/passkeys")).json()
    first = next(p for p in passkeys if p["device_name"] == "test")
    assert (await member.browser.delete(f"/api/v1/me/passkeys/{first['id']}")).status_code == 204
    laptop = world.browser()
    assert (await passkey_login(laptop, member.authenticator)).status_code == 401
    assert (await passkey_login(laptop, phone)).status_code == 200


async def test_last_passkey_cannot_be_revoked(world: World) -> None:
    """Make sure revoking one's only passkey is refused, so nobody locks themselves out."""
    member, token = await invited(world)
    await register_passkey(member.browser, token, member.authenticator)
    (only,) = (await member.browser.get("/api/v1/me/passkeys")).json()
    response = await member.browser.delete(f"/api/v1/me/passkeys/{only['id']}")
    assert response.status_code == 409
    assert (await passkey_login(world.browser(), member.authenticator)).status_code == 200


async def test_mutation_without_csrf_token_is_refused(world: World) -> None:
    """Make sure a browser POST without the CSRF header is refused with a problem document."""
    member, token = await invited(world)
    response = await member.browser.http.post(
        f"/api/v1/invitations/{token}/passkey-options", json={}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


async def test_role_change_ends_the_persons_sessions(world: World) -> None:
    """Make sure a privilege change ends the person's sessions, so new rights need a new id."""
    admin = await world.person("admin", [Role.ADMIN])
    member = await world.person("carla", [Role.CONSULTANT])
    assert (await member.browser.get("/api/v1/me")).status_code == 200
    changed = await admin.browser.put(
        f"/api/v1/people/{member.id}/roles", json={"roles": ["consultant", "manager"]}
    )
    assert changed.status_code == 200, changed.text
    assert (await member.browser.get("/api/v1/me")).status_code == 401
    login = await passkey_login(member.browser, member.authenticator)
    assert sorted(login.json()["person"]["roles"]) == ["consultant", "manager"]


async def test_own_role_change_rotates_the_session_id(world: World) -> None:
    """Make sure an admin changing their own roles gets a new session id and the old one dies."""
    admin = await world.person("admin", [Role.ADMIN])
    old = admin.browser.http.cookies.get("carnet-session")
    changed = await admin.browser.put(
        f"/api/v1/people/{admin.id}/roles", json={"roles": ["admin", "consultant"]}
    )
    assert changed.status_code == 200, changed.text
    new = admin.browser.http.cookies.get("carnet-session")
    assert new and new != old
    assert (await admin.browser.get("/api/v1/me")).json()["roles"] == ["admin", "consultant"]
    stale = world.browser()
    stale.http.cookies.set("carnet-session", old, domain="localhost.local")
    assert (await stale.get("/api/v1/me")).status_code == 401


async def test_revoking_a_passkey_ends_the_other_sessions(world: World) -> None:
    """Make sure a revoked device's open sessions end, and the revoking session stays open."""
    member, token = await invited(world)
    await register_passkey(member.browser, token, member.authenticator)
    laptop = world.browser()
    assert (await passkey_login(laptop, member.authenticator)).status_code == 200
    phone = SoftAuthenticator(origin=ORIGIN)
    options = (await member.browser.post("/api/v1/me/passkeys/options", json={})).json()
    added = await member.browser.post(
        "/api/v1/me/passkeys",
        json={
            "ceremony_id": options["ceremony_id"],
            "credential": phone.create(options["options"]),
        },
    )
    assert added.status_code == 201, added.text
    first = next(
        p
        for p in (await member.browser.get("/api/v1/me/passkeys")).json()
        if p["device_name"] == "test"
    )
    assert (await member.browser.delete(f"/api/v1/me/passkeys/{first['id']}")).status_code == 204
    assert (await laptop.get("/api/v1/me")).status_code == 401
    assert (await member.browser.get("/api/v1/me")).status_code == 200
