"""CRA months: the list a person may see, one month, and writing one day."""

from uuid import UUID

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody

from server.api import convert
from server.api import schemas as s
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems
from server.api.params import DayPath, MonthPath
from server.api.token_auth import token_scope
from server.domain.integrations import Scope
from server.services import timesheets
from server.services.timesheets import read_month


class MonthController(Controller):
    tags = ["months"]

    @get("/months", operation_id="listMonths", opt=token_scope(Scope.MONTHS_READ))
    async def list(self, session: SessionDep) -> list[s.MonthSummary]:
        return [
            convert.month_summary(t, p) for t, p in await timesheets.list_months(session.actor)
        ]

    @get(
        "/people/{person_id:uuid}/months/{month:str}",
        operation_id="getMonth",
        opt={**problems(422), **token_scope(Scope.MONTHS_READ)},
    )
    async def read(
        self, person_id: FromPath[UUID], month: MonthPath, session: SessionDep
    ) -> s.MonthOut:
        view = await read_month(session.actor, consultant_id=str(person_id), month_text=month)
        return convert.month(view)

    @put(
        "/people/{person_id:uuid}/months/{month:str}/days/{day:str}",
        operation_id="putDay",
        opt=problems(409, 422),
    )
    async def put_day(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        day: DayPath,
        data: JSONBody[s.DayIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.MonthOut:
        """Replace one day (`YYYY-MM-DD`) whole; the day rules of `sync/` decide what is valid."""
        view = await timesheets.write_day(
            session.actor,
            consultant_id=str(person_id),
            month_text=month,
            day_text=day,
            lines=[(line.line, line.half_days) for line in data.lines],
            comment=data.comment,
            clock=clock,
        )
        return convert.month(view)
