"""A mission's purchase order from a spreadsheet (issue 14): the "Bon de commande" column (or
"PO", "Purchase order") is read into the mission, shown in the dry run, stored by the import and
written in the template; one longer than 100 characters is refused at its row and column,
nothing written."""

from server.domain.roles import Role
from server.storage import repositories as repo
from tests.factories import World
from tests.server.test_imports import csv_bytes, directory_state, refusals, send


async def test_missions_import_their_purchase_order(world: World) -> None:
    admin = await world.person("admin", [Role.ADMIN])
    await world.person("boss", [Role.MANAGER])
    alice = await world.person("alice", [Role.CONSULTANT], manager="boss")
    client = await world.client("Banque Exemple SA")
    header = "E-mail du consultant;Client;Intitulé;Date de début;TJM (€);Validateur;PO"
    boss = await repo.get_person(world["boss"].id)
    assert boss is not None
    person = await repo.get_person(alice.id)
    assert person is not None
    row = f"{person.email};{client.legal_name};Recette;02/02/2027;650;{boss.email}"
    too_long = csv_bytes([header, f"{row};{'X' * 101}"])
    before = await directory_state(world)
    refused = await send(admin, "missions", too_long, dry_run=False)
    assert refused.status_code == 422, refused.text
    dry = await send(admin, "missions", too_long, dry_run=True)
    assert refusals(dry.json()) == {(2, "PO", "too_long")}
    assert {e["field"] for e in refused.json()["errors"]} == {"rows[2].purchase_order"}
    assert await directory_state(world) == before

    good = csv_bytes([header, f"{row};BC-2027-0042"])
    preview = await send(admin, "missions", good, dry_run=True)
    assert preview.status_code == 200, preview.text
    assert preview.json()["rows"][0]["cells"][-1] == "BC-2027-0042"
    assert preview.json()["counts"]["create"] == 1
    done = await send(admin, "missions", good, dry_run=False)
    assert done.status_code == 200, done.text
    [mission] = [
        m for m in await repo.list_missions(world.organisation.id) if m.title == "Recette"
    ]
    assert mission.purchase_order == "BC-2027-0042"

    template = await admin.browser.get("/api/v1/imports/missions/template")
    assert "Bon de commande" in template.content.decode("utf-8-sig").splitlines()[0]
