import sqlite3

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.columns.column_types import Varchar

ID = "2026-12-05T12:05:48:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "firms: invoice numbers and people's e-mails unique per organisation, host names unique"
)

# Several firms on one database (docs/multi-tenant.md): each firm numbers its invoices from 1,
# so two firms may both issue FA-2026-0001; the number is unique per organisation instead. So
# is a person's e-mail: one firm must not learn, by a refused invitation, that another firm
# holds an address, and a freelance may work for two firms. A firm's host name is unique too
# (SQLite cannot add a UNIQUE column, hence an index).
INDEXES = (
    "CREATE UNIQUE INDEX organisation_host ON organisation (host)",
    "CREATE UNIQUE INDEX invoice_organisation_number ON invoice (organisation, number)",
    "CREATE UNIQUE INDEX person_organisation_email ON person (organisation, email)",
)
# What loses its UNIQUE, as SQLite's table definition writes it.
PER_FIRM = {
    "invoice": '"number" VARCHAR(35) UNIQUE',
    "person": '"email" VARCHAR(254) UNIQUE',
}


def rebuild_sqlite(path: str) -> None:
    """SQLite cannot drop a column's UNIQUE: each table is rebuilt as its documentation says
    (https://www.sqlite.org/lang_altertable.html#otheralter), foreign keys off so that dropping
    the old table neither cascades to the rows that reference it nor fails, then checked."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        db.execute("PRAGMA foreign_keys = 0")
        db.execute("BEGIN IMMEDIATE")
        for table, old in PER_FIRM.items():
            (table_sql,) = db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
            others = [
                sql
                for (sql,) in db.execute(
                    "SELECT sql FROM sqlite_master WHERE tbl_name = ?"
                    " AND type IN ('index', 'trigger') AND sql IS NOT NULL",
                    (table,),
                )
            ]
            assert table_sql.count(old) == 1, table_sql
            new_sql = table_sql.replace(old, old.removesuffix(" UNIQUE")).replace(
                f'CREATE TABLE "{table}"', f'CREATE TABLE "{table}_rebuilt"', 1
            )
            db.execute(new_sql)
            db.execute(f"INSERT INTO {table}_rebuilt SELECT * FROM {table}")
            db.execute(f"DROP TABLE {table}")
            db.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
            for sql in others:
                db.execute(sql)
        if db.execute("PRAGMA foreign_key_check").fetchall():
            raise RuntimeError("a rebuilt table breaks a foreign key")
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
            rebuild_sqlite(engine.path)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(per_firm_uniques)
    manager.alter_column(
        table_class_name="Person",
        tablename="person",
        column_name="email",
        db_column_name="email",
        params={"unique": False},
        old_params={"unique": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
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
