"""An ESN sets itself up from an empty database, in the browser only (issue 14, its proof).

The operator migrates an empty database and runs `carnet create-admin`, as the README says,
then serves; everything after that is done by clicks in Chromium, each person in their own
browser context with a virtual authenticator for their passkey, and not one API call from the
test: the administrator opens the link the CLI printed and registers a passkey, fills the
Organisation tab, invites a manager and a consultant from the People tab (each opens the link
the tab shows and registers their own passkey), creates a client (Clients tab), imports two
more people and a mission from CSV files (Import tab: dry run, then all at once) and creates a
mission with a manager step (Missions tab); the consultant prefills the month, takes one day
of paid leave, and submits it; the manager approves it; the administrator issues the invoice
after the confirmation (Facturation tab), records its payment, and downloads the FEC and the
payroll variables (Exports tab), each under the name an accountant expects and not empty.

Every screen visited: axe-core finds nothing serious or critical, no sideways scroll at 390 px,
and screenshots at 390 and 1280 px under test-results/screenshots/firm-*.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from server.domain import payroll
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey
from tests.browser.conftest import (
    ADMIN_TAB_TIMEOUT_MS,
    REPO,
    SCREENSHOTS,
    Device,
    VirtualAuthenticator,
    _server_env,
    _serving,
    open_admin_tab,
)
from tests.browser.test_month_offline import serious_violations

pytestmark = pytest.mark.browser

CARNET = Path(sys.executable).parent / "carnet"
ADMIN_EMAIL = "agathe.admin@esn-neuve.example"
ADMIN_NAME = "Agathe Admin"
ORGANISATION = "ESN Neuve SAS"
SIREN = "732829320"
SIRET = "73282932000074"
VAT = "FR44732829320"
CLIENT = "Banque du Ponant"
CLIENT_SIREN = "552100554"
CLIENT_VAT = "FR96552100554"
MANAGER = ("Mathis Manager", "mathis.manager@esn-neuve.example")
CONSULTANT = ("Clara Conseil", "clara.conseil@esn-neuve.example")
IMPORTED = ("paul.durand@esn-neuve.example", "lea.petit@esn-neuve.example")
TODAY = date.today()
MONTH = MonthKey.of(TODAY)
WORKING = [d.isoformat() for d in working_days(month=MONTH, region=CalendarRegion.METROPOLE)]
NUMBER = re.compile(r"FA-\d{4}-\d{5}")
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTH_IN_WORDS = f"{FRENCH_MONTHS[MONTH.month - 1]} {MONTH.year}"


def carnet(env: dict[str, str], *args: str) -> str:
    """The `carnet` command, as an operator types it; its standard output."""
    result = subprocess.run(
        [str(CARNET), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"carnet {args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class EmptyFirm:
    origin: str
    admin_link: str


@pytest.fixture
def empty_firm(chromium_path: Path, tmp_path: Path) -> Iterator[EmptyFirm]:
    """An empty database, migrated; its first admin made by `carnet create-admin`; served."""
    env = _server_env(tmp_path)
    carnet(env, "migrate")
    printed = carnet(
        env,
        "create-admin",
        "--email",
        ADMIN_EMAIL,
        "--name",
        ADMIN_NAME,
        "--organisation",
        ORGANISATION,
    )
    # The operator is given one link to open: the administrator's invitation.
    links = re.findall(r"https?://\S+/#invite=\S+", printed)
    assert len(links) == 1 and links[0].startswith(env["CARNET_ORIGIN"] + "/"), printed
    with _serving(env, tmp_path):
        yield EmptyFirm(origin=env["CARNET_ORIGIN"], admin_link=links[0])


def phone(devices: Any) -> tuple[Device, VirtualAuthenticator]:
    """A 390×844 browser of its own with a platform authenticator for its passkey."""
    device: Device = devices(390, 844)
    return device, VirtualAuthenticator(device.context.new_cdp_session(device.page))


def checked(page: Page, name: str) -> None:
    """The screen as it is now: no sideways scroll at 390 px, nothing serious for axe, and
    screenshots at 390 and 1280 px (back to 390 after)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width, inner = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert inner == 390
    assert width <= inner, f"{name}: the page is {width} px wide in a {inner} px window"
    assert serious_violations(page) == [], name
    page.screenshot(path=SCREENSHOTS / f"firm-{name}-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=SCREENSHOTS / f"firm-{name}-1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def register_passkey(
    page: Page, link: str, name: str, key: VirtualAuthenticator, *, lands_on_month: bool = False
) -> None:
    """Open an invitation link and create the passkey it offers; a consultant lands on their
    month, anyone else on the home screen that greets them."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bienvenue {name}")
    checked(page, f"invitation-{name.split()[0].lower()}")
    page.get_by_test_id("register").click()
    if lands_on_month:
        expect(page.get_by_test_id("month-status")).to_be_visible()
    else:
        expect(page.get_by_test_id("greeting")).to_have_text(f"Bonjour {name}")
    expect(page.get_by_role("status").filter(has_text="Clé d'accès créée")).to_be_visible()
    assert len(key.credentials()) == 1


def open_tab(page: Page, tab: str) -> None:
    open_admin_tab(page, tab)
    expect(page.get_by_test_id(f"admin-tab-{tab}")).to_have_attribute("aria-selected", "true")


def invite(page: Page, origin: str, *, name: str, email: str, role: str, manager: str = "") -> str:
    """Invite from the People tab; the link the tab shows to hand over."""
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Nom affiché").fill(name)
    form.get_by_label("Adresse e-mail").fill(email)
    for value, label in [("consultant", "Consultant·e"), ("manager", "Manager")]:
        form.get_by_label(label, exact=True).set_checked(role == value)
    if manager:
        form.get_by_label("Manager (facultatif)").select_option(label=manager)
    page.get_by_test_id("invite-submit").click()
    invited = page.get_by_test_id("invited")
    expect(invited).to_contain_text(f"{name} est invité·e")
    link = invited.get_by_test_id("invite-url").input_value()
    assert link.startswith(f"{origin}/#invite="), link
    return link


def import_file(page: Page, kind_label: str, path: Path) -> None:
    """Check a file on the Import tab (the dry run)."""
    form = page.get_by_test_id("import-form")
    form.get_by_label("Le fichier contient").select_option(label=kind_label)
    form.get_by_label("Fichier (CSV ou .xlsx, 2 Mo au plus)").set_input_files(str(path))
    form.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_test_id("import-summary")).to_be_visible()


def test_an_esn_sets_itself_up_and_bills_its_first_month_in_the_browser_only(
    empty_firm: EmptyFirm, devices: Any, tmp_path: Path
) -> None:
    origin = empty_firm.origin

    # The administrator: the link `carnet create-admin` printed, a passkey, then the back office.
    admin_device, admin_key = phone(devices)
    admin = admin_device.page
    register_passkey(admin, empty_firm.admin_link, ADMIN_NAME, admin_key)
    checked(admin, "admin-home")
    # One link from the home to every administrative task, billing and exports named.
    expect(admin.get_by_test_id("admin-link")).to_contain_text("facturation, exports")

    # Organisation: legal identity, address, bank details, holidays, signature, numbering.
    open_tab(admin, "organisation")
    form = admin.get_by_test_id("org-form")
    expect(form.locator("#org-legal_name")).to_have_value(ORGANISATION)
    for name, value in {
        "siren": SIREN,
        "siret": SIRET,
        "vat_number": VAT,
        "legal_info": "SAS au capital de 10 000 EUR - RCS Brest 732 829 320",
        "address_line": "3 quai de la Douane",
        "postcode": "29200",
        "city": "Brest",
        "electronic_address": f"{SIREN}_FACTURES",
        "payment_days": "30",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "AGRIFRPPXXX",
    }.items():
        form.locator(f"#org-{name}").fill(value)
    form.locator("#org-signature_wording").select_option("signature")
    form.get_by_test_id("org-save").click()
    expect(admin.get_by_test_id("org-saved")).to_have_text("Organisation enregistrée.")
    expect(admin.get_by_test_id("org-next-numbers")).to_contain_text("Prochaine facture : FA-")
    checked(admin, "organisation")

    # People: a manager, then a consultant in their team; each link is handed over.
    open_tab(admin, "people")
    manager_link = invite(admin, origin, name=MANAGER[0], email=MANAGER[1], role="manager")
    consultant_link = invite(
        admin,
        origin,
        name=CONSULTANT[0],
        email=CONSULTANT[1],
        role="consultant",
        manager=f"{MANAGER[0]} · {MANAGER[1]}",
    )
    expect(admin.locator(f"[data-testid=person][data-email='{CONSULTANT[1]}']")).to_contain_text(
        f"Manager : {MANAGER[0]}"
    )
    checked(admin, "people")

    manager_device, manager_key = phone(devices)
    register_passkey(manager_device.page, manager_link, MANAGER[0], manager_key)
    consultant_device, consultant_key = phone(devices)
    register_passkey(
        consultant_device.page, consultant_link, CONSULTANT[0], consultant_key, lands_on_month=True
    )

    # Clients: the client's billing identity.
    open_tab(admin, "clients")
    form = admin.get_by_test_id("client-form")
    form.get_by_label("Raison sociale").fill(CLIENT)
    form.get_by_label("SIREN (9 chiffres)").fill(CLIENT_SIREN)
    form.get_by_label("Numéro de TVA intracommunautaire").fill(CLIENT_VAT)
    form.get_by_label("Adresse de facturation").fill("1 place de la Liberté\n29200 Brest")
    form.get_by_role("button", name="Créer le client").click()
    expect(admin.get_by_test_id("client-item").filter(has_text=CLIENT)).to_contain_text(
        CLIENT_SIREN
    )
    checked(admin, "clients")

    # Import: two more consultants of Mathis's team, then a mission for one of them, from the
    # files an ESN exports from its spreadsheet (a dry run first, then all at once).
    open_tab(admin, "imports")
    people_file = tmp_path / "personnes.csv"
    people_file.write_bytes(
        "\r\n".join(
            [
                "E-mail;Prénom;Nom;Rôles;E-mail du manager",
                f"{IMPORTED[0]};Paul;Durand;consultant;{MANAGER[1]}",
                f"{IMPORTED[1]};Léa;Petit;consultant;{MANAGER[1]}",
            ]
        ).encode("cp1252")
    )
    import_file(admin, "Des personnes", people_file)
    expect(admin.get_by_test_id("import-summary")).to_have_text(
        "2 lignes lues : 2 à créer, 0 déjà présente, 0 en erreur."
    )
    checked(admin, "import-people-ready")
    admin.get_by_test_id("import-confirm").click()
    expect(admin.get_by_test_id("import-done")).to_have_text("Import terminé : 2 éléments créés.")
    expect(admin.get_by_test_id("import-links").get_by_role("listitem")).to_have_count(2)
    checked(admin, "import-people-done")
    missions_file = tmp_path / "missions.csv"
    missions_file.write_bytes(
        "\r\n".join(
            [
                "E-mail du consultant;Client;Intitulé;Date de début;Date de fin;"
                "TJM (€);Validateur",
                f"{IMPORTED[0]};{CLIENT_SIREN};Recette {CLIENT};"
                f"{MONTH.first_day:%d/%m/%Y};;610,50;{MANAGER[1]}",
            ]
        ).encode("utf-8-sig")
    )
    import_file(admin, "Des missions", missions_file)
    admin.get_by_test_id("import-confirm").click()
    expect(admin.get_by_test_id("import-done")).to_have_text("Import terminé : 1 élément créé.")

    # Missions: Clara at the client, 650 € a day, approved by her manager.
    open_tab(admin, "missions")
    form = admin.get_by_test_id("mission-form")
    title = "Refonte du portail client"
    form.get_by_label("Consultant").select_option(label=f"{CONSULTANT[0]} ({CONSULTANT[1]})")
    form.get_by_label("Client", exact=True).select_option(label=CLIENT)
    form.get_by_label("Intitulé").fill(title)
    form.get_by_label("Début").fill(MONTH.first_day.isoformat())
    form.get_by_label("Taux journalier HT (€)").fill("650")
    form.get_by_label("1. Manager").select_option(label=f"{MANAGER[0]} ({MANAGER[1]})")
    form.get_by_role("button", name="Créer la mission").click()
    item = admin.get_by_test_id("mission-item").filter(has_text=title)
    expect(item.get_by_test_id("mission-rate")).to_have_text("650,00\u00a0€ HT / jour")
    expect(item).to_contain_text(CONSULTANT[0])
    imported = admin.get_by_test_id("mission-item").filter(has_text=f"Recette {CLIENT}")
    expect(imported.get_by_test_id("mission-rate")).to_have_text("610,50\u00a0€ HT / jour")
    checked(admin, "missions")

    # The consultant fills the month on her phone and submits it.
    month = consultant_device.page
    month.reload()
    mission_line = f"mission:{item.get_attribute('data-mission-id')}"
    first = month.locator(f'button.cell[data-date="{WORKING[0]}"][data-line="{mission_line}"]')
    expect(first).to_be_visible()
    month.get_by_test_id("prefill").click()
    expect(first).to_have_text("1")
    # One day of paid leave instead of work: it is what the payroll file will carry.
    leave_day = WORKING[1]
    worked = month.locator(f'button.cell[data-date="{leave_day}"][data-line="{mission_line}"]')
    worked.click()
    expect(worked).to_have_text("½")
    worked.click()
    expect(worked).to_have_text("")
    paid_leave = month.locator(f'button.cell[data-date="{leave_day}"][data-line="absence:CP"]')
    paid_leave.click()
    expect(paid_leave).to_have_text("1")
    checked(month, "consultant-month")
    month.get_by_test_id("submit").click()
    month.get_by_test_id("submit-confirm").click()
    expect(month.get_by_test_id("month-status")).to_have_text("Statut : En validation")
    expect(month.get_by_test_id("waiting-on")).to_have_text(f"En attente de {MANAGER[0]}")
    checked(month, "consultant-submitted")

    # The manager approves it from their home screen, after confirming.
    review = manager_device.page
    review.reload()
    approval = review.get_by_test_id("approval-item").filter(has_text=CONSULTANT[0])
    expect(approval).to_have_count(1)
    checked(review, "manager-home")
    approval.get_by_test_id("review-link").click()
    expect(review.get_by_test_id("review-title")).to_contain_text(CONSULTANT[0])
    checked(review, "manager-review")
    review.get_by_test_id("approve").click()
    review.get_by_test_id("approve-confirm").click()
    expect(review.get_by_test_id("review-decision-status")).to_contain_text("approuvé")
    month.reload()
    expect(month.get_by_test_id("month-status")).to_have_text("Statut : Validé")

    # Facturation: the month's pre-invoice, issued after the confirmation, then paid.
    open_tab(admin, "billing")
    # Named by its client and its month in words, as an admin reads it.
    draft = admin.get_by_test_id("billing-drafts").get_by_role(
        "button", name=re.compile(re.escape(f"Pré-facture {CLIENT} {MONTH_IN_WORDS}"))
    )
    expect(draft).to_have_count(1)
    checked(admin, "billing")
    draft.click()
    lines = admin.get_by_test_id("billing-lines")
    expect(lines).to_contain_text("650,00")
    # Every working day prefilled, less the day of paid leave.
    expect(lines).to_contain_text(f"{len(WORKING) - 1} j")
    admin.get_by_test_id("billing-issue").click()
    dialog = admin.get_by_test_id("billing-issue-dialog")
    expect(dialog).to_contain_text("prochain numéro légal")
    checked(admin, "billing-confirm")
    dialog.get_by_role("button", name="Émettre").click()
    status = admin.get_by_test_id("billing-status")
    expect(status).to_have_text(re.compile(r"^Facture FA-\d{4}-\d{5} émise\.$"))
    number = NUMBER.search(status.inner_text())
    assert number is not None
    expect(admin.locator("section[aria-labelledby=billing-sources-h]")).to_contain_text(
        f"{CONSULTANT[0]}, {MONTH_IN_WORDS} : {len(WORKING) - 1} j"
    )
    checked(admin, "billing-issued")
    pay = admin.get_by_test_id("billing-pay-form")
    expect(pay.get_by_label("Montant reçu (€)")).not_to_have_value("")
    pay.get_by_role("button", name="Enregistrer le paiement").click()
    expect(status).to_contain_text("Reste dû : 0,00\u00a0€.")
    expect(admin.get_by_test_id("billing-settled-note")).to_be_visible()
    checked(admin, "billing-paid")

    # Exports: the FEC up to today and the month's payroll variables, under their names. The
    # server builds each file as it answers: on a loaded machine (the suite's two workers and
    # their servers on two cores) the FEC took over the default 10 s twice, so the downloads get
    # the back office's wait.
    open_tab(admin, "exports")
    fec = admin.get_by_test_id("fec-form")
    fec.get_by_label("Du").fill(MONTH.first_day.isoformat())
    fec.get_by_label("Au (clôture)").fill(TODAY.isoformat())
    with admin.expect_download(timeout=ADMIN_TAB_TIMEOUT_MS) as fec_download:
        fec.get_by_role("button", name="Télécharger le FEC").click()
    download = fec_download.value
    assert download.suggested_filename == f"{SIREN}FEC{TODAY:%Y%m%d}.txt"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"JournalCode\tJournalLib\t")
    assert number.group(0).encode() in content
    paie = admin.get_by_test_id("payroll-form")
    paie.get_by_label("Mois").fill(str(MONTH))
    with admin.expect_download(timeout=ADMIN_TAB_TIMEOUT_MS) as payroll_download:
        paie.get_by_role("button", name="Télécharger les variables de paie").click()
    download = payroll_download.value
    assert download.suggested_filename == f"variables-paie-{MONTH}.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith((";".join(payroll.HEADER) + "\r\n").encode())
    assert CONSULTANT[1].encode() in content and leave_day.encode() in content
    checked(admin, "exports")

    assert admin_device.errors == manager_device.errors == consultant_device.errors == []
