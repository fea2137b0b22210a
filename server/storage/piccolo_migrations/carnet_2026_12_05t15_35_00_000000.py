from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T15:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sync: the results kept for replays indexed by device and mutation id"

# After each push, the results the device acknowledged are deleted by device and mutation id
# (`push_store`, `sync_store.prune_outcomes`). Nothing indexed `client`, so that DELETE read
# the whole table: every device's unacknowledged results, about 21 per device after a month
# push. With 105,000 rows (5,000 devices) it took 11.5 ms of SQLite's writer CPU per push and
# 12 ms on PostgreSQL; through this index, 0.1 ms and 0.04 ms. Its cost: about 0.25 µs per
# result written on SQLite (issue 12).
INDEX = "mutation_outcome_client_mutation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            f"CREATE INDEX {INDEX} ON mutation_outcome (client, mutation_id)"
        )

    async def drop_index():
        await engine_finder().run_ddl(f"DROP INDEX {INDEX}")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
