// The string tables of pwa/js/i18n.js and of the on-demand screens (pwa/js/online/).
// Run: node --test tests/js/

import assert from "node:assert/strict";
import { test } from "node:test";

import { daysInWords, FR, loadLocale, pickLocale, setLocale, t, textLocale, tOr } from "../../pwa/js/i18n.js";
import { EN } from "../../pwa/js/online/en.js";

// `{count}` and `{count|one|other}` both name the parameter `count`.
const placeholders = (text) =>
  [...new Set([...text.matchAll(/\{(\w+)(?:\|[^}]*)?\}/g)].map((m) => m[1]))].sort();

/** @param {Record<string, unknown>} table */
function checkTable(table) {
  const problems = [];
  for (const [key, entry] of Object.entries(table)) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      problems.push(`${key}: not [French, English]`);
      continue;
    }
    const [fr, en] = entry;
    if (typeof fr !== "string" || !fr.trim() || typeof en !== "string" || !en.trim()) {
      problems.push(`${key}: empty translation`);
    } else if (placeholders(fr).join() !== placeholders(en).join()) {
      problems.push(`${key}: placeholders differ (${placeholders(fr)} / ${placeholders(en)})`);
    }
  }
  return problems;
}

const ONLINE = [
  "leave",
  "account",
  "home",
  "circuit",
  "push",
  "review",
  "team",
  "backoffice/people",
  "backoffice/months",
  "backoffice/missions",
  "backoffice/exports",
  "backoffice/billing",
  "backoffice/organisation",
  "backoffice/clients",
  "backoffice/client-edit",
  "backoffice/devices",
  "backoffice/imports",
  "backoffice/leave",
  "expenses",
  "backoffice/firm-costs",
  "privacy",
  "backoffice/sso",
  "backoffice/integrations",
  "backoffice/people-paste",
  "backoffice/brand",
];
// On-demand modules with only a few strings of their own.
const ONLINE_FEW = ["logout"];

test("every string has a French and an English text with the same placeholders", async () => {
  // The shell's French and the on-demand English: the same keys, the same placeholders.
  assert.deepEqual(Object.keys(EN).sort(), Object.keys(FR).sort());
  const shell = Object.fromEntries(Object.keys(EN).map((key) => [key, [FR[key], EN[key]]]));
  assert.deepEqual(checkTable(shell), []);
  assert.ok(Object.keys(FR).length > 100);
  for (const name of ONLINE) {
    const module = await import(`../../pwa/js/online/${name}.js`);
    assert.deepEqual(checkTable(module.STRINGS), [], name);
    assert.ok(Object.keys(module.STRINGS).length > 5, name);
  }
  for (const name of ONLINE_FEW) {
    const module = await import(`../../pwa/js/online/${name}.js`);
    assert.deepEqual(checkTable(module.STRINGS), [], name);
    assert.ok(Object.keys(module.STRINGS).length > 0, name);
  }
});

test("the signer's portal holds its texts the app's way", async () => {
  // One way to hold texts: [French, English] tables joined to i18n.js, keys under their own
  // prefix so they never replace one of the app's.
  const pages = { sign: "../../pwa/sign/strings.js" };
  for (const [prefix, path] of Object.entries(pages)) {
    const { STRINGS } = await import(path);
    assert.deepEqual(checkTable(STRINGS), [], prefix);
    assert.ok(Object.keys(STRINGS).length > 20, prefix);
    assert.deepEqual(
      Object.keys(STRINGS).filter((key) => !key.startsWith(`${prefix}.`)),
      [],
      prefix,
    );
  }
});

test("no screen keeps a dictionary or an HTTP client of its own", async () => {
  const { readFile, readdir } = await import("node:fs/promises");
  const root = new URL("../../pwa/", import.meta.url);
  const files = [];
  for (const dir of ["js", "js/online", "js/views", "js/core", "sign", "admin"]) {
    for (const name of await readdir(new URL(dir, root))) {
      if (name.endsWith(".js")) files.push(`${dir}/${name}`);
    }
  }
  const problems = [];
  for (const file of files) {
    const text = await readFile(new URL(file, root), "utf8");
    if (file !== "js/api.js" && /\bfetch\(/.test(text)) problems.push(`${file} calls fetch()`);
    if (/\ben:\s*\{/.test(text) && /\bfr:\s*\{/.test(text)) {
      problems.push(`${file} keeps {fr: {...}, en: {...}} texts`);
    }
  }
  assert.deepEqual(problems, []);
});

test("an on-demand screen's strings join the table when it is imported", async () => {
  const { STRINGS: own } = await import("../../pwa/js/online/account.js");
  assert.ok(Object.keys(own).length > 10);
  try {
    setLocale("fr");
    assert.equal(t("signin.button"), "Se connecter avec une clé d'accès");
    assert.equal(t("invite.heading", { name: "Alice" }), "Bienvenue Alice");
    setLocale("en");
    await loadLocale();
    assert.equal(textLocale(), "en");
    assert.equal(t("invite.heading", { name: "Alice" }), "Welcome Alice");
    assert.equal(t("sync.online"), "Online");
    assert.equal(t("no.such.key"), "no.such.key", "a missing string shows its key");
    assert.equal(tOr("no.such.key"), null);
    assert.equal(tOr("status.signed"), "Signed");
  } finally {
    setLocale("fr");
  }
});

test("the locale comes from the first supported language, French otherwise", () => {
  assert.equal(pickLocale(["en-GB", "fr"]), "en");
  assert.equal(pickLocale(["de-DE", "fr-CA"]), "fr");
  assert.equal(pickLocale(["de"]), "fr");
  assert.equal(pickLocale(undefined), "fr");
});

test("counts agree with their noun in both languages, halves included", async () => {
  try {
    setLocale("fr");
    assert.equal(t("sync.pending", { count: 1 }), "1 modification en attente d'envoi");
    assert.equal(t("sync.pending", { count: 3 }), "3 modifications en attente d'envoi");
    // French counts 0 and 1,5 in the singular.
    assert.equal(t("month.empty", { count: 0 }), "0 jour ouvré sans saisie");
    assert.equal(daysInWords(3), "1,5 jour");
    assert.equal(daysInWords(44), "22 jours");
    setLocale("en");
    await loadLocale();
    assert.equal(t("sync.pending", { count: 1 }), "1 edit waiting to be sent");
    assert.equal(t("month.empty", { count: 0 }), "0 working days left empty");
    assert.equal(daysInWords(3), "1.5 days");
    assert.equal(daysInWords(2), "1 day");
  } finally {
    setLocale("fr");
  }
  const hedged = Object.entries({ ...FR, ...EN }).filter(([, text]) => /\w\(s\)/.test(text));
  assert.deepEqual(hedged, [], "a plural written as (s)");
});

test("a date-time shows in Paris time, hours written the French way", async () => {
  const { formatDateTime } = await import("../../pwa/js/online/datetime.js");
  setLocale("fr");
  const full = { dateStyle: "full", timeStyle: "short" };
  // 09:05 UTC is 10:05 in Paris in November (CET), 11:05 in June (CEST).
  assert.equal(formatDateTime("2026-11-16T09:05:00+00:00", full), "lundi 16 novembre 2026 à 10 h 05");
  assert.equal(formatDateTime("2026-06-15T09:05:00Z"), "15 juin 2026 à 11 h 05");
  assert.equal(formatDateTime("2026-12-05T00:05:00Z"), "5 décembre 2026 à 1 h 05");
  setLocale("en");
  assert.equal(formatDateTime("2026-11-16T09:05:00+00:00"), "16 November 2026 at 10:05");
  assert.equal(formatDateTime("not a date"), "not a date");
  setLocale("fr");
});
