"""A Litestar router that is registered where it is built, without Litestar's deep copy.

Litestar deep-copies every `Router` it registers under another router or the app, so that one
router object may sit under several owners. Ours are built by `create_app` for one app and
registered once, so the copy bought nothing, and it was a fifth of `create_app`'s time: every
API handler, its dependencies and its middleware, about 100,000 objects copied (the suite builds
an app per test). `OwnedRouter` is handed over as it is, and refuses what would make sharing
unsafe: being registered twice, or holding a handler object another router already owns.
"""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.exceptions import ImproperlyConfiguredException
from litestar.handlers import BaseRouteHandler


class OwnedRouter(Router):
    """A `Router` that its one owner takes as it is (see the module's docstring)."""

    __slots__ = ()

    def __init__(self, *, route_handlers: list[Any], **options: Any) -> None:
        for handler in route_handlers:
            # A handler object (rather than a controller class, which Litestar copies) that
            # some router already owns is shared with another app: its owner would be moved.
            if isinstance(handler, BaseRouteHandler) and handler.owner is not None:
                raise ImproperlyConfiguredException(
                    f"{handler} is already registered elsewhere: build it inside the factory"
                )
        super().__init__(route_handlers=route_handlers, **options)

    def __deepcopy__(self, memo: dict[int, Any]) -> OwnedRouter:
        if self.owner is not None:
            raise ImproperlyConfiguredException(f"router {self.path!r} is registered twice")
        return self
