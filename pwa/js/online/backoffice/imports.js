// The back office's Import tab: people, clients or missions from a spreadsheet (CSV or XLSX).
// The administrator picks what the file holds and the file, sees the dry run (each row: to
// create, already there, or refused with the reason under each refused cell), then confirms the
// import, which the server runs all or nothing. A template CSV of each kind is one click away.
// The file travels inside JSON (base64): the one HTTP client speaks JSON only.

import { ApiError, request } from "../../api.js";
import { addStrings, t, tOr } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";
import { ensureStyles, field } from "./directory-form.js";
import { fileName, save } from "./exports.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.import.heading": ["Importer depuis un tableur", "Import from a spreadsheet"],
  "bo.import.intro": [
    "Reprenez vos personnes, clients et missions depuis un export CSV ou Excel (.xlsx). Le fichier est d'abord vérifié ligne par ligne ; rien n'est enregistré tant que vous n'avez pas confirmé, et l'import se fait en entier ou pas du tout.",
    "Bring in your people, clients and missions from a CSV or Excel (.xlsx) export. The file is first checked row by row; nothing is saved until you confirm, and the import is all or nothing.",
  ],
  "bo.import.order": [
    "Importez dans cet ordre : les personnes et les clients, puis les missions qui les citent. Un classeur .xlsx peut tout contenir, une feuille par sorte (Personnes, Clients, Missions) : choisissez-le pour chacune.",
    "Import in this order: people and clients, then the missions that name them. One .xlsx workbook can hold them all, a sheet per kind (People, Clients, Missions): choose it for each.",
  ],
  "bo.import.kind": ["Le fichier contient", "The file holds"],
  "bo.import.kind.people": ["Des personnes", "People"],
  "bo.import.kind.clients": ["Des clients", "Clients"],
  "bo.import.kind.missions": ["Des missions", "Missions"],
  "bo.import.file": ["Fichier (CSV ou .xlsx, 2 Mo au plus)", "File (CSV or .xlsx, 2 MB at most)"],
  "bo.import.file_hint": [
    "En-têtes en français ou en anglais ; séparateur point-virgule ou virgule ; dates JJ/MM/AAAA ; montants en euros avec une virgule.",
    "French or English headers; semicolon or comma separated; dates DD/MM/YYYY; amounts in euros with a decimal comma.",
  ],
  "bo.import.template": ["Télécharger le modèle CSV", "Download the CSV template"],
  "bo.import.check": ["Vérifier le fichier", "Check the file"],
  "bo.import.checking": ["Vérification…", "Checking…"],
  "bo.import.confirm": [
    "Importer {count} {count|ligne|lignes}",
    "Import {count} {count|row|rows}",
  ],
  "bo.import.importing": ["Import en cours…", "Importing…"],
  "bo.import.no_file": ["Choisissez un fichier.", "Choose a file."],
  "bo.import.result": ["Résultat de la vérification", "Check result"],
  "bo.import.done_heading": ["Résultat de l'import", "Import result"],
  "bo.import.summary": [
    "{rows} {rows|ligne lue|lignes lues} : {create} à créer, {skip} déjà {skip|présente|présentes}, {error} en erreur.",
    "{rows} {rows|row read|rows read}: {create} to create, {skip} already there, {error} with errors.",
  ],
  "bo.import.has_errors": [
    "Corrigez le fichier puis vérifiez-le à nouveau : rien ne sera importé tant qu'une ligne est refusée.",
    "Fix the file then check it again: nothing is imported while a row is refused.",
  ],
  "bo.import.ready": [
    "Tout est prêt. Confirmez pour importer.",
    "Everything is ready. Confirm to import.",
  ],
  "bo.import.nothing": [
    "Rien à créer : tout est déjà présent.",
    "Nothing to create: everything is already there.",
  ],
  "bo.import.done": [
    "Import terminé : {count} {count|élément créé|éléments créés}.",
    "Import done: {count} {count|record created|records created}.",
  ],
  "bo.import.mailed": [
    "Chaque personne importée reçoit son lien d'invitation par e-mail.",
    "Each imported person gets their invitation link by e-mail.",
  ],
  "bo.import.links": [
    "Le serveur n'envoie pas d'e-mail : transmettez à chacun son lien d'invitation.",
    "The server sends no e-mail: pass each person their invitation link.",
  ],
  "bo.import.ignored": [
    "Colonnes non lues : {names}.",
    "Columns not read: {names}.",
  ],
  "bo.import.row": ["Ligne", "Row"],
  "bo.import.rows": [
    "Les lignes du fichier, numérotées comme dans le tableur",
    "The file's rows, numbered as in the spreadsheet",
  ],
  "bo.import.status": ["État", "Status"],
  "bo.import.action.create": ["À créer", "To create"],
  "bo.import.action.skip": ["Déjà présent", "Already there"],
  "bo.import.action.error": ["Refusée", "Refused"],
  "bo.import.shown": [
    "{shown} lignes affichées sur {rows}.",
    "{shown} rows shown of {rows}.",
  ],
  "bo.import.file_error": [
    "Ligne {row}, colonne « {column} » : {message}",
    "Row {row}, column “{column}”: {message}",
  ],
  "bo.import.failed": ["Le serveur a refusé : {reason}", "The server refused: {reason}"],
  "bo.import.offline": [
    "Pas de connexion au serveur : rien n'a été importé. Réessayez quand le réseau revient.",
    "No connection to the server: nothing was imported. Try again when the network is back.",
  ],
  "bo.import.err.missing_column": [
    "Colonne obligatoire absente du fichier.",
    "Required column missing from the file.",
  ],
  "bo.import.err.duplicate_column": [
    "Deux colonnes du fichier disent la même chose.",
    "Two columns of the file mean the same thing.",
  ],
  "bo.import.err.required": ["Case obligatoire vide.", "Required cell is empty."],
  "bo.import.err.too_long": ["Texte trop long.", "Text too long."],
  "bo.import.err.control_character": [
    "Caractère de contrôle interdit.",
    "Control character not allowed.",
  ],
  "bo.import.err.invalid_email": ["Adresse e-mail non valable.", "Not a valid e-mail address."],
  "bo.import.err.invalid_role": [
    "Rôle inconnu (consultant, manager, admin, signataire client).",
    "Unknown role (consultant, manager, admin, client signer).",
  ],
  "bo.import.err.invalid_siren": ["Un SIREN compte 9 chiffres.", "A SIREN is 9 digits."],
  "bo.import.err.invalid_vat": [
    "Numéro de TVA non valable (ex. FR32123456789).",
    "Not a valid VAT number (e.g. FR32123456789).",
  ],
  "bo.import.err.invalid_date": [
    "Date non valable (JJ/MM/AAAA ou AAAA-MM-JJ).",
    "Not a valid date (DD/MM/YYYY or YYYY-MM-DD).",
  ],
  "bo.import.err.invalid_amount": [
    "Montant en euros non valable (ex. 650,50).",
    "Not a valid amount in euros (e.g. 650.50).",
  ],
  "bo.import.err.invalid_days": [
    "Nombre de jours non valable (entier ou demi, ex. 12,5).",
    "Not a valid number of days (whole or half, e.g. 12.5).",
  ],
  "bo.import.err.invalid_flag": ["Répondez oui ou non.", "Answer yes or no."],
  "bo.import.err.invalid_billing_mode": [
    "Mode inconnu (régie, régie plafonnée, forfait).",
    "Unknown mode (time and materials, capped, fixed price).",
  ],
  "bo.import.err.invalid_region": [
    "Jours fériés inconnus (métropole, Alsace-Moselle, Guadeloupe, Martinique, Guyane, La Réunion, Mayotte).",
    "Unknown public holidays (mainland, Alsace-Moselle, Guadeloupe, Martinique, French Guiana, La Réunion, Mayotte).",
  ],
  "bo.import.err.ends_before_start": [
    "La fin tombe avant le début.",
    "The end comes before the start.",
  ],
  "bo.import.err.rate_required": [
    "La régie demande un TJM.",
    "Time and materials needs a daily rate.",
  ],
  "bo.import.err.cap_required": [
    "La régie plafonnée demande un plafond en jours.",
    "Capped time and materials needs a day cap.",
  ],
  "bo.import.err.amount_required": [
    "Un forfait demande son montant et une date de fin.",
    "A fixed price needs its amount and an end date.",
  ],
  "bo.import.err.duplicate_in_file": [
    "Déjà sur une ligne plus haut du fichier.",
    "Already on an earlier row of the file.",
  ],
  "bo.import.err.email_taken": [
    "Cette adresse appartient à une autre organisation.",
    "This address belongs to another organisation.",
  ],
  "bo.import.err.unknown_person": [
    "Personne inconnue (ni dans Carnet ni dans le fichier).",
    "Unknown person (neither in Carnet nor in the file).",
  ],
  "bo.import.err.not_a_consultant": [
    "Cette personne n'est pas consultant.",
    "This person is not a consultant.",
  ],
  "bo.import.err.not_a_manager": [
    "Cette personne n'est pas manager.",
    "This person is not a manager.",
  ],
  "bo.import.err.not_a_signer": [
    "Cette personne ne signe pas pour ce client.",
    "This person does not sign for this client.",
  ],
  "bo.import.err.unknown_client": [
    "Client inconnu (nom ou SIREN).",
    "Unknown client (name or SIREN).",
  ],
  "bo.import.err.ambiguous_client": [
    "Plusieurs clients portent ce nom : donnez le SIREN.",
    "Several clients have this name: give the SIREN.",
  ],
  "bo.import.err.client_required": [
    "Un signataire client doit avoir son client.",
    "A client signer needs their client.",
  ],
  "bo.import.err.signer_exclusive": [
    "Un signataire client ne peut pas avoir d'autre rôle.",
    "A client signer cannot hold another role.",
  ],
  "bo.import.err.row_with_errors": [
    "La ligne citée ici est elle-même en erreur.",
    "The row named here has errors itself.",
  ],
  "bo.import.err.manager_loop": [
    "Ces personnes sont managers l'une de l'autre, en boucle.",
    "These people are each other's managers, round a loop.",
  ],
  "bo.import.err.too_many_rows": ["Trop de lignes dans le fichier.", "Too many rows in the file."],
  "bo.import.err.empty_file": ["Le fichier est vide.", "The file is empty."],
  "bo.import.err.unsupported_type": [
    "Format non lu : enregistrez le fichier en .xlsx ou en CSV.",
    "Format not read: save the file as .xlsx or CSV.",
  ],
  "bo.import.err.unreadable_file": [
    "Le fichier ne peut pas être lu.",
    "The file cannot be read.",
  ],
  "bo.import.err.file_too_large": [
    "Le fichier dépasse 2 Mo : découpez-le.",
    "The file is over 2 MB: split it.",
  ],
};
addStrings(STRINGS);

const KINDS = ["people", "clients", "missions"];
/** The largest file the server imports (server/services/import_files.py MAX_BYTES). */
const MAX_BYTES = 2_000_000;
/** Rows drawn at most: the refused ones first, so a big file stays quick to read. */
const SHOWN = 200;

/** The tab's own styles (online/backoffice/imports.css), added once. */
let styled = false;
function ensureOwnStyles() {
  if (styled) return;
  styled = true;
  document.head.append(
    h("link", { rel: "stylesheet", href: "/js/online/backoffice/imports.css" }),
  );
}

/**
 * A file's bytes in base64.
 * @param {File} file
 */
async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/**
 * The message of one refused cell, in the page's language (the server's is for programs).
 * @param {{code: string, message: string}} error
 */
function reason(error) {
  return tOr(`bo.import.err.${error.code}`) ?? tOr(`bo.dir.err.${error.code}`) ?? error.message;
}

/**
 * Draw the tab into `container`.
 * @param {HTMLElement} container
 * @param {{person: object}} _props
 */
export async function mount(container, _props) {
  ensureStyles();
  ensureOwnStyles();
  const kind = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      { "data-testid": "import-kind" },
      ...KINDS.map((k) => h("option", { value: k }, t(`bo.import.kind.${k}`))),
    )
  );
  const file = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "file",
      accept: ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "data-testid": "import-file",
      "aria-describedby": "import-file-hint",
    })
  );
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const check = h(
    "button",
    { type: "submit", class: "primary", "data-testid": "import-check" },
    t("bo.import.check"),
  );
  const template = h(
    "button",
    { type: "button", class: "secondary small", "data-testid": "import-template" },
    t("bo.import.template"),
  );
  const result = h("section", {
    class: "bo-import-result",
    "aria-labelledby": "import-result-heading",
    "data-testid": "import-result",
    hidden: true,
  });
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "card stack bo-form", novalidate: true, "data-testid": "import-form" },
      box,
      field("import-kind", t("bo.import.kind"), kind),
      field("import-file", t("bo.import.file"), file, { hint: t("bo.import.file_hint") }),
      h("div", { class: "toolbar" }, check, template),
    )
  );

  /** The file checked last, so that the import sends what was shown. */
  let checked = /** @type {{kind: string, name: string, content: string} | null} */ (null);

  const clear = () => {
    checked = null;
    result.hidden = true;
    result.replaceChildren();
    box.hidden = true;
    box.replaceChildren();
  };
  kind.addEventListener("change", clear);
  file.addEventListener("change", clear);

  template.addEventListener("click", async () => {
    box.hidden = true;
    try {
      const response = await request("GET", `/imports/${kind.value}/template`);
      const name = fileName(response.headers.get("content-disposition"), "modele.csv");
      await save(response, name);
    } catch (error) {
      showProblem(error);
    }
  });

  /** @param {unknown} error */
  function showProblem(error) {
    const lines = [];
    if (error instanceof ApiError && error.status === 0) lines.push(t("bo.import.offline"));
    else if (error instanceof ApiError && error.errors.length) {
      for (const e of error.errors) {
        // An import refused as a whole names each row: field rows[4].email, message
        // "row 4, column E-mail: …" (the column as the file names it).
        const row = /^rows\[(\d+)\]/.exec(e.field)?.[1];
        const column = /, column (.*?): /.exec(e.message)?.[1] ?? "";
        lines.push(row ? t("bo.import.file_error", { row, column, message: reason(e) }) : reason(e));
      }
    } else {
      const why = error instanceof ApiError ? error.detail || error.title : String(error);
      lines.push(t("bo.import.failed", { reason: why }));
    }
    box.replaceChildren(...lines.map((line) => h("p", {}, line)));
    box.hidden = false;
    box.focus();
  }

  /**
   * Send the checked file: a dry run, or the import.
   * @param {boolean} dryRun
   */
  async function send(dryRun) {
    if (!checked) return null;
    return request("POST", `/imports/${checked.kind}`, {
      file_name: checked.name,
      content_base64: checked.content,
      dry_run: dryRun,
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clear();
    status.hidden = true;
    const chosen = file.files?.[0];
    if (!chosen) {
      box.replaceChildren(h("p", {}, t("bo.import.no_file")));
      box.hidden = false;
      file.setAttribute("aria-invalid", "true");
      file.focus();
      return;
    }
    if (chosen.size > MAX_BYTES) {
      // Said here rather than after sending megabytes the server would refuse.
      box.replaceChildren(h("p", {}, t("bo.import.err.file_too_large")));
      box.hidden = false;
      file.setAttribute("aria-invalid", "true");
      file.focus();
      return;
    }
    file.removeAttribute("aria-invalid");
    form.setAttribute("aria-busy", "true");
    check.textContent = t("bo.import.checking");
    try {
      checked = { kind: kind.value, name: chosen.name, content: await base64Of(chosen) };
      drawResult(await send(true));
    } catch (error) {
      checked = null;
      showProblem(error);
    } finally {
      form.setAttribute("aria-busy", "false");
      check.textContent = t("bo.import.check");
    }
  });

  /**
   * The dry run: the counts, the refusals of the file as a whole, then the rows.
   * @param {any} report  ImportOut
   */
  function drawResult(report) {
    const { counts } = report;
    const parts = [
      h("h3", { id: "import-result-heading", tabindex: "-1" }, t("bo.import.result")),
      h("p", { "data-testid": "import-summary" }, t("bo.import.summary", counts)),
    ];
    const fileWide = report.errors.filter(
      (/** @type {any} */ e) => !report.rows.some((/** @type {any} */ r) => r.row === e.row),
    );
    if (fileWide.length) {
      parts.push(
        h(
          "ul",
          { class: "error", "data-testid": "import-file-errors" },
          ...fileWide.map((/** @type {any} */ e) =>
            h(
              "li",
              {},
              t("bo.import.file_error", { row: e.row, column: e.column, message: reason(e) }),
            ),
          ),
        ),
      );
    }
    if (report.ignored_columns.length) {
      parts.push(
        h("p", { class: "muted" }, t("bo.import.ignored", { names: report.ignored_columns.join(", ") })),
      );
    }
    const refused = report.errors.length > 0;
    if (refused) parts.push(h("p", { class: "notice warn" }, t("bo.import.has_errors")));
    else if (counts.create === 0) parts.push(h("p", { class: "notice" }, t("bo.import.nothing")));
    else {
      const confirm = h(
        "button",
        { type: "button", class: "primary", "data-testid": "import-confirm" },
        t("bo.import.confirm", { count: counts.create }),
      );
      confirm.addEventListener("click", () => runImport(confirm));
      parts.push(h("p", { class: "notice" }, t("bo.import.ready")), confirm);
    }
    parts.push(rowsTable(report));
    result.replaceChildren(...parts);
    result.hidden = false;
    announce(t("bo.import.summary", counts));
  }

  /** @param {HTMLElement} confirm */
  async function runImport(confirm) {
    if (confirm.getAttribute("aria-disabled") === "true") return;
    const label = confirm.textContent ?? "";
    confirm.setAttribute("aria-disabled", "true");
    confirm.textContent = t("bo.import.importing");
    try {
      const report = await send(false);
      const done = [
        h("h3", { id: "import-result-heading", tabindex: "-1" }, t("bo.import.done_heading")),
        h(
          "p",
          { class: "notice", role: "status", "data-testid": "import-done" },
          t("bo.import.done", { count: report.counts.create }),
        ),
      ];
      const invited = report.rows.filter((/** @type {any} */ r) => r.invitation_url);
      if (invited.length && report.emailed) done.push(h("p", {}, t("bo.import.mailed")));
      else if (invited.length) {
        done.push(
          h("p", {}, t("bo.import.links")),
          h(
            "ul",
            { class: "bo-import-links", "data-testid": "import-links" },
            ...invited.map((/** @type {any} */ r) =>
              h("li", {}, h("strong", {}, r.label), " ", h("code", {}, r.invitation_url)),
            ),
          ),
        );
      }
      result.replaceChildren(...done);
      checked = null;
      form.reset();
      announce(t("bo.import.done", { count: report.counts.create }));
    } catch (error) {
      confirm.setAttribute("aria-disabled", "false");
      confirm.textContent = label;
      showProblem(error);
    }
  }

  container.replaceChildren(
    h("h2", {}, t("bo.import.heading")),
    h("p", {}, t("bo.import.intro")),
    h("p", { class: "muted" }, t("bo.import.order")),
    status,
    form,
    result,
  );
}

/**
 * The rows as a table: row number, status, then each cell, a refused cell with its reason
 * under it. On a phone each row becomes a card of labelled cells (imports.css).
 * @param {any} report  ImportOut
 */
function rowsTable(report) {
  const byRow = new Map();
  for (const e of report.errors) {
    if (!byRow.has(e.row)) byRow.set(e.row, []);
    byRow.get(e.row).push(e);
  }
  const ordered = [
    ...report.rows.filter((/** @type {any} */ r) => r.action === "error"),
    ...report.rows.filter((/** @type {any} */ r) => r.action !== "error"),
  ].slice(0, SHOWN);
  ordered.sort((/** @type {any} */ a, /** @type {any} */ b) => a.row - b.row);
  const head = h(
    "tr",
    {},
    h("th", { scope: "col" }, t("bo.import.row")),
    h("th", { scope: "col" }, t("bo.import.status")),
    ...report.columns.map((/** @type {string} */ c) => h("th", { scope: "col" }, c)),
  );
  const body = ordered.map((/** @type {any} */ r) => {
    const errors = byRow.get(r.row) ?? [];
    const cells = report.columns.map((/** @type {string} */ column, /** @type {number} */ i) => {
      const own = errors.filter((/** @type {any} */ e) => e.column === column);
      return h(
        "td",
        { class: own.length ? "bo-import-bad" : "" },
        h("span", { class: "bo-import-label", "aria-hidden": "true" }, column),
        h("span", { class: "bo-import-value" }, r.cells[i] ?? ""),
        ...own.map((/** @type {any} */ e) =>
          h("span", { class: "bo-import-why", "data-testid": "import-cell-error" }, reason(e)),
        ),
      );
    });
    // A refusal about a column the file lacks, or the whole row, goes with the status.
    const elsewhere = errors.filter(
      (/** @type {any} */ e) => !report.columns.includes(e.column),
    );
    return h(
      "tr",
      { class: `bo-import-${r.action}`, "data-testid": "import-row", "data-row": String(r.row) },
      h("th", { scope: "row" }, String(r.row)),
      h(
        "td",
        {},
        h("span", { class: "bo-import-label", "aria-hidden": "true" }, t("bo.import.status")),
        h("span", { class: "bo-import-tag" }, t(`bo.import.action.${r.action}`)),
        ...elsewhere.map((/** @type {any} */ e) =>
          h("span", { class: "bo-import-why" }, `${e.column}: ${reason(e)}`),
        ),
      ),
      ...cells,
    );
  });
  const parts = [
    h(
      "table",
      { class: "bo-import-table", "data-testid": "import-table" },
      h("caption", { class: "muted" }, t("bo.import.rows")),
      h("thead", {}, head),
      h("tbody", {}, ...body),
    ),
  ];
  if (report.rows.length > ordered.length) {
    parts.push(
      h("p", { class: "muted" }, t("bo.import.shown", { shown: ordered.length, rows: report.rows.length })),
    );
  }
  return h("div", { class: "bo-import-scroll" }, ...parts);
}
