// French first, English second. The language is the one the person chose (remembered in
// localStorage), else the first entry of navigator.languages we have a dictionary for, else
// French. Dates and numbers go through Intl in the same locale.

/** @typedef {"fr" | "en"} Locale */

/** Supported locales, in the order of each entry's translations. */
const LOCALES = ["fr", "en"];

/**
 * key → [French, English]. One entry per key, so a translation cannot go missing in one
 * language only. Screens loaded on demand bring their own strings (`addStrings`).
 * @type {Record<string, string[]>}
 */
export const STRINGS = {
  "app.name": ["Carnet", "Carnet"],
  "app.tagline": ["Comptes rendus d'activité", "Activity reports"],
  "skip": ["Aller au contenu", "Skip to content"],
  "loading": ["Chargement…", "Loading…"],
  "title.error": ["Erreur", "Error"],

  "retry": ["Réessayer", "Try again"],

  "signin.loggedout": ["Vous êtes déconnecté·e.", "You are signed out."],

  "home.logout": ["Se déconnecter", "Sign out"],
  "logout.pending": [
    "{count} modification(s) pas encore envoyée(s) : connectez-vous au réseau et synchronisez avant de vous déconnecter, sinon elles seraient perdues.",
    "{count} edit(s) not sent yet: get online and sync before signing out, or they would be lost.",
  ],


  "error.network": [
    "Pas de connexion au serveur. Cette opération nécessite le réseau ; réessayez quand il revient.",
    "Cannot reach the server. This needs the network; try again when it is back.",
  ],
  "error.server": [
    "Le serveur a rencontré une erreur. Réessayez dans un instant.",
    "The server ran into an error. Try again in a moment.",
  ],
  "error.generic": ["Une erreur est survenue. Réessayez.", "Something went wrong. Try again."],
  "error.field": ["{field} : {message}", "{field}: {message}"],

  "lang.label": ["Langue", "Language"],

  "month.prev": ["Mois précédent", "Previous month"],
  "month.next": ["Mois suivant", "Next month"],
  "month.grid": ["Saisie de {month}", "Entry for {month}"],
  "month.line": ["Ligne", "Line"],
  "month.total": ["Total : {days}", "Total: {days}"],
  "month.empty": ["{count} jour(s) ouvré(s) sans saisie", "{count} working day(s) left empty"],
  "month.full": ["Tous les jours ouvrés sont saisis", "Every working day is filled"],
  "month.days": ["{n} j", "{n} d"],
  "month.daysLong": ["{n} jour(s)", "{n} day(s)"],
  "month.noMission": [
    "Aucune mission en cours ce mois-ci : seules les absences sont proposées.",
    "No mission this month: only absences are offered.",
  ],
  "month.noReference": [
    "Connectez-vous une fois en ligne pour charger vos missions.",
    "Sign in once with the network to load your missions.",
  ],
  "month.locked": [
    "Ce mois n'est plus modifiable ({status}).",
    "This month can no longer be changed ({status}).",
  ],
  "month.offday": [
    "Jour non ouvré : utilisez le menu ⋯ pour y saisir du temps.",
    "Non-working day: use the ⋯ menu to enter time on it.",
  ],
  "month.help": [
    "Touchez une case pour passer de 1 à ½ à 0. Appui long ou ⋯ : détail du jour.",
    "Tap a cell to go from 1 to ½ to 0. Long press or ⋯: day details.",
  ],
  "cell.label": ["{cell} : {value}", "{cell}: {value}"],
  "cell.pending": ["en attente d'envoi", "waiting to be sent"],
  "cell.changed": ["modifié sur un autre appareil", "changed on another device"],
  "month.blocked": [
    "{count} modification(s) en attente ne pourront pas s'appliquer : le mois a été verrouillé entre-temps. Elles seront listées après la synchronisation.",
    "{count} queued edit(s) cannot apply: the month was locked meanwhile. They will be listed after the sync.",
  ],
  "cell.weekend": ["week-end", "weekend"],
  "cell.comment": ["commentaire", "comment"],
  "value.0": ["vide", "empty"],
  "value.1": ["½ journée", "half day"],
  "value.2": ["1 jour", "1 day"],

  "action.prefill": ["Pré-remplir", "Prefill"],
  "action.absence": ["Absence…", "Absence…"],
  "action.day": ["⋯ Jour", "⋯ Day"],
  "action.dayLabel": ["Détail du jour sélectionné", "Details of the selected day"],
  "action.submit": ["Soumettre", "Submit"],
  "action.sync": ["Synchroniser", "Sync now"],
  "action.save": ["Enregistrer", "Save"],
  "action.cancel": ["Annuler", "Cancel"],
  "action.dismiss": ["Masquer", "Dismiss"],
  "action.update": ["Mettre à jour", "Update"],
  "action.signin": ["Se reconnecter", "Sign in again"],
  "prefill.done": ["{count} jour(s) pré-rempli(s).", "{count} day(s) prefilled."],
  "prefill.none": [
    "Rien à pré-remplir : tous les jours ouvrés sont saisis.",
    "Nothing to prefill: every working day is filled.",
  ],

  "absence.heading": ["Absence sur plusieurs jours", "Absence over several days"],
  "absence.type": ["Type d'absence", "Type of absence"],
  "absence.from": ["Du", "From"],
  "absence.to": ["Au", "To"],
  "absence.half": ["Demi-journées (½ par jour)", "Half days (½ a day)"],
  "absence.order": [
    "La date de fin doit suivre la date de début.",
    "The end date must follow the start date.",
  ],
  "absence.none": ["Aucun jour ouvré dans cette période.", "No working day in this period."],
  "absence.done": ["Absence saisie sur {count} jour(s).", "Absence entered on {count} day(s)."],
  "absence.CP": ["Congés payés", "Paid leave"],
  "absence.RTT": ["RTT", "RTT"],
  "absence.maladie": ["Maladie", "Sick leave"],
  "absence.sans_solde": ["Sans solde", "Unpaid leave"],
  "absence.formation": ["Formation", "Training"],
  "absence.intercontrat": ["Intercontrat", "Between missions"],

  "day.comment": ["Commentaire du jour", "Comment for the day"],

  "submit.heading": ["Soumettre {month} ?", "Submit {month}?"],
  "submit.summary": [
    "{days} saisi(s). Après soumission, le mois n'est plus modifiable.",
    "{days} entered. Once submitted, the month can no longer be changed.",
  ],
  "submit.empty": [
    "Attention : {count} jour(s) ouvré(s) sans saisie.",
    "Note: {count} working day(s) left empty.",
  ],
  "submit.offline": [
    "Hors ligne : la soumission partira au retour du réseau.",
    "Offline: the submission will be sent when the network is back.",
  ],
  "submit.queued": ["Soumission enregistrée.", "Submission saved."],

  "status.draft": ["Brouillon", "Draft"],
  "status.submitted": ["Soumis", "Submitted"],
  "status.in_validation": ["En validation", "In validation"],
  "status.validated": ["Validé", "Validated"],
  "status.signed": ["Signé", "Signed"],
  "status.sent_back": ["Renvoyé pour correction", "Sent back"],
  "status.pending": ["Soumission en attente", "Submission pending"],
  "status.label": ["Statut : {status}", "Status: {status}"],
  "status.circuit": ["Circuit de validation", "Validation circuit"],

  "sync.online": ["En ligne", "Online"],
  "sync.offline": ["Hors ligne", "Offline"],
  "sync.syncing": ["Synchronisation…", "Syncing…"],
  "sync.pending": [
    "{count} modification(s) en attente d'envoi",
    "{count} edit(s) waiting to be sent",
  ],
  "sync.uptodate": ["Tout est envoyé", "Everything is sent"],
  "sync.last": ["Dernière synchro : {time}", "Last sync: {time}"],
  "sync.never": ["Jamais synchronisé", "Never synced"],
  "sync.error": [
    "Synchronisation impossible pour l'instant ; nouvel essai automatique.",
    "Cannot sync right now; retrying automatically.",
  ],
  "sync.auth": [
    "Session expirée : reconnectez-vous pour envoyer vos modifications (elles sont gardées sur cet appareil).",
    "Session expired: sign in again to send your edits (they are kept on this device).",
  ],
  "sync.skew": [
    "L'horloge de cet appareil a {minutes} min d'écart avec le serveur : corrigez l'heure de l'appareil.",
    "This device's clock is {minutes} min off the server's: fix the device's time.",
  ],
  "sync.wentOffline": [
    "Hors ligne. Vos saisies sont gardées sur cet appareil.",
    "Offline. Your entries are kept on this device.",
  ],
  "sync.wentOnline": ["De retour en ligne.", "Back online."],
  "sync.done": ["Toutes les modifications sont envoyées.", "Every edit is sent."],

  "changed.heading": ["Modifié sur un autre appareil", "Changed on another device"],
  "changed.item": [
    "{date} : votre saisie ({lost}) a été remplacée par celle d'un autre appareil.",
    "{date}: your entry ({lost}) was replaced by another device's.",
  ],
  "rejected.heading": ["Modifications refusées", "Edits refused"],
  "rejected.intro": [
    "Ces saisies n'ont pas pu être appliquées ; elles sont conservées ici avec leurs valeurs.",
    "These entries could not be applied; they are kept here with their values.",
  ],
  "rejected.day": ["{date} : {value}", "{date}: {value}"],
  "rejected.submit": ["Soumission de {month}", "Submission of {month}"],
  "rejected.elsewhere": [
    "{count} modification(s) refusée(s) dans d'autres mois : ouvrez ces mois pour les voir.",
    "{count} refused edit(s) in other months: open those months to see them.",
  ],
  "reason.month_locked": ["le mois était déjà {status}", "the month was already {status}"],
  "reason.epoch_changed": ["le mois a été rouvert entre-temps", "the month was reopened meanwhile"],
  "reason.changed_since_review": [
    "le mois a changé sur un autre appareil depuis votre relecture",
    "the month changed on another device since you reviewed it",
  ],
  "reason.not_draft": ["le mois n'était plus en brouillon", "the month was no longer a draft"],
  "reason.forbidden": ["action non autorisée", "not allowed"],
  "reason.invalid": ["saisie invalide", "invalid entry"],
  "reason.other": ["refusée par le serveur", "refused by the server"],

  "update.available": [
    "Une nouvelle version de Carnet est disponible.",
    "A new version of Carnet is available.",
  ],
  "storage.denied": [
    "Le stockage de cet appareil est indisponible : vos saisies ne peuvent pas être enregistrées hors ligne.",
    "This device's storage is unavailable: your entries cannot be saved offline.",
  ],
  "offline.nosession": [
    "Hors ligne et aucun compte n'a encore été ouvert sur cet appareil. Connectez-vous une fois avec le réseau.",
    "Offline, and no account was opened on this device yet. Sign in once with the network.",
  ],

  "violation.date_outside_month": [
    "Cette date n'appartient pas au mois.",
    "This date is not in the month.",
  ],
  "violation.invalid_half_days": [
    "Une valeur doit être ½ ou 1 jour.",
    "A value must be ½ or 1 day.",
  ],
  "violation.duplicate_line": [
    "Cette ligne figure deux fois dans la journée.",
    "This line appears twice on the day.",
  ],
  "violation.invalid_line": ["Ligne inconnue.", "Unknown line."],
  "violation.unknown_mission": ["Mission inconnue.", "Unknown mission."],
  "violation.mission_outside_dates": [
    "La mission n'est pas active ce jour-là.",
    "The mission is not active on that day.",
  ],
  "violation.absence_not_allowed": [
    "Ce type d'absence n'est pas autorisé ce jour-là.",
    "This type of absence is not allowed on that day.",
  ],
  "violation.day_over_one": [
    "Une journée ne peut pas dépasser 1 jour : réduisez d'abord l'autre ligne.",
    "A day cannot exceed 1 day: lower the other line first.",
  ],
  "violation.comment_required": [
    "Cette mission demande un commentaire pour le jour.",
    "This mission needs a comment for the day.",
  ],
  "violation.comment_control_char": [
    "Le commentaire contient un caractère interdit.",
    "The comment contains a forbidden character.",
  ],
  "violation.comment_too_long": [
    "Le commentaire est trop long (500 caractères au plus).",
    "The comment is too long (500 characters at most).",
  ],
  "violation.storage_full": [
    "Le stockage de l'appareil est plein : la saisie n'a pas été enregistrée. Libérez de l'espace puis réessayez.",
    "The device's storage is full: the entry was not saved. Free some space and try again.",
  ],
  "violation.month_locked": [
    "Ce mois n'est plus modifiable.",
    "This month can no longer be changed.",
  ],
  "violation.storage_denied": [
    "Le navigateur a refusé d'enregistrer cette saisie sur l'appareil : elle n'a pas été enregistrée.",
    "The browser refused to store this entry on the device: it was not saved.",
  ],
  "violation.generic": ["Saisie refusée : {message}", "Entry refused: {message}"],
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
    if (LOCALES.includes(base)) return /** @type {Locale} */ (base);
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
  current = LOCALES.includes(next) ? next : FALLBACK;
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
  return Object.hasOwn(STRINGS, key) ? t(key, params) : null;
}

/**
 * Strings of a screen loaded on demand (pwa/js/online/), same shape as STRINGS.
 * @param {Record<string, string[]>} table
 */
export function addStrings(table) {
  Object.assign(STRINGS, table);
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
  const entry = Object.hasOwn(STRINGS, key) ? STRINGS[key] : null;
  const template = entry ? (entry[LOCALES.indexOf(current)] ?? entry[0]) : key;
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
