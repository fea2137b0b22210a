// The team board of a month ("#team" or "#team=YYYY-MM"), loaded on demand: every consultant
// of the manager's team (an administrator's organisation), also those who never opened the
// month, with where their month stands, working days filled of those expected, days at ½,
// and whose move it is; how many block the close; a filter by status and one by client. Each
// opened month links to its read-only review (online/review.js). Served by GET /team/months/{month}; the last
// board read is kept on the device for offline reading (cleared at sign-out).

import { ApiError, request } from "../api.js";
import { formatMonth, nextMonth, parseMonth, previousMonth } from "../core/months.js";
import { addStrings, formatMonthName, t } from "../i18n.js";
import { formatDateTime } from "./datetime.js";
import { h, render } from "../views/dom.js";
import { statusLabel } from "../views/month-text.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "team.heading": ["Équipe · {month}", "Team · {month}"],
  "team.prev": ["Mois précédent", "Previous month"],
  "team.next": ["Mois suivant", "Next month"],
  "team.blocking": [
    "{count} {count|mois bloque|mois bloquent} la clôture sur {total}.",
    "{count} {count|month blocks|months block} the close, of {total}.",
  ],
  "team.closed": [
    "Tous les mois sont validés : le mois peut être clôturé.",
    "Every month is validated: the month can be closed.",
  ],
  "team.none": [
    "Aucun consultant dans votre périmètre.",
    "No consultant in your scope.",
  ],
  "team.filter": ["Filtrer par statut", "Filter by status"],
  "team.client": ["Client :", "Client:"],
  "team.allClients": ["Tous les clients", "All clients"],
  "team.all": ["Tous ({count})", "All ({count})"],
  "team.status": ["{status} ({count})", "{status} ({count})"],
  "team.not_started": ["Pas commencé", "Not started"],
  "team.filled": [
    "{filled} / {expected} jours ouvrés saisis",
    "{filled} / {expected} working days filled",
  ],
  "team.half": [
    "{count} {count|jour|jours} à ½",
    "{count} {count|day|days} at ½",
  ],
  "team.waitsConsultant": ["À faire : le consultant", "Next move: the consultant"],
  "team.waitsApprover": ["En attente de {name}", "Waiting on {name}"],
  "team.waitsSomeone": ["En attente de validation", "Waiting for approval"],
  "team.open": ["Voir le mois de {name}", "See {name}'s month"],
  "team.offline": [
    "Hors ligne : voici le tableau tel que lu le {at}.",
    "Offline: this is the board as read on {at}.",
  ],
  "team.unavailable": [
    "Hors ligne : le tableau de l'équipe s'affichera au retour du réseau.",
    "Offline: the team board will show when the network is back.",
  ],
  "team.approvals": ["Mois à valider", "Months to validate"],
  "team.forbidden": [
    "Le tableau de l'équipe est réservé aux managers et aux administrateurs.",
    "The team board is for managers and administrators.",
  ],
  "team.remind": ["Relancer", "Remind"],
  "team.remindLabel": ["Relancer {name}", "Remind {name}"],
  "team.reminded": [
    "Relance envoyée à {name}.",
    "Reminder sent to {name}.",
  ],
  "team.alreadyReminded": [
    "{name} a déjà été relancé aujourd'hui.",
    "{name} was already reminded today.",
  ],
  "team.remindOffline": [
    "Hors ligne : la relance partira quand vous la referez en ligne.",
    "Offline: try the reminder again once online.",
  ],
  "team.remindRefused": ["Relance refusée : {reason}", "Reminder refused: {reason}"],
};
addStrings(STRINGS);

const KEPT = "carnet.approvals."; // online/circuit.js's prefix: cleared at sign-out

/** @param {string} status */
const statusText = (status) =>
  status === "not_started" ? t("team.not_started") : statusLabel(status);

/** The device's current month, "YYYY-MM". */
function thisMonth() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}`;
}

/**
 * The team board screen.
 * @param {{person: {id: string}, month?: string}} props  month: "YYYY-MM", else this month
 */
export async function showTeam({ person, month: asked }) {
  let month = thisMonth();
  try {
    month = formatMonth(parseMonth(asked ?? month));
  } catch {
    // a malformed "#team=" shows this month
  }
  const key = parseMonth(month);
  const label = formatMonthName(month);
  const nav = h(
    "p",
    { class: "links month-links" },
    h("a", { href: `#team=${formatMonth(previousMonth(key))}`, "data-testid": "team-prev" }, `‹ ${t("team.prev")}`),
    " · ",
    h("a", { href: `#team=${formatMonth(nextMonth(key))}`, "data-testid": "team-next" }, `${t("team.next")} ›`),
    " · ",
    h("a", { href: "#approvals" }, t("team.approvals")),
  );
  const body = h("div", { "data-testid": "team" });
  render(
    `${t("team.heading", { month: label })} · ${t("app.name")}`,
    h("h1", { "data-testid": "team-title" }, t("team.heading", { month: label })),
    { wide: true },
    nav,
    body,
  );
  const store = `${KEPT}${person.id}.team.${month}`;
  /** @type {any} */
  let board;
  let note = "";
  try {
    board = await request("GET", `/team/months/${month}`);
    try {
      localStorage.setItem(store, JSON.stringify({ at: new Date().toISOString(), board }));
    } catch {
      // storage denied: the board then needs the network
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      body.replaceChildren(h("p", { class: "error" }, t("team.forbidden")));
      return;
    }
    let copy = null;
    try {
      copy = JSON.parse(localStorage.getItem(store) ?? "null");
    } catch {
      copy = null;
    }
    if (!copy) {
      body.replaceChildren(h("p", { class: "notice" }, t("team.unavailable")));
      return;
    }
    board = copy.board;
    note = t("team.offline", { at: formatDateTime(copy.at) });
  }
  drawBoard(body, board, month, note);
}

/**
 * @param {HTMLElement} body @param {any} board  TeamMonthOut @param {string} month
 * @param {string} note
 */
function drawBoard(body, board, month, note) {
  const total = board.members.length;
  let shown = "all";
  const list = h("ul", { class: "team", "data-testid": "team-members" });
  const filters = h("div", {
    class: "filters",
    role: "group",
    "aria-label": t("team.filter"),
    "data-testid": "team-filters",
  });
  const filter = (status, text) =>
    h(
      "button",
      {
        type: "button",
        class: "filter",
        "aria-pressed": String(status === shown),
        "data-status": status,
        onclick: () => {
          shown = status;
          paint();
        },
      },
      text,
    );

  // The clients of the month's missions: a second filter, when there is a choice.
  const clients = [...new Set(board.members.flatMap((m) => m.clients ?? []))].sort();
  let client = "";
  const clientSelect = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {
        id: "team-client",
        "data-testid": "team-client",
        onchange: (/** @type {Event} */ event) => {
          client = /** @type {HTMLSelectElement} */ (event.target).value;
          paint();
        },
      },
      h("option", { value: "" }, t("team.allClients")),
      ...clients.map((name) => h("option", { value: name }, name)),
    )
  );
  const clientFilter =
    clients.length > 1
      ? h("p", { class: "filters" }, h("label", { for: "team-client" }, t("team.client")), " ", clientSelect)
      : null;

  function paint() {
    filters.replaceChildren(
      filter("all", t("team.all", { count: total })),
      ...Object.entries(board.counts)
        .filter(([, count]) => count > 0)
        .map(([status, count]) =>
          filter(status, t("team.status", { status: statusText(status), count })),
        ),
    );
    list.replaceChildren(
      ...board.members
        .filter((m) => shown === "all" || m.status === shown)
        .filter((m) => !client || (m.clients ?? []).includes(client))
        .map((m) => row(m)),
    );
  }

  /** @param {any} m  TeamMemberOut */
  function row(m) {
    const name =
      m.status === "not_started"
        ? h("strong", {}, m.consultant_name)
        : h(
            "a",
            {
              href: `#review=${m.consultant_id}/${month}`,
              "aria-label": t("team.open", { name: m.consultant_name }),
            },
            m.consultant_name,
          );
    const waits =
      m.waits_on === "consultant"
        ? t("team.waitsConsultant")
        : m.waits_on === "approver"
          ? m.waiting_on_name
            ? t("team.waitsApprover", { name: m.waiting_on_name })
            : t("team.waitsSomeone")
          : "";
    const short = m.days_filled < m.working_days;
    return h(
      "li",
      { "data-testid": "team-member", "data-status": m.status },
      h(
        "div",
        { class: "who" },
        name,
        h("span", { class: `badge status-${m.status}` }, statusText(m.status)),
      ),
      h(
        "p",
        { class: short ? "flag warn" : "", "data-testid": "team-filled" },
        t("team.filled", { filled: m.days_filled, expected: m.working_days }),
      ),
      // Empty cells keep the columns of the desktop layout in line.
      m.half_days
        ? h(
            "p",
            { class: "flag warn", "data-testid": "team-half" },
            t("team.half", { count: m.half_days }),
          )
        : h("p", { class: "none" }),
      waits
        ? h("p", { class: "muted", "data-testid": "team-waits" }, waits)
        : h("p", { class: "none" }),
      m.waits_on === "consultant" ? remind(m) : h("p", { class: "none" }),
    );
  }

  /**
   * Remind a consultant whose move it is (POST …/reminders, one a day); the outcome is said
   * next to the button.
   * @param {any} m  TeamMemberOut
   */
  function remind(m) {
    const said = h("span", { role: "status", "data-testid": "team-reminded" });
    const name = { name: m.consultant_name };
    const button = /** @type {HTMLButtonElement} */ (
      h(
        "button",
        {
          type: "button",
          class: "secondary small",
          "aria-label": t("team.remindLabel", name),
          "data-testid": "team-remind",
        },
        t("team.remind"),
      )
    );
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await request("POST", `/team/months/${month}/reminders`, {
          consultant_id: m.consultant_id,
        });
        said.textContent = t("team.reminded", name);
        button.hidden = true;
      } catch (error) {
        const e = /** @type {any} */ (error);
        button.disabled = false;
        if (e instanceof ApiError && e.code === "already_reminded") {
          said.textContent = t("team.alreadyReminded", name);
          button.hidden = true;
        } else if (!(e instanceof ApiError) || e.status === 0) {
          said.textContent = t("team.remindOffline");
        } else said.textContent = t("team.remindRefused", { reason: e.detail || e.title });
      }
    });
    return h("p", { class: "remind" }, button, " ", said);
  }

  body.replaceChildren(
    ...(note ? [h("p", { class: "notice" }, note)] : []),
    ...(total
      ? [
          h(
            "p",
            { class: board.blocking ? "flag warn" : "flag ok", "data-testid": "team-blocking" },
            board.blocking
              ? t("team.blocking", { count: board.blocking, total })
              : t("team.closed"),
          ),
          filters,
          ...(clientFilter ? [clientFilter] : []),
          list,
        ]
      : [h("p", { class: "muted" }, t("team.none"))]),
  );
  paint();
}
