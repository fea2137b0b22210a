"""Notifications end to end against real peers: the local push service decrypts what a phone
would show, aiosmtpd receives the fallback mail; the outbox records every outcome."""

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import anyio
import pytest

from server.domain.roles import Role
from server.services import notifications
from server.services.accounts import actor_of
from server.services.notifications import OutboxWorker, notify_month_event, schedule_reminders
from server.settings import Settings
from server.storage import notification_store as store
from server.storage import repositories as repo
from tests.conftest import FakeClock
from tests.factories import World
from tests.push_service import PushService
from tests.server.notification_peers import SmtpServer, free_port, push_service, smtp_server

__all__ = ["push_service", "smtp_server"]


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer) -> Settings:
    return settings.model_copy(
        update={
            "push_allow_http_localhost": True,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_tls": "none",
            "mail_from": "Carnet <carnet@example.test>",
        }
    )


async def subscribe(world: World, name: str, subscription: dict[str, Any]) -> None:
    response = await world[name].browser.post("/api/v1/push/subscriptions", json=subscription)
    assert response.status_code == 201, response.text


async def month_in(
    world: World, consultant: str, month: str, status: str, waiting_on: str | None = None
) -> str:
    sheet = await repo.create_timesheet(consultant_id=world[consultant].id, month=month)
    await repo.set_timesheet_state(
        timesheet_id=sheet.id,
        status=status,
        waiting_on_id=world[waiting_on].id if waiting_on else None,
    )
    return sheet.id


MADE: list[OutboxWorker] = []


@pytest.fixture(autouse=True)
async def _close_workers() -> AsyncIterator[None]:
    yield
    while MADE:
        await MADE.pop().close()


def worker(settings: Settings, clock: FakeClock, worker_id: str = "test-worker") -> OutboxWorker:
    made = OutboxWorker(settings=settings, clock=clock, worker_id=worker_id)
    MADE.append(made)
    return made


async def test_vapid_key_and_subscriptions_are_validated(
    world: World, push_service: PushService
) -> None:
    alice = await world.person("alice", [Role.CONSULTANT])
    key = (await alice.browser.get("/api/v1/push/vapid-public-key")).json()["public_key"]
    assert len(key) == 87 and key.startswith("B")  # 65-byte uncompressed point, base64url
    phone, laptop = push_service.device("phone"), push_service.device("laptop")
    bad = {
        "endpoint": "ftp://push.example/x",
        "keys": {"p256dh": "AAAA", "auth": "c2hvcnQ"},
    }
    response = await alice.browser.post("/api/v1/push/subscriptions", json=bad)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [
        "endpoint",
        "keys.p256dh",
        "keys.auth",
    ]
    off_curve = {**phone.subscription(), "keys": {**phone.subscription()["keys"]}}
    off_curve["keys"]["p256dh"] = "B" + "A" * 86
    response = await alice.browser.post("/api/v1/push/subscriptions", json=off_curve)
    assert [e["field"] for e in response.json()["errors"]] == ["keys.p256dh"]
    missing = await alice.browser.post("/api/v1/push/subscriptions", json={"endpoint": "x"})
    assert missing.status_code == 422
    assert await store.subscriptions_of(alice.id) == []

    await subscribe(world, "alice", phone.subscription())
    await subscribe(world, "alice", laptop.subscription())
    await subscribe(world, "alice", phone.subscription())  # the same device again: no double
    assert len(await store.subscriptions_of(alice.id)) == 2
    gone = await alice.browser.delete(
        "/api/v1/push/subscriptions", params={"endpoint": phone.endpoint}
    )
    assert gone.status_code == 200 and gone.json()["devices"] == 1


async def test_http_endpoints_are_refused_unless_allowed(
    world: World, settings: Settings, push_service: PushService
) -> None:
    strict = settings.model_copy(update={"push_allow_http_localhost": False})
    alice = await world.person("alice", [Role.CONSULTANT])
    device = push_service.device("phone")
    with pytest.raises(notifications.InvalidInput) as raised:
        await notifications.subscribe(
            actor_of(alice.person),
            endpoint=device.endpoint,
            p256dh=device.p256dh,
            auth=device.auth,
            settings=strict,
        )
    assert raised.value.errors[0].field == "endpoint"


async def test_an_event_reaches_every_device_decrypted_in_the_persons_language(
    world: World, settings: Settings, clock: FakeClock, push_service: PushService
) -> None:
    alice = await world.person("alice", [Role.CONSULTANT])
    manager = await world.person("marie", [Role.MANAGER])
    phone, laptop = push_service.device("phone"), push_service.device("laptop")
    await subscribe(world, "alice", phone.subscription())
    await subscribe(world, "alice", laptop.subscription())
    month_id = await month_in(world, "alice", "2026-11", "sent_back")
    for _ in range(2):  # the circuit code retrying its transaction inserts one row
        await notify_month_event(
            kind="sent_back",
            month_id=month_id,
            recipient_id=alice.id,
            data={"by_name": manager.person.display_name, "comment": "Il manque le 12"},
            at=clock(),
        )
    assert await worker(settings, clock).drain() == 1
    for device in (phone, laptop):
        [got] = device.received
        assert got.payload == {
            "title": "CRA de novembre 2026 renvoyé",
            "body": "Marie vous a renvoyé votre CRA de novembre 2026 : « Il manque le 12 »",
            "url": "/#month=2026-11",
            "lang": "fr",
            "kind": "sent_back",
            "month": "2026-11",
            "tag": "sent_back:2026-11",
        }
        assert got.urgency == "high" and got.ttl == 7 * 24 * 3600
        assert got.claims["aud"] == push_service.origin and got.claims["sub"].startswith("mailto:")
        assert got.topic and len(got.topic) == 32
    [row] = await store.outbox_rows()
    assert (row["state"], row["outcome"]) == ("sent", "push:2")

    response = await alice.browser.put(
        "/api/v1/me/notification-preferences", json={"language": "en", "muted": []}
    )
    assert response.status_code == 200
    await repo.set_timesheet_state(timesheet_id=month_id, status="signed")
    await notify_month_event(
        kind="signed",
        month_id=month_id,
        recipient_id=alice.id,
        data={"by_name": "Bob"},
        at=clock(),
    )
    await worker(settings, clock).drain()
    assert phone.received[-1].payload["title"] == "November 2026 report signed"
    assert phone.received[-1].urgency == "low"


async def test_gone_subscriptions_are_deleted_and_email_takes_over(
    world: World,
    settings: Settings,
    clock: FakeClock,
    push_service: PushService,
    smtp_server: SmtpServer,
) -> None:
    alice = await world.person("alice", [Role.CONSULTANT])
    old, older = push_service.device("old"), push_service.device("older")
    await subscribe(world, "alice", old.subscription())
    await subscribe(world, "alice", older.subscription())
    old.answer(410)
    older.answer(404)
    month_id = await month_in(world, "alice", "2026-11", "validated")
    await notify_month_event(
        kind="approved",
        month_id=month_id,
        recipient_id=alice.id,
        data={"by_name": "Marie"},
        at=clock(),
    )
    await worker(settings, clock).drain()
    assert await store.subscriptions_of(alice.id) == []
    [mail] = smtp_server.mailbox.messages
    assert mail["Subject"] == "CRA de novembre 2026 validé"
    assert mail["To"] == alice.person.email
    plain, rich = smtp_server.mailbox.texts(mail)
    assert "Votre CRA de novembre 2026 a été validé par Marie." in plain
    assert "http://localhost/#month=2026-11" in plain
    assert '<a href="http://localhost/#month=2026-11">' in rich
    [row] = await store.outbox_rows()
    assert (row["state"], row["outcome"]) == ("sent", "email")


async def test_413_is_dropped_429_honours_retry_after_500_backs_off(
    world: World, settings: Settings, clock: FakeClock, push_service: PushService
) -> None:
    people = {}
    for name in ("big", "busy", "broken"):
        people[name] = await world.person(name, [Role.CONSULTANT])
        device = push_service.device(name)
        await subscribe(world, name, device.subscription())
    push_service.devices["/push/big"].answer(413)
    push_service.devices["/push/busy"].answer(429, **{"Retry-After": "120"})
    push_service.devices["/push/broken"].answer(500, times=2)
    for name, member in people.items():
        month_id = await month_in(world, name, "2026-11", "signed")
        await notify_month_event(
            kind="signed", month_id=month_id, recipient_id=member.id, data={}, at=clock()
        )
    sender = worker(settings, clock)
    await sender.drain()
    rows = {r["key"].split(":")[0]: r for r in await store.outbox_rows()}
    big, busy, broken = (rows[people[n].id] for n in ("big", "busy", "broken"))
    now_ms = int(clock().timestamp() * 1000)
    assert (big["state"], big["outcome"]) == ("dropped", "push refused 413")
    assert (busy["state"], busy["outcome"], busy["due_ms"]) == (
        "pending",
        "push 429",
        now_ms + 120_000,
    )
    assert (broken["state"], broken["outcome"], broken["due_ms"]) == (
        "pending",
        "push 500",
        now_ms + 30_000,
    )

    clock.advance(seconds=31)
    await sender.drain()  # broken fails again: backoff doubles
    rows = {r["key"].split(":")[0]: r for r in await store.outbox_rows()}
    assert rows[people["broken"].id]["due_ms"] == now_ms + 31_000 + 60_000
    assert rows[people["busy"].id]["state"] == "pending"  # not due yet
    clock.advance(seconds=120)
    await sender.drain()
    assert {
        r["state"] for r in await store.outbox_rows() if r["key"].split(":")[0] != people["big"].id
    } == {"sent"}
    assert push_service.devices["/push/busy"].titles == ["CRA de novembre 2026 signé"]
    assert sender.figures.sent == 2 and sender.figures.dropped == 1 and sender.figures.retried == 3


async def test_smtp_refusals_and_dropped_connections(
    world: World, settings: Settings, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    alice = await world.person("alice", [Role.CONSULTANT])
    bob = await world.person("bob", [Role.CONSULTANT])
    for member in (alice, bob):
        month_id = await month_in(world, member.person.display_name.lower(), "2026-11", "signed")
        await notify_month_event(
            kind="signed", month_id=month_id, recipient_id=member.id, data={}, at=clock()
        )
    smtp_server.mailbox.refuse = ["451 Try again later", "550 No such user"]
    sender = worker(settings, clock)
    await sender.drain()
    states = sorted((r["state"], r["outcome"]) for r in await store.outbox_rows())
    assert states == [("dropped", "smtp 550"), ("pending", "smtp 451")]

    # The SMTP server goes away: a refused connection is retried, nothing else is blocked.
    unreachable = settings.model_copy(update={"smtp_port": free_port()})
    clock.advance(seconds=31)
    dead = worker(unreachable, clock, "w2")
    await dead.drain()
    [pending] = [r for r in await store.outbox_rows() if r["state"] == "pending"]
    assert pending["outcome"] == "smtp: ConnectionRefusedError" and pending["attempts"] == 2
    clock.advance(minutes=2)
    await sender.drain()
    assert len(smtp_server.mailbox.messages) == 1
    assert sorted(r["state"] for r in await store.outbox_rows()) == ["dropped", "sent"]


async def test_expired_items_are_dropped_not_sent(
    world: World,
    settings: Settings,
    clock: FakeClock,
    push_service: PushService,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Make sure a notification past its expiry is dropped unsent and counted in the batch's one
    line of drops by design (no warning per item), while a push service's refusal stays a
    warning of its own."""
    alice = await world.person("alice", [Role.CONSULTANT])
    device = push_service.device("phone")
    await subscribe(world, "alice", device.subscription())
    month_id = await month_in(world, "alice", "2026-11", "signed")
    await notify_month_event(
        kind="signed", month_id=month_id, recipient_id=alice.id, data={}, at=clock()
    )
    clock.advance(days=8)
    caplog.set_level(logging.INFO, logger="carnet.notifications")
    await worker(settings, clock).drain()
    [row] = await store.outbox_rows()
    assert (row["state"], row["outcome"]) == ("dropped", "expired") and device.received == []
    [logged] = [r for r in caplog.records if "expired" in r.getMessage()]
    assert logged.levelno == logging.INFO
    assert logged.getMessage() == "outbox: 1 dropped by design (expired 1)"

    device.answer(413)
    await notify_month_event(
        kind="approved", month_id=month_id, recipient_id=alice.id, data={}, at=clock()
    )
    await worker(settings, clock).drain()
    [refused] = [r for r in caplog.records if "push refused 413" in r.getMessage()]
    assert refused.levelno == logging.WARNING


async def test_preferences_and_reminder_settings_api(world: World) -> None:
    admin = await world.person("admin", [Role.ADMIN])
    alice = await world.person("alice", [Role.CONSULTANT])
    bad = await alice.browser.put(
        "/api/v1/me/notification-preferences", json={"language": "de", "muted": ["signed", "x"]}
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["language", "muted[1]"]
    good = await alice.browser.put(
        "/api/v1/me/notification-preferences",
        json={"language": "en", "muted": ["signed", "approved", "signed"]},
    )
    assert good.json() == {"language": "en", "muted": ["approved", "signed"]}
    default = await alice.browser.get("/api/v1/organisation/reminder-settings")
    assert default.json() == {
        "days_before_close": 2,
        "relance_every": 2,
        "send_hour": 9,
        "time_zone": "Europe/Paris",
        "send_on_non_working_days": False,
    }
    change = {**default.json(), "days_before_close": 3, "time_zone": "America/Cayenne"}
    forbidden = await alice.browser.put("/api/v1/organisation/reminder-settings", json=change)
    assert forbidden.status_code == 403
    invalid = await admin.browser.put(
        "/api/v1/organisation/reminder-settings",
        json={**change, "send_hour": 25, "time_zone": "Nowhere/Town"},
    )
    assert invalid.status_code == 422
    # The schema bounds the hour; the rules know the time zones.
    assert [e["field"] for e in invalid.json()["errors"]] == ["send_hour"]
    unknown_zone = await admin.browser.put(
        "/api/v1/organisation/reminder-settings", json={**change, "time_zone": "Nowhere/Town"}
    )
    assert unknown_zone.status_code == 422
    assert [e["field"] for e in unknown_zone.json()["errors"]] == ["time_zone"]
    assert (
        await alice.browser.get("/api/v1/organisation/reminder-settings")
    ).json() == default.json()
    saved = await admin.browser.put("/api/v1/organisation/reminder-settings", json=change)
    assert saved.status_code == 200 and saved.json() == change


async def test_a_month_day_by_day_sends_exactly_the_expected_reminders(
    world: World, settings: Settings, clock: FakeClock, push_service: PushService
) -> None:
    """March 2029: Good Friday (30) is off in Alsace-Moselle only, the 31st is a Saturday,
    summer time starts on the 25th, Easter Monday is 2 April.

    Alice (Strasbourg) never submits; Bob (Paris) submits on Wed 28 at noon, and his manager
    Marie gets the arrival, then relances every 2 working days until she approves on Thu 5
    April; Carol muted month reminders. The clock starts on 27 February.
    """
    await world.person("marie", [Role.MANAGER])
    await world.person("alice", [Role.CONSULTANT])
    bob = await world.person("bob", [Role.CONSULTANT])
    carol = await world.person("carol", [Role.CONSULTANT])
    client = await world.client()
    await world.mission("alice", client, region="alsace_moselle")
    await world.mission("bob", client)
    await world.mission("carol", client)
    await carol.browser.put(
        "/api/v1/me/notification-preferences",
        json={"language": "fr", "muted": ["month_not_submitted"]},
    )
    devices = {n: push_service.device(n) for n in ("alice", "bob", "carol", "marie")}
    for name, device in devices.items():
        await subscribe(world, name, device.subscription())
    sender = worker(settings, clock)
    seen = dict.fromkeys(devices, 0)
    sent: dict[str, list[str]] = {}
    day = datetime(2029, 2, 27, tzinfo=UTC)
    bob_month = ""
    while day < datetime(2029, 4, 10, tzinfo=UTC):
        for hour in (0, 6, 7, 8, 12, 18):
            clock.now = day + timedelta(hours=hour)
            if (clock.now.date().isoformat(), hour) == ("2029-03-28", 12):
                sheet = await repo.create_timesheet(consultant_id=bob.id, month="2029-03")
                await repo.set_timesheet_state(
                    timesheet_id=sheet.id, status="in_validation", waiting_on_id=world["marie"].id
                )
                bob_month = sheet.id
                await notify_month_event(
                    kind="waiting_on_you",
                    month_id=sheet.id,
                    recipient_id=world["marie"].id,
                    data={},
                    at=clock(),
                )
            if (clock.now.date().isoformat(), hour) == ("2029-04-05", 12):
                await repo.set_timesheet_state(timesheet_id=bob_month, status="validated")
            await schedule_reminders(now=clock())
            await sender.drain()
            for name, device in devices.items():
                for got in device.received[seen[name] :]:
                    when = f"{clock.now:%Y-%m-%d %H}h"
                    sent.setdefault(when, []).append(f"{name}: {got.payload['title']}")
                seen[name] = len(device.received)
        day += timedelta(days=1)
    assert sent == {
        # The scheduler starts late: February's before-close reminder (due Mon 26) still
        # stands until the last day's replaces it.
        "2029-02-27 00h": [
            "alice: CRA de février 2029 à envoyer",
            "bob: CRA de février 2029 à envoyer",
        ],
        # February ends on a Wednesday; winter time: 09:00 Paris is 08:00 UTC.
        "2029-02-28 08h": [
            "alice: Dernier jour pour le CRA de février 2029",
            "bob: Dernier jour pour le CRA de février 2029",
        ],
        # Summer time from the 25th: 07:00 UTC. Alsace: 2 working days left after Tue 27.
        "2029-03-27 07h": ["alice: CRA de mars 2029 à envoyer"],
        "2029-03-28 07h": ["bob: CRA de mars 2029 à envoyer"],
        "2029-03-28 12h": ["marie: Un CRA attend votre validation"],
        "2029-03-29 07h": ["alice: Dernier jour pour le CRA de mars 2029"],
        # Two working days after Wed 28: Fri 30 (Paris works on Good Friday).
        "2029-03-30 07h": ["marie: Relance : un CRA vous attend"],
        # Easter Monday 2 April is off: Tue 3, Wed 4.
        "2029-04-04 07h": ["marie: Relance : un CRA vous attend"],
    }
    rows = await store.outbox_rows()
    assert {r["state"] for r in rows} == {"sent"} and len(rows) == 10
    assert sorted(
        r["key"].split(":", 1)[1] for r in rows if str(r["person"]) == world["marie"].id
    ) == [
        f"2029-03:waiting_on_you:{bob.id}.0.0.1",
        f"2029-03:waiting_on_you:{bob.id}.0.0.2",
        f"2029-03:waiting_on_you:{bob.id}.0.0.arrival",
    ]


async def test_the_server_runs_the_scheduler_and_worker_and_stops_them_cleanly(
    settings: Settings, clock: FakeClock, push_service: PushService
) -> None:
    """The embedded default: the app's lifespan starts the runtime and stops it on shutdown."""
    from server.app import create_app
    from server.services.directory import NewPerson, create_person
    from tests.factories import make_organisation

    live = settings.model_copy(
        update={"notifications_in_process": True, "notification_poll_seconds": 0.05}
    )
    app = create_app(live, clock=clock)
    async with app.lifespan():
        organisation = await make_organisation()
        person = await create_person(
            organisation_id=organisation.id,
            new=NewPerson(
                email="ines@example.test",
                display_name="Inès",
                roles=frozenset({Role.CONSULTANT}),
            ),
        )
        device = push_service.device("phone")
        await store.save_subscription(
            person_id=person.id, endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth
        )
        sheet = await repo.create_timesheet(consultant_id=person.id, month="2026-11")
        await repo.set_timesheet_state(timesheet_id=sheet.id, status="signed")
        async with repo.write_transaction():  # as the signature code will: one transaction
            await notify_month_event(
                kind="signed", month_id=sheet.id, recipient_id=person.id, data={}, at=clock()
            )
        for _ in range(100):
            if device.received:
                break
            await anyio.sleep(0.05)
        assert device.titles == ["CRA de novembre 2026 signé"]
    # After shutdown nothing runs: a new row stays pending (the engine is closed, too).
    tasks = [t for t in asyncio.all_tasks() if "NotificationRuntime.run" in repr(t.get_coro())]
    assert tasks == []


async def test_an_event_rolled_back_with_its_transaction_sends_nothing(
    world: World, settings: Settings, clock: FakeClock
) -> None:
    alice = await world.person("alice", [Role.CONSULTANT])
    month_id = await month_in(world, "alice", "2026-11", "signed")
    with pytest.raises(RuntimeError):
        async with repo.write_transaction():
            await notify_month_event(
                kind="signed", month_id=month_id, recipient_id=alice.id, data={}, at=clock()
            )
            raise RuntimeError("the signature failed after the notification was written")
    assert await store.outbox_rows() == []
    with pytest.raises(notifications.InvalidInput):
        await notify_month_event(
            kind="exploded", month_id=month_id, recipient_id=alice.id, data={}, at=clock()
        )
    with pytest.raises(notifications.NotFound):
        await notify_month_event(
            kind="signed", month_id=alice.id, recipient_id=alice.id, data={}, at=clock()
        )


async def test_a_signer_link_is_emailed_once_in_the_signers_language(
    world: World, settings: Settings, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    link = "http://localhost/#sign=abc123"
    for _ in range(2):  # the signature-link transaction retried: one mail
        await notifications.send_signer_link(
            email="claire@client.example",
            language="en",
            month="2026-11",
            consultant_name="Alice Martin",
            link=link,
            key="signer_link:link-1",
            at=clock(),
        )
    await worker(settings, clock).drain()
    [mail] = smtp_server.mailbox.messages
    assert mail["To"] == "claire@client.example"
    assert mail["Subject"] == "Alice Martin's November 2026 report to sign"
    plain, rich = smtp_server.mailbox.texts(mail)
    assert link in plain and f'href="{link}"' in rich
    assert mail["Content-Language"] == "en"
    # Mailed: the outbox keeps where it went, not the single-use link itself.
    [row] = await store.outbox_rows()
    assert row["state"] == "sent" and link not in str(row["data"])
    assert row["data"]["consultant_name"] == "Alice Martin"


async def test_the_scheduler_is_idempotent_even_when_two_run_at_once(
    world: World, clock: FakeClock
) -> None:
    client = await world.client()
    for name in ("alice", "bob", "carol", "dan"):
        await world.person(name, [Role.CONSULTANT], login=False)
    for name in ("alice", "bob", "carol"):
        await world.mission(name, client)
    # Dan's mission ended in September: nothing to fill in November, no reminder.
    await world.mission("dan", client, start=date(2026, 1, 1), end=date(2026, 9, 30))
    clock.now = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)  # before-close day, after 09:00 Paris
    first = await asyncio.gather(schedule_reminders(now=clock()), schedule_reminders(now=clock()))
    assert sum(first) == 3  # interleaved on PostgreSQL (1 + 2), serialised on SQLite (0 + 3)
    assert await schedule_reminders(now=clock()) == 0
    rows = await store.outbox_rows()
    assert len(rows) == 3 and {r["key"].rsplit(":", 1)[1] for r in rows} == {"before_close"}


async def test_the_vapid_key_is_generated_once_and_kept(settings: Settings, tmp_path: Any) -> None:
    from server.services.push_delivery import application_server_key, load_vapid

    first = application_server_key(load_vapid(settings))
    assert application_server_key(load_vapid(settings)) == first
    key_file = settings.data_dir / "vapid_private_key.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    other = settings.model_copy(update={"data_dir": tmp_path / "elsewhere"})
    assert application_server_key(load_vapid(other)) != first
    given = other.model_copy(update={"vapid_private_key_file": str(key_file)})
    assert application_server_key(load_vapid(given)) == first


async def test_an_smtp_server_dropping_the_connection_is_retried(
    world: World, settings: Settings, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        for _ in range(2):
            connection, _ = listener.accept()
            connection.close()  # no greeting: the connection drops

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    alice = await world.person("alice", [Role.CONSULTANT])
    month_id = await month_in(world, "alice", "2026-11", "signed")
    await notify_month_event(
        kind="signed", month_id=month_id, recipient_id=alice.id, data={}, at=clock()
    )
    rude = settings.model_copy(update={"smtp_port": port})
    await worker(rude, clock, "rude").drain()
    [row] = await store.outbox_rows()
    assert row["state"] == "pending" and row["outcome"] == "smtp: SMTPServerDisconnected"
    listener.close()
    clock.advance(seconds=31)
    await worker(settings, clock).drain()
    assert [m["Subject"] for m in smtp_server.mailbox.messages] == ["CRA de novembre 2026 signé"]


@pytest.mark.parametrize(
    ("endpoint", "accepted"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
        ("https://web.push.apple.com/QGx", True),
        ("https://wns2-par02p.notify.windows.com/w/?token=x", True),
        ("https://intranet.example/admin/reset", False),  # SSRF: not a push service
        ("https://fcm.googleapis.com.attacker.example/x", False),
        ("https://user@fcm.googleapis.com/x", False),
        ("http://fcm.googleapis.com/fcm/send/abc", False),
        ("http://localhost:8080/push/x", False),  # only when tests allow it
        ("https://" + "a" * 1020 + ".fcm.googleapis.com/x", False),
    ],
)
async def test_only_known_push_services_may_be_subscribed(
    settings: Settings, endpoint: str, accepted: bool
) -> None:
    from server.services.push_delivery import check_subscription
    from tests.push_service import Device

    device = Device(name="x", endpoint=endpoint)
    hosts = [h for h in Settings.model_fields["push_service_hosts"].default.split(",")]

    def check() -> object:
        return check_subscription(
            endpoint=endpoint,
            p256dh=device.p256dh,
            auth=device.auth,
            allow_http_localhost=False,
            service_hosts=hosts,
        )

    if accepted:
        assert check()
    else:
        with pytest.raises(notifications.InvalidInput) as raised:
            check()
        assert [e.field for e in raised.value.errors] == ["endpoint"]


async def test_finished_rows_are_purged_after_the_retention_pending_ones_never(
    world: World, settings: Settings, clock: FakeClock, push_service: PushService
) -> None:
    from server.services.notifications import RETENTION, NotificationRuntime

    alice = await world.person("alice", [Role.CONSULTANT])
    device = push_service.device("phone")
    await subscribe(world, "alice", device.subscription())
    for month, status in (("2026-09", "signed"), ("2026-10", "signed")):
        month_id = await month_in(world, "alice", month, status)
        await notify_month_event(
            kind="signed", month_id=month_id, recipient_id=alice.id, data={}, at=clock()
        )
    await worker(settings, clock).drain()
    device.answer(500, times=100)
    month_id = await month_in(world, "alice", "2026-11", "signed")
    await notify_month_event(
        kind="signed", month_id=month_id, recipient_id=alice.id, data={}, at=clock()
    )
    runtime = NotificationRuntime(settings=settings, clock=clock, worker=worker(settings, clock))
    await runtime.tick()
    assert sorted(r["state"] for r in await store.outbox_rows()) == ["pending", "sent", "sent"]
    clock.advance(seconds=RETENTION.total_seconds() + 60)
    await runtime.tick()  # the pending row expires and is dropped now: kept for 90 days
    assert [(r["month"], r["state"], r["outcome"]) for r in await store.outbox_rows()] == [
        ("2026-11", "dropped", "expired")
    ]
    assert await store.outbox_figures() == [("dropped", "expired", 1)]


async def test_a_person_keeps_ten_devices_at_most_the_newest(
    world: World, push_service: PushService
) -> None:
    alice = await world.person("alice", [Role.CONSULTANT])
    devices = [push_service.device(f"d{i}") for i in range(12)]
    for device in devices:
        await subscribe(world, "alice", device.subscription())
        await anyio.sleep(0.002)  # distinct creation instants
    kept = {s.endpoint for s in await store.subscriptions_of(alice.id)}
    assert kept == {d.endpoint for d in devices[2:]}


async def test_a_long_comment_is_shortened_to_fit_a_push_message(
    world: World, settings: Settings, clock: FakeClock, push_service: PushService
) -> None:
    alice = await world.person("alice", [Role.CONSULTANT])
    device = push_service.device("phone")
    await subscribe(world, "alice", device.subscription())
    month_id = await month_in(world, "alice", "2026-11", "sent_back")
    comment = "Le 12 manque. " + "é" * 5000
    await notify_month_event(
        kind="sent_back",
        month_id=month_id,
        recipient_id=alice.id,
        data={"by_name": "Marie", "comment": comment},
        at=clock(),
    )
    await worker(settings, clock).drain()
    [got] = device.received
    assert got.payload["body"].startswith(
        "Marie vous a renvoyé votre CRA de novembre 2026 : « Le 12"
    )
    assert got.payload["body"].endswith("… »") and len(got.payload["body"]) < 400


async def test_a_client_signer_is_reminded_by_a_fresh_signature_link_not_an_app_screen(
    world: World, settings: Settings, clock: FakeClock, smtp_server: SmtpServer
) -> None:
    """Make sure a month waiting on a client's signer reaches them as signature links only:
    the link at arrival, then each relance a new link that ends the previous unopened one."""
    import re

    client = await world.client()
    await world.person("sam", [Role.CLIENT_SIGNER], client_id=client.id, login=False)
    alice = await world.person("alice", [Role.CONSULTANT])
    mission = await world.mission("alice", client, approvers=[("client_signer", "sam")])
    base = f"/api/v1/people/{alice.id}/months/2026-11"
    day = await alice.browser.put(
        f"{base}/days/2026-11-16",
        json={"lines": [{"line": f"mission:{mission.id}", "half_days": 2}]},
    )
    assert day.status_code == 200, day.text
    submitted = await alice.browser.post(f"{base}/submit", json={"version": day.json()["version"]})
    assert submitted.status_code == 200, submitted.text

    def links() -> list[str]:
        found = []
        for mail in smtp_server.mailbox.messages:
            plain, _ = smtp_server.mailbox.texts(mail)
            # One link per mail (the text may show it twice: in a sentence and on its own).
            found += sorted(set(re.findall(r"http://\S+/sign/#t=[\w-]+", plain)))
        return found

    sender = worker(settings, clock)
    await sender.drain()
    [first] = links()
    # A week of scheduler passes at 10:30 Paris: relances, each a new link; no app notice.
    for _ in range(7):
        await schedule_reminders(now=clock())
        await sender.drain()
        clock.advance(days=1)
    assert len(links()) >= 2, links()
    newest = links()[-1]
    assert len(set(links())) == len(links()), "every mail carries its own link"
    sam = await repo.get_person(world["sam"].id)
    assert sam is not None
    assert {m["To"] for m in smtp_server.mailbox.messages} == {sam.email}
    arrivals = [
        r
        for r in await store.outbox_rows()
        if r["kind"] == "waiting_on_you" and r["data"].get("relance") == 0
    ]
    assert [(r["state"], r["outcome"]) for r in arrivals] == [
        ("dropped", "arrival: the signature link was emailed")
    ]
    signer = world.browser()
    token = newest.split("#t=", 1)[1]
    assert (
        await signer.post("/api/v1/signature-links/open", json={"token": token})
    ).status_code == 200
    stale = first.split("#t=", 1)[1]
    assert (
        await world.browser().post("/api/v1/signature-links/open", json={"token": stale})
    ).status_code == 410
