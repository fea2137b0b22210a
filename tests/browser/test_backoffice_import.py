"""The back office's Import tab in Chromium, on a phone (390×844) and a laptop (1280×800):
the administrator imports a client file, then a people file whose dry run shows each refused
cell with its reason and writes nothing, then the fixed file, then the missions that name
those people and that client; the People and Missions tabs list what was imported. No
sideways scroll at 390 px; axe finds nothing serious."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, BrowserPage, DemoServer, open_admin_tab
from tests.browser.test_backoffice_clients import no_sideways_scroll, open_tab
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser


def write(tmp_path: Path, name: str, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def check_file(page: Page, kind_label: str, path: Path) -> None:
    form = page.get_by_test_id("import-form")
    form.get_by_label("Le fichier contient").select_option(label=kind_label)
    form.get_by_label("Fichier (CSV ou .xlsx, 2 Mo au plus)").set_input_files(str(path))
    form.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_test_id("import-summary")).to_be_visible()


def looks_right(page: Page, width: int, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"backoffice-import-{name}-{width}.png", full_page=True)
    if width == 390:
        no_sideways_scroll(page, f"import, {name}")
    assert serious_violations(page) == []


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_admin_imports_people_after_a_dry_run_shows_each_refused_cell(
    browser_page: BrowserPage, demo_server: DemoServer, tmp_path: Path, width: int, height: int
) -> None:
    page = browser_page.page
    page.set_viewport_size({"width": width, "height": height})
    tag = uuid.uuid4().hex[:6]
    siren = f"{random.randrange(10**8, 10**9)}"
    client = f"Banque Import {tag}"
    boss, paul = f"claire.{tag}@exemple.fr", f"paul.{tag}@exemple.fr"
    open_tab(page, demo_server, "imports")

    # A clients file, as Excel in French writes it (Windows-1252, semicolons).
    clients = write(
        tmp_path,
        "clients.csv",
        [
            "Raison sociale;SIREN;Adresse;Code postal;Ville",
            f"{client};{siren};1 rue Vive;75002;Paris",
        ],
        encoding="cp1252",
    )
    check_file(page, "Des clients", clients)
    expect(page.get_by_test_id("import-summary")).to_have_text(
        "1 ligne lue : 1 à créer, 0 déjà présente, 0 en erreur."
    )
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-done")).to_have_text("Import terminé : 1 élément créé.")

    # People with three refused rows: each reason under its cell, no way to import.
    header = "E-mail;Prénom;Nom;Rôles;E-mail du manager"
    wrong = write(
        tmp_path,
        "personnes.csv",
        [
            header,
            f"{boss};Claire;Martin;manager;",
            f"{paul};Paul;Durand;consultant;{boss}",
            f"lea.{tag}-at-exemple.fr;Léa;Petit;consultant;",
            f"zoe.{tag}@exemple.fr;Zoé;Roux;cheffe;",
            f"{paul};Paul;Bis;consultant;",
        ],
    )
    check_file(page, "Des personnes", wrong)
    expect(page.get_by_test_id("import-summary")).to_have_text(
        "5 lignes lues : 2 à créer, 0 déjà présente, 3 en erreur."
    )
    rows = page.get_by_test_id("import-row")
    expect(
        rows.and_(page.locator("[data-row='4']")).get_by_test_id("import-cell-error")
    ).to_have_text("Adresse e-mail non valable.")
    expect(
        rows.and_(page.locator("[data-row='5']")).get_by_test_id("import-cell-error")
    ).to_have_text("Rôle inconnu (consultant, manager, admin, signataire client).")
    expect(
        rows.and_(page.locator("[data-row='6']")).get_by_test_id("import-cell-error")
    ).to_have_text("Déjà sur une ligne plus haut du fichier.")
    expect(page.get_by_test_id("import-confirm")).to_have_count(0)
    looks_right(page, width, "refused")

    # The fixed file: the dry run is clean, the import creates the five people.
    fixed = write(
        tmp_path,
        "personnes-corrige.csv",
        [
            header,
            f"{boss};Claire;Martin;manager;",
            f"{paul};Paul;Durand;consultant;{boss}",
            f"lea.{tag}@exemple.fr;Léa;Petit;consultant;",
            f"zoe.{tag}@exemple.fr;Zoé;Roux;consultant;",
        ],
    )
    check_file(page, "Des personnes", fixed)
    expect(page.get_by_test_id("import-summary")).to_have_text(
        "4 lignes lues : 4 à créer, 0 déjà présente, 0 en erreur."
    )
    looks_right(page, width, "ready")
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-done")).to_have_text("Import terminé : 4 éléments créés.")
    links = page.get_by_test_id("import-links").get_by_role("listitem")
    expect(links).to_have_count(4)
    expect(links.first).to_contain_text(boss)
    expect(links.first).to_contain_text("#invite=")
    looks_right(page, width, "done")

    # Missions naming those people and that client (by its SIREN).
    missions = write(
        tmp_path,
        "missions.csv",
        [
            "E-mail du consultant;Client;Intitulé;Date de début;Date de fin;TJM (€);Validateur",
            f"{paul};{siren};Refonte {tag};04/01/2027;30/06/2027;650,50;{boss}",
        ],
    )
    check_file(page, "Des missions", missions)
    page.get_by_test_id("import-confirm").click()
    expect(page.get_by_test_id("import-done")).to_have_text("Import terminé : 1 élément créé.")

    # A file over 2 MB is refused at once, next to the file field, before it is sent.
    big = tmp_path / "trop-gros.csv"
    big.write_bytes(b"E-mail;Nom\r\n" + b"x@exemple.fr;X\r\n" * 140_000)
    form = page.get_by_test_id("import-form")
    form.get_by_label("Fichier (CSV ou .xlsx, 2 Mo au plus)").set_input_files(str(big))
    form.get_by_role("button", name="Vérifier le fichier").click()
    expect(form.get_by_role("alert")).to_have_text("Le fichier dépasse 2 Mo : découpez-le.")
    expect(page.get_by_test_id("import-result")).to_be_hidden()

    open_admin_tab(page, "people")
    expect(page.get_by_test_id("people-list")).to_contain_text(f"lea.{tag}@exemple.fr")
    open_admin_tab(page, "missions")
    item = page.get_by_test_id("mission-item").filter(has_text=f"Refonte {tag}")
    expect(item).to_contain_text(client)
    expect(item.get_by_test_id("mission-rate")).to_have_text("650,50\u00a0€ HT / jour")
    assert browser_page.errors == []
