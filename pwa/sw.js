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
// online (a manager's approvals) still opens offline.
const ON_DEMAND = "/js/online/";
const ON_DEMAND_CACHE = `carnet-ondemand-${VERSION}`;
const SHELL = "/index.html";

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
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((n) => /^carnet-(shell|ondemand)-/.test(n) && n !== CACHE && n !== ON_DEMAND_CACHE)
          .map((n) => caches.delete(n)),
      );
      // First install only (no page controlled yet): take the open pages so they work offline
      // without a reload. An update never gets here before the page asked for it.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skipWaiting") self.skipWaiting();
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

  if (url.pathname.startsWith(ON_DEMAND) || url.pathname.startsWith("/brand")) {
    // Network first (always the served version online), the copy kept from last time offline;
    // the firm's brand (/brand.css, /brand/…) likewise: it is per host, not in the shell.
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
