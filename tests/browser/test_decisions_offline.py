"""An approver's decisions go through the device's one queue and its one sync loop: one queued
offline survives a reload and a closed tab and is sent when the network is back, and a device
that queued one with the previous version of the app (its own localStorage queue) loses none
when the new app starts. Real server, real Chromium with its service worker and IndexedDB."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Request, expect

from tests.browser.conftest import SCREENSHOTS, DemoServer, Device
from tests.browser.test_circuit_flow import START, approve, open_review, submit_month

pytestmark = pytest.mark.browser


def record_sends(device: Device) -> list[dict[str, Any]]:
    """Every mutation this device's pages got to the server, in order (sync and direct);
    attempts that failed for want of a network are not counted."""
    sent: list[dict[str, Any]] = []

    def on_request(request: Request) -> None:
        if request.method != "POST" or "/api/v1/" not in request.url:
            return
        if request.url.endswith("/api/v1/sync"):
            sent.extend(json.loads(request.post_data or "{}").get("mutations", []))
        elif request.url.endswith(("/approve", "/send-back")):
            sent.append({"direct": request.url})

    device.context.on("requestfinished", on_request)
    return sent


def test_an_approval_queued_offline_survives_a_reload_and_a_closed_tab(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure an approval tapped offline is kept in the device's queue through a reload and
    a closed tab, and the one sync loop sends it when the network returns."""
    who = demo_server.consultant("Hélène Fermée", start=START)
    phone = devices()
    submit_month(phone, demo_server, who)

    laptop = devices(1280, 800)
    sent = record_sends(laptop)
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    # Once the service worker controls the page, the screens opened online stay for offline use.
    manager.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    manager.reload()
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    open_review(manager, who)  # opened online: the month is kept on the device

    laptop.context.set_offline(True)
    approve(manager)
    expect(manager.get_by_test_id("queued")).to_have_text("En attente d'envoi")
    expect(manager.get_by_test_id("review-decision-status")).to_contain_text(
        "elle partira au retour du réseau"
    )
    manager.reload()  # offline: the review opens from the device's copy
    expect(manager.get_by_test_id("review-offline")).to_contain_text("Hors ligne")
    expect(manager.get_by_test_id("queued")).to_have_text("En attente d'envoi")
    manager.get_by_test_id("review-back").click()
    expect(manager.get_by_test_id("queued")).to_have_text("En attente d'envoi")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    manager.screenshot(path=SCREENSHOTS / "approvals-queued-1280.png", full_page=True)
    manager.set_viewport_size({"width": 390, "height": 844})
    manager.screenshot(path=SCREENSHOTS / "approvals-queued-390.png", full_page=True)
    manager.close()

    manager = laptop.new_page()  # the tab was closed; the app opens again, still offline
    manager.goto(f"{demo_server.origin}/")
    expect(manager.get_by_test_id("queued")).to_have_text("En attente d'envoi")
    assert [m for m in sent if m.get("name") == "approve_month" or "direct" in m] == []

    laptop.context.set_offline(False)
    expect(manager.get_by_test_id("approvals-status")).to_contain_text("Décisions envoyées")
    expect(manager.get_by_test_id("no-approvals")).to_be_visible()
    approvals = [m for m in sent if m.get("name") == "approve_month"]
    assert [m["args"]["consultant_id"] for m in approvals] == [who.person_id]
    assert [m for m in sent if "direct" in m] == [], "one path: the sync loop"
    phone.page.reload()
    expect(phone.page.get_by_test_id("month-status")).to_have_text("Statut : Validé")
    assert phone.errors == [] and laptop.errors == []


def test_an_approval_queued_by_the_previous_app_is_sent_by_the_new_one(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure a device upgraded with an approval still in the previous app's localStorage
    queue sends it through the new queue, once, and forgets the old copy."""
    who = demo_server.consultant("Ivan Ancien", start=START)
    phone = devices()
    submit_month(phone, demo_server, who)

    # What the previous app knew when the manager tapped Approve offline on their laptop.
    other = devices(1280, 800)
    other.page.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(other.page.get_by_test_id("approval-item")).to_have_count(1)
    manager_id = other.page.evaluate("() => fetch('/api/v1/me').then((r) => r.json())")["id"]
    months = other.page.evaluate("() => fetch('/api/v1/months').then((r) => r.json())")
    (summary,) = [m for m in months if m["consultant_id"] == who.person_id]
    other.context.close()

    laptop = devices(1280, 800)
    sent = record_sends(laptop)
    page = laptop.page
    page.goto(f"{demo_server.origin}/schema/openapi.json")  # this origin, before any app
    key = f"carnet.decisions.{manager_id}"
    old_queue = {
        "client_id": str(uuid.uuid4()),
        "next_id": 2,
        "last": 0,
        "pending": [
            {
                "id": 1,
                "name": "approve_month",
                "args": {
                    "consultant_id": who.person_id,
                    "month": summary["month"],
                    "version": summary["version"],
                },
                "label": {"name": who.name, "month": summary["month"]},
            }
        ],
        "months": months,
    }
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(old_queue)])

    page.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(page.get_by_test_id("approvals")).to_be_visible()
    expect(page.get_by_test_id("no-approvals")).to_be_visible()
    assert page.evaluate("(k) => localStorage.getItem(k)", key) is None
    approvals = [m for m in sent if m.get("name") == "approve_month"]
    assert len(approvals) == 1
    assert approvals[0]["args"] == old_queue["pending"][0]["args"]
    assert approvals[0]["id"] == 1, "renumbered in the new queue, which was empty"
    expect(page.get_by_test_id("refused-decisions")).to_have_count(0)
    phone.page.reload()
    expect(phone.page.get_by_test_id("month-status")).to_have_text("Statut : Validé")
    assert phone.errors == [] and laptop.errors == []
