"""A small firm over three months (January to March 2026), built through the real services,
for the figures tests. Every number the tests expect is computed by hand from what is here.

Octave: Ada (admin); Marc manages Alice and Bruno; Nina manages Chloé; Sam signs for the bank.
Working days (metropole): January 2026 21 (1 January is a Thursday holiday), February 20,
March 22; all events at 10:00 UTC (11:00 in Paris, so the same date).

- **Alice**, bank, régie 600 €/day, circuit Marc then Sam; daily cost 400 € from 2026-01;
  mission to 10 May 2026 (ends within 30 days of 15 April).
  - Jan: 18 days on mission, CP on 12–13 Jan, sick on 20 Jan. Submitted 30 Jan, Marc
    approves 2 Feb, Sam signs 10 Feb (a late signature).
  - Feb: 20 days on mission. Submitted 3 Mar (late), Marc sends back 4 Mar, Alice submits
    again 5 Mar, Marc approves 5 Mar, Sam signs 6 Mar.
  - Mar: 20 days on mission, RTT on 30–31 Mar. Submitted 31 Mar, Marc approves 1 Apr; waits on
    Sam since.
- **Bruno**, insurer, régie 500 €/day, circuit Marc; mission ends mid-February (Fri 13 Feb);
  daily cost 350 € from 2026-02 only (January has no known cost).
  - Jan: 21 days on mission. Submitted Sat 31 Jan, Marc approves 3 Feb.
  - Feb: 10 days on mission (2–13 Feb), then 10 days intercontrat. Submitted 27 Feb, Marc
    approves 2 Mar.
  - Mar: 20 days intercontrat, training on 9–10 Mar. Submitted 1 Apr; waits on Marc since.
- **Chloé**, bank, régie 800 €/day, circuit Sam alone ("direct to client"); no daily cost;
  mission to 5 June 2026, and a next one from 8 June (at the insurer).
  - Jan: 17 days on mission, unpaid leave 26–29 Jan. Submitted 5 Feb (late), Sam signs 6 Feb.
  - Feb: 20 days on mission and Saturday 7 Feb worked. Submitted 27 Feb, Sam signs 20 Mar.
  - Mar: 10 days on mission typed (2–13 Mar), never submitted.
- Invoices (pre-invoices drafted by the circuit): bank January issued 12 Feb, paid 10 000 € on
  10 Mar and the rest on 2 Apr; insurer January issued 5 Feb, paid in full 6 Mar; insurer
  February issued 3 Mar, 2 000 € received 10 Apr; bank February left as a pre-invoice.
- Today is 15 April 2026.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

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
from tests.conftest import FakeClock
from tests.factories import Member, World

TODAY = datetime(2026, 4, 15, 9, 0, tzinfo=UTC)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


@dataclass
class Firm:
    world: World
    ada: Member
    marc: Member
    nina: Member
    sam: Member
    alice: Member
    bruno: Member
    chloe: Member
    bank: model.ClientCompany
    insurer: model.ClientCompany
    missions: dict[str, model.Mission]

    def actor(self, member: Member) -> Actor:
        return actor_of(member.person)


async def _mission(
    world: World,
    who: Member,
    client: model.ClientCompany,
    *,
    title: str,
    rate: int,
    start: date,
    end: date | None,
    steps: Iterable[tuple[str, Member]],
) -> model.Mission:
    return await repo.create_mission(
        model.Mission(
            id=str(uuid.uuid4()),
            organisation_id=world.organisation.id,
            consultant_id=who.id,
            client_id=client.id,
            title=title,
            start_date=start,
            end_date=end,
            billing_mode="regie",
            daily_rate_cents=rate,
            day_cap_half_days=None,
            allowed_absences=("CP", "RTT", "maladie", "sans_solde", "formation", "intercontrat"),
            comments_required=False,
            calendar_region="metropole",
            steps=tuple(
                model.ApprovalStep(position=i, kind=kind, approver_id=m.id)
                for i, (kind, m) in enumerate(steps)
            ),
        )
    )


async def _fill(member: Member, month: str, line_of: dict[date, list[tuple[str, int]]]) -> None:
    terms = mission_terms(await repo.missions_of(member.id))
    key = MonthKey.parse(month)
    for day, lines in sorted(line_of.items()):
        valid = validate_day(
            month=key,
            date=day,
            lines=[DayLine(line=line, half_days=half) for line, half in lines],
            comment="",
            missions=terms,
        )
        await write_web_day(
            WebEdit(consultant_id=member.id, date=day, day=valid),
            now=at(day.isoformat()),
        )


def _days(
    month: str, *, skip: Iterable[str] = (), only: tuple[str, str] | None = None
) -> list[date]:
    days = working_days(month=MonthKey.parse(month), region=CalendarRegion.METROPOLE)
    skipped = {date.fromisoformat(d) for d in skip}
    if only:
        first, last = (date.fromisoformat(d) for d in only)
        days = [d for d in days if first <= d <= last]
    return [d for d in days if d not in skipped]


async def _act(
    firm: Firm, who: Member, consultant: Member, month: str, action: Action, when: str
) -> None:
    actor = firm.actor(who)
    seen = await repo.get_timesheet(consultant_id=consultant.id, month=month)
    version = seen.version if seen else 0
    signature = None
    if action is Action.APPROVE and Role.CLIENT_SIGNER in who.person.roles:
        signature = {"test": "signature verified by the test"}
    await circuit.act(
        actor,
        consultant_id=consultant.id,
        month_text=month,
        action=action,
        version=version,
        clock=lambda: at(when),
        comment="Merci de corriger le 12" if action is Action.SEND_BACK else "",
        signature=signature,
    )


async def build(world: World, clock: FakeClock) -> Firm:
    """Create the firm above and its three months; leaves the clock at `TODAY`."""
    bank = await world.client("Banque Rhénane")
    insurer = await world.client("Assurances Atlantique")
    ada = await world.person("ada", [Role.ADMIN])
    marc = await world.person("marc", [Role.MANAGER])
    nina = await world.person("nina", [Role.MANAGER])
    sam = await world.person("sam", [Role.CLIENT_SIGNER], client_id=bank.id)
    alice = await world.person("alice", [Role.CONSULTANT], manager="marc")
    bruno = await world.person("bruno", [Role.CONSULTANT], manager="marc")
    chloe = await world.person("chloe", [Role.CONSULTANT], manager="nina")
    start = date(2026, 1, 1)
    missions = {
        "alice": await _mission(
            world,
            alice,
            bank,
            title="Portail",
            rate=60_000,
            start=start,
            end=date(2026, 5, 10),
            steps=[("manager", marc), ("client_signer", sam)],
        ),
        "bruno": await _mission(
            world,
            bruno,
            insurer,
            title="Sinistres",
            rate=50_000,
            start=start,
            end=date(2026, 2, 13),
            steps=[("manager", marc)],
        ),
        "chloe": await _mission(
            world,
            chloe,
            bank,
            title="Audit",
            rate=80_000,
            start=start,
            end=date(2026, 6, 5),
            steps=[("client_signer", sam)],
        ),
        "chloe-next": await _mission(
            world,
            chloe,
            insurer,
            title="Recette",
            rate=80_000,
            start=date(2026, 6, 8),
            end=None,
            steps=[("manager", nina)],
        ),
    }
    firm = Firm(world, ada, marc, nina, sam, alice, bruno, chloe, bank, insurer, missions)
    admin = firm.actor(ada)
    await figures_store.set_daily_cost(
        person_id=alice.id,
        from_month="2026-01",
        daily_cost_cents=40_000,
        author_id=ada.id,
        now=at("2026-01-01"),
    )
    await figures_store.set_daily_cost(
        person_id=bruno.id,
        from_month="2026-02",
        daily_cost_cents=35_000,
        author_id=ada.id,
        now=at("2026-01-01"),
    )

    a, b, c = (f"mission:{missions[n].id}" for n in ("alice", "bruno", "chloe"))
    full = 2

    def plan(days: list[date], line: str) -> dict[date, list[tuple[str, int]]]:
        return {d: [(line, full)] for d in days}

    # Alice
    await _fill(
        alice,
        "2026-01",
        {
            **plan(_days("2026-01", skip=("2026-01-12", "2026-01-13", "2026-01-20")), a),
            **plan([date(2026, 1, 12), date(2026, 1, 13)], "absence:CP"),
            **plan([date(2026, 1, 20)], "absence:maladie"),
        },
    )
    await _fill(alice, "2026-02", plan(_days("2026-02"), a))
    await _fill(
        alice,
        "2026-03",
        {
            **plan(_days("2026-03", skip=("2026-03-30", "2026-03-31")), a),
            **plan([date(2026, 3, 30), date(2026, 3, 31)], "absence:RTT"),
        },
    )
    # Bruno
    await _fill(bruno, "2026-01", plan(_days("2026-01"), b))
    await _fill(
        bruno,
        "2026-02",
        {
            **plan(_days("2026-02", only=("2026-02-01", "2026-02-13")), b),
            **plan(_days("2026-02", only=("2026-02-14", "2026-02-28")), "absence:intercontrat"),
        },
    )
    await _fill(
        bruno,
        "2026-03",
        {
            **plan(_days("2026-03", skip=("2026-03-09", "2026-03-10")), "absence:intercontrat"),
            **plan([date(2026, 3, 9), date(2026, 3, 10)], "absence:formation"),
        },
    )
    # Chloé
    await _fill(
        chloe,
        "2026-01",
        {
            **plan(
                _days("2026-01", skip=("2026-01-26", "2026-01-27", "2026-01-28", "2026-01-29")), c
            ),
            **plan(_days("2026-01", only=("2026-01-26", "2026-01-29")), "absence:sans_solde"),
        },
    )
    await _fill(chloe, "2026-02", {**plan(_days("2026-02"), c), date(2026, 2, 7): [(c, full)]})
    await _fill(chloe, "2026-03", plan(_days("2026-03", only=("2026-03-02", "2026-03-13")), c))

    submit, approve, back = Action.SUBMIT, Action.APPROVE, Action.SEND_BACK
    steps = [
        (alice, alice, "2026-01", submit, "2026-01-30"),
        (bruno, bruno, "2026-01", submit, "2026-01-31"),
        (marc, alice, "2026-01", approve, "2026-02-02"),
        (marc, bruno, "2026-01", approve, "2026-02-03"),
        (chloe, chloe, "2026-01", submit, "2026-02-05"),
        (sam, chloe, "2026-01", approve, "2026-02-06"),
        (sam, alice, "2026-01", approve, "2026-02-10"),
        (bruno, bruno, "2026-02", submit, "2026-02-27"),
        (chloe, chloe, "2026-02", submit, "2026-02-27"),
        (marc, bruno, "2026-02", approve, "2026-03-02"),
        (alice, alice, "2026-02", submit, "2026-03-03"),
        (marc, alice, "2026-02", back, "2026-03-04"),
        (alice, alice, "2026-02", submit, "2026-03-05"),
        (marc, alice, "2026-02", approve, "2026-03-05"),
        (sam, alice, "2026-02", approve, "2026-03-06"),
        (sam, chloe, "2026-02", approve, "2026-03-20"),
        (alice, alice, "2026-03", submit, "2026-03-31"),
        (bruno, bruno, "2026-03", submit, "2026-04-01"),
        (marc, alice, "2026-03", approve, "2026-04-01"),
    ]
    invoices_of = {}
    for who, consultant, month, action, when in steps:
        await _act(firm, who, consultant, month, action, when)
        if when == "2026-02-05":
            invoices_of = await _invoices(firm)
            await billing.issue(
                actor=admin,
                invoice_id=invoices_of[(insurer.id, "2026-01")],
                clock=lambda: at("2026-02-05"),
            )
        if when == "2026-02-10":
            await billing.issue(
                actor=admin,
                invoice_id=(await _invoices(firm))[(bank.id, "2026-01")],
                clock=lambda: at("2026-02-12"),
            )
        if when == "2026-03-02":
            await billing.issue(
                actor=admin,
                invoice_id=(await _invoices(firm))[(insurer.id, "2026-02")],
                clock=lambda: at("2026-03-03"),
            )
    invoices_of = await _invoices(firm)
    for key, paid_on, cents in (
        ((insurer.id, "2026-01"), date(2026, 3, 6), 1_260_000),
        ((bank.id, "2026-01"), date(2026, 3, 10), 1_000_000),
        ((bank.id, "2026-01"), date(2026, 4, 2), 1_928_000),
        ((insurer.id, "2026-02"), date(2026, 4, 10), 200_000),
    ):
        await billing.record_payment(
            actor=admin,
            invoice_id=invoices_of[key],
            paid_on=paid_on,
            amount_cents=cents,
            now=at(paid_on.isoformat()),
        )
    clock.now = TODAY
    return firm


async def _invoices(firm: Firm) -> dict[tuple[str, str], str]:
    admin = firm.actor(firm.ada)
    found = {}
    for invoice in await billing.list_invoices(admin):
        found[(invoice.client_id, invoice.period_start.isoformat()[:7])] = invoice.id
    return found


def days_between(a: str, b: str) -> int:
    return (date.fromisoformat(b) - date.fromisoformat(a)).days
