"""Single sign-on in Chromium at 390 px and 1280 px, against the test OpenID Connect provider
(tests/oidc_provider.py) running beside a `carnet demo` server served for this module alone.

- The administrator opens the Single sign-on tab, types an issuer that does not answer (refused
  under its field), then the provider's, and saves; the secret is not shown back.
- A consultant's phone shows "Se connecter avec Keycloak" on the sign-in screen; the button
  goes through the provider and back, and the consultant is signed in.
- Someone the firm does not know comes back to the sign-in screen told to ask their
  administrator.

No sideways scroll; axe finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    SCREENSHOTS,
    DemoCopies,
    _serving,
    open_admin_tab,
    wait_signed_in,
)
from tests.browser.test_month_offline import serious_violations
from tests.oidc_provider import Provider, User

pytestmark = pytest.mark.browser

ADMIN = "claire.admin@octave.example"
CONSULTANT = "bruno.dubois@octave.example"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def sso_origin(
    chromium_path: Path, demo_copies: DemoCopies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Demo data, and a server that accepts a provider on 127.0.0.1 over plain HTTP."""
    workdir = tmp_path_factory.mktemp("sso_demo")
    env = demo_copies.env(workdir, CARNET_SSO_ALLOW_HTTP_LOOPBACK="1")
    with _serving(env, workdir):
        yield env["CARNET_ORIGIN"]


@pytest.fixture
def provider() -> Iterator[Provider]:
    running = Provider(client_id="carnet-browser").start()
    yield running
    running.stop()


def checked(page: Page, name: str) -> None:
    """A screenshot, no sideways scroll, and axe finds nothing serious."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.screenshot(path=SCREENSHOTS / f"sso-{name}-{width}.png", full_page=True)
    scroll, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert scroll <= inner, f"{name}: the page is {scroll} px wide in a {inner} px window"
    assert serious_violations(page) == [], name


def signed_in_email(page: Page) -> str | None:
    return page.evaluate(
        "async () => { const s = await (await fetch('/api/v1/session')).json();"
        " return s.authenticated ? s.person.email : null; }"
    )


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["390", "1280"])
def test_admin_sets_up_sso_and_a_consultant_signs_in_through_the_provider(
    browser: Browser, sso_origin: str, provider: Provider, screen: dict[str, int]
) -> None:
    """The whole trip on a phone, then on a laptop (the settings saved again, the same)."""
    admin = browser.new_context(locale="fr-FR", viewport=screen)
    admin.set_default_timeout(15_000)
    page = admin.new_page()
    page.goto(f"{sso_origin}/#demo={ADMIN}")
    wait_signed_in(page)
    open_admin_tab(page, "sso")
    form = page.get_by_test_id("sso-form")
    expect(page.get_by_test_id("sso-redirect")).to_have_text(
        f"{sso_origin}/api/v1/auth/sso/callback"
    )
    form.get_by_label("Nom affiché sur le bouton").fill("Keycloak")
    form.get_by_label("URL de l'émetteur (issuer)").fill("http://127.0.0.1:9/realms/none")
    form.get_by_label("Identifiant client (client ID)").fill(provider.client_id)
    form.get_by_label("Secret client").fill(provider.client_secret)
    form.get_by_label("Domaines e-mail autorisés").fill("octave.example")
    form.get_by_label("Activer la connexion unique").check()
    form.get_by_test_id("sso-save").click()
    issuer = form.get_by_label("URL de l'émetteur (issuer)")
    expect(page.locator("#sso-issuer-error")).to_have_text(
        "Le fournisseur ne répond pas à cette adresse (document de découverte introuvable)."
    )
    expect(issuer).to_have_attribute("aria-invalid", "true")
    checked(page, "settings-refused")

    issuer.fill(provider.issuer)
    form.get_by_test_id("sso-save").click()
    expect(page.get_by_test_id("sso-saved")).to_have_text("Connexion unique enregistrée.")
    expect(form.get_by_label("Secret client")).to_have_value("")
    expect(page.locator("#sso-client_secret-hint")).to_have_text(
        "Un secret est enregistré ; laissez vide pour le garder."
    )
    checked(page, "settings")
    admin.close()

    phone = browser.new_context(locale="fr-FR", viewport=screen)
    phone.set_default_timeout(15_000)
    page = phone.new_page()
    provider.user = User("sub-bruno", CONSULTANT)
    page.goto(f"{sso_origin}/")
    button = page.get_by_test_id("sso-login")
    expect(button).to_have_text("Se connecter avec Keycloak")
    checked(page, "sign-in")
    button.click()
    wait_signed_in(page)
    assert signed_in_email(page) == CONSULTANT
    assert page.url.rstrip("/") == sso_origin
    phone.close()

    stranger = browser.new_context(locale="fr-FR", viewport=screen)
    stranger.set_default_timeout(15_000)
    page = stranger.new_page()
    provider.user = User("sub-nobody", "nobody@octave.example")
    page.goto(f"{sso_origin}/")
    page.get_by_test_id("sso-login").click()
    expect(page.get_by_test_id("error")).to_have_text(
        "Aucune personne de votre organisation n'a cette adresse dans Carnet. "
        "Demandez à votre administrateur de vous ajouter."
    )
    assert "#sso-error" not in page.url, "a reload does not show the refusal again"
    assert signed_in_email(page) is None
    checked(page, "refused")
    stranger.close()
