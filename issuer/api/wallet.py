"""Wallet-facing endpoints: OpenID4VCI (metadata, offers by reference, token, nonce, credential)
and VC-API exchanges for the Learner Credential Wallet. Unauthenticated by design: each call is
authorized by the secret it carries (pre-authorized code, access token, exchange handle)."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request

from issuer.api.jsonbody import json_object
from issuer.api.problems import no_store, oauth_error, problem
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.delivery import exchanges, oid4vci

bp = Blueprint("wallet", __name__)



def _oauth_error(exc: oid4vci.OAuthError):
    return oauth_error(exc.body(), exc.status, exc.headers)


def _json_or_none():
    """The JSON body, or None for anything else: OpenID4VCI answers that with its own error code
    (invalid_credential_request, invalid_notification_request), not a problem body."""
    try:
        return json.loads(request.get_data()) if request.mimetype == "application/json" else None
    except (ValueError, RecursionError):
        return None


@bp.get("/.well-known/openid-credential-issuer")
def credential_issuer_metadata():
    config = _services().config
    response = jsonify(oid4vci.issuer_metadata(config.base_url, config.service_name))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/.well-known/oauth-authorization-server")
# Some wallets look for the token endpoint in OpenID Connect discovery instead of RFC 8414's.
@bp.get("/.well-known/openid-configuration")
def authorization_server_metadata():
    response = jsonify(oid4vci.authorization_server_metadata(_services().config.base_url))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/oid4vci/offers/<code>")
def offer_by_reference(code):
    services = _services()
    with session_scope(services.sessions) as session:
        offer = oid4vci.offer_by_reference(session, services.config.base_url, code)
    if offer is None:
        return no_store(problem(404, "Not Found", "no such credential offer, or it was used or has expired"))
    return no_store(jsonify(offer))


@bp.post("/oid4vci/token")
def token():
    if request.mimetype != "application/x-www-form-urlencoded":
        return _oauth_error(oid4vci.OAuthError("invalid_request",
                                               "the token request must be application/x-www-form-urlencoded"))
    try:
        body = oid4vci.redeem(_services().sessions, request.form.to_dict())
    except oid4vci.OAuthError as exc:
        return _oauth_error(exc)
    return no_store(jsonify(body))


@bp.post("/oid4vci/nonce")
def nonce():
    return no_store(jsonify({"c_nonce": oid4vci.new_nonce(_services().sessions)}))


@bp.post("/oid4vci/credential")
def credential():
    services = _services()
    try:
        response_body = oid4vci.issue(services.sessions, services, request.headers.get("Authorization"),
                                      _json_or_none())
    except oid4vci.OAuthError as exc:
        return _oauth_error(exc)
    return no_store(jsonify(response_body))


@bp.post("/oid4vci/notification")
def notification():
    services = _services()
    try:
        oid4vci.notify(services.sessions, request.headers.get("Authorization"), _json_or_none())
    except oid4vci.OAuthError as exc:
        return _oauth_error(exc)
    return no_store(current_app.response_class(status=204))


@bp.post(f"/workflows/{exchanges.WORKFLOW}/exchanges/<handle>")
def exchange(handle):
    services = _services()
    # The Learner Credential Wallet opens an exchange with an empty object; some clients send nothing.
    body = json_object() if request.get_data() else {}
    try:
        response_body = exchanges.participate(services.sessions, services, handle, body)
    except exchanges.ExchangeError as exc:
        return no_store(problem(exc.status, exc.title, exc.detail, **({"field": exc.field} if exc.field else {})))
    return no_store(jsonify(response_body))
