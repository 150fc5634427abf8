"""Pages for people: the apprentice's claim page (/claim/<token>) with every way to take the
credential, and the public credential page (/credentials/<id>: HTML, or the credential itself as
JSON by content negotiation) with its live verification, certificate PDF and LinkedIn link."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, g, render_template, request
from sqlalchemy import select

from issuer.api.auth import require_sponsor
from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.delivery import badge, baking, claims, copies, exchanges, oid4vci, pdf, qr
from issuer.delivery.models import ClaimLink
from issuer.delivery.view import CredentialView, describe, linkedin_url
from issuer.issuance import signing
from issuer.issuance.models import IssuedCredential
from issuer.programs.models import ProgramVersion
from issuer.status.models import StatusEntry
from issuer.progress.models import Apprentice
from issuer.verify.result import FAIL
from issuer.verify.service import verifier_for

bp = Blueprint("pages", __name__)

JSON_TYPES = ("application/ld+json", "application/json")



def _page(template: str, status: int = 200, *, form_action: str = "'none'", **context) -> Response:
    html = render_template(template, service_name=_services().config.service_name, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _not_found(detail: str) -> Response:
    if request.accept_mimetypes.best_match(("text/html", *JSON_TYPES)) == "text/html":
        return _page("not_found.html", 404, detail=detail)
    return problem(404, "Not Found", detail)


@dataclass
class Loaded:
    row: IssuedCredential
    view: CredentialView


def _load(session, credential_id: str) -> Loaded | None:
    row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 36 else None
    if row is None:
        return None
    apprentice = session.get(Apprentice, row.apprentice_id)
    program = session.get(ProgramVersion, row.program_version_id)
    return Loaded(row, describe(row.document, credential_id=row.id, apprentice_name=apprentice.name,
                                program=program.document if program else None))


def page_url(credential_id: str) -> str:
    return f"{_services().config.base_url}/credentials/{credential_id}"


# -- claim page ----------------------------------------------------------------------------
# A GET shows the credential and writes nothing: mail scanners and link previews open links in
# messages, and each wallet offer and exchange is a row and a secret. The wallet codes are made
# when the apprentice presses the button (a POST to the same address), one offer and one
# exchange per press, and the offer asks for the claim link's transaction code if it has one.

def _claim(session, token: str) -> tuple[ClaimLink, Loaded] | None:
    link = claims.find(session, token)
    loaded = _load(session, link.credential_id) if link else None
    return (link, loaded) if loaded else None


def _private(response: Response) -> Response:
    # The claim token is in the URL: keep it out of caches and out of Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _claim_page(token: str, link: ClaimLink, loaded: Loaded, standing: str | None, status: int = 200,
                **context) -> Response:
    url = page_url(loaded.row.id)
    return _private(_page(
        "claim.html", status, form_action="'self'", view=loaded.view, token=token, page_url=url, standing=standing,
        linkedin=linkedin_url(loaded.view, url), tx_code_required=link.tx_code_hash is not None,
        offer_minutes=int(oid4vci.OFFER_TTL.total_seconds() // 60), **context))


@bp.route("/claim/<token>", methods=["GET", "POST"])
def claim_page(token):
    services = _services()
    base_url = services.config.base_url
    with session_scope(services.sessions) as session:
        found = _claim(session, token)
        if found is None:
            return _private(_not_found("This claim link is unknown or has expired. Ask your sponsor for a new one."))
        link, loaded = found
        standing = copies.standing(session, loaded.row)
        if request.method == "GET":
            return _claim_page(token, link, loaded, standing)
        try:
            offer, handle = claims.wallet_offer(session, base_url, link)
        except claims.ClaimError as exc:
            session.rollback()
            return _claim_page(token, link, loaded, standing, exc.status, wallet_error=str(exc))
    offer_link, lcw_link = offer.by_reference(), exchanges.lcw_deep_link(base_url, handle)
    return _claim_page(token, link, loaded, standing, offer_link=offer_link, lcw_link=lcw_link,
                       offer_qr=qr.svg(offer_link, label="QR code for an OpenID4VCI wallet"),
                       lcw_qr=qr.svg(lcw_link, label="QR code for the Learner Credential Wallet"))


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@bp.get("/claim/<token>/<any('credential.json', 'credential.jwt', 'badge.png', 'badge.svg'):name>")
def claim_download(token, name):
    services = _services()
    with session_scope(services.sessions) as session:
        found = _claim(session, token)
        if found is None:
            return _private(_not_found("This claim link is unknown or has expired."))
        loaded = found[1]
        reason = copies.withheld(session, loaded.row)
        document, view = loaded.row.document, loaded.view
        if reason is None and name == "credential.jwt":
            token_ = signing.as_vc_jwt(session, services.keys, document)
    if reason:
        # A download is a copy to put in a wallet too: withheld like the wallet offers.
        return _private(_page("not_found.html", 409, heading="Not available",
                              detail=f"This credential cannot be downloaded: {reason}."))
    stem = f"credential-{loaded.row.id}"
    if name == "credential.json":
        return _download(json.dumps(document, indent=2, ensure_ascii=False), "application/ld+json", f"{stem}.json")
    if name == "credential.jwt":
        return _download(token_, "application/vc+jwt", f"{stem}.jwt")
    if name == "badge.png":
        return _download(baking.bake_png(badge.png(view), document), "image/png", f"{stem}.png")
    return _download(baking.bake_svg(badge.svg(services.config, view), document), "image/svg+xml", f"{stem}.svg")


# -- public credential page ----------------------------------------------------------------

STANDING_SENTENCES = {"revoked": "Revoked: the sponsor has withdrawn this credential.",
                      "suspended": "Suspended: the sponsor has put this credential on hold."}


def state_of(result) -> tuple[str, str]:
    """(state, sentence) for a person: valid, revoked, suspended, expired, or not valid."""
    if result.verified:
        return "valid", "Verified: signed by the sponsor, unchanged, current and not revoked."
    status, dates = result.check("status"), result.check("dates")
    if status is not None and status.outcome == FAIL and status.message.startswith("revoked"):
        return "revoked", STANDING_SENTENCES["revoked"]
    if status is not None and status.outcome == FAIL and status.message.startswith("suspended"):
        return "suspended", STANDING_SENTENCES["suspended"]
    if dates is not None and dates.outcome == FAIL and dates.message.startswith("expired"):
        return "expired", "Expired: this credential is past its end date."
    return "invalid", "Not valid: " + "; ".join(c.message for c in result.failed)


@bp.get("/credentials/<credential_id>")
def credential_page(credential_id):
    services = _services()
    wanted = request.accept_mimetypes.best_match(("text/html", *JSON_TYPES))
    with session_scope(services.sessions) as session:
        loaded = _load(session, credential_id)
        standing = copies.standing(session, loaded.row) if loaded is not None else None
    if loaded is None:
        if wanted in JSON_TYPES:
            return _vcapi_credential(credential_id, wanted)
        return _not_found(f"There is no credential {credential_id} here.")
    if wanted in JSON_TYPES:
        response = current_app.response_class(json.dumps(loaded.row.document, ensure_ascii=False), mimetype=wanted)
        response.headers["Vary"] = "Accept"
        return response
    # The service's verifier (our keys, our status lists, our catalog), outside our transaction:
    # it reads the status lists in a session of its own.
    result = verifier_for(current_app).credential(loaded.row.document)
    state, sentence = state_of(result)
    if standing and state not in ("revoked", "suspended"):
        # Our own record says so, whatever a status list read a moment ago (or one this verifier
        # could not read) said: the page never shows a withdrawn credential as valid.
        state, sentence = standing, STANDING_SENTENCES[standing]
    url = page_url(loaded.row.id)
    response = _page("credential.html", view=loaded.view, state=state, sentence=sentence, checks=result.checks,
                     page_url=url, linkedin=linkedin_url(loaded.view, url))
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _vcapi_credential(credential_id: str, mimetype: str):
    """VC-API `GET /credentials/{id}` for credentials issued through `/credentials/issue`: those
    are the sponsor's own records, not public pages, so only the issuing sponsor's key reads them."""
    if "Authorization" not in request.headers:
        return problem(404, "Not Found", f"no public credential {credential_id}")
    refused = require_sponsor()
    if refused is not None:
        return refused
    with session_scope(_services().sessions) as session:
        document = session.scalars(select(StatusEntry.document).where(
            StatusEntry.credential_id.in_((credential_id, f"urn:uuid:{credential_id}")),
            StatusEntry.sponsor_id == g.sponsor_id, StatusEntry.document.is_not(None))).first()
    if document is None:
        return problem(404, "Not Found", f"no credential {credential_id}")
    return current_app.response_class(json.dumps(document, ensure_ascii=False), mimetype=mimetype)


@bp.get("/credentials/<credential_id>/certificate.pdf")
def certificate(credential_id):
    services = _services()
    with session_scope(services.sessions) as session:
        loaded = _load(session, credential_id)
    if loaded is None:
        return _not_found(f"There is no credential {credential_id} here.")
    response = Response(pdf.certificate(services.config, loaded.view, page_url(loaded.row.id)),
                        mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="certificate-{loaded.row.id}.pdf"'
    return response


@bp.get("/credentials/<credential_id>/badge.svg")
def badge_image(credential_id):
    """The credential's badge, baked (the same image the claim page downloads), for <img> on our
    pages. It says only what the public JSON of the credential already says."""
    services = _services()
    with session_scope(services.sessions) as session:
        loaded = _load(session, credential_id)
    if loaded is None:
        return _not_found(f"There is no credential {credential_id} here.")
    body = baking.bake_svg(badge.svg(services.config, loaded.view), loaded.row.document)
    response = Response(body, mimetype="image/svg+xml")
    # An image, never a document: nothing in it runs, even opened on its own.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/delivery/logo.png")
def logo():
    """The issuer's logo for wallets (OpenID4VCI display metadata)."""
    view = CredentialView(id="", credential_id="", name=_services().config.service_name, description="",
                          kind="Apprenticeship credentials", criteria="", apprentice="", sponsor="", issuer="",
                          program=None, program_version=None)
    response = Response(badge.png(view), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
