// French first, English second. The language comes from navigator.languages: the first
// entry we have a dictionary for wins, French when none matches.

/** @typedef {"fr" | "en"} Locale */

const DICTIONARIES = {
  fr: {
    "app.name": "Carnet",
    "app.tagline": "Comptes rendus d'activité",
    "skip": "Aller au contenu",
    "loading": "Chargement…",
    "title.invitation": "Invitation",
    "title.signin": "Connexion",
    "title.home": "Accueil",
    "title.error": "Erreur",

    "invite.heading": "Bienvenue {name}",
    "invite.organisation": "Vous êtes invité·e par {organisation}.",
    "invite.email": "Compte : {email}",
    "invite.expires": "Invitation valable jusqu'au {date}.",
    "invite.passkey": "Une clé d'accès remplace le mot de passe : vous vous connecterez avec l'empreinte, le visage ou le code de verrouillage de cet appareil, et aucun secret ne quitte l'appareil.",
    "invite.device.label": "Nom de cet appareil",
    "invite.device.hint": "Pour reconnaître cette clé d'accès plus tard.",
    "invite.register": "Créer ma clé d'accès",
    "invite.registering": "Création de la clé d'accès… Suivez les instructions de votre appareil.",
    "invite.done": "Clé d'accès créée. Vous êtes connecté·e.",
    "invite.loading": "Lecture de l'invitation…",
    "invite.invalid.heading": "Invitation inutilisable",
    "invite.gone": "Cette invitation a expiré ou a déjà été utilisée. Demandez-en une nouvelle à votre administrateur.",
    "invite.notfound": "Cette invitation est introuvable. Vérifiez le lien reçu ou demandez-en un nouveau.",
    "invite.tosignin": "Aller à la connexion",
    "retry": "Réessayer",

    "signin.heading": "Connexion",
    "signin.intro": "Connectez-vous avec la clé d'accès enregistrée sur cet appareil ou sur votre téléphone.",
    "signin.button": "Se connecter avec une clé d'accès",
    "signin.progress": "Connexion… Suivez les instructions de votre appareil.",
    "signin.noaccount": "Pas encore de compte ? Ouvrez le lien d'invitation envoyé par votre administrateur.",
    "signin.demo": "Mode démonstration : les données sont fictives.",
    "signin.loggedout": "Vous êtes déconnecté·e.",

    "home.greeting": "Bonjour {name}",
    "home.organisation": "Organisation : {organisation}",
    "home.roles": "Vos rôles",
    "home.next": "La saisie du mois arrive bientôt ici.",
    "home.logout": "Se déconnecter",
    "home.welcome": "Vous êtes connecté·e.",

    "role.consultant": "Consultant·e",
    "role.manager": "Manager",
    "role.admin": "Administrateur·rice",
    "role.client_signer": "Signataire client",

    "device.default": "{browser} sur {os}",
    "device.unknown": "Mon appareil",

    "error.cancelled": "La clé d'accès n'a pas été utilisée : opération annulée, délai dépassé ou vérification de l'utilisateur refusée. Vous pouvez réessayer.",
    "error.exists": "Une clé d'accès existe déjà sur cet appareil pour ce compte.",
    "error.insecure": "Cette adresse ne permet pas d'utiliser une clé d'accès (connexion non sécurisée ou domaine invalide).",
    "error.unsupported": "Cet appareil ou ce navigateur ne prend pas en charge les clés d'accès.",
    "error.network": "Pas de connexion au serveur. Cette opération nécessite le réseau ; réessayez quand il revient.",
    "error.unknownkey": "Cette clé d'accès n'est pas reconnue. Utilisez celle créée avec votre invitation.",
    "error.expired": "La demande a expiré. Réessayez.",
    "error.server": "Le serveur a rencontré une erreur. Réessayez dans un instant.",
    "error.generic": "Une erreur est survenue. Réessayez.",
    "error.field": "{field} : {message}",
  },
  en: {
    "app.name": "Carnet",
    "app.tagline": "Activity reports",
    "skip": "Skip to content",
    "loading": "Loading…",
    "title.invitation": "Invitation",
    "title.signin": "Sign in",
    "title.home": "Home",
    "title.error": "Error",

    "invite.heading": "Welcome {name}",
    "invite.organisation": "You are invited by {organisation}.",
    "invite.email": "Account: {email}",
    "invite.expires": "Invitation valid until {date}.",
    "invite.passkey": "A passkey replaces the password: you sign in with this device's fingerprint, face or screen lock, and no secret ever leaves the device.",
    "invite.device.label": "Name of this device",
    "invite.device.hint": "To recognise this passkey later.",
    "invite.register": "Create my passkey",
    "invite.registering": "Creating the passkey… Follow your device's instructions.",
    "invite.done": "Passkey created. You are signed in.",
    "invite.loading": "Reading the invitation…",
    "invite.invalid.heading": "Invitation cannot be used",
    "invite.gone": "This invitation has expired or was already used. Ask your administrator for a new one.",
    "invite.notfound": "This invitation cannot be found. Check the link you received or ask for a new one.",
    "invite.tosignin": "Go to sign-in",
    "retry": "Try again",

    "signin.heading": "Sign in",
    "signin.intro": "Sign in with the passkey saved on this device or on your phone.",
    "signin.button": "Sign in with a passkey",
    "signin.progress": "Signing in… Follow your device's instructions.",
    "signin.noaccount": "No account yet? Open the invitation link your administrator sent you.",
    "signin.demo": "Demo mode: the data is fictitious.",
    "signin.loggedout": "You are signed out.",

    "home.greeting": "Hello {name}",
    "home.organisation": "Organisation: {organisation}",
    "home.roles": "Your roles",
    "home.next": "Monthly entry is coming here soon.",
    "home.logout": "Sign out",
    "home.welcome": "You are signed in.",

    "role.consultant": "Consultant",
    "role.manager": "Manager",
    "role.admin": "Administrator",
    "role.client_signer": "Client signer",

    "device.default": "{browser} on {os}",
    "device.unknown": "My device",

    "error.cancelled": "The passkey was not used: cancelled, timed out or user verification refused. You can try again.",
    "error.exists": "A passkey for this account already exists on this device.",
    "error.insecure": "This address cannot use passkeys (insecure connection or invalid domain).",
    "error.unsupported": "This device or browser does not support passkeys.",
    "error.network": "Cannot reach the server. This needs the network; try again when it is back.",
    "error.unknownkey": "This passkey is not recognised. Use the one created with your invitation.",
    "error.expired": "The request expired. Try again.",
    "error.server": "The server ran into an error. Try again in a moment.",
    "error.generic": "Something went wrong. Try again.",
    "error.field": "{field}: {message}",
  },
};

/** @type {Locale} */
const FALLBACK = "fr";

/**
 * Pick the first supported locale from a list of BCP 47 tags ("en-GB" → "en").
 * @param {readonly string[] | undefined} languages
 * @returns {Locale}
 */
export function pickLocale(languages) {
  for (const tag of languages ?? []) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (Object.hasOwn(DICTIONARIES, base)) return /** @type {Locale} */ (base);
  }
  return FALLBACK;
}

/** @type {Locale} */
let current = pickLocale(
  typeof navigator === "undefined" ? [] : navigator.languages ?? [navigator.language],
);

/** @returns {Locale} */
export function locale() {
  return current;
}

/** @param {Locale} next */
export function setLocale(next) {
  current = Object.hasOwn(DICTIONARIES, next) ? next : FALLBACK;
}

/**
 * Translate a key, replacing `{param}` placeholders. Unknown keys fall back to French,
 * then to the key itself so a missing string is visible rather than blank.
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const template = DICTIONARIES[current][key] ?? DICTIONARIES[FALLBACK][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/**
 * Format an ISO date-time for the current locale; returns the input if it does not parse.
 * @param {string} iso
 * @returns {string}
 */
export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(current === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
  }).format(date);
}
