"""Demo data: an ESN with a manager, three consultants on two clients, one client signer,
missions in régie and forfait, and a few months of history in various states.

Dates are computed from `today`, so the demo always shows the current month as a draft.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from server.domain import model
from server.domain.roles import Role
from server.services import demo_history
from server.services.directory import NewPerson, create_person
from server.services.invoicing import on_month_validated
from server.services.sync_service import WebEdit, set_month_state, write_web_day
from server.services.terms import mission_terms
from server.storage import invoicing_store
from server.storage import repositories as repo
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey, MonthStatus
from sync.rules import AbsenceType, DayLine, validate_day

ALL_ABSENCES = tuple(a.value for a in AbsenceType)


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    roles: tuple[str, ...]


async def load_demo(*, today: date, history: bool = False) -> list[DemoPerson]:
    """Create the demo organisation; refuse to run twice (the emails are unique).

    With ``history`` (what ``carnet demo`` loads), a year in all: eight more months before the
    four recent ones, a fourth consultant between missions, invoices issued and paid, daily
    costs (`server.services.demo_history`), so that every figure of the dashboard shows
    something. Without it, the four months alone, as the invoicing tests expect them.
    """
    org = await repo.create_organisation(
        legal_name="Octave Conseil SAS",
        siren="812345676",
        siret="81234567600017",
        vat_number="FR19812345676",
        address="12 rue de la Paix, 75002 Paris",
    )
    await invoicing_store.set_billing_profile(
        org.id,
        legal_info="SAS au capital de 50 000 EUR - RCS Paris 812 345 676",
        iban="FR7630006000011234567890189",
    )
    bank = await repo.create_client(
        organisation_id=org.id,
        legal_name="Banque Rhénane SA",
        siren="552000770",
        vat_number="FR86552000770",
        billing_address="3 quai Kléber, 67000 Strasbourg",
    )
    insurer = await repo.create_client(
        organisation_id=org.id,
        legal_name="Assurances Atlantique",
        siren="443000120",
        vat_number="FR74443000120",
        billing_address="8 boulevard Guist'hau, 44000 Nantes",
    )

    async def person(email: str, name: str, roles: set[Role], **refs: str | None) -> model.Person:
        return await create_person(
            organisation_id=org.id,
            new=NewPerson(email=email, display_name=name, roles=frozenset(roles), **refs),
            check_refs=False,
        )

    admin = await person("claire.admin@octave.example", "Claire Moreau", {Role.ADMIN})
    manager = await person("marc.lefevre@octave.example", "Marc Lefèvre", {Role.MANAGER})
    alice = await person(
        "alice.martin@octave.example", "Alice Martin", {Role.CONSULTANT}, manager_id=manager.id
    )
    bruno = await person(
        "bruno.dubois@octave.example", "Bruno Dubois", {Role.CONSULTANT}, manager_id=manager.id
    )
    chloe = await person(
        "chloe.bernard@octave.example", "Chloé Bernard", {Role.CONSULTANT}, manager_id=manager.id
    )
    signer = await person(
        "sophie.klein@banque-rhenane.example",
        "Sophie Klein",
        {Role.CLIENT_SIGNER},
        client_company_id=bank.id,
    )

    this_month = MonthKey.of(today)
    earlier = demo_history.history_months(this_month) if history else []
    david = nadia = None
    if history:
        nadia = await person("nadia.roux@octave.example", "Nadia Roux", {Role.MANAGER})
        david = await person(
            "david.petit@octave.example", "David Petit", {Role.CONSULTANT}, manager_id=nadia.id
        )
    recent = [this_month.previous().previous().previous(), this_month.previous().previous()]
    recent += [this_month.previous(), this_month]
    start = (earlier or recent)[0].first_day

    def mission(**fields: object) -> model.Mission:
        base: dict[str, object] = {
            "id": str(uuid.uuid4()),
            "organisation_id": org.id,
            "end_date": None,
            "daily_rate_cents": None,
            "day_cap_half_days": None,
            "allowed_absences": ALL_ABSENCES,
            "comments_required": False,
            "calendar_region": CalendarRegion.METROPOLE.value,
        }
        return model.Mission(**{**base, **fields})  # type: ignore[arg-type]

    alice_mission = await repo.create_mission(
        mission(
            consultant_id=alice.id,
            client_id=bank.id,
            title="Refonte du portail de paiement",
            start_date=start,
            billing_mode="regie",
            daily_rate_cents=65_000,
            calendar_region=CalendarRegion.ALSACE_MOSELLE.value,
            steps=(
                model.ApprovalStep(position=0, kind="manager", approver_id=manager.id),
                model.ApprovalStep(position=1, kind="client_signer", approver_id=signer.id),
            ),
        )
    )
    bruno_mission = await repo.create_mission(
        mission(
            consultant_id=bruno.id,
            client_id=insurer.id,
            title="Migration du SI sinistres",
            start_date=start,
            end_date=this_month.next().next().last_day,
            billing_mode="forfait",
            steps=(model.ApprovalStep(position=0, kind="manager", approver_id=manager.id),),
            milestones=(
                model.Milestone(0, "Cadrage", recent[1].last_day, 1_500_000),
                model.Milestone(1, "Recette", this_month.last_day, 3_000_000),
                model.Milestone(2, "Mise en production", this_month.next().last_day, 2_500_000),
            ),
        )
    )
    chloe_start = recent[2].first_day
    chloe_mission = await repo.create_mission(
        mission(
            consultant_id=chloe.id,
            client_id=bank.id,
            title="Audit de sécurité",
            start_date=chloe_start,
            end_date=this_month.next().last_day,
            billing_mode="regie_capped",
            daily_rate_cents=80_000,
            day_cap_half_days=80,
            comments_required=True,
            allowed_absences=("CP", "RTT", "maladie", "sans_solde", "formation"),
            calendar_region=CalendarRegion.ALSACE_MOSELLE.value,
            steps=(model.ApprovalStep(position=0, kind="client_signer", approver_id=signer.id),),
        )
    )

    states: dict[str, list[tuple[MonthStatus, int, str | None]]] = {
        alice.id: [
            (MonthStatus.SIGNED, 0, None),
            (MonthStatus.SIGNED, 0, None),
            (MonthStatus.IN_VALIDATION, 1, signer.id),
            (MonthStatus.DRAFT, 0, None),
        ],
        bruno.id: [
            (MonthStatus.VALIDATED, 0, None),
            (MonthStatus.VALIDATED, 0, None),
            (MonthStatus.SENT_BACK, 0, None),
            (MonthStatus.DRAFT, 0, None),
        ],
        chloe.id: [
            (MonthStatus.VALIDATED, 0, None),
            (MonthStatus.VALIDATED, 0, None),
            (MonthStatus.IN_VALIDATION, 0, signer.id),
            (MonthStatus.DRAFT, 0, None),
        ],
    }
    missions = {alice.id: alice_mission, bruno.id: bruno_mission, chloe.id: chloe_mission}
    plans = []
    if history and david is not None and nadia is not None:
        old = await repo.create_mission(
            mission(
                consultant_id=chloe.id,
                client_id=insurer.id,
                title="Recette de la souscription",
                start_date=earlier[0].first_day,
                end_date=earlier[4].last_day,
                billing_mode="regie",
                daily_rate_cents=70_000,
                steps=(model.ApprovalStep(position=0, kind="manager", approver_id=manager.id),),
            )
        )
        david_mission = await repo.create_mission(
            mission(
                consultant_id=david.id,
                client_id=insurer.id,
                title="Support applicatif",
                start_date=earlier[0].first_day,
                end_date=earlier[6].last_day,
                billing_mode="regie",
                daily_rate_cents=55_000,
                steps=(model.ApprovalStep(position=0, kind="manager", approver_id=nadia.id),),
            )
        )
        missions[david.id] = david_mission
        states[david.id] = [
            (MonthStatus.VALIDATED, 0, None),
            (MonthStatus.VALIDATED, 0, None),
            (MonthStatus.IN_VALIDATION, 0, nadia.id),
            (MonthStatus.DRAFT, 0, None),
        ]

        def running(m: model.Mission, month: MonthKey) -> model.Mission | None:
            ended = m.end_date is not None and m.end_date < month.first_day
            return None if ended or m.start_date > month.last_day else m

        plans = [
            demo_history.Plan(alice, {str(k): alice_mission for k in earlier}),
            demo_history.Plan(bruno, {str(k): bruno_mission for k in earlier}),
            demo_history.Plan(chloe, {str(k): running(old, k) for k in earlier}),
            demo_history.Plan(david, {str(k): running(david_mission, k) for k in earlier}),
        ]
        await demo_history.load_history(today=today, admin=admin, plans=plans)
    for consultant_id, per_month in states.items():
        m = missions[consultant_id]
        for month, (status, step, waiting_on) in zip(recent, per_month, strict=True):
            ended = m.end_date is not None and month.first_day > m.end_date
            before_mission = month.last_day < m.start_date or ended
            lines_for = _intercontrat if before_mission else _on_mission
            region = CalendarRegion(m.calendar_region)
            terms = mission_terms(await repo.missions_of(consultant_id))
            for index, day in enumerate(working_days(month=month, region=region)):
                if month == this_month and day >= today:
                    break
                lines, comment = lines_for(m, index, consultant_id == bruno.id)
                valid = validate_day(
                    month=month,
                    date=day,
                    lines=[DayLine(line=line, half_days=half) for line, half in lines],
                    comment=comment if m.comments_required or comment else "",
                    missions=terms,
                )
                edit = WebEdit(consultant_id=consultant_id, date=day, day=valid)
                await write_web_day(edit, missions=terms, now=_noon(day))
            if status is not MonthStatus.DRAFT:
                await set_month_state(
                    consultant_id=consultant_id,
                    month=str(month),
                    status=status,
                    now=_noon(month.last_day),
                    reopen=status is MonthStatus.SENT_BACK,
                    step=step,
                    waiting_on_id=waiting_on,
                )
            if status in {MonthStatus.VALIDATED, MonthStatus.SIGNED}:
                timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=str(month))
                assert timesheet is not None
                await on_month_validated(month_id=timesheet.id, at=_noon(month.last_day))
    extra = [p for p in (nadia, david) if p is not None]
    people = [admin, manager, alice, bruno, chloe, *extra, signer]
    return [DemoPerson(p.email, p.display_name, tuple(sorted(p.roles))) for p in people]


def _on_mission(
    m: model.Mission, index: int, takes_rtt: bool
) -> tuple[list[tuple[str, int]], str]:
    if takes_rtt and index == 6:
        return [("absence:RTT", 2)], ""
    if index == 9:
        return [(f"mission:{m.id}", 1), ("absence:CP", 1)], "Après-midi en congé"
    return [(f"mission:{m.id}", 2)], "Revue de code et ateliers"


def _intercontrat(
    m: model.Mission, index: int, takes_rtt: bool
) -> tuple[list[tuple[str, int]], str]:
    return [("absence:intercontrat", 2)], ""


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
