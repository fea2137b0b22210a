// A person's devices and passkeys, opened from the back office's People tab
// (online/backoffice/people.js): their passkeys with last use, their open sessions and the
// devices that synchronised their months. An administrator ends a session (that device signs
// in again) or revokes a passkey (a lost or stolen device: the person's sessions end too);
// revoking the last passkey in use says first what it means, and needs a second click.

import { ApiError, request } from "../../api.js";
import { addStrings, t } from "../../i18n.js";
import { formatDateTime } from "../datetime.js";
import { announce, h } from "../../views/dom.js";
import { ensureStyles } from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.dev.open": ["Appareils et clés d'accès", "Devices and passkeys"],
  "bo.dev.openOf": ["Appareils et clés d'accès de {name}", "{name}'s devices and passkeys"],
  "bo.dev.close": ["Fermer", "Close"],
  "bo.dev.passkeys": ["Clés d'accès", "Passkeys"],
  "bo.dev.noPasskeys": [
    "Aucune clé d'accès : la personne n'a pas encore utilisé son invitation.",
    "No passkey: the person has not used their invitation yet.",
  ],
  "bo.dev.created": ["créée le {at}", "created {at}"],
  "bo.dev.lastUsed": ["dernière connexion le {at}", "last sign-in {at}"],
  "bo.dev.neverUsed": ["jamais utilisée pour se connecter", "never used to sign in"],
  "bo.dev.revokedAt": ["révoquée le {at}", "revoked {at}"],
  "bo.dev.synced": ["synchronisée (iCloud, Google…)", "synced (iCloud, Google…)"],
  "bo.dev.revoke": ["Révoquer", "Revoke"],
  "bo.dev.revokeOf": ["Révoquer la clé « {name} »", "Revoke the passkey “{name}”"],
  "bo.dev.revoked": [
    "Clé « {name} » révoquée ; les sessions de la personne sont terminées.",
    "Passkey “{name}” revoked; the person's sessions have ended.",
  ],
  "bo.dev.lastWarning": [
    "C'est la dernière clé d'accès de {person} : une fois révoquée, cette personne ne pourra plus se connecter tant qu'elle n'aura pas enregistré une nouvelle clé avec un nouveau lien d'invitation (bouton « Nouveau lien d'invitation »). Ses signatures passées restent prouvées.",
    "This is {person}'s last passkey: once revoked, they cannot sign in until they register a new one from a new invitation link (the “New invitation link” button). Their past signatures stay proven.",
  ],
  "bo.dev.confirmLast": ["Révoquer quand même", "Revoke anyway"],
  "bo.dev.cancel": ["Annuler", "Cancel"],
  "bo.dev.sessions": ["Sessions ouvertes", "Open sessions"],
  "bo.dev.noSessions": ["Aucune session ouverte.", "No open session."],
  "bo.dev.session": [
    "Ouverte le {created}, dernière activité le {seen}",
    "Opened {created}, last active {seen}",
  ],
  "bo.dev.current": ["(cette session, la vôtre)", "(this session, yours)"],
  "bo.dev.end": ["Terminer", "End"],
  "bo.dev.endOf": [
    "Terminer la session ouverte le {at}",
    "End the session opened {at}",
  ],
  "bo.dev.ended": [
    "Session terminée : cet appareil devra se reconnecter.",
    "Session ended: that device must sign in again.",
  ],
  "bo.dev.sync": ["Appareils synchronisés", "Synchronised devices"],
  "bo.dev.syncHelp": [
    "Les téléphones et navigateurs qui ont synchronisé ses mois. Pour couper l'accès d'un appareil, terminez sa session ou révoquez sa clé.",
    "The phones and browsers that synchronised their months. To cut a device off, end its session or revoke its passkey.",
  ],
  "bo.dev.noSync": ["Aucun appareil synchronisé.", "No synchronised device."],
  "bo.dev.syncDevice": [
    "Appareil {id}, dernière synchronisation le {at}",
    "Device {id}, last synchronised {at}",
  ],
  "bo.dev.err.current_session": [
    "C'est votre session actuelle : utilisez « Se déconnecter ».",
    "This is your current session: use “Sign out”.",
  ],
  "bo.dev.err.offline": [
    "Pas de connexion au serveur : rien n'a changé. Réessayez quand le réseau revient.",
    "No connection to the server: nothing changed. Try again when the network is back.",
  ],
  "bo.dev.err.other": ["Refusé par le serveur : {reason}", "Refused by the server: {reason}"],
};
addStrings(STRINGS);

/** @param {string | null} iso */
const when = (iso) => (iso ? formatDateTime(iso) : "");

/**
 * The panel of one person's devices, drawn into `slot`.
 * @param {{id: string, display_name: string}} person
 * @param {{onClose: () => void}} hooks
 * @returns {Promise<HTMLElement>}
 */
export async function devicesPanel(person, { onClose }) {
  ensureStyles();
  const said = h("p", {
    class: "notice",
    role: "status",
    hidden: true,
    "data-testid": "devices-status",
  });
  const failed = h("p", {
    class: "error",
    role: "alert",
    tabindex: "-1",
    hidden: true,
    "data-testid": "devices-error",
  });
  const body = h("div", { class: "stack" });
  const panel = h(
    "div",
    { class: "bo-devices stack", "data-testid": "devices-panel" },
    said,
    failed,
    body,
    h("button", { type: "button", class: "secondary small", onclick: onClose }, t("bo.dev.close")),
  );

  /** @param {string} text */
  function tell(text) {
    failed.hidden = true;
    said.textContent = text;
    said.hidden = false;
    announce(text);
  }

  /** @param {unknown} error */
  function refused(error) {
    said.hidden = true;
    let text = String(error);
    if (error instanceof ApiError) {
      if (error.status === 0) text = t("bo.dev.err.offline");
      else {
        const code = error.errors[0]?.code ?? error.code;
        const known = `bo.dev.err.${code}`;
        text =
          t(known) !== known
            ? t(known)
            : t("bo.dev.err.other", { reason: error.detail || error.title });
      }
    }
    failed.textContent = text;
    failed.hidden = false;
    failed.focus?.();
  }

  /**
   * @param {string} url @param {object} payload @param {string} message
   * @param {HTMLElement} button
   */
  async function act(url, payload, message, button) {
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    try {
      draw(await request("POST", url, payload));
      tell(message);
    } catch (error) {
      refused(error);
      button.setAttribute("aria-disabled", "false");
    }
  }

  /** @param {any} devices */
  function draw(devices) {
    const live = devices.passkeys.filter((/** @type {any} */ k) => !k.revoked_at);
    const passkeys = devices.passkeys.map((/** @type {any} */ k) => {
      const facts = [
        t("bo.dev.created", { at: when(k.created_at) }),
        k.last_used_at ? t("bo.dev.lastUsed", { at: when(k.last_used_at) }) : t("bo.dev.neverUsed"),
        k.backed_up ? t("bo.dev.synced") : "",
        k.revoked_at ? t("bo.dev.revokedAt", { at: when(k.revoked_at) }) : "",
      ].filter(Boolean);
      const slot = h("div", {});
      const revoke = h(
        "button",
        {
          type: "button",
          class: "secondary small",
          "aria-label": t("bo.dev.revokeOf", { name: k.device_name }),
          "data-testid": "passkey-revoke",
        },
        t("bo.dev.revoke"),
      );
      const url = `/people/${person.id}/passkeys/${k.id}/revoke`;
      const done = t("bo.dev.revoked", { name: k.device_name });
      revoke.addEventListener("click", () => {
        if (live.length > 1) return act(url, {}, done, revoke);
        // The last one: say what it means, then a second, explicit click.
        const textId = `last-${k.id}`;
        const confirm = h(
          "button",
          { type: "button", class: "primary small", "data-testid": "passkey-confirm-last" },
          t("bo.dev.confirmLast"),
        );
        confirm.addEventListener("click", () => act(url, { confirm_last: true }, done, confirm));
        slot.replaceChildren(
          h(
            "div",
            {
              class: "notice warn",
              role: "group",
              "aria-labelledby": textId,
              "data-testid": "passkey-last-warning",
            },
            h("p", { id: textId }, t("bo.dev.lastWarning", { person: person.display_name })),
            h(
              "div",
              { class: "actions" },
              h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  onclick: () => slot.replaceChildren(),
                },
                t("bo.dev.cancel"),
              ),
              confirm,
            ),
          ),
        );
        confirm.focus();
      });
      return h(
        "li",
        { class: k.revoked_at ? "bo-device bo-inactive" : "bo-device", "data-testid": "passkey" },
        h("strong", {}, k.device_name),
        h("span", { class: "muted" }, ` · ${facts.join(" · ")}`),
        k.revoked_at ? "" : h("div", { class: "actions" }, revoke),
        slot,
      );
    });
    const sessions = devices.sessions.map((/** @type {any} */ s) => {
      const end = h(
        "button",
        {
          type: "button",
          class: "secondary small",
          "aria-label": t("bo.dev.endOf", { at: when(s.created_at) }),
          "data-testid": "session-end",
        },
        t("bo.dev.end"),
      );
      end.addEventListener("click", () =>
        act(`/people/${person.id}/sessions/${s.id}/end`, {}, t("bo.dev.ended"), end),
      );
      return h(
        "li",
        { class: "bo-device", "data-testid": "session" },
        t("bo.dev.session", { created: when(s.created_at), seen: when(s.last_seen_at) }),
        s.current ? ` ${t("bo.dev.current")}` : "",
        s.current ? "" : h("div", { class: "actions" }, end),
      );
    });
    const syncs = devices.sync_devices.map((/** @type {any} */ d) =>
      h(
        "li",
        { class: "bo-device", "data-testid": "sync-device" },
        t("bo.dev.syncDevice", { id: d.id.slice(0, 8), at: when(d.last_seen_at) }),
      ),
    );
    const list = (/** @type {HTMLElement[]} */ items, /** @type {string} */ empty) =>
      h(
        "ul",
        { class: "bo-list" },
        ...(items.length ? items : [h("li", { class: "muted" }, t(empty))]),
      );
    const heading = (/** @type {string} */ key) => h("h4", {}, t(key));
    body.replaceChildren(
      heading("bo.dev.passkeys"),
      list(passkeys, "bo.dev.noPasskeys"),
      heading("bo.dev.sessions"),
      list(sessions, "bo.dev.noSessions"),
      heading("bo.dev.sync"),
      h("p", { class: "hint" }, t("bo.dev.syncHelp")),
      list(syncs, "bo.dev.noSync"),
    );
  }

  draw(await request("GET", `/people/${person.id}/devices`));
  return panel;
}
