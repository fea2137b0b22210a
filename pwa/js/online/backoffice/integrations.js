// The back office's Integrations tab (#admin, online/backoffice.js): the firm's API tokens
// for scripts (created with scopes and a lifetime, shown once, revoked) and its webhooks
// (an address and the events it wants; its signing secret shown once; a test event, the
// delivery log with each attempt's status and response time, disabling). docs/api.md and
// docs/webhooks.md say what a script or a receiver does with them.

import { ApiError, request } from "../../api.js";
import { addStrings, t } from "../../i18n.js";
import { formatDateTime } from "../datetime.js";
import { announce, h } from "../../views/dom.js";
import { clearErrors, ensureStyles, field, showRefusal } from "./directory-form.js";

const SCOPES = ["months:read", "invoices:read", "people:read", "people:write"];
const EVENTS = [
  "month.submitted",
  "month.approved",
  "month.signed",
  "month.sent_back",
  "invoice.issued",
  "invoice.paid",
  "person.invited",
  "leave.requested",
  "leave.approved",
  "leave.refused",
  "leave.cancelled",
  "expense.submitted",
  "expense.approved",
  "expense.refused",
  "expense.returned",
];

/**
 * A webhook's events in the form's order (by subject), not the server's alphabetical one.
 * @param {string[]} events
 */
const inOrder = (events) => [
  ...EVENTS.filter((e) => events.includes(e)),
  ...events.filter((e) => !EVENTS.includes(e)),
];

/** This module's strings, key → [French, English] (i18n.js addStrings). */
export const STRINGS = {
  "bo.int.tokens": ["Jetons d'API", "API tokens"],
  "bo.int.tokensIntro": [
    "Un jeton permet à un script (paie, comptabilité, tableau de bord) de lire Carnet sans navigateur, avec l'en-tête Authorization: Bearer. Il agit avec vos droits d'administrateur, limités aux autorisations cochées.",
    "A token lets a script (payroll, accounting, a dashboard) read Carnet without a browser, with the Authorization: Bearer header. It acts with your administrator rights, limited to the ticked permissions.",
  ],
  "bo.int.name": ["Nom (à quoi sert-il ?)", "Name (what is it for?)"],
  "bo.int.scopes": ["Autorisations", "Permissions"],
  "bo.int.scope.months:read": ["Lire les CRA", "Read activity reports"],
  "bo.int.scope.invoices:read": ["Lire les factures", "Read invoices"],
  "bo.int.scope.people:read": ["Lire l'annuaire", "Read the directory"],
  "bo.int.scope.people:write": ["Inviter des personnes", "Invite people"],
  "bo.int.days": ["Durée de validité (jours, 366 au plus)", "Lifetime (days, 366 at most)"],
  "bo.int.create": ["Créer le jeton", "Create the token"],
  "bo.int.shownOnce": [
    "Copiez ce jeton maintenant : il ne sera plus jamais affiché. Carnet n'en garde qu'une empreinte.",
    "Copy this token now: it will never be shown again. Carnet keeps only a fingerprint of it.",
  ],
  "bo.int.copy": ["Copier", "Copy"],
  "bo.int.copied": ["Copié.", "Copied."],
  "bo.int.noTokens": ["Aucun jeton.", "No token."],
  "bo.int.expires": ["expire le {at}", "expires {at}"],
  "bo.int.lastUsed": ["dernier usage le {at}", "last used {at}"],
  "bo.int.neverUsed": ["jamais utilisé", "never used"],
  "bo.int.revokedAt": ["révoqué le {at}", "revoked {at}"],
  "bo.int.expired": ["expiré", "expired"],
  "bo.int.revoke": ["Révoquer", "Revoke"],
  "bo.int.revokeOf": ["Révoquer le jeton « {name} »", "Revoke the token “{name}”"],
  "bo.int.revoked": [
    "Jeton « {name} » révoqué : les scripts qui l'utilisent sont refusés.",
    "Token “{name}” revoked: scripts using it are refused.",
  ],
  "bo.int.hooks": ["Webhooks", "Webhooks"],
  "bo.int.hooksIntro": [
    "Carnet prévient une adresse de votre système à chaque événement choisi, par une requête POST signée (en-tête Carnet-Signature). Les échecs sont réessayés avec un délai croissant.",
    "Carnet tells an address of your system of each chosen event, with a signed POST request (Carnet-Signature header). Failures are retried with a growing delay.",
  ],
  "bo.int.url": ["Adresse (https://…)", "Address (https://…)"],
  "bo.int.events": ["Événements", "Events"],
  "bo.int.event.month.submitted": ["CRA envoyé", "Report submitted"],
  "bo.int.event.month.approved": ["CRA validé", "Report approved"],
  "bo.int.event.month.signed": ["CRA signé par le client", "Report signed by the client"],
  "bo.int.event.month.sent_back": ["CRA renvoyé", "Report sent back"],
  "bo.int.event.invoice.issued": ["Facture émise", "Invoice issued"],
  "bo.int.event.invoice.paid": ["Facture payée", "Invoice paid"],
  "bo.int.event.person.invited": ["Personne invitée", "Person invited"],
  "bo.int.event.leave.requested": ["Congé demandé", "Leave requested"],
  "bo.int.event.leave.approved": ["Congé accepté", "Leave approved"],
  "bo.int.event.leave.refused": ["Congé refusé", "Leave refused"],
  "bo.int.event.leave.cancelled": ["Congé annulé", "Leave cancelled"],
  "bo.int.event.expense.submitted": ["Ligne de frais envoyée", "Expense line submitted"],
  "bo.int.event.expense.approved": ["Ligne de frais validée", "Expense line approved"],
  "bo.int.event.expense.refused": ["Ligne de frais refusée", "Expense line refused"],
  "bo.int.event.expense.returned": [
    "Ligne de frais remise en brouillon (CRA renvoyé ou retiré)",
    "Expense line back to draft (report sent back or withdrawn)",
  ],
  "bo.int.event.ping": ["Test", "Test"],
  "bo.int.subscribe": ["Ajouter le webhook", "Add the webhook"],
  "bo.int.secretOnce": [
    "Secret de signature, à garder dans votre système : il ne sera plus affiché.",
    "Signing secret, to keep in your system: it will not be shown again.",
  ],
  "bo.int.noHooks": ["Aucun webhook.", "No webhook."],
  "bo.int.active": ["actif", "active"],
  "bo.int.disabled": ["désactivé", "disabled"],
  "bo.int.test": ["Envoyer un test", "Send a test"],
  "bo.int.testSent": [
    "Événement de test mis en file : il apparaîtra dans le journal une fois envoyé.",
    "Test event queued: it shows in the log once sent.",
  ],
  "bo.int.log": ["Journal des envois", "Delivery log"],
  "bo.int.logOf": ["Journal des envois vers {url}", "Delivery log for {url}"],
  "bo.int.refresh": ["Actualiser", "Refresh"],
  "bo.int.noLog": ["Aucun envoi pour l'instant.", "No delivery yet."],
  "bo.int.attempt": [
    "{event} · tentative {n} · {status} · {ms} ms · {at}",
    "{event} · attempt {n} · {status} · {ms} ms · {at}",
  ],
  "bo.int.noAnswer": ["pas de réponse", "no answer"],
  "bo.int.outcome.sent": ["envoyé", "sent"],
  "bo.int.outcome.retry": ["sera réessayé le {at}", "retried {at}"],
  "bo.int.outcome.dropped": ["abandonné", "dropped"],
  "bo.int.disable": ["Désactiver", "Disable"],
  "bo.int.disableOf": ["Désactiver le webhook {url}", "Disable the webhook {url}"],
  "bo.int.disabledSaid": [
    "Webhook désactivé : plus rien ne lui sera envoyé.",
    "Webhook disabled: nothing more is sent to it.",
  ],
  "bo.int.err.name.invalid": ["Donnez-lui un nom (100 caractères au plus).", "Give it a name (100 characters at most)."],
  "bo.int.err.scopes.empty": ["Cochez au moins une autorisation.", "Tick at least one permission."],
  "bo.int.err.days.out_of_range": ["Entre 1 et 366 jours.", "Between 1 and 366 days."],
  "bo.int.err.days.invalid": ["Entre 1 et 366 jours.", "Between 1 and 366 days."],
  "bo.int.err.events.empty": ["Cochez au moins un événement.", "Tick at least one event."],
  "bo.int.err.url.invalid": [
    "Une adresse complète en https:// (ou http://).",
    "A full https:// (or http://) address.",
  ],
  "bo.int.err.url.private_address": [
    "Cette adresse mène à un réseau privé ou local : refusée (l'exploitant peut l'autoriser).",
    "This address leads to a private or local network: refused (the operator can allow it).",
  ],
  "bo.int.err.url.unresolvable": [
    "Ce nom de domaine est introuvable.",
    "This domain name cannot be found.",
  ],
  "bo.int.err.url.credentials": [
    "Pas d'identifiant ni de mot de passe dans l'adresse.",
    "No user name or password in the address.",
  ],
  "bo.int.err.url.too_many": ["Vingt webhooks actifs au plus.", "Twenty active webhooks at most."],
};
addStrings(STRINGS);

let styled = false;
function ensureOwnStyles() {
  ensureStyles();
  if (styled) return;
  styled = true;
  document.head.append(
    h("link", { rel: "stylesheet", href: "/js/online/backoffice/integrations.css" }),
  );
}

/** @param {string | null | undefined} iso */
const when = (iso) => (iso ? formatDateTime(iso) : "");

/**
 * Ticked boxes in a fieldset, one per value.
 * @param {string} id
 * @param {string} legend
 * @param {string[]} values
 * @param {(v: string) => string} label
 */
function checks(id, legend, values, label) {
  const boxes = values.map(
    (value, i) =>
      /** @type {HTMLInputElement} */ (h("input", { type: "checkbox", id: `${id}-${i}`, value })),
  );
  const set = h(
    "fieldset",
    { class: "int-checks", id, "aria-describedby": `${id}-error` },
    h("legend", {}, legend),
    ...boxes.map((box) =>
      h("div", { class: "int-check" }, box, h("label", { for: box.id }, label(box.value))),
    ),
    h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
  );
  return { set, ticked: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}

/**
 * A status line and an error line for a section.
 */
function lines() {
  const said = h("p", { class: "notice", role: "status", hidden: true });
  const failed = h("p", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  return {
    said,
    failed,
    /** @param {string} text */
    tell(text) {
      failed.hidden = true;
      said.textContent = text;
      said.hidden = false;
      announce(text);
    },
    /** @param {unknown} error */
    refuse(error) {
      said.hidden = true;
      failed.textContent =
        error instanceof ApiError
          ? error.status === 0
            ? t("bo.dir.offline")
            : t("bo.dir.failed", { reason: error.detail || error.title })
          : String(error);
      failed.hidden = false;
      failed.focus?.();
    },
  };
}

/**
 * Show a secret once, with a copy button.
 * @param {HTMLElement} slot
 * @param {string} intro
 * @param {string} secret
 * @param {string} testid
 */
function showOnce(slot, intro, secret, testid) {
  const copied = h("span", { role: "status" });
  slot.replaceChildren(
    h(
      "div",
      { class: "notice int-once", "data-testid": testid },
      h("p", {}, intro),
      h("code", { class: "int-secret" }, secret),
      h(
        "p",
        {},
        h(
          "button",
          {
            type: "button",
            class: "secondary small",
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(secret);
                copied.textContent = ` ${t("bo.int.copied")}`;
              } catch {
                copied.textContent = "";
              }
            },
          },
          t("bo.int.copy"),
        ),
        copied,
      ),
    ),
  );
  slot.hidden = false;
}

/** @param {HTMLElement} container */
async function tokensSection(container) {
  const status = lines();
  const list = h("ul", { class: "bo-list stack", "data-testid": "token-list" });
  const once = h("div", { hidden: true });
  const name = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", maxlength: "100", autocomplete: "off" })
  );
  const days = /** @type {HTMLInputElement} */ (
    h("input", { type: "text", inputmode: "numeric", value: "90" })
  );
  const scopes = checks("token-scopes", t("bo.int.scopes"), SCOPES, (s) => t(`bo.int.scope.${s}`));
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "card stack bo-form", novalidate: true, "data-testid": "token-form" },
      field("token-name", t("bo.int.name"), name),
      scopes.set,
      field("token-days", t("bo.int.days"), days),
      box,
      h(
        "button",
        { type: "submit", class: "primary", "data-testid": "token-create" },
        t("bo.int.create"),
      ),
    )
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, box);
    const line = document.getElementById("token-scopes-error");
    if (line) line.hidden = true;
    form.setAttribute("aria-busy", "true");
    try {
      const made = await request("POST", "/integrations/tokens", {
        name: name.value,
        scopes: scopes.ticked(),
        days: Number(days.value.trim()) || 0,
      });
      form.setAttribute("aria-busy", "false");
      showOnce(once, t("bo.int.shownOnce"), made.token, "token-shown");
      name.value = "";
      await draw();
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.int",
        inputFor: (f) =>
          f === "name" ? name : f === "days" ? days : f.startsWith("scopes") ? scopeError(f) : null,
      });
    }
  });
  /** Scope refusals go under the fieldset. @param {string} _f */
  function scopeError(_f) {
    const first = /** @type {HTMLElement | null} */ (document.getElementById("token-scopes-0"));
    const line = document.getElementById("token-scopes-error");
    if (line) {
      line.textContent = t("bo.int.err.scopes.empty");
      line.hidden = false;
    }
    return first;
  }

  async function draw() {
    let tokens;
    try {
      tokens = await request("GET", "/integrations/tokens");
    } catch (error) {
      status.refuse(error);
      return;
    }
    const now = Date.now();
    list.replaceChildren(
      ...(tokens.length ? [] : [h("li", { class: "muted" }, t("bo.int.noTokens"))]),
      ...tokens.map((token) => {
        const expired = Date.parse(token.expires_at) <= now;
        const facts = [
          `${token.hint}…`,
          token.scopes.join(", "),
          token.revoked_at
            ? t("bo.int.revokedAt", { at: when(token.revoked_at) })
            : expired
              ? t("bo.int.expired")
              : t("bo.int.expires", { at: when(token.expires_at) }),
          token.last_used_at
            ? t("bo.int.lastUsed", { at: when(token.last_used_at) })
            : t("bo.int.neverUsed"),
        ];
        return h(
          "li",
          { class: "card", "data-testid": "token-item" },
          h("strong", {}, token.name),
          h("p", { class: "muted int-facts" }, facts.join(" · ")),
          token.revoked_at || expired
            ? null
            : h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  "aria-label": t("bo.int.revokeOf", { name: token.name }),
                  onclick: async () => {
                    try {
                      await request("POST", `/integrations/tokens/${token.id}/revoke`);
                      status.tell(t("bo.int.revoked", { name: token.name }));
                      await draw();
                    } catch (error) {
                      status.refuse(error);
                    }
                  },
                },
                t("bo.int.revoke"),
              ),
        );
      }),
    );
  }
  container.append(
    h(
      "section",
      { class: "stack", "aria-labelledby": "int-tokens" },
      h("h2", { id: "int-tokens" }, t("bo.int.tokens")),
      h("p", {}, t("bo.int.tokensIntro")),
      form,
      once,
      status.said,
      status.failed,
      list,
    ),
  );
  await draw();
}

/** @param {HTMLElement} container */
async function webhooksSection(container) {
  const status = lines();
  const list = h("ul", { class: "bo-list stack", "data-testid": "webhook-list" });
  const once = h("div", { hidden: true });
  const url = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "text",
      inputmode: "url",
      maxlength: "500",
      autocomplete: "off",
      spellcheck: "false",
    })
  );
  const events = checks("webhook-events", t("bo.int.events"), EVENTS, (e) => t(`bo.int.event.${e}`));
  const box = h("div", { class: "error", role: "alert", tabindex: "-1", hidden: true });
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "card stack bo-form", novalidate: true, "data-testid": "webhook-form" },
      field("webhook-url", t("bo.int.url"), url),
      events.set,
      box,
      h(
        "button",
        { type: "submit", class: "primary", "data-testid": "webhook-create" },
        t("bo.int.subscribe"),
      ),
    )
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, box);
    const line = document.getElementById("webhook-events-error");
    if (line) line.hidden = true;
    form.setAttribute("aria-busy", "true");
    try {
      const made = await request("POST", "/integrations/webhooks", {
        url: url.value.trim(),
        events: events.ticked(),
      });
      form.setAttribute("aria-busy", "false");
      showOnce(once, t("bo.int.secretOnce"), made.secret, "webhook-secret");
      url.value = "";
      await draw();
    } catch (error) {
      showRefusal(error, {
        form,
        box,
        prefix: "bo.int",
        inputFor: (f) => (f === "url" ? url : f.startsWith("events") ? eventError() : null),
      });
    }
  });
  function eventError() {
    const line = document.getElementById("webhook-events-error");
    if (line) {
      line.textContent = t("bo.int.err.events.empty");
      line.hidden = false;
    }
    return /** @type {HTMLElement | null} */ (document.getElementById("webhook-events-0"));
  }

  /**
   * The delivery log of one webhook, drawn into `slot`.
   * @param {{id: string, url: string}} hook
   * @param {HTMLElement} slot
   */
  async function showLog(hook, slot) {
    let rows;
    try {
      rows = await request("GET", `/integrations/webhooks/${hook.id}/deliveries`);
    } catch (error) {
      status.refuse(error);
      return;
    }
    slot.replaceChildren(
      h("h3", {}, t("bo.int.logOf", { url: hook.url })),
      h(
        "ul",
        { class: "bo-list int-log", "data-testid": "delivery-log" },
        ...(rows.length ? [] : [h("li", { class: "muted" }, t("bo.int.noLog"))]),
        ...rows.map(
          (/** @type {any} */ row) =>
            h(
              "li",
              { "data-testid": "delivery-item", "data-outcome": row.outcome },
              t("bo.int.attempt", {
                event: t(`bo.int.event.${row.event}`),
                n: String(row.attempt),
                status: row.status === null ? t("bo.int.noAnswer") : String(row.status),
                ms: String(row.duration_ms),
                at: when(row.at),
              }),
              " · ",
              row.outcome === "retry"
                ? t("bo.int.outcome.retry", { at: when(row.next_at) })
                : t(`bo.int.outcome.${row.outcome}`),
              row.error ? h("span", { class: "muted" }, ` — ${row.error}`) : null,
            ),
        ),
      ),
      h(
        "button",
        { type: "button", class: "secondary small", onclick: () => showLog(hook, slot) },
        t("bo.int.refresh"),
      ),
    );
    slot.hidden = false;
  }

  async function draw() {
    let hooks;
    try {
      hooks = await request("GET", "/integrations/webhooks");
    } catch (error) {
      status.refuse(error);
      return;
    }
    list.replaceChildren(
      ...(hooks.length ? [] : [h("li", { class: "muted" }, t("bo.int.noHooks"))]),
      ...hooks.map((/** @type {any} */ hook) => {
        const log = h("div", { class: "stack", hidden: true });
        const actions = hook.active
          ? [
              h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  "data-testid": "webhook-test",
                  onclick: async () => {
                    try {
                      await request("POST", `/integrations/webhooks/${hook.id}/test`);
                      status.tell(t("bo.int.testSent"));
                    } catch (error) {
                      status.refuse(error);
                    }
                  },
                },
                t("bo.int.test"),
              ),
              h(
                "button",
                {
                  type: "button",
                  class: "secondary small",
                  "aria-label": t("bo.int.disableOf", { url: hook.url }),
                  onclick: async () => {
                    try {
                      await request("POST", `/integrations/webhooks/${hook.id}/disable`);
                      status.tell(t("bo.int.disabledSaid"));
                      await draw();
                    } catch (error) {
                      status.refuse(error);
                    }
                  },
                },
                t("bo.int.disable"),
              ),
            ]
          : [];
        return h(
          "li",
          { class: "card stack", "data-testid": "webhook-item" },
          h("strong", { class: "int-url" }, hook.url),
          h(
            "p",
            { class: "muted int-facts" },
            [
              hook.active ? t("bo.int.active") : t("bo.int.disabled"),
              inOrder(hook.events).map((e) => t(`bo.int.event.${e}`)).join(", "),
            ].join(" · "),
          ),
          h(
            "div",
            { class: "toolbar" },
            ...actions,
            h(
              "button",
              {
                type: "button",
                class: "secondary small",
                "data-testid": "webhook-log",
                onclick: () => showLog(hook, log),
              },
              t("bo.int.log"),
            ),
          ),
          log,
        );
      }),
    );
  }
  container.append(
    h(
      "section",
      { class: "stack", "aria-labelledby": "int-hooks" },
      h("h2", { id: "int-hooks" }, t("bo.int.hooks")),
      h("p", {}, t("bo.int.hooksIntro")),
      form,
      once,
      status.said,
      status.failed,
      list,
    ),
  );
  await draw();
}

/**
 * Draw the tab.
 * @param {HTMLElement} container
 * @param {object} _props
 */
export async function mount(container, _props) {
  ensureOwnStyles();
  const root = h("div", { class: "stack int-root" });
  container.replaceChildren(root);
  await tokensSection(root);
  await webhooksSection(root);
}
