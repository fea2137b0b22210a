// The administrator's back office (#admin), loaded on demand: one page with a tab per task
// (people, clients, missions, months, billing, exports, imports, leave, integrations, brand), each tab a module of its own
// under online/backoffice/, imported when first opened. Reached from the home screen; needs the
// network (it says so).

import { addStrings, t } from "../i18n.js";
import { h, render } from "../views/dom.js";

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "admin.title": ["Administration", "Administration"],
  "admin.back": ["← Accueil", "← Home"],
  "admin.only": [
    "Cette page est réservée aux administrateurs.",
    "This page is for administrators only.",
  ],
  "admin.tabs": ["Rubriques", "Sections"],
  "admin.tab.organisation": ["Organisation", "Organisation"],
  "admin.tab.people": ["Personnes", "People"],
  "admin.tab.clients": ["Clients", "Clients"],
  "admin.tab.missions": ["Missions", "Missions"],
  "admin.tab.months": ["Mois", "Months"],
  "admin.tab.billing": ["Facturation", "Billing"],
  "admin.tab.exports": ["Exports", "Exports"],
  "admin.tab.imports": ["Import", "Import"],
  "admin.tab.leave": ["Congés", "Leave"],
  "admin.tab.privacy": ["RGPD", "GDPR"],
  "admin.tab.sso": ["Connexion unique", "Single sign-on"],
  "admin.tab.integrations": ["Intégrations", "Integrations"],
  "admin.tab.brand": ["Marque", "Brand"],
  "admin.loading": ["Chargement…", "Loading…"],
  "admin.offline": [
    "Pas de connexion au serveur : l'administration a besoin du réseau. Réessayez quand il revient.",
    "No connection to the server: administration needs the network. Try again when it is back.",
  ],
};
addStrings(STRINGS);

/**
 * The tabs, in order: key and module (under ./backoffice/), each exporting
 * `mount(container, {person})`, which draws the tab into `container`.
 */
const TABS = [
  ["organisation", "./backoffice/organisation.js"],
  ["people", "./backoffice/people.js"],
  ["clients", "./backoffice/clients.js"],
  ["missions", "./backoffice/missions.js"],
  ["months", "./backoffice/months.js"],
  ["billing", "./backoffice/billing.js"],
  ["exports", "./backoffice/exports.js"],
  ["imports", "./backoffice/imports.js"],
  ["leave", "./backoffice/leave.js"],
  ["privacy", "./privacy.js"],
  ["sso", "./backoffice/sso.js"],
  ["integrations", "./backoffice/integrations.js"],
  ["brand", "./backoffice/brand.js"],
];

/**
 * The page; administrators only (others are told, nothing is read).
 * @param {{person: {roles?: string[]}}} props
 */
export async function show({ person }) {
  const heading = h("h1", {}, t("admin.title"));
  const back = h("p", {}, h("a", { href: "#", "data-testid": "admin-back" }, t("admin.back")));
  if (!(person.roles ?? []).includes("admin")) {
    render(t("admin.title"), heading, {}, back, h("p", { class: "notice warn" }, t("admin.only")));
    return;
  }
  const panel = h("div", { id: "admin-panel", role: "tabpanel", "data-testid": "admin-panel" });
  const tabs = TABS.map(([key]) =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        id: `admin-tab-${key}`,
        class: "secondary small",
        "aria-controls": "admin-panel",
        "data-testid": `admin-tab-${key}`,
        onclick: () => open(key),
      },
      t(`admin.tab.${key}`),
    ),
  );
  const list = h(
    "div",
    { role: "tablist", class: "toolbar", "aria-label": t("admin.tabs") },
    ...tabs,
  );
  render(t("admin.title"), heading, { wide: true }, back, list, panel);

  let current = "";
  /**
   * Open a tab. Each opening mounts into a box of its own: a slower tab opened before (the
   * first one, still loading) then draws into a box no longer on the page, never over this one.
   * @param {string} key
   */
  async function open(key) {
    // A click on the tab already open would mount it again over what the person is typing.
    if (key === current) return;
    current = key;
    for (const tab of tabs) {
      const selected = tab.id === `admin-tab-${key}`;
      tab.setAttribute("aria-selected", String(selected));
      tab.className = selected ? "primary small" : "secondary small";
    }
    panel.setAttribute("aria-labelledby", `admin-tab-${key}`);
    const box = h("div", {}, h("p", { class: "muted" }, t("admin.loading")));
    panel.replaceChildren(box);
    const path = TABS.find(([k]) => k === key)?.[1] ?? TABS[0][1];
    try {
      const module = await import(path);
      if (current === key) await module.mount(box, { person });
    } catch (error) {
      console.warn("admin", key, error);
      if (box.isConnected) {
        box.replaceChildren(h("p", { class: "error", role: "alert" }, t("admin.offline")));
      }
    }
  }
  // "/?tab=billing#admin" (where the old /admin/ address leads) opens that tab; read once.
  const asked = new URLSearchParams(location.search).get("tab");
  if (asked) history.replaceState(null, "", location.pathname + location.hash);
  await open(TABS.some(([k]) => k === asked) ? /** @type {string} */ (asked) : "people");
}
