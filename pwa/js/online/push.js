// Web Push for this device, loaded on demand (dynamic import) so the app shell stays small.
//
// Permission is asked at a moment the person understands: after they submit their first
// month ("be reminded next month?"), or when they turn notifications on themselves — never on
// first load (browsers quieten or block sites that ask too early). The subscription is sent to
// the server, which may then push to it; several devices per person are fine. On logout the
// device's subscription is deleted on the server (while the session still allows it) and
// unsubscribed locally, so the next person on a shared device gets nothing of the previous one.
// The service worker renews a subscription the browser rotates (sw-push.js).

import { getSession, request } from "../api.js";
import { addStrings, locale, t } from "../i18n.js";
import { h } from "../views/dom.js";

// The push API (/api/v1/push, /me/notification-preferences), used by this module only.
/** @returns {Promise<{public_key: string}>}  The server's VAPID key (applicationServerKey). */
function vapidPublicKey() {
  return request("GET", "/push/vapid-public-key");
}

/**
 * Register this device's push subscription for the signed-in person.
 * @param {{endpoint: string, keys: {p256dh: string, auth: string}}} subscription  PushSubscription.toJSON()
 * @returns {Promise<{endpoint: string, devices: number}>}
 */
function savePushSubscription(subscription) {
  return request("POST", "/push/subscriptions", subscription);
}

/**
 * Forget one of the person's push subscriptions (logout, or notifications turned off).
 * @param {string} endpoint
 * @returns {Promise<{endpoint: string, devices: number}>}
 */
export function deletePushSubscription(endpoint) {
  return request("DELETE", `/push/subscriptions?endpoint=${encodeURIComponent(endpoint)}`);
}

/** @returns {Promise<{language: string, muted: string[]}>} */
function notificationPreferences() {
  return request("GET", "/me/notification-preferences");
}

/**
 * @param {{language: string, muted: string[]}} preferences
 * @returns {Promise<{language: string, muted: string[]}>}
 */
function setNotificationPreferences(preferences) {
  return request("PUT", "/me/notification-preferences", preferences);
}

const ASKED_KEY = "carnet.push.asked";

/** @returns {boolean} */
export function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/**
 * The base64url VAPID key as the bytes `applicationServerKey` expects.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function keyBytes(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** @returns {Promise<PushSubscription | null>} */
async function current() {
  // getRegistration, not `ready`: `ready` never settles on a page without a service worker.
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

/**
 * Send a subscription to the server (also used by tests with a subscription of their own).
 * @param {PushSubscriptionJSON | {endpoint: string, keys: {p256dh: string, auth: string}}} json
 */
export async function send(json) {
  return savePushSubscription({
    endpoint: String(json.endpoint),
    keys: { p256dh: String(json.keys?.p256dh ?? ""), auth: String(json.keys?.auth ?? "") },
  });
}

/**
 * Ask for permission (if needed), subscribe with the server's key and register the device.
 * Call it from a click: browsers only show the permission prompt after a user gesture.
 * @returns {Promise<"subscribed" | "denied" | "unsupported" | "failed">}
 */
export async function enable() {
  if (!supported()) return "unsupported";
  try {
    localStorage.setItem(ASKED_KEY, "1");
  } catch {
    // private mode: we may ask again next time, that is all
  }
  const permission =
    Notification.permission === "default"
      ? await Notification.requestPermission()
      : Notification.permission;
  if (permission !== "granted") return "denied";
  try {
    const { public_key: key } = await vapidPublicKey();
    const registration = await navigator.serviceWorker.ready;
    let subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      // A subscription made with another server key cannot be reused: start again.
      const old = subscription.options.applicationServerKey;
      const same = old && new Uint8Array(old).join() === keyBytes(key).join();
      if (!same) {
        await subscription.unsubscribe();
        subscription = null;
      }
    }
    subscription ??= await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key),
    });
    await send(subscription.toJSON());
    await speakMyLanguage();
    return "subscribed";
  } catch (error) {
    // No push service reachable (some browsers, offline): the server falls back to email.
    console.warn("push subscription", error);
    return "failed";
  }
}

/** Notifications are written on the server: tell it the language this app is shown in. */
async function speakMyLanguage() {
  const language = locale() === "en" ? "en" : "fr";
  const preferences = await notificationPreferences();
  if (preferences.language !== language) {
    await setNotificationPreferences({ language, muted: preferences.muted });
  }
}

/** Turn notifications off on this device. */
export async function disable() {
  if (!supported()) return;
  const subscription = await current();
  if (!subscription) return;
  await deletePushSubscription(subscription.endpoint).catch(() => {});
  await subscription.unsubscribe();
}

/**
 * After a successful submit: offer reminders once, if the person was never asked.
 * @returns {Promise<string>}  what happened, for logs and tests
 */
export async function afterSubmit() {
  if (!supported() || Notification.permission === "denied") return "skipped";
  let asked = false;
  try {
    asked = localStorage.getItem(ASKED_KEY) === "1";
  } catch {
    asked = false;
  }
  if (Notification.permission === "granted") return enable();
  if (asked) return "skipped";
  return enable();
}

/** Before logout: forget this device on the server and in the browser. */
export async function forgetDevice() {
  if (!supported()) return;
  const subscription = await current().catch(() => null);
  if (!subscription) return;
  await deletePushSubscription(subscription.endpoint).catch(() => {});
  await subscription.unsubscribe().catch(() => {});
}

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "push.heading": ["Rappels", "Reminders"],
  "push.on": ["Recevoir les rappels sur cet appareil", "Get reminders on this device"],
  "push.off": ["Ne plus recevoir de rappels sur cet appareil", "Stop reminders on this device"],
  "push.subscribed": ["Rappels activés sur cet appareil.", "Reminders are on for this device."],
  "push.denied": [
    "Les notifications sont bloquées pour ce site dans le navigateur.",
    "Notifications are blocked for this site in the browser.",
  ],
  "push.unsupported": [
    "Ce navigateur ne reçoit pas de notifications : les rappels arrivent par courriel.",
    "This browser cannot show notifications: reminders come by email.",
  ],
  "push.failed": [
    "Impossible de s'abonner ici : les rappels arriveront par courriel.",
    "Could not subscribe here: reminders will come by email.",
  ],
  "push.disabled": ["Rappels désactivés sur cet appareil.", "Reminders are off for this device."],
  "push.kinds": ["Me prévenir quand…", "Tell me when…"],
  "push.kind.month_not_submitted": ["mon CRA du mois reste à envoyer", "my month's report is still to submit"],
  "push.kind.waiting_on_you": ["un CRA attend ma validation", "a report waits for my approval"],
  "push.kind.approved": ["mon CRA est validé", "my report is approved"],
  "push.kind.sent_back": ["mon CRA m'est renvoyé", "my report is sent back"],
  "push.kind.signed": ["mon CRA est signé par le client", "my report is signed by the client"],
  "push.kind.leave_requested": [
    "un consultant de mon équipe demande des congés",
    "a consultant of my team requests leave",
  ],
  "push.kind.leave_decided": ["ma demande de congés est acceptée ou refusée", "my leave request is approved or refused"],
  "push.kindsSaved": ["Préférences enregistrées.", "Preferences saved."],
  "push.kindsFailed": ["Préférences non enregistrées : réessayez en ligne.", "Preferences not saved: try again online."],
};
addStrings(STRINGS);

/** The kinds a person may mute (server/domain/reminders.py Kind), in the order shown. */
export const KINDS = [
  "month_not_submitted",
  "waiting_on_you",
  "approved",
  "sent_back",
  "signed",
  "leave_requested",
  "leave_decided",
];

/** Who can receive each kind (docs/notifications.md, "Who"): a box is shown only to a person
 * with one of these roles, so a consultant is not offered to mute approvals they never get. */
export const KIND_ROLES = {
  month_not_submitted: ["consultant"],
  waiting_on_you: ["manager", "admin", "client_signer"],
  approved: ["consultant"],
  sent_back: ["consultant"],
  signed: ["consultant"],
  leave_requested: ["manager", "admin"],
  leave_decided: ["consultant"],
};

/**
 * The kinds a person with these roles can receive, in the order of KINDS.
 * @param {readonly string[]} roles
 * @returns {string[]}
 */
export function kindsFor(roles) {
  return KINDS.filter((kind) => KIND_ROLES[kind].some((role) => roles.includes(role)));
}

/**
 * One checkbox per kind the person can receive, ticked unless muted; each change saves the
 * muted list at once. Needs the network: offline (no preferences to read) nothing is shown.
 * @param {HTMLElement} section
 * @param {{roles?: string[]} | undefined} person  the signed-in person; read from the session if not given
 */
async function mountKinds(section, person) {
  /** @type {{language: string, muted: string[]}} */
  let preferences;
  /** @type {string[]} */
  let roles;
  try {
    [preferences, roles] = await Promise.all([
      notificationPreferences(),
      person ? person.roles ?? [] : getSession().then((s) => s.person?.roles ?? []),
    ]);
  } catch {
    return;
  }
  const kinds = kindsFor(roles);
  if (kinds.length === 0) return;
  const status = h("p", { class: "muted", role: "status", "data-testid": "push-kinds-status" });
  const boxes = kinds.map((kind) =>
    h("input", { type: "checkbox", name: kind, "data-testid": `push-kind-${kind}` }),
  );
  boxes.forEach((box, i) => {
    /** @type {HTMLInputElement} */ (box).checked = !preferences.muted.includes(kinds[i]);
    box.addEventListener("change", async () => {
      // Kinds not shown keep their setting (a role may come back).
      const muted = preferences.muted
        .filter((kind) => !kinds.includes(kind))
        .concat(
          boxes
            .filter((b) => !(/** @type {HTMLInputElement} */ (b).checked))
            .map((b) => String(b.getAttribute("name"))),
        );
      try {
        preferences = await setNotificationPreferences({ language: preferences.language, muted });
        status.textContent = t("push.kindsSaved");
      } catch {
        /** @type {HTMLInputElement} */ (box).checked = !(/** @type {HTMLInputElement} */ (box).checked);
        status.textContent = t("push.kindsFailed");
      }
    });
  });
  section.append(
    h(
      "fieldset",
      { "data-testid": "push-kinds" },
      h("legend", {}, t("push.kinds")),
      ...boxes.map((box, i) => h("label", { class: "check" }, box, " ", t(`push.kind.${kinds[i]}`))),
    ),
    status,
  );
}

/**
 * A settings card with one toggle button, appended to `container` (the home screen).
 * @param {HTMLElement | null} container
 * @param {{roles?: string[]}} [person]  whose muting list to show (default: the session's)
 */
export async function mountToggle(container, person) {
  if (!container) return;
  const words = (/** @type {string} */ key) => t(`push.${key}`);
  const section = document.createElement("section");
  section.className = "card";
  section.setAttribute("aria-labelledby", "push-heading");
  const heading = document.createElement("h2");
  heading.id = "push-heading";
  heading.textContent = words("heading");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.dataset.testid = "push-toggle";
  const status = document.createElement("p");
  status.className = "muted";
  status.dataset.testid = "push-status";
  status.setAttribute("role", "status");
  section.append(heading, button, status);

  let on = supported() && Notification.permission === "granted" && Boolean(await current());
  const show = () => {
    button.textContent = on ? words("off") : words("on");
    button.setAttribute("aria-pressed", String(on));
  };
  show();
  if (!supported()) {
    button.disabled = true;
    status.textContent = words("unsupported");
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (on) {
        await disable();
        on = false;
        status.textContent = words("disabled");
      } else {
        const outcome = await enable();
        on = outcome === "subscribed";
        status.textContent = words(outcome);
      }
    } finally {
      button.disabled = false;
      show();
    }
  });
  // On the home, above "Se déconnecter": signing out stays the screen's last action.
  const logout = container.querySelector("[data-testid=logout]")?.closest("form");
  if (logout?.parentElement === container) logout.before(section);
  else container.append(section);
  await mountKinds(section, person);
}
