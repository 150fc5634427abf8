"""The apprenticeship record's public pages: /records/<id> (the transcript page), .json (the
signed CLR 2.0 record, to download), .pdf (the transcript) and /current (the enrolment's newest
version). <id> is a version's random id: knowing any version's id gives the current one, and
nothing else; an enrolment's id (a guessable integer) is never in a URL.

Each page is rendered from the stored, signed document (`issuer.delivery.record_view`), with a
few indexed reads: no verification runs here (a record's costs up to a second of CPU; the
verify page and API do that, rate-limited).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, redirect

from issuer.api.context import services as _services
from issuer.api.pages import _not_found, _page
from issuer.db import session_scope
from issuer.delivery.record_view import RecordView, describe_record, transcript_pdf
from issuer.issuance import records
from issuer.issuance.models import RecordVersion
from issuer.programs.models import ProgramVersion

bp = Blueprint("records", __name__)

JSON_TYPE = "application/ld+json"


@dataclass(frozen=True)
class Found:
    version: RecordVersion
    view: RecordView


def _found(record_id: str) -> Found | None:
    with session_scope(_services().sessions) as session:
        version = records.find(session, record_id)
        if version is None:
            return None
        program = session.get(ProgramVersion, version.program_version_id)
        newest = records.newest(session, version.enrollment_id)
        view = describe_record(version, program=program.document if program else None, newest=newest,
                               withdrawn=records.revoked_among(session, version.credential_ids),
                               due=newest.id == version.id and records.stale(session, version))
        session.expunge(version)
    return Found(version, view)


def _missing(record_id: str) -> Response:
    return _not_found(f"There is no apprenticeship record {record_id} here.")


def page_url(record_id: str) -> str:
    return f"{_services().config.base_url}/records/{record_id}"


@bp.get("/records/<record_id>")
def record_page(record_id):
    found = _found(record_id)
    if found is None:
        return _missing(record_id)
    response = _page("record.html", view=found.view)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _download(found: Found, body, mimetype: str, disposition: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (f'{disposition}; filename="apprenticeship-record-{found.version.id}-'
                                               f'v{found.version.version}.{extension}"')
    return response


@bp.get("/records/<record_id>.json")
def record_json(record_id):
    found = _found(record_id)
    if found is None:
        return _missing(record_id)
    return _download(found, json.dumps(found.version.document, ensure_ascii=False), JSON_TYPE, "attachment", "json")


@bp.get("/records/<record_id>.pdf")
def record_pdf(record_id):
    found = _found(record_id)
    if found is None:
        return _missing(record_id)
    body = transcript_pdf(_services().config, found.view, page_url(found.version.id))
    return _download(found, body, "application/pdf", "inline", "pdf")


@bp.get("/records/<record_id>/current")
def current_record(record_id):
    """The enrolment's newest version, made now when the credentials held changed since the
    newest stored one (`records.current`: lazy catch-up, e.g. after a batch)."""
    services = _services()
    with session_scope(services.sessions) as session:
        version = records.find(session, record_id)
        if version is None:
            return _missing(record_id)
        newest = records.current(session, services.issuance, version.enrollment_id) or \
            records.newest(session, version.enrollment_id)
        target = newest.id
    response = redirect(f"/records/{target}", code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
