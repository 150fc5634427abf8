"""What the portal blueprints share: the session behind a cookie, CSRF checks on every form,
HTML error pages, security headers and rendering.

Cookies are HttpOnly, SameSite=Lax, scoped to their portal's path, and Secure whenever the
service is reached over https (LER_BASE_URL is https, or the request itself is; behind a TLS
proxy set LER_PROXY_HOPS so the forwarded scheme is believed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, make_response, redirect, render_template, request, \
    send_from_directory, url_for
from werkzeug.exceptions import HTTPException

from issuer.api.context import services
from issuer.db import session_scope
from issuer.portal import security
from issuer.portal.roles import PortalError
from issuer.portal.progress_view import number, percent, when

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")

# Script only from our own files (templates/portal/portal.js, progressive enhancement: every page
# works without it), never inline; inline style only because the shared layout
# (templates/base.html) carries its own.
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclass(frozen=True)
class Door:
    """One portal's way in: its cookies, the path they are scoped to, its sign-in page."""
    cookie: str
    pre_cookie: str
    path: str
    login_endpoint: str
    max_age: int
    # Endpoints that take files past the general body limit (batches), from signed-in users only.
    large_uploads: tuple[str, ...] = ()


def sessions():
    return services().sessions


def secure_cookies() -> bool:
    return request.is_secure or services().config.base_url.startswith("https://")


def set_cookie(response: Response, name: str, value: str, door: Door, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=door.path, secure=secure_cookies(), httponly=True,
                        samesite="Lax")


def public(view):
    """Marks a view that needs no signed-in session (sign-in pages, the stylesheet)."""
    view.portal_public = True
    return view


def view_is_public() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return bool(view and getattr(view, "portal_public", False))


def load_session(door: Door):
    """before_request: the caller's session, the CSRF secret, the CSRF check on unsafe methods."""
    if request.endpoint in ("portal.asset", "portal.script"):
        return None
    token = request.cookies.get(door.cookie)
    with session_scope(sessions()) as session:
        g.signed = security.find_session(session, token)
    if g.signed is not None:
        g.csrf_secret = token
        if request.endpoint in door.large_uploads:
            request.max_content_length = services().config.batch_max_bytes
    else:
        g.csrf_secret = request.cookies.get(door.pre_cookie) or ""
        if len(g.csrf_secret) < 32 or len(g.csrf_secret) > 100:
            g.csrf_secret = security.new_secret()
            g.new_pre_cookie = g.csrf_secret
    if request.method in UNSAFE:
        presented = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
        if not security.csrf_ok(g.csrf_secret, presented):
            abort(400, "This form has expired or did not come from this site. Go back, reload the page and "
                       "try again.")
    return None


def finish(door: Door, response: Response) -> Response:
    """after_request: cookies to set, and headers that keep pages private and unframed."""
    if g.get("new_pre_cookie"):
        set_cookie(response, door.pre_cookie, g.new_pre_cookie, door, None)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Links carry one-time tokens in their paths: never leak a URL to another site.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint not in ("portal.asset", "portal.script"):
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(exc: Exception):
    """Errors as pages a person can read (the API's problem+json is for programs)."""
    if isinstance(exc, PortalError):
        status, message = exc.status, exc.message
    elif isinstance(exc, HTTPException):
        status, message = exc.code or 500, exc.description
    else:
        current_app.logger.exception("unhandled error in a portal page")
        status, message = 500, "Something went wrong on our side. It has been logged."
    titles = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Already done", 410: "Link used up",
              422: "Please check the form", 429: "Too many attempts"}
    return render("portal/error.html", status=status, title=titles.get(status, "Error"), message=message,
                  staff=g.get("staff"), service_name=services().config.service_name)


def install(bp: Blueprint, door: Door) -> None:
    bp.before_request(lambda: load_session(door))
    bp.after_request(lambda response: finish(door, response))
    bp.register_error_handler(HTTPException, error_page)
    bp.register_error_handler(PortalError, error_page)
    for name, function in (("portal_when", when), ("portal_percent", percent), ("portal_number", number)):
        bp.add_app_template_filter(function, name)


def render(template: str, status: int = 200, **context) -> Response:
    context.setdefault("csrf_token", security.csrf_token(g.get("csrf_secret") or ""))
    return make_response(render_template(template, **context), status)


def sign_out(door: Door):
    """End the signed-in session (if any) and send the browser to the door's sign-in page."""
    if g.signed is not None:
        with session_scope(sessions()) as session:
            security.end_session(session, g.signed.id)
    response = redirect(url_for(door.login_endpoint), code=303)
    response.delete_cookie(door.cookie, path=door.path)
    return response


def signed_member(door: Door, member: str):
    """before_request of a portal: (its open session, None) when the view needs one and a session
    of this portal's kind (`member`: "staff_id" or "apprentice_id") is open; (None, the way to the
    sign-in page) when none is; (None, None) for a public view."""
    if view_is_public():
        return None, None
    signed = g.signed
    if signed is None or getattr(signed, member) is None:
        return None, login_redirect(door)
    return signed, None


def login_redirect(door: Door):
    return redirect(url_for(door.login_endpoint, next=request.full_path if request.method == "GET" else None))


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site (issuer.portal.security.local_path)."""
    return security.local_path(target) or default


def form(name: str, limit: int = 2000) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def client_ip() -> str | None:
    return request.remote_addr


def asset(filename: str):
    return send_from_directory(Path(current_app.template_folder) / "portal", filename, max_age=3600)
