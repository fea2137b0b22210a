// French first, English second. The language is the one the person chose (remembered in
// localStorage), else the first entry of navigator.languages we have a dictionary for, else
// French. Dates and numbers go through Intl in the same locale.

/** @typedef {"fr" | "en"} Locale */

const DICTIONARIES = {
  fr: {
    "app.name": "Carnet",
    "app.tagline": "Comptes rendus d'activité",
    skip: "Aller au contenu",
    loading: "Chargement…",
    "title.invitation": "Invitation",
    "title.signin": "Connexion",
    "title.home": "Accueil",
    "title.error": "Erreur",

    "invite.heading": "Bienvenue {name}",
    "invite.organisation": "Vous êtes invité·e par {organisation}.",
    "invite.email": "Compte : {email}",
    "invite.expires": "Invitation valable jusqu'au {date}.",
    "invite.passkey":
      "Une clé d'accès remplace le mot de passe : vous vous connecterez avec l'empreinte, le visage ou le code de verrouillage de cet appareil, et aucun secret ne quitte l'appareil.",
    "invite.device.label": "Nom de cet appareil",
    "invite.device.hint": "Pour reconnaître cette clé d'accès plus tard.",
    "invite.register": "Créer ma clé d'accès",
    "invite.registering": "Création de la clé d'accès… Suivez les instructions de votre appareil.",
    "invite.done": "Clé d'accès créée. Vous êtes connecté·e.",
    "invite.loading": "Lecture de l'invitation…",
    "invite.invalid.heading": "Invitation inutilisable",
    "invite.gone":
      "Cette invitation a expiré ou a déjà été utilisée. Demandez-en une nouvelle à votre administrateur.",
    "invite.notfound":
      "Cette invitation est introuvable. Vérifiez le lien reçu ou demandez-en un nouveau.",
    "invite.tosignin": "Aller à la connexion",
    retry: "Réessayer",

    "signin.heading": "Connexion",
    "signin.intro":
      "Connectez-vous avec la clé d'accès enregistrée sur cet appareil ou sur votre téléphone.",
    "signin.button": "Se connecter avec une clé d'accès",
    "signin.progress": "Connexion… Suivez les instructions de votre appareil.",
    "signin.noaccount":
      "Pas encore de compte ? Ouvrez le lien d'invitation envoyé par votre administrateur.",
    "signin.demo": "Mode démonstration : les données sont fictives.",
    "signin.loggedout": "Vous êtes déconnecté·e.",

    "home.greeting": "Bonjour {name}",
    "home.organisation": "Organisation : {organisation}",
    "home.roles": "Vos rôles",
    "home.logout": "Se déconnecter",
    "logout.pending":
      "{count} modification(s) pas encore envoyée(s) : connectez-vous au réseau et synchronisez avant de vous déconnecter, sinon elles seraient perdues.",
    "home.welcome": "Vous êtes connecté·e.",

    "role.consultant": "Consultant·e",
    "role.manager": "Manager",
    "role.admin": "Administrateur·rice",
    "role.client_signer": "Signataire client",

    "device.default": "{browser} sur {os}",
    "device.unknown": "Mon appareil",

    "error.cancelled":
      "La clé d'accès n'a pas été utilisée : opération annulée, délai dépassé ou vérification de l'utilisateur refusée. Vous pouvez réessayer.",
    "error.exists": "Une clé d'accès existe déjà sur cet appareil pour ce compte.",
    "error.insecure":
      "Cette adresse ne permet pas d'utiliser une clé d'accès (connexion non sécurisée ou domaine invalide).",
    "error.unsupported": "Cet appareil ou ce navigateur ne prend pas en charge les clés d'accès.",
    "error.network":
      "Pas de connexion au serveur. Cette opération nécessite le réseau ; réessayez quand il revient.",
    "error.unknownkey":
      "Cette clé d'accès n'est pas reconnue. Utilisez celle créée avec votre invitation.",
    "error.expired": "La demande a expiré. Réessayez.",
    "error.server": "Le serveur a rencontré une erreur. Réessayez dans un instant.",
    "error.generic": "Une erreur est survenue. Réessayez.",
    "error.field": "{field} : {message}",

    "lang.label": "Langue",
    "title.month": "Mon mois",
    "home.next": "Mois visibles selon vos rôles :",
    "home.nomonths": "Aucun mois à afficher pour le moment.",
    "home.offline": "Hors ligne : la liste des mois s'affichera au retour du réseau.",

    "month.prev": "Mois précédent",
    "month.next": "Mois suivant",
    "month.grid": "Saisie de {month}",
    "month.line": "Ligne",
    "month.total": "Total : {days}",
    "month.empty": "{count} jour(s) ouvré(s) sans saisie",
    "month.full": "Tous les jours ouvrés sont saisis",
    "month.days": "{n} j",
    "month.daysLong": "{n} jour(s)",
    "month.noMission": "Aucune mission en cours ce mois-ci : seules les absences sont proposées.",
    "month.noReference": "Connectez-vous une fois en ligne pour charger vos missions.",
    "month.locked": "Ce mois n'est plus modifiable ({status}).",
    "month.offday": "Jour non ouvré : utilisez le menu ⋯ pour y saisir du temps.",
    "month.help": "Touchez une case pour passer de 1 à ½ à 0. Appui long ou ⋯ : détail du jour.",
    "cell.label": "{cell} : {value}",
    "cell.pending": "en attente d'envoi",
    "cell.changed": "modifié sur un autre appareil",
    "month.blocked":
      "{count} modification(s) en attente ne pourront pas s'appliquer : le mois a été verrouillé entre-temps. Elles seront listées après la synchronisation.",
    "cell.weekend": "week-end",
    "cell.comment": "commentaire",
    "value.0": "vide",
    "value.1": "½ journée",
    "value.2": "1 jour",

    "action.prefill": "Pré-remplir",
    "action.absence": "Absence…",
    "action.day": "⋯ Jour",
    "action.dayLabel": "Détail du jour sélectionné",
    "action.submit": "Soumettre",
    "action.sync": "Synchroniser",
    "action.save": "Enregistrer",
    "action.cancel": "Annuler",
    "action.dismiss": "Masquer",
    "action.update": "Mettre à jour",
    "action.signin": "Se reconnecter",
    "prefill.done": "{count} jour(s) pré-rempli(s).",
    "prefill.none": "Rien à pré-remplir : tous les jours ouvrés sont saisis.",

    "absence.heading": "Absence sur plusieurs jours",
    "absence.type": "Type d'absence",
    "absence.from": "Du",
    "absence.to": "Au",
    "absence.half": "Demi-journées (½ par jour)",
    "absence.order": "La date de fin doit suivre la date de début.",
    "absence.none": "Aucun jour ouvré dans cette période.",
    "absence.done": "Absence saisie sur {count} jour(s).",
    "absence.CP": "Congés payés",
    "absence.RTT": "RTT",
    "absence.maladie": "Maladie",
    "absence.sans_solde": "Sans solde",
    "absence.formation": "Formation",
    "absence.intercontrat": "Intercontrat",

    "day.comment": "Commentaire du jour",
    "day.saved": "Jour enregistré.",

    "submit.heading": "Soumettre {month} ?",
    "submit.summary": "{days} saisi(s). Après soumission, le mois n'est plus modifiable.",
    "submit.empty": "Attention : {count} jour(s) ouvré(s) sans saisie.",
    "submit.offline": "Hors ligne : la soumission partira au retour du réseau.",
    "submit.queued": "Soumission enregistrée.",

    "status.draft": "Brouillon",
    "status.submitted": "Soumis",
    "status.in_validation": "En validation",
    "status.validated": "Validé",
    "status.signed": "Signé",
    "status.sent_back": "Renvoyé pour correction",
    "status.pending": "Soumission en attente",
    "status.label": "Statut : {status}",
    "status.circuit": "Circuit de validation",

    "sync.online": "En ligne",
    "sync.offline": "Hors ligne",
    "sync.syncing": "Synchronisation…",
    "sync.pending": "{count} modification(s) en attente d'envoi",
    "sync.uptodate": "Tout est envoyé",
    "sync.last": "Dernière synchro : {time}",
    "sync.never": "Jamais synchronisé",
    "sync.error": "Synchronisation impossible pour l'instant ; nouvel essai automatique.",
    "sync.auth":
      "Session expirée : reconnectez-vous pour envoyer vos modifications (elles sont gardées sur cet appareil).",
    "sync.skew":
      "L'horloge de cet appareil a {minutes} min d'écart avec le serveur : corrigez l'heure de l'appareil.",
    "sync.wentOffline": "Hors ligne. Vos saisies sont gardées sur cet appareil.",
    "sync.wentOnline": "De retour en ligne.",
    "sync.done": "Toutes les modifications sont envoyées.",

    "changed.heading": "Modifié sur un autre appareil",
    "changed.item": "{date} : votre saisie ({lost}) a été remplacée par celle d'un autre appareil.",
    "rejected.heading": "Modifications refusées",
    "rejected.intro":
      "Ces saisies n'ont pas pu être appliquées ; elles sont conservées ici avec leurs valeurs.",
    "rejected.day": "{date} : {value}",
    "rejected.submit": "Soumission de {month}",
    "rejected.elsewhere":
      "{count} modification(s) refusée(s) dans d'autres mois : ouvrez ces mois pour les voir.",
    "reason.month_locked": "le mois était déjà {status}",
    "reason.epoch_changed": "le mois a été rouvert entre-temps",
    "reason.changed_since_review": "le mois a changé sur un autre appareil depuis votre relecture",
    "reason.not_draft": "le mois n'était plus en brouillon",
    "reason.forbidden": "action non autorisée",
    "reason.invalid": "saisie invalide",
    "reason.other": "refusée par le serveur",

    "update.available": "Une nouvelle version de Carnet est disponible.",
    "storage.denied":
      "Le stockage de cet appareil est indisponible : vos saisies ne peuvent pas être enregistrées hors ligne.",
    "offline.nosession":
      "Hors ligne et aucun compte n'a encore été ouvert sur cet appareil. Connectez-vous une fois avec le réseau.",

    "violation.date_outside_month": "Cette date n'appartient pas au mois.",
    "violation.invalid_half_days": "Une valeur doit être ½ ou 1 jour.",
    "violation.duplicate_line": "Cette ligne figure deux fois dans la journée.",
    "violation.invalid_line": "Ligne inconnue.",
    "violation.unknown_mission": "Mission inconnue.",
    "violation.mission_outside_dates": "La mission n'est pas active ce jour-là.",
    "violation.absence_not_allowed": "Ce type d'absence n'est pas autorisé ce jour-là.",
    "violation.day_over_one":
      "Une journée ne peut pas dépasser 1 jour : réduisez d'abord l'autre ligne.",
    "violation.comment_required": "Cette mission demande un commentaire pour le jour.",
    "violation.comment_control_char": "Le commentaire contient un caractère interdit.",
    "violation.comment_too_long": "Le commentaire est trop long (500 caractères au plus).",
    "violation.storage_full":
      "Le stockage de l'appareil est plein : la saisie n'a pas été enregistrée. Libérez de l'espace puis réessayez.",
    "violation.month_locked": "Ce mois n'est plus modifiable.",
    "violation.storage_denied":
      "Le navigateur a refusé d'enregistrer cette saisie sur l'appareil : elle n'a pas été enregistrée.",
    "violation.generic": "Saisie refusée : {message}",
  },
  en: {
    "app.name": "Carnet",
    "app.tagline": "Activity reports",
    skip: "Skip to content",
    loading: "Loading…",
    "title.invitation": "Invitation",
    "title.signin": "Sign in",
    "title.home": "Home",
    "title.error": "Error",

    "invite.heading": "Welcome {name}",
    "invite.organisation": "You are invited by {organisation}.",
    "invite.email": "Account: {email}",
    "invite.expires": "Invitation valid until {date}.",
    "invite.passkey":
      "A passkey replaces the password: you sign in with this device's fingerprint, face or screen lock, and no secret ever leaves the device.",
    "invite.device.label": "Name of this device",
    "invite.device.hint": "To recognise this passkey later.",
    "invite.register": "Create my passkey",
    "invite.registering": "Creating the passkey… Follow your device's instructions.",
    "invite.done": "Passkey created. You are signed in.",
    "invite.loading": "Reading the invitation…",
    "invite.invalid.heading": "Invitation cannot be used",
    "invite.gone":
      "This invitation has expired or was already used. Ask your administrator for a new one.",
    "invite.notfound":
      "This invitation cannot be found. Check the link you received or ask for a new one.",
    "invite.tosignin": "Go to sign-in",
    retry: "Try again",

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
    "home.logout": "Sign out",
    "logout.pending":
      "{count} edit(s) not sent yet: get online and sync before signing out, or they would be lost.",
    "home.welcome": "You are signed in.",

    "role.consultant": "Consultant",
    "role.manager": "Manager",
    "role.admin": "Administrator",
    "role.client_signer": "Client signer",

    "device.default": "{browser} on {os}",
    "device.unknown": "My device",

    "error.cancelled":
      "The passkey was not used: cancelled, timed out or user verification refused. You can try again.",
    "error.exists": "A passkey for this account already exists on this device.",
    "error.insecure": "This address cannot use passkeys (insecure connection or invalid domain).",
    "error.unsupported": "This device or browser does not support passkeys.",
    "error.network": "Cannot reach the server. This needs the network; try again when it is back.",
    "error.unknownkey": "This passkey is not recognised. Use the one created with your invitation.",
    "error.expired": "The request expired. Try again.",
    "error.server": "The server ran into an error. Try again in a moment.",
    "error.generic": "Something went wrong. Try again.",
    "error.field": "{field}: {message}",

    "lang.label": "Language",
    "title.month": "My month",
    "home.next": "Months visible to your roles:",
    "home.nomonths": "No month to show yet.",
    "home.offline": "Offline: the list of months will show when the network is back.",

    "month.prev": "Previous month",
    "month.next": "Next month",
    "month.grid": "Entry for {month}",
    "month.line": "Line",
    "month.total": "Total: {days}",
    "month.empty": "{count} working day(s) left empty",
    "month.full": "Every working day is filled",
    "month.days": "{n} d",
    "month.daysLong": "{n} day(s)",
    "month.noMission": "No mission this month: only absences are offered.",
    "month.noReference": "Sign in once with the network to load your missions.",
    "month.locked": "This month can no longer be changed ({status}).",
    "month.offday": "Non-working day: use the ⋯ menu to enter time on it.",
    "month.help": "Tap a cell to go from 1 to ½ to 0. Long press or ⋯: day details.",
    "cell.label": "{cell}: {value}",
    "cell.pending": "waiting to be sent",
    "cell.changed": "changed on another device",
    "month.blocked":
      "{count} queued edit(s) cannot apply: the month was locked meanwhile. They will be listed after the sync.",
    "cell.weekend": "weekend",
    "cell.comment": "comment",
    "value.0": "empty",
    "value.1": "half day",
    "value.2": "1 day",

    "action.prefill": "Prefill",
    "action.absence": "Absence…",
    "action.day": "⋯ Day",
    "action.dayLabel": "Details of the selected day",
    "action.submit": "Submit",
    "action.sync": "Sync now",
    "action.save": "Save",
    "action.cancel": "Cancel",
    "action.dismiss": "Dismiss",
    "action.update": "Update",
    "action.signin": "Sign in again",
    "prefill.done": "{count} day(s) prefilled.",
    "prefill.none": "Nothing to prefill: every working day is filled.",

    "absence.heading": "Absence over several days",
    "absence.type": "Type of absence",
    "absence.from": "From",
    "absence.to": "To",
    "absence.half": "Half days (½ a day)",
    "absence.order": "The end date must follow the start date.",
    "absence.none": "No working day in this period.",
    "absence.done": "Absence entered on {count} day(s).",
    "absence.CP": "Paid leave",
    "absence.RTT": "RTT",
    "absence.maladie": "Sick leave",
    "absence.sans_solde": "Unpaid leave",
    "absence.formation": "Training",
    "absence.intercontrat": "Between missions",

    "day.comment": "Comment for the day",
    "day.saved": "Day saved.",

    "submit.heading": "Submit {month}?",
    "submit.summary": "{days} entered. Once submitted, the month can no longer be changed.",
    "submit.empty": "Note: {count} working day(s) left empty.",
    "submit.offline": "Offline: the submission will be sent when the network is back.",
    "submit.queued": "Submission saved.",

    "status.draft": "Draft",
    "status.submitted": "Submitted",
    "status.in_validation": "In validation",
    "status.validated": "Validated",
    "status.signed": "Signed",
    "status.sent_back": "Sent back",
    "status.pending": "Submission pending",
    "status.label": "Status: {status}",
    "status.circuit": "Validation circuit",

    "sync.online": "Online",
    "sync.offline": "Offline",
    "sync.syncing": "Syncing…",
    "sync.pending": "{count} edit(s) waiting to be sent",
    "sync.uptodate": "Everything is sent",
    "sync.last": "Last sync: {time}",
    "sync.never": "Never synced",
    "sync.error": "Cannot sync right now; retrying automatically.",
    "sync.auth":
      "Session expired: sign in again to send your edits (they are kept on this device).",
    "sync.skew": "This device's clock is {minutes} min off the server's: fix the device's time.",
    "sync.wentOffline": "Offline. Your entries are kept on this device.",
    "sync.wentOnline": "Back online.",
    "sync.done": "Every edit is sent.",

    "changed.heading": "Changed on another device",
    "changed.item": "{date}: your entry ({lost}) was replaced by another device's.",
    "rejected.heading": "Edits refused",
    "rejected.intro": "These entries could not be applied; they are kept here with their values.",
    "rejected.day": "{date}: {value}",
    "rejected.submit": "Submission of {month}",
    "rejected.elsewhere": "{count} refused edit(s) in other months: open those months to see them.",
    "reason.month_locked": "the month was already {status}",
    "reason.epoch_changed": "the month was reopened meanwhile",
    "reason.changed_since_review": "the month changed on another device since you reviewed it",
    "reason.not_draft": "the month was no longer a draft",
    "reason.forbidden": "not allowed",
    "reason.invalid": "invalid entry",
    "reason.other": "refused by the server",

    "update.available": "A new version of Carnet is available.",
    "storage.denied": "This device's storage is unavailable: your entries cannot be saved offline.",
    "offline.nosession":
      "Offline, and no account was opened on this device yet. Sign in once with the network.",

    "violation.date_outside_month": "This date is not in the month.",
    "violation.invalid_half_days": "A value must be ½ or 1 day.",
    "violation.duplicate_line": "This line appears twice on the day.",
    "violation.invalid_line": "Unknown line.",
    "violation.unknown_mission": "Unknown mission.",
    "violation.mission_outside_dates": "The mission is not active on that day.",
    "violation.absence_not_allowed": "This type of absence is not allowed on that day.",
    "violation.day_over_one": "A day cannot exceed 1 day: lower the other line first.",
    "violation.comment_required": "This mission needs a comment for the day.",
    "violation.comment_control_char": "The comment contains a forbidden character.",
    "violation.comment_too_long": "The comment is too long (500 characters at most).",
    "violation.storage_full":
      "The device's storage is full: the entry was not saved. Free some space and try again.",
    "violation.month_locked": "This month can no longer be changed.",
    "violation.storage_denied":
      "The browser refused to store this entry on the device: it was not saved.",
    "violation.generic": "Entry refused: {message}",
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

const STORAGE_KEY = "carnet.lang";

/** @returns {string | null} */
function remembered() {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage denied: fall back to the browser's languages
  }
}

/** @type {Locale} */
let current = pickLocale([
  ...(remembered() ? [/** @type {string} */ (remembered())] : []),
  ...(typeof navigator === "undefined" ? [] : (navigator.languages ?? [navigator.language])),
]);

/** @returns {Locale} */
export function locale() {
  return current;
}

/**
 * Switch language and remember the choice on this device.
 * @param {Locale} next
 */
export function setLocale(next) {
  current = Object.hasOwn(DICTIONARIES, next) ? next : FALLBACK;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, current);
  } catch {
    // Not remembered, still switched.
  }
}

/** BCP 47 tag for Intl. */
const tag = () => (current === "fr" ? "fr-FR" : "en-GB");

/** @type {Map<string, any>} Intl formatters are costly to build: one per locale and options. */
const formatters = new Map();

/**
 * @param {"NumberFormat" | "DateTimeFormat"} kind
 * @param {object} options
 * @returns {any}
 */
function formatter(kind, options) {
  const key = `${kind}|${tag()}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl[kind](tag(), options);
    formatters.set(key, found);
  }
  return found;
}

/**
 * A translation that may not exist: null instead of the key.
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function tOr(key, params) {
  return Object.hasOwn(DICTIONARIES[current], key) || Object.hasOwn(DICTIONARIES[FALLBACK], key)
    ? t(key, params)
    : null;
}

/**
 * A quantity of half-days as days, e.g. 41 → "20,5" (fr) or "20.5" (en).
 * @param {number} halfDays
 */
export function formatDays(halfDays) {
  return formatter("NumberFormat", { maximumFractionDigits: 1 }).format(halfDays / 2);
}

/**
 * A calendar date "YYYY-MM-DD" (no time zone shift), e.g. "lundi 3 novembre 2026".
 * @param {string} iso
 * @param {Intl.DateTimeFormatOptions} [options]
 */
export function formatDate(iso, options = { dateStyle: "full" }) {
  const [y, m, d] = iso.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d || 1));
  return formatter("DateTimeFormat", { ...options, timeZone: "UTC" }).format(date);
}

/** @param {string} month "YYYY-MM" → "novembre 2026" */
export function formatMonthName(month) {
  return formatDate(`${month}-01`, { month: "long", year: "numeric" });
}

/** @param {number} ms epoch milliseconds → "14:32" today, else a short date and time */
export function formatTime(ms) {
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return formatter(
    "DateTimeFormat",
    today ? { timeStyle: "short" } : { dateStyle: "short", timeStyle: "short" },
  ).format(date);
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
  return formatter("DateTimeFormat", { dateStyle: "long", timeStyle: "short" }).format(date);
}
