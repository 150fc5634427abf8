"""The rules' evidence (`issuer.rules.evidence`) in words: the credential's OB 3.0 `evidence`.

One Evidence object per credential whose narrative lists what earned it, one clause per item:
a work process or course its hours, date range, entries and signers; a statement its
attainment; a competency the level that counts and every sign-off behind it. Wallets and
the credential page show the narrative as is, so it reads as text rather than as data.
"""

from __future__ import annotations

from collections.abc import Iterable

from issuer.credentials.openbadge import Evidence
from issuer.rules import evidence as ev
from issuer.rules import format_hours

# OB 3.0 sets no length limit; this keeps a credential of a 52-competency program a readable size.
NARRATIVE_LIMIT = 20000
UNRECORDED = "unrecorded"


def evidence_of(status) -> tuple[Evidence, ...]:
    """The credential's evidence for an earned `AchievementStatus`."""
    evidence = status.evidence
    if isinstance(evidence, ev.AttestationEvidence):
        # A sponsor's award (a cohort certificate), not a ledger threshold: the evidence says so.
        return (Evidence(name=f"Awarded by the sponsor: {status.title}",
                         narrative=evidence.statement[:NARRATIVE_LIMIT],
                         description="The sponsor attested this achievement for its cohort; it was not computed "
                                     "from progress ledger entries."),)
    lines = _lines(evidence)
    narrative = "; ".join(lines) if lines else f"{status.done} of {status.needed} required"
    return (Evidence(name=f"Progress behind: {status.title}", narrative=narrative[:NARRATIVE_LIMIT],
                     description="Summary of the progress ledger entries (OJL hours, related instruction, "
                                 "sign-offs) that met this achievement's threshold."),)


def _lines(evidence) -> list[str]:
    match evidence:
        case ev.WorkProcessEvidence(recorded=recorded):
            return _hours_lines([recorded] if recorded else [])
        case ev.RelatedInstructionEvidence(courses=courses):
            return _hours_lines(courses)
        case ev.LevelEvidence(statements=statements):
            return [_statement_line(s) for s in sorted(statements, key=lambda s: s.statement)]
        case ev.OccupationEvidence():
            # Everything that made the apprenticeship: each work process's hours and dates, the
            # related instruction, each competency's sign-offs (a hybrid keeps its OJL hours).
            return ([f"OJL {line}" for line in _hours_lines(evidence.ojl)]
                    + [f"RTI {line}" for line in _hours_lines(evidence.rti)]
                    + [_competency_line(c) for c in sorted(evidence.competencies, key=lambda c: c.competency)])
    return []


def _hours_lines(items: Iterable[ev.HoursEvidence]) -> list[str]:
    """"wp-a: 1500 hours, 2014-01-01 to 2018-02-08 (1500 entries, signed off by J. Mentor)" per item."""
    return [f"{h.item}: {format_hours(h.hours)} hours, {h.first_date} to {h.last_date} "
            f"({h.entries} entries, signed off by {', '.join(h.signed_off_by) or UNRECORDED})"
            for h in sorted(items, key=lambda h: h.item)]


def _statement_line(statement: ev.StatementEvidence) -> str:
    """"emerging-01: attained on 2024-02-01, signed off by Jo Rivera"."""
    signoff = statement.signoff
    return f"{statement.statement}: {signoff.level} on {signoff.date}, signed off by {signoff.signed_off_by or UNRECORDED}"


def _competency_line(competency: ev.CompetencyEvidence) -> str:
    """"c-01: proficient (intermediate on 2016-02-01 by A. Lead, proficient on 2016-05-11 by B. Lead)"."""
    said = ", ".join(f"{s.level} on {s.date} by {s.signed_off_by or UNRECORDED}" for s in competency.signoffs)
    return f"{competency.competency}: {competency.best.level} ({said})"
