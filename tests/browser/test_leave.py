"""Leave in Chromium: a consultant requests leave offline on the Congés screen, the request
waits in the device's one queue through a reload, goes out when the network is back, their
manager approves it on the approvals screen, and the consultant's grid shows the days. Real
server (demo mode sign-in), real PWA with its service worker and IndexedDB, real clicks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Request, expect

from tests.browser.conftest import SCREENSHOTS, DemoServer
from tests.browser.test_circuit_flow import START, WORKING
from tests.browser.test_month_offline import TODAY, serious_violations

pytestmark = pytest.mark.browser


def test_leave_requested_offline_is_approved_and_fills_the_grid(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure a leave request made offline survives a reload, is sent by the one sync loop
    when the network returns, and once the manager approves it the consultant's month shows
    the days as paid leave."""
    ahead = [d for d in WORKING if d > TODAY.isoformat()]
    if len(ahead) < 2:
        pytest.skip("fewer than two working days left this month")
    first, last = ahead[0], ahead[1]
    who = demo_server.consultant("Léa Congé", start=START)
    phone = devices()
    sent: list[dict[str, Any]] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/v1/sync"):
            sent.extend(json.loads(request.post_data or "{}").get("mutations", []))
        elif request.method == "POST" and request.url.endswith("/api/v1/leave/requests"):
            sent.append({"direct": request.url})

    phone.context.on("requestfinished", on_request)
    page = phone.page
    page.goto(demo_server.login_url(who))
    expect(page.get_by_test_id("leave-link")).to_be_visible()
    page.get_by_test_id("leave-link").click()
    expect(page.get_by_test_id("leave-balances")).to_contain_text("Congés payés")
    assert serious_violations(page) == []
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    # Once the service worker controls the page, the screen opened online stays for offline.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    expect(page.get_by_test_id("leave-form")).to_be_visible()

    phone.context.set_offline(True)
    page.get_by_label("Premier jour", exact=True).fill(first)
    page.get_by_label("Dernier jour", exact=True).fill(last)
    page.get_by_label("Commentaire (facultatif)").fill("pont")
    page.get_by_role("button", name="Demander").click()
    expect(page.get_by_role("status").filter(has_text="au retour du réseau").first).to_be_visible()
    queued = page.locator("[data-testid=leave-request][data-status=queued]")
    expect(queued).to_have_count(1)
    page.reload()  # offline: the screen opens from the device's copy, the request still queued
    expect(page.get_by_test_id("leave-offline")).to_contain_text("Hors ligne")
    expect(queued).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "leave-queued-375.png", full_page=True)
    assert [m for m in sent if m.get("name") == "request_leave" or "direct" in m] == []

    phone.context.set_offline(False)
    # The one sync loop sends the queue when the network is back, and the screen says so.
    expect(page.locator("[data-testid=leave-request][data-status=requested]")).to_have_count(
        1, timeout=15_000
    )
    expect(page.get_by_test_id("leave-balances")).to_contain_text("Congés payés")
    requests = [m for m in sent if m.get("name") == "request_leave"]
    assert [(m["args"]["first_day"], m["args"]["last_day"]) for m in requests] == [(first, last)]
    assert [m for m in sent if "direct" in m] == [], "one path: the sync loop"

    laptop = devices(1280, 800)
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approvals")).to_be_visible()
    manager.get_by_test_id("leave-requests-link").click()  # from the home, no address typed
    pending = manager.get_by_test_id("leave-pending").filter(has_text=who.name)
    expect(pending).to_have_count(1)
    manager.screenshot(path=SCREENSHOTS / "leave-pending-1280.png", full_page=True)
    assert serious_violations(manager) == []
    pending.get_by_test_id("leave-refuse").click()
    manager.set_viewport_size({"width": 390, "height": 844})
    assert manager.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    assert serious_violations(manager) == []
    manager.screenshot(path=SCREENSHOTS / "leave-refuse-390.png", full_page=True)
    pending.get_by_test_id("leave-approve").click()
    expect(manager.get_by_test_id("leave-team")).to_contain_text("acceptée")

    page.goto(f"{demo_server.origin}/")  # the app started again: its sync loop pulls at once
    for day in (first, last):
        cell = page.locator(f'button.cell[data-date="{day}"][data-line="absence:CP"]')
        expect(cell).to_have_text("1")
    page.screenshot(path=SCREENSHOTS / "leave-grid-375.png", full_page=True)
    assert phone.errors == [] and laptop.errors == []
