// The "Frais non refacturés" card of the Facturation tab (online/backoffice/billing.js): the
// month's approved expenses that no client pays back — internal lines, lines on a mission whose
// rule does not re-bill, expenses recorded as not re-billed — with their totals, and the same
// as the accountant's CSV (GET /firm-costs, /firm-costs/csv). A refused month is said next to
// the month field.

import { ApiError, request } from "../../api.js";
import { addStrings, formatDate, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, field, showRefusal } from "./directory-form.js";
import { formatEuros } from "./euros.js";
import { save as saveDownload } from "./exports.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.costs.heading": ["Frais non refacturés", "Expenses not re-billed"],
  "bo.costs.hint": [
    "Les frais approuvés qu'aucun client ne rembourse : charges de l'entreprise, pour le comptable.",
    "Approved expenses no client pays back: the firm's own costs, for the accountant.",
  ],
  "bo.costs.month": ["Mois", "Month"],
  "bo.costs.show": ["Afficher", "Show"],
  "bo.costs.csv": ["Télécharger le CSV", "Download the CSV"],
  "bo.costs.downloaded": ["Fichier « {name} » téléchargé.", "File “{name}” downloaded."],
  "bo.costs.none": ["Aucun frais non refacturé ce mois-ci.", "No expense kept as a cost this month."],
  "bo.costs.count": [
    "{count} {count|frais|frais}",
    "{count} {count|expense|expenses}",
  ],
  "bo.costs.net": ["Total HT", "Total excl. VAT"],
  "bo.costs.vat": ["TVA", "VAT"],
  "bo.costs.gross": ["Total TTC", "Total incl. VAT"],
  "bo.costs.why.internal": ["Sans mission (frais interne)", "No mission (internal)"],
  "bo.costs.why.not_rebilled": [
    "Mission sans refacturation des frais",
    "Mission that does not re-bill expenses",
  ],
  "bo.costs.why.unticked": ["Saisie non refacturée", "Recorded as not re-billed"],
  "bo.costs.line": ["{date} · {category} · {amount} TTC", "{date} · {category} · {amount} incl. VAT"],
  "bo.costs.err.month.invalid": [
    "Choisissez un mois (AAAA-MM).",
    "Choose a month (YYYY-MM).",
  ],
  "bo.costs.err.month.empty_period": [
    "Aucun frais non refacturé ce mois-ci : rien à exporter.",
    "No expense kept as a cost this month: nothing to export.",
  ],
};
addStrings(STRINGS);

/** The month before this one on this device's calendar, YYYY-MM (the month usually closed). */
function lastMonth() {
  const now = new Date();
  const d = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

/**
 * @typedef {{id: string, origin: string, why: string, spent_on: string, consultant: string,
 *   client: string, mission: string, category: string, label: string, net_cents: number,
 *   vat_cents: number, gross_cents: number}} Cost
 */

/** The card: a month, its list and totals, and the CSV. */
export function firmCostsSection() {
  const month = /** @type {HTMLInputElement} */ (
    h("input", { type: "month", value: lastMonth(), required: true })
  );
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const result = h("div", { class: "stack", "data-testid": "costs-result" });
  const csv = h(
    "button",
    { type: "button", class: "secondary", "data-testid": "costs-csv" },
    t("bo.costs.csv"),
  );
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "card stack bo-form",
        novalidate: true,
        "data-testid": "costs-form",
        "aria-labelledby": "costs-heading",
      },
      h("h3", { id: "costs-heading" }, t("bo.costs.heading")),
      h("p", { class: "muted" }, t("bo.costs.hint")),
      box,
      field("costs-month", t("bo.costs.month"), month),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary" }, t("bo.costs.show")),
        csv,
      ),
      status,
      result,
    )
  );
  const refused = (/** @type {unknown} */ error) =>
    showRefusal(error, {
      form,
      box,
      prefix: "bo.costs",
      inputFor: (name) => (name === "month" ? month : null),
    });

  /** @param {{lines: Cost[], net_cents: number, vat_cents: number, gross_cents: number}} data */
  function draw(data) {
    if (!data.lines.length) {
      result.replaceChildren(h("p", { class: "muted" }, t("bo.costs.none")));
      return;
    }
    const fact = (/** @type {string} */ key, /** @type {string} */ text) =>
      h("div", {}, h("dt", {}, t(key)), h("dd", {}, text));
    result.replaceChildren(
      h("p", {}, t("bo.costs.count", { count: data.lines.length })),
      h(
        "ul",
        { class: "bo-list", "data-testid": "costs-lines" },
        ...data.lines.map((c) =>
          h(
            "li",
            { "data-testid": "costs-line" },
            h(
              "span",
              {},
              t("bo.costs.line", {
                date: formatDate(c.spent_on, { dateStyle: "medium" }),
                category: c.category,
                amount: formatEuros(c.gross_cents),
              }),
            ),
            h(
              "small",
              { class: "muted" },
              [c.consultant, c.client, c.mission, c.label, t(`bo.costs.why.${c.why}`)]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
        ),
      ),
      h(
        "dl",
        { class: "bo-totals", "data-testid": "costs-totals" },
        fact("bo.costs.net", formatEuros(data.net_cents)),
        fact("bo.costs.vat", formatEuros(data.vat_cents)),
        fact("bo.costs.gross", formatEuros(data.gross_cents)),
      ),
    );
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, box);
    status.hidden = true;
    form.setAttribute("aria-busy", "true");
    try {
      draw(await request("GET", `/firm-costs?month=${encodeURIComponent(month.value)}`));
    } catch (error) {
      result.replaceChildren();
      refused(error);
    } finally {
      form.setAttribute("aria-busy", "false");
    }
  });
  csv.addEventListener("click", async () => {
    clearErrors(form, box);
    status.hidden = true;
    try {
      const name = await saveDownload(
        await request("GET", `/firm-costs/csv?month=${encodeURIComponent(month.value)}`),
        `frais-non-refactures-${month.value}.csv`,
      );
      status.textContent = t("bo.costs.downloaded", { name });
      status.hidden = false;
      announce(status.textContent);
    } catch (error) {
      if (error instanceof ApiError || error instanceof Error) refused(error);
    }
  });
  return form;
}
