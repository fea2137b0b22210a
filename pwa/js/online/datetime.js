// Dates and times of events (a signature, a send-back, an invitation's expiry) as people in
// France read them. Not in the offline shell: only on-demand screens and the standalone pages
// show them.

import { locale } from "../i18n.js";

/** Times on screen are French legal time, whatever the device's zone: the firm works in France. */
const ZONE = "Europe/Paris";

/** @type {Map<string, Intl.DateTimeFormat>} */
const formats = new Map();

/**
 * Format an ISO date-time for the current locale, in Paris time ("16 novembre 2026 à 9 h 05",
 * the French way of writing hours); returns the input if it does not parse.
 * @param {string} iso
 * @param {Intl.DateTimeFormatOptions} [options]
 * @returns {string}
 */
export function formatDateTime(iso, options = { dateStyle: "long", timeStyle: "short" }) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const french = locale() !== "en";
  const key = `${french}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(french ? "fr-FR" : "en-GB", { ...options, timeZone: ZONE });
    formats.set(key, format);
  }
  const parts = format.formatToParts(date);
  if (!french) return parts.map((part) => part.value).join("");
  // "1 h 05", not "01:05" (French typographic use for hours).
  return parts
    .map((part, i) => {
      if (part.type === "hour") return String(Number(part.value));
      const between = parts[i - 1]?.type === "hour" && parts[i + 1]?.type === "minute";
      return part.type === "literal" && between ? " h " : part.value;
    })
    .join("");
}
