"""The direction's figures, as documents: who may see which, for which period and scope.

Each figure function checks the actor's right to the scope asked for, brings the projection up
to date (`figure_projection.refresh`), asks storage for SQL sums and hands them to the pure
functions of `server.domain.figures*`. Access (the authorization matrix tests it):

- an administrator sees the whole organisation, any team, client or consultant in it;
- a manager sees their own team (their direct reports) and nobody else: asking for another
  team or for a consultant outside theirs is answered "not found", as for any object;
- a consultant sees their own figures only;
- a client signer sees no figure (403).

Invoices belong to clients, not to teams: the invoice delays and the DSO are given for the
whole organisation (or one client) to administrators only; other scopes get them as null.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from server.domain import figures as fig
from server.domain import figures_activity as act
from server.domain import figures_close as cls
from server.domain import figures_money as money
from server.domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from server.domain.roles import Actor, Role
from server.services.clock import Clock
from server.services.figure_projection import refresh, settings_of
from server.storage import figures_store as store
from server.storage import repositories as repo
from sync.errors import InvalidMonth
from sync.months import MonthKey, MonthStatus
from sync.rules import AbsenceType

T = TypeVar("T")

MAX_ROWS = 5_000
"""Most consultant-months one drill-down answer lists."""


@dataclass(frozen=True)
class Query:
    """What a figure request asks for (the query string, not yet checked)."""

    start: str | None = None
    end: str | None = None
    team: str | None = None
    consultant: str | None = None
    client: str | None = None


@dataclass(frozen=True)
class Context:
    """A checked request: scope, period, settings and the organisation's today."""

    actor: Actor
    scope: fig.Scope
    period: fig.Period
    settings: fig.Settings
    today: date
    zone: ZoneInfo
    names: dict[str, str]

    def name(self, ident: str | None) -> str:
        return self.names.get(ident or "", "")


@dataclass(frozen=True)
class ScopeOut:
    """The scope a document covers, as resolved from the request and the actor's rights."""

    team_id: str | None
    consultant_id: str | None
    client_id: str | None
    firm: bool


def _scope_out(context: Context) -> ScopeOut:
    s = context.scope
    return ScopeOut(s.team_id, s.consultant_id, s.client_id, s.firm)


def _check_id(text: str | None, field: str) -> str | None:
    if not text:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError as error:
        raise InvalidInput(
            f"{field} must be an id", errors=(FieldError(field, "invalid_id", "a UUID"),)
        ) from error


async def context(actor: Actor, query: Query, clock: Clock) -> Context:
    """Check the actor's right to what ``query`` asks and refresh the projection."""
    if not actor.roles & {Role.ADMIN, Role.MANAGER, Role.CONSULTANT}:
        raise Forbidden("figures are for the firm's people: administrators, managers, consultants")
    org = await repo.get_organisation(actor.organisation_id)
    if org is None:
        raise NotFound("no such organisation")
    zone = ZoneInfo(org.time_zone)
    today = clock().astimezone(zone).date()
    period = fig.parse_period(first=query.start, last=query.end, today=today)
    team = _check_id(query.team, "team")
    consultant = _check_id(query.consultant, "consultant")
    client = _check_id(query.client, "client")
    people = await repo.get_people([i for i in (team, consultant) if i])
    if team is not None:
        manager = people.get(team)
        visible = manager is not None and manager.organisation_id == actor.organisation_id
        if not visible or not (actor.has(Role.ADMIN) or team == actor.person_id):
            raise NotFound("no such team")
        if Role.MANAGER not in manager.roles:  # type: ignore[union-attr]
            raise NotFound("no such team")
    if consultant is not None:
        person = people.get(consultant)
        if person is None or person.organisation_id != actor.organisation_id:
            raise NotFound("no such consultant")
        mine = person.id == actor.person_id
        in_team = actor.has(Role.MANAGER) and person.manager_id == actor.person_id
        if not (actor.has(Role.ADMIN) or mine or in_team):
            raise NotFound("no such consultant")
    if client is not None:
        found = await repo.get_client(client)
        if found is None or found.organisation_id != actor.organisation_id:
            raise NotFound("no such client")
    if not actor.has(Role.ADMIN) and consultant is None and team is None:
        if actor.has(Role.MANAGER):
            team = actor.person_id
        else:
            consultant = actor.person_id
    if team is not None and consultant is not None:
        person = people[consultant]
        if person.manager_id != team:
            raise NotFound("no such consultant in this team")
    settings = await settings_of(org.id)
    await refresh(
        organisation_id=org.id,
        time_zone=org.time_zone,
        region=org.calendar_region,
        settings=settings,
    )
    return Context(
        actor=actor,
        scope=fig.Scope(org.id, team_id=team, consultant_id=consultant, client_id=client),
        period=period,
        settings=settings,
        today=today,
        zone=zone,
        names=await store.names(org.id),
    )


def _months(context: Context, *, history: int = 0, counted: bool = True) -> store.Months:
    period = context.period.with_history(history) if history else context.period
    statuses = tuple(sorted(s.value for s in context.settings.counted)) if counted else None
    return store.Months(str(period.first), str(period.last), statuses)


def _last_due(context: Context) -> MonthKey:
    """The last month whose submission deadline has passed today."""
    month = MonthKey.of(context.today)
    while (context.today - month.last_day).days <= context.settings.grace_days:
        month = month.previous()
    return month


def group(
    rows: list[tuple[Any, T]], key: Callable[[Any], str], add: Callable[[list[T]], T]
) -> dict[str, T]:
    """Add up the sums of the rows sharing a key (members into consultants, teams, clients).

    At most a few thousand rows, each already a SQL sum; most keys (consultants) have one.
    """
    found: dict[str, list[T]] = {}
    for k, sums in rows:
        found.setdefault(key(k), []).append(sums)
    return {k: v[0] if len(v) == 1 else add(v) for k, v in found.items()}


class Reads:
    """What the figures of one request read from storage, each read at most once.

    A figure asked alone reads what it needs (``activity``: the sums the TACE and intercontrat
    need; ``close``: the counts month close and first-time-right need); the dashboard's summary
    hands the same `Reads`, with both, to its six figures, so that they share their scans of the
    projection (the sums of the months and members, the approvers' decisions) instead of
    repeating them.
    """

    def __init__(self, context: "Context", *, activity: bool = True, close: bool = True) -> None:
        self.context = context
        self.activity = activity
        self.close = close
        self._done: dict[str, Any] = {}

    async def _once(self, key: str, read: Callable[[], Awaitable[T]]) -> T:
        if key not in self._done:
            self._done[key] = await read()
        result: T = self._done[key]
        return result

    def _sums(self, months: store.Months, by: str) -> Awaitable[list[tuple[Any, store.Sums]]]:
        context = self.context
        return store.sums(
            context.scope,
            months,
            by=by,
            counted=sorted(s.value for s in context.settings.counted) if self.activity else None,
            last_due=str(_last_due(context)) if self.close else None,
        )

    async def month_sums(self, *, history: bool) -> dict[str, store.Sums]:
        """Per month of the period, and with ``history`` of the 11 months before it too (for
        the rolling TACE). Once the months with their history are read, they serve both."""
        for key in ("history",) if history else ("history", "months"):
            if key in self._done:
                found: dict[str, store.Sums] = self._done[key]
                return found
        months = _months(self.context, history=11 if history else 0, counted=False)
        found = dict(await self._sums(months, "month"))
        self._done["history" if history else "months"] = found
        return found

    async def activity_by_month(self, *, history: bool) -> dict[str, act.ActivitySums]:
        assert self.activity, "activity sums not read"
        sums = await self.month_sums(history=history)
        return {m: s.activity for m, s in sums.items() if s.activity}

    async def close_by_month(self) -> dict[str, cls.CloseSums]:
        """Per month of the period only (histograms apart: `close_delays`)."""
        assert self.close, "close counts not read"
        first = str(self.context.period.first)
        sums = await self.month_sums(history=False)
        return {m: s.close for m, s in sums.items() if s.close and m >= first}

    async def member_sums(self) -> list[tuple[store.Member, store.Sums]]:
        """Per member (consultant, team, client) over the period."""
        months = _months(self.context, counted=False)
        return await self._once("members", lambda: self._sums(months, "member"))

    async def activity_by_member(self) -> list[tuple[store.Member, act.ActivitySums]]:
        assert self.activity, "activity sums not read"
        return [(m, s.activity) for m, s in await self.member_sums() if s.activity]

    async def close_by_member(self) -> list[tuple[store.Member, cls.CloseSums]]:
        assert self.close, "close counts not read"
        return [(m, s.close) for m, s in await self.member_sums() if s.close]

    async def close_delays(self) -> dict[str, dict[str, store.Histogram]]:
        months = _months(self.context, counted=False)
        return await self._once("delays", lambda: store.close_delays(self.context.scope, months))

    async def decisions(self) -> list[store.DecisionCounts]:
        months = _months(self.context, counted=False)
        return await self._once("decisions", lambda: store.decisions(self.context.scope, months))

    async def send_backs(self) -> dict[str, tuple[int, int]]:
        """Per approver: (approvals, send-backs); added up from `decisions` once they are read."""
        if "decisions" not in self._done:
            months = _months(self.context, counted=False)
            return await store.send_backs(self.context.scope, months)
        found: dict[str, tuple[int, int]] = {}
        for d in await self.decisions():
            approved, sent_back = found.get(d.approver, (0, 0))
            found[d.approver] = (approved + d.approved, sent_back + d.sent_back)
        return found


# -- TACE ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodOut:
    start: str
    end: str


@dataclass(frozen=True)
class SettingsOut:
    foreseeable: list[str]
    counted: list[str]
    grace_days: int
    wait_alert_days: int
    dso_days: int


def settings_out(settings: fig.Settings) -> SettingsOut:
    return SettingsOut(
        foreseeable=sorted(a.value for a in settings.foreseeable),
        counted=sorted(s.value for s in settings.counted),
        grace_days=settings.grace_days,
        wait_alert_days=settings.wait_alert_days,
        dso_days=settings.dso_days,
    )


def _period(context: Context) -> PeriodOut:
    return PeriodOut(str(context.period.first), str(context.period.last))


def _lines(
    context: Context, sums: dict[str, act.ActivitySums], *, skip_empty: bool = True
) -> list[act.TaceLine]:
    lines = [
        act.tace_line(id=k, name=context.name(k), sums=s)
        for k, s in sums.items()
        if k or not skip_empty
    ]
    return sorted(lines, key=lambda line: (line.name.lower(), line.id))


@dataclass(frozen=True)
class TaceDoc:
    """TACE per month (and rolling 12 months), and over the period per team/client/consultant."""

    figure: str
    period: PeriodOut
    scope: ScopeOut
    settings: SettingsOut
    total: act.TaceLine
    months: list[act.TaceMonth]
    by_team: list[act.TaceLine]
    by_client: list[act.TaceLine]
    by_consultant: list[act.TaceLine]


async def tace(context: Context, reads: Reads | None = None) -> TaceDoc:
    reads = reads or Reads(context, close=False)
    scope = context.scope
    per_month = await reads.activity_by_month(history=True)
    members = await reads.activity_by_member()
    total = act.add_sums([s for _, s in members])
    return TaceDoc(
        figure="tace",
        period=_period(context),
        scope=_scope_out(context),
        settings=settings_out(context.settings),
        total=act.tace_line(id="", name="", sums=total),
        months=act.tace_by_month(period=context.period, sums=per_month),
        by_team=_lines(context, group(members, lambda m: m.team, act.add_sums))
        if context.actor.has(Role.ADMIN) and not scope.team_id
        else [],
        by_client=_lines(context, group(members, lambda m: m.client, act.add_sums)),
        by_consultant=_lines(context, group(members, lambda m: m.consultant, act.add_sums)),
    )


# -- intercontrat ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IntercontratLine:
    id: str
    name: str
    half_days: int
    cost_cents: int
    uncosted_half_days: int


@dataclass(frozen=True)
class IdleOut:
    consultant_id: str
    name: str
    since: date
    days: int
    next_start: date | None


@dataclass(frozen=True)
class EndingOut:
    mission_id: str
    title: str
    consultant_id: str
    name: str
    end_date: date
    days_left: int
    within_days: int
    follow_on: bool


@dataclass(frozen=True)
class IntercontratDoc:
    """Intercontrat days and cost per month and consultant; who is between missions today;
    which missions end within 30 and 60 days."""

    figure: str
    period: PeriodOut
    scope: ScopeOut
    total: IntercontratLine
    months: list[act.IntercontratMonth]
    by_consultant: list[IntercontratLine]
    between_missions: list[IdleOut]
    ending_soon: list[EndingOut]


def _intercontrat_line(k: str, name: str, s: act.ActivitySums) -> IntercontratLine:
    return IntercontratLine(
        id=k,
        name=name,
        half_days=s.intercontrat,
        cost_cents=act.cents_of_cost2(s.intercontrat_cost2),
        uncosted_half_days=s.intercontrat_uncosted,
    )


async def intercontrat(context: Context, reads: Reads | None = None) -> IntercontratDoc:
    reads = reads or Reads(context, close=False)
    scope = context.scope
    per_month = await reads.activity_by_month(history=False)
    members = await reads.activity_by_member()
    total = act.add_sums([s for _, s in members])
    per_consultant = group(members, lambda m: m.consultant, act.add_sums)
    idle = act.between_missions(
        spans=await store.idle_consultants(scope, today=context.today), today=context.today
    )
    ending = act.ending_soon(
        missions=await store.missions_ending(
            scope,
            today=context.today,
            until=context.today + timedelta(days=act.HORIZONS[-1]),
        ),
        today=context.today,
    )
    return IntercontratDoc(
        figure="intercontrat",
        period=_period(context),
        scope=_scope_out(context),
        total=_intercontrat_line("", "", total),
        months=act.intercontrat_by_month(period=context.period, sums=per_month),
        by_consultant=sorted(
            (
                _intercontrat_line(k, context.name(k), s)
                for k, s in per_consultant.items()
                if s.intercontrat
            ),
            key=lambda line: (-line.half_days, line.name),
        ),
        between_missions=[
            IdleOut(i.consultant_id, context.name(i.consultant_id), i.since, i.days, i.next_start)
            for i in idle
        ],
        ending_soon=[
            EndingOut(
                mission_id=e.mission_id,
                title=context.name(e.mission_id),
                consultant_id=e.consultant_id,
                name=context.name(e.consultant_id),
                end_date=e.end_date,
                days_left=e.days_left,
                within_days=e.within_days,
                follow_on=e.follow_on,
            )
            for e in ending
        ],
    )


# -- month close -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseMonth:
    """The close of one month: punctuality and delays to each step, over its CRAs."""

    month: str
    months: int
    submitted_count: int
    on_time: int
    on_time_share: float | None
    late_open: int
    submitted: fig.Spread
    approved: fig.Spread
    signed: fig.Spread


@dataclass(frozen=True)
class StepLine:
    """Decisions taken at one step of the circuits: outcomes, wait and delay from month end."""

    step: int
    kind: str
    approved: int
    sent_back: int
    wait: fig.Spread
    delay: fig.Spread


@dataclass(frozen=True)
class ApproverLine:
    """One approver's decisions: how many, how many sent back, how long months waited."""

    id: str
    name: str
    approved: int
    sent_back: int
    wait: fig.Spread
    delay: fig.Spread


@dataclass(frozen=True)
class LateOut:
    """A month late today: not handed in after its deadline, or waiting too long on someone.

    ``who`` is whose move it is: ``consultant`` (draft or sent back) or ``approver``.
    """

    consultant_id: str
    name: str
    month: str
    status: str
    who: str
    waiting_on_id: str | None
    waiting_on_name: str
    since: date
    days: int


@dataclass(frozen=True)
class CloseDoc:
    figure: str
    period: PeriodOut
    scope: ScopeOut
    settings: SettingsOut
    total: CloseMonth
    months: list[CloseMonth]
    steps: list[StepLine]
    approvers: list[ApproverLine]
    late_now: list[LateOut]


def _close_month(month: str, s: cls.CloseSums) -> CloseMonth:
    return CloseMonth(
        month=month,
        months=s.months,
        submitted_count=s.submitted,
        on_time=s.on_time,
        on_time_share=fig.ratio(s.on_time, s.months),
        late_open=s.late_open,
        submitted=fig.spread(dict(s.submitted_days)),
        approved=fig.spread(dict(s.approved_days)),
        signed=fig.spread(dict(s.signed_days)),
    )


def _local(instant: datetime, zone: ZoneInfo) -> date:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    return instant.astimezone(zone).date()


async def late_now(context: Context) -> list[LateOut]:
    """Who is late today in the scope (see `LateOut`), longest first."""
    scope = context.scope
    last_due = _last_due(context)
    found: list[LateOut] = []
    for m in await store.open_months(
        scope, first=str(context.period.first), last_due=str(last_due)
    ):
        since = _local(m.since, context.zone)
        waited = (context.today - since).days
        if m.status == MonthStatus.DRAFT.value:
            days = cls.is_late(
                month=MonthKey.parse(m.month),
                status=m.status,
                today=context.today,
                settings=context.settings,
            )
            if days is None:
                continue
            since = MonthKey.parse(m.month).last_day + timedelta(days=context.settings.grace_days)
            who, waited = "consultant", days
        elif waited < context.settings.wait_alert_days:
            continue
        else:
            who = "consultant" if m.status == MonthStatus.SENT_BACK.value else "approver"
        found.append(
            LateOut(
                consultant_id=m.consultant_id,
                name=context.name(m.consultant_id),
                month=m.month,
                status=m.status,
                who=who,
                waiting_on_id=m.waiting_on_id,
                waiting_on_name=context.name(m.waiting_on_id),
                since=since,
                days=waited,
            )
        )
    if last_due >= context.period.first:
        end = datetime.combine(last_due.last_day + timedelta(days=1), time(), context.zone)
        overdue = cls.is_late(
            month=last_due, status=None, today=context.today, settings=context.settings
        )
        for consultant in await store.never_opened(scope, month=str(last_due), created_before=end):
            found.append(
                LateOut(
                    consultant_id=consultant,
                    name=context.name(consultant),
                    month=str(last_due),
                    status="none",
                    who="consultant",
                    waiting_on_id=None,
                    waiting_on_name="",
                    since=last_due.last_day + timedelta(days=context.settings.grace_days),
                    days=overdue or 0,
                )
            )
    return sorted(found, key=lambda late: (-late.days, late.month, late.name))


def _merge(items: list[store.DecisionCounts]) -> tuple[int, int, dict[int, int], dict[int, int]]:
    return (
        sum(d.approved for d in items),
        sum(d.sent_back for d in items),
        fig.merge_histograms(d.wait for d in items),
        fig.merge_histograms(d.delay for d in items),
    )


def _steps(decided: list[store.DecisionCounts]) -> list[StepLine]:
    by_step: dict[tuple[int, str], list[store.DecisionCounts]] = {}
    for d in decided:
        by_step.setdefault((d.step, d.step_kind), []).append(d)
    lines = []
    for (step, kind), items in sorted(by_step.items()):
        approved, sent_back, wait, delay = _merge(items)
        lines.append(
            StepLine(step, kind, approved, sent_back, fig.spread(wait), fig.spread(delay))
        )
    return lines


def _approvers(context: Context, decided: list[store.DecisionCounts]) -> list[ApproverLine]:
    by_approver: dict[str, list[store.DecisionCounts]] = {}
    for d in decided:
        by_approver.setdefault(d.approver, []).append(d)
    lines = []
    for approver, items in by_approver.items():
        approved, sent_back, wait, delay = _merge(items)
        lines.append(
            ApproverLine(
                approver,
                context.name(approver),
                approved,
                sent_back,
                fig.spread(wait),
                fig.spread(delay),
            )
        )
    return sorted(lines, key=lambda a: (a.name.lower(), a.id))


async def month_close(context: Context, reads: Reads | None = None) -> CloseDoc:
    reads = reads or Reads(context, activity=False)
    delays = await reads.close_delays()
    per_month = {
        m: replace(
            s,
            submitted_days=delays.get(m, {}).get("submitted", ()),
            approved_days=delays.get(m, {}).get("approved", ()),
            signed_days=delays.get(m, {}).get("signed", ()),
        )
        for m, s in (await reads.close_by_month()).items()
    }
    total = cls.add_close(list(per_month.values()))
    decided = await reads.decisions()
    return CloseDoc(
        figure="month-close",
        period=_period(context),
        scope=_scope_out(context),
        settings=settings_out(context.settings),
        total=_close_month("", total),
        months=[_close_month(m, per_month.get(m, cls.CloseSums())) for m in context.period.keys],
        steps=_steps(decided),
        approvers=_approvers(context, decided),
        late_now=await late_now(context),
    )


# -- first-time-right ------------------------------------------------------------------------


@dataclass(frozen=True)
class FtrLine:
    """First-time-right of a month or a group: validated months, how many with no return."""

    id: str
    name: str
    validated: int
    first_time_right: int
    share: float | None
    send_backs: int


@dataclass(frozen=True)
class SendBackLine:
    """An approver's decisions: how many approvals and send-backs, and the send-back share."""

    id: str
    name: str
    approved: int
    sent_back: int
    share: float | None


@dataclass(frozen=True)
class FtrDoc:
    figure: str
    period: PeriodOut
    scope: ScopeOut
    total: FtrLine
    months: list[FtrLine]
    by_team: list[FtrLine]
    by_consultant: list[FtrLine]
    approvers: list[SendBackLine]


def _ftr(k: str, name: str, s: cls.CloseSums) -> FtrLine:
    return FtrLine(
        id=k,
        name=name,
        validated=s.validated,
        first_time_right=s.first_time_right,
        share=fig.ratio(s.first_time_right, s.validated),
        send_backs=s.send_backs,
    )


async def first_time_right(context: Context, reads: Reads | None = None) -> FtrDoc:
    reads = reads or Reads(context, activity=False)
    scope = context.scope
    per_month = await reads.close_by_month()
    members = await reads.close_by_member()

    def lines(sums: dict[str, cls.CloseSums]) -> list[FtrLine]:
        found = [_ftr(k, context.name(k), s) for k, s in sums.items() if k]
        return sorted(found, key=lambda line: (line.name.lower(), line.id))

    return FtrDoc(
        figure="first-time-right",
        period=_period(context),
        scope=_scope_out(context),
        total=_ftr("", "", cls.add_close(list(per_month.values()))),
        months=[_ftr(m, m, per_month.get(m, cls.CloseSums())) for m in context.period.keys],
        by_team=lines(group(members, lambda m: m.team, cls.add_close))
        if context.actor.has(Role.ADMIN) and not scope.team_id
        else [],
        by_consultant=lines(group(members, lambda m: m.consultant, cls.add_close)),
        approvers=sorted(
            (
                SendBackLine(k, context.name(k), a, b, fig.ratio(b, a + b))
                for k, (a, b) in (await reads.send_backs()).items()
            ),
            key=lambda line: (line.name.lower(), line.id),
        ),
    )


# -- billing and cash ------------------------------------------------------------------------


@dataclass(frozen=True)
class BillingDoc:
    """Billing delays and DSO (whole organisation or one client, administrators), and the cash
    waiting on CRAs (any scope)."""

    figure: str
    period: PeriodOut
    scope: ScopeOut
    settings: SettingsOut
    months: list[money.BillingMonth] | None
    dso: list[money.DsoPoint] | None
    waiting: list[money.Waiting]


async def billing(context: Context) -> BillingDoc:
    scope = context.scope
    org = scope.organisation_id
    firm_level = context.actor.has(Role.ADMIN) and not (scope.team_id or scope.consultant_id)
    last_closed = MonthKey.of(context.today).previous()
    stages = await store.waiting_cash(
        scope, last_closed=str(last_closed), first=str(context.period.first)
    )
    months = dso = None
    if firm_level:
        stages["to_issue"] = await store.pre_invoices(org, client_id=scope.client_id)
        issue, paid, amounts = await store.billing_delays(
            org,
            first=context.period.first.first_day,
            last=context.period.last.last_day,
            client_id=scope.client_id,
        )
        months = money.billing_by_month(
            period=context.period, to_invoice=issue, to_payment=paid, amounts=amounts
        )
        issued, received = await store.receivables_flows(
            org, until=context.period.last.last_day, client_id=scope.client_id
        )
        dso = money.dso(
            period=context.period,
            issued=issued,
            paid=received,
            window_days=context.settings.dso_days,
        )
    return BillingDoc(
        figure="billing",
        period=_period(context),
        scope=_scope_out(context),
        settings=settings_out(context.settings),
        months=months,
        dso=dso,
        waiting=money.waiting(sums=stages),
    )


# -- revenue and margin ----------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueDoc:
    figure: str
    period: PeriodOut
    scope: ScopeOut
    total: money.RevenueLine
    months: list[money.RevenueLine]
    by_client: list[money.RevenueLine]
    by_mission: list[money.RevenueLine]
    by_consultant: list[money.RevenueLine]


async def revenue(context: Context) -> RevenueDoc:
    scope = context.scope
    months = _months(context)
    members = await store.revenue(scope, months, by="member")

    def lines(key: Callable[[store.Member], str]) -> list[money.RevenueLine]:
        sums = group(members, key, money.add_revenue)
        found = [money.revenue_line(id=k, name=context.name(k), sums=s) for k, s in sums.items()]
        return sorted(found, key=lambda line: (-line.revenue_cents, line.name))

    return RevenueDoc(
        figure="revenue",
        period=_period(context),
        scope=_scope_out(context),
        total=money.revenue_line(id="", name="", sums=money.add_revenue([s for _, s in members])),
        months=money.revenue_by_month(
            period=context.period, sums=dict(await store.revenue(scope, months, by="month"))
        ),
        by_client=lines(lambda m: m.client),
        by_mission=lines(lambda m: m.mission),
        by_consultant=lines(lambda m: m.consultant),
    )


# -- the whole dashboard in one answer ------------------------------------------------------


@dataclass(frozen=True)
class SummaryDoc:
    """Every figure of the dashboard for one scope and period: the same documents as the six
    figure endpoints, computed from reads of the projection they share."""

    figure: str
    period: PeriodOut
    scope: ScopeOut
    tace: TaceDoc
    intercontrat: IntercontratDoc
    month_close: CloseDoc
    first_time_right: FtrDoc
    billing: BillingDoc
    revenue: RevenueDoc


async def summary(context: Context) -> SummaryDoc:
    # In this order, each read happens once: the TACE reads the months with their history,
    # which the others reuse; month close reads the decisions first-time-right adds up.
    reads = Reads(context)
    return SummaryDoc(
        figure="summary",
        period=_period(context),
        scope=_scope_out(context),
        tace=await tace(context, reads),
        intercontrat=await intercontrat(context, reads),
        month_close=await month_close(context, reads),
        first_time_right=await first_time_right(context, reads),
        billing=await billing(context),
        revenue=await revenue(context),
    )


# -- the consultant-months behind a number ---------------------------------------------------


@dataclass(frozen=True)
class MonthOut:
    """One consultant-month and every number it contributes (half-days, days, cents)."""

    consultant_id: str
    name: str
    month: str
    status: str
    team_id: str | None
    mission_id: str | None
    mission_title: str
    client_id: str | None
    client_name: str
    working_half_days: int
    billable_half_days: int
    produced_half_days: int
    available_half_days: int
    foreseeable_half_days: int
    intercontrat_half_days: int
    other_absences_half_days: int
    tace: float | None
    submitted_days: int | None
    approved_days: int | None
    signed_days: int | None
    validated_days: int | None
    on_time: bool | None
    send_backs: int
    reopens: int
    first_time_right: bool | None
    revenue_cents: int
    daily_cost_cents: int | None


@dataclass(frozen=True)
class MonthsDoc:
    """The consultant-months in the scope and period: what every figure is made of."""

    figure: str
    period: PeriodOut
    scope: ScopeOut
    rows: list[MonthOut]
    truncated: bool


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


async def consultant_months(context: Context) -> MonthsDoc:
    rows = await store.consultant_months(
        context.scope, _months(context, counted=False), limit=MAX_ROWS + 1
    )
    out = []
    for r in rows[:MAX_ROWS]:
        v = r.values
        out.append(
            MonthOut(
                consultant_id=r.consultant_id,
                name=context.name(r.consultant_id),
                month=r.month,
                status=r.status,
                team_id=r.team_id,
                mission_id=r.main_mission_id,
                mission_title=context.name(r.main_mission_id),
                client_id=r.client_id,
                client_name=context.name(r.client_id),
                working_half_days=v["working"] or 0,
                billable_half_days=v["billable"] or 0,
                produced_half_days=v["produced"] or 0,
                available_half_days=v["available"] or 0,
                foreseeable_half_days=v["foreseeable"] or 0,
                intercontrat_half_days=v["intercontrat"] or 0,
                other_absences_half_days=v["other_absences"] or 0,
                tace=fig.ratio(v["produced"] or 0, v["available"] or 0),
                submitted_days=v["submitted"],
                approved_days=v["approved"],
                signed_days=v["signed"],
                validated_days=v["validated"],
                on_time=_bool(v["on_time"]),
                send_backs=v["send_backs"] or 0,
                reopens=v["reopens"] or 0,
                first_time_right=_bool(v["first_time_right"]),
                revenue_cents=act.cents_of_cost2(v["revenue2"] or 0),
                daily_cost_cents=v["cost"],
            )
        )
    return MonthsDoc(
        figure="months",
        period=_period(context),
        scope=_scope_out(context),
        rows=out,
        truncated=len(rows) > MAX_ROWS,
    )


# -- settings and daily costs ----------------------------------------------------------------


async def read_settings(actor: Actor) -> SettingsOut:
    if not actor.roles & {Role.ADMIN, Role.MANAGER, Role.CONSULTANT}:
        raise Forbidden("figures are for the firm's people")
    return settings_out(await settings_of(actor.organisation_id))


def _enum_list(values: list[str], kind: type[StrEnum], field: str) -> frozenset[Any]:
    try:
        return frozenset(kind(v) for v in values)
    except ValueError as error:
        allowed = ", ".join(sorted(m.value for m in kind.__members__.values()))
        raise InvalidInput(
            f"{field}: unknown value", errors=(FieldError(field, "unknown", f"one of {allowed}"),)
        ) from error


async def write_settings(actor: Actor, wanted: SettingsOut) -> SettingsOut:
    """Change the organisation's figure settings (administrators)."""
    if not actor.has(Role.ADMIN):
        raise Forbidden("only an administrator changes the figure settings")
    settings = fig.Settings(
        foreseeable=_enum_list(wanted.foreseeable, AbsenceType, "foreseeable"),
        counted=_enum_list(wanted.counted, MonthStatus, "counted"),
        grace_days=wanted.grace_days,
        wait_alert_days=wanted.wait_alert_days,
        dso_days=wanted.dso_days,
    )
    out = settings_out(settings)
    await store.save_settings(
        actor.organisation_id,
        store.StoredSettings(
            foreseeable=tuple(out.foreseeable),
            counted=tuple(out.counted),
            grace_days=out.grace_days,
            wait_alert_days=out.wait_alert_days,
            dso_days=out.dso_days,
        ),
    )
    return out


@dataclass(frozen=True)
class DailyCostOut:
    from_month: str
    daily_cost_cents: int


async def _costed_person(actor: Actor, person_id: str) -> None:
    if not actor.has(Role.ADMIN):
        raise Forbidden("only an administrator sees and sets daily costs")
    person = await repo.get_person(person_id)
    if person is None or person.organisation_id != actor.organisation_id:
        raise NotFound("no such person")


async def daily_costs(actor: Actor, person_id: str) -> list[DailyCostOut]:
    await _costed_person(actor, person_id)
    return [
        DailyCostOut(c.from_month, c.daily_cost_cents) for c in await store.daily_costs(person_id)
    ]


MAX_DAILY_COST_CENTS = 1_000_000_00
"""A million euros a day: anything above is a typing error."""


async def set_daily_cost(
    actor: Actor, person_id: str, *, from_month: str, daily_cost_cents: int, now: datetime
) -> list[DailyCostOut]:
    """Record a consultant's daily cost from a month on (administrators)."""
    await _costed_person(actor, person_id)
    try:
        month = MonthKey.parse(from_month)
    except InvalidMonth as error:
        raise InvalidInput(
            "from_month must be a month",
            errors=(FieldError("from_month", "invalid_month", "a month, YYYY-MM"),),
        ) from error
    if not 0 < daily_cost_cents <= MAX_DAILY_COST_CENTS:
        raise InvalidInput(
            "the daily cost must be positive",
            errors=(
                FieldError(
                    "daily_cost_cents", "out_of_range", f"between 1 and {MAX_DAILY_COST_CENTS}"
                ),
            ),
        )
    await store.set_daily_cost(
        person_id=person_id,
        from_month=str(month),
        daily_cost_cents=daily_cost_cents,
        author_id=actor.person_id,
        now=now,
    )
    return await daily_costs(actor, person_id)
