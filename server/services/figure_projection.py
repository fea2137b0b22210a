"""Keeps the figures' per consultant-month projection up to date (`server.storage.figures_store`).

`refresh` finds the consultants whose sync version moved since their projection was computed,
reads their CRAs (day-line totals summed in SQL), transitions and missions, applies the pure
rules of `figures_activity.month_activity` and `figures_close.month_close` to each month, and
replaces their rows. It runs before every figure is read, so it costs one small query when
nothing changed. Consultants are rebuilt in batches, each in one transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.domain import figures as fig
from server.domain.figures_activity import month_activity
from server.domain.figures_close import (
    CLIENT_SIGNER,
    MANAGER,
    CircuitEvent,
    month_close,
)
from server.storage import figures_store as store
from sync.calendar import CalendarRegion
from sync.months import MonthKey, MonthStatus
from sync.rules import AbsenceType

BATCH = 200
"""Consultants rebuilt per transaction: short write locks, few round trips."""


async def settings_of(organisation_id: str) -> fig.Settings:
    """The organisation's figure settings, or the defaults."""
    stored = await store.get_settings(organisation_id)
    if stored is None:
        return fig.Settings()
    return fig.Settings(
        foreseeable=frozenset(AbsenceType(a) for a in stored.foreseeable),
        counted=frozenset(MonthStatus(s) for s in stored.counted),
        grace_days=stored.grace_days,
        wait_alert_days=stored.wait_alert_days,
        dso_days=stored.dso_days,
    )


@dataclass(frozen=True)
class Refreshed:
    """How many consultants and consultant-months a refresh rebuilt."""

    consultants: int
    months: int


async def refresh(
    *, organisation_id: str, time_zone: str, region: str, settings: fig.Settings
) -> Refreshed:
    """Rebuild the projection of every consultant of the organisation whose data changed."""
    stale = await store.stale_consultants(organisation_id)
    ids = sorted(stale)
    months = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        months += await _rebuild(
            {c: stale[c] for c in batch},
            organisation_id=organisation_id,
            zone=ZoneInfo(time_zone),
            region=CalendarRegion(region),
            settings=settings,
        )
    return Refreshed(consultants=len(ids), months=months)


def _event(entry: store.EventInput, zone: ZoneInfo) -> CircuitEvent:
    data: dict[str, Any] = entry.body.get("data") or {}
    before = data.get("from") or {}
    after = data.get("to") or {}
    circuit = data.get("circuit") or []
    step = before.get("step") if isinstance(before, dict) else None
    kind = None
    if isinstance(step, int) and 0 <= step < len(circuit):
        kind = circuit[step].get("kind")
    if kind is None and entry.event == "month.approved":
        kind = CLIENT_SIGNER if data.get("signature") is not None else MANAGER
    at = datetime.fromisoformat(entry.at.replace("Z", "+00:00"))
    return CircuitEvent(
        on=at.astimezone(zone).date(),
        kind=entry.event.removeprefix("month."),
        actor_id=entry.actor,
        step=step if isinstance(step, int) else None,
        step_kind=kind,
        to_status=str(after.get("status", "")) if isinstance(after, dict) else "",
    )


async def _rebuild(
    versions: dict[str, store.Stale],
    *,
    organisation_id: str,
    zone: ZoneInfo,
    region: CalendarRegion,
    settings: fig.Settings,
) -> int:
    months, events, regions, costs = await store.projection_inputs(sorted(versions))
    by_month: dict[str, list[CircuitEvent]] = {}
    for entry in events:
        by_month.setdefault(entry.timesheet_id, []).append(_event(entry, zone))
    mission_regions = {m: CalendarRegion(r) for m, (r, _) in regions.items()}
    clients = {m: c for m, (_, c) in regions.items()}
    month_rows: list[dict[str, Any]] = []
    mission_rows: list[dict[str, Any]] = []
    decision_rows: list[dict[str, Any]] = []
    for m in months:
        key = MonthKey.parse(m.month)
        activity = month_activity(
            month=key,
            lines=m.lines,
            mission_regions=mission_regions,
            default_region=region,
            settings=settings,
        )
        closed = month_close(month=key, events=by_month.get(m.timesheet_id, ()), settings=settings)
        cost = _cost_of(costs.get(m.consultant_id, ()), m.month)
        base = {
            "timesheet": m.timesheet_id,
            "consultant": m.consultant_id,
            "organisation": organisation_id,
            "team": versions[m.consultant_id].team,
            "month": m.month,
        }
        month_rows.append(
            {
                **base,
                "status": m.status,
                "region": activity.region.value,
                "main_mission": activity.main_mission,
                "client": clients.get(activity.main_mission or ""),
                "working": activity.working,
                "billable": activity.billable,
                "produced": activity.produced,
                "available": activity.available,
                "foreseeable": activity.foreseeable,
                "intercontrat": activity.intercontrat,
                "other_absences": activity.other_absences,
                "submitted": closed.submitted,
                "approved": closed.approved,
                "signed": closed.signed,
                "validated": closed.validated,
                "on_time": _flag(closed.on_time),
                "send_backs": closed.send_backs,
                "reopens": closed.reopens,
                "first_time_right": _flag(closed.first_time_right),
                "daily_cost": cost,
            }
        )
        mission_rows.extend(
            _missions({**base, "daily_cost": cost, "status": m.status}, m.lines, clients)
        )
        decision_rows.extend(
            {
                **base,
                "client": clients.get(activity.main_mission or ""),
                "approver": d.approver_id,
                "step": d.step,
                "step_kind": d.step_kind,
                "outcome": d.outcome,
                "delay": d.delay,
                "wait": d.wait,
            }
            for d in closed.decisions
            if _is_uuid(d.approver_id)
        )
    await store.replace_projection(
        versions=versions, months=month_rows, missions=mission_rows, decisions=decision_rows
    )
    return len(month_rows)


def _cost_of(costs: Sequence[store.DailyCost], month: str) -> int | None:
    """The daily cost in force in ``month``: the latest one starting at or before it."""
    found = None
    for cost in costs:  # oldest first
        if cost.from_month <= month:
            found = cost.daily_cost_cents
    return found


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _is_uuid(value: str) -> bool:
    return len(value) == 36 and value.count("-") == 4


def _missions(
    base: dict[str, Any], lines: dict[str, int], clients: dict[str, str]
) -> Sequence[dict[str, Any]]:
    out = []
    for key, half_days in sorted(lines.items()):
        mission = key[8:]
        if key.startswith("mission:") and half_days > 0 and _is_uuid(mission):
            out.append(
                {
                    **base,
                    "mission": mission,
                    "client": clients.get(mission),
                    "half_days": half_days,
                }
            )
    return out
