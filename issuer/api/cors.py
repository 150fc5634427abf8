"""Cross-origin access for what pages and wallets on other origins must reach.

Browser-based verifiers fetch our DID documents, status lists and framework statements; web
wallets call the OpenID4VCI and VC-API exchange endpoints; other sites' pages call the public
verifier. None of these carries ambient credentials (cookies), so `*` is safe for them. The sponsor
API, the VC-API's issuing and status endpoints and the portals get no CORS headers: they are for
servers and for our own pages.
"""

from __future__ import annotations

import re

from flask import Blueprint, request

bp = Blueprint("cors", __name__)

OPEN = re.compile(r"/(\.well-known/.*|sponsors/[^/]+/did\.json|status/.*|frameworks/.*|programs/.*|oid4vci/.*"
                  r"|openid4vp/.*|workflows/.*|claim/.*|credentials/verify|presentations/verify)")
# A credential's public page (its JSON by content negotiation) is open to reading only.
READ_ONLY = re.compile(r"/credentials/[^/]+")


@bp.after_app_request
def allow_cross_origin(response):
    path = request.path
    if OPEN.fullmatch(path) or (request.method in ("GET", "HEAD") and READ_ONLY.fullmatch(path)):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Location, WWW-Authenticate"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
    return response
