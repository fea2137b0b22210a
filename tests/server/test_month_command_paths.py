"""One month command, two ways in: a change made on the web (HTTP) and the same change queued
on a phone (sync) leave the same audit events, with the same fields, and the same outbox items
(issue 12: the circuit was written twice and the two had drifted).

Alice works on the web and her manager Marc decides on the web; Bob works on his phone and his
manager Maud decides from hers. (Two managers: a manager's notifications are keyed by month,
kind and step, so one manager with two consultants' months would be told once.) Each step is
compared event by event: name, who acted (by role), where from (web or the phone's id), and
the field names of its data; each outbox item by kind, recipient (by role) and field names.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from server.domain.roles import Role
from server.services import audit_log
from server.storage import notification_store
from server.storage import repositories as repo
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import Member, World

pytestmark = pytest.mark.anyio

MONTH = "2026-11"
DAY = "2026-11-16"
NOW_MS = int(FakeClock()().timestamp() * 1000)


@dataclass
class Side:
    """One consultant, the device they and their manager use, and how to act."""

    consultant: Member
    marc: Member
    """Their manager."""
    phone: Device | None
    marc_phone: Device | None

    def url(self, action: str = "") -> str:
        base = f"/api/v1/people/{self.consultant.id}/months/{MONTH}"
        return f"{base}/{action}" if action else base

    async def version(self) -> int:
        response = await self.consultant.browser.get(self.url())
        assert response.status_code == 200, response.text
        return int(response.json()["version"])

    async def push(self, who: Member, device: Device) -> list[dict[str, Any]]:
        async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            response = await who.browser.post("/api/v1/sync", json=request)
            return response.status_code, response.json()

        body = await device.sync(send)
        assert [r["status"] for r in body["results"]] == ["applied"] * len(body["results"]), body
        return list(body["results"])

    async def post(self, who: Member, action: str, **body: Any) -> None:
        response = await who.browser.post(
            self.url(action), json={"version": await self.version(), **body}
        )
        assert response.status_code == 200, response.text

    async def fill_and_submit(self) -> None:
        mission = self.consultant.mission  # type: ignore[attr-defined]
        line = f"mission:{mission.id}"
        if self.phone is None:
            response = await self.consultant.browser.put(
                f"{self.url()}/days/{DAY}", json={"lines": [{"line": line, "half_days": 2}]}
            )
            assert response.status_code == 200, response.text
            await self.post(self.consultant, "submit")
        else:
            self.phone.edit(DAY, [(line, 2)], NOW_MS)
            self.phone.submit(MONTH)
            await self.push(self.consultant, self.phone)

    async def submit(self) -> None:
        if self.phone is None:
            await self.post(self.consultant, "submit")
        else:
            await self.push(self.consultant, self.phone)  # pull the month's state first
            self.phone.submit(MONTH)
            await self.push(self.consultant, self.phone)

    async def withdraw(self) -> None:
        if self.phone is None:
            await self.post(self.consultant, "withdraw")
        else:
            self.phone.withdraw(MONTH, await self.version())
            await self.push(self.consultant, self.phone)

    async def decide(self, action: str, comment: str = "") -> None:
        if self.marc_phone is None:
            body = {"comment": comment} if comment else {}
            await self.post(self.marc, action.replace("_", "-"), **body)
        else:
            name = f"{action}_month"
            self.marc_phone.decide(name, self.consultant.id, MONTH, await self.version(), comment)
            await self.push(self.marc, self.marc_phone)


async def _events(side: Side) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The month's events: name, actor's role, origin ("its path": the web on the web side,
    the acting person's phone on the phone side), the data's field names."""
    month = await repo.get_timesheet(consultant_id=side.consultant.id, month=MONTH)
    assert month is not None
    roles = {side.consultant.id: "consultant", side.marc.id: "manager"}
    if side.phone is None:
        origins: dict[str | None, str] = {audit_log.WEB: "its path"}
    else:
        assert side.marc_phone is not None
        origins = {side.phone.client_id: "its path", side.marc_phone.client_id: "its path"}
    return [
        (
            e.event,
            roles.get(e.actor, e.actor),
            origins.get(e.body.get("device"), str(e.body.get("device"))),
            tuple(sorted((e.body.get("data") or {}).keys())),
        )
        for e in await audit_log.history(month.id)
    ]


async def _outbox(side: Side) -> list[tuple[str, str, tuple[str, ...]]]:
    """The outbox items about the consultant's month: kind, recipient's role, field names."""
    roles = {side.consultant.id: "consultant", side.marc.id: "manager"}
    return [
        (row["kind"], roles.get(str(row["person"]), "someone else"), tuple(sorted(row["data"])))
        for row in await notification_store.outbox_rows()
        if row["data"].get("consultant_id") == side.consultant.id
    ]


async def test_web_and_phone_leave_the_same_events_and_outbox_items(world: World) -> None:
    """Make sure submit, withdraw, send back and approve write the same audit events (same
    fields, same actors, origin web or device) and the same outbox items on both paths."""
    client = await world.client()
    sides = []
    for name, manager, on_phone in (("alice", "marc", False), ("bob", "maud", True)):
        await world.person(manager, [Role.MANAGER])
        member = await world.person(name, [Role.CONSULTANT], manager=manager)
        member.mission = await world.mission(name, client, approvers=[("manager", manager)])  # type: ignore[attr-defined]
        sides.append(
            Side(
                consultant=member,
                marc=world[manager],
                phone=Device(f"{name}-phone") if on_phone else None,
                marc_phone=Device(f"{manager}-phone") if on_phone else None,
            )
        )
    web, phone = sides

    steps = (
        ("submit", lambda s: s.fill_and_submit()),
        ("withdraw", lambda s: s.withdraw()),
        ("submit again", lambda s: s.submit()),
        ("send back", lambda s: s.decide("send_back", "Il manque le 17")),
        ("submit once more", lambda s: s.submit()),
        ("approve", lambda s: s.decide("approve")),
    )
    for name, step in steps:
        for side in sides:
            await step(side)
        web_events, phone_events = await _events(web), await _events(phone)
        assert web_events == phone_events, name
        assert await _outbox(web) == await _outbox(phone), name

    events = [e[0] for e in await _events(phone)]
    assert events == [
        "month.created",
        "month.days_edited",
        "month.submitted",
        "month.withdrawn",
        "month.submitted",
        "month.sent_back",
        "month.submitted",
        "month.approved",
    ]
    kinds = [k for k, _, _ in await _outbox(phone)]
    assert kinds.count("waiting_on_you") == 3 and "sent_back" in kinds and "approved" in kinds
    # Both validated months have their pre-invoice (the reaction runs on both paths).
    for side in sides:
        month = await repo.get_timesheet(consultant_id=side.consultant.id, month=MONTH)
        assert month is not None and month.status == "validated"
