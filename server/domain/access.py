"""Who may see and change what: the per-object authorization rules (ASVS 8.2.2).

Objects another person may not see are reported as not found, so ids cannot be probed.
"""

from server.domain.errors import Forbidden, NotFound
from server.domain.model import Mission, Person, Timesheet
from server.domain.roles import Actor, Role


def can_see_person(actor: Actor, person: Person) -> bool:
    """Admins see their organisation; managers their team; everyone sees themselves."""
    if person.organisation_id != actor.organisation_id:
        return False
    if person.id == actor.person_id or actor.has(Role.ADMIN):
        return True
    return actor.has(Role.MANAGER) and person.manager_id == actor.person_id


def can_see_mission(actor: Actor, mission: Mission, consultant: Person) -> bool:
    """A mission is visible to whoever sees its consultant, and to its client's approvers."""
    if mission.organisation_id != actor.organisation_id:
        return False
    if actor.has(Role.CLIENT_SIGNER) and any(
        step.approver_id == actor.person_id for step in mission.steps
    ):
        return True
    if actor.has(Role.CLIENT_SIGNER) and not (
        actor.roles & {Role.ADMIN, Role.MANAGER, Role.CONSULTANT}
    ):
        return False
    return can_see_person(actor, consultant)


def can_see_prices(actor: Actor) -> bool:
    """Rates, caps, billing modes and amounts are between the firm and the client's purchasing:
    the organisation's own people see them, a client signer never (they attest days)."""
    return bool(actor.roles & {Role.ADMIN, Role.MANAGER, Role.CONSULTANT})


def can_see_timesheet(actor: Actor, timesheet: Timesheet, consultant: Person) -> bool:
    """A client signer sees a CRA only while it waits on them; others follow the person rule."""
    if consultant.organisation_id != actor.organisation_id:
        return False
    if timesheet.waiting_on_id == actor.person_id:
        return True
    if actor.roles == frozenset({Role.CLIENT_SIGNER}):
        return False
    return can_see_person(actor, consultant)


def ensure_can_edit_days(actor: Actor, timesheet: Timesheet, consultant: Person) -> None:
    """Only the consultant writes their own days: nobody else, not even an administrator.

    Whoever cannot see the CRA is told it does not exist (404); whoever sees it but is not its
    consultant, a client signer it waits on included, is refused (403).
    """
    if not can_see_timesheet(actor, timesheet, consultant):
        msg = "no such CRA"
        raise NotFound(msg)
    if consultant.id != actor.person_id or not actor.has(Role.CONSULTANT):
        msg = "only the consultant may edit the days of their own CRA"
        raise Forbidden(msg)


def ensure_role(actor: Actor, *roles: Role) -> None:
    """Refuse unless the actor holds one of `roles`."""
    if not actor.roles & set(roles):
        wanted = " or ".join(role.value for role in roles)
        msg = f"this action needs the {wanted} role"
        raise Forbidden(msg)
