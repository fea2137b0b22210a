"""Errors raised by the pure rules shared by the phone and the server.

One base class with a stable machine-readable ``code`` (the server maps it to an HTTP problem,
the PWA to a translated message) and leaves that carry only that code; messages are English and
name the offending values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class RuleError(Exception):
    """Base class of every rule violation detected in ``sync``."""

    code: ClassVar[str] = "rule_error"


class InvalidMonth(RuleError):
    """A month is not ``YYYY-MM`` with a month 01-12 and a year 1900-2999."""

    code: ClassVar[str] = "invalid_month"


@dataclass(frozen=True)
class Violation:
    """One broken rule of a day, reported to the consultant next to the offending field.

    Attributes:
        field: JSON-path-like name of the offending input, e.g. ``"date"``,
            ``"lines[1].half_days"`` or ``"comment"``.
        code: Stable machine-readable rule code, e.g. ``"day_over_one"``.
        message: English sentence naming the offending values.
    """

    field: str
    code: str
    message: str


class InvalidDay(RuleError):
    """A day breaks one or more CRA rules; ``violations`` lists every one of them."""

    code: ClassVar[str] = "invalid_day"

    def __init__(self, violations: tuple[Violation, ...]) -> None:
        """Keep every violation so the caller can report all of them at once.

        Args:
            violations: The broken rules, in the order ``check_day`` found them.
        """
        self.violations = violations
        super().__init__("; ".join(violation.message for violation in violations))
