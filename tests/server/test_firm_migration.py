"""The migration that makes invoice numbers and e-mails unique per firm keeps every row: on
SQLite it rebuilds `invoice` and `person`, which many tables reference (docs/multi-tenant.md)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from server.storage.migrate import run_migrations
from tests.server.test_migrations import ROOT, connect

BEFORE = "2026-12-05T12:05:47:000000"


def migrate_to(database_url: str, migration_id: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PICCOLO_CONF": "server.storage.piccolo_conf",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "piccolo.main",
            "migrations",
            "forwards",
            "carnet",
            f"--migration_id={migration_id}",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0 and "failed" not in result.stdout, result.stdout + result.stderr


def insert(table: str, values: dict[str, object]) -> str:
    listed = ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in values.values())
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({listed})"


COUNTED = ("organisation", "person", "passkey", "session", "invoice", "invoice_line", "payment")


async def test_rebuilt_tables_keep_their_rows_and_references(tmp_path: Path) -> None:
    """Make sure people (with a manager, passkeys, a session) and invoices (with lines, a
    payment and a credit note pointing at them) are all there after the rebuild, references
    intact, and that the new per-firm uniques hold."""
    if os.environ.get("CARNET_TEST_DB", "sqlite") != "sqlite":
        pytest.skip("the rebuild is SQLite's; PostgreSQL drops the constraints in place")
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    migrate_to(url, BEFORE)
    ids = {
        name: str(uuid.uuid4())
        for name in (
            "org",
            "boss",
            "alice",
            "key",
            "session",
            "client",
            "inv",
            "credit",
            "line",
            "pay",
        )
    }
    async with connect(url) as run:
        i = ids
        for table, values in (
            ("organisation", {"id": i["org"]}),
            ("person", {"id": i["boss"], "organisation": i["org"], "email": "boss@x.fr"}),
            (
                "person",
                {
                    "id": i["alice"],
                    "organisation": i["org"],
                    "email": "alice@x.fr",
                    "manager": i["boss"],
                },
            ),
            ("passkey", {"id": i["key"], "person": i["alice"]}),
            ("session", {"id": i["session"], "person": i["alice"], "token_hash": "h"}),
            ("client_company", {"id": i["client"], "organisation": i["org"]}),
            (
                "invoice",
                {
                    "id": i["inv"],
                    "organisation": i["org"],
                    "client": i["client"],
                    "group_key": "g1",
                    "number": "FA-2026-0001",
                },
            ),
            (
                "invoice",
                {
                    "id": i["credit"],
                    "organisation": i["org"],
                    "client": i["client"],
                    "group_key": "g2",
                    "number": "AV-2026-0001",
                    "credits": i["inv"],
                },
            ),
            (
                "invoice_line",
                {
                    "id": i["line"],
                    "invoice": i["inv"],
                    "position": 1,
                    "key": "k",
                    "kind": "regie",
                    "label": "l",
                    "quantity": 2,
                    "unit": "day",
                    "unit_price_cents": 100,
                },
            ),
            (
                "payment",
                {
                    "id": i["pay"],
                    "invoice": i["inv"],
                    "paid_on": "2026-11-30",
                    "amount_cents": 200,
                    "recorded_by": i["boss"],
                },
            ),
        ):
            await run(insert(table, values))
        # The columns each table had then: later migrations may add some (all rows keep theirs).
        columns = {
            table: ", ".join(row[1] for row in await run(f"PRAGMA table_info({table})"))
            for table in COUNTED
        }
        before = {
            table: await run(f"SELECT {columns[table]} FROM {table} ORDER BY id")
            for table in COUNTED
        }
    run_migrations(url)
    async with connect(url) as run:
        after = {
            table: await run(f"SELECT {columns[table]} FROM {table} ORDER BY id")
            for table in COUNTED
        }
        assert after == before
        assert await run("PRAGMA foreign_key_check") == []
        assert await run("PRAGMA integrity_check") == [("ok",)]
        other = str(uuid.uuid4())
        await run(f"INSERT INTO organisation (id) VALUES ('{other}')")
        alice_elsewhere = {"organisation": other, "email": "alice@x.fr"}
        await run(insert("person", {"id": str(uuid.uuid4()), **alice_elsewhere}))
        with pytest.raises(Exception, match=r"(?i)unique"):
            await run(insert("person", {"id": str(uuid.uuid4()), **alice_elsewhere}))
        # The references still act: deleting the invoice takes its line and payment with it.
        await run(f"DELETE FROM invoice WHERE id = '{ids['credit']}'")
        await run(f"DELETE FROM invoice WHERE id = '{ids['inv']}'")
        assert await run("SELECT COUNT(*) FROM invoice_line") == [(0,)]
        assert await run("SELECT COUNT(*) FROM payment") == [(0,)]
