"""Two firms on one installation, each on its own host name (docs/multi-tenant.md)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar

from server.domain.roles import Role
from server.services import firms
from server.services.accounts import Accounts
from server.services.clock import Clock
from server.settings import Settings
from tests.factories import World


async def firm_world(
    app: Litestar, settings: Settings, clock: Clock, *, name: str, host: str
) -> World:
    """A firm created as `carnet create-firm` does, its people browsing on `host`: with the test
    settings (origin http://localhost, relying party localhost) the firm's origin is
    http://<host> and its relying-party id the host name."""
    organisation = await firms.create_firm(legal_name=name, host=host)
    return World(
        app=app,
        accounts=Accounts(settings=settings, clock=clock),
        organisation=organisation,
        base_url=f"http://{host}",
        origin=f"http://{host}",
        rp_id=firms.hostname_of(host),
    )


@asynccontextmanager
async def two_firms(
    app: Litestar, settings: Settings, clock: Clock, *, a_host: str, b_host: str
) -> AsyncIterator[tuple[World, World]]:
    """Alpha SAS on `a_host` and Beta SARL on `b_host`, each with an admin."""
    a = await firm_world(app, settings, clock, name="Alpha SAS", host=a_host)
    b = await firm_world(app, settings, clock, name="Beta SARL", host=b_host)
    try:
        await a.person("admin", [Role.ADMIN])
        await b.person("admin", [Role.ADMIN])
        yield a, b
    finally:
        await a.close()
        await b.close()
