"""Status lists over HTTP.

Public: `GET /status/<list>/<purpose>` serves the signed BitstringStatusListCredential (JSON,
cacheable, with an ETag), and `POST .../publish` answers 204 (lists are re-signed at each change
already; the endpoint exists for clients, such as the W3C test suite, that ask for publication).

Sponsors (bearer API key): `POST /api/v1/credentials/<id>/revoke|suspend|reinstate` with a
`reason`, and `GET /api/v1/credentials/<id>/status` for the current state and its history.
Another sponsor's credentials answer 404, like credentials that do not exist.
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from issuer.api.auth import require_sponsor
from issuer.api.jsonbody import json_object
from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.issuance import slots as credential_slots
from issuer.status import lists, services as status_services
from issuer.status.services import StatusError

bp = Blueprint("status", __name__)



def status_problem(exc: StatusError):
    titles = {404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity"}
    return problem(exc.status, titles.get(exc.status, "Bad Request"), exc.message)


def sponsor_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        refused = require_sponsor()
        return refused if refused is not None else view(*args, **kwargs)
    return wrapper


@bp.get("/status/<int:list_id>/<purpose>")
def status_list(list_id: int, purpose: str):
    services = _services()
    with session_scope(services.sessions) as session:
        row = status_services.list_document(session, services.issuance, list_id, purpose) \
            if list_id <= lists.MAX_ID else None
        if row is None:
            return problem(404, "Not Found", f"no {purpose} status list {list_id}")
        document, etag = row.document, f'"{row.etag}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={lists.TTL_SECONDS}"}
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return "", 304, headers
    response = jsonify(document)
    response.headers.update(headers)
    return response


@bp.post("/status/<int:list_id>/<purpose>/publish")
def publish(list_id: int, purpose: str):
    services = _services()
    with session_scope(services.sessions) as session:
        if list_id > lists.MAX_ID or status_services.list_document(session, services.issuance, list_id, purpose) is None:
            return problem(404, "Not Found", f"no {purpose} status list {list_id}")
    return "", 204


@bp.post("/api/v1/credentials/<path:credential_id>/<any(revoke, suspend, reinstate):action>")
@sponsor_only
def change_status(credential_id: str, action: str):
    body = json_object()
    reason = body.get("reason")
    if not isinstance(reason, str):
        return problem(422, "Unprocessable Entity", "give the reason for this change as a string ('reason')",
                       field="reason")
    services = _services()
    try:
        with session_scope(services.sessions) as session:
            slots = credential_slots.find_slots(session, g.sponsor_id, credential_id)
            if not slots:
                return problem(404, "Not Found", f"no credential {credential_id}")
            outcome = status_services.change(session, services.issuance, slots, action, reason,
                                             f"api:{g.sponsor_name}")
    except StatusError as exc:
        return status_problem(exc)
    return jsonify(outcome.to_json())


@bp.get("/api/v1/credentials/<path:credential_id>/status")
@sponsor_only
def credential_status(credential_id: str):
    with session_scope(_services().sessions) as session:
        slots = credential_slots.find_slots(session, g.sponsor_id, credential_id)
        if not slots:
            return problem(404, "Not Found", f"no credential {credential_id}")
        revoked, suspended = status_services.current(session, slots[0])
        suspendable = any(slot.suspendable for slot in slots)
        return jsonify({"credential": credential_id, "revoked": revoked, "suspended": suspended,
                        "suspendable": suspendable,
                        **({} if suspendable else {"notSuspendableBecause": status_services.NOT_SUSPENDABLE}),
                        "history": status_services.history(session, slots)})
