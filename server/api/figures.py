"""The direction's figures (`/api/v1/figures/...`), their exports, settings and daily costs.

Every figure takes the same query: ``from`` and ``to`` (``YYYY-MM``, both included; by default
the 12 months ending with the current one), and optionally ``team`` (a manager's id),
``consultant`` and ``client`` to narrow it. Who sees what is decided by
`server.services.figures` (the authorization matrix tests it).
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal, TypeAlias
from uuid import UUID

from litestar import Controller, Response, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from pydantic import Field

from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems, produces
from server.api.schemas import Wire
from server.domain.errors import FieldError, InvalidInput
from server.services import figure_exports as exports
from server.services import figures as service
from sync.wire import Count, SmallCount

From = Annotated[
    str | None,
    QueryParameter(
        name="from", description="First month, YYYY-MM (default: 11 months before `to`)"
    ),
]
To = Annotated[str | None, Parameter(description="Last month, YYYY-MM (default: this month)")]
Team = Annotated[str | None, Parameter(description="A manager's id: their direct reports")]
Consultant = Annotated[str | None, Parameter(description="One consultant's id")]
Client = Annotated[str | None, Parameter(description="A client's id")]

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIGURES: dict[str, Callable[[service.Context], Awaitable[object]]] = {
    "tace": service.tace,
    "intercontrat": service.intercontrat,
    "month-close": service.month_close,
    "first-time-right": service.first_time_right,
    "billing": service.billing,
    "revenue": service.revenue,
    "months": service.consultant_months,
}
FigureName = Literal[
    "tace", "intercontrat", "month-close", "first-time-right", "billing", "revenue", "months"
]


async def provide_context(
    session: SessionDep,
    clock: ClockDep,
    start: From = None,
    to: To = None,
    team: Team = None,
    consultant: Consultant = None,
    client: Client = None,
) -> service.Context:
    """The checked scope and period of a figure request (the query string every figure takes)."""
    query = service.Query(start=start, end=to, team=team, consultant=consultant, client=client)
    return await service.context(session.actor, query, clock)


ContextDep: TypeAlias = NamedDependency[service.Context]


class FigureController(Controller):
    path = "/figures"
    tags = ["figures"]
    dependencies = {"context": Provide(provide_context)}

    @get("/tace", operation_id="getTace", opt=problems(403))
    async def tace(self, context: ContextDep) -> service.TaceDoc:
        """TACE: produced ÷ available days (foreseeable absences excluded), per month with its
        rolling 12 months, and over the period per team, client and consultant."""
        return await service.tace(context)

    @get("/intercontrat", operation_id="getIntercontrat", opt=problems(403))
    async def intercontrat(self, context: ContextDep) -> service.IntercontratDoc:
        """Intercontrat days and their cost; people between missions today and since when;
        missions ending within 30 and 60 days."""
        return await service.intercontrat(context)

    @get("/month-close", operation_id="getMonthClose", opt=problems(403))
    async def month_close(self, context: ContextDep) -> service.CloseDoc:
        """Share of months submitted on time; median and p90 days from month end to
        submitted, approved and signed; per step and approver; who is late now."""
        return await service.month_close(context)

    @get("/first-time-right", operation_id="getFirstTimeRight", opt=problems(403))
    async def first_time_right(self, context: ContextDep) -> service.FtrDoc:
        """Share of validated months that were never sent back nor reopened."""
        return await service.first_time_right(context)

    @get("/billing", operation_id="getBilling", opt=problems(403))
    async def billing(self, context: ContextDep) -> service.BillingDoc:
        """Days from month end to invoice and to payment, DSO (administrators, whole firm or a
        client), and the cash waiting on CRAs per stage."""
        return await service.billing(context)

    @get("/revenue", operation_id="getRevenue", opt=problems(403))
    async def revenue(self, context: ContextDep) -> service.RevenueDoc:
        """Revenue (days × TJM, delivered milestones), cost (days × daily cost) and margin,
        per month, client, mission and consultant."""
        return await service.revenue(context)

    @get("/summary", operation_id="getFigureSummary", opt=problems(403))
    async def summary(self, context: ContextDep) -> service.SummaryDoc:
        """Every figure of the dashboard in one answer: TACE, intercontrat, month close,
        first-time-right, billing and revenue, each the document of its own endpoint (same
        scope, period and rights), computed from one read of the projection."""
        return await service.summary(context)

    @get("/months", operation_id="getFigureMonths", opt=problems(403))
    async def months(self, context: ContextDep) -> service.MonthsDoc:
        """The consultant-months a figure is made of, with every number each contributes:
        the drill-down from any figure (its days: `GET /people/{id}/months/{month}`)."""
        return await service.consultant_months(context)

    @get(
        "/{figure:str}/export",
        operation_id="exportFigure",
        opt=problems(403) | produces(CSV, XLSX),
    )
    async def export(
        self,
        figure: FromPath[str],
        context: ContextDep,
        format: Annotated[
            Literal["csv", "xlsx"], Parameter(description="csv (one table) or xlsx (all)")
        ] = "xlsx",
        table: Annotated[
            str | None, Parameter(description="For CSV: which table (default: the first)")
        ] = None,
        lang: Annotated[Literal["fr", "en"], Parameter(description="Headers' language")] = "fr",
    ) -> Response[bytes]:
        """A figure's tables as CSV (French convention with ``lang=fr``) or XLSX."""
        compute = FIGURES.get(figure)
        if compute is None:
            raise InvalidInput(
                "no such figure",
                errors=(FieldError("figure", "unknown", "one of " + ", ".join(FIGURES)),),
            )
        tables = exports.tables(await compute(context))
        period = f"{context.period.first}_{context.period.last}"
        if format == "xlsx":
            return _download(
                exports.xlsx_bytes(tables, lang=lang),
                f"carnet-{figure}-{period}.xlsx",
                XLSX,
            )
        names = [t.name for t in tables]
        chosen = next((t for t in tables if t.name == (table or names[0])), None)
        if chosen is None:
            raise InvalidInput(
                "no such table in this figure",
                errors=(FieldError("table", "unknown", "one of " + ", ".join(names)),),
            )
        return _download(
            exports.csv_bytes(chosen, lang=lang),
            f"carnet-{figure}-{chosen.name}-{period}.csv",
            CSV,
        )


def _download(body: bytes, name: str, media_type: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class SettingsIn(Wire):
    """The figure settings (see `server.domain.figures.Settings`)."""

    foreseeable: list[str] = Field(description="Absence types out of the TACE's denominator")
    counted: list[str] = Field(description="CRA statuses the activity figures count")
    grace_days: SmallCount = Field(description="Days after month end a submission is on time")
    wait_alert_days: SmallCount = Field(description="Days on one approver before a month is late")
    dso_days: SmallCount = Field(description="Window of the DSO, in days")


class FigureSettingsController(Controller):
    path = "/figures/settings"
    tags = ["figures"]

    @get(operation_id="getFigureSettings", opt=problems(403))
    async def read(self, session: SessionDep) -> service.SettingsOut:
        """The organisation's figure settings."""
        return await service.read_settings(session.actor)

    @put(operation_id="setFigureSettings", opt=problems(403))
    async def write(self, data: JSONBody[SettingsIn], session: SessionDep) -> service.SettingsOut:
        """Change the figure settings (administrators); the figures are recomputed."""
        return await service.write_settings(
            session.actor, service.SettingsOut(**data.model_dump())
        )


class DailyCostIn(Wire):
    from_month: str = Field(description="YYYY-MM: the first month this cost applies to")
    daily_cost_cents: Count = Field(description="Loaded cost of a worked day, in cents")


class DailyCostController(Controller):
    path = "/people/{person_id:uuid}/daily-costs"
    tags = ["figures"]

    @get(operation_id="listDailyCosts", opt=problems(403))
    async def read(
        self, person_id: FromPath[UUID], session: SessionDep
    ) -> list[service.DailyCostOut]:
        """A consultant's daily costs, oldest first (administrators)."""
        return await service.daily_costs(session.actor, str(person_id))

    @put(operation_id="setDailyCost", opt=problems(403))
    async def write(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[DailyCostIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> list[service.DailyCostOut]:
        """Record a consultant's daily cost from a month on (administrators)."""
        return await service.set_daily_cost(
            session.actor,
            str(person_id),
            from_month=data.from_month,
            daily_cost_cents=data.daily_cost_cents,
            now=clock(),
        )
