// The administrator's billing page: pre-invoices to review, issued and paid invoices, an
// invoice's detail and PDF, issuing, a line adjustment, a credit note, a payment. Standalone
// (not part of the app shell); it uses the session cookie of the main app.

const API = "/api/v1";
const TEXT = {
  fr: {
    title: "Facturation", lang: "Langue", draft: "À revoir", issued: "Émises", paid: "Payées",
    login: "Connectez-vous d'abord dans Carnet avec un compte administrateur.",
    issue: "Émettre", pdf: "PDF Factur-X", xml: "XML", pay: "Enregistrer un paiement",
    credit: "Émettre un avoir (total restant)", adjust: "Ajuster la ligne", reason: "Motif",
    quantity: "Quantité (demi-journées ou unités)", amount: "Montant (centimes)", date: "Date",
    line: "Ligne", net: "Total HT", vat: "TVA", gross: "Total TTC", due: "Échéance",
    period: "Période", cra: "CRA", done: "Enregistré.", none: "Aucune", back: "Retour",
    preinvoice: "Pré-facture", creditnote: "Avoir", payments: "Paiements",
    expense: "Saisir une dépense", mission: "Mission", category: "Catégorie",
    amountHt: "Montant HT (€)", vatPaid: "TVA payée (€)", rebill: "Refacturée",
    receipt: "Justificatif", save: "Enregistrer",
  },
  en: {
    title: "Billing", lang: "Language", draft: "To review", issued: "Issued", paid: "Paid",
    login: "Log in to Carnet first with an administrator account.",
    issue: "Issue", pdf: "Factur-X PDF", xml: "XML", pay: "Record a payment",
    credit: "Issue a credit note (all that remains)", adjust: "Adjust the line",
    reason: "Reason", quantity: "Quantity (half-days or units)", amount: "Amount (cents)",
    date: "Date", line: "Line", net: "Total excl. VAT", vat: "VAT", gross: "Total incl. VAT",
    due: "Due", period: "Period", cra: "Timesheet", done: "Saved.", none: "None",
    back: "Back", preinvoice: "Pre-invoice", creditnote: "Credit note", payments: "Payments",
    expense: "Record an expense", mission: "Mission", category: "Category",
    amountHt: "Amount excl. VAT (€)", vatPaid: "VAT paid (€)", rebill: "Re-billed",
    receipt: "Receipt", save: "Save",
  },
};
let lang = localStorage.getItem("carnet.lang") === "en" ? "en" : "fr";
const t = (key) => TEXT[lang][key] ?? key;

function csrf() {
  const part = document.cookie.split(";").map((p) => p.trim()).find((p) => p.startsWith("csrftoken="));
  return part ? decodeURIComponent(part.slice("csrftoken=".length)) : "";
}

async function call(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") {
    init.headers["x-csrftoken"] = csrf();
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  const response = await fetch(API + path, init);
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const detail = data?.errors?.length
      ? data.errors.map((e) => `${e.field}: ${e.message}`).join(" ; ")
      : data?.detail ?? response.statusText;
    throw Object.assign(new Error(`${data?.detail ?? response.status} (${detail})`), { status: response.status });
  }
  return data;
}

const euros = (cents) =>
  new Intl.NumberFormat(lang === "fr" ? "fr-FR" : "en-GB", { style: "currency", currency: "EUR" })
    .format(cents / 100);
const quantity = (line) => (line.unit === "half_day" ? `${line.quantity / 2} j` : String(line.quantity));

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

function say(text, isError = false) {
  const message = document.getElementById("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
}

function translate() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  document.getElementById("lang").value = lang;
}

async function refresh() {
  let invoices;
  try {
    invoices = await call("GET", "/invoices");
  } catch (error) {
    say(error.status === 401 || error.status === 403 ? t("login") : error.message, true);
    return;
  }
  for (const status of ["draft", "issued", "paid"]) {
    const list = document.getElementById(`list-${status}`);
    list.replaceChildren();
    for (const invoice of invoices.filter((i) => i.status === status)) {
      const name = invoice.number ?? `${t("preinvoice")} ${invoice.period_start.slice(0, 7)}`;
      const kind = invoice.kind === "credit_note" ? ` (${t("creditnote")})` : "";
      const button = el("button", { type: "button" },
        `${name}${kind} — ${invoice.client_name} — ${euros(invoice.gross_cents)}`);
      button.addEventListener("click", () => show(invoice.id));
      list.append(el("li", {}, button));
    }
    if (!list.children.length) list.append(el("li", { className: "muted" }, t("none")));
  }
}

function form(label, fields, submit) {
  const node = el("form");
  for (const [name, type, text, value] of fields) {
    node.append(el("label", {}, text, el("input", { name, type, required: true, value: value ?? "" })));
  }
  node.append(el("button", { type: "submit" }, label));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(node));
    try {
      await submit(data);
      say(t("done"));
    } catch (error) {
      say(error.message, true);
    }
  });
  return node;
}

async function show(id) {
  const invoice = await call("GET", `/invoices/${id}`);
  const detail = document.getElementById("detail");
  const title = invoice.number ?? t("preinvoice");
  const back = el("button", { type: "button" }, t("back"));
  back.addEventListener("click", () => { detail.hidden = true; });
  const rows = invoice.lines.map((line) => el("tr", {},
    el("td", {}, line.label, el("br"), el("small", {}, line.description)),
    el("td", { className: "n" }, quantity(line)),
    el("td", { className: "n" }, euros(line.unit_price_cents)),
    el("td", { className: "n" }, `${line.vat_rate_bp / 100} %`),
    el("td", { className: "n" }, euros(line.net_cents))));
  const after = async (promise) => { await promise; await refresh(); await show(id); };
  detail.replaceChildren(
    back,
    el("h2", {}, `${title} — ${invoice.client_name}`),
    el("p", {}, `${t("period")} : ${invoice.period_start} → ${invoice.period_end}` +
      (invoice.due_on ? ` · ${t("due")} : ${invoice.due_on}` : "")),
    ...invoice.warnings.map((w) => el("p", { className: w.blocking ? "blocking" : "warning" }, w.message)),
    el("table", {}, el("tbody", {}, ...rows)),
    el("p", {}, `${t("net")} ${euros(invoice.net_cents)} · ${t("vat")} ${euros(invoice.vat_cents)} · ` +
      `${t("gross")} ${euros(invoice.gross_cents)}`),
    ...invoice.sources.map((s) => el("p", {},
      `${t("cra")} ${s.consultant} ${s.month} : ${s.half_days / 2} j (${s.status}, réf. ${s.timesheet_id})`)),
  );
  if (invoice.status === "draft") {
    const issue = el("button", { type: "button" }, t("issue"));
    issue.dataset.testid = "issue";
    issue.addEventListener("click", () =>
      after(call("POST", `/invoices/${id}/issue`)).catch((e) => say(e.message, true)));
    detail.append(issue);
    if (invoice.lines.length) {
      detail.append(form(t("adjust"), [
        ["quantity", "number", t("quantity"), invoice.lines[0].quantity],
        ["reason", "text", t("reason")],
      ], (data) => after(call("POST", `/invoices/${id}/adjustments`, {
        line_key: invoice.lines[0].key, quantity: Number(data.quantity), reason: data.reason,
      }))));
    }
  } else {
    detail.append(
      el("p", {}, el("a", { href: `${API}/invoices/${id}/pdf`, target: "_blank" }, t("pdf")), " · ",
        el("a", { href: `${API}/invoices/${id}/factur-x.xml` }, t("xml"))),
    );
    if (invoice.kind === "invoice") {
      const due = invoice.gross_cents - invoice.paid_cents;
      if (due > 0) {
        detail.append(form(t("pay"), [
          ["paid_on", "date", t("date"), new Date().toISOString().slice(0, 10)],
          ["amount_cents", "number", t("amount"), due],
        ], (data) => after(call("POST", `/invoices/${id}/payments`, {
          paid_on: data.paid_on, amount_cents: Number(data.amount_cents),
        }))));
      }
      detail.append(form(t("credit"), [["reason", "text", t("reason")]],
        (data) => after(call("POST", `/invoices/${id}/credit-notes`, { reason: data.reason }))));
    }
    if (invoice.payments.length) {
      detail.append(el("p", {}, `${t("payments")} : ` +
        invoice.payments.map((p) => `${p.paid_on} ${euros(p.amount_cents)}`).join(", ")));
    }
  }
  detail.hidden = false;
  detail.scrollIntoView();
}

document.getElementById("lang").addEventListener("change", (event) => {
  lang = event.target.value;
  localStorage.setItem("carnet.lang", lang);
  translate();
  refresh();
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
  const expenseForm = document.getElementById("expense");
  const select = expenseForm.elements.namedItem("mission_id");
  try {
    for (const mission of await call("GET", "/missions")) {
      select.append(el("option", { value: mission.id }, mission.title));
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
      say(error.message, true);
    }
  });
}

translate();
refresh();
setUpExpenses();
