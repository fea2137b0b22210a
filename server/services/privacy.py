"""People's data rights (docs/privacy.md): export, erasure on request, retention periods.

- **Access and portability** (RGPD art. 15 and 20): `export` gathers everything Carnet holds
  about a person into one JSON document (format ``carnet-personal-data/1``), `export_pdf`
  renders it readable. A person exports their own data; an administrator, anyone's in the firm.
- **Erasure** (art. 17): `erase` removes or pseudonymises what the law lets go and keeps what it
  makes the firm keep (art. 17-3-b and e), saying so item by item. The audit chain is not
  touched: personal values of format-2 entries live beside it and are deleted, so
  ``carnet audit verify`` still passes (`server.domain.audit.seal`).
- **Retention** (art. 5-1-e): `run_retention` deletes what is past its firm's period, from the
  server's background task (`RetentionRuntime`) and ``carnet retention run``.
"""

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from server.domain import privacy as rules
from server.domain.access import ensure_role
from server.domain.audit import utc_stamp
from server.domain.errors import Conflict, FieldError, Forbidden, InvalidInput
from server.domain.privacy import DataKind, Outcome, ReportItem
from server.domain.roles import Actor, Role
from server.services import audit_log, privacy_pdf
from server.services.clock import Clock, system_clock
from server.services.directory import visible_person
from server.storage import audit_store, privacy_store
from server.storage import repositories as repo

FORMAT = "carnet-personal-data/1"

log = logging.getLogger("carnet.retention")


def _plain(value: Any) -> Any:
    """A stored value as JSON: instants and dates in ISO 8601, ids as strings, bytes base64url."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.urlsafe_b64encode(bytes(value)).decode("ascii").rstrip("=")
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _exportable(actor: Actor, person_id: str) -> str:
    """The person whose data ``actor`` may export: themselves, or (an administrator) anyone
    in their firm."""
    if person_id == actor.person_id:
        return person_id
    if not actor.has(Role.ADMIN):
        raise Forbidden("you can export your own data only; an administrator exports another's")
    return (await visible_person(actor, person_id)).id


async def export(actor: Actor, person_id: str, *, clock: Clock = system_clock) -> dict[str, Any]:
    """Everything Carnet holds about a person, as one JSON document (docs/privacy.md §export).

    Raises:
        Forbidden: Someone other than the person or an administrator asked.
        NotFound: No such person in the administrator's firm.
    """
    person = await _exportable(actor, person_id)
    held = await privacy_store.held_about(person)
    [identity] = held.pop("person")
    organisation = await repo.get_organisation(str(identity["organisation"]))
    for subscription in held["push_subscriptions"]:
        # The endpoint is a capability URL of the push service: its origin says which one.
        parts = urlsplit(subscription.pop("endpoint"))
        subscription["push_service"] = f"{parts.scheme}://{parts.netloc}"
    months = await privacy_store.month_ids_of(person)
    events = await audit_store.about(
        organisation_id=str(identity["organisation"]), person_id=person, month_ids=months
    )
    erasure = await privacy_store.erased(person)
    document = {
        "format": FORMAT,
        "generated_at": clock(),
        "organisation": {
            "id": identity["organisation"],
            "legal_name": organisation.legal_name if organisation else "",
        },
        "person": identity,
        "roles": sorted(r["role"] for r in held.pop("roles")),
        **held,
        "audit_events": [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "event": e.event,
                "subject": e.subject,
                "data": e.body.get("data"),
            }
            for e in events
        ],
        "erasure": erasure,
    }
    plain: dict[str, Any] = _plain(document)
    return plain


async def export_pdf(actor: Actor, person_id: str, *, clock: Clock = system_clock) -> bytes:
    """The same document, readable (WeasyPrint, like invoices and receipts)."""
    document = await export(actor, person_id, clock=clock)
    return await asyncio.to_thread(privacy_pdf.render, document)


def export_name(document: Mapping[str, Any], extension: str) -> str:
    person, day = document["person"]["id"][:8], document["generated_at"][:10]
    return f"carnet-donnees-{person}-{day}.{extension}"


# -- erasure --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureReport:
    """The answer to an erasure request: each kind of data and what became of it."""

    person_id: str
    erased_at: dt.datetime
    items: tuple[ReportItem, ...]


def pseudonym(person_id: str) -> tuple[str, str]:
    """The display name and address an erased person's row keeps: a code derived from the id
    (already a random pseudonym), the reserved ``.invalid`` domain (RFC 2606)."""
    code = hashlib.sha256(person_id.encode()).hexdigest()[:8]
    return f"Personne effacée {code}", f"effacee-{person_id}@erased.invalid"


_ERASED_ITEMS = (
    ("sessions", Outcome.ERASED),
    ("invitations", Outcome.ERASED),
    ("push_subscriptions", Outcome.ERASED),
    ("notification_preferences", Outcome.ERASED),
    ("sync_devices", Outcome.ERASED),
    ("notifications", Outcome.ERASED),
    ("passkeys", Outcome.ERASED),
    ("receipts", Outcome.ERASED),
    ("identity", Outcome.PSEUDONYMISED),
    ("expenses_not_approved", Outcome.PSEUDONYMISED),
    ("passkeys_revoked", Outcome.REVOKED),
)

_WHY = {
    "sessions": "signed out everywhere",
    "invitations": "pending invitation links cancelled",
    "push_subscriptions": "no more notifications to their devices",
    "notification_preferences": "language and muted kinds",
    "sync_devices": "app installs and their replay records",
    "notifications": "queued and past notifications",
    "passkeys": "passkeys that never signed",
    "receipts": "receipts on no approved expense",
    "identity": "name and e-mail replaced by a pseudonym; the account is closed",
    "expenses_not_approved": "comments and refusal reasons of expenses never approved blanked",
    "passkeys_revoked": "passkeys that signed can no longer sign in; names blanked",
    "audit_values": "personal values of audit entries (comments, addresses, names) deleted "
    "with their salts; the entries still verify",
}


async def erase(
    actor: Actor | None,
    person_id: str,
    *,
    confirm: bool,
    clock: Clock = system_clock,
    organisation_id: str | None = None,
) -> ErasureReport:
    """Erase a person's data on request (RGPD art. 17), in one audited transaction.

    Args:
        actor: The administrator; None for the retention job (``organisation_id`` then).
        person_id: Whom.
        confirm: The administrator confirmed (an erasure cannot be undone).
        clock: Now.
        organisation_id: The firm, for the retention job.

    Raises:
        Forbidden: Not an administrator.
        NotFound: No such person in the firm.
        InvalidInput: Not confirmed (``confirm``).
        Conflict: Erasing oneself (``person_id``), or a person already erased.
    """
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
        person = await visible_person(actor, person_id)
        organisation = actor.organisation_id
        if person.id == actor.person_id:
            message = "you cannot erase your own account: ask another administrator"
            raise Conflict(message, errors=(FieldError("person_id", "erase_self", message),))
    else:
        found = await repo.get_person(person_id)
        assert found is not None and organisation_id == found.organisation_id
        person, organisation = found, organisation_id
    if not confirm:
        message = "an erasure cannot be undone: confirm it"
        raise InvalidInput(message, errors=(FieldError("confirm", "required", message),))
    now = clock()
    name, email = pseudonym(person.id)
    async with repo.write_transaction():
        if await privacy_store.erased(person.id) is not None:
            message = "this person's data was already erased"
            raise Conflict(message, errors=(FieldError("person_id", "already_erased", message),))
        kept = await privacy_store.count_kept(person.id)
        counts = await privacy_store.erase_person(
            person_id=person.id, now=now, display_name=name, email=email
        )
        months = await privacy_store.month_ids_of(person.id)
        audit = await audit_store.erase_personal(
            organisation_id=organisation, person_id=person.id, month_ids=months
        )
        items = [ReportItem(k, o, counts.get(k, 0), _WHY[k]) for k, o in _ERASED_ITEMS]
        items.append(
            ReportItem("audit_values", Outcome.ERASED, audit.sealed_erased, _WHY["audit_values"])
        )
        kept["audit_clear"] = audit.clear_kept
        items += [
            ReportItem(k, Outcome.KEPT, kept[k], rules.KEPT_REASONS[k])
            for k in rules.KEPT_REASONS
            if k in kept
        ]
        report = [{**asdict(i), "outcome": i.outcome.value} for i in items]
        await privacy_store.record_erasure(
            organisation_id=organisation,
            person_id=person.id,
            requested_by=None if actor is None else actor.person_id,
            at=now,
            report=report,
        )
        await audit_log.record_organisation_event(
            organisation_id=organisation,
            kind="person.erased",
            subject=f"person:{person.id}",
            actor_id=None if actor is None else actor.person_id,
            data={"person": person.id, "counts": {i.item: i.count for i in items}},
            at=now,
        )
    return ErasureReport(person_id=person.id, erased_at=now, items=tuple(items))


# -- retention ------------------------------------------------------------------------------------


async def retention(actor: Actor) -> dict[DataKind, int]:
    """The firm's periods, in days, for each data kind (administrators only)."""
    ensure_role(actor, Role.ADMIN)
    return rules.periods(await privacy_store.retention_settings(actor.organisation_id))


async def set_retention(
    actor: Actor, changes: Mapping[str, Any], *, clock: Clock = system_clock
) -> dict[DataKind, int]:
    """Change some periods; each is checked against its legal floor (audited
    ``retention.changed``).

    Raises:
        Forbidden: Not an administrator.
        InvalidInput: A period below its floor, or an unknown kind (named).
    """
    ensure_role(actor, Role.ADMIN)
    valid = rules.validate(changes)
    async with repo.write_transaction():
        stored = await privacy_store.retention_settings(actor.organisation_id)
        stored.update(valid)
        await privacy_store.put_retention_settings(actor.organisation_id, stored)
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="retention.changed",
            subject=f"organisation:{actor.organisation_id}",
            actor_id=actor.person_id,
            data={"periods": valid},
            at=clock(),
        )
    return rules.periods(stored)


@dataclass(frozen=True)
class RetentionResult:
    """Rows past their period for one firm (``organisation_id`` None: rows bound to no firm)."""

    organisation_id: str | None
    kind: DataKind
    days: int
    count: int


async def run_retention(*, now: dt.datetime, dry_run: bool = False) -> list[RetentionResult]:
    """Delete, firm by firm, what is past its retention period; with ``dry_run``, count only.

    Departed people past their period are erased as on request (`erase`, actor None).
    """
    results: list[RetentionResult] = []
    defaults = rules.periods({})
    async with repo.write_transaction():
        kind = DataKind.CEREMONIES
        count = await privacy_store.expired_ceremonies(
            organisation_id=None,
            before=rules.cutoff(now=now, days=defaults[kind]),
            dry_run=dry_run,
        )
        results.append(RetentionResult(None, kind, defaults[kind], count))
        cut = rules.cutoff(now=now, days=defaults[DataKind.OUTBOX])
        count = await privacy_store.finished_outbox(
            organisation_id=None, before_ms=int(cut.timestamp() * 1000), dry_run=dry_run
        )
        results.append(RetentionResult(None, DataKind.OUTBOX, defaults[DataKind.OUTBOX], count))
    for organisation in await privacy_store.organisations():
        periods = rules.periods(await privacy_store.retention_settings(organisation))

        def before(kind: DataKind, periods: dict[DataKind, int] = periods) -> dt.datetime:
            return rules.cutoff(now=now, days=periods[kind])

        async with repo.write_transaction():
            counts = {
                DataKind.SESSIONS: await privacy_store.expired_sessions(
                    organisation_id=organisation, before=before(DataKind.SESSIONS), dry_run=dry_run
                ),
                DataKind.CEREMONIES: await privacy_store.expired_ceremonies(
                    organisation_id=organisation,
                    before=before(DataKind.CEREMONIES),
                    dry_run=dry_run,
                ),
                DataKind.OUTBOX: await privacy_store.finished_outbox(
                    organisation_id=organisation,
                    before_ms=int(before(DataKind.OUTBOX).timestamp() * 1000),
                    dry_run=dry_run,
                ),
                DataKind.RECEIPTS_UNUSED: await privacy_store.unused_receipts(
                    organisation_id=organisation,
                    before=before(DataKind.RECEIPTS_UNUSED),
                    dry_run=dry_run,
                ),
                DataKind.RECEIPTS_NOT_REBILLED: await privacy_store.old_receipts_not_rebilled(
                    organisation_id=organisation,
                    before=before(DataKind.RECEIPTS_NOT_REBILLED),
                    dry_run=dry_run,
                ),
            }
        departed = await privacy_store.departed_before(
            organisation_id=organisation,
            before=utc_stamp(at=before(DataKind.DEPARTED_PEOPLE)),
            erased=sorted(await privacy_store.erased_people(organisation)),
        )
        if not dry_run:
            for person in departed:
                await erase(
                    None, person, confirm=True, clock=lambda: now, organisation_id=organisation
                )
        counts[DataKind.DEPARTED_PEOPLE] = len(departed)
        results += [RetentionResult(organisation, k, periods[k], c) for k, c in counts.items()]
    return results


RETENTION_EVERY_SECONDS = 6 * 3600
"""The retention job runs four times a day: periods are in days, a few hours late is nothing."""


FIRST_RUN_AFTER_SECONDS = 60


class RetentionRuntime:
    """Runs the retention job on a schedule inside the server (like the audit anchoring)."""

    def __init__(self, *, clock: Clock, every_seconds: float = RETENTION_EVERY_SECONDS) -> None:
        self.clock = clock
        self.every_seconds = every_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="carnet-retention")

    async def _run(self) -> None:
        # Not at start-up: a server starting (or restarted in a loop) serves first.
        await asyncio.sleep(FIRST_RUN_AFTER_SECONDS)
        while True:
            try:
                done = await run_retention(now=self.clock())
                deleted = sum(r.count for r in done)
                if deleted:
                    log.info("retention: %d rows past their period deleted", deleted)
            except Exception:  # the next run retries; one failure must not stop the schedule
                log.exception("retention run failed")
            await asyncio.sleep(self.every_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
