"""Generate ``tests/vectors/expenses.json``: the expense rules the phone computes like the server.

The file pins ``sync/expenses.py`` for its JavaScript port (``pwa/js/online/expense-rules.js``):
the VAT split of a receipt and the mileage allowance of a trip. Hand-written cases (with a
``note``) come first, then cases drawn from a ``random.Random`` with a fixed seed, so the output
is reproducible byte for byte. ``tests/sync/test_expense_vectors.py`` recomputes the committed
file in Python, ``tests/js/expense-vectors.test.mjs`` in JavaScript.

Usage::

    python -m tests.vectors.expenses          # rewrite the file
    python -m tests.vectors.expenses --check  # exit 1 if the file differs from a fresh build

Shapes (a case whose call raises ``ExpenseRuleError`` expects ``{"error": [field, rule]}``):

* ``split_vat``: ``lines`` (``[rate_bp, gross_cents]`` pairs) → ``{lines, gross_cents,
  net_cents, vat_cents}`` with each line ``{rate_bp, gross_cents, net_cents, vat_cents}``;
* ``trip``: ``year``, ``fiscal_power``, ``electric``, ``distance_km``, ``year_km_before``,
  ``motorcycle``, ``moped`` → cents.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sync.expenses import VAT_RATES_BP, ExpenseRuleError, split_vat, trip_allowance_cents

VECTORS_PATH = Path(__file__).with_name("expenses.json")
VERSION = 1
FAMILIES = ("split_vat", "trip")


def _or_error(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ExpenseRuleError as refused:
        return {"error": [refused.field, refused.rule]}


def run_split_vat(case: dict[str, Any]) -> Any:
    # Through JSON, so the tuples of the result compare equal to the file's lists.
    return json.loads(
        json.dumps(
            _or_error(
                lambda: dataclasses.asdict(split_vat([(r, gross) for r, gross in case["lines"]]))
            )
        )
    )


def run_trip(case: dict[str, Any]) -> Any:
    return _or_error(
        lambda: trip_allowance_cents(
            year=case["year"],
            fiscal_power=case["fiscal_power"],
            electric=case["electric"],
            distance_km=case["distance_km"],
            year_km_before=case["year_km_before"],
            motorcycle=case["motorcycle"],
            moped=case["moped"],
        )
    )


RUNNERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "split_vat": run_split_vat,
    "trip": run_trip,
}


def _trip(note: str | None, **fields: Any) -> dict[str, Any]:
    case = {
        "year": 2025,
        "electric": False,
        "year_km_before": 0,
        "motorcycle": False,
        "moped": False,
        **fields,
    }
    return {"note": note, **case} if note else case


def build() -> dict[str, Any]:
    rng = random.Random(16)
    splits: list[dict[str, Any]] = [
        {"note": "meal at 10 %: 45.50 → 4.14 VAT", "lines": [[1000, 4550]]},
        {"note": "food 10 % and drinks 20 % on one bill", "lines": [[1000, 4550], [2000, 1200]]},
        {"note": "half a cent rounds up", "lines": [[2000, 3]]},
        {"note": "below half a cent rounds down", "lines": [[2000, 1]]},
        {"note": "5.5 % exactly", "lines": [[550, 1055]]},
        {"note": "2.1 % exactly", "lines": [[210, 10210]]},
        {"note": "no VAT", "lines": [[0, 999]]},
        {"note": "every rate at once", "lines": [[r, 10_001 + r] for r in VAT_RATES_BP]},
        {"note": "the largest amount", "lines": [[2000, 10_000_000]]},
        {"note": "no line", "lines": []},
        {"note": "19.6 % is no longer a rate", "lines": [[1960, 100]]},
        {"note": "a rate twice", "lines": [[2000, 100], [2000, 5]]},
        {"note": "zero", "lines": [[2000, 0]]},
        {"note": "negative", "lines": [[1000, -5]]},
        {"note": "over the largest amount", "lines": [[1000, 10_000_001]]},
        {"note": "a fraction of a cent", "lines": [[2000, 12.5]]},
    ]
    for _ in range(40):
        rates = rng.sample(VAT_RATES_BP, rng.randint(1, 3))
        splits.append({"lines": [[r, rng.randint(1, 200_000)] for r in rates]})
    trips: list[dict[str, Any]] = [
        _trip("5 CV, 120 km: 76.32 €", fiscal_power=5, distance_km=120),
        _trip("3 CV, 1 km: 0.529 → 0.53", fiscal_power=3, distance_km=1),
        _trip("under 3 CV: the 3 CV row", fiscal_power=2, distance_km=100),
        _trip("over 7 CV: the 7 CV row", fiscal_power=11, distance_km=100),
        _trip("crosses 5,000 km", fiscal_power=4, distance_km=200, year_km_before=4900),
        _trip("crosses 20,000 km", fiscal_power=6, distance_km=500, year_km_before=19_800),
        _trip("electric: +20 % of the amount", fiscal_power=5, distance_km=120, electric=True),
        _trip("electric, 3 CV, 1 km", fiscal_power=3, distance_km=1, electric=True),
        _trip("2024 scale", fiscal_power=7, distance_km=30_000, year=2024),
        _trip("a later year: the latest scale held", fiscal_power=4, distance_km=50, year=2030),
        _trip("before any scale", fiscal_power=4, distance_km=50, year=2019),
        _trip("zero km", fiscal_power=4, distance_km=0),
        _trip("negative km", fiscal_power=4, distance_km=-3),
        _trip("a fraction of a km", fiscal_power=4, distance_km=12.5),
        _trip("no fiscal power", fiscal_power=0, distance_km=12),
        _trip("negative km before", fiscal_power=4, distance_km=12, year_km_before=-1),
        _trip("past 100,000 km", fiscal_power=4, distance_km=60_000, year_km_before=50_000),
        _trip("motorcycle 3-5 CV, 120 km", fiscal_power=4, distance_km=120, motorcycle=True),
        _trip("motorcycle 1-2 CV row", fiscal_power=1, distance_km=50, motorcycle=True),
        _trip("motorcycle over 5 CV row", fiscal_power=9, distance_km=50, motorcycle=True),
        _trip(
            "motorcycle crosses 3,000 km",
            fiscal_power=4,
            distance_km=200,
            year_km_before=2900,
            motorcycle=True,
        ),
        _trip(
            "motorcycle crosses 6,000 km, electric",
            fiscal_power=6,
            distance_km=300,
            year_km_before=5800,
            electric=True,
            motorcycle=True,
        ),
    ]
    for _ in range(40):
        trips.append(
            _trip(
                None,
                fiscal_power=rng.randint(1, 12),
                electric=rng.random() < 0.3,
                distance_km=rng.randint(1, 2_000),
                year_km_before=rng.choice([0, rng.randint(0, 30_000)]),
                year=rng.choice([2024, 2025]),
                motorcycle=rng.random() < 0.3,
            )
        )
    trips += [
        _trip("moped, 120 km", fiscal_power=1, distance_km=120, moped=True),
        _trip("moped, 1 km rounds half up", fiscal_power=1, distance_km=1, moped=True),
        _trip(
            "moped crosses 3,000 km",
            fiscal_power=1,
            distance_km=200,
            year_km_before=2900,
            moped=True,
        ),
        _trip(
            "moped crosses 6,000 km, electric",
            fiscal_power=2,
            distance_km=300,
            year_km_before=5800,
            electric=True,
            moped=True,
        ),
        _trip("moped and motorcycle", fiscal_power=1, distance_km=5, motorcycle=True, moped=True),
    ]
    for _ in range(15):
        trips.append(
            _trip(
                None,
                fiscal_power=rng.randint(1, 4),
                electric=rng.random() < 0.3,
                distance_km=rng.randint(1, 2_000),
                year_km_before=rng.choice([0, rng.randint(0, 12_000)]),
                year=rng.choice([2024, 2025]),
                moped=True,
            )
        )
    out: dict[str, Any] = {"version": VERSION}
    for family, cases in (("split_vat", splits), ("trip", trips)):
        out[family] = [{**case, "expect": RUNNERS[family](case)} for case in cases]
    return out


def render(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true")
    fresh = render(build())
    if parser.parse_args().check:
        return 0 if VECTORS_PATH.read_text(encoding="utf-8") == fresh else 1
    VECTORS_PATH.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
