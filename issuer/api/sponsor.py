"""The sponsor API (/api/v1): bearer-key authenticated, and scoped to the key's sponsor.

Another sponsor's ids answer 404, exactly as ids that do not exist: a sponsor cannot even
learn that someone else's apprentice exists.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, g, jsonify, request
from sqlalchemy import select

from issuer.api.auth import require_sponsor
from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.issuance import records, signing
from issuer.issuance.models import IssuedCredential
from issuer.progress import services
from issuer.progress.models import Enrollment
from issuer.progress.validation import EntryError, parse_date
from issuer.progress.summary import progress_json
from issuer.workflow.earning import progress_of, record_entry
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import sponsor_programs
from issuer.programs import catalog

bp = Blueprint("sponsor", __name__, url_prefix="/api/v1")



bp.before_request(require_sponsor)


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(problem(400, "Bad Request", "the body must be a JSON object"))
    return body


def _apprentice_or_404(session, apprentice_id: str):
    apprentice = services.find_apprentice(session, session.get(Sponsor, g.sponsor_id), apprentice_id)
    if apprentice is None:
        abort(problem(404, "Not Found", f"no apprentice {apprentice_id}"))
    return apprentice


def apprentice_json(session, apprentice) -> dict:
    enrollments = session.scalars(select(Enrollment).where(Enrollment.apprentice_id == apprentice.id))
    return {"id": apprentice.id, "external_id": apprentice.external_id, "name": apprentice.name,
            "email": apprentice.email, "did": apprentice.did,
            "enrollments": [{"program": e.program_id, "program_version_id": e.program_version_id,
                             "start_date": e.start_date.isoformat(), "cohort": e.cohort} for e in enrollments]}


@bp.get("/sponsor")
def get_sponsor():
    """The calling sponsor: its identifiers (what it may name as issuer on the VC-API) and keys."""
    with session_scope(_services().sessions) as session:
        return jsonify(_services().keys.summary(session, session.get(Sponsor, g.sponsor_id)))


@bp.get("/programs")
def list_programs():
    with session_scope(_services().sessions) as session:
        ids = sponsor_programs(session, session.get(Sponsor, g.sponsor_id))
        return jsonify([{"id": p.program_id, "version": p.version, "title": p.document["title"],
                         "approach": p.document["approach"]}
                        for p in (catalog.latest_program(session, i) for i in ids)])


@bp.post("/apprentices")
def create_apprentice():
    body = _json_body()
    try:
        start = parse_date(body["start_date"]) if body.get("start_date") else date.today()
    except EntryError as exc:
        return problem(422, "Unprocessable Entity", exc.message, field="start_date")
    with session_scope(_services().sessions) as session:
        sponsor = session.get(Sponsor, g.sponsor_id)
        external_id = str(body.get("external_id") or body.get("email") or body.get("did") or "")
        if not external_id or not body.get("program"):
            return problem(422, "Unprocessable Entity", "external_id (or email / did) and program are required")
        try:
            apprentice = services.upsert_apprentice(session, sponsor, external_id, body.get("name"),
                                                    body.get("email"), body.get("did"))
            services.enroll(session, sponsor, apprentice, str(body["program"]), start, body.get("cohort"))
        except services.ProgressError as exc:
            session.rollback()
            return problem(422, "Unprocessable Entity", exc.message, field=exc.field)
        response = jsonify(apprentice_json(session, apprentice))
        response.status_code = 201
        return response


@bp.get("/apprentices/<apprentice_id>")
def get_apprentice(apprentice_id):
    with session_scope(_services().sessions) as session:
        return jsonify(apprentice_json(session, _apprentice_or_404(session, apprentice_id)))


def _enrollment(session, apprentice, program_id):
    query = select(Enrollment).where(Enrollment.apprentice_id == apprentice.id)
    if program_id:
        query = query.where(Enrollment.program_id == program_id)
    rows = list(session.scalars(query))
    if len(rows) != 1:
        abort(problem(422, "Unprocessable Entity", "name the program: the apprentice is enrolled in "
                      + (", ".join(r.program_id for r in rows) or "nothing"), field="program"))
    return rows[0]


@bp.post("/apprentices/<apprentice_id>/entries")
def add_entry(apprentice_id):
    body = _json_body()
    services_ = _services()
    ctx = services_.issuance
    with session_scope(services_.sessions) as session:
        apprentice = _apprentice_or_404(session, apprentice_id)
        enrollment = _enrollment(session, apprentice, body.get("program"))
        try:
            entry_date = parse_date(str(body.get("date", "")))
            outcome = record_entry(
                session, ctx, enrollment, entry_type=str(body.get("entry_type", "")), item=str(body.get("item", "")),
                value=str(body.get("value", "")), entry_date=entry_date, signed_off_by=body.get("signed_off_by"),
                recorded_by=f"api:{g.sponsor_name}", source="api", corrects=body.get("corrects"),
                action=body.get("action", "record"), reason=body.get("reason"), entry_ref=_entry_ref(body))
        except EntryError as exc:
            return problem(422, "Unprocessable Entity", exc.message, field=exc.field)
        except services.ProgressError as exc:
            session.rollback()
            return problem(422, "Unprocessable Entity", exc.message, field=exc.field)
        if outcome.duplicate:
            return problem(409, "Conflict", "this entry is already recorded")
        response = jsonify({"entry_id": outcome.entry.id,
                            "issued": [credential_json(c) for c in outcome.issuance.issued],
                            "flagged": [c.id for c in outcome.issuance.flagged]})
        response.status_code = 201
        return response


def _entry_ref(body: dict) -> str | None:
    """The sponsor's own reference for the entry (optional): a string of at most 200 characters."""
    ref = body.get("entry_ref")
    if ref is not None and not isinstance(ref, str):
        abort(problem(422, "Unprocessable Entity", "entry_ref must be a string", field="entry_ref"))
    return ref or None


@bp.get("/apprentices/<apprentice_id>/progress")
def get_progress(apprentice_id):
    with session_scope(_services().sessions) as session:
        apprentice = _apprentice_or_404(session, apprentice_id)
        out = []
        for enrollment in session.scalars(select(Enrollment).where(Enrollment.apprentice_id == apprentice.id)):
            _, _, progress = progress_of(session, enrollment)
            out.append(progress_json(enrollment, progress))
        return jsonify({"apprentice": apprentice.id, "programs": out})


@bp.get("/apprentices/<apprentice_id>/records")
def get_records(apprentice_id):
    """Each enrolment's current apprenticeship record (CLR 2.0), issued now when the credentials
    held changed since its newest version (after an import or a batch, which sign none)."""
    services_ = _services()
    base_url = services_.config.base_url
    with session_scope(services_.sessions) as session:
        apprentice = _apprentice_or_404(session, apprentice_id)
        out = []
        for enrollment in session.scalars(select(Enrollment).where(Enrollment.apprentice_id == apprentice.id)
                                          .order_by(Enrollment.id)):
            version = records.current(session, services_.issuance, enrollment.id)
            out.append({"program": enrollment.program_id, "record": None if version is None else {
                "id": version.id, "version": version.version, "issued_at": version.issued_at.isoformat(),
                "credentials": len(version.credential_ids), "page": f"{base_url}/records/{version.id}",
                "pdf": f"{base_url}/records/{version.id}.pdf", "credential": version.document}})
        return jsonify({"apprentice": apprentice.id, "records": out})


def credential_json(row: IssuedCredential) -> dict:
    return {"id": row.id, "achievement_key": row.achievement_key, "apprentice_id": row.apprentice_id,
            "issued_at": row.issued_at.isoformat(), "flagged_for_revocation": row.flagged_for_revocation,
            "flag_reason": row.flag_reason, "credential": row.document}


@bp.get("/credentials")
def list_credentials():
    with session_scope(_services().sessions) as session:
        query = select(IssuedCredential).where(IssuedCredential.sponsor_id == g.sponsor_id)
        if request.args.get("apprentice"):
            apprentice = _apprentice_or_404(session, request.args["apprentice"])
            query = query.where(IssuedCredential.apprentice_id == apprentice.id)
        return jsonify([credential_json(c) for c in session.scalars(query.order_by(IssuedCredential.issued_at))])


@bp.get("/credentials/<credential_id>")
def get_credential(credential_id):
    """The stored credential; `?format=jwt` gives the same credential secured as a VC-JWT."""
    with session_scope(_services().sessions) as session:
        row = session.get(IssuedCredential, credential_id)
        if row is None or row.sponsor_id != g.sponsor_id:
            return problem(404, "Not Found", f"no credential {credential_id}")
        fmt = request.args.get("format", "ldp")
        if fmt == "jwt":
            token = signing.as_vc_jwt(session, _services().keys, row.document)
            return current_app.response_class(token, mimetype="application/vc+jwt")
        if fmt != "ldp":
            return problem(400, "Bad Request", "format must be ldp or jwt")
        return jsonify(credential_json(row))
