// Web Push in the service worker, loaded by sw.js with importScripts (so it is part of the
// shell's content hash and precache, server/api/shell.py).
//
// push: the server encrypts a JSON payload already written in the person's language
// ({title, body, url, lang, kind, month, tag}); we show it as is. notificationclick: focus an
// open Carnet window and send it to the right screen (#month=..., #review=...), or open one.
// pushsubscriptionchange: the browser rotated the subscription; register the new one and drop
// the old one, with the CSRF token read from the cookie store.

const PUSH_FALLBACK = {
  fr: { title: "Carnet", body: "Vous avez une nouvelle notification." },
  en: { title: "Carnet", body: "You have a new notification." },
};

/** @param {PushEvent} event */
function pushPayload(event) {
  try {
    return event.data ? event.data.json() : {};
  } catch {
    return {};
  }
}

self.addEventListener("push", (event) => {
  const data = pushPayload(event);
  const lang = data.lang === "en" ? "en" : data.lang === "fr" ? "fr" : self.navigator.language?.startsWith("en") ? "en" : "fr";
  const title = typeof data.title === "string" && data.title ? data.title : PUSH_FALLBACK[lang].title;
  const body = typeof data.body === "string" && data.body ? data.body : PUSH_FALLBACK[lang].body;
  const url = typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/";
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      lang,
      tag: typeof data.tag === "string" ? data.tag : undefined,
      icon: "/icons/icon-192.png",
      data: { url, kind: data.kind, month: data.month },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? "/", self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        // Same page, new fragment: the app routes on hashchange without reloading.
        const moved = await open.navigate(url.href).catch(() => null);
        if (moved) return moved;
      }
      return self.clients.openWindow(url.href);
    })(),
  );
});

async function csrfToken() {
  if (!self.cookieStore) return null;
  let cookie = await self.cookieStore.get("csrftoken");
  if (!cookie) {
    await fetch("/api/v1/session", { credentials: "same-origin", cache: "no-store" });
    cookie = await self.cookieStore.get("csrftoken");
  }
  return cookie ? cookie.value : null;
}

async function apiCall(method, path, body) {
  const headers = { Accept: "application/json", "Content-Type": "application/json" };
  const token = await csrfToken();
  if (token) headers["x-csrftoken"] = token;
  return fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      let next = event.newSubscription;
      if (!next) {
        const key =
          event.oldSubscription?.options?.applicationServerKey ??
          (await (await fetch("/api/v1/push/vapid-public-key")).json()).public_key;
        next = await self.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key,
        });
      }
      const json = next.toJSON();
      await apiCall("POST", "/push/subscriptions", { endpoint: json.endpoint, keys: json.keys });
      if (event.oldSubscription && event.oldSubscription.endpoint !== json.endpoint) {
        const old = encodeURIComponent(event.oldSubscription.endpoint);
        await apiCall("DELETE", `/push/subscriptions?endpoint=${old}`);
      }
    })(),
  );
});
