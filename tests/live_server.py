"""A real `carnet serve` (uvicorn, as in production) on a fresh SQLite file, for the tests
that need the process itself: what it announces, whom it believes, and the fuzzing gate.

`running_target` loads the demo organisation first: a consultant with months in every state,
her manager, missions, pre-invoices and signature links. Demo mode itself stays off: people
log in by redeeming an invitation (`carnet invite --reinvite`) with a software authenticator,
as the PWA does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.soft_authenticator import SoftAuthenticator

REPO = Path(__file__).resolve().parent.parent
CONSULTANT = "alice.martin@octave.example"
MANAGER = "marc.lefevre@octave.example"


@dataclass(frozen=True)
class Identity:
    """Who the fuzzer is: the cookies and the CSRF header it sends on every request."""

    name: str
    person_id: str | None
    cookies: dict[str, str]
    csrf_token: str

    def auth_config(self, session_cookie: str) -> str:
        """The schemathesis configuration of these credentials, one per security scheme of
        the OpenAPI document, so the fuzzer knows what to leave out to test a refusal."""
        schemes = {"csrfCookie": self.csrf_token, "csrfHeader": self.csrf_token}
        if session_cookie in self.cookies:
            schemes["sessionCookie"] = self.cookies[session_cookie]
        return "".join(
            f'[auth.openapi.{name}]\napi_key = "{value}"\n\n' for name, value in schemes.items()
        )


@dataclass(frozen=True)
class Target:
    origin: str
    env: dict[str, str]
    workdir: Path

    @property
    def schema_url(self) -> str:
        return f"{self.origin}/schema/openapi.json"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        msg = f"`carnet {' '.join(args)}` failed:\n{result.stdout}\n{result.stderr}"
        raise RuntimeError(msg)
    return result.stdout


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    msg = f"server did not answer {url}:\n{log.read_text(errors='replace')}"
    raise RuntimeError(msg)


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of a server on a fresh SQLite file in `workdir`, on a free port."""
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'carnet.sqlite'}",
        "CARNET_DATA_DIR": str(workdir / "data"),
        "CARNET_ORIGIN": f"http://localhost:{_free_port()}",
        "CARNET_RP_ID": "localhost",
        "CARNET_SECRET_KEY": "live-server-secret-key-0123456789abcdef",
        "CARNET_DEMO_MODE": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    if "CARNET_TRUSTED_PROXIES" not in extra:
        env.pop("CARNET_TRUSTED_PROXIES", None)
    return env


@contextmanager
def serving(env: dict[str, str], workdir: Path) -> Iterator[Target]:
    """`python -m server serve` (uvicorn, as in production) until the block ends."""
    port = env["CARNET_ORIGIN"].rsplit(":", 1)[1]
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", port],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(process, f"http://127.0.0.1:{port}/api/v1/session", log)
        yield Target(origin=env["CARNET_ORIGIN"], env=env, workdir=workdir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextmanager
def running_target(workdir: Path) -> Iterator[Target]:
    """Load the demo into a fresh SQLite file and serve it until the block ends."""
    # The fuzzer calls the login endpoints thousands of times from one address.
    env = server_env(workdir, CARNET_AUTH_RATE_LIMIT="1000000")
    cli(env, "demo", "--no-serve")
    with serving(env, workdir) as target:
        yield target


def anonymous(target: Target) -> Identity:
    """No session; the CSRF cookie any GET sets, and its header."""
    with httpx.Client(base_url=target.origin) as http:
        http.get("/api/v1/session").raise_for_status()
        token = http.cookies["csrftoken"]
        return Identity("anonymous", None, {"csrftoken": token}, token)


def logged_in(target: Target, email: str, name: str) -> Identity:
    """A session opened by registering a passkey on a fresh invitation link."""
    link = cli(target.env, "invite", "--reinvite", "--email", email).strip().splitlines()[-1]
    token = link.split("#invite=", 1)[1]
    authenticator = SoftAuthenticator(origin=target.origin)
    with httpx.Client(base_url=target.origin) as http:
        http.get("/api/v1/session").raise_for_status()
        csrf = {"x-csrftoken": http.cookies["csrftoken"]}
        options = http.post(f"/api/v1/invitations/{token}/passkey-options", json={}, headers=csrf)
        options.raise_for_status()
        body = options.json()
        registered = http.post(
            f"/api/v1/invitations/{token}/passkey",
            json={
                "ceremony_id": body["ceremony_id"],
                "credential": authenticator.create(body["options"]),
                "device_name": "fuzzer",
            },
            headers=csrf,
        )
        registered.raise_for_status()
        person_id = registered.json()["person"]["id"]
        cookies = {cookie.name: cookie.value for cookie in http.cookies.jar}
        return Identity(name, person_id, cookies, cookies["csrftoken"])


def known_ids(target: Target, identity: Identity) -> dict[str, list[str]]:
    """Ids this identity can name, read from the API as it: path parameters drawn from them
    reach the handlers' logic instead of stopping at "not found"."""
    if identity.person_id is None:
        return {}
    with httpx.Client(base_url=target.origin, cookies=identity.cookies) as http:

        def read(path: str) -> list[dict[str, object]]:
            response = http.get(f"/api/v1/{path}")
            response.raise_for_status()
            body = response.json()
            return body if isinstance(body, list) else [body]

        months = read("months")
        return {
            "person_id": sorted({str(p["id"]) for p in read("people")} | {identity.person_id}),
            "month": sorted({str(m["month"]) for m in months}),
            "mission_id": sorted(str(m["id"]) for m in read("missions")),
            "client_id": sorted(str(c["id"]) for c in read("clients")),
        }
