"""The back office's People tab in Chromium, on a phone and on a desktop: the administrator
invites a consultant (Carnet e-mails the link, and says so), deactivates them after a
confirmation in the page that says what it does, sees the "Désactivé·e" badge while the
person's open session has ended (and a new link for them is refused in the row), then
reactivates them and they sign in again.

The server here is a demo server (``/#demo=<email>`` signs anyone in) that also mails through a
local SMTP server, so the invitation e-mail is proved end to end; the shared ``demo_server``
has no SMTP, where the tab still says the link is not e-mailed (test_backoffice_people.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    ORGANISATION,
    SCREENSHOTS,
    DemoServer,
    Inbox,
    _create_admin,
    _run_cli,
    _server_env,
    _serving,
    _smtp,
    mail_env,
    open_admin_tab,
    wait_signed_in,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

ME_STATUS_JS = "() => fetch('/api/v1/me').then((r) => r.status)"
PEOPLE_JS = "() => fetch('/api/v1/people').then((r) => r.json())"


@pytest.fixture(scope="module")
def mailing_demo_server(
    chromium_path: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DemoServer, Inbox]]:
    """A demo server of its own that mails through a local SMTP server."""
    with _smtp() as inbox:
        workdir = tmp_path_factory.mktemp("mailing_demo_server")
        env = _server_env(workdir, CARNET_DEMO_MODE="1", **mail_env(inbox))
        _run_cli(env, "migrate")
        _create_admin(env, email=ADMIN_EMAIL, name=ADMIN_NAME, organisation=ORGANISATION)
        with _serving(env, workdir):
            yield DemoServer(origin=env["CARNET_ORIGIN"], env=env, workdir=workdir), inbox


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_an_admin_deactivates_then_reactivates_a_person_in_the_back_office(
    mailing_demo_server: tuple[DemoServer, Inbox], devices: Any, size: tuple[int, int]
) -> None:
    """Make sure the invitation link is e-mailed and the page says so; deactivation asks for a
    confirmation saying sessions end and history stays, ends the person's open session and
    shows the badge; reactivation removes it and the person signs in again; no sideways
    scroll at 390 px and nothing serious for axe."""
    server, inbox = mailing_demo_server
    width, height = size
    suffix = uuid.uuid4().hex[:8]
    name = f"Denis Départ {suffix}"
    email = f"denis.{suffix}@example.fr"
    admin = devices(width, height)
    page = admin.page

    page.goto(f"{server.origin}/#demo={ADMIN_EMAIL}")
    open_admin_tab(page, "people")
    # The hub opens the People tab by itself too: let both mounts finish before typing, or
    # the later one redraws the form under the test's hands.
    expect(page.get_by_test_id("people-list")).to_contain_text(ADMIN_NAME)
    page.wait_for_load_state("networkidle")
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Nom affiché").fill(name)
    form.get_by_label("Adresse e-mail").fill(email)
    page.get_by_test_id("invite-submit").click()
    invited = page.get_by_test_id("invited")
    expect(invited.get_by_test_id("link-mailed")).to_contain_text(
        f"Carnet a aussi envoyé ce lien par e-mail à {email}"
    )
    link = invited.get_by_test_id("invite-url").input_value()
    mail = inbox.wait_for(email, subject="Invitation à Carnet")
    plain, _ = inbox.texts(mail)
    assert link in plain

    # The person is signed in on their own phone.
    person = devices(390, 844)
    person.page.goto(f"{server.origin}/#demo={email}")
    wait_signed_in(person.page)

    row = page.locator(f"[data-testid=person][data-email='{email}']")
    expect(row.get_by_test_id("inactive-badge")).to_have_count(0)
    own = page.locator(f"[data-testid=person][data-email='{ADMIN_EMAIL}']")
    expect(own.get_by_test_id("deactivate")).to_have_count(0)

    # Deactivate: a confirmation in the page first; cancelling it changes nothing.
    row.get_by_test_id("deactivate").click()
    confirm = row.get_by_test_id("deactivate-confirm")
    expect(confirm).to_contain_text("Ses sessions ouvertes se terminent tout de suite")
    expect(confirm).to_contain_text("Tout son historique est conservé")
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    confirm.get_by_role("button", name="Annuler").click()
    expect(row.get_by_test_id("deactivate-confirm")).to_have_count(0)
    assert person.page.evaluate(ME_STATUS_JS) == 200

    row.get_by_test_id("deactivate").click()
    row.get_by_test_id("confirm-deactivate").click()
    expect(row.get_by_test_id("active-saved")).to_contain_text(f"{name} est désactivé·e")
    expect(row.get_by_test_id("inactive-badge")).to_have_text("Désactivé·e")
    expect(row.get_by_test_id("reactivate")).to_be_visible()
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"backoffice-deactivate-{width}.png"), full_page=True)
    assert person.page.evaluate(ME_STATUS_JS) == 401
    listed = {p["email"]: p for p in page.evaluate(PEOPLE_JS)}
    assert listed[email]["active"] is False
    # A new link for a deactivated person is refused in the row, with what to do.
    row.get_by_test_id("reinvite").click()
    expect(row.locator(".bo-person-more .error")).to_have_text(
        "Cette personne est désactivée : réactivez-la avant de lui envoyer un nouveau lien."
    )

    # Reactivate: the badge goes and the person signs in again.
    row.get_by_test_id("reactivate").click()
    expect(row.get_by_test_id("reactivate-confirm")).to_contain_text(
        "pourra de nouveau se connecter"
    )
    row.get_by_test_id("confirm-reactivate").click()
    expect(row.get_by_test_id("active-saved")).to_contain_text(f"{name} est réactivé·e")
    expect(row.get_by_test_id("inactive-badge")).to_have_count(0)
    expect(row.get_by_test_id("deactivate")).to_be_visible()
    listed = {p["email"]: p for p in page.evaluate(PEOPLE_JS)}
    assert listed[email]["active"] is True
    again = devices(390, 844)
    again.page.goto(f"{server.origin}/#demo={email}")
    wait_signed_in(again.page)
    assert admin.errors == []
