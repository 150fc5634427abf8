"""Finding, adding and enrolling apprentices. (Recording an entry, which issues what it earns
in the same transaction, is `issuer.workflow.earning.record_entry`.)"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import audit
from issuer.programs import catalog
from issuer.programs.models import ProgramVersion
from issuer.progress.models import Apprentice, Enrollment
from issuer.progress.recording import ProgressError
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import sponsor_programs


# Our apprentice ids are UUIDs; a sponsor's own ids of another length are never looked up as ours.
OUR_ID_LENGTH = 36


def find_apprentice(session: Session, sponsor: Sponsor, apprentice_id: str) -> Apprentice | None:
    """By our id or the sponsor's own id; another sponsor's apprentice is simply not found."""
    row = session.get(Apprentice, apprentice_id) if len(apprentice_id) == OUR_ID_LENGTH else None
    if row is not None and row.sponsor_id == sponsor.id:
        return row
    return session.scalars(select(Apprentice).where(Apprentice.sponsor_id == sponsor.id,
                                                    Apprentice.external_id == apprentice_id)).first()


def upsert_apprentice(session: Session, sponsor: Sponsor, external_id: str, name: str | None,
                      email: str | None, did: str | None) -> Apprentice:
    return find_apprentice(session, sponsor, external_id) or add_apprentice(session, sponsor, external_id, name,
                                                                           email, did)


def add_apprentice(session: Session, sponsor: Sponsor, external_id: str, name: str | None,
                   email: str | None, did: str | None) -> Apprentice:
    """A new apprentice of `sponsor` (the caller knows there is none with this id)."""
    apprentice = new_apprentice(session, sponsor, external_id, name, email, did)
    session.flush()
    return apprentice


def new_apprentice(session: Session, sponsor: Sponsor, external_id: str, name: str | None,
                   email: str | None, did: str | None) -> Apprentice:
    """`add_apprentice` without the flush: a caller adding many writes them in one insert."""
    if not name:
        raise ProgressError("apprentice_name", f"new apprentice {external_id!r} needs a name")
    if not email and not did:
        raise ProgressError("apprentice_email", f"new apprentice {external_id!r} needs an email or a DID")
    if did and not did.startswith("did:"):
        raise ProgressError("apprentice_did", f"{did!r} is not a DID")
    apprentice = Apprentice(id=str(uuid.uuid4()), sponsor_id=sponsor.id, external_id=external_id, name=name,
                            email=email or None, did=did or None)
    session.add(apprentice)
    return apprentice


def enroll(session: Session, sponsor: Sponsor, apprentice: Apprentice, program_id: str,
           start_date: date | None = None, cohort: str | None = None, *, new: bool = False,
           programs: list[str] | None = None) -> Enrollment:
    """The apprentice's enrolment in the program, made when there is none (`new`: the caller
    knows there is none; `programs`: the sponsor's programs, when the caller has read them)."""
    existing = None if new else session.scalars(select(Enrollment).where(
        Enrollment.apprentice_id == apprentice.id, Enrollment.program_id == program_id)).first()
    if existing:
        return existing
    if program_id not in (programs if programs is not None else sponsor_programs(session, sponsor)):
        raise ProgressError("program", f"unknown program {program_id!r} for this sponsor")
    enrollment = new_enrollment(session, sponsor, apprentice, catalog.latest_program(session, program_id),
                                start_date, cohort)
    session.flush()
    return enrollment


def new_enrollment(session: Session, sponsor: Sponsor, apprentice: Apprentice, program: ProgramVersion,
                   start_date: date | None = None, cohort: str | None = None) -> Enrollment:
    """A new enrolment in `program` (the sponsor's, checked by the caller), not yet flushed: a
    caller enrolling many writes them in one insert."""
    enrollment = Enrollment(apprentice_id=apprentice.id, program_id=program.program_id, program_version_id=program.id,
                            start_date=start_date or date.today(), cohort=cohort)
    session.add(enrollment)
    audit.record(session, sponsor.id, "apprentice.enrolled", f"apprentice:{apprentice.id}", program=program.program_id,
                 cohort=cohort, start_date=enrollment.start_date)
    return enrollment
