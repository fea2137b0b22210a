"""A separate process issuing pre-invoices concurrently: `python -m tests.invoicing.issue_worker
DATABASE_URL ORGANISATION_ID ADMIN_ID INVOICE_ID...`. Prints one line per invoice: its id, then
its number or the refusal's code."""

import asyncio
import sys
from datetime import UTC, datetime

from server.domain.errors import DomainError
from server.domain.roles import Actor, Role
from server.services import invoicing as billing
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine


async def main(url: str, organisation_id: str, admin_id: str, ids: list[str]) -> None:
    engine = engine_from_url(url)
    bind_tables(engine)
    await open_engine(engine)
    actor = Actor(
        person_id=admin_id, organisation_id=organisation_id, roles=frozenset({Role.ADMIN})
    )

    async def one(invoice_id: str) -> str:
        try:
            issued = await billing.issue(
                actor=actor, invoice_id=invoice_id, clock=lambda: datetime.now(UTC)
            )
        except DomainError as refused:
            return f"{invoice_id} !{refused.code}"
        return f"{invoice_id} {issued.number}"

    try:
        for line in await asyncio.gather(*(one(i) for i in ids)):
            print(line, flush=True)
    finally:
        await close_engine(engine)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
