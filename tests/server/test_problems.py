"""Every refusal is an RFC 9457 problem document with the security headers; the OpenAPI
document describes /api/v1; the login endpoints are rate limited per address."""

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from server.app import create_app
from server.domain.roles import Role
from server.headers import SECURITY_HEADERS
from server.settings import Settings
from tests.conftest import FakeClock
from tests.factories import Browser, World

# Marked here, not only by the conftest hook: anyio re-creates late-marked async tests and drops
# their parametrize ids and values.
pytestmark = pytest.mark.anyio

PROBLEM_JSON = "application/problem+json"
SOMEONE = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def browser(app: Litestar) -> AsyncIterator[Browser]:
    """An anonymous browser on the test app."""
    anonymous = Browser(app)
    yield anonymous
    await anonymous.close()


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "code", "errors"}
    assert body["status"] == status
    assert body["type"] == f"urn:carnet:problem:{body['code']}"
    assert body["title"] and body["detail"]
    assert isinstance(body["errors"], list)
    return body


def assert_security_headers(response: httpx.Response) -> None:
    assert "no-store" in response.headers.get("cache-control", ""), response.headers
    assert (
        response.headers.get("content-security-policy")
        == SECURITY_HEADERS["Content-Security-Policy"]
    )
    assert response.headers.get("x-content-type-options") == "nosniff"


@pytest.mark.parametrize("url", ["/api/v1/nope", f"/api/v1/people/{SOMEONE}/months/2026-11/nope"])
async def test_unknown_route_is_a_404_problem(browser: Browser, url: str) -> None:
    """Make sure a route that does not exist gets a 404 problem document."""
    body = problem(await browser.get(url), 404)
    assert body["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("DELETE", "/api/v1/months", "GET"),
        ("GET", "/api/v1/auth/logout", "POST"),
    ],
)
async def test_wrong_method_is_a_405_problem(
    browser: Browser, method: str, url: str, allowed: str
) -> None:
    """Make sure a method a route does not take gets a 405 problem naming the allowed ones."""
    response = await browser.send(method, url)
    assert problem(response, 405)["code"] == "method_not_allowed"
    assert allowed in response.headers.get("allow", "")


async def test_every_problem_carries_no_store_and_the_csp(
    browser: Browser, subtests: pytest.Subtests
) -> None:
    """Make sure problem documents from every error path carry Cache-Control and the CSP."""
    json_header = {"content-type": "application/json"}
    cases: list[tuple[str, int, Any]] = [
        ("unknown-route", 404, lambda: browser.get("/api/v1/nope")),
        ("wrong-method", 405, lambda: browser.send("DELETE", "/api/v1/months")),
        ("not-logged-in", 401, lambda: browser.get("/api/v1/me")),
        ("no-csrf-header", 403, lambda: browser.http.post("/api/v1/auth/logout", json={})),
        ("unknown-invitation", 404, lambda: browser.get("/api/v1/invitations/not-a-token")),
        ("invalid-body", 422, lambda: browser.post("/api/v1/auth/passkey", json={})),
        (
            "invalid-json",
            400,
            lambda: browser.post("/api/v1/auth/passkey", content=b"{", headers=json_header),
        ),
        (
            "payload-too-large",
            413,
            lambda: browser.post(
                "/api/v1/auth/passkey", content=b"[" + b"0," * 600_000 + b"0]", headers=json_header
            ),
        ),
        (
            "not-json",
            415,
            lambda: browser.post(
                "/api/v1/auth/passkey", content=b"{}", headers={"content-type": "text/plain"}
            ),
        ),
    ]
    for name, status, send in cases:
        with subtests.test(msg=name):
            response = await send()
            problem(response, status)
            assert_security_headers(response)


@pytest.mark.parametrize(
    ("content_type", "status", "code"),
    [
        ("text/plain", 415, "unsupported_media_type"),
        ("application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ("multipart/form-data; boundary=x", 415, "unsupported_media_type"),
        ("", 415, "unsupported_media_type"),
        ("application/json; charset=utf-8", 200, None),
        ("Application/JSON", 200, None),
    ],
)
async def test_a_body_must_be_declared_json(
    browser: Browser, content_type: str, status: int, code: str | None
) -> None:
    """Make sure a request body that does not say it is JSON is refused with a 415 problem."""
    headers = {"content-type": content_type} if content_type else {}
    response = await browser.post("/api/v1/auth/passkey-options", content=b"{}", headers=headers)
    if code is None:
        assert response.status_code == status, response.text
    else:
        assert problem(response, status)["code"] == code


async def test_a_request_without_a_body_needs_no_content_type(browser: Browser) -> None:
    """Make sure an action that takes no body is not refused for lacking a Content-Type."""
    response = await browser.post("/api/v1/auth/passkey-options")
    assert response.status_code == 200, response.text


async def test_openapi_document_lists_the_api(browser: Browser) -> None:
    """Make sure /schema/openapi.json is valid JSON describing the /api/v1 operations."""
    response = await browser.get("/schema/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Carnet API"
    paths = document["paths"]
    assert paths and all(path.startswith("/api/v1/") for path in paths)
    operations = {
        operation["operationId"]: (path, method)
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert operations["putDay"] == ("/api/v1/people/{person_id}/months/{month}/days/{day}", "put")
    assert operations["getMonth"] == ("/api/v1/people/{person_id}/months/{month}", "get")
    assert operations["listMonths"] == ("/api/v1/months", "get")
    assert operations["invitePerson"] == ("/api/v1/people", "post")
    assert operations["createMission"] == ("/api/v1/missions", "post")
    assert operations["setRoles"] == ("/api/v1/people/{person_id}/roles", "put")
    assert operations["loginOptions"] == ("/api/v1/auth/passkey-options", "post")
    assert operations["getSession"] == ("/api/v1/session", "get")


async def test_api_documentation_page_loads_only_this_servers_files(browser: Browser) -> None:
    """Make sure /schema names only same-origin scripts and styles, with no inline script,
    and serves them (the CSP refuses anything else; browser test: test_api_docs.py)."""
    page = await browser.get("/schema")
    assert page.status_code == 200
    html = page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert "<script>" not in html and "<style" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "api-docs.js"):
        response = await browser.get(f"/schema/assets/{asset}")
        assert response.status_code == 200, asset
        assert len(response.content) > 100, asset
    assert (await browser.get("/schema/assets/swagger-editor.js")).status_code == 404


async def test_server_error_never_leaks_a_traceback(world: World, settings: Settings) -> None:
    """Make sure a 500 is a bare problem document: no traceback, no driver message."""
    alice = await world.person("alice", [Role.CONSULTANT])
    # A real failure, not a faked one: a table disappears under the running server (renamed
    # back afterwards, since the database is shared with later tests).
    from server.storage.tables import DayEntry

    await DayEntry.raw("ALTER TABLE day_entry RENAME TO day_entry_away")
    try:
        response = await alice.browser.put(
            f"/api/v1/people/{alice.id}/months/2026-11/days/2026-11-16",
            json={"lines": [{"line": "absence:CP", "half_days": 2}], "comment": ""},
        )
    finally:
        await DayEntry.raw("ALTER TABLE day_entry_away RENAME TO day_entry")
    body = problem(response, 500)
    assert body["code"] == "server_error"
    assert body["errors"] == []
    for leak in ("Traceback", 'File "', "asyncpg", "sqlite", "day_entry", "Error:", "relation"):
        assert leak not in response.text
    assert_security_headers(response)


async def test_login_options_are_rate_limited_per_address(
    settings: Settings, clock: FakeClock
) -> None:
    """Make sure the 4th login attempt in a minute from one address gets a 429 problem."""
    limited = create_app(
        settings.model_copy(update={"auth_rate_limit_per_minute": 3}), clock=clock
    )
    async with limited.lifespan():
        attacker, neighbour = Browser(limited), Browser(limited, client_host="192.0.2.7")
        try:
            for _ in range(3):
                allowed = await attacker.post("/api/v1/auth/passkey-options", json={})
                assert allowed.status_code == 200, allowed.text
            refused = await attacker.post("/api/v1/auth/passkey-options", json={})
            assert problem(refused, 429)["code"] == "rate_limited"
            assert_security_headers(refused)
            spoofed = await attacker.post(
                "/api/v1/auth/passkey-options", json={}, headers={"x-forwarded-for": "10.1.2.3"}
            )
            assert spoofed.status_code == 429, "a forwarded-for header must not reset the limit"
            for _ in range(5):
                assert (await attacker.get("/api/v1/session")).status_code == 200
            other = await neighbour.post("/api/v1/auth/passkey-options", json={})
            assert other.status_code == 200, "the limit is per address"
        finally:
            await attacker.close()
            await neighbour.close()


@pytest.mark.parametrize(
    ("proxies", "client", "rotated"),
    [
        ("", "127.0.0.1", True),  # loopback is no proxy unless named
        ("10.0.0.0/8", "192.0.2.7", True),  # a caller that is not the named proxy
        ("10.0.0.0/8", "10.1.2.3", False),  # the named proxy: the forwarded address counts
    ],
)
async def test_forwarded_headers_are_believed_only_from_the_named_proxies(
    settings: Settings, clock: FakeClock, proxies: str, client: str, rotated: bool
) -> None:
    """Make sure X-Forwarded-For changes the rate-limited address only when it comes from a
    proxy named in CARNET_TRUSTED_PROXIES (any loopback caller could rotate it before)."""
    limited = create_app(
        settings.model_copy(update={"auth_rate_limit_per_minute": 2, "trusted_proxies": proxies}),
        clock=clock,
    )
    async with limited.lifespan():
        caller = Browser(limited, client_host=client)
        try:
            statuses = [
                (
                    await caller.post(
                        "/api/v1/auth/passkey-options",
                        json={},
                        headers={"x-forwarded-for": f"198.51.100.{n}"},
                    )
                ).status_code
                for n in range(4)
            ]
            same = [
                (
                    await caller.post(
                        "/api/v1/auth/passkey-options",
                        json={},
                        headers={"x-forwarded-for": "203.0.113.9"},
                    )
                ).status_code
                for _ in range(3)
            ]
        finally:
            await caller.close()
    if rotated:
        assert statuses == [200, 200, 429, 429] and same == [429] * 3
    else:
        assert statuses == [200] * 4, "each forwarded client has its own limit"
        assert same == [200, 200, 429], "one forwarded client is limited"


@pytest.mark.parametrize("origin", ["https://carnet.example.fr", "http://localhost"])
async def test_hsts_is_sent_on_every_response_when_the_origin_is_https(
    settings: Settings, clock: FakeClock, origin: str
) -> None:
    """Make sure an HTTPS deployment sends Strict-Transport-Security on API answers, problem
    documents and the app shell alike, and a plain-HTTP localhost never does."""
    app = create_app(settings.model_copy(update={"origin": origin}), clock=clock)
    async with app.lifespan():
        browser = Browser(app)
        try:
            responses = [
                await browser.get("/api/v1/session"),
                await browser.get("/api/v1/nope"),
                await browser.get("/api/v1/me"),
                await browser.get("/"),
            ]
        finally:
            await browser.close()
    assert [r.status_code for r in responses] == [200, 404, 401, 200]
    values = {r.headers.get("strict-transport-security") for r in responses}
    if origin.startswith("https"):
        assert values == {"max-age=63072000; includeSubDomains"}
    else:
        assert values == {None}
