"""Accounts without passwords: invitations, passkeys and server-side sessions.

A session token is 32 random bytes in an HttpOnly cookie; only its SHA-256 is stored, and a
token the server did not mint is never adopted, so session fixation cannot happen (ASVS 5.0
7.2.4). Login, registration and privilege changes always mint a new token.
"""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.domain import model
from server.domain.access import ensure_role
from server.domain.errors import (
    AuthenticationFailed,
    Conflict,
    FieldError,
    Gone,
    InvalidInput,
    NotFound,
)
from server.domain.integrations import Event
from server.domain.roles import Actor, Role
from server.services import firms, notifications, webhooks
from server.services import webauthn_ceremonies as ceremonies
from server.services.clock import Clock
from server.services.session_touches import SessionTouches
from server.settings import Settings
from server.storage import import_store, notification_store, session_store, sso_store
from server.storage import repositories as repo

CEREMONY_LIFETIME = timedelta(minutes=5)
# Refresh last_seen at most this often, so reads do not all become writes.
TOUCH_INTERVAL = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class InvitationView:
    person: model.Person
    organisation: model.Organisation
    expires_at: datetime


@dataclass(frozen=True)
class Login:
    """A fresh session: the cookie value and the person it belongs to."""

    token: str
    person: model.Person


@dataclass(frozen=True)
class CurrentSession:
    actor: Actor
    person: model.Person
    token: str


def actor_of(person: model.Person) -> Actor:
    return Actor(
        person_id=person.id,
        organisation_id=person.organisation_id,
        roles=person.roles,
        client_company_id=person.client_company_id,
    )


class Accounts:
    """Invitations, passkey ceremonies and sessions."""

    def __init__(self, *, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.touches = SessionTouches()

    # -- invitations ---------------------------------------------------------------------

    async def issue_invitation(
        self, *, person: model.Person, created_by: str | None, send_email: bool = False
    ) -> str:
        """Create a single-use link for `person`; the token exists only in the link.

        A person has one usable link at a time: issuing a new one ends the links sent before,
        so a link that went astray stops working when the administrator sends another.
        With ``send_email`` the link is also mailed to the person when the server can mail
        (`mails_invitations`), through the outbox in the same transaction (in their
        notification language, French by default); the outbox forgets the link once sent.
        """
        now = self.clock()
        link, hashed = self._new_link(await firms.origin_of(person.organisation_id, self.settings))
        async with repo.write_transaction():
            await repo.expire_unused_invitations(person_id=person.id, now=now)
            invitation = await repo.create_invitation(
                person_id=person.id,
                token_hash=hashed,
                expires_at=now + timedelta(days=self.settings.invitation_days),
                created_by=created_by,
            )
            if created_by is not None:
                # The firm's webhooks hear of the person, never of the link (a credential).
                await webhooks.emit(
                    organisation_id=person.organisation_id,
                    event=Event.PERSON_INVITED,
                    key=invitation.id,
                    data={
                        "person_id": person.id,
                        "email": person.email,
                        "display_name": person.display_name,
                        "roles": sorted(r.value for r in person.roles),
                        "by": created_by,
                    },
                    at=now,
                )
            if send_email and self.mails_invitations:
                organisation = await repo.get_organisation(person.organisation_id)
                language, _ = await notification_store.get_preference(person.id)
                await self._mail_invitation(
                    person=person,
                    organisation=organisation,
                    language=language,
                    link=link,
                    invitation_id=invitation.id,
                    at=now,
                )
        return link

    def _new_link(self, origin: str) -> tuple[str, str]:
        """An invitation link on the firm's `origin` and the hash of its token (the token exists
        only in the link)."""
        token = secrets.token_urlsafe(32)
        # A fragment never reaches server logs or Referer headers.
        return f"{origin}/#invite={token}", token_hash(token)

    async def _mail_invitation(
        self,
        *,
        person: model.Person,
        organisation: model.Organisation | None,
        language: str,
        link: str,
        invitation_id: str,
        at: datetime,
    ) -> None:
        await notifications.send_invitation(
            email=person.email,
            language=language,
            organisation_name=organisation.legal_name if organisation else "",
            display_name=person.display_name,
            link=link,
            days=self.settings.invitation_days,
            key=f"invitation:{invitation_id}",
            at=at,
            organisation_id=person.organisation_id,
        )

    async def issue_invitations(
        self, *, people: list[model.Person], created_by: str | None
    ) -> dict[str, str]:
        """`issue_invitation` for many new people at once (a spreadsheet import), inside the
        caller's transaction: one link each, e-mailed when the server can mail, in French
        (new people have no language yet). Returns each person's link by id."""
        now = self.clock()
        expires_at = now + timedelta(days=self.settings.invitation_days)
        links: dict[str, str] = {}
        rows: list[tuple[str, str, str, datetime]] = []
        origins = {p.organisation_id for p in people}
        origin = {o: await firms.origin_of(o, self.settings) for o in origins}
        for person in people:
            links[person.id], hashed = self._new_link(origin[person.organisation_id])
            rows.append((str(uuid.uuid4()), person.id, hashed, expires_at))
        await import_store.insert_invitations(rows, created_by=created_by)
        hooks = (
            await webhooks.subscribers_of(people[0].organisation_id, Event.PERSON_INVITED)
            if people
            else []
        )
        for person, (invitation_id, *_rest) in zip(people, rows, strict=True):
            if not hooks:
                break  # no webhook wants it: no lookup per person either
            await webhooks.emit(
                subscribers=hooks,
                organisation_id=person.organisation_id,
                event=Event.PERSON_INVITED,
                key=invitation_id,
                data={
                    "person_id": person.id,
                    "email": person.email,
                    "display_name": person.display_name,
                    "roles": sorted(r.value for r in person.roles),
                    "by": created_by,
                },
                at=now,
            )
        if self.mails_invitations and people:
            organisation = await repo.get_organisation(people[0].organisation_id)
            for person, (invitation_id, *_rest) in zip(people, rows, strict=True):
                await self._mail_invitation(
                    person=person,
                    organisation=organisation,
                    language="fr",
                    link=links[person.id],
                    invitation_id=invitation_id,
                    at=now,
                )
        return links

    @property
    def mails_invitations(self) -> bool:
        """Whether invitations go out by e-mail: an SMTP server is configured."""
        return bool(self.settings.smtp_host)

    async def _usable_invitation(self, token: str) -> model.Invitation:
        invitation = await repo.get_invitation_by_hash(token_hash(token))
        if invitation is None:
            msg = "this invitation link is not valid"
            raise NotFound(msg)
        if invitation.used_at is not None:
            msg = "this invitation link was already used; ask your administrator for a new one"
            raise Gone(msg)
        if invitation.expires_at <= self.clock():
            msg = "this invitation link has expired; ask your administrator for a new one"
            raise Gone(msg)
        return invitation

    async def read_invitation(self, token: str) -> InvitationView:
        invitation = await self._usable_invitation(token)
        person = await repo.get_person(invitation.person_id)
        organisation = await repo.get_organisation(person.organisation_id) if person else None
        # Another firm's link is not valid here, and says nothing more (docs/multi-tenant.md).
        if (
            person is None
            or organisation is None
            or not person.active
            or not firms.belongs(organisation.id)
        ):
            msg = "this invitation link is not valid"
            raise NotFound(msg)
        return InvitationView(
            person=person, organisation=organisation, expires_at=invitation.expires_at
        )

    async def begin_registration(self, token: str) -> tuple[str, dict[str, Any]]:
        view = await self.read_invitation(token)
        invitation = await self._usable_invitation(token)
        options = ceremonies.registration_options(
            rp_id=firms.rp_id(self.settings),
            rp_name=self.settings.rp_name,
            user_handle=view.person.webauthn_user_handle,
            user_name=view.person.email,
            display_name=view.person.display_name,
            exclude=[p.credential_id for p in await repo.list_passkeys(view.person.id)],
        )
        ceremony_id = await repo.create_ceremony(
            purpose="register",
            challenge=options.challenge,
            expires_at=self.clock() + CEREMONY_LIFETIME,
            person_id=view.person.id,
            invitation_id=invitation.id,
        )
        return ceremony_id, options.public_key

    async def finish_registration(
        self, *, token: str, ceremony_id: str, credential: dict[str, Any], device_name: str
    ) -> Login:
        await self.read_invitation(token)  # the link is this firm's, before anything else
        invitation = await self._usable_invitation(token)
        ceremony = await self._open_ceremony(ceremony_id, purpose="register")
        if ceremony.invitation_id != invitation.id:
            msg = "this ceremony belongs to another invitation"
            raise AuthenticationFailed(msg)
        new = ceremonies.verify_registration(
            credential=credential,
            challenge=ceremony.challenge,
            rp_id=firms.rp_id(self.settings),
            origin=firms.origin(self.settings),
        )
        now = self.clock()
        async with repo.write_transaction():
            await self._spend_ceremony(ceremony_id)
            if not await repo.spend_invitation(invitation_id=invitation.id, now=now):
                msg = "this invitation link was already used"
                raise Gone(msg)
            await self._store_passkey(invitation.person_id, new, device_name)
            return await self._open_session(invitation.person_id)

    # -- login -----------------------------------------------------------------------------

    async def begin_login(self) -> tuple[str, dict[str, Any]]:
        options = ceremonies.authentication_options(rp_id=firms.rp_id(self.settings))
        ceremony_id = await repo.create_ceremony(
            purpose="login",
            challenge=options.challenge,
            expires_at=self.clock() + CEREMONY_LIFETIME,
        )
        return ceremony_id, options.public_key

    async def finish_login(self, *, ceremony_id: str, credential: dict[str, Any]) -> Login:
        ceremony = await self._open_ceremony(ceremony_id, purpose="login")
        passkey = await repo.get_passkey_by_credential_id(ceremonies.credential_raw_id(credential))
        if passkey is None or passkey.revoked_at is not None:
            msg = "this passkey is not registered, or was revoked"
            raise AuthenticationFailed(msg)
        person = await repo.get_person(passkey.person_id)
        # Another firm's passkey is unknown here, in the same words (nothing to guess from).
        if person is None or not firms.belongs(person.organisation_id):
            msg = "this passkey is not registered, or was revoked"
            raise AuthenticationFailed(msg)
        handle = ceremonies.credential_user_handle(credential)
        if handle is not None and not secrets.compare_digest(handle, person.webauthn_user_handle):
            msg = "the passkey's user handle does not match its owner"
            raise AuthenticationFailed(msg)
        new_count = ceremonies.verify_authentication(
            credential=credential,
            challenge=ceremony.challenge,
            rp_id=firms.rp_id(self.settings),
            origin=firms.origin(self.settings),
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
        )
        # Said only to the passkey's holder, once the assertion verified.
        if not person.active:
            msg = (
                "this account was deactivated by an administrator of your organisation; "
                "ask them to reactivate it"
            )
            raise AuthenticationFailed(
                msg,
                errors=(FieldError(field="credential", code="account_deactivated", message=msg),),
            )
        await self._ensure_passkey_login_allowed(person)
        async with repo.write_transaction():
            await self._spend_ceremony(ceremony_id)
            if not await repo.record_passkey_use(
                passkey_id=passkey.id,
                old_count=passkey.sign_count,
                new_count=new_count,
                now=self.clock(),
            ):
                msg = "this passkey was used concurrently; try again"
                raise AuthenticationFailed(msg)
            return await self._open_session(person.id)

    async def _ensure_passkey_login_allowed(self, person: model.Person) -> None:
        """A firm that set "SSO only" has its staff sign in through its provider (docs/sso.md).

        Client contacts keep their passkey login (they are not the firm's staff), and so do
        administrators, so that a provider outage or a mistyped setting cannot lock the firm
        out of the screen that fixes it. Passkeys stay registered and required for signing."""
        if person.client_company_id is not None or Role.ADMIN in person.roles:
            return
        if await sso_store.sso_only(person.organisation_id):
            msg = (
                "your organisation signs its staff in through its single sign-on: use the "
                "sign-in button of your organisation's provider"
            )
            raise AuthenticationFailed(
                msg, errors=(FieldError(field="credential", code="sso_required", message=msg),)
            )

    async def open_session(self, person_id: str) -> Login:
        """A fresh session for a person another way of logging in (single sign-on) vouched
        for; runs inside the caller's transaction."""
        return await self._open_session(person_id)

    async def demo_login(self, *, email: str) -> Login:
        """Log in as a demo person with no passkey; callers check demo mode and localhost."""
        firm = firms.current()
        person = await repo.get_person_by_email(
            email.strip().lower(), organisation_id=firm.id if firm else None
        )
        if person is None or not person.active:
            msg = f"no demo person with email {email!r}"
            raise NotFound(msg)
        return await self._open_session(person.id)

    # -- passkeys of the logged-in person -------------------------------------------------

    async def list_passkeys(self, actor: Actor) -> list[model.Passkey]:
        return await repo.list_passkeys(actor.person_id)

    async def begin_add_passkey(self, actor: Actor) -> tuple[str, dict[str, Any]]:
        person = await self._person(actor.person_id)
        options = ceremonies.registration_options(
            rp_id=firms.rp_id(self.settings),
            rp_name=self.settings.rp_name,
            user_handle=person.webauthn_user_handle,
            user_name=person.email,
            display_name=person.display_name,
            exclude=[p.credential_id for p in await repo.list_passkeys(person.id)],
        )
        ceremony_id = await repo.create_ceremony(
            purpose="add_device",
            challenge=options.challenge,
            expires_at=self.clock() + CEREMONY_LIFETIME,
            person_id=person.id,
        )
        return ceremony_id, options.public_key

    async def finish_add_passkey(
        self, actor: Actor, *, ceremony_id: str, credential: dict[str, Any], device_name: str
    ) -> model.Passkey:
        ceremony = await self._open_ceremony(ceremony_id, purpose="add_device")
        if ceremony.person_id != actor.person_id:
            msg = "this ceremony belongs to another person"
            raise AuthenticationFailed(msg)
        new = ceremonies.verify_registration(
            credential=credential,
            challenge=ceremony.challenge,
            rp_id=firms.rp_id(self.settings),
            origin=firms.origin(self.settings),
        )
        async with repo.write_transaction():
            await self._spend_ceremony(ceremony_id)
            return await self._store_passkey(actor.person_id, new, device_name)

    async def revoke_passkey(self, actor: Actor, passkey_id: str, *, keep_token: str) -> None:
        """Revoke one of the person's passkeys and end their other sessions.

        A revoked device may be lost or stolen: its open sessions must not outlive its passkey
        (ASVS 5.0 7.4.3). The session that asked for the revocation stays open.
        """
        async with repo.write_transaction():
            passkeys = await repo.list_passkeys(actor.person_id)
            target = next((p for p in passkeys if p.id == passkey_id), None)
            if target is None:
                msg = "no such passkey"
                raise NotFound(msg)
            if target.revoked_at is not None:
                return
            if not any(p.revoked_at is None and p.id != passkey_id for p in passkeys):
                msg = "this is your last passkey: add another device before revoking it"
                raise Conflict(msg)
            await repo.revoke_passkey(passkey_id=passkey_id, now=self.clock())
            await repo.delete_sessions_of(actor.person_id, except_hash=token_hash(keep_token))

    # -- sessions --------------------------------------------------------------------------

    async def current(self, token: str | None) -> CurrentSession | None:
        """The session behind a cookie value, or None if absent, unknown or expired."""
        if not token:
            return None
        hashed = token_hash(token)
        # One statement for session, person and roles: this runs on every request. A refresh
        # written while it ran may be missing from what it read and already forgotten by
        # `touches.seen`: read again then (server/services/session_touches.py).
        writes, again = self.touches.writes, 2
        session = await session_store.session_with_person(hashed)
        while session is not None and self.touches.writes != writes and again:
            writes, again = self.touches.writes, again - 1
            session = await session_store.session_with_person(hashed)
        if session is None:
            return None
        now = self.clock()
        # A refresh this process noted may not be written yet (server/services/session_touches.py).
        noted = self.touches.seen(session.id)
        last_seen = session.last_seen_at if noted is None else max(noted, session.last_seen_at)
        if session.expires_at <= now or last_seen + self.settings.session_idle <= now:
            await repo.delete_session(hashed)
            return None
        person = session.person
        # A session is its firm's only: on another firm's host it is no session at all.
        if not person.active or not firms.belongs(person.organisation_id):
            return None
        if now - last_seen >= TOUCH_INTERVAL:
            self.touches.note(session.id, now)
        return CurrentSession(actor=actor_of(person), person=person, token=token)

    async def logout(self, token: str | None) -> None:
        if token:
            await repo.delete_session(token_hash(token))

    async def end_sessions_of(self, person_id: str) -> None:
        await repo.delete_sessions_of(person_id)

    async def rotate(self, person_id: str) -> Login:
        """End every session of the person and open a fresh one (privilege change)."""
        async with repo.write_transaction():
            await repo.delete_sessions_of(person_id)
            return await self._open_session(person_id)

    # -- helpers -----------------------------------------------------------------------------

    async def _person(self, person_id: str) -> model.Person:
        person = await repo.get_person(person_id)
        if person is None:
            msg = "no such person"
            raise NotFound(msg)
        return person

    async def _open_ceremony(self, ceremony_id: str, *, purpose: str) -> model.Ceremony:
        ceremony = await repo.get_ceremony(ceremony_id)
        if (
            ceremony is None
            or ceremony.purpose != purpose
            or ceremony.used_at is not None
            or ceremony.expires_at <= self.clock()
        ):
            raise InvalidInput(
                "the passkey ceremony is unknown, used or expired; start again",
                errors=(
                    FieldError(
                        field="ceremony_id",
                        code="ceremony_invalid",
                        message="unknown, already used or expired",
                    ),
                ),
            )
        return ceremony

    async def _spend_ceremony(self, ceremony_id: str) -> None:
        if await repo.consume_ceremony(ceremony_id=ceremony_id, now=self.clock()) is None:
            msg = "the passkey ceremony was already used"
            raise AuthenticationFailed(msg)

    async def _store_passkey(
        self, person_id: str, new: ceremonies.NewPasskey, device_name: str
    ) -> model.Passkey:
        if await repo.get_passkey_by_credential_id(new.credential_id) is not None:
            msg = "this passkey is already registered"
            raise Conflict(msg)
        return await repo.add_passkey(
            person_id=person_id,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            transports=new.transports,
            aaguid=new.aaguid,
            device_name=device_name.strip()[:120] or "Appareil",
            backed_up=new.backed_up,
            now=self.clock(),
        )

    async def _open_session(self, person_id: str) -> Login:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        await repo.create_session(
            token_hash=token_hash(token),
            person_id=person_id,
            now=now,
            expires_at=now + self.settings.session_max_age,
        )
        return Login(token=token, person=await self._person(person_id))


def ensure_admin(actor: Actor) -> None:
    ensure_role(actor, Role.ADMIN)
