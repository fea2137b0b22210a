"""The dashboard in Chromium, on `carnet demo` data (a year of history): the administrator's
figures equal the API's, a drill-down reaches a consultant's month day by day, a manager sees
their team only; screenshots at 390 and 1280 pixels wide, with no sideways scroll."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import SCREENSHOTS, DemoCopies, _serving

pytestmark = pytest.mark.browser

ADMIN = "claire.admin@octave.example"
MANAGER = "marc.lefevre@octave.example"
MARC_TEAM = {"Alice Martin", "Bruno Dubois", "Chloé Bernard"}
PAGE_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def demo_origin(
    chromium_path: Path, demo_copies: DemoCopies, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`carnet demo --no-serve` (a year of history), then serve it."""
    workdir = tmp_path_factory.mktemp("dashboard")
    env = demo_copies.env(workdir)
    with _serving(env, workdir):
        yield env["CARNET_ORIGIN"]


def open_as(browser: Browser, origin: str, email: str, width: int, height: int) -> Page:
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors  # type: ignore[attr-defined]
    figures: list[str] = []  # the figure requests the page makes (paths after /api/v1)
    page.on(
        "request",
        lambda request: (
            figures.append(request.url.split("/api/v1", 1)[1].split("?")[0])
            if "/api/v1/figures/" in request.url
            else None
        ),
    )
    page.figure_requests = figures  # type: ignore[attr-defined]
    page.goto(f"{origin}/#demo={email}")
    page.get_by_test_id("figures-link").click()
    # The first drawing waits for the dashboard's module and a year of figures from a server
    # that computes them cold: over expect's 5 s once on a loaded CI machine, so the page's
    # own wait here.
    expect(page.get_by_test_id("tace-chart")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    return page


def api(page: Page, origin: str, path: str) -> Any:
    response = page.context.request.get(f"{origin}/api/v1{path}")
    assert response.ok, response.text()
    return response.json()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], width  # type: ignore[index]


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))


def test_admin_dashboard_shows_the_apis_numbers_and_drills_down_to_a_month(
    browser: Browser, demo_origin: str
) -> None:
    page = open_as(browser, demo_origin, ADMIN, 1280, 800)
    # The six figures come in one request, the server reading its projection once for all.
    assert page.figure_requests == ["/figures/summary"]  # type: ignore[attr-defined]
    period = page.get_by_test_id("period")
    start, end = period.locator("#fig-from").input_value(), period.locator("#fig-to").input_value()
    tace = api(page, demo_origin, f"/figures/tace?from={start}&to={end}")
    table = page.get_by_test_id("tace-table")
    shown = {
        row.locator("th").get_attribute("data-value"): row.locator("td")
        .nth(2)
        .get_attribute("data-value")
        for row in table.locator("tbody tr").all()
    }
    expected = {m["month"]: m["tace"] for m in tace["months"]}
    assert {k: float(v) if v else None for k, v in shown.items()} == expected
    total = page.get_by_test_id("tace-total").get_attribute("data-value")
    assert float(total or "nan") == tace["total"]["tace"]
    people = {
        row.locator("th").inner_text()
        for row in page.get_by_test_id("tace-by_consultant").locator("tbody tr").all()
    }
    assert people == MARC_TEAM | {"David Petit"}
    idle = page.get_by_test_id("idle")
    expect(idle).to_contain_text("David Petit")
    expect(page.get_by_test_id("close")).to_contain_text("En retard aujourd'hui")
    shoot(page, "dashboard-admin-1280")
    no_sideways_scroll(page)

    # Drill-down: a month's TACE → the consultant-months that make it → one month's days.
    month = tace["months"][-2]["month"]
    table.locator(f"tbody tr:has(th[data-value='{month}']) td button").first.click()
    drill = page.get_by_test_id("drill")
    expect(drill.get_by_test_id("drill-table")).to_be_visible()
    rows = api(page, demo_origin, f"/figures/months?from={month}&to={month}")["rows"]
    assert drill.get_by_test_id("drill-table").locator("tbody tr").count() == len(rows)
    produced = sum(
        int(cell.get_attribute("data-value") or 0)
        for cell in drill.get_by_test_id("drill-table").locator("tbody tr td:nth-child(4)").all()
    )
    assert produced == sum(r["produced_half_days"] for r in rows)
    alice = next(r for r in rows if r["name"] == "Alice Martin")
    drill.locator("tbody tr", has_text="Alice Martin").get_by_role("button").click()
    days = drill.get_by_test_id("drill-days")
    expect(days).to_be_visible()
    stored = api(page, demo_origin, f"/people/{alice['consultant_id']}/months/{month}")
    recorded = [d for d in stored["days"] if d["lines"] or d["comment"]]
    expect(days.locator("li")).to_have_count(len(recorded))
    shoot(page, "dashboard-drill-1280")

    # The administrator sets a daily cost and the settings in the app, not through the API.
    costs = page.get_by_test_id("daily-costs")
    costs.get_by_label("Consultant·e").select_option(label="David Petit")
    costs.get_by_label("Coût journalier (€)").fill("abc")
    costs.get_by_role("button", name="Enregistrer").click()
    expect(costs.get_by_test_id("cost-message")).to_contain_text("montant positif")
    costs.get_by_label("Coût journalier (€)").fill("412,50")
    costs.get_by_role("button", name="Enregistrer").click()
    expect(costs.get_by_test_id("cost-message")).to_contain_text(
        "Coût enregistré pour David Petit"
    )
    david = next(
        p for p in api(page, demo_origin, "/people") if p["display_name"] == "David Petit"
    )
    recorded = api(page, demo_origin, f"/people/{david['id']}/daily-costs")
    assert recorded[-1]["daily_cost_cents"] == 41_250
    settings = page.get_by_test_id("figure-settings")
    settings.get_by_label("Sans solde").uncheck()
    settings.get_by_role("button", name="Enregistrer").click()
    expect(settings).to_contain_text("Réglages enregistrés")
    assert api(page, demo_origin, "/figures/settings")["foreseeable"] == ["CP", "RTT"]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_manager_sees_only_their_team_and_the_dashboard_fits_a_phone(
    browser: Browser, demo_origin: str
) -> None:
    page = open_as(browser, demo_origin, MANAGER, 390, 844)
    assert page.figure_requests == ["/figures/summary"]  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("équipe"))
    people = {
        row.locator("th").inner_text()
        for row in page.get_by_test_id("tace-by_consultant").locator("tbody tr").all()
    }
    assert people == MARC_TEAM
    assert page.get_by_test_id("tace-by_team").count() == 0
    tace = api(page, demo_origin, "/figures/tace")
    assert {line["name"] for line in tace["by_consultant"]} == MARC_TEAM
    assert page.get_by_test_id("dso-table").count() == 0  # invoices are the firm's
    no_sideways_scroll(page)
    shoot(page, "dashboard-manager-390")
    page.get_by_test_id("tace-chart").locator("g[role=button]").last.click()
    expect(page.get_by_test_id("drill-table")).to_be_visible()
    page.get_by_test_id("drill-table").locator("tbody tr").first.get_by_role("button").click()
    expect(page.get_by_test_id("drill-days")).to_be_visible()
    no_sideways_scroll(page)
    shoot(page, "dashboard-manager-drill-390")
    assert page.errors == []  # type: ignore[attr-defined]
