"""Importing people, clients and missions from a spreadsheet (issue 14, "Import").

Real app, real database (SQLite, or PostgreSQL with CARNET_TEST_DB=postgres), a real local
SMTP server configured so that imported people's invitations go through the outbox.
"""

import base64
import io
from datetime import date
from typing import Any

import pytest
import xlsxwriter

from server.domain import imports as imports_rows
from server.domain.roles import Actor, Role
from server.services import directory, imports
from server.services.accounts import Accounts
from server.services.clock import system_clock
from server.settings import Settings
from server.storage import audit_store, notification_store
from server.storage import repositories as repo
from tests.factories import Member, World
from tests.server.notification_peers import SmtpServer, smtp_server

__all__ = ["smtp_server"]

API = "/api/v1/imports"


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_tls": "none",
            "mail_from": "Carnet <carnet@example.test>",
        }
    )


def csv_bytes(lines: list[str], *, encoding: str = "utf-8-sig") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Missions")
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, day)  # type: ignore[arg-type]
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return out.getvalue()


async def send(
    admin: Member, kind: str, content: bytes, *, dry_run: bool, name: str = "f.csv"
) -> Any:
    return await admin.browser.post(
        f"{API}/{kind}",
        json={
            "file_name": name,
            "content_base64": base64.b64encode(content).decode(),
            "dry_run": dry_run,
        },
    )


async def directory_state(world: World) -> tuple[Any, ...]:
    org = world.organisation.id
    return (
        sorted(p.email for p in await repo.list_people(org)),
        sorted(c.siren for c in await repo.list_clients(org)),
        sorted(m.id for m in await repo.list_missions(org)),
        len(await notification_store.outbox_rows()),
        await audit_store.head(org),
    )


def refusals(body: dict[str, Any]) -> set[tuple[int, str, str]]:
    return {(e["row"], e["column"], e["code"]) for e in body["errors"]}


PEOPLE_WITH_ERRORS = [
    "E-mail;Prénom;Nom;Rôles;E-mail du manager",
    "claire.martin@exemple.fr;Claire;Martin;Manager;",
    "paul.durand@exemple.fr;Paul;Durand;Consultant;claire.martin@exemple.fr",
    "pas-une-adresse;Léa;Petit;consultant;",
    "zoe@exemple.fr;Zoé;Roux;chef de projet;",
    "paul.durand@exemple.fr;Paul;Bis;consultant;",
    "hugo@exemple.fr;Hugo;Blanc;consultant;personne@exemple.fr",
]
PEOPLE_FIXED = [
    "E-mail;Prénom;Nom;Rôles;E-mail du manager",
    "claire.martin@exemple.fr;Claire;Martin;Manager;",
    "paul.durand@exemple.fr;Paul;Durand;Consultant;claire.martin@exemple.fr",
    "lea.petit@exemple.fr;Léa;Petit;consultant;",
    "zoe@exemple.fr;Zoé;Roux;consultant, manager;",
    "",
    "hugo@exemple.fr;Hugo;Blanc;consultant;zoe@exemple.fr",
]


async def test_a_file_with_errors_in_several_rows_writes_nothing_and_reports_each(
    world: World,
) -> None:
    """Make sure a dry run reports every refused cell by row and column, that the import of
    the same file is refused as a whole (422 naming each row) with nothing written, no
    invitation queued and no audit event."""
    admin = await world.person("admin", [Role.ADMIN])
    before = await directory_state(world)
    content = csv_bytes(PEOPLE_WITH_ERRORS)

    dry = await send(admin, "people", content, dry_run=True)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["dry_run"] is True and body["imported"] is False
    assert refusals(body) == {
        (4, "E-mail", "invalid_email"),
        (5, "Rôles", "invalid_role"),
        (6, "E-mail", "duplicate_in_file"),
        (7, "E-mail du manager", "unknown_person"),
    }
    actions = {r["row"]: r["action"] for r in body["rows"]}
    assert actions == {2: "create", 3: "create", 4: "error", 5: "error", 6: "error", 7: "error"}
    assert body["columns"] == ["E-mail", "Prénom", "Nom", "Rôles", "E-mail du manager"]
    assert body["rows"][2]["cells"][0] == "pas-une-adresse"

    real = await send(admin, "people", content, dry_run=False)
    assert real.status_code == 422, real.text
    problem = real.json()
    assert problem["code"] == "invalid_input"
    assert {e["field"].split(".")[0] for e in problem["errors"]} == {
        "rows[4]",
        "rows[5]",
        "rows[6]",
        "rows[7]",
    }
    assert await directory_state(world) == before


async def test_the_fixed_file_imports_people_with_their_managers_and_invitations(
    world: World,
) -> None:
    """Make sure the corrected file creates every person (a manager named on a later row
    included), queues each invitation e-mail, records one audit event, and that importing it
    again creates nobody (the rows are already there)."""
    admin = await world.person("admin", [Role.ADMIN])
    outbox_before = len(await notification_store.outbox_rows())
    content = csv_bytes(PEOPLE_FIXED)

    dry = await send(admin, "people", content, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["errors"] == []
    assert dry.json()["counts"] == {"rows": 5, "create": 5, "skip": 0, "error": 0}
    assert len(await notification_store.outbox_rows()) == outbox_before, "a dry run mails no one"

    real = await send(admin, "people", content, dry_run=False)
    assert real.status_code == 200, real.text
    body = real.json()
    assert body["imported"] is True and body["emailed"] is True
    assert all(r["id"] and r["invitation_url"] for r in body["rows"])
    assert [r["row"] for r in body["rows"]] == [2, 3, 4, 5, 7], "the blank row keeps its number"
    assert body["rows"][0]["label"] == "claire.martin@exemple.fr"
    people = {p.email: p for p in await repo.list_people(world.organisation.id)}
    assert people["hugo@exemple.fr"].manager_id == people["zoe@exemple.fr"].id
    assert people["paul.durand@exemple.fr"].manager_id == people["claire.martin@exemple.fr"].id
    assert people["zoe@exemple.fr"].roles == {Role.CONSULTANT, Role.MANAGER}
    assert people["lea.petit@exemple.fr"].display_name == "Léa Petit"
    assert len(await notification_store.outbox_rows()) == outbox_before + 5
    head = await audit_store.head(world.organisation.id)
    assert head is not None and head.event == "directory.imported"

    again = await send(admin, "people", content, dry_run=False)
    assert again.status_code == 200, again.text
    assert again.json()["counts"] == {"rows": 5, "create": 0, "skip": 5, "error": 0}


async def test_clients_from_an_excel_csv_in_windows_1252_with_commas(world: World) -> None:
    """Make sure a Windows-1252 CSV (Excel on a French Windows) is read with its accents, a
    SIREN written with spaces is kept as 9 digits, a missing VAT number is the French one of
    the SIREN, and a client already held (same SIREN) is left as it is."""
    admin = await world.person("admin", [Role.ADMIN])
    await world.client("Déjà Là SA")  # SIREN 123456789
    content = csv_bytes(
        [
            "Raison sociale,SIREN,N° TVA,Adresse,Code postal,Ville",
            "Société Générale Exemple,552 120 222,,29 bd Haussmann,75009,Paris",
            'Déjà Là SA,123456789,,"1 rue du Test",75001,Paris',
        ],
        encoding="cp1252",
    )
    real = await send(admin, "clients", content, dry_run=False)
    assert real.status_code == 200, real.text
    assert real.json()["counts"] == {"rows": 2, "create": 1, "skip": 1, "error": 0}
    clients = {c.siren: c for c in await repo.list_clients(world.organisation.id)}
    created = clients["552120222"]
    assert created.legal_name == "Société Générale Exemple"
    assert created.vat_number == "FR27552120222"
    assert created.billing_address == "29 bd Haussmann\n75009 Paris"


async def test_missions_from_xlsx_refer_to_people_and_clients_and_import_when_fixed(
    world: World,
) -> None:
    """Make sure an XLSX of missions (date cells, numbers) is read, that consultants are
    found by e-mail and clients by name or SIREN, that each wrong cell is reported, and that
    the fixed workbook creates the missions with their TJM in cents and their circuit."""
    admin = await world.person("admin", [Role.ADMIN])
    boss = await world.person("boss", [Role.MANAGER], login=False)
    alice = await world.person("alice", [Role.CONSULTANT], manager="boss", login=False)
    client = await world.client("Banque Exemple SA")
    header = [
        "E-mail du consultant",
        "Client",
        "Intitulé",
        "Début",
        "Fin",
        "TJM (€)",
        "Validateur",
        "Mode de facturation",
        "Plafond (jours)",
    ]
    bad = xlsx_bytes(
        [
            header,
            [
                alice.person.email,
                "Banque Exemple SA",
                "Audit",
                date(2027, 1, 4),
                date(2027, 6, 30),
                650.5,
                boss.person.email,
                "régie",
                None,
            ],
            [
                boss.person.email,
                "123 456 789",
                "Conseil",
                "04/01/2027",
                None,
                "700",
                None,
                None,
                None,
            ],
            [
                alice.person.email,
                "Inconnue SA",
                "Run",
                "2027-02-30",
                None,
                "six cents",
                None,
                "régie plafonnée",
                None,
            ],
        ]
    )
    before = await directory_state(world)
    dry = await send(admin, "missions", bad, dry_run=True, name="missions.xlsx")
    assert dry.status_code == 200, dry.text
    assert refusals(dry.json()) == {
        (3, "E-mail du consultant", "not_a_consultant"),
        (4, "Client", "unknown_client"),
        (4, "Début", "invalid_date"),
        (4, "TJM (€)", "invalid_amount"),
        (4, "Plafond (jours)", "cap_required"),
    }
    assert (await send(admin, "missions", bad, dry_run=False)).status_code == 422
    assert await directory_state(world) == before

    fixed = xlsx_bytes(
        [
            header,
            [
                alice.person.email,
                "Banque Exemple SA",
                "Audit",
                date(2027, 1, 4),
                date(2027, 6, 30),
                650.5,
                boss.person.email,
                "régie",
                None,
            ],
            [
                alice.person.email,
                "123 456 789",
                "Run",
                "01/02/2027",
                None,
                "1 200,00 €",
                None,
                "régie plafonnée",
                "12,5",
            ],
        ]
    )
    real = await send(admin, "missions", fixed, dry_run=False, name="missions.xlsx")
    assert real.status_code == 200, real.text
    missions = {m.title: m for m in await repo.list_missions(world.organisation.id)}
    audit = missions["Audit"]
    assert audit.daily_rate_cents == 65_050
    assert (audit.start_date, audit.end_date) == (date(2027, 1, 4), date(2027, 6, 30))
    assert [(s.kind, s.approver_id) for s in audit.steps] == [("manager", boss.id)]
    run = missions["Run"]
    assert (run.client_id, run.billing_mode) == (client.id, "regie_capped")
    assert (run.daily_rate_cents, run.day_cap_half_days) == (120_000, 25)
    again = await send(admin, "missions", fixed, dry_run=False, name="missions.xlsx")
    assert again.json()["counts"] == {"rows": 2, "create": 0, "skip": 2, "error": 0}
    assert len(await repo.list_missions(world.organisation.id)) == 2


async def test_rows_taken_by_someone_else_while_importing_are_refused_whole(
    world: World, settings: Settings
) -> None:
    """Make sure the import checks the directory's rules again under its write lock: an
    e-mail the firm registered after the rows were read, and a manager who is no
    longer one, refuse their rows (and the people they manage) and write nothing."""
    admin = await world.person("admin", [Role.ADMIN])
    boss = await world.person("boss", [Role.MANAGER], login=False)
    sheet = imports_rows.Sheet(
        ["E-mail", "Nom", "Rôles", "Manager"],
        [
            ["late@exemple.fr", "Late", "manager", ""],
            ["team@exemple.fr", "Team", "consultant", "late@exemple.fr"],
            ["solo@exemple.fr", "Solo", "consultant", boss.person.email],
        ],
    )
    known = imports_rows.Known(
        people={boss.person.email: imports_rows.KnownPerson(boss.id, boss.person.roles, None)}
    )
    plan = imports_rows.plan(kind="people", sheet=sheet, known=known)
    assert plan.errors == ()
    # Meanwhile: another admin registers the e-mail; the boss stops being a manager. (Another
    # firm's people are not looked at: e-mails are unique per organisation.)
    await directory.create_person(
        organisation_id=world.organisation.id,
        new=directory.NewPerson(
            email="late@exemple.fr", display_name="Late", roles=frozenset({Role.CONSULTANT})
        ),
    )
    await repo.replace_roles(person_id=boss.id, roles=frozenset({Role.CONSULTANT}))
    before = await directory_state(world)
    actor = Actor(admin.id, world.organisation.id, frozenset({Role.ADMIN}))
    accounts = Accounts(settings=settings, clock=system_clock)
    async with repo.write_transaction():
        ids, _, refused = await imports._write(actor, accounts, plan, dry_run=False)
    assert ids == {}
    assert {(record.row, why.errors[0].code) for record, why in refused} == {
        (2, "email_taken"),
        (3, "row_with_errors"),
        (4, "not_a_manager"),
    }
    assert await directory_state(world) == before


async def test_wrong_type_too_big_or_unreadable_files_are_refused_with_problems(
    world: World,
) -> None:
    """Make sure an old .xls, a binary file, an oversized file, bad base64, a broken XLSX and
    an unknown kind are each refused with a problem document naming why, writing nothing."""
    admin = await world.person("admin", [Role.ADMIN])
    before = await directory_state(world)
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    cases = [
        (await send(admin, "people", xls, dry_run=False, name="old.xls"), 415, "unsupported_type"),
        (await send(admin, "people", b"\x00\x01\x02" * 50, dry_run=True), 415, "unsupported_type"),
        (await send(admin, "people", b"PK\x03\x04broken", dry_run=True), 422, "unreadable_file"),
        (await send(admin, "people", b"a;b\n" * 600_000, dry_run=True), 413, "file_too_large"),
        (await send(admin, "people", b"   \n", dry_run=True), 422, "empty_file"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("file", code)]
    not_base64 = await admin.browser.post(
        f"{API}/people", json={"content_base64": "%%%", "dry_run": True}
    )
    assert not_base64.status_code == 422, not_base64.text
    assert not_base64.json()["errors"][0]["field"] == "content_base64"
    unknown = await send(admin, "invoices", csv_bytes(["a"]), dry_run=True)
    assert unknown.status_code == 404, unknown.text
    missing = await send(admin, "clients", csv_bytes(["Nom;Ville", "X;Y"]), dry_run=True)
    assert missing.status_code == 200
    assert refusals(missing.json()) == {(1, "SIREN", "missing_column")}
    assert await directory_state(world) == before


async def test_the_template_of_each_kind_imports_as_it_is(world: World) -> None:
    """Make sure each downloadable template is a CSV its own import reads without a refused
    column (its example rows checked against an organisation holding what they name)."""
    admin = await world.person("admin", [Role.ADMIN])
    for kind, name in (("people", "personnes"), ("clients", "clients")):
        response = await admin.browser.get(f"{API}/{kind}/template")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        assert f'filename="modele-import-{name}.csv"' in response.headers["content-disposition"]
        assert response.content.startswith("\ufeff".encode())
        imported = await send(admin, kind, response.content, dry_run=False)
        assert imported.status_code == 200, imported.text
        assert imported.json()["counts"]["create"] >= 1
    template = await admin.browser.get(f"{API}/missions/template")
    imported = await send(admin, "missions", template.content, dry_run=False)
    assert imported.status_code == 200, imported.text
    assert imported.json()["counts"] == {"rows": 1, "create": 1, "skip": 0, "error": 0}


async def test_one_workbook_with_a_sheet_per_kind_imports_people_clients_then_missions(
    world: World,
) -> None:
    """Make sure a workbook holding sheets Personnes, Clients and Missions is read sheet by
    sheet: each import takes the sheet named for its kind, and the missions find the people
    and the client imported just before."""
    admin = await world.person("admin", [Role.ADMIN])
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheets = {
        "Lisez-moi": [["Export de l'ancien outil"]],
        "Personnes": [
            ["E-mail", "Prénom", "Nom", "Rôles", "E-mail du manager"],
            ["chef@exemple.fr", "Chef", "Équipe", "manager", ""],
            ["dev@exemple.fr", "Dev", "Eloppeur", "consultant", "chef@exemple.fr"],
        ],
        "Clients": [["Raison sociale", "SIREN"], ["Assurance Exemple", "404833048"]],
        "Missions": [
            ["E-mail du consultant", "Client", "Intitulé", "Date de début", "TJM (€)",
             "Validateur"],
            ["dev@exemple.fr", "Assurance Exemple", "Run", "2027-03-01", 700, "chef@exemple.fr"],
        ],
    }  # fmt: skip
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.close()
    workbook = out.getvalue()
    for kind in ("people", "clients", "missions"):
        response = await send(admin, kind, workbook, dry_run=False, name="export.xlsx")
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == [], kind
        assert response.json()["counts"]["create"] >= 1, kind
    (mission,) = await repo.list_missions(world.organisation.id)
    people = {p.email: p for p in await repo.list_people(world.organisation.id)}
    assert mission.consultant_id == people["dev@exemple.fr"].id
    assert [s.approver_id for s in mission.steps] == [people["chef@exemple.fr"].id]
    assert mission.daily_rate_cents == 70_000
