"""Appending entries to enrolments' ledgers: the path every way progress arrives ends in.

API entries and console forms pass one entry, `ler import` and web batches a chunk of
apprentices, each with a date-ordered run of rows. In the caller's transaction, under the
enrolments' row locks (taken in one statement, in id order):

1. every entry is checked against the program (pure) and fingerprinted;
2. the entries already recorded on the chunk's days are read in one query for every enrolment
   (a fingerprint includes the date, so that finds the duplicates too, before the day cap is
   looked at);
3. the records of every enrolment are inserted in one statement and folded into their running
   states; a correction is inserted alone and its state rebuilt from the whole ledger (it may
   take something away);
4. the caller (`issuer.workflow`, where ledger, rules and issuance meet) evaluates each state
   once and issues what it newly earns; then the states and the audit events are kept.

An entry that fails is reported and skipped; the others go on. Exactly once rests on the
unique (enrolment, fingerprint) and (apprentice, program version, achievement) keys. The
statements per chunk do not grow with its apprentices: on PostgreSQL every round trip per
apprentice cost more than the apprentice's own work.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.db import insert_rows
from issuer.errors import LerError
from issuer import audit
from issuer.progress import state as states
from issuer.progress.models import Apprentice, Enrollment, EnrollmentState, LedgerEntry
from issuer.progress.validation import EntryError, validate_entry
from issuer.rules import (
    AMEND,
    COMPETENCY,
    OJL_HOURS,
    RECORD,
    REVERSE,
    RTI_HOURS,
    STATEMENT,
    EffectiveEntry,
    LedgerError,
    RunningState,
    effective_ledger,
    fold,
)

HOUR_TYPES = (OJL_HOURS, RTI_HOURS)
MAX_HOURS_PER_DAY = Decimal(24)
MAX_ENTRY_REF = 200


class ProgressError(LerError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewEntry:
    """One entry as it arrives. `entry_ref` is the sponsor's own reference for it."""

    entry_type: str
    item: str
    value: str
    entry_date: date
    signed_off_by: str | None
    source: str
    entry_ref: str | None = None
    corrects: int | None = None
    action: str = RECORD
    reason: str | None = None


@dataclass
class EntryResult:
    entry: NewEntry
    entry_id: int | None = None
    duplicate: bool = False
    error: ProgressError | None = None


@dataclass(frozen=True)
class Appending:
    """One enrolment's entries, in the order they apply. `new`: the enrolment was created in
    this transaction, so it has no ledger to read yet."""

    enrollment: Enrollment
    entries: list[NewEntry]
    new: bool = False


def fingerprint(entry_type, item, value, entry_date, signed_off_by, corrects, action, entry_ref=None) -> str:
    fields = [entry_type, item, value, entry_date.isoformat(), signed_off_by or "", corrects, action]
    if entry_ref:
        # Only when given, so every entry recorded before references existed keeps its print.
        fields.append(entry_ref)
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def append_chunk(session: Session, appendings: list[Appending], *, recorded_by: str,
                 today: date | None = None) -> list[Run]:
    """Append each enrolment's entries to its ledger and fold them into its running state, in the
    caller's transaction, with a number of statements that does not grow with the enrolments
    (see the module's docstring). Each run's `results` say what became of its entries; `keep`
    the runs when the caller is done with their states."""
    today = today or date.today()
    # Loading the states takes the enrolments' row locks: two entries that each complete a
    # threshold must not both evaluate without seeing the other (which would issue nothing).
    held = states.stored_many(session, [a.enrollment for a in appendings if not a.new], lock=True)
    runs = [Run(session, a.enrollment, recorded_by, today, held.get(a.enrollment.id)) for a in appendings]
    checked = [run.check(a.entries) for run, a in zip(runs, appendings)]
    _read_recorded(session, runs, checked)
    for run, entries in zip(runs, checked):
        run.results = run.apply(entries)
    _flush(session, runs)
    return runs


def keep(session: Session, runs: list[Run], audit_events: list | None = None) -> None:
    """Store the states the runs changed and their entries' audit events. `audit_events`: a list
    to add the events to, for a caller that writes more events in the same insert; else they
    are written here."""
    events: list = []
    for run in runs:
        if run.changed:
            states.save(session, run.enrollment, run.state, run.row)
            events.extend(run.events)
    if audit_events is None:
        audit.record_many(session, events)
    else:
        audit_events.extend(events)


# Parameters per IN list: under every driver's limit, with room for two lists in a statement.
IN_SLICE = 400


def _read_recorded(session: Session, runs: list[Run], checked: list[list[_Checked]]) -> None:
    """Each run's recorded fingerprints among its entries' and the hours standing on their
    days, for every run in one query (in slices): a duplicate has its original's date, since
    the date is part of the fingerprint, so reading the entries on the days finds both."""
    wanted: dict[int, tuple[Run, set[str]]] = {}
    days: set[date] = set()
    for run, entries in zip(runs, checked):
        run.prints, run.days = set(), defaultdict(Decimal)
        if run.new:
            continue
        digests = {c.digest for c in entries if c.digest}
        wanted[run.enrollment.id] = (run, digests)
        days.update(c.result.entry.entry_date for c in entries if c.digest)
        if run.state.corrections:
            # An amendment can move hours from any day: the totals come from the whole ledger.
            for entry in effective_ledger(states.rule_entries(session, run.enrollment.id)):
                if entry.entry_type in HOUR_TYPES:
                    run.days[entry.date] += Decimal(entry.value)
    ids, day_list = sorted(wanted), sorted(days)
    for i in range(0, len(ids), IN_SLICE):
        for j in range(0, len(day_list), IN_SLICE):
            query = select(LedgerEntry.enrollment_id, LedgerEntry.fingerprint, LedgerEntry.entry_date,
                           LedgerEntry.entry_type, LedgerEntry.value).where(
                LedgerEntry.enrollment_id.in_(ids[i:i + IN_SLICE]), LedgerEntry.entry_date.in_(day_list[j:j + IN_SLICE]))
            for enrollment_id, digest, day, entry_type, value in session.execute(query):
                run, digests = wanted[enrollment_id]
                if digest in digests:
                    run.prints.add(digest)
                if entry_type in HOUR_TYPES and not run.state.corrections:
                    run.days[day] += Decimal(value)


def _flush(session: Session, runs: list[Run]) -> None:
    """Insert every run's pending records in one statement, and fold them into their states."""
    pending = [run for run in runs if run.pending]
    if pending:
        ids = _insert(session, [row for run in pending for row in run.pending_rows()])
        for run in pending:
            run.fold(ids)


def _insert(session: Session, rows: list[dict]) -> dict[tuple[int, str], int]:
    """The rows inserted; their ids by (enrolment, fingerprint). Matched back by that unique key
    rather than by parameter order, which would make SQLite insert row by row."""
    inserted = insert_rows(session, LedgerEntry.__table__, rows,
                           (LedgerEntry.id, LedgerEntry.enrollment_id, LedgerEntry.fingerprint))
    return {(enrollment_id, digest): entry_id for entry_id, enrollment_id, digest in inserted}


@dataclass
class _Checked:
    result: EntryResult
    value: str = ""
    digest: str = ""


class Run:
    """One enrolment's part of `append_chunk`: the state, the day totals and the prints it keeps
    current; `results` what became of its entries; `rebuilt`: a correction rebuilt the state."""

    def __init__(self, session: Session, enrollment: Enrollment, recorded_by: str, today: date,
                 held: tuple[EnrollmentState | None, RunningState] | None):
        """`held`: the enrolment's stored state, locked (`states.stored_many`); None for an
        enrolment created in this transaction."""
        self.session, self.enrollment, self.recorded_by, self.today = session, enrollment, recorded_by, today
        self.new = held is None
        self.book = states.book(session, enrollment.program_version_id)
        self.row, self.state = held if held is not None else (None, RunningState(start=enrollment.start_date))
        self.sponsor_id = session.get(Apprentice, enrollment.apprentice_id).sponsor_id
        self.rebuilt = self.changed = False
        self.events: list[tuple[int, str, str, dict]] = []
        self.pending: list[_Checked] = []
        self.prints: set[str] = set()
        self.days: dict[date, Decimal] = defaultdict(Decimal)
        self.results: list[EntryResult] = []

    def check(self, entries: list[NewEntry]) -> list[_Checked]:
        return [self._check(entry) for entry in entries]

    def apply(self, checked: list[_Checked]) -> list[EntryResult]:
        """Judge each checked entry against the ledger (`prints` and `days` read first); the
        records wait in `pending` for `_flush`, a correction is applied at once."""
        for one in checked:
            if one.result.error is not None:
                continue
            if one.digest in self.prints:
                one.result.duplicate = True
            elif one.result.entry.action == RECORD:
                self._record(one)
            else:
                _flush(self.session, [self])
                self._correct(one.result, one.value, one.digest)
        return [one.result for one in checked]

    # --- checks ------------------------------------------------------------------------------

    def _check(self, entry: NewEntry) -> _Checked:
        result = EntryResult(entry)
        try:
            value, entry_type, item = self._validated(entry)
        except ProgressError as exc:
            result.error = exc
            return _Checked(result)
        digest = fingerprint(entry_type, item, value, entry.entry_date, entry.signed_off_by, entry.corrects,
                             entry.action, entry.entry_ref)
        return _Checked(result, value, digest)

    def _validated(self, entry: NewEntry) -> tuple[str, str, str]:
        entry_type, item, value = entry.entry_type, entry.item, entry.value
        if entry.action not in (RECORD, REVERSE, AMEND):
            raise ProgressError("action", f"action must be record, reverse or amend, not {entry.action!r}")
        if entry.entry_ref is not None and len(entry.entry_ref) > MAX_ENTRY_REF:
            raise ProgressError("entry_ref", f"entry_ref is longer than {MAX_ENTRY_REF} characters")
        if entry.action != RECORD:
            target = self.session.get(LedgerEntry, entry.corrects) if entry.corrects else None
            if target is None or target.enrollment_id != self.enrollment.id:
                raise ProgressError("corrects", f"no entry {entry.corrects!r} to correct for this apprentice")
            if not entry.reason:
                raise ProgressError("reason", "a correction needs a reason")
            entry_type, item = target.entry_type, target.item
            if entry.action == REVERSE:
                value = target.value
        try:
            value = validate_entry(self.book.document, self.book.frameworks, entry_type, item, value,
                                   entry.entry_date, self.today, items=self.book.rules.items)
        except EntryError as exc:
            raise ProgressError(exc.field, exc.message) from None
        start = self.enrollment.start_date
        if entry.action != REVERSE and entry.entry_date < start:
            raise ProgressError("date", f"{entry.entry_date.isoformat()} is before the enrolment's start date "
                                        f"{start.isoformat()}")
        if (entry_type == COMPETENCY and entry.action != REVERSE and not entry.signed_off_by
                and self.book.document.get("signoff_requires_signer")):
            raise ProgressError("signed_off_by", f"program {self.book.document['id']}'s checklist asks for the "
                                                 "initials of the supervisor or journeyworker who signs off: "
                                                 "name who signed it off")
        return value, entry_type, item

    def _over_the_day(self, day: date, hours: Decimal) -> ProgressError | None:
        total = self.days[day] + hours
        if total > MAX_HOURS_PER_DAY:
            return ProgressError("value", f"{total} hours on {day.isoformat()} in total: more than 24 in a day")
        return None

    # --- appending ---------------------------------------------------------------------------

    def _record(self, one: _Checked) -> None:
        entry = one.result.entry
        if entry.entry_type in HOUR_TYPES:
            one.result.error = self._over_the_day(entry.entry_date, Decimal(one.value))
            if one.result.error is not None:
                return
            self.days[entry.entry_date] += Decimal(one.value)
        self.prints.add(one.digest)
        self.pending.append(one)

    def _row(self, entry: NewEntry, entry_type: str, item: str, value: str, digest: str) -> dict:
        return {"enrollment_id": self.enrollment.id, "entry_type": entry_type, "item": item, "value": value,
                "entry_date": entry.entry_date, "signed_off_by": entry.signed_off_by,
                "recorded_by": self.recorded_by, "corrects": entry.corrects, "action": entry.action,
                "reason": entry.reason, "source": entry.source, "fingerprint": digest, "entry_ref": entry.entry_ref}

    def pending_rows(self) -> list[dict]:
        return [self._row(one.result.entry, one.result.entry.entry_type, one.result.entry.item, one.value, one.digest)
                for one in self.pending]

    def fold(self, ids: dict[tuple[int, str], int]) -> None:
        """The pending records, inserted (`ids` from `_insert`), folded into the state."""
        for one in self.pending:
            entry_id = one.result.entry_id = ids[(self.enrollment.id, one.digest)]
            entry = one.result.entry
            self.state.add(self.book.rules, EffectiveEntry(entry_id, entry.entry_type, entry.item, one.value,
                                                           entry.entry_date, entry.signed_off_by, (entry_id,)))
            self._audit(entry_id, entry.entry_type, entry.item, one.value, entry)
        self.pending = []
        self.changed = True

    def _correct(self, result: EntryResult, value: str, digest: str) -> None:
        """A correction reaches back: insert it, then rebuild the state from the whole ledger."""
        entry = result.entry
        target = self.session.get(LedgerEntry, entry.corrects)
        savepoint = self.session.begin_nested()
        (entry_id,) = _insert(self.session, [self._row(entry, target.entry_type, target.item, value, digest)]).values()
        try:
            ledger = effective_ledger(states.rule_entries(self.session, self.enrollment.id))
            rebuilt = fold(self.book.rules, ledger, self.enrollment.start_date)
        except LedgerError as exc:
            # The rules refuse a ledger this entry would make ill-formed (say, amending a
            # reversal); the entry goes, so the apprentice's ledger stays evaluable.
            savepoint.rollback()
            result.error = ProgressError("corrects", str(exc))
            return
        days: dict[date, Decimal] = defaultdict(Decimal)
        for standing in ledger:
            if standing.entry_type in HOUR_TYPES:
                days[standing.date] += Decimal(standing.value)
        if entry.action == AMEND and days[entry.entry_date] > MAX_HOURS_PER_DAY:
            savepoint.rollback()
            result.error = ProgressError("value", f"{days[entry.entry_date]} hours on {entry.entry_date.isoformat()}"
                                                  " in total after this amendment: more than 24 in a day")
            return
        savepoint.commit()
        rebuilt.issued, rebuilt.corrections = self.state.issued, self.state.corrections + 1
        self.state, self.days, self.rebuilt, self.changed = rebuilt, days, True, True
        self.prints.add(digest)
        result.entry_id = entry_id
        self._audit(entry_id, target.entry_type, target.item, value, entry)

    def _audit(self, entry_id: int, entry_type: str, item: str, value: str, entry: NewEntry) -> None:
        kind = "signoff" if entry_type in (STATEMENT, COMPETENCY) else "ledger"
        self.events.append((self.sponsor_id, f"{kind}.{entry.action}", f"apprentice:{self.enrollment.apprentice_id}",
                            {"entry": entry_id, "program": self.enrollment.program_id, "entry_type": entry_type,
                             "item": item, "value": value, "date": entry.entry_date,
                             "signed_off_by": entry.signed_off_by, "corrects": entry.corrects,
                             "reason": entry.reason, "source": entry.source, "entry_ref": entry.entry_ref}))
