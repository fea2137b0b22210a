"""Single sign-on across two real server processes on one database (SQLite, or PostgreSQL with
CARNET_TEST_DB=postgres), behind one origin as behind a load balancer: the browser leaves
for the provider from one process and comes back to the other, which finishes the login
because the request in flight is in the database, not in the first process's memory; the
answer replayed to the first process is refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bench.harness import Database, ServerProcess
from tests.live_server import cli
from tests.oidc_provider import Provider, User
from tests.soft_authenticator import SoftAuthenticator

pytestmark = pytest.mark.slow

ENGINE = os.environ.get("CARNET_TEST_DB", "sqlite")
ADMIN = "ada.admin@octave.test"
CONSULTANT = "bruno.dubois@octave.test"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    created = Database.create(ENGINE, tmp_path, prefix="carnet_sso")
    try:
        yield created
    finally:
        created.drop()


@pytest.fixture
def provider() -> Iterator[Provider]:
    running = Provider().start()
    yield running
    running.stop()


def admin_session(server: ServerProcess, link: str) -> httpx.Client:
    """The administrator's browser, signed in by registering a passkey on their link."""
    token = link.strip().splitlines()[-1].split("#invite=", 1)[1]
    http = httpx.Client(base_url=server.base_url)
    http.get("/api/v1/session").raise_for_status()
    csrf = {"x-csrftoken": http.cookies["csrftoken"]}
    options = http.post(f"/api/v1/invitations/{token}/passkey-options", json={}, headers=csrf)
    options.raise_for_status()
    body = options.json()
    registered = http.post(
        f"/api/v1/invitations/{token}/passkey",
        json={
            "ceremony_id": body["ceremony_id"],
            "credential": SoftAuthenticator(origin=server.origin).create(body["options"]),
            "device_name": "test",
        },
        headers=csrf,
    )
    registered.raise_for_status()
    return http


def test_a_login_started_on_one_process_finishes_on_the_other(
    database: Database, tmp_path: Path, provider: Provider
) -> None:
    loopback = {"CARNET_SSO_ALLOW_HTTP_LOOPBACK": "1"}
    first = ServerProcess(database.url, tmp_path, name="sso-a", extra_env=loopback)
    second = ServerProcess(
        database.url,
        tmp_path,
        name="sso-b",
        extra_env={**loopback, "CARNET_AUTO_MIGRATE": "false"},
    )
    second.env["CARNET_ORIGIN"] = first.origin  # one origin, as behind a load balancer
    link = cli(
        first.env, "create-admin", "--email", ADMIN, "--name", "Ada", "--organisation", "Octave"
    )
    cli(first.env, "invite", "--email", CONSULTANT, "--name", "Bruno", "--role", "consultant")
    try:
        first.start()
        second.start()
        admin = admin_session(first, link)
        try:
            saved = admin.put(
                "/api/v1/organisation/sso",
                json={
                    "display_name": "Keycloak",
                    "issuer": provider.issuer,
                    "client_id": provider.client_id,
                    "client_secret": provider.client_secret,
                    "allowed_domains": ["octave.test"],
                    "enabled": True,
                    "sso_only": False,
                },
                headers={"x-csrftoken": admin.cookies["csrftoken"]},
            )
            assert saved.status_code == 200, saved.text
        finally:
            admin.close()

        provider.user = User("sub-bruno", CONSULTANT)
        # Cookies are per host, not per port: both processes see this browser's cookies.
        with httpx.Client() as browser, httpx.Client() as idp:
            start = browser.get(f"{first.base_url}/api/v1/auth/sso/start")
            assert start.status_code == 303, start.text
            consent = idp.get(start.headers["location"])
            back = urlsplit(consent.headers["location"])
            callback = f"{back.path}?{back.query}"
            done = browser.get(f"{second.base_url}{callback}")
            assert done.status_code == 303, done.text
            assert done.headers["location"] == "/"
            session = browser.get(f"{second.base_url}/api/v1/session").json()
            assert session["person"]["email"] == CONSULTANT
            replayed = browser.get(f"{first.base_url}{callback}")
            assert replayed.headers["location"] == "/#sso-error=state_replayed"
    finally:
        first.kill()
        second.kill()
