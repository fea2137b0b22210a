"""The People tab's "Invite several people" in Chromium, on a phone (390×844) and a laptop
(1280×800): the administrator pastes three lines from a spreadsheet, one with a bad e-mail;
the dry run names line 2 with its reason and writes nothing; the fixed lines invite the three
people, each with their invitation link, and the list shows them; pasted again, the person
already in the firm and a repeated line are refused by line. No sideways scroll at
390 px; axe finds nothing serious."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, BrowserPage, DemoServer, wait_signed_in
from tests.browser.test_backoffice_clients import no_sideways_scroll, open_tab
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

PEOPLE_JS = (
    "() => fetch('/api/v1/people').then((r) => r.json()).then((p) => p.map((x) => x.email))"
)


def looks_right(page: Page, width: int, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=SCREENSHOTS / f"backoffice-people-paste-{name}-{width}.png", full_page=True
    )
    if width == 390:
        no_sideways_scroll(page, f"people paste, {name}")
    assert serious_violations(page) == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_invites_pasted_people_after_a_dry_run_names_the_refused_line(
    browser_page: BrowserPage, demo_server: DemoServer, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    tag = uuid.uuid4().hex[:6]
    lea, paul, zoe = (f"{n}.{tag}@exemple.fr" for n in ("lea", "paul", "zoe"))
    open_tab(page, demo_server, "people")
    wait_signed_in(page)
    panel = page.get_by_test_id("paste-invite-panel")
    lines = panel.get_by_label("Une personne par ligne : nom, e-mail, rôle (facultatif)")

    # Three lines as a spreadsheet copies them (tabs), then a semicolon and a comma line;
    # line 2's e-mail has no @.
    lines.fill(
        f"Léa Petit {tag}\t{lea}\tmanager\n"
        f"Paul Durand {tag}; paul.{tag}-at-exemple.fr\n"
        f"Zoé Roux {tag}, {zoe}, consultant\n"
    )
    panel.get_by_role("button", name="Vérifier les lignes").click()
    expect(page.get_by_test_id("paste-summary")).to_have_text("3 lignes lues, 1 refusée.")
    refused = page.get_by_test_id("paste-line").and_(page.locator("[data-line='2']"))
    expect(refused).to_contain_text("Ligne 2")
    expect(refused.get_by_test_id("paste-line-error")).to_have_text("Adresse e-mail non valable.")
    expect(page.get_by_test_id("paste-line-error")).to_have_count(1)
    expect(page.get_by_test_id("paste-invite")).to_have_count(0)
    expect(lines).to_have_attribute("aria-invalid", "true")
    emails = page.evaluate(PEOPLE_JS)
    assert lea not in emails and zoe not in emails
    looks_right(page, width, "refused")

    # Fixed: the dry run is clean, the invitation invites the three, each with their link.
    lines.fill(
        f"Léa Petit {tag}\t{lea}\tmanager\n"
        f"Paul Durand {tag}; {paul}\n"
        f"Zoé Roux {tag}, {zoe}, consultant\n"
    )
    panel.get_by_role("button", name="Vérifier les lignes").click()
    expect(page.get_by_test_id("paste-summary")).to_have_text("3 lignes lues, 0 refusée.")
    page.get_by_role("button", name="Inviter 3 personnes").click()
    expect(page.get_by_test_id("paste-done")).to_contain_text("3 personnes invitées.")
    expect(page.get_by_test_id("paste-invited")).to_have_count(3)
    links = page.get_by_test_id("paste-invite-url")
    expect(links).to_have_count(3)
    for i in range(3):
        assert "#invite" in links.nth(i).input_value()
    listed = page.get_by_test_id("people-list")
    for who in (lea, paul, zoe):
        expect(listed).to_contain_text(who)
    emails = page.evaluate(PEOPLE_JS)
    assert {lea, paul, zoe} <= set(emails)
    looks_right(page, width, "invited")

    # Pasted again: a person already in the firm and a line repeated are refused by line.
    anne = f"Anne {tag}\tanne.{tag}@exemple.fr\n"
    lines.fill(f"Léa Petit {tag}\t{lea}\n{anne}{anne}")
    panel.get_by_role("button", name="Vérifier les lignes").click()
    expect(page.get_by_test_id("paste-summary")).to_have_text("3 lignes lues, 2 refusées.")
    line = page.get_by_test_id("paste-line")
    expect(
        line.and_(page.locator("[data-line='1']")).get_by_test_id("paste-line-error")
    ).to_have_text("Déjà dans le cabinet : retirez cette ligne.")
    expect(
        line.and_(page.locator("[data-line='3']")).get_by_test_id("paste-line-error")
    ).to_have_text("Même adresse qu'une ligne plus haut.")
    expect(page.get_by_test_id("paste-invite")).to_have_count(0)
