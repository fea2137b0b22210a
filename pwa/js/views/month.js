// The month screen: status bar, notices, actions and the grid (one row per line, one cell per
// day). Rendering only: every decision comes from the props (app.js) and the model
// (month.js). The grid is built once per month and rows, then patched in place on every
// update, so a tap costs a few text and class changes, not a rebuild.

import { t, tOr, formatDate, formatDays, formatMonthName, formatTime } from "../i18n.js";
import { h, announce, render } from "./dom.js";
import { dayDialog, absenceDialog, submitDialog } from "./dialogs.js";

const LONG_PRESS_MS = 550;
const CIRCUIT = ["draft", "submitted", "in_validation", "validated", "signed"];
const SKEW_LIMIT_MS = 60_000;
const VALUE_TEXT = ["", "½", "1"];

/** @param {any} row */
export function rowLabel(row) {
  return row.kind === "absence" ? (tOr(`absence.${row.absence}`) ?? row.absence) : row.label;
}

/** @param {string} status */
export const statusLabel = (status) => tOr(`status.${status}`) ?? status;

/**
 * A violation in the person's language, from its code; the store's English message only when
 * the code is unknown.
 * @param {{code: string, message?: string}} v
 */
export function violationText(v) {
  return tOr(`violation.${v.code}`) ?? t("violation.generic", { message: v.message ?? v.code });
}

/**
 * "1 j Portail + ½ j RTT": the lines of a day in words.
 * @param {any} model
 * @param {any[] | undefined} lines  [{line, half_days}] (or wire entries {line, h})
 */
export function linesText(model, lines) {
  if (!lines?.length) return t("value.0");
  return lines
    .map((l) => {
      const row = model.rows.find((r) => r.key === l.line);
      const label = row ? rowLabel(row) : l.line;
      return `${t("month.days", { n: formatDays(l.half_days ?? l.h) })} ${label}`;
    })
    .join(" + ");
}

/**
 * @param {{
 *   onPrev: () => void, onNext: () => void,
 *   onTap: (date: string, line: string) => Promise<any[] | null>,
 *   onDay: (edit: any) => Promise<any>, onPrefill: () => Promise<any>,
 *   onAbsence: (range: any) => Promise<any>, onSubmit: () => Promise<any>,
 *   onSync: () => void, onSignIn: () => void, onLogout: () => void,
 *   onDismissRejected: (id: any) => void, onDismissChanged: (date: string) => void,
 * }} props
 */
export function showMonth(props) {
  /** @type {any} */
  let model = null;
  let sync = /** @type {any} */ ({ online: navigator.onLine, pending: 0 });
  let built = "";
  /** @type {Map<string, {button: HTMLButtonElement, base: string, off: string | null, state: string}>} */
  let cells = new Map();
  /** @type {HTMLElement[]} */
  let totalCells = [];
  let selected = { row: 0, col: 0 };
  /** @type {HTMLButtonElement | null} the one cell in the tab order (roving tabindex) */
  let tabbed = null;
  let tapStart = 0;
  let suppressClick = false;
  let pressTimer = 0;

  const title = h("h1", { class: "month-title", "data-testid": "month-title" });
  const prev = h(
    "button",
    { type: "button", class: "icon", "aria-label": "", onclick: () => props.onPrev() },
    "‹",
  );
  const next = h(
    "button",
    { type: "button", class: "icon", "aria-label": "", onclick: () => props.onNext() },
    "›",
  );
  const badge = h("p", { class: "badge", "data-testid": "month-status" });
  const circuit = h("ol", { class: "circuit" });
  const chip = h("span", { class: "chip", "data-testid": "connection" });
  const pendingText = h("span", { "data-testid": "pending" });
  const lastText = h("span", { class: "muted", "data-testid": "last-sync" });
  const syncButton = h("button", {
    type: "button",
    class: "secondary small",
    "data-testid": "sync",
    onclick: () => props.onSync(),
  });
  const notices = h("div", { class: "notices" });
  const prefill = h("button", {
    type: "button",
    class: "primary",
    "data-testid": "prefill",
    onclick: () => run(props.onPrefill),
  });
  const absence = h("button", {
    type: "button",
    class: "secondary",
    "data-testid": "absence",
    onclick: () => openAbsence(),
  });
  const dayButton = h("button", {
    type: "button",
    class: "secondary",
    "data-testid": "day-menu",
    onclick: () => openDay(),
  });
  const submit = h("button", {
    type: "button",
    class: "primary",
    "data-testid": "submit",
    onclick: () => openSubmit(),
  });
  const summary = h("p", { class: "summary", "data-testid": "summary" });
  const table = h("table", { class: "grid", role: "grid", "data-testid": "grid" });
  const wrap = h("div", { class: "grid-wrap" }, table);
  const cellError = h("p", {
    class: "error cell-error",
    role: "alert",
    id: "cell-error",
    "data-testid": "cell-error",
    hidden: true,
  });
  const help = h("p", { class: "hint" });
  const logout = h("button", {
    type: "button",
    class: "secondary",
    "data-testid": "logout",
    onclick: () => props.onLogout(),
  });

  const section = render(
    t("app.name"),
    title,
    { wide: true },
    h("div", { class: "month-nav" }, prev, next),
    h("div", { class: "state" }, badge, circuit),
    h(
      "div",
      { class: "syncbar", "data-testid": "sync-state" },
      chip,
      pendingText,
      lastText,
      syncButton,
    ),
    notices,
    h("div", { class: "toolbar" }, prefill, absence, dayButton, submit),
    summary,
    wrap,
    cellError,
    help,
    h("div", { class: "stack" }, logout),
  );
  section.classList.add("month");

  /** Run an action; a refusal comes back as a list of violations to show. */
  async function run(action) {
    const violations = await action();
    if (Array.isArray(violations) && violations.length) showCellError(null, violations);
  }

  function buildGrid() {
    const days = model.calendar;
    /** @type {Map<string, string>} "lundi 3 novembre", once per day, not per cell */
    const dayText = new Map(
      days.map((d) => [
        d.date,
        formatDate(d.date, { weekday: "long", day: "numeric", month: "long" }),
      ]),
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
    totalCells = [];
    const body = model.rows.map((row, r) => {
      const label = rowLabel(row);
      const total = h("span", { class: "total" });
      totalCells.push(total);
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
            base: `${label}, ${dayText.get(d.date) ?? formatDate(d.date)}`,
            off: d.holiday ?? (d.weekend ? t("cell.weekend") : null),
            state: "",
          });
          return h("td", { class: d.working ? "" : "off" }, button);
        }),
      );
    });
    table.replaceChildren(h("thead", {}, head), h("tbody", {}, ...body));
    tabbed = null;
    selected = {
      row: 0,
      col: Math.max(
        0,
        days.findIndex((d) => d.date === today()),
      ),
    };
    built = `${model.month}|${model.rows.map((r) => r.key).join(",")}|${document.documentElement.lang}`;
  }

  const today = () => {
    const d = new Date(); // the device's local day, not UTC's
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };

  /** Patch every cell, total and notice from the model. */
  function paint() {
    const m = model;
    title.textContent = formatMonthName(m.month);
    document.title = `${formatMonthName(m.month)} · ${t("app.name")}`;
    prev.setAttribute("aria-label", t("month.prev"));
    next.setAttribute("aria-label", t("month.next"));
    table.setAttribute("aria-label", t("month.grid", { month: formatMonthName(m.month) }));
    const status = m.submitting ? t("status.pending") : statusLabel(m.status);
    badge.textContent = t("status.label", { status });
    badge.className = `badge status-${m.submitting ? "pending" : m.status}`;
    const at = CIRCUIT.indexOf(m.status === "sent_back" ? "draft" : m.status);
    circuit.setAttribute("aria-label", t("status.circuit"));
    circuit.replaceChildren(
      ...CIRCUIT.map((s, i) =>
        h(
          "li",
          {
            class: i < at ? "done" : i === at ? "current" : "",
            "aria-current": i === at ? "step" : false,
          },
          statusLabel(s),
        ),
      ),
    );
    for (const th of table.querySelectorAll("thead th.day")) {
      const date = m.calendar[/** @type {HTMLTableCellElement} */ (th).cellIndex - 1]?.date;
      th.classList.toggle("pending", m.pendingDates.has(date) && !m.days[date]?.lines.length);
    }
    const dayTotal = (date) => (m.days[date]?.lines ?? []).reduce((a, l) => a + l.half_days, 0);
    m.rows.forEach((row, r) => {
      totalCells[r].textContent = t("month.days", { n: formatDays(m.totals[row.key] ?? 0) });
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
        // Only what changed is written: a tap touches a handful of cells, not the whole grid.
        const state = `${value}|${flags.join()}|${full}|${m.editable}`;
        if (cell.state === state) continue;
        cell.state = state;
        const { button } = cell;
        button.className = [
          "cell",
          `v${value}`,
          d.working ? "" : "off",
          full ? "taken" : "",
          ...flags,
        ]
          .filter(Boolean)
          .join(" ");
        button.textContent = VALUE_TEXT[value] ?? String(value);
        const extra = [cell.off, ...flags.map((f) => t(`cell.${f}`))].filter(Boolean);
        const said = t(`value.${value}`) + (extra.length ? ` (${extra.join(", ")})` : "");
        button.setAttribute("aria-label", t("cell.label", { cell: cell.base, value: said }));
        button.setAttribute("aria-disabled", String(!m.editable));
      }
    });
    summary.replaceChildren(
      h("strong", {}, t("month.total", { days: t("month.daysLong", { n: formatDays(m.total) }) })),
      " · ",
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
    paintNotices();
    focusable();
  }

  function paintNotices() {
    const m = model;
    const items = [];
    if (m.noReference) items.push(h("p", { class: "notice" }, t("month.noReference")));
    else if (!m.missions.length) items.push(h("p", { class: "notice" }, t("month.noMission")));
    if (Math.abs(sync.clockSkewMs ?? 0) > SKEW_LIMIT_MS) {
      const minutes = Math.round(Math.abs(sync.clockSkewMs) / 60_000);
      items.push(
        h("p", { class: "notice warn", "data-testid": "skew" }, t("sync.skew", { minutes })),
      );
    }
    if (sync.authExpired) {
      items.push(
        h(
          "div",
          { class: "notice warn", "data-testid": "auth-expired" },
          h("p", {}, t("sync.auth")),
          h(
            "button",
            { type: "button", class: "secondary small", onclick: () => props.onSignIn() },
            t("action.signin"),
          ),
        ),
      );
    } else if (sync.error && sync.online) items.push(h("p", { class: "notice" }, t("sync.error")));
    if (m.blocked.size)
      items.push(
        h(
          "p",
          { class: "notice warn", "data-testid": "blocked" },
          t("month.blocked", { count: m.blocked.size }),
        ),
      );
    if (m.storageError) items.push(h("p", { class: "error", role: "alert" }, m.storageError));
    const changed = Object.entries(m.changedElsewhere);
    if (changed.length) {
      items.push(
        h(
          "section",
          { class: "notice changed", "data-testid": "changed", "aria-labelledby": "changed-h" },
          h("h2", { id: "changed-h" }, t("changed.heading")),
          h(
            "ul",
            {},
            ...changed.map(([date, c]) => {
              const lost = c?.lost?.lines ?? c?.lost?.entries ?? [];
              return h(
                "li",
                {},
                t("changed.item", {
                  date: formatDate(date, { dateStyle: "medium" }),
                  lost: linesText(m, lost),
                }),
                " ",
                h(
                  "button",
                  {
                    type: "button",
                    class: "link",
                    "aria-label": `${t("action.dismiss")} — ${formatDate(date, { dateStyle: "medium" })}`,
                    onclick: () => props.onDismissChanged(date),
                  },
                  t("action.dismiss"),
                ),
              );
            }),
          ),
        ),
      );
    }
    if (m.rejected.length) {
      items.push(
        h(
          "section",
          { class: "error rejected", "data-testid": "rejected", "aria-labelledby": "rejected-h" },
          h("h2", { id: "rejected-h" }, t("rejected.heading")),
          h("p", {}, t("rejected.intro")),
          h(
            "ul",
            {},
            ...m.rejected.map((r) =>
              h(
                "li",
                { "data-testid": "rejected-item" },
                h(
                  "span",
                  {},
                  r.date
                    ? t("rejected.day", {
                        date: formatDate(r.date, { dateStyle: "medium" }),
                        value: linesText(m, r.lines),
                      })
                    : t("rejected.submit", { month: formatMonthName(r.month ?? m.month) }),
                ),
                r.comment ? h("q", {}, r.comment) : null,
                h("span", { class: "reason" }, ` — ${reasonText(r)}`),
                " ",
                h(
                  "button",
                  { type: "button", class: "link", onclick: () => props.onDismissRejected(r.id) },
                  t("action.dismiss"),
                ),
              ),
            ),
          ),
        ),
      );
    }
    const elsewhere = (sync.rejected ?? 0) - m.rejected.length;
    if (elsewhere > 0) {
      items.push(h("p", { class: "notice warn" }, t("rejected.elsewhere", { count: elsewhere })));
    }
    notices.replaceChildren(...items);
  }

  /** @param {any} r a rejected edit */
  function reasonText(r) {
    const reason = String(r.reason ?? "");
    if (reason.startsWith("invalid:"))
      return violationText({ code: reason.slice(8), message: r.detail });
    const status = statusLabel(r.monthState?.status ?? "signed").toLowerCase();
    return (
      tOr(`reason.${reason}`, { status }) ??
      `${t("reason.other")}${r.detail ? ` (${r.detail})` : ""}`
    );
  }

  function paintSync() {
    chip.textContent = sync.syncing
      ? t("sync.syncing")
      : sync.online
        ? t("sync.online")
        : t("sync.offline");
    chip.className = `chip ${sync.online ? "on" : "off"}`;
    pendingText.textContent = sync.pending
      ? t("sync.pending", { count: sync.pending })
      : t("sync.uptodate");
    pendingText.className = sync.pending ? "pending" : "";
    lastText.textContent = sync.lastSyncedAt
      ? t("sync.last", { time: formatTime(sync.lastSyncedAt) })
      : t("sync.never");
    syncButton.textContent = t("action.sync");
    syncButton.setAttribute("aria-disabled", String(!sync.online));
  }

  /** Roving tabindex: only the selected cell is in the tab order. */
  function focusable() {
    const rows = model.rows.length;
    selected.row = Math.min(selected.row, rows - 1);
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

  /** @param {number} r @param {number} c */
  function select(r, c) {
    selected = {
      row: Math.max(0, Math.min(r, model.rows.length - 1)),
      col: Math.max(0, Math.min(c, model.calendar.length - 1)),
    };
    focusable();
    cellAt(selected.row, selected.col)?.focus();
  }

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
    window.clearTimeout(pressTimer);
    pressTimer = window.setTimeout(() => {
      suppressClick = true;
      openDay(cell);
    }, LONG_PRESS_MS);
  });
  for (const type of ["pointerup", "pointercancel", "pointerleave"]) {
    table.addEventListener(type, () => window.clearTimeout(pressTimer));
  }
  table.addEventListener("contextmenu", (event) => {
    const cell = cellOf(event.target);
    if (!cell) return;
    event.preventDefault();
    window.clearTimeout(pressTimer);
    openDay(cell);
  });
  table.addEventListener("click", async (event) => {
    const cell = cellOf(event.target);
    if (!cell) return;
    select(Number(cell.dataset.row), Number(cell.dataset.col));
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    if (!tapStart) tapStart = performance.now(); // keyboard: Enter / Space
    const start = tapStart;
    tapStart = 0;
    if (!model.editable) {
      showCellError(cell, [], t("month.locked", { status: statusLabel(model.status) }));
      return;
    }
    if (cell.classList.contains("off")) {
      showCellError(cell, [], t("month.offday"));
      return;
    }
    const violations = await props.onTap(
      /** @type {string} */ (cell.dataset.date),
      /** @type {string} */ (cell.dataset.line),
    );
    if (violations?.length) showCellError(cell, violations);
    else clearCellError();
    // Budget probe (bench/pwa_budgets.py): pointerdown → the frame after the DOM update.
    requestAnimationFrame(() =>
      window.setTimeout(() => performance.measure("tap-response", { start })),
    );
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
      End: [r, model.calendar.length - 1],
    };
    if (event.key in moves) {
      event.preventDefault();
      select(...moves[event.key]);
    } else if (event.key === "ContextMenu" || (event.shiftKey && event.key === "F10")) {
      event.preventDefault();
      openDay(cell);
    }
  });

  /**
   * Show why an edit was refused, next to its cell (outlined, described by the message).
   * @param {HTMLElement | null} cell
   * @param {any[]} violations
   * @param {string} [text]
   */
  function showCellError(cell, violations, text) {
    clearCellError();
    const messages = text ? [text] : [...new Set(violations.map(violationText))];
    cellError.textContent = cell
      ? `${formatDate(/** @type {string} */ (cell.dataset.date), { weekday: "short", day: "numeric", month: "short" })} — ${messages.join(" ")}`
      : messages.join(" ");
    cellError.hidden = false;
    if (cell) {
      cell.setAttribute("aria-invalid", "true");
      cell.setAttribute("aria-describedby", "cell-error");
    }
  }

  function clearCellError() {
    cellError.hidden = true;
    for (const b of table.querySelectorAll("[aria-invalid]")) {
      b.removeAttribute("aria-invalid");
      b.removeAttribute("aria-describedby");
    }
  }

  /** The day dialog for a cell (or the selected one): every line and the comment. */
  function openDay(cell = cellAt(selected.row, selected.col)) {
    if (!cell || !model.editable || document.querySelector("dialog[open]")) return;
    select(Number(cell.dataset.row), Number(cell.dataset.col));
    const date = /** @type {string} */ (cell.dataset.date);
    dayDialog({
      model,
      date,
      focusLine: /** @type {string} */ (cell.dataset.line),
      holiday: model.calendar.find((d) => d.date === date)?.holiday ?? null,
      labelOf: rowLabel,
      violationText,
      onSave: props.onDay,
      returnFocus: () => cellAt(selected.row, selected.col)?.focus(),
    });
  }

  function openAbsence() {
    const date = model.calendar[selected.col]?.date ?? `${model.month}-01`;
    absenceDialog({
      model,
      date,
      violationText,
      onSave: props.onAbsence,
      returnFocus: () => absence.focus(),
    });
  }

  function openSubmit() {
    submitDialog({
      model,
      online: sync.online,
      onConfirm: props.onSubmit,
      violationText,
      returnFocus: () => submit.focus(),
    });
  }

  return {
    /** @param {any} next */
    update(next) {
      model = next;
      const first = !built;
      const key = `${model.month}|${model.rows.map((r) => r.key).join(",")}|${document.documentElement.lang}`;
      if (key !== built) buildGrid();
      paint();
      paintSync();
      if (first) {
        // Today's column in the middle on a phone, whole columns from the edge of the sticky
        // line labels (no half-hidden cell).
        const td = cellAt(selected.row, selected.col)?.parentElement;
        const row = td?.parentElement;
        if (td && row) {
          const labels = /** @type {HTMLElement} */ (row.firstElementChild).offsetWidth;
          const shown = Math.max(1, Math.floor((wrap.clientWidth - labels) / td.offsetWidth));
          const from = Math.max(0, selected.col - Math.floor((shown - 1) / 2));
          wrap.scrollLeft = /** @type {HTMLElement} */ (row.children[from + 1]).offsetLeft - labels;
        }
        // Budget probes (bench/pwa_budgets.py): the DOM is complete, then the frame is out.
        performance.mark("month-rendered");
        requestAnimationFrame(() => window.setTimeout(() => performance.mark("month-painted")));
      }
    },
    /** @param {any} state from startSync's onState */
    setSync(state) {
      const before = sync;
      sync = { ...sync, ...state };
      if (before.online !== sync.online)
        announce(t(sync.online ? "sync.wentOnline" : "sync.wentOffline"));
      else if (before.pending > 0 && sync.pending === 0 && sync.online) announce(t("sync.done"));
      if (!before.authExpired && sync.authExpired) announce(t("sync.auth"));
      if (model) {
        paintSync();
        paintNotices();
      }
    },
    showCellError,
  };
}
