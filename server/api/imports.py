"""Spreadsheet imports of the back office: people, clients and missions (issue 14)."""

import base64
import binascii

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from server.api import schemas as s
from server.api.deps import AccountsDep, ClockDep, SessionDep
from server.api.openapi import problems
from server.domain import imports as rows
from server.domain.access import ensure_role
from server.domain.errors import FieldError, InvalidInput, NotFound
from server.domain.roles import Role
from server.services import imports

KIND_NAMES = {"people": "personnes", "clients": "clients", "missions": "missions"}


def _kind(kind: str) -> rows.Kind:
    for known in rows.KINDS:
        if kind == known:
            return known
    msg = f"no import of {kind!r}: people, clients or missions"
    raise NotFound(msg)


def _bytes(data: s.ImportIn) -> bytes:
    try:
        return base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        msg = "the file is not valid base64"
        raise InvalidInput(
            msg, errors=(FieldError(field="content_base64", code="invalid", message=msg),)
        ) from None


def _out(result: imports.ImportResult) -> s.ImportOut:
    return s.ImportOut(
        kind=result.kind,
        dry_run=result.dry_run,
        imported=result.imported,
        columns=list(result.columns),
        ignored_columns=list(result.ignored_columns),
        counts=result.counts,
        rows=[
            s.ImportRowOut(
                row=r.row,
                action=r.action,
                cells=list(r.cells),
                label=r.label,
                id=r.id,
                invitation_url=r.invitation_url,
            )
            for r in result.rows
        ],
        errors=[
            s.ImportRowError(
                row=e.row, column=e.column, field=e.field, code=e.code, message=e.message
            )
            for e in result.errors
        ],
        emailed=result.emailed,
    )


class ImportController(Controller):
    path = "/imports"
    tags = ["directory"]

    @post(
        "/{kind:str}",
        operation_id="importSpreadsheet",
        opt=problems(403, 404, 413, 415, 422),
        status_code=HTTP_200_OK,
        request_max_body_size=s.IMPORT_MAX_BASE64 + 4096,
    )
    async def run(
        self,
        kind: FromPath[str],
        data: JSONBody[s.ImportIn],
        session: SessionDep,
        accounts: AccountsDep,
        clock: ClockDep,
    ) -> s.ImportOut:
        """Import `people`, `clients` or `missions` from a CSV or XLSX file (administrators
        only). A dry run (the default) reports each row: what it would create, what is
        already there, and each refused cell by row and column. The import itself is all or
        nothing: one refused row and nothing is written (422 listing every row); it is one
        event of the audit trail, and imported people get their invitation."""
        ensure_role(session.actor, Role.ADMIN)
        result = await imports.run_import(
            actor=session.actor,
            accounts=accounts,
            kind=_kind(kind),
            file_name=data.file_name,
            content=_bytes(data),
            dry_run=data.dry_run,
            clock=clock,
        )
        return _out(result)

    @get(
        "/{kind:str}/template",
        operation_id="importTemplate",
        opt=problems(403, 404),
        media_type="text/csv",
    )
    async def template(self, kind: FromPath[str], session: SessionDep) -> Response[bytes]:
        """A CSV template of the kind's columns with an example row: French headers,
        semicolons and a byte-order mark, as Excel in French opens it."""
        ensure_role(session.actor, Role.ADMIN)
        name = _kind(kind)
        body = imports.template_csv(name)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="modele-import-{KIND_NAMES[name]}.csv"'
                )
            },
        )
