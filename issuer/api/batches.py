"""Sponsor batches over HTTP: upload (validated at once), approve, watch, download results.

    POST /api/v1/batches                      multipart `file` (+ `kind`), a JSON body, or text/csv
    GET  /api/v1/batches                      the sponsor's batches, newest first
    GET  /api/v1/batches/<id>                 progress, counters, rate, time left, first errors
    POST /api/v1/batches/<id>/approve         run it (202)
    GET  /api/v1/batches/<id>/report.csv|report.json|credentials.zip
    GET  /batches/<id>                        the batch page (asks for the API key; no data in it)

Everything under /api/ needs the sponsor's bearer key; another sponsor's batch answers 404.
"""

from __future__ import annotations

import tempfile

from flask import Blueprint, Response, g, jsonify, render_template, request
from sqlalchemy import select

from issuer.api.auth import require_sponsor
from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.batch import intake, jobs, results
from issuer.batch.models import Batch
from issuer.db import reading, session_scope

bp = Blueprint("batches", __name__)

SPOOL_BYTES = 1024 * 1024
MAX_SHOWN_ERRORS = 1000



@bp.before_request
def _authenticate():
    if request.path.startswith("/api/"):
        return require_sponsor()
    return None


@bp.record_once
def _start_runner(state) -> None:
    # The single-process server runs batches in a thread of its own, and resumes at start the
    # ones a crash interrupted. Tests start it on demand instead (on approval).
    services = state.app.extensions["ler"]
    if not services.config.redis_url and not state.app.config.get("TESTING"):
        jobs.executor(services, linger=True).wake()


def _upload():
    """(a seekable binary stream, file name, declared kind) from whatever the client sent."""
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            return None
        return upload.stream, upload.filename or "upload.csv", request.form.get("kind") or None
    spool = tempfile.SpooledTemporaryFile(SPOOL_BYTES)
    while block := request.stream.read(1 << 16):
        spool.write(block)
    spool.seek(0)
    name = "upload.json" if request.mimetype in ("application/json", "application/ld+json") else "upload.csv"
    return spool, request.args.get("filename") or name, request.args.get("kind") or None


def _batch_or_404(session, batch_id: str) -> Batch | Response:
    batch = session.get(Batch, batch_id) if len(batch_id) <= 36 else None
    if batch is None or batch.sponsor_id != g.sponsor_id:
        return problem(404, "Not Found", f"no batch {batch_id}")
    return batch


def _view(session, batch: Batch, shown_errors: int = results.SHOWN_ERRORS) -> dict:
    return {**results.summary(batch, _services().config.base_url),
            "error_rows": results.errors(session, batch.id, shown_errors)}


@bp.post("/api/v1/batches")
def submit():
    services = _services()
    # Batches are the one upload allowed past the general body limit.
    request.max_content_length = services.config.batch_max_bytes
    upload = _upload()
    if upload is None:
        return problem(400, "Bad Request", "send the file as multipart field 'file', a JSON body, or text/csv")
    stream, filename, kind = upload
    try:
        batch_id, created = intake.submit(services, g.sponsor_id, stream, filename=filename, kind=kind,
                                          submitted_by=f"api:{g.sponsor_name}")
    except intake.BatchError as exc:
        return problem(exc.status, "Unprocessable Entity" if exc.status == 422 else "Bad Request", exc.message)
    finally:
        stream.close()
    with session_scope(services.sessions) as session:
        body = {**_view(session, session.get(Batch, batch_id)), "resubmitted": not created}
    response = jsonify(body)
    response.status_code = 201 if created else 200
    response.headers["Location"] = body["links"]["self"]
    return response


@bp.get("/api/v1/batches")
def list_batches():
    with session_scope(_services().sessions) as session:
        rows = session.scalars(select(Batch).where(Batch.sponsor_id == g.sponsor_id)
                               .order_by(Batch.created_at.desc()).limit(100))
        return jsonify([results.summary(b, _services().config.base_url) for b in rows])


@bp.get("/api/v1/batches/<batch_id>")
def get_batch(batch_id):
    shown = min(request.args.get("errors", results.SHOWN_ERRORS, type=int) or 0, MAX_SHOWN_ERRORS)
    with session_scope(_services().sessions) as session:
        batch = _batch_or_404(session, batch_id)
        if isinstance(batch, Response):
            return batch
        return jsonify(_view(session, batch, max(shown, 0)))


@bp.post("/api/v1/batches/<batch_id>/approve")
def approve(batch_id):
    services = _services()
    try:
        intake.approve(services, g.sponsor_id, batch_id, f"api:{g.sponsor_name}", attest_anyway=_attest_anyway())
    except intake.BatchError as exc:
        titles = {404: "Not Found", 503: "Service Unavailable"}
        response = problem(exc.status, titles.get(exc.status, "Conflict"), exc.message)
        if exc.status == 503:
            response.headers["Retry-After"] = "30"
        return response
    # Only a read, after the approval's own commit: begun as one (issuer.db.reading), it does not
    # queue for SQLite's write lock behind the batch the approval has just started.
    with reading(), session_scope(services.sessions) as session:
        response = jsonify(_view(session, session.get(Batch, batch_id)))
    response.status_code = 202
    return response


def _attest_anyway() -> bool:
    """`{"attest_anyway": true}` or `?attest_anyway=true`: approve rows the ledger contradicts."""
    body = request.get_json(silent=True) if request.is_json else None
    flag = body.get("attest_anyway") if isinstance(body, dict) else request.args.get("attest_anyway")
    return flag is True or flag in ("true", "1", "yes")


def _download(batch_id: str, build, mimetype: str, filename: str):
    services = _services()
    with session_scope(services.sessions) as session:
        batch = _batch_or_404(session, batch_id)
        if isinstance(batch, Response):
            return batch
    response = Response(build(services, batch), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/api/v1/batches/<batch_id>/report.csv")
def report_csv(batch_id):
    return _download(batch_id, lambda s, b: results.report_csv(s.sessions, b), "text/csv",
                     f"batch-{batch_id}-report.csv")


@bp.get("/api/v1/batches/<batch_id>/report.json")
def report_json(batch_id):
    return _download(batch_id, lambda s, b: results.report_json(s.sessions, b, s.config.base_url),
                     "application/json", f"batch-{batch_id}-report.json")


@bp.get("/api/v1/batches/<batch_id>/credentials.zip")
def credentials_zip(batch_id):
    return _download(batch_id, lambda s, b: results.credentials_zip(s.sessions, b.id), "application/zip",
                     f"batch-{batch_id}-credentials.zip")


def _page_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/batches/<batch_id>")
def page(batch_id):
    """The page itself holds no data: its script asks for the API key and reads the JSON API."""
    html = render_template("batch.html", service_name=_services().config.service_name, batch_id=batch_id)
    return _page_headers(Response(html, mimetype="text/html"))


@bp.get("/batches/batch.js")
def page_script():
    return _page_headers(Response(render_template("batch.js"), mimetype="text/javascript"))
