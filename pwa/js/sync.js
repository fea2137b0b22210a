// The sync loop: pushes the store's queue and pulls what changed (POST /api/v1/sync), on every
// trigger that matters and with retries that never wait for a new edit (PowerSync's stalled
// queues, sync-protocol.md §2.2 and §3.8).
//
// Triggers: start; `online`; the page becoming visible; 1.5 s after a local edit or submit
// (debounced); every 30 s while visible; the backoff timer after a failure. Failures:
// network / 5xx / 429 → exponential backoff 1 s doubling to 5 min with jitter; 401 → report
// `authExpired` and stop until syncNow(); any other refusal (400, 403, 409, 422) → report it in
// `error` and retry on the backoff schedule. The queue is never touched by a failure.
// One tab syncs at a time (Web Locks, `ifAvailable`); the others see the changes through the
// store's BroadcastChannel.

/**
 * @typedef {object} SyncError
 * @property {number | null} status  HTTP status, 0 for no network, null for a local failure.
 * @property {string} title
 * @property {string} detail
 * @property {Array<{field: string, code: string, message: string}>} errors
 * @property {boolean} transient  True when retrying later is expected to work (network, 5xx,
 *   429); false when the request itself is refused (update the app, or a server-side problem).
 *
 * @typedef {object} SyncState
 * @property {boolean} online  The last attempt reached the server (before any attempt: the
 *   browser's navigator.onLine).
 * @property {boolean} syncing
 * @property {number | null} lastSyncedAt  Device time (ms) of the last successful sync.
 * @property {number} pending  Mutations waiting in the queue.
 * @property {number} rejected  Rejected mutations not yet dismissed.
 * @property {SyncError | null} error  The last attempt's failure, null after a success.
 * @property {boolean} authExpired  The session ended: sign in again, then call syncNow().
 * @property {number | null} clockSkewMs  Device clock - server clock at the last sync.
 *
 * @typedef {object} SyncApi  The functions of api.js this loop uses.
 * @property {(body: object) => Promise<any>} sync
 * @property {() => Promise<object[]>} missions
 * @property {() => Promise<object>} organisation
 * @property {() => Promise<object>} [me]
 * @property {(method: string, path: string, body?: Blob) => Promise<any>} [request]  Used to
 *   upload receipts (PUT /api/v1/receipts/{sha256}).
 */

const DEFAULTS = Object.freeze({
  debounceMs: 1500,
  intervalMs: 30_000,
  baseBackoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  referenceEveryMs: 10 * 60_000,
  referenceRetryMs: 60_000,
  followerRetryMs: 2000,
  maxRounds: 20,
  limit: 500,
});

/** @param {unknown} error @returns {number | null} */
function statusOf(error) {
  const status = error && typeof error === "object" ? /** @type {any} */ (error).status : null;
  return typeof status === "number" ? status : null;
}

/** @param {unknown} error @returns {SyncError} */
function describe(error) {
  const status = statusOf(error);
  const any = /** @type {any} */ (error ?? {});
  return {
    status,
    title: String(any.title ?? any.name ?? "Error"),
    detail: String(any.detail ?? any.message ?? ""),
    errors: Array.isArray(any.errors) ? any.errors : [],
    transient: status === 0 || status === 429 || (status !== null && status >= 500),
  };
}

/**
 * Start syncing `store` through `api`.
 * @param {object} options
 * @param {import("./store.js").Store} options.store
 * @param {SyncApi} options.api  The api.js module (or a test double).
 * @param {(state: SyncState) => void} [options.onState]  Called after every attempt and on
 *   every change of connectivity or counters.
 * @param {Partial<typeof DEFAULTS>} [options.tuning]  Timings, for tests only.
 * @returns {{syncNow: () => Promise<void>, stop: () => void}}
 */
export function startSync({ store, api, onState = () => {}, tuning = {} }) {
  const cfg = { ...DEFAULTS, ...tuning };
  const win = /** @type {any} */ (globalThis);
  const doc = /** @type {Document | undefined} */ (globalThis.document);
  const nav = /** @type {any} */ (globalThis.navigator);
  const lockName = `carnet-sync-${store.userId}`;

  /** @type {SyncState} */
  const state = {
    online: nav && typeof nav.onLine === "boolean" ? nav.onLine : true,
    syncing: false,
    lastSyncedAt: null,
    pending: 0,
    rejected: 0,
    error: null,
    authExpired: false,
    clockSkewMs: null,
  };

  let stopped = false;
  let paused = false; // after a 401, until syncNow()
  let failures = 0;
  let lastFailureStatus = /** @type {number | null} */ (null);
  let nextAllowedAt = 0;
  let lastReferenceAt = -Infinity;
  /** @type {Promise<void> | null} */
  let running = null;
  let again = false;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let retryTimer = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let debounceTimer = null;

  const emit = () => {
    if (stopped) return;
    try {
      onState({ ...state, error: state.error ? { ...state.error } : null });
    } catch (error) {
      console.error("onState failed", error);
    }
  };

  const refreshCounts = async () => {
    try {
      const counts = await store.status();
      state.pending = counts.pending;
      state.rejected = counts.rejected;
      state.lastSyncedAt = counts.lastSyncedAt;
      state.clockSkewMs = counts.clockSkewMs;
    } catch {
      // The store is closed (signed out): the counters keep their last values.
    }
  };

  const visible = () => !doc || doc.visibilityState !== "hidden";

  /** @param {number} ms */
  const scheduleRetry = (ms) => {
    if (stopped) return;
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void trigger({ force: true });
    }, ms);
  };

  /** @param {unknown} error */
  const fail = (error) => {
    const status = statusOf(error);
    state.error = describe(error);
    lastFailureStatus = status;
    if (status === 401) {
      // Keep the queue; nothing will succeed until the person signs in again.
      state.authExpired = true;
      paused = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      return;
    }
    if (status === 0) state.online = false;
    else if (status !== null) state.online = true;
    failures += 1;
    const ceiling = Math.min(cfg.baseBackoffMs * 2 ** (failures - 1), cfg.maxBackoffMs);
    // "Equal jitter": between half and all of the ceiling, so devices do not retry in step.
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    nextAllowedAt = Date.now() + delay;
    scheduleRetry(delay);
  };

  const succeed = () => {
    failures = 0;
    lastFailureStatus = null;
    nextAllowedAt = 0;
    state.error = null;
    state.online = true;
    state.authExpired = false;
  };

  /** Refresh missions and organisation at most every 10 minutes, when the server answers. */
  const refreshReference = async () => {
    if (Date.now() - lastReferenceAt < cfg.referenceEveryMs) return;
    lastReferenceAt = Date.now();
    try {
      const [missions, organisation] = await Promise.all([api.missions(), api.organisation()]);
      const current = await store.reference();
      let person = current?.person ?? null;
      if (!person && typeof api.me === "function") person = await api.me();
      // Only the person's own missions are CRA lines (a manager's list has the team's too).
      const own = person?.id ? missions.filter((m) => m.consultant_id === person.id) : missions;
      await store.saveReference({ person, organisation, missions: own });
    } catch (error) {
      if (statusOf(error) === 401) {
        fail(error);
        return;
      }
      // Try again in a minute rather than in ten; the CRA sync itself is unaffected.
      lastReferenceAt = Date.now() - cfg.referenceEveryMs + cfg.referenceRetryMs;
    }
  };

  /** Push and pull until nothing is left (bounded), as the lock holder. */
  const rounds = async () => {
    state.syncing = true;
    emit();
    try {
      for (let round = 0; round < cfg.maxRounds && !stopped; round += 1) {
        // Receipts first: the expense naming one is held in the queue until it is uploaded
        // (store.nextRequest). The hash is the id: a retry or another device stores nothing
        // twice. A refusal for good (not a receipt, too large) lets the expense go, refused.
        for (const { sha256, blob } of await store.receipts()) {
          try {
            await api.request("PUT", `/receipts/${sha256}`, blob);
          } catch (error) {
            const status = statusOf(error);
            if (!status || status === 401 || describe(error).transient) throw error;
          }
          await store.receipts(sha256);
        }
        const body = await store.nextRequest({ limit: cfg.limit });
        const response = await api.sync(body);
        const { hasMore } = await store.applyResponse(body, response);
        succeed();
        const { pending } = await store.status();
        // Go on while the server has more to send, or the queue has more and moved forward
        // (a round that acknowledged nothing would only spin).
        const progressed = response.last_mutation_id > body.ack_through || response.reset;
        if (!hasMore && !(pending > 0 && progressed)) break;
      }
      if (!stopped && !paused) await refreshReference();
    } catch (error) {
      fail(error);
    } finally {
      state.syncing = false;
    }
  };

  const attempt = async () => {
    const locks = nav?.locks;
    if (locks && typeof locks.request === "function") {
      let led = false;
      await locks.request(lockName, { ifAvailable: true }, async (/** @type {any} */ lock) => {
        if (lock === null) return; // another tab is syncing right now
        led = true;
        await rounds();
      });
      if (!led) {
        // Its run may end before it sees an edit made here: look again shortly.
        await refreshCounts();
        if (state.pending > 0) scheduleRetry(cfg.followerRetryMs);
        return;
      }
    } else {
      await rounds();
    }
    await refreshCounts();
  };

  /**
   * Run a sync unless one runs already (then run once more after it), we are stopped, paused
   * by a 401, or waiting out a backoff (unless forced).
   * @param {{force?: boolean, manual?: boolean}} [options]
   * @returns {Promise<void>}
   */
  function trigger({ force = false, manual = false } = {}) {
    if (stopped || (paused && !manual)) return Promise.resolve();
    if (!force && Date.now() < nextAllowedAt) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await attempt();
          emit();
        } while (again && !stopped && !paused && Date.now() >= nextAllowedAt);
      } finally {
        running = null;
      }
    })();
    return running;
  }

  // ---- triggers ------------------------------------------------------------------------------

  const onOnline = () => {
    state.online = true;
    failures = 0;
    nextAllowedAt = 0;
    emit();
    void trigger({ force: true });
  };
  const onOffline = () => {
    state.online = false;
    emit();
  };
  const onVisibility = () => {
    if (visible()) void trigger({ force: true });
  };
  const unsubscribe = store.subscribe((change) => {
    if (stopped) return;
    if (change?.kind === "wiped" || change?.kind === "closed") {
      stop();
      return;
    }
    if (change?.source === "local" && /^(edit|submit|decision)$/.test(change.kind)) {
      if (debounceTimer !== null) clearTimeout(debounceTimer);
      debounceTimer = setTimeout(() => {
        debounceTimer = null;
        // After a network failure an edit is a good moment to try again; after a 5xx or a
        // 429 the server asked for patience, so the backoff holds.
        void trigger({ force: lastFailureStatus === 0 });
      }, cfg.debounceMs);
    } else if (change?.source === "remote") {
      // Another tab changed the data (and may have synced): update the counters here.
      void refreshCounts().then(emit);
    }
  });
  const interval = setInterval(() => {
    if (visible()) void trigger();
  }, cfg.intervalMs);

  if (typeof win.addEventListener === "function") {
    win.addEventListener("online", onOnline);
    win.addEventListener("offline", onOffline);
  }
  if (doc && typeof doc.addEventListener === "function") {
    doc.addEventListener("visibilitychange", onVisibility);
  }

  // Ask once that the browser not evict this origin's storage (Safari's 7-day rule, storage
  // pressure); a refusal changes nothing.
  try {
    const persisted = nav?.storage?.persist?.();
    if (persisted && typeof persisted.catch === "function") persisted.catch(() => {});
  } catch {
    // Not supported.
  }

  function stop() {
    if (stopped) return;
    stopped = true;
    clearInterval(interval);
    if (retryTimer !== null) clearTimeout(retryTimer);
    if (debounceTimer !== null) clearTimeout(debounceTimer);
    retryTimer = null;
    debounceTimer = null;
    unsubscribe();
    if (typeof win.removeEventListener === "function") {
      win.removeEventListener("online", onOnline);
      win.removeEventListener("offline", onOffline);
    }
    if (doc && typeof doc.removeEventListener === "function") {
      doc.removeEventListener("visibilitychange", onVisibility);
    }
  }

  void refreshCounts().then(() => {
    emit();
    return trigger({ force: true });
  });

  return {
    /** Sync now, whatever the backoff; also resumes after a 401 once signed in again. */
    syncNow() {
      paused = false;
      state.authExpired = false;
      failures = 0;
      nextAllowedAt = 0;
      return trigger({ force: true, manual: true });
    },
    stop,
  };
}
