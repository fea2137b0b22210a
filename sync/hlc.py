"""Hybrid logical clocks (Kulkarni et al., "Logical Physical Clocks", OPODIS 2014).

A stamp is ``(wall_ms, counter, node)``. Encoded as ``"%013d:%04d:%s"`` it is fixed width, so
plain string order (IndexedDB keys, SQL ``ORDER BY``, JavaScript ``<``) equals tuple order.
``tick`` stamps a local event; ``recv`` merges a stamp seen from elsewhere, so an edit made after
seeing a value beats it whatever the device's clock says (sync-protocol.md §2.6, §3.6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sync.errors import RuleError

WALL_DIGITS: Final = 13
COUNTER_DIGITS: Final = 4
MAX_WALL_MS: Final = 10**WALL_DIGITS - 1
MAX_COUNTER: Final = 10**COUNTER_DIGITS - 1
MAX_NODE_LENGTH: Final = 40
MAX_DRIFT_MS: Final = 5 * 60 * 1000
"""Stamps further than this ahead of the server's clock are clamped (harmony #7 poisoning)."""

_NODE: Final = re.compile(r"[A-Za-z0-9_-]+")
_STAMP: Final = re.compile(r"([0-9]{13}):([0-9]{4}):([A-Za-z0-9_-]{1,40})")
"""A well-formed stamp: WALL_DIGITS and COUNTER_DIGITS digits, a node `_check_node` accepts."""


class InvalidClock(RuleError):
    """A clock string that does not parse, or a node id that cannot be encoded."""

    code = "invalid_clock"


def _check_node(node: str) -> None:
    # One compiled match instead of a loop over the characters (every stamp is checked).
    if len(node) > MAX_NODE_LENGTH or _NODE.fullmatch(node) is None:
        msg = f"node id {node!r} must be 1-{MAX_NODE_LENGTH} characters of [A-Za-z0-9_-]"
        raise InvalidClock(msg)


@dataclass(frozen=True, order=True)
class Hlc:
    """One hybrid-logical-clock stamp; dataclass order is the clock order."""

    wall_ms: int
    counter: int
    node: str

    def __post_init__(self) -> None:
        if not 0 <= self.wall_ms <= MAX_WALL_MS or not 0 <= self.counter <= MAX_COUNTER:
            msg = f"clock ({self.wall_ms}, {self.counter}) is out of range"
            raise InvalidClock(msg)
        _check_node(self.node)

    def encode(self) -> str:
        # The widths written out (WALL_DIGITS, COUNTER_DIGITS): a nested width is formatted
        # anew on every call, and every stored day encodes its stamp.
        return f"{self.wall_ms:013d}:{self.counter:04d}:{self.node}"

    @classmethod
    def parse(cls, text: str) -> Hlc:
        """Parse ``"1741080000123:0002:node"``; raise InvalidClock naming the text."""
        found = _STAMP.fullmatch(text) if cls is Hlc and isinstance(text, str) else None
        if found is not None:
            # A well-formed stamp, the push path's case (one per day a device pushes), in one
            # match, then built as ``Hlc(wall_ms=..., counter=..., node=...)`` builds it at half
            # the cost: a frozen dataclass's __init__ sets each field through
            # object.__setattr__, this fills the new stamp's __dict__ in one call. The checks
            # of its __post_init__ hold already: 13 and 4 ASCII digits are within MAX_WALL_MS
            # and MAX_COUNTER, and the node matched what `_check_node` requires.
            wall, counter, node = found.groups()
            stamp = object.__new__(Hlc)
            stamp.__dict__.update(wall_ms=int(wall), counter=int(counter), node=node)
            return stamp
        # Anything else: parsed part by part, so that a refusal says what is wrong.
        parts = text.split(":", 2) if isinstance(text, str) else []
        if (
            len(parts) != 3
            or len(parts[0]) != WALL_DIGITS
            or len(parts[1]) != COUNTER_DIGITS
            or not (parts[0].isascii() and parts[0].isdigit())
            or not (parts[1].isascii() and parts[1].isdigit())
        ):
            msg = f"clock {text!r} is not WALLMS(13 digits):COUNTER(4 digits):NODE"
            raise InvalidClock(msg)
        return cls(wall_ms=int(parts[0]), counter=int(parts[1]), node=parts[2])


def _next(wall_ms: int, counter: int, node: str) -> Hlc:
    # A counter that would overflow its 4 digits borrows the next millisecond instead, so the
    # encoding stays fixed width and the clock stays strictly monotonic.
    if counter > MAX_COUNTER:
        return Hlc(wall_ms=wall_ms + 1, counter=0, node=node)
    return Hlc(wall_ms=wall_ms, counter=counter, node=node)


def tick(*, local: Hlc | None, now_ms: int, node: str) -> Hlc:
    """Stamp a local event: strictly greater than ``local``, close to ``now_ms``."""
    if local is None or now_ms > local.wall_ms:
        return Hlc(wall_ms=now_ms, counter=0, node=node)
    return _next(local.wall_ms, local.counter + 1, node)


def recv(*, local: Hlc | None, remote: Hlc, now_ms: int, node: str) -> Hlc:
    """Merge a stamp received from elsewhere: the result is greater than both inputs."""
    local_wall = -1 if local is None else local.wall_ms
    local_counter = -1 if local is None else local.counter
    wall = max(local_wall, remote.wall_ms, now_ms)
    if wall == local_wall and wall == remote.wall_ms:
        counter = max(local_counter, remote.counter) + 1
    elif wall == local_wall:
        counter = local_counter + 1
    elif wall == remote.wall_ms:
        counter = remote.counter + 1
    else:
        counter = 0
    return _next(wall, counter, node)


def clamp(
    *, stamp: Hlc, now_ms: int, above: Hlc | None = None, max_drift_ms: int = MAX_DRIFT_MS
) -> Hlc:
    """Re-stamp a stamp from a clock far in the future as an event happening now.

    Without this one phone set to 2030 would win every later edit on every device. The new
    stamp keeps the device's node and is strictly above ``above`` (the stored stamp of the day),
    so the device's own later edits, clamped in the same batch, still win in order
    (sync-protocol.md §3.4: re-stamp with the server's clock).
    """
    if stamp.wall_ms <= now_ms + max_drift_ms:
        return stamp
    candidate = Hlc(wall_ms=now_ms, counter=0, node=stamp.node)
    if above is not None and above >= candidate:
        return _next(above.wall_ms, above.counter + 1, stamp.node)
    return candidate


def compare(a: str, b: str) -> int:
    """Order two encoded stamps: -1, 0 or 1 (the same as comparing the strings)."""
    left, right = Hlc.parse(a), Hlc.parse(b)
    return (left > right) - (left < right)
