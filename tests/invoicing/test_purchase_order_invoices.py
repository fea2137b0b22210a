"""The purchase order (BT-13) and the client's buyer reference (BT-10) on invoices (issue 14):
one pre-invoice per purchase order of a client's month, regrouped when a mission's order
changes, never billing a mission twice; both references in the Factur-X XML (which still
passes the XSD, EN 16931 and French rules) and printed on the PDF."""

import io
from typing import Any

from litestar import Litestar
from pypdf import PdfReader

from server.services import invoicing as billing
from server.services.sync_service import set_month_state
from server.storage import repositories as repo
from sync.months import MonthStatus
from tests.factories import Browser, World
from tests.invoicing.facturx_checks import assert_valid_facturx
from tests.invoicing.helpers import NOW, demo
from tests.invoicing.test_invoicing_api import _login
from tests.server.test_mission_changes import body


async def _set_order(admin: Browser, mission_id: str, order: str) -> None:
    mission = await repo.get_mission(mission_id)
    assert mission is not None
    saved = await admin.put(
        f"/api/v1/missions/{mission_id}", json=body(mission, purchase_order=order)
    )
    assert saved.status_code == 200, saved.text


async def _invoices(admin: Browser, month: str) -> list[dict[str, Any]]:
    listing = await admin.get("/api/v1/invoices")
    assert listing.status_code == 200, listing.text
    return [
        i for i in listing.json() if i["period_start"].startswith(month) and i["kind"] == "invoice"
    ]


async def test_the_purchase_order_and_buyer_reference_reach_the_facturx_invoice(
    app: Litestar, world: World
) -> None:
    """Make sure a mission's purchase order regroups its pre-invoice, and that issuing carries
    it (BT-13) and the client's buyer reference (BT-10) into valid XML and onto the PDF."""
    d = await demo()
    admin = await _login(world, "claire.admin@octave.example")
    await _set_order(admin, d.alice_mission.id, "BC-2026-0042")
    found = await _invoices(admin, "2026-09")
    [september] = [i for i in found if i["lines"]]
    assert september["purchase_order"] == "BC-2026-0042"

    url = f"/api/v1/clients/{d.alice_mission.client_id}"
    client = (await admin.get(url)).json()
    too_long = await admin.put(url, json={**client, "buyer_reference": "X" * 101} | {"id": None})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "buyer_reference"
    fields = {k: v for k, v in client.items() if k not in {"id", "reverse_charge"}}
    saved = await admin.put(url, json={**fields, "buyer_reference": "SERVICE-ACHATS-7"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["buyer_reference"] == "SERVICE-ACHATS-7"
    assert (await admin.get(url)).json()["buyer_reference"] == "SERVICE-ACHATS-7"

    issued = await admin.post(f"/api/v1/invoices/{september['id']}/issue")
    assert issued.status_code == 201, issued.text
    assert issued.json()["purchase_order"] == "BC-2026-0042"
    assert issued.json()["buyer_reference"] == "SERVICE-ACHATS-7"
    xml = (await admin.get(f"/api/v1/invoices/{september['id']}/factur-x.xml")).content
    assert b"<ram:BuyerReference>SERVICE-ACHATS-7</ram:BuyerReference>" in xml
    order = xml.split(b"<ram:BuyerOrderReferencedDocument>")[1].split(b"</ram:Buyer")[0]
    assert b"<ram:IssuerAssignedID>BC-2026-0042</ram:IssuerAssignedID>" in order
    assert_valid_facturx(xml)
    pdf = (await admin.get(f"/api/v1/invoices/{september['id']}/pdf")).content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace("\n", " ")
    assert "Bon de commande n° : BC-2026-0042" in text
    assert "Votre référence : SERVICE-ACHATS-7" in text

    # A credit note cites the same order and reference.
    line_id = issued.json()["lines"][0]["id"]
    note = await admin.post(
        f"/api/v1/invoices/{september['id']}/credit-notes",
        json={"reason": "Erreur", "lines": [{"line_id": line_id, "quantity": 1}]},
    )
    assert note.status_code == 201, note.text
    assert note.json()["purchase_order"] == "BC-2026-0042"
    assert note.json()["lines"][0]["credits_line_id"] == line_id
    note_xml = (await admin.get(f"/api/v1/invoices/{note.json()['id']}/factur-x.xml")).content
    assert b"BC-2026-0042" in note_xml and b"SERVICE-ACHATS-7" in note_xml
    assert_valid_facturx(note_xml)

    # Issued, the invoice keeps its order: a new one on the mission changes nothing billed.
    await _set_order(admin, d.alice_mission.id, "BC-2026-0099")
    after = await _invoices(admin, "2026-09")
    assert [i["purchase_order"] for i in after if i["lines"]] == ["BC-2026-0042"]
    assert sum(1 for i in after if i["lines"]) == 1


async def test_missions_under_different_purchase_orders_are_billed_apart(
    app: Litestar, world: World
) -> None:
    """Make sure two missions of one client and month under two orders give two pre-invoices,
    and that putting them under one order regroups them, the emptied draft refusing to issue."""
    d = await demo()
    admin = await _login(world, "claire.admin@octave.example")
    missions = {m.title: m for m in await repo.list_missions(d.admin.organisation_id)}
    audit = missions["Audit de sécurité"]
    await _set_order(admin, d.alice_mission.id, "PO-A")
    await _set_order(admin, audit.id, "PO-B")
    for person in (d.alice.id, d.chloe.id):
        await set_month_state(
            consultant_id=person, month="2026-10", status=MonthStatus.VALIDATED, now=NOW
        )
        sheet = await repo.get_timesheet(consultant_id=person, month="2026-10")
        assert sheet is not None
        await billing.on_month_validated(month_id=sheet.id, at=NOW)
    october = {i["purchase_order"]: i for i in await _invoices(admin, "2026-10")}
    assert set(october) == {"PO-A", "PO-B"}
    assert [line["key"] for line in october["PO-A"]["lines"]] == [f"mission:{d.alice_mission.id}"]
    assert [line["key"] for line in october["PO-B"]["lines"]] == [f"mission:{audit.id}"]

    await _set_order(admin, audit.id, "PO-A")
    regrouped = {i["id"]: i for i in await _invoices(admin, "2026-10")}
    together = regrouped[october["PO-A"]["id"]]
    assert sorted(line["key"] for line in together["lines"]) == sorted(
        [f"mission:{d.alice_mission.id}", f"mission:{audit.id}"]
    )
    emptied = regrouped[october["PO-B"]["id"]]
    assert emptied["lines"] == [] and emptied["gross_cents"] == 0
    assert emptied["warnings"][0]["code"] == "purchase_order_moved"
    refused = await admin.post(f"/api/v1/invoices/{emptied['id']}/issue")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "purchase_order"
    assert (await admin.get(f"/api/v1/invoices/{emptied['id']}")).json()["number"] is None
