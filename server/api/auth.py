"""Login, logout, invitations and the session: the rate-limited part of the API."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.params import Body, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.api import convert
from server.api import schemas as s
from server.api.cookies import with_session, without_session
from server.api.deps import AccountsDep, OptionalSessionDep
from server.api.openapi import problems
from server.api.params import InvitationToken
from server.domain.errors import NotFound
from server.services import directory
from server.services.accounts import Login
from server.storage import repositories as repo

EmptyBody = Body(description="An empty JSON object.")


async def _login_response(
    accounts: AccountsDep, login: Login, status: int
) -> Response[s.LoginOut]:
    organisation = await repo.get_organisation(login.person.organisation_id)
    body = s.LoginOut(
        person=convert.person(
            login.person,
            organisation.legal_name if organisation else None,
            await directory.client_company_name(login.person),
        )
    )
    return with_session(
        Response(body, status_code=status), settings=accounts.settings, token=login.token
    )


class SessionController(Controller):
    path = "/session"
    tags = ["auth"]

    @get(operation_id="getSession", summary="Who is logged in (sets the CSRF cookie)")
    async def session(
        self, optional_session: OptionalSessionDep, accounts: AccountsDep
    ) -> s.SessionOut:
        person = None
        if optional_session is not None:
            organisation = await directory.organisation_of(optional_session.actor)
            person = convert.person(
                optional_session.person,
                organisation.legal_name,
                await directory.client_company_name(optional_session.person),
            )
        return s.SessionOut(
            authenticated=person is not None,
            person=person,
            demo_mode=accounts.settings.demo_mode,
        )


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/passkey-options", operation_id="loginOptions", status_code=HTTP_200_OK)
    async def options(
        self, accounts: AccountsDep, data: JSONBody[s.Empty | None] = None
    ) -> s.CeremonyOut:
        ceremony_id, options = await accounts.begin_login()
        return s.CeremonyOut(ceremony_id=ceremony_id, options=options)

    @post("/passkey", operation_id="login", opt=problems(401), status_code=HTTP_200_OK)
    async def login(
        self, data: JSONBody[s.PasskeyAssertion], accounts: AccountsDep
    ) -> Response[s.LoginOut]:
        login = await accounts.finish_login(
            ceremony_id=str(data.ceremony_id), credential=data.credential
        )
        return await _login_response(accounts, login, HTTP_200_OK)

    @post("/logout", operation_id="logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(
        self,
        request: Request[Any, Any, Any],
        accounts: AccountsDep,
        data: JSONBody[s.Empty | None] = None,
    ) -> Response[None]:
        await accounts.logout(request.cookies.get(accounts.settings.session_cookie_name))
        return without_session(
            Response(None, status_code=HTTP_204_NO_CONTENT), settings=accounts.settings
        )

    @post("/demo-login", operation_id="demoLogin", opt=problems(404), status_code=HTTP_200_OK)
    async def demo_login(
        self, request: Request[Any, Any, Any], data: JSONBody[s.DemoLogin], accounts: AccountsDep
    ) -> Response[s.LoginOut]:
        """Password-less login as a demo person: only in demo mode, only from this machine,
        and only from a page of the configured origin (Host and Origin both match it, so a
        DNS-rebinding page that reaches the demo on 127.0.0.1 under its own name is refused)."""
        settings = accounts.settings
        client = request.client.host if request.client else ""
        if not (
            settings.demo_mode
            and _is_loopback(client)
            and urlsplit(settings.origin).hostname in {"localhost", "127.0.0.1"}
            and request.headers.get("host", "").lower() == urlsplit(settings.origin).netloc.lower()
            and request.headers.get("origin", "").lower() == settings.origin.lower()
        ):
            msg = "demo login is not available on this server"
            raise NotFound(msg)
        login = await accounts.demo_login(email=data.email)
        return await _login_response(accounts, login, HTTP_200_OK)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class InvitationController(Controller):
    path = "/invitations/{token:str}"
    tags = ["auth"]

    @get(operation_id="getInvitation", opt=problems(410))
    async def read(self, token: InvitationToken, accounts: AccountsDep) -> s.InvitationOut:
        view = await accounts.read_invitation(token)
        return s.InvitationOut(
            email=view.person.email,
            display_name=view.person.display_name,
            organisation_name=view.organisation.legal_name,
            expires_at=view.expires_at,
        )

    @post(
        "/passkey-options",
        operation_id="invitationPasskeyOptions",
        opt=problems(410),
        status_code=HTTP_200_OK,
    )
    async def options(
        self, token: InvitationToken, accounts: AccountsDep, data: JSONBody[s.Empty | None] = None
    ) -> s.CeremonyOut:
        ceremony_id, options = await accounts.begin_registration(token)
        return s.CeremonyOut(ceremony_id=ceremony_id, options=options)

    @post(
        "/passkey",
        operation_id="registerInvitationPasskey",
        opt=problems(401, 409, 410),
        status_code=HTTP_201_CREATED,
    )
    async def register(
        self, token: InvitationToken, data: JSONBody[s.PasskeyRegistration], accounts: AccountsDep
    ) -> Response[s.LoginOut]:
        login = await accounts.finish_registration(
            token=token,
            ceremony_id=str(data.ceremony_id),
            credential=data.credential,
            device_name=data.device_name,
        )
        return await _login_response(accounts, login, HTTP_201_CREATED)
