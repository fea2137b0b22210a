"""API tokens (issue 17, docs/api.md "API tokens"): a script with no browser reads the months
with a token an administrator made, shown once and kept hashed; a missing scope, an expired or
revoked token and a token sent with a session cookie are each refused with a problem."""

import hashlib
from typing import Any

import httpx
import pytest
from litestar import Litestar

from server.storage import audit_store
from server.storage import tables as t
from tests.conftest import FakeClock
from tests.factories import World
from tests.server.test_circuit import Team, make_team

API = "/api/v1"


def script(app: Litestar, token: str) -> httpx.AsyncClient:
    """What a script does: no cookie jar in use, no CSRF, only the Authorization header."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://localhost.local",
        headers={"Authorization": f"Bearer {token}"},
    )


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


async def make_token(team: Team, scopes: list[str], *, days: int = 30) -> dict[str, Any]:
    response = await team.ada.browser.post(
        f"{API}/integrations/tokens", json={"name": "paie", "scopes": scopes, "days": days}
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def team(world: World) -> Team:
    made = await make_team(world, [("manager", "marc")])
    await made.fill()
    await made.act(made.alice, "submit")
    return made


async def test_a_script_reads_the_month_list_with_a_token_shown_once_and_kept_hashed(
    team: Team, app: Litestar
) -> None:
    """Make sure a token with months:read lists the firm's months from a client with no
    cookie, that the token starts with carnet_ and only its SHA-256 is stored, that the list of
    tokens never shows it again, and that its creation and first use are recorded."""
    made = await make_token(team, ["months:read"])
    token = made["token"]
    assert token.startswith("carnet_") and len(token) > 40
    async with script(app, token) as client:
        months = await client.get(f"{API}/months")
        assert months.status_code == 200, months.text
        assert [(m["consultant_id"], m["month"], m["status"]) for m in months.json()] == [
            (team.alice.id, "2026-11", "in_validation")
        ]
        one = await client.get(f"{API}/people/{team.alice.id}/months/2026-11")
        assert one.status_code == 200, one.text
    rows = await t.ApiToken.select()
    assert [r["token_hash"] for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in repr(rows)
    listed = (await team.ada.browser.get(f"{API}/integrations/tokens")).json()
    assert token not in repr(listed)
    assert listed[0]["hint"] == token[:11] and listed[0]["last_used_at"] is not None
    events = [(e.event, e.subject) for e in await audit_store.chain(team.world.organisation.id)]
    assert ("api_token.created", f"api_token:{made['record']['id']}") in events


async def test_a_token_is_refused_without_its_scope_and_on_endpoints_closed_to_tokens(
    team: Team, app: Litestar
) -> None:
    """Make sure a token without invoices:read gets a 403 naming that scope, and a token never
    reaches an endpoint not open to tokens (managing tokens, approving months)."""
    token = (await make_token(team, ["months:read"]))["token"]
    async with script(app, token) as client:
        body = problem(await client.get(f"{API}/invoices"), 403, "missing_scope")
        assert "invoices:read" in body["detail"]
        assert body["errors"] == [
            {"field": "scope", "code": "missing_scope", "message": "invoices:read"}
        ]
        problem(await client.get(f"{API}/integrations/tokens"), 403, "forbidden")
        month = f"{API}/people/{team.alice.id}/months/2026-11"
        approved = await client.post(f"{month}/approve", json={"version": 1})
        problem(approved, 403, "forbidden")
    assert (await team.read())["status"] == "in_validation"


async def test_a_token_with_people_write_invites_without_csrf(team: Team, app: Litestar) -> None:
    """Make sure a script invites a person with a POST and no CSRF pair (a token is no ambient
    credential), and that the invitation is the firm's."""
    token = (await make_token(team, ["people:write", "people:read"]))["token"]
    async with script(app, token) as client:
        invited = await client.post(
            f"{API}/people",
            json={"email": "zoe@example.test", "display_name": "Zoé", "roles": ["consultant"]},
        )
        assert invited.status_code == 201, invited.text
        people = await client.get(f"{API}/people")
    assert "zoe@example.test" in {p["email"] for p in people.json()}


async def test_expired_revoked_and_mixed_credentials_are_refused(
    team: Team, app: Litestar, clock: FakeClock
) -> None:
    """Make sure a revoked token, an expired one, a token sent with a session cookie, an unknown
    token and another authorization scheme are each refused with a 401 problem."""
    short = (await make_token(team, ["months:read"], days=1))["token"]
    revoked = await make_token(team, ["months:read"])
    done = await team.ada.browser.post(
        f"{API}/integrations/tokens/{revoked['record']['id']}/revoke"
    )
    assert done.status_code == 200 and done.json()["revoked_at"] is not None
    async with script(app, revoked["token"]) as client:
        body = problem(await client.get(f"{API}/months"), 401, "not_authenticated")
        assert "revoked" in body["detail"]
    # The administrator's own browser (session cookie) adding a token: refused, not merged.
    mixed = await team.ada.browser.get(
        f"{API}/months", headers={"Authorization": f"Bearer {short}"}
    )
    problem(mixed, 401, "ambiguous_credentials")
    async with script(app, "carnet_" + "x" * 43) as client:
        problem(await client.get(f"{API}/months"), 401, "not_authenticated")
    basic = await team.world.browser().get(
        f"{API}/months", headers={"Authorization": "Basic eDp5"}
    )
    problem(basic, 401, "not_authenticated")
    clock.advance(days=1, seconds=1)
    async with script(app, short) as client:
        body = problem(await client.get(f"{API}/months"), 401, "not_authenticated")
        assert "expired" in body["detail"]
    events = [e.event for e in await audit_store.chain(team.world.organisation.id)]
    assert events.count("api_token.revoked") == 1


async def test_token_requests_are_validated_like_any_other(team: Team) -> None:
    """Make sure a bad token request (unknown scope, zero days, blank name) is a 422 naming
    each field, and that nothing is stored."""
    response = await team.ada.browser.post(
        f"{API}/integrations/tokens", json={"name": " ", "scopes": ["months:write"], "days": 30}
    )
    body = problem(response, 422, "invalid_input")
    assert {e["field"] for e in body["errors"]} == {"name"}
    response = await team.ada.browser.post(
        f"{API}/integrations/tokens", json={"name": "x", "scopes": ["months:write"], "days": 30}
    )
    body = problem(response, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["scopes[0]"]
    response = await team.ada.browser.post(
        f"{API}/integrations/tokens", json={"name": "x", "scopes": ["months:read"], "days": 0}
    )
    problem(response, 422, "invalid_input")
    consultant = await team.alice.browser.post(
        f"{API}/integrations/tokens", json={"name": "x", "scopes": ["months:read"], "days": 3}
    )
    problem(consultant, 403, "forbidden")
    assert await t.ApiToken.count() == 0
