// An approver's decisions (approve, send back) in the one queue of pwa/js/store.js, sent by the
// one sync loop of pwa/js/sync.js; and the upgrade of a device that kept them in localStorage
// (the approvals screen's own queue before version 3 of the store).
// Run: node --test tests/js/   (after `npm install`)

import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { test } from "node:test";

import { DB_VERSION, openStore } from "../../pwa/js/store.js";
import { startSync } from "../../pwa/js/sync.js";

// localStorage as the browser has it (Node 20 has none): one Map per test process.
const kept = new Map();
globalThis.localStorage = {
  getItem: (key) => (kept.has(key) ? kept.get(key) : null),
  setItem: (key, value) => kept.set(key, String(value)),
  removeItem: (key) => kept.delete(key),
};

const CAMILLE = "0b9c3c52-6f55-4d1e-9a57-00000000ca11";
const DOMINIQUE = "0b9c3c52-6f55-4d1e-9a57-0000000000d0";
const NOW = 1_741_080_005_000;
const line = "absence:CP";

let users = 0;
/** The id of a person new to this test process, so a new database. */
function nextUser() {
  users += 1;
  return `0b9c3c52-6f55-4d1e-9a57-${String(users).padStart(12, "0")}`;
}

/** store.decide's arguments for an approval. */
const approve = (consultantId = CAMILLE, month = "2025-03", version = 7) => [
  "approve_month",
  { consultant_id: consultantId, month, version },
  { name: "Camille Martin" },
];
/** What a decision of store.decisions() is about. */
const about = (d) => [d.id, d.name, d.args.consultant_id, d.args.month, d.label?.name];

/** A SyncResponse acknowledging up to `last`; override what the test needs. */
function response(last, over = {}) {
  return {
    protocol: 2,
    last_mutation_id: last,
    results: [],
    reset: false,
    cookie: { sid: "srv", v: 1 },
    has_more: false,
    days: [],
    months: [],
    overwrites: [],
    server_hlc: `${NOW}:0000:server`,
    server_time_ms: NOW,
    ...over,
  };
}

/** The records of one store, with the raw API (what a later version of the app will read). */
function rawAll(name, storeName) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name, DB_VERSION);
    open.onsuccess = () => {
      const request = open.result.transaction(storeName).objectStore(storeName).getAll();
      request.onsuccess = () => {
        open.result.close();
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
    };
    open.onerror = () => reject(open.error);
  });
}

test("a decision joins the one queue, numbered after the days, and survives a restart", async () => {
  const userId = nextUser();
  let store = await openStore({ userId });
  assert.equal((await store.edit({ date: "2025-03-04", lines: [{ line, half_days: 2 }] })).id, 1);
  const heard = [];
  store.subscribe((change) => heard.push(change.kind));
  assert.deepEqual(await store.decide(...approve()), { ok: true, id: 2, ids: [2] });
  const sendBack = [
    "send_back_month",
    {
      consultant_id: DOMINIQUE,
      month: "2025-02",
      version: 3,
      comment: "Le 3 était un jour de congé",
    },
    { name: "Dominique Renvoi" },
  ];
  assert.equal((await store.decide(...sendBack)).id, 3);
  assert.deepEqual(heard, ["decision", "decision"]);

  store.close();
  store = await openStore({ userId });
  const { pending, rejected } = await store.decisions();
  assert.deepEqual(pending.map(about), [
    [2, "approve_month", CAMILLE, "2025-03", "Camille Martin"],
    [3, "send_back_month", DOMINIQUE, "2025-02", "Dominique Renvoi"],
  ]);
  assert.deepEqual(rejected, []);
  assert.equal((await store.status()).pending, 3, "one queue: the sync loop sees all of it");
  // Another person's month is not the approver's own March.
  const march = await store.monthView("2025-03");
  assert.deepEqual([...march.pendingDates], ["2025-03-04"]);
  assert.equal(march.submitting, false);
  assert.equal(march.editable, true);

  const body = await store.nextRequest();
  assert.deepEqual(body.mutations, [
    body.mutations[0],
    { id: 2, name: "approve_month", args: { consultant_id: CAMILLE, month: "2025-03", version: 7 } },
    {
      id: 3,
      name: "send_back_month",
      args: {
        consultant_id: DOMINIQUE,
        month: "2025-02",
        version: 3,
        comment: "Le 3 était un jour de congé",
      },
    },
  ]);
  assert.equal(body.mutations[0].name, "set_day");
  store.close();
});

test("only one decision per month waits, and nothing but a decision is taken", async () => {
  const store = await openStore({ userId: nextUser() });
  assert.equal((await store.decide(...approve())).ok, true);
  const [, args, label] = approve();
  const again = await store.decide("send_back_month", { ...args, comment: "Non" }, label);
  assert.equal(again.ok, false);
  assert.equal(again.violations[0].code, "already_queued");
  assert.equal((await store.decide(...approve(CAMILLE, "2025-04"))).ok, true, "another month");
  assert.equal((await store.decide(...approve(DOMINIQUE, "2025-03"))).ok, true, "another person");
  await assert.rejects(store.decide("set_day", args, label), TypeError);
  assert.equal((await store.status()).pending, 3);
  store.close();
});

test("a decision's result never touches the approver's own month; a refusal is kept", async () => {
  const store = await openStore({ userId: nextUser() });
  // The approver is also a consultant, with a March of their own, in draft.
  await store.applyResponse(
    await store.nextRequest(),
    response(0, { months: [{ month: "2025-03", status: "draft", epoch: 0, version: 4 }] }),
  );
  await store.decide(...approve(CAMILLE, "2025-03"));
  await store.decide(...approve(DOMINIQUE, "2025-03", 9));
  const body = await store.nextRequest();
  const theirs = { month: "2025-03", status: "validated", epoch: 0, version: 12 };
  await store.applyResponse(
    body,
    response(2, {
      results: [
        { id: 1, status: "applied", month: theirs },
        {
          id: 2,
          status: "rejected",
          reason: "version_changed",
          detail: "the month changed since you read it",
          month: { ...theirs, status: "sent_back" },
        },
      ],
    }),
  );
  const mine = await store.monthView("2025-03");
  assert.equal(mine.status, "draft", "Camille's validated March is not the approver's");
  assert.equal(mine.version, 4);
  assert.deepEqual(mine.rejected, [], "a refused decision is not a refused edit of mine");
  const status = await store.status();
  assert.equal(status.pending, 0);
  assert.equal(status.rejected, 0);
  const { pending, rejected } = await store.decisions();
  assert.deepEqual(pending, []);
  assert.deepEqual(
    rejected.map((d) => [d.id, d.args.consultant_id, d.result.reason, d.result.detail]),
    [[2, DOMINIQUE, "version_changed", "the month changed since you read it"]],
  );
  await store.dismissRejected(2);
  assert.deepEqual((await store.decisions()).rejected, []);
  store.close();
});

test("the sync loop sends decisions like any change and reports the queue drained", async () => {
  const store = await openStore({ userId: nextUser() });
  const bodies = [];
  const api = {
    sync: async (body) => {
      bodies.push(body);
      const last = body.mutations.at(-1)?.id ?? body.ack_through;
      return response(last, {
        results: body.mutations.map((m) => ({ id: m.id, status: "applied" })),
        server_time_ms: Date.now(),
        server_hlc: `${Date.now()}:0000:server`,
      });
    },
    missions: async () => [],
    organisation: async () => ({ id: "org" }),
  };
  const states = [];
  const loop = startSync({
    store,
    api,
    onState: (state) => states.push(state),
    tuning: { debounceMs: 10, baseBackoffMs: 10, maxBackoffMs: 40 },
  });
  await store.decide(...approve());
  const deadline = Date.now() + 3000;
  while (!bodies.some((b) => b.mutations.length) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await loop.syncNow();
  const sent = bodies.find((b) => b.mutations.length);
  assert.deepEqual(
    sent.mutations.map((m) => m.name),
    ["approve_month"],
  );
  assert.equal(states.at(-1).pending, 0);
  assert.deepEqual(await store.decisions(), { pending: [], rejected: [] });
  loop.stop();
  store.close();
});

/** The approvals screen's own queue, as versions before store version 3 left it. */
function legacyQueue(clientId, pending) {
  return JSON.stringify({ client_id: clientId, next_id: 10, last: 6, pending, months: [] });
}
const OLD_CLIENT = "5b0e0f3c-3f1d-4c6e-9a5e-0123456789ab";
const oldApprove = (id, consultant, month) => ({
  id,
  name: "approve_month",
  args: { consultant_id: consultant, month, version: 5 },
  label: { name: "Camille Martin", month: "mars 2025" },
});

test("an upgraded device moves its old queued decisions into the one queue, each once", async () => {
  const userId = nextUser();
  // Version 2 of the store, with two days queued, as the previous app left it.
  await new Promise((resolve, reject) => {
    const open = indexedDB.open(`carnet-${userId}`, 2);
    open.onupgradeneeded = () => {
      const db = open.result;
      db.createObjectStore("meta").put(
        {
          client_id: "7d3e0f3c-3f1d-4c6e-9a5e-0123456789ab",
          next_id: 3,
          id_offset: 0,
          cookie: null,
          hlc: null,
          ack_through: 0,
          last_synced_at: null,
          clock_skew_ms: null,
        },
        "state",
      );
      for (const name of ["days", "overwrites"]) db.createObjectStore(name, { keyPath: "date" });
      db.createObjectStore("months", { keyPath: "month" });
      db.createObjectStore("reference");
      for (const name of ["pending", "rejected"]) {
        db.createObjectStore(name, { keyPath: "id" }).createIndex("month", "month");
      }
      const days = open.transaction.objectStore("pending");
      for (const id of [1, 2]) {
        days.put({
          id,
          name: "set_day",
          month: "2025-03",
          args: { date: `2025-03-0${id + 3}`, epoch: 0, lines: [], comment: "", hlc: "x" },
          queued_at: NOW,
        });
      }
    };
    open.onsuccess = () => {
      open.result.close();
      resolve();
    };
    open.onerror = () => reject(open.error);
  });
  const key = `carnet.decisions.${userId}`;
  const old = legacyQueue(OLD_CLIENT, [
    oldApprove(7, CAMILLE, "2025-03"),
    { ...oldApprove(8, DOMINIQUE, "2025-02"), name: "send_back_month" },
  ]);
  localStorage.setItem(key, old);

  let store = await openStore({ userId });
  assert.equal(localStorage.getItem(key), null, "the old copy is gone once moved");
  const body = await store.nextRequest();
  assert.deepEqual(
    body.mutations.map((m) => [m.id, m.name]),
    [
      [1, "set_day"],
      [2, "set_day"],
      [3, "approve_month"],
      [4, "send_back_month"],
    ],
  );
  assert.deepEqual(body.mutations[2].args, { consultant_id: CAMILLE, month: "2025-03", version: 5 });
  assert.deepEqual((await store.decisions()).pending.map(about), [
    [3, "approve_month", CAMILLE, "2025-03", "Camille Martin"],
    [4, "send_back_month", DOMINIQUE, "2025-02", "Camille Martin"],
  ]);
  assert.equal((await store.edit({ date: "2025-03-10", lines: [] })).id, 5, "numbering goes on");

  // The page died after the move but before the old copy was removed: nothing twice.
  store.close();
  localStorage.setItem(key, old);
  store = await openStore({ userId });
  assert.equal(localStorage.getItem(key), null);
  assert.equal((await store.decisions()).pending.length, 2);
  // An older tab queued one more decision meanwhile in the old place: it joins too.
  store.close();
  localStorage.setItem(
    key,
    legacyQueue(OLD_CLIENT, [oldApprove(8, DOMINIQUE, "2025-02"), oldApprove(9, CAMILLE, "2025-04")]),
  );
  store = await openStore({ userId });
  assert.deepEqual(
    (await store.decisions()).pending.map((d) => [d.id, d.args.month]),
    [
      [3, "2025-03"],
      [4, "2025-02"],
      [6, "2025-04"],
    ],
  );
  store.close();
  const pending = await rawAll(`carnet-${userId}`, "pending");
  assert.equal(pending.length, 6);
  assert.ok(pending.filter((m) => m.subject).every((m) => !("month" in m)));
});

test("a manager's first start, with no database yet, adopts the old queue too", async () => {
  const userId = nextUser();
  const key = `carnet.decisions.${userId}`;
  localStorage.setItem(key, legacyQueue(OLD_CLIENT, [oldApprove(7, CAMILLE, "2025-03")]));
  const store = await openStore({ userId });
  assert.equal(localStorage.getItem(key), null);
  const body = await store.nextRequest();
  assert.deepEqual(
    body.mutations.map((m) => [m.id, m.name, m.args.consultant_id]),
    [[1, "approve_month", CAMILLE]],
  );
  assert.notEqual(body.client_id, OLD_CLIENT, "one client per install: the store's");
  store.close();
});

test("an empty or unreadable old queue changes nothing and is not fatal", async () => {
  const emptyUser = nextUser();
  localStorage.setItem(`carnet.decisions.${emptyUser}`, legacyQueue(OLD_CLIENT, []));
  const store = await openStore({ userId: emptyUser });
  assert.equal(localStorage.getItem(`carnet.decisions.${emptyUser}`), null);
  assert.equal((await store.status()).pending, 0);
  store.close();

  const brokenUser = nextUser();
  localStorage.setItem(`carnet.decisions.${brokenUser}`, "{not json");
  const warn = console.warn;
  console.warn = () => {};
  try {
    const opened = await openStore({ userId: brokenUser });
    assert.equal((await opened.status()).pending, 0);
    opened.close();
  } finally {
    console.warn = warn;
  }
  assert.equal(
    localStorage.getItem(`carnet.decisions.${brokenUser}`),
    "{not json",
    "kept as it was: nothing is thrown away",
  );
});

test("a move the device's storage refuses keeps the old copy for the next start", async () => {
  const userId = nextUser();
  const key = `carnet.decisions.${userId}`;
  const old = legacyQueue(OLD_CLIENT, [oldApprove(7, CAMILLE, "2025-03")]);
  localStorage.setItem(key, old);
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function failing(...args) {
    if (this.name === "pending") throw new DOMException("quota", "QuotaExceededError");
    return put.apply(this, args);
  };
  let store;
  try {
    store = await openStore({ userId });
  } finally {
    IDBObjectStore.prototype.put = put;
  }
  assert.equal(localStorage.getItem(key), old, "not moved, so not forgotten");
  assert.equal((await store.status()).pending, 0);
  store.close();
  store = await openStore({ userId });
  assert.equal(localStorage.getItem(key), null);
  assert.deepEqual((await store.decisions()).pending.map(about), [
    [1, "approve_month", CAMILLE, "2025-03", "Camille Martin"],
  ]);
  store.close();
});

test("leave requests join the one queue, one per request id, beside the decisions", async () => {
  const store = await openStore({ userId: nextUser() });
  const leave = (id, first) => ({
    id,
    kind: "CP",
    first_day: first,
    last_day: first,
    first_afternoon: false,
    last_morning: false,
    comment: "",
  });
  const one = "6f0e1c2a-0000-4000-8000-000000000001";
  const two = "6f0e1c2a-0000-4000-8000-000000000002";
  assert.equal((await store.decide("request_leave", leave(one, "2025-03-10"), {})).ok, true);
  assert.equal((await store.decide("request_leave", leave(two, "2025-03-17"), {})).ok, true);
  const again = await store.decide("cancel_leave", { id: one }, {});
  assert.equal(again.violations[0].code, "already_queued", "the same request waits once");
  assert.equal((await store.decide(...approve())).ok, true, "decisions queue alongside");
  const { pending } = await store.decisions();
  assert.deepEqual(
    pending.map((d) => [d.name, d.subject]),
    [
      ["request_leave", one],
      ["request_leave", two],
      ["approve_month", `${CAMILLE}/2025-03`],
    ],
  );
  assert.equal((await store.status()).pending, 3);
  store.close();
});
