// One client, opened from the back office's Clients tab (online/backoffice/clients.js): its
// billing identity (SIREN, VAT number, address, electronic invoicing address, country, hence
// reverse charge), its payment terms (the firm's until it has its own) and the wording of its
// approval, saved as one change (PUT /clients/{id}, audited as client.changed);
// and its signers, listed, with the invitation of a new one (the people's invitation,
// POST /people, for the client_signer role). Each refusal is shown under its field.

import { ApiError, request } from "../../api.js";
import { addStrings, t, tOr } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, field, setFieldError } from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.client.edit": ["Modifier", "Edit"],
  "bo.client.editOf": ["Modifier {name} et ses signataires", "Edit {name} and its signers"],
  "bo.client.close": ["Fermer", "Close"],
  "bo.client.identity": ["Identité de facturation", "Billing identity"],
  "bo.client.legal_name": ["Raison sociale", "Legal name"],
  "bo.client.siren": ["SIREN (9 chiffres)", "SIREN (9 digits)"],
  "bo.client.vat_number": ["Numéro de TVA intracommunautaire", "EU VAT number"],
  "bo.client.billing_address": ["Adresse de facturation", "Billing address"],
  "bo.client.electronic_address": [
    "Adresse de facturation électronique",
    "Electronic invoicing address",
  ],
  "bo.client.electronic_hint": [
    "Vide : le client est adressé par son SIREN.",
    "Empty: the client is addressed by its SIREN.",
  ],
  "bo.client.country_code": ["Pays (code à 2 lettres)", "Country (2-letter code)"],
  "bo.client.country_hint": [
    "Un client d'un autre pays de l'Union est facturé en autoliquidation de la TVA.",
    "A client in another EU country is invoiced under the VAT reverse charge.",
  ],
  "bo.client.buyer_reference": [
    "Référence acheteur (sur chaque facture)",
    "Buyer reference (on each invoice)",
  ],
  "bo.client.buyer_hint": [
    "Le code service ou la référence que le client demande sur ses factures (BT-10).",
    "The service code or reference the client asks for on its invoices (BT-10).",
  ],
  "bo.client.err.buyer_reference.invalid": [
    "100 caractères au plus, sans caractère de contrôle.",
    "100 characters at most, no control characters.",
  ],
  "bo.client.payment_kind": ["Conditions de paiement", "Payment terms"],
  "bo.client.terms.net": ["Jours date de facture", "Days from the invoice date"],
  "bo.client.terms.end_of_month": ["Jours fin de mois", "Days end of month"],
  "bo.client.payment_days": ["Délai de paiement (jours)", "Payment period (days)"],
  "bo.client.terms.firm": [
    "Ce client paie aux conditions de l'entreprise (onglet Organisation) ; d'autres conditions deviennent les siennes.",
    "This client pays on the firm's terms (Organisation tab); other terms become its own.",
  ],
  "bo.client.terms.own": [
    "Conditions propres à ce client. Au plus 60 jours date de facture, ou 45 jours fin de mois (C. com. L441-10).",
    "Terms of this client's own. At most 60 days from the invoice date, or 45 days end of month (French Commercial Code L441-10).",
  ],
  "bo.client.err.payment_days.too_long": [
    "Trop long : au plus 60 jours date de facture, 45 jours fin de mois (C. com. L441-10).",
    "Too long: at most 60 days from the invoice date, 45 days end of month (Commercial Code L441-10).",
  ],
  "bo.client.err.payment_days.invalid": [
    "Un nombre entier de jours, de 0 à 60.",
    "A whole number of days, from 0 to 60.",
  ],
  "bo.client.reverse": [
    "Autoliquidation de la TVA : les factures de ce client sont hors TVA française.",
    "VAT reverse charge: this client's invoices carry no French VAT.",
  ],
  "bo.client.signature_wording": ["Ce que fait son signataire", "What its signer does"],
  "bo.client.wording.signature": [
    "Signe le relevé d'activité",
    "Signs the activity report",
  ],
  "bo.client.wording.attestation": [
    "Atteste le service fait",
    "Attests that the service was done",
  ],
  "bo.client.save": ["Enregistrer le client", "Save the client"],
  "bo.client.saved": ["Client « {name} » enregistré.", "Client “{name}” saved."],
  "bo.client.signers": ["Signataires", "Signers"],
  "bo.client.noSigners": [
    "Aucun signataire pour ce client.",
    "No signer for this client.",
  ],
  "bo.client.inactive": ["désactivé·e", "deactivated"],
  "bo.client.invite": ["Inviter un·e signataire", "Invite a signer"],
  "bo.client.invite.name": ["Nom affiché", "Display name"],
  "bo.client.invite.email": ["Adresse e-mail", "E-mail address"],
  "bo.client.invite.submit": ["Inviter comme signataire", "Invite as signer"],
  "bo.client.invited": [
    "{name} est invité·e comme signataire. Son lien d'invitation, à usage unique :",
    "{name} is invited as a signer. Their single-use invitation link:",
  ],
  "bo.client.link": ["Lien d'invitation", "Invitation link"],
  "bo.client.mailed": [
    "Carnet a aussi envoyé ce lien par e-mail à {email}.",
    "Carnet also e-mailed this link to {email}.",
  ],
  "bo.client.notMailed": [
    "Aucun serveur d'e-mail n'est configuré : transmettez ce lien vous-même.",
    "No e-mail server is configured: pass this link on yourself.",
  ],
  "bo.client.err.siren_checksum": [
    "Ce SIREN n'existe pas : sa clé de contrôle ne correspond pas.",
    "This SIREN cannot exist: its check digit does not match.",
  ],
  "bo.client.err.siren.invalid": [
    "Exactement 9 chiffres, sans espace.",
    "Exactly 9 digits, no spaces.",
  ],
  "bo.client.err.vat_mismatch": [
    "Ce numéro ne correspond pas au SIREN : ce serait {vat}.",
    "This number does not match the SIREN: it would be {vat}.",
  ],
  "bo.client.err.vat_country": [
    "Le numéro de TVA doit commencer par le code du pays du client.",
    "The VAT number must start with the client's country code.",
  ],
  "bo.client.err.vat_number.invalid": [
    "Deux lettres (le pays) puis 2 à 13 lettres ou chiffres, sans espace.",
    "Two letters (the country) then 2 to 13 letters or digits, no spaces.",
  ],
  "bo.client.err.unsupported": [
    "Seuls les clients de l'Union européenne sont pris en charge pour l'instant.",
    "Only clients in the European Union are supported for now.",
  ],
  "bo.client.err.country_code.invalid": [
    "Deux lettres majuscules, par exemple FR.",
    "Two capital letters, e.g. FR.",
  ],
  "bo.client.err.legal_name.invalid": [
    "Donnez la raison sociale (200 caractères au plus).",
    "Give the legal name (200 characters at most).",
  ],
  "bo.client.err.email_taken": [
    "Cette adresse e-mail est déjà enregistrée dans Carnet.",
    "This e-mail address is already registered in Carnet.",
  ],
  "bo.client.err.email.invalid": [
    "Adresse e-mail invalide (exemple : prenom.nom@entreprise.fr).",
    "Invalid e-mail address (e.g. first.last@company.com).",
  ],
  "bo.client.err.display_name.invalid": [
    "Indiquez un nom (120 caractères au plus).",
    "Enter a name (120 characters at most).",
  ],
};
addStrings(STRINGS);

/** @param {{field: string, code: string, message: string}} e */
function refusalText(e) {
  const vat = /\b[A-Z]{2}[0-9A-Z]{2,13}(?=\s*$)/.exec(e.message)?.[0] ?? "";
  return (
    tOr(`bo.client.err.${e.field}.${e.code}`) ??
    tOr(`bo.client.err.${e.code}`, { vat }) ??
    tOr(`bo.dir.err.${e.code}`) ??
    t("bo.dir.err.other")
  );
}

/**
 * Put each refusal under its field (`inputs` by field name), the rest in `box`.
 * @param {unknown} error @param {Record<string, HTMLElement>} inputs @param {HTMLElement} box
 */
function showRefusal(error, inputs, box) {
  const top = [];
  /** @type {HTMLElement | null} */
  let first = null;
  if (!(error instanceof ApiError)) top.push(String(error));
  else if (error.status === 0) top.push(t("bo.dir.offline"));
  else if (error.status === 401 || error.status === 403) top.push(t("bo.dir.forbidden"));
  else if (!error.errors.length)
    top.push(t("bo.dir.failed", { reason: error.detail || error.title }));
  else {
    for (const e of error.errors) {
      const name = e.field.replace(/^body\./, "");
      const input = inputs[name];
      const text = refusalText({ ...e, field: name });
      if (input) {
        const line = document.getElementById(`${input.id}-error`);
        setFieldError(input, [line?.textContent, text].filter(Boolean).join(" "));
        first ??= input;
      } else top.push(text);
    }
    if (first) top.unshift(t("bo.dir.invalid"));
  }
  if (top.length) {
    box.replaceChildren(...top.map((x) => h("p", {}, x)));
    box.hidden = false;
  }
  (first ?? box).focus();
}

/**
 * The client's panel: its identity form, then its signers and the invitation of one.
 * @param {{id: string, legal_name: string}} client
 * @param {{onSaved: (saved: any) => void, onClose: () => void}} hooks
 * @returns {Promise<HTMLElement>}
 */
export async function clientPanel(client, { onSaved, onClose }) {
  const [current, people] = await Promise.all([
    request("GET", `/clients/${client.id}`),
    request("GET", "/people"),
  ]);
  const key = client.id.slice(0, 8);
  const id = (/** @type {string} */ name) => `client-${key}-${name}`;
  /** @type {Record<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>} */
  const inputs = {
    legal_name: /** @type {HTMLInputElement} */ (
      h("input", { type: "text", value: current.legal_name, autocomplete: "organization" })
    ),
    siren: /** @type {HTMLInputElement} */ (
      h("input", { type: "text", inputmode: "numeric", value: current.siren, autocomplete: "off" })
    ),
    vat_number: /** @type {HTMLInputElement} */ (
      h("input", {
        type: "text",
        value: current.vat_number,
        autocapitalize: "characters",
        autocomplete: "off",
      })
    ),
    billing_address: /** @type {HTMLTextAreaElement} */ (
      h("textarea", { rows: 3, maxlength: 500 })
    ),
    electronic_address: /** @type {HTMLInputElement} */ (
      h("input", { type: "text", value: current.electronic_address, autocomplete: "off" })
    ),
    country_code: /** @type {HTMLInputElement} */ (
      h("input", {
        type: "text",
        value: current.country_code,
        autocapitalize: "characters",
        autocomplete: "off",
      })
    ),
    buyer_reference: /** @type {HTMLInputElement} */ (
      h("input", {
        type: "text",
        value: current.buyer_reference ?? "",
        maxlength: 100,
        autocomplete: "off",
      })
    ),
    signature_wording: /** @type {HTMLSelectElement} */ (
      h(
        "select",
        {},
        ...["signature", "attestation"].map((w) =>
          h("option", { value: w }, t(`bo.client.wording.${w}`)),
        ),
      )
    ),
    payment_kind: /** @type {HTMLSelectElement} */ (
      h(
        "select",
        {},
        ...["net", "end_of_month"].map((k) => h("option", { value: k }, t(`bo.client.terms.${k}`))),
      )
    ),
    payment_days: /** @type {HTMLInputElement} */ (
      h("input", {
        type: "text",
        inputmode: "numeric",
        value: String(current.payment_days),
        maxlength: 3,
        autocomplete: "off",
      })
    ),
  };
  inputs.payment_kind.value = current.payment_kind;
  /** Whose terms the client pays on, said under the delay. @param {boolean} own */
  const termsHint = (own) => t(own ? "bo.client.terms.own" : "bo.client.terms.firm");
  inputs.billing_address.value = current.billing_address;
  inputs.signature_wording.value = current.signature_wording;
  const reverse = h(
    "p",
    { class: "notice", "data-testid": "client-reverse-charge", hidden: !current.reverse_charge },
    t("bo.client.reverse"),
  );
  const f = (/** @type {string} */ name, /** @type {object} */ o = {}) =>
    field(id(name), t(`bo.client.${name}`), inputs[name], o);
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", {
    class: "notice",
    role: "status",
    hidden: true,
    "data-testid": "client-saved",
  });
  const save = h(
    "button",
    { type: "submit", class: "primary", "data-testid": "client-save" },
    t("bo.client.save"),
  );
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "stack bo-form",
        novalidate: true,
        "data-testid": "client-edit-form",
        "aria-labelledby": id("identity"),
      },
      h("h4", { id: id("identity") }, t("bo.client.identity")),
      box,
      f("legal_name"),
      f("siren"),
      f("vat_number"),
      f("billing_address", { optional: true }),
      f("electronic_address", { optional: true, hint: t("bo.client.electronic_hint") }),
      f("country_code", { hint: t("bo.client.country_hint") }),
      reverse,
      f("buyer_reference", { optional: true, hint: t("bo.client.buyer_hint") }),
      f("payment_kind"),
      f("payment_days", { hint: termsHint(current.own_payment_terms) }),
      f("signature_wording"),
      save,
      status,
    )
  );
  for (const name of ["electronic_address", "country_code", "buyer_reference", "payment_days"])
    inputs[name].setAttribute("aria-describedby", `${id(name)}-hint`);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    status.hidden = true;
    const tidy = (/** @type {string} */ name) =>
      inputs[name].value.replace(/\s+/g, "").toUpperCase();
    const daysText = tidy("payment_days");
    if (!/^\d{1,3}$/.test(daysText)) {
      // Not a number of days: said here, as the server would not know what was typed.
      setFieldError(inputs.payment_days, t("bo.client.err.payment_days.invalid"));
      inputs.payment_days.focus();
      return;
    }
    const body = {
      legal_name: inputs.legal_name.value,
      siren: tidy("siren"),
      vat_number: tidy("vat_number"),
      billing_address: inputs.billing_address.value,
      electronic_address: inputs.electronic_address.value,
      country_code: tidy("country_code"),
      signature_wording: inputs.signature_wording.value,
      buyer_reference: inputs.buyer_reference.value.trim(),
      payment_kind: inputs.payment_kind.value,
      payment_days: Number(daysText),
    };
    form.setAttribute("aria-busy", "true");
    save.setAttribute("aria-disabled", "true");
    try {
      const saved = await request("PUT", `/clients/${client.id}`, body);
      reverse.hidden = !saved.reverse_charge;
      const hint = document.getElementById(`${id("payment_days")}-hint`);
      if (hint) hint.textContent = termsHint(saved.own_payment_terms);
      status.textContent = t("bo.client.saved", { name: saved.legal_name });
      status.hidden = false;
      announce(status.textContent);
      onSaved(saved);
    } catch (error) {
      showRefusal(error, inputs, box);
    } finally {
      form.setAttribute("aria-busy", "false");
      save.setAttribute("aria-disabled", "false");
    }
  });

  // -- signers ------------------------------------------------------------------------------
  const signerList = h("ul", { class: "bo-list", "data-testid": "client-signers" });
  /** @param {any[]} everyone */
  function drawSigners(everyone) {
    const signers = everyone.filter(
      (p) => p.client_company_id === client.id && p.roles.includes("client_signer"),
    );
    signerList.replaceChildren(
      ...(signers.length
        ? signers.map((p) =>
            h(
              "li",
              { "data-testid": "client-signer" },
              h("strong", {}, p.display_name),
              ` · ${p.email}`,
              p.active === false ? ` · ${t("bo.client.inactive")}` : "",
            ),
          )
        : [h("li", { class: "muted" }, t("bo.client.noSigners"))]),
    );
  }
  drawSigners(people);

  const invite = {
    display_name: /** @type {HTMLInputElement} */ (
      h("input", { type: "text", maxlength: 120, autocomplete: "off" })
    ),
    email: /** @type {HTMLInputElement} */ (
      // Text with an e-mail keyboard: styled like every other field of the app.
      h("input", { type: "text", inputmode: "email", autocomplete: "off", spellcheck: "false" })
    ),
  };
  const inviteBox = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const result = h("div", { "data-testid": "signer-invited" });
  const inviteButton = h(
    "button",
    { type: "submit", class: "primary small", "data-testid": "signer-invite-submit" },
    t("bo.client.invite.submit"),
  );
  const inviteForm = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "stack bo-form",
        novalidate: true,
        "data-testid": "signer-invite-form",
        "aria-labelledby": id("invite"),
      },
      h("h4", { id: id("invite") }, t("bo.client.invite")),
      inviteBox,
      field(id("invite-name"), t("bo.client.invite.name"), invite.display_name),
      field(id("invite-email"), t("bo.client.invite.email"), invite.email),
      inviteButton,
      result,
    )
  );
  inviteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (inviteForm.getAttribute("aria-busy") === "true") return;
    clearErrors(inviteForm, inviteBox);
    result.replaceChildren();
    inviteForm.setAttribute("aria-busy", "true");
    inviteButton.setAttribute("aria-disabled", "true");
    try {
      const answer = await request("POST", "/people", {
        display_name: invite.display_name.value,
        email: invite.email.value,
        roles: ["client_signer"],
        manager_id: null,
        client_company_id: client.id,
      });
      const who = answer.person;
      invite.display_name.value = "";
      invite.email.value = "";
      const linkId = id("invite-link");
      result.replaceChildren(
        h(
          "div",
          { class: "notice", role: "status" },
          h("p", {}, t("bo.client.invited", { name: who.display_name })),
          h("label", { for: linkId }, t("bo.client.link")),
          h("input", {
            type: "text",
            id: linkId,
            readonly: true,
            value: answer.invitation_url,
            "data-testid": "signer-invite-url",
          }),
          h(
            "p",
            { class: "hint" },
            answer.emailed ? t("bo.client.mailed", { email: who.email }) : t("bo.client.notMailed"),
          ),
        ),
      );
      announce(t("bo.client.invited", { name: who.display_name }));
      drawSigners(await request("GET", "/people"));
    } catch (error) {
      showRefusal(error, invite, inviteBox);
    } finally {
      inviteForm.setAttribute("aria-busy", "false");
      inviteButton.setAttribute("aria-disabled", "false");
    }
  });

  return h(
    "div",
    { class: "bo-client-panel stack", "data-testid": "client-panel" },
    form,
    h(
      "section",
      { "aria-labelledby": id("signers") },
      h("h4", { id: id("signers") }, t("bo.client.signers")),
      signerList,
      inviteForm,
    ),
    h(
      "button",
      { type: "button", class: "secondary small", onclick: onClose },
      t("bo.client.close"),
    ),
  );
}
