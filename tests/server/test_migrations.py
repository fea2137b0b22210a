"""Migrations build exactly the schema the tables declare, on SQLite and PostgreSQL.

The reference is a database Piccolo creates straight from `server/storage/tables.py`
(`create_db_tables`, no migration): the migrated database must equal it column by column (type,
nullability, default, primary key, unique, foreign key and its actions) and index by index. The
only additions allowed are the raw SQL of the initial migration, listed here: composite indexes
and the append-only guards, whose refusals are also tested by behaviour.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import pytest
from piccolo.columns import ForeignKey
from piccolo.table import create_db_tables

from server.storage.engine import bind_tables, engine_from_url
from server.storage.migrate import MigrationFailed, run_migrations
from server.storage.tables import TABLES
from tests.conftest import ENGINE, PG_ADMIN_DSN, _pg_url

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "server" / "storage" / "piccolo_migrations"

# What the migrations add in raw SQL to the tables' definition: the initial one's indexes and
# append-only guards, then (2026-12-04T20:45) locked months and the evidence records' guards.
APPEND_ONLY_2026_12 = ("passkey_registration", "signed_pdf", "audit_anchor")
RAW_INDEXES = {
    "day_entry_consultant_day": ("day_entry", ("consultant", "day"), True, None),
    "day_entry_consultant_version": ("day_entry", ("consultant", "version"), False, None),
    "timesheet_consultant_month": ("timesheet", ("consultant", "month"), True, None),
    "audit_entry_organisation_seq": ("audit_entry", ("organisation", "seq"), True, None),
    # 2026-12-04T21:30, for the figures.
    "consultant_cost_person_month": ("consultant_cost", ("person", "from_month"), True, None),
    "figure_month_consultant": ("figure_month", ("consultant", "month"), False, None),
    "figure_mission_month_consultant": (
        "figure_mission_month",
        ("consultant", "month"),
        False,
        None,
    ),
    "mission_consultant": ("mission", ("consultant",), False, None),
    "payment_invoice": ("payment", ("invoice",), False, None),
    "figure_mission_month_timesheet": ("figure_mission_month", ("timesheet",), False, None),
    "figure_decision_consultant": ("figure_decision", ("consultant", "month"), False, None),
    "figure_decision_timesheet": ("figure_decision", ("timesheet",), False, None),
    # 2026-12-05T12:05:48, several firms on one database.
    "organisation_host": ("organisation", ("host",), True, None),
    "invoice_organisation_number": ("invoice", ("organisation", "number"), True, None),
    "person_organisation_email": ("person", ("organisation", "email"), True, None),
    # 2026-12-05T15:35, the prune of a device's acknowledged results after each push.
    "mutation_outcome_client_mutation": (
        "mutation_outcome",
        ("client", "mutation_id"),
        False,
        None,
    ),
    # 2026-12-05T18:10, a pull page's overwrites by consultant and version.
    "day_overwrite_consultant_version": (
        "day_overwrite",
        ("consultant", "version"),
        False,
        None,
    ),
    # 2026-12-05T18:40, what tests/server/test_query_plans.py found reading whole tables.
    "expense_claim_organisation_month": ("expense_claim", ("organisation", "month"), False, None),
    "signature_link_timesheet_person": ("signature_link", ("timesheet", "person"), False, None),
}
# 2026-12-05T00:30, SQLite only: covering indexes of the projection by month (PostgreSQL gained
# nothing from them).
RAW_SQLITE_INDEXES = {
    "figure_month_sums": (
        "figure_month",
        (
            "organisation",
            "month",
            "status",
            "consultant",
            "team",
            "client",
            "produced",
            "available",
            "billable",
            "intercontrat",
            "daily_cost",
            "submitted",
            "approved",
            "signed",
            "on_time",
            "validated",
            "first_time_right",
            "send_backs",
        ),
        False,
        None,
    ),
    "figure_decision_sums": (
        "figure_decision",
        ("organisation", "month", "approver", "step", "step_kind", "outcome", "wait", "delay"),
        False,
        None,
    ),
}
RAW_TRIGGERS = {
    "sqlite": {
        "audit_entry_no_update": ("audit_entry", "BEFORE UPDATE"),
        "audit_entry_no_delete": ("audit_entry", "BEFORE DELETE"),
        "signature_evidence_no_update": ("signature_evidence", "BEFORE UPDATE"),
        "signature_evidence_no_delete": ("signature_evidence", "BEFORE DELETE"),
        "day_entry_locked_insert": ("day_entry", "BEFORE INSERT"),
        "day_entry_locked_update": (
            "day_entry",
            "BEFORE UPDATE OF LINES, COMMENT, DAY, TIMESHEET",
        ),
        "day_entry_locked_delete": ("day_entry", "BEFORE DELETE"),
    }
    | {f"{table}_no_update": (table, "BEFORE UPDATE") for table in APPEND_ONLY_2026_12}
    | {f"{table}_no_delete": (table, "BEFORE DELETE") for table in APPEND_ONLY_2026_12},
    "postgres": {
        "audit_entry_no_change": ("audit_entry", "BEFORE DELETE OR UPDATE"),
        "audit_entry_no_truncate": ("audit_entry", "BEFORE TRUNCATE"),
        "signature_evidence_append_only": ("signature_evidence", "BEFORE DELETE OR UPDATE"),
        "day_entry_locked": ("day_entry", "BEFORE INSERT OR DELETE OR UPDATE"),
    }
    | {f"{table}_no_change": (table, "BEFORE DELETE OR UPDATE") for table in APPEND_ONLY_2026_12}
    | {f"{table}_no_truncate": (table, "BEFORE TRUNCATE") for table in APPEND_ONLY_2026_12},
}
RAW_FUNCTIONS = {
    "sqlite": set(),
    "postgres": {
        "audit_entry_refuse",
        "signature_evidence_append_only",
        "day_entry_refuse_locked",
        "carnet_append_only",
    },
}

Execute = Callable[[str], Awaitable[list[tuple[Any, ...]]]]


@dataclass(frozen=True)
class ColumnShape:
    type: str
    nullable: bool
    default: str | None
    primary_key: bool
    unique: bool
    references: str | None  # "table.column ON DELETE … ON UPDATE …"


@dataclass
class Schema:
    columns: dict[str, dict[str, ColumnShape]] = field(default_factory=dict)
    # Indexes other than those behind a primary key or a single-column unique constraint:
    # name → (table, columns, unique, predicate of a partial index).
    indexes: dict[str, tuple[str, tuple[str, ...], bool, str | None]] = field(default_factory=dict)
    triggers: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (table, when)
    functions: set[str] = field(default_factory=set)


@asynccontextmanager
async def connect(database_url: str) -> AsyncIterator[Execute]:
    """A plain driver connection, in autocommit, foreign keys enforced as the app does."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        async with aiosqlite.connect(path, isolation_level=None) as db:
            await db.execute("PRAGMA foreign_keys = 1")

            async def run_sqlite(sql: str) -> list[tuple[Any, ...]]:
                return [tuple(row) for row in await (await db.execute(sql)).fetchall()]

            yield run_sqlite
        return
    connection = await asyncpg.connect(database_url)
    try:

        async def run_postgres(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in await connection.fetch(sql)]

        yield run_postgres
    finally:
        await connection.close()


def trigger_timing(definition: str) -> str:
    """`BEFORE DELETE OR UPDATE` out of a trigger's CREATE statement."""
    found = re.search(r"\b((?:BEFORE|AFTER|INSTEAD OF) .+?) ON\b", definition, re.IGNORECASE)
    assert found, definition
    return found.group(1).upper()


async def sqlite_schema(run: Execute) -> Schema:
    schema = Schema()
    tables = await run(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%' AND name != 'migration'"
    )
    for (table,) in tables:
        unique = set()
        for _, name, is_unique, origin, _ in await run(f"PRAGMA index_list('{table}')"):
            columns = tuple(row[2] for row in await run(f"PRAGMA index_info('{name}')"))
            if origin == "u" and len(columns) == 1:
                unique.add(columns[0])
            elif origin != "pk":
                [(sql,)] = await run(f"SELECT sql FROM sqlite_master WHERE name = '{name}'")
                where = re.search(r"\bWHERE\b(.+)$", sql or "", re.IGNORECASE | re.DOTALL)
                predicate = where.group(1).strip() if where else None
                schema.indexes[name] = (table, columns, bool(is_unique), predicate)
        references = {
            source: f"{target}.{target_column} ON DELETE {on_delete} ON UPDATE {on_update}"
            for _, _, target, source, target_column, on_update, on_delete, _ in await run(
                f"PRAGMA foreign_key_list('{table}')"
            )
        }
        schema.columns[table] = {
            name: ColumnShape(
                type=type_,
                nullable=not notnull,
                default=default,
                primary_key=pk > 0,
                unique=name in unique,
                references=references.get(name),
            )
            for _, name, type_, notnull, default, pk in await run(f"PRAGMA table_info('{table}')")
        }
    for name, table, sql in await run(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
    ):
        schema.triggers[name] = (table, trigger_timing(sql))
    return schema


PG_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}


async def postgres_schema(run: Execute) -> Schema:
    schema = Schema()
    for table, name, type_, nullable, default in await run(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,"
        " pg_get_expr(d.adbin, d.adrelid)"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'migration'"
        " AND a.attnum > 0 AND NOT a.attisdropped"
    ):
        schema.columns.setdefault(table, {})[name] = ColumnShape(
            type=type_,
            nullable=nullable,
            default=default,
            primary_key=False,
            unique=False,
            references=None,
        )
    for table, kind, columns, target, target_column, on_delete, on_update, name in await run(
        "SELECT t.relname, c.contype::text,"
        " ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(num, i)"
        "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.i),"
        " f.relname, (SELECT attname FROM pg_attribute"
        "             WHERE attrelid = c.confrelid AND attnum = c.confkey[1]),"
        " c.confdeltype::text, c.confupdtype::text, c.conname"
        " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " LEFT JOIN pg_class f ON f.oid = c.confrelid"
        " WHERE n.nspname = 'public' AND t.relname <> 'migration'"
    ):
        shapes = schema.columns[table]
        if kind == "p" and len(columns) == 1:
            shapes[columns[0]] = replace(shapes[columns[0]], primary_key=True)
        elif kind == "u" and len(columns) == 1:
            shapes[columns[0]] = replace(shapes[columns[0]], unique=True)
        elif kind == "f" and len(columns) == 1:
            reference = (
                f"{target}.{target_column} ON DELETE {PG_ACTIONS[on_delete]}"
                f" ON UPDATE {PG_ACTIONS[on_update]}"
            )
            shapes[columns[0]] = replace(shapes[columns[0]], references=reference)
        else:  # a composite key or a CHECK: the tables declare none, so it shows as a difference
            schema.indexes[f"constraint {name}"] = (table, tuple(columns), kind == "u", kind)
    for name, table, unique, columns, predicate in await run(
        "SELECT i.relname, t.relname, x.indisunique,"
        " ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)"
        "       FROM generate_series(1, x.indnatts) AS k ORDER BY k),"
        " pg_get_expr(x.indpred, x.indrelid)"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = 'public' AND t.relname <> 'migration' AND NOT EXISTS ("
        "   SELECT 1 FROM pg_constraint c"
        "   WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))"
    ):
        schema.indexes[name] = (table, tuple(columns), unique, predicate)
    for name, table, definition in await run(
        "SELECT g.tgname, t.relname, pg_get_triggerdef(g.oid)"
        " FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = 'public' AND NOT g.tgisinternal"
    ):
        schema.triggers[name] = (table, trigger_timing(definition))
    schema.functions = {
        name
        for (name,) in await run(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = 'public'"
        )
    }
    return schema


async def schema_of(database_url: str) -> Schema:
    async with connect(database_url) as run:
        if database_url.startswith("sqlite"):
            return await sqlite_schema(run)
        return await postgres_schema(run)


@asynccontextmanager
async def reference_database(tmp_path: Path) -> AsyncIterator[str]:
    """A database Piccolo creates straight from the table classes, with no migration."""
    if ENGINE == "sqlite":
        url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        await create_tables(url)
        yield url
        return
    name = f"carnet_reference_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        await create_tables(_pg_url(name))
        yield _pg_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def create_tables(database_url: str) -> None:
    """Create every table on `database_url`, then point the tables back where they were."""
    previous = [table._meta._db for table in TABLES]
    bind_tables(engine_from_url(database_url, pooled=False))
    try:
        await create_db_tables(*TABLES)
    finally:
        for table, engine in zip(TABLES, previous, strict=True):
            table._meta._db = engine


async def test_the_migrated_database_equals_the_tables_definition(
    database_url: str, tmp_path: Path
) -> None:
    """Make sure every table, column (type, null, default, keys), index and trigger is what
    Piccolo creates from the tables, plus the initial migration's raw SQL and nothing else."""
    migrated = await schema_of(database_url)
    async with reference_database(tmp_path) as reference_url:
        reference = await schema_of(reference_url)
    assert set(reference.columns) == {table._meta.tablename for table in TABLES}
    assert set(migrated.columns) == set(reference.columns)
    differences = {
        f"{table}.{name}": (migrated.columns[table].get(name), shape)
        for table, shapes in reference.columns.items()
        for name, shape in shapes.items()
        if migrated.columns[table].get(name) != shape
    } | {
        f"{table}.{name}": (shape, None)
        for table, shapes in migrated.columns.items()
        for name, shape in shapes.items()
        if name not in reference.columns[table]
    }
    assert differences == {}
    engine_indexes = RAW_SQLITE_INDEXES if ENGINE == "sqlite" else {}
    assert migrated.indexes == reference.indexes | RAW_INDEXES | engine_indexes
    assert reference.triggers == {}
    assert migrated.triggers == RAW_TRIGGERS[ENGINE]
    assert migrated.functions == RAW_FUNCTIONS[ENGINE]


async def test_each_column_is_stored_as_declared(database_url: str) -> None:
    """Make sure each declared column's nullability, keys, unique and index reach the database."""
    migrated = await schema_of(database_url)
    mismatches = []
    for table in TABLES:
        stored = migrated.columns[table._meta.tablename]
        indexed = {
            columns
            for index, (on, columns, _, _) in migrated.indexes.items()
            # Raw indexes are checked by the test above, not declared on a column.
            if on == table._meta.tablename
            and index not in RAW_INDEXES
            and index not in RAW_SQLITE_INDEXES
        }
        for column in table._meta.columns:
            name = column._meta.db_column_name
            shape = stored[name]
            references = None
            if isinstance(column, ForeignKey):
                meta = column._foreign_key_meta
                target = meta.resolved_references
                references = (
                    f"{target._meta.tablename}.{target._meta.primary_key._meta.db_column_name}"
                    f" ON DELETE {meta.on_delete.value} ON UPDATE {meta.on_update.value}"
                )
            declared = (
                not column._meta.primary_key and column._meta.null,
                column._meta.primary_key,
                column._meta.unique,
                references,
                column._meta.index,
            )
            actual = (
                shape.nullable,
                shape.primary_key,
                shape.unique,
                shape.references,
                (name,) in indexed,
            )
            if declared != actual:
                mismatches.append((f"{table._meta.tablename}.{name}", declared, actual))
    assert mismatches == []


def insert_signed_month() -> list[str]:
    """An organisation, its consultant, a month, a passkey, one evidence and one audit entry."""
    ids = {name: str(uuid.uuid4()) for name in ("org", "person", "month", "key", "ev", "audit")}
    return [
        f"INSERT INTO organisation (id) VALUES ('{ids['org']}')",
        f"INSERT INTO person (id, organisation) VALUES ('{ids['person']}', '{ids['org']}')",
        f"INSERT INTO timesheet (id, consultant) VALUES ('{ids['month']}', '{ids['person']}')",
        f"INSERT INTO passkey (id, person) VALUES ('{ids['key']}', '{ids['person']}')",
        "INSERT INTO signature_evidence (id, timesheet, person, passkey)"
        f" VALUES ('{ids['ev']}', '{ids['month']}', '{ids['person']}', '{ids['key']}')",
        "INSERT INTO audit_entry (id, organisation, seq)"
        f" VALUES ('{ids['audit']}', '{ids['org']}', 1)",
    ]


REFUSED = (sqlite3.IntegrityError, asyncpg.PostgresError)


@pytest.mark.parametrize("table", ["audit_entry", "signature_evidence"])
async def test_append_only_tables_refuse_update_and_delete(database_url: str, table: str) -> None:
    """Make sure the database itself refuses to change or remove an audit entry or a signature's
    evidence (and, on PostgreSQL, to truncate the audit trail), whoever asks."""
    async with connect(database_url) as run:
        for statement in insert_signed_month():
            await run(statement)
        refused = [f"UPDATE {table} SET body = 'forged'", f"DELETE FROM {table}"]
        if table == "signature_evidence":
            refused.append("DELETE FROM timesheet")  # not even by a cascade from its month
        if ENGINE == "postgres" and table == "audit_entry":
            refused.append(f"TRUNCATE {table}")
        for statement in refused:
            with pytest.raises(REFUSED, match="append-only"):
                await run(statement)
        assert await run(f"SELECT body FROM {table}") == [("",)]
        # The guard is this table's: its neighbours still change as usual.
        await run("UPDATE timesheet SET status = 'submitted'")
        assert await run("SELECT status FROM timesheet") == [("submitted",)]


async def test_migrating_twice_changes_nothing(database_url: str) -> None:
    """Make sure re-running the migrations on a migrated database is a no-op."""
    before = await schema_of(database_url)
    output = run_migrations(database_url)
    assert "No migrations need to be run" in output
    assert await schema_of(database_url) == before


def test_migration_failure_is_reported(tmp_path: Path) -> None:
    """Make sure a migration that cannot run raises with the runner's output."""
    target = tmp_path / "not-a-database.sqlite"
    target.write_text("this is not a SQLite file")
    with pytest.raises(MigrationFailed, match="migrations failed"):
        run_migrations(f"sqlite:///{target}")


SNAPSHOT_APP = """
import dataclasses
from server.storage.piccolo_app import APP_CONFIG as CARNET
APP_CONFIG = dataclasses.replace(CARNET, migrations_folder_path={folder!r})
"""
SNAPSHOT_CONF = """
from piccolo.conf.apps import AppRegistry
from piccolo.engine.sqlite import SQLiteEngine
DB = SQLiteEngine(path={database!r})
APP_REGISTRY = AppRegistry(apps=["snapshot_app"])
"""


def test_auto_migration_finds_nothing_to_generate(tmp_path: Path) -> None:
    """Make sure `piccolo migrations new carnet --auto` detects no change: the schema the
    migrations describe is the tables'. It runs on a copy of the migrations, so even a failure
    writes nothing into the repository."""
    folder = tmp_path / "piccolo_migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    before = sorted(path.name for path in folder.glob("*.py"))
    (tmp_path / "snapshot_app.py").write_text(SNAPSHOT_APP.format(folder=str(folder)))
    database = str(tmp_path / "never-opened.sqlite")
    (tmp_path / "snapshot_conf.py").write_text(SNAPSHOT_CONF.format(database=database))
    result = subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "new", "carnet", "--auto"],
        cwd=ROOT,
        env={
            **os.environ,
            "PICCOLO_CONF": "snapshot_conf",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout, result.stdout + result.stderr
    assert sorted(path.name for path in folder.glob("*.py")) == before
