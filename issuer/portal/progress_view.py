"""An enrollment's progress laid out for people (levels and their statements, competencies and
the levels still open), and the template filters that write hours, percentages and times."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from issuer.workflow.earning import progress_of
from issuer.portal import security
from issuer.progress.models import Enrollment
from issuer.rules import OCCUPATION, SignOff, format_hours


# --- progress laid out for people ----------------------------------------------------------

@dataclass
class StatementRow:
    id: str
    text: str
    signed: SignOff | None           # the attainment that counts (date, signed_off_by), once attained


@dataclass
class LevelRow:
    key: str
    label: str
    title: str
    earned: bool
    statements: list[StatementRow]

    @property
    def done(self) -> int:
        return sum(1 for s in self.statements if s.signed)

    @property
    def remaining(self) -> list[StatementRow]:
        return [s for s in self.statements if not s.signed]


@dataclass
class CompetencyRow:
    id: str
    category: str | None
    text: str
    level: str | None
    signed: SignOff | None           # the sign-off at `level` that counts
    higher: tuple[str, ...]          # the levels it can still be signed off at


@dataclass
class ProgramProgress:
    enrollment: Enrollment
    program: dict
    achievements: tuple
    levels: list[LevelRow] = field(default_factory=list)
    competencies: list[CompetencyRow] = field(default_factory=list)
    competency_levels: tuple[str, ...] = ()
    totals: dict = field(default_factory=dict)
    frameworks: list[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.program["title"]

    @property
    def occupation(self):
        return next((a for a in self.achievements if a.kind == OCCUPATION), None)

    @property
    def competencies_left(self) -> list[CompetencyRow]:
        top = self.competency_levels[-1] if self.competency_levels else None
        return [c for c in self.competencies if c.level != top]

    @property
    def can_sign_off(self) -> bool:
        return bool(self.levels or self.competencies)


def program_progress(session: Session, enrollment: Enrollment) -> ProgramProgress:
    program, frameworks, progress = progress_of(session, enrollment)
    document = program.document
    by_key = {a.key: a for a in progress.achievements}
    levels = []
    for framework in frameworks:
        for level in sorted(framework["levels"], key=lambda lvl: lvl["order"]):
            status = by_key.get(f"level:{framework['id']}:{level['id']}")
            evidence = status.evidence if status else None
            levels.append(LevelRow(
                key=status.key if status else level["id"], label=level["label"],
                title=status.title if status else level["label"], earned=bool(status and status.earned),
                statements=[StatementRow(s["id"], s["text"], evidence.signoff_of(s["id"]) if evidence else None)
                            for s in level["statements"]]))
    competency_levels = tuple(document.get("competency_levels") or ())
    occupation = by_key.get("occupation")
    signed = occupation.evidence if occupation else None    # each competency's sign-offs
    competencies = []
    if competency_levels:
        for c in document.get("competencies") or []:
            found = signed.competency(c["id"]) if signed else None
            best = found.best if found else None
            level = best.level if best else None
            rank = competency_levels.index(level) if level in competency_levels else -1
            competencies.append(CompetencyRow(c["id"], c.get("category"), c["text"], level, best,
                                              competency_levels[rank + 1:]))
    return ProgramProgress(enrollment, document, progress.achievements, levels, competencies, competency_levels,
                           progress.totals, frameworks)




def percent(done, needed) -> int:
    if not needed:
        return 100
    return max(0, min(100, int(Decimal(str(done)) * 100 / Decimal(str(needed)))))


def number(value) -> str:
    """Hours and counts as people write them: 8.5, 300 (never 3E+2 or 8.50)."""
    return format_hours(value) if isinstance(value, Decimal) else str(value)


def when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return security.aware(value).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()
