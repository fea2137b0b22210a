from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "organisation screen: electronic invoicing addresses, default signature wording, "
    "numbering prefixes, BIC"
)

# Additive only: every new column has a default, so existing rows read as before (the prefixes
# FA and AV are the ones numbers were issued under until now).
COLUMNS = (
    ("Organisation", "organisation", "electronic_address", 200, ""),
    ("Organisation", "organisation", "signature_wording", 20, "signature"),
    ("Organisation", "organisation", "invoice_prefix", 12, "FA"),
    ("Organisation", "organisation", "credit_note_prefix", 12, "AV"),
    ("BillingProfile", "billing_profile", "bic", 11, ""),
    ("ClientCompany", "client_company", "electronic_address", 200, ""),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)
    for class_name, tablename, column, length, default in COLUMNS:
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            column_class_name="Varchar",
            column_class=Varchar,
            params={
                "length": length,
                "default": default,
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
