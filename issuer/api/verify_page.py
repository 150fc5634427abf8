"""/verify: the page where an employer checks a credential in one step, by pasting it, uploading
it (JSON, JWT, or an Open Badges baked PNG / SVG) or giving the link of one of our credential
pages, and reads the answer: who, what, which program and level, issued when and by whom, and
every check in green, amber or red, with words as well as colours. A presentation, or a CLR
record, is shown with each credential it holds, by name, with its own checks.

Nothing is fetched from a link: a link is accepted only when it names a credential page of this
service, and the credential is read from our own records.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from issuer.api import ask_form
from issuer.api.pages import state_of
from issuer.api.context import services as _services
from issuer.api.verification_views import LABELS, TITLES, authentic, held_from_result
from issuer.db import session_scope
from issuer.issuance.models import IssuedCredential
from issuer.verify.budget import MAX_JSON_DEPTH, is_record, json_depth
from issuer.verify.service import verifier_for
from issuer.verify.summary import summarize
from issuer.verify.vcdm import as_list

bp = Blueprint("verify_page", __name__)
_CREDENTIAL_PATH = re.compile(r"/credentials/([0-9a-fA-F-]{36})/?")
PRESENTATION_SENTENCE = "Verified: the presentation and every credential in it."


def render_page(status: int = 200, **context) -> Response:
    """The /verify page: both ways in (give the credential, ask the wallet), with `context`'s
    result or error."""
    services = _services()
    with session_scope(services.sessions) as session:
        known = ask_form.choices(session)
    html = render_template("verify.html", service_name=services.config.service_name, labels=LABELS,
                           titles=TITLES, base_url=services.config.base_url, choices=known, **context)
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
    return render_page()


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
        return render_page(413, error=f"The file is too large: the limit is {limit // 1024} KB.")
    if data is None and pasted:
        data = pasted
    if data is None and link:
        data, error = _from_link(link)
        if error:
            return render_page(422, error=error, link=link)
    if not data:
        return render_page(400, error="Paste a credential, choose a file, or give a link to a credential page.")
    presentation = _presentation(data)
    verifier = verifier_for(current_app)
    if presentation is not None:
        result = verifier.presentation(presentation)
        kind = "presentation"
    else:
        result = verifier.credential(data, recipient=recipient)
        kind = "record" if is_record(result.credential) else "credential"
    state, sentence = state_of(result)
    if kind == "presentation" and result.verified:
        sentence = PRESENTATION_SENTENCE
    # A verdict (verified or not) is a 200; input that holds no readable credential is the sender's error.
    # What the credential says is shown as fact only once its signature is known to be the
    # issuer's: a tampered "MASTER level" must not read as the verifier's finding.
    return render_page(200 if result.readable else 422, result=result, state=state, sentence=sentence, kind=kind,
                   summary=summarize(result.credential) if kind != "presentation" else None,
                   held=[held_from_result(n, r) for n, r in enumerate(result.credentials, 1)],
                   holder=_holder(presentation), recipient=recipient, authentic=authentic(result))


def _holder(presentation: dict | None) -> str | None:
    holder = presentation.get("holder") if presentation else None
    holder = holder.get("id") if isinstance(holder, dict) else holder
    return holder if isinstance(holder, str) else None


def _presentation(data) -> dict | None:
    """`data` as a presentation (a JSON object typed VerifiablePresentation), else None: the
    verifier then reads it as a credential. Nesting is measured before parsing, as the verifier does."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(data, str) or not data.lstrip().startswith("{") or json_depth(data) > MAX_JSON_DEPTH:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    typed = isinstance(document, dict) and "VerifiablePresentation" in as_list(document.get("type"))
    return document if typed else None
