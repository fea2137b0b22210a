"""Storage of notifications: the outbox, push subscriptions, preferences and reminder settings.

The outbox claim is one statement per engine, so two workers never hold one item:

- SQLite: ``UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING *``, a conditional update
  that runs under the database's single write lock (the sub-select sees only unclaimed or
  expired-lease rows);
- PostgreSQL: the same with ``FOR UPDATE SKIP LOCKED`` in the sub-select, so concurrent
  workers skip each other's rows instead of waiting on them.

A claim is a lease: a worker that dies (SIGKILL) holds its items until ``lease_until_ms``, then
any worker takes them over. Outcomes are recorded only by the claim's holder (``claimed_by``
and the lease fence), so a worker that outlived its lease cannot overwrite its successor's.
"""

import json
import uuid
from datetime import date
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from server.domain.outbox import DROPPED, PENDING, SENT, OutboxEntry, Subscription
from server.domain.reminders import ReminderPolicy
from server.storage import tables as t

MAX_DEVICES = 10


def _is_postgres() -> bool:
    return isinstance(t.OutboxItem._meta.db, PostgresEngine)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _uuid(value: str) -> Any:
    return uuid.UUID(value) if _is_postgres() else value


def _entry(row: dict[str, Any]) -> OutboxEntry:
    return OutboxEntry(
        id=str(row["id"]),
        key=row["key"],
        person_id=None if row["person"] is None else str(row["person"]),
        address=row["address"],
        channel=row["channel"],
        kind=row["kind"],
        month=row["month"],
        data=_json(row["data"]) or {},
        due_ms=int(row["due_ms"]),
        expires_ms=int(row["expires_ms"]),
        attempts=int(row["attempts"]),
        lease_until_ms=int(row["lease_until_ms"] or 0),
    )


# -- outbox ----------------------------------------------------------------------------------


async def enqueue(
    *,
    key: str,
    person_id: str | None,
    kind: str,
    month: str,
    data: dict[str, Any],
    due_ms: int,
    expires_ms: int,
    now_ms: int,
    address: str = "",
    channel: str = "auto",
) -> bool:
    """Insert a notification unless its key is already there; True when inserted.

    Runs in the caller's transaction when there is one, so the notification commits (or not)
    with the event that caused it.
    """
    rows = await t.OutboxItem.raw(
        "INSERT INTO outbox_item (id, key, person, address, channel, kind, month, data, state, "
        "due_ms, expires_ms, attempts, lease_until_ms, claimed_by, outcome, created_ms, done_ms) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, 'pending', {}, {}, 0, NULL, '', '', {}, NULL) "
        "ON CONFLICT (key) DO NOTHING RETURNING id",
        _uuid(str(uuid.uuid4())),
        key,
        None if person_id is None else _uuid(person_id),
        address,
        channel,
        kind,
        month,
        json.dumps(data, sort_keys=True),
        due_ms,
        expires_ms,
        now_ms,
    )
    return bool(rows)


async def outbox_created_ms(key: str) -> int | None:
    """When the row of ``key`` was written (ms), or None when there is none."""
    row = await t.OutboxItem.select(t.OutboxItem.created_ms).where(t.OutboxItem.key == key).first()
    return None if row is None else int(row["created_ms"])


async def claim(*, worker: str, now_ms: int, lease_ms: int, limit: int) -> list[OutboxEntry]:
    """Claim up to ``limit`` due items for ``worker`` until ``now_ms + lease_ms``."""
    # A read first: an idle worker polling every few seconds must not take SQLite's write lock.
    due = await t.OutboxItem.raw(
        "SELECT id FROM outbox_item WHERE state = 'pending' AND due_ms <= {} "
        "AND (lease_until_ms IS NULL OR lease_until_ms < {}) LIMIT 1",
        now_ms,
        now_ms,
    )
    if not due:
        return []
    lock = " FOR UPDATE SKIP LOCKED" if _is_postgres() else ""
    rows = await t.OutboxItem.raw(
        "UPDATE outbox_item SET claimed_by = {}, lease_until_ms = {}, attempts = attempts + 1 "
        "WHERE id IN (SELECT id FROM outbox_item WHERE state = 'pending' AND due_ms <= {} "
        "AND (lease_until_ms IS NULL OR lease_until_ms < {}) ORDER BY due_ms LIMIT {}"
        + lock
        + ") "
        "RETURNING *",
        worker,
        now_ms + lease_ms,
        now_ms,
        now_ms,
        limit,
    )
    return sorted((_entry(r) for r in rows), key=lambda e: (e.due_ms, e.key))


async def record(
    *,
    entry: OutboxEntry,
    worker: str,
    state: str,
    outcome: str,
    now_ms: int,
    retry_at_ms: int | None = None,
) -> bool:
    """Record a claimed item's outcome; False when the claim was lost (lease taken over)."""
    assert state in (PENDING, SENT, DROPPED)
    done = None if state == PENDING else now_ms
    due = retry_at_ms if state == PENDING and retry_at_ms is not None else entry.due_ms
    rows = await t.OutboxItem.raw(
        "UPDATE outbox_item SET state = {}, outcome = {}, done_ms = {}, due_ms = {}, "
        "lease_until_ms = NULL WHERE id = {} AND claimed_by = {} AND lease_until_ms = {} "
        "AND state = 'pending' RETURNING id",
        state,
        outcome[:300],
        done,
        due,
        _uuid(entry.id),
        worker,
        entry.lease_until_ms,
    )
    return bool(rows)


async def forget_data(*, item_id: str, data: dict[str, Any]) -> None:
    """Replace a finished item's data (a sent signer link keeps no usable token)."""
    await t.OutboxItem.raw(
        "UPDATE outbox_item SET data = {} WHERE id = {} AND state <> 'pending'",
        json.dumps(data, sort_keys=True),
        _uuid(item_id),
    )


async def purge_outbox(*, done_before_ms: int) -> int:
    """Delete sent and dropped rows finished before ``done_before_ms``; pending rows stay."""
    rows = await t.OutboxItem.raw(
        "DELETE FROM outbox_item WHERE state <> 'pending' AND done_ms < {} RETURNING id",
        done_before_ms,
    )
    return len(rows)


async def outbox_figures() -> list[tuple[str, str, int]]:
    """How many rows per state and outcome, e.g. ("dropped", "expired", 20)."""
    rows = await t.OutboxItem.raw(
        "SELECT state, outcome, COUNT(*) AS n FROM outbox_item GROUP BY state, outcome "
        "ORDER BY state, outcome"
    )
    return [(r["state"], r["outcome"], int(r["n"])) for r in rows]


async def outbox_counts() -> dict[str, int]:
    """How many items are pending, sent and dropped."""
    rows = await t.OutboxItem.raw("SELECT state, COUNT(*) AS n FROM outbox_item GROUP BY state")
    return {r["state"]: int(r["n"]) for r in rows}


async def outbox_rows() -> list[dict[str, Any]]:
    """Every outbox row, oldest first (tests and the admin's figures)."""
    rows = await t.OutboxItem.select().order_by(t.OutboxItem.due_ms)
    return [{**r, "id": str(r["id"]), "data": _json(r["data"])} for r in rows]


# -- push subscriptions ----------------------------------------------------------------------


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=str(row["id"]),
        person_id=str(row["person"]),
        endpoint=row["endpoint"],
        p256dh=row["p256dh"],
        auth=row["auth"],
    )


async def save_subscription(
    *, person_id: str, endpoint: str, p256dh: str, auth: str, organisation_id: str | None = None
) -> None:
    """Store a device's subscription; an endpoint already known moves to this person and keys
    (a device that logged in as someone else, or a renewed subscription), within the
    organisation only: another firm's device is never taken over, and the caller is answered
    as if it were stored (docs/multi-tenant.md: nothing of another firm is writable or told)."""
    existing = await t.PushSubscription.select(
        t.PushSubscription.id, t.PushSubscription.person.organisation.as_alias("organisation")
    ).where(t.PushSubscription.endpoint == endpoint)
    if existing and organisation_id and str(existing[0]["organisation"]) != organisation_id:
        return
    if existing:
        await t.PushSubscription.update(
            {
                t.PushSubscription.person: person_id,
                t.PushSubscription.p256dh: p256dh,
                t.PushSubscription.auth: auth,
            }
        ).where(t.PushSubscription.endpoint == endpoint)
        return
    await t.PushSubscription.insert(
        t.PushSubscription(person=person_id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    ).on_conflict(target=t.PushSubscription.endpoint, action="DO NOTHING")
    # A person has a few devices; past MAX_DEVICES the oldest subscriptions go, so nobody can
    # make the server post to an unbounded list of endpoints.
    rows = await (
        t.PushSubscription.select(t.PushSubscription.id)
        .where(t.PushSubscription.person == person_id)
        .order_by(t.PushSubscription.created_at, ascending=False)
        .order_by(t.PushSubscription.id)
    )
    stale = [r["id"] for r in rows[MAX_DEVICES:]]
    if stale:
        await t.PushSubscription.delete().where(t.PushSubscription.id.is_in(stale))


async def delete_subscription(*, endpoint: str, person_id: str | None = None) -> int:
    """Delete a subscription by endpoint (only the person's own when ``person_id`` is given)."""
    condition: Any = t.PushSubscription.endpoint == endpoint
    if person_id is not None:
        condition &= t.PushSubscription.person == person_id
    rows = await t.PushSubscription.delete().where(condition).returning(t.PushSubscription.id)
    return len(rows)


async def delete_subscriptions_of(person_id: str) -> int:
    """Delete every push subscription of a person (deactivation: no device keeps receiving)."""
    rows = (
        await t.PushSubscription.delete()
        .where(t.PushSubscription.person == person_id)
        .returning(t.PushSubscription.id)
    )
    return len(rows)


async def subscriptions_of(person_id: str) -> list[Subscription]:
    rows = await (
        t.PushSubscription.select()
        .where(t.PushSubscription.person == person_id)
        .order_by(t.PushSubscription.created_at)
    )
    return [_subscription(r) for r in rows]


# -- preferences and settings ----------------------------------------------------------------


async def get_preference(person_id: str) -> tuple[str, frozenset[str]]:
    """A person's notification language and muted kinds (French and nothing muted by default)."""
    row = (
        await t.NotificationPreference.select()
        .where(t.NotificationPreference.person == person_id)
        .first()
    )
    if row is None:
        return "fr", frozenset()
    return row["language"], frozenset(_json(row["muted"]) or [])


async def get_preferences(person_ids: list[str]) -> dict[str, tuple[str, frozenset[str]]]:
    found: dict[str, tuple[str, frozenset[str]]] = {p: ("fr", frozenset()) for p in person_ids}
    if not person_ids:
        return found
    rows = await t.NotificationPreference.select().where(
        t.NotificationPreference.person.is_in(person_ids)
    )
    for row in rows:
        found[str(row["person"])] = (row["language"], frozenset(_json(row["muted"]) or []))
    return found


async def save_preference(*, person_id: str, language: str, muted: list[str]) -> None:
    await t.NotificationPreference.insert(
        t.NotificationPreference(person=person_id, language=language, muted=sorted(muted))
    ).on_conflict(
        target=t.NotificationPreference.person,
        action="DO UPDATE",
        values=[t.NotificationPreference.language, t.NotificationPreference.muted],
    )


async def get_policy(organisation_id: str, *, default_zone: str) -> ReminderPolicy:
    row = (
        await t.ReminderSettings.select()
        .where(t.ReminderSettings.organisation == organisation_id)
        .first()
    )
    if row is None:
        return ReminderPolicy(time_zone=default_zone)
    return ReminderPolicy(
        days_before_close=row["days_before_close"],
        relance_every=row["relance_every"],
        send_hour=row["send_hour"],
        time_zone=row["time_zone"],
        send_on_non_working_days=bool(row["send_on_non_working_days"]),
    )


async def save_policy(*, organisation_id: str, policy: ReminderPolicy) -> None:
    await t.ReminderSettings.insert(
        t.ReminderSettings(
            organisation=organisation_id,
            days_before_close=policy.days_before_close,
            relance_every=policy.relance_every,
            send_hour=policy.send_hour,
            time_zone=policy.time_zone,
            send_on_non_working_days=policy.send_on_non_working_days,
        )
    ).on_conflict(
        target=t.ReminderSettings.organisation,
        action="DO UPDATE",
        values=[
            t.ReminderSettings.days_before_close,
            t.ReminderSettings.relance_every,
            t.ReminderSettings.send_hour,
            t.ReminderSettings.time_zone,
            t.ReminderSettings.send_on_non_working_days,
        ],
    )


# -- what the scheduler reads ----------------------------------------------------------------


async def organisation_ids() -> list[str]:
    rows = await t.Organisation.select(t.Organisation.id)
    return [str(r["id"]) for r in rows]


async def active_consultants(organisation_id: str) -> list[dict[str, Any]]:
    """Active consultants of an organisation: id, display name."""
    rows = await t.PersonRole.select(
        t.PersonRole.person.id, t.PersonRole.person.display_name
    ).where(
        (t.PersonRole.role == "consultant")
        & (t.PersonRole.person.organisation == organisation_id)
        & (t.PersonRole.person.active == True)  # noqa: E712 (a Piccolo expression)
    )
    return [{"id": str(r["person.id"]), "name": r["person.display_name"]} for r in rows]


async def timesheets_in(*, consultant_ids: list[str], months: list[str]) -> list[dict[str, Any]]:
    """Timesheets of these consultants for these months, plus every one in validation."""
    if not consultant_ids:
        return []
    rows = await t.Timesheet.select(
        t.Timesheet.id,
        t.Timesheet.consultant,
        t.Timesheet.month,
        t.Timesheet.status,
        t.Timesheet.step,
        t.Timesheet.waiting_on,
        t.Timesheet.epoch,
    ).where(
        t.Timesheet.consultant.is_in(consultant_ids)
        & (t.Timesheet.month.is_in(months) | (t.Timesheet.status == "in_validation"))
    )
    return [
        {
            **r,
            "id": str(r["id"]),
            "consultant": str(r["consultant"]),
            "waiting_on": None if r["waiting_on"] is None else str(r["waiting_on"]),
        }
        for r in rows
    ]


async def timesheet_by_id(timesheet_id: str) -> dict[str, Any] | None:
    row = await t.Timesheet.select().where(t.Timesheet.id == timesheet_id).first()
    if row is None:
        return None
    return {
        **row,
        "id": str(row["id"]),
        "consultant": str(row["consultant"]),
        "waiting_on": None if row["waiting_on"] is None else str(row["waiting_on"]),
    }


async def person_contact(person_id: str) -> dict[str, Any] | None:
    """A person's email, display name, organisation and whether they are active."""
    row = (
        await t.Person.select(
            t.Person.email, t.Person.display_name, t.Person.organisation, t.Person.active
        )
        .where(t.Person.id == person_id)
        .first()
    )
    if row is None:
        return None
    return {**row, "organisation": str(row["organisation"])}


async def missions_of(consultant_ids: list[str]) -> dict[str, list[tuple[date, date | None, str]]]:
    """Each consultant's missions as (start, end or None, calendar region), by start date."""
    found: dict[str, list[tuple[date, date | None, str]]] = {c: [] for c in consultant_ids}
    if not consultant_ids:
        return found
    rows = await (
        t.Mission.select(
            t.Mission.consultant,
            t.Mission.start_date,
            t.Mission.end_date,
            t.Mission.calendar_region,
        )
        .where(t.Mission.consultant.is_in(consultant_ids))
        .order_by(t.Mission.start_date)
    )
    for r in rows:
        found[str(r["consultant"])].append(
            (
                _day(r["start_date"]),
                None if r["end_date"] is None else _day(r["end_date"]),
                r["calendar_region"],
            )
        )
    return found


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def organisation_zone_and_region(organisation_id: str) -> tuple[str, str]:
    row = (
        await t.Organisation.select(t.Organisation.time_zone, t.Organisation.calendar_region)
        .where(t.Organisation.id == organisation_id)
        .first()
    )
    if row is None:
        return "Europe/Paris", "metropole"
    return row["time_zone"], row["calendar_region"]
