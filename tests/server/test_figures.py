"""Every figure of the small firm of `tests/server/figures_firm.py`, against values computed by
hand (in the comments), through the HTTP API on the real database (SQLite, or PostgreSQL with
CARNET_TEST_DB=postgres). Also: scopes, refusals as problem documents, exports, drill-down.

Half-days: a day is 2. Working half-days: January 42, February 40, March 44.
"""

import csv
import io
from typing import Any

import openpyxl
import pytest

from tests.conftest import FakeClock
from tests.factories import Member, World
from tests.server.figures_firm import Firm, build

API = "/api/v1/figures"
PERIOD = "from=2026-01&to=2026-03"


@pytest.fixture
async def firm(world: World, clock: FakeClock) -> Firm:
    return await build(world, clock)


async def get(member: Member, path: str, query: str = PERIOD) -> dict[str, Any]:
    response = await member.browser.get(f"{API}/{path}?{query}")
    assert response.status_code == 200, response.text
    return response.json()


def by_name(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["name"]: line for line in lines}


async def test_tace_per_month_rolling_and_per_group(firm: Firm) -> None:
    """Make sure the TACE is produced ÷ available days, foreseeable absences excluded."""
    doc = await get(firm.ada, "tace")
    months = {m["month"]: m for m in doc["months"]}
    # January: Alice 18 days produced (36), 42 − CP 4 = 38 available (sick stays in);
    # Bruno 42/42; Chloé 34 produced, 42 − unpaid leave 8 = 34. 112 / 114 = 0.98245…
    assert months["2026-01"]["produced_half_days"] == 112
    assert months["2026-01"]["available_half_days"] == 114
    assert months["2026-01"]["tace"] == 0.9825
    # February: Alice 40/40; Bruno 20 on mission, 20 intercontrat: 20/40; Chloé worked a
    # Saturday (42 on mission) but counts at most her 40 available: 100 / 120.
    assert (months["2026-02"]["produced_half_days"], months["2026-02"]["available_half_days"]) == (
        100,
        120,
    )
    assert months["2026-02"]["tace"] == 0.8333
    # March: Alice 40 produced, 44 − RTT 4 = 40; Bruno 0 of 44 (training stays in the
    # denominator); Chloé's draft does not count: 40 / 84 = 0.47619…
    assert months["2026-03"]["tace"] == 0.4762
    assert months["2026-03"]["consultant_months"] == 2
    # Rolling 12 months at March: nothing before January: (112 + 100 + 40) / (114 + 120 + 84)
    # = 252 / 318 = 0.79245…; at February 212 / 234 = 0.90598…
    assert months["2026-03"]["rolling_tace"] == 0.7925
    assert months["2026-02"]["rolling_tace"] == 0.906
    assert doc["total"]["tace"] == 0.7925
    # Teams: Marc = Alice (116 / 118) + Bruno (62 / 126) = 178 / 244 = 0.72950…; Nina = Chloé
    # 74 / 74.
    teams = by_name(doc["by_team"])
    assert (teams["Marc"]["produced_half_days"], teams["Marc"]["available_half_days"]) == (
        178,
        244,
    )
    assert teams["Marc"]["tace"] == 0.7295
    assert teams["Nina"]["tace"] == 1.0
    # Clients, by each month's main mission: the bank has Alice's three months and Chloé's two
    # (116 + 74) / (118 + 74) = 190 / 192; the insurer Bruno's January and February, 62 / 82
    # (his March has no mission: no client).
    clients = by_name(doc["by_client"])
    assert clients["Banque Rhénane"]["tace"] == 0.9896
    assert clients["Assurances Atlantique"]["tace"] == 0.7561
    people = by_name(doc["by_consultant"])
    assert people["Alice"]["tace"] == 0.9831  # 116 / 118
    assert people["Bruno"]["tace"] == 0.4921  # 62 / 126
    assert people["Chloe"]["tace"] == 1.0  # 74 / 74


async def test_intercontrat_days_cost_people_between_missions_and_missions_ending(
    firm: Firm,
) -> None:
    """Make sure intercontrat counts its days and their cost, who is between missions and since
    when, and which missions end within 30 and 60 days."""
    doc = await get(firm.ada, "intercontrat")
    months = {m["month"]: m for m in doc["months"]}
    # Bruno: 10 days in February, 20 in March, at 350 € a day from February: 3 500 € and 7 000 €.
    assert (months["2026-02"]["half_days"], months["2026-02"]["cost_cents"]) == (20, 350_000)
    assert (months["2026-03"]["half_days"], months["2026-03"]["cost_cents"]) == (40, 700_000)
    assert months["2026-01"]["half_days"] == 0
    assert (doc["total"]["half_days"], doc["total"]["cost_cents"]) == (60, 1_050_000)
    # His mission ended Friday 13 February: between missions since the 14th, 61 days on 15 April
    # (14 → 28 February: 15 days, March 31, April 1 → 15: 15).
    [idle] = doc["between_missions"]
    assert (idle["name"], idle["since"], idle["days"], idle["next_start"]) == (
        "Bruno",
        "2026-02-14",
        61,
        None,
    )
    # Alice's mission ends 10 May: 25 days left, within 30, nothing planned after; Chloé's
    # ends 5 June: 51 days, within 60, and her next mission starts 8 June.
    ending = {e["name"]: e for e in doc["ending_soon"]}
    assert (ending["Alice"]["days_left"], ending["Alice"]["within_days"]) == (25, 30)
    assert ending["Alice"]["follow_on"] is False
    assert (ending["Chloe"]["days_left"], ending["Chloe"]["within_days"]) == (51, 60)
    assert ending["Chloe"]["follow_on"] is True


async def test_month_close_delays_steps_approvers_and_who_is_late(firm: Firm) -> None:
    """Make sure the close figures are the hand-computed delays (nearest-rank percentiles)."""
    doc = await get(firm.ada, "month-close")
    months = {m["month"]: m for m in doc["months"]}
    jan, feb, mar = months["2026-01"], months["2026-02"], months["2026-03"]
    # January, days from 31 Jan to the first submission: Alice −1, Bruno 0, Chloé 5 (late):
    # 2 on time of 3; median of (−1, 0, 5) is 0, p90 (rank ⌈2.7⌉ = 3) is 5.
    assert (jan["months"], jan["on_time"], jan["on_time_share"]) == (3, 2, 0.6667)
    assert jan["submitted"] == {"count": 3, "median": 0, "p90": 5}
    # Manager approvals: Alice 2 Feb (2), Bruno 3 Feb (3); signatures: Chloé 6 Feb (6), Alice
    # 10 Feb (10, the late signature).
    assert jan["approved"] == {"count": 2, "median": 2, "p90": 3}
    assert jan["signed"] == {"count": 2, "median": 6, "p90": 10}
    # February (from 28 Feb): submitted Alice 3 (late; first submission counts), Bruno −1,
    # Chloé −1; approvals Bruno 2 Mar (2), Alice's last one 5 Mar (5); signed Alice 6 Mar (6),
    # Chloé 20 Mar (20).
    assert feb["submitted"] == {"count": 3, "median": -1, "p90": 3}
    assert feb["on_time"] == 2
    assert feb["approved"] == {"count": 2, "median": 2, "p90": 5}
    assert feb["signed"] == {"count": 2, "median": 6, "p90": 20}
    # March: Alice 0 (on time), Bruno 1 (late), Chloé never: one draft still open and late.
    assert (mar["submitted_count"], mar["on_time"], mar["late_open"]) == (2, 1, 1)
    assert mar["signed"] == {"count": 0, "median": None, "p90": None}
    # Step 0, manager (Marc): waits 3 (Alice Jan), 3 (Bruno Jan), 1 (Alice Feb, sent back),
    # 0 (Alice Feb again), 3 (Bruno Feb), 1 (Alice Mar) → sorted 0 1 1 3 3 3: median 1, p90 3.
    steps = {(s["step"], s["kind"]): s for s in doc["steps"]}
    manager = steps[(0, "manager")]
    assert (manager["approved"], manager["sent_back"]) == (5, 1)
    assert manager["wait"] == {"count": 6, "median": 1, "p90": 3}
    # Step 1, client signer (Sam on Alice's months): waits 8 and 1; step 0 client signer (Sam
    # on Chloé's direct circuit): 1 and 21.
    assert steps[(1, "client_signer")]["wait"] == {"count": 2, "median": 1, "p90": 8}
    assert steps[(0, "client_signer")]["wait"] == {"count": 2, "median": 1, "p90": 21}
    approvers = by_name(doc["approvers"])
    assert (approvers["Marc"]["approved"], approvers["Marc"]["sent_back"]) == (5, 1)
    # Sam: 8, 1, 1, 21 → median (rank 2) 1, p90 (rank 4) 21.
    assert approvers["Sam"]["wait"] == {"count": 4, "median": 1, "p90": 21}
    # Late on 15 April: Chloé's March draft (15 days after 31 March), Alice's March waiting on
    # Sam and Bruno's on Marc since 1 April (14 days, past the 5-day alert).
    late = [(x["name"], x["who"], x["waiting_on_name"], x["days"]) for x in doc["late_now"]]
    assert late == [
        ("Chloe", "consultant", "", 15),
        ("Alice", "approver", "Sam", 14),
        ("Bruno", "approver", "Marc", 14),
    ]


async def test_first_time_right_counts_send_backs(firm: Firm) -> None:
    """Make sure a month sent back once is not right the first time."""
    doc = await get(firm.ada, "first-time-right")
    months = {m["id"]: m for m in doc["months"]}
    # January: three validated, none returned. February: Alice's was sent back: 2 of 3.
    # March: nothing validated yet. Whole period 5 / 6.
    assert (months["2026-01"]["validated"], months["2026-01"]["share"]) == (3, 1.0)
    assert (months["2026-02"]["first_time_right"], months["2026-02"]["share"]) == (2, 0.6667)
    assert months["2026-03"]["share"] is None
    assert (doc["total"]["validated"], doc["total"]["first_time_right"]) == (6, 5)
    assert by_name(doc["by_team"])["Marc"]["share"] == 0.75  # Alice 1/2 + Bruno 2/2
    assert by_name(doc["by_consultant"])["Alice"]["send_backs"] == 1


async def test_billing_delays_dso_and_cash_waiting_on_crAs(firm: Firm) -> None:
    """Make sure invoice and payment delays, the DSO and the waiting cash are as computed."""
    doc = await get(firm.ada, "billing")
    months = {m["month"]: m for m in doc["months"]}
    # January's invoices: insurer issued 5 Feb (5 days), bank 12 Feb (12); paid in full 6 Mar
    # (34) and 2 Apr (61: the partial payment of 10 March does not count as paid).
    jan = months["2026-01"]
    assert jan["to_invoice"] == {"count": 2, "median": 5, "p90": 12}
    assert jan["to_payment"] == {"count": 2, "median": 34, "p90": 61}
    # Bank: (Alice 18 × 600 + Chloé 17 × 800) × 1.2 = 29 280 €; insurer 21 × 500 × 1.2 = 12 600.
    assert (jan["invoiced_cents"], jan["paid_cents"]) == (4_188_000, 4_188_000)
    # February: the insurer's (10 × 500 × 1.2 = 6 000 €) issued 3 Mar, 2 000 € received so
    # far: not paid; the bank's is still a pre-invoice.
    feb = months["2026-02"]
    assert (feb["invoices"], feb["to_invoice"]["median"], feb["to_payment"]["count"]) == (1, 3, 0)
    assert (feb["invoiced_cents"], feb["paid_cents"]) == (600_000, 200_000)
    dso = {d["month"]: d for d in doc["dso"]}
    # 28 Feb: 41 880 € issued, nothing paid: receivables = sales of the 90 days → 90 days.
    assert dso["2026-02"]["dso_days"] == 90.0
    # 31 Mar: issued 47 880, received 12 600 + 10 000 → 25 280 € owed; 25 280 / 47 880 × 90
    # = 47.518… days.
    assert dso["2026-03"]["receivables_cents"] == 2_528_000
    assert dso["2026-03"]["dso_days"] == 47.5
    assert dso["2026-01"]["dso_days"] is None
    waiting = {w["stage"]: w for w in doc["waiting"]}
    # Chloé's March draft: 10 days × 800 = 8 000 €; Alice's March at Sam: 20 × 600 = 12 000 €;
    # Bruno's March at Marc has no mission day: 0; the bank's February pre-invoice:
    # 20 × 600 + 21 × 800 = 28 800 € (net).
    assert waiting["consultant"] == {"stage": "consultant", "months": 1, "value_cents": 800_000}
    assert waiting["client"]["value_cents"] == 1_200_000
    assert (waiting["manager"]["months"], waiting["manager"]["value_cents"]) == (1, 0)
    assert waiting["to_issue"] == {"stage": "to_issue", "months": 1, "value_cents": 2_880_000}
    # One client: the bank's January invoice (29 280 €, 10 000 € received by 31 March) and its
    # February pre-invoice; the insurer has no pre-invoice.
    bank = await get(firm.ada, "billing", f"{PERIOD}&client={firm.bank.id}")
    assert {d["month"]: d for d in bank["dso"]}["2026-03"]["receivables_cents"] == 1_928_000
    waiting = {w["stage"]: w for w in bank["waiting"]}
    assert waiting["to_issue"] == {"stage": "to_issue", "months": 1, "value_cents": 2_880_000}
    insurer = await get(firm.ada, "billing", f"{PERIOD}&client={firm.insurer.id}")
    assert {w["stage"]: w["months"] for w in insurer["waiting"]}["to_issue"] == 0


async def test_revenue_cost_and_margin_where_costs_are_known(firm: Firm) -> None:
    """Make sure revenue is days × TJM, cost days × daily cost, margin on the costed part."""
    doc = await get(firm.ada, "revenue")
    # Alice: 58 days × 600 = 34 800 €; cost 58 × 400 = 23 200; margin 11 600 (1/3).
    people = by_name(doc["by_consultant"])
    alice = people["Alice"]
    assert (alice["revenue_cents"], alice["cost_cents"], alice["margin_cents"]) == (
        3_480_000,
        2_320_000,
        1_160_000,
    )
    # Bruno: 31 days × 500 = 15 500 €; his cost is known from February only: 10 days × 350
    # = 3 500 against 5 000 of revenue: margin 1 500 (0.3), on 20 of his 62 half-days.
    bruno = people["Bruno"]
    assert (bruno["revenue_cents"], bruno["margin_cents"], bruno["margin_rate"]) == (
        1_550_000,
        150_000,
        0.3,
    )
    assert bruno["costed_share"] == 0.3226
    # Chloé: 38 days × 800 = 30 400 € (her worked Saturday included); no cost: no margin.
    assert people["Chloe"]["revenue_cents"] == 3_040_000
    assert people["Chloe"]["margin_cents"] is None
    # Firm: 80 700 € revenue, 26 700 cost, margin 39 800 − 26 700 = 13 100 (0.32914…).
    total = doc["total"]
    assert (total["revenue_cents"], total["cost_cents"], total["margin_cents"]) == (
        8_070_000,
        2_670_000,
        1_310_000,
    )
    assert total["margin_rate"] == 0.3291
    months = {m["id"]: m["revenue_cents"] for m in doc["months"]}
    assert months == {"2026-01": 3_490_000, "2026-02": 3_380_000, "2026-03": 1_200_000}
    clients = by_name(doc["by_client"])
    assert clients["Banque Rhénane"]["revenue_cents"] == 6_520_000


async def test_a_manager_sees_only_their_team(firm: Firm) -> None:
    """Make sure a manager's figures cover their direct reports only, whatever they ask."""
    doc = await get(firm.marc, "tace")
    assert {line["name"] for line in doc["by_consultant"]} == {"Alice", "Bruno"}
    assert doc["by_team"] == []
    # Marc's team, March: Alice 40/40 and Bruno 0/44.
    assert {m["month"]: m["tace"] for m in doc["months"]}["2026-03"] == 0.4762
    assert doc["total"]["tace"] == 0.7295
    assert doc["scope"]["team_id"] == firm.marc.id
    for query in (f"team={firm.nina.id}", f"consultant={firm.chloe.id}"):
        response = await firm.marc.browser.get(f"{API}/tace?{PERIOD}&{query}")
        assert response.status_code == 404, query
        assert response.json()["code"] == "not_found"
    billing = await get(firm.marc, "billing")
    assert billing["months"] is None and billing["dso"] is None
    assert {w["stage"]: w["months"] for w in billing["waiting"]}["consultant"] == 0
    drill = await get(firm.marc, "months")
    assert {r["name"] for r in drill["rows"]} == {"Alice", "Bruno"}


async def test_a_consultant_sees_only_their_own_and_a_signer_none(firm: Firm) -> None:
    """Make sure a consultant's figures are theirs alone and a client signer gets none."""
    doc = await get(firm.alice, "tace")
    assert [line["name"] for line in doc["by_consultant"]] == ["Alice"]
    response = await firm.alice.browser.get(f"{API}/tace?consultant={firm.bruno.id}")
    assert response.status_code == 404
    response = await firm.sam.browser.get(f"{API}/tace")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


SUMMARY_PARTS = {
    "tace": "tace",
    "intercontrat": "intercontrat",
    "month_close": "month-close",
    "first_time_right": "first-time-right",
    "billing": "billing",
    "revenue": "revenue",
}


async def test_the_summary_holds_each_figure_as_its_own_endpoint_gives_it(firm: Firm) -> None:
    """Make sure GET /figures/summary (the dashboard's one request, from shared reads of the
    projection) answers exactly the six figure endpoints' documents, for every role, scope
    and period, and refuses what they refuse."""
    asked = [
        (firm.ada, PERIOD),
        (firm.ada, ""),  # the default period: 12 months, with 11 more for the rolling TACE
        (firm.ada, f"{PERIOD}&team={firm.nina.id}"),
        (firm.ada, f"{PERIOD}&client={firm.bank.id}"),
        (firm.ada, f"from=2026-02&to=2026-03&consultant={firm.bruno.id}"),
        (firm.marc, PERIOD),
        (firm.alice, PERIOD),
    ]
    for member, query in asked:
        summary = await get(member, "summary", query)
        assert summary["figure"] == "summary"
        for part, path in SUMMARY_PARTS.items():
            alone = await get(member, path, query)
            assert summary[part] == alone, (member.person.display_name, query, part)
            assert summary["period"] == alone["period"] and summary["scope"] == alone["scope"]
    # The figures are not empty: the comparison above compared numbers.
    summary = await get(firm.ada, "summary")
    assert summary["tace"]["total"]["produced_half_days"] > 0
    assert summary["month_close"]["steps"] and summary["first_time_right"]["approvers"]
    assert summary["revenue"]["total"]["revenue_cents"] > 0
    response = await firm.marc.browser.get(f"{API}/summary?{PERIOD}&team={firm.nina.id}")
    assert response.status_code == 404
    response = await firm.sam.browser.get(f"{API}/summary")
    assert response.status_code == 403
    response = await firm.ada.browser.get(f"{API}/summary?from=2026-13")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["from"]


BAD_QUERIES = [
    ("from=2026-13", "from"),
    ("from=janvier", "from"),
    ("to=2026-00", "to"),
    ("from=2026-03&to=2026-01", "to"),
    ("from=2020-01&to=2026-03", "from"),
    ("team=not-an-id", "team"),
]


async def test_a_bad_period_or_id_is_a_problem_naming_the_field(
    firm: Firm, subtests: pytest.Subtests
) -> None:
    """Make sure bad input gets a 422 problem document that names the field (one firm built for
    every case: it takes two seconds)."""
    for query, field in BAD_QUERIES:
        with subtests.test(msg=query):
            response = await firm.ada.browser.get(f"{API}/tace?{query}")
            assert response.status_code == 422, response.text
            body = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert [e["field"] for e in body["errors"]] == [field]


async def test_the_drill_down_lists_the_consultant_months_behind_a_number(firm: Firm) -> None:
    """Make sure the months behind February's TACE are the three CRAs with their numbers."""
    doc = await get(firm.ada, "months", "from=2026-02&to=2026-02")
    rows = {r["name"]: r for r in doc["rows"]}
    assert set(rows) == {"Alice", "Bruno", "Chloe"}
    assert (rows["Bruno"]["produced_half_days"], rows["Bruno"]["available_half_days"]) == (20, 40)
    assert rows["Bruno"]["intercontrat_half_days"] == 20
    assert rows["Chloe"]["billable_half_days"] == 42
    assert rows["Alice"]["send_backs"] == 1 and rows["Alice"]["first_time_right"] is False
    assert rows["Alice"]["revenue_cents"] == 1_200_000
    assert rows["Alice"]["daily_cost_cents"] == 40_000
    # The sum of the rows is the month's figure.
    produced = sum(r["produced_half_days"] for r in doc["rows"])
    available = sum(r["available_half_days"] for r in doc["rows"])
    assert (produced, available) == (100, 120)


async def test_every_figure_exports_as_csv_and_xlsx(firm: Firm) -> None:
    """Make sure each figure downloads as CSV (French convention) and as an XLSX workbook."""
    for figure in (
        "tace",
        "intercontrat",
        "month-close",
        "first-time-right",
        "billing",
        "revenue",
    ):
        response = await firm.ada.browser.get(f"{API}/{figure}/export?format=xlsx&{PERIOD}")
        assert response.status_code == 200, (figure, response.text)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames[0] == "months" if figure != "billing" else "months"
    response = await firm.ada.browser.get(f"{API}/tace/export?format=csv&{PERIOD}")
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Mois", "Jours produits", "Jours disponibles", "TACE"]
    # January: 56 days produced of 57 available, 0,9825.
    assert rows[1][:4] == ["2026-01", "56", "57", "0,9825"]
    book = openpyxl.load_workbook(
        io.BytesIO(
            (await firm.ada.browser.get(f"{API}/revenue/export?format=xlsx&{PERIOD}")).content
        )
    )
    sheet = book["by_consultant"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Alice"] == 34_800
    response = await firm.ada.browser.get(f"{API}/tace/export?format=csv&table=nope")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "table"
    response = await firm.ada.browser.get(f"{API}/tace/export?format=pdf")
    assert response.status_code == 422


async def test_settings_change_the_figures_and_daily_costs_are_admin_only(firm: Firm) -> None:
    """Make sure the foreseeable absences are configurable and recompute the TACE."""
    settings = (await firm.ada.browser.get(f"{API}/settings")).json()
    assert settings["foreseeable"] == ["CP", "RTT", "sans_solde"]
    changed = {**settings, "foreseeable": ["CP", "RTT", "maladie"]}
    response = await firm.ada.browser.put(f"{API}/settings", json=changed)
    assert response.status_code == 200, response.text
    doc = await get(firm.ada, "tace")
    # January now: Alice 36 / (42 − 4 CP − 2 sick) = 36; Chloé's unpaid leave stays in: 34/42.
    # 112 / (36 + 42 + 42) = 112 / 120.
    assert {m["month"]: m["available_half_days"] for m in doc["months"]}["2026-01"] == 120
    response = await firm.marc.browser.put(f"{API}/settings", json=settings)
    assert response.status_code == 403
    bad = {**settings, "foreseeable": ["intercontrat"]}
    response = await firm.ada.browser.put(f"{API}/settings", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "foreseeable"
    url = f"/api/v1/people/{firm.chloe.id}/daily-costs"
    response = await firm.ada.browser.put(
        url, json={"from_month": "2026-02", "daily_cost_cents": 50_000}
    )
    assert response.status_code == 200, response.text
    assert response.json() == [{"from_month": "2026-02", "daily_cost_cents": 50_000}]
    revenue = await get(firm.ada, "revenue")
    # Chloé costed from February: 21 days × 500 = 10 500 € against 16 800 of revenue.
    assert by_name(revenue["by_consultant"])["Chloe"]["margin_cents"] == 630_000
    for member, status in ((firm.marc, 403), (firm.chloe, 403)):
        response = await member.browser.put(
            url, json={"from_month": "2026-02", "daily_cost_cents": 1}
        )
        assert response.status_code == status
    response = await firm.ada.browser.put(
        url, json={"from_month": "2026-2", "daily_cost_cents": 1}
    )
    assert response.json()["errors"][0]["field"] == "from_month"
    response = await firm.ada.browser.put(
        url, json={"from_month": "2026-02", "daily_cost_cents": 0}
    )
    assert response.json()["errors"][0]["field"] == "daily_cost_cents"


async def test_the_figures_are_documented_in_openapi(world: World) -> None:
    """Make sure every figure endpoint, with its period and scope parameters, is in OpenAPI."""
    schema = (await world.browser().get("/schema/openapi.json")).json()
    for figure in (
        "tace",
        "intercontrat",
        "month-close",
        "first-time-right",
        "billing",
        "revenue",
        "summary",
    ):
        operation = schema["paths"][f"/api/v1/figures/{figure}"]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"from", "to", "team", "consultant", "client"} <= names, figure
    assert "/api/v1/figures/{figure}/export" in schema["paths"]
    assert "put" in schema["paths"]["/api/v1/people/{person_id}/daily-costs"]
