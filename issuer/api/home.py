"""`/`: where each audience goes. Sponsor staff to the console, apprentices to their sign-in,
employers to the verify page, developers to the API description; on a service with no staff
account yet, how the operator creates the first sponsor and administrator."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import exists, select

from issuer.api.pages import _page
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.portal.models import StaffAccount

bp = Blueprint("home", __name__)


@bp.get("/")
def home():
    services = _services()
    with session_scope(services.sessions) as session:
        has_staff = session.scalar(select(exists().where(StaffAccount.id.isnot(None))))
    return _page("home.html", did=services.identity.did, has_staff=has_staff)
