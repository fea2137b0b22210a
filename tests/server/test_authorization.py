"""The authorization matrix: every endpoint × every role × own, other and foreign objects.

The expected policy is written out below as tables, not derived from `server/domain/access.py`:
changing a rule means changing both. Each test runs one endpoint over all its cases and
reports every mismatch at once, as a table; every refusal must be a problem document with a
`code`, and every refused mutation must leave the database as it was.

Cast, in the organisation Octave: `admin`; manager `m1` with consultants `c1` and `c2`;
manager `m2` with consultant `c3`; client K1 with signer `s1`, client K2 with signer `s2`.
Missions: c1 at K1 (circuit m1 then s1), c1 at K2 (circuit s2, so a K1 signer can be shown
not to see K2's lines), c3 at K2 (circuit s2). In the organisation Other SAS: `xadmin` and
consultant `x`, with a mission at KX. CRAs: c1 2026-11 waiting on s1 (step 1), c1 2026-10
draft, c1 2026-09 never written, c2 2026-11, c3 2026-11 and x 2026-11 drafts.
"""

import logging
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from piccolo.table import Table

from server.domain import model
from server.domain.roles import Role
from server.services import audit_log
from server.storage import repositories as repo
from server.storage import tables as t
from tests.factories import Browser, Member, World, make_organisation
from tests.soft_authenticator import SoftAuthenticator

API = "/api/v1"
ORIGIN = "http://localhost"

# Successes run last in the mutation tests, so admins' changes do not disturb the refusals.
ACTORS = ("anonymous", "c1", "c2", "c3", "m1", "m2", "s1", "s2", "x", "admin", "xadmin")
LOGGED_IN = ACTORS[1:]
OCTAVE = ("admin", "m1", "c1", "c2", "m2", "c3", "s1", "s2")
OTHER = ("xadmin", "x")
ORGANISATION_OF = {
    **dict.fromkeys(OCTAVE, "Octave Conseil SAS"),
    **dict.fromkeys(OTHER, "Other SAS"),
}

PROBLEM_CODE = {
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    422: "invalid_input",
}

# -- the policy ------------------------------------------------------------------------------

PEOPLE_SEEN = {
    "admin": {"admin", "m1", "c1", "c2", "m2", "c3", "s1", "s2"},
    "m1": {"m1", "c1", "c2"},
    "m2": {"m2", "c3"},
    "c1": {"c1"},
    "c2": {"c2"},
    "c3": {"c3"},
    "s1": {"s1"},
    "s2": {"s2"},
    "xadmin": {"xadmin", "x"},
    "x": {"x"},
}

CLIENTS_SEEN = {
    "admin": {"k1", "k2"},
    "m1": {"k1", "k2"},
    "m2": {"k1", "k2"},
    "c1": {"k1", "k2"},
    "c2": set(),
    "c3": {"k2"},
    "s1": {"k1"},
    "s2": {"k2"},
    "xadmin": {"kx"},
    "x": {"kx"},
}

MISSIONS_SEEN = {
    "admin": {"c1@k1", "c1@k2", "c3@k2"},
    "m1": {"c1@k1", "c1@k2"},
    "m2": {"c3@k2"},
    "c1": {"c1@k1", "c1@k2"},
    "c2": set(),
    "c3": {"c3@k2"},
    "s1": {"c1@k1"},
    "s2": {"c1@k2", "c3@k2"},
    "xadmin": {"x@kx"},
    "x": {"x@kx"},
}

MONTHS = ("c1/2026-11", "c1/2026-10", "c1/2026-09", "c2/2026-11", "c3/2026-11", "x/2026-11")

MONTHS_SEEN = {
    "admin": {"c1/2026-11", "c1/2026-10", "c1/2026-09", "c2/2026-11", "c3/2026-11"},
    "m1": {"c1/2026-11", "c1/2026-10", "c1/2026-09", "c2/2026-11"},
    "m2": {"c3/2026-11"},
    "c1": {"c1/2026-11", "c1/2026-10", "c1/2026-09"},
    "c2": {"c2/2026-11"},
    "c3": {"c3/2026-11"},
    "s1": {"c1/2026-11"},
    "s2": set(),
    "xadmin": {"x/2026-11"},
    "x": {"x/2026-11"},
}

# GET /months lists stored CRAs only: c1/2026-09 was never written.
MONTHS_LISTED = {actor: seen - {"c1/2026-09"} for actor, seen in MONTHS_SEEN.items()}

# PUT a day: month -> actor -> status; everyone not listed gets 404 (cannot see the CRA).
DAY_WRITES = {
    "c1/2026-10": {"anonymous": 401, "c1": 200, "admin": 403, "m1": 403},
    "c1/2026-11": {"anonymous": 401, "c1": 409, "admin": 403, "m1": 403, "s1": 403},
    "c1/2026-09": {"anonymous": 401, "c1": 200, "admin": 403, "m1": 403},
    "c2/2026-11": {"anonymous": 401, "c2": 200, "admin": 403, "m1": 403},
    "x/2026-11": {"anonymous": 401, "x": 200, "xadmin": 403},
}
DAY_OF = {
    "c1/2026-10": "2026-10-07",
    "c1/2026-11": "2026-11-04",
    "c1/2026-09": "2026-09-07",
    "c2/2026-11": "2026-11-04",
    "x/2026-11": "2026-11-04",
}

# Admin-only actions on a person: actor -> target -> status; other logged-in actors get 403.
# "self" is the actor; c2 is in Octave, x in Other SAS.
ROLE_CHANGES = {
    "anonymous": {"c2": 401, "x": 401},
    "admin": {"self": 200, "c2": 200, "x": 404},
    "xadmin": {"self": 200, "c2": 404, "x": 200},
}
REINVITATIONS = {
    "anonymous": {"c2": 401, "x": 401},
    "admin": {"self": 201, "c2": 201, "x": 404},
    "xadmin": {"self": 201, "c2": 404, "x": 201},
}
# Admin-only creations: actor -> status; other logged-in actors get 403.
CREATIONS = {"anonymous": 401, "admin": 201, "xadmin": 201}


# Figures (GET /figures/months, by default the caller's own scope): the consultant-months each
# actor sees. Client signers see no figure at all (403); c1/2026-09 was never written.
FIGURES = (
    "tace",
    "intercontrat",
    "month-close",
    "first-time-right",
    "billing",
    "revenue",
    "months",
    "summary",
)
FIGURE_MONTHS_SEEN = {
    "admin": {"c1/2026-11", "c1/2026-10", "c2/2026-11", "c3/2026-11"},
    "m1": {"c1/2026-11", "c1/2026-10", "c2/2026-11"},
    "m2": {"c3/2026-11"},
    "c1": {"c1/2026-11", "c1/2026-10"},
    "c2": {"c2/2026-11"},
    "c3": {"c3/2026-11"},
    "xadmin": {"x/2026-11"},
    "x": {"x/2026-11"},
}
SIGNERS = ("s1", "s2")
# ?team=<manager>: an admin of the organisation, or the manager themselves; others 404.
TEAMS_SEEN = {"admin": {"m1", "m2"}, "m1": {"m1"}, "m2": {"m2"}}


# The team board (GET /team/months/{month}): the consultants each actor sees, every one of
# them whether or not they opened the month; consultants and client signers get 403.
TEAM_BOARD_SEEN = {
    "admin": {"c1", "c2", "c3"},
    "m1": {"c1", "c2"},
    "m2": {"c3"},
    "xadmin": {"x"},
}


# -- the cast --------------------------------------------------------------------------------


@dataclass
class Cast:
    octave: World
    other: World
    anonymous: Browser
    clients: dict[str, model.ClientCompany]
    missions: dict[str, model.Mission]
    names: dict[str, str] = field(default_factory=dict)

    def member(self, name: str) -> Member:
        return self.octave.members.get(name) or self.other[name]

    def id(self, name: str) -> str:
        return self.member(name).id

    def browser(self, actor: str) -> Browser:
        return self.anonymous if actor == "anonymous" else self.member(actor).browser

    def name(self, object_id: str) -> str:
        return self.names.get(object_id, object_id)

    def month_url(self, key: str) -> str:
        owner, month = key.split("/")
        return f"{API}/people/{self.id(owner)}/months/{month}"


async def write_days(
    cast: Cast, key: str, days: dict[str, tuple[list[tuple[str, int]], str]]
) -> model.Timesheet:
    """Store days of a CRA through the repositories, as the PUT endpoint would."""
    owner, month = key.split("/")
    timesheet = await repo.create_timesheet(consultant_id=cast.id(owner), month=month)
    for day, (lines, comment) in days.items():
        await repo.write_day(
            timesheet_id=timesheet.id,
            day=date.fromisoformat(day),
            lines=lines,
            comment=comment,
            author_id=cast.id(owner),
            now=cast.octave.accounts.clock(),
        )
    return timesheet


@pytest.fixture
async def cast(world: World, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Cast]:
    """The whole cast, logged in through real passkeys, with their CRAs."""
    # Hundreds of requests per test: keep a failure's report readable.
    caplog.set_level(logging.WARNING, logger="httpx")
    other = World(
        app=world.app,
        accounts=world.accounts,
        organisation=await make_organisation("Other SAS"),
    )
    try:
        await world.person("admin", [Role.ADMIN])
        await world.person("m1", [Role.MANAGER])
        await world.person("c1", [Role.CONSULTANT], manager="m1")
        await world.person("c2", [Role.CONSULTANT], manager="m1")
        await world.person("m2", [Role.MANAGER])
        await world.person("c3", [Role.CONSULTANT], manager="m2")
        k1, k2 = await world.client("K1 SA"), await world.client("K2 SA")
        await world.person("s1", [Role.CLIENT_SIGNER], client_id=k1.id)
        await world.person("s2", [Role.CLIENT_SIGNER], client_id=k2.id)
        await other.person("xadmin", [Role.ADMIN])
        await other.person("x", [Role.CONSULTANT])
        kx = await other.client("KX SA")
        missions = {
            "c1@k1": await world.mission(
                "c1", k1, approvers=[("manager", "m1"), ("client_signer", "s1")]
            ),
            "c1@k2": await world.mission("c1", k2, approvers=[("client_signer", "s2")]),
            "c3@k2": await world.mission("c3", k2, approvers=[("client_signer", "s2")]),
            "x@kx": await other.mission("x", kx),
        }
        built = Cast(
            octave=world,
            other=other,
            anonymous=world.browser(),
            clients={"k1": k1, "k2": k2, "kx": kx},
            missions=missions,
        )
        built.names = {
            **{built.id(n): n for n in OCTAVE + OTHER},
            **{c.id: n for n, c in built.clients.items()},
            **{m.id: n for n, m in missions.items()},
        }
        k1_line, k2_line = f"mission:{missions['c1@k1'].id}", f"mission:{missions['c1@k2'].id}"
        waiting = await write_days(
            built,
            "c1/2026-11",
            {
                "2026-11-02": ([(k1_line, 1), (k2_line, 1)], "K2 kick-off"),
                "2026-11-03": ([("absence:maladie", 2)], "arrêt"),
            },
        )
        await repo.set_timesheet_state(
            timesheet_id=waiting.id, status="in_validation", step=1, waiting_on_id=built.id("s1")
        )
        await write_days(built, "c1/2026-10", {"2026-10-06": ([(k1_line, 2)], "")})
        await write_days(built, "c2/2026-11", {"2026-11-02": ([("absence:RTT", 2)], "")})
        c3_line, x_line = f"mission:{missions['c3@k2'].id}", f"mission:{missions['x@kx'].id}"
        await write_days(built, "c3/2026-11", {"2026-11-02": ([(c3_line, 2)], "")})
        await write_days(built, "x/2026-11", {"2026-11-02": ([(x_line, 2)], "")})
        yield built
    finally:
        await other.close()


# -- checking --------------------------------------------------------------------------------


@dataclass
class Report:
    """Mismatches between the policy and the server, collected over a whole test."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def status(
        self, case: str, response: httpx.Response, expected: int, code: str | None = None
    ) -> bool:
        """Check the status, and that a refusal is a problem document with the right code."""
        actual = response.status_code
        if actual != expected:
            self.rows.append((case, str(expected), _describe(response)))
            return False
        if expected < 400:
            return True
        media_type = response.headers.get("content-type", "")
        if not media_type.startswith("application/problem+json"):
            self.rows.append((case, "application/problem+json", media_type))
            return False
        wanted, actual_code = code or PROBLEM_CODE[expected], response.json().get("code")
        if actual_code != wanted:
            self.rows.append((case, f"code {wanted}", f"code {actual_code}"))
            return False
        return True

    def same(self, case: str, expected: Any, actual: Any) -> None:
        if expected == actual:
            return
        if isinstance(expected, Mapping) and isinstance(actual, Mapping):
            changed = sorted(
                k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)
            )
            self.rows.append((case, "unchanged", "changed: " + ", ".join(changed)))
        else:
            self.rows.append((case, _show(expected), _show(actual)))

    def verify(self) -> None:
        """Fail with a table of every mismatch, if there is any."""
        if not self.rows:
            return
        header = ("case", "expected", "actual")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(2)]
        lines = [f"{len(self.rows)} mismatch(es) with the authorization policy:"]
        for row in [header, *self.rows]:
            lines.append(f"  {row[0]:<{widths[0]}} | {row[1]:<{widths[1]}} | {row[2]}")
        pytest.fail("\n".join(lines), pytrace=False)


def _describe(response: httpx.Response) -> str:
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        body = response.json()
        return f"{response.status_code} {body.get('code')}: {body.get('detail')}"
    return f"{response.status_code} {response.text[:80]}"


def _show(value: Any) -> str:
    return str(sorted(value)) if isinstance(value, set | frozenset) else str(value)


async def db_state() -> dict[str, Any]:
    """Every stored row a request could change; sessions by id only (reads touch them)."""

    async def rows(table: type[Table]) -> list[str]:
        return sorted(repr(sorted(row.items())) for row in await table.select())

    tables = (
        t.Organisation,
        t.ClientCompany,
        t.Person,
        t.PersonRole,
        t.Mission,
        t.Milestone,
        t.ApprovalStep,
        t.Timesheet,
        t.DayEntry,
        t.Invitation,
        t.Passkey,
        t.Ceremony,
        t.FigureSettings,
        t.ConsultantCost,
    )
    # One transaction, so SQLite opens one connection instead of one per query.
    async with t.Person._meta.db.transaction():
        state = {table._meta.tablename: await rows(table) for table in tables}
        state["session"] = sorted(str(r["id"]) for r in await t.Session.select(t.Session.id))
    return state


@dataclass(frozen=True)
class Mutation:
    actor: str
    label: str
    method: str
    path: str
    body: Any
    expected: int
    fields: frozenset[str] = frozenset()
    code: str | None = None


async def run_mutations(
    cast: Cast, report: Report, cases: list[Mutation]
) -> dict[str, httpx.Response]:
    """Send each mutation; a refusal must change nothing. Returns the accepted responses."""
    accepted = {}
    state = await db_state()
    for case in sorted(cases, key=lambda c: c.expected < 400):
        response = await cast.browser(case.actor).send(case.method, API + case.path, case.body)
        matched = report.status(case.label, response, case.expected, case.code)
        after = await db_state()
        if response.status_code >= 400:
            report.same(f"{case.label}: database", state, after)
        elif matched:
            accepted[case.label] = response
        if matched and case.fields:
            fields = {e["field"] for e in response.json()["errors"]}
            report.same(f"{case.label}: error fields", set(case.fields), fields)
        state = after
    return accepted


def invite_body(tag: str, **extra: str) -> dict[str, Any]:
    return {
        "email": f"new-{tag}@example.test",
        "display_name": "New Person",
        "roles": ["consultant"],
        **extra,
    }


def client_body(tag: str) -> dict[str, Any]:
    return {
        "legal_name": f"Client of {tag}",
        "siren": "123456789",
        "vat_number": "FR00123456789",
        "billing_address": "1 rue du Test, 75001 Paris",
    }


def mission_body(
    cast: Cast, consultant: str, client: str, approver: tuple[str, str]
) -> dict[str, Any]:
    kind, who = approver
    return {
        "consultant_id": cast.id(consultant),
        "client_id": cast.clients[client].id,
        "title": "New mission",
        "start_date": "2026-12-01",
        "billing_mode": "regie",
        "daily_rate_cents": 65_000,
        "approval_steps": [{"kind": kind, "approver_id": cast.id(who)}],
    }


def day_body(actor: str) -> dict[str, Any]:
    return {"lines": [{"line": "absence:RTT", "half_days": 2}], "comment": f"by {actor}"}


# -- anonymous -------------------------------------------------------------------------------


async def test_anonymous_requests_get_401_except_on_the_login_endpoints(cast: Cast) -> None:
    """Make sure anonymous requests get 401 everywhere but session, login, logout, invitations."""
    c1, mission = cast.id("c1"), cast.missions["c1@k1"].id
    (passkey,) = await repo.list_passkeys(c1)
    bogus = {"ceremony_id": str(uuid.uuid4()), "credential": {}}
    endpoints = [
        ("GET", "/me", None, 401),
        ("GET", "/me/passkeys", None, 401),
        ("POST", "/me/passkeys/options", {}, 401),
        ("POST", "/me/passkeys", bogus, 401),
        ("DELETE", f"/me/passkeys/{passkey.id}", None, 401),
        ("GET", "/organisation", None, 401),
        ("GET", "/people", None, 401),
        ("GET", f"/people/{c1}", None, 401),
        ("POST", "/people", invite_body("anonymous"), 401),
        ("POST", "/people", {}, 401),  # authentication comes before validation
        ("POST", f"/people/{c1}/invitations", None, 401),
        ("PUT", f"/people/{c1}/roles", {"roles": ["admin"]}, 401),
        ("GET", "/clients", None, 401),
        ("POST", "/clients", client_body("anonymous"), 401),
        ("GET", "/missions", None, 401),
        ("GET", f"/missions/{mission}", None, 401),
        ("POST", "/missions", mission_body(cast, "c2", "k1", ("client_signer", "s1")), 401),
        ("GET", "/months", None, 401),
        ("GET", "/team/months/2026-11", None, 401),
        ("POST", "/team/months/2026-11/reminders", {"consultant_id": c1}, 401),
        ("GET", f"/people/{c1}/months/2026-10", None, 401),
        ("PUT", f"/people/{c1}/months/2026-10/days/2026-10-07", day_body("anonymous"), 401),
        *(("GET", f"/figures/{figure}", None, 401) for figure in FIGURES),
        ("GET", "/figures/tace/export?format=csv", None, 401),
        ("GET", "/figures/settings", None, 401),
        ("PUT", "/figures/settings", {}, 401),
        ("GET", f"/people/{c1}/daily-costs", None, 401),
        ("PUT", f"/people/{c1}/daily-costs", {}, 401),
        # Public: they answer on their own terms, never with 401.
        ("GET", "/session", None, 200),
        ("GET", "/invitations/not-a-token", None, 404),
        ("POST", "/invitations/not-a-token/passkey-options", {}, 404),
        ("POST", "/invitations/not-a-token/passkey", bogus, 404),
        ("POST", "/auth/passkey", bogus, 422),
        ("POST", "/auth/logout", {}, 204),
        ("POST", "/auth/demo-login", {"email": cast.member("c1").person.email}, 404),
    ]
    report = Report()
    before = await db_state()
    for method, path, body, expected in endpoints:
        response = await cast.anonymous.send(method, API + path, body)
        report.status(f"anonymous {method} {path}", response, expected)
    report.same("database after the anonymous requests", before, await db_state())
    options = await cast.anonymous.post(f"{API}/auth/passkey-options", json={})
    report.status("anonymous POST /auth/passkey-options", options, 200)
    session = (await cast.anonymous.get(f"{API}/session")).json()
    report.same(
        "GET /session: nobody", (False, None), (session["authenticated"], session["person"])
    )
    report.verify()


# -- people ----------------------------------------------------------------------------------


async def test_me_shows_ones_own_person_organisation_and_passkeys(cast: Cast) -> None:
    """Make sure /me, /organisation and /me/passkeys show the caller's own, nobody else's."""
    owner_of = {p.id: name for name in LOGGED_IN for p in await repo.list_passkeys(cast.id(name))}
    report = Report()
    for actor in LOGGED_IN:
        browser = cast.browser(actor)
        me = await browser.get(f"{API}/me")
        if report.status(f"{actor} GET /me", me, 200):
            body = me.json()
            report.same(f"{actor} GET /me: who", actor, cast.name(body["id"]))
            report.same(
                f"{actor} GET /me: organisation", ORGANISATION_OF[actor], body["organisation_name"]
            )
        organisation = await browser.get(f"{API}/organisation")
        if report.status(f"{actor} GET /organisation", organisation, 200):
            report.same(
                f"{actor} GET /organisation",
                ORGANISATION_OF[actor],
                organisation.json()["legal_name"],
            )
        passkeys = await browser.get(f"{API}/me/passkeys")
        if report.status(f"{actor} GET /me/passkeys", passkeys, 200):
            owners = [owner_of.get(p["id"], p["id"]) for p in passkeys.json()]
            report.same(f"{actor} GET /me/passkeys: whose", [actor], owners)
    report.verify()


async def test_people_are_seen_by_admin_manager_and_themselves(cast: Cast) -> None:
    """Make sure each role lists and reads exactly the people the policy shows it, else 404."""
    report = Report()
    for actor in LOGGED_IN:
        browser = cast.browser(actor)
        listed = await browser.get(f"{API}/people")
        if report.status(f"{actor} GET /people", listed, 200):
            names = {cast.name(p["id"]) for p in listed.json()}
            report.same(f"{actor} GET /people", PEOPLE_SEEN[actor], names)
        for target in OCTAVE + OTHER:
            expected = 200 if target in PEOPLE_SEEN[actor] else 404
            response = await browser.get(f"{API}/people/{cast.id(target)}")
            report.status(f"{actor} GET /people/<{target}>", response, expected)
        unknown = await browser.get(f"{API}/people/{uuid.uuid4()}")
        report.status(f"{actor} GET /people/<unknown>", unknown, 404)
    report.verify()


async def test_only_admins_invite_people_into_their_own_organisation(cast: Cast) -> None:
    """Make sure only an admin creates a person, in their own organisation, with own references."""
    cases = [
        Mutation(
            actor,
            f"{actor} POST /people",
            "POST",
            "/people",
            invite_body(actor),
            CREATIONS.get(actor, 403),
        )
        for actor in ACTORS
    ]
    cases += [
        Mutation(
            "xadmin",
            "xadmin POST /people managed by Octave's m1",
            "POST",
            "/people",
            invite_body("xadmin-m1", manager_id=cast.id("m1")),
            422,
            frozenset({"manager_id"}),
        ),
        Mutation(
            "admin",
            "admin POST /people signing for Other's KX",
            "POST",
            "/people",
            {**invite_body("admin-kx"), "roles": ["client_signer"]}
            | {"client_company_id": cast.clients["kx"].id},
            422,
            frozenset({"client_company_id"}),
        ),
    ]
    report = Report()
    accepted = await run_mutations(cast, report, cases)
    for actor in ("admin", "xadmin"):
        response = accepted.get(f"{actor} POST /people")
        if response is not None:
            created = await repo.get_person(response.json()["person"]["id"])
            assert created is not None
            report.same(
                f"{actor} POST /people: organisation",
                cast.member(actor).person.organisation_id,
                created.organisation_id,
            )
    report.verify()


def person_cases(
    cast: Cast, table: dict[str, dict[str, int]], *, method: str, path: str, body: Any = None
) -> list[Mutation]:
    """An admin-only action on a person, by every actor on the targets self, c2 and x."""
    cases = []
    for actor in ACTORS:
        for target in ("self", "c2", "x"):
            if actor == "anonymous" and target == "self":
                continue
            expected = table.get(actor, dict.fromkeys(("self", "c2", "x"), 403))[target]
            who = actor if target == "self" else target
            cases.append(
                Mutation(
                    actor,
                    f"{actor} {method} /people/<{who}>{path}",
                    method,
                    f"/people/{cast.id(who)}{path}",
                    body,
                    expected,
                )
            )
    return cases


async def test_only_admins_change_roles_in_their_own_organisation(cast: Cast) -> None:
    """Make sure nobody but an admin changes roles (no self-promotion), and only in their org."""
    cases = person_cases(
        cast, ROLE_CHANGES, method="PUT", path="/roles", body={"roles": ["admin"]}
    )
    report = Report()
    accepted = await run_mutations(cast, report, cases)
    for label, response in accepted.items():
        report.same(f"{label}: roles", ["admin"], response.json()["roles"])
    for admin, target in (("admin", "c2"), ("xadmin", "x")):
        if f"{admin} PUT /people/<{target}>/roles" in accepted:
            me = await cast.browser(target).get(f"{API}/me")
            report.status(f"{target} GET /me once {admin} changed their roles", me, 401)
    report.verify()


async def test_only_admins_reissue_invitations_in_their_own_organisation(cast: Cast) -> None:
    """Make sure only an admin issues a new invitation link, and only for their own people."""
    cases = person_cases(cast, REINVITATIONS, method="POST", path="/invitations")
    report = Report()
    accepted = await run_mutations(cast, report, cases)
    for label, response in accepted.items():
        report.same(
            f"{label}: link", True, response.json()["invitation_url"].startswith(ORIGIN + "/#")
        )
    report.verify()


# -- clients and missions --------------------------------------------------------------------


async def test_clients_are_seen_by_role(cast: Cast) -> None:
    """Make sure admins and managers see all clients, consultants their missions', signers own."""
    report = Report()
    for actor in LOGGED_IN:
        response = await cast.browser(actor).get(f"{API}/clients")
        if report.status(f"{actor} GET /clients", response, 200):
            names = {cast.name(c["id"]) for c in response.json()}
            report.same(f"{actor} GET /clients", CLIENTS_SEEN[actor], names)
    report.verify()


async def test_only_admins_create_clients_in_their_own_organisation(cast: Cast) -> None:
    """Make sure only an admin creates a client company, and it lands in their organisation."""
    cases = [
        Mutation(
            actor,
            f"{actor} POST /clients",
            "POST",
            "/clients",
            client_body(actor),
            CREATIONS.get(actor, 403),
        )
        for actor in ACTORS
    ]
    report = Report()
    accepted = await run_mutations(cast, report, cases)
    for actor in ("admin", "xadmin"):
        if f"{actor} POST /clients" in accepted:
            organisation_id = cast.member(actor).person.organisation_id
            names = {c.legal_name for c in await repo.list_clients(organisation_id)}
            report.same(
                f"{actor} POST /clients: in own organisation", True, f"Client of {actor}" in names
            )
    report.verify()


async def test_missions_are_seen_by_role(cast: Cast) -> None:
    """Make sure each role lists and reads exactly the missions the policy shows it, else 404."""
    report = Report()
    for actor in LOGGED_IN:
        browser = cast.browser(actor)
        listed = await browser.get(f"{API}/missions")
        if report.status(f"{actor} GET /missions", listed, 200):
            names = {cast.name(m["id"]) for m in listed.json()}
            report.same(f"{actor} GET /missions", MISSIONS_SEEN[actor], names)
        for name, mission in cast.missions.items():
            expected = 200 if name in MISSIONS_SEEN[actor] else 404
            response = await browser.get(f"{API}/missions/{mission.id}")
            report.status(f"{actor} GET /missions/<{name}>", response, expected)
        unknown = await browser.get(f"{API}/missions/{uuid.uuid4()}")
        report.status(f"{actor} GET /missions/<unknown>", unknown, 404)
    report.verify()


async def test_only_admins_create_missions_with_their_own_references(cast: Cast) -> None:
    """Make sure only an admin creates a mission, and never with another organisation's objects."""
    own = mission_body(cast, "c2", "k1", ("client_signer", "s1"))
    cases = [
        Mutation(actor, f"{actor} POST /missions", "POST", "/missions", own, 403)
        for actor in ACTORS
        if actor not in CREATIONS
    ]
    cases += [
        Mutation("anonymous", "anonymous POST /missions", "POST", "/missions", own, 401),
        Mutation("admin", "admin POST /missions", "POST", "/missions", own, 201),
        Mutation(
            "admin",
            "admin POST /missions for Other's x at KX",
            "POST",
            "/missions",
            mission_body(cast, "x", "kx", ("manager", "m1")),
            422,
            frozenset({"consultant_id", "client_id"}),
        ),
        Mutation(
            "xadmin",
            "xadmin POST /missions for Octave's c2 at K1",
            "POST",
            "/missions",
            own,
            422,
            frozenset({"consultant_id", "client_id", "approval_steps[0].approver_id"}),
        ),
    ]
    report = Report()
    accepted = await run_mutations(cast, report, cases)
    response = accepted.get("admin POST /missions")
    if response is not None:
        created = await repo.get_mission(response.json()["id"])
        assert created is not None
        report.same(
            "admin POST /missions: organisation",
            cast.octave.organisation.id,
            created.organisation_id,
        )
    report.verify()


# -- CRA months ------------------------------------------------------------------------------


async def test_months_are_read_and_listed_by_role(cast: Cast) -> None:
    """Make sure each role reads and lists exactly the CRAs the policy shows it, 404 otherwise."""
    report = Report()
    for actor in LOGGED_IN:
        browser = cast.browser(actor)
        for key in MONTHS:
            expected = 200 if key in MONTHS_SEEN[actor] else 404
            response = await browser.get(cast.month_url(key))
            if report.status(f"{actor} GET {key}", response, expected) and expected == 200:
                body = response.json()
                report.same(
                    f"{actor} GET {key}: which",
                    key,
                    f"{cast.name(body['consultant_id'])}/{body['month']}",
                )
        listed = await browser.get(f"{API}/months")
        if report.status(f"{actor} GET /months", listed, 200):
            keys = {f"{cast.name(m['consultant_id'])}/{m['month']}" for m in listed.json()}
            report.same(f"{actor} GET /months", MONTHS_LISTED[actor], keys)
    report.verify()


async def test_the_team_board_shows_a_manager_their_team_and_refuses_others(cast: Cast) -> None:
    """Make sure a manager's board lists their own consultants only (also for a month none of
    them opened), an admin's the organisation's, and everyone else is refused with 403."""
    report = Report()
    for actor in LOGGED_IN:
        for month in ("2026-11", "2026-09"):
            response = await cast.browser(actor).get(f"{API}/team/months/{month}")
            expected = 200 if actor in TEAM_BOARD_SEEN else 403
            if not report.status(f"{actor} GET /team/months/{month}", response, expected):
                continue
            if expected == 200:
                members = response.json()["members"]
                seen = {cast.name(m["consultant_id"]) for m in members}
                report.same(f"{actor} GET /team/months/{month}", TEAM_BOARD_SEEN[actor], seen)
    report.verify()


async def test_only_a_consultants_manager_or_an_admin_reminds_them(cast: Cast) -> None:
    """Make sure a reminder from the team board is accepted from the consultant's manager or an
    admin of their organisation only (404 to other managers and admins, 403 to other roles),
    and refused once the month is in validation; a refusal changes nothing."""
    months = {"c2": "2026-11", "c3": "2026-11", "c1": "2026-10", "x": "2026-11"}
    # One accepted reminder per target (a second one the same day would be refused).
    accepted = {("m1", "c2"), ("m2", "c3"), ("admin", "c1"), ("xadmin", "x")}
    cases = []
    for actor in ACTORS:
        for target, month in months.items():
            if actor == "anonymous":
                expected = 401
            elif actor not in TEAM_BOARD_SEEN:
                expected = 403
            elif (actor, target) in accepted:
                expected = 201
            elif target in TEAM_BOARD_SEEN[actor]:
                continue  # in scope: accepted too, but the target's one reminder is taken
            else:
                expected = 404
            cases.append(
                Mutation(
                    actor,
                    f"{actor} POST /team/months/{month}/reminders <{target}>",
                    "POST",
                    f"/team/months/{month}/reminders",
                    {"consultant_id": cast.id(target)},
                    expected,
                )
            )
    cases.append(
        Mutation(
            "m1",
            "m1 POST /team/months/2026-11/reminders <c1> (in validation)",
            "POST",
            "/team/months/2026-11/reminders",
            {"consultant_id": cast.id("c1")},
            409,
            code="not_waiting_on_consultant",
        )
    )
    report = Report()
    done = await run_mutations(cast, report, cases)
    report.same("reminders accepted", len(accepted), len(done))
    report.verify()


async def test_client_signer_sees_only_their_lines_and_only_while_waited_on(cast: Cast) -> None:
    """Make sure a signer sees their own client's lines, no comments, and only while it waits."""
    k1_line = f"mission:{cast.missions['c1@k1'].id}"
    report = Report()
    full = (await cast.browser("c1").get(cast.month_url("c1/2026-11"))).json()
    signer = await cast.browser("s1").get(cast.month_url("c1/2026-11"))
    if report.status("s1 GET c1/2026-11", signer, 200):
        body = signer.json()
        lines = {line["line"] for day in body["days"] for line in day["lines"]}
        report.same("s1 sees lines", {k1_line}, lines)
        comments = {day["comment"] for day in body["days"]} - {""}
        report.same("s1 sees comments", set(), comments)
        report.same("s1 sees missions", {"c1@k1"}, {cast.name(m["id"]) for m in body["missions"]})
        report.same("s1 sees totals", {k1_line: 1}, body["totals"])
    report.same("c1 sees comments", {"K2 kick-off", "arrêt"}, {d["comment"] for d in full["days"]})
    waiting = await repo.get_timesheet(consultant_id=cast.id("c1"), month="2026-11")
    assert waiting is not None
    await repo.set_timesheet_state(timesheet_id=waiting.id, status="validated", step=2)
    after = await cast.browser("s1").get(cast.month_url("c1/2026-11"))
    report.status("s1 GET c1/2026-11 once signed off", after, 404)
    listed = await cast.browser("s1").get(f"{API}/months")
    report.same("s1 GET /months once signed off", [], listed.json())
    report.verify()


async def test_only_the_consultant_writes_their_own_days(cast: Cast) -> None:
    """Make sure only the consultant writes days: 403 for those who see the CRA, 404 otherwise."""
    cases = [
        Mutation(
            actor,
            f"{actor} PUT {key}/{DAY_OF[key]}",
            "PUT",
            f"{cast.month_url(key).removeprefix(API)}/days/{DAY_OF[key]}",
            day_body(actor),
            expected.get(actor, 404),
        )
        for key, expected in DAY_WRITES.items()
        for actor in ACTORS
    ]
    october = f"{cast.month_url('c1/2026-10').removeprefix(API)}/days/2026-10-07"
    for name in ("c3@k2", "x@kx"):
        line = {"line": f"mission:{cast.missions[name].id}", "half_days": 2}
        cases.append(
            Mutation(
                "c1",
                f"c1 PUT c1/2026-10 on mission {name}",
                "PUT",
                october,
                {"lines": [line], "comment": ""},
                422,
                frozenset({"lines[0].line"}),
            )
        )
    report = Report()
    accepted = await run_mutations(cast, report, cases)
    for label, response in accepted.items():
        actor = label.split()[0]
        comments = {d["comment"] for d in response.json()["days"]}
        report.same(f"{label}: written", True, f"by {actor}" in comments)
    report.verify()


# -- passkeys --------------------------------------------------------------------------------


async def test_passkeys_are_revoked_only_by_their_owner(cast: Cast) -> None:
    """Make sure only the owner revokes a passkey; another person's passkey id is 404."""
    c1 = cast.member("c1")
    phone = SoftAuthenticator(origin=ORIGIN)
    options = (await c1.browser.post(f"{API}/me/passkeys/options", json={})).json()
    added = await c1.browser.post(
        f"{API}/me/passkeys",
        json={
            "ceremony_id": options["ceremony_id"],
            "credential": phone.create(options["options"]),
        },
    )
    assert added.status_code == 201, added.text
    (x_passkey,) = await repo.list_passkeys(cast.id("x"))
    targets = {"c1's phone": (added.json()["id"], "c1", 204), "x's only": (x_passkey.id, "x", 409)}
    cases = [
        Mutation(
            actor,
            f"{actor} DELETE /me/passkeys/<{name}>",
            "DELETE",
            f"/me/passkeys/{passkey_id}",
            None,
            401 if actor == "anonymous" else owner_status if actor == owner else 404,
        )
        for name, (passkey_id, owner, owner_status) in targets.items()
        for actor in ACTORS
    ]
    report = Report()
    await run_mutations(cast, report, cases)
    revoked = await repo.get_passkey(added.json()["id"])
    report.same(
        "c1 revoked their phone", True, revoked is not None and revoked.revoked_at is not None
    )
    report.verify()


async def test_passkey_ceremony_of_another_person_is_refused(cast: Cast) -> None:
    """Make sure a passkey ceremony begun by one person cannot add a passkey to another."""
    c1 = cast.member("c1")
    options = (await c1.browser.post(f"{API}/me/passkeys/options", json={})).json()
    cases = []
    for actor in ("c2", "m1", "admin", "xadmin"):
        credential = SoftAuthenticator(origin=ORIGIN).create(options["options"])
        cases.append(
            Mutation(
                actor,
                f"{actor} POST /me/passkeys with c1's ceremony",
                "POST",
                "/me/passkeys",
                {"ceremony_id": options["ceremony_id"], "credential": credential},
                401,
                code="authentication_failed",
            )
        )
    report = Report()
    await run_mutations(cast, report, cases)
    credential = SoftAuthenticator(origin=ORIGIN).create(options["options"])
    own = await c1.browser.post(
        f"{API}/me/passkeys",
        json={"ceremony_id": options["ceremony_id"], "credential": credential},
    )
    report.same("c1 POST /me/passkeys with their own ceremony", 201, own.status_code)
    report.verify()


# -- figures ---------------------------------------------------------------------------------


async def test_figures_are_scoped_by_role(cast: Cast) -> None:
    """Make sure a manager never sees another team's figures, a consultant only their own and
    a client signer none, on every figure endpoint and for every narrowing."""
    report = Report()
    period = "from=2026-09&to=2026-11"
    for actor in LOGGED_IN:
        browser = cast.browser(actor)
        signer = actor in SIGNERS
        for figure in FIGURES:
            response = await browser.get(f"{API}/figures/{figure}?{period}")
            report.status(f"{actor} GET /figures/{figure}", response, 403 if signer else 200)
        response = await browser.get(f"{API}/figures/tace/export?format=xlsx&{period}")
        report.status(f"{actor} GET /figures/tace/export", response, 403 if signer else 200)
        if not signer:
            months = (await browser.get(f"{API}/figures/months?{period}")).json()
            seen = {f"{cast.name(r['consultant_id'])}/{r['month']}" for r in months["rows"]}
            report.same(f"{actor} GET /figures/months", FIGURE_MONTHS_SEEN[actor], seen)
            # The dashboard's one request covers the same people (first-time-right lists
            # every consultant with a month in the period).
            summary = (await browser.get(f"{API}/figures/summary?{period}")).json()
            people = {
                cast.name(line["id"]) for line in summary["first_time_right"]["by_consultant"]
            }
            report.same(
                f"{actor} GET /figures/summary",
                {m.split("/")[0] for m in FIGURE_MONTHS_SEEN[actor]},
                people,
            )
        for target in ("c1", "c2", "c3", "x"):
            expected = 403 if signer else 200 if target in PEOPLE_SEEN[actor] else 404
            for figure in ("tace", "summary"):
                response = await browser.get(
                    f"{API}/figures/{figure}?{period}&consultant={cast.id(target)}"
                )
                report.status(
                    f"{actor} GET /figures/{figure}?consultant=<{target}>", response, expected
                )
        for team in ("m1", "m2"):
            expected = 403 if signer else 200 if team in TEAMS_SEEN.get(actor, set()) else 404
            for figure in ("intercontrat", "summary"):
                response = await browser.get(
                    f"{API}/figures/{figure}?{period}&team={cast.id(team)}"
                )
                report.status(f"{actor} GET /figures/{figure}?team=<{team}>", response, expected)
    report.verify()


async def test_only_admins_set_figure_settings_and_daily_costs(cast: Cast) -> None:
    """Make sure the figure settings and the consultants' daily costs are the admin's alone."""
    report = Report()
    settings = (await cast.browser("admin").get(f"{API}/figures/settings")).json()
    before = await db_state()
    for actor in LOGGED_IN:
        browser = cast.browser(actor)
        if actor not in ("admin", "xadmin"):
            response = await browser.put(f"{API}/figures/settings", json=settings)
            report.status(f"{actor} PUT /figures/settings", response, 403)
        for target in ("c1", "x"):
            own = ORGANISATION_OF[actor] == ORGANISATION_OF[target]
            admin = actor in ("admin", "xadmin")
            expected = (200 if own else 404) if admin else 403
            url = f"{API}/people/{cast.id(target)}/daily-costs"
            report.status(f"{actor} GET daily-costs <{target}>", await browser.get(url), expected)
            if not (admin and own):
                body = {"from_month": "2026-01", "daily_cost_cents": 40_000}
                response = await browser.put(url, json=body)
                report.status(f"{actor} PUT daily-costs <{target}>", response, expected)
    report.same("database after the refused writes", before, await db_state())
    response = await cast.browser("admin").put(
        f"{API}/people/{cast.id('c1')}/daily-costs",
        json={"from_month": "2026-01", "daily_cost_cents": 40_000},
    )
    report.status("admin PUT daily-costs <c1>", response, 200)


# -- prices ----------------------------------------------------------------------------------

# Fields that carry a price or a commercial term: rates, caps, billing modes, amounts.
PRICE_FIELD = re.compile(r"(_cents|_bp)$|^(billing_mode|day_cap_half_days|milestones|rate|price)$")
PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def price_fields(value: Any, path: str = "") -> set[str]:
    """Every key, anywhere in a JSON value, that names a price field."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if PRICE_FIELD.search(key):
                found.add(f"{path}.{key}")
            found |= price_fields(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            found |= price_fields(item, f"{path}[]")
    return found


def readable_urls(cast: Cast, document: dict[str, Any]) -> list[str]:
    """Every GET of the OpenAPI document, on every object of the cast it can name."""
    values = {
        "person_id": [cast.id(name) for name in OCTAVE + OTHER],
        "mission_id": [m.id for m in cast.missions.values()],
        "client_id": [c.id for c in cast.clients.values()],
        "month": ["2026-11", "2026-10"],
    }
    queries = {"start": "2026-01-01", "end": "2026-12-31", "month": "2026-11"}
    urls = []
    for path, item in document["paths"].items():
        if "get" not in item:
            continue
        required = [
            p["name"]
            for p in item["get"].get("parameters", [])
            if p["in"] == "query" and p.get("required")
        ]
        query = "&".join(f"{name}={queries[name]}" for name in required)
        expanded = [path]
        for name in PATH_PARAMETER.findall(path):
            options = values.get(name, [str(uuid.uuid4())])
            expanded = [u.replace("{" + name + "}", v, 1) for u in expanded for v in options]
        urls += [f"{u}?{query}" if query else u for u in expanded]
    return urls


async def test_a_client_signer_never_reads_a_price(cast: Cast) -> None:
    """Make sure no GET of the API shows a client signer a rate, cap, billing mode or amount
    (GET /missions showed them the daily rate), while the organisation's people see them."""
    document = (await cast.anonymous.get("/schema/openapi.json")).json()
    urls = readable_urls(cast, document)
    report = Report()
    for actor in ("s1", "s2", "admin", "c1"):
        seen: dict[str, set[str]] = {}
        for url in urls:
            response = await cast.browser(actor).get(url)
            if response.status_code == 200 and "json" in response.headers["content-type"]:
                seen[url.split("?")[0]] = price_fields(response.json())
        shown = {url: fields for url, fields in seen.items() if fields}
        if actor.startswith("s"):
            report.same(f"{actor}: price fields read", {}, shown)
            mission = f"{API}/missions/{cast.missions['c1@k1' if actor == 's1' else 'c1@k2'].id}"
            report.same(f"{actor} reads their mission", True, mission in seen)
        else:
            report.same(f"{actor} reads prices on /missions", True, f"{API}/missions" in shown)
    report.verify()


DEACTIVATIONS = {
    "anonymous": {"c2": 401, "x": 401},
    "admin": {"self": 409, "c2": 200, "x": 404},
    "xadmin": {"self": 409, "c2": 404, "x": 200},
}
# c2 and x were deactivated just before: their sessions ended, so they are anonymous now.
REACTIVATIONS = {
    "anonymous": {"c2": 401, "x": 401},
    "c2": dict.fromkeys(("self", "c2", "x"), 401),
    "x": dict.fromkeys(("self", "c2", "x"), 401),
    "admin": {"self": 200, "c2": 200, "x": 404},
    "xadmin": {"self": 200, "c2": 404, "x": 200},
}


async def test_only_admins_deactivate_and_reactivate_their_own_people(cast: Cast) -> None:
    """Make sure only an admin deactivates (never themselves) or reactivates a person, only in
    their organisation; a deactivated person's session ends and they stay listed inactive."""
    report = Report()
    accepted = await run_mutations(
        cast, report, person_cases(cast, DEACTIVATIONS, method="POST", path="/deactivate")
    )
    for label, response in accepted.items():
        report.same(f"{label}: active", False, response.json()["active"])
    for admin, target in (("admin", "c2"), ("xadmin", "x")):
        if f"{admin} POST /people/<{target}>/deactivate" in accepted:
            me = await cast.browser(target).get(f"{API}/me")
            report.status(f"{target} GET /me once {admin} deactivated them", me, 401)
            listed = await cast.browser(admin).get(f"{API}/people")
            flags = {cast.name(p["id"]): p["active"] for p in listed.json()}
            report.same(f"{admin} lists {target} inactive", False, flags.get(target))
    accepted = await run_mutations(
        cast, report, person_cases(cast, REACTIVATIONS, method="POST", path="/reactivate")
    )
    for label, response in accepted.items():
        report.same(f"{label}: active", True, response.json()["active"])
    report.verify()


async def test_only_admins_resend_a_signature_link_in_their_own_organisation(cast: Cast) -> None:
    """Make sure a new signature link (back office) is sent by an admin of the consultant's
    organisation only (404 to another organisation's admin, 403 to every other role, the
    signer waited on included), and only while the month waits on a client signer (409 for
    c2's draft); a refusal changes nothing."""
    cases = []
    for actor in ACTORS:
        if actor == "anonymous":
            expected = 401
        elif actor == "admin":
            expected = 201
        elif actor == "xadmin":
            expected = 404
        else:
            expected = 403
        cases.append(
            Mutation(
                actor,
                f"{actor} POST c1/2026-11/signature-link",
                "POST",
                f"/people/{cast.id('c1')}/months/2026-11/signature-link",
                None,
                expected,
            )
        )
    for target, expected in (("c2", 409), ("x", 404)):
        cases.append(
            Mutation(
                "admin",
                f"admin POST {target}/2026-11/signature-link",
                "POST",
                f"/people/{cast.id(target)}/months/2026-11/signature-link",
                None,
                expected,
                fields=frozenset({"month"}) if expected == 409 else frozenset(),
            )
        )
    report = Report()
    done = await run_mutations(cast, report, cases)
    report.same("links sent", 1, len(done))
    report.verify()


async def test_only_admins_verify_their_own_organisations_audit_chain(cast: Cast) -> None:
    """Make sure the audit chain check (back office) answers an administrator only, about
    their own organisation (each admin is told of their own chain's entries); others 403."""
    month = await repo.get_timesheet(consultant_id=cast.id("c1"), month="2026-11")
    assert month is not None
    await audit_log.record(
        month_id=month.id,
        kind="month.exported",
        actor_id=None,
        device=None,
        data={},
        at=cast.octave.accounts.clock(),
    )
    report = Report()
    counts = {}
    for actor in ACTORS:
        expected = 401 if actor == "anonymous" else 200 if actor in ("admin", "xadmin") else 403
        response = await cast.browser(actor).get(f"{API}/audit/verify")
        if report.status(f"{actor} GET /audit/verify", response, expected) and expected == 200:
            counts[actor] = response.json()["entries"]
    # One event in Octave's chain, none in Other SAS's.
    report.same("each admin's own chain", {"admin": 1, "xadmin": 0}, counts)
    report.verify()


def mission_edit_body(mission: model.Mission, **changes: Any) -> dict[str, Any]:
    return {
        "title": mission.title,
        "end_date": None if mission.end_date is None else mission.end_date.isoformat(),
        "daily_rate_cents": mission.daily_rate_cents,
        "allowed_absences": list(mission.allowed_absences),
        "comments_required": mission.comments_required,
        "calendar_region": mission.calendar_region,
        "approval_steps": [{"kind": s.kind, "approver_id": s.approver_id} for s in mission.steps],
    } | changes


async def test_only_admins_edit_missions_of_their_own_organisation(cast: Cast) -> None:
    """Make sure only an admin edits a mission (others 403, another organisation's admin 404),
    and that a rate change reaching c1's month in validation is refused with 409."""
    c3 = cast.missions["c3@k2"]
    path = f"/missions/{c3.id}"
    renamed = mission_edit_body(c3, title="Renamed mission")
    cases = [
        Mutation(actor, f"{actor} PUT /missions/<c3@k2>", "PUT", path, renamed, 403)
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
    ]
    c1 = cast.missions["c1@k1"]
    cases += [
        Mutation("anonymous", "anonymous PUT /missions/<c3@k2>", "PUT", path, renamed, 401),
        Mutation("xadmin", "xadmin PUT /missions/<c3@k2>", "PUT", path, renamed, 404),
        Mutation("admin", "admin PUT /missions/<c3@k2>", "PUT", path, renamed, 200),
        Mutation(
            "admin",
            "admin PUT /missions/<c1@k1> rate while 2026-11 is in validation",
            "PUT",
            f"/missions/{c1.id}",
            mission_edit_body(c1, daily_rate_cents=70_000),
            409,
            frozenset({"daily_rate_cents"}),
            "conflict",
        ),
    ]
    report = Report()
    accepted = await run_mutations(cast, report, cases)
    if "admin PUT /missions/<c3@k2>" in accepted:
        stored = await repo.get_mission(c3.id)
        report.same("admin PUT: stored title", "Renamed mission", stored and stored.title)
    report.verify()


async def test_only_admins_read_and_set_their_own_billing_profile(cast: Cast) -> None:
    """Make sure the seller's billing profile (legal mentions, IBAN) is read and set by the
    organisation's admins alone, each on their own organisation's."""
    report = Report()
    body = {"legal_info": "SAS - RCS Paris", "iban": "FR7630006000011234567890189"}
    before = await db_state()
    for actor in ("anonymous", *LOGGED_IN):
        browser = cast.browser(actor)
        admin = actor in ("admin", "xadmin")
        expected = 401 if actor == "anonymous" else 200 if admin else 403
        response = await browser.get(f"{API}/billing-profile")
        report.status(f"{actor} GET /billing-profile", response, expected)
        if not admin:
            response = await browser.put(f"{API}/billing-profile", json=body)
            report.status(f"{actor} PUT /billing-profile", response, expected)
    report.same("database after the refused writes", before, await db_state())
    saved = await cast.browser("admin").put(f"{API}/billing-profile", json=body)
    report.status("admin PUT /billing-profile", saved, 204)
    mine = (await cast.browser("admin").get(f"{API}/billing-profile")).json()
    theirs = (await cast.browser("xadmin").get(f"{API}/billing-profile")).json()
    report.same("admin reads what they saved", body["iban"], mine.get("iban"))
    report.same("the other organisation's profile is untouched", "", theirs.get("iban"))
    report.verify()


# -- leave (docs/leave.md) -------------------------------------------------------------------

CONSULTANTS = ("c1", "c2", "c3", "x")
LEAVE_DECIDERS_OF_C1 = {"m1"}  # c1's manager; an administrator only for consultants without one


def leave_body(first: str = "2026-12-14", last: str = "2026-12-15") -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": "CP", "first_day": first, "last_day": last}


async def c1_leave(cast: Cast, first: str, last: str) -> str:
    """A pending request of c1's, through the API."""
    response = await cast.browser("c1").post(f"{API}/leave/requests", json=leave_body(first, last))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_only_consultants_request_leave_and_read_their_own(cast: Cast) -> None:
    """Make sure a leave request and one's own balances are a consultant's alone (others 403,
    anonymous 401), and that a request over c1's month in validation is refused (409)."""
    report = Report()
    for actor in ACTORS:
        expected = 401 if actor == "anonymous" else 201 if actor in CONSULTANTS else 403
        response = await cast.browser(actor).post(f"{API}/leave/requests", json=leave_body())
        report.status(f"{actor} POST /leave/requests", response, expected)
        mine = await cast.browser(actor).get(f"{API}/leave/mine")
        report.status(f"{actor} GET /leave/mine", mine, 200 if expected == 201 else expected)
        if mine.status_code == 200:
            report.same(f"{actor}: own requests", 1, len(mine.json()["requests"]))
    locked = await cast.browser("c1").post(
        f"{API}/leave/requests", json=leave_body("2026-11-23", "2026-11-24")
    )
    report.status(
        "c1 POST /leave/requests over 2026-11 (in validation)", locked, 409, "month_locked"
    )
    report.verify()


async def test_only_the_consultants_manager_approves_or_refuses_their_leave(cast: Cast) -> None:
    """Make sure c1's leave is decided by m1 alone: c1 themselves and the admin (c1 has a
    manager) get 403, those who cannot see c1 get 404; the approval fills c1's December."""
    to_approve = await c1_leave(cast, "2026-12-14", "2026-12-15")
    to_refuse = await c1_leave(cast, "2026-12-21", "2026-12-21")
    seeing_c1 = {"c1", "admin", "m1"}
    cases = []
    for actor in ACTORS:
        if actor == "anonymous":
            expected = 401
        elif actor in LEAVE_DECIDERS_OF_C1:
            expected = 200
        elif actor in seeing_c1:
            expected = 403
        else:
            expected = 404
        cases += [
            Mutation(
                actor,
                f"{actor} POST /leave/requests/<c1>/approve",
                "POST",
                f"/leave/requests/{to_approve}/approve",
                None,
                expected,
            ),
            Mutation(
                actor,
                f"{actor} POST /leave/requests/<c1>/refuse",
                "POST",
                f"/leave/requests/{to_refuse}/refuse",
                {"reason": "client release"},
                expected,
            ),
        ]
    report = Report()
    done = await run_mutations(cast, report, cases)
    report.same("decisions accepted", 2, len(done))
    december = await repo.get_timesheet(consultant_id=cast.id("c1"), month="2026-12")
    filled = sorted(d.date.isoformat() for d in december.days) if december else []
    report.same("c1's December after the approval", ["2026-12-14", "2026-12-15"], filled)
    report.verify()


async def test_only_the_consultant_cancels_their_leave(cast: Cast) -> None:
    """Make sure a request is cancelled by its consultant alone (their manager and admin 403,
    those who cannot see them 404)."""
    target = await c1_leave(cast, "2026-12-28", "2026-12-29")
    seeing_c1 = {"admin", "m1"}
    cases = [
        Mutation(
            actor,
            f"{actor} POST /leave/requests/<c1>/cancel",
            "POST",
            f"/leave/requests/{target}/cancel",
            None,
            401
            if actor == "anonymous"
            else 200
            if actor == "c1"
            else 403
            if actor in seeing_c1
            else 404,
        )
        for actor in ACTORS
    ]
    report = Report()
    await run_mutations(cast, report, cases)
    report.verify()


async def test_leave_lists_and_balances_are_scoped_by_role(cast: Cast) -> None:
    """Make sure the pending list answers managers and admins, a consultant's balances their
    manager and admin (404 to others), and the policy is read by everyone signed in."""
    report = Report()
    for actor in ACTORS:
        team = await cast.browser(actor).get(f"{API}/leave/team")
        expected = (
            401
            if actor == "anonymous"
            else 200
            if actor in ("m1", "m2", "admin", "xadmin")
            else 403
        )
        report.status(f"{actor} GET /leave/team", team, expected)
        person = await cast.browser(actor).get(f"{API}/people/{cast.id('c1')}/leave")
        expected = 401 if actor == "anonymous" else 200 if actor in ("c1", "m1", "admin") else 404
        report.status(f"{actor} GET /people/<c1>/leave", person, expected)
        policy = await cast.browser(actor).get(f"{API}/leave/policy")
        report.status(f"{actor} GET /leave/policy", policy, 401 if actor == "anonymous" else 200)
    report.verify()


async def test_only_admins_adjust_balances_and_set_the_leave_policy(cast: Cast) -> None:
    """Make sure opening balances, adjustments and the policy are an administrator's, each in
    their own organisation (another organisation's admin 404 on a person)."""
    body = {"kind": "CP", "on_day": "2026-11-01", "half_days": 4, "reason": "reprise"}
    policy = {"unit": "ouvrables"}
    report = Report()
    for actor in ACTORS:
        admin = actor in ("admin", "xadmin")
        adjust = await cast.browser(actor).post(
            f"{API}/people/{cast.id('c1')}/leave/adjustments", json=body
        )
        expected = (
            401 if actor == "anonymous" else 201 if actor == "admin" else 404 if admin else 403
        )
        report.status(f"{actor} POST /people/<c1>/leave/adjustments", adjust, expected)
        put = await cast.browser(actor).put(f"{API}/leave/policy", json=policy)
        expected = 401 if actor == "anonymous" else 200 if admin else 403
        report.status(f"{actor} PUT /leave/policy", put, expected)
        # No month of 2026-10 is validated yet: an administrator is told there is nothing.
        export = await cast.browser(actor).get(f"{API}/leave/payroll?month=2026-10")
        expected = 401 if actor == "anonymous" else 422 if admin else 403
        report.status(f"{actor} GET /leave/payroll", export, expected)
    stored = await t.LeaveAdjustment.count()
    report.same("adjustments stored", 1, stored)


async def test_only_admins_export_their_own_months_and_invoices_as_csv(cast: Cast) -> None:
    """Make sure the month's CRA and invoice CSVs are downloaded by the organisation's admins
    alone, each file holding only their own organisation's people (no invoice was issued in
    the cast: each admin is told so at the month field, never shown the other's)."""
    report = Report()
    rows: dict[str, set[str]] = {}
    for actor in ACTORS:
        browser = cast.browser(actor)
        admin = actor in ("admin", "xadmin")
        expected = 401 if actor == "anonymous" else 200 if admin else 403
        months = await browser.get(f"{API}/exports/months", params={"month": "2026-11"})
        if report.status(f"{actor} GET /exports/months", months, expected) and admin:
            lines = months.content.decode("utf-8-sig").splitlines()[1:]
            rows[actor] = {line.split(";")[1] for line in lines}
        invoices = await browser.get(f"{API}/exports/invoices", params={"month": "2026-11"})
        expected = 422 if admin else expected
        report.status(f"{actor} GET /exports/invoices", invoices, expected)
    email = {name: (await repo.get_person(cast.id(name))) for name in ("c1", "c2", "c3", "x")}
    mails = {name: person.email for name, person in email.items() if person is not None}
    report.same(
        "each admin's CRA file: their own consultants",
        {"admin": {mails["c1"], mails["c2"], mails["c3"]}, "xadmin": {mails["x"]}},
        rows,
    )


# -- the organisation screen, client identity, a person's devices (issue 14) -----------------

ORG_PROFILE = {
    "legal_name": "Octave Conseil SAS",
    "siren": "732829320",
    "siret": "73282932000074",
    "vat_number": "FR44732829320",
    "address_line": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "calendar_region": "metropole",
    "signature_wording": "signature",
}
CLIENT_IDENTITY = {
    "legal_name": "K1 SA",
    "siren": "552100554",
    "vat_number": "FR96552100554",
    "billing_address": "1 rue du Test, 75001 Paris",
}


async def test_only_admins_read_and_set_their_own_organisation_profile(cast: Cast) -> None:
    """Make sure the organisation screen is read and saved by each organisation's admins
    alone, each on their own organisation (no id in the path to reach another's)."""
    report = Report()
    for actor in ("anonymous", *LOGGED_IN):
        expected = 401 if actor == "anonymous" else 200 if actor in ("admin", "xadmin") else 403
        response = await cast.browser(actor).get(f"{API}/organisation/profile")
        matched = report.status(f"{actor} GET /organisation/profile", response, expected, None)
        if matched and expected == 200:
            report.same(
                f"{actor} reads their own organisation",
                ORGANISATION_OF[actor],
                response.json()["legal_name"],
            )
    cases = [
        Mutation(actor, f"{actor} PUT /organisation", "PUT", "/organisation", ORG_PROFILE, 403)
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
    ]
    cases += [
        Mutation(
            "anonymous", "anonymous PUT /organisation", "PUT", "/organisation", ORG_PROFILE, 401
        ),
        Mutation(
            "admin",
            "admin PUT /organisation with a wrong SIRET",
            "PUT",
            "/organisation",
            {**ORG_PROFILE, "siret": "73282932000075"},
            422,
            frozenset({"siret"}),
            "invalid_input",
        ),
        Mutation("admin", "admin PUT /organisation", "PUT", "/organisation", ORG_PROFILE, 200),
    ]
    accepted = await run_mutations(cast, report, cases)
    if "admin PUT /organisation" in accepted:
        theirs = (await cast.browser("xadmin").get(f"{API}/organisation/profile")).json()
        report.same(
            "the other organisation's SIRET is untouched",
            True,
            theirs["siret"] != ORG_PROFILE["siret"],
        )
    report.verify()


async def test_only_admins_read_and_edit_their_own_clients_identity(cast: Cast) -> None:
    """Make sure a client's billing identity is read and edited by its organisation's admins
    alone (another organisation's admin gets 404)."""
    report = Report()
    k1 = cast.clients["k1"]
    path = f"/clients/{k1.id}"
    for actor in ("anonymous", *LOGGED_IN):
        expected = {"anonymous": 401, "admin": 200, "xadmin": 404}.get(actor, 403)
        response = await cast.browser(actor).get(API + path)
        report.status(f"{actor} GET /clients/<k1>", response, expected, None)
    cases = [
        Mutation(actor, f"{actor} PUT /clients/<k1>", "PUT", path, CLIENT_IDENTITY, 403)
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
    ]
    cases += [
        Mutation("anonymous", "anonymous PUT /clients/<k1>", "PUT", path, CLIENT_IDENTITY, 401),
        Mutation("xadmin", "xadmin PUT /clients/<k1>", "PUT", path, CLIENT_IDENTITY, 404),
        Mutation("admin", "admin PUT /clients/<k1>", "PUT", path, CLIENT_IDENTITY, 200),
    ]
    accepted = await run_mutations(cast, report, cases)
    if "admin PUT /clients/<k1>" in accepted:
        stored = await repo.get_client(k1.id)
        report.same("admin PUT: stored SIREN", "552100554", stored and stored.siren)
    report.verify()


async def test_only_admins_see_and_revoke_a_persons_devices(cast: Cast) -> None:
    """Make sure a person's devices are listed, a session ended and a passkey revoked by their
    organisation's admins alone; the last passkey needs the admin's confirmation."""
    report = Report()
    c1 = cast.id("c1")
    devices = (await cast.browser("admin").get(f"{API}/people/{c1}/devices")).json()
    [session] = devices["sessions"]
    [passkey] = devices["passkeys"]
    listing = f"/people/{c1}/devices"
    for actor in ("anonymous", *LOGGED_IN):
        expected = {"anonymous": 401, "admin": 200, "xadmin": 404}.get(actor, 403)
        response = await cast.browser(actor).get(API + listing)
        report.status(f"{actor} GET /people/<c1>/devices", response, expected, None)
    end = f"/people/{c1}/sessions/{session['id']}/end"
    revoke = f"/people/{c1}/passkeys/{passkey['id']}/revoke"
    cases = []
    for actor in LOGGED_IN:
        if actor in {"admin", "xadmin"}:
            continue
        cases.append(Mutation(actor, f"{actor} end c1's session", "POST", end, {}, 403))
        cases.append(Mutation(actor, f"{actor} revoke c1's passkey", "POST", revoke, {}, 403))
    cases += [
        Mutation("anonymous", "anonymous end c1's session", "POST", end, {}, 401),
        Mutation("xadmin", "xadmin end c1's session", "POST", end, {}, 404),
        Mutation(
            "xadmin", "xadmin revoke c1's passkey", "POST", revoke, {"confirm_last": True}, 404
        ),
        Mutation(
            "admin",
            "admin revoke c1's last passkey unconfirmed",
            "POST",
            revoke,
            {},
            409,
            frozenset({"confirm_last"}),
            "conflict",
        ),
        Mutation("admin", "admin end c1's session", "POST", end, {}, 200),
    ]
    accepted = await run_mutations(cast, report, cases)
    if "admin end c1's session" in accepted:
        report.status("c1 signed out", await cast.browser("c1").get(f"{API}/me"), 401, None)
    report.verify()


async def test_only_admins_import_spreadsheets_into_their_own_organisation(cast: Cast) -> None:
    """Make sure only an admin imports people, clients or missions and reads the templates
    (others 401/403, writing nothing), and that an import lands in the admin's own
    organisation: the other organisation's admin imports the same file into theirs."""
    import base64

    lines = ["Raison sociale;SIREN", "Import Matrice SA;552 120 222"]
    content = base64.b64encode("\r\n".join(lines).encode()).decode()
    body = {"file_name": "clients.csv", "content_base64": content, "dry_run": False}
    cases = [
        Mutation(
            actor,
            f"{actor} POST /imports/clients",
            "POST",
            "/imports/clients",
            body,
            401 if actor == "anonymous" else 403,
        )
        for actor in ACTORS
        if actor not in {"admin", "xadmin"}
    ]
    cases += [
        Mutation(a, f"{a} POST /imports/clients", "POST", "/imports/clients", body, 200)
        for a in ("admin", "xadmin")
    ]
    report = Report()
    for actor in ACTORS:
        expected = 401 if actor == "anonymous" else 200 if actor in ("admin", "xadmin") else 403
        response = await cast.browser(actor).get(f"{API}/imports/people/template")
        report.status(f"{actor} GET /imports/people/template", response, expected)
    accepted = await run_mutations(cast, report, cases)
    for admin, organisation in (("admin", "Octave Conseil SAS"), ("xadmin", "Other SAS")):
        response = accepted.get(f"{admin} POST /imports/clients")
        if response is None:
            continue
        client_id = response.json()["rows"][0]["id"]
        stored = await repo.get_client(client_id)
        owner = stored and await repo.get_organisation(stored.organisation_id)
        report.same(
            f"{admin}: the client's organisation", organisation, owner and owner.legal_name
        )


# -- expenses (issue 16) -----------------------------------------------------------------------

EXPENSE_SEEN = {"c1": 200, "m1": 200, "admin": 200, "s1": 403, "s2": 403}
"""Who reads c1's expense report and its receipts: c1, their manager, the admin; a client signer
is refused (403) and anyone else is told it does not exist (404)."""
EXPENSE_DECIDERS = {"m1": 200, "admin": 200, "c1": 403, "s1": 403, "s2": 403}
"""Who decides c1's submitted line: their manager or an admin; c1 never (own expense)."""


def _jpeg(seed: int) -> bytes:
    import io as _io

    from PIL import Image

    out = _io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, 40, 90)).save(out, "JPEG")
    return out.getvalue()


async def _expense_rows() -> list[str]:
    claims = await t.ExpenseClaim.select(t.ExpenseClaim.id, t.ExpenseClaim.status)
    receipts = await t.Receipt.select(t.Receipt.key)
    return sorted(repr(sorted(r.items())) for r in [*claims, *receipts])


async def test_expenses_are_seen_and_decided_by_the_consultant_their_manager_and_admins(
    cast: Cast,
) -> None:
    """Make sure a consultant files and reads their own expenses, their manager and the admin
    read them with their receipts and decide them, a client signer never sees any, another
    team or organisation is told they do not exist, and only consultants upload receipts."""
    import hashlib

    report = Report()
    photo = _jpeg(1)
    sha = hashlib.sha256(photo).hexdigest()
    raw = {"content-type": "image/jpeg"}
    for actor in ("anonymous", *LOGGED_IN):
        response = await cast.browser(actor).send(
            "PUT", f"{API}/receipts/{sha}", None, content=photo, headers=raw
        )
        consultant = actor in {"c1", "c2", "c3", "x"}
        expected = 401 if actor == "anonymous" else 200 if consultant else 403
        report.status(f"{actor} PUT /receipts/<sha>", response, expected)
    created = await cast.browser("c1").post(
        f"{API}/expense-lines",
        json={
            "spent_on": "2026-11-04",
            "mission_id": cast.missions["c1@k1"].id,
            "category": "meal",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 2000}],
            "receipts": [sha],
        },
    )
    report.status("c1 POST /expense-lines", created, 201)
    line = created.json()["id"]
    wrong_mission = await cast.browser("c1").post(
        f"{API}/expense-lines",
        json={
            "spent_on": "2026-11-04",
            "mission_id": cast.missions["c3@k2"].id,
            "category": "taxi",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 2000}],
        },
    )
    report.status("c1 POST /expense-lines on c3's mission", wrong_mission, 422)
    report.status(
        "c1 POST /expense-reports/2026-11/submit",
        await cast.browser("c1").post(f"{API}/expense-reports/2026-11/submit"),
        200,
    )
    c1 = cast.id("c1")
    for actor in ("anonymous", *LOGGED_IN):
        expected = 401 if actor == "anonymous" else EXPENSE_SEEN.get(actor, 404)
        browser = cast.browser(actor)
        got = await browser.get(f"{API}/expense-reports/2026-11", params={"consultant": c1})
        report.status(f"{actor} GET /expense-reports/2026-11?consultant=<c1>", got, expected)
        if expected == 200:
            report.same(f"{actor} sees c1's line", [line], [x["id"] for x in got.json()["lines"]])
        got = await browser.get(f"{API}/expense-lines/{line}/receipts/{sha}")
        report.status(f"{actor} GET /expense-lines/<c1>/receipts/<sha>", got, expected)
        review = await browser.get(f"{API}/expense-reports/2026-11/review")
        seen = {x["id"] for x in review.json()} if review.status_code == 200 else set()
        report.same(f"{actor} review lists c1's line", actor in {"m1", "admin"}, line in seen)
    before = await _expense_rows()
    for actor in ("anonymous", *LOGGED_IN):
        if actor in {"m1", "admin"}:
            continue
        expected = 401 if actor == "anonymous" else EXPENSE_DECIDERS.get(actor, 404)
        browser = cast.browser(actor)
        got = await browser.post(f"{API}/expense-lines/{line}/decision", json={"approve": True})
        report.status(f"{actor} POST /expense-lines/<c1>/decision", got, expected)
        edit = {"spent_on": "2026-11-04", "category": "meal", "vat_lines": []}
        if actor != "c1":
            got = await browser.put(f"{API}/expense-lines/{line}", json=edit)
            report.status(
                f"{actor} PUT /expense-lines/<c1>", got, 401 if actor == "anonymous" else 404
            )
            got = await browser.delete(f"{API}/expense-lines/{line}")
            report.status(
                f"{actor} DELETE /expense-lines/<c1>", got, 401 if actor == "anonymous" else 404
            )
        for path in ("/exports/expenses", "/exports/receipts"):
            got = await browser.get(f"{API}{path}", params={"month": "2026-11"})
            wanted = 401 if actor == "anonymous" else 404 if actor == "xadmin" else 403
            report.status(f"{actor} GET {path}", got, wanted)
    report.same("database after the refused decisions and edits", before, await _expense_rows())
    decided = await cast.browser("m1").post(
        f"{API}/expense-lines/{line}/decision", json={"approve": True}
    )
    report.status("m1 POST /expense-lines/<c1>/decision", decided, 200)
    again = await cast.browser("admin").post(
        f"{API}/expense-lines/{line}/decision", json={"approve": False, "reason": "non"}
    )
    report.status("admin POST /expense-lines/<c1>/decision after m1's", again, 409)
    for path in ("/exports/expenses", "/exports/receipts"):
        got = await cast.browser("admin").get(f"{API}{path}", params={"month": "2026-11"})
        report.status(f"admin GET {path}", got, 200)
    for actor in ("anonymous", *LOGGED_IN):
        path = f"/missions/{cast.missions['c1@k1'].id}/expense-policy"
        got = await cast.browser(actor).get(API + path)
        wanted = (
            401
            if actor == "anonymous"
            else 200
            if actor == "admin"
            else 404
            if actor == "xadmin"
            else 403
        )
        report.status(f"{actor} GET {path}", got, wanted)
    report.verify()


async def test_only_consultants_file_an_expense_through_sync(cast: Cast) -> None:
    """Make sure a `file_expense` from the phone's queue is a consultant's alone: applied for
    each consultant (to their own report), refused as `forbidden` for a manager or an
    administrator (who sync their decisions), 403 for a client signer (no sync), 401 anonymous."""
    report = Report()
    before = await t.ExpenseClaim.count()
    for actor in ACTORS:
        line_id = str(uuid.uuid4())
        body = {
            "protocol": 2,
            "client_id": str(uuid.uuid4()),
            "mutations": [
                {
                    "id": 1,
                    "name": "file_expense",
                    "args": {
                        "id": line_id,
                        "spent_on": "2026-11-04",
                        "category": "meal",
                        "vat_lines": [{"rate_bp": 1000, "gross_cents": 1200}],
                    },
                }
            ],
        }
        got = await cast.browser(actor).post(f"{API}/sync", json=body)
        wanted = 401 if actor == "anonymous" else 403 if actor in ("s1", "s2") else 200
        report.status(f"{actor} POST /sync file_expense", got, wanted)
        if got.status_code == 200:
            result = got.json()["results"][0]
            outcome = (result["status"], result.get("reason"))
            expected = ("applied", None) if actor in CONSULTANTS else ("rejected", "forbidden")
            report.same(f"{actor}: file_expense result", expected, outcome)
            if actor in CONSULTANTS:
                owner = await t.ExpenseClaim.select(t.ExpenseClaim.consultant).where(
                    t.ExpenseClaim.id == line_id
                )
                report.same(
                    f"{actor}: line's owner", cast.member(actor).id, str(owner[0]["consultant"])
                )
    report.same("lines filed", before + len(CONSULTANTS), await t.ExpenseClaim.count())


# -- people's data rights (issue 17, docs/privacy.md) -----------------------------------------


def export_status(actor: str, target: str) -> int:
    """A person exports their own data; an administrator, anyone's in their organisation."""
    if actor == "anonymous":
        return 401
    if actor == target:
        return 200
    if actor in {"admin", "xadmin"}:
        return 200 if ORGANISATION_OF[actor] == ORGANISATION_OF[target] else 404
    return 403


async def _person_row(person_id: str) -> dict[str, Any]:
    row = await t.Person.select(t.Person.email, t.Person.display_name, t.Person.active).where(
        t.Person.id == person_id
    )
    return row[0]


async def test_people_export_only_their_own_data_and_only_admins_erase(cast: Cast) -> None:
    """Make sure a consultant, manager or signer exports only their own data, an administrator
    anyone's in their organisation (never another's); only an administrator of the person's
    organisation erases them, every refusal changing nothing; only administrators read the
    retention periods."""
    report = Report()
    for actor in ACTORS:
        for target in ("c1", "s1", "admin", "x"):
            got = await cast.browser(actor).get(f"{API}/people/{cast.id(target)}/data-export")
            expected = export_status(actor, target)
            report.status(f"{actor} GET /people/<{target}>/data-export", got, expected)
            if expected == 200:
                report.same(
                    f"{actor} export of {target} is {target}'s",
                    cast.id(target),
                    got.json()["person"]["id"],
                )
    target = cast.id("c2")
    before = await _person_row(target)
    for actor in ACTORS:
        if actor == "admin":
            continue
        got = await cast.browser(actor).post(
            f"{API}/people/{target}/erasure", json={"confirm": True}
        )
        expected = 401 if actor == "anonymous" else 404 if actor == "xadmin" else 403
        report.status(f"{actor} POST /people/<c2>/erasure", got, expected)
    report.same("c2 after the refused erasures", before, await _person_row(target))
    for actor in ACTORS:
        got = await cast.browser(actor).get(f"{API}/retention")
        expected = 401 if actor == "anonymous" else 200 if actor in {"admin", "xadmin"} else 403
        report.status(f"{actor} GET /retention", got, expected)
    done = await cast.browser("admin").post(
        f"{API}/people/{target}/erasure", json={"confirm": True}
    )
    report.status("admin POST /people/<c2>/erasure", done, 200)
    report.same("c2 erased", False, (await _person_row(target))["active"])


SSO_SETTINGS = {
    "display_name": "Microsoft",
    "issuer": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
    "client_id": "carnet",
    "client_secret": "not-to-be-read-back",
    "allowed_domains": ["octave.test"],
    "enabled": False,
    "sso_only": False,
}


async def test_only_admins_read_and_set_their_own_firms_single_sign_on(cast: Cast) -> None:
    """Make sure a firm's provider settings are read and saved by its own admins alone (no id
    in the path to reach another firm's), the secret is never read back, and the sign-in
    screen's offer and the trip to the provider need no session."""
    report = Report()
    for actor in ("anonymous", *LOGGED_IN):
        expected = 401 if actor == "anonymous" else 200 if actor in ("admin", "xadmin") else 403
        response = await cast.browser(actor).get(f"{API}/organisation/sso")
        report.status(f"{actor} GET /organisation/sso", response, expected)
        offer = await cast.browser(actor).get(f"{API}/auth/sso")
        report.status(f"{actor} GET /auth/sso", offer, 200)
    cases = [
        Mutation(
            actor, f"{actor} PUT /organisation/sso", "PUT", "/organisation/sso", SSO_SETTINGS, 403
        )
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
    ]
    cases += [
        Mutation(
            "anonymous",
            "anonymous PUT /organisation/sso",
            "PUT",
            "/organisation/sso",
            SSO_SETTINGS,
            401,
        ),
        Mutation(
            "admin",
            "admin PUT /organisation/sso with http issuer",
            "PUT",
            "/organisation/sso",
            {**SSO_SETTINGS, "issuer": "http://idp.example"},
            422,
            frozenset({"issuer"}),
            "invalid_input",
        ),
        Mutation(
            "admin", "admin PUT /organisation/sso", "PUT", "/organisation/sso", SSO_SETTINGS, 200
        ),
    ]
    accepted = await run_mutations(cast, report, cases)
    if "admin PUT /organisation/sso" in accepted:
        saved = accepted["admin PUT /organisation/sso"].json()
        report.same("the secret is not read back", False, "client_secret" in saved)
        report.same("the secret is set", True, saved["client_secret_set"])
        theirs = (await cast.browser("xadmin").get(f"{API}/organisation/sso")).json()
        report.same("the other firm's settings are untouched", "", theirs["issuer"])


# -- integrations (issue 17): API tokens and webhooks ----------------------------------------


async def _integration_rows() -> list[str]:
    rows = [
        *await t.ApiToken.select(t.ApiToken.id, t.ApiToken.revoked_at),
        *await t.WebhookSubscription.select(
            t.WebhookSubscription.id, t.WebhookSubscription.active
        ),
    ]
    return sorted(repr(sorted(r.items())) for r in rows)


async def test_only_admins_manage_their_own_organisations_tokens_and_webhooks(cast: Cast) -> None:
    """Make sure only an administrator lists, creates and revokes API tokens and webhooks, of
    their own organisation only: another firm's administrator is told they do not exist, and a
    refused request changes nothing."""
    report = Report()
    token_body = {"name": "paie", "scopes": ["months:read"], "days": 30}
    hook_body = {"url": "https://hooks.example.test/carnet", "events": ["month.submitted"]}
    made = await cast.browser("admin").post(f"{API}/integrations/tokens", json=token_body)
    report.status("admin POST /integrations/tokens", made, 201)
    token_id = made.json()["record"]["id"]
    hook = await cast.browser("admin").post(f"{API}/integrations/webhooks", json=hook_body)
    # The host does not resolve here: the webhook is stored as the operator allows (below).
    hook_id = None
    if hook.status_code == 201:
        hook_id = hook.json()["webhook"]["id"]
    else:
        report.status("admin POST /integrations/webhooks (no DNS)", hook, 422)
        row = t.WebhookSubscription(
            organisation=cast.octave.organisation.id,
            url=hook_body["url"],
            events=hook_body["events"],
            secret="whsec_test",
            created_by=cast.id("admin"),
        )
        await row.save()
        hook_id = str(row.id)
    before = await _integration_rows()
    for actor in ("anonymous", *LOGGED_IN):
        browser = cast.browser(actor)
        own = actor == "admin"
        listing = 401 if actor == "anonymous" else 200 if actor in {"admin", "xadmin"} else 403
        for path in ("/integrations/tokens", "/integrations/webhooks"):
            got = await browser.get(API + path)
            report.status(f"{actor} GET {path}", got, listing)
            if got.status_code == 200:
                ids = {x["id"] for x in got.json()}
                report.same(
                    f"{actor} GET {path} sees Octave's", own, bool(ids & {token_id, hook_id})
                )
        if own:
            continue
        refused = 401 if actor == "anonymous" else 404 if actor == "xadmin" else 403
        for method, path in (
            ("POST", f"/integrations/tokens/{token_id}/revoke"),
            ("POST", f"/integrations/webhooks/{hook_id}/disable"),
            ("POST", f"/integrations/webhooks/{hook_id}/test"),
            ("GET", f"/integrations/webhooks/{hook_id}/deliveries"),
        ):
            got = await browser.send(method, API + path)
            report.status(f"{actor} {method} {path.replace(token_id, '<t>')}", got, refused)
        creating = 401 if actor == "anonymous" else 201 if actor == "xadmin" else 403
        if actor != "xadmin":
            got = await browser.post(f"{API}/integrations/tokens", json=token_body)
            report.status(f"{actor} POST /integrations/tokens", got, creating)
    report.same("database after the refusals", before, await _integration_rows())
    report.verify()


async def test_an_api_token_reads_only_its_own_organisation_within_its_scopes(
    cast: Cast,
) -> None:
    """Make sure another firm's token lists only that firm's months and people, is told
    Octave's month and person do not exist, and that each endpoint open to tokens needs its
    scope (403 missing_scope) while the others refuse tokens whatever their scopes."""
    report = Report()
    made = await cast.browser("xadmin").post(
        f"{API}/integrations/tokens",
        json={"name": "x", "scopes": ["months:read", "people:read"], "days": 30},
    )
    report.status("xadmin POST /integrations/tokens", made, 201)
    token = made.json()["token"]
    script = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=cast.octave.app),
        base_url="http://localhost.local",
        headers={"Authorization": f"Bearer {token}"},
    )
    async with script:
        months = await script.get(f"{API}/months")
        report.status("x token GET /months", months, 200)
        report.same(
            "x token GET /months owners",
            {cast.id("x")},
            {m["consultant_id"] for m in months.json()},
        )
        people = await script.get(f"{API}/people")
        report.same(
            "x token GET /people", {"xadmin", "x"}, {cast.name(p["id"]) for p in people.json()}
        )
        got = await script.get(cast.month_url("c1/2026-11"))
        report.status("x token GET c1/2026-11", got, 404)
        got = await script.get(f"{API}/people/{cast.id('c1')}")
        report.status("x token GET /people/<c1>", got, 404)
        for method, path, scope in (
            ("GET", "/invoices", "invoices:read"),
            ("POST", "/people", "people:write"),
        ):
            got = await script.request(method, API + path, json=invite_body("tok"))
            report.status(f"x token {method} {path}", got, 403, "missing_scope")
            if got.status_code == 403:
                report.same(
                    f"x token {method} {path} names", scope, got.json()["errors"][0]["message"]
                )
        for method, path in (
            ("GET", "/me"),
            ("GET", "/team/months/2026-11"),
            ("GET", "/audit/verify"),
            ("POST", f"/people/{cast.id('x')}/months/2026-11/submit"),
            ("GET", "/integrations/webhooks"),
        ):
            got = await script.request(method, API + path, json={"version": 1})
            report.status(f"x token {method} {path}", got, 403, "forbidden")
    report.verify()


# -- purchase order and buyer reference, credit notes by line (issue 14, the rest) ------------


async def test_only_admins_set_a_clients_buyer_reference(cast: Cast) -> None:
    """Make sure the buyer reference (BT-10 on the client's invoices) is set by the client's
    organisation's admins alone, and a refused attempt leaves it as it was."""
    report = Report()
    k1 = cast.clients["k1"]
    path = f"/clients/{k1.id}"
    body = {**CLIENT_IDENTITY, "buyer_reference": "SERVICE-ACHATS"}
    cases = [
        Mutation(actor, f"{actor} PUT /clients/<k1> buyer_reference", "PUT", path, body, 403)
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
    ]
    cases += [
        Mutation("anonymous", "anonymous PUT buyer_reference", "PUT", path, body, 401),
        Mutation("xadmin", "xadmin PUT buyer_reference", "PUT", path, body, 404),
        Mutation("admin", "admin PUT buyer_reference", "PUT", path, body, 200),
    ]
    accepted = await run_mutations(cast, report, cases)
    if "admin PUT buyer_reference" in accepted:
        read = await cast.browser("admin").get(API + path)
        report.same("admin reads it back", "SERVICE-ACHATS", read.json().get("buyer_reference"))
    report.verify()


async def test_only_admins_list_and_export_their_own_firm_costs(cast: Cast) -> None:
    """Make sure the month's expenses not re-billed (list and CSV) are read by admins alone,
    each seeing only their own organisation's (the cast has none: an empty list, and the CSV
    refused at `month`)."""
    report = Report()
    for actor in ACTORS:
        admin = actor in ("admin", "xadmin")
        expected = 401 if actor == "anonymous" else 200 if admin else 403
        browser = cast.browser(actor)
        listed = await browser.get(f"{API}/firm-costs", params={"month": "2026-11"})
        if report.status(f"{actor} GET /firm-costs", listed, expected) and admin:
            report.same(f"{actor} GET /firm-costs: lines", [], listed.json()["lines"])
        csv = await browser.get(f"{API}/firm-costs/csv", params={"month": "2026-11"})
        report.status(f"{actor} GET /firm-costs/csv", csv, 422 if admin else expected)
    report.verify()


async def test_only_admins_read_and_set_a_missions_standing_discount(cast: Cast) -> None:
    """Make sure a mission's standing discount is read and set by its organisation's admins
    alone (another organisation's admin gets 404), a refusal changing nothing."""
    report = Report()
    mission = cast.missions["c1@k1"]
    path = f"/missions/{mission.id}/discount"
    for actor in ("anonymous", *LOGGED_IN):
        expected = {"anonymous": 401, "admin": 200, "xadmin": 404}.get(actor, 403)
        got = await cast.browser(actor).get(API + path)
        report.status(f"{actor} GET {path}", got, expected)
    body = {"percent_bp": 500, "reason": "Accord cadre"}
    cases = [
        Mutation(actor, f"{actor} PUT /missions/<c1@k1>/discount", "PUT", path, body, 403)
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
    ]
    cases += [
        Mutation("anonymous", "anonymous PUT discount", "PUT", path, body, 401),
        Mutation("xadmin", "xadmin PUT discount", "PUT", path, body, 404),
        Mutation("admin", "admin PUT discount", "PUT", path, body, 200),
    ]
    accepted = await run_mutations(cast, report, cases)
    if "admin PUT discount" in accepted:
        read = await cast.browser("admin").get(API + path)
        report.same("admin reads the discount back", 500, read.json()["percent_bp"])
    report.verify()


# -- the expense report through the month's circuit (issue 16) --------------------------------


async def test_only_admins_choose_their_own_firms_expense_circuit(cast: Cast) -> None:
    """Make sure the expense circuit is read and set by administrators alone, each for their own
    organisation (xadmin's choice leaves Octave's as it was), a refusal changing nothing."""
    report = Report()
    path = "/organisation/expense-circuit"
    for actor in ACTORS:
        expected = {"anonymous": 401, "admin": 200, "xadmin": 200}.get(actor, 403)
        got = await cast.browser(actor).get(API + path)
        report.status(f"{actor} GET {path}", got, expected)
    body = {"expense_circuit": "month"}
    cases = [
        Mutation(actor, f"{actor} PUT {path}", "PUT", path, body, 403)
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
    ]
    cases += [
        Mutation("anonymous", f"anonymous PUT {path}", "PUT", path, body, 401),
        Mutation(
            "admin",
            f"admin PUT {path} monthly",
            "PUT",
            path,
            {"expense_circuit": "monthly"},
            422,
            frozenset({"expense_circuit"}),
        ),
        Mutation("xadmin", f"xadmin PUT {path}", "PUT", path, body, 200),
    ]
    await run_mutations(cast, report, cases)
    octave = await cast.browser("admin").get(API + path)
    report.same("Octave's circuit after xadmin's choice", "own", octave.json()["expense_circuit"])
    report.verify()


async def test_in_the_month_circuit_only_the_months_own_people_move_its_expenses(
    cast: Cast,
) -> None:
    """Make sure that, once the firm sends expenses with the month, nobody but c2 hands in c2's
    month (and so its expenses: c2's own expense submit is refused until then), and nobody but
    the step's approver (m1) approves it (and so its lines); a refusal moves no line."""
    report = Report()
    chosen = await cast.browser("admin").put(
        f"{API}/organisation/expense-circuit", json={"expense_circuit": "month"}
    )
    report.status("admin PUT /organisation/expense-circuit month", chosen, 200)
    c2 = cast.id("c2")
    filed = await cast.browser("c2").post(
        f"{API}/expense-lines",
        json={
            "spent_on": "2026-11-04",
            "category": "meal",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 1500}],
        },
    )
    report.status("c2 POST /expense-lines", filed, 201)
    line = filed.json()["id"]

    async def status() -> str:
        row = await t.ExpenseClaim.select(t.ExpenseClaim.status).where(t.ExpenseClaim.id == line)
        return str(row[0]["status"])

    own = await cast.browser("c2").post(f"{API}/expense-reports/2026-11/submit")
    report.status("c2 POST /expense-reports/2026-11/submit", own, 409, "conflict")
    month = f"{API}/people/{c2}/months/2026-11"

    async def version() -> int:
        return int((await cast.browser("c2").get(month)).json()["version"])

    for actor in ("anonymous", *LOGGED_IN):
        if actor == "c2":
            continue
        got = await cast.browser(actor).post(f"{month}/submit", json={"version": await version()})
        expected = 401 if actor == "anonymous" else 403 if actor in {"m1", "admin"} else 404
        report.status(f"{actor} POST /people/<c2>/months/2026-11/submit", got, expected)
    report.same("c2's line after the refused submissions", "draft", await status())
    got = await cast.browser("c2").post(f"{month}/submit", json={"version": await version()})
    report.status("c2 POST /people/<c2>/months/2026-11/submit", got, 200)
    report.same("c2's line after c2's submission", "submitted", await status())
    for actor in ("anonymous", *LOGGED_IN):
        if actor in {"m1", "admin"}:
            continue
        got = await cast.browser(actor).post(f"{month}/approve", json={"version": await version()})
        expected = {"anonymous": 401, "c2": 403, "s1": 404, "s2": 404}.get(actor, 404)
        report.status(f"{actor} POST /people/<c2>/months/2026-11/approve", got, expected)
    report.same("c2's line after the refused approvals", "submitted", await status())
    got = await cast.browser("m1").post(f"{month}/approve", json={"version": await version()})
    report.status("m1 POST /people/<c2>/months/2026-11/approve", got, 200)
    report.same("c2's line after m1's approval", "approved", await status())
    report.verify()


async def test_only_admins_record_when_a_person_was_told_of_their_carried_leave(
    cast: Cast,
) -> None:
    """Make sure the day a consultant was informed of their carried paid leave (L3141-19-3) is
    recorded by their organisation's administrators alone (another organisation's admin 404),
    a refusal storing nothing."""
    body = {"informed_on": "2026-11-02", "reason": "courrier remis en main propre"}
    report = Report()
    for actor in ACTORS:
        admin = actor in ("admin", "xadmin")
        told = await cast.browser(actor).post(
            f"{API}/people/{cast.id('c1')}/leave/carry-notices", json=body
        )
        expected = (
            401 if actor == "anonymous" else 201 if actor == "admin" else 404 if admin else 403
        )
        report.status(f"{actor} POST /people/<c1>/leave/carry-notices", told, expected)
    stored = await t.LeaveAdjustment.count().where(t.LeaveAdjustment.notice == True)  # noqa: E712
    report.same("notices stored", 1, stored)
    report.verify()


async def test_only_a_lines_consultant_changes_deletes_and_hands_it_in_through_sync(
    cast: Cast,
) -> None:
    """Make sure `edit_expense`, `delete_expense` and `submit_expenses` from the phone's queue
    touch only the pusher's own lines: on c1's line, anybody else's edit is `not_found` and
    their deletion finds nothing of theirs to delete (applied, the line kept); their hand-in is
    of their own month (a consultant without drafts: `no_draft`; a manager or administrator:
    `forbidden`); a client signer cannot sync (403), anonymous 401. c1 then changes and hands
    in the line."""
    report = Report()
    filed = {
        "spent_on": "2026-11-04",
        "category": "meal",
        "vat_lines": [{"rate_bp": 1000, "gross_cents": 1200}],
    }
    made = await cast.browser("c1").post(f"{API}/expense-lines", json=filed)
    report.status("c1 POST /expense-lines", made, 201)
    line_id = made.json()["id"]

    def push(*mutations: tuple[str, dict[str, object]]) -> dict[str, object]:
        return {
            "protocol": 2,
            "client_id": str(uuid.uuid4()),
            "mutations": [
                {"id": n, "name": name, "args": args}
                for n, (name, args) in enumerate(mutations, 1)
            ],
        }

    for actor in ACTORS:
        if actor == "c1":
            continue
        others = push(
            ("edit_expense", {"id": line_id, **filed, "comment": "not mine"}),
            ("delete_expense", {"id": line_id}),
            ("submit_expenses", {"month": "2026-11"}),
        )
        got = await cast.browser(actor).post(f"{API}/sync", json=others)
        wanted = 401 if actor == "anonymous" else 403 if actor in ("s1", "s2") else 200
        report.status(f"{actor} POST /sync edit/delete/submit of c1's line", got, wanted)
        if got.status_code == 200:
            outcome = [
                (r["status"], r.get("reason"), r.get("detail")) for r in got.json()["results"]
            ]
            hand_in = "no_draft" if actor in CONSULTANTS else "forbidden"
            report.same(
                f"{actor}: results",
                [("rejected", "not_found"), ("applied", None, "absent"), ("rejected", hand_in)],
                [outcome[0][:2], outcome[1], outcome[2][:2]],
            )
    kept = await t.ExpenseClaim.select(t.ExpenseClaim.comment, t.ExpenseClaim.status).where(
        t.ExpenseClaim.id == line_id
    )
    report.same("c1's line untouched", [{"comment": "", "status": "draft"}], kept)
    own = await cast.browser("c1").post(
        f"{API}/sync",
        json=push(
            ("edit_expense", {"id": line_id, **filed, "comment": "mine"}),
            ("submit_expenses", {"month": "2026-11"}),
            ("delete_expense", {"id": line_id}),
        ),
    )
    report.status("c1 POST /sync edit/submit/delete", own, 200)
    report.same(
        "c1: results",
        [("applied", None), ("applied", None), ("rejected", "already_submitted")],
        [(r["status"], r.get("reason")) for r in own.json()["results"]],
    )
    report.verify()


async def test_the_brand_is_read_by_anyone_and_set_by_each_firms_admins_alone(
    cast: Cast,
) -> None:
    """Make sure a firm's brand is read by every role (it is public like the manifest), set
    only by an administrator, each administrator setting their own organisation's: another
    organisation's admin writes theirs, never this one's; a refusal changes nothing."""
    report = Report()
    body = {"app_name": "Octave Marque", "primary_color": "#0b5d1e"}
    other = {"app_name": "Other Marque", "primary_color": "#5b2a86"}
    logo = {"png_base64": "iVBORw0KGgo="}  # a PNG signature, nothing else: refused at `logo`
    cases = [
        Mutation(actor, f"{actor} {method} {path}", method, path, data, 403)
        for actor in LOGGED_IN
        if actor not in {"admin", "xadmin"}
        for method, path, data in (
            ("PUT", "/brand", body),
            ("PUT", "/brand/logo", logo),
            ("DELETE", "/brand/logo", None),
        )
    ]
    cases += [
        Mutation("anonymous", "anonymous PUT /brand", "PUT", "/brand", body, 401),
        Mutation("anonymous", "anonymous PUT /brand/logo", "PUT", "/brand/logo", logo, 401),
        Mutation("anonymous", "anonymous DELETE /brand/logo", "DELETE", "/brand/logo", None, 401),
        Mutation(
            "admin",
            "admin PUT /brand/logo (not a PNG)",
            "PUT",
            "/brand/logo",
            logo,
            422,
            frozenset({"logo"}),
        ),
        Mutation("admin", "admin PUT /brand", "PUT", "/brand", body, 200),
        Mutation("xadmin", "xadmin PUT /brand", "PUT", "/brand", other, 200),
    ]
    await run_mutations(cast, report, cases)
    for actor in ACTORS:
        got = await cast.browser(actor).get(f"{API}/brand")
        if report.status(f"{actor} GET /brand", got, 200):
            expected = (
                "Carnet"
                if actor == "anonymous"
                else "Other Marque"
                if actor in OTHER
                else "Octave Marque"
            )
            report.same(f"{actor} GET /brand: name", expected, got.json()["app_name"])
    report.verify()


async def test_only_admins_read_when_each_member_was_last_seen(cast: Cast) -> None:
    """Make sure the People list's last activity is read by administrators alone, each seeing
    their own firm's members only."""
    report = Report()
    for actor in ("anonymous", *LOGGED_IN):
        expected = {"anonymous": 401, "admin": 200, "xadmin": 200}.get(actor, 403)
        response = await cast.browser(actor).get(f"{API}/people/activity")
        if report.status(f"{actor} GET /people/activity", response, expected, None) and (
            expected == 200
        ):
            seen = {row["person_id"] for row in response.json()}
            firm = {p["id"] for p in (await cast.browser(actor).get(f"{API}/people")).json()}
            report.same(f"{actor} GET /people/activity: own firm only", True, seen <= firm)
            report.same(f"{actor} GET /people/activity: someone", True, bool(seen))
    report.verify()
