"""Screens loaded on demand (pwa/js/online/) are kept for offline use once opened online, even
when they were opened on the first visit before the service worker controlled the page (their
downloads then bypass it): issue 16's "kept for offline use once opened", in real Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DemoServer, comes_true, wait_signed_in
from tests.browser.test_circuit_flow import START

pytestmark = pytest.mark.browser

# On a page no service worker controls yet, the app's registration waits for the test to call
# window.openServiceWorker(): the screens are opened first, as a person can on a slow network.
HOLD_REGISTRATION = """
if (!navigator.serviceWorker.controller) {
  const register = ServiceWorkerContainer.prototype.register;
  const gate = new Promise((resolve) => (window.openServiceWorker = resolve));
  ServiceWorkerContainer.prototype.register = function (...args) {
    return gate.then(() => register.apply(this, args));
  };
}
"""
# Every on-demand file this page downloaded is in the service worker's on-demand cache.
ALL_KEPT = """async () => {
  const wanted = performance.getEntriesByType("resource").map((e) => new URL(e.name))
    .filter((u) => u.pathname.startsWith("/js/online/"));
  const names = (await caches.keys()).filter((n) => n.startsWith("carnet-ondemand-"));
  for (const url of wanted) {
    let found = false;
    for (const n of names) found ||= !!(await (await caches.open(n)).match(url.href));
    if (!found) return false;
  }
  return wanted.length > 0;
}"""


def test_screens_opened_before_the_service_worker_controls_the_page_open_offline_later(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure the expenses and leave screens opened online on the first visit, before the
    service worker took the page, open offline after a reload, dependencies and styles too."""
    who = demo_server.consultant("Ophélie Premièrevisite", start=START)
    phone = devices(390, 844)
    page = phone.page
    page.add_init_script(HOLD_REGISTRATION)
    page.goto(demo_server.login_url(who))
    wait_signed_in(page)
    page.get_by_test_id("expenses-link").click()
    expect(page.get_by_test_id("expense-form")).to_be_visible()
    page.goto(f"{demo_server.origin}/#leave")
    expect(page.get_by_test_id("leave-form")).to_be_visible()
    assert page.evaluate("() => navigator.serviceWorker.controller") is None

    page.evaluate("() => window.openServiceWorker()")
    page.wait_for_function("() => !!navigator.serviceWorker.controller", polling=100)
    # The worker keeps them in the background; the offline screens below are the verdict.
    comes_true(page, ALL_KEPT, timeout_s=5.0)

    phone.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("leave-offline")).to_contain_text("Hors ligne")
    expect(page.get_by_test_id("leave-form")).to_be_visible()
    page.goto(f"{demo_server.origin}/#expenses")
    expect(page.get_by_test_id("expenses-offline")).to_contain_text("Hors ligne")
    expect(page.get_by_test_id("expense-form")).to_be_visible()
    # The on-demand screens' style sheet came from the cache too: the form is styled.
    assert page.evaluate(
        "() => [...document.styleSheets].some((s) => s.href?.endsWith('/js/online/screens.css')"
        " && s.cssRules.length > 0)"
    )
    assert phone.errors == []


def test_a_screen_never_opened_online_says_offline_that_it_needs_the_network(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure a screen this device never downloaded (#leave) says, offline, that it needs
    the network and offers to retry, instead of loading for ever; back online, the retry opens
    it."""
    who = demo_server.consultant("Oscar Jamaisouvert", start=START)
    phone = devices(390, 844)
    page = phone.page
    page.goto(demo_server.login_url(who))
    wait_signed_in(page)
    page.wait_for_function("() => !!navigator.serviceWorker.controller", polling=100)

    phone.context.set_offline(True)
    page.goto(f"{demo_server.origin}/#leave")
    page.reload()
    expect(page.get_by_role("main")).to_contain_text("Pas de connexion au serveur")
    retry = page.get_by_role("button", name="Réessayer")
    expect(retry).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"

    phone.context.set_offline(False)
    retry.click()
    expect(page.get_by_test_id("leave-form")).to_be_visible()
    assert [e for e in phone.errors if "pageerror" in e] == [], phone.errors
