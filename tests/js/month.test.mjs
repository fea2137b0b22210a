// The month screen's pure logic (pwa/js/month.js): rows, the tap cycle, prefill, absences.
import assert from "node:assert/strict";
import { test } from "node:test";

import { absenceEdits, buildMonth, cycle, prefillEdits } from "../../pwa/js/month.js";

const mission = {
  id: "m1",
  title: "Portail",
  consultant_id: "p1",
  start_date: "2026-11-10",
  end_date: null,
  allowed_absences: ["CP", "RTT"],
  calendar_region: "alsace_moselle",
};
const M = "mission:m1";

/** @param {Record<string, any>} days */
const model = (days = {}) =>
  buildMonth({ month: "2026-12", missions: [mission], view: { status: "draft", days } });

test("rows: the active mission, then its allowed absences; totals in half-days", () => {
  const m = model({ "2026-12-01": { lines: [{ line: M, half_days: 2 }], comment: "" } });
  assert.deepEqual(
    m.rows.map((r) => r.key),
    [M, "absence:CP", "absence:RTT"],
  );
  assert.equal(m.totals[M], 2);
  assert.equal(m.total, 2);
  // December 2026: 23 weekdays minus Christmas (26 December, Alsace-Moselle, is a Saturday).
  assert.equal(m.empty, 21);
});

test("a tap cycles 0 → 1 day → ½ → 0 and lowers what would overfill the day", () => {
  let m = model();
  const steps = [];
  for (let i = 0; i < 3; i += 1) {
    const edit = cycle(m, "2026-12-01", M);
    steps.push(edit.lines.find((l) => l.line === M)?.half_days ?? 0);
    m = model({ "2026-12-01": { lines: edit.lines, comment: "" } });
  }
  assert.deepEqual(steps, [2, 1, 0]);
  const half = model({
    "2026-12-01": { lines: [{ line: "absence:RTT", half_days: 1 }], comment: "" },
  });
  assert.deepEqual(cycle(half, "2026-12-01", M).lines, [
    { line: "absence:RTT", half_days: 1 },
    { line: M, half_days: 1 },
  ]);
});

test("prefill fills every empty working day once, and nothing else", () => {
  const m = model({
    "2026-12-02": { lines: [{ line: "absence:CP", half_days: 2 }], comment: "x" },
  });
  const edits = prefillEdits(m);
  const dates = edits.map((e) => e.date);
  assert.equal(edits.length, 21);
  assert.ok(!dates.includes("2026-12-02") && !dates.includes("2026-12-26"));
  assert.ok(edits.every((e) => e.lines.length === 1 && e.lines[0].half_days === 2));
  // Fills: the server keeps a day filled meanwhile elsewhere (sync-protocol.md §3.6.1).
  assert.ok(edits.every((e) => e.fill === true));
});

test("an absence range covers working days only; a half day keeps half of the rest", () => {
  const m = model({ "2026-12-24": { lines: [{ line: M, half_days: 2 }], comment: "" } });
  const edits = absenceEdits(m, {
    absence: "CP",
    from: "2026-12-24",
    to: "2026-12-28",
    half: true,
  });
  assert.deepEqual(
    edits.map((e) => e.date),
    ["2026-12-24", "2026-12-28"],
  );
  assert.deepEqual(edits[0].lines, [
    { line: "absence:CP", half_days: 1 },
    { line: M, half_days: 1 },
  ]);
  assert.ok(edits.every((e) => !("fill" in e)), "an absence typed over a range is explicit");
});
