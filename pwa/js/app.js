// Composition root: wires the API client, the WebAuthn wrapper and the views, and decides
// which screen to show. Screens: invitation (hash "#invite=<token>"), sign-in, home.
// The invitation token travels in the URL fragment so it never reaches server logs or a
// Referer header; it is removed from the address bar once the passkey exists.

import * as api from "./api.js";
import { ApiError } from "./api.js";
import * as passkeys from "./webauthn.js";
import { t } from "./i18n.js";
import * as views from "./views.js";

/**
 * @param {string} hash  location.hash, e.g. "#invite=abc"
 * @returns {string | null}
 */
function inviteToken(hash) {
  const token = new URLSearchParams(hash.replace(/^#/, "")).get("invite");
  return token && token.trim() ? token.trim() : null;
}

/**
 * @param {string} hash  e.g. "#demo=alice.martin@octave.example" (links printed by `carnet demo`)
 * @returns {string | null}
 */
function demoEmail(hash) {
  const email = new URLSearchParams(hash.replace(/^#/, "")).get("demo");
  return email && email.trim() ? email.trim() : null;
}

function clearHash() {
  history.replaceState(history.state, "", location.pathname + location.search);
}

/**
 * A readable default name for the passkey's device, e.g. "Chrome sur Android".
 * @param {string} userAgent
 * @returns {string}
 */
function defaultDeviceName(userAgent) {
  const os = [
    [/iPhone/, "iPhone"],
    [/iPad/, "iPad"],
    [/Android/, "Android"],
    [/CrOS/, "ChromeOS"],
    [/Macintosh|Mac OS X/, "macOS"],
    [/Windows/, "Windows"],
    [/Linux/, "Linux"],
  ].find(([re]) => re.test(userAgent))?.[1];
  const browser = [
    [/Edg(e|A|iOS)?\//, "Edge"],
    [/OPR\//, "Opera"],
    [/SamsungBrowser\//, "Samsung Internet"],
    [/Firefox\/|FxiOS\//, "Firefox"],
    [/Chrome\/|CriOS\//, "Chrome"],
    [/Safari\//, "Safari"],
  ].find(([re]) => re.test(userAgent))?.[1];
  if (os && browser) return t("device.default", { browser, os });
  return os ?? browser ?? t("device.unknown");
}

/**
 * Turn anything thrown by a ceremony into a message for the person.
 * @param {unknown} error
 * @param {Record<number, string>} [byStatus]  i18n keys for API statuses specific to the screen
 * @returns {{message: string, details: string[]}}
 */
function describeError(error, byStatus = {}) {
  if (error instanceof ApiError) {
    const details = error.errors.map((e) =>
      e.field ? t("error.field", { field: e.field, message: e.message }) : e.message,
    );
    if (error.status === 0) return { message: t("error.network"), details: [] };
    if (byStatus[error.status]) return { message: t(byStatus[error.status]), details };
    if (error.status >= 500) return { message: t("error.server"), details: [] };
    return { message: error.detail || error.title || t("error.generic"), details };
  }
  const name = error instanceof DOMException || error instanceof Error ? error.name : "";
  const key = {
    NotAllowedError: "error.cancelled",
    AbortError: "error.cancelled",
    InvalidStateError: "error.exists",
    SecurityError: "error.insecure",
    NotSupportedError: "error.unsupported",
  }[name];
  if (!key) console.error(error);
  return { message: t(key ?? "error.generic"), details: [] };
}

// Bumped on every screen change so a slow response cannot replace a newer screen.
let navigation = 0;
let demoMode = false;

/** Show the screen for the current URL and session. */
async function route() {
  const current = ++navigation;
  const stale = () => current !== navigation;
  const token = inviteToken(location.hash);
  views.showLoading();
  try {
    if (token) {
      await showInvitation(token, stale);
      return;
    }
    const session = await api.getSession();
    if (stale()) return;
    demoMode = Boolean(session.demo_mode);
    const demo = demoEmail(location.hash);
    if (demo && demoMode) {
      clearHash();
      const { person } = await api.demoLogin(demo);
      if (stale()) return;
      showHome(person);
      return;
    }
    if (session.authenticated && session.person) showHome(session.person);
    else showSignIn();
  } catch (error) {
    if (stale()) return;
    const { message } = describeError(error);
    views.showMessage({
      heading: t("title.error"),
      message,
      actionLabel: t("retry"),
      onAction: () => route(),
    });
  }
}

/**
 * @param {string} token
 * @param {() => boolean} stale
 */
async function showInvitation(token, stale) {
  views.announce(t("invite.loading"));
  // A GET first so the CSRF cookie exists before the POSTs below.
  demoMode = Boolean((await api.getSession()).demo_mode);
  let invitation;
  try {
    invitation = await api.getInvitation(token);
  } catch (error) {
    if (stale()) return;
    if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
      views.showMessage({
        heading: t("invite.invalid.heading"),
        message: t(error.status === 410 ? "invite.gone" : "invite.notfound"),
        actionLabel: t("invite.tosignin"),
        onAction: () => {
          clearHash();
          route();
        },
      });
      return;
    }
    throw error;
  }
  if (stale()) return;
  const screen = views.showInvitation({
    invitation,
    deviceName: defaultDeviceName(navigator.userAgent),
    supported: passkeys.isSupported(),
    onRegister: async (deviceName) => {
      screen.clearError();
      screen.setBusy(true);
      views.announce(t("invite.registering"));
      try {
        const { ceremony_id, options } = await api.invitationPasskeyOptions(token);
        const credential = await passkeys.createPasskey(options);
        const { person } = await api.registerInvitationPasskey(token, {
          ceremony_id,
          credential,
          device_name: deviceName,
        });
        clearHash();
        navigation += 1;
        showHome(person);
        views.announce(t("invite.done"));
      } catch (error) {
        screen.setBusy(false);
        const { message, details } = describeError(error, {
          404: "invite.notfound",
          410: "invite.gone",
        });
        screen.showError(message, details);
        views.announce("");
      }
    },
  });
}

function showSignIn() {
  const screen = views.showSignIn({
    demoMode,
    supported: passkeys.isSupported(),
    onLogin: async () => {
      screen.clearError();
      screen.setBusy(true);
      views.announce(t("signin.progress"));
      try {
        const { ceremony_id, options } = await api.loginOptions();
        const credential = await passkeys.getPasskey(options);
        const { person } = await api.login({ ceremony_id, credential });
        navigation += 1;
        showHome(person);
        views.announce(t("home.welcome"));
      } catch (error) {
        screen.setBusy(false);
        const { message, details } = describeError(error, {
          401: "error.unknownkey",
          403: "error.unknownkey",
          404: "error.unknownkey",
          410: "error.expired",
        });
        screen.showError(message, details);
        views.announce("");
      }
    },
  });
}

/** @param {import("./api.js").Person} person */
function showHome(person) {
  const screen = views.showHome({
    person,
    onLogout: async () => {
      screen.clearError();
      screen.setBusy(true);
      try {
        await api.logout();
      } catch (error) {
        // Already signed out (session expired) is what we wanted anyway.
        if (!(error instanceof ApiError && error.status === 401)) {
          screen.setBusy(false);
          const { message, details } = describeError(error);
          screen.showError(message, details);
          return;
        }
      }
      navigation += 1;
      showSignIn();
      views.announce(t("signin.loggedout"));
    },
  });
}

views.initShell();
window.addEventListener("hashchange", () => route());
route();
