"""Plain factory functions for tests: real rows through the repositories, real logins
through the passkey ceremonies."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from litestar import Litestar

from server.domain import model
from server.domain.roles import Role
from server.services.accounts import Accounts
from server.services.directory import NewPerson, create_person
from server.storage import repositories as repo
from tests.soft_authenticator import SoftAuthenticator

ORIGIN = "http://localhost"
NOVEMBER_2026_WORKDAYS = [
    f"2026-11-{d:02d}" for d in range(1, 31) if d not in (1, 7, 8, 14, 15, 21, 22, 28, 29)
]
"""November 2026's 21 working days (its Saturdays, Sundays and All Saints' Day, the 1st,
left out): a month push at the close."""
ALL_ABSENCES = ("CP", "RTT", "maladie", "sans_solde", "formation", "intercontrat", "at_mp")


class Browser:
    """One user agent: its own cookie jar, and the CSRF header on every mutating request."""

    def __init__(
        self,
        app: Litestar,
        *,
        client_host: str = "127.0.0.1",
        base_url: str = "http://localhost.local",
    ) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=(client_host, 50000)),
            base_url=base_url,
        )

    async def csrf(self) -> str:
        token = self.http.cookies.get("csrftoken")
        if token is None:
            await self.http.get("/api/v1/session")
            token = self.http.cookies.get("csrftoken")
        assert token, "the server did not set a CSRF cookie"
        return token

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(url, **kwargs)

    async def send(self, method: str, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        headers = {"x-csrftoken": await self.csrf(), **kwargs.pop("headers", {})}
        return await self.http.request(method, url, json=json, headers=headers, **kwargs)

    async def post(self, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.send("POST", url, json, **kwargs)

    async def put(self, url: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.send("PUT", url, json, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.send("DELETE", url, None, **kwargs)

    async def close(self) -> None:
        await self.http.aclose()


def token_of(link: str) -> str:
    return link.split("#invite=", 1)[1]


async def register_passkey(
    browser: Browser, token: str, authenticator: SoftAuthenticator
) -> httpx.Response:
    """Redeem an invitation with a passkey, as the PWA does."""
    options = await browser.post(f"/api/v1/invitations/{token}/passkey-options", json={})
    assert options.status_code == 200, options.text
    body = options.json()
    credential = authenticator.create(body["options"])
    return await browser.post(
        f"/api/v1/invitations/{token}/passkey",
        json={"ceremony_id": body["ceremony_id"], "credential": credential, "device_name": "test"},
    )


async def passkey_login(
    browser: Browser, authenticator: SoftAuthenticator, **get: Any
) -> httpx.Response:
    options = await browser.post("/api/v1/auth/passkey-options", json={})
    assert options.status_code == 200, options.text
    body = options.json()
    credential = authenticator.get(body["options"], **get)
    return await browser.post(
        "/api/v1/auth/passkey", json={"ceremony_id": body["ceremony_id"], "credential": credential}
    )


@dataclass
class Member:
    person: model.Person
    browser: Browser
    authenticator: SoftAuthenticator

    @property
    def id(self) -> str:
        return self.person.id


@dataclass
class World:
    """An organisation with people, clients and missions, each person logged in."""

    app: Litestar
    accounts: Accounts
    organisation: model.Organisation
    members: dict[str, Member] = field(default_factory=dict)
    browsers: list[Browser] = field(default_factory=list)
    # Where this organisation's people browse (a firm's own host: docs/multi-tenant.md).
    base_url: str = "http://localhost.local"
    origin: str = ORIGIN
    rp_id: str = "localhost"

    def __getitem__(self, name: str) -> Member:
        return self.members[name]

    async def person(
        self,
        name: str,
        roles: Iterable[Role],
        *,
        manager: str | None = None,
        client_id: str | None = None,
        login: bool = True,
    ) -> Member:
        person = await create_person(
            organisation_id=self.organisation.id,
            new=NewPerson(
                email=f"{name}-{uuid.uuid4().hex[:6]}@example.test",
                display_name=name.title(),
                roles=frozenset(roles),
                manager_id=self.members[manager].id if manager else None,
                client_company_id=client_id,
            ),
        )
        browser = self.browser()
        authenticator = SoftAuthenticator(origin=self.origin, rp_id=self.rp_id)
        if login:
            link = await self.accounts.issue_invitation(person=person, created_by=None)
            response = await register_passkey(browser, token_of(link), authenticator)
            assert response.status_code == 201, response.text
        member = Member(person=person, browser=browser, authenticator=authenticator)
        self.members[name] = member
        return member

    async def consultant_with_mission(self, name: str = "alice", manager: str = "marc") -> Member:
        """A logged-in consultant with one mission (``member.mission``) and a manager who does
        not log in: the sync tests' usual person."""
        await self.person(manager, [Role.MANAGER], login=False)
        member = await self.person(name, [Role.CONSULTANT], manager=manager)
        member.mission = await self.mission(name, await self.client())  # type: ignore[attr-defined]
        return member

    def browser(self, **kwargs: Any) -> Browser:
        browser = Browser(self.app, **{"base_url": self.base_url, **kwargs})
        self.browsers.append(browser)
        return browser

    async def client(self, legal_name: str = "Client SA") -> model.ClientCompany:
        return await repo.create_client(
            organisation_id=self.organisation.id,
            legal_name=legal_name,
            siren="123456789",
            vat_number="FR00123456789",
            billing_address="1 rue du Test, 75001 Paris",
        )

    async def mission(
        self,
        consultant: str,
        client: model.ClientCompany,
        *,
        start: date = date(2026, 1, 1),
        end: date | None = None,
        approvers: Iterable[tuple[str, str]] = (),
        allowed_absences: tuple[str, ...] = ALL_ABSENCES,
        comments_required: bool = False,
        region: str = "metropole",
    ) -> model.Mission:
        return await repo.create_mission(
            model.Mission(
                id=str(uuid.uuid4()),
                organisation_id=self.organisation.id,
                consultant_id=self.members[consultant].id,
                client_id=client.id,
                title=f"Mission of {consultant}",
                start_date=start,
                end_date=end,
                billing_mode="regie",
                daily_rate_cents=60_000,
                day_cap_half_days=None,
                allowed_absences=allowed_absences,
                comments_required=comments_required,
                calendar_region=region,
                steps=tuple(
                    model.ApprovalStep(position=i, kind=kind, approver_id=self.members[who].id)
                    for i, (kind, who) in enumerate(approvers)
                ),
            )
        )

    async def close(self) -> None:
        for browser in self.browsers:
            await browser.close()
        await self.accounts.touches.drain()  # sessions refreshed through `accounts` directly


async def make_organisation(name: str = "Octave Conseil SAS") -> model.Organisation:
    return await repo.create_organisation(
        legal_name=name,
        siren="812345676",
        siret="81234567600017",
        vat_number="FR19812345676",
        address="12 rue de la Paix, 75002 Paris",
    )
