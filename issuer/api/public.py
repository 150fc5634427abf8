"""Public, unauthenticated: the service's and each sponsor's DID document, and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select, text

from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.sponsors.models import Sponsor

bp = Blueprint("public", __name__)


@bp.get("/.well-known/did.json")
def did_json():
    response = jsonify(_services().identity.did_document())
    response.mimetype = "application/did+json"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/healthz")
def healthz():
    services = _services()
    with services.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return jsonify({"status": "ok", "did": services.identity.did})


@bp.get("/sponsors/<slug>/did.json")
def sponsor_did_json(slug):
    services = _services()
    with session_scope(services.sessions) as session:
        if session.scalars(select(Sponsor).where(Sponsor.slug == slug)).first() is None:
            return problem(404, "Not Found", f"no sponsor {slug}")
    response = jsonify(services.identity.did_document(services.identity.sponsor_did(slug)))
    response.mimetype = "application/did+json"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
