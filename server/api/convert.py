"""Domain records to wire schemas."""

from server.api import schemas as s
from server.domain import model, team_board
from server.services.circuit import CircuitView
from server.services.directory import MissionEdit
from server.services.timesheets import MonthView
from sync.calendar import CalendarRegion
from sync.rules import Day, DayLine, month_totals


def person(
    p: model.Person, organisation_name: str | None = None, client_company_name: str | None = None
) -> s.PersonOut:
    return s.PersonOut(
        id=p.id,
        email=p.email,
        display_name=p.display_name,
        roles=sorted(p.roles),
        organisation_name=organisation_name,
        manager_id=p.manager_id,
        client_company_id=p.client_company_id,
        client_company_name=client_company_name,
        active=p.active,
    )


def passkey(p: model.Passkey) -> s.PasskeyOut:
    return s.PasskeyOut(
        id=p.id,
        device_name=p.device_name,
        backed_up=p.backed_up,
        created_at=p.created_at,
        last_used_at=p.last_used_at,
        revoked_at=p.revoked_at,
    )


def organisation(o: model.Organisation) -> s.OrganisationOut:
    return s.OrganisationOut(
        id=o.id,
        legal_name=o.legal_name,
        siren=o.siren,
        siret=o.siret,
        vat_number=o.vat_number,
        address=o.address,
        time_zone=o.time_zone,
        calendar_region=CalendarRegion(o.calendar_region),
    )


def client(c: model.ClientCompany) -> s.ClientOut:
    return s.ClientOut(
        id=c.id,
        legal_name=c.legal_name,
        siren=c.siren,
        vat_number=c.vat_number,
        billing_address=c.billing_address,
    )


def signer_mission(m: model.Mission) -> s.SignerMissionOut:
    """The mission without its prices, as a client signer reads it."""
    return s.SignerMissionOut(
        id=m.id,
        consultant_id=m.consultant_id,
        client_id=m.client_id,
        title=m.title,
        start_date=m.start_date,
        end_date=m.end_date,
        allowed_absences=list(m.allowed_absences),
        comments_required=m.comments_required,
        calendar_region=CalendarRegion(m.calendar_region),
        approval_steps=[
            s.ApprovalStepOut(kind=st.kind, approver_id=st.approver_id) for st in m.steps
        ],
    )


def mission(m: model.Mission) -> s.MissionOut:
    return s.MissionOut(
        **dict(signer_mission(m)),
        billing_mode=m.billing_mode,
        daily_rate_cents=m.daily_rate_cents,
        day_cap_half_days=m.day_cap_half_days,
        milestones=[
            s.MilestoneIn(label=ms.label, due_date=ms.due_date, amount_cents=ms.amount_cents)
            for ms in m.milestones
        ],
        purchase_order=m.purchase_order,
    )


def mission_from(data: s.MissionCreate) -> model.Mission:
    return model.Mission(
        id="",
        organisation_id="",
        consultant_id=str(data.consultant_id),
        client_id=str(data.client_id),
        title=data.title,
        start_date=data.start_date,
        end_date=data.end_date,
        billing_mode=data.billing_mode,
        daily_rate_cents=data.daily_rate_cents,
        day_cap_half_days=data.day_cap_half_days,
        allowed_absences=tuple(a.value for a in data.allowed_absences),
        comments_required=data.comments_required,
        calendar_region=data.calendar_region.value,
        steps=tuple(
            model.ApprovalStep(position=i, kind=st.kind, approver_id=str(st.approver_id))
            for i, st in enumerate(data.approval_steps)
        ),
        milestones=tuple(
            model.Milestone(
                position=i, label=ms.label, due_date=ms.due_date, amount_cents=ms.amount_cents
            )
            for i, ms in enumerate(data.milestones)
        ),
        purchase_order=data.purchase_order,
    )


def mission_edit(data: s.MissionUpdate) -> MissionEdit:
    return MissionEdit(
        title=data.title,
        end_date=data.end_date,
        daily_rate_cents=data.daily_rate_cents,
        allowed_absences=tuple(a.value for a in data.allowed_absences),
        comments_required=data.comments_required,
        calendar_region=data.calendar_region.value,
        steps=tuple(
            model.ApprovalStep(position=i, kind=st.kind, approver_id=str(st.approver_id))
            for i, st in enumerate(data.approval_steps)
        ),
        purchase_order=data.purchase_order,
        start_date=data.start_date,
        consultant_id=None if data.consultant_id is None else str(data.consultant_id),
        client_id=None if data.client_id is None else str(data.client_id),
        day_cap_half_days=data.day_cap_half_days,
        milestones=None
        if data.milestones is None
        else tuple(
            model.Milestone(
                position=i, label=ms.label, due_date=ms.due_date, amount_cents=ms.amount_cents
            )
            for i, ms in enumerate(data.milestones)
        ),
    )


def month(view: MonthView) -> s.MonthOut:
    t = view.timesheet
    days = [
        Day(
            date=d.date,
            lines=tuple(DayLine(line=line, half_days=half) for line, half in d.lines),
            comment=d.comment,
        )
        for d in t.days
    ]
    return s.MonthOut(
        consultant_id=view.consultant.id,
        consultant_name=view.consultant.display_name,
        month=str(view.month),
        status=t.status,
        step=t.step,
        waiting_on_id=t.waiting_on_id,
        version=t.version,
        days=[
            s.DayOut(
                date=d.date,
                lines=[s.LineIn(line=line.line, half_days=line.half_days) for line in d.lines],
                comment=d.comment,
            )
            for d in days
        ],
        calendar=[
            s.CalendarDayOut(date=c.date, weekend=c.weekend, holiday=c.holiday, working=c.working)
            for c in view.calendar
        ],
        missions=[
            s.MonthMission(
                id=m.id,
                title=m.title,
                client_id=m.client_id,
                comments_required=m.comments_required,
                start_date=m.start_date,
                end_date=m.end_date,
                calendar_region=CalendarRegion(m.calendar_region),
            )
            for m in view.missions
        ],
        totals=month_totals(days),
        working_days=sum(1 for c in view.calendar if c.working),
        circuit=None if view.circuit is None else circuit(view.circuit),
    )


def circuit(c: CircuitView) -> s.CircuitOut:
    r = c.last_return
    return s.CircuitOut(
        steps=[
            s.CircuitStepOut(
                position=st.position,
                kind=st.kind,
                approver_id=st.approver_id,
                approver_name=st.approver_name,
            )
            for st in c.steps
        ],
        step=c.step,
        waiting_on_id=c.waiting_on_id,
        waiting_on_name=c.waiting_on_name,
        waiting_on_kind=c.waiting_on_kind,
        epoch=c.epoch,
        ends_as=c.ends_as,
        last_return=None
        if r is None
        else s.MonthReturnOut(
            kind=r.kind,
            comment=r.comment,
            by_id=r.by_id,
            by_name=r.by_name,
            at=r.at,
        ),
    )


def month_summary(t: model.Timesheet, owner: model.Person) -> s.MonthSummary:
    return s.MonthSummary(
        consultant_id=owner.id,
        consultant_name=owner.display_name,
        month=t.month,
        status=t.status,
        waiting_on_id=t.waiting_on_id,
        version=t.version,
    )


def team_month(board: team_board.Board) -> s.TeamMonthOut:
    return s.TeamMonthOut(
        month=board.month,
        members=[
            s.TeamMemberOut(
                consultant_id=m.consultant_id,
                consultant_name=m.name,
                status=m.status,
                working_days=m.working_days,
                days_filled=m.days_filled,
                half_days=m.half_days,
                waits_on=m.waits_on,
                waiting_on_id=m.waiting_on_id,
                waiting_on_name=m.waiting_on_name,
                version=m.version,
                clients=list(m.clients),
            )
            for m in board.members
        ],
        counts=board.counts,
        blocking=board.blocking,
    )
