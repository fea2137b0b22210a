"""An app factory for `uvicorn --factory --workers N bench.asgi:create` (several processes).

`python -m server serve` runs one process; the benchmark's `--workers` option needs uvicorn's
own process manager, which imports the app by name in each worker.
"""

from litestar import Litestar

from server.app import create_app
from server.settings import Settings


def create() -> Litestar:
    return create_app(Settings.from_env())
