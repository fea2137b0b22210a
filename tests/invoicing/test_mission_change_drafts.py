"""A capped régie's new cap (or title) reaches its pre-invoices at once (issue 14): the client's
drafts are computed again the way they were drafted, month after month (a month bills what
the cap leaves after the earlier ones), while an issued invoice keeps what it was issued with;
the edit itself is audited with its before and after. On `carnet demo` data: Chloé's "Audit
de sécurité", capped at 40 days, from October 2026."""

from typing import Any

from litestar import Litestar

from server.services import invoicing as billing
from server.services.sync_service import set_month_state
from server.storage import repositories as repo
from sync.months import MonthStatus
from tests.factories import Browser, World
from tests.invoicing.helpers import NOW, demo
from tests.invoicing.test_invoicing_api import _login
from tests.server.test_mission_changes import body, mission_events

MONTHS = ("2026-10", "2026-11")


async def _drafts(admin: Browser, key: str) -> dict[str, dict[str, Any]]:
    """The invoices with a line `key`, by month: their line for it and their warnings."""
    listing = await admin.get("/api/v1/invoices")
    assert listing.status_code == 200, listing.text
    found: dict[str, dict[str, Any]] = {}
    for invoice in listing.json():
        line = next((li for li in invoice["lines"] if li["key"] == key), None)
        if line is not None and invoice["kind"] == "invoice":
            found[invoice["period_start"][:7]] = {"invoice": invoice, "line": line}
    return found


async def _set_cap(admin: Browser, mission_id: str, **changes: Any) -> None:
    mission = await repo.get_mission(mission_id)
    assert mission is not None
    saved = await admin.put(f"/api/v1/missions/{mission_id}", json=body(mission, **changes))
    assert saved.status_code == 200, saved.text


def _worked(entry: dict[str, Any], mission_id: str) -> int:
    """The half-days the month's CRA holds on the mission (the draft's source)."""
    (source,) = [s for s in entry["invoice"]["sources"] if s["mission_id"] == mission_id]
    return int(source["half_days"])


async def test_a_new_cap_and_title_redraw_the_pre_invoices_in_month_order(
    app: Litestar, world: World
) -> None:
    """Make sure lowering the cap bills the later month only what the earlier one leaves (with
    the overrun warned), raising it bills it all again, and a new title relabels the line."""
    d = await demo()
    admin = await _login(world, "claire.admin@octave.example")
    audit = next(
        m
        for m in await repo.list_missions(d.admin.organisation_id)
        if m.billing_mode == "regie_capped"
    )
    assert audit.day_cap_half_days == 80
    key = f"mission:{audit.id}"
    for month in MONTHS:
        await set_month_state(
            consultant_id=d.chloe.id, month=month, status=MonthStatus.VALIDATED, now=NOW
        )
        await billing.on_month_validated(month_id=await d.timesheet_id(d.chloe, month), at=NOW)
    drafted = await _drafts(admin, key)
    october, november = (_worked(drafted[m], audit.id) for m in MONTHS)
    # Under 40 days in all: both months billed whole.
    assert 0 < october < 80 and november > 0 and october + november <= 80
    assert [drafted[m]["line"]["quantity"] for m in MONTHS] == [october, november]
    ids = {m: drafted[m]["invoice"]["id"] for m in MONTHS}

    # A cap November's days go over: October first, November what remains, the rest warned.
    cap = october + november // 2
    await _set_cap(admin, audit.id, day_cap_half_days=cap)
    lowered = await _drafts(admin, key)
    assert {m: lowered[m]["invoice"]["id"] for m in MONTHS} == ids  # the same drafts, redrawn
    assert [lowered[m]["line"]["quantity"] for m in MONTHS] == [october, cap - october]
    assert [w["code"] for w in lowered["2026-11"]["invoice"]["warnings"]] == ["cap_overrun"]
    assert lowered["2026-10"]["invoice"]["warnings"] == []
    assert lowered["2026-11"]["invoice"]["net_cents"] < drafted["2026-11"]["invoice"]["net_cents"]

    # Raised again, and renamed: both months whole, under the new title.
    await _set_cap(admin, audit.id, day_cap_half_days=80, title="Audit de sécurité SI")
    raised = await _drafts(admin, key)
    assert [raised[m]["line"]["quantity"] for m in MONTHS] == [october, november]
    assert [raised[m]["invoice"]["warnings"] for m in MONTHS] == [[], []]
    assert all(raised[m]["line"]["label"].startswith("Audit de sécurité SI — ") for m in MONTHS)
    assert [e.body["data"]["after"] for e in await mission_events(d.admin.organisation_id)] == [
        {"day_cap_half_days": cap},
        {"title": "Audit de sécurité SI", "day_cap_half_days": 80},
    ]


async def test_an_issued_invoice_keeps_its_cap_and_the_change_is_refused(
    app: Litestar, world: World
) -> None:
    """Make sure once October's invoice is issued the cap no longer changes (409, nothing
    saved) and the issued invoice is not redrawn by a title change that goes through."""
    d = await demo()
    admin = await _login(world, "claire.admin@octave.example")
    audit = next(
        m
        for m in await repo.list_missions(d.admin.organisation_id)
        if m.billing_mode == "regie_capped"
    )
    key = f"mission:{audit.id}"
    await set_month_state(
        consultant_id=d.chloe.id, month="2026-10", status=MonthStatus.VALIDATED, now=NOW
    )
    await billing.on_month_validated(month_id=await d.timesheet_id(d.chloe, "2026-10"), at=NOW)
    october = (await _drafts(admin, key))["2026-10"]
    issued = await admin.post(f"/api/v1/invoices/{october['invoice']['id']}/issue")
    assert issued.status_code == 201, issued.text

    mission = await repo.get_mission(audit.id)
    assert mission is not None
    refused = await admin.put(
        f"/api/v1/missions/{audit.id}", json=body(mission, day_cap_half_days=20)
    )
    assert refused.status_code == 409, refused.text
    assert (await repo.get_mission(audit.id)).day_cap_half_days == 80  # type: ignore[union-attr]
    await _set_cap(admin, audit.id, title="Audit renommé")
    after = (await _drafts(admin, key))["2026-10"]
    assert after["invoice"]["status"] == "issued"
    assert after["line"] == october["line"]
    assert after["invoice"]["number"] == issued.json()["number"]
