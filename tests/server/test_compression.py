"""Large answers travel gzipped to a client that accepts it; small ones and other clients get
them as they are (server/app.py, COMPRESS_FROM_BYTES)."""

from typing import Any

import pytest
from litestar import Litestar

from server.app import COMPRESS_FROM_BYTES
from server.domain.roles import Role
from tests.conftest import FakeClock
from tests.device import Device
from tests.factories import Browser, World

pytestmark = pytest.mark.anyio

NOW_MS = int(FakeClock()().timestamp() * 1000)


async def test_a_new_devices_pull_of_a_year_arrives_gzipped_and_whole(world: World) -> None:
    """Make sure a device that accepts gzip gets a year's pull compressed, and that it decodes to
    exactly what an identity-only device receives."""
    alice = await world.person("alice", [Role.CONSULTANT])
    client = await world.client()
    mission = await world.mission("alice", client)
    phone = Device("phone")
    for day in range(2, 28):
        phone.edit(f"2026-10-{day:02d}", [(f"mission:{mission.id}", 2)], NOW_MS)

    async def send(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = await alice.browser.post("/api/v1/sync", json=request)
        return response.status_code, response.json()

    await phone.sync(send)
    fresh = Device("laptop").request()
    plain = await alice.browser.post(
        "/api/v1/sync", json=fresh, headers={"accept-encoding": "identity"}
    )
    packed = await alice.browser.post(
        "/api/v1/sync", json=fresh, headers={"accept-encoding": "gzip"}
    )
    assert plain.status_code == packed.status_code == 200
    assert len(plain.content) >= COMPRESS_FROM_BYTES, "the pull should be big enough to pack"
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers.get("vary", "").lower()
    # httpx has already decoded the body; what crossed the wire is the raw stream.
    assert packed.json()["days"] == plain.json()["days"]
    assert int(packed.headers["content-length"]) < len(plain.content) / 3


async def test_a_small_answer_and_the_shell_stay_readable(app: Litestar) -> None:
    """Make sure an answer under the threshold is never gzipped, and the shell's scripts and the
    OpenAPI document are (they are what a phone downloads on a slow link)."""
    browser = Browser(app)
    try:
        small = await browser.get("/api/v1/session", headers={"accept-encoding": "gzip"})
        script = await browser.get("/js/app.js", headers={"accept-encoding": "gzip"})
        document = await browser.get("/schema/openapi.json", headers={"accept-encoding": "gzip"})
    finally:
        await browser.close()
    assert small.status_code == 200 and "content-encoding" not in small.headers
    for response in (script, document):
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip", response.url
        assert int(response.headers["content-length"]) < len(response.content) / 2
