// The back office's Congés tab reads amounts typed in days with a French decimal comma and
// sends integer half-days (pwa/js/online/backoffice/leave.js halfDaysOf).
import assert from "node:assert/strict";
import { test } from "node:test";

const { halfDaysOf } = await import("../../pwa/js/online/backoffice/leave.js");

test("days typed with a comma or a point become half-days, a minus sign removes", () => {
  assert.equal(halfDaysOf("12,5"), 25);
  assert.equal(halfDaysOf("2.5"), 5);
  assert.equal(halfDaysOf(" 3 "), 6);
  assert.equal(halfDaysOf("-1"), -2);
  assert.equal(halfDaysOf("−0,5"), -1);
  assert.equal(halfDaysOf("+1,50"), 3);
  assert.equal(halfDaysOf("0"), 0);
});

test("what is not a whole or half day is refused", () => {
  for (const text of ["", "1,3", "1,25", "abc", "1 000", "2,5 jours", "--1"]) {
    assert.equal(halfDaysOf(text), null, text);
  }
});
