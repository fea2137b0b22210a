"""Mails carry the brand of the firm they are from: its sender name and its footer, and links
on its host, even mails to an address with no account, such as a signer's one-time code
(docs/brand.md)."""

from collections.abc import AsyncIterator
from email.utils import parseaddr

import pytest
from litestar import Litestar

from server.domain import brand as rules
from server.domain.roles import Actor, Role
from server.services import firm_brand, firms, notifications
from server.services.clock import Clock
from server.services.notifications import OutboxWorker
from server.settings import Settings
from tests.factories import World
from tests.server.firm_worlds import firm_world
from tests.server.notification_peers import SmtpServer, smtp_server

__all__ = ["smtp_server"]

FOOTER = "Beta Conseil SAS\n12 rue des Lilas, 69003 Lyon"


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_tls": "none"}
    )


@pytest.fixture
async def two(
    app: Litestar, settings: Settings, clock: Clock
) -> AsyncIterator[tuple[World, World]]:
    alpha = await firm_world(app, settings, clock, name="Alpha SAS", host="alpha.firm.test")
    beta = await firm_world(app, settings, clock, name="Beta SAS", host="beta.firm.test")
    admin = await beta.person("admin", [Role.ADMIN], login=False)
    actor = Actor(
        person_id=admin.id,
        organisation_id=beta.organisation.id,
        roles=frozenset({Role.ADMIN}),
    )
    await firm_brand.update(
        actor,
        rules.BrandInput(
            app_name="Beta Conseil",
            short_name="Beta",
            primary_color="#0b5d1e",
            accent_color="",
            email_sender_name="Beta Conseil RH",
            email_footer=FOOTER,
        ),
        clock=clock,
    )
    yield alpha, beta
    await alpha.close()
    await beta.close()


async def drain(settings: Settings, clock: Clock) -> None:
    worker = OutboxWorker(settings=settings, clock=clock, worker_id="brand-mail")
    try:
        await worker.drain()
    finally:
        await worker.close()


async def test_a_signer_code_queued_on_a_firms_host_carries_its_brand(
    two: tuple[World, World], settings: Settings, clock: Clock, smtp_server: SmtpServer
) -> None:
    """Make sure the one-time code mailed to an address, queued while a request of Beta's host
    runs (the signer's portal), is sent under Beta's name, with Beta's footer and portal link;
    the same mail queued on Alpha's host (no brand) keeps Carnet's sender and no footer."""
    alpha, beta = two
    for world, key in ((beta, "signer_code:beta"), (alpha, "signer_code:alpha")):
        firm = await firms.resolve(settings=settings, host=world.base_url.split("//")[1])
        with firms.entered(firm):
            await notifications.send_signer_code(
                email=f"signer@{key[-4:]}.example",
                language="fr",
                code="123456",
                key=key,
                at=clock(),
            )
    await drain(settings, clock)
    mails = {parseaddr(m["To"])[1]: m for m in smtp_server.mailbox.messages}
    beta_mail, alpha_mail = mails["signer@beta.example"], mails["signer@lpha.example"]
    assert parseaddr(beta_mail["From"]) == ("Beta Conseil RH", "carnet@localhost")
    plain, rich = smtp_server.mailbox.texts(beta_mail)
    plain = plain.replace("\r\n", "\n")
    assert "Ouvrir Beta Conseil : http://beta.firm.test/sign/" in plain
    assert plain.rstrip().endswith("-- \n" + FOOTER)
    assert "Beta Conseil SAS<br>12 rue des Lilas, 69003 Lyon" in rich
    assert alpha_mail["From"] == settings.mail_from
    plain, rich = smtp_server.mailbox.texts(alpha_mail)
    assert "Ouvrir Carnet : http://alpha.firm.test/sign/" in plain
    assert "Beta" not in plain and "Beta" not in rich and "-- \n" not in plain


async def test_a_mail_queued_outside_a_request_names_its_firm(
    two: tuple[World, World], settings: Settings, clock: Clock, smtp_server: SmtpServer
) -> None:
    """Make sure an item queued by the worker or the command line (no request, no current
    firm) that names its firm is mailed under that firm's brand."""
    _, beta = two
    await notifications.send_invitation(
        email="new@beta.example",
        language="en",
        organisation_name="Beta SAS",
        display_name="New",
        link="/#invitation=abc",
        days=7,
        key="invitation:beta",
        at=clock(),
        organisation_id=beta.organisation.id,
    )
    await drain(settings, clock)
    [mail] = smtp_server.mailbox.messages
    assert parseaddr(mail["From"])[0] == "Beta Conseil RH"
    plain, _ = smtp_server.mailbox.texts(mail)
    plain = plain.replace("\r\n", "\n")
    assert "Open Beta Conseil: http://beta.firm.test/#invitation=abc" in plain
    assert FOOTER in plain
