"""What the direction's figures have in common: the period, the settings, ratios and percentiles.

Every figure Carnet shows (``docs/figures.md`` lists them with their sources) is computed in
two stages. Per consultant-month, pure functions (`server.domain.figures_activity`,
`server.domain.figures_close`) turn the month's days and circuit events into a few integers;
storage keeps them in a projection and sums them in SQL per month and per group (firm, team,
client, consultant). The functions of this module and of `server.domain.figures_money` then
turn those sums into ratios, medians and rolling windows. Because a group's figure is always
computed from the sums of its members' integers, never from an average of their ratios, the
figure of a team is exactly the aggregate of its members.

Pure: no clock (``today`` is a parameter), no storage.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from server.domain.errors import FieldError, InvalidInput
from sync.errors import InvalidMonth
from sync.months import MonthKey, MonthStatus
from sync.rules import AbsenceType

MAX_MONTHS = 36
"""Longest period a figure covers, in months (three years: a budget cycle and its comparison)."""

DEFAULT_MONTHS = 12
"""A period left unsaid ends with the current month and covers this many months."""

ROLLING_WINDOW = 12
"""The rolling window of TACE and of the other ratios, in months."""

HANDED_IN: frozenset[MonthStatus] = frozenset(
    {
        MonthStatus.SUBMITTED,
        MonthStatus.IN_VALIDATION,
        MonthStatus.VALIDATED,
        MonthStatus.SIGNED,
    }
)
"""Statuses of a CRA its consultant has handed in and not taken back."""

DEFAULT_FORESEEABLE: frozenset[AbsenceType] = frozenset(
    {AbsenceType.CP, AbsenceType.RTT, AbsenceType.SANS_SOLDE}
)
"""Absences planned ahead, taken out of the days a consultant is available (see `Settings`)."""


@dataclass(frozen=True)
class Settings:
    """An organisation's choices where firms compute the same figure differently.

    Attributes:
        foreseeable: Absence types taken out of the available days (the TACE's denominator).
            The usual definition ("taux d'activité congés exclus") removes paid leave (CP) and
            RTT; Carnet also removes unpaid leave (sans solde), which is as planned as CP. Sick
            leave, training and intercontrat stay in the denominator and lower the TACE.
        counted: Statuses of the CRAs the activity figures count. By default a month counts
            once handed in: a draft is still being typed and would read as a fall in activity.
            Firms that count only what the client signed choose ``{validated, signed}``.
        grace_days: Days after the month's last day a first submission is still on time
            (0: the month must be handed in by its last day).
        wait_alert_days: Days a month may wait on one approver before it is listed as late.
        dso_days: The window of the DSO, in days (the receivables are compared with the sales
            of that many days before the date).
    """

    foreseeable: frozenset[AbsenceType] = DEFAULT_FORESEEABLE
    counted: frozenset[MonthStatus] = HANDED_IN
    grace_days: int = 0
    wait_alert_days: int = 5
    dso_days: int = 90

    def __post_init__(self) -> None:
        problems = []
        if not self.counted:
            problems.append(FieldError("counted", "empty", "count at least one status"))
        if MonthStatus.DRAFT in self.counted and MonthStatus.SENT_BACK not in self.counted:
            problems.append(
                FieldError("counted", "inconsistent", "counting drafts counts sent-back months")
            )
        if AbsenceType.INTERCONTRAT in self.foreseeable:
            problems.append(
                FieldError(
                    "foreseeable",
                    "intercontrat",
                    "intercontrat is time the firm could sell: it stays in the available days",
                )
            )
        for name, value, low, high in (
            ("grace_days", self.grace_days, 0, 31),
            ("wait_alert_days", self.wait_alert_days, 1, 60),
            ("dso_days", self.dso_days, 28, 366),
        ):
            if not low <= value <= high:
                problems.append(FieldError(name, "out_of_range", f"between {low} and {high}"))
        if problems:
            raise InvalidInput("invalid figure settings", errors=tuple(problems))


@dataclass(frozen=True)
class Period:
    """The months a figure covers, both ends included."""

    first: MonthKey
    last: MonthKey
    months: tuple[MonthKey, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        months = [self.first]
        while months[-1] != self.last:
            months.append(months[-1].next())
        object.__setattr__(self, "months", tuple(months))

    def with_history(self, months: int) -> "Period":
        """The same period, starting ``months`` months earlier (for rolling windows)."""
        first = self.first
        for _ in range(months):
            first = first.previous()
        return Period(first=first, last=self.last)

    @property
    def keys(self) -> list[str]:
        return [str(m) for m in self.months]


def _month(text: str, name: str) -> MonthKey:
    try:
        return MonthKey.parse(text)
    except InvalidMonth as error:
        raise InvalidInput(
            f"{name} must be a month, YYYY-MM",
            errors=(FieldError(name, "invalid_month", "a month, YYYY-MM, e.g. 2026-03"),),
        ) from error


def parse_period(*, first: str | None, last: str | None, today: date) -> Period:
    """The period asked for, checked.

    Args:
        first: ``YYYY-MM``, the first month; None: ``DEFAULT_MONTHS`` before ``last``.
        last: ``YYYY-MM``, the last month; None: the month of ``today``.
        today: The organisation's date.

    Raises:
        InvalidInput: A month is malformed (field ``from`` or ``to``), the period ends before
            it starts, or it spans more than ``MAX_MONTHS`` months.
    """
    end = _month(last, "to") if last else MonthKey.of(today)
    if first:
        start = _month(first, "from")
    else:
        start = end
        for _ in range(DEFAULT_MONTHS - 1):
            start = start.previous()
    span = (end.year - start.year) * 12 + end.month - start.month + 1
    if span < 1:
        raise InvalidInput(
            "the period ends before it starts",
            errors=(FieldError("to", "before_from", f"on or after {start}"),),
        )
    if span > MAX_MONTHS:
        raise InvalidInput(
            f"a period covers at most {MAX_MONTHS} months",
            errors=(FieldError("from", "too_long", f"at most {MAX_MONTHS} months before `to`"),),
        )
    return Period(first=start, last=end)


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to 4 decimals (0.1234 = 12.34 %); None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return round(part / whole, 4)


@dataclass(frozen=True)
class Spread:
    """How a number of days spreads over what it measures.

    Attributes:
        count: How many values.
        median: The median, in whole days; None without values.
        p90: The 90th percentile: nine values in ten are at most this.
    """

    count: int
    median: int | None
    p90: int | None


def percentile(histogram: Mapping[int, int], share: float) -> int | None:
    """The nearest-rank percentile of integer values given as ``{value: how many}``.

    The nearest-rank method returns the smallest value with at least ``share`` of the values
    at or below it, so a median or p90 is always a delay that really happened (the lower middle
    value for an even count), never an interpolation between two.

    Args:
        histogram: Value → count; counts of 0 are ignored.
        share: In (0, 1]: 0.5 for the median, 0.9 for the p90.
    """
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    rank = max(1, math.ceil(round(share * total, 6)))  # rounded first: 0.9 * 30 is 27.000…04
    seen = 0
    for value in sorted(histogram):
        seen += max(histogram[value], 0)
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks cover the total")


def spread(histogram: Mapping[int, int]) -> Spread:
    """Count, median and p90 of a histogram of whole days."""
    return Spread(
        count=sum(n for n in histogram.values() if n > 0),
        median=percentile(histogram, 0.5),
        p90=percentile(histogram, 0.9),
    )


def merge_histograms(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """The histogram of several sets of values together."""
    merged: dict[int, int] = {}
    for histogram in histograms:
        for value, count in histogram.items():
            merged[value] = merged.get(value, 0) + count
    return merged


def rolling_sums(
    months: Sequence[str], values: Mapping[str, tuple[int, int]], *, window: int = ROLLING_WINDOW
) -> dict[str, tuple[int, int]]:
    """For each month, the sums of ``(part, whole)`` over it and the ``window - 1`` before.

    Args:
        months: Consecutive months, oldest first, including the history the window needs.
        values: Month → (part, whole); a missing month counts as (0, 0).
        window: How many months a sum covers.
    """
    sums: dict[str, tuple[int, int]] = {}
    for index, month in enumerate(months):
        covered = months[max(0, index - window + 1) : index + 1]
        part = sum(values.get(m, (0, 0))[0] for m in covered)
        whole = sum(values.get(m, (0, 0))[1] for m in covered)
        sums[month] = (part, whole)
    return sums


def half_days_to_days(half_days: int) -> float:
    """Days from half-days (wire values stay half-days; exports and screens show days)."""
    return half_days / 2


@dataclass(frozen=True)
class Scope:
    """Whose figures: an organisation, narrowed to a team, a consultant or a client.

    Attributes:
        organisation_id: Always set: figures never cross organisations.
        team_id: The manager whose direct reports are counted (their team today: a consultant
            who changed teams brings their history along).
        consultant_id: One consultant.
        client_id: The consultant-months whose main mission is at this client.
    """

    organisation_id: str
    team_id: str | None = None
    consultant_id: str | None = None
    client_id: str | None = None

    @property
    def firm(self) -> bool:
        """True when nothing narrows the organisation."""
        return not (self.team_id or self.consultant_id or self.client_id)
