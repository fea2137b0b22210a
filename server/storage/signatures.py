"""Storage of client signatures: links, signing challenges and evidence.

Every "spend" is a compare-and-set (``UPDATE … WHERE used_at IS NULL … RETURNING``), so two
concurrent requests cannot both use one link or one challenge. Evidence rows are only ever
inserted: this module has no function that updates or deletes them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.domain import model
from server.domain.signer_document import Wording, as_wording
from server.storage import repositories as repo
from server.storage import tables as t

"""What a client's signer does: sign the CRA, or attest the service was done."""


def _id(value: Any) -> str:
    return str(value)


@dataclass(frozen=True)
class SignatureLink:
    id: str
    timesheet_id: str
    person_id: str
    step: int
    epoch: int
    expires_at: datetime
    used_at: datetime | None
    session_expires_at: datetime | None


@dataclass(frozen=True)
class SignatureChallenge:
    id: str
    link_id: str
    timesheet_id: str
    person_id: str
    document: bytes
    document_hash: str
    nonce: bytes
    challenge: bytes
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class SignatureEvidence:
    id: str
    timesheet_id: str
    person_id: str
    passkey_id: str
    step: int
    version: int
    document_hash: str
    body: bytes
    body_hash: str
    signed_at: datetime
    timestamp_token: bytes | None = None


@dataclass(frozen=True)
class Enrolment:
    id: str
    link_id: str
    person_id: str
    code_hash: str
    sent_at: datetime
    expires_at: datetime
    attempts: int
    verified_at: datetime | None
    statement: bytes
    nonce: bytes | None


@dataclass(frozen=True)
class Registration:
    passkey_id: str
    person_id: str
    record: bytes
    record_hash: str
    timestamp_token: bytes | None


def _link(row: dict[str, Any]) -> SignatureLink:
    return SignatureLink(
        id=_id(row["id"]),
        timesheet_id=_id(row["timesheet"]),
        person_id=_id(row["person"]),
        step=row["step"],
        epoch=row["epoch"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        session_expires_at=row["session_expires_at"],
    )


def _challenge(row: dict[str, Any]) -> SignatureChallenge:
    return SignatureChallenge(
        id=_id(row["id"]),
        link_id=_id(row["link"]),
        timesheet_id=_id(row["timesheet"]),
        person_id=_id(row["person"]),
        document=row["document"].encode("utf-8"),
        document_hash=row["document_hash"],
        nonce=bytes(row["nonce"]),
        challenge=bytes(row["challenge"]),
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


def _evidence(row: dict[str, Any]) -> SignatureEvidence:
    return SignatureEvidence(
        id=_id(row["id"]),
        timesheet_id=_id(row["timesheet"]),
        person_id=_id(row["person"]),
        passkey_id=_id(row["passkey"]),
        step=row["step"],
        version=row["version"],
        document_hash=row["document_hash"],
        body=row["body"].encode("utf-8"),
        body_hash=row["body_hash"],
        signed_at=row["signed_at"],
        timestamp_token=None if row["timestamp_token"] is None else bytes(row["timestamp_token"]),
    )


# -- months ------------------------------------------------------------------------------------


async def get_timesheet_by_id(timesheet_id: str) -> model.Timesheet | None:
    """A month with its days, by id."""
    row = (
        await t.Timesheet.select(t.Timesheet.consultant, t.Timesheet.month)
        .where(t.Timesheet.id == timesheet_id)
        .first()
    )
    if row is None:
        return None
    return await repo.get_timesheet(consultant_id=_id(row["consultant"]), month=row["month"])


async def month_ids_of(consultant_id: str) -> dict[str, str]:
    """The ids of a consultant's months, by ``YYYY-MM``."""
    rows = await t.Timesheet.select(t.Timesheet.id, t.Timesheet.month).where(
        t.Timesheet.consultant == consultant_id
    )
    return {row["month"]: _id(row["id"]) for row in rows}


async def get_client_wording(client_id: str) -> Wording:
    row = (
        await t.ClientCompany.select(t.ClientCompany.signature_wording)
        .where(t.ClientCompany.id == client_id)
        .first()
    )
    return "signature" if row is None else as_wording(str(row["signature_wording"]))


async def set_client_wording(*, client_id: str, wording: str) -> None:
    await t.ClientCompany.update({t.ClientCompany.signature_wording: wording}).where(
        t.ClientCompany.id == client_id
    )


# -- links -------------------------------------------------------------------------------------


async def create_link(
    *,
    timesheet_id: str,
    person_id: str,
    step: int,
    epoch: int,
    token_hash: str,
    expires_at: datetime,
    created_by: str | None,
    now: datetime,
) -> SignatureLink:
    row = t.SignatureLink(
        timesheet=timesheet_id,
        person=person_id,
        step=step,
        epoch=epoch,
        token_hash=token_hash,
        expires_at=expires_at,
        created_by=created_by,
        created_at=now,
    )
    await row.save()
    found = await t.SignatureLink.select().where(t.SignatureLink.id == row.id).first()
    assert found is not None
    return _link(found)


async def expire_links(*, timesheet_id: str, person_id: str, now: datetime) -> int:
    """End the unexpired links of a signer for a month (a newer one replaces them); returns
    how many. Sessions already opened run to their own end."""
    rows = (
        await t.SignatureLink.update({t.SignatureLink.expires_at: now})
        .where(
            (t.SignatureLink.timesheet == timesheet_id)
            & (t.SignatureLink.person == person_id)
            & (t.SignatureLink.expires_at > now)
        )
        .returning(t.SignatureLink.id)
    )
    return len(rows)


async def get_link_by_token(token_hash: str) -> SignatureLink | None:
    row = await t.SignatureLink.select().where(t.SignatureLink.token_hash == token_hash).first()
    return None if row is None else _link(row)


async def get_link_by_session(session_hash: str) -> SignatureLink | None:
    row = (
        await t.SignatureLink.select().where(t.SignatureLink.session_hash == session_hash).first()
    )
    return None if row is None else _link(row)


async def open_link(
    *,
    link_id: str,
    session_hash: str,
    session_expires_at: datetime,
    first_opened_at: datetime,
    now: datetime,
) -> bool:
    """Attach a new signer session to an unexpired link (opening spends nothing: the link
    stays usable); False if it has expired meanwhile.

    The link holds one session: the latest opening's. ``used_at`` keeps the first opening.
    """
    rows = (
        await t.SignatureLink.update(
            {
                t.SignatureLink.used_at: first_opened_at,
                t.SignatureLink.session_hash: session_hash,
                t.SignatureLink.session_expires_at: session_expires_at,
            }
        )
        .where((t.SignatureLink.id == link_id) & (t.SignatureLink.expires_at > now))
        .returning(t.SignatureLink.id)
    )
    return len(rows) == 1


# -- challenges --------------------------------------------------------------------------------


async def create_challenge(
    *,
    link_id: str,
    timesheet_id: str,
    person_id: str,
    document: bytes,
    document_hash: str,
    nonce: bytes,
    challenge: bytes,
    now: datetime,
    expires_at: datetime,
) -> str:
    row = t.SignatureChallenge(
        link=link_id,
        timesheet=timesheet_id,
        person=person_id,
        document=document.decode("utf-8"),
        document_hash=document_hash,
        nonce=nonce,
        challenge=challenge,
        created_at=now,
        expires_at=expires_at,
    )
    await row.save()
    return _id(row.id)


async def get_challenge(challenge_id: str) -> SignatureChallenge | None:
    row = (
        await t.SignatureChallenge.select().where(t.SignatureChallenge.id == challenge_id).first()
    )
    return None if row is None else _challenge(row)


async def spend_challenge(*, challenge_id: str, now: datetime) -> bool:
    """Mark a challenge used unless it already was or has expired; True if this call spent it."""
    rows = (
        await t.SignatureChallenge.update({t.SignatureChallenge.used_at: now})
        .where(
            (t.SignatureChallenge.id == challenge_id)
            & t.SignatureChallenge.used_at.is_null()
            & (t.SignatureChallenge.expires_at > now)
        )
        .returning(t.SignatureChallenge.id)
    )
    return len(rows) == 1


# -- evidence ----------------------------------------------------------------------------------


async def add_evidence(
    *,
    timesheet_id: str,
    person_id: str,
    passkey_id: str,
    step: int,
    version: int,
    document_hash: str,
    body: bytes,
    body_hash: str,
    signed_at: datetime,
    timestamp_token: bytes | None,
) -> SignatureEvidence:
    row = t.SignatureEvidence(
        timestamp_token=timestamp_token,
        timesheet=timesheet_id,
        person=person_id,
        passkey=passkey_id,
        step=step,
        version=version,
        document_hash=document_hash,
        body=body.decode("utf-8"),
        body_hash=body_hash,
        signed_at=signed_at,
    )
    await row.save()
    found = await get_evidence(_id(row.id))
    assert found is not None
    return found


async def get_evidence(evidence_id: str) -> SignatureEvidence | None:
    row = await t.SignatureEvidence.select().where(t.SignatureEvidence.id == evidence_id).first()
    return None if row is None else _evidence(row)


async def evidence_of_month(timesheet_id: str) -> list[SignatureEvidence]:
    """Every signature of a month, oldest first (a reopened month keeps its past signatures)."""
    rows = (
        await t.SignatureEvidence.select()
        .where(t.SignatureEvidence.timesheet == timesheet_id)
        .order_by(t.SignatureEvidence.signed_at)
    )
    return [_evidence(r) for r in rows]


# -- a consultant's signature of their own month ------------------------------------------------


async def create_self_challenge(
    *,
    timesheet_id: str,
    person_id: str,
    document: bytes,
    document_hash: str,
    nonce: bytes,
    challenge: bytes,
    now: datetime,
    expires_at: datetime,
) -> str:
    row = t.SelfSignatureChallenge(
        timesheet=timesheet_id,
        person=person_id,
        document=document.decode("utf-8"),
        document_hash=document_hash,
        nonce=nonce,
        challenge=challenge,
        created_at=now,
        expires_at=expires_at,
    )
    await row.save()
    return _id(row.id)


async def get_self_challenge(challenge_id: str) -> SignatureChallenge | None:
    """A consultant's challenge, as a `SignatureChallenge` with no link (``link_id`` empty)."""
    row = (
        await t.SelfSignatureChallenge.select()
        .where(t.SelfSignatureChallenge.id == challenge_id)
        .first()
    )
    return None if row is None else _challenge({**row, "link": ""})


async def spend_self_challenge(*, challenge_id: str, now: datetime) -> bool:
    """Mark a consultant's challenge used unless it was, or expired; True if this call did."""
    rows = (
        await t.SelfSignatureChallenge.update({t.SelfSignatureChallenge.used_at: now})
        .where(
            (t.SelfSignatureChallenge.id == challenge_id)
            & t.SelfSignatureChallenge.used_at.is_null()
            & (t.SelfSignatureChallenge.expires_at > now)
        )
        .returning(t.SelfSignatureChallenge.id)
    )
    return len(rows) == 1


# -- the signer's enrolment: e-mailed code, then registration -----------------------------------


def _enrolment(row: dict[str, Any]) -> Enrolment:
    return Enrolment(
        id=_id(row["id"]),
        link_id=_id(row["link"]),
        person_id=_id(row["person"]),
        code_hash=row["code_hash"],
        sent_at=row["sent_at"],
        expires_at=row["expires_at"],
        attempts=int(row["attempts"]),
        verified_at=row["verified_at"],
        statement=str(row["statement"] or "").encode("utf-8"),
        nonce=None if row["nonce"] is None else bytes(row["nonce"]),
    )


async def create_enrolment(
    *, link_id: str, person_id: str, code_hash: str, sent_at: datetime, expires_at: datetime
) -> Enrolment:
    row = t.SignerEnrolment(
        link=link_id,
        person=person_id,
        code_hash=code_hash,
        sent_at=sent_at,
        expires_at=expires_at,
    )
    await row.save()
    return _enrolment(
        await t.SignerEnrolment.select().where(t.SignerEnrolment.id == row.id).first()  # type: ignore[arg-type]
    )


async def enrolments_of(link_id: str) -> list[Enrolment]:
    """Every code sent for a signer session's link, newest first."""
    rows = (
        await t.SignerEnrolment.select()
        .where(t.SignerEnrolment.link == link_id)
        .order_by(t.SignerEnrolment.sent_at, ascending=False)
    )
    return [_enrolment(r) for r in rows]


async def codes_sent_since(person_id: str, since: datetime) -> int:
    return int(
        await t.SignerEnrolment.count().where(
            (t.SignerEnrolment.person == person_id) & (t.SignerEnrolment.sent_at > since)
        )
    )


async def count_attempt(enrolment_id: str) -> None:
    await t.SignerEnrolment.update(
        {t.SignerEnrolment.attempts: t.SignerEnrolment.attempts + 1}
    ).where(t.SignerEnrolment.id == enrolment_id)


async def mark_verified(*, enrolment_id: str, now: datetime) -> bool:
    """Set the code verified, once; False if it already was."""
    rows = (
        await t.SignerEnrolment.update({t.SignerEnrolment.verified_at: now})
        .where((t.SignerEnrolment.id == enrolment_id) & t.SignerEnrolment.verified_at.is_null())
        .returning(t.SignerEnrolment.id)
    )
    return len(rows) == 1


async def set_statement(*, enrolment_id: str, statement: bytes, nonce: bytes) -> None:
    """Keep the statement the registration options committed to (the newest options win)."""
    await t.SignerEnrolment.update(
        {t.SignerEnrolment.statement: statement.decode("utf-8"), t.SignerEnrolment.nonce: nonce}
    ).where(t.SignerEnrolment.id == enrolment_id)


async def add_registration(
    *,
    passkey_id: str,
    person_id: str,
    record: bytes,
    record_hash: str,
    timestamp_token: bytes | None,
    now: datetime,
) -> None:
    await t.PasskeyRegistration(
        passkey=passkey_id,
        person=person_id,
        record=record.decode("utf-8"),
        record_hash=record_hash,
        timestamp_token=timestamp_token,
        created_at=now,
    ).save()


async def registration_of(passkey_id: str) -> Registration | None:
    row = (
        await t.PasskeyRegistration.select()
        .where(t.PasskeyRegistration.passkey == passkey_id)
        .first()
    )
    if row is None:
        return None
    return Registration(
        passkey_id=_id(row["passkey"]),
        person_id=_id(row["person"]),
        record=row["record"].encode("utf-8"),
        record_hash=row["record_hash"],
        timestamp_token=None if row["timestamp_token"] is None else bytes(row["timestamp_token"]),
    )


async def refuses_synced_passkeys(organisation_id: str) -> bool:
    row = (
        await t.Organisation.select(t.Organisation.refuse_synced_passkeys)
        .where(t.Organisation.id == organisation_id)
        .first()
    )
    return bool(row and row["refuse_synced_passkeys"])


async def set_refuse_synced_passkeys(*, organisation_id: str, refuse: bool) -> None:
    await t.Organisation.update({t.Organisation.refuse_synced_passkeys: refuse}).where(
        t.Organisation.id == organisation_id
    )


async def organisation_name(organisation_id: str) -> str:
    row = (
        await t.Organisation.select(t.Organisation.legal_name)
        .where(t.Organisation.id == organisation_id)
        .first()
    )
    return "" if row is None else str(row["legal_name"])


# -- sealed PDFs -------------------------------------------------------------------------------


async def get_signed_pdf(evidence_id: str) -> bytes | None:
    row = (
        await t.SignedPdf.select(t.SignedPdf.pdf)
        .where(t.SignedPdf.evidence == evidence_id)
        .first()
    )
    return None if row is None else bytes(row["pdf"])


async def add_signed_pdf(*, evidence_id: str, pdf: bytes, sha256: str, now: datetime) -> bytes:
    """Keep the sealed PDF; if another request sealed it first, theirs is kept and returned."""
    try:
        async with repo.write_transaction():
            existing = await get_signed_pdf(evidence_id)
            if existing is not None:
                return existing
            await t.SignedPdf(evidence=evidence_id, pdf=pdf, sha256=sha256, created_at=now).save()
    except Exception:
        # Two first downloads at once on PostgreSQL: the unique index let one in.
        existing = await get_signed_pdf(evidence_id)
        if existing is None:
            raise
        return existing
    return pdf
