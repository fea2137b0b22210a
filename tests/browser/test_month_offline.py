"""The month screen end to end, offline first: service worker, IndexedDB, sync, conflicts.

Runs the real server (demo mode: `/#demo=<email>` signs in without a passkey, the passkey
flow has its own test) and Chromium with its network switched off by `context.set_offline`.
"""

from __future__ import annotations

import json
import re
import struct
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey
from tests.browser.conftest import AXE, REPO, SCREENSHOTS, Consultant, DemoServer, Device

pytestmark = pytest.mark.browser

TODAY = date.today()
MONTH = MonthKey.of(TODAY)
WORKING = [d.isoformat() for d in working_days(month=MONTH, region=CalendarRegion.METROPOLE)]
# Missions start before the month, so every day of it is open to them.
START = (MONTH.first_day - timedelta(days=1)).replace(day=1)


def cell(page: Page, who: Consultant, day: str) -> Locator:
    return page.locator(f'button.cell[data-date="{day}"][data-line="{who.mission_line}"]')


def open_month(device: Device, server: DemoServer, who: Consultant) -> Page:
    """Sign in online and wait for the month, the missions and the service worker."""
    page = device.page
    page.goto(server.login_url(who))
    expect(cell(page, who, WORKING[0])).to_be_visible()
    expect(page.get_by_test_id("last-sync")).not_to_have_text("Jamais synchronisé")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    return page


def server_month(page: Page, who: Consultant) -> dict[str, Any]:
    """GET /api/v1/people/{id}/months/{month} with the page's session."""
    url = f"/api/v1/people/{who.person_id}/months/{MONTH}"
    result: dict[str, Any] = page.evaluate(
        "(url) => fetch(url).then(async (r) => ({status: r.status, body: await r.json()}))", url
    )
    assert result["status"] == 200, result
    return dict(result["body"])


def go_online(device: Device) -> None:
    device.context.set_offline(False)


def test_a_month_filled_and_submitted_offline_reaches_the_server(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure prefill and submit work offline, survive a closed tab, and sync exactly."""
    who = demo_server.consultant("Olivia Horsligne", start=START)
    phone = devices()
    page = open_month(phone, demo_server, who)

    phone.context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("connection")).to_have_text("Hors ligne")
    page.get_by_test_id("prefill").click()  # tap 1
    for day in WORKING:
        expect(cell(page, who, day)).to_have_text("1")
    expect(page.get_by_test_id("summary")).to_contain_text("Tous les jours ouvrés sont saisis")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "month-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SCREENSHOTS / "month-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_test_id("submit").click()  # tap 2
    page.get_by_test_id("submit-confirm").click()  # tap 3
    status = page.get_by_test_id("month-status")
    expect(status).to_have_text("Statut : Soumission en attente")
    page.close()

    page = phone.new_page()
    page.goto(demo_server.origin + "/")
    expect(status := page.get_by_test_id("month-status")).to_have_text(
        "Statut : Soumission en attente"
    )
    expect(page.get_by_test_id("pending")).to_have_text(
        f"{len(WORKING) + 1} modification(s) en attente d'envoi"
    )
    expect(page.locator("button.cell.v2")).to_have_count(len(WORKING))

    go_online(phone)
    expect(status).to_have_text("Statut : Soumis")
    expect(page.get_by_test_id("pending")).to_have_text("Tout est envoyé")
    month = server_month(page, who)
    assert month["status"] == "submitted"
    assert {d["date"]: d["lines"] for d in month["days"]} == {
        day: [{"line": who.mission_line, "half_days": 2}] for day in WORKING
    }
    assert phone.errors == []


def test_two_devices_editing_the_same_day_offline_agree_and_the_loser_is_told(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure concurrent offline edits converge on one value and the overwrite is shown."""
    who = demo_server.consultant("Bastien Deuxappareils", start=START)
    laptop, phone = devices(1280), devices()
    open_month(laptop, demo_server, who)
    open_month(phone, demo_server, who)
    day = WORKING[1]

    laptop.context.set_offline(True)
    phone.context.set_offline(True)
    cell(laptop.page, who, day).click()
    cell(laptop.page, who, day).click()  # 1 → ½
    expect(cell(laptop.page, who, day)).to_have_text("½")
    cell(phone.page, who, day).click()  # the later edit wins: 1 day
    expect(cell(phone.page, who, day)).to_have_text("1")

    go_online(laptop)
    expect(laptop.page.get_by_test_id("pending")).to_have_text("Tout est envoyé")
    go_online(phone)
    expect(phone.page.get_by_test_id("pending")).to_have_text("Tout est envoyé")
    laptop.page.get_by_test_id("sync").click()

    expect(cell(laptop.page, who, day)).to_have_text("1")
    expect(cell(phone.page, who, day)).to_have_text("1")
    changed = laptop.page.get_by_test_id("changed")
    expect(changed).to_contain_text("Modifié sur un autre appareil")
    expect(changed).to_contain_text(f"votre saisie (0,5 j {who.title})")
    expect(cell(laptop.page, who, day)).to_have_class(re.compile(r"\bchanged\b"))
    expect(phone.page.get_by_test_id("changed")).to_have_count(0)
    changed.get_by_role("button").click()
    expect(changed).to_have_count(0)
    assert laptop.errors == [] and phone.errors == []


def test_edits_queued_while_the_month_was_signed_come_back_refused_with_their_values(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure a signature made while a device was offline refuses its edits, visibly."""
    who = demo_server.consultant("Sophie Signé", start=START)
    phone = devices()
    page = open_month(phone, demo_server, who)
    day = WORKING[2]

    phone.context.set_offline(True)
    cell(page, who, day).click()
    expect(page.get_by_test_id("pending")).to_have_text("1 modification(s) en attente d'envoi")
    demo_server.set_month_state(who, str(MONTH), "signed")

    go_online(phone)
    rejected = page.get_by_test_id("rejected")
    expect(rejected).to_contain_text("Modifications refusées")
    expect(rejected.get_by_test_id("rejected-item")).to_contain_text(f"1 j {who.title}")
    expect(rejected).to_contain_text("le mois était déjà signé")
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Signé")
    expect(cell(page, who, day)).to_have_text("")
    expect(page.get_by_test_id("pending")).to_have_text("Tout est envoyé")

    page.reload()  # kept, not dropped: only the person dismisses it
    expect(rejected.get_by_test_id("rejected-item")).to_have_count(1)
    rejected.get_by_role("button", name="Masquer").click()
    expect(rejected).to_have_count(0)
    assert phone.errors == []


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm install` (axe-core is a devDependency)")
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations)"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in {"serious", "critical"}
    ]


def test_sign_in_and_month_screens_have_no_serious_accessibility_violation(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure axe-core finds nothing serious on sign-in, the month and its day dialog."""
    device = devices()
    page = device.page
    page.goto(demo_server.origin + "/")
    expect(page.get_by_test_id("login")).to_be_visible()
    assert serious_violations(page) == []

    who = demo_server.consultant("Alix Accessible", start=START)
    open_month(device, demo_server, who)
    page.get_by_test_id("prefill").click()
    expect(cell(page, who, WORKING[0])).to_have_text("1")
    assert serious_violations(page) == []

    first = cell(page, who, WORKING[0])
    first.focus()
    page.keyboard.press("ArrowRight")
    expect(cell(page, who, WORKING[1])).to_be_focused()
    page.keyboard.press("Enter")  # 1 → ½
    expect(cell(page, who, WORKING[1])).to_have_text("½")
    page.keyboard.press("Shift+F10")
    expect(page.locator("dialog#day-dialog")).to_be_visible()
    assert serious_violations(page) == []
    page.keyboard.press("Escape")
    expect(page.locator("dialog#day-dialog")).to_have_count(0)
    assert device.errors == []


# Loaded on demand with import(), never on first paint (still precached by the service worker).
LAZY_MODULES = {"/js/push.js"}


def test_the_shell_preloads_every_module_and_declares_an_installable_app() -> None:
    """Make sure index.html preloads each module and the manifest has what installing needs."""
    pwa = REPO / "pwa"
    modules = {"/" + p.relative_to(pwa).as_posix() for p in (pwa / "js").rglob("*.js")}
    modules -= LAZY_MODULES
    index = (pwa / "index.html").read_text()
    assert set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', index)) == modules
    manifest = json.loads((pwa / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == manifest["scope"] == "/"
    icons = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= icons
    for icon in manifest["icons"]:
        png = (pwa / icon["src"].lstrip("/")).read_bytes()
        width, height = struct.unpack(">II", png[16:24])
        assert f"{width}x{height}" == icon["sizes"], icon
    worker = (pwa / "sw.js").read_text()
    assert '"__CARNET_SHELL_VERSION__"' in worker and '["__CARNET_SHELL_FILES__"]' in worker
