"""The contract rules and the one rounding rule of server/domain/pricing.py."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain import pricing as p
from server.domain.errors import InvalidInput


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 2, 3), (-5, 2, -3), (4, 2, 2), (1, 3, 0), (2, 3, 1), (15, 10, 2), (14, 10, 1)],
)
def test_round_half_up(numerator: int, denominator: int, expected: int) -> None:
    """Make sure halves go away from zero and the rest to the nearest integer."""
    assert p.round_half_up(numerator, denominator) == expected


def test_regie_counts_half_days() -> None:
    """Make sure 41 half-days at 650 EUR bill 20.5 days = 13 325 EUR."""
    line = p.regie_line(key="m", label="Alice", half_days=41, daily_rate_cents=65_000)
    assert line.net_cents == 1_332_500


def test_regie_rounds_an_odd_cent_rate_once() -> None:
    """Make sure half a day of 333.33 EUR is 166.67 EUR (half-up once)."""
    line = p.regie_line(key="m", label="x", half_days=1, daily_rate_cents=33_333)
    assert line.net_cents == 16_667


def test_regie_without_rate_is_refused() -> None:
    """Make sure a mission without TJM cannot be priced silently at zero."""
    with pytest.raises(p.MissingRate) as caught:
        p.regie_line(key="m", label="x", half_days=2, daily_rate_cents=None)
    assert caught.value.errors[0].field == "daily_rate_cents"


@pytest.mark.parametrize(
    ("worked", "cap", "already", "billable", "overrun"),
    [(40, None, 0, 40, 0), (40, 80, 30, 40, 0), (40, 80, 60, 20, 20), (40, 80, 90, 0, 40)],
)
def test_cap_bills_up_to_the_cap_and_flags_the_rest(
    worked: int, cap: int | None, already: int, billable: int, overrun: int
) -> None:
    """Make sure a capped régie never bills beyond its cap and reports the overrun."""
    assert p.apply_cap(
        worked_half_days=worked, cap_half_days=cap, already_half_days=already
    ) == p.CapOutcome(billable, overrun)


def test_expense_with_margin_rounds_once() -> None:
    """Make sure 10.05 EUR re-billed with a 7.5 % margin is 10.80 EUR (0.75375 → 0.75)."""
    line = p.expense_line(key="e", label="Train", amount_cents=1005, margin_bp=750)
    assert line.net_cents == 1080


def test_discounts_per_line_and_per_invoice() -> None:
    """Make sure a 10 % line discount and an invoice discount are negative lines."""
    base = p.regie_line(key="m", label="x", half_days=3, daily_rate_cents=50_001)
    per_line = p.discount_line(
        key="d", label="Remise", base_cents=base.net_cents, vat_rate_bp=2000, percent_bp=1000
    )
    assert base.net_cents == 75_002 and per_line.net_cents == -7_500
    ten = p.expense_line(key="e", label="Livre", amount_cents=10_000, vat_rate_bp=550)
    parts = p.invoice_discount_lines(lines=[base, ten], label="Remise", amount_cents=1_001)
    assert sum(line.net_cents for line in parts) == -1_001
    assert {line.vat_rate_bp for line in parts} == {2000, 550}


def test_discount_larger_than_its_base_is_refused() -> None:
    with pytest.raises(InvalidInput):
        p.discount_line(key="d", label="x", base_cents=100, vat_rate_bp=2000, amount_cents=101)


def test_vat_regimes_and_mentions() -> None:
    """Make sure reverse charge and franchise bill no VAT and carry their mention."""
    lines = [p.regie_line(key="m", label="x", half_days=2, daily_rate_cents=100_000)]
    standard = p.totals(lines=lines, regime=p.VatRegime.STANDARD)
    assert (standard.net_cents, standard.vat_cents, standard.gross_cents) == (
        100_000,
        20_000,
        120_000,
    )
    reverse = p.totals(lines=lines, regime=p.VatRegime.REVERSE_CHARGE)
    assert reverse.vat_cents == 0 and reverse.breakdown[0].mention == "Autoliquidation"
    franchise = p.totals(lines=lines, regime=p.VatRegime.FRANCHISE)
    assert franchise.breakdown[0].mention == "TVA non applicable, art. 293 B du CGI"
    assert franchise.breakdown[0].category == "E"


def test_unknown_vat_rate_is_refused() -> None:
    lines = [p.expense_line(key="e", label="x", amount_cents=100, vat_rate_bp=1900)]
    with pytest.raises(InvalidInput):
        p.totals(lines=lines, regime=p.VatRegime.STANDARD)


@pytest.mark.parametrize(
    ("terms", "issued", "due"),
    [
        (p.PaymentTerms(p.TermsKind.NET, 30), date(2026, 10, 31), date(2026, 11, 30)),
        (p.PaymentTerms(p.TermsKind.NET, 60), date(2026, 11, 2), date(2027, 1, 1)),
        (p.PaymentTerms(p.TermsKind.END_OF_MONTH, 45), date(2026, 12, 20), date(2027, 2, 28)),
    ],
)
def test_due_dates(terms: p.PaymentTerms, issued: date, due: date) -> None:
    assert p.due_date(issued_on=issued, terms=terms) == due


@pytest.mark.parametrize(
    "terms", [p.PaymentTerms(p.TermsKind.NET, 61), p.PaymentTerms(p.TermsKind.END_OF_MONTH, 46)]
)
def test_terms_beyond_the_legal_limit_are_refused(terms: p.PaymentTerms) -> None:
    """Make sure L441-10 limits (60 days, 45 days end of month) are enforced."""
    with pytest.raises(InvalidInput) as caught:
        p.due_date(issued_on=date(2026, 10, 31), terms=terms)
    assert caught.value.errors[0].field == "payment_days"


rates = st.sampled_from([2000, 1000, 550, 210])
regie = st.builds(
    lambda half, rate, vat: p.regie_line(
        key="m", label="x", half_days=half, daily_rate_cents=rate, vat_rate_bp=vat
    ),
    st.integers(0, 60),
    st.integers(1, 500_000),
    rates,
)
expense = st.builds(
    lambda amount, margin, vat: p.expense_line(
        key="e", label="x", amount_cents=amount, margin_bp=margin, vat_rate_bp=vat
    ),
    st.integers(1, 1_000_000),
    st.integers(0, 3000),
    rates,
)


@given(
    lines=st.lists(st.one_of(regie, expense), min_size=1, max_size=8),
    percent=st.none() | st.integers(1, 10_000),
    regime=st.sampled_from(list(p.VatRegime)),
)
def test_totals_always_equal_the_sum_of_lines(
    lines: list[p.Line], percent: int | None, regime: p.VatRegime
) -> None:
    """Make sure, whatever the lines and discounts, net = Σ lines, VAT = Σ per-rate VAT,
    due = net + VAT, and each rate's VAT is its base × rate rounded once."""
    if percent is not None:
        lines = lines + p.invoice_discount_lines(lines=lines, label="R", percent_bp=percent)
    result = p.totals(lines=lines, regime=regime)
    assert result.net_cents == sum(line.net_cents for line in lines)
    assert result.net_cents == sum(b.base_cents for b in result.breakdown)
    assert result.vat_cents == sum(b.vat_cents for b in result.breakdown)
    assert result.gross_cents == result.net_cents + result.vat_cents
    for b in result.breakdown:
        assert abs(b.vat_cents * 10_000 - b.base_cents * b.rate_bp) <= 5_000
    assert result.net_cents >= 0
    if regime is not p.VatRegime.STANDARD:
        assert result.vat_cents == 0


@given(
    bases=st.lists(st.tuples(st.integers(1, 10**7), rates), min_size=1, max_size=5),
    share=st.floats(0.0001, 1.0),
)
def test_invoice_discount_amount_splits_exactly(
    bases: list[tuple[int, int]], share: float
) -> None:
    """Make sure a fixed invoice discount split across rates adds up to the amount."""
    lines = [
        p.expense_line(key=str(i), label="x", amount_cents=a, vat_rate_bp=r)
        for i, (a, r) in enumerate(bases)
    ]
    total = sum(line.net_cents for line in lines)
    amount = max(1, int(total * share))
    parts = p.invoice_discount_lines(lines=lines, label="R", amount_cents=amount)
    assert -sum(line.net_cents for line in parts) == amount
