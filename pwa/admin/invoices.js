// The administrator's billing page: pre-invoices to review, issued and paid invoices, an
// invoice's detail and PDF, issuing, a line adjustment, a credit note, a payment, an expense.
// Standalone (not part of the app shell); it uses the session cookie of the main app, and the
// app's HTTP client (api.js), texts (i18n.js) and DOM builder (views/dom.js).

import { ApiError, request as call } from "../js/api.js";
import { addStrings, formatDays, locale, setLocale, t as tr } from "../js/i18n.js";
import { h } from "../js/views/dom.js";
import { STRINGS } from "./strings.js";

addStrings(STRINGS);

/** The page's own texts: keys of ./strings.js, without their "billing." prefix. */
const t = (/** @type {string} */ key, values = {}) => tr(`billing.${key}`, values);

const euros = (cents) =>
  new Intl.NumberFormat(locale() === "en" ? "en-GB" : "fr-FR", {
    style: "currency",
    currency: "EUR",
  }).format(cents / 100);
const days = (halfDays) => t("days", { n: formatDays(halfDays) });
const quantity = (line) => (line.unit === "half_day" ? days(line.quantity) : String(line.quantity));

/**
 * The payment date to offer: today on this device's calendar, but never before the invoice's
 * issue date, which the server reads on the firm's calendar (Europe/Paris) — just after midnight
 * in Paris a device on UTC is still on the day before, and that date would be refused.
 * @param {string | null} issuedOn
 */
function paymentDay(issuedOn) {
  const now = new Date();
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  return issuedOn && issuedOn > today ? issuedOn : today;
}

/**
 * A refusal in words: the fields the server named, else its sentence.
 * @param {unknown} error
 */
function problemText(error) {
  if (!(error instanceof ApiError)) return String(error);
  const fields = error.errors.map((e) => (e.field ? `${e.field} : ${e.message}` : e.message));
  return fields.length ? fields.join(" ; ") : error.detail || error.title;
}

function say(text, isError = false) {
  const message = /** @type {HTMLElement} */ (document.getElementById("message"));
  message.textContent = text;
  message.className = isError ? "error" : "";
}

function translate() {
  document.documentElement.lang = locale();
  for (const node of document.querySelectorAll("[data-i18n]")) {
    node.textContent = tr(/** @type {string} */ (node.getAttribute("data-i18n")));
  }
  /** @type {HTMLSelectElement} */ (document.getElementById("lang")).value = locale();
}

async function refresh() {
  let invoices;
  try {
    invoices = await call("GET", "/invoices");
  } catch (error) {
    const denied = error instanceof ApiError && (error.status === 401 || error.status === 403);
    say(denied ? t("login") : problemText(error), true);
    return;
  }
  for (const status of ["draft", "issued", "paid"]) {
    const list = /** @type {HTMLElement} */ (document.getElementById(`list-${status}`));
    list.replaceChildren();
    for (const invoice of invoices.filter((i) => i.status === status)) {
      const name = invoice.number ?? `${t("preinvoice")} ${invoice.period_start.slice(0, 7)}`;
      const kind = invoice.kind === "credit_note" ? ` (${t("creditnote")})` : "";
      const button = h(
        "button",
        { type: "button", onclick: () => show(invoice.id) },
        `${name}${kind} — ${invoice.client_name} — ${euros(invoice.gross_cents)}`,
      );
      list.append(h("li", {}, button));
    }
    if (!list.children.length) list.append(h("li", { class: "muted" }, t("none")));
  }
}

/**
 * A small form: labelled inputs and one button; `submit` gets the values.
 * @param {string} label
 * @param {Array<[string, string, string, (string | number)?]>} fields  name, type, label, value
 * @param {(data: Record<string, string>) => Promise<unknown>} submit
 */
function form(label, fields, submit) {
  const node = h(
    "form",
    {},
    ...fields.map(([name, type, text, value]) =>
      h("label", {}, text, h("input", { name, type, required: true, value: value ?? "" })),
    ),
    h("button", { type: "submit" }, label),
  );
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = /** @type {Record<string, string>} */ (
      Object.fromEntries(new FormData(/** @type {HTMLFormElement} */ (node)))
    );
    try {
      await submit(data);
      say(t("done"));
    } catch (error) {
      say(problemText(error), true);
    }
  });
  return node;
}

/** The invoice whose detail is open, to draw it again in another language. */
let shown = null;

async function show(id) {
  const invoice = await call("GET", `/invoices/${id}`);
  shown = id;
  const detail = /** @type {HTMLElement} */ (document.getElementById("detail"));
  const title = invoice.number ?? t("preinvoice");
  const back = h("button", { type: "button", onclick: () => (detail.hidden = true) }, t("back"));
  const rows = invoice.lines.map((line) =>
    h(
      "tr",
      {},
      h("td", {}, line.label, h("br"), h("small", {}, line.description)),
      h("td", { class: "n" }, quantity(line)),
      h("td", { class: "n" }, euros(line.unit_price_cents)),
      h("td", { class: "n" }, `${line.vat_rate_bp / 100} %`),
      h("td", { class: "n" }, euros(line.net_cents)),
    ),
  );
  const after = async (promise) => {
    await promise;
    await refresh();
    await show(id);
  };
  const period = t("period", { start: invoice.period_start, end: invoice.period_end });
  detail.replaceChildren(
    back,
    h("h2", {}, `${title} — ${invoice.client_name}`),
    h("p", {}, invoice.due_on ? `${period} · ${t("due", { date: invoice.due_on })}` : period),
    ...invoice.warnings.map((w) => h("p", { class: w.blocking ? "blocking" : "warning" }, w.message)),
    h("table", {}, h("tbody", {}, ...rows)),
    h(
      "p",
      {},
      t("totals", {
        net: euros(invoice.net_cents),
        vat: euros(invoice.vat_cents),
        gross: euros(invoice.gross_cents),
      }),
    ),
    ...invoice.sources.map((s) =>
      h(
        "p",
        {},
        t("source", {
          consultant: s.consultant,
          month: s.month,
          days: days(s.half_days),
          status: s.status,
          ref: s.timesheet_id,
        }),
      ),
    ),
  );
  if (invoice.status === "draft") {
    const issue = h(
      "button",
      {
        type: "button",
        "data-testid": "issue",
        onclick: () =>
          after(call("POST", `/invoices/${id}/issue`)).catch((e) => say(problemText(e), true)),
      },
      t("issue"),
    );
    detail.append(issue);
    if (invoice.lines.length) {
      detail.append(
        form(
          t("adjust"),
          [
            ["quantity", "number", t("quantity"), invoice.lines[0].quantity],
            ["reason", "text", t("reason")],
          ],
          (data) =>
            after(
              call("POST", `/invoices/${id}/adjustments`, {
                line_key: invoice.lines[0].key,
                quantity: Number(data.quantity),
                reason: data.reason,
              }),
            ),
        ),
      );
    }
  } else {
    detail.append(
      h(
        "p",
        {},
        h("a", { href: `/api/v1/invoices/${id}/pdf`, target: "_blank" }, t("pdf")),
        " · ",
        h("a", { href: `/api/v1/invoices/${id}/factur-x.xml` }, t("xml")),
      ),
    );
    if (invoice.kind === "invoice") {
      const due = invoice.gross_cents - invoice.paid_cents;
      if (due > 0) {
        detail.append(
          form(
            t("pay"),
            [
              ["paid_on", "date", t("date"), paymentDay(invoice.issued_on)],
              ["amount_cents", "number", t("amount"), due],
            ],
            (data) =>
              after(
                call("POST", `/invoices/${id}/payments`, {
                  paid_on: data.paid_on,
                  amount_cents: Number(data.amount_cents),
                }),
              ),
          ),
        );
      }
      detail.append(
        form(t("credit"), [["reason", "text", t("reason")]], (data) =>
          after(call("POST", `/invoices/${id}/credit-notes`, { reason: data.reason })),
        ),
      );
    }
    if (invoice.payments.length) {
      const list = invoice.payments.map((p) => `${p.paid_on} ${euros(p.amount_cents)}`);
      detail.append(h("p", {}, t("payments", { list: list.join(", ") })));
    }
  }
  detail.hidden = false;
  detail.scrollIntoView();
}

document.getElementById("lang")?.addEventListener("change", (event) => {
  setLocale(/** @type {any} */ (/** @type {HTMLSelectElement} */ (event.target).value));
  translate();
  refresh();
  if (shown && !document.getElementById("detail")?.hidden) show(shown);
});
const cents = (text) => Math.round(Number(text) * 100);

function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] ?? "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function setUpExpenses() {
  const expenseForm = /** @type {HTMLFormElement} */ (document.getElementById("expense"));
  const select = /** @type {HTMLSelectElement} */ (expenseForm.elements.namedItem("mission_id"));
  try {
    for (const mission of await call("GET", "/missions")) {
      select.append(h("option", { value: mission.id }, mission.title));
    }
  } catch {
    return;
  }
  expenseForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(expenseForm);
    const file = data.get("receipt");
    const hasFile = file instanceof File && file.size > 0;
    try {
      await call("POST", "/expenses", {
        mission_id: data.get("mission_id"),
        spent_on: data.get("spent_on"),
        category: data.get("category"),
        amount_cents: cents(data.get("amount")),
        vat_cents: cents(data.get("vat") || "0"),
        rebill: data.get("rebill") === "on",
        receipt_name: hasFile ? file.name : "",
        receipt_type: hasFile ? file.type : "",
        receipt_base64: hasFile ? await base64Of(file) : "",
      });
      expenseForm.reset();
      say(t("done"));
      await refresh();
    } catch (error) {
      say(problemText(error), true);
    }
  });
}

translate();
refresh();
setUpExpenses();
