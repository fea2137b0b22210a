// The back office's "Facturation" tab: pre-invoices to review, issued and paid invoices, credit
// notes; an invoice's detail with its lines, sources and Factur-X PDF; issuing (after a
// confirmation: it uses a legal number), line adjustments and discounts, the invoice's
// discount, payments (never above what remains), credit notes, forfait milestone delivery,
// expenses and their receipts. Amounts are typed and read in euros (euros.js); every refusal
// is shown in words next to the field that caused it (directory-form.js), the server checking
// again what the page checks first.

import { ApiError, request } from "../../api.js";
import { addStrings, formatDate, formatDays, formatMonthName, t, tOr } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, setFieldError, showRefusal } from "./directory-form.js";
import { euroInput, formatEuros, parseHalfDays, parseHundredths } from "./euros.js";
import { save as saveDownload } from "./exports.js";
import { firmCostsSection } from "./firm-costs.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.billing.heading": ["Facturation", "Billing"],
  "bo.billing.intro": [
    "Les pré-factures naissent des CRA validés et des jalons livrés : revoyez-les, puis émettez-les.",
    "Pre-invoices come from validated timesheets and delivered milestones: review them, then issue them.",
  ],
  "bo.billing.drafts": ["Pré-factures à revoir", "Pre-invoices to review"],
  "bo.billing.issued": ["Émises, en attente de paiement", "Issued, awaiting payment"],
  "bo.billing.settled": ["Payées ou annulées", "Paid or cancelled"],
  "bo.billing.none": ["Aucune.", "None."],
  "bo.billing.preinvoice": ["Pré-facture {client} {period}", "Pre-invoice {client} {period}"],
  "bo.billing.state.draft": ["À revoir", "To review"],
  "bo.billing.state.issued": ["Émise", "Issued"],
  "bo.billing.state.partly_paid": ["Partiellement payée", "Partly paid"],
  "bo.billing.state.paid": ["Payée", "Paid"],
  "bo.billing.state.credited": ["Annulée par avoir", "Cancelled by credit note"],
  "bo.billing.state.partly_credited": ["Avoir partiel", "Partly credited"],
  "bo.billing.state.credit_note": ["Avoir", "Credit note"],
  "bo.billing.offline": [
    "Pas de connexion au serveur : la facturation a besoin du réseau. Réessayez quand il revient.",
    "No connection to the server: billing needs the network. Try again when it is back.",
  ],
  "bo.billing.back": ["← Toutes les factures", "← All invoices"],
  "bo.billing.client": ["Client", "Client"],
  "bo.billing.period": ["Période", "Period"],
  "bo.billing.period_value": ["du {start} au {end}", "{start} to {end}"],
  "bo.billing.issued_on": ["Émise le", "Issued on"],
  "bo.billing.due_on": ["Échéance", "Due on"],
  "bo.billing.state": ["État", "State"],
  "bo.billing.credits": ["Avoir de la facture", "Credit note of invoice"],
  "bo.billing.reason_shown": ["Motif", "Reason"],
  "bo.billing.lines": ["Lignes", "Lines"],
  "bo.billing.col.label": ["Désignation", "Description"],
  "bo.billing.col.quantity": ["Quantité", "Quantity"],
  "bo.billing.col.price": ["Prix unitaire HT", "Unit price excl. VAT"],
  "bo.billing.col.vat": ["TVA", "VAT"],
  "bo.billing.col.net": ["Montant HT", "Amount excl. VAT"],
  "bo.billing.days": ["{n} j", "{n} d"],
  "bo.billing.net": ["Total HT", "Total excl. VAT"],
  "bo.billing.vat": ["TVA", "VAT"],
  "bo.billing.gross": ["Total TTC", "Total incl. VAT"],
  "bo.billing.paid": ["Encaissé", "Received"],
  "bo.billing.credited": ["Crédité par avoir", "Credited"],
  "bo.billing.remaining": ["Reste dû", "Still due"],
  "bo.billing.sources": ["CRA facturés", "Timesheets billed"],
  "bo.billing.source": [
    "{consultant}, {month} : {days} ({status}, réf. {ref})",
    "{consultant}, {month}: {days} ({status}, ref. {ref})",
  ],
  "bo.billing.payments": ["Paiements reçus", "Payments received"],
  "bo.billing.payment_row": ["{date} : {amount}", "{date}: {amount}"],
  "bo.billing.receipt": ["Voir le justificatif", "View the receipt"],
  "bo.billing.no_receipt": [
    "Aucun justificatif enregistré pour cette dépense.",
    "No receipt recorded for this expense.",
  ],
  "bo.billing.pdf": ["Télécharger le PDF Factur-X", "Download the Factur-X PDF"],
  "bo.billing.pdf_done": ["Fichier « {name} » téléchargé.", "File “{name}” downloaded."],
  // Issuing.
  "bo.billing.issue": ["Émettre la facture…", "Issue the invoice…"],
  "bo.billing.issue_title": ["Émettre cette facture ?", "Issue this invoice?"],
  "bo.billing.issue_text": [
    "Elle reçoit le prochain numéro légal de la série et ne pourra plus être modifiée : une erreur se corrigera par un avoir. Total TTC : {gross}.",
    "It takes the series' next legal number and can no longer be changed: a mistake will be corrected with a credit note. Total incl. VAT: {gross}.",
  ],
  "bo.billing.issue_confirm": ["Émettre", "Issue"],
  "bo.billing.cancel": ["Annuler", "Cancel"],
  "bo.billing.issued_done": ["Facture {number} émise.", "Invoice {number} issued."],
  "bo.billing.blocking": ["À régler avant l'émission :", "To settle before issuing:"],
  // Review of a pre-invoice.
  "bo.billing.adjust": ["Ajuster une ligne", "Adjust a line"],
  "bo.billing.line": ["Ligne", "Line"],
  "bo.billing.quantity_days": ["Nouvelle quantité (jours)", "New quantity (days)"],
  "bo.billing.quantity_units": ["Nouvelle quantité", "New quantity"],
  "bo.billing.unit_price": ["Nouveau prix unitaire HT (€)", "New unit price excl. VAT (€)"],
  "bo.billing.reason": ["Motif (au moins 3 caractères)", "Reason (3 characters at least)"],
  "bo.billing.adjust_save": ["Ajuster la ligne", "Adjust the line"],
  "bo.billing.adjusted": ["Ligne ajustée.", "Line adjusted."],
  "bo.billing.line_discount": ["Remise sur une ligne", "Discount on a line"],
  "bo.billing.percent": ["Pourcentage (%)", "Percentage (%)"],
  "bo.billing.amount_off": ["Ou montant HT (€)", "Or amount excl. VAT (€)"],
  "bo.billing.line_discount_save": ["Appliquer la remise", "Apply the discount"],
  "bo.billing.discounted": ["Remise appliquée.", "Discount applied."],
  "bo.billing.invoice_discount": ["Remise sur la facture", "Discount on the invoice"],
  "bo.billing.invoice_discount_hint": [
    "Répartie entre les taux de TVA. Laissez les deux champs vides pour retirer la remise.",
    "Split across the VAT rates. Leave both fields empty to remove the discount.",
  ],
  "bo.billing.invoice_discount_save": ["Enregistrer la remise", "Save the discount"],
  "bo.billing.discount_removed": ["Remise retirée.", "Discount removed."],
  // Payments and credit notes.
  "bo.billing.pay": ["Enregistrer un paiement", "Record a payment"],
  "bo.billing.pay_date": ["Date du paiement", "Payment date"],
  "bo.billing.pay_amount": ["Montant reçu (€)", "Amount received (€)"],
  "bo.billing.pay_hint": ["Au plus {amount}, le reste dû.", "At most {amount}, what is still due."],
  "bo.billing.pay_save": ["Enregistrer le paiement", "Record the payment"],
  "bo.billing.paid_done": [
    "Paiement de {amount} enregistré. Reste dû : {remaining}.",
    "Payment of {amount} recorded. Still due: {remaining}.",
  ],
  "bo.billing.credit": ["Émettre un avoir", "Issue a credit note"],
  "bo.billing.credit_hint": [
    "L'avoir annule tout ce qui reste de la facture, ou les quantités choisies ligne par ligne ; il reçoit son propre numéro légal.",
    "The credit note cancels all that remains of the invoice, or the quantities chosen line by line; it takes a legal number of its own.",
  ],
  "bo.billing.credit_reason": ["Motif de l'avoir", "Reason for the credit note"],
  "bo.billing.credit_scope": ["Ce que l'avoir annule", "What the credit note cancels"],
  "bo.billing.credit_all": ["Tout ce qui reste de la facture", "All that remains of the invoice"],
  "bo.billing.credit_some": ["Certaines lignes, en partie ou en entier", "Some lines, in part or whole"],
  "bo.billing.credit_line_days": [
    "{label} : jours à créditer (au plus {max})",
    "{label}: days to credit (at most {max})",
  ],
  "bo.billing.credit_line_units": [
    "{label} : quantité à créditer (au plus {max})",
    "{label}: quantity to credit (at most {max})",
  ],
  "bo.billing.credit_line_done": ["{label} : déjà entièrement créditée.", "{label}: already fully credited."],
  "bo.billing.credit_text_lines": [
    "L'avoir prend le prochain numéro légal d'avoir et annule {amount} HT de la facture {number} ({lines}). Il ne pourra pas être retiré.",
    "The credit note takes the next legal credit note number and cancels {amount} excl. VAT of invoice {number} ({lines}). It cannot be withdrawn.",
  ],
  "bo.billing.check.credit_none": [
    "Indiquez au moins une quantité à créditer.",
    "Give at least one quantity to credit.",
  ],
  "bo.billing.check.credit_max": [
    "Au plus {max}, ce qui reste de cette ligne.",
    "At most {max}, what remains of this line.",
  ],
  "bo.dir.err.too_large": [
    "Au-delà de ce qui reste à créditer sur cette ligne.",
    "More than what remains to credit on this line.",
  ],
  "bo.billing.purchase_order": ["Bon de commande", "Purchase order"],
  "bo.billing.buyer_reference": ["Référence acheteur", "Buyer reference"],
  "bo.billing.credit_save": ["Émettre l'avoir…", "Issue the credit note…"],
  "bo.billing.credit_title": ["Émettre un avoir ?", "Issue a credit note?"],
  "bo.billing.credit_text": [
    "L'avoir reçoit le prochain numéro légal des avoirs et annule {amount} de la facture {number}. Il ne pourra pas être retiré.",
    "The credit note takes the next legal credit note number and cancels {amount} of invoice {number}. It cannot be withdrawn.",
  ],
  "bo.billing.credit_confirm": ["Émettre l'avoir", "Issue the credit note"],
  "bo.billing.credited_done": ["Avoir {number} émis.", "Credit note {number} issued."],
  "bo.billing.settled_note": [
    "Cette facture est soldée : ni paiement ni avoir à enregistrer.",
    "This invoice is settled: no payment or credit note to record.",
  ],
  // Milestones and expenses.
  "bo.billing.milestones": ["Jalons au forfait", "Fixed-price milestones"],
  "bo.billing.milestones_hint": [
    "Un jalon livré crée sa pré-facture (un jalon déjà livré ouvre la sienne).",
    "A delivered milestone creates its pre-invoice (one already delivered opens its own).",
  ],
  "bo.billing.no_milestones": ["Aucune mission au forfait.", "No fixed-price mission."],
  "bo.billing.milestone": ["{label} : {amount}, prévu le {date}", "{label}: {amount}, due {date}"],
  "bo.billing.delivered_on": ["Livré le", "Delivered on"],
  "bo.billing.deliver": ["Marquer livré", "Mark delivered"],
  "bo.billing.delivered_done": [
    "Jalon « {label} » livré : sa pré-facture est ouverte.",
    "Milestone “{label}” delivered: its pre-invoice is open.",
  ],
  "bo.billing.expense": ["Saisir une dépense", "Record an expense"],
  "bo.billing.expense_hint": [
    "Une dépense refacturée rejoint la pré-facture du mois de la mission ; son justificatif s'y consulte.",
    "A re-billed expense joins the mission's pre-invoice of its month; its receipt is viewed there.",
  ],
  "bo.billing.mission": ["Mission", "Mission"],
  "bo.billing.spent_on": ["Date", "Date"],
  "bo.billing.category": [
    "Catégorie (transport, repas, hôtel…)",
    "Category (travel, meals, hotel…)",
  ],
  "bo.billing.label": ["Libellé", "Label"],
  "bo.billing.amount_ht": ["Montant HT (€)", "Amount excl. VAT (€)"],
  "bo.billing.vat_paid": ["TVA payée (€)", "VAT paid (€)"],
  "bo.billing.rebill": ["Refacturée au client", "Re-billed to the client"],
  "bo.billing.receipt_file": ["Justificatif (image ou PDF)", "Receipt (image or PDF)"],
  "bo.billing.expense_save": ["Enregistrer la dépense", "Record the expense"],
  "bo.billing.expense_done": ["Dépense enregistrée.", "Expense recorded."],
  // Refusals the page finds before sending.
  "bo.billing.check.amount": [
    "Écrivez un montant en euros, par exemple 1 234,50.",
    "Write an amount in euros, for example 1 234,50.",
  ],
  "bo.billing.check.above_remaining": [
    "Le paiement dépasse le reste dû ({amount}).",
    "The payment is more than what is still due ({amount}).",
  ],
  "bo.billing.check.days": [
    "Écrivez un nombre de jours entier ou en demi-journées, par exemple 21,5.",
    "Write a whole or half number of days, for example 21.5.",
  ],
  "bo.billing.check.units": ["Écrivez un nombre entier.", "Write a whole number."],
  "bo.billing.check.change": [
    "Changez la quantité, le prix, ou les deux.",
    "Change the quantity, the price, or both.",
  ],
  "bo.billing.check.one_of": [
    "Donnez un pourcentage ou un montant, pas les deux.",
    "Give a percentage or an amount, not both.",
  ],
  "bo.billing.check.percent": [
    "Un pourcentage entre 0,01 et 100, par exemple 5 ou 2,5.",
    "A percentage between 0.01 and 100, for example 5 or 2.5.",
  ],
  "bo.billing.check.reason": [
    "Dites pourquoi, en 3 caractères au moins.",
    "Say why, in 3 characters at least.",
  ],
  "bo.billing.check.required": ["À remplir.", "Required."],
  "bo.billing.check.too_large": ["Le fichier dépasse 5 Mo.", "The file is larger than 5 MB."],
  // The server's refusals, by field and code.
  "bo.billing.err.amount_cents.out_of_range": [
    "Le montant dépasse ce qui reste (ou n'est pas positif).",
    "The amount is more than what remains (or is not positive).",
  ],
  "bo.billing.err.amount_cents.fully_credited": [
    "Cette facture est entièrement annulée par avoir : rien n'est dû.",
    "This invoice is fully cancelled by credit notes: nothing is owed.",
  ],
  "bo.billing.err.amount_cents.invalid": [
    "Un montant positif, en euros.",
    "A positive amount, in euros.",
  ],
  "bo.billing.err.amount_cents.not_positive": [
    "Un montant positif, en euros.",
    "A positive amount, in euros.",
  ],
  "bo.billing.err.amount_cents.exclusive": [
    "Donnez un pourcentage ou un montant, pas les deux.",
    "Give a percentage or an amount, not both.",
  ],
  "bo.billing.err.paid_on.too_early": [
    "Un paiement ne peut pas précéder la date d'émission de la facture.",
    "A payment cannot come before the invoice's issue date.",
  ],
  "bo.billing.err.paid_on.invalid": ["Choisissez une date.", "Choose a date."],
  "bo.billing.err.reason.invalid": [
    "Dites pourquoi, en 3 caractères au moins (500 au plus).",
    "Say why, in 3 characters at least (500 at most).",
  ],
  "bo.billing.err.reason.required": [
    "Dites pourquoi, en 3 caractères au moins.",
    "Say why, in 3 characters at least.",
  ],
  "bo.billing.err.quantity.required": [
    "Changez la quantité, le prix, ou les deux.",
    "Change the quantity, the price, or both.",
  ],
  "bo.billing.err.quantity.negative": [
    "Une quantité ne peut pas être négative.",
    "A quantity cannot be negative.",
  ],
  "bo.billing.err.quantity.invalid": [
    "Une quantité entre 0 et 100 000.",
    "A quantity from 0 to 100,000.",
  ],
  "bo.billing.err.unit_price_cents.not_positive": [
    "Un prix positif, en euros.",
    "A positive price, in euros.",
  ],
  "bo.billing.err.unit_price_cents.invalid": [
    "Un prix positif, en euros.",
    "A positive price, in euros.",
  ],
  "bo.billing.err.percent_bp.out_of_range": [
    "Un pourcentage entre 0,01 et 100.",
    "A percentage between 0.01 and 100.",
  ],
  "bo.billing.err.percent_bp.invalid": [
    "Un pourcentage entre 0,01 et 100.",
    "A percentage between 0.01 and 100.",
  ],
  "bo.billing.err.percent_bp.exclusive": [
    "Donnez un pourcentage ou un montant, pas les deux.",
    "Give a percentage or an amount, not both.",
  ],
  "bo.billing.err.discount.out_of_range": [
    "Une remise est positive et ne dépasse jamais la ligne qu'elle réduit.",
    "A discount is positive and never more than the line it reduces.",
  ],
  "bo.billing.err.line_key.unknown": [
    "Cette ligne n'est plus sur la pré-facture.",
    "This line is no longer on the pre-invoice.",
  ],
  "bo.billing.err.lines.nothing_left": [
    "Cette facture est déjà entièrement annulée par avoir.",
    "This invoice is already fully cancelled by credit notes.",
  ],
  "bo.billing.err.category.required": [
    "Une catégorie, par exemple transport, repas, hôtel.",
    "A category, for example travel, meals, hotel.",
  ],
  "bo.billing.err.category.invalid": [
    "Une catégorie de 40 caractères au plus.",
    "A category of 40 characters at most.",
  ],
  "bo.billing.err.spent_on.invalid": ["Choisissez une date.", "Choose a date."],
  "bo.billing.err.delivered_on.invalid": ["Choisissez une date.", "Choose a date."],
  "bo.billing.err.vat_cents.invalid": ["Un montant de TVA en euros.", "A VAT amount in euros."],
  "bo.billing.err.receipt_base64.too_large": [
    "Le fichier dépasse 5 Mo.",
    "The file is larger than 5 MB.",
  ],
  "bo.billing.err.receipt_base64.invalid": [
    "Ce fichier n'a pas pu être lu.",
    "This file could not be read.",
  ],
  "bo.billing.err.position.unknown": [
    "Ce jalon n'existe plus sur la mission.",
    "This milestone is no longer on the mission.",
  ],
  // Why an invoice cannot be issued (field of the problem → text).
  "bo.billing.issue_err.seller.name": [
    "La raison sociale de votre organisation manque (onglet Organisation).",
    "Your organisation's legal name is missing (Organisation tab).",
  ],
  "bo.billing.issue_err.seller.address": [
    "L'adresse complète de votre organisation manque (profil de facturation).",
    "Your organisation's full address is missing (billing profile).",
  ],
  "bo.billing.issue_err.seller.siren": [
    "Le SIREN de votre organisation manque (onglet Organisation).",
    "Your organisation's SIREN is missing (Organisation tab).",
  ],
  "bo.billing.issue_err.seller.vat_number": [
    "Le numéro de TVA de votre organisation manque (onglet Organisation).",
    "Your organisation's VAT number is missing (Organisation tab).",
  ],
  "bo.billing.issue_err.buyer.name": [
    "La raison sociale du client manque (onglet Clients).",
    "The client's legal name is missing (Clients tab).",
  ],
  "bo.billing.issue_err.buyer.address": [
    "L'adresse complète du client manque (onglet Clients).",
    "The client's full address is missing (Clients tab).",
  ],
  "bo.billing.issue_err.buyer.siren": [
    "Le SIREN du client manque (onglet Clients).",
    "The client's SIREN is missing (Clients tab).",
  ],
  "bo.billing.issue_err.buyer.vat_number": [
    "Le numéro de TVA du client manque (onglet Clients).",
    "The client's VAT number is missing (Clients tab).",
  ],
  "bo.billing.issue_err.buyer.country_code": [
    "Le pays du client n'est pas encore pris en charge pour la facture électronique.",
    "The client's country is not supported for e-invoicing yet.",
  ],
  "bo.billing.issue_err.sources": [
    "Un CRA de cette pré-facture a été rouvert : elle sera recalculée à sa prochaine validation.",
    "A timesheet of this pre-invoice was reopened: it will be recomputed when validated again.",
  ],
  "bo.billing.issue_err.purchase_order": [
    "Les missions de cette pré-facture sont désormais facturées sous un autre bon de commande.",
    "This pre-invoice's missions are now billed under another purchase order.",
  ],
  "bo.billing.issue_err.lines": [
    "Il n'y a rien à facturer sur cette pré-facture.",
    "There is nothing to bill on this pre-invoice.",
  ],
  "bo.billing.issue_err.already": [
    "Cette facture est déjà émise : corrigez-la par un avoir.",
    "This invoice is already issued: correct it with a credit note.",
  ],
};
addStrings(STRINGS);

/**
 * @typedef {{id: string, key: string, kind: string, label: string, description: string,
 *   quantity: number, unit: "half_day" | "unit", unit_price_cents: number, vat_rate_bp: number,
 *   net_cents: number, credits_line_id?: string | null}} Line
 * @typedef {{id: string, kind: "invoice" | "credit_note", status: "draft" | "issued" | "paid",
 *   number: string | null, client_id: string, client_name: string, period_start: string,
 *   period_end: string, issued_on: string | null, due_on: string | null, net_cents: number,
 *   vat_cents: number, gross_cents: number, paid_cents: number, credits_id: string | null,
 *   reason: string, warnings: Array<{code: string, field?: string, blocking: boolean,
 *   message: string}>, sources: Array<Record<string, any>>, lines: Line[],
 *   payments: Array<{paid_on: string, amount_cents: number}>, purchase_order?: string,
 *   buyer_reference?: string}} Invoice
 */

const MAX_RECEIPT_BYTES = 5_000_000;

/** @param {string} iso */
const day = (iso) => formatDate(iso, { dateStyle: "medium" });
/** @param {number} halfDays */
const days = (halfDays) => t("bo.billing.days", { n: formatDays(halfDays) });
/** @param {HTMLElement} input */
const value = (input) => /** @type {HTMLInputElement} */ (input).value.trim();

/** Today on this device's calendar, as an ISO date. */
function today() {
  const now = new Date();
  const two = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
}

/**
 * What the credit notes of `invoice` cancel (their totals incl. VAT).
 * @param {Invoice} invoice
 * @param {Invoice[]} all
 */
export function creditedCents(invoice, all) {
  return all
    .filter((i) => i.kind === "credit_note" && i.credits_id === invoice.id && i.number)
    .reduce((sum, note) => sum + note.gross_cents, 0);
}

/**
 * The state a person reads: draft, issued, partly paid, paid, (partly) credited, credit note.
 * @param {Invoice} invoice
 * @param {Invoice[]} all
 */
export function stateOf(invoice, all) {
  if (invoice.kind === "credit_note") return "credit_note";
  if (invoice.status === "draft") return "draft";
  if (invoice.status === "paid") return "paid";
  const credited = creditedCents(invoice, all);
  if (credited >= invoice.gross_cents) return "credited";
  if (invoice.paid_cents > 0) return "partly_paid";
  return credited > 0 ? "partly_credited" : "issued";
}

/**
 * A modal question with two answers (native <dialog>: focus stays inside, Escape cancels).
 * @param {{heading: string, text: string, confirm: string, testid: string}} spec
 * @returns {Promise<boolean>}
 */
function confirmDialog({ heading, text, confirm, testid }) {
  return new Promise((resolve) => {
    const opener = /** @type {HTMLElement | null} */ (document.activeElement);
    const dialog = /** @type {HTMLDialogElement} */ (
      h("dialog", {
        class: "sheet",
        "aria-labelledby": "bo-billing-dialog-h",
        "data-testid": testid,
      })
    );
    let answer = false;
    const yes = h(
      "button",
      { type: "button", class: "primary", onclick: () => ((answer = true), dialog.close()) },
      confirm,
    );
    dialog.append(
      h(
        "div",
        { class: "stack" },
        h("h2", { id: "bo-billing-dialog-h" }, heading),
        h("p", {}, text),
        h(
          "div",
          { class: "actions" },
          h(
            "button",
            { type: "button", class: "secondary", onclick: () => dialog.close() },
            t("bo.billing.cancel"),
          ),
          yes,
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      opener?.focus?.();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    yes.focus();
  });
}

/** @param {File} file @returns {Promise<string>} */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * A form of the tab: heading, top error box, fields, a submit button and a status line; the
 * submit handler gets the form's parts, refusals from the server land next to their inputs.
 * @param {{id: string, heading: string, hint?: string, button: string,
 *   fields: HTMLElement[], inputs: Record<string, HTMLElement>,
 *   submit: (parts: {status: HTMLElement}) => Promise<void>}} spec
 */
function billingForm(spec) {
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
      spec.hint ? h("p", { class: "muted" }, spec.hint) : null,
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
    status.hidden = true;
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    try {
      await spec.submit({ status });
    } catch (error) {
      if (error instanceof Refused) error.input.focus();
      else
        showRefusal(error, {
          form,
          box,
          prefix: "bo.billing",
          inputFor: (name) => spec.inputs[name] ?? null,
        });
    } finally {
      form.setAttribute("aria-busy", "false");
      submit.setAttribute("aria-disabled", "false");
    }
  });
  return form;
}

/** A refusal found before sending, already shown next to its input. */
class Refused extends Error {
  /** @param {HTMLElement} input @param {string} message */
  constructor(input, message) {
    super(message);
    this.input = input;
    setFieldError(input, message);
  }
}

/**
 * An amount field's value in cents, or a refusal next to it.
 * @param {HTMLElement} input
 * @param {{optional?: boolean}} [options]
 * @returns {number | null}
 */
function centsOf(input, { optional = false } = {}) {
  const text = value(input);
  if (!text && optional) return null;
  const cents = parseHundredths(text);
  if (cents === null || cents <= 0) throw new Refused(input, t("bo.billing.check.amount"));
  return cents;
}

/** @param {HTMLElement} input */
function reasonOf(input) {
  const text = value(input);
  if (text.length < 3) throw new Refused(input, t("bo.billing.check.reason"));
  return text;
}

/**
 * A percentage field's value in basis points ("2,5" → 250), null when empty.
 * @param {HTMLElement} input
 */
function basisPointsOf(input) {
  const text = value(input);
  if (!text) return null;
  const bp = parseHundredths(text.replace(/%$/u, ""));
  if (bp === null || bp <= 0 || bp > 10_000)
    throw new Refused(input, t("bo.billing.check.percent"));
  return bp;
}

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  const sheet = "/js/online/backoffice/billing.css";
  if (!document.querySelector(`link[href="${sheet}"]`))
    document.head.append(h("link", { rel: "stylesheet", href: sheet }));

  /** @type {Invoice[]} */
  let invoices = [];
  /** @type {Array<Record<string, any>>} */
  let missions = [];
  const view = h("div", { class: "stack", "data-testid": "billing" });
  container.replaceChildren(view);

  /**
   * A read that failed (offline, most often): said at the top of the tab, what is drawn kept.
   * @param {unknown} error
   */
  function failed(error) {
    view.querySelector('[data-testid="billing-failed"]')?.remove();
    const text =
      error instanceof ApiError && error.status === 0
        ? t("bo.billing.offline")
        : t("bo.dir.failed", {
            reason: error instanceof ApiError ? error.detail || error.title : String(error),
          });
    const alert = h("p", { class: "error", role: "alert", "data-testid": "billing-failed" }, text);
    view.prepend(alert);
    alert.scrollIntoView({ block: "nearest" });
  }

  /**
   * Replace what the tab shows; the parts a state leaves out (null, false) are skipped.
   * @param {...(Node | null | undefined | false)} parts
   */
  function present(...parts) {
    view.replaceChildren(.../** @type {Node[]} */ (parts.filter(Boolean)));
  }

  async function load() {
    [invoices, missions] = await Promise.all([
      request("GET", "/invoices"),
      missions.length ? Promise.resolve(missions) : request("GET", "/missions"),
    ]);
  }

  /**
   * A legal number once issued; before, the client and the period in words ("décembre 2026",
   * or the two days when the period is not one month).
   * @param {Invoice} invoice
   */
  const titleOf = (invoice) =>
    invoice.number ??
    t("bo.billing.preinvoice", {
      client: invoice.client_name,
      period:
        invoice.period_start.slice(0, 7) === invoice.period_end.slice(0, 7)
          ? formatMonthName(invoice.period_start.slice(0, 7))
          : `${day(invoice.period_start)} – ${day(invoice.period_end)}`,
    });

  // ---- the overview ------------------------------------------------------------------------

  /**
   * @param {string} id
   * @param {string} heading
   * @param {Invoice[]} items
   */
  function listSection(id, heading, items) {
    const list = h("ul", { class: "bo-list bo-invoices", "data-testid": `billing-${id}` });
    for (const invoice of items) {
      const state = stateOf(invoice, invoices);
      list.append(
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "bo-invoice",
              "data-period": invoice.period_start.slice(0, 7),
              onclick: () => openInvoice(invoice.id).catch(failed),
            },
            h("span", { class: "bo-invoice-name" }, titleOf(invoice)),
            h("span", { class: "muted bo-invoice-client" }, invoice.client_name),
            h("span", { class: "bo-amount" }, formatEuros(invoice.gross_cents)),
            h("span", { class: `badge bo-state-${state}` }, t(`bo.billing.state.${state}`)),
          ),
        ),
      );
    }
    if (!items.length) list.append(h("li", { class: "muted" }, t("bo.billing.none")));
    return h(
      "section",
      { class: "card stack", "aria-labelledby": `billing-${id}-h` },
      h("h3", { id: `billing-${id}-h` }, heading),
      list,
    );
  }

  /** @param {string} [message] a success to show above the lists */
  function drawOverview(message = "") {
    const settled = new Set(["paid", "credited"]);
    const byState = (/** @type {Invoice} */ i) => stateOf(i, invoices);
    const drafts = invoices.filter((i) => byState(i) === "draft");
    const open = invoices.filter(
      (i) => !["draft", "credit_note"].includes(byState(i)) && !settled.has(byState(i)),
    );
    const closed = invoices.filter((i) => settled.has(byState(i)) || byState(i) === "credit_note");
    // Through present(): the DOM's replaceChildren would write a null as the text "null".
    present(
      h("h2", { id: "billing-heading", tabindex: "-1" }, t("bo.billing.heading")),
      h("p", { class: "muted" }, t("bo.billing.intro")),
      // Shown, and said once through the app's live region (announce), not a second one here.
      message ? h("p", { class: "notice", "data-testid": "billing-status" }, message) : null,
      listSection("drafts", t("bo.billing.drafts"), drafts),
      listSection("issued", t("bo.billing.issued"), open),
      listSection("settled", t("bo.billing.settled"), closed),
      milestonesSection(),
      expenseForm(),
      firmCostsSection(),
    );
  }

  // ---- one invoice -------------------------------------------------------------------------

  /**
   * @param {string} id
   * @param {string} [message] a success to show at the top
   */
  async function openInvoice(id, message = "") {
    const invoice = /** @type {Invoice} */ (await request("GET", `/invoices/${id}`));
    const index = invoices.findIndex((i) => i.id === id);
    if (index >= 0) invoices[index] = invoice;
    else invoices.push(invoice);
    drawInvoice(invoice, message);
  }

  /** Reload every invoice (states depend on each other), then show `id` again. */
  async function reopen(/** @type {string} */ id, /** @type {string} */ message) {
    await load();
    await openInvoice(id, message);
    announce(message);
  }

  /**
   * @param {Invoice} invoice
   * @param {string} message
   */
  function drawInvoice(invoice, message) {
    const state = stateOf(invoice, invoices);
    const credited = creditedCents(invoice, invoices);
    // What the client still owes: the total less payments and what credit notes cancelled
    // (the server's bound for a payment, and the dashboard's receivable).
    const remaining = Math.max(invoice.gross_cents - invoice.paid_cents - credited, 0);
    const back = h(
      "button",
      {
        type: "button",
        class: "secondary small",
        "data-testid": "billing-back",
        onclick: async () => {
          try {
            await load();
          } catch (error) {
            failed(error);
            return;
          }
          drawOverview();
          document.getElementById("billing-heading")?.focus();
        },
      },
      t("bo.billing.back"),
    );
    const fact = (/** @type {string} */ key, /** @type {string} */ text) =>
      h("div", {}, h("dt", {}, t(key)), h("dd", {}, text));
    const original = invoice.credits_id ? invoices.find((i) => i.id === invoice.credits_id) : null;
    const facts = h(
      "dl",
      { class: "bo-facts" },
      fact("bo.billing.client", invoice.client_name),
      fact(
        "bo.billing.period",
        t("bo.billing.period_value", {
          start: day(invoice.period_start),
          end: day(invoice.period_end),
        }),
      ),
      invoice.issued_on ? fact("bo.billing.issued_on", day(invoice.issued_on)) : null,
      invoice.due_on && invoice.kind === "invoice"
        ? fact("bo.billing.due_on", day(invoice.due_on))
        : null,
      fact("bo.billing.state", t(`bo.billing.state.${state}`)),
      original ? fact("bo.billing.credits", original.number ?? "") : null,
      invoice.purchase_order ? fact("bo.billing.purchase_order", invoice.purchase_order) : null,
      invoice.buyer_reference ? fact("bo.billing.buyer_reference", invoice.buyer_reference) : null,
      invoice.reason ? fact("bo.billing.reason_shown", invoice.reason) : null,
    );
    const warnings = invoice.warnings.map((w) =>
      h("p", { class: w.blocking ? "error" : "notice warn" }, w.message),
    );
    const totals = h(
      "dl",
      { class: "bo-totals", "data-testid": "billing-totals" },
      fact("bo.billing.net", formatEuros(invoice.net_cents)),
      fact("bo.billing.vat", formatEuros(invoice.vat_cents)),
      fact("bo.billing.gross", formatEuros(invoice.gross_cents)),
      invoice.kind === "invoice" && invoice.status !== "draft"
        ? [
            fact("bo.billing.paid", formatEuros(invoice.paid_cents)),
            credited ? fact("bo.billing.credited", formatEuros(credited)) : null,
            fact("bo.billing.remaining", formatEuros(remaining)),
          ]
        : null,
    );
    const sources = invoice.sources.length
      ? h(
          "section",
          { "aria-labelledby": "billing-sources-h" },
          h("h3", { id: "billing-sources-h" }, t("bo.billing.sources")),
          h(
            "ul",
            { class: "bo-list" },
            ...invoice.sources.map((s) =>
              h(
                "li",
                {},
                t("bo.billing.source", {
                  consultant: s.consultant,
                  month: formatMonthName(s.month),
                  days: days(s.half_days),
                  status: tOr(`status.${s.status}`) ?? s.status,
                  ref: String(s.timesheet_id).slice(0, 8),
                }),
              ),
            ),
          ),
        )
      : null;
    const status = h(
      "p",
      { class: "notice", "data-testid": "billing-status", hidden: !message },
      message,
    );
    present(
      back,
      h(
        "h2",
        { id: "billing-heading", tabindex: "-1", "data-testid": "billing-invoice-title" },
        titleOf(invoice),
      ),
      status,
      facts,
      ...warnings,
      linesTable(invoice),
      totals,
      sources,
      ...actions(invoice, state, remaining),
    );
    /** @type {HTMLElement} */ (view.querySelector("#billing-heading")).focus();
  }

  /** @param {Invoice} invoice */
  function linesTable(invoice) {
    const rows = invoice.lines.map((line) => {
      const expense = line.key.startsWith("expense:") ? line.key.slice("expense:".length) : "";
      const note = h("p", { class: "field-error", hidden: true });
      const receipt = expense
        ? h(
            "button",
            {
              type: "button",
              class: "secondary small",
              "data-testid": "billing-receipt",
              onclick: async () => {
                note.hidden = true;
                try {
                  await saveDownload(
                    await request("GET", `/expenses/${expense}/receipt`),
                    "justificatif",
                  );
                } catch (error) {
                  note.textContent =
                    error instanceof ApiError && error.status === 404
                      ? t("bo.billing.no_receipt")
                      : t("bo.dir.failed", { reason: String(error) });
                  note.hidden = false;
                }
              },
            },
            t("bo.billing.receipt"),
          )
        : null;
      return h(
        "tr",
        {},
        h(
          "td",
          { "data-label": t("bo.billing.col.label") },
          h("span", {}, line.label),
          line.description ? h("small", { class: "muted" }, line.description) : null,
          receipt,
          note,
        ),
        h(
          "td",
          { class: "n", "data-label": t("bo.billing.col.quantity") },
          line.unit === "half_day" ? days(Math.abs(line.quantity)) : String(line.quantity),
        ),
        h(
          "td",
          { class: "n", "data-label": t("bo.billing.col.price") },
          formatEuros(line.unit_price_cents),
        ),
        h(
          "td",
          { class: "n", "data-label": t("bo.billing.col.vat") },
          `${String(line.vat_rate_bp / 100).replace(".", ",")} %`,
        ),
        h("td", { class: "n", "data-label": t("bo.billing.col.net") }, formatEuros(line.net_cents)),
      );
    });
    return h(
      "table",
      { class: "bo-lines", "data-testid": "billing-lines" },
      h("caption", { class: "visually-hidden" }, t("bo.billing.lines")),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["label", "quantity", "price", "vat", "net"].map((c) =>
            h("th", { scope: "col", class: c === "label" ? "" : "n" }, t(`bo.billing.col.${c}`)),
          ),
        ),
      ),
      h("tbody", {}, ...rows),
    );
  }

  /**
   * What can be done with the invoice now.
   * @param {Invoice} invoice
   * @param {string} state
   * @param {number} remaining
   * @returns {Array<HTMLElement | null>}
   */
  function actions(invoice, state, remaining) {
    if (invoice.status === "draft") {
      const monthly = !invoice.lines.some((l) => l.key.startsWith("milestone:"));
      return [
        issueBlock(invoice),
        adjustForm(invoice),
        monthly ? lineDiscountForm(invoice) : null,
        monthly ? invoiceDiscountForm(invoice) : null,
      ];
    }
    const out = [pdfBlock(invoice)];
    if (invoice.kind === "invoice") {
      if (invoice.payments.length) out.push(paymentsList(invoice));
      if (state === "paid" || state === "credited" || remaining === 0)
        out.push(
          h(
            "p",
            { class: "notice", "data-testid": "billing-settled-note" },
            t("bo.billing.settled_note"),
          ),
        );
      else {
        if (remaining > 0) out.push(paymentForm(invoice, remaining));
        out.push(creditForm(invoice));
      }
    }
    return out;
  }

  /** @param {Invoice} invoice */
  function issueBlock(invoice) {
    const box = h("div", {
      class: "error",
      role: "alert",
      tabindex: "-1",
      hidden: true,
      "data-testid": "billing-issue-error",
    });
    const blocking = invoice.warnings.filter((w) => w.blocking);
    const button = h(
      "button",
      {
        type: "button",
        class: "primary",
        "data-testid": "billing-issue",
        onclick: async () => {
          box.hidden = true;
          const ok = await confirmDialog({
            heading: t("bo.billing.issue_title"),
            text: t("bo.billing.issue_text", { gross: formatEuros(invoice.gross_cents) }),
            confirm: t("bo.billing.issue_confirm"),
            testid: "billing-issue-dialog",
          });
          if (!ok) return;
          button.setAttribute("aria-disabled", "true");
          try {
            const issued = await request("POST", `/invoices/${invoice.id}/issue`);
            await reopen(invoice.id, t("bo.billing.issued_done", { number: issued.number }));
          } catch (error) {
            box.replaceChildren(...issueRefusal(error).map((text) => h("p", {}, text)));
            box.hidden = false;
            box.focus();
          } finally {
            button.setAttribute("aria-disabled", "false");
          }
        },
      },
      t("bo.billing.issue"),
    );
    return h(
      "div",
      { class: "card stack" },
      blocking.length ? h("p", { class: "error" }, t("bo.billing.blocking")) : null,
      box,
      h("div", { class: "actions" }, button),
    );
  }

  /**
   * Why issuing was refused, in words: the missing identity's field, the reopened CRA, the
   * pre-invoice's own blocking warnings (their texts are French already).
   * @param {unknown} error
   * @returns {string[]}
   */
  function issueRefusal(error) {
    if (!(error instanceof ApiError)) return [String(error)];
    if (error.status === 0) return [t("bo.dir.offline")];
    if (error.status === 401 || error.status === 403) return [t("bo.dir.forbidden")];
    if (!error.errors.length && error.code === "not_issuable")
      return [t("bo.billing.issue_err.already")];
    if (!error.errors.length) return [t("bo.dir.failed", { reason: error.detail || error.title })];
    return error.errors.map(
      (e) =>
        tOr(`bo.billing.issue_err.${e.field}`) ??
        tOr(`bo.billing.issue_err.${e.field.split(".")[0]}`) ??
        e.message,
    );
  }

  /** @param {Invoice} invoice */
  function pdfBlock(invoice) {
    const status = h("p", { class: "notice", role: "status", hidden: true });
    const note = h("p", { class: "field-error", hidden: true });
    const button = h(
      "button",
      {
        type: "button",
        class: "secondary",
        "data-testid": "billing-pdf",
        onclick: async () => {
          note.hidden = true;
          try {
            const name = await saveDownload(
              await request("GET", `/invoices/${invoice.id}/pdf`),
              `${invoice.number}.pdf`,
            );
            status.textContent = t("bo.billing.pdf_done", { name });
            status.hidden = false;
          } catch (error) {
            note.textContent =
              error instanceof ApiError && error.status === 0
                ? t("bo.dir.offline")
                : t("bo.dir.failed", { reason: String(error) });
            note.hidden = false;
          }
        },
      },
      t("bo.billing.pdf"),
    );
    return h("div", { class: "bo-download" }, button, note, status);
  }

  /** @param {Invoice} invoice */
  function paymentsList(invoice) {
    return h(
      "section",
      { "aria-labelledby": "billing-payments-h" },
      h("h3", { id: "billing-payments-h" }, t("bo.billing.payments")),
      h(
        "ul",
        { class: "bo-list", "data-testid": "billing-payments" },
        ...invoice.payments.map((p) =>
          h(
            "li",
            {},
            t("bo.billing.payment_row", {
              date: day(p.paid_on),
              amount: formatEuros(p.amount_cents),
            }),
          ),
        ),
      ),
    );
  }

  /**
   * @param {Invoice} invoice
   * @param {number} remaining
   */
  function paymentForm(invoice, remaining) {
    const issuedOn = invoice.issued_on ?? "";
    const inputs = {
      paid_on: h("input", {
        type: "date",
        value: issuedOn > today() ? issuedOn : today(),
        min: issuedOn,
      }),
      amount_cents: h("input", {
        type: "text",
        inputmode: "decimal",
        autocomplete: "off",
        value: euroInput(remaining),
      }),
    };
    inputs.amount_cents.setAttribute("aria-describedby", "billing-pay-amount-hint");
    return billingForm({
      id: "billing-pay",
      heading: t("bo.billing.pay"),
      button: t("bo.billing.pay_save"),
      inputs,
      fields: [
        h(
          "div",
          { class: "row2" },
          field("billing-pay-date", t("bo.billing.pay_date"), inputs.paid_on),
          field("billing-pay-amount", t("bo.billing.pay_amount"), inputs.amount_cents, {
            hint: t("bo.billing.pay_hint", { amount: formatEuros(remaining) }),
          }),
        ),
      ],
      submit: async () => {
        const cents = /** @type {number} */ (centsOf(inputs.amount_cents));
        if (cents > remaining)
          throw new Refused(
            inputs.amount_cents,
            t("bo.billing.check.above_remaining", { amount: formatEuros(remaining) }),
          );
        if (!value(inputs.paid_on))
          throw new Refused(inputs.paid_on, t("bo.billing.check.required"));
        await request("POST", `/invoices/${invoice.id}/payments`, {
          paid_on: value(inputs.paid_on),
          amount_cents: cents,
        });
        await reopen(
          invoice.id,
          t("bo.billing.paid_done", {
            amount: formatEuros(cents),
            remaining: formatEuros(Math.max(remaining - cents, 0)),
          }),
        );
      },
    });
  }

  /**
   * What remains to credit of each line of `invoice` (its issued credit notes' lines subtracted).
   * @param {Invoice} invoice
   * @returns {Map<string, number>}
   */
  function creditableOf(invoice) {
    const left = new Map(invoice.lines.map((l) => [l.id, Math.abs(l.quantity)]));
    for (const note of invoices) {
      if (note.kind !== "credit_note" || note.credits_id !== invoice.id || !note.number) continue;
      for (const line of note.lines) {
        const id = line.credits_line_id;
        if (id && left.has(id)) left.set(id, Math.max((left.get(id) ?? 0) - Math.abs(line.quantity), 0));
      }
    }
    return left;
  }

  /** @param {Invoice} invoice */
  function creditForm(invoice) {
    const left = creditableOf(invoice);
    /** @type {Record<string, HTMLElement>} */
    const inputs = { reason: h("input", { type: "text", maxlength: 500, autocomplete: "off" }) };
    const scopeName = `billing-credit-scope-${invoice.id.slice(0, 8)}`;
    const all = /** @type {HTMLInputElement} */ (
      h("input", { type: "radio", name: scopeName, value: "all", checked: true, id: "billing-credit-all" })
    );
    const some = /** @type {HTMLInputElement} */ (
      h("input", { type: "radio", name: scopeName, value: "some", id: "billing-credit-some" })
    );
    /** @param {{unit: string}} line @param {number} q */
    const shown = (line, q) => (line.unit === "half_day" ? formatDays(q) : String(q));
    const rows = invoice.lines.map((line) => {
      const max = left.get(line.id) ?? 0;
      if (max === 0)
        return h("p", { class: "muted" }, t("bo.billing.credit_line_done", { label: line.label }));
      const input = h("input", {
        type: "text",
        inputmode: "decimal",
        autocomplete: "off",
        "data-testid": "billing-credit-quantity",
        "data-line": line.id,
      });
      inputs[`lines.${line.id}`] = input;
      const label = t(line.unit === "half_day" ? "bo.billing.credit_line_days" : "bo.billing.credit_line_units", {
        label: line.label,
        max: shown(line, max),
      });
      return field(`billing-credit-line-${line.id.slice(0, 8)}`, label, input, { optional: true });
    });
    const lineBox = h("div", { class: "stack", "data-testid": "billing-credit-lines", hidden: true }, ...rows);
    const toggle = () => {
      lineBox.hidden = !some.checked;
    };
    all.addEventListener("change", toggle);
    some.addEventListener("change", toggle);
    const scope = h(
      "fieldset",
      { class: "stack" },
      h("legend", {}, t("bo.billing.credit_scope")),
      h("label", { for: "billing-credit-all" }, all, " ", t("bo.billing.credit_all")),
      h("label", { for: "billing-credit-some" }, some, " ", t("bo.billing.credit_some")),
    );

    /** The quantities typed, each checked against what remains of its line. */
    function requested() {
      /** @type {{line_id: string, quantity: number}[]} */
      const out = [];
      let amount = 0;
      for (const line of invoice.lines) {
        const input = inputs[`lines.${line.id}`];
        if (!input || !value(input)) continue;
        const max = left.get(line.id) ?? 0;
        const quantity =
          line.unit === "half_day"
            ? parseHalfDays(value(input))
            : /^\d+$/.test(value(input))
              ? Number(value(input))
              : null;
        if (quantity === null || quantity <= 0)
          throw new Refused(
            input,
            t(line.unit === "half_day" ? "bo.billing.check.days" : "bo.billing.check.units"),
          );
        if (quantity > max)
          throw new Refused(input, t("bo.billing.check.credit_max", { max: shown(line, max) }));
        out.push({ line_id: line.id, quantity });
        const per = line.unit === "half_day" ? 2 : 1;
        amount += Math.round((quantity * Math.abs(line.unit_price_cents)) / per) * Math.sign(line.net_cents || 1);
      }
      if (!out.length) {
        const first = Object.keys(inputs).find((k) => k.startsWith("lines."));
        throw new Refused(first ? inputs[first] : inputs.reason, t("bo.billing.check.credit_none"));
      }
      return { lines: out, amount };
    }

    return billingForm({
      id: "billing-credit",
      heading: t("bo.billing.credit"),
      hint: t("bo.billing.credit_hint"),
      button: t("bo.billing.credit_save"),
      inputs,
      fields: [
        field("billing-credit-reason", t("bo.billing.credit_reason"), inputs.reason),
        scope,
        lineBox,
      ],
      submit: async () => {
        const reason = reasonOf(inputs.reason);
        const partial = some.checked ? requested() : null;
        const text = partial
          ? t("bo.billing.credit_text_lines", {
              amount: formatEuros(partial.amount),
              number: invoice.number ?? "",
              lines: partial.lines
                .map((x) => {
                  const line = invoice.lines.find((l) => l.id === x.line_id);
                  return line ? `${line.label} × ${shown(line, x.quantity)}` : "";
                })
                .join(" ; "),
            })
          : t("bo.billing.credit_text", {
              amount: formatEuros(invoice.gross_cents - creditedCents(invoice, invoices)),
              number: invoice.number ?? "",
            });
        const ok = await confirmDialog({
          heading: t("bo.billing.credit_title"),
          text,
          confirm: t("bo.billing.credit_confirm"),
          testid: "billing-credit-dialog",
        });
        if (!ok) return;
        const body = partial ? { reason, lines: partial.lines } : { reason };
        const note = await request("POST", `/invoices/${invoice.id}/credit-notes`, body);
        await reopen(invoice.id, t("bo.billing.credited_done", { number: note.number }));
      },
    });
  }

  /**
   * A select of the pre-invoice's billed lines (not its discounts).
   * @param {Invoice} invoice
   */
  function lineSelect(invoice) {
    return h(
      "select",
      {},
      ...invoice.lines
        .filter((l) => l.kind !== "discount")
        .map((l) => h("option", { value: l.key }, l.label)),
    );
  }

  /** @param {Invoice} invoice */
  function adjustForm(invoice) {
    if (!invoice.lines.some((l) => l.kind !== "discount")) return null;
    const inputs = {
      line_key: lineSelect(invoice),
      quantity: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
      unit_price_cents: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
      reason: h("input", { type: "text", maxlength: 500, autocomplete: "off" }),
    };
    const lineOf = () => invoice.lines.find((l) => l.key === value(inputs.line_key));
    const quantityLabel = h("span", {});
    const labelQuantity = () => {
      quantityLabel.textContent = t(
        lineOf()?.unit === "half_day" ? "bo.billing.quantity_days" : "bo.billing.quantity_units",
      );
    };
    inputs.line_key.addEventListener("change", labelQuantity);
    labelQuantity();
    const quantityField = field("billing-adjust-quantity", "", inputs.quantity, { optional: true });
    quantityField.querySelector("label")?.prepend(quantityLabel);
    return billingForm({
      id: "billing-adjust",
      heading: t("bo.billing.adjust"),
      button: t("bo.billing.adjust_save"),
      inputs,
      fields: [
        field("billing-adjust-line", t("bo.billing.line"), inputs.line_key),
        h(
          "div",
          { class: "row2" },
          quantityField,
          field("billing-adjust-price", t("bo.billing.unit_price"), inputs.unit_price_cents, {
            optional: true,
          }),
        ),
        field("billing-adjust-reason", t("bo.billing.reason"), inputs.reason),
      ],
      submit: async ({ status }) => {
        const line = lineOf();
        let quantity = null;
        if (value(inputs.quantity)) {
          if (line?.unit === "half_day") {
            quantity = parseHalfDays(value(inputs.quantity));
            if (quantity === null) throw new Refused(inputs.quantity, t("bo.billing.check.days"));
          } else {
            quantity = /^\d+$/u.test(value(inputs.quantity))
              ? Number(value(inputs.quantity))
              : null;
            if (quantity === null) throw new Refused(inputs.quantity, t("bo.billing.check.units"));
          }
        }
        const price = centsOf(inputs.unit_price_cents, { optional: true });
        if (quantity === null && price === null)
          throw new Refused(inputs.quantity, t("bo.billing.check.change"));
        const reason = reasonOf(inputs.reason);
        /** @type {Record<string, unknown>} */
        const body = { line_key: value(inputs.line_key), reason };
        if (quantity !== null) body.quantity = quantity;
        if (price !== null) body.unit_price_cents = price;
        await request("POST", `/invoices/${invoice.id}/adjustments`, body);
        status.hidden = true;
        await reopen(invoice.id, t("bo.billing.adjusted"));
      },
    });
  }

  /**
   * The percentage and amount pair of a discount: one of them, never both.
   * @param {HTMLElement} percent
   * @param {HTMLElement} amount
   */
  function discountOf(percent, amount) {
    const bp = basisPointsOf(percent);
    const cents = centsOf(amount, { optional: true });
    if (bp !== null && cents !== null) throw new Refused(amount, t("bo.billing.check.one_of"));
    return { percent_bp: bp, amount_cents: cents };
  }

  /** @param {Invoice} invoice */
  function lineDiscountForm(invoice) {
    if (!invoice.lines.some((l) => l.kind !== "discount")) return null;
    const inputs = {
      line_key: lineSelect(invoice),
      percent_bp: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
      amount_cents: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
      reason: h("input", { type: "text", maxlength: 500, autocomplete: "off" }),
    };
    // The server's "too large" refusal names the discount as a whole: show it by the amount.
    const all = { ...inputs, discount: inputs.amount_cents };
    return billingForm({
      id: "billing-line-discount",
      heading: t("bo.billing.line_discount"),
      button: t("bo.billing.line_discount_save"),
      inputs: all,
      fields: [
        field("billing-ld-line", t("bo.billing.line"), inputs.line_key),
        h(
          "div",
          { class: "row2" },
          field("billing-ld-percent", t("bo.billing.percent"), inputs.percent_bp, {
            optional: true,
          }),
          field("billing-ld-amount", t("bo.billing.amount_off"), inputs.amount_cents, {
            optional: true,
          }),
        ),
        field("billing-ld-reason", t("bo.billing.reason"), inputs.reason),
      ],
      submit: async () => {
        const discount = discountOf(inputs.percent_bp, inputs.amount_cents);
        if (discount.percent_bp === null && discount.amount_cents === null)
          throw new Refused(inputs.percent_bp, t("bo.billing.check.one_of"));
        const reason = reasonOf(inputs.reason);
        await request("POST", `/invoices/${invoice.id}/line-discounts`, {
          line_key: value(inputs.line_key),
          ...Object.fromEntries(Object.entries(discount).filter(([, v]) => v !== null)),
          reason,
        });
        await reopen(invoice.id, t("bo.billing.discounted"));
      },
    });
  }

  /** @param {Invoice} invoice */
  function invoiceDiscountForm(invoice) {
    const inputs = {
      percent_bp: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
      amount_cents: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
    };
    return billingForm({
      id: "billing-discount",
      heading: t("bo.billing.invoice_discount"),
      hint: t("bo.billing.invoice_discount_hint"),
      button: t("bo.billing.invoice_discount_save"),
      inputs,
      fields: [
        h(
          "div",
          { class: "row2" },
          field("billing-d-percent", t("bo.billing.percent"), inputs.percent_bp, {
            optional: true,
          }),
          field("billing-d-amount", t("bo.billing.amount_off"), inputs.amount_cents, {
            optional: true,
          }),
        ),
      ],
      submit: async () => {
        const discount = discountOf(inputs.percent_bp, inputs.amount_cents);
        await request("PUT", `/invoices/${invoice.id}/discount`, discount);
        const none = discount.percent_bp === null && discount.amount_cents === null;
        await reopen(invoice.id, t(none ? "bo.billing.discount_removed" : "bo.billing.discounted"));
      },
    });
  }

  // ---- milestones and expenses -------------------------------------------------------------

  function milestonesSection() {
    const forfaits = missions.filter((m) => m.billing_mode === "forfait" && m.milestones?.length);
    const items = [];
    for (const mission of forfaits) {
      mission.milestones.forEach(
        (/** @type {Record<string, any>} */ milestone, /** @type {number} */ position) => {
          const id = `billing-ms-${mission.id.slice(0, 8)}-${position}`;
          const date = h("input", { type: "date", value: today() });
          const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
          const deliver = h(
            "button",
            {
              type: "button",
              class: "secondary small",
              "data-testid": "billing-deliver",
              onclick: async () => {
                setFieldError(date, "");
                if (!value(date)) {
                  setFieldError(date, t("bo.billing.check.required"));
                  date.focus();
                  return;
                }
                try {
                  const invoice = await request(
                    "POST",
                    `/missions/${mission.id}/milestones/${position}/delivery`,
                    { delivered_on: value(date) },
                  );
                  await load();
                  drawInvoice(invoice, t("bo.billing.delivered_done", { label: milestone.label }));
                  announce(t("bo.billing.delivered_done", { label: milestone.label }));
                } catch (refusal) {
                  const code = refusal instanceof ApiError ? refusal.errors[0] : null;
                  setFieldError(
                    date,
                    code
                      ? (tOr(`bo.billing.err.${code.field}.${code.code}`) ?? t("bo.dir.err.other"))
                      : refusal instanceof ApiError && refusal.status === 0
                        ? t("bo.dir.offline")
                        : t("bo.dir.failed", { reason: String(refusal) }),
                  );
                  date.focus();
                }
              },
            },
            t("bo.billing.deliver"),
          );
          date.id = id;
          items.push(
            h(
              "li",
              { class: "bo-milestone", "data-testid": "billing-milestone" },
              h("strong", {}, mission.title),
              h(
                "span",
                {},
                t("bo.billing.milestone", {
                  label: milestone.label,
                  amount: formatEuros(milestone.amount_cents),
                  date: day(milestone.due_date),
                }),
              ),
              h(
                "div",
                { class: "bo-deliver" },
                h("label", { for: id }, t("bo.billing.delivered_on")),
                date,
                deliver,
              ),
              error,
            ),
          );
        },
      );
    }
    return h(
      "section",
      { class: "card stack", "aria-labelledby": "billing-milestones-h" },
      h("h3", { id: "billing-milestones-h" }, t("bo.billing.milestones")),
      h("p", { class: "muted" }, t("bo.billing.milestones_hint")),
      items.length
        ? h("ul", { class: "bo-list stack" }, ...items)
        : h("p", { class: "muted" }, t("bo.billing.no_milestones")),
    );
  }

  function expenseForm() {
    const inputs = {
      mission_id: h("select", {}, ...missions.map((m) => h("option", { value: m.id }, m.title))),
      spent_on: h("input", { type: "date", value: today() }),
      category: h("input", { type: "text", maxlength: 40, autocomplete: "off" }),
      label: h("input", { type: "text", maxlength: 200, autocomplete: "off" }),
      amount_cents: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
      vat_cents: h("input", {
        type: "text",
        inputmode: "decimal",
        autocomplete: "off",
        value: "0",
      }),
      rebill: h("input", { type: "checkbox", checked: true, id: "billing-exp-rebill" }),
      receipt_base64: h("input", { type: "file", accept: "image/*,application/pdf" }),
    };
    const form = billingForm({
      id: "billing-expense",
      heading: t("bo.billing.expense"),
      hint: t("bo.billing.expense_hint"),
      button: t("bo.billing.expense_save"),
      inputs,
      fields: [
        field("billing-exp-mission", t("bo.billing.mission"), inputs.mission_id),
        h(
          "div",
          { class: "row2" },
          field("billing-exp-date", t("bo.billing.spent_on"), inputs.spent_on),
          field("billing-exp-category", t("bo.billing.category"), inputs.category),
        ),
        field("billing-exp-label", t("bo.billing.label"), inputs.label, { optional: true }),
        h(
          "div",
          { class: "row2" },
          field("billing-exp-amount", t("bo.billing.amount_ht"), inputs.amount_cents),
          field("billing-exp-vat", t("bo.billing.vat_paid"), inputs.vat_cents),
        ),
        h(
          "div",
          { class: "check" },
          inputs.rebill,
          h("label", { for: "billing-exp-rebill" }, t("bo.billing.rebill")),
        ),
        field("billing-exp-receipt", t("bo.billing.receipt_file"), inputs.receipt_base64, {
          optional: true,
        }),
      ],
      submit: async ({ status }) => {
        if (!value(inputs.category))
          throw new Refused(inputs.category, t("bo.billing.check.required"));
        const amount = centsOf(inputs.amount_cents);
        const vatText = value(inputs.vat_cents);
        const vat = vatText ? parseHundredths(vatText) : 0;
        if (vat === null) throw new Refused(inputs.vat_cents, t("bo.billing.check.amount"));
        const file = /** @type {HTMLInputElement} */ (inputs.receipt_base64).files?.[0];
        if (file && file.size > MAX_RECEIPT_BYTES)
          throw new Refused(inputs.receipt_base64, t("bo.billing.check.too_large"));
        await request("POST", "/expenses", {
          mission_id: value(inputs.mission_id),
          spent_on: value(inputs.spent_on),
          category: value(inputs.category),
          label: value(inputs.label),
          amount_cents: amount,
          vat_cents: vat,
          rebill: /** @type {HTMLInputElement} */ (inputs.rebill).checked,
          receipt_name: file ? file.name : "",
          receipt_type: file ? file.type : "",
          receipt_base64: file ? await base64Of(file) : "",
        });
        await load();
        drawOverview(t("bo.billing.expense_done"));
        status.hidden = true;
        announce(t("bo.billing.expense_done"));
        document.getElementById("billing-heading")?.focus();
      },
    });
    return form;
  }

  await load();
  drawOverview();
}
