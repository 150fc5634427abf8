"""The apprentice's own pages (/me): sign-in by emailed magic link, progress toward every level,
work process and the occupation, credentials earned with their claim links, and a PDF transcript.

A magic link is single use and short lived. Opening it shows a button rather than signing in at
once, because mail scanners open links in messages: a plain GET must not use the link up.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for

from issuer.api import portal_web as web
from issuer.api.auth import act_as
from issuer.db import session_scope
from issuer.delivery import claims, copies, mail
from issuer.issuance import records
from issuer.issuance.models import IssuedCredential, RecordVersion
from issuer.portal import progress_view, security, signin, visibility
from issuer.portal.transcript import transcript
from issuer.progress.models import Apprentice
from issuer.rules import OCCUPATION
from issuer.sponsors.models import Sponsor

bp = Blueprint("me", __name__, url_prefix="/me")

DOOR = web.Door(cookie="ler_apprentice", pre_cookie="ler_apprentice_pre", path="/me", login_endpoint="me.login",
                max_age=int(security.APPRENTICE_SESSION.total_seconds()))
web.install(bp, DOOR)


@bp.before_request
def require_apprentice():
    signed, elsewhere = web.signed_member(DOOR, "apprentice_id")
    if signed is None:
        return elsewhere
    g.apprentice_id = signed.apprentice_id
    with session_scope(web.sessions()) as session:
        act_as(signin.apprentice_label(session.get(Apprentice, signed.apprentice_id)))
    return None


def page(template: str, status: int = 200, **context):
    context.setdefault("service_name", web.services().config.service_name)
    return web.render(template, status, **context)


@bp.route("/login", methods=["GET", "POST"])
@web.public
def login():
    if request.method == "GET":
        return page("portal/me_login.html")
    services = web.services()
    config = services.config
    if not mail.enabled(config):
        return page("portal/me_login.html", 503,
                    error="Sign-in links cannot be sent: this service has no email set up. Ask your sponsor.")
    with session_scope(services.sessions) as session:
        links = [(a.email, a.name, s.name, t) for a, s, t in signin.magic_links(session, web.form("email", 320),
                                                                                 web.client_ip())]
    minutes = int(security.MAGIC_LINK_LIFETIME.total_seconds() // 60)
    for email, name, sponsor, token in links:
        url = f"{config.base_url}{url_for('me.link', token=token)}"
        try:
            mail.send(config, signin.magic_link_message(config, to=email, apprentice=name, sponsor=sponsor,
                                                        url=url, minutes=minutes))
        except mail.MailError:
            current_app.logger.exception("a sign-in link could not be sent")
    # The same answer whether or not the address is known: the page must not reveal who is enrolled.
    return page("portal/me_login.html", sent=True, minutes=minutes)


@bp.route("/login/<token>", methods=["GET", "POST"])
@web.public
def link(token):
    with session_scope(web.sessions()) as session:
        if request.method == "GET":
            if security.peek_link_token(session, "apprentice", token) is None:
                abort(410, "This sign-in link is used up or has expired. Ask for a new one.")
            return page("portal/me_link.html", token=token)
        signed = signin.apprentice_signed_in(session, token, web.client_ip())
    if signed is None:
        abort(410, "This sign-in link is used up or has expired. Ask for a new one.")
    response = redirect(url_for("me.home"), code=303)
    web.set_cookie(response, DOOR.cookie, signed[0], DOOR, DOOR.max_age)
    response.delete_cookie(DOOR.pre_cookie, path=DOOR.path)
    return response


@bp.post("/logout")
@web.public
def logout():
    return web.sign_out(DOOR)


def _mine(session):
    apprentice = session.get(Apprentice, g.apprentice_id)
    enrollments = visibility.enrollments_of(session, [apprentice.id]).get(apprentice.id, [])
    return (apprentice, session.get(Sponsor, apprentice.sponsor_id),
            [progress_view.program_progress(session, e) for e in enrollments],
            visibility.credentials_of(session, apprentice))


def _listed(session, credentials: list[IssuedCredential]) -> list[dict]:
    """The credentials as the page lists them: the completed occupation first (the one an
    apprentice shows), each with its standing (revoked or suspended ones are marked, not offered)."""
    ordered = sorted(credentials, key=lambda c: c.achievement_key != OCCUPATION)
    return [{"row": c, "name": c.document.get("name") or c.achievement_key, "standing": copies.standing(session, c)}
            for c in ordered]


@dataclass(frozen=True)
class MyRecord:
    """One enrolment's apprenticeship record as the page offers it."""
    program: str
    version: RecordVersion


def _records(session, layouts) -> list[MyRecord]:
    """Each enrolment's current record; made now if the credentials held changed since its newest
    version (a batch, or an enrolment from before records: `records.current` catches up)."""
    ctx = web.services().issuance
    found = ((p.title, records.current(session, ctx, p.enrollment.id)) for p in layouts)
    return [MyRecord(title, version) for title, version in found if version is not None]


@bp.get("/")
def home():
    with session_scope(web.sessions()) as session:
        apprentice, sponsor, layouts, credentials = _mine(session)
        return page("portal/me.html", apprentice=apprentice, sponsor=sponsor, layouts=layouts,
                    credentials=_listed(session, credentials), records=_records(session, layouts))


@bp.post("/credentials/<credential_id>/claim")
def claim(credential_id):
    """A fresh claim link for one of the apprentice's own credentials, and off to its page."""
    with session_scope(web.sessions()) as session:
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 36 else None
        if row is None or row.apprentice_id != g.apprentice_id:
            abort(404, "No such credential.")
        reason = copies.withheld(session, row)
        if reason:
            abort(409, f"This credential cannot be added to a wallet: {reason}.")
        token, _ = claims.create_claim(session, row.id)
    return redirect(claims.claim_url(web.services().config.base_url, token), code=303)


@bp.get("/transcript.pdf")
def transcript_pdf():
    with session_scope(web.sessions()) as session:
        apprentice, sponsor, layouts, credentials = _mine(session)
        body = transcript(web.services().config, apprentice, sponsor, layouts, credentials)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="transcript.pdf"'
    return response
