// Sign-out, loaded on demand by app.js (it needs the network: the server ends the session).
// The device's copy of the CRA goes with the session (security.md §8), but never while edits
// are still waiting to be sent.

import { ApiError, logout as endSession } from "../api.js";
import { addStrings, t } from "../i18n.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "logout.pending": [
    "{count} {count|modification non envoyée|modifications non envoyées} : synchronisez avec le réseau avant de vous déconnecter, sinon {count|elle serait perdue|elles seraient perdues}.",
    "{count} {count|edit|edits} not sent yet: get online and sync before signing out, or {count|it|they} would be lost.",
  ],
};
addStrings(STRINGS);

/**
 * Sign out here and on the server; true once done (app.js then shows the sign-in screen).
 * @param {object} props
 * @param {{clearError: () => void, setBusy: (b: boolean) => void,
 *   showError: (m: string, d?: string[]) => void}} props.screen
 * @param {any} props.device  app.js's open device (store and sync loop), or null
 * @param {() => void} props.closeDevice
 * @param {(error: unknown) => {message: string, details: string[]}} props.describeError
 * @param {string} props.personKey  localStorage key of the person last signed in here
 * @returns {Promise<boolean>}
 */
export async function logout({ screen, device, closeDevice, describeError, personKey }) {
  screen.clearError();
  const pending = device ? (await device.store.status()).pending : 0;
  if (pending) {
    screen.showError(t("logout.pending", { count: pending }));
    return false;
  }
  screen.setBusy(true);
  await import("./push.js").then((push) => push.forgetDevice()).catch(() => {});
  try {
    await endSession();
  } catch (error) {
    // Already signed out (session expired) is what we wanted anyway.
    if (!(error instanceof ApiError && error.status === 401)) {
      screen.setBusy(false);
      const { message, details } = describeError(error);
      screen.showError(message, details);
      return false;
    }
  }
  if (device) {
    closeDevice();
    await device.store.wipe().catch((/** @type {unknown} */ error) => console.warn("wipe", error));
  }
  try {
    localStorage.removeItem(personKey);
    // The expense lines kept for the #expenses screen offline (online/expenses.js).
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("carnet.expenses.")) localStorage.removeItem(key);
    }
  } catch {
    // nothing remembered
  }
  await import("./circuit.js").then((m) => m.forgetApprovals()).catch(() => {});
  return true;
}
