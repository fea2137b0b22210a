"""A mission's standing discount (issue 14): set in percent or amount with its reason, audited,
applied to each of its pre-invoices (monthly, then a forfait milestone's) after its line;
refused without a reason or with both kinds, changing nothing; an amount above a month's line
blocks issuing; removing it restores the full line; the XML of an issued invoice with it still
validates."""

from litestar import Litestar

from server.domain.roles import Role
from server.storage import audit_store
from server.storage import tables as t
from tests.factories import World
from tests.invoicing.facturx_checks import assert_valid_facturx
from tests.invoicing.helpers import demo
from tests.invoicing.test_invoicing_api import _login


async def test_a_missions_standing_discount_applies_to_each_pre_invoice(
    app: Litestar, world: World
) -> None:
    d = await demo()
    admin = await _login(world, "claire.admin@octave.example")
    url = f"/api/v1/missions/{d.alice_mission.id}/discount"
    assert (await admin.get(url)).json() == {
        "percent_bp": None,
        "amount_cents": None,
        "reason": "",
    }

    def september(invoices: list[dict]) -> dict:
        [found] = [i for i in invoices if i["period_start"].startswith("2026-09")]
        return found

    before = september((await admin.get("/api/v1/invoices")).json())
    assert before["net_cents"] == 1_397_500
    audits = await t.AuditEntry.count()

    for body, field in (
        ({"percent_bp": 500}, "reason"),
        ({"percent_bp": 500, "amount_cents": 100, "reason": "Accord cadre"}, "amount_cents"),
        ({"percent_bp": 0, "reason": "Accord cadre"}, "percent_bp"),
    ):
        refused = await admin.put(url, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"].endswith(field)
    assert await t.AuditEntry.count() == audits
    assert september((await admin.get("/api/v1/invoices")).json())["net_cents"] == 1_397_500

    saved = await admin.put(url, json={"percent_bp": 500, "reason": " Accord cadre 2026 "})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"percent_bp": 500, "amount_cents": None, "reason": "Accord cadre 2026"}
    assert (await admin.get(url)).json() == saved.json()
    after = september((await admin.get("/api/v1/invoices")).json())
    keys = [line["key"] for line in after["lines"]]
    assert keys == [
        f"mission:{d.alice_mission.id}",
        f"mission-discount:mission:{d.alice_mission.id}",
    ]
    assert after["lines"][1]["net_cents"] == -69_875  # 5 % of 13 975,00 €
    assert after["net_cents"] == 1_397_500 - 69_875
    [event] = [
        e
        for e in await audit_store.chain(d.admin.organisation_id)
        if e.event == "mission.discount_changed"
    ]
    assert event.body["data"]["before"] == {"percent_bp": None, "amount_cents": None, "reason": ""}
    assert event.body["data"]["after"]["percent_bp"] == 500
    assert await t.AuditEntry.count() == audits + 1

    too_much = await admin.put(url, json={"amount_cents": 99_999_999, "reason": "Geste"})
    assert too_much.status_code == 200
    blocked = september((await admin.get("/api/v1/invoices")).json())
    assert blocked["warnings"][-1]["code"] == "discount_too_large"
    refused_issue = await admin.post(f"/api/v1/invoices/{blocked['id']}/issue")
    assert refused_issue.status_code == 409

    await admin.put(url, json={"amount_cents": 50_000, "reason": "Geste commercial"})
    issued = await admin.post(f"/api/v1/invoices/{blocked['id']}/issue")
    assert issued.status_code == 201, issued.text
    assert issued.json()["net_cents"] == 1_397_500 - 50_000
    xml = (await admin.get(f"/api/v1/invoices/{blocked['id']}/factur-x.xml")).content
    assert_valid_facturx(xml)

    # Removed: the next pre-invoices are whole again; the issued one keeps its discount.
    cleared = await admin.put(url, json={})
    assert cleared.status_code == 200 and cleared.json()["percent_bp"] is None
    kept = (await admin.get(f"/api/v1/invoices/{blocked['id']}")).json()
    assert kept["net_cents"] == 1_397_500 - 50_000

    # A forfait's milestone pre-invoice takes its mission's discount too.
    forfait = f"/api/v1/missions/{d.bruno_mission.id}/discount"
    assert (
        await admin.put(forfait, json={"percent_bp": 1000, "reason": "Volume"})
    ).status_code == 200
    delivered = await admin.post(
        f"/api/v1/missions/{d.bruno_mission.id}/milestones/1/delivery",
        json={"delivered_on": "2026-11-10"},
    )
    assert delivered.status_code in (200, 201), delivered.text
    invoices = (await admin.get("/api/v1/invoices")).json()
    [milestone] = [
        i
        for i in invoices
        if any(x["key"].startswith("mission-discount:milestone:") for x in i["lines"])
    ]
    assert milestone["lines"][1]["net_cents"] == -300_000  # 10 % of 30 000 €

    consultant = await world.person("someone", [Role.CONSULTANT])
    assert (await consultant.browser.get(url)).status_code == 403
    refused_put = await consultant.browser.put(url, json={"percent_bp": 100, "reason": "Moi"})
    assert refused_put.status_code == 403
