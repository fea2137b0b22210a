"""The back office's Congés tab in Chromium, on a phone (390×844) and a laptop (1280×800), on
`carnet demo` data served for this module alone (the tests change the policy and balances).

- The administrator changes the firm's leave policy: a reference period starting on
  31 February is refused under the day's field, fixed, saved; the API then holds it.
- They set a consultant's opening balance of paid leave and add an adjustment typed with a
  French decimal comma: a bad amount and a missing reason are refused at their fields; the
  consultant's balance, as the API returns it, is the opening plus the adjustment, and the
  adjustment is listed with its reason; the paid leave per reference period is shown.
- They record the day the consultant was informed of their carried leave: a missing reason and
  a day still to come are refused at their fields, then it is listed with its reason.
- Offline, the tab says it needs the network.

No sideways scroll at 390 px; axe finds nothing serious."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BrowserPage, DemoCopies, _serving, open_admin_tab
from tests.browser.test_backoffice_organisation import checked, open_tab

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_origin(
    chromium_path: Path, demo_copies: DemoCopies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`carnet demo --no-serve`, served for this module's tests alone."""
    workdir = tmp_path_factory.mktemp("leave_admin_demo")
    env = demo_copies.env(workdir)
    with _serving(env, workdir):
        yield env["CARNET_ORIGIN"]


@pytest.mark.parametrize(("width", "height", "nth"), [(390, 844, 1), (1280, 800, 2)])
def test_admin_sets_the_policy_an_opening_balance_and_an_adjustment(
    browser_page: BrowserPage, demo_origin: str, width: int, height: int, nth: int
) -> None:
    """Make sure the administrator does leave administration in the app: the policy (a period
    start no year always has refused at its field), then an opening balance and an adjustment
    with a reason that the consultant's balance from the API reflects. Each width adjusts a
    different consultant, so the balances it checks are its own."""
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    open_tab(page, demo_origin, "leave")
    before = page.request.get(f"{demo_origin}/api/v1/leave/policy").json()

    form = page.get_by_test_id("leave-policy-form")
    form.get_by_label("Congés payés comptés en").select_option("ouvrables")
    form.get_by_label("Commence le (jour)").fill("31")
    form.get_by_label("du mois de").select_option("2")
    form.get_by_label("Accord RTT").select_option("fixed")
    form.get_by_label("Jours de RTT par an").fill("10,5")
    form.get_by_role("button", name="Enregistrer les règles").click()
    day = form.get_by_label("Commence le (jour)")
    expect(page.locator("#leave-period_day-error")).to_have_text(
        "Ce jour n'existe pas tous les ans dans ce mois (29 février, 31 avril…)."
    )
    expect(day).to_have_attribute("aria-invalid", "true")
    expect(day).to_be_focused()
    expect(page.get_by_test_id("leave-policy-saved")).to_be_hidden()
    checked(page, width, "leave-policy-refused")
    # Nothing was half-applied.
    assert page.request.get(f"{demo_origin}/api/v1/leave/policy").json() == before

    day.fill("1")
    form.get_by_label("du mois de").select_option("9")
    form.get_by_role("button", name="Enregistrer les règles").click()
    expect(page.get_by_test_id("leave-policy-saved")).to_have_text(
        "Règles des congés enregistrées."
    )
    expect(day).not_to_have_attribute("aria-invalid", "true")
    policy = page.request.get(f"{demo_origin}/api/v1/leave/policy").json()
    assert (
        policy["unit"],
        policy["period_day"],
        policy["period_month"],
        policy["rtt_mode"],
        policy["rtt_half_days_per_year"],
    ) == ("ouvrables", 1, 9, "fixed", 21)

    # A consultant: opening balance, then an adjustment with its reason.
    who = page.get_by_test_id("leave-consultant")
    option = who.locator("option").nth(nth)
    consultant_id = option.get_attribute("value")
    who.select_option(consultant_id)
    adjust = page.get_by_test_id("leave-adjust-form")
    expect(adjust).to_be_visible()
    expect(page.get_by_test_id("leave-admin-balances")).to_contain_text("Congés payés")
    today = dt.date.today().isoformat()

    adjust.get_by_label("Type de congé").select_option("CP")
    adjust.get_by_label("Nature").select_option("opening")
    adjust.get_by_label("À la date du").fill(today)
    adjust.get_by_label("Nombre de jours").fill("12,3")
    adjust.get_by_label("Motif").fill("reprise de l'ancien logiciel")
    adjust.get_by_role("button", name="Enregistrer la correction").click()
    amount = adjust.get_by_label("Nombre de jours")
    expect(page.locator("#leave-adj-amount-error")).to_have_text(
        "Un nombre de jours par demi-journée, par exemple 2,5 ou -1."
    )
    expect(amount).to_be_focused()
    amount.fill("12,5")
    adjust.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_test_id("leave-recorded")).to_be_visible()
    expect(page.get_by_test_id("leave-adjustment").first).to_contain_text(
        "solde d'ouverture de 12,5 jours"
    )

    adjust = page.get_by_test_id("leave-adjust-form")
    adjust.get_by_label("Type de congé").select_option("CP")
    adjust.get_by_label("Nature").select_option("adjustment")
    adjust.get_by_label("À la date du").fill(today)
    adjust.get_by_label("Nombre de jours").fill("1,5")
    adjust.get_by_role("button", name="Enregistrer la correction").click()
    reason = adjust.get_by_label("Motif")
    expect(page.locator("#leave-adj-reason-error")).to_have_text(
        "Donnez le motif (500 caractères au plus)."
    )
    expect(reason).to_have_attribute("aria-invalid", "true")
    checked(page, width, "leave-adjust-refused")
    reason.fill("accident du travail en mars")
    adjust.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_test_id("leave-adjustment").first).to_contain_text("+1,5 jour")
    expect(page.get_by_test_id("leave-adjustment").first).to_contain_text(
        "Motif : accident du travail en mars"
    )
    checked(page, width, "leave-person")

    leave = page.request.get(f"{demo_origin}/api/v1/people/{consultant_id}/leave").json()
    cp = next(b for b in leave["balances"] if b["kind"] == "CP")
    # Counting restarts today from 25 half-days; the adjustment of today adds 3.
    assert cp["acquired"] == 25 + 3
    shown = page.get_by_test_id("leave-admin-balances").locator("[data-kind=CP]")
    expect(shown).to_contain_text("Acquis14 jours")
    # Paid leave per reference period: here the running one, to take by the end of the next.
    periods = page.get_by_test_id("leave-periods")
    expect(periods).to_contain_text("Congés payés par période")
    expect(periods.get_by_test_id("leave-period").last).to_contain_text("à prendre jusqu'au")

    # The day the consultant was told of their carried leave (L3141-19-3): refused at its
    # fields without a reason or in the future, then recorded and listed.
    notice = page.get_by_test_id("leave-notice-form")
    informed = notice.get_by_label("Salarié informé le")
    informed.fill((dt.date.today() + dt.timedelta(days=3)).isoformat())
    notice.get_by_role("button", name="Enregistrer la date d'information").click()
    expect(page.locator("#leave-notice-reason-error")).to_have_text(
        "Donnez le motif (500 caractères au plus)."
    )
    notice.get_by_label("Motif").fill("courrier remis au retour")
    notice.get_by_role("button", name="Enregistrer la date d'information").click()
    expect(page.locator("#leave-notice-informed_on-error")).to_have_text(
        "Cette date n'est pas encore passée : enregistrez-la une fois le salarié informé."
    )
    expect(informed).to_have_attribute("aria-invalid", "true")
    checked(page, width, "leave-notice-refused")
    informed.fill(today)
    notice.get_by_role("button", name="Enregistrer la date d'information").click()
    expect(page.get_by_test_id("leave-notice-recorded")).to_be_visible()
    expect(page.get_by_test_id("leave-adjustment").first).to_contain_text("salarié informé le")
    expect(page.get_by_test_id("leave-adjustment").first).to_contain_text(
        "Motif : courrier remis au retour"
    )
    assert browser_page.errors == []


def test_offline_the_tab_says_it_needs_the_network(
    browser_page: BrowserPage, demo_origin: str
) -> None:
    """Make sure the Congés tab opened without a network says so instead of an empty page."""
    page = browser_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    open_tab(page, demo_origin, "people")
    page.context.set_offline(True)
    open_admin_tab(page, "leave")
    expect(page.get_by_test_id("admin-panel")).to_contain_text(
        "l'administration a besoin du réseau"
    )
    page.context.set_offline(False)
