"""Editing and closing a mission (issue 14): harmless changes go through and are audited; a
change that would rewrite a month already handed in is refused with 409, naming each field and
month, and changes nothing. The pure rule first, then the endpoint on the real database."""

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from server.domain import mission_changes as rule
from server.domain import model
from server.domain import pricing as p
from server.domain.roles import Role
from server.services import audit_log
from server.storage import audit_store, invoicing_store
from server.storage import repositories as repo
from server.storage import tables as t
from tests.factories import ALL_ABSENCES, Member, World

MISSION = model.Mission(
    id="m",
    organisation_id="o",
    consultant_id="c",
    client_id="k",
    title="Paie",
    start_date=date(2026, 1, 5),
    end_date=date(2026, 12, 31),
    billing_mode="regie",
    daily_rate_cents=60_000,
    day_cap_half_days=None,
    allowed_absences=ALL_ABSENCES,
    comments_required=False,
    calendar_region="metropole",
    steps=(model.ApprovalStep(position=0, kind="manager", approver_id="boss"),),
)


def month(text: str, status: str, *days: int) -> rule.MonthOfMission:
    year, number = (int(p) for p in text.split("-"))
    return rule.MonthOfMission(
        month=text, status=status, mission_days=tuple(date(year, number, d) for d in days)
    )


def found(errors: tuple[Any, ...]) -> set[tuple[str, str, str]]:
    return {(e.field, e.code, e.message.split(" ", 1)[0]) for e in errors}


# -- the pure rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("daily_rate_cents", 70_000),
        ("calendar_region", "alsace_moselle"),
        ("allowed_absences", ("CP",)),
        ("comments_required", True),
    ],
)
def test_a_term_change_is_refused_while_a_handed_in_month_is_in_the_period(
    field: str, value: Any
) -> None:
    """Make sure each term names every handed-in month of the period, and only those."""
    months = [
        month("2026-03", "signed", 2),
        month("2026-04", "validated"),
        month("2026-05", "in_validation", 4),
        month("2026-06", "draft", 1),
        month("2026-07", "sent_back"),
        month("2025-12", "signed"),  # before the mission
    ]
    after = replace(MISSION, **{field: value})
    errors = rule.refusals(before=MISSION, after=after, months=months)
    assert found(errors) == {
        (field, "month_signed", "2026-03"),
        (field, "month_validated", "2026-04"),
        (field, "month_in_validation", "2026-05"),
    }


def test_terms_change_freely_when_no_month_is_handed_in() -> None:
    """Make sure drafts and sent-back months do not block a new rate."""
    months = [month("2026-03", "draft", 2), month("2026-04", "sent_back", 1)]
    after = replace(MISSION, daily_rate_cents=70_000, calendar_region="alsace_moselle")
    assert rule.refusals(before=MISSION, after=after, months=months) == ()


def test_title_and_a_later_end_date_go_through_over_signed_months() -> None:
    """Make sure the harmless changes are not refused by a signed month."""
    months = [month("2026-03", "signed", 2), month("2026-12", "validated", 1)]
    after = replace(MISSION, title="Paie v2", end_date=date(2027, 6, 30))
    assert rule.changed_fields(MISSION, after) == ["title", "end_date"]
    assert rule.refusals(before=MISSION, after=after, months=months) == ()


def test_an_end_date_before_a_recorded_day_is_refused_whatever_the_status() -> None:
    """Make sure closing the mission before a day recorded on it names that day's month, even a
    draft, and that a handed-in month the mission would leave is named too."""
    months = [
        month("2026-05", "signed", 4),
        month("2026-06", "draft", 10),
        month("2026-07", "validated"),  # no day on it, but the mission would leave it
        month("2026-08", "draft"),
    ]
    after = replace(MISSION, end_date=date(2026, 6, 5))
    assert found(rule.refusals(before=MISSION, after=after, months=months)) == {
        ("end_date", "days_after_end", "2026-06"),
        ("end_date", "month_validated", "2026-07"),
    }
    closed_after_days = replace(MISSION, end_date=date(2026, 6, 30))
    assert found(rule.refusals(before=MISSION, after=closed_after_days, months=months)) == {
        ("end_date", "month_validated", "2026-07")
    }


def test_the_circuit_changes_once_no_month_is_in_validation() -> None:
    """Make sure a new circuit is refused while a month goes through the old one, and accepted
    with validated and signed months only (they are done with their circuit)."""
    after = replace(
        MISSION, steps=(model.ApprovalStep(position=0, kind="manager", approver_id="other"),)
    )
    done = [month("2026-03", "signed", 2), month("2026-04", "validated", 1)]
    assert rule.refusals(before=MISSION, after=after, months=done) == ()
    waiting = [*done, month("2026-05", "in_validation", 4), month("2026-06", "submitted")]
    assert found(rule.refusals(before=MISSION, after=after, months=waiting)) == {
        ("approval_steps", "month_in_validation", "2026-05"),
        ("approval_steps", "month_submitted", "2026-06"),
    }


# -- the endpoint ----------------------------------------------------------------------------


async def setup(world: World) -> tuple[Member, Member, Member, model.Mission]:
    admin = await world.person("admin", [Role.ADMIN])
    boss = await world.person("boss", [Role.MANAGER], login=False)
    alice = await world.person("alice", [Role.CONSULTANT], manager="boss", login=False)
    client = await world.client("Banque Exemple SA")
    mission = await world.mission(
        "alice",
        client,
        start=date(2026, 1, 5),
        end=date(2026, 12, 31),
        approvers=[("manager", "boss")],
    )
    return admin, boss, alice, mission


def body(mission: model.Mission, **changes: Any) -> dict[str, Any]:
    return {
        "title": mission.title,
        "end_date": None if mission.end_date is None else mission.end_date.isoformat(),
        "daily_rate_cents": mission.daily_rate_cents,
        "allowed_absences": list(mission.allowed_absences),
        "comments_required": mission.comments_required,
        "calendar_region": mission.calendar_region,
        "approval_steps": [{"kind": s.kind, "approver_id": s.approver_id} for s in mission.steps],
    } | changes


async def month_with_day(alice: Member, mission: model.Mission, text: str, status: str) -> None:
    sheet = await repo.create_timesheet(consultant_id=alice.id, month=text)
    await repo.write_day(
        timesheet_id=sheet.id,
        day=date.fromisoformat(f"{text}-06"),
        lines=[(f"mission:{mission.id}", 2)],
        comment="",
        author_id=alice.id,
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    await repo.set_timesheet_state(timesheet_id=sheet.id, status=status)


async def mission_events(organisation_id: str) -> list[Any]:
    return [e for e in await audit_store.chain(organisation_id) if e.event == "mission.changed"]


async def test_admin_renames_and_closes_a_mission_and_it_is_audited(world: World) -> None:
    """Make sure a new title and end date are stored, read back, and recorded with their
    before and after values in the organisation's audit chain."""
    admin, _, alice, mission = await setup(world)
    await month_with_day(alice, mission, "2026-03", "signed")
    response = await admin.browser.put(
        f"/api/v1/missions/{mission.id}",
        json=body(mission, title="Paie v2", end_date="2026-10-31"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Paie v2"
    assert response.json()["end_date"] == "2026-10-31"
    read = await admin.browser.get(f"/api/v1/missions/{mission.id}")
    assert read.json() == response.json()
    events = await mission_events(world.organisation.id)
    assert [e.body["data"] for e in events] == [
        {
            "mission": mission.id,
            "before": {"title": mission.title, "end_date": "2026-12-31"},
            "after": {"title": "Paie v2", "end_date": "2026-10-31"},
        }
    ]
    assert events[0].subject == f"mission:{mission.id}" and events[0].actor == admin.id
    (verdict,) = await audit_log.verify(world.organisation.id)
    assert verdict.check.ok and verdict.check.checked == 1


async def test_a_rate_change_over_a_validated_month_is_refused_and_changes_nothing(
    world: World,
) -> None:
    """Make sure the 409 problem names the field and the validated month, and that neither the
    mission nor the audit chain changed."""
    admin, _, alice, mission = await setup(world)
    await month_with_day(alice, mission, "2026-04", "validated")
    await month_with_day(alice, mission, "2026-05", "draft")
    response = await admin.browser.put(
        f"/api/v1/missions/{mission.id}",
        json=body(
            mission, title="Paie v2", daily_rate_cents=70_000, calendar_region="alsace_moselle"
        ),
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "conflict"
    assert "2026-04" in problem["detail"]
    assert [(e["field"], e["code"], e["message"][:7]) for e in problem["errors"]] == [
        ("daily_rate_cents", "month_validated", "2026-04"),
        ("calendar_region", "month_validated", "2026-04"),
    ]
    assert await repo.get_mission(mission.id) == mission
    assert await mission_events(world.organisation.id) == []


async def test_an_end_date_before_a_recorded_day_is_refused(world: World) -> None:
    """Make sure closing a mission before a day already recorded on it is refused (409)."""
    admin, _, alice, mission = await setup(world)
    await month_with_day(alice, mission, "2026-06", "draft")
    response = await admin.browser.put(
        f"/api/v1/missions/{mission.id}", json=body(mission, end_date="2026-05-31")
    )
    assert response.status_code == 409, response.text
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("end_date", "days_after_end")
    ]
    assert await repo.get_mission(mission.id) == mission


async def test_bad_edits_are_refused_under_their_fields(world: World) -> None:
    """Make sure an end before the start, a rate of zero and an unknown approver get 422 with
    their fields, and nothing changes."""
    admin, _, _, mission = await setup(world)
    cases = [
        (body(mission, end_date="2025-12-31"), "end_date"),
        (body(mission, daily_rate_cents=0), "daily_rate_cents"),
        (body(mission, daily_rate_cents=None), "daily_rate_cents"),
        (
            body(mission, approval_steps=[{"kind": "manager", "approver_id": str(uuid.uuid4())}]),
            "approval_steps[0].approver_id",
        ),
        (body(mission, title="  "), "title"),
    ]
    for sent, field in cases:
        response = await admin.browser.put(f"/api/v1/missions/{mission.id}", json=sent)
        assert response.status_code == 422, (field, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, response.text
    assert await repo.get_mission(mission.id) == mission


async def test_a_new_circuit_waits_for_the_month_in_validation(world: World) -> None:
    """Make sure the circuit is refused while a month is in validation, then accepted once it is
    validated, and stored in its new order."""
    admin, boss, alice, mission = await setup(world)
    await month_with_day(alice, mission, "2026-04", "in_validation")
    signer = await world.person(
        "signer", [Role.CLIENT_SIGNER], client_id=mission.client_id, login=False
    )
    steps = [
        {"kind": "manager", "approver_id": boss.id},
        {"kind": "client_signer", "approver_id": signer.id},
    ]
    url = f"/api/v1/missions/{mission.id}"
    refused = await admin.browser.put(url, json=body(mission, approval_steps=steps))
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["field"] == "approval_steps"
    sheet = await repo.get_timesheet(consultant_id=alice.id, month="2026-04")
    assert sheet is not None
    await repo.set_timesheet_state(timesheet_id=sheet.id, status="validated")
    accepted = await admin.browser.put(url, json=body(mission, approval_steps=steps))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["approval_steps"] == steps


async def test_a_mission_without_a_circuit_keeps_none_when_edited(world: World) -> None:
    """Make sure a mission created without steps (its consultant's manager approves) can be
    renamed with an empty circuit, and keeps none."""
    admin = await world.person("admin", [Role.ADMIN])
    await world.person("boss", [Role.MANAGER], login=False)
    await world.person("alice", [Role.CONSULTANT], manager="boss", login=False)
    bare = await world.mission("alice", await world.client("Banque Sans Circuit SA"))
    response = await admin.browser.put(
        f"/api/v1/missions/{bare.id}", json=body(bare, title="Renommée", approval_steps=[])
    )
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["approval_steps"]) == ("Renommée", [])


# -- start date, consultant, client and cap --------------------------------------------------


def test_a_later_start_is_refused_over_a_recorded_day_and_a_month_it_would_leave() -> None:
    """Make sure moving the start after a day recorded on the mission names that day's month,
    even a draft, and that a handed-in month the mission would leave is named too; an earlier
    start over drafts goes through."""
    months = [
        month("2026-01", "validated"),  # no day, but the mission would leave it
        month("2026-02", "draft", 10),
        month("2026-04", "signed", 6),
    ]
    later = replace(MISSION, start_date=date(2026, 2, 16))
    assert found(rule.refusals(before=MISSION, after=later, months=months)) == {
        ("start_date", "days_before_start", "2026-02"),
        ("start_date", "month_validated", "2026-01"),
    }
    earlier = replace(MISSION, start_date=date(2025, 11, 3))
    assert rule.changed_fields(MISSION, earlier) == ["start_date"]
    assert found(
        rule.refusals(before=MISSION, after=earlier, months=[month("2025-12", "signed")])
    ) == {("start_date", "month_signed", "2025-12")}
    assert rule.refusals(before=MISSION, after=earlier, months=months) == ()


@pytest.mark.parametrize("field", ["consultant_id", "client_id"])
def test_a_new_consultant_or_client_is_refused_once_a_day_is_recorded(field: str) -> None:
    """Make sure a day in any status blocks a new consultant or client (the days belong to the
    consultant's CRA, worked for that client), and a handed-in month without days too."""
    after = replace(MISSION, **{field: "other"})
    months = [month("2026-03", "draft", 2), month("2026-04", "validated")]
    assert found(rule.refusals(before=MISSION, after=after, months=months)) == {
        (field, "mission_has_days", "2026-03"),
        (field, "month_validated", "2026-04"),
    }
    assert rule.refusals(before=MISSION, after=after, months=[month("2026-03", "draft")]) == ()


def test_the_new_consultant_s_handed_in_months_block_the_change() -> None:
    """Make sure the mission cannot enter a month the new consultant has already handed in."""
    after = replace(MISSION, consultant_id="bob")
    incoming = [
        month("2026-05", "submitted"),
        month("2026-06", "draft"),
        month("2025-06", "signed"),
    ]
    assert found(rule.refusals(before=MISSION, after=after, months=[], incoming=incoming)) == {
        ("consultant_id", "month_submitted", "2026-05")
    }


def test_a_new_cap_or_client_is_refused_once_the_mission_is_invoiced() -> None:
    """Make sure an issued invoice's month is named for the cap and the client, that a cap
    changes freely before any invoice, and that a delivered milestone keeps its client."""
    capped = replace(MISSION, billing_mode="regie_capped", day_cap_half_days=40)
    after = replace(capped, day_cap_half_days=30, client_id="other")
    assert found(rule.refusals(before=capped, after=after, months=[], invoiced=["2026-03"])) == {
        ("day_cap_half_days", "month_invoiced", "2026-03"),
        ("client_id", "month_invoiced", "2026-03"),
    }
    assert (
        rule.refusals(before=capped, after=replace(capped, day_cap_half_days=30), months=[]) == ()
    )
    moved = replace(MISSION, client_id="other")
    delivered = {1: date(2026, 4, 2)}
    assert found(rule.refusals(before=MISSION, after=moved, months=[], delivered=delivered)) == {
        ("client_id", "milestone_delivered", "2026-04")
    }


async def test_admin_moves_the_start_and_it_is_audited(world: World) -> None:
    """Make sure an earlier start over draft months is stored, read back and audited with its
    before and after values; an API client that does not send the field keeps the start."""
    admin, _, alice, mission = await setup(world)
    await month_with_day(alice, mission, "2026-03", "draft")
    url = f"/api/v1/missions/{mission.id}"
    response = await admin.browser.put(url, json=body(mission, start_date="2025-12-01"))
    assert response.status_code == 200, response.text
    assert (await admin.browser.get(url)).json()["start_date"] == "2025-12-01"
    kept = await admin.browser.put(url, json=body(mission, title="Paie v3"))
    assert kept.json()["start_date"] == "2025-12-01"
    events = await mission_events(world.organisation.id)
    assert events[0].body["data"] == {
        "mission": mission.id,
        "before": {"start_date": "2026-01-05"},
        "after": {"start_date": "2025-12-01"},
    }


async def test_a_start_over_a_validated_month_is_refused_and_changes_nothing(
    world: World,
) -> None:
    """Make sure a later start that leaves a validated month and a day recorded is refused
    with 409 naming both months, and neither the mission nor the chain changes."""
    admin, _, alice, mission = await setup(world)
    await repo.create_timesheet(consultant_id=alice.id, month="2026-01")
    sheet = await repo.get_timesheet(consultant_id=alice.id, month="2026-01")
    assert sheet is not None
    await repo.set_timesheet_state(timesheet_id=sheet.id, status="validated")
    await month_with_day(alice, mission, "2026-02", "draft")
    response = await admin.browser.put(
        f"/api/v1/missions/{mission.id}",
        json=body(mission, start_date="2026-03-02", title="Paie v2"),
    )
    assert response.status_code == 409, response.text
    assert [(e["field"], e["code"], e["message"][:7]) for e in response.json()["errors"]] == [
        ("start_date", "days_before_start", "2026-02"),
        ("start_date", "month_validated", "2026-01"),
    ]
    assert await repo.get_mission(mission.id) == mission
    assert await mission_events(world.organisation.id) == []


async def test_a_new_consultant_is_refused_once_a_day_is_recorded(world: World) -> None:
    """Make sure the mission cannot change hands with a draft day on it (409, nothing saved),
    and does once that day is gone, audited, with the new consultant read back."""
    admin, _, alice, mission = await setup(world)
    bob = await world.person("bob", [Role.CONSULTANT], manager="boss", login=False)
    await month_with_day(alice, mission, "2026-03", "draft")
    url = f"/api/v1/missions/{mission.id}"
    refused = await admin.browser.put(url, json=body(mission, consultant_id=bob.id))
    assert refused.status_code == 409, refused.text
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("consultant_id", "mission_has_days")
    ]
    assert await repo.get_mission(mission.id) == mission
    assert await mission_events(world.organisation.id) == []
    fresh = await world.mission("alice", await world.client("Autre Client SA"))
    moved = await admin.browser.put(
        f"/api/v1/missions/{fresh.id}",
        json=body(fresh, consultant_id=bob.id, approval_steps=[]),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["consultant_id"] == bob.id
    (event,) = await mission_events(world.organisation.id)
    assert event.body["data"]["after"] == {"consultant_id": bob.id}


async def test_a_new_client_must_exist_and_its_signer_must_match(world: World) -> None:
    """Make sure an unknown client is a 422 under client_id, and a client whose signer is not
    in the circuit keeps the old client's signer out (422 on the step), nothing saved."""
    admin, _, _, mission = await setup(world)
    url = f"/api/v1/missions/{mission.id}"
    unknown = await admin.browser.put(url, json=body(mission, client_id=str(uuid.uuid4())))
    assert unknown.status_code == 422, unknown.text
    assert "client_id" in {e["field"] for e in unknown.json()["errors"]}
    signer = await world.person(
        "signer", [Role.CLIENT_SIGNER], client_id=mission.client_id, login=False
    )
    other = await world.client("Autre Banque SA")
    steps = [*body(mission)["approval_steps"], {"kind": "client_signer", "approver_id": signer.id}]
    assert (
        await admin.browser.put(url, json=body(mission, approval_steps=steps))
    ).status_code == 200
    moved = await admin.browser.put(
        url, json=body(mission, client_id=other.id, approval_steps=steps)
    )
    assert moved.status_code == 422, moved.text
    assert "approval_steps[1].approver_id" in {e["field"] for e in moved.json()["errors"]}
    assert (await repo.get_mission(mission.id)).client_id == mission.client_id  # type: ignore[union-attr]


async def test_a_cap_change_is_refused_once_an_invoice_billing_the_mission_is_issued(
    world: World,
) -> None:
    """Make sure a capped régie's cap changes before any invoice, and is refused (409 naming
    the invoice's month, nothing saved) once one billing the mission is issued."""
    admin, _, _, mission = await setup(world)
    # Made a capped régie in place: the factory creates régies, and the mode is not editable.
    await t.Mission.update(
        {t.Mission.billing_mode: "regie_capped", t.Mission.day_cap_half_days: 40}
    ).where(t.Mission.id == mission.id)
    url = f"/api/v1/missions/{mission.id}"
    changed = await admin.browser.put(url, json=body(mission, day_cap_half_days=30))
    assert changed.status_code == 200, changed.text
    assert changed.json()["day_cap_half_days"] == 30
    await issue_invoice_for(world, mission, "2026-03")
    refused = await admin.browser.put(url, json=body(mission, day_cap_half_days=50))
    assert refused.status_code == 409, refused.text
    assert [(e["field"], e["code"], e["message"][:7]) for e in refused.json()["errors"]] == [
        ("day_cap_half_days", "month_invoiced", "2026-03")
    ]
    assert (await repo.get_mission(mission.id)).day_cap_half_days == 30  # type: ignore[union-attr]


async def issue_invoice_for(world: World, mission: model.Mission, text: str) -> None:
    """An issued invoice with a line billing the mission's days of `text` (a draft stored by
    the invoicing store, then given a number as issuing does)."""
    first = date.fromisoformat(f"{text}-01")
    line = p.regie_line(
        key=f"mission:{mission.id}", label=mission.title, half_days=4, daily_rate_cents=60_000
    )
    invoice_id = await invoicing_store.save_draft(
        organisation_id=world.organisation.id,
        client_id=mission.client_id,
        group_key=f"test:{text}",
        period_start=first,
        period_end=first,
        sources=[],
        warnings=[],
        regime=p.VatRegime.STANDARD,
        lines=[line],
        totals=p.totals(lines=[line], regime=p.VatRegime.STANDARD),
        now=datetime(2026, 4, 1, tzinfo=UTC),
    )
    await t.Invoice.update({t.Invoice.number: f"F-{text}-1", t.Invoice.status: "issued"}).where(
        t.Invoice.id == invoice_id
    )
    assert await invoicing_store.invoiced_months(mission.id) == [text]


def test_a_delivered_milestone_cannot_change_nor_go_the_others_can() -> None:
    """Make sure a delivered milestone changed or removed is named with its delivery month,
    while the undelivered ones change, and new ones are added, freely."""

    def milestone(position: int, label: str, amount: int) -> model.Milestone:
        return model.Milestone(
            position=position,
            label=label,
            due_date=date(2026, 3 + position, 1),
            amount_cents=amount,
        )

    forfait = replace(
        MISSION,
        billing_mode="forfait",
        daily_rate_cents=None,
        milestones=(milestone(0, "Cadrage", 500_000), milestone(1, "Recette", 700_000)),
    )
    delivered = {0: date(2026, 3, 20)}
    others = replace(
        forfait,
        milestones=(
            milestone(0, "Cadrage", 500_000),
            milestone(1, "Recette", 800_000),
            milestone(2, "Bilan", 100_000),
        ),
    )
    assert rule.changed_fields(forfait, others) == ["milestones"]
    assert rule.refusals(before=forfait, after=others, months=[], delivered=delivered) == ()
    changed = replace(forfait, milestones=(milestone(0, "Cadrage", 550_000),))
    assert found(rule.refusals(before=forfait, after=changed, months=[], delivered=delivered)) == {
        ("milestones[0]", "milestone_delivered", "2026-03")
    }
    removed = replace(forfait, milestones=(milestone(0, "Recette", 700_000),))
    delivered_both = {0: date(2026, 3, 20), 1: date(2026, 4, 2)}
    assert found(
        rule.refusals(before=forfait, after=removed, months=[], delivered=delivered_both)
    ) == {
        ("milestones[0]", "milestone_delivered", "2026-03"),
        ("milestones[1]", "milestone_delivered", "2026-04"),
    }


async def test_a_forfait_s_milestones_change_until_delivered(world: World) -> None:
    """Make sure an administrator changes an undelivered milestone and adds one (stored,
    audited, the delivered one keeping its delivery), and that changing the delivered one is
    refused with 409 naming it, nothing saved."""
    admin, boss, alice, _ = await setup(world)
    client = await world.client("Forfait Client SA")
    created = await admin.browser.post(
        "/api/v1/missions",
        json={
            "consultant_id": alice.id,
            "client_id": client.id,
            "title": "Refonte",
            "start_date": "2026-01-05",
            "end_date": "2026-12-31",
            "billing_mode": "forfait",
            "approval_steps": [{"kind": "manager", "approver_id": boss.id}],
            "milestones": [
                {"label": "Cadrage", "due_date": "2026-03-01", "amount_cents": 500_000},
                {"label": "Recette", "due_date": "2026-06-01", "amount_cents": 700_000},
            ],
        },
    )
    assert created.status_code == 201, created.text
    forfait = created.json()
    url = f"/api/v1/missions/{forfait['id']}"
    delivery = await admin.browser.post(
        f"{url}/milestones/0/delivery", json={"delivered_on": "2026-03-20"}
    )
    assert delivery.status_code == 201, delivery.text
    edit = {k: forfait[k] for k in body(await repo.get_mission(forfait["id"]))}  # type: ignore[arg-type]
    first, second = forfait["milestones"]
    refused = await admin.browser.put(
        url, json={**edit, "milestones": [{**first, "amount_cents": 550_000}, second]}
    )
    assert refused.status_code == 409, refused.text
    assert [(e["field"], e["code"], e["message"][:7]) for e in refused.json()["errors"]] == [
        ("milestones[0]", "milestone_delivered", "2026-03")
    ]
    assert (await admin.browser.get(url)).json() == forfait
    third = {"label": "Bilan", "due_date": "2026-12-01", "amount_cents": 100_000}
    milestones = [first, {**second, "amount_cents": 800_000}, third]
    accepted = await admin.browser.put(url, json={**edit, "milestones": milestones})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["milestones"] == milestones
    assert await invoicing_store.delivered_milestones(forfait["id"]) == {0: date(2026, 3, 20)}
    (event,) = await mission_events(world.organisation.id)
    assert event.body["data"]["after"] == {"milestones": milestones}
    outside = await admin.browser.put(
        url, json={**edit, "milestones": [first, {**third, "due_date": "2027-02-01"}]}
    )
    assert outside.status_code == 422, outside.text
    assert "milestones[1].due_date" in {e["field"] for e in outside.json()["errors"]}
