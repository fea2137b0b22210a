"""Two firms on one installation, each on its own host name (docs/multi-tenant.md)."""

from litestar import Litestar

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
