from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    UUID,
    Bytea,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Organisation(Table, tablename="organisation", schema=None):
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


ID = "2026-12-05T13:21:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "firms: each firm's brand, white label (new table, additive)"


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
        class_name="FirmBrand", tablename="firm_brand", schema=None, columns=None
    )
    columns = [
        ("id", "UUID", UUID, _params(default=UUID4(), primary_key=True)),
        (
            "organisation",
            "ForeignKey",
            ForeignKey,
            _params(
                references=Organisation,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
                unique=True,
            ),
        ),
        ("app_name", "Varchar", Varchar, _params(default="", length=60)),
        ("short_name", "Varchar", Varchar, _params(default="", length=12)),
        ("primary_color", "Varchar", Varchar, _params(default="", length=7)),
        ("accent_color", "Varchar", Varchar, _params(default="", length=7)),
        ("email_sender_name", "Varchar", Varchar, _params(default="", length=60)),
        ("email_footer", "Text", Text, _params(default="")),
        ("logo", "Bytea", Bytea, _params(default=b"")),
        ("icon_192", "Bytea", Bytea, _params(default=b"")),
        ("icon_512", "Bytea", Bytea, _params(default=b"")),
        ("version", "Varchar", Varchar, _params(default="", length=16)),
        ("updated_at", "Timestamptz", Timestamptz, _params(default=TimestamptzNow())),
    ]
    for name, class_name, column_class, params in columns:
        manager.add_column(
            table_class_name="FirmBrand",
            tablename="firm_brand",
            column_name=name,
            db_column_name=name,
            column_class_name=class_name,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
