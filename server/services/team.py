"""The team board of a month (`server.domain.team_board`), for managers and administrators.

A manager sees the consultants whose manager they are; an administrator the whole
organisation; anyone else is refused (403). Counting is done in SQL (`team_store`); the
working days come from the shared calendar of `sync/`, per calendar region.
"""

from collections import defaultdict

from server.domain import team_board
from server.domain.access import ensure_role
from server.domain.roles import Actor, Role
from server.services.timesheets import parse_month
from server.storage import team_store
from sync.calendar import CalendarRegion, working_days


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
        filled |= await team_store.filled_days(consultant_ids=ids, month=str(month), working=days)
    return team_board.board(
        month=str(month),
        members=(
            team_board.Member(
                consultant_id=row.consultant_id,
                name=row.name,
                status=row.status or team_board.NOT_STARTED,
                working_days=expected[row.region],
                days_filled=filled.get(row.consultant_id, (0, 0))[0],
                half_days=filled.get(row.consultant_id, (0, 0))[1],
                waiting_on_id=row.waiting_on_id,
                waiting_on_name=row.waiting_on_name,
                version=row.version,
            )
            for row in rows
        ),
    )
