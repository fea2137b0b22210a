"""The expense report riding the month's circuit, when the firm chose it (docs/expenses.md).

A reaction to `MonthMoved`, so it runs in the transaction that moves the month, whichever way
the move came (the web's HTTP command or a phone's queued mutation: both run the one month
command, `server.commands.month`): submitting the month submits the consultant's expense
drafts of that month, its last manager approval approves the submitted lines (the refused ones
stay refused), a send-back or a withdrawal returns the submitted lines to draft. What it does
is told by `expense_claims.lines_move`; an approved line is written by the same function as in
the own circuit (`expense_decisions.decide_line`: payroll, re-billing). Each move of lines is
one audit event on the month, in the firm's chain, after the month's own event; each line
moved is one ``expense.*`` event for the firm's webhooks (`expense_decisions.tell_webhooks`,
called once per move of the month: one subscription lookup however many lines move).
"""

from server.commands.month_tx import MonthMoved, MonthTx
from server.domain import expense_claims as rules
from server.domain.errors import Conflict
from server.domain.integrations import Event
from server.services import expense_decisions as decisions
from server.storage import expenses_store as store

EVENTS = {
    rules.LinesMove.SUBMIT: "expenses.submitted",
    rules.LinesMove.APPROVE: "expenses.approved",
    rules.LinesMove.RETURN: "expenses.returned",
}
FROM = {
    rules.LinesMove.SUBMIT: rules.ClaimStatus.DRAFT,
    rules.LinesMove.APPROVE: rules.ClaimStatus.SUBMITTED,
    rules.LinesMove.RETURN: rules.ClaimStatus.SUBMITTED,
}


async def move_expense_lines(tx: MonthTx, event: MonthMoved) -> None:
    """Move the month's expense lines with it, in the month circuit (see the module)."""
    move = rules.lines_move(
        action=event.action, before=event.before, after=event.after, steps=event.steps
    )
    if move is None:
        return
    organisation_id = event.consultant.organisation_id
    if await store.circuit_of(organisation_id) != rules.ExpenseCircuit.MONTH:
        return
    lines = await store.claims_in_status(event.consultant.id, event.month, FROM[move])
    if not lines:
        return
    if move is rules.LinesMove.APPROVE:
        rebilled: set[decisions.Rebilled] = set()
        approved = []
        for line in lines:
            try:
                target = await decisions.decide_line(
                    organisation_id=organisation_id,
                    decider_id=event.actor_id,
                    line=line,
                    approve=True,
                    reason="",
                    now=tx.now,
                    tell=False,
                )
            except Conflict:
                continue  # refused by the manager meanwhile: that decision stands
            approved.append(line)
            if target is not None:
                rebilled.add(target)
        await decisions.refresh(rebilled, now=tx.now)
        lines = approved
        await decisions.tell_webhooks(
            organisation_id=organisation_id,
            event=Event.EXPENSE_APPROVED,
            lines=lines,
            by=event.actor_id,
            now=tx.now,
        )
    else:
        to = (
            rules.ClaimStatus.SUBMITTED
            if move is rules.LinesMove.SUBMIT
            else rules.ClaimStatus.DRAFT
        )
        moved = set(
            await store.move_status(
                [line["id"] for line in lines],
                from_status=FROM[move].value,
                status=to.value,
                updated_at=tx.now,
            )
        )
        lines = [line for line in lines if line["id"] in moved]
        await decisions.tell_webhooks(
            organisation_id=organisation_id,
            event=(
                Event.EXPENSE_SUBMITTED
                if move is rules.LinesMove.SUBMIT
                else Event.EXPENSE_RETURNED
            ),
            lines=lines,
            by=event.actor_id,
            now=tx.now,
        )
    if not lines:
        return  # each one was decided meanwhile: nothing moved with the month
    await tx.audit(
        month_id=event.month_id,
        kind=EVENTS[move],
        actor_id=event.actor_id,
        data={
            "consultant": event.consultant.id,
            "month": event.month,
            "lines": [line["id"] for line in lines],
            "gross_cents": sum(line["gross_cents"] for line in lines),
        },
        organisation_id=organisation_id,
    )
