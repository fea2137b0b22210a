from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite indexes"

# One stored day per consultant and date (the unit of merge), one CRA per consultant and month,
# and the pull cursor's access path. Piccolo declares single-column constraints only, hence raw
# SQL; the statements are identical on SQLite and PostgreSQL.
STATEMENTS = (
    "CREATE UNIQUE INDEX day_entry_consultant_day ON day_entry (consultant, day)",
    "CREATE INDEX day_entry_consultant_version ON day_entry (consultant, version)",
    "CREATE UNIQUE INDEX timesheet_consultant_month ON timesheet (consultant, month)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def drop_indexes():
        engine = engine_finder()
        for name in ("day_entry_consultant_day", "day_entry_consultant_version",
                     "timesheet_consultant_month"):
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
