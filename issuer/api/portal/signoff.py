"""Journeyworker sign-off: the checklist of an apprentice's open statements and competencies,
signed off as attestations, and the minute in which a sign-off can be undone."""

from __future__ import annotations

from datetime import date

from flask import abort, g, jsonify, redirect, request, url_for

from issuer.api import portal_web as web
from issuer.api.portal.console import apprentice_or_404, bp, done, enrollment_or_404, page
from issuer.db import session_scope
from issuer.portal import attestation, progress_view, security, undo, visibility
from issuer.portal.roles import PortalError
from issuer.progress.models import LedgerEntry
from issuer.progress.validation import EntryError, parse_date


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
        apprentice = apprentice_or_404(session, apprentice_id)
        enrollments = visibility.enrollments_of(session, [apprentice.id]).get(apprentice.id, [])
        if request.method == "GET":
            layouts = [progress_view.program_progress(session, e) for e in enrollments]
            wanted = set(request.args.getlist("issued")[:20])
            issued = [c.document.get("name") or c.achievement_key
                      for c in visibility.credentials_of(session, apprentice)
                      if c.id in wanted]
            return page("portal/signoff.html", apprentice=apprentice, layouts=layouts,
                        today=date.today().isoformat(), issued=issued,
                        undo=_undo_offer(session, apprentice, request.args.getlist("entry")))
        if not g.staff.can("sign_off"):
            abort(403, "Only journeyworkers sign off.")
        enrollment = enrollment_or_404(session, apprentice)
        statements = request.form.getlist("statement")[:100]
        competencies = [tuple(v.split(":", 1)) for v in request.form.getlist("competency")[:100] if ":" in v]
        try:
            try:
                on = parse_date(web.form("date", 20))
            except EntryError as exc:
                raise PortalError(exc.message, field="date") from None
            outcome = attestation.sign_off(session, ctx, g.staff, apprentice, enrollment, statements=statements,
                                      competencies=competencies, on=on)
        except PortalError as exc:
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
        apprentice = apprentice_or_404(session, apprentice_id)
        try:
            items = undo.undo_sign_off(session, web.services().issuance, g.staff, apprentice, ids)
        except PortalError as exc:
            session.rollback()
            if _wants_json():
                return jsonify({"error": exc.message}), exc.status
            raise
    if _wants_json():
        return jsonify({"undone": items})
    return done("portal.signoff", "undone", apprentice_id=apprentice_id)
