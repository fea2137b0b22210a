// The sign-in and invitation screens (DOM only; online/account.js drives them). Loaded on
// demand with it: both need the network, so the service worker does not precache them.

import { t } from "../i18n.js";
import { formatDateTime } from "./datetime.js";
import { render } from "../views.js";
import { errorBox, handle } from "./form.js";
import { h } from "../views/dom.js";

/**
 * Invitation screen: who invited whom, what a passkey is, and the button that creates it.
 * @param {{invitation: import("../api.js").Invitation, deviceName: string,
 *          supported: boolean, onRegister: (deviceName: string) => void}} props
 * @returns {import("./form.js").ScreenHandle}
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
    h(
      "button",
      { type: "submit", class: "primary", "data-testid": "register" },
      t("invite.register"),
    )
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
    h(
      "p",
      { class: "lead" },
      t("invite.organisation", { organisation: invitation.organisation_name }),
    ),
    h("p", { class: "muted" }, t("invite.email", { email: invitation.email })),
    invitation.expires_at
      ? h(
          "p",
          { class: "muted" },
          t("invite.expires", { date: formatDateTime(invitation.expires_at) }),
        )
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
 * Sign-in screen: the firm's provider first when it has one, then the passkey.
 * @param {{demoMode: boolean, supported: boolean, onLogin: () => void,
 *          sso: {provider: string, only: boolean} | null, onSso: () => void}} props
 * @returns {import("./form.js").ScreenHandle}
 */
export function showSignIn({ demoMode, supported, onLogin, sso, onSso }) {
  const box = errorBox();
  const button = /** @type {HTMLButtonElement} */ (
    h(
      "button",
      { type: "submit", class: sso ? "secondary" : "primary", "data-testid": "login" },
      t("signin.button"),
    )
  );
  const form = h("form", { class: "stack" }, box, button);
  const screen = handle(box, form, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onLogin();
  });
  const ssoPart = sso
    ? [
        h(
          "p",
          {},
          h(
            "button",
            { type: "button", class: "primary", "data-testid": "sso-login", onclick: onSso },
            t("sso.button", { provider: sso.provider }),
          ),
        ),
        sso.only ? h("p", { class: "notice" }, t("sso.only", { provider: sso.provider })) : null,
        h("p", { class: "muted" }, t(sso.only ? "sso.or.only" : "sso.or")),
      ]
    : [h("p", { class: "lead" }, t("signin.intro"))];
  render(
    "title.signin",
    h("h1", {}, t("signin.heading")),
    demoMode ? h("p", { class: "notice" }, t("signin.demo")) : null,
    ...ssoPart,
    form,
    h("p", { class: "muted" }, t("signin.noaccount")),
  );
  if (!supported) {
    screen.showError(t("error.unsupported"));
    screen.setBusy(true);
  }
  return screen;
}
