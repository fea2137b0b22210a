// The mission form's typed terms (online/backoffice/missions.js): a cap typed in days by half
// days is sent in integer half-days, a margin typed in percent in basis points (0 to 100 %).

import assert from "node:assert/strict";
import { test } from "node:test";

import { parseHalfDays, parsePercent } from "../../pwa/js/online/backoffice/missions.js";

test("a cap typed in days, by half days, is sent in half-days", () => {
  assert.equal(parseHalfDays("20"), 40);
  assert.equal(parseHalfDays("20,5"), 41);
  assert.equal(parseHalfDays("20.5"), 41);
  assert.equal(parseHalfDays("20,50"), 41);
  assert.equal(parseHalfDays("20,0"), 40);
  assert.equal(parseHalfDays("1 000"), 2000);
  for (const bad of ["", "abc", "20,3", "20,25", "-2", "20,", ",5", "2e1"]) {
    assert.equal(parseHalfDays(bad), null, bad);
  }
});

test("a margin typed in percent is sent in basis points, 100 % at most", () => {
  assert.equal(parsePercent("0"), 0);
  assert.equal(parsePercent("5"), 500);
  assert.equal(parsePercent("7,5"), 750);
  assert.equal(parsePercent("7.25 %"), 725);
  assert.equal(parsePercent("100"), 10_000);
  for (const bad of ["", "abc", "100,01", "120", "-5", "7,125"]) {
    assert.equal(parsePercent(bad), null, bad);
  }
});
