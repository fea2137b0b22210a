"""The team board over HTTP: where every consultant of the manager's scope stands this month."""

from litestar import Controller, get, post
from litestar.params import JSONBody

from server.api import convert
from server.api import schemas as s
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems
from server.api.params import MonthPath
from server.services import team


class TeamController(Controller):
    tags = ["team"]

    @get("/team/months/{month:str}", operation_id="teamMonth", opt=problems(403, 422))
    async def month(self, month: MonthPath, session: SessionDep) -> s.TeamMonthOut:
        """Every consultant a manager manages (an administrator: the organisation's), with
        their month's status, working days filled of those expected, half-filled days and
        whose move it is; also those who never opened the month. Others: 403."""
        return convert.team_month(await team.team_month(session.actor, month_text=month))

    @post(
        "/team/months/{month:str}/reminders",
        operation_id="remindConsultant",
        opt=problems(404, 409, 422),
    )
    async def remind(
        self,
        month: MonthPath,
        data: JSONBody[s.ReminderIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.ReminderOut:
        """Remind a consultant of the board whose move it is (not started, draft, sent back):
        a notification through the outbox, one per consultant, month and day (409
        ``already_reminded`` after that); 409 ``not_waiting_on_consultant`` once handed in."""
        done = await team.remind(
            session.actor, month_text=month, consultant_id=str(data.consultant_id), clock=clock
        )
        return s.ReminderOut(
            consultant_id=done.consultant_id,
            month=done.month,
            status=done.status,
            at=done.at,
        )
