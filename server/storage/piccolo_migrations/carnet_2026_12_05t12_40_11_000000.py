from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T12:40:11:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "invoices: the purchase order (BT-13) and the buyer reference (BT-10), additive, default empty"
)


def _varchar() -> dict:
    return {
        "length": 100,
        "default": "",
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="carnet", description=DESCRIPTION
    )
    for name in ("purchase_order", "buyer_reference"):
        manager.add_column(
            table_class_name="Invoice",
            tablename="invoice",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_varchar(),
            schema=None,
        )
    return manager
