"""Piccolo app definition for Carnet's tables and migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.storage.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="carnet",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
