"""Pure rules: (program, frameworks, ledger entries) -> which achievements are earned, and why not.

Everything is computed from the *effective* ledger (`effective_ledger`): nothing is ever
deleted, corrections are later entries that reverse or amend an earlier one. Hours use
`Decimal` throughout, so 0.7 + 0.1 + 0.1 + 0.1 hours really is 1 hour.

Achievements, in this order:

- one per level of each framework given (`level:<framework_id>:<level_id>`), earned when all
  the level's statements are attained *and* every lower level is earned;
- one per work process (`work-process:<wp_id>`), earned when its OJL hours reach the work
  process's hours; none for programs without work processes;
- `related-instruction`, earned when the RTI hours threshold is met (see
  `related_instruction_hours`); none for programs that state no RTI hours at all;
- `occupation`, the completed apprenticeship, by the program's approach (see
  `issuer.rules.occupation`).

One module per requirement kind: levels (framework statements), work_processes (OJL hours),
instruction (RTI hours), competencies, occupation; ledger applies corrections, tally is what
they all read. This module puts them together: `evaluate` (the whole ledger) and `progress`
(from the running state).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from issuer.rules.model import OJL_HOURS, RTI_HOURS, AchievementStatus, LedgerEntry, LedgerError, Progress
from issuer.rules.state import ProgramRules, RunningState, fold
from issuer.rules.ledger import effective_ledger
from issuer.rules.tally import Tally
from issuer.rules.levels import framework_levels
from issuer.rules.work_processes import work_process_status
from issuer.rules.instruction import related_instruction_status, rti_years
from issuer.rules.occupation import occupation_status


def _check_frameworks(program: Mapping, frameworks: Sequence[Mapping]) -> None:
    given = [framework["id"] for framework in frameworks]
    absent = [fid for fid in program.get("frameworks") or [] if fid not in given]
    if absent:
        # Silently skipping would drop level achievements the program promises.
        raise LedgerError(f"program {program['id']} names framework(s) not given: {', '.join(absent)}")
    seen: dict[str, str] = {}
    for framework in frameworks:
        version = framework.get("version")
        if not isinstance(version, str) or not version:
            # Credential alignments cite the framework version; the files ship it as null.
            raise LedgerError(f"framework {framework['id']} has no version set (got {version!r})")
        for level in framework["levels"]:
            for statement in level["statements"]:
                # Ledger statement items are bare statement ids, so they must be unambiguous.
                if statement["id"] in seen:
                    raise LedgerError(
                        f"statement id {statement['id']} is in both {seen[statement['id']]} and {framework['id']}"
                    )
                seen[statement["id"]] = framework["id"]



def _totals(program: Mapping, tally: Tally) -> dict:
    counts = {level: 0 for level in tally.levels}
    for best in tally.best.values():
        counts[best.level] += 1
    competencies = program.get("competencies") or []
    state = tally.state
    return {
        "ojl_hours": tally.total(OJL_HOURS),
        "rti_hours": tally.total(RTI_HOURS),
        "ojl_hours_by_item": {item: h.hours for item, h in sorted(state.hours[OJL_HOURS].items())},
        "rti_hours_by_item": {item: h.hours for item, h in sorted(state.hours[RTI_HOURS].items())},
        "rti_by_year": rti_years(program, state),
        "competencies": counts,
        "competencies_not_signed_off": len(competencies) - len(tally.best) if tally.levels else 0,
        "statements_attained": len(tally.statements),
        "effective_entries": state.entries,
    }


def rules_of(program: Mapping, frameworks: Sequence[Mapping]) -> ProgramRules:
    """The program version read once, checked: what `progress` and `RunningState.add` need."""
    _check_frameworks(program, list(frameworks))
    return ProgramRules.of(program, frameworks)


def progress(program: Mapping, frameworks: Sequence[Mapping], rules: ProgramRules, state: RunningState) -> Progress:
    """Where every achievement stands, read from the running state alone."""
    tally = Tally(rules, state)
    achievements: list[AchievementStatus] = []
    for framework in frameworks:
        achievements += framework_levels(framework, tally)
    for wp in program.get("work_processes") or []:
        achievements.append(work_process_status(wp, tally))
    related = related_instruction_status(program, tally)
    if related is not None:
        achievements.append(related)
    achievements.append(occupation_status(program, tally))
    return Progress(program_id=program["id"], achievements=tuple(achievements), totals=_totals(program, tally))


def evaluate(program: Mapping, frameworks: Sequence[Mapping], entries: Iterable[LedgerEntry],
             start: datetime.date | None = None) -> Progress:
    """Evaluate one apprentice's whole ledger against one program version: the reference.

    `frameworks` are the framework files that apply (at least every one the program names),
    each with `version` set to a string; `start` is the enrolment's start date (RTI years).
    Raises LedgerError for a ledger or program data the rules cannot read; an unmet
    requirement is never an error, it is a `missing` reason.

    `totals`: ojl_hours and rti_hours (Decimal), *_hours_by_item, rti_by_year, competencies
    (count per highest level), competencies_not_signed_off, statements_attained,
    effective_entries.
    """
    frameworks = list(frameworks)
    rules = rules_of(program, frameworks)
    return progress(program, frameworks, rules, fold(rules, effective_ledger(entries), start))
