from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T21:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync: one kept result row per push batch (last_mutation_id, additive, nullable)"

# A push kept one `mutation_outcome` row per mutation: a month push inserted 21 rows into a
# table of four b-trees, 4.6 µs of SQLite's writer per row, about 8 % of the writer's CPU per
# month push (docs/benchmarks.md, issue 12). A row now holds a whole batch's results, the
# device's mutations `mutation_id … last_mutation_id`. Rows written before this migration keep
# NULL here and one result in `body`: they cover their `mutation_id` alone and replay as they
# are (`sync_store.outcome_row`, `sync_store.replayed_outcomes`); nothing is rewritten.


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)
    manager.add_column(
        table_class_name="MutationOutcome",
        tablename="mutation_outcome",
        column_name="last_mutation_id",
        db_column_name="last_mutation_id",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
