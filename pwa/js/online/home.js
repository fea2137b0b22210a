// The home of a signed-in person who is not a consultant (manager, administrator, client
// signer): their roles and the months they see. Imported on demand by app.js (`online()`): it
// lists months from the server, so the service worker does not precache it.

import { ApiError, request } from "../api.js";
import { addStrings, formatMonthName, t, tOr } from "../i18n.js";
import { render as renderPage } from "../views.js";
import { errorBox, handle } from "./form.js";
import { h } from "../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js STRINGS). */
export const STRINGS = {
  "title.home": ["Accueil", "Home"],
  "home.greeting": ["Bonjour {name}", "Hello {name}"],
  "home.organisation": ["Organisation : {organisation}", "Organisation: {organisation}"],
  "home.client": [
    "{client} · vous attestez les jours des consultants de {firm}",
    "{client} · you attest the days of {firm}'s consultants",
  ],
  "home.signHow": [
    "Pour signer un mois, ouvrez le lien reçu par e-mail. S'il n'ouvre plus, la page vous propose d'en demander un nouveau. Les mois qui vous concernent sont listés ci-dessous.",
    "To sign a month, open the link you received by e-mail. If it no longer opens, the page offers to ask for a new one. The months that concern you are listed below.",
  ],
  "home.roles": ["Vos rôles", "Your roles"],
  "home.next": ["Mois visibles selon vos rôles :", "Months visible to your roles:"],
  "home.nomonths": ["Aucun mois à afficher pour le moment.", "No month to show yet."],
  "home.offline": [
    "Hors ligne : la liste des mois s'affichera au retour du réseau.",
    "Offline: the list of months will show when the network is back.",
  ],
  "home.team": [
    "Suivi de l'équipe : où en est le mois de chacun",
    "Team board: where each person's month stands",
  ],
  "home.admin": [
    "Administration : personnes, clients, missions, mois, facturation, exports",
    "Administration: people, clients, missions, months, billing, exports",
  ],
  "home.settings": [
    "Réglages de l'entreprise : rappels, signature du client",
    "Firm settings: reminders, client signature",
  ],
  "home.figures": [
    "Tableau de bord : TACE, intercontrat, clôture, facturation",
    "Dashboard: TACE, bench, month close, billing",
  ],
  "home.expenses": [
    "Notes de frais : valider les dépenses de l'équipe",
    "Expenses: decide the team's expense lines",
  ],
  "home.leave": [
    "Congés : les demandes de l'équipe à valider",
    "Leave: the team's requests to decide",
  ],
  "role.consultant": ["Consultant·e", "Consultant"],
  "role.manager": ["Manager", "Manager"],
  "role.admin": ["Administrateur·rice", "Administrator"],
  "role.client_signer": ["Signataire client", "Client signer"],
};
addStrings(STRINGS);

/** @param {string} role */
function roleLabel(role) {
  const key = `role.${role}`;
  const label = t(key);
  return label === key ? role : label;
}

/**
 * Fetch the months the person sees, then show the home.
 * @param {{person: import("../api.js").Person, stale: () => boolean, onLogout: () => void}} props
 * @returns {Promise<import("./form.js").ScreenHandle | null>} null if a newer screen came first
 */
export async function showHome({ person, stale, onLogout }) {
  /** @type {any[] | null} null: the server cannot be reached now */
  let months = [];
  const approver = (person.roles ?? []).some((r) => r === "admin" || r === "manager");
  try {
    if (!approver) months = await request("GET", "/months");
  } catch (error) {
    if (!(error instanceof ApiError && (error.status === 0 || error.status >= 500))) {
      console.warn("months", error);
    }
    months = null;
  }
  if (stale()) return null;
  return render({ person, months, onLogout });
}

/**
 * The home screen: roles and the months they see.
 * @param {{person: import("../api.js").Person, months: any[] | null,
 *   onLogout: () => void}} props  months: null while the server cannot be reached
 * @returns {import("./form.js").ScreenHandle}
 */
function render({ person, months, onLogout }) {
  const box = errorBox();
  const button = /** @type {HTMLButtonElement} */ (
    h("button", { type: "submit", class: "secondary", "data-testid": "logout" }, t("home.logout"))
  );
  const form = h("form", { class: "stack" }, box, button);
  const screen = handle(box, form, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onLogout();
  });
  const roles = person.roles ?? [];
  const approver = roles.some((role) => role === "admin" || role === "manager");
  const list =
    months === null
      ? h("p", { class: "muted" }, t("home.offline"))
      : months.length === 0
        ? h("p", { class: "muted" }, t("home.nomonths"))
        : h(
            "ul",
            { class: "months", "data-testid": "months" },
            ...months.map((m) =>
              h(
                "li",
                {},
                h("span", {}, `${m.consultant_name} · ${formatMonthName(m.month)}`),
                h(
                  "span",
                  { class: `badge status-${m.status}` },
                  tOr(`status.${m.status}`) ?? m.status,
                ),
              ),
            ),
          );
  renderPage(
    "title.home",
    h("h1", { "data-testid": "greeting" }, t("home.greeting", { name: person.display_name })),
    // A client signer works for the client, not for the consulting firm: their company, and
    // how a signature happens (the e-mailed link, which can ask for a new one).
    person.client_company_name
      ? h(
          "div",
          { class: "card", "data-testid": "signer-home" },
          h(
            "p",
            { class: "lead" },
            t("home.client", {
              client: person.client_company_name,
              firm: person.organisation_name ?? "",
            }),
          ),
          h("p", {}, t("home.signHow")),
        )
      : person.organisation_name
        ? h(
            "p",
            { class: "lead" },
            t("home.organisation", { organisation: person.organisation_name }),
          )
        : null,
    approver
      ? h(
          "p",
          { class: "card links" },
          h("a", { href: "#team", "data-testid": "home-team-link" }, t("home.team")),
          h("br", {}),
          h("a", { href: "#figures", "data-testid": "figures-link" }, t("home.figures")),
          h("br", {}),
          h("a", { href: "#expenses", "data-testid": "expenses-link" }, t("home.expenses")),
          h("br", {}),
          // The leave requests are decided under the months to approve (online/circuit.js).
          h("a", { href: "#approvals", "data-testid": "leave-requests-link" }, t("home.leave")),
          ...(roles.includes("admin")
            ? [
                h("br", {}),
                h("a", { href: "#admin", "data-testid": "admin-link" }, t("home.admin")),
                h("br", {}),
                h("a", { href: "#settings", "data-testid": "settings-link" }, t("home.settings")),
              ]
            : []),
        )
      : null,
    roles.length
      ? h(
          "section",
          { class: "card", "aria-labelledby": "roles-heading" },
          h("h2", { id: "roles-heading" }, t("home.roles")),
          h("ul", { class: "tags" }, ...roles.map((role) => h("li", {}, roleLabel(role)))),
        )
      : null,
    // A manager's or an administrator's months are on the team board, every consultant there.
    approver
      ? null
      : h(
          "section",
          { class: "card", "aria-labelledby": "months-heading" },
          h("h2", { id: "months-heading" }, t("home.next")),
          list,
        ),
    form,
  );
  return screen;
}
