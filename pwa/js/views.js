// DOM rendering only: no fetch, no WebAuthn, no routing. Screens that need the network live in
// online/ (sign-in and invitation: online/account-view.js; the home of other roles). Each show* function replaces the
// content of <main>, moves focus to the new screen's heading (so screen readers announce
// the change) and returns a small handle the controller uses to report progress or errors.
// Text goes in with textContent only: names come from other people and are never HTML.

import { t, loadLocale, locale, setLocale, textLocale } from "./i18n.js";
import { h, announce, render as renderScreen } from "./views/dom.js";

export { announce };
export { showMonth } from "./views/month.js";

/**

/**
 * Translate the static shell (elements with data-i18n), set <html lang>, and wire the
 * language switch: `onLocale` re-renders the current screen in the new language.
 * @param {{onLocale: () => void}} props
 */
export function initShell({ onLocale }) {
  document.documentElement.lang = textLocale();
  for (const el of document.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.getAttribute("data-i18n") ?? "");
  }
  const select = /** @type {HTMLSelectElement | null} */ (document.getElementById("lang"));
  if (select && !select.dataset.bound) {
    select.dataset.bound = "1";
    select.addEventListener("change", () => {
      setLocale(/** @type {any} */ (select.value));
      loadLocale().then(() => {
        initShell({ onLocale });
        onLocale();
      });
    });
  }
  if (select) select.value = locale();
}

/**
 * "A new version is available": the new service worker waits until the person accepts, so
 * an update never lands in the middle of an entry.
 * @param {() => void} onAccept
 */
export function showUpdateBanner(onAccept) {
  const banner = document.getElementById("update");
  if (!banner) return;
  banner.replaceChildren(
    h("p", {}, t("update.available")),
    h(
      "button",
      { type: "button", class: "primary small", "data-testid": "update", onclick: onAccept },
      t("action.update"),
    ),
  );
  banner.hidden = false;
}

/**
 * Replace the screen; the document title is `titleKey`'s text.
 * @param {string} titleKey
 * @param {HTMLElement} heading
 * @param {...(Node | null | false)} content
 */
export function render(titleKey, heading, ...content) {
  renderScreen(`${t(titleKey)} · ${t("app.name")}`, heading, {}, ...content);
}

export function showLoading() {
  render(
    "loading",
    h("h1", { class: "visually-hidden" }, t("loading")),
    h("p", { class: "muted" }, t("loading")),
  );
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
