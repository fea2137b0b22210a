"""`python -m tests.browser.push_seed signed --email … --month YYYY-MM`: put a "signed"
notification for that person's month in the live server's outbox, as the signature code will
(`server.services.notifications.notify_month_event`). A subprocess, like tests/browser/seed.py.

`python -m tests.browser.push_seed send-any-day --email …`: let that person's organisation send
events on weekends and public holidays, so a test does not depend on the day it runs (an event
on a Saturday would otherwise wait for Monday's send hour, as `server.domain.reminders` says).
"""

import argparse
import asyncio
import json
from datetime import UTC, datetime

from server.domain.reminders import ReminderPolicy
from server.services.notifications import notify_month_event
from server.settings import Settings
from server.storage import notification_store as store
from server.storage import repositories as repo
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine


async def _signed(args: argparse.Namespace) -> dict[str, object]:
    person = await repo.get_person_by_email(args.email)
    assert person is not None, args.email
    sheet = await repo.get_timesheet(consultant_id=person.id, month=args.month)
    if sheet is None:
        sheet = await repo.create_timesheet(consultant_id=person.id, month=args.month)
    await repo.set_timesheet_state(timesheet_id=sheet.id, status="signed")
    await _send_any_day(args)
    inserted = await notify_month_event(
        kind="signed",
        month_id=sheet.id,
        recipient_id=person.id,
        data={"by_name": args.by},
        at=datetime.now(UTC),
    )
    devices = len(await store.subscriptions_of(person.id))
    return {"inserted": inserted, "devices": devices}


async def _send_any_day(args: argparse.Namespace) -> dict[str, object]:
    person = await repo.get_person_by_email(args.email)
    assert person is not None, args.email
    await store.save_policy(
        organisation_id=person.organisation_id,
        policy=ReminderPolicy(send_on_non_working_days=True),
    )
    return {"organisation_id": person.organisation_id}


async def _devices(args: argparse.Namespace) -> dict[str, object]:
    person = await repo.get_person_by_email(args.email)
    assert person is not None, args.email
    return {"devices": [s.endpoint for s in await store.subscriptions_of(person.id)]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.browser.push_seed")
    commands = parser.add_subparsers(dest="command", required=True)
    signed = commands.add_parser("signed")
    signed.add_argument("--email", required=True)
    signed.add_argument("--month", required=True)
    signed.add_argument("--by", default="Claire Client")
    devices = commands.add_parser("devices")
    devices.add_argument("--email", required=True)
    any_day = commands.add_parser("send-any-day")
    any_day.add_argument("--email", required=True)
    args = parser.parse_args()
    settings = Settings.from_env()

    async def run() -> dict[str, object]:
        engine = engine_from_url(settings.resolved_database_url)
        bind_tables(engine)
        await open_engine(engine)
        try:
            command = {"signed": _signed, "devices": _devices, "send-any-day": _send_any_day}
            return await command[args.command](args)
        finally:
            await close_engine(engine)

    print(json.dumps(asyncio.run(run())))


if __name__ == "__main__":
    main()
