"""The administrator's firm settings in Chromium: reminders and the signature policy, set in
the app (not only through the API), with each refusal shown under its field."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_EMAIL, SCREENSHOTS, DemoServer, wait_signed_in
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


REFUSE_SYNCED = "Refuser les clés d'accès synchronisées pour signer"


def test_an_admin_sets_reminders_and_the_signature_policy_in_the_app(
    demo_server: DemoServer, devices: Any
) -> None:
    """Make sure the admin reaches the settings from home, a bad hour is refused under its field
    and saves nothing, good values are kept, and the page fits a phone."""
    phone = devices()
    page = phone.page
    page.goto(f"{demo_server.origin}/#demo={ADMIN_EMAIL}")
    # Signed in once the demo login has answered: a home drawn before it may be drawn again.
    wait_signed_in(page)
    page.get_by_test_id("settings-link").click()
    reminders = page.get_by_test_id("reminder-settings")
    hour = reminders.get_by_label("Heure d'envoi (0 à 23)")
    original = hour.input_value()

    hour.fill("25")
    reminders.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#send_hour-error")).to_be_visible()
    expect(reminders.get_by_role("status")).to_have_text(
        "Non enregistré : corrigez le champ signalé."
    )
    page.reload()
    expect(hour).to_have_value(original)  # nothing was saved

    hour.fill("7")
    reminders.get_by_role("button", name="Enregistrer").click()
    expect(reminders.get_by_role("status")).to_have_text("Enregistré.")
    policy = page.get_by_test_id("signature-policy")
    policy.get_by_label(REFUSE_SYNCED).check()
    policy.get_by_role("button", name="Enregistrer").click()
    expect(policy.get_by_role("status")).to_have_text("Enregistré.")

    page.reload()
    expect(hour).to_have_value("7")
    expect(policy.get_by_label(REFUSE_SYNCED)).to_be_checked()
    served = page.evaluate(
        "() => fetch('/api/v1/organisation/signature-policy').then((r) => r.json())"
    )
    assert served == {"refuse_synced_passkeys": True}
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "settings-390.png", full_page=True)

    # The demo server is shared: put the firm back as it was.
    hour.fill(original)
    reminders.get_by_role("button", name="Enregistrer").click()
    expect(reminders.get_by_role("status")).to_have_text("Enregistré.")
    policy.get_by_label(REFUSE_SYNCED).uncheck()
    policy.get_by_role("button", name="Enregistrer").click()
    expect(policy.get_by_role("status")).to_have_text("Enregistré.")
    assert phone.errors == []
