// Leave ("#leave", docs/leave.md), loaded on demand and kept for offline use once opened: for a
// consultant, the balance of each leave type, a request form and their requests with their
// status (cancel while pending or approved); for a manager, the requests waiting on them, to
// approve or refuse with a reason (also shown on the #approvals screen, `mountTeamLeave`).
// A consultant's request and cancellation go into the device's one queue (store.decide) and the
// one sync loop sends them, so they can be made offline; a refusal comes back next to its field.

import { ApiError, request } from "../api.js";
import { addStrings, daysInWords, formatDate, t } from "../i18n.js";
import { announce, h, render } from "../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "leave.title": ["Congés", "Leave"],
  "leave.back": ["← Accueil", "← Home"],
  "leave.balances": ["Mes soldes", "My balances"],
  "leave.remaining": ["{kind} : reste {days}", "{kind}: {days} left"],
  "leave.noBalance": ["{kind}", "{kind}"],
  "leave.detail": [
    "acquis {acquired} · pris {taken} · prévus {planned} · en attente {pending}",
    "acquired {acquired} · taken {taken} · planned {planned} · pending {pending}",
  ],
  "leave.period": [
    "Période de référence du {start} au {end}.",
    "Reference period from {start} to {end}.",
  ],
  "leave.offline": [
    "Hors ligne : les soldes s'afficheront au retour du réseau. Une demande faite maintenant part dès qu'il revient.",
    "Offline: balances show when the network is back. A request made now goes out as soon as it returns.",
  ],
  "leave.form": ["Nouvelle demande", "New request"],
  "leave.kind": ["Type", "Type"],
  "leave.first_day": ["Premier jour", "First day"],
  "leave.last_day": ["Dernier jour", "Last day"],
  "leave.first_afternoon": ["Le premier jour, à partir de midi", "First day from noon"],
  "leave.last_morning": ["Le dernier jour, jusqu'à midi", "Last day until noon"],
  "leave.comment": ["Commentaire (facultatif)", "Comment (optional)"],
  "leave.send": ["Demander", "Request"],
  "leave.required": ["Indiquez une date.", "Enter a date."],
  "leave.sent": ["Demande envoyée à votre manager.", "Request sent to your manager."],
  "leave.queued": [
    "Demande enregistrée sur l'appareil : elle partira au retour du réseau.",
    "Request saved on this device: it goes out when the network is back.",
  ],
  "leave.mine": ["Mes demandes", "My requests"],
  "leave.none": ["Aucune demande.", "No request."],
  "leave.span": ["{kind} du {first} au {last} ({days})", "{kind} from {first} to {last} ({days})"],
  "leave.status.requested": ["en attente du manager", "waiting for the manager"],
  "leave.status.approved": ["acceptée", "approved"],
  "leave.status.refused": ["refusée", "refused"],
  "leave.status.cancelled": ["annulée", "cancelled"],
  "leave.status.queued": ["en attente d'envoi", "waiting to be sent"],
  "leave.reason": ["Motif : {reason}", "Reason: {reason}"],
  "leave.cancel": ["Annuler la demande", "Cancel the request"],
  "leave.cancelQueued": [
    "Annulation enregistrée : elle partira au retour du réseau.",
    "Cancellation saved: it goes out when the network is back.",
  ],
  "leave.cancelled": ["Demande annulée.", "Request cancelled."],
  "leave.rejected": ["Refusée par le serveur : {detail}", "Refused by the server: {detail}"],
  "leave.dismiss": ["J'ai compris", "Got it"],
  "leave.team": ["Demandes de congés à valider", "Leave requests to decide"],
  "leave.teamNone": ["Aucune demande en attente.", "No pending request."],
  "leave.approve": ["Accepter", "Approve"],
  "leave.refuse": ["Refuser", "Refuse"],
  "leave.refuseReason": ["Motif du refus", "Reason for refusing"],
  "leave.refuseConfirm": ["Confirmer le refus", "Confirm the refusal"],
  "leave.approved": ["Demande de {name} acceptée.", "{name}'s request approved."],
  "leave.refusedDone": ["Demande de {name} refusée.", "{name}'s request refused."],
  "leave.noStorage": [
    "Ce navigateur refuse le stockage : la demande ne peut pas être enregistrée ici.",
    "This browser refuses storage: the request cannot be saved here.",
  ],
  "leave.lost": [
    "dont {days} perdus : non pris à temps",
    "of which {days} lost: not taken in time",
  ],
  "leave.periods": ["Congés payés par période", "Paid leave by period"],
  "leave.periodsHint": [
    "Les jours pris partent de la période la plus ancienne. Ce qui reste à la fin de la période de prise est perdu, sauf les jours reportés après un arrêt maladie.",
    "Days taken come from the oldest period first. What is left at the end of the taking period is lost, except the days carried over after sick leave.",
  ],
  "leave.periodHead": ["Acquis du {start} au {end}", "Acquired from {start} to {end}"],
  "leave.takeBy": ["à prendre jusqu'au {day}", "to take by {day}"],
  "leave.p.acquired": ["Acquis", "Acquired"],
  "leave.p.adjusted": ["Corrections", "Corrections"],
  "leave.p.taken": ["Pris", "Taken"],
  "leave.p.planned": ["Prévus", "Planned"],
  "leave.p.lost": ["Perdus", "Lost"],
  "leave.p.remaining": ["Reste", "Left"],
  "leave.carriedUntil": [
    "{days} reportés après un arrêt maladie, à prendre jusqu'au {day}",
    "{days} carried over after sick leave, to take by {day}",
  ],
  "leave.carriedOpen": [
    "{days} reportés après un arrêt maladie : le délai de 15 mois court dès que l'employeur vous en informe",
    "{days} carried over after sick leave: the 15 months run from when the employer tells you",
  ],
};
addStrings(STRINGS);

const KINDS = ["CP", "RTT", "sans_solde"];
const days = (halfDays) => daysInWords(halfDays);
const kindLabel = (kind) => t(`absence.${kind}`);
const shortDate = (iso) => formatDate(iso, { day: "numeric", month: "short", year: "numeric" });

/**
 * Paid leave per reference period, oldest first (GET …/leave `periods`, sync/leave.py
 * PeriodLedger): acquired, taken, carried with its deadline, lost, left. Also drawn by the
 * back office's Congés tab.
 * @param {any[]} periods
 */
export function periodsView(periods) {
  const items = periods.map((p) => {
    const facts = [
      ["acquired", p.acquired],
      ["adjusted", p.adjusted],
      ["taken", p.taken],
      ["planned", p.planned],
      ["lost", p.lost],
      ["remaining", p.remaining],
    ].filter(([k, v]) => v !== 0 || k === "acquired" || k === "remaining");
    return h(
      "li",
      { "data-testid": "leave-period", "data-start": p.reference_start },
      h(
        "p",
        {},
        h(
          "strong",
          {},
          t("leave.periodHead", { start: shortDate(p.reference_start), end: shortDate(p.reference_end) }),
        ),
        " — ",
        t("leave.takeBy", { day: shortDate(p.taking_end) }),
      ),
      // One line that wraps on a phone: "Acquis 25 jours · Pris 20 jours · Perdus 5 jours…".
      h(
        "p",
        { class: "muted" },
        ...facts.flatMap(([k, v], i) => [
          i ? " · " : "",
          h("span", { "data-fact": k }, `${t(`leave.p.${k}`)} ${days(v)}`),
        ]),
      ),
      p.carried
        ? h(
            "p",
            { class: "notice", "data-testid": "leave-carried" },
            p.deadline
              ? t("leave.carriedUntil", { days: days(p.carried), day: shortDate(p.deadline) })
              : t("leave.carriedOpen", { days: days(p.carried) }),
          )
        : null,
    );
  });
  return h(
    "section",
    { class: "stack", "aria-labelledby": "leave-periods-h", "data-testid": "leave-periods" },
    h("h3", { id: "leave-periods-h" }, t("leave.periods")),
    h("p", { class: "muted" }, t("leave.periodsHint")),
    h("ul", { class: "plain stack" }, ...items),
  );
}

/** The message of an API refusal: its fields' messages, else its title. */
function refusal(error) {
  if (error instanceof ApiError && error.errors.length) {
    return error.errors.map((e) => e.message).join(" ");
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * One request as a list item (or a block of one); `actions` below it.
 * @param {any} r  LeaveRequestOut, or a queued request's args
 * @param {string} status  i18n status key suffix
 * @param {...any} actions
 */
function requestItem(r, status, ...actions) {
  return requestBlock("li", r, status, ...actions);
}

/** @param {string} tag @param {any} r @param {string} status @param {...any} actions */
function requestBlock(tag, r, status, ...actions) {
  return h(
    tag,
    { "data-testid": "leave-request", "data-status": status },
    h(
      "p",
      {},
      h(
        "strong",
        {},
        t("leave.span", {
          kind: kindLabel(r.kind),
          first: shortDate(r.first_day),
          last: shortDate(r.last_day),
          days: r.cost === undefined ? "…" : days(r.cost),
        }),
      ),
      " — ",
      t(`leave.status.${status}`),
    ),
    r.comment ? h("p", { class: "muted" }, r.comment) : null,
    r.reason ? h("p", { class: "notice warn" }, t("leave.reason", { reason: r.reason })) : null,
    ...actions,
  );
}

/** The consultant's part: balances, the request form, their requests. */
async function consultantPart(section, device, redraw) {
  let mine = null;
  try {
    mine = await request("GET", "/leave/mine");
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 0) throw error;
  }
  const store = device?.store ?? null;
  const queue = store ? await store.decisions() : { pending: [], rejected: [] };
  const queued = queue.pending.filter((d) => d.name === "request_leave" || d.name === "cancel_leave");
  const rejected = queue.rejected.filter(
    (d) => d.name === "request_leave" || d.name === "cancel_leave",
  );

  const balances = h(
    "section",
    { class: "card", "aria-labelledby": "leave-balances-h", "data-testid": "leave-balances" },
    h("h2", { id: "leave-balances-h" }, t("leave.balances")),
  );
  if (mine) {
    const list = h("ul", { class: "plain" });
    for (const b of mine.balances) {
      list.append(
        h(
          "li",
          { "data-testid": `balance-${b.kind}` },
          h(
            "strong",
            {},
            b.remaining === null
              ? t("leave.noBalance", { kind: kindLabel(b.kind) })
              : t("leave.remaining", { kind: kindLabel(b.kind), days: days(b.remaining) }),
          ),
          h(
            "p",
            { class: "muted" },
            t("leave.detail", {
              acquired: days(b.acquired),
              taken: days(b.taken),
              planned: days(b.planned),
              pending: days(b.pending),
            }),
          ),
          b.lost ? h("p", { class: "muted" }, t("leave.lost", { days: days(b.lost) })) : null,
        ),
      );
    }
    balances.append(
      list,
      h(
        "p",
        { class: "muted" },
        t("leave.period", { start: shortDate(mine.period_start), end: shortDate(mine.period_end) }),
      ),
      ...(mine.periods?.length ? [periodsView(mine.periods)] : []),
    );
  } else {
    balances.append(h("p", { class: "notice warn", "data-testid": "leave-offline" }, t("leave.offline")));
  }

  // The form: each refusal under the field it names.
  const status = h("p", { role: "status", "data-testid": "leave-form-status" });
  const errors = new Map();
  const field = (name, control) => {
    const error = h("p", { class: "error", id: `leave-${name}-error`, hidden: true });
    errors.set(name, error);
    control.setAttribute("aria-describedby", error.id);
    const check = control.getAttribute("type") === "checkbox";
    const label = h("label", { for: control.id, class: check ? "check" : "" });
    if (check) label.append(control, ` ${t(`leave.${name}`)}`);
    else label.append(t(`leave.${name}`), control);
    return h("div", {}, label, error);
  };
  const kind = h(
    "select",
    { id: "leave-kind", name: "kind" },
    ...KINDS.map((k) => h("option", { value: k }, kindLabel(k))),
  );
  const first = h("input", { id: "leave-first_day", name: "first_day", type: "date", required: true });
  const last = h("input", { id: "leave-last_day", name: "last_day", type: "date", required: true });
  const pm = h("input", { id: "leave-first_afternoon", name: "first_afternoon", type: "checkbox" });
  const am = h("input", { id: "leave-last_morning", name: "last_morning", type: "checkbox" });
  const comment = h("textarea", { id: "leave-comment", name: "comment", maxlength: "500", rows: "2" });
  first.addEventListener("change", () => {
    if (!last.value || last.value < first.value) last.value = first.value;
  });
  const showErrors = (list) => {
    for (const [name, el] of errors) {
      const mine = list.filter((e) => e.field === name).map((e) => e.message);
      el.textContent = mine.join(" ");
      el.hidden = !mine.length;
    }
    const elsewhere = list.filter((e) => !errors.has(e.field)).map((e) => e.message);
    status.textContent = elsewhere.join(" ");
  };
  const form = h(
    "form",
    { class: "stack", novalidate: true, "data-testid": "leave-form" },
    field("kind", kind),
    field("first_day", first),
    field("first_afternoon", pm),
    field("last_day", last),
    field("last_morning", am),
    field("comment", comment),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("leave.send"))),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const missing = [first, last]
      .filter((input) => !input.value)
      .map((input) => ({ field: input.name, message: t("leave.required") }));
    if (missing.length) return showErrors(missing);
    if (!store) return showErrors([{ field: "", message: t("leave.noStorage") }]);
    const args = {
      id: crypto.randomUUID(),
      kind: kind.value,
      first_day: first.value,
      last_day: last.value,
      first_afternoon: pm.checked,
      last_morning: am.checked,
      comment: comment.value.trim(),
    };
    const result = await store.decide("request_leave", args, { name: kindLabel(args.kind) });
    if (!result.ok) return showErrors(result.violations);
    await device.sync.syncNow();
    const after = await store.decisions();
    const refused = after.rejected.find((d) => d.id === result.id);
    if (refused) {
      await store.dismissRejected(refused.id);
      const where = { no_working_day: "first_day", last_before_first: "last_day" };
      const name = where[refused.result.reason] ?? (refused.result.reason === "absence_not_allowed" ? "kind" : "first_day");
      return showErrors([{ field: name, message: refused.result.detail ?? refused.result.reason }]);
    }
    const waits = after.pending.some((d) => d.id === result.id);
    announce(t(waits ? "leave.queued" : "leave.sent"));
    await redraw(t(waits ? "leave.queued" : "leave.sent"));
  });
  const formCard = h(
    "section",
    { class: "card", "aria-labelledby": "leave-form-h" },
    h("h2", { id: "leave-form-h" }, t("leave.form")),
    form,
  );

  // The requests: those waiting on this device first, then the server's.
  const list = h("ul", { class: "plain", "data-testid": "leave-requests" });
  const cancelling = new Set(queued.filter((d) => d.name === "cancel_leave").map((d) => d.args.id));
  for (const d of queued.filter((q) => q.name === "request_leave")) {
    list.append(requestItem(d.args, "queued"));
  }
  for (const d of rejected) {
    const dismiss = h("button", { type: "button", class: "secondary" }, t("leave.dismiss"));
    dismiss.addEventListener("click", async () => {
      await store.dismissRejected(d.id);
      await redraw("");
    });
    list.append(
      h(
        "li",
        { class: "notice warn", "data-testid": "leave-rejected" },
        t("leave.rejected", { detail: d.result?.detail ?? d.result?.reason ?? "" }),
        " ",
        dismiss,
      ),
    );
  }
  for (const r of mine?.requests ?? []) {
    const open = (r.status === "requested" || r.status === "approved") && !cancelling.has(r.id);
    const cancel = open
      ? h("button", { type: "button", class: "secondary", "data-testid": "leave-cancel" }, t("leave.cancel"))
      : null;
    cancel?.addEventListener("click", async () => {
      if (!store) return;
      const result = await store.decide("cancel_leave", { id: r.id }, { name: kindLabel(r.kind) });
      if (!result.ok) return announce(result.violations.map((v) => v.message).join(" "));
      await device.sync.syncNow();
      const waits = (await store.decisions()).pending.some((d) => d.id === result.id);
      await redraw(t(waits ? "leave.cancelQueued" : "leave.cancelled"));
    });
    list.append(requestItem(r, cancelling.has(r.id) ? "queued" : r.status, cancel));
  }
  if (!list.children.length) list.append(h("li", { class: "muted" }, t("leave.none")));
  section.append(
    balances,
    formCard,
    h(
      "section",
      { class: "card", "aria-labelledby": "leave-mine-h" },
      h("h2", { id: "leave-mine-h" }, t("leave.mine")),
      list,
    ),
  );
}

/**
 * The requests waiting on this manager, each with Approve and Refuse (a reason, inline); a
 * decision is sent at once (online) and the list drawn again.
 * @param {{container: HTMLElement}} props
 */
export async function mountTeamLeave({ container }) {
  const box = h(
    "section",
    { class: "card", "aria-labelledby": "leave-team-h", "data-testid": "leave-team" },
    h("h2", { id: "leave-team-h" }, t("leave.team")),
  );
  container.append(box);
  const draw = async (said) => {
    const { requests } = await request("GET", "/leave/team");
    const list = h("ul", { class: "plain" });
    for (const r of requests) {
      const error = h("p", { class: "error", id: `refuse-${r.id}-error`, hidden: true });
      const approve = h("button", { type: "button", class: "primary", "data-testid": "leave-approve" }, t("leave.approve"));
      const refuse = h("button", { type: "button", class: "secondary", "data-testid": "leave-refuse" }, t("leave.refuse"));
      const reason = h("input", {
        type: "text",
        id: `refuse-${r.id}`,
        maxlength: "500",
        "aria-describedby": error.id,
      });
      const confirm = h("button", { type: "button", class: "secondary" }, t("leave.refuseConfirm"));
      const refuseBox = h(
        "div",
        { hidden: true, class: "stack" },
        h("label", { for: reason.id }, t("leave.refuseReason"), reason),
        error,
        confirm,
      );
      const act = async (path, body, done) => {
        try {
          await request("POST", `/leave/requests/${r.id}/${path}`, body);
          await draw(t(done, { name: r.consultant_name }));
        } catch (failure) {
          error.textContent = refusal(failure);
          error.hidden = false;
          refuseBox.hidden = false;
        }
      };
      approve.addEventListener("click", () => act("approve", undefined, "leave.approved"));
      refuse.addEventListener("click", () => {
        refuseBox.hidden = false;
        reason.focus();
      });
      confirm.addEventListener("click", () => act("refuse", { reason: reason.value }, "leave.refusedDone"));
      list.append(
        h(
          "li",
          { "data-testid": "leave-pending" },
          h("p", {}, h("strong", {}, r.consultant_name)),
          requestBlock("div", r, "requested"),
          h("div", { class: "actions" }, approve, refuse),
          refuseBox,
        ),
      );
    }
    if (!requests.length) list.append(h("li", { class: "muted" }, t("leave.teamNone")));
    const status = h("p", { role: "status" }, said ?? "");
    box.replaceChildren(box.firstElementChild ?? "", status, list);
    if (said) announce(said);
  };
  try {
    await draw();
  } catch (error) {
    box.append(h("p", { class: "notice warn" }, refusal(error)));
  }
}

/**
 * The #leave screen.
 * @param {{person: {roles?: string[]}, device: any}} props
 */
export async function showLeave({ person, device }) {
  const roles = person.roles ?? [];
  const draw = async (said = "") => {
    const section = render(
      `${t("leave.title")} · ${t("app.name")}`,
      h("h1", {}, t("leave.title")),
      { focus: !said },
      h("p", {}, h("a", { href: "#", "data-testid": "leave-back" }, t("leave.back"))),
      said ? h("p", { class: "notice", role: "status" }, said) : null,
    );
    if (roles.includes("consultant")) await consultantPart(section, device, draw);
    if (roles.includes("manager") || roles.includes("admin")) {
      await mountTeamLeave({ container: section });
    }
  };
  await draw();
  // When the sync loop has sent what waited on this device, the screen says where it stands
  // (drawn again while it is the one shown and nothing is being typed in the form).
  const store = device?.store;
  if (!store || !roles.includes("consultant")) return;
  let waiting = (await store.decisions()).pending.some((d) => d.name.endsWith("_leave"));
  const stop = store.subscribe(async (change) => {
    if (!document.querySelector("[data-testid=leave-form]")) return stop();
    if (change.kind === "decision") waiting = true;
    if (change.kind !== "sync" || !waiting) return;
    waiting = (await store.decisions()).pending.some((d) => d.name.endsWith("_leave"));
    const typing = document.activeElement?.closest("[data-testid=leave-form]");
    if (!waiting && !typing) await draw(t("leave.sent"));
  });
}
