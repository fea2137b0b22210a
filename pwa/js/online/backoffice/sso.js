// The back office's Single sign-on tab (#admin, online/backoffice.js): the firm's OpenID
// Connect provider (Microsoft Entra ID, Google Workspace, Keycloak…), saved whole with
// PUT /organisation/sso. The client secret is never shown back: the field stays empty and
// saving it empty keeps the stored one. The server reads the provider's discovery document
// before enabling, and each refusal is shown under its field (docs/sso.md).

import { request } from "../../api.js";
import { addStrings, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, showRefusal } from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.sso.heading": ["Connexion unique (SSO)", "Single sign-on (SSO)"],
  "bo.sso.intro": [
    "Votre personnel se connecte avec le compte de votre entreprise (Microsoft Entra ID, Google Workspace, Keycloak…). Seules les personnes déjà présentes dans Carnet peuvent entrer ; les rôles restent ceux de Carnet.",
    "Your staff sign in with your company account (Microsoft Entra ID, Google Workspace, Keycloak…). Only people already in Carnet can get in; roles stay Carnet's.",
  ],
  "bo.sso.redirect": [
    "Adresse de retour à déclarer chez le fournisseur :",
    "Redirect URI to register at the provider:",
  ],
  "bo.sso.display_name": ["Nom affiché sur le bouton", "Name shown on the button"],
  "bo.sso.display_hint": [
    "Par exemple Microsoft, Google ou le nom de votre annuaire.",
    "For example Microsoft, Google or your directory's name.",
  ],
  "bo.sso.issuer": ["URL de l'émetteur (issuer)", "Issuer URL"],
  "bo.sso.issuer_hint": [
    "Entra ID : https://login.microsoftonline.com/<tenant>/v2.0 · Google : https://accounts.google.com · Keycloak : https://<hôte>/realms/<realm>",
    "Entra ID: https://login.microsoftonline.com/<tenant>/v2.0 · Google: https://accounts.google.com · Keycloak: https://<host>/realms/<realm>",
  ],
  "bo.sso.client_id": ["Identifiant client (client ID)", "Client ID"],
  "bo.sso.client_secret": ["Secret client", "Client secret"],
  "bo.sso.secret_set": [
    "Un secret est enregistré ; laissez vide pour le garder.",
    "A secret is stored; leave empty to keep it.",
  ],
  "bo.sso.secret_unset": ["Aucun secret enregistré.", "No secret stored."],
  "bo.sso.allowed_domains": ["Domaines e-mail autorisés", "Allowed e-mail domains"],
  "bo.sso.domains_hint": [
    "Séparés par des virgules, par exemple octave.fr, octave-conseil.com.",
    "Comma-separated, for example octave.fr, octave-conseil.com.",
  ],
  "bo.sso.enabled": ["Activer la connexion unique", "Enable single sign-on"],
  "bo.sso.sso_only": [
    "SSO uniquement : le personnel ne se connecte plus avec sa clé d'accès (les administrateurs et les clients si ; la clé d'accès reste demandée pour signer)",
    "SSO only: staff no longer sign in with their passkey (administrators and clients still do; the passkey is still asked to sign)",
  ],
  "bo.sso.save": ["Enregistrer", "Save"],
  "bo.sso.saved": ["Connexion unique enregistrée.", "Single sign-on saved."],
  "bo.sso.err.issuer.not_https": [
    "L'émetteur doit être une URL https.",
    "The issuer must be an https URL.",
  ],
  "bo.sso.err.issuer.provider_unreachable": [
    "Le fournisseur ne répond pas à cette adresse (document de découverte introuvable).",
    "The provider does not answer at this address (no discovery document).",
  ],
  "bo.sso.err.issuer.invalid_issuer": [
    "Le fournisseur se présente sous une autre URL d'émetteur : copiez-la exactement.",
    "The provider names another issuer URL: copy it exactly.",
  ],
  "bo.sso.err.issuer.required": ["L'émetteur est obligatoire.", "The issuer is required."],
  "bo.sso.err.client_id.required": [
    "L'identifiant client est obligatoire.",
    "The client ID is required.",
  ],
  "bo.sso.err.display_name.required": ["Nommez le fournisseur.", "Name the provider."],
  "bo.sso.err.allowed_domains.required": [
    "Indiquez au moins un domaine e-mail de votre personnel.",
    "Name at least one e-mail domain of your staff.",
  ],
  "bo.sso.err.allowed_domains.invalid": [
    "Ce n'est pas un nom de domaine.",
    "This is not a domain name.",
  ],
  "bo.sso.err.sso_only.needs_enabled": [
    "Activez d'abord la connexion unique.",
    "Enable single sign-on first.",
  ],
};
addStrings(STRINGS);

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {unknown} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  const current = await request("GET", "/organisation/sso");
  /** @param {string} value @param {Record<string, string>} [extra] */
  const text = (value, extra = {}) =>
    /** @type {HTMLInputElement} */ (
      h("input", { type: "text", value, autocomplete: "off", spellcheck: "false", ...extra })
    );
  const inputs = {
    display_name: text(current.display_name || "", { maxlength: "60" }),
    issuer: text(current.issuer, { inputmode: "url" }),
    client_id: text(current.client_id),
    client_secret: text("", { type: "password", autocomplete: "new-password" }),
    allowed_domains: text(current.allowed_domains.join(", ")),
  };
  const check = (/** @type {string} */ name, /** @type {boolean} */ on) =>
    /** @type {HTMLInputElement} */ (
      h("input", { type: "checkbox", id: `sso-${name}`, checked: on, "data-testid": `sso-${name}` })
    );
  const enabled = check("enabled", current.enabled);
  const only = check("sso_only", current.sso_only);
  const secretState = h(
    "p",
    { class: "hint muted", id: "sso-client_secret-hint" },
    t(current.client_secret_set ? "bo.sso.secret_set" : "bo.sso.secret_unset"),
  );
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", { class: "notice", role: "status", hidden: true, "data-testid": "sso-saved" });
  const submit = h(
    "button",
    { type: "submit", class: "primary", "data-testid": "sso-save" },
    t("bo.sso.save"),
  );
  /** @param {keyof typeof inputs} name @param {string} [hint] */
  const f = (name, hint) =>
    field(`sso-${name}`, t(`bo.sso.${name}`), inputs[name], hint ? { hint } : {});
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "card stack bo-form bo-sso", novalidate: true, "data-testid": "sso-form" },
      box,
      f("display_name", t("bo.sso.display_hint")),
      f("issuer", t("bo.sso.issuer_hint")),
      f("client_id"),
      h(
        "div",
        {},
        field("sso-client_secret", t("bo.sso.client_secret"), inputs.client_secret),
        secretState,
      ),
      f("allowed_domains", t("bo.sso.domains_hint")),
      h(
        "div",
        { class: "check" },
        enabled,
        h("label", { for: "sso-enabled" }, t("bo.sso.enabled")),
      ),
      h("p", { class: "field-error", id: "sso-enabled-error", hidden: true }),
      h("div", { class: "check" }, only, h("label", { for: "sso-sso_only" }, t("bo.sso.sso_only"))),
      h("p", { class: "field-error", id: "sso-sso_only-error", hidden: true }),
      submit,
    )
  );
  for (const name of ["display_name", "issuer", "allowed_domains"])
    inputs[/** @type {keyof typeof inputs} */ (name)].setAttribute(
      "aria-describedby",
      `sso-${name}-hint`,
    );
  inputs.client_secret.setAttribute("aria-describedby", "sso-client_secret-hint");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    status.hidden = true;
    const secret = inputs.client_secret.value;
    const body = {
      display_name: inputs.display_name.value.trim(),
      issuer: inputs.issuer.value.trim(),
      client_id: inputs.client_id.value.trim(),
      client_secret: secret ? secret : null,
      allowed_domains: inputs.allowed_domains.value
        .split(/[\s,;]+/)
        .map((d) => d.trim())
        .filter(Boolean),
      enabled: enabled.checked,
      sso_only: only.checked,
    };
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    try {
      const saved = await request("PUT", "/organisation/sso", body);
      inputs.client_secret.value = "";
      inputs.allowed_domains.value = saved.allowed_domains.join(", ");
      secretState.textContent = t(
        saved.client_secret_set ? "bo.sso.secret_set" : "bo.sso.secret_unset",
      );
      status.textContent = t("bo.sso.saved");
      status.hidden = false;
      announce(status.textContent);
      form.setAttribute("aria-busy", "false");
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.sso",
        inputFor: (name) => {
          const bare = name.replace(/\[\d+\]$/, "");
          if (bare === "sso_only") return only;
          if (bare === "enabled") return enabled;
          return inputs[/** @type {keyof typeof inputs} */ (bare)] ?? null;
        },
      });
    } finally {
      submit.setAttribute("aria-disabled", "false");
    }
  });

  container.replaceChildren(
    h("h2", { id: "sso-heading" }, t("bo.sso.heading")),
    h("p", { class: "muted" }, t("bo.sso.intro")),
    h(
      "p",
      { class: "bo-sso" },
      t("bo.sso.redirect"),
      " ",
      h("code", { "data-testid": "sso-redirect" }, current.redirect_uri),
    ),
    status,
    form,
  );
}
