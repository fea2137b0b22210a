"""A consultant signs their own submitted month with their passkey (optional).

The same content-bound scheme as the client signer's (``CRA-SIGN-v1``), over the consultant's
view of the month (``signer_document.consultant_document``: every line, no rate), with the
same evidence file; it changes nothing in the circuit. One signature per month version.
"""

import secrets
from datetime import datetime
from typing import Any

from server.domain import model
from server.domain.access import can_see_person
from server.domain.errors import Conflict, FieldError, Forbidden, NotFound
from server.domain.roles import Actor, Role
from server.domain.signer_document import consultant_document
from server.domain.signing import document_hash, signing_challenge
from server.services import firms
from server.services import webauthn_ceremonies as ceremonies
from server.services.anchors import anchor_after_signature
from server.services.circuit import parse_month
from server.services.signature_tokens import record_signature_event as _audit
from server.services.signatures import (
    CHALLENGE_LIFETIME,
    Signatures,
    _rejected,
    keep_evidence,
    prepare_evidence,
)
from server.storage import repositories as repo
from server.storage import signatures as store
from sync.months import MonthStatus

SIGNABLE = frozenset(
    {MonthStatus.IN_VALIDATION.value, MonthStatus.VALIDATED.value, MonthStatus.SIGNED.value}
)
"""A consultant signs what they submitted: a month in its circuit or through it."""


class ConsultantSignatures:
    """Options and verification of a consultant's signature of their own month."""

    def __init__(self, signatures: Signatures) -> None:
        self.signatures = signatures
        self.settings = signatures.settings
        self.clock = signatures.clock

    async def _document(
        self, actor: Actor, *, consultant_id: str, month: str
    ) -> tuple[model.Timesheet, model.Person, bytes]:
        consultant = await repo.get_person(consultant_id)
        if consultant is None or not can_see_person(actor, consultant):
            raise NotFound("no such CRA")
        if actor.person_id != consultant_id or not actor.has(Role.CONSULTANT):
            raise Forbidden("only the consultant signs their own CRA")
        key = parse_month(month)
        timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=str(key))
        if timesheet is None or timesheet.status not in SIGNABLE:
            raise Conflict(
                "submit the month before signing it",
                errors=(FieldError("month", "not_submitted", "the month is not submitted"),),
            )
        missions = [
            m
            for m in await repo.missions_of(consultant_id)
            if m.start_date <= key.last_day and (m.end_date is None or m.end_date >= key.first_day)
        ]
        clients = {}
        for mission in missions:
            client = await repo.get_client(mission.client_id)
            if client is not None:
                clients[client.id] = client
        document = consultant_document(
            timesheet=timesheet, missions=missions, clients=clients, consultant=consultant
        )
        return timesheet, consultant, document

    async def _already_signed(self, timesheet: model.Timesheet, consultant_id: str) -> None:
        for evidence in await store.evidence_of_month(timesheet.id):
            if evidence.person_id == consultant_id and evidence.version == timesheet.version:
                raise Conflict(
                    "you already signed this version of the month",
                    errors=(FieldError("month", "already_signed", "signed already"),),
                )

    async def begin(
        self, actor: Actor, *, consultant_id: str, month: str
    ) -> tuple[str, dict[str, Any], str]:
        """Signing options over the consultant's month; returns (id, options, document hash)."""
        timesheet, consultant, document = await self._document(
            actor, consultant_id=consultant_id, month=month
        )
        await self._already_signed(timesheet, consultant.id)
        nonce = secrets.token_bytes(32)
        digest = document_hash(document)
        challenge = signing_challenge(document_hash=digest, nonce=nonce)
        options = ceremonies.signing_options(
            rp_id=firms.rp_id(self.settings), challenge=challenge, allow=[]
        )
        now = self.clock()
        challenge_id = await store.create_self_challenge(
            timesheet_id=timesheet.id,
            person_id=consultant.id,
            document=document,
            document_hash=digest.hex(),
            nonce=nonce,
            challenge=challenge,
            now=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
        return challenge_id, options.public_key, digest.hex()

    async def finish(
        self,
        actor: Actor,
        *,
        consultant_id: str,
        month: str,
        challenge_id: str,
        credential: dict[str, Any],
    ) -> store.SignatureEvidence:
        """Verify the consultant's assertion and store the evidence; the month is unchanged."""
        timesheet, consultant, document = await self._document(
            actor, consultant_id=consultant_id, month=month
        )
        stored = await store.get_self_challenge(challenge_id)
        now: datetime = self.clock()
        if stored is None or stored.timesheet_id != timesheet.id:
            raise _rejected("challenge_unknown", "this signing challenge is not for this month")
        if stored.used_at is not None:
            raise _rejected("replay", "this signing challenge was already used")
        if stored.expires_at <= now:
            raise _rejected("challenge_expired", "this signing challenge has expired")
        passkey, handle = await self.signatures.owned_passkey(credential, consultant)
        if document != stored.document:
            raise Conflict(
                "the month changed since it was shown to you: read it again before signing",
                errors=(FieldError("month", "changed", "the document is no longer the same"),),
            )
        new_count = self.signatures.verify_assertion(
            credential, challenge=stored.challenge, passkey=passkey
        )
        prepared = await prepare_evidence(
            settings=self.settings,
            timesheet=timesheet,
            challenge=stored,
            passkey=passkey,
            credential=credential,
            user_handle=handle,
            sign_count=new_count,
            signer=consultant,
            role="consultant",
            now=now,
        )
        async with repo.write_transaction():
            if not await store.spend_self_challenge(challenge_id=challenge_id, now=now):
                raise _rejected("replay", "this signing challenge was already used")
            await self._already_signed(timesheet, consultant.id)
            if not await repo.record_passkey_use(
                passkey_id=passkey.id, old_count=passkey.sign_count, new_count=new_count, now=now
            ):
                raise _rejected("sign_count", "this passkey was used concurrently; try again")
            evidence = await keep_evidence(
                prepared, timesheet=timesheet, challenge=stored, passkey=passkey, signer=consultant
            )
        await _audit(
            month_id=timesheet.id,
            kind="signature.consultant_signed",
            actor_id=consultant.id,
            device="app",
            data={"evidence": evidence.id, "evidence_sha256": evidence.body_hash},
            at=now,
        )
        await anchor_after_signature(self.settings, consultant.organisation_id)
        return evidence
