"""The organisation screen (issue 14): the firm's legal identity and billing profile, a client's
billing identity, and a person's sessions, sync devices and passkeys, as an administrator edits
them. Every change is one transaction with its audit event (`audit_log.record_organisation_event`),
and every refusal names its field and changes nothing.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.domain import identifiers as ids
from server.domain import invoicing as inv
from server.domain import pricing as p
from server.domain.access import ensure_role
from server.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from server.domain.roles import Actor, Role
from server.services import audit_log
from server.services.accounts import token_hash
from server.services.clock import Clock, system_clock
from server.storage import organisation_store as store
from server.storage import repositories as repo

# -- the organisation --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationProfile:
    """What the organisation screen shows and saves (all of it: a PUT replaces it)."""

    legal_name: str
    siren: str
    siret: str
    vat_number: str
    legal_info: str
    address_line: str
    postcode: str
    city: str
    country_code: str
    electronic_address: str
    payment_kind: str
    payment_days: int
    iban: str
    bic: str
    vat_franchise: bool
    calendar_region: str
    signature_wording: str
    invoice_prefix: str
    credit_note_prefix: str


@dataclass(frozen=True)
class ProfileView:
    """The profile as stored, and what the numbering would give next."""

    id: str
    profile: OrganisationProfile
    time_zone: str
    next_invoice_number: str
    next_credit_note_number: str


_ORG = set(store.ORGANISATION_COLUMNS) - {"address"}
_PROFILE = set(store.PROFILE_COLUMNS)
_PROFILE_DEFAULTS: dict[str, Any] = {
    "legal_info": "",
    "address_line": "",
    "postcode": "",
    "city": "",
    "country_code": "FR",
    "iban": "",
    "bic": "",
    "vat_franchise": False,
    "payment_kind": "net",
    "payment_days": 30,
}


def _today(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


async def read_profile(actor: Actor, *, clock: Clock = system_clock) -> ProfileView:
    """The organisation's identity and billing profile (administrators only). A profile with
    no address shows the one split from the organisation's one-line address."""
    ensure_role(actor, Role.ADMIN)
    org = await store.organisation_row(actor.organisation_id)
    if org is None:
        raise NotFound("no such organisation")
    stored = await store.profile_row(actor.organisation_id)
    billing = {**_PROFILE_DEFAULTS, **(stored or {})}
    if not (billing["address_line"] or billing["postcode"] or billing["city"]):
        # As the invoices do (`invoicing.seller_of`): the one-line address, split.
        line, postcode, city = inv.split_address(str(org["address"]))
        billing.update(address_line=line, postcode=postcode, city=city)
    profile = OrganisationProfile(
        **{name: org[name] for name in _ORG},
        **{name: billing[name] for name in _PROFILE},
    )
    year = _today(clock(), str(org["time_zone"])).year
    return ProfileView(
        id=actor.organisation_id,
        profile=dataclasses.replace(
            profile,
            payment_days=int(profile.payment_days),
            vat_franchise=bool(profile.vat_franchise),
        ),
        time_zone=str(org["time_zone"]),
        next_invoice_number=await _next_number(
            actor.organisation_id, profile.invoice_prefix, year
        ),
        next_credit_note_number=await _next_number(
            actor.organisation_id, profile.credit_note_prefix, year
        ),
    )


async def _next_number(organisation_id: str, prefix: str, year: int) -> str:
    series = f"{prefix}-{year}"
    return inv.number_of(series, await store.series_counter(organisation_id, series) + 1)


def identity_errors(profile: OrganisationProfile) -> list[FieldError]:
    """The check digits and consistency of the firm's identifiers and bank details."""
    errors: list[FieldError] = []
    if not ids.siren_ok(profile.siren):
        errors.append(
            FieldError("siren", "siren_checksum", "this SIREN's check digit does not add up")
        )
    if not ids.siret_ok(profile.siret):
        errors.append(
            FieldError("siret", "siret_checksum", "this SIRET's check digit does not add up")
        )
    elif not profile.siret.startswith(profile.siren):
        errors.append(
            FieldError("siret", "siret_not_of_siren", "a SIRET starts with the company's SIREN")
        )
    if profile.vat_number:
        if profile.vat_number.startswith("FR") and ids.siren_ok(profile.siren):
            expected = ids.french_vat_for(profile.siren)
            if profile.vat_number != expected:
                errors.append(
                    FieldError(
                        "vat_number",
                        "vat_mismatch",
                        f"the VAT number of SIREN {profile.siren} is {expected}",
                    )
                )
    elif not profile.vat_franchise:
        errors.append(
            FieldError(
                "vat_number",
                "vat_required",
                "a VAT number is required unless the firm is under the VAT franchise",
            )
        )
    if profile.iban and not ids.iban_ok(profile.iban):
        errors.append(FieldError("iban", "iban_checksum", "this IBAN's check digits are wrong"))
    if profile.bic and not ids.bic_ok(profile.bic):
        errors.append(FieldError("bic", "invalid", "a BIC has 8 or 11 letters and digits"))
    limit = p.MAX_NET_DAYS if profile.payment_kind == "net" else p.MAX_EOM_DAYS
    if not 0 <= profile.payment_days <= limit:
        errors.append(
            FieldError(
                "payment_days",
                "too_long",
                f"at most {limit} days (C. com. L441-10)",
            )
        )
    if profile.invoice_prefix == profile.credit_note_prefix:
        errors.append(
            FieldError(
                "credit_note_prefix",
                "same_series",
                "invoices and credit notes need two different prefixes",
            )
        )
    return errors


async def _numbering_errors(
    organisation_id: str, before: OrganisationProfile, after: OrganisationProfile, year: int
) -> list[FieldError]:
    """A new prefix must not hand out a number already issued.

    Numbers are counted per series (prefix and year), so going back to a prefix used before
    continues where it stopped. A counter behind the numbers already issued in its series (a
    database restored from an older backup, invoices brought in from another tool) would issue
    one of them again: the change is then refused, naming that number.
    """
    errors: list[FieldError] = []
    for name in ("invoice_prefix", "credit_note_prefix"):
        prefix = getattr(after, name)
        if prefix == getattr(before, name):
            continue
        series = f"{prefix}-{year}"
        counter = await store.series_counter(organisation_id, series)
        highest = await store.highest_issued(organisation_id, series)
        next_number = inv.number_of(series, counter + 1)
        if highest is not None and int(highest.rsplit("-", 1)[1]) > counter:
            errors.append(
                FieldError(
                    name,
                    "reuses_number",
                    f"{highest} was already issued, and this series would next issue "
                    f"{next_number}: a legal number is never used twice (CGI ann. II art. 242 "
                    "nonies A)",
                )
            )
    return errors


def _address(profile: OrganisationProfile) -> str:
    place = " ".join(part for part in (profile.postcode, profile.city) if part)
    return ", ".join(part for part in (profile.address_line, place) if part)


async def update_profile(
    actor: Actor, profile: OrganisationProfile, *, clock: Clock = system_clock
) -> ProfileView:
    """Save the organisation's identity and billing profile, whole, with its audit event
    (``organisation.changed``, the fields before and after); refused, nothing changes."""
    ensure_role(actor, Role.ADMIN)
    errors = identity_errors(profile)
    async with repo.write_transaction():
        current = await read_profile(actor, clock=clock)
        year = _today(clock(), current.time_zone).year
        errors += await _numbering_errors(actor.organisation_id, current.profile, profile, year)
        if errors:
            raise InvalidInput("the organisation's profile is not valid", errors=tuple(errors))
        before, after = dataclasses.asdict(current.profile), dataclasses.asdict(profile)
        changed = sorted(name for name in after if after[name] != before[name])
        if changed:
            await store.update_organisation(
                actor.organisation_id,
                {**{name: after[name] for name in _ORG}, "address": _address(profile)},
            )
            await store.upsert_profile(
                actor.organisation_id, {name: after[name] for name in _PROFILE}
            )
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="organisation.changed",
                subject=f"organisation:{actor.organisation_id}",
                actor_id=actor.person_id,
                data={
                    "before": {name: before[name] for name in changed},
                    "after": {name: after[name] for name in changed},
                },
                at=clock(),
            )
    return await read_profile(actor, clock=clock)


async def numbering_prefixes(organisation_id: str) -> tuple[str, str]:
    """The prefixes of the organisation's invoice and credit-note series."""
    return await store.prefixes(organisation_id)


async def electronic_address_of(
    *, organisation_id: str | None = None, client_id: str | None = None
) -> str:
    """The electronic invoicing address set for the organisation or a client ("" when none:
    the SIREN addresses them)."""
    if client_id is not None:
        row = await store.client_row(client_id)
    else:
        row = await store.organisation_row(organisation_id or "")
    return "" if row is None else str(row["electronic_address"])


async def default_wording(organisation_id: str) -> str:
    """What a new client's signer does by default: ``signature`` or ``attestation``."""
    return await store.default_wording(organisation_id)


# -- clients ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientProfile:
    """A client's billing identity and approval wording, as the client screen edits it."""

    legal_name: str
    siren: str
    vat_number: str
    billing_address: str
    electronic_address: str
    country_code: str
    signature_wording: str
    buyer_reference: str = ""
    """BT-10 on each invoice issued to the client."""
    payment_kind: str | None = None
    """``net`` or ``end_of_month``; with ``payment_days``, the terms its invoices fall due on
    (C. com. L441-10). Read: the client's own, else the organisation's. Written: None keeps
    them; terms other than those in force become the client's own."""
    payment_days: int | None = None


@dataclass(frozen=True)
class ClientView:
    id: str
    profile: ClientProfile
    own_terms: bool = False
    """True once the client has payment terms of its own; False: the organisation's apply."""

    @property
    def reverse_charge(self) -> bool:
        """An EU client outside France: VAT is reverse-charged (CGI 283-2, 259-1°)."""
        return self.profile.country_code != "FR" and self.profile.country_code in inv.EU_COUNTRIES


def _client_view(row: dict[str, Any]) -> ClientView:
    fields = {f.name: row[f.name] for f in dataclasses.fields(ClientProfile)}
    return ClientView(
        id=str(row["id"]), profile=ClientProfile(**fields), own_terms=bool(row["own_terms"])
    )


async def read_client(actor: Actor, client_id: str) -> ClientView:
    ensure_role(actor, Role.ADMIN)
    row = await store.client_row(client_id)
    if row is None or row["organisation"] != actor.organisation_id:
        raise NotFound("no such client")
    return _client_view(row)


async def list_client_profiles(actor: Actor) -> list[ClientView]:
    ensure_role(actor, Role.ADMIN)
    return [_client_view(row) for row in await store.client_rows(actor.organisation_id)]


def client_errors(profile: ClientProfile) -> list[FieldError]:
    """A client's SIREN check digit, a VAT number that fits its SIREN and country, and payment
    terms within the legal limits (C. com. L441-10: 60 days net, 45 days end of month)."""
    errors: list[FieldError] = []
    if profile.payment_kind is not None and profile.payment_days is not None:
        try:
            p.PaymentTerms(p.TermsKind(profile.payment_kind), profile.payment_days).check()
        except InvalidInput as refused:
            errors.extend(refused.errors)
    if not ids.siren_ok(profile.siren):
        errors.append(
            FieldError("siren", "siren_checksum", "this SIREN's check digit does not add up")
        )
    country = profile.country_code
    if country != "FR" and country not in inv.EU_COUNTRIES:
        errors.append(
            FieldError("country_code", "unsupported", "clients outside the EU are not supported")
        )
    if country == "FR" and ids.siren_ok(profile.siren):
        expected = ids.french_vat_for(profile.siren)
        if profile.vat_number != expected:
            errors.append(
                FieldError(
                    "vat_number",
                    "vat_mismatch",
                    f"the VAT number of SIREN {profile.siren} is {expected}",
                )
            )
    elif country != "FR" and country in inv.EU_COUNTRIES:
        # Greece writes EL in VAT numbers (VIES), GR elsewhere.
        vat_country = "EL" if country == "GR" else country
        if not profile.vat_number.startswith(vat_country):
            errors.append(
                FieldError(
                    "vat_number",
                    "vat_country",
                    f"a VAT number of {country} starts with {vat_country}",
                )
            )
    return errors


async def update_client(
    actor: Actor, client_id: str, profile: ClientProfile, *, clock: Clock = system_clock
) -> ClientView:
    """Save a client's billing identity and wording, whole, with its audit event
    (``client.changed``). Issued invoices keep the buyer identity they were issued with."""
    ensure_role(actor, Role.ADMIN)
    async with repo.write_transaction():
        current = await read_client(actor, client_id)
        profile = dataclasses.replace(
            profile,
            payment_kind=profile.payment_kind or current.profile.payment_kind,
            payment_days=current.profile.payment_days
            if profile.payment_days is None
            else profile.payment_days,
        )
        errors = client_errors(profile)
        if errors:
            raise InvalidInput("the client's identity is not valid", errors=tuple(errors))
        before, after = dataclasses.asdict(current.profile), dataclasses.asdict(profile)
        changed = sorted(name for name in after if after[name] != before[name])
        if changed:
            terms = {"payment_kind", "payment_days"} & set(changed)
            await store.update_client(
                client_id,
                {name: after[name] for name in store.CLIENT_COLUMNS},
                country_code=profile.country_code,
                buyer_reference=profile.buyer_reference,
                payment_terms=(str(profile.payment_kind), int(profile.payment_days or 0))
                if terms
                else None,
            )
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="client.changed",
                subject=f"client:{client_id}",
                actor_id=actor.person_id,
                data={
                    "client": client_id,
                    "before": {name: before[name] for name in changed},
                    "after": {name: after[name] for name in changed},
                },
                at=clock(),
            )
    return await read_client(actor, client_id)


# -- a person's devices -----------------------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool


@dataclass(frozen=True)
class SyncDeviceView:
    id: str
    last_seen_at: datetime


@dataclass(frozen=True)
class PasskeyView:
    id: str
    device_name: str
    backed_up: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Devices:
    """A person's passkeys, open sessions and the devices that synchronised their months."""

    person_id: str
    passkeys: list[PasskeyView]
    sessions: list[SessionView]
    sync_devices: list[SyncDeviceView]


async def last_activity(actor: Actor) -> dict[str, datetime]:
    """When each member of the actor's firm was last seen (administrators only): by person id,
    people never seen left out. The People list shows it next to their status."""
    ensure_role(actor, Role.ADMIN)
    return await store.last_activity(actor.organisation_id)


async def _person(actor: Actor, person_id: str) -> str:
    ensure_role(actor, Role.ADMIN)
    person = await repo.get_person(person_id)
    if person is None or person.organisation_id != actor.organisation_id:
        raise NotFound("no such person")
    return person.id


async def devices_of(actor: Actor, person_id: str, *, token: str) -> Devices:
    """What an administrator sees of a person's access: `token` marks their own session."""
    person = await _person(actor, person_id)
    mine = token_hash(token)
    return Devices(
        person_id=person,
        passkeys=[
            PasskeyView(
                id=k.id,
                device_name=k.device_name,
                backed_up=k.backed_up,
                created_at=k.created_at,
                last_used_at=k.last_used_at,
                revoked_at=k.revoked_at,
            )
            for k in await repo.list_passkeys(person)
        ],
        sessions=[
            SessionView(
                id=s["id"],
                created_at=s["created_at"],
                last_seen_at=s["last_seen_at"],
                expires_at=s["expires_at"],
                current=s["token_hash"] == mine,
            )
            for s in await store.sessions_of(person)
        ],
        sync_devices=[
            SyncDeviceView(id=d["id"], last_seen_at=d["last_seen_at"])
            for d in await store.sync_devices_of(person)
        ],
    )


async def end_session(
    actor: Actor, person_id: str, session_id: str, *, token: str, clock: Clock = system_clock
) -> Devices:
    """End one session of a person (the device it was opened on must sign in again); audited
    as ``person.session_ended``. The administrator's own current session is refused: signing
    out does that."""
    person = await _person(actor, person_id)
    async with repo.write_transaction():
        sessions = {s["id"]: s for s in await store.sessions_of(person)}
        session = sessions.get(session_id)
        if session is None:
            raise NotFound("no such session (it may have ended already)")
        if session["token_hash"] == token_hash(token):
            message = "this is the session you are using: sign out instead"
            raise Conflict(message, errors=(FieldError("session_id", "current_session", message),))
        await store.end_session(person_id=person, session_id=session_id)
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="person.session_ended",
            subject=f"person:{person}",
            actor_id=actor.person_id,
            data={"person": person, "session": session_id},
            at=clock(),
        )
    return await devices_of(actor, person, token=token)


async def revoke_passkey(
    actor: Actor,
    person_id: str,
    passkey_id: str,
    *,
    confirm_last: bool,
    token: str,
    clock: Clock = system_clock,
) -> Devices:
    """Revoke a person's passkey and end their sessions (the device may be lost or stolen);
    audited as ``person.passkey_revoked``.

    The passkey's record stays (revoked, never deleted): the signatures made with it keep the
    public key that proves them. Revoking the last passkey still in use locks the person out
    until they register a new one from a fresh invitation link: refused unless
    `confirm_last` says the administrator was told so.
    """
    person = await _person(actor, person_id)
    async with repo.write_transaction():
        passkeys = await repo.list_passkeys(person)
        target = next((k for k in passkeys if k.id == passkey_id), None)
        if target is None:
            raise NotFound("no such passkey")
        if target.revoked_at is not None:
            return await devices_of(actor, person, token=token)
        last = not any(k.revoked_at is None and k.id != passkey_id for k in passkeys)
        if last and not confirm_last:
            message = (
                "this is the person's last passkey: once revoked they cannot sign in until "
                "they register a new one from a new invitation link"
            )
            raise Conflict(message, errors=(FieldError("confirm_last", "last_passkey", message),))
        await store.revoke_passkey(person_id=person, passkey_id=passkey_id, now=clock())
        keep = token_hash(token) if person == actor.person_id else None
        await repo.delete_sessions_of(person, except_hash=keep)
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="person.passkey_revoked",
            subject=f"person:{person}",
            actor_id=actor.person_id,
            data={
                "person": person,
                "passkey": passkey_id,
                "device_name": target.device_name,
                "last": last,
            },
            at=clock(),
        )
    return await devices_of(actor, person, token=token)
