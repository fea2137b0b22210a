"""Request-scoped dependencies: the services, and the logged-in person."""

from typing import Any, TypeAlias

from litestar import Request
from litestar.di import NamedDependency

from server.domain.errors import NotAuthenticated
from server.services.accounts import Accounts, CurrentSession
from server.services.clock import Clock


async def provide_session(
    request: Request[Any, Any, Any], accounts: NamedDependency[Accounts]
) -> CurrentSession:
    """The current session, or 401: every handler that takes `session` needs a login."""
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
