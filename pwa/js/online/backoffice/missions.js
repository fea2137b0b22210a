// The back office's Missions tab: who works for which client, on what, when and at what
// price, and a form to add a mission: its consultant, client, dates, the client's purchase
// order reference, billing mode — régie (a
// daily rate, typed in euros, sent in integer cents), capped régie (a rate and a cap in days,
// sent in half-days) or forfait (dated milestones, each with its label and amount) — whether
// each day needs a comment, the absences it allows, the holiday calendar, the rule for its
// expenses (re-billed to the client or not, with a margin; saved through the mission's
// expense-policy endpoint) and its validation circuit (a manager, then optionally one of the
// client's signers). The server checks everything; its refusals are shown next to the fields
// they name, a milestone's on its own row.
//
// Each listed mission has "Modifier" (the same form, prefilled: consultant, client, title, start
// and end dates, rate, cap, milestones, comments, absences, region, expenses, circuit; the
// billing mode stays as created, as the API keeps it) and, while it runs on, "Clôturer" (the
// same, with today as its end date). The server refuses (409) a change that would rewrite a
// month already handed in or invoiced, or move recorded days to another consultant or client:
// the refused fields are marked with their months and the months listed at the top of the
// form, nothing saved.

import { ApiError, request } from "../../api.js";
import { addStrings, formatDate, formatMonthName, locale, t } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, setFieldError, showRefusal } from "./directory-form.js";

/** sync/rules.py AbsenceType, in the order the form lists them. */
const ABSENCES = ["CP", "RTT", "maladie", "sans_solde", "formation", "intercontrat", "at_mp"];
/** sync/calendar.py CalendarRegion. */
const REGIONS = [
  "metropole",
  "alsace_moselle",
  "guadeloupe",
  "martinique",
  "guyane",
  "la_reunion",
  "mayotte",
];
/** The server's refusals about days recorded on the mission (server/domain/mission_changes.py):
 * code → [what the month has, the sentence under the field]. */
const DAY_CODES = {
  days_after_end: ["bo.missions.daysAfterEnd", "bo.missions.fieldDays"],
  days_before_start: ["bo.missions.daysBeforeStart", "bo.missions.fieldDaysBefore"],
  mission_has_days: ["bo.missions.hasDays", "bo.missions.fieldHasDays"],
};
/** server/services/directory.py BILLING_MODES. */
const MODES = ["regie", "regie_capped", "forfait"];

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
  "bo.missions.absence.at_mp": [
    "Accident du travail, maladie professionnelle",
    "Work accident, occupational illness",
  ],
  "bo.missions.region": ["Jours fériés", "Public holidays"],
  "bo.missions.region.metropole": ["France métropolitaine", "Mainland France"],
  "bo.missions.region.alsace_moselle": [
    "Alsace-Moselle (Vendredi saint, 26 décembre)",
    "Alsace-Moselle (Good Friday, 26 December)",
  ],
  "bo.missions.region.guadeloupe": [
    "Guadeloupe (27 mai, abolition de l'esclavage)",
    "Guadeloupe (27 May, abolition of slavery)",
  ],
  "bo.missions.region.martinique": [
    "Martinique (22 mai, abolition de l'esclavage)",
    "Martinique (22 May, abolition of slavery)",
  ],
  "bo.missions.region.guyane": [
    "Guyane (10 juin, abolition de l'esclavage)",
    "French Guiana (10 June, abolition of slavery)",
  ],
  "bo.missions.region.la_reunion": [
    "La Réunion (20 décembre, abolition de l'esclavage)",
    "La Réunion (20 December, abolition of slavery)",
  ],
  "bo.missions.region.mayotte": [
    "Mayotte (27 avril, abolition de l'esclavage)",
    "Mayotte (27 April, abolition of slavery)",
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
    "Le mode de facturation reste celui de la création. Un changement qui toucherait un mois déjà remis ou facturé, ou un jalon livré, est refusé.",
    "The billing mode stays as created. A change that would reach a month already handed in or invoiced, or a delivered milestone, is refused.",
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
    "Modification refusée : elle changerait des mois déjà remis, facturés ou saisis. Rien n'a été enregistré.",
    "Change refused: it would alter months already handed in, invoiced or recorded. Nothing was saved.",
  ],
  "bo.missions.historyHelp": [
    "Un mois validé ou signé doit d'abord être rouvert, un mois en validation aller au bout de son circuit. Pour un nouveau taux à partir d'une date, ou un autre consultant ou client pour des jours déjà saisis, clôturez cette mission et créez-en une autre.",
    "A validated or signed month must be reopened first, a month in validation finish its circuit. For a new rate from a given date, or another consultant or client for days already recorded, close this mission and create another.",
  ],
  "bo.missions.historyMonth": ["{month} ({status}) : {fields}", "{month} ({status}): {fields}"],
  "bo.missions.daysAfterEnd": ["jours saisis après la fin", "days recorded after the end"],
  "bo.missions.daysBeforeStart": ["jours saisis avant le début", "days recorded before the start"],
  "bo.missions.hasDays": ["jours saisis sur la mission", "days recorded on the mission"],
  "bo.missions.invoiced": ["facturé", "invoiced"],
  "bo.missions.delivered": ["jalon livré", "milestone delivered"],
  "bo.missions.fieldDeliveredClient": [
    "Refusé : un jalon livré est facturé à ce client ({months}).",
    "Refused: a delivered milestone is billed to this client ({months}).",
  ],
  "bo.missions.fieldDelivered": [
    "Refusé : un jalon livré est facturé tel quel, il ne change ni ne disparaît ({months}).",
    "Refused: a delivered milestone is billed as it is; it cannot change or go ({months}).",
  ],
  "bo.missions.fieldDaysBefore": [
    "Refusé : des jours sont saisis sur la mission avant cette date ({months}).",
    "Refused: days are recorded on the mission before this date ({months}).",
  ],
  "bo.missions.fieldHasDays": [
    "Refusé : des jours sont déjà saisis sur la mission ({months}) ; ils restent au CRA de son consultant, pour son client. Clôturez la mission et créez-en une autre.",
    "Refused: days are already recorded on the mission ({months}); they stay in its consultant's CRA, for its client. Close the mission and create another.",
  ],
  "bo.missions.fieldInvoiced": [
    "Refusé : une facture émise porte déjà sur la mission ({months}).",
    "Refused: an issued invoice already bills the mission ({months}).",
  ],
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
  "bo.missions.billing_mode": ["Mode de facturation", "Billing mode"],
  "bo.missions.purchase_order": ["Référence du bon de commande", "Purchase order reference"],
  "bo.missions.purchase_order_hint": [
    "Telle que le client l'a écrite, par exemple BC-2026-0042.",
    "As the client wrote it, for example PO-2026-0042.",
  ],
  "bo.missions.err.purchase_order.invalid": [
    "100 caractères au plus, sans caractère de contrôle.",
    "100 characters at most, no control character.",
  ],
  "bo.missions.mode.regie": ["Régie : jours × taux journalier", "Time and materials: days × rate"],
  "bo.missions.mode.regie_capped": [
    "Régie plafonnée : jours × taux, jusqu'au plafond",
    "Capped time and materials: days × rate, up to the cap",
  ],
  "bo.missions.mode.forfait": ["Forfait : des jalons à dates fixes", "Fixed price: dated milestones"],
  "bo.missions.cap": ["Plafond (jours)", "Cap (days)"],
  "bo.missions.cap_hint": [
    "Jours facturables au plus, par exemple 20 ou 20,5.",
    "Billable days at most, for example 20 or 20.5.",
  ],
  "bo.missions.badCap": [
    "Un nombre de jours, par demi-journée : 20 ou 20,5.",
    "A number of days, by half days: 20 or 20.5.",
  ],
  "bo.missions.milestones": ["Jalons du forfait", "Fixed-price milestones"],
  "bo.missions.milestonesHelp": [
    "Chaque jalon est facturé à sa livraison ; son échéance tombe entre le début et la fin.",
    "Each milestone is billed when delivered; its due date falls between the start and the end.",
  ],
  "bo.missions.milestone": ["Jalon {n}", "Milestone {n}"],
  "bo.missions.milestone.label": ["Libellé", "Label"],
  "bo.missions.milestone.amount": ["Montant HT (€)", "Amount excl. VAT (€)"],
  "bo.missions.milestone.due": ["Échéance", "Due date"],
  "bo.missions.addMilestone": ["Ajouter un jalon", "Add a milestone"],
  "bo.missions.removeMilestone": ["Retirer le jalon {n}", "Remove milestone {n}"],
  "bo.missions.rateForfait": ["Forfait, {count} {count|jalon|jalons} : {amount} HT", "Fixed price, {count} {count|milestone|milestones}: {amount} excl. VAT"],
  "bo.missions.capped": ["Plafond : {days} jours", "Cap: {days} days"],
  "bo.missions.err.billing_mode.invalid": ["Choisissez le mode.", "Choose the mode."],
  "bo.missions.err.day_cap_half_days.invalid": [
    "Un plafond de 0,5 à 500 000 jours.",
    "A cap from 0.5 to 500,000 days.",
  ],
  "bo.missions.err.day_cap_half_days.cap_required": [
    "La régie plafonnée demande un plafond.",
    "Capped time and materials needs a cap.",
  ],
  "bo.missions.err.milestones.milestones_required": [
    "Un forfait demande au moins un jalon.",
    "A fixed price needs at least one milestone.",
  ],
  "bo.missions.err.milestones.invalid": ["50 jalons au plus.", "50 milestones at most."],
  "bo.missions.err.label.invalid": [
    "Donnez un libellé (200 caractères au plus).",
    "Give a label (200 characters at most).",
  ],
  "bo.missions.err.amount_cents.invalid": [
    "Un montant en euros, par exemple 5 000 ou 5 000,50.",
    "An amount in euros, e.g. 5000 or 5000.50.",
  ],
  "bo.missions.err.due_date.invalid": ["Indiquez l'échéance.", "Give the due date."],
  "bo.missions.err.due_date.outside_mission": [
    "L'échéance tombe hors des dates de la mission.",
    "The due date falls outside the mission's dates.",
  ],
  "bo.missions.expenses": ["Frais de la mission", "The mission's expenses"],
  "bo.missions.expensesHelp": [
    "Refacturés, les frais approuvés rejoignent la pré-facture du mois, avec la marge indiquée.",
    "When re-billed, approved expenses join the month's pre-invoice, with the margin given.",
  ],
  "bo.missions.rebill": ["Refacturer les frais au client", "Re-bill expenses to the client"],
  "bo.missions.margin": ["Marge sur les frais (%)", "Margin on expenses (%)"],
  "bo.missions.margin_hint": ["De 0 à 100, par exemple 5 ou 7,5.", "From 0 to 100, e.g. 5 or 7.5."],
  "bo.missions.err.margin_bp.invalid": [
    "Un pourcentage de 0 à 100 (deux décimales au plus).",
    "A percentage from 0 to 100 (two decimals at most).",
  ],
  "bo.missions.discount": ["Remise permanente", "Standing discount"],
  "bo.missions.discountHelp": [
    "Appliquée à chaque pré-facture de la mission, après sa ligne : un pourcentage, ou un montant HT par pré-facture. Les factures déjà émises gardent la leur.",
    "Applied to each pre-invoice of the mission, after its line: a percentage, or an amount excl. VAT per pre-invoice. Invoices already issued keep theirs.",
  ],
  "bo.missions.discount_percent": ["Remise (%)", "Discount (%)"],
  "bo.missions.discount_amount": ["Ou montant HT par pré-facture (€)", "Or amount excl. VAT per pre-invoice (€)"],
  "bo.missions.discount_reason": ["Motif de la remise", "Reason for the discount"],
  "bo.missions.err.percent_bp.invalid": [
    "Un pourcentage de plus de 0 à 100 (deux décimales au plus).",
    "A percentage above 0 up to 100 (two decimals at most).",
  ],
  "bo.missions.err.percent_bp.out_of_range": [
    "Un pourcentage de plus de 0 à 100.",
    "A percentage above 0 up to 100.",
  ],
  "bo.missions.err.amount_cents.invalid": [
    "Un montant en euros, par exemple 150 ou 150,50.",
    "An amount in euros, e.g. 150 or 150.50.",
  ],
  "bo.missions.err.amount_cents.exclusive": [
    "Un pourcentage ou un montant, pas les deux.",
    "A percentage or an amount, not both.",
  ],
  "bo.missions.err.reason.required": [
    "Dites pourquoi la mission a une remise (3 caractères au moins).",
    "Say why the mission has a discount (3 characters at least).",
  ],
  "bo.missions.discountFailed": [
    "Mission enregistrée, mais pas sa remise : corrigez-la puis enregistrez à nouveau.",
    "Mission saved, but not its discount: fix it and save again.",
  ],
  "bo.missions.policyFailed": [
    "Mission enregistrée, mais pas la règle des frais : corrigez-la puis enregistrez à nouveau.",
    "Mission saved, but not the expense rule: fix it and save again.",
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

/**
 * Days typed by half days ("20", "20,5", "20.5") → integer half-days; null otherwise.
 * @param {string} text
 * @returns {number | null}
 */
export function parseHalfDays(text) {
  const match = /^(\d{1,6})(?:[,.](5|50|0|00))?$/.exec(text.replace(/[\s\u00a0\u202f]/g, ""));
  if (!match) return null;
  return Number(match[1]) * 2 + (match[2]?.startsWith("5") ? 1 : 0);
}

/**
 * A percentage typed "5", "7,5" or "7.25" → basis points (two decimals, as cents); null when
 * it is not a percentage from 0 to 100.
 * @param {string} text
 * @returns {number | null}
 */
export function parsePercent(text) {
  const bp = parseEuros(text.replace(/%/g, ""));
  return bp === null || bp > 10_000 ? null : bp;
}

/** Half-days → days as the form shows them, e.g. 41 → "20,5". @param {number} half */
const daysText = (half) => (half % 2 ? `${(half - 1) / 2},5` : String(half / 2));

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
    billing_mode: select(
      MODES.map((m) => ({ value: m, label: t(`bo.missions.mode.${m}`) })),
      "",
    ),
    day_cap_half_days: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
    purchase_order: h("input", { type: "text", maxlength: 100, autocomplete: "off" }),
    rebill: h("input", { type: "checkbox" }),
    margin_bp: h("input", { type: "text", inputmode: "decimal", autocomplete: "off", value: "0" }),
    percent_bp: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
    amount_cents: h("input", { type: "text", inputmode: "decimal", autocomplete: "off" }),
    reason: h("input", { type: "text", maxlength: 500, autocomplete: "off" }),
  };
  // The region and the billing mode have a value always: drop their empty choice.
  inputs.calendar_region.firstElementChild?.remove();
  inputs.billing_mode.firstElementChild?.remove();

  // The forfait's milestones: one row each (label, amount in euros, due date), numbered.
  const milestoneRows = h("div", { class: "stack" });
  /** @type {{label: HTMLInputElement, amount_cents: HTMLInputElement, due_date: HTMLInputElement,
   *   row: HTMLElement}[]} */
  let milestones = [];
  const addMilestone = h(
    "button",
    { type: "button", class: "secondary small", "data-testid": "milestone-add" },
    t("bo.missions.addMilestone"),
  );
  /** Redraw the rows from `milestones`, numbering them and their ids from 1. */
  function drawMilestones() {
    milestoneRows.replaceChildren(
      ...milestones.map((ms, index) => {
        const n = index + 1;
        const id = `mission-milestone-${n}`;
        // The row has an error line of its own: a refusal of the whole milestone (delivered,
        // it cannot change) is said under it, not under the list.
        ms.row = h(
          "fieldset",
          { class: "bo-milestone", id, "data-testid": "milestone-row" },
          h("legend", {}, t("bo.missions.milestone", { n })),
          field(`${id}-label`, t("bo.missions.milestone.label"), ms.label),
          h(
            "div",
            { class: "row2" },
            field(`${id}-amount`, t("bo.missions.milestone.amount"), ms.amount_cents),
            field(`${id}-due`, t("bo.missions.milestone.due"), ms.due_date),
          ),
          h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
          h(
            "button",
            {
              type: "button",
              class: "secondary small",
              onclick: () => {
                milestones = milestones.filter((other) => other !== ms);
                drawMilestones();
                addMilestone.focus();
              },
            },
            t("bo.missions.removeMilestone", { n }),
          ),
        );
        return ms.row;
      }),
    );
  }
  /** A new row, prefilled from a stored milestone when given. */
  function newMilestone(stored = null) {
    return {
      label: /** @type {HTMLInputElement} */ (
        h("input", { type: "text", maxlength: 200, value: stored?.label ?? "" })
      ),
      amount_cents: /** @type {HTMLInputElement} */ (
        h("input", {
          type: "text",
          inputmode: "decimal",
          autocomplete: "off",
          value: stored ? amountText(stored.amount_cents) : "",
        })
      ),
      due_date: /** @type {HTMLInputElement} */ (
        h("input", { type: "date", value: stored?.due_date ?? "" })
      ),
      row: h("div"),
    };
  }
  addMilestone.addEventListener("click", () => {
    milestones.push(newMilestone());
    drawMilestones();
    milestones.at(-1)?.label.focus();
  });
  const milestoneBox = h(
    "fieldset",
    { id: "mission-milestones", "aria-describedby": "mission-milestones-help" },
    h("legend", {}, t("bo.missions.milestones")),
    h("p", { class: "hint muted", id: "mission-milestones-help" }, t("bo.missions.milestonesHelp")),
    milestoneRows,
    h("p", { class: "field-error", id: "mission-milestones-error", hidden: true }),
    addMilestone,
  );
  const rateField = field("mission-rate", t("bo.missions.daily_rate"), inputs.daily_rate_cents, {
    hint: t("bo.missions.daily_rate_hint"),
  });
  const capField = field("mission-cap", t("bo.missions.cap"), inputs.day_cap_half_days, {
    hint: t("bo.missions.cap_hint"),
  });
  /** Show what the chosen billing mode needs: a rate, a cap, milestones. */
  function showMode() {
    const mode = /** @type {HTMLSelectElement} */ (inputs.billing_mode).value;
    rateField.hidden = mode === "forfait";
    capField.hidden = mode !== "regie_capped";
    milestoneBox.hidden = mode !== "forfait";
    if (mode === "forfait" && !milestones.length && !editing) {
      milestones.push(newMilestone());
      drawMilestones();
    }
  }
  inputs.billing_mode.addEventListener("change", showMode);

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
  // Both are loaded after the form opens on a mission: disabled (and busy) until their answer is
  // in, so what the admin types there is never overwritten by a late answer.
  const policySet = h(
    "fieldset",
    { "aria-describedby": "mission-expenses-help" },
    h("legend", {}, t("bo.missions.expenses")),
    h("p", { class: "hint muted", id: "mission-expenses-help" }, t("bo.missions.expensesHelp")),
    h(
      "div",
      { class: "check" },
      inputs.rebill,
      h("label", { for: "mission-rebill" }, t("bo.missions.rebill")),
    ),
    field("mission-margin", t("bo.missions.margin"), inputs.margin_bp, {
      hint: t("bo.missions.margin_hint"),
    }),
  );
  const discountSet = h(
    "fieldset",
    { "aria-describedby": "mission-discount-help", "data-testid": "mission-discount" },
    h("legend", {}, t("bo.missions.discount")),
    h("p", { class: "hint muted", id: "mission-discount-help" }, t("bo.missions.discountHelp")),
    field("mission-discount-percent", t("bo.missions.discount_percent"), inputs.percent_bp, {
      optional: true,
    }),
    field("mission-discount-amount", t("bo.missions.discount_amount"), inputs.amount_cents, {
      optional: true,
    }),
    field("mission-discount-reason", t("bo.missions.discount_reason"), inputs.reason, {
      optional: true,
    }),
  );
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
      field("mission-po", t("bo.missions.purchase_order"), inputs.purchase_order, {
        optional: true,
        hint: t("bo.missions.purchase_order_hint"),
      }),
      field("mission-mode", t("bo.missions.billing_mode"), inputs.billing_mode),
      rateField,
      capField,
      milestoneBox,
      h(
        "div",
        { class: "check" },
        inputs.comments_required,
        h("label", { for: "mission-comments" }, t("bo.missions.comments_required")),
      ),
      commentsError,
      absences,
      field("mission-region", t("bo.missions.region"), inputs.calendar_region),
      policySet,
      discountSet,
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
  inputs.rebill.id = "mission-rebill";
  inputs.daily_rate_cents.setAttribute("aria-describedby", "mission-rate-hint");
  inputs.day_cap_half_days.setAttribute("aria-describedby", "mission-cap-hint");
  inputs.margin_bp.setAttribute("aria-describedby", "mission-margin-hint");
  inputs.purchase_order.setAttribute("aria-describedby", "mission-po-hint");
  showMode();
  inputs.signer.setAttribute("aria-describedby", "mission-signer-hint");

  /** A server field name → the input it is about (the circuit's steps are manager, signer). */
  function inputFor(name) {
    const step = /^approval_steps\[(\d+)\]/.exec(name);
    if (step) return step[1] === "0" ? inputs.manager : inputs.signer;
    if (name === "approval_steps") return inputs.manager;
    if (name.startsWith("allowed_absences")) return absences;
    const milestone = /^milestones\[(\d+)\](?:\.(\w+))?$/.exec(name);
    if (milestone) {
      const row = milestones[Number(milestone[1])];
      // "milestones[1]" is the whole milestone (its row); "milestones[1].label", one field.
      if (!milestone[2]) return row?.row ?? milestoneBox;
      return row?.[/** @type {"label" | "amount_cents" | "due_date"} */ (milestone[2])] ?? milestoneBox;
    }
    if (name.startsWith("milestones")) return milestoneBox;
    return inputs[/** @type {keyof typeof inputs} */ (name)] ?? null;
  }

  /** Inputs an edit cannot change (the server keeps them as created). */
  const fixed = [inputs.billing_mode];
  /** The expense rule as loaded for the mission edited, to save it only when changed. */
  let policyBefore = { rebill: false, margin_bp: 0 };
  /** The standing discount as loaded, likewise. */
  const NO_DISCOUNT = { percent_bp: null, amount_cents: null, reason: "" };
  /** @type {{percent_bp: number | null, amount_cents: number | null, reason: string}} */
  let discountBefore = NO_DISCOUNT;
  /** @param {{percent_bp: number | null, amount_cents: number | null, reason: string}} d */
  function setDiscount(d) {
    /** @type {HTMLInputElement} */ (inputs.percent_bp).value =
      d.percent_bp == null ? "" : amountText(d.percent_bp);
    /** @type {HTMLInputElement} */ (inputs.amount_cents).value =
      d.amount_cents == null ? "" : amountText(d.amount_cents);
    /** @type {HTMLInputElement} */ (inputs.reason).value = d.reason;
  }
  /** @param {{percent_bp: number | null, amount_cents: number | null, reason: string}} d */
  const sameDiscount = (d) =>
    d.percent_bp === discountBefore.percent_bp &&
    d.amount_cents === discountBefore.amount_cents &&
    d.reason === discountBefore.reason;

  /**
   * Fill one fieldset from the server once its answer is in, keeping it disabled until then; the
   * answer is dropped if the admin has since moved to another mission.
   * @param {HTMLElement} set
   * @param {any} m  the mission being opened
   * @param {string} path
   * @param {(body: any) => void} apply
   */
  function loadInto(set, m, path, apply) {
    set.setAttribute("disabled", "");
    set.setAttribute("aria-busy", "true");
    request("GET", path)
      .then((body) => {
        if (editing === m) apply(body);
      })
      .catch((error) => showRefusal(error, { form, box, prefix: "bo.missions", inputFor }))
      .finally(() => {
        if (editing !== m) return;
        set.removeAttribute("disabled");
        set.removeAttribute("aria-busy");
      });
  }

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
    set("billing_mode", m.billing_mode);
    set("purchase_order", m.purchase_order);
    set("day_cap_half_days", m.day_cap_half_days == null ? "" : daysText(m.day_cap_half_days));
    milestones = m.milestones.map((ms) => newMilestone(ms));
    drawMilestones();
    addMilestone.hidden = false;
    showMode();
    policyBefore = { rebill: false, margin_bp: 0 };
    setPolicy(policyBefore);
    loadInto(policySet, m, `/missions/${m.id}/expense-policy`, (policy) => {
      policyBefore = policy;
      setPolicy(policy);
    });
    discountBefore = NO_DISCOUNT;
    setDiscount(NO_DISCOUNT);
    loadInto(discountSet, m, `/missions/${m.id}/discount`, (discount) => {
      discountBefore = discount;
      setDiscount(discount);
    });
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

  /** @param {{rebill: boolean, margin_bp: number}} policy */
  function setPolicy(policy) {
    /** @type {HTMLInputElement} */ (inputs.rebill).checked = policy.rebill;
    /** @type {HTMLInputElement} */ (inputs.margin_bp).value = amountText(policy.margin_bp);
  }

  /** After a reset: no milestone, no re-billing, the rows and fields the mode needs. */
  function resetTerms() {
    milestones = [];
    drawMilestones();
    addMilestone.hidden = false;
    setPolicy({ rebill: false, margin_bp: 0 });
    setDiscount(NO_DISCOUNT);
    showMode();
  }

  /** Back to creating a mission, the form emptied. */
  function stopEdit(focus = false) {
    editing = null;
    form.reset();
    clearErrors(form, box);
    setFieldError(absences, "");
    for (const input of fixed) input.removeAttribute("disabled");
    for (const set of [policySet, discountSet]) {
      set.removeAttribute("disabled");
      set.removeAttribute("aria-busy");
    }
    resetTerms();
    fillSigners();
    heading.textContent = t("bo.missions.new");
    editNote.hidden = true;
    submit.textContent = t("bo.missions.create");
    cancel.hidden = true;
    if (focus) heading.scrollIntoView({ block: "start" });
  }

  /** The labels of the fields a refusal may name, for the list at the top. */
  const labelOf = {
    consultant_id: t("bo.missions.consultant"),
    client_id: t("bo.missions.client"),
    start_date: t("bo.missions.start"),
    day_cap_half_days: t("bo.missions.cap"),
    milestones: t("bo.missions.milestones"),
    end_date: t("bo.missions.end"),
    daily_rate_cents: t("bo.missions.daily_rate"),
    calendar_region: t("bo.missions.region"),
    allowed_absences: t("bo.missions.absences"),
    comments_required: t("bo.missions.field.comments_required"),
    approval_steps: t("bo.missions.circuit"),
    purchase_order: t("bo.missions.purchase_order"),
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
      .map((e) => ({
        ...e,
        // A delivered milestone's refusal goes under its own row ("milestones[0]").
        month: /^\d{4}-\d{2}/.exec(e.message)?.[0] ?? "",
      }))
      .filter(
        (e) =>
          e.month &&
          (e.code.startsWith("month_") || e.code in DAY_CODES || e.code === "milestone_delivered"),
      );
    if (error.status !== 409 || !found.length) return false;
    const why = (e) =>
      e.code in DAY_CODES
        ? t(DAY_CODES[e.code][0])
        : e.code === "month_invoiced"
          ? t("bo.missions.invoiced")
          : e.code === "milestone_delivered"
            ? t("bo.missions.delivered")
            : t(`status.${e.code.slice("month_".length)}`).toLowerCase();
    /** @type {Map<string, {status: string, fields: string[]}>} */
    const months = new Map();
    /** @type {Map<string, typeof found>} */
    const byField = new Map();
    for (const e of found) {
      const entry = months.get(e.month) ?? { status: why(e), fields: [] };
      const row = /^milestones\[(\d+)\]$/.exec(e.field);
      const label = row
        ? t("bo.missions.milestone", { n: Number(row[1]) + 1 })
        : (labelOf[e.field] ?? e.field);
      if (!entry.fields.includes(label)) entry.fields.push(label);
      months.set(e.month, entry);
      byField.set(e.field, [...(byField.get(e.field) ?? []), e]);
    }
    let first = null;
    for (const [name, refusals] of byField) {
      const input = name === "comments_required" ? inputs.comments_required : inputFor(name);
      if (!input) continue;
      const list = refusals.map((e) => `${formatMonthName(e.month)} (${why(e)})`).join(", ");
      // One sentence per field: the first refusal's reason says why (a field's refusals
      // share it, days recorded weighing more than a month's status).
      const lead = refusals.find((e) => e.code in DAY_CODES) ?? refusals[0];
      const sentence =
        lead.code in DAY_CODES
          ? DAY_CODES[lead.code][1]
          : lead.code === "month_invoiced"
            ? "bo.missions.fieldInvoiced"
            : lead.code === "milestone_delivered"
              ? name === "client_id"
                ? "bo.missions.fieldDeliveredClient"
                : "bo.missions.fieldDelivered"
              : "bo.missions.fieldMonths";
      setFieldError(input, t(sentence, { months: list }));
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
    const mode = value("billing_mode");
    const capText = value("day_cap_half_days").trim();
    const cap = mode === "regie_capped" && capText ? parseHalfDays(capText) : null;
    if (mode === "regie_capped" && capText && (cap === null || cap === 0)) {
      setFieldError(inputs.day_cap_half_days, t("bo.missions.badCap"));
      inputs.day_cap_half_days.focus();
      return;
    }
    const marginText = value("margin_bp").trim();
    const margin = marginText ? parsePercent(marginText) : 0;
    if (margin === null) {
      setFieldError(inputs.margin_bp, t("bo.missions.err.margin_bp.invalid"));
      inputs.margin_bp.focus();
      return;
    }
    const policy = {
      rebill: /** @type {HTMLInputElement} */ (inputs.rebill).checked,
      margin_bp: margin,
    };
    const percentText = value("percent_bp").trim();
    const percent = percentText ? parsePercent(percentText) : null;
    if (percentText && (percent === null || percent === 0)) {
      setFieldError(inputs.percent_bp, t("bo.missions.err.percent_bp.invalid"));
      inputs.percent_bp.focus();
      return;
    }
    const offText = value("amount_cents").trim();
    const off = offText ? parseEuros(offText) : null;
    if (offText && (off === null || off === 0)) {
      setFieldError(inputs.amount_cents, t("bo.missions.err.amount_cents.invalid"));
      inputs.amount_cents.focus();
      return;
    }
    const discount = { percent_bp: percent, amount_cents: off, reason: value("reason").trim() };
    /** The milestones as sent; an amount that is not one is said here, on its row. */
    const sentMilestones = [];
    if (mode === "forfait") {
      for (const ms of milestones) {
        const text = ms.amount_cents.value.trim();
        const amount = text ? parseEuros(text) : null;
        if (text && amount === null) {
          setFieldError(ms.amount_cents, t("bo.missions.badRate"));
          ms.amount_cents.focus();
          return;
        }
        sentMilestones.push({
          label: ms.label.value,
          amount_cents: amount,
          due_date: ms.due_date.value || null,
        });
      }
    }
    const steps = [];
    // An unchosen manager is sent as such, so that the server's refusal names the step.
    steps.push({ kind: "manager", approver_id: value("manager") || null });
    if (value("signer")) steps.push({ kind: "client_signer", approver_id: value("signer") });
    if (editing) {
      // A mission created without a circuit keeps none while no step is chosen.
      const none = !editing.approval_steps.length && !value("manager") && !value("signer");
      await saveEdit(editing, {
        consultant_id: value("consultant_id") || null,
        client_id: value("client_id") || null,
        title: value("title"),
        start_date: value("start_date") || null,
        end_date: value("end_date") || null,
        day_cap_half_days: mode === "regie_capped" ? cap : null,
        milestones: mode === "forfait" ? sentMilestones : null,
        purchase_order: value("purchase_order"),
        // A forfait's rate is not in the form: it stays as stored.
        daily_rate_cents: mode === "forfait" ? editing.daily_rate_cents : cents,
        allowed_absences: absenceBoxes
          .filter((b) => /** @type {HTMLInputElement} */ (b).checked)
          .map((b) => /** @type {HTMLInputElement} */ (b).value),
        comments_required: /** @type {HTMLInputElement} */ (inputs.comments_required).checked,
        calendar_region: value("calendar_region"),
        approval_steps: none ? [] : steps,
      }, policy, discount);
      return;
    }
    const body = {
      consultant_id: value("consultant_id") || null,
      client_id: value("client_id") || null,
      title: value("title"),
      start_date: value("start_date") || null,
      end_date: value("end_date") || null,
      billing_mode: mode,
      purchase_order: value("purchase_order"),
      daily_rate_cents: mode === "forfait" ? null : cents,
      day_cap_half_days: mode === "regie_capped" ? cap : null,
      milestones: sentMilestones,
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
      if (policy.rebill || policy.margin_bp) {
        try {
          await request("PUT", `/missions/${created.id}/expense-policy`, policy);
        } catch (error) {
          // The mission exists: the form goes on editing it, the rule's refusal shown.
          await load();
          startEdit(created);
          setPolicy(policy);
          showRefusal(error, { form, box, prefix: "bo.missions", inputFor });
          box.prepend(h("p", {}, t("bo.missions.policyFailed")));
          box.hidden = false;
          return;
        }
      }
      if (discount.percent_bp !== null || discount.amount_cents !== null) {
        try {
          await request("PUT", `/missions/${created.id}/discount`, discount);
        } catch (error) {
          await load();
          startEdit(created);
          setDiscount(discount);
          showRefusal(error, { form, box, prefix: "bo.missions", inputFor });
          box.prepend(h("p", {}, t("bo.missions.discountFailed")));
          box.hidden = false;
          return;
        }
      }
      form.reset();
      resetTerms();
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
   * @param {{rebill: boolean, margin_bp: number}} policy  saved too when changed
   * @param {{percent_bp: number | null, amount_cents: number | null, reason: string}} discount
   *   saved too when changed
   */
  async function saveEdit(mission, body, policy, discount) {
    form.setAttribute("aria-busy", "true");
    submit.setAttribute("aria-disabled", "true");
    try {
      const saved = await request("PUT", `/missions/${mission.id}`, body);
      if (policy.rebill !== policyBefore.rebill || policy.margin_bp !== policyBefore.margin_bp) {
        try {
          await request("PUT", `/missions/${mission.id}/expense-policy`, policy);
        } catch (error) {
          // The terms are saved: the next save compares with them.
          editing = saved;
          showRefusal(error, { form, box, prefix: "bo.missions", inputFor });
          box.prepend(h("p", {}, t("bo.missions.policyFailed")));
          box.hidden = false;
          return;
        }
      }
      if (!sameDiscount(discount)) {
        try {
          await request("PUT", `/missions/${mission.id}/discount`, discount);
        } catch (error) {
          editing = saved;
          showRefusal(error, { form, box, prefix: "bo.missions", inputFor });
          box.prepend(h("p", {}, t("bo.missions.discountFailed")));
          box.hidden = false;
          return;
        }
      }
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

  /** The list's line on what the mission bills. @param {any} m  MissionOut */
  function terms(m) {
    if (m.billing_mode === "forfait") {
      const total = m.milestones.reduce((sum, ms) => sum + ms.amount_cents, 0);
      return t("bo.missions.rateForfait", { count: m.milestones.length, amount: euros(total) });
    }
    const rate = m.daily_rate_cents
      ? t("bo.missions.rate", { amount: euros(m.daily_rate_cents) })
      : t("bo.missions.noRate");
    return m.day_cap_half_days
      ? `${rate} · ${t("bo.missions.capped", { days: daysText(m.day_cap_half_days) })}`
      : rate;
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
              terms(m),
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
