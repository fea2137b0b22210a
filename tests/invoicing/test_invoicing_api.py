"""The invoicing endpoints: an administrator reviews, issues, credits and exports; bad input
gets a problem document naming the field, and changes nothing."""

from litestar import Litestar

from server.storage import repositories as repo
from tests.factories import Browser, World, register_passkey, token_of
from tests.invoicing.helpers import demo
from tests.soft_authenticator import SoftAuthenticator

ORIGIN = "http://localhost"


async def _login(world: World, email: str) -> Browser:
    person = await repo.get_person_by_email(email)
    assert person is not None
    link = await world.accounts.issue_invitation(person=person, created_by=None)
    browser = world.browser()
    response = await register_passkey(browser, token_of(link), SoftAuthenticator(origin=ORIGIN))
    assert response.status_code == 201, response.text
    return browser


async def test_admin_reviews_issues_credits_pays_and_exports(app: Litestar, world: World) -> None:
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    listing = await admin.get("/api/v1/invoices")
    assert listing.status_code == 200, listing.text
    drafts = {i["period_start"][:7]: i for i in listing.json()}
    assert set(drafts) == {"2026-08", "2026-09"}
    september = drafts["2026-09"]
    assert september["status"] == "draft" and september["client_name"] == "Banque Rhénane SA"
    assert september["sources"][0]["status"] == "signed"

    refused = await admin.post(
        f"/api/v1/invoices/{september['id']}/adjustments",
        json={"line_key": september["lines"][0]["key"], "quantity": 40, "reason": ""},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"

    both = await admin.post(
        f"/api/v1/invoices/{september['id']}/line-discounts",
        json={
            "line_key": september["lines"][0]["key"],
            "percent_bp": 100,
            "amount_cents": 100,
            "reason": "Geste",
        },
    )
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "percent_bp"

    issued = await admin.post(f"/api/v1/invoices/{september['id']}/issue")
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["number"] == "FA-2026-00001" and body["gross_cents"] == 1_677_000
    again = await admin.post(f"/api/v1/invoices/{september['id']}/issue")
    assert again.status_code == 409 and again.json()["code"] == "not_issuable"

    pdf = await admin.get(f"/api/v1/invoices/{body['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    xml = await admin.get(f"/api/v1/invoices/{body['id']}/factur-x.xml")
    assert xml.status_code == 200 and b"FA-2026-00001" in xml.content

    line_id = body["lines"][0]["id"]
    too_much = await admin.post(
        f"/api/v1/invoices/{body['id']}/credit-notes",
        json={"reason": "Erreur", "lines": [{"line_id": line_id, "quantity": 44}]},
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "credit_too_large"
    assert too_much.json()["errors"][0]["field"] == f"lines.{line_id}"
    note = await admin.post(
        f"/api/v1/invoices/{body['id']}/credit-notes",
        json={"reason": "Erreur", "lines": [{"line_id": line_id, "quantity": 1}]},
    )
    assert note.status_code == 201 and note.json()["number"] == "AV-2026-00001"

    overpaid = await admin.post(
        f"/api/v1/invoices/{body['id']}/payments",
        json={"paid_on": "2026-11-20", "amount_cents": 99_999_999},
    )
    assert overpaid.status_code == 422
    assert overpaid.json()["errors"][0]["field"] == "amount_cents"
    # The credit note cancelled 390 € of it: what remains is the total less that.
    whole = await admin.post(
        f"/api/v1/invoices/{body['id']}/payments",
        json={"paid_on": "2026-11-20", "amount_cents": 1_677_000},
    )
    assert whole.status_code == 422
    assert whole.json()["errors"][0]["code"] == "out_of_range"
    paid = await admin.post(
        f"/api/v1/invoices/{body['id']}/payments",
        json={"paid_on": "2026-11-20", "amount_cents": 1_677_000 - 39_000},
    )
    assert paid.status_code == 201 and paid.json()["status"] == "paid"
    assert paid.json()["payments"] == [{"paid_on": "2026-11-20", "amount_cents": 1_638_000}]

    fec = await admin.get(
        "/api/v1/exports/fec", params={"start": "2026-11-01", "end": "2026-11-30"}
    )
    assert fec.status_code == 200 and fec.content.startswith(b"JournalCode\tJournalLib")
    assert 'filename="812345676FEC20261130.txt"' in fec.headers["content-disposition"]
    custom = await admin.get(
        "/api/v1/exports/fec",
        params={"start": "2026-11-01", "end": "2026-11-30", "vat": "445740"},
    )
    assert custom.status_code == 200 and b"\t445740\t" in custom.content
    bad_account = await admin.get(
        "/api/v1/exports/fec",
        params={"start": "2026-11-01", "end": "2026-11-30", "sales": "606000"},
    )
    assert bad_account.status_code == 422
    assert bad_account.json()["errors"][0]["field"] == "sales"
    empty = await admin.get(
        "/api/v1/exports/fec", params={"start": "2026-10-01", "end": "2026-10-31"}
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["code"] == "empty_period"
    payroll = await admin.get("/api/v1/exports/payroll", params={"month": "2026-09"})
    assert payroll.status_code == 200 and payroll.content.count(b"\r\n") == 5


async def test_expenses_are_checked_and_join_the_month(app: Litestar, world: World) -> None:
    d = await demo()
    admin = await _login(world, "claire.admin@octave.example")
    expense = {
        "mission_id": d.alice_mission.id,
        "spent_on": "2026-09-14",
        "category": "transport",
        "amount_cents": 10_050,
        "vat_cents": 1_005,
        "receipt_name": "billet.pdf",
        "receipt_type": "application/pdf",
        "receipt_base64": "JVBERi0xLjQK",
    }
    bad = await admin.post("/api/v1/expenses", json={**expense, "amount_cents": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount_cents"
    bad64 = await admin.post("/api/v1/expenses", json={**expense, "receipt_base64": "%%%"})
    assert bad64.status_code == 422 and bad64.json()["errors"][0]["field"] == "receipt_base64"
    created = await admin.post("/api/v1/expenses", json=expense)
    assert created.status_code == 201, created.text
    receipt = await admin.get(f"/api/v1/expenses/{created.json()['id']}/receipt")
    assert receipt.status_code == 200 and receipt.content == b"%PDF-1.4\n"
    assert receipt.headers["content-type"].startswith("application/pdf")
    listing = (await admin.get("/api/v1/invoices")).json()
    september = next(i for i in listing if i["period_start"] == "2026-09-01")
    assert [line["kind"] for line in september["lines"]] == ["regie", "expense"]


async def test_only_administrators_bill(app: Litestar, world: World) -> None:
    await demo()
    consultant = await _login(world, "alice.martin@octave.example")
    assert (await consultant.get("/api/v1/invoices")).status_code == 403
    refused = await consultant.get("/api/v1/exports/payroll", params={"month": "2026-09"})
    assert refused.status_code == 403


async def test_an_eu_client_is_invoiced_in_reverse_charge(app: Litestar, world: World) -> None:
    """Make sure a client set in Germany gets an "Autoliquidation" invoice with no VAT, and
    illegal payment terms are refused naming the field."""
    d = await demo()
    admin = await _login(world, "claire.admin@octave.example")
    url = f"/api/v1/clients/{d.alice_mission.client_id}/billing"
    billing = {
        "address_line": "Hauptstraße 1",
        "postcode": "10115",
        "city": "Berlin",
        "country_code": "DE",
        "payment_kind": "end_of_month",
        "payment_days": 45,
    }
    too_long = await admin.put(url, json={**billing, "payment_kind": "net", "payment_days": 61})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "payment_days"
    eom_too_long = await admin.put(url, json={**billing, "payment_days": 50})
    assert eom_too_long.status_code == 422
    assert (await admin.put(url, json=billing)).status_code == 204
    listing = (await admin.get("/api/v1/invoices")).json()
    september = next(i for i in listing if i["period_start"] == "2026-09-01")
    issued = await admin.post(f"/api/v1/invoices/{september['id']}/issue")
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["regime"] == "reverse_charge" and body["vat_cents"] == 0
    assert body["gross_cents"] == 1_397_500 and body["due_on"] == "2026-12-31"
    xml = (await admin.get(f"/api/v1/invoices/{body['id']}/factur-x.xml")).content
    assert b"Autoliquidation" in xml
    from tests.invoicing.facturx_checks import assert_valid_facturx

    assert_valid_facturx(xml)


async def test_the_billing_profile_is_read_back_as_saved(app: Litestar, world: World) -> None:
    """Make sure the admin reads the seller's billing profile in the shape the PUT takes, a bad
    IBAN is refused naming the field and changes nothing, and a saved profile is read back."""
    await demo()
    admin = await _login(world, "claire.admin@octave.example")
    before = await admin.get("/api/v1/billing-profile")
    assert before.status_code == 200, before.text
    assert before.json() == {
        "legal_info": "SAS au capital de 50 000 EUR - RCS Paris 812 345 676",
        "address_line": "",
        "postcode": "",
        "city": "",
        "country_code": "FR",
        "iban": "FR7630006000011234567890189",
        "vat_franchise": False,
    }
    profile = {
        **before.json(),
        "address_line": "12 rue de la Paix",
        "postcode": "75002",
        "city": "Paris",
        "vat_franchise": True,
    }
    refused = await admin.put("/api/v1/billing-profile", json={**profile, "iban": "FR12"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["iban"]
    assert (await admin.get("/api/v1/billing-profile")).json() == before.json()
    assert (await admin.put("/api/v1/billing-profile", json=profile)).status_code == 204
    assert (await admin.get("/api/v1/billing-profile")).json() == profile
    consultant = await _login(world, "alice.martin@octave.example")
    assert (await consultant.get("/api/v1/billing-profile")).status_code == 403
