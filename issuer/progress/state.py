"""Reading an enrolment's ledger and its stored running state.

The state row (`EnrollmentState`) is what makes an entry cost the same on day 4,000 as on
day 1: recording folds the entry into it, progress pages read it. The whole ledger is read
only to build a missing state and after a correction (`rebuild`), which is the reference the
incremental path must agree with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.programs import catalog
from issuer.programs.models import ProgramVersion
from issuer.progress.models import Enrollment, EnrollmentState, LedgerEntry
from issuer.rules import RECORD, LedgerEntry as RuleEntry, ProgramRules, Progress, RunningState, effective_ledger, fold
from issuer.rules import progress as progress_from_state, rules_of


@dataclass(frozen=True)
class Book:
    """A program version as the rules read it: its document, its frameworks, its item sets."""

    version_id: int
    document: dict
    frameworks: list[dict]
    rules: ProgramRules


# Program and framework versions never change once stored (a new text is a new version), so
# each is read and checked once per process; keyed by database too, so a process that talks
# to two databases (the tests) never mixes them up.
_books: dict[tuple[str, int], Book] = {}
_books_lock = Lock()


def book(session: Session, program_version_id: int) -> Book:
    key = (str(session.get_bind().url), program_version_id)
    found = _books.get(key)
    if found is None:
        version = session.get(ProgramVersion, program_version_id)
        frameworks = [f.document for f in catalog.frameworks_of(session, version)]
        found = Book(version.id, version.document, frameworks, rules_of(version.document, frameworks))
        with _books_lock:
            _books[key] = found
    return found


def rule_entries(session: Session, enrollment_id: int) -> list[RuleEntry]:
    rows = session.execute(select(LedgerEntry.id, LedgerEntry.entry_type, LedgerEntry.item, LedgerEntry.value,
                                  LedgerEntry.entry_date, LedgerEntry.signed_off_by, LedgerEntry.corrects,
                                  LedgerEntry.action)
                           .where(LedgerEntry.enrollment_id == enrollment_id).order_by(LedgerEntry.id))
    return [RuleEntry(id=r.id, entry_type=r.entry_type, item=r.item, value=r.value, date=r.entry_date,
                      signed_off_by=r.signed_off_by, corrects=r.corrects, action=r.action) for r in rows]


def rebuild(session: Session, enrollment: Enrollment, issued: Sequence[str] = ()) -> RunningState:
    """The state from the whole ledger (raises LedgerError for an ill-formed one)."""
    found = book(session, enrollment.program_version_id)
    entries = rule_entries(session, enrollment.id)
    state = fold(found.rules, effective_ledger(entries), enrollment.start_date)
    state.issued = set(issued)
    state.corrections = sum(1 for e in entries if e.action != RECORD)
    return state


def load(session: Session, enrollment: Enrollment, lock: bool = False) -> RunningState:
    """The stored state, or one built from the ledger when there is none yet (whose `issued`
    is empty: issuance, which knows what is held, fills it when it next issues)."""
    return stored(session, enrollment, lock)[1]


def stored(session: Session, enrollment: Enrollment, lock: bool = False) -> tuple[EnrollmentState | None,
                                                                                   RunningState]:
    """(the state's row, or None when there is none yet; the state). `lock`: hold the
    enrolment's row lock (through its state row, or the enrolment's) to the transaction's end."""
    return stored_many(session, [enrollment], lock)[enrollment.id]


def stored_many(session: Session, enrollments: Sequence[Enrollment], lock: bool = False
                ) -> dict[int, tuple[EnrollmentState | None, RunningState]]:
    """`stored` for many enrolments, by enrolment id, in one query (two when some have no state
    row yet). The locks are taken in id order, so two writers of overlapping chunks queue
    rather than deadlock."""
    ids = sorted({e.id for e in enrollments})
    rows: dict[int, EnrollmentState] = {}
    for start in range(0, len(ids), 400):
        query = select(EnrollmentState).where(EnrollmentState.enrollment_id.in_(ids[start:start + 400]))
        query = query.order_by(EnrollmentState.enrollment_id)
        rows.update((row.enrollment_id, row) for row in session.scalars(query.with_for_update() if lock else query))
    found = {i: (row, RunningState.from_json(row.state)) for i, row in rows.items()}
    missing = [e for e in enrollments if e.id not in rows]
    unlocked = sorted(e.id for e in missing) if lock else []
    for start in range(0, len(unlocked), 400):
        session.execute(select(Enrollment.id).where(Enrollment.id.in_(unlocked[start:start + 400]))
                        .order_by(Enrollment.id).with_for_update())
    for enrollment in missing:
        found[enrollment.id] = (None, rebuild(session, enrollment))
    return found


def refresh(session: Session, enrollment: Enrollment, issued: Sequence[str]) -> bool:
    """Rebuild the stored state from the whole ledger (`ler progress rebuild`), `issued` being
    the achievements the apprentice holds (issuance knows); whether the stored state differed
    (it never should: the incremental path is tested against this)."""
    row, before = stored(session, enrollment, lock=True)
    after = rebuild(session, enrollment, issued)
    save(session, enrollment, after, row)
    return row is None or before.to_json() != after.to_json()


def save(session: Session, enrollment: Enrollment, state: RunningState, row: EnrollmentState | None) -> None:
    """Store the state in its `row` (from `stored`), or in a new one."""
    if row is None:
        session.add(EnrollmentState(enrollment_id=enrollment.id, state=state.to_json()))
    else:
        row.state = state.to_json()


def current(session: Session, enrollment: Enrollment) -> tuple[Book, Progress]:
    """Where the enrolment stands, read from its state."""
    found = book(session, enrollment.program_version_id)
    return found, progress_from_state(found.document, found.frameworks, found.rules, load(session, enrollment))
