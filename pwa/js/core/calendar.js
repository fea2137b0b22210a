// French public holidays and working days (jours ouvrés): a line-by-line port of
// sync/calendar.py, pinned by tests/vectors/sync_core.json. See the Python module for the legal
// sources (C. trav. art. L3133-1, L3134-13; loi n° 83-550 and décret n° 83-1003 overseas) and
// for what is deliberately not modelled.

import { addDays, isoDate, monthDays, weekday } from "./months.js";

/** @typedef {import("./months.js").MonthKey} MonthKey */

/**
 * Which public-holiday list applies at the place of work (sync/calendar.py CalendarRegion).
 * @typedef {"metropole" | "alsace_moselle" | "guadeloupe" | "martinique" | "guyane" |
 *   "la_reunion" | "mayotte"} CalendarRegion
 */

const SATURDAY = 5; // weekday(): Monday = 0 ... Sunday = 6

/**
 * One day of a month as the CRA grid shows it.
 * @typedef {object} CalendarDay
 * @property {string} date "YYYY-MM-DD"
 * @property {boolean} weekend Saturday or Sunday.
 * @property {string | null} holiday French name of the public holiday, or null.
 * @property {boolean} working Jour ouvré (neither weekend nor public holiday).
 */

/**
 * Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
 * Every operand is non-negative, so `Math.floor` and `%` match Python's `//` and `%`.
 * @param {number} year Gregorian year (1583 or later).
 * @returns {string} "YYYY-MM-DD", between 22 March and 25 April.
 */
export function easterSunday(year) {
  const golden = year % 19;
  const century = Math.floor(year / 100);
  const yearOfCentury = year % 100;
  const leapCenturies = Math.floor(century / 4);
  const centuryRest = century % 4;
  const moonCorrection = Math.floor((century + 8) / 25);
  const sunCorrection = Math.floor((century - moonCorrection + 1) / 3);
  const epact = (19 * golden + century - leapCenturies - sunCorrection + 15) % 30;
  const leapYears = Math.floor(yearOfCentury / 4);
  const yearRest = yearOfCentury % 4;
  const weekdayShift = (32 + 2 * centuryRest + 2 * leapYears - epact - yearRest) % 7;
  const lateCorrection = Math.floor((golden + 11 * epact + 22 * weekdayShift) / 451);
  const total = epact + weekdayShift - 7 * lateCorrection + 114;
  const month = Math.floor(total / 31);
  const dayMinusOne = total % 31;
  return isoDate(year, month, dayMinusOne + 1);
}

/** @type {Map<string, ReadonlyArray<readonly [string, string]>>} */
const holidayCache = new Map();

// The abolition of slavery's day overseas, "MM-DD" (décret n° 83-1003 art. 1, as amended).
/** @type {Record<string, string>} */
const ABOLITION = {
  guadeloupe: "05-27",
  martinique: "05-22",
  guyane: "06-10",
  la_reunion: "12-20",
  mayotte: "04-27",
};

/**
 * @param {number} year
 * @param {string} region
 * @returns {ReadonlyArray<readonly [string, string]>} [date, name] pairs in date order.
 */
function holidayList(year, region) {
  const cacheKey = `${year}/${region}`;
  const cached = holidayCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const easter = easterSunday(year);
  /** @type {Array<[string, string]>} */
  const holidays = [
    [isoDate(year, 1, 1), "Jour de l'an"],
    [addDays(easter, 1), "Lundi de Pâques"],
    [isoDate(year, 5, 1), "Fête du Travail"],
    [isoDate(year, 5, 8), "Fête de la Victoire"],
    // Ascension Thursday is the 40th day of Easter counting Easter Sunday as day 1.
    [addDays(easter, 39), "Ascension"],
    // Whit Monday follows Pentecost, the 50th day counting Easter Sunday as day 1.
    [addDays(easter, 50), "Lundi de Pentecôte"],
    [isoDate(year, 7, 14), "Fête nationale"],
    [isoDate(year, 8, 15), "Assomption"],
    [isoDate(year, 11, 1), "Toussaint"],
    [isoDate(year, 11, 11), "Armistice"],
    [isoDate(year, 12, 25), "Noël"],
  ];
  if (region === "alsace_moselle") {
    holidays.push([addDays(easter, -2), "Vendredi saint"], [isoDate(year, 12, 26), "Saint-Étienne"]);
  }
  if (Object.hasOwn(ABOLITION, region)) {
    holidays.push([`${year}-${ABOLITION[region]}`, "Abolition de l'esclavage"]);
  }
  // Ascension sometimes falls on 1 or 8 May (2008, 2059, ...): one date, two holidays, names
  // sorted and joined with "; ". Names are BMP-only, so UTF-16 order equals Python's order.
  /** @type {Map<string, string[]>} */
  const names = new Map();
  for (const [day, name] of holidays) {
    const list = names.get(day);
    if (list === undefined) names.set(day, [name]);
    else list.push(name);
  }
  /** @type {Array<readonly [string, string]>} */
  const pairs = [];
  for (const [day, dayNames] of names) {
    pairs.push([day, [...dayNames].sort().join("; ")]);
  }
  // ISO dates with four-digit years sort like the days they name, and each date is there once,
  // so the default sort (on "date,name" strings) orders by date.
  pairs.sort();
  // Never handed out: publicHolidays copies it, the rest only reads it.
  holidayCache.set(cacheKey, pairs);
  return pairs;
}

/**
 * The public holidays (jours fériés) of a year with their French names.
 * @param {{year: number, region: CalendarRegion}} options
 * @returns {Record<string, string>} A new object from "YYYY-MM-DD" to name, in date order.
 */
export function publicHolidays({ year, region }) {
  /** @type {Record<string, string>} */
  const result = {};
  for (const [day, name] of holidayList(year, region)) result[day] = name;
  return result;
}

/**
 * Tell whether `day` is a Saturday or a Sunday.
 * @param {string} day "YYYY-MM-DD"
 * @returns {boolean}
 */
export function isWeekend(day) {
  return weekday(day) >= SATURDAY;
}

/**
 * Tell whether `day` is a public holiday in `region` (whatever its weekday).
 * @param {{day: string, region: CalendarRegion}} options
 * @returns {boolean}
 */
export function isPublicHoliday({ day, region }) {
  const year = Number(day.slice(0, 4));
  return holidayList(year, region).some(([holiday]) => holiday === day);
}

/**
 * Tell whether `day` is a jour ouvré: Monday to Friday and not a public holiday.
 * @param {{day: string, region: CalendarRegion}} options
 * @returns {boolean}
 */
export function isWorkingDay({ day, region }) {
  return !isWeekend(day) && !isPublicHoliday({ day, region });
}

/**
 * The jours ouvrés of a month, in order.
 * @param {{month: MonthKey, region: CalendarRegion}} options
 * @returns {string[]}
 */
export function workingDays({ month, region }) {
  return monthDays(month).filter((day) => isWorkingDay({ day, region }));
}

/**
 * Describe every calendar day of a month: weekend, holiday name, working day.
 * @param {{month: MonthKey, region: CalendarRegion}} options
 * @returns {CalendarDay[]} One entry per calendar day, in order.
 */
export function monthCalendar({ month, region }) {
  const holidays = publicHolidays({ year: month.year, region });
  return monthDays(month).map((day) => {
    const weekend = isWeekend(day);
    const holiday = Object.hasOwn(holidays, day) ? holidays[day] : null;
    return { date: day, weekend, holiday, working: !weekend && holiday === null };
  });
}
