"""Invoice numbers: unique, chronological, no gaps, even issued at once by several processes
each with several connections; a refused issue consumes no number."""

import asyncio
import sys
from datetime import date

from litestar import Litestar

from server.domain import pricing as p
from server.storage import invoicing_store as store
from server.storage import repositories as repo
from server.storage.repositories import write_transaction
from tests.invoicing.helpers import NOW, demo

PROCESSES = 4
PER_PROCESS = 6


async def _drafts(client_id: str, organisation_id: str, count: int, blocked: int) -> list[str]:
    ids = []
    for i in range(count):
        lines = [
            p.milestone_line(key=f"milestone:test-{i}", label=f"Jalon {i}", amount_cents=100_000)
        ]
        warnings = (
            [{"code": "missing_rate", "blocking": True, "message": "no daily rate"}]
            if i == blocked
            else []
        )
        async with write_transaction():
            ids.append(
                await store.save_draft(
                    organisation_id=organisation_id,
                    client_id=client_id,
                    group_key=f"test:{i}",
                    period_start=date(2026, 10, 1),
                    period_end=date(2026, 10, 31),
                    sources=[],
                    warnings=warnings,
                    regime=p.VatRegime.STANDARD,
                    lines=lines,
                    totals=p.totals(lines=lines, regime=p.VatRegime.STANDARD),
                    now=NOW,
                )
            )
    return ids


async def test_concurrent_issuing_leaves_no_gap_and_no_duplicate(
    app: Litestar, database_url: str
) -> None:
    """Make sure 24 pre-invoices issued at once from 4 processes (6 concurrent transactions
    each), one of them refused, get FA-2026-00001..00023 exactly once each, in issuing order."""
    d = await demo()
    client_id = d.alice_mission.client_id
    total = PROCESSES * PER_PROCESS
    ids = await _drafts(client_id, d.admin.organisation_id, total, blocked=total // 2)
    batches = [ids[i::PROCESSES] for i in range(PROCESSES)]
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.invoicing.issue_worker",
            database_url,
            d.admin.organisation_id,
            d.admin.person_id,
            *batch,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for batch in batches
    ]
    results = {}
    for worker in workers:
        out, err = await asyncio.wait_for(worker.communicate(), timeout=120)
        assert worker.returncode == 0, err.decode()[-2000:]
        for line in out.decode().splitlines():
            invoice_id, outcome = line.split(" ", 1)
            results[invoice_id] = outcome
    assert len(results) == total
    refused = [i for i, outcome in results.items() if outcome.startswith("!")]
    assert refused == [ids[total // 2]] and results[refused[0]] == "!not_issuable"
    numbers = sorted(outcome for outcome in results.values() if not outcome.startswith("!"))
    assert numbers == [f"FA-2026-{n:05d}" for n in range(1, total)]
    issued = [i for i in await store.list_invoices(d.admin.organisation_id) if i.number]
    by_number = sorted(issued, key=lambda i: i.number or "")
    stamps = [await _issued_at(i.id) for i in by_number]
    assert stamps == sorted(stamps), "numbers follow the order of issuing"
    assert await repo.get_client(client_id) is not None


async def _issued_at(invoice_id: str) -> object:
    from server.storage import tables as t

    row = await t.Invoice.select(t.Invoice.issued_at).where(t.Invoice.id == invoice_id).first()
    assert row is not None
    return row["issued_at"]


async def test_concurrent_hooks_make_one_pre_invoice(app: Litestar) -> None:
    """Make sure the validation hook called twice at once (two connections on PostgreSQL)
    leaves one pre-invoice for the client and month."""
    from server.services import invoicing as billing
    from server.storage import tables as t

    d = await demo()
    await t.InvoiceLine.delete(force=True)
    await t.Invoice.delete(force=True)
    month_id = await d.timesheet_id(d.alice, "2026-09")
    results = await asyncio.gather(
        *(billing.on_month_validated(month_id=month_id, at=NOW) for _ in range(8))
    )
    assert len({tuple(r) for r in results}) == 1 and len(results[0]) == 1
    assert len(await store.list_invoices(d.admin.organisation_id)) == 1


async def test_a_rolled_back_issue_gives_its_number_back(app: Litestar) -> None:
    """Make sure a failure after the number was taken (XML, storage...) consumes nothing: the
    counter is bumped in the issuing transaction and rolled back with it."""
    d = await demo()

    class Boom(Exception):
        pass

    try:
        async with write_transaction():
            taken = await store.next_number(
                organisation_id=d.admin.organisation_id, series="FA-2026"
            )
            assert taken == 1
            raise Boom
    except Boom:
        pass
    async with write_transaction():
        again = await store.next_number(organisation_id=d.admin.organisation_id, series="FA-2026")
    assert again == 1
