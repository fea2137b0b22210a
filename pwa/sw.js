// Service worker: the app shell, precached under a name derived from its content, served
// offline. API calls are never intercepted nor cached (personal data, Cache-Control: no-store),
// and neither is this script. The server fills in VERSION and FILES (server/api/shell.py).
// A new version installs in the background and waits: the page asks it to take over
// ("skipWaiting") only after the person accepts the update banner, never mid-edit.

importScripts("/sw-push.js"); // push, notificationclick, pushsubscriptionchange

const VERSION = "__CARNET_SHELL_VERSION__";
const FILES = ["__CARNET_SHELL_FILES__"];
const CACHE = `carnet-shell-${VERSION}`;
// Modules imported on demand (js/online/: sign-in, approvals…) are not precached, so they do
// not weigh on every phone; once fetched they are kept, per version, so a screen opened once
// online (a manager's approvals) still opens offline. The firm's brand (/brand.css, /brand/…)
// likewise: it is per host, not in the shell.
const ON_DEMAND = /^\/(js\/online\/|brand)/;
const ON_DEMAND_CACHE = `carnet-ondemand-${VERSION}`;
const SHELL = "/index.html";

/** @param {URL} url */
const kept = (url) => url.origin === location.origin && ON_DEMAND.test(url.pathname);

/**
 * Download these URLs into the on-demand cache, as the fetch handler keeps them: only what
 * `kept` allows, only OK answers. The first visit's screens, opened before this worker
 * controlled the page, were never fetched through it; neither were their imports.
 * @param {string[]} urls
 */
const keep = (urls) =>
  Promise.all(
    urls.map(async (href) => {
      try {
        if (!kept(new URL(href))) return;
        const response = await fetch(href, { cache: "no-cache" });
        if (response.ok) await (await caches.open(ON_DEMAND_CACHE)).put(href, response);
      } catch {
        // Offline or refused: the screen is fetched, and kept, on its next opening online.
      }
    }),
  );

self.addEventListener("install", (event) => {
  // Awaited: one missing file fails the install as a whole, so a half-cached shell never
  // becomes active (cycletracker's un-awaited addAll is the bug not to copy).
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(FILES.map((path) => new Request(path, { cache: "reload" })));
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const urls = [];
      for (const n of await caches.keys()) {
        if (!/^carnet-(shell|ondemand)-/.test(n) || n === CACHE || n === ON_DEMAND_CACHE) continue;
        urls.push(...(await (await caches.open(n)).keys()).map((r) => r.url));
        await caches.delete(n);
      }
      // First install only (no page controlled yet): take the open pages so they work offline
      // without a reload. An update never gets here before the page asked for it.
      await self.clients.claim();
      // An update: the screens the previous version kept stay available offline, downloaded
      // again at this version (never the old copies, which may not fit the new shell). Not
      // awaited: the page's requests wait for the activation, they must not wait for these.
      keep(urls);
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skipWaiting") self.skipWaiting();
  // The page's downloads from before this worker took it (pwa/js/app.js): keep what it would
  // have kept had they come through it.
  else if (Array.isArray(event.data)) event.waitUntil(keep(event.data));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;

  if (request.mode === "navigate") {
    // The app's own page comes from the cache (same version as the scripts it loads); any
    // other page (/schema…) from the network, with the shell as the offline fallback.
    const own = url.pathname === "/" || url.pathname === SHELL;
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        const shell = (await cache.match(SHELL)) ?? (await cache.match("/"));
        if (own && shell) return shell;
        try {
          return await fetch(request);
        } catch (error) {
          if (shell) return shell;
          throw error;
        }
      })(),
    );
    return;
  }

  if (kept(url)) {
    // Network first (always the served version online), the copy kept from last time offline.
    event.respondWith(
      (async () => {
        const cache = await caches.open(ON_DEMAND_CACHE);
        try {
          const response = await fetch(request);
          if (response.ok) await cache.put(request, response.clone());
          return response;
        } catch (error) {
          const kept = await cache.match(request, { ignoreSearch: true });
          if (kept) return kept;
          throw error;
        }
      })(),
    );
    return;
  }

  if (!FILES.includes(url.pathname)) return;
  event.respondWith(
    (async () => {
      const cached = await caches.match(request, { cacheName: CACHE, ignoreSearch: true });
      return cached ?? fetch(request);
    })(),
  );
});
