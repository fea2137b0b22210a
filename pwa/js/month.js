// The month screen's logic, pure (no DOM, no storage): which rows a month shows, what a tap,
// the prefill and an absence range write. app.js hands the edits to the store; views draw
// the model. Quantities are half-days (2 = a day), as everywhere.

import { monthCalendar } from "./core/calendar.js";
import { isEditable, lastDay, parseMonth } from "./core/months.js";
import { ABSENCE_TYPES, absenceLine, missionActiveOn, missionLine } from "./core/rules.js";

const FULL = 2;

/**
 * A mission as the API sends it (MissionOut), reduced to what the grid needs.
 * @param {any} m
 */
export function missionInfo(m) {
  return {
    id: String(m.id),
    title: String(m.title ?? m.id),
    start: m.start_date ?? m.start,
    end: m.end_date ?? m.end ?? null,
    region: m.calendar_region ?? m.region ?? "metropole",
    absences: [...(m.allowed_absences ?? [])],
  };
}

/** @param {{line: string, half_days: number}[]} lines */
const sum = (lines) => lines.reduce((total, l) => total + l.half_days, 0);

/**
 * Everything the month screen shows, from the reference data and the store's month view.
 * @param {{month: string, missions: any[], organisation?: any, view: any}} input
 */
export function buildMonth({ month, missions, organisation, view }) {
  const key = parseMonth(month);
  const first = `${month}-01`;
  const last = lastDay(key);
  const active = missions
    .map(missionInfo)
    .filter((m) => m.start <= last && (m.end === null || m.end >= first));
  const region = active[0]?.region ?? organisation?.calendar_region ?? "metropole";
  const calendar = monthCalendar({ month: key, region });
  const calendars = new Map([[region, calendar]]);
  const calendarOf = (r) => {
    if (!calendars.has(r)) calendars.set(r, monthCalendar({ month: key, region: r }));
    return calendars.get(r);
  };
  const allowed = new Set(active.length ? active.flatMap((m) => m.absences) : ABSENCE_TYPES);
  /** @type {any[]} */
  const rows = [
    ...active.map((m) => ({
      key: missionLine(m.id),
      kind: "mission",
      label: m.title,
      mission: m,
      calendar: calendarOf(m.region),
    })),
    ...ABSENCE_TYPES.filter((a) => allowed.has(a)).map((a) => ({
      key: absenceLine(a),
      kind: "absence",
      absence: a,
      calendar,
    })),
  ];
  const days = view?.days ?? {};
  // A line stored on a day but not offered any more (mission ended…) still gets its row:
  // nothing recorded is ever hidden.
  const known = new Set(rows.map((r) => r.key));
  for (const day of Object.values(days)) {
    for (const { line } of day.lines) {
      if (known.has(line)) continue;
      known.add(line);
      const mission = missions.find((m) => line === missionLine(String(m.id)));
      rows.push(
        line.startsWith("absence:")
          ? { key: line, kind: "absence", absence: line.slice(8), calendar }
          : { key: line, kind: "mission", label: mission?.title ?? line, calendar },
      );
    }
  }
  const totals = Object.fromEntries(rows.map((r) => [r.key, 0]));
  let total = 0;
  for (const day of Object.values(days)) {
    for (const l of day.lines) totals[l.line] = (totals[l.line] ?? 0) + l.half_days;
    total += sum(day.lines);
  }
  const emptyDates = calendar
    .filter((d) => d.working && !days[d.date]?.lines.length)
    .map((d) => d.date);
  const empty = emptyDates.length;
  // A working day at ½ with nothing else is worth a second look before submitting.
  const half = calendar
    .filter((d) => d.working && days[d.date] && sum(days[d.date].lines) === 1)
    .map((d) => d.date);
  const status = view?.status ?? "draft";
  return {
    month,
    region,
    calendar,
    rows,
    missions: active,
    days,
    totals,
    total,
    empty,
    emptyDates,
    half,
    status,
    editable: isEditable(status) && !view?.submitting,
    submitting: Boolean(view?.submitting),
    pendingDates: view?.pendingDates ?? new Set(),
    blocked: view?.blocked ?? new Set(),
    rejected: view?.rejected ?? [],
    changedElsewhere: view?.changedElsewhere ?? {},
  };
}

/**
 * Half-days of one line on one day.
 * @param {any} model
 * @param {string} date
 * @param {string} line
 */
export function valueOf(model, date, line) {
  return model.days[date]?.lines.find((l) => l.line === line)?.half_days ?? 0;
}

/**
 * The day after a tap on (date, line): 0 → 1 day → ½ → 0. A value that would overfill the
 * day is lowered to what fits; on a day already full it is kept, and the store refuses it
 * with `day_over_one` — shown next to the cell.
 * @param {any} model
 * @param {string} date
 * @param {string} line
 */
export function cycle(model, date, line) {
  const day = model.days[date] ?? { lines: [], comment: "" };
  const current = valueOf(model, date, line);
  const others = day.lines.filter((l) => l.line !== line);
  const room = FULL - sum(others);
  let next = current === 0 ? FULL : current === FULL ? 1 : 0;
  if (current === 0 && room > 0) next = Math.min(next, room);
  const lines = next ? [...others, { line, half_days: next }] : others;
  return { date, lines, comment: day.comment ?? "" };
}

/**
 * Prefill: every empty working day gets a full day of the mission active on it, with
 * `comment` where the day has none (a mission that requires one gets it once for all). Each
 * edit is a `fill`: the server keeps a day filled meanwhile elsewhere (an approved leave).
 * @param {any} model
 * @param {string} [comment]
 */
export function prefillEdits(model, comment = "") {
  const edits = [];
  for (const row of model.rows) {
    if (row.kind !== "mission" || !row.mission) continue;
    for (const d of row.calendar) {
      const day = model.days[d.date];
      if (!d.working || day?.lines.length || !missionActiveOn(row.mission, d.date)) continue;
      if (edits.some((e) => e.date === d.date)) continue; // an earlier mission took it
      edits.push({
        date: d.date,
        lines: [{ line: row.key, half_days: FULL }],
        comment: day?.comment || comment,
        fill: true,
      });
    }
  }
  return edits.sort((a, b) => (a.date < b.date ? -1 : 1));
}

/**
 * An absence over a range of days of the month (working days only). A half-day keeps what
 * else the day holds, lowered to fit; a full day replaces it.
 * @param {any} model
 * @param {{absence: string, from: string, to: string, half: boolean}} range
 */
export function absenceEdits(model, { absence, from, to, half }) {
  const line = absenceLine(absence);
  const amount = half ? 1 : FULL;
  return model.calendar
    .filter((d) => d.working && d.date >= from && d.date <= to)
    .map((d) => {
      const day = model.days[d.date] ?? { lines: [], comment: "" };
      const lines = [{ line, half_days: amount }];
      let room = FULL - amount;
      for (const l of day.lines) {
        if (l.line === line || room === 0) continue;
        const kept = Math.min(l.half_days, room);
        lines.push({ line: l.line, half_days: kept });
        room -= kept;
      }
      return { date: d.date, lines, comment: day.comment ?? "" };
    });
}
