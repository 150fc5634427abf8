"""Sponsor API for delivery: POST /api/v1/credentials/<id>/offer makes a claim link and an
OpenID4VCI offer (optionally with a transaction code, optionally emailed to the apprentice)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from issuer.api.auth import require_sponsor
from issuer.api.jsonbody import json_object
from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.delivery import claims
from issuer.delivery.mail import MailError

bp = Blueprint("claims", __name__, url_prefix="/api/v1")
bp.before_request(require_sponsor)


@bp.post("/credentials/<credential_id>/offer")
def offer(credential_id):
    body = json_object() if request.get_data() else {}
    flags = {name: body.get(name, False) for name in ("tx_code", "send_email")}
    for name, value in flags.items():
        if not isinstance(value, bool):
            return problem(422, "Unprocessable Entity", f"{name} must be true or false", field=name)
    try:
        result = claims.prepare(_services(), credential_id, sponsor_id=g.sponsor_id, **flags)
    except claims.ClaimError as exc:
        return problem(exc.status, {404: "Not Found", 409: "Conflict"}.get(exc.status, "Unprocessable Entity"),
                       str(exc))
    except MailError as exc:
        return problem(502, "Bad Gateway", str(exc))
    response = jsonify(result)
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response
