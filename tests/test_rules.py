"""The rules (`issuer.rules`) and ledger entry validation (`issuer.progress.validation`).

Both are pure, so every test builds plain ledger entries against the shipped program files;
no database or app is involved and the whole module runs in well under a second.
"""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuer.progress.validation import EntryError, parse_date, validate_entry
from issuer.rules import (
    FRAMEWORK_LEVEL,
    OCCUPATION,
    RELATED_INSTRUCTION,
    WORK_PROCESS,
    CompetencyEvidence,
    HoursEvidence,
    LedgerEntry,
    LedgerError,
    SignOff,
    StatementEvidence,
    WorkProcessEvidence,
    effective_ledger,
    evaluate,
    format_hours,
    related_instruction_hours,
)

DATA = Path(__file__).parents[1] / "issuer/programs/data"
FW_ID = "framework-csr-43-4051-00"
LEVELS = ("emerging", "developing", "proficient", "advanced")
TODAY = datetime.date(2025, 6, 30)
DAY = datetime.date(2024, 1, 2)  # early enough that 1,500 hours of 8-hour days end before TODAY
SUPERVISOR = "J. Journeyworker"


def _load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


_FILES = {name: _load(name) for name in ("dol-csr-3001cb", "ny-csr", "imec-csr", "dol-cs-tech-support-3031", FW_ID)}


def program(name: str) -> dict:
    # Deep copies, so a test that tweaks a program cannot leak into another.
    return copy.deepcopy(_FILES[name])


def framework() -> dict:
    fw = copy.deepcopy(_FILES[FW_ID])
    fw["version"] = "2026-05-15"  # the service assigns versions; the file ships null
    return fw


def frameworks_for(prog: dict) -> list[dict]:
    return [framework()] if FW_ID in prog["frameworks"] else []


def level(level_id: str) -> str:
    return f"level:{FW_ID}:{level_id}"


class Ledger:
    """Builds ledger entries with increasing ids, the way the service stores them."""

    def __init__(self):
        self.entries: list[LedgerEntry] = []
        self.last_id = 0

    def add(self, entry_type, item, value, *, date=DAY, signed_off_by=SUPERVISOR, corrects=None, action="record") -> int:
        self.last_id += 1
        entry_id = self.last_id
        self.entries.append(LedgerEntry(entry_id, entry_type, item, str(value), date, signed_off_by, corrects, action))
        return entry_id

    def _target(self, entry_id: int) -> LedgerEntry:
        return next(e for e in self.entries if e.id == entry_id)

    def reverse(self, entry_id: int, **kw) -> int:
        target = self._target(entry_id)
        return self.add(target.entry_type, target.item, target.value, corrects=entry_id, action="reverse", **kw)

    def amend(self, entry_id: int, value, **kw) -> int:
        target = self._target(entry_id)
        return self.add(target.entry_type, target.item, value, corrects=entry_id, action="amend", **kw)

    def hours(self, entry_type: str, item: str, total) -> list[int]:
        """`total` hours as 8-hour days plus a remainder: realistic, and each passes validation."""
        total = Decimal(str(total))
        ids, day = [], DAY
        while total > 0:
            chunk = min(total, Decimal(8))
            ids.append(self.add(entry_type, item, format_hours(chunk), date=day))
            total -= chunk
            day += datetime.timedelta(days=1)
        return ids

    def statements(self, fw: dict, levels=LEVELS, skip=()) -> None:
        for lvl in fw["levels"]:
            if lvl["id"] in levels:
                for statement in lvl["statements"]:
                    if statement["id"] not in skip:
                        self.add("statement", statement["id"], "attained")

    def competencies(self, prog: dict, value="proficient", skip=()) -> None:
        for competency in prog["competencies"]:
            if competency["id"] not in skip:
                self.add("competency", competency["id"], value)

    def work_processes(self, prog: dict, short: dict | None = None) -> None:
        short = short or {}
        for wp in prog["work_processes"]:
            self.hours("ojl_hours", wp["id"], Decimal(wp["hours"]) - short.get(wp["id"], 0))

    def courses(self, prog: dict) -> None:
        for course in prog["related_instruction"]["courses"]:
            self.hours("rti_hours", course["id"], course["hours"])


def complete_ledger(name: str) -> Ledger:
    """Entries that meet every threshold of the program."""
    prog, ledger = program(name), Ledger()
    for fw in frameworks_for(prog):
        ledger.statements(fw)
    ledger.work_processes(prog)
    if name == "imec-csr":
        ledger.hours("ojl_hours", "ojl", prog["hybrid"]["minimum_ojl_hours"])
    if name == "ny-csr":
        # Courses carry no hours there: the 144 per-year figure is met with unassigned hours.
        ledger.hours("rti_hours", "rti", 144)
    else:
        ledger.courses(prog)
    if prog["competency_levels"]:
        ledger.competencies(prog)
    return ledger


def run(name_or_program, ledger: Ledger | list[LedgerEntry]):
    prog = program(name_or_program) if isinstance(name_or_program, str) else name_or_program
    entries = ledger.entries if isinstance(ledger, Ledger) else ledger
    return evaluate(prog, frameworks_for(prog), entries)


ALL_LEVELS = {level(lvl) for lvl in LEVELS}
NY_WPS = {f"work-process:wp-{c}" for c in "abcdefg"}
TECH_WPS = {f"work-process:wp-{c}" for c in "abcd"}
EXPECTED_KEYS = {
    "dol-csr-3001cb": ALL_LEVELS | {"related-instruction", "occupation"},
    "ny-csr": ALL_LEVELS | NY_WPS | {"related-instruction", "occupation"},
    "imec-csr": {"occupation"},
    "dol-cs-tech-support-3031": TECH_WPS | {"related-instruction", "occupation"},
}


# --- completion ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_KEYS))
def test_program_driven_to_completion_earns_exactly_the_expected_achievements(name):
    progress = run(name, complete_ledger(name))
    assert progress.program_id == name
    assert set(progress.keys) == EXPECTED_KEYS[name]
    assert set(progress.earned_keys) == EXPECTED_KEYS[name]
    for achievement in progress.achievements:
        assert achievement.missing == ()
        assert achievement.done >= achievement.needed


@pytest.mark.parametrize("name", sorted(EXPECTED_KEYS))
def test_empty_ledger_earns_nothing_but_lists_the_same_achievements(name):
    progress = run(name, [])
    assert set(progress.keys) == EXPECTED_KEYS[name]
    assert progress.earned_keys == ()
    assert all(a.missing for a in progress.achievements)


@pytest.mark.parametrize("name", sorted(EXPECTED_KEYS))
def test_completion_ledgers_pass_entry_validation(name):
    # Guards the builders above: a completion test built on entries the service would
    # refuse would prove nothing.
    prog, fws = program(name), frameworks_for(program(name))
    for entry in complete_ledger(name).entries:
        normalized = validate_entry(prog, fws, entry.entry_type, entry.item, entry.value, entry.date, TODAY)
        assert normalized == entry.value


def test_achievements_come_in_a_stable_order_with_kinds_titles_and_covers():
    progress = run("ny-csr", [])
    kinds = [a.kind for a in progress.achievements]
    assert kinds == [FRAMEWORK_LEVEL] * 4 + [WORK_PROCESS] * 7 + [RELATED_INSTRUCTION, OCCUPATION]
    assert progress.keys[:4] == tuple(level(lvl) for lvl in LEVELS)
    assert progress[level("proficient")].covers == tuple(f"proficient-{n:02d}" for n in range(1, 11))
    assert progress[level("proficient")].title == "Customer Service Representatives skills framework: Proficient"
    assert progress["work-process:wp-a"].title == "Work process A: Workplace Orientation"
    assert progress["work-process:wp-a"].covers == ("wp-a",)
    assert progress["related-instruction"].covers == ("ri-01", "ri-02")
    assert progress["occupation"].covers == tuple(f"wp-{c}" for c in "abcdefg")
    assert progress.get("nope") is None
    with pytest.raises(KeyError):
        progress["nope"]


def test_competency_based_occupation_covers_every_competency():
    occupation = run("dol-csr-3001cb", [])["occupation"]
    assert len(occupation.covers) == 52
    assert (occupation.done, occupation.needed, occupation.unit) == (0, 52, "competencies")


# --- partial progress ----------------------------------------------------------------------


def test_one_hour_short_of_a_work_process():
    prog, ledger = program("ny-csr"), Ledger()
    ledger.work_processes(prog, short={"wp-c": 1})
    progress = run(prog, ledger)

    wp_c = progress["work-process:wp-c"]
    assert not wp_c.earned
    assert wp_c.missing == ("wp-c: 299 of 300 OJL hours",)
    assert (wp_c.done, wp_c.needed, wp_c.unit) == (Decimal(299), Decimal(300), "hours")
    assert progress["work-process:wp-b"].earned

    occupation = progress["occupation"]
    assert not occupation.earned
    # The term total is short by the same hour, so both reasons are given.
    assert occupation.missing == ("wp-c: 299 of 300 OJL hours", "ojl: 1999 of 2000 OJL hours in total")


def test_time_based_term_total_is_required_beyond_the_work_processes():
    prog = program("ny-csr")
    prog["term"]["ojl_hours"] = 2100
    ledger = Ledger()
    ledger.work_processes(prog)
    progress = run(prog, ledger)
    assert set(progress.earned_keys) == NY_WPS
    assert progress["occupation"].missing == ("ojl: 2000 of 2100 OJL hours in total",)

    ledger.hours("ojl_hours", "wp-a", 100)  # extra hours in any work process count toward the term
    assert run(prog, ledger)["occupation"].earned


def test_time_based_without_term_hours_needs_only_the_work_processes():
    prog = program("ny-csr")
    prog["term"]["ojl_hours"] = None
    ledger = Ledger()
    ledger.work_processes(prog)
    occupation = run(prog, ledger)["occupation"]
    assert occupation.earned
    assert occupation.needed == Decimal(2000)  # the work processes' sum drives the progress bar


def test_one_competency_at_intermediate_blocks_the_occupation():
    ledger = complete_ledger("dol-csr-3001cb")
    ledger.entries = [e for e in ledger.entries if not (e.entry_type == "competency" and e.item == "c-14")]
    ledger.add("competency", "c-14", "intermediate")
    occupation = run("dol-csr-3001cb", ledger)["occupation"]
    assert not occupation.earned
    assert occupation.missing == ("c-14: at intermediate, proficient needed",)
    assert (occupation.done, occupation.needed) == (51, 52)


def test_competency_never_signed_off_is_named():
    ledger = Ledger()
    ledger.competencies(program("dol-csr-3001cb"), skip={"c-32.6"})
    assert run("dol-csr-3001cb", ledger)["occupation"].missing == ("c-32.6: not signed off, proficient needed",)


def test_one_statement_missing_blocks_its_level_and_every_level_above():
    ledger = Ledger()
    ledger.statements(framework(), skip={"proficient-07"})
    progress = run("ny-csr", ledger)

    assert progress[level("emerging")].earned
    assert progress[level("developing")].earned
    proficient = progress[level("proficient")]
    assert not proficient.earned
    assert proficient.missing == ("proficient-07: not attained",)
    assert (proficient.done, proficient.needed, proficient.unit) == (9, 10, "statements")
    advanced = progress[level("advanced")]
    assert not advanced.earned
    assert advanced.missing == ("proficient: lower level not earned yet",)
    assert advanced.done == advanced.needed == 10


def test_levels_are_earned_in_order():
    ledger = Ledger()
    ledger.statements(framework(), levels=("emerging", "advanced"))
    ledger.statements(framework(), levels=("developing",), skip={"developing-04"})
    progress = run("dol-csr-3001cb", ledger)

    assert progress[level("emerging")].earned
    assert progress[level("developing")].missing == ("developing-04: not attained",)
    assert not progress[level("advanced")].earned
    # Every unearned lower level is named, then the level's own statements (none here).
    assert progress[level("advanced")].missing == (
        "developing: lower level not earned yet",
        "proficient: lower level not earned yet",
    )
    assert progress[level("proficient")].missing[0] == "developing: lower level not earned yet"
    assert len(progress[level("proficient")].missing) == 11


def test_level_evidence_names_the_framework_version_and_each_sign_off():
    ledger = Ledger()
    ledger.add("statement", "emerging-01", "attained", date=datetime.date(2025, 2, 3), signed_off_by="A. Mentor")
    ledger.add("statement", "emerging-01", "attained", date=datetime.date(2025, 3, 3), signed_off_by="B. Mentor")
    evidence = run("ny-csr", ledger)[level("emerging")].evidence
    assert (evidence.framework_id, evidence.framework_version, evidence.level) == (FW_ID, "2026-05-15", "emerging")
    # The first attainment is the one that counts; a repeat does not move the date.
    first = SignOff("attained", datetime.date(2025, 2, 3), "A. Mentor", (1,))
    assert evidence.statements == (StatementEvidence("emerging-01", first),)
    assert evidence.signoff_of("emerging-01") == first and evidence.signoff_of("emerging-02") is None


def test_work_process_evidence_summarizes_hours_sign_offs_and_entries():
    ledger = Ledger()
    ledger.add("ojl_hours", "wp-a", "7.5", date=datetime.date(2025, 1, 6), signed_off_by="A. Mentor")
    ledger.add("ojl_hours", "wp-b", "8", date=datetime.date(2025, 1, 7))
    ledger.add("ojl_hours", "wp-a", "2.25", date=datetime.date(2025, 1, 8), signed_off_by="B. Mentor")
    evidence = run("ny-csr", ledger)["work-process:wp-a"].evidence
    assert evidence == WorkProcessEvidence("wp-a", HoursEvidence(
        "wp-a", Decimal("9.75"), 2, datetime.date(2025, 1, 6), datetime.date(2025, 1, 8), ("A. Mentor", "B. Mentor")))
    assert run("ny-csr", ledger)["work-process:wp-c"].evidence == WorkProcessEvidence("wp-c", None)


# --- competency levels ---------------------------------------------------------------------


def test_a_later_lower_sign_off_does_not_reduce_the_level():
    ledger = Ledger()
    ledger.competencies(program("dol-csr-3001cb"))
    ledger.add("competency", "c-14", "fundamentals", date=DAY + datetime.timedelta(days=30))
    progress = run("dol-csr-3001cb", ledger)
    assert progress["occupation"].earned
    assert progress.totals["competencies"] == {"fundamentals": 0, "intermediate": 0, "proficient": 52}


def test_reversing_the_higher_sign_off_falls_back_to_the_next_highest():
    ledger = Ledger()
    ledger.add("competency", "c-14", "intermediate")
    top = ledger.add("competency", "c-14", "proficient")
    ledger.add("competency", "c-14", "fundamentals")
    ledger.reverse(top)
    missing = run("dol-csr-3001cb", ledger)["occupation"].missing
    assert "c-14: at intermediate, proficient needed" in missing


def test_amending_a_sign_off_can_lower_it():
    ledger = Ledger()
    entry = ledger.add("competency", "c-01", "proficient")
    ledger.amend(entry, "intermediate", signed_off_by="QA Lead")
    progress = run("dol-csr-3001cb", ledger)
    assert "c-01: at intermediate, proficient needed" in progress["occupation"].missing
    amended = SignOff("intermediate", DAY, "QA Lead", (1, 2))
    assert progress["occupation"].evidence.competency("c-01") == CompetencyEvidence("c-01", amended, (amended,))


# --- corrections ---------------------------------------------------------------------------


def test_reversing_an_entry_drops_a_work_process_below_its_threshold():
    ledger = Ledger()
    ids = ledger.hours("ojl_hours", "wp-a", 100)
    assert run("ny-csr", ledger)["work-process:wp-a"].earned
    ledger.reverse(ids[3])
    wp_a = run("ny-csr", ledger)["work-process:wp-a"]
    assert not wp_a.earned
    assert wp_a.missing == ("wp-a: 92 of 100 OJL hours",)
    assert wp_a.evidence.recorded.entries == len(ids) - 1


def test_amending_hours_replaces_the_value_up_or_down():
    ledger = Ledger()
    ids = ledger.hours("ojl_hours", "wp-a", 100)
    ledger.amend(ids[0], "7.5")
    assert run("ny-csr", ledger)["work-process:wp-a"].missing == ("wp-a: 99.5 of 100 OJL hours",)
    ledger.amend(ids[1], "8.5")
    wp_a = run("ny-csr", ledger)["work-process:wp-a"]
    assert wp_a.earned and wp_a.done == Decimal(100)
    assert wp_a.evidence.recorded.entries == len(ids)


def test_amending_replaces_the_date_too():
    ledger = Ledger()
    entry = ledger.add("ojl_hours", "wp-a", "8", date=datetime.date(2025, 1, 6))
    ledger.amend(entry, "8", date=datetime.date(2025, 1, 3))
    (effective,) = effective_ledger(ledger.entries)
    assert effective.date == datetime.date(2025, 1, 3)
    assert effective.id == entry and effective.entry_ids == (1, 2)


def test_reversing_a_reversal_restores_the_entry():
    ledger = Ledger()
    entry = ledger.add("ojl_hours", "wp-a", "8")
    reversal = ledger.reverse(entry)
    assert run("ny-csr", ledger).totals["ojl_hours"] == 0
    ledger.reverse(reversal)
    assert run("ny-csr", ledger).totals["ojl_hours"] == Decimal(8)


def test_reversing_an_amendment_restores_the_previous_value():
    ledger = Ledger()
    entry = ledger.add("ojl_hours", "wp-a", "8")
    first = ledger.amend(entry, "6")
    second = ledger.amend(entry, "4")
    assert run("ny-csr", ledger).totals["ojl_hours"] == Decimal(4)
    ledger.reverse(second)
    assert run("ny-csr", ledger).totals["ojl_hours"] == Decimal(6)
    ledger.reverse(first)
    assert run("ny-csr", ledger).totals["ojl_hours"] == Decimal(8)


def test_amending_an_amendment_sets_the_original_entry():
    ledger = Ledger()
    entry = ledger.add("rti_hours", "rti", "3")
    amendment = ledger.amend(entry, "4")
    ledger.amend(amendment, "5")
    (effective,) = effective_ledger(ledger.entries)
    assert (effective.id, effective.value, effective.entry_ids) == (entry, "5", (1, 2, 3))


def test_reversing_the_original_record_cancels_it_whatever_its_amendments():
    ledger = Ledger()
    entry = ledger.add("ojl_hours", "wp-a", "8")
    ledger.amend(entry, "6")
    ledger.reverse(entry)
    assert effective_ledger(ledger.entries) == ()


def test_reversing_a_statement_unearns_its_level():
    ledger = Ledger()
    ledger.statements(framework(), levels=("emerging",))
    ledger.reverse(3)
    assert run("ny-csr", ledger)[level("emerging")].missing == ("emerging-03: not attained",)


def test_entries_are_read_in_id_order_whatever_order_they_arrive_in():
    ledger = Ledger()
    entry = ledger.add("ojl_hours", "wp-a", "8")
    ledger.reverse(entry)
    assert run("ny-csr", list(reversed(ledger.entries))).totals["ojl_hours"] == 0


def _entry(entry_id, corrects=None, action="record", entry_type="ojl_hours", item="wp-a", value="8"):
    return LedgerEntry(entry_id, entry_type, item, value, DAY, None, corrects, action)


@pytest.mark.parametrize(
    "entries, fragment",
    [
        ([_entry(1), _entry(2, corrects=9, action="reverse")], "not an earlier entry"),
        ([_entry(1), _entry(2, corrects=2, action="reverse")], "not an earlier entry"),
        ([_entry(1, corrects=2, action="amend"), _entry(2)], "not an earlier entry"),
        ([_entry(1), _entry(2, action="reverse")], "must name the entry"),
        ([_entry(1), _entry(2, corrects=1)], "cannot correct"),
        ([_entry(1), _entry(2, corrects=1, action="delete")], "unknown action"),
        ([_entry(1), _entry(1)], "appears twice"),
        ([_entry(1, entry_type="ojl")], "unknown entry type"),
        ([_entry(1), _entry(2, corrects=1, action="reverse"), _entry(3, corrects=2, action="amend")], "reversal"),
        ([_entry(1), _entry(2, corrects=1, action="amend", item="wp-b")], "corrects entry 1"),
        ([_entry(1), _entry(2, corrects=1, action="amend", entry_type="rti_hours", item="rti")], "corrects entry 1"),
    ],
)
def test_broken_corrections_are_refused(entries, fragment):
    with pytest.raises(LedgerError, match=fragment):
        evaluate(program("ny-csr"), [framework()], entries)


def test_a_correction_may_leave_the_item_empty():
    entries = [_entry(1), _entry(2, corrects=1, action="amend", item="", value="4")]
    assert run("ny-csr", entries).totals["ojl_hours"] == Decimal(4)


# --- related instruction -------------------------------------------------------------------


def test_related_instruction_threshold_choice():
    assert related_instruction_hours(program("ny-csr")) == Decimal(144)  # 144/year, years null -> x1
    # total_hours wins over 288/year x 2 years: the source's own total.
    assert related_instruction_hours(program("dol-csr-3001cb")) == Decimal(288)
    assert related_instruction_hours(program("dol-cs-tech-support-3031")) == Decimal(288)
    assert related_instruction_hours(program("imec-csr")) is None

    two_years = program("ny-csr")
    two_years["term"]["years"] = 2
    assert related_instruction_hours(two_years) == Decimal(288)

    courses_only = program("dol-cs-tech-support-3031")
    courses_only["related_instruction"]["total_hours"] = None
    assert related_instruction_hours(courses_only) == Decimal(288)  # 50+68+50+40+50+30


def test_related_instruction_needs_each_course_hours_as_well_as_the_total():
    prog, ledger = program("dol-cs-tech-support-3031"), Ledger()
    ledger.courses(prog)
    ri_04 = [e.id for e in ledger.entries if e.item == "ri-04"]
    ledger.reverse(ri_04[0])
    # Unassigned hours make up the total but cannot stand in for the course.
    ledger.add("rti_hours", "rti", "8")
    ri = run(prog, ledger)["related-instruction"]
    assert not ri.earned
    assert ri.done == ri.needed == Decimal(288)
    assert ri.missing == ("ri-04: 32 of 40 RTI hours",)
    assert {c.item: c.hours for c in ri.evidence.courses}["rti"] == Decimal(8)


def test_related_instruction_total_short_is_named():
    ledger = Ledger()
    ledger.hours("rti_hours", "ri-01", 100)
    ri = run("ny-csr", ledger)["related-instruction"]
    assert ri.missing == ("rti: 100 of 144 RTI hours in total",)
    assert ri.evidence.required_hours == Decimal(144)


def test_related_instruction_is_not_part_of_occupation_completion():
    prog, ledger = program("dol-cs-tech-support-3031"), Ledger()
    ledger.work_processes(prog)
    progress = run(prog, ledger)
    assert progress["occupation"].earned
    assert not progress["related-instruction"].earned


def test_programs_without_any_rti_figure_get_no_related_instruction_achievement():
    ledger = Ledger()
    ledger.add("rti_hours", "rti", "4")
    progress = run("imec-csr", ledger)
    assert progress.get("related-instruction") is None
    assert progress.totals["rti_hours"] == Decimal(4)  # still recorded and totalled


# --- hybrid --------------------------------------------------------------------------------


def test_hybrid_needs_the_ojl_minimum_and_every_competency():
    prog, ledger = program("imec-csr"), Ledger()
    ledger.competencies(prog)
    ledger.hours("ojl_hours", "ojl", "1999.5")
    occupation = run(prog, ledger)["occupation"]
    assert not occupation.earned
    assert occupation.missing == ("ojl: 1999.5 of 2000 OJL hours in total (hybrid minimum)",)
    assert (occupation.done, occupation.needed, occupation.unit) == (16, 17, "requirements")

    ledger.add("ojl_hours", "ojl", "0.5")
    ledger.add("competency", "c-06.2", "intermediate")  # later and lower: no effect
    assert run(prog, ledger)["occupation"].earned


def test_hybrid_with_hours_but_one_competency_short():
    prog, ledger = program("imec-csr"), Ledger()
    ledger.hours("ojl_hours", "ojl", 2000)
    ledger.competencies(prog, skip={"c-06.3"})
    ledger.add("competency", "c-06.3", "fundamentals")
    occupation = run(prog, ledger)["occupation"]
    assert occupation.missing == ("c-06.3: at fundamentals, proficient needed",)


def test_hybrid_with_work_processes_requires_them_too():
    prog = program("imec-csr")
    prog["work_processes"] = [{"id": "wp-a", "code": "A", "title": "Phones", "hours": 500, "tasks": []}]
    ledger = Ledger()
    ledger.hours("ojl_hours", "wp-a", 2000)  # the minimum is met, but within one work process
    ledger.competencies(prog)
    progress = run(prog, ledger)
    assert progress["occupation"].earned
    assert progress["occupation"].covers[0] == "wp-a"
    assert progress["work-process:wp-a"].earned

    prog["work_processes"].append({"id": "wp-b", "code": "B", "title": "Chat", "hours": 10, "tasks": []})
    occupation = run(prog, ledger)["occupation"]
    assert occupation.missing == ("wp-b: 0 of 10 OJL hours",)
    assert (occupation.done, occupation.needed) == (18, 19)


# --- arithmetic, totals, inputs ------------------------------------------------------------


def test_hours_use_decimal_arithmetic():
    prog = program("ny-csr")
    prog["work_processes"][0]["hours"] = 1
    ledger = Ledger()
    # In binary floating point these sum to 0.9999999999999999 and would fall short.
    for value in ("0.7", "0.1", "0.1", "0.1"):
        ledger.add("ojl_hours", "wp-a", value)
    wp_a = run(prog, ledger)["work-process:wp-a"]
    assert wp_a.earned
    assert isinstance(wp_a.done, Decimal) and wp_a.done == 1


def test_totals():
    ledger = Ledger()
    ledger.add("ojl_hours", "wp-a", "7.25")
    ledger.add("ojl_hours", "wp-b", "8")
    ledger.add("rti_hours", "ri-02", "3")
    ledger.add("rti_hours", "rti", "1.5")
    ledger.statements(framework(), levels=("emerging",), skip={"emerging-10"})
    ledger.add("statement", "emerging-01", "attained")  # a repeat is not counted twice
    totals = run("ny-csr", ledger).totals
    assert totals["ojl_hours"] == Decimal("15.25")
    assert totals["rti_hours"] == Decimal("4.5")
    assert totals["ojl_hours_by_item"] == {"wp-a": Decimal("7.25"), "wp-b": Decimal(8)}
    assert totals["rti_hours_by_item"] == {"ri-02": Decimal(3), "rti": Decimal("1.5")}
    assert totals["statements_attained"] == 9
    assert totals["competencies"] == {}
    assert totals["effective_entries"] == 14


def test_competency_totals_count_each_competency_at_its_highest_level():
    ledger = Ledger()
    ledger.add("competency", "c-01", "fundamentals")
    ledger.add("competency", "c-01", "intermediate")
    ledger.add("competency", "c-02", "proficient")
    ledger.add("competency", "c-03", "fundamentals")
    totals = run("dol-csr-3001cb", ledger).totals
    assert totals["competencies"] == {"fundamentals": 1, "intermediate": 1, "proficient": 1}
    assert totals["competencies_not_signed_off"] == 49


def test_ojl_item_is_for_programs_without_work_processes_only():
    ledger = Ledger()
    ledger.add("ojl_hours", "ojl", "8")
    assert run("imec-csr", ledger).totals["ojl_hours"] == Decimal(8)
    with pytest.raises(LedgerError, match="not defined"):
        run("ny-csr", ledger)


def test_unknown_items_in_the_effective_ledger_are_refused_but_reversed_ones_are_not():
    ledger = Ledger()
    bad = ledger.add("competency", "c-99", "proficient")
    with pytest.raises(LedgerError, match="c-99"):
        run("dol-csr-3001cb", ledger)
    ledger.reverse(bad)
    assert run("dol-csr-3001cb", ledger).totals["effective_entries"] == 0


@pytest.mark.parametrize(
    "name, entry_type, item, value",
    [
        ("ny-csr", "competency", "c-01", "proficient"),  # no competency levels
        ("imec-csr", "statement", "emerging-01", "attained"),  # no framework
        ("ny-csr", "ojl_hours", "wp-a", "eight"),
        ("ny-csr", "ojl_hours", "wp-a", "-1"),
        ("dol-csr-3001cb", "competency", "c-01", "expert"),
        ("ny-csr", "statement", "emerging-01", "yes"),
    ],
)
def test_unreadable_effective_entries_are_refused(name, entry_type, item, value):
    with pytest.raises(LedgerError):
        run(name, [LedgerEntry(1, entry_type, item, value, DAY)])


def test_every_framework_the_program_names_must_be_given_with_a_version():
    with pytest.raises(LedgerError, match="not given"):
        evaluate(program("ny-csr"), [], [])
    unversioned = framework()
    unversioned["version"] = None
    with pytest.raises(LedgerError, match="no version"):
        evaluate(program("ny-csr"), [unversioned], [])
    with pytest.raises(LedgerError, match="in both"):
        evaluate(program("ny-csr"), [framework(), framework()], [])


def test_a_framework_given_for_a_program_that_names_none_adds_its_levels():
    # Linking IMEC to the CSR framework is the maintainers' call (see its notes); the rules
    # follow whatever frameworks the caller says apply.
    progress = evaluate(program("imec-csr"), [framework()], [])
    assert set(progress.keys) == ALL_LEVELS | {"occupation"}


def test_program_data_the_rules_cannot_use_is_refused():
    hybrid = program("imec-csr")
    hybrid["hybrid"] = None
    with pytest.raises(LedgerError, match="minimum_ojl_hours"):
        run(hybrid, [])
    odd = program("ny-csr")
    odd["approach"] = "apprenticeship"
    with pytest.raises(LedgerError, match="unknown approach"):
        run(odd, [])


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["wp-a", "wp-b", "wp-c"]), st.integers(1, 2400)), max_size=12))
def test_reversing_every_entry_is_the_same_as_an_empty_ledger(records):
    ledger = Ledger()
    ids = [ledger.add("ojl_hours", item, format_hours(Decimal(cents) / 100)) for item, cents in records]
    for entry_id in ids:
        ledger.reverse(entry_id)
    assert run("ny-csr", ledger) == run("ny-csr", [])


# --- entry validation ----------------------------------------------------------------------


def check(name, entry_type, item, value, date=DAY, today=TODAY):
    prog = program(name)
    return validate_entry(prog, frameworks_for(prog), entry_type, item, value, date, today)


@pytest.mark.parametrize(
    "name, entry_type, item, value, expected",
    [
        ("ny-csr", "ojl_hours", "wp-a", "7.50", "7.5"),
        ("ny-csr", "ojl_hours", "wp-a", " 8 ", "8"),
        ("ny-csr", "ojl_hours", "wp-g", "24", "24"),
        ("ny-csr", "ojl_hours", "wp-g", "0.25", "0.25"),
        ("ny-csr", "ojl_hours", "wp-g", ".5", "0.5"),
        ("ny-csr", "ojl_hours", "wp-g", "7.500", "7.5"),  # value, not spelling, decides places
        ("imec-csr", "ojl_hours", "ojl", "8", "8"),
        ("ny-csr", "rti_hours", "ri-02", "3", "3"),
        ("ny-csr", "rti_hours", "rti", "3", "3"),
        ("imec-csr", "rti_hours", "rti", "2", "2"),
        ("dol-csr-3001cb", "competency", "c-28.1", "PROFICIENT", "proficient"),
        ("imec-csr", "competency", "c-06.3", " Intermediate ", "intermediate"),
        ("dol-csr-3001cb", "competency", "c-01", "fundamentals", "fundamentals"),
        ("ny-csr", "statement", "advanced-10", "Attained", "attained"),
    ],
)
def test_valid_entries_are_normalized(name, entry_type, item, value, expected):
    assert check(name, entry_type, item, value) == expected


@pytest.mark.parametrize(
    "name, entry_type, item, value, field, fragment",
    [
        ("ny-csr", "hours", "wp-a", "8", "entry_type", "unknown entry type"),
        ("ny-csr", "OJL_HOURS", "wp-a", "8", "entry_type", "unknown entry type"),
        ("ny-csr", "competency", "c-01", "proficient", "entry_type", "no competency levels"),
        ("dol-cs-tech-support-3031", "competency", "c-01", "proficient", "entry_type", "no competency levels"),
        ("imec-csr", "statement", "emerging-01", "attained", "entry_type", "no skills framework"),
        ("ny-csr", "ojl_hours", "wp-z", "8", "item", "valid ids: wp-a, wp-b"),
        ("ny-csr", "ojl_hours", "ojl", "8", "item", "unknown work process 'ojl'"),
        ("imec-csr", "ojl_hours", "wp-a", "8", "item", "valid ids: ojl"),
        ("dol-csr-3001cb", "rti_hours", "ri-13", "8", "item", "ri-01"),
        ("dol-csr-3001cb", "competency", "c-99", "proficient", "item", "(52 in all)"),
        ("dol-csr-3001cb", "competency", "c-1", "proficient", "item", "did you mean"),
        ("ny-csr", "statement", "proficient-11", "attained", "item", "emerging-01"),
        ("ny-csr", "ojl_hours", "wp-a", "abc", "value", "not a number"),
        ("ny-csr", "ojl_hours", "wp-a", "", "value", "not a number"),
        ("ny-csr", "ojl_hours", "wp-a", "7,5", "value", "not a number"),
        ("ny-csr", "ojl_hours", "wp-a", "1e1", "value", "not a number"),
        ("ny-csr", "ojl_hours", "wp-a", "NaN", "value", "not a number"),
        ("ny-csr", "ojl_hours", "wp-a", "Infinity", "value", "not a number"),
        ("ny-csr", "ojl_hours", "wp-a", "-1", "value", "negative"),
        ("ny-csr", "rti_hours", "rti", "-0.5", "value", "negative"),
        ("ny-csr", "ojl_hours", "wp-a", "0", "value", "zero"),
        ("ny-csr", "ojl_hours", "wp-a", "0.00", "value", "zero"),
        ("ny-csr", "ojl_hours", "wp-a", "24.01", "value", "more than 24"),
        ("ny-csr", "rti_hours", "rti", "40", "value", "more than 24"),
        ("ny-csr", "ojl_hours", "wp-a", "1.234", "value", "decimal places"),
        ("dol-csr-3001cb", "competency", "c-01", "expert", "value", "not one of fundamentals, intermediate, proficient"),
        ("dol-csr-3001cb", "competency", "c-01", "", "value", "not one of"),
        ("dol-csr-3001cb", "competency", "c-01", "beginner", "value", "not one of"),
        ("ny-csr", "statement", "emerging-01", "yes", "value", "must be 'attained'"),
    ],
)
def test_invalid_entries_name_the_column(name, entry_type, item, value, field, fragment):
    with pytest.raises(EntryError) as caught:
        check(name, entry_type, item, value)
    assert caught.value.field == field
    assert fragment in caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


def test_entry_dates_may_be_today_but_not_in_the_future():
    assert check("ny-csr", "ojl_hours", "wp-a", "8", date=TODAY) == "8"
    with pytest.raises(EntryError) as caught:
        check("ny-csr", "ojl_hours", "wp-a", "8", date=TODAY + datetime.timedelta(days=1))
    assert caught.value.field == "date"
    assert "future" in caught.value.message


def test_entry_dates_may_be_given_as_iso_text():
    assert check("ny-csr", "ojl_hours", "wp-a", "8", date="2025-01-06") == "8"
    with pytest.raises(EntryError) as caught:
        check("ny-csr", "ojl_hours", "wp-a", "8", date="2025-07-01")
    assert caught.value.field == "date"
    with pytest.raises(EntryError) as caught:
        check("ny-csr", "ojl_hours", "wp-a", "8", date="06/01/2025")
    assert caught.value.field == "date"


def test_parse_date_accepts_iso_dates():
    assert parse_date("2025-01-06") == datetime.date(2025, 1, 6)
    assert parse_date(" 2024-02-29 ") == datetime.date(2024, 2, 29)


@pytest.mark.parametrize(
    "text",
    [
        "", "2025/01/06", "20250106", "2025-1-6", "06-01-2025", "2025-01-06T00:00", "2025-W02-1",
        "2025-02-30", "2025-13-01", "yesterday", "２０２５-01-06", None,
    ],
)
def test_parse_date_refuses_anything_else(text):
    with pytest.raises(EntryError) as caught:
        parse_date(text)
    assert caught.value.field == "date"


def test_entry_error_is_a_value_error():
    # Callers that already catch ValueError around parsing keep working.
    assert issubclass(EntryError, ValueError)
    assert issubclass(LedgerError, ValueError)
