"""A year of demo history before the demo's four recent months, so every figure has something
to show: months handed in early or late, approved and signed through the real circuit (with a
send-back now and then), invoices issued and paid (one partly), daily costs, a mission that
ended and a consultant between missions since.

Everything goes through the services a real firm's data goes through (days written as the web
app writes them, circuit actions at chosen instants, invoices issued and paid), so the figures
read it exactly as they would read real data. The pseudo-random choices are seeded: every demo
is the same, relative to its ``today``.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from server.domain import model
from server.domain.roles import Actor, Role
from server.domain.workflow import Action
from server.services import circuit
from server.services import invoicing as billing
from server.services.accounts import actor_of
from server.services.terms import mission_terms
from server.services.timesheets import WebEdit, write_web_day
from server.storage import figures_store
from server.storage import repositories as repo
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey
from sync.rules import DayLine, validate_day

HISTORY_MONTHS = 8
"""Months of history before the demo's four recent ones: a year in all."""

DAILY_COSTS = {
    "alice.martin": 42_000,
    "bruno.dubois": 38_000,
    "chloe.bernard": 45_000,
    "david.petit": 35_000,
}


@dataclass(frozen=True)
class Plan:
    """Who works on what in the history: a consultant, their mission per month (or none)."""

    consultant: model.Person
    mission_of: dict[str, model.Mission | None]


def history_months(this_month: MonthKey) -> list[MonthKey]:
    """The ``HISTORY_MONTHS`` months before the demo's four recent ones, oldest first."""
    month = this_month
    for _ in range(3):
        month = month.previous()
    found = []
    for _ in range(HISTORY_MONTHS):
        month = month.previous()
        found.append(month)
    return list(reversed(found))


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def write_month(
    consultant: model.Person, month: MonthKey, mission: model.Mission | None, rng: random.Random
) -> None:
    """Fill a month's working days: the mission's, with some leave, or intercontrat."""
    terms = mission_terms(await repo.missions_of(consultant.id))
    region = CalendarRegion(mission.calendar_region if mission else "metropole")
    for day in working_days(month=month, region=region):
        roll = rng.random()
        if roll < 0.06:
            lines = [("absence:CP", 2)]
        elif roll < 0.09:
            lines = [("absence:RTT", 2)]
        elif roll < 0.10:
            lines = [("absence:maladie", 2)]
        elif mission is None:
            lines = [("absence:formation", 2)] if roll < 0.2 else [("absence:intercontrat", 2)]
        else:
            lines = [(f"mission:{mission.id}", 2)]
        comment = "Revue de code et ateliers" if mission and mission.comments_required else ""
        if not lines[0][0].startswith("mission:"):
            comment = ""
        valid = validate_day(
            month=month,
            date=day,
            lines=[DayLine(line=line, half_days=half) for line, half in lines],
            comment=comment,
            missions=terms,
        )
        await write_web_day(
            WebEdit(consultant_id=consultant.id, date=day, day=valid),
            now=at(day, 17),
        )


async def close_month(consultant: model.Person, month: MonthKey, rng: random.Random) -> None:
    """Submit, approve and sign a month through the real circuit, at plausible instants."""
    moment = month.last_day + timedelta(days=rng.choice((-1, 0, 0, 1, 2, 3, 5)))

    async def act(who: model.Person, action: Action, comment: str = "") -> None:
        nonlocal moment
        seen = await repo.get_timesheet(consultant_id=consultant.id, month=str(month))
        signature = None
        if action is Action.APPROVE and Role.CLIENT_SIGNER in who.roles:
            signature = {"demo": "données de démonstration, sans clé d'accès"}
        when = at(moment)
        await circuit.act(
            actor_of(who),
            consultant_id=consultant.id,
            month_text=str(month),
            action=action,
            version=seen.version if seen else 0,
            clock=lambda: when,
            comment=comment,
            signature=signature,
        )

    await act(consultant, Action.SUBMIT)
    if rng.random() < 0.2:
        moment += timedelta(days=rng.randrange(1, 3))
        first = await repo.get_timesheet(consultant_id=consultant.id, month=str(month))
        assert first is not None and first.waiting_on_id is not None
        comment = "Merci de préciser les jours de formation"
        await act(await _person(first.waiting_on_id), Action.SEND_BACK, comment)
        moment += timedelta(days=1)
        await act(consultant, Action.SUBMIT)
    while True:
        timesheet = await repo.get_timesheet(consultant_id=consultant.id, month=str(month))
        if timesheet is None or timesheet.status != "in_validation" or not timesheet.waiting_on_id:
            return
        moment += timedelta(days=rng.randrange(0, 6))
        await act(await _person(timesheet.waiting_on_id), Action.APPROVE)


async def _person(person_id: str) -> model.Person:
    person = await repo.get_person(person_id)
    assert person is not None
    return person


def _fixed(instant: datetime) -> Callable[[], datetime]:
    return lambda: instant


async def bill(admin: Actor, months: Sequence[MonthKey], today: date, rng: random.Random) -> None:
    """Issue the history's pre-invoices in order, and record their payments."""
    invoices = {
        (i.period_start.isoformat()[:7], i.client_id): i
        for i in await billing.list_invoices(admin)
        if i.status.value == "draft"
    }
    wanted = [str(m) for m in months]
    ordered = sorted(
        (key for key in invoices if key[0] in wanted), key=lambda key: (key[0], key[1])
    )
    for index, key in enumerate(ordered):
        invoice = invoices[key]
        month = MonthKey.parse(key[0])
        issued_on = month.last_day + timedelta(days=rng.randrange(4, 16))
        issued = await billing.issue(
            actor=admin, invoice_id=invoice.id, clock=_fixed(at(issued_on))
        )
        paid_on = month.last_day + timedelta(days=rng.randrange(35, 70))
        if paid_on >= today:
            continue
        amount = issued.gross_cents
        if index == len(ordered) - 2:
            amount = issued.gross_cents // 2  # a partial payment, the rest still due
        await billing.record_payment(
            actor=admin,
            invoice_id=invoice.id,
            paid_on=paid_on,
            amount_cents=amount,
            now=at(paid_on),
        )


async def load_history(
    *,
    today: date,
    admin: model.Person,
    plans: Sequence[Plan],
) -> None:
    """Write the history of every plan, close its months, bill them, and set daily costs."""
    rng = random.Random(15)
    months = history_months(MonthKey.of(today))
    for plan in plans:
        for month in months:
            mission = plan.mission_of.get(str(month))
            await write_month(plan.consultant, month, mission, rng)
            await close_month(plan.consultant, month, rng)
    await bill(actor_of(admin), months, today, rng)
    for plan in plans:
        key = plan.consultant.email.split("@")[0]
        if key in DAILY_COSTS:
            await figures_store.set_daily_cost(
                person_id=plan.consultant.id,
                from_month=str(months[0]),
                daily_cost_cents=DAILY_COSTS[key],
                author_id=admin.id,
                now=at(months[0].first_day),
            )
