// DOM rendering only: no fetch, no WebAuthn, no routing. Each show* function replaces the
// content of <main>, moves focus to the new screen's heading (so screen readers announce
// the change) and returns a small handle the controller uses to report progress or errors.
// Text goes in with textContent only: names come from other people and are never HTML.

import { t, locale, formatDateTime } from "./i18n.js";

/**
 * @typedef {object} ScreenHandle
 * @property {(busy: boolean) => void} setBusy  marks the action in progress (aria-busy, no double submit)
 * @property {(message: string, details?: string[]) => void} showError
 * @property {() => void} clearError
 */

/**
 * Tiny element builder.
 * @param {string} tag
 * @param {Record<string, string | boolean | EventListener>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value != null) el.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

function mainElement() {
  return /** @type {HTMLElement} */ (document.getElementById("main"));
}

/** Translate the static shell (elements with data-i18n) and set <html lang>. */
export function initShell() {
  document.documentElement.lang = locale();
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.getAttribute("data-i18n") ?? "");
  }
}

/**
 * Say something to assistive technology without moving focus (polite live region).
 * @param {string} message
 */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  // Clearing first makes a repeated identical message announced again.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/**
 * Replace the screen. The heading gets tabindex=-1 and focus so keyboard and screen-reader
 * users land at the top of the new content.
 * @param {string} titleKey
 * @param {HTMLElement} heading
 * @param {...(Node | null | false)} content
 */
function render(titleKey, heading, ...content) {
  heading.setAttribute("tabindex", "-1");
  heading.id = "screen-heading";
  const section = h("section", { class: "screen", "aria-labelledby": "screen-heading" }, heading, ...content);
  const main = mainElement();
  main.replaceChildren(section);
  document.title = `${t(titleKey)} · ${t("app.name")}`;
  heading.focus();
}

/** An error box announced assertively when filled. */
function errorBox() {
  return h("div", { class: "error", role: "alert", "data-testid": "error", hidden: true });
}

/**
 * @param {HTMLElement} box
 * @param {HTMLElement} form
 * @param {HTMLButtonElement} button
 * @returns {ScreenHandle}
 */
function handle(box, form, button) {
  let busy = false;
  form.addEventListener(
    "submit",
    (event) => {
      // Keep focus on the button while busy (aria-disabled, not disabled) but ignore repeats.
      if (busy) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    { capture: true },
  );
  return {
    setBusy(value) {
      busy = value;
      form.setAttribute("aria-busy", String(value));
      button.setAttribute("aria-disabled", String(value));
    },
    showError(message, details = []) {
      box.replaceChildren(h("p", {}, message));
      if (details.length) box.append(h("ul", {}, ...details.map((d) => h("li", {}, d))));
      box.hidden = false;
    },
    clearError() {
      box.replaceChildren();
      box.hidden = true;
    },
  };
}

/** @param {string} role */
function roleLabel(role) {
  const key = `role.${role}`;
  const label = t(key);
  return label === key ? role : label;
}

export function showLoading() {
  render("loading", h("h1", { class: "visually-hidden" }, t("loading")), h("p", { class: "muted" }, t("loading")));
}

/**
 * Invitation screen: who invited whom, what a passkey is, and the button that creates it.
 * @param {{invitation: import("./api.js").Invitation, deviceName: string,
 *          supported: boolean, onRegister: (deviceName: string) => void}} props
 * @returns {ScreenHandle}
 */
export function showInvitation({ invitation, deviceName, supported, onRegister }) {
  const box = errorBox();
  const input = /** @type {HTMLInputElement} */ (
    h("input", {
      id: "device-name",
      name: "device_name",
      type: "text",
      value: deviceName,
      autocomplete: "off",
      maxlength: "100",
      "aria-describedby": "device-name-hint",
    })
  );
  const button = /** @type {HTMLButtonElement} */ (
    h("button", { type: "submit", class: "primary", "data-testid": "register" }, t("invite.register"))
  );
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h(
      "div",
      { class: "field" },
      h("label", { for: "device-name" }, t("invite.device.label")),
      input,
      h("p", { id: "device-name-hint", class: "hint" }, t("invite.device.hint")),
    ),
    box,
    button,
  );
  const screen = handle(box, form, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onRegister(input.value.trim() || deviceName);
  });
  render(
    "title.invitation",
    h("h1", {}, t("invite.heading", { name: invitation.display_name })),
    h("p", { class: "lead" }, t("invite.organisation", { organisation: invitation.organisation_name })),
    h("p", { class: "muted" }, t("invite.email", { email: invitation.email })),
    invitation.expires_at
      ? h("p", { class: "muted" }, t("invite.expires", { date: formatDateTime(invitation.expires_at) }))
      : null,
    h("p", { class: "explain" }, t("invite.passkey")),
    form,
  );
  if (!supported) {
    screen.showError(t("error.unsupported"));
    screen.setBusy(true);
  }
  return screen;
}

/**
 * A dead end with one way out (expired invitation, unknown link…).
 * @param {{heading: string, message: string, actionLabel: string, onAction: () => void}} props
 */
export function showMessage({ heading, message, actionLabel, onAction }) {
  render(
    "title.error",
    h("h1", {}, heading),
    h("p", { class: "error", role: "alert", "data-testid": "error" }, message),
    h("button", { type: "button", class: "secondary", onclick: onAction }, actionLabel),
  );
}

/**
 * Sign-in screen.
 * @param {{demoMode: boolean, supported: boolean, onLogin: () => void}} props
 * @returns {ScreenHandle}
 */
export function showSignIn({ demoMode, supported, onLogin }) {
  const box = errorBox();
  const button = /** @type {HTMLButtonElement} */ (
    h("button", { type: "submit", class: "primary", "data-testid": "login" }, t("signin.button"))
  );
  const form = h("form", { class: "stack" }, box, button);
  const screen = handle(box, form, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onLogin();
  });
  render(
    "title.signin",
    h("h1", {}, t("signin.heading")),
    demoMode ? h("p", { class: "notice" }, t("signin.demo")) : null,
    h("p", { class: "lead" }, t("signin.intro")),
    form,
    h("p", { class: "muted" }, t("signin.noaccount")),
  );
  if (!supported) {
    screen.showError(t("error.unsupported"));
    screen.setBusy(true);
  }
  return screen;
}

/**
 * Home screen of a signed-in person.
 * @param {{person: import("./api.js").Person, onLogout: () => void}} props
 * @returns {ScreenHandle}
 */
export function showHome({ person, onLogout }) {
  const box = errorBox();
  const button = /** @type {HTMLButtonElement} */ (
    h("button", { type: "submit", class: "secondary", "data-testid": "logout" }, t("home.logout"))
  );
  const form = h("form", { class: "stack" }, box, button);
  const screen = handle(box, form, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onLogout();
  });
  const roles = person.roles ?? [];
  render(
    "title.home",
    h("h1", { "data-testid": "greeting" }, t("home.greeting", { name: person.display_name })),
    person.organisation_name
      ? h("p", { class: "lead" }, t("home.organisation", { organisation: person.organisation_name }))
      : null,
    roles.length
      ? h(
          "section",
          { class: "card", "aria-labelledby": "roles-heading" },
          h("h2", { id: "roles-heading" }, t("home.roles")),
          h("ul", { class: "tags" }, ...roles.map((role) => h("li", {}, roleLabel(role)))),
        )
      : null,
    h("p", { class: "muted" }, t("home.next")),
    form,
  );
  return screen;
}
