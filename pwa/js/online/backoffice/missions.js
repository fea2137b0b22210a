// The back office's Missions tab: who works for which client, on what, when and at what
// daily rate, and a form to add a mission in régie (time and materials): its consultant,
// client, dates, daily rate (typed in euros, sent in integer cents), whether each day needs
// a comment, the absences it allows, the holiday calendar, and its validation circuit (a
// manager, then optionally one of the client's signers). The server checks everything; its
// refusals are shown next to the fields they name.
//
// Each listed mission has "Modifier" (the same form, prefilled: title, end date, rate, comments,
// absences, region, circuit; the consultant, client and start stay as created) and, while it
// runs on, "Clôturer" (the same, with today as its end date). The server refuses (409) a change
// that would rewrite a month already handed in: the refused fields are marked and the months
// listed at the top of the form, nothing saved.

import { ApiError, request } from "../../api.js";
import { addStrings, formatDate, formatMonthName, locale, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, setFieldError, showRefusal } from "./directory-form.js";

/** sync/rules.py AbsenceType, in the order the form lists them. */
const ABSENCES = ["CP", "RTT", "maladie", "sans_solde", "formation", "intercontrat"];
/** sync/calendar.py CalendarRegion. */
const REGIONS = ["metropole", "alsace_moselle"];

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.missions.heading": ["Missions", "Missions"],
  "bo.missions.empty": ["Aucune mission pour l'instant.", "No missions yet."],
  "bo.missions.count": ["{count} {count|mission|missions}", "{count} {count|mission|missions}"],
  "bo.missions.from": ["Du {start}, sans fin prévue", "From {start}, open-ended"],
  "bo.missions.fromTo": ["Du {start} au {end}", "From {start} to {end}"],
  "bo.missions.rate": ["{amount} HT / jour", "{amount} excl. VAT / day"],
  "bo.missions.noRate": ["Sans taux journalier", "No daily rate"],
  "bo.missions.new": ["Nouvelle mission", "New mission"],
  "bo.missions.consultant": ["Consultant", "Consultant"],
  "bo.missions.client": ["Client", "Client"],
  "bo.missions.title": ["Intitulé", "Title"],
  "bo.missions.start": ["Début", "Start"],
  "bo.missions.end": ["Fin", "End"],
  "bo.missions.billing": [
    "Facturation en régie : au temps passé, jours × taux journalier.",
    "Billed as time and materials: days × daily rate.",
  ],
  "bo.missions.daily_rate": ["Taux journalier HT (€)", "Daily rate excl. VAT (€)"],
  "bo.missions.daily_rate_hint": ["Par exemple 600 ou 600,50.", "For example 600 or 600.50."],
  "bo.missions.comments_required": [
    "Un commentaire est exigé sur chaque jour travaillé",
    "A comment is required on every day worked",
  ],
  "bo.missions.absences": ["Absences autorisées", "Allowed absences"],
  "bo.missions.absence.CP": ["Congés payés", "Paid leave"],
  "bo.missions.absence.RTT": ["RTT", "RTT"],
  "bo.missions.absence.maladie": ["Maladie", "Sick leave"],
  "bo.missions.absence.sans_solde": ["Sans solde", "Unpaid leave"],
  "bo.missions.absence.formation": ["Formation", "Training"],
  "bo.missions.absence.intercontrat": ["Intercontrat", "Between missions"],
  "bo.missions.region": ["Jours fériés", "Public holidays"],
  "bo.missions.region.metropole": ["France métropolitaine", "Mainland France"],
  "bo.missions.region.alsace_moselle": [
    "Alsace-Moselle (Vendredi saint, 26 décembre)",
    "Alsace-Moselle (Good Friday, 26 December)",
  ],
  "bo.missions.circuit": ["Circuit de validation", "Validation circuit"],
  "bo.missions.circuitHelp": [
    "Le manager valide le mois, puis le signataire du client le signe, s'il y en a un.",
    "The manager approves the month, then the client's signer signs it, if there is one.",
  ],
  "bo.missions.manager": ["1. Manager", "1. Manager"],
  "bo.missions.signer": ["2. Signataire du client", "2. Client signer"],
  "bo.missions.signerHint": ["Les signataires du client choisi.", "The chosen client's signers."],
  "bo.missions.create": ["Créer la mission", "Create the mission"],
  "bo.missions.created": ["Mission « {title} » créée.", "Mission “{title}” created."],
  "bo.missions.badRate": [
    "Un montant en euros, par exemple 600 ou 600,50 (deux décimales au plus).",
    "An amount in euros, e.g. 600 or 600.50 (two decimals at most).",
  ],
  "bo.missions.needClient": [
    "Créez d'abord un client (onglet Clients).",
    "Create a client first (Clients tab).",
  ],
  "bo.missions.err.consultant_id.invalid": ["Choisissez le consultant.", "Choose the consultant."],
  "bo.missions.err.client_id.invalid": ["Choisissez le client.", "Choose the client."],
  "bo.missions.err.title.invalid": [
    "Donnez un intitulé (200 caractères au plus).",
    "Give a title (200 characters at most).",
  ],
  "bo.missions.err.start_date.invalid": ["Indiquez la date de début.", "Give the start date."],
  "bo.missions.err.end_date.invalid": ["Date non valable.", "Invalid date."],
  "bo.missions.err.daily_rate_cents.invalid": [
    "Un montant positif, 10 000 000 € au plus.",
    "A positive amount, €10,000,000 at most.",
  ],
  "bo.missions.err.approver_id.invalid": ["Choisissez une personne.", "Choose a person."],
  "bo.missions.err.approval_steps.invalid": [
    "Il faut au moins un manager dans le circuit.",
    "The circuit needs at least a manager.",
  ],
  "bo.missions.edit": ["Modifier", "Edit"],
  "bo.missions.editLabel": ["Modifier la mission {title}", "Edit the mission {title}"],
  "bo.missions.close": ["Clôturer", "Close"],
  "bo.missions.closeLabel": ["Clôturer la mission {title}", "Close the mission {title}"],
  "bo.missions.editHeading": ["Modifier « {title} »", "Edit “{title}”"],
  "bo.missions.closeHint": [
    "Date de fin mise à aujourd'hui : ajustez-la si besoin, puis enregistrez.",
    "End date set to today: adjust it if needed, then save.",
  ],
  "bo.missions.fixed": [
    "Le consultant, le client et le début restent ceux de la création.",
    "The consultant, client and start stay as created.",
  ],
  "bo.missions.noCircuit": [
    "Sans circuit, le manager du consultant valide ses mois seul.",
    "Without a circuit, the consultant's manager approves their months alone.",
  ],
  "bo.missions.save": ["Enregistrer les modifications", "Save the changes"],
  "bo.missions.cancel": ["Annuler", "Cancel"],
  "bo.missions.saved": ["Mission « {title} » enregistrée.", "Mission “{title}” saved."],
  "bo.missions.unchanged": ["Rien à enregistrer : aucun changement.", "Nothing to save."],
  "bo.missions.history": [
    "Modification refusée : elle changerait des mois déjà remis. Rien n'a été enregistré.",
    "Change refused: it would alter months already handed in. Nothing was saved.",
  ],
  "bo.missions.historyHelp": [
    "Un mois validé ou signé doit d'abord être rouvert, un mois en validation aller au bout de son circuit. Pour un nouveau taux à partir d'une date, clôturez cette mission et créez-en une autre.",
    "A validated or signed month must be reopened first, a month in validation finish its circuit. For a new rate from a given date, close this mission and create another.",
  ],
  "bo.missions.historyMonth": ["{month} ({status}) : {fields}", "{month} ({status}): {fields}"],
  "bo.missions.daysAfterEnd": ["jours saisis après la fin", "days recorded after the end"],
  "bo.missions.fieldMonths": [
    "Refusé : changerait {months}.",
    "Refused: it would alter {months}.",
  ],
  "bo.missions.fieldDays": [
    "Refusé : des jours sont saisis sur la mission après cette date ({months}).",
    "Refused: days are recorded on the mission after this date ({months}).",
  ],
  "bo.missions.field.comments_required": ["Commentaire exigé", "Comment required"],
  "bo.missions.err.allowed_absences.invalid": [
    "Type d'absence non valable.",
    "Invalid absence type.",
  ],
};
addStrings(STRINGS);

/**
 * Euros typed the French way ("600", "600,50", "1 200,5") or the English way ("600.50") →
 * integer cents; null when it is not an amount.
 * @param {string} text
 * @returns {number | null}
 */
export function parseEuros(text) {
  const compact = text.replace(/[\s\u00a0\u202f€]/g, "");
  const match = /^(\d{1,9})(?:[,.](\d{1,2}))?$/.exec(compact);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
}

/** @param {number} cents */
function euros(cents) {
  return new Intl.NumberFormat(locale() === "en" ? "en-GB" : "fr-FR", {
    style: "currency",
    currency: "EUR",
  }).format(cents / 100);
}

/** @param {string} iso */
const day = (iso) => formatDate(iso, { dateStyle: "medium" });

/** Today on this device, YYYY-MM-DD (the end date a closing proposes). */
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Integer cents → the amount as the rate field takes it, e.g. 61250 → "612,50", 60000 → "600". */
function amountText(cents) {
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  return rest ? `${whole},${String(rest).padStart(2, "0")}` : String(whole);
}

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  /** @type {{id: string, display_name: string, email: string, roles: string[],
   *   client_company_id: string | null}[]} */
  const people = await request("GET", "/people");
  /** @type {{id: string, legal_name: string}[]} */
  const clients = await request("GET", "/clients");
  const nameOf = new Map(people.map((p) => [p.id, p.display_name]));
  const clientOf = new Map(clients.map((c) => [c.id, c.legal_name]));
  const withRole = (role) => people.filter((p) => p.roles.includes(role));

  const list = h("div", { "data-testid": "missions-list" });
  const status = h("p", { class: "notice", role: "status", hidden: true });

  /**
   * @param {{value: string, label: string}[]} options
   * @param {string} empty
   */
  const select = (options, empty) =>
    h(
      "select",
      {},
      h("option", { value: "" }, empty),
      ...options.map((o) => h("option", { value: o.value }, o.label)),
    );
  const personOption = (p) => ({ value: p.id, label: `${p.display_name} (${p.email})` });

  const inputs = {
    consultant_id: select(withRole("consultant").map(personOption), t("bo.dir.choose")),
    client_id: select(
      clients.map((c) => ({ value: c.id, label: c.legal_name })),
      t("bo.dir.choose"),
    ),
    title: h("input", { type: "text", maxlength: 200, required: true }),
    start_date: h("input", { type: "date", required: true }),
    end_date: h("input", { type: "date" }),
    daily_rate_cents: h("input", {
      type: "text",
      inputmode: "decimal",
      required: true,
      autocomplete: "off",
    }),
    comments_required: h("input", { type: "checkbox" }),
    calendar_region: select(
      REGIONS.map((r) => ({ value: r, label: t(`bo.missions.region.${r}`) })),
      "",
    ),
    manager: select(withRole("manager").map(personOption), t("bo.dir.choose")),
    signer: select([], t("bo.dir.none")),
  };
  // The region has a value always: drop the empty choice, metropole first.
  inputs.calendar_region.firstElementChild?.remove();

  const absenceBoxes = ABSENCES.map((a) =>
    h("input", { type: "checkbox", id: `mission-absence-${a}`, value: a, checked: true }),
  );
  const absences = h(
    "fieldset",
    { id: "mission-absences", "aria-describedby": "mission-absences-error" },
    h("legend", {}, t("bo.missions.absences")),
    h(
      "div",
      { class: "bo-checks" },
      ...absenceBoxes.map((box) =>
        h(
          "div",
          { class: "check" },
          box,
          h("label", { for: box.id }, t(`bo.missions.absence.${box.value}`)),
        ),
      ),
    ),
    h("p", { class: "field-error", id: "mission-absences-error", hidden: true }),
  );

  /** The client's signers in the signer step's list (they must sign for that client). */
  function fillSigners() {
    const client = /** @type {HTMLSelectElement} */ (inputs.client_id).value;
    const signers = withRole("client_signer").filter(
      (p) => client && p.client_company_id === client,
    );
    inputs.signer.replaceChildren(
      h("option", { value: "" }, t("bo.dir.none")),
      ...signers.map((p) => h("option", { value: p.id }, personOption(p).label)),
    );
  }
  inputs.client_id.addEventListener("change", fillSigners);

  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const submit = h("button", { type: "submit", class: "primary" }, t("bo.missions.create"));
  const heading = h("h3", { id: "mission-form-heading" }, t("bo.missions.new"));
  const editNote = h("p", { class: "muted", hidden: true });
  const cancel = h(
    "button",
    { type: "button", class: "secondary", hidden: true, onclick: () => stopEdit(true) },
    t("bo.missions.cancel"),
  );
  const commentsError = h("p", { class: "field-error", id: "mission-comments-error", hidden: true });
  /** The mission the form edits; null while it creates one. */
  let editing = null;
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "card stack bo-form",
        novalidate: true,
        "data-testid": "mission-form",
        "aria-labelledby": "mission-form-heading",
      },
      heading,
      clients.length ? null : h("p", { class: "notice warn" }, t("bo.missions.needClient")),
      box,
      editNote,
      field("mission-consultant", t("bo.missions.consultant"), inputs.consultant_id),
      field("mission-client", t("bo.missions.client"), inputs.client_id),
      field("mission-title", t("bo.missions.title"), inputs.title),
      h(
        "div",
        { class: "row2" },
        field("mission-start", t("bo.missions.start"), inputs.start_date),
        field("mission-end", t("bo.missions.end"), inputs.end_date, { optional: true }),
      ),
      h("p", { class: "muted" }, t("bo.missions.billing")),
      field("mission-rate", t("bo.missions.daily_rate"), inputs.daily_rate_cents, {
        hint: t("bo.missions.daily_rate_hint"),
      }),
      h(
        "div",
        { class: "check" },
        inputs.comments_required,
        h("label", { for: "mission-comments" }, t("bo.missions.comments_required")),
      ),
      commentsError,
      absences,
      field("mission-region", t("bo.missions.region"), inputs.calendar_region),
      h(
        "fieldset",
        { "aria-describedby": "mission-circuit-help" },
        h("legend", {}, t("bo.missions.circuit")),
        h("p", { class: "hint muted", id: "mission-circuit-help" }, t("bo.missions.circuitHelp")),
        field("mission-manager", t("bo.missions.manager"), inputs.manager),
        field("mission-signer", t("bo.missions.signer"), inputs.signer, {
          optional: true,
          hint: t("bo.missions.signerHint"),
        }),
      ),
      h("div", { class: "bo-actions" }, submit, cancel),
    )
  );
  inputs.comments_required.id = "mission-comments";
  inputs.daily_rate_cents.setAttribute("aria-describedby", "mission-rate-hint");
  inputs.signer.setAttribute("aria-describedby", "mission-signer-hint");

  /** A server field name → the input it is about (the circuit's steps are manager, signer). */
  function inputFor(name) {
    const step = /^approval_steps\[(\d+)\]/.exec(name);
    if (step) return step[1] === "0" ? inputs.manager : inputs.signer;
    if (name === "approval_steps") return inputs.manager;
    if (name.startsWith("allowed_absences")) return absences;
    if (name === "billing_mode") return null;
    return inputs[/** @type {keyof typeof inputs} */ (name)] ?? null;
  }

  /** Inputs an edit cannot change (the server keeps them as created). */
  const fixed = [inputs.consultant_id, inputs.client_id, inputs.start_date];

  /**
   * Open the form on a mission, prefilled; `close` also sets its end date to today.
   * @param {any} m  MissionOut
   * @param {{close?: boolean}} [options]
   */
  function startEdit(m, { close = false } = {}) {
    clearErrors(form, box);
    setFieldError(absences, "");
    status.hidden = true;
    editing = m;
    const set = (key, value) => {
      /** @type {HTMLInputElement} */ (inputs[key]).value = value ?? "";
    };
    set("consultant_id", m.consultant_id);
    set("client_id", m.client_id);
    fillSigners();
    set("title", m.title);
    set("start_date", m.start_date);
    set("end_date", close ? today() : m.end_date);
    set("daily_rate_cents", m.daily_rate_cents == null ? "" : amountText(m.daily_rate_cents));
    /** @type {HTMLInputElement} */ (inputs.comments_required).checked = m.comments_required;
    for (const b of absenceBoxes)
      /** @type {HTMLInputElement} */ (b).checked = m.allowed_absences.includes(
        /** @type {HTMLInputElement} */ (b).value,
      );
    set("calendar_region", m.calendar_region);
    const step = (kind) => m.approval_steps.find((s) => s.kind === kind)?.approver_id ?? "";
    set("manager", step("manager"));
    set("signer", step("client_signer"));
    for (const input of fixed) input.setAttribute("disabled", "");
    heading.textContent = t("bo.missions.editHeading", { title: m.title });
    editNote.textContent = [
      close ? t("bo.missions.closeHint") : t("bo.missions.fixed"),
      m.approval_steps.length ? "" : t("bo.missions.noCircuit"),
    ].join(" ");
    editNote.hidden = false;
    submit.textContent = t("bo.missions.save");
    cancel.hidden = false;
    form.scrollIntoView({ block: "start" });
    (close ? inputs.end_date : inputs.title).focus();
  }

  /** Back to creating a mission, the form emptied. */
  function stopEdit(focus = false) {
    editing = null;
    form.reset();
    clearErrors(form, box);
    setFieldError(absences, "");
    for (const input of fixed) input.removeAttribute("disabled");
    fillSigners();
    heading.textContent = t("bo.missions.new");
    editNote.hidden = true;
    submit.textContent = t("bo.missions.create");
    cancel.hidden = true;
    if (focus) heading.scrollIntoView({ block: "start" });
  }

  /** The labels of the fields a refusal may name, for the list at the top. */
  const labelOf = {
    end_date: t("bo.missions.end"),
    daily_rate_cents: t("bo.missions.daily_rate"),
    calendar_region: t("bo.missions.region"),
    allowed_absences: t("bo.missions.absences"),
    comments_required: t("bo.missions.field.comments_required"),
    approval_steps: t("bo.missions.circuit"),
  };

  /**
   * A 409 refusal of an edit that would rewrite months already handed in: each refused field
   * marked with its months, and the months listed at the top with what would change in them.
   * The server's messages start with the month (YYYY-MM); its code says why.
   * @param {import("../../api.js").ApiError} error
   * @returns {boolean} false when it is another refusal
   */
  function showHistoryRefusal(error) {
    const found = error.errors
      .map((e) => ({ ...e, month: /^\d{4}-\d{2}/.exec(e.message)?.[0] ?? "" }))
      .filter((e) => e.month && (e.code.startsWith("month_") || e.code === "days_after_end"));
    if (error.status !== 409 || !found.length) return false;
    const why = (e) =>
      e.code === "days_after_end"
        ? t("bo.missions.daysAfterEnd")
        : t(`status.${e.code.slice("month_".length)}`).toLowerCase();
    /** @type {Map<string, {status: string, fields: string[]}>} */
    const months = new Map();
    /** @type {Map<string, typeof found>} */
    const byField = new Map();
    for (const e of found) {
      const entry = months.get(e.month) ?? { status: why(e), fields: [] };
      const label = labelOf[e.field] ?? e.field;
      if (!entry.fields.includes(label)) entry.fields.push(label);
      months.set(e.month, entry);
      byField.set(e.field, [...(byField.get(e.field) ?? []), e]);
    }
    let first = null;
    for (const [name, refusals] of byField) {
      const input = name === "comments_required" ? inputs.comments_required : inputFor(name);
      if (!input) continue;
      const list = refusals.map((e) => `${formatMonthName(e.month)} (${why(e)})`).join(", ");
      const days = refusals.every((e) => e.code === "days_after_end");
      setFieldError(input, t(days ? "bo.missions.fieldDays" : "bo.missions.fieldMonths", {
        months: list,
      }));
      first ??= input;
    }
    box.replaceChildren(
      h("p", {}, h("strong", {}, t("bo.missions.history"))),
      h(
        "ul",
        { "data-testid": "mission-history-months" },
        ...[...months].sort(([a], [b]) => a.localeCompare(b)).map(([month, entry]) =>
          h(
            "li",
            {},
            t("bo.missions.historyMonth", {
              month: formatMonthName(month),
              status: entry.status,
              fields: entry.fields.join(", "),
            }),
          ),
        ),
      ),
      h("p", { class: "muted" }, t("bo.missions.historyHelp")),
    );
    box.hidden = false;
    box.focus();
    return true;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form, box);
    setFieldError(absences, "");
    status.hidden = true;
    const value = (key) => /** @type {HTMLInputElement} */ (inputs[key]).value;
    const rateText = value("daily_rate_cents").trim();
    const cents = rateText ? parseEuros(rateText) : null;
    if (rateText && cents === null) {
      // Not an amount: said here, as the server would not know what was typed.
      setFieldError(inputs.daily_rate_cents, t("bo.missions.badRate"));
      inputs.daily_rate_cents.focus();
      return;
    }
    const steps = [];
    // An unchosen manager is sent as such, so that the server's refusal names the step.
    steps.push({ kind: "manager", approver_id: value("manager") || null });
    if (value("signer")) steps.push({ kind: "client_signer", approver_id: value("signer") });
    if (editing) {
      // A mission created without a circuit keeps none while no step is chosen.
      const none = !editing.approval_steps.length && !value("manager") && !value("signer");
      await saveEdit(editing, {
        title: value("title"),
        end_date: value("end_date") || null,
        daily_rate_cents: cents,
        allowed_absences: absenceBoxes
          .filter((b) => /** @type {HTMLInputElement} */ (b).checked)
          .map((b) => /** @type {HTMLInputElement} */ (b).value),
        comments_required: /** @type {HTMLInputElement} */ (inputs.comments_required).checked,
        calendar_region: value("calendar_region"),
        approval_steps: none ? [] : steps,
      });
      return;
    }
    const body = {
      consultant_id: value("consultant_id") || null,
      client_id: value("client_id") || null,
      title: value("title"),
      start_date: value("start_date") || null,
      end_date: value("end_date") || null,
      billing_mode: "regie",
      daily_rate_cents: cents,
      comments_required: /** @type {HTMLInputElement} */ (inputs.comments_required).checked,
      allowed_absences: absenceBoxes
        .filter((b) => /** @type {HTMLInputElement} */ (b).checked)
        .map((b) => /** @type {HTMLInputElement} */ (b).value),
      calendar_region: value("calendar_region"),
      approval_steps: steps,
    };
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    try {
      const created = await request("POST", "/missions", body);
      form.reset();
      fillSigners();
      status.textContent = t("bo.missions.created", { title: created.title });
      status.hidden = false;
      announce(status.textContent);
      await load();
    } catch (error) {
      showRefusal(error, { form, box, prefix: "bo.missions", inputFor });
    } finally {
      form.setAttribute("aria-busy", "false");
      submit.setAttribute("aria-disabled", "false");
    }
  });

  /**
   * PUT the edited terms; the refusals shown as for a creation, a history one listed.
   * @param {any} mission
   * @param {object} body  MissionUpdate
   */
  async function saveEdit(mission, body) {
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    try {
      const saved = await request("PUT", `/missions/${mission.id}`, body);
      stopEdit();
      status.textContent = t("bo.missions.saved", { title: saved.title });
      status.hidden = false;
      announce(status.textContent);
      await load();
    } catch (error) {
      if (!(error instanceof ApiError && showHistoryRefusal(error)))
        showRefusal(error, { form, box, prefix: "bo.missions", inputFor });
    } finally {
      form.setAttribute("aria-busy", "false");
      submit.setAttribute("aria-disabled", "false");
    }
  }

  async function load() {
    /** @type {{id: string, consultant_id: string, client_id: string, title: string,
     *   start_date: string, end_date: string | null, daily_rate_cents: number | null}[]} */
    const missions = await request("GET", "/missions");
    list.replaceChildren(
      h(
        "p",
        { class: "muted" },
        missions.length
          ? t("bo.missions.count", { count: missions.length })
          : t("bo.missions.empty"),
      ),
      h(
        "ul",
        { class: "bo-list" },
        ...missions.map((m) =>
          h(
            "li",
            { class: "card", "data-testid": "mission-item", "data-mission-id": m.id },
            h("strong", {}, m.title),
            h(
              "dl",
              { class: "bo-facts" },
              h(
                "div",
                {},
                h("dt", {}, t("bo.missions.consultant")),
                h("dd", {}, nameOf.get(m.consultant_id) ?? "—"),
              ),
              h(
                "div",
                {},
                h("dt", {}, t("bo.missions.client")),
                h("dd", {}, clientOf.get(m.client_id) ?? "—"),
              ),
            ),
            h(
              "p",
              { class: "muted bo-address" },
              m.end_date
                ? t("bo.missions.fromTo", { start: day(m.start_date), end: day(m.end_date) })
                : t("bo.missions.from", { start: day(m.start_date) }),
            ),
            h(
              "p",
              { class: "bo-address", "data-testid": "mission-rate" },
              m.daily_rate_cents
                ? t("bo.missions.rate", { amount: euros(m.daily_rate_cents) })
                : t("bo.missions.noRate"),
            ),
            h(
              "div",
              { class: "bo-actions" },
              h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  "data-testid": "mission-edit",
                  "aria-label": t("bo.missions.editLabel", { title: m.title }),
                  onclick: () => startEdit(m),
                },
                t("bo.missions.edit"),
              ),
              !m.end_date || m.end_date > today()
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "secondary small",
                      "data-testid": "mission-close",
                      "aria-label": t("bo.missions.closeLabel", { title: m.title }),
                      onclick: () => startEdit(m, { close: true }),
                    },
                    t("bo.missions.close"),
                  )
                : null,
            ),
          ),
        ),
      ),
    );
  }

  await load();
  container.replaceChildren(h("h2", {}, t("bo.missions.heading")), status, form, list);
}
