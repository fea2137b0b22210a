"""POST /api/v1/sync against the real app and database: push, pull, and every refusal."""

from typing import Any

import pytest

from server.domain.roles import Role
from server.services.sync_service import set_month_state
from sync.months import MonthStatus
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import Member, World

# The devices' "now" is the server's FakeClock time, so only skews move their clocks.
NOW_MS = int(FakeClock()().timestamp() * 1000)


def transport(member: Member):  # type: ignore[no-untyped-def]
    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await member.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    return send


@pytest.fixture
async def alice(world: World) -> Member:
    return await world.consultant_with_mission()


def work(member: Member, half_days: int = 2) -> list[tuple[str, int]]:
    return [(f"mission:{member.mission.id}", half_days)]  # type: ignore[attr-defined]


async def test_a_pushed_day_reaches_another_device(alice: Member) -> None:
    """Make sure a day pushed by the phone is applied and pulled by the laptop."""
    phone, laptop = Device("phone"), Device("laptop")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    body = await phone.sync(transport(alice))
    assert [r["status"] for r in body["results"]] == ["applied"]
    assert phone.pending == []
    await laptop.sync(transport(alice))
    assert laptop.shown() == {"2026-11-16": work(alice)}
    assert laptop.cookie is not None and laptop.cookie["v"] == phone.cookie["v"]  # type: ignore[index]


async def test_a_retried_batch_replays_its_results_and_changes_nothing(alice: Member) -> None:
    """Make sure a batch sent twice (lost response) applies once and bumps no version."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    phone.edit("2026-11-17", [("absence:nope", 2)], NOW_MS)
    request = phone.request()
    first = await alice.browser.post("/api/v1/sync", json=request)
    second = await alice.browser.post("/api/v1/sync", json=request)
    assert first.status_code == second.status_code == 200
    assert second.json()["results"] == first.json()["results"]
    assert [r["status"] for r in first.json()["results"]] == ["applied", "rejected"]
    assert second.json()["cookie"]["v"] == first.json()["cookie"]["v"]
    assert second.json()["last_mutation_id"] == 2


async def test_a_gap_stops_processing_until_the_missing_mutation_arrives(alice: Member) -> None:
    """Make sure mutations are applied in order per device and a gap is not skipped."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    phone.edit("2026-11-17", work(alice), NOW_MS)
    request = phone.request()
    request["mutations"] = request["mutations"][1:]
    response = (await alice.browser.post("/api/v1/sync", json=request)).json()
    assert response["results"] == [] and response["last_mutation_id"] == 0
    await phone.sync(transport(alice))
    assert set(phone.shown()) == {"2026-11-16", "2026-11-17"}


async def test_a_rejected_mutation_never_blocks_the_queue(alice: Member) -> None:
    """Make sure a permanently invalid edit is processed (rejected) and the next one applies."""
    phone = Device("phone")
    phone.edit("2026-11-16", [*work(alice), ("absence:CP", 1)], NOW_MS)
    phone.edit("2026-11-17", work(alice), NOW_MS)
    body = await phone.sync(transport(alice))
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["reason"] == "invalid:day_over_one"
    assert phone.pending == [] and len(phone.rejected) == 1
    assert set(phone.shown()) == {"2026-11-17"}


async def test_an_edit_to_a_locked_month_is_rejected_whatever_its_clock(
    alice: Member, clock: FakeClock
) -> None:
    """Make sure a submitted month refuses a later-stamped edit and says its state."""
    phone = Device("phone", skew_ms=3_600_000)
    phone.edit("2026-11-16", work(alice), NOW_MS)
    await phone.sync(transport(alice))
    await set_month_state(
        consultant_id=alice.id, month="2026-11", status=MonthStatus.SIGNED, now=clock()
    )
    phone.edit("2026-11-16", work(alice, 1), NOW_MS + 10_000)
    body = await phone.sync(transport(alice))
    (result,) = body["results"]
    assert result["status"] == "rejected" and result["reason"] == "month_locked"
    assert result["month"]["status"] == "signed"
    assert phone.shown()["2026-11-16"] == work(alice)
    assert phone.months["2026-11"]["status"] == "signed"


async def test_a_send_back_refuses_edits_queued_before_it(alice: Member, clock: FakeClock) -> None:
    """Make sure reopening bumps the epoch so stale queued edits are rejected, not applied."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    await phone.sync(transport(alice))
    phone.edit("2026-11-17", work(alice), NOW_MS)  # queued offline under epoch 0
    await set_month_state(
        consultant_id=alice.id,
        month="2026-11",
        status=MonthStatus.SENT_BACK,
        now=clock(),
        reopen=True,
    )
    body = await phone.sync(transport(alice))
    assert body["results"][0]["reason"] == "epoch_changed"
    assert phone.months["2026-11"]["epoch"] == 1
    phone.edit("2026-11-17", work(alice), NOW_MS)
    body = await phone.sync(transport(alice))
    assert body["results"][0]["status"] == "applied"


async def test_submit_is_refused_when_another_device_changed_the_month_since_review(
    alice: Member,
) -> None:
    """Make sure a submission carries what was reviewed and unseen edits block it."""
    phone, laptop = Device("phone"), Device("laptop")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    await phone.sync(transport(alice))
    laptop.edit("2026-11-17", work(alice), NOW_MS)
    await laptop.sync(transport(alice))
    phone.submit("2026-11")
    body = await phone.sync(transport(alice))
    assert body["results"][0]["reason"] == "changed_since_review"
    phone.submit("2026-11")
    body = await phone.sync(transport(alice))
    assert body["results"][0]["status"] == "applied"
    assert phone.months["2026-11"]["status"] == "in_validation"
    laptop.edit("2026-11-18", work(alice), NOW_MS)
    body = await laptop.sync(transport(alice))
    assert body["results"][0]["reason"] == "month_locked"


async def test_a_later_stamp_wins_and_the_loser_learns_it(alice: Member) -> None:
    """Make sure the larger clock wins a day and the older edit comes back superseded."""
    phone, laptop = Device("phone"), Device("laptop", skew_ms=-90_000)
    laptop.edit("2026-11-16", [("absence:CP", 2)], NOW_MS)
    phone.edit("2026-11-16", work(alice), NOW_MS)
    await phone.sync(transport(alice))
    body = await laptop.sync(transport(alice))
    assert body["results"][0]["status"] == "superseded"
    assert body["results"][0]["current"]["lines"][0]["line"].startswith("mission:")
    assert laptop.shown()["2026-11-16"] == work(alice)


async def test_overwriting_an_unseen_value_is_recorded(alice: Member) -> None:
    """Make sure replacing a value this device never saw is reported as a change elsewhere."""
    phone, laptop = Device("phone"), Device("laptop", skew_ms=60_000)
    phone.edit("2026-11-16", work(alice), NOW_MS)
    await phone.sync(transport(alice))
    laptop.edit("2026-11-16", [("absence:RTT", 2)], NOW_MS)
    await laptop.sync(transport(alice))
    await phone.sync(transport(alice))
    (overwrite,) = phone.overwrites
    assert overwrite["date"] == "2026-11-16"
    assert overwrite["by_client"] == laptop.client_id
    assert overwrite["lost"]["by_client"] == phone.client_id


async def test_a_far_future_clock_is_clamped(alice: Member, clock: FakeClock) -> None:
    """Make sure a device a year ahead cannot win every later edit: its stamp is clamped."""
    server_ms = int(clock().timestamp() * 1000)
    future = Device("future", skew_ms=365 * 24 * 3600 * 1000)
    future.edit("2026-11-16", work(alice), server_ms)
    body = await future.sync(transport(alice))
    stored = int(body["results"][0]["hlc"].split(":")[0])
    assert stored == server_ms
    assert body["server_time_ms"] == server_ms
    honest = Device("honest")
    await honest.sync(transport(alice))
    clock.advance(seconds=1)
    honest.edit("2026-11-16", [("absence:CP", 2)], server_ms + 1000)
    assert (await honest.sync(transport(alice)))["results"][0]["status"] == "applied"


async def test_a_large_first_sync_is_paged(alice: Member) -> None:
    """Make sure a new device pulls everything through pages and ends at the same cursor."""
    phone = Device("phone")
    for day in range(1, 31):
        phone.edit(f"2026-11-{day:02d}", [("absence:formation", 2)], NOW_MS)
    for day in range(1, 32):
        phone.edit(f"2026-12-{day:02d}", [("absence:formation", 1)], NOW_MS)
    while phone.pending:
        await phone.sync(transport(alice))
    fresh = Device("fresh")
    pages = []

    async def counting(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, body = await transport(alice)(request)
        pages.append(len(body["days"]))
        return status, body

    await fresh.sync(counting, limit=25)
    assert pages == [25, 25, 11]
    assert fresh.shown() == phone.shown()
    assert fresh.cookie == phone.cookie


async def test_a_cookie_from_another_database_forces_a_full_resync(alice: Member) -> None:
    """Make sure a cursor whose server id does not match gets reset with the full state."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    await phone.sync(transport(alice))
    phone.cookie = {"sid": "restored-backup", "v": 10_000}
    body = await phone.sync(transport(alice))
    assert body["reset"] is True
    assert [d["date"] for d in body["days"]] == ["2026-11-16"]


@pytest.mark.parametrize(
    ("mutation", "reason"),
    [
        ({"name": "delete_everything", "args": {}}, "unknown_mutation"),
        ({"name": "set_day", "args": {"date": "2026-11-16"}}, "invalid_args"),
        (
            {
                "name": "set_day",
                "args": {
                    "date": "2026-02-30",
                    "epoch": 0,
                    "lines": [],
                    "hlc": "1795000000000:0000:a",
                },
            },
            "invalid_args",
        ),
        (
            {
                "name": "set_day",
                "args": {"date": "2026-11-16", "epoch": 0, "lines": [], "hlc": "yesterday"},
            },
            "invalid_clock",
        ),
        (
            {
                "name": "set_day",
                "args": {
                    "date": "2026-11-16",
                    "epoch": 0,
                    "hlc": "1795000000000:0000:a",
                    "lines": [{"line": "mission:nope", "half_days": 2}],
                },
            },
            "invalid:unknown_mission",
        ),
        (
            {
                "name": "set_day",
                "args": {
                    "date": "2026-11-16",
                    "epoch": 0,
                    "hlc": "1795000000000:0000:a",
                    "lines": [{"line": "absence:CP", "half_days": "2"}],
                },
            },
            "invalid_args",
        ),
        (
            {
                "name": "set_day",
                "args": {
                    "date": "0999-01-04",
                    "epoch": 0,
                    "lines": [],
                    "hlc": "1795000000000:0000:a",
                },
            },
            "invalid_args",
        ),
        (
            {
                "name": "set_day",
                "args": {
                    "date": "2026-11-16",
                    "epoch": 0,
                    "lines": [],
                    "comment": "nul\u0000byte",
                    "hlc": "1795000000000:0000:a",
                },
            },
            "invalid_args",
        ),
        (
            {
                "name": "set_day",
                "args": {
                    "date": "2026-11-16",
                    "epoch": "0",
                    "lines": [],
                    "hlc": "1795000000000:0000:a",
                },
            },
            "invalid_args",
        ),
        (
            {
                "name": "submit_month",
                "args": {"month": "2026-13", "epoch": 0, "reviewed_version": 0},
            },
            "invalid_args",
        ),
    ],
)
async def test_a_bad_mutation_is_rejected_alone_and_recorded(
    alice: Member, mutation: dict[str, Any], reason: str
) -> None:
    """Make sure each malformed mutation gets its own rejection and the next one still applies."""
    phone = Device("phone")
    phone.pending.append({"id": 1, **mutation})
    phone.next_id = 2
    phone.edit("2026-11-18", work(alice), NOW_MS)
    body = await phone.sync(transport(alice))
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["reason"] == reason
    assert body["results"][0]["detail"]
    assert set(phone.shown()) == {"2026-11-18"}
    replay = await alice.browser.post(
        "/api/v1/sync", json={**phone.request(), "mutations": [{"id": 1, **mutation}]}
    )
    assert replay.json()["results"][0]["reason"] == reason


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        # Protocol 1 sent a push's own days back; nothing speaking it was ever deployed.
        ({"protocol": 1}, 422, "protocol_not_supported"),
        ({"protocol": 3}, 422, "protocol_not_supported"),
        ({"protocol": "2"}, 422, "invalid_input"),
        ({"protocol": True}, 422, "invalid_input"),
        ({"client_id": "not-a-uuid"}, 422, "invalid_input"),
        (
            {"mutations": [{"id": i, "name": "set_day", "args": {}} for i in range(1, 102)]},
            422,
            "invalid_input",
        ),
        ({"mutations": [{"id": 0, "name": "set_day", "args": {}}]}, 422, "invalid_input"),
        ({"cookie": {"sid": "x", "v": -1}}, 422, "invalid_input"),
        ({"surprise": True}, 422, "invalid_input"),
    ],
)
async def test_a_bad_envelope_is_a_problem_document_and_changes_nothing(
    alice: Member, change: dict[str, Any], status: int, code: str
) -> None:
    """Make sure a malformed request is refused whole, with a problem, applying nothing."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    response = await alice.browser.post("/api/v1/sync", json={**phone.request(), **change})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    fresh = Device("fresh")
    await fresh.sync(transport(alice))
    assert fresh.shown() == {}


async def test_a_client_id_cannot_be_borrowed_from_another_consultant(world: World) -> None:
    """Make sure one consultant cannot push through another consultant's device id."""
    alice = await world.person("alice", [Role.CONSULTANT])
    bob = await world.person("bob", [Role.CONSULTANT])
    phone = Device("phone")
    phone.edit("2026-11-16", [("absence:CP", 2)], NOW_MS)
    await phone.sync(transport(alice))  # the first push claims the device id
    phone.edit("2026-11-17", [("absence:CP", 2)], NOW_MS)
    response = await bob.browser.post("/api/v1/sync", json=phone.request())
    assert response.status_code == 403
    pull = await bob.browser.post("/api/v1/sync", json={**phone.request(), "mutations": []})
    assert pull.status_code == 403


async def test_only_consultants_sync_days_and_client_signers_not_at_all(world: World) -> None:
    """Make sure a manager without the consultant role may sync (their queued approvals) but
    has no CRA to edit, and a client signer gets 403 from sync."""
    manager = await world.person("marc", [Role.MANAGER])
    device = Device("x")
    device.edit("2026-11-16", [("absence:CP", 2)], NOW_MS)
    response = await manager.browser.post("/api/v1/sync", json=device.request())
    assert response.status_code == 200
    assert response.json()["results"][0]["reason"] == "forbidden"
    client = await world.client()
    signer = await world.person("sam", [Role.CLIENT_SIGNER], client_id=client.id)
    response = await signer.browser.post("/api/v1/sync", json=Device("y").request())
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_a_fast_clock_device_keeps_its_own_edit_order_in_one_batch(alice: Member) -> None:
    """Make sure two clamped edits of one day pushed together apply in order, the last winning."""
    tablet = Device("tablet", skew_ms=3_600_000)
    tablet.edit("2026-11-16", work(alice), NOW_MS)
    tablet.edit("2026-11-16", [("absence:CP", 2)], NOW_MS + 5_000)
    body = await tablet.sync(transport(alice))
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    assert tablet.shown()["2026-11-16"] == [("absence:CP", 2)]


# -- protocol 2: a push is acknowledged, not echoed; months come once per pull ------------------


async def fresh_state(member: Member) -> Device:
    fresh = Device("fresh")
    await fresh.sync(transport(member), limit=2000)
    return fresh


async def test_a_push_answer_acknowledges_the_days_without_sending_them_back(
    alice: Member,
) -> None:
    """Make sure a push's answer carries no day it wrote, yet the device ends in the server's
    state: it stores its own queued values at the version each result gives."""
    phone = Device("phone")
    await phone.sync(transport(alice))  # the device exists and is up to date
    dates = [f"2026-11-{day:02d}" for day in (16, 17, 18)]
    for date in dates:
        phone.edit(date, [("absence:CP", 1), *work(alice, 1)], NOW_MS, comment="client")
    body = await phone.sync(transport(alice))
    assert body["days"] == []
    assert [r["status"] for r in body["results"]] == ["applied"] * 3
    version = body["cookie"]["v"]
    assert {r["version"] for r in body["results"]} == {version}
    # The month the first day created is the only row that comes back (the device cannot know
    # its id-free state from its queue alone: it is sent once).
    assert [m["month"] for m in body["months"]] == ["2026-11"]
    fresh = await fresh_state(alice)
    assert phone.days == fresh.days
    assert phone.months == fresh.months


async def test_another_devices_change_still_comes_back_in_a_push_answer(alice: Member) -> None:
    """Make sure only this device's own writes are left out: the laptop's day, written before
    the phone's push, arrives in the phone's push answer."""
    phone, laptop = Device("phone"), Device("laptop")
    await phone.sync(transport(alice))
    laptop.edit("2026-11-16", work(alice), NOW_MS)
    await laptop.sync(transport(alice))
    phone.edit("2026-11-17", work(alice), NOW_MS)
    body = await phone.sync(transport(alice))
    assert [d["date"] for d in body["days"]] == ["2026-11-16"]
    assert body["days"][0]["by_client"] == laptop.client_id
    assert phone.days == (await fresh_state(alice)).days


async def test_a_superseded_or_refused_write_is_answered_by_its_result_alone(
    alice: Member, clock: FakeClock
) -> None:
    """Make sure the stored winner of a superseded write and a refused month come back once, in
    their result, not again in the page."""
    phone, laptop = Device("phone"), Device("laptop", skew_ms=60_000)
    phone.edit("2026-11-16", work(alice), NOW_MS)  # older stamp
    laptop.edit("2026-11-16", [("absence:RTT", 2)], NOW_MS)
    await laptop.sync(transport(alice))
    body = await phone.sync(transport(alice))
    (result,) = body["results"]
    assert result["status"] == "superseded"
    assert result["current"]["by_client"] == laptop.client_id
    assert body["days"] == []
    await set_month_state(
        consultant_id=alice.id, month="2026-11", status=MonthStatus.SIGNED, now=clock()
    )
    phone.edit("2026-11-17", work(alice), NOW_MS)
    body = await phone.sync(transport(alice))
    (result,) = body["results"]
    assert result["reason"] == "month_locked" and result["month"]["status"] == "signed"
    assert body["months"] == []
    fresh = await fresh_state(alice)
    assert phone.days == fresh.days
    assert phone.months == fresh.months


async def test_a_retried_push_is_not_echoed_either(alice: Member) -> None:
    """Make sure a batch whose answer was lost, sent again, replays results that carry their
    version, and its days are still left out of the page."""
    phone = Device("phone")
    await phone.sync(transport(alice))
    phone.edit("2026-11-16", work(alice), NOW_MS)
    request = phone.request()
    lost = await alice.browser.post("/api/v1/sync", json=request)
    assert lost.json()["days"] == []
    body = await phone.sync(transport(alice))
    assert body["results"] == lost.json()["results"]
    assert body["days"] == []
    assert phone.days == (await fresh_state(alice)).days


async def test_months_come_once_with_the_last_page_even_if_one_changes_between_pages(
    alice: Member, clock: FakeClock
) -> None:
    """Make sure a paged pull sends the months list once, on its last page, and that a month
    changed while the pages are read is in it."""
    writer = Device("writer")
    for day in range(2, 28):
        writer.edit(f"2026-10-{day:02d}", [("absence:CP", 2)], NOW_MS)
    for day in range(2, 28):
        writer.edit(f"2026-11-{day:02d}", [("absence:CP", 2)], NOW_MS)
    await writer.sync(transport(alice))
    reader = Device("reader")
    send = transport(alice)
    status, first = await send(reader.request(limit=20))
    assert status == 200 and first["has_more"] and first["reset"]
    assert first["months"] == []
    reader.apply(first)
    await set_month_state(
        consultant_id=alice.id, month="2026-10", status=MonthStatus.SUBMITTED, now=clock()
    )
    pages = [first]
    while pages[-1]["has_more"]:
        status, page = await send(reader.request(limit=20))
        assert status == 200
        reader.apply(page)
        pages.append(page)
    assert len(pages) >= 3
    assert all(page["months"] == [] for page in pages[:-1])
    assert {m["month"]: m["status"] for m in pages[-1]["months"]} == {
        "2026-10": "submitted",
        "2026-11": "draft",
    }
    fresh = await fresh_state(alice)
    assert reader.days == fresh.days
    assert reader.months == fresh.months


async def test_an_up_to_date_poll_answers_empty_lists(alice: Member) -> None:
    """Make sure the 30-second poll of a device that has everything carries nothing."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    await phone.sync(transport(alice))
    body = await phone.sync(transport(alice))
    assert (body["days"], body["months"], body["overwrites"], body["results"]) == ([], [], [], [])
    assert body["has_more"] is False and body["reset"] is False
