"""What every requirement rule reads: the running state seen per requirement (Tally), and hour
figures as Decimal and as people write them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from issuer.rules.evidence import CompetencyEvidence, HoursEvidence, StatementEvidence
from issuer.rules.state import ProgramRules, RunningState


ZERO = Decimal(0)


def format_hours(hours: Decimal) -> str:
    """Hours as people write them: "12.5", "300", never "3E+2" or "12.50"."""
    return format(hours.normalize(), "f")


def figure(value) -> Decimal | None:
    """An hour figure from a program file (int, float or null) as Decimal."""
    return None if value is None else Decimal(str(value))



def hours_short(item: str, done: Decimal, needed: Decimal, kind: str, suffix: str = "") -> str:
    return f"{item}: {format_hours(done)} of {format_hours(needed)} {kind} hours{suffix}"



class Tally:
    """The running state as the achievement rules read it."""

    def __init__(self, rules: ProgramRules, state: RunningState):
        self.rules, self.state = rules, state
        self.levels = rules.levels
        self.statements = state.statements
        self.best = {cid: state.best(rules, cid) for cid in state.signoffs}

    def hours(self, entry_type: str, item: str) -> Decimal:
        return self.state.hours_of(entry_type, item)

    def total(self, entry_type: str) -> Decimal:
        return self.state.total(entry_type)

    def level_of(self, competency_id: str) -> str | None:
        best = self.best.get(competency_id)
        return None if best is None else best.level

    def hours_evidence(self, entry_type: str) -> tuple[HoursEvidence, ...]:
        """Each recorded item's hours, the dates they span and who signed them off, in id order."""
        return tuple(found.evidence(item) for item, found in sorted(self.state.hours[entry_type].items()))

    def item_evidence(self, entry_type: str, item: str) -> HoursEvidence | None:
        found = self.state.hours[entry_type].get(item)
        return None if found is None else found.evidence(item)

    def competency_evidence(self, ids: Iterable[str]) -> tuple[CompetencyEvidence, ...]:
        """The sign-off that counts for each competency, and every sign-off it had (level, who, when)."""
        return tuple(CompetencyEvidence(cid, self.best[cid], tuple(self.state.signoffs[cid]))
                     for cid in ids if cid in self.best)

    def statement_evidence(self, ids: Iterable[str]) -> tuple[StatementEvidence, ...]:
        return tuple(StatementEvidence(sid, self.statements[sid]) for sid in ids if sid in self.statements)
