"""The back office's People tab in Chromium, on a phone and on a desktop: the administrator
invites a manager then a consultant in that manager's team through the form, gets each one's
invitation link to copy, sees them listed, changes the consultant's roles (a refusal first,
shown next to the checkboxes), gets a fresh link, and a duplicate e-mail is refused next to the
e-mail field with nothing created."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL, SCREENSHOTS, DemoServer, open_admin_tab
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

PEOPLE_JS = "() => fetch('/api/v1/people').then((r) => r.json())"


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"))


def invite(page: Page, *, name: str, email: str, roles: set[str], manager: str = "") -> None:
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Nom affiché").fill(name)
    form.get_by_label("Adresse e-mail").fill(email)
    for role, label in [("consultant", "Consultant·e"), ("manager", "Manager")]:
        form.get_by_label(label, exact=True).set_checked(role in roles)
    if manager:
        form.get_by_label("Manager (facultatif)").select_option(label=manager)
    page.get_by_test_id("invite-submit").click()


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_an_admin_invites_people_and_changes_their_roles_in_the_back_office(
    demo_server: DemoServer, devices: Any, size: tuple[int, int]
) -> None:
    """Make sure the admin invites a consultant with a manager, sees them listed with French
    labels and their last activity, changes their roles, renews their link, and a duplicate
    e-mail is refused next to its field, with no sideways scroll at 390 px and nothing
    serious for axe."""
    width, height = size
    device = devices(width, height)
    device.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=demo_server.origin
    )
    page = device.page
    suffix = uuid.uuid4().hex[:8]
    manager_name = f"Marc Manager {suffix}"
    manager_email = f"marc.{suffix}@example.fr"
    name = f"Chloé Conseil {suffix}"
    email = f"chloe.{suffix}@example.fr"

    page.goto(f"{demo_server.origin}/#demo={ADMIN_EMAIL}")
    open_admin_tab(page, "people")
    expect(page.get_by_test_id("invite-form")).to_be_visible()

    # A manager, then a consultant in their team: the new manager is offered at once.
    invite(page, name=manager_name, email=manager_email, roles={"manager"})
    expect(page.get_by_test_id("invited")).to_contain_text(f"{manager_name} est invité·e")
    invite(
        page,
        name=name,
        email=email,
        roles={"consultant"},
        manager=f"{manager_name} · {manager_email}",
    )
    invited = page.get_by_test_id("invited")
    expect(invited).to_contain_text(f"{name} est invité·e")
    expect(invited).to_contain_text("Carnet n'envoie pas ce lien par e-mail")
    link = invited.get_by_test_id("invite-url").input_value()
    assert link.startswith(f"{demo_server.origin}/#invite=")
    invited.get_by_test_id("copy-link").click()
    expect(invited.get_by_test_id("copy-status")).to_have_text("Lien copié.")
    assert page.evaluate("() => navigator.clipboard.readText()") == link

    row = page.locator(f"[data-testid=person][data-email='{email}']")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text(email)
    expect(row.get_by_test_id("role")).to_have_text(["Consultant·e"])
    expect(row.get_by_test_id("manager")).to_have_text(f"Manager : {manager_name}")
    # Last activity: the new consultant has not signed in yet; the admin is in, just now.
    expect(row.get_by_test_id("last-active")).to_have_text("Pas encore connecté·e")
    me = page.locator(f"[data-testid=person][data-email='{ADMIN_EMAIL}']")
    expect(me.get_by_test_id("last-active")).to_have_text(
        re.compile(r"^Dernière activité : \d{1,2} \S+ \d{4}.* \d{1,2} h \d{2}$")
    )
    assert no_sideways_scroll(page)

    # Roles: none at all is refused next to the checkboxes, and nothing changes.
    row.get_by_test_id("edit-roles").click()
    row.get_by_test_id("edit-role-consultant").uncheck()
    row.get_by_test_id("save-roles").click()
    expect(row.get_by_test_id("roles-error")).to_have_text("Choisissez au moins un rôle.")
    assert serious_violations(page) == []
    assert no_sideways_scroll(page)
    row.get_by_test_id("edit-role-consultant").check()
    row.get_by_test_id("edit-role-manager").check()
    row.get_by_test_id("save-roles").click()
    expect(row.get_by_test_id("roles-saved")).to_have_text(f"Rôles de {name} enregistrés.")
    expect(row.get_by_test_id("role")).to_have_text(["Consultant·e", "Manager"])

    # A fresh link replaces the first one.
    row.get_by_test_id("reinvite").click()
    renewed = row.get_by_test_id("reinvited").get_by_test_id("invite-url").input_value()
    assert renewed.startswith(f"{demo_server.origin}/#invite=") and renewed != link

    # Bad fields are refused each next to its own field; a signer needs a client company.
    invite(page, name=" ", email="pas-une-adresse", roles={"consultant"})
    expect(page.locator("#invite-name-error")).to_have_text(
        "Indiquez un nom (120 caractères au plus)."
    )
    expect(page.locator("#invite-email-error")).to_have_text(
        "Adresse e-mail invalide (exemple : prenom.nom@entreprise.fr)."
    )
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Nom affiché").fill(f"Sam Signataire {suffix}")
    form.get_by_label("Adresse e-mail").fill(f"sam.{suffix}@client.example")
    form.get_by_label("Consultant·e").uncheck()
    form.get_by_label("Signataire client").check()
    expect(form.get_by_label("Manager (facultatif)")).to_be_hidden()
    page.get_by_test_id("invite-submit").click()
    expect(page.locator("#invite-client-error")).to_have_text(
        "Choisissez l'entreprise cliente du ou de la signataire."
    )
    expect(page.locator("#invite-email-error")).to_be_hidden()
    form.get_by_label("Signataire client").uncheck()

    # The same e-mail again (other case): refused next to the e-mail field.
    invite(page, name=f"Autre {suffix}", email=email.upper(), roles={"consultant"})
    expect(page.locator("#invite-email-error")).to_have_text(
        "Cette adresse e-mail est déjà enregistrée dans Carnet."
    )
    expect(page.get_by_test_id("invited")).to_have_count(0)
    assert no_sideways_scroll(page)
    assert serious_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"backoffice-people-{width}.png"), full_page=True)

    people = {p["email"]: p for p in page.evaluate(PEOPLE_JS)}
    assert sorted(people[email]["roles"]) == ["consultant", "manager"]
    assert people[email]["manager_id"] == people[manager_email]["id"]
    assert people[manager_email]["roles"] == ["manager"]
    assert not any(p["display_name"] == f"Autre {suffix}" for p in people.values())
    assert f"sam.{suffix}@client.example" not in people
    assert device.errors == []
