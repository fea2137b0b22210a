"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL with
CARNET_TEST_DB=postgres), the real app, and clients logged in through real passkey ceremonies.
"""

import inspect
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from litestar import Litestar

from server.app import create_app
from server.settings import Settings
from server.storage.migrate import run_migrations
from server.storage.tables import TABLES
from tests.factories import World

# No wall-clock deadline on generated examples: speed is measured by bench/, and on a shared
# 2-core machine a deadline only makes property tests flaky.
hypothesis_settings.register_profile("carnet", deadline=None)
hypothesis_settings.load_profile("carnet")

ENGINE = os.environ.get("CARNET_TEST_DB", "sqlite")
PG_ADMIN_DSN = os.environ.get("CARNET_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ORIGIN = "http://localhost"


class FakeClock:
    """A settable clock: tests move time instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _pg_url(name: str) -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


def _pg_exec(sql: str, dsn: str = PG_ADMIN_DSN) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per worker: a SQLite template file, or a PostgreSQL database."""
    if ENGINE == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.sqlite"
        run_migrations(f"sqlite:///{path}")
        yield str(path)
    elif ENGINE == "postgres":
        name = f"carnet_test_{uuid.uuid4().hex[:12]}"
        _pg_exec(f'CREATE DATABASE "{name}"')
        try:
            run_migrations(_pg_url(name))
            yield name
        finally:
            _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        raise pytest.UsageError(f"CARNET_TEST_DB must be sqlite or postgres, not {ENGINE!r}")


TABLE_NAMES = ", ".join(table._meta.tablename for table in TABLES)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for this test."""
    if ENGINE == "sqlite":
        target = tmp_path / "carnet.sqlite"
        shutil.copy(migrated_database, target)
        return f"sqlite:///{target}"
    url = _pg_url(migrated_database)
    empty_postgres(url)
    return url


def empty_postgres(url: str) -> None:
    """Empty every table; replica mode skips triggers, the audit table's append-only guard
    included (a test database only)."""
    _pg_exec(f"SET session_replication_role = replica; TRUNCATE {TABLE_NAMES} CASCADE", dsn=url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        secret_key="test-secret-" + "x" * 40,
        database_url=database_url,
        data_dir=tmp_path,
        origin=ORIGIN,
        rp_id="localhost",
        auto_migrate=False,
        auth_rate_limit_per_minute=1000,
        # Tests that want the reminder scheduler and outbox worker start them themselves.
        notifications_in_process=False,
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[Litestar]:
    """The real app, started in the test's own event loop (the PostgreSQL pool is bound to it)."""
    application = create_app(settings, clock=clock)
    async with application.lifespan():
        yield application


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.storage)


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    """Run every `async def` test under anyio.

    The marker must be on the function before anyio's own collection hook sees it: marked later,
    parametrized async tests lose their parameters.
    """
    if name.startswith("test") and inspect.iscoroutinefunction(obj):
        pytest.mark.anyio(obj)


@pytest.fixture
async def world(app: Litestar, settings: Settings, clock: FakeClock) -> AsyncIterator[World]:
    """An empty organisation on the running app; tests add the people they need."""
    from server.services.accounts import Accounts
    from tests.factories import make_organisation

    organisation = await make_organisation()
    built = World(
        app=app,
        accounts=Accounts(settings=settings, clock=clock),
        organisation=organisation,
    )
    yield built
    await built.close()
