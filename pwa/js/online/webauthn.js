// Passkey ceremonies. The server sends WebAuthn options as JSON (binary fields in
// base64url) and expects PublicKeyCredential.toJSON() back. Recent browsers do the
// conversion natively; the small fallback below covers the others (Safari < 17.4 etc.).

/** @returns {boolean} */
export function isSupported() {
  return (
    typeof window !== "undefined" &&
    typeof window.PublicKeyCredential === "function" &&
    typeof navigator.credentials?.create === "function"
  );
}

/**
 * @param {string} text  base64url, padding optional
 * @returns {ArrayBuffer}
 */
export function base64urlToBuffer(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * @param {ArrayBuffer | ArrayBufferView} data
 * @returns {string}  base64url without padding
 */
export function bufferToBase64url(data) {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** @param {{id: string}[] | undefined} list */
function descriptorsFromJSON(list) {
  return list?.map((d) => ({ ...d, id: base64urlToBuffer(d.id) }));
}

function creationOptionsFromJSON(json) {
  const options = {
    ...json,
    challenge: base64urlToBuffer(json.challenge),
    user: { ...json.user, id: base64urlToBuffer(json.user.id) },
  };
  if (json.excludeCredentials) options.excludeCredentials = descriptorsFromJSON(json.excludeCredentials);
  return options;
}

function requestOptionsFromJSON(json) {
  const options = { ...json, challenge: base64urlToBuffer(json.challenge) };
  if (json.allowCredentials) options.allowCredentials = descriptorsFromJSON(json.allowCredentials);
  return options;
}

/** Serialise a credential the way PublicKeyCredential.toJSON() does (WebAuthn L3 §5.1.8). */
function credentialToJSON(credential) {
  if (typeof credential.toJSON === "function") return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: bufferToBase64url(r.clientDataJSON) };
  if ("attestationObject" in r) {
    response.attestationObject = bufferToBase64url(r.attestationObject);
    if (typeof r.getTransports === "function") response.transports = r.getTransports();
    if (typeof r.getAuthenticatorData === "function")
      response.authenticatorData = bufferToBase64url(r.getAuthenticatorData());
    if (typeof r.getPublicKeyAlgorithm === "function")
      response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
    const publicKey = typeof r.getPublicKey === "function" ? r.getPublicKey() : null;
    if (publicKey) response.publicKey = bufferToBase64url(publicKey);
  } else {
    response.authenticatorData = bufferToBase64url(r.authenticatorData);
    response.signature = bufferToBase64url(r.signature);
    if (r.userHandle) response.userHandle = bufferToBase64url(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    response,
  };
}

/**
 * Create a passkey (registration ceremony).
 * Rejects with the browser's DOMException (NotAllowedError when cancelled or UV fails,
 * InvalidStateError when a credential in excludeCredentials already exists…).
 * @param {object} optionsJSON  PublicKeyCredentialCreationOptionsJSON
 * @returns {Promise<object>}  RegistrationResponseJSON
 */
export async function createPasskey(optionsJSON) {
  const publicKey =
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
      ? PublicKeyCredential.parseCreationOptionsFromJSON(optionsJSON)
      : creationOptionsFromJSON(optionsJSON);
  const credential = await navigator.credentials.create({ publicKey });
  if (credential === null) throw new DOMException("No credential returned", "NotAllowedError");
  return credentialToJSON(credential);
}

/**
 * Use a passkey (authentication ceremony).
 * @param {object} optionsJSON  PublicKeyCredentialRequestOptionsJSON
 * @returns {Promise<object>}  AuthenticationResponseJSON
 */
export async function getPasskey(optionsJSON) {
  const publicKey =
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
      ? PublicKeyCredential.parseRequestOptionsFromJSON(optionsJSON)
      : requestOptionsFromJSON(optionsJSON);
  const credential = await navigator.credentials.get({ publicKey });
  if (credential === null) throw new DOMException("No credential returned", "NotAllowedError");
  return credentialToJSON(credential);
}
