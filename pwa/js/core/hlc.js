// Hybrid logical clocks: a line-by-line port of sync/hlc.py, pinned by
// tests/vectors/sync_core.json.
//
// A stamp is {wall_ms, counter, node}. Encoded as "%013d:%04d:%s" it is fixed width, so plain
// string order (IndexedDB keys, `<` on strings) equals tuple order. `tick` stamps a local event;
// `recv` merges a stamp seen from elsewhere (every sync response carries `server_hlc`), so an
// edit made after seeing a value beats it whatever the device's clock says.

import { RuleError } from "./months.js";

/** Digits of the wall-clock part (milliseconds since 1970) of an encoded stamp. */
export const WALL_DIGITS = 13;
/** Digits of the counter part of an encoded stamp. */
export const COUNTER_DIGITS = 4;
/** Largest wall clock that fits (year 2286). */
export const MAX_WALL_MS = 10 ** WALL_DIGITS - 1;
/** Largest counter; one more borrows the next millisecond. */
export const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
/** Longest node id, in characters of [A-Za-z0-9_-]. */
export const MAX_NODE_LENGTH = 40;
/** Stamps further than this ahead of the server's clock are clamped. */
export const MAX_DRIFT_MS = 5 * 60 * 1000;

const NODE_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
const DIGITS = "0123456789";

/** A clock string that does not parse, or a node id that cannot be encoded. */
export class InvalidClock extends RuleError {
  get code() {
    return "invalid_clock";
  }
}

/**
 * One hybrid-logical-clock stamp; build it with `makeHlc` or `parseHlc` (frozen, checked).
 * @typedef {Readonly<{wall_ms: number, counter: number, node: string}>} Hlc
 */

/** @param {unknown} value @returns {string} */
function show(value) {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** @param {string} node */
function checkNode(node) {
  let valid = typeof node === "string" && node.length > 0 && node.length <= MAX_NODE_LENGTH;
  if (valid) {
    for (const char of node) {
      if (!NODE_CHARS.includes(char)) valid = false;
    }
  }
  if (!valid) {
    throw new InvalidClock(
      `node id ${show(node)} must be 1-${MAX_NODE_LENGTH} characters of [A-Za-z0-9_-]`,
    );
  }
}

/**
 * Build a stamp, checking the ranges and the node like Hlc.__post_init__.
 * @param {number} wallMs 0 to 10^13 - 1
 * @param {number} counter 0 to 9999
 * @param {string} node 1-40 characters of [A-Za-z0-9_-]
 * @returns {Hlc}
 * @throws {InvalidClock}
 */
export function makeHlc(wallMs, counter, node) {
  const inRange = (/** @type {unknown} */ value, /** @type {number} */ max) =>
    typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
  if (!inRange(wallMs, MAX_WALL_MS) || !inRange(counter, MAX_COUNTER)) {
    throw new InvalidClock(`clock (${show(wallMs)}, ${show(counter)}) is out of range`);
  }
  checkNode(node);
  return Object.freeze({ wall_ms: wallMs, counter, node });
}

/**
 * The fixed-width wire form, e.g. "1741080000123:0002:node".
 * @param {Hlc} stamp
 * @returns {string}
 */
export function encodeHlc(stamp) {
  const wall = String(stamp.wall_ms).padStart(WALL_DIGITS, "0");
  const counter = String(stamp.counter).padStart(COUNTER_DIGITS, "0");
  return `${wall}:${counter}:${stamp.node}`;
}

/** @param {string} text @returns {boolean} */
function isAsciiDigits(text) {
  for (const char of text) {
    if (!DIGITS.includes(char)) return false;
  }
  return true;
}

/**
 * Parse "1741080000123:0002:node".
 * @param {string} text
 * @returns {Hlc}
 * @throws {InvalidClock} Naming the text.
 */
export function parseHlc(text) {
  /** @type {string[]} */
  let parts = [];
  if (typeof text === "string") {
    // Python's text.split(":", 2): at most 3 parts, the rest kept whole in the last one.
    // JavaScript's split(":", 2) would drop the rest instead, so split by hand.
    const first = text.indexOf(":");
    const second = first < 0 ? -1 : text.indexOf(":", first + 1);
    if (first < 0) parts = [text];
    else if (second < 0) parts = [text.slice(0, first), text.slice(first + 1)];
    else parts = [text.slice(0, first), text.slice(first + 1, second), text.slice(second + 1)];
  }
  if (
    parts.length !== 3 ||
    parts[0].length !== WALL_DIGITS ||
    parts[1].length !== COUNTER_DIGITS ||
    !isAsciiDigits(parts[0]) ||
    !isAsciiDigits(parts[1])
  ) {
    throw new InvalidClock(`clock ${show(text)} is not WALLMS(13 digits):COUNTER(4 digits):NODE`);
  }
  return makeHlc(Number(parts[0]), Number(parts[1]), parts[2]);
}

/**
 * Order two stamps as tuples (wall_ms, counter, node): -1, 0 or 1.
 * @param {Hlc} a
 * @param {Hlc} b
 * @returns {number}
 */
export function compareHlc(a, b) {
  if (a.wall_ms !== b.wall_ms) return a.wall_ms < b.wall_ms ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  // Nodes are ASCII, so UTF-16 order equals Python's code-point order.
  if (a.node !== b.node) return a.node < b.node ? -1 : 1;
  return 0;
}

/**
 * @param {number} wallMs
 * @param {number} counter
 * @param {string} node
 * @returns {Hlc}
 */
function next(wallMs, counter, node) {
  // A counter that would overflow its 4 digits borrows the next millisecond instead, so the
  // encoding stays fixed width and the clock stays strictly monotonic.
  if (counter > MAX_COUNTER) return makeHlc(wallMs + 1, 0, node);
  return makeHlc(wallMs, counter, node);
}

/**
 * Stamp a local event: strictly greater than `local`, close to `nowMs`.
 * @param {{local: Hlc | null, nowMs: number, node: string}} options
 * @returns {Hlc}
 * @throws {InvalidClock} An invalid node, or a clock out of range.
 */
export function tick({ local, nowMs, node }) {
  if (local === null || local === undefined || nowMs > local.wall_ms) {
    return makeHlc(nowMs, 0, node);
  }
  return next(local.wall_ms, local.counter + 1, node);
}

/**
 * Merge a stamp received from elsewhere: the result is greater than both inputs.
 * @param {{local: Hlc | null, remote: Hlc, nowMs: number, node: string}} options
 * @returns {Hlc}
 * @throws {InvalidClock} An invalid node, or a clock out of range.
 */
export function recv({ local, remote, nowMs, node }) {
  const hasLocal = local !== null && local !== undefined;
  const localWall = hasLocal ? local.wall_ms : -1;
  const localCounter = hasLocal ? local.counter : -1;
  const wall = Math.max(localWall, remote.wall_ms, nowMs);
  let counter;
  if (wall === localWall && wall === remote.wall_ms) {
    counter = Math.max(localCounter, remote.counter) + 1;
  } else if (wall === localWall) {
    counter = localCounter + 1;
  } else if (wall === remote.wall_ms) {
    counter = remote.counter + 1;
  } else {
    counter = 0;
  }
  return next(wall, counter, node);
}

/**
 * Re-stamp a stamp from a clock far in the future as an event happening at `nowMs`, keeping
 * its node and staying strictly above `above` (the day's stored stamp). Without this one phone
 * set to 2030 would win every later edit on every device.
 * @param {{stamp: Hlc, nowMs: number, above?: Hlc | null, maxDriftMs?: number}} options
 * @returns {Hlc}
 */
export function clamp({ stamp, nowMs, above = null, maxDriftMs = MAX_DRIFT_MS }) {
  if (stamp.wall_ms <= nowMs + maxDriftMs) return stamp;
  const candidate = makeHlc(nowMs, 0, stamp.node);
  // Strictly above the stored stamp, so a fast device's later edits still win in order.
  if (above !== null && above !== undefined && compareHlc(above, candidate) >= 0) {
    return next(above.wall_ms, above.counter + 1, stamp.node);
  }
  return candidate;
}

/**
 * Order two encoded stamps: -1, 0 or 1 (the same as comparing the strings).
 * @param {string} a
 * @param {string} b
 * @returns {number}
 * @throws {InvalidClock} Either string does not parse.
 */
export function compare(a, b) {
  return compareHlc(parseHlc(a), parseHlc(b));
}
