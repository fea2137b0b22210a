"""From the validated CRA to the invoice: pre-invoices, issuing, credit notes, payments.

Hooks for the validation circuit: `on_month_validated` (a CRA became validated or signed) and
`on_milestone_delivered`. Both are idempotent: they (re)compute the pre-invoice of a client and
billing period, never touch an issued invoice, and never bill a CRA that is not validated.
"""

import asyncio
import base64
import binascii
import dataclasses
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.domain import invoicing as inv
from server.domain import pricing as p
from server.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from server.domain.integrations import Event
from server.domain.model import ClientCompany, Mission
from server.domain.roles import Actor
from server.services import audit_log, firm_brand, webhooks
from server.services import facturx_document as fx
from server.services.clock import Clock
from server.services.organisation import electronic_address_of, numbering_prefixes
from server.storage import invoicing_store as store
from server.storage import repositories as repo
from server.storage.repositories import write_transaction
from sync.months import MonthKey

BILLED_MODES = frozenset({"regie", "regie_capped"})
MAX_RECEIPT_BYTES = 5_000_000


# -- identities -----------------------------------------------------------------------------


async def seller_of(organisation_id: str) -> tuple[inv.Party, bool]:
    """The seller identity, and whether it is under the VAT franchise."""
    org = await repo.get_organisation(organisation_id)
    if org is None:
        raise NotFound("no such organisation")
    profile = await store.billing_profile(organisation_id) or {}
    line, postcode, city = inv.split_address(org.address)
    party = inv.Party(
        name=org.legal_name,
        siren=org.siren,
        siret=org.siret,
        vat_number=org.vat_number,
        address_line=profile.get("address_line") or line,
        postcode=profile.get("postcode") or postcode,
        city=profile.get("city") or city,
        country_code=profile.get("country_code") or "FR",
        legal_info=profile.get("legal_info", ""),
        iban=profile.get("iban", ""),
        bic=profile.get("bic", ""),
        electronic_address=await electronic_address_of(organisation_id=organisation_id),
    )
    return party, bool(profile.get("vat_franchise", False))


async def buyer_of(client: ClientCompany) -> tuple[inv.Party, p.PaymentTerms]:
    extra = await store.client_billing(client.id) or {}
    line, postcode, city = inv.split_address(client.billing_address)
    party = inv.Party(
        name=client.legal_name,
        siren=client.siren,
        vat_number=client.vat_number,
        address_line=extra.get("address_line") or line,
        postcode=extra.get("postcode") or postcode,
        city=extra.get("city") or city,
        country_code=extra.get("country_code") or "FR",
        electronic_address=await electronic_address_of(client_id=client.id),
    )
    # A client without terms of its own pays on the organisation's (its organisation screen).
    own = extra or await store.billing_profile(client.organisation_id) or {}
    days = own.get("payment_days")
    terms = p.PaymentTerms(
        p.TermsKind(own.get("payment_kind") or "net"), 30 if days is None else int(days)
    )
    return party, terms


async def _identities(
    organisation_id: str, client: ClientCompany
) -> tuple[inv.Party, inv.Party, p.VatRegime, p.PaymentTerms]:
    seller, franchise = await seller_of(organisation_id)
    buyer, terms = await buyer_of(client)
    inv.check_identity(seller, role="seller", needs_vat=not franchise)
    inv.check_identity(buyer, role="buyer", needs_vat=buyer.country_code != "FR")
    if buyer.country_code != "FR" and buyer.country_code not in fx.VAT_SCHEMES:
        raise inv.MissingBillingIdentity(
            f"no electronic invoicing address scheme is known for {buyer.country_code} yet",
            errors=(FieldError("buyer.country_code", "no_address_scheme", "BT-49 required"),),
        )
    return seller, buyer, inv.regime_for(seller_franchise=franchise, buyer=buyer), terms


def _fr(half_days: int) -> str:
    return str(half_days / 2).replace(".", ",").removesuffix(",0")


# -- pre-invoices ---------------------------------------------------------------------------


async def on_month_validated(*, month_id: str, at: datetime) -> list[str]:
    """Hook: the CRA `month_id` is now validated or signed. Returns the pre-invoices touched."""
    key = await store.timesheet_key(month_id)
    if key is None:
        return []
    consultant_id, month = key
    timesheet = await repo.get_timesheet(consultant_id=consultant_id, month=month)
    if timesheet is None or timesheet.status not in inv.BILLABLE_MONTH_STATUSES:
        return []
    clients = sorted(
        {
            m.client_id
            for m in await repo.missions_of(consultant_id)
            if m.billing_mode in BILLED_MODES and inv.mission_half_days(timesheet.days, m.id)
        }
    )
    touched: list[str] = []
    for client_id in clients:
        touched += await refresh_month_invoice(client_id=client_id, month=month, now=at)
    return touched


async def refresh_month_invoice(*, client_id: str, month: str, now: datetime) -> list[str]:
    """(Re)compute the pre-invoices of one client and month from its validated CRAs: one per
    purchase order of its missions (`inv.month_group_key`). Returns the invoices concerned."""
    client = await repo.get_client(client_id)
    if client is None:
        raise NotFound("no such client")
    async with write_transaction():
        await store.lock_client(client_id)
        known = {i.group_key: i for i in await store.invoices_of_month(client_id, month)}
        # A mission already on an issued invoice of the month is never billed twice, even if
        # its purchase order changed since: corrections go through credit notes.
        issued_keys = {
            r.line.key
            for i in known.values()
            if i.status is not inv.InvoiceStatus.DRAFT
            for r in i.lines
        }
        by_order: dict[str, list[Mission]] = {}
        for mission in await repo.list_missions(client.organisation_id):
            if mission.client_id == client_id and mission.billing_mode in BILLED_MODES:
                by_order.setdefault(mission.purchase_order.strip(), []).append(mission)
        touched: list[str] = []
        billed_here: dict[str, tuple[str, str]] = {}  # mission id → (group key, order)
        for order, missions in sorted(by_order.items()):
            key = inv.month_group_key(client_id=client_id, month=month, purchase_order=order)
            existing = known.get(key)
            if existing is not None and existing.status is not inv.InvoiceStatus.DRAFT:
                touched.append(existing.id)
                continue
            found = await _month_draft(
                client=client,
                month=month,
                group_key=key,
                purchase_order=order,
                missions=[m for m in missions if f"mission:{m.id}" not in issued_keys],
                existing=existing,
                now=now,
            )
            if found is not None:
                touched.append(found[0])
                billed_here.update(dict.fromkeys(found[1], (key, order)))
        for key, stale in known.items():
            if stale.status is not inv.InvoiceStatus.DRAFT or not stale.sources:
                continue
            elsewhere = [
                billed_here[str(s.get("mission_id"))]
                for s in stale.sources
                if billed_here.get(str(s.get("mission_id")), (key, ""))[0] != key
            ]
            if not elsewhere or any(k == key for k, _ in billed_here.values()):
                continue
            # Its missions now bill under another purchase order: emptied, never issued
            # with lines billed elsewhere too.
            touched = [i for i in touched if i != stale.id]
            await store.save_draft(
                organisation_id=client.organisation_id,
                client_id=client_id,
                group_key=key,
                period_start=stale.period_start,
                period_end=stale.period_end,
                sources=[],
                warnings=[
                    {
                        "code": "purchase_order_moved",
                        "field": "purchase_order",
                        "blocking": True,
                        "message": "les missions de cette préfacture sont désormais facturées "
                        f"sous le bon de commande {elsewhere[0][1] or '(aucun)'}",
                    }
                ],
                regime=stale.regime,
                lines=[],
                totals=p.totals(lines=[], regime=stale.regime),
                now=now,
                purchase_order=stale.purchase_order,
            )
        return touched


async def _month_draft(
    *,
    client: ClientCompany,
    month: str,
    group_key: str,
    purchase_order: str,
    missions: list[Mission],
    existing: inv.InvoiceRecord | None,
    now: datetime,
) -> tuple[str, list[str]] | None:
    """One monthly pre-invoice: (its id, the missions it bills), None if nothing to bill."""
    period = MonthKey.parse(month)
    lines: list[p.Line] = []
    sources: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for mission in missions:
        timesheet = await repo.get_timesheet(consultant_id=mission.consultant_id, month=month)
        if timesheet is None or timesheet.status not in inv.BILLABLE_MONTH_STATUSES:
            continue
        worked = inv.mission_half_days(timesheet.days, mission.id)
        if worked == 0:
            continue
        consultant = await repo.get_person(mission.consultant_id)
        name = consultant.display_name if consultant else "?"
        line_key = f"mission:{mission.id}"
        already = await store.billed_quantity_before(
            key=line_key, period_start=period.first_day, exclude=group_key
        )
        cap = mission.day_cap_half_days if mission.billing_mode == "regie_capped" else None
        outcome = p.apply_cap(
            worked_half_days=worked, cap_half_days=cap, already_half_days=already
        )
        sources.append(
            {
                "timesheet_id": timesheet.id,
                "epoch": timesheet.epoch,
                "version": timesheet.version,
                "status": timesheet.status,
                "consultant": name,
                "mission": mission.title,
                "mission_id": mission.id,
                "month": month,
                "half_days": worked,
                "absence_half_days": sum(inv.absence_half_days(timesheet.days).values()),
            }
        )
        if outcome.overrun_half_days:
            warnings.append(
                {
                    "code": "cap_overrun",
                    "field": line_key,
                    "blocking": False,
                    "message": f"{mission.title} : {_fr(outcome.overrun_half_days)} j au-delà"
                    f" du plafond de {_fr(cap or 0)} j, non facturés",
                }
            )
        try:
            lines.append(
                p.regie_line(
                    key=line_key,
                    label=f"{mission.title} — {name}",
                    half_days=outcome.billable_half_days,
                    daily_rate_cents=mission.daily_rate_cents,
                    description=f"Régie {month} : {_fr(outcome.billable_half_days)} j × TJM "
                    f"{p.format_cents_fr(mission.daily_rate_cents or 0)} € HT",
                )
            )
        except p.MissingRate as missing:
            warnings.append(
                {
                    "code": "missing_rate",
                    "field": line_key,
                    "blocking": True,
                    "message": missing.message,
                }
            )
    if not sources:
        # Never a pre-invoice for a month that is not validated. A draft whose CRAs were
        # reopened since stays as it is: issuing it is refused until they are validated again.
        return None if existing is None else (existing.id, [])
    billed = [str(s["mission_id"]) for s in sources]
    mission_ids = [m.id for m in missions]
    for expense in await store.expenses_for(mission_ids, period.first_day, period.last_day):
        if expense["rebill"]:
            lines.append(
                p.expense_line(
                    key=f"expense:{expense['id']}",
                    label=f"Frais refacturés : {expense['category']} {expense['label']}",
                    amount_cents=expense["amount_cents"],
                    margin_bp=expense["margin_bp"],
                    vat_rate_bp=expense["vat_rate_bp"],
                )
            )
    if existing is not None:
        lines = inv.apply_adjustments(lines, await store.adjustments_of(existing.id))
        discounts = await store.line_discounts_of(existing.id)
        lines, refused = inv.apply_line_discounts(lines, discounts)
        warnings += refused
    standing = await store.mission_discounts(mission_ids)
    lines, refused_standing = inv.apply_mission_discounts(
        lines, {f"mission:{m.id}": (m.title, standing[m.id]) for m in missions if m.id in standing}
    )
    warnings += refused_standing
    if existing is not None and (existing.discount_percent_bp or existing.discount_amount_cents):
        try:
            lines += p.invoice_discount_lines(
                lines=lines,
                label="Remise",
                percent_bp=existing.discount_percent_bp,
                amount_cents=existing.discount_amount_cents,
            )
        except InvalidInput as refused_discount:
            # The hook never fails the validation that called it: the draft says why.
            warnings.append(
                {
                    "code": "discount_too_large",
                    "field": "discount",
                    "blocking": True,
                    "message": refused_discount.message,
                }
            )
    regime = await _draft_regime(client, warnings)
    totals = p.totals(lines=lines, regime=regime)
    invoice_id = await store.save_draft(
        organisation_id=client.organisation_id,
        client_id=client.id,
        group_key=group_key,
        period_start=period.first_day,
        period_end=period.last_day,
        sources=sources,
        warnings=warnings,
        regime=regime,
        lines=lines,
        totals=totals,
        now=now,
        purchase_order=purchase_order,
    )
    return invoice_id, billed


async def on_mission_billing_changed(*, client_id: str, now: datetime) -> list[str]:
    """Hook: a mission of `client_id` changed what its pre-invoices are made from (purchase
    order, standing discount, cap, daily rate, title). Its months still in pre-invoice are
    recomputed, in month order (a capped mission's month counts what the earlier ones bill),
    and regrouped, through `refresh_month_invoice` as when they were drafted; an issued invoice
    keeps what it was issued with."""
    drafts = [
        found
        for i in await store.list_client_drafts(client_id)
        if (found := inv.month_of_group(i.group_key)) is not None
    ]
    touched: list[str] = []
    for _, month in sorted(set(drafts)):
        touched += await refresh_month_invoice(client_id=client_id, month=month, now=now)
    return touched


async def mission_discount(*, actor: Actor, mission_id: str) -> inv.MissionDiscount:
    """The mission's standing discount (none: both empty)."""
    mission = await repo.get_mission(mission_id)
    if mission is None or mission.organisation_id != actor.organisation_id:
        raise NotFound("no such mission")
    found = (await store.mission_discounts([mission.id])).get(mission.id)
    return found or inv.MissionDiscount(None, None, "")


async def set_mission_discount(
    *, actor: Actor, mission_id: str, discount: inv.MissionDiscount, now: datetime
) -> inv.MissionDiscount:
    """Set (or clear) the mission's standing discount, audited as `mission.discount_changed`
    with its before and after; the client's pre-invoices take it at once (issued invoices keep
    theirs)."""
    inv.check_mission_discount(discount)
    cleaned = dataclasses.replace(discount, reason=discount.reason.strip())
    async with write_transaction():
        before = await mission_discount(actor=actor, mission_id=mission_id)
        if before == cleaned:
            return before
        await store.set_mission_discount(mission_id, cleaned)
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="mission.discount_changed",
            subject=f"mission:{mission_id}",
            actor_id=actor.person_id,
            data={
                "mission": mission_id,
                "before": dataclasses.asdict(before),
                "after": dataclasses.asdict(cleaned),
            },
            at=now,
        )
    mission = await repo.get_mission(mission_id)
    assert mission is not None
    await on_mission_billing_changed(client_id=mission.client_id, now=now)
    return cleaned


async def _draft_regime(client: ClientCompany, warnings: list[dict[str, Any]]) -> p.VatRegime:
    """The regime a draft is shown with; an incomplete identity becomes a blocking warning."""
    try:
        return (await _identities(client.organisation_id, client))[2]
    except InvalidInput as refused:
        warnings.append(
            {
                "code": refused.code,
                "field": refused.errors[0].field if refused.errors else "buyer",
                "blocking": True,
                "message": refused.message,
            }
        )
        return p.VatRegime.STANDARD


async def on_milestone_delivered(
    *, actor: Actor, mission_id: str, position: int, delivered_on: date, now: datetime
) -> str:
    """Mark a forfait milestone delivered and create its pre-invoice (idempotent)."""
    mission = await repo.get_mission(mission_id)
    if mission is None or mission.organisation_id != actor.organisation_id:
        raise NotFound("no such mission")
    milestone = next((m for m in mission.milestones if m.position == position), None)
    milestone_id = await store.milestone_id(mission_id, position)
    if mission.billing_mode != "forfait" or milestone is None or milestone_id is None:
        raise InvalidInput(
            "only a forfait mission's milestones can be delivered",
            errors=(FieldError("position", "unknown", "no such milestone"),),
        )
    client = await repo.get_client(mission.client_id)
    assert client is not None
    period = MonthKey.of(delivered_on)
    group_key = f"milestone:{milestone_id}"
    async with write_transaction():
        await store.deliver_milestone(
            milestone_id=milestone_id,
            delivered_on=delivered_on,
            author_id=actor.person_id,
            now=now,
        )
        existing = await store.get_invoice_by_group(group_key)
        if existing is not None:
            return existing.id
        lines = [
            p.milestone_line(
                key=group_key,
                label=f"{mission.title} — jalon {milestone.label}",
                amount_cents=milestone.amount_cents,
            )
        ]
        standing = (await store.mission_discounts([mission.id])).get(mission.id)
        lines, warnings = inv.apply_mission_discounts(
            lines, {group_key: (mission.title, standing)} if standing else {}
        )
        regime = await _draft_regime(client, warnings)
        return await store.save_draft(
            organisation_id=mission.organisation_id,
            client_id=client.id,
            group_key=group_key,
            period_start=period.first_day,
            period_end=delivered_on,
            sources=[],
            warnings=warnings,
            regime=regime,
            lines=lines,
            totals=p.totals(lines=lines, regime=regime),
            now=now,
        )


# -- reading ------------------------------------------------------------------------------


async def visible_invoice(actor: Actor, invoice_id: str) -> inv.InvoiceRecord:
    invoice = await store.get_invoice(invoice_id)
    if invoice is None or invoice.organisation_id != actor.organisation_id:
        raise NotFound("no such invoice")
    return invoice


async def list_invoices(actor: Actor) -> list[inv.InvoiceRecord]:
    return await store.list_invoices(actor.organisation_id)


# -- administrator's review -----------------------------------------------------------------


async def _refresh(invoice: inv.InvoiceRecord, now: datetime) -> None:
    found = inv.month_of_group(invoice.group_key)
    if found is not None:
        await refresh_month_invoice(client_id=found[0], month=found[1], now=now)


async def adjust_line(
    *, actor: Actor, invoice_id: str, adjustment: inv.Adjustment, now: datetime
) -> inv.InvoiceRecord:
    """Change a pre-invoice line's quantity or price, recording who, when and why."""
    inv.check_adjustment(adjustment)
    invoice = await visible_invoice(actor, invoice_id)
    if invoice.status is not inv.InvoiceStatus.DRAFT:
        raise Conflict("an issued invoice is never edited; issue a credit note")
    if not any(r.line.key == adjustment.line_key for r in invoice.lines):
        raise InvalidInput(
            "no such line on the pre-invoice",
            errors=(FieldError("line_key", "unknown", "not a line of this pre-invoice"),),
        )
    async with write_transaction():
        await store.add_adjustment(
            invoice_id=invoice.id, adjustment=adjustment, author_id=actor.person_id, now=now
        )
    await _refresh(invoice, now)
    return await visible_invoice(actor, invoice_id)


async def discount_line(
    *, actor: Actor, invoice_id: str, discount: inv.LineDiscount, now: datetime
) -> inv.InvoiceRecord:
    """A discount on one line of a monthly pre-invoice (percentage or amount), with a reason."""
    inv.check_line_discount(discount)
    invoice = await visible_invoice(actor, invoice_id)
    if invoice.status is not inv.InvoiceStatus.DRAFT or not invoice.group_key.startswith("month:"):
        raise Conflict("only a monthly pre-invoice takes a discount")
    line = next((r.line for r in invoice.lines if r.line.key == discount.line_key), None)
    if line is None or line.kind is p.LineKind.DISCOUNT:
        raise InvalidInput(
            "no such line on the pre-invoice",
            errors=(FieldError("line_key", "unknown", "not a billed line of this pre-invoice"),),
        )
    p.discount_line(
        key="check",
        label=line.label,
        base_cents=line.net_cents,
        vat_rate_bp=line.vat_rate_bp,
        percent_bp=discount.percent_bp,
        amount_cents=discount.amount_cents,
    )
    async with write_transaction():
        await store.add_line_discount(
            invoice_id=invoice.id, discount=discount, author_id=actor.person_id, now=now
        )
    await _refresh(invoice, now)
    return await visible_invoice(actor, invoice_id)


async def set_discount(
    *,
    actor: Actor,
    invoice_id: str,
    percent_bp: int | None,
    amount_cents: int | None,
    now: datetime,
) -> inv.InvoiceRecord:
    """A discount on the whole pre-invoice (percent or amount), split per VAT rate."""
    invoice = await visible_invoice(actor, invoice_id)
    if invoice.status is not inv.InvoiceStatus.DRAFT or not invoice.group_key.startswith("month:"):
        raise Conflict("only a monthly pre-invoice takes a discount")
    if percent_bp is not None and amount_cents is not None:
        raise InvalidInput(
            "give a percentage or an amount, not both",
            errors=(FieldError("amount_cents", "exclusive", "percent_bp is already given"),),
        )
    base = [r.line for r in invoice.lines if r.line.kind is not p.LineKind.DISCOUNT]
    if percent_bp is not None or amount_cents is not None:
        p.invoice_discount_lines(
            lines=base, label="Remise", percent_bp=percent_bp, amount_cents=amount_cents
        )
    async with write_transaction():
        await store.set_discount(
            invoice_id=invoice.id, percent_bp=percent_bp, amount_cents=amount_cents
        )
    await _refresh(invoice, now)
    return await visible_invoice(actor, invoice_id)


def _local_date(now: datetime, time_zone: str) -> date:
    return now.astimezone(ZoneInfo(time_zone)).date()


async def issue(*, actor: Actor, invoice_id: str, clock: Clock) -> inv.InvoiceRecord:
    """Number and freeze a pre-invoice, in one transaction: a refusal consumes no number.

    The time is read once the series is locked, so numbers follow issuing dates.
    """
    async with write_transaction():
        invoice = await visible_invoice(actor, invoice_id)
        if invoice.kind is not inv.InvoiceKind.INVOICE:
            raise Conflict("credit notes are issued when created")
        states = await store.timesheet_states([s["timesheet_id"] for s in invoice.sources])
        inv.check_issuable(invoice, current=states)
        client = await repo.get_client(invoice.client_id)
        org = await repo.get_organisation(invoice.organisation_id)
        assert client is not None and org is not None
        seller, buyer, regime, terms = await _identities(org.id, client)
        lines = [r.line for r in invoice.lines]
        totals = p.totals(lines=lines, regime=regime)
        terms.check()
        series = inv.series_for(
            inv.InvoiceKind.INVOICE,
            _local_date(clock(), org.time_zone),
            prefixes=await numbering_prefixes(org.id),
        )
        number = inv.number_of(
            series, await store.next_number(organisation_id=org.id, series=series)
        )
        now = clock()
        issued_on = _local_date(now, org.time_zone)
        due_on = p.due_date(issued_on=issued_on, terms=terms)
        # BT-10: the reference the client asked its invoices to carry, as it is at issue.
        reference = str((await store.client_billing(client.id) or {}).get("buyer_reference") or "")
        frozen = dataclasses.replace(
            invoice,
            number=number,
            issued_on=issued_on,
            due_on=due_on,
            seller=seller.as_dict(),
            buyer=buyer.as_dict(),
            regime=regime,
            buyer_reference=reference.strip(),
        )
        xml = fx.build_xml(frozen, terms_text=terms.text())
        await store.mark_issued(
            invoice_id=invoice.id,
            number=number,
            issued_on=issued_on,
            due_on=due_on,
            now=now,
            seller=seller.as_dict(),
            buyer=buyer.as_dict(),
            regime=regime,
            totals=totals,
            xml=xml,
            buyer_reference=frozen.buyer_reference,
        )
        await webhooks.emit(
            organisation_id=org.id,
            event=Event.INVOICE_ISSUED,
            key=invoice.id,
            data={
                "invoice_id": invoice.id,
                "number": number,
                "client_id": invoice.client_id,
                "issued_on": issued_on.isoformat(),
                "due_on": due_on.isoformat() if due_on else None,
                "net_cents": totals.net_cents,
                "gross_cents": totals.gross_cents,
            },
            at=now,
        )
    return await visible_invoice(actor, invoice_id)


async def credit(
    *,
    actor: Actor,
    invoice_id: str,
    reason: str,
    lines: dict[str, int] | None,
    clock: Clock,
) -> inv.InvoiceRecord:
    """Issue a credit note on an issued invoice, in whole (`lines` None) or in part."""
    if len(reason.strip()) < 3:
        raise InvalidInput(
            "a credit note needs a reason",
            errors=(FieldError("reason", "required", "say why the invoice is corrected"),),
        )
    async with write_transaction():
        original = await visible_invoice(actor, invoice_id)
        if original.kind is not inv.InvoiceKind.INVOICE or original.number is None:
            raise Conflict("only an issued invoice can be credited")
        assert original.issued_on is not None
        credited = await store.credited_quantities(original.id)
        new_lines = inv.credit_lines(invoice=original, already_credited=credited, requested=lines)
        note_id = await store.create_credit_note(
            original=original, lines=new_lines, reason=reason.strip(), now=clock()
        )
        note = await store.get_invoice(note_id)
        org = await repo.get_organisation(original.organisation_id)
        assert note is not None and org is not None
        series = inv.series_for(
            inv.InvoiceKind.CREDIT_NOTE,
            _local_date(clock(), org.time_zone),
            prefixes=await numbering_prefixes(org.id),
        )
        number = inv.number_of(
            series, await store.next_number(organisation_id=org.id, series=series)
        )
        now = clock()
        issued_on = max(_local_date(now, org.time_zone), original.issued_on)
        totals = p.totals(lines=[r.line for r in note.lines], regime=original.regime)
        frozen = dataclasses.replace(
            note,
            number=number,
            issued_on=issued_on,
            due_on=issued_on,
            seller=original.seller,
            buyer=original.buyer,
        )
        terms_text = "Avoir à déduire du prochain règlement."
        xml = fx.build_xml(
            frozen, terms_text=terms_text, original=(original.number, original.issued_on)
        )
        await store.mark_issued(
            invoice_id=note_id,
            number=number,
            issued_on=issued_on,
            due_on=issued_on,
            now=now,
            seller=original.seller,
            buyer=original.buyer,
            regime=original.regime,
            totals=totals,
            xml=xml,
        )
        # Paid in part, the rest credited: nothing remains, the invoice is settled.
        if (
            original.paid_cents
            and original.paid_cents + await store.credited_gross(original.id)
            >= original.gross_cents
        ):
            await store.set_status(original.id, inv.InvoiceStatus.PAID)
    return await visible_invoice(actor, note_id)


async def pdf_of(*, actor: Actor, invoice_id: str) -> tuple[str, bytes]:
    """The Factur-X PDF of an issued invoice or credit note, rendered once then kept."""
    invoice = await visible_invoice(actor, invoice_id)
    xml, pdf = await store.get_documents(invoice.id)
    if invoice.number is None or xml is None:
        raise Conflict("a pre-invoice has no PDF until it is issued")
    if pdf is None:
        original = None
        if invoice.credits_id:
            first = await store.get_invoice(invoice.credits_id)
            assert first is not None and first.number and first.issued_on
            original = (first.number, first.issued_on)
        terms_text = _terms_text(invoice)
        pdf = await asyncio.to_thread(
            fx.render_pdf,
            invoice,
            xml=bytes(xml),
            terms_text=terms_text,
            original=original,
            look=await invoice_look(invoice.organisation_id),
        )
        await store.set_pdf(invoice.id, pdf)
        _, pdf = await store.get_documents(invoice.id)
        assert pdf is not None
    return f"{invoice.number}.pdf", bytes(pdf)


async def invoice_look(organisation_id: str) -> fx.InvoiceLook:
    """The firm's colour and logo on its invoices, as when the PDF is first rendered (it is
    kept after: a brand changed later does not change an issued invoice's file)."""
    found = await firm_brand.brand_of(organisation_id)
    if not found.customised:
        return fx.PLAIN
    logo = await firm_brand.image_of(organisation_id, "logo") if found.has_logo else b""
    return fx.InvoiceLook(color=found.brand.invoice_color, logo_png=logo)


def _terms_text(invoice: inv.InvoiceRecord) -> str:
    if invoice.kind is inv.InvoiceKind.CREDIT_NOTE:
        return "Avoir à déduire du prochain règlement."
    assert invoice.issued_on and invoice.due_on
    days = (invoice.due_on - invoice.issued_on).days
    return f"Paiement à {days} jours, au plus tard le {invoice.due_on:%d/%m/%Y}."


async def xml_of(*, actor: Actor, invoice_id: str) -> bytes:
    invoice = await visible_invoice(actor, invoice_id)
    xml, _ = await store.get_documents(invoice.id)
    if xml is None:
        raise Conflict("a pre-invoice has no XML until it is issued")
    return bytes(xml)


async def record_payment(
    *, actor: Actor, invoice_id: str, paid_on: date, amount_cents: int, now: datetime
) -> inv.InvoiceRecord:
    """Keep a payment (date and amount: the reform's e-reporting needs them)."""
    async with write_transaction():
        invoice = await visible_invoice(actor, invoice_id)
        if invoice.kind is not inv.InvoiceKind.INVOICE or invoice.number is None:
            raise Conflict("only an issued invoice is paid")
        credited = await store.credited_quantities(invoice.id)
        if invoice.lines and all(
            credited.get(r.id, 0) >= abs(r.line.quantity) for r in invoice.lines
        ):
            # Nothing is owed on an invoice its credit notes cancel in full.
            raise InvalidInput(
                f"invoice {invoice.number} is fully credited: nothing is owed",
                errors=(FieldError("amount_cents", "fully_credited", "nothing is owed"),),
            )
        # What remains: the total less what was paid and what credit notes cancelled (the
        # receivable the dashboard counts, figures_money.py), never below nothing.
        due = max(
            invoice.gross_cents - invoice.paid_cents - await store.credited_gross(invoice.id), 0
        )
        if not 0 < amount_cents <= due:
            raise InvalidInput(
                f"the payment must be between 0,01 € and the {p.format_cents_fr(due)} € still due",
                errors=(FieldError("amount_cents", "out_of_range", f"between 1 and {due}"),),
            )
        if invoice.issued_on and paid_on < invoice.issued_on:
            raise InvalidInput(
                "a payment cannot predate the invoice",
                errors=(FieldError("paid_on", "too_early", f"on or after {invoice.issued_on}"),),
            )
        await store.add_payment(
            invoice_id=invoice.id,
            paid_on=paid_on,
            amount_cents=amount_cents,
            author_id=actor.person_id,
            now=now,
        )
        if amount_cents == due:
            await store.set_status(invoice.id, inv.InvoiceStatus.PAID)
            await webhooks.emit(
                organisation_id=invoice.organisation_id,
                event=Event.INVOICE_PAID,
                key=invoice.id,
                data={
                    "invoice_id": invoice.id,
                    "number": invoice.number,
                    "client_id": invoice.client_id,
                    "paid_on": paid_on.isoformat(),
                    "gross_cents": invoice.gross_cents,
                },
                at=now,
            )
    return await visible_invoice(actor, invoice_id)


@dataclasses.dataclass(frozen=True)
class NewExpense:
    mission_id: str
    spent_on: date
    category: str
    amount_cents: int
    vat_cents: int = 0
    label: str = ""
    rebill: bool = True
    margin_bp: int = 0
    vat_rate_bp: int = p.STANDARD_VAT_BP
    receipt_name: str = ""
    receipt_type: str = ""
    receipt_base64: str = ""


async def record_expense(*, actor: Actor, new: NewExpense, now: datetime) -> str:
    """Record a mission's expense (admin); a monthly pre-invoice in draft picks it up."""
    mission = await repo.get_mission(new.mission_id)
    if mission is None or mission.organisation_id != actor.organisation_id:
        raise NotFound("no such mission")
    errors = []
    if new.amount_cents <= 0:
        errors.append(FieldError("amount_cents", "not_positive", "must be positive"))
    if new.vat_cents < 0:
        errors.append(FieldError("vat_cents", "negative", "must not be negative"))
    if not new.category.strip():
        errors.append(FieldError("category", "required", "e.g. transport, repas, hôtel"))
    if new.vat_rate_bp not in p.ALLOWED_VAT_BP or new.vat_rate_bp == 0:
        errors.append(FieldError("vat_rate_bp", "unknown_rate", "2000, 1000, 550 or 210"))
    if not 0 <= new.margin_bp <= 10_000:
        errors.append(FieldError("margin_bp", "out_of_range", "between 0 and 10000"))
    receipt: bytes | None = None
    if new.receipt_base64:
        try:
            receipt = base64.b64decode(new.receipt_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append(FieldError("receipt_base64", "invalid", "not base64"))
        if receipt is not None and len(receipt) > MAX_RECEIPT_BYTES:
            errors.append(FieldError("receipt_base64", "too_large", "at most 5 MB"))
    if errors:
        raise InvalidInput("the expense is invalid", errors=tuple(errors))
    async with write_transaction():
        expense_id = await store.create_expense(
            organisation=mission.organisation_id,
            mission=mission.id,
            spent_on=new.spent_on,
            category=new.category.strip()[:40],
            label=new.label[:200],
            amount_cents=new.amount_cents,
            vat_cents=new.vat_cents,
            rebill=new.rebill,
            margin_bp=new.margin_bp,
            vat_rate_bp=new.vat_rate_bp,
            receipt_name=new.receipt_name[:200],
            receipt_type=new.receipt_type[:100],
            receipt=receipt,
            recorded_by=actor.person_id,
            created_at=now,
        )
    await refresh_month_invoice(
        client_id=mission.client_id, month=str(MonthKey.of(new.spent_on)), now=now
    )
    return expense_id


async def client_names(actor: Actor) -> dict[str, str]:
    return {c.id: c.legal_name for c in await repo.list_clients(actor.organisation_id)}


async def payments(invoice_id: str) -> list[tuple[date, int]]:
    return await store.payments_of(invoice_id)


PROFILE_FIELDS = {
    "legal_info": "",
    "address_line": "",
    "postcode": "",
    "city": "",
    "country_code": "FR",
    "iban": "",
    "vat_franchise": False,
}


async def billing_profile(*, actor: Actor) -> dict[str, Any]:
    """The fields set_billing_profile takes, as stored; the defaults where none were set."""
    stored = await store.billing_profile(actor.organisation_id) or {}
    return {name: stored.get(name, default) for name, default in PROFILE_FIELDS.items()}


async def set_billing_profile(*, actor: Actor, fields: dict[str, Any], at: datetime) -> None:
    """Save the seller's mentions, address, IBAN and VAT franchise, audited as the
    organisation screen's save is (``organisation.changed``, the fields before and after): an
    auditor asks who changed the IBAN printed on the invoices, whichever way it was changed."""
    async with write_transaction():
        before = await billing_profile(actor=actor)
        changed = sorted(name for name in fields if fields[name] != before.get(name))
        await store.set_billing_profile(actor.organisation_id, **fields)
        if changed:
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="organisation.changed",
                subject=f"organisation:{actor.organisation_id}",
                actor_id=actor.person_id,
                data={
                    "before": {name: before.get(name) for name in changed},
                    "after": {name: fields[name] for name in changed},
                },
                at=at,
            )


async def set_client_billing(
    *, actor: Actor, client_id: str, fields: dict[str, Any], at: datetime
) -> None:
    """Replace a client's billing row (structured address, country, payment terms, buyer
    reference), audited as the client screen's edits are (``client.changed``, the changed
    fields' before and after; a client without a row had the organisation's terms)."""
    client = await repo.get_client(client_id)
    if client is None or client.organisation_id != actor.organisation_id:
        raise NotFound("no such client")
    p.PaymentTerms(p.TermsKind(fields["payment_kind"]), fields["payment_days"]).check()
    if fields["country_code"] != "FR" and fields["country_code"] not in inv.EU_COUNTRIES:
        raise InvalidInput(
            "clients outside the EU are not supported yet",
            errors=(FieldError("country_code", "unsupported", "an EU country code"),),
        )
    async with write_transaction():
        current = await store.client_billing(client_id)
        if current is None:
            firm = await store.billing_profile(client.organisation_id) or {}
            current = {
                "address_line": "",
                "postcode": "",
                "city": "",
                "country_code": "FR",
                "buyer_reference": "",
                "payment_kind": firm.get("payment_kind") or "net",
                "payment_days": 30 if firm.get("payment_days") is None else firm["payment_days"],
            }
        changed = sorted(name for name in fields if fields[name] != current.get(name))
        await store.set_client_billing(client_id, **fields)
        if changed:
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="client.changed",
                subject=f"client:{client_id}",
                actor_id=actor.person_id,
                data={
                    "client": client_id,
                    "before": {name: current.get(name) for name in changed},
                    "after": {name: fields[name] for name in changed},
                },
                at=at,
            )


async def receipt_of(*, actor: Actor, expense_id: str) -> tuple[str, str, bytes]:
    found = await store.get_receipt(expense_id, organisation_id=actor.organisation_id)
    if found is None:
        raise NotFound("no such receipt")
    return found
