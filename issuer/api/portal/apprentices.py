"""Programs and apprentices in the console: the list and search, enrolment, an apprentice's page
with its ledger, entries and corrections recorded by coordinators, and journeyworker assignments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, g, redirect, request, url_for
from sqlalchemy import func, select

from issuer.api import portal_web as web
from issuer.api.portal.console import allowed, apprentice_or_404, bp, done, enrollment_or_404, page, sponsor_programs
from issuer.api.portal.credentials import credential_state
from issuer.db import session_scope
from issuer.issuance import records
from issuer.progress.recording import HOUR_TYPES
from issuer.progress.state import rule_entries
from issuer.portal import accounts, progress_view, roles, visibility
from issuer.portal.roles import PortalError
from issuer.programs import catalog
from issuer.progress import services as progress
from issuer.progress.models import LedgerEntry
from issuer.progress.validation import EntryError, parse_date
from issuer.rules import OCCUPATION, effective_ledger
from issuer.workflow import earning
from issuer.sponsors.models import Sponsor


# --- home and programs ------------------------------------------------------------------------

@bp.get("/")
def home():
    return redirect(url_for("portal.apprentices"))


@bp.get("/programs")
def programs():
    with session_scope(web.sessions()) as session:
        return page("portal/programs.html", programs=[p.document for p in sponsor_programs(session)])


@bp.get("/programs/<program_id>")
def program(program_id):
    with session_scope(web.sessions()) as session:
        row = next((p for p in sponsor_programs(session) if p.program_id == program_id), None)
        if row is None:
            abort(404, "No such program.")
        frameworks = [f.document for f in catalog.frameworks_of(session, row)]
        return page("portal/program.html", program=row.document, frameworks=frameworks)


# --- apprentices ---------------------------------------------------------------------------------

@bp.get("/apprentices")
def apprentices():
    text, program_id, cohort = (request.args.get(k, "")[:100] for k in ("q", "program", "cohort"))
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number = 1
    with session_scope(web.sessions()) as session:
        rows, more = visibility.search_apprentices(session, g.staff, text, program_id, cohort, number)
        return page("portal/apprentices.html", rows=rows, more=more, page_number=number, q=text,
                    program=program_id, cohort=cohort, programs=[p.document for p in sponsor_programs(session)],
                    cohorts=visibility.cohorts(session, g.staff.sponsor_id))


@bp.route("/apprentices/new", methods=["GET", "POST"])
@allowed("enrol")
def enrol():
    with session_scope(web.sessions()) as session:
        programs_ = [p.document for p in sponsor_programs(session)]
        values = {k: web.form(k, 320) for k in ("name", "email", "external_id", "program", "start_date", "cohort")}
        if request.method == "GET":
            values["start_date"] = date.today().isoformat()
            return page("portal/apprentice_new.html", programs=programs_, values=values)
        sponsor = session.get(Sponsor, g.staff.sponsor_id)
        try:
            email = roles.normalise_email(values["email"]) if values["email"] else ""
            start = parse_date(values["start_date"]) if values["start_date"] else date.today()
            external_id = values["external_id"] or email
            if not external_id:
                raise PortalError("give an email address or the sponsor's own id", field="email")
            apprentice = progress.upsert_apprentice(session, sponsor, external_id[:100], values["name"] or None,
                                                    email or None, None)
            progress.enroll(session, sponsor, apprentice, values["program"], start, values["cohort"][:100] or None)
        except (PortalError, progress.ProgressError, EntryError) as exc:
            session.rollback()
            return page("portal/apprentice_new.html", 422, programs=programs_, values=values, error=exc.message)
        return done("portal.apprentice", "enrolled", apprentice_id=apprentice.id)


LEDGER_PAGE = 100   # ledger entries shown at once: an apprentice of four years has thousands


@dataclass(frozen=True)
class LedgerPage:
    """One page of an enrollment's ledger, newest first, and what stands after every correction
    (over the whole ledger: an entry on this page may be reversed by one on a newer page)."""
    rows: list[LedgerEntry]
    standing: dict[int, object]
    number: int
    pages: int

    @property
    def standing_here(self) -> dict[int, object]:
        """The entries of this page still in force: what the correction form offers."""
        return {r.id: self.standing[r.id] for r in reversed(self.rows) if r.id in self.standing}


def _ledger(session, enrollment, number: int) -> LedgerPage:
    standing = {e.id: e for e in effective_ledger(rule_entries(session, enrollment.id))}
    total = session.scalar(select(func.count()).select_from(LedgerEntry)
                           .where(LedgerEntry.enrollment_id == enrollment.id))
    pages = max(1, -(-total // LEDGER_PAGE))
    number = min(max(1, number), pages)
    rows = list(session.scalars(select(LedgerEntry).where(LedgerEntry.enrollment_id == enrollment.id)
                                .order_by(LedgerEntry.id.desc())
                                .offset((number - 1) * LEDGER_PAGE).limit(LEDGER_PAGE)))
    return LedgerPage(rows, standing, number, pages)


def _ledger_page_asked(enrollment) -> int:
    """The page of this enrollment's ledger the link asks for (?enrollment=ID&page=N); the first
    for every other enrollment of the apprentice."""
    page_arg = request.args.get("page", "")
    if request.args.get("enrollment") != str(enrollment.id) or not page_arg.isdigit() or len(page_arg) > 6:
        return 1
    return int(page_arg)


def _item_labels(document: dict, frameworks: list[dict]) -> dict[str, str]:
    labels = {"ojl": "On-the-job learning (no work process)", "rti": "Related instruction (no course)"}
    # Named by the ids the CSV and the API take (wp-a), with the program's own code (A) beside.
    for wp in document.get("work_processes") or []:
        labels[wp["id"]] = f"{wp['id']}{' (' + wp['code'] + ')' if wp.get('code') else ''}: {wp['title']}"
    for course in (document.get("related_instruction") or {}).get("courses") or []:
        labels[course["id"]] = (f"{course['id']}{' (' + course['code'] + ')' if course.get('code') else ''}: "
                                f"{course['title']}")
    for competency in document.get("competencies") or []:
        labels[competency["id"]] = f"{competency['id']}: {competency['text']}"
    for framework in frameworks:
        for level in framework["levels"]:
            for statement in level["statements"]:
                labels[statement["id"]] = f"{level['label']} {statement['id']}: {statement['text']}"
    return labels


def _apprentice_page(session, apprentice, code=200, error=None, form_values=None):
    enrollments = visibility.enrollments_of(session, [apprentice.id]).get(apprentice.id, [])
    blocks = []
    for enrollment in enrollments:
        layout = progress_view.program_progress(session, enrollment)
        ledger = _ledger(session, enrollment, _ledger_page_asked(enrollment))
        blocks.append({"enrollment": enrollment, "progress": layout, "ledger": ledger,
                       # The newest stored version: a staff page writes nothing (the apprentice's
                       # page and /records/<id>/current catch a record up).
                       "record": records.newest(session, enrollment.id),
                       "labels": _item_labels(layout.program, layout.frameworks),
                       "ojl_items": layout.program.get("work_processes") or [],
                       "rti_items": ((layout.program.get("related_instruction") or {}).get("courses") or [])})
    # The completed occupation first, as on the apprentice's own page.
    held = sorted(visibility.credentials_of(session, apprentice), key=lambda c: c.achievement_key != OCCUPATION)
    credentials = [{"row": c, **credential_state(session, c)} for c in held]
    return page("portal/apprentice.html", code, apprentice=apprentice, blocks=blocks, credentials=credentials,
                assigned=accounts.assigned_journeyworkers(session, apprentice),
                journeyworkers=accounts.journeyworkers(session, g.staff.sponsor_id)
                if g.staff.can("assign") else [],
                today=date.today().isoformat(), error=error, values=form_values or {})


@bp.get("/apprentices/<apprentice_id>")
def apprentice(apprentice_id):
    with session_scope(web.sessions()) as session:
        return _apprentice_page(session, apprentice_or_404(session, apprentice_id))


def _write_to_ledger(apprentice_id: str, notice: str, already: str, entry_fields):
    """Record one ledger entry from a coordinator's form and go back to the apprentice's page;
    `entry_fields(session, enrollment)` reads the form into record_entry's fields (raising
    PortalError for what it refuses). A refused form is the apprentice's page again, with the
    message and what was typed."""
    ctx = web.services().issuance
    with session_scope(web.sessions()) as session:
        apprentice = apprentice_or_404(session, apprentice_id)
        enrollment = enrollment_or_404(session, apprentice)
        try:
            outcome = earning.record_entry(session, ctx, enrollment, recorded_by=f"portal:{g.staff.email}",
                                            source="portal", **entry_fields(session, enrollment))
            if outcome.duplicate:
                raise PortalError(already, status=409)
        except (PortalError, progress.ProgressError, EntryError) as exc:
            session.rollback()
            return _apprentice_page(session, apprentice, 422, error=exc.message, form_values=request.form)
        return done("portal.apprentice", notice, apprentice_id=apprentice.id, _anchor=f"enrollment-{enrollment.id}")


@bp.post("/apprentices/<apprentice_id>/entries")
@allowed("record")
def record(apprentice_id):
    def entry_fields(_session, _enrollment):
        entry_type, _, item = web.form("item", 200).partition(":")
        if entry_type not in HOUR_TYPES:
            raise PortalError("choose a work process or a course", field="item")
        return dict(entry_type=entry_type, item=item, value=web.form("hours", 20),
                    entry_date=parse_date(web.form("date", 20)), signed_off_by=web.form("signed_off_by", 200) or None)
    return _write_to_ledger(apprentice_id, "recorded", "this entry is recorded already", entry_fields)


@bp.post("/apprentices/<apprentice_id>/corrections")
@allowed("record")
def correct(apprentice_id):
    def entry_fields(session, enrollment):
        action, entry = web.form("action", 10), web.form("entry", 20)
        target = session.get(LedgerEntry, int(entry)) if entry.isdigit() and len(entry) < 12 else None
        if target is None or target.enrollment_id != enrollment.id:
            raise PortalError("choose the entry to correct", field="entry")
        if action not in ("reverse", "amend"):
            raise PortalError("choose reverse or amend", field="action")
        amended_date = web.form("date", 20)
        return dict(entry_type=target.entry_type, item=target.item,
                    value=web.form("value", 20) if action == "amend" else target.value,
                    entry_date=parse_date(amended_date) if action == "amend" and amended_date else target.entry_date,
                    signed_off_by=None, corrects=target.id, action=action, reason=web.form("reason", 2000) or None)
    return _write_to_ledger(apprentice_id, "corrected", "this correction is recorded already", entry_fields)


@bp.post("/apprentices/<apprentice_id>/assignments")
@allowed("assign")
def assignments(apprentice_id):
    with session_scope(web.sessions()) as session:
        apprentice = apprentice_or_404(session, apprentice_id)
        try:
            staff_id = int(web.form("staff", 20))
        except ValueError:
            abort(404, "No such staff member.")
        accounts.assign(session, g.staff, apprentice, staff_id, web.form("assign", 5) == "on")
    return done("portal.apprentice", "assigned", apprentice_id=apprentice_id)
