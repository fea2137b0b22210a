"""The rules of an expense line, computed alike on the phone and on the server.

Two computations the phone shows before anything reaches the server:

* **VAT split**: a receipt prints amounts *tax included* (TTC), one per VAT rate (a restaurant
  bill may mix 10 % food and 20 % drinks). For each rate the VAT is
  ``TTC × rate / (1 + rate)`` rounded to the nearest cent, half a cent up (the French
  practice, see docs/expenses.md), and the net amount (HT) is ``TTC − VAT``, so that
  ``HT + VAT = TTC`` holds to the cent on every line and in every total.
* **Mileage allowance** (indemnités kilométriques) from the distance and the car's fiscal power
  (CV, box P.6 of the registration certificate) with the official *barème kilométrique*. The
  scale is annual: its formula applies to the distance driven for work over the whole year. A
  single trip is therefore worth the scale of the year's distance *after* it minus the scale of
  the distance *before* it, so the trips of a year always add up to the scale of the year's total.

Money is in integer cents, VAT rates in basis points (2000 = 20 %), distances in whole
kilometres, as everywhere in Carnet; all arithmetic is on integers, so Python and JavaScript
(``pwa/js/online/expense-rules.js``) agree to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sync.errors import RuleError


class Category(StrEnum):
    """What an expense paid for; mileage is computed, the others are read off a receipt."""

    MEAL = "meal"
    TRAIN = "train"
    HOTEL = "hotel"
    TAXI = "taxi"
    MILEAGE = "mileage"
    OTHER = "other"
    MILEAGE_MOTORCYCLE = "mileage_motorcycle"
    """Mileage on a motorcycle or scooter over 50 cm³: its own scale and its own yearly km."""
    MILEAGE_MOPED = "mileage_moped"
    """Mileage on a moped (cyclomoteur, 50 cm³ or less): its own scale and its own yearly km."""


MILEAGE_KINDS: Final = (Category.MILEAGE, Category.MILEAGE_MOTORCYCLE, Category.MILEAGE_MOPED)
"""Categories priced by a mileage scale, each on the distance of its own vehicle kind."""


VAT_RATES_BP: Final = (2000, 1000, 550, 210, 0)
"""French VAT rates a receipt may carry (CGI art. 278 ff.): standard 20 %, intermediate 10 %
(restaurants, passenger transport), reduced 5.5 %, special 2.1 %, and 0 for what bears none."""

MAX_AMOUNT_CENTS: Final = 10_000_000
"""A line above 100,000 € is a typing error, not an expense."""

MAX_DISTANCE_KM: Final = 100_000
"""More than 100,000 km of work driving in a year is a typing error."""


class ExpenseRuleError(RuleError):
    """An expense's input breaks a rule; ``field`` names the input, ``code`` the rule."""

    code = "invalid_expense"

    def __init__(self, field: str, code: str, message: str) -> None:
        self.field = field
        self.rule = code
        super().__init__(message)


@dataclass(frozen=True)
class VatLine:
    """One rate of a receipt: the amount tax included, split into net and VAT."""

    rate_bp: int
    gross_cents: int
    net_cents: int
    vat_cents: int


@dataclass(frozen=True)
class Split:
    """A receipt's lines and their totals (``net + vat == gross`` on each line and in total)."""

    lines: tuple[VatLine, ...]
    gross_cents: int
    net_cents: int
    vat_cents: int


def vat_of_gross(*, gross_cents: int, rate_bp: int) -> int:
    """The VAT inside an amount tax included, to the nearest cent, half a cent up.

    ``gross × rate / (10000 + rate)`` in integers: adding half the divisor before the floor
    division rounds half up for the non-negative amounts an expense has.
    """
    divisor = 10_000 + rate_bp
    return (2 * gross_cents * rate_bp + divisor) // (2 * divisor)


def split_vat(lines: Sequence[tuple[int, int]]) -> Split:
    """Split ``(rate_bp, gross_cents)`` lines, one per rate, into net and VAT.

    Raises:
        ExpenseRuleError: no line, an unknown rate, a rate twice, or an amount that is not a
            positive whole number of cents up to ``MAX_AMOUNT_CENTS``.
    """
    if not lines:
        raise ExpenseRuleError("vat_lines", "required", "an expense has at least one amount")
    seen: set[int] = set()
    out: list[VatLine] = []
    for index, (rate_bp, gross_cents) in enumerate(lines):
        where = f"vat_lines[{index}]"
        if type(rate_bp) is not int or rate_bp not in VAT_RATES_BP:
            raise ExpenseRuleError(
                f"{where}.rate_bp", "unknown_rate", f"{rate_bp!r} is not one of {VAT_RATES_BP}"
            )
        if rate_bp in seen:
            raise ExpenseRuleError(
                f"{where}.rate_bp", "duplicate_rate", f"the rate {rate_bp} appears twice"
            )
        seen.add(rate_bp)
        if type(gross_cents) is not int or not 0 < gross_cents <= MAX_AMOUNT_CENTS:
            raise ExpenseRuleError(
                f"{where}.gross_cents",
                "out_of_range",
                f"{gross_cents!r} is not a whole number of cents from 1 to {MAX_AMOUNT_CENTS}",
            )
        vat = vat_of_gross(gross_cents=gross_cents, rate_bp=rate_bp)
        out.append(VatLine(rate_bp, gross_cents, gross_cents - vat, vat))
    return Split(
        lines=tuple(out),
        gross_cents=sum(line.gross_cents for line in out),
        net_cents=sum(line.net_cents for line in out),
        vat_cents=sum(line.vat_cents for line in out),
    )


# -- mileage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """One distance band of a power's row: ``distance × per_km + fixed`` up to ``up_to_km``.

    ``per_km_millis`` is the rate in thousandths of a euro per km (0.529 €/km → 529), as the
    scale prints it; ``fixed_euros`` the whole-euro constant of the middle band; ``up_to_km``
    is None for the last band.
    """

    up_to_km: int | None
    per_km_millis: int
    fixed_euros: int


Row = tuple[Band, Band, Band]

_CARS_2024: Final[Mapping[int, Row]] = {
    # fiscal power (CV) → bands; the key is the lowest power of the row (3 = "3 CV et moins",
    # 7 = "7 CV et plus").
    3: (Band(5000, 529, 0), Band(20000, 316, 1065), Band(None, 370, 0)),
    4: (Band(5000, 606, 0), Band(20000, 340, 1330), Band(None, 407, 0)),
    5: (Band(5000, 636, 0), Band(20000, 357, 1395), Band(None, 427, 0)),
    6: (Band(5000, 665, 0), Band(20000, 374, 1457), Band(None, 447, 0)),
    7: (Band(5000, 697, 0), Band(20000, 394, 1515), Band(None, 470, 0)),
}


_MOTORCYCLES_2024: Final[Mapping[int, Row]] = {
    # Motorcycles and scooters over 50 cm³; the key is the lowest power of the row (1 = "1 ou
    # 2 CV", 3 = "3, 4 et 5 CV", 6 = "plus de 5 CV"); bands up to 3,000 and 6,000 km.
    1: (Band(3000, 395, 0), Band(6000, 99, 891), Band(None, 248, 0)),
    3: (Band(3000, 468, 0), Band(6000, 82, 1158), Band(None, 275, 0)),
    6: (Band(3000, 606, 0), Band(6000, 79, 1583), Band(None, 343, 0)),
}

_MOPEDS_2024: Final[Row] = (
    # Mopeds (cyclomoteurs, 50 cm³ or less): one row whatever the fiscal power; bands up to
    # 3,000 and 6,000 km: d × 0.315, d × 0.079 + 711, d × 0.198.
    Band(3000, 315, 0),
    Band(6000, 79, 711),
    Band(None, 198, 0),
)


@dataclass(frozen=True)
class Scale:
    """The car scale of one year, with where it comes from.

    ``electric_uplift_percent``: the amount the scale gives is increased by this much for a
    fully electric car (20 % since the arrêté of 2021). The tables for electric cars that the
    administration prints are this increase rounded to the thousandth per km; those rounded
    figures are not monotonic at the band edges (3 CV: 3,175 € at 5,000 km, 3,173.38 € at
    5,001 km), so we apply the increase to the amount, as the arrêté words it.
    """

    source: str
    cars: Mapping[int, Row]
    electric_uplift_percent: int
    motorcycles: Mapping[int, Row]
    mopeds: Row


_SCALE_2024: Final = Scale(
    source=(
        "Barèmes kilométriques des voitures, des motocyclettes et des cyclomoteurs, arrêté du "
        "27 mars 2023 (JORF 29 mars 2023), BOI-BAREME-000001; not revalued for 2023 and 2024 "
        "income, and kept for 2025 income"
    ),
    cars=_CARS_2024,
    electric_uplift_percent=20,
    motorcycles=_MOTORCYCLES_2024,
    mopeds=_MOPEDS_2024,
)

SCALES: Final[Mapping[int, Scale]] = {2024: _SCALE_2024, 2025: _SCALE_2024}
"""The scale applied to the distance driven in a year (the year of the expense). A new year is
one entry: its published table, or the previous one when the government keeps it."""


def scale_for(year: int) -> Scale:
    """The scale of ``year``; a year with none published yet uses the latest one we have.

    Raises:
        ExpenseRuleError: ``year`` predates every scale held.
    """
    if year in SCALES:
        return SCALES[year]
    held = [y for y in SCALES if y <= year]
    if not held:
        raise ExpenseRuleError("date", "no_scale", f"no mileage scale for {year}")
    return SCALES[max(held)]


def _row(scale: Scale, fiscal_power: int, motorcycle: bool = False, moped: bool = False) -> Row:
    if type(fiscal_power) is not int or not 1 <= fiscal_power <= 99:
        raise ExpenseRuleError(
            "fiscal_power", "out_of_range", f"{fiscal_power!r} is not a fiscal power (1 to 99 CV)"
        )
    if moped:
        return scale.mopeds  # one row: a moped's scale does not depend on its power
    table = scale.motorcycles if motorcycle else scale.cars
    # The row of the highest key not above the power (the first row below its key).
    return table[max([k for k in table if k <= fiscal_power] or [min(table)])]


def _check_distance(field: str, km: int) -> None:
    if type(km) is not int or not 0 <= km <= MAX_DISTANCE_KM:
        raise ExpenseRuleError(
            field,
            "out_of_range",
            f"{km!r} is not a whole number of km from 0 to {MAX_DISTANCE_KM}",
        )


def annual_allowance_cents(
    *,
    year: int,
    fiscal_power: int,
    electric: bool,
    distance_km: int,
    motorcycle: bool = False,
    moped: bool = False,
) -> int:
    """The scale's amount for ``distance_km`` driven for work in ``year``, in cents: the car
    scale, the motorcycle one (over 50 cm³) when ``motorcycle``, or the moped one (cyclomoteur,
    50 cm³ or less) when ``moped``; the 20 % electric uplift applies to each
    (BOI-BAREME-000001).

    ``distance × rate + fixed`` is exact in tenths of a cent (and, for an electric car, times
    ``(100 + uplift) / 100`` in thousandths of a cent); it is rounded once to the nearest cent,
    half up.
    """
    _check_distance("distance_km", distance_km)
    scale = scale_for(year)
    if motorcycle and moped:
        raise ExpenseRuleError("category", "unknown", "a motorcycle or a moped, not both")
    for band in _row(scale, fiscal_power, motorcycle, moped):
        if band.up_to_km is None or distance_km <= band.up_to_km:
            tenths = distance_km * band.per_km_millis + band.fixed_euros * 1000
            if not electric:
                return (tenths + 5) // 10
            return (tenths * (100 + scale.electric_uplift_percent) + 500) // 1000
    raise AssertionError("the last band has no upper bound")  # pragma: no cover


def trip_allowance_cents(
    *,
    year: int,
    fiscal_power: int,
    electric: bool,
    distance_km: int,
    year_km_before: int = 0,
    motorcycle: bool = False,
    moped: bool = False,
) -> int:
    """What one trip of ``distance_km`` is worth after ``year_km_before`` km already claimed in
    the year: the scale of the distance after the trip minus the scale of the distance before.

    Raises:
        ExpenseRuleError: a distance that is not a whole number of km, a zero trip, or a fiscal
            power out of range.
    """
    _check_distance("distance_km", distance_km)
    _check_distance("year_km_before", year_km_before)
    if distance_km == 0:
        raise ExpenseRuleError("distance_km", "out_of_range", "a trip is at least 1 km")
    if year_km_before + distance_km > MAX_DISTANCE_KM:
        raise ExpenseRuleError(
            "distance_km", "out_of_range", f"more than {MAX_DISTANCE_KM} km in the year"
        )
    after = annual_allowance_cents(
        year=year,
        fiscal_power=fiscal_power,
        electric=electric,
        distance_km=year_km_before + distance_km,
        motorcycle=motorcycle,
        moped=moped,
    )
    before = annual_allowance_cents(
        year=year,
        fiscal_power=fiscal_power,
        electric=electric,
        distance_km=year_km_before,
        motorcycle=motorcycle,
        moped=moped,
    )
    # Every published row grows with the distance (tests/sync/test_expenses.py checks each
    # band's edges), so a trip is never worth less than nothing.
    return after - before
