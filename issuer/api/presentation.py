"""Wallet-facing doors of the verifier that asks (issuer.presentation): the OpenID4VP 1.0 Request
Object and direct_post response endpoint, and the VC-API exchange the Learner Credential Wallet
answers. Unauthenticated by design: each call is authorized by the wallet's token (in the path,
or as OpenID4VP `state`), which a QR code or link carried; none can read a report."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from issuer.api.context import services as _services
from issuer.api.jsonbody import json_object
from issuer.api.problems import no_store, oauth_error, problem
from issuer.errors import KeyError_
from issuer.presentation import answers, openid4vp, store, vcapi
from issuer.verify.service import verifier_for

bp = Blueprint("presentation", __name__)
FORM = "application/x-www-form-urlencoded"


@bp.get(f"{openid4vp.REQUEST_PATH}<token>")
def request_object(token):
    services, now = _services(), store.now_utc()
    base_url = services.config.base_url
    try:
        pending = answers.pending(services.sessions, token, base_url, protocol_domain="client_id", now=now)
    except answers.AnswerError as exc:
        return no_store(problem(404, "Not Found", exc.detail))
    if pending.answered:
        return no_store(problem(409, "Conflict", answers.REPLAY))
    if now >= pending.expected.expires_at:
        return no_store(problem(410, "Gone", "this presentation request has expired; ask the verifier for a new one"))
    try:
        signed = openid4vp.request_object(services.identity, base_url, token, pending, services.config.service_name,
                                          now)
    except KeyError_ as exc:
        return no_store(problem(503, "Service Unavailable", f"the verifier cannot sign its request: {exc}"))
    return no_store(current_app.response_class(signed, mimetype=f"application/{openid4vp.REQUEST_TYP}"))


@bp.post(openid4vp.RESPONSE_PATH)
def direct_post():
    services = _services()
    try:
        if request.mimetype != FORM:
            raise openid4vp.OAuthError(f"the Authorization Response must be {FORM}")
        openid4vp.receive(services.sessions, verifier_for(current_app), services.config.base_url,
                          request.form.to_dict(), store.now_utc())
    except openid4vp.OAuthError as exc:
        return oauth_error(exc.body(), exc.status)
    # Section 8.2: processed, so 200; the verdict is the verifier's (the employer's page), not the wallet's.
    return no_store(jsonify({}))


@bp.post(f"/workflows/{vcapi.WORKFLOW}/exchanges/<token>")
def exchange(token):
    services = _services()
    # The Learner Credential Wallet opens an exchange with an empty object; some clients send nothing.
    body = json_object() if request.get_data() else {}
    try:
        answer = vcapi.participate(services.sessions, verifier_for(current_app), services.config.base_url, token,
                                   body, store.now_utc())
    except vcapi.ExchangeError as exc:
        return no_store(problem(exc.status, exc.title, exc.detail, **({"field": exc.field} if exc.field else {})))
    return no_store(jsonify(answer))
