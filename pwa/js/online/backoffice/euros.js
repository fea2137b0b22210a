// Amounts as people type and read them on a French invoice: "1 234,50 €", never cents. The
// wire keeps integer cents (and discount rates in basis points): the conversion lives here
// alone, so every billing form reads "1234,5" and "1 234,50" the same way.

const FRENCH = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

/**
 * `123450` → "1 234,50 €" (French grouping and decimal comma, in both languages: the amounts
 * of a French invoice).
 * @param {number} cents
 */
export function formatEuros(cents) {
  return FRENCH.format(cents / 100);
}

/**
 * `123450` → "1 234,50": what an amount field is prefilled with.
 * @param {number} cents
 */
export function euroInput(cents) {
  return formatEuros(cents).replace(/\s*€$/u, "");
}

/**
 * A typed decimal in hundredths: "1234,5", "1 234,50", "1234.50 €" → 123450; "5" → 500;
 * "2,5" (a percentage) → 250 (basis points). Spaces of any kind group thousands; a comma or a
 * point marks the decimals (two at most). Anything else — a sign, letters, three decimals,
 * "1.234,50" — is null: the form says how to write it rather than guess.
 * @param {string} text
 * @returns {number | null}
 */
export function parseHundredths(text) {
  const bare = String(text)
    .replace(/[\s\u00a0\u202f]/gu, "")
    .replace(/€$/u, "");
  const found = /^(\d{1,13})(?:[.,](\d{1,2}))?$/u.exec(bare);
  if (!found) return null;
  return Number(found[1]) * 100 + Number((found[2] ?? "").padEnd(2, "0"));
}

/**
 * A quantity of days typed "21", "21,5" or "21.5" → half-days (43); null when it is not a
 * whole or half number of days.
 * @param {string} text
 * @returns {number | null}
 */
export function parseHalfDays(text) {
  const hundredths = parseHundredths(text);
  if (hundredths === null || hundredths % 50 !== 0) return null;
  return hundredths / 50;
}
