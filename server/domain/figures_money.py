"""Money figures: billing delay, cash waiting on CRAs, DSO, revenue and margin.

"No validated CRA, no invoice": these figures follow a month's value from the CRA to the bank.
Storage sums amounts and counts delays in SQL; these functions finish the arithmetic. Sources
and debates in ``docs/figures.md``. Choices:

- **Billing delay**: whole calendar days from the last day of the invoiced period (the CRA
  month) to the invoice's issue date, and to the day it was *fully* paid (the last payment).
  Partial payments are not a "paid" delay; they lower the receivables, hence the DSO.
- **Cash waiting on CRAs**: the value at TJM of the days of months that are over but not yet
  billable, by who holds them: the consultant (not handed in, or sent back), a manager or a
  client signer (in validation); and the pre-invoices drafted but not issued. Forfait days are
  billed by milestones, so they carry no value here; a capped régie is valued uncapped (the cap
  is applied when the pre-invoice is drafted).
- **DSO** (days sales outstanding), by the ratio method: receivables at a date (invoices issued,
  less credit notes, less payments received, all taxes included) ÷ sales of the ``dso_days``
  days before (invoices less credit notes) × ``dso_days``. The count-back method gives other
  values on uneven months; the ratio method is the one French controllers quote most.
- **Revenue** is production valued at its price: half-days on a régie mission × TJM ÷ 2, plus
  forfait milestones in the month they were delivered. **Cost** is the consultant's daily cost
  (*coût journalier moyen*, CJM: their loaded cost over the days they are expected to work)
  × the days they produced. **Margin** = revenue − cost, over the consultant-months whose cost
  is known only; the share of produced days with a known cost is given beside it, so a margin
  computed on part of the firm reads as such. Intercontrat's cost is shown apart
  (`figures_activity`), not taken again from a mission's margin.

Amounts in integer cents; sums of half-days × cents are "cost2" (twice the cents), halved once.
Pure: no clock, no storage.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from server.domain.figures import Period, Spread, ratio, spread
from server.domain.figures_activity import cents_of_cost2


@dataclass(frozen=True)
class BillingMonth:
    """Invoices of one CRA month: how many, how fast issued and paid, and their amounts."""

    month: str
    invoices: int
    to_invoice: Spread
    to_payment: Spread
    invoiced_cents: int
    paid_cents: int


def billing_by_month(
    *,
    period: Period,
    to_invoice: Mapping[str, Mapping[int, int]],
    to_payment: Mapping[str, Mapping[int, int]],
    amounts: Mapping[str, tuple[int, int, int]],
) -> list[BillingMonth]:
    """Billing delays per CRA month.

    Args:
        period: The months shown.
        to_invoice: Month → {days from month end to issue: invoices}.
        to_payment: Month → {days from month end to full payment: invoices}.
        amounts: Month → (invoices, gross cents invoiced, cents received so far).
    """
    out = []
    for month in period.keys:
        count, invoiced, paid = amounts.get(month, (0, 0, 0))
        out.append(
            BillingMonth(
                month=month,
                invoices=count,
                to_invoice=spread(to_invoice.get(month, {})),
                to_payment=spread(to_payment.get(month, {})),
                invoiced_cents=invoiced,
                paid_cents=paid,
            )
        )
    return out


@dataclass(frozen=True)
class DsoPoint:
    """The DSO at one month's end."""

    month: str
    receivables_cents: int
    sales_cents: int
    dso_days: float | None


def dso(
    *,
    period: Period,
    issued: Mapping[date, int],
    paid: Mapping[date, int],
    window_days: int,
) -> list[DsoPoint]:
    """The DSO at the end of each month of ``period`` (ratio method, see the module).

    Args:
        period: The months shown; each point is taken on the month's last day.
        issued: Issue date → gross cents issued that day, credit notes counted negative.
        paid: Payment date → cents received that day.
        window_days: How many days of sales the receivables are compared with.
    """
    out = []
    for month in period.months:
        end = month.last_day
        start = end - timedelta(days=window_days)
        billed = sum(v for d, v in issued.items() if d <= end)
        received = sum(v for d, v in paid.items() if d <= end)
        sales = sum(v for d, v in issued.items() if start < d <= end)
        receivables = billed - received
        days = None
        if sales > 0:
            days = round(receivables / sales * window_days, 1)
        out.append(DsoPoint(str(month), receivables, sales, days))
    return out


WAITING_STAGES = ("consultant", "manager", "client", "to_issue")
"""Who cash waits on: the consultant (not handed in or sent back), a manager, a client signer
(in validation), the billing desk (a pre-invoice not issued yet)."""


@dataclass(frozen=True)
class Waiting:
    """Cash held at one stage: how many months (or pre-invoices), and their value."""

    stage: str
    months: int
    value_cents: int


def waiting(*, sums: Mapping[str, tuple[int, int]]) -> list[Waiting]:
    """Cash waiting per stage, in `WAITING_STAGES` order.

    Args:
        sums: Stage → (how many, value); for the CRA stages the value is cost2-like
            (half-days × TJM), for ``to_issue`` it is already cents (the pre-invoices' net).
    """
    out = []
    for stage in WAITING_STAGES:
        count, value = sums.get(stage, (0, 0))
        cents = value if stage == "to_issue" else cents_of_cost2(value)
        out.append(Waiting(stage=stage, months=count, value_cents=cents))
    return out


@dataclass(frozen=True)
class RevenueSums:
    """A group's revenue and cost, summed in SQL.

    Attributes:
        revenue2: Σ half-days × TJM over régie missions (twice the cents).
        milestones_cents: Forfait milestones delivered in the period, in cents.
        costed_revenue2: The part of ``revenue2`` from consultant-months with a known cost.
        costed_milestones_cents: The part of ``milestones_cents`` likewise.
        cost2: Σ produced half-days × daily cost, where the cost is known.
        half_days: Produced half-days.
        costed_half_days: Produced half-days with a known cost.
    """

    revenue2: int = 0
    milestones_cents: int = 0
    costed_revenue2: int = 0
    costed_milestones_cents: int = 0
    cost2: int = 0
    half_days: int = 0
    costed_half_days: int = 0


@dataclass(frozen=True)
class RevenueLine:
    """Revenue, cost and margin of one group (a month, a client, a mission, a consultant).

    ``margin_cents`` and ``margin_rate`` cover the consultant-months with a known cost only;
    ``costed_share`` says how much of the days on missions that is (None: no such day).
    """

    id: str
    name: str
    revenue_cents: int
    cost_cents: int
    margin_cents: int | None
    margin_rate: float | None
    billable_half_days: int
    costed_share: float | None


def revenue_line(*, id: str, name: str, sums: RevenueSums) -> RevenueLine:
    """Revenue, cost and margin of a group from its sums."""
    revenue = cents_of_cost2(sums.revenue2) + sums.milestones_cents
    costed = cents_of_cost2(sums.costed_revenue2) + sums.costed_milestones_cents
    cost = cents_of_cost2(sums.cost2)
    known = sums.costed_half_days > 0 or sums.costed_milestones_cents > 0
    margin = costed - cost if known else None
    return RevenueLine(
        id=id,
        name=name,
        revenue_cents=revenue,
        cost_cents=cost,
        margin_cents=margin,
        margin_rate=None if margin is None else ratio(margin, costed),
        billable_half_days=sums.half_days,
        costed_share=ratio(sums.costed_half_days, sums.half_days),
    )


def revenue_by_month(*, period: Period, sums: Mapping[str, RevenueSums]) -> list[RevenueLine]:
    """One revenue line per month of ``period`` (``id`` and ``name`` are the month)."""
    return [
        revenue_line(id=month, name=month, sums=sums.get(month, RevenueSums()))
        for month in period.keys
    ]


def add_revenue(items: Sequence[RevenueSums]) -> RevenueSums:
    """The sums of several groups together (one pass: it runs for every line)."""
    totals = [0] * 7
    for s in items:
        totals[0] += s.revenue2
        totals[1] += s.milestones_cents
        totals[2] += s.costed_revenue2
        totals[3] += s.costed_milestones_cents
        totals[4] += s.cost2
        totals[5] += s.half_days
        totals[6] += s.costed_half_days
    return RevenueSums(*totals)
