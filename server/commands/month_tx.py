"""One write transaction over consultants' months: the version locks, what was read, what to write.

Every month command (`server.commands.month`) runs on a `MonthTx`, whether it came from a
device's push (a batch of mutations) or from one HTTP request, so both pay the same reads and
write the same rows and audit events:

- the consultants' version locks are taken once, in id order, before anything else (two pushes
  never wait on each other in a cycle); everything the transaction changes in a consultant's
  space shares one version, the locked one + 1 (sync-protocol.md §3.4);
- what it reads (a consultant, their missions and terms, month rows, days) is read once and
  kept for the whole batch: 100 mutations on one month read them once;
- day writes, month moves and audit events are collected and flushed together: days in one
  multi-row insert, each month's edits in one ``month.days_edited`` event, the audit events of
  the flush under one chain lock and one insert.

A command publishes what happened (`MonthMoved`); the transaction flushes what it collected, so
the reactions see the month as it now is, and hands the event to the subscribers it was given
(notifications, signer links, pre-invoices: `server.reactions.month`). This module and the
commands never import a reaction: whoever opens the transaction passes them.

It must run inside `write_transaction()`; it does not open one.

A push of days runs it another way, `MonthTx.planned`: everything the batch needs is read
beforehand, in the push's one database trip (`server.storage.push_store`), and the transaction
only decides: it reads nothing and writes nothing, it collects what to write (`writes`), which
the same trip then writes. Asked for anything it was not given (another consultant, a mission's
circuit, a reaction), it raises `NotPlanned` and the push runs the ordinary way instead; its
commands are the same functions, awaited without ever suspending (`complete_now`).
"""

import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

from server.domain import model
from server.domain.roles import Actor
from server.domain.workflow import Action, CircuitState
from server.services import audit_log
from server.services.terms import mission_terms
from server.storage import push_store
from server.storage import repositories as repo
from server.storage import sync_store as store
from sync.hlc import Hlc
from sync.months import MonthKey
from sync.rules import Day, MissionTerms

T = TypeVar("T")


@dataclass(frozen=True)
class MonthMoved:
    """A month moved in its circuit: the event every reaction subscribes to."""

    action: Action
    consultant: model.Person
    month: str
    month_id: str
    before: CircuitState
    after: CircuitState
    steps: tuple[model.ApprovalStep, ...]
    actor_id: str
    comment: str
    version: int


Subscriber = Callable[["MonthTx", MonthMoved], Awaitable[None]]


class NotPlanned(Exception):
    """A planned transaction was asked for something it was not given (see the module)."""


def complete_now(step: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (a planned transaction's commands) to its end,
    synchronously: in the push's database trip, there is no event loop to wait on."""
    try:
        step.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    step.close()
    raise NotPlanned("a planned month command waited on something")


@dataclass
class _Space:
    """One consultant's part of the transaction."""

    base_version: int
    months: dict[str, store.MonthRow | None] = field(default_factory=dict)
    days: dict[dt.date, store.DayRow] = field(default_factory=dict)
    days_read: set[dt.date] = field(default_factory=set)
    new_days: dict[dt.date, store.DayRow] = field(default_factory=dict)
    updated_days: dict[dt.date, store.DayRow] = field(default_factory=dict)
    overwrites: list[tuple[store.DayRow, str, int]] = field(default_factory=list)
    moved: dict[str, store.MonthRow] = field(default_factory=dict)
    new_months: dict[str, store.MonthRow] = field(default_factory=dict)
    changed: bool = False


class MonthTx:
    """See the module docstring."""

    def __init__(
        self,
        *,
        actor: Actor,
        now: dt.datetime,
        device: str | None,
        subscribers: Sequence[Subscriber] = (),
    ) -> None:
        self.actor = actor
        self.now = now
        self.now_ms = int(now.timestamp() * 1000)
        """``now`` in milliseconds, as the clocks (HLC) count: worked out once, not per day."""
        self.device = device
        self._subscribers = tuple(subscribers)
        self._spaces: dict[str, _Space] = {}
        self._people: dict[str, model.Person | None] = {}
        self._missions: dict[str, list[model.Mission]] = {}
        self._terms: dict[str, dict[str, MissionTerms]] = {}
        self._edited: dict[str, tuple[str, str | None, dict[str, dict[str, object]]]] = {}
        self._audit: list[audit_log.MonthEvent] = []
        self._created: set[str] = set()
        self._month_of: dict[tuple[int, int], str] = {}
        self._ids: list[str] = []
        self._id_block = 4
        self.writes: push_store.PushWrites | None = None
        """A planned transaction's collected writes (None: it writes as it goes)."""

    @classmethod
    def planned(
        cls,
        *,
        actor: Actor,
        now: dt.datetime,
        device: str,
        reads: push_store.PushReads,
        months: Iterable[str],
        dates: Iterable[dt.date],
    ) -> "MonthTx":
        """A transaction over the actor's own space that decides on ``reads`` (the months and
        dates asked, as read under the lock) and collects its writes in `writes`."""
        tx = cls(actor=actor, now=now, device=device)
        space = _Space(base_version=reads.base_version)
        space.months = {m: reads.months.get(m) for m in months}
        space.days = dict(reads.days)
        space.days_read = set(dates)
        tx._spaces[actor.person_id] = space
        tx._terms[actor.person_id] = reads.terms
        tx.writes = push_store.PushWrites()
        return tx

    def new_id(self) -> str:
        """A new row's id (`push_store.new_ids`: random bytes drawn for many ids at once)."""
        if not self._ids:
            # 8, then 16, 32... up to 256 at a time: as many as the batch turns out to need.
            self._id_block = min(2 * self._id_block, 256)
            # Reversed, so that `pop` hands them out in the order they sort: each new row's
            # id then lands after the last one in the id index, where SQLite appends cheaply.
            self._ids = push_store.new_ids(self._id_block)[::-1]
        return self._ids.pop()

    def _unplanned(self, what: str) -> None:
        if self.writes is not None:
            raise NotPlanned(what)

    # -- locks and versions ------------------------------------------------------------------

    async def lock(self, *person_ids: str) -> None:
        """Take these consultants' version locks (in id order; those held are kept)."""
        for person_id in sorted(set(person_ids) - set(self._spaces)):
            self._unplanned("another consultant's lock")
            self._spaces[person_id] = _Space(base_version=await store.lock_space(person_id))

    async def reload(self, person_id: str) -> None:
        """Write what was collected, then forget what was read of the consultant's space and
        take its lock again: another command wrote in it inside this database transaction (a
        leave cancelled from a push gives its days back), so the version and the rows moved."""
        await self.flush()
        del self._spaces[person_id]
        await self.lock(person_id)

    def month_of(self, date: dt.date) -> str:
        """The month holding ``date``, as its wire text (`MonthKey`), worked out once per month
        and transaction: a push asks it of each of its days, twice."""
        key = (date.year, date.month)
        month = self._month_of.get(key)
        if month is None:
            month = self._month_of[key] = str(MonthKey.of(date))
        return month

    def _space(self, person_id: str) -> _Space:
        space = self._spaces.get(person_id)
        if space is None:
            raise RuntimeError(f"the version lock of {person_id} is not held")
        return space

    def version(self, person_id: str) -> int:
        """The version everything this transaction changes in the consultant's space gets."""
        return self._space(person_id).base_version + 1

    def changed(self, person_id: str) -> bool:
        space = self._spaces.get(person_id)
        return space is not None and space.changed

    # -- cached reads ------------------------------------------------------------------------

    async def person(self, person_id: str) -> model.Person | None:
        if person_id not in self._people:
            self._unplanned("a person")
            self._people[person_id] = await repo.get_person(person_id)
        return self._people[person_id]

    async def organisation_of(self, person_id: str) -> str | None:
        if person_id == self.actor.person_id and self.actor.organisation_id:
            return self.actor.organisation_id
        person = await self.person(person_id)
        return person.organisation_id if person else None

    def know_missions(self, person_id: str, missions: Sequence[model.Mission]) -> None:
        """Missions read before the transaction (a push reads them before it queues for the
        lock, so the lock is held for less time)."""
        self._missions[person_id] = list(missions)

    async def missions(self, person_id: str) -> list[model.Mission]:
        if person_id not in self._missions:
            self._unplanned("the missions")
            self._missions[person_id] = list(await repo.missions_of(person_id))
        return self._missions[person_id]

    async def terms(self, person_id: str) -> dict[str, MissionTerms]:
        if person_id not in self._terms:
            self._terms[person_id] = mission_terms(await self.missions(person_id))
        return self._terms[person_id]

    async def read_months(self, person_id: str, months: Iterable[str]) -> None:
        """Read these month rows now (one query for a batch), if not read yet."""
        space = self._space(person_id)
        wanted = {m for m in months if m not in space.months}
        if wanted:
            self._unplanned("a month")
            found = await store.months_of(person_id, wanted)
            for month in wanted:
                space.months[month] = found.get(month)

    async def month(self, person_id: str, month: str) -> store.MonthRow | None:
        """The month's row as this transaction left it (None: it has none yet)."""
        months = self._space(person_id).months
        if month not in months:
            await self.read_months(person_id, [month])
        return months[month]

    def stored_month(self, person_id: str, month: str) -> store.MonthRow | None:
        """The month's row as read from the database, if it was read and existed: what a
        refusal is recorded on once this transaction is rolled back."""
        space = self._spaces.get(person_id)
        row = space.months.get(month) if space else None
        return row if row is not None and row.id not in self._created else None

    async def read_days(self, person_id: str, dates: Iterable[dt.date]) -> None:
        """Read these days now (one query for a batch), if not read yet."""
        space = self._space(person_id)
        wanted = set(dates) - space.days_read
        if wanted:
            self._unplanned("a day")
            found = await store.days_of(person_id, wanted)
            for date, row in found.items():
                space.days.setdefault(date, row)
            space.days_read |= wanted

    async def day(self, person_id: str, date: dt.date) -> store.DayRow | None:
        space = self._space(person_id)
        if date not in space.days_read:
            await self.read_days(person_id, [date])
        return space.days.get(date)

    async def month_days(self, person_id: str, month: MonthKey) -> list[store.DayRow]:
        """The month's days as this transaction left them."""
        await self.read_days(person_id, month.days())
        days = self._space(person_id).days
        return [days[d] for d in sorted(days) if month.first_day <= d <= month.last_day]

    # -- writes ------------------------------------------------------------------------------

    async def audit(
        self,
        *,
        month_id: str,
        kind: str,
        actor_id: str | None,
        data: dict[str, Any],
        organisation_id: str,
    ) -> None:
        """Queue one audit event; the next flush appends the queued ones in order.

        The month's days edited so far are queued first, as one event: they happened before.
        """
        await self._queue_edits(month_id)
        self._audit.append(
            audit_log.MonthEvent(
                month_id=month_id,
                kind=kind,
                actor_id=actor_id,
                device=self.device,
                data=data,
                at=self.now,
                organisation_id=organisation_id,
            )
        )

    async def ensure_month(self, person_id: str, month: str, *, actor_id: str) -> store.MonthRow:
        """The month's row, created (and its creation audited) if it has none."""
        row = await self.month(person_id, month)
        if row is not None:
            return row
        space = self._space(person_id)
        if self.writes is not None:
            # Its id made here: the days written into it refer to it before it is written.
            row = store.MonthRow(
                id=self.new_id(),
                month=month,
                status="draft",
                epoch=0,
                version=self.version(person_id),
            )
            space.new_months[month] = row
        else:
            row = await store.create_month(
                person_id=person_id, month=month, version=self.version(person_id)
            )
        space.months[month] = row
        self._created.add(row.id)
        space.changed = True
        organisation = await self.organisation_of(person_id)
        assert organisation is not None
        await self.audit(
            month_id=row.id,
            kind="month.created",
            actor_id=actor_id,
            data={"consultant": person_id, "month": month},
            organisation_id=organisation,
        )
        return row

    async def write_day(
        self,
        person_id: str,
        *,
        date: dt.date,
        day: Day,
        stamp: Hlc,
        by_client: str,
        actor_id: str | None,
    ) -> store.DayRow:
        """Replace one day (its month created if needed); written at the next flush."""
        month = self.month_of(date)
        month_row = self._space(person_id).months.get(month)
        if month_row is None:
            # The month's creation is the consultant's own doing, whoever typed the day.
            month_row = await self.ensure_month(person_id, month, actor_id=person_id)
        return self.put_day(
            person_id,
            month_row,
            date=date,
            day=day,
            stamp=stamp,
            by_client=by_client,
            actor_id=actor_id,
        )

    def held(
        self, person_id: str, date: dt.date, month: str
    ) -> tuple[store.DayRow | None, store.MonthRow | None, dict[str, MissionTerms]] | None:
        """The stored day, its month's row and the missions' terms, as `day`, `month` and
        `terms` give them, when this transaction holds all three already (a planned push
        always does): `set_day` then awaits none of them, which a push did three times per
        day. None: one of them is still to read."""
        space = self._spaces.get(person_id)
        terms = self._terms.get(person_id)
        if space is None or terms is None or date not in space.days_read:
            return None
        if month not in space.months:
            return None
        return space.days.get(date), space.months[month], terms

    def put_day(
        self,
        person_id: str,
        month_row: store.MonthRow,
        *,
        date: dt.date,
        day: Day,
        stamp: Hlc,
        by_client: str,
        actor_id: str | None,
    ) -> store.DayRow:
        """`write_day` into a month that has its row (``month_row``, the one this transaction
        holds for the day's month): nothing to await."""
        space = self._space(person_id)
        previous = space.days.get(date)
        lines = tuple([(line.line, line.half_days) for line in day.lines])
        # Positional: a named tuple takes keywords through a slower path (a row per day).
        row = store.DayRow(
            # A new day's id is made here, so nothing written has to be read back.
            previous.id if previous else self.new_id(),  # id
            month_row.id,  # timesheet_id
            date,
            lines,
            day.comment,
            stamp.encode(),  # hlc
            space.base_version + 1,  # version
            by_client,
        )
        space.days[date] = row
        space.days_read.add(date)
        if previous is None or date in space.new_days:
            space.new_days[date] = row
        else:
            space.updated_days[date] = row
        edits = self._edited.get(month_row.id)
        if edits is None:
            edits = self._edited[month_row.id] = (person_id, actor_id, {})
        edits[2][date.isoformat()] = {
            "lines": [[line, half] for line, half in lines],
            "comment": day.comment,
        }
        space.changed = True
        return row

    def overwrote(self, person_id: str, lost: store.DayRow, *, by_client: str) -> None:
        """Keep a value a write replaced without having seen it (sync-protocol.md §3.6)."""
        self._space(person_id).overwrites.append((lost, by_client, self.version(person_id)))

    def move_month(
        self, person_id: str, row: store.MonthRow, *, to: CircuitState
    ) -> store.MonthRow:
        """Put the month in its new circuit state, at this transaction's version."""
        space = self._space(person_id)
        moved = replace(
            row,
            status=to.status.value,
            epoch=to.epoch,
            step=to.step,
            waiting_on_id=to.waiting_on,
            version=self.version(person_id),
        )
        space.months[row.month] = moved
        space.moved[row.month] = moved
        space.changed = True
        return moved

    async def _queue_edits(self, month_id: str) -> None:
        """Queue the ``month.days_edited`` event of the month's days written so far: one per
        month and batch, naming the device."""
        edited = self._edited.pop(month_id, None)
        if edited is None:
            return
        person_id, actor_id, days = edited
        organisation = await self.organisation_of(person_id)
        assert organisation is not None
        self._audit.append(
            audit_log.MonthEvent(
                month_id=month_id,
                kind="month.days_edited",
                actor_id=actor_id,
                device=self.device,
                data={"days": days},
                at=self.now,
                organisation_id=organisation,
            )
        )

    def queue(self, event: audit_log.MonthEvent) -> None:
        """Queue an audit event built elsewhere (a refusal kept in a push's transaction)."""
        self._audit.append(event)

    async def publish(self, event: MonthMoved) -> None:
        """Flush, then hand the event to every subscriber (in this same transaction)."""
        self._unplanned("a reaction")
        await self.flush()
        for subscriber in self._subscribers:
            await subscriber(self, event)

    async def flush_days(self, person_id: str) -> None:
        """Write the consultant's collected days (a query that reads days needs them)."""
        space = self._space(person_id)
        if self.writes is not None:
            self._collect(space)
            return
        if space.new_days:
            await store.insert_days(person_id, list(space.new_days.values()), self.now)
        for row in space.updated_days.values():
            await store.update_day(row, self.now)
        if space.overwrites:
            await store.record_overwrites(person_id, space.overwrites, self.now)
        space.new_days, space.updated_days, space.overwrites = {}, {}, []

    async def flush(self) -> None:
        """Write everything collected so far: days, month moves, the days-edited events, the
        queued audit events (in order), the consultants' new versions."""
        if self.writes is not None:
            await self._collect_all()
            return
        for person_id, space in self._spaces.items():
            await self.flush_days(person_id)
            for row in space.moved.values():
                await store.update_month(
                    timesheet_id=row.id,
                    status=row.status,
                    epoch=row.epoch,
                    version=row.version,
                    now=self.now,
                    step=row.step,
                    waiting_on_id=row.waiting_on_id,
                )
            space.moved = {}
        for month_id in sorted(self._edited):
            await self._queue_edits(month_id)
        if self._audit:
            await audit_log.record_many(self._audit)
            self._audit = []
        for person_id, space in self._spaces.items():
            if space.changed:
                await store.set_space_version(person_id, space.base_version + 1)

    def _collect(self, space: _Space) -> None:
        """A planned transaction's flush of one space: its rows join `writes`."""
        writes = self.writes
        assert writes is not None
        writes.new_months += space.new_months.values()
        writes.new_days += space.new_days.values()
        writes.updated_days += space.updated_days.values()
        writes.overwrites += space.overwrites
        writes.moved_months += space.moved.values()
        space.new_months, space.new_days, space.updated_days = {}, {}, {}
        space.overwrites, space.moved = [], {}

    async def _collect_all(self) -> None:
        writes = self.writes
        assert writes is not None
        for space in self._spaces.values():
            self._collect(space)
        for month_id in sorted(self._edited):
            await self._queue_edits(month_id)
        writes.events += (
            push_store.ChainEvent(
                organisation_id=e.organisation_id,
                month_id=e.month_id,
                event=audit_log.chain_event(e),
            )
            for e in self._audit
        )
        self._audit = []
        versions = [s.base_version + 1 for s in self._spaces.values() if s.changed]
        if versions:
            [writes.version] = versions
