// The back office's People tab (#admin, online/backoffice.js): the organisation's people with
// their roles, manager, status and last activity, the invitation of a new person (the answer holds a single-use link,
// which the server also e-mails when it has an SMTP server: `emailed`), a person's roles, a
// fresh link for someone who lost theirs (the new link ends the ones sent before), and the
// deactivation of a person (sessions ended, history kept) and their reactivation; several
// people at once from lines pasted from a spreadsheet (./people-paste.js).
// Every refusal is shown next to the field it names, in French; nothing is half-applied.

import { ApiError, request } from "../../api.js";
import { addStrings, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { formatDateTime } from "../datetime.js";
import { pastePanel } from "./people-paste.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.people.heading": ["Personnes de l'organisation", "The organisation's people"],
  "bo.people.count": [
    "{count} {count|personne|personnes}",
    "{count} {count|person|people}",
  ],
  "bo.people.none": ["Personne pour le moment.", "Nobody yet."],
  "bo.people.email": ["E-mail", "E-mail"],
  "bo.people.roles": ["Rôles", "Roles"],
  "bo.people.manager": ["Manager", "Manager"],
  "bo.people.noManager": ["Aucun", "None"],
  "bo.people.you": ["(vous)", "(you)"],
  "bo.people.role.consultant": ["Consultant·e", "Consultant"],
  "bo.people.role.manager": ["Manager", "Manager"],
  "bo.people.role.admin": ["Administrateur·rice", "Administrator"],
  "bo.people.role.client_signer": ["Signataire client", "Client signer"],
  "bo.people.client": ["Entreprise cliente", "Client company"],
  "bo.people.invite.heading": ["Inviter une personne", "Invite a person"],
  "bo.people.invite.name": ["Nom affiché", "Display name"],
  "bo.people.invite.email": ["Adresse e-mail", "E-mail address"],
  "bo.people.invite.manager": ["Manager (facultatif)", "Manager (optional)"],
  "bo.people.invite.client": [
    "Entreprise cliente du ou de la signataire",
    "The signer's client company",
  ],
  "bo.people.invite.chooseClient": ["Choisir…", "Choose…"],
  "bo.people.invite.noClient": [
    "Aucune entreprise cliente : créez-la d'abord dans l'onglet Clients.",
    "No client company: create it first in the Clients tab.",
  ],
  "bo.people.invite.signerHelp": [
    "Un·e signataire client n'a que ce rôle et appartient à une entreprise cliente.",
    "A client signer holds only that role and belongs to a client company.",
  ],
  "bo.people.invite.submit": ["Inviter", "Invite"],
  "bo.people.invite.done": [
    "{name} est invité·e. Voici son lien d'invitation, à usage unique :",
    "{name} is invited. Here is their single-use invitation link:",
  ],
  "bo.people.link": ["Lien d'invitation", "Invitation link"],
  "bo.people.link.notMailed": [
    "Aucun serveur d'e-mail n'est configuré : Carnet n'envoie pas ce lien par e-mail, transmettez-le vous-même à la personne. Il ne sert qu'une fois et expire s'il n'est pas utilisé.",
    "No e-mail server is configured: Carnet does not e-mail this link, pass it on to the person yourself. It works once and expires if unused.",
  ],
  "bo.people.link.mailed": [
    "Carnet a aussi envoyé ce lien par e-mail à {email}. Il ne sert qu'une fois et expire s'il n'est pas utilisé ; vous pouvez aussi le transmettre vous-même.",
    "Carnet also e-mailed this link to {email}. It works once and expires if unused; you may also pass it on yourself.",
  ],
  "bo.people.copy": ["Copier le lien", "Copy the link"],
  "bo.people.copied": ["Lien copié.", "Link copied."],
  "bo.people.copyFailed": [
    "Copie impossible : sélectionnez le lien et copiez-le.",
    "Could not copy: select the link and copy it.",
  ],
  "bo.people.editRoles": ["Modifier les rôles", "Change roles"],
  "bo.people.editRolesOf": ["Modifier les rôles de {name}", "Change {name}'s roles"],
  "bo.people.rolesOf": ["Rôles de {name}", "Roles of {name}"],
  "bo.people.saveRoles": ["Enregistrer les rôles", "Save roles"],
  "bo.people.cancel": ["Annuler", "Cancel"],
  "bo.people.rolesSaved": ["Rôles de {name} enregistrés.", "{name}'s roles saved."],
  "bo.people.rolesNote": [
    "La personne devra se reconnecter pour que ses nouveaux droits s'appliquent.",
    "The person must sign in again for the new rights to apply.",
  ],
  "bo.people.devices": ["Appareils et clés d'accès", "Devices and passkeys"],
  "bo.people.devicesOf": [
    "Appareils et clés d'accès de {name}",
    "{name}'s devices and passkeys",
  ],
  "bo.people.reinvite": ["Nouveau lien d'invitation", "New invitation link"],
  "bo.people.reinviteOf": [
    "Nouveau lien d'invitation pour {name}",
    "New invitation link for {name}",
  ],
  "bo.people.reinvited": [
    "Nouveau lien pour {name} ; les liens envoyés avant ne fonctionnent plus :",
    "New link for {name}; the links sent before no longer work:",
  ],
  "bo.people.inactive": ["Désactivé·e", "Deactivated"],
  "bo.people.lastActive": ["Dernière activité : {at}", "Last active: {at}"],
  "bo.people.neverActive": ["Pas encore connecté·e", "Not signed in yet"],
  "bo.people.privacy": ["Données personnelles", "Personal data"],
  "bo.people.privacyOf": ["Données personnelles de {name}", "{name}'s personal data"],
  "bo.people.deactivate": ["Désactiver", "Deactivate"],
  "bo.people.deactivateOf": ["Désactiver {name}", "Deactivate {name}"],
  "bo.people.deactivate.confirmText": [
    "Désactiver {name} ? Ses sessions ouvertes se terminent tout de suite et ses appareils ne reçoivent plus de notifications ; cette personne ne pourra plus se connecter. Tout son historique est conservé : CRA, signatures et factures restent intacts. Vous pourrez la réactiver.",
    "Deactivate {name}? Their open sessions end at once and their devices stop receiving notifications; they can no longer sign in. All their history is kept: reports, signatures and invoices stay intact. You can reactivate them.",
  ],
  "bo.people.deactivate.confirm": ["Confirmer la désactivation", "Confirm deactivation"],
  "bo.people.deactivated": [
    "{name} est désactivé·e : ses sessions sont terminées, son historique est conservé.",
    "{name} is deactivated: their sessions ended, their history is kept.",
  ],
  "bo.people.reactivate": ["Réactiver", "Reactivate"],
  "bo.people.reactivateOf": ["Réactiver {name}", "Reactivate {name}"],
  "bo.people.reactivate.confirmText": [
    "Réactiver {name} ? Cette personne pourra de nouveau se connecter avec ses clés d'accès et retrouvera tout son historique.",
    "Reactivate {name}? They can sign in again with their passkeys and find all their history.",
  ],
  "bo.people.reactivate.confirm": ["Confirmer la réactivation", "Confirm reactivation"],
  "bo.people.reactivated": [
    "{name} est réactivé·e et peut de nouveau se connecter.",
    "{name} is reactivated and can sign in again.",
  ],
  "bo.people.err.deactivate_self": [
    "Vous ne pouvez pas désactiver votre propre compte.",
    "You cannot deactivate your own account.",
  ],
  "bo.people.err.person_inactive": [
    "Cette personne est désactivée : réactivez-la avant de lui envoyer un nouveau lien.",
    "This person is deactivated: reactivate them before sending a new link.",
  ],
  "bo.people.err.email_taken": [
    "Cette adresse e-mail est déjà enregistrée dans Carnet.",
    "This e-mail address is already registered in Carnet.",
  ],
  "bo.people.err.email": [
    "Adresse e-mail invalide (exemple : prenom.nom@entreprise.fr).",
    "Invalid e-mail address (e.g. first.last@company.com).",
  ],
  "bo.people.err.display_name": [
    "Indiquez un nom (120 caractères au plus).",
    "Enter a name (120 characters at most).",
  ],
  "bo.people.err.roles": ["Choisissez au moins un rôle.", "Choose at least one role."],
  "bo.people.err.signer_exclusive": [
    "Un·e signataire client ne peut pas avoir d'autre rôle.",
    "A client signer cannot hold another role.",
  ],
  "bo.people.err.last_admin_self": [
    "Vous ne pouvez pas retirer votre propre rôle d'administrateur·rice.",
    "You cannot remove your own administrator role.",
  ],
  "bo.people.err.not_a_manager": [
    "Cette personne n'a pas le rôle de manager.",
    "This person does not hold the manager role.",
  ],
  "bo.people.err.unknown_person": [
    "Personne inconnue dans l'organisation.",
    "Unknown person in the organisation.",
  ],
  "bo.people.err.client_required": [
    "Choisissez l'entreprise cliente du ou de la signataire.",
    "Choose the signer's client company.",
  ],
  "bo.people.err.unknown_client": ["Entreprise cliente inconnue.", "Unknown client company."],
  "bo.people.err.other": ["Refusé par le serveur : {reason}", "Refused by the server: {reason}"],
  "bo.people.err.offline": [
    "Pas de connexion au serveur : rien n'a été enregistré. Réessayez quand le réseau revient.",
    "No connection to the server: nothing was saved. Try again when the network is back.",
  ],
  "bo.people.err.forbidden": [
    "Votre session ne permet plus cette action : reconnectez-vous.",
    "Your session no longer allows this: sign in again.",
  ],
};
addStrings(STRINGS);

const ROLES = ["consultant", "manager", "admin", "client_signer"];

/** The tab's styles (backoffice/people.css), added once. */
let styled = false;
function ensureStyles() {
  if (styled) return;
  styled = true;
  document.head.append(h("link", { rel: "stylesheet", href: "/js/online/backoffice/people.css" }));
}

/** @param {string} role */
const roleLabel = (role) => (ROLES.includes(role) ? t(`bo.people.role.${role}`) : role);

/** A field's own error paragraph, named by the field's aria-describedby. */
const fieldError = (/** @type {string} */ id) =>
  h("p", { class: "field-error", id, hidden: true, "data-testid": id });

/** @param {HTMLElement} el @param {string} text */
function setError(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

/**
 * A refusal's French text: by its code, then by the field it names, then the server's reason.
 * @param {{field: string, code: string, message: string}} e
 */
function refusalText(e) {
  const byCode = `bo.people.err.${e.code}`;
  if (e.code !== "invalid" && t(byCode) !== byCode) return t(byCode);
  const field = fieldOf(e.field);
  const byField = `bo.people.err.${field}`;
  if (t(byField) !== byField) return t(byField);
  return t("bo.people.err.other", { reason: e.message || e.code });
}

/** `roles[0]` and `roles` are both the roles' fieldset. @param {string} field */
const fieldOf = (field) => field.replace(/\[\d+\]$/, "").replace(/^body\./, "");

/**
 * Show an API refusal next to the fields it names; the rest (or a refusal naming no field)
 * goes to `general`.
 * @param {unknown} error
 * @param {Record<string, HTMLElement>} slots  field → its error paragraph
 * @param {HTMLElement} general
 */
function showRefusal(error, slots, general) {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 0) return setError(general, t("bo.people.err.offline"));
  if (error.status === 401 || error.status === 403) {
    return setError(general, t("bo.people.err.forbidden"));
  }
  const loose = [];
  for (const e of error.errors) {
    const slot = slots[fieldOf(e.field)];
    if (slot) setError(slot, [slot.textContent, refusalText(e)].filter(Boolean).join(" "));
    else loose.push(refusalText(e));
  }
  if (!error.errors.length) {
    loose.push(t("bo.people.err.other", { reason: error.detail || error.title }));
  }
  if (loose.length) setError(general, loose.join(" "));
  // The first field refused gets the focus, so a keyboard user lands on what to fix.
  const first = Object.values(slots).find((slot) => !slot.hidden);
  const target = first?.closest(".field, fieldset")?.querySelector("input, select");
  if (target instanceof HTMLElement) target.focus();
}

/**
 * A link to hand over, with its copy button; says whether Carnet also e-mailed it.
 * @param {string} url @param {string} id @param {{emailed?: boolean, email: string}} sent
 */
function linkBox(url, id, sent) {
  const input = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", id, readonly: true, value: url, "data-testid": "invite-url" })
  );
  const said = h("p", { class: "hint", role: "status", "data-testid": "copy-status" });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      said.textContent = t("bo.people.copied");
    } catch {
      input.select();
      said.textContent = t("bo.people.copyFailed");
    }
  };
  return h(
    "div",
    { class: "bo-link" },
    h("label", { for: id }, t("bo.people.link")),
    h(
      "div",
      { class: "bo-link-row" },
      input,
      h(
        "button",
        { type: "button", class: "secondary small", onclick: copy, "data-testid": "copy-link" },
        t("bo.people.copy"),
      ),
    ),
    said,
    h(
      "p",
      { class: "hint", "data-testid": "link-mailed" },
      sent.emailed
        ? t("bo.people.link.mailed", { email: sent.email })
        : t("bo.people.link.notMailed"),
    ),
  );
}

/**
 * The tab: the invitation form, then the list of people.
 * @param {HTMLElement} container
 * @param {{person: {id: string}}} props
 */
export async function mount(container, { person: me }) {
  ensureStyles();
  /** @type {any[]} */
  let people = [];
  /** @type {any[]} */
  let clients = [];
  const list = h("ul", { class: "bo-people", "data-testid": "people-list" });
  const count = h("p", { class: "muted" });
  const managerSelect = /** @type {HTMLSelectElement} */ (
    h("select", { id: "invite-manager", "aria-describedby": "invite-manager-error" })
  );
  const clientSelect = /** @type {HTMLSelectElement} */ (
    h("select", { id: "invite-client", "aria-describedby": "invite-client-error" })
  );

  /** When each person was last seen (ISO date-time), by id; someone never seen is absent. */
  let seen = new Map();

  async function load() {
    /** @type {Array<{person_id: string, last_active_at: string}>} */
    let activity;
    [people, clients, activity] = await Promise.all([
      request("GET", "/people"),
      request("GET", "/clients"),
      request("GET", "/people/activity"),
    ]);
    seen = new Map(activity.map((a) => [a.person_id, a.last_active_at]));
    people.sort((a, b) => a.display_name.localeCompare(b.display_name, "fr"));
    drawList();
    drawChoices();
  }

  function drawChoices() {
    const chosenManager = managerSelect.value;
    managerSelect.replaceChildren(
      h("option", { value: "" }, t("bo.people.noManager")),
      ...people
        .filter((p) => p.roles.includes("manager"))
        .map((p) => h("option", { value: p.id }, `${p.display_name} · ${p.email}`)),
    );
    managerSelect.value = chosenManager;
    if (managerSelect.selectedIndex < 0) managerSelect.value = "";
    const chosenClient = clientSelect.value;
    clientSelect.replaceChildren(
      h("option", { value: "" }, t("bo.people.invite.chooseClient")),
      ...clients.map((c) => h("option", { value: c.id }, c.legal_name)),
    );
    clientSelect.value = chosenClient;
    if (clientSelect.selectedIndex < 0) clientSelect.value = "";
    noClient.hidden = clients.length > 0;
  }

  function drawList() {
    count.textContent = t("bo.people.count", { count: people.length });
    const names = new Map(people.map((p) => [p.id, p.display_name]));
    list.replaceChildren(
      ...(people.length
        ? people.map((p) => row(p, names))
        : [h("li", { class: "muted" }, t("bo.people.none"))]),
    );
  }

  /**
   * One person: name, e-mail, roles, manager; their roles editor and a new link on demand.
   * @param {any} p @param {Map<string, string>} names
   */
  function row(p, names) {
    const key = p.id;
    const slot = h("div", { class: "bo-person-more" });
    const client = clients.find((c) => c.id === p.client_company_id);
    const inactive = p.active === false;
    const item = h(
      "li",
      {
        class: inactive ? "bo-person bo-inactive" : "bo-person",
        "data-testid": "person",
        "data-email": p.email,
      },
      h(
        "div",
        { class: "bo-who" },
        h("strong", {}, p.display_name, p.id === me.id ? ` ${t("bo.people.you")}` : ""),
        h("span", { class: "bo-email" }, p.email),
        h(
          "small",
          { class: "muted", "data-testid": "last-active" },
          seen.has(p.id)
            ? t("bo.people.lastActive", {
                at: formatDateTime(seen.get(p.id), { dateStyle: "medium", timeStyle: "short" }),
              })
            : t("bo.people.neverActive"),
        ),
        inactive
          ? h(
              "span",
              { class: "badge bo-inactive-badge", "data-testid": "inactive-badge" },
              t("bo.people.inactive"),
            )
          : "",
      ),
      h(
        "div",
        { class: "bo-roles" },
        h("span", { class: "visually-hidden" }, `${t("bo.people.roles")} : `),
        ...p.roles.map((r) => h("span", { class: "badge", "data-testid": "role" }, roleLabel(r))),
      ),
      h(
        "div",
        { class: "bo-manager", "data-testid": "manager" },
        client
          ? `${t("bo.people.client")} : ${client.legal_name}`
          : p.manager_id
            ? `${t("bo.people.manager")} : ${names.get(p.manager_id) ?? "?"}`
            : "",
      ),
      h(
        "div",
        { class: "bo-actions" },
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "aria-label": t("bo.people.editRolesOf", { name: p.display_name }),
            "data-testid": "edit-roles",
            onclick: () => slot.replaceChildren(rolesEditor(p, item, slot)),
          },
          t("bo.people.editRoles"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "aria-label": t("bo.people.reinviteOf", { name: p.display_name }),
            "data-testid": "reinvite",
            onclick: () => reinvite(p, slot, key),
          },
          t("bo.people.reinvite"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "aria-label": t("bo.people.devicesOf", { name: p.display_name }),
            "data-testid": "devices",
            onclick: () => showDevices(p, slot),
          },
          t("bo.people.devices"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "aria-label": t("bo.people.privacyOf", { name: p.display_name }),
            "data-testid": "personal-data",
            onclick: () => showPrivacy(p, item, slot),
          },
          t("bo.people.privacy"),
        ),
        // An administrator cannot deactivate themselves (the server refuses it too).
        p.id === me.id
          ? ""
          : h(
              "button",
              {
                type: "button",
                class: "secondary small",
                "aria-label": t(inactive ? "bo.people.reactivateOf" : "bo.people.deactivateOf", {
                  name: p.display_name,
                }),
                "data-testid": inactive ? "reactivate" : "deactivate",
                onclick: () => slot.replaceChildren(activeConfirm(p, item, slot)),
              },
              t(inactive ? "bo.people.reactivate" : "bo.people.deactivate"),
            ),
      ),
      slot,
    );
    return item;
  }

  /**
   * The confirmation, in the page, of a deactivation (what it does: sessions ended, history
   * kept) or a reactivation; confirmed, the row is redrawn with or without its badge.
   * @param {any} p @param {HTMLElement} item @param {HTMLElement} slot
   */
  function activeConfirm(p, item, slot) {
    const deactivating = p.active !== false;
    const verb = deactivating ? "deactivate" : "reactivate";
    const general = h("p", {
      class: "error",
      role: "alert",
      hidden: true,
      "data-testid": "active-error",
    });
    const textId = `active-text-${p.id}`;
    const confirm = h(
      "button",
      { type: "button", class: "primary small", "data-testid": `confirm-${verb}` },
      t(`bo.people.${verb}.confirm`),
    );
    let busy = false;
    confirm.addEventListener("click", async () => {
      if (busy) return;
      busy = true;
      confirm.setAttribute("aria-disabled", "true");
      setError(general, "");
      try {
        const updated = await request("POST", `/people/${p.id}/${verb}`);
        const index = people.findIndex((x) => x.id === p.id);
        people[index] = updated;
        const fresh = row(updated, new Map(people.map((x) => [x.id, x.display_name])));
        item.replaceWith(fresh);
        const message = t(deactivating ? "bo.people.deactivated" : "bo.people.reactivated", {
          name: updated.display_name,
        });
        const said = h(
          "p",
          { class: "notice", role: "status", "data-testid": "active-saved" },
          message,
        );
        fresh.querySelector(".bo-person-more")?.replaceChildren(said);
        const next = deactivating ? "reactivate" : "deactivate";
        const again = fresh.querySelector(`[data-testid=${next}]`);
        if (again instanceof HTMLElement) again.focus();
      } catch (refusal) {
        showRefusal(refusal, {}, general);
      } finally {
        busy = false;
        confirm.setAttribute("aria-disabled", "false");
      }
    });
    const box = h(
      "div",
      {
        class: deactivating ? "notice warn bo-confirm" : "notice bo-confirm",
        role: "group",
        "aria-labelledby": textId,
        "data-testid": `${verb}-confirm`,
      },
      h("p", { id: textId }, t(`bo.people.${verb}.confirmText`, { name: p.display_name })),
      general,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", class: "secondary small", onclick: () => slot.replaceChildren() },
          t("bo.people.cancel"),
        ),
        confirm,
      ),
    );
    queueMicrotask(() => confirm.focus());
    return box;
  }

  /**
   * The person's passkeys, sessions and synchronised devices (./devices.js), with revoke.
   * @param {any} p @param {HTMLElement} slot
   */
  async function showDevices(p, slot) {
    const general = h("p", { class: "error", role: "alert", hidden: true });
    slot.replaceChildren(general);
    try {
      const { devicesPanel } = await import("./devices.js");
      slot.replaceChildren(
        await devicesPanel(p, { onClose: () => slot.replaceChildren() }),
      );
      slot.querySelector("h4")?.setAttribute("tabindex", "-1");
      /** @type {HTMLElement | null} */ (slot.querySelector("h4"))?.focus();
    } catch (error) {
      showRefusal(error, {}, general);
    }
  }

  /**
   * The person's data (../privacy.js, on demand): export as JSON or PDF, and erasure after a
   * confirmation; once erased, the row is redrawn under the pseudonym with the answer.
   * @param {any} p @param {HTMLElement} item @param {HTMLElement} slot
   */
  async function showPrivacy(p, item, slot) {
    const general = h("p", { class: "error", role: "alert", hidden: true });
    slot.replaceChildren(general);
    try {
      const privacy = await import("../privacy.js");
      const onErased = async (/** @type {any} */ report) => {
        const updated = await request("GET", `/people/${p.id}`);
        people[people.findIndex((x) => x.id === p.id)] = updated;
        const fresh = row(updated, new Map(people.map((x) => [x.id, x.display_name])));
        item.replaceWith(fresh);
        fresh.querySelector(".bo-person-more")?.replaceChildren(
          privacy.erasedNotice(p.display_name, report),
        );
      };
      slot.replaceChildren(
        privacy.adminPanel(p, {
          onClose: () => slot.replaceChildren(),
          onErased,
          self: p.id === me.id,
        }),
      );
      slot.querySelector("h4")?.setAttribute("tabindex", "-1");
      /** @type {HTMLElement | null} */ (slot.querySelector("h4"))?.focus();
    } catch (error) {
      showRefusal(error, {}, general);
    }
  }

  /** @param {any} p @param {HTMLElement} slot @param {string} key */
  async function reinvite(p, slot, key) {
    const general = h("p", { class: "error", role: "alert", hidden: true });
    slot.replaceChildren(general);
    try {
      const answer = await request("POST", `/people/${p.id}/invitations`);
      slot.replaceChildren(
        h(
          "div",
          { class: "notice", "data-testid": "reinvited" },
          h("p", {}, t("bo.people.reinvited", { name: p.display_name })),
          linkBox(answer.invitation_url, `relink-${key}`, {
            emailed: answer.emailed,
            email: p.email,
          }),
        ),
      );
      announce(t("bo.people.reinvited", { name: p.display_name }));
    } catch (error) {
      showRefusal(error, {}, general);
    }
  }

  /**
   * The roles of `p` as checkboxes; saved as one change, refused next to them.
   * @param {any} p @param {HTMLElement} item @param {HTMLElement} slot
   */
  function rolesEditor(p, item, slot) {
    const errorId = `roles-error-${p.id}`;
    const error = fieldError(errorId);
    error.setAttribute("data-testid", "roles-error");
    const general = h("p", { class: "error", role: "alert", hidden: true });
    const boxes = ROLES.map((role) =>
      h("input", {
        type: "checkbox",
        id: `role-${p.id}-${role}`,
        value: role,
        checked: p.roles.includes(role),
        "data-testid": `edit-role-${role}`,
      }),
    );
    const save = h(
      "button",
      { type: "submit", class: "primary small", "data-testid": "save-roles" },
      t("bo.people.saveRoles"),
    );
    const form = h(
      "form",
      { class: "bo-roles-form", novalidate: true },
      h(
        "fieldset",
        { class: "bo-checks", "aria-describedby": errorId },
        h("legend", {}, t("bo.people.rolesOf", { name: p.display_name })),
        ...ROLES.map((role, i) =>
          h("div", { class: "check" }, boxes[i], h("label", { for: boxes[i].id }, roleLabel(role))),
        ),
        error,
      ),
      general,
      h("p", { class: "hint" }, t("bo.people.rolesNote")),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", class: "secondary small", onclick: () => slot.replaceChildren() },
          t("bo.people.cancel"),
        ),
        save,
      ),
    );
    let busy = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) return;
      setError(error, "");
      setError(general, "");
      const roles = boxes
        .filter((b) => /** @type {HTMLInputElement} */ (b).checked)
        .map((b) => /** @type {HTMLInputElement} */ (b).value);
      busy = true;
      save.setAttribute("aria-disabled", "true");
      try {
        const updated = await request("PUT", `/people/${p.id}/roles`, { roles });
        const index = people.findIndex((x) => x.id === p.id);
        people[index] = updated;
        const names = new Map(people.map((x) => [x.id, x.display_name]));
        const fresh = row(updated, names);
        item.replaceWith(fresh);
        drawChoices();
        const said = h(
          "p",
          { class: "notice", role: "status", "data-testid": "roles-saved" },
          t("bo.people.rolesSaved", { name: updated.display_name }),
        );
        fresh.querySelector(".bo-person-more")?.replaceChildren(said);
        const again = fresh.querySelector("[data-testid=edit-roles]");
        if (again instanceof HTMLElement) again.focus();
      } catch (refusal) {
        showRefusal(refusal, { roles: error }, general);
      } finally {
        busy = false;
        save.setAttribute("aria-disabled", "false");
      }
    });
    queueMicrotask(() => /** @type {HTMLElement} */ (boxes[0]).focus());
    return form;
  }

  // -- the invitation form -------------------------------------------------------------------

  const errors = {
    display_name: fieldError("invite-name-error"),
    email: fieldError("invite-email-error"),
    roles: fieldError("invite-roles-error"),
    manager_id: fieldError("invite-manager-error"),
    client_company_id: fieldError("invite-client-error"),
  };
  const general = h("p", {
    class: "error",
    role: "alert",
    hidden: true,
    "data-testid": "invite-error",
  });
  const name = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "text",
      id: "invite-name",
      autocomplete: "off",
      maxlength: "120",
      "aria-required": "true",
      "aria-describedby": "invite-name-error",
    })
  );
  const email = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "email",
      id: "invite-email",
      autocomplete: "off",
      spellcheck: "false",
      "aria-required": "true",
      "aria-describedby": "invite-email-error",
    })
  );
  const roleBoxes = ROLES.map(
    (role) =>
      /** @type {HTMLInputElement} */ (
        h("input", {
          type: "checkbox",
          id: `invite-role-${role}`,
          value: role,
          checked: role === "consultant",
          onchange: () => syncSigner(),
        })
      ),
  );
  const noClient = h("p", { class: "hint", hidden: true }, t("bo.people.invite.noClient"));
  const clientField = h(
    "div",
    { class: "field", hidden: true },
    h("label", { for: "invite-client" }, t("bo.people.invite.client")),
    clientSelect,
    noClient,
    errors.client_company_id,
  );
  const managerField = h(
    "div",
    { class: "field" },
    h("label", { for: "invite-manager" }, t("bo.people.invite.manager")),
    managerSelect,
    errors.manager_id,
  );
  /** A client signer belongs to a client company and has no manager in the firm. */
  function syncSigner() {
    const signer = roleBoxes[ROLES.indexOf("client_signer")].checked;
    clientField.hidden = !signer;
    managerField.hidden = signer;
  }
  const submit = h(
    "button",
    { type: "submit", class: "primary", "data-testid": "invite-submit" },
    t("bo.people.invite.submit"),
  );
  const result = h("div", { "data-testid": "invite-result" });
  const form = h(
    "form",
    { class: "stack", novalidate: true, "data-testid": "invite-form" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "invite-name" }, t("bo.people.invite.name")),
      name,
      errors.display_name,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "invite-email" }, t("bo.people.invite.email")),
      email,
      errors.email,
    ),
    h(
      "fieldset",
      { class: "bo-checks", "aria-describedby": "invite-roles-error invite-roles-help" },
      h("legend", {}, t("bo.people.roles")),
      ...ROLES.map((role, i) =>
        h(
          "div",
          { class: "check" },
          roleBoxes[i],
          h("label", { for: roleBoxes[i].id }, roleLabel(role)),
        ),
      ),
      h("p", { class: "hint", id: "invite-roles-help" }, t("bo.people.invite.signerHelp")),
      errors.roles,
    ),
    managerField,
    clientField,
    general,
    submit,
  );
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    for (const slot of Object.values(errors)) setError(slot, "");
    setError(general, "");
    result.replaceChildren();
    const roles = roleBoxes.filter((b) => b.checked).map((b) => b.value);
    const signer = roles.includes("client_signer");
    const body = {
      display_name: name.value,
      email: email.value,
      roles,
      manager_id: !signer && managerSelect.value ? managerSelect.value : null,
      client_company_id: signer && clientSelect.value ? clientSelect.value : null,
    };
    busy = true;
    submit.setAttribute("aria-disabled", "true");
    form.setAttribute("aria-busy", "true");
    try {
      const answer = await request("POST", "/people", body);
      const invited = answer.person;
      form.reset();
      syncSigner();
      result.replaceChildren(
        h(
          "div",
          { class: "notice", role: "status", "data-testid": "invited" },
          h("p", {}, t("bo.people.invite.done", { name: invited.display_name })),
          linkBox(answer.invitation_url, "invite-url", {
            emailed: answer.emailed,
            email: invited.email,
          }),
        ),
      );
      announce(t("bo.people.invite.done", { name: invited.display_name }));
      try {
        await load();
      } catch {
        // The person exists; the list catches up on the next visit.
        people.push(invited);
        drawList();
      }
    } catch (error) {
      showRefusal(error, errors, general);
    } finally {
      busy = false;
      submit.setAttribute("aria-disabled", "false");
      form.setAttribute("aria-busy", "false");
    }
  });

  await load();
  container.replaceChildren(
    h(
      "section",
      { class: "card bo-invite", "aria-labelledby": "invite-heading" },
      h("h2", { id: "invite-heading" }, t("bo.people.invite.heading")),
      form,
      result,
    ),
    // Several people at once, from pasted lines, through the import (./people-paste.js).
    pastePanel({ onInvited: () => load().catch(() => {}) }),
    h(
      "section",
      { "aria-labelledby": "people-heading" },
      h("h2", { id: "people-heading" }, t("bo.people.heading")),
      count,
      list,
    ),
  );
}
