"""Shared set-up for the invoicing tests: the demo organisation and its administrator."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from server.domain.model import Mission, Person
from server.domain.roles import Actor, Role
from server.services.demo import load_demo
from server.storage import repositories as repo

TODAY = date(2026, 11, 16)
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@dataclass
class Demo:
    admin: Actor
    alice: Person
    alice_mission: Mission
    bruno_mission: Mission
    chloe: Person

    async def timesheet_id(self, person: Person, month: str) -> str:
        timesheet = await repo.get_timesheet(consultant_id=person.id, month=month)
        assert timesheet is not None
        return timesheet.id


async def demo() -> Demo:
    """The demo data: Alice's September 2026 is signed (régie, 650 EUR a day)."""
    await load_demo(today=TODAY)
    people = {p.email.split("@")[0]: p for p in await repo.list_all_people()}
    admin = people["claire.admin"]
    missions = {m.title: m for m in await repo.list_missions(admin.organisation_id)}
    return Demo(
        admin=Actor(
            person_id=admin.id,
            organisation_id=admin.organisation_id,
            roles=frozenset({Role.ADMIN}),
        ),
        alice=people["alice.martin"],
        alice_mission=missions["Refonte du portail de paiement"],
        bruno_mission=missions["Migration du SI sinistres"],
        chloe=people["chloe.bernard"],
    )
