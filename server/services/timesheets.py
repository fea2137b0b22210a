"""CRA months: reading them by role, and writing one day under the shared rules of `sync/`."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from server.domain import model
from server.domain.access import can_see_timesheet, ensure_can_edit_days
from server.domain.errors import Conflict, FieldError, InvalidInput, MonthLocked, NotFound
from server.domain.roles import Actor, Role
from server.services import directory
from server.services.circuit import CircuitView, describe
from server.services.clock import Clock
from server.services.sync_service import WebEdit, write_web_day
from server.services.terms import mission_terms
from server.storage import repositories as repo
from sync.calendar import CalendarDay, CalendarRegion, month_calendar
from sync.errors import InvalidDay, InvalidMonth
from sync.months import MonthKey, MonthStatus
from sync.rules import DayLine, validate_day


@dataclass(frozen=True)
class MonthView:
    """A CRA as one person may see it, with its calendar and the missions it can use."""

    consultant: model.Person
    month: MonthKey
    timesheet: model.Timesheet
    calendar: list[CalendarDay]
    missions: list[model.Mission]
    circuit: CircuitView | None = None


def parse_month(text: str) -> MonthKey:
    try:
        return MonthKey.parse(text)
    except InvalidMonth as error:
        raise InvalidInput(
            str(error),
            errors=(FieldError(field="month", code="invalid_month", message=str(error)),),
        ) from error


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
    missions = [
        m
        for m in await repo.missions_of(consultant_id)
        if m.start_date <= month.last_day and (m.end_date is None or m.end_date >= month.first_day)
    ]
    described = await describe(
        actor, timesheet=shown, consultant=consultant, missions=missions, month=month
    )
    if shown.waiting_on_id == actor.person_id and actor.roles == {Role.CLIENT_SIGNER}:
        shown, missions = _for_client_signer(shown, missions, actor.client_company_id)
    organisation = await directory.organisation_of(actor)
    region = CalendarRegion(
        missions[0].calendar_region if missions else organisation.calendar_region
    )
    return MonthView(
        consultant=consultant,
        month=month,
        timesheet=shown,
        calendar=month_calendar(month=month, region=region),
        missions=missions,
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
) -> model.Timesheet:
    """Replace one day of a CRA after checking the day rules and the month's state."""
    month = parse_month(month_text)
    day = parse_day(day_text)
    consultant = await repo.get_person(consultant_id)
    if consultant is None:
        raise NotFound("no such CRA")
    timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=str(month))
    ensure_can_edit_days(actor, timesheet or _empty(consultant_id, month), consultant)
    terms = mission_terms(await repo.missions_of(consultant_id))
    try:
        valid = validate_day(
            month=month,
            date=day,
            lines=[DayLine(line=line, half_days=half) for line, half in lines],
            comment=comment,
            missions=terms,
        )
    except InvalidDay as error:
        raise InvalidInput(
            "the day breaks the CRA rules",
            errors=tuple(
                FieldError(field=v.field, code=v.code, message=v.message) for v in error.violations
            ),
        ) from error
    try:
        await write_web_day(
            WebEdit(
                consultant_id=consultant_id,
                date=valid.date,
                day=valid,
                actor_id=actor.person_id,
                organisation_id=consultant.organisation_id,
            ),
            missions=terms,
            now=clock(),
        )
    except MonthLocked as error:
        raise Conflict(
            error.message,
            errors=(FieldError(field="month", code="month_locked", message=error.message),),
        ) from error
    updated = await repo.get_timesheet(consultant_id=consultant_id, month=str(month))
    assert updated is not None
    return updated
