from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-11-24T07:21:29:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit trail: one chain per organisation, append-only"

# One entry per position of an organisation's chain: two concurrent appends that read the same
# head cannot both commit, so the chain cannot fork even if the lock were bypassed.
INDEX = "CREATE UNIQUE INDEX audit_entry_organisation_seq ON audit_entry (organisation, seq)"

# The database itself refuses to change or remove an entry, whatever the application does.
SQLITE = (
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
)
POSTGRES = (
    "CREATE FUNCTION audit_entry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_entry is append-only (% refused)', TG_OP; END $$",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse()",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    async def create_guards():
        engine = engine_finder()
        await engine.run_ddl(INDEX)
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    async def drop_guards():
        engine = engine_finder()
        if isinstance(engine, PostgresEngine):
            await engine.run_ddl("DROP TRIGGER audit_entry_no_truncate ON audit_entry")
            await engine.run_ddl("DROP TRIGGER audit_entry_no_change ON audit_entry")
            await engine.run_ddl("DROP FUNCTION audit_entry_refuse()")
        else:
            await engine.run_ddl("DROP TRIGGER audit_entry_no_delete")
            await engine.run_ddl("DROP TRIGGER audit_entry_no_update")
        await engine.run_ddl("DROP INDEX audit_entry_organisation_seq")

    manager.add_raw(create_guards)
    manager.add_raw_backwards(drop_guards)
    return manager
