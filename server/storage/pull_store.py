"""The reads of a poll and of a pull page, hand-written (sync-protocol.md §3.3.1, §3.5).

A poll of an up-to-date device needs three facts: this database's id, the consultant's version
and whose the device's client id is. They come back from one statement (`poll_state`). A pull
page — the days after the cursor, and with the last page the months and the overwrites — is a
second statement (`page`), whose rows carry each item already in its wire shape: the database
writes the JSON object (SQLite's ``json_object``, concatenation on PostgreSQL), so no row
object, no model and no validation stands between the table and the answer. The columns beside
the JSON are what the service compares (the cursor, what a push's results already told the
device). Reads only; `server/storage/sync_store.py` keeps the writes.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from server.storage import raw_sql

_POLL_STATE = raw_sql.Statement(
    sqlite=(
        "SELECT (SELECT id FROM server_identity LIMIT 1) AS sid, "
        "(SELECT version FROM sync_space WHERE person = ?1) AS space_version, "
        "(SELECT person FROM sync_client WHERE id = ?2) AS client_person, "
        "(SELECT last_mutation_id FROM sync_client WHERE id = ?2) AS client_last"
    ),
    postgres=(
        "SELECT (SELECT id FROM server_identity LIMIT 1) AS sid, "
        "(SELECT version FROM sync_space WHERE person = $1) AS space_version, "
        "(SELECT person FROM sync_client WHERE id = $2) AS client_person, "
        "(SELECT last_mutation_id FROM sync_client WHERE id = $2) AS client_last"
    ),
)


@dataclass(frozen=True)
class PollState:
    server_id: str | None
    """None until the database's id is first made (`sync_store.server_id` makes it)."""
    version: int
    """The consultant's version: 0 before their first change."""
    client: tuple[str, int] | None
    """The client id's owner and last processed mutation id, None for a new device."""


async def poll_state(*, person_id: str, client_id: str) -> PollState:
    """Database id, the consultant's version and the device's row, in one statement."""
    ((sid, version, owner, last),) = await raw_sql.fetch(_POLL_STATE, person_id, client_id)
    return PollState(
        server_id=None if sid is None else str(sid),
        version=0 if version is None else int(version),
        client=None if owner is None else (str(owner), int(last)),
    )


# Columns: kind (0 day, 1 month, 2 overwrite), sort, key (date or month), version, tag
# (by_client or status), epoch, body (the item's JSON). Days: the page, in cursor order
# (version, date), LIMIT rows; months by month; overwrites by version.
_PAGE_SQLITE = (
    "SELECT * FROM ("
    " SELECT 0 AS kind, version AS sort, day AS key, version AS version, by_client AS tag,"
    " 0 AS epoch, CASE WHEN version = ?7 AND by_client = ?8 THEN NULL ELSE"
    " json_object('date', day, 'lines', json(lines), 'comment', comment,"
    " 'hlc', hlc, 'version', version, 'by_client', by_client) END AS body"
    " FROM day_entry WHERE consultant = ?1 AND version > ?2 AND version <= ?3"
    " AND (version > ?4 OR (version = ?4 AND day > ?5)) ORDER BY version, day LIMIT ?6) d "
    "UNION ALL SELECT * FROM ("
    " SELECT 1, 0, month, version, status, epoch, json_object('month', month,"
    " 'status', status, 'epoch', epoch, 'version', version)"
    " FROM timesheet WHERE consultant = ?1 AND version > ?2 AND version <= ?3) m "
    "UNION ALL SELECT * FROM ("
    " SELECT 2, version, day, version, by_client, 0, json_object('date', day,"
    " 'lost', json(lost), 'by_client', by_client, 'version', version)"
    " FROM day_overwrite WHERE consultant = ?1 AND version > ?2 AND version <= ?3) o "
    "ORDER BY 1, 2, 3"
)
# PostgreSQL's json_build_object writes `"key" : value, ` (17 bytes more per day than the
# models): the objects are concatenated instead, strings quoted by to_json. `lines` and `lost`
# are stored JSON, embedded as stored.
_DAY_JSON_POSTGRES = (
    """'{"date":"' || to_char(day, 'YYYY-MM-DD') || '","lines":' || lines::text"""
    """ || ',"comment":' || to_json(comment)::text || ',"hlc":' || to_json(hlc)::text"""
    """ || ',"version":' || version || ',"by_client":' || to_json(by_client)::text || '}'"""
)
_PAGE_POSTGRES = (
    "SELECT * FROM ("
    " SELECT 0 AS kind, version AS sort, to_char(day, 'YYYY-MM-DD') AS key, version,"
    " by_client::text AS tag, 0 AS epoch,"
    f" CASE WHEN version = $7 AND by_client::text = $8 THEN NULL ELSE {_DAY_JSON_POSTGRES} END"
    " AS body"
    " FROM day_entry WHERE consultant = $1 AND version > $2 AND version <= $3"
    " AND (version > $4 OR (version = $4 AND day > $5)) ORDER BY version, day LIMIT $6) d "
    "UNION ALL SELECT * FROM ("
    " SELECT 1, 0, month::text, version, status::text, epoch,"
    """ '{"month":' || to_json(month)::text || ',"status":' || to_json(status)::text"""
    """ || ',"epoch":' || epoch || ',"version":' || version || '}'"""
    " FROM timesheet WHERE consultant = $1 AND version > $2 AND version <= $3) m "
    "UNION ALL SELECT * FROM ("
    " SELECT 2, version, to_char(day, 'YYYY-MM-DD'), version, by_client::text, 0,"
    """ '{"date":"' || to_char(day, 'YYYY-MM-DD') || '","lost":' || lost::text"""
    """ || ',"by_client":' || to_json(by_client)::text || ',"version":' || version || '}'"""
    " FROM day_overwrite WHERE consultant = $1 AND version > $2 AND version <= $3) o "
    "ORDER BY 1, 2, 3"
)
_PAGE = raw_sql.Statement(sqlite=_PAGE_SQLITE, postgres=_PAGE_POSTGRES)


class DayItem(NamedTuple):
    """One pulled day: its cursor key, its writer, and its ``DayState`` as JSON.

    A named tuple rather than a frozen dataclass, as `sync_store.DayRow`: as immutable, built in
    half the time, and a page holds one per day (a year pulled: 261; a bulk push's answer is
    made from one per day it wrote: docs/benchmarks.md, issue 12)."""

    date: str
    version: int
    by_client: str
    json: str | None
    """None for a day the page was told is the device's own (`page`'s ``own``)."""


@dataclass(frozen=True)
class MonthItem:
    """One pulled month: what a push's results are compared on, and its ``MonthState``."""

    month: str
    status: str
    epoch: int
    version: int
    json: str


@dataclass(frozen=True)
class Page:
    days: list[DayItem]
    """At most the limit asked, in cursor order (version, date)."""
    months: list[MonthItem]
    overwrites: list[str]
    """Each an ``Overwrite`` as JSON, by version."""


async def page(
    *,
    person_id: str,
    since: int,
    after: tuple[int, dt.date] | None,
    upto: int,
    limit: int,
    own: tuple[int, str] | None = None,
) -> Page:
    """Days changed after `since` (or after the `after` key) up to `upto`, at most `limit`,
    in cursor order; and the months and overwrites of (since, upto].

    Rows above `upto` belong to transactions not yet visible in the version reported, so they
    wait for the next pull; versions are assigned under the lock, so none is ever skipped.

    `own` is ``(version, client id)``: the days a push just wrote for this device, which its
    results already give it. They are still read (they count against the limit and move the
    cursor), but their JSON is not written (`DayItem.json` is None).
    """
    own_version, own_client = own if own is not None else (-1, "")
    # Without a key, "after (since, the last date)" is the same as "after since".
    after_version, after_date = after if after is not None else (since, dt.date.max)
    rows = await raw_sql.fetch(
        _PAGE,
        person_id,
        since,
        upto,
        after_version,
        after_date if raw_sql.is_postgres() else after_date.isoformat(),
        limit,
        own_version,
        own_client,
    )
    return _page(rows)


def _page(rows: Sequence[raw_sql.Row]) -> Page:
    days: list[DayItem] = []
    months: list[MonthItem] = []
    overwrites: list[str] = []
    for kind, _, key, version, tag, epoch, body in rows:
        if kind == 0:
            days.append(
                DayItem(str(key), int(version), str(tag), None if body is None else str(body))
            )
        elif kind == 1:
            months.append(MonthItem(str(key), str(tag), int(epoch), int(version), str(body)))
        else:
            overwrites.append(str(body))
    return Page(days=days, months=months, overwrites=overwrites)
