"""The client signer's portal: signature links, signer sessions, passkeys and signatures.

The chain (security.md §1.4):

1. ``issue_signature_link`` creates an expiring link for the person a month waits on, bound to
   that month, its circuit step and epoch; only the token's hash is stored.
2. Opening the link starts a *signer session* limited to that month (a cookie whose hash is
   stored on the link) and spends nothing: the link opens again until the month is signed,
   sent back or moved on, or the link expires. No account is needed beforehand. A signer
   whose link no longer opens asks for a new one (``request_new_link``).
3. On first use the signer proves they read their declared mailbox (an e-mailed code) and
   registers a passkey, user verification required. On a new device they do the same: the
   new key replaces the earlier ones (a forwarded link cannot add a key without the code).
4. Signing options carry ``signing_challenge(SHA-256(document), nonce)``: the nonce is random,
   stored and single use, and the document is exactly what the signer was shown.
5. The assertion is verified (origin, RP id, UV, sign count, signature, and here: the
   credential is the signer's, the month unchanged and still waiting on them); then, in one
   transaction, the challenge is spent, the sign count compare-and-set, the month goes through
   ``workflow.transition(APPROVE)`` and the evidence row is written.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from server.domain import model
from server.domain.access import can_see_timesheet
from server.domain.audit import canonical_json
from server.domain.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Gone,
    InvalidInput,
    NotAuthenticated,
    NotFound,
)
from server.domain.evidence import (
    build_evidence,
    enrolment_statement,
    evidence_hash,
    registration_hash,
    registration_record,
    with_timestamp,
)
from server.domain.roles import Actor, Role
from server.domain.signer_document import WORDINGS, Wording, mission_waiting_on, signer_document
from server.domain.signing import (
    b64url_encode,
    document_hash,
    enrolment_challenge,
    signing_challenge,
)
from server.services import (
    anchors,
    audit_log,
    circuit,
    firms,
    notifications,
    signed_pdf,
    timestamping,
)
from server.services import webauthn_ceremonies as ceremonies
from server.services.accounts import actor_of
from server.services.clock import Clock
from server.services.signature_tokens import (
    SIGN_PATH,
    create_link,
)
from server.services.signature_tokens import record_signature_event as _audit
from server.services.signature_tokens import token_hash as _token_hash
from server.settings import Settings
from server.storage import audit_store, notification_store
from server.storage import repositories as repo
from server.storage import signatures as store
from sync.months import MonthKey, MonthStatus

SIGNER_SESSION_LIFETIME = timedelta(hours=2)
CHALLENGE_LIFETIME = timedelta(minutes=5)
REGISTER_PURPOSE = "sign_register"
CODE_LIFETIME = timedelta(minutes=15)
CODE_ATTEMPTS = 5
"""Wrong entries allowed per code: with 6 digits, 5 tries give 1 chance in 200,000."""
CODES_PER_HOUR = 5
LINK_REQUESTED = "signature.link_requested"
LINK_REQUEST_INTERVAL = timedelta(hours=1)
"""A signer asks for a new link at most this often per month: the mails cannot be spammed."""
VERIFIED_LIFETIME = timedelta(minutes=30)
"""A verified code allows registering a passkey for this long."""

audit_logger = logging.getLogger("carnet.audit")
logger = logging.getLogger("carnet.signatures")


class SignatureRejected(InvalidInput):
    """An assertion failed a check; ``errors[0].code`` names the check."""

    code = "signature_rejected"


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Which WebAuthn check a py_webauthn refusal is about, from its message (first match wins).
_CHECKS = (
    ("client data type", "client_data_type"),
    ("challenge", "challenge"),
    ("cross-origin", "cross_origin"),
    ("origin", "origin"),
    ("RP ID", "rp_id"),
    ("not present", "user_presence"),
    ("User verification", "user_verification"),
    ("sign count", "sign_count"),
    ("signature", "signature"),
)


def _synced_refused() -> SignatureRejected:
    return _rejected(
        "synced_passkey",
        "your firm requires a passkey kept on one device (a security key, or a device whose "
        "passkeys are not synced): this one is synced",
    )


_LINK_GONE = {
    "expired": "this signature link has expired; ask for a new one",
    "signed": "this month was already signed with this link",
    "closed": "this month no longer waits on your signature (sent back or moved on); "
    "ask for a new link if it comes back to you",
}


def _link_gone(reason: str) -> Gone:
    return Gone(_LINK_GONE[reason], errors=(FieldError("token", reason, _LINK_GONE[reason]),))


def _rejected(check: str, message: str) -> SignatureRejected:
    return SignatureRejected(
        f"signature refused: {message}",
        errors=(FieldError(field="credential", code=check, message=message),),
    )


PortalStatus = Literal["waiting", "signed", "closed"]
"""``waiting`` (to sign), ``signed`` (by this link's signer) or ``closed`` (no longer)."""


@dataclass(frozen=True)
class Portal:
    """What the signer's page shows."""

    status: PortalStatus
    document: bytes
    document_hash: str
    wording: Wording
    signer: model.Person
    has_passkey: bool
    evidence_id: str | None
    signed_at: datetime | None
    code_sent_at: datetime | None = None
    email_verified: bool = False


@dataclass(frozen=True)
class SignerSession:
    link: store.SignatureLink
    signer: model.Person


@dataclass(frozen=True)
class Shown:
    """The month as the signer sees it now, with what it takes to sign it."""

    timesheet: model.Timesheet
    mission: model.Mission
    document: bytes


class Signatures:
    """Signature links and the signer's portal."""

    def __init__(self, *, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    # -- links -----------------------------------------------------------------------------

    async def issue_link(self, *, month_id: str, created_by: str | None = None) -> str:
        """Create a signature link for the client signer a month waits on; return its URL.

        A signer has one usable link per month: issuing another ends the earlier ones.

        Raises:
            NotFound: No such month.
            Conflict: The month does not wait on a client signer.
        """
        timesheet = await store.get_timesheet_by_id(month_id)
        if timesheet is None:
            raise NotFound("no such CRA")
        signer_id = timesheet.waiting_on_id
        if timesheet.status != MonthStatus.IN_VALIDATION.value or signer_id is None:
            raise Conflict(
                "this month does not wait on a signature",
                errors=(FieldError("month", "not_waiting", "the month is not in validation"),),
            )
        mission = await self._mission(timesheet, signer_id)
        if mission is None:
            raise Conflict(
                "this month does not wait on a client signer",
                errors=(FieldError("month", "not_client_step", "the step is not a client's"),),
            )
        token = await create_link(
            timesheet=timesheet, signer_id=signer_id, created_by=created_by, now=self.clock()
        )
        origin = await firms.origin_of(mission.organisation_id, self.settings)
        return f"{origin}{SIGN_PATH}{token}"

    async def open_link(self, token: str) -> str:
        """Start a signer session for a link's month; return the session token.

        Opening spends nothing: the link stays usable until the month is signed, sent back or
        moved on, or the link expires (or a newer one replaces it). Each opening is audited
        and starts a new session, which ends the link's previous one.

        Raises:
            NotFound: Unknown link.
            Gone: The link expired (``expired``), the month was signed by this signer
                (``signed``), or it no longer waits on them at this step (``closed``).
        """
        link = await self._firm_link(await store.get_link_by_token(_token_hash(token)))
        if link is None:
            raise NotFound(
                "this signature link is not valid",
                errors=(FieldError("token", "unknown", "no such link"),),
            )
        now = self.clock()
        refusal = await self._link_refusal(link, now=now)
        session = secrets.token_urlsafe(32)
        if refusal is None and not await store.open_link(
            link_id=link.id,
            session_hash=_token_hash(session),
            session_expires_at=now + SIGNER_SESSION_LIFETIME,
            first_opened_at=link.used_at or now,
            now=now,
        ):
            refusal = _link_gone("expired")
        if refusal is not None:
            await _audit(
                month_id=link.timesheet_id,
                kind="signature.link_refused",
                actor_id=None,
                device="signer-portal",
                data={"link": link.id, "reason": refusal.errors[0].code},
                at=now,
            )
            raise refusal
        await _audit(
            month_id=link.timesheet_id,
            kind="signature.link_opened",
            actor_id=link.person_id,
            device="signer-portal",
            data={"link": link.id, "first": link.used_at is None},
            at=now,
        )
        return session

    async def _link_refusal(self, link: store.SignatureLink, *, now: datetime) -> Gone | None:
        """Why a link can no longer be opened, or None while it can."""
        if any(
            e.person_id == link.person_id and e.step == link.step
            for e in await store.evidence_of_month(link.timesheet_id)
        ):
            timesheet = await store.get_timesheet_by_id(link.timesheet_id)
            if timesheet is not None and timesheet.epoch == link.epoch:
                return _link_gone("signed")
        if link.expires_at <= now:
            return _link_gone("expired")
        timesheet = await store.get_timesheet_by_id(link.timesheet_id)
        if (
            timesheet is None
            or timesheet.status != MonthStatus.IN_VALIDATION.value
            or timesheet.waiting_on_id != link.person_id
            or timesheet.step != link.step
            or timesheet.epoch != link.epoch
        ):
            return _link_gone("closed")
        return None

    async def request_new_link(self, token: str, *, language: str) -> None:
        """A signer whose link no longer opens asks for another (docs/signature.md).

        For a real link: the consultant's manager is told by e-mail (the consultant, for a
        freelance with no manager), and if the month still waits on the link's signer a fresh
        link goes to the signer's address on file, never to one the requester gives. At most
        one request per signer and month every ``LINK_REQUEST_INTERVAL``; each one is audited.
        An unknown token, or a request inside the interval, changes nothing, and the caller
        answers the same in every case: the answer reveals nothing beyond what the link proves.
        """
        link = await self._firm_link(await store.get_link_by_token(_token_hash(token)))
        if link is None:
            logger.info("link request for an unknown token ignored")
            return
        now = self.clock()
        timesheet = await store.get_timesheet_by_id(link.timesheet_id)
        signer = await repo.get_person(link.person_id)
        if timesheet is None or signer is None:
            return
        consultant = await repo.get_person(timesheet.consultant_id)
        manager = (
            await repo.get_person(consultant.manager_id)
            if consultant and consultant.manager_id
            else None
        )
        told = manager or consultant
        waiting = (
            signer.active
            and timesheet.status == MonthStatus.IN_VALIDATION.value
            and timesheet.waiting_on_id == signer.id
            and await self._mission(timesheet, signer.id) is not None
        )
        stamp = now.strftime("%Y%m%dT%H%M%S%f")
        async with repo.write_transaction():
            # The chain's lock first (PostgreSQL; SQLite serialises writers already): two
            # requests at once cannot both find no earlier one and both send.
            organisation = await audit_store.organisation_of_month(link.timesheet_id)
            await audit_store.lock_chain(organisation or signer.organisation_id)
            earlier = [
                entry
                for entry in await audit_log.history(link.timesheet_id, LINK_REQUESTED)
                if entry.body["data"].get("signer") == link.person_id
                and datetime.fromisoformat(entry.at) > now - LINK_REQUEST_INTERVAL
            ]
            if earlier:
                logger.info(
                    "link request for month %s ignored: one was made at %s",
                    link.timesheet_id,
                    earlier[-1].at,
                )
                return
            if waiting:
                token = await create_link(
                    timesheet=timesheet, signer_id=signer.id, created_by=None, now=now
                )
                await notifications.send_signer_link(
                    email=signer.email,
                    language="en" if language == "en" else "fr",
                    month=timesheet.month,
                    consultant_name=consultant.display_name if consultant else "",
                    link=SIGN_PATH + token,
                    key=f"signer_link_renewed:{link.timesheet_id}:{signer.id}:{stamp}",
                    at=now,
                )
            if told is not None:
                told_language, _ = await notification_store.get_preference(told.id)
                await notifications.send_link_requested(
                    email=told.email,
                    language=told_language,
                    month=timesheet.month,
                    data={
                        "consultant_id": timesheet.consultant_id,
                        "consultant_name": consultant.display_name if consultant else "",
                        "signer_name": signer.display_name,
                        "resent": waiting,
                    },
                    key=f"signer_link_requested:{link.timesheet_id}:{signer.id}:{stamp}",
                    at=now,
                )
            await _audit(
                month_id=link.timesheet_id,
                kind=LINK_REQUESTED,
                actor_id=None,
                device="signer-portal",
                data={
                    "link": link.id,
                    "signer": signer.id,
                    "new_link_sent": waiting,
                    "told": told.id if told else None,
                },
                at=now,
            )

    async def session(self, token: str | None) -> SignerSession:
        """The signer session behind a cookie value.

        Raises:
            NotAuthenticated: No cookie, an unknown one, or an expired session.
        """
        link = await store.get_link_by_session(_token_hash(token)) if token else None
        if (
            link is None
            or link.session_expires_at is None
            or link.session_expires_at <= self.clock()
        ):
            raise NotAuthenticated("open your signature link again")
        signer = await repo.get_person(link.person_id)
        if signer is not None and not firms.belongs(signer.organisation_id):
            raise NotAuthenticated("open your signature link again")
        if signer is None or not signer.active:
            raise NotAuthenticated("this signer's account is disabled")
        return SignerSession(link=link, signer=signer)

    async def _firm_link(self, link: store.SignatureLink | None) -> store.SignatureLink | None:
        """The link if it is this request's firm's: another firm's link is unknown here."""
        if link is None or firms.current() is None:
            return link
        signer = await repo.get_person(link.person_id)
        return link if signer is not None and firms.belongs(signer.organisation_id) else None

    # -- what the signer sees --------------------------------------------------------------

    async def _mission(self, timesheet: model.Timesheet, signer_id: str) -> model.Mission | None:
        month = MonthKey.parse(timesheet.month)
        missions = [
            m
            for m in await repo.missions_of(timesheet.consultant_id)
            if m.start_date <= month.last_day
            and (m.end_date is None or m.end_date >= month.first_day)
        ]
        return mission_waiting_on(timesheet=timesheet, missions=missions, signer_id=signer_id)

    async def _shown(self, link: store.SignatureLink, signer: model.Person) -> Shown | None:
        """The month as shown now, or None if it no longer waits on this link's signer."""
        timesheet = await store.get_timesheet_by_id(link.timesheet_id)
        if (
            timesheet is None
            or timesheet.status != MonthStatus.IN_VALIDATION.value
            or timesheet.waiting_on_id != link.person_id
            or timesheet.step != link.step
            or timesheet.epoch != link.epoch
        ):
            return None
        mission = await self._mission(timesheet, signer.id)
        consultant = await repo.get_person(timesheet.consultant_id)
        client = await repo.get_client(mission.client_id) if mission else None
        if mission is None or consultant is None or client is None:
            return None
        registered = await self._registered(signer)
        document = signer_document(
            timesheet=timesheet,
            mission=mission,
            client=client,
            wording=await store.get_client_wording(client.id),
            consultant=consultant,
            signer=signer,
            registration=registered[0][1].record_hash if registered else None,
        )
        return Shown(timesheet=timesheet, mission=mission, document=document)

    @staticmethod
    async def _registered(
        signer: model.Person,
    ) -> list[tuple[model.Passkey, store.Registration]]:
        """The signer's active passkeys enrolled with a verified e-mail code, newest first.

        A passkey without a registration record (made before enrolment existed) cannot sign:
        nothing would tie it to the person.
        """
        found = []
        for passkey in await repo.list_passkeys(signer.id):
            registration = await store.registration_of(passkey.id)
            if passkey.revoked_at is None and registration is not None:
                found.append((passkey, registration))
        return sorted(found, key=lambda pair: pair[0].created_at, reverse=True)

    async def portal(self, session: SignerSession) -> Portal:
        """The month as the signer sees it, or as they signed it."""
        link, signer = session.link, session.signer
        has_passkey = bool(await self._registered(signer))
        enrolments = await store.enrolments_of(link.id)
        code_sent_at = max((e.sent_at for e in enrolments), default=None)
        email_verified = any(self._verified(e) for e in enrolments)
        signed = [
            e
            for e in await store.evidence_of_month(link.timesheet_id)
            if e.person_id == signer.id and e.step == link.step
        ]
        if signed:
            evidence = json.loads(signed[-1].body)
            document = evidence["document"].encode("utf-8")
            return Portal(
                status="signed",
                document=document,
                document_hash=signed[-1].document_hash,
                wording=json.loads(document)["mission"]["wording"],
                signer=signer,
                has_passkey=has_passkey,
                evidence_id=signed[-1].id,
                signed_at=signed[-1].signed_at,
                code_sent_at=code_sent_at,
                email_verified=email_verified,
            )
        shown = await self._shown(link, signer)
        if shown is None:
            return Portal(
                status="closed",
                document=b"",
                document_hash="",
                wording="signature",
                signer=signer,
                has_passkey=has_passkey,
                evidence_id=None,
                signed_at=None,
                code_sent_at=code_sent_at,
                email_verified=email_verified,
            )
        return Portal(
            status="waiting",
            document=shown.document,
            document_hash=document_hash(shown.document).hex(),
            wording=json.loads(shown.document)["mission"]["wording"],
            signer=signer,
            has_passkey=has_passkey,
            evidence_id=None,
            signed_at=None,
            code_sent_at=code_sent_at,
            email_verified=email_verified,
        )

    # -- the signer's e-mail code ----------------------------------------------------------

    def _code_hash(self, *, link_id: str, code: str) -> str:
        # Keyed by the server secret and bound to the link: the stored hash of a 6-digit
        # code cannot be reversed by trying the million codes without the key.
        message = f"carnet-signer-code:{link_id}:{code}".encode()
        return hmac.new(self.settings.secret_key.encode(), message, hashlib.sha256).hexdigest()

    def _verified(self, enrolment: store.Enrolment | None) -> store.Enrolment | None:
        if (
            enrolment is None
            or enrolment.verified_at is None
            or enrolment.verified_at + VERIFIED_LIFETIME <= self.clock()
        ):
            return None
        return enrolment

    async def send_code(self, session: SignerSession, *, language: str) -> str | None:
        """E-mail a one-time code to the signer's declared address.

        Returns:
            The code itself only in demo mode without SMTP (the demo has no mailbox: the page
            shows it, and says why); None otherwise.

        A signer who has a passkey on another device asks for one too, to register this
        device: the code proves they read the mailbox, as at their first enrolment.

        Raises:
            InvalidInput: Too many codes in the last hour.
        """
        link, signer = session.link, session.signer
        now = self.clock()
        if await store.codes_sent_since(signer.id, now - timedelta(hours=1)) >= CODES_PER_HOUR:
            raise InvalidInput(
                "too many codes were sent in the last hour; try again later",
                errors=(FieldError("code", "too_many_codes", "wait before asking again"),),
            )
        code = f"{secrets.randbelow(10**6):06d}"
        async with repo.write_transaction():
            enrolment = await store.create_enrolment(
                link_id=link.id,
                person_id=signer.id,
                code_hash=self._code_hash(link_id=link.id, code=code),
                sent_at=now,
                expires_at=now + CODE_LIFETIME,
            )
            await notifications.send_signer_code(
                email=signer.email,
                language="en" if language == "en" else "fr",
                code=code,
                key=f"signer_code:{enrolment.id}",
                at=now,
                organisation_id=signer.organisation_id,
            )
            await _audit(
                month_id=link.timesheet_id,
                kind="signature.code_sent",
                actor_id=signer.id,
                device="signer-portal",
                data={"enrolment": enrolment.id, "sent_to": signer.email},
                at=now,
            )
        return code if self.settings.demo_mode and not self.settings.smtp_host else None

    async def verify_code(self, session: SignerSession, *, code: str) -> None:
        """Check the code the signer typed; once right, they may register a passkey.

        Raises:
            InvalidInput: No code sent, expired, too many attempts, or a wrong code (``code``).
        """
        link, signer = session.link, session.signer
        enrolments = await store.enrolments_of(link.id)
        now = self.clock()

        def refused(reason: str, message: str) -> InvalidInput:
            return InvalidInput(message, errors=(FieldError("code", reason, message),))

        if not enrolments:
            raise refused("no_code", "ask for a code first")
        if any(self._verified(e) for e in enrolments):
            return
        expected = self._code_hash(link_id=link.id, code=code.strip())
        usable = [e for e in enrolments if e.expires_at > now and e.attempts < CODE_ATTEMPTS]
        enrolment = next(
            (e for e in usable if hmac.compare_digest(expected, e.code_hash)),
            usable[0] if usable else enrolments[0],
        )
        if enrolment.expires_at <= now:
            raise refused("expired", "this code has expired: ask for a new one")
        if enrolment.attempts >= CODE_ATTEMPTS:
            raise refused("too_many_attempts", "too many wrong codes: ask for a new one")
        if not hmac.compare_digest(expected, enrolment.code_hash):
            await store.count_attempt(enrolment.id)
            await _audit(
                month_id=link.timesheet_id,
                kind="signature.code_refused",
                actor_id=signer.id,
                device="signer-portal",
                data={"enrolment": enrolment.id, "attempt": enrolment.attempts + 1},
                at=now,
            )
            raise refused("wrong_code", "this is not the code we sent")
        async with repo.write_transaction():
            if await store.mark_verified(enrolment_id=enrolment.id, now=now):
                await _audit(
                    month_id=link.timesheet_id,
                    kind="signature.email_verified",
                    actor_id=signer.id,
                    device="signer-portal",
                    data={"enrolment": enrolment.id, "address": signer.email},
                    at=now,
                )

    # -- the signer's passkey --------------------------------------------------------------

    async def begin_registration(self, session: SignerSession) -> tuple[str, dict[str, Any]]:
        """Registration options for the signer's passkey on this device (UV required), once
        their e-mail code is verified in this session; the challenge commits to the identity
        statement. A forwarded link alone cannot add a key: the code goes to the signer's
        mailbox.

        Raises:
            Forbidden: No verified e-mail code in this session (``code`` / ``not_verified``).
        """
        link, signer = session.link, session.signer
        enrolment = next(
            (e for e in await store.enrolments_of(link.id) if self._verified(e)), None
        )
        if enrolment is None or enrolment.verified_at is None:
            raise Forbidden(
                "confirm your e-mail address with the code we send you first",
                errors=(FieldError("code", "not_verified", "enter the e-mailed code first"),),
            )
        now = self.clock()
        statement = enrolment_statement(
            signer={"id": signer.id, "name": signer.display_name, "email": signer.email},
            user_handle=signer.webauthn_user_handle,
            organisation={
                "id": signer.organisation_id,
                "name": await store.organisation_name(signer.organisation_id),
            },
            code_sent_at=enrolment.sent_at,
            code_verified_at=enrolment.verified_at,
            rp_id=firms.rp_id(self.settings),
            origin=firms.origin(self.settings),
            issued_at=now,
        )
        nonce = secrets.token_bytes(32)
        options = ceremonies.registration_options(
            rp_id=firms.rp_id(self.settings),
            rp_name=self.settings.rp_name,
            user_handle=signer.webauthn_user_handle,
            user_name=signer.email,
            display_name=signer.display_name,
            exclude=[],
            challenge=enrolment_challenge(statement=statement, nonce=nonce),
        )
        async with repo.write_transaction():
            await store.set_statement(enrolment_id=enrolment.id, statement=statement, nonce=nonce)
            ceremony_id = await repo.create_ceremony(
                purpose=REGISTER_PURPOSE,
                challenge=options.challenge,
                expires_at=now + CHALLENGE_LIFETIME,
                person_id=signer.id,
            )
        return ceremony_id, options.public_key

    async def finish_registration(
        self,
        session: SignerSession,
        *,
        ceremony_id: str,
        credential: dict[str, Any],
        device_name: str,
    ) -> model.Passkey:
        """Verify the registration, keep its record (timestamped) with the new passkey.

        Raises:
            InvalidInput: Unknown, used or expired ceremony, or a synced passkey where the
                firm refuses them (``credential`` / ``synced_passkey``).
            TimestampUnavailable: The TSA is configured but failed; nothing was kept.
        """
        link, signer = session.link, session.signer
        ceremony = await repo.get_ceremony(ceremony_id)
        # The enrolment whose statement this ceremony's challenge commits to.
        enrolment = next(
            (
                e
                for e in await store.enrolments_of(link.id)
                if self._verified(e)
                and e.nonce is not None
                and ceremony is not None
                and enrolment_challenge(statement=e.statement, nonce=e.nonce) == ceremony.challenge
            ),
            None,
        )
        if (
            ceremony is None
            or ceremony.purpose != REGISTER_PURPOSE
            or ceremony.person_id != signer.id
            or ceremony.used_at is not None
            or ceremony.expires_at <= self.clock()
            or enrolment is None
            or enrolment.nonce is None
        ):
            raise InvalidInput(
                "the passkey ceremony is unknown, used or expired; start again",
                errors=(
                    FieldError("ceremony_id", "ceremony_invalid", "unknown, used or expired"),
                ),
            )
        new = ceremonies.verify_registration(
            credential=credential,
            challenge=ceremony.challenge,
            rp_id=firms.rp_id(self.settings),
            origin=firms.origin(self.settings),
        )
        if new.backed_up and await store.refuses_synced_passkeys(signer.organisation_id):
            raise _synced_refused()
        now = self.clock()
        record = registration_record(
            statement=enrolment.statement,
            nonce=enrolment.nonce,
            client_data_json=new.client_data_json,
            attestation_object=new.attestation_object,
            backed_up=new.backed_up,
            registered_at=now,
        )
        body = canonical_json(record)
        stamped = await timestamping.timestamp(self.settings, body)
        async with repo.write_transaction():
            if await repo.consume_ceremony(ceremony_id=ceremony_id, now=now) is None:
                raise InvalidInput(
                    "the passkey ceremony was already used; start again",
                    errors=(FieldError("ceremony_id", "ceremony_invalid", "already used"),),
                )
            # The signer signs with one enrolled key: the document names its registration.
            # A key enrolled on a new device replaces the earlier ones (lost or left behind).
            replaced = [p.id for p, _ in await self._registered(signer)]
            for passkey_id in replaced:
                await repo.revoke_passkey(passkey_id=passkey_id, now=now)
            if await repo.get_passkey_by_credential_id(new.credential_id) is not None:
                raise Conflict("this passkey is already registered")
            passkey = await repo.add_passkey(
                person_id=signer.id,
                credential_id=new.credential_id,
                public_key=new.public_key,
                sign_count=new.sign_count,
                transports=new.transports,
                aaguid=new.aaguid,
                device_name=device_name.strip()[:120] or "Appareil du signataire",
                backed_up=new.backed_up,
                now=now,
            )
            await store.add_registration(
                passkey_id=passkey.id,
                person_id=signer.id,
                record=body,
                record_hash=registration_hash(record),
                timestamp_token=stamped[0] if stamped else None,
                now=now,
            )
            await _audit(
                month_id=link.timesheet_id,
                kind="signature.passkey_registered",
                actor_id=signer.id,
                device="signer-portal",
                data={
                    "passkey": passkey.id,
                    "backed_up": new.backed_up,
                    "registration_sha256": registration_hash(record),
                    "replaces": replaced,
                },
                at=now,
            )
        return passkey

    # -- signing ---------------------------------------------------------------------------

    async def begin_signature(self, session: SignerSession) -> tuple[str, dict[str, Any], str]:
        """Signing options bound to the month as shown; returns (id, options, document hash).

        Raises:
            Conflict: The month no longer waits on this signer, or they have no passkey yet.
        """
        link, signer = session.link, session.signer
        shown = await self._shown(link, signer)
        if shown is None:
            raise self._not_waiting()
        if not await self._registered(signer):
            raise Conflict(
                "register a passkey before signing",
                errors=(FieldError("passkey", "missing", "no passkey registered yet"),),
            )
        nonce = secrets.token_bytes(32)
        digest = document_hash(shown.document)
        challenge = signing_challenge(document_hash=digest, nonce=nonce)
        # No allow-list: the signer picks their passkey (on this device, or a phone nearby),
        # and ownership is checked on the answer, so another person's passkey is refused by
        # the server rather than silently unavailable in the browser.
        options = ceremonies.signing_options(
            rp_id=firms.rp_id(self.settings), challenge=challenge, allow=[]
        )
        now = self.clock()
        challenge_id = await store.create_challenge(
            link_id=link.id,
            timesheet_id=link.timesheet_id,
            person_id=signer.id,
            document=shown.document,
            document_hash=digest.hex(),
            nonce=nonce,
            challenge=challenge,
            now=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
        await _audit(
            month_id=link.timesheet_id,
            kind="signature.challenge_issued",
            actor_id=signer.id,
            device="signer-portal",
            data={"document_sha256": digest.hex(), "nonce": nonce.hex()},
            at=now,
        )
        return challenge_id, options.public_key, digest.hex()

    @staticmethod
    def _not_waiting() -> Conflict:
        return Conflict(
            "this month no longer waits on your signature",
            errors=(FieldError("month", "not_waiting", "signed, sent back or reassigned"),),
        )

    async def sign(
        self, session: SignerSession, *, challenge_id: str, credential: dict[str, Any]
    ) -> store.SignatureEvidence:
        """Verify the signer's assertion and sign the month; refusals are audited.

        Raises:
            SignatureRejected: The assertion failed a check (named in the problem's errors).
            Conflict: The month changed since it was shown, or no longer waits on the signer.
        """
        try:
            return await self._sign(session, challenge_id=challenge_id, credential=credential)
        except (SignatureRejected, Conflict, Forbidden) as error:
            await _audit(
                month_id=session.link.timesheet_id,
                kind="signature.refused",
                actor_id=session.signer.id,
                device="signer-portal",
                data={
                    "reason": error.message,
                    "checks": [e.code for e in error.errors],
                    "challenge": challenge_id,
                },
                at=self.clock(),
            )
            raise

    async def owned_passkey(
        self, credential: dict[str, Any], person: model.Person
    ) -> tuple[model.Passkey, bytes | None]:
        """The person's own, unrevoked passkey that made the assertion, and its user handle.

        Raises:
            SignatureRejected: Malformed ids, an unknown or revoked passkey, another person's
                passkey, or a user handle that is not the person's.
        """
        try:
            raw_id = ceremonies.credential_raw_id(credential)
            handle = ceremonies.credential_user_handle(credential)
        except Exception as error:
            raise _rejected("malformed", str(error)) from error
        passkey = await repo.get_passkey_by_credential_id(raw_id)
        if passkey is None or passkey.revoked_at is not None:
            raise _rejected("credential_unknown", "this passkey is not registered, or revoked")
        if passkey.person_id != person.id:
            raise _rejected("credential_owner", "this passkey belongs to another person")
        if handle is not None and not secrets.compare_digest(handle, person.webauthn_user_handle):
            raise _rejected("user_handle", "the passkey's user handle is not the signer's")
        return passkey, handle

    def verify_assertion(
        self, credential: dict[str, Any], *, challenge: bytes, passkey: model.Passkey
    ) -> int:
        """Verify an assertion over our challenge (UV required); return the new sign count.

        Raises:
            SignatureRejected: Naming the WebAuthn check that failed.
        """
        try:
            return ceremonies.verify_authentication(
                credential=credential,
                challenge=challenge,
                rp_id=firms.rp_id(self.settings),
                origin=firms.origin(self.settings),
                public_key=passkey.public_key,
                sign_count=passkey.sign_count,
            )
        except Exception as error:
            message = getattr(error, "message", str(error))
            check = next((c for key, c in _CHECKS if key in message), "assertion")
            raise _rejected(check, message) from error

    async def _sign(
        self, session: SignerSession, *, challenge_id: str, credential: dict[str, Any]
    ) -> store.SignatureEvidence:
        link, signer = session.link, session.signer
        stored = await store.get_challenge(challenge_id)
        if stored is None or stored.link_id != link.id:
            raise _rejected("challenge_unknown", "this signing challenge is not for this link")
        if stored.used_at is not None:
            raise _rejected("replay", "this signing challenge was already used")
        if stored.expires_at <= self.clock():
            raise _rejected("challenge_expired", "this signing challenge has expired")
        passkey, handle = await self.owned_passkey(credential, signer)
        shown = await self._shown(link, signer)
        if shown is None:
            raise self._not_waiting()
        if shown.document != stored.document:
            raise Conflict(
                "the month changed since it was shown to you: read it again before signing",
                errors=(FieldError("month", "changed", "the document is no longer the same"),),
            )
        committed = json.loads(stored.document)["signer"].get("registration")
        registration = await store.registration_of(passkey.id)
        if registration is None or registration.record_hash != committed:
            raise _rejected(
                "credential_unregistered",
                "this passkey was not enrolled with your e-mail code: sign with the one you "
                "registered on this portal",
            )
        new_count = self.verify_assertion(credential, challenge=stored.challenge, passkey=passkey)
        if ceremonies.assertion_backed_up(credential) and await store.refuses_synced_passkeys(
            signer.organisation_id
        ):
            raise _synced_refused()
        now = self.clock()
        timesheet = shown.timesheet
        prepared = await prepare_evidence(
            settings=self.settings,
            timesheet=timesheet,
            challenge=stored,
            passkey=passkey,
            credential=credential,
            user_handle=handle,
            sign_count=new_count,
            signer=signer,
            role="client_signer",
            now=now,
        )
        async with repo.write_transaction():
            if not await store.spend_challenge(challenge_id=challenge_id, now=now):
                raise _rejected("replay", "this signing challenge was already used")
            current = await self._shown(link, signer)
            if current is None or current.document != stored.document:
                raise self._not_waiting()
            if not await repo.record_passkey_use(
                passkey_id=passkey.id,
                old_count=passkey.sign_count,
                new_count=new_count,
                now=now,
            ):
                raise _rejected("sign_count", "this passkey was used concurrently; try again")
            # The circuit decides (its steps, the version the signer saw) and records the
            # approval, with what was signed, in the month's audit chain.
            outcome = await circuit.approve_with_signature(
                actor_of(signer),
                consultant_id=timesheet.consultant_id,
                month_text=timesheet.month,
                version=timesheet.version,
                clock=lambda: now,
                signature={
                    "document_sha256": stored.document_hash,
                    "credential_id": b64url_encode(passkey.credential_id),
                    "sign_count": new_count,
                },
            )
            evidence = await keep_evidence(
                prepared, timesheet=timesheet, challenge=stored, passkey=passkey, signer=signer
            )
        await _audit(
            month_id=timesheet.id,
            kind="signature.signed",
            actor_id=signer.id,
            device="signer-portal",
            data={
                "evidence": evidence.id,
                "evidence_sha256": evidence.body_hash,
                "document_sha256": stored.document_hash,
                "status": outcome.month.status,
            },
            at=now,
        )
        await anchors.anchor_after_signature(self.settings, signer.organisation_id)
        return evidence

    async def month_status(self, month_id: str) -> str:
        timesheet = await store.get_timesheet_by_id(month_id)
        return timesheet.status if timesheet else ""

    # -- evidence ----------------------------------------------------------------------------

    async def signer_evidence(self, session: SignerSession, evidence_id: str) -> bytes:
        """An evidence file of the signer's own signature on their link's month."""
        evidence = await store.get_evidence(evidence_id)
        if (
            evidence is None
            or evidence.timesheet_id != session.link.timesheet_id
            or evidence.person_id != session.signer.id
        ):
            raise NotFound("no such signature")
        return evidence_file(evidence)

    async def evidence_for(self, actor: Actor, evidence_id: str) -> bytes:
        """An evidence file, for whoever may see the signed month in the app."""
        evidence = await store.get_evidence(evidence_id)
        timesheet = await store.get_timesheet_by_id(evidence.timesheet_id) if evidence else None
        consultant = await repo.get_person(timesheet.consultant_id) if timesheet else None
        if (
            evidence is None
            or timesheet is None
            or consultant is None
            or not (
                can_see_timesheet(actor, timesheet, consultant)
                or evidence.person_id == actor.person_id
            )
        ):
            raise NotFound("no such signature")
        return evidence_file(evidence)

    async def refuses_synced(self, actor: Actor) -> bool:
        """Whether the actor's firm refuses synced passkeys for signing."""
        return await store.refuses_synced_passkeys(actor.organisation_id)

    async def set_refuse_synced(self, actor: Actor, *, refuse: bool) -> None:
        """Set the firm's synced-passkey policy. Admins only; a change goes to the audit chain
        (``organisation.changed``, before and after: how strongly a signature binds its signer
        is what an auditor asks about) and to the server log."""
        if not actor.has(Role.ADMIN):
            raise Forbidden("only an administrator sets the signature policy")
        async with repo.write_transaction():
            before = await store.refuses_synced_passkeys(actor.organisation_id)
            await store.set_refuse_synced_passkeys(
                organisation_id=actor.organisation_id, refuse=refuse
            )
            if before != refuse:
                await audit_log.record_organisation_event(
                    organisation_id=actor.organisation_id,
                    kind="organisation.changed",
                    subject=f"organisation:{actor.organisation_id}",
                    actor_id=actor.person_id,
                    data={
                        "before": {"refuse_synced_passkeys": before},
                        "after": {"refuse_synced_passkeys": refuse},
                    },
                    at=self.clock(),
                )
        audit_logger.info(
            "signature.policy organisation=%s actor=%s refuse_synced_passkeys=%s",
            actor.organisation_id,
            actor.person_id,
            refuse,
        )

    async def sealed_pdf(self, evidence_id: str, file: bytes) -> bytes:
        """The signed month's PDF with ``file`` attached, sealed by the firm: made on the first
        download and kept, so every later download is the same bytes.

        Raises:
            TimestampUnavailable: The seal's timestamp could not be had; nothing was kept.
        """
        stored = await store.get_signed_pdf(evidence_id)
        if stored is not None:
            return stored
        seal = signed_pdf.load_seal(self.settings)
        pdf = await asyncio.to_thread(signed_pdf.signed_month_pdf, file, seal.note)
        try:
            sealed = await signed_pdf.seal(pdf, settings=self.settings, seal=seal)
        except Exception as error:
            logger.warning("sealing the PDF of %s failed: %s", evidence_id, error)
            raise timestamping.TimestampUnavailable(
                "the PDF could not be sealed and timestamped; try again"
            ) from error
        return await store.add_signed_pdf(
            evidence_id=evidence_id,
            pdf=sealed,
            sha256=hashlib.sha256(sealed).hexdigest(),
            now=self.clock(),
        )

    async def set_wording(self, actor: Actor, *, client_id: str, wording: str) -> None:
        """Set what a client's signers do: ``signature`` or ``attestation``. Admins only."""
        client = await repo.get_client(client_id)
        if client is None or client.organisation_id != actor.organisation_id:
            raise NotFound("no such client")
        if not actor.has(Role.ADMIN):
            raise Forbidden("only an administrator sets a client's wording")
        if wording not in WORDINGS:
            raise InvalidInput(
                "unknown wording",
                errors=(
                    FieldError("wording", "invalid", f"one of {', '.join(sorted(WORDINGS))}"),
                ),
            )
        await store.set_client_wording(client_id=client_id, wording=wording)


async def links_for_signer(
    *, settings: Settings, clock: Clock, signer_id: str
) -> list[tuple[model.Timesheet, str]]:
    """A fresh signature link for every month waiting on this person at a client signer step."""
    signatures = Signatures(settings=settings, clock=clock)
    links = []
    for timesheet in await repo.list_timesheets_waiting_on(signer_id):
        try:
            links.append((timesheet, await signatures.issue_link(month_id=timesheet.id)))
        except Conflict:
            continue
    return links


@dataclass(frozen=True)
class PreparedEvidence:
    """An evidence body and its timestamp, made before the signing transaction (the TSA is a
    network call: no database lock is held while it answers)."""

    body: bytes
    token: bytes | None
    signed_at: datetime


async def prepare_evidence(
    *,
    settings: Settings,
    timesheet: model.Timesheet,
    challenge: store.SignatureChallenge,
    passkey: model.Passkey,
    credential: dict[str, Any],
    user_handle: bytes | None,
    sign_count: int,
    signer: model.Person,
    role: str,
    now: datetime,
) -> PreparedEvidence:
    """Build the evidence of one verified signature and timestamp it: everything
    `carnet verify-signature` needs, with no database (docs/signature.md, the evidence file).

    The ECDSA signature is stored in its low-S form (``webauthn_ceremonies.low_s``).

    Raises:
        TimestampUnavailable: A TSA is configured and failed: the signature is not taken.
    """
    response = credential["response"]
    registration: dict[str, Any] | None = None
    if json.loads(challenge.document)["signer"].get("registration"):
        stored = await store.registration_of(passkey.id)
        assert stored is not None  # checked by the caller against the document
        registration = json.loads(stored.record)
        token = stored.timestamp_token
        registration["timestamp"] = None if token is None else b64url_encode(token)
    body = build_evidence(
        month={
            "id": timesheet.id,
            "month": timesheet.month,
            "version": timesheet.version,
            "step": timesheet.step,
            "epoch": timesheet.epoch,
        },
        document=challenge.document,
        nonce=challenge.nonce,
        rp_id=firms.rp_id(settings),
        origin=firms.origin(settings),
        credential_id=passkey.credential_id,
        public_key=passkey.public_key,
        backed_up=ceremonies.assertion_backed_up(credential),
        authenticator_data=_b64url(response["authenticatorData"]),
        client_data_json=_b64url(response["clientDataJSON"]),
        signature=ceremonies.low_s(_b64url(response["signature"]), passkey.public_key),
        user_handle=user_handle,
        sign_count=sign_count,
        signer={"id": signer.id, "name": signer.display_name, "email": signer.email, "role": role},
        signed_at=now,
        registration=registration,
    )
    stamped = await timestamping.timestamp(settings, body)
    return PreparedEvidence(body=body, token=stamped[0] if stamped else None, signed_at=now)


async def keep_evidence(
    prepared: PreparedEvidence,
    *,
    timesheet: model.Timesheet,
    challenge: store.SignatureChallenge,
    passkey: model.Passkey,
    signer: model.Person,
) -> store.SignatureEvidence:
    """Write prepared evidence, in the caller's transaction."""
    return await store.add_evidence(
        timesheet_id=timesheet.id,
        person_id=signer.id,
        passkey_id=passkey.id,
        step=timesheet.step,
        version=timesheet.version,
        document_hash=challenge.document_hash,
        body=prepared.body,
        body_hash=evidence_hash(prepared.body),
        signed_at=prepared.signed_at,
        timestamp_token=prepared.token,
    )


def evidence_file(evidence: store.SignatureEvidence) -> bytes:
    """The file a reader downloads: the stored body with its ``timestamp`` member."""
    return with_timestamp(evidence.body, evidence.timestamp_token)


async def issue_signature_link(
    *, settings: Settings, clock: Clock, month_id: str, created_by: str | None = None
) -> str:
    """Create a signature link for the client signer a month waits on; return its URL.

    For the notification sender (email) and the ``carnet signature-link`` command.
    """
    return await Signatures(settings=settings, clock=clock).issue_link(
        month_id=month_id, created_by=created_by
    )
