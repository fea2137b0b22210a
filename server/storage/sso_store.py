"""Storage of single sign-on (docs/sso.md): a firm's provider settings, the authorization
requests in flight, and the subjects people signed in with.

Requests in flight live in the database, not in a process's memory, so that the server process
that receives the provider's callback need not be the one that sent the browser away.
Spending one is a single conditional UPDATE, so a replayed state loses the race on both engines.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.domain import model
from server.storage import tables as t
from server.storage.repositories import _id, _people_where


@dataclass(frozen=True)
class StoredSsoSettings:
    organisation_id: str
    display_name: str
    issuer: str
    client_id: str
    client_secret: str
    """The encrypted secret as stored (empty for none)."""
    allowed_domains: tuple[str, ...]
    enabled: bool
    sso_only: bool
    updated_at: datetime


@dataclass(frozen=True)
class PendingLogin:
    id: str
    organisation_id: str
    browser_hash: str
    nonce: str
    code_verifier: str


def _settings(row: dict[str, Any]) -> StoredSsoSettings:
    return StoredSsoSettings(
        organisation_id=_id(row["organisation"]),
        display_name=row["display_name"],
        issuer=row["issuer"],
        client_id=row["client_id"],
        client_secret=row["client_secret"],
        allowed_domains=tuple(_json_list(row["allowed_domains"])),
        enabled=bool(row["enabled"]),
        sso_only=bool(row["sso_only"]),
        updated_at=row["updated_at"],
    )


def _json_list(value: Any) -> list[str]:
    # Piccolo hands a JSON column back as text unless asked to load it.
    loaded = json.loads(value) if isinstance(value, str) else value
    return [str(item) for item in loaded or ()]


# -- settings ----------------------------------------------------------------------------------


async def settings_of(organisation_id: str) -> StoredSsoSettings | None:
    row = await t.SsoSettings.select().where(t.SsoSettings.organisation == organisation_id).first()
    return None if row is None else _settings(row)


async def enabled_organisations() -> list[str]:
    rows = await t.SsoSettings.select(t.SsoSettings.organisation).where(
        t.SsoSettings.enabled.eq(True)
    )
    return [_id(row["organisation"]) for row in rows]


async def save_settings(organisation_id: str, fields: dict[str, Any]) -> None:
    """Insert or replace the firm's row; runs inside the caller's write transaction."""
    exists = await t.SsoSettings.exists().where(t.SsoSettings.organisation == organisation_id)
    if exists:
        await t.SsoSettings.update(
            {getattr(t.SsoSettings, name): value for name, value in fields.items()}
        ).where(t.SsoSettings.organisation == organisation_id)
    else:
        await t.SsoSettings(organisation=organisation_id, **fields).save()


async def sso_only(organisation_id: str) -> bool:
    """Whether the firm's staff must sign in through its provider (enabled and SSO only)."""
    return bool(
        await t.SsoSettings.exists().where(
            (t.SsoSettings.organisation == organisation_id)
            & t.SsoSettings.enabled.eq(True)
            & t.SsoSettings.sso_only.eq(True)
        )
    )


# -- authorization requests in flight ----------------------------------------------------------


async def create_pending(
    *,
    organisation_id: str,
    state_hash: str,
    browser_hash: str,
    nonce: str,
    code_verifier: str,
    expires_at: datetime,
) -> None:
    await t.SsoLogin(
        organisation=organisation_id,
        state_hash=state_hash,
        browser_hash=browser_hash,
        nonce=nonce,
        code_verifier=code_verifier,
        expires_at=expires_at,
    ).save()


async def spend_pending(*, state_hash: str, now: datetime) -> PendingLogin | None:
    """Spend the request once: None if unknown, already used or expired."""
    rows = (
        await t.SsoLogin.update({t.SsoLogin.used_at: now})
        .where(
            (t.SsoLogin.state_hash == state_hash)
            & t.SsoLogin.used_at.is_null()
            & (t.SsoLogin.expires_at > now)
        )
        .returning(*t.SsoLogin.all_columns())
    )
    if not rows:
        return None
    row = rows[0]
    return PendingLogin(
        id=_id(row["id"]),
        organisation_id=_id(row["organisation"]),
        browser_hash=row["browser_hash"],
        nonce=row["nonce"],
        code_verifier=row["code_verifier"],
    )


async def pending_state(*, state_hash: str) -> str | None:
    """Why a state cannot be spent, for the refusal: "used", "expired" or None (unknown)."""
    row = await (
        t.SsoLogin.select(t.SsoLogin.used_at).where(t.SsoLogin.state_hash == state_hash).first()
    )
    if row is None:
        return None
    return "used" if row["used_at"] is not None else "expired"


async def forget_pending_before(now: datetime) -> None:
    """Drop requests that expired: they can only be refused."""
    await t.SsoLogin.delete().where(t.SsoLogin.expires_at <= now)


# -- identities --------------------------------------------------------------------------------


async def person_of_subject(subject_key: str) -> str | None:
    row = await (
        t.SsoIdentity.select(t.SsoIdentity.person)
        .where(t.SsoIdentity.subject_key == subject_key)
        .first()
    )
    return None if row is None else _id(row["person"])


async def subjects_of(*, person_id: str, issuer: str) -> list[str]:
    rows = await t.SsoIdentity.select(t.SsoIdentity.subject).where(
        (t.SsoIdentity.person == person_id) & (t.SsoIdentity.issuer == issuer)
    )
    return [row["subject"] for row in rows]


async def remember_subject(
    *,
    organisation_id: str,
    person_id: str,
    subject_key: str,
    issuer: str,
    subject: str,
    now: datetime,
) -> None:
    # Two first logins of one subject at once (two tabs): the second finds the row there.
    await t.SsoIdentity.insert(
        t.SsoIdentity(
            organisation=organisation_id,
            person=person_id,
            subject_key=subject_key,
            issuer=issuer,
            subject=subject,
            created_at=now,
            last_login_at=now,
        )
    ).on_conflict(target=t.SsoIdentity.subject_key, action="DO NOTHING")


async def touch_subject(*, subject_key: str, now: datetime) -> None:
    await t.SsoIdentity.update({t.SsoIdentity.last_login_at: now}).where(
        t.SsoIdentity.subject_key == subject_key
    )


async def person_by_email(*, organisation_id: str, email: str) -> model.Person | None:
    people = await _people_where(
        (t.Person.organisation == organisation_id) & (t.Person.email == email)
    )
    return people[0] if people else None


async def organisation_ids() -> list[str]:
    rows = await t.Organisation.select(t.Organisation.id)
    return [_id(row["id"]) for row in rows]
