// Expenses (#expenses), loaded on demand: a consultant's lines of the month with the form to
// add one (receipt photos from the camera or files), the manager's lines to decide, and the
// administrator's exports. A photo is shrunk on the phone with a canvas (which leaves its EXIF
// behind: position, camera) and hashed (SHA-256, the receipt's id on the server); the line and
// its photos go into the device's one queue in one transaction (store.decide "file_expense"),
// online or not, and the one sync loop uploads the photos, then sends the line
// (docs/expenses.md). Editing, deleting a line and handing in the month's drafts go through the
// same queue (online/expense-queue.js), so they work offline too: the page shows the server's
// lines (or the copy kept from the last time it was reached) with the queued changes over them.
// Kept by the service worker once opened, so it opens offline too.

import { ApiError, request } from "../api.js";
import { addStrings, formatMonthName, t } from "../i18n.js";
import { formatMonth, nextMonth, parseMonth, previousMonth } from "../core/months.js";
import { announce, h, render } from "../views/dom.js";
import { CATEGORIES, MILEAGE_KINDS, VAT_RATES_BP, splitVat, tripAllowanceCents } from "./expense-rules.js";
import { EXPENSE_KINDS, argsOf, changeLine, linesOf } from "./expense-queue.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "exp.title": ["Notes de frais", "Expenses"],
  "exp.back": ["← Accueil", "← Home"],
  "exp.prev": ["Mois précédent", "Previous month"],
  "exp.next": ["Mois suivant", "Next month"],
  "exp.mine": ["Mes frais du mois", "My expenses this month"],
  "exp.none": ["Aucune dépense ce mois-ci.", "No expense this month."],
  "exp.total": ["Total : {amount} · approuvé : {approved}", "Total: {amount} · approved: {approved}"],
  "exp.add": ["Ajouter une dépense", "Add an expense"],
  "exp.date": ["Date", "Date"],
  "exp.mission": ["Mission", "Mission"],
  "exp.internal": ["Interne (sans mission)", "Internal (no mission)"],
  "exp.category": ["Catégorie", "Category"],
  "exp.cat.meal": ["Repas", "Meal"],
  "exp.cat.train": ["Train", "Train"],
  "exp.cat.hotel": ["Hôtel", "Hotel"],
  "exp.cat.taxi": ["Taxi", "Taxi"],
  "exp.cat.mileage": ["Indemnités kilométriques", "Mileage"],
  "exp.cat.mileage_motorcycle": ["Indemnités kilométriques (moto)", "Mileage (motorcycle)"],
  "exp.cat.mileage_moped": ["Indemnités kilométriques (cyclomoteur)", "Mileage (moped)"],
  "exp.cat.other": ["Autre", "Other"],
  "exp.amount": ["Montant TTC à {rate}", "Amount incl. VAT at {rate}"],
  "exp.amountHelp": [
    "Un montant par taux de TVA imprimé sur le justificatif (ex. 10 % repas, 20 % boissons).",
    "One amount per VAT rate printed on the receipt (e.g. 10% food, 20% drinks).",
  ],
  "exp.split": ["HT {net} · TVA {vat} · TTC {gross}", "Net {net} · VAT {vat} · total {gross}"],
  "exp.distance": ["Distance (km)", "Distance (km)"],
  "exp.power": ["Puissance fiscale (CV)", "Fiscal power (CV)"],
  "exp.electric": ["Véhicule 100 % électrique", "Fully electric vehicle"],
  "exp.allowance": [
    "Indemnité : {amount} (barème kilométrique, calculée par le serveur selon vos kilomètres de l'année)",
    "Allowance: {amount} (mileage scale, computed by the server from your km this year)",
  ],
  "exp.comment": ["Commentaire", "Comment"],
  "exp.receipts": ["Justificatifs (photo ou PDF)", "Receipts (photo or PDF)"],
  "exp.receiptsHelp": [
    "Les photos sont réduites sur le téléphone et perdent leur position GPS avant l'envoi.",
    "Photos are shrunk on the phone and lose their GPS position before they are sent.",
  ],
  "exp.photo": ["{name} : {size} Ko", "{name}: {size} KB"],
  "exp.save": ["Enregistrer la dépense", "Save the expense"],
  "exp.uploading": ["Envoi des justificatifs…", "Uploading the receipts…"],
  "exp.saved": ["Dépense enregistrée.", "Expense saved."],
  "exp.refusedForm": ["Non enregistré : corrigez le champ signalé.", "Not saved: fix the field shown."],
  "exp.submit": ["Envoyer les frais du mois au manager", "Send the month's expenses to the manager"],
  "exp.withTheMonth": [
    "Vos frais partent avec le CRA du mois : ils sont envoyés quand vous le soumettez, et validés avec lui.",
    "Your expenses go with the month's report: they are sent when you submit it, and approved with it.",
  ],
  "exp.submitted": [
    "{count} {count|dépense envoyée|dépenses envoyées}.",
    "{count} {count|expense|expenses} sent.",
  ],
  "exp.delete": ["Supprimer", "Delete"],
  "exp.status.draft": ["Brouillon", "Draft"],
  "exp.status.submitted": ["Envoyée", "Submitted"],
  "exp.status.approved": ["Approuvée", "Approved"],
  "exp.status.refused": ["Refusée", "Refused"],
  "exp.reason": ["Motif du refus : {reason}", "Reason for refusal: {reason}"],
  "exp.receipt": ["Justificatif {n}", "Receipt {n}"],
  "exp.review": ["Frais à valider", "Expenses to decide"],
  "exp.reviewNone": ["Aucune dépense envoyée ce mois-ci.", "No expense submitted this month."],
  "exp.approve": ["Approuver", "Approve"],
  "exp.refuse": ["Refuser", "Refuse"],
  "exp.refuseReason": ["Motif (obligatoire pour refuser)", "Reason (required to refuse)"],
  "exp.reasonRequired": ["Indiquez le motif du refus.", "Give the reason for the refusal."],
  "exp.exports": ["Exports du mois", "Month's exports"],
  "exp.payroll": ["Frais à rembourser (CSV paie)", "Expenses to reimburse (payroll CSV)"],
  "exp.pdf": ["Justificatifs approuvés (PDF)", "Approved receipts (PDF)"],
  "exp.policy": ["Refacturation des frais au client", "Re-billing expenses to the client"],
  "exp.policyHelp": [
    "Pour la mission choisie : les frais approuvés rejoignent la pré-facture du mois, avec la marge indiquée.",
    "For the chosen mission: approved expenses join the month's pre-invoice, with the margin given.",
  ],
  "exp.policyRebill": ["Refacturer les frais approuvés", "Re-bill approved expenses"],
  "exp.policyMargin": ["Marge (%)", "Margin (%)"],
  "exp.policySave": ["Enregistrer la règle", "Save the rule"],
  "exp.policySaved": ["Règle enregistrée.", "Rule saved."],
  "exp.offline": [
    "Hors ligne : les notes de frais déjà envoyées s'affichent au retour du réseau ; celles saisies ici partiront alors.",
    "Offline: expenses already sent show when the network is back; those filed here leave then.",
  ],
  "exp.queued": [
    "Dépense gardée sur cet appareil : elle partira, avec ses justificatifs, au retour du réseau.",
    "Expense kept on this device: it leaves, with its receipts, when the network is back.",
  ],
  "exp.pending": ["En attente d'envoi", "Waiting to be sent"],
  "exp.monthReview": ["Notes de frais du mois", "The month's expenses"],
  "exp.monthTotal": [
    "Envoyé : {amount} · approuvé : {approved} · à décider : {count}",
    "Submitted: {amount} · approved: {approved} · to decide: {count}",
  ],
  "exp.monthOffline": [
    "Hors ligne : les notes de frais du mois s'affichent au retour du réseau.",
    "Offline: the month's expenses show when the network is back.",
  ],
  "exp.decided": ["Décision enregistrée : {status}.", "Decision saved: {status}."],
  "exp.pendingPhotos": [
    "{count} {count|justificatif en attente d'envoi|justificatifs en attente d'envoi}",
    "{count} {count|receipt|receipts} waiting to upload",
  ],
  "exp.rejected": ["Dépense refusée par le serveur : {detail}", "Expense refused by the server: {detail}"],
  "exp.dismiss": ["Masquer", "Dismiss"],
  "exp.required": ["À remplir.", "Required."],
  "exp.edit": ["Modifier", "Edit"],
  "exp.editTitle": ["Modifier la dépense", "Edit the expense"],
  "exp.cancel": ["Annuler", "Cancel"],
  "exp.editSaved": ["Modification enregistrée.", "Change saved."],
  "exp.editQueued": [
    "Modification gardée sur cet appareil : elle partira au retour du réseau.",
    "Change kept on this device: it leaves when the network is back.",
  ],
  "exp.deleted": ["Dépense supprimée.", "Expense deleted."],
  "exp.deleteQueued": [
    "Suppression gardée sur cet appareil : elle partira au retour du réseau.",
    "Deletion kept on this device: it leaves when the network is back.",
  ],
  "exp.submitQueued": [
    "Remise des frais gardée sur cet appareil : elle partira au retour du réseau.",
    "Hand-in kept on this device: it leaves when the network is back.",
  ],
  "exp.handing": ["Remise en attente d'envoi", "Hand-in waiting to be sent"],
  "exp.keep": ["Garder le justificatif {n}", "Keep receipt {n}"],
  "exp.refused.edit_expense": ["Modification refusée : {why}", "Change refused: {why}"],
  "exp.refused.delete_expense": ["Suppression refusée : {why}", "Deletion refused: {why}"],
  "exp.refused.submit_expenses": ["Remise des frais refusée : {why}", "Hand-in refused: {why}"],
  "exp.why.already_submitted": [
    "la dépense est déjà envoyée au manager",
    "the expense was already sent to the manager",
  ],
  "exp.why.already_approved": ["la dépense est déjà approuvée", "the expense was already approved"],
  "exp.why.no_draft": ["aucun brouillon à envoyer ce mois-ci", "no draft to send this month"],
  "exp.why.not_found": ["cette dépense n'existe plus", "this expense no longer exists"],
  "exp.why.goes_with_the_month": [
    "vos frais partent avec le CRA du mois",
    "your expenses go with the month's report",
  ],
  "exp.offlineCopy": [
    "Hors ligne : vos notes de frais telles qu'à la dernière connexion ; vos changements partiront au retour du réseau.",
    "Offline: your expenses as at the last connection; your changes leave when the network is back.",
  ],
  "exp.noStorage": [
    "Ce navigateur refuse de garder des données : la dépense ne peut pas être enregistrée ici.",
    "This browser refuses to keep data: the expense cannot be saved here.",
  ],
};
addStrings(STRINGS);

const MAX_SIDE = 1600;
const MAX_BYTES = 400 * 1024;

/** @param {number} cents */
function euros(cents) {
  return new Intl.NumberFormat(document.documentElement.lang || "fr", {
    style: "currency",
    currency: "EUR",
  }).format(cents / 100);
}

/** "12,50" or "12.5" → 1250; null when it is not an amount. @param {string} text */
function cents(text) {
  const m = /^\s*(\d{1,6})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  return m ? Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0")) : null;
}

/** A photo drawn on a canvas at a legible size, as JPEG: what the camera wrote around the
 * pixels (EXIF: position, camera, time) is not carried over. A PDF goes as it is.
 * @param {File} file */
export async function shrink(file) {
  if (!file.type.startsWith("image/")) return file;
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  const canvas = h("canvas", { width, height });
  /** @type {HTMLCanvasElement} */ (canvas).getContext("2d")?.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  let blob = null;
  for (const quality of [0.8, 0.7, 0.6, 0.5, 0.4]) {
    blob = await new Promise((resolve) =>
      /** @type {HTMLCanvasElement} */ (canvas).toBlob(resolve, "image/jpeg", quality),
    );
    if (blob && blob.size <= MAX_BYTES) break;
  }
  return /** @type {Blob} */ (blob);
}

/** @param {Blob} blob */
async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Where refusals go: one box per field name, and one for the rest. */
function errorSlots() {
  /** @type {Map<string, HTMLElement>} */
  const slots = new Map();
  return {
    slot(name) {
      const el = h("p", { class: "error", id: `exp-${name}-error`, hidden: true });
      slots.set(name, el);
      return el;
    },
    clear() {
      for (const el of slots.values()) el.hidden = true;
    },
    /** @param {any} error @param {HTMLElement} status */
    show(error, status) {
      status.className = "error";
      if (!(error instanceof ApiError)) {
        status.textContent = String(error);
        return;
      }
      status.textContent = error.errors.length ? t("exp.refusedForm") : error.detail;
      for (const e of error.errors) {
        const name = String(e.field).replace(/\[\d+\].*|\..*/, "");
        const place = slots.get(name);
        if (place) {
          place.textContent = e.message;
          place.hidden = false;
        } else status.textContent += ` ${e.field} : ${e.message}`;
      }
    },
  };
}

/** @param {string} label @param {string} name @param {HTMLElement} input @param {HTMLElement} error */
function field(label, name, input, error) {
  input.id = `exp-${name}`;
  input.setAttribute("name", name);
  input.setAttribute("aria-describedby", `exp-${name}-error`);
  return h("div", {}, h("label", { for: `exp-${name}` }, label, input), error);
}

/**
 * A line; the consultant's own come with their queued state, a refusal of a change of theirs,
 * and the buttons that edit and delete them.
 * @param {any} line @param {(() => void) | null} onDelete
 * @param {{onEdit?: () => void, note?: Node | null}} [own]
 */
function lineView(line, onDelete, own = {}) {
  const amount = line.gross_cents == null ? `${line.distance_km} km` : euros(line.gross_cents);
  const queued = line.queued !== undefined;
  return h(
    "li",
    {
      class: "card",
      "data-testid": queued ? "expense-queued" : "expense-line",
      "data-status": line.status,
      "data-id": line.id,
    },
    h(
      "p",
      {},
      h("b", {}, `${line.spent_on} · ${t(`exp.cat.${line.category}`)} · ${amount}`),
      " ",
      h(
        "span",
        { class: `badge status-${queued ? "draft" : line.status}` },
        queued ? t("exp.pending") : t(`exp.status.${line.status}`),
      ),
      line.handing ? " " : null,
      line.handing ? h("span", { class: "badge", "data-testid": "expense-handing" }, t("exp.handing")) : null,
    ),
    line.consultant_name ? h("p", { class: "muted" }, line.consultant_name) : null,
    line.comment ? h("p", {}, line.comment) : null,
    line.refusal_reason && line.status !== "approved"
      ? h(
          "p",
          { class: "notice warn", "data-testid": "refusal-reason" },
          t("exp.reason", { reason: line.refusal_reason }),
        )
      : null,
    line.receipts.length && !queued
      ? h(
          "p",
          { class: "links" },
          ...line.receipts.flatMap((/** @type {string} */ sha, /** @type {number} */ i) => [
            i ? " · " : "",
            h(
              "a",
              {
                href: `/api/v1/expense-lines/${line.id}/receipts/${sha}`,
                target: "_blank",
                rel: "noopener",
                "data-testid": "receipt-link",
              },
              t("exp.receipt", { n: i + 1 }),
            ),
          ]),
        )
      : null,
    own.note ?? null,
    own.onEdit || onDelete
      ? h(
          "p",
          { class: "links" },
          own.onEdit
            ? h("button", { type: "button", class: "secondary small", onclick: own.onEdit }, t("exp.edit"))
            : null,
          own.onEdit && onDelete ? " " : null,
          onDelete
            ? h("button", { type: "button", class: "secondary small", onclick: onDelete }, t("exp.delete"))
            : null,
        )
      : null,
  );
}

/** Why the server refused a queued change, in words. @param {any} result */
function why(result) {
  const code = result?.reason;
  return Object.hasOwn(STRINGS, `exp.why.${code}`) ? t(`exp.why.${code}`) : (result?.detail ?? code ?? "");
}

/** Where the server's lines are kept for the screen offline (this person, this month). */
const COPY = "carnet.expenses.";

/** @param {string} name */
function readCopy(name) {
  try {
    return JSON.parse(localStorage.getItem(COPY + name) ?? "null");
  } catch {
    return null;
  }
}

/** The form of a new line, or of a change of `editing`; `done` redraws the page once it is
 * queued (and sent, online).
 * @param {any[]} missions @param {string} month @param {(said: string) => Promise<void>} done
 * @param {any} device  app.js's device: its store (the one queue) and sync loop
 * @param {any} [editing]  a line of expense-queue.js linesOf */
function expenseForm(missions, month, done, device, editing = null) {
  const errors = errorSlots();
  const status = h("p", { role: "status", class: "muted", "data-testid": "expense-status" });
  const [year, mon] = month.split("-").map(Number);
  const today = new Date();
  const sameMonth = today.getFullYear() === year && today.getMonth() + 1 === mon;
  const date = h("input", {
    type: "date",
    required: true,
    min: `${month}-01`,
    max: `${month}-${String(new Date(year, mon, 0).getDate()).padStart(2, "0")}`,
    value: sameMonth ? `${month}-${String(today.getDate()).padStart(2, "0")}` : `${month}-01`,
  });
  const mission = h(
    "select",
    {},
    h("option", { value: "" }, t("exp.internal")),
    ...missions.map((m) => h("option", { value: m.id }, m.title)),
  );
  const category = h(
    "select",
    {},
    ...CATEGORIES.map((c) => h("option", { value: c }, t(`exp.cat.${c}`))),
  );
  // The longest category name is wider than a 390 px phone: the select keeps to its column
  // (set through the CSSOM, which the style-src 'self' policy allows, unlike a style attribute).
  category.style.maxWidth = "100%";
  const amounts = VAT_RATES_BP.map((rate) =>
    h("input", { type: "text", inputmode: "decimal", autocomplete: "off", "data-rate": rate }),
  );
  const split = h("p", { class: "muted", "aria-live": "polite", "data-testid": "expense-split" });
  const distance = h("input", { type: "text", inputmode: "numeric" });
  const power = h("input", { type: "text", inputmode: "numeric", value: "5" });
  const electric = h("input", { type: "checkbox" });
  const allowance = h("p", { class: "muted", "aria-live": "polite" });
  const comment = h("textarea", { rows: 2, maxlength: 500 });
  const files = h("input", {
    type: "file",
    accept: "image/*,application/pdf",
    capture: "environment",
    multiple: true,
    "data-testid": "expense-files",
  });
  const chosen = h("ul", { class: "muted", "data-testid": "expense-photos" });
  /** @type {Array<Blob>} */
  let prepared = [];
  const rateLabel = (rate) => `${(rate / 100).toLocaleString(document.documentElement.lang)} %`;
  const receiptFields = h(
    "div",
    { class: "stack" },
    h("p", { class: "muted" }, t("exp.amountHelp")),
    ...amounts.map((input, i) =>
      field(
        t("exp.amount", { rate: rateLabel(VAT_RATES_BP[i]) }),
        `amount-${VAT_RATES_BP[i]}`,
        input,
        errors.slot(`amount-${VAT_RATES_BP[i]}`),
      ),
    ),
    errors.slot("vat_lines"),
    split,
  );
  const mileageFields = h(
    "div",
    { class: "stack", hidden: true },
    field(t("exp.distance"), "distance_km", distance, errors.slot("distance_km")),
    field(t("exp.power"), "fiscal_power", power, errors.slot("fiscal_power")),
    h("label", { class: "check" }, electric, ` ${t("exp.electric")}`),
    allowance,
  );
  const vatLines = () =>
    amounts
      .map((input, i) => [VAT_RATES_BP[i], cents(/** @type {HTMLInputElement} */ (input).value)])
      .filter(([, value]) => value !== null && value > 0);
  const preview = () => {
    const mileage = MILEAGE_KINDS.includes(/** @type {HTMLSelectElement} */ (category).value);
    receiptFields.hidden = mileage;
    mileageFields.hidden = !mileage;
    try {
      if (mileage) {
        const km = Number(/** @type {HTMLInputElement} */ (distance).value);
        const cv = Number(/** @type {HTMLInputElement} */ (power).value);
        allowance.textContent = km
          ? t("exp.allowance", {
              amount: euros(
                tripAllowanceCents({
                  year,
                  motorcycle: /** @type {HTMLSelectElement} */ (category).value === "mileage_motorcycle",
                  moped: /** @type {HTMLSelectElement} */ (category).value === "mileage_moped",
                  fiscalPower: cv,
                  electric: /** @type {HTMLInputElement} */ (electric).checked,
                  distanceKm: km,
                }),
              ),
            })
          : "";
      } else {
        const lines = vatLines();
        const s = lines.length ? splitVat(lines) : null;
        split.textContent = s
          ? t("exp.split", { net: euros(s.net_cents), vat: euros(s.vat_cents), gross: euros(s.gross_cents) })
          : "";
      }
    } catch {
      split.textContent = allowance.textContent = "";
    }
  };
  for (const input of [category, distance, power, electric, ...amounts]) {
    input.addEventListener("input", preview);
    input.addEventListener("change", preview);
  }
  files.addEventListener("change", async () => {
    const list = [.../** @type {HTMLInputElement} */ (files).files ?? []];
    prepared = [];
    chosen.replaceChildren();
    for (const file of list) {
      const blob = await shrink(file);
      prepared.push(blob);
      chosen.append(
        h("li", {}, t("exp.photo", { name: file.name, size: Math.ceil(blob.size / 1024) })),
      );
    }
  });
  const button = h("button", { type: "submit", class: "primary" }, t("exp.save"));
  const form = h(
    "form",
    { class: "stack", novalidate: true, "data-testid": "expense-form" },
    field(t("exp.date"), "spent_on", date, errors.slot("spent_on")),
    field(t("exp.mission"), "mission_id", mission, errors.slot("mission_id")),
    field(t("exp.category"), "category", category, errors.slot("category")),
    receiptFields,
    mileageFields,
    field(t("exp.comment"), "comment", comment, errors.slot("comment")),
    field(t("exp.receipts"), "receipts", files, errors.slot("receipts")),
    h("p", { class: "muted" }, t("exp.receiptsHelp")),
    chosen,
    button,
    status,
  );
  let busy = false;
  /** @type {HTMLElement[]} the line's receipts, to keep or not */
  let kept = [];
  if (editing) {
    // The line's values, to change.
    /** @type {HTMLInputElement} */ (date).value = String(editing.spent_on);
    /** @type {HTMLSelectElement} */ (mission).value = editing.mission_id ?? "";
    /** @type {HTMLSelectElement} */ (category).value = editing.category;
    for (const [i, input] of amounts.entries()) {
      const found = editing.vat_lines.find((/** @type {any} */ v) => v.rate_bp === VAT_RATES_BP[i]);
      /** @type {HTMLInputElement} */ (input).value = found
        ? (found.gross_cents / 100).toFixed(2).replace(".", ",")
        : "";
    }
    if (editing.distance_km != null) {
      /** @type {HTMLInputElement} */ (distance).value = String(editing.distance_km);
      /** @type {HTMLInputElement} */ (power).value = String(editing.fiscal_power);
      /** @type {HTMLInputElement} */ (electric).checked = Boolean(editing.electric);
    }
    /** @type {HTMLTextAreaElement} */ (comment).value = editing.comment ?? "";
    // Its receipts stay unless unticked (a photo nothing queued names any more is then
    // forgotten on the device with the change: expense-queue.js); new photos join them.
    kept = editing.receipts.map((/** @type {string} */ sha) =>
      h("input", { type: "checkbox", checked: true, value: sha, "data-testid": "keep-receipt" }),
    );
    chosen.before(
      ...kept.map((box, i) => h("label", { class: "check" }, box, ` ${t("exp.keep", { n: i + 1 })}`)),
    );
    button.after(
      " ",
      h("button", { type: "button", class: "secondary", onclick: () => done("") }, t("exp.cancel")),
    );
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.setAttribute("aria-disabled", "true");
    errors.clear();
    const mileage = MILEAGE_KINDS.includes(/** @type {HTMLSelectElement} */ (category).value);
    const store = device?.store;
    try {
      status.className = "muted";
      status.textContent = "";
      // What the server would refuse for a missing value, said before anything is kept.
      const km = Number(/** @type {HTMLInputElement} */ (distance).value) || null;
      const cv = Number(/** @type {HTMLInputElement} */ (power).value) || null;
      const missing = mileage
        ? [!km && "distance_km", !cv && "fiscal_power"]
        : [!vatLines().length && `amount-${VAT_RATES_BP[0]}`];
      missing.push(!(/** @type {HTMLInputElement} */ (date).value) && "spent_on");
      const fields = missing.filter(Boolean);
      if (fields.length) {
        errors.show(new ApiError({ status: 422, title: "", errors: fields.map((f) => ({ field: f, message: t("exp.required") })) }), status);
        return;
      }
      if (!store) throw new Error(t("exp.noStorage"));
      const receipts = [];
      for (const blob of prepared) receipts.push({ sha256: await sha256(blob), blob });
      const args = {
        id: editing?.id ?? crypto.randomUUID(),
        spent_on: /** @type {HTMLInputElement} */ (date).value,
        mission_id: /** @type {HTMLSelectElement} */ (mission).value || null,
        category: /** @type {HTMLSelectElement} */ (category).value,
        comment: /** @type {HTMLTextAreaElement} */ (comment).value.trim(),
        receipts: [
          ...new Set([
            ...kept.filter((box) => /** @type {HTMLInputElement} */ (box).checked).map((box) => box.getAttribute("value")),
            ...receipts.map((r) => r.sha256),
          ]),
        ],
        ...(mileage
          ? {
              distance_km: km,
              fiscal_power: cv,
              electric: /** @type {HTMLInputElement} */ (electric).checked,
            }
          : { vat_lines: vatLines().map(([rate_bp, gross_cents]) => ({ rate_bp, gross_cents })) }),
      };
      // The line and its photos in one transaction: kept together across a reload, a closed
      // tab or a lost network, and sent by the sync loop (receipts first).
      const label = { name: t(`exp.cat.${args.category}`) };
      const queued = editing
        ? await changeLine(store, "edit_expense", args, label, receipts)
        : await store.decide("file_expense", args, label, receipts);
      if (!queued.ok) throw new Error(queued.violations.map((v) => v.message).join(" "));
      status.textContent = t("exp.uploading");
      await device.sync.syncNow();
      const after = await store.decisions();
      const refused = after.rejected.find((d) => d.id === queued.id);
      if (refused) {
        // Refused at once (online): said next to its field; the form keeps what was typed.
        await store.dismissRejected(refused.id);
        const [where, ...why] = String(refused.result?.detail ?? "").split(": ");
        const message = why.join(": ") || refused.result?.reason || "";
        errors.show(new ApiError({ status: 422, title: "", errors: [{ field: where, message }] }), status);
        return;
      }
      const waits = after.pending.some((d) => d.id === queued.id);
      const said = t(editing ? (waits ? "exp.editQueued" : "exp.editSaved") : waits ? "exp.queued" : "exp.saved");
      announce(said);
      // Said by the redrawn page's form: said here first, it would announce a form about to
      // be replaced, and what is typed into it meanwhile would be lost.
      await done(said);
    } catch (error) {
      errors.show(error, status);
    } finally {
      busy = false;
      button.setAttribute("aria-disabled", "false");
    }
  });
  preview();
  return h(
    "section",
    { class: "card", "aria-labelledby": "exp-add-h", "data-testid": editing ? "expense-editing" : null },
    h("h2", { id: "exp-add-h" }, t(editing ? "exp.editTitle" : "exp.add")),
    form,
  );
}

/** The administrator's per-mission rule: re-bill approved expenses, with what margin. */
function policyForm(missions) {
  const errors = errorSlots();
  const status = h("p", { role: "status", class: "muted", "data-testid": "policy-status" });
  const mission = h("select", {}, ...missions.map((m) => h("option", { value: m.id }, m.title)));
  const rebill = h("input", { type: "checkbox" });
  const margin = h("input", { type: "text", inputmode: "decimal", value: "0" });
  let loads = 0;
  const load = async () => {
    const id = /** @type {HTMLSelectElement} */ (mission).value;
    if (!id) return;
    // Locked while the mission's rule loads: what is typed meanwhile would be overwritten.
    // Only the latest load fills and unlocks the form: a mission chosen while the first
    // mission's rule was still on its way must not be unlocked by that earlier answer, nor
    // have it written over what the administrator types next.
    const mine = ++loads;
    for (const input of [rebill, margin]) /** @type {HTMLInputElement} */ (input).disabled = true;
    try {
      const policy = await request("GET", `/missions/${id}/expense-policy`);
      if (mine !== loads) return;
      /** @type {HTMLInputElement} */ (rebill).checked = policy.rebill;
      /** @type {HTMLInputElement} */ (margin).value = String(policy.margin_bp / 100);
    } finally {
      if (mine === loads) {
        for (const input of [rebill, margin]) /** @type {HTMLInputElement} */ (input).disabled = false;
      }
    }
  };
  mission.addEventListener("change", () => load().catch((error) => errors.show(error, status)));
  const form = h(
    "form",
    { class: "stack", novalidate: true, "data-testid": "expense-policy" },
    field(t("exp.mission"), "policy-mission", mission, errors.slot("mission")),
    h("label", { class: "check" }, rebill, ` ${t("exp.policyRebill")}`),
    field(t("exp.policyMargin"), "margin_bp", margin, errors.slot("margin_bp")),
    h("button", { type: "submit", class: "primary small" }, t("exp.policySave")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.clear();
    const percent = cents(/** @type {HTMLInputElement} */ (margin).value);
    try {
      await request("PUT", `/missions/${/** @type {HTMLSelectElement} */ (mission).value}/expense-policy`, {
        rebill: /** @type {HTMLInputElement} */ (rebill).checked,
        // "12,5" % → 1250 basis points: the same two decimals as an amount in cents.
        margin_bp: percent ?? -1,
      });
      status.className = "muted";
      status.textContent = t("exp.policySaved");
    } catch (error) {
      errors.show(error, status);
    }
  });
  load().catch((error) => errors.show(error, status));
  return h(
    "section",
    { class: "card", "aria-labelledby": "exp-policy-h" },
    h("h2", { id: "exp-policy-h" }, t("exp.policy")),
    h("p", { class: "muted" }, t("exp.policyHelp")),
    form,
  );
}

/** A line to decide: approve, or refuse with the reason typed next to it; `redraw` gets the
 * decided line. @param {any} line @param {(decided?: any) => Promise<void>} redraw */
function decisionView(line, redraw) {
  const reason = h("input", { type: "text", maxlength: 500, "data-testid": "refusal-input" });
  const status = h("p", { role: "status", class: "muted" });
  const decide = async (approve) => {
    try {
      const decided = await request("POST", `/expense-lines/${line.id}/decision`, {
        approve,
        reason: /** @type {HTMLInputElement} */ (reason).value,
      });
      await redraw(decided);
    } catch (error) {
      status.className = "error";
      status.hidden = false;
      const missing = error instanceof ApiError && error.errors.some((e) => e.field === "reason");
      status.textContent = missing
        ? t("exp.reasonRequired")
        : error instanceof ApiError
          ? [error.detail, ...error.errors.map((e) => e.message)].filter(Boolean).join(" ")
          : String(error);
      if (missing) reason.focus();
    }
  };
  const view = lineView(line, null);
  if (line.status === "submitted") {
    view.append(
      field(t("exp.refuseReason"), `reason-${line.id}`, reason, status),
      h(
        "p",
        { class: "links" },
        h("button", { type: "button", class: "primary small", onclick: () => decide(true) }, t("exp.approve")),
        " ",
        h("button", { type: "button", class: "secondary small", onclick: () => decide(false) }, t("exp.refuse")),
      ),
    );
  }
  return view;
}

/** Where the consultant's last change (edit, deletion, hand-in) stands, until the next one. */
let said = "";

/**
 * The consultant's lines: the server's (or the copy kept from the last time it was reached)
 * with this device's queued changes over them, those the server refused when they arrived,
 * the buttons that edit and delete a line and hand in the month's drafts, all through the one
 * queue (store.decide, online/expense-queue.js) and the one sync loop, online or not.
 * @param {any} report  GET /expense-reports/{month}, or null offline
 * @param {any[]} lines  expense-queue.js linesOf
 * @param {any[]} rejected  the expense changes the server refused (store.decisions())
 * @param {number} photos  receipts waiting to upload
 */
function myLines(report, lines, rejected, photos, { store, key, redraw, device, copied }) {
  const status = h("p", { role: "status", class: "muted", "data-testid": "submit-status" }, said);
  const shown = new Set(lines.map((line) => line.id));
  const dismiss = (/** @type {any} */ d) =>
    h(
      "button",
      {
        type: "button",
        class: "secondary small",
        onclick: async () => {
          await store.dismissRejected(d.id);
          await redraw();
        },
      },
      t("exp.dismiss"),
    );
  const refusal = (/** @type {any} */ d) =>
    h(
      "p",
      { class: "notice warn", "data-testid": "expense-change-rejected" },
      t(`exp.refused.${d.name}`, { why: why(d.result) }),
      " ",
      dismiss(d),
    );
  // A refused change of a line shown goes with that line; a hand-in's, under its button.
  const ofLine = (/** @type {any} */ d) => d.name !== "submit_expenses" && d.name !== "file_expense" && shown.has(d.args.id);
  const loose = rejected.filter((d) => !ofLine(d) && d.name !== "submit_expenses");
  const refusals = loose.map((d) =>
    d.name === "file_expense"
      ? h(
          "li",
          { class: "notice warn", "data-testid": "expense-rejected" },
          t("exp.rejected", { detail: d.result?.detail ?? d.result?.reason ?? "" }),
          " ",
          dismiss(d),
        )
      : h("li", {}, refusal(d)),
  );
  /** Queue a change, send it when the network allows, and say where it stands. */
  const queue = async (/** @type {() => Promise<any>} */ change, /** @type {string[]} */ [done, kept]) => {
    said = "";
    const queued = await change();
    if (!queued.ok) {
      status.className = "error";
      status.textContent = queued.violations.map((/** @type {any} */ v) => v.message).join(" ");
      return;
    }
    await device.sync.syncNow();
    const after = await store.decisions();
    const waits = after.pending.some((/** @type {any} */ d) => d.id === queued.id);
    const refused = after.rejected.some((/** @type {any} */ d) => d.id === queued.id);
    // Kept for every drawing of the page: another redraw (the sync's) may replace this one.
    said = refused ? "" : waits ? kept : done;
    await redraw();
    announce(said);
  };
  const items = lines.map((/** @type {any} */ line) => {
    const open = (line.status === "draft" || line.status === "refused") && !line.handing;
    const label = { name: t(`exp.cat.${line.category}`) };
    return lineView(
      line,
      open
        ? () => queue(() => changeLine(store, "delete_expense", { id: line.id }, label), [t("exp.deleted"), t("exp.deleteQueued")])
        : null,
      {
        onEdit: open ? () => redraw("", line.id) : undefined,
        note: rejected.some((d) => ofLine(d) && d.args.id === line.id)
          ? h("div", {}, ...rejected.filter((d) => ofLine(d) && d.args.id === line.id).map(refusal))
          : null,
      },
    );
  });
  const drafts = lines.filter((line) => line.status === "draft" && !line.handing);
  // The firm sends expenses with the month's CRA: no hand-in of their own (docs/expenses.md).
  const withMonth = Boolean((report ?? copied)?.goes_with_the_month);
  const handIns = rejected.filter((d) => d.name === "submit_expenses").map(refusal);
  const all = [...refusals, ...items];
  return h(
    "section",
    { class: "card", "aria-labelledby": "exp-mine-h", "data-testid": "my-expenses" },
    h("h2", { id: "exp-mine-h" }, t("exp.mine")),
    photos ? h("p", { class: "notice", "data-testid": "photos-waiting" }, t("exp.pendingPhotos", { count: photos })) : null,
    report
      ? null
      : h("p", { class: "notice warn", "data-testid": "expenses-offline" }, t(copied ? "exp.offlineCopy" : "exp.offline")),
    all.length ? h("ul", { class: "stack plain" }, ...all) : h("p", { class: "muted" }, t("exp.none")),
    report
      ? h("p", {}, t("exp.total", { amount: euros(report.gross_cents), approved: euros(report.approved_cents) }))
      : null,
    drafts.length && withMonth
      ? h("p", { class: "notice", "data-testid": "expenses-with-month" }, t("exp.withTheMonth"))
      : drafts.length && store
      ? h(
          "button",
          {
            type: "button",
            class: "primary",
            "data-testid": "submit-expenses",
            onclick: () =>
              queue(
                () => store.decide("submit_expenses", { month: key }, { name: formatMonthName(key) }),
                [t("exp.submitted", { count: drafts.length }), t("exp.submitQueued")],
              ),
          },
          t("exp.submit"),
        )
      : null,
    ...handIns,
    status,
  );
}

/** GET, or null when the network is missing (any other failure is thrown). @param {string} path */
async function orNull(path) {
  try {
    return await request("GET", path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 0) return null;
    throw error;
  }
}

/**
 * The page, for the signed-in person; `month` defaults to the current one.
 * @param {{person: {id: string, roles?: string[]}, month?: string, device?: any, edit?: string}} props
 *   device: app.js's device (the one queue and sync loop), null when storage is refused;
 *   edit: the id of the line whose values the form shows, to change them
 */
export async function show({ person, month, device = null, edit }) {
  const now = new Date();
  const key = month ?? `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
  const roles = person.roles ?? [];
  const consultant = roles.includes("consultant");
  const approver = roles.includes("manager") || roles.includes("admin");
  const store = device?.store ?? null;
  const go = (step) => () => show({ person, month: formatMonth(step(parseMonth(key))), device });
  const heading = h("h1", {}, `${t("exp.title")} · ${formatMonthName(key)}`);
  const nav = h(
    "p",
    { class: "links" },
    h("a", { href: "#", "data-testid": "expenses-back" }, t("exp.back")),
    " · ",
    h("button", { type: "button", class: "secondary small", onclick: go(previousMonth) }, t("exp.prev")),
    " ",
    h("button", { type: "button", class: "secondary small", onclick: go(nextMonth) }, t("exp.next")),
  );
  const redraw = (/** @type {string} */ message, /** @type {string} */ editId) =>
    show({ person, month: key, device, edit: editId }).then(() => {
      if (message) {
        const box = document.querySelector("[data-testid=expense-status]");
        if (box) box.textContent = message;
      }
      if (editId) document.querySelector("[data-testid=expense-editing] input")?.focus();
    });
  const parts = [];
  let offline = false;
  if (consultant) {
    const [report, online, reference, queue, photos] = await Promise.all([
      orNull(`/expense-reports/${key}`),
      orNull("/missions"),
      store?.reference().catch(() => null),
      store ? store.decisions() : { pending: [], rejected: [] },
      store ? store.receipts() : [],
    ]);
    offline = !report;
    // The server's lines are kept for this screen offline (cleared at sign-out: logout.js).
    const copy = `${person.id}.${key}`;
    try {
      if (report) {
        const { lines, goes_with_the_month } = report;
        localStorage.setItem(COPY + copy, JSON.stringify({ lines, goes_with_the_month }));
      }
    } catch {
      // Storage full or refused: offline, the screen shows the queued lines only.
    }
    const copied = report ? null : readCopy(copy);
    const mine = (/** @type {any} */ d) => EXPENSE_KINDS.includes(d.name);
    const lines = linesOf((report ?? copied)?.lines ?? [], queue.pending.filter(mine), key);
    const rejected = queue.rejected.filter(mine);
    const missions = online ?? reference?.missions ?? [];
    const editing = edit ? (lines.find((line) => line.id === edit) ?? null) : null;
    parts.push(
      myLines(report, lines, rejected, photos?.length ?? 0, { store, key, redraw, device, copied }),
      expenseForm(
        missions.filter((/** @type {any} */ m) => !m.consultant_id || m.consultant_id === person.id),
        key,
        redraw,
        device,
        editing,
      ),
    );
  }
  try {
    if (approver) {
      const lines = await request("GET", `/expense-reports/${key}/review`);
      parts.push(
        h(
          "section",
          { class: "card", "aria-labelledby": "exp-review-h", "data-testid": "expense-review" },
          h("h2", { id: "exp-review-h" }, t("exp.review")),
          lines.length
            ? h("ul", { class: "stack plain" }, ...lines.map((line) => decisionView(line, () => redraw())))
            : h("p", { class: "muted" }, t("exp.reviewNone")),
        ),
      );
    }
    if (roles.includes("admin")) {
      parts.push(policyForm(await request("GET", "/missions")));
      parts.push(
        h(
          "section",
          { class: "card links", "aria-labelledby": "exp-exports-h" },
          h("h2", { id: "exp-exports-h" }, t("exp.exports")),
          h("a", { href: `/api/v1/exports/expenses?month=${key}`, download: "", "data-testid": "expenses-payroll" }, t("exp.payroll")),
          h("br", {}),
          h("a", { href: `/api/v1/exports/receipts?month=${key}`, download: "", "data-testid": "expenses-pdf" }, t("exp.pdf")),
        ),
      );
    }
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 0)) throw error;
    if (!consultant) parts.push(h("p", { class: "notice warn" }, t("exp.offline")));
  }
  render(`${t("exp.title")} · ${t("app.name")}`, heading, {}, nav, ...parts);
  // When the sync loop has sent what waited here, the page says where it stands (drawn again
  // while it is the one shown and nothing is being typed into the form).
  if (!store || !consultant) return;
  const form = document.querySelector("[data-testid=expense-form]");
  let waiting = offline || expenseWaits(await store.decisions());
  const stop = store.subscribe(async (change) => {
    if (!form?.isConnected) return stop();
    if (change.kind === "decision") waiting = true;
    if (change.kind !== "sync" || !waiting) return;
    waiting = expenseWaits(await store.decisions());
    const typing = document.activeElement?.closest("[data-testid=expense-form]");
    if (!waiting && !typing && form.isConnected) await redraw("", edit);
  });
}

/** An expense still waits in the queue. @param {{pending: any[]}} queue */
const expenseWaits = (queue) => queue.pending.some((d) => EXPENSE_KINDS.includes(d.name));

/**
 * The month's expense lines of one consultant inside the manager's review of that month
 * (online/review.js): what they handed in, each with its receipts, approved or refused with a
 * reason right there, next to the CRA being approved. Decisions go straight to the server
 * (`POST /expense-lines/{id}/decision`): offline, the card says the lines show when the
 * network is back.
 * @param {{container: HTMLElement, consultantId: string, month: string}} props
 */
export async function mountMonthExpenses({ container, consultantId, month }) {
  const path = `/expense-reports/${month}?consultant=${encodeURIComponent(consultantId)}`;
  const card = (/** @type {(Node | null)[]} */ ...children) =>
    h(
      "section",
      { class: "card", "aria-labelledby": "review-exp-h", "data-testid": "review-expenses" },
      h("h2", { id: "review-exp-h" }, t("exp.monthReview")),
      ...children,
    );
  const status = h("p", { role: "status", class: "muted", "data-testid": "review-expenses-status" });
  /** @param {any} [decided] the line just decided */
  const draw = async (decided) => {
    let report;
    try {
      report = await request("GET", path);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Not this approver's to see (403/404): no card at all.
      container.replaceChildren(
        error.status === 0 ? card(h("p", { class: "notice warn" }, t("exp.monthOffline"))) : "",
      );
      return;
    }
    // Drafts are not handed in yet: the manager sees what was submitted and decided.
    const lines = report.lines.filter((/** @type {any} */ line) => line.status !== "draft");
    const handed = lines.reduce((/** @type {number} */ sum, /** @type {any} */ l) => sum + l.gross_cents, 0);
    const open = lines.filter((/** @type {any} */ l) => l.status === "submitted").length;
    status.textContent = decided ? t("exp.decided", { status: t(`exp.status.${decided.status}`) }) : "";
    container.replaceChildren(
      card(
        lines.length
          ? h("p", {}, t("exp.monthTotal", { amount: euros(handed), approved: euros(report.approved_cents), count: open }))
          : null,
        lines.length
          ? h(
              "ul",
              { class: "stack plain" },
              ...lines.map((/** @type {any} */ line) =>
                line.status === "submitted" ? decisionView(line, draw) : lineView(line, null),
              ),
            )
          : h("p", { class: "muted" }, t("exp.reviewNone")),
        status,
      ),
    );
    if (decided) announce(status.textContent);
  };
  await draw();
}
