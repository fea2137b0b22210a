from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.engine import engine_finder

ID = "2026-12-05T18:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes for every lookup the query-plan test found reading a whole table"

# tests/server/test_query_plans.py runs the main flows on SQLite and explains every statement:
# these are the columns its statements looked rows up by while reading the whole table (a
# month's signature links and evidence, an invoice's lines, adjustments and discounts, a
# mission's circuit and milestones, a consultant's leave and expense lines, a firm's clients,
# missions, tokens and webhooks, an erasure's and the retention job's lookups by person or
# firm, ...), plus the foreign keys a parent's DELETE checks (an invoice's credit notes, a
# line's credit lines, an invitation's ceremonies, a passkey's evidence), and the periodic
# prunes of the outbox and the webhook log by date. None is on the sync write path. The revenue
# figure's sums over a firm's projection are left to their scan (the test's allow-list says
# why). Columns are marked ``index=True`` in `server/storage/tables.py`; the two composite
# indexes are raw SQL (tests/server/test_migrations.py lists them). docs/benchmarks.md has the
# figures.
COLUMNS = (
    ("ClientCompany", "client_company", "organisation", ForeignKey),
    ("Person", "person", "manager", ForeignKey),
    ("Person", "person", "client_company", ForeignKey),
    ("Mission", "mission", "organisation", ForeignKey),
    ("Mission", "mission", "client", ForeignKey),
    ("Milestone", "milestone", "mission", ForeignKey),
    ("ApprovalStep", "approval_step", "mission", ForeignKey),
    ("ApprovalStep", "approval_step", "approver", ForeignKey),
    ("Timesheet", "timesheet", "waiting_on", ForeignKey),
    ("Invitation", "invitation", "person", ForeignKey),
    ("Ceremony", "ceremony", "person", ForeignKey),
    ("Ceremony", "ceremony", "invitation", ForeignKey),
    ("SignatureLink", "signature_link", "person", ForeignKey),
    ("SignatureEvidence", "signature_evidence", "timesheet", ForeignKey),
    ("SignatureEvidence", "signature_evidence", "person", ForeignKey),
    ("SignatureEvidence", "signature_evidence", "passkey", ForeignKey),
    ("SignerEnrolment", "signer_enrolment", "link", ForeignKey),
    ("SignerEnrolment", "signer_enrolment", "person", ForeignKey),
    ("PasskeyRegistration", "passkey_registration", "person", ForeignKey),
    ("Invoice", "invoice", "client", ForeignKey),
    ("Invoice", "invoice", "credits", ForeignKey),
    ("InvoiceLine", "invoice_line", "invoice", ForeignKey),
    ("InvoiceLine", "invoice_line", "credits_line", ForeignKey),
    ("InvoiceLine", "invoice_line", "key", Varchar),
    ("InvoiceAdjustment", "invoice_adjustment", "invoice", ForeignKey),
    ("LineDiscount", "line_discount", "invoice", ForeignKey),
    ("Expense", "expense", "organisation", ForeignKey),
    ("Expense", "expense", "mission", ForeignKey),
    ("OutboxItem", "outbox_item", "person", ForeignKey),
    ("OutboxItem", "outbox_item", "address", Varchar),
    ("OutboxItem", "outbox_item", "done_ms", BigInt),
    ("Receipt", "receipt", "organisation", ForeignKey),
    ("Receipt", "receipt", "owner", ForeignKey),
    ("ExpenseClaim", "expense_claim", "consultant", ForeignKey),
    ("LeaveRequest", "leave_request", "consultant", ForeignKey),
    ("LeaveAdjustment", "leave_adjustment", "consultant", ForeignKey),
    ("Erasure", "erasure", "organisation", ForeignKey),
    ("SsoIdentity", "sso_identity", "person", ForeignKey),
    ("ApiToken", "api_token", "organisation", ForeignKey),
    ("WebhookSubscription", "webhook_subscription", "organisation", ForeignKey),
    ("WebhookDelivery", "webhook_delivery", "subscription", ForeignKey),
    ("WebhookDelivery", "webhook_delivery", "at", Timestamptz),
)
COMPOSITES = {
    # By month and signer, not the month alone: without ANALYZE, SQLite may look "this month's
    # link to this signer" up through the signer's index (every month of their client's).
    "signature_link_timesheet_person": "signature_link (timesheet, person)",
    "expense_claim_organisation_month": "expense_claim (organisation, month)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="carnet", description=DESCRIPTION)

    for class_name, tablename, column, column_class in COLUMNS:
        manager.alter_column(
            table_class_name=class_name,
            tablename=tablename,
            column_name=column,
            db_column_name=column,
            params={"index": True},
            old_params={"index": False},
            column_class=column_class,
            old_column_class=column_class,
            schema=None,
        )

    async def create_composites():
        for name, on in COMPOSITES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {on}")

    async def drop_composites():
        for name in COMPOSITES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_composites)
    manager.add_raw_backwards(drop_composites)
    return manager
