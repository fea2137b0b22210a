"""The expense rules: VAT split of a receipt and the mileage scale, by hand and by property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.expenses import (
    MAX_AMOUNT_CENTS,
    SCALES,
    VAT_RATES_BP,
    Category,
    ExpenseRuleError,
    annual_allowance_cents,
    scale_for,
    split_vat,
    trip_allowance_cents,
    vat_of_gross,
)

# -- VAT, computed by hand ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (1200, 2000, 200),  # 12.00 TTC at 20 %: 10.00 + 2.00
        (4550, 1000, 414),  # 45.50 at 10 %: 4.1363... → 4.14
        (1055, 550, 55),  # 10.55 at 5.5 %: exactly 0.55
        (10210, 210, 210),  # 102.10 at 2.1 %: exactly 2.10
        (999, 0, 0),
        (3, 2000, 1),  # 0.03 at 20 %: 0.005 → half a cent up: 0.01
        (1, 2000, 0),  # 0.01 at 20 %: 0.00166 → 0.00
        (6, 2000, 1),  # 0.06 at 20 %: exactly 0.01
    ],
)
def test_vat_inside_a_gross_amount_rounds_to_the_nearest_cent_half_up(
    gross: int, rate: int, vat: int
) -> None:
    assert vat_of_gross(gross_cents=gross, rate_bp=rate) == vat


def test_a_restaurant_bill_with_two_rates_splits_each_rate_and_adds_the_totals() -> None:
    split = split_vat([(1000, 4550), (2000, 1200)])
    assert [(v.rate_bp, v.net_cents, v.vat_cents) for v in split.lines] == [
        (1000, 4136, 414),
        (2000, 1000, 200),
    ]
    assert (split.gross_cents, split.net_cents, split.vat_cents) == (5750, 5136, 614)


@pytest.mark.parametrize(
    ("lines", "field", "rule"),
    [
        ([], "vat_lines", "required"),
        ([(1960, 100)], "vat_lines[0].rate_bp", "unknown_rate"),
        ([(2000, 100), (2000, 5)], "vat_lines[1].rate_bp", "duplicate_rate"),
        ([(2000, 0)], "vat_lines[0].gross_cents", "out_of_range"),
        ([(2000, -5)], "vat_lines[0].gross_cents", "out_of_range"),
        ([(1000, MAX_AMOUNT_CENTS + 1)], "vat_lines[0].gross_cents", "out_of_range"),
        ([(2000, 12.5)], "vat_lines[0].gross_cents", "out_of_range"),
        ([(2000, True)], "vat_lines[0].gross_cents", "out_of_range"),
    ],
)
def test_a_split_refuses_bad_lines_naming_the_field(
    lines: list[tuple[int, int]], field: str, rule: str
) -> None:
    with pytest.raises(ExpenseRuleError) as refused:
        split_vat(lines)
    assert (refused.value.field, refused.value.rule) == (field, rule)


@given(
    st.lists(
        st.tuples(st.sampled_from(VAT_RATES_BP), st.integers(1, MAX_AMOUNT_CENTS)),
        min_size=1,
        max_size=5,
        unique_by=lambda line: line[0],
    )
)
def test_net_plus_vat_is_the_gross_on_every_line_and_in_total(
    lines: list[tuple[int, int]],
) -> None:
    split = split_vat(lines)
    for line in split.lines:
        assert line.net_cents + line.vat_cents == line.gross_cents
        assert line.net_cents >= 0 and line.vat_cents >= 0
        # The VAT is within half a cent of the exact fraction: |vat·(1+r) − gross·r| ≤ (1+r)/2.
        divisor = 10_000 + line.rate_bp
        assert abs(line.vat_cents * divisor - line.gross_cents * line.rate_bp) * 2 <= divisor
        # ...and the net amount taxed at the rate gives back the gross, within a cent.
        assert abs(line.net_cents * divisor - line.gross_cents * 10_000) <= divisor
    assert split.net_cents + split.vat_cents == split.gross_cents == sum(g for _, g in lines)


# -- mileage, computed by hand from the published scale ----------------------------------------


@pytest.mark.parametrize(
    ("power", "electric", "km", "cents"),
    [
        (5, False, 120, 7632),  # 120 × 0.636 = 76.32 €
        (3, False, 1, 53),  # 0.529 → 0.53 (half a cent up from 0.529)
        (2, False, 100, 5290),  # under 3 CV: the "3 CV et moins" row
        (4, False, 5000, 303000),  # 5,000 × 0.606 = 3,030 €
        (4, False, 10000, 473000),  # 10,000 × 0.340 + 1,330 = 4,730 €
        (6, False, 20000, 893700),  # 20,000 × 0.374 + 1,457 = 8,937 €
        (7, False, 25000, 1175000),  # 25,000 × 0.470 = 11,750 €
        (11, False, 100, 6970),  # over 7 CV: the "7 CV et plus" row
        (5, True, 120, 9158),  # electric: 120 × 0.636 × 1.2 = 91.584 → 91.58 €
        (4, True, 10000, 567600),  # electric: (10,000 × 0.340 + 1,330) × 1.2 = 5,676 €
        (3, True, 1, 63),  # electric: 0.529 × 1.2 = 0.6348 → 0.63 €
    ],
)
def test_the_annual_scale_of_2024_by_hand(power: int, electric: bool, km: int, cents: int) -> None:
    assert (
        annual_allowance_cents(year=2024, fiscal_power=power, electric=electric, distance_km=km)
        == cents
    )


def test_2025_income_uses_the_2024_scale_and_a_later_year_the_latest_held() -> None:
    assert scale_for(2025) is scale_for(2024)
    assert scale_for(2031) is SCALES[max(SCALES)]
    with pytest.raises(ExpenseRuleError) as refused:
        scale_for(2019)
    assert refused.value.rule == "no_scale"


def test_a_trip_after_others_in_the_year_is_priced_at_the_band_it_falls_in() -> None:
    # 4 CV, 4,900 km already claimed, a 200 km trip crosses 5,000 km:
    # scale(5,100) − scale(4,900) = (5,100 × 0.340 + 1,330) − 4,900 × 0.606 = 3,064 − 2,969.40
    assert (
        trip_allowance_cents(
            year=2025, fiscal_power=4, electric=False, distance_km=200, year_km_before=4900
        )
        == 306400 - 296940
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"distance_km": 0}, "distance_km"),
        ({"distance_km": -3}, "distance_km"),
        ({"distance_km": 12.5}, "distance_km"),
        ({"distance_km": 10, "fiscal_power": 0}, "fiscal_power"),
        ({"distance_km": 10, "year_km_before": -1}, "year_km_before"),
        ({"distance_km": 60_000, "year_km_before": 50_000}, "distance_km"),
    ],
)
def test_a_trip_refuses_bad_input_naming_the_field(kwargs: dict[str, int], field: str) -> None:
    args = {"year": 2025, "fiscal_power": 5, "electric": False, **kwargs}
    with pytest.raises(ExpenseRuleError) as refused:
        trip_allowance_cents(**args)  # type: ignore[arg-type]
    assert refused.value.field == field


@pytest.mark.parametrize("year", sorted(SCALES))
@pytest.mark.parametrize("electric", [False, True])
@pytest.mark.parametrize("power", [3, 4, 5, 6, 7])
def test_every_row_grows_with_the_distance_across_its_band_edges(
    year: int, electric: bool, power: int
) -> None:
    at = [
        annual_allowance_cents(year=year, fiscal_power=power, electric=electric, distance_km=km)
        for km in (0, 1, 4999, 5000, 5001, 19999, 20000, 20001, 50000)
    ]
    assert at == sorted(at)


@given(
    power=st.integers(1, 20),
    electric=st.booleans(),
    trips=st.lists(st.integers(1, 3000), min_size=1, max_size=30),
)
def test_the_trips_of_a_year_add_up_to_the_scale_of_their_total(
    power: int, electric: bool, trips: list[int]
) -> None:
    claimed, total = 0, 0
    for km in trips:
        amount = trip_allowance_cents(
            year=2025,
            fiscal_power=power,
            electric=electric,
            distance_km=km,
            year_km_before=claimed,
        )
        assert amount >= 0
        claimed += km
        total += amount
    assert total == annual_allowance_cents(
        year=2025, fiscal_power=power, electric=electric, distance_km=claimed
    )


def test_the_categories_are_the_eight_the_phone_offers() -> None:
    assert [c.value for c in Category] == [
        "meal",
        "train",
        "hotel",
        "taxi",
        "mileage",
        "other",
        "mileage_motorcycle",
        "mileage_moped",
    ]


def test_the_motorcycle_scale_by_hand() -> None:
    """Motorcycles over 50 cm³ (arrêté du 27 mars 2023): 3-5 CV, 2,000 km × 0.468 = 936 €;
    1-2 CV, 4,000 km: 4,000 × 0.099 + 891 = 1,287 €; over 5 CV, 10,000 km × 0.343 = 3,430 €;
    electric: +20 %."""

    def moto(cv: int, km: int, electric: bool = False) -> int:
        return annual_allowance_cents(
            year=2025, fiscal_power=cv, electric=electric, distance_km=km, motorcycle=True
        )

    assert moto(4, 2000) == 93_600
    assert moto(2, 4000) == 128_700
    assert moto(9, 10_000) == 343_000
    assert moto(3, 1) == 47  # 0.468 → 0.47
    assert moto(4, 2000, electric=True) == 112_320


def test_each_motorcycle_row_grows_across_its_band_edges() -> None:
    for cv in (1, 2, 3, 5, 6, 12):
        for edge in (3000, 6000):
            below, above = (
                annual_allowance_cents(
                    year=2025, fiscal_power=cv, electric=False, distance_km=km, motorcycle=True
                )
                for km in (edge, edge + 1)
            )
            assert below < above, (cv, edge)


def test_a_motorcycle_trip_crossing_three_thousand_km_is_priced_in_both_bands() -> None:
    """3-5 CV, 200 km after 2,900: scale(3,100) − scale(2,900) = (3,100 × 0.082 + 1,158) −
    2,900 × 0.468 = 1,412.20 − 1,357.20 = 55.00 €."""
    got = trip_allowance_cents(
        year=2025,
        fiscal_power=4,
        electric=False,
        distance_km=200,
        year_km_before=2900,
        motorcycle=True,
    )
    assert got == 5500


def moped(km: int, *, cv: int = 1, electric: bool = False) -> int:
    return annual_allowance_cents(
        year=2025, fiscal_power=cv, electric=electric, distance_km=km, moped=True
    )


def test_the_moped_scale_by_hand() -> None:
    """Mopeds, 50 cm³ or less (arrêté du 27 mars 2023, BOI-BAREME-000001), one row whatever
    the power: 2,000 km × 0.315 = 630 €; 4,000 km: 4,000 × 0.079 + 711 = 1,027 €; 10,000 km ×
    0.198 = 1,980 €; 1 km: 0.315 → 0.32 €; electric: +20 %, 2,000 km → 756 €."""
    assert moped(2000) == 63_000
    assert moped(4000) == 102_700
    assert moped(10_000) == 198_000
    assert moped(1) == 32
    assert moped(2000, electric=True) == 75_600
    assert moped(4000, cv=1) == moped(4000, cv=9)
    assert moped(0) == 0


def test_the_moped_scale_grows_across_its_band_edges() -> None:
    """3,000 km: 945 € then 948.08 €; 6,000 km: 1,185 € then 1,188.20 €."""
    assert (moped(3000), moped(3001)) == (94_500, 94_808)
    assert (moped(6000), moped(6001)) == (118_500, 118_820)


def test_moped_trips_crossing_a_band_edge_are_priced_in_both_bands() -> None:
    """200 km after 2,900: (3,100 × 0.079 + 711) − 2,900 × 0.315 = 955.90 − 913.50 = 42.40 €;
    300 km after 5,800: 6,100 × 0.198 − (5,800 × 0.079 + 711) = 1,207.80 − 1,169.20 = 38.60 €."""

    def trip(km: int, before: int) -> int:
        return trip_allowance_cents(
            year=2025,
            fiscal_power=1,
            electric=False,
            distance_km=km,
            year_km_before=before,
            moped=True,
        )

    assert trip(200, 2900) == 4240
    assert trip(300, 5800) == 3860


def test_a_vehicle_is_a_motorcycle_or_a_moped_not_both() -> None:
    with pytest.raises(ExpenseRuleError) as caught:
        annual_allowance_cents(
            year=2025, fiscal_power=1, electric=False, distance_km=5, motorcycle=True, moped=True
        )
    assert caught.value.field == "category"
