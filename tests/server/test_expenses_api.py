"""Consultants' expenses through the API: receipts by hash, lines, the monthly report, the
manager's decisions, re-billing, the payroll file and the receipts PDF.

Every refusal is a problem document naming the field, and changes nothing stored.
"""

import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from PIL import ExifTags, Image

from server.domain.roles import Role
from server.storage import expenses_store, invoicing_store
from server.storage import tables as t
from tests.factories import World

API = "/api/v1"


def photo(colour: tuple[int, int, int] = (200, 30, 30), *, gps: bool = True) -> bytes:
    """A small JPEG as a phone camera writes it: maker, model and GPS position in its EXIF."""
    image = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 21.0, 5.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _team(world: World) -> None:
    await world.person("admin", [Role.ADMIN])
    await world.person("boss", [Role.MANAGER])
    await world.person("alice", [Role.CONSULTANT], manager="boss")


async def _upload(
    world: World, who: str, data: bytes, claimed: str | None = None
) -> httpx.Response:
    return await world[who].browser.put(
        f"{API}/receipts/{claimed or sha(data)}",
        content=data,
        headers={"content-type": "application/octet-stream"},
    )


async def _receipt_rows() -> int:
    return await t.Receipt.count()


async def test_a_photo_arrives_without_its_gps_and_camera_metadata(world: World) -> None:
    await _team(world)
    data = photo()
    assert b"PhoneMaker" in data
    stored = await _upload(world, "alice", data)
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"sha256": sha(data), "stored": True}
    back = await world["alice"].browser.get(f"{API}/receipts/{sha(data)}")
    assert back.status_code == 200 and back.headers["content-type"] == "image/jpeg"
    kept = Image.open(io.BytesIO(back.content))
    assert kept.size == (64, 48)
    assert dict(kept.getexif()) == {}
    assert kept.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"PhoneMaker" not in back.content and b"Model X" not in back.content


async def test_the_same_photo_sent_twice_is_stored_once(world: World) -> None:
    await _team(world)
    data = photo()
    first, second = await _upload(world, "alice", data), await _upload(world, "alice", data)
    assert first.json()["stored"] is True and second.json()["stored"] is False
    assert second.status_code == 200
    assert await expenses_store.count_receipts(world["alice"].id) == 1


async def test_a_receipt_claimed_under_the_wrong_hash_is_refused_and_not_stored(
    world: World,
) -> None:
    await _team(world)
    data = photo()
    refused = await _upload(world, "alice", data, claimed=sha(b"something else"))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert refused.headers["content-type"] == "application/problem+json"
    assert problem["errors"][0]["field"] == "sha256"
    assert problem["errors"][0]["code"] == "hash_mismatch"
    assert await _receipt_rows() == 0
    bad_id = await _upload(world, "alice", data, claimed="not-a-hash")
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "sha256"


async def test_a_non_image_is_refused_with_415_and_not_stored(world: World) -> None:
    await _team(world)
    for body in (b"MZ\x90\x00 an executable", b"<html><script>alert(1)</script></html>"):
        refused = await _upload(world, "alice", body)
        assert refused.status_code == 415, refused.text
        assert refused.json()["errors"][0] == {
            "field": "body",
            "code": "unsupported_type",
            "message": "JPEG, PNG, WebP or PDF",
        }
    # A file that starts like a JPEG but is not one is no better.
    fake = b"\xff\xd8\xff\xe0" + b"\x00" * 200
    assert (await _upload(world, "alice", fake)).status_code == 415
    assert await _receipt_rows() == 0


async def test_a_30_mb_upload_is_refused_before_it_is_read(world: World) -> None:
    await _team(world)
    big = b"\xff\xd8\xff" + b"\x00" * (30 * 1024 * 1024)
    refused = await _upload(world, "alice", big)
    assert refused.status_code == 413, refused.text
    assert refused.json()["errors"][0]["field"] == "body"
    assert await _receipt_rows() == 0


async def test_a_pdf_receipt_is_kept_as_sent(world: World) -> None:
    await _team(world)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert (await _upload(world, "alice", pdf)).status_code == 200
    back = await world["alice"].browser.get(f"{API}/receipts/{sha(pdf)}")
    assert back.content == pdf and back.headers["content-type"] == "application/pdf"


async def test_the_monthly_circuit_refusal_reason_payroll_and_rebilling(world: World) -> None:
    await _team(world)
    client = await world.client("Client SA")
    mission = await world.mission("alice", client)
    admin, boss, alice = world["admin"].browser, world["boss"].browser, world["alice"].browser
    policy = await admin.put(
        f"{API}/missions/{mission.id}/expense-policy", json={"rebill": True, "margin_bp": 0}
    )
    assert policy.status_code == 200, policy.text
    lunch, ticket = photo((10, 200, 10)), photo((10, 10, 200))
    for data in (lunch, ticket):
        assert (await _upload(world, "alice", data)).status_code == 200

    not_uploaded = await alice.post(
        f"{API}/expense-lines",
        json={
            "spent_on": "2026-11-04",
            "category": "meal",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 4550}],
            "receipts": [sha(b"never sent")],
        },
    )
    assert not_uploaded.status_code == 422
    assert not_uploaded.json()["errors"][0]["field"] == "receipts"

    meal = await alice.post(
        f"{API}/expense-lines",
        json={
            "spent_on": "2026-11-04",
            "mission_id": mission.id,
            "category": "meal",
            "vat_lines": [
                {"rate_bp": 1000, "gross_cents": 4550},
                {"rate_bp": 2000, "gross_cents": 1200},
            ],
            "comment": "Déjeuner avec le client",
            "receipts": [sha(lunch)],
        },
    )
    assert meal.status_code == 201, meal.text
    assert (meal.json()["gross_cents"], meal.json()["vat_cents"]) == (5750, 614)
    train = await alice.post(
        f"{API}/expense-lines",
        json={
            "spent_on": "2026-11-05",
            "category": "train",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 8900}],
            "receipts": [sha(ticket)],
        },
    )
    drive = await alice.post(
        f"{API}/expense-lines",
        json={
            "spent_on": "2026-11-06",
            "category": "mileage",
            "distance_km": 120,
            "fiscal_power": 5,
        },
    )
    assert train.status_code == 201 and drive.status_code == 201, drive.text
    assert drive.json()["gross_cents"] == 7632  # 120 km × 0.636 € (5 CV)

    no_scale = await alice.post(
        f"{API}/expense-lines",
        json={"spent_on": "2026-11-06", "category": "mileage", "distance_km": 12},
    )
    assert no_scale.status_code == 422 and no_scale.json()["errors"][0]["field"] == "fiscal_power"

    early = await boss.post(
        f"{API}/expense-lines/{meal.json()['id']}/decision", json={"approve": True}
    )
    assert early.status_code == 409  # not submitted yet

    submitted = await alice.post(f"{API}/expense-reports/2026-11/submit")
    assert submitted.json() == {"submitted": 3}
    locked = await alice.put(
        f"{API}/expense-lines/{meal.json()['id']}",
        json={
            "spent_on": "2026-11-04",
            "category": "meal",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 1}],
        },
    )
    assert locked.status_code == 409

    review = await boss.get(f"{API}/expense-reports/2026-11/review")
    assert {line["category"] for line in review.json()} == {"meal", "train", "mileage"}
    seen = await boss.get(f"{API}/expense-lines/{meal.json()['id']}/receipts/{sha(lunch)}")
    assert seen.status_code == 200 and seen.headers["content-type"] == "image/jpeg"

    no_reason = await boss.post(
        f"{API}/expense-lines/{train.json()['id']}/decision", json={"approve": False}
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    refused = await boss.post(
        f"{API}/expense-lines/{train.json()['id']}/decision",
        json={"approve": False, "reason": "Billet de 1re classe non autorisé"},
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    for line in (meal, drive):
        ok = await boss.post(
            f"{API}/expense-lines/{line.json()['id']}/decision", json={"approve": True}
        )
        assert ok.status_code == 200, ok.text
    self_decision = await alice.post(
        f"{API}/expense-lines/{train.json()['id']}/decision", json={"approve": True}
    )
    assert self_decision.status_code == 403

    mine = (await alice.get(f"{API}/expense-reports/2026-11")).json()
    by_category = {line["category"]: line for line in mine["lines"]}
    assert by_category["train"]["refusal_reason"] == "Billet de 1re classe non autorisé"
    assert by_category["meal"]["rebilled"] is True
    assert by_category["mileage"]["rebilled"] is False  # internal: no mission
    assert mine["approved_cents"] == 5750 + 7632

    # The approved meal is now an expense of the mission, with its receipt named, which the
    # client's pre-invoice picks up as re-billed (net of VAT).
    rebilled = await invoicing_store.expenses_for(
        [mission.id], date(2026, 11, 1), date(2026, 11, 30)
    )
    assert [(e["amount_cents"], e["rebill"]) for e in rebilled] == [(5136, True)]
    assert sha(lunch)[:12] in rebilled[0]["label"]

    payroll = await admin.get(f"{API}/exports/expenses", params={"month": "2026-11"})
    assert payroll.status_code == 200, payroll.text
    rows = payroll.content.decode().splitlines()
    assert rows[0].startswith("matricule;nom;code_rubrique")
    assert len(rows) == 3
    assert any(";meal;2026-11-04;57,50;6,14;1" in row for row in rows)
    assert any(";mileage;2026-11-06;76,32;0,00;0" in row for row in rows)
    assert not any(";train;" in row for row in rows)

    pdf = await admin.get(f"{API}/exports/receipts", params={"month": "2026-11"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert (
        await boss.get(f"{API}/exports/receipts", params={"month": "2026-11"})
    ).status_code == 403

    # The refused line, corrected, goes back as a draft and can be submitted again.
    fixed = await alice.put(
        f"{API}/expense-lines/{train.json()['id']}",
        json={
            "spent_on": "2026-11-05",
            "category": "train",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 5400}],
            "receipts": [sha(ticket)],
            "comment": "2de classe",
        },
    )
    assert fixed.status_code == 200 and fixed.json()["status"] == "draft", fixed.text
    again = await alice.post(f"{API}/expense-reports/2026-11/submit")
    assert again.json() == {"submitted": 1}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"category": "meal", "vat_lines": [{"rate_bp": 1960, "gross_cents": 100}]},
            "vat_lines[0].rate_bp",
        ),
        ({"category": "meal", "vat_lines": []}, "vat_lines"),
        ({"category": "yacht", "vat_lines": [{"rate_bp": 2000, "gross_cents": 100}]}, "category"),
        (
            {"category": "meal", "vat_lines": [{"rate_bp": 2000, "gross_cents": -1}]},
            "vat_lines[0].gross_cents",
        ),
    ],
)
async def test_a_bad_line_is_refused_naming_its_field_and_nothing_is_stored(
    world: World, body: dict[str, object], field: str
) -> None:
    await _team(world)
    refused = await world["alice"].browser.post(
        f"{API}/expense-lines", json={"spent_on": "2026-11-04", **body}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field
    assert await t.ExpenseClaim.count() == 0


async def test_a_date_before_2000_is_refused_naming_the_date(world: World) -> None:
    await _team(world)
    refused = await world["alice"].browser.post(
        f"{API}/expense-lines",
        json={
            "spent_on": "0556-02-22",
            "category": "hotel",
            "vat_lines": [{"rate_bp": 1000, "gross_cents": 100}],
        },
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "spent_on"


async def test_an_upload_without_a_length_is_cut_at_10_mb(world: World) -> None:
    await _team(world)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"\xff\xd8\xff"
        for _ in range(12):
            yield b"\x00" * (1024 * 1024)

    refused = await world["alice"].browser.put(
        f"{API}/receipts/{sha(b'x')}",
        content=chunks(),
        headers={"content-type": "image/jpeg"},
    )
    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert await _receipt_rows() == 0


def _sync(client_id: str, *mutations: tuple[str, dict[str, object]]) -> dict[str, object]:
    return {
        "protocol": 2,
        "client_id": client_id,
        "mutations": [
            {"id": n, "name": name, "args": args} for n, (name, args) in enumerate(mutations, 1)
        ],
    }


async def test_an_expense_filed_offline_arrives_through_sync_once_after_its_receipt(
    world: World,
) -> None:
    """Make sure a `file_expense` from the phone's queue is stored as POST /expense-lines
    stores it, under the phone's id, once however often the batch is sent; a line naming a
    receipt the server does not hold is refused with the field and code (the phone uploads
    receipts first), a bad category likewise, and a manager, who has no expenses, is refused."""
    await _team(world)
    alice = world["alice"].browser
    lunch = photo((120, 60, 30))
    line_id, orphan_id, odd_id = (str(uuid.uuid4()) for _ in range(3))
    filed = {
        "id": line_id,
        "spent_on": "2026-11-04",
        "category": "meal",
        "vat_lines": [{"rate_bp": 1000, "gross_cents": 4550}],
        "comment": "Déjeuner",
        "receipts": [sha(lunch)],
    }
    phone = str(uuid.uuid4())
    # The receipt is not there yet: the line is refused, naming the field.
    early = await alice.post(
        f"{API}/sync", json=_sync(phone, ("file_expense", {**filed, "id": orphan_id}))
    )
    assert early.status_code == 200, early.text
    result = early.json()["results"][0]
    assert (result["status"], result["reason"]) == ("rejected", "not_uploaded")
    assert result["detail"].startswith("receipts: ")
    assert await t.ExpenseClaim.count() == 0

    assert (await _upload(world, "alice", lunch)).status_code == 200
    phone = str(uuid.uuid4())
    push = _sync(
        phone,
        ("file_expense", filed),
        ("file_expense", {**filed, "id": odd_id, "category": "yacht"}),
    )
    first = await alice.post(f"{API}/sync", json=push)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("applied", None),
        ("rejected", "unknown"),
    ]
    assert results[1]["detail"].startswith("category: ")
    again = await alice.post(f"{API}/sync", json=push)
    assert again.json()["results"] == results
    assert await t.ExpenseClaim.count() == 1
    report = (await alice.get(f"{API}/expense-reports/2026-11")).json()
    [line] = report["lines"]
    assert (line["id"], line["status"], line["gross_cents"], line["vat_cents"]) == (
        line_id,
        "draft",
        4550,
        414,
    )
    assert line["receipts"] == [sha(lunch)] and line["comment"] == "Déjeuner"
    # Sent again from another device (a restored queue): the same id stores nothing more.
    other = await alice.post(f"{API}/sync", json=_sync(str(uuid.uuid4()), ("file_expense", filed)))
    assert other.json()["results"][0]["status"] == "applied"
    assert await t.ExpenseClaim.count() == 1

    boss = await world["boss"].browser.post(
        f"{API}/sync",
        json=_sync(str(uuid.uuid4()), ("file_expense", {**filed, "id": str(uuid.uuid4())})),
    )
    assert boss.json()["results"][0]["reason"] == "forbidden"
    assert await t.ExpenseClaim.count() == 1


async def test_a_motorcycle_trip_is_priced_on_its_own_scale_and_its_own_km(world: World) -> None:
    """Make sure a motorcycle mileage line uses the motorcycle scale (4 CV, 120 km × 0.468 =
    56.16 €) and counts only the motorcycle km of the year: a car's 4,900 km before it do not
    move it into another band, and a second motorcycle trip crossing 3,000 km is priced in both
    bands (200 km after 2,900: 55.00 €)."""
    await _team(world)
    alice = world["alice"].browser

    async def line(day: str, category: str, km: int) -> httpx.Response:
        return await alice.post(
            f"{API}/expense-lines",
            json={"spent_on": day, "category": category, "distance_km": km, "fiscal_power": 4},
        )

    car = await line("2026-03-02", "mileage", 4900)
    assert car.status_code == 201, car.text
    moto = await line("2026-03-03", "mileage_motorcycle", 120)
    assert moto.status_code == 201, moto.text
    assert (moto.json()["category"], moto.json()["gross_cents"]) == ("mileage_motorcycle", 5616)
    long_ride = await line("2026-03-04", "mileage_motorcycle", 2780)  # 2,900 km so far
    assert long_ride.status_code == 201, long_ride.text
    crossing = await line("2026-03-05", "mileage_motorcycle", 200)
    assert crossing.json()["gross_cents"] == 5500
    refused = await alice.post(
        f"{API}/expense-lines",
        json={"spent_on": "2026-03-05", "category": "mileage_motorcycle", "distance_km": 10},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "fiscal_power"


async def test_a_moped_trip_is_priced_on_its_own_scale_and_its_own_km(world: World) -> None:
    """Make sure a moped mileage line (cyclomoteur) uses the moped scale whatever its power
    (120 km × 0.315 = 37.80 €) and counts only the moped km of the year: a motorcycle's 2,900
    km do not move it, and a moped trip crossing 3,000 km is priced in both bands (200 km after
    2,900: 955.90 − 913.50 = 42.40 €)."""
    await _team(world)
    alice = world["alice"].browser

    async def line(day: str, category: str, km: int, cv: int = 1) -> httpx.Response:
        return await alice.post(
            f"{API}/expense-lines",
            json={"spent_on": day, "category": category, "distance_km": km, "fiscal_power": cv},
        )

    moto = await line("2026-03-02", "mileage_motorcycle", 2900, cv=4)
    assert moto.status_code == 201, moto.text
    moped = await line("2026-03-03", "mileage_moped", 120)
    assert moped.status_code == 201, moped.text
    assert (moped.json()["category"], moped.json()["gross_cents"]) == ("mileage_moped", 3780)
    assert (await line("2026-03-04", "mileage_moped", 2780, cv=2)).status_code == 201
    crossing = await line("2026-03-05", "mileage_moped", 200)
    assert crossing.json()["gross_cents"] == 4240
