"""Which apprentices and credentials a staff member sees: their sponsor's, and for a
journeyworker only the apprentices assigned to them; anything else is not found."""

from __future__ import annotations


from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from issuer.delivery.models import Delivery
from issuer.issuance.models import IssuedCredential
from issuer.portal.models import Assignment
from issuer.progress.models import Apprentice, Enrollment
from issuer.portal.roles import StaffView


# --- who sees which apprentice ---------------------------------------------------------------

def _assigned(staff_id: int):
    return select(Assignment.apprentice_id).where(Assignment.staff_id == staff_id)


def visible_apprentice(session: Session, viewer: StaffView, apprentice_id: str) -> Apprentice | None:
    """The apprentice if the viewer may see them: same sponsor, and assigned to a journeyworker.
    Anything else is None, which the web layer answers as 404 (not even existence leaks)."""
    apprentice = session.get(Apprentice, apprentice_id) if len(apprentice_id or "") <= 36 else None
    if apprentice is None or apprentice.sponsor_id != viewer.sponsor_id:
        return None
    if viewer.role == "journeyworker" and session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.staff_id == viewer.id, Assignment.apprentice_id == apprentice.id)) == 0:
        return None
    return apprentice


PAGE_SIZE = 50


def search_apprentices(session: Session, viewer: StaffView, text: str = "", program: str = "", cohort: str = "",
                       page: int = 1) -> tuple[list[tuple[Apprentice, list[Enrollment]]], bool]:
    """(apprentices with their enrollments, whether there is a next page), by name, email or
    the sponsor's own id, program and cohort."""
    query = select(Apprentice).where(Apprentice.sponsor_id == viewer.sponsor_id)
    if viewer.role == "journeyworker":
        query = query.where(Apprentice.id.in_(_assigned(viewer.id)))
    if text.strip():
        like = f"%{text.strip().lower()[:100]}%"
        query = query.where(or_(func.lower(Apprentice.name).like(like), func.lower(Apprentice.email).like(like),
                                func.lower(Apprentice.external_id).like(like)))
    if program or cohort:
        enrolled = select(Enrollment.apprentice_id)
        if program:
            enrolled = enrolled.where(Enrollment.program_id == program)
        if cohort:
            enrolled = enrolled.where(Enrollment.cohort == cohort)
        query = query.where(Apprentice.id.in_(enrolled))
    rows = list(session.scalars(query.order_by(Apprentice.name, Apprentice.id)
                                .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    enrollments = enrollments_of(session, [a.id for a in rows[:PAGE_SIZE]])
    return [(a, enrollments.get(a.id, [])) for a in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def enrollments_of(session: Session, apprentice_ids: list[str]) -> dict[str, list[Enrollment]]:
    out: dict[str, list[Enrollment]] = {}
    if apprentice_ids:
        for e in session.scalars(select(Enrollment).where(Enrollment.apprentice_id.in_(apprentice_ids))
                                 .order_by(Enrollment.id)):
            out.setdefault(e.apprentice_id, []).append(e)
    return out


def cohorts(session: Session, sponsor_id: int) -> list[str]:
    return sorted(c for c in session.scalars(
        select(Enrollment.cohort).distinct().join(Apprentice, Apprentice.id == Enrollment.apprentice_id)
        .where(Apprentice.sponsor_id == sponsor_id, Enrollment.cohort.is_not(None))) if c)




def enrollment_of(session: Session, apprentice: Apprentice, enrollment_id: int | str | None) -> Enrollment | None:
    try:
        wanted = int(enrollment_id) if enrollment_id not in (None, "") else None
    except (TypeError, ValueError):
        return None
    rows = list(session.scalars(select(Enrollment).where(Enrollment.apprentice_id == apprentice.id)
                                .order_by(Enrollment.id)))
    if wanted is None:
        return rows[0] if len(rows) == 1 else None
    return next((e for e in rows if e.id == wanted), None)




def credentials_of(session: Session, apprentice: Apprentice) -> list[IssuedCredential]:
    return list(session.scalars(select(IssuedCredential).where(IssuedCredential.apprentice_id == apprentice.id)
                                .order_by(IssuedCredential.issued_at)))


def sponsor_credentials(session: Session, viewer: StaffView) -> list[tuple[IssuedCredential, Apprentice]]:
    """The sponsor's credentials, newest first (a journeyworker's: their apprentices' only)."""
    query = (select(IssuedCredential, Apprentice).join(Apprentice, Apprentice.id == IssuedCredential.apprentice_id)
             .where(IssuedCredential.sponsor_id == viewer.sponsor_id))
    if viewer.role == "journeyworker":
        query = query.where(Apprentice.id.in_(_assigned(viewer.id)))
    return [(c, a) for c, a in session.execute(query.order_by(IssuedCredential.issued_at.desc()).limit(500))]


def claimed(session: Session, credential_id: str) -> bool:
    """Whether a copy is in the apprentice's wallet: one was handed out (delivery records each)
    and the wallet has not since reported it failed or deleted (OpenID4VCI notifications)."""
    return session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.credential_id == credential_id,
        or_(Delivery.wallet_event.is_(None), Delivery.wallet_event == "credential_accepted"))) > 0
