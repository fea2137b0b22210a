"""The shared JSON vectors: fresh, and recomputed by the Python core case by case.

``tests/vectors/sync_core.json`` pins what ``pwa/js/core/`` must compute like ``sync/``; the
JavaScript side runs the same file with ``node --test tests/js/``. A change to the core that is
not followed by ``python -m tests.vectors.generate`` fails here.
"""

import json
from typing import Any

import pytest

from tests.vectors.generate import FAMILIES, RUNNERS, VECTORS_PATH, VERSION, build, render

VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
CASES = [
    pytest.param(family, case, id=f"{family}-{index}")
    for family in FAMILIES
    for index, case in enumerate(VECTORS[family])
]


def test_committed_vectors_equal_a_fresh_generation() -> None:
    """Make sure the committed file is what the current core generates (no drift)."""
    fresh = render(build())
    assert VECTORS_PATH.read_text(encoding="utf-8") == fresh, (
        "tests/vectors/sync_core.json is out of date: run `python -m tests.vectors.generate` "
        "and commit the result (and bump VERSION if a vector changed meaning)"
    )


def test_vectors_have_every_family_and_the_version() -> None:
    """Make sure the file has the expected shape and each family a fair number of cases."""
    assert VECTORS["version"] == VERSION
    assert list(VECTORS) == ["version", *FAMILIES]
    for family in FAMILIES:
        assert len(VECTORS[family]) >= 20, family


def test_vectors_are_small_enough_to_review() -> None:
    """Make sure the file stays under 400 KB."""
    assert VECTORS_PATH.stat().st_size < 400_000


@pytest.mark.parametrize(("family", "case"), CASES)
def test_vector(family: str, case: dict[str, Any]) -> None:
    """Make sure the Python core computes the expected outputs of every case."""
    compute, expected = RUNNERS[family]
    assert compute(case) == expected(case), case.get("note", "seeded case")


def test_hlc_cmp_vectors_agree_with_string_order() -> None:
    """Make sure comparing encoded stamps as strings gives the pinned order."""
    for case in VECTORS["hlc_cmp"]:
        if isinstance(case["expect"], int):
            a, b = case["a"], case["b"]
            assert (a > b) - (a < b) == case["expect"], case


def test_vectors_cover_the_outcomes_that_matter() -> None:
    """Make sure the vectors exercise every verdict the JavaScript port could get wrong."""
    verdicts = [case["expect"] for case in VECTORS["decide_set_day"]]
    assert {"error": "invalid_month"} in verdicts
    set_day = {(verdict.get("status"), verdict.get("reason")) for verdict in verdicts}
    for outcome in [
        ("applied", None),
        ("superseded", None),
        ("rejected", "month_locked"),
        ("rejected", "epoch_changed"),
        ("rejected", "invalid_clock"),
        ("rejected", "invalid:day_over_one"),
        ("rejected", "invalid:comment_required"),
    ]:
        assert outcome in set_day, outcome
    assert any(case["expect"].get("overwrote_unseen") for case in VECTORS["decide_set_day"])
    submit = {case["expect"]["reason"] for case in VECTORS["decide_submit"]}
    assert submit == {None, "not_draft", "epoch_changed", "changed_since_review"}
    codes = {code for case in VECTORS["check_day"] for _, code in case["expect"]}
    assert codes == {
        "date_outside_month",
        "invalid_half_days",
        "duplicate_line",
        "invalid_line",
        "unknown_mission",
        "mission_outside_dates",
        "absence_not_allowed",
        "day_over_one",
        "comment_required",
        "comment_too_long",
        "comment_control_char",
    }
    equal_stamp = [
        case
        for case in VECTORS["decide_set_day"]
        if case["stored"] is not None and case["stored"]["hlc"] == case["incoming"]["hlc"]
    ]
    assert any(case["expect"]["status"] == "superseded" for case in equal_stamp)


def test_vectors_pin_where_a_fill_stands_down() -> None:
    """Make sure some fill would have been applied as an explicit edit but is superseded, and
    some fill over a day emptied since is applied: a port that ignores ``fill``, or stands down
    before any unseen day, fails them (sync-protocol.md §3.6.1)."""
    fills = [case for case in VECTORS["decide_set_day"] if case["incoming"].get("fill")]
    outcomes = set()
    for case in fills:
        explicit = {**case, "incoming": {k: v for k, v in case["incoming"].items() if k != "fill"}}
        as_edit = RUNNERS["decide_set_day"][0](explicit)
        outcomes.add((as_edit.get("status"), case["expect"].get("status")))
        if case["stored"] is not None and not case["stored"]["day"]["lines"]:
            unseen = case["stored"]["version"] > case["incoming"]["base_v"]
            if unseen and case["expect"].get("status") == "applied":
                outcomes.add(("emptied", "applied"))
    assert ("applied", "superseded") in outcomes
    assert ("applied", "applied") in outcomes
    assert ("emptied", "applied") in outcomes
