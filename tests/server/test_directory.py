"""The directory as an administrator: people and invitations, clients, missions; bad input
refused with the field and the reason, and nothing created."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from server.domain import model
from server.domain.roles import Role
from server.storage import notification_store
from tests.factories import ALL_ABSENCES, Member, World, token_of

# Marked here, not only by the conftest hook: anyio re-creates late-marked async tests and drops
# their parametrize ids and values.
pytestmark = pytest.mark.anyio

PROBLEM_JSON = "application/problem+json"
ORIGIN = "http://localhost"


@dataclass
class Org:
    """An administrator (logged in) and the people and clients their requests refer to."""

    admin: Member
    boss: Member
    alice: Member
    signer: Member
    other_signer: Member
    client: model.ClientCompany
    other_client: model.ClientCompany

    async def post(self, url: str, body: Any) -> httpx.Response:
        return await self.admin.browser.post(url, json=body)

    async def listing(self, what: str) -> list[dict[str, Any]]:
        response = await self.admin.browser.get(f"/api/v1/{what}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def org(world: World) -> Org:
    client = await world.client("Banque Exemple SA")
    other_client = await world.client("Assurance Autre SA")
    return Org(
        admin=await world.person("admin", [Role.ADMIN]),
        boss=await world.person("boss", [Role.MANAGER], login=False),
        alice=await world.person("alice", [Role.CONSULTANT], manager="boss", login=False),
        signer=await world.person(
            "signer", [Role.CLIENT_SIGNER], client_id=client.id, login=False
        ),
        other_signer=await world.person(
            "other", [Role.CLIENT_SIGNER], client_id=other_client.id, login=False
        ),
        client=client,
        other_client=other_client,
    )


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code", "errors"}
    assert body["status"] == status
    return body


def reasons(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in body["errors"]}


def person(org: Org, **changes: Any) -> dict[str, Any]:
    return {
        "email": "Bob.Martin@Example.test",
        "display_name": "Bob Martin",
        "roles": ["consultant"],
        "manager_id": org.boss.id,
    } | changes


def client(**changes: Any) -> dict[str, Any]:
    return {
        "legal_name": "Mutuelle Nouvelle SA",
        "siren": "552100554",
        "vat_number": "FR40552100554",
        "billing_address": "3 place de la Bourse, 69002 Lyon",
    } | changes


def regie(org: Org, **changes: Any) -> dict[str, Any]:
    return {
        "consultant_id": org.alice.id,
        "client_id": org.client.id,
        "title": "Refonte du SI de paie",
        "start_date": "2026-01-05",
        "end_date": "2026-12-31",
        "billing_mode": "regie",
        "daily_rate_cents": 65_000,
        "approval_steps": [
            {"kind": "manager", "approver_id": org.boss.id},
            {"kind": "client_signer", "approver_id": org.signer.id},
        ],
    } | changes


def forfait(org: Org, **changes: Any) -> dict[str, Any]:
    milestones = [
        {"label": "Cadrage", "due_date": "2026-03-31", "amount_cents": 1_500_000},
        {"label": "Recette", "due_date": "2026-09-30", "amount_cents": 3_500_000},
    ]
    return regie(org, billing_mode="forfait", milestones=milestones) | changes


def milestone(**changes: Any) -> dict[str, Any]:
    return {"label": "Livraison", "due_date": "2026-06-30", "amount_cents": 1_000_000} | changes


def unknown_id() -> str:
    return str(uuid.uuid4())


# -- happy paths ----------------------------------------------------------------------------


async def test_admin_invites_a_consultant_with_a_manager(org: Org, world: World) -> None:
    """Make sure an invitation creates the person and a link the invitee can open."""
    response = await org.post("/api/v1/people", person(org))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["person"]["email"] == "bob.martin@example.test"
    assert created["person"]["roles"] == ["consultant"]
    assert created["person"]["manager_id"] == org.boss.id
    assert created["invitation_url"].startswith(f"{ORIGIN}/#invite=")
    invitation = await world.browser().get(
        f"/api/v1/invitations/{token_of(created['invitation_url'])}"
    )
    assert invitation.status_code == 200, invitation.text
    assert invitation.json()["email"] == "bob.martin@example.test"
    assert invitation.json()["organisation_name"] == world.organisation.legal_name
    people = await org.listing("people")
    assert created["person"] in people


async def test_admin_invites_a_client_signer(org: Org) -> None:
    """Make sure a client signer is created attached to their client company."""
    body = person(org, roles=["client_signer"], manager_id=None, client_company_id=org.client.id)
    response = await org.post("/api/v1/people", body)
    assert response.status_code == 201, response.text
    assert response.json()["person"]["client_company_id"] == org.client.id


async def test_admin_creates_a_client(org: Org) -> None:
    """Make sure a client company is created and listed."""
    response = await org.post("/api/v1/clients", client())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created == client() | {"id": created["id"]}
    assert created in await org.listing("clients")


async def test_admin_creates_a_regie_mission_with_a_two_step_circuit(org: Org) -> None:
    """Make sure a régie mission keeps its rate and its circuit, manager then client signer."""
    response = await org.post("/api/v1/missions", regie(org))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["billing_mode"] == "regie"
    assert created["daily_rate_cents"] == 65_000
    assert created["approval_steps"] == [
        {"kind": "manager", "approver_id": org.boss.id},
        {"kind": "client_signer", "approver_id": org.signer.id},
    ]
    assert sorted(created["allowed_absences"]) == sorted(ALL_ABSENCES)
    read = await org.admin.browser.get(f"/api/v1/missions/{created['id']}")
    assert read.json() == created


async def test_admin_creates_a_forfait_with_milestones(org: Org) -> None:
    """Make sure a forfait keeps its milestones in order, amounts in cents."""
    response = await org.post("/api/v1/missions", forfait(org, daily_rate_cents=None))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["billing_mode"] == "forfait"
    assert created["milestones"] == forfait(org)["milestones"]
    assert created in await org.listing("missions")


async def test_admin_sets_roles(org: Org) -> None:
    """Make sure PUT roles replaces a person's roles."""
    response = await org.admin.browser.put(
        f"/api/v1/people/{org.alice.id}/roles", json={"roles": ["manager", "consultant"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["consultant", "manager"]
    read = await org.admin.browser.get(f"/api/v1/people/{org.alice.id}")
    assert read.json()["roles"] == ["consultant", "manager"]


async def test_reinvitation_gives_a_new_working_link(org: Org, world: World) -> None:
    """Make sure POST /people/{id}/invitations returns a fresh link the person can open, and the
    earlier unused link stops working."""
    first = await org.post("/api/v1/people", person(org))
    bob = first.json()["person"]
    response = await org.post(f"/api/v1/people/{bob['id']}/invitations", {})
    assert response.status_code == 201, response.text
    link = response.json()["invitation_url"]
    assert link.startswith(f"{ORIGIN}/#invite=")
    assert link != first.json()["invitation_url"]
    opened = await world.browser().get(f"/api/v1/invitations/{token_of(link)}")
    assert opened.status_code == 200, opened.text
    assert opened.json()["email"] == bob["email"]
    earlier = await world.browser().get(
        f"/api/v1/invitations/{token_of(first.json()['invitation_url'])}"
    )
    assert problem(earlier, 410)["code"] == "gone", "a new link ends the links sent before"


# -- bad input: refused with the field and the reason, nothing created ----------------------


@dataclass(frozen=True)
class Bad:
    """One bad request: its body, and the status and reason expected back."""

    id: str
    body: Callable[[Org], Any]
    status: int
    field: str | None  # None: no field to name (e.g. 404)
    code: str | None  # None when there is no field


BAD_PEOPLE = [
    Bad(
        "duplicate-email",
        lambda o: person(o, email=o.alice.person.email),
        409,
        "email",
        "email_taken",
    ),
    Bad(
        "duplicate-email-other-case",
        lambda o: person(o, email=o.alice.person.email.upper()),
        409,
        "email",
        "email_taken",
    ),
    Bad(
        "duplicate-email-padded",
        lambda o: person(o, email=f" {o.alice.person.email.title()} "),
        409,
        "email",
        "email_taken",
    ),
    Bad("bad-email", lambda o: person(o, email="bob.example.test"), 422, "email", "invalid"),
    Bad("empty-roles", lambda o: person(o, roles=[]), 422, "roles", "invalid"),
    Bad("unknown-role", lambda o: person(o, roles=["superuser"]), 422, "roles[0]", "invalid"),
    Bad(
        "signer-without-client",
        lambda o: person(o, roles=["client_signer"], manager_id=None),
        422,
        "client_company_id",
        "client_required",
    ),
    Bad(
        "signer-with-other-roles",
        lambda o: person(
            o,
            roles=["client_signer", "consultant"],
            manager_id=None,
            client_company_id=o.client.id,
        ),
        422,
        "roles",
        "signer_exclusive",
    ),
    Bad(
        "manager-not-a-manager",
        lambda o: person(o, manager_id=o.alice.id),
        422,
        "manager_id",
        "not_a_manager",
    ),
    Bad(
        "unknown-manager",
        lambda o: person(o, manager_id=unknown_id()),
        422,
        "manager_id",
        "unknown_person",
    ),
    Bad(
        "unknown-client",
        lambda o: person(
            o, roles=["client_signer"], manager_id=None, client_company_id=unknown_id()
        ),
        422,
        "client_company_id",
        "unknown_client",
    ),
    Bad(
        "malformed-manager-id", lambda o: person(o, manager_id="42"), 422, "manager_id", "invalid"
    ),
    Bad(
        "malformed-client-id",
        lambda o: person(o, client_company_id="not-a-uuid"),
        422,
        "client_company_id",
        "invalid",
    ),
    Bad(
        "blank-display-name",
        lambda o: person(o, display_name="   "),
        422,
        "display_name",
        "invalid",
    ),
    Bad("unknown-field", lambda o: person(o, is_admin=True), 422, "is_admin", "invalid"),
]

BAD_CLIENTS = [
    Bad("siren-8-digits", lambda o: client(siren="55210055"), 422, "siren", "invalid"),
    Bad("siren-with-a-letter", lambda o: client(siren="55210055A"), 422, "siren", "invalid"),
    Bad("siren-non-ascii-digits", lambda o: client(siren="٥٥٢١٠٠٥٥٤"), 422, "siren", "invalid"),
    Bad("vat-12345", lambda o: client(vat_number="12345"), 422, "vat_number", "invalid"),
    Bad("blank-legal-name", lambda o: client(legal_name=""), 422, "legal_name", "invalid"),
    Bad("unknown-field", lambda o: client(siret="55210055400013"), 422, "siret", "invalid"),
]

BAD_MISSIONS = [
    Bad(
        "ends-before-start",
        lambda o: regie(o, end_date="2026-01-04"),
        422,
        "end_date",
        "ends_before_start",
    ),
    Bad(
        "regie-without-rate",
        lambda o: regie(o, daily_rate_cents=None),
        422,
        "daily_rate_cents",
        "rate_required",
    ),
    Bad(
        "capped-without-cap",
        lambda o: regie(o, billing_mode="regie_capped"),
        422,
        "day_cap_half_days",
        "cap_required",
    ),
    Bad(
        "forfait-without-milestones",
        lambda o: regie(o, billing_mode="forfait"),
        422,
        "milestones",
        "milestones_required",
    ),
    Bad(
        "milestone-outside-dates",
        lambda o: forfait(o, milestones=[milestone(due_date="2027-01-15")]),
        422,
        "milestones[0].due_date",
        "outside_mission",
    ),
    Bad(
        "approver-lacks-role",
        lambda o: regie(o, approval_steps=[{"kind": "manager", "approver_id": o.alice.id}]),
        422,
        "approval_steps[0].approver_id",
        "wrong_role",
    ),
    Bad(
        "signer-of-other-client",
        lambda o: regie(
            o,
            approval_steps=[
                {"kind": "manager", "approver_id": o.boss.id},
                {"kind": "client_signer", "approver_id": o.other_signer.id},
            ],
        ),
        422,
        "approval_steps[1].approver_id",
        "signer_of_other_client",
    ),
    Bad(
        "unknown-approver",
        lambda o: regie(o, approval_steps=[{"kind": "manager", "approver_id": unknown_id()}]),
        422,
        "approval_steps[0].approver_id",
        "unknown_person",
    ),
    Bad(
        "consultant-not-a-consultant",
        lambda o: regie(o, consultant_id=o.boss.id),
        422,
        "consultant_id",
        "not_a_consultant",
    ),
    Bad(
        "unknown-consultant",
        lambda o: regie(o, consultant_id=unknown_id()),
        422,
        "consultant_id",
        "unknown_person",
    ),
    Bad(
        "unknown-client",
        lambda o: regie(o, client_id=unknown_id()),
        422,
        "client_id",
        "unknown_client",
    ),
    Bad(
        "malformed-consultant-id",
        lambda o: regie(o, consultant_id="42"),
        422,
        "consultant_id",
        "invalid",
    ),
    Bad(
        "unknown-absence-type",
        lambda o: regie(o, allowed_absences=["CP", "vacances"]),
        422,
        "allowed_absences[1]",
        "invalid",
    ),
    Bad(
        "unknown-billing-mode",
        lambda o: regie(o, billing_mode="daily"),
        422,
        "billing_mode",
        "invalid",
    ),
    Bad(
        "unknown-step-kind",
        lambda o: regie(o, approval_steps=[{"kind": "boss", "approver_id": o.boss.id}]),
        422,
        "approval_steps[0].kind",
        "invalid",
    ),
    Bad(
        "no-approval-step", lambda o: regie(o, approval_steps=[]), 422, "approval_steps", "invalid"
    ),
    Bad(
        "negative-rate",
        lambda o: regie(o, daily_rate_cents=-65_000),
        422,
        "daily_rate_cents",
        "invalid",
    ),
    Bad("zero-rate", lambda o: regie(o, daily_rate_cents=0), 422, "daily_rate_cents", "invalid"),
    Bad(
        "string-rate",
        lambda o: regie(o, daily_rate_cents="65000"),
        422,
        "daily_rate_cents",
        "invalid",
    ),
    Bad(
        "float-rate",
        lambda o: regie(o, daily_rate_cents=65_000.0),
        422,
        "daily_rate_cents",
        "invalid",
    ),
    Bad(
        "negative-milestone",
        lambda o: forfait(o, milestones=[milestone(amount_cents=-1)]),
        422,
        "milestones[0].amount_cents",
        "invalid",
    ),
    Bad(
        "string-milestone",
        lambda o: forfait(o, milestones=[milestone(amount_cents="1000000")]),
        422,
        "milestones[0].amount_cents",
        "invalid",
    ),
    Bad("unknown-field", lambda o: regie(o, tjm=650), 422, "tjm", "invalid"),
]


def assert_refused(bad: Bad, response: httpx.Response) -> None:
    body = problem(response, bad.status)
    if bad.field is None:
        return
    assert (bad.field, bad.code) in reasons(body), body


@pytest.mark.parametrize(
    ("url", "what", "table"),
    [
        pytest.param("/api/v1/people", "people", BAD_PEOPLE, id="people"),
        pytest.param("/api/v1/clients", "clients", BAD_CLIENTS, id="clients"),
        pytest.param("/api/v1/missions", "missions", BAD_MISSIONS, id="missions"),
    ],
)
async def test_bad_creations_are_refused_and_create_nothing(
    org: Org, subtests: pytest.Subtests, url: str, what: str, table: list[Bad]
) -> None:
    """Make sure each bad creation gets a 4xx naming the field and the reason, nothing added."""
    # One organisation per table: each case compares the listing to its own snapshot.
    for bad in table:
        with subtests.test(msg=bad.id):
            before = await org.listing(what)
            assert_refused(bad, await org.post(url, bad.body(org)))
            assert await org.listing(what) == before


BAD_ROLES = [
    Bad(
        "admin-removes-own-admin",
        lambda o: (o.admin.id, ["consultant", "manager"]),
        422,
        "roles",
        "last_admin_self",
    ),
    Bad("empty-roles", lambda o: (o.alice.id, []), 422, "roles", "invalid"),
    Bad("unknown-role", lambda o: (o.alice.id, ["root"]), 422, "roles[0]", "invalid"),
    Bad(
        "signer-without-client",
        lambda o: (o.alice.id, ["client_signer"]),
        422,
        "client_company_id",
        "client_required",
    ),
    Bad(
        "signer-with-other-roles",
        lambda o: (o.signer.id, ["client_signer", "manager"]),
        422,
        "roles",
        "signer_exclusive",
    ),
    Bad("unknown-person", lambda o: (unknown_id(), ["consultant"]), 404, None, None),
]


async def test_bad_roles_are_refused_and_change_nothing(
    org: Org, subtests: pytest.Subtests
) -> None:
    """Make sure each bad PUT roles is refused with the field and the reason, roles kept."""
    for bad in BAD_ROLES:
        with subtests.test(msg=bad.id):
            person_id, roles = bad.body(org)
            before = await org.listing("people")
            response = await org.admin.browser.put(
                f"/api/v1/people/{person_id}/roles", json={"roles": roles}
            )
            assert_refused(bad, response)
            assert await org.listing("people") == before
    me = await org.admin.browser.get("/api/v1/me")
    assert me.status_code == 200, "the refused change must not end the admin's session"
    assert me.json()["roles"] == ["admin"]


async def test_display_name_longer_than_its_column_is_refused(org: Org) -> None:
    """Make sure a display name over 120 characters (the column's size) is refused with a 422
    on every engine, and one of exactly 120 is kept."""
    name = "Marie-Charlotte " + "de La Rochefoucauld-Montmorency " * 4
    assert 120 < len(name.strip()) <= 200
    before = await org.listing("people")
    response = await org.post("/api/v1/people", person(org, display_name=name))
    assert ("display_name", "invalid") in reasons(problem(response, 422))
    assert await org.listing("people") == before, "nothing half-created"
    longest = name.strip()[:120]
    response = await org.post("/api/v1/people", person(org, display_name=longest))
    assert response.status_code == 201, response.text
    assert response.json()["person"]["display_name"] == longest


async def test_nul_characters_are_refused(org: Org, subtests: pytest.Subtests) -> None:
    """Make sure a NUL character in a text field is refused with a 422 naming the field, alike
    on every engine (PostgreSQL cannot store it), and nothing is created."""
    cases = [
        ("display_name", "/api/v1/people", "people", person(org, display_name="Bob\u0000")),
        ("legal_name", "/api/v1/clients", "clients", client(legal_name="Nul\u0000 SA")),
        ("title", "/api/v1/missions", "missions", regie(org, title="Audit\u0000")),
        ("email", "/api/v1/people", "people", person(org, email="bob\u0000@example.test")),
        (
            "billing_address",
            "/api/v1/clients",
            "clients",
            client(billing_address="3 place\u0000 de la Bourse"),
        ),
        (
            "milestones[0].label",
            "/api/v1/missions",
            "missions",
            forfait(org, milestones=[milestone(label="Livraison\u0000")]),
        ),
    ]
    for field, url, what, body in cases:
        with subtests.test(msg=field):
            before = await org.listing(what)
            response = await org.post(url, body)
            assert (field, "invalid") in reasons(problem(response, 422))
            assert await org.listing(what) == before, "nothing half-created"


async def test_a_client_signer_sees_their_own_company_not_only_the_firm(world: World) -> None:
    """Make sure the session and /me name a client signer's company (the firm's people have
    none), so the app greets the signer as the client's, not as one of the firm's staff."""
    client = await world.client("Banque Rhénane SA")
    signer = await world.person("sam", [Role.CLIENT_SIGNER], client_id=client.id)
    consultant = await world.person("alice", [Role.CONSULTANT])
    for url in ("/api/v1/me", "/api/v1/session"):
        mine = (await signer.browser.get(url)).json()
        theirs = (await consultant.browser.get(url)).json()
        mine, theirs = mine.get("person", mine), theirs.get("person", theirs)
        assert mine["client_company_name"] == "Banque Rhénane SA", url
        assert mine["organisation_name"] == world.organisation.legal_name
        assert theirs["client_company_name"] is None, url


async def test_without_smtp_the_invitation_is_not_queued_and_says_so(world: World) -> None:
    """Make sure a server with no SMTP queues no invitation mail and answers emailed: false,
    so the back office tells the administrator to pass the link on."""
    assert not world.accounts.settings.smtp_host
    admin = await world.person("admin", {Role.ADMIN})
    before = len(await notification_store.outbox_rows())
    created = await admin.browser.post(
        "/api/v1/people",
        json={"email": "dora@example.test", "display_name": "Dora", "roles": ["consultant"]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["emailed"] is False
    assert created.json()["invitation_url"].startswith(ORIGIN + "/#invite=")
    assert len(await notification_store.outbox_rows()) == before
