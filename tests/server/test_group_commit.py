"""Group commit on SQLite: pushes waiting for the writer share one transaction and one commit,
and each still succeeds or fails on its own (server/storage/sqlite_pool.py).

On a real SQLite file with its own engine (the works here are plain inserts), then through the
sync endpoint: pushes from many phones at once are all stored, in fewer commits than pushes.
"""

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from server.domain.roles import Role
from server.storage import tables as t
from server.storage.sqlite_pool import PooledSQLiteEngine
from tests.device import Device
from tests.factories import Member, World
from tests.server.test_push_store import NOVEMBER, NOW_MS, line, transport


@pytest.fixture
async def engine(tmp_path: Path) -> Any:
    engine = PooledSQLiteEngine(path=str(tmp_path / "group.sqlite"), timeout=30)
    writer = await engine.acquire_writer()
    try:
        await writer.execute("PRAGMA journal_mode = wal")
        await writer.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        await writer.commit()
    finally:
        engine.release_writer()
    yield engine
    await engine.close()


def insert(*texts: str, fail: bool = False) -> Any:
    def work(connection: sqlite3.Connection) -> int:
        connection.executemany("INSERT INTO note (text) VALUES (?)", [(x,) for x in texts])
        if fail:
            raise ValueError(f"refused after writing {texts}")
        return len(texts)

    return work


async def notes(engine: PooledSQLiteEngine) -> list[str]:
    return sorted(row[0] for row in await engine.read("SELECT text FROM note", ()))


async def queued_behind_the_writer(engine: PooledSQLiteEngine, *works: Any) -> list[Any]:
    """Start ``works`` while another transaction holds the writer, as at a month's close."""
    writer = await engine.acquire_writer()
    tasks = [asyncio.ensure_future(engine.write_grouped(work)) for work in works]
    await asyncio.sleep(0.01)  # every task is queued
    assert not any(task.done() for task in tasks), "nothing is written while the writer is held"
    engine.release_writer()
    del writer
    return await asyncio.gather(*tasks, return_exceptions=True)


async def test_works_waiting_for_the_writer_share_one_commit(engine: PooledSQLiteEngine) -> None:
    """Make sure ten works queued behind a transaction are committed together, each with its
    result, in their arrival order."""
    before = engine.group_commits
    results = await queued_behind_the_writer(engine, *(insert(f"n{i:02d}") for i in range(10)))
    assert results == [1] * 10
    assert engine.group_commits - before == 1
    assert await notes(engine) == [f"n{i:02d}" for i in range(10)]


async def test_a_failing_work_is_rolled_back_alone_and_its_caller_told(
    engine: PooledSQLiteEngine,
) -> None:
    """Make sure a work that raises in the middle of a group loses its own writes only, its
    caller gets the error, and the works before and after it are committed."""
    results = await queued_behind_the_writer(
        engine, insert("a"), insert("b1", "b2", fail=True), insert("c")
    )
    assert results[0] == 1 and results[2] == 1
    assert isinstance(results[1], ValueError)
    assert await notes(engine) == ["a", "c"]


async def test_a_lone_failing_work_keeps_nothing(engine: PooledSQLiteEngine) -> None:
    """Make sure a work alone in its transaction that raises rolls back and raises."""
    with pytest.raises(ValueError):
        await engine.write_grouped(insert("x", fail=True))
    assert await notes(engine) == []
    assert await engine.write_grouped(insert("y")) == 1
    assert await notes(engine) == ["y"]


async def test_a_caller_gone_away_does_not_stop_the_others(engine: PooledSQLiteEngine) -> None:
    """Make sure a request cancelled while its work waits for the writer leaves the works queued
    behind it to be written (the group runs on a task of its own), and its own is dropped."""
    writer = await engine.acquire_writer()
    first = asyncio.ensure_future(engine.write_grouped(insert("gone")))
    second = asyncio.ensure_future(engine.write_grouped(insert("kept")))
    await asyncio.sleep(0.01)
    first.cancel()
    await asyncio.sleep(0)
    engine.release_writer()
    del writer
    assert await asyncio.wait_for(second, timeout=5) == 1
    assert await notes(engine) == ["kept"]


async def test_a_failed_commit_fails_every_work_of_the_group(engine: PooledSQLiteEngine) -> None:
    """Make sure that when the transaction itself cannot commit, no caller is told its work was
    written: a deferred foreign key broken by one work makes SQLite refuse the COMMIT."""
    writer = await engine.acquire_writer()
    try:
        await writer.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, note INTEGER NOT NULL "
            "REFERENCES note (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        await writer.commit()
    finally:
        engine.release_writer()

    def orphan(connection: sqlite3.Connection) -> str:
        connection.execute("INSERT INTO child (note) VALUES (999)")
        return "orphan"

    results = await queued_behind_the_writer(engine, insert("p"), orphan, insert("q"))
    assert all(isinstance(r, sqlite3.IntegrityError) for r in results), results
    assert await notes(engine) == []


@pytest.fixture
async def phones(world: World) -> list[Member]:
    await world.person("marc", [Role.MANAGER], login=False)
    client = await world.client()
    members = []
    for i in range(6):
        member = await world.person(f"c{i}", [Role.CONSULTANT], manager="marc")
        member.mission = await world.mission(f"c{i}", client)  # type: ignore[attr-defined]
        members.append(member)
    return members


async def test_phones_pushing_at_once_are_all_stored_in_fewer_commits(
    phones: list[Member],
) -> None:
    """Make sure six consultants pushing their month at the same moment all get every day
    applied and stored once, and that on SQLite their pushes shared commits."""
    engine = t.DayEntry._meta.db
    devices = [Device(f"phone-{i}") for i in range(len(phones))]
    for device, member in zip(devices, phones, strict=True):
        await device.sync(transport(member))  # its cookie
        for day in NOVEMBER:
            device.edit(day, [(line(member), 2)], NOW_MS)
    grouped = isinstance(engine, PooledSQLiteEngine)
    before = engine.group_commits if grouped else 0
    writer = await engine.acquire_writer() if grouped else None
    pushes = [
        asyncio.ensure_future(m.browser.post("/api/v1/sync", json=d.request()))
        for d, m in zip(devices, phones, strict=True)
    ]
    if writer is not None:
        await asyncio.sleep(0.2)  # the pushes reach the writer's queue
        engine.release_writer()
    responses = await asyncio.gather(*pushes)
    for response in responses:
        assert response.status_code == 200
        assert [r["status"] for r in response.json()["results"]] == ["applied"] * len(NOVEMBER)
    for member in phones:
        days = await t.DayEntry.select(t.DayEntry.day).where(t.DayEntry.consultant == member.id)
        assert sorted(str(d["day"]) for d in days) == NOVEMBER
    if grouped:
        assert engine.group_commits - before < len(phones)
