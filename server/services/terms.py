"""Missions as the shared day rules see them."""

from collections.abc import Sequence

from server.domain import model
from sync.calendar import CalendarRegion
from sync.rules import AbsenceType, MissionTerms


def mission_terms(missions: Sequence[model.Mission]) -> dict[str, MissionTerms]:
    return {
        m.id: MissionTerms(
            id=m.id,
            start=m.start_date,
            end=m.end_date,
            allowed_absences=frozenset(AbsenceType(a) for a in m.allowed_absences),
            comments_required=m.comments_required,
            region=CalendarRegion(m.calendar_region),
        )
        for m in missions
    }
