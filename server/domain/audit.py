"""A tamper-evident audit trail: a hash chain over canonical JSON entries (security.md §5).

Each entry commits to the previous one: ``leaf = SHA-256(0x00 ‖ canonical(entry))`` with the
RFC 6962 §2.1 leaf domain-separation byte, then ``hash = SHA-256(prev_hash ‖ leaf)``. Editing,
removing, inserting or reordering a stored entry breaks the chain at that entry, and
``verify_chain`` names it.

A chain kept in the operator's own database only proves integrity relative to a head anchored
elsewhere (a signed checkpoint, a receipt): whoever can rewrite every row can rebuild a valid
chain, and dropping entries from the tail leaves a shorter valid chain.

Pure: no clock, no randomness, no I/O; time comes in as a parameter.
"""

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sync.wire import MAX_SAFE_INTEGER

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first entry (seq 1)."""

LEAF_PREFIX = b"\x00"
"""RFC 6962 §2.1 domain separation: leaves hash as SHA-256(0x00 ‖ data)."""


_HEX64 = re.compile(r"[0-9a-f]{64}")


class NotCanonicalError(ValueError):
    """A value has no canonical JSON form (a float, a non-string key, an unknown type...)."""


def canonical_json(value: Any) -> bytes:
    """Serialise a JSON value to its canonical bytes.

    Follows RFC 8785 (JSON Canonicalization Scheme) restricted to integers: object keys sorted
    by UTF-16 code units (§3.2.3), no insignificant whitespace, strings escaped as ECMAScript
    does (§3.2.2.2), UTF-8 output (§3.2.4). Floats are refused outright rather than formatted,
    so that no amount ever goes through binary floating point; integers must stay within the
    I-JSON safe range (RFC 7493 §2.2) so that any JCS implementation reads them back exactly.

    Args:
        value: None, bool, int, str, list or tuple, or dict with str keys, nested freely.

    Returns:
        The canonical UTF-8 bytes.

    Raises:
        NotCanonicalError: If the value holds a float, an out-of-range integer, a non-string
            key, a lone surrogate or any other type.
    """
    if _plain(value):
        # The C encoder writes exactly what `_serialise` writes for these values (keys sorted
        # by code point equal UTF-16 order below U+D800; strings escaped alike); a lone
        # surrogate fails the encoding and takes the slow path, which names where it is.
        try:
            return _dumps(value).encode("utf-8")
        except UnicodeEncodeError:
            pass
    return _serialise(value, "$").encode("utf-8")


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not a JSON value")


_DUMPS_SLOW = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODER = (
    None
    if _MAKE_ENCODER is None
    # What `JSONEncoder.encode` builds on every call, built once: the same C encoder (no
    # indent, ":" and ",", keys sorted). No cycle markers: `_plain` has walked the value first.
    else _MAKE_ENCODER(
        None, _refuse, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
)


def _dumps(value: Any) -> str:
    """The C encoder's JSON of a plain value (`_plain`), as ``json.dumps(value,
    ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` writes it."""
    if type(value) is str:
        return json.encoder.encode_basestring(value)
    if _C_ENCODER is None:
        return _DUMPS_SLOW(value)
    return "".join(_C_ENCODER(value, 0))


def _plain(value: Any) -> bool:
    """Whether ``value`` holds only exact JSON types whose canonical form the C encoder writes:
    no float, no subclass (an enum), integers in the safe range, string keys below U+D800 (where
    code point order and UTF-16 order agree). Anything else goes through `_serialise`."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (not key.isascii() and max(key) >= "\ud800"):
                return False
            # Strings and integers, the commonest leaves, are judged here rather than by a
            # call each (and in a loop: a generator per container cost more than the judging).
            kind = type(item)
            if kind is str:
                continue
            if kind is int:
                if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    continue
                return False
            if not _plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            kind = type(item)
            if kind is str:
                continue
            if kind is int:
                if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                    continue
                return False
            if not _plain(item):
                return False
        return True
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return bool(-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    return False


def _serialise(value: Any, path: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        msg = f"{path}: floats have no canonical form here, use an integer (got {value!r})"
        raise NotCanonicalError(msg)
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            msg = f"{path}: integer {value} is outside ±(2**53 - 1) (RFC 7493 §2.2)"
            raise NotCanonicalError(msg)
        return str(int(value))
    if isinstance(value, str):
        return _string(value, path)
    if isinstance(value, list | tuple):
        items = (_serialise(item, f"{path}[{i}]") for i, item in enumerate(value))
        return "[" + ",".join(items) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                msg = f"{path}: object keys must be strings (got {key!r})"
                raise NotCanonicalError(msg)
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        members = (
            _string(k, f"{path}.{k}") + ":" + _serialise(value[k], f"{path}.{k}") for k in keys
        )
        return "{" + ",".join(members) + "}"
    msg = f"{path}: {type(value).__name__} is not a JSON value"
    raise NotCanonicalError(msg)


def _string(text: str, path: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        msg = f"{path}: string holds a lone surrogate"
        raise NotCanonicalError(msg) from exc
    # Python escapes exactly what ECMAScript JSON.stringify escapes once ensure_ascii is off.
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain.

    Attributes:
        seq: Position in the chain, gapless from 1.
        at: When it happened, ISO 8601 in UTC with a ``Z`` suffix.
        actor: Who did it (a person id, ``"system"``...).
        event: What happened, e.g. ``"month.submitted"``.
        subject: What it happened to, e.g. ``"timesheet:<id>"``.
        body: Event details, a JSON object exactly as hashed (integers only).
        prev_hash: ``hash`` of the previous entry, lowercase hex; ``GENESIS_HASH`` for seq 1.
        hash: ``SHA-256(prev_hash ‖ leaf_hash)``, lowercase hex.
    """

    seq: int
    at: str
    actor: str
    event: str
    subject: str
    body: dict[str, Any]
    prev_hash: str
    hash: str
    salt: bytes | None = field(default=None, compare=False)
    personal: dict[str, Any] | None = field(default=None, compare=False)


# -- personal values kept out of the hashed entry (format 2, docs/privacy.md) ------------------

PERSONAL_KEYS = frozenset(
    {"comment", "reason", "email", "sent_to", "device_name", "display_name", "name", "address"}
)
"""Keys whose values in an entry's body are personal data (free text, e-mail addresses, names).

From format 2 on, each such value is replaced in the hashed body by a salted commitment and
kept beside the chain, so that erasing a person (RGPD art. 17) deletes the value and its salt
while every entry still hashes to what the chain recorded."""

SEALED = "$sealed"
"""The one key of the object that stands for a sealed value: ``{"$sealed": "<hex>"}``."""

ERASED = ""
"""What a sealed value reads as once its payload was erased."""

_COMMIT_PREFIX = b"carnet-audit-personal/1\x00"
_ENCODE_STR = json.encoder.encode_basestring


def commitment(*, salt: bytes, path: str, value: Any) -> str:
    """The salted hash that stands for a personal value in a format-2 entry.

    ``SHA-256("carnet-audit-personal/1" 0x00 ‖ salt ‖ canonical([path, value]))``: without the
    entry's random salt (16 bytes, erased with the value) nobody can test a guess (an e-mail
    address, a name) against the chain, so the entry no longer relates to an identifiable person
    (RGPD recital 26), yet the hash chain is unchanged.
    """
    if type(value) is str and type(path) is str:
        # ``canonical_json([path, value])`` of two strings, written without its walk: what the
        # C encoder writes for such a list (a lone surrogate fails the encoding and takes the
        # slow path, which refuses it).
        try:
            data = f"[{_ENCODE_STR(path)},{_ENCODE_STR(value)}]".encode()
        except UnicodeEncodeError:
            data = canonical_json([path, value])
    else:
        data = canonical_json([path, value])
    return hashlib.sha256(_COMMIT_PREFIX + salt + data).hexdigest()


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


_CONTAINERS = (dict, list)
"""What `seal` walks into (a tuple: `isinstance` with ``dict | list`` is slower)."""


def seal(body: dict[str, Any], *, salt: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Replace the body's personal values (``PERSONAL_KEYS``, at any depth) by commitments.

    Args:
        body: A canonical JSON object.
        salt: Random bytes drawn for this entry.

    Returns:
        The body to hash and store, and the payload ``{path: value}`` kept apart (empty when
        the body holds nothing personal; null and empty values are left in place).
    """
    payload: dict[str, Any] = {}

    # Only dicts and lists are walked, and a dict or list is copied only when something in it
    # was sealed: a month's days-edited body is mostly lines, which are kept as they are (a push
    # seals one value per commented day). Where a value sits is kept as linked pairs
    # ``(parent, key)``, cheaper to extend than a tuple, and written out only when it is sealed.
    def walk_dict(value: dict[Any, Any], keys: Any) -> dict[Any, Any]:
        out = None
        for key, item in value.items():
            if key in PERSONAL_KEYS and item not in (None, "") and not _is_sealed(item):
                where = _where((keys, key))
                payload[where] = item
                new: Any = {SEALED: commitment(salt=salt, path=where, value=item)}
            elif isinstance(item, dict):
                new = walk_dict(item, (keys, key))
                if new is item:
                    continue
            elif isinstance(item, list):
                new = walk_list(item, (keys, key))
                if new is item:
                    continue
            else:
                continue
            if out is None:
                out = dict(value)
            out[key] = new
        return value if out is None else out

    def walk_list(value: list[Any], keys: Any) -> list[Any]:
        copy = None
        for i, item in enumerate(value):
            if isinstance(item, dict):
                new: Any = walk_dict(item, (keys, i))
            elif isinstance(item, list):
                # A list of scalars (a day's line) holds nothing to seal: not walked.
                for sub in item:
                    if isinstance(sub, _CONTAINERS):
                        break
                else:
                    continue
                new = walk_list(item, (keys, i))
            else:
                continue
            if new is not item:
                if copy is None:
                    copy = list(value)
                copy[i] = new
        return value if copy is None else copy

    sealed: Any = body
    if isinstance(body, dict):
        sealed = walk_dict(body, ())
    elif isinstance(body, list):
        sealed = walk_list(body, ())
    return sealed, payload


def _where(keys: Any) -> str:
    """The path ``/k1/k2/...`` of linked pairs ``((((), k1), k2), ...)``."""
    parts = []
    while keys:
        keys, key = keys
        parts.append(f"/{key}")
    parts.reverse()
    return "".join(parts)


def unseal(
    body: dict[str, Any], *, salt: bytes | None, payload: dict[str, Any] | None
) -> dict[str, Any]:
    """The body as recorded, each sealed value given back when its payload is still kept and
    matches its commitment, or ``ERASED`` once erased."""

    def walk(value: Any, path: str) -> Any:
        if _is_sealed(value):
            if salt is not None and payload is not None and path in payload:
                kept = payload[path]
                if commitment(salt=salt, path=path, value=kept) == value[SEALED]:
                    return kept
            return ERASED
        if isinstance(value, dict):
            return {k: walk(v, f"{path}/{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item, f"{path}/{i}") for i, item in enumerate(value)]
        return value

    result: dict[str, Any] = walk(body, "")
    return result


def holds_personal(body: Any) -> bool:
    """Whether a body holds a personal value in clear (a format-1 entry recorded before
    sealing, which the append-only chain can no longer change)."""
    if isinstance(body, dict):
        return any(
            (k in PERSONAL_KEYS and v not in (None, "") and not _is_sealed(v)) or holds_personal(v)
            for k, v in body.items()
        )
    if isinstance(body, list):
        return any(holds_personal(item) for item in body)
    return False


def leaf_hash(*, seq: int, at: str, actor: str, event: str, subject: str, body: Any) -> bytes:
    """Hash an entry's content as a Merkle leaf (RFC 6962 §2.1: SHA-256(0x00 ‖ data)).

    Args:
        seq: The entry's position.
        at: The entry's UTC timestamp string.
        actor: Who.
        event: What.
        subject: On what.
        body: Details.

    Returns:
        The 32-byte leaf hash of the canonical JSON of those fields.

    Raises:
        NotCanonicalError: If a field has no canonical JSON form.
    """
    content = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "event": event,
        "subject": subject,
        "body": body,
    }
    return hashlib.sha256(LEAF_PREFIX + canonical_json(content)).digest()


def chain_hash(*, prev_hash: str, leaf: bytes) -> str:
    """Link a leaf to the chain: ``SHA-256(bytes(prev_hash) ‖ leaf)`` (security.md §5).

    Args:
        prev_hash: The previous entry's hash, 64 lowercase hex digits.
        leaf: This entry's ``leaf_hash``.

    Returns:
        The entry's hash, lowercase hex.
    """
    return hashlib.sha256(bytes.fromhex(prev_hash) + leaf).hexdigest()


def utc_stamp(*, at: dt.datetime) -> str:
    """Format an aware datetime as the chain stores it: ISO 8601, UTC, microseconds, ``Z``.

    Args:
        at: A timezone-aware datetime.

    Returns:
        E.g. ``"2025-03-31T17:04:05.000000Z"``.

    Raises:
        ValueError: If ``at`` is naive (its instant would be ambiguous).
    """
    if at.tzinfo is None or at.utcoffset() is None:
        msg = "audit time must be timezone-aware"
        raise ValueError(msg)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    *,
    previous: AuditEntry | None,
    at: dt.datetime,
    actor: str,
    event: str,
    subject: str,
    body: dict[str, Any],
    salt: bytes | None = None,
) -> AuditEntry:
    """Build the entry that follows ``previous`` (or the first one when it is None).

    The stored body is a fresh copy read back from its canonical bytes, so it is exactly what
    was hashed and later changes to the caller's dict cannot reach it.

    With a ``salt`` (format 2), personal values are sealed first (``seal``): the entry hashes
    the commitments and carries the values in ``personal``, to be stored apart.

    Args:
        previous: The current head of the chain, or None for an empty chain.
        at: When the event happened (timezone-aware; stored in UTC).
        actor: Who did it.
        event: What happened, e.g. ``"month.submitted"``.
        subject: What it happened to, e.g. ``"timesheet:<id>"``.
        body: Event details (a JSON object of integers, strings, booleans, null, lists, objects).
        salt: Random bytes for this entry's commitments; None writes format 1 (in clear).

    Returns:
        The new head, with ``seq = previous.seq + 1`` and ``prev_hash = previous.hash``.

    Raises:
        NotCanonicalError: If the body holds a float or any value without canonical form.
        ValueError: If ``at`` is naive.
    """
    if not isinstance(body, dict):
        msg = f"audit body must be a JSON object (got {type(body).__name__})"
        raise NotCanonicalError(msg)
    seq = 1 if previous is None else previous.seq + 1
    prev_hash = GENESIS_HASH if previous is None else previous.hash
    stamp = utc_stamp(at=at)
    stored_body: dict[str, Any] = json.loads(canonical_json(body))
    personal: dict[str, Any] | None = None
    if salt is not None:
        stored_body, personal = seal(stored_body, salt=salt)
    leaf = leaf_hash(
        seq=seq, at=stamp, actor=actor, event=event, subject=subject, body=stored_body
    )
    return AuditEntry(
        seq=seq,
        at=stamp,
        actor=actor,
        event=event,
        subject=subject,
        body=stored_body,
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash=prev_hash, leaf=leaf),
        salt=salt if personal else None,
        personal=personal or None,
    )


@dataclass(frozen=True)
class Link:
    """An entry appended by `append_many`: its fields, with the body as the canonical JSON text
    that was hashed (what storage keeps), so nothing is serialised twice."""

    seq: int
    at: str
    actor: str
    event: str
    subject: str
    body_json: str
    prev_hash: str
    hash: str
    salt: bytes | None = None
    personal: dict[str, Any] | None = None


@dataclass(frozen=True)
class Event:
    """One event to append: when, who, what, on what, and its body (a JSON object)."""

    at: dt.datetime
    actor: str
    event: str
    subject: str
    body: dict[str, Any]
    salt: bytes | None = None
    """With a salt (format 2), personal values are sealed as `append` seals them."""


def append_many(*, head_seq: int, head_hash: str, events: Iterable[Event]) -> list[Link]:
    """Chain ``events`` in order after the head (``head_seq`` 0 and ``GENESIS_HASH`` for an
    empty chain): the same entries as `append` one by one, each body canonicalised once.

    The leaf is the canonical JSON of ``{actor, at, body, event, seq, subject}``; canonical JSON
    is written member by member in key order, so it is assembled here from the members' own
    canonical forms (the keys' order is fixed: all six are ASCII).

    Raises:
        NotCanonicalError: If a body holds a value without canonical form.
        ValueError: If a time is naive.
    """
    links = []
    seq, prev_hash = head_seq, head_hash
    for item in events:
        if not isinstance(item.body, dict):
            msg = f"audit body must be a JSON object (got {type(item.body).__name__})"
            raise NotCanonicalError(msg)
        seq += 1
        stamp = utc_stamp(at=item.at)
        personal: dict[str, Any] | None = None
        if item.salt is None:
            body = canonical_json(item.body)
        else:
            sealed, payload = seal(item.body, salt=item.salt)
            body = canonical_json(sealed)
            personal = payload or None
        content = _leaf_content(
            actor=item.actor, at=stamp, body=body, event=item.event, seq=seq, subject=item.subject
        )
        leaf = hashlib.sha256(LEAF_PREFIX + content).digest()
        link_hash = chain_hash(prev_hash=prev_hash, leaf=leaf)
        links.append(
            Link(
                seq=seq,
                at=stamp,
                actor=item.actor,
                event=item.event,
                subject=item.subject,
                body_json=body.decode("utf-8"),
                prev_hash=prev_hash,
                hash=link_hash,
                salt=item.salt if personal else None,
                personal=personal,
            )
        )
        prev_hash = link_hash
    return links


def _leaf_content(
    *, actor: str, at: str, body: bytes, event: str, seq: int, subject: str
) -> bytes:
    """The canonical JSON of ``{actor, at, body, event, seq, subject}`` from the body's own
    canonical bytes, members in key order (all six keys are ASCII)."""
    # Exact strings and a safe integer: each member as `canonical_json` writes it, without its
    # walk; a lone surrogate fails the encoding and takes the path below, which refuses it.
    if (
        type(actor) is str
        and type(at) is str
        and type(event) is str
        and type(subject) is str
        and type(seq) is int
        and -MAX_SAFE_INTEGER <= seq <= MAX_SAFE_INTEGER
    ):
        try:
            head = f'{{"actor":{_ENCODE_STR(actor)},"at":{_ENCODE_STR(at)},"body":'
            tail = f',"event":{_ENCODE_STR(event)},"seq":{seq},"subject":{_ENCODE_STR(subject)}}}'
            return head.encode() + body + tail.encode()
        except UnicodeEncodeError:
            pass
    return b"".join(
        (
            b'{"actor":',
            canonical_json(actor),
            b',"at":',
            canonical_json(at),
            b',"body":',
            body,
            b',"event":',
            canonical_json(event),
            b',"seq":',
            canonical_json(seq),
            b',"subject":',
            canonical_json(subject),
            b"}",
        )
    )


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of ``verify_chain``.

    Attributes:
        ok: True when every entry links correctly.
        checked: How many entries were found intact before the first broken one (all when ok).
        first_broken_seq: The stored ``seq`` of the first broken entry, or None when ok.
        reason: Why it is broken, starting with ``"seq gap"``, ``"prev_hash mismatch"`` or
            ``"hash mismatch"``; None when ok.
    """

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


def verify_chain(entries: Iterable[AuditEntry]) -> ChainCheck:
    """Recompute the chain in order and name the first entry that does not fit.

    For each entry, in this order: its ``seq`` must be the next one (1 for the first), its
    ``prev_hash`` must equal the previous entry's ``hash`` (``GENESIS_HASH`` for the first),
    and its ``hash`` must equal ``SHA-256(prev_hash ‖ leaf_hash(entry))`` (RFC 6962 §2.1 leaf).

    An empty chain, or a chain whose tail was cut off, verifies: compare the head with an
    anchor kept outside the database to detect truncation.

    Args:
        entries: The stored entries, in ``seq`` order as read.

    Returns:
        The verdict, naming the first broken entry and why.
    """
    expected_seq = 1
    expected_prev = GENESIS_HASH
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            reason = f"seq gap: expected seq {expected_seq}, found {entry.seq}"
            return ChainCheck(ok=False, checked=checked, first_broken_seq=entry.seq, reason=reason)
        if entry.prev_hash != expected_prev:
            reason = (
                f"prev_hash mismatch: entry {entry.seq} points to {entry.prev_hash!r}, "
                f"previous hash is {expected_prev!r}"
            )
            return ChainCheck(ok=False, checked=checked, first_broken_seq=entry.seq, reason=reason)
        try:
            leaf = leaf_hash(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                event=entry.event,
                subject=entry.subject,
                body=entry.body,
            )
        except NotCanonicalError as exc:
            reason = f"hash mismatch: entry {entry.seq} cannot be canonicalised ({exc})"
            return ChainCheck(ok=False, checked=checked, first_broken_seq=entry.seq, reason=reason)
        recomputed = chain_hash(prev_hash=entry.prev_hash, leaf=leaf)
        if not _HEX64.fullmatch(entry.hash) or entry.hash != recomputed:
            reason = (
                f"hash mismatch: entry {entry.seq} stores {entry.hash!r}, "
                f"its content hashes to {recomputed!r}"
            )
            return ChainCheck(ok=False, checked=checked, first_broken_seq=entry.seq, reason=reason)
        checked += 1
        expected_seq += 1
        expected_prev = entry.hash
    return ChainCheck(ok=True, checked=checked)


ANCHOR_SCHEME = "carnet-audit-anchor/1"


def anchor_statement(*, organisation_id: str, seq: int, head_hash: str) -> bytes:
    """The bytes an RFC 3161 token over a chain head covers (canonical JSON).

    ``{"scheme": "carnet-audit-anchor/1", "organisation": id, "seq": n, "hash": hex}``: a
    timestamping authority saw this head at its ``genTime``. A chain that no longer holds an
    entry ``seq`` with that ``hash`` was cut or rewritten after the anchor.
    """
    return canonical_json(
        {"scheme": ANCHOR_SCHEME, "organisation": organisation_id, "seq": seq, "hash": head_hash}
    )


def check_anchor(entries: list[AuditEntry], *, seq: int, head_hash: str) -> str | None:
    """Why the chain does not reach an anchored head, or None when it does.

    Args:
        entries: The chain as stored, in seq order (already checked by ``verify_chain``).
        seq: The anchored head's position.
        head_hash: Its hash.
    """
    if len(entries) < seq:
        return (
            f"truncated: the chain ends at seq {len(entries)} but seq {seq} was anchored "
            f"(entries cut from the end)"
        )
    if entries[seq - 1].hash != head_hash:
        return f"rewritten: entry seq {seq} is not the anchored one"
    return None
