// The billing tab's amounts: typed and read in euros the French way, sent in cents.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  euroInput,
  formatEuros,
  parseHalfDays,
  parseHundredths,
} from "../../pwa/js/online/backoffice/euros.js";

const spaces = (text) => text.replace(/[\u00a0\u202f]/g, " ");

test("amounts show in euros the French way, never in cents", () => {
  assert.equal(spaces(formatEuros(123450)), "1 234,50 €");
  assert.equal(spaces(formatEuros(5)), "0,05 €");
  assert.equal(spaces(formatEuros(1677000)), "16 770,00 €");
  assert.equal(spaces(euroInput(123450)), "1 234,50");
});

test("an amount typed with a comma, a point, spaces or the euro sign reads the same", () => {
  for (const typed of ["1234,5", "1 234,50", "1\u202f234,50 €", "1234.50", " 1234,50€ "]) {
    assert.equal(parseHundredths(typed), 123450, typed);
  }
  assert.equal(parseHundredths("5"), 500);
  assert.equal(parseHundredths("0,01"), 1);
  assert.equal(parseHundredths(euroInput(1677000)), 1677000, "a prefilled amount reads back");
});

test("an amount the form cannot read for sure is refused, not guessed", () => {
  for (const typed of ["", "abc", "-5", "1,234,5", "1.234,50", "12,345", "1e3", "12,"]) {
    assert.equal(parseHundredths(typed), null, typed);
  }
});

test("days are typed whole or half, sent in half-days", () => {
  assert.equal(parseHalfDays("21,5"), 43);
  assert.equal(parseHalfDays("21"), 42);
  assert.equal(parseHalfDays("0"), 0);
  assert.equal(parseHalfDays("1,25"), null);
  assert.equal(parseHalfDays("x"), null);
});
