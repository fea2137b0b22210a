"""The sync endpoint's use case: push the device's mutations, then pull what changed.

Push runs in one write transaction holding the consultant's version lock (sync-protocol.md
§3.4): mutations are taken in id order, each decided by `sync.merge` against the state left by
the previous ones; a processed mutation's result is stored with its effects, so a retry replays
it and a duplicate never applies twice; a permanently rejected mutation still counts as
processed, so one bad edit never blocks a queue. The version is bumped only if something
changed, so a replayed batch makes no device download anything again. Any unexpected error
rolls the whole batch back and nothing of it is acknowledged.

Pull reads the consultant's version V first and then only rows with version ≤ V: every
transaction that took a version ≤ V has committed (versions are handed out under the lock), so
a device polling during another device's large push can never skip it.
"""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import ValidationError

from server.domain import model
from server.domain.access import ensure_role
from server.domain.errors import Conflict, DomainError, FieldError, Forbidden, InvalidInput
from server.domain.month_circuit import month_circuit
from server.domain.roles import Actor, Role
from server.domain.workflow import Action, CircuitState, transition
from server.services import audit_log, month_events
from server.services.clock import Clock
from server.services.terms import mission_terms
from server.storage import repositories as repo
from server.storage import sync_store as store
from server.storage.repositories import write_transaction
from sync.errors import InvalidMonth
from sync.hlc import Hlc, tick
from sync.merge import MonthFacts, SetDay, StoredDay, decide_set_day, decide_submit
from sync.months import MonthKey, MonthStatus, is_editable
from sync.protocol import (
    PROTOCOL_VERSION,
    ApproveMonthArgs,
    CancelLeaveArgs,
    Cookie,
    DayState,
    LineValue,
    MonthState,
    Mutation,
    MutationResult,
    Overwrite,
    RequestLeaveArgs,
    SendBackMonthArgs,
    SetDayArgs,
    SubmitMonthArgs,
    SyncRequest,
    SyncResponse,
    WithdrawMonthArgs,
)
from sync.rules import Day, DayLine, MissionTerms

SERVER_NODE = "server"
NO_SERVER = "-"
"""A cookie ``sid`` no database has (theirs are hex): the next pull starts from scratch."""

logger = logging.getLogger("carnet")


class ProtocolNotSupported(InvalidInput):
    """The device speaks another protocol version: it must update the app."""

    code = "protocol_not_supported"


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def day_state(row: store.DayRow) -> DayState:
    return DayState(
        date=row.date.isoformat(),
        lines=[LineValue(line=line, half_days=half) for line, half in row.lines],
        comment=row.comment,
        hlc=row.hlc,
        version=row.version,
        by_client=row.by_client,
    )


def month_state(row: store.MonthRow) -> MonthState:
    return MonthState(month=row.month, status=row.status, epoch=row.epoch, version=row.version)


@dataclass(frozen=True)
class Known:
    """What a response's results already give the device, so its pull page leaves it out.

    ``days``: ``(date, version, by_client)`` of the device's own applied writes (the device
    stores its queued value at the result's version) and of a superseded write's ``current``;
    ``months``: ``(month, status, epoch, version)`` carried by a result of the person's own
    month (the device merges those; a decision's month is another person's, never pulled here).
    """

    days: frozenset[tuple[str, int, str]]
    months: frozenset[tuple[str, str, int, int]]

    def has_day(self, row: store.DayRow) -> bool:
        return (row.date.isoformat(), row.version, row.by_client) in self.days


OWN_MONTH_NAMES = ("set_day", "submit_month", "withdraw_month")


def _known_from_results(request: SyncRequest, results: Sequence[MutationResult]) -> Known:
    """The rows of this push's results, in the shapes `Known` compares (protocol 2)."""
    names = {m.id: m.name for m in request.mutations}
    dates = {m.id: m.args.get("date") for m in request.mutations if m.name == "set_day"}
    days: set[tuple[str, int, str]] = set()
    months: set[tuple[str, str, int, int]] = set()
    for result in results:
        date = dates.get(result.id)
        if result.status == "applied" and result.version is not None and isinstance(date, str):
            days.add((date, result.version, request.client_id))
        if result.current is not None:
            current = result.current
            days.add((current.date, current.version, current.by_client))
        if result.month is not None and names.get(result.id) in OWN_MONTH_NAMES:
            month = result.month
            months.add((month.month, month.status, month.epoch, month.version))
    return Known(days=frozenset(days), months=frozenset(months))


@dataclass
class _Batch:
    """What one push transaction has read and changed so far."""

    person_id: str
    client_id: str
    base_version: int
    now: dt.datetime
    missions: dict[str, MissionTerms]
    months: dict[str, store.MonthRow]
    days: dict[dt.date, store.DayRow]
    changed: bool = False
    organisation_id: str | None = None
    mission_records: Sequence[model.Mission] = ()
    device: str | None = None
    edited: dict[str, dict[str, dict[str, object]]] | None = None
    new_days: dict[dt.date, store.DayRow] | None = None
    updated_days: dict[dt.date, store.DayRow] | None = None
    overwrites: list[tuple[store.DayRow, str, int]] | None = None

    @property
    def version(self) -> int:
        # Everything one push changes shares one version: base + 1.
        return self.base_version + 1

    def facts(self, month: str) -> MonthFacts:
        row = self.months.get(month)
        if row is None:
            return MonthFacts()
        return MonthFacts(status=MonthStatus(row.status), epoch=row.epoch)


Args = (
    SetDayArgs
    | SubmitMonthArgs
    | WithdrawMonthArgs
    | ApproveMonthArgs
    | SendBackMonthArgs
    | RequestLeaveArgs
    | CancelLeaveArgs
)
KINDS: dict[str, type[Args]] = {
    "set_day": SetDayArgs,
    "submit_month": SubmitMonthArgs,
    "withdraw_month": WithdrawMonthArgs,
    "approve_month": ApproveMonthArgs,
    "send_back_month": SendBackMonthArgs,
    "request_leave": RequestLeaveArgs,
    "cancel_leave": CancelLeaveArgs,
}
OWN_MONTH_KINDS = (SetDayArgs, SubmitMonthArgs, WithdrawMonthArgs)
"""Mutations of the person's own CRA: only a consultant has one."""
SYNC_ROLES = (Role.CONSULTANT, Role.MANAGER, Role.ADMIN)
"""Who may sync: consultants their days, approvers their queued approvals and send-backs."""


def _parse_mutation_args(mutation: Mutation) -> Args | MutationResult:
    kinds = KINDS
    kind = kinds.get(mutation.name)
    if kind is None:
        return MutationResult(
            id=mutation.id,
            status="rejected",
            reason="unknown_mutation",
            detail=f"unknown mutation {mutation.name!r}; known: {', '.join(KINDS)}",
        )
    try:
        return kind.model_validate(mutation.args)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return MutationResult(
            id=mutation.id, status="rejected", reason="invalid_args", detail=problems[:500]
        )


class SyncService:
    """Push and pull for one consultant's devices."""

    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock

    async def sync(self, actor: Actor, request: SyncRequest) -> SyncResponse:
        if request.protocol != PROTOCOL_VERSION:
            raise ProtocolNotSupported(
                f"protocol {request.protocol} is not supported; this server speaks "
                f"{PROTOCOL_VERSION}: update the app",
                errors=(
                    FieldError("protocol", "protocol_not_supported", f"use {PROTOCOL_VERSION}"),
                ),
            )
        ensure_role(actor, *SYNC_ROLES)
        results, last = await self.push(actor, request)
        try:
            return await self.pull(
                actor,
                request.cookie,
                results=results,
                last_mutation_id=last,
                limit=request.limit,
                known=_known_from_results(request, results),
            )
        except Exception:
            if not request.mutations:
                raise  # nothing was written: the 5xx that follows tells the truth
            # The push is committed: answering 5xx would deny it. Its results go back now and
            # the device pulls again from where it was (has_more), or from scratch.
            logger.exception("sync: the pull failed after a committed push; results sent alone")
            return self.results_alone(request, results=results, last_mutation_id=last)

    def results_alone(
        self, request: SyncRequest, *, results: Sequence[MutationResult], last_mutation_id: int
    ) -> SyncResponse:
        """A response carrying a committed push's results and no pull: the device's cookie is
        echoed (or, without one, a cookie no database has, so the next pull is a full one)."""
        now_ms = _ms(self.clock())
        return SyncResponse(
            last_mutation_id=last_mutation_id,
            results=list(results),
            reset=False,
            cookie=request.cookie or Cookie(sid=NO_SERVER, v=0),
            has_more=True,
            days=[],
            months=[],
            overwrites=[],
            server_hlc=Hlc(wall_ms=now_ms, counter=0, node=SERVER_NODE).encode(),
            server_time_ms=now_ms,
        )

    async def push(self, actor: Actor, request: SyncRequest) -> tuple[list[MutationResult], int]:
        person_id = actor.person_id
        if not request.mutations:
            # A pull-only request changes nothing: no write lock, so polls never queue behind
            # pushes. Acknowledged results are pruned by the device's next push.
            client = await store.get_client(request.client_id)
            if client is not None and client[0] != person_id:
                raise Forbidden("this client id belongs to another person's device")
            return [], 0 if client is None else client[1]
        records = await repo.missions_of(person_id)
        missions = mission_terms(records)
        spaces = await _spaces_to_lock(person_id, request.mutations)
        async with write_transaction():
            now = self.clock()
            # Every version lock this push may need, in id order, before anything else (the
            # audit chain's lock included): two pushes never wait on each other in a cycle.
            base_version = 0
            for space in spaces:
                version = await store.lock_space(space)
                if space == person_id:
                    base_version = version
            client = await store.get_client(request.client_id)
            if client is None:
                await store.create_client(
                    client_id=request.client_id, person_id=person_id, now=now
                )
                client = (person_id, 0)
            owner, last = client
            if owner != person_id:
                raise Forbidden("this client id belongs to another person's device")
            replayed = await store.outcomes(
                request.client_id, [m.id for m in request.mutations if m.id <= last]
            )
            fresh: list[Mutation] = []
            for mutation in request.mutations:
                if mutation.id <= last:
                    continue
                if mutation.id != last + 1 + len(fresh):
                    break  # a gap: the device resends from last_mutation_id + 1
                fresh.append(mutation)
            parsed = [(m, _parse_mutation_args(m)) for m in fresh]
            dates = [a.date for _, a in parsed if isinstance(a, SetDayArgs)]
            batch = _Batch(
                person_id=person_id,
                client_id=request.client_id,
                base_version=base_version,
                now=now,
                missions=missions,
                months=await store.months_of(
                    person_id,
                    [d[:7] for d in dates]
                    + [a.month for _, a in parsed if isinstance(a, SubmitMonthArgs)],
                ),
                days=await store.days_of(person_id, _valid_dates(dates)),
                new_days={},
                updated_days={},
                overwrites=[],
                organisation_id=actor.organisation_id,
                mission_records=records,
                device=request.client_id,
                edited={},
            )
            fresh_results: list[MutationResult] = []
            for mutation, args in parsed:
                if isinstance(args, MutationResult):
                    fresh_results.append(args)
                elif isinstance(args, OWN_MONTH_KINDS) and not actor.has(Role.CONSULTANT):
                    fresh_results.append(
                        MutationResult(
                            id=mutation.id,
                            status="rejected",
                            reason="forbidden",
                            detail="only a consultant has a CRA to edit or submit",
                        )
                    )
                elif isinstance(args, ApproveMonthArgs | SendBackMonthArgs | WithdrawMonthArgs):
                    fresh_results.append(await self._circuit(batch, actor, mutation.id, args))
                elif isinstance(args, RequestLeaveArgs | CancelLeaveArgs):
                    fresh_results.append(await self._leave(batch, actor, mutation.id, args))
                elif isinstance(args, SetDayArgs):
                    fresh_results.append(await self._set_day(batch, mutation.id, args))
                else:
                    fresh_results.append(await self._submit(batch, mutation.id, args))
            await self._flush(batch)
            await record_edits(batch, actor_id=person_id)
            if fresh:
                last = fresh[-1].id
                await store.store_outcomes(
                    request.client_id,
                    [(r.id, r.model_dump(mode="json", exclude_none=True)) for r in fresh_results],
                )
            await store.update_client(client_id=request.client_id, last_mutation_id=last, now=now)
            await store.prune_outcomes(request.client_id, min(request.ack_through, last))
            if batch.changed:
                await store.set_space_version(person_id, batch.version)
        results = [
            MutationResult.model_validate(replayed[m.id])
            for m in request.mutations
            if m.id in replayed
        ] + fresh_results
        return results, last

    async def _set_day(self, batch: _Batch, mutation_id: int, args: SetDayArgs) -> MutationResult:
        try:
            date = dt.date.fromisoformat(args.date)
        except ValueError:
            return MutationResult(
                id=mutation_id,
                status="rejected",
                reason="invalid_args",
                detail=f"date: {args.date!r} is not a calendar date",
            )
        try:
            month = str(MonthKey.of(date))
        except InvalidMonth as error:  # a year CRAs cannot have: refused, never a 500
            return MutationResult(
                id=mutation_id, status="rejected", reason="invalid_args", detail=str(error)
            )
        stored_row = batch.days.get(date)
        verdict = decide_set_day(
            incoming=SetDay(
                date=date,
                epoch=args.epoch,
                lines=tuple(DayLine(line=v.line, half_days=v.half_days) for v in args.lines),
                comment=args.comment,
                hlc=args.hlc,
                base_v=args.base_v,
            ),
            facts=batch.facts(month),
            stored=_stored(stored_row),
            missions=batch.missions,
            client_id=batch.client_id,
            now_ms=_ms(batch.now),
        )
        if verdict.status == "rejected":
            month_row = batch.months.get(month)
            return MutationResult(
                id=mutation_id,
                status="rejected",
                reason=verdict.reason,
                detail=verdict.detail,
                month=month_state(month_row) if month_row else None,
            )
        if verdict.status == "superseded":
            assert stored_row is not None
            return MutationResult(
                id=mutation_id,
                status="superseded",
                detail=verdict.detail,
                current=day_state(stored_row),
            )
        assert verdict.day is not None and verdict.hlc is not None
        await self._write_day(batch, month, date, verdict.day, verdict.hlc, batch.client_id)
        if verdict.overwrote_unseen and stored_row is not None:
            assert batch.overwrites is not None
            batch.overwrites.append((stored_row, batch.client_id, batch.version))
        return MutationResult(
            id=mutation_id, status="applied", hlc=verdict.hlc.encode(), version=batch.version
        )

    async def _write_day(
        self, batch: _Batch, month: str, date: dt.date, day: Day, stamp: Hlc, by_client: str
    ) -> None:
        assert batch.new_days is not None and batch.updated_days is not None
        month_row = batch.months.get(month)
        if month_row is None:
            month_row = await _create_month(batch, month)
        previous = batch.days.get(date)
        row = store.DayRow(
            id=previous.id if previous else "",
            timesheet_id=month_row.id,
            date=date,
            lines=tuple((line.line, line.half_days) for line in day.lines),
            comment=day.comment,
            hlc=stamp.encode(),
            version=batch.version,
            by_client=by_client,
        )
        batch.days[date] = row
        if batch.edited is not None:
            batch.edited.setdefault(month_row.id, {})[date.isoformat()] = {
                "lines": [[line, half] for line, half in row.lines],
                "comment": row.comment,
            }
        if previous is None or date in batch.new_days:
            batch.new_days[date] = row
        else:
            batch.updated_days[date] = row
        batch.changed = True

    async def _submit(
        self, batch: _Batch, mutation_id: int, args: SubmitMonthArgs
    ) -> MutationResult:
        try:
            month = MonthKey.parse(args.month)
        except InvalidMonth as error:  # a per-mutation rejection, never a 4xx
            return MutationResult(
                id=mutation_id, status="rejected", reason="invalid_args", detail=str(error)
            )
        await self._flush(batch)  # the foreign-version query must see this batch's days
        foreign = await store.latest_foreign_version(
            person_id=batch.person_id,
            first=month.first_day,
            last=month.last_day,
            client_id=batch.client_id,
        )
        verdict = decide_submit(
            facts=batch.facts(str(month)),
            epoch=args.epoch,
            reviewed_version=args.reviewed_version,
            latest_foreign_version=foreign,
        )
        month_row = batch.months.get(str(month))
        if verdict.status == "rejected":
            return MutationResult(
                id=mutation_id,
                status="rejected",
                reason=verdict.reason,
                detail=verdict.detail,
                month=month_state(month_row) if month_row else None,
            )
        facts = batch.facts(str(month))
        days = await store.days_of(batch.person_id, month.days())
        consultant = await repo.get_person(batch.person_id)
        steps = month_circuit(
            missions=batch.mission_records,
            month=month,
            used_lines={line for d in days.values() for line, _ in d.lines},
            manager_id=consultant.manager_id if consultant else None,
        )
        try:
            new = transition(
                state=CircuitState(status=facts.status, epoch=facts.epoch),
                action=Action.SUBMIT,
                actor_id=batch.person_id,
                consultant_id=batch.person_id,
                steps=steps,
            )
        except DomainError as error:
            if month_row is not None:
                await audit_log.record(
                    month_id=month_row.id,
                    kind="month.refused",
                    actor_id=batch.person_id,
                    device=batch.device,
                    data={"action": "submit", "code": error.code, "reason": error.message},
                    at=batch.now,
                    organisation_id=batch.organisation_id,
                )
            return MutationResult(
                id=mutation_id,
                status="rejected",
                reason="no_circuit",
                detail=error.message,
                month=month_state(month_row) if month_row else None,
            )
        if month_row is None:
            month_row = await _create_month(batch, str(month))
        updated = replace(month_row, status=new.status.value, version=batch.version)
        await store.update_month(
            timesheet_id=updated.id,
            status=updated.status,
            epoch=updated.epoch,
            version=updated.version,
            now=batch.now,
            step=new.step,
            waiting_on_id=new.waiting_on,
        )
        await audit_log.record(
            month_id=updated.id,
            kind="month.submitted",
            actor_id=batch.person_id,
            device=batch.device,
            data={
                "consultant": batch.person_id,
                "month": str(month),
                "reviewed_version": args.reviewed_version,
                "version": batch.version,
                "to": {"status": new.status.value, "step": new.step, "epoch": new.epoch},
                "waiting_on": new.waiting_on,
                "circuit": [{"kind": s.kind, "approver": s.approver_id} for s in steps],
            },
            at=batch.now,
            organisation_id=batch.organisation_id,
        )
        if consultant is not None:
            # As the HTTP submit does (server.services.circuit): in this same transaction, the
            # first step's manager is told, or its client signer gets their link by email.
            await month_events.after_transition(
                action=Action.SUBMIT,
                new=new,
                steps=steps,
                consultant=consultant,
                month_id=updated.id,
                month=str(month),
                actor_id=batch.person_id,
                comment="",
                now=batch.now,
            )
        batch.months[str(month)] = updated
        batch.changed = True
        return MutationResult(id=mutation_id, status="applied", month=month_state(updated))

    async def _circuit(
        self,
        batch: _Batch,
        actor: Actor,
        mutation_id: int,
        args: ApproveMonthArgs | SendBackMonthArgs | WithdrawMonthArgs,
    ) -> MutationResult:
        """An approval, send-back or withdrawal queued offline, decided as the online one would
        be.

        It runs inside this push's transaction, so its result is stored with its effect and a
        retried batch replays it; the circuit takes the consultant's version lock after this
        device's person's own, never the other way round.
        """
        # Imported here: the circuit service itself builds on this module's MonthLocked.
        from server.services import circuit

        if isinstance(args, WithdrawMonthArgs):
            # The person's own month: the days this batch decided so far are written first, and
            # the month's new state is what the rest of the batch sees.
            await self._flush(batch)
            consultant_id, action, comment = batch.person_id, Action.WITHDRAW, ""
        elif isinstance(args, SendBackMonthArgs):
            consultant_id, action, comment = args.consultant_id, Action.SEND_BACK, args.comment
        else:
            consultant_id, action, comment = args.consultant_id, Action.APPROVE, ""
        try:
            outcome = await circuit.act(
                actor,
                consultant_id=consultant_id,
                month_text=args.month,
                action=action,
                version=args.version,
                comment=comment,
                clock=lambda: batch.now,
                device=batch.client_id,
            )
        except DomainError as error:
            return MutationResult(
                id=mutation_id, status="rejected", reason=error.code, detail=error.message
            )
        if isinstance(args, WithdrawMonthArgs):
            batch.months.update(await store.months_of(batch.person_id, [args.month]))
            batch.changed = True
        return MutationResult(id=mutation_id, status="applied", month=outcome.month)

    async def _leave(
        self,
        batch: _Batch,
        actor: Actor,
        mutation_id: int,
        args: RequestLeaveArgs | CancelLeaveArgs,
    ) -> MutationResult:
        """A leave request or cancellation queued on the phone, decided as the HTTP one is
        (server.services.leave), inside this push's transaction: a refusal is this mutation's
        rejection with the same code, and a retried batch replays the stored result."""
        # Imported here: the leave service builds on this module's day path.
        from server.services import leave

        await self._flush(batch)  # a cancellation may give days back: ours are written first
        try:
            if isinstance(args, RequestLeaveArgs):
                row = await leave.request_leave(
                    actor,
                    leave.RequestIn(
                        id=args.id,
                        kind=args.kind,
                        first_day=dt.date.fromisoformat(args.first_day),
                        last_day=dt.date.fromisoformat(args.last_day),
                        first_afternoon=args.first_afternoon,
                        last_morning=args.last_morning,
                        comment=args.comment.strip(),
                    ),
                    clock=lambda: batch.now,
                    device=batch.client_id,
                )
            else:
                row = await leave.cancel(
                    actor, args.id, clock=lambda: batch.now, device=batch.client_id
                )
        except ValueError as error:  # a date that is not a calendar date
            return MutationResult(
                id=mutation_id, status="rejected", reason="invalid_args", detail=str(error)
            )
        except DomainError as error:
            # The field's own code ("month_locked", "no_working_day"...) tells the phone why.
            reason = error.errors[0].code if error.errors else error.code
            return MutationResult(
                id=mutation_id, status="rejected", reason=reason, detail=error.message
            )
        if row.filled and isinstance(args, CancelLeaveArgs):
            # The days it gave back were written through the web path, each at a version above
            # the last: the rest of this push goes above them, and decides against them.
            batch.base_version = max(
                batch.base_version, await store.space_version(batch.person_id)
            )
            dates = [dt.date.fromisoformat(entry["date"]) for entry in row.filled]
            batch.days.update(await store.days_of(batch.person_id, dates))
            batch.months.update(
                await store.months_of(batch.person_id, {d.isoformat()[:7] for d in dates})
            )
            batch.changed = True
        return MutationResult(id=mutation_id, status="applied", detail=row.status)

    async def _flush(self, batch: _Batch) -> None:
        """Write the days decided so far: one multi-row insert, then the updates."""
        assert batch.new_days is not None and batch.updated_days is not None
        assert batch.overwrites is not None
        if batch.new_days:
            await store.insert_days(batch.person_id, list(batch.new_days.values()), batch.now)
            inserted = await store.days_of(batch.person_id, batch.new_days)
            batch.days.update(inserted)
        for row in batch.updated_days.values():
            await store.update_day(row, batch.now)
        if batch.overwrites:
            await store.record_overwrites(batch.person_id, batch.overwrites, batch.now)
        batch.new_days, batch.updated_days, batch.overwrites = {}, {}, []

    async def pull(
        self,
        actor: Actor,
        cookie: Cookie | None,
        *,
        results: Sequence[MutationResult] = (),
        last_mutation_id: int = 0,
        limit: int = 500,
        known: Known | None = None,
    ) -> SyncResponse:
        """One page of what changed after the cookie (sync-protocol.md §3.3.1, §3.5).

        `known` names the rows this response's results already give the device: they are left
        out of the page (the cursor still moves past them). Months and overwrites come with the
        last page only: it reads them up to the newest version, so a month changed while the
        pages were read is in it, where a first page could not promise that.
        """
        person_id = actor.person_id
        sid = await store.server_id()
        upto = await store.space_version(person_id)
        reset = cookie is None or cookie.sid != sid or cookie.v > upto
        since = 0 if reset or cookie is None else cookie.v
        after = None
        if not reset and cookie is not None and cookie.after is not None:
            after = (cookie.after[0], dt.date.fromisoformat(cookie.after[1]))
        rows: list[store.DayRow] = []
        months: list[store.MonthRow] = []
        overwrites: list[dict[str, Any]] = []
        # An up-to-date device (the 30-second poll): nothing can lie in (since, upto].
        up_to_date = since == upto and after is None
        if not up_to_date:
            rows = await store.changed_days(
                person_id=person_id, since=since, after=after, upto=upto, limit=limit + 1
            )
        has_more = len(rows) > limit
        rows = rows[:limit]
        if has_more:
            last_row = rows[-1]
            next_cookie = Cookie(
                sid=sid, v=since, after=(last_row.version, last_row.date.isoformat())
            )
        else:
            next_cookie = Cookie(sid=sid, v=upto)
        if not has_more and not up_to_date:
            months = await store.changed_months(person_id=person_id, since=since, upto=upto)
            overwrites = await store.overwrites_since(person_id=person_id, since=since, upto=upto)
        if known is not None:
            rows = [r for r in rows if not known.has_day(r)]
            months = [
                m for m in months if (m.month, m.status, m.epoch, m.version) not in known.months
            ]
        now_ms = _ms(self.clock())
        return SyncResponse(
            last_mutation_id=last_mutation_id,
            results=list(results),
            reset=reset and after is None,
            cookie=next_cookie,
            has_more=has_more,
            days=[day_state(r) for r in rows],
            months=[month_state(m) for m in months],
            overwrites=[
                Overwrite(
                    date=o["date"],
                    lost=DayState.model_validate(o["lost"]),
                    by_client=o["by_client"],
                    version=o["version"],
                )
                for o in overwrites
            ],
            server_hlc=Hlc(wall_ms=now_ms, counter=0, node=SERVER_NODE).encode(),
            server_time_ms=now_ms,
        )


async def _spaces_to_lock(person_id: str, mutations: Sequence[Mutation]) -> list[str]:
    """The pusher's own space and those of the existing people whose months it decides on."""
    others = set()
    for mutation in mutations:
        if mutation.name in ("approve_month", "send_back_month"):
            parsed = _parse_mutation_args(mutation)
            if isinstance(parsed, ApproveMonthArgs | SendBackMonthArgs):
                others.add(parsed.consultant_id)
    existing = await repo.get_people(others) if others else {}
    return sorted({person_id, *existing})


def _valid_dates(texts: Sequence[str]) -> list[dt.date]:
    valid = []
    for text in texts:
        try:
            valid.append(dt.date.fromisoformat(text))
        except ValueError:
            continue
    return valid


def _stored(row: store.DayRow | None) -> StoredDay | None:
    if row is None:
        return None
    return StoredDay(
        day=Day(
            date=row.date,
            lines=tuple(DayLine(line=line, half_days=half) for line, half in row.lines),
            comment=row.comment,
        ),
        hlc=Hlc.parse(row.hlc) if row.hlc else Hlc(wall_ms=0, counter=0, node=SERVER_NODE),
        version=row.version,
        by_client=row.by_client,
    )


async def _create_month(batch: _Batch, month: str) -> store.MonthRow:
    """Create a month row, and record its creation in the same transaction."""
    row = await store.create_month(person_id=batch.person_id, month=month, version=batch.version)
    batch.months[month] = row
    await audit_log.record(
        month_id=row.id,
        kind="month.created",
        actor_id=batch.person_id,
        device=batch.device,
        data={"consultant": batch.person_id, "month": month},
        at=batch.now,
        organisation_id=batch.organisation_id,
    )
    return row


async def record_edits(batch: _Batch, *, actor_id: str | None) -> None:
    """Record the days this batch wrote: one event per month, naming the device."""
    if not batch.edited:
        return
    for month_id, days in sorted(batch.edited.items()):
        await audit_log.record(
            month_id=month_id,
            kind="month.days_edited",
            actor_id=actor_id,
            device=batch.device,
            data={"days": days},
            at=batch.now,
            organisation_id=batch.organisation_id,
        )
    batch.edited = {}


class MonthLocked(Conflict):
    """The month is submitted, in validation, validated or signed."""

    code = "month_locked"


@dataclass(frozen=True)
class WebEdit:
    """A day typed in the web app while online: applied at once, stamped by the server."""

    consultant_id: str
    date: dt.date
    day: Day
    actor_id: str | None = None
    organisation_id: str | None = None


async def write_web_day(
    edit: WebEdit, *, missions: dict[str, MissionTerms], now: dt.datetime
) -> None:
    """Store a day edited online, through the same versioned path as a device's push.

    The stamp is a server tick above the stored one, so the explicit edit wins; a locked month
    is refused (the caller maps it to 409).
    """
    month = str(MonthKey.of(edit.date))
    async with write_transaction():
        base = await store.lock_space(edit.consultant_id)
        batch = _Batch(
            person_id=edit.consultant_id,
            client_id=SERVER_NODE,
            base_version=base,
            now=now,
            missions=missions,
            months=await store.months_of(edit.consultant_id, [month]),
            days=await store.days_of(edit.consultant_id, [edit.date]),
            new_days={},
            updated_days={},
            overwrites=[],
            organisation_id=edit.organisation_id,
            device=audit_log.WEB,
            edited={},
        )
        facts = batch.facts(month)
        if not is_editable(facts.status):
            raise MonthLocked(
                f"the CRA of {month} is {facts.status.value}: it can no longer be edited"
            )
        stored = _stored(batch.days.get(edit.date))
        stamp = tick(local=stored.hlc if stored else None, now_ms=_ms(now), node=SERVER_NODE)
        service = SyncService(clock=lambda: now)
        await service._write_day(batch, month, edit.date, edit.day, stamp, SERVER_NODE)
        await service._flush(batch)
        await record_edits(batch, actor_id=edit.actor_id)
        await store.set_space_version(edit.consultant_id, batch.version)


async def set_month_state(
    *,
    consultant_id: str,
    month: str,
    status: MonthStatus,
    now: dt.datetime,
    reopen: bool = False,
    step: int = 0,
    waiting_on_id: str | None = None,
) -> MonthState:
    """Move a month to `status` on the server's authority, bumping the consultant's version.

    `reopen` (a send-back) also bumps the epoch, so edits queued before are refused rather than
    silently applied to a month reopened for a specific correction (sync-protocol.md §3.7).
    """
    async with write_transaction():
        base = await store.lock_space(consultant_id)
        version = base + 1
        row = (await store.months_of(consultant_id, [month])).get(month)
        if row is None:
            row = await store.create_month(person_id=consultant_id, month=month, version=version)
        epoch = row.epoch + 1 if reopen else row.epoch
        await audit_log.record(
            month_id=row.id,
            kind="month.state_forced",
            actor_id=None,
            device=None,
            data={
                "from": {"status": row.status, "epoch": row.epoch},
                "to": {"status": status.value, "step": step, "epoch": epoch},
                "waiting_on": waiting_on_id,
            },
            at=now,
        )
        await store.update_month(
            timesheet_id=row.id,
            status=status.value,
            epoch=epoch,
            version=version,
            now=now,
            step=step,
            waiting_on_id=waiting_on_id,
        )
        await store.set_space_version(consultant_id, version)
    return MonthState(month=month, status=status.value, epoch=epoch, version=version)
