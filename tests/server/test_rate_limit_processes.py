"""The login rate limit holds across server processes: two `python -m server serve` on one
database, behind what would be a load balancer, count the same requests (docs/multi-tenant.md).

An in-memory limiter lets each process grant its own allowance, so N processes grant N times
the limit; counted in the database, the limit is the installation's."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from bench.harness import Database, ServerProcess, csrf, http_client, postgres_reachable

pytestmark = pytest.mark.slow

LIMIT = 5


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgres" and not postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is unreachable, and in CI these tests must run")
        pytest.skip("PostgreSQL is unreachable (set CARNET_TEST_PG)")
    created = Database.create(request.param, tmp_path, prefix="carnet_limit")
    try:
        yield created
    finally:
        created.drop()


@contextlib.contextmanager
def killed(*servers: ServerProcess) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.kill()


async def login_options(client: httpx.AsyncClient) -> int:
    answer = await client.post(
        "/api/v1/auth/passkey-options", json={}, headers={"x-csrftoken": await csrf(client)}
    )
    return answer.status_code


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_two_processes_enforce_one_login_limit_together(
    database: Database, tmp_path: Path
) -> None:
    """Make sure requests alternating between two processes are refused once the address
    reached the limit in total, by both processes, not at twice the limit."""
    limit = {"CARNET_AUTH_RATE_LIMIT": str(LIMIT)}
    first = ServerProcess(database.url, tmp_path, name="limit-a", extra_env=limit)
    second = ServerProcess(
        database.url,
        tmp_path,
        name="limit-b",
        extra_env={**limit, "CARNET_AUTO_MIGRATE": "false"},
    )
    with killed(first, second):
        async with anyio.create_task_group() as group:
            group.start_soon(anyio.to_thread.run_sync, first.start)
            group.start_soon(anyio.to_thread.run_sync, second.start)
        # One fixed one-minute window for the whole run.
        if time.time() % 60 > 45:
            await anyio.sleep(60 - time.time() % 60 + 0.5)
        clients = [http_client(first.base_url), http_client(second.base_url)]
        try:
            statuses = [await login_options(clients[n % 2]) for n in range(2 * LIMIT)]
            after = [await login_options(client) for client in clients]
        finally:
            for client in clients:
                await client.aclose()
    assert statuses == [200] * LIMIT + [429] * LIMIT, (first.log_tail(), second.log_tail())
    assert after == [429, 429]
