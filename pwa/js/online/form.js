// Form screens that need the network (sign-in, invitation, home): an error box and the handle
// through which the controller shows progress and refusals. Loaded on demand with them, so
// the offline shell does not carry it.

import { h } from "../views/dom.js";

/**
 * @typedef {object} ScreenHandle
 * @property {(busy: boolean) => void} setBusy  marks the action in progress (aria-busy, no double submit)
 * @property {(message: string, details?: string[]) => void} showError
 * @property {() => void} clearError
 */

/** An error box announced assertively when filled. */
export function errorBox() {
  return h("div", { class: "error", role: "alert", "data-testid": "error", hidden: true });
}

/**
 * @param {HTMLElement} box
 * @param {HTMLElement} form
 * @param {HTMLButtonElement} button
 * @returns {ScreenHandle}
 */
export function handle(box, form, button) {
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

