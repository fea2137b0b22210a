"""A consultant's approved expense on a re-billing mission joins the client's pre-invoice as a
"Frais refacturés" line naming its receipt; on a mission that does not re-bill, it does not."""

import hashlib
import io
from typing import Any

from litestar import Litestar
from PIL import Image

from tests.factories import World
from tests.invoicing.helpers import demo
from tests.invoicing.test_invoicing_api import _login


def _receipt() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 60, 30)).save(out, "JPEG")
    return out.getvalue()


async def test_an_approved_expense_is_rebilled_on_the_months_pre_invoice(
    app: Litestar, world: World
) -> None:
    data = await demo()
    alice = await _login(world, "alice.martin@octave.example")
    marc = await _login(world, "marc.lefevre@octave.example")
    admin = await _login(world, "claire.admin@octave.example")
    mission = data.alice_mission.id

    async def september_draft() -> dict[str, Any]:
        listing = (await admin.get("/api/v1/invoices")).json()
        return next(i for i in listing if i["period_start"][:7] == "2026-09")

    before = await september_draft()
    photo = _receipt()
    sha = hashlib.sha256(photo).hexdigest()
    put = await alice.put(
        f"/api/v1/receipts/{sha}", content=photo, headers={"content-type": "image/jpeg"}
    )
    assert put.status_code == 200, put.text
    lines = []
    for comment in ("Train Paris-Lyon", "Hôtel Lyon"):
        made = await alice.post(
            "/api/v1/expense-lines",
            json={
                "spent_on": "2026-09-15",
                "mission_id": mission,
                "category": "train",
                "vat_lines": [{"rate_bp": 1000, "gross_cents": 11000}],
                "comment": comment,
                "receipts": [sha],
            },
        )
        assert made.status_code == 201, made.text
        lines.append(made.json()["id"])
    assert (await alice.post("/api/v1/expense-reports/2026-09/submit")).status_code == 200

    # Not re-billed while the mission's policy says no (the default).
    first = await marc.post(f"/api/v1/expense-lines/{lines[0]}/decision", json={"approve": True})
    assert first.status_code == 200 and first.json()["rebilled"] is False
    assert (await september_draft())["lines"] == before["lines"]

    policy = await admin.put(
        f"/api/v1/missions/{mission}/expense-policy", json={"rebill": True, "margin_bp": 1000}
    )
    assert policy.status_code == 200
    second = await marc.post(f"/api/v1/expense-lines/{lines[1]}/decision", json={"approve": True})
    assert second.status_code == 200 and second.json()["rebilled"] is True

    after = await september_draft()
    added = [line for line in after["lines"] if line["kind"] == "expense"]
    new = [line for line in added if line not in before["lines"]]
    assert len(new) == 1
    # 110.00 TTC at 10 %: 100.00 net, plus the mission's 10 % margin, re-billed at 20 %.
    assert new[0]["net_cents"] == 11_000 and new[0]["vat_rate_bp"] == 2000
    assert "Frais refacturés : train" in new[0]["label"] and sha[:12] in new[0]["label"]
    assert after["net_cents"] == before["net_cents"] + 11_000
