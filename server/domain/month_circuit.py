"""Which validation circuit a month goes through, when its days span several missions.

A circuit is configured per mission, but the unit of validation is the month (one CRA, one
status, one epoch). The month's circuit is therefore derived from the missions it uses:

- **The missions that count** are those with at least one day line in the month. A month with
  no mission line (all leave, or intercontrat) falls back to the missions running during the
  month, and with none of those either, to the consultant's manager alone: every month can be
  handed in, and a manager always sees what their team declared.
- **One mission, or missions sharing one circuit**: that circuit, unchanged. This is the common
  case, and a freelance's "direct to client" circuit (a single client signer step) stays one.
- **Missions with different circuits** (a mission change mid-month, or two clients at once): the
  ordered union of their steps, each approver once per kind, every manager step before every
  client signer step. The ESN validates the whole month internally first, then each client
  signs; a client signer only ever sees the lines of their own company's missions
  (`server.services.timesheets`), so each signature covers that client's part, and the month
  is signed once every client has signed. Per-mission validation was rejected because it would
  split a month's single status, epoch and lock in several; the manager-only fallback because
  it would silently drop a client's signature that a contract requires.

Pure: no storage, no clock.
"""

from collections.abc import Iterable, Sequence

from server.domain.model import ApprovalStep, Mission
from server.domain.workflow import CLIENT_SIGNER, MANAGER
from sync.months import MonthKey


def missions_in_month(
    *, missions: Sequence[Mission], month: MonthKey, used_lines: Iterable[str]
) -> list[Mission]:
    """The missions whose circuits decide the month's circuit.

    Args:
        missions: All the consultant's missions.
        month: The month handed in.
        used_lines: The line keys (``"mission:<id>"``, ``"absence:CP"``...) of the month's days.

    Returns:
        The missions with a day line in the month, or, with none, those running during it;
        ordered by start date then id.
    """
    used = set(used_lines)
    worked = [m for m in missions if f"mission:{m.id}" in used]
    if not worked:
        worked = [
            m
            for m in missions
            if m.start_date <= month.last_day
            and (m.end_date is None or m.end_date >= month.first_day)
        ]
    return sorted(worked, key=lambda m: (m.start_date, m.id))


def month_circuit(
    *,
    missions: Sequence[Mission],
    month: MonthKey,
    used_lines: Iterable[str],
    manager_id: str | None,
) -> tuple[ApprovalStep, ...]:
    """The ordered approval steps of a consultant's month (see the module docstring).

    Args:
        missions: All the consultant's missions, with their steps.
        month: The month.
        used_lines: The line keys used by the month's days.
        manager_id: The consultant's manager, the fallback approver; None if they have none.

    Returns:
        The steps, positions renumbered from 0; empty when there is nobody to validate the month
        (`server.domain.workflow.check_circuit` then refuses the submission).
    """
    chosen = missions_in_month(missions=missions, month=month, used_lines=used_lines)
    circuits = [tuple(sorted(m.steps, key=lambda s: s.position)) for m in chosen if m.steps]
    if not circuits:
        if manager_id is None:
            return ()
        return (ApprovalStep(position=0, kind=MANAGER, approver_id=manager_id),)
    seen: set[tuple[str, str]] = set()
    managers: list[ApprovalStep] = []
    signers: list[ApprovalStep] = []
    for circuit in circuits:
        for step in circuit:
            key = (step.kind, step.approver_id)
            if key in seen:
                continue
            seen.add(key)
            (signers if step.kind == CLIENT_SIGNER else managers).append(step)
    if len({tuple((s.kind, s.approver_id) for s in c) for c in circuits}) == 1:
        ordered = list(circuits[0])  # one circuit: kept exactly, whatever its order of kinds
    else:
        ordered = managers + signers
    return tuple(
        ApprovalStep(position=i, kind=s.kind, approver_id=s.approver_id)
        for i, s in enumerate(ordered)
    )
