"""The organisation screen's API (issue 14): the firm's identity and billing profile, a client's
billing identity, a person's devices and passkeys. Every change is audited; every refusal names
its field and changes nothing.

Real app, real database (SQLite, or PostgreSQL with CARNET_TEST_DB=postgres), real passkeys
through the soft authenticator.
"""

from datetime import date
from typing import Any

import pytest

from server.domain.identifiers import french_vat_for, iban_ok, siren_ok, siret_ok
from server.domain.pricing import PaymentTerms, TermsKind, due_date
from server.domain.roles import Role
from server.storage import audit_store
from server.storage import invoicing_store as invoicing
from server.storage import repositories as repo
from tests.factories import World, register_passkey, token_of
from tests.soft_authenticator import SoftAuthenticator

pytestmark = pytest.mark.anyio

API = "/api/v1"
SIREN = "732829320"  # a valid Luhn SIREN
SIRET = "73282932000074"
VAT = "FR44732829320"
IBAN = "FR7630006000011234567890189"
CLIENT_SIREN = "552100554"


def profile(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "legal_name": "Octave Conseil SAS",
        "siren": SIREN,
        "siret": SIRET,
        "vat_number": VAT,
        "legal_info": "SAS au capital de 10 000 €, RCS Paris",
        "address_line": "12 rue de la Paix",
        "postcode": "75002",
        "city": "Paris",
        "country_code": "FR",
        "electronic_address": "",
        "payment_kind": "net",
        "payment_days": 30,
        "iban": IBAN,
        "bic": "BNPAFRPPXXX",
        "vat_franchise": False,
        "calendar_region": "metropole",
        "signature_wording": "signature",
        "invoice_prefix": "FA",
        "credit_note_prefix": "AV",
    }
    return {**body, **changes}


def reasons(response: Any) -> set[tuple[str, str]]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


async def events(world: World, kind: str) -> list[Any]:
    return [e for e in await audit_store.chain(world.organisation.id) if e.event == kind]


def test_check_digits_of_the_identifiers_follow_insee_and_iso() -> None:
    """Make sure the Luhn, VAT key and IBAN checks accept real numbers and refuse a typo."""
    assert siren_ok(SIREN) and not siren_ok("732829321")
    assert siret_ok(SIRET) and not siret_ok("73282932000075")
    assert siret_ok("35600000000048")  # La Poste: digits summing to a multiple of 5
    assert french_vat_for(SIREN) == VAT
    assert iban_ok(IBAN) and not iban_ok(IBAN[:-1] + "8")


async def test_admin_saves_the_organisation_and_it_is_audited(world: World) -> None:
    """Make sure the whole profile is stored, read back, applied to the one-line address and
    the wording of new clients, and recorded with its before and after values."""
    admin = await world.person("admin", [Role.ADMIN])
    saved = await admin.browser.put(
        f"{API}/organisation",
        json=profile(
            signature_wording="attestation",
            calendar_region="alsace_moselle",
            electronic_address="732829320_FACTURES",
            payment_kind="end_of_month",
            payment_days=45,
            invoice_prefix="F",
            credit_note_prefix="A",
        ),
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["siret"] == SIRET and body["bic"] == "BNPAFRPPXXX"
    assert body["next_invoice_number"] == "F-2026-00001"
    assert body["next_credit_note_number"] == "A-2026-00001"
    read = (await admin.browser.get(f"{API}/organisation/profile")).json()
    assert read == body
    org = await repo.get_organisation(world.organisation.id)
    assert org is not None
    assert org.address == "12 rue de la Paix, 75002 Paris"
    assert org.calendar_region == "alsace_moselle"
    [event] = await events(world, "organisation.changed")
    assert event.actor == admin.id
    assert event.body["data"]["after"]["invoice_prefix"] == "F"
    assert event.body["data"]["after"]["payment_days"] == 45

    created = await admin.browser.post(
        f"{API}/clients",
        json={
            "legal_name": "Banque SA",
            "siren": CLIENT_SIREN,
            "vat_number": french_vat_for(CLIENT_SIREN),
            "billing_address": "1 rue du Test, 75001 Paris",
        },
    )
    assert created.status_code == 201, created.text
    client = await admin.browser.get(f"{API}/clients/{created.json()['id']}")
    assert client.json()["signature_wording"] == "attestation"

    # The older endpoint (integrations) keeps the fields it does not know, and is audited too:
    # the fields it reset to their defaults, before and after.
    legacy = await admin.browser.put(f"{API}/billing-profile", json={"iban": IBAN})
    assert legacy.status_code == 204, legacy.text
    again = (await admin.browser.get(f"{API}/organisation/profile")).json()
    assert again["bic"] == "BNPAFRPPXXX" and again["payment_days"] == 45
    _, reset = await events(world, "organisation.changed")
    assert reset.actor == admin.id
    assert "iban" not in reset.body["data"]["after"], "the IBAN did not change"
    assert reset.body["data"]["after"]["city"] == "" != reset.body["data"]["before"]["city"]

    same = await admin.browser.put(f"{API}/organisation", json={**profile(), **_of(again)})
    assert same.status_code == 200
    assert len(await events(world, "organisation.changed")) == 2, "no change, no event"


def _of(read: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in read.items() if k in profile()}


async def test_a_wrong_identifier_is_refused_by_field_and_nothing_changes(world: World) -> None:
    """Make sure a SIRET, SIREN, VAT number or IBAN that does not add up is named with its
    reason, and that the organisation, its billing profile and its audit trail stay as they
    were."""
    admin = await world.person("admin", [Role.ADMIN])
    before = (await admin.browser.get(f"{API}/organisation/profile")).json()
    response = await admin.browser.put(
        f"{API}/organisation",
        json=profile(
            siret="73282932000075",
            vat_number="FR00732829320",
            iban=IBAN[:-1] + "8",
            payment_days=60,
            payment_kind="end_of_month",
        ),
    )
    assert response.status_code == 422, response.text
    assert reasons(response) == {
        ("siret", "siret_checksum"),
        ("vat_number", "vat_mismatch"),
        ("iban", "iban_checksum"),
        ("payment_days", "too_long"),
    }
    assert "FR44732829320" in str(response.json()["errors"])
    other = await admin.browser.put(
        f"{API}/organisation",
        json=profile(siren="123456789", siret="12345678900006", credit_note_prefix="FA"),
    )
    assert other.status_code == 422
    assert ("siren", "siren_checksum") in reasons(other)
    assert ("credit_note_prefix", "same_series") in reasons(other)
    wrong_siren = await admin.browser.put(
        f"{API}/organisation", json=profile(siret="55210055400013")
    )
    assert reasons(wrong_siren) == {("siret", "siret_not_of_siren")}
    malformed = await admin.browser.put(f"{API}/organisation", json=profile(siret="7328293200"))
    assert malformed.status_code == 422
    assert {e["field"] for e in malformed.json()["errors"]} == {"siret"}
    assert (await admin.browser.get(f"{API}/organisation/profile")).json() == before
    assert await events(world, "organisation.changed") == []


async def test_a_prefix_that_would_issue_a_number_twice_is_refused(world: World) -> None:
    """Make sure switching to a prefix whose counter is behind a number already issued in its
    series (a restored database) is refused, naming that number, and changes nothing; and
    that going back to a prefix used before continues its counter."""
    admin = await world.person("admin", [Role.ADMIN])
    assert (await admin.browser.put(f"{API}/organisation", json=profile())).status_code == 200
    org = world.organisation.id
    async with repo.write_transaction():
        for _ in range(3):
            await invoicing.next_number(organisation_id=org, series="FB-2026")
    client = await world.client()
    await _issued_number(org, client.id, "FB-2026-00003")
    # The counter restored from a backup taken before the last two numbers.
    from server.storage import tables as t

    await t.InvoiceSequence.update({t.InvoiceSequence.last_value: 1}).where(
        t.InvoiceSequence.key == f"{org}:FB-2026"
    )
    refused = await admin.browser.put(f"{API}/organisation", json=profile(invoice_prefix="FB"))
    assert refused.status_code == 422, refused.text
    assert reasons(refused) == {("invoice_prefix", "reuses_number")}
    assert "FB-2026-00003" in refused.json()["errors"][0]["message"]
    read = (await admin.browser.get(f"{API}/organisation/profile")).json()
    assert read["invoice_prefix"] == "FA"

    await t.InvoiceSequence.update({t.InvoiceSequence.last_value: 3}).where(
        t.InvoiceSequence.key == f"{org}:FB-2026"
    )
    moved = await admin.browser.put(f"{API}/organisation", json=profile(invoice_prefix="FB"))
    assert moved.status_code == 200, moved.text
    assert moved.json()["next_invoice_number"] == "FB-2026-00004"


async def _issued_number(organisation_id: str, client_id: str, number: str) -> None:
    from server.storage import tables as t

    await t.Invoice(
        organisation=organisation_id,
        client=client_id,
        group_key=f"test:{number}",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        status="issued",
        number=number,
        issued_on=date(2026, 11, 2),
    ).save()


async def test_admin_edits_a_client_and_it_is_audited(world: World) -> None:
    """Make sure a client's identity, country (reverse charge), electronic address and wording
    are saved, read back and audited; a wrong SIREN or VAT number is refused by field and
    changes nothing."""
    admin = await world.person("admin", [Role.ADMIN])
    client = await world.client("Banque Exemple SA")
    url = f"{API}/clients/{client.id}"
    body = {
        "legal_name": "Banque Exemple SA",
        "siren": CLIENT_SIREN,
        "vat_number": french_vat_for(CLIENT_SIREN),
        "billing_address": "5 avenue de l'Opéra, 75001 Paris",
        "electronic_address": "552100554_ACHATS",
        "country_code": "FR",
        "signature_wording": "attestation",
        "buyer_reference": "",
    }
    saved = await admin.browser.put(url, json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {**body, "id": client.id, "reverse_charge": False}
    assert (await admin.browser.get(url)).json() == saved.json()
    listed = {c["id"]: c for c in (await admin.browser.get(f"{API}/clients")).json()}
    assert listed[client.id]["siren"] == CLIENT_SIREN

    abroad = await admin.browser.put(
        url, json={**body, "country_code": "BE", "vat_number": "BE0403170701"}
    )
    assert abroad.status_code == 200, abroad.text
    assert abroad.json()["reverse_charge"] is True
    assert len(await events(world, "client.changed")) == 2

    refused = await admin.browser.put(
        url, json={**body, "siren": "552100555", "vat_number": "FR00552100555"}
    )
    assert refused.status_code == 422
    assert reasons(refused) == {("siren", "siren_checksum")}
    mismatch = await admin.browser.put(url, json={**body, "vat_number": "FR00552100554"})
    assert reasons(mismatch) == {("vat_number", "vat_mismatch")}
    foreign = await admin.browser.put(url, json={**body, "country_code": "DE"})
    assert reasons(foreign) == {("vat_number", "vat_country")}
    outside = await admin.browser.put(
        url, json={**body, "country_code": "US", "vat_number": "US123456"}
    )
    assert ("country_code", "unsupported") in reasons(outside)
    assert (await admin.browser.get(url)).json() == abroad.json()
    assert len(await events(world, "client.changed")) == 2

    unknown = await admin.browser.put(f"{API}/clients/{admin.id}", json=body)
    assert unknown.status_code == 404


async def test_admin_sees_and_revokes_a_persons_devices(world: World) -> None:
    """Make sure an administrator lists a person's passkeys and sessions, ends one session
    (that device is signed out, the other stays), revokes a passkey (its sessions end, its
    record stays revoked), and is told before revoking the last one."""
    admin = await world.person("admin", [Role.ADMIN])
    alice = await world.person("alice", [Role.CONSULTANT])
    person = await repo.get_person(alice.id)
    assert person is not None
    phone = world.browser()
    phone_key = SoftAuthenticator(origin="http://localhost")
    link = await world.accounts.issue_invitation(person=person, created_by=None)
    assert (await register_passkey(phone, token_of(link), phone_key)).status_code == 201

    url = f"{API}/people/{alice.id}/devices"
    devices = (await admin.browser.get(url)).json()
    assert len(devices["passkeys"]) == 2 and len(devices["sessions"]) == 2
    assert not any(s["current"] for s in devices["sessions"])
    mine = (await admin.browser.get(f"{API}/people/{admin.id}/devices")).json()
    [current] = mine["sessions"]
    assert current["current"] is True
    own = await admin.browser.post(
        f"{API}/people/{admin.id}/sessions/{current['id']}/end", json={}
    )
    assert own.status_code == 409 and reasons(own) == {("session_id", "current_session")}

    newest = devices["sessions"][0]["id"]
    ended = await admin.browser.post(f"{API}/people/{alice.id}/sessions/{newest}/end", json={})
    assert ended.status_code == 200, ended.text
    assert [s["id"] for s in ended.json()["sessions"]] == [devices["sessions"][1]["id"]]
    statuses = sorted(
        [
            (await alice.browser.get(f"{API}/me")).status_code,
            (await phone.get(f"{API}/me")).status_code,
        ]
    )
    assert statuses == [200, 401]
    [event] = await events(world, "person.session_ended")
    assert event.body["data"] == {"person": alice.id, "session": newest}

    first, second = devices["passkeys"]
    revoked = await admin.browser.post(
        f"{API}/people/{alice.id}/passkeys/{second['id']}/revoke", json={}
    )
    assert revoked.status_code == 200, revoked.text
    keys = {k["id"]: k for k in revoked.json()["passkeys"]}
    assert keys[second["id"]]["revoked_at"] is not None and keys[first["id"]]["revoked_at"] is None
    assert revoked.json()["sessions"] == []
    assert (await alice.browser.get(f"{API}/me")).status_code == 401

    last = await admin.browser.post(
        f"{API}/people/{alice.id}/passkeys/{first['id']}/revoke", json={}
    )
    assert last.status_code == 409
    assert reasons(last) == {("confirm_last", "last_passkey")}
    assert "invitation" in last.json()["errors"][0]["message"]
    still = (await admin.browser.get(url)).json()
    assert {k["id"]: k["revoked_at"] for k in still["passkeys"]}[first["id"]] is None
    confirmed = await admin.browser.post(
        f"{API}/people/{alice.id}/passkeys/{first['id']}/revoke", json={"confirm_last": True}
    )
    assert confirmed.status_code == 200
    kinds = [e.body["data"]["last"] for e in await events(world, "person.passkey_revoked")]
    assert kinds == [False, True]
    assert len(await repo.list_passkeys(alice.id)) == 2, "revoked, never deleted"


async def test_deactivation_and_reactivation_are_audited(world: World) -> None:
    """Make sure deactivating and reactivating a person each leave an audit event; a refused
    deactivation (oneself) leaves none."""
    admin = await world.person("admin", [Role.ADMIN])
    alice = await world.person("alice", [Role.CONSULTANT], login=False)
    assert (await admin.browser.post(f"{API}/people/{admin.id}/deactivate")).status_code == 409
    assert (await admin.browser.post(f"{API}/people/{alice.id}/deactivate")).status_code == 200
    assert (await admin.browser.post(f"{API}/people/{alice.id}/reactivate")).status_code == 200
    kinds = [
        (e.event, e.body["data"]["person"])
        for e in await audit_store.chain(world.organisation.id)
        if e.event.startswith("person.")
    ]
    assert kinds == [("person.deactivated", alice.id), ("person.reactivated", alice.id)]


async def test_only_an_administrator_reads_or_changes_these(world: World) -> None:
    """Make sure a manager is refused every endpoint of the screen, and nothing changes."""
    await world.person("admin", [Role.ADMIN])
    boss = await world.person("boss", [Role.MANAGER])
    client = await world.client()
    for method, url, body in (
        ("GET", "/organisation/profile", None),
        ("PUT", "/organisation", profile()),
        ("GET", f"/clients/{client.id}", None),
        ("GET", f"/people/{boss.id}/devices", None),
    ):
        response = await boss.browser.send(method, f"{API}{url}", json=body)
        assert response.status_code == 403, (url, response.text)
    assert await audit_store.chain(world.organisation.id) == []


async def test_an_invoice_follows_the_organisation_screen(world: World) -> None:
    """Make sure an invoice issued after the organisation was saved takes its number from the
    new prefix and carries the BIC (BT-86) and the electronic invoicing address (BT-34) in a
    Factur-X that still validates."""
    from tests.invoicing.facturx_checks import assert_valid_facturx
    from tests.invoicing.helpers import demo

    await demo()
    person = await repo.get_person_by_email("claire.admin@octave.example")
    assert person is not None
    link = await world.accounts.issue_invitation(person=person, created_by=None)
    admin = world.browser()
    key = SoftAuthenticator(origin="http://localhost")
    assert (await register_passkey(admin, token_of(link), key)).status_code == 201
    saved = await admin.put(
        f"{API}/organisation",
        json=profile(
            invoice_prefix="FAC",
            electronic_address=f"{SIREN}_FACTURES",
            payment_kind="end_of_month",
            payment_days=45,
        ),
    )
    assert saved.status_code == 200, saved.text
    listing = (await admin.get(f"{API}/invoices")).json()
    september = next(i for i in listing if i["period_start"] == "2026-09-01")
    issued = await admin.post(f"{API}/invoices/{september['id']}/issue")
    assert issued.status_code == 201, issued.text
    assert issued.json()["number"] == "FAC-2026-00001"
    # The client has no terms of its own: the organisation's, 45 days end of month.
    issued_on = date.fromisoformat(issued.json()["issued_on"])
    assert (
        issued.json()["due_on"]
        == due_date(
            issued_on=issued_on, terms=PaymentTerms(TermsKind.END_OF_MONTH, 45)
        ).isoformat()
    )
    xml = (await admin.get(f"{API}/invoices/{issued.json()['id']}/factur-x.xml")).content
    assert b"BNPAFRPPXXX" in xml
    assert f"{SIREN}_FACTURES".encode() in xml
    assert_valid_facturx(xml)
    after = (await admin.get(f"{API}/organisation/profile")).json()
    assert after["next_invoice_number"] == "FAC-2026-00002"


async def test_the_people_list_reads_when_each_member_was_last_seen(world: World) -> None:
    """Make sure each member's last activity is the latest of their sign-ins, requests and
    phone syncs, that someone never signed in is not listed, and that it stays once their
    sessions are gone (a deactivation ends them)."""
    admin = await world.person("admin", [Role.ADMIN])
    alice = await world.person("alice", [Role.CONSULTANT])
    invited = await world.person("bob", [Role.CONSULTANT], login=False)
    assert (await alice.browser.get(f"{API}/me")).status_code == 200
    response = await admin.browser.get(f"{API}/people/activity")
    assert response.status_code == 200, response.text
    seen = {row["person_id"]: row["last_active_at"] for row in response.json()}
    assert set(seen) == {admin.id, alice.id} and invited.id not in seen
    at = [row["last_active_at"] for row in response.json()]
    assert at == sorted(at, reverse=True), "most recent first"

    before = seen[alice.id]
    off = await admin.browser.post(f"{API}/people/{alice.id}/deactivate", json={})
    assert off.status_code == 200, off.text
    again = {
        r["person_id"]: r["last_active_at"]
        for r in (await admin.browser.get(f"{API}/people/activity")).json()
    }
    assert again[alice.id] >= before
