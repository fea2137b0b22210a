from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt

ID = "2026-12-05T20:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "drop the version-only indexes that the (consultant, version) ones made redundant"

# `day_entry.version` and `day_overwrite.version` were indexed on their own before the
# (consultant, version) indexes (the initial migration's raw SQL, and 2026-12-05T18:10). Every
# query that filters on a version also filters on the consultant (a pull page, the overwrites
# of a pull, a month's latest foreign version), so the composite serves them all and the
# version-only index was only ever written: each day a push writes paid one more b-tree insert,
# about 5 µs of the writer's 21 µs per row (docs/benchmarks.md, issue 12, seventh session).
# tests/server/test_query_plans.py checks that no traced query scans without them.
VERSION_INDEXES = (
    ("DayEntry", "day_entry"),
    ("DayOverwrite", "day_overwrite"),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    for class_name, tablename in VERSION_INDEXES:
        manager.alter_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name="version",
            db_column_name="version",
            params={"index": False},
            old_params={"index": True},
            column_class=BigInt,
            old_column_class=BigInt,
            schema=None,
        )
    return manager
