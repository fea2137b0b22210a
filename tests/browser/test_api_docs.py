"""The API documentation page: `/schema` renders the operations from this server's own files,
under the same Content-Security-Policy as the app, with no request leaving the origin."""

from __future__ import annotations

import pytest
from playwright.sync_api import Request, expect

from tests.browser.conftest import SCREENSHOTS, BrowserPage, LiveServer

pytestmark = pytest.mark.browser


def test_schema_renders_the_operations_without_leaving_the_origin(
    live_server: LiveServer, browser_page: BrowserPage
) -> None:
    """Make sure /schema shows the API's operations (no blank page), loads nothing from
    another origin, and breaks no rule of the CSP (a refusal is a console error)."""
    page = browser_page.page
    foreign: list[str] = []

    def on_request(request: Request) -> None:
        if not request.url.startswith((live_server.origin, "data:")):
            foreign.append(request.url)

    page.on("request", on_request)
    response = page.goto(f"{live_server.origin}/schema")
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI renders a large document (every endpoint) after loading its script: slow on
    # a loaded machine.
    expect(page.locator(".information-container .title")).to_contain_text(
        "Carnet API", timeout=30_000
    )
    sync = page.locator(".opblock").filter(has_text="/api/v1/sync")
    expect(sync).to_have_count(1)
    assert page.locator(".opblock").count() > 40
    # An operation opens on its parameters and responses.
    session = page.locator(".opblock-get").filter(has_text="/api/v1/session").first
    session.locator(".opblock-summary").click()
    expect(session.locator(".responses-wrapper")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "schema-375.png"))
    assert foreign == []
    assert browser_page.errors == []
