// The approver's review (pwa/js/online/review.js): a MonthOut read through month.js's model,
// so the manager sees the same empty and ½ days and totals as the consultant's own screen.
import assert from "node:assert/strict";
import { test } from "node:test";

import { changedDays, reviewModel } from "../../pwa/js/online/review.js";

const LINE = "mission:m1";

/** A MonthOut as GET /people/{id}/months/2026-11 answers it (the fields the review reads). */
const monthOut = (status, days) => ({
  consultant_id: "p1",
  consultant_name: "Bruno",
  month: "2026-11",
  status,
  version: 7,
  days,
  missions: [
    {
      id: "m1",
      title: "Portail",
      client_id: "k1",
      comments_required: false,
      start_date: "2026-01-01",
      end_date: null,
      calendar_region: "metropole",
    },
  ],
});

test("the review flags the empty and ½ working days and totals each line, read-only", () => {
  const model = reviewModel(
    monthOut("in_validation", [
      { date: "2026-11-02", lines: [{ line: LINE, half_days: 2 }], comment: "" },
      { date: "2026-11-03", lines: [{ line: LINE, half_days: 1 }], comment: "médecin l'après-midi" },
      {
        date: "2026-11-04",
        lines: [
          { line: LINE, half_days: 1 },
          { line: "absence:RTT", half_days: 1 },
        ],
        comment: "",
      },
      { date: "2026-11-07", lines: [{ line: LINE, half_days: 2 }], comment: "astreinte" },
    ]),
  );
  // November 2026: 20 working days (11 November a holiday); the 7th is a Saturday.
  assert.equal(model.emptyDates.length, 17);
  assert.equal(model.empty, 17);
  assert.ok(!model.emptyDates.includes("2026-11-11"));
  assert.deepEqual(model.half, ["2026-11-03"]);
  assert.equal(model.totals[LINE], 6);
  assert.equal(model.totals["absence:RTT"], 1);
  assert.deepEqual(
    model.rows.map((r) => r.key),
    [LINE, "absence:RTT"],
    "only the lines used: no empty absence rows",
  );
  assert.equal(model.days["2026-11-03"].comment, "médecin l'après-midi");
  assert.equal(model.editable, false);
});

test("a sent-back month, editable by its consultant, is still read-only in the review", () => {
  assert.equal(reviewModel(monthOut("sent_back", [])).editable, false);
  assert.equal(reviewModel(monthOut("sent_back", [])).empty, 20);
});

test("what changed since the approver's last read: lines or comment, days added or cleared", () => {
  const day = (date, halfDays, comment = "") => ({
    date,
    lines: halfDays ? [{ line: LINE, half_days: halfDays }] : [],
    comment,
  });
  const before = monthOut("sent_back", [day("2026-11-02", 2), day("2026-11-03", 1), day("2026-11-04", 2)]);
  const after = monthOut("in_validation", [
    day("2026-11-02", 2),
    day("2026-11-03", 2),
    day("2026-11-04", 2, "client sur site"),
    day("2026-11-05", 2),
  ]);
  assert.deepEqual(changedDays(before, after), ["2026-11-03", "2026-11-04", "2026-11-05"]);
  assert.deepEqual(changedDays(after, after), []);
  // Line order within a day is not a change.
  const twoLines = (lines) => monthOut("draft", [{ date: "2026-11-02", lines, comment: "" }]);
  const a = { line: LINE, half_days: 1 };
  const b = { line: "absence:RTT", half_days: 1 };
  assert.deepEqual(changedDays(twoLines([a, b]), twoLines([b, a])), []);
  assert.deepEqual(changedDays(before, monthOut("draft", [])), ["2026-11-02", "2026-11-03", "2026-11-04"]);
});
