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
  `_occupation`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from issuer.rules.model import (
    AMEND,
    ENTRY_TYPES,
    FRAMEWORK_LEVEL,
    OCCUPATION,
    OCCUPATION_KEY,
    OJL_HOURS,
    OJL_ITEM,
    RECORD,
    RELATED_INSTRUCTION,
    RELATED_INSTRUCTION_KEY,
    REVERSE,
    RTI_HOURS,
    RTI_ITEM,
    WORK_PROCESS,
    AchievementStatus,
    EffectiveEntry,
    LedgerEntry,
    LedgerError,
    Progress,
    level_key,
    work_process_key,
)
from issuer.rules.evidence import (
    CompetencyEvidence,
    HoursEvidence,
    LevelEvidence,
    OccupationEvidence,
    RelatedInstructionEvidence,
    StatementEvidence,
    WorkProcessEvidence,
)
from issuer.rules.state import ProgramRules, RunningState, fold, sorted_levels

ZERO = Decimal(0)


# --- small helpers -------------------------------------------------------------------------


def format_hours(hours: Decimal) -> str:
    """Hours as people write them: "12.5", "300", never "3E+2" or "12.50"."""
    return format(hours.normalize(), "f")


def _figure(value) -> Decimal | None:
    """An hour figure from a program file (int, float or null) as Decimal."""
    return None if value is None else Decimal(str(value))


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


# --- the effective ledger ------------------------------------------------------------------


def effective_ledger(entries: Iterable[LedgerEntry]) -> tuple[EffectiveEntry, ...]:
    """Apply every correction and return the standing records, in id order.

    - a "reverse" entry cancels the entry it names; reversing a reversal brings its target
      back, and reversing an amendment restores the value it had replaced;
    - an "amend" entry replaces the named entry's value and date (and its signed_off_by when
      the amendment names one); the latest standing amendment wins; amending an amendment
      amends what that amendment says;
    - a correction must name an earlier entry, keep the target's entry_type, and keep its item
      (or leave item empty); an amendment cannot target a reversal (nothing to amend).

    Raises LedgerError for a ledger that breaks these rules.
    """
    ordered = sorted(entries, key=lambda e: e.id)
    by_id: dict[int, LedgerEntry] = {}
    root_of: dict[int, int] = {}  # entry id -> id of the record it ultimately corrects
    reversals: dict[int, list[int]] = defaultdict(list)
    amendments: dict[int, list[int]] = defaultdict(list)

    for entry in ordered:
        if entry.id in by_id:
            raise LedgerError(f"entry id {entry.id} appears twice")
        if entry.action not in (RECORD, REVERSE, AMEND):
            raise LedgerError(f"entry {entry.id}: unknown action {entry.action!r}")
        if entry.action == RECORD:
            if entry.corrects is not None:
                raise LedgerError(f"entry {entry.id}: a record cannot correct another entry")
            if entry.entry_type not in ENTRY_TYPES:
                raise LedgerError(f"entry {entry.id}: unknown entry type {entry.entry_type!r}")
            root_of[entry.id] = entry.id
        else:
            if entry.corrects is None:
                raise LedgerError(f"entry {entry.id}: a {entry.action} must name the entry it corrects")
            target = by_id.get(entry.corrects)
            if target is None:
                # Sorted by id, so an absent target is either missing or not earlier.
                raise LedgerError(f"entry {entry.id} corrects entry {entry.corrects}, which is not an earlier entry")
            if entry.action == AMEND and target.action == REVERSE:
                raise LedgerError(f"entry {entry.id} amends entry {target.id}, a reversal; reverse it instead")
            root = by_id[root_of[target.id]]
            if entry.entry_type != root.entry_type or (entry.item and entry.item != root.item):
                # Moving hours to another item is a reversal plus a new record, not an edit.
                raise LedgerError(
                    f"entry {entry.id} corrects entry {root.id} ({root.entry_type} {root.item}) "
                    f"but says {entry.entry_type} {entry.item}"
                )
            root_of[entry.id] = root.id
            (reversals if entry.action == REVERSE else amendments)[target.id].append(entry.id)
        by_id[entry.id] = entry

    # Corrections always have higher ids than their targets, so walking ids downwards
    # settles every correction before the entry it corrects.
    standing: dict[int, bool] = {}
    resolved: dict[int, tuple[str, datetime.date, str | None, tuple[int, ...]]] = {}
    for entry in reversed(ordered):
        standing[entry.id] = not any(standing[r] for r in reversals[entry.id])
        if entry.action == REVERSE:
            continue
        latest = next((a for a in reversed(amendments[entry.id]) if standing[a]), None)
        if latest is None:
            resolved[entry.id] = (entry.value, entry.date, entry.signed_off_by, (entry.id,))
        else:
            value, date, signed_off_by, ids = resolved[latest]
            resolved[entry.id] = (value, date, signed_off_by or entry.signed_off_by, (entry.id,) + ids)

    result = []
    for entry in ordered:
        if entry.action != RECORD or not standing[entry.id]:
            continue
        value, date, signed_off_by, ids = resolved[entry.id]
        result.append(
            EffectiveEntry(
                id=entry.id,
                entry_type=entry.entry_type,
                item=entry.item,
                value=value,
                date=date,
                signed_off_by=signed_off_by,
                entry_ids=tuple(sorted(ids)),
            )
        )
    return tuple(result)


# --- thresholds ----------------------------------------------------------------------------


def related_instruction_hours(program: Mapping) -> Decimal | None:
    """The total RTI hours the program requires, or None when it states no RTI figure at all.

    Choice, in order of precedence:

    1. `related_instruction.total_hours` when set: it is the source's own total (DOL 2020-100
       says "at least 288 hours per year" but totals its course table at 288, so 288 and not
       288 x 2; the expected two years there are not a fixed term);
    2. else `hours_per_year` x `term.years`, or x 1 when `years` is null (New York: 144 per
       year, no term in years, so 144; a program that states years gets the full term);
    3. else the sum of the course hours, when courses carry hours;
    4. else None: no related-instruction achievement (IMEC).

    Separately, when courses carry hours each such course's own hours must be met too
    (`_related_instruction`), so the effective requirement is the total and every course.
    Hours recorded against the literal item "rti" (unassigned) count toward the total only.
    """
    ri = program.get("related_instruction") or {}
    total = _figure(ri.get("total_hours"))
    if total is not None:
        return total
    per_year = _figure(ri.get("hours_per_year"))
    if per_year is not None:
        years = _figure((program.get("term") or {}).get("years"))
        return per_year * (years if years is not None else 1)
    course_hours = [_figure(c.get("hours")) for c in ri.get("courses") or []]
    if any(h is not None for h in course_hours):
        return sum((h for h in course_hours if h is not None), ZERO)
    return None


# --- reading the running state -------------------------------------------------------------


class _View:
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


# --- achievements --------------------------------------------------------------------------


def _framework_levels(framework: Mapping, tally: _View) -> list[AchievementStatus]:
    statuses = []
    unearned_below: list[str] = []
    for level in sorted_levels(framework):
        ids = tuple(s["id"] for s in level["statements"])
        own_missing = [f"{sid}: not attained" for sid in ids if sid not in tally.statements]
        lower = [f"{lid}: lower level not earned yet" for lid in unearned_below]
        earned = not own_missing and not unearned_below
        statuses.append(
            AchievementStatus(
                key=level_key(framework["id"], level["id"]),
                kind=FRAMEWORK_LEVEL,
                title=f"{framework['title']}: {level['label']}",
                earned=earned,
                missing=tuple(lower + own_missing),
                done=len(ids) - len(own_missing),
                needed=len(ids),
                covers=ids,
                evidence=LevelEvidence(framework["id"], framework["version"], level["id"],
                                       tally.statement_evidence(ids)),
                unit="statements",
            )
        )
        if not earned:
            unearned_below.append(level["id"])
    return statuses


def _hours_short(item: str, done: Decimal, needed: Decimal, kind: str, suffix: str = "") -> str:
    return f"{item}: {format_hours(done)} of {format_hours(needed)} {kind} hours{suffix}"


def _work_process_needed(wp: Mapping) -> Decimal:
    needed = _figure(wp.get("hours"))
    if needed is None:
        raise LedgerError(f"work process {wp['id']} has no hours")
    return needed


def _work_process(wp: Mapping, tally: _View) -> AchievementStatus:
    needed = _work_process_needed(wp)
    done = tally.hours(OJL_HOURS, wp["id"])
    earned = done >= needed
    return AchievementStatus(
        key=work_process_key(wp["id"]),
        kind=WORK_PROCESS,
        title=f"Work process {wp['code']}: {wp['title']}" if wp.get("code") else wp["title"],
        earned=earned,
        missing=() if earned else (_hours_short(wp["id"], done, needed, "OJL"),),
        done=done,
        needed=needed,
        covers=(wp["id"],),
        evidence=WorkProcessEvidence(wp["id"], tally.item_evidence(OJL_HOURS, wp["id"])),
        unit="hours",
    )


def _related_instruction(program: Mapping, tally: _View) -> AchievementStatus | None:
    needed = related_instruction_hours(program)
    if needed is None:
        return None
    courses = (program.get("related_instruction") or {}).get("courses") or []
    done = tally.total(RTI_HOURS)
    missing = []
    if done < needed:
        missing.append(_hours_short(RTI_ITEM, done, needed, "RTI", " in total"))
    for course in courses:
        course_needed = _figure(course.get("hours"))
        course_done = tally.hours(RTI_HOURS, course["id"])
        if course_needed is not None and course_done < course_needed:
            missing.append(_hours_short(course["id"], course_done, course_needed, "RTI"))
    return AchievementStatus(
        key=RELATED_INSTRUCTION_KEY,
        kind=RELATED_INSTRUCTION,
        title="Related instruction",
        earned=not missing,
        missing=tuple(missing),
        done=done,
        needed=needed,
        covers=tuple(course["id"] for course in courses),
        evidence=RelatedInstructionEvidence(needed, tally.hours_evidence(RTI_HOURS)),
        unit="hours",
    )


def _competency_shortfalls(program: Mapping, tally: _View) -> tuple[list[str], int]:
    levels = tally.levels
    if not levels:
        raise LedgerError(f"program {program['id']} is {program['approach']} but lists no competency levels")
    top = levels[-1]
    missing = []
    for competency in program.get("competencies") or []:
        level = tally.level_of(competency["id"])
        if level is None:
            missing.append(f"{competency['id']}: not signed off, {top} needed")
        elif level != top:
            missing.append(f"{competency['id']}: at {level}, {top} needed")
    return missing, len(program.get("competencies") or []) - len(missing)


def _occupation(program: Mapping, tally: _View) -> AchievementStatus:
    """The completed apprenticeship, by approach.

    - time-based: every work process met, and total OJL >= term.ojl_hours when set;
      progress in hours against term.ojl_hours (or the work processes' sum);
    - competency-based: every competency's highest standing sign-off is the top level
      (proficient); progress in competencies;
    - hybrid: total OJL >= hybrid.minimum_ojl_hours and every competency at the top level,
      plus every work process when the program has any; progress in requirements met (the
      OJL minimum, each competency, each work process count one each), since hours and
      sign-offs do not add up.

    Related instruction is its own achievement and is not part of this rule, as specified.
    """
    approach = program["approach"]
    work_processes = program.get("work_processes") or []
    competencies = [c["id"] for c in program.get("competencies") or []]
    wp_ids = [wp["id"] for wp in work_processes]
    ojl_total = tally.total(OJL_HOURS)

    wp_missing = []
    for wp in work_processes:
        needed = _work_process_needed(wp)
        done = tally.hours(OJL_HOURS, wp["id"])
        if done < needed:
            wp_missing.append(_hours_short(wp["id"], done, needed, "OJL"))

    ojl, rti = tally.hours_evidence(OJL_HOURS), tally.hours_evidence(RTI_HOURS)

    if approach == "time-based":
        term_hours = _figure((program.get("term") or {}).get("ojl_hours"))
        wp_sum = sum((_work_process_needed(wp) for wp in work_processes), ZERO)
        if term_hours is None and not work_processes:
            raise LedgerError(f"time-based program {program['id']} states no OJL hours")
        missing = list(wp_missing)
        if term_hours is not None and ojl_total < term_hours:
            missing.append(_hours_short(OJL_ITEM, ojl_total, term_hours, "OJL", " in total"))
        done, needed, unit, covers = ojl_total, term_hours if term_hours is not None else wp_sum, "hours", wp_ids
        evidence = OccupationEvidence(approach, ojl, rti)
    elif approach == "competency-based":
        missing, met = _competency_shortfalls(program, tally)
        if not competencies:
            raise LedgerError(f"competency-based program {program['id']} lists no competencies")
        done, needed, unit, covers = met, len(competencies), "competencies", competencies
        evidence = OccupationEvidence(approach, ojl, rti, tally.competency_evidence(competencies))
    elif approach == "hybrid":
        minimum = _figure((program.get("hybrid") or {}).get("minimum_ojl_hours"))
        if minimum is None:
            raise LedgerError(f"hybrid program {program['id']} has no hybrid.minimum_ojl_hours")
        competency_missing, met = _competency_shortfalls(program, tally)
        missing = []
        if ojl_total < minimum:
            missing.append(_hours_short(OJL_ITEM, ojl_total, minimum, "OJL", " in total (hybrid minimum)"))
        missing += wp_missing + competency_missing
        needed = 1 + len(work_processes) + len(competencies)
        done = needed - len(missing)
        unit, covers = "requirements", wp_ids + competencies
        evidence = OccupationEvidence(approach, ojl, rti, tally.competency_evidence(competencies), minimum)
    else:
        raise LedgerError(f"program {program['id']} has unknown approach {approach!r}")

    return AchievementStatus(
        key=OCCUPATION_KEY,
        kind=OCCUPATION,
        title=f"{program['title']}: completed apprenticeship",
        earned=not missing,
        missing=tuple(missing),
        done=done,
        needed=needed,
        covers=tuple(covers),
        evidence=evidence,
        unit=unit,
    )


def _totals(program: Mapping, tally: _View) -> dict:
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
        "rti_by_year": _rti_years(program, state),
        "competencies": counts,
        "competencies_not_signed_off": len(competencies) - len(tally.best) if tally.levels else 0,
        "statements_attained": len(tally.statements),
        "effective_entries": state.entries,
    }


def _rti_years(program: Mapping, state: RunningState) -> list[dict]:
    """Each enrolment year's RTI hours against the program's yearly figure (see the program
    README): year n runs from the (n-1)th anniversary of the start date to the day before the
    next. Years shown: the program's term when it states one, and every year with hours."""
    if state.start is None:
        return []
    per_year = _figure((program.get("related_instruction") or {}).get("hours_per_year"))
    term = _figure((program.get("term") or {}).get("years"))
    last = max([*state.rti_years, int(term) - 1 if term else 0])
    years = []
    for year in range(last + 1):
        begins, ends = _anniversary(state.start, year), _anniversary(state.start, year + 1)
        hours = state.rti_years.get(year, ZERO)
        years.append({"year": year + 1, "from": begins.isoformat(),
                      "to": (ends - datetime.timedelta(days=1)).isoformat(), "hours": hours,
                      "needed": per_year, "met": per_year is None or hours >= per_year})
    return years


def _anniversary(start: datetime.date, years: int) -> datetime.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year: the year turns on 1 March
        return datetime.date(start.year + years, 3, 1)


def rules_of(program: Mapping, frameworks: Sequence[Mapping]) -> ProgramRules:
    """The program version read once, checked: what `progress` and `RunningState.add` need."""
    _check_frameworks(program, list(frameworks))
    return ProgramRules.of(program, frameworks)


def progress(program: Mapping, frameworks: Sequence[Mapping], rules: ProgramRules, state: RunningState) -> Progress:
    """Where every achievement stands, read from the running state alone."""
    tally = _View(rules, state)
    achievements: list[AchievementStatus] = []
    for framework in frameworks:
        achievements += _framework_levels(framework, tally)
    for wp in program.get("work_processes") or []:
        achievements.append(_work_process(wp, tally))
    related = _related_instruction(program, tally)
    if related is not None:
        achievements.append(related)
    achievements.append(_occupation(program, tally))
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
