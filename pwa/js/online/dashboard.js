// The dashboard (#figures): the direction's figures for an administrator, the team's for a
// manager, each as a chart with its table (accessible, copyable, exportable) and a drill-down
// from any number to the consultant-months that make it, then to a consultant's month, day by
// day. Loaded on demand (pwa/js/online/, never precached): figures need the network.
// Definitions: docs/figures.md. Scope and rights are the server's (GET /api/v1/figures/summary:
// the six figures in one answer; GET /api/v1/figures/months: the drill-down).

import { request, ApiError } from "../api.js";
import { addStrings, formatDate, formatDays, formatMonthName, locale, t } from "../i18n.js";
import { render as renderScreen, h } from "../views/dom.js";
import { barChart, hBars } from "./dashboard-charts.js";

/** This module's strings, key → [French, English]. */
export const STRINGS = {
  "fig.title": ["Tableau de bord", "Dashboard"],
  "fig.titleTeam": ["Tableau de bord de l'équipe", "Team dashboard"],
  "fig.link": ["Tableau de bord", "Dashboard"],
  "fig.back": ["← Accueil", "← Home"],
  "fig.from": ["Du mois", "From month"],
  "fig.to": ["Au mois", "To month"],
  "fig.apply": ["Afficher", "Show"],
  "fig.last12": ["12 derniers mois", "Last 12 months"],
  "fig.thisYear": ["Cette année", "This year"],
  "fig.loading": ["Calcul des indicateurs…", "Computing the figures…"],
  "fig.error": ["Les indicateurs n'ont pas pu être chargés.", "The figures could not be loaded."],
  "fig.table": ["Tableau des valeurs", "Table of values"],
  "fig.copy": ["Copier", "Copy"],
  "fig.copied": ["Tableau copié.", "Table copied."],
  "fig.none": ["Rien sur la période.", "Nothing in this period."],
  "fig.month": ["Mois", "Month"],
  "fig.name": ["Nom", "Name"],
  "fig.team": ["Équipe", "Team"],
  "fig.client": ["Client", "Client"],
  "fig.consultant": ["Consultant·e", "Consultant"],
  "fig.mission": ["Mission", "Mission"],
  "fig.approver": ["Valideur·se", "Approver"],
  "fig.tace": ["TACE", "TACE"],
  "fig.taceQ": ["TACE par mois (barres) et sur 12 mois glissants (ligne)", "TACE per month (bars) and over 12 rolling months (line)"],
  "fig.rolling": ["TACE 12 mois glissants", "TACE, 12 rolling months"],
  "fig.taceMonth": ["TACE du mois", "TACE of the month"],
  "fig.produced": ["Jours produits", "Produced days"],
  "fig.available": ["Jours disponibles", "Available days"],
  "fig.total": ["Sur la période : {value}", "Over the period: {value}"],
  "fig.ic": ["Intercontrat", "Between missions"],
  "fig.icQ": ["Jours d'intercontrat par mois", "Days between missions per month"],
  "fig.icDays": ["Jours", "Days"],
  "fig.icCost": ["Coût", "Cost"],
  "fig.idle": ["Sans mission aujourd'hui", "Without a mission today"],
  "fig.since": ["Depuis le", "Since"],
  "fig.days": ["Jours", "Days"],
  "fig.ending": ["Missions qui se terminent sous 30 / 60 jours", "Missions ending within 30 / 60 days"],
  "fig.endDate": ["Fin", "Ends"],
  "fig.left": ["Jours restants", "Days left"],
  "fig.followOn": ["Suite prévue", "Next one planned"],
  "fig.yes": ["oui", "yes"],
  "fig.no": ["non", "no"],
  "fig.close": ["Clôture des mois", "Month close"],
  "fig.closeQ": ["Part des CRA soumis à l'heure, par mois", "Share of CRAs submitted on time, per month"],
  "fig.onTime": ["À l'heure", "On time"],
  "fig.subMed": ["Soumis (médiane / p90, j après la fin du mois)", "Submitted (median / p90, days after month end)"],
  "fig.subDays": ["Soumis (j)", "Submitted (d)"],
  "fig.appMed": ["Validé (médiane / p90)", "Approved (median / p90)"],
  "fig.sigMed": ["Signé (médiane / p90)", "Signed (median / p90)"],
  "fig.steps": ["Par étape : attente avant décision", "Per step: wait before the decision"],
  "fig.step": ["Étape", "Step"],
  "fig.approvers": ["Par valideur·se", "Per approver"],
  "fig.decisions": ["Validés / renvoyés", "Approved / sent back"],
  "fig.wait": ["Attente (médiane / p90, j)", "Wait (median / p90, days)"],
  "fig.late": ["En retard aujourd'hui", "Late today"],
  "fig.who": ["À qui d'agir", "Whose move"],
  "fig.who.consultant": ["consultant·e", "consultant"],
  "fig.who.approver": ["valideur·se : {name}", "approver: {name}"],
  "fig.ftr": ["Bons du premier coup", "First time right"],
  "fig.ftrQ": ["Part des mois validés sans renvoi ni réouverture", "Share of months validated with no send-back nor reopening"],
  "fig.validated": ["Validés", "Validated"],
  "fig.sendBacks": ["Renvois", "Send-backs"],
  "fig.cash": ["Facturation et trésorerie", "Billing and cash"],
  "fig.dsoQ": ["DSO en fin de mois (jours)", "DSO at month end (days)"],
  "fig.dso": ["DSO", "DSO"],
  "fig.invoices": ["Factures", "Invoices"],
  "fig.toInvoice": ["Fin de mois → facture (médiane / p90, j)", "Month end → invoice (median / p90, days)"],
  "fig.toPayment": ["Fin de mois → paiement (médiane / p90, j)", "Month end → payment (median / p90, days)"],
  "fig.waitingQ": ["Trésorerie en attente des CRA (HT)", "Cash waiting on CRAs (excl. VAT)"],
  "fig.stage.consultant": ["Chez les consultant·es (non soumis, renvoyés)", "With consultants (not submitted, sent back)"],
  "fig.stage.manager": ["Chez les managers", "With managers"],
  "fig.stage.client": ["Chez les clients (signature)", "With clients (signature)"],
  "fig.stage.to_issue": ["Pré-factures à émettre", "Pre-invoices to issue"],
  "fig.revenue": ["Chiffre d'affaires et marge", "Revenue and margin"],
  "fig.revenueQ": ["Chiffre d'affaires par mois (barres) et marge (ligne)", "Revenue per month (bars) and margin (line)"],
  "fig.rev": ["CA", "Revenue"],
  "fig.cost": ["Coût", "Cost"],
  "fig.margin": ["Marge", "Margin"],
  "fig.marginRate": ["Taux de marge", "Margin rate"],
  "fig.costed": ["Part au coût connu", "Share with a known cost"],
  "fig.drill": ["Détail : {what}", "Details: {what}"],
  "fig.drillClose": ["Fermer le détail", "Close the details"],
  "fig.status": ["Statut", "Status"],
  "fig.open": ["Voir le mois", "Open the month"],
  "fig.monthOf": ["{name} · {month}", "{name} · {month}"],
  "fig.dayLines": ["Saisie", "Entries"],
  "fig.comment": ["Commentaire", "Comment"],
  "fig.noDays": ["Aucun jour saisi.", "No day recorded."],
  "fig.other": ["Autres absences", "Other absences"],
  "fig.foreseeable": ["Absences prévisibles", "Foreseeable absences"],
  "fig.settings": ["Réglages des indicateurs", "Figure settings"],
  "fig.foreseeableHelp": [
    "Absences prévisibles, retirées des jours disponibles du TACE :",
    "Foreseeable absences, taken out of the TACE's available days:",
  ],
  "fig.countedHelp": ["CRA comptés dans l'activité (TACE, CA) :", "CRAs counted in activity (TACE, revenue):"],
  "fig.grace": ["Jours de tolérance après la fin du mois", "Grace days after month end"],
  "fig.alert": ["Attente maximale chez une même personne (jours)", "Longest wait on one person (days)"],
  "fig.dsoDays": ["Fenêtre du DSO (jours)", "DSO window (days)"],
  "fig.save": ["Enregistrer", "Save"],
  "fig.saved": ["Réglages enregistrés : les indicateurs sont recalculés.", "Settings saved: the figures are recomputed."],
  "fig.costs": ["Coût journalier des consultant·es", "Consultants' daily cost"],
  "fig.costHelp": [
    "Coût chargé d'un jour travaillé (CJM), à partir d'un mois ; il sert à la marge et au coût de l'intercontrat.",
    "Loaded cost of a worked day, from a month on; used for the margin and the cost of days between missions.",
  ],
  "fig.costFrom": ["À partir de", "From"],
  "fig.costAmount": ["Coût journalier (€)", "Daily cost (€)"],
  "fig.costSaved": ["Coût enregistré pour {name} à partir de {month}.", "Cost recorded for {name} from {month}."],
  "fig.costBad": ["Saisissez un montant positif en euros, par exemple 450 ou 450,50.", "Type a positive amount in euros, e.g. 450 or 450.50."],
  "fig.truncated": ["Liste tronquée : affinez la période ou le périmètre.", "List cut short: narrow the period or the scope."],
};
addStrings(STRINGS);

const s = (key, params) => t(key, params);

// -- formats ---------------------------------------------------------------------------------

const nf = (options) => new Intl.NumberFormat(locale() === "en" ? "en-GB" : "fr-FR", options);
/** @param {number | null | undefined} v ratio 0..1 */
export const pct = (v) => (v === null || v === undefined ? "—" : nf({ style: "percent", maximumFractionDigits: 1 }).format(v));
/** @param {number | null | undefined} cents */
export const euros = (cents) =>
  cents === null || cents === undefined ? "—" : nf({ style: "currency", currency: "EUR", maximumFractionDigits: 0 }).format(cents / 100);
/** @param {number | null | undefined} halfDays */
const days = (halfDays) => (halfDays === null || halfDays === undefined ? "—" : `${formatDays(halfDays)} j`);
/** @param {{median: number | null, p90: number | null}} spread */
const spread = (spread) => (spread.median === null ? "—" : `${spread.median} / ${spread.p90}`);
const shortMonth = (month) => formatDate(`${month}-01`, { month: "short" });

// -- state -----------------------------------------------------------------------------------

/**
 * @typedef {object} Scope
 * @property {string} from
 * @property {string} to
 * @property {string} [team]
 * @property {string} [consultant]
 * @property {string} [client]
 */

/** @param {Scope} scope */
function query(scope) {
  const params = new URLSearchParams();
  for (const key of ["from", "to", "team", "consultant", "client"]) {
    if (scope[key]) params.set(key, scope[key]);
  }
  return params.toString();
}

/** @param {string} figure @param {Scope} scope */
const get = (figure, scope) => request("GET", `/figures/${figure}?${query(scope)}`);

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

/** @param {string} month @param {number} n */
function addMonths(month, n) {
  const [y, m] = month.split("-").map(Number);
  const index = y * 12 + (m - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

// -- tables ----------------------------------------------------------------------------------

/**
 * @typedef {object} Column
 * @property {string} label
 * @property {(row: any) => string} text
 * @property {(row: any) => any} [value]  raw API value, kept in data-value (tests, copy)
 * @property {(row: any) => (() => void) | null} [drill]
 */

/**
 * A table with a caption, "copy" and export buttons; numbers with a drill are buttons.
 * @param {{caption: string, columns: Column[], rows: any[], figure?: string, table?: string,
 *   scope?: Scope, testid?: string}} props
 */
function dataTable({ caption, columns, rows, figure, table, scope, testid }) {
  const body = rows.map((row) =>
    h(
      "tr",
      {},
      ...columns.map((column, i) => {
        const text = column.text(row);
        const action = column.drill?.(row) ?? null;
        const value = column.value ? column.value(row) : undefined;
        const content = action
          ? h("button", { type: "button", class: "link", onclick: action }, text)
          : text;
        return h(
          i === 0 ? "th" : "td",
          {
            ...(i === 0 ? { scope: "row" } : {}),
            ...(value !== undefined ? { "data-value": value === null ? "" : String(value) } : {}),
          },
          content,
        );
      }),
    ),
  );
  const tableEl = h(
    "table",
    { class: "figures", "data-testid": testid ?? null },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { scope: "col" }, c.label)))),
    h("tbody", {}, ...body),
  );
  const copy = h("button", { type: "button", class: "secondary small" }, s("fig.copy"));
  copy.addEventListener("click", async () => {
    const tsv = [...tableEl.querySelectorAll("tr")]
      .map((tr) => [...tr.children].map((cell) => cell.textContent?.trim() ?? "").join("\t"))
      .join("\n");
    try {
      await navigator.clipboard.writeText(`${caption}\n${tsv}`);
      copy.textContent = s("fig.copied");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(tableEl);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
    }
  });
  const exports = figure
    ? ["csv", "xlsx"].map((format) =>
        h(
          "a",
          {
            class: "button secondary small",
            download: "",
            href: `/api/v1/figures/${figure}/export?format=${format}${format === "csv" && table ? `&table=${table}` : ""}&lang=${locale()}&${query(scope ?? { from: "", to: "" })}`,
          },
          format.toUpperCase(),
        ),
      )
    : [];
  return h(
    "div",
    { class: "table-box" },
    rows.length ? h("div", { class: "scroll-x" }, tableEl) : h("p", { class: "muted" }, s("fig.none")),
    rows.length ? h("div", { class: "row-actions" }, copy, ...exports) : null,
  );
}

/** A chart and its table, the table under a disclosure open on wide screens. */
function chartAndTable(chart, table) {
  const details = h("details", { class: "values" }, h("summary", {}, s("fig.table")), table);
  if (window.matchMedia("(min-width: 60rem)").matches) details.setAttribute("open", "");
  return h("div", { class: "chart-and-table" }, chart, details);
}

// -- the screen ------------------------------------------------------------------------------

/**
 * Show the dashboard for the signed-in person.
 * @param {{person: {id: string, roles?: string[], display_name: string}}} props
 */
export async function show({ person }) {
  const admin = (person.roles ?? []).includes("admin");
  const to = thisMonth();
  /** @type {Scope} */
  let scope = { from: addMonths(to, -11), to };
  const heading = h("h1", {}, s(admin ? "fig.title" : "fig.titleTeam"));
  const status = h("p", { class: "muted", role: "status", "data-testid": "figures-status" });
  const drill = h("section", { class: "card drill", hidden: true, "data-testid": "drill", "aria-live": "polite" });
  const content = h("div", { class: "figures-grid", "data-testid": "figures" });
  const from = h("input", { type: "month", id: "fig-from", value: scope.from, required: true });
  const until = h("input", { type: "month", id: "fig-to", value: scope.to, required: true });
  const form = h(
    "form",
    { class: "period", "data-testid": "period" },
    h("label", { for: "fig-from" }, s("fig.from")),
    from,
    h("label", { for: "fig-to" }, s("fig.to")),
    until,
    h("button", { type: "submit", class: "primary small" }, s("fig.apply")),
    h("button", { type: "button", class: "secondary small", onclick: () => preset(-11) }, s("fig.last12")),
    h("button", { type: "button", class: "secondary small", onclick: () => preset("year") }, s("fig.thisYear")),
  );
  /** @param {number | "year"} span */
  function preset(span) {
    const end = thisMonth();
    /** @type {any} */ (from).value = span === "year" ? `${end.slice(0, 4)}-01` : addMonths(end, span);
    /** @type {any} */ (until).value = end;
    form.requestSubmit();
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    scope = { ...scope, from: /** @type {any} */ (from).value, to: /** @type {any} */ (until).value };
    load();
  });
  ensureStyles();
  renderScreen(
    `${s(admin ? "fig.title" : "fig.titleTeam")} · Carnet`,
    heading,
    { wide: true },
    h("p", {}, h("a", { href: "#", "data-testid": "figures-back" }, s("fig.back"))),
    form,
    status,
    drill,
    content,
  );

  async function load() {
    status.textContent = s("fig.loading");
    content.setAttribute("aria-busy", "true");
    try {
      // One request for the six figures: the server reads its projection once for all.
      const { tace, intercontrat: ic, month_close: close, first_time_right: ftr, billing: cash, revenue } = await get("summary", scope);
      const ctx = { scope, admin, openDrill };
      content.replaceChildren(
        taceSection(tace, ctx),
        icSection(ic, ctx),
        closeSection(close, ctx),
        ftrSection(ftr, ctx),
        cashSection(cash, ctx),
        revenueSection(revenue, ctx),
        ...(admin ? [settingsSection(tace.settings, load), await costsSection()] : []),
      );
      status.textContent = "";
    } catch (error) {
      const detail = error instanceof ApiError ? error.errors.map((e) => `${e.field} : ${e.message}`).join(" ; ") || error.detail : "";
      status.textContent = `${s("fig.error")} ${detail}`;
      status.className = "error";
    } finally {
      content.removeAttribute("aria-busy");
    }
  }

  /**
   * The consultant-months behind a number.
   * @param {string} what  the number's name, for the heading
   * @param {Partial<Scope>} narrow  month range or group to narrow the current scope to
   */
  async function openDrill(what, narrow) {
    const wanted = { ...scope, ...narrow };
    drill.hidden = false;
    const title = h("h2", { tabindex: "-1" }, s("fig.drill", { what }));
    const closeButton = h("button", { type: "button", class: "secondary small", onclick: () => (drill.hidden = true) }, s("fig.drillClose"));
    drill.replaceChildren(title, h("p", { class: "muted" }, s("fig.loading")));
    title.focus();
    const doc = await get("months", wanted);
    const monthBox = h("div", { "data-testid": "drill-month" });
    drill.replaceChildren(
      ...[
        title,
        closeButton,
      dataTable({
        caption: s("fig.drill", { what }),
        testid: "drill-table",
        figure: "months",
        scope: wanted,
        rows: doc.rows,
        columns: [
          { label: s("fig.consultant"), text: (r) => r.name },
          { label: s("fig.month"), text: (r) => formatMonthName(r.month), value: (r) => r.month },
          { label: s("fig.status"), text: (r) => t(`status.${r.status}`) },
          { label: s("fig.produced"), text: (r) => days(r.produced_half_days), value: (r) => r.produced_half_days },
          { label: s("fig.available"), text: (r) => days(r.available_half_days), value: (r) => r.available_half_days },
          { label: s("fig.tace"), text: (r) => pct(r.tace), value: (r) => r.tace },
          { label: s("fig.ic"), text: (r) => days(r.intercontrat_half_days), value: (r) => r.intercontrat_half_days },
          { label: s("fig.subDays"), text: (r) => (r.submitted_days ?? "—").toString(), value: (r) => r.submitted_days },
          { label: s("fig.sendBacks"), text: (r) => String(r.send_backs), value: (r) => r.send_backs },
          { label: s("fig.rev"), text: (r) => euros(r.revenue_cents), value: (r) => r.revenue_cents },
          {
            label: s("fig.open"),
            text: () => s("fig.open"),
            drill: (r) => () => openMonth(monthBox, r),
          },
        ],
      }),
        doc.truncated ? h("p", { class: "notice warn" }, s("fig.truncated")) : null,
        monthBox,
      ].filter((node) => node !== null),
    );
    title.focus();
  }
  await load();
}

/**
 * A consultant's month, day by day (GET /people/{id}/months/{month}).
 * @param {HTMLElement} box
 * @param {any} row  a MonthOut
 */
async function openMonth(box, row) {
  const month = await request("GET", `/people/${row.consultant_id}/months/${row.month}`);
  const missions = new Map((month.missions ?? []).map((m) => [`mission:${m.id}`, m.title]));
  const label = (line) => missions.get(line) ?? t(line.replace("absence:", "absence.")) ?? line;
  const title = h("h3", { tabindex: "-1" }, s("fig.monthOf", { name: row.name, month: formatMonthName(row.month) }));
  const days_ = (month.days ?? []).filter((d) => d.lines.length || d.comment);
  box.replaceChildren(
    title,
    days_.length
      ? h(
          "ul",
          { class: "day-list", "data-testid": "drill-days" },
          ...days_.map((d) =>
            h(
              "li",
              { "data-date": d.date },
              h("span", { class: "day-date" }, formatDate(d.date, { weekday: "short", day: "numeric", month: "short" })),
              h("span", {}, d.lines.map((l) => `${label(l.line)} ${formatDays(l.half_days)} j`).join(" + ")),
              d.comment ? h("span", { class: "muted" }, d.comment) : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, s("fig.noDays")),
  );
  title.focus();
}

// -- sections --------------------------------------------------------------------------------

/** @param {string} title @param {string} testid @param {...any} children */
function section(title, testid, ...children) {
  const id = `fig-${testid}`;
  return h("section", { class: "card figure", "aria-labelledby": id, "data-testid": testid }, h("h2", { id }, title), ...children);
}

/** A month as a drill-down: the consultant-months of that month in the current scope. */
const monthDrill = (ctx, what) => (row) => () => ctx.openDrill(`${what}, ${formatMonthName(row.month ?? row.id)}`, { from: row.month ?? row.id, to: row.month ?? row.id });
/** A group line as a drill-down over the period. */
const groupDrill = (ctx, key) => (row) => (row.id ? () => ctx.openDrill(row.name, { [key]: row.id }) : null);

function taceSection(doc, ctx) {
  const drill = monthDrill(ctx, s("fig.tace"));
  const chart = barChart({
    title: s("fig.taceQ"),
    testid: "tace-chart",
    unit: "%",
    max: 1,
    barLabel: s("fig.taceMonth"),
    lineLabel: s("fig.rolling"),
    bars: doc.months.map((m) => ({
      label: shortMonth(m.month),
      value: m.tace,
      line: m.rolling_tace,
      text: pct(m.tace),
      title: `${formatMonthName(m.month)} : ${pct(m.tace)}`,
      onSelect: drill(m),
    })),
  });
  const table = dataTable({
    caption: s("fig.taceQ"),
    testid: "tace-table",
    figure: "tace",
    table: "months",
    scope: ctx.scope,
    rows: doc.months,
    columns: [
      { label: s("fig.month"), text: (m) => formatMonthName(m.month), value: (m) => m.month },
      { label: s("fig.produced"), text: (m) => days(m.produced_half_days), value: (m) => m.produced_half_days },
      { label: s("fig.available"), text: (m) => days(m.available_half_days), value: (m) => m.available_half_days },
      { label: s("fig.tace"), text: (m) => pct(m.tace), value: (m) => m.tace, drill },
      { label: s("fig.rolling"), text: (m) => pct(m.rolling_tace), value: (m) => m.rolling_tace },
    ],
  });
  const group = (caption, rows, key, testid) =>
    dataTable({
      caption,
      testid,
      rows,
      figure: "tace",
      table: testid.replace("tace-", ""),
      scope: ctx.scope,
      columns: [
        { label: s("fig.name"), text: (r) => r.name || "—", drill: groupDrill(ctx, key) },
        { label: s("fig.produced"), text: (r) => days(r.produced_half_days), value: (r) => r.produced_half_days },
        { label: s("fig.available"), text: (r) => days(r.available_half_days), value: (r) => r.available_half_days },
        { label: s("fig.tace"), text: (r) => pct(r.tace), value: (r) => r.tace },
      ],
    });
  return section(
    s("fig.tace"),
    "tace",
    h("p", { class: "lead", "data-testid": "tace-total", "data-value": String(doc.total.tace ?? "") }, s("fig.total", { value: pct(doc.total.tace) })),
    chartAndTable(chart, table),
    doc.by_team.length ? group(`${s("fig.tace")} · ${s("fig.team")}`, doc.by_team, "team", "tace-by_team") : null,
    group(`${s("fig.tace")} · ${s("fig.client")}`, doc.by_client, "client", "tace-by_client"),
    group(`${s("fig.tace")} · ${s("fig.consultant")}`, doc.by_consultant, "consultant", "tace-by_consultant"),
  );
}

function icSection(doc, ctx) {
  const drill = monthDrill(ctx, s("fig.ic"));
  return section(
    s("fig.ic"),
    "intercontrat",
    h("p", { class: "lead" }, s("fig.total", { value: `${days(doc.total.half_days)} · ${euros(doc.total.cost_cents)}` })),
    chartAndTable(
      barChart({
        title: s("fig.icQ"),
        bars: doc.months.map((m) => ({
          label: shortMonth(m.month),
          value: m.half_days / 2,
          text: days(m.half_days),
          title: `${formatMonthName(m.month)} : ${days(m.half_days)}`,
          onSelect: drill(m),
        })),
      }),
      dataTable({
        caption: s("fig.icQ"),
        figure: "intercontrat",
        table: "months",
        scope: ctx.scope,
        rows: doc.months,
        columns: [
          { label: s("fig.month"), text: (m) => formatMonthName(m.month), value: (m) => m.month },
          { label: s("fig.icDays"), text: (m) => days(m.half_days), value: (m) => m.half_days, drill },
          { label: s("fig.icCost"), text: (m) => euros(m.cost_cents), value: (m) => m.cost_cents },
        ],
      }),
    ),
    h("h3", {}, s("fig.idle")),
    dataTable({
      caption: s("fig.idle"),
      testid: "idle",
      figure: "intercontrat",
      table: "between_missions",
      scope: ctx.scope,
      rows: doc.between_missions,
      columns: [
        { label: s("fig.consultant"), text: (r) => r.name, drill: (r) => () => ctx.openDrill(r.name, { consultant: r.consultant_id }) },
        { label: s("fig.since"), text: (r) => formatDate(r.since, { dateStyle: "medium" }), value: (r) => r.since },
        { label: s("fig.days"), text: (r) => String(r.days), value: (r) => r.days },
      ],
    }),
    h("h3", {}, s("fig.ending")),
    dataTable({
      caption: s("fig.ending"),
      figure: "intercontrat",
      table: "ending_soon",
      scope: ctx.scope,
      rows: doc.ending_soon,
      columns: [
        { label: s("fig.mission"), text: (r) => `${r.title} (${r.name})` },
        { label: s("fig.endDate"), text: (r) => formatDate(r.end_date, { dateStyle: "medium" }), value: (r) => r.end_date },
        { label: s("fig.left"), text: (r) => String(r.days_left), value: (r) => r.days_left },
        { label: s("fig.followOn"), text: (r) => s(r.follow_on ? "fig.yes" : "fig.no") },
      ],
    }),
  );
}

function closeSection(doc, ctx) {
  const drill = monthDrill(ctx, s("fig.close"));
  return section(
    s("fig.close"),
    "close",
    h("p", { class: "lead" }, s("fig.total", { value: `${pct(doc.total.on_time_share)} ${s("fig.onTime").toLowerCase()}` })),
    chartAndTable(
      barChart({
        title: s("fig.closeQ"),
        unit: "%",
        max: 1,
        bars: doc.months.map((m) => ({
          label: shortMonth(m.month),
          value: m.on_time_share,
          text: pct(m.on_time_share),
          title: `${formatMonthName(m.month)} : ${pct(m.on_time_share)}`,
          onSelect: drill(m),
        })),
      }),
      dataTable({
        caption: s("fig.closeQ"),
        testid: "close-table",
        figure: "month-close",
        table: "months",
        scope: ctx.scope,
        rows: doc.months,
        columns: [
          { label: s("fig.month"), text: (m) => formatMonthName(m.month), value: (m) => m.month },
          { label: s("fig.onTime"), text: (m) => `${pct(m.on_time_share)} (${m.on_time}/${m.months})`, value: (m) => m.on_time_share, drill },
          { label: s("fig.subMed"), text: (m) => spread(m.submitted), value: (m) => m.submitted.median },
          { label: s("fig.appMed"), text: (m) => spread(m.approved), value: (m) => m.approved.median },
          { label: s("fig.sigMed"), text: (m) => spread(m.signed), value: (m) => m.signed.median },
        ],
      }),
    ),
    dataTable({
      caption: s("fig.steps"),
      figure: "month-close",
      table: "steps",
      scope: ctx.scope,
      rows: doc.steps,
      columns: [
        { label: s("fig.step"), text: (r) => `${r.step + 1} · ${t(`step.${r.kind}`) === `step.${r.kind}` ? r.kind : t(`step.${r.kind}`)}` },
        { label: s("fig.decisions"), text: (r) => `${r.approved} / ${r.sent_back}` },
        { label: s("fig.wait"), text: (r) => spread(r.wait), value: (r) => r.wait.median },
      ],
    }),
    dataTable({
      caption: s("fig.approvers"),
      figure: "month-close",
      table: "approvers",
      scope: ctx.scope,
      rows: doc.approvers,
      columns: [
        { label: s("fig.approver"), text: (r) => r.name },
        { label: s("fig.decisions"), text: (r) => `${r.approved} / ${r.sent_back}` },
        { label: s("fig.wait"), text: (r) => spread(r.wait), value: (r) => r.wait.median },
      ],
    }),
    h("h3", {}, s("fig.late")),
    dataTable({
      caption: s("fig.late"),
      testid: "late",
      figure: "month-close",
      table: "late_now",
      scope: ctx.scope,
      rows: doc.late_now,
      columns: [
        { label: s("fig.consultant"), text: (r) => `${r.name} · ${formatMonthName(r.month)}`, drill: (r) => () => ctx.openDrill(r.name, { consultant: r.consultant_id, from: r.month, to: r.month }) },
        { label: s("fig.who"), text: (r) => (r.who === "consultant" ? s("fig.who.consultant") : s("fig.who.approver", { name: r.waiting_on_name })) },
        { label: s("fig.days"), text: (r) => String(r.days), value: (r) => r.days },
      ],
    }),
  );
}

function ftrSection(doc, ctx) {
  const drill = monthDrill(ctx, s("fig.ftr"));
  return section(
    s("fig.ftr"),
    "ftr",
    h("p", { class: "lead" }, s("fig.total", { value: pct(doc.total.share) })),
    chartAndTable(
      barChart({
        title: s("fig.ftrQ"),
        unit: "%",
        max: 1,
        bars: doc.months.map((m) => ({
          label: shortMonth(m.id),
          value: m.share,
          text: pct(m.share),
          title: `${formatMonthName(m.id)} : ${pct(m.share)}`,
          onSelect: drill(m),
        })),
      }),
      dataTable({
        caption: s("fig.ftrQ"),
        figure: "first-time-right",
        table: "months",
        scope: ctx.scope,
        rows: doc.months,
        columns: [
          { label: s("fig.month"), text: (m) => formatMonthName(m.id), value: (m) => m.id },
          { label: s("fig.ftr"), text: (m) => `${pct(m.share)} (${m.first_time_right}/${m.validated})`, value: (m) => m.share, drill },
          { label: s("fig.sendBacks"), text: (m) => String(m.send_backs), value: (m) => m.send_backs },
        ],
      }),
    ),
    dataTable({
      caption: `${s("fig.ftr")} · ${s("fig.consultant")}`,
      figure: "first-time-right",
      table: "by_consultant",
      scope: ctx.scope,
      rows: doc.by_consultant,
      columns: [
        { label: s("fig.consultant"), text: (r) => r.name, drill: groupDrill(ctx, "consultant") },
        { label: s("fig.ftr"), text: (r) => `${pct(r.share)} (${r.first_time_right}/${r.validated})`, value: (r) => r.share },
        { label: s("fig.sendBacks"), text: (r) => String(r.send_backs) },
      ],
    }),
  );
}

function cashSection(doc, ctx) {
  const stages = doc.waiting.filter((w) => w.stage !== "to_issue" || doc.months !== null);
  const waiting = hBars({
    title: s("fig.waitingQ"),
    items: stages.map((w) => ({ label: s(`fig.stage.${w.stage}`), value: w.value_cents, text: `${euros(w.value_cents)} (${w.months})` })),
  });
  const parts = [waiting];
  if (doc.dso) {
    parts.push(
      chartAndTable(
        barChart({
          title: s("fig.dsoQ"),
          bars: doc.dso.map((d) => ({
            label: shortMonth(d.month),
            value: d.dso_days,
            text: d.dso_days === null ? "—" : String(d.dso_days),
            title: `${formatMonthName(d.month)} : ${d.dso_days ?? "—"}`,
          })),
        }),
        dataTable({
          caption: s("fig.dsoQ"),
          testid: "dso-table",
          figure: "billing",
          table: "dso",
          scope: ctx.scope,
          rows: doc.dso,
          columns: [
            { label: s("fig.month"), text: (d) => formatMonthName(d.month), value: (d) => d.month },
            { label: s("fig.dso"), text: (d) => (d.dso_days === null ? "—" : `${d.dso_days} j`), value: (d) => d.dso_days },
            { label: s("fig.rev"), text: (d) => euros(d.receivables_cents), value: (d) => d.receivables_cents },
          ],
        }),
      ),
      dataTable({
        caption: s("fig.toInvoice"),
        figure: "billing",
        table: "months",
        scope: ctx.scope,
        rows: doc.months,
        columns: [
          { label: s("fig.month"), text: (m) => formatMonthName(m.month), value: (m) => m.month },
          { label: s("fig.invoices"), text: (m) => String(m.invoices), value: (m) => m.invoices },
          { label: s("fig.toInvoice"), text: (m) => spread(m.to_invoice), value: (m) => m.to_invoice.median },
          { label: s("fig.toPayment"), text: (m) => spread(m.to_payment), value: (m) => m.to_payment.median },
        ],
      }),
    );
  }
  return section(s("fig.cash"), "cash", ...parts);
}

function revenueSection(doc, ctx) {
  const drill = monthDrill(ctx, s("fig.rev"));
  const group = (caption, rows, key, table) =>
    dataTable({
      caption,
      figure: "revenue",
      table,
      scope: ctx.scope,
      rows,
      columns: [
        { label: s("fig.name"), text: (r) => r.name || "—", drill: key ? groupDrill(ctx, key) : undefined },
        { label: s("fig.rev"), text: (r) => euros(r.revenue_cents), value: (r) => r.revenue_cents },
        { label: s("fig.margin"), text: (r) => euros(r.margin_cents), value: (r) => r.margin_cents },
        { label: s("fig.marginRate"), text: (r) => pct(r.margin_rate), value: (r) => r.margin_rate },
        { label: s("fig.costed"), text: (r) => pct(r.costed_share), value: (r) => r.costed_share },
      ],
    });
  return section(
    s("fig.revenue"),
    "revenue",
    h("p", { class: "lead" }, s("fig.total", { value: `${euros(doc.total.revenue_cents)} · ${s("fig.margin").toLowerCase()} ${euros(doc.total.margin_cents)} (${pct(doc.total.margin_rate)})` })),
    chartAndTable(
      barChart({
        title: s("fig.revenueQ"),
        unit: "€",
        barLabel: s("fig.rev"),
        lineLabel: s("fig.margin"),
        bars: doc.months.map((m) => ({
          label: shortMonth(m.id),
          value: m.revenue_cents / 100,
          line: m.margin_cents === null ? null : m.margin_cents / 100,
          text: euros(m.revenue_cents),
          title: `${formatMonthName(m.id)} : ${euros(m.revenue_cents)}`,
          onSelect: () => ctx.openDrill(`${s("fig.rev")}, ${formatMonthName(m.id)}`, { from: m.id, to: m.id }),
        })),
      }),
      dataTable({
        caption: s("fig.revenueQ"),
        figure: "revenue",
        table: "months",
        scope: ctx.scope,
        rows: doc.months,
        columns: [
          { label: s("fig.month"), text: (m) => formatMonthName(m.id), value: (m) => m.id },
          { label: s("fig.rev"), text: (m) => euros(m.revenue_cents), value: (m) => m.revenue_cents, drill: (m) => drill({ month: m.id }) },
          { label: s("fig.cost"), text: (m) => euros(m.cost_cents), value: (m) => m.cost_cents },
          { label: s("fig.margin"), text: (m) => euros(m.margin_cents), value: (m) => m.margin_cents },
        ],
      }),
    ),
    group(`${s("fig.rev")} · ${s("fig.client")}`, doc.by_client, "client", "by_client"),
    group(`${s("fig.rev")} · ${s("fig.consultant")}`, doc.by_consultant, "consultant", "by_consultant"),
  );
}

const ABSENCES = ["CP", "RTT", "sans_solde", "maladie", "formation"];
const STATUSES = ["draft", "sent_back", "submitted", "in_validation", "validated", "signed"];

/**
 * The administrator's settings: which absences are foreseeable, which CRAs count, delays.
 * @param {any} settings  SettingsOut
 * @param {() => void} reload
 */
function settingsSection(settings, reload) {
  const message = h("p", { role: "status", class: "muted" });
  const box = (name, value, checked, label) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name, value, ...(checked ? { checked: true } : {}) }), ` ${label}`);
  const number = (name, value, label) =>
    h("label", {}, label, h("input", { type: "number", name, value: String(value), min: "0", max: "366", required: true }));
  const form = h(
    "form",
    { class: "stack", "data-testid": "figure-settings" },
    h("fieldset", {}, h("legend", {}, s("fig.foreseeableHelp")), ...ABSENCES.map((a) => box("foreseeable", a, settings.foreseeable.includes(a), t(`absence.${a}`)))),
    h("fieldset", {}, h("legend", {}, s("fig.countedHelp")), ...STATUSES.map((st) => box("counted", st, settings.counted.includes(st), t(`status.${st}`)))),
    number("grace_days", settings.grace_days, s("fig.grace")),
    number("wait_alert_days", settings.wait_alert_days, s("fig.alert")),
    number("dso_days", settings.dso_days, s("fig.dsoDays")),
    h("button", { type: "submit", class: "primary small" }, s("fig.save")),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    try {
      await request("PUT", "/figures/settings", {
        foreseeable: data.getAll("foreseeable"),
        counted: data.getAll("counted"),
        grace_days: Number(data.get("grace_days")),
        wait_alert_days: Number(data.get("wait_alert_days")),
        dso_days: Number(data.get("dso_days")),
      });
      message.className = "muted";
      message.textContent = s("fig.saved");
      reload();
    } catch (error) {
      message.className = "error";
      message.textContent = error instanceof ApiError ? error.errors.map((e) => `${e.field} : ${e.message}`).join(" ; ") || error.detail : String(error);
    }
  });
  return section(s("fig.settings"), "settings", form);
}

/** Daily costs (CJM), set by an administrator for a consultant from a month on. */
async function costsSection() {
  const people = (await request("GET", "/people")).filter((p) => (p.roles ?? []).includes("consultant"));
  const message = h("p", { role: "status", class: "muted", "data-testid": "cost-message" });
  const who = h("select", { name: "person", id: "cost-person", required: true }, ...people.map((p) => h("option", { value: p.id }, p.display_name)));
  const from = h("input", { type: "month", name: "from", id: "cost-from", value: thisMonth(), required: true });
  const amount = h("input", { type: "text", inputmode: "decimal", name: "amount", id: "cost-amount", required: true, autocomplete: "off" });
  const form = h(
    "form",
    { class: "stack", "data-testid": "daily-costs" },
    h("p", { class: "muted" }, s("fig.costHelp")),
    h("label", { for: "cost-person" }, s("fig.consultant")),
    who,
    h("label", { for: "cost-from" }, s("fig.costFrom")),
    from,
    h("label", { for: "cost-amount" }, s("fig.costAmount")),
    amount,
    h("button", { type: "submit", class: "primary small" }, s("fig.save")),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = /** @type {HTMLInputElement} */ (amount).value.replace(/[\s\u00a0\u202f€]/g, "").replace(",", ".");
    const euros_ = Number(text);
    if (!text || !Number.isFinite(euros_) || euros_ <= 0) {
      message.className = "error";
      message.textContent = s("fig.costBad");
      amount.focus();
      return;
    }
    const person = /** @type {HTMLSelectElement} */ (who);
    const month = /** @type {HTMLInputElement} */ (from).value;
    try {
      await request("PUT", `/people/${person.value}/daily-costs`, { from_month: month, daily_cost_cents: Math.round(euros_ * 100) });
      message.className = "muted";
      message.textContent = s("fig.costSaved", { name: person.selectedOptions[0]?.textContent ?? "", month: formatMonthName(month) });
    } catch (error) {
      message.className = "error";
      message.textContent = error instanceof ApiError ? error.errors.map((e) => `${e.field} : ${e.message}`).join(" ; ") || error.detail : String(error);
    }
  });
  return section(s("fig.costs"), "costs", form);
}

let styled = false;

/** The dashboard's style sheet, loaded with the module (not part of the offline shell). */
function ensureStyles() {
  if (styled) return;
  styled = true;
  document.head.append(h("link", { rel: "stylesheet", href: "/js/online/dashboard.css" }));
}
