"""Hybrid logical clocks: encoding, parsing, tick, recv, clamp, and the laws of §4.1."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.hlc import (
    MAX_COUNTER,
    MAX_DRIFT_MS,
    MAX_NODE_LENGTH,
    MAX_WALL_MS,
    Hlc,
    InvalidClock,
    clamp,
    compare,
    recv,
    tick,
)

NOW = 1_795_000_000_000
NODE_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

nodes = st.text(alphabet=NODE_ALPHABET, min_size=1, max_size=MAX_NODE_LENGTH)
# Mostly a narrow window of walls and edge counters, so that ties and overflows are frequent.
walls = st.one_of(
    st.integers(min_value=NOW - 3, max_value=NOW + 3),
    st.integers(min_value=0, max_value=MAX_WALL_MS - 1000),
)
counters = st.one_of(
    st.sampled_from([0, 1, MAX_COUNTER - 1, MAX_COUNTER]),
    st.integers(min_value=0, max_value=MAX_COUNTER),
)
stamps = st.builds(Hlc, wall_ms=walls, counter=counters, node=nodes)


def test_encoding_is_fixed_width() -> None:
    """Make sure a stamp encodes as 13 digits, 4 digits and the node."""
    assert Hlc(wall_ms=1000, counter=2, node="a").encode() == "0000000001000:0002:a"
    assert Hlc(wall_ms=MAX_WALL_MS, counter=MAX_COUNTER, node="z").encode() == (
        "9999999999999:9999:z"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "123:0001:a",
        "00000000000123:0001:a",
        "0000000000123:001:a",
        "0000000000123:0001:",
        "0000000000123:0001",
        "0000000000123:0001:a:b",  # the node keeps "a:b" whole, and ":" is not a node character
        "0000000000123:0001:a b",
        "0000000000123:0001:é",
        "+000000000123:0001:a",
        "٠٠٠٠٠٠٠٠٠٠١٢٣:0001:a",  # digits, but not ASCII ones
        "0000000000123:0001:" + "x" * (MAX_NODE_LENGTH + 1),
    ],
)
def test_parse_rejects_malformed_stamps(text: str) -> None:
    """Make sure parse raises InvalidClock, code invalid_clock, on every malformed stamp."""
    with pytest.raises(InvalidClock) as caught:
        Hlc.parse(text)
    assert caught.value.code == "invalid_clock"


def test_parse_rejects_non_strings() -> None:
    """Make sure a JSON number or null where a stamp is expected is an invalid clock."""
    for value in (None, 1741080000123):
        with pytest.raises(InvalidClock):
            Hlc.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("wall_ms", "counter", "node"),
    [(-1, 0, "a"), (MAX_WALL_MS + 1, 0, "a"), (0, -1, "a"), (0, MAX_COUNTER + 1, "a"), (0, 0, "")],
)
def test_constructor_checks_ranges(wall_ms: int, counter: int, node: str) -> None:
    """Make sure a stamp that could not be encoded in fixed width is never built."""
    with pytest.raises(InvalidClock):
        Hlc(wall_ms=wall_ms, counter=counter, node=node)


def test_tick_examples() -> None:
    """Make sure tick starts at now, counts within a millisecond and follows the clock."""
    assert tick(local=None, now_ms=1000, node="a") == Hlc(1000, 0, "a")
    assert tick(local=Hlc(1000, 0, "a"), now_ms=999, node="a") == Hlc(1000, 1, "a")
    assert tick(local=Hlc(1000, 0, "a"), now_ms=1000, node="a") == Hlc(1000, 1, "a")
    assert tick(local=Hlc(1000, 5, "a"), now_ms=1001, node="a") == Hlc(1001, 0, "a")


def test_counter_overflow_borrows_the_next_millisecond() -> None:
    """Make sure counter 9999 + 1 becomes the next millisecond, counter 0, in tick and recv."""
    full = Hlc(1000, MAX_COUNTER, "a")
    assert tick(local=full, now_ms=1000, node="a") == Hlc(1001, 0, "a")
    assert recv(local=None, remote=full, now_ms=0, node="b") == Hlc(1001, 0, "b")
    with pytest.raises(InvalidClock):
        tick(local=Hlc(MAX_WALL_MS, MAX_COUNTER, "a"), now_ms=0, node="a")


def test_recv_examples() -> None:
    """Make sure recv takes the largest wall and counts from the stamps that share it."""
    assert recv(local=Hlc(1000, 2, "a"), remote=Hlc(1000, 7, "b"), now_ms=900, node="a") == Hlc(
        1000, 8, "a"
    )
    assert recv(local=Hlc(2000, 2, "a"), remote=Hlc(1000, 7, "b"), now_ms=900, node="a") == Hlc(
        2000, 3, "a"
    )
    assert recv(local=Hlc(1000, 2, "a"), remote=Hlc(2000, 7, "b"), now_ms=900, node="a") == Hlc(
        2000, 8, "a"
    )
    assert recv(local=Hlc(1000, 2, "a"), remote=Hlc(1500, 7, "b"), now_ms=3000, node="a") == Hlc(
        3000, 0, "a"
    )


def test_clamp_boundary() -> None:
    """Make sure exactly 5 minutes ahead is kept and one millisecond more is clamped."""
    kept = Hlc(NOW + MAX_DRIFT_MS, 3, "p")
    assert clamp(stamp=kept, now_ms=NOW) is kept
    assert clamp(stamp=Hlc(NOW + MAX_DRIFT_MS + 1, 3, "p"), now_ms=NOW) == Hlc(NOW, 0, "p")


def test_compare_examples() -> None:
    """Make sure compare orders by wall, then counter, then node, and rejects bad strings."""
    assert compare("0000000000999:0000:a", "0000000001000:0000:a") == -1
    assert compare("0000000001000:0003:z", "0000000001000:0004:a") == -1
    assert compare("0000000001000:0003:a", "0000000001000:0003:a-") == -1
    assert compare("0000000001000:0003:b", "0000000001000:0003:b") == 0
    assert compare("0000000001000:0003:b", "0000000001000:0003:a") == 1
    with pytest.raises(InvalidClock):
        compare("0000000001000:0003:b", "1000:3:b")


@given(start=st.one_of(st.none(), stamps), steps=st.lists(st.integers(-5, 5), max_size=40))
def test_tick_is_strictly_monotonic(start: Hlc | None, steps: list[int]) -> None:
    """Make sure every tick is above the previous stamp, whatever the clock does."""
    local = start
    now = NOW if start is None else start.wall_ms
    for step in steps:
        now = max(0, now + step)
        stamp = tick(local=local, now_ms=now, node="n")
        if local is not None:
            assert stamp > local
        assert stamp.wall_ms >= now
        local = stamp


@given(local=st.one_of(st.none(), stamps), remote=stamps, now=walls, node=nodes)
def test_recv_dominates_local_and_remote(
    local: Hlc | None, remote: Hlc, now: int, node: str
) -> None:
    """Make sure recv is above both inputs, not below now, and carries the receiving node."""
    merged = recv(local=local, remote=remote, now_ms=now, node=node)
    assert merged > remote
    if local is not None:
        assert merged > local
    assert merged.wall_ms >= now
    assert merged.node == node


@given(stamp=stamps)
def test_encode_parse_round_trip(stamp: Hlc) -> None:
    """Make sure parse(encode(stamp)) is the stamp, and the encoding has a fixed width."""
    text = stamp.encode()
    assert Hlc.parse(text) == stamp
    assert len(text) == 13 + 1 + 4 + 1 + len(stamp.node)


@given(a=stamps, b=stamps)
def test_string_order_is_tuple_order(a: Hlc, b: Hlc) -> None:
    """Make sure comparing encoded strings orders stamps as (wall_ms, counter, node)."""
    left, right = a.encode(), b.encode()
    expected = (a > b) - (a < b)
    assert (left > right) - (left < right) == expected
    assert compare(left, right) == expected
    key_a = (a.wall_ms, a.counter, a.node)
    key_b = (b.wall_ms, b.counter, b.node)
    assert (key_a > key_b) - (key_a < key_b) == expected


@given(
    wall=walls,
    counter=counters,
    node=nodes,
    offset=st.integers(min_value=-(10**9), max_value=10**11),
)
def test_string_order_holds_for_nearby_stamps(
    wall: int, counter: int, node: str, offset: int
) -> None:
    """Make sure string order holds for stamps that differ in one field only."""
    base = Hlc(wall, counter, node)
    others = [Hlc(min(max(wall + offset, 0), MAX_WALL_MS), counter, node)]
    others.append(Hlc(wall, (counter + 1) % (MAX_COUNTER + 1), node))
    others.append(Hlc(wall, counter, node + "-" if len(node) < MAX_NODE_LENGTH else node[:-1]))
    for other in others:
        left, right = base.encode(), other.encode()
        assert (left > right) - (left < right) == (base > other) - (base < other)


@given(stamp=stamps, now=walls, above=st.one_of(st.none(), stamps))
def test_clamp_only_moves_far_future_stamps(stamp: Hlc, now: int, above: Hlc | None) -> None:
    """Make sure clamp keeps stamps up to 5 minutes ahead, else re-stamps them at now, above
    the stored stamp, keeping the node."""
    clamped = clamp(stamp=stamp, now_ms=now, above=above)
    if stamp.wall_ms <= now + MAX_DRIFT_MS:
        assert clamped == stamp
    else:
        assert clamped.wall_ms >= now
        if above is None or above < Hlc(now, 0, stamp.node):
            assert clamped == Hlc(now, 0, stamp.node)
            assert clamped < stamp
        else:
            assert clamped > above
            assert clamped.wall_ms <= above.wall_ms + 1
    assert clamped.node == stamp.node
