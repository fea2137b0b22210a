"""Organisation, people, client companies and missions."""

import dataclasses
from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.api import convert
from server.api import schemas as s
from server.api.cookies import with_session
from server.api.deps import AccountsDep, ClockDep, SessionDep
from server.api.openapi import problems
from server.api.token_auth import token_scope
from server.domain.access import can_see_prices, ensure_role
from server.domain.integrations import Scope
from server.domain.roles import Role
from server.services import directory
from server.services import organisation as org_screen


class OrganisationController(Controller):
    path = "/organisation"
    tags = ["directory"]

    @get(operation_id="getOrganisation")
    async def read(self, session: SessionDep) -> s.OrganisationOut:
        return convert.organisation(await directory.organisation_of(session.actor))

    @get("/profile", operation_id="getOrganisationProfile", opt=problems(403))
    async def profile(self, session: SessionDep, clock: ClockDep) -> s.OrganisationProfileOut:
        """The legal identity and billing profile as the organisation screen edits them, with
        the numbers the next invoice and credit note would take (administrators only)."""
        return _profile_out(await org_screen.read_profile(session.actor, clock=clock))

    @put(operation_id="updateOrganisation", opt=problems(403, 422))
    async def update(
        self, data: JSONBody[s.OrganisationProfileIn], session: SessionDep, clock: ClockDep
    ) -> s.OrganisationProfileOut:
        """Save the legal identity and billing profile, whole (administrators only; audited as
        `organisation.changed`). Refused with every field at fault, nothing saved: a SIREN or
        SIRET whose check digit is wrong, a SIRET of another SIREN, a French VAT number not
        the SIREN's, a wrong IBAN, payment terms beyond L441-10, two equal prefixes, or a new
        prefix whose series would issue a number already issued."""
        profile = org_screen.OrganisationProfile(**data.model_dump(mode="json"))
        view = await org_screen.update_profile(session.actor, profile, clock=clock)
        return _profile_out(view)


def _profile_out(view: org_screen.ProfileView) -> s.OrganisationProfileOut:
    return s.OrganisationProfileOut(
        id=view.id,
        time_zone=view.time_zone,
        next_invoice_number=view.next_invoice_number,
        next_credit_note_number=view.next_credit_note_number,
        **dataclasses.asdict(view.profile),
    )


def _client_out(view: org_screen.ClientView) -> s.ClientProfileOut:
    return s.ClientProfileOut(
        id=view.id,
        reverse_charge=view.reverse_charge,
        own_payment_terms=view.own_terms,
        **dataclasses.asdict(view.profile),
    )


def _devices_out(devices: org_screen.Devices) -> s.PersonDevicesOut:
    return s.PersonDevicesOut(
        person_id=devices.person_id,
        passkeys=[s.PasskeyOut(**dataclasses.asdict(k)) for k in devices.passkeys],
        sessions=[s.DeviceSessionOut(**dataclasses.asdict(x)) for x in devices.sessions],
        sync_devices=[
            s.SyncDeviceOut(id=d.id, last_seen_at=d.last_seen_at) for d in devices.sync_devices
        ],
    )


class PeopleController(Controller):
    path = "/people"
    tags = ["directory"]

    # Above `list` (the handler below): after it, that name in this class's body is the handler.
    @get("/activity", operation_id="listPeopleActivity", opt=problems(403))
    async def activity(self, session: SessionDep) -> list[s.PersonActivityOut]:
        """When each member was last seen (a passkey registered or used, a request, a phone's
        sync), most recent first; people never seen are not listed (administrators only)."""
        seen = await org_screen.last_activity(session.actor)
        return [
            s.PersonActivityOut(person_id=who, last_active_at=at)
            for who, at in sorted(seen.items(), key=lambda item: item[1], reverse=True)
        ]

    @get(operation_id="listPeople", opt=token_scope(Scope.PEOPLE_READ))
    async def list(self, session: SessionDep) -> list[s.PersonOut]:
        return [convert.person(p) for p in await directory.list_people(session.actor)]

    @get("/{person_id:uuid}", operation_id="getPerson", opt=token_scope(Scope.PEOPLE_READ))
    async def read(self, person_id: FromPath[UUID], session: SessionDep) -> s.PersonOut:
        return convert.person(await directory.visible_person(session.actor, str(person_id)))

    @post(
        operation_id="invitePerson",
        opt={**problems(409), **token_scope(Scope.PEOPLE_WRITE)},
        status_code=HTTP_201_CREATED,
    )
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
    async def deactivate(
        self, person_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> s.PersonOut:
        """Deactivate a person (administrators only, never themselves): they can no longer
        sign in, their sessions end at once and their devices stop receiving notifications.
        Their history stays whole: months, signatures and invoices are kept."""
        person = await directory.set_active(
            session.actor, str(person_id), active=False, clock=clock
        )
        return convert.person(person)

    @post("/{person_id:uuid}/reactivate", operation_id="reactivatePerson", status_code=HTTP_200_OK)
    async def reactivate(
        self, person_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> s.PersonOut:
        """Reactivate a person: they sign in again with their passkeys (administrators only)."""
        person = await directory.set_active(
            session.actor, str(person_id), active=True, clock=clock
        )
        return convert.person(person)

    @get("/{person_id:uuid}/devices", operation_id="listPersonDevices", opt=problems(403))
    async def devices(self, person_id: FromPath[UUID], session: SessionDep) -> s.PersonDevicesOut:
        """A person's passkeys with their last use, open sessions and synchronised devices
        (administrators only)."""
        devices = await org_screen.devices_of(session.actor, str(person_id), token=session.token)
        return _devices_out(devices)

    @post(
        "/{person_id:uuid}/sessions/{session_id:uuid}/end",
        operation_id="endPersonSession",
        opt=problems(403, 409),
        status_code=HTTP_200_OK,
    )
    async def end_session(
        self,
        person_id: FromPath[UUID],
        session_id: FromPath[UUID],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.PersonDevicesOut:
        """End one of a person's sessions: that device must sign in again (audited as
        `person.session_ended`). Your own current session is refused: sign out instead."""
        devices = await org_screen.end_session(
            session.actor, str(person_id), str(session_id), token=session.token, clock=clock
        )
        return _devices_out(devices)

    @post(
        "/{person_id:uuid}/passkeys/{passkey_id:uuid}/revoke",
        operation_id="revokePersonPasskey",
        opt=problems(403, 409),
        status_code=HTTP_200_OK,
    )
    async def revoke_passkey(
        self,
        person_id: FromPath[UUID],
        passkey_id: FromPath[UUID],
        data: JSONBody[s.PasskeyRevokeIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.PersonDevicesOut:
        """Revoke a person's passkey (lost or stolen device) and end their sessions; audited as
        `person.passkey_revoked`. The record stays, revoked: past signatures refer to it. The
        last passkey in use is refused (409 `last_passkey`) unless `confirm_last`."""
        devices = await org_screen.revoke_passkey(
            session.actor,
            str(person_id),
            str(passkey_id),
            confirm_last=data.confirm_last,
            token=session.token,
            clock=clock,
        )
        return _devices_out(devices)


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

    @get("/{client_id:uuid}", operation_id="getClient", opt=problems(403))
    async def read(self, client_id: FromPath[UUID], session: SessionDep) -> s.ClientProfileOut:
        """A client's billing identity and approval wording (administrators only)."""
        return _client_out(await org_screen.read_client(session.actor, str(client_id)))

    @put("/{client_id:uuid}", operation_id="updateClient", opt=problems(403, 422))
    async def update(
        self,
        client_id: FromPath[UUID],
        data: JSONBody[s.ClientUpdate],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.ClientProfileOut:
        """Save a client's billing identity and approval wording, whole (administrators only;
        audited as `client.changed`). Refused, nothing saved: a SIREN whose check digit is
        wrong, a French VAT number not the SIREN's, an EU VAT number of another country, a
        country outside the EU. Invoices already issued keep the identity they were issued
        with."""
        profile = org_screen.ClientProfile(
            **data.model_dump(mode="json", exclude={"own_payment_terms"})
        )
        view = await org_screen.update_client(session.actor, str(client_id), profile, clock=clock)
        return _client_out(view)


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
