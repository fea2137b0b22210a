"""The validation circuit in Chromium: a consultant submits, sees where the month waits, and
their manager opens the month and approves it (after confirming), or sends it back with a
required comment the consultant then reads on their month screen. Real server (demo mode
sign-in), real PWA, real clicks."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey
from tests.browser.conftest import SCREENSHOTS, Consultant, DemoServer, Device
from tests.browser.test_month_offline import TODAY

pytestmark = pytest.mark.browser

MONTH = MonthKey.of(TODAY)
WORKING = [d.isoformat() for d in working_days(month=MONTH, region=CalendarRegion.METROPOLE)]
START = (MONTH.first_day - timedelta(days=1)).replace(day=1)


def submit_month(device: Device, server: DemoServer, who: Consultant) -> Page:
    page = device.page
    page.goto(server.login_url(who))
    first = page.locator(f'button.cell[data-date="{WORKING[0]}"][data-line="{who.mission_line}"]')
    expect(first).to_be_visible()
    page.get_by_test_id("prefill").click()
    expect(first).to_have_text("1")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("submit-confirm").click()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : En validation")
    return page


def open_review(page: Page, who: Consultant) -> None:
    """From the list of months to validate, open `who`'s month for review."""
    item = page.get_by_test_id("approval-item").filter(has_text=who.name)
    item.get_by_test_id("review-link").click()
    expect(page.get_by_test_id("review-title")).to_contain_text(who.name)


def approve(page: Page) -> None:
    """On a review: Approve, then confirm."""
    page.get_by_test_id("approve").click()
    page.get_by_test_id("approve-confirm").click()


def send_back(page: Page, comment: str) -> None:
    """On a review: Send back with `comment`."""
    page.get_by_test_id("send-back").click()
    page.get_by_test_id("send-back-text").fill(comment)
    page.get_by_test_id("send-back-confirm").click()


def test_a_consultant_submits_and_the_manager_approves_after_confirming(
    demo_server: DemoServer, devices: object
) -> None:
    """Make sure the month screen shows who the month waits on, and the manager's approval
    from their home screen validates it."""
    who = demo_server.consultant("Camille Circuit", start=START)
    phone = devices()  # type: ignore[operator]
    page = submit_month(phone, demo_server, who)
    expect(page.get_by_test_id("waiting-on")).to_have_text(f"En attente de Manager {who.name}")

    laptop = devices(1280, 800)  # type: ignore[operator]
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    item = manager.get_by_test_id("approval-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(who.name)
    open_review(manager, who)
    approve(manager)
    expect(manager.get_by_test_id("review-decision-status")).to_contain_text("approuvé")
    manager.get_by_test_id("review-back").click()
    expect(manager.get_by_test_id("no-approvals")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Validé")
    assert phone.errors == [] and laptop.errors == []


def test_a_send_back_needs_a_comment_and_the_consultant_reads_it(
    demo_server: DemoServer, devices: object
) -> None:
    """Make sure an empty send-back is refused in the form, and the comment sent reaches the
    consultant's month screen with the month editable again."""
    who = demo_server.consultant("Dominique Renvoi", start=START)
    phone = devices()  # type: ignore[operator]
    page = submit_month(phone, demo_server, who)

    laptop = devices(1280, 800)  # type: ignore[operator]
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    manager.goto(f"{demo_server.origin}/#approvals")  # the full-page list
    expect(manager.get_by_test_id("approvals-back")).to_be_visible()
    open_review(manager, who)
    manager.get_by_test_id("send-back").click()
    manager.get_by_test_id("send-back-confirm").click()
    form = manager.get_by_test_id("send-back-form")
    expect(form.get_by_role("alert")).to_have_text("Dites ce qu'il faut corriger.")
    manager.get_by_test_id("send-back-text").fill("Le 3 était un jour de congé")
    manager.get_by_test_id("send-back-confirm").click()
    expect(manager.get_by_test_id("review-decision-status")).to_contain_text("renvoyé")
    manager.get_by_test_id("review-back").click()
    expect(manager.get_by_test_id("no-approvals")).to_be_visible()

    page.reload()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Renvoyé pour correction")
    expect(page.get_by_test_id("send-back-comment")).to_contain_text("Le 3 était un jour de congé")
    expect(page.get_by_test_id("send-back-comment")).to_contain_text(f"Manager {who.name}")

    # Submitted again, the comment is history: folded away, no longer a task.
    page.get_by_test_id("submit").click()
    page.get_by_test_id("submit-confirm").click()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : En validation")
    expect(page.get_by_test_id("send-back-comment")).to_have_count(0)
    history = page.get_by_test_id("send-back-history")
    expect(history).to_contain_text("Renvoi précédent (corrigé depuis)")
    history.locator("summary").click()
    expect(history).to_contain_text("Le 3 était un jour de congé")
    assert phone.errors == [] and laptop.errors == []


def test_a_manager_approves_offline_and_the_decision_is_sent_when_back_online(
    demo_server: DemoServer, devices: object
) -> None:
    """Make sure an approval tapped with no network is kept on the device and sent as a sync
    mutation when the network returns, which validates the month."""
    who = demo_server.consultant("Élise Horsréseau", start=START)
    phone = devices()  # type: ignore[operator]
    page = submit_month(phone, demo_server, who)

    laptop = devices(1280, 800)  # type: ignore[operator]
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    item = manager.get_by_test_id("approval-item")
    expect(item).to_have_count(1)
    open_review(manager, who)  # opened online: kept on the device
    laptop.context.set_offline(True)
    approve(manager)
    expect(manager.get_by_test_id("queued")).to_have_text("En attente d'envoi")
    status = manager.get_by_test_id("review-decision-status")
    expect(status).to_contain_text("elle partira au retour du réseau")
    laptop.context.set_offline(False)
    expect(status).to_contain_text("Décisions envoyées")
    expect(manager.get_by_test_id("review-status")).to_have_text("Validé")
    manager.get_by_test_id("review-back").click()
    expect(manager.get_by_test_id("no-approvals")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Validé")
    assert phone.errors == [] and laptop.errors == []


def test_a_decision_queued_offline_on_a_month_changed_since_is_refused_with_its_reason(
    demo_server: DemoServer, devices: object
) -> None:
    """Make sure an approval queued offline, while the same manager sent the month back from
    another device, comes back refused and says why."""
    who = demo_server.consultant("Gaël Changé", start=START)
    submit_month(devices(), demo_server, who)  # type: ignore[operator]

    laptop = devices(1280, 800)  # type: ignore[operator]
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    open_review(manager, who)
    laptop.context.set_offline(True)
    approve(manager)
    expect(manager.get_by_test_id("queued")).to_be_visible()
    manager.get_by_test_id("review-back").click()
    expect(manager.get_by_test_id("queued")).to_be_visible()

    tablet = devices()  # type: ignore[operator]
    tablet.page.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    open_review(tablet.page, who)
    send_back(tablet.page, "Il manque la dernière semaine")
    expect(tablet.page.get_by_test_id("review-decision-status")).to_contain_text("renvoyé")

    laptop.context.set_offline(False)
    status = manager.get_by_test_id("approvals-status")
    expect(status).to_contain_text("Une décision a été refusée par le serveur")
    expect(manager.get_by_test_id("no-approvals")).to_be_visible()
    # The refusal stays listed, with whose month and why, until the manager dismisses it.
    refused = manager.get_by_test_id("refused-decision")
    expect(refused).to_contain_text(f"{who.name} · ")
    expect(refused).to_contain_text("refusé par le serveur (le mois ")
    manager.set_viewport_size({"width": 390, "height": 844})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    manager.screenshot(path=SCREENSHOTS / "approvals-refused-390.png", full_page=True)
    manager.reload()
    expect(refused).to_have_count(1)
    refused.get_by_role("button", name="Masquer").click()
    expect(refused).to_have_count(0)
    assert laptop.errors == [] and tablet.errors == []


def test_a_notifications_screen_opens_from_its_link(
    demo_server: DemoServer, devices: object
) -> None:
    """Make sure the screens notifications point to open: "#month=" the consultant's month,
    "#review=" the month waiting on the approver, open for review."""
    who = demo_server.consultant("Noé Notif", start=START)
    phone = devices()  # type: ignore[operator]
    page = submit_month(phone, demo_server, who)
    shown = page.get_by_test_id("month-title").inner_text()
    previous = (MONTH.first_day - timedelta(days=1)).strftime("%Y-%m")
    page.goto(f"{demo_server.origin}/#month={previous}")
    expect(page.get_by_test_id("month-title")).not_to_have_text(shown)
    expect(page.get_by_test_id("month-status")).not_to_have_text("Statut : En validation")
    assert "#month=" not in page.url, "the link is taken once"

    laptop = devices(1280, 800)  # type: ignore[operator]
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    manager.goto(f"{demo_server.origin}/#review={who.person_id}/{MONTH}")
    expect(manager.get_by_test_id("review-title")).to_contain_text(who.name)
    expect(manager.get_by_test_id("approve")).to_be_visible()
    assert phone.errors == [] and laptop.errors == []


def test_a_consultant_withdraws_a_submission_until_the_manager_approves(
    demo_server: DemoServer, devices: object
) -> None:
    """Make sure the consultant takes back a month nobody has acted on (editable again, then
    submitted anew), and that once the manager approved, the same button says why it cannot."""
    who = demo_server.consultant("Wassim Retrait", start=START)
    phone = devices()  # type: ignore[operator]
    page = submit_month(phone, demo_server, who)
    page.get_by_test_id("withdraw").click()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Brouillon")
    first = page.locator(f'button.cell[data-date="{WORKING[0]}"][data-line="{who.mission_line}"]')
    first.click()  # editable again: 1 → ½
    expect(first).to_have_text("½")
    page.get_by_test_id("submit").click()
    page.get_by_test_id("submit-confirm").click()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : En validation")
    withdraw = page.get_by_test_id("withdraw")
    expect(withdraw).to_be_visible()

    # The phone hears nothing of the approval (its sync loop would otherwise redraw the panel
    # without the button, one run in a few): it still shows the panel it read before.
    page.route("**/api/v1/sync", lambda route: route.abort("internetdisconnected"))
    laptop = devices(1280, 800)  # type: ignore[operator]
    manager = laptop.page
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    open_review(manager, who)
    approve(manager)
    expect(manager.get_by_test_id("review-decision-status")).to_contain_text("approuvé")

    withdraw.click()
    expect(page.get_by_test_id("circuit").get_by_role("alert")).to_have_text(
        "ce mois a déjà été approuvé : il ne peut plus être retiré"
    )
    page.unroute("**/api/v1/sync")
    page.reload()
    expect(page.get_by_test_id("month-status")).to_have_text("Statut : Validé")
    expect(page.get_by_test_id("withdraw")).to_have_count(0)
    assert phone.errors == [] and laptop.errors == []


def test_a_client_signer_in_the_app_sees_their_company_and_how_to_sign(
    demo_server: DemoServer, devices: object
) -> None:
    """Make sure a client signer signed into the app is greeted as the client's, is told how a
    signature happens, and sees their consultant's month, at 390 px without sideways scroll."""
    signer_email = f"lea.client.{uuid.uuid4().hex[:6]}@client.example"
    who = demo_server.consultant(
        "Yanis Client", start=START, signer_email=signer_email, signer_name="Léa Client"
    )
    submit_month(devices(), demo_server, who)  # type: ignore[operator]
    manager = devices(1280, 800).page  # type: ignore[operator]
    manager.goto(f"{demo_server.origin}/#demo={who.manager_email}")
    expect(manager.get_by_test_id("approval-item")).to_have_count(1)
    open_review(manager, who)
    approve(manager)  # the month now waits on the signer
    expect(manager.get_by_test_id("review-decision-status")).to_contain_text("approuvé")
    signer = devices()  # type: ignore[operator]
    page = signer.page
    page.goto(f"{demo_server.origin}/#demo={signer_email}")
    home = page.get_by_test_id("signer-home")
    expect(home).to_contain_text("vous attestez les jours des consultants de")
    expect(home).to_contain_text("ouvrez le lien reçu par e-mail")
    expect(page.get_by_test_id("months")).to_contain_text(who.name)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "sideways"
    assert signer.errors == []
