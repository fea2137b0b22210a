"""The life of a signer's link: it opens as often as needed until the month is signed, sent
back or the link expires; a signer whose link no longer opens asks for a new one.

Real app, real database, real outbox worker mailing a real local SMTP server.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server.domain.roles import Role
from server.services import audit_log
from server.services.notifications import OutboxWorker
from server.services.sync_service import set_month_state
from server.settings import Settings
from server.storage import notification_store
from server.storage import repositories as repo
from sync.months import MonthStatus
from tests.conftest import FakeClock
from tests.factories import ORIGIN, World
from tests.server.notification_peers import SmtpServer, smtp_server
from tests.server.signing_helpers import (
    Waiting,
    issue_link,
    month_waiting_on_signer,
    open_link,
    register,
    sign,
    signer_ready,
    state_of,
    token_of,
)
from tests.soft_authenticator import SoftAuthenticator

__all__ = ["smtp_server"]

REQUEST = "/api/v1/signature-links/request"


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
    """The outbox worker, sending through the test's SMTP server."""
    worker = OutboxWorker(settings=settings, clock=clock, worker_id="test-worker")
    yield worker
    await worker.close()


def gone(response: httpx.Response, code: str) -> dict[str, Any]:
    """A 410 problem document naming why the link no longer opens."""
    assert response.status_code == 410, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = dict(response.json())
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("token", code)], problem
    return problem


async def managed_month(world: World) -> Waiting:
    """A month waiting on its client signer, whose consultant has a manager."""
    await world.person("manager", {Role.MANAGER})
    await world.person("consultant", {Role.CONSULTANT}, manager="manager")
    return await month_waiting_on_signer(world)


async def sent_back(world: World, waiting: Waiting) -> None:
    await set_month_state(
        consultant_id=waiting.consultant.id,
        month="2026-11",
        status=MonthStatus.DRAFT,
        now=world.accounts.clock(),
        reopen=True,
    )


async def outbox() -> list[dict[str, Any]]:
    return [dict(r) for r in await notification_store.outbox_rows()]


async def events(month_id: str) -> list[str]:
    return [e.event for e in await audit_log.history(month_id)]


# -- opening ----------------------------------------------------------------------------------


async def test_link_opened_then_closed_opens_again_and_signs(world: World) -> None:
    """Make sure opening a link spends nothing: opened, left, opened again, it still signs."""
    waiting = await month_waiting_on_signer(world)
    link = await issue_link(world, waiting.month_id)
    first = world.browser()
    assert (await open_link(first, link)).status_code == 200
    # The page was closed; the signer opens the mail again, here on another browser.
    again = world.browser()
    opened = await open_link(again, link)
    assert opened.status_code == 200, opened.text
    assert opened.json()["status"] == "waiting"
    # One session per link: the latest opening's. The earlier tab is told to reopen the link.
    assert (await first.get("/api/v1/sign")).status_code == 401
    authenticator = SoftAuthenticator(origin=ORIGIN)
    assert (await register(again, authenticator)).status_code == 201
    signed = await sign(again, authenticator)
    assert signed.status_code == 201, signed.text
    assert await state_of(waiting.month_id) == ("signed", None, 1)
    opened_events = await audit_log.history(waiting.month_id, "signature.link_opened")
    assert [e.body["data"]["first"] for e in opened_events] == [True, False]


async def test_link_of_a_signed_month_is_refused_as_signed(world: World) -> None:
    """Make sure a link opened after its month was signed says so, and changes nothing."""
    waiting = await month_waiting_on_signer(world)
    browser, authenticator = await signer_ready(world, waiting)
    link = await issue_link(world, waiting.month_id)
    assert (await open_link(browser, link)).status_code == 200
    assert (await sign(browser, authenticator)).status_code == 201
    problem = gone(await open_link(world.browser(), link), "signed")
    assert "already signed" in problem["detail"]
    assert await state_of(waiting.month_id) == ("signed", None, 1)
    assert (await events(waiting.month_id))[-1] == "signature.link_refused"


async def test_link_of_a_sent_back_month_is_refused_as_closed(world: World) -> None:
    """Make sure a send-back ends the link: it no longer opens, with a reason the page shows."""
    waiting = await month_waiting_on_signer(world)
    link = await issue_link(world, waiting.month_id)
    assert (await open_link(world.browser(), link)).status_code == 200
    await sent_back(world, waiting)
    problem = gone(await open_link(world.browser(), link), "closed")
    assert "no longer waits" in problem["detail"]
    assert await state_of(waiting.month_id) == ("draft", None, 0)


async def test_opened_link_expires_after_seven_days(world: World, clock: FakeClock) -> None:
    """Make sure a link that was opened still expires seven days after it was issued."""
    waiting = await month_waiting_on_signer(world)
    link = await issue_link(world, waiting.month_id)
    assert (await open_link(world.browser(), link)).status_code == 200
    clock.advance(days=6, hours=23)
    assert (await open_link(world.browser(), link)).status_code == 200
    clock.advance(hours=1, seconds=1)
    gone(await open_link(world.browser(), link), "expired")
    assert await state_of(waiting.month_id) == ("in_validation", waiting.signer.id, 0)


# -- asking for a new link --------------------------------------------------------------------


async def test_request_new_link_mails_the_signer_on_file_and_tells_the_manager(
    world: World, clock: FakeClock, smtp_server: SmtpServer, mailer: OutboxWorker
) -> None:
    """Make sure an expired link's signer gets one fresh link at their address on file, the
    manager one notice, the request is audited, and the fresh link opens."""
    waiting = await managed_month(world)
    old = await issue_link(world, waiting.month_id)
    clock.advance(days=8)
    gone(await open_link(world.browser(), old), "expired")
    before = len(await outbox())

    asked = await world.browser().post(REQUEST, json={"token": token_of(old), "language": "fr"})
    assert asked.status_code == 202, asked.text
    assert asked.json() == {"status": "requested"}

    await mailer.drain()
    mails = smtp_server.mailbox.messages
    assert sorted(str(m["To"]) for m in mails) == sorted(
        [waiting.signer.person.email, world["manager"].person.email]
    )
    assert len(await outbox()) == before + 2
    to_signer = next(m for m in mails if str(m["To"]) == waiting.signer.person.email)
    to_manager = next(m for m in mails if str(m["To"]) == world["manager"].person.email)
    assert "à signer" in str(to_signer["Subject"])
    assert "Nouveau lien de signature demandé" in str(to_manager["Subject"])
    plain, _ = smtp_server.mailbox.texts(to_manager)
    assert (
        waiting.signer.person.display_name in plain and "Un nouveau lien lui a été envoyé" in plain
    )
    plain, _ = smtp_server.mailbox.texts(to_signer)
    fresh = next(w for w in plain.split() if "/sign/#t=" in w).rstrip(".")
    assert fresh.startswith(ORIGIN) and token_of(fresh) != token_of(old)
    assert (await open_link(world.browser(), fresh)).status_code == 200

    [request] = await audit_log.history(waiting.month_id, "signature.link_requested")
    assert request.body["data"]["signer"] == waiting.signer.id
    assert request.body["data"]["new_link_sent"] is True
    assert request.body["data"]["told"] == world["manager"].id
    assert all(v.check.ok for v in await audit_log.verify())


async def test_request_new_link_never_takes_an_address_from_the_requester(
    world: World,
) -> None:
    """Make sure the request cannot name where the link goes: an extra field is refused."""
    waiting = await managed_month(world)
    link = await issue_link(world, waiting.month_id)
    before = await outbox()
    asked = await world.browser().post(
        REQUEST, json={"token": token_of(link), "email": "attacker@evil.example"}
    )
    assert asked.status_code in (400, 422), asked.text
    assert await outbox() == before
    assert "signature.link_requested" not in await events(waiting.month_id)


async def test_request_new_link_is_rate_limited(world: World, clock: FakeClock) -> None:
    """Make sure asking again within the hour sends nothing more, and the answer is the same."""
    waiting = await managed_month(world)
    token = token_of(await issue_link(world, waiting.month_id))
    first = await world.browser().post(REQUEST, json={"token": token})
    assert first.status_code == 202
    after_first = await outbox()
    for _ in range(3):
        clock.advance(minutes=10)
        again = await world.browser().post(REQUEST, json={"token": token})
        assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert await outbox() == after_first
    assert len(await audit_log.history(waiting.month_id, "signature.link_requested")) == 1
    clock.advance(minutes=31)
    assert (await world.browser().post(REQUEST, json={"token": token})).status_code == 202
    assert len(await outbox()) == len(after_first) + 2
    assert len(await audit_log.history(waiting.month_id, "signature.link_requested")) == 2


async def test_request_new_link_with_a_forged_token_changes_nothing(world: World) -> None:
    """Make sure an unknown token gets the very answer a real one gets, and nothing happens."""
    waiting = await managed_month(world)
    real = token_of(await issue_link(world, waiting.month_id))
    before_mails, before_events = await outbox(), await events(waiting.month_id)
    forged = await world.browser().post(REQUEST, json={"token": "F" * 43})
    assert forged.status_code == 202
    assert await outbox() == before_mails
    assert await events(waiting.month_id) == before_events
    genuine = await world.browser().post(REQUEST, json={"token": real})
    assert (forged.status_code, forged.json()) == (genuine.status_code, genuine.json())
    assert forged.headers["content-type"] == genuine.headers["content-type"]


async def test_request_for_a_month_no_longer_waiting_tells_the_manager_only(
    world: World,
) -> None:
    """Make sure a sent-back month's signer gets no link; the manager still hears of it."""
    waiting = await managed_month(world)
    link = await issue_link(world, waiting.month_id)
    await sent_back(world, waiting)
    before = {r["id"] for r in await outbox()}
    assert (await world.browser().post(REQUEST, json={"token": token_of(link)})).is_success
    new = [r for r in await outbox() if r["id"] not in before]
    assert [(r["kind"], r["address"]) for r in new] == [
        ("signer_link_requested", world["manager"].person.email)
    ]
    assert new[0]["data"]["resent"] is False
    assert await state_of(waiting.month_id) == ("draft", None, 0)


# -- a passkey on another device ---------------------------------------------------------------


async def test_signer_on_a_new_device_registers_it_with_the_emailed_code_and_signs(
    world: World,
) -> None:
    """Make sure a signer whose passkey is on another device can enrol this one (the e-mailed
    code proves the mailbox), sign with it, and the earlier key no longer signs."""
    waiting = await month_waiting_on_signer(world)
    _, old_device = await signer_ready(world, waiting)
    laptop = world.browser()
    assert (await open_link(laptop, await issue_link(world, waiting.month_id))).is_success
    assert (await laptop.get("/api/v1/sign")).json()["has_passkey"] is True
    new_device = SoftAuthenticator(origin=ORIGIN)
    registered = await register(laptop, new_device)
    assert registered.status_code == 201, registered.text
    keys = await repo.list_passkeys(waiting.signer.id)
    assert sorted(k.revoked_at is None for k in keys) == [False, True]
    refused = await sign(laptop, old_device)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["code"] == "credential_unknown"
    assert (await sign(laptop, new_device)).status_code == 201
    assert await state_of(waiting.month_id) == ("signed", None, 1)
    replaced = (await audit_log.history(waiting.month_id, "signature.passkey_registered"))[-1]
    assert replaced.body["data"]["replaces"] == [k.id for k in keys if k.revoked_at is not None]
