"""The session, its person and their roles come back from one statement (issue 12, hot path).

Run on SQLite and, with CARNET_TEST_DB=postgres, on PostgreSQL: the join is hand-written SQL.
"""

import asyncio
from typing import Any

import pytest

from server.domain.roles import Role
from server.services.accounts import TOUCH_INTERVAL, token_hash
from server.storage import repositories as repo
from server.storage import session_store
from server.storage import tables as t
from tests.conftest import FakeClock
from tests.factories import World
from tests.sql_spy import spy_statements


def cookie_of(world: World, name: str) -> str:
    token = world[name].browser.http.cookies.get("carnet-session")
    assert token
    return str(token)


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement sent to the database engine while the test runs."""
    return spy_statements(monkeypatch)


async def test_active_session_returns_the_person_with_every_role(
    world: World, clock: FakeClock
) -> None:
    """Make sure one read returns the session's times, the person and all their roles."""
    await world.person("lea", [Role.CONSULTANT])
    client = await world.client()
    await world.person("marc", [Role.MANAGER, Role.ADMIN])
    signer = await world.person("sam", [Role.CLIENT_SIGNER], client_id=client.id)
    stored = await session_store.session_with_person(token_hash(cookie_of(world, "marc")))
    assert stored is not None
    assert stored.person == world["marc"].person
    assert stored.person.roles == frozenset({Role.MANAGER, Role.ADMIN})
    assert stored.last_seen_at == clock.now
    assert stored.expires_at == clock.now + world.accounts.settings.session_max_age
    signer_session = await session_store.session_with_person(token_hash(cookie_of(world, "sam")))
    assert signer_session is not None
    assert signer_session.person == signer.person
    assert signer_session.person.client_company_id == client.id
    assert signer_session.id != stored.id


async def test_person_without_a_role_still_has_their_session(world: World) -> None:
    """Make sure the left join keeps a person who holds no role (one row, role NULL).

    The directory refuses a person without a role; rows written before that rule, or by hand,
    must still resolve rather than log the person out with a wrong 401.
    """
    await world.person("lea", [Role.CONSULTANT])
    await t.PersonRole.delete().where(t.PersonRole.person == world["lea"].id)
    stored = await session_store.session_with_person(token_hash(cookie_of(world, "lea")))
    assert stored is not None
    assert stored.person.id == world["lea"].id
    assert stored.person.roles == frozenset()


async def test_unknown_token_has_no_session(world: World) -> None:
    """Make sure a token the server never minted reads as no session."""
    await world.person("lea", [Role.CONSULTANT])
    assert await session_store.session_with_person(token_hash("never-minted")) is None


async def test_current_resolves_an_active_session_in_one_statement(
    world: World, statements: list[str]
) -> None:
    """Make sure an authenticated request's session lookup is a single statement."""
    await world.person("lea", [Role.CONSULTANT, Role.MANAGER])
    statements.clear()
    current = await world.accounts.current(cookie_of(world, "lea"))
    assert current is not None
    assert current.actor.person_id == world["lea"].id
    assert current.actor.roles == frozenset({Role.CONSULTANT, Role.MANAGER})
    assert current.actor.organisation_id == world.organisation.id
    assert len(statements) == 1, statements


async def test_current_refreshes_last_seen_in_a_group_written_beside_the_request(
    world: World, clock: FakeClock, statements: list[str]
) -> None:
    """Make sure the sliding idle window is still refreshed, at most once per interval, by one
    statement written after the lookup (not awaited by the request)."""
    await world.person("lea", [Role.CONSULTANT])
    await world.accounts.touches.drain()
    clock.advance(seconds=TOUCH_INTERVAL.total_seconds())
    statements.clear()
    assert await world.accounts.current(cookie_of(world, "lea")) is not None
    await world.accounts.touches.drain()
    assert len(statements) == 2, statements
    assert statements[1].lstrip().upper().startswith("UPDATE"), statements
    stored = await session_store.session_with_person(token_hash(cookie_of(world, "lea")))
    assert stored is not None and stored.last_seen_at == clock.now
    statements.clear()
    assert await world.accounts.current(cookie_of(world, "lea")) is not None
    await world.accounts.touches.drain()
    assert len(statements) == 1, statements  # refreshed less than an interval ago


async def test_refreshes_noted_meanwhile_are_written_in_one_statement(
    world: World, clock: FakeClock, statements: list[str]
) -> None:
    """Make sure the sessions refreshed while a write is pending go out together, each with
    its own time, and a stored time is never moved back."""
    await world.person("lea", [Role.CONSULTANT])
    await world.person("marc", [Role.MANAGER])
    await world.accounts.touches.drain()
    lea, marc = cookie_of(world, "lea"), cookie_of(world, "marc")
    lea_session = await session_store.session_with_person(token_hash(lea))
    marc_session = await session_store.session_with_person(token_hash(marc))
    assert lea_session is not None and marc_session is not None
    clock.advance(seconds=TOUCH_INTERVAL.total_seconds())
    first = clock.now
    world.accounts.touches.note(lea_session.id, first)
    clock.advance(seconds=1)
    world.accounts.touches.note(marc_session.id, clock.now)
    world.accounts.touches.note(lea_session.id, first - TOUCH_INTERVAL)  # older: ignored
    statements.clear()
    await world.accounts.touches.drain()
    assert len(statements) == 1, statements
    stored_lea = await session_store.session_with_person(token_hash(lea))
    stored_marc = await session_store.session_with_person(token_hash(marc))
    assert stored_lea is not None and stored_lea.last_seen_at == first
    assert stored_marc is not None and stored_marc.last_seen_at == clock.now
    await session_store.touch_sessions([(lea_session.id, first - TOUCH_INTERVAL)])
    stored_lea = await session_store.session_with_person(token_hash(lea))
    assert stored_lea is not None and stored_lea.last_seen_at == first


async def test_a_refresh_not_yet_written_keeps_the_session_alive(
    world: World, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure the idle timeout counts from the latest refresh this process noted, even
    while its write still waits for the database."""
    await world.person("lea", [Role.CONSULTANT])
    token = cookie_of(world, "lea")
    await world.accounts.touches.drain()
    written = asyncio.Event()
    real = session_store.touch_sessions

    async def held(seen: Any) -> None:
        await written.wait()  # the writer is busy with others' transactions
        await real(seen)

    monkeypatch.setattr(session_store, "touch_sessions", held)
    idle = world.accounts.settings.session_idle
    clock.advance(seconds=idle.total_seconds() / 2)
    assert await world.accounts.current(token) is not None  # notes a refresh
    clock.advance(seconds=idle.total_seconds() * 3 / 4)  # idle since the stored time
    stored = await session_store.session_with_person(token_hash(token))
    assert stored is not None and stored.last_seen_at + idle <= clock.now
    assert await world.accounts.current(token) is not None
    written.set()
    await world.accounts.touches.drain()
    stored = await session_store.session_with_person(token_hash(token))
    assert stored is not None and stored.last_seen_at == clock.now


async def test_expired_session_gives_no_actor_and_is_deleted(
    world: World, clock: FakeClock
) -> None:
    """Make sure an idle-expired session resolves to nobody and its row is removed."""
    await world.person("lea", [Role.CONSULTANT])
    token = cookie_of(world, "lea")
    clock.advance(minutes=world.accounts.settings.session_idle_minutes)
    assert await session_store.session_with_person(token_hash(token)) is not None
    assert await world.accounts.current(token) is None
    assert await session_store.session_with_person(token_hash(token)) is None


async def test_session_past_its_maximum_age_gives_no_actor(world: World, clock: FakeClock) -> None:
    """Make sure a session used all along still ends at its maximum age."""
    await world.person("lea", [Role.CONSULTANT])
    token = cookie_of(world, "lea")
    max_age = world.accounts.settings.session_max_age
    step = world.accounts.settings.session_idle / 2
    ends = clock.now + max_age
    while clock.now + step < ends:
        clock.advance(seconds=step.total_seconds())
        assert await world.accounts.current(token) is not None
    clock.advance(seconds=step.total_seconds())
    assert await world.accounts.current(token) is None


async def test_deactivated_person_gives_no_actor(world: World) -> None:
    """Make sure a deactivated person's still-open session resolves to nobody."""
    await world.person("lea", [Role.CONSULTANT])
    token = cookie_of(world, "lea")
    await repo.set_person_active(person_id=world["lea"].id, active=False)
    stored = await session_store.session_with_person(token_hash(token))
    assert stored is not None and stored.person.active is False
    assert await world.accounts.current(token) is None
    await repo.set_person_active(person_id=world["lea"].id, active=True)
    assert await world.accounts.current(token) is not None


async def test_role_change_shows_on_the_next_lookup(world: World) -> None:
    """Make sure roles are read with the session each time, never cached with it."""
    await world.person("lea", [Role.CONSULTANT])
    token = cookie_of(world, "lea")
    await repo.replace_roles(person_id=world["lea"].id, roles=[Role.CONSULTANT, Role.MANAGER])
    current = await world.accounts.current(token)
    assert current is not None
    assert current.actor.roles == frozenset({Role.CONSULTANT, Role.MANAGER})


async def test_replacing_roles_with_none_leaves_the_person_without_a_role(world: World) -> None:
    """Make sure the storage takes an empty role list (an insert of no rows once failed on
    SQLite) and the session still resolves, with no role."""
    await world.person("noe", [Role.CONSULTANT, Role.MANAGER])
    person = await repo.replace_roles(person_id=world["noe"].id, roles=[])
    assert person.roles == frozenset()
    stored = await session_store.session_with_person(token_hash(cookie_of(world, "noe")))
    assert stored is not None and stored.person.roles == frozenset()


async def test_a_refresh_written_while_the_session_is_read_keeps_it_alive(
    world: World, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make sure a session whose refresh is written while a request reads it is judged on the
    refreshed time: the read may hold the time from before the write, and once written the
    refresh is no longer among the times noted (it was, once, on PostgreSQL: the session was
    deleted as idle while in use)."""
    await world.person("lea", [Role.CONSULTANT])
    token = cookie_of(world, "lea")
    step = world.accounts.settings.session_idle * 0.6
    clock.advance(seconds=step.total_seconds())
    assert await world.accounts.current(token) is not None  # notes a refresh
    real = session_store.session_with_person

    async def read_then_the_write_ends(hashed: str) -> Any:
        found = await real(hashed)
        await world.accounts.touches.drain()  # the refresh is written after this read
        return found

    monkeypatch.setattr(session_store, "session_with_person", read_then_the_write_ends)
    clock.advance(seconds=step.total_seconds())  # 1.2 idle periods since sign-in, 0.6 since
    assert await world.accounts.current(token) is not None
