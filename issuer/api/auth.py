"""Sponsor authentication for any blueprint: `Authorization: Bearer <API key>`.

Use as `bp.before_request(require_sponsor)`; afterwards `g.sponsor_id` and `g.sponsor_name`
name the caller, and every query must be scoped by `g.sponsor_id`. `act_as` names who acts for
the audit log once a request's caller is known (issuer.app names every request's caller as
anonymous first, and forgets it when the request ends).
"""

from __future__ import annotations

from flask import g, request

from issuer import audit
from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.sponsors.services import sponsor_for_key


def require_sponsor():
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        return problem(401, "Unauthorized", "send 'Authorization: Bearer <API key>'")
    with session_scope(_services().sessions) as session:
        sponsor = sponsor_for_key(session, key.strip())
        if sponsor is None:
            return problem(401, "Unauthorized", "unknown or revoked API key")
        g.sponsor_id, g.sponsor_name = sponsor.id, sponsor.name
    act_as(f"API key of {sponsor.name}")
    return None


def act_as(label: str) -> None:
    """The caller of this request, as the audit log names it (issuer.audit's context variable)."""
    audit.set_actor(audit.Actor(label, request.remote_addr))
