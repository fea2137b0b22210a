import sqlite3

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.columns.column_types import Varchar

ID = "2026-12-05T12:05:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "firms: invoice numbers unique per organisation, host names unique"

# Several firms on one database (docs/multi-tenant.md): each firm numbers its invoices from 1,
# so two firms may both issue FA-2026-0001; the number is unique per organisation instead. A
# firm's host name is unique too (SQLite cannot add a UNIQUE column, hence an index).
INDEXES = (
    "CREATE UNIQUE INDEX organisation_host ON organisation (host)",
    "CREATE UNIQUE INDEX invoice_organisation_number ON invoice (organisation, number)",
)


def rebuild_sqlite_invoice(path: str) -> None:
    """SQLite cannot drop a column's UNIQUE: the table is rebuilt as its documentation says
    (https://www.sqlite.org/lang_altertable.html#otheralter), foreign keys off so that dropping
    the old table neither cascades to the lines and payments nor fails, then checked."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        db.execute("PRAGMA foreign_keys = 0")
        db.execute("BEGIN IMMEDIATE")
        (table_sql,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'invoice'"
        ).fetchone()
        others = [
            sql
            for (sql,) in db.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'invoice'"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
            )
        ]
        old = '"number" VARCHAR(35) UNIQUE'
        assert table_sql.count(old) == 1, table_sql
        new_sql = table_sql.replace(old, '"number" VARCHAR(35)').replace(
            'CREATE TABLE "invoice"', 'CREATE TABLE "invoice_rebuilt"', 1
        )
        db.execute(new_sql)
        db.execute("INSERT INTO invoice_rebuilt SELECT * FROM invoice")
        db.execute("DROP TABLE invoice")
        db.execute("ALTER TABLE invoice_rebuilt RENAME TO invoice")
        for sql in others:
            db.execute(sql)
        if db.execute("PRAGMA foreign_key_check").fetchall():
            raise RuntimeError("the rebuilt invoice table breaks a foreign key")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()


class PerFirmManager(MigrationManager):
    """Piccolo drops a UNIQUE with ALTER TABLE … DROP CONSTRAINT, which SQLite has not: there
    the rebuild above does it, and Piccolo's alteration only records the change."""

    async def _run_alter_columns(self, backwards: bool = False) -> None:
        if isinstance(engine_finder(), PostgresEngine):
            await super()._run_alter_columns(backwards=backwards)


async def forwards():
    # Outside a transaction: the SQLite rebuild needs its own connection with foreign keys off.
    manager = PerFirmManager(
        migration_id=ID,
        app_name="carnet",
        description=DESCRIPTION,
        wrap_in_transaction=False,
    )

    async def per_firm_uniques():
        engine = engine_finder()
        if not isinstance(engine, PostgresEngine):
            rebuild_sqlite_invoice(engine.path)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(per_firm_uniques)
    manager.alter_column(
        table_class_name="Invoice",
        tablename="invoice",
        column_name="number",
        db_column_name="number",
        params={"unique": False},
        old_params={"unique": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
    return manager
