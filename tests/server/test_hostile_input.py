"""Hostile input never breaks the server: whole numbers past what JSON consumers hold, pull
cursors the server cannot read, JSON bombs, control characters; each refusal is a 4xx problem
that changes nothing, logged as one line. On the real app and database (SQLite, or PostgreSQL
with CARNET_TEST_DB=postgres)."""

import logging
import random
from typing import Any

import httpx
import pytest
from piccolo.table import Table

from server.api import media
from server.domain.roles import Role
from server.storage import tables as t
from sync.wire import MAX_SAFE_INTEGER
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import Member, World

pytestmark = pytest.mark.anyio

MONTH = "2026-11"
NOW_MS = int(FakeClock()().timestamp() * 1000)
TOO_BIG = [2**53, 2**63, 2**64, 10**30]
NEGATIVE = [-1, -(2**63)]


async def snapshot() -> dict[str, list[str]]:
    """Every row a refused request could have written."""
    watched: tuple[type[Table], ...] = (
        t.Timesheet,
        t.DayEntry,
        t.AuditEntry,
        t.SyncSpace,
        t.SyncClient,
        t.MutationOutcome,
        t.DayOverwrite,
        t.OutboxItem,
    )
    async with t.Person._meta.db.transaction():
        return {
            table._meta.tablename: sorted(repr(sorted(r.items())) for r in await table.select())
            for table in watched
        }


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
async def alice(world: World) -> Member:
    """A consultant with a mission whose circuit is her manager Marc; Ada administers."""
    await world.person("ada", [Role.ADMIN])
    await world.person("marc", [Role.MANAGER])
    member = await world.person("alice", [Role.CONSULTANT], manager="marc")
    client = await world.client()
    member.mission = await world.mission(  # type: ignore[attr-defined]
        "alice", client, approvers=[("manager", "marc")]
    )
    return member


def work(member: Member, half_days: int = 2) -> list[tuple[str, int]]:
    return [(f"mission:{member.mission.id}", half_days)]  # type: ignore[attr-defined]


def month_url(member: Member, action: str = "") -> str:
    base = f"/api/v1/people/{member.id}/months/{MONTH}"
    return f"{base}/{action}" if action else base


async def fill_and_submit(world: World, alice: Member) -> int:
    """Alice's month with a day, submitted: its version, as its reviewers read it."""
    day = await alice.browser.put(
        f"{month_url(alice)}/days/2026-11-16",
        json={"lines": [{"line": line, "half_days": half} for line, half in work(alice)]},
    )
    assert day.status_code == 200, day.text
    submitted = await alice.browser.post(
        month_url(alice, "submit"), json={"version": day.json()["version"]}
    )
    assert submitted.status_code == 200, submitted.text
    return int(submitted.json()["version"])


# -- 1. whole numbers on the circuit actions ---------------------------------------------------


@pytest.mark.parametrize("version", TOO_BIG + NEGATIVE)
@pytest.mark.parametrize(
    ("action", "who"),
    [("submit", "alice"), ("approve", "marc"), ("send-back", "marc"), ("reopen", "ada")],
)
async def test_a_circuit_action_refuses_a_version_json_cannot_hold(
    world: World, alice: Member, action: str, who: str, version: int
) -> None:
    """Make sure submit, approve, send back and reopen answer a version beyond 2**53 - 1, or
    below 0, with a 422 naming `version`, and record nothing (it was a 500 from the audit)."""
    await fill_and_submit(world, alice)
    before = await snapshot()
    response = await world[who].browser.post(
        month_url(alice, action), json={"version": version, "comment": "à corriger"}
    )
    body = problem(response, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["version"]
    assert await snapshot() == before


async def test_the_largest_safe_version_is_an_ordinary_stale_version(
    world: World, alice: Member
) -> None:
    """Make sure 2**53 - 1 passes the schema and is refused as a changed month (409), its
    refusal recorded in the audit trail."""
    await fill_and_submit(world, alice)
    response = await world["marc"].browser.post(
        month_url(alice, "approve"), json={"version": MAX_SAFE_INTEGER}
    )
    problem(response, 409, "version_changed")
    history = await alice.browser.get(month_url(alice, "history"))
    refusals = [e["data"] for e in history.json() if e["event"] == "month.refused"]
    assert refusals and refusals[-1]["code"] == "version_changed"


# -- 2. one bad queued mutation never blocks the queue -----------------------------------------


def transport(member: Member):  # type: ignore[no-untyped-def]
    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await member.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    return send


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("submit_month", {"month": MONTH, "epoch": 0, "reviewed_version": 2**53}),
        ("submit_month", {"month": MONTH, "epoch": 0, "reviewed_version": 2**64}),
        ("submit_month", {"month": MONTH, "epoch": 0, "reviewed_version": -1}),
        ("submit_month", {"month": MONTH, "epoch": 2**31, "reviewed_version": 0}),
        ("submit_month", {"month": MONTH, "epoch": 1.0, "reviewed_version": 0}),
        (
            "set_day",
            {
                "date": "2026-11-17",
                "epoch": 0,
                "lines": [{"line": "absence:CP", "half_days": 2**63}],
                "hlc": "0",
            },
        ),
        (
            "set_day",
            {"date": "2026-11-17", "epoch": 0, "lines": [], "hlc": "0", "base_v": 2**53},
        ),
        (
            "approve_month",
            {"consultant_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "month": MONTH,
             "version": 2**53},
        ),
        ("set_day", {"date": "2026-11-17", "epoch": 0, "lines": [], "hlc": "0",
                     "comment": "Re\u0085cette"}),
    ],
)  # fmt: skip
async def test_a_mutation_with_numbers_out_of_bounds_is_rejected_alone(
    alice: Member, name: str, args: dict[str, Any]
) -> None:
    """Make sure a queued mutation carrying a number beyond its bounds (or a C1 control) is
    rejected by itself, and the edits before and after it are applied, first time and on retry
    (it was a 500 on every retry, blocking the device's queue)."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    phone.pending.append({"id": phone.next_id, "name": name, "args": args})
    phone.next_id += 1
    phone.edit("2026-11-18", work(alice), NOW_MS)
    request = phone.request()
    first = await alice.browser.post("/api/v1/sync", json=request)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["reason"] == "invalid_args"
    retry = await alice.browser.post("/api/v1/sync", json=request)
    assert retry.status_code == 200 and retry.json()["results"] == results
    laptop = Device("laptop")
    await laptop.sync(transport(alice))
    assert set(laptop.shown()) == {"2026-11-16", "2026-11-18"}


# -- 3. pull cursors are read before the push --------------------------------------------------


@pytest.mark.parametrize(
    "after",
    [
        [0, "2026-13-45"],
        [0, "0000-01-01"],
        [0, "2026-02-30"],
        [0, "3000-01-01"],
        [2**64, "2026-11-16"],
        [2**53, "2026-11-16"],
        [-1, "2026-11-16"],
        [0, "2026-11-16", 3],
    ],
)
async def test_a_cursor_the_server_cannot_read_is_refused_before_the_push(
    alice: Member, after: list[Any]
) -> None:
    """Make sure an unreadable `cookie.after` is a 422 naming it, and the mutations of that
    request are not written (it was a 500 saying nothing changed, after the push committed)."""
    phone = Device("phone")
    await phone.sync(transport(alice))
    assert phone.cookie is not None
    phone.edit("2026-11-16", work(alice), NOW_MS)
    before = await snapshot()
    request = {**phone.request(), "cookie": {**phone.cookie, "after": after}}
    response = await alice.browser.post("/api/v1/sync", json=request)
    body = problem(response, 422, "invalid_input")
    assert {e["field"].split("[")[0] for e in body["errors"]} == {"cookie.after"}
    assert await snapshot() == before
    synced = await phone.sync(transport(alice))
    assert [r["status"] for r in synced["results"]] == ["applied"]


@pytest.mark.parametrize("v", [2**53, 2**64, -1])
async def test_a_cursor_version_json_cannot_hold_is_refused(alice: Member, v: int) -> None:
    """Make sure `cookie.v` and `ack_through` beyond 2**53 - 1 are refused, nothing written."""
    phone = Device("phone")
    await phone.sync(transport(alice))
    assert phone.cookie is not None
    phone.edit("2026-11-16", work(alice), NOW_MS)
    before = await snapshot()
    for request in (
        {**phone.request(), "cookie": {**phone.cookie, "v": v}},
        {**phone.request(), "ack_through": v},
    ):
        response = await alice.browser.post("/api/v1/sync", json=request)
        problem(response, 422, "invalid_input")
    assert await snapshot() == before


async def rename(table: str, to: str) -> None:
    """Make a table disappear under the running server: a real failure, not a faked one."""
    await t.DayEntry.raw(f"ALTER TABLE {table} RENAME TO {to}")


async def test_a_pull_failing_after_a_committed_push_never_denies_it(
    alice: Member, caplog: pytest.LogCaptureFixture
) -> None:
    """Make sure a pull that fails after the push committed answers with the push's results
    (and has_more, so the device pulls again) instead of a 500 saying nothing was changed."""
    phone = Device("phone")
    await phone.sync(transport(alice))
    # Another device writes first: the phone is behind, so its push is followed by a real pull
    # (an up-to-date device's push is answered from what it wrote, without reading).
    tablet = Device("tablet")
    tablet.edit("2026-11-17", work(alice), NOW_MS)
    await tablet.sync(transport(alice))
    phone.edit("2026-11-16", work(alice), NOW_MS)
    # The overwrites table is read by the pull only (this push overwrites nothing).
    await rename("day_overwrite", "day_overwrite_away")
    try:
        response = await alice.browser.post("/api/v1/sync", json=phone.request())
        refused_pull = await alice.browser.post(
            "/api/v1/sync", json={**phone.request(), "mutations": []}
        )
    finally:
        await rename("day_overwrite_away", "day_overwrite")
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["status"] for r in body["results"]] == ["applied"]
    assert body["last_mutation_id"] == 1 and body["has_more"] is True
    assert body["cookie"] == phone.cookie and body["days"] == []
    # A pull alone writes nothing: its 500 is the truth.
    problem(refused_pull, 500, "server_error")
    phone.apply(body)
    assert phone.pending == []
    laptop = Device("laptop")
    await laptop.sync(transport(alice))
    assert set(laptop.shown()) == {"2026-11-16", "2026-11-17"}
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 2, "each real failure is logged with its traceback"


async def test_a_push_answered_with_a_5xx_committed_nothing(alice: Member) -> None:
    """Make sure a push that fails inside its transaction is a 500 that wrote nothing, and the
    same batch retried applies whole."""
    phone = Device("phone")
    phone.edit("2026-11-16", work(alice), NOW_MS)
    phone.edit("2026-11-17", work(alice), NOW_MS)
    before = await snapshot()
    # Every push that writes a day records it in the audit trail, in the same transaction.
    await rename("audit_entry", "audit_entry_away")
    try:
        response = await alice.browser.post("/api/v1/sync", json=phone.request())
    finally:
        await rename("audit_entry_away", "audit_entry")
    problem(response, 500, "server_error")
    assert await snapshot() == before
    body = await phone.sync(transport(alice))
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    assert set(phone.shown()) == {"2026-11-16", "2026-11-17"}


# -- 4. JSON bombs ---------------------------------------------------------------------------

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("970 levels of arrays", b"[" * 970 + b"]" * 970),
        ("5000 levels, unclosed", b"[" * 5000),
        ("objects 40 deep", b'{"a":' * 40 + b"1" + b"}" * 40),
        ("33 levels", b"[" * 33 + b"]" * 33),
        ("a number of 5000 digits", b'{"version": ' + b"9" * 5000 + b"}"),
        ("a number of 65 characters", b'{"version": 1' + b"0" * 64 + b"}"),
    ],
)
@pytest.mark.parametrize("logged_in", [False, True])
async def test_a_json_bomb_is_a_400_problem_logged_as_one_line(
    world: World,
    alice: Member,
    caplog: pytest.LogCaptureFixture,
    label: str,
    body: bytes,
    logged_in: bool,
) -> None:
    """Make sure deep nesting and endless numbers get a 400 problem on every JSON endpoint,
    anonymous or not, logged as one line with its code and no traceback (it was a 500 with a
    27-line traceback)."""
    browser = alice.browser if logged_in else world.browser()
    endpoints = [
        "/api/v1/auth/passkey",
        "/api/v1/sync",
        f"{month_url(alice)}/days/2026-11-16",
        month_url(alice, "submit"),
    ]
    before = await snapshot()
    for url in endpoints:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            method = "PUT" if "/days/" in url else "POST"
            response = await browser.send(method, url, content=body, headers=JSON)
        problem(response, 400, "malformed_request")
        lines = [r for r in caplog.records if r.name == "carnet"]
        assert [r.getMessage() for r in lines] == [
            f"refused {method} {url}: 400 malformed_request"
        ], label
        assert all(r.levelno == logging.INFO and not r.exc_info for r in caplog.records)
    assert await snapshot() == before


async def test_a_shallow_large_body_is_read_and_an_oversized_one_refused(
    world: World, alice: Member
) -> None:
    """Make sure the nesting guard lets a wide, shallow body through to validation, and a body
    over 1 MB is a 413 problem."""
    wide = b'{"version": 1, "comment": [' + b"[]," * 100_000 + b"[]]}"
    response = await alice.browser.post(month_url(alice, "submit"), content=wide, headers=JSON)
    body = problem(response, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["comment"]
    huge = b'{"comment": "' + b"x" * 1_100_000 + b'"}'
    response = await alice.browser.post(month_url(alice, "submit"), content=huge, headers=JSON)
    problem(response, 413, "payload_too_large")


async def test_every_refusal_is_one_log_line_and_only_a_500_a_traceback(
    world: World, alice: Member, caplog: pytest.LogCaptureFixture
) -> None:
    """Make sure 401, 403, 404, 409, 415 and 422 refusals each log one INFO/WARNING line with
    their problem code, and none a traceback."""
    anonymous = world.browser()
    cases = [
        (anonymous.get("/api/v1/me"), "GET /api/v1/me: 401 not_authenticated", logging.INFO),
        (
            anonymous.http.post("/api/v1/auth/logout", json={}),
            "POST /api/v1/auth/logout: 403 csrf_failed",
            logging.WARNING,
        ),
        (
            alice.browser.get("/api/v1/people/00000000-0000-4000-8000-000000000000"),
            "GET /api/v1/people/00000000-0000-4000-8000-000000000000: 404 not_found",
            logging.INFO,
        ),
        (
            alice.browser.post(month_url(alice, "submit"), json={"version": "1"}),
            f"POST {month_url(alice, 'submit')}: 422 invalid_input",
            logging.INFO,
        ),
        (
            alice.browser.post(
                "/api/v1/sync", content=b"{}", headers={"content-type": "text/plain"}
            ),
            "POST /api/v1/sync: 415 unsupported_media_type",
            logging.INFO,
        ),
    ]
    for send, line, level in cases:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            await send
        records = [r for r in caplog.records if r.name == "carnet"]
        assert [(r.getMessage(), r.levelno) for r in records] == [(f"refused {line}", level)]
        assert not any(r.exc_info for r in caplog.records)


# -- 7. control characters -------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\u0085", "\u0080", "\u009f", "\u007f", "\u0007"])
async def test_a_comment_with_a_control_character_is_refused(
    alice: Member, character: str
) -> None:
    """Make sure C1 controls (U+0080 to U+009F) and DEL are refused in a comment like C0 ones
    (C1 ones were stored)."""
    before = await snapshot()
    response = await alice.browser.put(
        f"{month_url(alice)}/days/2026-11-16",
        json={"lines": [{"line": "absence:CP", "half_days": 2}], "comment": f"a{character}b"},
    )
    body = problem(response, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == ["comment"]
    assert await snapshot() == before
    accepted = await alice.browser.put(
        f"{month_url(alice)}/days/2026-11-16",
        json={"lines": [{"line": "absence:CP", "half_days": 2}], "comment": "a\u00a0b\tc\n"},
    )
    assert accepted.status_code == 200, accepted.text


def test_cutting_strings_by_their_quotes_equals_the_string_pattern() -> None:
    """Make sure the quick cut of a body's strings (split on quotes when none is escaped)
    leaves the skeleton the JSON string pattern leaves, unpaired quotes and escapes included."""
    rng = random.Random(3)
    alphabet = b'ab"\\[]{}0123456789,: -e.'
    for _ in range(20_000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        assert media._without_strings(body) == media._STRING.sub(b'""', body), body
