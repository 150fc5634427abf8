"""Enrolling apprentices and recording ledger entries; each entry triggers issuance in the
same transaction, so an entry is never committed without the credentials it earns."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.errors import LerError
from issuer.issuance.services import IssuanceContext, IssuanceOutcome, issue_earned, rule_entries
from issuer import audit
from issuer.programs import catalog
from issuer.programs.models import ProgramVersion
from issuer.progress.models import Apprentice, Enrollment, LedgerEntry
from issuer.progress.validation import EntryError, validate_entry
from issuer.rules import LedgerError, effective_ledger
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import sponsor_programs


class ProgressError(LerError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class RecordOutcome:
    entry: LedgerEntry | None
    duplicate: bool = False
    issuance: IssuanceOutcome = field(default_factory=IssuanceOutcome)


def find_apprentice(session: Session, sponsor: Sponsor, apprentice_id: str) -> Apprentice | None:
    """By our id or the sponsor's own id; another sponsor's apprentice is simply not found."""
    row = session.get(Apprentice, apprentice_id)
    if row is not None and row.sponsor_id == sponsor.id:
        return row
    return session.scalars(select(Apprentice).where(Apprentice.sponsor_id == sponsor.id,
                                                    Apprentice.external_id == apprentice_id)).first()


def upsert_apprentice(session: Session, sponsor: Sponsor, external_id: str, name: str | None,
                      email: str | None, did: str | None) -> Apprentice:
    apprentice = find_apprentice(session, sponsor, external_id)
    if apprentice is None:
        if not name:
            raise ProgressError("apprentice_name", f"new apprentice {external_id!r} needs a name")
        if not email and not did:
            raise ProgressError("apprentice_email", f"new apprentice {external_id!r} needs an email or a DID")
        if did and not did.startswith("did:"):
            raise ProgressError("apprentice_did", f"{did!r} is not a DID")
        apprentice = Apprentice(id=str(uuid.uuid4()), sponsor_id=sponsor.id, external_id=external_id, name=name,
                                email=email or None, did=did or None)
        session.add(apprentice)
        session.flush()
    return apprentice


def enroll(session: Session, sponsor: Sponsor, apprentice: Apprentice, program_id: str,
           start_date: date | None = None, cohort: str | None = None) -> Enrollment:
    existing = session.scalars(select(Enrollment).where(Enrollment.apprentice_id == apprentice.id,
                                                        Enrollment.program_id == program_id)).first()
    if existing:
        return existing
    if program_id not in sponsor_programs(session, sponsor):
        raise ProgressError("program", f"unknown program {program_id!r} for this sponsor")
    program = catalog.latest_program(session, program_id)
    enrollment = Enrollment(apprentice_id=apprentice.id, program_id=program_id, program_version_id=program.id,
                            start_date=start_date or date.today(), cohort=cohort)
    session.add(enrollment)
    session.flush()
    audit.record(session, sponsor.id, "apprentice.enrolled", f"apprentice:{apprentice.id}", program=program_id,
                 cohort=cohort, start_date=enrollment.start_date)
    return enrollment


def fingerprint(entry_type, item, value, entry_date, signed_off_by, corrects, action) -> str:
    payload = json.dumps([entry_type, item, value, entry_date.isoformat(), signed_off_by or "", corrects, action])
    return hashlib.sha256(payload.encode()).hexdigest()


HOUR_TYPES = ("ojl_hours", "rti_hours")
MAX_HOURS_PER_DAY = Decimal(24)


def _check_day_total(session: Session, enrollment: Enrollment, day: date, hours: Decimal) -> None:
    """No apprentice works more than 24 hours in a day, however the hours are split."""
    recorded = sum((Decimal(e.value) for e in effective_ledger(rule_entries(session, enrollment))
                    if e.entry_type in HOUR_TYPES and e.date == day), Decimal(0))
    if recorded + hours > MAX_HOURS_PER_DAY:
        raise ProgressError("value", f"{recorded + hours} hours on {day.isoformat()} in total: more than 24 in a day")


def record_entry(session: Session, ctx: IssuanceContext, enrollment: Enrollment, *, entry_type: str, item: str,
                 value: str, entry_date: date, signed_off_by: str | None, recorded_by: str, source: str,
                 corrects: int | None = None, action: str = "record", reason: str | None = None,
                 today: date | None = None) -> RecordOutcome:
    # Serialize work on one enrollment: two entries that each complete a threshold must not
    # both evaluate without seeing the other (which would issue nothing).
    session.scalars(select(Enrollment).where(Enrollment.id == enrollment.id).with_for_update()).first()
    program = session.get(ProgramVersion, enrollment.program_version_id)
    frameworks = [f.document for f in catalog.frameworks_of(session, program)]
    if action not in ("record", "reverse", "amend"):
        raise ProgressError("action", f"action must be record, reverse or amend, not {action!r}")
    if action != "record":
        target = session.get(LedgerEntry, corrects) if corrects else None
        if target is None or target.enrollment_id != enrollment.id:
            raise ProgressError("corrects", f"no entry {corrects!r} to correct for this apprentice")
        if not reason:
            raise ProgressError("reason", "a correction needs a reason")
        entry_type, item = target.entry_type, target.item
        if action == "reverse":
            value = target.value
    try:
        value = validate_entry(program.document, frameworks, entry_type, item, value, entry_date,
                               today or date.today())
    except EntryError as exc:
        raise ProgressError(exc.field, exc.message) from None
    if action == "record" and entry_type in HOUR_TYPES:
        _check_day_total(session, enrollment, entry_date, Decimal(value))
    digest = fingerprint(entry_type, item, value, entry_date, signed_off_by, corrects, action)
    if session.scalars(select(LedgerEntry.id).where(LedgerEntry.enrollment_id == enrollment.id,
                                                    LedgerEntry.fingerprint == digest)).first():
        return RecordOutcome(None, duplicate=True)
    row = LedgerEntry(enrollment_id=enrollment.id, entry_type=entry_type, item=item, value=value,
                      entry_date=entry_date, signed_off_by=signed_off_by, recorded_by=recorded_by,
                      corrects=corrects, action=action, reason=reason, source=source, fingerprint=digest)
    savepoint = session.begin_nested()
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return RecordOutcome(None, duplicate=True)
    try:
        issuance = issue_earned(session, ctx, enrollment)
    except LedgerError as exc:
        # The rules refuse a ledger this entry would make ill-formed (say, amending a
        # reversal); the entry goes, so the apprentice's ledger stays evaluable.
        savepoint.rollback()
        raise ProgressError("corrects", str(exc)) from None
    audit.record(session, session.get(Apprentice, enrollment.apprentice_id).sponsor_id,
                 f"{'signoff' if entry_type in ('statement', 'competency') else 'ledger'}.{action}",
                 f"apprentice:{enrollment.apprentice_id}", entry=row.id, program=enrollment.program_id,
                 entry_type=entry_type, item=item, value=value, date=entry_date, signed_off_by=signed_off_by,
                 corrects=corrects, reason=reason, source=source)
    savepoint.commit()
    return RecordOutcome(row, issuance=issuance)
