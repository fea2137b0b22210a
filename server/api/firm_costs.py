"""The month's expenses kept as the firm's cost (approved, not re-billed): list and CSV.

Administrators only; rules in `server.domain.firm_costs`.
"""

from datetime import date
from typing import Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery
from pydantic import Field

from server.api.deps import SessionDep
from server.api.openapi import problems
from server.api.schemas import Id, Wire
from server.domain import firm_costs as fc
from server.services import firm_costs as service
from sync.wire import SafeInt


class FirmCostOut(Wire):
    id: Id
    origin: Literal["claim", "recorded"] = Field(
        description="claim: a consultant's approved expense line; recorded: entered by an "
        "administrator in the billing tab with re-billing unticked."
    )
    why: Literal["internal", "not_rebilled", "unticked"] = Field(
        description="internal: no mission; not_rebilled: the mission's rule does not re-bill; "
        "unticked: recorded as not re-billed."
    )
    spent_on: date
    consultant: str
    client: str
    mission: str
    category: str
    label: str
    net_cents: SafeInt
    vat_cents: SafeInt
    gross_cents: SafeInt


class FirmCostsOut(Wire):
    month: str
    lines: list[FirmCostOut]
    net_cents: SafeInt
    vat_cents: SafeInt
    gross_cents: SafeInt


def _line(cost: fc.FirmCost) -> FirmCostOut:
    return FirmCostOut(
        id=cost.id,
        origin=cost.origin.value,
        why=cost.why.value,
        spent_on=cost.spent_on,
        consultant=cost.consultant,
        client=cost.client,
        mission=cost.mission,
        category=cost.category,
        label=cost.label,
        net_cents=cost.net_cents,
        vat_cents=cost.vat_cents,
        gross_cents=cost.gross_cents,
    )


class FirmCostController(Controller):
    path = "/firm-costs"
    tags = ["invoicing"]

    @get(operation_id="listFirmCosts", opt=problems(403, 422))
    async def list(self, month: FromQuery[str], session: SessionDep) -> FirmCostsOut:
        """The expenses of `month` (YYYY-MM, by the day spent) approved but not re-billed to a
        client: the firm's own cost (administrators only)."""
        costs = await service.firm_costs(actor=session.actor, month=month)
        total = fc.totals(costs)
        return FirmCostsOut(
            month=month,
            lines=[_line(c) for c in costs],
            net_cents=total.net_cents,
            vat_cents=total.vat_cents,
            gross_cents=total.gross_cents,
        )

    @get("/csv", operation_id="exportFirmCostsCsv", opt=problems(403, 422), media_type="text/csv")
    async def csv(self, month: FromQuery[str], session: SessionDep) -> Response[bytes]:
        """The same as CSV for the accountant (`frais-non-refactures-YYYY-MM.csv`: `;`,
        decimal comma, UTF-8 with BOM); a month with none is a 422 naming `month`."""
        name, body = await service.firm_costs_csv(actor=session.actor, month=month)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
