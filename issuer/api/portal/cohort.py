"""Programs seen from the console: a CSV template for each kind of batch, and the cohort chart
(every apprentice of a program against its work processes, instruction, levels and the
occupation, to see at a glance who is near completion and who is behind)."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Response, abort, g, request
from sqlalchemy import select

from issuer.api import portal_web as web
from issuer.api.portal.console import allowed, bp as console, page, sponsor_programs
from issuer.batch.intake import COHORT_COLUMNS, COHORT_OPTIONAL
from issuer.db import session_scope
from issuer.issuance.models import IssuedCredential
from issuer.portal import progress_view, visibility
from issuer.portal.models import Assignment
from issuer.programs import catalog
from issuer.workflow.importer import COLUMNS as PROGRESS_COLUMNS
from issuer.progress.models import Apprentice, Enrollment
from issuer.rules import OCCUPATION, evaluate

# A full-time apprentice's year of on-the-job learning, to turn an hours term into a pace.
HOURS_A_YEAR = 2000
NEAR = 85           # percent of the occupation done: near completion
BEHIND = 15         # percentage points behind the pace of the term: behind
MAX_SHOWN = 300     # apprentices in one chart (each is a rules evaluation)


def _program(session, program_id: str):
    row = next((p for p in sponsor_programs(session) if p.program_id == program_id), None)
    if row is None:
        abort(404, "No such program.")
    return row


def achievement_ids(session, row) -> list[tuple[str, str]]:
    """(id, title) of every achievement of the program: what a cohort batch's `achievement` takes."""
    frameworks = [f.document for f in catalog.frameworks_of(session, row)]
    return [(a.key, a.title) for a in evaluate(row.document, frameworks, []).achievements]


def _example_rows(document: dict, achievements: list[tuple[str, str]], kind: str) -> list[dict]:
    today = date.today().isoformat()
    base = {"apprentice_id": "E-1001", "program": document["id"]}
    if kind == "cohort":
        return [{**base, "achievement": key, "completed_on": today} for key, _ in achievements[:1]] + \
            [{**base, "apprentice_id": "E-1002", "achievement": OCCUPATION, "completed_on": today}]
    person = {**base, "apprentice_name": "Ana Lopez", "apprentice_email": "ana.lopez@example.org",
              "apprentice_did": "", "date": today, "signed_off_by": "J. Rivera"}
    rows = []
    for wp in (document.get("work_processes") or [])[:2]:
        rows.append({**person, "entry_type": "ojl_hours", "item": wp["id"], "value": "8"})
    if not document.get("work_processes") and (document.get("term") or {}).get("ojl_hours"):
        rows.append({**person, "entry_type": "ojl_hours", "item": "ojl", "value": "8"})
    courses = (document.get("related_instruction") or {}).get("courses") or []
    rows.append({**person, "entry_type": "rti_hours", "item": courses[0]["id"] if courses else "rti", "value": "3"})
    levels = document.get("competency_levels") or []
    for competency in (document.get("competencies") or [])[:1]:
        rows.append({**person, "entry_type": "competency", "item": competency["id"],
                     "value": levels[-1] if levels else "proficient"})
    return rows


@console.get("/programs/<program_id>/template.csv")
@allowed("batches")
def batch_template(program_id):
    """A CSV to fill in: the header a batch of this kind takes and example rows with this
    program's own ids (work processes, courses, competencies or achievements)."""
    kind = request.args.get("kind", "progress")
    if kind not in ("progress", "cohort"):
        abort(404, "No such kind of batch: progress or cohort.")
    with session_scope(web.sessions()) as session:
        row = _program(session, program_id)
        document, achievements = row.document, achievement_ids(session, row)
    columns = COHORT_COLUMNS + COHORT_OPTIONAL if kind == "cohort" else PROGRESS_COLUMNS
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(_example_rows(document, achievements, kind))
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{program_id}-{kind}-template.csv"'
    return response


def _pace(document: dict, start: date, today: date) -> float | None:
    """The share of the term an apprentice who started on `start` should have done by now."""
    term = document.get("term") or {}
    years = term.get("years") or ((term.get("ojl_hours") or 0) / HOURS_A_YEAR) or None
    if not years:
        return None
    return max(0.0, min(1.0, (today - start).days / (365.25 * years)))


@console.get("/programs/<program_id>/cohort")
def cohort_chart(program_id):
    cohort = request.args.get("cohort", "")[:100]
    today = date.today()
    with session_scope(web.sessions()) as session:
        row = _program(session, program_id)
        query = (select(Enrollment, Apprentice).join(Apprentice, Apprentice.id == Enrollment.apprentice_id)
                 .where(Apprentice.sponsor_id == g.staff.sponsor_id, Enrollment.program_id == program_id))
        if cohort:
            query = query.where(Enrollment.cohort == cohort)
        if g.staff.role == "journeyworker":
            mine = select(Assignment.apprentice_id).where(Assignment.staff_id == g.staff.id)
            query = query.where(Apprentice.id.in_(mine))
        pairs = list(session.execute(query.order_by(Apprentice.name).limit(MAX_SHOWN + 1)))
        # Achievements a credential says were earned (a cohort batch awards them by attestation,
        # without ledger entries): shown as earned, like those the ledger completes.
        held = set(session.execute(select(IssuedCredential.apprentice_id, IssuedCredential.achievement_key).where(
            IssuedCredential.sponsor_id == g.staff.sponsor_id,
            IssuedCredential.apprentice_id.in_([a.id for _, a in pairs[:MAX_SHOWN]]))))
        people, columns = [], []
        for enrollment, apprentice in pairs[:MAX_SHOWN]:
            layout = progress_view.program_progress(session, enrollment)
            if not columns:
                columns = [(a.key, a.title) for a in layout.achievements]
            cells = {}
            for a in layout.achievements:
                earned = a.earned or (apprentice.id, a.key) in held
                done = 100 if earned else progress_view.percent(a.done, a.needed)
                cells[a.key] = {"percent": done, "earned": earned}
            overall = cells.get(OCCUPATION, {"percent": 0, "earned": False})
            pace = _pace(layout.program, enrollment.start_date, today)
            expected = round(pace * 100) if pace is not None else None
            standing = ("done" if overall["earned"] else "near" if overall["percent"] >= NEAR
                        else "behind" if expected is not None and overall["percent"] < expected - BEHIND else "")
            people.append({"apprentice": apprentice, "enrollment": enrollment, "cells": cells,
                           "overall": overall["percent"], "expected": expected, "standing": standing})
        people.sort(key=lambda p: (-p["overall"], p["apprentice"].name))
        return page("portal/cohort.html", program=row.document, cohort=cohort, people=people, columns=columns,
                    more=len(pairs) > MAX_SHOWN, cohorts=visibility.cohorts(session, g.staff.sponsor_id),
                    near=NEAR, behind=BEHIND, hours_a_year=HOURS_A_YEAR, active="programs")
