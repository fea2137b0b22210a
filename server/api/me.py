"""The logged-in person and their passkeys."""

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.api import convert
from server.api import schemas as s
from server.api.deps import AccountsDep, SessionDep
from server.api.openapi import problems
from server.services import directory


class MeController(Controller):
    path = "/me"
    tags = ["me"]

    @get(operation_id="me")
    async def me(self, session: SessionDep) -> s.PersonOut:
        organisation = await directory.organisation_of(session.actor)
        return convert.person(
            session.person,
            organisation.legal_name,
            await directory.client_company_name(session.person),
        )

    @get("/passkeys", operation_id="listPasskeys")
    async def passkeys(self, session: SessionDep, accounts: AccountsDep) -> list[s.PasskeyOut]:
        return [convert.passkey(p) for p in await accounts.list_passkeys(session.actor)]

    @post("/passkeys/options", operation_id="addPasskeyOptions", status_code=HTTP_200_OK)
    async def add_options(
        self, session: SessionDep, accounts: AccountsDep, data: JSONBody[s.Empty | None] = None
    ) -> s.CeremonyOut:
        ceremony_id, options = await accounts.begin_add_passkey(session.actor)
        return s.CeremonyOut(ceremony_id=ceremony_id, options=options)

    @post("/passkeys", operation_id="addPasskey", opt=problems(409), status_code=HTTP_201_CREATED)
    async def add(
        self, data: JSONBody[s.PasskeyRegistration], session: SessionDep, accounts: AccountsDep
    ) -> s.PasskeyOut:
        passkey = await accounts.finish_add_passkey(
            session.actor,
            ceremony_id=str(data.ceremony_id),
            credential=data.credential,
            device_name=data.device_name,
        )
        return convert.passkey(passkey)

    @delete(
        "/passkeys/{passkey_id:uuid}",
        operation_id="revokePasskey",
        opt=problems(409),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def revoke(
        self, passkey_id: FromPath[UUID], session: SessionDep, accounts: AccountsDep
    ) -> None:
        await accounts.revoke_passkey(session.actor, str(passkey_id), keep_token=session.token)
