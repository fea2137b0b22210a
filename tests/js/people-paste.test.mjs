// Pasted lines → the people import's CSV (pwa/js/online/backoffice/people-paste.js): the
// header the importer reads, one row a line whatever the separator, blank lines kept so
// line n stays row n + 1.
import assert from "node:assert/strict";
import test from "node:test";

import { pastedCsv } from "../../pwa/js/online/backoffice/people-paste.js";

test("pasted lines become the import's CSV under its header, whatever the separator", () => {
  const { csv, lines } = pastedCsv(
    "Léa Petit\tlea@exemple.fr\tmanager\r\nPaul Durand; paul@exemple.fr\n\nZoé, zoe@exemple.fr, admin\n\n",
  );
  assert.equal(lines, 3);
  assert.equal(
    csv,
    "Nom complet;E-mail;Rôles\r\nLéa Petit;lea@exemple.fr;manager\r\nPaul Durand;paul@exemple.fr;\r\n\r\nZoé;zoe@exemple.fr;admin\r\n",
  );
});

test("a cell holding a semicolon or a quote is quoted the CSV way", () => {
  const { csv } = pastedCsv('Jean "JJ"; Dupont\tjean@exemple.fr');
  assert.equal(csv, 'Nom complet;E-mail;Rôles\r\n"Jean ""JJ""; Dupont";jean@exemple.fr;\r\n');
});

test("nothing pasted is no line", () => {
  assert.equal(pastedCsv("  \n\t\n").lines, 0);
});
