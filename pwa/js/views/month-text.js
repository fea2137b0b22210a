// The words of the month screen: a line's label, a status, why an edit was refused, a day's
// lines in words. Used by the grid, the status bar and notices, the dialogs, and the
// approvals screen.

import { t, tOr, formatDays } from "../i18n.js";

/** @param {any} row  a row of month.js buildMonth() */
export const rowLabel = (row) =>
  row.kind === "absence" ? (tOr(`absence.${row.absence}`) ?? row.absence) : row.label;

/** @param {string} status */
export const statusLabel = (status) => tOr(`status.${status}`) ?? status;

/**
 * A violation in the person's language, from its code; the store's English message only when
 * the code is unknown.
 * @param {{code: string, message?: string}} v
 */
export const violationText = (v) =>
  tOr(`violation.${v.code}`) ?? t("violation.generic", { message: v.message ?? v.code });

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
 * Why the server refused one of this person's edits.
 * @param {any} r  a rejected edit of store.monthView()
 */
export function reasonText(r) {
  const reason = String(r.reason ?? "");
  if (reason.startsWith("invalid:")) {
    return violationText({ code: reason.slice(8), message: r.detail });
  }
  const status = statusLabel(r.monthState?.status ?? "signed").toLowerCase();
  return (
    tOr(`reason.${reason}`, { status }) ?? `${t("reason.other")}${r.detail ? ` (${r.detail})` : ""}`
  );
}
