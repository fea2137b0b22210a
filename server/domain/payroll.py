"""Payroll variable elements from validated CRAs: absences by type, in half-days, per consultant.

A generic "long" CSV most payroll tools can import with a mapping: `;` separator, decimal
comma, one line per run of consecutive CRA days with the same absence type, and the absence
type translated by a configurable code table (Silae, Sage, EBP... codes differ per firm).
"""

from dataclasses import dataclass
from datetime import date

from server.domain.errors import FieldError, InvalidInput
from server.domain.model import DayRecord
from sync.rules import AbsenceType

DEFAULT_CODES: dict[str, str] = {
    AbsenceType.CP.value: "CP",
    AbsenceType.RTT.value: "RTT",
    AbsenceType.MALADIE.value: "MAL",
    AbsenceType.SANS_SOLDE.value: "CSS",
    AbsenceType.FORMATION.value: "FOR",
    AbsenceType.INTERCONTRAT.value: "IC",
    AbsenceType.AT_MP.value: "ATMP",
}

HEADER = (
    "matricule",
    "nom",
    "code_rubrique",
    "absence",
    "date_debut",
    "date_fin",
    "demi_journees",
    "jours",
)


def parse_codes(text: str) -> dict[str, str]:
    """`"CP=CP01,RTT=RT01"` → the default table with those codes replaced."""
    codes = dict(DEFAULT_CODES)
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, sep, code = item.partition("=")
        if not sep or kind not in codes or not code.strip() or ";" in code:
            raise InvalidInput(
                f"invalid payroll code mapping {item!r}",
                errors=(
                    FieldError("codes", "invalid", "TYPE=CODE, TYPE among " + ", ".join(codes)),
                ),
            )
        codes[kind] = code.strip()
    return codes


@dataclass(frozen=True)
class Consultant:
    matricule: str
    name: str
    days: tuple[DayRecord, ...]


def _runs(days: tuple[DayRecord, ...]) -> list[tuple[str, date, date, int]]:
    """(absence type, first day, last day, half-days) for each run of consecutive CRA days."""
    runs: list[tuple[str, date, date, int]] = []
    open_runs: dict[str, int] = {}
    for day in sorted(days, key=lambda d: d.date):
        kinds = {
            name.removeprefix("absence:"): half
            for name, half in day.lines
            if name.startswith("absence:")
        }
        for kind in list(open_runs):
            if kind not in kinds:
                del open_runs[kind]
        for kind, half in kinds.items():
            if kind in open_runs:
                k, first, _, total = runs[open_runs[kind]]
                runs[open_runs[kind]] = (k, first, day.date, total + half)
            else:
                open_runs[kind] = len(runs)
                runs.append((kind, day.date, day.date, half))
    return runs


def _clean(text: str) -> str:
    return " ".join(text.replace(";", ",").split())


def _days(half_days: int) -> str:
    whole, half = divmod(half_days, 2)
    return f"{whole},5" if half else f"{whole},0"


def rows(consultants: list[Consultant], codes: dict[str, str]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for consultant in sorted(consultants, key=lambda c: (c.name, c.matricule)):
        for kind, first, last, half in _runs(consultant.days):
            out.append(
                (
                    _clean(consultant.matricule),
                    _clean(consultant.name),
                    codes.get(kind, kind),
                    kind,
                    first.isoformat(),
                    last.isoformat(),
                    str(half),
                    _days(half),
                )
            )
    return out


def file_bytes(consultants: list[Consultant], codes: dict[str, str]) -> bytes:
    lines = [";".join(HEADER), *(";".join(row) for row in rows(consultants, codes))]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# -- leave taken per type (docs/leave.md) -----------------------------------------------------

LEAVE_HEADER = (
    "matricule",
    "nom",
    "code_rubrique",
    "absence",
    "mois",
    "demi_journees_prises",
    "jours_pris",
    "solde_demi_journees",
    "solde_jours",
)


@dataclass(frozen=True)
class LeaveTaken:
    """A consultant's month for the leave file: their CRA days and, per leave type with a
    balance, what remains at the end of the month (half-days)."""

    matricule: str
    name: str
    month: str
    days: tuple[DayRecord, ...]
    remaining: dict[str, int]


def _signed_days(half_days: int) -> str:
    sign = "-" if half_days < 0 else ""
    return sign + _days(abs(half_days))


def leave_rows(consultants: list[LeaveTaken], codes: dict[str, str]) -> list[tuple[str, ...]]:
    """One row per consultant and absence type taken in the month (or with a balance): the
    half-days taken on the CRA, and the balance left at the month's end where there is one."""
    out: list[tuple[str, ...]] = []
    for consultant in sorted(consultants, key=lambda c: (c.name, c.matricule)):
        taken: dict[str, int] = {}
        for day in consultant.days:
            for name, half in day.lines:
                if name.startswith("absence:"):
                    kind = name.removeprefix("absence:")
                    taken[kind] = taken.get(kind, 0) + half
        for kind in sorted(set(taken) | set(consultant.remaining)):
            left = consultant.remaining.get(kind)
            out.append(
                (
                    _clean(consultant.matricule),
                    _clean(consultant.name),
                    codes.get(kind, kind),
                    kind,
                    consultant.month,
                    str(taken.get(kind, 0)),
                    _days(taken.get(kind, 0)),
                    "" if left is None else str(left),
                    "" if left is None else _signed_days(left),
                )
            )
    return out


def leave_file_bytes(consultants: list[LeaveTaken], codes: dict[str, str]) -> bytes:
    lines = [";".join(LEAVE_HEADER), *(";".join(r) for r in leave_rows(consultants, codes))]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
