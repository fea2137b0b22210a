// The month grid: one row per line (mission or absence), one cell per day.
// - `monthGrid` draws it: built once per month and rows, then patched in place on every update,
//   so a tap costs a few text and class changes, not a rebuild; one cell is in the tab order
//   (roving tabindex); a refused edit is shown next to its cell.
// - `editCells` is what a finger or a keyboard does on it: a tap cycles 1 → ½ → 0, a long press
//   (or the context-menu key, or Shift+F10) opens the day, the arrows move.

import { t, formatDate, formatDays } from "../i18n.js";
import { h } from "./dom.js";
import { rowLabel, statusLabel, violationText } from "./month-text.js";

const LONG_PRESS_MS = 550;
const VALUE_TEXT = ["", "½", "1"];

/** The device's local day as "YYYY-MM-DD" (not UTC's). */
function today() {
  const d = new Date();
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** The grid of the month on screen; `update(model)` draws a month.js buildMonth() model. */
export function monthGrid() {
  /** @type {any} */
  let model = null;
  let built = "";
  /** @type {Map<string, {button: HTMLButtonElement, base: string, off: string | null, state: string}>} */
  let cells = new Map();
  /** @type {HTMLElement[]} */
  let totals = [];
  let selected = { row: 0, col: 0 };
  /** @type {HTMLButtonElement | null} the one cell in the tab order */
  let tabbed = null;

  const table = h("table", { class: "grid", role: "grid", "data-testid": "grid" });
  const wrap = h("div", { class: "grid-wrap" }, table);
  const error = h("p", {
    class: "error cell-error",
    role: "alert",
    id: "cell-error",
    "data-testid": "cell-error",
    hidden: true,
  });

  /** Rows and cells of a new month (or new lines, or another language). */
  function build() {
    const days = model.calendar;
    /** @type {Map<string, string>} "lundi 3 novembre", once per day, not per cell */
    const dayText = new Map(
      days.map((d) => [d.date, formatDate(d.date, { weekday: "long", day: "numeric", month: "long" })]),
    );
    const head = h(
      "tr",
      {},
      h("th", { scope: "col", class: "corner" }, t("month.line")),
      ...days.map((d) =>
        h(
          "th",
          {
            scope: "col",
            class: `day${d.working ? "" : " off"}${d.date === today() ? " today" : ""}`,
            title: d.holiday ?? false,
          },
          h(
            "abbr",
            { title: /** @type {string} */ (dayText.get(d.date)) },
            formatDate(d.date, { weekday: "narrow" }),
          ),
          h("span", {}, String(Number(d.date.slice(8)))),
        ),
      ),
    );
    cells = new Map();
    totals = [];
    const body = model.rows.map((row, r) => {
      const label = rowLabel(row);
      const total = h("span", { class: "total" });
      totals.push(total);
      return h(
        "tr",
        {},
        h("th", { scope: "row", class: "line" }, h("span", { class: "label" }, label), total),
        ...row.calendar.map((d, c) => {
          const button = /** @type {HTMLButtonElement} */ (
            h("button", {
              type: "button",
              class: "cell",
              tabindex: "-1",
              "data-date": d.date,
              "data-line": row.key,
              "data-row": r,
              "data-col": c,
            })
          );
          cells.set(`${d.date}|${row.key}`, {
            button,
            base: `${label}, ${dayText.get(d.date)}`,
            off: d.holiday ?? (d.weekend ? t("cell.weekend") : null),
            state: "",
          });
          return h("td", { class: d.working ? "" : "off" }, button);
        }),
      );
    });
    table.replaceChildren(h("thead", {}, head), h("tbody", {}, ...body));
    tabbed = null;
    selected = { row: 0, col: Math.max(0, days.findIndex((d) => d.date === today())) };
  }

  /** Patch every cell, total and day header from the model; only what changed is written. */
  function paint() {
    const m = model;
    for (const th of table.querySelectorAll("thead th.day")) {
      const date = m.calendar[/** @type {HTMLTableCellElement} */ (th).cellIndex - 1]?.date;
      th.classList.toggle("pending", m.pendingDates.has(date) && !m.days[date]?.lines.length);
    }
    const dayTotal = (date) => (m.days[date]?.lines ?? []).reduce((a, l) => a + l.half_days, 0);
    m.rows.forEach((row, r) => {
      totals[r].textContent = t("month.days", { n: formatDays(m.totals[row.key] ?? 0) });
      for (const d of row.calendar) {
        const cell = /** @type {any} */ (cells.get(`${d.date}|${row.key}`));
        const day = m.days[d.date];
        const value = day?.lines.find((l) => l.line === row.key)?.half_days ?? 0;
        const flags = [];
        // Waiting to be sent: marked on the values (and on the day's header, for a cleared day).
        if (value && m.pendingDates.has(d.date)) flags.push("pending");
        if (Object.hasOwn(m.changedElsewhere, d.date)) flags.push("changed");
        // The day's comment is marked on its values (on the first row for an empty day).
        if (day?.comment && (value || (r === 0 && !dayTotal(d.date)))) flags.push("comment");
        const full = value === 0 && dayTotal(d.date) >= 2;
        const state = `${value}|${flags.join()}|${full}|${m.editable}`;
        if (cell.state === state) continue;
        cell.state = state;
        const { button } = cell;
        button.className = ["cell", `v${value}`, d.working ? "" : "off", full ? "taken" : "", ...flags]
          .filter(Boolean)
          .join(" ");
        button.textContent = VALUE_TEXT[value] ?? String(value);
        const extra = [cell.off, ...flags.map((f) => t(`cell.${f}`))].filter(Boolean);
        const said = t(`value.${value}`) + (extra.length ? ` (${extra.join(", ")})` : "");
        button.setAttribute("aria-label", t("cell.label", { cell: cell.base, value: said }));
        button.setAttribute("aria-disabled", String(!m.editable));
      }
    });
    focusable();
  }

  /** Roving tabindex: only the selected cell is in the tab order. */
  function focusable() {
    selected.row = Math.min(selected.row, model.rows.length - 1);
    selected.col = Math.min(selected.col, model.calendar.length - 1);
    if (tabbed) tabbed.tabIndex = -1;
    tabbed = cellAt(selected.row, selected.col) ?? null;
    if (tabbed) tabbed.tabIndex = 0;
  }

  /** @param {number} r @param {number} c */
  const cellAt = (r, c) =>
    /** @type {HTMLButtonElement | undefined} */ (
      table.querySelector(`button[data-row="${r}"][data-col="${c}"]`) ?? undefined
    );

  return {
    table,
    wrap,
    error,
    get model() {
      return model;
    },
    /**
     * Draw a model; true when the grid was built anew (another month, lines or language).
     * @param {any} next
     */
    update(next) {
      model = next;
      const key = `${model.month}|${model.rows.map((r) => r.key).join()}|${document.documentElement.lang}`;
      const fresh = key !== built;
      if (fresh) build();
      built = key;
      paint();
      return fresh;
    },
    /** The selected cell (a keyboard user's, or the last tapped). */
    selected: () => cellAt(selected.row, selected.col),
    /** The selected day, "YYYY-MM-DD". */
    selectedDate: () => model.calendar[selected.col]?.date ?? `${model.month}-01`,
    /** @param {number} r @param {number} c */
    select(r, c) {
      selected = {
        row: Math.max(0, Math.min(r, model.rows.length - 1)),
        col: Math.max(0, Math.min(c, model.calendar.length - 1)),
      };
      focusable();
      cellAt(selected.row, selected.col)?.focus();
    },
    /** On a phone, today's column in the middle, whole columns from the sticky labels' edge. */
    centreToday() {
      const td = cellAt(selected.row, selected.col)?.parentElement;
      const row = td?.parentElement;
      if (!td || !row) return;
      const labels = /** @type {HTMLElement} */ (row.firstElementChild).offsetWidth;
      const shown = Math.max(1, Math.floor((wrap.clientWidth - labels) / td.offsetWidth));
      const from = Math.max(0, selected.col - Math.floor((shown - 1) / 2));
      wrap.scrollLeft = /** @type {HTMLElement} */ (row.children[from + 1]).offsetLeft - labels;
    },
    /**
     * Say why an edit was refused, next to its cell (outlined, described by the message).
     * @param {HTMLElement | null} cell
     * @param {any[]} violations
     * @param {string} [text]
     */
    showError(cell, violations, text) {
      this.clearError();
      const messages = text ? [text] : [...new Set(violations.map(violationText))];
      const date = cell?.dataset.date;
      error.textContent = date
        ? `${formatDate(date, { weekday: "short", day: "numeric", month: "short" })} — ${messages.join(" ")}`
        : messages.join(" ");
      error.hidden = false;
      if (cell) {
        cell.setAttribute("aria-invalid", "true");
        cell.setAttribute("aria-describedby", "cell-error");
      }
    },
    clearError() {
      error.hidden = true;
      for (const b of table.querySelectorAll("[aria-invalid]")) {
        b.removeAttribute("aria-invalid");
        b.removeAttribute("aria-describedby");
      }
    },
  };
}

/**
 * Cell editing: what a tap, a long press and the keyboard do on the grid.
 * @param {ReturnType<typeof monthGrid>} grid
 * @param {{onTap: (date: string, line: string) => Promise<any[] | null>,
 *   onDay: (cell: HTMLButtonElement) => void}} props  onTap resolves to the refusal, if any.
 */
export function editCells(grid, { onTap, onDay }) {
  const { table } = grid;
  let tapStart = 0;
  let suppressClick = false;
  let pressTimer = 0;

  /** @param {EventTarget | null} target */
  const cellOf = (target) =>
    /** @type {HTMLButtonElement | null} */ (
      target instanceof Element ? target.closest("button.cell") : null
    );

  table.addEventListener("pointerdown", (event) => {
    const cell = cellOf(event.target);
    suppressClick = false; // a long press whose click landed elsewhere (the dialog)
    if (!cell) return;
    tapStart = performance.now();
    clearTimeout(pressTimer);
    pressTimer = window.setTimeout(() => {
      suppressClick = true;
      onDay(cell);
    }, LONG_PRESS_MS);
  });
  for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
    table.addEventListener(type, () => clearTimeout(pressTimer));
  }
  table.addEventListener("contextmenu", (event) => {
    const cell = cellOf(event.target);
    if (!cell) return;
    event.preventDefault();
    clearTimeout(pressTimer);
    onDay(cell);
  });
  table.addEventListener("click", async (event) => {
    const cell = cellOf(event.target);
    if (!cell) return;
    const model = grid.model;
    grid.select(Number(cell.dataset.row), Number(cell.dataset.col));
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    if (!tapStart) tapStart = performance.now(); // keyboard: Enter / Space
    const start = tapStart;
    tapStart = 0;
    if (!model.editable) {
      grid.showError(cell, [], t("month.locked", { status: statusLabel(model.status) }));
      return;
    }
    if (cell.classList.contains("off")) {
      grid.showError(cell, [], t("month.offday"));
      return;
    }
    const violations = await onTap(
      /** @type {string} */ (cell.dataset.date),
      /** @type {string} */ (cell.dataset.line),
    );
    if (violations?.length) grid.showError(cell, violations);
    else grid.clearError();
    // Budget probe (bench/pwa_budgets.py): pointerdown → the frame after the DOM update.
    requestAnimationFrame(() => setTimeout(() => performance.measure("tap-response", { start })));
  });
  table.addEventListener("keydown", (event) => {
    const cell = cellOf(event.target);
    if (!cell) return;
    const r = Number(cell.dataset.row);
    const c = Number(cell.dataset.col);
    const moves = {
      ArrowLeft: [r, c - 1],
      ArrowRight: [r, c + 1],
      ArrowUp: [r - 1, c],
      ArrowDown: [r + 1, c],
      Home: [r, 0],
      End: [r, grid.model.calendar.length - 1],
    };
    if (event.key in moves) {
      event.preventDefault();
      grid.select(...moves[event.key]);
    } else if (event.key === "ContextMenu" || (event.shiftKey && event.key === "F10")) {
      event.preventDefault();
      onDay(cell);
    }
  });
}
