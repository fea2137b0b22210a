// The client signer's page: open the link, read the month, create a passkey on first use,
// sign. Standalone (not part of the app shell); talks only to /api/v1/signature-links and
// /api/v1/sign. The link token arrives in the URL fragment (never sent to a server log) and
// leaves the address bar once the link is open; opening spends nothing, so the mail's link
// opens again until the month is signed. A link that no longer opens offers to ask for a new
// one; a passkey that is not on this device offers to try again (a phone nearby) or to
// enrol this device.

import { ApiError, request } from "../js/api.js";
import {
  addStrings,
  formatDate,
  formatDays as days,
  formatMonthName,
  locale,
  setLocale,
  t as tr,
  tOr,
} from "../js/i18n.js";
import { formatDateTime } from "../js/online/datetime.js";
import { createPasskey, getPasskey, isSupported } from "../js/online/webauthn.js";
import { h } from "../js/views/dom.js";
import { STRINGS } from "./strings.js";

addStrings(STRINGS);

/** The portal's own texts: keys of ./strings.js, without their "sign." prefix. */
const t = (/** @type {string} */ key, values = {}) => tr(`sign.${key}`, values);

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {any} */
let portal = null;
let busy = false;
/** The link's token, kept in memory only: to ask for a new link if this one no longer opens. */
let linkToken = "";
/** @type {"" | "not-here" | "enrol"} A step the signer chose on top of the portal's state. */
let view = "";
/** @type {ApiError | null} Why the link did not open (the screen is redrawn on a language switch). */
let refused = null;
let requested = false;

const formatDay = (iso) => formatDate(iso, { weekday: "short", day: "numeric", month: "short" });
const formatDays = (halfDays) => t("halfDay", { n: days(halfDays) });

/**
 * A call to the portal's API through the app's one HTTP client. The link spends nothing when
 * opened: if this tab's session ran out, or an opening elsewhere replaced it, open the link
 * again once and retry, rather than sending the signer back to their mail.
 */
async function call(method, path, body) {
  try {
    return await request(method, path, body);
  } catch (error) {
    const portalPath = path === "/sign" || path.startsWith("/sign/");
    const lost = error instanceof ApiError && error.status === 401 && portalPath;
    if (!lost || !linkToken) throw error;
    await request("POST", "/signature-links/open", { token: linkToken });
    return request(method, path, body);
  }
}

/** WebAuthn's answer when no passkey was used: none on this device, or the signer cancelled. */
const noPasskeyHere = (error) => error instanceof DOMException && error.name === "NotAllowedError";

function errorText(error) {
  if (error instanceof DOMException) return t("error.cancelled");
  if (!(error instanceof ApiError)) return t("error.other", { detail: String(error?.message ?? error) });
  const code = error.errors[0]?.code;
  if (error.status === 0) return t("error.network");
  if (error.status === 410) return t("error.gone");
  if (error.status === 404) return t("error.notfound");
  if (error.status === 401) return t("error.session");
  if (code === "changed") return t("error.changed");
  if (code && tOr(`sign.error.${code}`)) return t(`error.${code}`);
  if (error.code === "signature_rejected") {
    return t("error.refused", { detail: error.errors[0]?.message ?? "" });
  }
  return t("error.other", { detail: error.detail || error.message });
}

function showError(error) {
  const box = main.querySelector('[data-testid="error"]');
  const text = errorText(error);
  if (box) {
    box.textContent = text;
  } else {
    main.replaceChildren(h("h1", {}, "Carnet"), h("p", { class: "error", role: "alert", "data-testid": "error" }, text));
    main.focus();
  }
}

/** Run an action behind a button: one at a time, progress announced, errors shown. */
async function act(button, progress, work) {
  if (busy) return;
  busy = true;
  button.setAttribute("aria-disabled", "true");
  const status = main.querySelector('[data-testid="progress"]');
  if (status) status.textContent = progress;
  const box = main.querySelector('[data-testid="error"]');
  if (box) box.textContent = "";
  try {
    await work();
  } catch (error) {
    showError(error);
  } finally {
    busy = false;
    button.setAttribute("aria-disabled", "false");
    if (status) status.textContent = "";
  }
}

function documentSection(doc) {
  const total = doc.totals.half_days;
  const rows = doc.days.map((day) =>
    h("tr", {},
      h("td", {}, h("time", { datetime: day.date }, formatDay(day.date))),
      h("td", { class: "num" }, formatDays(day.half_days)),
      h("td", {}, day.comment)));
  return h("section", { "aria-labelledby": "month-heading" },
    h("h1", { id: "month-heading", "data-testid": "month-heading" }, t("heading", { month: formatMonthName(doc.month) })),
    h("dl", {},
      h("dt", {}, t("consultant")), h("dd", { "data-testid": "consultant" }, doc.consultant.name),
      h("dt", {}, t("mission")), h("dd", {}, doc.mission.title),
      h("dt", {}, t("client")), h("dd", {}, doc.mission.client),
      h("dt", {}, t("signer")), h("dd", {}, `${doc.signer.name} <${doc.signer.email}>`)),
    h("table", { "data-testid": "days" },
      h("thead", {}, h("tr", {},
        h("th", { scope: "col" }, t("date")),
        h("th", { scope: "col", class: "num" }, t("days")),
        h("th", { scope: "col" }, t("comment")))),
      h("tbody", {}, rows),
      h("tfoot", {}, h("tr", {},
        h("th", { scope: "row" }, t("total")),
        h("td", { class: "num", "data-testid": "total" }, formatDays(total)),
        h("td", {})))));
}

function render() {
  document.documentElement.lang = locale();
  const wording = portal.wording === "attestation" ? "attestation" : "signature";
  document.title = `Carnet — ${t(`title.${wording}`)}`;
  const children = [];
  if (portal.document) children.push(documentSection(portal.document));
  const panel = h("section", { "aria-live": "polite" });
  if (portal.status === "signed") {
    const when = formatDateTime(portal.signed_at, { dateStyle: "full", timeStyle: "short" });
    panel.append(
      h("p", { class: "done", role: "status", tabindex: "-1", "data-testid": "signed" }, t(`signed.${wording}`, { date: when })),
      h("p", {}, h("a", {
        class: "button secondary",
        href: `/api/v1/sign/evidence/${portal.evidence_id}/pdf`,
        download: `cra-signe-${portal.evidence_id}.pdf`,
        "data-testid": "pdf",
      }, t("pdf"))),
      h("p", {}, h("a", {
        class: "button secondary",
        href: `/api/v1/sign/evidence/${portal.evidence_id}`,
        download: `signature-${portal.evidence_id}.json`,
        "data-testid": "evidence",
      }, t("evidence"))));
  } else if (portal.status === "closed") {
    panel.append(h("p", { "data-testid": "closed" }, t("closed")));
  } else if (view === "not-here" && portal.has_passkey) {
    panel.append(...notHereStep());
  } else if ((!portal.has_passkey || view === "enrol") && !portal.email_verified) {
    panel.append(...codeStep());
  } else if (!portal.has_passkey || view === "enrol") {
    const button = h("button", { type: "button", class: "primary", "data-testid": "register", "aria-disabled": "false" }, t("passkey.create"));
    button.addEventListener("click", () => act(button, t("passkey.creating"), register));
    const intro = portal.has_passkey ? t("passkey.replace") : t("passkey.intro");
    panel.append(h("p", { class: "done", "data-testid": "email-verified" }, t("code.verified")), h("p", {}, intro), button);
  } else {
    const button = h("button", { type: "button", class: "primary", "data-testid": "sign", "aria-disabled": "false" }, t(`sign.${wording}`));
    button.addEventListener("click", () => act(button, t("sign.progress"), sign));
    panel.append(h("p", { "data-testid": "statement" }, t(`statement.${wording}`)), button);
  }
  panel.append(
    h("p", { class: "muted", role: "status", "data-testid": "progress" }),
    h("p", { class: "error", role: "alert", "data-testid": "error" }));
  children.push(panel);
  if (portal.document) children.push(detailsSection(portal.document));
  main.replaceChildren(...children);
}

/** What a specialist may want to check, folded away: the version and the document's hash. */
function detailsSection(doc) {
  return h("details", { class: "details", "data-testid": "details" },
    h("summary", {}, t("details")),
    h("dl", {},
      h("dt", {}, t("version")), h("dd", { "data-testid": "version" }, String(doc.version)),
      h("dt", {}, t("hash")), h("dd", { class: "hash", "data-testid": "document-hash" }, portal.document_sha256)),
    h("p", { class: "muted" }, t("hash.why")));
}

/** The passkey was not used: most often it lives on another device (a phone). */
function notHereStep() {
  const retry = h("button", { type: "button", class: "primary", "data-testid": "retry", "aria-disabled": "false" }, t("notHere.retry"));
  retry.addEventListener("click", () => act(retry, t("sign.progress"), sign));
  const enrol = h("button", { type: "button", class: "secondary", "data-testid": "enrol-here", "aria-disabled": "false" }, t("notHere.enrol"));
  enrol.addEventListener("click", () => {
    view = "enrol";
    render();
    main.querySelector('[data-testid="send-code"]')?.focus();
  });
  return [
    h("h2", { tabindex: "-1", "data-testid": "not-here" }, t("notHere.title")),
    h("p", {}, t("notHere.intro")),
    h("ol", { class: "choices" },
      h("li", {}, h("p", {}, t("notHere.retryHelp")), retry),
      h("li", {}, h("p", {}, t("notHere.enrolHelp", { email: portal.signer_email })), enrol)),
  ];
}

/** The link does not open: say why in plain words and, where it helps, offer a new one. */
function linkRefused(error) {
  refused = error;
  document.documentElement.lang = locale();
  const code = error.errors[0]?.code ?? "";
  const reason = ["expired", "signed", "closed"].includes(code) ? code : "expired";
  const children = [
    h("h1", {}, t("link.title")),
    h("p", { class: "error", role: "alert", "data-testid": "link-refused" }, t(`link.${reason}`)),
  ];
  if (reason !== "signed" && linkToken) {
    const done = h("p", { class: "done", role: "status", tabindex: "-1", "data-testid": "link-requested" },
      requested ? t("link.requested") : "");
    children.push(h("p", {}, t("link.requestHelp")));
    if (!requested) {
      const ask = h("button", { type: "button", class: "primary", "data-testid": "request-link", "aria-disabled": "false" }, t("link.request"));
      ask.addEventListener("click", () => act(ask, t("link.requesting"), async () => {
        await call("POST", "/signature-links/request", { token: linkToken, language: locale() });
        requested = true;
        ask.remove();
        done.textContent = t("link.requested");
        done.focus();
      }));
      children.push(ask);
    }
    children.push(done);
  }
  children.push(
    h("p", { class: "muted", role: "status", "data-testid": "progress" }),
    h("p", { class: "error", role: "alert", "data-testid": "error" }));
  main.replaceChildren(h("section", {}, ...children));
  main.focus();
}

/** The e-mailed code that proves the signer reads the address their firm declared. */
function codeStep() {
  const email = portal.signer_email;
  const send = h("button", {
    type: "button",
    class: portal.code_sent_at ? "secondary" : "primary",
    "data-testid": "send-code",
    "aria-disabled": "false",
  }, t(portal.code_sent_at ? "code.resend" : "code.send"));
  send.addEventListener("click", () => act(send, t("code.sending"), async () => {
    portal = await call("POST", "/sign/email-code", { language: locale() });
    render();
    main.querySelector('[data-testid="code"]')?.focus();
  }));
  if (!portal.code_sent_at) return [h("p", {}, t("code.intro", { email })), send];
  const input = h("input", {
    id: "code",
    name: "code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: "6",
    required: "",
    "data-testid": "code",
    "aria-describedby": "code-help",
  });
  const verify = h("button", { type: "submit", class: "primary", "data-testid": "verify-code", "aria-disabled": "false" }, t("code.verify"));
  const form = h("form", { class: "code", novalidate: "" },
    h("label", { for: "code" }, t("code.label")), input, verify);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(verify, t("code.verifying"), async () => {
      portal = await call("POST", "/sign/email-code/verify", { code: input.value.replace(/\s/g, "") });
      render();
      main.querySelector('[data-testid="register"]')?.focus();
    });
  });
  const demo = portal.demo_code
    ? h("p", { class: "done", "data-testid": "demo-code" }, t("code.demo", { code: portal.demo_code }))
    : null;
  return [h("p", { id: "code-help", "data-testid": "code-sent" }, t("code.sent", { email })), demo, form, h("p", {}, send)];
}

async function register() {
  if (!isSupported()) throw new Error(t("error.unsupported"));
  const ceremony = await call("POST", "/sign/passkey-options", {});
  const credential = await createPasskey(ceremony.options);
  portal = await call("POST", "/sign/passkey", {
    ceremony_id: ceremony.ceremony_id,
    credential,
    device_name: navigator.platform || "",
  });
  view = "";
  render();
  main.querySelector('[data-testid="sign"]')?.focus();
}

async function sign() {
  if (!isSupported()) throw new Error(t("error.unsupported"));
  const options = await call("POST", "/sign/options", {});
  if (portal.document_sha256 && options.document_sha256 !== portal.document_sha256) {
    // What would be signed is not what is on screen: show the new content first.
    portal = await call("GET", "/sign");
    render();
    const changed = { field: "", code: "changed", message: "" };
    throw new ApiError({ status: 409, title: "changed", errors: [changed] });
  }
  let credential;
  try {
    credential = await getPasskey(options.options);
  } catch (error) {
    if (!noPasskeyHere(error)) throw error;
    view = "not-here";
    render();
    main.querySelector('[data-testid="not-here"]')?.focus();
    return;
  }
  await call("POST", "/sign/assertion", { challenge_id: options.challenge_id, credential });
  view = "";
  portal = await call("GET", "/sign");
  render();
  main.querySelector('[data-testid="signed"]')?.focus();
}

async function start() {
  const token = new URLSearchParams(location.hash.slice(1)).get("t");
  view = "";
  refused = null;
  requested = false;
  try {
    if (token) {
      linkToken = token;
      history.replaceState(null, "", location.pathname);
      try {
        portal = await call("POST", "/signature-links/open", { token });
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 410)) throw error;
        // A session opened before in this browser may still be running: show its month.
        portal = await call("GET", "/sign").catch(() => null);
        if (!portal) {
          linkRefused(error);
          return;
        }
      }
    } else {
      portal = await call("GET", "/sign");
    }
    render();
  } catch (error) {
    showError(error);
  }
}

const languageButton = /** @type {HTMLButtonElement} */ (document.querySelector('[data-testid="lang"]'));
function labelLanguageButton() {
  const other = locale() === "fr" ? "en" : "fr";
  languageButton.textContent = other === "en" ? "English" : "Français";
  languageButton.lang = other;
}
languageButton.addEventListener("click", () => {
  setLocale(locale() === "fr" ? "en" : "fr");
  labelLanguageButton();
  if (portal) render();
  else if (refused) linkRefused(refused);
});
labelLanguageButton();
// The firm's name in the bar (docs/brand.md); its colours come with /brand.css.
request("GET", "/brand")
  .then((brand) => {
    const bar = document.querySelector(".bar .brand");
    if (bar && brand?.app_name) bar.textContent = brand.app_name;
  })
  .catch(() => {});
// A link pasted into an open portal tab changes only the fragment: no page load happens.
window.addEventListener("hashchange", () => {
  if (new URLSearchParams(location.hash.slice(1)).has("t")) start();
});
start();
