// The device's copy of one consultant's CRA: confirmed state, the queue of edits not yet
// acknowledged, and what the server refused — all in IndexedDB, so it survives closing the app
// and rebooting the phone (sync-protocol.md §3.8, docs/pwa-data.md).
//
// Rules this module keeps:
// * An edit is validated with the shared day rules (core/rules.js) BEFORE it is queued, and the
//   queued mutation and the device counters (next id, clock) are written in ONE transaction; the
//   promise resolves only once that transaction is complete, so nothing is shown as saved before
//   it is durable (TimeTagger #439 / #232).
// * A rejected mutation is moved, with its values and the server's result, to `rejected` —
//   never dropped. Only the person dismisses it.
// * The screen shows rebase(confirmed, pending) (core/merge.js): queued edits over the last
//   confirmed state, minus those the server will refuse (locked month, reopened since).
// * Transaction bodies await only IndexedDB requests of their own transaction (db.js).
// * One queue for everything this device sends: the consultant's days and submissions, and an
//   approver's decisions on other people's months (`decide`), all numbered in one sequence and
//   sent by the one sync loop (sync.js).

import { deleteDatabase, factory, openDatabase, requestToPromise as req, transact } from "./db.js";
import { encodeHlc, parseHlc, recv, tick } from "./core/hlc.js";
import { rebase } from "./core/merge.js";
import { daysInMonth, isEditable, parseMonth } from "./core/months.js";
import { checkDay, validateDay } from "./core/rules.js";

/** Schema version of the database; bump it and add a `case` to `upgrade` to change stores. */
export const DB_VERSION = 4;
/** Wire protocol of POST /api/v1/sync (sync/protocol.py PROTOCOL_VERSION). */
export const PROTOCOL_VERSION = 2;
/** At most this many mutations per request (sync/protocol.py MAX_MUTATIONS). */
export const MAX_MUTATIONS = 100;
/** Largest pull page the server accepts (sync/protocol.py MAX_PAGE). */
const MAX_PAGE = 2000;

const META = "meta";
const DAYS = "days";
const MONTHS = "months";
const PENDING = "pending";
const REJECTED = "rejected";
const OVERWRITES = "overwrites";
const REFERENCE = "reference";
/** Receipt photos of expenses filed here, until uploaded: {sha256, blob} (version 4). */
const RECEIPTS = "receipts";
const META_KEY = "state";
const REFERENCE_KEY = "current";
/** Index of `pending` and `rejected` on the mutation's month (schema version 2). */
const BY_MONTH = "month";
/** Index of `pending` and `rejected` on a decision's "<consultant id>/<month>" (version 3). */
const BY_SUBJECT = "subject";
/** Changes that are not days of one's own months: an approver's decisions on another person's
 * month, leave requests and cancellations (docs/leave.md), expenses filed (docs/expenses.md).
 * No `month` field, so never part of the consultant's own months (the BY_MONTH index), but a
 * `subject`: the leave request's or expense line's id, or "<consultant id>/<month>". */
const DECISIONS = [
  "approve_month",
  "send_back_month",
  "request_leave",
  "cancel_leave",
  "file_expense",
  "edit_expense",
  "delete_expense",
  "submit_expenses", // subject "undefined/<month>"
];
/** Where the approvals screen kept an approver's queue before it joined this one (localStorage,
 * one key per person); read and emptied by `openStore`. */
const LEGACY_DECISIONS = "carnet.decisions.";

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * @typedef {import("./core/rules.js").Violation} Violation
 * @typedef {import("./core/rules.js").DayLine} DayLine
 * @typedef {import("./core/rules.js").MissionTerms} MissionTerms
 *
 * @typedef {object} Cookie  Opaque pull cursor from the server: stored and echoed.
 * @property {string} sid
 * @property {number} v
 * @property {[number, string] | null} [after]
 *
 * @typedef {object} DayState  A confirmed day (sync/protocol.py DayState).
 * @property {string} date
 * @property {DayLine[]} lines
 * @property {string} comment
 * @property {string} hlc
 * @property {number} version
 * @property {string} by_client
 *
 * @typedef {object} MonthState  A confirmed month (sync/protocol.py MonthState).
 * @property {string} month
 * @property {string} status
 * @property {number} epoch
 * @property {number} version
 *
 * @typedef {object} MutationResult  (sync/protocol.py MutationResult)
 * @property {number} id
 * @property {"applied" | "superseded" | "rejected"} status
 * @property {string | null} [reason]
 * @property {string | null} [detail]
 * @property {string | null} [hlc]
 * @property {number | null} [version]  An applied set_day's stored version (protocol 2).
 * @property {MonthState | null} [month]
 * @property {DayState | null} [current]
 *
 * @typedef {object} SyncRequest
 * @property {number} protocol
 * @property {string} client_id
 * @property {Cookie | null} cookie
 * @property {number} ack_through
 * @property {Array<{id: number, name: string, args: object}>} mutations
 * @property {number} limit
 *
 * @typedef {object} SyncResponse
 * @property {number} last_mutation_id
 * @property {MutationResult[]} results
 * @property {boolean} reset
 * @property {Cookie} cookie
 * @property {boolean} has_more
 * @property {DayState[]} days
 * @property {MonthState[]} months
 * @property {Array<{date: string, lost: DayState, by_client: string, version: number}>} overwrites
 * @property {string} server_hlc
 * @property {number} server_time_ms
 *
 * @typedef {object} Meta  The single record of the `meta` store.
 * @property {string} client_id  One per app install; the HLC node is derived from it.
 * @property {number} next_id  Local id of the next queued mutation (never reused).
 * @property {number} id_offset  Wire id = local id - id_offset (non-zero only after the server
 *   forgot this device, e.g. restored from a backup: the queue is renumbered on the wire).
 * @property {Cookie | null} cookie
 * @property {string | null} hlc  Last stamp of this device's clock, encoded.
 * @property {number} ack_through  Wire id of the last mutation the server reported processed.
 * @property {number | null} last_synced_at  Device time (ms) of the last applied response.
 * @property {number | null} clock_skew_ms  Device clock - server clock at the last sync.
 *
 * @typedef {object} PendingMutation  A record of the `pending` store.
 * @property {number} id  Local id, in queue order.
 * @property {"set_day" | "submit_month" | "approve_month" | "send_back_month" | "request_leave" | "cancel_leave"} name
 * @property {string} [month]  "YYYY-MM" of the day or of the submission: the `month` index, so
 *   an edit or a month's screen reads its month's mutations, never the whole queue. Absent
 *   from decisions, which concern another person's month.
 * @property {string} [subject]  Decisions only: "<consultant id>/<month>", the `subject` index.
 * @property {{name: string}} [label]  Decisions only: whose month it is, for the screen.
 * @property {object} args  The wire args, exactly as they will be sent.
 * @property {number} queued_at  Device time (ms).
 * @property {boolean} [sent]  Included in a request: the server may have processed it, so it
 *   is never edited in place.
 *
 * @typedef {object} Reference  What the app needs offline besides the CRA itself.
 * @property {object | null} person  The signed-in person (api.me()).
 * @property {object | null} organisation  GET /api/v1/organisation.
 * @property {object[]} missions  GET /api/v1/missions (MissionOut).
 *
 * @typedef {object} RejectedEntry  A refused mutation as monthView shows it.
 * @property {number} id
 * @property {"set_day" | "submit_month"} name
 * @property {string} [date]
 * @property {string} month
 * @property {DayLine[]} [lines]
 * @property {string} [comment]
 * @property {string | null} reason  e.g. "month_locked", "epoch_changed", "changed_since_review".
 * @property {string | null} detail  English sentence from the server.
 * @property {MonthState | null} monthState  The month as the server held it then.
 * @property {number} rejectedAt  Device time (ms).
 *
 * @typedef {object} MonthView
 * @property {string} month
 * @property {string} status  Confirmed status ("draft" when the server has no row yet).
 * @property {number} epoch
 * @property {number} version  Highest confirmed version of the month and its days.
 * @property {boolean} editable  Status editable and no submission queued.
 * @property {Record<string, {lines: DayLine[], comment: string}>} days
 * @property {Set<string>} pendingDates
 * @property {boolean} submitting
 * @property {Set<number>} blocked
 * @property {RejectedEntry[]} rejected
 * @property {Record<string, {lost: DayState, by_client: string, version: number}>}
 *   changedElsewhere
 *
 * @typedef {{ok: true, id: number | null, ids: number[]} | {ok: false, violations: Violation[]}}
 *   EditResult
 *
 * @typedef {object} Change  Passed to subscribers.
 * @property {"edit" | "submit" | "decision" | "sync" | "dismiss" | "reference" | "wiped" |
 *   "closed"} kind
 * @property {"local" | "remote"} source  "remote" = another tab of this browser.
 */

/** IndexedDB is missing, or refused to open the database. */
export class StorageUnavailable extends Error {
  /** @param {string} message @param {unknown} [cause] */
  constructor(message, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "StorageUnavailable";
    this.code = "storage_unavailable";
  }
}

/**
 * Schema, version by version: every case falls through to the next, so a device several
 * versions behind runs every step in order.
 * @param {IDBDatabase} db
 * @param {number} oldVersion
 * @param {IDBTransaction} tx The versionchange transaction.
 */
function upgrade(db, oldVersion, tx) {
  switch (oldVersion) {
    case 0:
      db.createObjectStore(META); // one record, key "state" (Meta)
      db.createObjectStore(DAYS, { keyPath: "date" }); // DayState, confirmed
      db.createObjectStore(MONTHS, { keyPath: "month" }); // MonthState, confirmed
      db.createObjectStore(PENDING, { keyPath: "id" }); // PendingMutation, queue order
      db.createObjectStore(REJECTED, { keyPath: "id" }); // PendingMutation + result
      db.createObjectStore(OVERWRITES, { keyPath: "date" }); // Overwrite + dismissed
      db.createObjectStore(REFERENCE); // one record, key "current" (Reference)
    // falls through
    case 1:
      // Version 2: a `month` field and index, so a tap's cost no longer grows with the queue
      // (version 1 read every queued mutation on each edit and each render). Records a
      // version-1 device queued get their month here, in the upgrade transaction, before any
      // code can read the index.
      for (const name of [PENDING, REJECTED]) {
        const store = tx.objectStore(name);
        store.createIndex(BY_MONTH, "month");
        store.openCursor().onsuccess = (event) => {
          const cursor = /** @type {IDBRequest<IDBCursorWithValue | null>} */ (event.target)
            .result;
          if (!cursor) return;
          cursor.update({ ...cursor.value, month: monthOfMutation(cursor.value) });
          cursor.continue();
        };
      }
    // falls through
    case 2:
      // Version 3: an approver's decisions join the queue; no version-2 record is one.
      for (const name of [PENDING, REJECTED]) tx.objectStore(name).createIndex(BY_SUBJECT, "subject");
    // falls through
    case 3:
      // Version 4: the photos of an expense filed offline wait here until uploaded.
      db.createObjectStore(RECEIPTS, { keyPath: "sha256" });
    // falls through: the next schema change goes in `case 4:` here.
    default:
      break;
  }
}

/**
 * Queued mutations of some months, by month, each list in queue order.
 * @param {IDBObjectStore} store `pending` or `rejected`
 * @param {Iterable<string>} months
 * @returns {Promise<PendingMutation[]>}
 */
async function ofMonths(store, months) {
  const index = store.index(BY_MONTH);
  return (await Promise.all([...months].map((month) => req(index.getAll(month))))).flat();
}

/** @param {string} clientId @returns {string} */
function nodeOf(clientId) {
  // Like tests/device.py: 16 hex digits of the install's UUID, a valid and short HLC node.
  return clientId.replace(/-/g, "").slice(0, 16);
}

/** @param {PendingMutation} mutation @returns {string} "YYYY-MM" */
function monthOfMutation(mutation) {
  return mutation.name === "submit_month" ? mutation.args.month : mutation.args.date.slice(0, 7);
}

/**
 * A decision as the `pending` store keeps it: out of the months' index, in the subjects'.
 * @param {number} id
 * @param {string} name
 * @param {any} args  The wire args ({consultant_id, month, version[, comment]}).
 * @param {any} label
 * @returns {PendingMutation}
 */
function decisionRecord(id, name, args, label) {
  const subject = args?.id ?? `${args?.consultant_id}/${args?.month}`;
  return { id, name: /** @type {any} */ (name), subject, label, args, queued_at: Date.now() };
}

/**
 * The queue in the shape core/merge.js rebase() reads.
 * @param {PendingMutation[]} pending
 */
function forRebase(pending) {
  return pending.map((mutation) =>
    mutation.name === "submit_month"
      ? {
          name: "submit_month",
          id: mutation.id,
          month: mutation.args.month,
          epoch: mutation.args.epoch,
        }
      : {
          name: "set_day",
          id: mutation.id,
          date: mutation.args.date,
          epoch: mutation.args.epoch,
          lines: mutation.args.lines,
          comment: mutation.args.comment,
        },
  );
}

/** @param {MonthState[]} rows @returns {Map<string, {status: string, epoch: number}>} */
function factsByMonth(rows) {
  return new Map(rows.map((row) => [row.month, { status: row.status, epoch: row.epoch }]));
}

/**
 * The CRA lines the consultant may use, from the reference data (MissionOut from the API, or
 * records already in MissionTerms shape). Only the signed-in person's own missions count, as
 * on the server (a manager's GET /missions also lists the team's).
 * @param {Reference | null | undefined} reference
 * @returns {Map<string, MissionTerms>}
 */
export function missionTermsOf(reference) {
  /** @type {Map<string, MissionTerms>} */
  const terms = new Map();
  if (!reference || !Array.isArray(reference.missions)) return terms;
  const personId = reference.person && reference.person.id ? String(reference.person.id) : null;
  for (const mission of reference.missions) {
    if (!mission || mission.id === undefined || mission.id === null) continue;
    if (personId && mission.consultant_id && String(mission.consultant_id) !== personId) continue;
    const id = String(mission.id);
    terms.set(id, {
      id,
      start: mission.start ?? mission.start_date,
      end: mission.end ?? mission.end_date ?? null,
      allowed_absences: mission.allowed_absences ?? [],
      comments_required: Boolean(mission.comments_required),
      region: mission.region ?? mission.calendar_region ?? "metropole",
    });
  }
  return terms;
}

/** @param {Violation[]} violations @returns {{ok: false, violations: Violation[]}} */
function refused(violations) {
  return { ok: false, violations };
}

/**
 * Check a date string names a real calendar day of a CRA year; null when it does.
 * @param {unknown} date
 * @returns {Violation | null}
 */
function dateViolation(date) {
  const bad = {
    field: "date",
    code: "invalid_date",
    message: `date ${JSON.stringify(date)} is not a calendar date YYYY-MM-DD`,
  };
  if (typeof date !== "string" || !DATE_RE.test(date)) return bad;
  let key;
  try {
    key = parseMonth(date.slice(0, 7));
  } catch {
    return bad;
  }
  const day = Number(date.slice(8, 10));
  if (day < 1 || day > daysInMonth(key.year, key.month)) return bad;
  return null;
}

const STORAGE_ERROR_NAMES = new Set([
  "UnknownError",
  "InvalidStateError",
  "SecurityError",
  "NotAllowedError",
  "AbortError",
  "TransactionInactiveError",
  "NotFoundError",
  "VersionError",
  "ReadOnlyError",
  "ConstraintError",
  "StoreClosed",
]);

/**
 * Turn a storage failure into the result the UI shows ("not saved"), or rethrow a bug.
 * @param {unknown} error
 * @returns {{ok: false, violations: Violation[]}}
 */
function storageFailure(error) {
  const name = error && typeof error === "object" ? /** @type {any} */ (error).name : "";
  const code = error && typeof error === "object" ? /** @type {any} */ (error).code : undefined;
  if (name === "QuotaExceededError" || code === 22) {
    return refused([
      {
        field: "storage",
        code: "storage_full",
        message: "the device's storage is full: this entry was NOT saved; free some space",
      },
    ]);
  }
  if (STORAGE_ERROR_NAMES.has(name)) {
    return refused([
      {
        field: "storage",
        code: "storage_denied",
        message: `the browser refused to store this entry (${name}): it was NOT saved`,
      },
    ]);
  }
  throw error;
}

/** @param {DayLine[]} a @param {DayLine[]} b */
function sameLines(a, b) {
  return (
    a.length === b.length &&
    a.every((line, i) => line.line === b[i].line && line.half_days === b[i].half_days)
  );
}

/** @param {DayState} a @param {DayState} b */
function sameDay(a, b) {
  return (
    a.version === b.version &&
    a.hlc === b.hlc &&
    a.comment === b.comment &&
    a.by_client === b.by_client &&
    sameLines(a.lines, b.lines)
  );
}

/** @param {MonthState} a @param {MonthState} b */
function sameMonth(a, b) {
  return a.status === b.status && a.epoch === b.epoch && a.version === b.version;
}

/** @param {unknown} value @returns {boolean} */
function isInt(value) {
  return typeof value === "number" && Number.isInteger(value);
}

/**
 * Refuse a response that is not a SyncResponse before touching anything.
 * @param {any} response
 */
function checkResponse(response) {
  const problems = [];
  if (!response || typeof response !== "object") problems.push("not an object");
  else {
    if (!isInt(response.last_mutation_id)) problems.push("last_mutation_id");
    for (const list of ["results", "days", "months", "overwrites"]) {
      if (!Array.isArray(response[list])) problems.push(list);
    }
    if (!response.cookie || typeof response.cookie !== "object") problems.push("cookie");
    if (typeof response.server_hlc !== "string") problems.push("server_hlc");
    if (!isInt(response.server_time_ms)) problems.push("server_time_ms");
  }
  if (problems.length > 0) {
    throw new TypeError(`not a sync response (bad: ${problems.join(", ")})`);
  }
}

/**
 * Open (or create) the device database of one person.
 * @param {{userId: string}} options
 * @returns {Promise<Store>}
 * @throws {StorageUnavailable} IndexedDB is missing or refuses to open.
 */
export async function openStore({ userId }) {
  if (typeof userId !== "string" || userId === "") {
    throw new TypeError("openStore needs userId");
  }
  if (factory() === null) {
    throw new StorageUnavailable(
      "IndexedDB is not available in this browser (private browsing or storage disabled): " +
        "Carnet cannot keep entries on this device",
    );
  }
  const name = `carnet-${userId}`;
  /** @type {Store | null} */
  let store = null;
  let db;
  try {
    db = await openDatabase({
      name,
      version: DB_VERSION,
      upgrade,
      onVersionChange: () => store?._closedElsewhere(),
    });
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StorageUnavailable(
      `the browser refused to open Carnet's offline storage (${why})`,
      error,
    );
  }
  let meta;
  try {
    // Every start but the first finds the record: a read-only transaction, not a durable
    // (flushed) read-write one on the path of the first render.
    meta = await transact(db, [META], "readonly", (tx) => req(tx.objectStore(META).get(META_KEY)));
    meta ??= await transact(db, [META], "readwrite", async (tx) => {
      const metaStore = tx.objectStore(META);
      /** @type {Meta | undefined} */
      const found = await req(metaStore.get(META_KEY));
      if (found) return found;
      /** @type {Meta} */
      const fresh = {
        client_id: crypto.randomUUID(),
        next_id: 1,
        id_offset: 0,
        cookie: null,
        hlc: null,
        ack_through: 0,
        last_synced_at: null,
        clock_skew_ms: null,
      };
      metaStore.put(fresh, META_KEY);
      return fresh;
    });
  } catch (error) {
    db.close();
    throw new StorageUnavailable("Carnet's offline storage could not be initialised", error);
  }
  store = new Store({ db, name, userId, clientId: meta.client_id });
  // The decisions an approver queued with an older version of the app (localStorage) join this
  // queue: online/legacy-decisions.js, on demand, as only such a device needs it; offline
  // before it was ever fetched, the old copy waits for the next start. Nothing is lost.
  const legacy = LEGACY_DECISIONS + userId;
  try {
    if (globalThis.localStorage?.getItem(legacy) != null) {
      await (await import("./online/legacy-decisions.js")).adopt({ store, key: legacy, names: DECISIONS });
    }
  } catch (error) {
    console.warn("old approvals", error);
  }
  return store;
}

/** One person's offline CRA data. Build it with `openStore`. */
export class Store {
  /** @type {IDBDatabase} */
  #db;
  #name;
  /** @type {Set<(change: Change) => void>} */
  #listeners = new Set();
  /** @type {BroadcastChannel | null} */
  #channel = null;
  #closed = false;

  /**
   * @param {{db: IDBDatabase, name: string, userId: string, clientId: string}} options
   */
  constructor({ db, name, userId, clientId }) {
    this.#db = db;
    this.#name = name;
    /** The signed-in person's id. */
    this.userId = userId;
    /** This install's client id (a UUID), sent with every sync. */
    this.clientId = clientId;
    this.node = nodeOf(clientId);
    if (typeof BroadcastChannel === "function") {
      this.#channel = new BroadcastChannel(name);
      this.#channel.onmessage = (event) => {
        const kind = event?.data?.kind;
        if (typeof kind === "string") this.#emit({ kind, source: "remote" });
      };
      // Node only: a channel must not keep a test process alive.
      /** @type {any} */ (this.#channel).unref?.();
    }
  }

  /** True once closed here, wiped, or closed because another tab upgraded or deleted it. */
  get closed() {
    return this.#closed;
  }

  // ---- subscribers -------------------------------------------------------------------------

  /**
   * Call `fn` after every change: local ones (edit, submit, sync, dismiss, reference) and those
   * another tab of this browser announces. Returns the unsubscribe function.
   * @param {(change: Change) => void} fn
   * @returns {() => void}
   */
  subscribe(fn) {
    this.#listeners.add(fn);
    return () => {
      this.#listeners.delete(fn);
    };
  }

  /** @param {Change} change */
  #emit(change) {
    for (const fn of [...this.#listeners]) {
      try {
        fn(change);
      } catch (error) {
        // A broken listener must not break the others or the caller.
        console.error("store listener failed", error);
      }
    }
  }

  /** @param {Change["kind"]} kind */
  #changed(kind) {
    try {
      this.#channel?.postMessage({ kind });
    } catch {
      // The channel is closed: nobody left to tell.
    }
    this.#emit({ kind, source: "local" });
  }

  /** Called by openDatabase when another tab deletes or upgrades the database. */
  _closedElsewhere() {
    this.#closed = true;
    this.#emit({ kind: "closed", source: "remote" });
    this.#channel?.close();
    this.#channel = null;
  }

  /**
   * @template T
   * @param {string[]} names
   * @param {IDBTransactionMode} mode
   * @param {(tx: IDBTransaction) => Promise<T>} body
   * @returns {Promise<T>}
   */
  #tx(names, mode, body) {
    if (this.#closed) {
      const error = new Error("the offline store is closed (signed out, or another tab)");
      error.name = "StoreClosed";
      return Promise.reject(error);
    }
    return transact(this.#db, names, mode, body);
  }

  // ---- reference data ----------------------------------------------------------------------

  /** @returns {Promise<Reference | null>} */
  async reference() {
    const found = await this.#tx([REFERENCE], "readonly", (tx) =>
      req(tx.objectStore(REFERENCE).get(REFERENCE_KEY)),
    );
    if (!found) return null;
    return { person: found.person, organisation: found.organisation, missions: found.missions };
  }

  /**
   * @param {Reference} ref
   * @returns {Promise<void>}
   */
  async saveReference(ref) {
    const record = {
      person: ref?.person ?? null,
      organisation: ref?.organisation ?? null,
      missions: Array.isArray(ref?.missions) ? ref.missions : [],
      saved_at: Date.now(),
    };
    await this.#tx([REFERENCE], "readwrite", async (tx) => {
      tx.objectStore(REFERENCE).put(record, REFERENCE_KEY);
    });
    this.#changed("reference");
  }

  // ---- reading -----------------------------------------------------------------------------

  /**
   * What the month grid shows: confirmed days with the queued edits that can still apply.
   * @param {string} month "YYYY-MM"
   * @returns {Promise<MonthView>}
   */
  async monthView(month) {
    parseMonth(month); // throws InvalidMonth on a malformed month: a bug in the caller
    const range = IDBKeyRange.bound(`${month}-01`, `${month}-31`);
    const data = await this.#tx(
      [META, DAYS, MONTHS, PENDING, REJECTED, OVERWRITES],
      "readonly",
      async (tx) => ({
        meta: /** @type {Meta} */ (await req(tx.objectStore(META).get(META_KEY))),
        days: /** @type {DayState[]} */ (await req(tx.objectStore(DAYS).getAll(range))),
        monthRow: /** @type {MonthState | undefined} */ (
          await req(tx.objectStore(MONTHS).get(month))
        ),
        pending: await ofMonths(tx.objectStore(PENDING), [month]),
        rejected: await ofMonths(tx.objectStore(REJECTED), [month]),
        overwrites: await req(tx.objectStore(OVERWRITES).getAll(range)),
      }),
    );
    const facts = data.monthRow
      ? { status: data.monthRow.status, epoch: data.monthRow.epoch }
      : { status: "draft", epoch: 0 };
    /** @type {Record<string, {lines: DayLine[], comment: string}>} */
    const confirmed = {};
    let version = data.monthRow ? data.monthRow.version : 0;
    for (const day of data.days) {
      confirmed[day.date] = { lines: day.lines, comment: day.comment };
      version = Math.max(version, day.version);
    }
    const view = rebase({
      days: confirmed,
      months: new Map([[month, facts]]),
      pending: forRebase(data.pending),
    });
    /** @type {Record<string, {lines: DayLine[], comment: string}>} */
    const days = {};
    for (const [date, value] of Object.entries(view.days)) {
      days[date] = {
        lines: value.lines.map((line) => ({ line: line.line, half_days: line.half_days })),
        comment: value.comment,
      };
    }
    const submitting = view.submitting.has(month);
    /** @type {MonthView["changedElsewhere"]} */
    const changedElsewhere = {};
    for (const record of data.overwrites) {
      if (record.dismissed || record.lost?.by_client !== data.meta.client_id) continue;
      changedElsewhere[record.date] = {
        lost: record.lost,
        by_client: record.by_client,
        version: record.version,
      };
    }
    return {
      month,
      status: facts.status,
      epoch: facts.epoch,
      version,
      editable: isEditable(/** @type {any} */ (facts.status)) && !submitting,
      days,
      pendingDates: view.pending_dates,
      submitting,
      blocked: view.blocked_ids,
      rejected: data.rejected.map(rejectedEntry),
      changedElsewhere,
    };
  }

  /**
   * Counters for the sync badge.
   * @returns {Promise<{pending: number, rejected: number, lastSyncedAt: number | null,
   *   clockSkewMs: number | null}>}
   */
  async status() {
    return this.#tx([META, PENDING, REJECTED], "readonly", async (tx) => {
      /** @type {Meta} */
      const meta = await req(tx.objectStore(META).get(META_KEY));
      const pending = await req(tx.objectStore(PENDING).count());
      // The consultant's own refusals; refused decisions are listed by `decisions()`.
      const rejected = await req(tx.objectStore(REJECTED).index(BY_MONTH).count());
      return {
        pending,
        rejected,
        lastSyncedAt: meta.last_synced_at,
        clockSkewMs: meta.clock_skew_ms,
      };
    });
  }

  // ---- local changes -----------------------------------------------------------------------

  /**
   * Queue one day: validated first, then queued with the meta update in one transaction.
   * `fill` marks a prefilled day: the server keeps the day if it was filled since base_v.
   * @param {{date: string, lines: DayLine[], comment?: string, fill?: boolean}} entry
   * @returns {Promise<EditResult>}
   */
  edit(entry) {
    return this.#queueDays([entry], false);
  }

  /**
   * Queue several days, all or nothing, in one transaction (prefill, absences over a range).
   * Violations carry the `date` they belong to.
   * @param {Array<{date: string, lines: DayLine[], comment?: string, fill?: boolean}>} entries
   * @returns {Promise<EditResult>}
   */
  async editMany(entries) {
    if (!Array.isArray(entries)) throw new TypeError("editMany takes an array of days");
    return this.#queueDays(entries, true);
  }

  /**
   * @param {Array<{date: string, lines: DayLine[], comment?: string, fill?: boolean}>} entries
   * @param {boolean} tagDates
   * @returns {Promise<EditResult>}
   */
  async #queueDays(entries, tagDates) {
    // Shape checks that need no stored data, outside the transaction.
    /** @type {Violation[]} */
    const early = [];
    for (const entry of entries) {
      const date = entry?.date;
      const problem = dateViolation(date);
      const tag = (/** @type {Violation} */ v) => (tagDates ? { ...v, date } : v);
      if (problem) early.push(tag(problem));
      else if (!Array.isArray(entry.lines)) {
        early.push(tag({ field: "lines", code: "invalid_lines", message: "lines must be a list" }));
      } else if (entry.comment !== undefined && typeof entry.comment !== "string") {
        early.push(
          tag({ field: "comment", code: "invalid_comment", message: "comment must be text" }),
        );
      }
    }
    if (early.length > 0) return refused(early);
    if (entries.length === 0) return { ok: true, id: null, ids: [] };

    let result;
    try {
      result = await this.#tx([META, MONTHS, PENDING, REFERENCE], "readwrite", async (tx) => {
        // Only the months edited are read: the cost of a tap does not depend on how much else
        // is stored or queued.
        const touched = new Set(entries.map((entry) => entry.date.slice(0, 7)));
        const monthsStore = tx.objectStore(MONTHS);
        /** @type {Meta} */
        const meta = await req(tx.objectStore(META).get(META_KEY));
        const monthRows = (
          await Promise.all([...touched].map((month) => req(monthsStore.get(month))))
        ).filter(Boolean);
        const pending = await ofMonths(tx.objectStore(PENDING), touched);
        const reference = await req(tx.objectStore(REFERENCE).get(REFERENCE_KEY));
        const facts = factsByMonth(monthRows);
        const submitting = rebase({ days: {}, months: facts, pending: forRebase(pending) })
          .submitting;
        const missions = missionTermsOf(reference);

        /** @type {Violation[]} */
        const violations = [];
        /** @type {Array<{date: string, lines: DayLine[], comment: string, epoch: number,
         *   fill?: boolean}>} */
        const accepted = [];
        for (const entry of entries) {
          const month = entry.date.slice(0, 7);
          const monthFacts = facts.get(month) ?? { status: "draft", epoch: 0 };
          const tag = (/** @type {Violation} */ v) => (tagDates ? { ...v, date: entry.date } : v);
          if (!isEditable(/** @type {any} */ (monthFacts.status)) || submitting.has(month)) {
            violations.push(
              tag({
                field: "date",
                code: "month_locked",
                message: submitting.has(month)
                  ? `the CRA of ${month} is waiting to be submitted: it can no longer be edited`
                  : `the CRA of ${month} is ${monthFacts.status}: it can no longer be edited`,
              }),
            );
            continue;
          }
          const comment = entry.comment ?? "";
          const input = {
            month: parseMonth(month),
            date: entry.date,
            lines: entry.lines,
            comment,
            missions,
          };
          const found = checkDay(input);
          if (found.length > 0) {
            violations.push(...found.map(tag));
            continue;
          }
          // Canonical form (lines sorted, comment stripped), as the server will store it.
          const day = validateDay(input);
          accepted.push({
            date: day.date,
            lines: day.lines,
            comment: day.comment,
            epoch: monthFacts.epoch,
            fill: entry.fill,
          });
        }
        if (violations.length > 0) return refused(violations); // nothing written

        const now = Date.now();
        let clock = meta.hlc ? parseHlc(meta.hlc) : null;
        let nextId = meta.next_id;
        const ids = [];
        const pendingStore = tx.objectStore(PENDING);
        // A day edited again before its queued edit was ever sent replaces that edit in place:
        // only the day's last value matters, and an intermediate value must not hide, on the
        // server, that another device's value was replaced (it would be compared with the
        // intermediate one). Edits already sent, or followed by a queued submission of their
        // month (refused above), are never touched.
        /** @type {Map<string, PendingMutation>} */
        const unsent = new Map();
        for (const mutation of pending) {
          if (mutation.name === "set_day" && mutation.sent !== true) {
            unsent.set(mutation.args.date, mutation);
          }
        }
        for (const day of accepted) {
          clock = tick({ local: clock, nowMs: now, node: this.node });
          /** @type {Record<string, any>} */
          const args = {
            date: day.date,
            epoch: day.epoch,
            lines: day.lines,
            comment: day.comment,
            hlc: encodeHlc(clock),
            base_v: meta.cookie ? meta.cookie.v : 0,
          };
          // A prefill's day: the server keeps a day filled since base_v (sync-protocol §3.6.1).
          if (day.fill) args.fill = true;
          const earlier = unsent.get(day.date);
          /** @type {PendingMutation} */
          const mutation = earlier
            ? { ...earlier, args }
            : { id: nextId, name: "set_day", month: day.date.slice(0, 7), args, queued_at: now };
          pendingStore.put(mutation);
          unsent.set(day.date, mutation);
          ids.push(mutation.id);
          if (!earlier) nextId += 1;
        }
        tx.objectStore(META).put(
          { ...meta, next_id: nextId, hlc: clock ? encodeHlc(clock) : meta.hlc },
          META_KEY,
        );
        return { ok: true, id: ids[ids.length - 1], ids };
      });
    } catch (error) {
      return storageFailure(error);
    }
    if (result.ok) this.#changed("edit");
    return result;
  }

  /**
   * Queue the submission of a month as reviewed now (reviewed_version = monthView().version).
   * @param {string} month "YYYY-MM"
   * @returns {Promise<EditResult>}
   */
  async submit(month) {
    try {
      parseMonth(month);
    } catch {
      return refused([
        {
          field: "month",
          code: "invalid_month",
          message: `month ${JSON.stringify(month)} is not YYYY-MM`,
        },
      ]);
    }
    const range = IDBKeyRange.bound(`${month}-01`, `${month}-31`);
    let result;
    try {
      result = await this.#tx([META, DAYS, MONTHS, PENDING], "readwrite", async (tx) => {
        /** @type {Meta} */
        const meta = await req(tx.objectStore(META).get(META_KEY));
        /** @type {MonthState | undefined} */
        const row = await req(tx.objectStore(MONTHS).get(month));
        /** @type {DayState[]} */
        const days = await req(tx.objectStore(DAYS).getAll(range));
        const pending = await ofMonths(tx.objectStore(PENDING), [month]);
        const facts = row ? { status: row.status, epoch: row.epoch } : { status: "draft", epoch: 0 };
        const submitting = rebase({
          days: {},
          months: new Map([[month, facts]]),
          pending: forRebase(pending),
        }).submitting.has(month);
        if (!isEditable(/** @type {any} */ (facts.status)) || submitting) {
          return refused([
            {
              field: "month",
              code: "month_locked",
              message: submitting
                ? `the CRA of ${month} is already waiting to be submitted`
                : `the CRA of ${month} is ${facts.status}: it cannot be submitted again`,
            },
          ]);
        }
        let version = row ? row.version : 0;
        for (const day of days) version = Math.max(version, day.version);
        const id = meta.next_id;
        /** @type {PendingMutation} */
        const mutation = {
          id,
          name: "submit_month",
          month,
          args: { month, epoch: facts.epoch, reviewed_version: version },
          queued_at: Date.now(),
        };
        tx.objectStore(PENDING).put(mutation);
        tx.objectStore(META).put({ ...meta, next_id: id + 1 }, META_KEY);
        return { ok: true, id, ids: [id] };
      });
    } catch (error) {
      return storageFailure(error);
    }
    if (result.ok) this.#changed("submit");
    return result;
  }

  /**
   * Queue a change that is not a day of one's own months, sent by the sync loop like every
   * other change: an approver's decision on another person's month (one per month waits at a
   * time), or a leave request or cancellation (one per request id). `args` are the wire args,
   * which the server checks (a refusal comes back with its reason, listed by `decisions()`);
   * the comment of a send-back is asked for by the form.
   * @param {string} name  One of DECISIONS.
   * @param {any} args  e.g. {consultant_id, month, version, comment?}, or {id, kind, ...}
   * @param {{name: string}} label  Whose month it is, or what the leave is, for the screen.
   * @param {Array<{sha256: string, blob: Blob}>} [receipts]  An expense's photos, stored in the
   *   same transaction as it (args.receipts names their hashes); the sync loop uploads them
   *   before it sends the expense.
   * @param {(tx: IDBTransaction, record: PendingMutation) => Promise<number>} [replace]  An
   *   expense line's change (online/expenses.js): run first inside this transaction (awaiting
   *   only its requests), it may write the change over one of that line not sent yet, and
   *   returns its id; 0 queues the change after those of the line. No one-per-subject check.
   * @returns {Promise<EditResult>}
   */
  async decide(name, args, label, receipts = [], replace) {
    if (!DECISIONS.includes(name)) throw new TypeError(name);
    let result;
    try {
      result = await this.#tx([META, PENDING, RECEIPTS], "readwrite", async (tx) => {
        const pending = tx.objectStore(PENDING);
        /** @type {Meta} */
        const meta = await req(tx.objectStore(META).get(META_KEY));
        const record = decisionRecord(meta.next_id, name, args, label);
        const id = replace ? await replace(tx, record) : 0;
        if (!replace && (await req(pending.index(BY_SUBJECT).count(record.subject)))) {
          return refused([{ field: "month", code: "already_queued", message: record.subject }]);
        }
        for (const receipt of receipts) tx.objectStore(RECEIPTS).put(receipt);
        if (!id) {
          pending.put(record);
          tx.objectStore(META).put({ ...meta, next_id: record.id + 1 }, META_KEY);
        }
        return { ok: true, id: id || record.id, ids: [id || record.id] };
      });
    } catch (error) {
      return storageFailure(error);
    }
    if (result.ok) this.#changed("decision");
    return result;
  }

  /**
   * The approver's decisions still queued, and those the server refused (with its `result`,
   * until dismissed with `dismissRejected`), as stored, in queue order.
   * @returns {Promise<{pending: PendingMutation[], rejected: Array<PendingMutation &
   *   {result: MutationResult}>}>}
   */
  async decisions() {
    return this.#tx([PENDING, REJECTED], "readonly", async (tx) => {
      const read = (name) => req(tx.objectStore(name).index(BY_SUBJECT).getAll());
      const [pending, rejected] = await Promise.all([read(PENDING), read(REJECTED)]);
      const byId = (a, b) => a.id - b.id;
      return { pending: pending.sort(byId), rejected: rejected.sort(byId) };
    });
  }

  /**
   * The receipts waiting to upload; or, given a hash, forget that one (the server holds it, or
   * refused it for good: the expense naming it then comes back refused, with the reason).
   * @param {string} [uploaded]
   * @returns {Promise<Array<{sha256: string, blob: Blob}> | undefined>}
   */
  receipts(uploaded) {
    return this.#tx([RECEIPTS], uploaded ? "readwrite" : "readonly", (tx) =>
      req(uploaded ? tx.objectStore(RECEIPTS).delete(uploaded) : tx.objectStore(RECEIPTS).getAll()),
    );
  }

  /**
   * The person has read a rejection (and copied what they needed): forget it, or several at once.
   * @param {number | number[]} id
   */
  async dismissRejected(id) {
    await this.#tx([REJECTED], "readwrite", async (tx) => {
      for (const one of Array.isArray(id) ? id : [id]) tx.objectStore(REJECTED).delete(one);
    });
    this.#changed("dismiss");
  }

  /**
   * The person has seen that another device replaced this day's value: stop showing it (until
   * a newer overwrite of the same day arrives).
   * @param {string} date
   */
  async dismissChanged(date) {
    await this.#tx([OVERWRITES], "readwrite", async (tx) => {
      const overwrites = tx.objectStore(OVERWRITES);
      const record = await req(overwrites.get(date));
      if (record) overwrites.put({ ...record, dismissed: true });
    });
    this.#changed("dismiss");
  }

  // ---- sync --------------------------------------------------------------------------------

  /**
   * The body of the next POST /api/v1/sync: the oldest queued mutations (at most 100, in id
   * order), the cookie, and the acknowledgement of results already applied.
   * @param {{limit?: number}} [options] Pull page size, 1-2000.
   * @returns {Promise<SyncRequest>}
   */
  async nextRequest({ limit = 500 } = {}) {
    const page = Math.min(Math.max(1, Math.trunc(limit) || 500), MAX_PAGE);
    return this.#tx([META, PENDING, RECEIPTS], "readwrite", async (tx) => {
      /** @type {Meta} */
      const meta = await req(tx.objectStore(META).get(META_KEY));
      /** @type {PendingMutation[]} */
      let pending = await req(tx.objectStore(PENDING).getAll(null, MAX_MUTATIONS));
      // An expense leaves only after its receipts (the server refuses a line naming a receipt it
      // does not hold); the queue is sent in order, so nothing after it goes either.
      const waiting = new Set(await req(tx.objectStore(RECEIPTS).getAllKeys()));
      const held = pending.findIndex((m) => m.args.receipts?.some((r) => waiting.has(r)));
      if (held >= 0) pending = pending.slice(0, held);
      // From now on the server may have processed these: they are never edited in place again.
      const pendingStore = tx.objectStore(PENDING);
      for (const mutation of pending) {
        if (mutation.sent !== true) pendingStore.put({ ...mutation, sent: true });
      }
      return {
        protocol: PROTOCOL_VERSION,
        client_id: meta.client_id,
        cookie: meta.cookie ?? null,
        ack_through: meta.ack_through,
        mutations: pending.map((mutation) => ({
          id: mutation.id - (meta.id_offset ?? 0),
          name: mutation.name,
          args: mutation.args,
        })),
        limit: page,
      };
    });
  }

  /**
   * Apply a sync response in one transaction (mirrors tests/device.py `apply`): results move
   * rejected mutations to `rejected` with their values; every mutation up to
   * last_mutation_id leaves the queue; pulled days and months replace (reset) or merge into the
   * confirmed state; overwrites of this device's values are recorded; cookie, acknowledgement
   * and clock advance.
   * @param {SyncRequest} request The body that was sent.
   * @param {SyncResponse} response The parsed 200 response.
   * @returns {Promise<{changed: boolean, hasMore: boolean}>}
   */
  async applyResponse(request, response) {
    checkResponse(response);
    const remote = parseHlc(response.server_hlc); // throws before anything is written
    const outcome = await this.#tx(
      [META, DAYS, MONTHS, PENDING, REJECTED, OVERWRITES],
      "readwrite",
      async (tx) => {
        /** @type {Meta} */
        const meta = await req(tx.objectStore(META).get(META_KEY));
        if (request && request.client_id && request.client_id !== meta.client_id) {
          throw new Error("this response answers another install's request");
        }
        const now = Date.now();
        const offset = meta.id_offset ?? 0;
        const last = response.last_mutation_id;
        const lastLocal = last + offset;
        let changed = false;

        // 1. Results and acknowledgement.
        const results = new Map(response.results.map((result) => [result.id + offset, result]));
        const pendingStore = tx.objectStore(PENDING);
        const rejectedStore = tx.objectStore(REJECTED);
        // Only the acknowledged part of the queue is read (ids are in queue order).
        /** @type {PendingMutation[]} */
        const pending =
          lastLocal >= 1 ? await req(pendingStore.getAll(IDBKeyRange.upperBound(lastLocal))) : [];
        // A decision's result carries the month of the person decided on: not ours to store.
        const own = new Map(pending.filter((m) => m.month).map((m) => [m.id - offset, m]));
        for (const mutation of pending) {
          const result = results.get(mutation.id);
          if (result && result.status === "rejected") {
            // Never dropped: kept with the typed values and the server's reason.
            rejectedStore.put({ ...mutation, result, rejected_at: now });
          }
          pendingStore.delete(mutation.id);
          changed = true;
        }

        // 2. Confirmed state.
        const daysStore = tx.objectStore(DAYS);
        const monthsStore = tx.objectStore(MONTHS);
        if (response.reset) {
          daysStore.clear();
          monthsStore.clear();
          changed = true;
        }
        // Every row merges by version (a page, a result and the queue may speak of one row).
        /** @param {DayState} day */
        const mergeDay = async (day) => {
          const current = await req(daysStore.get(day.date));
          if (current && (day.version < current.version || sameDay(current, day))) return;
          daysStore.put(day);
          changed = true;
        };
        /** @param {MonthState} month */
        const mergeMonth = async (month) => {
          const current = await req(monthsStore.get(month.month));
          if (current && (month.version < current.version || sameMonth(current, month))) return;
          monthsStore.put(month);
          changed = true;
        };
        for (const day of response.days) await mergeDay(day);
        for (const month of response.months) await mergeMonth(month);
        // Protocol 2 sends back none of this device's own writes: an applied set_day is stored
        // from the queue at its result's version; a result's day or own month is merged.
        for (const result of response.results) {
          const mine = own.get(result.id);
          if (result.version && mine?.name === "set_day") {
            const { date, lines, comment } = mine.args;
            const { hlc, version } = result;
            await mergeDay({ date, lines, comment, hlc, version, by_client: meta.client_id });
          }
          if (result.current) await mergeDay(result.current);
          if (result.month && mine) await mergeMonth(result.month);
        }

        // 3. Days this device typed that another device replaced without having seen them.
        const overwritesStore = tx.objectStore(OVERWRITES);
        for (const overwrite of response.overwrites) {
          if (overwrite?.lost?.by_client !== meta.client_id) continue;
          const current = await req(overwritesStore.get(overwrite.date));
          if (current && current.version >= overwrite.version) continue;
          overwritesStore.put({
            date: overwrite.date,
            lost: overwrite.lost,
            by_client: overwrite.by_client,
            version: overwrite.version,
            dismissed: false,
            recorded_at: now,
          });
          changed = true;
        }

        // 4. Counters. The server forgot this device (restored from a backup: it answers
        // `reset` with a last id below what it acknowledged before) and now expects ids from
        // last + 1: shift the wire numbering of the queue so it is not stuck at a gap forever.
        let idOffset = offset;
        let ackThrough = Math.max(meta.ack_through, last);
        if (response.reset && last < meta.ack_through) {
          const [firstRemaining] = await req(
            pendingStore.getAllKeys(IDBKeyRange.lowerBound(lastLocal, true), 1),
          );
          const firstLocal = firstRemaining ?? meta.next_id;
          idOffset = firstLocal - (last + 1);
          ackThrough = last;
        }
        const clock = recv({
          local: meta.hlc ? parseHlc(meta.hlc) : null,
          remote,
          nowMs: now,
          node: this.node,
        });
        tx.objectStore(META).put(
          {
            ...meta,
            id_offset: idOffset,
            cookie: response.cookie,
            ack_through: ackThrough,
            hlc: encodeHlc(clock),
            last_synced_at: now,
            clock_skew_ms: now - response.server_time_ms,
          },
          META_KEY,
        );
        return { changed, hasMore: Boolean(response.has_more) };
      },
    );
    this.#changed("sync");
    return outcome;
  }

  // ---- lifetime ----------------------------------------------------------------------------

  /** Close the database connection and the tab channel (the data stays). */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
    this.#channel?.close();
    this.#channel = null;
  }

  /** Sign-out: delete this person's database (other tabs close theirs and are told). */
  async wipe() {
    try {
      this.#channel?.postMessage({ kind: "wiped" });
    } catch {
      // Closed already.
    }
    this.close();
    await deleteDatabase(this.#name);
    this.#emit({ kind: "wiped", source: "local" });
  }
}

/**
 * @param {PendingMutation & {result: MutationResult, rejected_at: number}} record
 * @returns {RejectedEntry}
 */
function rejectedEntry(record) {
  const base = {
    id: record.id,
    name: record.name,
    reason: record.result?.reason ?? null,
    detail: record.result?.detail ?? null,
    monthState: record.result?.month ?? null,
    rejectedAt: record.rejected_at,
  };
  if (record.name !== "set_day") return { ...base, month: record.args.month };
  return {
    ...base,
    date: record.args.date,
    month: record.args.date.slice(0, 7),
    lines: record.args.lines,
    comment: record.args.comment,
  };
}
