// The month screen, put together: title and month switch, where the month stands and the sync
// bar (month-status.js), notices, the actions, the total, the grid and its cell editing
// (month-grid.js), and the dialogs they open (dialogs.js). Rendering only: every decision
// comes from the props (app.js) and the model (month.js); the words are month-text.js's.

import { t, daysInWords, formatDate, formatMonthName } from "../i18n.js";
import { h, announce, render } from "./dom.js";
import { dayDialog, absenceDialog, prefillDialog, submitDialog } from "./dialogs.js";
import { editCells, monthGrid } from "./month-grid.js";
import { noticesOf, statusBar } from "./month-status.js";
import { statusLabel } from "./month-text.js";

/**
 * @param {{
 *   onPrev: () => void, onNext: () => void,
 *   onTap: (date: string, line: string) => Promise<any[] | null>,
 *   onDay: (edit: any) => Promise<any>, onPrefill: (comment: string) => Promise<any>,
 *   onAbsence: (range: any) => Promise<any>, onSubmit: () => Promise<any>,
 *   onSync: () => void, onSignIn: () => void, onLogout: () => void,
 *   onDismissRejected: (id: any) => void, onDismissChanged: (date: string) => void,
 * }} props
 */
export function showMonth(props) {
  /** @type {any} */
  let model = null;
  let sync = /** @type {any} */ ({ online: navigator.onLine, pending: 0 });

  const title = h("h1", { class: "month-title", "data-testid": "month-title" });
  const arrow = (text, onclick) => h("button", { type: "button", class: "icon", onclick }, text);
  const prev = arrow("‹", () => props.onPrev());
  const next = arrow("›", () => props.onNext());
  const status = statusBar({ onSync: () => props.onSync() });
  const notices = h("div", { class: "notices" });
  const action = (testid, kind, onclick) =>
    h("button", { type: "button", class: kind, "data-testid": testid, onclick });
  // A mission that requires a comment: asked once, then repeated on every prefilled day.
  const prefill = action("prefill", "primary", () =>
    run(async () => {
      const refused = await props.onPrefill("");
      if (!refused?.some((v) => v.code === "comment_required")) return refused;
      prefillDialog({ onSave: props.onPrefill, returnFocus: () => prefill.focus() });
      return null;
    }),
  );
  const absence = action("absence", "secondary", () => openAbsence());
  const dayButton = action("day-menu", "secondary", () => openDay());
  const submit = action("submit", "primary", () => openSubmit());
  const summary = h("p", { class: "summary", "data-testid": "summary" });
  const grid = monthGrid();
  editCells(grid, { onTap: props.onTap, onDay: (cell) => openDay(cell) });
  const help = h("p", { class: "hint" });
  const holidays = h("p", { class: "hint", "data-testid": "holidays" });
  const logout = action("logout", "secondary", () => props.onLogout());

  const section = render(
    t("app.name"),
    title,
    { wide: true },
    h("div", { class: "month-nav" }, prev, next),
    status.state,
    status.syncbar,
    notices,
    h("div", { class: "toolbar" }, prefill, absence, dayButton, submit),
    summary,
    grid.wrap,
    grid.error,
    holidays,
    help,
    h("div", { class: "stack" }, logout),
  );
  section.classList.add("month");

  /** Run an action; a refusal comes back as a list of violations to show. */
  async function run(work) {
    const violations = await work();
    if (Array.isArray(violations) && violations.length) grid.showError(null, violations);
  }

  /** Everything but the grid: titles, status, total, actions, help. */
  function paint() {
    const m = model;
    const month = formatMonthName(m.month);
    title.textContent = month;
    document.title = `${month} · ${t("app.name")}`;
    prev.setAttribute("aria-label", t("month.prev"));
    next.setAttribute("aria-label", t("month.next"));
    grid.table.setAttribute("aria-label", t("month.grid", { month }));
    status.paintStatus(m);
    // Worked days and absences apart: "22 jours" of which 2 are leave read as 22 worked.
    const absent = Object.entries(m.totals)
      .filter(([key]) => key.startsWith("absence:"))
      .reduce((sum, [, halfDays]) => sum + halfDays, 0);
    summary.replaceChildren(
      h("strong", {}, t("month.total", { days: daysInWords(m.total - absent) })),
      " · ",
      ...(absent ? [t("month.absent", { days: daysInWords(absent) }), " · "] : []),
      h(
        "span",
        { class: m.empty ? "warn" : "" },
        m.empty ? t("month.empty", { count: m.empty }) : t("month.full"),
      ),

    );
    prefill.textContent = t("action.prefill");
    absence.textContent = t("action.absence");
    dayButton.textContent = t("action.day");
    dayButton.setAttribute("aria-label", t("action.dayLabel"));
    submit.textContent = m.submitting ? t("status.pending") : t("action.submit");
    for (const b of [prefill, absence, dayButton, submit]) b.hidden = !m.editable;
    help.textContent = m.editable
      ? t("month.help")
      : t("month.locked", { status: statusLabel(m.status) });
    logout.textContent = t("home.logout");
    // Named where anyone sees them, not only in a tooltip a phone never shows.
    const named = m.calendar.filter((d) => d.holiday);
    holidays.hidden = !named.length;
    holidays.textContent = named.length
      ? t("month.holidays", {
          list: named
            .map((d) => `${d.holiday} (${formatDate(d.date, { day: "numeric", month: "long" })})`)
            .join(" · "),
        })
      : "";
  }

  const paintNotices = () => notices.replaceChildren(...noticesOf(model, sync, props));

  // ---- dialogs ---------------------------------------------------------------------------

  /** The day dialog for a cell (or the selected one): every line and the comment. */
  function openDay(cell = grid.selected()) {
    if (!cell || !model.editable || document.querySelector("dialog[open]")) return;
    grid.select(Number(cell.dataset.row), Number(cell.dataset.col));
    const date = /** @type {string} */ (cell.dataset.date);
    dayDialog({
      model,
      date,
      focusLine: /** @type {string} */ (cell.dataset.line),
      holiday: model.calendar.find((d) => d.date === date)?.holiday ?? null,
      onSave: props.onDay,
      returnFocus: () => grid.selected()?.focus(),
    });
  }

  function openAbsence() {
    absenceDialog({
      model,
      date: grid.selectedDate(),
      onSave: props.onAbsence,
      returnFocus: () => absence.focus(),
    });
  }

  function openSubmit() {
    submitDialog({
      model,
      online: sync.online,
      onConfirm: props.onSubmit,
      returnFocus: () => submit.focus(),
    });
  }

  let drawn = false;
  return {
    /** @param {any} next  month.js buildMonth() */
    update(next) {
      model = next;
      grid.update(model);
      paint();
      status.paintSync(sync);
      paintNotices();
      if (!drawn) {
        drawn = true;
        grid.centreToday();
        // Budget probes (bench/pwa_budgets.py): the DOM is complete, then the frame is out.
        performance.mark("month-rendered");
        requestAnimationFrame(() => setTimeout(() => performance.mark("month-painted")));
      }
    },
    /** @param {any} state  from startSync's onState */
    setSync(state) {
      const before = sync;
      sync = { ...sync, ...state };
      if (before.online !== sync.online) {
        announce(t(sync.online ? "sync.wentOnline" : "sync.wentOffline"));
      } else if (before.pending > 0 && sync.pending === 0 && sync.online) announce(t("sync.done"));
      if (!before.authExpired && sync.authExpired) announce(t("sync.auth"));
      if (model) {
        status.paintSync(sync);
        paintNotices();
      }
    },
    /**
     * @param {HTMLElement | null} cell
     * @param {any[]} violations
     * @param {string} [text]
     */
    showCellError: (cell, violations, text) => grid.showError(cell, violations, text),
  };
}
