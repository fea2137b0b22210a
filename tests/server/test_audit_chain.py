"""The audit hash chain (security.md §5): canonical JSON, appending, and naming the first break."""

import dataclasses
import datetime as dt
import hashlib
import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    NotCanonicalError,
    append,
    canonical_json,
    leaf_hash,
    verify_chain,
)

T0 = dt.datetime(2025, 3, 31, 17, 4, 5, tzinfo=dt.UTC)


def chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for i in range(n):
        entries.append(
            append(
                previous=entries[-1] if entries else None,
                at=T0 + dt.timedelta(minutes=i),
                actor=f"person:{i % 3}",
                event="day.edited" if i % 2 else "month.submitted",
                subject="timesheet:ts-1",
                body={"i": i, "comment": f"edit {i}", "half_days": [1, 2]},
            )
        )
    return entries


# --- canonical JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, False, None]}, b'{"a":[true,false,null],"b":1}'),
        ({"z": {"y": 2, "x": 1}}, b'{"z":{"x":1,"y":2}}'),
        ("café", '"café"'.encode()),
        ('a"b\\c\n\t\x01', b'"a\\"b\\\\c\\n\\t\\u0001"'),
        ((1, -2, 0), b"[1,-2,0]"),
        ({}, b"{}"),
        (2**53 - 1, b"9007199254740991"),
        # RFC 8785 §3.2.3: keys sort by UTF-16 code units, so U+1F600 (D83D...) < U+FB01.
        ({"\ufb01": 1, "\U0001f600": 2}, '{"\U0001f600":2,"\ufb01":1}'.encode()),
    ],
)
def test_canonical_json_is_sorted_compact_utf8(value: Any, expected: bytes) -> None:
    """Make sure canonical JSON sorts keys, drops whitespace and writes UTF-8 as JCS does."""
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (1.5, "floats"),
        ({"amount": 0.1}, "$.amount: floats"),
        ({"a": [1, 2.0]}, "$.a[1]: floats"),
        ({1: "x"}, "keys must be strings"),
        (2**53, "outside"),
        (-(2**53), "outside"),
        ({"s": {1, 2}}, "set is not a JSON value"),
        (b"bytes", "bytes is not a JSON value"),
        ("\ud800", "lone surrogate"),
    ],
)
def test_canonical_json_refuses_what_has_no_canonical_form(value: Any, fragment: str) -> None:
    """Make sure floats, huge integers, odd keys and non-JSON types are refused, saying where."""
    with pytest.raises(NotCanonicalError) as info:
        canonical_json(value)
    assert fragment in str(info.value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


# No deadline: nested values can take over 200 ms on a loaded machine (seen with -n 2).
@settings(deadline=None)
@given(json_values)
def test_canonical_json_round_trips_and_agrees_with_the_json_module(value: Any) -> None:
    """Make sure canonical bytes parse back to the value and are stable across re-encoding."""
    encoded = canonical_json(value)
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


# --- appending -----------------------------------------------------------------------------------


def test_append_starts_at_genesis_and_links_each_entry() -> None:
    """Make sure seq runs from 1 and each entry's prev_hash is the previous entry's hash."""
    entries = chain(4)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS_HASH == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert verify_chain(entries).ok


def test_append_hashes_the_rfc6962_leaf_into_the_chain() -> None:
    """Make sure hash = SHA-256(prev ‖ SHA-256(0x00 ‖ canonical fields)), computed by hand."""
    entry = append(
        previous=None,
        at=T0,
        actor="person:1",
        event="month.submitted",
        subject="timesheet:ts-1",
        body={"version": 3},
    )
    content = (
        b'{"actor":"person:1","at":"2025-03-31T17:04:05.000000Z","body":{"version":3},'
        b'"event":"month.submitted","seq":1,"subject":"timesheet:ts-1"}'
    )
    leaf = hashlib.sha256(b"\x00" + content).digest()
    assert entry.hash == hashlib.sha256(bytes(32) + leaf).hexdigest()
    assert (
        leaf_hash(
            seq=1,
            at=entry.at,
            actor="person:1",
            event=entry.event,
            subject=entry.subject,
            body={"version": 3},
        )
        == leaf
    )


def test_append_stores_time_in_utc() -> None:
    """Make sure an aware time in another zone is stored as the same instant in UTC."""
    paris = dt.timezone(dt.timedelta(hours=2))
    entry = append(
        previous=None,
        at=dt.datetime(2025, 4, 1, 9, 0, tzinfo=paris),
        actor="a",
        event="e",
        subject="s",
        body={},
    )
    assert entry.at == "2025-04-01T07:00:00.000000Z"


def test_append_refuses_naive_time_and_floats() -> None:
    """Make sure an ambiguous time or a float in the body never reaches the chain."""
    with pytest.raises(ValueError, match="timezone-aware"):
        append(
            previous=None, at=dt.datetime(2025, 1, 1), actor="a", event="e", subject="s", body={}
        )
    with pytest.raises(NotCanonicalError, match="floats"):
        append(previous=None, at=T0, actor="a", event="e", subject="s", body={"days": 1.5})


def test_append_keeps_its_own_copy_of_the_body() -> None:
    """Make sure mutating the caller's dict afterwards cannot alter a hashed entry."""
    body: dict[str, Any] = {"lines": [1]}
    entry = append(previous=None, at=T0, actor="a", event="e", subject="s", body=body)
    body["lines"].append(2)
    assert entry.body == {"lines": [1]}
    assert verify_chain([entry]).ok


# --- verification --------------------------------------------------------------------------------


def test_an_empty_chain_verifies() -> None:
    """Make sure an empty log is consistent (nothing to check)."""
    assert verify_chain([]) == verify_chain(iter([]))
    assert verify_chain([]).ok and verify_chain([]).checked == 0


def alter_body(entries: list[AuditEntry]) -> list[AuditEntry]:
    out = list(entries)
    out[2] = dataclasses.replace(out[2], body={**out[2].body, "comment": "forged"})
    return out


def alter_actor(entries: list[AuditEntry]) -> list[AuditEntry]:
    out = list(entries)
    out[3] = dataclasses.replace(out[3], actor="person:admin")
    return out


def alter_time(entries: list[AuditEntry]) -> list[AuditEntry]:
    out = list(entries)
    out[1] = dataclasses.replace(out[1], at="2025-03-31T17:05:06.000000Z")
    return out


def swap(entries: list[AuditEntry]) -> list[AuditEntry]:
    out = list(entries)
    out[2], out[3] = out[3], out[2]
    return out


def swap_and_renumber(entries: list[AuditEntry]) -> list[AuditEntry]:
    out = swap(entries)
    out[2] = dataclasses.replace(out[2], seq=3)
    out[3] = dataclasses.replace(out[3], seq=4)
    return out


def delete(entries: list[AuditEntry]) -> list[AuditEntry]:
    return entries[:2] + entries[3:]


def delete_and_renumber(entries: list[AuditEntry]) -> list[AuditEntry]:
    return entries[:2] + [dataclasses.replace(e, seq=e.seq - 1) for e in entries[3:]]


def insert_forged(entries: list[AuditEntry]) -> list[AuditEntry]:
    """A well-formed entry 3 appended after entry 2, the later entries renumbered."""
    forged = append(
        previous=entries[1],
        at=T0,
        actor="person:x",
        event="month.validated",
        subject="timesheet:ts-1",
        body={},
    )
    rest = [dataclasses.replace(e, seq=e.seq + 1) for e in entries[2:]]
    return [*entries[:2], forged, *rest]


def rehash_body(entries: list[AuditEntry]) -> list[AuditEntry]:
    """The body of entry 2 edited and its own hash recomputed: entry 3 no longer points to it."""
    out = list(entries)
    edited = append(
        previous=out[0],
        at=T0 + dt.timedelta(minutes=1),
        actor=out[1].actor,
        event=out[1].event,
        subject=out[1].subject,
        body={"forged": 1},
    )
    out[1] = edited
    return out


def float_body(entries: list[AuditEntry]) -> list[AuditEntry]:
    out = list(entries)
    out[4] = dataclasses.replace(out[4], body={"i": 4.0})
    return out


def bad_hash_text(entries: list[AuditEntry]) -> list[AuditEntry]:
    out = list(entries)
    out[0] = dataclasses.replace(out[0], hash=out[0].hash.upper())
    return out


def first_seq_not_one(entries: list[AuditEntry]) -> list[AuditEntry]:
    return entries[1:]


@pytest.mark.parametrize(
    ("tamper", "seq", "checked", "reason"),
    [
        (alter_body, 3, 2, "hash mismatch"),
        (alter_actor, 4, 3, "hash mismatch"),
        (alter_time, 2, 1, "hash mismatch"),
        (swap, 4, 2, "seq gap"),
        (swap_and_renumber, 3, 2, "prev_hash mismatch"),
        (delete, 4, 2, "seq gap"),
        (delete_and_renumber, 3, 2, "prev_hash mismatch"),
        (insert_forged, 4, 3, "prev_hash mismatch"),
        (rehash_body, 3, 2, "prev_hash mismatch"),
        (float_body, 5, 4, "hash mismatch"),
        (bad_hash_text, 1, 0, "hash mismatch"),
        (first_seq_not_one, 2, 0, "seq gap"),
    ],
)
def test_verify_chain_names_the_first_broken_entry(
    tamper: Any, seq: int, checked: int, reason: str
) -> None:
    """Make sure each kind of tampering is caught at the exact first broken seq, with its cause."""
    result = verify_chain(tamper(chain(6)))
    assert not result.ok
    assert (result.first_broken_seq, result.checked) == (seq, checked)
    assert result.reason is not None and result.reason.startswith(reason + ":")


def test_a_cut_tail_is_not_detected_without_an_outside_anchor() -> None:
    """Make sure the documented limit holds: dropping the last entries leaves a valid chain."""
    entries = chain(5)
    assert verify_chain(entries[:3]).ok
    assert verify_chain(entries[:3]).checked == 3
    assert entries[:3][-1].hash != entries[-1].hash  # what an anchored head would catch


# --- properties ----------------------------------------------------------------------------------

bodies = st.dictionaries(
    st.text(max_size=4),
    st.integers(min_value=-1000, max_value=1000) | st.text(max_size=6) | st.booleans(),
    max_size=3,
)


@st.composite
def chains(draw: st.DrawFn, min_size: int = 1) -> list[AuditEntry]:
    size = draw(st.integers(min_value=min_size, max_value=12))
    entries: list[AuditEntry] = []
    for _ in range(size):
        entries.append(
            append(
                previous=entries[-1] if entries else None,
                at=T0 + dt.timedelta(seconds=draw(st.integers(0, 10**6))),
                actor=draw(st.sampled_from(["person:a", "person:b", "system"])),
                event=draw(st.sampled_from(["day.edited", "month.submitted", "month.signed"])),
                subject="timesheet:" + draw(st.text("abc123", min_size=1, max_size=4)),
                body=draw(bodies),
            )
        )
    return entries


@given(chains())
def test_every_appended_chain_verifies(entries: list[AuditEntry]) -> None:
    """Make sure any chain built with append verifies in full."""
    assert verify_chain(entries) == dataclasses.replace(verify_chain([]), checked=len(entries))


FIELDS = ["seq", "at", "actor", "event", "subject", "body", "prev_hash", "hash"]


@settings(max_examples=300)
@given(chains(), st.data())
def test_any_single_field_change_is_caught_at_that_entry(
    entries: list[AuditEntry], data: st.DataObject
) -> None:
    """Make sure changing any one field of any one entry breaks the chain exactly there."""
    index = data.draw(st.integers(0, len(entries) - 1))
    name = data.draw(st.sampled_from(FIELDS))
    old = entries[index]
    new_value: Any = {
        "seq": old.seq + data.draw(st.sampled_from([-1, 1, 7])),
        "at": old.at.replace("Z", "+00:00"),
        "actor": old.actor + "'",
        "event": old.event + ".x",
        "subject": old.subject + "0",
        "body": {**old.body, "tampered": True},
        "prev_hash": hashlib.sha256(old.prev_hash.encode()).hexdigest(),
        "hash": hashlib.sha256(old.hash.encode()).hexdigest(),
    }[name]
    tampered = list(entries)
    tampered[index] = dataclasses.replace(old, **{name: new_value})
    result = verify_chain(tampered)
    assert not result.ok
    assert result.checked == index
    assert result.first_broken_seq == tampered[index].seq


@given(chains(min_size=2), st.data())
def test_any_deletion_or_move_is_caught_at_the_first_displaced_entry(
    entries: list[AuditEntry], data: st.DataObject
) -> None:
    """Make sure deleting or moving one entry (not the last) breaks the chain where it shifted."""
    index = data.draw(st.integers(0, len(entries) - 2))
    if data.draw(st.booleans()):
        tampered = entries[:index] + entries[index + 1 :]
    else:
        target = data.draw(st.integers(0, len(entries) - 1).filter(lambda t: t != index))
        tampered = list(entries)
        tampered.insert(target, tampered.pop(index))
    first = next(i for i, (a, b) in enumerate(zip(entries, tampered, strict=False)) if a != b)
    result = verify_chain(tampered)
    assert not result.ok
    assert result.checked == first
    assert result.first_broken_seq == tampered[first].seq
    assert result.reason is not None and result.reason.startswith("seq gap")
