from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T13:10:21:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "leave: a leave_adjustment row may record the day the person was informed of their carried"
    " paid leave (notice), additive, default false"
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="carnet", description=DESCRIPTION
    )
    manager.add_column(
        table_class_name="LeaveAdjustment",
        tablename="leave_adjustment",
        column_name="notice",
        db_column_name="notice",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
