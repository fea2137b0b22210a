// pwa/sw-push.js run in a node:vm context standing in for the service worker's global scope:
// the browser's objects it touches (registration, clients, cookieStore, fetch) are recorded
// stand-ins. Covers what CDP cannot trigger in the browser test: notificationclick and
// pushsubscriptionchange. Run: node --test tests/js/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

const SOURCE = readFileSync(new URL("../../pwa/sw-push.js", import.meta.url), "utf8");
const ORIGIN = "https://carnet.example.fr";

function worker({ windows = [], cookie = "tok-1" } = {}) {
  const handlers = {};
  const shown = [];
  const calls = [];
  const opened = [];
  const subscribed = [];
  const scope = {
    location: new URL(`${ORIGIN}/sw.js`),
    navigator: { language: "fr-FR" },
    addEventListener: (type, handler) => {
      handlers[type] = handler;
    },
    registration: {
      showNotification: async (title, options) => shown.push({ title, ...options }),
      pushManager: {
        subscribe: async (options) => {
          subscribed.push(options);
          return { toJSON: () => ({ endpoint: "https://push.example/new", keys: { p256dh: "P", auth: "A" } }) };
        },
      },
    },
    clients: {
      matchAll: async () => windows,
      openWindow: async (url) => opened.push(url),
    },
    cookieStore: { get: async (name) => (name === "csrftoken" && cookie ? { value: cookie } : null) },
    fetch: async (url, init = {}) => {
      calls.push({ url, method: init.method ?? "GET", headers: init.headers ?? {}, body: init.body });
      if (url === "/api/v1/push/vapid-public-key") return { json: async () => ({ public_key: "KEY" }) };
      return { ok: true, status: 201 };
    },
    URL,
    JSON,
    Promise,
    encodeURIComponent,
  };
  scope.self = scope;
  vm.runInNewContext(SOURCE, scope);
  /** Dispatch an event and wait for what it passed to waitUntil. */
  const dispatch = async (type, event) => {
    let pending = Promise.resolve();
    handlers[type]({ ...event, waitUntil: (p) => (pending = p) });
    await pending;
  };
  return { dispatch, shown, calls, opened, subscribed };
}

const pushData = (value) => ({ data: { json: () => value } });

test("push shows the payload in its language, with the screen to open", async () => {
  const sw = worker();
  await sw.dispatch(
    "push",
    pushData({
      title: "November 2026 report signed",
      body: "Your November 2026 activity report was signed by Claire.",
      url: "/#month=2026-11",
      lang: "en",
      kind: "signed",
      month: "2026-11",
      tag: "signed:2026-11",
    }),
  );
  assert.equal(sw.shown.length, 1);
  const [note] = sw.shown;
  assert.equal(note.title, "November 2026 report signed");
  assert.equal(note.lang, "en");
  assert.equal(note.tag, "signed:2026-11");
  assert.deepEqual({ ...note.data }, { url: "/#month=2026-11", kind: "signed", month: "2026-11" });
});

test("push without a usable payload still shows something, never a foreign link", async () => {
  const sw = worker();
  await sw.dispatch("push", { data: { json: () => { throw new SyntaxError("not JSON"); } } });
  await sw.dispatch("push", pushData({ title: "x", url: "https://evil.example/" }));
  assert.equal(sw.shown[0].title, "Carnet");
  assert.equal(sw.shown[0].body, "Vous avez une nouvelle notification.");
  assert.equal(sw.shown[1].data.url, "/");
});

test("a click focuses an open Carnet window and takes it to the screen", async () => {
  const moves = [];
  const open = {
    url: `${ORIGIN}/#month=2026-10`,
    focus: async () => moves.push("focus"),
    navigate: async (url) => (moves.push(url), open),
  };
  const sw = worker({ windows: [open] });
  let closed = false;
  await sw.dispatch("notificationclick", {
    notification: { close: () => (closed = true), data: { url: "/#review=c1/2026-11" } },
  });
  assert.ok(closed);
  assert.deepEqual(moves, ["focus", `${ORIGIN}/#review=c1/2026-11`]);
  assert.deepEqual(sw.opened, []);
});

test("a click with no open window opens one", async () => {
  const sw = worker();
  await sw.dispatch("notificationclick", {
    notification: { close: () => {}, data: { url: "/#month=2026-11" } },
  });
  assert.deepEqual(sw.opened, [`${ORIGIN}/#month=2026-11`]);
});

test("a rotated subscription is registered and the old one dropped, with the CSRF token", async () => {
  const sw = worker();
  await sw.dispatch("pushsubscriptionchange", {
    oldSubscription: { endpoint: "https://push.example/old", options: { applicationServerKey: "KEY" } },
    newSubscription: null,
  });
  assert.deepEqual(JSON.parse(JSON.stringify(sw.subscribed)), [
    { userVisibleOnly: true, applicationServerKey: "KEY" },
  ]);
  const writes = sw.calls.filter((c) => c.method !== "GET");
  assert.deepEqual(
    writes.map((c) => [c.method, c.url, c.headers["x-csrftoken"]]),
    [
      ["POST", "/api/v1/push/subscriptions", "tok-1"],
      ["DELETE", "/api/v1/push/subscriptions?endpoint=https%3A%2F%2Fpush.example%2Fold", "tok-1"],
    ],
  );
  assert.deepEqual(JSON.parse(writes[0].body), {
    endpoint: "https://push.example/new",
    keys: { p256dh: "P", auth: "A" },
  });
});
