"""Recording progress and issuing what it earns, in one transaction.

An entry is never committed without the credentials it earns, nor a credential without its
entries: both happen in the caller's transaction, under the enrolment's row lock (taken when
its running state is read). Exactly once rests on the unique keys (enrolment, fingerprint)
and (apprentice, program version, achievement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from issuer.issuance import records
from issuer.issuance.services import IssuanceContext, IssuanceOutcome, held_keys, issue_earned
from issuer.programs.models import ProgramVersion
from issuer.progress import recording, state as states
from issuer.progress.models import Enrollment, LedgerEntry
from issuer.progress.recording import Appending, EntryResult, NewEntry
from issuer.rules import progress as progress_from_state


@dataclass
class Recorded:
    results: list[EntryResult]
    issuance: IssuanceOutcome = field(default_factory=IssuanceOutcome)


@dataclass
class RecordOutcome:
    entry: LedgerEntry | None
    duplicate: bool = False
    issuance: IssuanceOutcome = field(default_factory=IssuanceOutcome)


def record_entries(session: Session, ctx: IssuanceContext, enrollment: Enrollment, entries: list[NewEntry], *,
                   recorded_by: str, today: date | None = None, new: bool = False,
                   refresh_record: bool = True) -> Recorded:
    """Append `entries` (in the order given) to the enrolment's ledger and issue what they
    earn, in the caller's transaction. `refresh_record=False`: the caller records more entries of
    this enrolment in the same transaction and calls `keep_record` once after the last."""
    (recorded,) = record_chunk(session, ctx, [Appending(enrollment, entries, new)], recorded_by=recorded_by,
                               today=today)
    if recorded.issuance.issued and refresh_record:
        keep_record(session, ctx, enrollment)
    return recorded


def keep_record(session: Session, ctx: IssuanceContext, enrollment: Enrollment) -> None:
    """One enrolment's entries at a time (the API, the console, a sign-off): its apprenticeship
    record follows at once, a new version signed in this transaction (0.03-0.5 s, paid only when
    something was earned). Imports and batches (record_chunk) leave records to be caught up when
    read: see `issuer.issuance.records`."""
    records.refresh(session, ctx, [enrollment.id])


def record_chunk(session: Session, ctx: IssuanceContext, appendings: list[Appending], *, recorded_by: str,
                 today: date | None = None, audit_events: list | None = None) -> list[Recorded]:
    """Each enrolment's entries appended (`issuer.progress.recording.append_chunk`), what each
    state newly earns issued, then the states and audit events kept (`audit_events`: see
    `recording.keep`)."""
    runs = recording.append_chunk(session, appendings, recorded_by=recorded_by, today=today)
    out = [Recorded(run.results, _issue(session, ctx, run)) for run in runs]
    recording.keep(session, runs, audit_events)
    return out


def _issue(session: Session, ctx: IssuanceContext, run: recording.Run) -> IssuanceOutcome:
    """What the run's state newly earns, issued (the state then holds what is issued)."""
    found = run.book
    progress = progress_from_state(found.document, found.frameworks, found.rules, run.state)
    # The state knows what is held, so an entry that earns nothing new costs no read of the
    # credentials; a correction may take something away, which issuance flags.
    if not run.rebuilt and not set(progress.earned_keys) - run.state.issued:
        return IssuanceOutcome()
    version = session.get(ProgramVersion, found.version_id)
    issuance = issue_earned(session, ctx, run.enrollment, version, found.frameworks, progress)
    run.state.issued = set(issuance.held)
    return issuance


def record_entry(session: Session, ctx: IssuanceContext, enrollment: Enrollment, *, entry_type: str, item: str,
                 value: str, entry_date: date, signed_off_by: str | None, recorded_by: str, source: str,
                 corrects: int | None = None, action: str = "record", reason: str | None = None,
                 entry_ref: str | None = None, today: date | None = None,
                 refresh_record: bool = True) -> RecordOutcome:
    """One entry (an API call, a console form) through the path every entry takes; raises
    ProgressError for an entry that is refused."""
    entry = NewEntry(entry_type=entry_type, item=item, value=value, entry_date=entry_date,
                     signed_off_by=signed_off_by, source=source, entry_ref=entry_ref, corrects=corrects,
                     action=action, reason=reason)
    recorded = record_entries(session, ctx, enrollment, [entry], recorded_by=recorded_by, today=today,
                              refresh_record=refresh_record)
    (result,) = recorded.results
    if result.error is not None:
        raise result.error
    if result.duplicate:
        return RecordOutcome(None, duplicate=True)
    return RecordOutcome(session.get(LedgerEntry, result.entry_id), issuance=recorded.issuance)


def progress_of(session: Session, enrollment: Enrollment):
    """(program version, framework documents, progress) of an enrolment, from its running state."""
    found, progress = states.current(session, enrollment)
    return session.get(ProgramVersion, found.version_id), found.frameworks, progress


def rebuild_state(session: Session, enrollment: Enrollment) -> bool:
    """`ler progress rebuild` for one enrolment: its state from the whole ledger, with what it
    holds; whether the stored state differed."""
    return states.refresh(session, enrollment,
                          sorted(held_keys(session, enrollment.apprentice_id, enrollment.program_version_id)))
