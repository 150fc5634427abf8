"""Who may do what for the sponsor: API keys, staff accounts and their roles, and the audit log."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, g, request, stream_with_context, url_for
from sqlalchemy import select

from issuer.api import portal_web as web
from issuer.api.portal.console import allowed, bp, done, page
from issuer.db import session_scope
from issuer import audit
from issuer.portal import accounts, roles
from issuer.portal.roles import PortalError
from issuer.audit.models import AuditEvent
from issuer.portal.models import StaffAccount
from issuer.sponsors import services as sponsors
from issuer.sponsors.models import ApiKey, Sponsor


# --- API keys ------------------------------------------------------------------------------------------

def _keys(session):
    return list(session.scalars(select(ApiKey).where(ApiKey.sponsor_id == g.staff.sponsor_id)
                                .order_by(ApiKey.id.desc())))


@bp.route("/keys", methods=["GET", "POST"])
@allowed("keys")
def keys():
    with session_scope(web.sessions()) as session:
        created = None
        if request.method == "POST":
            name = web.form("name", 200)
            if not name:
                return page("portal/keys.html", 422, keys=_keys(session), error="Give the key a name.")
            created = sponsors.create_api_key(session, session.get(Sponsor, g.staff.sponsor_id), name)
        # The key itself is shown in this response only: it is stored as a hash.
        return page("portal/keys.html", keys=_keys(session), created=created)


@bp.post("/keys/<int:key_id>/revoke")
@allowed("keys")
def revoke_key(key_id):
    with session_scope(web.sessions()) as session:
        try:
            sponsors.revoke_api_key(session, session.get(Sponsor, g.staff.sponsor_id), key_id)
        except sponsors.SponsorError:
            abort(404, "No such API key.")
    return done("portal.keys", "key-revoked")


# --- staff ---------------------------------------------------------------------------------------------

def _staff_list(session):
    return list(session.scalars(select(StaffAccount).where(StaffAccount.sponsor_id == g.staff.sponsor_id)
                                .order_by(StaffAccount.name)))


def password_url(token: str) -> str:
    return f"{web.services().config.base_url}{url_for('portal.set_password', token=token)}"


@bp.route("/staff", methods=["GET", "POST"])
@allowed("staff")
def staff():
    with session_scope(web.sessions()) as session:
        if request.method == "GET":
            return page("portal/staff.html", people=_staff_list(session), roles=roles.ROLE_LABELS, values={})
        values = {k: web.form(k, 320) for k in ("name", "email", "role")}
        try:
            account, token = accounts.create_staff(session, session.get(Sponsor, g.staff.sponsor_id),
                                                 values["email"], values["name"], values["role"])
        except PortalError as exc:
            session.rollback()
            return page("portal/staff.html", exc.status, people=_staff_list(session), roles=roles.ROLE_LABELS,
                        values=values, error=exc.message)
        return page("portal/staff.html", people=_staff_list(session), roles=roles.ROLE_LABELS, values={},
                    link={"name": account.name, "email": account.email, "url": password_url(token)})


@bp.post("/staff/<int:staff_id>")
@allowed("staff")
def staff_member(staff_id):
    change = web.form("change", 20)
    with session_scope(web.sessions()) as session:
        if change == "password-link":
            account = accounts.staff_of(session, g.staff.sponsor_id, staff_id)
            token = accounts.password_link(session, account)
            return page("portal/staff.html", people=_staff_list(session), roles=roles.ROLE_LABELS, values={},
                        link={"name": account.name, "email": account.email, "url": password_url(token)})
        if change == "role":
            accounts.change_staff(session, g.staff, staff_id, role=web.form("role", 20))
        elif change in ("disable", "enable"):
            accounts.change_staff(session, g.staff, staff_id, active=change == "enable")
        else:
            abort(400, "Unknown change.")
    return done("portal.staff", "staff-changed")


# --- audit log -------------------------------------------------------------------------------------------

AUDIT_PAGE = 100


@bp.get("/audit")
@allowed("audit")
def audit_log():
    try:
        before = int(request.args.get("before", "0"))
    except ValueError:
        before = 0
    with session_scope(web.sessions()) as session:
        query = select(AuditEvent).where(AuditEvent.sponsor_id == g.staff.sponsor_id)
        if before:
            query = query.where(AuditEvent.id < before)
        events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE + 1)))
        return page("portal/audit.html", events=events[:AUDIT_PAGE],
                    older=events[AUDIT_PAGE - 1].id if len(events) > AUDIT_PAGE else None)


@bp.get("/audit.csv")
@allowed("audit")
def audit_csv():
    sponsor_id = g.staff.sponsor_id

    def generate():
        with session_scope(web.sessions()) as session:
            events = session.scalars(select(AuditEvent).where(AuditEvent.sponsor_id == sponsor_id)
                                     .order_by(AuditEvent.id).execution_options(yield_per=500))
            yield from audit.csv_lines(events)

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{date.today().isoformat()}.csv"'
    return response
