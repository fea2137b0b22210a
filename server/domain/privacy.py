"""People's data rights: retention periods with their legal floors, and the answer to an erasure.

What Carnet keeps, why and how long is explained in docs/privacy.md; this module holds the
figures. A period is a number of days counted from the moment a row stops being needed (a
session's expiry, a notification's sending, a person's departure...). A firm may keep data longer
than the default, and shorter down to the legal floor, never below it (RGPD art. 5-1-e: no longer
than necessary; the floors are what French law makes the firm keep).

Pure: no clock, no I/O; ``now`` comes in as a parameter.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from server.domain.errors import FieldError, InvalidInput

YEAR = 366
"""Days counted for a year of retention (a leap year: never a day short)."""


class DataKind(StrEnum):
    """The kinds of data the retention job deletes once their period is over."""

    SESSIONS = "sessions"
    CEREMONIES = "ceremonies"
    OUTBOX = "outbox"
    RECEIPTS_UNUSED = "receipts_unused"
    RECEIPTS_NOT_REBILLED = "receipts_not_rebilled"
    DEPARTED_PEOPLE = "departed_people"


@dataclass(frozen=True)
class RetentionRule:
    """A data kind's default period and legal floor, in days, and where they come from."""

    kind: DataKind
    default_days: int
    minimum_days: int
    counted_from: str
    source: str


RULES: dict[DataKind, RetentionRule] = {
    rule.kind: rule
    for rule in (
        RetentionRule(
            DataKind.SESSIONS,
            default_days=30,
            minimum_days=0,
            counted_from="the session's expiry",
            source="RGPD art. 5-1-e (no legal duty to keep)",
        ),
        RetentionRule(
            DataKind.CEREMONIES,
            default_days=7,
            minimum_days=0,
            counted_from="the challenge's or invitation's expiry",
            source="RGPD art. 5-1-e (no legal duty to keep)",
        ),
        RetentionRule(
            DataKind.OUTBOX,
            default_days=90,
            minimum_days=0,
            counted_from="the notification's sending or dropping",
            source="RGPD art. 5-1-e (no legal duty to keep)",
        ),
        RetentionRule(
            DataKind.RECEIPTS_UNUSED,
            default_days=YEAR,
            minimum_days=0,
            counted_from="the upload, for receipts on no approved expense",
            source="RGPD art. 5-1-e (not an accounting record)",
        ),
        RetentionRule(
            DataKind.RECEIPTS_NOT_REBILLED,
            default_days=10 * YEAR,
            minimum_days=10 * YEAR,
            counted_from="the decision, for approved expenses not re-billed",
            source="Code de commerce L123-22 (pièces justificatives, 10 ans); LPF L102 B (6 ans)",
        ),
        RetentionRule(
            DataKind.DEPARTED_PEOPLE,
            default_days=5 * YEAR,
            minimum_days=3 * YEAR,
            counted_from="the person's deactivation",
            source="Code du travail L3245-1 and D3171-16 (3 ans); CNIL référentiel RH, "
            "Code civil 2224 (5 ans)",
        ),
    )
}


def periods(stored: Mapping[str, Any]) -> dict[DataKind, int]:
    """Every kind's period: the firm's where it set one, the default otherwise."""
    result = {}
    for kind, rule in RULES.items():
        value = stored.get(kind.value)
        result[kind] = (
            value if isinstance(value, int) and value >= rule.minimum_days else (rule.default_days)
        )
    return result


def validate(changes: Mapping[str, Any]) -> dict[str, int]:
    """Check a firm's new periods, each named by its kind.

    Raises:
        InvalidInput: A kind is unknown, a period is not a whole number of days, or it is
            shorter than the legal floor (the error names the kind and the law).
    """
    errors = []
    valid: dict[str, int] = {}
    for name, value in changes.items():
        try:
            kind = DataKind(name)
        except ValueError:
            errors.append(FieldError(name, "unknown_kind", f"no data kind named {name!r}"))
            continue
        rule = RULES[kind]
        if isinstance(value, bool) or not isinstance(value, int) or value > 100 * YEAR:
            errors.append(
                FieldError(name, "not_days", "a whole number of days, at most 100 years")
            )
        elif value < rule.minimum_days:
            message = (
                f"at least {rule.minimum_days} days must be kept ({rule.source})"
                if rule.minimum_days
                else "a period cannot be negative"
            )
            errors.append(FieldError(name, "below_legal_minimum", message))
        else:
            valid[name] = value
    if errors:
        raise InvalidInput("retention periods refused", errors=tuple(errors))
    return valid


def cutoff(*, now: dt.datetime, days: int) -> dt.datetime:
    """The instant before which a row of a kind kept ``days`` days is past its period."""
    return now - dt.timedelta(days=days)


class Outcome(StrEnum):
    """What an erasure did to one kind of data."""

    ERASED = "erased"
    PSEUDONYMISED = "pseudonymised"
    REVOKED = "revoked"
    KEPT = "kept"


@dataclass(frozen=True)
class ReportItem:
    """One line of the answer to an erasure request (RGPD art. 17 and 12-3: say what was done,
    and for what is kept, under which obligation)."""

    item: str
    outcome: Outcome
    count: int
    reason: str


KEPT_REASONS: dict[str, str] = {
    "invoices": "Code de commerce L123-22: invoices and the accounting records behind them "
    "are kept 10 years, unchanged, with the consultant's name on their lines (RGPD art. 17-3-b)",
    "signed_months": "signed CRAs and their signature evidence prove the service was done "
    "(Code civil 1366-1367; RGPD art. 17-3-e, establishment and defence of legal claims)",
    "months": "working time records: Code du travail D3171-16 (3 years) and, when invoiced, "
    "Code de commerce L123-22 (10 years)",
    "leave": "payroll records (congés payés on the payslip): Code du travail L3243-4 and D3171-16",
    "expenses_approved": "reimbursed expenses are accounting records: Code de commerce L123-22 "
    "(10 years), LPF L102 B",
    "audit_clear": "audit entries written before personal values were sealed cannot change "
    "without breaking the tamper-evident chain (RGPD art. 17-3-e); they hold ids, not names",
    "passkeys_signing": "public keys of passkeys that signed: they verify the signatures kept",
    "signatures_given": "a signer's signatures and their evidence (name and address as "
    "verified when signing) prove the CRAs they signed (Code civil 1366-1367; RGPD art. 17-3-e)",
}
