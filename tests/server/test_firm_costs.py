"""Expenses kept as the firm's cost (issue 14): the month's approved expense lines that are not
re-billed (internal, or on a mission whose rule does not re-bill) and the expenses an
administrator recorded as not re-billed, listed with their totals and as the accountant's CSV;
re-billed, refused or other months' lines are not; a bad month is refused naming `month`."""

from server.domain.roles import Role
from tests.factories import World

API = "/api/v1"


def _line(day: str, category: str, gross: int, mission_id: str | None = None) -> dict:
    body: dict = {
        "spent_on": day,
        "category": category,
        "vat_lines": [{"rate_bp": 1000, "gross_cents": gross}],
    }
    if mission_id:
        body["mission_id"] = mission_id
    return body


async def test_the_months_expenses_not_rebilled_are_listed_and_exported(world: World) -> None:
    """Make sure internal and not-re-billed approved lines and an unticked recorded expense are
    listed with totals and in `frais-non-refactures-2026-11.csv`, and nothing else is."""
    await world.person("admin", [Role.ADMIN])
    await world.person("boss", [Role.MANAGER])
    await world.person("alice", [Role.CONSULTANT], manager="boss")
    client = await world.client("Client SA")
    billed = await world.mission("alice", client)
    kept = await world.mission("alice", client)
    admin, boss, alice = world["admin"].browser, world["boss"].browser, world["alice"].browser
    for mission, rebill in ((billed, True), (kept, False)):
        policy = await admin.put(
            f"{API}/missions/{mission.id}/expense-policy",
            json={"rebill": rebill, "margin_bp": 0},
        )
        assert policy.status_code == 200, policy.text
    ids = {}
    for name, body in {
        "train": _line("2026-11-05", "train", 8_800),
        "hotel": _line("2026-11-06", "hotel", 11_000, kept.id),
        "meal": _line("2026-11-07", "meal", 2_200, billed.id),
        "taxi": _line("2026-11-08", "taxi", 3_300),
    }.items():
        created = await alice.post(f"{API}/expense-lines", json=body)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    assert (await alice.post(f"{API}/expense-reports/2026-11/submit")).status_code == 200
    for name in ("train", "hotel", "meal"):
        decided = await boss.post(
            f"{API}/expense-lines/{ids[name]}/decision", json={"approve": True}
        )
        assert decided.status_code == 200, decided.text
    refused = await boss.post(
        f"{API}/expense-lines/{ids['taxi']}/decision", json={"approve": False, "reason": "Non"}
    )
    assert refused.status_code == 200
    recorded = await admin.post(
        f"{API}/expenses",
        json={
            "mission_id": kept.id,
            "spent_on": "2026-11-12",
            "category": "parking",
            "label": "Parking; visite",
            "amount_cents": 1_000,
            "vat_cents": 200,
            "rebill": False,
        },
    )
    assert recorded.status_code == 201, recorded.text
    other_month = await admin.post(
        f"{API}/expenses",
        json={
            "mission_id": kept.id,
            "spent_on": "2026-10-12",
            "category": "parking",
            "amount_cents": 500,
            "rebill": False,
        },
    )
    assert other_month.status_code == 201

    listed = await admin.get(f"{API}/firm-costs", params={"month": "2026-11"})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [(x["category"], x["origin"], x["why"]) for x in body["lines"]] == [
        ("train", "claim", "internal"),
        ("hotel", "claim", "not_rebilled"),
        ("parking", "recorded", "unticked"),
    ]
    assert body["lines"][1]["mission"] == kept.title and body["lines"][1]["client"] == "Client SA"
    assert body["lines"][0]["consultant"] == body["lines"][2]["consultant"] != ""
    assert body["gross_cents"] == 8_800 + 11_000 + 1_200
    assert body["net_cents"] + body["vat_cents"] == body["gross_cents"]

    csv = await admin.get(f"{API}/firm-costs/csv", params={"month": "2026-11"})
    assert csv.status_code == 200, csv.text
    assert 'filename="frais-non-refactures-2026-11.csv"' in csv.headers["content-disposition"]
    text = csv.content.decode("utf-8-sig")
    rows = text.split("\r\n")
    assert rows[0].startswith("date;origine;consultant;client;mission;categorie")
    assert len([r for r in rows if r]) == 4
    assert "2026-11-12;dépense saisie;" in text and "Parking, visite" in text
    assert ";saisie non refacturée;10,00;2,00;12,00" in text
    assert "sans mission (frais interne)" in text and "mission sans refacturation" in text

    for bad in ("2026-13", "novembre"):
        wrong = await admin.get(f"{API}/firm-costs", params={"month": bad})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "month"
    empty = await admin.get(f"{API}/firm-costs/csv", params={"month": "2026-09"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["code"] == "empty_period"
    none = await admin.get(f"{API}/firm-costs", params={"month": "2026-09"})
    assert none.status_code == 200 and none.json()["lines"] == []
    for who in ("boss", "alice"):
        forbidden = await world[who].browser.get(f"{API}/firm-costs", params={"month": "2026-11"})
        assert forbidden.status_code == 403
