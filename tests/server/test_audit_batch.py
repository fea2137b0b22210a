"""The audit chain's batch append and fast canonical JSON equal the one-by-one definitions.

`audit.append_many` (a push's events) and the C encoder behind `canonical_json` are speed-ups
(issue 12): the entries and bytes they give must be exactly those of `audit.append` and of the
RFC 8785 serialiser they replace, or an exported chain would no longer verify elsewhere.
"""

import datetime as dt
import hashlib
import json
import random

import pytest

from server.domain import audit

AT = dt.datetime(2026, 11, 30, 17, 4, 5, 123456, tzinfo=dt.UTC)


def test_a_batch_chains_the_same_entries_as_one_by_one() -> None:
    """Make sure `append_many` gives each event the seq, stamp, body and hashes `append` gives."""
    events = [
        audit.Event(
            at=AT + dt.timedelta(seconds=i),
            actor=f"person-{i}",
            event="month.days_edited",
            subject=f"timesheet:{i}",
            body={"month": str(i), "device": None, "data": {"days": {"2026-11-02": [i, "é"]}}},
        )
        for i in range(5)
    ]
    previous = audit.append(
        previous=None, at=AT, actor="system", event="month.created", subject="s", body={}
    )
    links = audit.append_many(head_seq=previous.seq, head_hash=previous.hash, events=events)
    for link, event in zip(links, events, strict=True):
        entry = audit.append(
            previous=previous,
            at=event.at,
            actor=event.actor,
            event=event.event,
            subject=event.subject,
            body=event.body,
        )
        assert (link.seq, link.at, link.actor, link.event, link.subject) == (
            entry.seq,
            entry.at,
            entry.actor,
            entry.event,
            entry.subject,
        )
        assert link.body_json == audit.canonical_json(entry.body).decode()
        assert (link.prev_hash, link.hash) == (entry.prev_hash, entry.hash)
        previous = entry


def test_a_batch_refuses_what_append_refuses() -> None:
    """Make sure a float in a body is refused by the batch as by `append`."""
    event = audit.Event(at=AT, actor="a", event="e", subject="s", body={"amount": 1.5})
    with pytest.raises(audit.NotCanonicalError):
        audit.append_many(head_seq=0, head_hash=audit.GENESIS_HASH, events=[event])


def _value(rng: random.Random, depth: int = 0) -> object:
    choice = rng.randrange(8 if depth < 3 else 5)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.randrange(-(2**53) + 1, 2**53)
    if choice in (3, 4):
        alphabet = 'aZ09 "\\\n\t\x01é€\u2028\ue000\U0001f600'
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))
    if choice == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["a", "B", "é", "\ue000", "\U0001f600", "ab", ""]
    return {rng.choice(keys): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def test_fast_canonical_json_equals_the_serialiser_on_random_values() -> None:
    """Make sure the C-encoder path writes the same bytes as the RFC 8785 serialiser, keys
    above U+D800 (whose UTF-16 order differs) included."""
    rng = random.Random(12)
    for _ in range(3000):
        value = _value(rng)
        assert audit.canonical_json(value) == audit._serialise(value, "$").encode("utf-8")


@pytest.mark.parametrize(
    "value", [{"x": 1.0}, {"x": 2**53}, {"x": "\ud800"}, {1: "a"}, {"x": object()}]
)
def test_fast_canonical_json_still_refuses_what_has_no_canonical_form(value: object) -> None:
    """Make sure floats, unsafe integers, lone surrogates and non-string keys are refused."""
    with pytest.raises(audit.NotCanonicalError):
        audit.canonical_json(value)


def _seal_by_definition(body: dict[str, object], salt: bytes) -> tuple[object, dict[str, object]]:
    """`audit.seal` as first written: every value walked, every path written."""
    payload: dict[str, object] = {}

    def walk(value: object, path: str) -> object:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                where = f"{path}/{key}"
                if (
                    key in audit.PERSONAL_KEYS
                    and item not in (None, "")
                    and not (audit._is_sealed(item))
                ):
                    payload[where] = item
                    out[key] = {audit.SEALED: audit.commitment(salt=salt, path=where, value=item)}
                else:
                    out[key] = walk(item, where)
            return out
        if isinstance(value, list):
            return [walk(item, f"{path}/{i}") for i, item in enumerate(value)]
        return value

    return walk(body, ""), payload


def test_sealing_equals_its_definition_on_random_bodies() -> None:
    """Make sure the seal that walks only dicts and lists seals the same values at the same
    paths as walking every value, personal keys at any depth included."""
    rng = random.Random(7)
    keys = ["comment", "reason", "name", "days", "lines", "a", "é"]

    def nested(depth: int) -> object:
        if depth > 3 or rng.random() < 0.3:
            return _value(rng, 3)
        if rng.random() < 0.4:
            return [nested(depth + 1) for _ in range(rng.randrange(4))]
        return {rng.choice(keys): nested(depth + 1) for _ in range(rng.randrange(4))}

    for _ in range(2000):
        body = {rng.choice(keys): nested(0) for _ in range(3)}
        salt = rng.randbytes(16)
        assert audit.seal(body, salt=salt) == _seal_by_definition(body, salt)


@pytest.mark.parametrize("value", [[1.0], [[2**53]], ["a", {"x": 1.5}], ("\ud800",)])
def test_fast_canonical_json_refuses_what_hides_in_lists(value: object) -> None:
    """Make sure a float, an unsafe integer or a lone surrogate inside a list is refused."""
    with pytest.raises(audit.NotCanonicalError):
        audit.canonical_json(value)


def _varied_events() -> list[audit.Event]:
    rng = random.Random(2026)
    keys = [
        "comment",
        "reason",
        "email",
        "name",
        "days",
        "lines",
        "a",
        "é",
        "\ue000",
        "\U0001f600",
    ]
    keys.append("")
    leaves: list[object] = [None, True, False, 0, -7, 2**53 - 1, "", "sur site"]
    leaves.append('q"\\\n\t\x01é€\u2028\U0001f600')

    def nested(depth: int) -> object:
        r = rng.random()
        if depth > 3 or r < 0.3:
            return rng.choice(leaves)
        if r < 0.55:
            return [nested(depth + 1) for _ in range(rng.randrange(4))]
        return {rng.choice(keys): nested(depth + 1) for _ in range(rng.randrange(4))}

    events = []
    for i in range(60):
        body = {rng.choice(keys): nested(0) for _ in range(3)}
        if i % 5 == 0:
            body["comment"] = {"$sealed": "ab" * 32}
        events.append(
            audit.Event(
                at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
                + dt.timedelta(seconds=i, microseconds=i),
                actor=rng.choice(["system", "person:é", "p\U0001f600"]),
                event="month.days_edited",
                subject=f"timesheet:{i}",
                body=body,
                salt=None if i % 3 == 0 else bytes([i]) * 16,
            )
        )
    return events


def test_the_chain_hashes_the_bytes_it_always_hashed() -> None:
    """Make sure a faster canonical form or seal changes no byte that is hashed or stored: the
    hashes, stored bodies and sealed values of varied events (format 1 and 2, personal keys at
    any depth, non-ASCII keys and text, values already sealed) are those the chain computed
    before (pinned), so logs written then still verify."""
    links = audit.append_many(head_seq=0, head_hash=audit.GENESIS_HASH, events=_varied_events())
    digest = hashlib.sha256()
    for link in links:
        digest.update(
            json.dumps([link.hash, link.body_json, link.personal], sort_keys=True).encode()
        )
    assert links[-1].hash == "17ddea8773fc740739e1076a6eba6bb37260c877ac99de6f312e9c942b7200a2"
    assert digest.hexdigest() == "a55b20dfe99167a140a36f64cbf5f41741da21d65be86e4a5e393c416db887ea"
