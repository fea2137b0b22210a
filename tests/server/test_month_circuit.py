"""Which circuit a month follows when its days use one, several or no missions (pure)."""

from datetime import date

import pytest

from server.domain.model import ApprovalStep, Mission
from server.domain.month_circuit import month_circuit
from server.domain.workflow import CLIENT_SIGNER, MANAGER
from sync.months import MonthKey

NOVEMBER = MonthKey(2026, 11)


def mission(
    mission_id: str,
    steps: list[tuple[str, str]],
    *,
    start: date = date(2026, 1, 1),
    end: date | None = None,
) -> Mission:
    return Mission(
        id=mission_id,
        organisation_id="org",
        consultant_id="alice",
        client_id=f"client-{mission_id}",
        title=mission_id,
        start_date=start,
        end_date=end,
        billing_mode="regie",
        daily_rate_cents=60_000,
        day_cap_half_days=None,
        allowed_absences=(),
        comments_required=False,
        calendar_region="metropole",
        steps=tuple(
            ApprovalStep(position=10 * i, kind=k, approver_id=a) for i, (k, a) in enumerate(steps)
        ),
    )


def circuit(
    missions: list[Mission], used: set[str], manager: str | None = "boss"
) -> list[tuple[str, str]]:
    steps = month_circuit(missions=missions, month=NOVEMBER, used_lines=used, manager_id=manager)
    assert [s.position for s in steps] == list(range(len(steps)))
    return [(s.kind, s.approver_id) for s in steps]


A = mission("a", [(MANAGER, "marc"), (CLIENT_SIGNER, "sam")])
B = mission("b", [(CLIENT_SIGNER, "sam")], start=date(2026, 11, 16))
C = mission("c", [(MANAGER, "marc"), (CLIENT_SIGNER, "zoe")], start=date(2026, 11, 16))
SAME = mission("same", [(MANAGER, "marc"), (CLIENT_SIGNER, "sam")], start=date(2026, 11, 16))
OLD = mission("old", [(MANAGER, "nina")], end=date(2026, 10, 31))
BARE = mission("bare", [])


@pytest.mark.parametrize(
    ("missions", "used", "expected"),
    [
        pytest.param([A], {"mission:a"}, [(MANAGER, "marc"), (CLIENT_SIGNER, "sam")], id="one"),
        pytest.param([B], {"mission:b"}, [(CLIENT_SIGNER, "sam")], id="direct-to-client"),
        pytest.param(
            [A, SAME],
            {"mission:a", "mission:same"},
            [(MANAGER, "marc"), (CLIENT_SIGNER, "sam")],
            id="same-circuit-once",
        ),
        pytest.param(
            [C, A],
            {"mission:a", "mission:c"},
            [(MANAGER, "marc"), (CLIENT_SIGNER, "sam"), (CLIENT_SIGNER, "zoe")],
            id="two-clients-managers-first-each-signer",
        ),
        pytest.param(
            [B, OLD, A],
            {"mission:b", "absence:CP"},
            [(CLIENT_SIGNER, "sam")],
            id="only-missions-worked-count",
        ),
        pytest.param(
            [A, OLD],
            {"absence:CP"},
            [(MANAGER, "marc"), (CLIENT_SIGNER, "sam")],
            id="all-leave-uses-missions-running",
        ),
        pytest.param([BARE], {"mission:bare"}, [(MANAGER, "boss")], id="no-circuit-manager"),
        pytest.param([], {"absence:intercontrat"}, [(MANAGER, "boss")], id="no-mission-manager"),
    ],
)
def test_the_month_circuit(
    missions: list[Mission], used: set[str], expected: list[tuple[str, str]]
) -> None:
    """Make sure each case of docs/validation-circuit.md routes as documented."""
    assert circuit(missions, used) == expected


def test_a_month_with_nobody_to_validate_it_has_no_circuit() -> None:
    """Make sure no circuit and no manager gives an empty circuit (submit is then refused)."""
    assert circuit([BARE], {"mission:bare"}, manager=None) == []
    assert circuit([], set(), manager=None) == []


def test_a_single_circuit_keeps_its_own_order() -> None:
    """Make sure one mission's circuit is kept as configured, even client before manager."""
    odd = mission("odd", [(CLIENT_SIGNER, "sam"), (MANAGER, "marc")])
    assert circuit([odd], {"mission:odd"}) == [(CLIENT_SIGNER, "sam"), (MANAGER, "marc")]
