"""The validation circuit over HTTP: submit, withdraw, approve, send back, reopen a month.

Each answers with the month as the actor now sees it (`MonthOut`, circuit included). Every
action names the month version the person reviewed, so nobody approves or submits a month that
changed under their eyes; a refusal is a problem document and is recorded in the audit trail.
"""

from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from server.api import convert
from server.api import schemas as s
from server.api.deps import ClockDep, SessionDep
from server.api.openapi import problems
from server.api.params import MonthPath
from server.domain.roles import Actor
from server.domain.workflow import Action
from server.services import circuit
from server.services.clock import Clock
from server.services.timesheets import view_of

MONTH_PATH = "/people/{person_id:uuid}/months/{month:str}"


async def _act(
    actor: Actor,
    person_id: UUID,
    month: str,
    action: Action,
    data: s.CircuitActionIn,
    clock: Clock,
) -> s.MonthOut:
    outcome = await circuit.act(
        actor,
        consultant_id=str(person_id),
        month_text=month,
        action=action,
        version=data.version,
        comment=data.comment,
        clock=clock,
    )
    # The month as the command left it: no second read.
    return convert.month(await view_of(actor, outcome))


class CircuitController(Controller):
    tags = ["circuit"]

    @post(
        f"{MONTH_PATH}/submit",
        operation_id="submitMonth",
        opt=problems(409),
        status_code=HTTP_200_OK,
    )
    async def submit(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        data: JSONBody[s.CircuitActionIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.MonthOut:
        """The consultant hands the month in: it goes to the first step of its circuit."""
        return await _act(session.actor, person_id, month, Action.SUBMIT, data, clock)

    @post(
        f"{MONTH_PATH}/withdraw",
        operation_id="withdrawMonth",
        opt=problems(409),
        status_code=HTTP_200_OK,
    )
    async def withdraw(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        data: JSONBody[s.CircuitActionIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.MonthOut:
        """The consultant takes the month back to draft while nobody has acted on it (409
        `already_reviewed` once the first step approved)."""
        return await _act(session.actor, person_id, month, Action.WITHDRAW, data, clock)

    @post(
        f"{MONTH_PATH}/approve",
        operation_id="approveMonth",
        opt=problems(409),
        status_code=HTTP_200_OK,
    )
    async def approve(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        data: JSONBody[s.CircuitActionIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.MonthOut:
        """The approver of the current step approves; a client signer must sign instead (409)."""
        return await _act(session.actor, person_id, month, Action.APPROVE, data, clock)

    @post(
        f"{MONTH_PATH}/send-back",
        operation_id="sendBackMonth",
        opt=problems(409),
        status_code=HTTP_200_OK,
    )
    async def send_back(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        data: JSONBody[s.CircuitActionIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.MonthOut:
        """The approver of the current step returns the month, saying what to correct."""
        return await _act(session.actor, person_id, month, Action.SEND_BACK, data, clock)

    @post(
        f"{MONTH_PATH}/reopen",
        operation_id="reopenMonth",
        opt=problems(409),
        status_code=HTTP_200_OK,
    )
    async def reopen(
        self,
        person_id: FromPath[UUID],
        month: MonthPath,
        data: JSONBody[s.CircuitActionIn],
        session: SessionDep,
        clock: ClockDep,
    ) -> s.MonthOut:
        """An administrator reopens a validated or signed month for correction, with a reason."""
        return await _act(session.actor, person_id, month, Action.REOPEN, data, clock)

    @get(f"{MONTH_PATH}/history", operation_id="monthHistory", opt=problems(422))
    async def history(
        self, person_id: FromPath[UUID], month: MonthPath, session: SessionDep
    ) -> list[s.MonthEventOut]:
        """The month's recorded events, oldest first (not for client signers)."""
        events = await circuit.history(
            session.actor, consultant_id=str(person_id), month_text=month
        )
        return [
            s.MonthEventOut(
                seq=e.seq,
                at=e.at,
                event=e.event,
                actor_id=e.actor_id,
                actor_name=e.actor_name,
                device=e.device,
                data=e.data,
            )
            for e in events
        ]
