"""CRA months: reading them by role, and writing one day under the shared rules of `sync/`."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from server.commands import month as commands
from server.commands.month import MonthResult, WebDay
from server.commands.month_tx import MonthTx
from server.domain import model
from server.domain.access import can_see_timesheet
from server.domain.errors import Conflict, FieldError, InvalidInput, MonthLocked, NotFound
from server.domain.roles import Actor, Role
from server.reactions.month import REACTIONS
from server.services import audit_log, directory
from server.services.circuit import CircuitView, describe, parse_month
from server.services.clock import Clock
from server.storage import repositories as repo
from server.storage.repositories import write_transaction
from sync.calendar import CalendarDay, CalendarRegion, month_calendar
from sync.months import MonthKey, MonthStatus
from sync.rules import Day, DayLine


@dataclass(frozen=True)
class MonthView:
    """A CRA as one person may see it, with its calendar and the missions it can use."""

    consultant: model.Person
    month: MonthKey
    timesheet: model.Timesheet
    calendar: list[CalendarDay]
    missions: list[model.Mission]
    circuit: CircuitView | None = None


def parse_day(text: str) -> date:
    """A day of the path: exactly `YYYY-MM-DD` in ASCII digits, and a real calendar date."""
    well_formed = len(text) == 10 and text[4] == text[7] == "-"
    digits = text[:4] + text[5:7] + text[8:]
    if well_formed and digits.isascii() and digits.isdigit():
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    message = f"day {text!r} is not a date of the form YYYY-MM-DD"
    raise InvalidInput(
        message, errors=(FieldError(field="day", code="invalid_date", message=message),)
    )


def _empty(consultant_id: str, month: MonthKey) -> model.Timesheet:
    return model.Timesheet(
        id="",
        consultant_id=consultant_id,
        month=str(month),
        status=MonthStatus.DRAFT.value,
        step=0,
        waiting_on_id=None,
        epoch=0,
        version=0,
    )


def _for_client_signer(
    timesheet: model.Timesheet, missions: list[model.Mission], client_id: str | None
) -> tuple[model.Timesheet, list[model.Mission]]:
    """A client signer sees only their own company's missions and lines, nothing else."""
    own = [m for m in missions if m.client_id == client_id]
    keys = {f"mission:{m.id}" for m in own}
    days = tuple(
        replace(day, lines=tuple(line for line in day.lines if line[0] in keys), comment="")
        for day in timesheet.days
    )
    return replace(timesheet, days=days), own


async def read_month(actor: Actor, *, consultant_id: str, month_text: str) -> MonthView:
    month = parse_month(month_text)
    consultant = await repo.get_person(consultant_id)
    if consultant is None:
        raise NotFound("no such CRA")
    timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=str(month))
    shown = timesheet or _empty(consultant_id, month)
    if not can_see_timesheet(actor, shown, consultant):
        raise NotFound("no such CRA")
    return await month_view(
        actor,
        consultant=consultant,
        month=month,
        timesheet=shown,
        missions=await repo.missions_of(consultant_id),
    )


async def view_of(actor: Actor, result: MonthResult) -> MonthView:
    """What a month command left, as the actor sees it: from what the command's transaction
    held, with no second read of the month."""
    return await month_view(
        actor,
        consultant=result.consultant,
        month=MonthKey.parse(result.month.month),
        timesheet=result.timesheet,
        missions=result.missions,
    )


async def month_view(
    actor: Actor,
    *,
    consultant: model.Person,
    month: MonthKey,
    timesheet: model.Timesheet,
    missions: Sequence[model.Mission],
) -> MonthView:
    """A month the actor may see, with its calendar, the missions it can use and its circuit."""
    shown = timesheet
    in_month = [
        m
        for m in missions
        if m.start_date <= month.last_day and (m.end_date is None or m.end_date >= month.first_day)
    ]
    described = await describe(
        actor, timesheet=shown, consultant=consultant, missions=in_month, month=month
    )
    if shown.waiting_on_id == actor.person_id and actor.roles == {Role.CLIENT_SIGNER}:
        shown, in_month = _for_client_signer(shown, in_month, actor.client_company_id)
    if in_month:
        region = CalendarRegion(in_month[0].calendar_region)
    else:
        region = CalendarRegion((await directory.organisation_of(actor)).calendar_region)
    return MonthView(
        consultant=consultant,
        month=month,
        timesheet=shown,
        calendar=month_calendar(month=month, region=region),
        missions=in_month,
        circuit=described,
    )


async def list_months(actor: Actor) -> list[tuple[model.Timesheet, model.Person]]:
    """The CRAs this person may see: own, team, organisation, or waiting on them."""
    people = await directory.list_people(actor)
    timesheets = await repo.list_timesheets(p.id for p in people)
    seen = {t.id for t in timesheets}
    timesheets += [
        t for t in await repo.list_timesheets_waiting_on(actor.person_id) if t.id not in seen
    ]
    owners = await repo.get_people(t.consultant_id for t in timesheets)
    return [
        (t, owners[t.consultant_id])
        for t in timesheets
        if can_see_timesheet(actor, t, owners[t.consultant_id])
    ]


async def write_day(
    actor: Actor,
    *,
    consultant_id: str,
    month_text: str,
    day_text: str,
    lines: Sequence[tuple[str, int]],
    comment: str,
    clock: Clock,
) -> MonthView:
    """Replace one day of a CRA (the `set_day` command) and return the month as it now is."""
    month = parse_month(month_text)
    day = parse_day(day_text)
    args = WebDay(
        consultant_id=consultant_id,
        month=month,
        date=day,
        lines=tuple(DayLine(line=line, half_days=half) for line, half in lines),
        comment=comment,
    )
    try:
        async with write_transaction():
            tx = MonthTx(actor=actor, now=clock(), device=audit_log.WEB, subscribers=REACTIONS)
            await commands.set_day(tx, actor, args)
            await tx.flush()
            consultant = await tx.person(consultant_id)
            assert consultant is not None
            row = await tx.month(consultant_id, str(month))
            timesheet = commands.timesheet_of(
                consultant_id, month, row, await tx.month_days(consultant_id, month)
            )
            missions = await tx.missions(consultant_id)
    except MonthLocked as error:
        raise Conflict(
            error.message,
            errors=(FieldError(field="month", code="month_locked", message=error.message),),
        ) from error
    return await month_view(
        actor, consultant=consultant, month=month, timesheet=timesheet, missions=missions
    )


@dataclass(frozen=True)
class WebEdit:
    """A day written on the server's authority (demo data, test fixtures), as its consultant
    would type it online."""

    consultant_id: str
    date: date
    day: Day


async def write_web_day(edit: WebEdit, *, now: dt.datetime) -> None:
    """Store a day through the same `set_day` command as the web app, as its consultant."""
    consultant = await repo.get_person(edit.consultant_id)
    if consultant is None:
        raise NotFound("no such CRA")
    actor = Actor(
        person_id=consultant.id,
        organisation_id=consultant.organisation_id,
        roles=frozenset({Role.CONSULTANT}),
    )
    async with write_transaction():
        tx = MonthTx(actor=actor, now=now, device=audit_log.WEB, subscribers=REACTIONS)
        await commands.set_day(
            tx,
            actor,
            WebDay(
                consultant_id=consultant.id,
                month=MonthKey.of(edit.date),
                date=edit.date,
                lines=edit.day.lines,
                comment=edit.day.comment,
            ),
        )
        await tx.flush()
