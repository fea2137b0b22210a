"""Deactivating and reactivating a person, and invitations sent by e-mail (issue 14).

Real app, real database (SQLite or PostgreSQL with CARNET_TEST_DB=postgres), real passkeys
through the soft authenticator, real outbox worker mailing a real local SMTP server.
"""

from collections.abc import AsyncIterator

import pytest

from server.domain.roles import Role
from server.services.notifications import OutboxWorker
from server.settings import Settings
from server.storage import notification_store
from server.storage import repositories as repo
from tests.conftest import FakeClock
from tests.factories import ORIGIN, World, passkey_login, register_passkey, token_of
from tests.server.notification_peers import SmtpServer, smtp_server
from tests.soft_authenticator import SoftAuthenticator

__all__ = ["smtp_server"]

API = "/api/v1"


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


async def test_deactivated_person_cannot_sign_in_until_reactivated(world: World) -> None:
    """Make sure deactivation ends the person's sessions and push subscriptions at once,
    refuses their passkey with a clear problem, keeps their passkeys and history, and that
    reactivation lets the same passkey sign in again."""
    admin = await world.person("admin", {Role.ADMIN})
    alice = await world.person("alice", {Role.CONSULTANT})
    await notification_store.save_subscription(
        person_id=alice.id, endpoint="https://push.example.test/alice", p256dh="k", auth="a"
    )
    assert (await alice.browser.get(f"{API}/me")).status_code == 200

    off = await admin.browser.post(f"{API}/people/{alice.id}/deactivate", json={})
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    assert (await alice.browser.get(f"{API}/me")).status_code == 401
    assert await notification_store.subscriptions_of(alice.id) == []
    assert len(await repo.list_passkeys(alice.id)) == 1
    listed = {p["id"]: p["active"] for p in (await admin.browser.get(f"{API}/people")).json()}
    assert listed[alice.id] is False and listed[admin.id] is True

    relink = await admin.browser.post(f"{API}/people/{alice.id}/invitations", json={})
    assert relink.status_code == 409, relink.text
    assert [(e["field"], e["code"]) for e in relink.json()["errors"]] == [
        ("person_id", "person_inactive")
    ]

    refused = await passkey_login(world.browser(), alice.authenticator)
    assert refused.status_code == 401, refused.text
    problem = refused.json()
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("credential", "account_deactivated")
    ]
    assert "deactivated" in problem["detail"]

    on = await admin.browser.post(f"{API}/people/{alice.id}/reactivate", json={})
    assert on.status_code == 200, on.text
    assert on.json()["active"] is True
    again = world.browser()
    login = await passkey_login(again, alice.authenticator)
    assert login.status_code == 200, login.text
    assert login.json()["person"]["active"] is True
    assert (await again.get(f"{API}/me")).status_code == 200


async def test_admin_cannot_deactivate_themselves(world: World) -> None:
    """Make sure an admin's own deactivation is refused with 409 and changes nothing."""
    admin = await world.person("admin", {Role.ADMIN})
    response = await admin.browser.post(f"{API}/people/{admin.id}/deactivate", json={})
    assert response.status_code == 409, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("person_id", "deactivate_self")
    ]
    person = await repo.get_person(admin.id)
    assert person is not None and person.active
    assert (await admin.browser.get(f"{API}/me")).status_code == 200


async def test_invitation_and_new_invitation_are_emailed_with_their_link(
    world: World, smtp_server: SmtpServer, mailer: OutboxWorker
) -> None:
    """Make sure inviting a person mails them the link the API returns (in French by default,
    in English when that is their language), a new invitation mails a new link that works
    while the first no longer does, and the outbox forgets the link once sent."""
    admin = await world.person("admin", {Role.ADMIN})
    created = await admin.browser.post(
        f"{API}/people",
        json={
            "email": "Bruno@Example.test",
            "display_name": "Bruno Petit",
            "roles": ["consultant"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["emailed"] is True
    first = created.json()["invitation_url"]
    bruno_id = created.json()["person"]["id"]
    await mailer.drain()
    [mail] = smtp_server.mailbox.messages
    assert str(mail["To"]) == "bruno@example.test"
    assert "Invitation à Carnet" in str(mail["Subject"])
    plain, _ = smtp_server.mailbox.texts(mail)
    assert first in plain and "Bonjour Bruno Petit" in plain
    assert all("#invite=" not in str(r["data"]) for r in await notification_store.outbox_rows())

    await notification_store.save_preference(person_id=bruno_id, language="en", muted=[])
    again = await admin.browser.post(f"{API}/people/{bruno_id}/invitations", json={})
    assert again.status_code == 201, again.text
    assert again.json()["emailed"] is True
    second = again.json()["invitation_url"]
    assert second != first and second.startswith(ORIGIN + "/#invite=")
    await mailer.drain()
    assert len(smtp_server.mailbox.messages) == 2
    mail = smtp_server.mailbox.messages[1]
    assert "Your invitation to Carnet" in str(mail["Subject"])
    plain, _ = smtp_server.mailbox.texts(mail)
    assert second in plain

    browser = world.browser()
    assert (await browser.get(f"{API}/invitations/{token_of(first)}")).status_code == 410
    assert all("#invite=" not in str(r["data"]) for r in await notification_store.outbox_rows())
    registered = await register_passkey(
        browser, token_of(second), SoftAuthenticator(origin=ORIGIN)
    )
    assert registered.status_code == 201, registered.text
