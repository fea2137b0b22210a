"""Browser fixtures: a real `python -m server` on a fresh database (a SQLite file, or with
CARNET_TEST_DB=postgres a PostgreSQL database created for it and dropped after), and Chromium
driven by Playwright with a CDP virtual authenticator standing in for the platform passkey
(security.md §2). Pages are browsed at http://localhost:PORT: localhost is a secure context
and a valid WebAuthn RP ID, 127.0.0.1 is not an RP ID.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import seeders
from tests.server.notification_peers import Mailbox
from tests.tsa import LocalAuthority, serve_tsa

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-results" / "screenshots"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
STARTUP_TIMEOUT_S = 30.0
ACTION_TIMEOUT_MS = 10_000
"""How long a click, a fill or an `expect` may wait for the page. Playwright's `expect` waits 5 s
by default, half its actions' wait here: on a CI machine running two test workers, Chromium and
the server on two cores, a first render has taken over 5 s (docs/benchmarks.md, the eighth
session's suite), and a wait that is only long enough on an idle machine fails a run for
nothing. A page that never shows what is expected still fails, 10 s later."""
expect.set_options(timeout=ACTION_TIMEOUT_MS)

ENGINE = os.environ.get("CARNET_TEST_DB", "sqlite")
PG_ADMIN_DSN = os.environ.get("CARNET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

ADMIN_EMAIL = "ada.admin@example.fr"
ADMIN_NAME = "Ada Lovelace"
ORGANISATION = "ESN Démo"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The distro Chromium; a missing browser is a failure, not a silent skip."""
    if os.environ.get("CARNET_SKIP_BROWSER") == "1":
        pytest.skip("CARNET_SKIP_BROWSER=1")
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: browser tests need Debian's chromium. Run the test command "
            "from the README (it installs chromium), or set CARNET_SKIP_BROWSER=1 to skip them."
        )
    return CHROMIUM


@dataclass
class LiveServer:
    """A running `python -m server serve` on its own database."""

    origin: str
    invite_link: str
    env: dict[str, str]
    workdir: Path
    admin_email: str = ADMIN_EMAIL
    admin_name: str = ADMIN_NAME
    organisation: str = ORGANISATION

    def invite(self, *, email: str, name: str, role: str = "consultant") -> str:
        """Run `python -m server invite` (by the admin) and return the invitation link."""
        stdout = _run_cli(
            self.env,
            "invite",
            "--email",
            email,
            "--name",
            name,
            "--role",
            role,
            "--by",
            self.admin_email,
        )
        return _invite_link(self.env, stdout)


def _run_cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`python -m server {' '.join(args)}` exited with {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result.stdout


def _create_admin(env: dict[str, str], *, email: str, name: str, organisation: str) -> str:
    stdout = _run_cli(
        env, "create-admin", "--email", email, "--name", name, "--organisation", organisation
    )
    return _invite_link(env, stdout)


def _send_any_day(env: dict[str, str], *, email: str) -> None:
    """Let the organisation of `email` send events on any day: a test that waits for a mail must
    not wait for Monday because CI ran on a Saturday (see tests/browser/push_seed.py)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.browser.push_seed", "send-any-day", "--email", email],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"push_seed send-any-day failed:\n{result.stdout}\n{result.stderr}")


def _invite_link(env: dict[str, str], stdout: str) -> str:
    """The invitation URL printed as the last line of a CLI command."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    link = lines[-1] if lines else ""
    if not link.startswith(env["CARNET_ORIGIN"] + "/#invite="):
        pytest.fail(f"expected an invitation URL as the last line of stdout, got:\n{stdout}")
    return link


def _wait_until_up(process: subprocess.Popen[bytes], url: str, stderr_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"server exited with {process.returncode} before answering {url}\n"
                f"stderr:\n{stderr_path.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last_error = error
        time.sleep(0.1)
    pytest.fail(
        f"server did not answer {url} within {STARTUP_TIMEOUT_S:.0f} s ({last_error})\n"
        f"stderr:\n{stderr_path.read_text(errors='replace')}"
    )


_PG_DATABASES: list[str] = []
"""PostgreSQL databases made for servers of this session and not dropped yet."""


def _pg_admin(sql: str) -> None:
    """One statement on the admin DSN, in a thread of its own: Playwright's sync API keeps an
    event loop in the test's thread, where `asyncio.run` cannot start another."""
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60)


def _database_url(workdir: Path) -> str:
    """A SQLite file in `workdir`, or a new empty PostgreSQL database (CARNET_TEST_DB)."""
    if ENGINE == "sqlite":
        return f"sqlite:///{workdir / 'carnet.sqlite'}"
    if ENGINE != "postgres":
        raise pytest.UsageError(f"CARNET_TEST_DB must be sqlite or postgres, not {ENGINE!r}")
    name = f"carnet_browser_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    _PG_DATABASES.append(name)
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


def _drop_database(url: str) -> None:
    """Drop a PostgreSQL database made by `_database_url` (nothing for SQLite)."""
    name = url.rsplit("/", 1)[1]
    if name in _PG_DATABASES:
        _PG_DATABASES.remove(name)
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", autouse=True)
def _drop_leftover_databases() -> Iterator[None]:
    """Servers started outside `_serving` leave their database and their seed process: stop
    the process, then drop the database at the end."""
    yield
    seeders.stop_all()
    for name in list(_PG_DATABASES):
        _drop_database(f"/{name}")


def _server_env(workdir: Path, **extra: str) -> dict[str, str]:
    origin = f"http://localhost:{_free_port()}"
    (workdir / "data").mkdir()
    return {
        **os.environ,
        "DATABASE_URL": _database_url(workdir),
        "CARNET_ORIGIN": origin,
        "CARNET_RP_ID": "localhost",
        # Every browser test comes from 127.0.0.1: keep the auth rate limit out of their way.
        "CARNET_AUTH_RATE_LIMIT": "1000",
        "CARNET_SECRET_KEY": "browser-tests-secret-key-0123456789abcdef",
        "CARNET_DATA_DIR": str(workdir / "data"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


class DemoCopies:
    """`carnet demo --no-serve` loaded once per worker and day, then copied for each server.

    The demo is a year of history and took 10-25 s to load; a dozen modules and tests each
    loaded their own. On SQLite a copy of the loaded file (and of its data directory) is the
    same database; on PostgreSQL each server still loads its own. Keyed by the day because
    the demo's dates follow `date.today()`, and a run may cross midnight.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._templates: dict[date, Path] = {}

    def env(self, workdir: Path, **extra: str) -> dict[str, str]:
        """The environment of a server on its own copy of the demo in `workdir`."""
        env = _server_env(workdir, CARNET_DEMO_MODE="1", **extra)
        if ENGINE != "sqlite":
            _run_cli(env, "demo", "--no-serve")
            return env
        template = self._template(date.today())
        for path in template.glob("carnet.sqlite*"):
            shutil.copyfile(path, workdir / path.name)
        shutil.copytree(template / "data", workdir / "data", dirs_exist_ok=True)
        return env

    def _template(self, today: date) -> Path:
        template = self._templates.get(today)
        if template is None:
            template = self._root / f"demo-{today.isoformat()}"
            template.mkdir()
            _run_cli(_server_env(template, CARNET_DEMO_MODE="1"), "demo", "--no-serve")
            self._templates[today] = template
        return template


@pytest.fixture(scope="session")
def demo_copies(tmp_path_factory: pytest.TempPathFactory) -> DemoCopies:
    return DemoCopies(tmp_path_factory.mktemp("demo_templates"))


@contextmanager
def _serving(env: dict[str, str], workdir: Path) -> Iterator[None]:
    """Run `python -m server serve` on the origin's port until the block ends."""
    port = env["CARNET_ORIGIN"].rsplit(":", 1)[1]
    stdout_path, stderr_path = workdir / "server.out", workdir / "server.err"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", port],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=err,
        )
    try:
        _wait_until_up(process, f"http://127.0.0.1:{port}/api/v1/session", stderr_path)
        yield
    finally:
        seeders.stop(env["DATABASE_URL"])  # the server's seed process, if a test seeded it
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        _drop_database(env["DATABASE_URL"])


MAIL_TIMEOUT_S = 15.0
CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class Inbox(Mailbox):
    """A mailbox that says when a message arrives (aiosmtpd runs in its own thread)."""

    arrived: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self.arrived.set()
        return answer

    def wait_for(
        self, to: str, timeout: float = MAIL_TIMEOUT_S, *, subject: str = ""
    ) -> EmailMessage:
        """The first message addressed to `to` (whose subject holds `subject`), waiting."""
        deadline = time.monotonic() + timeout
        while True:
            self.arrived.clear()
            for message in list(self.messages):
                if to in str(message["To"]) and subject in str(message["Subject"]):
                    return message
            left = deadline - time.monotonic()
            if left <= 0 or not self.arrived.wait(left):
                got = [(str(m["To"]), str(m["Subject"])) for m in self.messages]
                pytest.fail(f"no mail to {to} within {timeout:.0f} s; got {got}")

    def code_for(self, to: str) -> str:
        """The one-time code of the newest verification mail to `to` (from its text part)."""
        mail = self.wait_for(to, subject="code")
        plain, _ = self.texts(mail)
        found = CODE.search(str(plain))
        assert found, plain
        self.messages.remove(mail)
        return found.group(1)


@contextmanager
def _smtp() -> Iterator[Inbox]:
    mailbox = Inbox(port=_free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with _smtp() as mailbox:
        yield mailbox


@pytest.fixture(scope="session")
def session_inbox() -> Iterator[Inbox]:
    """The mailbox of the shared live server."""
    with _smtp() as mailbox:
        yield mailbox


@pytest.fixture(scope="session")
def session_tsa() -> Iterator[tuple[str, LocalAuthority]]:
    """A local RFC 3161 authority for the shared live server (real time)."""
    with serve_tsa() as served:
        yield served


def mail_env(inbox: Inbox) -> dict[str, str]:
    """A server that mails through `inbox` from its in-process outbox worker, polling often."""
    return {
        "CARNET_SMTP_HOST": "127.0.0.1",
        "CARNET_SMTP_PORT": str(inbox.port),
        "CARNET_SMTP_TLS": "none",
        "CARNET_MAIL_FROM": "Carnet <carnet@example.test>",
        "CARNET_NOTIFICATIONS_IN_PROCESS": "1",
        "CARNET_NOTIFICATION_POLL_SECONDS": "0.2",
    }


def confirm_email(page: Page, inbox: Inbox, email: str) -> None:
    """On the signer portal: ask for the code, read it from the mail, enter it."""
    page.get_by_test_id("send-code").click()
    code = inbox.code_for(email)
    page.get_by_test_id("code").fill(code)
    page.get_by_test_id("verify-code").click()
    page.get_by_test_id("email-verified").wait_for()


@pytest.fixture(scope="session")
def live_server(
    chromium_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    session_inbox: Inbox,
    session_tsa: tuple[str, LocalAuthority],
) -> Iterator[LiveServer]:
    """Migrate a fresh database, create the first admin, serve (mailing through
    `session_inbox`, timestamping with `session_tsa`), and stop at the end."""
    workdir = tmp_path_factory.mktemp("live_server")
    env = _server_env(workdir, **mail_env(session_inbox), CARNET_TSA_URL=session_tsa[0])
    _run_cli(env, "migrate")
    invite_link = _create_admin(env, email=ADMIN_EMAIL, name=ADMIN_NAME, organisation=ORGANISATION)
    _send_any_day(env, email=ADMIN_EMAIL)
    with _serving(env, workdir):
        yield LiveServer(
            origin=env["CARNET_ORIGIN"], invite_link=invite_link, env=env, workdir=workdir
        )


@dataclass(frozen=True)
class Consultant:
    """A consultant with one open-ended mission in metropolitan France."""

    email: str
    name: str
    person_id: str
    mission_id: str
    title: str
    manager_email: str = ""

    @property
    def mission_line(self) -> str:
        return f"mission:{self.mission_id}"


@dataclass
class DemoServer:
    """A server in demo mode: `/#demo=<email>` signs anyone in from this machine."""

    origin: str
    env: dict[str, str]
    workdir: Path

    def consultant(
        self,
        name: str,
        *,
        start: date,
        signer_email: str = "",
        signer_name: str = "",
        manager_email: str = "",
        comments_required: bool = False,
        cap_half_days: int | None = None,
    ) -> Consultant:
        """A new consultant whose mission starts on `start` (tests/browser/seed.py); with a
        signer, the mission's circuit is their manager then that client signer; with
        `manager_email`, in that (already seeded) manager's team, else in a new one's; with
        `cap_half_days`, a capped régie."""
        email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.fr"
        title = f"Mission {name}"
        ids = self._seed(
            "consultant", "--email", email, "--name", name, "--title", title,
            "--start", start.isoformat(),
            "--signer-email", signer_email, "--signer-name", signer_name,
            "--manager-email", manager_email,
            *(["--comments-required"] if comments_required else []),
            *(["--mode", "regie_capped", "--cap", str(cap_half_days)] if cap_half_days else []),
        )  # fmt: skip
        return Consultant(
            email, name, ids["person_id"], ids["mission_id"], ids["title"], ids["manager_email"]
        )

    def set_month_state(
        self, who: Consultant, month: str, status: str, *, invoice: bool = False
    ) -> list[str]:
        """Move a month on the server's authority (what a manager's signature does); with
        `invoice`, a validated month drafts its pre-invoice too, whose ids are returned."""
        answer = self._seed(
            "month-state", "--email", who.email, "--month", month, "--status", status,
            *(["--invoice"] if invoice else []),
        )  # fmt: skip
        return [i for i in answer["invoices"].split(",") if i]

    def record_days(self, who: Consultant, month: str, count: int) -> list[str]:
        """Record the first `count` working days of `month`, whole, on `who`'s mission (as
        typed online); the ISO dates written."""
        answer = self._seed("days", "--email", who.email, "--month", month, "--count", str(count))
        return [d for d in answer["days"].split(",") if d]

    def login_url(self, who: Consultant) -> str:
        return f"{self.origin}/#demo={who.email}"

    def _seed(self, *args: str) -> dict[str, str]:
        """`python -m tests.browser.seed *args` against this server, answered by its seed
        process (tests/browser/seeders.py: one per server, not one per seed)."""
        return seeders.seed(env=self.env, workdir=self.workdir, args=args)


@pytest.fixture(scope="session")
def demo_server(
    chromium_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """A second server, in demo mode, for the tests that are not about signing in."""
    workdir = tmp_path_factory.mktemp("demo_server")
    env = _server_env(workdir, CARNET_DEMO_MODE="1")
    _run_cli(env, "migrate")
    _create_admin(env, email=ADMIN_EMAIL, name=ADMIN_NAME, organisation=ORGANISATION)
    with _serving(env, workdir):
        yield DemoServer(origin=env["CARNET_ORIGIN"], env=env, workdir=workdir)


# Function scope on purpose: Playwright's sync API keeps an asyncio loop running while it is
# open, and the async server tests that share this worker need the loop slot free.
@pytest.fixture
def browser(chromium_path: Path) -> Iterator[Browser]:
    """One headless Chromium for the session."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            instance.close()


class VirtualAuthenticator:
    """A CDP virtual platform authenticator (resident keys, user verification) on one page."""

    def __init__(self, cdp: CDPSession) -> None:
        self._cdp = cdp
        cdp.send("WebAuthn.enable")
        self.id: str = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "ctap2Version": "ctap2_1",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )["authenticatorId"]

    def credentials(self) -> list[dict[str, Any]]:
        """Credentials the authenticator holds (WebAuthn.getCredentials)."""
        result = self._cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})
        return list(result["credentials"])

    def set_user_verified(self, verified: bool) -> None:
        """Make the next user-verification gesture succeed or fail."""
        self._cdp.send(
            "WebAuthn.setUserVerified", {"authenticatorId": self.id, "isUserVerified": verified}
        )


@dataclass
class BrowserPage:
    """A fresh page (own context: no cookies shared between tests) with its authenticator."""

    page: Page
    authenticator: VirtualAuthenticator
    errors: list[str]


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[BrowserPage]:
    """A French page with a virtual authenticator; page and console errors are collected."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 740})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        # HTTP 4xx answers (401 from /me, 404 favicon) are logged by Chromium itself.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console.error: {message.text}")

    page.on("console", on_console)
    authenticator = VirtualAuthenticator(context.new_cdp_session(page))
    try:
        yield BrowserPage(page=page, authenticator=authenticator, errors=errors)
    finally:
        context.close()


@pytest.fixture
def page(browser_page: BrowserPage) -> Page:
    """The Playwright page of `browser_page`."""
    return browser_page.page


@pytest.fixture
def authenticator(browser_page: BrowserPage) -> VirtualAuthenticator:
    """The virtual authenticator attached to `page`."""
    return browser_page.authenticator


@dataclass
class Device:
    """One browser context (a phone or a laptop): its own cookies, IndexedDB and service worker."""

    context: BrowserContext
    page: Page
    errors: list[str]

    def new_page(self) -> Page:
        """Another tab of the same device, with errors collected."""
        self.page = self.context.new_page()
        _collect_errors(self.page, self.errors)
        return self.page


ADMIN_TAB_TIMEOUT_MS = 30_000
"""How long a back-office tab may take to come: the back office and each tab are modules loaded
on demand, each sent by a server that minifies it on its first request; on a CI machine
running two test workers, a browser and the server on two cores, the first visit has taken
longer than the 10 s default."""

# The tab is selected and its module has drawn something in place of the "Loading…" line the
# back office puts in the panel while the module downloads (pwa/js/online/backoffice.js). An
# error drawn instead (offline) counts as drawn: the test says what it expects there.
_TAB_DRAWN = """(tab) => {
  const button = document.getElementById(`admin-tab-${tab}`);
  const box = document.getElementById("admin-panel")?.firstElementChild;
  if (!button || button.getAttribute("aria-selected") !== "true" || !box) return false;
  const only = box.childElementCount === 1 ? box.firstElementChild : null;
  const loading = only !== null && only.matches("p.muted")
    && ["Chargement…", "Loading…"].includes(only.textContent.trim());
  return !loading;
}"""


def _what_the_page_shows(page: Page) -> str:
    return repr(page.inner_text("body")[:600])


def open_admin_tab(page: Page, tab: str, *, timeout_ms: int = ADMIN_TAB_TIMEOUT_MS) -> None:
    """Open the back office's ``tab`` and wait until its module has drawn it.

    From the home, through the Administration link; from another tab (or the back office
    reloaded), by its button. Every wait gets `ADMIN_TAB_TIMEOUT_MS`, and a page that shows
    something else instead (a sign-in screen, an error) is said in the failure.
    """
    target = page.get_by_test_id(f"admin-tab-{tab}")
    link = page.get_by_test_id("admin-link")
    deadline = time.monotonic() + timeout_ms / 1000
    try:
        # The home (its link) or the back office (its tabs), whichever this page is drawing.
        target.or_(link).first.wait_for(timeout=timeout_ms)
        while not target.is_visible():
            # An approver's home moves down when its approvals card arrives, after the home is
            # drawn: a click made as it moves lands on what took the link's place and opens
            # nothing (seen on a loaded machine). The link still shown means: click it again.
            if link.is_visible():
                link.click(timeout=timeout_ms)
            left_ms = (deadline - time.monotonic()) * 1000
            try:
                target.wait_for(timeout=max(1.0, min(3_000.0, left_ms)))
            except PlaywrightTimeoutError:
                if left_ms <= 3_000:
                    raise
    except PlaywrightTimeoutError as error:
        message = (
            f"no {tab!r} tab after {timeout_ms} ms; the page shows {_what_the_page_shows(page)}"
        )
        raise AssertionError(message) from error
    target.click()
    wait_admin_tab(page, tab, timeout_ms=timeout_ms)


def wait_admin_tab(page: Page, tab: str, *, timeout_ms: int = ADMIN_TAB_TIMEOUT_MS) -> None:
    """Until the back office shows ``tab`` selected and drawn by its module: after
    `open_admin_tab`, or where the page opens a tab itself (an old /admin/ bookmark)."""
    try:
        page.wait_for_function(_TAB_DRAWN, arg=tab, timeout=timeout_ms)
    except PlaywrightTimeoutError as error:
        message = (
            f"the {tab!r} tab was not drawn after {timeout_ms} ms; "
            f"the page shows {_what_the_page_shows(page)}"
        )
        raise AssertionError(message) from error


def comes_true(page: Page, script: str, arg: Any = None, timeout_s: float = 10.0) -> bool:
    """Poll a page function, async or not, until it resolves truthy; False when the time is up.

    Not `page.wait_for_function`: it takes a returned promise itself for a true answer, so an
    async check there waits for nothing (tests/test_browser_waits.py keeps it out)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script, arg):
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(200)
    return True


SIGNED_IN_CHECK = "async () => (await fetch('/api/v1/me')).status === 200"


def wait_signed_in(page: Page, timeout_s: float = 15.0) -> None:
    """Until the page's session answers /api/v1/me (a demo or passkey login is over)."""
    assert comes_true(page, SIGNED_IN_CHECK, timeout_s=timeout_s), "never signed in"


def _collect_errors(page: Page, errors: list[str]) -> None:
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        # Failed loads (offline fetches, 4xx answers) are logged by Chromium itself.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console.error: {message.text}")

    page.on("console", on_console)


@pytest.fixture
def devices(browser: Browser) -> Iterator[Any]:
    """A factory of French phones (375 px); every context is closed at the end."""
    opened: list[Device] = []

    def make(width: int = 375, height: int = 800) -> Device:
        context = browser.new_context(
            locale="fr-FR", viewport={"width": width, "height": height}, service_workers="allow"
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        device = Device(context=context, page=context.new_page(), errors=[])
        _collect_errors(device.page, device.errors)
        opened.append(device)
        return device

    try:
        yield make
    finally:
        for device in opened:
            device.context.close()
