"""An expense filed offline in Chromium: the line and its camera photo wait in the device's
one queue (IndexedDB) through a reload and a closed tab, the page says they wait to be sent,
and when the network returns the one sync loop uploads the photo (PUT /receipts/{sha256})
before it sends the line (POST /sync, `file_expense`); the server then holds both, the photo
once and without its GPS position."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Request, expect

from tests.browser.conftest import SCREENSHOTS, DemoServer
from tests.browser.test_expenses import camera_photo
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


def test_an_expense_filed_offline_is_uploaded_photo_first_when_the_network_returns(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure an expense with a photo filed offline survives a reload and a closed tab,
    shows as waiting, and goes out by the sync loop when online: receipt, then line."""
    zoe = demo_server.consultant("Zoé Horsligne", start=date(2026, 1, 1))
    phone = devices(390)
    order: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "PUT" and "/api/v1/receipts/" in request.url:
            order.append("receipt")
        elif request.method == "POST" and request.url.endswith("/api/v1/sync"):
            names = [m["name"] for m in json.loads(request.post_data or "{}").get("mutations", [])]
            order.extend(n for n in names if n == "file_expense")
        elif request.method == "POST" and request.url.endswith("/api/v1/expense-lines"):
            order.append("direct")

    phone.context.on("requestfinished", on_request)
    page = phone.page
    page.goto(demo_server.login_url(zoe))
    page.get_by_test_id("expenses-link").click()
    expect(page.get_by_test_id("expense-form")).to_be_visible()
    # Once the service worker controls the page, the screen opened online opens offline too.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    expect(page.get_by_test_id("expense-form")).to_be_visible()
    month = page.evaluate(
        "() => { const d = new Date(); "
        "return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`; }"
    )

    phone.context.set_offline(True)
    page.reload()  # offline: the screen opens from the service worker's copy
    expect(page.get_by_test_id("expenses-offline")).to_contain_text("Hors ligne")
    form = page.get_by_test_id("expense-form")
    form.get_by_label("Catégorie").select_option("meal")
    form.get_by_label("Montant TTC à 10 %").fill("45,50")
    form.get_by_test_id("expense-files").set_input_files(
        files=[{"name": "repas.jpg", "mimeType": "image/jpeg", "buffer": camera_photo(3)}]
    )
    expect(form.get_by_test_id("expense-photos").locator("li")).to_have_count(1)
    form.get_by_label("Commentaire").fill("Déjeuner client")
    form.get_by_role("button", name="Enregistrer la dépense").click()
    expect(page.get_by_test_id("expense-status")).to_contain_text("au retour du réseau")
    queued = page.get_by_test_id("expense-queued")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("En attente d'envoi")
    expect(page.get_by_test_id("photos-waiting")).to_have_text("1 justificatif en attente d'envoi")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "expense-queued-390.png", full_page=True)

    page.reload()  # still offline: nothing lost
    expect(page.get_by_test_id("expense-queued")).to_have_count(1)
    # The tab closed and opened again, still offline.
    url = page.url
    page.close()
    page = phone.context.new_page()
    page.goto(url)
    expect(page.get_by_test_id("expense-queued")).to_have_count(1)
    expect(page.get_by_test_id("photos-waiting")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    assert serious_violations(page) == []
    assert order == []

    phone.context.set_offline(False)
    # The one sync loop sends the queue when the network is back, and the page says so.
    line = page.get_by_test_id("expense-line")
    expect(line).to_have_count(1, timeout=15_000)
    expect(page.get_by_test_id("expense-queued")).to_have_count(0)
    expect(page.get_by_test_id("photos-waiting")).to_have_count(0)
    assert order == ["receipt", "file_expense"], order

    report = page.evaluate(f"() => fetch('/api/v1/expense-reports/{month}').then(r => r.json())")
    [filed] = report["lines"]
    assert (filed["category"], filed["gross_cents"], filed["vat_cents"]) == ("meal", 4550, 414)
    assert filed["comment"] == "Déjeuner client"
    (sha,) = filed["receipts"]
    body = page.evaluate(
        "async (url) => { const r = await fetch(url); "
        "const b = new Uint8Array(await r.arrayBuffer()); "
        "return {status: r.status, size: b.length, head: Array.from(b.slice(0, 64000))}; }",
        f"/api/v1/receipts/{sha}",
    )
    assert body["status"] == 200 and 0 < body["size"] <= 400 * 1024, body["size"]
    assert b"PhoneMaker" not in bytes(body["head"])
    assert phone.errors == []
