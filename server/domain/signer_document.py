"""The month as a client signer sees it, built into the canonical document they sign.

A signer signs for one mission of their company: they see its days (the consultant's other
missions and absences are none of their business: a sick day stays private), the comment of
each of those days, the total, who works and who signs, and the wording their company uses
("signature" or "attestation de service fait"). Never a rate or an amount:
``signing.canonical_document`` refuses any key naming money.

Pure: the records come in, the bytes go out.
"""

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from server.domain.model import ClientCompany, Mission, Person, Timesheet
from server.domain.signing import canonical_document
from server.domain.workflow import CLIENT_SIGNER

Wording = Literal["signature", "attestation"]
"""``signature``: the signer signs the CRA; ``attestation``: they attest the service was done."""

WORDINGS: frozenset[str] = frozenset(get_args(Wording))


def as_wording(stored: str) -> Wording:
    """A wording read back from storage, typed.

    Raises:
        ValueError: ``stored`` is not a wording.
    """
    if stored == "signature":
        return "signature"
    if stored == "attestation":
        return "attestation"
    raise ValueError(f"not a wording: {stored!r}")


def mission_waiting_on(
    *, timesheet: Timesheet, missions: Sequence[Mission], signer_id: str
) -> Mission | None:
    """The mission whose circuit has the signer as the client signer of the month's step.

    Args:
        timesheet: The month, in validation.
        missions: The consultant's missions during that month, in start order.
        signer_id: The person the month waits on.

    Returns:
        The first such mission, or None if no circuit puts the signer on that step.
    """
    for mission in missions:
        if timesheet.step < len(mission.steps):
            step = mission.steps[timesheet.step]
            if step.kind == CLIENT_SIGNER and step.approver_id == signer_id:
                return mission
    return None


def signer_document(
    *,
    timesheet: Timesheet,
    mission: Mission,
    client: ClientCompany,
    wording: str,
    consultant: Person,
    signer: Person,
    registration: str | None = None,
) -> bytes:
    """Build the canonical document a signer is shown and signs.

    Args:
        timesheet: The month with its days.
        mission: The mission signed for (``mission_waiting_on``).
        client: The mission's client company.
        wording: ``signature`` or ``attestation``.
        consultant: Whose month it is.
        signer: Who signs.
        registration: SHA-256 (hex) of the registration record of the signer's passkey, once
            they have one: signing the document endorses how that key was enrolled
            (``evidence.registration_hash``), so the record cannot be swapped afterwards.

    Returns:
        The canonical document bytes (``signing.canonical_document``).

    Raises:
        ValueError: If the wording is unknown.
    """
    if wording not in WORDINGS:
        msg = f"wording must be one of {sorted(WORDINGS)} (got {wording!r})"
        raise ValueError(msg)
    line = f"mission:{mission.id}"
    days = []
    total = 0
    for day in timesheet.days:
        half_days = sum(h for key, h in day.lines if key == line)
        if half_days:
            total += half_days
            days.append(
                {"date": day.date.isoformat(), "half_days": half_days, "comment": day.comment}
            )
    return canonical_document(
        month=timesheet.month,
        version=timesheet.version,
        consultant={"id": consultant.id, "name": consultant.display_name},
        mission={
            "id": mission.id,
            "title": mission.title,
            "client": client.legal_name,
            "wording": wording,
        },
        signer={
            "id": signer.id,
            "name": signer.display_name,
            "email": signer.email,
            **({"registration": registration} if registration else {}),
        },
        step=timesheet.step,
        days=days,
        totals={"half_days": total},
    )


def consultant_document(
    *,
    timesheet: Timesheet,
    missions: Sequence[Mission],
    clients: Mapping[str, ClientCompany],
    consultant: Person,
) -> bytes:
    """Build the canonical document a consultant signs for their own submitted month.

    Unlike a client signer, the consultant signs everything they submitted: every line of
    every day (missions and absences) with its comment, and the total per line. Still no rate.

    Args:
        timesheet: The month with its days.
        missions: The consultant's missions during the month.
        clients: The missions' client companies, by id.
        consultant: Who signs (and whose month it is).

    Returns:
        The canonical document bytes (``signing.canonical_document``).
    """
    totals: dict[str, int] = {}
    days = []
    for day in timesheet.days:
        if not day.lines:
            continue
        for line, half_days in day.lines:
            totals[line] = totals.get(line, 0) + half_days
        days.append(
            {
                "date": day.date.isoformat(),
                "lines": [{"line": line, "half_days": h} for line, h in day.lines],
                "comment": day.comment,
            }
        )
    who = {"id": consultant.id, "name": consultant.display_name}
    return canonical_document(
        month=timesheet.month,
        version=timesheet.version,
        consultant=who,
        mission={
            "role": "consultant",
            "missions": [
                {"id": m.id, "title": m.title, "client": clients[m.client_id].legal_name}
                for m in missions
                if m.client_id in clients
            ],
        },
        signer={**who, "email": consultant.email},
        step=timesheet.step,
        days=days,
        totals=totals,
    )
