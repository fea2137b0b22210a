"""A decision on an expense line, and where an approved line goes: one path for both circuits.

Whether a manager approves a line on its own (`expense_reports.decide`, the own circuit) or
approves the month it rides with (`server.reactions.expenses`, the month circuit), the line is
written by `decide_line`: its status, the reason of a refusal, who decided and when, and, when
its mission re-bills expenses, the mission's `Expense` that the client's pre-invoice picks up
(services/invoicing.py turns it into a "Frais refacturés" line, docs/invoicing.md). The payroll
export reads approved lines whichever way they were approved. It sits under the month commands
(tests/test_architecture.py) so the month's reactions can use it.

Every move of a line tells the firm's webhooks (`tell_webhooks`, docs/webhooks.md): one event
per line, queued in the transaction of the move, by `decide_line` for a decision, by the
submission (`expense_reports.submit`) and by the month's reactions (`server.reactions.expenses`)
for a line handed in or returned to draft with its month.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.domain import expense_claims as rules
from server.domain import pricing as p
from server.domain.integrations import Event
from server.services import invoicing as billing
from server.services import webhooks
from server.storage import expenses_store as store
from server.storage import invoicing_store
from server.storage import repositories as repo

LABELS_FR = {
    "meal": "repas",
    "train": "train",
    "hotel": "hôtel",
    "taxi": "taxi",
    "mileage": "indemnités kilométriques",
    "mileage_motorcycle": "indemnités kilométriques (moto)",
    "mileage_moped": "indemnités kilométriques (cyclomoteur)",
    "other": "divers",
}


@dataclass(frozen=True)
class Rebilled:
    """A client's month whose pre-invoice must take a re-billed line."""

    client_id: str
    month: str


async def decide_line(
    *,
    organisation_id: str,
    decider_id: str,
    line: dict[str, Any],
    approve: bool,
    reason: str,
    now: datetime,
    tell: bool = True,
) -> Rebilled | None:
    """Write the decision on a submitted line (inside the caller's write transaction); the
    client's month to refresh when the approved line is re-billed (`refresh`). ``tell=False``
    leaves the webhook event to the caller, which decides many lines and tells them in one
    `tell_webhooks` call (one subscription lookup for the lot).

    Raises:
        Conflict: The line is not submitted, or was decided since `line` was read (the
            decision is written only on a line still submitted, before anything is re-billed).
    """
    rules.ensure_decidable(line["status"])
    status = rules.ClaimStatus.APPROVED if approve else rules.ClaimStatus.REFUSED
    written = await store.decide_claim(
        line["id"],
        status=status.value,
        refusal_reason="" if approve else reason,
        decided_by=decider_id,
        decided_at=now,
        updated_at=now,
    )
    if not written:
        rules.ensure_decidable("decided")
    rebilled = None
    if approve and line["mission"] is not None:
        billed, client_id = await _rebill(organisation_id, decider_id, line, now)
        if billed is not None:
            await store.update_claim(line["id"], billed_expense=billed)
            rebilled = Rebilled(client_id=client_id, month=line["month"])
    if not tell:
        return rebilled
    await tell_webhooks(
        organisation_id=organisation_id,
        event=Event.EXPENSE_APPROVED if approve else Event.EXPENSE_REFUSED,
        lines=[line],
        by=decider_id,
        now=now,
    )
    return rebilled


STATUS_AFTER = {
    Event.EXPENSE_SUBMITTED: rules.ClaimStatus.SUBMITTED,
    Event.EXPENSE_APPROVED: rules.ClaimStatus.APPROVED,
    Event.EXPENSE_REFUSED: rules.ClaimStatus.REFUSED,
    Event.EXPENSE_RETURNED: rules.ClaimStatus.DRAFT,
}
"""The status a line has after the move each event tells."""


async def tell_webhooks(
    *,
    organisation_id: str,
    event: Event,
    lines: Sequence[dict[str, Any]],
    by: str,
    now: datetime,
) -> None:
    """Queue one ``expense.*`` event per line for the firm's webhooks that want it, inside the
    caller's transaction (the one that moved the lines): a move rolled back tells nobody.

    One event per line, not per report: a payroll tool reimburses lines (its file has a row per
    line, `payroll_export`), a line is decided on its own in the own circuit, may be refused
    while the others are approved, corrected and handed in again alone; the receiver keeps the
    line's last state by ``line_id``. Each move is told once because only the transaction
    whose status-guarded UPDATE moved the line calls this, and a rollback takes its rows back;
    the key draws a fresh id per move, since the same line may move the same way again in one
    instant (a phone's batch submitting, withdrawing and submitting its month again). No free
    text (the consultant's comment, a refusal's reason): the payroll needs the amounts, not
    what a person wrote.
    """
    if not lines:
        return
    subscribers = await webhooks.subscribers_of(organisation_id, event)
    if not subscribers:
        return  # nobody listens: no lookup either
    people = await repo.get_people({line["consultant"] for line in lines})
    status = STATUS_AFTER[event].value
    for line in lines:
        person = people.get(line["consultant"])
        await webhooks.emit(
            organisation_id=organisation_id,
            event=event,
            key=f"{line['id']}:{uuid.uuid4()}",
            data={
                "line_id": line["id"],
                "consultant_id": line["consultant"],
                "consultant_name": person.display_name if person else "",
                "month": line["month"],
                "spent_on": line["spent_on"].isoformat(),
                "category": line["category"],
                "mission_id": line["mission"],
                "gross_cents": line["gross_cents"],
                "net_cents": line["net_cents"],
                "vat_cents": line["vat_cents"],
                "receipts": len(line["receipts"]),
                "status": status,
                "by": by,
            },
            month=line["month"],
            at=now,
            subscribers=subscribers,
        )


async def refresh(rebilled: set[Rebilled], *, now: datetime) -> None:
    """The clients' pre-invoices of the month, if their CRAs are validated, take the lines."""
    for target in sorted(rebilled, key=lambda r: (r.client_id, r.month)):
        await billing.refresh_month_invoice(
            client_id=target.client_id, month=target.month, now=now
        )


async def _rebill(
    organisation_id: str, decider_id: str, line: dict[str, Any], now: datetime
) -> tuple[str | None, str]:
    """The mission's `Expense` for an approved line, when the mission re-bills expenses."""
    mission = await repo.get_mission(line["mission"])
    if mission is None:
        return None, ""
    rebill, margin_bp = await store.policy_of(mission.id)
    if not rebill:
        return None, mission.client_id
    refs = ", ".join(sha[:12] for sha in line["receipts"])
    label = line["comment"][:120]
    if refs:
        label = f"{label} (justificatifs {refs})".strip()
    expense_id = await invoicing_store.create_expense(
        organisation=organisation_id,
        mission=mission.id,
        spent_on=line["spent_on"],
        category=LABELS_FR.get(line["category"], line["category"]),
        label=label[:200],
        amount_cents=line["net_cents"],
        vat_cents=line["vat_cents"],
        rebill=True,
        margin_bp=margin_bp,
        vat_rate_bp=p.STANDARD_VAT_BP,
        receipt_name="",
        receipt_type="",
        receipt=None,
        recorded_by=decider_id,
        created_at=now,
    )
    return expense_id, mission.client_id
