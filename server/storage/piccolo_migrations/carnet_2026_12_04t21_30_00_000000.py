from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T21:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "figures: composite indexes"

# The projection is scanned whole (a full scan beats an index on month: see
# docs/benchmarks.md) and rebuilt per consultant; missions are looked up per consultant; one daily cost
# per consultant and starting month. Piccolo declares single-column constraints only, hence raw
# SQL; the statements are identical on SQLite and PostgreSQL.
STATEMENTS = (
    "CREATE UNIQUE INDEX consultant_cost_person_month ON consultant_cost (person, from_month)",
    "CREATE INDEX figure_month_consultant ON figure_month (consultant, month)",
    "CREATE INDEX figure_mission_month_consultant ON figure_mission_month (consultant, month)",
    "CREATE INDEX mission_consultant ON mission (consultant)",
    "CREATE INDEX payment_invoice ON payment (invoice)",
    "CREATE INDEX figure_mission_month_timesheet ON figure_mission_month (timesheet)",
    "CREATE INDEX figure_decision_consultant ON figure_decision (consultant, month)",
    "CREATE INDEX figure_decision_timesheet ON figure_decision (timesheet)",
)
NAMES = [s.split()[3] if "UNIQUE" in s else s.split()[2] for s in STATEMENTS]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def drop_indexes():
        engine = engine_finder()
        for name in NAMES:
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
