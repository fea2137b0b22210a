// The back office's Months tab: pick a consultant and a month, see where the month stands and
// its recorded history (who did what, when, from which device), and reopen a validated or
// signed month for correction with a reason (an administrator's act, docs/validation-circuit.md).
// Reading: GET /people, GET /people/{id}/months/{month} and …/history; acting: POST …/reopen
// with the version read, so a month that changed meanwhile is refused (409) rather than reopened.

import { ApiError, request } from "../../api.js";
import { addStrings, formatMonthName, t, tOr } from "../../i18n.js";
import { formatDateTime } from "../datetime.js";
import { h, announce } from "../../views/dom.js";
import { statusLabel } from "../../views/month-text.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.months.heading": ["Mois des consultants", "Consultants' months"],
  "bo.months.consultant": ["Consultant", "Consultant"],
  "bo.months.choose": ["— Choisir —", "— Choose —"],
  "bo.months.month": ["Mois", "Month"],
  "bo.months.none": [
    "Aucun consultant dans l'organisation.",
    "No consultant in the organisation.",
  ],
  "bo.months.pick": [
    "Choisissez un consultant pour voir son mois.",
    "Choose a consultant to see their month.",
  ],
  "bo.months.status": ["{name} · {month} : {status}", "{name} · {month}: {status}"],
  "bo.months.waiting": ["En attente de {name}", "Waiting on {name}"],
  "bo.months.history": ["Historique", "History"],
  "bo.months.noHistory": ["Aucun événement enregistré.", "No recorded event."],
  "bo.months.by": ["par {name}", "by {name}"],
  "bo.months.device": ["appareil : {device}", "device: {device}"],
  "bo.months.device_web": ["navigateur", "browser"],
  "bo.months.device_server": ["serveur", "server"],
  "bo.months.device_signer-portal": ["portail de signature", "signature portal"],
  "bo.months.system": ["le système", "the system"],
  "bo.months.event.month.created": ["Mois ouvert", "Month opened"],
  "bo.months.event.month.days_edited": ["Jours saisis", "Days entered"],
  "bo.months.event.month.submitted": ["Soumis", "Submitted"],
  "bo.months.event.month.withdrawn": ["Soumission retirée", "Submission withdrawn"],
  "bo.months.event.month.approved": ["Approuvé", "Approved"],
  "bo.months.event.month.sent_back": ["Renvoyé pour correction", "Sent back"],
  "bo.months.event.month.reopened": ["Rouvert", "Reopened"],
  "bo.months.event.month.signed": ["Signé par le client", "Signed by the client"],
  "bo.months.event.month.refused": ["Modification refusée", "Change refused"],
  "bo.months.event.expenses.submitted": ["Frais envoyés avec le mois", "Expenses submitted with the month"],
  "bo.months.event.expenses.approved": ["Frais approuvés avec le mois", "Expenses approved with the month"],
  "bo.months.event.expenses.returned": ["Frais rendus au consultant", "Expenses returned to the consultant"],
  "bo.months.event.month.state_forced": [
    "Statut fixé par le serveur",
    "Status set by the server",
  ],
  "bo.months.event.signature.link_issued": ["Lien de signature créé", "Signature link issued"],
  "bo.months.event.signature.link_resent": [
    "Nouveau lien de signature envoyé",
    "New signature link sent",
  ],
  "bo.months.event.signature.link_requested": [
    "Nouveau lien demandé par le signataire",
    "New link asked for by the signer",
  ],
  "bo.months.event.signature.link_opened": ["Lien ouvert", "Link opened"],
  "bo.months.event.signature.link_refused": ["Lien refusé", "Link refused"],
  "bo.months.event.signature.signed": ["Signature du client", "Client's signature"],
  "bo.months.event.signature.consultant_signed": [
    "Signature du consultant",
    "Consultant's signature",
  ],
  "bo.months.event.signature.refused": ["Signature refusée", "Signature refused"],
  "bo.months.comment": ["« {comment} »", "“{comment}”"],
  "bo.months.reopen": ["Rouvrir pour correction", "Reopen for correction"],
  "bo.months.reason": [
    "Motif de la réouverture (obligatoire)",
    "Reason for reopening (required)",
  ],
  "bo.months.reasonRequired": [
    "Indiquez pourquoi le mois est rouvert.",
    "Say why the month is reopened.",
  ],
  "bo.months.warnSigned": [
    "Ce mois a été signé par le client : une fois rouvert, sa signature ne couvrira plus le mois. Le consultant devra le corriger et le soumettre de nouveau, et le client le signer à nouveau.",
    "The client signed this month: once reopened, their signature no longer covers it. The consultant must correct and resubmit it, and the client sign it again.",
  ],
  "bo.months.warnValidated": [
    "Le mois redevient modifiable par le consultant, qui devra le soumettre de nouveau à tout le circuit de validation.",
    "The consultant can edit the month again and must resubmit it through the whole validation circuit.",
  ],
  "bo.months.confirm": ["Confirmer la réouverture", "Confirm reopening"],
  "bo.months.cancel": ["Annuler", "Cancel"],
  "bo.months.reopened": [
    "Mois rouvert : il est renvoyé au consultant pour correction.",
    "Month reopened: it is sent back to the consultant for correction.",
  ],
  "bo.months.changed": [
    "Le mois a changé entre-temps : il est rechargé, vérifiez-le avant de recommencer.",
    "The month changed meanwhile: it was reloaded, check it before trying again.",
  ],
  "bo.months.refused": ["Refusé : {detail}", "Refused: {detail}"],
  "bo.months.resend": ["Envoyer un nouveau lien de signature", "Send a new signature link"],
  "bo.months.resendHelp": [
    "Le mois attend la signature de {name}. Un nouveau lien lui est envoyé par e-mail à son adresse enregistrée ; les liens précédents ne fonctionneront plus.",
    "The month waits on {name}'s signature. A new link is e-mailed to their address on file; earlier links stop working.",
  ],
  "bo.months.resent": [
    "Nouveau lien de signature envoyé à {name} ({email}).",
    "New signature link sent to {name} ({email}).",
  ],
  "bo.months.notWaiting": [
    "Le mois n'attend plus la signature d'un client : il a été rechargé.",
    "The month no longer waits on a client's signature: it was reloaded.",
  ],
  "bo.months.audit": ["Journal d'audit", "Audit trail"],
  "bo.months.auditHelp": [
    "Recalcule la chaîne d'empreintes de tout l'historique de l'organisation : une ligne modifiée ou supprimée en dehors de l'application est repérée.",
    "Recomputes the hash chain of the organisation's whole history: a line changed or deleted outside the application is found.",
  ],
  "bo.months.auditVerify": ["Vérifier le journal d'audit", "Verify the audit trail"],
  "bo.months.auditOk": [
    "Journal intact : {count} {count|événement vérifié|événements vérifiés}.",
    "Trail intact: {count} {count|event checked|events checked}.",
  ],
  "bo.months.auditAnchored": [
    "Dernier horodatage (n° {seq}) le {at} : toujours atteint.",
    "Latest timestamp (no. {seq}) on {at}: still reached.",
  ],
  "bo.months.auditBroken": [
    "Journal altéré à l'événement n° {seq} ({count} {count|événement intact|événements intacts} avant lui) : {reason}",
    "Trail altered at event no. {seq} ({count} {count|event|events} intact before it): {reason}",
  ],
  "bo.months.auditCut": [
    "Journal altéré : {reason}",
    "Trail altered: {reason}",
  ],
  "bo.months.offline": [
    "Pas de connexion au serveur : réessayez quand le réseau revient.",
    "No connection to the server: try again when the network is back.",
  ],
};
addStrings(STRINGS);

/** This tab's styles (backoffice/months.css), linked once. */
let styled = false;
function ensureStyles() {
  if (styled) return;
  styled = true;
  document.head.append(
    h("link", { rel: "stylesheet", href: "/js/online/backoffice/months.css" }),
  );
}

/** Statuses an administrator may reopen (server/domain/workflow.py _LEGAL). */
const REOPENABLE = new Set(["validated", "signed"]);

/**
 * Whether the month waits on a client signer (a signature link can be sent again).
 * @param {any} state
 */
const waitsOnClient = (state) =>
  state.status === "in_validation" && state.circuit?.waiting_on_kind === "client_signer";

/** This month as YYYY-MM, in the device's calendar. */
function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

/**
 * A refusal in French: the field's own message when it names one, else by problem code.
 * @param {unknown} error
 */
function refusalText(error) {
  if (!(error instanceof ApiError)) return t("bo.months.offline");
  if (error.status === 409) return t("bo.months.changed");
  if (error.errors?.some((e) => e.field === "comment")) return t("bo.months.reasonRequired");
  return t("bo.months.refused", { detail: error.detail ?? String(error.status) });
}

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  /** @type {{id: string, display_name: string, roles: string[]}[]} */
  const people = await request("GET", "/people");
  const consultants = people
    .filter((p) => (p.roles ?? []).includes("consultant"))
    .sort((a, b) => a.display_name.localeCompare(b.display_name, "fr"));
  const heading = h("h2", {}, t("bo.months.heading"));
  if (consultants.length === 0) {
    container.replaceChildren(
      heading,
      h("p", { class: "muted" }, t("bo.months.none")),
      auditCard(),
    );
    return;
  }
  const who = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      { id: "bo-months-consultant", "data-testid": "bo-months-consultant" },
      h("option", { value: "" }, t("bo.months.choose")),
      ...consultants.map((p) => h("option", { value: p.id }, p.display_name)),
    )
  );
  const month = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "month",
      id: "bo-months-month",
      "data-testid": "bo-months-month",
      value: thisMonth(),
      required: "",
    })
  );
  const picker = h(
    "div",
    { class: "stack" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "bo-months-consultant" }, t("bo.months.consultant")),
      who,
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "bo-months-month" }, t("bo.months.month")),
      month,
    ),
  );
  // Outcomes are announced through the app's one live region (dom.js announce), not here.
  const view = h("div", { class: "stack", "data-testid": "bo-months-view" });
  container.replaceChildren(heading, picker, view, auditCard());
  view.replaceChildren(h("p", { class: "muted" }, t("bo.months.pick")));

  let loads = 0;
  async function load(/** @type {string} */ flash = "") {
    const personId = who.value;
    const key = month.value;
    if (!personId || !/^\d{4}-\d{2}$/.test(key)) {
      view.replaceChildren(h("p", { class: "muted" }, t("bo.months.pick")));
      return;
    }
    const mine = ++loads;
    const base = `/people/${encodeURIComponent(personId)}/months/${key}`;
    let state;
    let events;
    try {
      [state, events] = await Promise.all([
        request("GET", base),
        request("GET", `${base}/history`),
      ]);
    } catch (error) {
      if (mine !== loads) return;
      view.replaceChildren(h("p", { class: "error", role: "alert" }, refusalText(error)));
      return;
    }
    if (mine !== loads) return;
    const name = consultants.find((p) => p.id === personId)?.display_name ?? state.consultant_name;
    view.replaceChildren(
      ...(flash ? [h("p", { class: "notice", "data-testid": "bo-months-flash" }, flash)] : []),
      statusCard(name, key, state),
      historyCard(events),
      ...(REOPENABLE.has(state.status) ? [reopenCard(base, state)] : []),
      ...(waitsOnClient(state) ? [resendCard(base, state)] : []),
    );
  }

  /**
   * @param {string} name
   * @param {string} key
   * @param {any} state
   */
  function statusCard(name, key, state) {
    const waiting = state.circuit?.waiting_on_name;
    return h(
      "section",
      { class: "card" },
      h(
        "p",
        {},
        h(
          "strong",
          { "data-testid": "bo-months-status", "data-status": state.status },
          t("bo.months.status", {
            name,
            month: formatMonthName(key),
            status: statusLabel(state.status),
          }),
        ),
      ),
      ...(state.status === "in_validation" && waiting
        ? [h("p", { class: "muted" }, t("bo.months.waiting", { name: waiting }))]
        : []),
    );
  }

  /**
   * @param {{seq: number, at: string, event: string, actor_id: string, actor_name: string,
   *   device: string|null, data: Record<string, unknown>}[]} events
   */
  function historyCard(events) {
    const title = h("h3", {}, t("bo.months.history"));
    if (events.length === 0) {
      const none = h("p", { class: "muted" }, t("bo.months.noHistory"));
      return h("section", { class: "card" }, title, none);
    }
    return h(
      "section",
      { class: "card" },
      title,
      h(
        "ol",
        { class: "stack", "data-testid": "bo-months-history" },
        ...events.map((e) => {
          const actor = e.actor_id === "system" ? t("bo.months.system") : e.actor_name;
          // Named devices ("web", "server"…) in words; a sync client id as it is.
          const device = e.device ? (tOr(`bo.months.device_${e.device}`) ?? e.device) : null;
          const comment = typeof e.data?.comment === "string" ? e.data.comment : "";
          return h(
            "li",
            { "data-event": e.event },
            h("strong", {}, tOr(`bo.months.event.${e.event}`) ?? e.event),
            " — ",
            h("time", { datetime: e.at }, formatDateTime(e.at)),
            ", ",
            t("bo.months.by", { name: actor }),
            ...(device
              ? [h("span", { class: "muted" }, ` (${t("bo.months.device", { device })})`)]
              : []),
            ...(comment ? [h("br"), h("span", {}, t("bo.months.comment", { comment }))] : []),
          );
        }),
      ),
    );
  }

  /**
   * @param {string} base
   * @param {{status: string, version: number}} state
   */
  function reopenCard(base, state) {
    const open = h(
      "button",
      { type: "button", class: "secondary", "data-testid": "bo-months-reopen" },
      t("bo.months.reopen"),
    );
    const reason = /** @type {HTMLTextAreaElement} */ (
      h("textarea", { id: "bo-months-reason", rows: "3", "data-testid": "bo-months-reason" })
    );
    const reasonError = h("p", {
      id: "bo-months-reason-error",
      class: "error",
      hidden: "",
      "data-testid": "bo-months-reason-error",
    });
    const topError = h("p", { class: "error", role: "alert", hidden: "" });
    const confirm = h(
      "button",
      { type: "submit", class: "primary", "data-testid": "bo-months-reopen-confirm" },
      t("bo.months.confirm"),
    );
    const cancel = h("button", { type: "button", class: "secondary" }, t("bo.months.cancel"));
    const form = /** @type {HTMLFormElement} */ (
      h(
        "form",
        { class: "stack", hidden: "", novalidate: "" },
        h(
          "p",
          { class: "notice warn", "data-testid": "bo-months-reopen-warning" },
          t(state.status === "signed" ? "bo.months.warnSigned" : "bo.months.warnValidated"),
        ),
        h(
          "div",
          { class: "field" },
          h("label", { for: "bo-months-reason" }, t("bo.months.reason")),
          reason,
          reasonError,
        ),
        topError,
        h("div", { class: "toolbar" }, confirm, cancel),
      )
    );
    /** @param {string} message */
    function showReasonError(message) {
      reason.setAttribute("aria-invalid", "true");
      reason.setAttribute("aria-describedby", "bo-months-reason-error");
      reasonError.textContent = message;
      reasonError.hidden = false;
      reason.focus();
    }
    open.addEventListener("click", () => {
      open.hidden = true;
      form.hidden = false;
      reason.focus();
    });
    cancel.addEventListener("click", () => {
      form.hidden = true;
      open.hidden = false;
      open.focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      reason.removeAttribute("aria-invalid");
      reasonError.hidden = true;
      topError.hidden = true;
      if (!reason.value.trim()) {
        showReasonError(t("bo.months.reasonRequired"));
        return;
      }
      confirm.setAttribute("disabled", "");
      try {
        await request("POST", `${base}/reopen`, { version: state.version, comment: reason.value });
      } catch (error) {
        confirm.removeAttribute("disabled");
        if (error instanceof ApiError && error.errors?.some((e) => e.field === "comment")) {
          showReasonError(refusalText(error));
        } else if (error instanceof ApiError && error.status === 409) {
          announce(refusalText(error));
          await load(refusalText(error));
        } else {
          topError.textContent = refusalText(error);
          topError.hidden = false;
        }
        return;
      }
      announce(t("bo.months.reopened"));
      await load(t("bo.months.reopened"));
    });
    return h("section", { class: "card" }, open, form);
  }

  /**
   * A new signature link to the client signer the month waits on (POST …/signature-link).
   * @param {string} base
   * @param {any} state
   */
  function resendCard(base, state) {
    const name = state.circuit?.waiting_on_name ?? "";
    const error = h("p", {
      id: "bo-months-resend-error",
      class: "error",
      role: "alert",
      hidden: "",
      "data-testid": "bo-months-resend-error",
    });
    const button = h(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-describedby": "bo-months-resend-help",
        "data-testid": "bo-months-resend",
      },
      t("bo.months.resend"),
    );
    button.addEventListener("click", async () => {
      error.hidden = true;
      button.setAttribute("disabled", "");
      let sent;
      try {
        sent = await request("POST", `${base}/signature-link`);
      } catch (failure) {
        button.removeAttribute("disabled");
        if (failure instanceof ApiError && failure.status === 409) {
          announce(t("bo.months.notWaiting"));
          await load(t("bo.months.notWaiting"));
          return;
        }
        error.textContent = refusalText(failure);
        error.hidden = false;
        return;
      }
      const message = t("bo.months.resent", { name: sent.signer_name, email: sent.signer_email });
      announce(message);
      await load(message);
    });
    return h(
      "section",
      { class: "card stack" },
      h("p", { id: "bo-months-resend-help" }, t("bo.months.resendHelp", { name })),
      button,
      error,
    );
  }

  /** The organisation's audit chain, recomputed on the server (GET /audit/verify). */
  function auditCard() {
    const result = h("p", { hidden: "", "data-testid": "bo-months-audit-result" });
    const button = h(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-describedby": "bo-months-audit-help",
        "data-testid": "bo-months-audit",
      },
      t("bo.months.auditVerify"),
    );
    button.addEventListener("click", async () => {
      button.setAttribute("disabled", "");
      result.hidden = true;
      let verdict;
      try {
        verdict = await request("GET", "/audit/verify");
      } catch (error) {
        result.className = "error";
        result.textContent = refusalText(error);
      } finally {
        button.removeAttribute("disabled");
      }
      if (verdict) {
        const count = verdict.entries;
        if (verdict.ok) {
          result.className = "notice";
          result.textContent = t("bo.months.auditOk", { count });
          if (verdict.latest_anchor_seq) {
            result.textContent += ` ${t("bo.months.auditAnchored", {
              seq: verdict.latest_anchor_seq,
              at: formatDateTime(verdict.latest_anchor_at),
            })}`;
          }
        } else {
          result.className = "error";
          result.textContent = verdict.first_broken_seq
            ? t("bo.months.auditBroken", {
                seq: verdict.first_broken_seq,
                count,
                reason: verdict.reason,
              })
            : t("bo.months.auditCut", { reason: verdict.reason });
        }
      }
      result.hidden = false;
      announce(result.textContent ?? "");
    });
    return h(
      "section",
      { class: "card stack" },
      h("h3", {}, t("bo.months.audit")),
      h("p", { id: "bo-months-audit-help", class: "muted" }, t("bo.months.auditHelp")),
      button,
      result,
    );
  }

  who.addEventListener("change", () => load());
  month.addEventListener("change", () => load());
}
