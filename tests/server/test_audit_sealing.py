"""Audit entries of format 2: personal values sealed beside the chain (docs/privacy.md).

Pure: `server.domain.audit` only, no database.
"""

import datetime as dt

from server.domain import audit

AT = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
SALT = bytes(range(16))


def _chain() -> list[audit.AuditEntry]:
    first = audit.append(
        previous=None,
        at=AT,
        actor="a",
        event="month.sent_back",
        subject="timesheet:t",
        body={"month": "t", "data": {"comment": "Le 16 était à distance", "step": 0}},
    )
    second = audit.append(
        previous=first,
        at=AT,
        actor="a",
        event="person.deactivated",
        subject="person:p",
        body={"data": {"person": "p", "email": "alice@example.fr", "nested": [{"name": "A"}]}},
        salt=SALT,
    )
    return [first, second]


def test_a_format_2_entry_hashes_commitments_not_the_personal_values() -> None:
    """Make sure the stored body holds a commitment for each personal value at any depth,
    keeps the rest as it is, and carries the values apart with their salt."""
    _, sealed = _chain()
    data = sealed.body["data"]
    assert data["person"] == "p"
    assert set(data["email"]) == {audit.SEALED}
    assert set(data["nested"][0]["name"]) == {audit.SEALED}
    assert "alice@example.fr" not in audit.canonical_json(sealed.body).decode()
    assert sealed.personal == {"/data/email": "alice@example.fr", "/data/nested/0/name": "A"}
    assert sealed.salt == SALT


def test_values_come_back_while_kept_and_read_as_erased_afterwards() -> None:
    """Make sure unsealing gives each value back when its payload matches its commitment, and
    the erased marker once the payload is gone or does not match (a swapped value)."""
    _, sealed = _chain()
    back = audit.unseal(sealed.body, salt=sealed.salt, payload=sealed.personal)
    assert back["data"]["email"] == "alice@example.fr"
    assert back["data"]["nested"][0]["name"] == "A"
    gone = audit.unseal(sealed.body, salt=None, payload=None)
    assert gone["data"]["email"] == audit.ERASED
    swapped = audit.unseal(
        sealed.body, salt=SALT, payload={**(sealed.personal or {}), "/data/email": "bob@x.fr"}
    )
    assert swapped["data"]["email"] == audit.ERASED


def test_a_chain_of_both_formats_verifies_with_or_without_the_personal_values() -> None:
    """Make sure a chain mixing a format-1 entry (in clear) and a format-2 entry verifies as
    stored, the format-2 one needing nothing from its erased payload, and that editing a
    commitment still breaks the chain at that entry."""
    chain = _chain()
    assert audit.verify_chain(chain).ok
    erased = [chain[0], audit.AuditEntry(**{**chain[1].__dict__, "salt": None, "personal": None})]
    assert audit.verify_chain(erased).ok
    assert audit.holds_personal(chain[0].body) and not audit.holds_personal(chain[1].body)
    data = {**chain[1].body["data"], "email": {audit.SEALED: "0" * 64}}
    forged_body = {**chain[1].body, "data": data}
    forged = [chain[0], audit.AuditEntry(**{**chain[1].__dict__, "body": forged_body})]
    check = audit.verify_chain(forged)
    assert not check.ok and check.first_broken_seq == 2
