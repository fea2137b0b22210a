"""Lookups the 2026-12-05T18:40 indexes serve, with and without them, on a large SQLite firm.

```sh
.venv/bin/python bench/index_bench.py                      # 5,000 consultants, a year each
.venv/bin/python bench/index_bench.py --consultants 1000 --rounds 4
```

It migrates a new SQLite database and fills it with plain SQL: one firm, `--consultants`
consultants each with a mission (a two-step circuit), twelve months, a signature link per month
and a pre-invoice per month with its line. A copy of it has the indexes of that migration
dropped. Each statement is then timed on both, alternating (A B A B, `--rounds`): the median
time of one run of the statement, with the ratio. The DELETE is an invoice's lines, as a draft
is recomputed: SQLite checks each deleted line against `invoice_line.credits_line`, which no
plan shows; it runs in a savepoint rolled back.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from server.storage.migrate import run_migrations  # noqa: E402

DROPPED = (
    "signature_link_timesheet_person",
    "signature_link_person",
    "approval_step_mission",
    "approval_step_approver",
    "timesheet_waiting_on",
    "invoice_line_invoice",
    "invoice_line_credits_line",
    "invoice_line_key",
)
STATEMENTS = {
    "a month's signature link (issuing a link)": (
        "SELECT id FROM signature_link WHERE timesheet = ? AND person = ? AND expires_at > ?",
        lambda ids: (random.choice(ids["timesheets"]), ids["signer"], "2026-01-01"),
    ),
    "a mission's circuit (every month screen)": (
        "SELECT * FROM approval_step WHERE mission IN (?)",
        lambda ids: (random.choice(ids["missions"]),),
    ),
    "the months waiting on a manager (team board)": (
        "SELECT id FROM timesheet WHERE waiting_on = ?",
        lambda ids: (random.choice(ids["managers"]),),
    ),
    "what other invoices billed of a line (a draft's recomputation)": (
        "SELECT l.quantity FROM invoice_line l JOIN invoice i ON i.id = l.invoice"
        " WHERE l.key = ? AND i.group_key != ?",
        lambda ids: (f"mission:{random.choice(ids['missions'])}", "x"),
    ),
    "DELETE an invoice's lines (a draft's recomputation)": (
        "DELETE FROM invoice_line WHERE invoice = ?",
        lambda ids: (random.choice(ids["invoices"]),),
    ),
}


def fill(path: Path, consultants: int) -> dict[str, list[str] | str]:
    db = sqlite3.connect(path)
    org = str(uuid.uuid4())
    db.execute("INSERT INTO organisation (id) VALUES (?)", (org,))
    client = str(uuid.uuid4())
    db.execute("INSERT INTO client_company (id, organisation) VALUES (?, ?)", (client, org))
    managers = [str(uuid.uuid4()) for _ in range(max(1, consultants // 10))]
    signer = str(uuid.uuid4())
    people = [(m, org, None) for m in managers] + [(signer, org, None)]
    ids: dict[str, list[str] | str] = {
        "managers": managers,
        "signer": signer,
        "missions": [],
        "timesheets": [],
        "invoices": [],
    }
    rows: dict[str, list[tuple[object, ...]]] = {
        k: [] for k in ("mission", "step", "month", "link", "invoice", "line")
    }
    for n in range(consultants):
        person, mission = str(uuid.uuid4()), str(uuid.uuid4())
        manager = managers[n % len(managers)]
        people.append((person, org, manager))
        rows["mission"].append((mission, org, person, client))
        rows["step"].append((str(uuid.uuid4()), mission, 0, "manager", manager))
        rows["step"].append((str(uuid.uuid4()), mission, 1, "client_signer", signer))
        ids["missions"].append(mission)  # type: ignore[union-attr]
        for m in range(1, 13):
            month, invoice = str(uuid.uuid4()), str(uuid.uuid4())
            waiting = manager if m == 12 else None
            rows["month"].append((month, person, f"2026-{m:02d}", waiting))
            rows["link"].append((str(uuid.uuid4()), month, signer, uuid.uuid4().hex))
            rows["invoice"].append((invoice, org, client, f"{mission}:{m}"))
            rows["line"].append((str(uuid.uuid4()), invoice, f"mission:{mission}"))
            ids["timesheets"].append(month)  # type: ignore[union-attr]
            ids["invoices"].append(invoice)  # type: ignore[union-attr]
    db.executemany(
        "INSERT INTO person (id, organisation, manager, email) VALUES (?, ?, ?, ?)",
        [(*person, f"{n}@example.test") for n, person in enumerate(people)],
    )
    db.executemany(
        "INSERT INTO mission (id, organisation, consultant, client) VALUES (?, ?, ?, ?)",
        rows["mission"],
    )
    db.executemany(
        "INSERT INTO approval_step (id, mission, position, kind, approver) VALUES (?, ?, ?, ?, ?)",
        rows["step"],
    )
    db.executemany(
        "INSERT INTO timesheet (id, consultant, month, waiting_on) VALUES (?, ?, ?, ?)",
        rows["month"],
    )
    db.executemany(
        "INSERT INTO signature_link (id, timesheet, person, token_hash, step, epoch, expires_at)"
        " VALUES (?, ?, ?, ?, 0, 0, '2027-01-01')",
        rows["link"],
    )
    db.executemany(
        "INSERT INTO invoice (id, organisation, client, group_key, period_start, period_end)"
        " VALUES (?, ?, ?, ?, '2026-01-01', '2026-01-31')",
        rows["invoice"],
    )
    db.executemany(
        "INSERT INTO invoice_line (id, invoice, position, key, kind, label, quantity, unit,"
        " unit_price_cents, vat_rate_bp, net_cents)"
        " VALUES (?, ?, 0, ?, 'days', '', 1, 'day', 1, 2000, 1)",
        rows["line"],
    )
    db.commit()
    db.close()
    return ids


def time_once(db: sqlite3.Connection, sql: str, args: tuple[object, ...], runs: int) -> float:
    """Median seconds of one run of `sql` (a DELETE inside a savepoint rolled back)."""
    times = []
    write = sql.startswith("DELETE")
    for _ in range(runs):
        if write:
            db.execute("SAVEPOINT bench")
        start = time.perf_counter()
        db.execute(sql, args).fetchall()
        times.append(time.perf_counter() - start)
        if write:
            db.execute("ROLLBACK TO bench")
            db.execute("RELEASE bench")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consultants", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30, help="runs of each statement per round")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        indexed = Path(tmp) / "indexed.sqlite"
        run_migrations(f"sqlite:///{indexed}")
        ids = fill(indexed, options.consultants)
        bare = Path(tmp) / "bare.sqlite"
        shutil.copy(indexed, bare)
        with sqlite3.connect(bare) as db:
            for name in DROPPED:
                db.execute(f"DROP INDEX {name}")
        connections = {}
        for label, path in (("without", bare), ("with", indexed)):
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA foreign_keys = 1")
            connections[label] = db
        print(f"{options.consultants} consultants, 12 months each; median of {options.runs} runs")
        results: dict[tuple[str, str], list[float]] = {}
        for _ in range(options.rounds):
            for label in ("without", "with"):
                for name, (sql, make) in STATEMENTS.items():
                    random.seed(1)
                    took = time_once(connections[label], sql, make(ids), options.runs)
                    results.setdefault((name, label), []).append(took)
        for name in STATEMENTS:
            without = statistics.median(results[(name, "without")])
            with_ = statistics.median(results[(name, "with")])
            print(
                f"{name}: {without * 1e3:.3f} ms without, {with_ * 1e3:.3f} ms with"
                f" (× {without / with_:.0f})"
            )
        for db in connections.values():
            db.close()


if __name__ == "__main__":
    main()
