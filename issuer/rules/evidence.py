"""What earned an achievement, as typed values: the rules return them, the credential renders them.

Each `AchievementStatus.evidence` is one of these (see `Evidence`): a framework level lists
its statements' attainments, a work process its hours, dates and signers, related instruction
each course's hours, the completed occupation every work process and course with its hours and
each competency's sign-offs. Hours are Decimal and dates `datetime.date`; nothing here is JSON.
The running state has its own JSON form (`issuer.rules.state`), and the credential its own
wording (`issuer.issuance.evidence`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SignOff:
    """A competency sign-off or a statement's attainment: level (or "attained"), who, when, and
    the ledger rows behind it (the record and the amendments applied to it)."""

    level: str
    date: datetime.date
    signed_off_by: str | None
    entry_ids: tuple[int, ...]

    def order(self, levels: Sequence[str]) -> tuple:
        """Sort key of "the sign-off that counts": highest level first, then the earliest."""
        rank = levels.index(self.level) if self.level in levels else 0
        return (-rank, self.date, self.entry_ids[0])


@dataclass(frozen=True)
class HoursEvidence:
    """The hours recorded on one work process or course (or the unassigned "ojl"/"rti" item),
    the dates they span, how many entries, and who signed them off."""

    item: str
    hours: Decimal
    entries: int
    first_date: datetime.date
    last_date: datetime.date
    signed_off_by: tuple[str, ...]


@dataclass(frozen=True)
class StatementEvidence:
    """A framework statement and the attainment that counts: its first."""

    statement: str
    signoff: SignOff


@dataclass(frozen=True)
class CompetencyEvidence:
    """A competency: every standing sign-off in date order, and the one that counts (`best`)."""

    competency: str
    best: SignOff
    signoffs: tuple[SignOff, ...]


@dataclass(frozen=True)
class LevelEvidence:
    """A framework level at the framework version the credential cites: its attained statements."""

    framework_id: str
    framework_version: str
    level: str
    statements: tuple[StatementEvidence, ...]

    def signoff_of(self, statement_id: str) -> SignOff | None:
        return next((s.signoff for s in self.statements if s.statement == statement_id), None)


@dataclass(frozen=True)
class WorkProcessEvidence:
    """A work process's hours; `recorded` is None until an entry names it."""

    work_process: str
    recorded: HoursEvidence | None


@dataclass(frozen=True)
class RelatedInstructionEvidence:
    """Related instruction: the hours required in total, and each course's recorded hours."""

    required_hours: Decimal
    courses: tuple[HoursEvidence, ...]


@dataclass(frozen=True)
class OccupationEvidence:
    """The completed apprenticeship: every work process's and course's recorded hours (a hybrid
    keeps its OJL hours), each competency's sign-offs, and a hybrid's OJL minimum."""

    approach: str
    ojl: tuple[HoursEvidence, ...]
    rti: tuple[HoursEvidence, ...]
    competencies: tuple[CompetencyEvidence, ...] = ()
    minimum_ojl_hours: Decimal | None = None

    def competency(self, competency_id: str) -> CompetencyEvidence | None:
        return next((c for c in self.competencies if c.competency == competency_id), None)


@dataclass(frozen=True)
class AttestationEvidence:
    """The sponsor's word in a cohort batch instead of the ledger: what it attests."""

    statement: str


Evidence = (LevelEvidence | WorkProcessEvidence | RelatedInstructionEvidence | OccupationEvidence
            | AttestationEvidence)
