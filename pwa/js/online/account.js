// Sign-in and invitation: the passkey ceremonies. Imported on demand by app.js (`online()`):
// they need the server, so the service worker does not precache pwa/js/online/ and the
// offline shell does not carry them. What app.js passes in is all they use of it.

import { ApiError, request } from "../api.js";
import { addStrings, t } from "../i18n.js";
import { announce, showMessage } from "../views.js";
import * as view from "./account-view.js";
import * as passkeys from "./webauthn.js";

/**
 * @typedef {object} Shell  What these screens need from app.js.
 * @property {(error: unknown, byStatus?: Record<number, string>) =>
 *   {message: string, details: string[]}} describeError
 * @property {(person: any, message: string) => void} signedIn  Show the person's home.
 */

/** This module's strings, key → [French, English] (i18n.js STRINGS). */
export const STRINGS = {
  "title.invitation": ["Invitation", "Invitation"],
  "title.signin": ["Connexion", "Sign in"],

  "invite.heading": ["Bienvenue {name}", "Welcome {name}"],
  "invite.organisation": [
    "Vous êtes invité·e par {organisation}.",
    "You are invited by {organisation}.",
  ],
  "invite.email": ["Compte : {email}", "Account: {email}"],
  "invite.expires": ["Invitation valable jusqu'au {date}.", "Invitation valid until {date}."],
  "invite.passkey": [
    "Une clé d'accès remplace le mot de passe : vous vous connecterez avec l'empreinte, le visage ou le code de verrouillage de cet appareil, et aucun secret ne quitte l'appareil.",
    "A passkey replaces the password: you sign in with this device's fingerprint, face or screen lock, and no secret ever leaves the device.",
  ],
  "invite.device.label": ["Nom de cet appareil", "Name of this device"],
  "invite.device.hint": [
    "Pour reconnaître cette clé d'accès plus tard.",
    "To recognise this passkey later.",
  ],
  "invite.register": ["Créer ma clé d'accès", "Create my passkey"],
  "invite.registering": [
    "Création de la clé d'accès… Suivez les instructions de votre appareil.",
    "Creating the passkey… Follow your device's instructions.",
  ],
  "invite.done": [
    "Clé d'accès créée. Vous êtes connecté·e.",
    "Passkey created. You are signed in.",
  ],
  "invite.loading": ["Lecture de l'invitation…", "Reading the invitation…"],
  "invite.invalid.heading": ["Invitation inutilisable", "Invitation cannot be used"],
  "invite.gone": [
    "Cette invitation a expiré ou a déjà été utilisée. Demandez-en une nouvelle à votre administrateur.",
    "This invitation has expired or was already used. Ask your administrator for a new one.",
  ],
  "invite.notfound": [
    "Cette invitation est introuvable. Vérifiez le lien reçu ou demandez-en un nouveau.",
    "This invitation cannot be found. Check the link you received or ask for a new one.",
  ],
  "invite.tosignin": ["Aller à la connexion", "Go to sign-in"],

  "signin.heading": ["Connexion", "Sign in"],
  "signin.intro": [
    "Connectez-vous avec la clé d'accès enregistrée sur cet appareil ou sur votre téléphone.",
    "Sign in with the passkey saved on this device or on your phone.",
  ],
  "signin.button": ["Se connecter avec une clé d'accès", "Sign in with a passkey"],
  "signin.progress": [
    "Connexion… Suivez les instructions de votre appareil.",
    "Signing in… Follow your device's instructions.",
  ],
  "signin.noaccount": [
    "Pas encore de compte ? Ouvrez le lien d'invitation envoyé par votre administrateur.",
    "No account yet? Open the invitation link your administrator sent you.",
  ],
  "signin.demo": [
    "Mode démonstration : les données sont fictives.",
    "Demo mode: the data is fictitious.",
  ],

  "home.welcome": ["Vous êtes connecté·e.", "You are signed in."],

  "sso.button": ["Se connecter avec {provider}", "Sign in with {provider}"],
  "sso.or": ["Ou avec une clé d'accès :", "Or with a passkey:"],
  "sso.or.only": [
    "Clients et administrateurs : avec une clé d'accès.",
    "Clients and administrators: with a passkey.",
  ],
  "sso.only": [
    "Le personnel de votre organisation se connecte avec {provider}. Votre clé d'accès reste nécessaire pour signer.",
    "Your organisation's staff sign in with {provider}. Your passkey is still needed to sign.",
  ],
  "sso.required": [
    "Votre organisation connecte son personnel par {provider} : utilisez le bouton « Se connecter avec {provider} ».",
    "Your organisation signs its staff in with {provider}: use the “Sign in with {provider}” button.",
  ],
  "sso.error.unknown_person": [
    "Aucune personne de votre organisation n'a cette adresse dans Carnet. Demandez à votre administrateur de vous ajouter.",
    "No one in your organisation has this address in Carnet. Ask your administrator to add you.",
  ],
  "sso.error.email_not_verified": [
    "Votre fournisseur d'identité ne garantit pas votre adresse e-mail. Demandez à votre administrateur.",
    "Your identity provider does not vouch for your e-mail address. Ask your administrator.",
  ],
  "sso.error.email_missing": [
    "Votre fournisseur d'identité n'a pas transmis d'adresse e-mail. Demandez à votre administrateur.",
    "Your identity provider sent no e-mail address. Ask your administrator.",
  ],
  "sso.error.email_domain_not_allowed": [
    "Les adresses de ce domaine ne peuvent pas se connecter à cette organisation.",
    "Addresses of this domain may not sign in to this organisation.",
  ],
  "sso.error.identity_conflict": [
    "Ce compte du fournisseur est déjà lié à une autre personne. Demandez à votre administrateur.",
    "This provider account is already linked to someone else. Ask your administrator.",
  ],
  "sso.error.person_inactive": [
    "Ce compte a été désactivé par un administrateur de votre organisation.",
    "This account was deactivated by an administrator of your organisation.",
  ],
  "sso.error.not_staff": [
    "Les contacts des clients se connectent avec leur clé d'accès.",
    "Client contacts sign in with their passkey.",
  ],
  "sso.error.expired": [
    "La connexion a pris trop de temps ou a déjà été utilisée. Recommencez.",
    "The sign-in took too long or was already used. Start again.",
  ],
  "sso.error.provider": [
    "Le fournisseur d'identité n'a pas permis la connexion (réponse refusée ou invalide). Réessayez ; si cela persiste, prévenez votre administrateur.",
    "The identity provider did not let you in (answer refused or invalid). Try again; if it goes on, tell your administrator.",
  ],

  "device.default": ["{browser} sur {os}", "{browser} on {os}"],
  "device.unknown": ["Mon appareil", "My device"],

  "error.cancelled": [
    "La clé d'accès n'a pas été utilisée : opération annulée, délai dépassé ou vérification de l'utilisateur refusée. Vous pouvez réessayer.",
    "The passkey was not used: cancelled, timed out or user verification refused. You can try again.",
  ],
  "error.exists": [
    "Une clé d'accès existe déjà sur cet appareil pour ce compte.",
    "A passkey for this account already exists on this device.",
  ],
  "error.insecure": [
    "Cette adresse ne permet pas d'utiliser une clé d'accès (connexion non sécurisée ou domaine invalide).",
    "This address cannot use passkeys (insecure connection or invalid domain).",
  ],
  "error.unsupported": [
    "Cet appareil ou ce navigateur ne prend pas en charge les clés d'accès.",
    "This device or browser does not support passkeys.",
  ],
  "error.unknownkey": [
    "Cette clé d'accès n'est pas reconnue. Utilisez celle créée avec votre invitation.",
    "This passkey is not recognised. Use the one created with your invitation.",
  ],
  "error.expired": ["La demande a expiré. Réessayez.", "The request expired. Try again."],
};
addStrings(STRINGS);

/** The reason codes of a refused single sign-on (docs/sso.md) → the sentence shown. */
const SSO_ERRORS = {
  unknown_person: "sso.error.unknown_person",
  email_not_verified: "sso.error.email_not_verified",
  email_missing: "sso.error.email_missing",
  email_domain_not_allowed: "sso.error.email_domain_not_allowed",
  identity_conflict: "sso.error.identity_conflict",
  person_inactive: "sso.error.person_inactive",
  not_staff: "sso.error.not_staff",
  state_expired: "sso.error.expired",
  state_replayed: "sso.error.expired",
  invalid_state: "sso.error.expired",
  browser_mismatch: "sso.error.expired",
};

/**
 * The reason the provider's trip came back refused (`#sso-error=<reason>`), removed from the
 * address so a reload does not show it again.
 * @returns {string | null}
 */
function takeSsoError() {
  const match = /^#sso-error=([a-z_]{1,40})$/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return match[1];
}

/**
 * Whether this firm signs in through its provider; none when the server cannot say.
 * @returns {Promise<{available: boolean, display_name?: string | null, sso_only?: boolean}>}
 */
async function ssoOffer() {
  try {
    return await request("GET", "/auth/sso");
  } catch {
    return { available: false };
  }
}

// The passkey endpoints of sign-in and invitations, used by this module only.

/**
 * @param {string} token
 * @returns {Promise<import("../api.js").Invitation>}
 */
function getInvitation(token) {
  return request("GET", `/invitations/${encodeURIComponent(token)}`);
}

/**
 * @param {string} token
 * @returns {Promise<import("../api.js").Ceremony>}
 */
function invitationPasskeyOptions(token) {
  return request("POST", `/invitations/${encodeURIComponent(token)}/passkey-options`, {});
}

/**
 * @param {string} token
 * @param {{ceremony_id: string, credential: object, device_name: string}} payload
 * @returns {Promise<{person: import("../api.js").Person}>}
 */
function registerInvitationPasskey(token, payload) {
  return request("POST", `/invitations/${encodeURIComponent(token)}/passkey`, payload);
}

/** @returns {Promise<import("../api.js").Ceremony>} */
function loginOptions() {
  return request("POST", "/auth/passkey-options", {});
}

/**
 * @param {{ceremony_id: string, credential: object}} payload
 * @returns {Promise<{person: import("../api.js").Person}>}
 */
function login(payload) {
  return request("POST", "/auth/passkey", payload);
}


/**
 * A readable default name for the passkey's device, e.g. "Chrome sur Android".
 * @param {string} userAgent
 * @returns {string}
 */
export function defaultDeviceName(userAgent) {
  const os = [
    [/iPhone/, "iPhone"],
    [/iPad/, "iPad"],
    [/Android/, "Android"],
    [/CrOS/, "ChromeOS"],
    [/Macintosh|Mac OS X/, "macOS"],
    [/Windows/, "Windows"],
    [/Linux/, "Linux"],
  ].find(([re]) => re.test(userAgent))?.[1];
  const browser = [
    [/Edg(e|A|iOS)?\//, "Edge"],
    [/OPR\//, "Opera"],
    [/SamsungBrowser\//, "Samsung Internet"],
    [/Firefox\/|FxiOS\//, "Firefox"],
    [/Chrome\/|CriOS\//, "Chrome"],
    [/Safari\//, "Safari"],
  ].find(([re]) => re.test(userAgent))?.[1];
  if (os && browser) return t("device.default", { browser, os });
  return os ?? browser ?? t("device.unknown");
}

/** What a ceremony's DOMException means for the person (WebAuthn §5.1.3, §5.1.4). */
const CEREMONY_ERRORS = {
  NotAllowedError: "error.cancelled",
  AbortError: "error.cancelled",
  InvalidStateError: "error.exists",
  SecurityError: "error.insecure",
  NotSupportedError: "error.unsupported",
};

/**
 * @param {Shell} shell
 * @param {unknown} error
 * @param {Record<number, string>} byStatus
 */
function failure(shell, error, byStatus) {
  const key =
    error instanceof ApiError
      ? undefined
      : CEREMONY_ERRORS[/** @type {any} */ (error)?.name ?? ""];
  return key ? { message: t(key), details: [] } : shell.describeError(error, byStatus);
}

/**
 * The invitation screen for `token`: read it, then create the passkey and sign in.
 * @param {Shell & {token: string, stale: () => boolean, back: () => void}} shell
 */
export async function showInvitation(shell) {
  const { token, stale } = shell;
  announce(t("invite.loading"));
  let invitation;
  try {
    invitation = await getInvitation(token);
  } catch (error) {
    if (stale()) return;
    if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
      showMessage({
        heading: t("invite.invalid.heading"),
        message: t(error.status === 410 ? "invite.gone" : "invite.notfound"),
        actionLabel: t("invite.tosignin"),
        onAction: shell.back,
      });
      return;
    }
    throw error;
  }
  if (stale()) return;
  const screen = view.showInvitation({
    invitation,
    deviceName: defaultDeviceName(navigator.userAgent),
    supported: passkeys.isSupported(),
    onRegister: async (deviceName) => {
      screen.clearError();
      screen.setBusy(true);
      announce(t("invite.registering"));
      try {
        const { ceremony_id, options } = await invitationPasskeyOptions(token);
        const credential = await passkeys.createPasskey(options);
        const { person } = await registerInvitationPasskey(token, {
          ceremony_id,
          credential,
          device_name: deviceName,
        });
        shell.signedIn(person, t("invite.done"));
      } catch (error) {
        screen.setBusy(false);
        const { message, details } = failure(shell, error, {
          404: "invite.notfound",
          410: "invite.gone",
        });
        screen.showError(message, details);
        announce("");
      }
    },
  });
}

/**
 * The sign-in screen: a passkey assertion, then the person's home.
 * @param {Shell & {demoMode: boolean}} shell
 */
export async function showSignIn(shell) {
  const ssoError = takeSsoError();
  const offer = await ssoOffer();
  const provider = offer.display_name ?? "";
  const screen = view.showSignIn({
    demoMode: shell.demoMode,
    supported: passkeys.isSupported(),
    sso: offer.available ? { provider, only: offer.sso_only } : null,
    onSso: () => location.assign("/api/v1/auth/sso/start"),
    onLogin: async () => {
      screen.clearError();
      screen.setBusy(true);
      announce(t("signin.progress"));
      try {
        const { ceremony_id, options } = await loginOptions();
        const credential = await passkeys.getPasskey(options);
        const { person } = await login({ ceremony_id, credential });
        shell.signedIn(person, t("home.welcome"));
      } catch (error) {
        screen.setBusy(false);
        if (error instanceof ApiError && error.errors?.[0]?.code === "sso_required") {
          screen.showError(t("sso.required", { provider }));
          announce("");
          return;
        }
        const { message, details } = failure(shell, error, {
          401: "error.unknownkey",
          403: "error.unknownkey",
          404: "error.unknownkey",
          410: "error.expired",
        });
        screen.showError(message, details);
        announce("");
      }
    },
  });
  if (ssoError) screen.showError(t(SSO_ERRORS[ssoError] ?? "sso.error.provider"));
}
