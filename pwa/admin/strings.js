// The billing page's texts (pwa/admin/invoices.js and the labels of its index.html), key →
// [French, English], joined to the one table of pwa/js/i18n.js with `addStrings`. A module of
// their own so the Node tests can read them (tests/js/i18n.test.mjs).

/** @type {Record<string, [string, string]>} */
export const STRINGS = {
  "billing.title": ["Facturation", "Billing"],
  "billing.lang": ["Langue", "Language"],
  "billing.draft": ["À revoir", "To review"],
  "billing.issued": ["Émises", "Issued"],
  "billing.paid": ["Payées", "Paid"],
  "billing.login": [
    "Connectez-vous d'abord dans Carnet avec un compte administrateur.",
    "Log in to Carnet first with an administrator account.",
  ],
  "billing.issue": ["Émettre", "Issue"],
  "billing.pdf": ["PDF Factur-X", "Factur-X PDF"],
  "billing.xml": ["XML", "XML"],
  "billing.pay": ["Enregistrer un paiement", "Record a payment"],
  "billing.credit": ["Émettre un avoir (total restant)", "Issue a credit note (all that remains)"],
  "billing.adjust": ["Ajuster la ligne", "Adjust the line"],
  "billing.reason": ["Motif", "Reason"],
  "billing.quantity": ["Quantité (demi-journées ou unités)", "Quantity (half-days or units)"],
  "billing.amount": ["Montant (centimes)", "Amount (cents)"],
  "billing.date": ["Date", "Date"],
  "billing.period": ["Période : {start} → {end}", "Period: {start} → {end}"],
  "billing.due": ["Échéance : {date}", "Due: {date}"],
  "billing.totals": [
    "Total HT {net} · TVA {vat} · Total TTC {gross}",
    "Total excl. VAT {net} · VAT {vat} · Total incl. VAT {gross}",
  ],
  "billing.source": [
    "CRA {consultant} {month} : {days} ({status}, réf. {ref})",
    "Timesheet {consultant} {month}: {days} ({status}, ref. {ref})",
  ],
  "billing.days": ["{n} j", "{n} d"],
  "billing.done": ["Enregistré.", "Saved."],
  "billing.none": ["Aucune", "None"],
  "billing.back": ["Retour", "Back"],
  "billing.preinvoice": ["Pré-facture", "Pre-invoice"],
  "billing.creditnote": ["Avoir", "Credit note"],
  "billing.payments": ["Paiements : {list}", "Payments: {list}"],
  "billing.expense": ["Saisir une dépense", "Record an expense"],
  "billing.mission": ["Mission", "Mission"],
  "billing.category": ["Catégorie", "Category"],
  "billing.amountHt": ["Montant HT (€)", "Amount excl. VAT (€)"],
  "billing.vatPaid": ["TVA payée (€)", "VAT paid (€)"],
  "billing.rebill": ["Refacturée", "Re-billed"],
  "billing.receipt": ["Justificatif", "Receipt"],
  "billing.save": ["Enregistrer", "Save"],
};
