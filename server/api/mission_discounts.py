"""A mission's standing discount, applied to each of its pre-invoices (administrators only)."""

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody
from pydantic import Field, StringConstraints

from server.api.deps import ClockDep, SessionDep
from server.api.invoicing_schemas import Cents
from server.api.openapi import problems
from server.api.schemas import Stripped, Wire
from server.domain import invoicing as inv
from server.domain.access import ensure_role
from server.domain.roles import Role
from server.services import invoicing as billing
from sync.wire import Printable, SafeInt, Whole


class MissionDiscountIn(Wire):
    """A percentage or an amount per pre-invoice (not both), with its reason; both null
    removes the discount."""

    percent_bp: Annotated[int, Whole(ge=1, le=10_000)] | None = Field(
        default=None, description="Basis points of the mission's line: 750 is 7,5 %."
    )
    amount_cents: Cents | None = Field(
        default=None, description="Cents off each pre-invoice of the mission (excl. VAT)."
    )
    reason: Annotated[str, StringConstraints(max_length=500), Printable, Stripped] = ""


class MissionDiscountOut(Wire):
    percent_bp: SafeInt | None
    amount_cents: SafeInt | None
    reason: str


def _out(discount: inv.MissionDiscount) -> MissionDiscountOut:
    return MissionDiscountOut(
        percent_bp=discount.percent_bp,
        amount_cents=discount.amount_cents,
        reason=discount.reason,
    )


class MissionDiscountController(Controller):
    path = "/missions/{mission_id:uuid}/discount"
    tags = ["invoicing"]

    @get(operation_id="getMissionDiscount", opt=problems(403, 404))
    async def read(self, mission_id: FromPath[UUID], session: SessionDep) -> MissionDiscountOut:
        """The mission's standing discount (both null: none)."""
        ensure_role(session.actor, Role.ADMIN)
        return _out(
            await billing.mission_discount(actor=session.actor, mission_id=str(mission_id))
        )

    @put(operation_id="setMissionDiscount", opt=problems(403, 404, 422))
    async def write(
        self,
        mission_id: FromPath[UUID],
        data: JSONBody[MissionDiscountIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> MissionDiscountOut:
        """Set or remove the mission's standing discount: each of its pre-invoices, monthly or
        milestone, gets it as a negative line after the mission's own (audited as
        `mission.discount_changed`). Refused, nothing saved: both a percentage and an amount,
        a discount without its reason. Issued invoices keep theirs; a pre-invoice where an
        amount exceeds the mission's line carries a blocking `discount_too_large`."""
        ensure_role(session.actor, Role.ADMIN)
        saved = await billing.set_mission_discount(
            actor=session.actor,
            mission_id=str(mission_id),
            discount=inv.MissionDiscount(data.percent_bp, data.amount_cents, data.reason),
            now=clock(),
        )
        return _out(saved)
