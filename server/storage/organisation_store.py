"""Storage of the organisation screen (issue 14): the firm's identity and billing profile, a
client's billing identity, and a person's sessions, sync devices and passkeys as the
administrator sees them.

Writes run inside the caller's `write_transaction()`, with the audit event that records them.
"""

import re
from datetime import datetime
from typing import Any

from server.storage import tables as t
from server.storage.repositories import _id

ORGANISATION_COLUMNS = (
    "legal_name",
    "siren",
    "siret",
    "vat_number",
    "address",
    "calendar_region",
    "electronic_address",
    "signature_wording",
    "invoice_prefix",
    "credit_note_prefix",
)
PROFILE_COLUMNS = (
    "legal_info",
    "address_line",
    "postcode",
    "city",
    "country_code",
    "iban",
    "bic",
    "vat_franchise",
    "payment_kind",
    "payment_days",
)
CLIENT_COLUMNS = (
    "legal_name",
    "siren",
    "vat_number",
    "billing_address",
    "electronic_address",
    "signature_wording",
)


# -- the organisation ----------------------------------------------------------------------------


async def organisation_row(organisation_id: str) -> dict[str, Any] | None:
    """The organisation's identity columns, by name (ORGANISATION_COLUMNS and time_zone)."""
    columns = [getattr(t.Organisation, name) for name in (*ORGANISATION_COLUMNS, "time_zone")]
    return await (
        t.Organisation.select(*columns).where(t.Organisation.id == organisation_id).first()
    )


async def profile_row(organisation_id: str) -> dict[str, Any] | None:
    """The billing profile's columns (PROFILE_COLUMNS), or None when never set."""
    columns = [getattr(t.BillingProfile, name) for name in PROFILE_COLUMNS]
    return await (
        t.BillingProfile.select(*columns)
        .where(t.BillingProfile.organisation == organisation_id)
        .first()
    )


async def update_organisation(organisation_id: str, fields: dict[str, Any]) -> None:
    await t.Organisation.update(
        {getattr(t.Organisation, name): value for name, value in fields.items()}
    ).where(t.Organisation.id == organisation_id)


async def upsert_profile(organisation_id: str, fields: dict[str, Any]) -> None:
    """Set the named columns of the billing profile, keeping the others (another screen, the
    billing tab's `PUT /billing-profile`, writes some of the same row)."""
    exists = await t.BillingProfile.exists().where(
        t.BillingProfile.organisation == organisation_id
    )
    if exists:
        await t.BillingProfile.update(
            {getattr(t.BillingProfile, name): value for name, value in fields.items()}
        ).where(t.BillingProfile.organisation == organisation_id)
    else:
        await t.BillingProfile(organisation=organisation_id, **fields).save()


async def prefixes(organisation_id: str) -> tuple[str, str]:
    """The organisation's numbering prefixes: (invoices, credit notes)."""
    row = await (
        t.Organisation.select(t.Organisation.invoice_prefix, t.Organisation.credit_note_prefix)
        .where(t.Organisation.id == organisation_id)
        .first()
    )
    if row is None:
        return "FA", "AV"
    return str(row["invoice_prefix"]), str(row["credit_note_prefix"])


async def default_wording(organisation_id: str) -> str:
    row = await (
        t.Organisation.select(t.Organisation.signature_wording)
        .where(t.Organisation.id == organisation_id)
        .first()
    )
    return "signature" if row is None else str(row["signature_wording"])


async def series_counter(organisation_id: str, series: str) -> int:
    """The last value the numbering counter of `series` handed out (0 when never used)."""
    row = await (
        t.InvoiceSequence.select(t.InvoiceSequence.last_value)
        .where(t.InvoiceSequence.key == f"{organisation_id}:{series}")
        .first()
    )
    return 0 if row is None else int(row["last_value"])


async def highest_issued(organisation_id: str, series: str) -> str | None:
    """The highest number of `series` (e.g. ``FA-2026``) on an issued invoice or credit note of
    the organisation, or None."""
    rows = await t.Invoice.select(t.Invoice.number).where(
        (t.Invoice.organisation == organisation_id) & t.Invoice.number.like(f"{series}-%")
    )
    pattern = re.compile(rf"^{re.escape(series)}-([0-9]+)$")
    numbered = [
        (int(match[1]), str(row["number"]))
        for row in rows
        if (match := pattern.match(str(row["number"])))
    ]
    return max(numbered)[1] if numbered else None


# -- clients -------------------------------------------------------------------------------------


async def client_row(client_id: str) -> dict[str, Any] | None:
    """A client's identity columns (CLIENT_COLUMNS, organisation) and its billing country."""
    columns = [getattr(t.ClientCompany, name) for name in CLIENT_COLUMNS]
    row = await (
        t.ClientCompany.select(t.ClientCompany.id, t.ClientCompany.organisation, *columns)
        .where(t.ClientCompany.id == client_id)
        .first()
    )
    if row is None:
        return None
    billing = await (
        t.ClientBilling.select(t.ClientBilling.country_code, t.ClientBilling.buyer_reference)
        .where(t.ClientBilling.client == client_id)
        .first()
    )
    row["id"] = _id(row["id"])
    row["organisation"] = _id(row["organisation"])
    row["country_code"] = str(billing["country_code"]) if billing else "FR"
    row["buyer_reference"] = str(billing["buyer_reference"]) if billing else ""
    return row


async def client_rows(organisation_id: str) -> list[dict[str, Any]]:
    ids = await t.ClientCompany.select(t.ClientCompany.id).where(
        t.ClientCompany.organisation == organisation_id
    )
    rows = [await client_row(_id(r["id"])) for r in ids]
    return sorted((r for r in rows if r is not None), key=lambda r: str(r["legal_name"]))


async def update_client(
    client_id: str, fields: dict[str, Any], *, country_code: str, buyer_reference: str = ""
) -> None:
    """Set a client's identity columns, its billing country and buyer reference (the rest of
    its billing row, address and payment terms, stays)."""
    await t.ClientCompany.update(
        {getattr(t.ClientCompany, name): value for name, value in fields.items()}
    ).where(t.ClientCompany.id == client_id)
    if await t.ClientBilling.exists().where(t.ClientBilling.client == client_id):
        await t.ClientBilling.update(
            {
                t.ClientBilling.country_code: country_code,
                t.ClientBilling.buyer_reference: buyer_reference,
            }
        ).where(t.ClientBilling.client == client_id)
    elif country_code != "FR" or buyer_reference:
        # A row of its own from now on: it starts with the organisation's payment terms, which
        # a client without one paid on.
        row = await (
            t.ClientCompany.select(t.ClientCompany.organisation)
            .where(t.ClientCompany.id == client_id)
            .first()
        )
        profile = await profile_row(_id(row["organisation"])) if row else None
        terms = (
            {"payment_kind": profile["payment_kind"], "payment_days": profile["payment_days"]}
            if profile
            else {}
        )
        await t.ClientBilling(
            client=client_id, country_code=country_code, buyer_reference=buyer_reference, **terms
        ).save()


# -- a person's sessions and devices --------------------------------------------------------------


async def sessions_of(person_id: str) -> list[dict[str, Any]]:
    """A person's open sessions (id, token_hash, created_at, last_seen_at, expires_at)."""
    rows = (
        await t.Session.select(
            t.Session.id,
            t.Session.token_hash,
            t.Session.created_at,
            t.Session.last_seen_at,
            t.Session.expires_at,
        )
        .where(t.Session.person == person_id)
        .order_by(t.Session.last_seen_at, ascending=False)
    )
    for row in rows:
        row["id"] = _id(row["id"])
    return rows


async def end_session(*, person_id: str, session_id: str) -> bool:
    """Delete one of a person's sessions; False when it was not theirs or is gone."""
    found = await t.Session.exists().where(
        (t.Session.id == session_id) & (t.Session.person == person_id)
    )
    if found:
        await t.Session.delete().where(t.Session.id == session_id)
    return bool(found)


async def sync_devices_of(person_id: str) -> list[dict[str, Any]]:
    """The devices that synchronised the person's months (id, last_seen_at)."""
    rows = (
        await t.SyncClient.select(t.SyncClient.id, t.SyncClient.last_seen_at)
        .where(t.SyncClient.person == person_id)
        .order_by(t.SyncClient.last_seen_at, ascending=False)
    )
    for row in rows:
        row["id"] = _id(row["id"])
    return rows


async def last_activity(organisation_id: str) -> dict[str, datetime]:
    """Each member's latest sign of life, by person id: a passkey registered or used to sign
    in, a request in an open session, or a phone's synchronisation (sessions end when a person
    is deactivated; passkeys and devices stay)."""
    latest: dict[str, datetime] = {}
    queries = (
        (t.Passkey, t.Passkey.person, t.Passkey.created_at),
        (t.Passkey, t.Passkey.person, t.Passkey.last_used_at),
        (t.Session, t.Session.person, t.Session.last_seen_at),
        (t.SyncClient, t.SyncClient.person, t.SyncClient.last_seen_at),
    )
    for table, person, at in queries:
        rows = await table.select(person.as_alias("person"), at.as_alias("at")).where(
            person.organisation == organisation_id
        )
        for row in rows:
            who, when = _id(row["person"]), row["at"]
            if when is not None and (who not in latest or when > latest[who]):
                latest[who] = when
    return latest


async def revoke_passkey(*, person_id: str, passkey_id: str, now: datetime) -> None:
    await t.Passkey.update({t.Passkey.revoked_at: now}).where(
        (t.Passkey.id == passkey_id) & (t.Passkey.person == person_id)
    )
