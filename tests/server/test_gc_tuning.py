"""The application raises the young generation's collection threshold when it starts (issue 12:
a 100-day push paid two young collections on the event loop at CPython's default)."""

import gc

import pytest

from server.app import YOUNG_GC_THRESHOLD, create_app
from server.settings import Settings

pytestmark = pytest.mark.anyio


async def test_the_app_raises_the_young_generation_threshold_when_it_starts(
    settings: Settings,
) -> None:
    """Make sure starting the app sets the youngest generation's threshold and leaves the older
    generations' thresholds as they were."""
    before = gc.get_threshold()
    gc.set_threshold(700, 9, 11)
    try:
        app = create_app(settings)
        async with app.lifespan():
            assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, 9, 11)
    finally:
        gc.set_threshold(*before)
