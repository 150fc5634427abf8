"""/verify: the page where an employer checks a credential in one step, by pasting it, uploading
it (JSON, JWT, or an Open Badges baked PNG / SVG) or giving the link of one of our credential
pages, and reads the answer: who, what, which program and level, issued when and by whom, and
every check in green, amber or red, with words as well as colours.

Nothing is fetched from a link: a link is accepted only when it names a credential page of this
service, and the credential is read from our own records.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from issuer.api.pages import state_of
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.issuance.models import IssuedCredential
from issuer.verify.result import PASS
from issuer.verify.service import verifier_for
from issuer.verify.summary import summarize

bp = Blueprint("verify_page", __name__)
_CREDENTIAL_PATH = re.compile(r"/credentials/([0-9a-fA-F-]{36})/?")
LABELS = {"pass": "Passed", "warning": "Check this", "fail": "Failed", "skipped": "Not checked"}


def _render(status: int = 200, **context) -> Response:
    services = _services()
    html = render_template("verify.html", service_name=services.config.service_name, labels=LABELS,
                           base_url=services.config.base_url, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                                                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _from_link(link: str):
    """(credential document, None) for a link to one of our credential pages, else (None, error)."""
    services = _services()
    ours, given = urlsplit(services.config.base_url), urlsplit(link.strip())
    match = _CREDENTIAL_PATH.fullmatch(given.path)
    if (given.scheme, given.netloc) != (ours.scheme, ours.netloc) or match is None:
        return None, (f"Only links to credential pages of this service ({services.config.base_url}/credentials/...) "
                      "can be checked here. For any other credential, download its file and upload it.")
    with session_scope(services.sessions) as session:
        row = session.get(IssuedCredential, match.group(1).lower())
        if row is None:
            return None, "There is no credential at that link."
        return row.document, None


@bp.get("/verify")
def verify_form():
    return _render()


@bp.post("/verify")
def verify_submit():
    try:
        pasted = (request.form.get("credential") or "").strip()
        upload = request.files.get("file")
        link = (request.form.get("url") or "").strip()
        recipient = (request.form.get("recipient") or "").strip() or None
        data = upload.read() if upload is not None and upload.filename else None
    except RequestEntityTooLarge:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return _render(413, error=f"The file is too large: the limit is {limit // 1024} KB.")
    if data is None and pasted:
        data = pasted
    if data is None and link:
        data, error = _from_link(link)
        if error:
            return _render(422, error=error, link=link)
    if not data:
        return _render(400, error="Paste a credential, choose a file, or give a link to a credential page.")
    result = verifier_for(current_app).credential(data, recipient=recipient)
    state, sentence = state_of(result)
    # A verdict (verified or not) is a 200; input that holds no readable credential is the sender's error.
    # What the credential says is shown as fact only once its signature is known to be the
    # issuer's: a tampered "MASTER level" must not read as the verifier's finding.
    proofs = [c for c in result.checks if c.name == "proof"]
    authentic = bool(proofs) and all(c.outcome == PASS for c in proofs)
    return _render(200 if result.readable else 422, result=result, state=state, sentence=sentence,
                   summary=summarize(result.credential), recipient=recipient, authentic=authentic)
