// People's data rights (docs/privacy.md), loaded on demand so the offline shell does not grow:
// a person's own card ("Mes données": everything Carnet holds about them, as JSON and as a
// readable PDF, RGPD art. 15 and 20), and the administrator's panel for one person in
// Administration → Personnes (the same downloads, and the erasure on request, art. 17, after a
// confirmation that says what goes and what the law makes the firm keep).

import { ApiError, request } from "../api.js";
import { addStrings, t } from "../i18n.js";
import { announce, h } from "../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "privacy.heading": ["Mes données", "My data"],
  "privacy.intro": [
    "Téléchargez tout ce que Carnet conserve sur vous : identité, rôles, missions, mois et jours, congés, notes de frais (justificatifs par empreinte), clés d'accès, sessions, appareils, préférences de notification et journal d'audit.",
    "Download everything Carnet holds about you: identity, roles, missions, months and days, leave, expenses (receipts by hash), passkeys, sessions, devices, notification preferences and audit trail.",
  ],
  "privacy.json": ["Télécharger (JSON, lisible par une machine)", "Download (JSON, machine-readable)"],
  "privacy.pdf": ["Télécharger (PDF, lisible)", "Download (PDF, readable)"],
  "privacy.rights": [
    "Pour faire effacer vos données, adressez-vous à l'administrateur de votre organisation.",
    "To have your data erased, ask your organisation's administrator.",
  ],
  "privacy.adminHeading": ["Données personnelles de {name}", "{name}'s personal data"],
  "privacy.erase": ["Effacer les données…", "Erase the data…"],
  "privacy.eraseOf": ["Effacer les données de {name}", "Erase {name}'s data"],
  "privacy.confirmText": [
    "Effacer les données de {name} ? Son identité est remplacée par un pseudonyme, ses sessions, clés d'accès et abonnements push sont révoqués, ses préférences, appareils et justificatifs non utilisés sont supprimés. Ce que la loi impose de garder reste : factures (10 ans), CRA signés, mois et congés (paie). C'est définitif.",
    "Erase {name}'s data? Their identity is replaced by a pseudonym, their sessions, passkeys and push subscriptions are revoked, their preferences, devices and unused receipts are deleted. What the law makes the firm keep stays: invoices (10 years), signed CRAs, months and leave (payroll). This cannot be undone.",
  ],
  "privacy.confirm": ["Confirmer l'effacement", "Confirm erasure"],
  "privacy.cancel": ["Annuler", "Cancel"],
  "privacy.close": ["Fermer", "Close"],
  "privacy.erased": ["Données de {name} effacées.", "{name}'s data erased."],
  "privacy.failed": ["Effacement refusé : {reason}", "Erasure refused: {reason}"],
  "privacy.err.erase_self": [
    "vous ne pouvez pas effacer votre propre compte",
    "you cannot erase your own account",
  ],
  "privacy.err.already_erased": ["ces données sont déjà effacées", "this data is already erased"],
  "privacy.err.forbidden": ["réservé aux administrateurs", "administrators only"],
  "privacy.outcome.erased": ["supprimé", "erased"],
  "privacy.outcome.pseudonymised": ["pseudonymisé", "pseudonymised"],
  "privacy.outcome.revoked": ["révoqué", "revoked"],
  "privacy.outcome.kept": ["conservé", "kept"],
  "privacy.item.identity": ["Identité (nom, e-mail)", "Identity (name, e-mail)"],
  "privacy.item.sessions": ["Sessions", "Sessions"],
  "privacy.item.invitations": ["Invitations", "Invitations"],
  "privacy.item.push_subscriptions": ["Abonnements push", "Push subscriptions"],
  "privacy.item.notification_preferences": ["Préférences de notification", "Notification preferences"],
  "privacy.item.sync_devices": ["Appareils synchronisés", "Synced devices"],
  "privacy.item.notifications": ["Notifications", "Notifications"],
  "privacy.item.passkeys": ["Clés d'accès jamais utilisées pour signer", "Passkeys that never signed"],
  "privacy.item.passkeys_revoked": ["Clés d'accès ayant signé", "Passkeys that signed"],
  "privacy.item.receipts": ["Justificatifs sans frais approuvés", "Receipts on no approved expense"],
  "privacy.item.expenses_not_approved": ["Commentaires des frais non approuvés", "Comments of unapproved expenses"],
  "privacy.item.audit_values": ["Textes personnels du journal d'audit", "Personal text in the audit trail"],
  "privacy.item.invoices": [
    "Factures : 10 ans (Code de commerce L123-22)",
    "Invoices: 10 years (Code de commerce L123-22)",
  ],
  "privacy.item.signed_months": [
    "CRA signés : preuve de la prestation (Code civil 1366-1367)",
    "Signed CRAs: proof of the service (Code civil 1366-1367)",
  ],
  "privacy.item.months": [
    "Mois et jours : temps de travail (Code du travail D3171-16)",
    "Months and days: working time (Code du travail D3171-16)",
  ],
  "privacy.item.leave": ["Congés : paie (Code du travail L3243-4)", "Leave: payroll (Code du travail L3243-4)"],
  "privacy.item.expenses_approved": [
    "Frais remboursés : comptabilité (L123-22, LPF L102 B)",
    "Reimbursed expenses: accounting (L123-22, LPF L102 B)",
  ],
  "privacy.item.audit_clear": [
    "Entrées d'audit antérieures au scellement : la chaîne ne peut changer",
    "Audit entries older than sealing: the chain cannot change",
  ],
  "privacy.item.passkeys_signing": [
    "Clés publiques ayant signé : elles vérifient les signatures",
    "Public keys that signed: they verify the signatures",
  ],
  "privacy.item.signatures_given": [
    "Signatures données : preuve des CRA signés (Code civil 1366-1367)",
    "Signatures given: proof of the signed CRAs (Code civil 1366-1367)",
  ],
  "privacy.count": ["{label} — {outcome} ({count})", "{label} — {outcome} ({count})"],
  "privacy.retention.heading": ["Durées de conservation", "Retention periods"],
  "privacy.retention.intro": [
    "Carnet supprime chaque jour ce qui a dépassé sa durée. Vous pouvez garder plus longtemps, ou moins longtemps jusqu'au minimum légal. Pour effacer une personne à sa demande : Personnes → Données personnelles.",
    "Carnet deletes every day what is past its period. You may keep data longer, or shorter down to the legal minimum. To erase a person on request: People → Personal data.",
  ],
  "privacy.retention.days": ["{label} (jours)", "{label} (days)"],
  "privacy.retention.hint": [
    "Par défaut {default} j, minimum {minimum} j, à compter de : {from}. {source}",
    "Default {default} d, minimum {minimum} d, counted from: {from}. {source}",
  ],
  "privacy.retention.save": ["Enregistrer les durées", "Save the periods"],
  "privacy.retention.saved": ["Durées enregistrées.", "Periods saved."],
  "privacy.retention.below": [
    "En dessous du minimum légal : au moins {minimum} jours ({source}).",
    "Below the legal minimum: at least {minimum} days ({source}).",
  ],
  "privacy.from.sessions": ["l'expiration de la session", "the session's expiry"],
  "privacy.from.ceremonies": ["l'expiration du défi ou de l'invitation", "the challenge's or invitation's expiry"],
  "privacy.from.outbox": ["l'envoi de la notification", "the notification's sending"],
  "privacy.from.receipts_unused": ["le dépôt du justificatif", "the receipt's upload"],
  "privacy.from.receipts_not_rebilled": ["la décision sur la ligne de frais", "the expense line's decision"],
  "privacy.from.departed_people": ["la désactivation de la personne", "the person's deactivation"],
  "privacy.retention.notDays": ["Un nombre entier de jours.", "A whole number of days."],
  "privacy.kind.sessions": ["Sessions expirées", "Expired sessions"],
  "privacy.kind.ceremonies": ["Défis de connexion et invitations expirés", "Expired sign-in challenges and invitations"],
  "privacy.kind.outbox": ["Notifications envoyées", "Sent notifications"],
  "privacy.kind.receipts_unused": ["Justificatifs sans frais approuvés", "Receipts on no approved expense"],
  "privacy.kind.receipts_not_rebilled": ["Justificatifs de frais non refacturés", "Receipts of expenses not re-billed"],
  "privacy.kind.departed_people": ["Personnes parties (effacement)", "Departed people (erasure)"],
};
addStrings(STRINGS);

/** @param {string} personId */
function exportLinks(personId) {
  const base = `/api/v1/people/${personId}/data-export`;
  return h(
    "p",
    { class: "links" },
    h("a", { href: base, download: "", "data-testid": "export-json" }, t("privacy.json")),
    " · ",
    h("a", { href: `${base}/pdf`, download: "", "data-testid": "export-pdf" }, t("privacy.pdf")),
  );
}

/**
 * The signed-in person's own card: their data, to download.
 * @param {HTMLElement} container @param {{id: string}} person
 */
export function mountMyData(container, person) {
  const section = h(
    "section",
    { class: "card", "aria-labelledby": "privacy-heading", "data-testid": "my-data" },
    h("h2", { id: "privacy-heading", tabindex: "-1" }, t("privacy.heading")),
    h("p", {}, t("privacy.intro")),
    exportLinks(person.id),
    h("p", { class: "muted" }, t("privacy.rights")),
  );
  container.replaceChildren(section);
  return section;
}

/**
 * The answer to an erasure, item by item.
 * @param {{items: {item: string, outcome: string, count: number, reason: string}[]}} report
 */
function reportList(report) {
  return h(
    "ul",
    { "data-testid": "erasure-report" },
    ...report.items.map((i) =>
      h(
        "li",
        { "data-item": i.item, "data-outcome": i.outcome, title: i.reason },
        t("privacy.count", {
          label: t(`privacy.item.${i.item}`),
          outcome: t(`privacy.outcome.${i.outcome}`),
          count: String(i.count),
        }),
      ),
    ),
  );
}

/**
 * An administrator's panel for one person: downloads, and the erasure after confirmation.
 * @param {{id: string, display_name: string}} p
 * @param {{onClose: () => void, onErased: (report: any) => Promise<void> | void, self: boolean}} hooks
 */
export function adminPanel(p, { onClose, onErased, self }) {
  const general = h("p", { class: "error", role: "alert", hidden: true, "data-testid": "erase-error" });
  const slot = h("div", {});
  const eraseButton = self
    ? ""
    : h(
        "button",
        {
          type: "button",
          class: "secondary small",
          "aria-label": t("privacy.eraseOf", { name: p.display_name }),
          "data-testid": "erase",
          onclick: () => slot.replaceChildren(confirmBox()),
        },
        t("privacy.erase"),
      );
  function confirmBox() {
    const textId = `erase-text-${p.id}`;
    const confirm = h(
      "button",
      { type: "button", class: "primary small", "data-testid": "confirm-erase" },
      t("privacy.confirm"),
    );
    let busy = false;
    confirm.addEventListener("click", async () => {
      if (busy) return;
      busy = true;
      confirm.setAttribute("aria-disabled", "true");
      general.hidden = true;
      try {
        const report = await request("POST", `/people/${p.id}/erasure`, { confirm: true });
        announce(t("privacy.erased", { name: p.display_name }));
        await onErased(report);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const first = error.errors[0];
        const byCode = `privacy.err.${first?.code ?? error.code}`;
        const reason = t(byCode) !== byCode ? t(byCode) : first?.message || error.detail || error.title;
        general.textContent = t("privacy.failed", { reason });
        general.hidden = false;
      } finally {
        busy = false;
        confirm.setAttribute("aria-disabled", "false");
      }
    });
    queueMicrotask(() => confirm.focus());
    return h(
      "div",
      { class: "notice warn bo-confirm", role: "group", "aria-labelledby": textId, "data-testid": "erase-confirm" },
      h("p", { id: textId }, t("privacy.confirmText", { name: p.display_name })),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary small", onclick: () => slot.replaceChildren() }, t("privacy.cancel")),
        confirm,
      ),
    );
  }
  return h(
    "div",
    { class: "bo-privacy", "data-testid": "privacy-panel" },
    h("h4", {}, t("privacy.adminHeading", { name: p.display_name })),
    exportLinks(p.id),
    h(
      "div",
      { class: "actions" },
      eraseButton,
      h("button", { type: "button", class: "secondary small", onclick: onClose }, t("privacy.close")),
    ),
    general,
    slot,
  );
}

/**
 * What the administrator sees once the erasure is done: a notice and the report.
 * @param {string} name @param {any} report
 */
export function erasedNotice(name, report) {
  return h(
    "div",
    { class: "notice", role: "status", "data-testid": "erased" },
    h("p", {}, t("privacy.erased", { name })),
    reportList(report),
  );
}

/**
 * The back office's GDPR tab (online/backoffice.js): the firm's retention periods, each with its
 * default, its legal floor and its source; a period below its floor is refused next to it.
 * @param {HTMLElement} container
 */
export async function mount(container) {
  const general = h("p", { class: "error", role: "alert", hidden: true, "data-testid": "retention-error" });
  const saved = h("p", { class: "notice", role: "status", hidden: true, "data-testid": "retention-saved" });
  /** @type {Record<string, {input: HTMLInputElement, error: HTMLElement, period: any}>} */
  const fields = {};
  const form = h("form", { "data-testid": "retention-form", novalidate: true });
  /** @param {{periods: any[]}} answer */
  function draw(answer) {
    form.replaceChildren(
      ...answer.periods.map((p) => {
        const id = `retention-${p.kind}`;
        const label = t(`privacy.kind.${p.kind}`);
        const input = /** @type {HTMLInputElement} */ (
          h("input", { id, type: "number", min: "0", step: "1", inputmode: "numeric", value: String(p.days), "aria-describedby": `${id}-hint ${id}-error` })
        );
        const error = h("p", { id: `${id}-error`, class: "error", hidden: true, "data-testid": `retention-error-${p.kind}` });
        fields[p.kind] = { input, error, period: p };
        return h(
          "div",
          { class: "field" },
          h("label", { for: id }, t("privacy.retention.days", { label })),
          input,
          h("p", { id: `${id}-hint`, class: "muted" }, t("privacy.retention.hint", { default: String(p.default_days), minimum: String(p.minimum_days), from: t(`privacy.from.${p.kind}`), source: p.source })),
          error,
        );
      }),
      h("button", { type: "submit", class: "primary", "data-testid": "retention-save" }, t("privacy.retention.save")),
    );
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    general.hidden = true;
    saved.hidden = true;
    /** @type {Record<string, number>} */
    const periods = {};
    let bad = false;
    for (const [kind, { input, error }] of Object.entries(fields)) {
      error.hidden = true;
      const value = Number(input.value);
      if (!Number.isInteger(value) || value < 0 || input.value.trim() === "") {
        error.textContent = t("privacy.retention.notDays");
        error.hidden = false;
        bad = true;
      } else periods[kind] = value;
    }
    if (bad) return;
    try {
      draw(await request("PUT", "/retention", { periods }));
      saved.textContent = t("privacy.retention.saved");
      saved.hidden = false;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      for (const e of error.errors) {
        const kind = e.field.replace(/^body\.periods\./, "");
        const slot = fields[kind]?.error;
        if (slot) {
          const p = fields[kind].period;
          slot.textContent = e.code === "below_legal_minimum"
            ? t("privacy.retention.below", { minimum: String(p.minimum_days), source: p.source })
            : t("privacy.retention.notDays");
          slot.hidden = false;
        }
      }
      if (!error.errors.length) {
        general.textContent = error.detail || error.title;
        general.hidden = false;
      }
      /** @type {HTMLElement | undefined} */ (Object.values(fields).find((f) => !f.error.hidden)?.input)?.focus();
    }
  });
  container.replaceChildren(
    h(
      "section",
      { "aria-labelledby": "retention-heading", "data-testid": "retention" },
      h("h2", { id: "retention-heading" }, t("privacy.retention.heading")),
      h("p", {}, t("privacy.retention.intro")),
      general,
      saved,
      form,
    ),
  );
  draw(await request("GET", "/retention"));
}
