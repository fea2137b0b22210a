"""The team board over HTTP: where every consultant of the manager's scope stands this month."""

from litestar import Controller, get

from server.api import convert
from server.api import schemas as s
from server.api.deps import SessionDep
from server.api.openapi import problems
from server.api.params import MonthPath
from server.services import team


class TeamController(Controller):
    tags = ["team"]

    @get("/team/months/{month:str}", operation_id="teamMonth", opt=problems(422))
    async def month(self, month: MonthPath, session: SessionDep) -> s.TeamMonthOut:
        """Every consultant a manager manages (an administrator: the organisation's), with
        their month's status, working days filled of those expected, half-filled days and
        whose move it is; also those who never opened the month. Others: 403."""
        return convert.team_month(await team.team_month(session.actor, month_text=month))
