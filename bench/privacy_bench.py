"""A consultant's data export (docs/privacy.md): the JSON document and its PDF, on the demo firm.

```sh
.venv/bin/python bench/privacy_bench.py            # SQLite
.venv/bin/python bench/privacy_bench.py --runs 5   # more renders, median reported
```

It migrates a new SQLite database, loads the demo with its history (Alice Martin: a year of
signed months, 239 days, 288 audit events), then times what `GET /people/{id}/data-export`
and `…/data-export/pdf` run (`server.services.privacy.export`, `privacy_pdf.render`), after one
warm-up render (WeasyPrint loads its fonts once per process). The fuzzing gate reads each answer
within 10 s on a loaded machine, so the PDF must stay a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.import_bench import machine  # noqa: E402
from server.domain.roles import Actor, Role  # noqa: E402
from server.services import privacy, privacy_pdf  # noqa: E402
from server.services.demo import load_demo  # noqa: E402
from server.storage import repositories as repo  # noqa: E402
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine  # noqa: E402
from server.storage.migrate import run_migrations  # noqa: E402


async def measure(url: str, runs: int) -> None:
    engine = engine_from_url(url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        await load_demo(today=date(2026, 11, 16), history=True)
        alice = await repo.get_person_by_email("alice.martin@octave.example")
        assert alice is not None
        actor = Actor(
            person_id=alice.id,
            organisation_id=alice.organisation_id,
            roles=frozenset({Role.CONSULTANT}),
        )
        json_s, pdf_s = [], []
        document = await privacy.export(actor, alice.id)
        privacy_pdf.render(document)  # warm-up: fonts
        size = 0
        for _ in range(runs):
            started = time.perf_counter()
            document = await privacy.export(actor, alice.id)
            json_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            size = len(privacy_pdf.render(document))
            pdf_s.append(time.perf_counter() - started)
        counts = {k: len(v) for k, v in document.items() if isinstance(v, list) and v}
        print(f"machine: {machine('sqlite')}")
        print(f"rows exported: {counts}")
        print(f"JSON export: median {statistics.median(json_s) * 1000:.0f} ms over {runs} runs")
        print(
            f"PDF render: median {statistics.median(pdf_s):.2f} s over {runs} runs, {size} bytes"
        )
    finally:
        await close_engine(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the warm-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{workdir}/privacy_bench.sqlite"
        run_migrations(url)
        asyncio.run(measure(url, args.runs))


if __name__ == "__main__":
    main()
