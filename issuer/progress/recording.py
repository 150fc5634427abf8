"""Appending entries to one enrolment's ledger: the path every way progress arrives ends in.

API entries and console forms pass one entry, `ler import` and web batches a date-ordered run
of one apprentice's rows. In the caller's transaction, under the enrolment's row lock:

1. every entry is checked against the program (pure) and fingerprinted;
2. the fingerprints already recorded and the hours already on the entries' days are read in
   one query each, so a re-imported row is a duplicate before the day cap is looked at;
3. records are inserted together and folded into the running state; a correction is
   inserted alone and the state rebuilt from the whole ledger (it may take something away);
4. the caller (`issuer.workflow`, where ledger, rules and issuance meet) evaluates the state
   once and issues what it newly earns; then the state and the audit events are kept.

An entry that fails is reported and skipped; the others go on. Exactly once rests on the
unique (enrolment, fingerprint) and (apprentice, program version, achievement) keys.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from issuer.errors import LerError
from issuer import audit
from issuer.progress import state as states
from issuer.progress.models import Apprentice, Enrollment, LedgerEntry
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


def fingerprint(entry_type, item, value, entry_date, signed_off_by, corrects, action, entry_ref=None) -> str:
    fields = [entry_type, item, value, entry_date.isoformat(), signed_off_by or "", corrects, action]
    if entry_ref:
        # Only when given, so every entry recorded before references existed keeps its print.
        fields.append(entry_ref)
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def append(session: Session, enrollment: Enrollment, entries: list[NewEntry], *, recorded_by: str,
           today: date | None = None, new: bool = False) -> Appending:
    """Append `entries` (in the order given) to the enrolment's ledger, in the caller's
    transaction, and fold them into its running state; `keep` the state when done with it.

    `new`: the enrolment was created in this transaction, so it has no ledger to read yet."""
    run = Appending(session, enrollment, recorded_by, today or date.today(), new)
    run.results = run.apply(entries)
    return run


class Appending:
    """One call of `append`: the results of its entries, and the state, the day totals and
    the prints it keeps current. `rebuilt`: a correction rebuilt the state from the ledger."""

    def __init__(self, session: Session, enrollment: Enrollment, recorded_by: str, today: date, new: bool):
        self.session, self.enrollment, self.recorded_by, self.today = session, enrollment, recorded_by, today
        self.new = new
        self.book = states.book(session, enrollment.program_version_id)
        # Loading the state takes the enrolment's row lock: two entries that each complete a
        # threshold must not both evaluate without seeing the other (which would issue nothing).
        self.row, self.state = ((None, RunningState(start=enrollment.start_date)) if new
                                else states.stored(session, enrollment, lock=True))
        self.sponsor_id = session.get(Apprentice, enrollment.apprentice_id).sponsor_id
        self.rebuilt = self.changed = False
        self.events: list[tuple[int, str, str, dict]] = []
        self.pending: list[tuple[EntryResult, str, str]] = []   # (result, value, fingerprint)
        self.results: list[EntryResult] = []

    def keep(self, audit_events: list | None = None) -> None:
        """Store the state and the entries' audit events, when the entries changed anything.
        `audit_events`: a list to add the events to, for a caller that writes many enrolments'
        events in one insert; else they are written here."""
        if not self.changed:
            return
        states.save(self.session, self.enrollment, self.state, self.row)
        if audit_events is None:
            audit.record_many(self.session, self.events)
        else:
            audit_events.extend(self.events)

    def apply(self, entries: list[NewEntry]) -> list[EntryResult]:
        checked = [self._check(entry) for entry in entries]
        self.prints, self.days = self._recorded({c[2] for c in checked if c[2]},
                                                {c[0].entry.entry_date for c in checked if c[2]})
        for result, value, digest in checked:
            if result.error is not None:
                continue
            if digest in self.prints:
                result.duplicate = True
            elif result.entry.action == RECORD:
                self._record(result, value, digest)
            else:
                self._flush()
                self._correct(result, value, digest)
        self._flush()
        return [c[0] for c in checked]

    # --- checks ------------------------------------------------------------------------------

    def _check(self, entry: NewEntry) -> tuple[EntryResult, str, str]:
        result = EntryResult(entry)
        try:
            value, entry_type, item = self._validated(entry)
        except ProgressError as exc:
            result.error = exc
            return result, "", ""
        digest = fingerprint(entry_type, item, value, entry.entry_date, entry.signed_off_by, entry.corrects,
                             entry.action, entry.entry_ref)
        return result, value, digest

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

    def _recorded(self, digests: set[str], days: set[date]) -> tuple[set[str], dict[date, Decimal]]:
        """Which of `digests` are recorded already, and the hours standing on each of `days`
        (on every day once the ledger holds a correction: an amendment can move hours)."""
        prints: set[str] = set()
        totals: dict[date, Decimal] = defaultdict(Decimal)
        if self.new:
            return prints, totals
        if self.state.corrections:
            for entry in effective_ledger(states.rule_entries(self.session, self.enrollment.id)):
                if entry.entry_type in HOUR_TYPES:
                    totals[entry.date] += Decimal(entry.value)
            days = set()
        digests_left, days_left = sorted(digests), sorted(days)
        while digests_left or days_left:
            # One query for both; in slices, to stay under every driver's parameter limit.
            some_digests, digests_left = digests_left[:400], digests_left[400:]
            some_days, days_left = days_left[:400], days_left[400:]
            query = select(LedgerEntry.fingerprint, LedgerEntry.entry_date, LedgerEntry.entry_type,
                           LedgerEntry.value).where(LedgerEntry.enrollment_id == self.enrollment.id, or_(
                               LedgerEntry.fingerprint.in_(some_digests),
                               and_(LedgerEntry.entry_date.in_(some_days), LedgerEntry.entry_type.in_(HOUR_TYPES))))
            for digest, day, entry_type, value in self.session.execute(query):
                if digest in digests:
                    prints.add(digest)
                if day in days and entry_type in HOUR_TYPES:
                    totals[day] += Decimal(value)
        return prints, totals

    def _over_the_day(self, day: date, hours: Decimal) -> ProgressError | None:
        total = self.days[day] + hours
        if total > MAX_HOURS_PER_DAY:
            return ProgressError("value", f"{total} hours on {day.isoformat()} in total: more than 24 in a day")
        return None

    # --- appending ---------------------------------------------------------------------------

    def _record(self, result: EntryResult, value: str, digest: str) -> None:
        entry = result.entry
        if entry.entry_type in HOUR_TYPES:
            result.error = self._over_the_day(entry.entry_date, Decimal(value))
            if result.error is not None:
                return
            self.days[entry.entry_date] += Decimal(value)
        self.prints.add(digest)
        self.pending.append((result, value, digest))

    def _row(self, entry: NewEntry, entry_type: str, item: str, value: str, digest: str) -> dict:
        return {"enrollment_id": self.enrollment.id, "entry_type": entry_type, "item": item, "value": value,
                "entry_date": entry.entry_date, "signed_off_by": entry.signed_off_by,
                "recorded_by": self.recorded_by, "corrects": entry.corrects, "action": entry.action,
                "reason": entry.reason, "source": entry.source, "fingerprint": digest, "entry_ref": entry.entry_ref}

    def _insert(self, rows: list[dict]) -> list[int]:
        # Matched back by fingerprint (unique per enrolment) rather than by parameter order,
        # which would make SQLite insert row by row.
        statement = insert(LedgerEntry).returning(LedgerEntry.id, LedgerEntry.fingerprint)
        ids = {digest: entry_id for entry_id, digest in self.session.execute(statement, rows)}
        return [ids[row["fingerprint"]] for row in rows]

    def _flush(self) -> None:
        """Insert the pending records together and fold them into the state."""
        if not self.pending:
            return
        rows = [self._row(r.entry, r.entry.entry_type, r.entry.item, value, digest) for r, value, digest in self.pending]
        for (result, value, _digest), entry_id in zip(self.pending, self._insert(rows)):
            result.entry_id = entry_id
            entry = result.entry
            self.state.add(self.book.rules, EffectiveEntry(entry_id, entry.entry_type, entry.item, value,
                                                           entry.entry_date, entry.signed_off_by, (entry_id,)))
            self._audit(entry_id, entry.entry_type, entry.item, value, entry)
        self.pending = []
        self.changed = True

    def _correct(self, result: EntryResult, value: str, digest: str) -> None:
        """A correction reaches back: insert it, then rebuild the state from the whole ledger."""
        entry = result.entry
        target = self.session.get(LedgerEntry, entry.corrects)
        savepoint = self.session.begin_nested()
        (entry_id,) = self._insert([self._row(entry, target.entry_type, target.item, value, digest)])
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
