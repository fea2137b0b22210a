"""Expense lines changed, deleted and handed in from the phone's queue (docs/expenses.md):
`edit_expense`, `delete_expense` and `submit_expenses` through `POST /sync`, each run by the
same service function as its HTTP twin, refused with the server's reason as a mutation result,
and applied once however often the batch is sent.
"""

import uuid
from typing import Any

import httpx

from server.domain.roles import Role
from server.storage import tables as t
from tests.factories import World

API = "/api/v1"
MONTH = "2026-11"


async def _team(world: World) -> None:
    await world.person("boss", [Role.MANAGER])
    await world.person("alice", [Role.CONSULTANT], manager="boss")


def _push(client_id: str, *mutations: tuple[int, str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "protocol": 2,
        "client_id": client_id,
        "mutations": [{"id": n, "name": name, "args": args} for n, name, args in mutations],
    }


async def _sync(who: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await who.post(f"{API}/sync", json=body)
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def _meal(gross: int, comment: str = "Déjeuner", day: str = "2026-11-04") -> dict[str, Any]:
    return {
        "spent_on": day,
        "category": "meal",
        "vat_lines": [{"rate_bp": 1000, "gross_cents": gross}],
        "comment": comment,
    }


async def _line(alice: httpx.AsyncClient, gross: int, comment: str = "Déjeuner") -> str:
    made = await alice.post(f"{API}/expense-lines", json=_meal(gross, comment))
    assert made.status_code == 201, made.text
    line_id: str = made.json()["id"]
    return line_id


async def _lines(alice: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    report = (await alice.get(f"{API}/expense-reports/{MONTH}")).json()
    return {line["id"]: line for line in report["lines"]}


async def test_a_line_edited_offline_is_changed_as_put_changes_it_once(world: World) -> None:
    """Make sure `edit_expense` changes a draft line as `PUT /expense-lines/{id}` does (the
    amounts computed again by the server), that a replayed batch (same mutation id) applies
    nothing twice (a later online edit stays), and that a submitted line, or someone else's,
    is refused with the server's reason as the mutation's result."""
    await _team(world)
    alice = world["alice"].browser
    line_id = await _line(alice, 4550)
    phone = str(uuid.uuid4())
    edit = _push(phone, (1, "edit_expense", {"id": line_id, **_meal(2300, "Dîner")}))
    [applied] = await _sync(alice, edit)
    assert (applied["status"], applied["detail"]) == ("applied", "draft")
    line = (await _lines(alice))[line_id]
    assert (line["gross_cents"], line["vat_cents"], line["comment"]) == (2300, 209, "Dîner")

    changed = await alice.put(f"{API}/expense-lines/{line_id}", json=_meal(1200, "Online"))
    assert changed.status_code == 200, changed.text
    assert await _sync(alice, edit) == [applied]
    assert (await _lines(alice))[line_id]["comment"] == "Online"

    submitted = await alice.post(f"{API}/expense-reports/{MONTH}/submit")
    assert submitted.status_code == 200, submitted.text
    [late] = await _sync(
        alice, _push(phone, (2, "edit_expense", {"id": line_id, **_meal(999, "Too late")}))
    )
    assert (late["status"], late["reason"]) == ("rejected", "already_submitted")
    assert late["detail"].startswith("status: ")
    [unknown] = await _sync(
        alice, _push(phone, (3, "edit_expense", {"id": str(uuid.uuid4()), **_meal(999)}))
    )
    assert (unknown["status"], unknown["reason"]) == ("rejected", "not_found")
    [bad] = await _sync(
        alice,
        _push(phone, (4, "edit_expense", {"id": line_id, **_meal(999), "category": "yacht"})),
    )
    assert (bad["status"], bad["reason"]) == ("rejected", "already_submitted")
    line = (await _lines(alice))[line_id]
    assert (line["gross_cents"], line["status"]) == (1200, "submitted")


async def test_a_refused_line_edited_offline_becomes_a_draft_again(world: World) -> None:
    """Make sure a refused line can be corrected from the queue (it becomes a draft, as with
    PUT), while an approved one cannot (`already_approved`)."""
    await _team(world)
    alice, boss = world["alice"].browser, world["boss"].browser
    refused_id = await _line(alice, 4550, "Refused")
    approved_id = await _line(alice, 2000, "Approved")
    assert (await alice.post(f"{API}/expense-reports/{MONTH}/submit")).status_code == 200
    for line_id, approve in ((refused_id, False), (approved_id, True)):
        decided = await boss.post(
            f"{API}/expense-lines/{line_id}/decision",
            json={"approve": approve, "reason": "" if approve else "Pas de justificatif"},
        )
        assert decided.status_code == 200, decided.text
    results = await _sync(
        alice,
        _push(
            str(uuid.uuid4()),
            (1, "edit_expense", {"id": refused_id, **_meal(4000, "Corrected")}),
            (2, "edit_expense", {"id": approved_id, **_meal(1, "Sneaky")}),
        ),
    )
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("applied", None),
        ("rejected", "already_approved"),
    ]
    lines = await _lines(alice)
    assert (lines[refused_id]["status"], lines[refused_id]["gross_cents"]) == ("draft", 4000)
    assert (lines[approved_id]["status"], lines[approved_id]["gross_cents"]) == ("approved", 2000)


async def test_a_line_deleted_offline_is_gone_once_and_a_submitted_one_stays(
    world: World,
) -> None:
    """Make sure `delete_expense` deletes a draft as `DELETE /expense-lines/{id}` does; a line
    filed and deleted in the same batch is gone, and the batch sent again files nothing anew
    (the phone's mutation ids apply once); a submitted line is refused; a line the server has
    not got (deleted already, filed and deleted on the phone before it was sent, or someone
    else's) is gone already: applied, nothing changed."""
    await _team(world)
    alice = world["alice"].browser
    draft_id = await _line(alice, 4550)
    filed_id = str(uuid.uuid4())
    phone = str(uuid.uuid4())
    batch = _push(
        phone,
        (1, "file_expense", {"id": filed_id, **_meal(1500)}),
        (2, "delete_expense", {"id": filed_id}),
        (3, "delete_expense", {"id": draft_id}),
    )
    results = await _sync(alice, batch)
    assert [(r["status"], r.get("detail")) for r in results] == [
        ("applied", "draft"),
        ("applied", "deleted"),
        ("applied", "deleted"),
    ]
    assert await t.ExpenseClaim.count() == 0
    assert await _sync(alice, batch) == results
    assert await t.ExpenseClaim.count() == 0

    kept_id = await _line(alice, 2000)
    assert (await alice.post(f"{API}/expense-reports/{MONTH}/submit")).status_code == 200
    [late] = await _sync(alice, _push(phone, (4, "delete_expense", {"id": kept_id})))
    assert (late["status"], late["reason"]) == ("rejected", "already_submitted")
    [gone] = await _sync(alice, _push(phone, (5, "delete_expense", {"id": draft_id})))
    assert (gone["status"], gone["detail"]) == ("applied", "absent")
    [boss] = await _sync(
        world["boss"].browser,
        _push(str(uuid.uuid4()), (1, "delete_expense", {"id": kept_id})),
    )
    assert (boss["status"], boss["detail"]) == ("applied", "absent")
    assert list(await _lines(alice)) == [kept_id]


async def test_the_months_drafts_handed_in_offline_are_submitted_once(world: World) -> None:
    """Make sure `submit_expenses` hands in the month's drafts as `POST
    /expense-reports/{month}/submit` does, that the batch sent again submits nothing more (a
    draft added since stays a draft), and that a month with no draft is refused (`no_draft`)
    with the field named, as is a malformed month."""
    await _team(world)
    alice = world["alice"].browser
    first, second = await _line(alice, 4550), await _line(alice, 1200)
    phone = str(uuid.uuid4())
    hand_in = _push(phone, (1, "submit_expenses", {"month": MONTH}))
    [applied] = await _sync(alice, hand_in)
    assert (applied["status"], applied["detail"]) == ("applied", "submitted 2")
    lines = await _lines(alice)
    assert {lines[first]["status"], lines[second]["status"]} == {"submitted"}

    later = await _line(alice, 800)
    assert await _sync(alice, hand_in) == [applied]
    assert (await _lines(alice))[later]["status"] == "draft"

    [empty] = await _sync(alice, _push(phone, (2, "submit_expenses", {"month": "2026-10"})))
    assert (empty["status"], empty["reason"]) == ("rejected", "no_draft")
    assert empty["detail"].startswith("month: ")
    [odd] = await _sync(alice, _push(phone, (3, "submit_expenses", {"month": "2026-13"})))
    assert (odd["status"], odd["reason"]) == ("rejected", "invalid")
    http = await alice.post(f"{API}/expense-reports/2026-13/submit")
    assert http.status_code == 422 and http.json()["errors"][0]["field"] == "month", http.text
    [malformed] = await _sync(alice, _push(phone, (4, "submit_expenses", {"month": "soon"})))
    assert (malformed["status"], malformed["reason"]) == ("rejected", "invalid_args")
    assert (await _lines(alice))[later]["status"] == "draft"


async def test_a_hand_in_from_the_phone_is_refused_when_expenses_go_with_the_month(
    world: World,
) -> None:
    """Make sure that when the firm sends expenses with the month's CRA, a `submit_expenses`
    queued on the phone gets the same refusal as the web's button (`goes_with_the_month`,
    naming the month), and the drafts stay drafts, while an edit of a draft still applies."""
    await world.person("admin", [Role.ADMIN])
    await _team(world)
    chosen = await world["admin"].browser.put(
        f"{API}/organisation/expense-circuit", json={"expense_circuit": "month"}
    )
    assert chosen.status_code == 200, chosen.text
    alice = world["alice"].browser
    line_id = await _line(alice, 4550)
    results = await _sync(
        alice,
        _push(
            str(uuid.uuid4()),
            (1, "edit_expense", {"id": line_id, **_meal(2000, "Corrigé")}),
            (2, "submit_expenses", {"month": MONTH}),
        ),
    )
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("applied", None),
        ("rejected", "goes_with_the_month"),
    ]
    assert results[1]["detail"].startswith("month: ")
    line = (await _lines(alice))[line_id]
    assert (line["status"], line["gross_cents"]) == ("draft", 2000)
