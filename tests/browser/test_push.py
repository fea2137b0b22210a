"""Web Push in a real Chromium: the page's push.js, the real service worker, the local push
service (tests/push_service.py) and the server's in-process outbox worker.

Chromium cannot create a push subscription here. In Playwright's contexts (off-the-record
profiles) `pushManager.subscribe()` fails at once with "AbortError: Registration failed -
permission denied", notification permission granted or not; in a persistent profile the
permission state is "granted" and `subscribe()` stays pending (still after 15 s): it waits for
Google's push service (FCM/GCM registration), unreachable in tests, and Chromium has no switch
to point it at another push service. So the test takes the path with the browser's own objects
up to that network boundary, from both sides:

1. the page asks for permission, fetches the VAPID key and calls `pushManager.subscribe()` with
   it (push.js `enable()`); we record that it fails at the push service and is reported as
   "failed", not thrown;
2. a subscription of the local push service (keys made like a browser's) is sent by the page's
   push.js `send()`: real session cookie, real CSRF header;
3. an event is put in the outbox; the server's own worker encrypts and VAPID-signs it for the
   local push service, which checks the JWT and decrypts the payload;
4. that exact payload is delivered to the real service worker with CDP
   `ServiceWorker.deliverPushMessage`, and the notification it shows is read back with
   `registration.getNotifications()`: title, body, language and the screen to open;
5. `deletePushSubscription` from the page removes the device on the server.

`notificationclick` and `pushsubscriptionchange` cannot be dispatched through CDP: the service
worker's handlers for them run in tests/js/sw-push.test.mjs (node:vm).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    ORGANISATION,
    REPO,
    DemoServer,
    _create_admin,
    _run_cli,
    _server_env,
    _serving,
)
from tests.browser.test_month_offline import serious_violations
from tests.push_service import PushService

pytestmark = pytest.mark.browser


@pytest.fixture
def push_server(
    chromium_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    workdir = tmp_path_factory.mktemp("push_server")
    env = _server_env(
        workdir,
        CARNET_DEMO_MODE="1",
        CARNET_PUSH_ALLOW_HTTP_LOCALHOST="1",
        CARNET_NOTIFICATION_POLL_SECONDS="0.2",
    )
    _run_cli(env, "migrate")
    _create_admin(env, email=ADMIN_EMAIL, name=ADMIN_NAME, organisation=ORGANISATION)
    with _serving(env, workdir):
        yield DemoServer(origin=env["CARNET_ORIGIN"], env=env, workdir=workdir)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


def push_seed(server: DemoServer, *args: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.push_seed", *args],
        cwd=REPO,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_notification_goes_from_the_outbox_to_the_service_worker(
    browser: Browser, push_server: DemoServer, push_service: PushService
) -> None:
    alice = push_server.consultant("Alice Martin", start=date(2026, 1, 1))
    context = browser.new_context(locale="fr-FR", service_workers="allow")
    context.grant_permissions(["notifications"], origin=push_server.origin)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        cdp = context.new_cdp_session(page)
        registrations: dict[str, str] = {}
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.update(
                {
                    r["scopeURL"]: r["registrationId"]
                    for r in event["registrations"]
                    if not r.get("isDeleted")
                }
            ),
        )
        cdp.send("ServiceWorker.enable")
        page.goto(push_server.login_url(alice))
        page.get_by_test_id("last-sync").wait_for()
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")

        # 1. The browser's own subscription attempt stops at the push service (no FCM here).
        outcome = page.evaluate("async () => (await import('/js/online/push.js')).enable()")
        assert outcome in {"failed", "subscribed"}
        chromium_subscribed = outcome == "subscribed"
        reason = page.evaluate(
            """async () => {
                const { public_key } = await (await fetch('/api/v1/push/vapid-public-key')).json();
                const registration = await navigator.serviceWorker.ready;
                try {
                    await registration.pushManager.subscribe(
                        { userVisibleOnly: true, applicationServerKey: public_key });
                    return 'subscribed';
                } catch (error) {
                    return `${error.name}: ${error.message}`;
                }
            }"""
        )

        # 2. A local push service subscription, sent by the page's own module.
        device = push_service.device("phone")
        sent = page.evaluate(
            "async (s) => (await import('/js/online/push.js')).send(s)", device.subscription()
        )
        assert sent["devices"] == (2 if chromium_subscribed else 1)

        # 3. The server's in-process worker delivers a "signed" event to the push service.
        assert push_seed(push_server, "signed", "--email", alice.email, "--month", "2026-10")[
            "inserted"
        ]
        deadline = time.monotonic() + 15
        while not device.received and time.monotonic() < deadline:
            time.sleep(0.1)
        [got] = device.received
        assert got.payload["title"] == "CRA d'octobre 2026 signé"
        assert got.payload["body"] == "Votre CRA d'octobre 2026 a été signé par Claire Client."
        assert got.payload["url"] == "/#month=2026-10" and got.payload["lang"] == "fr"

        # 4. The same payload, delivered to the real service worker, shows the notification.
        # Under load the worker may still be starting (or be replaced by a fresh version) when
        # the first message arrives, and Chromium drops a message sent to it then: deliver again
        # to the current registration until the notification shows, for up to 30 s.
        scope = push_server.origin + "/"
        shown: list[dict[str, object]] = []
        deadline = time.monotonic() + 30
        while not shown and time.monotonic() < deadline:
            if scope not in registrations:
                page.wait_for_timeout(100)
                continue
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {
                    "origin": push_server.origin,
                    "registrationId": registrations[scope],
                    "data": json.dumps(got.payload),
                },
            )
            shown = page.evaluate(
                """async () => {
                    const registration = await navigator.serviceWorker.ready;
                    for (let i = 0; i < 30; i++) {
                        const found = await registration.getNotifications();
                        if (found.length) return found.map((n) => ({
                            title: n.title, body: n.body, lang: n.lang, tag: n.tag, data: n.data,
                        }));
                        await new Promise((r) => setTimeout(r, 100));
                    }
                    return [];
                }"""
            )
        assert shown == [
            {
                "title": got.payload["title"],
                "body": got.payload["body"],
                "lang": "fr",
                "tag": "signed:2026-10",
                "data": {"url": "/#month=2026-10", "kind": "signed", "month": "2026-10"},
            }
        ]

        # 5. Turning the device off removes it on the server.
        page.evaluate(
            "async (e) => (await import('/js/online/push.js')).deletePushSubscription(e)",
            device.endpoint,
        )
        remaining = push_seed(push_server, "devices", "--email", alice.email)["devices"]
        assert device.endpoint not in remaining  # type: ignore[operator]
        print(f"\nChromium's own pushManager.subscribe(): {outcome} ({reason})")
        assert errors == []
    finally:
        context.close()


def test_a_manager_turns_reminders_on_from_the_home_screen(
    browser: Browser, push_server: DemoServer
) -> None:
    """Managers never submit a month: the home screen's toggle is where they ask for pushes.
    Headless Chromium has no push service, so the toggle reports email as the fallback."""
    context = browser.new_context(locale="fr-FR", service_workers="allow")
    context.grant_permissions(["notifications"], origin=push_server.origin)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{push_server.origin}/#demo={ADMIN_EMAIL}")
        page.get_by_test_id("greeting").wait_for()
        toggle = page.get_by_test_id("push-toggle")
        expect(toggle).to_have_text("Recevoir les rappels sur cet appareil")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        # Signing out stays the home's last action, under the reminders card.
        assert page.evaluate(
            """() => !!(document.querySelector('[data-testid=push-toggle]')
                .compareDocumentPosition(document.querySelector('[data-testid=logout]'))
                & Node.DOCUMENT_POSITION_FOLLOWING)"""
        )
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        toggle.click()
        expect(page.get_by_test_id("push-status")).to_have_text(
            "Impossible de s'abonner ici : les rappels arriveront par courriel."
        )
        expect(toggle).to_have_attribute("aria-pressed", "false")
        assert errors == []
    finally:
        context.close()


def test_a_person_mutes_leave_requests_from_the_home_screen(
    browser: Browser, push_server: DemoServer
) -> None:
    """The home screen's reminders card lists the kinds the person can receive, leave notices
    included, ticked unless muted: unticking one saves it on the server, and it stays unticked
    on reload. An administrator is not offered the consultant's kinds."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{push_server.origin}/#demo={ADMIN_EMAIL}")
        page.get_by_test_id("greeting").wait_for()
        box = page.get_by_test_id("push-kind-leave_requested")
        expect(box).to_be_checked()
        expect(page.get_by_label("un consultant de mon équipe demande des congés")).to_be_visible()
        box.uncheck()
        expect(page.get_by_test_id("push-kinds-status")).to_have_text("Préférences enregistrées.")
        saved = page.evaluate(
            "() => fetch('/api/v1/me/notification-preferences').then((r) => r.json())"
        )
        assert saved["muted"] == ["leave_requested"]
        page.reload()
        page.get_by_test_id("greeting").wait_for()
        expect(page.get_by_test_id("push-kind-leave_requested")).not_to_be_checked()
        expect(page.get_by_test_id("push-kind-waiting_on_you")).to_be_checked()
        expect(page.get_by_test_id("push-kind-leave_decided")).to_have_count(0)
        expect(page.get_by_test_id("push-kind-month_not_submitted")).to_have_count(0)
        wide = page.evaluate("() => document.documentElement.scrollWidth > innerWidth")
        assert not wide
        assert serious_violations(page) == []
        assert errors == []
    finally:
        context.close()


def test_a_consultant_is_offered_only_the_kinds_a_consultant_receives(
    browser: Browser, push_server: DemoServer
) -> None:
    """A consultant's reminders card lists their month's and their leave's notices, not the
    approvers' (no "a report waits for my approval"); muting one of theirs keeps a kind they
    cannot see muted on the server."""
    bruno = push_server.consultant("Bruno Petit", start=date(2026, 1, 1))
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(push_server.login_url(bruno))
        page.get_by_test_id("last-sync").wait_for()
        # A muted kind of another role, set earlier (say while Bruno was also a manager).
        page.evaluate(
            """() => import('/js/api.js').then((api) => api.request('PUT',
                '/me/notification-preferences', {language: 'fr', muted: ['waiting_on_you']}))"""
        )
        # The month screen is a consultant's home: "Rappels" opens the card under the circuit.
        page.get_by_test_id("reminders-link").click()
        expect(page.get_by_test_id("push-toggle")).to_be_focused()
        card = page.get_by_test_id("push-kinds")
        shown = card.locator("input").evaluate_all("(boxes) => boxes.map((b) => b.name)")
        assert shown == ["month_not_submitted", "approved", "sent_back", "signed", "leave_decided"]
        expect(page.get_by_label("un CRA attend ma validation")).to_have_count(0)
        page.get_by_test_id("push-kind-signed").uncheck()
        expect(page.get_by_test_id("push-kinds-status")).to_have_text("Préférences enregistrées.")
        saved = page.evaluate(
            "() => fetch('/api/v1/me/notification-preferences').then((r) => r.json())"
        )
        assert sorted(saved["muted"]) == ["signed", "waiting_on_you"]
        assert errors == []
    finally:
        context.close()
