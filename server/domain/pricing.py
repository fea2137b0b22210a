"""Contract rules that turn validated work into invoice lines and totals. Pure: no I/O.

Money is integer euro cents, day quantities integer half-days, rates and percentages integer
basis points (2000 = 20 %). Currency is always EUR.

**The one rounding rule.** Every amount that is not already whole cents is rounded once, to the
nearest cent, halves away from zero ("half-up" on the absolute value):

* a line's net amount = quantity × unit price, rounded once (a half-day line is
  half_days × daily rate / 2);
* a percentage (discount, margin) of an amount is rounded once;
* VAT is computed **per rate on the sum of the net amounts of that rate's lines**, rounded once
  (EN 16931 BG-23: BT-117 = BT-116 × BT-119);
* the invoice totals are sums of those rounded figures: total net = Σ line nets, total VAT = Σ
  per-rate VAT, total due = total net + total VAT. So the totals always equal the sum of lines.

Discounts are lines of their own (negative net, same VAT rate as what they discount), per line
or per invoice, so the rule above covers them without a special case.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from server.domain.errors import FieldError, InvalidInput

STANDARD_VAT_BP = 2000
"""20 %: the French standard rate, that of IT services."""

ALLOWED_VAT_BP = frozenset({0, 210, 550, 1000, 2000})
"""Metropolitan French rates (CGI art. 278 ff.)."""

MAX_NET_DAYS = 60
"""C. com. L441-10 I: at most 60 days from the invoice date..."""
MAX_EOM_DAYS = 45
"""...or 45 days end of month, when the contract says so."""

PENALTY_MENTION = (
    "Pénalités de retard : taux de refinancement de la BCE majoré de 10 points "
    "(C. com. L441-10), exigibles sans rappel."
)
RECOVERY_MENTION = "Indemnité forfaitaire pour frais de recouvrement : 40 EUR (C. com. D441-5)."
NO_ESCOMPTE_MENTION = "Pas d'escompte pour paiement anticipé."


def round_half_up(numerator: int, denominator: int) -> int:
    """`numerator / denominator` rounded to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return sign * quotient


def percent_of(amount_cents: int, rate_bp: int) -> int:
    """`rate_bp` basis points of `amount_cents`, rounded once."""
    return round_half_up(amount_cents * rate_bp, 10_000)


class Unit(StrEnum):
    """How a line's integer quantity is counted.

    Members:
        HALF_DAY: half-days (shown as days with one decimal; UN/ECE Rec 20 `DAY`).
        UNIT: whole units: a milestone, an expense, a discount (UN/ECE Rec 20 `C62`).
    """

    HALF_DAY = "half_day"
    UNIT = "unit"


class LineKind(StrEnum):
    REGIE = "regie"
    MILESTONE = "milestone"
    EXPENSE = "expense"
    DISCOUNT = "discount"


class VatRegime(StrEnum):
    """Who pays the VAT on an invoice.

    Members:
        STANDARD: French VAT charged (category S).
        REVERSE_CHARGE: EU business customer liable, "Autoliquidation" (CGI 283-2, category AE).
        FRANCHISE: the seller is under the franchise, "TVA non applicable, art. 293 B du CGI"
            (category E).
    """

    STANDARD = "standard"
    REVERSE_CHARGE = "reverse_charge"
    FRANCHISE = "franchise"


@dataclass(frozen=True)
class VatTreatment:
    category: str
    rate_bp: int
    mention: str
    exemption_code: str


def vat_treatment(*, regime: VatRegime, rate_bp: int) -> VatTreatment:
    """The VAT category, effective rate and legal mention of a line under `regime`."""
    if regime is VatRegime.REVERSE_CHARGE:
        return VatTreatment("AE", 0, "Autoliquidation", "VATEX-EU-AE")
    if regime is VatRegime.FRANCHISE:
        return VatTreatment("E", 0, "TVA non applicable, art. 293 B du CGI", "VATEX-FR-FRANCHISE")
    if rate_bp not in ALLOWED_VAT_BP or rate_bp == 0:
        raise InvalidInput(
            f"VAT rate {rate_bp / 100:g} % is not a French rate",
            errors=(FieldError("vat_rate_bp", "unknown_rate", "use 20, 10, 5.5 or 2.1 %"),),
        )
    return VatTreatment("S", rate_bp, "", "")


@dataclass(frozen=True)
class Line:
    """One invoice line. `quantity` counts `unit`s; a discount has quantity −1."""

    key: str
    kind: LineKind
    label: str
    quantity: int
    unit: Unit
    unit_price_cents: int
    vat_rate_bp: int
    description: str = ""

    @property
    def net_cents(self) -> int:
        per = 2 if self.unit is Unit.HALF_DAY else 1
        return round_half_up(self.quantity * self.unit_price_cents, per)


class MissingRate(InvalidInput):
    """A régie mission without a daily rate cannot be priced."""

    code = "missing_rate"


def regie_line(
    *,
    key: str,
    label: str,
    half_days: int,
    daily_rate_cents: int | None,
    vat_rate_bp: int = STANDARD_VAT_BP,
    description: str = "",
) -> Line:
    """Time and materials: half-days × TJM / 2."""
    if daily_rate_cents is None or daily_rate_cents <= 0:
        raise MissingRate(
            f"the mission {label!r} has no daily rate",
            errors=(FieldError("daily_rate_cents", "missing", "set the mission's TJM"),),
        )
    if half_days < 0:
        raise ValueError("half_days must not be negative")
    return Line(
        key=key,
        kind=LineKind.REGIE,
        label=label,
        quantity=half_days,
        unit=Unit.HALF_DAY,
        unit_price_cents=daily_rate_cents,
        vat_rate_bp=vat_rate_bp,
        description=description,
    )


@dataclass(frozen=True)
class CapOutcome:
    """What a capped régie month may bill, and what goes beyond the cap (never billed silently)."""

    billable_half_days: int
    overrun_half_days: int


def apply_cap(
    *, worked_half_days: int, cap_half_days: int | None, already_half_days: int
) -> CapOutcome:
    """Bill up to what remains of the mission's cap; report the rest as an overrun."""
    if cap_half_days is None:
        return CapOutcome(worked_half_days, 0)
    remaining = max(cap_half_days - already_half_days, 0)
    billable = min(worked_half_days, remaining)
    return CapOutcome(billable, worked_half_days - billable)


def milestone_line(
    *, key: str, label: str, amount_cents: int, vat_rate_bp: int = STANDARD_VAT_BP
) -> Line:
    """Forfait: a delivered milestone is billed at its fixed price, whatever the days."""
    return Line(key, LineKind.MILESTONE, label, 1, Unit.UNIT, amount_cents, vat_rate_bp)


def expense_line(
    *,
    key: str,
    label: str,
    amount_cents: int,
    margin_bp: int = 0,
    vat_rate_bp: int = STANDARD_VAT_BP,
) -> Line:
    """A re-billed expense, net of VAT, with an optional margin (rounded once)."""
    if amount_cents <= 0 or margin_bp < 0:
        raise ValueError("an expense is positive and its margin not negative")
    price = amount_cents + percent_of(amount_cents, margin_bp)
    return Line(key, LineKind.EXPENSE, label, 1, Unit.UNIT, price, vat_rate_bp)


def discount_line(
    *,
    key: str,
    label: str,
    base_cents: int,
    vat_rate_bp: int,
    percent_bp: int | None = None,
    amount_cents: int | None = None,
) -> Line:
    """A discount of `percent_bp` of `base_cents`, or of a fixed amount, as a negative line."""
    if (percent_bp is None) == (amount_cents is None):
        raise ValueError("give a percentage or an amount")
    if percent_bp is not None:
        if not 0 < percent_bp <= 10_000:
            raise InvalidInput(
                "a discount percentage is between 0 and 100 %",
                errors=(FieldError("percent_bp", "out_of_range", "between 1 and 10000"),),
            )
        amount = percent_of(base_cents, percent_bp)
    else:
        amount = int(amount_cents or 0)
    if amount <= 0 or amount > base_cents:
        raise InvalidInput(
            "a discount is positive and never more than what it discounts",
            errors=(FieldError("discount", "out_of_range", f"between 1 and {base_cents} cents"),),
        )
    return Line(key, LineKind.DISCOUNT, label, -1, Unit.UNIT, amount, vat_rate_bp)


def invoice_discount_lines(
    *,
    lines: list[Line],
    label: str,
    percent_bp: int | None = None,
    amount_cents: int | None = None,
) -> list[Line]:
    """A discount on the whole invoice: one line per VAT rate, so each rate keeps its base.

    A fixed amount is split across rates in proportion to their net, the remainder cents going
    to the largest bases first, so the parts add up to the amount exactly.
    """
    bases: dict[int, int] = {}
    for line in lines:
        bases[line.vat_rate_bp] = bases.get(line.vat_rate_bp, 0) + line.net_cents
    rates = sorted((r for r, b in bases.items() if b > 0), key=lambda r: (-bases[r], r))
    if not rates:
        return []
    if percent_bp is not None:
        return [
            discount_line(
                key=f"discount:invoice:{rate}",
                label=label,
                base_cents=bases[rate],
                vat_rate_bp=rate,
                percent_bp=percent_bp,
            )
            for rate in rates
            # A percentage too small to make a cent on a rate's base discounts nothing there.
            if percent_of(bases[rate], percent_bp) > 0
        ]
    total_base = sum(bases[r] for r in rates)
    amount = int(amount_cents or 0)
    if amount <= 0 or amount > total_base:
        raise InvalidInput(
            "a discount is positive and never more than the invoice",
            errors=(FieldError("amount_cents", "out_of_range", f"between 1 and {total_base}"),),
        )
    shares = {r: amount * bases[r] // total_base for r in rates}
    for rate in rates[: amount - sum(shares.values())]:
        shares[rate] += 1
    return [
        discount_line(
            key=f"discount:invoice:{rate}",
            label=label,
            base_cents=bases[rate],
            vat_rate_bp=rate,
            amount_cents=shares[rate],
        )
        for rate in rates
        if shares[rate] > 0
    ]


@dataclass(frozen=True)
class VatBreakdown:
    category: str
    rate_bp: int
    base_cents: int
    vat_cents: int
    mention: str
    exemption_code: str


@dataclass(frozen=True)
class Totals:
    net_cents: int
    vat_cents: int
    gross_cents: int
    breakdown: tuple[VatBreakdown, ...] = field(default=())


def totals(*, lines: list[Line], regime: VatRegime) -> Totals:
    """Totals by the rounding rule of this module: VAT once per rate on the sum of nets."""
    bases: dict[int, int] = {}
    for line in lines:
        effective = vat_treatment(regime=regime, rate_bp=line.vat_rate_bp).rate_bp
        bases[effective] = bases.get(effective, 0) + line.net_cents
    breakdown = []
    for rate in sorted(bases, reverse=True):
        treatment = vat_treatment(regime=regime, rate_bp=rate or STANDARD_VAT_BP)
        breakdown.append(
            VatBreakdown(
                category=treatment.category,
                rate_bp=rate,
                base_cents=bases[rate],
                vat_cents=percent_of(bases[rate], rate),
                mention=treatment.mention,
                exemption_code=treatment.exemption_code,
            )
        )
    net = sum(line.net_cents for line in lines)
    vat = sum(b.vat_cents for b in breakdown)
    return Totals(net_cents=net, vat_cents=vat, gross_cents=net + vat, breakdown=tuple(breakdown))


class TermsKind(StrEnum):
    """Payment terms (C. com. L441-10 I).

    Members:
        NET: `days` after the invoice date, at most 60.
        END_OF_MONTH: "45 jours fin de mois": invoice date + 45 days, then the end of that month.
    """

    NET = "net"
    END_OF_MONTH = "end_of_month"


@dataclass(frozen=True)
class PaymentTerms:
    kind: TermsKind = TermsKind.NET
    days: int = 30

    def check(self) -> None:
        """Refuse terms beyond the legal limits."""
        limit = MAX_NET_DAYS if self.kind is TermsKind.NET else MAX_EOM_DAYS
        if not 0 <= self.days <= limit:
            raise InvalidInput(
                f"payment terms of {self.days} days exceed the legal limit of {limit} days "
                "(C. com. L441-10)",
                errors=(FieldError("payment_days", "too_long", f"at most {limit} days"),),
            )

    def text(self) -> str:
        if self.kind is TermsKind.END_OF_MONTH:
            return f"Paiement à {self.days} jours fin de mois."
        return f"Paiement à {self.days} jours date de facture."


def due_date(*, issued_on: date, terms: PaymentTerms) -> date:
    """The due date of an invoice issued on `issued_on`, after checking the terms are legal."""
    terms.check()
    if terms.kind is TermsKind.NET:
        return issued_on + timedelta(days=terms.days)
    after = issued_on + timedelta(days=terms.days)
    next_month = date(after.year + after.month // 12, after.month % 12 + 1, 1)
    return next_month - timedelta(days=1)


def format_cents(cents: int) -> str:
    """`123456` → `"1234.56"`: the decimal string EN 16931 amounts are written with."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def format_cents_fr(cents: int) -> str:
    """`123456` → `"1 234,56"`: for people."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", "\u202f") + f",{part:02d}"
