// Unit tests of pwa/js/store.js (and the sync loop of pwa/js/sync.js) on a real IndexedDB
// implementation (fake-indexeddb), with sync responses built by hand from sync/protocol.py.
// The end-to-end path against the real server is covered by the browser tests.
// Run: node --test tests/js/   (after `npm install`)

import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { test } from "node:test";

import { compare, parseHlc } from "../../pwa/js/core/hlc.js";
import { parseMonth } from "../../pwa/js/core/months.js";
import { checkDay } from "../../pwa/js/core/rules.js";
import { buildMonth, prefillEdits } from "../../pwa/js/month.js";
import { DB_VERSION, StorageUnavailable, missionTermsOf, openStore } from "../../pwa/js/store.js";
import { startSync } from "../../pwa/js/sync.js";

const PERSON = { id: "0b9c3c52-6f55-4d1e-9a57-000000000001", display_name: "Alice Martin" };
const ACME = {
  id: "7f1e0a52-0000-4000-8000-00000000ac3e",
  consultant_id: PERSON.id,
  client_id: "7f1e0a52-0000-4000-8000-000000000c11",
  title: "Acme refonte",
  start_date: "2025-01-01",
  end_date: null,
  billing_mode: "regie",
  daily_rate_cents: 65000,
  day_cap_half_days: null,
  allowed_absences: ["CP", "RTT"],
  comments_required: false,
  calendar_region: "metropole",
  approval_steps: [],
  milestones: [],
};
const AUDIT = {
  ...ACME,
  id: "7f1e0a52-0000-4000-8000-0000000a0d17",
  title: "Audit (comments required)",
  comments_required: true,
  end_date: "2025-06-30",
};
// Another consultant's mission, as a manager's GET /missions would also list it.
const OTHERS = { ...ACME, id: "7f1e0a52-0000-4000-8000-00000000beef", consultant_id: "someone" };
const REFERENCE = {
  person: PERSON,
  organisation: { id: "org", legal_name: "Octave SAS", calendar_region: "metropole" },
  missions: [ACME, AUDIT, OTHERS],
};
const M_ACME = `mission:${ACME.id}`;
const M_AUDIT = `mission:${AUDIT.id}`;
const M_OTHERS = `mission:${OTHERS.id}`;
const SERVER_NOW = 1_741_080_005_000;

let users = 0;
/** A fresh person (a fresh database) per test. */
function nextUser() {
  users += 1;
  return `user-${users}-${Date.now()}`;
}

/** @param {{userId?: string, reference?: object | null}} [options] */
async function freshStore({ userId = nextUser(), reference = REFERENCE } = {}) {
  const store = await openStore({ userId });
  if (reference) await store.saveReference(reference);
  return store;
}

/** "Reboot": close the connection and open the database again. */
async function reboot(store) {
  store.close();
  return openStore({ userId: store.userId });
}

/** A SyncResponse with nothing in it; override what the test needs. */
function response(over = {}) {
  return {
    protocol: 2,
    last_mutation_id: 0,
    results: [],
    reset: false,
    cookie: { sid: "srv-1", v: 1 },
    has_more: false,
    days: [],
    months: [],
    overwrites: [],
    server_hlc: `${SERVER_NOW}:0000:server`,
    server_time_ms: SERVER_NOW,
    ...over,
  };
}

function dayState(date, lines, { version = 1, by = "server", comment = "", hlc } = {}) {
  return {
    date,
    lines: lines.map(([line, half_days]) => ({ line, half_days })),
    comment,
    hlc: hlc ?? `${SERVER_NOW - 1000}:0000:${by.replace(/-/g, "").slice(0, 16) || "server"}`,
    version,
    by_client: by,
  };
}

const full = (line) => [{ line, half_days: 2 }];
const half = (line) => [{ line, half_days: 1 }];

/** Run `fn` with IDBObjectStore.prototype.put throwing `error` for the store named `name`. */
async function withFailingPut(name, error, fn) {
  const original = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function put(...args) {
    if (this.name === name) throw error;
    return original.apply(this, args);
  };
  try {
    return await fn();
  } finally {
    IDBObjectStore.prototype.put = original;
  }
}

// ---- opening -------------------------------------------------------------------------------

test("openStore creates a client id once and keeps it across reopening", async () => {
  const store = await freshStore();
  assert.match(store.clientId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const again = await reboot(store);
  assert.equal(again.clientId, store.clientId);
  const other = await openStore({ userId: nextUser() });
  assert.notEqual(other.clientId, store.clientId, "one database (and client) per person");
  assert.deepEqual(await again.status(), {
    pending: 0,
    rejected: 0,
    lastSyncedAt: null,
    clockSkewMs: null,
  });
  assert.deepEqual(await again.reference(), REFERENCE);
  again.close();
  other.close();
});

test("openStore rejects with a clear error when IndexedDB is unavailable", async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "indexedDB");
  Object.defineProperty(globalThis, "indexedDB", { value: undefined, configurable: true });
  try {
    await assert.rejects(openStore({ userId: nextUser() }), (error) => {
      assert.ok(error instanceof StorageUnavailable);
      assert.equal(error.code, "storage_unavailable");
      assert.match(error.message, /IndexedDB is not available/);
      return true;
    });
  } finally {
    Object.defineProperty(globalThis, "indexedDB", saved);
  }
});

// ---- edit ----------------------------------------------------------------------------------

test("an edit is queued durably and survives a reboot", async () => {
  const store = await freshStore();
  const result = await store.edit({
    date: "2025-03-04",
    lines: [
      { line: "absence:RTT", half_days: 1 },
      { line: M_ACME, half_days: 1 },
    ],
    comment: "  matin RTT\u00a0",
  });
  assert.deepEqual(result, { ok: true, id: 1, ids: [1] });

  const rebooted = await reboot(store);
  const body = await rebooted.nextRequest();
  assert.equal(body.protocol, 2);
  assert.equal(body.client_id, store.clientId);
  assert.equal(body.cookie, null);
  assert.equal(body.ack_through, 0);
  assert.equal(body.limit, 500);
  assert.equal(body.mutations.length, 1);
  const [mutation] = body.mutations;
  assert.equal(mutation.id, 1);
  assert.equal(mutation.name, "set_day");
  const { hlc, ...args } = mutation.args;
  assert.deepEqual(args, {
    date: "2025-03-04",
    epoch: 0,
    // Canonical, as the server stores it: lines sorted by key, comment stripped.
    lines: [
      { line: "absence:RTT", half_days: 1 },
      { line: M_ACME, half_days: 1 },
    ],
    comment: "matin RTT",
    base_v: 0,
  });
  const stamp = parseHlc(hlc);
  assert.equal(stamp.node, store.clientId.replace(/-/g, "").slice(0, 16));
  assert.ok(Math.abs(stamp.wall_ms - Date.now()) < 60_000);

  const view = await rebooted.monthView("2025-03");
  assert.deepEqual(view.days["2025-03-04"], { lines: args.lines, comment: "matin RTT" });
  assert.deepEqual([...view.pendingDates], ["2025-03-04"]);
  assert.equal((await rebooted.status()).pending, 1);

  // Ids and stamps keep increasing after the reboot.
  assert.equal((await rebooted.edit({ date: "2025-03-05", lines: full(M_ACME) })).id, 2);
  const next = await rebooted.nextRequest();
  assert.equal(compare(next.mutations[1].args.hlc, hlc), 1);
  rebooted.close();
});

test("a day edited again before it was sent keeps one queued edit with its last value", async () => {
  const store = await freshStore();
  const first = await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  const again = await store.edit({ date: "2025-03-04", lines: half(M_ACME) });
  const other = await store.edit({ date: "2025-03-05", lines: full(M_ACME) });
  assert.equal(again.id, first.id, "the unsent edit is replaced in place");
  assert.equal(other.id, first.id + 1);
  const body = await store.nextRequest();
  assert.deepEqual(
    body.mutations.map((m) => [m.id, m.args.date, m.args.lines[0].half_days]),
    [
      [first.id, "2025-03-04", 1],
      [other.id, "2025-03-05", 2],
    ],
  );
  assert.equal(body.mutations[0].args.hlc > body.mutations[1].args.hlc, false);
  store.close();
});

test("an edit already sent is never changed: the next edit of its day is a new mutation", async () => {
  const store = await freshStore();
  const first = await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  const sent = await store.nextRequest(); // the server may now have processed it
  const again = await store.edit({ date: "2025-03-04", lines: half(M_ACME) });
  assert.notEqual(again.id, first.id);
  const body = await store.nextRequest();
  assert.deepEqual(body.mutations[0], sent.mutations[0], "the sent mutation is resent unchanged");
  assert.equal(body.mutations[1].args.lines[0].half_days, 1);
  store.close();
});

test("a prefill goes out as fills at the version seen, a typed day as an explicit edit", async () => {
  const store = await freshStore();
  // The device last pulled version 4, with 2025-03-05 already on leave.
  await store.applyResponse(
    null,
    response({
      cookie: { sid: "srv-1", v: 4 },
      days: [dayState("2025-03-05", [["absence:CP", 2]], { version: 4 })],
    }),
  );
  const view = await store.monthView("2025-03");
  const model = buildMonth({ month: "2025-03", missions: [ACME], view });
  const edits = prefillEdits(model);
  assert.equal(edits.length, 20, "the 21 working days of March 2025 but the leave");
  assert.ok(edits.every((edit) => edit.fill === true));
  assert.equal((await store.editMany(edits)).ok, true);
  // Typed after the prefill and before it was sent: the day's edit is now explicit.
  await store.edit({ date: "2025-03-06", lines: half(M_ACME) });

  const body = await store.nextRequest();
  const args = new Map(body.mutations.map((m) => [m.args.date, m.args]));
  assert.equal(args.size, 20);
  assert.equal(args.has("2025-03-05"), false, "the day on leave is not prefilled");
  assert.deepEqual(
    { ...args.get("2025-03-03"), hlc: "" },
    {
      date: "2025-03-03",
      epoch: 0,
      lines: full(M_ACME),
      comment: "",
      hlc: "",
      base_v: 4,
      fill: true,
    },
  );
  assert.equal("fill" in args.get("2025-03-06"), false, "a typed day replaces whatever is there");
  assert.equal(
    body.mutations.filter((m) => m.args.fill === true).length,
    19,
    "every other prefilled day is a fill",
  );

  // The server kept a leave approved meanwhile on 2025-03-04: the device takes its day.
  const leave = dayState("2025-03-04", [["absence:CP", 2]], { version: 5 });
  await store.applyResponse(
    body,
    response({
      last_mutation_id: body.mutations.at(-1).id,
      cookie: { sid: "srv-1", v: 6 },
      results: body.mutations.map((m) =>
        m.args.date === "2025-03-04"
          ? { id: m.id, status: "superseded", detail: "filled since", current: leave }
          : { id: m.id, status: "applied", hlc: m.args.hlc, version: 6 },
      ),
    }),
  );
  const after = await store.monthView("2025-03");
  assert.deepEqual(after.days["2025-03-04"], { lines: full("absence:CP"), comment: "" });
  assert.deepEqual(after.days["2025-03-03"], { lines: full(M_ACME), comment: "" });
  assert.deepEqual(after.rejected, []);
  assert.equal((await store.status()).pending, 0);
  store.close();
});

test("edit resolves only once the transaction is durable: another connection sees it", async () => {
  const store = await freshStore();
  const otherTab = await openStore({ userId: store.userId });
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  assert.equal((await otherTab.nextRequest()).mutations.length, 1);
  store.close();
  otherTab.close();
});

test("a failure mid-transaction writes neither the mutation nor the counters", async () => {
  const store = await freshStore();
  // The pending put has been issued when the meta put fails: the whole transaction aborts.
  const denied = await withFailingPut("meta", new DOMException("disk I/O", "UnknownError"), () =>
    store.edit({ date: "2025-03-04", lines: full(M_ACME) }),
  );
  assert.equal(denied.ok, false);
  assert.deepEqual(
    denied.violations.map((v) => [v.field, v.code]),
    [["storage", "storage_denied"]],
  );
  const full_ = await withFailingPut(
    "pending",
    new DOMException("quota", "QuotaExceededError"),
    () => store.editMany([{ date: "2025-03-04", lines: full(M_ACME) }]),
  );
  assert.deepEqual(
    full_.violations.map((v) => [v.field, v.code]),
    [["storage", "storage_full"]],
  );
  const rebooted = await reboot(store);
  assert.equal((await rebooted.status()).pending, 0, "nothing half-written");
  assert.deepEqual((await rebooted.monthView("2025-03")).days, {});
  // next_id was not consumed either.
  assert.equal((await rebooted.edit({ date: "2025-03-04", lines: full(M_ACME) })).id, 1);

  // A closed connection (signed out in this tab) refuses, it does not throw.
  rebooted.close();
  const closed = await rebooted.edit({ date: "2025-03-05", lines: full(M_ACME) });
  assert.equal(closed.violations[0].code, "storage_denied");
});

test("invalid edits are refused with core/rules.js's violations and nothing is queued", async () => {
  const store = await freshStore();
  const missions = missionTermsOf(REFERENCE);
  assert.deepEqual([...missions.keys()].sort(), [ACME.id, AUDIT.id].sort(), "own missions only");
  const cases = [
    { date: "2025-03-04", lines: [...full(M_ACME), { line: "absence:CP", half_days: 1 }] },
    { date: "2025-03-04", lines: [{ line: M_ACME, half_days: 3 }] },
    { date: "2025-03-04", lines: [{ line: M_ACME, half_days: 0 }] },
    { date: "2025-03-04", lines: [...full(M_ACME), ...full(M_ACME)] },
    { date: "2025-03-04", lines: full(M_OTHERS) },
    { date: "2025-03-04", lines: full("absence:maladie") },
    { date: "2025-03-04", lines: full("mission:") },
    { date: "2025-03-04", lines: full(M_AUDIT), comment: " \u202f" },
    { date: "2025-07-01", lines: full(M_AUDIT), comment: "après la fin" },
    { date: "2025-03-04", lines: full(M_ACME), comment: "x".repeat(501) },
    { date: "2025-03-04", lines: full(M_ACME), comment: "bell\u0007" },
    { date: "2024-12-31", lines: full(M_ACME) },
  ];
  for (const entry of cases) {
    const expected = checkDay({
      month: parseMonth(entry.date.slice(0, 7)),
      date: entry.date,
      lines: entry.lines,
      comment: entry.comment ?? "",
      missions,
    });
    assert.ok(expected.length > 0, JSON.stringify(entry));
    const result = await store.edit(entry);
    assert.deepEqual(result, { ok: false, violations: expected }, JSON.stringify(entry));
  }
  for (const date of ["2025-02-30", "2025-13-01", "25-03-04", "3000-01-01", null]) {
    const result = await store.edit({ date, lines: full(M_ACME) });
    assert.deepEqual(
      result.violations.map((v) => [v.field, v.code]),
      [["date", "invalid_date"]],
      String(date),
    );
  }
  assert.equal((await store.status()).pending, 0);
  assert.equal((await store.nextRequest()).mutations.length, 0);
  assert.equal((await store.edit({ date: "2025-03-04", lines: full(M_ACME) })).id, 1);
  store.close();
});

test("without reference data only absence lines validate", async () => {
  const store = await freshStore({ reference: null });
  assert.equal(await store.reference(), null);
  const refused = await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  assert.equal(refused.violations[0].code, "unknown_mission");
  assert.equal((await store.edit({ date: "2025-03-04", lines: full("absence:CP") })).ok, true);
  store.close();
});

test("an edit of a locked month is refused locally", async () => {
  const store = await freshStore();
  await store.applyResponse(
    await store.nextRequest(),
    response({ months: [{ month: "2025-03", status: "signed", epoch: 0, version: 3 }] }),
  );
  const result = await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.violations.map((v) => [v.field, v.code]),
    [["date", "month_locked"]],
  );
  assert.match(result.violations[0].message, /signed/);
  const submit = await store.submit("2025-03");
  assert.deepEqual(
    submit.violations.map((v) => [v.field, v.code]),
    [["month", "month_locked"]],
  );
  const view = await store.monthView("2025-03");
  assert.equal(view.status, "signed");
  assert.equal(view.editable, false);
  assert.equal((await store.status()).pending, 0);
  // Other months stay editable; a sent-back month is editable again.
  assert.equal((await store.edit({ date: "2025-04-01", lines: full(M_ACME) })).ok, true);
  await store.applyResponse(
    await store.nextRequest(),
    response({
      last_mutation_id: 1,
      results: [{ id: 1, status: "applied" }],
      months: [{ month: "2025-03", status: "sent_back", epoch: 1, version: 5 }],
    }),
  );
  const reopened = await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  assert.equal(reopened.ok, true);
  const body = await store.nextRequest();
  assert.equal(body.mutations[0].args.epoch, 1, "the epoch of the confirmed month");
  store.close();
});

test("a queued submission locks the month locally and reviews the confirmed version", async () => {
  const store = await freshStore();
  await store.applyResponse(
    await store.nextRequest(),
    response({
      cookie: { sid: "srv-1", v: 9 },
      days: [
        dayState("2025-03-03", [[M_ACME, 2]], { version: 7 }),
        dayState("2025-04-01", [[M_ACME, 2]], { version: 9 }),
      ],
      months: [
        { month: "2025-03", status: "draft", epoch: 0, version: 4 },
        { month: "2025-04", status: "draft", epoch: 0, version: 9 },
      ],
    }),
  );
  assert.equal((await store.monthView("2025-03")).version, 7, "max of month and day versions");
  assert.equal((await store.edit({ date: "2025-03-04", lines: full(M_ACME) })).id, 1);
  const submitted = await store.submit("2025-03");
  assert.deepEqual(submitted, { ok: true, id: 2, ids: [2] });
  const body = await store.nextRequest();
  assert.deepEqual(body.mutations[1], {
    id: 2,
    name: "submit_month",
    args: { month: "2025-03", epoch: 0, reviewed_version: 7 },
  });
  assert.equal(body.mutations[0].args.base_v, 9, "base_v = cookie.v");

  const view = await store.monthView("2025-03");
  assert.equal(view.submitting, true);
  assert.equal(view.editable, false);
  assert.deepEqual([...view.pendingDates], ["2025-03-04"], "edits queued before still show");
  assert.deepEqual(view.blocked, new Set());
  const locked = await store.edit({ date: "2025-03-05", lines: full(M_ACME) });
  assert.equal(locked.violations[0].code, "month_locked");
  assert.equal((await store.submit("2025-03")).violations[0].code, "month_locked");

  // The server signs the month before the queue arrives: the queued mutations are blocked
  // (kept, not shown as the day's value) until their rejections come back.
  await store.applyResponse(
    await store.nextRequest(),
    response({
      cookie: { sid: "srv-1", v: 12 },
      months: [{ month: "2025-03", status: "signed", epoch: 0, version: 12 }],
    }),
  );
  const blocked = await store.monthView("2025-03");
  assert.deepEqual(blocked.blocked, new Set([1, 2]));
  assert.equal(blocked.submitting, false);
  assert.deepEqual(blocked.pendingDates, new Set());
  assert.equal(blocked.days["2025-03-04"], undefined);
  assert.deepEqual(blocked.days["2025-03-03"], { lines: full(M_ACME), comment: "" });
  store.close();
});

// ---- applyResponse -------------------------------------------------------------------------

test("applyResponse: applied, superseded and rejected results; rejected kept with values", async () => {
  const store = await freshStore();
  await store.edit({ date: "2025-03-03", lines: full(M_ACME) });
  await store.edit({ date: "2025-03-04", lines: full("absence:RTT"), comment: "pont" });
  await store.edit({ date: "2025-02-27", lines: full(M_ACME), comment: "oublié" });
  await store.submit("2025-02");
  const request = await store.nextRequest();
  assert.deepEqual(
    request.mutations.map((m) => m.id),
    [1, 2, 3, 4],
  );
  const february = { month: "2025-02", status: "signed", epoch: 0, version: 6 };
  const newer = dayState("2025-03-04", [["absence:CP", 2]], { version: 8, by: "other-device" });
  const outcome = await store.applyResponse(
    request,
    response({
      last_mutation_id: 4,
      cookie: { sid: "srv-1", v: 9 },
      results: [
        // Protocol 2: the day is not sent back; the result gives the version it was stored at.
        { id: 1, status: "applied", hlc: request.mutations[0].args.hlc, version: 9 },
        { id: 2, status: "superseded", detail: "a later edit", current: newer },
        {
          id: 3,
          status: "rejected",
          reason: "month_locked",
          detail: "the CRA of 2025-02 is signed",
          month: february,
        },
        { id: 4, status: "rejected", reason: "not_draft", detail: "already signed" },
      ],
      months: [february],
    }),
  );
  assert.deepEqual(outcome, { changed: true, hasMore: false });
  const { pending, rejected } = await store.status();
  assert.deepEqual({ pending, rejected }, { pending: 0, rejected: 2 });

  const march = await store.monthView("2025-03");
  assert.equal(march.version, 9, "the own day, confirmed at its result's version");
  assert.deepEqual(march.days, {
    "2025-03-03": { lines: full(M_ACME), comment: "" },
    // The superseded edit's winner (from the result) is the confirmed value.
    "2025-03-04": { lines: [{ line: "absence:CP", half_days: 2 }], comment: "" },
  });
  assert.deepEqual(march.pendingDates, new Set());
  assert.deepEqual(march.rejected, []);

  const feb = await store.monthView("2025-02");
  assert.equal(feb.status, "signed");
  assert.deepEqual(
    feb.rejected.map(({ rejectedAt, ...rest }) => rest),
    [
      {
        id: 3,
        name: "set_day",
        date: "2025-02-27",
        month: "2025-02",
        lines: full(M_ACME),
        comment: "oublié",
        reason: "month_locked",
        detail: "the CRA of 2025-02 is signed",
        monthState: february,
      },
      {
        id: 4,
        name: "submit_month",
        month: "2025-02",
        reason: "not_draft",
        detail: "already signed",
        monthState: null,
      },
    ],
  );
  // Rejections survive a reboot and leave only when dismissed.
  const rebooted = await reboot(store);
  assert.equal((await rebooted.status()).rejected, 2);
  await rebooted.dismissRejected(3);
  assert.deepEqual(
    (await rebooted.monthView("2025-02")).rejected.map((r) => r.id),
    [4],
  );
  assert.equal((await rebooted.status()).rejected, 1);
  // "Dismiss all": several in one call, and an id already gone is no error.
  await rebooted.dismissRejected([3, 4]);
  assert.equal((await rebooted.status()).rejected, 0);
  rebooted.close();
});

test("protocol 2: own applied days are confirmed from the queue, merged by version", async () => {
  const store = await freshStore();
  await store.edit({ date: "2025-03-03", lines: full(M_ACME) });
  await store.edit({ date: "2025-03-04", lines: full("absence:RTT") });
  await store.edit({ date: "2025-03-03", lines: full("absence:CP") }); // replaces #1 unsent
  await store.edit({ date: "2025-03-05", lines: full(M_ACME), comment: "  client  " });
  const request = await store.nextRequest();
  assert.deepEqual(
    request.mutations.map((m) => m.id),
    [1, 2, 3],
  );
  const [first, second, third] = request.mutations.map((m) => m.args);
  // Another device wrote 03-04 after this push committed (version 12): its row stays.
  const laptop = dayState("2025-03-04", [["absence:CP", 1]], { version: 12, by: "laptop" });
  // A first sync (reset) with the queue: the confirmed state is rebuilt from the page + queue.
  await store.applyResponse(
    request,
    response({
      reset: true,
      last_mutation_id: 3,
      cookie: { sid: "srv-1", v: 12 },
      results: [
        { id: 1, status: "applied", hlc: first.hlc, version: 11 },
        { id: 2, status: "applied", hlc: second.hlc, version: 11 },
        { id: 3, status: "applied", hlc: `${SERVER_NOW}:0000:clamped`, version: 11 },
      ],
      days: [laptop, dayState("2025-03-06", [["absence:CP", 2]], { version: 4, by: "laptop" })],
      months: [{ month: "2025-03", status: "draft", epoch: 0, version: 11 }],
    }),
  );
  const userId = store.userId;
  const clientId = store.clientId;
  store.close();
  const db = await rawOpen(`carnet-${userId}`, DB_VERSION);
  const days = Object.fromEntries((await rawAll(db, "days")).map((d) => [d.date, d]));
  db.close();
  const own = (args, hlc) => ({
    date: args.date,
    lines: args.lines,
    comment: args.comment,
    hlc,
    version: 11,
    by_client: clientId,
  });
  assert.deepEqual(days, {
    "2025-03-03": own(first, first.hlc),
    "2025-03-04": laptop,
    "2025-03-05": own(third, `${SERVER_NOW}:0000:clamped`),
    "2025-03-06": dayState("2025-03-06", [["absence:CP", 2]], { version: 4, by: "laptop" }),
  });
  assert.equal(third.comment, "client", "queued in canonical form, as the server stores it");
  assert.deepEqual(first.lines, full("absence:CP"));
});

test("applyResponse removes exactly the acknowledged mutations and acks them next time", async () => {
  const store = await freshStore();
  for (const date of ["2025-03-03", "2025-03-04", "2025-03-05"]) {
    await store.edit({ date, lines: full(M_ACME) });
  }
  const request = await store.nextRequest();
  // The server processed 1 and 2 (and their results were lost or pruned): both leave the queue.
  await store.applyResponse(request, response({ last_mutation_id: 2 }));
  const next = await store.nextRequest();
  assert.equal(next.ack_through, 2);
  assert.deepEqual(
    next.mutations.map((m) => m.id),
    [3],
  );
  assert.deepEqual(next.cookie, { sid: "srv-1", v: 1 });
  const view = await store.monthView("2025-03");
  assert.deepEqual(view.pendingDates, new Set(["2025-03-05"]));
  store.close();
});

test("at most 100 mutations per request, in id order; limit is passed on", async () => {
  const store = await freshStore();
  const entries = [];
  for (let day = 1; day <= 28; day += 1) {
    for (const month of ["2025-01", "2025-02", "2025-03", "2025-04"]) {
      entries.push({ date: `${month}-${String(day).padStart(2, "0")}`, lines: full("absence:CP") });
    }
  }
  assert.equal((await store.editMany(entries)).ids.length, 112);
  const body = await store.nextRequest({ limit: 50 });
  assert.equal(body.mutations.length, 100);
  assert.deepEqual(
    body.mutations.map((m) => m.id),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  assert.equal(body.limit, 50);
  store.close();
});

test("reset replaces the confirmed state; otherwise days and months merge by version", async () => {
  const store = await freshStore();
  await store.applyResponse(
    await store.nextRequest(),
    response({
      cookie: { sid: "srv-1", v: 5 },
      days: [
        dayState("2025-03-03", [[M_ACME, 2]], { version: 4 }),
        dayState("2025-03-04", [[M_ACME, 2]], { version: 5 }),
      ],
      months: [{ month: "2025-03", status: "draft", epoch: 0, version: 5 }],
    }),
  );
  // Merge: a newer day replaces, an older copy of a day is ignored, others stay.
  const merged = await store.applyResponse(
    await store.nextRequest(),
    response({
      cookie: { sid: "srv-1", v: 6 },
      days: [
        dayState("2025-03-03", [["absence:CP", 2]], { version: 6 }),
        dayState("2025-03-04", [["absence:RTT", 2]], { version: 3 }),
      ],
    }),
  );
  assert.equal(merged.changed, true);
  let view = await store.monthView("2025-03");
  assert.deepEqual(view.days["2025-03-03"].lines, full("absence:CP"));
  assert.deepEqual(view.days["2025-03-04"].lines, full(M_ACME));
  // The same page again changes nothing.
  const same = await store.applyResponse(
    await store.nextRequest(),
    response({ cookie: { sid: "srv-1", v: 6 }, days: [] }),
  );
  assert.equal(same.changed, false);

  // Reset (restored server, new sid): replace, even with lower versions.
  const reset = await store.applyResponse(
    await store.nextRequest(),
    response({
      reset: true,
      cookie: { sid: "srv-2", v: 2 },
      days: [dayState("2025-03-10", [[M_ACME, 1]], { version: 2 })],
      months: [{ month: "2025-03", status: "submitted", epoch: 0, version: 2 }],
    }),
  );
  assert.deepEqual(reset, { changed: true, hasMore: false });
  view = await store.monthView("2025-03");
  assert.deepEqual(Object.keys(view.days), ["2025-03-10"]);
  assert.equal(view.status, "submitted");
  assert.equal(view.version, 2);
  assert.deepEqual((await store.nextRequest()).cookie, { sid: "srv-2", v: 2 });
  store.close();
});

test("has_more is reported and the intermediate cookie is echoed", async () => {
  const store = await freshStore();
  const page = { sid: "srv-1", v: 0, after: [3, "2025-03-04"] };
  const outcome = await store.applyResponse(
    await store.nextRequest(),
    response({
      reset: true,
      has_more: true,
      cookie: page,
      days: [dayState("2025-03-04", [[M_ACME, 2]], { version: 3 })],
    }),
  );
  assert.deepEqual(outcome, { changed: true, hasMore: true });
  assert.deepEqual((await store.nextRequest()).cookie, page);
  // The next page is not a reset: it adds to the first one.
  await store.applyResponse(
    await store.nextRequest(),
    response({
      cookie: { sid: "srv-1", v: 4 },
      days: [dayState("2025-03-05", [[M_ACME, 2]], { version: 4 })],
    }),
  );
  assert.deepEqual(Object.keys((await store.monthView("2025-03")).days).sort(), [
    "2025-03-04",
    "2025-03-05",
  ]);
  store.close();
});

test("overwrites are kept only for this device's lost values, until dismissed", async () => {
  const store = await freshStore();
  const mine = dayState("2025-03-04", [[M_ACME, 2]], { version: 3, by: store.clientId });
  const theirs = dayState("2025-03-05", [[M_ACME, 2]], { version: 3, by: "other-install" });
  await store.applyResponse(
    await store.nextRequest(),
    response({
      overwrites: [
        { date: "2025-03-04", lost: mine, by_client: "other-install", version: 4 },
        { date: "2025-03-05", lost: theirs, by_client: store.clientId, version: 4 },
      ],
    }),
  );
  let view = await store.monthView("2025-03");
  assert.deepEqual(view.changedElsewhere, {
    "2025-03-04": { lost: mine, by_client: "other-install", version: 4 },
  });
  await store.dismissChanged("2025-03-04");
  assert.deepEqual((await store.monthView("2025-03")).changedElsewhere, {});
  // The same overwrite pulled again (a reset) stays dismissed; a newer one shows again.
  const again = { date: "2025-03-04", lost: mine, by_client: "other-install", version: 4 };
  await store.applyResponse(await store.nextRequest(), response({ reset: true, overwrites: [again] }));
  assert.deepEqual((await store.monthView("2025-03")).changedElsewhere, {});
  await store.applyResponse(
    await store.nextRequest(),
    response({ overwrites: [{ ...again, version: 7 }] }),
  );
  view = await store.monthView("2025-03");
  assert.equal(view.changedElsewhere["2025-03-04"].version, 7);
  store.close();
});

test("the server clock is received: later edits stamp above it; skew and sync time stored", async () => {
  const store = await freshStore();
  const future = Date.now() + 3_600_000; // a server an hour ahead of this device
  const before = Date.now();
  await store.applyResponse(
    await store.nextRequest(),
    response({ server_hlc: `${future}:0042:server`, server_time_ms: future }),
  );
  const status = await store.status();
  assert.ok(status.lastSyncedAt >= before && status.lastSyncedAt <= Date.now());
  assert.ok(Math.abs(status.clockSkewMs - (status.lastSyncedAt - future)) < 5);
  assert.ok(status.clockSkewMs < -3_500_000);
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  const [mutation] = (await store.nextRequest()).mutations;
  assert.equal(compare(mutation.args.hlc, `${future}:0042:server`), 1);
  store.close();
});

test("a server that forgot this device (restored backup) gets the queue renumbered", async () => {
  const store = await freshStore();
  for (const date of ["2025-03-03", "2025-03-04", "2025-03-05"]) {
    await store.edit({ date, lines: full(M_ACME) });
  }
  await store.applyResponse(await store.nextRequest(), response({ last_mutation_id: 2 }));
  await store.edit({ date: "2025-03-06", lines: full(M_ACME) }); // local id 4
  // The restored server has never seen this client: last id 0, reset, nothing processed.
  const sent = await store.nextRequest();
  assert.deepEqual(
    sent.mutations.map((m) => m.id),
    [3, 4],
  );
  await store.applyResponse(
    sent,
    response({ reset: true, last_mutation_id: 0, cookie: { sid: "srv-2", v: 0 } }),
  );
  const resent = await store.nextRequest();
  assert.equal(resent.ack_through, 0);
  assert.deepEqual(
    resent.mutations.map((m) => [m.id, m.args.date]),
    [
      [1, "2025-03-05"],
      [2, "2025-03-06"],
    ],
  );
  // Results come back with wire ids; the rejection is kept under the local id.
  await store.applyResponse(
    resent,
    response({
      last_mutation_id: 2,
      cookie: { sid: "srv-2", v: 1 },
      results: [
        { id: 1, status: "applied" },
        { id: 2, status: "rejected", reason: "month_locked", detail: "signed" },
      ],
    }),
  );
  const { rejected } = await store.monthView("2025-03");
  assert.deepEqual(
    rejected.map((r) => [r.id, r.date]),
    [[4, "2025-03-06"]],
  );
  assert.equal((await store.status()).pending, 0);
  // New edits continue the wire numbering.
  await store.edit({ date: "2025-03-07", lines: full(M_ACME) });
  assert.deepEqual(
    (await store.nextRequest()).mutations.map((m) => m.id),
    [3],
  );
  store.close();
});

test("applyResponse refuses a malformed response before writing anything", async () => {
  const store = await freshStore();
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  const request = await store.nextRequest();
  await assert.rejects(
    store.applyResponse(request, { ...response({ last_mutation_id: 1 }), results: null }),
    TypeError,
  );
  await assert.rejects(
    store.applyResponse(request, response({ last_mutation_id: 1, server_hlc: "nope" })),
  );
  assert.equal((await store.status()).pending, 1);
  store.close();
});

// ---- editMany ------------------------------------------------------------------------------

test("editMany is all or nothing", async () => {
  const store = await freshStore();
  const week = ["2025-03-03", "2025-03-04", "2025-03-05"].map((date) => ({
    date,
    lines: full(M_ACME),
  }));
  const bad = await store.editMany([
    ...week,
    { date: "2025-03-06", lines: [{ line: M_ACME, half_days: 4 }] },
    { date: "2025-03-07", lines: full(M_AUDIT) },
  ]);
  assert.equal(bad.ok, false);
  assert.deepEqual(
    bad.violations.map((v) => [v.date, v.field, v.code]),
    [
      ["2025-03-06", "lines[0].half_days", "invalid_half_days"],
      ["2025-03-07", "comment", "comment_required"],
    ],
  );
  assert.equal((await store.status()).pending, 0);

  const failed = await withFailingPut("meta", new DOMException("quota", "QuotaExceededError"), () =>
    store.editMany(week),
  );
  assert.equal(failed.violations[0].code, "storage_full");
  assert.equal((await store.status()).pending, 0);

  const good = await store.editMany(week);
  assert.deepEqual(good, { ok: true, id: 3, ids: [1, 2, 3] });
  const stamps = (await store.nextRequest()).mutations.map((m) => m.args.hlc);
  assert.ok(stamps.every((stamp, i) => i === 0 || compare(stamp, stamps[i - 1]) === 1));
  assert.deepEqual(await store.editMany([]), { ok: true, id: null, ids: [] });

  // A locked month anywhere in the batch refuses the batch.
  await store.applyResponse(
    await store.nextRequest(),
    response({
      last_mutation_id: 3,
      months: [{ month: "2025-04", status: "validated", epoch: 0, version: 2 }],
    }),
  );
  const mixed = await store.editMany([
    { date: "2025-03-31", lines: full(M_ACME) },
    { date: "2025-04-01", lines: full(M_ACME) },
  ]);
  assert.deepEqual(
    mixed.violations.map((v) => [v.date, v.code]),
    [["2025-04-01", "month_locked"]],
  );
  assert.equal((await store.status()).pending, 0);
  store.close();
});

// ---- subscribe, wipe -----------------------------------------------------------------------

test("subscribers hear local changes, and other tabs hear them through BroadcastChannel", async () => {
  const store = await freshStore();
  const otherTab = await openStore({ userId: store.userId });
  const local = [];
  const remote = [];
  store.subscribe((change) => local.push(change));
  const heard = new Promise((resolve) => {
    otherTab.subscribe((change) => {
      remote.push(change);
      if (change.kind === "edit") resolve();
    });
  });
  const unsubscribe = store.subscribe(() => local.push("second"));
  unsubscribe();
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  assert.deepEqual(local, [{ kind: "edit", source: "local" }]);
  await heard;
  assert.deepEqual(remote, [{ kind: "edit", source: "remote" }]);
  await store.submit("2025-03");
  await store.applyResponse(await store.nextRequest(), response());
  await store.dismissChanged("2025-03-04");
  await store.dismissRejected(99);
  assert.deepEqual(
    local.map((c) => c.kind),
    ["edit", "submit", "sync", "dismiss", "dismiss"],
  );
  // A refused edit is not a change.
  await store.edit({ date: "2025-03-05", lines: full(M_ACME) });
  assert.equal(local.length, 5);
  store.close();
  otherTab.close();
});

test("wipe deletes the person's database; other tabs are closed and told", async () => {
  const store = await freshStore();
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  const otherTab = await openStore({ userId: store.userId });
  const told = new Promise((resolve) => otherTab.subscribe((change) => resolve(change.kind)));
  await store.wipe();
  assert.ok(["wiped", "closed"].includes(await told));
  assert.equal(store.closed, true);
  const fresh = await openStore({ userId: store.userId });
  assert.notEqual(fresh.clientId, store.clientId, "a new install after sign-out");
  assert.equal((await fresh.status()).pending, 0);
  assert.equal(await fresh.reference(), null);
  fresh.close();
  otherTab.close();
});

// ---- schema upgrade and queue size ----------------------------------------------------------

/** Open `name` at `version` with the raw API; `upgrade(db, tx)` runs on creation. */
function rawOpen(name, version, upgrade = () => {}) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade(request.result, request.transaction);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Every record of one store (raw API), in key order. */
function rawAll(db, name, indexName) {
  return new Promise((resolve, reject) => {
    const store = db.transaction(name).objectStore(name);
    const request = (indexName ? store.index(indexName) : store).getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

test("a version-1 database is upgraded: queued and rejected mutations get their month", async () => {
  const userId = nextUser();
  const clientId = "5b0e0f3c-3f1d-4c6e-9a5e-0123456789ab";
  const setDay = (id, date, lines, extra = {}) => ({
    id,
    name: "set_day",
    args: {
      date,
      epoch: 0,
      lines,
      comment: "",
      hlc: `${SERVER_NOW}:000${id}:5b0e0f3c3f1d4c6e`,
      base_v: 0,
    },
    queued_at: SERVER_NOW,
    ...extra,
  });
  // The schema and records exactly as version 1 of store.js wrote them (no `month` field).
  const v1 = await rawOpen(`carnet-${userId}`, 1, (db) => {
    db.createObjectStore("meta");
    db.createObjectStore("days", { keyPath: "date" });
    db.createObjectStore("months", { keyPath: "month" });
    db.createObjectStore("pending", { keyPath: "id" });
    db.createObjectStore("rejected", { keyPath: "id" });
    db.createObjectStore("overwrites", { keyPath: "date" });
    db.createObjectStore("reference");
  });
  await new Promise((resolve, reject) => {
    const tx = v1.transaction(["meta", "pending", "rejected", "reference"], "readwrite");
    tx.objectStore("meta").put(
      {
        client_id: clientId,
        next_id: 5,
        id_offset: 0,
        cookie: null,
        hlc: `${SERVER_NOW}:0004:5b0e0f3c3f1d4c6e`,
        ack_through: 0,
        last_synced_at: null,
        clock_skew_ms: null,
      },
      "state",
    );
    tx.objectStore("reference").put({ ...REFERENCE, saved_at: SERVER_NOW }, "current");
    tx.objectStore("pending").put(setDay(1, "2025-03-04", full(M_ACME)));
    tx.objectStore("pending").put(setDay(2, "2025-03-05", half(M_ACME), { sent: true }));
    tx.objectStore("pending").put({
      id: 3,
      name: "submit_month",
      args: { month: "2025-04", epoch: 0, reviewed_version: 0 },
      queued_at: SERVER_NOW,
    });
    tx.objectStore("pending").put(setDay(4, "2025-05-02", full(M_ACME)));
    tx.objectStore("rejected").put({
      ...setDay(0, "2025-03-10", full(M_ACME)),
      result: { id: 0, status: "rejected", reason: "month_locked", detail: "locked" },
      rejected_at: SERVER_NOW,
    });
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  v1.close();

  const store = await openStore({ userId });
  assert.equal(store.clientId, clientId, "the install keeps its identity");
  const march = await store.monthView("2025-03");
  assert.deepEqual([...march.pendingDates].sort(), ["2025-03-04", "2025-03-05"]);
  assert.deepEqual(march.days["2025-03-05"].lines, half(M_ACME));
  assert.deepEqual(
    march.rejected.map((r) => [r.date, r.reason]),
    [["2025-03-10", "month_locked"]],
  );
  const april = await store.monthView("2025-04");
  assert.equal(april.submitting, true);
  assert.equal(april.editable, false);
  const locked = await store.edit({ date: "2025-04-01", lines: full(M_ACME) });
  assert.equal(locked.ok, false);
  assert.equal(locked.violations[0].code, "month_locked");
  // The unsent edit of a migrated record is still replaced in place; the sent one is not.
  assert.deepEqual(await store.edit({ date: "2025-03-04", lines: half(M_ACME) }), {
    ok: true,
    id: 1,
    ids: [1],
  });
  assert.equal((await store.edit({ date: "2025-03-05", lines: full(M_ACME) })).id, 5);
  const body = await store.nextRequest();
  assert.deepEqual(
    body.mutations.map((m) => [m.id, m.name]),
    [
      [1, "set_day"],
      [2, "set_day"],
      [3, "submit_month"],
      [4, "set_day"],
      [5, "set_day"],
    ],
  );
  assert.ok(body.mutations.every((m) => !("month" in m.args) || m.name === "submit_month"));
  store.close();

  const v2 = await rawOpen(`carnet-${userId}`, DB_VERSION);
  assert.deepEqual(
    (await rawAll(v2, "pending", "month")).map((m) => [m.month, m.id]),
    [
      ["2025-03", 1],
      ["2025-03", 2],
      ["2025-03", 5],
      ["2025-04", 3],
      ["2025-05", 4],
    ],
  );
  assert.deepEqual(
    (await rawAll(v2, "rejected", "month")).map((m) => m.month),
    ["2025-03"],
  );
  v2.close();
});

/**
 * Run `fn` counting the records that `getAll` hands out from the `pending` and `rejected`
 * stores (directly or through an index), and whether a whole store was read.
 */
async function countingQueueReads(fn) {
  const seen = { records: 0, wholeStore: 0 };
  const queue = (store) => store.name === "pending" || store.name === "rejected";
  const originals = [
    [IDBObjectStore.prototype, "getAll", (self) => self],
    [IDBObjectStore.prototype, "openCursor", (self) => self],
    [IDBIndex.prototype, "getAll", (self) => self.objectStore],
  ].map(([proto, name, storeOf]) => {
    const original = proto[name];
    proto[name] = function counted(...args) {
      const request = original.apply(this, args);
      if (queue(storeOf(this))) {
        if (proto === IDBObjectStore.prototype && args[0] == null) seen.wholeStore += 1;
        request.addEventListener("success", () => {
          if (Array.isArray(request.result)) seen.records += request.result.length;
        });
      }
      return request;
    };
    return [proto, name, original];
  });
  try {
    await fn();
  } finally {
    for (const [proto, name, original] of originals) proto[name] = original;
  }
  return seen;
}

test("an edit and its month's render read that month's queue only, not a year of it", async () => {
  const store = await freshStore();
  // A year queued offline: every working day of 2025 on the ACME mission.
  for (let m = 1; m <= 12; m += 1) {
    const month = `2025-${String(m).padStart(2, "0")}`;
    const dates = [];
    for (let d = 1; d <= 28; d += 1) {
      const date = `${month}-${String(d).padStart(2, "0")}`;
      const day = new Date(`${date}T00:00:00Z`).getUTCDay();
      if (day !== 0 && day !== 6) dates.push(date);
    }
    const result = await store.editMany(dates.map((date) => ({ date, lines: full(M_ACME) })));
    assert.equal(result.ok, true, JSON.stringify(result));
  }
  await store.nextRequest(); // the first 100 are now "sent": the next edits of them are new
  assert.ok((await store.status()).pending > 200);

  const seen = await countingQueueReads(async () => {
    assert.equal((await store.edit({ date: "2025-11-04", lines: half(M_ACME) })).ok, true);
    const view = await store.monthView("2025-11");
    assert.deepEqual(view.days["2025-11-04"].lines, half(M_ACME));
  });
  assert.equal(seen.wholeStore, 0, "no read of the whole queue");
  // November's 20 queued days, read once by the edit and once by the render.
  assert.ok(seen.records <= 2 * 20, `${seen.records} queued records read`);
  store.close();
});

// ---- the sync loop (pwa/js/sync.js) --------------------------------------------------------

/** A minimal server: applies every set_day, numbers versions, answers like the real one
 * (protocol 2: the results give the versions, the pusher's own days are not sent back). */
function fakeServer() {
  const server = { version: 0, lastId: new Map(), calls: 0, failures: [], bodies: [] };
  server.sync = async (body) => {
    server.calls += 1;
    server.bodies.push(body);
    const failure = server.failures.shift();
    if (failure) throw failure;
    let last = server.lastId.get(body.client_id) ?? 0;
    const results = [];
    for (const mutation of body.mutations) {
      if (mutation.id <= last) continue;
      if (mutation.id !== last + 1) break;
      last = mutation.id;
      server.version += 1;
      const { hlc } = mutation.args;
      results.push({ id: mutation.id, status: "applied", hlc, version: server.version });
    }
    server.lastId.set(body.client_id, last);
    return response({
      last_mutation_id: last,
      results,
      cookie: { sid: "fake", v: server.version },
      server_time_ms: Date.now(),
      server_hlc: `${Date.now()}:0000:server`,
    });
  };
  server.missions = async () => [ACME];
  server.organisation = async () => REFERENCE.organisation;
  return server;
}

class ApiError extends Error {
  constructor(status) {
    super(`HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.title = `HTTP ${status}`;
    this.detail = "";
    this.errors = [];
  }
}

const FAST = {
  debounceMs: 20,
  intervalMs: 60_000,
  baseBackoffMs: 10,
  maxBackoffMs: 40,
  followerRetryMs: 20,
};

/** Resolve when `predicate(state)` holds for a state reported by the loop. */
function waitFor(states, predicate, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const found = states.find(predicate);
      if (found) resolve(found);
      else if (Date.now() - started > timeoutMs) reject(new Error("timed out waiting for state"));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

test("sync loop: pushes at start, retries network failures by itself, syncs after an edit", async () => {
  const store = await freshStore();
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  const server = fakeServer();
  server.failures.push(new ApiError(0), new ApiError(503));
  const states = [];
  const loop = startSync({ store, api: server, onState: (s) => states.push(s), tuning: FAST });
  // Two failures, then the backoff timer retries without any new edit.
  await waitFor(states, (s) => s.error?.status === 0 && !s.online && s.error.transient);
  await waitFor(states, (s) => s.error?.status === 503);
  const synced = await waitFor(states, (s) => !s.syncing && s.pending === 0 && s.error === null);
  assert.equal(synced.online, true);
  assert.ok(synced.lastSyncedAt > 0);
  assert.equal(server.calls, 3);
  assert.deepEqual(
    Object.keys((await store.monthView("2025-03")).days),
    ["2025-03-04"],
  );
  // Reference data refreshed once the server answered.
  assert.deepEqual((await store.reference()).missions, [ACME]);

  // A local edit is pushed after the debounce.
  await store.edit({ date: "2025-03-05", lines: full(M_ACME) });
  states.length = 0;
  await waitFor(states, (s) => !s.syncing && s.pending === 0 && s.lastSyncedAt !== null);
  assert.deepEqual((await store.monthView("2025-03")).pendingDates, new Set());
  loop.stop();
  store.close();
});

test("sync loop: 401 stops until syncNow, other refusals are reported, the queue is kept", async () => {
  const store = await freshStore();
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  const server = fakeServer();
  server.failures.push(new ApiError(401));
  const states = [];
  const loop = startSync({ store, api: server, onState: (s) => states.push(s), tuning: FAST });
  await waitFor(states, (s) => s.authExpired);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(server.calls, 1, "no retry while signed out");
  assert.equal((await store.status()).pending, 1);

  server.failures.push(new ApiError(409));
  await loop.syncNow();
  const refused = states.at(-1);
  assert.equal(refused.authExpired, false);
  assert.equal(refused.error.status, 409);
  assert.equal(refused.error.transient, false);
  assert.equal(refused.pending, 1, "kept");
  await waitFor(states, (s) => s.pending === 0 && s.error === null);
  loop.stop();
  store.close();
});

test("sync loop: keeps going while has_more or the queue is longer than one request", async () => {
  const store = await freshStore();
  const entries = [];
  for (const month of ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]) {
    for (let day = 1; day <= 28; day += 1) {
      entries.push({ date: `${month}-${String(day).padStart(2, "0")}`, lines: full("absence:CP") });
    }
  }
  await store.editMany(entries); // 140 mutations: two requests
  const server = fakeServer();
  let pages = 2;
  const sync = server.sync;
  server.sync = async (body) => {
    const answer = await sync(body);
    if (pages > 0) {
      pages -= 1;
      return { ...answer, has_more: true };
    }
    return answer;
  };
  const states = [];
  const loop = startSync({ store, api: server, onState: (s) => states.push(s), tuning: FAST });
  await waitFor(states, (s) => !s.syncing && s.pending === 0 && s.lastSyncedAt !== null);
  assert.deepEqual(
    server.bodies.map((b) => b.mutations.length),
    [100, 40, 0],
  );
  assert.deepEqual(server.bodies[1].mutations[0].id, 101);
  assert.equal(server.bodies[1].ack_through, 100);
  loop.stop();
  store.close();
});

// ---- expenses filed offline: the line and its photos in one transaction, photos first ----

const LUNCH = "a".repeat(64);
const TICKET = "b".repeat(64);
/** A file_expense's wire args naming `receipts`. */
const expense = (id, receipts) => ({
  id,
  spent_on: "2025-03-04",
  category: "meal",
  vat_lines: [{ rate_bp: 1000, gross_cents: 4550 }],
  comment: "",
  receipts,
});

test("an expense and its photos are kept together, across a reboot, until uploaded", async () => {
  const store = await freshStore();
  const photo = new Blob([new Uint8Array([255, 216, 255, 1, 2, 3])], { type: "image/jpeg" });
  const queued = await store.decide("file_expense", expense("e-1", [LUNCH]), { name: "Repas" }, [
    { sha256: LUNCH, blob: photo },
  ]);
  assert.equal(queued.ok, true);
  const rebooted = await reboot(store);
  const [kept] = await rebooted.receipts();
  assert.equal(kept.sha256, LUNCH);
  assert.deepEqual(new Uint8Array(await kept.blob.arrayBuffer()), new Uint8Array([255, 216, 255, 1, 2, 3]));
  assert.equal((await rebooted.status()).pending, 1);
  // A failed transaction keeps neither: the same expense id is refused, its photo not stored.
  const again = await rebooted.decide("file_expense", expense("e-1", [TICKET]), { name: "Repas" }, [
    { sha256: TICKET, blob: photo },
  ]);
  assert.equal(again.ok, false);
  assert.deepEqual((await rebooted.receipts()).map((r) => r.sha256), [LUNCH]);
  rebooted.close();
});

test("a request holds back the first expense whose photo waits, and everything after it", async () => {
  const store = await freshStore();
  await store.edit({ date: "2025-03-03", lines: full(M_ACME) });
  const blob = new Blob(["x"]);
  await store.decide("file_expense", expense("e-1", []), { name: "Repas" });
  await store.decide("file_expense", expense("e-2", [LUNCH]), { name: "Repas" }, [{ sha256: LUNCH, blob }]);
  await store.edit({ date: "2025-03-04", lines: full(M_ACME) });
  assert.deepEqual((await store.nextRequest()).mutations.map((m) => m.name), ["set_day", "file_expense"]);
  await store.receipts(LUNCH); // uploaded
  assert.deepEqual(
    (await store.nextRequest()).mutations.map((m) => m.name),
    ["set_day", "file_expense", "file_expense", "set_day"],
  );
  store.close();
});

test("sync loop: uploads the photos before the expense; a photo refused for good lets it go", async () => {
  const store = await freshStore();
  const blob = new Blob(["photo"]);
  await store.decide("file_expense", expense("e-1", [LUNCH, TICKET]), { name: "Repas" }, [
    { sha256: LUNCH, blob },
    { sha256: TICKET, blob },
  ]);
  const server = fakeServer();
  const log = [];
  const sync = server.sync;
  server.sync = async (body) => {
    log.push(...body.mutations.map((m) => `sync ${m.name}`));
    return sync(body);
  };
  // The first upload meets no network (everything waits), then the ticket is not a receipt.
  const answers = [new ApiError(0), null, new ApiError(415), null];
  server.request = async (method, path) => {
    log.push(`${method} ${path.slice(0, 10)}`);
    const answer = answers.shift();
    if (answer) throw answer;
    return { stored: true };
  };
  const states = [];
  const loop = startSync({ store, api: server, onState: (s) => states.push(s), tuning: FAST });
  await waitFor(states, (s) => !s.syncing && s.pending === 0 && s.error === null);
  loop.stop();
  const put = `PUT /receipts/`;
  assert.deepEqual(log.slice(0, 4), [put, put, put, "sync file_expense"]);
  assert.equal(server.calls, 1, "nothing was sent before the photos had gone");
  assert.deepEqual(await store.receipts(), []);
  store.close();
});
