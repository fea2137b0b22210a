"""Organisation, people, client companies and missions."""

from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.api import convert
from server.api import schemas as s
from server.api.cookies import with_session
from server.api.deps import AccountsDep, SessionDep
from server.api.openapi import problems
from server.domain.access import can_see_prices, ensure_role
from server.domain.roles import Role
from server.services import directory


class OrganisationController(Controller):
    path = "/organisation"
    tags = ["directory"]

    @get(operation_id="getOrganisation")
    async def read(self, session: SessionDep) -> s.OrganisationOut:
        return convert.organisation(await directory.organisation_of(session.actor))


class PeopleController(Controller):
    path = "/people"
    tags = ["directory"]

    @get(operation_id="listPeople")
    async def list(self, session: SessionDep) -> list[s.PersonOut]:
        return [convert.person(p) for p in await directory.list_people(session.actor)]

    @get("/{person_id:uuid}", operation_id="getPerson")
    async def read(self, person_id: FromPath[UUID], session: SessionDep) -> s.PersonOut:
        return convert.person(await directory.visible_person(session.actor, str(person_id)))

    @post(operation_id="invitePerson", opt=problems(409), status_code=HTTP_201_CREATED)
    async def invite(
        self, data: JSONBody[s.PersonCreate], session: SessionDep, accounts: AccountsDep
    ) -> s.InvitedPerson:
        """Create a person and their single-use invitation link (administrators only); the
        link is also e-mailed to them when the server can mail (`emailed`)."""
        ensure_role(session.actor, Role.ADMIN)
        person = await directory.create_person(
            organisation_id=session.actor.organisation_id,
            new=directory.NewPerson(
                email=data.email,
                display_name=data.display_name,
                roles=frozenset(data.roles),
                manager_id=str(data.manager_id) if data.manager_id else None,
                client_company_id=str(data.client_company_id) if data.client_company_id else None,
            ),
        )
        link = await accounts.issue_invitation(
            person=person, created_by=session.actor.person_id, send_email=True
        )
        return s.InvitedPerson(
            person=convert.person(person),
            invitation_url=link,
            emailed=accounts.mails_invitations,
        )

    @post(
        "/{person_id:uuid}/invitations",
        operation_id="reinvitePerson",
        opt=problems(409),
        status_code=HTTP_201_CREATED,
    )
    async def reinvite(
        self, person_id: FromPath[UUID], session: SessionDep, accounts: AccountsDep
    ) -> s.InvitationLink:
        """A new invitation link, e.g. for a person who lost their only device; it is also
        e-mailed to them, and the links sent before stop working."""
        person = await directory.invitable_person(session.actor, str(person_id))
        link = await accounts.issue_invitation(
            person=person, created_by=session.actor.person_id, send_email=True
        )
        return s.InvitationLink(invitation_url=link, emailed=accounts.mails_invitations)

    @put("/{person_id:uuid}/roles", operation_id="setRoles")
    async def set_roles(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[s.RolesUpdate],
        session: SessionDep,
        accounts: AccountsDep,
    ) -> Response[s.PersonOut]:
        """Change a person's roles; their sessions end, so the new rights start from a new id."""
        ensure_role(session.actor, Role.ADMIN)
        person = await directory.set_roles(session.actor, str(person_id), frozenset(data.roles))
        response = Response(convert.person(person))
        if person.id == session.actor.person_id:
            login = await accounts.rotate(person.id)
            return with_session(response, settings=accounts.settings, token=login.token)
        await accounts.end_sessions_of(person.id)
        return response

    @post(
        "/{person_id:uuid}/deactivate",
        operation_id="deactivatePerson",
        opt=problems(409),
        status_code=HTTP_200_OK,
    )
    async def deactivate(self, person_id: FromPath[UUID], session: SessionDep) -> s.PersonOut:
        """Deactivate a person (administrators only, never themselves): they can no longer
        sign in, their sessions end at once and their devices stop receiving notifications.
        Their history stays whole: months, signatures and invoices are kept."""
        person = await directory.set_active(session.actor, str(person_id), active=False)
        return convert.person(person)

    @post("/{person_id:uuid}/reactivate", operation_id="reactivatePerson", status_code=HTTP_200_OK)
    async def reactivate(self, person_id: FromPath[UUID], session: SessionDep) -> s.PersonOut:
        """Reactivate a person: they sign in again with their passkeys (administrators only)."""
        person = await directory.set_active(session.actor, str(person_id), active=True)
        return convert.person(person)


class ClientController(Controller):
    path = "/clients"
    tags = ["directory"]

    @get(operation_id="listClients")
    async def list(self, session: SessionDep) -> list[s.ClientOut]:
        return [convert.client(c) for c in await directory.list_clients(session.actor)]

    @post(operation_id="createClient", status_code=HTTP_201_CREATED)
    async def create(self, data: JSONBody[s.ClientCreate], session: SessionDep) -> s.ClientOut:
        client = await directory.create_client(session.actor, **data.model_dump())
        return convert.client(client)


class MissionController(Controller):
    path = "/missions"
    tags = ["directory"]

    @get(operation_id="listMissions")
    async def list(self, session: SessionDep) -> list[s.MissionOut | s.SignerMissionOut]:
        """The missions the person may see; a client signer gets them without prices."""
        view = convert.mission if can_see_prices(session.actor) else convert.signer_mission
        return [view(m) for m in await directory.list_missions(session.actor)]

    @get("/{mission_id:uuid}", operation_id="getMission")
    async def read(
        self, mission_id: FromPath[UUID], session: SessionDep
    ) -> s.MissionOut | s.SignerMissionOut:
        """One mission; a client signer gets it without prices."""
        view = convert.mission if can_see_prices(session.actor) else convert.signer_mission
        return view(await directory.visible_mission(session.actor, str(mission_id)))

    @post(operation_id="createMission", status_code=HTTP_201_CREATED)
    async def create(self, data: JSONBody[s.MissionCreate], session: SessionDep) -> s.MissionOut:
        mission = await directory.create_mission(session.actor, convert.mission_from(data))
        return convert.mission(mission)

    @put(
        "/{mission_id:uuid}",
        operation_id="updateMission",
        opt=problems(409, 422),
    )
    async def update(
        self, mission_id: FromPath[UUID], data: JSONBody[s.MissionUpdate], session: SessionDep
    ) -> s.MissionOut:
        """Edit or close a mission (administrators only); refused with 409, naming each field
        and month, when the change would rewrite a month already handed in."""
        mission = await directory.update_mission(
            session.actor, str(mission_id), convert.mission_edit(data)
        )
        return convert.mission(mission)
