from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-05T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "figures: covering indexes of the projection by month (SQLite)"

# The figures read the projection by month range with sums of a few columns. On SQLite a
# covering index ordered by organisation and month lets a read walk only the months asked for,
# in month order (no sort for GROUP BY month), in entries much narrower than the rows: every
# figure of a 1,000-consultant firm takes about a fifth less CPU (docs/benchmarks.md). The same
# indexes on PostgreSQL gave nothing measurable (its grouping is hashed), so it has none.
SQLITE = (
    "CREATE INDEX figure_month_sums ON figure_month (organisation, month, status, consultant, "
    "team, client, produced, available, billable, intercontrat, daily_cost, submitted, "
    "approved, signed, on_time, validated, first_time_right, send_backs)",
    "CREATE INDEX figure_decision_sums ON figure_decision (organisation, month, approver, "
    "step, step_kind, outcome, wait, delay)",
)
NAMES = [s.split()[2] for s in SQLITE]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        if not isinstance(engine, PostgresEngine):
            for statement in SQLITE:
                await engine.run_ddl(statement)

    async def drop_indexes():
        engine = engine_finder()
        if not isinstance(engine, PostgresEngine):
            for name in NAMES:
                await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
