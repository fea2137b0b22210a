// An expense line's changes in the device's one queue (docs/expenses.md), loaded on demand with
// the #expenses screen: what the phone shows (the server's lines with the queued changes over
// them) and how a change is queued (store.decide, one IndexedDB transaction). No DOM here, so
// Node tests it on a real IndexedDB (tests/js/expense-queue.test.mjs).

import { requestToPromise as req } from "../db.js";

/** The queued kinds that concern the consultant's own expense lines. */
export const EXPENSE_KINDS = ["file_expense", "edit_expense", "delete_expense", "submit_expenses"];

/**
 * Queue the edit (`edit_expense`, the line's wire args) or the deletion (`delete_expense`,
 * `{id}`) of line `args.id`, with its new photos, in ONE transaction of the store. The line's
 * last queued change not sent yet is overwritten in place (a line not filed yet is filed with
 * the new values; deleted, its filing becomes the deletion of a line the server never gets,
 * as the ids the server receives must follow each other), and its photos nothing queued names
 * any more are forgotten with it. Once sent, the server may hold that change: this one goes
 * after it, and the server applies them in order.
 * @param {import("../store.js").Store} store
 * @param {"edit_expense" | "delete_expense"} name
 * @param {any} args
 * @param {{name: string}} label  What the line is, for the screen.
 * @param {Array<{sha256: string, blob: Blob}>} [receipts]  New photos (args.receipts names them).
 */
export function changeLine(store, name, args, label, receipts = []) {
  return store.decide(name, args, label, receipts, async (tx, record) => {
    // Only requests of this transaction are awaited here (db.js: the idb lifetime rule).
    const pending = tx.objectStore("pending");
    const subjects = pending.index("subject");
    const old = (await req(subjects.getAll(args.id))).sort((a, b) => a.id - b.id).at(-1);
    if (!old || old.sent) return 0;
    const kind = name === "edit_expense" && old.name === "file_expense" ? old.name : name;
    pending.put({ ...record, id: old.id, name: kind });
    const named = new Set(
      (await req(subjects.getAll())).flatMap((/** @type {any} */ m) => m.args.receipts ?? []),
    );
    for (const sha of old.args.receipts ?? []) {
      if (!named.has(sha)) tx.objectStore("receipts").delete(sha);
    }
    return old.id;
  });
}

/**
 * The month's lines as the phone shows them: the server's (or the copy kept from the last time
 * it was reached) with the queued changes over them, in queue order. A line with a queued
 * change carries `queued` (that change's local id); a refused line edited becomes a draft;
 * drafts with a hand-in queued carry `handing`.
 * @param {any[]} server  lines of GET /expense-reports/{month}
 * @param {any[]} pending  store.decisions().pending
 * @param {string} month  "YYYY-MM"
 * @returns {any[]}
 */
export function linesOf(server, pending, month) {
  const lines = new Map(server.map((line) => [line.id, { ...line }]));
  for (const change of pending) {
    const args = change.args;
    if (change.name === "submit_expenses") {
      if (args.month !== month) continue;
      for (const line of lines.values()) if (line.status === "draft") line.handing = change.id;
    } else if (change.name === "delete_expense") {
      lines.delete(args.id);
    } else if (change.name === "file_expense" || change.name === "edit_expense") {
      if (!String(args.spent_on).startsWith(month)) {
        lines.delete(args.id); // moved to another month
        continue;
      }
      const before = lines.get(args.id);
      const mileage = args.distance_km != null;
      lines.set(args.id, {
        ...before,
        ...args,
        vat_lines: args.vat_lines ?? [],
        gross_cents: mileage
          ? null
          : (args.vat_lines ?? []).reduce((sum, v) => sum + v.gross_cents, 0),
        status: "draft",
        refusal_reason: before?.refusal_reason ?? "",
        handing: undefined,
        queued: change.id,
      });
    }
  }
  return [...lines.values()].sort((a, b) => (a.spent_on < b.spent_on ? -1 : a.spent_on > b.spent_on ? 1 : 0));
}

/**
 * The wire args of a line as `edit_expense` takes them (`file_expense`'s shape).
 * @param {any} line  a line of `linesOf`
 */
export function argsOf(line) {
  const mileage = line.distance_km != null;
  return {
    id: line.id,
    spent_on: String(line.spent_on),
    mission_id: line.mission_id ?? null,
    category: line.category,
    comment: line.comment ?? "",
    receipts: [...(line.receipts ?? [])],
    ...(mileage
      ? { distance_km: line.distance_km, fiscal_power: line.fiscal_power, electric: Boolean(line.electric) }
      : { vat_lines: (line.vat_lines ?? []).map((v) => ({ rate_bp: v.rate_bp, gross_cents: v.gross_cents })) }),
  };
}
