"""Set up browser-test data in the live server's database, from a separate process.

`python -m tests.browser.seed consultant --email … --name …` creates a consultant with one
mission (prints `{"person_id", "mission_id", "title", "manager_email"}` as JSON; a régie at
600 € a day, or with `--mode regie_capped --cap N` capped at N half-days; with
`--manager-email …` in an already seeded manager's team; with
`--signer-email … --signer-name …` the client gets that signer and the mission's circuit is
[manager, client signer]); `… month-state --email …
--month YYYY-MM --status signed` moves a month on the server's authority, as a manager's
signature would (with `--invoice`, a validated month also drafts its pre-invoice, as the
circuit's end does); `… days --email … --month YYYY-MM --count N` records the month's first N
working days, whole, on the consultant's mission, as typed online. All use the storage and
services directly against `DATABASE_URL`, the file the running server uses (SQLite in WAL
mode takes the second writer). A subprocess because Playwright's sync API keeps an event loop
running in the test's thread.

`python -m tests.browser.seed serve` answers many of these in one process, which pays the
interpreter's start-up and the `server` imports once instead of at every seed (about a second
each, 60-80 seeds a run): one request a line on stdin, the JSON list of a command's arguments
(`["days", "--email", …]`), one answer a line on stdout, the dict the command prints, or
`{"error": …, "traceback": …}` when it fails (the process goes on). Each request opens and
closes its own engine, as the one-shot command does: the server stays the other writer, and
nothing read is kept from one request to the next. The process seeds the database of the
environment it was started with (tests/browser/conftest.py starts one per server).
"""

import argparse
import asyncio
import contextlib
import io
import json
import os
import sys
import traceback
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from server.domain import model
from server.domain.roles import Role
from server.services.directory import NewPerson, create_person
from server.services.invoicing import on_month_validated
from server.services.sync_service import set_month_state
from server.services.terms import mission_terms
from server.services.timesheets import WebEdit, write_web_day
from server.settings import Settings
from server.storage import repositories as repo
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine
from sync.calendar import CalendarRegion, working_days
from sync.months import MonthKey, MonthStatus
from sync.rules import AbsenceType, DayLine, validate_day


async def _consultant(args: argparse.Namespace) -> dict[str, str]:
    people = await repo.list_all_people()
    organisation_id = people[0].organisation_id
    client = await repo.create_client(
        organisation_id=organisation_id,
        legal_name="Banque du Test SA",
        siren="552000770",
        vat_number="FR86552000770",
        billing_address="3 quai Kléber, 67000 Strasbourg",
    )
    # Each consultant gets their own manager (the month's circuit falls back to them), unless
    # --manager-email names one already seeded: a team of several consultants.
    existing = await repo.get_person_by_email(args.manager_email) if args.manager_email else None
    manager = existing or await create_person(
        organisation_id=organisation_id,
        new=NewPerson(
            email=f"manager.{args.email}",
            display_name=f"Manager {args.name}",
            roles=frozenset({Role.MANAGER}),
        ),
        check_refs=False,
    )
    person = await create_person(
        organisation_id=organisation_id,
        new=NewPerson(
            email=args.email,
            display_name=args.name,
            roles=frozenset({Role.CONSULTANT}),
            manager_id=manager.id,
        ),
        check_refs=False,
    )
    steps: tuple[model.ApprovalStep, ...] = ()
    if args.signer_email:
        signer = await create_person(
            organisation_id=organisation_id,
            new=NewPerson(
                email=args.signer_email,
                display_name=args.signer_name or args.signer_email,
                roles=frozenset({Role.CLIENT_SIGNER}),
                client_company_id=client.id,
            ),
            check_refs=False,
        )
        steps = (
            model.ApprovalStep(position=0, kind="manager", approver_id=manager.id),
            model.ApprovalStep(position=1, kind="client_signer", approver_id=signer.id),
        )
    mission = await repo.create_mission(
        model.Mission(
            id=str(uuid.uuid4()),
            organisation_id=organisation_id,
            consultant_id=person.id,
            client_id=client.id,
            title=args.title,
            start_date=date.fromisoformat(args.start),
            end_date=None,
            billing_mode=args.mode,
            daily_rate_cents=60_000,
            day_cap_half_days=args.cap,
            allowed_absences=tuple(a.value for a in AbsenceType),
            comments_required=args.comments_required,
            calendar_region=args.region,
            steps=steps,
        )
    )
    return {
        "person_id": person.id,
        "mission_id": mission.id,
        "title": mission.title,
        "manager_email": manager.email,
    }


async def _month_state(args: argparse.Namespace) -> dict[str, str]:
    person = await repo.get_person_by_email(args.email)
    assert person is not None, args.email
    state = await set_month_state(
        consultant_id=person.id,
        month=args.month,
        status=MonthStatus(args.status),
        now=datetime.now(UTC),
        reopen=args.reopen,
    )
    drafted: list[str] = []
    if args.invoice:
        timesheet = await repo.get_timesheet(consultant_id=person.id, month=args.month)
        assert timesheet is not None, args.month
        drafted = await on_month_validated(month_id=timesheet.id, at=datetime.now(UTC))
    return {
        "month": state.month,
        "status": state.status,
        "epoch": str(state.epoch),
        "invoices": ",".join(drafted),
    }


async def _days(args: argparse.Namespace) -> dict[str, str]:
    person = await repo.get_person_by_email(args.email)
    assert person is not None, args.email
    missions = await repo.missions_of(person.id)
    mission = missions[0]
    month = MonthKey.parse(args.month)
    terms = mission_terms(missions)
    days = working_days(month=month, region=CalendarRegion(mission.calendar_region))
    written = []
    for day in [d for d in days if d >= mission.start_date][: args.count]:
        valid = validate_day(
            month=month,
            date=day,
            lines=[DayLine(line=f"mission:{mission.id}", half_days=2)],
            comment="Ateliers" if mission.comments_required else "",
            missions=terms,
        )
        await write_web_day(
            WebEdit(consultant_id=person.id, date=day, day=valid), now=datetime.now(UTC)
        )
        written.append(day.isoformat())
    return {"days": ",".join(written)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.browser.seed")
    commands = parser.add_subparsers(dest="command", required=True)
    consultant = commands.add_parser("consultant")
    consultant.add_argument("--email", required=True)
    consultant.add_argument("--name", required=True)
    consultant.add_argument("--title", default="Refonte du portail")
    consultant.add_argument("--start", required=True, help="mission start, YYYY-MM-DD")
    consultant.add_argument("--region", default="metropole")
    consultant.add_argument("--signer-email", default="", help="a client signer after the manager")
    consultant.add_argument("--signer-name", default="")
    consultant.add_argument("--manager-email", default="", help="an existing manager's email")
    consultant.add_argument(
        "--comments-required", action="store_true", help="every day needs a comment"
    )
    consultant.add_argument("--mode", default="regie", choices=["regie", "regie_capped"])
    consultant.add_argument("--cap", type=int, default=None, help="the cap, in half-days")
    state = commands.add_parser("month-state")
    state.add_argument("--email", required=True)
    state.add_argument("--month", required=True)
    state.add_argument("--status", required=True, choices=[s.value for s in MonthStatus])
    state.add_argument("--reopen", action="store_true")
    state.add_argument(
        "--invoice", action="store_true", help="draft the month's pre-invoice (validated)"
    )
    days = commands.add_parser("days")
    days.add_argument("--email", required=True)
    days.add_argument("--month", required=True)
    days.add_argument("--count", type=int, required=True)
    return parser


def seed(argv: Sequence[str]) -> dict[str, str]:
    """Run one command (`argv` without the program's name) against `DATABASE_URL`, on an engine
    opened for it and closed after, and return what it prints."""
    args = _parser().parse_args(list(argv))
    work = {"consultant": _consultant, "month-state": _month_state, "days": _days}[args.command]

    async def run() -> dict[str, str]:
        engine = engine_from_url(Settings.from_env().resolved_database_url)
        bind_tables(engine)
        await open_engine(engine)
        try:
            return await work(args)
        finally:
            await close_engine(engine)

    return asyncio.run(run())


def _answer(line: str) -> dict[str, str]:
    """The answer to one request line; a failure is answered, not raised, so the next request
    still finds the process. What the request wrote to stderr (argparse's complaint, a logged
    warning) goes in a failure's message, as the one-shot command's stderr did, and to stderr."""
    said = io.StringIO()
    try:
        argv = json.loads(line)
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise TypeError(f"a request is a JSON list of strings, not {line!r}")
        with contextlib.redirect_stderr(said):
            return seed(argv)
    except (Exception, SystemExit) as error:  # SystemExit: argparse refusing the arguments
        message = f"{type(error).__name__}: {error}"
        if said.getvalue():
            message += "\n" + said.getvalue()
        return {"error": message, "traceback": traceback.format_exc()}
    finally:
        sys.stderr.write(said.getvalue())


def serve() -> None:
    """Answer requests from stdin until it closes (`serve` in the module's docstring)."""
    # Answers keep the real stdout; whatever else writes to fd 1 (a print, a C library) goes to
    # stderr, where it cannot be taken for an answer.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    for line in sys.stdin:
        if line.strip():
            answers.write(json.dumps(_answer(line)) + "\n")


def main() -> None:
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        print(json.dumps(seed(sys.argv[1:])))


if __name__ == "__main__":
    main()
