from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import UUID, BigInt, ForeignKey, Integer, Text
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Mission(Table, tablename="mission", schema=None):
    id = UUID(
        default=UUID4(),
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-12-05T12:52:37:000000"
VERSION = "1.38.0"
DESCRIPTION = "missions: a standing discount applied to each pre-invoice (new table, additive)"


def _params(**changes) -> dict:
    return {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **changes,
    }


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="carnet", description=DESCRIPTION
    )
    manager.add_table(
        class_name="MissionDiscount",
        tablename="mission_discount",
        schema=None,
        columns=None,
    )
    columns = [
        ("id", "UUID", UUID, _params(default=UUID4(), primary_key=True)),
        (
            "mission",
            "ForeignKey",
            ForeignKey,
            _params(
                references=Mission,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
                unique=True,
            ),
        ),
        ("percent_bp", "Integer", Integer, _params(default=None, null=True)),
        ("amount_cents", "BigInt", BigInt, _params(default=None, null=True)),
        ("reason", "Text", Text, _params(default="")),
    ]
    for name, class_name, column_class, params in columns:
        manager.add_column(
            table_class_name="MissionDiscount",
            tablename="mission_discount",
            column_name=name,
            db_column_name=name,
            column_class_name=class_name,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
