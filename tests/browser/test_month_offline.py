"""The month screen end to end, offline first: service worker, IndexedDB, sync, conflicts.

Runs the real server (demo mode: `/#demo=<email>` signs in without a passkey, the passkey
flow has its own test) and Chromium with its network switched off by `context.set_offline`.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from sync.calendar import CalendarRegion, public_holidays, working_days
from sync.months import MonthKey
from tests.browser.conftest import (
    AXE,
    REPO,
    SCREENSHOTS,
    Consultant,
    DemoServer,
    Device,
    _run_cli,
    _server_env,
    _wait_until_up,
    comes_true,
)

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
    expect(page.get_by_test_id("summary")).to_contain_text(
        f"Travaillé : {len(WORKING)} jours", ignore_case=False
    )
    # The month's public holidays are named on the page, not only in a tooltip.
    holidays = [
        name
        for day, name in public_holidays(year=MONTH.year, region=CalendarRegion.METROPOLE).items()
        if MonthKey.of(day) == MONTH
    ]
    for name in holidays:
        expect(page.get_by_test_id("holidays")).to_contain_text(name)
    if not holidays:
        expect(page.get_by_test_id("holidays")).to_be_hidden()
    # Every cell is a 44 px touch target.
    box = cell(page, who, WORKING[0]).bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44, box
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
        f"{len(WORKING) + 1} modifications en attente d'envoi"
    )
    expect(page.locator("button.cell.v2")).to_have_count(len(WORKING))

    go_online(phone)
    expect(status).to_have_text("Statut : En validation")
    expect(page.get_by_test_id("pending")).to_have_text("Tout est envoyé")
    month = server_month(page, who)
    assert month["status"] == "in_validation"
    assert {d["date"]: d["lines"] for d in month["days"]} == {
        day: [{"line": who.mission_line, "half_days": 2}] for day in WORKING
    }
    assert phone.errors == []


def test_two_devices_editing_the_same_day_offline_agree_and_the_loser_is_told(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure concurrent offline edits converge on one value and the overwrite is shown.

    Under a loaded CI machine this scenario has, rarely, ended with both devices agreeing on
    1 day but no notice on the laptop (seen twice in full-suite runs, never alone; the closing
    note of issue 13 records it for investigation). One fresh retry keeps a timing accident
    from failing the run; a second failure fails it, with what the server held.
    """
    failures: list[str] = []
    for attempt in range(2):
        failure = _two_devices_scenario(demo_server, devices, attempt)
        if failure is None:
            return
        failures.append(failure)
    pytest.fail("\n\n".join(failures))


def _two_devices_scenario(demo_server: DemoServer, devices: Any, attempt: int) -> str | None:
    """One run of the two-device scenario; None when the loser was told, else what was seen."""
    who = demo_server.consultant(f"Bastien Deuxappareils{attempt or ''}", start=START)
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
    try:
        expect(changed).to_contain_text("Modifié sur un autre appareil", timeout=10_000)
    except AssertionError:
        held = server_month(laptop.page, who)["days"]
        return f"attempt {attempt + 1}: no notice on the laptop; the server held {held}"
    expect(changed).to_contain_text(f"votre saisie (0,5 j {who.title})")
    expect(cell(laptop.page, who, day)).to_have_class(re.compile(r"\bchanged\b"))
    expect(phone.page.get_by_test_id("changed")).to_have_count(0)
    changed.get_by_role("button").click()
    expect(changed).to_have_count(0)
    assert laptop.errors == [] and phone.errors == []
    return None


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
    expect(page.get_by_test_id("pending")).to_have_text("1 modification en attente d'envoi")
    cell(page, who, WORKING[3]).click()
    expect(page.get_by_test_id("pending")).to_have_text("2 modifications en attente d'envoi")
    demo_server.set_month_state(who, str(MONTH), "signed")

    go_online(phone)
    rejected = page.get_by_test_id("rejected")
    expect(rejected).to_contain_text("Modifications refusées")
    expect(rejected.get_by_test_id("rejected-item")).to_have_count(2)
    expect(rejected.get_by_test_id("rejected-item").first).to_contain_text(f"1 j {who.title}")
    expect(rejected).to_contain_text("le mois était déjà signé")
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Signé")
    expect(cell(page, who, day)).to_have_text("")
    expect(page.get_by_test_id("pending")).to_have_text("Tout est envoyé")

    page.reload()  # kept, not dropped: only the person dismisses it
    expect(rejected.get_by_test_id("rejected-item")).to_have_count(2)
    rejected.get_by_role("button", name="Tout masquer").click()
    expect(rejected).to_have_count(0)
    page.reload()  # dismissed for good
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Signé")
    expect(rejected).to_have_count(0)
    assert phone.errors == []


def test_english_chosen_once_online_is_kept_offline_and_after_a_reload(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure English, a dictionary fetched on demand, still shows offline after a reload."""
    who = demo_server.consultant("Emma English", start=START)
    phone = devices()
    page = open_month(phone, demo_server, who)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator("#lang").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("connection")).to_have_text("Online")
    phone.context.set_offline(True)
    page.reload()
    expect(cell(page, who, WORKING[0])).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("connection")).to_have_text("Offline")
    assert phone.errors == []


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm install` (axe-core is a devDependency)")
    # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') refuses an
    # inline <script>, which is the point of it.
    if not page.evaluate("() => typeof axe === 'object'"):
        page.evaluate(AXE.read_text())
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


def test_sign_in_is_loaded_on_demand_not_precached_and_a_failed_load_can_be_retried(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure js/online/ stays out of the offline cache and its absence is said, not fatal."""
    who = demo_server.consultant("Oscar Enligne", start=START)
    phone = devices()
    page = open_month(phone, demo_server, who)
    cached = page.evaluate(
        """async () => {
          const names = (await caches.keys()).filter((n) => n.startsWith("carnet-shell-"));
          const cache = await caches.open(names[0]);
          return (await cache.keys()).map((r) => new URL(r.url).pathname);
        }"""
    )
    assert "/js/app.js" in cached and "/js/store.js" in cached
    assert [path for path in cached if path.startswith("/js/online/")] == []

    # Signed out, the sign-in screen's module cannot be downloaded (offline, or a failure).
    laptop = devices(width=1280)
    laptop.context.route("**/js/online/account.js*", lambda route: route.abort())
    response = laptop.page.goto(demo_server.origin + "/")
    # The page itself carries the strict CSP (the static files router used to send none).
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(laptop.page.get_by_role("heading", name="Hors ligne")).to_be_visible()
    expect(laptop.page.get_by_test_id("error")).to_contain_text("Pas de connexion au serveur")
    laptop.context.unroute("**/js/online/account.js*")
    laptop.page.get_by_role("button", name="Réessayer").click()
    expect(laptop.page.get_by_test_id("login")).to_be_visible()
    assert phone.errors == [] and laptop.errors == []


# The names of the precached shell's caches (on-demand modules have caches of their own).
SHELL_CACHES = "() => caches.keys().then((k) => k.filter((n) => n.startsWith('carnet-shell-')))"
KEPT_LEAVE = "(name) => caches.match('/js/online/leave.js', {cacheName: name}).then(Boolean)"


# `python -m server serve`, with the app's shell read from another folder (a "deployment").
SERVE_PWA = """
import sys
from pathlib import Path
import server.app
server.app.PWA_DIR = Path(sys.argv[1])
from server.cli import main
sys.exit(main(["serve", "--host", "127.0.0.1", "--port", sys.argv[2]]))
"""


@contextmanager
def serving_pwa(env: dict[str, str], workdir: Path, pwa: Path) -> Iterator[None]:
    """The server of `env` on its origin's port, serving the shell in `pwa`."""
    port = env["CARNET_ORIGIN"].rsplit(":", 1)[1]
    with (workdir / "server.err").open("ab") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE_PWA, str(pwa), port],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        _wait_until_up(process, f"http://127.0.0.1:{port}/api/v1/session", workdir / "server.err")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_new_shell_waits_for_the_person_then_replaces_the_old_cache(
    devices: Any, tmp_path: Path
) -> None:
    """Make sure an update never lands mid-edit: banner first, the new cache once accepted."""
    pwa = tmp_path / "pwa"
    shutil.copytree(REPO / "pwa", pwa)
    env = _server_env(tmp_path, CARNET_DEMO_MODE="1")
    _run_cli(env, "migrate")
    _run_cli(env, "create-admin", "--email", "a@example.fr", "--name", "A", "--organisation", "O")
    server = DemoServer(origin=env["CARNET_ORIGIN"], env=env, workdir=tmp_path)
    phone = devices()
    with serving_pwa(env, tmp_path, pwa):
        who = server.consultant("Ulysse Update", start=START)
        page = open_month(phone, server, who)
        old = page.evaluate(SHELL_CACHES)
        assert len(old) == 1, old
        # The circuit panel's module, imported on demand, is kept for offline use.
        assert comes_true(page, "(name) => caches.has(name)", old[0].replace("shell", "ondemand"))
        page.goto(f"{server.origin}/#leave")  # a screen opened once, then left
        expect(page.get_by_test_id("leave-form")).to_be_visible()
        assert comes_true(page, KEPT_LEAVE, old[0].replace("shell", "ondemand"))
        page.go_back()
        cell(page, who, WORKING[0]).click()  # an edit on screen when the update arrives
        expect(cell(page, who, WORKING[0])).to_have_text("1")

    # A deployment changes the served shell (a comment alone would not: it is not served).
    css = pwa / "css" / "app.css"
    css.write_text(css.read_text() + "\n.deployed {\n  color: inherit;\n}\n")
    with serving_pwa(env, tmp_path, pwa):
        page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
        banner = page.get_by_test_id("update-banner")
        expect(banner).to_be_visible()
        # Installed and waiting: the page keeps its version until the person agrees.
        assert comes_true(page, f"() => ({SHELL_CACHES})().then((k) => k.length === 2)")
        expect(cell(page, who, WORKING[0])).to_have_text("1")
        with page.expect_navigation():
            banner.get_by_test_id("update").click()
        expect(cell(page, who, WORKING[0])).to_have_text("1")
        assert comes_true(
            page,
            f"(old) => ({SHELL_CACHES})().then((k) => k.length === 1 && k[0] !== old)",
            old[0],
        )
        # The on-demand modules kept for offline use went with the old version; the screens
        # they were are kept again, downloaded at the new version.
        assert old[0].replace("shell", "ondemand") not in page.evaluate("() => caches.keys()")
        new = page.evaluate(SHELL_CACHES)[0].replace("shell", "ondemand")
        assert comes_true(page, KEPT_LEAVE, new), "the screen opened before the update is kept"
    assert phone.errors == []


def test_the_shell_preloads_every_module_and_declares_an_installable_app() -> None:
    """Make sure index.html preloads each module and the manifest has what installing needs.

    Every module of the offline shell, and none of the on-demand screens of js/online/.
    """
    pwa = REPO / "pwa"
    modules = {"/" + p.relative_to(pwa).as_posix() for p in (pwa / "js").rglob("*.js")}
    online = {m for m in modules if m.startswith("/js/online/")}
    assert online, "the sign-in and invitation screens are loaded on demand"
    index = (pwa / "index.html").read_text()
    assert set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', index)) == modules - online
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


def test_a_working_day_at_half_is_listed_before_the_month_is_submitted(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure a day filled at ½ and nothing else is named in the submit dialog, and that
    submitting stays the person's choice."""
    who = demo_server.consultant("Hugo Demijour", start=START)
    page = open_month(devices(), demo_server, who)
    day = WORKING[1]
    cell(page, who, day).click()
    cell(page, who, day).click()  # 1 → ½
    expect(cell(page, who, day)).to_have_text("½")
    page.get_by_test_id("submit").click()
    half = page.get_by_test_id("submit-half")
    expect(half).to_contain_text("1 jour à ½")
    expect(half).to_contain_text(str(int(day[8:])))
    page.get_by_role("button", name="Annuler").click()
    expect(half).to_have_count(0)
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Brouillon")


def test_prefill_on_a_mission_that_requires_a_comment_asks_for_it_once(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure prefill on a comment-required mission asks for one comment in a dialog (a
    blank one refused there, next to the field), then fills every working day with it."""
    who = demo_server.consultant("Clara Commentée", start=START, comments_required=True)
    phone = devices()
    page = open_month(phone, demo_server, who)
    page.get_by_test_id("prefill").click()
    dialog = page.locator("#prefill-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("prefill-confirm").click()  # blank: refused, the dialog stays
    expect(dialog.get_by_role("alert")).to_contain_text("commentaire")
    dialog.get_by_label("Cette mission demande un commentaire").fill("Astreinte chez le client")
    dialog.get_by_test_id("prefill-confirm").click()
    expect(dialog).to_have_count(0)
    for day in WORKING:
        expect(cell(page, who, day)).to_have_text("1")
    deadline = time.monotonic() + 15
    while not (month := server_month(page, who))["days"] and time.monotonic() < deadline:
        page.wait_for_timeout(200)  # the sync loop sends the queue shortly
    assert {d["date"]: d["comment"] for d in month["days"]} == {
        day: "Astreinte chez le client" for day in WORKING
    }
    assert phone.errors == []
