"""The audit trail of months: one tamper-evident hash chain per organisation.

`record` is the one way to append. It runs inside the caller's transaction when there is one
(`write_transaction` nests), so an event is committed exactly when the change it records is,
and never without it. Any code recording a month's event calls it: the circuit, the sync
push, and later the signature, invoicing and export code.

**Chain scope: one chain per organisation.** Each tenant's trail can be exported, verified and
anchored on its own without revealing another tenant's events, and appends only wait for
appends of the same organisation (a global chain would serialise every tenant's pushes on one
lock). Appends are serialised per organisation (`server.storage.audit_store`), so the chain never
forks.

Event names (``month.<what>``), each body holding ``month`` (the timesheet id), ``device`` (the
sync client id, ``"web"``, or null) and ``data``:

- ``month.created``, ``month.days_edited`` (dates and values written), ``month.submitted``,
  ``month.approved``, ``month.sent_back`` (with the comment), ``month.reopened``;
- ``month.refused`` for a refused circuit action (what was tried, by whom, why): a refusal changes
  nothing but is kept;
- ``month.state_forced`` for a state set on the server's authority (demo data, migrations);
- anything other code records, e.g. ``month.signed`` or ``month.exported``.
"""

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.domain import audit
from server.domain.errors import Forbidden, NotFound
from server.domain.roles import Actor, Role
from server.services.anchors import AnchorCheck
from server.services.anchors import check as check_anchors
from server.storage import audit_store as store
from server.storage.repositories import write_transaction

WEB = "web"
"""The ``device`` of a change made online through the web API."""

SYSTEM = "system"
"""The ``actor`` of a change made by the server itself."""

SALT_BYTES = 16
"""Each entry's personal values are sealed under a fresh random salt (format 2,
`server.domain.audit.seal`), so an erasure can delete them without touching the chain."""


async def record(
    *,
    month_id: str,
    kind: str,
    actor_id: str | None,
    device: str | None,
    data: dict[str, Any],
    at: dt.datetime,
    organisation_id: str | None = None,
) -> None:
    """Append one event of a month's life to its organisation's chain.

    Args:
        month_id: The timesheet the event is about.
        kind: The event name, e.g. ``"month.signed"``.
        actor_id: The person who acted; None for the server itself.
        device: The sync client id the change came from, ``"web"``, or None.
        data: Event details: a JSON object of strings, integers, booleans, null, lists and
            objects (no floats: amounts are integer cents).
        at: When it happened (timezone-aware).
        organisation_id: The month's organisation, when the caller already knows it.

    Raises:
        NotFound: The month does not exist.
        NotCanonicalError: ``data`` holds a value with no canonical JSON form.
    """
    async with write_transaction():
        organisation = organisation_id or await store.organisation_of_month(month_id)
        if organisation is None:
            msg = "no such CRA"
            raise NotFound(msg)
        await store.lock_chain(organisation)
        entry = audit.append(
            previous=await store.head(organisation),
            at=at,
            actor=actor_id or SYSTEM,
            event=kind,
            subject=f"timesheet:{month_id}",
            body={"month": month_id, "device": device, "data": data},
            salt=secrets.token_bytes(SALT_BYTES),
        )
        await store.insert(organisation_id=organisation, entry=entry, month_id=month_id)


@dataclass(frozen=True)
class MonthEvent:
    """One event to append to a month's chain (the arguments of `record`)."""

    month_id: str
    kind: str
    actor_id: str | None
    device: str | None
    data: dict[str, Any]
    at: dt.datetime
    organisation_id: str


def chain_event(event: MonthEvent) -> audit.Event:
    """The chain's event for a month's event: its body holds the month, device and data."""
    return audit.Event(
        at=event.at,
        actor=event.actor_id or SYSTEM,
        event=event.kind,
        subject=f"timesheet:{event.month_id}",
        body={"month": event.month_id, "device": event.device, "data": event.data},
        salt=secrets.token_bytes(SALT_BYTES),
    )


async def record_many(events: Sequence[MonthEvent]) -> None:
    """Append events in order, each organisation's run under one lock, one head read and one
    insert (a push's events: the month created, its days edited, its submission); each body
    is canonicalised once (`audit.append_many`)."""
    runs: list[list[MonthEvent]] = []
    for event in events:
        if runs and runs[-1][0].organisation_id == event.organisation_id:
            runs[-1].append(event)
        else:
            runs.append([event])
    async with write_transaction():
        for run in runs:
            organisation = run[0].organisation_id
            await store.lock_chain(organisation)
            previous = await store.head(organisation)
            links = audit.append_many(
                head_seq=0 if previous is None else previous.seq,
                head_hash=audit.GENESIS_HASH if previous is None else previous.hash,
                events=[chain_event(e) for e in run],
            )
            await store.insert_links(
                organisation_id=organisation,
                links=[(link, e.month_id) for link, e in zip(links, run, strict=True)],
            )


async def history(month_id: str, *events: str) -> list[audit.AuditEntry]:
    """A month's recorded events in order, optionally only the named ones."""
    return await store.of_month(month_id, events)


@dataclass(frozen=True)
class Verification:
    """The verdict on one organisation's chain."""

    organisation_id: str
    check: audit.ChainCheck
    anchors: AnchorCheck | None = None


async def verify(organisation_id: str | None = None) -> list[Verification]:
    """Recompute every chain (or one organisation's) from the database, and check that each
    still reaches every timestamped head (``anchors.check``): a cut tail is detected.

    Returns:
        One verdict per organisation with entries or anchors, in id order.
    """
    wanted = [organisation_id] if organisation_id else await store.organisations()
    for anchored in await store.all_organisations():
        if anchored not in wanted and not organisation_id and await store.anchors_of(anchored):
            wanted.append(anchored)
    verdicts = []
    for org in sorted(wanted):
        entries = await store.chain(org)
        verdicts.append(
            Verification(
                org,
                audit.verify_chain(entries),
                check_anchors(entries, await store.anchors_of(org)),
            )
        )
    return verdicts


async def verify_own_organisation(actor: Actor) -> Verification:
    """The administrator's check of their organisation's chain, as ``carnet audit verify``
    does it (the back office's button): intact, or the first broken entry and why.

    Raises:
        Forbidden: The actor is not an administrator.
    """
    if not actor.has(Role.ADMIN):
        raise Forbidden("only an administrator verifies the audit chain")
    [verdict] = await verify(actor.organisation_id)
    return verdict


async def record_organisation_event(
    *,
    organisation_id: str,
    kind: str,
    subject: str,
    actor_id: str | None,
    data: dict[str, Any],
    at: dt.datetime,
) -> None:
    """Append an event about the organisation's directory, not about one month (e.g.
    ``mission.changed`` with ``subject`` ``"mission:<id>"``), to the same chain, so that an
    auditor finds in one place when a mission's terms changed relative to its months' events.
    Its body holds ``month: null`` and ``device: "web"`` like a month's web events."""
    async with write_transaction():
        await store.lock_chain(organisation_id)
        entry = audit.append(
            previous=await store.head(organisation_id),
            at=at,
            actor=actor_id or SYSTEM,
            event=kind,
            subject=subject,
            body={"month": None, "device": WEB, "data": data},
            salt=secrets.token_bytes(SALT_BYTES),
        )
        await store.insert(organisation_id=organisation_id, entry=entry, month_id=None)
