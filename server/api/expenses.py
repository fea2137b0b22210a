"""Consultants' expenses: receipts by hash, lines, the monthly report, decisions and exports."""

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.api import expenses_schemas as s
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems, produces
from server.api.params import MonthPath
from server.domain.model import Person
from server.services import expense_reports as expenses
from server.services import receipt_content


def _line(line: dict[str, Any], person: Person | None = None) -> s.ExpenseLineOut:
    return s.ExpenseLineOut(
        id=line["id"],
        consultant_id=line["consultant"],
        consultant_name=person.display_name if person else "",
        month=line["month"],
        spent_on=line["spent_on"],
        mission_id=line["mission"] or None,
        category=line["category"],
        vat_lines=[s.VatLineOut(**v) for v in line["vat_lines"]],
        gross_cents=line["gross_cents"],
        net_cents=line["net_cents"],
        vat_cents=line["vat_cents"],
        distance_km=line["distance_km"],
        fiscal_power=line["fiscal_power"],
        electric=bool(line["electric"]),
        comment=line["comment"],
        receipts=list(line["receipts"]),
        status=line["status"],
        refusal_reason=line["refusal_reason"],
        decided_at=line["decided_at"],
        rebilled=line["billed_expense"] is not None,
    )


def _input(data: s.ExpenseLineIn) -> expenses.LineInput:
    return expenses.LineInput(
        spent_on=data.spent_on,
        mission_id=str(data.mission_id) if data.mission_id else None,
        category=data.category,
        vat_lines=[(v.rate_bp, v.gross_cents) for v in data.vat_lines],
        distance_km=data.distance_km,
        fiscal_power=data.fiscal_power,
        electric=data.electric,
        comment=data.comment,
        receipts=list(data.receipts),
    )


def _file(body: bytes, media_type: str, name: str = "") -> Response[bytes]:
    headers = {"X-Content-Type-Options": "nosniff"}
    if name:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(body, media_type=media_type, headers=headers)


class ReceiptController(Controller):
    path = "/receipts"
    tags = ["expenses"]

    @put(
        "/{sha256:str}",
        operation_id="putReceipt",
        opt={**problems(403, 413, 415, 422), **produces("application/json")},
        status_code=HTTP_200_OK,
        request_max_body_size=receipt_content.MAX_RECEIPT_BYTES,
    )
    async def upload(
        self,
        sha256: FromPath[str],
        request: Request[Any, Any, Any],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.ReceiptOut:
        """Store a receipt (JPEG, PNG, WebP or PDF, ≤ 10 MB) under the SHA-256 of its bytes,
        sent as the raw body. Sending it again stores nothing (`stored: false`)."""
        length = request.headers.get("content-length")
        if (
            length is not None
            and length.isdigit()
            and int(length) > receipt_content.MAX_RECEIPT_BYTES
        ):
            # Refused on the declared size, before a byte of the body is read.
            raise expenses.too_large()
        stored = await expenses.upload_receipt(
            actor=session.actor, sha256=sha256, body=await request.body(), now=clock()
        )
        return s.ReceiptOut(sha256=sha256, stored=stored)

    @get("/{sha256:str}", operation_id="getReceipt", opt=problems(403, 404, 422))
    async def own(self, sha256: FromPath[str], session: SessionDep) -> Response[bytes]:
        """One of your receipts, as stored (images without their metadata)."""
        media_type, body = await expenses.own_receipt(actor=session.actor, sha256=sha256)
        return _file(body, media_type)


class ExpenseLineController(Controller):
    path = "/expense-lines"
    tags = ["expenses"]

    @post(operation_id="createExpenseLine", opt=problems(403), status_code=HTTP_201_CREATED)
    async def create(
        self, data: JSONBody[s.ExpenseLineIn], session: SessionDep, clock: ClockDep
    ) -> s.ExpenseLineOut:
        """A draft expense line; its receipts must be uploaded first (PUT /receipts/{sha256})."""
        line_id = await expenses.create_line(actor=session.actor, new=_input(data), now=clock())
        return _line(await expenses.report_line(actor=session.actor, line_id=line_id))

    @put("/{line_id:uuid}", operation_id="updateExpenseLine", opt=problems(403, 404, 409))
    async def update(
        self,
        line_id: FromPath[UUID],
        data: JSONBody[s.ExpenseLineIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.ExpenseLineOut:
        """Change a draft or refused line (a refused one becomes a draft to submit again)."""
        await expenses.update_line(
            actor=session.actor, line_id=str(line_id), new=_input(data), now=clock()
        )
        return _line(await expenses.report_line(actor=session.actor, line_id=str(line_id)))

    @delete(
        "/{line_id:uuid}",
        operation_id="deleteExpenseLine",
        opt=problems(403, 404, 409),
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove(self, line_id: FromPath[UUID], session: SessionDep) -> None:
        await expenses.delete_line(actor=session.actor, line_id=str(line_id))

    @post(
        "/{line_id:uuid}/decision",
        operation_id="decideExpenseLine",
        opt=problems(403, 404, 409),
        status_code=HTTP_200_OK,
    )
    async def decide(
        self,
        line_id: FromPath[UUID],
        data: JSONBody[s.DecisionIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.ExpenseLineOut:
        """The manager's (or an administrator's) approval, or refusal with its reason."""
        line = await expenses.decide(
            actor=session.actor,
            line_id=str(line_id),
            approve=data.approve,
            reason=data.reason,
            now=clock(),
        )
        return _line(line)

    @get(
        "/{line_id:uuid}/receipts/{sha256:str}",
        operation_id="getExpenseLineReceipt",
        opt=problems(403, 404, 422),
    )
    async def receipt(
        self, line_id: FromPath[UUID], sha256: FromPath[str], session: SessionDep
    ) -> Response[bytes]:
        """A receipt of a line, for its consultant, their manager or an administrator."""
        media_type, body = await expenses.line_receipt(
            actor=session.actor, line_id=str(line_id), sha256=sha256
        )
        return _file(body, media_type)


class ExpenseReportController(Controller):
    path = "/expense-reports"
    tags = ["expenses"]

    @get("/{month:str}", operation_id="getExpenseReport", opt=problems(403, 404))
    async def report(
        self, month: MonthPath, session: SessionDep, consultant: FromQuery[UUID | None] = None
    ) -> s.ExpenseReportOut:
        """A consultant's expense lines of the month (yours without `consultant`)."""
        who = str(consultant) if consultant else session.actor.person_id
        lines = await expenses.report(actor=session.actor, consultant_id=who, month=month)
        circuit = await expenses.report_circuit(
            actor=session.actor, consultant_id=who, month=month
        )
        return s.ExpenseReportOut(
            circuit=circuit.circuit.value,
            goes_with_the_month=circuit.goes_with_the_month,
            month=month,
            lines=[_line(line) for line in lines],
            gross_cents=sum(line["gross_cents"] for line in lines),
            approved_cents=sum(
                line["gross_cents"] for line in lines if line["status"] == "approved"
            ),
        )

    @post(
        "/{month:str}/submit",
        operation_id="submitExpenseReport",
        opt=problems(403, 409),
        status_code=HTTP_200_OK,
    )
    async def submit(
        self, month: MonthPath, session: SessionDep, clock: ClockDep
    ) -> s.SubmittedOut:
        """Hand the month's draft lines to your manager (in the month circuit, 409
        `goes_with_the_month` until the CRA is handed in: the drafts leave with it)."""
        count = await expenses.submit(actor=session.actor, month=month, now=clock())
        return s.SubmittedOut(submitted=count)

    @get("/{month:str}/review", operation_id="reviewExpenseReports", opt=problems(403))
    async def review(self, month: MonthPath, session: SessionDep) -> list[s.ExpenseLineOut]:
        """The month's submitted and decided lines of your team (all, for an administrator)."""
        found = await expenses.to_review(actor=session.actor, month=month)
        return [_line(line, person) for person, line in found]


class ExpenseExportController(Controller):
    path = "/exports"
    tags = ["expenses"]

    @get(
        "/expenses",
        operation_id="exportExpensesPayroll",
        opt={**problems(403, 404), **produces("text/csv")},
        media_type="text/csv",
    )
    async def payroll(self, month: FromQuery[str], session: SessionDep) -> Response[bytes]:
        """The month's approved expenses to reimburse with the salaries (CSV)."""
        name, body = await expenses.payroll_export(actor=session.actor, month=month)
        return _file(body, "text/csv; charset=utf-8", name)

    @get(
        "/receipts",
        operation_id="exportReceiptsPdf",
        opt={**problems(403, 404), **produces("application/pdf")},
        media_type="application/pdf",
    )
    async def receipts(
        self, month: FromQuery[str], session: SessionDep, clock: ClockDep
    ) -> Response[bytes]:
        """The receipts of the month's approved expenses as one PDF."""
        name, body = await expenses.receipts_pdf_export(
            actor=session.actor, month=month, today=clock().date()
        )
        return _file(body, "application/pdf", name)


class MissionExpensePolicyController(Controller):
    path = "/missions/{mission_id:uuid}/expense-policy"
    tags = ["expenses"]

    @get(operation_id="getMissionExpensePolicy", opt=problems(403, 404))
    async def get_policy(
        self, mission_id: FromPath[UUID], session: SessionDep
    ) -> s.ExpensePolicyOut:
        rebill, margin = await expenses.policy(actor=session.actor, mission_id=str(mission_id))
        return s.ExpensePolicyOut(rebill=rebill, margin_bp=margin)

    @put(operation_id="setMissionExpensePolicy", opt=problems(403, 404))
    async def set_policy(
        self, mission_id: FromPath[UUID], data: JSONBody[s.ExpensePolicyIn], session: SessionDep
    ) -> s.ExpensePolicyOut:
        """Whether the mission's approved expenses are re-billed to the client, with a margin."""
        await expenses.set_policy(
            actor=session.actor,
            mission_id=str(mission_id),
            rebill=data.rebill,
            margin_bp=data.margin_bp,
        )
        return s.ExpensePolicyOut(rebill=data.rebill, margin_bp=data.margin_bp)


class ExpenseCircuitController(Controller):
    path = "/organisation/expense-circuit"
    tags = ["expenses"]

    @get(operation_id="getExpenseCircuit", opt=problems(403))
    async def get_circuit(self, session: SessionDep) -> s.ExpenseCircuitIO:
        """How the firm's expense reports are approved (administrators)."""
        circuit = await expenses.circuit_setting(actor=session.actor)
        return s.ExpenseCircuitIO(expense_circuit=circuit.value)

    @put(operation_id="setExpenseCircuit", opt=problems(403))
    async def set_circuit(
        self, data: JSONBody[s.ExpenseCircuitIO], session: SessionDep, clock: ClockDep
    ) -> s.ExpenseCircuitIO:
        """Choose the expense reports' circuit: their own, or the CRA month's (audited)."""
        circuit = await expenses.set_circuit_setting(
            actor=session.actor, circuit=data.expense_circuit, now=clock()
        )
        return s.ExpenseCircuitIO(expense_circuit=circuit.value)


EXPENSE_CONTROLLERS = (
    ReceiptController,
    ExpenseLineController,
    ExpenseReportController,
    ExpenseExportController,
    MissionExpensePolicyController,
    ExpenseCircuitController,
)
