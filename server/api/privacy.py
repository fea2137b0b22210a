"""People's data rights over HTTP (docs/privacy.md): export, erasure, retention periods."""

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from server.api import privacy_schemas as s
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems, produces
from server.domain import privacy as rules
from server.services import privacy


def _file(body: bytes, media_type: str, name: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


class PersonalDataController(Controller):
    path = "/people/{person_id:uuid}"
    tags = ["privacy"]

    @get(
        "/data-export",
        operation_id="exportPersonalData",
        opt=problems(403, 404),
    )
    async def export(
        self, person_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> Response[dict[str, Any]]:
        """Everything Carnet holds about a person, as a JSON file (`carnet-personal-data/1`,
        RGPD art. 15 and 20; its keys in docs/privacy.md): one's own, or anyone's in the firm
        for an administrator."""
        document = await privacy.export(session.actor, str(person_id), clock=clock)
        return Response(
            document,
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{privacy.export_name(document, "json")}"'
                )
            },
        )

    @get(
        "/data-export/pdf",
        operation_id="exportPersonalDataPdf",
        opt={**problems(403, 404), **produces("application/pdf")},
        media_type="application/pdf",
    )
    async def export_pdf(
        self, person_id: FromPath[UUID], session: SessionDep, clock: ClockDep
    ) -> Response[bytes]:
        """The same export, readable (PDF)."""
        now = clock()
        body = await privacy.export_pdf(session.actor, str(person_id), clock=lambda: now)
        name = f"carnet-donnees-{str(person_id)[:8]}-{now.date().isoformat()}.pdf"
        return _file(body, "application/pdf", name)

    @post(
        "/erasure",
        operation_id="erasePerson",
        opt=problems(403, 404, 409, 422),
        status_code=HTTP_200_OK,
    )
    async def erase(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[s.ErasureIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.ErasureOut:
        """Erase a person's data on request (RGPD art. 17; administrators only, audited as
        `person.erased`): what the law lets go is removed or pseudonymised, what it makes the
        firm keep is kept, and the answer says so item by item. Cannot be undone."""
        report = await privacy.erase(
            session.actor, str(person_id), confirm=data.confirm, clock=clock
        )
        return s.ErasureOut(
            person_id=report.person_id,
            erased_at=report.erased_at,
            items=[
                s.ErasureItemOut(
                    item=i.item, outcome=i.outcome.value, count=i.count, reason=i.reason
                )
                for i in report.items
            ],
        )


def _retention(periods: dict[rules.DataKind, int]) -> s.RetentionOut:
    return s.RetentionOut(
        periods=[
            s.RetentionPeriodOut(
                kind=kind.value,
                days=periods[kind],
                default_days=rule.default_days,
                minimum_days=rule.minimum_days,
                counted_from=rule.counted_from,
                source=rule.source,
            )
            for kind, rule in rules.RULES.items()
        ]
    )


class RetentionController(Controller):
    path = "/retention"
    tags = ["privacy"]

    @get(operation_id="getRetention", opt=problems(403))
    async def read(self, session: SessionDep) -> s.RetentionOut:
        """The firm's retention periods, with their defaults and legal floors (administrators)."""
        return _retention(await privacy.retention(session.actor))

    @put(operation_id="setRetention", opt=problems(403, 422))
    async def update(
        self, data: JSONBody[s.RetentionIn], session: SessionDep, clock: ClockDep
    ) -> s.RetentionOut:
        """Change some periods; one below its legal floor is refused, naming the law
        (administrators; audited as `retention.changed`)."""
        changes = {str(k): v for k, v in data.periods.items()}
        return _retention(await privacy.set_retention(session.actor, changes, clock=clock))
