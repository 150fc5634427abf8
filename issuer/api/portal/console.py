"""The sponsor console's door (/portal): the blueprint, the staff member behind every request,
the role check of each view, and the page helpers every console module shares.

Every request is authorised here, on the server: the session's staff member, their sponsor
(another sponsor's ids answer 404, as ids that do not exist), their role's permission for the
view, and for journeyworkers the assignment to the apprentice (issuer.portal.visibility).
"""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, g, redirect, request, url_for

from issuer.api import portal_web as web
from issuer.api.auth import act_as
from issuer.db import session_scope
from issuer.portal import roles, security, visibility
from issuer.portal.models import StaffAccount
from issuer.programs import catalog
from issuer.progress.models import Apprentice
from issuer.sponsors import services as sponsors
from issuer.sponsors.models import Sponsor


bp = Blueprint("portal", __name__, url_prefix="/portal")


DOOR = web.Door(cookie="ler_staff", pre_cookie="ler_staff_pre", path="/portal", login_endpoint="portal.login",
                max_age=int(security.STAFF_SESSION.total_seconds()), large_uploads=("portal.batches",))
web.install(bp, DOOR)

NOTICES = {
    "enrolled": "The apprentice is enrolled.",
    "recorded": "The entry is recorded.",
    "corrected": "The correction is recorded.",
    "assigned": "Assignments updated.",
    "signed": "Signed off.",
    "status": "The credential's status is changed.",
    "approved": "The batch is approved: it runs in the background.",
    "emailed": "The claim link is on its way to the apprentice.",
    "undone": "The sign-off is undone: a reversal is in the ledger.",
    "key-revoked": "The API key is revoked; requests with it are refused from now on.",
    "staff-changed": "The staff member is updated and signed out of every device.",
    "password": "Your password is changed.",
    "totp-on": "Two-step sign-in is on: you will be asked for a code from your app each time.",
    "totp-off": "Two-step sign-in is off.",
}


@bp.before_request
def require_staff():
    signed, elsewhere = web.signed_member(DOOR, "staff_id")
    if signed is None:
        return elsewhere
    if signed.second_factor_pending:
        return redirect(url_for("portal.login_code"))
    with session_scope(web.sessions()) as session:
        g.staff = roles.staff_view(session, session.get(StaffAccount, signed.staff_id))
    act_as(g.staff.audit_label)
    return None


def allowed(permission: str):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not g.staff.can(permission):
                abort(403, f"Your role ({g.staff.role_label}) does not allow this.")
            return view(*args, **kwargs)
        return wrapper
    return decorate


def page(template: str, status: int = 200, **context):
    context.setdefault("staff", g.get("staff"))
    context.setdefault("notice", NOTICES.get(request.args.get("notice", "")))
    context.setdefault("service_name", web.services().config.service_name)
    return web.render(template, status, **context)


def done(endpoint: str, notice: str, **values):
    return redirect(url_for(endpoint, notice=notice, **values), code=303)


@bp.get("/assets/portal.css")
@web.public
def asset():
    return web.asset("portal.css")


@bp.get("/assets/portal.js")
@web.public
def script():
    return web.asset("portal.js")


# --- what several console modules look up -----------------------------------------------

def sponsor_programs(session):
    ids = sponsors.sponsor_programs(session, session.get(Sponsor, g.staff.sponsor_id))
    return [catalog.latest_program(session, i) for i in ids]


def apprentice_or_404(session, apprentice_id: str) -> Apprentice:
    apprentice = visibility.visible_apprentice(session, g.staff, apprentice_id)
    if apprentice is None:
        abort(404, "No such apprentice.")
    return apprentice


def enrollment_or_404(session, apprentice):
    enrollment = visibility.enrollment_of(session, apprentice, request.form.get("enrollment"))
    if enrollment is None:
        abort(404, "No such enrollment for this apprentice.")
    return enrollment
