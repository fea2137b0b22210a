"""A push batch's results are kept in one `mutation_outcome` row (issue 12, speed).

A device that never got a push's answer sends its mutations again, and gets the results stored
for them; once it acknowledges them (``ack_through``) they are deleted. The results were kept
one row per mutation; they are kept one row per batch (`sync_store.outcome_row`). These tests
run every case through both write paths, the planned push of days (`push_store`) and the
ordinary push (`sync_store.store_outcomes`), on SQLite and, with CARNET_TEST_DB=postgres, on
PostgreSQL: a retried batch, a retry that re-sends part of a batch with new mutations, the
pruning of whole and partly acknowledged batches, a row kept in the old one-result shape, and
a month push's one row.
"""

import json
from typing import Any

import httpx
import pytest

from server.commands.month_tx import NotPlanned
from server.services import sync_service
from server.storage import tables as t
from server.storage.sync_store import replayed_outcomes
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import NOVEMBER_2026_WORKDAYS, Member, World

NOW_MS = int(FakeClock()().timestamp() * 1000)

NOVEMBER = NOVEMBER_2026_WORKDAYS


@pytest.fixture
async def alice(world: World) -> Member:
    return await world.consultant_with_mission()


@pytest.fixture(params=["planned", "ordinary"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs through the planned push of days and through the ordinary push."""
    if request.param == "ordinary":

        async def refused(*args: Any, **kwargs: Any) -> Any:
            raise NotPlanned("this test takes the ordinary push")

        monkeypatch.setattr(sync_service.SyncService, "_push_days", refused)
    return str(request.param)


def work(member: Member) -> list[tuple[str, int]]:
    return [(f"mission:{member.mission.id}", 2)]  # type: ignore[attr-defined]


def transport(member: Member):  # type: ignore[no-untyped-def]
    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await member.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    return send


async def post(member: Member, request: dict[str, Any]) -> httpx.Response:
    response = await member.browser.post("/api/v1/sync", json=request)
    assert response.status_code == 200, response.text
    return response


async def kept(device: Device) -> list[tuple[int, int | None]]:
    """The device's kept rows, as the mutation ids each covers."""
    rows = await (
        t.MutationOutcome.select(t.MutationOutcome.mutation_id, t.MutationOutcome.last_mutation_id)
        .where(t.MutationOutcome.client == device.client_id)
        .order_by(t.MutationOutcome.mutation_id)
    )
    return [(r["mutation_id"], r["last_mutation_id"]) for r in rows]


async def test_a_month_push_keeps_its_results_in_one_row(alice: Member, path: str) -> None:
    """Make sure a month of 21 days leaves one row, its key the first id, holding the 21
    results as the answer gave them."""
    phone = Device("phone")
    for day in NOVEMBER:
        phone.edit(day, work(alice), NOW_MS)
    response = await post(alice, phone.request())
    assert await kept(phone) == [(1, 21)]
    [row] = await t.MutationOutcome.select(t.MutationOutcome.key, t.MutationOutcome.body).where(
        t.MutationOutcome.client == phone.client_id
    )
    assert row["key"] == f"{phone.client_id}:1"
    body = json.loads(row["body"]) if isinstance(row["body"], str) else row["body"]
    assert body == response.json()["results"]


async def test_a_retried_batch_gets_the_same_results(alice: Member, path: str) -> None:
    """Make sure a batch sent again whole (its answer lost) is answered from its row, an
    applied day and a rejected one alike, and writes no other row."""
    phone = Device("phone")
    phone.edit(NOVEMBER[0], work(alice), NOW_MS)
    phone.edit(NOVEMBER[1], [("absence:nope", 2)], NOW_MS)
    request = phone.request()
    first = await post(alice, request)
    second = await post(alice, request)
    assert [r["status"] for r in first.json()["results"]] == ["applied", "rejected"]
    assert second.json()["results"] == first.json()["results"]
    assert await kept(phone) == [(1, 2)]


async def test_a_retry_with_part_of_a_batch_and_new_mutations(alice: Member, path: str) -> None:
    """Make sure a retry that sends the end of an earlier batch and new mutations gets the
    stored results of the old ids (not the rest of their row) and fresh ones for the new,
    kept in a row of their own."""
    phone = Device("phone")
    for day in NOVEMBER[:3]:
        phone.edit(day, work(alice), NOW_MS)
    lost = await post(alice, phone.request())  # ids 1…3, the answer lost
    for day in NOVEMBER[3:5]:
        phone.edit(day, work(alice), NOW_MS)
    request = phone.request()
    request["mutations"] = request["mutations"][1:]  # ids 2…5
    again = await post(alice, request)
    results = again.json()["results"]
    assert [r["id"] for r in results] == [2, 3, 4, 5]
    assert results[:2] == lost.json()["results"][1:]
    assert [r["status"] for r in results[2:]] == ["applied", "applied"]
    assert again.json()["last_mutation_id"] == 5
    assert await kept(phone) == [(1, 3), (4, 5)]


async def test_a_batch_is_pruned_once_acknowledged_whole(alice: Member, path: str) -> None:
    """Make sure an acknowledgement that covers part of a batch keeps its row (the rest may
    still be asked for) and one that covers all of it deletes it."""
    phone = Device("phone")
    for day in NOVEMBER[:3]:
        phone.edit(day, work(alice), NOW_MS)
    await phone.sync(transport(alice))  # ids 1…3
    for day in NOVEMBER[3:5]:
        phone.edit(day, work(alice), NOW_MS)
    phone.acked_through = 2
    await phone.sync(transport(alice))  # ids 4, 5
    assert await kept(phone) == [(1, 3), (4, 5)]
    phone.edit(NOVEMBER[5], work(alice), NOW_MS)
    phone.acked_through = 3
    await phone.sync(transport(alice))  # id 6
    assert await kept(phone) == [(4, 5), (6, 6)]


async def test_results_kept_one_row_per_mutation_still_replay(alice: Member, path: str) -> None:
    """Make sure rows written before the batch rows (one result object each, no last id)
    answer a retry as they did, and are pruned by their own id."""
    phone = Device("phone")
    phone.edit(NOVEMBER[0], work(alice), NOW_MS)
    phone.edit(NOVEMBER[1], [("absence:nope", 2)], NOW_MS)
    request = phone.request()
    first = await post(alice, request)
    await t.MutationOutcome.delete().where(t.MutationOutcome.client == phone.client_id)
    for result in first.json()["results"]:
        await t.MutationOutcome.insert(
            t.MutationOutcome(
                key=f"{phone.client_id}:{result['id']}",
                client=phone.client_id,
                mutation_id=result["id"],
                body=json.dumps(result),
            )
        )
    assert await kept(phone) == [(1, None), (2, None)]
    request["mutations"] = request["mutations"][1:]
    second = await post(alice, request)
    assert second.json()["results"] == first.json()["results"][1:]
    phone.edit(NOVEMBER[2], work(alice), NOW_MS)
    await post(alice, {**phone.request(), "ack_through": 1})
    assert await kept(phone) == [(2, None), (3, 3)]


def test_a_row_gives_back_only_the_ids_asked_for() -> None:
    """Make sure decoding keeps the ids sent again, from batch rows and old rows alike."""
    rows = [
        {"mutation_id": 1, "body": '{"id": 1, "status": "applied"}'},
        {"mutation_id": 2, "body": '[{"id": 2, "status": "applied"}, {"id": 3, "status": "x"}]'},
        {"mutation_id": 4, "body": [{"id": 4, "status": "applied"}]},
    ]
    assert replayed_outcomes(rows, {1, 3, 4}) == {
        1: {"id": 1, "status": "applied"},
        3: {"id": 3, "status": "x"},
        4: {"id": 4, "status": "applied"},
    }
    assert replayed_outcomes(rows, {5}) == {}
