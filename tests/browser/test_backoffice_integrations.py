"""The back office's Integrations tab in Chromium, on a phone (390×844) and a laptop
(1280×800), on `carnet demo` data served for this module alone, with a webhook receiver on
127.0.0.1 (the operator allows private targets here) and the outbox worker polling each second.

- A token without a permission is refused under the permissions; then a token to read the
  months is created and shown once: a script (httpx, no cookie) reads the month list with it,
  and once the tab is drawn again the token is nowhere on the page.
- A webhook to the receiver is added (its secret shown once), a test event sent: the receiver
  gets it with a valid signature and the delivery log shows it sent with its status.

No sideways scroll at 390 px; axe finds nothing serious."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BrowserPage, DemoCopies, _serving, open_admin_tab
from tests.browser.test_backoffice_organisation import checked, open_tab

pytestmark = pytest.mark.browser


class Receiver:
    """Keeps each POST's event, and whether its signature verifies with `secret`."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: list[dict[str, Any]] = []

    def verify(self, header: str, body: bytes) -> bool:
        parts = dict(item.split("=", 1) for item in header.split(","))
        if abs(time.time() - int(parts["t"])) > 300:
            return False
        mac = hmac.new(self.secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
        return hmac.compare_digest(mac.hexdigest(), parts["v1"])


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                {
                    "event": self.headers["Carnet-Event"],
                    "verified": state.verify(self.headers["Carnet-Signature"], body),
                    "body": json.loads(body),
                }
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/carnet"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def demo_origin(
    chromium_path: Path, demo_copies: DemoCopies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("integrations_demo")
    env = demo_copies.env(
        workdir, CARNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS="1", CARNET_NOTIFICATION_POLL_SECONDS="1"
    )
    with _serving(env, workdir):
        yield env["CARNET_ORIGIN"]


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_creates_a_token_shown_once_and_a_webhook_that_delivers(
    browser_page: BrowserPage,
    demo_origin: str,
    receiver: tuple[Receiver, str],
    width: int,
    height: int,
) -> None:
    """Make sure the administrator does integrations in the app: a token (refused without a
    permission, then shown once and working for a script), a webhook whose test event reaches
    the receiver signed and shows in the delivery log."""
    state, url = receiver
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    open_tab(page, demo_origin, "integrations")
    form = page.get_by_test_id("token-form")
    form.get_by_label("Nom (à quoi sert-il ?)").fill(f"Paie {width}")
    form.get_by_role("button", name="Créer le jeton").click()
    expect(page.locator("#token-scopes-error")).to_have_text("Cochez au moins une autorisation.")
    expect(page.get_by_test_id("token-shown")).to_be_hidden()
    checked(page, width, "integrations-refused")

    form.get_by_label("Lire les CRA").check()
    form.get_by_role("button", name="Créer le jeton").click()
    shown = page.get_by_test_id("token-shown").locator("code")
    expect(shown).to_contain_text("carnet_")
    token = shown.inner_text().strip()
    expect(page.get_by_test_id("token-list")).to_contain_text(f"Paie {width}")
    with httpx.Client(base_url=demo_origin) as script:
        months = script.get("/api/v1/months", headers={"Authorization": f"Bearer {token}"})
    assert months.status_code == 200, months.text
    assert months.json(), "the demo firm has months"
    checked(page, width, "integrations-token")

    hooks = page.get_by_test_id("webhook-form")
    hooks.get_by_label("Adresse (https://…)").fill(url)
    hooks.get_by_label("CRA envoyé").check()
    hooks.get_by_label("Congé accepté").check()
    hooks.get_by_label("Ligne de frais validée").check()
    hooks.get_by_role("button", name="Ajouter le webhook").click()
    secret = page.get_by_test_id("webhook-secret").locator("code")
    expect(secret).to_contain_text("whsec_")
    state.secret = secret.inner_text().strip()
    item = page.get_by_test_id("webhook-item").filter(has_text=url).first
    expect(item).to_contain_text("actif · CRA envoyé, Congé accepté, Ligne de frais validée")
    before = len(state.received)
    item.get_by_test_id("webhook-test").click()
    panel = page.get_by_test_id("admin-panel")
    expect(panel.get_by_role("status").filter(has_text="Événement de test")).to_be_visible()
    deadline = time.monotonic() + 20
    while len(state.received) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [(r["event"], r["verified"]) for r in state.received[before:]] == [("ping", True)]
    item.get_by_test_id("webhook-log").click()
    log = item.get_by_test_id("delivery-log")
    expect(log.get_by_test_id("delivery-item").first).to_contain_text("Test · tentative 1 · 204")
    expect(log.get_by_test_id("delivery-item").first).to_contain_text("envoyé")
    checked(page, width, "integrations-webhook")

    # Drawn again, the tab never shows the token nor the secret.
    open_admin_tab(page, "people")
    open_admin_tab(page, "integrations")
    expect(page.get_by_test_id("token-list")).to_contain_text(f"Paie {width}")
    content = page.content()
    assert token not in content and state.secret not in content

    # In English too.
    page.locator("#lang").select_option("en")
    # The back office drawn again in English (its tabs too) before a tab is opened in it.
    expect(page.get_by_role("tab", name="Integrations")).to_be_visible()
    open_admin_tab(page, "integrations")
    expect(page.get_by_role("heading", level=2, name="API tokens")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Webhooks")).to_be_visible()
    item = page.get_by_test_id("webhook-item").filter(has_text=url).first
    expect(item).to_contain_text(
        "active · Report submitted, Leave approved, Expense line approved"
    )
    item.get_by_role("button", name="Delivery log").click()
    expect(item.get_by_test_id("delivery-item").first).to_contain_text("Test · attempt 1 · 204")
    expect(item.get_by_test_id("delivery-item").first).to_contain_text("sent")
    checked(page, width, "integrations-en")
    page.locator("#lang").select_option("fr")
