"""Import 2,000 people then 2,000 missions from spreadsheets, on SQLite and PostgreSQL.

```sh
.venv/bin/python bench/import_bench.py                     # SQLite, CSV
.venv/bin/python bench/import_bench.py --format xlsx       # the same rows as XLSX workbooks
.venv/bin/python bench/import_bench.py --engine postgres   # a fresh database, dropped after
```

It migrates a new database, creates an organisation, its administrator and 40 clients, then
writes two files the way an ESN's export would: 2,000 people (100 managers, 1,900 consultants
each naming their manager by e-mail, several managers named on a row below their team) and
2,000 missions (a consultant by e-mail, a client by SIREN, dates dd/mm/yyyy, a TJM with a
decimal comma, the manager as approver). For each file, in this process and through what the
API runs (`server.services.imports.run_import`, then the answer encoded as the API sends it):
the dry run, then the import. The server has an SMTP server configured, so each imported
person's invitation also goes into the outbox (the heavier path).

The target (issue 14): the 2,000 people and the 2,000 missions import in under 10 s, graded on
the two imports' wall time together.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.harness import Database  # noqa: E402

PEOPLE = 2000
MANAGERS = 100
MISSIONS = 2000
CLIENTS = 40
TARGET_S = 10.0


def machine(engine: str) -> dict[str, Any]:
    cpu, ram = "?", "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        ram = f"{int(memory) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "engine": engine,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "python": platform.python_version(),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def siren_of(index: int) -> str:
    return f"{700000000 + index * 1013:09d}"


def people_rows() -> list[list[str]]:
    rows = [["E-mail", "Prénom", "Nom", "Rôles", "E-mail du manager"]]
    consultants = [
        [f"conso{i:04d}@esn.example", "Consultant", f"N°{i:04d}", "consultant",
         f"manager{i % MANAGERS:03d}@esn.example"]
        for i in range(PEOPLE - MANAGERS)
    ]  # fmt: skip
    managers = [
        [f"manager{m:03d}@esn.example", "Manager", f"N°{m:03d}", "Manager, Consultant", ""]
        for m in range(MANAGERS)
    ]
    # Half the managers come after the people they manage: the import orders them.
    return rows + managers[: MANAGERS // 2] + consultants + managers[MANAGERS // 2 :]


def mission_rows(rng: random.Random) -> list[list[str]]:
    rows = [
        ["E-mail du consultant", "Client", "Intitulé", "Date de début", "Date de fin",
         "TJM (€)", "Validateur"]
    ]  # fmt: skip
    for i in range(MISSIONS):
        who = i % (PEOPLE - MANAGERS)
        month = 1 + i // (PEOPLE - MANAGERS) * 6
        rows.append(
            [
                f"conso{who:04d}@esn.example",
                siren_of(rng.randrange(CLIENTS)),
                f"Mission {i:04d}",
                f"01/{month:02d}/2027",
                f"30/{month + 5:02d}/2027",
                f"{rng.randrange(400, 900)},{rng.randrange(100):02d}",
                f"manager{who % MANAGERS:03d}@esn.example",
            ]
        )
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    return ("\ufeff" + "\r\n".join(";".join(r) for r in rows)).encode()


def as_xlsx(rows: list[list[str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Import")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


async def run(database: Database, file_format: str) -> dict[str, Any]:
    from server.api import imports as api_imports
    from server.domain.roles import Actor, Role
    from server.services import directory, imports
    from server.services.accounts import Accounts
    from server.services.clock import system_clock
    from server.settings import Settings
    from server.storage import notification_store
    from server.storage import repositories as repo
    from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine

    engine_name = database.engine
    settings = Settings(
        secret_key="bench-" + "x" * 40,
        database_url=database.url,
        origin="http://localhost",
        auto_migrate=False,
        smtp_host="127.0.0.1",
        mail_from="Carnet <carnet@example.test>",
    )
    engine = engine_from_url(database.url)
    bind_tables(engine)
    await open_engine(engine)
    figures: dict[str, Any] = {"machine": machine(engine_name), "format": file_format}
    try:
        organisation = await repo.create_organisation(
            legal_name="ESN Banc d'essai",
            siren="812345676",
            siret="81234567600017",
            vat_number="FR19812345676",
            address="1 rue du Banc, 75002 Paris",
        )
        admin = await directory.create_person(
            organisation_id=organisation.id,
            new=directory.NewPerson(
                email="admin@esn.example", display_name="Admin", roles=frozenset({Role.ADMIN})
            ),
        )
        actor = Actor(
            person_id=admin.id, organisation_id=organisation.id, roles=frozenset({Role.ADMIN})
        )
        for c in range(CLIENTS):
            await directory.create_client(
                actor,
                legal_name=f"Client {c:02d} SA",
                siren=siren_of(c),
                vat_number="FR00" + siren_of(c),
                billing_address="1 rue du Client, 75001 Paris",
            )
        accounts = Accounts(settings=settings, clock=system_clock)
        encode = as_xlsx if file_format == "xlsx" else as_csv
        rng = random.Random(14)
        files = {"people": encode(people_rows()), "missions": encode(mission_rows(rng))}
        for kind, content in files.items():
            sent = base64.b64encode(content).decode()  # what the app sends
            for dry_run in (True, False):
                start, cpu = time.perf_counter(), time.process_time()
                result = await imports.run_import(
                    actor=actor,
                    accounts=accounts,
                    kind=kind,  # type: ignore[arg-type]
                    file_name=f"{kind}.{file_format}",
                    content=base64.b64decode(sent),
                    dry_run=dry_run,
                )
                answer = api_imports._out(result).model_dump_json()
                wall = time.perf_counter() - start
                label = f"{kind} {'dry run' if dry_run else 'import'}"
                figures[label] = {
                    "wall_s": round(wall, 2),
                    "cpu_s": round(time.process_time() - cpu, 2),
                    "rows": result.counts["rows"],
                    "created": result.counts["create"] if not dry_run else 0,
                    "errors": len(result.errors),
                    "file_kb": round(len(content) / 1024),
                    "answer_kb": round(len(answer) / 1024),
                }
                assert not result.errors, result.errors[:5]
        people = await repo.list_people(organisation.id)
        missions = await repo.list_missions(organisation.id)
        figures["stored"] = {
            "people": len(people),
            "missions": len(missions),
            "invitations_in_outbox": len(await notification_store.outbox_rows()),
        }
    finally:
        await close_engine(engine)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database = Database.create(args.engine, Path(workdir), prefix="carnet_import_bench")
        try:
            figures = asyncio.run(run(database, args.format))
        finally:
            database.drop()
    print("machine:", figures.pop("machine"))
    print("format:", figures.pop("format"))
    stored = figures.pop("stored")
    for label, row in figures.items():
        print(f"{label:<18} {row}")
    print("stored:", stored)
    total = figures["people import"]["wall_s"] + figures["missions import"]["wall_s"]
    verdict = "PASS" if total < TARGET_S else "FAIL"
    print(f"2,000 people + 2,000 missions imported in {total:.2f} s (target < {TARGET_S:.0f} s):")
    print(verdict)
    ok = stored["people"] == PEOPLE + 1 and stored["missions"] == MISSIONS
    print("every row stored:", "yes" if ok else f"NO {stored}")


if __name__ == "__main__":
    main()
