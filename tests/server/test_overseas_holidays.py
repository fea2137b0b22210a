"""Overseas departments' public holidays through the API (issue 14): the organisation and a
mission take Guadeloupe, Martinique, Guyane, La Réunion or Mayotte; the month's calendar shows
the department's abolition of slavery day (décret n° 83-1003) as a holiday, not a working day;
an unknown region is refused naming `calendar_region`, nothing saved; a spreadsheet import
reads the department's name or number."""

from server.domain.imports import calendar_region
from server.domain.roles import Role
from server.storage import repositories as repo
from tests.factories import World
from tests.server.test_organisation_screen import API, profile


async def test_the_organisation_and_a_mission_take_an_overseas_calendar(world: World) -> None:
    admin = await world.person("admin", [Role.ADMIN])
    await world.person("alice", [Role.CONSULTANT])
    refused = await admin.browser.put(f"{API}/organisation", json=profile(calendar_region="corse"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"].endswith("calendar_region")
    org = await repo.get_organisation(world.organisation.id)
    assert org is not None and org.calendar_region == "metropole"
    saved = await admin.browser.put(
        f"{API}/organisation", json=profile(calendar_region="martinique")
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["calendar_region"] == "martinique"

    client = await world.client("Client SA")
    mission = await world.mission("alice", client, region="mayotte")
    month = await world["alice"].browser.get(f"{API}/people/{world['alice'].id}/months/2026-04")
    assert month.status_code == 200, month.text
    body = month.json()
    assert [m["calendar_region"] for m in body["missions"]] == ["mayotte"]
    days = {d["date"]: d for d in body["calendar"]}
    assert days["2026-04-27"]["holiday"] == "Abolition de l'esclavage"
    assert days["2026-04-27"]["working"] is False
    # 22 weekdays, less Easter Monday (6 April) and the abolition day (27 April).
    assert body["working_days"] == 20
    assert mission.calendar_region == "mayotte"


def test_an_import_reads_the_department_by_name_or_number() -> None:
    assert calendar_region("La Réunion") == "la_reunion"
    assert calendar_region("974") == "la_reunion"
    assert calendar_region("Guyane") == calendar_region("french guiana") == "guyane"
    assert calendar_region("MARTINIQUE") == "martinique"
