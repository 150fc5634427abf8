"""Staff sign-in: password, the second factor, signing out, the one-time set-password link, and
the signed-in member's own account (password change, two-step sign-in)."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for

from issuer.api import portal_web as web
from issuer.api.portal.console import DOOR, bp, done, page
from issuer.db import session_scope
from issuer.portal import security, signin
from issuer.portal.roles import PortalError
from issuer.portal.models import StaffAccount


# --- sign-in -----------------------------------------------------------------------------------

def _start(response_target: str, token: str):
    response = redirect(response_target, code=303)
    web.set_cookie(response, DOOR.cookie, token, DOOR, DOOR.max_age)
    response.delete_cookie(DOOR.pre_cookie, path=DOOR.path)
    return response


def _slow_down(template: str, wait: int, **context):
    response = page(template, 429, error=f"Too many failed attempts. Wait {wait} seconds, then try again.",
                    **context)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/login", methods=["GET", "POST"])
@web.public
def login():
    target = web.safe_next(request.values.get("next"), url_for("portal.home"))
    if request.method == "GET":
        return page("portal/login.html", next=target, email="")
    email, password = web.form("email", 320), request.form.get("password", "")[:security.MAX_PASSWORD + 1]
    ip = web.client_ip()
    with session_scope(web.sessions()) as session:
        result = signin.authenticate(session, email, password, ip)
        if result.wait:
            return _slow_down("portal/login.html", result.wait, next=target, email=email)
        if result.choices:
            # The password is right for accounts at several sponsors (all this person's): which one?
            return page("portal/login_choose.html", choices=signin.choice_tokens(session, result.choices),
                        next=target)
        staff = result.staff
        if staff is not None:
            token, destination = _open(session, staff, ip, target)
    if staff is None:
        # Committed above: the failure counts toward the delay even though the page says no.
        return page("portal/login.html", 401, error="That email and password do not match an active account.",
                    next=target, email=email)
    return _start(destination, token)


def _open(session, staff, ip: str | None, target: str) -> tuple[str, str]:
    """The session a right password opens: whole, or waiting for the second factor."""
    if staff.totp_secret:
        token = security.start_session(session, sponsor_id=staff.sponsor_id, staff_id=staff.id, ip=ip,
                                       second_factor_pending=True)
        return token, url_for("portal.login_code", next=target)
    return signin.signed_in(session, staff, ip), target


@bp.post("/login/choose")
@web.public
def login_choose():
    """The sponsor chosen after a password that opens accounts at several of them."""
    target = web.safe_next(request.values.get("next"), url_for("portal.home"))
    ip = web.client_ip()
    with session_scope(web.sessions()) as session:
        staff = signin.choose_account(session, web.form("choice", 100))
        if staff is not None:
            token, destination = _open(session, staff, ip, target)
    if staff is None:
        return page("portal/login.html", 410, error="That choice has expired. Sign in again.", next=target,
                    email="")
    return _start(destination, token)


@bp.route("/login/code", methods=["GET", "POST"])
@web.public
def login_code():
    signed = g.signed
    if signed is None or signed.staff_id is None or not signed.second_factor_pending:
        return redirect(url_for("portal.login"))
    target = web.safe_next(request.values.get("next"), url_for("portal.home"))
    if request.method == "GET":
        return page("portal/login_code.html", next=target)
    ip = web.client_ip()
    with session_scope(web.sessions()) as session:
        staff = session.get(StaffAccount, signed.staff_id)
        result = signin.second_factor(session, staff, web.form("code", 20), ip, web.services().secrets)
        if result.wait:
            return _slow_down("portal/login_code.html", result.wait, next=target)
        if result.staff is not None:
            security.end_session(session, signed.id)
            token = signin.signed_in(session, staff, ip)
    if result.staff is None:
        return page("portal/login_code.html", 401, error="That code is not right. Enter the newest code.",
                    next=target)
    return _start(target, token)


@bp.post("/logout")
@web.public
def logout():
    return web.sign_out(DOOR)


@bp.route("/password/<token>", methods=["GET", "POST"])
@web.public
def set_password(token):
    if request.method == "GET":
        with session_scope(web.sessions()) as session:
            row = security.peek_link_token(session, "password", token)
            staff = session.get(StaffAccount, row.staff_id) if row else None
            if staff is None:
                abort(410, "This link is used up or has expired. Ask an administrator for a new one.")
            return page("portal/set_password.html", email=staff.email, name=staff.name)
    password, again = request.form.get("password", ""), request.form.get("again", "")
    if password != again:
        return page("portal/set_password.html", 422, error="The two passwords differ.", email=web.form("email"))
    try:
        with session_scope(web.sessions()) as session:
            staff = signin.set_password_with_link(session, token, password)
            email = staff.email
    except PortalError as exc:
        if exc.status != 422:
            raise
        return page("portal/set_password.html", 422, error=exc.message, email=web.form("email"))
    return redirect(url_for("portal.login", notice="password", email=email), code=303)



# --- own account ------------------------------------------------------------------------------------------

@bp.get("/account")
def account():
    setup = None
    if request.args.get("setup") == "totp" and not g.staff.totp_enabled:
        with session_scope(web.sessions()) as session:
            secret = signin.begin_totp(session, g.staff, web.services().secrets)
        setup = {"secret": secret, "uri": security.totp_uri(secret, g.staff.email,
                                                            web.services().config.service_name)}
    return page("portal/account.html", setup=setup)


@bp.post("/account/password")
def account_password():
    if request.form.get("password", "") != request.form.get("again", ""):
        return page("portal/account.html", 422, error="The two new passwords differ.")
    with session_scope(web.sessions()) as session:
        try:
            signin.change_password(session, g.staff, request.form.get("current", ""),
                                   request.form.get("password", ""), keep_session=g.signed.id)
        except PortalError as exc:
            session.rollback()
            return page("portal/account.html", 422, error=exc.message)
    return done("portal.account", "password")


@bp.post("/account/totp")
def account_totp():
    with session_scope(web.sessions()) as session:
        try:
            if web.form("change", 10) == "off":
                signin.disable_totp(session, g.staff, request.form.get("password", ""), keep_session=g.signed.id)
                notice = "totp-off"
            else:
                signin.confirm_totp(session, g.staff, web.form("code", 20), web.services().secrets)
                notice = "totp-on"
        except PortalError as exc:
            session.rollback()
            return page("portal/account.html", 422, error=exc.message)
    return done("portal.account", notice)
