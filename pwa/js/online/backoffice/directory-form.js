// What the Clients and Missions tabs of the back office share: a labelled field with its own
// error line, the refusals of a problem document put next to the fields they name (in French
// or English, from the error's code: the server's message is for programs), the rest at the
// top of the form, and the tabs' stylesheet, linked once.

import { ApiError } from "../../api.js";
import { addStrings, t, tOr } from "../../i18n.js";
import { h } from "../../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.dir.invalid": [
    "Le formulaire a des erreurs : voyez les champs signalés.",
    "The form has errors: see the marked fields.",
  ],
  "bo.dir.failed": ["Le serveur a refusé : {reason}", "The server refused: {reason}"],
  "bo.dir.offline": [
    "Pas de connexion au serveur : rien n'a été enregistré. Réessayez quand le réseau revient.",
    "No connection to the server: nothing was saved. Try again when the network is back.",
  ],
  "bo.dir.forbidden": [
    "Réservé aux administrateurs : rien n'a été enregistré.",
    "Administrators only: nothing was saved.",
  ],
  "bo.dir.optional": ["(facultatif)", "(optional)"],
  "bo.dir.choose": ["— Choisir —", "— Choose —"],
  "bo.dir.none": ["— Aucun —", "— None —"],
  // Wire validation refusals all have the code "invalid": the tabs name them by field.
  "bo.dir.err.invalid": ["Valeur non valable.", "Invalid value."],
  "bo.dir.err.unknown_person": ["Personne inconnue.", "Unknown person."],
  "bo.dir.err.not_a_consultant": [
    "Cette personne n'est pas consultant.",
    "This person is not a consultant.",
  ],
  "bo.dir.err.unknown_client": ["Client inconnu.", "Unknown client."],
  "bo.dir.err.ends_before_start": [
    "La fin tombe avant le début.",
    "The end comes before the start.",
  ],
  "bo.dir.err.rate_required": [
    "La régie demande un taux journalier (TJM).",
    "Time and materials needs a daily rate.",
  ],
  "bo.dir.err.wrong_role": [
    "Cette personne n'a pas le rôle de cette étape.",
    "This person does not have this step's role.",
  ],
  "bo.dir.err.signer_of_other_client": [
    "Ce signataire signe pour un autre client.",
    "This signer signs for another client.",
  ],
  "bo.dir.err.unknown_absence": ["Type d'absence inconnu.", "Unknown absence type."],
  "bo.dir.err.other": ["Valeur refusée.", "Value refused."],
};
addStrings(STRINGS);

/** The tabs' styles (online/backoffice/directory.css), added once. */
let styled = false;
export function ensureStyles() {
  if (styled) return;
  styled = true;
  document.head.append(
    h("link", { rel: "stylesheet", href: "/js/online/backoffice/directory.css" }),
  );
}

/**
 * A labelled field and its error line (`<id>-error`, announced with the input through
 * aria-describedby when filled).
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} input  gets the id
 * @param {{optional?: boolean, hint?: string}} [options]
 */
export function field(id, label, input, { optional = false, hint = "" } = {}) {
  input.id = id;
  const parts = [h("label", { for: id }, label, optional ? ` ${t("bo.dir.optional")}` : "")];
  if (hint) parts.push(h("p", { class: "hint muted", id: `${id}-hint` }, hint));
  return h(
    "div",
    { class: "field" },
    ...parts,
    input,
    h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
  );
}

/**
 * Mark one input refused with `message`, or clear it (message "").
 * @param {HTMLElement} input
 * @param {string} message
 */
export function setFieldError(input, message) {
  const line = document.getElementById(`${input.id}-error`);
  if (!line) return;
  const hint = document.getElementById(`${input.id}-hint`) ? `${input.id}-hint` : "";
  line.textContent = message;
  line.hidden = !message;
  if (message) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [hint, line.id].filter(Boolean).join(" "));
  } else {
    input.removeAttribute("aria-invalid");
    if (hint) input.setAttribute("aria-describedby", hint);
    else input.removeAttribute("aria-describedby");
  }
}

/**
 * Clear every field's error line and the form's top box.
 * @param {HTMLFormElement} form
 * @param {HTMLElement} box
 */
export function clearErrors(form, box) {
  for (const input of form.querySelectorAll("[id]")) {
    if (document.getElementById(`${input.id}-error`))
      setFieldError(/** @type {HTMLElement} */ (input), "");
  }
  box.replaceChildren();
  box.hidden = true;
}

/**
 * The message for one refused field: the field's text for that code first
 * ("bo.<tab>.err.<field>.<code>", e.g. "bo.clients.err.siren.invalid"), then the code's
 * (the domain's codes, e.g. "ends_before_start"), then a generic one.
 * @param {string} prefix  e.g. "bo.clients"
 * @param {string} name  the field without indices, e.g. "siren"
 * @param {string} code
 */
export function messageFor(prefix, name, code) {
  return tOr(`${prefix}.err.${name}.${code}`) ?? tOr(`bo.dir.err.${code}`) ?? t("bo.dir.err.other");
}

/**
 * Show a failed request on the form: each field error next to the input `inputFor` names
 * (null: at the top, with the field's label), anything else at the top.
 * @param {unknown} error
 * @param {{form: HTMLFormElement, box: HTMLElement, prefix: string,
 *   inputFor: (field: string) => HTMLElement | null}} where
 */
export function showRefusal(error, { form, box, prefix, inputFor }) {
  const top = [];
  let first = null;
  if (error instanceof ApiError && error.status === 0) top.push(t("bo.dir.offline"));
  else if (error instanceof ApiError && (error.status === 401 || error.status === 403))
    top.push(t("bo.dir.forbidden"));
  else if (error instanceof ApiError && error.errors.length) {
    for (const { field: name, code } of error.errors) {
      const input = inputFor(name);
      const bare =
        name
          .replace(/\[\d+\]/g, "")
          .split(".")
          .pop() ?? name;
      const message = messageFor(prefix, bare, code);
      if (input && document.getElementById(`${input.id}-error`)) {
        // Two refusals on one field (e.g. two unknown absences) read as one.
        const line = document.getElementById(`${input.id}-error`);
        if (!line?.textContent?.includes(message))
          setFieldError(input, [line?.textContent, message].filter(Boolean).join(" "));
        first ??= input;
      } else top.push(message);
    }
    if (first) top.unshift(t("bo.dir.invalid"));
  } else {
    const reason = error instanceof ApiError ? error.detail || error.title : String(error);
    top.push(t("bo.dir.failed", { reason }));
  }
  if (top.length) {
    box.replaceChildren(...top.map((text) => h("p", {}, text)));
    box.hidden = false;
  }
  (first ?? box).focus?.();
  form.setAttribute("aria-busy", "false");
}
