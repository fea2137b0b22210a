"""The month as a client signer sees it: one mission's days, no absence, no rate."""

import json
from datetime import date

import pytest

from server.domain.model import ApprovalStep, ClientCompany, DayRecord, Mission, Person, Timesheet
from server.domain.roles import Role
from server.domain.signer_document import mission_waiting_on, signer_document


def person(pid: str, name: str) -> Person:
    return Person(
        id=pid,
        organisation_id="o",
        email=f"{pid}@example.test",
        display_name=name,
        roles=frozenset({Role.CONSULTANT}),
        manager_id=None,
        client_company_id=None,
        active=True,
    )


def mission(mid: str, *steps: tuple[str, str]) -> Mission:
    return Mission(
        id=mid,
        organisation_id="o",
        consultant_id="c",
        client_id="k",
        title=f"Mission {mid}",
        start_date=date(2026, 1, 1),
        end_date=None,
        billing_mode="regie",
        daily_rate_cents=70_000,
        day_cap_half_days=None,
        allowed_absences=("maladie",),
        comments_required=False,
        calendar_region="metropole",
        steps=tuple(
            ApprovalStep(position=i, kind=k, approver_id=a) for i, (k, a) in enumerate(steps)
        ),
    )


CLIENT = ClientCompany(
    id="k", organisation_id="o", legal_name="ACME SA", siren="1", vat_number="", billing_address=""
)
TIMESHEET = Timesheet(
    id="t",
    consultant_id="c",
    month="2026-11",
    status="in_validation",
    step=1,
    waiting_on_id="s",
    epoch=0,
    version=7,
    days=(
        DayRecord(date(2026, 11, 2), (("mission:m1", 2),), "Atelier"),
        DayRecord(date(2026, 11, 3), (("mission:m1", 1), ("absence:maladie", 1)), ""),
        DayRecord(date(2026, 11, 4), (("absence:maladie", 2),), "Grippe"),
        DayRecord(date(2026, 11, 5), (("mission:m2", 2),), "Autre client"),
    ),
)


def build(wording: str = "signature") -> dict:
    return json.loads(
        signer_document(
            timesheet=TIMESHEET,
            mission=mission("m1"),
            client=CLIENT,
            wording=wording,
            consultant=person("c", "Élise"),
            signer=person("s", "Jean"),
        )
    )


def test_signer_sees_only_their_missions_days_and_total() -> None:
    """Make sure absences and other missions never reach the signer's document."""
    document = build()
    assert document["days"] == [
        {"date": "2026-11-02", "half_days": 2, "comment": "Atelier"},
        {"date": "2026-11-03", "half_days": 1, "comment": ""},
    ]
    assert document["totals"] == {"half_days": 3}
    assert "maladie" not in json.dumps(document) and "Grippe" not in json.dumps(document)
    assert "70000" not in json.dumps(document)
    assert (document["version"], document["step"]) == (7, 1)
    assert document["signer"] == {"id": "s", "name": "Jean", "email": "s@example.test"}


def test_wording_is_part_of_what_is_signed() -> None:
    """Make sure signing and attesting give different documents, and nothing else is allowed."""
    assert build("attestation")["mission"]["wording"] == "attestation"
    assert build("signature") != build("attestation")
    with pytest.raises(ValueError, match="wording"):
        build("tampon")


def test_mission_waiting_on_matches_the_step_and_the_signer() -> None:
    """Make sure the signed mission is the one whose circuit puts the signer on this step."""
    first = mission("m1", ("manager", "x"), ("client_signer", "s"))
    other = mission("m2", ("client_signer", "s"))
    assert mission_waiting_on(timesheet=TIMESHEET, missions=[other, first], signer_id="s") == first
    assert mission_waiting_on(timesheet=TIMESHEET, missions=[other], signer_id="s") is None
    assert mission_waiting_on(timesheet=TIMESHEET, missions=[first], signer_id="x") is None
