// The validation circuit, loaded on demand (import() from app.js) so the app shell stays small:
// - the circuit panel of the month screen: the steps, which one the month waits on and on whom,
//   and the comment of the last send-back or reopening;
// - the approver's list of months waiting on them: each opens its review (online/review.js),
//   the consultant's month read-only, where Approve asks for a confirmation and Send back for
//   a comment; the team board (online/team.js) is one link away.
// A decision is a change like any other: it goes into the device's one queue (store.decide)
// and the one sync loop sends it, at once when the network allows, later otherwise; the
// server refuses it with a reason if the month changed meanwhile, and the refusal stays listed
// here until dismissed. The last list read is kept on the device for offline use.

import { ApiError, request } from "../api.js";
import { addStrings, formatMonthName, t, tOr } from "../i18n.js";
import { formatDateTime } from "./datetime.js";
import { h, announce, render } from "../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "circuit.heading": ["Circuit de validation", "Validation circuit"],
  "circuit.waiting": ["En attente de {name}", "Waiting on {name}"],
  "circuit.waitingSignature": [
    "En attente de la signature de {name}",
    "Waiting for {name}'s signature",
  ],
  "circuit.kind_manager": ["Validation (manager)", "Approval (manager)"],
  "circuit.kind_client_signer": ["Signature du client", "Client signature"],
  "circuit.none": [
    "Aucun circuit : personne ne peut valider ce mois. Contactez votre administrateur.",
    "No circuit: nobody can validate this month. Contact your administrator.",
  ],
  "circuit.sent_back": ["Renvoyé par {name} le {at} :", "Sent back by {name} on {at}:"],
  "circuit.reopened": ["Rouvert par {name} le {at} :", "Reopened by {name} on {at}:"],
  "circuit.withdraw": ["Retirer ma soumission", "Withdraw my submission"],
  "circuit.withdrawHelp": [
    "Personne n'a encore validé : le mois redevient modifiable.",
    "Nobody has approved yet: the month becomes editable again.",
  ],
  "circuit.withdrawn": [
    "Soumission retirée : le mois est de nouveau modifiable.",
    "Submission withdrawn: the month can be edited again.",
  ],
  "circuit.history": ["Renvoi précédent (corrigé depuis)", "Earlier send-back (since corrected)"],
  "approvals.heading": ["Mois à valider", "Months to validate"],
  "circuit.figuresLink": ["Tableau de bord", "Dashboard"],
  "circuit.expensesLink": ["Notes de frais", "Expenses"],
  "circuit.leaveLink": ["Congés", "Leave"],
  "circuit.remindersLink": ["Rappels", "Reminders"],
  "circuit.myDataLink": ["Mes données", "My data"],
  "approvals.none": ["Aucun mois n'attend votre validation.", "No month is waiting on you."],
  "approvals.review": ["Examiner", "Review"],
  "approvals.team": ["Suivi de l'équipe : où en est chaque mois", "Team board: where each month stands"],
  "approvals.comment": [
    "Ce qu'il faut corriger (obligatoire)",
    "What must be corrected (required)",
  ],
  "approvals.confirmSendBack": ["Renvoyer au consultant", "Send back to the consultant"],
  "approvals.commentRequired": ["Dites ce qu'il faut corriger.", "Say what must be corrected."],
  "approvals.approved": ["{name} · {month} : approuvé.", "{name} · {month}: approved."],
  "approvals.sentBack": [
    "{name} · {month} : renvoyé pour correction.",
    "{name} · {month}: sent back for correction.",
  ],
  "approvals.offline": [
    "Hors ligne : la liste affichée est la dernière reçue.",
    "Offline: this is the last list received.",
  ],
  "approvals.offlineEmpty": [
    "Hors ligne : la liste des mois à valider s'affichera au retour du réseau.",
    "Offline: the months to validate will show when the network is back.",
  ],
  "approvals.queued": [
    "Décision enregistrée sur cet appareil : elle partira au retour du réseau.",
    "Decision saved on this device: it will be sent when the network is back.",
  ],
  "approvals.pendingItem": ["En attente d'envoi", "Waiting to be sent"],
  "approvals.sent": ["Décisions envoyées.", "Decisions sent."],
  "approvals.refusedHeading": ["Décisions refusées", "Refused decisions"],
  "approvals.refusedOne": [
    "Une décision a été refusée par le serveur : le détail suit.",
    "A decision was refused by the server: details below.",
  ],
  "approvals.refusedMany": [
    "Des décisions ont été refusées par le serveur : le détail suit.",
    "Some decisions were refused by the server: details below.",
  ],
  "approvals.refused": [
    "{name} · {month} : refusé par le serveur ({reason}).",
    "{name} · {month}: refused by the server ({reason}).",
  ],
  "approvals.noStorage": [
    "Le stockage de cet appareil est indisponible : impossible d'enregistrer la décision.",
    "This device's storage is unavailable: the decision cannot be saved.",
  ],
  "approvals.back": ["Retour", "Back"],
  "reason.version_changed": [
    "le mois a changé depuis que vous l'avez ouvert",
    "the month changed since you opened it",
  ],
  "reason.signature_required": [
    "cette étape est la signature du client, faite avec sa clé d'accès",
    "this step is the client's signature, made with their passkey",
  ],
  "reason.illegal_transition": [
    "le mois n'attendait plus cette décision",
    "the month no longer waited on this decision",
  ],
  "reason.not_found": ["ce mois n'existe plus", "this month no longer exists"],
  "reason.already_reviewed": [
    "ce mois a déjà été approuvé : il ne peut plus être retiré",
    "this month has already been approved: it can no longer be withdrawn",
  ],
};
addStrings(STRINGS);

const monthUrl = (personId, month) =>
  `/people/${encodeURIComponent(personId)}/months/${encodeURIComponent(month)}`;

// ---- the month screen's panel --------------------------------------------------------------

let shownKey = "";

/**
 * Show (or refresh) the circuit panel under the month's status; cheap to call on every paint:
 * it fetches again only when the month, its status, the language or the screen changed.
 * @param {{person: {id: string, roles?: string[]}, month: string, status: string}} props
 */
export async function showCircuit({ person, month, status }) {
  const anchor = document.querySelector("section.month .state");
  if (!anchor) return;
  let panel = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=circuit]"));
  const key = `${person.id}|${month}|${status}|${document.documentElement.lang}`;
  if (panel && key === shownKey) return;
  shownKey = key;
  ensureStyles(); // the panel's row of links (online/manager.css)
  let data;
  try {
    data = await request("GET", monthUrl(person.id, month));
  } catch {
    return; // offline or refused: the status badge above still says where the month is
  }
  if (key !== shownKey) return;
  const fresh = circuitPanel(data.circuit, person, status, () => withdraw(person.id, month, data));
  panel = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=circuit]"));
  if (panel) panel.replaceWith(fresh);
  else anchor.after(fresh);
}

/**
 * Open the reminders card (push on this device, the kinds to mute) under the circuit panel, or
 * bring it into view when it is open already.
 * @param {{roles?: string[]}} person
 */
async function showReminders(person) {
  let card = document.getElementById("push-heading")?.closest("section");
  if (!card) {
    const host = document.createElement("div");
    document.querySelector("[data-testid=circuit]")?.after(host);
    await (await import("./push.js")).mountToggle(host, person);
    card = document.getElementById("push-heading")?.closest("section");
  }
  card?.scrollIntoView({ block: "nearest" });
  /** @type {HTMLElement | null | undefined} */ (card?.querySelector("button"))?.focus();
}

/**
 * Open the person's own data card (downloads of everything Carnet holds about them, RGPD
 * art. 15 and 20) under the circuit panel, from ./privacy.js loaded on demand.
 * @param {{id: string}} person
 */
async function showMyData(person) {
  let card = document.querySelector("[data-testid=my-data]");
  if (!card) {
    const host = document.createElement("div");
    document.querySelector("[data-testid=circuit]")?.after(host);
    card = (await import("./privacy.js")).mountMyData(host, person);
  }
  card.scrollIntoView({ block: "nearest" });
  /** @type {HTMLElement | null} */ (card.querySelector("h2"))?.focus();
}

/**
 * @param {any} circuit  CircuitOut
 * @param {{roles?: string[]}} person
 * @param {string} status  the month's status
 * @param {() => Promise<string | null>} onWithdraw  null when done, else the refusal to show
 */
function circuitPanel(circuit, person, status, onWithdraw) {
  const approver = (person.roles ?? []).some((r) => r === "manager" || r === "admin");
  const expenses = h("a", { href: "#expenses", "data-testid": "expenses-link" }, t("circuit.expensesLink"));
  const leave = h("a", { href: "#leave", "data-testid": "leave-link" }, t("circuit.leaveLink"));
  // The month screen is a consultant's home: their reminders card opens here, under the panel.
  const reminders = h(
    "button",
    { type: "button", class: "link", "data-testid": "reminders-link", onclick: () => showReminders(person) },
    t("circuit.remindersLink"),
  );
  const myData = h(
    "button",
    { type: "button", class: "link", "data-testid": "my-data-link", onclick: () => showMyData(person) },
    t("circuit.myDataLink"),
  );
  const link = approver
    ? h(
        "p",
        { class: "links" },
        h("a", { href: "#approvals", "data-testid": "approvals-link" }, t("approvals.heading")),
        " · ",
        h("a", { href: "#figures", "data-testid": "figures-link" }, t("circuit.figuresLink")),
        " · ",
        expenses,
        " · ",
        leave,
        " · ",
        reminders,
        " · ",
        myData,
      )
    : h("p", { class: "links" }, expenses, " · ", leave, " · ", reminders, " · ", myData);
  const card = (...children) =>
    h(
      "section",
      { class: "card circuit-card", "data-testid": "circuit", "aria-label": t("circuit.heading") },
      ...children,
    );
  if (!circuit || !circuit.steps.length) {
    return card(h("p", { class: "notice warn" }, t("circuit.none")), link);
  }
  const waiting = circuit.waiting_on_id !== null;
  const steps = h(
    "ol",
    { class: "circuit", "aria-label": t("circuit.heading"), "data-testid": "circuit-steps" },
    ...circuit.steps.map((step, i) =>
      h(
        "li",
        {
          class: waiting ? (i < circuit.step ? "done" : i === circuit.step ? "current" : "") : "",
          "aria-current": waiting && i === circuit.step ? "step" : false,
        },
        `${t(`circuit.kind_${step.kind}`)} · ${step.approver_name}`,
      ),
    ),
  );
  const waitingText = waiting
    ? h(
        "p",
        { "data-testid": "waiting-on" },
        t(
          circuit.waiting_on_kind === "client_signer"
            ? "circuit.waitingSignature"
            : "circuit.waiting",
          { name: circuit.waiting_on_name ?? "" },
        ),
      )
    : null;
  const last = circuit.last_return;
  // Once the month is submitted again, the comment was answered: history, not a task.
  const current = status === "draft" || status === "sent_back";
  const said = last
    ? [
        h("p", {}, t(`circuit.${last.kind}`, { name: last.by_name, at: formatDateTime(last.at) })),
        h("blockquote", {}, last.comment),
      ]
    : [];
  const returned = !last
    ? null
    : current
      ? h("div", { class: "notice changed", "data-testid": "send-back-comment" }, ...said)
      : h(
          "details",
          { class: "notice", "data-testid": "send-back-history" },
          h("summary", {}, t("circuit.history")),
          ...said,
        );
  // Nobody has acted yet: the consultant may take the month back (a wrong day seen too late).
  const withdrawable = waiting && circuit.step === 0 && status === "in_validation";
  const refusal = h("p", { class: "error", role: "alert", hidden: true });
  const takeBack = withdrawable
    ? h(
        "p",
        {},
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            "data-testid": "withdraw",
            onclick: async (/** @type {Event} */ event) => {
              const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
              button.disabled = true;
              const refused = await onWithdraw();
              button.disabled = false;
              refusal.hidden = refused === null;
              refusal.textContent = refused ?? "";
            },
          },
          t("circuit.withdraw"),
        ),
        " ",
        h("span", { class: "muted" }, t("circuit.withdrawHelp")),
        refusal,
      )
    : null;
  return card(steps, waitingText, takeBack, returned, link);
}

/**
 * Take a submitted month back to draft (POST …/withdraw), then let the sync loop fetch the
 * month's new state, as it does when the network comes back.
 * @param {string} personId
 * @param {string} month
 * @param {any} read  the month as read, for the version the person saw
 * @returns {Promise<string | null>}
 */
async function withdraw(personId, month, read) {
  try {
    await request("POST", `${monthUrl(personId, month)}/withdraw`, { version: read.version });
  } catch (error) {
    let code = error instanceof ApiError ? error.code : "";
    // A month approved since (or validated by its only approver) is past taking back.
    if (code === "illegal_transition") code = "already_reviewed";
    return tOr(`reason.${code}`) ?? (error instanceof Error ? error.message : String(error));
  }
  shownKey = "";
  window.dispatchEvent(new Event("online"));
  announce(t("circuit.withdrawn"));
  return null;
}

// ---- the approver's list -------------------------------------------------------------------

/** The last list of months read online, per person, for offline use (cleared at sign-out). */
const LIST_PREFIX = "carnet.approvals.";

/** @param {string} personId @returns {any[] | null} */
function keptList(personId) {
  try {
    return JSON.parse(localStorage.getItem(LIST_PREFIX + personId) ?? "null");
  } catch {
    return null;
  }
}

/** @param {string} personId @param {any[]} months */
function keepList(personId, months) {
  try {
    localStorage.setItem(LIST_PREFIX + personId, JSON.stringify(months));
  } catch {
    // storage denied: the list then needs the network
  }
}

/** Sign-out: forget the lists of months kept on this device. */
export function forgetApprovals() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(LIST_PREFIX)) localStorage.removeItem(key);
  }
}

/** @param {number} count */
const refusedNote = (count) => t(count > 1 ? "approvals.refusedMany" : "approvals.refusedOne");

/**
 * Why the server refused a decision, in words.
 * @param {any} decision  a refused decision of store.decisions()
 */
export function reasonText({ result }) {
  return tOr(`reason.${result?.reason}`) ?? result?.detail ?? result?.reason ?? "";
}

/** @param {any} d  a decision of store.decisions() @param {any} m  a MonthSummary */
const concerns = (d, m) => d.args.consultant_id === m.consultant_id && d.args.month === m.month;

/**
 * @typedef {object} Device  What app.js keeps open for the signed-in person.
 * @property {import("../store.js").Store} store  The one queue.
 * @property {{syncNow: () => Promise<void>}} sync  The one sync loop.
 */

/**
 * Mount the list of months waiting on `person` into `container` (the home screen's card, or
 * the #approvals screen).
 * @param {{container: HTMLElement, person: {id: string}, device: Device | null,
 *   titled?: boolean}} props  titled: false on the #approvals screen, whose h1 says it already
 */
export async function mountApprovals({ container, person, device, titled = true }) {
  ensureStyles();
  const store = device?.store ?? null;
  const card = h("section", {
    class: "card",
    "aria-labelledby": titled ? "approvals-heading" : "screen-heading",
    "data-testid": "approvals",
  });
  const heading = container.querySelector("h1");
  if (heading) heading.after(card);
  else container.append(card);
  const status = h("div", { role: "status", class: "muted", "data-testid": "approvals-status" });
  /** Ids of the decisions queued at the last look: those gone since were sent. */
  let queuedIds = new Set();
  let rejectedIds = new Set();
  let looked = false;

  /** What happened last (a decision sent, refused, queued): said until something else is. */
  let said = "";

  async function draw(notes = []) {
    // An approver's own decisions only: the queue also holds their leave and expense changes
    // (no month of anyone to name), shown on their own screens.
    const all = store ? await store.decisions() : { pending: [], rejected: [] };
    const approver = (/** @type {any} */ d) => d.name === "approve_month" || d.name === "send_back_month";
    const decisions = { pending: all.pending.filter(approver), rejected: all.rejected.filter(approver) };
    let months;
    let offline = "";
    try {
      months = await request("GET", "/months");
      keepList(person.id, months);
    } catch {
      months = keptList(person.id);
      offline = t(months ? "approvals.offline" : "approvals.offlineEmpty");
    }
    const newlyRefused = decisions.rejected.filter((d) => !rejectedIds.has(d.id));
    const sent = [...queuedIds].filter(
      (id) => !decisions.pending.some((d) => d.id === id) && !newlyRefused.some((d) => d.id === id),
    );
    // What changed since the last look (the first look only lists what is there).
    if (looked && sent.length) notes.push(t("approvals.sent"));
    if (looked && newlyRefused.length) notes.push(refusedNote(newlyRefused.length));
    looked = true;
    queuedIds = new Set(decisions.pending.map((d) => d.id));
    rejectedIds = new Set(decisions.rejected.map((d) => d.id));
    if (notes.length) said = notes.join(" ");
    status.textContent = [said, offline].filter(Boolean).join(" ");
    const waiting = (months ?? []).filter(
      (m) => m.waiting_on_id === person.id && m.status === "in_validation",
    );
    const queued = (m) => decisions.pending.some((d) => concerns(d, m));
    const list = waiting.length
      ? h("ul", { class: "months approvals" }, ...waiting.map((m) => item(m, queued(m))))
      : h("p", { class: "muted", "data-testid": "no-approvals" }, t("approvals.none"));
    card.replaceChildren(
      titled ? h("h2", { id: "approvals-heading" }, t("approvals.heading")) : "",
      status,
      ...(decisions.rejected.length ? [refusals(decisions.rejected)] : []),
      ...(months ? [list] : []),
      // The home has its own link to the board; the #approvals screen needs one.
      titled
        ? ""
        : h(
            "p",
            { class: "links" },
            h("a", { href: "#team", "data-testid": "team-link" }, t("approvals.team")),
          ),
    );
  }

  // One drawing at a time; a request for another during one draws once more after it.
  /** @type {Promise<void> | null} */
  let drawing = null;
  let pendingNotes = /** @type {string[] | null} */ (null);
  function load(message = "") {
    pendingNotes = [...(pendingNotes ?? []), ...(message ? [message] : [])];
    if (drawing) return drawing;
    drawing = (async () => {
      while (pendingNotes) {
        const notes = pendingNotes;
        pendingNotes = null;
        await draw(notes).catch((error) => console.warn("approvals", error));
      }
      drawing = null;
    })();
    return drawing;
  }

  /** @param {any[]} refused  refused decisions of store.decisions() */
  function refusals(refused) {
    return h(
      "section",
      { class: "error rejected", "data-testid": "refused-decisions", "aria-labelledby": "refused-h" },
      h("h3", { id: "refused-h" }, t("approvals.refusedHeading")),
      h(
        "ul",
        {},
        ...refused.map((d) =>
          h(
            "li",
            { "data-testid": "refused-decision" },
            t("approvals.refused", {
              name: d.label?.name ?? "",
              month: formatMonthName(d.args.month),
              reason: reasonText(d),
            }),
            " ",
            h(
              "button",
              {
                type: "button",
                class: "link",
                onclick: () => store?.dismissRejected(d.id).then(() => load()),
              },
              t("action.dismiss"),
            ),
          ),
        ),
      ),
    );
  }

  /**
   * One month waiting: a link to its review, where the decision is taken.
   * @param {any} m  MonthSummary
   * @param {boolean} queued  a decision on it waits to be sent
   */
  function item(m, queued) {
    const label = { name: m.consultant_name, month: formatMonthName(m.month) };
    return h(
      "li",
      { "data-testid": "approval-item" },
      h(
        "a",
        {
          class: "approval-link",
          href: `#review=${encodeURIComponent(m.consultant_id)}/${m.month}`,
          "data-testid": "review-link",
        },
        // Named by what it shows (WCAG 2.5.3, label in name): who, which month, "Review".
        h("span", { class: "who" }, `${label.name} · ${label.month}`),
        h(
          "span",
          { class: "go" },
          `${t("approvals.review")} `,
          h("span", { "aria-hidden": "true" }, "›"),
        ),
      ),
      queued ? h("p", { class: "muted", "data-testid": "queued" }, t("approvals.pendingItem")) : null,
    );
  }

  // The sync loop (here or in another tab) sent or refused something: show it.
  const unsubscribe =
    store?.subscribe((change) => {
      if (!card.isConnected) unsubscribe?.();
      else if (change.kind === "sync" || change.kind === "dismiss" || change.source === "remote")
        load();
    }) ?? null;
  await load();
}

/** The manager screens' styles (online/manager.css), added once. */
let styled = false;
export function ensureStyles() {
  if (styled) return;
  styled = true;
  document.head.append(h("link", { rel: "stylesheet", href: "/js/online/manager.css" }));
}

/**
 * The approver's screens, by the address: "#review=<consultant>/<month>" a month's review,
 * "#team" or "#team=<month>" the team board, "#approvals" the months waiting on them.
 * @param {{person: {id: string}, device: Device | null}} props
 */
export async function showApprovalsScreen({ person, device }) {
  ensureStyles();
  // A consultant's leave and the manager's leave decisions (online/leave.js) need the device too.
  if (location.hash === "#leave") return (await import("./leave.js")).showLeave({ person, device });
  // So are expenses: filed offline, their photos wait in the device's store (docs/expenses.md).
  if (location.hash === "#expenses") return (await import("./expenses.js")).show({ person, device });
  const review = /^#review=([^/]+)\/(\d{4}-\d{2})$/.exec(location.hash);
  if (review) {
    const { showReview } = await import("./review.js");
    const consultantId = decodeURIComponent(review[1]);
    return showReview({ person, device, consultantId, month: review[2] });
  }
  const team = /^#team(?:=(.*))?$/.exec(location.hash);
  if (team) return (await import("./team.js")).showTeam({ person, month: team[1] });
  const section = render(
    `${t("approvals.heading")} · ${t("app.name")}`,
    h("h1", {}, t("approvals.heading")),
    {},
    h("p", {}, h("a", { href: "#", "data-testid": "approvals-back" }, t("approvals.back"))),
  );
  await mountApprovals({ container: section, person, device, titled: false });
  // The leave requests waiting on this manager: read online only (decided online too).
  if (navigator.onLine && (person.roles ?? []).some((r) => r === "manager" || r === "admin")) {
    await import("./leave.js")
      .then((leave) => leave.mountTeamLeave({ container: section }))
      .catch((error) => console.warn("leave", error));
  }
}
