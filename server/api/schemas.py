"""Wire schemas of /api/v1: pydantic models, unknown fields refused everywhere.

Whole numbers and text are built from the atoms of `sync/wire.py`, shared with the sync
protocol: every integer is a JSON integer within bounds the columns and the phone hold (Litestar
validates with `strict=False`, which `Whole` is immune to), every free-text field refuses
control characters, and every length limit fits the column it is stored in
(`server/storage/tables.py`).
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from server.domain.imports import RowAction
from server.domain.model import StepKind
from server.domain.roles import Role
from server.domain.team_board import BoardStatus, WaitsOn
from sync.calendar import CalendarRegion
from sync.rules import AbsenceType
from sync.wire import Count, Printable, SafeInt, SmallCount, SmallInt, Whole


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Id = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
"""An id the API sends, typed as the domain and the tables hold it: a UUID's canonical text,
documented as a UUID. Answers take the domain's ids as they are, with no conversion (issue 12:
one type for an id from storage to wire). Request bodies keep `UUID`, which checks what a
client sends."""


def _true_or_false(value: object) -> object:
    if type(value) is not bool:
        msg = "must be true or false"
        raise ValueError(msg)
    return value


def _iso_date(value: object) -> object:
    # Lax pydantic would take a Unix timestamp for a date; the wire speaks ISO strings only.
    if isinstance(value, date):
        return value
    if type(value) is not str or len(value) != 10 or not value.isascii():
        msg = "must be a date written YYYY-MM-DD"
        raise ValueError(msg)
    return value


StrictBool = Annotated[bool, BeforeValidator(_true_or_false)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def stripped(min_length: int = 0) -> AfterValidator:
    """Strip surrounding blanks after the raw value passed its constraints, then ask for
    `min_length` characters besides them (a name of spaces is no name).

    Stripping comes after, not before (`strip_whitespace`), so the length limits the OpenAPI
    document shows apply to what is sent, as the server checks them.
    """

    def strip(value: str) -> str:
        value = value.strip()
        if len(value) < min_length:
            raise PydanticCustomError(
                "string_too_short",
                "must have at least {min} characters besides spaces",
                {"min": min_length},
            )
        return value

    return AfterValidator(strip)


Stripped = stripped()

EMAIL_MAX = 254  # Person.email


def _fits_lower_case(value: str) -> str:
    """Emails are stored lower-case, and lowering can lengthen a text ("İ" becomes two)."""
    if len(value.lower()) > EMAIL_MAX:
        raise PydanticCustomError(
            "string_too_long", "must be at most {max} characters", {"max": EMAIL_MAX}
        )
    return value


# No blank and no control character in any part (the pattern must say it: see sync/wire.py);
# blanks around the address are allowed, and stripped.
_EMAIL_PART = r"[^@\s\u0000-\u001f\u007f-\u009f]+"
Email = Annotated[
    str,
    StringConstraints(
        max_length=EMAIL_MAX,
        pattern=rf"^\s*{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}\s*$",
    ),
    Printable,
    Stripped,
    AfterValidator(_fits_lower_case),
]
# Names and titles: ClientCompany.legal_name, Mission.title, Milestone.label are Varchar(200).
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), Printable, stripped(1)]
# Person.display_name is Varchar(120).
PersonName = Annotated[
    str, StringConstraints(min_length=1, max_length=120), Printable, stripped(1)
]
# Passkey.device_name is Varchar(120).
DeviceName = Annotated[str, StringConstraints(max_length=120), Printable, Stripped]
Address = Annotated[str, StringConstraints(max_length=500), Printable, Stripped]
Comment = Annotated[str, StringConstraints(max_length=2000), Printable]
LineKey = Annotated[str, StringConstraints(min_length=1, max_length=80), Printable]
# [0-9], not \d: pydantic's regex engine matches any Unicode digit with \d.
Siren = Annotated[str, StringConstraints(pattern=r"^[0-9]{9}$")]
Siret = Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$")]
VatNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9A-Z]{2,13}$")]


class FieldProblem(Wire):
    field: str = Field(description="The field, e.g. `lines[0].half_days`, or `body`.")
    code: str
    message: str


class Problem(Wire):
    """An RFC 9457 problem document: every refusal and failure of the API."""

    type: str = Field(description="`urn:carnet:problem:<code>`.")
    title: str
    status: Annotated[int, Whole(ge=400, le=599)]
    detail: str
    code: str = Field(description="What went wrong, for programs (e.g. `version_changed`).")
    errors: list[FieldProblem]


class Empty(Wire):
    """An empty JSON object, for actions that take no parameters."""


class PersonOut(Wire):
    id: Id
    email: str
    display_name: str
    roles: list[Role]
    organisation_name: str | None = None
    manager_id: Id | None = None
    client_company_id: Id | None = None
    client_company_name: str | None = Field(
        default=None, description="A client signer's own company (in the session and /me)."
    )
    active: bool = Field(
        default=True,
        description="False once an administrator deactivated the person: they cannot sign in, "
        "and their history stays.",
    )


class SessionOut(Wire):
    authenticated: bool
    person: PersonOut | None
    demo_mode: bool


class LoginOut(Wire):
    person: PersonOut


class InvitationOut(Wire):
    email: str
    display_name: str
    organisation_name: str
    expires_at: datetime


class CeremonyOut(Wire):
    ceremony_id: Id
    options: dict[str, Any] = Field(
        description="PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON."
    )


class PasskeyRegistration(Wire):
    ceremony_id: UUID
    credential: dict[str, Any] = Field(description="PublicKeyCredential.toJSON() output.")
    device_name: DeviceName = ""


class PasskeyAssertion(Wire):
    ceremony_id: UUID
    credential: dict[str, Any] = Field(description="PublicKeyCredential.toJSON() output.")


class DemoLogin(Wire):
    email: Email


class PasskeyOut(Wire):
    id: Id
    device_name: str
    backed_up: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class OrganisationOut(Wire):
    id: Id
    legal_name: str
    siren: str
    siret: str
    vat_number: str
    address: str
    time_zone: str
    calendar_region: CalendarRegion


class PersonCreate(Wire):
    email: Email
    display_name: PersonName
    roles: Annotated[list[Role], Field(min_length=1, max_length=4)]
    manager_id: UUID | None = None
    client_company_id: UUID | None = None


class RolesUpdate(Wire):
    roles: Annotated[list[Role], Field(min_length=1, max_length=4)]


class InvitedPerson(Wire):
    person: PersonOut
    invitation_url: str
    emailed: bool = Field(
        default=False,
        description="True when the link was also queued to be e-mailed to the person (the "
        "server has an SMTP server); otherwise the administrator passes it on.",
    )


class InvitationLink(Wire):
    invitation_url: str
    emailed: bool = Field(
        default=False,
        description="True when the link was also queued to be e-mailed to the person (the "
        "server has an SMTP server); otherwise the administrator passes it on.",
    )


class ClientCreate(Wire):
    legal_name: Name
    siren: Siren
    vat_number: VatNumber
    billing_address: Address


class ClientOut(ClientCreate):
    id: Id


class ApprovalStepIn(Wire):
    kind: StepKind
    approver_id: UUID


class ApprovalStepOut(Wire):
    kind: StepKind
    approver_id: Id


class MilestoneIn(Wire):
    label: Name
    due_date: IsoDate
    amount_cents: Annotated[int, Whole(ge=1, le=10**12)]


# The client's purchase order reference (bon de commande), as the client wrote it; "" for none.
PurchaseOrder = Annotated[str, StringConstraints(max_length=100), Printable, Stripped]


class MissionCreate(Wire):
    consultant_id: UUID
    client_id: UUID
    title: Name
    start_date: IsoDate
    end_date: IsoDate | None = None
    billing_mode: Literal["regie", "regie_capped", "forfait"]
    daily_rate_cents: Annotated[int, Whole(ge=1, le=10**9)] | None = None
    day_cap_half_days: Annotated[int, Whole(ge=1, le=10**6)] | None = None
    allowed_absences: list[AbsenceType] = Field(default_factory=lambda: list(AbsenceType))
    comments_required: StrictBool = False
    calendar_region: CalendarRegion = CalendarRegion.METROPOLE
    approval_steps: Annotated[list[ApprovalStepIn], Field(min_length=1, max_length=5)]
    milestones: Annotated[list[MilestoneIn], Field(max_length=50)] = Field(default_factory=list)
    purchase_order: PurchaseOrder = ""


class SignerMissionOut(Wire):
    """A mission as a client signer reads it: who, where, when and how days are approved;
    never a price (no rate, cap, billing mode or milestone amounts)."""

    id: Id
    consultant_id: Id
    client_id: Id
    title: str
    start_date: date
    end_date: date | None
    allowed_absences: list[str]
    comments_required: bool
    calendar_region: CalendarRegion
    approval_steps: list[ApprovalStepOut]


class MissionOut(SignerMissionOut):
    """A mission with its commercial terms, for the organisation's own people."""

    billing_mode: str
    daily_rate_cents: SafeInt | None
    day_cap_half_days: SafeInt | None
    milestones: list[MilestoneIn]
    purchase_order: str


class LineIn(Wire):
    line: LineKey = Field(
        description='"mission:<id>" or "absence:<type>" (CP, RTT, maladie, ...).'
    )
    half_days: SmallInt = Field(description="1 = half a day, 2 = a full day.")


class DayIn(Wire):
    lines: Annotated[list[LineIn], Field(max_length=8)]
    comment: Comment = ""


class DayOut(Wire):
    date: date
    lines: list[LineIn]
    comment: str


class CalendarDayOut(Wire):
    date: date
    weekend: bool
    holiday: str | None
    working: bool


class MonthMission(Wire):
    id: Id
    title: str
    client_id: Id
    comments_required: bool
    start_date: date = Field(description="The month's grid offers the mission from this day.")
    end_date: date | None
    calendar_region: CalendarRegion = Field(description="Whose public holidays apply.")


class CircuitStepOut(Wire):
    position: SmallCount
    kind: str = Field(description="manager or client_signer.")
    approver_id: Id
    approver_name: str


class MonthReturnOut(Wire):
    """The last time the month was handed back to its consultant, and why."""

    kind: str = Field(description="sent_back or reopened.")
    comment: str
    by_id: Id
    by_name: str
    at: str = Field(description="UTC, ISO 8601.")


class CircuitOut(Wire):
    steps: list[CircuitStepOut]
    step: SmallCount = Field(description="Index in steps of the step waited on.")
    waiting_on_id: Id | None
    waiting_on_name: str | None
    waiting_on_kind: str | None = Field(
        description="client_signer: approving is a passkey signature, not a plain approval."
    )
    epoch: SmallCount
    ends_as: str | None = Field(description="validated or signed; None without a circuit.")
    last_return: MonthReturnOut | None


class MonthEventOut(Wire):
    """One event of the month's tamper-evident history (docs/validation-circuit.md)."""

    seq: Count = Field(description="Position in the organisation's audit chain.")
    at: str = Field(description="UTC, ISO 8601, exactly as hashed.")
    event: str = Field(description="month.created, month.days_edited, month.submitted, ...")
    actor_id: str = Field(description="A person id, or 'system'.")
    actor_name: str
    device: str | None = Field(description="Sync client id, 'web', or null.")
    data: dict[str, Any]


class CircuitActionIn(Wire):
    """An action on a month's circuit, taken on the version the person reviewed."""

    version: Count = Field(description="MonthOut.version as read before acting.")
    comment: Comment = Field(
        default="", description="Required to send back (what to correct) and to reopen."
    )


class MonthOut(Wire):
    consultant_id: Id
    consultant_name: str
    month: str
    status: str
    step: SmallCount
    waiting_on_id: Id | None
    version: Count
    days: list[DayOut]
    calendar: list[CalendarDayOut]
    missions: list[MonthMission]
    totals: dict[str, SafeInt] = Field(description="Half-days per line over the month.")
    working_days: SmallCount
    circuit: CircuitOut | None = None


class MonthSummary(Wire):
    consultant_id: Id
    consultant_name: str
    month: str
    status: str
    waiting_on_id: Id | None
    version: Count


class TeamMemberOut(Wire):
    """One consultant's month on the team board."""

    consultant_id: Id
    consultant_name: str
    status: BoardStatus = Field(description="not_started: the consultant has no CRA this month.")
    working_days: SmallCount = Field(description="Working days in the consultant's calendar.")
    days_filled: SmallCount = Field(description="Working days holding anything, ½ or whole.")
    half_days: SmallCount = Field(description="Working days holding only half a day.")
    waits_on: WaitsOn | None = Field(
        description="Whose move it is; null once validated or signed."
    )
    waiting_on_id: Id | None
    waiting_on_name: str | None
    version: Count
    clients: list[str] = Field(description="Clients of the missions running that month.")


class TeamMonthOut(Wire):
    """The team board of a month: every consultant in scope, started or not."""

    month: str
    members: list[TeamMemberOut]
    counts: dict[BoardStatus, SmallCount] = Field(description="Consultants per status.")
    blocking: SmallCount = Field(description="Consultants whose month blocks the close.")


class ReminderIn(Wire):
    consultant_id: UUID = Field(description="A consultant of the board whose move it is.")


class ReminderOut(Wire):
    """A reminder put in the notifications outbox (sent by push, else by email)."""

    consultant_id: Id
    month: str
    status: BoardStatus = Field(description="The month's status when reminded.")
    at: datetime


# -- back office: months (issue 14) ------------------------------------------------------------


class SignatureLinkSentOut(Wire):
    """A new signature link was e-mailed to the client signer the month waits on."""

    signer_id: Id
    signer_name: str
    signer_email: str = Field(description="The address on file the link was sent to.")


class AuditVerifyOut(Wire):
    """The organisation's audit chain recomputed (what `carnet audit verify` prints)."""

    ok: bool = Field(description="True when every entry links and every anchor is reached.")
    entries: Count = Field(description="Entries found intact (before the first broken one).")
    first_broken_seq: Count | None = Field(
        description="The first entry that does not fit; null when intact or when only an "
        "anchor is missed (a cut tail)."
    )
    reason: str | None = Field(description="Why the chain is broken; null when ok.")
    anchors: Count = Field(description="Timestamped heads checked.")
    latest_anchor_seq: Count | None
    latest_anchor_at: datetime | None


# -- mission edits (back office, issue 14) ---------------------------------------------------


class MissionUpdate(Wire):
    """A mission's editable terms (PUT replaces them); the billing mode and a forfait's
    milestones stay as created. Closing a mission is setting its end date. The consultant,
    client, start date and cap are optional: absent or null, each is kept as it is."""

    title: Name
    end_date: IsoDate | None = Field(description="null: the mission runs on.")
    daily_rate_cents: Annotated[int, Whole(ge=1, le=10**9)] | None
    allowed_absences: list[AbsenceType]
    comments_required: StrictBool
    calendar_region: CalendarRegion
    approval_steps: Annotated[list[ApprovalStepIn], Field(max_length=5)] = Field(
        description="Empty: the consultant's manager approves alone (as for a mission created "
        "without a circuit)."
    )
    purchase_order: PurchaseOrder | None = Field(
        default=None, description='null or absent: kept as it is; "" removes it.'
    )
    start_date: IsoDate | None = Field(
        default=None,
        description="null or absent: kept. Refused (409) after a day recorded on the mission, "
        "or when the mission would leave or enter a month already handed in.",
    )
    consultant_id: UUID | None = Field(
        default=None,
        description="null or absent: kept. Refused (409) while the mission has a recorded "
        "day (it belongs to its consultant's CRA) or a handed-in month in its period.",
    )
    client_id: UUID | None = Field(
        default=None,
        description="null or absent: kept. Refused (409) while the mission has a recorded "
        "day, a handed-in month in its period, or an issued invoice.",
    )
    day_cap_half_days: Annotated[int, Whole(ge=1, le=10**6)] | None = Field(
        default=None,
        description="A capped régie's cap in half-days; null or absent: kept (ignored for "
        "other modes). Refused (409) once an invoice billing the mission is issued.",
    )
    milestones: Annotated[list[MilestoneIn], Field(max_length=50)] | None = Field(
        default=None,
        description="A forfait's milestones, all of them, in order; null or absent: kept "
        "(ignored for other modes). A delivered milestone must come back unchanged at its "
        "place (409 otherwise).",
    )


# -- the organisation screen, client identity, a person's devices (back office, issue 14) ------

ShortText = Annotated[str, StringConstraints(max_length=200), Printable, Stripped]
# An electronic invoicing address (BT-34/BT-49 of EN 16931), when it is not the SIREN itself,
# e.g. "123456789_FACTURES" on the French directory.
ElectronicAddress = Annotated[str, StringConstraints(max_length=200), Printable, Stripped]
OptionalVatNumber = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}[0-9A-Z]{2,13})?$")]
OptionalIban = Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}[0-9]{2}[A-Z0-9]{10,30})?$")]
OptionalBic = Annotated[str, StringConstraints(pattern=r"^([A-Z0-9]{8}|[A-Z0-9]{11})?$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Postcode = Annotated[str, StringConstraints(max_length=10), Printable, Stripped]
City = Annotated[str, StringConstraints(max_length=100), Printable, Stripped]
# A series prefix: capitals and digits, hyphens inside (the number adds "-<year>-<counter>").
NumberPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9](?:[A-Z0-9-]{0,10}[A-Z0-9])?$")]
Wording = Literal["signature", "attestation"]


class OrganisationProfileIn(Wire):
    """The organisation's legal identity and billing profile, all given (PUT replaces it).
    The server checks the SIREN's and SIRET's check digits, that the SIRET starts with the
    SIREN, that a French VAT number is the SIREN's, the IBAN's check digits, and that a new
    numbering prefix cannot issue a number twice."""

    legal_name: Name
    siren: Siren
    siret: Siret
    vat_number: OptionalVatNumber = Field(description='"" only under the VAT franchise.')
    legal_info: ShortText = Field(default="", description="Legal form, capital, RCS.")
    address_line: ShortText
    postcode: Postcode
    city: City
    country_code: CountryCode = "FR"
    electronic_address: ElectronicAddress = Field(
        default="", description="Electronic invoicing address; empty: the SIREN."
    )
    payment_kind: Literal["net", "end_of_month"] = "net"
    payment_days: Annotated[int, Whole(ge=0, le=60)] = 30
    iban: OptionalIban = ""
    bic: OptionalBic = ""
    vat_franchise: StrictBool = False
    calendar_region: CalendarRegion = Field(
        description="The public holidays of the firm's own people (a mission may set its own)."
    )
    signature_wording: Wording = Field(
        description="What a new client's signer does: sign, or attest the service was done."
    )
    invoice_prefix: NumberPrefix = "FA"
    credit_note_prefix: NumberPrefix = "AV"


class OrganisationProfileOut(OrganisationProfileIn):
    id: Id
    time_zone: str
    next_invoice_number: str = Field(description="The number the next invoice would take.")
    next_credit_note_number: str


class ClientUpdate(Wire):
    """A client's billing identity and approval wording, all given (PUT replaces them)."""

    legal_name: Name
    siren: Siren
    vat_number: VatNumber
    billing_address: Address
    electronic_address: ElectronicAddress = ""
    country_code: CountryCode = Field(
        default="FR", description="An EU country other than FR: VAT is reverse-charged."
    )
    signature_wording: Wording = "signature"
    buyer_reference: PurchaseOrder = Field(
        default="",
        description="The client's own reference for its invoices (EN 16931 BT-10, e.g. a "
        "service code or a buyer's reference); printed on and carried by each invoice issued.",
    )
    payment_kind: Literal["net", "end_of_month"] | None = Field(
        default=None,
        description="With payment_days, the terms the client's invoices fall due on. null or "
        "absent: kept. Terms other than those in force become the client's own (until then it "
        "pays on the organisation's).",
    )
    payment_days: Annotated[int, Whole(ge=0, le=60)] | None = Field(
        default=None,
        description="Days after the invoice date (net) or to the end of the month; at most 60 "
        "net, 45 end of month (C. com. L441-10). null or absent: kept.",
    )

    own_payment_terms: StrictBool | None = Field(
        default=None,
        description="Read-only (see the reply); ignored when sent, so that a client read "
        "with GET can be sent back with its new values.",
    )


class ClientProfileOut(ClientUpdate):
    id: Id
    reverse_charge: bool = Field(description="True for an EU client outside France.")
    payment_kind: Literal["net", "end_of_month"]
    payment_days: SmallInt
    own_payment_terms: StrictBool = Field(
        description="False: the client pays on the organisation's terms (shown above)."
    )


class PasskeyRevokeIn(Wire):
    confirm_last: StrictBool = Field(
        default=False,
        description="Required to revoke the person's last passkey in use: they then cannot "
        "sign in until they register one from a new invitation link.",
    )


class DeviceSessionOut(Wire):
    id: Id
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool = Field(description="The session this request came with.")


class SyncDeviceOut(Wire):
    id: Id = Field(description="The id the device generated for synchronisation.")
    last_seen_at: datetime


class PersonDevicesOut(Wire):
    """A person's passkeys (revoked ones kept: past signatures refer to them), open sessions,
    and the devices that synchronised their months."""

    person_id: Id
    passkeys: list[PasskeyOut]
    sessions: list[DeviceSessionOut]
    sync_devices: list[SyncDeviceOut]


# -- spreadsheet import (back office, issue 14) ------------------------------------------------

IMPORT_MAX_BASE64 = 4_000_000
"""Base64 characters of a file to import: room above the 2 MB the import takes
(server/services/import_files.py MAX_BYTES), so a larger file gets the import's own refusal."""


class ImportIn(Wire):
    """A spreadsheet to import, sent inside JSON (the API reads JSON bodies only)."""

    file_name: Annotated[str, StringConstraints(max_length=255), Printable] = Field(
        default="",
        description="The file's name, e.g. `consultants.csv` (its type is read from "
        "the bytes; the name only helps refuse an .xls or .ods).",
    )
    content_base64: Annotated[
        str, StringConstraints(min_length=1, max_length=IMPORT_MAX_BASE64)
    ] = Field(
        description="The file's bytes in base64: CSV (UTF-8 or Windows-1252, `;` or `,`) "
        "or XLSX; 2 MB at most."
    )
    dry_run: StrictBool = Field(
        default=True,
        description="True (the default): check every row and report, writing nothing. False: "
        "import, all or nothing.",
    )


class ImportRowError(Wire):
    row: Annotated[int, Whole(ge=1, le=10**6)] = Field(
        description="The spreadsheet's row number (the header is row 1)."
    )
    column: str = Field(description="The column as the file names it ('' for the whole row).")
    field: str = Field(description="The record's field, e.g. `email`, `daily_rate`.")
    code: str = Field(description="Stable reason, e.g. `invalid_date`, `unknown_person`.")
    message: str


class ImportRowOut(Wire):
    row: Annotated[int, Whole(ge=1, le=10**6)]
    action: RowAction = Field(description="skip: already in the organisation, left as it is.")
    cells: list[str] = Field(description="The row's cells, in the order of `columns`.")
    label: str = Field(default="", description="The row's e-mail, legal name or title.")
    id: Id | None = Field(default=None, description="The record created (import only).")
    invitation_url: str | None = Field(
        default=None, description="An imported person's invitation link (import only)."
    )


class ImportOut(Wire):
    kind: Literal["people", "clients", "missions"]
    dry_run: bool
    imported: bool = Field(description="True once the rows are written (never on a dry run).")
    columns: list[str] = Field(description="The file's headers.")
    ignored_columns: list[str] = Field(description="Headers the import does not read.")
    counts: dict[str, SafeInt] = Field(description="rows, create, skip, error.")
    rows: list[ImportRowOut]
    errors: list[ImportRowError]
    emailed: bool = Field(
        description="Imported people get their invitation by e-mail (the server can mail)."
    )


# -- a firm's brand, white label (docs/brand.md) -------------------------------------------------

BrandText = Annotated[str, StringConstraints(max_length=120), Printable]
BrandColour = Annotated[str, StringConstraints(max_length=20), Printable]


class BrandIn(Wire):
    """The firm's names, colours and mail texts, saved whole; empty keeps Carnet's default."""

    app_name: BrandText = Field(default="", description="The app's name (≤ 60); empty: Carnet.")
    short_name: BrandText = Field(default="", description="Under the phone's icon (≤ 12).")
    primary_color: BrandColour = Field(
        description="#rrggbb; white text on it must reach 4.5:1 (WCAG 2.1 SC 1.4.3, AA)."
    )
    accent_color: BrandColour = Field(
        default="", description="#rrggbb of the invoice's titles, same rule; empty: primary."
    )
    email_sender_name: BrandText = Field(
        default="", description="Display name of the mails' sender (≤ 60); empty: Carnet."
    )
    email_footer: Annotated[str, StringConstraints(max_length=1000), Printable] = Field(
        default="", description="Below every mail to the firm's people (≤ 500)."
    )


class BrandLogoIn(Wire):
    """A PNG logo (no SVG), ≤ 200 KB, 64 to 2048 px a side, base64."""

    png_base64: Annotated[str, StringConstraints(min_length=1, max_length=280_000)]


class BrandOut(Wire):
    """The brand the firm's host shows: Carnet's own where the firm set nothing."""

    app_name: str
    short_name: str
    primary_color: str
    accent_color: str
    invoice_color: str
    email_sender_name: str
    email_footer: str
    logo_url: str | None = Field(description="The logo (PNG), or null for none.")
    version: str = Field(description="Changes with any change of the brand.")
    customised: bool = Field(description="False: Carnet's own look.")


class PersonActivityOut(Wire):
    """When a member of the firm was last seen, for the People list."""

    person_id: Id
    last_active_at: datetime = Field(
        description="The latest of a passkey registered or used, a request, a phone's sync."
    )
