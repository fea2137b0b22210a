"""Set up a month waiting on a client signer in the live server's database.

`python -m tests.browser.seed_signing month --signer-email … --signer-name …` creates a client,
its signer (no account), a consultant with a mission whose circuit is that signer, three days,
and puts the month in validation on the signer through the services; prints
`{"month_id", "link"}`. `… link --month-id …` prints a new link; `… state --month-id …` the
month's status and signature count. A subprocess, for the reason given in seed.py.
"""

import argparse
import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from server.domain import model
from server.domain.roles import Role
from server.services.clock import system_clock
from server.services.directory import NewPerson, create_person
from server.services.signatures import issue_signature_link
from server.services.sync_service import set_month_state
from server.settings import Settings
from server.storage import repositories as repo
from server.storage import signatures as store
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine
from sync.months import MonthStatus

DAYS = ((2, 2, "Atelier de cadrage"), (3, 2, ""), (4, 1, "Matin seulement"))


async def _month(args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    people = await repo.list_all_people()
    organisation_id = people[0].organisation_id
    client = await repo.create_client(
        organisation_id=organisation_id,
        legal_name=args.client,
        siren="552000770",
        vat_number="FR86552000770",
        billing_address="3 quai Kléber, 67000 Strasbourg",
    )
    signer = await create_person(
        organisation_id=organisation_id,
        new=NewPerson(
            email=args.signer_email,
            display_name=args.signer_name,
            roles=frozenset({Role.CLIENT_SIGNER}),
            client_company_id=client.id,
        ),
        check_refs=False,
    )
    suffix = uuid.uuid4().hex[:6]
    consultant = await create_person(
        organisation_id=organisation_id,
        new=NewPerson(
            email=f"consultant.{suffix}@example.fr",
            display_name="Élise Martin",
            roles=frozenset({Role.CONSULTANT}),
        ),
        check_refs=False,
    )
    mission = await repo.create_mission(
        model.Mission(
            id=str(uuid.uuid4()),
            organisation_id=organisation_id,
            consultant_id=consultant.id,
            client_id=client.id,
            title="Refonte du portail",
            start_date=date(2026, 1, 1),
            end_date=None,
            billing_mode="regie",
            daily_rate_cents=65_000,
            day_cap_half_days=None,
            allowed_absences=(),
            comments_required=False,
            calendar_region="metropole",
            steps=(model.ApprovalStep(position=0, kind="client_signer", approver_id=signer.id),),
        )
    )
    timesheet = await repo.create_timesheet(consultant_id=consultant.id, month=args.month)
    now = datetime.now(UTC)
    for day, half_days, comment in DAYS:
        await repo.write_day(
            timesheet_id=timesheet.id,
            day=date.fromisoformat(f"{args.month}-{day:02d}"),
            lines=[(f"mission:{mission.id}", half_days)],
            comment=comment,
            author_id=consultant.id,
            now=now,
        )
    await set_month_state(
        consultant_id=consultant.id,
        month=args.month,
        status=MonthStatus.IN_VALIDATION,
        now=now,
        waiting_on_id=signer.id,
    )
    link = await issue_signature_link(settings=settings, clock=system_clock, month_id=timesheet.id)
    return {"month_id": timesheet.id, "consultant_id": consultant.id, "link": link}


async def _link(args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    link = await issue_signature_link(
        settings=settings, clock=system_clock, month_id=args.month_id
    )
    return {"link": link}


async def _state(args: argparse.Namespace, settings: Settings) -> dict[str, str]:
    timesheet = await store.get_timesheet_by_id(args.month_id)
    assert timesheet is not None
    signatures = await store.evidence_of_month(args.month_id)
    return {"status": timesheet.status, "signatures": str(len(signatures))}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.browser.seed_signing")
    commands = parser.add_subparsers(dest="command", required=True)
    month = commands.add_parser("month")
    month.add_argument("--signer-email", required=True)
    month.add_argument("--signer-name", required=True)
    month.add_argument("--client", default="Banque du Test SA")
    month.add_argument("--month", default="2026-11")
    for name in ("link", "state"):
        commands.add_parser(name).add_argument("--month-id", required=True)
    args = parser.parse_args()
    settings = Settings.from_env()
    work: Callable[[argparse.Namespace, Settings], Awaitable[dict[str, str]]] = {
        "month": _month,
        "link": _link,
        "state": _state,
    }[args.command]

    async def run() -> dict[str, str]:
        engine = engine_from_url(settings.resolved_database_url)
        bind_tables(engine)
        await open_engine(engine)
        try:
            return await work(args, settings)
        finally:
            await close_engine(engine)

    print(json.dumps(asyncio.run(run())))


if __name__ == "__main__":
    main()
