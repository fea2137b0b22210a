"""An administrator sends a client signer a new signature link from the back office
(POST /people/{id}/months/{month}/signature-link): only while the month waits on a client
signer, to the signer's address on file, through the outbox, audited; the new link opens and the
earlier one no longer does.

Real app, real database (SQLite, or PostgreSQL with CARNET_TEST_DB=postgres), real outbox worker
mailing a real local SMTP server.
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.domain.roles import Role
from server.services import audit_log
from server.services.notifications import OutboxWorker
from server.services.sync_service import set_month_state
from server.settings import Settings
from server.storage import notification_store
from sync.months import MonthStatus
from tests.conftest import FakeClock
from tests.factories import ORIGIN, World
from tests.server.notification_peers import SmtpServer, smtp_server
from tests.server.signing_helpers import (
    MONTH,
    issue_link,
    month_waiting_on_signer,
    open_link,
    token_of,
)

__all__ = ["smtp_server"]


def resend_path(person_id: str, month: str = MONTH) -> str:
    return f"/api/v1/people/{person_id}/months/{month}/signature-link"


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_tls": "none",
            "mail_from": "Carnet <carnet@example.test>",
        }
    )


@pytest.fixture
async def mailer(settings: Settings, clock: FakeClock) -> AsyncIterator[OutboxWorker]:
    worker = OutboxWorker(settings=settings, clock=clock, worker_id="test-worker")
    yield worker
    await worker.close()


async def outbox() -> list[dict[str, Any]]:
    return [dict(r) for r in await notification_store.outbox_rows()]


async def events(month_id: str) -> list[str]:
    return [e.event for e in await audit_log.history(month_id)]


async def test_admin_resends_a_link_mailed_to_the_signer_on_file_and_the_old_one_stops(
    world: World, smtp_server: SmtpServer, mailer: OutboxWorker
) -> None:
    """Make sure the admin's resend mails one fresh link to the signer's address on file, is
    audited with who asked, the fresh link opens, and the earlier link no longer does."""
    admin = await world.person("admin", {Role.ADMIN})
    waiting = await month_waiting_on_signer(world)
    old = await issue_link(world, waiting.month_id)
    await mailer.drain()
    smtp_server.mailbox.messages.clear()

    sent = await admin.browser.post(resend_path(waiting.consultant.id))

    assert sent.status_code == 201, sent.text
    assert sent.json() == {
        "signer_id": waiting.signer.id,
        "signer_name": waiting.signer.person.display_name,
        "signer_email": waiting.signer.person.email,
    }
    await mailer.drain()
    [mail] = smtp_server.mailbox.messages
    assert str(mail["To"]) == waiting.signer.person.email
    plain, _ = smtp_server.mailbox.texts(mail)
    fresh = next(w for w in plain.split() if "/sign/#t=" in w).rstrip(".")
    assert fresh.startswith(ORIGIN) and token_of(fresh) != token_of(old)
    assert (await open_link(world.browser(), fresh)).status_code == 200
    assert (await open_link(world.browser(), old)).status_code == 410

    [resent] = await audit_log.history(waiting.month_id, "signature.link_resent")
    assert resent.actor == admin.id
    assert resent.body["data"]["signer"] == waiting.signer.id
    issued = await audit_log.history(waiting.month_id, "signature.link_issued")
    assert issued[-1].actor == admin.id
    assert all(v.check.ok for v in await audit_log.verify())


async def test_resend_is_refused_with_409_when_the_month_does_not_wait_on_a_client(
    world: World,
) -> None:
    """Make sure a validated month, a month waiting on a manager and a month never opened are
    refused with a reason naming the month, and nothing is queued or recorded."""
    admin = await world.person("admin", {Role.ADMIN})
    waiting = await month_waiting_on_signer(world, manager_first=True)
    # At the manager's step: an approval within the firm, no client link to send.
    await set_month_state(
        consultant_id=waiting.consultant.id,
        month=MONTH,
        status=MonthStatus.IN_VALIDATION,
        now=world.accounts.clock(),
        step=0,
        waiting_on_id=world["manager"].id,
    )
    before_mail, before_events = await outbox(), await events(waiting.month_id)
    at_manager = await admin.browser.post(resend_path(waiting.consultant.id))
    assert at_manager.status_code == 409, at_manager.text
    assert [(e["field"], e["code"]) for e in at_manager.json()["errors"]] == [
        ("month", "not_waiting_on_signer")
    ]
    await set_month_state(
        consultant_id=waiting.consultant.id,
        month=MONTH,
        status=MonthStatus.VALIDATED,
        now=world.accounts.clock(),
    )
    before_events = await events(waiting.month_id)
    validated = await admin.browser.post(resend_path(waiting.consultant.id))
    assert validated.status_code == 409, validated.text
    never_opened = await admin.browser.post(resend_path(waiting.consultant.id, "2026-03"))
    assert never_opened.status_code == 409, never_opened.text
    assert await outbox() == before_mail
    assert await events(waiting.month_id) == before_events


async def test_resend_is_for_administrators_of_the_consultants_organisation(
    world: World,
) -> None:
    """Make sure the consultant, their manager and the signer are refused (403), a bad month is
    a 422 naming the month, and nothing is queued."""
    await world.person("manager", {Role.MANAGER})
    await world.person("consultant", {Role.CONSULTANT}, manager="manager")
    admin = await world.person("admin", {Role.ADMIN})
    waiting = await month_waiting_on_signer(world)
    before = await outbox()
    for name in ("consultant", "manager"):
        refused = await world[name].browser.post(resend_path(waiting.consultant.id))
        assert refused.status_code == 403, (name, refused.text)
    bad = await admin.browser.post(resend_path(waiting.consultant.id, "2026-13"))
    assert bad.status_code == 422, bad.text
    assert [e["field"] for e in bad.json()["errors"]] == ["month"]
    assert await outbox() == before
    assert "signature.link_resent" not in await events(waiting.month_id)
