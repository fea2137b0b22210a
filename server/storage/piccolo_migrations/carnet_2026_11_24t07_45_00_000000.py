from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T07:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signature evidence is append-only"

# Evidence of a signature is written once and never changed or deleted, not even by a cascade
# from its month: the database refuses it, whatever the application does.
SQLITE = (
    "CREATE TRIGGER signature_evidence_no_update BEFORE UPDATE ON signature_evidence "
    "BEGIN SELECT RAISE(ABORT, 'signature evidence is append-only'); END",
    "CREATE TRIGGER signature_evidence_no_delete BEFORE DELETE ON signature_evidence "
    "BEGIN SELECT RAISE(ABORT, 'signature evidence is append-only'); END",
)
POSTGRES = (
    "CREATE FUNCTION signature_evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'signature evidence is append-only'; END $$",
    "CREATE TRIGGER signature_evidence_append_only BEFORE UPDATE OR DELETE ON signature_evidence "
    "FOR EACH ROW EXECUTE FUNCTION signature_evidence_append_only()",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    async def create_triggers():
        engine = engine_finder()
        for statement in SQLITE if engine.engine_type == "sqlite" else POSTGRES:
            await engine.run_ddl(statement)

    async def drop_triggers():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for name in ("signature_evidence_no_update", "signature_evidence_no_delete"):
                await engine.run_ddl(f"DROP TRIGGER {name}")
        else:
            await engine.run_ddl(
                "DROP TRIGGER signature_evidence_append_only ON signature_evidence"
            )
            await engine.run_ddl("DROP FUNCTION signature_evidence_append_only()")

    manager.add_raw(create_triggers)
    manager.add_raw_backwards(drop_triggers)
    return manager
