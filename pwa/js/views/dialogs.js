// Modal dialogs of the month screen (native <dialog>: focus stays inside, Escape closes).
// Each one collects input, hands it to a callback and shows the refusal it gets back next
// to the field concerned; nothing is closed until the store has accepted the edit.

import { t, daysInWords, formatDate, formatDays, formatMonthName, halfText } from "../i18n.js";
import { h } from "./dom.js";
import { rowLabel, violationText } from "./month-text.js";

/**
 * Open a dialog built from `content`; it removes itself when closed.
 * @param {string} id
 * @param {string} heading
 * @param {(close: () => void) => {body: Node[], submitLabel: string, onSubmit: () => Promise<string[] | null>, testid: string}} build
 * @param {() => void} returnFocus
 */
function modal(id, heading, build, returnFocus) {
  document.getElementById(id)?.remove();
  const general = h("div", { class: "error", role: "alert", hidden: true });
  const dialog = /** @type {HTMLDialogElement} */ (
    h("dialog", { id, class: "sheet", "aria-labelledby": `${id}-h` })
  );
  const close = () => dialog.close();
  const { body, submitLabel, onSubmit, testid } = build(close);
  const save = h(
    "button",
    { type: "submit", class: "primary", "data-testid": testid },
    submitLabel,
  );
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("h2", { id: `${id}-h` }, heading),
    ...body,
    general,
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: close }, t("action.cancel")),
      save,
    ),
  );
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    save.setAttribute("aria-disabled", "true");
    try {
      // null: accepted, close; an array: refused, stay open (messages may be empty when the
      // errors are already shown next to their fields).
      const messages = await onSubmit();
      if (!messages) close();
      else {
        general.replaceChildren(...messages.map((m) => h("p", {}, m)));
        general.hidden = !messages.length;
      }
    } finally {
      busy = false;
      save.setAttribute("aria-disabled", "false");
    }
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    returnFocus();
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, general };
}

/**
 * A field's own error paragraph, linked with aria-describedby.
 * @param {string} id
 */
const fieldError = (id) => h("p", { class: "field-error", id, hidden: true });

/** @param {HTMLElement} el @param {string | null} text */
function setError(el, text) {
  el.textContent = text ?? "";
  el.hidden = !text;
}

/**
 * The day: every line as 0 / ½ / 1 and the comment.
 * @param {{model: any, date: string, focusLine: string, holiday: string | null,
 *   onSave: (edit: any) => Promise<any>, returnFocus: () => void}} props
 */
export function dayDialog({
  model,
  date,
  focusLine,
  holiday,
  onSave,
  returnFocus,
}) {
  const day = model.days[date] ?? { lines: [], comment: "" };
  const rows = model.rows;
  const errors = rows.map((_, i) => fieldError(`day-err-${i}`));
  const groups = rows.map((row, i) => {
    const value = day.lines.find((l) => l.line === row.key)?.half_days ?? 0;
    return h(
      "fieldset",
      { class: "choice", "aria-describedby": `day-err-${i}` },
      h("legend", {}, rowLabel(row)),
      ...[0, 1, 2].map((v) =>
        h(
          "label",
          {},
          h("input", {
            type: "radio",
            name: `line-${i}`,
            value: String(v),
            checked: v === value,
            "data-line": row.key,
          }),
          h("span", {}, v ? formatDays(v) : "0"),
        ),
      ),
      errors[i],
    );
  });
  const commentError = fieldError("day-err-comment");
  const comment = /** @type {HTMLTextAreaElement} */ (
    h("textarea", {
      id: "day-comment",
      rows: "2",
      maxlength: "500",
      "aria-describedby": "day-err-comment",
    })
  );
  comment.value = day.comment ?? "";
  const { dialog } = modal(
    "day-dialog",
    formatDate(date),
    () => ({
      testid: "day-save",
      submitLabel: t("action.save"),
      body: [
        holiday ? h("p", { class: "muted" }, holiday) : null,
        ...groups,
        h(
          "div",
          { class: "field" },
          h("label", { for: "day-comment" }, t("day.comment")),
          comment,
          commentError,
        ),
      ].filter(Boolean),
      async onSubmit() {
        const lines = [];
        rows.forEach((row, i) => {
          const v = Number(
            /** @type {HTMLInputElement | null} */ (
              dialog.querySelector(`input[name="line-${i}"]:checked`)
            )?.value ?? 0,
          );
          if (v) lines.push({ line: row.key, half_days: v });
        });
        errors.forEach((e) => setError(e, null));
        setError(commentError, null);
        const result = await onSave({ date, lines, comment: comment.value });
        if (!result || result.ok) return null;
        const general = [];
        for (const v of result.violations ?? []) {
          const at = /^lines\[(\d+)\]/.exec(v.field ?? "");
          const row = at ? rows.findIndex((r) => r.key === lines[Number(at[1])]?.line) : -1;
          if (row >= 0) setError(errors[row], violationText(v));
          else if (v.field === "comment") setError(commentError, violationText(v));
          else general.push(violationText(v));
        }
        return general;
      },
    }),
    returnFocus,
  );
  const start = dialog.querySelector(`input[data-line="${focusLine}"]:checked`);
  /** @type {HTMLElement | null} */ (start)?.focus();
}

/**
 * An absence over a range: type, from, to, half days.
 * @param {{model: any, date: string,
 *   onSave: (range: any) => Promise<any>, returnFocus: () => void}} props
 */
export function absenceDialog({ model, date, onSave, returnFocus }) {
  const first = `${model.month}-01`;
  const last = model.calendar[model.calendar.length - 1].date;
  const absences = model.rows.filter((r) => r.kind === "absence");
  const type = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      { id: "abs-type" },
      ...absences.map((r) => h("option", { value: r.absence }, t(`absence.${r.absence}`))),
    )
  );
  const dateInput = (id, value) =>
    /** @type {HTMLInputElement} */ (
      h("input", { id, type: "date", min: first, max: last, value, required: true })
    );
  const from = dateInput("abs-from", date);
  const to = dateInput("abs-to", date);
  const half = /** @type {HTMLInputElement} */ (h("input", { id: "abs-half", type: "checkbox" }));
  modal(
    "absence-dialog",
    t("absence.heading"),
    () => ({
      testid: "absence-save",
      submitLabel: t("action.save"),
      body: [
        h("div", { class: "field" }, h("label", { for: "abs-type" }, t("absence.type")), type),
        h(
          "div",
          { class: "row2" },
          h("div", { class: "field" }, h("label", { for: "abs-from" }, t("absence.from")), from),
          h("div", { class: "field" }, h("label", { for: "abs-to" }, t("absence.to")), to),
        ),
        h("div", { class: "check" }, half, h("label", { for: "abs-half" }, t("absence.half"))),
      ],
      async onSubmit() {
        if (!from.value || !to.value || from.value > to.value) return [t("absence.order")];
        const result = await onSave({
          absence: type.value,
          from: from.value,
          to: to.value,
          half: half.checked,
        });
        if (result?.none) return [t("absence.none")];
        if (!result || result.ok) return null;
        return [
          ...new Set(
            (result.violations ?? []).map(
              (v) =>
                (v.date ? `${formatDate(v.date, { dateStyle: "medium" })} — ` : "") +
                violationText(v),
            ),
          ),
        ];
      },
    }),
    returnFocus,
  );
  type.focus();
}

/**
 * "Submit November?": what is entered, what is empty, and that offline it waits.
 * @param {{model: any, online: boolean,
 *   onConfirm: () => Promise<any>, returnFocus: () => void}} props
 */
export function submitDialog({ model, online, onConfirm, returnFocus }) {
  const { dialog } = modal(
    "submit-dialog",
    t("submit.heading", { month: formatMonthName(model.month) }),
    () => ({
      testid: "submit-confirm",
      submitLabel: t("action.submit"),
      body: [
        h(
          "p",
          {},
          t("submit.summary", { days: daysInWords(model.total) }),
        ),
        model.empty
          ? h("p", { class: "notice warn" }, t("submit.empty", { count: model.empty }))
          : null,
        model.half.length
          ? h(
              "p",
              { class: "notice warn", "data-testid": "submit-half" },
              halfText(model.half),
            )
          : null,
        online ? null : h("p", { class: "notice" }, t("submit.offline")),
      ].filter(Boolean),
      async onSubmit() {
        const result = await onConfirm();
        if (!result || result.ok !== false) return null;
        return (result.violations ?? []).map(violationText);
      },
    }),
    returnFocus,
  );
  /** @type {HTMLElement | null} */ (
    dialog.querySelector('[data-testid="submit-confirm"]')
  )?.focus();
}

/**
 * Prefill on a mission that requires a comment: the comment, once, for every day filled.
 * @param {{onSave: (comment: string) => Promise<any[] | null>, returnFocus: () => void}} props
 */
export function prefillDialog({ onSave, returnFocus }) {
  const text = /** @type {HTMLTextAreaElement} */ (
    h("textarea", { id: "prefill-comment", rows: "2", maxlength: "500" })
  );
  modal(
    "prefill-dialog",
    t("prefill.heading"),
    () => ({
      testid: "prefill-confirm",
      submitLabel: t("action.prefill"),
      body: [h("label", { for: "prefill-comment" }, t("prefill.comment")), text],
      onSubmit: async () => (await onSave(text.value))?.map(violationText) ?? null,
    }),
    returnFocus,
  );
  text.focus();
}
