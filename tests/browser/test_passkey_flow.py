"""The first screens end to end: invitation → passkey → home → logout → sign-in → home.

Runs the real server and Chromium; the passkey lives in a CDP virtual authenticator.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import BrowserPage, LiveServer

pytestmark = pytest.mark.browser


def me_status(page: Page) -> int:
    """Status of GET /api/v1/me from the page, i.e. with the page's cookies."""
    return int(page.evaluate("() => fetch('/api/v1/me').then((r) => r.status)"))


def test_invited_admin_creates_a_passkey_and_signs_in_with_it(
    live_server: LiveServer, browser_page: BrowserPage
) -> None:
    """Make sure an invitation gives a passkey that signs the person in again after logout."""
    page, authenticator = browser_page.page, browser_page.authenticator
    name = live_server.admin_name

    page.goto(live_server.invite_link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bienvenue {name}")
    expect(page.get_by_text(live_server.organisation)).to_be_visible()
    page.get_by_test_id("register").click()

    greeting = page.get_by_test_id("greeting")
    expect(greeting).to_have_text(f"Bonjour {name}")
    expect(greeting).to_be_focused()
    assert "invite=" not in page.url, "the invitation token must leave the address bar"
    expect(page.get_by_role("listitem").filter(has_text="Administrateur")).to_be_visible()
    credentials = authenticator.credentials()
    assert len(credentials) == 1
    assert credentials[0]["isResidentCredential"] is True
    assert me_status(page) == 200

    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login")).to_be_visible()
    expect(greeting).to_have_count(0)
    assert me_status(page) == 401

    page.get_by_test_id("login").click()
    expect(greeting).to_have_text(f"Bonjour {name}")
    assert me_status(page) == 200
    assert len(authenticator.credentials()) == 1
    assert browser_page.errors == []


def test_registration_without_user_verification_fails_visibly(
    live_server: LiveServer, browser_page: BrowserPage
) -> None:
    """Make sure a failed user verification shows an error and does not sign anyone in."""
    page, authenticator = browser_page.page, browser_page.authenticator
    name = "Grace Hopper"
    link = live_server.invite(email="grace.hopper@example.fr", name=name)
    authenticator.set_user_verified(False)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bienvenue {name}")
    page.get_by_test_id("register").click()

    error = page.get_by_test_id("error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("vérification de l'utilisateur refusée")
    expect(page.get_by_test_id("greeting")).to_have_count(0)
    expect(page.get_by_test_id("register")).to_have_attribute("aria-disabled", "false")
    assert "invite=" in page.url, "the invitation stays usable for another try"
    assert me_status(page) == 401
    assert browser_page.errors == []
