"""The expense vectors: fresh, and recomputed by ``sync/expenses.py`` case by case.

``tests/vectors/expenses.json`` pins what ``pwa/js/online/expense-rules.js`` must compute like
``sync/expenses.py``; ``tests/js/expense-vectors.test.mjs`` runs the same file in JavaScript.
"""

import json
from typing import Any

import pytest

from tests.vectors.expenses import FAMILIES, RUNNERS, VECTORS_PATH, VERSION, build, render

VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def test_committed_expense_vectors_equal_a_fresh_generation() -> None:
    assert VECTORS_PATH.read_text(encoding="utf-8") == render(build()), (
        "tests/vectors/expenses.json is out of date: run `python -m tests.vectors.expenses`"
    )


def test_expense_vectors_have_both_families_refusals_and_amounts() -> None:
    assert VECTORS["version"] == VERSION
    assert list(VECTORS) == ["version", *FAMILIES]
    for family in FAMILIES:
        expects = [case["expect"] for case in VECTORS[family]]
        assert len(expects) >= 40
        assert any(isinstance(e, dict) and "error" in e for e in expects), family
        assert sum(not (isinstance(e, dict) and "error" in e) for e in expects) >= 40, family


@pytest.mark.parametrize(
    ("family", "case"),
    [
        pytest.param(family, case, id=f"{family}-{index}")
        for family in FAMILIES
        for index, case in enumerate(VECTORS[family])
    ],
)
def test_each_expense_vector_is_what_the_python_rules_compute(
    family: str, case: dict[str, Any]
) -> None:
    assert RUNNERS[family](case) == case["expect"]
