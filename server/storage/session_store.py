"""The session behind a request, with its person and roles, in one statement.

Every authenticated request resolves its cookie; reading the session, then the person, then
their roles cost three statements (three thread hops on SQLite, three round trips on
PostgreSQL) before the handler did anything (docs/benchmarks.md, issue 12). One join returns
all three: a row per role, or one row with no role for a person who holds none. Hand-written
SQL, kept here and tested on both engines (tests/server/test_session_store.py).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.sqlite import convert_datetime_in

from server.domain import model
from server.domain.roles import Role
from server.storage import raw_sql


@dataclass(frozen=True)
class StoredSession:
    """A session row with the person it belongs to (roles included), as one read returns it."""

    id: str
    last_seen_at: datetime
    expires_at: datetime
    person: model.Person


# "session" is a keyword to some SQL parsers; quoting it costs nothing on either engine.
_SELECT = (
    "SELECT s.id AS session_id, s.last_seen_at, s.expires_at, "
    "p.id AS person_id, p.organisation, p.email, p.display_name, p.manager, "
    "p.client_company, p.active, p.webauthn_user_handle, r.role "
    'FROM "session" s '
    "JOIN person p ON p.id = s.person "
    "LEFT JOIN person_role r ON r.person = p.id "
    "WHERE s.token_hash = "
)
# Sent straight to the driver (server/storage/raw_sql.py): this runs on every request.
_SESSION_WITH_PERSON = raw_sql.Statement(sqlite=_SELECT + "?", postgres=_SELECT + "$1")


def _bool(value: Any) -> bool:
    # SQLite hands a raw query's BOOLEAN back as 0/1 (or text through some drivers).
    if isinstance(value, str):
        return value.lower() in {"1", "true", "t"}
    return bool(value)


async def session_with_person(token_hash: str) -> StoredSession | None:
    """The session stored under ``token_hash`` and its person with their roles, or None.

    Expiry and the person's active flag are returned, not judged: the policy (idle timeout,
    maximum age, deactivation) stays in `server/services/accounts.py`.
    """
    rows = await raw_sql.fetch(_SESSION_WITH_PERSON, token_hash)
    if not rows:
        return None
    (
        session_id,
        last_seen_at,
        expires_at,
        person_id,
        organisation,
        email,
        display_name,
        manager,
        client_company,
        active,
        user_handle,
        _,
    ) = rows[0]
    roles = frozenset(Role(row[11]) for row in rows if row[11] is not None)
    person = model.Person(
        id=str(person_id),
        organisation_id=str(organisation),
        email=email,
        display_name=display_name,
        roles=roles,
        manager_id=None if manager is None else str(manager),
        client_company_id=None if client_company is None else str(client_company),
        active=_bool(active),
        webauthn_user_handle=bytes(user_handle or b""),
    )
    return StoredSession(
        id=str(session_id),
        last_seen_at=_timestamp(last_seen_at),
        expires_at=_timestamp(expires_at),
        person=person,
    )


def _timestamp(value: Any) -> datetime:
    # Piccolo's SQLite engine converts TIMESTAMPTZ columns on read; a raw join keeps the
    # declared type, but parse text anyway rather than compare a string with a datetime.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


# Never moves a session's last-seen time back: another server process may have written a later
# one since this process noted its own.
# The alias keeps the quoted table name away from SET: tests/server/test_pool_reset.py reads a
# quote before SET as a session variable being set.
_TOUCH = 'UPDATE "session" AS s SET last_seen_at = {t} WHERE s.id = {id} AND s.last_seen_at < {t}'
_TOUCH_SESSION = raw_sql.Statement(
    sqlite=_TOUCH.format(t="?1", id="?2"), postgres=_TOUCH.format(t="$1", id="$2")
)


async def touch_sessions(seen: Sequence[tuple[str, datetime]]) -> None:
    """Move each session's last-seen time forward to the time given, in one transaction."""
    if raw_sql.is_postgres():
        rows: list[tuple[Any, ...]] = [(at, uuid.UUID(sid)) for sid, at in seen]
    else:
        rows = [(convert_datetime_in(at), sid) for sid, at in seen]
    await raw_sql.execute_many(_TOUCH_SESSION, rows)
