"""The completed apprenticeship (the occupation), by the program's approach: time-based hours,
competencies, or the hybrid of both."""

from __future__ import annotations

from collections.abc import Mapping

from issuer.rules.model import OCCUPATION, OCCUPATION_KEY, OJL_HOURS, OJL_ITEM, RTI_HOURS, AchievementStatus, \
    LedgerError
from issuer.rules.evidence import OccupationEvidence
from issuer.rules.tally import ZERO, Tally, figure, hours_short
from issuer.rules.work_processes import work_process_needed
from issuer.rules.competencies import competency_shortfalls


def occupation_status(program: Mapping, tally: Tally) -> AchievementStatus:
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
        needed = work_process_needed(wp)
        done = tally.hours(OJL_HOURS, wp["id"])
        if done < needed:
            wp_missing.append(hours_short(wp["id"], done, needed, "OJL"))

    ojl, rti = tally.hours_evidence(OJL_HOURS), tally.hours_evidence(RTI_HOURS)

    if approach == "time-based":
        term_hours = figure((program.get("term") or {}).get("ojl_hours"))
        wp_sum = sum((work_process_needed(wp) for wp in work_processes), ZERO)
        if term_hours is None and not work_processes:
            raise LedgerError(f"time-based program {program['id']} states no OJL hours")
        missing = list(wp_missing)
        if term_hours is not None and ojl_total < term_hours:
            missing.append(hours_short(OJL_ITEM, ojl_total, term_hours, "OJL", " in total"))
        done, needed, unit, covers = ojl_total, term_hours if term_hours is not None else wp_sum, "hours", wp_ids
        evidence = OccupationEvidence(approach, ojl, rti)
    elif approach == "competency-based":
        missing, met = competency_shortfalls(program, tally)
        if not competencies:
            raise LedgerError(f"competency-based program {program['id']} lists no competencies")
        done, needed, unit, covers = met, len(competencies), "competencies", competencies
        evidence = OccupationEvidence(approach, ojl, rti, tally.competency_evidence(competencies))
    elif approach == "hybrid":
        minimum = figure((program.get("hybrid") or {}).get("minimum_ojl_hours"))
        if minimum is None:
            raise LedgerError(f"hybrid program {program['id']} has no hybrid.minimum_ojl_hours")
        competency_missing, met = competency_shortfalls(program, tally)
        missing = []
        if ojl_total < minimum:
            missing.append(hours_short(OJL_ITEM, ojl_total, minimum, "OJL", " in total (hybrid minimum)"))
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
