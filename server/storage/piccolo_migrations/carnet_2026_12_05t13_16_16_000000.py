from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T13:16:16:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "organisations: the expense reports' circuit, own or with the month (additive, existing "
    "firms keep their own circuit)"
)


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="carnet", description=DESCRIPTION
    )
    manager.add_column(
        table_class_name="Organisation",
        tablename="organisation",
        column_name="expense_circuit",
        db_column_name="expense_circuit",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 10,
            "default": "own",
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
