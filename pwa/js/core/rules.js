// The rules of one CRA day, enforced identically offline and on the server: a line-by-line port
// of sync/rules.py (and of Violation / InvalidDay from sync/errors.py), pinned by
// tests/vectors/sync_core.json.
//
// A day is a set of lines, each naming a mission or an absence type with a quantity in integer
// half-days (1 = a morning or an afternoon, 2 = a full day). Traps the Python author documented
// and this port keeps: comment lengths count code points (`[...text].length`, not `.length`);
// blanks are an explicit list, not `trim()`; a boolean is not a quantity (`typeof` check, since
// Python's `type(x) is int` rejects True); line keys are ASCII so default string sort matches.

import { RuleError, formatMonth, monthContains } from "./months.js";

/** @typedef {import("./months.js").MonthKey} MonthKey */
/** @typedef {import("./calendar.js").CalendarRegion} CalendarRegion */

/** A day holds at most one day of work and absence: two half-days. */
export const HALF_DAYS_PER_DAY = 2;
/** Longest comment of a day, in Unicode code points. */
export const MAX_COMMENT_LENGTH = 500;

const MISSION_PREFIX = "mission:";
const ABSENCE_PREFIX = "absence:";
// Explicit list rather than trim(): Python and JavaScript disagree on what "whitespace" is.
// Besides ASCII whitespace this covers the no-break spaces French typography and phone keyboards
// insert (U+00A0, U+202F).
const BLANK_CHARS =
  " \t\n\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" +
  "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff";
// C0 controls other than tab, line feed and carriage return, DEL and the C1 controls
// (U+0080-U+009F): refused in comments (PostgreSQL refuses NUL outright), offline as on the
// server.
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

/**
 * Kinds of absence a consultant records on a CRA (sync/rules.py AbsenceType).
 * @typedef {"CP" | "RTT" | "maladie" | "sans_solde" | "formation" | "intercontrat" | "at_mp"} AbsenceType
 */

/** Every absence type, in the order of the Python enum. @type {readonly AbsenceType[]} */
export const ABSENCE_TYPES = Object.freeze([
  "CP",
  "RTT",
  "maladie",
  "sans_solde",
  "formation",
  "intercontrat",
  "at_mp",
]);

/**
 * One broken rule of a day, reported next to the offending field.
 * @typedef {object} Violation
 * @property {string} field JSON-path-like name of the input, e.g. "lines[1].half_days".
 * @property {string} code Stable machine-readable rule code, e.g. "day_over_one".
 * @property {string} message English sentence naming the offending values.
 */

/**
 * One line of a day (the wire's LineValue).
 * @typedef {object} DayLine
 * @property {string} line Line key, "mission:<id>" or "absence:<type>".
 * @property {number} half_days 1 (half a day) or 2 (a full day); an empty line is omitted.
 */

/**
 * A valid day in canonical form, as built by `validateDay`.
 * @typedef {object} Day
 * @property {string} date "YYYY-MM-DD"
 * @property {DayLine[]} lines Sorted by line key.
 * @property {string} comment Without surrounding blanks; empty when there is none.
 */

/**
 * What a mission lets the consultant record.
 * @typedef {object} MissionTerms
 * @property {string} id Mission id, as used in "mission:<id>" line keys.
 * @property {string} start First day, "YYYY-MM-DD".
 * @property {string | null} end Last day (inclusive), or null when open-ended.
 * @property {Iterable<AbsenceType>} allowed_absences Absence types allowed while it is active.
 * @property {boolean} comments_required A day with this mission's line needs a comment.
 * @property {CalendarRegion} region Public-holiday calendar of the place of work.
 */

/**
 * The consultant's missions by id: a Map or a plain object (looked up with Object.hasOwn, so an
 * id such as "constructor" never finds an inherited property).
 * @typedef {Map<string, MissionTerms> | Record<string, MissionTerms>} Missions
 */

/**
 * A line key split into its parts.
 * @typedef {object} ParsedLine
 * @property {"mission" | "absence"} kind
 * @property {string | null} mission_id The mission id for a mission line, else null.
 * @property {AbsenceType | null} absence The absence type for an absence line, else null.
 */

/** A day breaks one or more CRA rules; `violations` lists every one of them. */
export class InvalidDay extends RuleError {
  /** @param {Violation[]} violations The broken rules, in the order checkDay found them. */
  constructor(violations) {
    super(violations.map((violation) => violation.message).join("; "));
    /** @type {Violation[]} */
    this.violations = violations;
  }

  get code() {
    return "invalid_day";
  }
}

/** @param {unknown} value @returns {string} */
function show(value) {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** @param {string} missionId @returns {boolean} */
function isValidMissionId(missionId) {
  // Printable ASCII without space, so line keys sort the same in Python and JavaScript.
  if (!missionId) return false;
  for (const char of missionId) {
    if (!(char >= "!" && char <= "~")) return false;
  }
  return true;
}

/**
 * The line key of a mission, "mission:<mission id>".
 * @param {string} missionId Non-empty, printable ASCII without spaces.
 * @returns {string}
 * @throws {TypeError} The mission id could never be parsed back (Python raises ValueError).
 */
export function missionLine(missionId) {
  if (typeof missionId !== "string" || !isValidMissionId(missionId)) {
    throw new TypeError(
      `mission id ${show(missionId)} is not non-empty printable ASCII without spaces`,
    );
  }
  return MISSION_PREFIX + missionId;
}

/**
 * The line key of an absence type, e.g. "absence:CP".
 * @param {AbsenceType} kind
 * @returns {string}
 */
export function absenceLine(kind) {
  return ABSENCE_PREFIX + kind;
}

/**
 * Parse a line key.
 * @param {string} key "mission:<mission id>" or "absence:<type>" (case-sensitive).
 * @returns {ParsedLine | null} Null when the key is malformed.
 */
export function parseLine(key) {
  if (typeof key !== "string") return null;
  if (key.startsWith(MISSION_PREFIX)) {
    const missionId = key.slice(MISSION_PREFIX.length);
    if (!isValidMissionId(missionId)) return null;
    return { kind: "mission", mission_id: missionId, absence: null };
  }
  if (key.startsWith(ABSENCE_PREFIX)) {
    const value = key.slice(ABSENCE_PREFIX.length);
    for (const kind of ABSENCE_TYPES) {
      if (kind === value) return { kind: "absence", mission_id: null, absence: kind };
    }
  }
  return null;
}

/**
 * Tell whether `day` falls between the mission's start and end (both inclusive). ISO strings
 * with four-digit years compare like the dates they name.
 * @param {MissionTerms} mission
 * @param {string} day "YYYY-MM-DD"
 * @returns {boolean}
 */
export function missionActiveOn(mission, day) {
  return (
    mission.start <= day &&
    (mission.end === null || mission.end === undefined || day <= mission.end)
  );
}

/** @param {MissionTerms} mission @returns {string} */
function datesText(mission) {
  if (mission.end === null || mission.end === undefined)
    return `from ${mission.start} (open-ended)`;
  return `from ${mission.start} to ${mission.end}`;
}

/** @param {unknown} value @returns {boolean} */
function isValidHalfDays(value) {
  // typeof first: a boolean is not a quantity on the wire (Python: type(value) is int).
  return (
    typeof value === "number" &&
    Number.isInteger(value) &&
    (value === 1 || value === HALF_DAYS_PER_DAY)
  );
}

/**
 * Strip the blank characters of BLANK_CHARS from both ends (Python's str.strip(chars)). All of
 * them are in the BMP, so indexing UTF-16 units is safe.
 * @param {string} text
 * @returns {string}
 */
function stripBlanks(text) {
  let start = 0;
  let end = text.length;
  while (start < end && BLANK_CHARS.includes(text[start])) start += 1;
  while (end > start && BLANK_CHARS.includes(text[end - 1])) end -= 1;
  return text.slice(start, end);
}

/** @param {Missions} missions @param {string} id @returns {MissionTerms | undefined} */
function findMission(missions, id) {
  if (missions instanceof Map) return missions.get(id);
  return Object.hasOwn(missions, id) ? missions[id] : undefined;
}

/** @param {Missions} missions @returns {MissionTerms[]} */
function allMissions(missions) {
  return missions instanceof Map ? [...missions.values()] : Object.values(missions);
}

/** @param {Iterable<string>} absences @param {string} kind @returns {boolean} */
function allows(absences, kind) {
  for (const allowed of absences) {
    if (allowed === kind) return true;
  }
  return false;
}

/**
 * @typedef {object} DayInput
 * @property {MonthKey} month The CRA month the day is recorded in.
 * @property {string} date The day, "YYYY-MM-DD".
 * @property {DayLine[]} lines The day's lines, in any order.
 * @property {string} comment Free-text comment; surrounding blanks are ignored.
 * @property {Missions} missions The consultant's missions by id.
 */

/**
 * Check a day of a CRA against every rule and report every violation (see check_day in
 * sync/rules.py for the rules and their codes).
 * @param {DayInput} input
 * @returns {Violation[]} In input order (date, lines, total, comment); empty when valid.
 */
export function checkDay({ month, date, lines, comment, missions }) {
  /** @type {Violation[]} */
  const violations = [];
  if (!monthContains(month, date)) {
    violations.push({
      field: "date",
      code: "date_outside_month",
      message: `date ${date} is not in month ${formatMonth(month)}`,
    });
  }

  const activeMissions = allMissions(missions).filter((mission) => missionActiveOn(mission, date));
  /** @type {Map<string, number>} */
  const firstIndex = new Map();
  /** @type {string[]} */
  const missionsNeedingComment = [];
  let total = 0;
  lines.forEach((dayLine, index) => {
    const name = `lines[${index}]`;
    if (isValidHalfDays(dayLine.half_days)) {
      total += dayLine.half_days;
    } else {
      violations.push({
        field: `${name}.half_days`,
        code: "invalid_half_days",
        message:
          `${name} (${dayLine.line}) has ${show(dayLine.half_days)} half-days, ` +
          "expected 1 (half a day) or 2 (a full day)",
      });
    }

    const key = dayLine.line;
    if (firstIndex.has(key)) {
      // Report the repeat only: the first occurrence already had its key checked.
      violations.push({
        field: `${name}.line`,
        code: "duplicate_line",
        message: `line ${show(key)} in ${name} repeats lines[${firstIndex.get(key)}]`,
      });
      return;
    }
    firstIndex.set(key, index);

    const parsed = parseLine(key);
    if (parsed === null) {
      violations.push({
        field: `${name}.line`,
        code: "invalid_line",
        message:
          `line ${show(key)} is neither 'mission:<id>' nor 'absence:<type>' ` +
          `with a type among ${ABSENCE_TYPES.join(", ")}`,
      });
    } else if (parsed.mission_id !== null) {
      const mission = findMission(missions, parsed.mission_id);
      if (mission === undefined) {
        violations.push({
          field: `${name}.line`,
          code: "unknown_mission",
          message: `mission ${show(parsed.mission_id)} is not one of the consultant's`,
        });
        return;
      }
      if (!missionActiveOn(mission, date)) {
        violations.push({
          field: `${name}.line`,
          code: "mission_outside_dates",
          message: `mission ${show(mission.id)} runs ${datesText(mission)}, not on ${date}`,
        });
      }
      if (mission.comments_required) missionsNeedingComment.push(mission.id);
    } else if (parsed.absence !== null) {
      const kind = parsed.absence;
      // With no active mission (intercontrat) every absence is allowed; otherwise one active
      // mission must allow it, since the client is the one affected.
      const allowed =
        activeMissions.length === 0 ||
        activeMissions.some((mission) => allows(mission.allowed_absences, kind));
      if (!allowed) {
        const activeIds = activeMissions
          .map((mission) => show(mission.id))
          .sort()
          .join(", ");
        violations.push({
          field: `${name}.line`,
          code: "absence_not_allowed",
          message: `absence ${kind} is not allowed on ${date} by any active mission (${activeIds})`,
        });
      }
    }
  });

  if (total > HALF_DAYS_PER_DAY) {
    violations.push({
      field: "lines",
      code: "day_over_one",
      message:
        `day ${date} totals ${total} half-days, ` +
        `more than one day (${HALF_DAYS_PER_DAY} half-days)`,
    });
  }

  const stripped = stripBlanks(comment);
  if (missionsNeedingComment.length > 0 && !stripped) {
    const needing = missionsNeedingComment.map(show).join(", ");
    violations.push({
      field: "comment",
      code: "comment_required",
      message: `the comment is blank but mission(s) ${needing} require one on ${date}`,
    });
  }
  // Counted after stripping, in code points, like the stored comment.
  const length = [...stripped].length;
  if (CONTROL_CHARS.test(stripped)) {
    violations.push({
      field: "comment",
      code: "comment_control_char",
      message: "comment contains a control character",
    });
  }
  if (length > MAX_COMMENT_LENGTH) {
    violations.push({
      field: "comment",
      code: "comment_too_long",
      message: `comment has ${length} characters, more than ${MAX_COMMENT_LENGTH}`,
    });
  }
  return violations;
}

/**
 * Check a day (see `checkDay`) and return it in canonical form: lines sorted by key, comment
 * stripped of surrounding blanks; validating that result again returns an equal day.
 * @param {DayInput} input
 * @returns {Day}
 * @throws {InvalidDay} With every violation, when the day breaks a rule.
 */
export function validateDay({ month, date, lines, comment, missions }) {
  const violations = checkDay({ month, date, lines, comment, missions });
  if (violations.length > 0) throw new InvalidDay(violations);
  // Keys are unique and ASCII: UTF-16 order is Python's code-point order.
  const ordered = [...lines]
    .map((dayLine) => ({ line: dayLine.line, half_days: dayLine.half_days }))
    .sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  return { date, lines: ordered, comment: stripBlanks(comment) };
}
