"""Incremental evaluation agrees with full evaluation (issue 10, point 1).

Generated ledgers, corrections included, are recorded one entry at a time through the same
path every entry takes (`issuer.workflow.earning.record_entry`: the stored running state is
updated in the entry's transaction) and, separately, folded purely; at every step the progress
read from the stored state equals `issuer.rules.evaluate` over the whole ledger.
"""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuer.db import session_scope
from issuer.progress import services as progress
from issuer.progress import state as states
from issuer.workflow import earning
from issuer.progress.models import Enrollment
from issuer.rules import EffectiveEntry, LedgerEntry, RunningState, evaluate, rules_of
from issuer.rules import progress as progress_from_state
from issuer.sponsors.services import create_sponsor

DATA = Path(__file__).parents[1] / "issuer/programs/data"
START = datetime.date(2023, 3, 1)
TODAY = datetime.date(2026, 1, 1)
# Items of three programs that between them use every entry type and every approach.
ITEMS = {
    "ny-csr": [("ojl_hours", ["wp-a", "wp-b"], ["4", "8", "7.5"]), ("rti_hours", ["rti"], ["3", "8"]),
               ("statement", ["emerging-01", "emerging-02", "developing-01"], ["attained"])],
    "dol-csr-3001cb": [("competency", ["c-01", "c-02"], ["fundamentals", "intermediate", "proficient"]),
                       ("rti_hours", ["ri-01", "rti"], ["6", "24"])],
    "imec-csr": [("ojl_hours", ["ojl"], ["8", "2.5"]), ("competency", ["c-01.1", "c-02.1"],
                                                         ["intermediate", "proficient"])],
}


def _op(program):
    record = st.sampled_from(ITEMS[program]).flatmap(lambda spec: st.tuples(
        st.just("record"), st.just(spec[0]), st.sampled_from(spec[1]), st.sampled_from(spec[2]),
        st.integers(0, 800), st.sampled_from(["J. R.", "K. L."])))
    correction = st.tuples(st.sampled_from(["reverse", "amend"]), st.integers(0, 50), st.integers(0, 800))
    return st.one_of(record, record, record, correction)


def _progress_equal(a, b):
    assert a.achievements == b.achievements
    assert a.totals == b.totals


@pytest.mark.parametrize("program", sorted(ITEMS))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_stored_state_equals_full_evaluation(services, program, data):
    ops = data.draw(st.lists(_op(program), min_size=1, max_size=25))
    with session_scope(services.sessions) as session:
        sponsor, _ = create_sponsor(session, f"Incremental {uuid.uuid4().hex[:8]}", [program])
        apprentice = progress.upsert_apprentice(session, sponsor, "P1", "Pat", "pat@example.org", None)
        enrollment_id = progress.enroll(session, sponsor, apprentice, program, START).id
    recorded: list[tuple[int, str]] = []   # (entry id, entry type) of records that went in
    for op in ops:
        with session_scope(services.sessions) as session:
            enrollment = session.get(Enrollment, enrollment_id)
            try:
                if op[0] == "record":
                    _, entry_type, item, value, day, signer = op
                    outcome = earning.record_entry(
                        session, services.issuance, enrollment, entry_type=entry_type, item=item, value=value,
                        entry_date=START + datetime.timedelta(days=day), signed_off_by=signer, recorded_by="t",
                        source="hypothesis", today=TODAY)
                    if outcome.entry is not None:
                        recorded.append((outcome.entry.id, entry_type))
                elif recorded:
                    action, pick, day = op
                    target, entry_type = recorded[pick % len(recorded)]
                    value = {"ojl_hours": "1", "rti_hours": "2", "competency": "fundamentals",
                             "statement": "attained"}[entry_type]
                    earning.record_entry(
                        session, services.issuance, enrollment, entry_type=entry_type, item="", value=value,
                        entry_date=START + datetime.timedelta(days=day), signed_off_by="Q. A.", recorded_by="t",
                        source="hypothesis", corrects=target, action=action, reason="generated", today=TODAY)
            except progress.ProgressError:
                session.rollback()
                continue
        with session_scope(services.sessions) as session:
            enrollment = session.get(Enrollment, enrollment_id)
            book, incremental = states.current(session, enrollment)
            full = evaluate(book.document, book.frameworks, states.rule_entries(session, enrollment_id),
                            enrollment.start_date)
            _progress_equal(incremental, full)


@settings(max_examples=40, deadline=None)
@given(order=st.permutations(range(12)), levels=st.lists(st.sampled_from(["fundamentals", "intermediate",
                                                                          "proficient"]), min_size=12, max_size=12))
def test_records_fold_to_the_same_state_in_any_order(order, levels):
    """Records only add, so folding them one by one in any order gives the full evaluation's
    state: competency sign-offs of equal levels on the same and on different days included."""
    document = json.loads((DATA / "imec-csr.json").read_text(encoding="utf-8"))
    frameworks = []   # IMEC names no framework
    rules = rules_of(document, frameworks)
    entries = [EffectiveEntry(n + 1, "competency", f"c-0{1 + n % 3}.1", levels[n],
                              START + datetime.timedelta(days=n // 2), f"S{n}", (n + 1,)) for n in range(12)]
    state = RunningState(start=START)
    for n in order:
        state.add(rules, entries[n])
    full = evaluate(document, frameworks, _as_ledger(entries), START)
    _progress_equal(progress_from_state(document, frameworks, rules, state), full)


def _as_ledger(entries):
    return [LedgerEntry(e.id, e.entry_type, e.item, e.value, e.date, e.signed_off_by) for e in entries]


def test_progress_rebuild_recomputes_states_from_the_ledgers(cli, tmp_path):
    name = f"Rebuild {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    path = tmp_path / "rows.csv"
    path.write_text("apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,"
                    "date,signed_off_by\n" + "".join(
                        f"B1,Bo,bo@example.org,,ny-csr,ojl_hours,wp-a,8,2024-03-{d:02},J\n" for d in range(1, 14)))
    assert cli("import", path, "--sponsor", name).exit_code == 0
    before = json.loads(cli("progress", "B1", "--sponsor", name, "--json").output)
    result = cli("progress", "rebuild", "B1", "--sponsor", name)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 enrolment(s) rebuilt from their ledgers; 0 stored state(s) differed or were missing"
    assert json.loads(cli("progress", "B1", "--sponsor", name, "--json").output) == before
    assert "104 of 2000 OJL hours" in cli("progress", "--sponsor", name, "B1").output   # options first
