"""Single sign-on against a real OpenID Connect provider running in the test
(tests/oidc_provider.py): the honest login, then every way the provider's answer may lie or
be replayed, on SQLite and (CARNET_TEST_DB=postgres) PostgreSQL."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from server.domain.roles import Role
from server.services.oidc_client import OidcClient, OidcError
from server.settings import Settings
from server.storage import tables as t
from tests.conftest import FakeClock
from tests.factories import Browser, Member, World, passkey_login
from tests.oidc_provider import Provider, User, _new_key
from tests.server.signing_helpers import MONTH, month_waiting_on_signer

API = "/api/v1"
DOMAIN = "example.test"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The provider runs on 127.0.0.1 over plain HTTP: allowed for this test only."""
    return settings.model_copy(update={"sso_allow_http_loopback": True})


@pytest.fixture
def provider(clock: FakeClock) -> Iterator[Provider]:
    """A provider whose clock is the test's, so the server and it agree on the time."""
    running = Provider(now=lambda: clock().timestamp()).start()
    yield running
    running.stop()


def sso_settings(provider: Provider, **changes: object) -> dict[str, object]:
    return {
        "display_name": "Keycloak",
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "allowed_domains": [DOMAIN],
        "enabled": True,
        "sso_only": False,
        **changes,
    }


async def configured(world: World, provider: Provider, **changes: object) -> Member:
    """The firm's admin sets the provider up through the API; returns the admin."""
    admin = world.members.get("admin") or await world.person("admin", {Role.ADMIN})
    saved = await admin.browser.put(
        f"{API}/organisation/sso", json=sso_settings(provider, **changes)
    )
    assert saved.status_code == 200, saved.text
    return admin


async def sso_login(browser: Browser) -> httpx.Response:
    """The browser's trip: our start, the provider's consent, our callback."""
    start = await browser.get(f"{API}/auth/sso/start")
    assert start.status_code == 303, start.text
    async with httpx.AsyncClient() as idp:
        consent = await idp.get(start.headers["location"])
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    return await browser.get(f"{back.path}?{back.query}")


def refusal(response: httpx.Response) -> str | None:
    """The reason a refused callback sends the sign-in screen, or None on success."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    return location.split("#sso-error=", 1)[1] if "#sso-error=" in location else None


async def who(browser: Browser) -> str | None:
    session = (await browser.get(f"{API}/session")).json()
    return session["person"]["id"] if session["authenticated"] else None


async def audit_kinds(organisation_id: str) -> list[str]:
    rows = await t.AuditEntry.select(t.AuditEntry.event).where(
        t.AuditEntry.organisation == organisation_id
    )
    return [row["event"] for row in rows]


async def test_a_consultant_signs_in_through_the_firms_provider(
    world: World, provider: Provider
) -> None:
    """Make sure the honest flow opens a session for the existing consultant, remembers the
    provider's subject, and is audited; the next login goes through the remembered subject."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    offer = (await world.browser().get(f"{API}/auth/sso")).json()
    assert offer == {"available": True, "display_name": "Keycloak", "sso_only": False}

    browser = world.browser()
    done = await sso_login(browser)
    assert refusal(done) is None
    assert done.headers["location"] == "/"
    assert await who(browser) == ana.id
    identities = await t.SsoIdentity.select(t.SsoIdentity.subject, t.SsoIdentity.person)
    assert [(i["subject"], str(i["person"])) for i in identities] == [("sub-ana", ana.id)]
    assert (await audit_kinds(world.organisation.id)).count("person.sso_login") == 1

    again = world.browser()
    assert refusal(await sso_login(again)) is None
    assert await who(again) == ana.id
    assert provider.jwks_requests == 1, "the provider's keys are cached between logins"


async def test_a_replayed_state_is_refused(world: World, provider: Provider) -> None:
    """Make sure the provider's answer works once, and only in the browser that started."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    browser = world.browser()
    start = await browser.get(f"{API}/auth/sso/start")
    async with httpx.AsyncClient() as idp:
        consent = await idp.get(start.headers["location"])
    back = urlsplit(consent.headers["location"])
    callback = f"{back.path}?{back.query}"

    thief = world.browser()
    assert refusal(await thief.get(callback)) == "browser_mismatch"
    assert await who(thief) is None
    # The state was spent by the thief's attempt: even its rightful browser cannot reuse it.
    assert refusal(await browser.get(callback)) == "state_replayed"
    assert await who(browser) is None

    fresh = world.browser()
    assert refusal(await sso_login(fresh)) is None
    state = parse_qs(back.query)["state"][0]
    replay = await fresh.get(f"{back.path}?code=whatever&state={state}")
    assert refusal(replay) == "state_replayed"


async def test_a_state_expires_after_ten_minutes(
    world: World, provider: Provider, clock: FakeClock
) -> None:
    """Make sure an answer coming back after the request's lifetime is refused."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    browser = world.browser()
    start = await browser.get(f"{API}/auth/sso/start")
    async with httpx.AsyncClient() as idp:
        consent = await idp.get(start.headers["location"])
    back = urlsplit(consent.headers["location"])
    clock.advance(minutes=11)
    assert refusal(await browser.get(f"{back.path}?{back.query}")) == "state_expired"


@pytest.mark.parametrize(
    ("lie", "reason"),
    [
        ("forged", "invalid_signature"),
        ("audience", "invalid_audience"),
        ("authorized_party", "invalid_audience"),
        ("expired", "token_expired"),
        ("future", "token_expired"),
        ("nonce", "invalid_nonce"),
        ("issuer", "invalid_issuer"),
    ],
)
async def test_an_id_token_that_does_not_verify_opens_no_session(
    world: World, provider: Provider, clock: FakeClock, lie: str, reason: str
) -> None:
    """Make sure a token signed by a key the provider does not publish, for another client,
    expired, issued in the future, with another nonce or from another issuer is refused."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    now = int(clock().timestamp())
    if lie == "forged":
        provider.rogue_key = _new_key()
    else:
        provider.claims_override = {
            "audience": {"aud": "someone-else"},
            "authorized_party": {"aud": [provider.client_id, "other"], "azp": "other"},
            "expired": {"iat": now - 900, "exp": now - 120},
            "future": {"iat": now + 600, "exp": now + 900},
            "nonce": {"nonce": "not-the-one-we-sent"},
            "issuer": {"iss": "https://impostor.example"},
        }[lie]
    browser = world.browser()
    assert refusal(await sso_login(browser)) == reason
    assert await who(browser) is None
    assert await t.SsoIdentity.count() == 0
    assert "sso.login_refused" in await audit_kinds(world.organisation.id)


async def test_a_token_within_the_leeway_is_accepted(
    world: World, provider: Provider, clock: FakeClock
) -> None:
    """Make sure a provider whose clock is 30 s ahead (iat in our future) is not refused."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    now = int(clock().timestamp())
    provider.claims_override = {"iat": now + 30, "nbf": now + 30}
    browser = world.browser()
    assert refusal(await sso_login(browser)) is None


async def test_a_rotated_key_is_fetched_once_and_made_up_ones_are_rate_limited(
    world: World, provider: Provider
) -> None:
    """Make sure the provider's new key is fetched when a token names it, and that tokens
    naming unknown keys do not make us refetch the key set each time."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    assert refusal(await sso_login(world.browser())) is None
    assert provider.jwks_requests == 1

    provider.rotate()
    rotated = world.browser()
    assert refusal(await sso_login(rotated)) is None
    assert await who(rotated) == ana.id
    assert provider.jwks_requests == 2

    # A forger naming a key id nobody published: the refetch for the rotation was just
    # done, so these tokens make no more requests to the provider.
    provider.rogue_key, provider.rogue_kid = _new_key(), "made-up"
    for _ in range(3):
        assert refusal(await sso_login(world.browser())) == "invalid_signature"
    assert provider.jwks_requests == 2


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        (User("sub-x", "ana@example.test", email_verified=False), "email_not_verified"),
        (User("sub-x", None), "email_missing"),
        (User("sub-x", "nobody@example.test"), "unknown_person"),
        (User("sub-x", "ana@elsewhere.test"), "email_domain_not_allowed"),
    ],
)
async def test_only_a_verified_address_of_an_existing_person_signs_in(
    world: World, provider: Provider, user: User, reason: str
) -> None:
    """Make sure nobody is created, and an unverified or foreign address is refused."""
    await configured(world, provider)
    people = await t.Person.count()
    provider.user = user
    browser = world.browser()
    assert refusal(await sso_login(browser)) == reason
    assert await who(browser) is None
    assert await t.Person.count() == people
    audit = await t.AuditEntry.select(t.AuditEntry.body).where(
        t.AuditEntry.event == "sso.login_refused"
    )
    assert reason in audit[-1]["body"]


async def test_unknown_person_is_told_to_ask_their_administrator(
    world: World, provider: Provider
) -> None:
    """Make sure the refusal's sentence says what to do (the sign-in screen shows it)."""
    await configured(world, provider)
    provider.user = User("sub-x", "nobody@example.test")
    assert refusal(await sso_login(world.browser())) == "unknown_person"
    rows = await t.AuditEntry.select(t.AuditEntry.body, t.AuditEntry.seq).where(
        t.AuditEntry.event == "sso.login_refused"
    )
    # The sentence may name an address: the chain holds it sealed, its value kept apart.
    assert "unknown_person" in rows[-1]["body"]
    assert "ask your administrator" not in rows[-1]["body"]
    [kept] = await t.AuditPersonal.select(t.AuditPersonal.payload).where(
        t.AuditPersonal.seq == rows[-1]["seq"]
    )
    assert "ask your administrator to add you" in kept["payload"]


async def test_a_remembered_subject_never_moves_to_someone_else(
    world: World, provider: Provider
) -> None:
    """Make sure an address changed at the provider to a colleague's does not log in as the
    colleague, and a second account claiming a linked person is refused."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    bob = await world.person("bob", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    assert refusal(await sso_login(world.browser())) is None

    provider.user = User("sub-ana", bob.person.email)
    browser = world.browser()
    assert refusal(await sso_login(browser)) == "identity_conflict"
    assert await who(browser) is None

    provider.user = User("sub-impostor", ana.person.email)
    assert refusal(await sso_login(world.browser())) == "identity_conflict"


async def test_inactive_people_and_client_contacts_do_not_sign_in_through_the_provider(
    world: World, provider: Provider
) -> None:
    """Make sure a deactivated person and a client's signer are refused."""
    await configured(world, provider)
    client = await world.client()
    signer = await world.person("signer", {Role.CLIENT_SIGNER}, client_id=client.id, login=False)
    provider.user = User("sub-signer", signer.person.email)
    assert refusal(await sso_login(world.browser())) == "not_staff"
    gone = await world.person("gone", {Role.CONSULTANT}, login=False)
    await t.Person.update({t.Person.active: False}).where(t.Person.id == gone.id)
    provider.user = User("sub-gone", gone.person.email)
    assert refusal(await sso_login(world.browser())) == "person_inactive"


async def test_sso_only_refuses_staff_passkey_login_but_signing_still_asks_a_passkey(
    world: World, provider: Provider
) -> None:
    """Make sure "SSO only" sends consultants through the provider while the admin keeps a
    passkey login, and a consultant signed in through the provider signs with their passkey."""
    waiting = await month_waiting_on_signer(world)
    consultant = waiting.consultant
    admin = await configured(world, provider, sso_only=True)
    offer = (await world.browser().get(f"{API}/auth/sso")).json()
    assert offer["sso_only"] is True

    refused = await passkey_login(world.browser(), consultant.authenticator)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "sso_required"
    assert (await passkey_login(world.browser(), admin.authenticator)).status_code == 200

    provider.user = User("sub-c", consultant.person.email)
    browser = world.browser()
    assert refusal(await sso_login(browser)) is None
    assert await who(browser) == consultant.id
    base = f"{API}/people/{consultant.id}/months/{MONTH}"
    options = await browser.post(f"{base}/signature-options", json={})
    assert options.status_code == 200, options.text
    body = options.json()
    assert body["options"]["challenge"], "signing is a passkey ceremony"
    bad = await browser.post(
        f"{base}/signature", json={"challenge_id": body["challenge_id"], "credential": {}}
    )
    assert bad.status_code in {401, 422}, "no passkey, no signature"
    credential = consultant.authenticator.get(body["options"])
    signed = await browser.post(
        f"{base}/signature", json={"challenge_id": body["challenge_id"], "credential": credential}
    )
    assert signed.status_code == 201, signed.text


async def test_the_client_secret_is_stored_encrypted_and_never_returned(
    world: World, provider: Provider
) -> None:
    """Make sure the secret is neither in the answer, nor in clear in the database, nor in
    the audit trail, and that saving without it keeps it."""
    admin = await configured(world, provider)
    read = (await admin.browser.get(f"{API}/organisation/sso")).json()
    assert read["client_secret_set"] is True
    assert "client_secret" not in read
    assert read["redirect_uri"] == "http://localhost/api/v1/auth/sso/callback"
    stored = await t.SsoSettings.select(t.SsoSettings.client_secret).first()
    assert stored is not None
    assert provider.client_secret not in stored["client_secret"]
    trail = await t.AuditEntry.select(t.AuditEntry.body).where(
        t.AuditEntry.event == "organisation.sso_changed"
    )
    assert trail and all(provider.client_secret not in row["body"] for row in trail)

    kept = await admin.browser.put(
        f"{API}/organisation/sso", json=sso_settings(provider, client_secret=None)
    )
    assert kept.json()["client_secret_set"] is True
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    assert refusal(await sso_login(world.browser())) is None, "the kept secret still works"


async def test_settings_that_cannot_work_are_refused_with_their_field(
    world: World, provider: Provider
) -> None:
    """Make sure an issuer that does not answer, an http issuer elsewhere than this machine, an
    issuer on a private or link-local address, a bad domain and SSO-only without SSO are
    refused, naming the field, and nothing saved."""
    admin = await world.person("admin", {Role.ADMIN})
    cases = [
        ({"issuer": "http://127.0.0.1:9/nothing"}, "issuer", "provider_unreachable"),
        ({"issuer": "http://idp.example"}, "issuer", "not_https"),
        ({"allowed_domains": ["not a domain"]}, "allowed_domains[0]", "invalid"),
        ({"allowed_domains": []}, "allowed_domains", "required"),
        ({"enabled": False, "sso_only": True}, "sso_only", "needs_enabled"),
        ({"issuer": provider.issuer + "/other"}, "issuer", "provider_unreachable"),
        # The server's own network is not an administrator's to probe (SSRF).
        ({"issuer": "https://10.1.2.3/realms/x"}, "issuer", "provider_address_refused"),
        ({"issuer": "https://169.254.169.254"}, "issuer", "provider_address_refused"),
    ]
    for changes, field, code in cases:
        response = await admin.browser.put(
            f"{API}/organisation/sso", json=sso_settings(provider, **changes)
        )
        assert response.status_code == 422, (changes, response.text)
        errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
        assert (field, code) in errors, (changes, errors)
    assert await t.SsoSettings.count() == 0
    not_admin = await world.person("c", {Role.CONSULTANT})
    assert (await not_admin.browser.get(f"{API}/organisation/sso")).status_code == 403


async def test_without_sso_the_sign_in_screen_offers_none_and_start_is_not_found(
    world: World,
) -> None:
    """Make sure a firm without a provider shows only the passkey sign-in, and the start
    sends the browser back to it with the reason."""
    browser = world.browser()
    assert (await browser.get(f"{API}/auth/sso")).json() == {
        "available": False,
        "display_name": None,
        "sso_only": False,
    }
    start = await browser.get(f"{API}/auth/sso/start")
    assert refusal(start) == "sso_not_configured"
    assert refusal(await browser.get(f"{API}/auth/sso/callback?state=x&code=y")) == (
        "invalid_state"
    )


async def test_a_name_resolving_to_the_servers_own_network_is_not_called() -> None:
    """Make sure the address check applies to names too, not only to IP literals: with the
    operator's defaults, a provider named localhost (or any name resolving to loopback or a
    private range) is refused before any connection."""
    client = OidcClient()
    with pytest.raises(OidcError) as refused:
        await client.discover("https://localhost:1/realms/x")
    assert refused.value.code == "provider_address_refused"
    private = OidcClient(allow_private_networks=True)
    with pytest.raises(OidcError) as still:
        await private.discover("https://127.0.0.1:1/realms/x")
    assert still.value.code == "provider_address_refused", "loopback needs its own setting"


async def test_claims_at_the_provider_never_make_anyone_an_administrator(
    world: World, provider: Provider
) -> None:
    """Make sure roles or groups the provider sends change nothing: the consultant is signed
    in as the consultant Carnet knows, and an administrator's screen stays closed."""
    await configured(world, provider)
    ana = await world.person("ana", {Role.CONSULTANT}, login=False)
    provider.user = User("sub-ana", ana.person.email)
    provider.claims_override = {"roles": ["admin"], "groups": ["Carnet Admins"], "admin": True}
    browser = world.browser()
    assert refusal(await sso_login(browser)) is None
    session = (await browser.get(f"{API}/session")).json()
    assert session["person"]["roles"] == ["consultant"]
    assert (await browser.get(f"{API}/organisation/sso")).status_code == 403
    assert (await browser.get(f"{API}/organisation/profile")).status_code == 403
