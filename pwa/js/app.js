// Composition root: wires the API client, the offline store, the sync loop and the views, and
// decides which screen to show. Screens: invitation (hash "#invite=<token>"), sign-in, the
// month (consultants), home (other roles).
// The invitation token travels in the URL fragment so it never reaches server logs or a
// Referer header; it is removed from the address bar once the passkey exists.
// Offline start: the service worker serves the shell, GET /session fails, and the person
// last signed in on this device (localStorage) gets their month from IndexedDB.

import * as api from "./api.js";
import { openStore } from "./store.js";
import { startSync } from "./sync.js";
import { addStrings, loadLocale, t } from "./i18n.js";
import * as views from "./views.js";
import { h } from "./views/dom.js";
import { absenceEdits, buildMonth, cycle, prefillEdits } from "./month.js";
import { formatMonth, nextMonth, parseMonth, previousMonth } from "./core/months.js";

const PERSON_KEY = "carnet.person";
// The validation circuit's views (month panel, approvals), fetched on first use only.
/**
 * Import an on-demand module (pwa/js/online/), linking the on-demand screens' styles first.
 * @param {string} path
 */
const onDemand = (path) => {
  if (!document.querySelector("link[href$='screens.css']")) {
    document.head.append(h("link", { rel: "stylesheet", href: "/js/online/screens.css" }));
  }
  return import(path);
};
const circuitViews = () => onDemand("./online/circuit.js");
const approves = (person) => (person.roles ?? []).some((r) => r === "manager" || r === "admin");

/**
 * A parameter of the URL fragment: "#invite=<token>" (an invitation), "#demo=<email>" (links
 * printed by `carnet demo`).
 * @param {string} name
 * @returns {string | null}
 */
function fromHash(name) {
  const value = new URLSearchParams(location.hash.slice(1)).get(name)?.trim();
  return value || null;
}

function clearHash() {
  history.replaceState(history.state, "", location.pathname + location.search);
}

/**
 * Turn anything thrown into a message for the person (online/account.js adds the passkey
 * ceremonies' own errors).
 * @param {unknown} error
 * @param {Record<number, string>} [byStatus]  i18n keys for API statuses specific to the screen
 * @returns {{message: string, details: string[]}}
 */
function describeError(error, byStatus = {}) {
  if (error instanceof api.ApiError) {
    const details = error.errors.map((e) =>
      e.field ? t("error.field", { field: e.field, message: e.message }) : e.message,
    );
    if (error.status === 0) return { message: t("error.network"), details: [] };
    if (byStatus[error.status]) return { message: t(byStatus[error.status]), details };
    if (error.status >= 500) return { message: t("error.server"), details: [] };
    return { message: error.detail || error.title || t("error.generic"), details };
  }
  console.error(error);
  return { message: t("error.generic"), details: [] };
}

// Bumped on every screen change so a slow response cannot replace a newer screen.
let navigation = 0;
let demoMode = false;
/** Re-render the current screen (language switch). */
let rerender = () => route();

/** @param {any} person */
function remember(person) {
  try {
    localStorage.setItem(PERSON_KEY, JSON.stringify(person));
  } catch {
    // Storage denied: the app still works online.
  }
}

/** @returns {any} */
function remembered() {
  try {
    return JSON.parse(localStorage.getItem(PERSON_KEY) ?? "null");
  } catch {
    return null;
  }
}

/** @param {unknown} error  no network, or a server that cannot answer now */
const unreachable = (error) =>
  error instanceof api.ApiError && (error.status === 0 || error.status >= 500);

/** Show the screen for the current URL and session. */
async function route() {
  const current = ++navigation;
  const stale = () => current !== navigation;
  const token = fromHash("invite");
  rerender = () => route();
  views.showLoading();
  try {
    if (token) {
      await showInvitation(token, stale);
      return;
    }
    let session;
    try {
      // Known offline: no need to wait for a fetch to fail before opening the local month.
      if (!navigator.onLine && remembered()) throw new api.ApiError({ status: 0, title: "offline" });
      session = await api.getSession();
    } catch (error) {
      if (!unreachable(error)) throw error;
      if (stale()) return;
      const person = remembered();
      // An approver's review or board opened once online reads from this device's copy.
      // (Each of these screens says itself what a person without the role may not do.)
      if (person && approverScreen()) showApproverScreen(person).catch(unavailable);
      else if (person) showHome(person);
      else
        views.showMessage({
          heading: t("sync.offline"),
          message: t("offline.nosession"),
          actionLabel: t("retry"),
          onAction: route,
        });
      return;
    }
    if (stale()) return;
    demoMode = !!session.demo_mode;
    const demo = fromHash("demo");
    if (demo && demoMode) {
      clearHash();
      const { person } = await api.demoLogin(demo);
      if (stale()) return;
      showHome(person);
      return;
    }
    // Pages of their own, on demand: the module's `show` draws it.
    const page = {
      "#figures": "dashboard",
      "#settings": "settings",
      "#admin": "backoffice",
    }[location.hash];
    if (session.authenticated && session.person && page) {
      const screens = await online(page);
      if (screens && !stale()) await screens.show({ person: session.person });
    } else if (session.authenticated && session.person && approverScreen()) {
      await showApproverScreen(session.person);
    } else if (session.authenticated && session.person) showHome(session.person);
    else showSignIn();
  } catch (error) {
    if (stale()) return;
    const { message } = describeError(error);
    views.showMessage({
      heading: t("title.error"),
      message,
      actionLabel: t("retry"),
      onAction: route,
    });
  }
}
// ---- screens that need the network -------------------------------------------------------
//
// They live in pwa/js/online/ and are imported on first use. The service worker does not
// precache that folder: these screens cannot work offline anyway, and the offline shell stays
// small however many of them there are. This is the place for the next ones (manager
// approval, client signature, push opt-in, invoices): a module in online/ exporting its
// screens, called through `online(name)` with what it needs from here.

let onlineFailures = 0;

/**
 * Import pwa/js/online/<name>.js; offline (or on a failed download) say so and return null.
 * @param {string} name
 */
async function online(name) {
  try {
    // A fresh URL after a failure: a browser may remember a failed module fetch.
    const retry = onlineFailures ? `?retry=${onlineFailures}` : "";
    return await onDemand(`./online/${name}.js${retry}`);
  } catch (error) {
    onlineFailures += 1;
    console.warn("online screen", name, error);
    unavailable();
    return null;
  }
}

/** A screen that needs a module this device does not hold (offline): say so, offer a retry. */
function unavailable() {
  views.showMessage({
    heading: t("sync.offline"),
    message: t("error.network"),
    actionLabel: t("retry"),
    onAction: route,
  });
}

/**
 * @param {any} person
 * @param {string} message  announced to screen readers
 */
function signedIn(person, message) {
  clearHash();
  navigation += 1;
  showHome(person);
  views.announce(message);
}

/**
 * @param {string} token
 * @param {() => boolean} stale
 */
async function showInvitation(token, stale) {
  // A GET first so the CSRF cookie exists before the POSTs of the ceremony.
  demoMode = !!(await api.getSession()).demo_mode;
  const screens = await online("account");
  if (!screens || stale()) return;
  const back = () => {
    clearHash();
    route();
  };
  await screens.showInvitation({ token, stale, back, describeError, signedIn });
}

async function showSignIn() {
  rerender = showSignIn;
  const current = navigation;
  const screens = await online("account");
  if (!screens || current !== navigation) return;
  screens.showSignIn({ demoMode, describeError, signedIn });
}

/**
 * The signed-in person's first screen: their month for a consultant, else the months they see.
 * @param {import("./api.js").Person} person
 */
function showHome(person) {
  remember(person);
  if ((person.roles ?? []).includes("consultant")) {
    showConsultant(person);
    return;
  }
  showOthers(person);
}

/** @param {import("./api.js").Person} person */
async function showOthers(person) {
  const current = navigation;
  rerender = () => showOthers(person);
  // An approver's queued decisions leave with the sync loop even if no screen can load.
  const d = approves(person) ? await approverDevice(person) : null;
  if (d) startDeviceSync(d);
  const screens = await online("home");
  if (!screens || current !== navigation) return;
  const screen = await screens.showHome({
    person,
    stale: () => current !== navigation,
    onLogout: () => screen && logout(screen),
  });
  const home = document.querySelector("#main > section");
  if (screen && approves(person) && home instanceof HTMLElement) {
    circuitViews()
      .then((m) => m.mountApprovals({ container: home, person, device: d }))
      .catch((error) => console.warn("approvals", error));
  }
  // The reminders toggle loads on demand, and only if this screen is still the one shown.
  const shown = navigation;
  import("./online/push.js")
    .then((push) => shown === navigation && push.mountToggle(document.querySelector("main section")))
    .catch(() => {});
}

/** "#approvals", "#review=<consultant>/<month>" (a notification's link), "#team[=<month>]",
 * "#leave" and "#expenses" (online/leave.js, online/expenses.js): screens with this person's
 * device (its one queue and sync loop), kept for offline use once opened. */
const approverScreen = () => /^#(approvals$|review=|team(=|$)|leave$|expenses$)/.test(location.hash);

/** @param {any} person */
async function showApproverScreen(person) {
  const d = await approverDevice(person);
  await (await circuitViews()).showApprovalsScreen({ person, device: d });
  if (d) startDeviceSync(d);
}

/**
 * An approver's device, for their decisions (null: storage refused, decisions impossible here).
 * @param {any} person
 */
const approverDevice = (person) =>
  openDevice(person).catch((error) => (console.warn("store", error), null));

/**
 * Sign out (online/logout.js, on demand: it needs the network anyway); then the sign-in screen.
 * @param {{clearError: () => void, setBusy: (b: boolean) => void, showError: (m: string, d?: string[]) => void}} screen
 */
async function logout(screen) {
  const out = await onDemand("./online/logout.js")
    .then((m) => m.logout({ screen, device, closeDevice, describeError, personKey: PERSON_KEY }))
    .catch(() => screen.showError(t("error.network")));
  if (!out) return;
  navigation += 1;
  showSignIn();
  views.announce(t("signin.loggedout"));
}

// ---- the device: this person's store and the one sync loop ------------------------------

/**
 * @typedef {object} Device  What stays open while a person is signed in here: their store (the
 *   one queue of everything this device sends) and the one sync loop; for a consultant, also
 *   the month on screen.
 * @property {any} person
 * @property {any} store
 * @property {{syncNow: () => Promise<void>, stop: () => void}} sync
 * @property {() => void} unsubscribe
 * @property {any} syncState
 * @property {any} reference  {person, organisation, missions}; null until the first sync
 * @property {string} month  "YYYY-MM" on screen
 * @property {any} view  store.monthView(month) plus local patches
 * @property {any} model  month.js buildMonth()
 * @property {any} screen  views.showMonth() handle, once the month is shown
 * @property {number} edits  local edits started, to drop a store read that predates one
 */

/** @type {Device | null} */
let device = null;
/** @type {Promise<unknown> | null} an opening in progress: one at a time */
let opening = null;

/**
 * This person's device, opened once (the store is per person). Throws when the browser
 * refuses storage.
 * @param {any} person
 * @returns {Promise<Device>}
 */
async function openDevice(person) {
  while (opening) await opening.catch(() => {});
  if (device && device.person.id !== person.id) closeDevice();
  if (device) {
    device.person = person;
    if (device.syncState.authExpired) device.sync.syncNow(); // signed in again
    return device;
  }
  opening = openStore({ userId: person.id });
  let store;
  try {
    store = await opening;
  } finally {
    opening = null;
  }
  /** @type {any} */
  const d = {
    person,
    store,
    month: thisMonth(),
    edits: 0,
    syncState: { online: navigator.onLine },
    sync: { syncNow: async () => {}, stop() {} }, // started once the first screen is drawn
  };
  d.unsubscribe = store.subscribe((change) => {
    if (change.kind === "closed" || change.kind === "wiped") {
      closeDevice();
      route();
    } else if (d.screen) refresh();
  });
  device = d;
  return d;
}

/**
 * Start the sync loop once the first screen is drawn (it would otherwise compete with the first
 * render for the database). It also refreshes missions and organisation (the reference kept for
 * offline starts) and asks for persistent storage (pwa/js/sync.js, docs/pwa-data.md).
 * @param {Device} d
 */
function startDeviceSync(d) {
  if (d !== device || d.started) return;
  d.started = true;
  d.sync = startSync({
    store: d.store,
    api,
    onState: (state) => {
      d.syncState = { ...d.syncState, ...state };
      d.screen?.setSync(state);
    },
  });
}

function closeDevice() {
  if (!device) return;
  device.unsubscribe();
  device.sync.stop();
  device = null;
}

// ---- the consultant's month -------------------------------------------------------------

/** The month a notification opened ("#month=2026-11"), taken once: the hash is cleared. */
function linkedMonth() {
  const found = /^#month=(\d{4}-(0[1-9]|1[0-2]))$/.exec(location.hash);
  if (!found) return null;
  clearHash();
  return found[1];
}

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

/** @param {any} person */
async function showConsultant(person) {
  const current = navigation;
  const linked = linkedMonth();
  let d;
  try {
    d = await openDevice(person);
  } catch (error) {
    console.warn("store", error);
    views.showMessage({
      heading: t("title.error"),
      message: t("storage.denied"),
      actionLabel: t("retry"),
      onAction: route,
    });
    return;
  }
  if (current !== navigation) return;
  if (linked) d.month = linked;
  await renderMonth();
  startDeviceSync(d);
}

function renderMonth() {
  const c = /** @type {Device} */ (device);
  rerender = renderMonth;
  const move = (step) => () => {
    c.month = formatMonth(step(parseMonth(c.month)));
    c.view = null;
    refresh();
  };
  c.screen = views.showMonth({
    onPrev: move(previousMonth),
    onNext: move(nextMonth),
    // Serialised: a quick double tap must cycle from the value the first tap stored.
    onTap: (date, line) => serial(async () => saved(await edit(c, [cycle(c.model, date, line)]))),
    onDay: (day) => serial(() => edit(c, [day])),
    onPrefill: (comment) =>
      serial(async () => {
        const edits = prefillEdits(c.model, comment);
        if (!edits.length) {
          views.announce(t("prefill.none"));
          return null;
        }
        const result = await edit(c, edits);
        if (result.ok) views.announce(t("prefill.done", { count: edits.length }));
        return saved(result);
      }),
    onAbsence: (range) =>
      serial(async () => {
        const edits = absenceEdits(c.model, range);
        if (!edits.length) return { ok: false, none: true };
        const result = await edit(c, edits);
        if (result.ok) views.announce(t("absence.done", { count: edits.length }));
        return result;
      }),
    onSubmit: async () => {
      const result = await c.store.submit(c.month);
      if (result.ok) {
        views.announce(t("submit.queued"));
        refresh();
        c.sync.syncNow();
        // Still inside the click's user activation: the one moment to offer reminders.
        import("./online/push.js").then((push) => push.afterSubmit()).catch(() => {});
      }
      return result;
    },
    onSync: () => c.sync.syncNow(),
    onSignIn: () => {
      navigation += 1;
      showSignIn();
    },
    onLogout: () =>
      logout({
        clearError: () => {},
        setBusy: () => {},
        showError: (message) => c.screen?.showCellError(null, [], message),
      }),
    onDismissRejected: (id) => c.store.dismissRejected(id),
    onDismissChanged: (date) => c.store.dismissChanged(date),
  });
  c.screen.setSync(c.syncState);
  return refresh();
}

let edits = Promise.resolve();

/**
 * Run `work` after every edit started before it.
 * @template T
 * @param {() => Promise<T>} work
 * @returns {Promise<T>}
 */
function serial(work) {
  const run = edits.then(work, work);
  edits = run.catch(() => {});
  return run;
}

/** @param {{ok: boolean, violations?: any[]}} result @returns {any[] | null} violations */
const saved = (result) => (result.ok ? null : (result.violations ?? []));

/**
 * Queue days in the store (validated, durable) and show them at once, before the store's own
 * view catches up through the subscription.
 * @param {Device} c
 * @param {Array<{date: string, lines: any[], comment: string}>} edits
 */
async function edit(c, edits) {
  c.edits += 1;
  const result = edits.length === 1 ? await c.store.edit(edits[0]) : await c.store.editMany(edits);
  if (!result.ok || !c.view) return result;
  const days = { ...c.view.days };
  const pendingDates = new Set(c.view.pendingDates);
  for (const e of edits) {
    days[e.date] = { lines: e.lines, comment: e.comment };
    pendingDates.add(e.date);
  }
  c.view = { ...c.view, days, pendingDates };
  paint(c);
  return result;
}

/** @param {Device} c */
function paint(c) {
  c.model = buildMonth({
    month: c.month,
    missions: c.reference?.missions ?? [],
    organisation: c.reference?.organisation,
    view: c.view,
  });
  c.model.noReference = !c.reference;
  c.screen.update(c.model);
  const { person, month } = c;
  circuitViews()
    .then((m) => m.showCircuit({ person, month, status: c.model.status }))
    .catch(() => {}); // offline first start: the module is not cached yet
}

let refreshing = null;
let again = false;

/** Re-read the month from the store (coalesced: one read in flight, one queued). */
async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      const c = device;
      if (!c?.screen) break;
      const month = c.month;
      // Read before the store is: the minifier (tdewolff 2.24) moves a `const` declared just
      // before an `await` declaration after it, which would make this check always pass.
      const seen = c.edits;
      try {
        const [view, status, reference] = await Promise.all([
          c.store.monthView(month),
          c.store.status(),
          c.store.reference(),
        ]);
        if (device !== c || c.month !== month) continue;
        // A local edit landed while reading: this view may predate it, read again.
        if (c.edits !== seen) {
          again = true;
          continue;
        }
        c.reference = reference ?? c.reference;
        c.view = view;
        paint(c);
        c.syncState = { ...c.syncState, ...status };
        c.screen.setSync(status);
      } catch (error) {
        console.warn("refresh", error);
      }
    } while (again);
  })();
  try {
    await refreshing;
  } finally {
    refreshing = null;
  }
}

// ---- service worker: offline shell, updates only when the person agrees -----------------

let updateAccepted = false;

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updateAccepted) location.reload();
    // First visit: the screens opened before the worker took this page bypassed it; it keeps
    // the on-demand files of this list (its own rules, pwa/sw.js) for offline use.
    else
      navigator.serviceWorker.controller?.postMessage(
        performance.getEntriesByType("resource").map((e) => e.name),
      );
  });
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then((registration) => {
      /** @param {ServiceWorker} worker */
      const offer = (worker) =>
        views.showUpdateBanner(() => {
          updateAccepted = true;
          worker.postMessage("skipWaiting");
        });
      if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        worker?.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
        });
      });
    })
    .catch((error) => console.warn("service worker", error));
}

// After the first screen: registering checks /sw.js for an update, which can wait.
window.addEventListener("load", registerServiceWorker, { once: true });
window.addEventListener("hashchange", () => route());
// The firm's brand (docs/brand.md): its name for Carnet's and its colour on the phone's bar;
// the colours come with /brand.css. Kept for an offline start.
function brand(b) {
  if (!b?.app_name) return;
  addStrings({ "app.name": [b.app_name, b.app_name] });
  document.querySelector("meta[name=theme-color]")?.setAttribute("content", b.primary_color);
  for (const el of document.querySelectorAll('[data-i18n="app.name"]')) el.textContent = b.app_name;
  document.title = document.title.replace(/Carnet$/, b.app_name);
}
try {
  brand(JSON.parse(localStorage.getItem("carnet.brand") ?? "null"));
} catch {}
api
  .request("GET", "/brand")
  .then((b) => {
    localStorage.setItem("carnet.brand", JSON.stringify(b));
    brand(b);
  })
  .catch(() => {});
// English is on demand: the first screen waits for it (never fails: French otherwise).
loadLocale().then(() => {
  views.initShell({ onLocale: () => rerender() });
  route();
});
