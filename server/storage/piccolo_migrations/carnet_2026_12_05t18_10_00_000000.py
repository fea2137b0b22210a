from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey
from piccolo.engine import engine_finder

ID = "2026-12-05T18:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes on the foreign keys that requests look rows up by"

# Piccolo does not index a foreign key, and neither engine does it for us. Every request's
# session lookup joined `person_role` on `person` by reading the whole table: in the national
# close's conditions (bench/national_close.py, 5,000 consultants) that scan was the largest part
# of the SQLite work on the event loop, and it grows with the firm. The others are read by
# person or by month on user-facing paths (a month's days by timesheet, a person's passkeys,
# push subscriptions, sessions and devices), and a pull page's overwrites by consultant and
# version (it used the version index alone, reading every consultant's later overwrites).
# The foreign keys are marked ``index=True`` in `server/storage/tables.py`; the composite index
# is raw SQL (tests/server/test_migrations.py lists it).
FOREIGN_KEYS = (
    ("PersonRole", "person_role", "person"),
    ("DayEntry", "day_entry", "timesheet"),
    ("Passkey", "passkey", "person"),
    ("Session", "session", "person"),
    ("SyncClient", "sync_client", "person"),
    ("PushSubscription", "push_subscription", "person"),
)
COMPOSITE = "day_overwrite_consultant_version"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    for class_name, tablename, column in FOREIGN_KEYS:
        manager.alter_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            params={"index": True},
            old_params={"index": False},
            column_class=ForeignKey,
            old_column_class=ForeignKey,
            schema=None,
        )

    async def create_composite():
        await engine_finder().run_ddl(
            f"CREATE INDEX {COMPOSITE} ON day_overwrite (consultant, version)"
        )

    async def drop_composite():
        await engine_finder().run_ddl(f"DROP INDEX {COMPOSITE}")

    manager.add_raw(create_composite)
    manager.add_raw_backwards(drop_composite)
    return manager
