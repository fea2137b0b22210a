// The People tab's "Invite several people" (issue 14): lines pasted from a spreadsheet or an
// e-mail, one person a line (name, e-mail, optional role; tab, semicolon or comma between).
// No second reader of people rows: the lines become the CSV the import already reads
// (`POST /imports/people`, docs/import.md) under a header line we add, so the dry run, the
// rules and the all-or-nothing invitation are the import's. Line n of the paste is row n + 1
// of that CSV (the header is row 1), so each refusal is shown next to the line it names.

import { ApiError, request } from "../../api.js";
import { addStrings, t, tOr } from "../../i18n.js";
import { announce, h } from "../../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.paste.heading": ["Inviter plusieurs personnes", "Invite several people"],
  "bo.paste.label": [
    "Une personne par ligne : nom, e-mail, rôle (facultatif)",
    "One person a line: name, e-mail, role (optional)",
  ],
  "bo.paste.help": [
    "Collez des lignes d'un tableur ou d'un e-mail, séparées par une tabulation, un point-virgule ou une virgule. Rôle : consultant, manager, admin ou signataire client ; vide, consultant.",
    "Paste lines from a spreadsheet or an e-mail, separated by a tab, a semicolon or a comma. Role: consultant, manager, admin or client signer; empty, consultant.",
  ],
  "bo.paste.check": ["Vérifier les lignes", "Check the lines"],
  "bo.paste.empty": ["Collez au moins une ligne.", "Paste at least one line."],
  "bo.paste.summary": [
    "{count} {count|ligne lue|lignes lues}, {refused} {refused|refusée|refusées}.",
    "{count} {count|line read|lines read}, {refused} refused.",
  ],
  "bo.paste.fix": [
    "Corrigez les lignes refusées puis vérifiez de nouveau : rien n'a été enregistré.",
    "Fix the refused lines and check again: nothing was saved.",
  ],
  "bo.paste.line": ["Ligne {line}", "Line {line}"],
  "bo.paste.ok": ["à inviter", "to invite"],
  "bo.paste.invite": [
    "Inviter {count} {count|personne|personnes}",
    "Invite {count} {count|person|people}",
  ],
  "bo.paste.done": [
    "{count} {count|personne invitée|personnes invitées}.",
    "{count} {count|person|people} invited.",
  ],
  "bo.paste.mailed": ["lien envoyé par e-mail", "link sent by e-mail"],
  "bo.paste.linkOf": ["Lien d'invitation de {email}", "Invitation link of {email}"],
  "bo.paste.err.already": [
    "Déjà dans le cabinet : retirez cette ligne.",
    "Already in the firm: remove this line.",
  ],
  "bo.paste.err.invalid_email": ["Adresse e-mail non valable.", "Not a valid e-mail address."],
  "bo.paste.err.duplicate_in_file": [
    "Même adresse qu'une ligne plus haut.",
    "The same address as a line above.",
  ],
  "bo.paste.err.email_taken": [
    "Adresse déjà enregistrée dans une autre organisation.",
    "Address already registered in another organisation.",
  ],
  "bo.paste.err.invalid_role": [
    "Rôle inconnu (consultant, manager, admin, signataire client).",
    "Unknown role (consultant, manager, admin, client signer).",
  ],
  "bo.paste.err.required": ["Nom ou e-mail manquant.", "Name or e-mail missing."],
  "bo.paste.err.too_long": ["Texte trop long.", "Text too long."],
  "bo.paste.err.client_required": [
    "Un·e signataire client s'invite depuis le formulaire ci-dessus (avec son entreprise cliente).",
    "Invite a client signer with the form above (with their client company).",
  ],
  "bo.paste.err.other": ["Refusé : {reason}", "Refused: {reason}"],
  "bo.paste.err.offline": [
    "Pas de connexion au serveur : rien n'a été enregistré.",
    "No connection to the server: nothing was saved.",
  ],
};
addStrings(STRINGS);

/** The header line the import reads (docs/import.md, people): French, semicolons. */
const HEADER = "Nom complet;E-mail;Rôles";

/** @param {string} cell */
const quoted = (cell) => (/[;"\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/**
 * The pasted lines as the import's people CSV: each line cut at its tabs, else semicolons,
 * else commas, its first three cells (name, e-mail, role) written under HEADER. Blank lines
 * stay blank, so line n is still the CSV's row n + 1.
 * @param {string} text
 * @returns {{csv: string, lines: number}}  lines: the pasted lines that hold something
 */
export function pastedCsv(text) {
  const rows = text.replace(/\s+$/, "").split(/\r\n|\r|\n/);
  let lines = 0;
  const out = rows.map((line) => {
    if (!line.trim()) return "";
    lines += 1;
    const sep = line.includes("\t") ? "\t" : line.includes(";") ? ";" : ",";
    const [name = "", email = "", role = ""] = line.split(sep).map((c) => c.trim());
    return [name, email, role].map(quoted).join(";");
  });
  return { csv: [HEADER, ...out].join("\r\n") + "\r\n", lines };
}

/** UTF-8 text in base64 (the import's JSON body carries the file's bytes so). @param {string} text */
function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** @param {{code: string, message: string}} e */
const reason = (e) =>
  tOr(`bo.paste.err.${e.code}`) ?? t("bo.paste.err.other", { reason: e.message || e.code });

/**
 * The panel: the textarea, its dry run line by line, then the invitation of all.
 * @param {{onInvited: () => Promise<void> | void}} props
 */
export function pastePanel({ onInvited }) {
  const area = /** @type {HTMLTextAreaElement} */ (
    h("textarea", {
      id: "paste-lines",
      rows: "5",
      spellcheck: "false",
      autocomplete: "off",
      "aria-describedby": "paste-help paste-report",
      "data-testid": "paste-lines",
    })
  );
  const check = h(
    "button",
    { type: "submit", class: "secondary", "data-testid": "paste-check" },
    t("bo.paste.check"),
  );
  const report = h("div", { id: "paste-report", "data-testid": "paste-report" });
  const form = h(
    "form",
    { class: "stack bo-paste", novalidate: true, "data-testid": "paste-form" },
    h(
      "div",
      { class: "field" },
      h("label", { for: "paste-lines" }, t("bo.paste.label")),
      area,
      h("p", { class: "hint", id: "paste-help" }, t("bo.paste.help")),
    ),
    check,
  );
  /** The CSV of the last clean dry run, and the text it came from. */
  let checked = { text: "", csv: "" };
  let busy = false;

  /** @param {string} csv @param {boolean} dryRun */
  const send = (csv, dryRun) =>
    request("POST", "/imports/people", {
      file_name: "coller.csv",
      content_base64: base64(csv),
      dry_run: dryRun,
    });

  /** @param {string} text */
  function problem(text) {
    report.replaceChildren(h("p", { class: "error", role: "alert" }, text));
  }

  /** @param {unknown} error */
  function refused(error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 0) return problem(t("bo.paste.err.offline"));
    // A refusal of the whole import names rows: rows[3].email → line 2.
    const lines = error.errors.map((e) => {
      const row = /^rows\[(\d+)\]/.exec(e.field)?.[1];
      const text = reason(e);
      return row ? `${t("bo.paste.line", { line: Number(row) - 1 })} : ${text}` : text;
    });
    problem(lines.join(" ") || t("bo.paste.err.other", { reason: error.detail || error.title }));
  }

  /** The dry run, one item a pasted line; a refused line says why next to it. @param {any} out */
  function drawDryRun(out) {
    const byRow = new Map();
    for (const e of out.errors.filter((/** @type {any} */ e) => e.row)) {
      if (!byRow.has(e.row)) byRow.set(e.row, []);
      byRow.get(e.row).push(reason(e));
    }
    for (const r of out.rows) {
      if (r.action === "skip") byRow.set(r.row, [t("bo.paste.err.already")]);
    }
    const general = out.errors.filter((/** @type {any} */ e) => !e.row).map(reason);
    const items = out.rows.map((/** @type {any} */ r) => {
      const why = byRow.get(r.row);
      const line = r.row - 1;
      return h(
        "li",
        {
          class: why ? "bo-paste-line refused" : "bo-paste-line",
          "data-testid": "paste-line",
          "data-line": String(line),
        },
        h("strong", {}, t("bo.paste.line", { line })),
        " ",
        h("span", { class: "bo-paste-cells" }, r.cells.filter(Boolean).join(" · ")),
        " — ",
        why
          ? h("span", { class: "field-error", "data-testid": "paste-line-error" }, why.join(" "))
          : h("span", { class: "muted" }, t("bo.paste.ok")),
      );
    });
    const refusedCount = byRow.size + general.length;
    const parts = [
      h(
        "p",
        { role: "status", "data-testid": "paste-summary" },
        t("bo.paste.summary", { count: out.rows.length, refused: refusedCount }),
      ),
      ...general.map((/** @type {string} */ g) => h("p", { class: "error" }, g)),
      h("ol", { class: "bo-paste-lines" }, ...items),
    ];
    area.setAttribute("aria-invalid", refusedCount ? "true" : "false");
    if (refusedCount) {
      parts.push(h("p", { class: "notice warn" }, t("bo.paste.fix")));
    } else {
      const invite = h(
        "button",
        { type: "button", class: "primary", "data-testid": "paste-invite" },
        t("bo.paste.invite", { count: out.rows.length }),
      );
      invite.addEventListener("click", () => inviteAll(invite));
      parts.push(invite);
    }
    report.replaceChildren(...parts);
  }

  /** The invitation of all, all or nothing; each invited person's link. @param {HTMLElement} button */
  async function inviteAll(button) {
    if (busy || area.value !== checked.text) return;
    busy = true;
    button.setAttribute("aria-disabled", "true");
    try {
      const out = await send(checked.csv, false);
      const invited = out.rows.filter((/** @type {any} */ r) => r.action === "create");
      const links = invited.map((/** @type {any} */ r, /** @type {number} */ i) =>
        h(
          "li",
          { "data-testid": "paste-invited" },
          h("strong", {}, r.cells.filter(Boolean).slice(0, 2).join(" · ")),
          out.emailed || !r.invitation_url
            ? h("span", { class: "muted" }, ` — ${t("bo.paste.mailed")}`)
            : h(
                "div",
                { class: "bo-link" },
                h("label", { for: `paste-link-${i}` }, t("bo.paste.linkOf", { email: r.label })),
                h("input", {
                  type: "text",
                  id: `paste-link-${i}`,
                  readonly: true,
                  value: r.invitation_url,
                  "data-testid": "paste-invite-url",
                }),
              ),
        ),
      );
      const done = t("bo.paste.done", { count: invited.length });
      report.replaceChildren(
        h(
          "div",
          { class: "notice", "data-testid": "paste-done" },
          h("p", { role: "status" }, done),
          h("ul", { class: "bo-paste-lines" }, ...links),
        ),
      );
      announce(done);
      area.value = "";
      checked = { text: "", csv: "" };
      await onInvited();
    } catch (error) {
      refused(error);
    } finally {
      busy = false;
      button.setAttribute("aria-disabled", "false");
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    const text = area.value;
    const { csv, lines } = pastedCsv(text);
    if (!lines) {
      area.setAttribute("aria-invalid", "true");
      problem(t("bo.paste.empty"));
      area.focus();
      return;
    }
    busy = true;
    form.setAttribute("aria-busy", "true");
    try {
      const out = await send(csv, true);
      checked = { text, csv };
      drawDryRun(out);
    } catch (error) {
      refused(error);
    } finally {
      busy = false;
      form.setAttribute("aria-busy", "false");
    }
  });

  return h(
    "section",
    { class: "card bo-invite", "aria-labelledby": "paste-heading", "data-testid": "paste-invite-panel" },
    h("h2", { id: "paste-heading" }, t("bo.paste.heading")),
    form,
    report,
  );
}
