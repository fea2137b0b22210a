"""The team board of a month (`server.domain.team_board`), for managers and administrators.

A manager sees the consultants whose manager they are; an administrator the whole
organisation; anyone else is refused (403). Counting is done in SQL (`team_store`); the
working days come from the shared calendar of `sync/`, per calendar region.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from server.domain import model, team_board
from server.domain.access import ensure_role
from server.domain.errors import Conflict, FieldError, NotFound
from server.domain.roles import Actor, Role
from server.services import notifications
from server.services.circuit import parse_month
from server.services.clock import Clock
from server.storage import repositories as repo
from server.storage import team_store
from sync.calendar import CalendarRegion, working_days


class NotTheConsultantsMove(Conflict):
    """The month waits on an approver, or is closed: there is nothing to remind them of."""

    code = "not_waiting_on_consultant"


class AlreadyReminded(Conflict):
    """This consultant was already reminded of this month today (one reminder a day)."""

    code = "already_reminded"


def _in_scope(actor: Actor, person: model.Person | None) -> bool:
    """The board's scope: an administrator's organisation, a manager's own consultants."""
    if person is None or person.organisation_id != actor.organisation_id:
        return False
    if Role.CONSULTANT not in person.roles:
        return False
    return actor.has(Role.ADMIN) or person.manager_id == actor.person_id


@dataclass(frozen=True)
class Reminded:
    consultant_id: str
    month: str
    status: team_board.BoardStatus
    at: datetime


async def remind(actor: Actor, *, month_text: str, consultant_id: str, clock: Clock) -> Reminded:
    """Remind a consultant of their month from the board, through the notifications outbox.

    Refused: 403 to anyone but managers and administrators; 404 for a consultant outside the
    board's scope (ids cannot be probed); 409 ``not_waiting_on_consultant`` once the month is
    handed in; 409 ``already_reminded`` for a second reminder the same day (the rate limit).
    """
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    month = parse_month(month_text)
    consultant = await repo.get_person(consultant_id)
    if not _in_scope(actor, consultant):
        raise NotFound("no such consultant in your team")
    assert consultant is not None
    timesheet = await repo.get_timesheet(consultant_id=consultant.id, month=str(month))
    status = team_board.board_status(timesheet.status if timesheet else None)
    if not team_board.can_remind(status):
        message = f"the month is {status}: it no longer waits on the consultant"
        raise NotTheConsultantsMove(
            message, errors=(FieldError("status", "not_waiting_on_consultant", message),)
        )
    me = await repo.get_person(actor.person_id)
    at = clock()
    inserted = await notifications.notify_reminder(
        consultant_id=consultant.id,
        organisation_id=consultant.organisation_id,
        month=month,
        by_id=actor.person_id,
        by_name=me.display_name if me else "",
        status=status,
        at=at,
    )
    if not inserted:
        message = "already reminded of this month today: one reminder a day"
        raise AlreadyReminded(
            message, errors=(FieldError("consultant_id", "already_reminded", message),)
        )
    return Reminded(consultant_id=consultant.id, month=str(month), status=status, at=at)


async def team_month(actor: Actor, *, month_text: str) -> team_board.Board:
    """Every consultant in the actor's scope and where their CRA of `month_text` stands."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    month = parse_month(month_text)
    rows = await team_store.consultants_month(
        organisation_id=actor.organisation_id,
        manager_id=None if actor.has(Role.ADMIN) else actor.person_id,
        month=str(month),
        first=month.first_day,
        last=month.last_day,
    )
    by_region: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_region[row.region].append(row.consultant_id)
    expected: dict[str, int] = {}
    filled: dict[str, tuple[int, int]] = {}
    for region, ids in by_region.items():
        days = working_days(month=month, region=CalendarRegion(region))
        expected[region] = len(days)
        filled |= await team_store.filled_days(consultant_ids=ids, working=days)
    clients = await team_store.clients_of(
        consultant_ids=[row.consultant_id for row in rows],
        first=month.first_day,
        last=month.last_day,
    )
    return team_board.board(
        month=str(month),
        members=(
            team_board.Member(
                consultant_id=row.consultant_id,
                name=row.name,
                status=team_board.board_status(row.status),
                working_days=expected[row.region],
                days_filled=filled.get(row.consultant_id, (0, 0))[0],
                half_days=filled.get(row.consultant_id, (0, 0))[1],
                waiting_on_id=row.waiting_on_id,
                waiting_on_name=row.waiting_on_name,
                version=row.version,
                clients=tuple(clients.get(row.consultant_id, ())),
            )
            for row in rows
        ),
    )
