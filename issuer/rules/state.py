"""The running state of one enrolment: its effective ledger folded into per-item figures.

Recording an entry adds it to the state (`RunningState.add`); evaluating reads only the state
(`issuer.rules.evaluate.progress`), so the cost of an entry depends on the program's size and
never on the ledger's length. The state is plain data with a JSON form, stored next to the
enrolment and updated in the same transaction as the entry.

Records only ever add (hours grow, a competency's best level only rises, a statement once
attained stays), so folding records one by one, in any order, gives the state a full
evaluation gives. A correction can take something away; the caller then rebuilds the state
from the whole effective ledger (`fold`), which is the reference.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from issuer.rules.model import (
    ATTAINED,
    COMPETENCY,
    ENTRY_TYPES,
    OJL_HOURS,
    OJL_ITEM,
    RTI_HOURS,
    RTI_ITEM,
    STATEMENT,
    EffectiveEntry,
    LedgerError,
)
from issuer.rules.evidence import HoursEvidence, SignOff

ZERO = Decimal(0)
HOUR_TYPES = (OJL_HOURS, RTI_HOURS)


def parse_hours(value: str) -> Decimal:
    """A ledger hours value as Decimal. Corrections may amend to 0, so only < 0 is refused."""
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise LedgerError(f"hours value {value!r} is not a number") from None
    if not hours.is_finite() or hours < 0:
        raise LedgerError(f"hours value {value!r} is not a non-negative number")
    return hours


def sorted_levels(framework: Mapping) -> list[Mapping]:
    return sorted(framework["levels"], key=lambda level: level["order"])


def program_items(program: Mapping, frameworks: Sequence[Mapping], entry_type: str) -> tuple[str, ...]:
    """The item ids a ledger entry of `entry_type` may name for this program, in file order.

    Empty when the entry type does not apply (competencies for a program without
    competency levels, statements for a program without frameworks).
    """
    if entry_type == OJL_HOURS:
        work_processes = program.get("work_processes") or []
        return tuple(wp["id"] for wp in work_processes) if work_processes else (OJL_ITEM,)
    if entry_type == RTI_HOURS:
        courses = (program.get("related_instruction") or {}).get("courses") or []
        return tuple(course["id"] for course in courses) + (RTI_ITEM,)
    if entry_type == COMPETENCY:
        if not program.get("competency_levels"):
            return ()
        return tuple(c["id"] for c in program.get("competencies") or [])
    if entry_type == STATEMENT:
        return tuple(
            statement["id"]
            for framework in frameworks
            for level in sorted_levels(framework)
            for statement in level["statements"]
        )
    raise LedgerError(f"unknown entry type {entry_type!r}")


@dataclass
class ItemHours:
    """One work process's (or course's) hours, the dates they span, and who signed them off."""

    hours: Decimal = ZERO
    entries: int = 0
    first: datetime.date | None = None
    last: datetime.date | None = None
    signers: set[str] = field(default_factory=set)

    def add(self, hours: Decimal, day: datetime.date, signer: str | None) -> None:
        self.hours += hours
        self.entries += 1
        self.first = day if self.first is None or day < self.first else self.first
        self.last = day if self.last is None or day > self.last else self.last
        if signer:
            self.signers.add(signer)

    def to_json(self) -> list:
        return [str(self.hours), self.entries, _iso(self.first), _iso(self.last), sorted(self.signers)]

    @classmethod
    def from_json(cls, data: list) -> ItemHours:
        return cls(Decimal(data[0]), data[1], _day(data[2]), _day(data[3]), set(data[4]))

    def evidence(self, item: str) -> HoursEvidence:
        return HoursEvidence(item, self.hours, self.entries, self.first, self.last, tuple(sorted(self.signers)))


@dataclass(frozen=True)
class ProgramRules:
    """What the state needs from a program version and its frameworks, read once per version."""

    program_id: str
    levels: tuple[str, ...]
    items: Mapping[str, frozenset[str]]

    @classmethod
    def of(cls, program: Mapping, frameworks: Sequence[Mapping]) -> ProgramRules:
        return cls(program["id"], tuple(program.get("competency_levels") or ()),
                   {t: frozenset(program_items(program, frameworks, t)) for t in ENTRY_TYPES})


@dataclass
class RunningState:
    """Per enrolment: hours per work process and course, RTI per enrolment year, every
    sign-off per competency, each statement's first attainment, and what has been issued.

    `start` is the enrolment's start date: RTI year n runs from the (n-1)th anniversary."""

    start: datetime.date | None = None
    hours: dict[str, dict[str, ItemHours]] = field(default_factory=lambda: {t: {} for t in HOUR_TYPES})
    rti_years: dict[int, Decimal] = field(default_factory=dict)
    signoffs: dict[str, list[SignOff]] = field(default_factory=dict)
    statements: dict[str, SignOff] = field(default_factory=dict)
    entries: int = 0
    issued: set[str] = field(default_factory=set)
    # Corrections in the ledger: none means every day's hours are the plain sum of its records.
    corrections: int = 0

    # --- folding entries in -----------------------------------------------------------------

    def add(self, rules: ProgramRules, entry: EffectiveEntry) -> None:
        """Fold one standing entry in. Raises LedgerError for what the program cannot read."""
        if entry.item not in rules.items.get(entry.entry_type, ()):
            raise LedgerError(f"entry {entry.id}: {entry.entry_type} item {entry.item!r} "
                              f"is not defined by program {rules.program_id}")
        if entry.entry_type in HOUR_TYPES:
            hours = parse_hours(entry.value)
            self.hours[entry.entry_type].setdefault(entry.item, ItemHours()).add(hours, entry.date,
                                                                                 entry.signed_off_by)
            if entry.entry_type == RTI_HOURS:
                year = self.year_of(entry.date)
                self.rti_years[year] = self.rti_years.get(year, ZERO) + hours
        elif entry.entry_type == COMPETENCY:
            level = str(entry.value).strip().lower()
            if level not in rules.levels:
                raise LedgerError(f"competency level {entry.value!r} is not one of {', '.join(rules.levels)}")
            found = self.signoffs.setdefault(entry.item, [])
            found.append(SignOff(level, entry.date, entry.signed_off_by, entry.entry_ids))
            found.sort(key=lambda s: (s.date, s.entry_ids[0]))
        else:
            if str(entry.value).strip().lower() != ATTAINED:
                raise LedgerError(f"entry {entry.id}: statement value {entry.value!r} is not {ATTAINED!r}")
            first = self.statements.get(entry.item)
            signoff = SignOff(ATTAINED, entry.date, entry.signed_off_by, entry.entry_ids)
            # The first attainment is the one that showed it; a repeat does not move the date.
            if first is None or (entry.date, entry.id) < (first.date, first.entry_ids[0]):
                self.statements[entry.item] = signoff
        self.entries += 1

    def year_of(self, day: datetime.date) -> int:
        """The enrolment year (0 = the first) `day` falls in; 0 without a start date."""
        if self.start is None:
            return 0
        years = day.year - self.start.year - ((day.month, day.day) < (self.start.month, self.start.day))
        return max(years, 0)

    # --- reading -----------------------------------------------------------------------------

    def hours_of(self, entry_type: str, item: str) -> Decimal:
        found = self.hours[entry_type].get(item)
        return ZERO if found is None else found.hours

    def total(self, entry_type: str) -> Decimal:
        return sum((h.hours for h in self.hours[entry_type].values()), ZERO)

    def best(self, rules: ProgramRules, competency_id: str) -> SignOff | None:
        """The sign-off that counts: the highest level, the earliest among equals. A later lower
        sign-off never lowers it."""
        found = self.signoffs.get(competency_id)
        return min(found, key=lambda s: s.order(rules.levels)) if found else None

    # --- JSON form ---------------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "start": _iso(self.start),
            "hours": {t: {i: h.to_json() for i, h in items.items()} for t, items in self.hours.items()},
            "rti_years": {str(y): str(h) for y, h in self.rti_years.items()},
            "signoffs": {c: [_signoff_json(s) for s in found] for c, found in self.signoffs.items()},
            "statements": {s: _signoff_json(signoff) for s, signoff in self.statements.items()},
            "entries": self.entries,
            "issued": sorted(self.issued),
            "corrections": self.corrections,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> RunningState:
        return cls(
            start=_day(data["start"]),
            hours={t: {i: ItemHours.from_json(h) for i, h in data["hours"].get(t, {}).items()} for t in HOUR_TYPES},
            rti_years={int(y): Decimal(h) for y, h in data["rti_years"].items()},
            signoffs={c: [_signoff(s) for s in found] for c, found in data["signoffs"].items()},
            statements={s: _signoff(v) for s, v in data["statements"].items()},
            entries=data["entries"],
            issued=set(data["issued"]),
            corrections=data.get("corrections", 0),
        )

    def copy(self) -> RunningState:
        return RunningState.from_json(self.to_json())


def fold(rules: ProgramRules, ledger: Iterable[EffectiveEntry], start: datetime.date | None = None) -> RunningState:
    """The state of a whole effective ledger: the reference the incremental path must equal."""
    state = RunningState(start=start)
    for entry in ledger:
        state.add(rules, entry)
    return state


def _signoff_json(signoff: SignOff) -> list:
    return [signoff.level, signoff.date.isoformat(), signoff.signed_off_by, list(signoff.entry_ids)]


def _signoff(data: list) -> SignOff:
    return SignOff(data[0], datetime.date.fromisoformat(data[1]), data[2], tuple(data[3]))


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> datetime.date | None:
    return None if text is None else datetime.date.fromisoformat(text)
