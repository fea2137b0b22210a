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
  "privacy.count": ["{label} — {outcome} ({count})", "{label} — {outcome} ({count})"],
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
