"""Piccolo tables: the only description of Carnet's schema.

Money is integer cents and day quantities integer half-days (Piccolo's SQLite engine turns
Decimal into float). Enumerated columns hold the string values of the enums defined in `sync/`
and `server/domain/`; they are checked there, not by the database, so both engines behave alike.
Timestamps are UTC.
"""

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organisation(Table):
    """The ESN, or the freelance's own company: the tenant every other row belongs to."""

    id = UUID(primary_key=True)
    legal_name = Varchar(length=200)
    siren = Varchar(length=9, help_text="9 digits, INSEE company id.")
    siret = Varchar(length=14, help_text="14 digits: SIREN + establishment number.")
    vat_number = Varchar(length=20, help_text="Intra-community VAT number, FRxx + SIREN.")
    address = Text()
    time_zone = Varchar(length=64, default="Europe/Paris")
    calendar_region = Varchar(length=20, default="metropole")
    created_at = Timestamptz(default=TimestamptzNow())
    refuse_synced_passkeys = Boolean(
        default=False,
        help_text="Signatures need a device-bound passkey (BS flag clear): a synced one is "
        "refused at registration and at signing.",
    )
    electronic_address = Varchar(
        length=200, default="", help_text="Electronic invoicing address (BT-34), if not SIREN."
    )
    signature_wording = Varchar(
        length=20, default="signature", help_text="A new client's wording: signature/attestation."
    )
    invoice_prefix = Varchar(length=12, default="FA", help_text="Series prefix of invoices.")
    credit_note_prefix = Varchar(length=12, default="AV", help_text="Series prefix of credits.")
    host = Varchar(
        length=253,
        null=True,
        default=None,
        help_text="The host name the firm answers on (unique: index organisation_host).",
    )
    rp_id = Varchar(
        length=253, default="", help_text="The firm's WebAuthn relying-party id; empty: derived."
    )
    origin = Varchar(
        length=300, default="", help_text="The firm's public origin; empty: derived from its host."
    )
    expense_circuit = Varchar(
        length=10,
        default="own",
        help_text="How expense reports are approved: own (their own circuit) or month (with "
        "the CRA's month, docs/expenses.md).",
    )


class ClientCompany(Table):
    """A customer of the organisation: who missions are for and who invoices go to."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, index=True)
    legal_name = Varchar(length=200)
    siren = Varchar(length=9)
    vat_number = Varchar(length=20)
    billing_address = Text()
    created_at = Timestamptz(default=TimestamptzNow())
    signature_wording = Varchar(
        length=20,
        default="signature",
        help_text="What the client's signer does: signature, or attestation (de service fait).",
    )
    electronic_address = Varchar(
        length=200, default="", help_text="Electronic invoicing address (BT-49), if not SIREN."
    )


class Person(Table):
    """Anyone who logs in: consultant, manager, administrator or client signer."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    email = Varchar(
        length=254,
        help_text="Stored lower-case; unique per organisation (index person_organisation_email).",
    )
    display_name = Varchar(length=120)
    manager: ForeignKey["Person"] = ForeignKey(
        references="self",
        null=True,
        help_text="The manager whose team this person is in.",
        index=True,
    )
    client_company = ForeignKey(
        references=ClientCompany,
        null=True,
        help_text="Set for client signers: the customer they sign for.",
        index=True,
    )
    webauthn_user_handle = Bytea(
        help_text="Random WebAuthn user handle (never the id or email, WebAuthn §14.6.1)."
    )
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class PersonRole(Table):
    """One role held by a person; a person may hold several."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=False, index=True)
    role = Varchar(length=20)


class Mission(Table):
    """A consultant's assignment at a client, with its billing and approval rules."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, index=True)
    consultant = ForeignKey(references=Person, null=False)
    client = ForeignKey(references=ClientCompany, null=False, index=True)
    title = Varchar(length=200)
    start_date = Date()
    end_date = Date(null=True, default=None, help_text="Null while open-ended.")
    billing_mode = Varchar(length=20, help_text="regie, regie_capped or forfait.")
    daily_rate_cents = BigInt(null=True, default=None, help_text="TJM in cents (régie).")
    day_cap_half_days = Integer(null=True, default=None, help_text="Cap for regie_capped.")
    allowed_absences = JSON(default=[], help_text="Absence types allowed during the mission.")
    comments_required = Boolean(default=False)
    calendar_region = Varchar(length=20, default="metropole")
    created_at = Timestamptz(default=TimestamptzNow())
    purchase_order = Varchar(
        length=100, default="", help_text="The client's purchase order reference, if any."
    )


class Milestone(Table):
    """A forfait milestone: what is billed, and when."""

    id = UUID(primary_key=True)
    mission = ForeignKey(references=Mission, null=False, index=True)
    position = Integer()
    label = Varchar(length=200)
    due_date = Date()
    amount_cents = BigInt()


class ApprovalStep(Table):
    """One step of a mission's validation circuit, in `position` order."""

    id = UUID(primary_key=True)
    mission = ForeignKey(references=Mission, null=False, index=True)
    position = Integer()
    kind = Varchar(length=20, help_text="manager or client_signer.")
    approver = ForeignKey(references=Person, null=False, index=True)


class Timesheet(Table):
    """The CRA: one consultant's month, the unit of status and of the validation circuit."""

    id = UUID(primary_key=True)
    consultant = ForeignKey(references=Person, null=False)
    month = Varchar(length=7, help_text="YYYY-MM.")
    status = Varchar(length=20, default="draft")
    step = Integer(default=0, help_text="Index of the approval step while in_validation.")
    waiting_on = ForeignKey(
        references=Person,
        null=True,
        help_text="Who the CRA waits on, while in validation.",
        index=True,
    )
    epoch = Integer(default=0, help_text="Bumped on every reopening, to refuse stale edits.")
    version = BigInt(default=0, help_text="Consultant's sync version at the last state change.")
    updated_at = Timestamptz(default=TimestamptzNow())


class DayEntry(Table):
    """One day of a CRA, stored whole: the unit of merge for offline sync."""

    id = UUID(primary_key=True)
    timesheet = ForeignKey(references=Timesheet, null=False, index=True)
    consultant = ForeignKey(references=Person, null=True, help_text="Denormalised for pulls.")
    day = Date()
    hlc = Varchar(length=80, default="", help_text="Hybrid logical clock of the winning write.")
    # Not indexed alone: every read by version also names the consultant, and the raw index on
    # (consultant, version) serves it (migration 2026-12-05T20:50).
    version = BigInt(default=0, help_text="Consultant's sync version at last change.")
    by_client = Varchar(length=40, default="server", help_text="Device that wrote the value.")
    lines = JSON(default=[], help_text='[{"line": "mission:<id>"|"absence:CP", "half_days": 1|2}]')
    comment = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(references=Person, null=True)


class Invitation(Table):
    """A single-use, expiring link that lets a person register their first passkey."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=False, index=True)
    token_hash = Varchar(length=64, unique=True, help_text="SHA-256 of the link token.")
    created_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class Passkey(Table):
    """A WebAuthn credential registered by a person on one device."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=False, index=True)
    credential_id = Bytea(unique=True)
    public_key = Bytea(help_text="COSE public key.")
    sign_count = BigInt(default=0)
    transports = JSON(default=[])
    aaguid = Varchar(length=36, default="")
    device_name = Varchar(length=120, default="")
    backed_up = Boolean(default=False, help_text="Synced passkey (BS flag).")
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(
        null=True, default=None, help_text="If set, the passkey can no longer log in."
    )


class Ceremony(Table):
    """A WebAuthn challenge we issued: single use, short-lived, bound to its purpose."""

    id = UUID(primary_key=True)
    purpose = Varchar(length=20, help_text="register, login or add_device.")
    challenge = Bytea()
    person = ForeignKey(references=Person, null=True, index=True)
    invitation = ForeignKey(references=Invitation, null=True, index=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class Session(Table):
    """A server-side login session; the cookie holds a random token, we keep its hash."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    person = ForeignKey(references=Person, null=False, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()


class ServerIdentity(Table):
    """One row: this database's random id. Pull cursors carry it, so a cursor from another
    database (a restore, a replacement) forces a full resync instead of silent divergence."""

    id = Varchar(length=32, primary_key=True)
    created_at = Timestamptz(default=TimestamptzNow())


class SyncSpace(Table):
    """A consultant's sync cursor: bumped inside every write transaction that changes their
    data, under a lock, so version order is commit order (sync-protocol.md §3.1, §3.5)."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=False, unique=True)
    version = BigInt(default=0)


class SyncClient(Table):
    """One app install: the last mutation id it has had processed."""

    id = UUID(primary_key=True, help_text="The client id the device generated.")
    person = ForeignKey(references=Person, null=False, index=True)
    last_mutation_id = BigInt(default=0)
    last_seen_at = Timestamptz(default=TimestamptzNow())


class MutationOutcome(Table):
    """The stored results of a push batch's processed mutations, replayed when a device
    retries and deleted once it acknowledges them (``ack_through``).

    One row per batch, not per mutation: a month push wrote 21 rows and their entries in the
    table's four b-trees, about 8 % of SQLite's writer CPU per push (docs/benchmarks.md, issue
    12). A row covers the device's mutations ``mutation_id … COALESCE(last_mutation_id,
    mutation_id)``; rows from before 2026-12-05T21:10 hold one result object. Encoded and
    decoded in one place: `sync_store.outcome_row`, `sync_store.replayed_outcomes`.
    """

    id = UUID(primary_key=True)
    key = Varchar(
        length=80,
        unique=True,
        help_text="<client id>:<first mutation id> (unique: a device's ids only grow).",
    )
    client = ForeignKey(references=SyncClient, null=False)
    mutation_id = BigInt(help_text="The first mutation id the row covers.")
    last_mutation_id = BigInt(
        null=True,
        default=None,
        help_text="The last mutation id the row covers (NULL: mutation_id alone, an old row).",
    )
    body = JSON(help_text="The batch's results, a JSON list (an old row: one result object).")


class DayOverwrite(Table):
    """A day value replaced by a device that had not seen it: "changed on another device"."""

    id = UUID(primary_key=True)
    consultant = ForeignKey(references=Person, null=False)
    day = Date()
    lost = JSON(help_text="The replaced day state.")
    by_client = Varchar(length=40)
    version = BigInt()  # read with the consultant: index (consultant, version), raw SQL
    created_at = Timestamptz(default=TimestamptzNow())


class AuditEntry(Table):
    """One link of an organisation's tamper-evident audit chain (`server/domain/audit.py`).

    Append-only: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL), and the
    repository has no function to change a row. ``at`` and ``body`` hold exactly the strings
    that were hashed; ``month`` and ``device`` are copies of body fields kept for queries.
    """

    id = UUID(primary_key=True)
    organisation = UUID(help_text="The chain this entry belongs to: one per organisation.")
    seq = BigInt(help_text="Position in the organisation's chain, gapless from 1.")
    at = Varchar(
        length=32, help_text="UTC stamp exactly as hashed, e.g. 2026-11-16T09:00:00.000000Z."
    )
    actor = Varchar(length=64)
    event = Varchar(length=60)
    subject = Varchar(length=80)
    month = UUID(null=True, default=None, index=True, help_text="The timesheet, if any.")
    body = Text(help_text="Canonical JSON (RFC 8785 subset) exactly as hashed.")
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class SignatureLink(Table):
    """An expiring link inviting a client signer to sign one month at one step.

    Opening it starts a signer session limited to that month and spends nothing: it opens
    again until the month is signed, sent back or moved on, or it expires. The link holds the
    latest opening's session; ``used_at`` is its first opening. Only the hashes of the link
    token and of the session token are stored.
    """

    id = UUID(primary_key=True)
    # Indexed with the signer (index signature_link_timesheet_person): a lookup by month and
    # signer must not pick the signer's own index, which holds every month of their client's.
    timesheet = ForeignKey(references=Timesheet, null=False)
    person = ForeignKey(
        references=Person, null=False, help_text="The signer it was sent to.", index=True
    )
    step = Integer(help_text="The circuit step the month waited on when the link was issued.")
    epoch = Integer(help_text="The month's epoch then: a send-back ends the link.")
    token_hash = Varchar(length=64, unique=True, help_text="SHA-256 of the link token.")
    created_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None, help_text="When the link was opened.")
    session_hash = Varchar(
        length=64, null=True, default=None, unique=True, help_text="SHA-256 of the session token."
    )
    session_expires_at = Timestamptz(null=True, default=None)


class SignatureChallenge(Table):
    """A signing challenge: the document shown, its hash and the server nonce; single use."""

    id = UUID(primary_key=True)
    link = ForeignKey(references=SignatureLink, null=False)
    timesheet = ForeignKey(references=Timesheet, null=False)
    person = ForeignKey(references=Person, null=False)
    document = Text(help_text="The canonical document (UTF-8 JSON) the signer was shown.")
    document_hash = Varchar(length=64, help_text="SHA-256 of the document, hex.")
    nonce = Bytea(help_text="32 random bytes mixed into the challenge.")
    challenge = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class SignatureEvidence(Table):
    """Everything needed to re-verify a signature offline; written once, never changed."""

    id = UUID(primary_key=True)
    timesheet = ForeignKey(references=Timesheet, null=False, index=True)
    person = ForeignKey(references=Person, null=False, help_text="The signer.", index=True)
    passkey = ForeignKey(references=Passkey, null=False, index=True)
    step = Integer()
    version = BigInt(help_text="The month version that was signed.")
    document_hash = Varchar(length=64, index=True)
    body = Text(help_text="The evidence file without its timestamp (format /2), exact bytes.")
    body_hash = Varchar(length=64, help_text="SHA-256 of body, hex.")
    signed_at = Timestamptz()
    timestamp_token = Bytea(
        null=True, default=None, help_text="RFC 3161 token over body_hash; null without a TSA."
    )


class SignerEnrolment(Table):
    """A signer proving control of their e-mail address before registering a passkey.

    A one-time code is mailed to the address the firm declared; only its salted hash is kept.
    Once verified, the registration options commit to the identity statement built from it.
    """

    id = UUID(primary_key=True)
    link = ForeignKey(references=SignatureLink, null=False, index=True)
    person = ForeignKey(references=Person, null=False, index=True)
    code_hash = Varchar(length=64, help_text="HMAC-SHA-256 of the code under the secret key.")
    sent_at = Timestamptz()
    expires_at = Timestamptz()
    attempts = Integer(default=0)
    verified_at = Timestamptz(null=True, default=None)
    statement = Text(default="", help_text="The CRA-ENROL-v1 statement of the options issued.")
    nonce = Bytea(null=True, default=None)


class PasskeyRegistration(Table):
    """How a passkey was enrolled: the record every evidence made with the key carries."""

    id = UUID(primary_key=True)
    passkey = ForeignKey(references=Passkey, null=False, unique=True)
    person = ForeignKey(references=Person, null=False, index=True)
    record = Text(help_text="The registration record without its timestamp, canonical JSON.")
    record_hash = Varchar(length=64, help_text="SHA-256 of record, hex.")
    timestamp_token = Bytea(null=True, default=None, help_text="RFC 3161 token over record.")
    created_at = Timestamptz(default=TimestamptzNow())


class SignedPdf(Table):
    """A signed CRA's PDF, sealed by the firm once and served as stored ever after."""

    id = UUID(primary_key=True)
    evidence = ForeignKey(references=SignatureEvidence, null=False, unique=True)
    pdf = Bytea()
    sha256 = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())


class AuditAnchor(Table):
    """A timestamp of an organisation's audit chain head: entries cut after it are detected."""

    id = UUID(primary_key=True)
    organisation = UUID(index=True)
    seq = BigInt(help_text="The head's seq when anchored.")
    hash = Varchar(length=64, help_text="The head's hash.")
    token = Bytea(help_text="RFC 3161 token over the anchor statement.")
    gen_time = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())


class SelfSignatureChallenge(Table):
    """A challenge for a consultant signing their own submitted month; single use."""

    id = UUID(primary_key=True)
    timesheet = ForeignKey(references=Timesheet, null=False)
    person = ForeignKey(references=Person, null=False, help_text="The consultant.")
    document = Text(help_text="The canonical document (UTF-8 JSON) the consultant was shown.")
    document_hash = Varchar(length=64, help_text="SHA-256 of the document, hex.")
    nonce = Bytea(help_text="32 random bytes mixed into the challenge.")
    challenge = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


# -- invoicing (issue 7) -----------------------------------------------------------------------


class BillingProfile(Table):
    """The seller's invoicing settings; without one, defaults are derived from the organisation."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, unique=True)
    legal_info = Varchar(length=200, default="", help_text="Legal form, capital, RCS (BT-33).")
    address_line = Varchar(length=200, default="")
    postcode = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    country_code = Varchar(length=2, default="FR")
    iban = Varchar(length=34, default="")
    bic = Varchar(length=11, default="")
    vat_franchise = Boolean(default=False, help_text="Franchise en base (CGI 293 B).")
    payment_kind = Varchar(length=20, default="net", help_text="net or end_of_month.")
    payment_days = Integer(default=30)


class ClientBilling(Table):
    """A client's billing identity beyond ClientCompany: structured address, country, terms."""

    id = UUID(primary_key=True)
    client = ForeignKey(references=ClientCompany, null=False, unique=True)
    address_line = Varchar(length=200, default="")
    postcode = Varchar(length=10, default="")
    city = Varchar(length=100, default="")
    country_code = Varchar(length=2, default="FR")
    payment_kind = Varchar(length=20, default="net")
    payment_days = Integer(default=30)
    buyer_reference = Varchar(length=100, default="", help_text="PO or buyer reference.")


class Invoice(Table):
    """A pre-invoice (status draft), an issued invoice, or a credit note (kind credit_note).

    Once issued, a row is never edited except its payment fields: corrections are credit notes.
    """

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    client = ForeignKey(references=ClientCompany, null=False, index=True)
    kind = Varchar(length=20, default="invoice", help_text="invoice or credit_note.")
    status = Varchar(length=20, default="draft", help_text="draft, issued or paid.")
    group_key = Varchar(
        length=120, unique=True, help_text="What the pre-invoice is for: client+month, milestone."
    )
    period_start = Date()
    period_end = Date()
    sources = JSON(default=[], help_text="The CRAs billed, with the epoch they were billed at.")
    warnings = JSON(default=[], help_text="Cap overruns and other points to review.")
    regime = Varchar(length=20, default="standard")
    discount_percent_bp = Integer(null=True, default=None)
    discount_amount_cents = BigInt(null=True, default=None)
    # Unique per organisation (index invoice_organisation_number): each firm numbers its own.
    number = Varchar(length=35, null=True, default=None)
    issued_on = Date(null=True, default=None)
    issued_at = Timestamptz(null=True, default=None)
    due_on = Date(null=True, default=None)
    seller = JSON(default={}, help_text="Seller identity snapshot taken at issue.")
    buyer = JSON(default={}, help_text="Buyer identity snapshot taken at issue.")
    net_cents = BigInt(default=0)
    vat_cents = BigInt(default=0)
    gross_cents = BigInt(default=0)
    credits: ForeignKey["Invoice"] = ForeignKey(
        references="self",
        null=True,
        help_text="For a credit note: the invoice it corrects.",
        index=True,
    )
    reason = Text(default="")
    facturx_xml = Bytea(null=True, default=None)
    pdf = Bytea(null=True, default=None)
    paid_cents = BigInt(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    purchase_order = Varchar(
        length=100, default="", help_text="BT-13: the missions' purchase order reference."
    )
    buyer_reference = Varchar(
        length=100, default="", help_text="BT-10: the client's buyer reference, taken at issue."
    )


class InvoiceLine(Table):
    """One line of an invoice or credit note (amounts by server/domain/pricing.py)."""

    id = UUID(primary_key=True)
    invoice = ForeignKey(references=Invoice, null=False, index=True)
    position = Integer()
    key = Varchar(
        length=120, help_text="What the line bills: mission:<id>, expense:<id>...", index=True
    )
    kind = Varchar(length=20)
    label = Varchar(length=200)
    description = Text(default="")
    quantity = Integer()
    unit = Varchar(length=20)
    unit_price_cents = BigInt()
    vat_rate_bp = Integer()
    net_cents = BigInt()
    credits_line: ForeignKey["InvoiceLine"] = ForeignKey(
        references="self",
        null=True,
        help_text="For a credit note line: the line it credits.",
        index=True,
    )


class InvoiceAdjustment(Table):
    """An administrator's change to a pre-invoice line, with its mandatory reason."""

    id = UUID(primary_key=True)
    invoice = ForeignKey(references=Invoice, null=False, index=True)
    line_key = Varchar(length=120)
    quantity = Integer(null=True, default=None)
    unit_price_cents = BigInt(null=True, default=None)
    reason = Text()
    author = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class InvoiceSequence(Table):
    """A numbering series' counter, read and bumped under a lock in the issuing transaction."""

    id = UUID(primary_key=True)
    key = Varchar(length=120, unique=True, help_text="<organisation id>:<series>, e.g. FA-2026.")
    last_value = BigInt(default=0)


class Expense(Table):
    """An expense recorded by an administrator for a mission, re-billed or not."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, index=True)
    mission = ForeignKey(references=Mission, null=False, index=True)
    spent_on = Date()
    category = Varchar(length=40)
    label = Varchar(length=200, default="")
    amount_cents = BigInt(help_text="Net of VAT.")
    vat_cents = BigInt(default=0, help_text="VAT paid on the receipt.")
    rebill = Boolean(default=True)
    margin_bp = Integer(default=0)
    vat_rate_bp = Integer(default=2000, help_text="Rate of the re-billed line.")
    receipt_name = Varchar(length=200, default="")
    receipt_type = Varchar(length=100, default="")
    receipt = Bytea(null=True, default=None)
    recorded_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class MilestoneDelivery(Table):
    """A forfait milestone marked delivered: from then on it is billable."""

    id = UUID(primary_key=True)
    milestone = ForeignKey(references=Milestone, null=False, unique=True)
    delivered_on = Date()
    recorded_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Payment(Table):
    """A payment received for an invoice (kept for the reform's e-reporting of payment data)."""

    id = UUID(primary_key=True)
    invoice = ForeignKey(references=Invoice, null=False)
    paid_on = Date()
    amount_cents = BigInt()
    recorded_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class LineDiscount(Table):
    """A discount on one pre-invoice line (percentage or amount), with its mandatory reason."""

    id = UUID(primary_key=True)
    invoice = ForeignKey(references=Invoice, null=False, index=True)
    line_key = Varchar(length=120)
    percent_bp = Integer(null=True, default=None)
    amount_cents = BigInt(null=True, default=None)
    reason = Text()
    author = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ReminderSettings(Table):
    """An organisation's reminder settings (`server.domain.reminders.ReminderPolicy`)."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, unique=True)
    days_before_close = Integer(default=2)
    relance_every = Integer(default=2)
    send_hour = Integer(default=9)
    time_zone = Varchar(length=64, default="Europe/Paris")
    send_on_non_working_days = Boolean(default=False)


class NotificationPreference(Table):
    """A person's language for notifications and the kinds they muted."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=False, unique=True)
    language = Varchar(length=2, default="fr")
    muted = JSON(default=[], help_text="Muted notification kinds.")


class PushSubscription(Table):
    """One device's Web Push subscription (RFC 8030); a person may have several."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=False, index=True)
    endpoint = Varchar(length=1024, unique=True)
    p256dh = Varchar(length=100, help_text="Base64url uncompressed P-256 point of the device.")
    auth = Varchar(length=30, help_text="Base64url 16-byte authentication secret.")
    created_at = Timestamptz(default=TimestamptzNow())


class OutboxItem(Table):
    """A notification to send, written in the transaction of the event that causes it.

    Instants are integer milliseconds since the epoch so the claim queries compare numbers
    alike on both engines.
    """

    id = UUID(primary_key=True)
    key = Varchar(length=200, unique=True, help_text="Idempotency key: person:month:kind:occ.")
    person = ForeignKey(references=Person, null=True, index=True)
    address = Varchar(
        length=254, default="", help_text="Email for people without an account.", index=True
    )
    channel = Varchar(length=10, default="auto", help_text="auto (push, else email) or email.")
    kind = Varchar(length=30)
    month = Varchar(length=7)
    data = JSON(default={})
    state = Varchar(length=10, default="pending", help_text="pending, sent or dropped.")
    due_ms = BigInt(index=True)
    expires_ms = BigInt()
    attempts = Integer(default=0)
    lease_until_ms = BigInt(null=True, default=None)
    claimed_by = Varchar(length=80, default="")
    outcome = Varchar(length=300, default="")
    created_ms = BigInt(default=0)
    done_ms = BigInt(null=True, default=None, index=True)


# -- figures (issue 15) ------------------------------------------------------------------------


class FigureSettings(Table):
    """An organisation's choices for its figures (`server.domain.figures.Settings`)."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, unique=True)
    foreseeable = JSON(default=[], help_text="Absence types taken out of the TACE's denominator.")
    counted = JSON(default=[], help_text="CRA statuses the activity figures count.")
    grace_days = Integer(default=0)
    wait_alert_days = Integer(default=5)
    dso_days = Integer(default=90)


class ConsultantCost(Table):
    """A consultant's daily cost (CJM) from a month on; a month takes the latest one before it."""

    id = UUID(primary_key=True)
    person = ForeignKey(references=Person, null=False)
    from_month = Varchar(length=7, help_text="YYYY-MM: the first month this cost applies to.")
    daily_cost_cents = BigInt()
    recorded_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class FigureRefresh(Table):
    """Which sync version of a consultant the figure projection was computed from.

    The projection below is derived data: rebuilt for a consultant whenever their sync version
    (bumped by every change of their days or months) differs from the one recorded here.
    """

    id = UUID(primary_key=True)
    consultant = ForeignKey(references=Person, null=False, unique=True)
    version = BigInt(default=-1)
    team = UUID(null=True, default=None, help_text="The consultant's manager then.")


class FigureMonth(Table):
    """One consultant-month as the figures see it (`figures_activity`, `figures_close`).

    Quantities in half-days; delays in days from the month's end; flags 0/1 or null.
    """

    id = UUID(primary_key=True)
    timesheet = ForeignKey(references=Timesheet, null=False, unique=True)
    consultant = ForeignKey(references=Person, null=False)
    organisation = UUID(help_text="Copied from the consultant, like team: scans need no join.")
    team = UUID(null=True, default=None)
    month = Varchar(length=7)
    status = Varchar(length=20)
    region = Varchar(length=20)
    main_mission = UUID(null=True, default=None)
    client = UUID(null=True, default=None, help_text="The main mission's client.")
    working = Integer(default=0)
    billable = Integer(default=0)
    produced = Integer(default=0)
    available = Integer(default=0)
    foreseeable = Integer(default=0)
    intercontrat = Integer(default=0)
    other_absences = Integer(default=0)
    submitted = Integer(null=True, default=None)
    approved = Integer(null=True, default=None)
    signed = Integer(null=True, default=None)
    validated = Integer(null=True, default=None)
    on_time = Integer(null=True, default=None)
    send_backs = Integer(default=0)
    reopens = Integer(default=0)
    first_time_right = Integer(null=True, default=None)
    daily_cost = BigInt(null=True, default=None, help_text="The consultant's cost that month.")


class FigureMissionMonth(Table):
    """Half-days of one consultant-month on one mission (revenue, clients)."""

    id = UUID(primary_key=True)
    timesheet = ForeignKey(references=Timesheet, null=False)
    consultant = ForeignKey(references=Person, null=False)
    organisation = UUID()
    team = UUID(null=True, default=None)
    month = Varchar(length=7)
    status = Varchar(length=20, default="")
    mission = UUID()
    client = UUID(null=True, default=None)
    half_days = Integer()
    daily_cost = BigInt(null=True, default=None, help_text="The consultant's cost that month.")


class FigureDecision(Table):
    """One approver's decision on a month, with how long it waited (`figures_close.Decision`)."""

    id = UUID(primary_key=True)
    timesheet = ForeignKey(references=Timesheet, null=False)
    consultant = ForeignKey(references=Person, null=False)
    organisation = UUID()
    team = UUID(null=True, default=None)
    client = UUID(null=True, default=None)
    month = Varchar(length=7)
    approver = UUID()
    step = Integer()
    step_kind = Varchar(length=20)
    outcome = Varchar(length=20)
    delay = Integer()
    wait = Integer()


class Receipt(Table):
    """A receipt's bytes, once per consultant: `key` is `<person id>:<SHA-256 of the upload>`.

    The hash names the bytes the phone sent, so a retry or a second device of the same person
    finds it stored; what is kept is those bytes with an image's metadata (EXIF, GPS) removed.
    """

    id = UUID(primary_key=True)
    key = Varchar(length=120, unique=True)
    organisation = ForeignKey(references=Organisation, null=False, index=True)
    owner = ForeignKey(references=Person, null=False, index=True)
    sha256 = Varchar(length=64)
    media_type = Varchar(length=40)
    size = Integer()
    content = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class ExpenseClaim(Table):
    """A consultant's expense line, in their monthly expense report, with its decision."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    consultant = ForeignKey(references=Person, null=False, index=True)
    month = Varchar(length=7, help_text="YYYY-MM of spent_on: the report the line is in.")
    spent_on = Date()
    mission = ForeignKey(references=Mission, null=True, default=None, help_text="Null: internal.")
    category = Varchar(length=20, help_text="sync.expenses.Category.")
    vat_lines = JSON(default=[], help_text="[{rate_bp, gross_cents, net_cents, vat_cents}].")
    gross_cents = BigInt()
    net_cents = BigInt()
    vat_cents = BigInt()
    distance_km = Integer(null=True, default=None, help_text="Mileage only.")
    fiscal_power = Integer(null=True, default=None, help_text="Mileage only, in CV.")
    electric = Boolean(default=False)
    comment = Text(default="")
    receipts = JSON(default=[], help_text="SHA-256 ids of the consultant's receipts.")
    status = Varchar(length=20, default="draft", help_text="draft, submitted, approved, refused.")
    refusal_reason = Text(default="")
    decided_by = ForeignKey(references=Person, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    billed_expense = UUID(
        null=True, default=None, help_text="The re-billed Expense row its approval created."
    )
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class MissionExpensePolicy(Table):
    """Whether a mission's approved expenses are re-billed to the client, with what margin."""

    id = UUID(primary_key=True)
    mission = ForeignKey(references=Mission, null=False, unique=True)
    rebill = Boolean(default=False)
    margin_bp = Integer(default=0)


class MissionDiscount(Table):
    """A mission's standing discount, applied to each of its pre-invoices: a percentage (basis
    points) or an amount per pre-invoice, never both; its changes are in the audit trail."""

    id = UUID(primary_key=True)
    mission = ForeignKey(references=Mission, null=False, unique=True)
    percent_bp = Integer(null=True, default=None)
    amount_cents = BigInt(null=True, default=None)
    reason = Text(default="")


class LeaveRequest(Table):
    """A consultant's request for leave (docs/leave.md); its id is chosen by the phone, so a
    request queued offline can be cancelled before it ever reached the server."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    consultant = ForeignKey(references=Person, null=False, index=True)
    kind = Varchar(length=20, help_text="Absence type: CP, RTT or sans_solde.")
    first_day = Date()
    last_day = Date()
    first_afternoon = Boolean(default=False, help_text="Starts at noon on the first day.")
    last_morning = Boolean(default=False, help_text="Ends at noon on the last day.")
    comment = Text(default="")
    status = Varchar(length=20, default="requested", help_text="requested, approved, ...")
    reason = Text(default="", help_text="Why it was refused (or cancelled by the server).")
    filled = JSON(
        default=[],
        help_text='What the approval wrote: [{"date", "before": lines, "after": lines}].',
    )
    decided_by = ForeignKey(references=Person, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)


class LeaveAdjustment(Table):
    """An opening balance or an adjustment of a consultant's leave balance, with its reason."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    consultant = ForeignKey(references=Person, null=False, index=True)
    kind = Varchar(length=20, help_text="Absence type with a balance: CP or RTT.")
    opening = Boolean(default=False, help_text="An opening balance: counting starts on_day.")
    on_day = Date(help_text="From when it counts.")
    half_days = Integer(help_text="Signed, in half-days.")
    reason = Text(default="")
    author = ForeignKey(references=Person, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    notice = Boolean(
        default=False,
        help_text="Not an amount: on_day the person was informed of their carried paid leave "
        "(C. trav. L3141-19-3); half_days is 0.",
    )


class LeaveSettings(Table):
    """An organisation's leave policy (sync/leave.py LeavePolicy); defaults when absent."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, unique=True)
    unit = Varchar(length=20, default="ouvres")
    period_month = Integer(default=6)
    period_day = Integer(default=1)
    rtt_mode = Varchar(length=20, default="none")
    rtt_half_days_per_year = Integer(default=0)
    rtt_weekly_minutes = Integer(default=2100)
    rtt_year_month = Integer(default=1)


# -- people's data rights (issue 17, docs/privacy.md) ------------------------------------------


class AuditPersonal(Table):
    """The personal values of a format-2 audit entry, kept apart from the chain so that an
    erasure deletes them (with their salt) while the entry keeps hashing as recorded."""

    id = UUID(primary_key=True)
    organisation = UUID(index=True)
    seq = BigInt(help_text="The entry's seq in its organisation's chain.")
    key = Varchar(length=80, unique=True, help_text="<organisation id>:<seq>.")
    salt = Bytea(help_text="16 random bytes mixed into each commitment.")
    payload = Text(help_text='Canonical JSON {"/data/comment": value, ...}.')


class RetentionSettings(Table):
    """An organisation's retention periods (`server.domain.privacy.RetentionPolicy`)."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, unique=True)
    periods = JSON(default={}, help_text="Data kind -> days; absent kinds take the default.")


class Erasure(Table):
    """An erasure carried out (RGPD art. 17): who asked it, when, and the answer given."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, index=True)
    person = ForeignKey(references=Person, null=False, unique=True)
    requested_by = ForeignKey(references=Person, null=True, help_text="Null: retention job.")
    erased_at = Timestamptz()
    report = JSON(default={}, help_text="Item by item: erased, pseudonymised or kept, and why.")


class SsoSettings(Table):
    """A firm's OpenID Connect provider for its staff (docs/sso.md); one row per organisation.

    The client secret is stored encrypted (Fernet, key derived from the server's secret key)
    and is never sent back by the API."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, unique=True)
    display_name = Varchar(length=60, help_text="Shown on the sign-in button.")
    issuer = Varchar(length=500, help_text="The provider's issuer URL (discovery base).")
    client_id = Varchar(length=300)
    client_secret = Text(help_text="Fernet token of the client secret; empty for none.")
    allowed_domains = JSON(default=[], help_text="Lower-case e-mail domains accepted.")
    enabled = Boolean(default=False)
    sso_only = Boolean(default=False, help_text="Staff sign in through the provider only.")
    updated_at = Timestamptz(default=TimestamptzNow())


class SsoLogin(Table):
    """An authorization request in flight: state (hashed), nonce and PKCE verifier, bound to
    the browser that started it; single use, short-lived, in the database so that any server
    process can finish what another one started."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    state_hash = Varchar(length=64, unique=True)
    browser_hash = Varchar(length=64)
    nonce = Varchar(length=100)
    code_verifier = Varchar(length=128)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class SsoIdentity(Table):
    """The provider's subject a person signed in with once: later logins map by it, and a
    changed e-mail never moves the identity to someone else."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    person = ForeignKey(references=Person, null=False, index=True)
    subject_key = Varchar(
        length=64, unique=True, help_text="SHA-256 of organisation, issuer and subject."
    )
    issuer = Varchar(length=500)
    subject = Varchar(length=255)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class RateLimitHit(Table):
    """Requests counted in one window for one limit key, shared by every server process."""

    id = UUID(primary_key=True)
    key = Varchar(length=200, unique=True, help_text="<limit>:<firm>:<client>:<slot>.")
    slot = BigInt(index=True, help_text="The window's number (Unix seconds // its length).")
    hits = Integer(default=0)


# -- integrations (issue 17): API tokens and webhooks -------------------------------------------


class ApiToken(Table):
    """A firm's API token for scripts (docs/api.md): only its SHA-256 is kept, the token itself
    was shown once to the administrator who created it."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    hint = Varchar(length=20, help_text="The token's first characters, to tell tokens apart.")
    scopes = JSON(default=[])
    created_by = ForeignKey(references=Person, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(references=Person, null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class WebhookSubscription(Table):
    """A firm's webhook: where to post which events, and the secret that signs them."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, index=True)
    url = Varchar(length=500)
    events = JSON(default=[])
    secret = Varchar(length=100, help_text="HMAC-SHA256 key of the Carnet-Signature header.")
    active = Boolean(default=True)
    created_by = ForeignKey(references=Person, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    disabled_at = Timestamptz(null=True, default=None)


class WebhookDelivery(Table):
    """One attempt to deliver one event to one subscription: the administrator's delivery log.

    ``attempt_key`` (outbox row and attempt number) is unique: one row per claim of the outbox
    row, however often a worker records it."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False)
    subscription = ForeignKey(references=WebhookSubscription, null=False, index=True)
    attempt_key = Varchar(length=80, unique=True)
    event = Varchar(length=40)
    event_id = Varchar(length=64)
    attempt = Integer(default=1)
    at = Timestamptz(index=True)
    status = Integer(null=True, default=None, help_text="The receiver's HTTP status, if any.")
    duration_ms = Integer(default=0)
    outcome = Varchar(length=10, help_text="sent, retry or dropped.")
    error = Varchar(length=300, default="")
    next_at = Timestamptz(null=True, default=None, help_text="When the retry is due.")


class FirmBrand(Table):
    """A firm's brand, white label (docs/brand.md); one row per organisation, none for Carnet's
    own look. Colours were checked for contrast (`server/domain/brand.py`); the logo is a PNG
    re-encoded without its metadata, and the two icons of the web app manifest are made from it
    when it is uploaded."""

    id = UUID(primary_key=True)
    organisation = ForeignKey(references=Organisation, null=False, unique=True)
    app_name = Varchar(length=60, default="", help_text="The app's name; empty: Carnet.")
    short_name = Varchar(length=12, default="", help_text="Under the phone's icon.")
    primary_color = Varchar(length=7, default="", help_text="#rrggbb; empty: Carnet's.")
    accent_color = Varchar(
        length=7, default="", help_text="#rrggbb, the invoice's; empty: primary."
    )
    email_sender_name = Varchar(length=60, default="", help_text="Display name of the From.")
    email_footer = Text(default="", help_text="Below every mail to the firm's people.")
    logo = Bytea(default=b"", help_text="PNG, metadata removed; empty: none.")
    icon_192 = Bytea(default=b"", help_text="192 px square PNG made from the logo.")
    icon_512 = Bytea(default=b"", help_text="512 px square PNG made from the logo.")
    version = Varchar(length=16, default="", help_text="Hash of the whole brand: cache key.")
    updated_at = Timestamptz(default=TimestamptzNow())


TABLES: tuple[type[Table], ...] = (
    Organisation,
    ClientCompany,
    Person,
    PersonRole,
    Mission,
    Milestone,
    ApprovalStep,
    Timesheet,
    DayEntry,
    Invitation,
    Passkey,
    Ceremony,
    Session,
    ServerIdentity,
    SyncSpace,
    SyncClient,
    MutationOutcome,
    DayOverwrite,
    AuditEntry,
    SignatureLink,
    SignatureChallenge,
    SignatureEvidence,
    SelfSignatureChallenge,
    SignerEnrolment,
    PasskeyRegistration,
    SignedPdf,
    AuditAnchor,
    BillingProfile,
    ClientBilling,
    Invoice,
    InvoiceLine,
    InvoiceAdjustment,
    InvoiceSequence,
    Expense,
    MilestoneDelivery,
    Payment,
    LineDiscount,
    ReminderSettings,
    NotificationPreference,
    PushSubscription,
    OutboxItem,
    FigureSettings,
    ConsultantCost,
    FigureRefresh,
    FigureMonth,
    FigureMissionMonth,
    FigureDecision,
    Receipt,
    ExpenseClaim,
    MissionExpensePolicy,
    LeaveRequest,
    LeaveAdjustment,
    LeaveSettings,
    MissionDiscount,
    AuditPersonal,
    RetentionSettings,
    Erasure,
    SsoSettings,
    SsoLogin,
    SsoIdentity,
    RateLimitHit,
    ApiToken,
    WebhookSubscription,
    WebhookDelivery,
    FirmBrand,
)
