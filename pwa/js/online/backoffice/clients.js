// The back office's Clients tab: the organisation's client companies (legal name, SIREN,
// VAT number, billing address) and a form to add one. The server checks every field; its
// refusals are shown next to the fields they name.

import { request } from "../../api.js";
import { addStrings, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, showRefusal } from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.clients.heading": ["Clients", "Clients"],
  "bo.clients.empty": ["Aucun client pour l'instant.", "No clients yet."],
  "bo.clients.count": ["{count} {count|client|clients}", "{count} {count|client|clients}"],
  "bo.clients.siren": ["SIREN", "SIREN"],
  "bo.clients.vat": ["TVA", "VAT"],
  "bo.clients.new": ["Nouveau client", "New client"],
  "bo.clients.legal_name": ["Raison sociale", "Legal name"],
  "bo.clients.siren_label": ["SIREN (9 chiffres)", "SIREN (9 digits)"],
  "bo.clients.vat_label": ["Numéro de TVA intracommunautaire", "EU VAT number"],
  "bo.clients.vat_hint": ["Par exemple FR32123456789.", "For example FR32123456789."],
  "bo.clients.address": ["Adresse de facturation", "Billing address"],
  "bo.clients.create": ["Créer le client", "Create the client"],
  "bo.clients.created": ["Client « {name} » créé.", "Client “{name}” created."],
  "bo.clients.err.legal_name.invalid": [
    "Donnez la raison sociale (200 caractères au plus).",
    "Give the legal name (200 characters at most).",
  ],
  "bo.clients.err.billing_address.invalid": [
    "500 caractères au plus, sans caractère de contrôle.",
    "500 characters at most, no control characters.",
  ],
  "bo.clients.err.siren.invalid": [
    "Le SIREN compte exactement 9 chiffres, sans espace.",
    "A SIREN is exactly 9 digits, without spaces.",
  ],
  "bo.clients.err.vat_number.invalid": [
    "Deux lettres majuscules (le pays, ex. FR) puis 2 à 13 lettres ou chiffres, sans espace.",
    "Two capital letters (the country, e.g. FR) then 2 to 13 letters or digits, no spaces.",
  ],
};
addStrings(STRINGS);

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  const list = h("div", { "data-testid": "clients-list" });
  const status = h("p", { class: "notice", role: "status", hidden: true });

  const inputs = {
    legal_name: h("input", {
      type: "text",
      required: true,
      maxlength: 200,
      autocomplete: "organization",
    }),
    siren: h("input", { type: "text", inputmode: "numeric", required: true, autocomplete: "off" }),
    vat_number: h("input", {
      type: "text",
      required: true,
      autocapitalize: "characters",
      autocomplete: "off",
    }),
    billing_address: h("textarea", { rows: 3, maxlength: 500 }),
  };
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("bo.clients.create"));
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "card stack bo-form",
        novalidate: true,
        "data-testid": "client-form",
        "aria-labelledby": "client-form-heading",
      },
      h("h3", { id: "client-form-heading" }, t("bo.clients.new")),
      box,
      field("client-legal-name", t("bo.clients.legal_name"), inputs.legal_name),
      field("client-siren", t("bo.clients.siren_label"), inputs.siren),
      field("client-vat", t("bo.clients.vat_label"), inputs.vat_number, {
        hint: t("bo.clients.vat_hint"),
      }),
      field("client-address", t("bo.clients.address"), inputs.billing_address, { optional: true }),
      submit,
    )
  );
  inputs.vat_number.setAttribute("aria-describedby", "client-vat-hint");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    status.hidden = true;
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    const body = {
      legal_name: /** @type {HTMLInputElement} */ (inputs.legal_name).value,
      siren: /** @type {HTMLInputElement} */ (inputs.siren).value.trim(),
      vat_number: /** @type {HTMLInputElement} */ (inputs.vat_number).value.trim().toUpperCase(),
      billing_address: /** @type {HTMLTextAreaElement} */ (inputs.billing_address).value,
    };
    try {
      const created = await request("POST", "/clients", body);
      form.reset();
      status.textContent = t("bo.clients.created", { name: created.legal_name });
      status.hidden = false;
      announce(status.textContent);
      await load();
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.clients",
        inputFor: (name) => inputs[/** @type {keyof typeof inputs} */ (name)] ?? null,
      });
    } finally {
      form.setAttribute("aria-busy", "false");
      submit.setAttribute("aria-disabled", "false");
    }
  });

  async function load() {
    /** @type {{id: string, legal_name: string, siren: string, vat_number: string,
     *   billing_address: string}[]} */
    const clients = await request("GET", "/clients");
    list.replaceChildren(
      h(
        "p",
        { class: "muted" },
        clients.length ? t("bo.clients.count", { count: clients.length }) : t("bo.clients.empty"),
      ),
      h(
        "ul",
        { class: "bo-list" },
        ...clients.map((c) =>
          h(
            "li",
            { class: "card", "data-testid": "client-item", "data-client-id": c.id },
            h("strong", {}, c.legal_name),
            h(
              "dl",
              { class: "bo-facts" },
              h("div", {}, h("dt", {}, t("bo.clients.siren")), h("dd", {}, c.siren)),
              h("div", {}, h("dt", {}, t("bo.clients.vat")), h("dd", {}, c.vat_number)),
            ),
            c.billing_address ? h("p", { class: "muted bo-address" }, c.billing_address) : null,
            editButton(c),
          ),
        ),
      ),
    );
  }

  /**
   * The button opening a client's identity, wording and signers (./client-edit.js) under it.
   * @param {{id: string, legal_name: string}} c
   */
  function editButton(c) {
    const slot = h("div", { class: "bo-client-slot" });
    const button = h(
      "button",
      {
        type: "button",
        class: "secondary small",
        "aria-label": t("bo.client.editOf", { name: c.legal_name }),
        "aria-expanded": "false",
        "data-testid": "client-edit",
        onclick: async () => {
          if (button.getAttribute("aria-expanded") === "true") return;
          button.setAttribute("aria-expanded", "true");
          try {
            const { clientPanel } = await import("./client-edit.js");
            const close = () => {
              slot.replaceChildren();
              button.setAttribute("aria-expanded", "false");
              button.focus();
            };
            /**
             * The list shows the saved name, SIREN and VAT number at once.
             * @param {{legal_name: string, siren: string, vat_number: string}} saved
             */
            const onSaved = (saved) => {
              const item = slot.closest("li");
              const name = item?.querySelector("strong");
              if (name) name.textContent = saved.legal_name;
              const [siren, vat] = item?.querySelectorAll(".bo-facts dd") ?? [];
              if (siren) siren.textContent = saved.siren;
              if (vat) vat.textContent = saved.vat_number;
            };
            slot.replaceChildren(await clientPanel(c, { onSaved, onClose: close }));
            slot.querySelector("input")?.focus();
          } catch (error) {
            button.setAttribute("aria-expanded", "false");
            slot.replaceChildren(h("p", { class: "error", role: "alert" }, t("bo.dir.offline")));
            console.warn("client", error);
          }
        },
      },
      t("bo.client.edit"),
    );
    return h("div", { class: "bo-client-more" }, button, slot);
  }

  await import("./client-edit.js");
  await load();
  container.replaceChildren(h("h2", {}, t("bo.clients.heading")), status, form, list);
}
