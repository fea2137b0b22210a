// Property-style loops over pwa/js/core/hlc.js with a seeded PRNG: the HLC laws of
// sync-protocol.md §4.1 (tick strictly monotonic, recv greater than both inputs, string order
// equals tuple order). Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_COUNTER,
  MAX_DRIFT_MS,
  clamp,
  compare,
  compareHlc,
  encodeHlc,
  makeHlc,
  parseHlc,
  recv,
  tick,
} from "../../pwa/js/core/hlc.js";

const SEED = 20261116;
const RUNS = 2000;
const NOW = 1_795_000_000_000;
const NODES = ["a", "a-", "aB", "Z", "_", "0", "phone", "laptop", "x".repeat(40)];

/** mulberry32: a small deterministic PRNG, so a failure is reproducible from its seed. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generators(seed) {
  const random = prng(seed);
  const int = (low, high) => low + Math.floor(random() * (high - low + 1));
  const pick = (items) => items[int(0, items.length - 1)];
  // Walls from a narrow window and counters near the edges, so ties and overflows are frequent.
  const wall = () => NOW + int(-3, 3);
  const counter = () => pick([0, 1, 2, int(0, MAX_COUNTER), MAX_COUNTER - 1, MAX_COUNTER]);
  const stamp = () => makeHlc(wall(), counter(), pick(NODES));
  return { random, int, pick, wall, counter, stamp };
}

const sign = (value) => (value > 0 ? 1 : value < 0 ? -1 : 0);

test("tick is strictly monotonic, whatever the clock does", () => {
  const g = generators(SEED);
  for (let run = 0; run < 200; run += 1) {
    const node = g.pick(NODES);
    let local = g.random() < 0.2 ? null : g.stamp();
    let now = NOW;
    for (let step = 0; step < 50; step += 1) {
      now += g.int(-5, 5); // a clock that jumps back and forth
      const next = tick({ local, nowMs: now, node });
      if (local !== null) {
        assert.equal(
          compareHlc(next, local),
          1,
          `tick(${encodeHlc(local)}, now=${now}) = ${encodeHlc(next)}`,
        );
        assert.ok(encodeHlc(next) > encodeHlc(local), "string order follows");
      }
      assert.ok(next.wall_ms >= now || (local !== null && next.wall_ms >= local.wall_ms));
      local = next;
    }
  }
});

test("tick borrows the next millisecond when the counter overflows", () => {
  const next = tick({ local: makeHlc(NOW, MAX_COUNTER, "a"), nowMs: NOW, node: "a" });
  assert.equal(encodeHlc(next), `${NOW + 1}:0000:a`);
});

test("recv is greater than both the local and the remote stamp", () => {
  const g = generators(SEED + 1);
  for (let run = 0; run < RUNS; run += 1) {
    const local = g.random() < 0.1 ? null : g.stamp();
    const remote = g.stamp();
    const now = g.wall();
    const node = g.pick(NODES);
    const merged = recv({ local, remote, nowMs: now, node });
    const context = `recv(${local && encodeHlc(local)}, ${encodeHlc(remote)}, now=${now}) = ${encodeHlc(merged)}`;
    assert.equal(compareHlc(merged, remote), 1, context);
    if (local !== null) assert.equal(compareHlc(merged, local), 1, context);
    assert.ok(merged.wall_ms >= now, context);
    assert.equal(merged.node, node, context);
  }
});

test("string order of encoded stamps equals tuple order", () => {
  const g = generators(SEED + 2);
  for (let run = 0; run < RUNS; run += 1) {
    // Any wall up to 13 digits, so that short and long numbers are compared too.
    const a = makeHlc(
      g.pick([g.wall(), g.int(0, 9999), g.int(0, 9_999_999_999_999)]),
      g.counter(),
      g.pick(NODES),
    );
    const b =
      g.random() < 0.1
        ? a
        : makeHlc(g.pick([a.wall_ms, g.wall()]), g.pick([a.counter, g.counter()]), g.pick(NODES));
    const left = encodeHlc(a);
    const right = encodeHlc(b);
    const tuple = compareHlc(a, b);
    assert.equal(sign(left < right ? -1 : left > right ? 1 : 0), tuple, `${left} vs ${right}`);
    assert.equal(compare(left, right), tuple, `${left} vs ${right}`);
    assert.equal(compare(right, left), tuple === 0 ? 0 : -tuple, `${right} vs ${left}`);
  }
});

test("encode and parse round trip", () => {
  const g = generators(SEED + 3);
  for (let run = 0; run < RUNS; run += 1) {
    const stamp = makeHlc(g.int(0, 9_999_999_999_999), g.counter(), g.pick(NODES));
    const text = encodeHlc(stamp);
    assert.equal(text.length, 13 + 1 + 4 + 1 + stamp.node.length, text);
    assert.deepEqual(parseHlc(text), stamp, text);
  }
});

test("clamp only moves far-future stamps, re-stamped at now above the stored one", () => {
  const g = generators(SEED + 4);
  for (let run = 0; run < RUNS; run += 1) {
    const stamp = makeHlc(
      NOW + g.pick([0, MAX_DRIFT_MS, MAX_DRIFT_MS + 1, g.int(-1e9, 1e11)]),
      g.counter(),
      g.pick(NODES),
    );
    const above = g.pick([null, makeHlc(NOW - 1, 5, "zz"), makeHlc(NOW, 0, "p"),
      makeHlc(NOW + 60_000, MAX_COUNTER, "zz")]);
    const clamped = clamp({ stamp, nowMs: NOW, above });
    if (stamp.wall_ms <= NOW + MAX_DRIFT_MS) {
      assert.equal(clamped, stamp, encodeHlc(stamp));
    } else if (above === null || compareHlc(above, makeHlc(NOW, 0, stamp.node)) < 0) {
      assert.deepEqual(clamped, makeHlc(NOW, 0, stamp.node), encodeHlc(stamp));
    } else {
      assert.ok(compareHlc(clamped, above) > 0, encodeHlc(stamp));
      assert.equal(clamped.node, stamp.node);
    }
  }
});

test("stamps are frozen and checked", () => {
  const stamp = makeHlc(1, 2, "a");
  assert.ok(Object.isFrozen(stamp));
  for (const [wall, counter, node] of [
    [-1, 0, "a"],
    [1e13, 0, "a"],
    [0, 10000, "a"],
    [0.5, 0, "a"],
    [true, 0, "a"],
    [0, 0, ""],
    [0, 0, "a:b"],
    [0, 0, "x".repeat(41)],
  ]) {
    assert.throws(
      () => makeHlc(wall, counter, node),
      { name: "InvalidClock" },
      `${wall}, ${counter}, ${node}`,
    );
  }
  assert.throws(
    () => parseHlc("0000000000001:0001:a:b"),
    (error) => error.code === "invalid_clock",
  );
});
