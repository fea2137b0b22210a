"""Storage of the audit chain: append and read, nothing else.

There is deliberately no function to update or delete an entry; the database refuses both
anyway (triggers created by the initial migration). Every function runs in the caller's
transaction. Appends to one organisation's chain are serialised: on PostgreSQL by a
transaction-scoped advisory lock keyed by the organisation, on SQLite by the single writer
(`write_transaction` is ``BEGIN IMMEDIATE``); the unique ``(organisation, seq)`` index is the
last guard against a fork.

Format-2 entries keep their personal values in ``audit_personal`` (`audit.seal`): `chain` reads
the entries exactly as hashed (for verification), `of_month` and `about` give the values back
(`audit.unseal`), and `erase_personal` is the one deletion here: it removes values and salts,
never an entry (docs/privacy.md).
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from server.domain import audit
from server.storage import tables as t

# First key of the two-key advisory lock: a constant naming "the audit chain" in this database.
_LOCK_CLASS = 0x0CA2_0A0D


def _is_postgres() -> bool:
    return isinstance(t.AuditEntry._meta.db, PostgresEngine)


async def lock_chain(organisation_id: str) -> None:
    """Hold the organisation's chain until the transaction ends (PostgreSQL only)."""
    if _is_postgres():
        await t.AuditEntry.raw(
            "SELECT pg_advisory_xact_lock({}, hashtext({}))", _LOCK_CLASS, organisation_id
        )


def _entry(row: dict[str, Any]) -> audit.AuditEntry:
    return audit.AuditEntry(
        seq=int(row["seq"]),
        at=row["at"],
        actor=row["actor"],
        event=row["event"],
        subject=row["subject"],
        body=json.loads(row["body"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


_COLUMNS = (
    t.AuditEntry.seq,
    t.AuditEntry.at,
    t.AuditEntry.actor,
    t.AuditEntry.event,
    t.AuditEntry.subject,
    t.AuditEntry.body,
    t.AuditEntry.prev_hash,
    t.AuditEntry.hash,
)


async def head(organisation_id: str) -> audit.AuditEntry | None:
    """The last entry of the organisation's chain, or None when it is empty."""
    row = (
        await t.AuditEntry.select(*_COLUMNS)
        .where(t.AuditEntry.organisation == organisation_id)
        .order_by(t.AuditEntry.seq, ascending=False)
        .first()
    )
    return None if row is None else _entry(row)


async def insert(*, organisation_id: str, entry: audit.AuditEntry, month_id: str | None) -> None:
    """Append one entry built by `server.domain.audit.append` on the current head."""
    await insert_many(organisation_id=organisation_id, entries=[(entry, month_id)])


async def insert_many(
    *, organisation_id: str, entries: Sequence[tuple[audit.AuditEntry, str | None]]
) -> None:
    """Append entries chained one on the other, in one multi-row insert."""
    if not entries:
        return
    personal = [
        t.AuditPersonal(
            organisation=uuid.UUID(organisation_id),
            seq=entry.seq,
            key=f"{organisation_id}:{entry.seq}",
            salt=entry.salt,
            payload=audit.canonical_json(entry.personal).decode("utf-8"),
        )
        for entry, _ in entries
        if entry.personal and entry.salt is not None
    ]
    if personal:
        await t.AuditPersonal.insert(*personal)
    await t.AuditEntry.insert(
        *[
            t.AuditEntry(
                organisation=uuid.UUID(organisation_id),
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                event=entry.event,
                subject=entry.subject,
                month=None if month_id is None else uuid.UUID(month_id),
                body=audit.canonical_json(entry.body).decode("utf-8"),
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
            for entry, month_id in entries
        ]
    )


async def insert_links(
    *, organisation_id: str, links: Sequence[tuple[audit.Link, str | None]]
) -> None:
    """Append entries built by `server.domain.audit.append_many`, in one multi-row insert (and
    their sealed personal values in another)."""
    if not links:
        return
    personal = [
        t.AuditPersonal(
            organisation=uuid.UUID(organisation_id),
            seq=link.seq,
            key=f"{organisation_id}:{link.seq}",
            salt=link.salt,
            payload=audit.canonical_json(link.personal).decode("utf-8"),
        )
        for link, _ in links
        if link.personal and link.salt is not None
    ]
    if personal:
        await t.AuditPersonal.insert(*personal)
    await t.AuditEntry.insert(
        *[
            t.AuditEntry(
                organisation=uuid.UUID(organisation_id),
                seq=link.seq,
                at=link.at,
                actor=link.actor,
                event=link.event,
                subject=link.subject,
                month=None if month_id is None else uuid.UUID(month_id),
                body=link.body_json,
                prev_hash=link.prev_hash,
                hash=link.hash,
            )
            for link, month_id in links
        ]
    )


async def chain(organisation_id: str) -> list[audit.AuditEntry]:
    """The organisation's whole chain, in ``seq`` order."""
    rows = (
        await t.AuditEntry.select(*_COLUMNS)
        .where(t.AuditEntry.organisation == organisation_id)
        .order_by(t.AuditEntry.seq)
    )
    return [_entry(r) for r in rows]


async def of_month(month_id: str, events: Sequence[str] = ()) -> list[audit.AuditEntry]:
    """A month's entries in chain order, optionally only some events."""
    query = t.AuditEntry.select(*_COLUMNS, t.AuditEntry.organisation).where(
        t.AuditEntry.month == month_id
    )
    if events:
        query = query.where(t.AuditEntry.event.is_in(list(events)))
    rows = await query.order_by(t.AuditEntry.seq)
    return await _unsealed(rows)


async def _unsealed(rows: list[dict[str, Any]]) -> list[audit.AuditEntry]:
    """Entries with their personal values given back where still kept (`audit.unseal`)."""
    entries = [_entry(r) for r in rows]
    keys = [f"{r['organisation']}:{r['seq']}" for r in rows if audit.SEALED in r["body"]]
    if not keys:
        return entries
    kept = {
        r["key"]: r
        for r in await t.AuditPersonal.select(
            t.AuditPersonal.key, t.AuditPersonal.salt, t.AuditPersonal.payload
        ).where(t.AuditPersonal.key.is_in(keys))
    }
    out = []
    for row, entry in zip(rows, entries, strict=True):
        if audit.SEALED not in row["body"]:
            out.append(entry)
            continue
        found = kept.get(f"{row['organisation']}:{row['seq']}")
        body = audit.unseal(
            entry.body,
            salt=None if found is None else bytes(found["salt"]),
            payload=None if found is None else json.loads(found["payload"]),
        )
        out.append(replace(entry, body=body))
    return out


def _about(organisation_id: str, person_id: str, month_ids: Sequence[str]) -> Any:
    """Entries of an organisation that concern a person: theirs, about them, on their months,
    or naming them in their details (every id in a body is written as its string)."""
    condition = (
        (t.AuditEntry.actor == person_id)
        | (t.AuditEntry.subject == f"person:{person_id}")
        | t.AuditEntry.body.like(f"%{person_id}%")
    )
    if month_ids:
        condition = condition | t.AuditEntry.month.is_in([uuid.UUID(m) for m in month_ids])
    return (t.AuditEntry.organisation == organisation_id) & condition


async def about(
    *, organisation_id: str, person_id: str, month_ids: Sequence[str]
) -> list[audit.AuditEntry]:
    """Every entry concerning a person (see `_about`), personal values given back, in order."""
    rows = (
        await t.AuditEntry.select(*_COLUMNS, t.AuditEntry.organisation)
        .where(_about(organisation_id, person_id, month_ids))
        .order_by(t.AuditEntry.seq)
    )
    return await _unsealed(rows)


@dataclass(frozen=True)
class PersonalErasure:
    """What erasing a person's values from the audit trail did."""

    entries: int
    sealed_erased: int
    clear_kept: int


async def erase_personal(
    *, organisation_id: str, person_id: str, month_ids: Sequence[str], dry_run: bool = False
) -> PersonalErasure:
    """Delete the personal values (and salts) of every entry concerning a person; the entries
    themselves stay, hashing as recorded. Format-1 entries holding a value in clear are
    counted, not changed (the database refuses any change to an entry)."""
    rows = await t.AuditEntry.select(t.AuditEntry.seq, t.AuditEntry.body).where(
        _about(organisation_id, person_id, month_ids)
    )
    keys = [f"{organisation_id}:{r['seq']}" for r in rows if audit.SEALED in r["body"]]
    clear = sum(1 for r in rows if audit.holds_personal(json.loads(r["body"])))
    erased = 0
    if keys:
        erased = await t.AuditPersonal.count().where(t.AuditPersonal.key.is_in(keys))
        if not dry_run:
            await t.AuditPersonal.delete().where(t.AuditPersonal.key.is_in(keys))
    return PersonalErasure(entries=len(rows), sealed_erased=erased, clear_kept=clear)


async def organisations() -> list[str]:
    """Every organisation that has a chain."""
    rows = await t.AuditEntry.select(t.AuditEntry.organisation).distinct()
    return sorted(str(r["organisation"]) for r in rows)


async def organisation_of_month(month_id: str) -> str | None:
    row = (
        await t.Timesheet.select(t.Timesheet.consultant.organisation)
        .where(t.Timesheet.id == month_id)
        .first()
    )
    return None if row is None else str(row["consultant.organisation"])


@dataclass(frozen=True)
class Anchor:
    """A timestamped head of an organisation's chain."""

    organisation_id: str
    seq: int
    hash: str
    token: bytes
    gen_time: datetime


async def add_anchor(
    *, organisation_id: str, seq: int, head_hash: str, token: bytes, gen_time: datetime
) -> None:
    await t.AuditAnchor.insert(
        t.AuditAnchor(
            organisation=uuid.UUID(organisation_id),
            seq=seq,
            hash=head_hash,
            token=token,
            gen_time=gen_time,
        )
    )


async def anchors_of(organisation_id: str) -> list[Anchor]:
    """Every anchor of the organisation's chain, oldest first."""
    rows = (
        await t.AuditAnchor.select()
        .where(t.AuditAnchor.organisation == organisation_id)
        .order_by(t.AuditAnchor.seq)
    )
    return [
        Anchor(
            organisation_id=str(r["organisation"]),
            seq=int(r["seq"]),
            hash=r["hash"],
            token=bytes(r["token"]),
            gen_time=r["gen_time"],
        )
        for r in rows
    ]


async def all_organisations() -> list[str]:
    """Every organisation, with a chain or not."""
    rows = await t.Organisation.select(t.Organisation.id)
    return sorted(str(r["id"]) for r in rows)
