// The back office's Organisation tab (#admin, online/backoffice.js): the firm's legal identity
// and billing profile (SIREN, SIRET, VAT number, address, electronic invoicing address,
// payment terms, bank details), the public holidays of its people, the default wording of a
// client's approval and the invoice numbering prefixes, saved as one change
// (PUT /organisation). The server checks the check digits; each refusal is shown under its
// field. The reminder settings and the signature policy live on the firm settings page
// (#settings), linked from here.

import { ApiError, request } from "../../api.js";
import { addStrings, t, tOr } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, setFieldError } from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.org.heading": ["Organisation", "Organisation"],
  "bo.org.intro": [
    "Ce que vos factures et vos clients voient de votre entreprise. Tout est enregistré en une fois.",
    "What your invoices and clients show of your firm. Everything is saved at once.",
  ],
  "bo.org.identity": ["Identité légale", "Legal identity"],
  "bo.org.legal_name": ["Raison sociale", "Legal name"],
  "bo.org.siren": ["SIREN (9 chiffres)", "SIREN (9 digits)"],
  "bo.org.siret": ["SIRET du siège (14 chiffres)", "Head office SIRET (14 digits)"],
  "bo.org.vat_number": ["Numéro de TVA intracommunautaire", "EU VAT number"],
  "bo.org.vat_hint": [
    "En France : FR, une clé de 2 chiffres, puis le SIREN. Vide seulement en franchise de TVA.",
    "In France: FR, a 2-digit key, then the SIREN. Empty only under the VAT franchise.",
  ],
  "bo.org.legal_info": [
    "Mentions légales (forme, capital, RCS)",
    "Legal mentions (form, capital, registry)",
  ],
  "bo.org.address": ["Adresse", "Address"],
  "bo.org.address_line": ["Adresse (rue)", "Street address"],
  "bo.org.postcode": ["Code postal", "Postcode"],
  "bo.org.city": ["Ville", "City"],
  "bo.org.country_code": ["Pays (code à 2 lettres)", "Country (2-letter code)"],
  "bo.org.electronic_address": [
    "Adresse de facturation électronique",
    "Electronic invoicing address",
  ],
  "bo.org.electronic_hint": [
    "Laissez vide pour être adressé par votre SIREN dans l'annuaire de la facturation électronique.",
    "Leave empty to be addressed by your SIREN in the e-invoicing directory.",
  ],
  "bo.org.payment": ["Paiement et banque", "Payment and bank"],
  "bo.org.payment_kind": ["Délai de paiement", "Payment terms"],
  "bo.org.kind.net": ["jours date de facture", "days from the invoice date"],
  "bo.org.kind.end_of_month": ["jours fin de mois", "days end of month"],
  "bo.org.payment_days": ["Nombre de jours", "Number of days"],
  "bo.org.payment_hint": [
    "Au plus 60 jours date de facture, ou 45 jours fin de mois (C. com. L441-10).",
    "At most 60 days from the invoice date, or 45 days end of month (C. com. L441-10).",
  ],
  "bo.org.iban": ["IBAN", "IBAN"],
  "bo.org.iban_hint": ["Sans espace, par exemple FR76…", "No spaces, e.g. FR76…"],
  "bo.org.bic": ["BIC", "BIC"],
  "bo.org.vat_franchise": [
    "Franchise en base de TVA (art. 293 B du CGI)",
    "VAT franchise (CGI art. 293 B)",
  ],
  "bo.org.holidays": ["Jours fériés", "Public holidays"],
  "bo.org.calendar_region": ["Calendrier de vos salariés", "Your people's calendar"],
  "bo.org.region.metropole": ["Métropole", "Mainland France"],
  "bo.org.region.alsace_moselle": [
    "Alsace-Moselle (Vendredi saint et 26 décembre en plus)",
    "Alsace-Moselle (Good Friday and 26 December too)",
  ],
  "bo.org.region.guadeloupe": [
    "Guadeloupe (27 mai, abolition de l'esclavage)",
    "Guadeloupe (27 May, abolition of slavery)",
  ],
  "bo.org.region.martinique": [
    "Martinique (22 mai, abolition de l'esclavage)",
    "Martinique (22 May, abolition of slavery)",
  ],
  "bo.org.region.guyane": [
    "Guyane (10 juin, abolition de l'esclavage)",
    "French Guiana (10 June, abolition of slavery)",
  ],
  "bo.org.region.la_reunion": [
    "La Réunion (20 décembre, abolition de l'esclavage)",
    "La Réunion (20 December, abolition of slavery)",
  ],
  "bo.org.region.mayotte": [
    "Mayotte (27 avril, abolition de l'esclavage)",
    "Mayotte (27 April, abolition of slavery)",
  ],
  "bo.org.region_hint": [
    "Chaque mission peut avoir le sien (le lieu de travail compte). Outre-mer : le jour de l'abolition de l'esclavage fixé pour chaque département (loi n° 83-550, décret n° 83-1003).",
    "Each mission may have its own (the place of work counts). Overseas: the abolition of slavery day set for each department (loi n° 83-550, décret n° 83-1003).",
  ],
  "bo.org.signature": ["Validation par le client", "Client approval"],
  "bo.org.signature_wording": [
    "Formulation proposée aux nouveaux clients",
    "Wording for new clients",
  ],
  "bo.org.wording.signature": [
    "Signature du relevé d'activité",
    "Signature of the activity report",
  ],
  "bo.org.wording.attestation": [
    "Attestation de service fait",
    "Attestation that the service was done",
  ],
  "bo.org.numbering": ["Numérotation des factures", "Invoice numbering"],
  "bo.org.invoice_prefix": ["Préfixe des factures", "Invoice prefix"],
  "bo.org.credit_note_prefix": ["Préfixe des avoirs", "Credit note prefix"],
  "bo.org.prefix_hint": [
    "Majuscules et chiffres. Le numéro ajoute l'année et un compteur, sans trou ni doublon.",
    "Capitals and digits. The number adds the year and a counter, with no gap or repeat.",
  ],
  "bo.org.next": [
    "Prochaine facture : {invoice} · prochain avoir : {credit}",
    "Next invoice: {invoice} · next credit note: {credit}",
  ],
  "bo.org.more": ["Autres réglages", "Other settings"],
  "bo.org.settingsLink": [
    "Rappels avant la clôture du mois et politique de signature des clients",
    "Reminders before month close and client signature policy",
  ],
  "bo.org.save": ["Enregistrer l'organisation", "Save the organisation"],
  "bo.org.saved": ["Organisation enregistrée.", "Organisation saved."],
  "bo.org.err.siren_checksum": [
    "Ce SIREN n'existe pas : sa clé de contrôle ne correspond pas. Vérifiez les chiffres.",
    "This SIREN cannot exist: its check digit does not match. Check the digits.",
  ],
  "bo.org.err.siret_checksum": [
    "Ce SIRET n'existe pas : sa clé de contrôle ne correspond pas. Vérifiez les chiffres.",
    "This SIRET cannot exist: its check digit does not match. Check the digits.",
  ],
  "bo.org.err.siret_not_of_siren": [
    "Un SIRET commence par le SIREN de l'entreprise.",
    "A SIRET starts with the company's SIREN.",
  ],
  "bo.org.err.vat_mismatch": [
    "Ce numéro ne correspond pas au SIREN : ce serait {vat}.",
    "This number does not match the SIREN: it would be {vat}.",
  ],
  "bo.org.err.vat_required": [
    "Indiquez le numéro de TVA (ou cochez la franchise en base).",
    "Give the VAT number (or tick the VAT franchise).",
  ],
  "bo.org.err.iban_checksum": [
    "Cet IBAN est erroné : sa clé de contrôle ne correspond pas.",
    "This IBAN is wrong: its check digits do not match.",
  ],
  "bo.org.err.too_long": [
    "Délai trop long : au plus 60 jours date de facture ou 45 jours fin de mois.",
    "Too long: at most 60 days from the invoice date or 45 days end of month.",
  ],
  "bo.org.err.same_series": [
    "Les avoirs ont besoin d'un préfixe différent de celui des factures.",
    "Credit notes need a prefix other than the invoices'.",
  ],
  "bo.org.err.reuses_number": [
    "Refusé : {number} a déjà été émis et ce préfixe le réutiliserait. Un numéro de facture ne sert jamais deux fois.",
    "Refused: {number} was already issued and this prefix would use it again. An invoice number is never used twice.",
  ],
  "bo.org.err.siren.invalid": ["Exactement 9 chiffres, sans espace.", "Exactly 9 digits, no spaces."],
  "bo.org.err.siret.invalid": [
    "Exactement 14 chiffres, sans espace.",
    "Exactly 14 digits, no spaces.",
  ],
  "bo.org.err.vat_number.invalid": [
    "Deux lettres (le pays) puis 2 à 13 lettres ou chiffres, sans espace.",
    "Two letters (the country) then 2 to 13 letters or digits, no spaces.",
  ],
  "bo.org.err.iban.invalid": [
    "Deux lettres, deux chiffres puis 10 à 30 lettres ou chiffres, sans espace.",
    "Two letters, two digits then 10 to 30 letters or digits, no spaces.",
  ],
  "bo.org.err.bic.invalid": [
    "8 ou 11 lettres et chiffres (par exemple BNPAFRPPXXX).",
    "8 or 11 letters and digits (e.g. BNPAFRPPXXX).",
  ],
  "bo.org.err.invoice_prefix.invalid": [
    "1 à 12 majuscules, chiffres ou tirets (pas au début ni à la fin).",
    "1 to 12 capitals, digits or hyphens (not first or last).",
  ],
  "bo.org.err.credit_note_prefix.invalid": [
    "1 à 12 majuscules, chiffres ou tirets (pas au début ni à la fin).",
    "1 to 12 capitals, digits or hyphens (not first or last).",
  ],
  "bo.org.err.payment_days.invalid": [
    "Un nombre de jours entre 0 et 60.",
    "A number of days from 0 to 60.",
  ],
  "bo.org.err.country_code.invalid": [
    "Deux lettres majuscules, par exemple FR.",
    "Two capital letters, e.g. FR.",
  ],
  "bo.org.err.legal_name.invalid": [
    "Donnez la raison sociale (200 caractères au plus).",
    "Give the legal name (200 characters at most).",
  ],
};
addStrings(STRINGS);

const TEXT = [
  "legal_name",
  "siren",
  "siret",
  "vat_number",
  "legal_info",
  "address_line",
  "postcode",
  "city",
  "country_code",
  "electronic_address",
  "iban",
  "bic",
  "invoice_prefix",
  "credit_note_prefix",
];
/** Fields typed in capitals without spaces: what people paste is tidied before sending. */
const CODES = new Set([
  "siren",
  "siret",
  "vat_number",
  "iban",
  "bic",
  "country_code",
  "invoice_prefix",
  "credit_note_prefix",
]);
const REGIONS = [
  "metropole",
  "alsace_moselle",
  "guadeloupe",
  "martinique",
  "guyane",
  "la_reunion",
  "mayotte",
];
const WORDINGS = ["signature", "attestation"];

/**
 * The French or English text of one refusal: the field's own text for the code, then the
 * code's, with what the server's message names (the VAT number expected, the number issued).
 * @param {{field: string, code: string, message: string}} e
 */
function refusalText(e) {
  const vat = /\b(?:FR|[A-Z]{2})[0-9A-Z]{2,13}\b(?=\s*$)/.exec(e.message)?.[0] ?? "";
  const number = /\b[A-Z0-9-]+-\d{4}-\d{5,}\b/.exec(e.message)?.[0] ?? "";
  return (
    tOr(`bo.org.err.${e.field}.${e.code}`, { vat, number }) ??
    tOr(`bo.org.err.${e.code}`, { vat, number }) ??
    tOr(`bo.dir.err.${e.code}`) ??
    t("bo.dir.err.other")
  );
}

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  const current = await request("GET", "/organisation/profile");
  /** @type {Record<string, HTMLInputElement | HTMLSelectElement>} */
  const inputs = {};
  for (const name of TEXT) {
    inputs[name] = /** @type {HTMLInputElement} */ (
      h("input", {
        type: "text",
        value: current[name] ?? "",
        autocomplete: name === "legal_name" ? "organization" : "off",
        spellcheck: "false",
        ...(CODES.has(name) ? { autocapitalize: "characters" } : {}),
        ...(["siren", "siret"].includes(name) ? { inputmode: "numeric" } : {}),
      })
    );
  }
  inputs.payment_days = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", inputmode: "numeric", value: String(current.payment_days) })
  );
  const select = (/** @type {string} */ name, /** @type {[string, string][]} */ options) => {
    const el = /** @type {HTMLSelectElement} */ (
      h("select", {}, ...options.map(([value, label]) => h("option", { value }, label)))
    );
    el.value = current[name];
    inputs[name] = el;
    return el;
  };
  select(
    "payment_kind",
    ["net", "end_of_month"].map((k) => [k, t(`bo.org.kind.${k}`)]),
  );
  select(
    "calendar_region",
    REGIONS.map((r) => [r, t(`bo.org.region.${r}`)]),
  );
  select(
    "signature_wording",
    WORDINGS.map((w) => [w, t(`bo.org.wording.${w}`)]),
  );
  const franchise = /** @type {HTMLInputElement} */ (
    h("input", { type: "checkbox", id: "org-vat_franchise", checked: current.vat_franchise })
  );

  /** @param {string} name @param {{optional?: boolean, hint?: string}} [o] */
  const f = (name, o = {}) => field(`org-${name}`, t(`bo.org.${name}`), inputs[name], o);
  const group = (/** @type {string} */ key, /** @type {Node[]} */ ...children) =>
    h("fieldset", {}, h("legend", {}, t(`bo.org.${key}`)), ...children);
  const next = h("p", { class: "muted", "data-testid": "org-next-numbers" });
  const showNext = (/** @type {any} */ view) => {
    next.textContent = t("bo.org.next", {
      invoice: view.next_invoice_number,
      credit: view.next_credit_note_number,
    });
  };
  showNext(current);

  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", {
    class: "notice",
    role: "status",
    hidden: true,
    "data-testid": "org-saved",
  });
  const submit = h(
    "button",
    { type: "submit", class: "primary", "data-testid": "org-save" },
    t("bo.org.save"),
  );
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "card stack bo-form bo-org",
        novalidate: true,
        "data-testid": "org-form",
        "aria-labelledby": "org-heading",
      },
      box,
      group(
        "identity",
        f("legal_name"),
        h("div", { class: "row2" }, f("siren"), f("siret")),
        f("vat_number", { hint: t("bo.org.vat_hint") }),
        f("legal_info", { optional: true }),
      ),
      group(
        "address",
        f("address_line"),
        h("div", { class: "row2" }, f("postcode"), f("city")),
        f("country_code"),
        f("electronic_address", { optional: true, hint: t("bo.org.electronic_hint") }),
      ),
      group(
        "payment",
        h("div", { class: "row2" }, f("payment_days"), f("payment_kind")),
        // Under the pair, so both inputs stay on one line.
        h("p", { class: "hint muted", id: "org-payment_days-hint" }, t("bo.org.payment_hint")),
        f("iban", { optional: true, hint: t("bo.org.iban_hint") }),
        f("bic", { optional: true }),
        h(
          "div",
          { class: "check" },
          franchise,
          h("label", { for: "org-vat_franchise" }, t("bo.org.vat_franchise")),
        ),
      ),
      group("holidays", f("calendar_region", { hint: t("bo.org.region_hint") })),
      group("signature", f("signature_wording")),
      group(
        "numbering",
        h("div", { class: "row2" }, f("invoice_prefix"), f("credit_note_prefix")),
        h("p", { class: "hint muted", id: "org-invoice_prefix-hint" }, t("bo.org.prefix_hint")),
        next,
      ),
      submit,
    )
  );
  // A field with a hint is described by it until a refusal adds its error line.
  for (const name of Object.keys(inputs)) {
    if (form.querySelector(`#org-${name}-hint`))
      inputs[name].setAttribute("aria-describedby", `org-${name}-hint`);
  }
  // The pairs' second fields share the first one's hint.
  inputs.payment_kind.setAttribute("aria-describedby", "org-payment_days-hint");
  inputs.credit_note_prefix.setAttribute("aria-describedby", "org-invoice_prefix-hint");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    status.hidden = true;
    /** @type {Record<string, unknown>} */
    const body = {};
    for (const name of TEXT) {
      const value = inputs[name].value;
      body[name] = CODES.has(name) ? value.replace(/\s+/g, "").toUpperCase() : value;
    }
    for (const name of ["payment_kind", "calendar_region", "signature_wording"])
      body[name] = inputs[name].value;
    const days = inputs.payment_days.value.trim();
    body.payment_days = /^\d{1,3}$/.test(days) ? Number(days) : days;
    body.vat_franchise = franchise.checked;
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    try {
      const saved = await request("PUT", "/organisation", body);
      for (const name of TEXT) inputs[name].value = saved[name] ?? "";
      showNext(saved);
      status.textContent = t("bo.org.saved");
      status.hidden = false;
      announce(status.textContent);
    } catch (error) {
      showOrgRefusal(error);
    } finally {
      form.setAttribute("aria-busy", "false");
      submit.setAttribute("aria-disabled", "false");
    }
  });

  /** Each refusal under its field; what names no field, at the top. @param {unknown} error */
  function showOrgRefusal(error) {
    if (!(error instanceof ApiError) || !error.errors.length) {
      const reason =
        error instanceof ApiError
          ? error.status === 0
            ? t("bo.dir.offline")
            : error.status === 401 || error.status === 403
              ? t("bo.dir.forbidden")
              : t("bo.dir.failed", { reason: error.detail || error.title })
          : String(error);
      box.replaceChildren(h("p", {}, reason));
      box.hidden = false;
      box.focus();
      return;
    }
    /** @type {HTMLElement | null} */
    let first = null;
    const loose = [];
    for (const e of error.errors) {
      const name = e.field.replace(/^body\./, "");
      const input = inputs[name] ?? (name === "vat_franchise" ? franchise : null);
      const text = refusalText({ ...e, field: name });
      if (input && document.getElementById(`${input.id}-error`)) {
        const line = document.getElementById(`${input.id}-error`);
        setFieldError(input, [line?.textContent, text].filter(Boolean).join(" "));
        first ??= input;
      } else loose.push(text);
    }
    box.replaceChildren(h("p", {}, t("bo.dir.invalid")), ...loose.map((x) => h("p", {}, x)));
    box.hidden = false;
    (first ?? box).focus();
  }

  container.replaceChildren(
    h("h2", { id: "org-heading" }, t("bo.org.heading")),
    h("p", { class: "muted" }, t("bo.org.intro")),
    status,
    form,
    h(
      "section",
      { class: "card", "aria-labelledby": "org-more" },
      h("h3", { id: "org-more" }, t("bo.org.more")),
      h(
        "p",
        {},
        h("a", { href: "#settings", "data-testid": "org-settings-link" }, t("bo.org.settingsLink")),
      ),
    ),
  );
}
