"""Journeyworker sign-offs: attestations recorded in the ledger, issuing what they complete."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from issuer.issuance.models import IssuedCredential
from issuer.issuance.services import IssuanceContext
from issuer.progress.models import Apprentice, Enrollment
from issuer.progress.recording import ProgressError
from issuer.workflow.earning import keep_record, record_entry
from issuer.rules import ATTAINED, COMPETENCY, STATEMENT
from issuer.portal.progress_view import program_progress
from issuer.portal.roles import PortalError, StaffView


# --- sign-offs -------------------------------------------------------------------------------

@dataclass
class SignOffOutcome:
    recorded: list[str] = field(default_factory=list)
    issued: list[IssuedCredential] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)     # the ledger entries made (for an undo)


def sign_off(session: Session, ctx: IssuanceContext, actor: StaffView, apprentice: Apprentice,
             enrollment: Enrollment, *, statements: list[str], competencies: list[tuple[str, str]],
             on: date, today: date | None = None) -> SignOffOutcome:
    """Record the journeyworker's attestations: each statement attained, each competency at a
    level, dated `on`, signed off by "Name (Journeyworker)". Credentials they complete are
    issued in the same transaction (record_entry). Signing off what is already signed off is
    refused, so a double tap never records twice."""
    if not actor.can("sign_off"):
        raise PortalError("only journeyworkers sign off", status=403)
    if enrollment.apprentice_id != apprentice.id:
        raise PortalError("no such enrollment", status=404)
    if not statements and not competencies:
        raise PortalError("choose what to sign off", field="item")
    layout = program_progress(session, enrollment)
    open_statements = {s.id for level in layout.levels for s in level.statements if not s.signed}
    known_statements = {s.id for level in layout.levels for s in level.statements}
    rows = {c.id: c for c in layout.competencies}
    entries = []
    for sid in dict.fromkeys(statements):
        if sid not in known_statements:
            raise PortalError(f"{sid} is not a statement of {layout.title}", field="item")
        if sid not in open_statements:
            raise PortalError(f"{sid} is signed off already", status=409, field="item")
        entries.append((STATEMENT, sid, ATTAINED))
    for cid, level in competencies:
        row = rows.get(cid)
        if row is None:
            raise PortalError(f"{cid} is not a competency of {layout.title}", field="item")
        if level not in row.higher:
            raise PortalError(f"{cid} is at {row.level or 'no level'} already; sign off a higher level",
                              status=409, field="item")
        entries.append((COMPETENCY, cid, level))
    outcome = SignOffOutcome()
    for entry_type, item, value in entries:
        try:
            result = record_entry(session, ctx, enrollment, entry_type=entry_type, item=item, value=value,
                                  entry_date=on, signed_off_by=actor.attestation,
                                  recorded_by=f"portal:{actor.email}", source="portal sign-off", today=today,
                                  refresh_record=False)
        except ProgressError as exc:
            raise PortalError(exc.message, field=exc.field) from None
        if result.entry is None:
            # The ledger keeps one entry per item, value, date and journeyworker: this one was
            # signed off and undone today, and the same sign-off again would be taken for a repeat.
            raise PortalError(f"{item} was signed off on {on.isoformat()} and undone; sign it off with another "
                              "date, or ask a coordinator to correct the ledger", status=409, field="item")
        if result.entry is not None:
            outcome.recorded.append(item)
            outcome.entries.append(result.entry.id)
            outcome.issued.extend(result.issuance.issued)
    if outcome.issued:
        # One record version for the whole sign-off, however many credentials its statements earn.
        keep_record(session, ctx, enrollment)
    return outcome
