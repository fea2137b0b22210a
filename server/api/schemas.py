"""Wire schemas of /api/v1: pydantic models, unknown fields refused everywhere."""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from server.domain.roles import Role
from sync.calendar import CalendarRegion
from sync.rules import AbsenceType


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Siren = Annotated[str, StringConstraints(pattern=r"^\d{9}$")]
Siret = Annotated[str, StringConstraints(pattern=r"^\d{14}$")]
VatNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}[0-9A-Z]{2,13}$")]


class Empty(Wire):
    """An empty JSON object, for actions that take no parameters."""


class PersonOut(Wire):
    id: UUID
    email: str
    display_name: str
    roles: list[Role]
    organisation_name: str | None = None
    manager_id: UUID | None = None
    client_company_id: UUID | None = None


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
    ceremony_id: UUID
    options: dict[str, Any] = Field(
        description="PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON."
    )


class PasskeyRegistration(Wire):
    ceremony_id: UUID
    credential: dict[str, Any] = Field(description="PublicKeyCredential.toJSON() output.")
    device_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""


class PasskeyAssertion(Wire):
    ceremony_id: UUID
    credential: dict[str, Any] = Field(description="PublicKeyCredential.toJSON() output.")


class DemoLogin(Wire):
    email: Email


class PasskeyOut(Wire):
    id: UUID
    device_name: str
    backed_up: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class OrganisationOut(Wire):
    id: UUID
    legal_name: str
    siren: str
    siret: str
    vat_number: str
    address: str
    time_zone: str
    calendar_region: CalendarRegion


class PersonCreate(Wire):
    email: Email
    display_name: Name
    roles: Annotated[list[Role], Field(min_length=1, max_length=4)]
    manager_id: UUID | None = None
    client_company_id: UUID | None = None


class RolesUpdate(Wire):
    roles: Annotated[list[Role], Field(min_length=1, max_length=4)]


class InvitedPerson(Wire):
    person: PersonOut
    invitation_url: str


class InvitationLink(Wire):
    invitation_url: str


class ClientCreate(Wire):
    legal_name: Name
    siren: Siren
    vat_number: VatNumber
    billing_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class ClientOut(ClientCreate):
    id: UUID


class ApprovalStepIn(Wire):
    kind: Literal["manager", "client_signer"]
    approver_id: UUID


class MilestoneIn(Wire):
    label: Name
    due_date: date
    amount_cents: Annotated[StrictInt, Field(ge=1, le=10**12)]


class MissionCreate(Wire):
    consultant_id: UUID
    client_id: UUID
    title: Name
    start_date: date
    end_date: date | None = None
    billing_mode: Literal["regie", "regie_capped", "forfait"]
    daily_rate_cents: Annotated[StrictInt, Field(ge=1, le=10**9)] | None = None
    day_cap_half_days: Annotated[StrictInt, Field(ge=1, le=10**6)] | None = None
    allowed_absences: list[AbsenceType] = Field(default_factory=lambda: list(AbsenceType))
    comments_required: bool = False
    calendar_region: CalendarRegion = CalendarRegion.METROPOLE
    approval_steps: Annotated[list[ApprovalStepIn], Field(min_length=1, max_length=5)]
    milestones: Annotated[list[MilestoneIn], Field(max_length=50)] = Field(default_factory=list)


class MissionOut(Wire):
    id: UUID
    consultant_id: UUID
    client_id: UUID
    title: str
    start_date: date
    end_date: date | None
    billing_mode: str
    daily_rate_cents: int | None
    day_cap_half_days: int | None
    allowed_absences: list[str]
    comments_required: bool
    calendar_region: CalendarRegion
    approval_steps: list[ApprovalStepIn]
    milestones: list[MilestoneIn]


class LineIn(Wire):
    line: Annotated[str, StringConstraints(min_length=1, max_length=80)] = Field(
        description='"mission:<id>" or "absence:<type>" (CP, RTT, maladie, ...).'
    )
    half_days: StrictInt = Field(description="1 = half a day, 2 = a full day.")


class DayIn(Wire):
    lines: Annotated[list[LineIn], Field(max_length=8)]
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""


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
    id: UUID
    title: str
    client_id: UUID
    comments_required: bool


class MonthOut(Wire):
    consultant_id: UUID
    consultant_name: str
    month: str
    status: str
    step: int
    waiting_on_id: UUID | None
    version: int
    days: list[DayOut]
    calendar: list[CalendarDayOut]
    missions: list[MonthMission]
    totals: dict[str, int] = Field(description="Half-days per line over the month.")
    working_days: int


class MonthSummary(Wire):
    consultant_id: UUID
    consultant_name: str
    month: str
    status: str
    waiting_on_id: UUID | None
    version: int
