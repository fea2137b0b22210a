"""`OwnedRouter`: handed to its owner without Litestar's deep copy, so never shared."""

from __future__ import annotations

import pytest
from litestar import Controller, Litestar, Router, get
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import TestClient

from server.api.routers import OwnedRouter


class PingController(Controller):
    path = "/ping"

    @get()
    async def ping(self) -> str:
        return "pong"


def test_an_owned_router_is_registered_as_it_is_and_serves() -> None:
    router = OwnedRouter(path="/api", route_handlers=[PingController])
    app = Litestar(route_handlers=[router])
    # Not a copy: the router built is the one the app holds, and it answers.
    assert router.owner is app
    with TestClient(app) as client:
        assert client.get("/api/ping").text == "pong"


def test_an_owned_router_registered_twice_is_refused() -> None:
    router = OwnedRouter(path="/api", route_handlers=[PingController])
    Litestar(route_handlers=[router])
    with pytest.raises(ImproperlyConfiguredException, match="registered twice"):
        Litestar(route_handlers=[router])


def test_a_handler_another_router_owns_is_refused() -> None:
    @get("/shared")
    async def shared() -> str:
        return "x"

    Router(path="/first", route_handlers=[shared])
    with pytest.raises(ImproperlyConfiguredException, match="already registered elsewhere"):
        OwnedRouter(path="/second", route_handlers=[shared])
