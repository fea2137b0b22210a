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
from tests.browser.test_leave_and_expenses_offline import stored
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


def test_lines_edited_deleted_and_handed_in_offline_reach_the_server_through_the_queue(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure, at 390 px and offline, a line filed on the phone can be edited and another
    deleted before they were ever sent, a line the server holds can be deleted too, all through
    a reload; back online the server holds exactly the edited line. Then the month's drafts
    handed in offline are submitted when the network returns."""
    zoe = demo_server.consultant("Zoé Réseau", start=date(2026, 1, 1))
    phone = devices(390)
    sent: list[str] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/v1/sync"):
            body = json.loads(request.post_data or "{}")
            sent.extend(m["name"] for m in body.get("mutations", []))
        elif request.method in ("PUT", "DELETE") and "/api/v1/expense-lines/" in request.url:
            sent.append(f"direct {request.method}")
        elif request.method == "PUT" and "/api/v1/receipts/" in request.url:
            sent.append("receipt")

    phone.context.on("requestfinished", on_request)
    page = phone.page
    page.goto(demo_server.login_url(zoe))
    page.get_by_test_id("expenses-link").click()
    expect(page.get_by_test_id("expense-form")).to_be_visible()
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    month = page.evaluate(
        "() => { const d = new Date(); "
        "return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`; }"
    )

    def file(category: str, amount: str, comment: str, photo: bool = False) -> None:
        form = page.get_by_test_id("expense-form")
        form.get_by_label("Catégorie").select_option(category)
        form.get_by_label("Montant TTC à 10 %").fill(amount)
        if photo:
            form.get_by_test_id("expense-files").set_input_files(
                files=[{"name": "repas.jpg", "mimeType": "image/jpeg", "buffer": camera_photo(5)}]
            )
            expect(form.get_by_test_id("expense-photos").locator("li")).to_have_count(1)
        form.get_by_label("Commentaire").fill(comment)
        form.get_by_role("button", name="Enregistrer la dépense").click()

    # Online: a taxi line reaches the server; the screen keeps it for offline.
    file("taxi", "23,00", "Taxi gare")
    expect(page.get_by_test_id("expense-line")).to_have_count(1)
    expect(page.get_by_test_id("expense-status")).to_have_text("Dépense enregistrée.")

    phone.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("expenses-offline")).to_contain_text("dernière connexion")
    taxi = page.get_by_test_id("expense-line").filter(has_text="Taxi")
    expect(taxi).to_have_count(1)
    file("meal", "45,50", "Déjeuner", photo=True)
    expect(page.get_by_test_id("expense-status")).to_contain_text("au retour du réseau")
    file("train", "12,00", "Train annulé")
    queued = page.get_by_test_id("expense-queued")
    expect(queued).to_have_count(2)

    # Edit the lunch before it was ever sent: the form shows its values; its photo is replaced
    # by another (the first is forgotten on the phone, never uploaded).
    queued.filter(has_text="Repas").get_by_role("button", name="Modifier").click()
    editing = page.get_by_test_id("expense-editing")
    expect(editing.get_by_role("heading")).to_have_text("Modifier la dépense")
    expect(editing.get_by_label("Montant TTC à 10 %")).to_have_value("45,50")
    expect(editing.get_by_label("Commentaire")).to_have_value("Déjeuner")
    editing.get_by_label("Montant TTC à 10 %").fill("30,00")
    editing.get_by_label("Commentaire").fill("Déjeuner équipe")
    editing.get_by_label("Garder le justificatif 1").uncheck()
    editing.get_by_test_id("expense-files").set_input_files(
        files=[{"name": "ticket.jpg", "mimeType": "image/jpeg", "buffer": camera_photo(6)}]
    )
    expect(editing.get_by_test_id("expense-photos").locator("li")).to_have_count(1)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    assert serious_violations(page) == []
    editing.get_by_role("button", name="Enregistrer la dépense").click()
    expect(page.get_by_test_id("expense-status")).to_have_text(
        "Modification gardée sur cet appareil : elle partira au retour du réseau."
    )
    lunch = page.get_by_test_id("expense-queued").filter(has_text="Repas")
    expect(lunch).to_contain_text("30,00")
    expect(lunch).to_contain_text("Déjeuner équipe")

    # Delete the train (never sent) and the taxi (on the server).
    page.get_by_test_id("expense-queued").filter(has_text="Train").get_by_role(
        "button", name="Supprimer"
    ).click()
    expect(page.get_by_test_id("submit-status")).to_have_text(
        "Suppression gardée sur cet appareil : elle partira au retour du réseau."
    )
    expect(page.get_by_test_id("expense-queued")).to_have_count(1)
    taxi.get_by_role("button", name="Supprimer").click()
    expect(page.get_by_test_id("expense-line")).to_have_count(0)
    expect(page.get_by_test_id("photos-waiting")).to_have_text("1 justificatif en attente d'envoi")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "expense-edited-offline-390.png", full_page=True)

    page.reload()  # still offline: the queue holds the edited lunch and the two deletions
    expect(page.get_by_test_id("expense-queued")).to_have_count(1)
    expect(page.get_by_test_id("expense-queued")).to_contain_text("30,00")
    expect(page.get_by_test_id("expense-line")).to_have_count(0)
    assert [n for n in sent if n != "file_expense"] == [], sent

    phone.context.set_offline(False)
    line = page.get_by_test_id("expense-line")
    expect(line).to_have_count(1, timeout=15_000)
    expect(page.get_by_test_id("expense-queued")).to_have_count(0)
    report = page.evaluate(f"() => fetch('/api/v1/expense-reports/{month}').then(r => r.json())")
    [kept] = report["lines"]
    assert (kept["category"], kept["gross_cents"], kept["comment"]) == (
        "meal",
        3000,
        "Déjeuner équipe",
    )
    assert len(kept["receipts"]) == 1 and kept["status"] == "draft"
    assert "direct PUT" not in sent and "direct DELETE" not in sent, sent
    # The replaced photo never left the phone: the server holds the kept one only. (Read from
    # the database: Chromium does not always report an upload made under the service worker.)
    held = [sha for (sha,) in stored(demo_server, zoe, "receipt", "sha256", "owner")]
    assert held == kept["receipts"], (held, sent)
    assert sent.count("delete_expense") == 2 and "edit_expense" not in sent, sent

    # The lunch edited offline while the laptop hands it in: refused, said with the line.
    laptop = devices(1280, 900)
    laptop.page.goto(demo_server.login_url(zoe))
    laptop.page.get_by_test_id("expenses-link").click()
    phone.context.set_offline(True)
    line.get_by_role("button", name="Modifier").click()
    editing = page.get_by_test_id("expense-editing")
    editing.get_by_label("Commentaire").fill("Changement tardif")
    editing.get_by_role("button", name="Enregistrer la dépense").click()
    expect(page.get_by_test_id("expense-status")).to_contain_text("Modification gardée")
    laptop.page.get_by_test_id("submit-expenses").click()
    expect(laptop.page.get_by_test_id("submit-status")).to_have_text("1 dépense envoyée.")
    assert laptop.page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    phone.context.set_offline(False)
    refusal = page.get_by_test_id("expense-line").get_by_test_id("expense-change-rejected")
    expect(refusal).to_have_text(
        "Modification refusée : la dépense est déjà envoyée au manager Masquer", timeout=15_000
    )
    expect(page.locator("[data-testid=expense-line][data-status=submitted]")).to_have_count(1)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    page.screenshot(path=SCREENSHOTS / "expense-change-refused-390.png", full_page=True)
    refusal.get_by_role("button", name="Masquer").click()
    expect(page.get_by_test_id("expense-change-rejected")).to_have_count(0)
    assert sent.count("edit_expense") == 1, sent

    # Hand in the month's drafts offline: kept, then submitted when the network returns.
    phone.context.set_offline(True)
    page.reload()
    file("meal", "10,00", "Café client")
    expect(page.get_by_test_id("expense-queued")).to_have_count(1)
    page.get_by_test_id("submit-expenses").click()
    expect(page.get_by_test_id("submit-status")).to_have_text(
        "Remise des frais gardée sur cet appareil : elle partira au retour du réseau."
    )
    expect(page.get_by_test_id("expense-handing")).to_have_count(1)
    expect(page.get_by_test_id("submit-expenses")).to_have_count(0)
    page.reload()
    expect(page.get_by_test_id("expense-handing")).to_have_count(1)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    phone.context.set_offline(False)
    expect(page.locator("[data-testid=expense-line][data-status=submitted]")).to_have_count(
        2, timeout=15_000
    )
    report = page.evaluate(f"() => fetch('/api/v1/expense-reports/{month}').then(r => r.json())")
    assert sorted((ln["comment"], ln["status"]) for ln in report["lines"]) == [
        ("Café client", "submitted"),
        ("Déjeuner équipe", "submitted"),
    ]
    assert "submit_expenses" in sent
    assert phone.errors == [] and laptop.errors == []
