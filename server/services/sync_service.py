"""The sync endpoint's use case: push the device's mutations, then pull what changed.

Push runs in one write transaction holding the consultant's version lock (sync-protocol.md
§3.4): mutations are taken in id order, each run by the same month command as its HTTP twin
(`server.commands.month`, on one `MonthTx` for the whole batch; `sync.merge` judges what the
device had seen) against the state left by the previous ones; a processed mutation's result is
stored with its effects, so a retry replays
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
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import TypeAdapter, ValidationError

from server.commands import month as commands
from server.commands.month import month_state
from server.commands.month_tx import MonthTx, NotPlanned, complete_now
from server.domain.access import ensure_role
from server.domain.errors import DomainError, FieldError, Forbidden, InvalidInput, NotFound
from server.domain.roles import Actor, Role
from server.domain.workflow import Action
from server.reactions.month import REACTIONS
from server.services import audit_log, expense_reports, leave
from server.services.clock import Clock
from server.storage import pull_store, push_store
from server.storage import repositories as repo
from server.storage import sync_store as store
from server.storage.repositories import write_transaction
from sync.errors import InvalidMonth
from sync.hlc import Hlc
from sync.months import MonthKey, MonthStatus
from sync.protocol import (
    PROTOCOL_VERSION,
    ApproveMonthArgs,
    CancelLeaveArgs,
    Cookie,
    DayState,
    DeleteExpenseArgs,
    EditExpenseArgs,
    FileExpenseArgs,
    LineValue,
    MonthState,
    Mutation,
    MutationResult,
    RequestLeaveArgs,
    SendBackMonthArgs,
    SetDayArgs,
    SubmitExpensesArgs,
    SubmitMonthArgs,
    SyncRequest,
    SyncResponse,
    WithdrawMonthArgs,
)

SERVER_NODE = commands.SERVER_NODE
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


class AppliedDay(NamedTuple):
    """An applied ``set_day``'s result, before (or instead of) its `MutationResult`.

    A push's days are its hot path: a month is 21 of these, a new phone's year 261. Their JSON
    is written once from the three values it holds, stored as the replay's copy and sent in the
    answer as it is; no model is built, validated or dumped for it (docs/benchmarks.md, issue
    12). `model` gives the `MutationResult` where one is wanted (`SyncService.push`, the
    ordinary path); tests/server/test_sync_fast_paths.py checks both give the same bytes.
    """

    id: int
    hlc: str
    version: int

    def json(self) -> str:
        """``MutationResult(id, "applied", hlc, version)`` as the wire writes it. The stamp is
        an encoded `Hlc` (digits, colons and a node of ``[A-Za-z0-9_-]``): nothing to escape."""
        return f'{{"id":{self.id},"status":"applied","hlc":"{self.hlc}","version":{self.version}}}'

    def model(self) -> MutationResult:
        return MutationResult(id=self.id, status="applied", hlc=self.hlc, version=self.version)


Result = MutationResult | AppliedDay
"""A mutation's result as the push made it (see `AppliedDay`)."""


def models(results: Sequence[Result]) -> list[MutationResult]:
    return [r.model() if isinstance(r, AppliedDay) else r for r in results]


def stored_json(result: Result) -> str:
    """A result as stored for a replay, one item of its batch's `mutation_outcome.body`
    (`sync_store.outcome_row`)."""
    if isinstance(result, AppliedDay):
        return result.json()
    return result.model_dump_json(exclude_none=True)


@dataclass(frozen=True)
class Written:
    """What a planned push's transaction wrote, as the pull page that would read it back.

    Versions are handed out under the consultant's lock, so every row of a version above
    ``base_version`` (the one read under the lock) up to the version committed was written by
    this transaction: for a device whose cookie stood at ``base_version``, the page after the
    push is exactly ``page``, and the pull need not read it (`SyncService.sync`).
    """

    base_version: int
    page: pull_store.Page | None
    """None: it wrote something the page is read for (`_written_page`)."""


def _written_page(writes: push_store.PushWrites) -> pull_store.Page | None:
    """The pull page of a transaction's writes (see `Written`), or None when it wrote kept
    overwrites (rare: read back as the pull reads them)."""
    if writes.overwrites:
        return None
    days = {d.date: d for d in (*writes.new_days, *writes.updated_days)}
    months = {m.month: m for m in (*writes.new_months, *writes.moved_months)}
    return pull_store.Page(
        # In cursor order (version, date): all of one version. No JSON: the push's own days,
        # which its results give the device (`pull_store.page`'s ``own``).
        days=[
            pull_store.DayItem(date.isoformat(), d.version, d.by_client, None)
            for date, d in sorted(days.items())
        ],
        months=[
            pull_store.MonthItem(
                m.month, m.status, m.epoch, m.version, month_state(m).model_dump_json()
            )
            for _, m in sorted(months.items())
        ],
        overwrites=[],
    )


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


@dataclass(frozen=True)
class SyncAnswer:
    """A sync response whose pulled items storage gave already encoded.

    ``response`` is the envelope, its ``days``, ``months`` and ``overwrites`` empty; the items
    are the same lists as JSON objects (``DayState``, ``MonthState``, ``Overwrite``), in order,
    which the controller writes into the envelope's lists (`server.api.sync.encode`). A year
    pulled is 261 rows: the database writes their JSON, and no model is built or validated
    for any of them (docs/benchmarks.md, issue 12).
    """

    response: SyncResponse
    results: Sequence[Result] = ()
    """The envelope's ``results``, in order (its own list is empty): the controller writes an
    `AppliedDay` as its JSON, a `MutationResult` as the envelope would."""
    days: Sequence[str] = ()
    months: Sequence[str] = ()
    overwrites: Sequence[str] = ()


def _own_days(known: Known | None) -> tuple[int, str] | None:
    """``(version, client id)`` when every day the results give the device is one version's
    and one device's: the days the push just wrote. The pull page need not write their JSON
    (they are left out); any other day of theirs it finds is read again whole."""
    if known is None or not known.days:
        return None
    pairs = {(version, client) for _, version, client in known.days}
    return next(iter(pairs)) if len(pairs) == 1 else None


OWN_MONTH_NAMES = ("set_day", "submit_month", "withdraw_month")


def _known_from_results(request: SyncRequest, results: Sequence[Result]) -> Known:
    """The rows of this push's results, in the shapes `Known` compares (protocol 2).

    A push's results are mostly applied days (`AppliedDay`): one lookup each for its date; the
    mutations' names are read only for a result that carries a month."""
    client = request.client_id
    dates = {m.id: m.args.get("date") for m in request.mutations if m.name == "set_day"}
    names: dict[int, str] | None = None
    days: set[tuple[str, int, str]] = set()
    months: set[tuple[str, str, int, int]] = set()
    for result in results:
        date = dates.get(result.id)
        if isinstance(result, AppliedDay):
            if isinstance(date, str):
                days.add((date, result.version, client))
            continue
        if result.status == "applied" and result.version is not None and isinstance(date, str):
            days.add((date, result.version, client))
        if result.current is not None:
            current = result.current
            days.add((current.date, current.version, current.by_client))
        if result.month is not None:
            if names is None:
                names = {m.id: m.name for m in request.mutations}
            if names.get(result.id) in OWN_MONTH_NAMES:
                month = result.month
                months.add((month.month, month.status, month.epoch, month.version))
    return Known(days=frozenset(days), months=frozenset(months))


Args = (
    SetDayArgs
    | SubmitMonthArgs
    | WithdrawMonthArgs
    | ApproveMonthArgs
    | SendBackMonthArgs
    | RequestLeaveArgs
    | CancelLeaveArgs
    | FileExpenseArgs
    | EditExpenseArgs
    | DeleteExpenseArgs
    | SubmitExpensesArgs
)
KINDS: dict[str, type[Args]] = {
    "set_day": SetDayArgs,
    "submit_month": SubmitMonthArgs,
    "withdraw_month": WithdrawMonthArgs,
    "approve_month": ApproveMonthArgs,
    "send_back_month": SendBackMonthArgs,
    "request_leave": RequestLeaveArgs,
    "cancel_leave": CancelLeaveArgs,
    "file_expense": FileExpenseArgs,
    "edit_expense": EditExpenseArgs,
    "delete_expense": DeleteExpenseArgs,
    "submit_expenses": SubmitExpensesArgs,
}
OWN_MONTH_KINDS = (SetDayArgs, SubmitMonthArgs, WithdrawMonthArgs)
"""Mutations of the person's own CRA: only a consultant has one."""
EXPENSE_KINDS = (FileExpenseArgs, EditExpenseArgs, DeleteExpenseArgs, SubmitExpensesArgs)
"""A consultant's expense lines, each run by the service function of its HTTP twin."""
DAYS_OR_REJECTED = (SetDayArgs, MutationResult)
"""A batch of these is pushed the one-trip way (`SyncService._push_days`)."""
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


_SET_DAYS = TypeAdapter(list[SetDayArgs])


def _parse_all(mutations: Sequence[Mutation]) -> list[tuple[Mutation, Args | MutationResult]]:
    """Each mutation with its arguments, or its rejection (`_parse_mutation_args`).

    A batch of well-formed days (the hot path) is validated in one call; if any of them is not
    well-formed, each is validated on its own, so every rejection names its own fields.
    """
    if all(m.name == "set_day" for m in mutations):
        try:
            days = _SET_DAYS.validate_python([m.args for m in mutations])
        except ValidationError:
            pass
        else:
            return list(zip(mutations, days, strict=True))
    return [(m, _parse_mutation_args(m)) for m in mutations]


class SyncService:
    """Push and pull for one consultant's devices."""

    def __init__(self, *, clock: Clock) -> None:
        self.clock = clock

    async def sync(self, actor: Actor, request: SyncRequest) -> SyncAnswer:
        if request.protocol != PROTOCOL_VERSION:
            raise ProtocolNotSupported(
                f"protocol {request.protocol} is not supported; this server speaks "
                f"{PROTOCOL_VERSION}: update the app",
                errors=(
                    FieldError("protocol", "protocol_not_supported", f"use {PROTOCOL_VERSION}"),
                ),
            )
        ensure_role(actor, *SYNC_ROLES)
        if not request.mutations:
            return await self.poll(actor, request)
        results, last, state, written = await self._push(actor, request)
        try:
            if state is None:
                state = await pull_store.poll_state(
                    person_id=actor.person_id, client_id=request.client_id
                )
            cookie = request.cookie
            return await self.pull(
                actor,
                cookie,
                state=state,
                results=results,
                last_mutation_id=last,
                limit=request.limit,
                known=_known_from_results(request, results),
                # A device up to date before its push: the page is what the push wrote.
                written=written.page
                if written is not None
                and written.page is not None
                and cookie is not None
                and cookie.after is None
                and cookie.sid == state.server_id
                and cookie.v == written.base_version
                else None,
            )
        except Exception:
            # The push is committed: answering 5xx would deny it. Its results go back now and
            # the device pulls again from where it was (has_more), or from scratch.
            logger.exception("sync: the pull failed after a committed push; results sent alone")
            return self.results_alone(request, results=results, last_mutation_id=last)

    async def poll(self, actor: Actor, request: SyncRequest) -> SyncAnswer:
        """A pull-only request: one statement for the database's id, the consultant's version
        and the device's row; an up-to-date device is answered from it alone. Nothing is
        written, so polls never queue behind pushes; acknowledged results are pruned by the
        device's next push."""
        state = await pull_store.poll_state(person_id=actor.person_id, client_id=request.client_id)
        if state.client is not None and state.client[0] != actor.person_id:
            raise Forbidden("this client id belongs to another person's device")
        return await self.pull(
            actor,
            request.cookie,
            state=state,
            last_mutation_id=0 if state.client is None else state.client[1],
            limit=request.limit,
        )

    def results_alone(
        self, request: SyncRequest, *, results: Sequence[Result], last_mutation_id: int
    ) -> SyncAnswer:
        """A response carrying a committed push's results and no pull: the device's cookie is
        echoed (or, without one, a cookie no database has, so the next pull is a full one)."""
        now_ms = _ms(self.clock())
        return SyncAnswer(
            SyncResponse(
                last_mutation_id=last_mutation_id,
                results=[],
                reset=False,
                cookie=request.cookie or Cookie(sid=NO_SERVER, v=0),
                has_more=True,
                days=[],
                months=[],
                overwrites=[],
                server_hlc=Hlc(wall_ms=now_ms, counter=0, node=SERVER_NODE).encode(),
                server_time_ms=now_ms,
            ),
            results=results,
        )

    async def push(self, actor: Actor, request: SyncRequest) -> tuple[list[MutationResult], int]:
        results, last, _, _ = await self._push(actor, request)
        return models(results), last

    async def _push(
        self, actor: Actor, request: SyncRequest
    ) -> tuple[list[Result], int, pull_store.PollState | None, Written | None]:
        """The push's results, the device's last processed mutation id and, when the push's
        transaction read them, what the pull after it starts from (the database's id and the
        version the push left; else None, and the pull reads them) and what it wrote."""
        person_id = actor.person_id
        if not request.mutations:
            # A pull-only request changes nothing: no write lock, so polls never queue behind
            # pushes. Acknowledged results are pruned by the device's next push.
            client = await store.get_client(request.client_id)
            if client is not None and client[0] != person_id:
                raise Forbidden("this client id belongs to another person's device")
            return [], 0 if client is None else client[1], None, None
        parsed_all = _parse_all(request.mutations)
        if all(isinstance(a, DAYS_OR_REJECTED) for _, a in parsed_all):
            try:
                return await self._push_days(actor, request, parsed_all)
            except NotPlanned:
                # Rolled back: a command needed what the plan had not read. The ordinary way.
                logger.warning("sync: a push of days left its plan; pushed the ordinary way")
        records = await repo.missions_of(person_id)
        spaces = await _spaces_to_lock(person_id, request.mutations)
        async with write_transaction():
            tx = MonthTx(
                actor=actor, now=self.clock(), device=request.client_id, subscribers=REACTIONS
            )
            tx.know_missions(person_id, records)
            # Every version lock this push may need, in id order, before anything else (the
            # audit chain's lock included): two pushes never wait on each other in a cycle.
            await tx.lock(*spaces)
            client = await store.get_client(request.client_id)
            if client is None:
                await store.create_client(
                    client_id=request.client_id, person_id=person_id, now=tx.now
                )
                client = (person_id, 0)
            owner, last = client
            if owner != person_id:
                raise Forbidden("this client id belongs to another person's device")
            replayed = await store.outcomes(
                request.client_id, [m.id for m in request.mutations if m.id <= last]
            )
            fresh = _fresh(request.mutations, last)
            fresh_ids = {m.id for m in fresh}
            parsed = [(m, a) for m, a in parsed_all if m.id in fresh_ids]
            # What the batch's own days and months need, read in one query each.
            dates = [a.date for _, a in parsed if isinstance(a, SetDayArgs)]
            await tx.read_months(
                person_id,
                [d[:7] for d in dates]
                + [a.month for _, a in parsed if isinstance(a, SubmitMonthArgs)],
            )
            await tx.read_days(person_id, _valid_dates(dates))
            fresh_results = models(await _run_batch(tx, actor, parsed))
            await tx.flush()
            if fresh:
                last = fresh[-1].id
                await store.store_outcomes(
                    request.client_id, [(r.id, stored_json(r)) for r in fresh_results]
                )
            await store.update_client(
                client_id=request.client_id, last_mutation_id=last, now=tx.now
            )
            await store.prune_outcomes(request.client_id, min(request.ack_through, last))
        results: list[Result] = [
            MutationResult.model_validate(replayed[m.id])
            for m in request.mutations
            if m.id in replayed
        ]
        return results + fresh_results, last, None, None

    async def _push_days(
        self,
        actor: Actor,
        request: SyncRequest,
        parsed_all: Sequence[tuple[Mutation, Args | MutationResult]],
    ) -> tuple[list[Result], int, pull_store.PollState | None, Written]:
        """A batch of days (the hot path: a month at the close, a new phone's year): the same
        batch loop and `set_day` command as `push`, planned on what one database trip reads
        and writing in that same trip (`server.storage.push_store`, one hop on SQLite).

        The pull after it starts from what the trip knows: the database's id and the version
        it committed (or found, if nothing changed). Every version up to it has committed
        (versions are handed out under the lock), so that is all a pull needs; a push of
        another device that commits meanwhile is pulled next time (sync-protocol.md §3.4)."""
        person_id = actor.person_id
        now = self.clock()
        dates = _valid_dates([a.date for _, a in parsed_all if isinstance(a, SetDayArgs)])
        months = sorted(f"{y:04d}-{m:02d}" for y, m in {(d.year, d.month) for d in dates})
        answer: list[tuple[list[Result], int, pull_store.PollState | None, Written]] = []

        def decide(reads: push_store.PushReads) -> push_store.PushWrites:
            # Runs inside the database trip (on SQLite, the writer's thread): no awaiting.
            owner, last = reads.client or (person_id, 0)
            if owner != person_id:
                raise Forbidden("this client id belongs to another person's device")
            fresh = _fresh(request.mutations, last)
            tx = MonthTx.planned(
                actor=actor,
                now=now,
                device=request.client_id,
                reads=reads,
                months=months,
                dates=dates,
            )
            fresh_ids = {m.id for m in fresh}
            results = complete_now(
                _run_batch(tx, actor, [(m, a) for m, a in parsed_all if m.id in fresh_ids])
            )
            complete_now(tx.flush())
            writes = tx.writes
            assert writes is not None
            if fresh:
                last = fresh[-1].id
                writes.outcomes = [(r.id, stored_json(r)) for r in results]
            writes.last_mutation_id = last
            writes.prune_through = min(request.ack_through, last)
            replayed: list[Result] = [
                MutationResult.model_validate(reads.replayed[m.id])
                for m in request.mutations
                if m.id in reads.replayed
            ]
            version = reads.base_version if writes.version is None else writes.version
            state = (
                None
                if reads.server_id is None
                else pull_store.PollState(
                    server_id=reads.server_id, version=version, client=(person_id, last)
                )
            )
            written = Written(base_version=reads.base_version, page=_written_page(writes))
            answer.append((replayed + results, last, state, written))
            return writes

        await push_store.run_push(
            person_id=person_id,
            client_id=request.client_id,
            mutation_ids=[m.id for m in request.mutations],
            months=months,
            dates=dates,
            now=now,
            decide=decide,
        )
        [(results, last, state, written)] = answer
        return results, last, state, written

    async def pull(
        self,
        actor: Actor,
        cookie: Cookie | None,
        *,
        state: pull_store.PollState,
        results: Sequence[Result] = (),
        last_mutation_id: int = 0,
        limit: int = 500,
        known: Known | None = None,
        written: pull_store.Page | None = None,
    ) -> SyncAnswer:
        """One page of what changed after the cookie (sync-protocol.md §3.3.1, §3.5).

        `state` is the database's id and the consultant's version V, read before the page:
        the page holds only rows with version ≤ V. `known` names the rows this response's
        results already give the device: they are left out of the page (the cursor still moves
        past them). Months and overwrites come with the last page only: it reads them up to the
        newest version, so a month changed while the pages were read is in it, where a first
        page could not promise that. The items come from storage already as JSON.

        `written`: the page as a push that just committed wrote it (`Written`), for a device
        whose cookie stood at the version the push started from: not read again.
        """
        sid = state.server_id or await store.server_id()
        upto = state.version
        reset = cookie is None or cookie.sid != sid or cookie.v > upto
        since = 0 if reset or cookie is None else cookie.v
        after = None
        if not reset and cookie is not None and cookie.after is not None:
            after = (cookie.after[0], dt.date.fromisoformat(cookie.after[1]))
        # The page's days that the results do not give the device, once filtered (`Known`).
        unknown: list[pull_store.DayItem] | None = None
        # An up-to-date device (the 30-second poll): nothing can lie in (since, upto].
        if since == upto and after is None:
            page = pull_store.Page(days=[], months=[], overwrites=[])
        else:
            own = _own_days(known)
            page = (
                written
                if written is not None
                else await pull_store.page(
                    person_id=actor.person_id,
                    since=since,
                    after=after,
                    upto=upto,
                    limit=limit + 1,
                    own=own,
                )
            )
            if own is not None and known is not None:
                given = known.days
                unknown = [d for d in page.days if (d.date, d.version, d.by_client) not in given]
                if any(d.json is None for d in unknown):
                    # A day of the device's at that version that no result gives it: read it
                    # whole.
                    page = await pull_store.page(
                        person_id=actor.person_id,
                        since=since,
                        after=after,
                        upto=upto,
                        limit=limit + 1,
                    )
                    unknown = None
        days = page.days
        has_more = len(days) > limit
        if has_more:
            days = days[:limit]
            next_cookie = Cookie(sid=sid, v=since, after=(days[-1].version, days[-1].date))
            months, overwrites = [], []
            unknown = None
        else:
            next_cookie = Cookie(sid=sid, v=upto)
            months, overwrites = page.months, page.overwrites
        if known is not None:
            if unknown is None:
                unknown = [d for d in days if (d.date, d.version, d.by_client) not in known.days]
            days = unknown
            months = [
                m for m in months if (m.month, m.status, m.epoch, m.version) not in known.months
            ]
        now_ms = _ms(self.clock())
        return SyncAnswer(
            SyncResponse(
                last_mutation_id=last_mutation_id,
                results=[],
                reset=reset and after is None,
                cookie=next_cookie,
                has_more=has_more,
                days=[],
                months=[],
                overwrites=[],
                server_hlc=Hlc(wall_ms=now_ms, counter=0, node=SERVER_NODE).encode(),
                server_time_ms=now_ms,
            ),
            results=results,
            days=[d.json for d in days if d.json is not None],  # none is None (see above)
            months=[m.json for m in months],
            overwrites=overwrites,
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


def _fresh(mutations: Sequence[Mutation], last: int) -> list[Mutation]:
    """The mutations after ``last``, in order, up to the first gap (the device resends from
    ``last_mutation_id + 1``)."""
    fresh: list[Mutation] = []
    for mutation in mutations:
        if mutation.id <= last:
            continue
        if mutation.id != last + 1 + len(fresh):
            break
        fresh.append(mutation)
    return fresh


async def _run_batch(
    tx: MonthTx, actor: Actor, parsed: Sequence[tuple[Mutation, Args | MutationResult]]
) -> list[Result]:
    """Each fresh mutation through its month command, in order, on one transaction."""
    results: list[Result] = []
    consultant = actor.has(Role.CONSULTANT)
    for mutation, args in parsed:
        if consultant and type(args) is SetDayArgs:
            # The hot path first (a push is mostly days): what the chain below decides for it.
            results.append(await _set_day(tx, actor, mutation.id, args))
        elif isinstance(args, MutationResult):
            results.append(args)
        elif isinstance(args, OWN_MONTH_KINDS) and not actor.has(Role.CONSULTANT):
            results.append(
                MutationResult(
                    id=mutation.id,
                    status="rejected",
                    reason="forbidden",
                    detail="only a consultant has a CRA to edit or submit",
                )
            )
        elif isinstance(args, RequestLeaveArgs | CancelLeaveArgs):
            results.append(await _leave(tx, actor, mutation.id, args))
        elif isinstance(args, EXPENSE_KINDS):
            results.append(await _expense(tx, actor, mutation.id, args))
        elif isinstance(args, SetDayArgs):
            results.append(await _set_day(tx, actor, mutation.id, args))
        else:
            results.append(await _circuit(tx, actor, mutation.id, args))
    return results


def _valid_dates(texts: Sequence[str]) -> list[dt.date]:
    valid = []
    for text in texts:
        try:
            valid.append(dt.date.fromisoformat(text))
        except ValueError:
            continue
    return valid


async def _set_day(tx: MonthTx, actor: Actor, mutation_id: int, args: SetDayArgs) -> Result:
    """A queued day, through the one `set_day` command; its verdict as the device's result."""
    assert tx.device is not None
    result = await commands.set_day(tx, actor, commands.DeviceDay(args=args, client_id=tx.device))
    if result.status == "rejected":
        return MutationResult(
            id=mutation_id,
            status="rejected",
            reason=result.reason,
            detail=result.detail,
            month=month_state(result.month) if result.month else None,
        )
    if result.status == "superseded":
        assert result.current is not None
        return MutationResult(
            id=mutation_id,
            status="superseded",
            detail=result.detail,
            current=day_state(result.current),
        )
    assert result.hlc is not None and result.version is not None
    return AppliedDay(mutation_id, result.hlc, result.version)


CIRCUIT_KINDS: dict[type[Args], tuple[Action, str]] = {
    SubmitMonthArgs: (Action.SUBMIT, "submit"),
    WithdrawMonthArgs: (Action.WITHDRAW, "withdraw"),
    ApproveMonthArgs: (Action.APPROVE, "approve"),
    SendBackMonthArgs: (Action.SEND_BACK, "send_back"),
}
"""Each queued circuit mutation, and the month command it runs."""


async def _leave(
    tx: MonthTx, actor: Actor, mutation_id: int, args: RequestLeaveArgs | CancelLeaveArgs
) -> MutationResult:
    """A leave request or cancellation queued on the phone, decided as the HTTP one is
    (server.services.leave), inside this push's database transaction: a refusal is this
    mutation's rejection with the same code, and a retried batch replays the stored result."""
    await tx.flush()  # a cancellation may give days back: this push's own are written first
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
                clock=lambda: tx.now,
                device=tx.device,
            )
        else:
            row = await leave.cancel(actor, args.id, clock=lambda: tx.now, device=tx.device)
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
        # The days it gave back were written by the day command in a transaction of their own
        # (nested in this one), at versions above ours: read the space again before going on.
        await tx.reload(actor.person_id)
    return MutationResult(id=mutation_id, status="applied", detail=row.status)


async def _expense(
    tx: MonthTx,
    actor: Actor,
    mutation_id: int,
    args: FileExpenseArgs | EditExpenseArgs | DeleteExpenseArgs | SubmitExpensesArgs,
) -> MutationResult:
    """An expense line filed, changed or deleted on the phone, or the month's drafts handed in,
    perhaps offline, by the same service function as the HTTP route
    (server.services.expense_reports), inside this push's transaction. A refusal is this
    mutation's rejection: `reason` the field's code, `detail` "<field>: <why>", so the phone
    shows it next to that field (or that line)."""
    detail = "draft"
    try:
        if isinstance(args, DeleteExpenseArgs):
            detail = await _delete_line(actor, args.id)
        elif isinstance(args, SubmitExpensesArgs):
            count = await expense_reports.submit(actor=actor, month=args.month, now=tx.now)
            detail = f"submitted {count}"
        elif isinstance(args, EditExpenseArgs):
            await expense_reports.update_line(
                actor=actor, line_id=args.id, new=_line_input(args), now=tx.now
            )
        else:
            await expense_reports.create_line(
                actor=actor, new=_line_input(args), now=tx.now, line_id=args.id
            )
    except ValueError as error:  # a date that is not a calendar date
        return MutationResult(
            id=mutation_id, status="rejected", reason="invalid_args", detail=f"spent_on: {error}"
        )
    except DomainError as error:
        first = error.errors[0] if error.errors else None
        return MutationResult(
            id=mutation_id,
            status="rejected",
            reason=first.code if first else error.code,
            detail=f"{first.field}: {first.message}" if first else error.message,
        )
    return MutationResult(id=mutation_id, status="applied", detail=detail)


async def _delete_line(actor: Actor, line_id: str) -> str:
    """A line deleted from the phone. One it has not got (filed and deleted on the phone before
    it was sent: the phone turns the queued filing into this deletion in place, as the ids it
    sends must follow each other) is gone already: nothing to do, not a refusal to show."""
    try:
        await expense_reports.delete_line(actor=actor, line_id=line_id)
    except NotFound:
        return "absent"
    return "deleted"


def _line_input(args: FileExpenseArgs | EditExpenseArgs) -> expense_reports.LineInput:
    return expense_reports.LineInput(
        spent_on=dt.date.fromisoformat(args.spent_on),
        mission_id=args.mission_id,
        category=args.category,
        vat_lines=[(v.rate_bp, v.gross_cents) for v in args.vat_lines],
        distance_km=args.distance_km,
        fiscal_power=args.fiscal_power,
        electric=args.electric,
        comment=args.comment,
        receipts=list(args.receipts),
    )


async def _circuit(
    tx: MonthTx,
    actor: Actor,
    mutation_id: int,
    args: SubmitMonthArgs | WithdrawMonthArgs | ApproveMonthArgs | SendBackMonthArgs,
) -> MutationResult:
    """A submission, withdrawal, approval or send-back queued offline, decided by the same
    command as the online one, inside this push's transaction: its result is stored with its
    effect, so a retried batch replays it."""
    action, name = CIRCUIT_KINDS[type(args)]
    try:
        month = MonthKey.parse(args.month)
    except InvalidMonth as error:  # a per-mutation rejection, never a 4xx
        if isinstance(args, SubmitMonthArgs):
            return MutationResult(
                id=mutation_id, status="rejected", reason="invalid_args", detail=str(error)
            )
        return MutationResult(
            id=mutation_id, status="rejected", reason="invalid_input", detail=str(error)
        )
    if isinstance(args, SubmitMonthArgs):
        assert tx.device is not None
        command_args = commands.CircuitArgs(
            consultant_id=actor.person_id,
            month=month,
            version=None,
            review=commands.DeviceReview(
                epoch=args.epoch, reviewed_version=args.reviewed_version, client_id=tx.device
            ),
        )
    elif isinstance(args, WithdrawMonthArgs):
        command_args = commands.CircuitArgs(
            consultant_id=actor.person_id, month=month, version=args.version
        )
    elif isinstance(args, SendBackMonthArgs):
        command_args = commands.CircuitArgs(
            consultant_id=args.consultant_id,
            month=month,
            version=args.version,
            comment=args.comment,
        )
    else:
        command_args = commands.CircuitArgs(
            consultant_id=args.consultant_id, month=month, version=args.version
        )
    try:
        result: commands.MonthResult = await commands.COMMANDS[name](tx, actor, command_args)
    except commands.DeviceRefused as refused:
        return MutationResult(
            id=mutation_id,
            status="rejected",
            reason=refused.reason,
            detail=refused.message,
            month=month_state(refused.month) if refused.month else None,
        )
    except DomainError as error:
        refusal = await commands.refusal(tx, actor, command_args, action, error)
        if refusal is not None:
            tx.queue(refusal)
        if isinstance(args, SubmitMonthArgs):
            # The month's state went with a submission's refusal (the device shows why).
            row = await tx.month(actor.person_id, str(month))
            return MutationResult(
                id=mutation_id,
                status="rejected",
                reason="no_circuit",
                detail=error.message,
                month=month_state(row) if row else None,
            )
        return MutationResult(
            id=mutation_id, status="rejected", reason=error.code, detail=error.message
        )
    return MutationResult(id=mutation_id, status="applied", month=result.month)


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
