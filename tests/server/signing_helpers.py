"""Set-ups shared by the signature tests: a month waiting on a client signer, and the signer's
side of the portal driven as the page drives it."""

from dataclasses import dataclass
from typing import Any

import httpx

from server.domain import model
from server.domain.roles import Role
from server.services.signatures import Signatures
from server.services.sync_service import set_month_state
from server.storage import notification_store
from server.storage import repositories as repo
from server.storage import signatures as store
from sync.months import MonthStatus
from tests.factories import ORIGIN, Browser, Member, World
from tests.soft_authenticator import SoftAuthenticator

MONTH = "2026-11"
DAYS = (("2026-11-02", 2, "Atelier"), ("2026-11-03", 2, ""), ("2026-11-04", 1, "Matin"))


@dataclass
class Waiting:
    """A consultant's month waiting on a client signer (the last and only step)."""

    consultant: Member
    signer: Member
    client: model.ClientCompany
    mission: model.Mission
    month_id: str


async def month_waiting_on_signer(
    world: World,
    *,
    consultant: str = "consultant",
    signer: str = "signer",
    month: str = MONTH,
    manager_first: bool = False,
    client: model.ClientCompany | None = None,
    mission: model.Mission | None = None,
) -> Waiting:
    """A consultant with days written through the API, their month in validation on the signer.

    The signer is a client signer with no account and no passkey (`login=False`). With
    `manager_first`, the circuit is manager then client signer, and the month is at step 1.
    """
    if mission is not None and client is None:
        client = next(c for c in await _clients(world) if c.id == mission.client_id)
    client = client or await world.client("Banque Client SA")
    if consultant not in world.members:
        await world.person(consultant, {Role.CONSULTANT})
    if signer not in world.members:
        await world.person(signer, {Role.CLIENT_SIGNER}, client_id=client.id, login=False)
    approvers = [("client_signer", signer)]
    if manager_first:
        if "manager" not in world.members:
            await world.person("manager", {Role.MANAGER})
        approvers.insert(0, ("manager", "manager"))
    mission = mission or await world.mission(consultant, client, approvers=approvers)
    member = world[consultant]
    for day, half_days, comment in DAYS:
        day_in_month = f"{month}-{day[-2:]}"
        response = await member.browser.put(
            f"/api/v1/people/{member.id}/months/{month}/days/{day_in_month}",
            json={"lines": [{"line": f"mission:{mission.id}", "half_days": half_days}],
                  "comment": comment},
        )  # fmt: skip
        assert response.status_code == 200, response.text
    step = 1 if manager_first else 0
    await set_month_state(
        consultant_id=member.id,
        month=month,
        status=MonthStatus.IN_VALIDATION,
        now=world.accounts.clock(),
        step=step,
        waiting_on_id=world[signer].id,
    )
    months = await store.month_ids_of(member.id)
    return Waiting(
        consultant=member,
        signer=world[signer],
        client=client,
        mission=mission,
        month_id=months[month],
    )


async def _clients(world: World) -> list[model.ClientCompany]:
    return await repo.list_clients(world.organisation.id)


async def state_of(month_id: str) -> tuple[str, str | None, int]:
    """(status, waiting on, number of signatures) of a month."""
    timesheet = await store.get_timesheet_by_id(month_id)
    assert timesheet is not None
    evidence = await store.evidence_of_month(month_id)
    return timesheet.status, timesheet.waiting_on_id, len(evidence)


def signatures_of(world: World) -> Signatures:
    return Signatures(settings=world.accounts.settings, clock=world.accounts.clock)


async def issue_link(world: World, month_id: str) -> str:
    return await signatures_of(world).issue_link(month_id=month_id)


def token_of(link: str) -> str:
    assert "/sign/#t=" in link, link
    return link.split("#t=", 1)[1]


async def open_link(browser: Browser, link: str) -> httpx.Response:
    return await browser.post("/api/v1/signature-links/open", json={"token": token_of(link)})


async def queued_code(address: str) -> str:
    """The newest one-time code queued for an address (the outbox row, before it is mailed)."""
    rows = [
        r
        for r in await notification_store.outbox_rows()
        if r["kind"] == "signer_code" and r["address"] == address
    ]
    assert rows, f"no code queued for {address}"
    return str(rows[-1]["data"]["code"])


async def verify_email(browser: Browser) -> None:
    """The signer asks for the e-mailed code and enters it."""
    sent = await browser.post("/api/v1/sign/email-code", json={"language": "fr"})
    assert sent.status_code == 200, sent.text
    portal = sent.json()
    verified = await browser.post(
        "/api/v1/sign/email-code/verify",
        json={"code": await queued_code(portal["signer_email"])},
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["email_verified"] is True


async def register(
    browser: Browser, authenticator: SoftAuthenticator, *, verify: bool = True
) -> httpx.Response:
    if verify:
        await verify_email(browser)
    options = await browser.post("/api/v1/sign/passkey-options", json={})
    assert options.status_code == 200, options.text
    body = options.json()
    return await browser.post(
        "/api/v1/sign/passkey",
        json={
            "ceremony_id": body["ceremony_id"],
            "credential": authenticator.create(body["options"]),
            "device_name": "téléphone",
        },
    )


async def signing_options(browser: Browser) -> dict[str, Any]:
    response = await browser.post("/api/v1/sign/options", json={})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def send_assertion(
    browser: Browser, challenge_id: str, credential: dict[str, Any]
) -> httpx.Response:
    return await browser.post(
        "/api/v1/sign/assertion", json={"challenge_id": challenge_id, "credential": credential}
    )


async def sign(browser: Browser, authenticator: SoftAuthenticator, **get: Any) -> httpx.Response:
    options = await signing_options(browser)
    credential = authenticator.get(options["options"], **get)
    return await send_assertion(browser, options["challenge_id"], credential)


async def signer_ready(world: World, waiting: Waiting) -> tuple[Browser, SoftAuthenticator]:
    """The signer opens a fresh link in a fresh browser and registers a passkey."""
    browser = world.browser()
    authenticator = SoftAuthenticator(origin=ORIGIN)
    opened = await open_link(browser, await issue_link(world, waiting.month_id))
    assert opened.status_code == 200, opened.text
    registered = await register(browser, authenticator)
    assert registered.status_code == 201, registered.text
    return browser, authenticator
