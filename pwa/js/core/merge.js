// The merge rule: a line-by-line port of sync/merge.py, pinned by tests/vectors/sync_core.json.
//
// `decideSetDay` and `decideSubmit` are what the server does with one mutation (kept here for a
// JavaScript mock server and for the vectors); `rebase` is what the phone shows meanwhile:
// confirmed state with the pending edits that can still apply. Acceptance is decided by the
// month's state, never by client timestamps; among accepted writes to one day the larger HLC
// wins and an equal HLC never wins, so replays are no-ops (sync-protocol.md §3.6, §3.7); a fill
// (a prefilled day) stands down before lines its device had not seen (§3.6.1).

import { InvalidClock, clamp, compareHlc, parseHlc } from "./hlc.js";
import { formatMonth, isEditable, monthOf } from "./months.js";
import { InvalidDay, validateDay } from "./rules.js";

/** @typedef {import("./hlc.js").Hlc} Hlc */
/** @typedef {import("./months.js").MonthStatus} MonthStatus */
/** @typedef {import("./rules.js").Day} Day */
/** @typedef {import("./rules.js").DayLine} DayLine */
/** @typedef {import("./rules.js").Missions} Missions */

/**
 * What the merge needs to know of a month (defaults: draft, epoch 0).
 * @typedef {object} MonthFacts
 * @property {MonthStatus} status
 * @property {number} epoch Reopening count; a reopen increments it.
 */

/**
 * A day as the server holds it.
 * @typedef {object} StoredDay
 * @property {Day} day Canonical (as returned by validateDay).
 * @property {Hlc} hlc
 * @property {number} version
 * @property {string} by_client
 */

/**
 * An incoming set_day mutation (the wire's SetDayArgs).
 * @typedef {object} SetDay
 * @property {string} date "YYYY-MM-DD"
 * @property {number} epoch
 * @property {DayLine[]} lines
 * @property {string} comment
 * @property {string} hlc Encoded stamp.
 * @property {number} base_v Version the device last saw.
 * @property {boolean} [fill] Only fills a day the device saw empty at base_v (prefill).
 */

/**
 * The outcome of one mutation. `day` and `hlc` are what to store when applied.
 * @typedef {object} Verdict
 * @property {"applied" | "superseded" | "rejected"} status
 * @property {string | null} reason e.g. "month_locked", "invalid:day_over_one".
 * @property {string | null} detail English sentence.
 * @property {Day | null} day
 * @property {Hlc | null} hlc The stamp to store, after clamping.
 * @property {boolean} overwrote_unseen The device replaced a value it had not seen.
 */

/**
 * A queued day edit on the phone.
 * @typedef {object} PendingSetDay
 * @property {"set_day"} name
 * @property {number} id Mutation id.
 * @property {string} date "YYYY-MM-DD"
 * @property {number} epoch
 * @property {Array<[string, number]>} lines [line key, half-days] pairs.
 * @property {string} comment
 */

/**
 * A queued submission on the phone.
 * @typedef {object} PendingSubmit
 * @property {"submit_month"} name
 * @property {number} id Mutation id.
 * @property {string} month "YYYY-MM"
 * @property {number} epoch
 */

/**
 * A day value as the phone shows it.
 * @typedef {object} DayValue
 * @property {Array<[string, number]>} lines
 * @property {string} comment
 */

/**
 * What the phone shows: confirmed state with the pending edits that can still apply.
 * @typedef {object} View
 * @property {Record<string, DayValue>} days By "YYYY-MM-DD".
 * @property {Set<string>} pending_dates Dates shown with a pending value.
 * @property {Set<number>} blocked_ids Pending mutations the server will reject (locked month or
 *   reopened since): keep them and show them, never as the day's value.
 * @property {Set<string>} submitting Months with a submission pending.
 */

/** @returns {MonthFacts} */
function defaultFacts() {
  return { status: "draft", epoch: 0 };
}

/**
 * A verdict that stores nothing.
 * @param {Verdict["status"]} status
 * @param {string | null} [detail]
 * @param {string | null} [reason]
 * @returns {Verdict}
 */
function verdict(status, detail = null, reason = null) {
  return { status, reason, detail, day: null, hlc: null, overwrote_unseen: false };
}

/** @param {string} reason @param {string} detail @returns {Verdict} */
const rejected = (reason, detail) => verdict("rejected", detail, reason);

/** @param {Day} a @param {Day} b @returns {boolean} */
function sameValue(a, b) {
  if (a.comment !== b.comment || a.lines.length !== b.lines.length) return false;
  return a.lines.every(
    (dayLine, index) =>
      dayLine.line === b.lines[index].line && dayLine.half_days === b.lines[index].half_days,
  );
}

/**
 * Decide one set_day against the server's current state. Order matters: the lock and the epoch
 * are checked before anything about the value, so a locked month says "locked" whatever was
 * typed; then the clock and the value; then, for a fill only, a stored day another device (or
 * the server) wrote above base_v and holding lines stands (superseded); last, the stamps.
 * @param {{incoming: SetDay, facts: MonthFacts, stored: StoredDay | null, missions: Missions,
 *   clientId: string, nowMs: number}} options
 * @returns {Verdict}
 * @throws {import("./months.js").InvalidMonth} The date's year is outside 1900-2999.
 */
export function decideSetDay({ incoming, facts, stored, missions, clientId, nowMs }) {
  const month = monthOf(incoming.date);
  if (!isEditable(facts.status)) {
    return rejected("month_locked", `the CRA of ${formatMonth(month)} is ${facts.status}`);
  }
  if (incoming.epoch !== facts.epoch) {
    return rejected(
      "epoch_changed",
      `the CRA of ${formatMonth(month)} was reopened (epoch ${facts.epoch}, edit from ${incoming.epoch})`,
    );
  }
  let stamp;
  try {
    stamp = parseHlc(incoming.hlc);
  } catch (error) {
    if (error instanceof InvalidClock) return rejected("invalid_clock", error.message);
    throw error;
  }
  let day;
  try {
    day = validateDay({
      month,
      date: incoming.date,
      lines: incoming.lines,
      comment: incoming.comment,
      missions,
    });
  } catch (error) {
    if (error instanceof InvalidDay) {
      return rejected(`invalid:${error.violations[0].code}`, error.message);
    }
    throw error;
  }
  // The device had not seen the stored value: another device wrote it above base_v.
  const unseen = !!stored && stored.by_client !== clientId && stored.version > incoming.base_v;
  if (incoming.fill && unseen && stored.day.lines.length) {
    return verdict("superseded", "a prefill fills only an empty day");
  }
  stamp = clamp({ stamp, nowMs, above: stored ? stored.hlc : null });
  // Strictly greater wins: an equal stamp (a replay) is superseded, never applied again.
  if (stored && compareHlc(stored.hlc, stamp) >= 0) {
    return verdict("superseded", "a later edit of this day is already stored");
  }
  return {
    status: "applied",
    reason: null,
    detail: null,
    day,
    hlc: stamp,
    overwrote_unseen: unseen && !sameValue(stored.day, day),
  };
}

/**
 * Decide a submit_month: only an editable month, as the consultant last reviewed it.
 * `latestForeignVersion` is the highest version at which another device changed a day of the
 * month: if it is above what the consultant reviewed, they have not seen those edits.
 * @param {{facts: MonthFacts, epoch: number, reviewedVersion: number,
 *   latestForeignVersion: number}} options
 * @returns {Verdict}
 */
export function decideSubmit({ facts, epoch, reviewedVersion, latestForeignVersion }) {
  if (!isEditable(facts.status)) {
    return rejected("not_draft", `the CRA is already ${facts.status}`);
  }
  if (epoch !== facts.epoch) {
    return rejected("epoch_changed", "the CRA was reopened since this submission was made");
  }
  if (latestForeignVersion > reviewedVersion) {
    return rejected(
      "changed_since_review",
      `another device changed this month at version ${latestForeignVersion}, after the version ${reviewedVersion} you reviewed`,
    );
  }
  return verdict("applied");
}

/**
 * @param {Map<string, MonthFacts> | Record<string, MonthFacts>} months
 * @param {string} key "YYYY-MM"
 * @returns {MonthFacts}
 */
function factsOf(months, key) {
  if (months instanceof Map) return months.get(key) ?? defaultFacts();
  return Object.hasOwn(months, key) ? months[key] : defaultFacts();
}

/**
 * Lay pending edits, in queue order, over the confirmed days. An edit whose month is locked or
 * was reopened since is not shown as the day's value (the server will reject it); its id goes to
 * `blocked_ids` so the app can keep and show it.
 * @param {{days: Record<string, DayValue>,
 *   months: Map<string, MonthFacts> | Record<string, MonthFacts>,
 *   pending: Array<PendingSetDay | PendingSubmit>}} options
 * @returns {View}
 */
export function rebase({ days, months, pending }) {
  /** @type {Record<string, DayValue>} */
  const shown = { ...days };
  /** @type {Set<string>} */
  const pendingDates = new Set();
  /** @type {Set<number>} */
  const blocked = new Set();
  /** @type {Set<string>} */
  const submitting = new Set();
  for (const mutation of pending) {
    if (mutation.name === "submit_month") {
      const facts = factsOf(months, mutation.month);
      const editable = isEditable(facts.status) && !submitting.has(mutation.month);
      if (editable && facts.epoch === mutation.epoch) {
        submitting.add(mutation.month);
      } else {
        blocked.add(mutation.id);
      }
      continue;
    }
    const month = mutation.date.slice(0, 7);
    const facts = factsOf(months, month);
    // After a queued submission of its month, an edit will find the month locked.
    const locked = !isEditable(facts.status) || submitting.has(month);
    if (locked || facts.epoch !== mutation.epoch) {
      blocked.add(mutation.id);
      continue;
    }
    shown[mutation.date] = { lines: mutation.lines, comment: mutation.comment };
    pendingDates.add(mutation.date);
  }
  return { days: shown, pending_dates: pendingDates, blocked_ids: blocked, submitting };
}
