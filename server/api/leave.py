"""Leave over HTTP (docs/leave.md): a consultant requests and cancels, their manager approves
or refuses with a reason, an administrator sets opening balances, adjustments and the policy."""

from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.api import leave_schemas as ls
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems
from server.domain.access import ensure_role
from server.domain.roles import Role
from server.services import exports, leave
from server.storage.leave_store import RequestRow
from sync.leave import LeavePolicy


def request_out(view: leave.RequestView) -> ls.LeaveRequestOut:
    r = view.request
    return ls.LeaveRequestOut(
        id=r.id,
        consultant_id=r.consultant_id,
        consultant_name=view.consultant_name,
        kind=r.kind,
        first_day=r.first_day,
        last_day=r.last_day,
        first_afternoon=r.first_afternoon,
        last_morning=r.last_morning,
        comment=r.comment,
        status=r.status,
        reason=r.reason,
        cost=view.cost,
        filled_days=len(r.filled),
        created_at=r.created_at,
        decided_at=r.decided_at,
    )


async def _one(row: RequestRow) -> ls.LeaveRequestOut:
    return request_out((await leave._views([row]))[0])


def policy_out(policy: LeavePolicy) -> ls.LeavePolicyIO:
    return ls.LeavePolicyIO(
        unit=policy.unit.value,
        period_month=policy.period_month,
        period_day=policy.period_day,
        rtt_mode=policy.rtt_mode.value,
        rtt_half_days_per_year=policy.rtt_half_days_per_year,
        rtt_weekly_minutes=policy.rtt_weekly_minutes,
        rtt_year_month=policy.rtt_year_month,
    )


def leave_out(mine: leave.Mine, *, adjustments: bool = True) -> ls.LeaveOut:
    """The balances and requests; the corrections (their reasons may speak of health, e.g. a
    work accident) only for the consultant themselves and administrators."""
    return ls.LeaveOut(
        balances=[
            ls.LeaveBalanceOut(
                kind=b.kind.value,
                acquired=b.acquired,
                taken=b.taken,
                planned=b.planned,
                pending=b.pending,
                remaining=b.remaining,
                lost=b.lost,
            )
            for b in mine.balances
        ],
        requests=[request_out(v) for v in mine.requests],
        policy=policy_out(mine.policy),
        period_start=mine.period_start,
        period_end=mine.period_end,
        adjustments=[
            ls.LeaveAdjustmentView(
                id=v.adjustment.id,
                kind=v.adjustment.kind,
                opening=v.adjustment.opening,
                on_day=v.adjustment.on_day,
                half_days=v.adjustment.half_days,
                reason=v.adjustment.reason,
                author_name=v.author_name,
                created_at=v.adjustment.created_at,
                notice=v.adjustment.notice,
            )
            for v in (mine.adjustments if adjustments else [])
        ],
        periods=[
            ls.LeavePeriodOut(
                reference_start=p.reference_start,
                reference_end=p.reference_end,
                taking_end=p.taking_end,
                acquired=p.acquired,
                adjusted=p.adjusted,
                taken=p.taken,
                planned=p.planned,
                carried=p.carried,
                deadline=p.deadline,
                lost=p.lost,
                remaining=p.remaining,
            )
            for p in mine.cp_periods
        ],
    )


class LeaveController(Controller):
    tags = ["leave"]

    @post(
        "/leave/requests",
        operation_id="requestLeave",
        opt=problems(403, 409, 422),
        status_code=HTTP_201_CREATED,
    )
    async def request(
        self, data: JSONBody[ls.LeaveRequestIn], session: SessionDep, clock: ClockDep
    ) -> ls.LeaveRequestOut:
        """A consultant requests leave. 422 when the dates hold no working day, end before they
        start or a mission does not allow the type; 409 ``overlaps_request`` over another
        pending or approved request, ``month_locked`` over a month already handed in,
        ``id_taken`` for an id used by another request. The same request sent twice is stored
        once."""
        row = await leave.request_leave(
            session.actor,
            leave.RequestIn(
                id=str(data.id),
                kind=data.kind,
                first_day=data.first_day,
                last_day=data.last_day,
                first_afternoon=data.first_afternoon,
                last_morning=data.last_morning,
                comment=data.comment.strip(),
            ),
            clock=clock,
        )
        return await _one(row)

    @post(
        "/leave/requests/{request_id:uuid}/cancel",
        operation_id="cancelLeave",
        opt=problems(403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def cancel(
        self, request_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> ls.LeaveRequestOut:
        """The consultant cancels their own request; an approved one gives back the CRA days it
        filled, except those typed over since (409 ``month_locked`` once a month is handed
        in)."""
        return await _one(await leave.cancel(session.actor, str(request_id), clock=clock))

    @post(
        "/leave/requests/{request_id:uuid}/approve",
        operation_id="approveLeave",
        opt=problems(403, 404, 409, 422),
        status_code=HTTP_200_OK,
    )
    async def approve(
        self, request_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> ls.LeaveRequestOut:
        """The consultant's manager (an administrator for a consultant with none) approves a
        pending request: its days fill the CRA. 409 ``not_pending`` once decided,
        ``month_locked`` when a month it covers was handed in since."""
        return await _one(await leave.approve(session.actor, str(request_id), clock=clock))

    @post(
        "/leave/requests/{request_id:uuid}/refuse",
        operation_id="refuseLeave",
        opt=problems(403, 404, 409, 422),
        status_code=HTTP_200_OK,
    )
    async def refuse(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[ls.LeaveRefuseIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> ls.LeaveRequestOut:
        """The manager refuses a request, pending or approved, with a reason (422 when blank);
        an approved one gives back what it filled."""
        row = await leave.refuse(session.actor, str(request_id), reason=data.reason, clock=clock)
        return await _one(row)

    @get("/leave/mine", operation_id="myLeave", opt=problems(403))
    async def mine(self, session: SessionDep, clock: ClockDep) -> ls.LeaveOut:
        """A consultant's balances per type (acquired, taken, planned, pending, remaining, in
        half-days) and their requests, newest first."""
        return leave_out(await leave.mine(session.actor, clock=clock))

    @get("/leave/team", operation_id="teamLeave", opt=problems(403))
    async def team(self, session: SessionDep) -> ls.LeaveTeamOut:
        """The pending requests this manager decides on (an administrator: those of
        consultants without a manager); others 403."""
        return ls.LeaveTeamOut(
            requests=[request_out(v) for v in await leave.team_pending(session.actor)]
        )

    @get("/people/{person_id:uuid}/leave", operation_id="personLeave", opt=problems(404))
    async def person(
        self, person_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> ls.LeaveOut:
        """A consultant's balances and requests, for their manager or an administrator; the
        opening balances and adjustments with their reasons for an administrator."""
        mine = await leave.of_person(session.actor, str(person_id), clock=clock)
        return leave_out(
            mine,
            adjustments=Role.ADMIN in session.actor.roles
            or str(person_id) == session.actor.person_id,
        )

    @post(
        "/people/{person_id:uuid}/leave/adjustments",
        operation_id="adjustLeave",
        opt=problems(403, 404, 422),
        status_code=HTTP_201_CREATED,
    )
    async def adjust(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[ls.LeaveAdjustmentIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> ls.LeaveAdjustmentOut:
        """An administrator sets an opening balance (counting starts on ``on_day``) or adjusts
        a balance, with a reason; both are audited."""
        new_id = await leave.adjust(
            session.actor,
            str(person_id),
            kind=data.kind,
            opening=data.opening,
            on_day=data.on_day,
            half_days=data.half_days,
            reason=data.reason,
            clock=clock,
        )
        return ls.LeaveAdjustmentOut(id=new_id)

    @post(
        "/people/{person_id:uuid}/leave/carry-notices",
        operation_id="informCarriedLeave",
        opt=problems(403, 404, 422),
        status_code=HTTP_201_CREATED,
    )
    async def inform_carry(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[ls.LeaveCarryNoticeIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> ls.LeaveAdjustmentOut:
        """An administrator records the day the consultant was informed, after their return
        from sick leave, of the paid leave carried over and its deadline (L3141-19-3): the
        carry-over's 15 months run from it. Audited, with a reason."""
        new_id = await leave.inform_carry(
            session.actor,
            str(person_id),
            informed_on=data.informed_on,
            reason=data.reason,
            clock=clock,
        )
        return ls.LeaveAdjustmentOut(id=new_id)

    @get("/leave/policy", operation_id="leavePolicy")
    async def policy(self, session: SessionDep) -> ls.LeavePolicyIO:
        """The organisation's leave policy (everyone in it may read how leave is counted)."""
        return policy_out(await leave.policy_of(session.actor.organisation_id))

    @put("/leave/policy", operation_id="setLeavePolicy", opt=problems(403, 422))
    async def set_policy(
        self, data: JSONBody[ls.LeavePolicyIO], session: SessionDep, clock: ClockDep
    ) -> ls.LeavePolicyIO:
        """An administrator sets the policy (unit, reference period, RTT agreement); audited."""
        return policy_out(
            await leave.set_policy(session.actor, data.model_dump(mode="json"), clock=clock)
        )

    @get(
        "/leave/payroll",
        operation_id="exportLeave",
        opt=problems(403, 422),
        media_type="text/csv",
    )
    async def payroll(
        self, month: FromQuery[str], session: SessionDep, codes: FromQuery[str] = ""
    ) -> Response[bytes]:
        """For payroll: the leave taken per type in a month's validated CRAs, with the CP and
        RTT balances left at its end, per consultant (CSV; `codes` maps types to rubrics as
        the payroll export's do). Administrators only."""
        ensure_role(session.actor, Role.ADMIN)
        name, body = await exports.leave_export(actor=session.actor, month=month, codes=codes)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
