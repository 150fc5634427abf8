"""Undoing a sign-off within a minute: a journeyworker who tapped the wrong row takes it back.

The ledger is append-only, so an undo is a reversal entry (action "reverse", with its reason),
recorded by the same journeyworker; a credential the sign-off issued stays issued and is flagged
for the sponsor to revoke, like after any correction. After the minute, a coordinator corrects
the ledger as for any other entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.issuance.services import IssuanceContext
from issuer.portal import security
from issuer.portal.roles import PortalError, StaffView
from issuer.progress.models import Apprentice, Enrollment, LedgerEntry
from issuer.progress.recording import ProgressError
from issuer.rules import COMPETENCY, STATEMENT
from issuer.workflow.earning import record_entry

UNDO_WINDOW = timedelta(minutes=1)
# A request that left the phone inside the minute still counts when it arrives a little later.
GRACE = timedelta(seconds=10)
REASON = "undone by the journeyworker within a minute of signing off"


def undo_until(entry: LedgerEntry) -> datetime:
    return security.aware(entry.recorded_at) + UNDO_WINDOW


def _undoable(session: Session, actor: StaffView, apprentice: Apprentice, entry_id: int, now: datetime
              ) -> LedgerEntry:
    entry = session.get(LedgerEntry, entry_id)
    enrollment = session.get(Enrollment, entry.enrollment_id) if entry else None
    if (entry is None or enrollment.apprentice_id != apprentice.id or entry.action != "record"
            or entry.entry_type not in (STATEMENT, COMPETENCY) or entry.recorded_by != f"portal:{actor.email}"):
        raise PortalError("there is no sign-off of yours to undo here", status=404)
    if now > undo_until(entry) + GRACE:
        raise PortalError("a sign-off can be undone only within a minute; ask a coordinator to correct the ledger",
                          status=409)
    if session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.corrects == entry.id)):
        raise PortalError(f"the sign-off of {entry.item} is undone already", status=409)
    return entry


def undo_sign_off(session: Session, ctx: IssuanceContext, actor: StaffView, apprentice: Apprentice,
                  entry_ids: list[int], now: datetime | None = None) -> list[str]:
    """Reverse the actor's own sign-offs made within the last minute; the items undone."""
    if not actor.can("sign_off"):
        raise PortalError("only journeyworkers sign off", status=403)
    now = now or security.utcnow()
    entries = [_undoable(session, actor, apprentice, i, now) for i in dict.fromkeys(entry_ids)]
    if not entries:
        raise PortalError("choose the sign-off to undo", field="entry")
    for entry in entries:
        try:
            record_entry(session, ctx, session.get(Enrollment, entry.enrollment_id), entry_type=entry.entry_type,
                         item=entry.item, value=entry.value, entry_date=entry.entry_date,
                         signed_off_by=actor.attestation, recorded_by=f"portal:{actor.email}",
                         source="portal sign-off undo", corrects=entry.id, action="reverse", reason=REASON)
        except ProgressError as exc:
            raise PortalError(exc.message, field=exc.field) from None
    return [e.item for e in entries]
