"""Several firms on one installation: the host name picks the firm, and nothing of one firm
(session, passkey, invitation, signature link) is accepted on another's host
(docs/multi-tenant.md)."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from litestar import Litestar

from server.app import create_app
from server.domain import pricing as p
from server.domain.errors import Conflict, DomainError, InvalidInput
from server.domain.roles import Actor, Role
from server.services import firms
from server.services import invoicing as billing
from server.services.accounts import Accounts
from server.services.clock import Clock
from server.settings import Settings
from server.storage import firm_store, invoicing_store
from server.storage import repositories as repo
from server.storage import tables as t
from server.storage.engine import bind_tables, engine_from_url
from tests.factories import Browser, World, make_organisation, passkey_login, token_of
from tests.server.firm_worlds import firm_world, two_firms

A_HOST, B_HOST = "a.firm.test", "b.firm.test:8443"


@pytest.fixture
async def two(
    app: Litestar, settings: Settings, clock: Clock
) -> AsyncIterator[tuple[World, World]]:
    async with two_firms(app, settings, clock, a_host=A_HOST, b_host=B_HOST) as worlds:
        yield worlds


async def test_each_host_reaches_its_own_firm(two: tuple[World, World]) -> None:
    """Make sure a person logged in on their firm's host sees their firm."""
    a, b = two
    for world, name in ((a, "Alpha SAS"), (b, "Beta SARL")):
        me = await world["admin"].browser.get("/api/v1/session")
        assert me.json()["person"]["organisation_name"] == name


async def test_an_unknown_host_gets_a_404_problem(two: tuple[World, World]) -> None:
    """Make sure a host no firm claims is refused with a problem naming the host."""
    a, _ = two
    stranger = a.browser(base_url="http://c.firm.test")
    answer = await stranger.get("/api/v1/session")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["code"] == "not_found"
    assert problem["errors"][0]["field"] == "Host"
    assert "c.firm.test" in problem["detail"]


async def test_a_session_of_one_firm_is_no_session_on_another_host(
    two: tuple[World, World],
) -> None:
    """Make sure a session cookie carried to another firm's host is not accepted."""
    a, _ = two
    cookies = a["admin"].browser.http.cookies
    elsewhere = a.browser(base_url=f"http://{B_HOST}")
    for cookie in cookies.jar:
        elsewhere.http.cookies.set(cookie.name, cookie.value or "", domain=B_HOST.split(":")[0])
    assert (await elsewhere.get("/api/v1/me")).status_code == 401
    session = await elsewhere.get("/api/v1/session")
    assert session.json()["authenticated"] is False
    assert (await a["admin"].browser.get("/api/v1/me")).status_code == 200


async def test_an_api_token_of_one_firm_is_no_token_on_another_host(
    two: tuple[World, World],
) -> None:
    """Make sure a script's token works on its firm's host only, and another host answers as
    for a token that does not exist (docs/multi-tenant.md, docs/api.md)."""
    a, _ = two
    made = await a["admin"].browser.post(
        "/api/v1/integrations/tokens",
        json={"name": "paie", "scopes": ["people:read"], "days": 30},
    )
    assert made.status_code == 201, made.text
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    home = a.browser()
    assert (await home.get("/api/v1/people", headers=bearer)).status_code == 200
    elsewhere = a.browser(base_url=f"http://{B_HOST}")
    foreign = await elsewhere.get("/api/v1/people", headers=bearer)
    unknown = await elsewhere.get(
        "/api/v1/people", headers={"Authorization": "Bearer carnet_" + "x" * 43}
    )
    assert foreign.status_code == unknown.status_code == 401
    assert foreign.json()["detail"] == unknown.json()["detail"]


async def test_a_passkey_of_one_firm_does_not_log_in_on_another_host(
    two: tuple[World, World],
) -> None:
    """Make sure a passkey signed for firm A's ceremony on B's host (right relying party for B,
    as a shared parent domain would allow) is refused with the unknown-passkey words."""
    a, b = two
    elsewhere = b.browser()
    authenticator = a["admin"].authenticator
    options = await elsewhere.post("/api/v1/auth/passkey-options", json={})
    assert options.json()["options"]["rpId"] == "b.firm.test"
    credential = authenticator.get(options.json()["options"], origin=b.origin)
    answer = await elsewhere.post(
        "/api/v1/auth/passkey",
        json={"ceremony_id": options.json()["ceremony_id"], "credential": credential},
    )
    assert answer.status_code == 401
    assert "not registered" in answer.json()["detail"]
    own = await passkey_login(a.browser(), authenticator)
    assert own.status_code == 200, own.text


async def test_ceremonies_use_the_firm_relying_party_and_origin(two: tuple[World, World]) -> None:
    """Make sure each host's passkey options name its firm's relying party."""
    a, b = two
    for world, rp in ((a, "a.firm.test"), (b, "b.firm.test")):
        options = await world.browser().post("/api/v1/auth/passkey-options", json={})
        assert options.json()["options"]["rpId"] == rp


async def test_an_invitation_of_one_firm_is_not_valid_on_another_host(
    two: tuple[World, World],
) -> None:
    """Make sure an invitation link opened on another firm's host is unknown there."""
    a, b = two
    person = await a.person("newcomer", [Role.CONSULTANT], login=False)
    link = await a.accounts.issue_invitation(person=person.person, created_by=None)
    assert link.startswith(f"http://{A_HOST}/#invite=")
    token = token_of(link)
    assert (await b.browser().get(f"/api/v1/invitations/{token}")).status_code == 404
    options = await b.browser().post(f"/api/v1/invitations/{token}/passkey-options", json={})
    assert options.status_code == 404
    assert (await a.browser().get(f"/api/v1/invitations/{token}")).status_code == 200


async def test_one_firm_without_host_answers_every_host_no_other_firm_claims(
    app: Litestar, settings: Settings, clock: Clock
) -> None:
    """Make sure the first firm of an installation keeps working on its old address when a
    second firm is added on its own host, and only there is the second firm reached."""
    first = World(
        app=app,
        accounts=Accounts(settings=settings, clock=clock),
        organisation=await make_organisation("First SAS"),
    )
    await first.person("admin", [Role.ADMIN])
    second = await firm_world(app, settings, clock, name="Second SAS", host=A_HOST)
    await second.person("admin", [Role.ADMIN])
    me = await first["admin"].browser.get("/api/v1/session")
    assert me.json()["person"]["organisation_name"] == "First SAS"
    other = first.browser(base_url="http://anything.example")
    assert (await other.get("/api/v1/session")).status_code == 200
    me = await second["admin"].browser.get("/api/v1/session")
    assert me.json()["person"]["organisation_name"] == "Second SAS"
    await first.close()
    await second.close()


async def test_create_firm_refuses_a_taken_host_and_a_bad_one(database_url: str) -> None:
    """Make sure two firms never share a host name and a host is a host name."""
    bind_tables(engine_from_url(database_url))
    await firms.create_firm(legal_name="Alpha", host=A_HOST)
    with pytest.raises(Conflict):
        await firms.create_firm(legal_name="Beta", host=A_HOST.upper())
    with pytest.raises(InvalidInput):
        await firms.create_firm(legal_name="Beta", host="https://b.firm.test/path")
    assert len(await firm_store.list_firms()) == 1


async def test_create_firm_refuses_when_two_firms_have_no_host(app: Litestar) -> None:
    """Make sure the operator is told to give host names first: with two firms without one,
    neither would be reachable once a third firm claims a host."""
    await make_organisation("One")
    await make_organisation("Two")
    with pytest.raises(DomainError, match="firm-host"):
        await firms.create_firm(legal_name="Three", host=A_HOST)


async def test_each_firm_numbers_its_invoices_from_one(app: Litestar) -> None:
    """Make sure two firms may both hold invoice FA-2026-0001 (unique per organisation)."""
    numbers = []
    for name in ("Alpha", "Beta"):
        org = await make_organisation(name)
        client = await repo.create_client(
            organisation_id=org.id,
            legal_name="Client",
            siren="123456789",
            vat_number="",
            billing_address="x",
        )
        await t.Invoice.insert(
            t.Invoice(
                organisation=org.id,
                client=client.id,
                group_key=str(uuid.uuid4()),
                number="FA-2026-0001",
            )
        )
        numbers.append(org.id)
    assert await t.Invoice.count().where(t.Invoice.number == "FA-2026-0001") == 2
    with pytest.raises(Exception, match=r"(?i)unique"):
        await t.Invoice.insert(
            t.Invoice(
                organisation=numbers[0],
                client=(await t.ClientCompany.select(t.ClientCompany.id).first())["id"],
                group_key=str(uuid.uuid4()),
                number="FA-2026-0001",
            )
        )


def test_create_firm_command_prints_the_admin_invitation_on_the_firm_host(
    tmp_path: Path,
) -> None:
    """Make sure `carnet create-firm` makes the firm and its admin and prints their link on the
    firm's own origin; a second firm on the same host is refused with a reason."""
    from tests.server.test_cli import _carnet

    assert _carnet(tmp_path, "migrate").returncode == 0
    made = _carnet(
        tmp_path,
        "create-firm",
        "--name",
        "Alpha SAS",
        "--host",
        "alpha.carnet.example",
        "--admin-email",
        "boss@alpha.example",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().startswith("http://alpha.carnet.example/#invite=")
    again = _carnet(
        tmp_path,
        "create-firm",
        "--name",
        "Other",
        "--host",
        "alpha.carnet.example",
        "--admin-email",
        "other@alpha.example",
    )
    assert again.returncode == 2
    assert "already answers on alpha.carnet.example" in again.stderr
    listed = _carnet(tmp_path, "firms")
    assert "alpha.carnet.example" in listed.stdout and "Alpha SAS" in listed.stdout


async def test_one_firm_spending_its_login_allowance_leaves_the_other_firms_intact(
    settings: Settings, clock: Clock
) -> None:
    """Make sure the login rate limit of one address is counted per firm: a caller refused on
    firm A's host is still served on firm B's."""
    limited = create_app(
        settings.model_copy(update={"auth_rate_limit_per_minute": 3}), clock=clock
    )
    async with limited.lifespan():
        await firms.create_firm(legal_name="Alpha", host=A_HOST)
        await firms.create_firm(legal_name="Beta", host=B_HOST)
        on_a = Browser(limited, base_url=f"http://{A_HOST}")
        on_b = Browser(limited, base_url=f"http://{B_HOST}")
        try:
            statuses = [
                (await on_a.post("/api/v1/auth/passkey-options", json={})).status_code
                for _ in range(4)
            ]
            other = await on_b.post("/api/v1/auth/passkey-options", json={})
        finally:
            await on_a.close()
            await on_b.close()
    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200


async def test_each_firm_issues_its_own_first_invoice_number(app: Litestar) -> None:
    """Make sure issuing through the real path numbers each firm's series on its own: the
    first invoice of each of two firms is FA-2026-00001."""
    numbers = []
    for name, host in (("Alpha", A_HOST), ("Beta", B_HOST)):
        org = await make_organisation(name)
        await firms.set_address(organisation_id=org.id, host=host)
        admin = await repo.create_person(
            organisation_id=org.id,
            email=f"admin@{name.lower()}.test",
            display_name="Admin",
            roles=frozenset({Role.ADMIN}),
            user_handle=b"h" * 32,
        )
        client = await repo.create_client(
            organisation_id=org.id,
            legal_name="Client SA",
            siren="123456782",
            vat_number="",
            billing_address="1 rue du Test, 75001 Paris",
        )
        lines = [p.milestone_line(key="milestone:m", label="Jalon", amount_cents=100_000)]
        async with repo.write_transaction():
            draft = await invoicing_store.save_draft(
                organisation_id=org.id,
                client_id=client.id,
                group_key=f"test:{name}",
                period_start=date(2026, 10, 1),
                period_end=date(2026, 10, 31),
                sources=[],
                warnings=[],
                regime=p.VatRegime.STANDARD,
                lines=lines,
                totals=p.totals(lines=lines, regime=p.VatRegime.STANDARD),
                now=datetime(2026, 11, 2, tzinfo=UTC),
            )
        actor = Actor(person_id=admin.id, organisation_id=org.id, roles=frozenset({Role.ADMIN}))
        issued = await billing.issue(
            actor=actor, invoice_id=draft, clock=lambda: datetime(2026, 11, 2, 9, tzinfo=UTC)
        )
        numbers.append(issued.number)
    assert numbers == ["FA-2026-00001", "FA-2026-00001"]
