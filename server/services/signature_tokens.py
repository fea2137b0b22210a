"""A client signer's link to a month: its token, its lifetime, and how one is issued.

Held apart from the signing portal (`server.services.signatures`) because three callers below
the portal issue links: the month's arrival at a client's step (`server.reactions.month`), the
outbox worker's reminder (`server.services.notifications`) and the portal itself. The portal
approves through the month commands, which run those reactions: keeping the link here keeps
every import pointing down.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from server.domain import model
from server.services import audit_log
from server.storage import repositories as repo
from server.storage import signatures as store

LINK_LIFETIME = timedelta(days=7)

SIGN_PATH = "/sign/#t="
"""Where a link's token goes, after the origin: a fragment never reaches server logs or a
Referer header."""

audit_logger = logging.getLogger("carnet.audit")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def record_signature_event(
    *,
    month_id: str,
    kind: str,
    actor_id: str | None,
    device: str,
    data: dict[str, Any],
    at: datetime,
) -> None:
    """Record a signature event in the month's hash-chained audit trail (`audit_log.record`).

    Called inside the transaction of the change it records where there is one; a refusal
    (which changes nothing) is recorded on its own.
    """
    audit_logger.info("%s month=%s actor=%s device=%s", kind, month_id, actor_id, device)
    await audit_log.record(
        month_id=month_id, kind=kind, actor_id=actor_id, device=device, data=data, at=at
    )


async def create_link(
    *, timesheet: model.Timesheet, signer_id: str, created_by: str | None, now: datetime
) -> str:
    """Create the signer's link to the month at its current step and epoch; return its token.

    Runs in the caller's transaction when there is one (the circuit's, as the month reaches
    a client's step), so the link exists exactly when the month waits on that signer. A signer
    has one usable link per month: this ends their earlier ones. Only the token's hash is
    stored.
    """
    token = secrets.token_urlsafe(32)
    async with repo.write_transaction():
        await store.expire_links(timesheet_id=timesheet.id, person_id=signer_id, now=now)
        await store.create_link(
            timesheet_id=timesheet.id,
            person_id=signer_id,
            step=timesheet.step,
            epoch=timesheet.epoch,
            token_hash=token_hash(token),
            expires_at=now + LINK_LIFETIME,
            created_by=created_by,
            now=now,
        )
        await record_signature_event(
            month_id=timesheet.id,
            kind="signature.link_issued",
            actor_id=created_by,
            device="server",
            data={"signer": signer_id, "step": timesheet.step, "version": timesheet.version},
            at=now,
        )
    return token
