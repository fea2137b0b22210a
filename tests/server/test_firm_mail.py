"""Links in the outbox's mails lead to the recipient's firm, on its own host
(docs/multi-tenant.md)."""

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from server.domain.roles import Role
from server.services import notifications
from server.services.clock import Clock
from server.services.notifications import OutboxWorker
from server.services.signature_tokens import SIGN_PATH, create_link
from server.settings import Settings
from server.storage import repositories as repo
from tests.factories import World
from tests.server.firm_worlds import firm_world
from tests.server.notification_peers import SmtpServer, smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_tls": "none"}
    )


@pytest.fixture
async def beta(app: Litestar, settings: Settings, clock: Clock) -> AsyncIterator[World]:
    await firm_world(app, settings, clock, name="Alpha SAS", host="alpha.firm.test")
    world = await firm_world(app, settings, clock, name="Beta SAS", host="beta.firm.test")
    yield world
    await world.close()


async def test_a_signer_link_mailed_by_the_worker_is_on_the_signer_firm_host(
    beta: World, settings: Settings, clock: Clock, smtp_server: SmtpServer
) -> None:
    """Make sure a signature link queued as a path (as the circuit queues it) is mailed on the
    origin of the signer's firm, not the installation's."""
    client = await beta.client()
    signer = await beta.person("signer", [Role.CLIENT_SIGNER], client_id=client.id, login=False)
    await beta.person("consultant", [Role.CONSULTANT], login=False)
    sheet = await repo.create_timesheet(consultant_id=beta["consultant"].id, month="2026-11")
    await repo.set_timesheet_state(
        timesheet_id=sheet.id, status="in_validation", step=0, waiting_on_id=signer.id
    )
    sheet = await repo.get_timesheet(consultant_id=beta["consultant"].id, month="2026-11")
    assert sheet is not None
    token = await create_link(timesheet=sheet, signer_id=signer.id, created_by=None, now=clock())
    await notifications.send_signer_link(
        email=signer.person.email,
        language="fr",
        month="2026-11",
        consultant_name="Consultant",
        link=SIGN_PATH + token,
        key="signer_link:beta",
        at=clock(),
    )
    worker = OutboxWorker(settings=settings, clock=clock, worker_id="firm-mail")
    try:
        await worker.drain()
    finally:
        await worker.close()
    [mail] = smtp_server.mailbox.messages
    plain, _ = smtp_server.mailbox.texts(mail)
    assert f"http://beta.firm.test{SIGN_PATH}{token}" in plain
    assert settings.origin + SIGN_PATH not in plain
