"""Related instruction (RTI): the hours threshold a program states, each course's own hours, and
the hours of each enrolment year."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from issuer.rules.model import RELATED_INSTRUCTION, RELATED_INSTRUCTION_KEY, RTI_HOURS, RTI_ITEM, AchievementStatus
from issuer.rules.evidence import RelatedInstructionEvidence
from issuer.rules.state import RunningState
from issuer.rules.tally import ZERO, Tally, figure, hours_short


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
    (`related_instruction_status`), so the effective requirement is the total and every course.
    Hours recorded against the literal item "rti" (unassigned) count toward the total only.
    """
    ri = program.get("related_instruction") or {}
    total = figure(ri.get("total_hours"))
    if total is not None:
        return total
    per_year = figure(ri.get("hours_per_year"))
    if per_year is not None:
        years = figure((program.get("term") or {}).get("years"))
        return per_year * (years if years is not None else 1)
    course_hours = [figure(c.get("hours")) for c in ri.get("courses") or []]
    if any(h is not None for h in course_hours):
        return sum((h for h in course_hours if h is not None), ZERO)
    return None


def related_instruction_status(program: Mapping, tally: Tally) -> AchievementStatus | None:
    needed = related_instruction_hours(program)
    if needed is None:
        return None
    courses = (program.get("related_instruction") or {}).get("courses") or []
    done = tally.total(RTI_HOURS)
    missing = []
    if done < needed:
        missing.append(hours_short(RTI_ITEM, done, needed, "RTI", " in total"))
    for course in courses:
        course_needed = figure(course.get("hours"))
        course_done = tally.hours(RTI_HOURS, course["id"])
        if course_needed is not None and course_done < course_needed:
            missing.append(hours_short(course["id"], course_done, course_needed, "RTI"))
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



def rti_years(program: Mapping, state: RunningState) -> list[dict]:
    """Each enrolment year's RTI hours against the program's yearly figure (see the program
    README): year n runs from the (n-1)th anniversary of the start date to the day before the
    next. Years shown: the program's term when it states one, and every year with hours."""
    if state.start is None:
        return []
    per_year = figure((program.get("related_instruction") or {}).get("hours_per_year"))
    term = figure((program.get("term") or {}).get("years"))
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
