// The one HTTP client of the app, the signer's portal (pwa/sign/) and the billing page
// (pwa/admin/): the only module of theirs that calls fetch(). Every call goes to /api/v1 on the
// same origin, with the session cookie and, on a change, the CSRF header; errors come back as
// RFC 9457 problem documents and are thrown as ApiError so callers branch on `status`, `code`
// and `errors`, never on response text. (The service worker's two calls, sw-push.js, cannot
// import a module: it keeps its own few lines.)

const BASE = "/api/v1";
const CSRF_COOKIE = "csrftoken";
const CSRF_HEADER = "x-csrftoken";
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * @typedef {object} Person
 * @property {string} id
 * @property {string} email
 * @property {string} display_name
 * @property {string[]} roles  "consultant" | "manager" | "admin" | "client_signer"
 * @property {string} organisation_name
 *
 * @typedef {object} Session
 * @property {boolean} authenticated
 * @property {Person | null} person
 * @property {boolean} demo_mode
 *
 * @typedef {object} Invitation
 * @property {string} email
 * @property {string} display_name
 * @property {string} organisation_name
 * @property {string} expires_at  ISO 8601
 *
 * @typedef {object} Ceremony
 * @property {string} ceremony_id
 * @property {object} options  PublicKeyCredential{Creation,Request}OptionsJSON
 *
 * @typedef {object} FieldError
 * @property {string} field
 * @property {string} code
 * @property {string} message
 */

/** A failed API call. `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  /**
   * @param {{status: number, title: string, detail?: string, code?: string,
   *   errors?: FieldError[]}} problem
   */
  constructor({ status, title, detail = "", code = "", errors = [] }) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = "ApiError";
    this.status = status;
    this.title = title;
    this.detail = detail;
    /** The problem document's stable `code` (e.g. "signature_rejected"), "" if none. */
    this.code = code;
    /** @type {FieldError[]} */
    this.errors = errors;
  }
}

/** @returns {string | null} */
function csrfCookie() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** @param {Response} response */
const isJson = (response) => (response.headers.get("content-type") ?? "").includes("json");

/**
 * Build an ApiError from a failed response: a problem document when there is one,
 * Litestar's default `{status_code, detail, extra}` shape otherwise, else the status text.
 * @param {Response} response
 * @returns {Promise<ApiError>}
 */
async function toApiError(response) {
  let body = null;
  if (isJson(response)) {
    try {
      body = await response.json();
    } catch {
      // Not JSON after all: the status text says it.
    }
  }
  const errors = Array.isArray(body?.errors)
    ? body.errors.map((e) => ({
        field: String(e?.field ?? ""),
        code: String(e?.code ?? ""),
        message: String(e?.message ?? ""),
      }))
    : [];
  return new ApiError({
    status: response.status,
    title: String(body?.title ?? response.statusText ?? "Error"),
    detail: typeof body?.detail === "string" ? body.detail : "",
    code: typeof body?.code === "string" ? body.code : "",
    errors,
  });
}

/**
 * @param {string} method
 * @param {string} path  relative to /api/v1
 * @param {unknown} [body]  sent as JSON; a Blob (a receipt photo) as its own bytes and type
 * @returns {Promise<any>}  parsed JSON, null for 204, the Response itself for a non-JSON body
 */
export async function request(method, path, body) {
  const headers = { Accept: "application/json, application/problem+json" };
  const file = body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = file ? body.type : "application/json";
  if (MUTATING.has(method)) {
    // The server sets the CSRF cookie on GET responses; fetch one if this page never did.
    let token = csrfCookie();
    if (token === null) {
      await getSession();
      token = csrfCookie();
    }
    if (token !== null) headers[CSRF_HEADER] = token;
  }
  let response;
  try {
    response = await fetch(BASE + path, {
      // credentials: fetch's default, "same-origin", sends the session cookie.
      method,
      headers,
      body: file || body === undefined ? body : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (cause) {
    throw new ApiError({ status: 0, title: "Network error", detail: String(cause) });
  }
  if (!response.ok) throw await toApiError(response);
  // No content (204), or a file (an export): the caller reads the Response (blob(), headers).
  if (!isJson(response)) return response.status === 204 ? null : response;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** @returns {Promise<Session>} */
export function getSession() {
  return request("GET", "/session");
}

/** @returns {Promise<null>} */
export function logout() {
  return request("POST", "/auth/logout", {});
}

/** @returns {Promise<Person>} */
export function me() {
  return request("GET", "/me");
}

/**
 * Demo-mode login without a passkey; the server refuses it unless it runs in demo mode on
 * this machine.
 * @param {string} email
 * @returns {Promise<{person: Person}>}
 */
export function demoLogin(email) {
  return request("POST", "/auth/demo-login", { email });
}

/**
 * Push queued mutations and pull what changed, in one round trip (sync/protocol.py). Per-
 * mutation rejections come back inside a 200; an ApiError means the whole request failed
 * (status 0: no network; 401: signed out; 4xx: refused as a whole; 5xx/429: retry later).
 * @param {import("./store.js").SyncRequest} body  As built by store.nextRequest().
 * @returns {Promise<import("./store.js").SyncResponse>}
 */
export function sync(body) {
  return request("POST", "/sync", body);
}

/**
 * Missions visible to the signed-in person (MissionOut: id, consultant_id, client_id, title,
 * start_date, end_date, billing_mode, allowed_absences, comments_required, calendar_region, ...).
 * @returns {Promise<object[]>}
 */
export function missions() {
  return request("GET", "/missions");
}

/**
 * The signed-in person's organisation (OrganisationOut: id, legal_name, siren, siret,
 * vat_number, address, time_zone, calendar_region).
 * @returns {Promise<object>}
 */
export function organisation() {
  return request("GET", "/organisation");
}
