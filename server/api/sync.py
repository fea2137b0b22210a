"""POST /api/v1/sync: push a device's queued mutations and pull what changed, in one trip."""

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from server.api.deps import SessionDep
from server.services.sync_service import SyncService
from sync.protocol import SyncRequest, SyncResponse


class SyncController(Controller):
    path = "/sync"
    tags = ["sync"]

    @post(operation_id="sync", status_code=HTTP_200_OK)
    async def sync(
        self,
        data: JSONBody[SyncRequest],
        session: SessionDep,
        sync_service: NamedDependency[SyncService],
    ) -> SyncResponse:
        """Per-mutation results come back in a 200 even when some are rejected.

        A 4xx means the whole request was refused (not logged in, wrong protocol, malformed
        envelope); a 5xx means nothing of the batch was acknowledged and it must be retried.
        """
        return await sync_service.sync(session.actor, data)
