"""The signer's link as a person lives it: opened, left, opened again, signed; a link that no
longer opens asks for a new one; a passkey left on another device.

Real server mailing a local SMTP server, real Chromium at a phone's width (390 px) and a
desktop's (1280 px), a CDP virtual authenticator per device. Screenshots of every signer
screen go to test-results/screenshots/sign-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    ACTION_TIMEOUT_MS,
    SCREENSHOTS,
    Inbox,
    LiveServer,
    VirtualAuthenticator,
    confirm_email,
)
from tests.browser.test_month_offline import serious_violations
from tests.browser.test_signature_portal import seed, waiting_month

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
FRENCH_DATE_TIME = re.compile(r"le \w+ \d{1,2} \w+ 2026 à \d{1,2} h \d{2}")


def device(browser: Browser, viewport: dict[str, int]) -> tuple[Page, list[str]]:
    context = browser.new_context(locale="fr-FR", viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


def fits(page: Page) -> None:
    """Nothing wider than the viewport: no sideways scroll."""
    width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"horizontal overflow at {page.viewport_size}: {width}"


def shoot(page: Page, name: str) -> None:
    """A full-page screenshot at the phone's width then the desktop's, each checked for fit."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        fits(page)
        page.screenshot(path=SCREENSHOTS / f"sign-{name}-{label}.png", full_page=True)
    page.set_viewport_size(PHONE)


def test_signer_opens_the_link_leaves_opens_it_again_and_signs(
    live_server: LiveServer, browser: Browser, session_inbox: Inbox
) -> None:
    """Make sure opening the mailed link spends nothing: the signer reads the month, closes the
    page, opens the same link again and signs; the screen speaks plain French at 390 px."""
    month = waiting_month(live_server, "Claire Relais")
    page, errors = device(browser, PHONE)
    page.goto(month["link"])
    expect(page.get_by_test_id("month-heading")).to_have_text(
        "Compte rendu d'activité — novembre 2026"
    )
    fits(page)
    page.context.close()  # the signer closes the page (and the browser) without signing

    page, errors = device(browser, PHONE)
    authenticator = VirtualAuthenticator(page.context.new_cdp_session(page))
    page.goto(month["link"])
    expect(page.get_by_test_id("month-heading")).to_be_visible()
    expect(page.get_by_test_id("send-code")).to_be_visible()
    # No jargon on the main screen: version and fingerprint wait under "Détails".
    expect(page.get_by_test_id("details")).to_contain_text("Détails")
    expect(page.get_by_test_id("document-hash")).to_be_hidden()
    expect(page.get_by_test_id("version")).to_be_hidden()
    assert "Version" not in page.locator("main > section").first.inner_text()
    shoot(page, "month")
    page.get_by_test_id("details").locator("summary").click()
    expect(page.get_by_test_id("document-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    shoot(page, "details")
    assert serious_violations(page) == []

    # The same link opened on another device meanwhile takes the link's session over; this
    # page opens the link again by itself at its next step.
    other, other_errors = device(browser, PHONE)
    other.goto(month["link"])
    expect(other.get_by_test_id("month-heading")).to_be_visible()
    other.context.close()
    confirm_email(page, session_inbox, month["email"])
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("sign")).to_be_visible()
    assert len(authenticator.credentials()) == 1
    page.get_by_test_id("sign").click()
    signed = page.get_by_test_id("signed")
    expect(signed).to_contain_text("Compte rendu signé le")
    text = signed.inner_text()
    assert FRENCH_DATE_TIME.search(text), text
    assert not re.search(r"\d{4}-\d{2}-\d{2}|T\d{2}:", text), f"an ISO stamp on screen: {text}"
    assert seed(live_server, "state", "--month-id", month["month_id"]) == {
        "status": "signed",
        "signatures": "1",
    }
    shoot(page, "signed")
    assert serious_violations(page) == []

    # The month is signed: the same link, opened anywhere else, says so in plain words.
    elsewhere, elsewhere_errors = device(browser, PHONE)
    elsewhere.goto(month["link"])
    expect(elsewhere.get_by_test_id("link-refused")).to_contain_text("déjà été signé")
    expect(elsewhere.get_by_test_id("request-link")).to_have_count(0)
    assert errors == [] and other_errors == [] and elsewhere_errors == []


def test_signer_asks_for_a_new_link_and_signs_on_a_device_without_their_passkey(
    live_server: LiveServer, browser: Browser, session_inbox: Inbox
) -> None:
    """Make sure a replaced link offers a new one, mailed to the signer's own address, and a
    passkey left on the phone gets a clear screen: enrolling the laptop signs the month."""
    month = waiting_month(live_server, "Denis Portable")
    phone, phone_errors = device(browser, PHONE)
    VirtualAuthenticator(phone.context.new_cdp_session(phone))
    phone.goto(month["link"])
    confirm_email(phone, session_inbox, month["email"])
    phone.get_by_test_id("register").click()
    expect(phone.get_by_test_id("sign")).to_be_visible()  # the passkey lives on the phone

    old_link = month["link"]
    seed(live_server, "link", "--month-id", month["month_id"])  # a reminder replaced it
    laptop, laptop_errors = device(browser, DESKTOP)
    laptop_keys = VirtualAuthenticator(laptop.context.new_cdp_session(laptop))
    laptop.goto(old_link)
    expect(laptop.get_by_test_id("link-refused")).to_contain_text("a expiré")
    shoot(laptop, "link-expired")
    session_inbox.messages.clear()
    laptop.get_by_test_id("request-link").click()
    expect(laptop.get_by_test_id("link-requested")).to_contain_text("Demande envoyée")
    shoot(laptop, "link-requested")
    laptop.get_by_test_id("lang").click()
    expect(laptop.get_by_test_id("link-requested")).to_contain_text("Request sent")
    expect(laptop.get_by_test_id("request-link")).to_have_count(0)
    laptop.get_by_test_id("lang").click()
    mail = session_inbox.wait_for(month["email"], subject="à signer")
    plain, _ = session_inbox.texts(mail)
    fresh = next(word for word in str(plain).split() if "/sign/#t=" in word).rstrip(".")
    assert fresh != old_link

    laptop.goto(fresh)
    laptop.get_by_test_id("sign").click()
    not_here = laptop.get_by_test_id("not-here")
    expect(not_here).to_have_text("Votre clé d'accès n'a pas été utilisée")
    expect(laptop.get_by_test_id("retry")).to_be_visible()
    shoot(laptop, "passkey-elsewhere")
    assert serious_violations(laptop) == []
    laptop.get_by_test_id("enrol-here").click()
    confirm_email(laptop, session_inbox, month["email"])
    laptop.get_by_test_id("register").click()
    expect(laptop.get_by_test_id("sign")).to_be_visible()
    assert len(laptop_keys.credentials()) == 1
    laptop.get_by_test_id("sign").click()
    expect(laptop.get_by_test_id("signed")).to_contain_text("Compte rendu signé le")
    assert seed(live_server, "state", "--month-id", month["month_id"]) == {
        "status": "signed",
        "signatures": "1",
    }
    assert phone_errors == [] and laptop_errors == []
