"""Storage of firms on a shared installation (docs/multi-tenant.md): which organisation a
host name reaches, and the operator's settings of host, relying-party id and origin."""

from collections.abc import Sequence
from dataclasses import dataclass

from server.storage import firm_cache, raw_sql
from server.storage import tables as t
from server.storage.repositories import _id


@dataclass(frozen=True)
class FirmRow:
    """An organisation as a host name reaches it; empty strings where the operator set none."""

    id: str
    host: str | None
    rp_id: str
    origin: str


# One statement per API request, best rank first: the firm named by the host (exact Host, then
# without its port); else the one firm without a host (the default firm) when other firms have
# one; else the only firm; else, when no firm has a host at all, a row of NULLs: requests are
# not told apart by host (a one-firm installation, or one not set up for hosts yet). Sent
# straight to the driver (server/storage/raw_sql.py): Piccolo's query path cost as much as the
# rest of a no-op poll (docs/benchmarks.md, issue 12). Its answer is kept for a second in the
# process (server/storage/firm_cache.py: how a change reaches other processes).
_RESOLVE = (
    "SELECT id AS firm_id, host AS firm_host, rp_id AS firm_rp_id, origin AS firm_origin, "
    "0 AS firm_rank FROM organisation WHERE host = {host} "
    "UNION ALL SELECT id, host, rp_id, origin, 1 FROM organisation WHERE host = {hostname} "
    "UNION ALL SELECT id, host, rp_id, origin, 2 FROM organisation WHERE host IS NULL "
    "AND (SELECT COUNT(*) FROM organisation WHERE host IS NULL) = 1 "
    "UNION ALL SELECT id, host, rp_id, origin, 3 FROM organisation "
    "WHERE (SELECT COUNT(*) FROM organisation) = 1 "
    "UNION ALL SELECT NULL, NULL, NULL, NULL, 4 "
    "WHERE NOT EXISTS (SELECT 1 FROM organisation WHERE host IS NOT NULL)"
)
RESOLVE = raw_sql.Statement(
    sqlite=_RESOLVE.format(host="?", hostname="?"),
    postgres=_RESOLVE.format(host="$1", hostname="$2"),
)


@dataclass(frozen=True)
class Resolution:
    firm: FirmRow | None
    hosts_unused: bool  # no firm has a host name: nothing to tell requests apart by


async def firm_for_host(*, host: str, hostname: str) -> Resolution:
    key = (host, hostname)
    known = firm_cache.get(key)
    if known is not None:
        return known  # type: ignore[no-any-return]
    generation = firm_cache.generation()
    found = _resolution(await raw_sql.fetch(RESOLVE, host, hostname))
    firm_cache.put(key, found, read_at_generation=generation)
    return found


def _resolution(rows: Sequence[raw_sql.Row]) -> Resolution:
    if not rows:
        return Resolution(firm=None, hosts_unused=False)
    firm_id, firm_host, rp_id, origin, _rank = min(rows, key=lambda row: row[4])
    if firm_id is None:
        return Resolution(firm=None, hosts_unused=True)
    return Resolution(
        firm=_firm({"id": firm_id, "host": firm_host, "rp_id": rp_id, "origin": origin}),
        hosts_unused=False,
    )


async def get_firm(organisation_id: str) -> FirmRow | None:
    row = (
        await t.Organisation.select(
            t.Organisation.id, t.Organisation.host, t.Organisation.rp_id, t.Organisation.origin
        )
        .where(t.Organisation.id == organisation_id)
        .first()
    )
    return None if row is None else _firm(row)


async def firm_of_person(person_id: str) -> FirmRow | None:
    """The firm a person belongs to, in one statement."""
    person = t.Person.organisation
    row = (
        await t.Person.select(
            person.id.as_alias("id"),
            person.host.as_alias("host"),
            person.rp_id.as_alias("rp_id"),
            person.origin.as_alias("origin"),
        )
        .where(t.Person.id == person_id)
        .first()
    )
    return None if row is None else _firm(row)


async def list_firms() -> list[tuple[FirmRow, str]]:
    """Every firm with its legal name, oldest first."""
    rows = await t.Organisation.select(
        t.Organisation.id,
        t.Organisation.host,
        t.Organisation.rp_id,
        t.Organisation.origin,
        t.Organisation.legal_name,
    ).order_by(t.Organisation.created_at)
    return [(_firm(row), row["legal_name"]) for row in rows]


async def host_taken(host: str, *, other_than: str | None = None) -> bool:
    query = t.Organisation.exists().where(t.Organisation.host == host)
    if other_than is not None:
        query = query.where(t.Organisation.id != other_than)
    return bool(await query)


async def set_firm_address(*, organisation_id: str, host: str, rp_id: str, origin: str) -> bool:
    rows = (
        await t.Organisation.update(
            {t.Organisation.host: host, t.Organisation.rp_id: rp_id, t.Organisation.origin: origin}
        )
        .where(t.Organisation.id == organisation_id)
        .returning(t.Organisation.id)
    )
    firm_cache.forget()  # after the write: a read already under way is not kept
    return bool(rows)


def _firm(row: dict[str, object]) -> FirmRow:
    return FirmRow(
        id=_id(row["id"]),
        host=None if row["host"] is None else str(row["host"]),
        rp_id=str(row["rp_id"] or ""),
        origin=str(row["origin"] or ""),
    )
