"""Storage of consultants' expense lines, their receipts and missions' expense policies."""

import json
from datetime import date, datetime
from typing import Any

from server.storage import tables as t


def _claim(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("id", "organisation", "consultant", "mission", "decided_by", "billed_expense"):
        out[key] = None if out.get(key) is None else str(out[key])
    for key in ("vat_lines", "receipts"):
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    if not isinstance(out["spent_on"], date):
        out["spent_on"] = date.fromisoformat(out["spent_on"])
    return out


# -- receipts ----------------------------------------------------------------------------------


def receipt_key(owner_id: str, sha256: str) -> str:
    return f"{owner_id}:{sha256}"


async def receipt_exists(owner_id: str, sha256: str) -> bool:
    return await t.Receipt.exists().where(t.Receipt.key == receipt_key(owner_id, sha256))


async def add_receipt(
    *,
    organisation_id: str,
    owner_id: str,
    sha256: str,
    media_type: str,
    content: bytes,
    now: datetime,
) -> None:
    await t.Receipt(
        key=receipt_key(owner_id, sha256),
        organisation=organisation_id,
        owner=owner_id,
        sha256=sha256,
        media_type=media_type,
        size=len(content),
        content=content,
        created_at=now,
    ).save()


async def receipt_owned(owner_id: str, sha256s: list[str]) -> set[str]:
    """Which of `sha256s` this person has uploaded."""
    if not sha256s:
        return set()
    keys = [receipt_key(owner_id, s) for s in sha256s]
    rows = await t.Receipt.select(t.Receipt.sha256).where(t.Receipt.key.is_in(keys))
    return {row["sha256"] for row in rows}


async def get_receipt(owner_id: str, sha256: str) -> tuple[str, bytes] | None:
    row = (
        await t.Receipt.select(t.Receipt.media_type, t.Receipt.content)
        .where(t.Receipt.key == receipt_key(owner_id, sha256))
        .first()
    )
    return None if row is None else (row["media_type"], bytes(row["content"]))


async def count_receipts(owner_id: str) -> int:
    return int(await t.Receipt.count().where(t.Receipt.owner == owner_id))


# -- expense lines -----------------------------------------------------------------------------


async def create_claim(**fields: Any) -> str:
    row = t.ExpenseClaim(**fields)
    await row.save()
    return str(row.id)


async def get_claim(claim_id: str) -> dict[str, Any] | None:
    row = await t.ExpenseClaim.select().where(t.ExpenseClaim.id == claim_id).first()
    return None if row is None else _claim(row)


async def update_claim(claim_id: str, **fields: Any) -> None:
    values: dict[Any, Any] = dict(fields)
    await t.ExpenseClaim.update(values).where(t.ExpenseClaim.id == claim_id)


async def decide_claim(claim_id: str, *, status: str, **fields: Any) -> bool:
    """Write a decision on a line still submitted; False when it is not (decided meanwhile).

    The status is checked by the UPDATE itself, so two decisions racing on PostgreSQL cannot
    both win: the second one's row no longer matches once the first has committed."""
    values: dict[Any, Any] = {"status": status, **fields}
    done = await (
        t.ExpenseClaim.update(values)
        .where((t.ExpenseClaim.id == claim_id) & (t.ExpenseClaim.status == "submitted"))
        .returning(t.ExpenseClaim.id)
    )
    return bool(done)


async def delete_claim(claim_id: str) -> None:
    await t.ExpenseClaim.delete().where(t.ExpenseClaim.id == claim_id)


async def claims_of(consultant_id: str, month: str) -> list[dict[str, Any]]:
    rows = await (
        t.ExpenseClaim.select()
        .where((t.ExpenseClaim.consultant == consultant_id) & (t.ExpenseClaim.month == month))
        .order_by(t.ExpenseClaim.spent_on)
        .order_by(t.ExpenseClaim.created_at)
    )
    return [_claim(row) for row in rows]


async def claims_in(organisation_id: str, month: str, statuses: list[str]) -> list[dict[str, Any]]:
    rows = await (
        t.ExpenseClaim.select()
        .where(
            (t.ExpenseClaim.organisation == organisation_id)
            & (t.ExpenseClaim.month == month)
            & t.ExpenseClaim.status.is_in(statuses)
        )
        .order_by(t.ExpenseClaim.consultant)
        .order_by(t.ExpenseClaim.spent_on)
    )
    return [_claim(row) for row in rows]


async def mileage_before(
    consultant_id: str,
    year: int,
    spent_on: date,
    exclude: str | None,
    *,
    category: str = "mileage",
) -> int:
    """Kilometres of the consultant's other mileage lines of the year dated before `spent_on`,
    refused ones left out, of the same `category` (a car's km and a motorcycle's are two
    scales). A line is priced when written: changing an earlier trip does not reprice the later
    ones (docs/expenses.md)."""
    where = (
        (t.ExpenseClaim.consultant == consultant_id)
        & (t.ExpenseClaim.category == category)
        & (t.ExpenseClaim.spent_on >= date(year, 1, 1))
        & (t.ExpenseClaim.spent_on < spent_on)
        & (t.ExpenseClaim.status != "refused")
    )
    if exclude is not None:
        where = where & (t.ExpenseClaim.id != exclude)
    rows = await t.ExpenseClaim.select(t.ExpenseClaim.distance_km).where(where)
    return sum(row["distance_km"] or 0 for row in rows)


# -- missions' policy --------------------------------------------------------------------------


async def policy_of(mission_id: str) -> tuple[bool, int]:
    row = (
        await t.MissionExpensePolicy.select(
            t.MissionExpensePolicy.rebill, t.MissionExpensePolicy.margin_bp
        )
        .where(t.MissionExpensePolicy.mission == mission_id)
        .first()
    )
    return (False, 0) if row is None else (bool(row["rebill"]), int(row["margin_bp"]))


async def set_policy(mission_id: str, *, rebill: bool, margin_bp: int) -> None:
    updated = await (
        t.MissionExpensePolicy.update({"rebill": rebill, "margin_bp": margin_bp})
        .where(t.MissionExpensePolicy.mission == mission_id)
        .returning(t.MissionExpensePolicy.id)
    )
    if not updated:
        await t.MissionExpensePolicy(mission=mission_id, rebill=rebill, margin_bp=margin_bp).save()


# -- the firm's expense circuit ----------------------------------------------------------------


async def circuit_of(organisation_id: str) -> str:
    """``own`` or ``month``: the circuit the organisation's expense reports follow."""
    row = (
        await t.Organisation.select(t.Organisation.expense_circuit)
        .where(t.Organisation.id == organisation_id)
        .first()
    )
    return "own" if row is None else str(row["expense_circuit"])


async def set_circuit(organisation_id: str, circuit: str) -> None:
    await t.Organisation.update({t.Organisation.expense_circuit: circuit}).where(
        t.Organisation.id == organisation_id
    )


async def claims_in_status(consultant_id: str, month: str, status: str) -> list[dict[str, Any]]:
    """The consultant's lines of the month in one status (oldest first)."""
    rows = await (
        t.ExpenseClaim.select()
        .where(
            (t.ExpenseClaim.consultant == consultant_id)
            & (t.ExpenseClaim.month == month)
            & (t.ExpenseClaim.status == status)
        )
        .order_by(t.ExpenseClaim.spent_on)
        .order_by(t.ExpenseClaim.created_at)
    )
    return [_claim(row) for row in rows]


async def move_status(
    claim_ids: list[str], *, from_status: str, status: str, updated_at: datetime
) -> list[str]:
    """Move these lines, those still in `from_status`, to `status` at once (a month's circuit
    moves its lines together); the ids moved."""
    if not claim_ids:
        return []
    rows = await (
        t.ExpenseClaim.update(
            {t.ExpenseClaim.status: status, t.ExpenseClaim.updated_at: updated_at}
        )
        .where(t.ExpenseClaim.id.is_in(claim_ids) & (t.ExpenseClaim.status == from_status))
        .returning(t.ExpenseClaim.id)
    )
    return [str(row["id"]) for row in rows]


async def month_status(consultant_id: str, month: str) -> str:
    """The status of the consultant's CRA of the month (``draft`` when it has none yet)."""
    row = (
        await t.Timesheet.select(t.Timesheet.status)
        .where((t.Timesheet.consultant == consultant_id) & (t.Timesheet.month == month))
        .first()
    )
    return "draft" if row is None else str(row["status"])
