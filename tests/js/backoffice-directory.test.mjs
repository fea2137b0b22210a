// The back office's Clients and Missions tabs (pwa/js/online/backoffice/): the euros typed for a
// daily rate become integer cents, and their string tables hold French and English alike.
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import * as clients from "../../pwa/js/online/backoffice/clients.js";
import * as form from "../../pwa/js/online/backoffice/directory-form.js";
import { parseEuros, STRINGS } from "../../pwa/js/online/backoffice/missions.js";

test("a daily rate typed in euros, the French or English way, is sent in cents", () => {
  assert.equal(parseEuros("600"), 60000);
  assert.equal(parseEuros("600,50"), 60050);
  assert.equal(parseEuros("600,5"), 60050);
  assert.equal(parseEuros("600.05"), 60005);
  assert.equal(parseEuros("1 200,50 €"), 120050);
  assert.equal(parseEuros("1\u202f200"), 120000);
  for (const bad of ["", "abc", "600,505", "-600", "6e2", "600,", ",50", "1.200,50"]) {
    assert.equal(parseEuros(bad), null, bad);
  }
});

const placeholders = (text) =>
  [...new Set([...text.matchAll(/\{(\w+)(?:\|[^}]*)?\}/g)].map((m) => m[1]))].sort();

test("the tabs' strings are [French, English] with the same placeholders, under their prefix", () => {
  const tables = {
    "bo.clients.": clients.STRINGS,
    "bo.missions.": STRINGS,
    "bo.dir.": form.STRINGS,
  };
  for (const [prefix, table] of Object.entries(tables)) {
    assert.ok(Object.keys(table).length > 5, prefix);
    for (const [key, [fr, en]] of Object.entries(table)) {
      assert.ok(key.startsWith(prefix), key);
      assert.ok(fr.trim() && en.trim(), key);
      assert.deepEqual(placeholders(fr), placeholders(en), key);
    }
  }
});
