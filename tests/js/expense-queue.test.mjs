// An expense line edited, deleted and handed in on the phone, through the one queue of
// pwa/js/store.js (pwa/js/online/expense-queue.js): a change not sent yet is overwritten in
// place in one transaction with its photos, one already sent is followed by another, and the
// screen shows the server's lines with the queued changes over them.
// Run: node --test tests/js/   (after `npm install`)

import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { test } from "node:test";

import { argsOf, changeLine, linesOf } from "../../pwa/js/online/expense-queue.js";
import { openStore } from "../../pwa/js/store.js";

const LUNCH = "a".repeat(64);
const TICKET = "b".repeat(64);
const LINE = "0b9c3c52-6f55-4d1e-9a57-00000000e001";
const OTHER = "0b9c3c52-6f55-4d1e-9a57-00000000e002";
const SERVER_LINE = "0b9c3c52-6f55-4d1e-9a57-00000000e003";
const label = { name: "Repas" };
const blob = new Blob(["photo"]);

let users = 0;
async function freshStore() {
  users += 1;
  return openStore({ userId: `expense-queue-${users}-${Date.now()}` });
}

/** A file_expense's (or edit_expense's) wire args. */
const meal = (id, gross, receipts = [], day = "2025-03-04") => ({
  id,
  spent_on: day,
  category: "meal",
  vat_lines: [{ rate_bp: 1000, gross_cents: gross }],
  comment: "",
  receipts,
});

/** What the queue holds: [name, line id, gross] in queue order. */
async function queue(store) {
  const { pending } = await store.decisions();
  return pending.map((m) => [m.name, m.args.id ?? m.args.month, m.args.vat_lines?.[0]?.gross_cents]);
}

test("a line filed and not sent yet is edited in place, its dropped photo forgotten with it", async () => {
  const store = await freshStore();
  await store.decide("file_expense", meal(LINE, 4550, [LUNCH]), label, [{ sha256: LUNCH, blob }]);
  await store.decide("file_expense", meal(OTHER, 1200, [LUNCH]), label);
  const edited = await changeLine(store, "edit_expense", meal(LINE, 2300, [TICKET]), label, [
    { sha256: TICKET, blob },
  ]);
  assert.equal(edited.ok, true);
  assert.deepEqual(await queue(store), [
    ["file_expense", LINE, 2300],
    ["file_expense", OTHER, 1200],
  ]);
  // The lunch photo is still named by the other line: kept; the ticket joined the queue.
  assert.deepEqual((await store.receipts()).map((r) => r.sha256).sort(), [LUNCH, TICKET]);
  // Deleted before it was ever sent: the filing becomes, in place, the deletion of a line the
  // server never gets (the ids it receives follow each other); the ticket goes with it.
  const deleted = await changeLine(store, "delete_expense", { id: LINE }, label);
  assert.equal(deleted.id, edited.id);
  assert.deepEqual(await queue(store), [
    ["delete_expense", LINE, undefined],
    ["file_expense", OTHER, 1200],
  ]);
  assert.deepEqual((await store.receipts()).map((r) => r.sha256), [LUNCH]);
  await store.receipts(LUNCH); // uploaded
  const request = await store.nextRequest();
  assert.deepEqual(request.mutations.map((m) => m.id), [1, 2], "no gap in the ids");
  assert.deepEqual(request.mutations[0].args, { id: LINE });
  store.close();
});

test("a change already sent is never overwritten: the next one is queued after it", async () => {
  const store = await freshStore();
  await store.decide("file_expense", meal(LINE, 4550), label);
  await store.nextRequest(); // sent: the server may hold it
  const edited = await changeLine(store, "edit_expense", meal(LINE, 2300), label);
  const again = await changeLine(store, "edit_expense", meal(LINE, 2000), label);
  assert.equal(again.id, edited.id, "the unsent edit is overwritten in place");
  await changeLine(store, "edit_expense", meal(SERVER_LINE, 999), label);
  await changeLine(store, "delete_expense", { id: SERVER_LINE }, label);
  assert.deepEqual(await queue(store), [
    ["file_expense", LINE, 4550],
    ["edit_expense", LINE, 2000],
    ["delete_expense", SERVER_LINE, undefined],
  ]);
  // One hand-in of a month waits at a time.
  assert.equal((await store.decide("submit_expenses", { month: "2025-03" }, label)).ok, true);
  assert.equal((await store.decide("submit_expenses", { month: "2025-03" }, label)).ok, false);
  assert.deepEqual((await store.nextRequest()).mutations.map((m) => m.name), [
    "file_expense",
    "edit_expense",
    "delete_expense",
    "submit_expenses",
  ]);
  store.close();
});

test("the screen shows the server's lines with the queued changes over them", () => {
  const server = [
    { ...meal(SERVER_LINE, 800), status: "refused", refusal_reason: "Illisible", gross_cents: 800 },
    { ...meal(OTHER, 1500, [], "2025-03-02"), status: "draft", gross_cents: 1500 },
    { ...meal(LINE, 3000, [], "2025-03-01"), status: "submitted", gross_cents: 3000 },
  ];
  const filed = "0b9c3c52-6f55-4d1e-9a57-00000000e004";
  const pending = [
    { id: 7, name: "edit_expense", args: meal(SERVER_LINE, 900) },
    { id: 8, name: "file_expense", args: meal(filed, 450, [], "2025-03-05") },
    { id: 9, name: "delete_expense", args: { id: OTHER } },
    { id: 10, name: "submit_expenses", args: { month: "2025-03" } },
    { id: 11, name: "file_expense", args: meal("elsewhere", 100, [], "2025-04-01") },
  ];
  const shown = linesOf(server, pending, "2025-03");
  assert.deepEqual(
    shown.map((l) => [l.id, l.status, l.gross_cents, l.queued, l.handing]),
    [
      [LINE, "submitted", 3000, undefined, undefined],
      [SERVER_LINE, "draft", 900, 7, 10],
      [filed, "draft", 450, 8, 10],
    ],
  );
  assert.equal(shown[1].refusal_reason, "Illisible", "the reason stays until the next decision");
  assert.deepEqual(argsOf(shown[1]), { ...meal(SERVER_LINE, 900), mission_id: null });
});
