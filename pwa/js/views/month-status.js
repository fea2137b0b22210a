// Where the month stands, above its grid:
// - `statusBar`: the month's status and its place in the circuit, and the sync bar (online or
//   not, edits waiting, last sync, "Synchroniser");
// - `noticesOf`: what needs the person's attention (no missions yet, a wrong device clock, a
//   session to renew, edits that cannot apply, days changed on another device, refused edits).

import { t, formatDate, formatMonthName, formatTime } from "../i18n.js";
import { h } from "./dom.js";
import { linesText, reasonText, statusLabel } from "./month-text.js";

const CIRCUIT = ["draft", "submitted", "in_validation", "validated", "signed"];
const SKEW_LIMIT_MS = 60_000;

/** @param {{onSync: () => void}} props */
export function statusBar({ onSync }) {
  const badge = h("p", { class: "badge", "data-testid": "month-status" });
  const circuit = h("ol", { class: "circuit" });
  const chip = h("span", { class: "chip", "data-testid": "connection" });
  const pending = h("span", { "data-testid": "pending" });
  const last = h("span", { class: "muted", "data-testid": "last-sync" });
  const button = h("button", {
    type: "button",
    class: "secondary small",
    "data-testid": "sync",
    onclick: onSync,
  });
  return {
    state: h("div", { class: "state" }, badge, circuit),
    syncbar: h("div", { class: "syncbar", "data-testid": "sync-state" }, chip, pending, last, button),
    /** @param {any} m  the month model */
    paintStatus(m) {
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
    },
    /** @param {any} sync  startSync's state */
    paintSync(sync) {
      chip.textContent = t(sync.syncing ? "sync.syncing" : sync.online ? "sync.online" : "sync.offline");
      chip.className = `chip ${sync.online ? "on" : "off"}`;
      pending.textContent = sync.pending
        ? t("sync.pending", { count: sync.pending })
        : t("sync.uptodate");
      pending.className = sync.pending ? "pending" : "";
      last.textContent = sync.lastSyncedAt
        ? t("sync.last", { time: formatTime(sync.lastSyncedAt) })
        : t("sync.never");
      button.textContent = t("action.sync");
      button.setAttribute("aria-disabled", String(!sync.online));
    },
  };
}

/**
 * The notices of a month, most urgent first.
 * @param {any} m  the month model
 * @param {any} sync  startSync's state
 * @param {{onSignIn: () => void, onDismissRejected: (id: any) => void,
 *   onDismissChanged: (date: string) => void}} props
 * @returns {HTMLElement[]}
 */
export function noticesOf(m, sync, { onSignIn, onDismissRejected, onDismissChanged }) {
  const items = [];
  const note = (text, warn = false, testid = undefined) =>
    items.push(h("p", { class: warn ? "notice warn" : "notice", "data-testid": testid }, text));
  const day = (date) => formatDate(date, { dateStyle: "medium" });
  const dismiss = (onclick, label = undefined) =>
    h("button", { type: "button", class: "link", "aria-label": label, onclick }, t("action.dismiss"));
  if (m.noReference) note(t("month.noReference"));
  else if (!m.missions.length) note(t("month.noMission"));
  if (Math.abs(sync.clockSkewMs ?? 0) > SKEW_LIMIT_MS) {
    note(t("sync.skew", { minutes: Math.round(Math.abs(sync.clockSkewMs) / 60_000) }), true, "skew");
  }
  if (sync.authExpired) {
    items.push(
      h(
        "div",
        { class: "notice warn", "data-testid": "auth-expired" },
        h("p", {}, t("sync.auth")),
        h("button", { type: "button", class: "secondary small", onclick: onSignIn }, t("action.signin")),
      ),
    );
  } else if (sync.error && sync.online) note(t("sync.error"));
  if (m.blocked.size) note(t("month.blocked", { count: m.blocked.size }), true, "blocked");
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
          ...changed.map(([date, c]) =>
            h(
              "li",
              {},
              t("changed.item", { date: day(date), lost: linesText(m, c?.lost?.lines) }),
              " ",
              dismiss(() => onDismissChanged(date), `${t("action.dismiss")} — ${day(date)}`),
            ),
          ),
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
        m.rejected.length > 1
          ? h(
              "button",
              {
                type: "button",
                class: "secondary small",
                "data-testid": "dismiss-all",
                onclick: () => onDismissRejected(m.rejected.map((r) => r.id)),
              },
              t("action.dismissAll"),
            )
          : null,
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
                  ? t("rejected.day", { date: day(r.date), value: linesText(m, r.lines) })
                  : t("rejected.submit", { month: formatMonthName(r.month ?? m.month) }),
              ),
              r.comment ? h("q", {}, r.comment) : null,
              h("span", { class: "reason" }, ` — ${reasonText(r)}`),
              " ",
              dismiss(() => onDismissRejected(r.id)),
            ),
          ),
        ),
      ),
    );
  }
  const elsewhere = (sync.rejected ?? 0) - m.rejected.length;
  if (elsewhere > 0) note(t("rejected.elsewhere", { count: elsewhere }), true);
  return items;
}
