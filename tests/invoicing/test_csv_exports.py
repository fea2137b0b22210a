"""The month's invoices and CRAs as CSV (GET /exports/invoices, GET /exports/months): the file
name an accountant expects, the layout a French spreadsheet opens, refusals that name the
field. Runs on SQLite and, with CARNET_TEST_DB=postgres, on PostgreSQL."""

from litestar import Litestar

from server.domain import csv_exports
from tests.factories import World
from tests.invoicing.helpers import demo
from tests.invoicing.test_invoicing_api import _login

API = "/api/v1"


def _table(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    text = body.decode("utf-8").removeprefix("\ufeff")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return [line.split(";") for line in text.removesuffix("\r\n").split("\r\n")]


async def test_the_months_invoices_csv_lists_each_invoice_and_credit_note(
    app: Litestar, world: World
) -> None:
    """Make sure an issued invoice, part paid, and its credit note each get a line with the
    accountant's columns, credit notes negative, under `factures-YYYY-MM.csv`."""
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    drafts = {i["period_start"][:7]: i for i in (await admin.get(f"{API}/invoices")).json()}
    issued = (await admin.post(f"{API}/invoices/{drafts['2026-09']['id']}/issue")).json()
    line_id = issued["lines"][0]["id"]
    note = await admin.post(
        f"{API}/invoices/{issued['id']}/credit-notes",
        json={"reason": "Demi-journée en trop", "lines": [{"line_id": line_id, "quantity": 1}]},
    )
    assert note.status_code == 201, note.text
    paid = await admin.post(
        f"{API}/invoices/{issued['id']}/payments",
        json={"paid_on": issued["issued_on"], "amount_cents": 100_000},
    )
    assert paid.status_code == 201, paid.text
    month = issued["issued_on"][:7]

    response = await admin.get(f"{API}/exports/invoices", params={"month": month})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="factures-{month}.csv"' in response.headers["content-disposition"]
    header, *rows = _table(response.content)
    assert tuple(header) == csv_exports.INVOICE_HEADER
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_number) == {issued["number"], note.json()["number"]}
    invoice = by_number[issued["number"]]
    assert invoice["type"] == "facture" and invoice["client"] == "Banque Rhénane SA"
    assert (invoice["total_ht"], invoice["tva"], invoice["total_ttc"]) == (
        "13975,00",
        "2795,00",
        "16770,00",
    )
    # Still due: the total less the payment and what the credit note cancelled.
    assert (invoice["encaisse"], invoice["reste_du"]) == ("1000,00", "15380,00")
    assert invoice["statut"] == "partiellement payée"
    assert invoice["periode_debut"] == "2026-09-01" and invoice["date_emission"] == month + "-16"
    credit = by_number[note.json()["number"]]
    assert (credit["type"], credit["total_ht"], credit["total_ttc"]) == (
        "avoir",
        "-325,00",
        "-390,00",
    )
    assert credit["facture_origine"] == issued["number"]


async def test_the_months_cra_csv_lists_every_consultants_month(
    app: Litestar, world: World
) -> None:
    """Make sure every CRA of the month is a line per mission worked, with its status and
    days, under `cra-YYYY-MM.csv`."""
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    response = await admin.get(f"{API}/exports/months", params={"month": "2026-09"})
    assert response.status_code == 200, response.text
    assert 'filename="cra-2026-09.csv"' in response.headers["content-disposition"]
    header, *rows = _table(response.content)
    assert tuple(header) == csv_exports.MONTH_HEADER
    lines = [dict(zip(header, row, strict=True)) for row in rows]
    alice = [r for r in lines if r["matricule"] == "alice.martin@octave.example"]
    assert [(r["statut_cra"], r["client"], r["mission"]) for r in alice] == [
        ("signé", "Banque Rhénane SA", "Refonte du portail de paiement")
    ]
    assert alice[0]["demi_journees"] == "43" and alice[0]["jours"] == "21,5"
    assert all(r["mois"] == "2026-09" for r in lines)


async def test_csv_exports_refuse_a_bad_or_empty_month_naming_the_field(
    app: Litestar, world: World
) -> None:
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    # The payroll export shared the month check: a month 13 was a 500 there too.
    for path in ("invoices", "months", "payroll"):
        bad = await admin.get(f"{API}/exports/{path}", params={"month": "2026-13"})
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [("month", "invalid")]
        empty = await admin.get(f"{API}/exports/{path}", params={"month": "2031-01"})
        assert empty.status_code == 422, empty.text
        assert [(e["field"], e["code"]) for e in empty.json()["errors"]] == [
            ("month", "empty_period")
        ]
    consultant = await _login(world, "alice.martin@octave.example")
    refused = await consultant.get(f"{API}/exports/invoices", params={"month": "2026-11"})
    assert refused.status_code == 403
