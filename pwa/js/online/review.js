// The approver's review of one month ("#review=<consultant>/<month>"), loaded on demand: the
// consultant's month read-only — every line on the month grid (views/month-grid.js, drawn from
// month.js's model: no second copy of the day rules), the totals per mission and per absence,
// the empty and half-filled working days, the days' comments, the last send-back — then the
// decision: Approve asks for a confirmation in the page, Send back needs a comment, inline.
// A decision goes into the device's one queue (store.decide) and the one sync loop sends it,
// so a month opened once online can be decided offline; the month read is kept on the device
// (localStorage, under the approvals list's prefix: cleared at sign-out).

import { request } from "../api.js";
import {
  addStrings,
  daysInWords,
  formatDate,
  formatMonthName,
  halfText,
  t,
} from "../i18n.js";
import { formatDateTime } from "./datetime.js";
import { buildMonth } from "../month.js";
import { h, announce, render } from "../views/dom.js";
import { monthGrid } from "../views/month-grid.js";
import { rowLabel, statusLabel, violationText } from "../views/month-text.js";
import { reasonText } from "./circuit.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "review.title": ["{name} · {month}", "{name} · {month}"],
  "review.back": ["← Mois à valider", "← Months to validate"],
  "review.team": ["Suivi de l'équipe", "Team board"],
  "review.summary": ["Le mois en bref", "The month at a glance"],
  "review.line": ["{label} : {days}", "{label}: {days}"],
  "review.empty": [
    "{count} {count|jour ouvré vide|jours ouvrés vides} : {list}",
    "{count} working {count|day|days} left empty: {list}",
  ],
  "review.changed": [
    "Depuis votre lecture du {at} : {count} {count|jour modifié|jours modifiés} ({list}).",
    "Since you read it on {at}: {count} {count|day changed|days changed} ({list}).",
  ],
  "review.comments": ["Commentaires du consultant", "The consultant's comments"],
  "review.comment": ["{day} : {comment}", "{day}: {comment}"],
  "review.readOnly": [
    "Lecture seule : seul le consultant modifie ses jours.",
    "Read-only: only the consultant edits their days.",
  ],
  "review.decision": ["Votre décision", "Your decision"],
  "review.approve": ["Approuver…", "Approve…"],
  "review.sendBack": ["Renvoyer…", "Send back…"],
  "review.confirmQuestion": [
    "Approuver le mois de {name} ({month}) ?",
    "Approve {name}'s month ({month})?",
  ],
  "review.confirmApprove": ["Oui, approuver", "Yes, approve"],
  "review.notWaiting": [
    "Ce mois n'attend pas votre décision.",
    "This month is not waiting on your decision.",
  ],
  "review.offline": [
    "Hors ligne : voici le mois tel que lu le {at}.",
    "Offline: this is the month as read on {at}.",
  ],
  "review.unavailable": [
    "Hors ligne : ce mois n'a pas encore été ouvert sur cet appareil.",
    "Offline: this month has not been opened on this device yet.",
  ],
  "review.notFound": ["Ce mois est introuvable.", "This month cannot be found."],
};
addStrings(STRINGS);

/** The approvals list's prefix (online/circuit.js): kept months go at sign-out with it. */
const KEPT = "carnet.approvals.";

/** @param {string} me @param {string} consultantId @param {string} month */
const keptKey = (me, consultantId, month) => `${KEPT}${me}.month.${consultantId}.${month}`;

/** @param {string} key @returns {{at: string, month: any} | null} */
function kept(key) {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

/** @param {string} key @param {any} month */
function keep(key, month) {
  try {
    localStorage.setItem(key, JSON.stringify({ at: new Date().toISOString(), month }));
  } catch {
    // storage denied: reviewing then needs the network
  }
}

/**
 * The month.js model of a MonthOut: the same rows, totals, empty and half days the
 * consultant's own screen computes.
 * @param {any} out  MonthOut
 */
export function reviewModel(out) {
  const days = Object.fromEntries(
    out.days.map((d) => [d.date, { lines: d.lines, comment: d.comment ?? "" }]),
  );
  const model = buildMonth({
    month: out.month,
    missions: out.missions,
    view: { days, status: out.status },
  });
  // Whatever the month's status, only its consultant edits it: read-only here.
  return { ...model, editable: false };
}

/**
 * The days that differ between two reads of a month (lines or comment), in date order: what
 * changed since the approver last looked.
 * @param {any} before  MonthOut as read then
 * @param {any} after  MonthOut as read now
 * @returns {string[]}
 */
export function changedDays(before, after) {
  /** @param {any} out */
  const byDate = (out) =>
    new Map(
      out.days.map((d) => [
        d.date,
        JSON.stringify([
          [...d.lines].sort((a, b) => (a.line < b.line ? -1 : 1)).map((l) => [l.line, l.half_days]),
          d.comment ?? "",
        ]),
      ]),
    );
  const then = byDate(before);
  const now = byDate(after);
  const dates = new Set([...then.keys(), ...now.keys()]);
  return [...dates].filter((d) => then.get(d) !== now.get(d)).sort();
}

/**
 * @typedef {import("./circuit.js").Device} Device
 */

/** @param {any} out  MonthOut @param {any} decision  a refused decision of store.decisions() */
const refusedText = (out, decision) =>
  t("approvals.refused", {
    name: out.consultant_name,
    month: formatMonthName(out.month),
    reason: reasonText(decision),
  });

/**
 * The review screen of `consultantId`'s `month`.
 * @param {{person: {id: string}, device: Device | null, consultantId: string, month: string}} props
 */
export async function showReview({ person, device, consultantId, month }) {
  const store = device?.store ?? null;
  const key = keptKey(person.id, consultantId, month);
  // The month as this approver saw it last time (before this screen reads it again).
  const seen = kept(key);
  const url = `/people/${encodeURIComponent(consultantId)}/months/${encodeURIComponent(month)}`;
  const heading = h("h1", { "data-testid": "review-title" });
  const back = h(
    "p",
    { class: "links" },
    h("a", { href: "#approvals", "data-testid": "review-back" }, t("review.back")),
    " · ",
    h("a", { href: `#team=${month}`, "data-testid": "team-link" }, t("review.team")),
  );
  const body = h("div", {});
  // The month's expense lines, decided here too (online/expenses.js, online only).
  const expenses = h("div", {});
  const section = render(
    `${formatMonthName(month)} · ${t("app.name")}`,
    heading,
    { wide: true },
    back,
    body,
    expenses,
  );
  section.classList.add("review");
  /** What the last decision became: said until the screen is left. */
  let said = "";

  async function load() {
    /** @type {any} */
    let out = null;
    let offlineNote = "";
    try {
      out = await request("GET", url);
      keep(key, out);
    } catch (error) {
      const status = /** @type {any} */ (error)?.status ?? 0;
      if (status === 403 || status === 404 || status === 422) {
        body.replaceChildren(h("p", { class: "error" }, t("review.notFound")));
        return;
      }
      const copy = kept(key);
      if (!copy) {
        body.replaceChildren(h("p", { class: "notice" }, t("review.unavailable")));
        return;
      }
      out = copy.month;
      offlineNote = t("review.offline", { at: formatDateTime(copy.at) });
    }
    const decisions = store ? await store.decisions() : { pending: [], rejected: [] };
    const mine = (d) => d.args.consultant_id === out.consultant_id && d.args.month === out.month;
    const queued = decisions.pending.some(mine);
    const refused = decisions.rejected.filter(mine).at(-1);
    // A decision queued here (or in another tab) has left since: say what became of it.
    if (wasQueued && !queued) {
      said = refused ? refusedText(out, refused) : t("approvals.sent");
      announce(said);
    }
    wasQueued = queued;
    if (!section.isConnected) return;
    const shown = JSON.stringify([out, offlineNote, queued, said]);
    // Nothing new (most syncs): the screen stays as it is, with its focus and open panels.
    if (shown === drawn) return;
    const show = () => {
      drawn = shown;
      draw(out, offlineNote, queued);
    };
    if (deciding) later = show;
    else show();
  }

  let wasQueued = false;
  let drawn = "";
  /** A confirmation or a send-back comment is open: a sync that brings the month again waits
   * until the approver confirms or cancels, so it never closes what they opened. */
  let deciding = false;
  /** @type {(() => void) | null} the drawing that waited for the approver */
  let later = null;
  /** The approver cancelled: show what came meanwhile, if anything, and focus `testId`. */
  const resume = (/** @type {HTMLElement} */ button, /** @type {string} */ testId) => {
    deciding = false;
    const waiting = later;
    later = null;
    if (!waiting) return button.focus();
    waiting();
    /** @type {HTMLElement | null} */ (body.querySelector(`[data-testid=${testId}]`))?.focus();
  };
  // The sync loop sent or refused a decision (here or in another tab): show the month again.
  const unsubscribe =
    store?.subscribe((change) => {
      if (!section.isConnected) unsubscribe?.();
      else if (change.kind === "sync" || change.source === "remote") load();
    }) ?? null;

  /** @param {any} out  MonthOut @param {string} offlineNote @param {boolean} queued */
  function draw(out, offlineNote, queued) {
    const model = reviewModel(out);
    const label = { name: out.consultant_name, month: formatMonthName(out.month) };
    heading.textContent = t("review.title", label);
    document.title = `${heading.textContent} · ${t("app.name")}`;
    const absent = Object.entries(model.totals)
      .filter(([line]) => line.startsWith("absence:"))
      .reduce((sum, [, n]) => sum + n, 0);
    const lines = model.rows.filter((row) => model.totals[row.key]);
    const commented = Object.entries(model.days)
      .filter(([, day]) => day.comment)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const shortDate = (d) => formatDate(d, { weekday: "short", day: "numeric", month: "short" });
    const emptyList = model.emptyDates
      .map((d) => formatDate(d, { day: "numeric", month: "short" }))
      .join(", ");
    const checks = [
      model.empty
        ? h(
            "p",
            { class: "flag warn", "data-testid": "review-empty" },
            t("review.empty", { count: model.empty, list: emptyList }),
          )
        : h("p", { class: "flag ok", "data-testid": "review-full" }, t("month.full")),
      model.half.length
        ? h("p", { class: "flag warn", "data-testid": "review-half" }, halfText(model.half))
        : null,
    ];
    const summary = h(
      "section",
      { class: "card", "aria-labelledby": "review-summary-h", "data-testid": "review-summary" },
      h("h2", { id: "review-summary-h" }, t("review.summary")),
      h(
        "p",
        { class: "state" },
        h("span", { class: `badge status-${out.status}`, "data-testid": "review-status" }, statusLabel(out.status)),
      ),
      h(
        "p",
        {},
        h("strong", {}, t("month.total", { days: daysInWords(model.total - absent) })),
        absent ? ` · ${t("month.absent", { days: daysInWords(absent) })}` : "",
      ),
      h(
        "ul",
        { class: "totals", "data-testid": "review-totals" },
        ...lines.map((row) =>
          h(
            "li",
            {},
            t("review.line", { label: rowLabel(row), days: daysInWords(model.totals[row.key]) }),
          ),
        ),
      ),
      ...checks,
    );
    const last = out.circuit?.last_return;
    const returned = last
      ? h(
          "div",
          { class: "notice", "data-testid": "review-last-return" },
          h("p", {}, t(`circuit.${last.kind}`, { name: last.by_name, at: formatDateTime(last.at) })),
          h("blockquote", {}, last.comment),
        )
      : null;
    const comments = commented.length
      ? h(
          "section",
          { class: "card", "aria-labelledby": "review-comments-h" },
          h("h2", { id: "review-comments-h" }, t("review.comments")),
          h(
            "ul",
            { class: "comments", "data-testid": "review-comments" },
            ...commented.map(([date, day]) =>
              h("li", {}, t("review.comment", { day: shortDate(date), comment: day.comment })),
            ),
          ),
        )
      : null;
    const grid = monthGrid();
    grid.update(model);
    grid.table.setAttribute("aria-label", t("month.grid", { month: label.month }));
    const waitsOnMe =
      out.status === "in_validation" &&
      out.circuit?.waiting_on_id === person.id &&
      out.circuit?.waiting_on_kind !== "client_signer";
    const waits = waitsOnMe || queued || said;
    const changed =
      seen?.month && seen.month.version !== out.version ? changedDays(seen.month, out) : [];
    const since = changed.length
      ? h(
          "p",
          { class: "notice changed", "data-testid": "review-changed" },
          t("review.changed", {
            count: changed.length,
            at: formatDateTime(seen.at),
            list: changed.map((d) => formatDate(d, { day: "numeric", month: "short" })).join(", "),
          }),
        )
      : null;
    body.replaceChildren(
      ...[
        offlineNote ? h("p", { class: "notice", "data-testid": "review-offline" }, offlineNote) : null,
        since,
        summary,
        returned,
        comments,
        grid.wrap,
        grid.error,
        h("p", { class: "hint" }, t("review.readOnly")),
        waits
          ? decision(out, model, queued, label)
          : h("p", { class: "muted", "data-testid": "review-not-waiting" }, t("review.notWaiting")),
      ].filter((node) => node !== null),
    );
  }

  /**
   * The decision card: Approve (then confirm), Send back (a comment first).
   * @param {any} out  MonthOut @param {any} model @param {boolean} queued
   * @param {{name: string, month: string}} label
   */
  function decision(out, model, queued, label) {
    const status = h("p", { role: "status", class: "muted", "data-testid": "review-decision-status" }, said);
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const fail = (text) => {
      error.hidden = false;
      error.textContent = text;
    };
    const commentError = h("p", {
      class: "error",
      role: "alert",
      id: "comment-error",
      hidden: true,
    });
    const card = h(
      "section",
      { class: "card decision", "aria-labelledby": "decision-h", "data-testid": "review-decision" },
      h("h2", { id: "decision-h" }, t("review.decision")),
      status,
    );
    if (queued) {
      card.append(h("p", { class: "muted", "data-testid": "queued" }, t("approvals.pendingItem")));
      return card;
    }
    if (said) return card; // decided here: the outcome is said above
    /** @param {"approve_month" | "send_back_month"} name @param {string} comment @param {string} done */
    const decide = async (name, comment, done) => {
      if (!store || !device) return fail(t("approvals.noStorage"));
      const args = { consultant_id: out.consultant_id, month: out.month, version: out.version };
      const result = await store.decide(
        name,
        name === "send_back_month" ? { ...args, comment } : args,
        { name: out.consultant_name },
      );
      // Refused here: the panel stays open with the reason next to it.
      if (!result.ok) return fail(result.violations.map(violationText).join(" "));
      // Queued: what the decision becomes is drawn afresh (`load` below, or the sync's).
      deciding = false;
      later = null;
      await device.sync.syncNow();
      const after = await store.decisions();
      const refused = after.rejected.find((d) => d.id === result.id);
      const waits = after.pending.some((d) => d.id === result.id);
      said = refused ? refusedText(out, refused) : t(waits ? "approvals.queued" : done, label);
      announce(said);
      return load();
    };
    const choices = h("div", { class: "actions" });
    const approve = h(
      "button",
      { type: "button", class: "primary", "data-testid": "approve" },
      t("review.approve"),
    );
    const sendBack = h(
      "button",
      { type: "button", class: "secondary", "data-testid": "send-back" },
      t("review.sendBack"),
    );
    choices.append(approve, sendBack);
    // The confirmation repeats what deserves a second look: empty and half-filled days.
    const confirm = h(
      "div",
      { class: "confirm stack", hidden: true, "data-testid": "approve-confirm-panel" },
      h("p", { id: "confirm-q" }, h("strong", {}, t("review.confirmQuestion", label))),
      model.empty
        ? h("p", { class: "flag warn" }, t("month.empty", { count: model.empty }))
        : null,
      model.half.length ? h("p", { class: "flag warn" }, halfText(model.half)) : null,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => {
              confirm.hidden = true;
              choices.hidden = false;
              resume(approve, "approve");
            },
          },
          t("action.cancel"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "primary",
            "aria-describedby": "confirm-q",
            "data-testid": "approve-confirm",
            onclick: () => decide("approve_month", "", "approvals.approved"),
          },
          t("review.confirmApprove"),
        ),
      ),
    );
    const comment = /** @type {HTMLTextAreaElement} */ (
      h("textarea", {
        id: "send-back-comment",
        rows: 3,
        maxlength: 2000,
        required: true,
        "data-testid": "send-back-text",
      })
    );
    const form = h(
      "form",
      { class: "stack", hidden: true, novalidate: true, "data-testid": "send-back-form" },
      h("label", { for: comment.id }, t("approvals.comment")),
      comment,
      commentError,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => {
              form.hidden = true;
              choices.hidden = false;
              resume(sendBack, "send-back");
            },
          },
          t("action.cancel"),
        ),
        h(
          "button",
          { type: "submit", class: "primary", "data-testid": "send-back-confirm" },
          t("approvals.confirmSendBack"),
        ),
      ),
    );
    approve.addEventListener("click", () => {
      deciding = true;
      choices.hidden = true;
      confirm.hidden = false;
      /** @type {HTMLElement} */ (confirm.querySelector("[data-testid=approve-confirm]")).focus();
    });
    sendBack.addEventListener("click", () => {
      deciding = true;
      choices.hidden = true;
      form.hidden = false;
      comment.focus();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!comment.value.trim()) {
        comment.setAttribute("aria-invalid", "true");
        comment.setAttribute("aria-describedby", "comment-error");
        commentError.hidden = false;
        commentError.textContent = t("approvals.commentRequired");
        comment.focus();
        return;
      }
      decide("send_back_month", comment.value, "approvals.sentBack");
    });
    card.append(choices, confirm, form, error);
    return card;
  }

  await load();
  await import("./expenses.js")
    .then((m) => m.mountMonthExpenses({ container: expenses, consultantId, month }))
    .catch((error) => console.warn("expenses", error));
}
