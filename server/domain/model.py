"""Records the services exchange with storage: plain frozen dataclasses, no ORM objects."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from server.domain.roles import Role

StepKind = Literal["manager", "client_signer"]
"""Who approves a step of a month's circuit: the consultant's manager or a client signer."""

LeaveStatus = Literal["requested", "approved", "refused", "cancelled"]
"""Where a leave request stands (docs/leave.md)."""


@dataclass(frozen=True)
class Organisation:
    id: str
    legal_name: str
    siren: str
    siret: str
    vat_number: str
    address: str
    time_zone: str
    calendar_region: str


@dataclass(frozen=True)
class ClientCompany:
    id: str
    organisation_id: str
    legal_name: str
    siren: str
    vat_number: str
    billing_address: str


@dataclass(frozen=True)
class Person:
    id: str
    organisation_id: str
    email: str
    display_name: str
    roles: frozenset[Role]
    manager_id: str | None
    client_company_id: str | None
    active: bool
    webauthn_user_handle: bytes = b""


@dataclass(frozen=True)
class ApprovalStep:
    position: int
    kind: StepKind
    approver_id: str


@dataclass(frozen=True)
class Milestone:
    position: int
    label: str
    due_date: date
    amount_cents: int


@dataclass(frozen=True)
class Mission:
    id: str
    organisation_id: str
    consultant_id: str
    client_id: str
    title: str
    start_date: date
    end_date: date | None
    billing_mode: str
    daily_rate_cents: int | None
    day_cap_half_days: int | None
    allowed_absences: tuple[str, ...]
    comments_required: bool
    calendar_region: str
    steps: tuple[ApprovalStep, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    purchase_order: str = ""
    """The client's purchase order reference (bon de commande), "" when there is none."""


@dataclass(frozen=True)
class DayRecord:
    date: date
    lines: tuple[tuple[str, int], ...]
    comment: str


@dataclass(frozen=True)
class Timesheet:
    id: str
    consultant_id: str
    month: str
    status: str
    step: int
    waiting_on_id: str | None
    epoch: int
    version: int
    days: tuple[DayRecord, ...] = field(default=())


@dataclass(frozen=True)
class Invitation:
    id: str
    person_id: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class Passkey:
    id: str
    person_id: str
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: tuple[str, ...]
    device_name: str
    backed_up: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class Ceremony:
    id: str
    purpose: str
    challenge: bytes
    person_id: str | None
    invitation_id: str | None
    expires_at: datetime
    used_at: datetime | None
