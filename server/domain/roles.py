"""Roles and the acting person, as the access rules see them."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a person may do in their organisation.

    Members:
        CONSULTANT: fills their own CRAs.
        MANAGER: sees and approves the CRAs of their team.
        ADMIN: runs the organisation: people, clients, missions, invoices.
        CLIENT_SIGNER: a customer's signer; sees only the CRAs waiting on them.
    """

    CONSULTANT = "consultant"
    MANAGER = "manager"
    ADMIN = "admin"
    CLIENT_SIGNER = "client_signer"


@dataclass(frozen=True)
class Actor:
    """The logged-in person a request acts for."""

    person_id: str
    organisation_id: str
    roles: frozenset[Role]
    client_company_id: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles
