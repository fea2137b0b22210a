"""A mission's purchase order reference (issue 14): given at creation, read back, changed over a
signed month (a label: it rewrites no month) with the change audited, kept when an older client
omits it, and refused with its field when too long or unprintable, changing nothing."""

from typing import Any

from server.storage import repositories as repo
from tests.factories import World
from tests.server.test_mission_changes import body, mission_events, month_with_day, setup


async def test_a_mission_is_created_with_its_purchase_order(world: World) -> None:
    """Make sure the reference sent at creation is stored and read back; none is ""."""
    admin, boss, alice, mission = await setup(world)
    sent: dict[str, Any] = {
        "consultant_id": alice.id,
        "client_id": mission.client_id,
        "title": "Recette",
        "start_date": "2026-02-02",
        "billing_mode": "regie",
        "daily_rate_cents": 65_000,
        "approval_steps": [{"kind": "manager", "approver_id": boss.id}],
        "purchase_order": "  BC-2026-0042 ",
    }
    response = await admin.browser.post("/api/v1/missions", json=sent)
    assert response.status_code == 201, response.text
    assert response.json()["purchase_order"] == "BC-2026-0042"
    stored = await repo.get_mission(response.json()["id"])
    assert stored is not None and stored.purchase_order == "BC-2026-0042"
    without = await admin.browser.post(
        "/api/v1/missions", json={k: v for k, v in sent.items() if k != "purchase_order"}
    )
    assert without.status_code == 201, without.text
    assert without.json()["purchase_order"] == ""


async def test_the_purchase_order_changes_over_a_signed_month_and_is_audited(
    world: World,
) -> None:
    """Make sure a new reference goes through despite a signed month, is audited with its
    before and after, and that an edit omitting the field keeps it."""
    admin, _, alice, mission = await setup(world)
    await month_with_day(alice, mission, "2026-03", "signed")
    response = await admin.browser.put(
        f"/api/v1/missions/{mission.id}", json=body(mission, purchase_order="PO-77")
    )
    assert response.status_code == 200, response.text
    assert response.json()["purchase_order"] == "PO-77"
    events = await mission_events(world.organisation.id)
    assert [e.body["data"] for e in events] == [
        {
            "mission": mission.id,
            "before": {"purchase_order": ""},
            "after": {"purchase_order": "PO-77"},
        }
    ]
    # A client of the API from before the field sends none: the reference stays.
    renamed = await admin.browser.put(
        f"/api/v1/missions/{mission.id}", json=body(mission, title="Paie v2")
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["purchase_order"] == "PO-77"
    cleared = await admin.browser.put(
        f"/api/v1/missions/{mission.id}", json=body(mission, title="Paie v2", purchase_order="")
    )
    assert cleared.json()["purchase_order"] == ""


async def test_a_bad_purchase_order_is_refused_under_its_field(world: World) -> None:
    """Make sure a reference over 100 characters or with a control character gets 422 naming
    `purchase_order`, on creation and on edit, and nothing changes."""
    admin, boss, alice, mission = await setup(world)
    for bad in ["X" * 101, "BC\u00001"]:
        edit = await admin.browser.put(
            f"/api/v1/missions/{mission.id}", json=body(mission, purchase_order=bad)
        )
        assert edit.status_code == 422, edit.text
        assert [e["field"] for e in edit.json()["errors"]] == ["purchase_order"]
        create = await admin.browser.post(
            "/api/v1/missions",
            json={
                "consultant_id": alice.id,
                "client_id": mission.client_id,
                "title": "Recette",
                "start_date": "2026-02-02",
                "billing_mode": "regie",
                "daily_rate_cents": 65_000,
                "approval_steps": [{"kind": "manager", "approver_id": boss.id}],
                "purchase_order": bad,
            },
        )
        assert create.status_code == 422, create.text
        assert [e["field"] for e in create.json()["errors"]] == ["purchase_order"]
    assert await repo.get_mission(mission.id) == mission
    assert [m.id for m in await repo.missions_of(alice.id)] == [mission.id]
    assert await mission_events(world.organisation.id) == []
