"""The audit trail over HTTP: an administrator checks their organisation's hash chain."""

from litestar import Controller, get

from server.api import schemas as s
from server.api.deps import SessionDep
from server.api.openapi import problems
from server.services import audit_log


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get("/verify", operation_id="verifyAuditChain", opt=problems(403))
    async def verify(self, session: SessionDep) -> s.AuditVerifyOut:
        """Recompute the organisation's audit chain, as `carnet audit verify` does: ok, or the
        first broken entry and why, or the timestamped head the chain no longer reaches
        (administrators only)."""
        verdict = await audit_log.verify_own_organisation(session.actor)
        check, anchors = verdict.check, verdict.anchors
        anchor_problem = anchors.problem if anchors is not None else None
        latest = anchors.latest if anchors is not None else None
        return s.AuditVerifyOut(
            ok=check.ok and anchor_problem is None,
            entries=check.checked,
            first_broken_seq=check.first_broken_seq,
            reason=check.reason if not check.ok else anchor_problem,
            anchors=anchors.anchors if anchors is not None else 0,
            latest_anchor_seq=latest.seq if latest is not None else None,
            latest_anchor_at=latest.gen_time if latest is not None else None,
        )
