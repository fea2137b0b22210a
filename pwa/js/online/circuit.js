// The validation circuit, loaded on demand (import() from app.js) so the app shell stays small:
// - the circuit panel of the month screen: the steps, which one the month waits on and on whom,
//   and the comment of the last send-back or reopening;
// - the approver's list of months waiting on them, with Approve (one tap) and Send back (a
//   comment is required, by this form and by the server).
// Online, decisions go straight to POST approve / send-back. Offline, they are queued on this
// device (localStorage, per person) and sent as `approve_month` / `send_back_month` sync
// mutations when the network is back; the server refuses one with a reason if the month
// changed meanwhile, and the refusal is shown. The last list read is kept for offline use.

import { request, ApiError } from "../api.js";
import { locale, tOr, formatMonthName, formatDateTime } from "../i18n.js";
import { h, announce, render } from "../views/dom.js";

const STRINGS = {
  fr: {
    heading: "Circuit de validation",
    waiting: "En attente de {name}",
    waitingSignature: "En attente de la signature de {name}",
    kind_manager: "Validation (manager)",
    kind_client_signer: "Signature du client",
    none: "Aucun circuit : personne ne peut valider ce mois. Contactez votre administrateur.",
    sent_back: "Renvoyé par {name} le {at} :",
    reopened: "Rouvert par {name} le {at} :",
    approvals: "Mois à valider",
    approvalsLink: "Mois à valider",
    figuresLink: "Tableau de bord",
    noApprovals: "Aucun mois n'attend votre validation.",
    approve: "Approuver",
    sendBack: "Renvoyer",
    comment: "Ce qu'il faut corriger (obligatoire)",
    confirmSendBack: "Renvoyer au consultant",
    cancel: "Annuler",
    commentRequired: "Dites ce qu'il faut corriger.",
    approved: "{name} · {month} : approuvé.",
    sentBack: "{name} · {month} : renvoyé pour correction.",
    signatureRequired:
      "Cette étape est une signature du client : elle se fait avec sa clé d'accès.",
    changed: "Ce mois a changé depuis que vous l'avez ouvert : la liste est rechargée.",
    offline: "Hors ligne : la validation sera possible au retour du réseau.",
    failed: "Échec : {message}",
    back: "Retour",
    queued: "Hors ligne : décision enregistrée, elle partira au retour du réseau.",
    pendingItem: "En attente d'envoi",
    refused: "{name} · {month} : refusé par le serveur ({reason}).",
    sent: "Décisions envoyées.",
  },
  en: {
    heading: "Validation circuit",
    waiting: "Waiting on {name}",
    waitingSignature: "Waiting for {name}'s signature",
    kind_manager: "Approval (manager)",
    kind_client_signer: "Client signature",
    none: "No circuit: nobody can validate this month. Contact your administrator.",
    sent_back: "Sent back by {name} on {at}:",
    reopened: "Reopened by {name} on {at}:",
    approvals: "Months to validate",
    approvalsLink: "Months to validate",
    figuresLink: "Dashboard",
    noApprovals: "No month is waiting on you.",
    approve: "Approve",
    sendBack: "Send back",
    comment: "What must be corrected (required)",
    confirmSendBack: "Send back to the consultant",
    cancel: "Cancel",
    commentRequired: "Say what must be corrected.",
    approved: "{name} · {month}: approved.",
    sentBack: "{name} · {month}: sent back for correction.",
    signatureRequired: "This step is the client's signature: it is done with their passkey.",
    changed: "This month changed since you opened it: the list is reloaded.",
    offline: "Offline: validation will be possible when the network is back.",
    failed: "Failed: {message}",
    back: "Back",
    queued: "Offline: decision saved, it will be sent when the network is back.",
    pendingItem: "Waiting to be sent",
    refused: "{name} · {month}: refused by the server ({reason}).",
    sent: "Decisions sent.",
  },
};

/**
 * @param {string} key
 * @param {Record<string, string>} [params]
 */
function s(key, params = {}) {
  const table = STRINGS[/** @type {"fr" | "en"} */ (locale())] ?? STRINGS.fr;
  const template = table[key] ?? STRINGS.fr[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) => params[name] ?? whole);
}

const monthUrl = (personId, month) =>
  `/people/${encodeURIComponent(personId)}/months/${encodeURIComponent(month)}`;

// ---- the month screen's panel --------------------------------------------------------------

let shownKey = "";

/**
 * Show (or refresh) the circuit panel under the month's status; cheap to call on every paint:
 * it fetches again only when the month, its status or the screen changed.
 * @param {{person: {id: string, roles?: string[]}, month: string, status: string}} props
 */
export async function showCircuit({ person, month, status }) {
  const anchor = document.querySelector("section.month .state");
  if (!anchor) return;
  let panel = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=circuit]"));
  const key = `${person.id}|${month}|${status}|${locale()}`;
  if (panel && key === shownKey) return;
  shownKey = key;
  let data;
  try {
    data = await request("GET", monthUrl(person.id, month));
  } catch {
    return; // offline or refused: the status badge above still says where the month is
  }
  if (key !== shownKey) return;
  const fresh = circuitPanel(data.circuit, person);
  panel = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=circuit]"));
  if (panel) panel.replaceWith(fresh);
  else anchor.after(fresh);
}

/**
 * @param {any} circuit  CircuitOut
 * @param {{roles?: string[]}} person
 */
function circuitPanel(circuit, person) {
  const approver = (person.roles ?? []).some((r) => r === "manager" || r === "admin");
  const link = approver
    ? h(
        "p",
        { class: "links" },
        h("a", { href: "#approvals", "data-testid": "approvals-link" }, s("approvalsLink")),
        " · ",
        h("a", { href: "#figures", "data-testid": "figures-link" }, s("figuresLink")),
      )
    : null;
  if (!circuit || !circuit.steps.length) {
    return h(
      "section",
      { class: "card circuit-card", "data-testid": "circuit" },
      h("p", { class: "notice warn" }, s("none")),
      link,
    );
  }
  const waiting = circuit.waiting_on_id !== null;
  const steps = h(
    "ol",
    { class: "circuit", "aria-label": s("heading"), "data-testid": "circuit-steps" },
    ...circuit.steps.map((step, i) =>
      h(
        "li",
        {
          class: waiting ? (i < circuit.step ? "done" : i === circuit.step ? "current" : "") : "",
          "aria-current": waiting && i === circuit.step ? "step" : false,
        },
        `${s(`kind_${step.kind}`)} · ${step.approver_name}`,
      ),
    ),
  );
  const waitingText = waiting
    ? h(
        "p",
        { "data-testid": "waiting-on" },
        s(circuit.waiting_on_kind === "client_signer" ? "waitingSignature" : "waiting", {
          name: circuit.waiting_on_name ?? "",
        }),
      )
    : null;
  const last = circuit.last_return;
  const returned = last
    ? h(
        "div",
        { class: "notice changed", "data-testid": "send-back-comment" },
        h("p", {}, s(last.kind, { name: last.by_name, at: formatDateTime(last.at) })),
        h("blockquote", {}, last.comment),
      )
    : null;
  return h(
    "section",
    { class: "card circuit-card", "data-testid": "circuit", "aria-label": s("heading") },
    steps,
    waitingText,
    returned,
    link,
  );
}

// ---- decisions queued offline ---------------------------------------------------------------

const QUEUE_PREFIX = "carnet.decisions.";

/**
 * @typedef {object} Queue
 * @property {string} client_id  this device's sync client id for decisions
 * @property {number} next_id  next mutation id
 * @property {number} last  last mutation id the server processed
 * @property {any[]} pending  queued mutations, with `label` for display
 * @property {any[] | null} months  the last list read online
 */

/** @param {string} personId @returns {Queue} */
function loadQueue(personId) {
  try {
    const stored = JSON.parse(localStorage.getItem(QUEUE_PREFIX + personId) ?? "null");
    if (stored && typeof stored.client_id === "string") return stored;
  } catch {
    // unreadable: start again
  }
  return { client_id: crypto.randomUUID(), next_id: 1, last: 0, pending: [], months: null };
}

/** @param {string} personId @param {Queue} queue */
function saveQueue(personId, queue) {
  try {
    localStorage.setItem(QUEUE_PREFIX + personId, JSON.stringify(queue));
  } catch {
    // storage denied: decisions then need the network
  }
}

/** Forget what signed-out people left on this device, except decisions not yet sent. */
export function forgetDecisions() {
  for (const key of Object.keys(localStorage)) {
    if (!key.startsWith(QUEUE_PREFIX)) continue;
    const queue = loadQueue(key.slice(QUEUE_PREFIX.length));
    if (queue.pending.length) saveQueue(key.slice(QUEUE_PREFIX.length), { ...queue, months: null });
    else localStorage.removeItem(key);
  }
}

/**
 * Send the queued decisions; returns the refused ones (with their label), or null when the
 * server could not be reached.
 * @param {string} personId
 * @returns {Promise<any[] | null>}
 */
async function flush(personId) {
  const queue = loadQueue(personId);
  if (!queue.pending.length) return [];
  let body;
  try {
    body = await request("POST", "/sync", {
      protocol: 1,
      client_id: queue.client_id,
      cookie: null,
      ack_through: queue.last,
      mutations: queue.pending.map(({ id, name, args }) => ({ id, name, args })),
      limit: 1,
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) return null;
    throw error;
  }
  const byId = new Map(body.results.map((r) => [r.id, r]));
  const refused = queue.pending
    .filter((m) => byId.get(m.id)?.status === "rejected")
    .map((m) => ({ ...m, result: byId.get(m.id) }));
  queue.last = body.last_mutation_id;
  queue.pending = queue.pending.filter((m) => m.id > queue.last);
  saveQueue(personId, queue);
  return refused;
}

// ---- the approver's list -------------------------------------------------------------------

/**
 * Mount the list of months waiting on `person` into `container` (the home screen's card, or
 * the #approvals screen).
 * @param {{container: HTMLElement, person: {id: string}}} props
 */
export async function mountApprovals({ container, person }) {
  const card = h("section", {
    class: "card",
    "aria-labelledby": "approvals-heading",
    "data-testid": "approvals",
  });
  const heading = container.querySelector("h1");
  if (heading) heading.after(card);
  else container.append(card);
  const status = h("div", { role: "status", class: "muted", "data-testid": "approvals-status" });

  async function load(message = "") {
    const notes = message ? [message] : [];
    const hadPending = loadQueue(person.id).pending.length > 0;
    const refused = await flush(person.id).catch(() => null);
    if (hadPending && refused !== null) notes.push(s("sent"));
    for (const m of refused ?? []) {
      notes.push(s("refused", { ...m.label, reason: m.result.detail ?? m.result.reason }));
    }
    let months;
    const queue = loadQueue(person.id);
    try {
      months = await request("GET", "/months");
      saveQueue(person.id, { ...loadQueue(person.id), months });
    } catch {
      months = queue.months;
      notes.push(s("offline"));
    }
    if (!months) {
      card.replaceChildren(
        h("h2", { id: "approvals-heading" }, s("approvals")),
        h("p", { class: "muted" }, s("offline")),
      );
      return;
    }
    const waiting = months.filter(
      (m) => m.waiting_on_id === person.id && m.status === "in_validation",
    );
    status.textContent = notes.join(" ");
    card.replaceChildren(
      h("h2", { id: "approvals-heading" }, s("approvals")),
      status,
      waiting.length
        ? h("ul", { class: "months approvals" }, ...waiting.map((m) => item(m)))
        : h("p", { class: "muted", "data-testid": "no-approvals" }, s("noApprovals")),
    );
  }

  /** @param {any} m  MonthSummary */
  function item(m) {
    const label = { name: m.consultant_name, month: formatMonthName(m.month) };
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const fail = (problem) => {
      error.hidden = false;
      error.textContent = problem;
    };
    const act = async (action, body, done) => {
      try {
        await request("POST", `${monthUrl(m.consultant_id, m.month)}/${action}`, body);
      } catch (e) {
        if (e instanceof ApiError && e.status === 0) return queue(action, body);
        if (e instanceof ApiError && e.status === 409 && /signature/.test(e.errors[0]?.code ?? ""))
          return fail(s("signatureRequired"));
        if (e instanceof ApiError && e.status === 409 && e.errors[0]?.code === "version_changed")
          return load(s("changed"));
        const details = e instanceof ApiError ? e.detail || e.title : String(e);
        return fail(s("failed", { message: details }));
      }
      announce(s(done, label));
      return load(s(done, label));
    };
    /** No network: keep the decision on this device, to be sent as a sync mutation. */
    const queue = (action, body) => {
      const q = loadQueue(person.id);
      q.pending.push({
        id: q.next_id,
        name: action === "approve" ? "approve_month" : "send_back_month",
        args: { consultant_id: m.consultant_id, month: m.month, ...body },
        label,
      });
      q.next_id += 1;
      saveQueue(person.id, q);
      announce(s("queued"));
      return load(s("queued"));
    };
    const queued = loadQueue(person.id).pending.some(
      (d) => d.args.consultant_id === m.consultant_id && d.args.month === m.month,
    );
    const comment = /** @type {HTMLTextAreaElement} */ (
      h("textarea", {
        id: `comment-${m.consultant_id}-${m.month}`,
        rows: 3,
        maxlength: 2000,
        required: true,
        "data-testid": "send-back-text",
      })
    );
    const form = h(
      "form",
      { class: "stack", hidden: true, novalidate: true },
      h("label", { for: comment.id }, s("comment")),
      comment,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", class: "secondary", onclick: () => (form.hidden = true) },
          s("cancel"),
        ),
        h(
          "button",
          { type: "submit", class: "primary", "data-testid": "send-back-confirm" },
          s("confirmSendBack"),
        ),
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!comment.value.trim()) {
        comment.setAttribute("aria-invalid", "true");
        fail(s("commentRequired"));
        comment.focus();
        return;
      }
      act("send-back", { version: m.version, comment: comment.value }, "sentBack");
    });
    return h(
      "li",
      { "data-testid": "approval-item" },
      h(
        "span",
        {},
        `${m.consultant_name} · ${formatMonthName(m.month)} · `,
        h("span", { class: `badge status-${m.status}` }, tOr(`status.${m.status}`) ?? m.status),
      ),
      queued ? h("p", { class: "muted", "data-testid": "queued" }, s("pendingItem")) : null,
      h(
        "div",
        { class: "actions", hidden: queued },
        h(
          "button",
          {
            type: "button",
            class: "primary",
            "data-testid": "approve",
            onclick: () => act("approve", { version: m.version }, "approved"),
          },
          s("approve"),
        ),
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            "data-testid": "send-back",
            onclick: () => {
              form.hidden = false;
              comment.focus();
            },
          },
          s("sendBack"),
        ),
      ),
      form,
      error,
    );
  }

  const online = () => {
    if (!card.isConnected) window.removeEventListener("online", online);
    else load();
  };
  window.addEventListener("online", online);
  await load();
}

/**
 * The #approvals screen: the months waiting on the signed-in person, full page.
 * @param {{person: {id: string}}} props
 */
export async function showApprovalsScreen({ person }) {
  const section = render(
    s("approvals"),
    h("h1", {}, s("approvals")),
    {},
    h("p", {}, h("a", { href: "#", "data-testid": "approvals-back" }, s("back"))),
  );
  await mountApprovals({ container: section, person });
}
