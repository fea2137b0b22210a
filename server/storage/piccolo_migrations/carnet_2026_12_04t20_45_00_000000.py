from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-04T20:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "locked months refuse day changes in the database; evidence records append-only"

# A submitted, in-validation, validated or signed month is immutable: the application refuses
# the edit first (month_locked), and the database refuses it again whatever the code path.
LOCKED = "('submitted', 'in_validation', 'validated', 'signed')"
APPEND_ONLY = ("passkey_registration", "signed_pdf", "audit_anchor")

SQLITE = [
    "CREATE TRIGGER day_entry_locked_insert BEFORE INSERT ON day_entry "
    f"WHEN (SELECT status FROM timesheet WHERE id = NEW.timesheet) IN {LOCKED} "
    "BEGIN SELECT RAISE(ABORT, 'month_locked: the month is submitted or signed'); END",
    "CREATE TRIGGER day_entry_locked_update BEFORE UPDATE OF lines, comment, day, timesheet "
    f"ON day_entry WHEN (SELECT status FROM timesheet WHERE id = OLD.timesheet) IN {LOCKED} "
    f"OR (SELECT status FROM timesheet WHERE id = NEW.timesheet) IN {LOCKED} "
    "BEGIN SELECT RAISE(ABORT, 'month_locked: the month is submitted or signed'); END",
    "CREATE TRIGGER day_entry_locked_delete BEFORE DELETE ON day_entry "
    f"WHEN (SELECT status FROM timesheet WHERE id = OLD.timesheet) IN {LOCKED} "
    "BEGIN SELECT RAISE(ABORT, 'month_locked: the month is submitted or signed'); END",
] + [
    statement
    for table in APPEND_ONLY
    for statement in (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    )
]

POSTGRES = [
    "CREATE FUNCTION day_entry_refuse_locked() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP = 'UPDATE' AND NEW.lines::text IS NOT DISTINCT FROM OLD.lines::text "
    "AND NEW.comment IS NOT DISTINCT FROM OLD.comment AND NEW.day = OLD.day "
    "AND NEW.timesheet = OLD.timesheet THEN RETURN NEW; END IF; "
    "IF (TG_OP <> 'INSERT' AND (SELECT status FROM timesheet WHERE id = OLD.timesheet) "
    f"IN {LOCKED}) OR (TG_OP <> 'DELETE' AND (SELECT status FROM timesheet "
    f"WHERE id = NEW.timesheet) IN {LOCKED}) THEN "
    "RAISE EXCEPTION 'month_locked: the month is submitted or signed (% refused)', TG_OP; "
    "END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER day_entry_locked BEFORE INSERT OR UPDATE OR DELETE ON day_entry "
    "FOR EACH ROW EXECUTE FUNCTION day_entry_refuse_locked()",
    "CREATE FUNCTION carnet_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$",
] + [
    statement
    for table in APPEND_ONLY
    for statement in (
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION carnet_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION carnet_append_only()",
    )
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    async def create_guards():
        engine = engine_finder()
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    async def drop_guards():
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            for table in APPEND_ONLY:
                await engine.run_ddl(f"DROP TRIGGER {table}_no_truncate ON {table}")
                await engine.run_ddl(f"DROP TRIGGER {table}_no_change ON {table}")
            await engine.run_ddl("DROP FUNCTION carnet_append_only()")
            await engine.run_ddl("DROP TRIGGER day_entry_locked ON day_entry")
            await engine.run_ddl("DROP FUNCTION day_entry_refuse_locked()")
        else:
            for table in APPEND_ONLY:
                await engine.run_ddl(f"DROP TRIGGER {table}_no_update")
                await engine.run_ddl(f"DROP TRIGGER {table}_no_delete")
            for kind in ("insert", "update", "delete"):
                await engine.run_ddl(f"DROP TRIGGER day_entry_locked_{kind}")

    manager.add_raw(create_guards)
    manager.add_raw_backwards(drop_guards)
    return manager
