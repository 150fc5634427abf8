"""Staff accounts, kept by a sponsor's administrators: creating one (with its set-password
link), changing a role or switching an account off, and assigning journeyworkers to apprentices.

Every change writes its audit row in the caller's transaction (`issuer.audit.record`)."""

from __future__ import annotations


from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer import audit
from issuer.portal import security
from issuer.portal.models import Assignment, StaffAccount
from issuer.progress.models import Apprentice
from issuer.sponsors.models import Sponsor
from issuer.portal.roles import PortalError, StaffView, normalise_email, ROLES


MAX_NAME = 120


def _clean_name(name: str | None) -> str:
    value = " ".join((name or "").split())
    if not value:
        raise PortalError("a name is required", field="name")
    if len(value) > MAX_NAME:
        raise PortalError(f"the name is longer than {MAX_NAME} characters", field="name")
    return value


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise PortalError(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


# --- staff accounts ------------------------------------------------------------------------

def create_staff(session: Session, sponsor: Sponsor, email: str, name: str, role: str) -> tuple[StaffAccount, str]:
    """A new staff account without a password, and its one-time set-password token."""
    email, name, role = normalise_email(email), _clean_name(name), _check_role(role)
    # Accounts are the sponsor's own (unique per sponsor and address), so whether the address
    # has an account at another sponsor changes nothing here: the same new account, the same
    # answer, the same work. Only this sponsor's own staff list is consulted.
    taken = session.scalars(select(StaffAccount.id).where(StaffAccount.sponsor_id == sponsor.id,
                                                          StaffAccount.email == email)).first()
    if taken is not None:
        raise PortalError("this address is on your staff already (see the list below); send them a new "
                          "password link from there", status=409, field="email")
    staff = StaffAccount(sponsor_id=sponsor.id, email=email, name=name, role=role, active=True)
    session.add(staff)
    session.flush()
    audit.record(session, sponsor.id, "staff.created", f"staff:{staff.id}", email=email, name=name, role=role)
    return staff, password_link(session, staff)


def password_link(session: Session, staff: StaffAccount) -> str:
    token = security.issue_link_token(session, "password", security.PASSWORD_LINK_LIFETIME, staff_id=staff.id)
    audit.record(session, staff.sponsor_id, "staff.password_link", f"staff:{staff.id}", email=staff.email)
    return token


def staff_of(session: Session, sponsor_id: int, staff_id: int) -> StaffAccount:
    staff = session.get(StaffAccount, staff_id)
    if staff is None or staff.sponsor_id != sponsor_id:
        raise PortalError("no such staff member", status=404)
    return staff


def _administrators_left(session: Session, sponsor_id: int, without: int) -> int:
    return session.scalar(select(func.count()).select_from(StaffAccount).where(
        StaffAccount.sponsor_id == sponsor_id, StaffAccount.role == "administrator",
        StaffAccount.active.is_(True), StaffAccount.id != without))


def change_staff(session: Session, actor: StaffView, staff_id: int, *, role: str | None = None,
                 active: bool | None = None) -> StaffAccount:
    """Change a colleague's role or switch their account off or on; they are signed out."""
    staff = staff_of(session, actor.sponsor_id, staff_id)
    changes = {}
    if role is not None and _check_role(role) != staff.role:
        changes["role"] = [staff.role, role]
    if active is not None and active != staff.active:
        changes["active"] = [staff.active, active]
    if not changes:
        return staff
    losing_admin = staff.role == "administrator" and staff.active and (
        changes.get("role", [None, "administrator"])[1] != "administrator" or active is False)
    if losing_admin and not _administrators_left(session, actor.sponsor_id, staff.id):
        raise PortalError("the sponsor would have no administrator left", status=409)
    if role is not None:
        staff.role = role
    if active is not None:
        staff.active = active
    security.end_staff_sessions(session, staff.id)
    audit.record(session, actor.sponsor_id, "staff.changed", f"staff:{staff.id}", email=staff.email, **changes)
    return staff




def journeyworkers(session: Session, sponsor_id: int) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).where(
        StaffAccount.sponsor_id == sponsor_id, StaffAccount.role == "journeyworker",
        StaffAccount.active.is_(True)).order_by(StaffAccount.name)))


def assigned_journeyworkers(session: Session, apprentice: Apprentice) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).join(Assignment, Assignment.staff_id == StaffAccount.id)
                                .where(Assignment.apprentice_id == apprentice.id).order_by(StaffAccount.name)))


def assign(session: Session, actor: StaffView, apprentice: Apprentice, staff_id: int, on: bool) -> None:
    staff = staff_of(session, actor.sponsor_id, staff_id)
    if staff.role != "journeyworker":
        raise PortalError("only journeyworkers are assigned to apprentices", field="staff")
    row = session.scalars(select(Assignment).where(Assignment.staff_id == staff.id,
                                                   Assignment.apprentice_id == apprentice.id)).first()
    if on and row is None:
        session.add(Assignment(sponsor_id=actor.sponsor_id, staff_id=staff.id, apprentice_id=apprentice.id))
    elif not on and row is not None:
        session.delete(row)
    else:
        return
    session.flush()
    audit.record(session, actor.sponsor_id, "assignment.added" if on else "assignment.removed",
                 f"apprentice:{apprentice.id}", journeyworker=staff.email)
