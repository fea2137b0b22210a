"""Look-ups of the spreadsheet import (issue 14): which of a file's e-mails Carnet holds."""

from collections.abc import Iterable

from server.storage import tables as t

CHUNK = 500
"""E-mails per query: SQLite binds at most a few thousand parameters."""


async def emails_held(emails: Iterable[str]) -> dict[str, str]:
    """The organisation id of each e-mail Carnet already holds, among `emails`."""
    wanted = sorted(set(emails))
    held: dict[str, str] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await t.Person.select(t.Person.email, t.Person.organisation).where(
            t.Person.email.is_in(wanted[start : start + CHUNK])
        )
        held.update({row["email"]: str(row["organisation"]) for row in rows})
    return held
