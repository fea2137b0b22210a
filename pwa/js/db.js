// A tiny IndexedDB wrapper (the ~40 lines jakearchibald/idb's README says are enough): promise
// versions of open / delete / request, and `transact`, which runs a body inside ONE transaction
// and resolves only when that transaction has completed (is durable), never earlier.
//
// The transaction-lifetime rule (jakearchibald/idb's README): a transaction commits as soon as no
// request is pending at the end of a task, so a `transact` body may await ONLY the requests it
// makes on `tx` (wrapped with `requestToPromise`). Awaiting anything else — fetch, a timer,
// another transaction — lets the transaction auto-commit half-way and the next request throws
// TransactionInactiveError. Do all non-IndexedDB work before or after `transact`.

/**
 * Wrap an IDBRequest in a promise.
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
export function requestToPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * The IndexedDB factory of this environment, or null where there is none (some private modes,
 * disabled storage, old WebViews).
 * @returns {IDBFactory | null}
 */
export function factory() {
  try {
    return globalThis.indexedDB ?? null;
  } catch {
    // Reading `indexedDB` itself throws SecurityError in some sandboxed frames.
    return null;
  }
}

/**
 * Open (creating or upgrading) a database.
 * @param {object} options
 * @param {string} options.name
 * @param {number} options.version
 * @param {(db: IDBDatabase, oldVersion: number, tx: IDBTransaction) => void} options.upgrade
 *   Schema changes, run inside the versionchange transaction: switch on `oldVersion` with
 *   fall-through cases so every step from any old version runs in order.
 * @param {() => void} [options.onVersionChange] Another connection wants to upgrade or delete
 *   the database; this one has already been closed when it is called.
 * @returns {Promise<IDBDatabase>}
 */
export function openDatabase({ name, version, upgrade, onVersionChange }) {
  const idb = factory();
  if (idb === null) return Promise.reject(new Error("IndexedDB is not available"));
  return new Promise((resolve, reject) => {
    let request;
    try {
      request = idb.open(name, version);
    } catch (error) {
      reject(error);
      return;
    }
    request.onupgradeneeded = (event) => {
      const tx = /** @type {IDBTransaction} */ (request.transaction);
      upgrade(request.result, event.oldVersion, tx);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Never block another tab's upgrade or a logout's delete: close and let the owner know.
      db.onversionchange = () => {
        db.close();
        onVersionChange?.();
      };
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    // Another tab holds an old version open; it closes on its own `versionchange`, after which
    // this request proceeds. Nothing to do here but wait.
    request.onblocked = () => {};
  });
}

/**
 * Delete a database; resolves once it is gone (other connections close on `versionchange`).
 * @param {string} name
 * @returns {Promise<void>}
 */
export function deleteDatabase(name) {
  const idb = factory();
  if (idb === null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const request = idb.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
    request.onblocked = () => {};
  });
}

/**
 * Run `body` in one transaction over `storeNames`. Resolves with the body's result when the
 * transaction has COMPLETED; rejects (and aborts the transaction, so nothing of it is written)
 * when the body throws or any request fails. Read-write transactions ask for strict durability,
 * so "complete" means flushed to disk (Chrome's default became "relaxed").
 * @template T
 * @param {IDBDatabase} db
 * @param {string[]} storeNames
 * @param {IDBTransactionMode} mode
 * @param {(tx: IDBTransaction) => Promise<T> | T} body Awaits only requests made on `tx`.
 * @returns {Promise<T>}
 */
export function transact(db, storeNames, mode, body) {
  return new Promise((resolve, reject) => {
    /** @type {IDBTransaction} */
    let tx;
    try {
      tx =
        mode === "readwrite"
          ? db.transaction(storeNames, mode, { durability: "strict" })
          : db.transaction(storeNames, mode);
    } catch (error) {
      reject(error);
      return;
    }
    let settled = false;
    let bodyDone = false;
    let completed = false;
    /** @type {T} */
    let value;
    const fail = (/** @type {unknown} */ error) => {
      if (settled) return;
      settled = true;
      try {
        tx.abort();
      } catch {
        // Already finished or aborting.
      }
      reject(error);
    };
    const finish = () => {
      if (!settled && bodyDone && completed) {
        settled = true;
        resolve(value);
      }
    };
    tx.oncomplete = () => {
      completed = true;
      finish();
    };
    tx.onabort = () =>
      fail(tx.error ?? new DOMException("The transaction was aborted", "AbortError"));
    // The body starts synchronously, while the new transaction is certainly active.
    let started;
    try {
      started = Promise.resolve(body(tx));
    } catch (error) {
      fail(error);
      return;
    }
    started.then((result) => {
      value = result;
      bodyDone = true;
      finish();
    }, fail);
  });
}
