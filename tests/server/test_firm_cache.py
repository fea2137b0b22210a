"""The firm a host reaches is kept for a second in the process (server/storage/firm_cache.py):
read once for many requests, forgotten at once on this process's own changes, and a change made
elsewhere (another server process, the command line) seen within the second."""

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar

from server.services import firms
from server.services.clock import Clock
from server.settings import Settings
from server.storage import firm_cache, firm_store
from server.storage import tables as t
from tests.factories import World
from tests.server.firm_worlds import two_firms
from tests.sql_spy import spy_statements

A_HOST, B_HOST, C_HOST = "a.firm.test", "b.firm.test", "c.firm.test"


@pytest.fixture
async def two(
    app: Litestar, settings: Settings, clock: Clock
) -> AsyncIterator[tuple[World, World]]:
    async with two_firms(app, settings, clock, a_host=A_HOST, b_host=B_HOST) as worlds:
        yield worlds


def resolutions(statements: list[str]) -> int:
    return sum("firm_rank" in sql for sql in statements)


async def test_a_hosts_firm_is_read_once_for_the_requests_of_a_second(
    two: tuple[World, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure many requests on one host find its firm with one statement, and each host
    keeps its own firm."""
    a, b = two
    firm_cache.forget()
    statements = spy_statements(monkeypatch)
    for _ in range(5):
        me = await a["admin"].browser.get("/api/v1/session")
        assert me.json()["person"]["organisation_name"] == "Alpha SAS"
    me = await b["admin"].browser.get("/api/v1/session")
    assert me.json()["person"]["organisation_name"] == "Beta SARL"
    assert resolutions(statements) == 2, statements


async def test_a_host_given_by_this_process_is_used_at_once(two: tuple[World, World]) -> None:
    """Make sure a host nobody claimed (a 404, remembered) reaches the firm given it by this
    process on the very next request."""
    a, _ = two
    stranger = a.browser(base_url=f"http://{C_HOST}")
    assert (await stranger.get("/api/v1/session")).status_code == 404
    await firms.set_address(organisation_id=a.organisation.id, host=C_HOST)
    assert (await stranger.get("/api/v1/session")).status_code == 200
    assert (await a.browser(base_url=f"http://{A_HOST}").get("/api/v1/session")).status_code == 404


async def test_a_change_made_elsewhere_is_seen_within_a_second(
    two: tuple[World, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure a host moved by another process (written straight to the table, as this
    process never sees it) is used once the remembered answer is a second old."""
    a, _ = two
    stranger = a.browser(base_url=f"http://{C_HOST}")
    assert (await stranger.get("/api/v1/session")).status_code == 404
    await t.Organisation.update({t.Organisation.host: C_HOST}).where(
        t.Organisation.id == a.organisation.id
    )
    assert (await stranger.get("/api/v1/session")).status_code == 404  # still remembered
    later = firm_cache.time.monotonic() + firm_cache.FRESH_SECONDS
    monkeypatch.setattr(firm_cache.time, "monotonic", lambda: later)
    assert (await stranger.get("/api/v1/session")).status_code == 200


async def test_a_read_overtaken_by_a_change_is_not_kept(two: tuple[World, World]) -> None:
    """Make sure an answer read before this process changed a firm is not remembered after
    the change (the read and the write raced)."""
    firm_cache.forget()
    generation = firm_cache.generation()
    stale = await firm_store.firm_for_host(host=C_HOST, hostname=C_HOST)
    firm_cache.forget()  # a write landed meanwhile
    firm_cache.put((C_HOST, C_HOST), stale, read_at_generation=generation)
    assert firm_cache.get((C_HOST, C_HOST)) is None
