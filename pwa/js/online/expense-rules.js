// The expense rules the phone shows before anything reaches the server: the VAT inside a
// receipt's amount and the mileage allowance of a trip. A port of sync/expenses.py, pinned by
// tests/vectors/expenses.json; integer cents, basis points and whole km, so both agree to the
// cent. Loaded on demand with the expense screen (not part of the offline shell).

export const CATEGORIES = [
  "meal",
  "train",
  "hotel",
  "taxi",
  "mileage",
  "mileage_motorcycle",
  "mileage_moped",
  "other",
];
/** Categories priced by a mileage scale (sync/expenses.py MILEAGE_KINDS). */
export const MILEAGE_KINDS = ["mileage", "mileage_motorcycle", "mileage_moped"];
export const VAT_RATES_BP = [2000, 1000, 550, 210, 0];
export const MAX_AMOUNT_CENTS = 10_000_000;
export const MAX_DISTANCE_KM = 100_000;

export class ExpenseRuleError extends Error {
  /** @param {string} field @param {string} rule @param {string} message */
  constructor(field, rule, message) {
    super(message);
    this.field = field;
    this.rule = rule;
  }
}

const isInt = (value) => typeof value === "number" && Number.isSafeInteger(value);

/** The VAT inside an amount tax included, to the nearest cent, half a cent up. */
export function vatOfGross(grossCents, rateBp) {
  const divisor = 10_000 + rateBp;
  return Math.floor((2 * grossCents * rateBp + divisor) / (2 * divisor));
}

/** [[rateBp, grossCents], ...] → {lines: [{rate_bp, gross_cents, net_cents, vat_cents}], totals}. */
export function splitVat(lines) {
  if (lines.length === 0) {
    throw new ExpenseRuleError("vat_lines", "required", "an expense has at least one amount");
  }
  const seen = new Set();
  const out = [];
  lines.forEach(([rateBp, grossCents], index) => {
    const where = `vat_lines[${index}]`;
    if (!isInt(rateBp) || !VAT_RATES_BP.includes(rateBp)) {
      throw new ExpenseRuleError(`${where}.rate_bp`, "unknown_rate", `${rateBp} is not a rate`);
    }
    if (seen.has(rateBp)) {
      throw new ExpenseRuleError(`${where}.rate_bp`, "duplicate_rate", `${rateBp} twice`);
    }
    seen.add(rateBp);
    if (!isInt(grossCents) || grossCents <= 0 || grossCents > MAX_AMOUNT_CENTS) {
      throw new ExpenseRuleError(`${where}.gross_cents`, "out_of_range", `${grossCents}`);
    }
    const vat = vatOfGross(grossCents, rateBp);
    out.push({ rate_bp: rateBp, gross_cents: grossCents, net_cents: grossCents - vat, vat_cents: vat });
  });
  const total = (key) => out.reduce((sum, line) => sum + line[key], 0);
  return {
    lines: out,
    gross_cents: total("gross_cents"),
    net_cents: total("net_cents"),
    vat_cents: total("vat_cents"),
  };
}

// The car scale (barème kilométrique), per fiscal power from 3 ("3 CV et moins") to 7 ("7 CV et
// plus"): [up to km (null: no limit), € per km in thousandths, fixed €]. Same data and source as
// sync/expenses.py (arrêté du 27 mars 2023, BOI-BAREME-000001; kept for 2024 and 2025).
const CARS_2024 = {
  3: [[5000, 529, 0], [20000, 316, 1065], [null, 370, 0]],
  4: [[5000, 606, 0], [20000, 340, 1330], [null, 407, 0]],
  5: [[5000, 636, 0], [20000, 357, 1395], [null, 427, 0]],
  6: [[5000, 665, 0], [20000, 374, 1457], [null, 447, 0]],
  7: [[5000, 697, 0], [20000, 394, 1515], [null, 470, 0]],
};
// Motorcycles and scooters over 50 cm³, from 1 ("1 ou 2 CV"), 3 ("3, 4 et 5 CV"), 6 ("plus de
// 5 CV"); same arrêté.
const MOTORCYCLES_2024 = {
  1: [[3000, 395, 0], [6000, 99, 891], [null, 248, 0]],
  3: [[3000, 468, 0], [6000, 82, 1158], [null, 275, 0]],
  6: [[3000, 606, 0], [6000, 79, 1583], [null, 343, 0]],
};
// Mopeds (cyclomoteurs, 50 cm³ or less): one row whatever the power; same arrêté.
const MOPEDS_2024 = [[3000, 315, 0], [6000, 79, 711], [null, 198, 0]];
const SCALE_2024 = {
  cars: CARS_2024,
  motorcycles: MOTORCYCLES_2024,
  mopeds: MOPEDS_2024,
  electricUpliftPercent: 20,
};
const SCALES = new Map([
  [2024, SCALE_2024],
  [2025, SCALE_2024],
]);

export function scaleFor(year) {
  if (SCALES.has(year)) return SCALES.get(year);
  const held = [...SCALES.keys()].filter((y) => y <= year);
  if (held.length === 0) throw new ExpenseRuleError("date", "no_scale", `no scale for ${year}`);
  return SCALES.get(Math.max(...held));
}

function checkDistance(field, km) {
  if (!isInt(km) || km < 0 || km > MAX_DISTANCE_KM) {
    throw new ExpenseRuleError(field, "out_of_range", `${km} is not a whole number of km`);
  }
}

export function annualAllowanceCents({
  year,
  fiscalPower,
  electric,
  distanceKm,
  motorcycle = false,
  moped = false,
}) {
  checkDistance("distance_km", distanceKm);
  const scale = scaleFor(year);
  if (motorcycle && moped) {
    throw new ExpenseRuleError("category", "unknown", "a motorcycle or a moped, not both");
  }
  if (!isInt(fiscalPower) || fiscalPower < 1 || fiscalPower > 99) {
    throw new ExpenseRuleError("fiscal_power", "out_of_range", `${fiscalPower} CV`);
  }
  const table = motorcycle ? scale.motorcycles : scale.cars;
  const keys = Object.keys(table).map(Number);
  // The row of the highest key not above the power (the first row below its key); a moped's
  // scale has one row.
  const row = moped
    ? scale.mopeds
    : table[Math.max(...keys.filter((k) => k <= fiscalPower), Math.min(...keys))];
  for (const [upTo, millis, fixed] of row) {
    if (upTo === null || distanceKm <= upTo) {
      const tenths = distanceKm * millis + fixed * 1000;
      if (!electric) return Math.floor((tenths + 5) / 10);
      return Math.floor((tenths * (100 + scale.electricUpliftPercent) + 500) / 1000);
    }
  }
  throw new Error("the last band has no upper bound");
}

/** One trip after `yearKmBefore` km claimed in the year: scale(after) − scale(before). */
export function tripAllowanceCents({
  year,
  fiscalPower,
  electric,
  distanceKm,
  yearKmBefore = 0,
  motorcycle = false,
  moped = false,
}) {
  checkDistance("distance_km", distanceKm);
  checkDistance("year_km_before", yearKmBefore);
  if (distanceKm === 0) throw new ExpenseRuleError("distance_km", "out_of_range", "0 km");
  if (yearKmBefore + distanceKm > MAX_DISTANCE_KM) {
    throw new ExpenseRuleError("distance_km", "out_of_range", "too many km in the year");
  }
  const at = (distance) =>
    annualAllowanceCents({ year, fiscalPower, electric, distanceKm: distance, motorcycle, moped });
  return at(yearKmBefore + distanceKm) - at(yearKmBefore);
}
