"""The validation circuit over HTTP, on the real app and database (SQLite, or PostgreSQL with
CARNET_TEST_DB=postgres): submit, approve, send back, reopen, immutability, and the audit
event each one leaves."""

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from server.domain.roles import Role
from server.services import audit_log, circuit
from server.storage import repositories as repo
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import Member, World

pytestmark = pytest.mark.anyio

MONTH = "2026-11"
DAY = "2026-11-16"  # a Monday
NOW_MS = int(FakeClock()().timestamp() * 1000)


@dataclass
class Team:
    """Alice (consultant) whose manager is Marc; Sam signs for the client; Ada administers;
    Nina manages another team."""

    world: World
    alice: Member
    marc: Member
    sam: Member
    ada: Member
    nina: Member

    def url(self, action: str = "", month: str = MONTH) -> str:
        base = f"/api/v1/people/{self.alice.id}/months/{month}"
        return f"{base}/{action}" if action else base

    async def read(self, who: Member | None = None) -> dict[str, Any]:
        response = await (who or self.alice).browser.get(self.url())
        assert response.status_code == 200, response.text
        return response.json()

    async def fill(self, day: str = DAY, half_days: int = 2) -> dict[str, Any]:
        mission = self.alice.mission  # type: ignore[attr-defined]
        response = await self.alice.browser.put(
            f"{self.url()}/days/{day}",
            json={"lines": [{"line": f"mission:{mission.id}", "half_days": half_days}]},
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def act(
        self, who: Member, action: str, *, version: int | None = None, comment: str = ""
    ) -> httpx.Response:
        if version is None:
            version = (await self.read()).get("version", 0)
        body: dict[str, Any] = {"version": version}
        if comment:
            body["comment"] = comment
        return await who.browser.post(self.url(action), json=body)

    async def events(self) -> list[str]:
        month = await repo.get_timesheet(consultant_id=self.alice.id, month=MONTH)
        assert month is not None
        return [e.event for e in await audit_log.history(month.id)]


async def make_team(world: World, approvers: list[tuple[str, str]]) -> Team:
    client = await world.client()
    ada = await world.person("ada", [Role.ADMIN])
    marc = await world.person("marc", [Role.MANAGER])
    nina = await world.person("nina", [Role.MANAGER])
    sam = await world.person("sam", [Role.CLIENT_SIGNER], client_id=client.id)
    alice = await world.person("alice", [Role.CONSULTANT], manager="marc")
    alice.mission = await world.mission("alice", client, approvers=approvers)  # type: ignore[attr-defined]
    return Team(world=world, alice=alice, marc=marc, sam=sam, ada=ada, nina=nina)


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
async def two_steps(world: World) -> Team:
    return await make_team(world, [("manager", "marc"), ("client_signer", "sam")])


async def test_manager_step_then_client_step(two_steps: Team, clock: FakeClock) -> None:
    """Make sure a submitted month waits on the manager, then on the client signer, who can
    only approve by signing (409 on the plain approval), and ends signed."""
    team = two_steps
    await team.fill()
    response = await team.act(team.alice, "submit")
    assert response.status_code == 200, response.text
    month = response.json()
    assert month["status"] == "in_validation"
    c = month["circuit"]
    assert [(s["kind"], s["approver_name"]) for s in c["steps"]] == [
        ("manager", "Marc"),
        ("client_signer", "Sam"),
    ]
    assert (c["step"], c["waiting_on_id"], c["waiting_on_name"]) == (0, team.marc.id, "Marc")
    assert c["ends_as"] == "signed"

    response = await team.act(team.marc, "approve")
    assert response.status_code == 200, response.text
    c = response.json()["circuit"]
    assert (c["step"], c["waiting_on_id"], c["waiting_on_kind"]) == (
        1,
        team.sam.id,
        "client_signer",
    )

    seen = await team.read(team.sam)
    body = problem(
        await team.act(team.sam, "approve", version=seen["version"]), 409, "signature_required"
    )
    assert body["errors"][0]["field"] == "step"
    assert (await team.read())["status"] == "in_validation"

    sam_actor = (await team.world.accounts.current(_session_cookie(team.sam))).actor  # type: ignore[union-attr]
    outcome = await circuit.approve_with_signature(
        sam_actor,
        consultant_id=team.alice.id,
        month_text=MONTH,
        version=seen["version"],
        clock=clock,
        signature={"document_sha256": "ab" * 32},
    )
    assert outcome.month.status == "signed"
    month = await team.read()
    assert month["status"] == "signed" and month["circuit"]["waiting_on_id"] is None
    assert await team.events() == [
        "month.created",
        "month.days_edited",
        "month.submitted",
        "month.approved",
        "signature.link_issued",  # the month reached Sam's step: his link was sent
        "month.refused",
        "month.approved",
    ]


def _session_cookie(member: Member) -> str | None:
    for cookie in member.browser.http.cookies.jar:
        if "session" in cookie.name:
            return cookie.value
    return None


async def test_direct_to_client(world: World, clock: FakeClock) -> None:
    """Make sure a freelance's "direct to client" circuit waits on the client at once."""
    team = await make_team(world, [("client_signer", "sam")])
    await team.fill()
    month = (await team.act(team.alice, "submit")).json()
    assert month["status"] == "in_validation"
    assert month["circuit"]["waiting_on_id"] == team.sam.id
    assert [s["kind"] for s in month["circuit"]["steps"]] == ["client_signer"]
    problem(await team.act(team.sam, "approve"), 409, "signature_required")


async def test_a_manager_only_circuit_ends_validated(world: World) -> None:
    """Make sure the last approval of a manager-only circuit validates the month."""
    team = await make_team(world, [("manager", "marc")])
    await team.fill()
    await team.act(team.alice, "submit")
    response = await team.act(team.marc, "approve")
    assert response.json()["status"] == "validated"


async def test_the_last_approval_creates_the_pre_invoice_in_the_same_step(world: World) -> None:
    """Make sure validating a month hands it to billing (issue 7): its pre-invoice exists as
    soon as the month is validated, and not before."""
    team = await make_team(world, [("manager", "marc")])
    await team.fill(half_days=2)
    await team.fill(day="2026-11-17", half_days=1)
    await team.act(team.alice, "submit")
    assert (await team.ada.browser.get("/api/v1/invoices")).json() == []
    assert (await team.act(team.marc, "approve")).json()["status"] == "validated"
    drafts = (await team.ada.browser.get("/api/v1/invoices")).json()
    assert [(d["status"], d["period_start"], d["net_cents"]) for d in drafts] == [
        ("draft", "2026-11-01", 3 * 60_000 // 2)
    ]


async def test_each_step_tells_whom_it_concerns_in_the_transaction_that_moves_the_month(
    two_steps: Team,
) -> None:
    """Make sure the circuit queues its notifications (issue 6) and the client signer's
    single-use link (issue 5) as the month moves: the manager on arrival, the signer by a link
    that opens, the consultant when sent back with the comment."""
    from server.storage import notification_store

    team = two_steps
    await team.fill()
    await team.act(team.alice, "submit")

    async def queued() -> list[tuple[str, str, str]]:
        rows = await notification_store.outbox_rows()
        return [(r["kind"], str(r["person"] or r["address"]), r["channel"]) for r in rows]

    assert await queued() == [("waiting_on_you", team.marc.id, "auto")]
    await team.act(team.marc, "approve")
    rows = await notification_store.outbox_rows()
    link = rows[-1]["data"]["link"]
    assert (rows[-1]["kind"], rows[-1]["address"], rows[-1]["channel"]) == (
        "signer_link",
        (await repo.get_person(team.sam.id)).email,  # type: ignore[union-attr]
        "email",
    )
    assert link.startswith("/sign/#t=")  # the worker adds the origin
    opened = await team.world.browser().post(
        "/api/v1/signature-links/open", json={"token": link.removeprefix("/sign/#t=")}
    )
    assert opened.status_code == 200, opened.text

    await team.act(team.sam, "send-back", comment="Le 16 était à distance")
    assert await queued() == [
        ("waiting_on_you", team.marc.id, "auto"),
        ("signer_link", rows[-1]["address"], "email"),
        ("sent_back", team.alice.id, "auto"),
    ]
    sent_back = (await notification_store.outbox_rows())[-1]
    assert sent_back["data"]["comment"] == "Le 16 était à distance"


async def test_a_mission_without_circuit_falls_back_to_the_manager(world: World) -> None:
    """Make sure a month whose missions have no circuit goes to the consultant's manager."""
    team = await make_team(world, [])
    await team.fill()
    month = (await team.act(team.alice, "submit")).json()
    assert month["circuit"]["waiting_on_id"] == team.marc.id


async def test_a_month_without_anyone_to_validate_it_cannot_be_submitted(world: World) -> None:
    """Make sure a month with no circuit and no manager is refused, naming the circuit."""
    client = await world.client()
    solo = await world.person("solo", [Role.CONSULTANT])
    mission = await world.mission("solo", client)
    url = f"/api/v1/people/{solo.id}/months/{MONTH}"
    await solo.browser.put(
        f"{url}/days/{DAY}", json={"lines": [{"line": f"mission:{mission.id}", "half_days": 2}]}
    )
    version = (await solo.browser.get(url)).json()["version"]
    body = problem(
        await solo.browser.post(f"{url}/submit", json={"version": version}), 422, "invalid_input"
    )
    assert body["errors"][0]["field"] == "steps"
    assert (await solo.browser.get(url)).json()["status"] == "draft"


async def test_send_back_needs_a_comment_then_reopens_and_restarts(two_steps: Team) -> None:
    """Make sure a send-back without comment is refused and recorded, one with a comment
    reopens the month (epoch bumped) with the comment shown, and resubmitting starts over."""
    team = two_steps
    await team.fill()
    await team.act(team.alice, "submit")
    body = problem(await team.act(team.marc, "send-back"), 422, "invalid_input")
    assert body["errors"][0]["field"] == "comment"
    body = problem(await team.act(team.marc, "send-back", comment="   "), 422, "invalid_input")
    assert (await team.read())["status"] == "in_validation"

    response = await team.act(team.marc, "send-back", comment="Le 16 était un jour de CP")
    assert response.status_code == 200, response.text
    month = response.json()
    assert month["status"] == "sent_back"
    assert month["circuit"]["epoch"] == 1
    last = month["circuit"]["last_return"]
    assert (last["kind"], last["comment"], last["by_name"]) == (
        "sent_back",
        "Le 16 était un jour de CP",
        "Marc",
    )
    await team.fill(half_days=1)
    month = (await team.act(team.alice, "submit")).json()
    assert month["status"] == "in_validation"
    assert (month["circuit"]["step"], month["circuit"]["waiting_on_id"]) == (0, team.marc.id)
    assert await team.events() == [
        "month.created",
        "month.days_edited",
        "month.submitted",
        "month.refused",
        "month.refused",
        "month.sent_back",
        "month.days_edited",
        "month.submitted",
    ]


async def test_a_send_back_refuses_the_edits_a_phone_queued_before_it(two_steps: Team) -> None:
    """Make sure the send-back's epoch bump makes stale offline edits rejected, not applied."""
    team = two_steps

    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await team.alice.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    phone = Device("phone")
    mission = team.alice.mission  # type: ignore[attr-defined]
    phone.edit(DAY, [(f"mission:{mission.id}", 2)], NOW_MS)
    await phone.sync(send)
    phone.submit(MONTH)
    body = await phone.sync(send)
    assert body["results"][0]["status"] == "applied"
    assert phone.months[MONTH]["status"] == "in_validation"
    await team.act(team.marc, "send-back", comment="Compléter la semaine")
    phone.months[MONTH]["status"] = "draft"  # the phone has not heard of the send-back yet
    phone.edit("2026-11-17", [(f"mission:{mission.id}", 2)], NOW_MS)
    body = await phone.sync(send)
    assert body["results"][0]["reason"] == "epoch_changed"
    assert phone.months[MONTH]["status"] == "sent_back"


async def test_approving_a_version_other_than_the_one_read_is_refused(two_steps: Team) -> None:
    """Make sure an approver acting on a month they read before it changed is refused."""
    team = two_steps
    await team.fill()
    stale = (await team.read(team.marc))["version"]  # Marc looks at the draft
    await team.act(team.alice, "submit")
    body = problem(await team.act(team.marc, "approve", version=stale), 409, "version_changed")
    assert body["errors"][0]["field"] == "version"
    month = await team.read()
    assert (month["status"], month["circuit"]["step"]) == ("in_validation", 0)
    assert (await team.events())[-1] == "month.refused"


async def test_only_the_current_approver_may_act(two_steps: Team) -> None:
    """Make sure someone who cannot see the month gets 404, and someone who can but is not
    on the current step gets 403, recorded, with the month unchanged."""
    team = two_steps
    await team.fill()
    await team.act(team.alice, "submit")
    problem(await team.act(team.nina, "approve"), 404, "not_found")
    problem(await team.act(team.sam, "approve"), 404, "not_found")  # not waiting on Sam yet
    problem(await team.act(team.ada, "approve"), 403, "forbidden")
    problem(await team.act(team.alice, "approve"), 403, "forbidden")
    problem(await team.act(team.ada, "send-back", comment="non"), 403, "forbidden")
    month = await team.read()
    assert (month["status"], month["circuit"]["waiting_on_id"]) == ("in_validation", team.marc.id)
    assert (await team.events())[-3:] == ["month.refused"] * 3


async def test_a_validated_month_is_immutable_until_an_admin_reopens_it(world: World) -> None:
    """Make sure web edits, sync edits and resubmission of a validated month are refused,
    that only an administrator reopens it (with a reason), and that it is editable again."""
    team = await make_team(world, [("manager", "marc")])
    await team.fill()
    await team.act(team.alice, "submit")
    await team.act(team.marc, "approve")
    mission = team.alice.mission  # type: ignore[attr-defined]
    response = await team.alice.browser.put(
        f"{team.url()}/days/{DAY}",
        json={"lines": [{"line": f"mission:{mission.id}", "half_days": 1}]},
    )
    problem(response, 409, "conflict")
    response = await team.alice.browser.put(f"{team.url()}/days/{DAY}", json={"lines": []})
    assert response.status_code == 409  # clearing a day is an edit too
    problem(await team.act(team.alice, "submit"), 409, "month_locked")

    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await team.alice.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    phone = Device("phone")
    await phone.sync(send)
    phone.edit(DAY, [], NOW_MS)
    phone.submit(MONTH)
    body = await phone.sync(send)
    assert [r["reason"] for r in body["results"]] == ["month_locked", "not_draft"]
    days = (await team.read())["days"]
    assert days[0]["lines"][0]["half_days"] == 2

    problem(await team.act(team.marc, "reopen", comment="erreur"), 403, "forbidden")
    body = problem(await team.act(team.ada, "reopen"), 422, "invalid_input")
    assert body["errors"][0]["field"] == "comment"
    assert (await team.read())["status"] == "validated"
    response = await team.act(team.ada, "reopen", comment="Facture contestée : 16 en CP")
    assert response.status_code == 200, response.text
    month = response.json()
    assert (month["status"], month["circuit"]["epoch"]) == ("sent_back", 1)
    assert month["circuit"]["last_return"]["kind"] == "reopened"
    await team.fill(half_days=1)
    assert "month.reopened" in await team.events()


async def test_approving_a_draft_or_a_month_not_waiting_is_a_conflict(two_steps: Team) -> None:
    """Make sure an approval outside validation is refused as an illegal transition."""
    team = two_steps
    await team.fill()
    problem(await team.act(team.marc, "approve"), 409, "illegal_transition")
    problem(await team.act(team.ada, "reopen", comment="x"), 409, "illegal_transition")


async def test_bad_action_bodies_are_refused_with_the_field_named(two_steps: Team) -> None:
    """Make sure a missing or non-integer version is a 422 naming it, and a bad month too."""
    team = two_steps
    response = await team.alice.browser.post(team.url("submit"), json={})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "version"
    response = await team.alice.browser.post(team.url("submit"), json={"version": "1"})
    assert response.status_code == 422
    response = await team.alice.browser.post(
        team.url("submit", month="2026-13"), json={"version": 0}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "month"


async def test_a_manager_approves_offline_through_sync(two_steps: Team) -> None:
    """Make sure an approval queued on the manager's phone applies when it syncs, a replay
    changes nothing, and a queued decision on a month changed since is refused with a reason."""
    team = two_steps
    await team.fill()
    await team.act(team.alice, "submit")
    seen = (await team.read(team.marc))["version"]

    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await team.marc.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    phone = Device("marc-phone")
    phone.decide("approve_month", team.alice.id, MONTH, seen)
    request = phone.request()
    body = await phone.sync(send)
    (result,) = body["results"]
    assert result["status"] == "applied"
    assert result["month"]["status"] == "in_validation"
    replay = await team.marc.browser.post("/api/v1/sync", json=request)
    assert replay.json()["results"] == body["results"]
    month = await team.read()
    assert (month["circuit"]["step"], month["circuit"]["waiting_on_id"]) == (1, team.sam.id)

    phone.decide("send_back_month", team.alice.id, MONTH, seen, comment="trop tard")
    body = await phone.sync(send)
    (result,) = body["results"]
    assert (result["status"], result["reason"]) == ("rejected", "forbidden")  # waits on Sam now
    assert (await team.read())["circuit"]["step"] == 1


async def test_a_queued_decision_on_a_changed_month_is_refused(two_steps: Team) -> None:
    """Make sure a send-back queued offline is refused when the month changed meanwhile, and a
    queued send-back without comment is refused and recorded."""
    team = two_steps
    await team.fill()
    stale = (await team.read(team.marc))["version"]
    await team.act(team.alice, "submit")
    current = (await team.read(team.marc))["version"]

    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await team.marc.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    phone = Device("marc-phone")
    phone.decide("approve_month", team.alice.id, MONTH, stale)
    phone.decide("send_back_month", team.alice.id, MONTH, current)
    phone.decide("send_back_month", team.alice.id, MONTH, current, comment="Il manque le 17")
    body = await phone.sync(send)
    assert [(r["status"], r.get("reason")) for r in body["results"]] == [
        ("rejected", "version_changed"),
        ("rejected", "invalid_input"),
        ("applied", None),
    ]
    month = await team.read()
    assert month["status"] == "sent_back"
    assert month["circuit"]["last_return"]["comment"] == "Il manque le 17"
    assert (await team.events())[-3:] == ["month.refused", "month.refused", "month.sent_back"]


async def test_concurrent_pushes_of_an_approver_and_their_consultant_do_not_deadlock(
    world: World,
) -> None:
    """Make sure a manager who is also a consultant, pushing their own days with an approval,
    and their consultant pushing at the same time both succeed (locks are taken in one order,
    the audit chain's last)."""
    client = await world.client()
    await world.person("boss", [Role.MANAGER])
    marc = await world.person("marc", [Role.MANAGER, Role.CONSULTANT], manager="boss")
    alice = await world.person("alice", [Role.CONSULTANT], manager="marc")
    marc_mission = await world.mission("marc", client)
    alice_mission = await world.mission("alice", client, approvers=[("manager", "marc")])
    months = [f"2026-{m:02d}" for m in range(3, 11)]

    def poster(member: Member):  # type: ignore[no-untyped-def]
        async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            response = await member.browser.post("/api/v1/sync", json=request)
            return response.status_code, response.json()

        return send

    alice_phone, marc_phone = Device("alice"), Device("marc")
    for month in months:
        alice_phone.edit(f"{month}-10", [(f"mission:{alice_mission.id}", 2)], NOW_MS)
        await alice_phone.sync(poster(alice))
        alice_phone.submit(month)
        assert (await alice_phone.sync(poster(alice)))["results"][0]["status"] == "applied"
    for month in months:
        version = alice_phone.months[month]["version"]
        marc_phone.edit(f"{month}-12", [(f"mission:{marc_mission.id}", 2)], NOW_MS)
        marc_phone.decide("approve_month", alice.id, month, version)
        alice_phone.edit(f"2027-{month[5:]}-10", [(f"mission:{alice_mission.id}", 2)], NOW_MS)
        marc_body, alice_body = await asyncio.gather(
            marc_phone.sync(poster(marc)), alice_phone.sync(poster(alice))
        )
        assert [r["status"] for r in marc_body["results"]] == ["applied", "applied"], marc_body
        assert [r["status"] for r in alice_body["results"]] == ["applied"], alice_body
    (verdict,) = await audit_log.verify()
    assert verdict.check.ok


async def test_the_month_history_lists_every_event_for_those_who_see_the_month(
    two_steps: Team,
) -> None:
    """Make sure the history shows each event with its actor, device and comment, to the
    consultant and the manager, and is hidden from the client signer and strangers."""
    team = two_steps
    await team.fill()
    await team.act(team.alice, "submit")
    await team.act(team.marc, "send-back")  # refused: no comment
    await team.act(team.marc, "send-back", comment="Revoir le 16")
    response = await team.marc.browser.get(team.url("history"))
    assert response.status_code == 200, response.text
    events = response.json()
    assert [e["event"] for e in events] == [
        "month.created",
        "month.days_edited",
        "month.submitted",
        "month.refused",
        "month.sent_back",
    ]
    assert events[1]["device"] == "web" and events[1]["actor_name"] == "Alice"
    assert DAY in events[1]["data"]["days"]
    assert events[3]["data"]["code"] == "invalid_input" and events[3]["actor_name"] == "Marc"
    assert events[4]["data"]["comment"] == "Revoir le 16"
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert (await team.alice.browser.get(team.url("history"))).status_code == 200
    assert (await team.nina.browser.get(team.url("history"))).status_code == 404
    assert (await team.sam.browser.get(team.url("history"))).status_code == 404


async def test_circuit_endpoints_need_a_login(two_steps: Team) -> None:
    """Make sure every circuit endpoint answers 401 to someone not logged in."""
    anonymous = two_steps.world.browser()
    for action in ("submit", "approve", "send-back", "reopen"):
        response = await anonymous.post(two_steps.url(action), json={"version": 0})
        assert response.status_code == 401, action
    assert (await anonymous.get(two_steps.url("history"))).status_code == 401


async def test_a_month_on_two_clients_goes_to_the_manager_then_each_client(
    world: World, clock: FakeClock
) -> None:
    """Make sure a month worked for two clients with different circuits waits on the manager,
    then on each client's signer in turn, each seeing only their own company's lines, and is
    signed once both have signed."""
    team = await make_team(world, [("manager", "marc"), ("client_signer", "sam")])
    other = await world.client("Autre Client SA")
    zoe = await world.person("zoe", [Role.CLIENT_SIGNER], client_id=other.id)
    # Started after Sam's mission: client signers follow their missions' start dates.
    second = await world.mission(
        "alice",
        other,
        start=date(2026, 2, 1),
        approvers=[("manager", "marc"), ("client_signer", "zoe")],
    )
    await team.fill("2026-11-16")
    response = await team.alice.browser.put(
        f"{team.url()}/days/2026-11-17",
        json={"lines": [{"line": f"mission:{second.id}", "half_days": 2}]},
    )
    assert response.status_code == 200, response.text
    month = (await team.act(team.alice, "submit")).json()
    assert [(s["kind"], s["approver_name"]) for s in month["circuit"]["steps"]] == [
        ("manager", "Marc"),
        ("client_signer", "Sam"),
        ("client_signer", "Zoe"),
    ]
    await team.act(team.marc, "approve")

    async def sign(member: Member) -> dict[str, Any]:
        seen = await team.read(member)
        actor = (await team.world.accounts.current(_session_cookie(member))).actor  # type: ignore[union-attr]
        await circuit.approve_with_signature(
            actor,
            consultant_id=team.alice.id,
            month_text=MONTH,
            version=seen["version"],
            clock=clock,
            signature={"signer": member.id},
        )
        return seen

    seen_by_sam = await sign(team.sam)
    assert {line["line"] for day in seen_by_sam["days"] for line in day["lines"]} == {
        f"mission:{team.alice.mission.id}"  # type: ignore[attr-defined]
    }
    assert (await team.read())["circuit"]["waiting_on_id"] == zoe.id
    assert (await team.sam.browser.get(team.url())).status_code == 404  # no longer waiting
    seen_by_zoe = await sign(zoe)
    assert {line["line"] for day in seen_by_zoe["days"] for line in day["lines"]} == {
        f"mission:{second.id}"
    }
    assert (await team.read())["status"] == "signed"


@pytest.mark.parametrize(
    ("approvers", "first"),
    [([("manager", "marc")], "waiting_on_you"), ([("client_signer", "sam")], "signer_link")],
)
async def test_a_month_submitted_through_sync_tells_its_first_step(
    world: World, approvers: list[tuple[str, str]], first: str
) -> None:
    """Make sure a month submitted from the phone (the PWA's `submit_month` sync mutation)
    queues what the HTTP submit queues: the manager told, or the client signer's link mailed."""
    from server.storage import notification_store

    team = await make_team(world, approvers)
    mission = team.alice.mission  # type: ignore[attr-defined]
    phone = Device("alice-phone")
    phone.edit(DAY, [(f"mission:{mission.id}", 2)], NOW_MS)
    phone.submit(MONTH)

    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await team.alice.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    body = await phone.sync(send)
    assert [r["status"] for r in body["results"]] == ["applied", "applied"], body
    rows = await notification_store.outbox_rows()
    assert [r["kind"] for r in rows] == [first]
    if first == "signer_link":
        assert rows[0]["data"]["link"].startswith("/sign/#t=")


async def test_the_consultant_withdraws_a_submission_nobody_has_acted_on(two_steps: Team) -> None:
    """Make sure a submitted month comes back to draft for its consultant (editable, epoch moved
    on, audited as withdrawn), and can be submitted again to the first step."""
    team = two_steps
    await team.fill()
    submitted = (await team.act(team.alice, "submit")).json()
    # Nobody else may take it back: not the manager, not another team's.
    problem(await team.act(team.marc, "withdraw"), 403, "forbidden")
    problem(await team.act(team.nina, "withdraw"), 404, "not_found")

    response = await team.act(team.alice, "withdraw")
    assert response.status_code == 200, response.text
    month = response.json()
    assert month["status"] == "draft"
    assert month["circuit"]["epoch"] == submitted["circuit"]["epoch"] + 1
    assert month["circuit"]["waiting_on_id"] is None
    await team.fill("2026-11-17")  # editable again: the PUT answers 200
    events = await team.events()
    assert events[-2:] == ["month.withdrawn", "month.days_edited"]
    assert events.count("month.refused") == 1  # the manager's try; another team's sees nothing

    again = (await team.act(team.alice, "submit")).json()
    assert (again["status"], again["circuit"]["waiting_on_id"]) == ("in_validation", team.marc.id)


async def test_a_withdrawal_after_an_approval_or_on_a_changed_month_is_refused(
    two_steps: Team,
) -> None:
    """Make sure the consultant cannot take back a month an approver already approved (409
    already_reviewed), nor one that moved since they read it (409 version_changed), and that
    a refusal changes nothing."""
    team = two_steps
    await team.fill()
    read = (await team.act(team.alice, "submit")).json()["version"]
    await team.act(team.marc, "approve")
    before = await team.read()
    problem(await team.act(team.alice, "withdraw", version=read), 409, "already_reviewed")
    problem(await team.act(team.alice, "withdraw"), 409, "already_reviewed")
    assert await team.read() == before
    assert (await team.events())[-1] == "month.refused"


async def test_a_withdrawal_queued_offline_applies_and_the_days_behind_it_follow(
    two_steps: Team,
) -> None:
    """Make sure the phone's queued withdraw_month reopens the month within the same push, so
    a day edited after it in the queue is applied, not refused as locked."""
    team = two_steps
    await team.fill()
    version = (await team.act(team.alice, "submit")).json()["version"]

    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await team.alice.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    phone = Device("alice-phone")
    await phone.sync(send)  # the phone learns the month's epoch after the submission
    phone.withdraw(MONTH, version)
    mission = team.alice.mission  # type: ignore[attr-defined]
    body = await phone.sync(send)
    (withdrawn,) = body["results"]
    assert (withdrawn["status"], withdrawn["month"]["status"]) == ("applied", "draft")
    phone.edit("2026-11-18", [(f"mission:{mission.id}", 1)], NOW_MS)
    body = await phone.sync(send)
    assert [r["status"] for r in body["results"]] == ["applied"]
    month = await team.read()
    assert month["status"] == "draft"
    assert {d["date"] for d in month["days"]} == {DAY, "2026-11-18"}

    # The same mutation replayed (a lost answer) changes nothing more.
    phone.withdraw(MONTH, version)
    body = await phone.sync(send)
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["reason"] == "illegal_transition"


async def test_a_withdrawn_month_closes_the_link_its_client_signer_was_sent(world: World) -> None:
    """Make sure that when the consultant withdraws a month waiting on a client signer, the
    signer's link no longer opens (410 closed), and a new submission sends a link that does."""
    from server.storage import notification_store

    team = await make_team(world, [("client_signer", "sam")])
    await team.fill()
    await team.act(team.alice, "submit")

    async def last_link() -> str:
        rows = [r for r in await notification_store.outbox_rows() if r["kind"] == "signer_link"]
        return str(rows[-1]["data"]["link"]).removeprefix("/sign/#t=")

    first = await last_link()
    signer = world.browser()
    assert (await signer.post("/api/v1/signature-links/open", json={"token": first})).is_success
    assert (await team.act(team.alice, "withdraw")).status_code == 200
    closed = await signer.post("/api/v1/signature-links/open", json={"token": first})
    assert closed.status_code == 410, closed.text
    assert [(e["field"], e["code"]) for e in closed.json()["errors"]] == [("token", "closed")]

    await team.act(team.alice, "submit")
    second = await last_link()
    assert second != first
    opened = await world.browser().post("/api/v1/signature-links/open", json={"token": second})
    assert opened.status_code == 200, opened.text
