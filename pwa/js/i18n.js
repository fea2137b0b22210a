// French first, English second. The language is the one the person chose (remembered in
// localStorage), else the first entry of navigator.languages we have a dictionary for, else
// French. Dates and numbers go through Intl in the same locale.

/** @typedef {"fr" | "en"} Locale */

/** Supported locales, French first. */
const LOCALES = ["fr", "en"];

/**
 * key → French text: the shell's own language. English, the second language, is on demand
 * (online/en.js, kept by the service worker once fetched) so the offline shell every phone
 * downloads carries one dictionary; tests/js/i18n.test.mjs checks both have the same keys and
 * placeholders. Screens loaded on demand bring their own strings in both (`addStrings`).
 * @type {Record<string, string>}
 */
export const FR = {
  "app.name": "Carnet",
  "app.tagline": "Comptes rendus d'activité",
  "skip": "Aller au contenu",
  "loading": "Chargement…",
  "title.error": "Erreur",
  "retry": "Réessayer",
  "signin.loggedout": "Vous êtes déconnecté·e.",
  "home.logout": "Se déconnecter",
  "error.network": "Pas de connexion au serveur : réessayez quand le réseau revient.",
  "error.server": "Le serveur a rencontré une erreur. Réessayez dans un instant.",
  "error.generic": "Une erreur est survenue. Réessayez.",
  "error.field": "{field} : {message}",
  "lang.label": "Langue",
  "month.prev": "Mois précédent",
  "month.next": "Mois suivant",
  "month.grid": "Saisie de {month}",
  "month.line": "Ligne",
  "month.total": "Travaillé : {days}",
  "month.absent": "Absences : {days}",
  "month.empty": "{count} {count|jour ouvré|jours ouvrés} sans saisie",
  "month.full": "Tous les jours ouvrés sont saisis",
  "month.half": "{count} {count|jour|jours} à ½ : {list}",
  "month.holidays": "Jours fériés : {list}",
  "month.days": "{n} j",
  "month.daysLong": "{n} {count|jour|jours}",
  "month.noMission": "Aucune mission ce mois-ci : seules les absences sont proposées.",
  "month.noReference": "Connectez-vous une fois en ligne pour charger vos missions.",
  "month.locked": "Ce mois n'est plus modifiable ({status}).",
  "month.offday": "Jour non ouvré : utilisez le menu ⋯ pour y saisir du temps.",
  "month.help": "Touchez une case pour passer de 1 à ½ à 0. Appui long ou ⋯ : détail du jour.",
  "cell.label": "{cell} : {value}",
  "cell.pending": "en attente d'envoi",
  "cell.changed": "modifié sur un autre appareil",
  "month.blocked": "{count} {count|modification en attente ne s'appliquera|modifications en attente ne s'appliqueront} pas : le mois a été verrouillé entre-temps.",
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
  "action.dismissAll": "Tout masquer",
  "action.update": "Mettre à jour",
  "action.signin": "Se reconnecter",
  "prefill.done": "{count} {count|jour pré-rempli|jours pré-remplis}.",
  "prefill.heading": "Commentaire demandé",
  "prefill.comment": "Cette mission demande un commentaire : il sera repris sur chaque jour pré-rempli.",
  "prefill.none": "Rien à pré-remplir : tous les jours ouvrés sont saisis.",
  "absence.heading": "Absence sur plusieurs jours",
  "absence.type": "Type d'absence",
  "absence.from": "Du",
  "absence.to": "Au",
  "absence.half": "Demi-journées (½ par jour)",
  "absence.order": "La date de fin doit suivre la date de début.",
  "absence.none": "Aucun jour ouvré dans cette période.",
  "absence.done": "Absence saisie sur {count} {count|jour|jours}.",
  "absence.CP": "Congés payés",
  "absence.RTT": "RTT",
  "absence.maladie": "Maladie",
  "absence.sans_solde": "Sans solde",
  "absence.formation": "Formation",
  "absence.intercontrat": "Intercontrat",
  "absence.at_mp": "Accident du travail, mal. pro.",
  "day.comment": "Commentaire du jour",
  "submit.heading": "Soumettre {month} ?",
  "submit.summary": "Saisi : {days}. Après soumission, le mois n'est plus modifiable.",
  "submit.empty": "Attention : {count} {count|jour ouvré|jours ouvrés} sans saisie.",
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
  "sync.pending": "{count} {count|modification|modifications} en attente d'envoi",
  "sync.uptodate": "Tout est envoyé",
  "sync.last": "Dernière synchro : {time}",
  "sync.never": "Jamais synchronisé",
  "sync.error": "Synchronisation impossible pour l'instant ; nouvel essai automatique.",
  "sync.auth": "Session expirée : reconnectez-vous pour envoyer vos modifications, gardées sur cet appareil.",
  "sync.skew": "L'horloge de cet appareil a {minutes} min d'écart avec le serveur : corrigez l'heure de l'appareil.",
  "sync.wentOffline": "Hors ligne. Vos saisies sont gardées sur cet appareil.",
  "sync.wentOnline": "De retour en ligne.",
  "sync.done": "Toutes les modifications sont envoyées.",
  "changed.heading": "Modifié sur un autre appareil",
  "changed.item": "{date} : votre saisie ({lost}) a été remplacée par celle d'un autre appareil.",
  "rejected.heading": "Modifications refusées",
  "rejected.intro": "Ces saisies n'ont pas pu être appliquées ; leurs valeurs sont gardées ici.",
  "rejected.day": "{date} : {value}",
  "rejected.submit": "Soumission de {month}",
  "rejected.elsewhere": "{count} {count|modification refusée|modifications refusées} dans d'autres mois : ouvrez ces mois pour les voir.",
  "reason.month_locked": "le mois était déjà {status}",
  "reason.epoch_changed": "le mois a été rouvert entre-temps",
  "reason.changed_since_review": "le mois a changé sur un autre appareil depuis votre relecture",
  "reason.not_draft": "le mois n'était plus en brouillon",
  "reason.forbidden": "action non autorisée",
  "reason.invalid": "saisie invalide",
  "reason.other": "refusée par le serveur",
  "update.available": "Une nouvelle version de Carnet est disponible.",
  "storage.denied": "Stockage de l'appareil indisponible : vos saisies ne peuvent pas être enregistrées hors ligne.",
  "offline.nosession": "Hors ligne, sans compte ouvert sur cet appareil : connectez-vous une fois avec le réseau.",
  "violation.date_outside_month": "Cette date n'appartient pas au mois.",
  "violation.invalid_half_days": "Une valeur doit être ½ ou 1 jour.",
  "violation.duplicate_line": "Cette ligne figure deux fois dans la journée.",
  "violation.invalid_line": "Ligne inconnue.",
  "violation.unknown_mission": "Mission inconnue.",
  "violation.mission_outside_dates": "La mission n'est pas active ce jour-là.",
  "violation.absence_not_allowed": "Ce type d'absence n'est pas autorisé ce jour-là.",
  "violation.day_over_one": "Une journée ne peut pas dépasser 1 jour : réduisez d'abord l'autre ligne.",
  "violation.comment_required": "Cette mission demande un commentaire pour le jour.",
  "violation.comment_control_char": "Le commentaire contient un caractère interdit.",
  "violation.comment_too_long": "Le commentaire est trop long (500 caractères au plus).",
  "violation.storage_full": "Stockage de l'appareil plein : saisie non enregistrée. Libérez de l'espace puis réessayez.",
  "violation.month_locked": "Ce mois n'est plus modifiable.",
  "violation.storage_denied": "Le navigateur a refusé d'enregistrer cette saisie sur l'appareil.",
  "violation.generic": "Saisie refusée : {message}",
};

/** key → English text, filled by `loadLocale` and `addStrings`. @type {Record<string, string>} */
const EN = {};

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

/** The language the texts are actually shown in (French until English has arrived). */
export function textLocale() {
  return current === "en" && englishReady ? "en" : "fr";
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
 * @param {"NumberFormat" | "DateTimeFormat" | "PluralRules"} kind
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
  return Object.hasOwn(FR, key) ? t(key, params) : null;
}

/**
 * Strings of a screen loaded on demand (pwa/js/online/): key → [French, English].
 * @param {Record<string, string[]>} table
 */
export function addStrings(table) {
  for (const [key, [fr, en]] of Object.entries(table)) {
    FR[key] = fr;
    EN[key] = en;
  }
}

/** @type {Promise<void> | null} */
let english = null;
let englishReady = false;

/**
 * Make the current language's dictionary available: English is fetched on first use (and
 * kept by the service worker for offline use); if it cannot be had, texts stay in French.
 * Call before rendering, and after `setLocale`.
 * @returns {Promise<void>}
 */
export function loadLocale() {
  if (current !== "en") return Promise.resolve();
  english ??= import("./online/en.js")
    .then((module) => {
      // Screens' own English strings (addStrings) win over nothing, never the other way.
      for (const [key, text] of Object.entries(module.EN)) EN[key] ??= text;
      englishReady = true;
    })
    .catch((error) => {
      english = null; // try again next time
      console.warn("English texts unavailable, French shown", error);
    });
  return english;
}

/**
 * A quantity of half-days as days, e.g. 41 → "20,5" (fr) or "20.5" (en).
 * @param {number} halfDays
 */
export function formatDays(halfDays) {
  return formatter("NumberFormat", { maximumFractionDigits: 1 }).format(halfDays / 2);
}

/**
 * A quantity of half-days in words, e.g. 3 → "1,5 jour", 44 → "22 jours".
 * @param {number} halfDays
 */
export function daysInWords(halfDays) {
  return t("month.daysLong", { n: formatDays(halfDays), count: halfDays / 2 });
}

/**
 * The working days filled at ½ and nothing else, e.g. "2 jours à ½ : 7 déc., 9 déc.".
 * @param {string[]} dates
 */
export function halfText(dates) {
  const list = dates.map((d) => formatDate(d, { day: "numeric", month: "short" })).join(", ");
  return t("month.half", { count: dates.length, list });
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
 * Translate a key, replacing `{param}` placeholders and choosing `{param|one|other}` plurals.
 * Unknown keys fall back to French,
 * then to the key itself so a missing string is visible rather than blank.
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params = {}) {
  const french = Object.hasOwn(FR, key) ? FR[key] : key;
  const template = current === "en" && Object.hasOwn(EN, key) ? EN[key] : french;
  // `{count|one|other}` picks by the language's plural rules (French: 0, 1 and 1,5 are "one").
  return template.replace(/\{(\w+)(?:\|([^|}]*)\|([^}]*))?\}/g, (whole, name, one, other) => {
    if (!Object.hasOwn(params, name)) return whole;
    if (one === undefined) return String(params[name]);
    return formatter("PluralRules", {}).select(Number(params[name])) === "one" ? one : other;
  });
}
