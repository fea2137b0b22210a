// The administrator's firm settings (#settings), loaded on demand: when reminders go out, and
// whether a client may sign with a synced passkey. Each form saves alone, and a refusal is shown
// under the field it names.

import { ApiError, request } from "../api.js";
import { addStrings, t } from "../i18n.js";
import { h, render } from "../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "settings.title": ["Réglages de l'entreprise", "Firm settings"],
  "settings.back": ["← Accueil", "← Home"],
  "settings.adminOnly": [
    "Ces réglages sont réservés aux administrateurs.",
    "These settings are for administrators only.",
  ],
  "settings.reminders": ["Rappels", "Reminders"],
  "settings.remindersHelp": [
    "Quand Carnet rappelle aux consultants de saisir leur mois, et aux valideurs ce qui les attend.",
    "When Carnet reminds consultants to fill in their month, and approvers of what waits on them.",
  ],
  "settings.days_before_close": [
    "Premier rappel, en jours ouvrés avant la fin du mois",
    "First reminder, in working days before month end",
  ],
  "settings.relance_every": [
    "Relance des valideurs tous les … jours ouvrés",
    "Remind approvers every … working days",
  ],
  "settings.send_hour": ["Heure d'envoi (0 à 23)", "Sending hour (0 to 23)"],
  "settings.time_zone": ["Fuseau horaire", "Time zone"],
  "settings.send_on_non_working_days": [
    "Envoyer aussi le week-end et les jours fériés",
    "Also send on weekends and public holidays",
  ],
  "settings.signature": ["Signature du client", "Client signature"],
  "settings.signatureHelp": [
    "Une clé d'accès synchronisée (iCloud, Google…) peut être partagée entre plusieurs personnes ; la refuser renforce le lien entre la signature et le signataire.",
    "A synced passkey (iCloud, Google…) can be shared between people; refusing it ties the signature more firmly to the signer.",
  ],
  "settings.refuse_synced_passkeys": [
    "Refuser les clés d'accès synchronisées pour signer",
    "Refuse synced passkeys for signing",
  ],
  "settings.expenses": ["Notes de frais", "Expense reports"],
  "settings.expensesHelp": [
    "Leur propre circuit : le consultant envoie ses frais, son manager valide ou refuse chaque ligne. Avec le CRA : les frais partent quand le consultant soumet son mois et sont validés avec lui ; le manager peut toujours refuser une ligne avec son motif. Le client ne voit ni ne signe jamais les frais.",
    "Their own circuit: the consultant sends their expenses, their manager approves or refuses each line. With the report: the expenses leave when the consultant submits their month and are approved with it; the manager can still refuse a line with its reason. The client never sees nor signs expenses.",
  ],
  "settings.expense_circuit": ["Circuit des notes de frais", "Expense reports' circuit"],
  "settings.expense_circuit_own": ["Leur propre circuit", "Their own circuit"],
  "settings.expense_circuit_month": ["Avec le CRA du mois", "With the month's report"],
  "settings.save": ["Enregistrer", "Save"],
  "settings.saved": ["Enregistré.", "Saved."],
  "settings.refused": ["Non enregistré : corrigez le champ signalé.", "Not saved: fix the field shown."],
};
addStrings(STRINGS);

/**
 * One form of named inputs: saved with PUT `url`; a refusal goes under the field it names.
 * A "select" field's choices are its `extra.choices`, each labelled `settings.<name>_<value>`.
 * @param {{testid: string, title: string, help: string, url: string,
 *   fields: Array<[string, "number" | "text" | "checkbox" | "select", any, object?]>}} spec
 */
function settingsForm({ testid, title, help, url, fields }) {
  const status = h("p", { role: "status", class: "muted" });
  /** @type {Map<string, HTMLElement>} */
  const errors = new Map();
  const inputs = fields.map(([name, type, value, extra = {}]) => {
    const error = h("p", { class: "error", id: `${name}-error`, hidden: true });
    errors.set(name, error);
    const { choices, ...rest } = /** @type {{choices?: string[]}} */ (extra);
    const input = choices
      ? h(
          "select",
          { name, id: `set-${name}`, "aria-describedby": `${name}-error` },
          ...choices.map((c) =>
            h("option", { value: c, ...(c === value ? { selected: true } : {}) }, t(`settings.${name}_${c}`)),
          ),
        )
      : h("input", {
          // Numbers as text with a numeric keyboard: styled like every other field of the app.
          type: type === "number" ? "text" : type,
          name,
          id: `set-${name}`,
          "aria-describedby": `${name}-error`,
          ...(type === "checkbox" ? (value ? { checked: true } : {}) : { value: String(value) }),
          ...rest,
        });
    const label = h("label", { for: `set-${name}`, class: type === "checkbox" ? "check" : "" });
    if (type === "checkbox") label.append(input, ` ${t(`settings.${name}`)}`);
    else label.append(t(`settings.${name}`), input);
    return h("div", {}, label, error);
  });
  const form = h(
    "form",
    { class: "stack", "data-testid": testid, novalidate: true },
    ...inputs,
    h("button", { type: "submit", class: "primary small" }, t("settings.save")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const error of errors.values()) error.hidden = true;
    const body = Object.fromEntries(
      fields.map(([name, type]) => {
        const input = /** @type {HTMLInputElement} */ (form.querySelector(`[name="${name}"]`));
        if (type === "checkbox") return [name, input.checked];
        const number = type === "number" && /^\s*\d+\s*$/.test(input.value);
        return [name, number ? Number(input.value) : input.value];
      }),
    );
    try {
      await request("PUT", url, body);
      status.className = "muted";
      status.textContent = t("settings.saved");
    } catch (error) {
      status.className = "error";
      if (!(error instanceof ApiError)) {
        status.textContent = String(error);
        return;
      }
      status.textContent = error.errors.length ? t("settings.refused") : error.detail;
      for (const e of error.errors) {
        const place = errors.get(String(e.field).split(".").pop() ?? "");
        if (place) {
          place.textContent = e.message;
          place.hidden = false;
        } else status.textContent = `${e.field} : ${e.message}`;
      }
    }
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": `${testid}-h` },
    h("h2", { id: `${testid}-h` }, title),
    h("p", { class: "muted" }, help),
    form,
  );
}

/**
 * The page; an administrator only (others are told, nothing is read).
 * @param {{person: {roles?: string[]}}} props
 */
export async function show({ person }) {
  const heading = h("h1", {}, t("settings.title"));
  const back = h("p", {}, h("a", { href: "#", "data-testid": "settings-back" }, t("settings.back")));
  if (!(person.roles ?? []).includes("admin")) {
    render(t("settings.title"), heading, {}, back, h("p", { class: "notice warn" }, t("settings.adminOnly")));
    return;
  }
  const [reminders, signature, expenses] = await Promise.all([
    request("GET", "/organisation/reminder-settings"),
    request("GET", "/organisation/signature-policy"),
    request("GET", "/organisation/expense-circuit"),
  ]);
  render(
    t("settings.title"),
    heading,
    {},
    back,
    settingsForm({
      testid: "reminder-settings",
      title: t("settings.reminders"),
      help: t("settings.remindersHelp"),
      url: "/organisation/reminder-settings",
      fields: [
        ["days_before_close", "number", reminders.days_before_close, { inputmode: "numeric" }],
        ["relance_every", "number", reminders.relance_every, { inputmode: "numeric" }],
        ["send_hour", "number", reminders.send_hour, { inputmode: "numeric" }],
        ["time_zone", "text", reminders.time_zone, { autocomplete: "off" }],
        ["send_on_non_working_days", "checkbox", reminders.send_on_non_working_days],
      ],
    }),
    settingsForm({
      testid: "signature-policy",
      title: t("settings.signature"),
      help: t("settings.signatureHelp"),
      url: "/organisation/signature-policy",
      fields: [["refuse_synced_passkeys", "checkbox", signature.refuse_synced_passkeys]],
    }),
    settingsForm({
      testid: "expense-circuit",
      title: t("settings.expenses"),
      help: t("settings.expensesHelp"),
      url: "/organisation/expense-circuit",
      fields: [["expense_circuit", "select", expenses.expense_circuit, { choices: ["own", "month"] }]],
    }),
  );
}
