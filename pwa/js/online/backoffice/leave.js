// The back office's Congés tab (#admin, online/backoffice.js; docs/leave.md): the firm's leave
// policy (how paid leave is counted, when the reference period starts, the RTT agreement),
// and per consultant their balances, an opening balance or an adjustment with its reason, and
// the adjustments already made. Amounts are typed in days with a French decimal comma and sent
// in integer half-days; each refusal is shown under its field. Needs the network.

import { request } from "../../api.js";
import { addStrings, daysInWords, formatDate, formatDays, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { periodsView } from "../leave.js";
import {
  clearErrors,
  ensureStyles,
  field,
  messageFor,
  setFieldError,
  showRefusal,
} from "./directory-form.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.leave.heading": ["Congés", "Leave"],
  "bo.leave.intro": [
    "Comment l'entreprise compte les congés, et les soldes de chaque consultant.",
    "How the firm counts leave, and each consultant's balances.",
  ],
  "bo.leave.policy": ["Règles de l'entreprise", "Firm policy"],
  "bo.leave.unit": ["Congés payés comptés en", "Paid leave counted in"],
  "bo.leave.unit.ouvres": ["jours ouvrés (25 par an)", "jours ouvrés (25 a year)"],
  "bo.leave.unit.ouvrables": ["jours ouvrables (30 par an)", "jours ouvrables (30 a year)"],
  "bo.leave.unit_hint": [
    "Ouvrés : du lundi au vendredi, comme la grille du CRA. Ouvrables : du lundi au samedi, une semaine coûte six jours.",
    "Ouvrés: Monday to Friday, like the CRA grid. Ouvrables: Monday to Saturday, a week costs six days.",
  ],
  "bo.leave.period": ["Période de référence", "Reference period"],
  "bo.leave.period_day": ["Commence le (jour)", "Starts on (day)"],
  "bo.leave.period_month": ["du mois de", "of the month of"],
  "bo.leave.period_hint": [
    "Du 1er juin au 31 mai, sauf accord d'entreprise (C. trav. R3141-4, L3141-10).",
    "1 June to 31 May unless a company agreement says otherwise (C. trav. R3141-4, L3141-10).",
  ],
  "bo.leave.rtt": ["RTT", "RTT"],
  "bo.leave.rtt_mode": ["Accord RTT", "RTT agreement"],
  "bo.leave.mode.none": ["Pas de RTT (35 heures)", "No RTT (35 hours)"],
  "bo.leave.mode.fixed": ["Un nombre de jours par an", "A number of days a year"],
  "bo.leave.mode.per_week": [
    "Acquis chaque semaine au-delà de 35 heures",
    "Earned each week beyond 35 hours",
  ],
  "bo.leave.rtt_days": ["Jours de RTT par an", "RTT days a year"],
  "bo.leave.rtt_days_hint": [
    "Par demi-journée, par exemple 10 ou 10,5 ; au prorata des mois travaillés.",
    "By half-day, e.g. 10 or 10.5; pro rata of the months worked.",
  ],
  "bo.leave.rtt_hours": ["Durée de la semaine (heures)", "Working week (hours)"],
  "bo.leave.rtt_hours_hint": [
    "Par exemple 39 : 4 heures par semaine, une demi-journée toutes les 3 h 30.",
    "For example 39: 4 hours a week, a half-day every 3 h 30.",
  ],
  "bo.leave.rtt_year_month": ["L'année RTT commence en", "The RTT year starts in"],
  "bo.leave.save": ["Enregistrer les règles", "Save the policy"],
  "bo.leave.saved": ["Règles des congés enregistrées.", "Leave policy saved."],
  "bo.leave.people": ["Soldes des consultants", "Consultants' balances"],
  "bo.leave.consultant": ["Consultant", "Consultant"],
  "bo.leave.choose": ["— Choisir un consultant —", "— Choose a consultant —"],
  "bo.leave.noConsultant": ["Aucun consultant pour l'instant.", "No consultant yet."],
  "bo.leave.remaining": ["reste {days}", "{days} left"],
  "bo.leave.acquired": ["Acquis", "Acquired"],
  "bo.leave.taken": ["Pris", "Taken"],
  "bo.leave.planned": ["Prévus", "Planned"],
  "bo.leave.pending": ["En attente", "Pending"],
  "bo.leave.periodLine": [
    "Période de référence du {start} au {end}.",
    "Reference period from {start} to {end}.",
  ],
  "bo.leave.adjust": ["Corriger un solde", "Correct a balance"],
  "bo.leave.kind": ["Type de congé", "Leave type"],
  "bo.leave.nature": ["Nature", "Kind of change"],
  "bo.leave.nature.adjustment": ["Ajustement", "Adjustment"],
  "bo.leave.nature.opening": ["Solde d'ouverture", "Opening balance"],
  "bo.leave.nature_hint": [
    "Un ajustement ajoute ou retire des jours ; un solde d'ouverture remplace le solde acquis, le décompte repart de sa date.",
    "An adjustment adds or removes days; an opening balance replaces the acquired balance, counting restarts from its date.",
  ],
  "bo.leave.on_day": ["À la date du", "As of"],
  "bo.leave.amount": ["Nombre de jours", "Number of days"],
  "bo.leave.amount_hint": [
    "Par demi-journée, avec une virgule : 2,5 ; un signe moins retire (-1).",
    "By half-day, with a decimal comma: 2,5; a minus sign removes (-1).",
  ],
  "bo.leave.reason": ["Motif", "Reason"],
  "bo.leave.reason_hint": [
    "Obligatoire : il reste dans l'historique et le journal d'audit.",
    "Required: it stays in the history and the audit log.",
  ],
  "bo.leave.record": ["Enregistrer la correction", "Record the correction"],
  "bo.leave.recorded": [
    "Correction enregistrée : le solde est à jour.",
    "Correction recorded: the balance is up to date.",
  ],
  "bo.leave.history": ["Corrections passées", "Past corrections"],
  "bo.leave.noHistory": ["Aucune correction.", "No correction."],
  "bo.leave.opening": [
    "{kind} : solde d'ouverture de {days} au {day}",
    "{kind}: opening balance of {days} on {day}",
  ],
  "bo.leave.adjusted": ["{kind} : {days} au {day}", "{kind}: {days} on {day}"],
  "bo.leave.by": ["Motif : {reason} — par {author}", "Reason: {reason} — by {author}"],
  "bo.leave.err.amount.format": [
    "Un nombre de jours par demi-journée, par exemple 2,5 ou -1.",
    "A number of days by half-day, e.g. 2,5 or -1.",
  ],
  "bo.leave.err.half_days.zero": [
    "Un ajustement change le solde : indiquez un nombre de jours non nul.",
    "An adjustment changes the balance: give a non-zero number of days.",
  ],
  "bo.leave.err.half_days.invalid": [
    "Entre -1000 et 1000 jours.",
    "Between -1000 and 1000 days.",
  ],
  "bo.leave.err.reason.invalid": [
    "Donnez le motif (500 caractères au plus).",
    "Give the reason (500 characters at most).",
  ],
  "bo.leave.err.reason.required": ["Donnez le motif.", "Give the reason."],
  "bo.leave.err.on_day.invalid": ["Indiquez une date.", "Enter a date."],
  "bo.leave.err.period_day.invalid": ["Un jour de 1 à 31.", "A day from 1 to 31."],
  "bo.leave.err.period_day.not_a_day_of_every_year": [
    "Ce jour n'existe pas tous les ans dans ce mois (29 février, 31 avril…).",
    "This day is not in that month every year (29 February, 31 April…).",
  ],
  "bo.leave.err.rtt_half_days_per_year.invalid": [
    "Un nombre de jours par demi-journée, de 0 à 366 (par exemple 10 ou 10,5).",
    "A number of days by half-day, from 0 to 366 (e.g. 10 or 10.5).",
  ],
  "bo.leave.err.rtt_weekly_minutes.invalid": [
    "Entre 35 et 48 heures, par exemple 39 ou 37,5.",
    "Between 35 and 48 hours, e.g. 39 or 37.5.",
  ],
  "bo.leave.err.invalid_policy": ["Règles incohérentes.", "Inconsistent policy."],
  "bo.leave.lost": ["Perdus", "Lost"],
  "bo.leave.notice": [
    "Information sur les congés reportés",
    "Telling the person of their carried leave",
  ],
  "bo.leave.notice_hint": [
    "Au retour d'un arrêt maladie, l'employeur informe le salarié des jours reportés et de la date limite pour les prendre (C. trav. L3141-19-3) : les 15 mois du report courent de ce jour.",
    "After a return from sick leave, the employer tells the person how many days are carried over and by when to take them (C. trav. L3141-19-3): the 15 months of the carry-over run from that day.",
  ],
  "bo.leave.informed_on": ["Salarié informé le", "Person informed on"],
  "bo.leave.notice_reason_hint": [
    "Obligatoire : comment il a été informé (courrier, courriel, entretien…).",
    "Required: how they were told (letter, email, meeting…).",
  ],
  "bo.leave.notice_record": ["Enregistrer la date d'information", "Record the date"],
  "bo.leave.notice_recorded": [
    "Date d'information enregistrée : l'échéance des congés reportés est à jour.",
    "Date recorded: the deadline of the carried leave is up to date.",
  ],
  "bo.leave.noticed": [
    "{kind} : salarié informé le {day} de ses congés reportés",
    "{kind}: the person was informed on {day} of their carried leave",
  ],
  "bo.leave.err.informed_on.invalid": ["Indiquez une date.", "Enter a date."],
  "bo.leave.err.informed_on.in_future": [
    "Cette date n'est pas encore passée : enregistrez-la une fois le salarié informé.",
    "This date has not come yet: record it once the person has been told.",
  ],
};
addStrings(STRINGS);

const KINDS = ["CP", "RTT"];
const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);

/**
 * Days typed with a French decimal comma (or a point), by half-day, in half-days: "2,5" → 5,
 * "-1" → -2; null when it is not such a number.
 * @param {string} text
 */
export function halfDaysOf(text) {
  const m = /^([+\-−]?)\s*(\d{1,4})(?:[,.]([05])0*)?$/.exec(text.trim());
  if (!m) return null;
  const half = Number(m[2]) * 2 + (m[3] === "5" ? 1 : 0);
  return m[1] === "-" || m[1] === "−" ? -half : half;
}

/**
 * Hours typed with a decimal comma ("37,5") in minutes; null when not a number.
 * @param {string} text
 */
function minutesOf(text) {
  const m = /^(\d{1,3})(?:[,.](\d{1,2}))?$/.exec(text.trim());
  return m ? Math.round(Number(`${m[1]}.${m[2] ?? "0"}`) * 60) : null;
}

/** @param {number} minutes → "37,5" */
function hoursText(minutes) {
  return formatDays(minutes / 30); // formatDays halves its argument: minutes/60 hours
}

/** @param {number} month 1-12 → "juin" */
const monthName = (month) =>
  formatDate(`2001-${String(month).padStart(2, "0")}-01`, { month: "long" });

/** @param {HTMLElement} el  its form field's wrapper shown or hidden */
const showField = (el, shown) => {
  const wrapper = /** @type {HTMLElement} */ (el.closest(".field"));
  wrapper.hidden = !shown;
};

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  const [policy, people] = await Promise.all([
    request("GET", "/leave/policy"),
    request("GET", "/people"),
  ]);
  /** @type {{id: string, display_name: string, roles: string[]}[]} */
  const consultants = people
    .filter((/** @type {any} */ p) => (p.roles ?? []).includes("consultant"))
    .sort((/** @type {any} */ a, /** @type {any} */ b) =>
      a.display_name.localeCompare(b.display_name, "fr"),
    );
  container.replaceChildren(
    h("h2", { id: "bo-leave-heading" }, t("bo.leave.heading")),
    h("p", { class: "muted" }, t("bo.leave.intro")),
    policyForm(policy),
    peopleSection(consultants),
  );
}

/** @param {Record<string, any>} policy */
function policyForm(policy) {
  const select = (/** @type {[string | number, string][]} */ options, /** @type {any} */ value) => {
    const el = /** @type {HTMLSelectElement} */ (
      h("select", {}, ...options.map(([v, label]) => h("option", { value: String(v) }, label)))
    );
    el.value = String(value);
    return el;
  };
  const months = MONTHS.map((m) => /** @type {[number, string]} */ ([m, monthName(m)]));
  const inputs = {
    unit: select(
      ["ouvres", "ouvrables"].map((u) => [u, t(`bo.leave.unit.${u}`)]),
      policy.unit,
    ),
    period_day: /** @type {HTMLInputElement} */ (
      h("input", { type: "text", inputmode: "numeric", value: String(policy.period_day) })
    ),
    period_month: select(months, policy.period_month),
    rtt_mode: select(
      ["none", "fixed", "per_week"].map((m) => [m, t(`bo.leave.mode.${m}`)]),
      policy.rtt_mode,
    ),
    rtt_half_days_per_year: /** @type {HTMLInputElement} */ (
      h("input", {
        type: "text",
        inputmode: "decimal",
        value: formatDays(policy.rtt_half_days_per_year),
      })
    ),
    rtt_weekly_minutes: /** @type {HTMLInputElement} */ (
      h("input", {
        type: "text",
        inputmode: "decimal",
        value: hoursText(policy.rtt_weekly_minutes),
      })
    ),
    rtt_year_month: select(months, policy.rtt_year_month),
  };
  const f = (/** @type {keyof typeof inputs} */ name, /** @type {string} */ label, o = {}) =>
    field(`leave-${name}`, t(label), inputs[name], o);
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const status = h("p", {
    class: "notice",
    role: "status",
    hidden: true,
    "data-testid": "leave-policy-saved",
  });
  const submit = h("button", { type: "submit", class: "primary" }, t("bo.leave.save"));
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "card stack bo-form",
        novalidate: true,
        "data-testid": "leave-policy-form",
        "aria-labelledby": "bo-leave-policy",
      },
      h("h3", { id: "bo-leave-policy" }, t("bo.leave.policy")),
      box,
      f("unit", "bo.leave.unit", { hint: t("bo.leave.unit_hint") }),
      h(
        "fieldset",
        {},
        h("legend", {}, t("bo.leave.period")),
        h(
          "div",
          { class: "row2" },
          f("period_day", "bo.leave.period_day"),
          f("period_month", "bo.leave.period_month"),
        ),
        h("p", { class: "hint muted", id: "leave-period_day-hint" }, t("bo.leave.period_hint")),
      ),
      h(
        "fieldset",
        {},
        h("legend", {}, t("bo.leave.rtt")),
        f("rtt_mode", "bo.leave.rtt_mode"),
        f("rtt_half_days_per_year", "bo.leave.rtt_days", { hint: t("bo.leave.rtt_days_hint") }),
        f("rtt_weekly_minutes", "bo.leave.rtt_hours", { hint: t("bo.leave.rtt_hours_hint") }),
        f("rtt_year_month", "bo.leave.rtt_year_month"),
      ),
      submit,
      status,
    )
  );
  inputs.period_day.setAttribute("aria-describedby", "leave-period_day-hint");
  inputs.period_month.setAttribute("aria-describedby", "leave-period_day-hint");
  inputs.unit.setAttribute("aria-describedby", "leave-unit-hint");
  inputs.rtt_half_days_per_year.setAttribute(
    "aria-describedby",
    "leave-rtt_half_days_per_year-hint",
  );
  inputs.rtt_weekly_minutes.setAttribute("aria-describedby", "leave-rtt_weekly_minutes-hint");
  const byMode = () => {
    const mode = inputs.rtt_mode.value;
    showField(inputs.rtt_half_days_per_year, mode === "fixed");
    showField(inputs.rtt_weekly_minutes, mode === "per_week");
    showField(inputs.rtt_year_month, mode !== "none");
  };
  inputs.rtt_mode.addEventListener("change", byMode);
  byMode();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    status.hidden = true;
    const day = inputs.period_day.value.trim();
    const rttDays = inputs.rtt_half_days_per_year.value;
    const hours = inputs.rtt_weekly_minutes.value;
    // What cannot be read as a number goes as typed: the server refuses it at its field.
    const body = {
      unit: inputs.unit.value,
      period_day: /^\d{1,2}$/.test(day) ? Number(day) : day,
      period_month: Number(inputs.period_month.value),
      rtt_mode: inputs.rtt_mode.value,
      rtt_half_days_per_year: halfDaysOf(rttDays) ?? rttDays,
      rtt_weekly_minutes: minutesOf(hours) ?? hours,
      rtt_year_month: Number(inputs.rtt_year_month.value),
    };
    form.setAttribute("aria-busy", "true");
    try {
      const saved = await request("PUT", "/leave/policy", body);
      inputs.rtt_half_days_per_year.value = formatDays(saved.rtt_half_days_per_year);
      inputs.rtt_weekly_minutes.value = hoursText(saved.rtt_weekly_minutes);
      status.textContent = t("bo.leave.saved");
      status.hidden = false;
      announce(status.textContent);
      form.setAttribute("aria-busy", "false");
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.leave",
        inputFor: (name) => {
          const bare = /** @type {keyof typeof inputs} */ (name.replace(/^body\./, ""));
          return inputs[bare] ?? null;
        },
      });
    }
  });
  return form;
}

/** @param {{id: string, display_name: string}[]} consultants */
function peopleSection(consultants) {
  const heading = h("h3", { id: "bo-leave-people" }, t("bo.leave.people"));
  if (!consultants.length)
    return h(
      "section",
      { class: "card", "aria-labelledby": "bo-leave-people" },
      heading,
      h("p", { class: "muted" }, t("bo.leave.noConsultant")),
    );
  const who = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      { "data-testid": "leave-consultant" },
      h("option", { value: "" }, t("bo.leave.choose")),
      ...consultants.map((p) => h("option", { value: p.id }, p.display_name)),
    )
  );
  const detail = h("div", { class: "stack", "data-testid": "leave-person" });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  async function load(/** @type {string} */ id) {
    problem.hidden = true;
    detail.replaceChildren();
    if (!id) return;
    try {
      const leave = await request("GET", `/people/${id}/leave`);
      if (who.value === id) detail.replaceChildren(...personView(id, leave, () => load(id)));
    } catch (error) {
      console.warn("leave", error);
      problem.textContent = t("admin.offline");
      problem.hidden = false;
    }
  }
  who.addEventListener("change", () => load(who.value));
  return h(
    "section",
    { class: "card stack", "aria-labelledby": "bo-leave-people" },
    heading,
    field("leave-consultant", t("bo.leave.consultant"), who),
    problem,
    detail,
  );
}

/**
 * A consultant's balances, the correction form and the past corrections.
 * @param {string} id
 * @param {any} leave  GET /people/{id}/leave
 * @param {() => Promise<void>} reload
 */
function personView(id, leave, reload) {
  const balances = h(
    "ul",
    { class: "bo-list stack", "data-testid": "leave-admin-balances" },
    ...leave.balances.map((/** @type {any} */ b) =>
      h(
        "li",
        { "data-kind": b.kind },
        h(
          "strong",
          {},
          t(`absence.${b.kind}`),
          b.remaining === null
            ? ""
            : ` — ${t("bo.leave.remaining", { days: daysInWords(b.remaining) })}`,
        ),
        h(
          "dl",
          { class: "bo-facts" },
          // Unpaid leave has no balance: only what is taken, planned and asked.
          ...(b.remaining === null
            ? ["taken", "planned", "pending"]
            : ["acquired", "taken", "planned", "pending", ...(b.lost ? ["lost"] : [])]
          ).map((k) =>
            h("div", {}, h("dt", {}, t(`bo.leave.${k}`)), h("dd", {}, daysInWords(b[k]))),
          ),
        ),
      ),
    ),
  );
  const period = h(
    "p",
    { class: "muted" },
    t("bo.leave.periodLine", {
      start: formatDate(leave.period_start, { dateStyle: "long" }),
      end: formatDate(leave.period_end, { dateStyle: "long" }),
    }),
  );
  return [
    balances,
    period,
    ...(leave.periods?.length ? [periodsView(leave.periods)] : []),
    adjustForm(id, reload),
    noticeForm(id, reload),
    history(leave.adjustments ?? []),
  ];
}

/**
 * @param {string} id
 * @param {() => Promise<void>} reload
 */
function adjustForm(id, reload) {
  const kind = /** @type {HTMLSelectElement} */ (
    h("select", {}, ...KINDS.map((k) => h("option", { value: k }, t(`absence.${k}`))))
  );
  const nature = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {},
      ...["adjustment", "opening"].map((n) => h("option", { value: n }, t(`bo.leave.nature.${n}`))),
    )
  );
  const onDay = /** @type {HTMLInputElement} */ (
    h("input", { type: "date", value: new Date().toISOString().slice(0, 10) })
  );
  const amount = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", inputmode: "decimal", autocomplete: "off" })
  );
  const reason = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", autocomplete: "off", maxlength: "500" })
  );
  const inputs = { kind, opening: nature, on_day: onDay, half_days: amount, reason };
  const recorded = h(
    "p",
    { class: "notice", role: "status", hidden: true, "data-testid": "leave-recorded" },
    t("bo.leave.recorded"),
  );
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("bo.leave.record"));
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "stack bo-form",
        novalidate: true,
        "data-testid": "leave-adjust-form",
        "aria-labelledby": "bo-leave-adjust",
      },
      h("h4", { id: "bo-leave-adjust" }, t("bo.leave.adjust")),
      box,
      h(
        "div",
        { class: "row2" },
        field("leave-adj-kind", t("bo.leave.kind"), kind),
        field("leave-adj-nature", t("bo.leave.nature"), nature),
      ),
      h("p", { class: "hint muted", id: "leave-adj-nature-hint" }, t("bo.leave.nature_hint")),
      field("leave-adj-on_day", t("bo.leave.on_day"), onDay),
      field("leave-adj-amount", t("bo.leave.amount"), amount, { hint: t("bo.leave.amount_hint") }),
      field("leave-adj-reason", t("bo.leave.reason"), reason, { hint: t("bo.leave.reason_hint") }),
      submit,
    )
  );
  amount.setAttribute("aria-describedby", "leave-adj-amount-hint");
  nature.setAttribute("aria-describedby", "leave-adj-nature-hint");
  reason.setAttribute("aria-describedby", "leave-adj-reason-hint");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    recorded.hidden = true;
    const half = halfDaysOf(amount.value);
    if (half === null) {
      setFieldError(amount, messageFor("bo.leave", "amount", "format"));
      box.replaceChildren(h("p", {}, t("bo.dir.invalid")));
      box.hidden = false;
      amount.focus();
      return;
    }
    form.setAttribute("aria-busy", "true");
    try {
      await request("POST", `/people/${id}/leave/adjustments`, {
        kind: kind.value,
        opening: nature.value === "opening",
        on_day: onDay.value,
        half_days: half,
        reason: reason.value,
      });
      announce(t("bo.leave.recorded"));
      await reload();
      const done = document.querySelector("[data-testid=leave-recorded]");
      done?.removeAttribute("hidden");
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.leave",
        inputFor: (name) => {
          const bare = /** @type {keyof typeof inputs} */ (name.replace(/^body\./, ""));
          return inputs[bare] ?? null;
        },
      });
    }
  });
  return h("div", { class: "stack" }, recorded, form);
}

/**
 * The day the person was informed of their carried paid leave (L3141-19-3), with a reason.
 * @param {string} id
 * @param {() => Promise<void>} reload
 */
function noticeForm(id, reload) {
  const informedOn = /** @type {HTMLInputElement} */ (
    h("input", { type: "date", value: new Date().toISOString().slice(0, 10) })
  );
  const reason = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", autocomplete: "off", maxlength: "500" })
  );
  /** @type {Record<string, HTMLElement>} */
  const inputs = { informed_on: informedOn, reason };
  const recorded = h(
    "p",
    { class: "notice", role: "status", hidden: true, "data-testid": "leave-notice-recorded" },
    t("bo.leave.notice_recorded"),
  );
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "stack bo-form",
        novalidate: true,
        "data-testid": "leave-notice-form",
        "aria-labelledby": "bo-leave-notice",
      },
      h("h4", { id: "bo-leave-notice" }, t("bo.leave.notice")),
      h("p", { class: "hint muted", id: "leave-notice-hint" }, t("bo.leave.notice_hint")),
      box,
      field("leave-notice-informed_on", t("bo.leave.informed_on"), informedOn),
      field("leave-notice-reason", t("bo.leave.reason"), reason, {
        hint: t("bo.leave.notice_reason_hint"),
      }),
      h("button", { type: "submit", class: "primary" }, t("bo.leave.notice_record")),
    )
  );
  informedOn.setAttribute("aria-describedby", "leave-notice-hint");
  reason.setAttribute("aria-describedby", "leave-notice-reason-hint");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    recorded.hidden = true;
    form.setAttribute("aria-busy", "true");
    try {
      await request("POST", `/people/${id}/leave/carry-notices`, {
        informed_on: informedOn.value,
        reason: reason.value,
      });
      announce(t("bo.leave.notice_recorded"));
      await reload();
      document.querySelector("[data-testid=leave-notice-recorded]")?.removeAttribute("hidden");
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.leave",
        inputFor: (name) => inputs[name.replace(/^body\./, "")] ?? null,
      });
    }
  });
  return h("div", { class: "stack" }, recorded, form);
}

/** @param {any[]} adjustments  newest first */
function history(adjustments) {
  const items = adjustments.map((a) => {
    const day = formatDate(a.on_day, { dateStyle: "long" });
    const kind = t(`absence.${a.kind}`);
    const signed = `${a.half_days > 0 && !a.opening ? "+" : ""}${daysInWords(a.half_days)}`;
    return h(
      "li",
      { "data-testid": "leave-adjustment" },
      h(
        "p",
        {},
        a.notice
          ? t("bo.leave.noticed", { kind, day })
          : a.opening
            ? t("bo.leave.opening", { kind, days: signed, day })
            : t("bo.leave.adjusted", { kind, days: signed, day }),
      ),
      h(
        "p",
        { class: "muted" },
        t("bo.leave.by", { reason: a.reason, author: a.author_name || "—" }),
      ),
    );
  });
  return h(
    "section",
    { "aria-labelledby": "bo-leave-history", class: "stack" },
    h("h4", { id: "bo-leave-history" }, t("bo.leave.history")),
    items.length
      ? h("ul", { class: "bo-list stack", "data-testid": "leave-adjustments" }, ...items)
      : h("p", { class: "muted" }, t("bo.leave.noHistory")),
  );
}
