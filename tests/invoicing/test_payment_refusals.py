"""A payment is never above what remains, and never on an invoice fully credited: each refusal
is a problem document naming `amount_cents`, and records nothing."""

from litestar import Litestar

from tests.factories import World
from tests.invoicing.helpers import demo
from tests.invoicing.test_invoicing_api import _login

API = "/api/v1"


async def test_a_payment_above_what_remains_is_refused_and_the_rest_is_accepted(
    app: Litestar, world: World
) -> None:
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    drafts = {i["period_start"][:7]: i for i in (await admin.get(f"{API}/invoices")).json()}
    issued = (await admin.post(f"{API}/invoices/{drafts['2026-09']['id']}/issue")).json()
    path = f"{API}/invoices/{issued['id']}/payments"
    day = issued["issued_on"]
    first = await admin.post(path, json={"paid_on": day, "amount_cents": 677_000})
    assert first.status_code == 201 and first.json()["status"] == "issued"
    over = await admin.post(path, json={"paid_on": day, "amount_cents": 1_000_001})
    assert over.status_code == 422, over.text
    assert over.headers["content-type"].startswith("application/problem+json")
    assert [(e["field"], e["code"]) for e in over.json()["errors"]] == [
        ("amount_cents", "out_of_range")
    ]
    kept = (await admin.get(f"{API}/invoices/{issued['id']}")).json()
    assert kept["paid_cents"] == 677_000 and len(kept["payments"]) == 1
    rest = await admin.post(path, json={"paid_on": day, "amount_cents": 1_000_000})
    assert rest.status_code == 201 and rest.json()["status"] == "paid"
    again = await admin.post(path, json={"paid_on": day, "amount_cents": 1})
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "amount_cents"


async def test_no_payment_on_a_fully_credited_invoice(app: Litestar, world: World) -> None:
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    drafts = {i["period_start"][:7]: i for i in (await admin.get(f"{API}/invoices")).json()}
    issued = (await admin.post(f"{API}/invoices/{drafts['2026-09']['id']}/issue")).json()
    note = await admin.post(
        f"{API}/invoices/{issued['id']}/credit-notes", json={"reason": "Facture annulée"}
    )
    assert note.status_code == 201 and note.json()["gross_cents"] == issued["gross_cents"]
    refused = await admin.post(
        f"{API}/invoices/{issued['id']}/payments",
        json={"paid_on": issued["issued_on"], "amount_cents": 1_000},
    )
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("amount_cents", "fully_credited")
    ]
    kept = (await admin.get(f"{API}/invoices/{issued['id']}")).json()
    assert kept["paid_cents"] == 0 and kept["payments"] == []
    twice = await admin.post(
        f"{API}/invoices/{issued['id']}/credit-notes", json={"reason": "Encore"}
    )
    assert twice.status_code == 422 and twice.json()["errors"][0]["code"] == "nothing_left"


async def test_what_a_credit_note_cancels_is_no_longer_due(app: Litestar, world: World) -> None:
    """Make sure a credit note lowers what remains: the total is refused, the total less the
    credit note settles the invoice; and a credit note for the rest of a part-paid invoice
    settles it too."""
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    drafts = {i["period_start"][:7]: i for i in (await admin.get(f"{API}/invoices")).json()}
    first = (await admin.post(f"{API}/invoices/{drafts['2026-09']['id']}/issue")).json()
    line = first["lines"][0]["id"]
    note = await admin.post(
        f"{API}/invoices/{first['id']}/credit-notes",
        json={"reason": "Une demi-journée en trop", "lines": [{"line_id": line, "quantity": 1}]},
    )
    assert note.status_code == 201
    credited = note.json()["gross_cents"]
    path = f"{API}/invoices/{first['id']}/payments"
    day = first["issued_on"]
    whole = await admin.post(path, json={"paid_on": day, "amount_cents": first["gross_cents"]})
    assert whole.status_code == 422
    assert whole.json()["errors"][0] == {
        "field": "amount_cents",
        "code": "out_of_range",
        "message": f"between 1 and {first['gross_cents'] - credited}",
    }
    rest = first["gross_cents"] - credited
    settled = await admin.post(path, json={"paid_on": day, "amount_cents": rest})
    assert settled.status_code == 201 and settled.json()["status"] == "paid"

    second = (await admin.post(f"{API}/invoices/{drafts['2026-08']['id']}/issue")).json()
    part = await admin.post(
        f"{API}/invoices/{second['id']}/payments",
        json={"paid_on": second["issued_on"], "amount_cents": 100_000},
    )
    assert part.status_code == 201 and part.json()["status"] == "issued"
    # A credit note for all that remains: with the payment, nothing is owed any more.
    cancel = await admin.post(
        f"{API}/invoices/{second['id']}/credit-notes", json={"reason": "Annulation"}
    )
    assert cancel.status_code == 201
    assert (await admin.get(f"{API}/invoices/{second['id']}")).json()["status"] == "paid"
