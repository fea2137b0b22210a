// The client signer's page: open the link, read the month, create a passkey on first use,
// sign. Standalone (not part of the app shell); talks only to /api/v1/signature-links and
// /api/v1/sign. The link token arrives in the URL fragment (never sent to a server log) and
// leaves the address bar as soon as it is spent.

import { createPasskey, getPasskey, isSupported } from "../js/online/webauthn.js";

const CSRF_COOKIE = "csrftoken";

const TEXT = {
  fr: {
    loading: "Chargement…",
    "title.signature": "Signature du compte rendu d'activité",
    "title.attestation": "Attestation de service fait",
    heading: "Compte rendu d'activité — {month}",
    consultant: "Consultant·e",
    mission: "Mission",
    client: "Client",
    signer: "Signataire",
    date: "Date",
    days: "Jours",
    comment: "Commentaire",
    total: "Total",
    version: "Version",
    hash: "Empreinte SHA-256 du document",
    "statement.signature":
      "En signant, je confirme que ce compte rendu d'activité est exact. Ma signature porte sur le contenu exact affiché ci-dessus.",
    "statement.attestation":
      "En attestant, je confirme que le service décrit ci-dessus a été fait. Mon attestation porte sur le contenu exact affiché ci-dessus.",
    "code.intro":
      "Avant de créer votre clé de signature, confirmez que vous lisez bien l'adresse {email} : nous y envoyons un code à 6 chiffres.",
    "code.send": "Recevoir le code par e-mail",
    "code.sending": "Envoi du code…",
    "code.sent": "Code envoyé à {email}. Il est valable 15 minutes.",
    "code.label": "Code reçu par e-mail",
    "code.verify": "Valider le code",
    "code.verifying": "Vérification du code…",
    "code.resend": "Renvoyer un code",
    "code.verified": "Adresse confirmée.",
    "code.demo": "Démonstration sans serveur de messagerie : le code envoyé est {code}.",
    "error.wrong_code": "Ce n'est pas le code envoyé. Vérifiez le dernier e-mail reçu.",
    "error.expired": "Ce code a expiré : demandez-en un nouveau.",
    "error.too_many_attempts": "Trop d'essais : demandez un nouveau code.",
    "error.too_many_codes": "Trop de codes envoyés dans l'heure : réessayez plus tard.",
    "error.not_verified": "Confirmez d'abord votre adresse avec le code reçu par e-mail.",
    "error.synced_passkey":
      "Votre entreprise exige une clé d'accès liée à un seul appareil (clé de sécurité, ou appareil qui ne synchronise pas ses clés) : celle-ci est synchronisée.",
    "passkey.intro":
      "Pour signer, créez d'abord une clé d'accès sur cet appareil : elle utilise l'empreinte, le visage ou le code de verrouillage de l'appareil, et aucun secret ne le quitte.",
    "passkey.create": "Créer ma clé d'accès",
    "passkey.creating": "Création de la clé d'accès… Suivez les instructions de votre appareil.",
    "sign.signature": "Signer avec ma clé d'accès",
    "sign.attestation": "Attester avec ma clé d'accès",
    "sign.progress": "Signature… Suivez les instructions de votre appareil.",
    "signed.signature": "Compte rendu signé le {date}.",
    "signed.attestation": "Service fait attesté le {date}.",
    evidence: "Télécharger la preuve de signature (JSON)",
    pdf: "Télécharger le CRA signé (PDF, preuve jointe)",
    closed: "Ce compte rendu n'attend plus votre signature (déjà traité, renvoyé ou réattribué).",
    "error.gone": "Ce lien de signature a expiré ou a déjà été utilisé. Demandez-en un nouveau.",
    "error.notfound": "Ce lien de signature est introuvable. Vérifiez le lien reçu.",
    "error.session": "Ouvrez à nouveau le lien de signature reçu par e-mail.",
    "error.unsupported": "Ce navigateur ne gère pas les clés d'accès. Utilisez un navigateur récent.",
    "error.cancelled": "Opération annulée ou vérification de l'utilisateur refusée. Réessayez.",
    "error.changed": "Le compte rendu a changé depuis son affichage : relisez-le avant de signer.",
    "error.refused": "Signature refusée : {detail}",
    "error.network": "Le serveur est injoignable. Vérifiez la connexion et réessayez.",
    "error.other": "Erreur : {detail}",
    halfDay: "{n} j",
  },
  en: {
    loading: "Loading…",
    "title.signature": "Activity report signature",
    "title.attestation": "Certificate of service performed",
    heading: "Activity report — {month}",
    consultant: "Consultant",
    mission: "Assignment",
    client: "Client",
    signer: "Signer",
    date: "Date",
    days: "Days",
    comment: "Comment",
    total: "Total",
    version: "Version",
    hash: "SHA-256 fingerprint of the document",
    "statement.signature":
      "By signing, I confirm this activity report is accurate. My signature covers the exact content shown above.",
    "statement.attestation":
      "By attesting, I confirm the service described above was performed. My attestation covers the exact content shown above.",
    "code.intro":
      "Before creating your signing passkey, confirm you read the address {email}: we send a 6-digit code there.",
    "code.send": "Email me the code",
    "code.sending": "Sending the code…",
    "code.sent": "Code sent to {email}. It is valid for 15 minutes.",
    "code.label": "Code received by email",
    "code.verify": "Check the code",
    "code.verifying": "Checking the code…",
    "code.resend": "Send another code",
    "code.verified": "Address confirmed.",
    "code.demo": "Demo without a mail server: the code sent is {code}.",
    "error.wrong_code": "This is not the code we sent. Check the latest email.",
    "error.expired": "This code has expired: ask for a new one.",
    "error.too_many_attempts": "Too many tries: ask for a new code.",
    "error.too_many_codes": "Too many codes sent this hour: try again later.",
    "error.not_verified": "First confirm your address with the emailed code.",
    "error.synced_passkey":
      "Your company requires a passkey kept on one device (a security key, or a device that does not sync its passkeys): this one is synced.",
    "passkey.intro":
      "To sign, first create a passkey on this device: it uses the device's fingerprint, face or screen lock, and no secret ever leaves it.",
    "passkey.create": "Create my passkey",
    "passkey.creating": "Creating the passkey… Follow your device's instructions.",
    "sign.signature": "Sign with my passkey",
    "sign.attestation": "Attest with my passkey",
    "sign.progress": "Signing… Follow your device's instructions.",
    "signed.signature": "Report signed on {date}.",
    "signed.attestation": "Service attested on {date}.",
    evidence: "Download the signature evidence (JSON)",
    pdf: "Download the signed report (PDF, evidence attached)",
    closed: "This report no longer waits on your signature (done, sent back or reassigned).",
    "error.gone": "This signature link has expired or was already used. Ask for a new one.",
    "error.notfound": "This signature link was not found. Check the link you received.",
    "error.session": "Open the signature link you received by email again.",
    "error.unsupported": "This browser does not support passkeys. Use a recent browser.",
    "error.cancelled": "Cancelled, or user verification refused. Try again.",
    "error.changed": "The report changed since it was shown: read it again before signing.",
    "error.refused": "Signature refused: {detail}",
    "error.network": "The server cannot be reached. Check the connection and try again.",
    "error.other": "Error: {detail}",
    halfDay: "{n} d",
  },
};

let locale = (navigator.languages ?? [navigator.language])
  .map((tag) => String(tag).slice(0, 2).toLowerCase())
  .find((tag) => tag in TEXT) ?? "fr";
if (localStorage.getItem("carnet.sign.locale") in TEXT) {
  locale = localStorage.getItem("carnet.sign.locale");
}

/** @param {string} key @param {Record<string, string | number>} [values] */
function t(key, values = {}) {
  const text = TEXT[locale][key] ?? TEXT.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** Build an element; children are nodes or text (never parsed as HTML). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return "";
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["x-csrftoken"] = csrfToken();
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: method === "GET" ? undefined : JSON.stringify(body ?? {}),
    });
  } catch {
    throw new ApiError(0, null);
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {any} */
let portal = null;
let busy = false;

function formatMonth(month) {
  const [year, number] = month.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(
    new Date(Date.UTC(year, number - 1, 1)),
  );
}

function formatDate(iso) {
  return new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" })
    .format(new Date(`${iso}T00:00:00Z`));
}

function formatDays(halfDays) {
  return t("halfDay", { n: new Intl.NumberFormat(locale).format(halfDays / 2) });
}

function errorText(error) {
  if (error instanceof DOMException) return t("error.cancelled");
  if (!(error instanceof ApiError)) return t("error.other", { detail: String(error?.message ?? error) });
  const code = error.problem?.errors?.[0]?.code;
  if (error.status === 0) return t("error.network");
  if (error.status === 410) return t("error.gone");
  if (error.status === 404) return t("error.notfound");
  if (error.status === 401) return t("error.session");
  if (code === "changed") return t("error.changed");
  if (code && `error.${code}` in TEXT[locale]) return t(`error.${code}`);
  if (error.problem?.code === "signature_rejected") {
    return t("error.refused", { detail: error.problem.errors?.[0]?.message ?? "" });
  }
  return t("error.other", { detail: error.problem?.detail ?? error.message });
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
      h("td", {}, h("time", { datetime: day.date }, formatDate(day.date))),
      h("td", { class: "num" }, formatDays(day.half_days)),
      h("td", {}, day.comment)));
  return h("section", { "aria-labelledby": "month-heading" },
    h("h1", { id: "month-heading", "data-testid": "month-heading" }, t("heading", { month: formatMonth(doc.month) })),
    h("dl", {},
      h("dt", {}, t("consultant")), h("dd", { "data-testid": "consultant" }, doc.consultant.name),
      h("dt", {}, t("mission")), h("dd", {}, doc.mission.title),
      h("dt", {}, t("client")), h("dd", {}, doc.mission.client),
      h("dt", {}, t("signer")), h("dd", {}, `${doc.signer.name} <${doc.signer.email}>`),
      h("dt", {}, t("version")), h("dd", {}, String(doc.version))),
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
  document.documentElement.lang = locale;
  const wording = portal.wording === "attestation" ? "attestation" : "signature";
  document.title = `Carnet — ${t(`title.${wording}`)}`;
  const children = [];
  if (portal.document) children.push(documentSection(portal.document));
  const panel = h("section", { "aria-live": "polite" });
  if (portal.status === "signed") {
    const when = new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short" })
      .format(new Date(portal.signed_at));
    panel.append(
      h("p", { class: "done", role: "status", tabindex: "-1", "data-testid": "signed" }, t(`signed.${wording}`, { date: when })),
      h("p", {}, h("a", {
        class: "button secondary",
        href: `/api/v1/sign/evidence/${portal.evidence_id}`,
        download: `signature-${portal.evidence_id}.json`,
        "data-testid": "evidence",
      }, t("evidence"))),
      h("p", {}, h("a", {
        class: "button secondary",
        href: `/api/v1/sign/evidence/${portal.evidence_id}/pdf`,
        download: `cra-signe-${portal.evidence_id}.pdf`,
        "data-testid": "pdf",
      }, t("pdf"))));
  } else if (portal.status === "closed") {
    panel.append(h("p", { "data-testid": "closed" }, t("closed")));
  } else if (!portal.has_passkey && !portal.email_verified) {
    panel.append(...codeStep());
  } else if (!portal.has_passkey) {
    const button = h("button", { type: "button", class: "primary", "data-testid": "register", "aria-disabled": "false" }, t("passkey.create"));
    button.addEventListener("click", () => act(button, t("passkey.creating"), register));
    panel.append(h("p", { class: "done", "data-testid": "email-verified" }, t("code.verified")), h("p", {}, t("passkey.intro")), button);
  } else {
    const button = h("button", { type: "button", class: "primary", "data-testid": "sign", "aria-disabled": "false" }, t(`sign.${wording}`));
    button.addEventListener("click", () => act(button, t("sign.progress"), sign));
    panel.append(h("p", { "data-testid": "statement" }, t(`statement.${wording}`)), button);
  }
  panel.append(
    h("p", { class: "muted", role: "status", "data-testid": "progress" }),
    h("p", { class: "error", role: "alert", "data-testid": "error" }));
  children.push(panel);
  if (portal.document_sha256) {
    children.push(h("p", { class: "muted" }, `${t("hash")} : `,
      h("span", { class: "hash", "data-testid": "document-hash" }, portal.document_sha256)));
  }
  main.replaceChildren(...children);
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
    portal = await call("POST", "/sign/email-code", { language: locale });
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
    throw new ApiError(409, { errors: [{ code: "changed" }] });
  }
  const credential = await getPasskey(options.options);
  await call("POST", "/sign/assertion", { challenge_id: options.challenge_id, credential });
  portal = await call("GET", "/sign");
  render();
  main.querySelector('[data-testid="signed"]')?.focus();
}

async function start() {
  // Any GET sets the CSRF cookie the POSTs need.
  await fetch("/api/v1/session", { credentials: "same-origin" }).catch(() => null);
  const token = new URLSearchParams(location.hash.slice(1)).get("t");
  try {
    if (token) {
      history.replaceState(null, "", location.pathname);
      try {
        portal = await call("POST", "/signature-links/open", { token });
      } catch (error) {
        // A link opened before in this browser: its session may still be running.
        if (!(error instanceof ApiError && error.status === 410)) throw error;
        portal = await call("GET", "/sign").catch(() => {
          throw error;
        });
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
  const other = locale === "fr" ? "en" : "fr";
  languageButton.textContent = other === "en" ? "English" : "Français";
  languageButton.lang = other;
}
languageButton.addEventListener("click", () => {
  locale = locale === "fr" ? "en" : "fr";
  localStorage.setItem("carnet.sign.locale", locale);
  labelLanguageButton();
  if (portal) render();
});
labelLanguageButton();
// A link pasted into an open portal tab changes only the fragment: no page load happens.
window.addEventListener("hashchange", () => {
  if (new URLSearchParams(location.hash.slice(1)).has("t")) start();
});
start();
