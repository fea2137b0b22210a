"""POST /api/v1/sync: push a device's queued mutations and pull what changed, in one trip."""

import zlib
from typing import Any, cast

import msgspec
from litestar import Controller, Request, Response, post
from litestar.enums import MediaType
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from server.api.deps import SessionDep
from server.services.sync_service import AppliedDay, Result, SyncAnswer, SyncService
from sync.protocol import SyncRequest, SyncResponse


def _items(items: Any) -> msgspec.Raw:
    return msgspec.Raw(("[" + ",".join(items) + "]").encode())


def _result(result: Result) -> str:
    if isinstance(result, AppliedDay):
        return result.json()
    return msgspec.json.encode(result.model_dump(mode="json")).decode()


def encode(answer: SyncAnswer) -> bytes:
    """The answer's JSON: the envelope as every pydantic answer is written (its fields in
    order, ``mode="json"``), the results and the pulled items in their lists: an applied day's
    result as its own JSON (`AppliedDay`), the items as storage gave them."""
    body = answer.response.model_dump(mode="json")
    if answer.results:
        body["results"] = _items(
            [r.json() if type(r) is AppliedDay else _result(r) for r in answer.results]
        )
    if answer.days:
        body["days"] = _items(answer.days)
    if answer.months:
        body["months"] = _items(answer.months)
    if answer.overwrites:
        body["overwrites"] = _items(answer.overwrites)
    return msgspec.json.encode(body)


PATH = "/api/v1/sync"
GZIP_LEVEL = 1
"""A pull's JSON repeats itself (the same keys, lines and writer on every day): level 1 makes
a year's 58 KB as small as level 6 does (about 2 KB) in a third of the CPU (docs/benchmarks.md,
issue 12)."""


def sync_controller(service: SyncService, *, compress_from: int) -> type[Controller]:
    """The sync endpoint, bound to its service.

    The service is closed over rather than injected: with the session as its only dependency,
    Litestar resolves it directly instead of starting a task group per request to resolve two
    (seen in the poll's profile, docs/benchmarks.md). The answer is gzipped here, from
    `compress_from` bytes, when the device accepts it (the app's compression middleware skips
    `PATH`): it would set up a gzip stream for every poll, whose 250 bytes go as they are.
    """

    class SyncController(Controller):
        path = "/sync"
        tags = ["sync"]

        @post(operation_id="sync", status_code=HTTP_200_OK)
        async def sync(
            self, request: Request[Any, Any, Any], data: JSONBody[SyncRequest], session: SessionDep
        ) -> Response[SyncResponse]:
            """Per-mutation results come back in a 200 even when some are rejected.

            A 4xx means the whole request was refused (not logged in, wrong protocol, malformed
            envelope); a 5xx means nothing of the batch was acknowledged and it must be retried.
            """
            answer = await service.sync(session.actor, data)
            body = encode(answer)
            headers = {"vary": "Accept-Encoding"}
            if len(body) >= compress_from and "gzip" in request.headers.get("accept-encoding", ""):
                body = zlib.compress(body, GZIP_LEVEL, wbits=31)  # 31: the gzip container
                headers["content-encoding"] = "gzip"
            # Already bytes: Litestar sends them as they are. The annotation documents the
            # shape (OpenAPI).
            return Response(
                content=cast(SyncResponse, body), media_type=MediaType.JSON, headers=headers
            )

    return SyncController
