"""The sponsor console (/portal): staff sign-in, programs, apprentices and their ledgers,
journeyworker sign-off, credentials, API keys, staff and the audit log.

Every request is authorised here, on the server: the session's staff member, their sponsor
(another sponsor's ids answer 404, as ids that do not exist), their role's permission for the
view, and for journeyworkers the assignment to the apprentice.
"""

from __future__ import annotations

import re
from datetime import date
from functools import wraps

from flask import Blueprint, Response, abort, g, jsonify, redirect, request, stream_with_context, url_for
from sqlalchemy import func, select

from issuer.api import portal_web as web
from issuer.api.auth import act_as
from issuer.batch import intake, results as batch_results
from issuer.batch import models as batch_models
from issuer.batch.models import Batch, BatchRow
from issuer.db import session_scope
from issuer.issuance import slots as credential_slots
from issuer.issuance.models import IssuedCredential
from issuer.progress.recording import HOUR_TYPES
from issuer.progress.state import rule_entries
from issuer import audit
from issuer.portal import security, services as portal, undo
from issuer.audit.models import AuditEvent
from issuer.portal.models import StaffAccount
from issuer.programs import catalog
from issuer.progress import services as progress
from issuer.progress.models import Apprentice, LedgerEntry
from issuer.progress.validation import EntryError, parse_date
from issuer.workflow import earning
from issuer.rules import OCCUPATION, effective_ledger
from issuer.sponsors import services as sponsors
from issuer.sponsors.models import ApiKey, Sponsor
from issuer.status import services as status

bp = Blueprint("portal", __name__, url_prefix="/portal")


DOOR = web.Door(cookie="ler_staff", pre_cookie="ler_staff_pre", path="/portal", login_endpoint="portal.login",
                max_age=int(security.STAFF_SESSION.total_seconds()), large_uploads=("portal.batches",))
web.install(bp, DOOR)

NOTICES = {
    "enrolled": "The apprentice is enrolled.",
    "recorded": "The entry is recorded.",
    "corrected": "The correction is recorded.",
    "assigned": "Assignments updated.",
    "signed": "Signed off.",
    "status": "The credential's status is changed.",
    "approved": "The batch is approved: it runs in the background.",
    "emailed": "The claim link is on its way to the apprentice.",
    "undone": "The sign-off is undone: a reversal is in the ledger.",
    "key-revoked": "The API key is revoked; requests with it are refused from now on.",
    "staff-changed": "The staff member is updated and signed out of every device.",
    "password": "Your password is changed.",
    "totp-on": "Two-step sign-in is on: you will be asked for a code from your app each time.",
    "totp-off": "Two-step sign-in is off.",
}


@bp.before_request
def require_staff():
    if web.view_is_public():
        return None
    signed = g.signed
    if signed is None or signed.staff_id is None:
        return web.login_redirect(DOOR)
    if signed.second_factor_pending:
        return redirect(url_for("portal.login_code"))
    with session_scope(web.sessions()) as session:
        g.staff = portal.staff_view(session, session.get(StaffAccount, signed.staff_id))
    act_as(g.staff.audit_label)
    return None


def allowed(permission: str):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.staff.can(permission):
                abort(403, f"Your role ({g.staff.role_label}) does not allow this.")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def page(template: str, status: int = 200, **context):
    context.setdefault("staff", g.get("staff"))
    context.setdefault("notice", NOTICES.get(request.args.get("notice", "")))
    context.setdefault("service_name", web.services().config.service_name)
    return web.render(template, status, **context)


def done(endpoint: str, notice: str, **values):
    return redirect(url_for(endpoint, notice=notice, **values), code=303)


@bp.get("/assets/portal.css")
@web.public
def asset():
    return web.asset("portal.css")


@bp.get("/assets/portal.js")
@web.public
def script():
    return web.asset("portal.js")


# --- sign-in -----------------------------------------------------------------------------------

def _start(response_target: str, token: str):
    response = redirect(response_target, code=303)
    web.set_cookie(response, DOOR.cookie, token, DOOR, DOOR.max_age)
    response.delete_cookie(DOOR.pre_cookie, path=DOOR.path)
    return response


def _slow_down(template: str, wait: int, **context):
    response = page(template, 429, error=f"Too many failed attempts. Wait {wait} seconds, then try again.",
                    **context)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/login", methods=["GET", "POST"])
@web.public
def login():
    target = web.safe_next(request.values.get("next"), url_for("portal.home"))
    if request.method == "GET":
        return page("portal/login.html", next=target, email="")
    email, password = web.form("email", 320), request.form.get("password", "")[:security.MAX_PASSWORD + 1]
    ip = web.client_ip()
    with session_scope(web.sessions()) as session:
        result = portal.authenticate(session, email, password, ip)
        if result.wait:
            return _slow_down("portal/login.html", result.wait, next=target, email=email)
        staff = result.staff
        if staff is not None:
            if staff.totp_secret:
                token = security.start_session(session, sponsor_id=staff.sponsor_id, staff_id=staff.id, ip=ip,
                                               second_factor_pending=True)
                destination = url_for("portal.login_code", next=target)
            else:
                token, destination = portal.signed_in(session, staff, ip), target
    if staff is None:
        # Committed above: the failure counts toward the delay even though the page says no.
        return page("portal/login.html", 401, error="That email and password do not match an active account.",
                    next=target, email=email)
    return _start(destination, token)


@bp.route("/login/code", methods=["GET", "POST"])
@web.public
def login_code():
    signed = g.signed
    if signed is None or signed.staff_id is None or not signed.second_factor_pending:
        return redirect(url_for("portal.login"))
    target = web.safe_next(request.values.get("next"), url_for("portal.home"))
    if request.method == "GET":
        return page("portal/login_code.html", next=target)
    ip = web.client_ip()
    with session_scope(web.sessions()) as session:
        staff = session.get(StaffAccount, signed.staff_id)
        result = portal.second_factor(session, staff, web.form("code", 20), ip, web.services().secrets)
        if result.wait:
            return _slow_down("portal/login_code.html", result.wait, next=target)
        if result.staff is not None:
            security.end_session(session, signed.id)
            token = portal.signed_in(session, staff, ip)
    if result.staff is None:
        return page("portal/login_code.html", 401, error="That code is not right. Enter the newest code.",
                    next=target)
    return _start(target, token)


@bp.post("/logout")
@web.public
def logout():
    return web.sign_out(DOOR)


@bp.route("/password/<token>", methods=["GET", "POST"])
@web.public
def set_password(token):
    if request.method == "GET":
        with session_scope(web.sessions()) as session:
            row = security.peek_link_token(session, "password", token)
            staff = session.get(StaffAccount, row.staff_id) if row else None
            if staff is None:
                abort(410, "This link is used up or has expired. Ask an administrator for a new one.")
            return page("portal/set_password.html", email=staff.email, name=staff.name)
    password, again = request.form.get("password", ""), request.form.get("again", "")
    if password != again:
        return page("portal/set_password.html", 422, error="The two passwords differ.", email=web.form("email"))
    try:
        with session_scope(web.sessions()) as session:
            staff = portal.set_password_with_link(session, token, password)
            email = staff.email
    except portal.PortalError as exc:
        if exc.status != 422:
            raise
        return page("portal/set_password.html", 422, error=exc.message, email=web.form("email"))
    return redirect(url_for("portal.login", notice="password", email=email), code=303)


# --- home and programs ------------------------------------------------------------------------

@bp.get("/")
def home():
    return redirect(url_for("portal.apprentices"))


def _sponsor_programs(session):
    ids = sponsors.sponsor_programs(session, session.get(Sponsor, g.staff.sponsor_id))
    return [catalog.latest_program(session, i) for i in ids]


@bp.get("/programs")
def programs():
    with session_scope(web.sessions()) as session:
        return page("portal/programs.html", programs=[p.document for p in _sponsor_programs(session)])


@bp.get("/programs/<program_id>")
def program(program_id):
    with session_scope(web.sessions()) as session:
        row = next((p for p in _sponsor_programs(session) if p.program_id == program_id), None)
        if row is None:
            abort(404, "No such program.")
        frameworks = [f.document for f in catalog.frameworks_of(session, row)]
        return page("portal/program.html", program=row.document, frameworks=frameworks)


# --- apprentices ---------------------------------------------------------------------------------

def _apprentice(session, apprentice_id: str) -> Apprentice:
    apprentice = portal.visible_apprentice(session, g.staff, apprentice_id)
    if apprentice is None:
        abort(404, "No such apprentice.")
    return apprentice


@bp.get("/apprentices")
def apprentices():
    text, program_id, cohort = (request.args.get(k, "")[:100] for k in ("q", "program", "cohort"))
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number = 1
    with session_scope(web.sessions()) as session:
        rows, more = portal.search_apprentices(session, g.staff, text, program_id, cohort, number)
        return page("portal/apprentices.html", rows=rows, more=more, page_number=number, q=text,
                    program=program_id, cohort=cohort, programs=[p.document for p in _sponsor_programs(session)],
                    cohorts=portal.cohorts(session, g.staff.sponsor_id))


@bp.route("/apprentices/new", methods=["GET", "POST"])
@allowed("enrol")
def enrol():
    with session_scope(web.sessions()) as session:
        programs_ = [p.document for p in _sponsor_programs(session)]
        values = {k: web.form(k, 320) for k in ("name", "email", "external_id", "program", "start_date", "cohort")}
        if request.method == "GET":
            values["start_date"] = date.today().isoformat()
            return page("portal/apprentice_new.html", programs=programs_, values=values)
        sponsor = session.get(Sponsor, g.staff.sponsor_id)
        try:
            email = portal.normalise_email(values["email"]) if values["email"] else ""
            start = parse_date(values["start_date"]) if values["start_date"] else date.today()
            external_id = values["external_id"] or email
            if not external_id:
                raise portal.PortalError("give an email address or the sponsor's own id", field="email")
            apprentice = progress.upsert_apprentice(session, sponsor, external_id[:100], values["name"] or None,
                                                    email or None, None)
            progress.enroll(session, sponsor, apprentice, values["program"], start, values["cohort"][:100] or None)
        except (portal.PortalError, progress.ProgressError, EntryError) as exc:
            session.rollback()
            return page("portal/apprentice_new.html", 422, programs=programs_, values=values, error=exc.message)
        return done("portal.apprentice", "enrolled", apprentice_id=apprentice.id)


def _ledger(session, enrollment):
    """The enrollment's ledger, newest first, with what stands after every correction."""
    standing = {e.id: e for e in effective_ledger(rule_entries(session, enrollment.id))}
    rows = list(session.scalars(select(LedgerEntry).where(LedgerEntry.enrollment_id == enrollment.id)
                                .order_by(LedgerEntry.id.desc())))
    return rows, standing


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
    enrollments = portal.enrollments_of(session, [apprentice.id]).get(apprentice.id, [])
    blocks = []
    for enrollment in enrollments:
        layout = portal.program_progress(session, enrollment)
        rows, standing = _ledger(session, enrollment)
        blocks.append({"enrollment": enrollment, "progress": layout, "ledger": rows, "standing": standing,
                       "labels": _item_labels(layout.program, layout.frameworks),
                       "ojl_items": layout.program.get("work_processes") or [],
                       "rti_items": ((layout.program.get("related_instruction") or {}).get("courses") or [])})
    # The completed occupation first, as on the apprentice's own page.
    held = sorted(portal.credentials_of(session, apprentice), key=lambda c: c.achievement_key != OCCUPATION)
    credentials = [{"row": c, **_credential_state(session, c)} for c in held]
    return page("portal/apprentice.html", code, apprentice=apprentice, blocks=blocks, credentials=credentials,
                assigned=portal.assigned_journeyworkers(session, apprentice),
                journeyworkers=portal.journeyworkers(session, g.staff.sponsor_id)
                if g.staff.can("assign") else [],
                today=date.today().isoformat(), error=error, values=form_values or {})


@bp.get("/apprentices/<apprentice_id>")
def apprentice(apprentice_id):
    with session_scope(web.sessions()) as session:
        return _apprentice_page(session, _apprentice(session, apprentice_id))


def _enrollment(session, apprentice):
    enrollment = portal.enrollment_of(session, apprentice, request.form.get("enrollment"))
    if enrollment is None:
        abort(404, "No such enrollment for this apprentice.")
    return enrollment


@bp.post("/apprentices/<apprentice_id>/entries")
@allowed("record")
def record(apprentice_id):
    ctx = web.services().issuance
    with session_scope(web.sessions()) as session:
        apprentice = _apprentice(session, apprentice_id)
        enrollment = _enrollment(session, apprentice)
        entry_type, _, item = web.form("item", 200).partition(":")
        try:
            if entry_type not in HOUR_TYPES:
                raise portal.PortalError("choose a work process or a course", field="item")
            outcome = earning.record_entry(
                session, ctx, enrollment, entry_type=entry_type, item=item, value=web.form("hours", 20),
                entry_date=parse_date(web.form("date", 20)), signed_off_by=web.form("signed_off_by", 200) or None,
                recorded_by=f"portal:{g.staff.email}", source="portal")
            if outcome.duplicate:
                raise portal.PortalError("this entry is recorded already", status=409)
        except (portal.PortalError, progress.ProgressError, EntryError) as exc:
            session.rollback()
            return _apprentice_page(session, apprentice, 422, error=exc.message, form_values=request.form)
        return done("portal.apprentice", "recorded", apprentice_id=apprentice.id,
                    _anchor=f"enrollment-{enrollment.id}")


@bp.post("/apprentices/<apprentice_id>/corrections")
@allowed("record")
def correct(apprentice_id):
    ctx = web.services().issuance
    with session_scope(web.sessions()) as session:
        apprentice = _apprentice(session, apprentice_id)
        enrollment = _enrollment(session, apprentice)
        action = web.form("action", 10)
        try:
            target = session.get(LedgerEntry, int(web.form("entry", 20) or 0))
            if target is None or target.enrollment_id != enrollment.id:
                raise portal.PortalError("choose the entry to correct", field="entry")
            if action not in ("reverse", "amend"):
                raise portal.PortalError("choose reverse or amend", field="action")
            amended_date = web.form("date", 20)
            outcome = earning.record_entry(
                session, ctx, enrollment, entry_type=target.entry_type, item=target.item,
                value=web.form("value", 20) if action == "amend" else target.value,
                entry_date=parse_date(amended_date) if action == "amend" and amended_date else target.entry_date,
                signed_off_by=None, recorded_by=f"portal:{g.staff.email}", source="portal",
                corrects=target.id, action=action, reason=web.form("reason", 2000) or None)
            if outcome.duplicate:
                raise portal.PortalError("this correction is recorded already", status=409)
        except (ValueError, portal.PortalError, progress.ProgressError, EntryError) as exc:
            session.rollback()
            message = getattr(exc, "message", "choose the entry to correct")
            return _apprentice_page(session, apprentice, 422, error=message, form_values=request.form)
        return done("portal.apprentice", "corrected", apprentice_id=apprentice.id,
                    _anchor=f"enrollment-{enrollment.id}")


@bp.post("/apprentices/<apprentice_id>/assignments")
@allowed("assign")
def assignments(apprentice_id):
    with session_scope(web.sessions()) as session:
        apprentice = _apprentice(session, apprentice_id)
        try:
            staff_id = int(web.form("staff", 20))
        except ValueError:
            abort(404, "No such staff member.")
        portal.assign(session, g.staff, apprentice, staff_id, web.form("assign", 5) == "on")
    return done("portal.apprentice", "assigned", apprentice_id=apprentice_id)


# --- journeyworker sign-off ------------------------------------------------------------------------

def _wants_json() -> bool:
    """portal.js posts the checklist's forms itself and asks for JSON; a plain form gets pages."""
    return request.accept_mimetypes.best == "application/json"


def _undo_offer(session, apprentice, entry_ids: list[str]) -> dict | None:
    """The undo button the page shows after a sign-off, while the minute lasts."""
    ids = [int(i) for i in entry_ids[:100] if i.isdigit() and len(i) < 12]
    entries = [e for e in (session.get(LedgerEntry, i) for i in ids)
               if e is not None and e.recorded_by == f"portal:{g.staff.email}"]
    if not entries:
        return None
    until = min(undo.undo_until(e) for e in entries)
    if until <= security.utcnow():
        return None
    return {"entries": [e.id for e in entries], "items": [e.item for e in entries], "until": until}


@bp.route("/apprentices/<apprentice_id>/signoff", methods=["GET", "POST"])
def signoff(apprentice_id):
    ctx = web.services().issuance
    with session_scope(web.sessions()) as session:
        apprentice = _apprentice(session, apprentice_id)
        enrollments = portal.enrollments_of(session, [apprentice.id]).get(apprentice.id, [])
        if request.method == "GET":
            layouts = [portal.program_progress(session, e) for e in enrollments]
            wanted = set(request.args.getlist("issued")[:20])
            issued = [c.document.get("name") or c.achievement_key for c in portal.credentials_of(session, apprentice)
                      if c.id in wanted]
            return page("portal/signoff.html", apprentice=apprentice, layouts=layouts,
                        today=date.today().isoformat(), issued=issued,
                        undo=_undo_offer(session, apprentice, request.args.getlist("entry")))
        if not g.staff.can("sign_off"):
            abort(403, "Only journeyworkers sign off.")
        enrollment = _enrollment(session, apprentice)
        statements = request.form.getlist("statement")[:100]
        competencies = [tuple(v.split(":", 1)) for v in request.form.getlist("competency")[:100] if ":" in v]
        try:
            try:
                on = parse_date(web.form("date", 20))
            except EntryError as exc:
                raise portal.PortalError(exc.message, field="date") from None
            outcome = portal.sign_off(session, ctx, g.staff, apprentice, enrollment, statements=statements,
                                      competencies=competencies, on=on)
        except portal.PortalError as exc:
            session.rollback()
            if _wants_json():
                return jsonify({"error": exc.message}), exc.status
            raise
        issued = [c.id for c in outcome.issued]
        issued_names = [c.document.get("name") or c.achievement_key for c in outcome.issued]
        entries = outcome.entries
        until = undo.undo_until(session.get(LedgerEntry, entries[0])) if entries else None
    if _wants_json():
        return jsonify({"recorded": outcome.recorded, "entries": entries, "issued": issued_names,
                        "signed": f"Signed off {on.isoformat()} by {g.staff.attestation}",
                        "undo": url_for("portal.signoff_undo", apprentice_id=apprentice_id),
                        "undo_until": until.isoformat() if until else None})
    # Back to the row just signed, so a journeyworker working down the list keeps their place;
    # to the top when a credential was issued, where the page says so.
    anchor = f"s-{enrollment.id}-{outcome.recorded[-1]}" if outcome.recorded and not issued else None
    return redirect(url_for("portal.signoff", apprentice_id=apprentice_id, notice="signed", issued=issued,
                            entry=entries, _anchor=anchor), code=303)


@bp.post("/apprentices/<apprentice_id>/signoff/undo")
def signoff_undo(apprentice_id):
    ids = [int(i) for i in request.form.getlist("entry")[:100] if i.isdigit() and len(i) < 12]
    with session_scope(web.sessions()) as session:
        apprentice = _apprentice(session, apprentice_id)
        try:
            items = undo.undo_sign_off(session, web.services().issuance, g.staff, apprentice, ids)
        except portal.PortalError as exc:
            session.rollback()
            if _wants_json():
                return jsonify({"error": exc.message}), exc.status
            raise
    if _wants_json():
        return jsonify({"undone": items})
    return done("portal.signoff", "undone", apprentice_id=apprentice_id)


# --- credentials -----------------------------------------------------------------------------------

STATES = {"": "All", "valid": "Valid", "pending": "Not yet in a wallet", "flagged": "Flagged for revocation",
          "suspended": "Suspended", "revoked": "Revoked"}


def _credential_state(session, row: IssuedCredential) -> dict:
    slots = credential_slots.find_slots(session, row.sponsor_id, row.id)
    revoked, suspended = status.current(session, slots[0]) if slots else (False, False)
    return {"revoked": revoked, "suspended": suspended, "claimed": portal.claimed(session, row.id),
            "suspendable": any(slot.suspendable for slot in slots), "not_suspendable": status.NOT_SUSPENDABLE}


@bp.get("/credentials")
def credentials():
    wanted = request.args.get("state", "")
    if wanted not in STATES:
        wanted = ""
    with session_scope(web.sessions()) as session:
        rows = []
        for row, apprentice in portal.sponsor_credentials(session, g.staff):
            state = _credential_state(session, row)
            if (wanted == "valid" and (state["revoked"] or state["suspended"])) or \
                    (wanted == "pending" and state["claimed"]) or \
                    (wanted == "flagged" and not row.flagged_for_revocation) or \
                    (wanted in ("suspended", "revoked") and not state[wanted]):
                continue
            rows.append({"row": row, "apprentice": apprentice, **state})
        return page("portal/credentials.html", rows=rows, states=STATES, state=wanted)


@bp.get("/credentials/<credential_id>")
def credential(credential_id):
    with session_scope(web.sessions()) as session:
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 36 else None
        apprentice = portal.visible_apprentice(session, g.staff, row.apprentice_id) if row else None
        if apprentice is None:
            abort(404, "No such credential.")
        slots = credential_slots.find_slots(session, row.sponsor_id, row.id)
        return page("portal/credential.html", row=row, apprentice=apprentice, **_credential_state(session, row),
                    history=status.history(session, slots))


@bp.post("/credentials/<credential_id>/status")
@allowed("revoke")
def credential_status(credential_id):
    action = web.form("action", 20)
    with session_scope(web.sessions()) as session:
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 36 else None
        if row is None or row.sponsor_id != g.staff.sponsor_id:
            abort(404, "No such credential.")
        if action == "revoke" and web.form("confirm", 5) != "yes":
            # Revoking is for ever: a second page asks, naming what and whose, before it is done.
            reason = web.form("reason", status.MAX_REASON + 1)
            if not reason:
                raise portal.PortalError("give the reason for revoking", field="reason")
            return page("portal/confirm_revoke.html", row=row, reason=reason,
                        apprentice=session.get(Apprentice, row.apprentice_id))
        try:
            slots = credential_slots.find_slots(session, g.staff.sponsor_id, row.id)
            status.change(session, web.services().issuance, slots,
                          action, web.form("reason", status.MAX_REASON + 1), g.staff.audit_label)
        except status.StatusError as exc:
            raise portal.PortalError(exc.message, exc.status if exc.status != 400 else 422) from None
    return done("portal.credential", "status", credential_id=credential_id)


# --- batches -----------------------------------------------------------------------------------------
# The batch domain's own services: upload (validated at once), approve, progress, report.

def _batch(session, batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id) if len(batch_id) <= 36 else None
    if batch is None or batch.sponsor_id != g.staff.sponsor_id:
        abort(404, "No such batch.")
    return batch


@bp.route("/batches", methods=["GET", "POST"])
@allowed("batches")
def batches():
    services = web.services()
    error, status_code = None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error, status_code = "Choose a file to upload.", 422
        else:
            try:
                batch_id, _ = intake.submit(services, g.staff.sponsor_id, upload.stream, filename=upload.filename,
                                            kind=web.form("kind", 20) or None,
                                            submitted_by=f"portal:{g.staff.email}")
                return redirect(url_for("portal.batch", batch_id=batch_id), code=303)
            except intake.BatchError as exc:
                error, status_code = exc.message, exc.status
    with session_scope(services.sessions) as session:
        rows = session.scalars(select(Batch).where(Batch.sponsor_id == g.staff.sponsor_id)
                               .order_by(Batch.created_at.desc()).limit(50))
        # Per program: the templates to fill in and the achievement ids a cohort batch takes.
        programs_ = [{"document": p.document, "achievements": portal_cohort.achievement_ids(session, p)}
                     for p in _sponsor_programs(session)]
        return page("portal/batches.html", status_code, error=error, programs=programs_,
                    batches=[batch_results.summary(b, services.config.base_url) for b in rows])


_QUOTED = re.compile(r"'[^']*'")


def _error_groups(session, batch_id: str, limit: int = 50) -> list[dict]:
    """The batch's refused rows grouped by cause, so 268 rows with one mistake read as one line:
    first the same column and message; then messages that differ only in a quoted value of their
    row (each new apprentice's own id) are one cause, shown with its first example."""
    count = func.count(BatchRow.line)
    exact = session.execute(
        select(BatchRow.column, BatchRow.message, BatchRow.outcome, count, func.min(BatchRow.line))
        .where(BatchRow.batch_id == batch_id, BatchRow.outcome.in_((batch_models.INVALID, batch_models.ROW_FAILED)))
        .group_by(BatchRow.column, BatchRow.message, BatchRow.outcome))
    groups: dict[tuple, dict] = {}
    for column, message, outcome, rows, first in exact:
        message = message or outcome
        group = groups.setdefault((column, _QUOTED.sub("'…'", message)),
                                  {"column": column, "message": message, "rows": 0, "first_line": first, "kinds": 0})
        group["rows"] += rows
        group["kinds"] += 1
        if first < group["first_line"]:
            group["first_line"], group["message"] = first, message
    for group in groups.values():
        if group["kinds"] > 1:
            group["message"] = f"{group['message']} (and the same for other values)"
    return sorted(groups.values(), key=lambda g: (-g["rows"], g["first_line"]))[:limit]


@bp.get("/batches/<batch_id>")
@allowed("batches")
def batch(batch_id):
    services = web.services()
    with session_scope(services.sessions) as session:
        row = _batch(session, batch_id)
        awaiting = row.state in ("validated", "failed") and row.kind == intake.COHORT
        return page("portal/batch.html", batch=batch_results.summary(row, services.config.base_url),
                    groups=_error_groups(session, row.id),
                    contradicted=len(intake.contradicted(services.sessions, row.id)) if awaiting else 0)


@bp.get("/batches/<batch_id>/progress.json")
@allowed("batches")
def batch_progress(batch_id):
    """The batch page's progress bar, refreshed by portal.js with the console session (the
    sponsor API's /api/v1/batches/<id> needs an API key, which staff do not carry)."""
    services = web.services()
    with session_scope(services.sessions) as session:
        summary = batch_results.summary(_batch(session, batch_id), services.config.base_url)
    keys = ("id", "state", "message", "rows", "credentials_issued", "rate_rows_per_second", "eta_seconds")
    return jsonify({k: summary.get(k) for k in keys})


@bp.post("/batches/<batch_id>/approve")
@allowed("batches")
def approve_batch(batch_id):
    with session_scope(web.sessions()) as session:
        row = _batch(session, batch_id)
        if row.state == batch_models.VALIDATED and row.rows_total == row.rows_invalid:
            raise portal.PortalError("No row of this batch is valid: there is nothing to run.", 409)
    try:
        intake.approve(web.services(), g.staff.sponsor_id, batch_id, f"portal:{g.staff.email}",
                       attest_anyway=web.form("attest_anyway", 10) == "yes")
    except intake.BatchError as exc:
        raise portal.PortalError(exc.message, exc.status) from None
    return done("portal.batch", "approved", batch_id=batch_id)


@bp.get("/batches/<batch_id>/report.csv")
@allowed("batches")
def batch_report(batch_id):
    services = web.services()
    with session_scope(services.sessions) as session:
        row = _batch(session, batch_id)
    response = Response(stream_with_context(batch_results.report_csv(services.sessions, row)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="batch-{batch_id}-report.csv"'
    return response


# --- API keys ------------------------------------------------------------------------------------------

def _keys(session):
    return list(session.scalars(select(ApiKey).where(ApiKey.sponsor_id == g.staff.sponsor_id)
                                .order_by(ApiKey.id.desc())))


@bp.route("/keys", methods=["GET", "POST"])
@allowed("keys")
def keys():
    with session_scope(web.sessions()) as session:
        created = None
        if request.method == "POST":
            name = web.form("name", 200)
            if not name:
                return page("portal/keys.html", 422, keys=_keys(session), error="Give the key a name.")
            created = sponsors.create_api_key(session, session.get(Sponsor, g.staff.sponsor_id), name)
        # The key itself is shown in this response only: it is stored as a hash.
        return page("portal/keys.html", keys=_keys(session), created=created)


@bp.post("/keys/<int:key_id>/revoke")
@allowed("keys")
def revoke_key(key_id):
    with session_scope(web.sessions()) as session:
        try:
            sponsors.revoke_api_key(session, session.get(Sponsor, g.staff.sponsor_id), key_id)
        except sponsors.SponsorError:
            abort(404, "No such API key.")
    return done("portal.keys", "key-revoked")


# --- staff ---------------------------------------------------------------------------------------------

def _staff_list(session):
    return list(session.scalars(select(StaffAccount).where(StaffAccount.sponsor_id == g.staff.sponsor_id)
                                .order_by(StaffAccount.name)))


def password_url(token: str) -> str:
    return f"{web.services().config.base_url}{url_for('portal.set_password', token=token)}"


@bp.route("/staff", methods=["GET", "POST"])
@allowed("staff")
def staff():
    with session_scope(web.sessions()) as session:
        if request.method == "GET":
            return page("portal/staff.html", people=_staff_list(session), roles=portal.ROLE_LABELS, values={})
        values = {k: web.form(k, 320) for k in ("name", "email", "role")}
        try:
            account, token = portal.create_staff(session, session.get(Sponsor, g.staff.sponsor_id),
                                                 values["email"], values["name"], values["role"])
        except portal.PortalError as exc:
            session.rollback()
            return page("portal/staff.html", exc.status, people=_staff_list(session), roles=portal.ROLE_LABELS,
                        values=values, error=exc.message)
        return page("portal/staff.html", people=_staff_list(session), roles=portal.ROLE_LABELS, values={},
                    link={"name": account.name, "email": account.email, "url": password_url(token)})


@bp.post("/staff/<int:staff_id>")
@allowed("staff")
def staff_member(staff_id):
    change = web.form("change", 20)
    with session_scope(web.sessions()) as session:
        if change == "password-link":
            account = portal.staff_of(session, g.staff.sponsor_id, staff_id)
            token = portal.password_link(session, account)
            return page("portal/staff.html", people=_staff_list(session), roles=portal.ROLE_LABELS, values={},
                        link={"name": account.name, "email": account.email, "url": password_url(token)})
        if change == "role":
            portal.change_staff(session, g.staff, staff_id, role=web.form("role", 20))
        elif change in ("disable", "enable"):
            portal.change_staff(session, g.staff, staff_id, active=change == "enable")
        else:
            abort(400, "Unknown change.")
    return done("portal.staff", "staff-changed")


# --- audit log -------------------------------------------------------------------------------------------

AUDIT_PAGE = 100


@bp.get("/audit")
@allowed("audit")
def audit_log():
    try:
        before = int(request.args.get("before", "0"))
    except ValueError:
        before = 0
    with session_scope(web.sessions()) as session:
        query = select(AuditEvent).where(AuditEvent.sponsor_id == g.staff.sponsor_id)
        if before:
            query = query.where(AuditEvent.id < before)
        events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE + 1)))
        return page("portal/audit.html", events=events[:AUDIT_PAGE],
                    older=events[AUDIT_PAGE - 1].id if len(events) > AUDIT_PAGE else None)


@bp.get("/audit.csv")
@allowed("audit")
def audit_csv():
    sponsor_id = g.staff.sponsor_id

    def generate():
        with session_scope(web.sessions()) as session:
            events = session.scalars(select(AuditEvent).where(AuditEvent.sponsor_id == sponsor_id)
                                     .order_by(AuditEvent.id).execution_options(yield_per=500))
            yield from audit.csv_lines(events)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{date.today().isoformat()}.csv"'
    return response


# --- own account ------------------------------------------------------------------------------------------

@bp.get("/account")
def account():
    setup = None
    if request.args.get("setup") == "totp" and not g.staff.totp_enabled:
        with session_scope(web.sessions()) as session:
            secret = portal.begin_totp(session, g.staff, web.services().secrets)
        setup = {"secret": secret, "uri": security.totp_uri(secret, g.staff.email,
                                                            web.services().config.service_name)}
    return page("portal/account.html", setup=setup)


@bp.post("/account/password")
def account_password():
    if request.form.get("password", "") != request.form.get("again", ""):
        return page("portal/account.html", 422, error="The two new passwords differ.")
    with session_scope(web.sessions()) as session:
        try:
            portal.change_password(session, g.staff, request.form.get("current", ""),
                                   request.form.get("password", ""), keep_session=g.signed.id)
        except portal.PortalError as exc:
            session.rollback()
            return page("portal/account.html", 422, error=exc.message)
    return done("portal.account", "password")


@bp.post("/account/totp")
def account_totp():
    with session_scope(web.sessions()) as session:
        try:
            if web.form("change", 10) == "off":
                portal.disable_totp(session, g.staff, request.form.get("password", ""), keep_session=g.signed.id)
                notice = "totp-off"
            else:
                portal.confirm_totp(session, g.staff, web.form("code", 20), web.services().secrets)
                notice = "totp-on"
        except portal.PortalError as exc:
            session.rollback()
            return page("portal/account.html", 422, error=exc.message)
    return done("portal.account", notice)


# Views kept in modules of their own, on this blueprint (imported here, before it is registered;
# they name it `console`, since every api module with a `bp` is registered as its own).
from issuer.api import portal_cohort, portal_delivery  # noqa: E402,F401
