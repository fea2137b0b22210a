// Months of a CRA and their workflow status: a line-by-line port of sync/months.py (and of the
// two base errors of sync/errors.py), pinned by tests/vectors/sync_core.json.
//
// Conventions of pwa/js/core/ (every module): pure functions, no DOM, no clock, no randomness;
// records keep the Python / wire field names (snake_case: `half_days`, `by_client`) so they go to
// IndexedDB and to the API unchanged, while function names and option names are camelCase. Days
// are ISO strings "YYYY-MM-DD" and are never turned into `Date` objects: the date arithmetic
// below works on day numbers, so no time zone or DST can shift a day.

/** Base class of every rule violation detected in core/ (sync/errors.py RuleError). */
export class RuleError extends Error {
  /** @param {string} message English sentence naming the offending values. */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }

  /** Stable machine-readable code; each subclass overrides it. */
  get code() {
    return "rule_error";
  }
}

/** A month is not `YYYY-MM` with a month 01-12 and a year 1900-2999. */
export class InvalidMonth extends RuleError {
  get code() {
    return "invalid_month";
  }
}

const MIN_YEAR = 1900;
const MAX_YEAR = 2999;
const DIGITS = "0123456789";

/**
 * Workflow status of one consultant's CRA for one month (sync/months.py MonthStatus).
 * @typedef {"draft" | "submitted" | "in_validation" | "validated" | "signed" | "sent_back"}
 *   MonthStatus
 */

/** Statuses in which the consultant may edit days; every other one locks them. */
export const EDITABLE_STATUSES = /** @type {readonly MonthStatus[]} */ (
  Object.freeze(["draft", "sent_back"])
);

/**
 * Tell whether the consultant may edit days of a month in `status`.
 * @param {MonthStatus} status
 * @returns {boolean} True for draft and sent-back months, false once handed in.
 */
export function isEditable(status) {
  return EDITABLE_STATUSES.includes(status);
}

/**
 * A calendar month, the unit of a CRA (sync/months.py MonthKey). Build it with `monthKey` or
 * `parseMonth` so that it is always valid; it is frozen.
 * @typedef {Readonly<{year: number, month: number}>} MonthKey
 */

/** @param {unknown} value @returns {value is number} */
function isInt(value) {
  // typeof first: Python's `type(x) is int` rejects bools, and so must we.
  return typeof value === "number" && Number.isInteger(value);
}

/** @param {unknown} value @returns {string} */
function show(value) {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Tell whether a Gregorian year is a leap year.
 * @param {number} year
 * @returns {boolean}
 */
export function isLeapYear(year) {
  // Every 4th year, except centuries not divisible by 400.
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * Number of days of a month.
 * @param {number} year
 * @param {number} month 1-12
 * @returns {number}
 */
export function daysInMonth(year, month) {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  if (month === 4 || month === 6 || month === 9 || month === 11) return 30;
  return 31;
}

/**
 * Build a month, checking the ranges like MonthKey.__post_init__.
 * @param {number} year 1900-2999
 * @param {number} month 1-12
 * @returns {MonthKey}
 * @throws {InvalidMonth} The year or the month is out of range or not an integer.
 */
export function monthKey(year, month) {
  if (!isInt(year) || year < MIN_YEAR || year > MAX_YEAR) {
    throw new InvalidMonth(`year ${show(year)} is not between ${MIN_YEAR} and ${MAX_YEAR}`);
  }
  if (!isInt(month) || month < 1 || month > 12) {
    throw new InvalidMonth(`month ${show(month)} of ${year} is not between 1 and 12`);
  }
  return Object.freeze({ year, month });
}

/**
 * Parse the wire form "YYYY-MM", character by character like MonthKey.parse.
 * @param {string} text Exactly four ASCII digits, a hyphen and two ASCII digits.
 * @returns {MonthKey}
 * @throws {InvalidMonth} Malformed text, or a month or year out of range.
 */
export function parseMonth(text) {
  let wellFormed = typeof text === "string" && text.length === 7 && text[4] === "-";
  if (wellFormed) {
    for (const char of text.slice(0, 4) + text.slice(5)) {
      if (!DIGITS.includes(char)) wellFormed = false;
    }
  }
  if (!wellFormed) throw new InvalidMonth(`month ${show(text)} is not of the form YYYY-MM`);
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5));
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12) {
    throw new InvalidMonth(
      `month ${show(text)} is not a month 01-12 of a year ${MIN_YEAR}-${MAX_YEAR}`,
    );
  }
  return monthKey(year, month);
}

/**
 * The wire form of a month, e.g. "2026-11" (str(MonthKey)).
 * @param {MonthKey} key
 * @returns {string}
 */
export function formatMonth(key) {
  return `${String(key.year).padStart(4, "0")}-${String(key.month).padStart(2, "0")}`;
}

/**
 * Build the ISO string of a day.
 * @param {number} year
 * @param {number} month 1-12
 * @param {number} day 1-31
 * @returns {string} "YYYY-MM-DD"
 */
export function isoDate(year, month, day) {
  const pad = (/** @type {number} */ value, /** @type {number} */ width) =>
    String(value).padStart(width, "0");
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/**
 * Split an ISO day into numbers (no validation: days in core/ are trusted ISO strings).
 * @param {string} day "YYYY-MM-DD"
 * @returns {{year: number, month: number, day: number}}
 */
export function dateParts(day) {
  return {
    year: Number(day.slice(0, 4)),
    month: Number(day.slice(5, 7)),
    day: Number(day.slice(8, 10)),
  };
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
 * @param {number} year
 * @param {number} month
 * @param {number} day
 * @returns {number}
 */
function daysFromCivil(year, month, day) {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Inverse of daysFromCivil (H. Hinnant's civil_from_days).
 * @param {number} days
 * @returns {string} "YYYY-MM-DD"
 */
function civilFromDays(days) {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36524) -
      Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return isoDate(year, month, day);
}

/**
 * The day `count` days after `day` (before it when negative): `date + timedelta(days=count)`.
 * @param {string} day "YYYY-MM-DD"
 * @param {number} count
 * @returns {string}
 */
export function addDays(day, count) {
  const parts = dateParts(day);
  return civilFromDays(daysFromCivil(parts.year, parts.month, parts.day) + count);
}

/**
 * Day of the week as Python's `date.weekday()`: Monday = 0 ... Sunday = 6.
 * @param {string} day "YYYY-MM-DD"
 * @returns {number}
 */
export function weekday(day) {
  const parts = dateParts(day);
  // 1970-01-01 was a Thursday (3); the double modulo keeps earlier days non-negative.
  return (((daysFromCivil(parts.year, parts.month, parts.day) + 3) % 7) + 7) % 7;
}

/**
 * The month containing `day` (MonthKey.of).
 * @param {string} day "YYYY-MM-DD"
 * @returns {MonthKey}
 * @throws {InvalidMonth} The day's year is outside 1900-2999.
 */
export function monthOf(day) {
  const parts = dateParts(day);
  return monthKey(parts.year, parts.month);
}

/**
 * Tell whether `day` falls in the month.
 * @param {MonthKey} key
 * @param {string} day "YYYY-MM-DD"
 * @returns {boolean}
 */
export function monthContains(key, day) {
  const parts = dateParts(day);
  return parts.year === key.year && parts.month === key.month;
}

/**
 * The last calendar day of the month (29 February in leap years).
 * @param {MonthKey} key
 * @returns {string}
 */
export function lastDay(key) {
  return isoDate(key.year, key.month, daysInMonth(key.year, key.month));
}

/**
 * Every calendar day of the month, in order.
 * @param {MonthKey} key
 * @returns {string[]}
 */
export function monthDays(key) {
  const days = [];
  for (let number = 1; number <= daysInMonth(key.year, key.month); number += 1) {
    days.push(isoDate(key.year, key.month, number));
  }
  return days;
}

/**
 * The following month.
 * @param {MonthKey} key
 * @returns {MonthKey}
 * @throws {InvalidMonth} Called on 2999-12.
 */
export function nextMonth(key) {
  return key.month === 12 ? monthKey(key.year + 1, 1) : monthKey(key.year, key.month + 1);
}

/**
 * The preceding month.
 * @param {MonthKey} key
 * @returns {MonthKey}
 * @throws {InvalidMonth} Called on 1900-01.
 */
export function previousMonth(key) {
  return key.month === 1 ? monthKey(key.year - 1, 12) : monthKey(key.year, key.month - 1);
}
