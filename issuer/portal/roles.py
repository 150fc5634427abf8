"""Who staff are and what they may do: the roles, the permission of each, the signed-in member as
plain values (StaffView), and the refusal every portal service raises (PortalError)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from issuer.errors import LerError
from issuer.portal.models import StaffAccount
from issuer.sponsors.models import Sponsor


ROLES = ("administrator", "coordinator", "journeyworker", "viewer")
ROLE_LABELS = {"administrator": "Administrator", "coordinator": "Coordinator",
               "journeyworker": "Journeyworker", "viewer": "Viewer"}

# What each role may do; "view" is reading the sponsor's programs, apprentices and credentials
# (a journeyworker's reading is further limited to the apprentices assigned to them).
PERMISSIONS = {
    "view": set(ROLES),
    "enrol": {"administrator", "coordinator"},
    "record": {"administrator", "coordinator"},
    "assign": {"administrator", "coordinator"},
    "batches": {"administrator", "coordinator"},
    "sign_off": {"journeyworker"},
    "revoke": {"administrator"},
    "deliver": {"administrator", "coordinator"},
    "keys": {"administrator"},
    "staff": {"administrator"},
    "audit": {"administrator"},
}

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}")


class PortalError(LerError):
    """A request the portal refuses; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def can(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


@dataclass(frozen=True)
class StaffView:
    """The signed-in staff member, as plain values a request can keep."""
    id: int
    sponsor_id: int
    sponsor_name: str
    email: str
    name: str
    role: str
    totp_enabled: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def attestation(self) -> str:
        """How a sign-off names its journeyworker in the ledger and the credential's evidence."""
        return f"{self.name} ({self.role_label})"

    @property
    def audit_label(self) -> str:
        return staff_label(self)

    def can(self, permission: str) -> bool:
        return can(self.role, permission)


def staff_label(staff: StaffAccount | StaffView) -> str:
    """Who a staff member is in the audit log."""
    return f"{staff.name} <{staff.email}> ({staff.role})"


def staff_view(session: Session, staff: StaffAccount) -> StaffView:
    sponsor = session.get(Sponsor, staff.sponsor_id)
    return StaffView(staff.id, staff.sponsor_id, sponsor.name, staff.email, staff.name, staff.role,
                     staff.totp_secret is not None)


def normalise_email(email: str | None) -> str:
    value = (email or "").strip().lower()
    if len(value) > 320 or not _EMAIL.fullmatch(value):
        raise PortalError(f"{email!r} is not an email address", field="email")
    return value
