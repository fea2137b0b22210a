"""The month's expenses kept as the firm's cost (approved, not re-billed): list and CSV.

Administrators only. Rules and file layout: `server.domain.firm_costs`.
"""

from datetime import date

from server.domain import firm_costs as fc
from server.domain.access import ensure_role
from server.domain.csv_exports import file_bytes
from server.domain.errors import FieldError, InvalidInput
from server.domain.roles import Actor, Role
from server.services.exports import month_key
from server.storage import expenses_store, invoicing_store
from server.storage import repositories as repo


async def firm_costs(*, actor: Actor, month: str) -> list[fc.FirmCost]:
    """Approved expense lines not re-billed, and expenses recorded as not re-billed, of `month`
    (YYYY-MM, by the day spent)."""
    ensure_role(actor, Role.ADMIN)
    period = month_key(month)
    people = {p.id: p.display_name for p in await repo.list_people(actor.organisation_id)}
    missions = {m.id: m for m in await repo.list_missions(actor.organisation_id)}
    clients = {c.id: c.legal_name for c in await repo.list_clients(actor.organisation_id)}
    out: list[fc.FirmCost] = []

    def where(mission_id: str | None) -> tuple[str, str]:
        mission = missions.get(mission_id or "")
        if mission is None:
            return "", ""
        return clients.get(mission.client_id, ""), mission.title

    for claim in await expenses_store.claims_in(actor.organisation_id, str(period), ["approved"]):
        if claim["billed_expense"] is not None:
            continue
        client, title = where(claim["mission"])
        out.append(
            fc.FirmCost(
                id=claim["id"],
                origin=fc.Origin.CLAIM,
                why=fc.Why.INTERNAL if claim["mission"] is None else fc.Why.NOT_REBILLED,
                spent_on=claim["spent_on"],
                consultant=people.get(claim["consultant"], ""),
                client=client,
                mission=title,
                category=str(claim["category"]),
                label=str(claim["comment"] or ""),
                net_cents=int(claim["net_cents"]),
                vat_cents=int(claim["vat_cents"]),
            )
        )
    for row in await invoicing_store.unbilled_expenses(
        actor.organisation_id, period.first_day, period.last_day
    ):
        client, title = where(row["mission"])
        mission = missions.get(row["mission"])
        spent = row["spent_on"]
        out.append(
            fc.FirmCost(
                id=row["id"],
                origin=fc.Origin.RECORDED,
                why=fc.Why.UNTICKED,
                spent_on=spent if isinstance(spent, date) else date.fromisoformat(str(spent)),
                consultant=people.get(mission.consultant_id, "") if mission else "",
                client=client,
                mission=title,
                category=str(row["category"]),
                label=str(row["label"] or ""),
                net_cents=int(row["amount_cents"]),
                vat_cents=int(row["vat_cents"]),
            )
        )
    return fc.ordered(out)


async def firm_costs_csv(*, actor: Actor, month: str) -> tuple[str, bytes]:
    """`frais-non-refactures-AAAA-MM.csv`; a month with none is refused at `month`."""
    costs = await firm_costs(actor=actor, month=month)
    if not costs:
        raise InvalidInput(
            f"nothing to export: no expense kept as the firm's cost in {month}",
            errors=(FieldError("month", "empty_period", "no such expense this month"),),
        )
    period = month_key(month)
    return fc.file_name(str(period)), file_bytes(fc.HEADER, [fc.cells(c) for c in costs])
