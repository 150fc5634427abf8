"""The employer's second way on /verify: ask the apprentice's wallet (issuer.presentation).

POST /verify/requests makes a request for what the form names and sends the employer (303) to
its page, /verify/requests/<handle>: who asks and what for, a QR code and a link for each kind of
wallet, the expiry time, and then the answer's checks, or that it expired with a button to ask
again. The report PDF is at .../report.pdf once answered.

Waiting for the answer: the page polls .../state.json from a small script of our own (CSP
`script-src 'self'`) and reloads itself once, when the state changes. A `<meta http-equiv=refresh>`
was the other choice and is worse for people: it reloads the whole page every few seconds,
moving a screen reader's reading position and a keyboard user's focus to the top each time, and
WCAG (2.2.1, 3.2.5) counts such timed reloads as failures. Without scripts, a "Check now" link
does the same by hand.

The handle in the address is the employer's secret (the only key to the report): pages and the
report are `no-store`, and no referrer is sent.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request

from issuer.api import ask_form
from issuer.api.context import services as _services
from issuer.api.problems import problem
from issuer.api.verification_views import LABELS, TITLES, moment, request_report
from issuer.api.verify_page import render_page
from issuer.db import session_scope
from issuer.delivery import qr, report_pdf
from issuer.presentation.service import ANSWERED, EXPIRED, Ask, AskError, RequestView, create, view, wallet_links

bp = Blueprint("verify_requests", __name__)

PAGE_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
JSON_TYPES = ("application/json", "application/problem+json")
GONE = "There is no such request: it never existed, or it was deleted (requests are kept for a day)."


def _secret(response: Response) -> Response:
    """Headers for anything reached with the handle in its address."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(("text/html", *JSON_TYPES)) in JSON_TYPES


@bp.post("/verify/requests")
def create_request():
    services = _services()
    with session_scope(services.sessions) as session:
        known = ask_form.choices(session)
    try:
        wanted = ask_form.read_ask(request.form, known)
        try:
            ask = Ask(wanted.kind, wanted.code, wanted.label)
        except AskError as exc:
            # The service's own rules (a program id it cannot name, say): the field the code came from.
            raise ask_form.FormError(wanted.field if exc.field == "code" else "kind", str(exc)) from None
    except ask_form.FormError as error:
        if _wants_json():
            return problem(422, "Unprocessable Content", f"{error.field}: {error.message}", field=error.field)
        return render_page(422, ask_error=error, asked=request.form.to_dict())
    with session_scope(services.sessions) as session:
        created = create(session, services.config.base_url, ask)
    return _secret(redirect(f"/verify/requests/{created.handle}", code=303))


def _load(handle: str) -> RequestView | None:
    services = _services()
    with session_scope(services.sessions) as session:
        return view(session, handle)


def _page(status: int, **context) -> Response:
    html = render_template("verify_request.html", service_name=_services().config.service_name, labels=LABELS,
                           titles=TITLES, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return _secret(response)


@bp.get("/verify/requests/<handle>")
def request_page(handle):
    current = _load(handle)
    if current is None:
        return _page(404, gone=GONE)
    context = {"view": current, "handle": handle, "asked_at": moment(current.created_at),
               "expires_at": moment(current.expires_at), "expires_iso": current.expires_at.isoformat()}
    if current.state == ANSWERED:
        context["report"] = request_report(current)
        context["answered_at"] = moment(context["report"].answered_at)
    elif current.state != EXPIRED:
        openid, lcw = wallet_links(_services().config.base_url, handle)
        context["wallets"] = [
            ("openid", "OpenID wallet", "A wallet that speaks OpenID for Verifiable Presentations 1.0.", openid,
             qr.svg(openid, label="QR code for an OpenID wallet")),
            ("lcw", "Learner Credential Wallet", "The Learner Credential Wallet (Digital Credentials Consortium).",
             lcw, qr.svg(lcw, label="QR code for the Learner Credential Wallet"))]
    return _page(200, **context)


@bp.get("/verify/requests/<handle>/state.json")
def request_state(handle):
    current = _load(handle)
    if current is None:
        return _secret(problem(404, "Not Found", GONE))
    return _secret(jsonify({"state": current.state, "expiresAt": current.expires_at.isoformat()}))


@bp.get("/verify/requests.js")
def request_script():
    response = Response(render_template("verify_request.js"), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/verify/requests/<handle>/report.pdf")
def request_report_pdf(handle):
    current = _load(handle)
    if current is None:
        return _secret(problem(404, "Not Found", GONE))
    if current.state != ANSWERED:
        return _secret(problem(409, "Conflict", f"the request is {current.state}: there is no answer to report yet"
                                                if current.state != EXPIRED else
                                                "the request expired without an answer: there is nothing to report"))
    services = _services()
    now = datetime.now(timezone.utc)
    pdf = report_pdf.verification_report(services.config, request_report(current), labels=LABELS, titles=TITLES,
                                         generated_at=now)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    # Dated, so that an employer's folder of reports sorts by day.
    response.headers["Content-Disposition"] = f'attachment; filename="verification-report-{now:%Y-%m-%d}.pdf"'
    return _secret(response)
