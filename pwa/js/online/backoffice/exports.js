// The back office's "Exports" tab: the files the accountant and the payroll office ask for,
// one click each, under the names the server gives them — the FEC of a period, the payroll
// variable elements and the leave of a month, the month's invoices and CRAs as CSV. Refusals
// are shown next to their field. The seller's mentions printed on every invoice are the
// Organisation tab's (one audited save); this tab points there. Billing itself
// (pré-factures, factures, paiements) is the "Facturation" tab.

import { request } from "../../api.js";
import { addStrings, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, showRefusal } from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.exports.heading": ["Exports", "Exports"],
  "bo.exports.invoices": ["Factures du mois (CSV)", "The month's invoices (CSV)"],
  "bo.exports.invoices_hint": [
    "Les factures et avoirs émis dans le mois : numéro, client, montants HT, TVA, TTC, encaissé et reste dû (avoirs en négatif).",
    "The invoices and credit notes issued in the month: number, client, amounts excl. VAT, VAT, incl. VAT, received and still due (credit notes negative).",
  ],
  "bo.exports.invoices_download": [
    "Télécharger les factures du mois",
    "Download the month's invoices",
  ],
  "bo.exports.months": ["CRA du mois (CSV)", "The month's timesheets (CSV)"],
  "bo.exports.months_hint": [
    "Le CRA de chaque consultant, quel que soit son état : une ligne par mission, avec les jours.",
    "Each consultant's timesheet, whatever its state: one line per mission, with the days.",
  ],
  "bo.exports.months_download": ["Télécharger les CRA du mois", "Download the month's timesheets"],
  "bo.exports.invoices.err.month.invalid": ["Choisissez un mois.", "Choose a month."],
  "bo.exports.invoices.err.month.empty_period": [
    "Aucune facture ni aucun avoir émis ce mois-là.",
    "No invoice or credit note issued that month.",
  ],
  "bo.exports.months.err.month.invalid": ["Choisissez un mois.", "Choose a month."],
  "bo.exports.months.err.month.empty_period": [
    "Aucun CRA pour ce mois.",
    "No timesheet for this month.",
  ],
  "bo.exports.fec": ["Fichier des écritures comptables (FEC)", "Accounting entries file (FEC)"],
  "bo.exports.fec_hint": [
    "Les factures et avoirs émis sur la période, au format de l'article A47 A-1 du LPF.",
    "The invoices and credit notes issued in the period, in the format of LPF article A47 A-1.",
  ],
  "bo.exports.start": ["Du", "From"],
  "bo.exports.end": ["Au (clôture)", "To (closing)"],
  "bo.exports.accounts": ["Comptes (plan comptable)", "Accounts (chart of accounts)"],
  "bo.exports.customers": ["Compte clients", "Customers account"],
  "bo.exports.sales": ["Compte de ventes", "Sales account"],
  "bo.exports.vat": ["Compte de TVA collectée", "Output VAT account"],
  "bo.exports.vat_hint": [
    "445740 pour la TVA sur encaissements (prestations de services).",
    "445740 for VAT on receipts (services).",
  ],
  "bo.exports.fec_download": ["Télécharger le FEC", "Download the FEC"],
  "bo.exports.payroll": ["Éléments variables de paie", "Payroll variable elements"],
  "bo.exports.payroll_hint": [
    "Les absences des CRA validés ou signés du mois, par consultant (CSV).",
    "The absences of the month's validated or signed timesheets, per consultant (CSV).",
  ],
  "bo.exports.leave": ["Congés du mois pour la paie", "The month's leave for payroll"],
  "bo.exports.leave_hint": [
    "Par consultant, les congés pris dans les CRA validés ou signés du mois, par type, et les soldes de CP et de RTT restants à sa fin (CSV).",
    "Per consultant, the leave taken in the month's validated or signed timesheets, by type, and the paid leave and RTT balances left at its end (CSV).",
  ],
  "bo.exports.leave_download": ["Télécharger les congés du mois", "Download the month's leave"],
  "bo.exports.month": ["Mois", "Month"],
  "bo.exports.codes": ["Codes de votre logiciel de paie", "Your payroll software's codes"],
  "bo.exports.codes_hint": ["Par exemple CP=CP01,RTT=RT01.", "For example CP=CP01,RTT=RT01."],
  "bo.exports.payroll_download": [
    "Télécharger les variables de paie",
    "Download the payroll variables",
  ],
  "bo.exports.downloading": ["Préparation du fichier…", "Preparing the file…"],
  "bo.exports.downloaded": ["Fichier « {name} » téléchargé.", "File “{name}” downloaded."],
  "bo.exports.profile": ["Profil de facturation", "Billing profile"],
  "bo.exports.profile_where": [
    "Les mentions légales, l'adresse, l'IBAN et la franchise de TVA imprimés sur chaque facture se règlent dans l'onglet Organisation, avec l'identité de l'entreprise.",
    "The legal mentions, address, IBAN and VAT franchise printed on every invoice are set in the Organisation tab, with the firm's identity.",
  ],
  "bo.exports.profile_open": ["Ouvrir l'onglet Organisation", "Open the Organisation tab"],
  // Refusals, by field and code (the server's message is for programs).
  "bo.exports.err.start.invalid": ["Donnez une date de début.", "Give a start date."],
  "bo.exports.err.start.empty_period": [
    "Aucune facture ni aucun avoir émis sur cette période.",
    "No invoice or credit note issued in this period.",
  ],
  "bo.exports.err.end.invalid": ["Donnez une date de fin.", "Give an end date."],
  "bo.exports.err.end.before_start": [
    "La fin tombe avant le début.",
    "The end comes before the start.",
  ],
  "bo.exports.err.customers.invalid_account": [
    "Des chiffres commençant par 411 (12 au plus).",
    "Digits starting with 411 (12 at most).",
  ],
  "bo.exports.err.sales.invalid_account": [
    "Des chiffres commençant par 706 (12 au plus).",
    "Digits starting with 706 (12 at most).",
  ],
  "bo.exports.err.vat.invalid_account": [
    "Des chiffres commençant par 4457 (12 au plus).",
    "Digits starting with 4457 (12 at most).",
  ],
  "bo.exports.err.month.invalid": ["Choisissez un mois.", "Choose a month."],
  "bo.exports.err.month.empty_period": [
    "Aucun CRA validé ou signé pour ce mois.",
    "No validated or signed timesheet for this month.",
  ],
  "bo.exports.err.codes.invalid": [
    "Écrivez TYPE=CODE séparés par des virgules (types : CP, RTT, maladie…).",
    "Write TYPE=CODE separated by commas (types: CP, RTT, maladie…).",
  ],
};
addStrings(STRINGS);

/** @param {Date} day */
const iso = (day) => {
  const two = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${two(day.getMonth() + 1)}-${two(day.getDate())}`;
};

/**
 * The file name of a Content-Disposition header (`attachment; filename="…"`), or `fallback`.
 * @param {string | null} header
 * @param {string} fallback
 */
export function fileName(header, fallback) {
  const match = /filename="?([^";]+)"?/.exec(header ?? "");
  return match ? match[1] : fallback;
}

/**
 * Save a downloaded file under its name: an object URL on a temporary `<a download>`.
 * @param {Response} response
 * @param {string} fallback  the name when the server gives none
 * @returns {Promise<string>}  the name given
 */
export async function save(response, fallback) {
  const name = fileName(response.headers.get("content-disposition"), fallback);
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; free the blob once the browser has it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/**
 * A form that downloads one export: GET `path()` when submitted, the file saved under its
 * name, refusals next to their fields.
 * @param {{id: string, heading: string, hint: string, button: string, fallback: () => string,
 *   fields: HTMLElement[], inputs: Record<string, HTMLElement>, query: () => URLSearchParams,
 *   path: string, prefix?: string}} spec  prefix: of the refusals' texts (bo.exports)
 */
function exportForm(spec) {
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, spec.button);
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "card stack bo-form",
        novalidate: true,
        "data-testid": `${spec.id}-form`,
        "aria-labelledby": `${spec.id}-heading`,
      },
      h("h3", { id: `${spec.id}-heading` }, spec.heading),
      h("p", { class: "muted" }, spec.hint),
      box,
      ...spec.fields,
      submit,
      status,
    )
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    status.textContent = t("bo.exports.downloading");
    status.hidden = false;
    try {
      const response = await request("GET", `${spec.path}?${spec.query()}`);
      const name = await save(response, spec.fallback());
      status.textContent = t("bo.exports.downloaded", { name });
      announce(status.textContent);
    } catch (error) {
      status.hidden = true;
      showRefusal(error, {
        form,
        box,
        prefix: spec.prefix ?? "bo.exports",
        inputFor: (name) => spec.inputs[name] ?? null,
      });
      // A refused account is inside the folded "Comptes": unfold it, so its error shows.
      const refused = form.querySelector('details [aria-invalid="true"]');
      if (refused) {
        /** @type {HTMLDetailsElement} */ (refused.closest("details")).open = true;
        /** @type {HTMLElement} */ (refused).focus();
      }
    } finally {
      form.setAttribute("aria-busy", "false");
      submit.setAttribute("aria-disabled", "false");
    }
  });
  return form;
}

/** @param {HTMLElement} input */
const value = (input) => /** @type {HTMLInputElement} */ (input).value.trim();

/** The FEC form: a period (default: the year to the end of last month) and the accounts. */
function fecForm() {
  const today = new Date();
  const lastMonthEnd = new Date(today.getFullYear(), today.getMonth(), 0);
  const inputs = {
    start: h("input", { type: "date", value: `${lastMonthEnd.getFullYear()}-01-01` }),
    end: h("input", { type: "date", value: iso(lastMonthEnd) }),
    customers: h("input", { type: "text", inputmode: "numeric", value: "411000" }),
    sales: h("input", { type: "text", inputmode: "numeric", value: "706000" }),
    vat: h("input", { type: "text", inputmode: "numeric", value: "445710" }),
  };
  const accounts = h(
    "details",
    {},
    h("summary", {}, t("bo.exports.accounts")),
    field("fec-customers", t("bo.exports.customers"), inputs.customers),
    field("fec-sales", t("bo.exports.sales"), inputs.sales),
    field("fec-vat", t("bo.exports.vat"), inputs.vat, { hint: t("bo.exports.vat_hint") }),
  );
  inputs.vat.setAttribute("aria-describedby", "fec-vat-hint");
  return exportForm({
    id: "fec",
    heading: t("bo.exports.fec"),
    hint: t("bo.exports.fec_hint"),
    button: t("bo.exports.fec_download"),
    fallback: () => "FEC.txt",
    path: "/exports/fec",
    inputs,
    fields: [
      h(
        "div",
        { class: "row2" },
        field("fec-start", t("bo.exports.start"), inputs.start),
        field("fec-end", t("bo.exports.end"), inputs.end),
      ),
      accounts,
    ],
    query: () => {
      const query = new URLSearchParams();
      for (const [name, input] of Object.entries(inputs)) query.set(name, value(input));
      return query;
    },
  });
}

/**
 * A payroll file of a month (default: last month), with the payroll software's codes: the
 * variable elements (absences), or the leave taken with the balances left (`leave`).
 * @param {"payroll" | "leave"} kind
 */
function payrollForm(kind = "payroll") {
  const today = new Date();
  const last = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  const inputs = {
    month: h("input", { type: "month", value: iso(last).slice(0, 7) }),
    codes: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }),
  };
  const codes = field(`${kind}-codes`, t("bo.exports.codes"), inputs.codes, {
    optional: true,
    hint: t("bo.exports.codes_hint"),
  });
  inputs.codes.setAttribute("aria-describedby", `${kind}-codes-hint`);
  return exportForm({
    id: kind,
    heading: t(`bo.exports.${kind}`),
    hint: t(`bo.exports.${kind}_hint`),
    button: t(`bo.exports.${kind}_download`),
    fallback: () => `${kind === "leave" ? "conges" : "paie"}-${value(inputs.month)}.csv`,
    path: kind === "leave" ? "/leave/payroll" : "/exports/payroll",
    inputs,
    fields: [field(`${kind}-month`, t("bo.exports.month"), inputs.month), codes],
    query: () => new URLSearchParams({ month: value(inputs.month), codes: value(inputs.codes) }),
  });
}

/**
 * One month's CSV (the invoices issued in it, or its CRAs): a month, one click; refusals in
 * the words of that file ("bo.exports.<kind>.err.month.<code>").
 * @param {"invoices" | "months"} kind
 * @param {string} prefix  the file name's first word, when the server gives none
 */
function monthCsvForm(kind, prefix) {
  const today = new Date();
  const last = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  const month = h("input", { type: "month", value: iso(last).slice(0, 7) });
  return exportForm({
    id: `csv-${kind}`,
    heading: t(`bo.exports.${kind}`),
    hint: t(`bo.exports.${kind}_hint`),
    button: t(`bo.exports.${kind}_download`),
    fallback: () => `${prefix}-${value(month)}.csv`,
    path: `/exports/${kind}`,
    prefix: `bo.exports.${kind}`,
    inputs: { month },
    fields: [field(`csv-${kind}-month`, t("bo.exports.month"), month)],
    query: () => new URLSearchParams({ month: value(month) }),
  });
}

/**
 * Where the seller's mentions printed on every invoice are set: the Organisation tab, one
 * audited save with the legal identity (this tab once had a second form for them).
 */
function profilePointer() {
  return h(
    "section",
    { class: "card stack", "data-testid": "profile-pointer", "aria-labelledby": "profile-heading" },
    h("h3", { id: "profile-heading" }, t("bo.exports.profile")),
    h("p", { class: "muted" }, t("bo.exports.profile_where")),
    h(
      "p",
      {},
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          "data-testid": "profile-open-organisation",
          onclick: () => document.getElementById("admin-tab-organisation")?.click(),
        },
        t("bo.exports.profile_open"),
      ),
    ),
  );
}

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  const sheet = "/js/online/backoffice/exports.css";
  if (!document.querySelector(`link[href="${sheet}"]`))
    document.head.append(h("link", { rel: "stylesheet", href: sheet }));
  container.replaceChildren(
    h("h2", {}, t("bo.exports.heading")),
    fecForm(),
    payrollForm(),
    payrollForm("leave"),
    monthCsvForm("invoices", "factures"),
    monthCsvForm("months", "cra"),
    profilePointer(),
  );
}
