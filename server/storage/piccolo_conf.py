"""Piccolo configuration for the migration runner (`piccolo migrations ...`).

The runner finds its engine through this module, so it reads DATABASE_URL itself; the app
builds its engine from `Settings` instead (see `engine.py`).
"""

import os

from piccolo.conf.apps import AppRegistry

from server.storage.engine import engine_from_url

# The migration runner is a short-lived process: the plain engine is what it needs.
DB = engine_from_url(os.environ.get("DATABASE_URL", "sqlite:///data/carnet.sqlite"), pooled=False)
APP_REGISTRY = AppRegistry(apps=["server.storage.piccolo_app"])
