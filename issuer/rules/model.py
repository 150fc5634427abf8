"""Plain data for the rules: ledger entries in, achievement statuses out.

Nothing here knows about the database or the web layer. The service turns its ledger rows
into `LedgerEntry` values, calls `issuer.rules.evaluate`, and reads `Progress` back.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from issuer.errors import LerError
from issuer.rules.evidence import Evidence

# Ledger vocabulary, shared with `issuer.progress.validation`.
OJL_HOURS = "ojl_hours"
RTI_HOURS = "rti_hours"
COMPETENCY = "competency"
STATEMENT = "statement"
ENTRY_TYPES = (OJL_HOURS, RTI_HOURS, COMPETENCY, STATEMENT)

RECORD = "record"
REVERSE = "reverse"
AMEND = "amend"
ACTIONS = (RECORD, REVERSE, AMEND)

# Lowest first: the position is the rank used for "highest level recorded".
COMPETENCY_LEVELS = ("fundamentals", "intermediate", "proficient")
ATTAINED = "attained"

# Item ids that stand for "no particular work process / course".
OJL_ITEM = "ojl"
RTI_ITEM = "rti"

# AchievementStatus.kind values.
FRAMEWORK_LEVEL = "framework_level"
WORK_PROCESS = "work_process"
RELATED_INSTRUCTION = "related_instruction"
OCCUPATION = "occupation"

RELATED_INSTRUCTION_KEY = "related-instruction"
OCCUPATION_KEY = "occupation"


def level_key(framework_id: str, level_id: str) -> str:
    return f"level:{framework_id}:{level_id}"


def work_process_key(work_process_id: str) -> str:
    return f"work-process:{work_process_id}"


class LedgerError(LerError, ValueError):
    """The ledger (or the program data it is read against) cannot be evaluated.

    Raised for broken corrections (naming a missing or later entry, amending a reversal),
    values the rules cannot read, and items the program does not define. Entries that went
    through `issuer.progress.validation.validate_entry` never trigger the value/item cases.
    """


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger row as the rules see it.

    `value` is hours as a decimal string, a competency level, or "attained". A correction
    has `corrects` set to an earlier entry's id and `action` "reverse" (cancel that entry) or
    "amend" (replace that entry's value and date, and its sign-off when this one names one).
    """

    id: int
    entry_type: str
    item: str
    value: str
    date: datetime.date
    signed_off_by: str | None = None
    corrects: int | None = None
    action: str = RECORD


@dataclass(frozen=True)
class AchievementStatus:
    """Where one achievement stands for one apprentice.

    `done`/`needed` feed a progress bar in `unit`: "hours" (Decimal) or a count (int) of
    "statements", "competencies" or, for hybrid occupations whose requirements mix hours and
    sign-offs, "requirements". `done` is not capped at `needed`. `evidence` says what earned it
    (`issuer.rules.evidence`); a credential renders it.
    """

    key: str
    kind: str
    title: str
    earned: bool
    missing: tuple[str, ...]
    done: Decimal | int
    needed: Decimal | int
    covers: tuple[str, ...]
    evidence: Evidence | None = None
    unit: str = ""


@dataclass(frozen=True)
class Progress:
    program_id: str
    achievements: tuple[AchievementStatus, ...]
    totals: dict = field(default_factory=dict, hash=False)

    def get(self, key: str) -> AchievementStatus | None:
        for achievement in self.achievements:
            if achievement.key == key:
                return achievement
        return None

    def __getitem__(self, key: str) -> AchievementStatus:
        achievement = self.get(key)
        if achievement is None:
            raise KeyError(key)
        return achievement

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.achievements)

    @property
    def earned_keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.achievements if a.earned)


@dataclass(frozen=True)
class EffectiveEntry:
    """A recorded entry as it stands after every correction.

    `id` is the original record's id; value, date and signed_off_by come from its latest
    standing amendment, if any. `entry_ids` lists the record and the amendments applied to it,
    i.e. the ledger rows a credential's evidence should cite.
    """

    id: int
    entry_type: str
    item: str
    value: str
    date: datetime.date
    signed_off_by: str | None
    entry_ids: tuple[int, ...]
