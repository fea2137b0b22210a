"""Request-scoped dependencies: the services, and the logged-in person."""

from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency

from server.api.token_auth import bearer_of
from server.domain.errors import NotAuthenticated
from server.services import api_tokens
from server.services.accounts import Accounts, CurrentSession
from server.services.clock import Clock


async def provide_session(
    request: Request[Any, Any, Any], accounts: NamedDependency[Accounts]
) -> CurrentSession:
    """The current session, or 401: every handler that takes `session` needs a login.

    With an API token (`server/api/token_auth.py`) the session is the token's: the endpoint
    must be open to tokens and the token must hold the scope it names (``opt["token_scope"]``).
    """
    token = bearer_of(request.headers)
    if token is not None:
        found = await api_tokens.authenticate(
            token=token,
            needed=request.route_handler.opt.get("token_scope"),
            now=accounts.clock(),
        )
        return CurrentSession(actor=found.actor, person=found.person, token="")
    cookie = request.cookies.get(accounts.settings.session_cookie_name)
    current = await accounts.current(cookie)
    if current is None:
        msg = "log in with your passkey first"
        raise NotAuthenticated(msg)
    return current


async def provide_optional_session(
    request: Request[Any, Any, Any], accounts: NamedDependency[Accounts]
) -> CurrentSession | None:
    return await accounts.current(request.cookies.get(accounts.settings.session_cookie_name))


# Litestar 2.25 deprecates inferred dependencies; these aliases mark them explicitly.
AccountsDep: TypeAlias = NamedDependency[Accounts]
SessionDep: TypeAlias = NamedDependency[CurrentSession]
OptionalSessionDep: TypeAlias = NamedDependency[CurrentSession | None]
ClockDep: TypeAlias = NamedDependency[Clock]
