"""Consultants' expenses: receipts by hash, lines, the monthly report and its decisions.

Who sees what (the same rule as for CRAs, server/domain/access.py): a consultant their own
lines and receipts, a manager their team's, an administrator the organisation's, a client
signer none. Only the consultant writes their lines; their manager (or an administrator)
decides them, never on their own expenses. An approved line is reimbursed with the month's
payroll (`payroll_export`) and, when its mission's policy says so, re-billed: it becomes an
`Expense` of the mission, which the client's monthly pre-invoice already picks up
(services/invoicing.py), with the receipts named in its label.
"""

import asyncio
import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from server.domain import expense_claims as rules
from server.domain.access import can_see_person, ensure_role
from server.domain.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
)
from server.domain.integrations import Event
from server.domain.model import Person
from server.domain.roles import Actor, Role
from server.services import audit_log, receipt_content, receipts_pdf
from server.services import expense_decisions as decisions
from server.storage import expenses_store as store
from server.storage import repositories as repo
from server.storage.repositories import write_transaction
from sync.errors import InvalidMonth
from sync.expenses import (
    MILEAGE_KINDS,
    Category,
    ExpenseRuleError,
    split_vat,
    trip_allowance_cents,
)
from sync.months import MonthKey, MonthStatus, is_editable

SHA256 = re.compile(r"[0-9a-f]{64}")
STAFF = (Role.CONSULTANT, Role.MANAGER, Role.ADMIN)


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=(FieldError(field, code, message),))


def check_sha256(sha256: str) -> None:
    if not SHA256.fullmatch(sha256):
        raise _invalid("sha256", "invalid", "64 lowercase hexadecimal digits")


# -- receipts ----------------------------------------------------------------------------------


async def upload_receipt(*, actor: Actor, sha256: str, body: bytes, now: datetime) -> bool:
    """Keep a receipt under the hash of its bytes; True if stored now, False if already held.

    The server hashes what it received: a claim that does not match is refused (the upload was
    cut or altered on the way), and nothing is stored. A person holds one copy of each receipt
    however often it is sent.
    """
    ensure_role(actor, Role.CONSULTANT)
    check_sha256(sha256)
    if len(body) > receipt_content.MAX_RECEIPT_BYTES:
        raise too_large()
    actual = hashlib.sha256(body).hexdigest()
    if actual != sha256:
        raise _invalid(
            "sha256", "hash_mismatch", f"the bytes received hash to {actual}, not to the id"
        )
    if await store.receipt_exists(actor.person_id, sha256):
        return False
    clean = receipt_content.clean(body)
    async with write_transaction():
        if await store.receipt_exists(actor.person_id, sha256):
            return False
        await store.add_receipt(
            organisation_id=actor.organisation_id,
            owner_id=actor.person_id,
            sha256=sha256,
            media_type=clean.media_type,
            content=clean.content,
            now=now,
        )
    return True


def too_large() -> PayloadTooLarge:
    limit = receipt_content.MAX_RECEIPT_BYTES // (1024 * 1024)
    return PayloadTooLarge(
        f"a receipt is at most {limit} MB",
        errors=(FieldError("body", "too_large", f"at most {limit} MB"),),
    )


async def own_receipt(*, actor: Actor, sha256: str) -> tuple[str, bytes]:
    ensure_role(actor, *STAFF)
    check_sha256(sha256)
    found = await store.get_receipt(actor.person_id, sha256)
    if found is None:
        raise NotFound("no such receipt")
    return found


async def line_receipt(*, actor: Actor, line_id: str, sha256: str) -> tuple[str, bytes]:
    """A receipt of a line, for whoever may see the line (its consultant, manager, admin)."""
    line, _ = await _visible_line(actor, line_id)
    if sha256 not in line["receipts"]:
        raise NotFound("no such receipt on this line")
    found = await store.get_receipt(line["consultant"], sha256)
    if found is None:
        raise NotFound("no such receipt")
    return found


# -- lines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    spent_on: date
    mission_id: str | None
    category: str
    vat_lines: list[tuple[int, int]]
    distance_km: int | None
    fiscal_power: int | None
    electric: bool
    comment: str
    receipts: list[str]


async def _amounts(actor: Actor, new: LineInput, exclude: str | None) -> dict[str, Any]:
    """The line's stored amounts, computed by sync/expenses.py (the phone shows the same)."""
    try:
        category = Category(new.category)
    except ValueError:
        raise _invalid(
            "category", "unknown", "one of " + ", ".join(c.value for c in Category)
        ) from None
    try:
        if category in MILEAGE_KINDS:
            if new.distance_km is None or new.fiscal_power is None:
                field = "distance_km" if new.distance_km is None else "fiscal_power"
                raise _invalid(field, "required", "a mileage line needs distance and fiscal power")
            # Each vehicle kind has its own scale, applied to its own distance of the year.
            before = await store.mileage_before(
                actor.person_id, new.spent_on.year, new.spent_on, exclude, category=category.value
            )
            cents = trip_allowance_cents(
                year=new.spent_on.year,
                fiscal_power=new.fiscal_power,
                electric=new.electric,
                distance_km=new.distance_km,
                year_km_before=before,
                motorcycle=category is Category.MILEAGE_MOTORCYCLE,
                moped=category is Category.MILEAGE_MOPED,
            )
            return {
                "vat_lines": [
                    {"rate_bp": 0, "gross_cents": cents, "net_cents": cents, "vat_cents": 0}
                ],
                "gross_cents": cents,
                "net_cents": cents,
                "vat_cents": 0,
                "distance_km": new.distance_km,
                "fiscal_power": new.fiscal_power,
                "electric": new.electric,
            }
        split = split_vat(new.vat_lines)
    except ExpenseRuleError as broken:
        field = "spent_on" if broken.field == "date" else broken.field
        raise _invalid(field, broken.rule, str(broken)) from None
    return {
        "vat_lines": [vars(v) for v in split.lines],
        "gross_cents": split.gross_cents,
        "net_cents": split.net_cents,
        "vat_cents": split.vat_cents,
        "distance_km": None,
        "fiscal_power": None,
        "electric": False,
    }


async def _checked(actor: Actor, new: LineInput, exclude: str | None) -> dict[str, Any]:
    ensure_role(actor, Role.CONSULTANT)
    if not 2000 <= new.spent_on.year <= 2999:
        raise _invalid("spent_on", "out_of_range", "a date from the year 2000 on")
    if new.mission_id is not None:
        mission = await repo.get_mission(new.mission_id)
        if mission is None or mission.consultant_id != actor.person_id:
            raise _invalid("mission_id", "unknown", "one of your missions, or none (internal)")
    comment = new.comment.strip()
    if len(comment) > rules.MAX_COMMENT_LENGTH:
        raise _invalid("comment", "too_long", f"at most {rules.MAX_COMMENT_LENGTH} characters")
    receipts = list(dict.fromkeys(new.receipts))
    if len(receipts) > rules.MAX_RECEIPTS:
        raise _invalid("receipts", "too_many", f"at most {rules.MAX_RECEIPTS} receipts")
    for sha in receipts:
        if not SHA256.fullmatch(sha):
            raise _invalid("receipts", "invalid", "SHA-256 ids, 64 lowercase hex digits")
    missing = set(receipts) - await store.receipt_owned(actor.person_id, receipts)
    if missing:
        raise _invalid(
            "receipts", "not_uploaded", "upload each receipt first: " + ", ".join(sorted(missing))
        )
    return {
        "spent_on": new.spent_on,
        "month": str(MonthKey.of(new.spent_on)),
        "mission": new.mission_id,
        "category": new.category,
        "comment": comment,
        "receipts": receipts,
        **await _amounts(actor, new, exclude),
    }


async def create_line(
    *, actor: Actor, new: LineInput, now: datetime, line_id: str | None = None
) -> str:
    """A draft line. `line_id` is the phone's id when the line was filed through the sync
    queue (perhaps offline): filing it again with the same id stores nothing more, and an id
    already used for something else is refused."""
    if line_id is not None:
        existing = await store.get_claim(line_id)
        if existing is not None:
            if existing["consultant"] == actor.person_id:
                return line_id
            raise Conflict(
                "this expense id is already used",
                errors=(FieldError("id", "id_taken", "this expense id is already used"),),
            )
    fields = await _checked(actor, new, None)
    if line_id is not None:
        fields["id"] = line_id
    async with write_transaction():
        return await store.create_claim(
            organisation=actor.organisation_id,
            consultant=actor.person_id,
            status=rules.ClaimStatus.DRAFT.value,
            created_at=now,
            updated_at=now,
            **fields,
        )


async def _own_line(actor: Actor, line_id: str) -> dict[str, Any]:
    line = await store.get_claim(line_id)
    if line is None or line["consultant"] != actor.person_id:
        raise NotFound("no such expense")
    return line


async def update_line(*, actor: Actor, line_id: str, new: LineInput, now: datetime) -> None:
    """Change a draft or refused line; a refused line becomes a draft again, its reason kept
    until the next decision."""
    line = await _own_line(actor, line_id)
    rules.ensure_editable(line["status"])
    fields = await _checked(actor, new, line_id)
    async with write_transaction():
        current = await store.get_claim(line_id)
        if current is None:
            raise NotFound("no such expense")
        rules.ensure_editable(current["status"])
        await store.update_claim(
            line_id, **fields, status=rules.ClaimStatus.DRAFT.value, updated_at=now
        )


async def delete_line(*, actor: Actor, line_id: str) -> None:
    await _own_line(actor, line_id)
    async with write_transaction():
        current = await store.get_claim(line_id)
        if current is None:
            raise NotFound("no such expense")
        rules.ensure_editable(current["status"])
        await store.delete_claim(line_id)


async def _person(actor: Actor, person_id: str) -> Person:
    ensure_role(actor, *STAFF)
    person = await repo.get_person(person_id)
    if person is None or not can_see_person(actor, person):
        raise NotFound("no such person")
    return person


async def _visible_line(actor: Actor, line_id: str) -> tuple[dict[str, Any], Person]:
    ensure_role(actor, *STAFF)
    line = await store.get_claim(line_id)
    if line is None:
        raise NotFound("no such expense")
    person = await repo.get_person(line["consultant"])
    if person is None or not can_see_person(actor, person):
        raise NotFound("no such expense")
    return line, person


def _month(month: str) -> str:
    try:
        return str(MonthKey.parse(month))
    except (ValueError, InvalidMonth):  # "2026-13" is a 422 naming the field, never a 500
        raise _invalid("month", "invalid", "YYYY-MM") from None


async def report_line(*, actor: Actor, line_id: str) -> dict[str, Any]:
    line, _ = await _visible_line(actor, line_id)
    return line


async def report(*, actor: Actor, consultant_id: str, month: str) -> list[dict[str, Any]]:
    """A consultant's lines of a month, for them, their manager or an administrator."""
    await _person(actor, consultant_id)
    return await store.claims_of(consultant_id, _month(month))


@dataclass(frozen=True)
class ReportCircuit:
    """How a consultant's expense report of a month is handed in."""

    circuit: rules.ExpenseCircuit
    month_status: str
    """The CRA's status: in the month circuit, its drafts leave with it."""

    @property
    def goes_with_the_month(self) -> bool:
        """The drafts wait for the CRA's submission (the consultant does not submit them)."""
        return self.circuit is rules.ExpenseCircuit.MONTH and is_editable(
            MonthStatus(self.month_status)
        )


async def report_circuit(*, actor: Actor, consultant_id: str, month: str) -> ReportCircuit:
    """The firm's circuit and the CRA's status, for whoever may read the report."""
    person = await _person(actor, consultant_id)
    key = _month(month)
    return ReportCircuit(
        circuit=rules.ExpenseCircuit(await store.circuit_of(person.organisation_id)),
        month_status=await store.month_status(person.id, key),
    )


async def submit(*, actor: Actor, month: str, now: datetime) -> int:
    """Hand the month's drafts to the manager; how many lines were submitted.

    When the firm's expense reports ride the month, the drafts leave with the CRA's
    submission: until it is handed in, this is refused (409 ``goes_with_the_month``). A line
    written or corrected after the CRA was handed in is submitted here and decided on its own.
    """
    ensure_role(actor, Role.CONSULTANT)
    key = _month(month)
    found = await report_circuit(actor=actor, consultant_id=actor.person_id, month=key)
    if found.goes_with_the_month:
        message = "the expenses go with the month: they are submitted with the CRA"
        raise Conflict(message, errors=(FieldError("month", "goes_with_the_month", message),))
    async with write_transaction():
        drafts = [
            line
            for line in await store.claims_of(actor.person_id, key)
            if line["status"] == rules.ClaimStatus.DRAFT
        ]
        # Only the lines still drafts move (two submissions racing on PostgreSQL move each
        # line once), and the firm's webhooks hear of those, in this transaction.
        moved = set(
            await store.move_status(
                [line["id"] for line in drafts],
                from_status=rules.ClaimStatus.DRAFT.value,
                status=rules.ClaimStatus.SUBMITTED.value,
                updated_at=now,
            )
        )
        if not moved:
            raise Conflict(
                "nothing to submit this month",
                errors=(FieldError("month", "no_draft", "add or correct an expense first"),),
            )
        await decisions.tell_webhooks(
            organisation_id=actor.organisation_id,
            event=Event.EXPENSE_SUBMITTED,
            lines=[line for line in drafts if line["id"] in moved],
            by=actor.person_id,
            now=now,
        )
    return len(moved)


async def to_review(*, actor: Actor, month: str) -> list[tuple[Person, dict[str, Any]]]:
    """The month's submitted and decided lines of the people this manager or admin sees."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    key = _month(month)
    people = {p.id: p for p in await repo.list_people(actor.organisation_id)}
    statuses = [s.value for s in rules.ClaimStatus if s is not rules.ClaimStatus.DRAFT]
    out = []
    for line in await store.claims_in(actor.organisation_id, key, statuses):
        person = people.get(line["consultant"])
        if person is not None and person.id != actor.person_id and can_see_person(actor, person):
            out.append((person, line))
    return out


async def decide(
    *, actor: Actor, line_id: str, approve: bool, reason: str, now: datetime
) -> dict[str, Any]:
    """Approve or refuse (with its reason) a submitted line of someone the actor manages."""
    _, person = await _visible_line(actor, line_id)
    if person.id == actor.person_id:
        raise Forbidden("nobody decides their own expenses")
    if not (actor.has(Role.ADMIN) or person.manager_id == actor.person_id):
        raise Forbidden("only the consultant's manager or an administrator decides")
    text = rules.refusal_reason(approve=approve, reason=reason)
    async with write_transaction():
        current = await store.get_claim(line_id)
        if current is None:
            raise NotFound("no such expense")
        rebilled = await decisions.decide_line(
            organisation_id=actor.organisation_id,
            decider_id=actor.person_id,
            line=current,
            approve=approve,
            reason=text,
            now=now,
        )
    if rebilled is not None:
        await decisions.refresh({rebilled}, now=now)
    found = await store.get_claim(line_id)
    assert found is not None
    return found


# -- the firm's circuit ------------------------------------------------------------------------


async def circuit_setting(*, actor: Actor) -> rules.ExpenseCircuit:
    """The organisation's expense circuit (administrators)."""
    ensure_role(actor, Role.ADMIN)
    return rules.ExpenseCircuit(await store.circuit_of(actor.organisation_id))


async def set_circuit_setting(
    *, actor: Actor, circuit: str, now: datetime
) -> rules.ExpenseCircuit:
    """Choose how the organisation's expense reports are approved, audited as
    ``organisation.changed`` (before and after). Lines already submitted stay as they are: a
    manager decides them one by one, or the month's approval takes them."""
    ensure_role(actor, Role.ADMIN)
    chosen = rules.parse_circuit(circuit)
    async with write_transaction():
        before = await store.circuit_of(actor.organisation_id)
        if before != chosen.value:
            await store.set_circuit(actor.organisation_id, chosen.value)
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="organisation.changed",
                subject=f"organisation:{actor.organisation_id}",
                actor_id=actor.person_id,
                data={
                    "before": {"expense_circuit": before},
                    "after": {"expense_circuit": chosen.value},
                },
                at=now,
            )
    return chosen


async def set_policy(*, actor: Actor, mission_id: str, rebill: bool, margin_bp: int) -> None:
    ensure_role(actor, Role.ADMIN)
    mission = await repo.get_mission(mission_id)
    if mission is None or mission.organisation_id != actor.organisation_id:
        raise NotFound("no such mission")
    if not 0 <= margin_bp <= 10_000:
        raise _invalid("margin_bp", "out_of_range", "between 0 and 10000")
    async with write_transaction():
        await store.set_policy(mission_id, rebill=rebill, margin_bp=margin_bp)


async def policy(*, actor: Actor, mission_id: str) -> tuple[bool, int]:
    ensure_role(actor, Role.ADMIN)
    mission = await repo.get_mission(mission_id)
    if mission is None or mission.organisation_id != actor.organisation_id:
        raise NotFound("no such mission")
    return await store.policy_of(mission_id)


# -- exports -----------------------------------------------------------------------------------


async def _approved(actor: Actor, month: str) -> list[tuple[Person, dict[str, Any]]]:
    ensure_role(actor, Role.ADMIN)
    key = _month(month)
    people = {p.id: p for p in await repo.list_people(actor.organisation_id)}
    lines = await store.claims_in(actor.organisation_id, key, [rules.ClaimStatus.APPROVED.value])
    return [(people[line["consultant"]], line) for line in lines if line["consultant"] in people]


async def payroll_export(*, actor: Actor, month: str) -> tuple[str, bytes]:
    """The month's approved expenses to reimburse with the salaries, one CSV row a line."""
    approved = await _approved(actor, month)
    if not approved:
        raise NotFound(f"no approved expense in {month}")
    body = rules.payroll_file(
        [
            rules.ApprovedLine(
                matricule=person.email,
                name=person.display_name,
                category=line["category"],
                spent_on=line["spent_on"].isoformat(),
                gross_cents=line["gross_cents"],
                vat_cents=line["vat_cents"],
                receipts=len(line["receipts"]),
            )
            for person, line in approved
        ]
    )
    return f"frais-a-rembourser-{_month(month)}.csv", body


async def receipts_pdf_export(*, actor: Actor, month: str, today: date) -> tuple[str, bytes]:
    """The approved lines of the month and their receipts as one PDF for the accountant."""
    lines = []
    for person, line in await _approved(actor, month):
        files = []
        for sha in line["receipts"]:
            found = await store.get_receipt(person.id, sha)
            if found is not None:
                files.append((sha, found[0], found[1]))
        lines.append((person, line, files))
    if not lines:
        raise NotFound(f"no approved expense in {month}")
    organisation = await repo.get_organisation(actor.organisation_id)
    body = await asyncio.to_thread(
        receipts_pdf.render,
        organisation=organisation.legal_name if organisation else "",
        month=_month(month),
        lines=lines,
        generated_on=today,
    )
    return f"justificatifs-{_month(month)}.pdf", body
