"""Batches in the console: upload (validated at once), the refused rows grouped by cause,
progress, approval and the report."""

from __future__ import annotations

import re

from flask import Response, abort, g, jsonify, redirect, request, stream_with_context, url_for
from sqlalchemy import func, select

from issuer.api import portal_web as web
from issuer.api.portal import cohort
from issuer.api.portal.console import allowed, bp, done, page, sponsor_programs
from issuer.batch import intake, results as batch_results
from issuer.batch import models as batch_models
from issuer.batch.models import Batch, BatchRow
from issuer.db import session_scope
from issuer.portal.roles import PortalError


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
        programs_ = [{"document": p.document, "achievements": cohort.achievement_ids(session, p)}
                     for p in sponsor_programs(session)]
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
            raise PortalError("No row of this batch is valid: there is nothing to run.", 409)
    try:
        intake.approve(web.services(), g.staff.sponsor_id, batch_id, f"portal:{g.staff.email}",
                       attest_anyway=web.form("attest_anyway", 10) == "yes")
    except intake.BatchError as exc:
        raise PortalError(exc.message, exc.status) from None
    return done("portal.batch", "approved", batch_id=batch_id)


@bp.get("/batches/<batch_id>/report.csv")
@allowed("batches")
def batch_report(batch_id):
    """Every row of the batch with its outcome, streamed as CSV (cells defused for spreadsheets)."""
    sessions = web.sessions()
    with session_scope(sessions) as session:
        lines = batch_results.report_csv(sessions, _batch(session, batch_id))    # read as it streams
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="batch-{batch_id}-report.csv"'
    return response
