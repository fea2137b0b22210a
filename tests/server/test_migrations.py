"""Migrations build exactly the schema the tables declare, on SQLite and PostgreSQL."""

from pathlib import Path

import asyncpg
import pytest

from server.storage.migrate import MigrationFailed, run_migrations
from server.storage.tables import TABLES


async def columns_in_database(database_url: str, table: str) -> set[str]:
    if database_url.startswith("sqlite"):
        import aiosqlite

        async with aiosqlite.connect(database_url.removeprefix("sqlite:///")) as db:
            rows = await (await db.execute(f"PRAGMA table_info({table})")).fetchall()
        return {row[1] for row in rows}
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1", table
        )
    finally:
        await connection.close()
    return {row["column_name"] for row in rows}


async def test_migrated_schema_matches_the_table_definitions(database_url: str) -> None:
    """Make sure every declared table and column exists after migrating, and nothing else."""
    mismatches = {}
    for table in TABLES:
        declared = {column._meta.db_column_name for column in table._meta.columns}
        actual = await columns_in_database(database_url, table._meta.tablename)
        if declared != actual:
            mismatches[table._meta.tablename] = (sorted(declared ^ actual), actual == set())
    assert mismatches == {}


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    """Make sure re-running the migrations on a migrated database is a no-op."""
    output = run_migrations(database_url)
    assert "No migrations need to be run" in output or "already complete" in output


def test_migration_failure_is_reported(tmp_path: Path) -> None:
    """Make sure a migration that cannot run raises with the runner's output."""
    target = tmp_path / "not-a-database.sqlite"
    target.write_text("this is not a SQLite file")
    with pytest.raises(MigrationFailed, match="migrations failed"):
        run_migrations(f"sqlite:///{target}")
