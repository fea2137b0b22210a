"""The back office's Organisation tab, a client's identity and signers, and a person's devices,
in Chromium, on a phone (390×844) and a laptop (1280×800), on `carnet demo` data served for
this module alone (the tests change the organisation and a client).

- The administrator edits the organisation: a SIRET with a wrong check digit is refused under
  its field, fixed, saved; the reminder settings are reached from the tab.
- They edit a client's identity (a VAT number that is not the SIREN's refused under its
  field), then invite a signer from the client's panel and see them listed.
- They open a consultant's devices and end the session that consultant opened in another
  browser: that browser is signed out.
- A new consultant registers a passkey on a phone (a virtual authenticator); the phone is lost:
  the administrator revokes that last passkey, told first what it means, and the phone is
  signed out.

No sideways scroll at 390 px; axe finds nothing serious."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    SCREENSHOTS,
    BrowserPage,
    DemoCopies,
    VirtualAuthenticator,
    _serving,
    open_admin_tab,
    wait_signed_in,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

ADMIN = "claire.admin@octave.example"
CONSULTANT = "bruno.dubois@octave.example"
SIREN = "732829320"
SIRET = "73282932000074"
VAT = "FR44732829320"
CLIENT_SIREN = "552100554"
CLIENT_VAT = "FR96552100554"


@pytest.fixture(scope="module")
def demo_origin(
    chromium_path: Path, demo_copies: DemoCopies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`carnet demo --no-serve`, served for this module's tests alone."""
    workdir = tmp_path_factory.mktemp("organisation_demo")
    env = demo_copies.env(workdir)
    with _serving(env, workdir):
        yield env["CARNET_ORIGIN"]


def no_sideways_scroll(page: Page, where: str) -> None:
    width, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner, f"{where}: the page is {width} px wide in a {inner} px window"


def checked(page: Page, width: int, name: str) -> None:
    """A screenshot, and at 390 px no sideways scroll; axe at both sizes."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-{name}-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, name)
    assert serious_violations(page) == [], name


def open_tab(page: Page, origin: str, tab: str) -> None:
    page.goto(f"{origin}/#demo={ADMIN}")
    open_admin_tab(page, tab)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_fixes_a_wrong_siret_and_saves_the_organisation(
    browser_page: BrowserPage, demo_origin: str, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    open_tab(page, demo_origin, "organisation")
    form = page.get_by_test_id("org-form")
    expect(form.get_by_label("Raison sociale")).not_to_have_value("")
    expect(page.get_by_test_id("org-next-numbers")).to_contain_text("Prochaine facture : FA-")

    form.get_by_label("SIREN (9 chiffres)").fill(SIREN)
    form.get_by_label("SIRET du siège (14 chiffres)").fill("7328 2932 0000 75")
    form.get_by_label("Numéro de TVA intracommunautaire").fill(VAT)
    form.get_by_label("BIC").fill("BNPAFRPPXXX")
    form.get_by_label("Adresse de facturation électronique").fill(f"{SIREN}_FACTURES")
    form.get_by_label("Formulation proposée aux nouveaux clients").select_option("attestation")
    form.get_by_role("button", name="Enregistrer l'organisation").click()
    siret = form.get_by_label("SIRET du siège (14 chiffres)")
    expect(page.locator("#org-siret-error")).to_have_text(
        "Ce SIRET n'existe pas : sa clé de contrôle ne correspond pas. Vérifiez les chiffres."
    )
    expect(siret).to_have_attribute("aria-invalid", "true")
    expect(siret).to_be_focused()
    expect(page.locator("#org-siren-error")).to_be_hidden()
    expect(page.get_by_test_id("org-saved")).to_be_hidden()
    checked(page, width, "organisation-refused")

    siret.fill(SIRET)
    form.get_by_role("button", name="Enregistrer l'organisation").click()
    expect(page.get_by_test_id("org-saved")).to_have_text("Organisation enregistrée.")
    expect(page.locator("#org-siret-error")).to_be_hidden()
    expect(siret).not_to_have_attribute("aria-invalid", "true")
    checked(page, width, "organisation")

    # What was saved is what the tab shows when opened again.
    open_tab(page, demo_origin, "organisation")
    form = page.get_by_test_id("org-form")
    expect(form.get_by_label("SIRET du siège (14 chiffres)")).to_have_value(SIRET)
    expect(form.get_by_label("BIC")).to_have_value("BNPAFRPPXXX")
    expect(form.get_by_label("Formulation proposée aux nouveaux clients")).to_have_value(
        "attestation"
    )
    # The reminder settings and signature policy are one link away.
    page.get_by_test_id("org-settings-link").click()
    expect(page.get_by_test_id("reminder-settings")).to_be_visible()
    assert browser_page.errors == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_edits_a_client_and_invites_its_signer(
    browser_page: BrowserPage, demo_origin: str, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    open_tab(page, demo_origin, "clients")
    item = page.get_by_test_id("client-item").filter(has_text="Assurances Atlantique")
    item.get_by_test_id("client-edit").click()
    panel = item.get_by_test_id("client-panel")
    form = panel.get_by_test_id("client-edit-form")
    form.get_by_label("SIREN (9 chiffres)").fill(CLIENT_SIREN)
    form.get_by_label("Numéro de TVA intracommunautaire").fill("FR00552100554")
    form.get_by_label("Adresse de facturation électronique").fill(f"{CLIENT_SIREN}_ACHATS")
    form.get_by_label("Ce que fait son signataire").select_option("attestation")
    # Its own payment terms, beyond the legal 45 days end of month: refused under the delay.
    form.get_by_label("Conditions de paiement").select_option("end_of_month")
    days = form.get_by_label("Délai de paiement (jours)")
    days.fill("50")
    form.get_by_role("button", name="Enregistrer le client").click()
    vat = form.get_by_label("Numéro de TVA intracommunautaire")
    expect(vat).to_have_attribute("aria-invalid", "true")
    expect(form.locator("[id$='-vat_number-error']")).to_have_text(
        f"Ce numéro ne correspond pas au SIREN : ce serait {CLIENT_VAT}."
    )
    expect(days).to_have_attribute("aria-invalid", "true")
    expect(form.locator("[id$='-payment_days-error']")).to_have_text(
        "Trop long : au plus 60 jours date de facture, 45 jours fin de mois (C. com. L441-10)."
    )
    checked(page, width, "client-refused")
    client_id = item.get_attribute("data-client-id") or ""
    before = page.request.get(f"{demo_origin}/api/v1/clients/{client_id}").json()
    assert (before["vat_number"], before["payment_days"]) != (CLIENT_VAT, 50)

    vat.fill(CLIENT_VAT)
    days.fill("45")
    form.get_by_role("button", name="Enregistrer le client").click()
    expect(panel.get_by_test_id("client-saved")).to_have_text(
        "Client « Assurances Atlantique » enregistré."
    )
    expect(vat).not_to_have_attribute("aria-invalid", "true")
    expect(days).not_to_have_attribute("aria-invalid", "true")
    expect(form.locator("[id$='-payment_days-hint']")).to_contain_text(
        "Conditions propres à ce client."
    )
    expect(item.locator(".bo-facts")).to_contain_text(CLIENT_VAT)
    saved = page.request.get(f"{demo_origin}/api/v1/clients/{client_id}").json()
    assert (saved["payment_kind"], saved["payment_days"], saved["own_payment_terms"]) == (
        "end_of_month",
        45,
        True,
    )

    suffix = uuid.uuid4().hex[:6]
    invite = panel.get_by_test_id("signer-invite-form")
    invite.get_by_label("Nom affiché").fill(f"Sandra Signe {suffix}")
    invite.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    invite.get_by_role("button", name="Inviter comme signataire").click()
    expect(invite.locator("[id$='-invite-email-error']")).to_have_text(
        "Adresse e-mail invalide (exemple : prenom.nom@entreprise.fr)."
    )
    invite.get_by_label("Adresse e-mail").fill(f"sandra.{suffix}@atlantique.example")
    invite.get_by_role("button", name="Inviter comme signataire").click()
    expect(panel.get_by_test_id("signer-invite-url")).to_have_value(re.compile(r"#invite="))
    expect(
        panel.get_by_test_id("client-signer").filter(has_text=f"Sandra Signe {suffix}")
    ).to_be_visible()
    checked(page, width, "client-signers")
    assert browser_page.errors == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_ends_a_consultants_session_from_their_devices(
    browser: Browser, browser_page: BrowserPage, demo_origin: str, width: int, height: int
) -> None:
    # The consultant signs in from another browser (own context, own cookies).
    other = browser.new_context(locale="fr-FR")
    try:
        phone = other.new_page()
        phone.goto(f"{demo_origin}/#demo={CONSULTANT}")
        # Signed in once the demo login has answered (the home draws before it does).
        wait_signed_in(phone)
        expect(phone.get_by_test_id("admin-link")).to_have_count(0)

        page = browser_page.page
        page.set_viewport_size({"width": width, "height": height})
        open_tab(page, demo_origin, "people")
        person = page.get_by_test_id("person").filter(has_text=CONSULTANT)
        person.get_by_test_id("devices").click()
        devices = person.get_by_test_id("devices-panel")
        expect(devices.get_by_test_id("passkey")).to_have_count(0)
        expect(devices).to_contain_text("Aucune clé d'accès")
        sessions = devices.get_by_test_id("session")
        expect(sessions).not_to_have_count(0)
        count = sessions.count()
        checked(page, width, "devices")

        sessions.first.get_by_test_id("session-end").click()
        expect(devices.get_by_test_id("devices-status")).to_have_text(
            "Session terminée : cet appareil devra se reconnecter."
        )
        expect(devices.get_by_test_id("session")).to_have_count(count - 1)
        checked(page, width, "devices-ended")
        # Every session the consultant had is ended in turn: that browser is signed out.
        while devices.get_by_test_id("session-end").count():
            before = devices.get_by_test_id("session").count()
            devices.get_by_test_id("session-end").first.click()
            expect(devices.get_by_test_id("session")).to_have_count(before - 1)
        expect(devices).to_contain_text("Aucune session ouverte.")
        assert phone.request.get(f"{demo_origin}/api/v1/me").status == 401
    finally:
        other.close()
    assert browser_page.errors == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_revokes_the_last_passkey_of_a_lost_phone_after_a_warning(
    browser: Browser, browser_page: BrowserPage, demo_origin: str, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    suffix = uuid.uuid4().hex[:6]
    email = f"paul.{suffix}@octave.example"
    open_tab(page, demo_origin, "people")
    invite = page.get_by_test_id("invite-form")
    invite.get_by_label("Nom affiché").fill(f"Paul Perdu {suffix}")
    invite.get_by_label("Adresse e-mail").fill(email)
    invite.get_by_test_id("invite-submit").click()
    link = page.get_by_test_id("invite-url").input_value()

    # The new consultant registers a passkey on their phone (a virtual authenticator).
    other = browser.new_context(locale="fr-FR")
    try:
        phone = other.new_page()
        VirtualAuthenticator(other.new_cdp_session(phone))
        phone.goto(link)
        phone.get_by_test_id("register").click()
        expect(phone.get_by_role("status").filter(has_text="Clé d'accès créée")).to_be_visible()
        assert phone.request.get(f"{demo_origin}/api/v1/me").ok

        # The phone is lost: the administrator revokes its passkey, told first what it means.
        page.reload()
        open_admin_tab(page, "people")
        person = page.get_by_test_id("person").filter(has_text=email)
        person.get_by_test_id("devices").click()
        devices = person.get_by_test_id("devices-panel")
        passkey = devices.get_by_test_id("passkey")
        expect(passkey).to_have_count(1)
        expect(devices.get_by_test_id("session")).to_have_count(1)
        passkey.get_by_test_id("passkey-revoke").click()
        warning = passkey.get_by_test_id("passkey-last-warning")
        expect(warning).to_contain_text(f"C'est la dernière clé d'accès de Paul Perdu {suffix}")
        expect(warning).to_contain_text("nouveau lien d'invitation")
        expect(warning.get_by_test_id("passkey-confirm-last")).to_be_focused()
        checked(page, width, "devices-last-passkey")
        warning.get_by_test_id("passkey-confirm-last").click()
        expect(devices.get_by_test_id("devices-status")).to_contain_text("révoquée")
        expect(devices.get_by_test_id("passkey")).to_contain_text("révoquée le")
        expect(devices.get_by_test_id("passkey-revoke")).to_have_count(0)
        expect(devices).to_contain_text("Aucune session ouverte.")
        assert phone.request.get(f"{demo_origin}/api/v1/me").status == 401
        checked(page, width, "devices-revoked")
    finally:
        other.close()
    assert browser_page.errors == []
