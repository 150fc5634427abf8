"""Credentials in the console: the sponsor's list by state, one credential with its status
history, and revoking or suspending it."""

from __future__ import annotations

from flask import abort, g, request

from issuer.api import portal_web as web
from issuer.api.portal.console import allowed, bp, done, page
from issuer.db import session_scope
from issuer.issuance import slots as credential_slots
from issuer.issuance.models import IssuedCredential
from issuer.portal import visibility
from issuer.portal.roles import PortalError
from issuer.progress.models import Apprentice
from issuer.status import services as status


# --- credentials -----------------------------------------------------------------------------------

STATES = {"": "All", "valid": "Valid", "pending": "Not yet in a wallet", "flagged": "Flagged for revocation",
          "suspended": "Suspended", "revoked": "Revoked"}


def credential_state(session, row: IssuedCredential) -> dict:
    slots = credential_slots.find_slots(session, row.sponsor_id, row.id)
    revoked, suspended = status.current(session, slots[0]) if slots else (False, False)
    return {"revoked": revoked, "suspended": suspended, "claimed": visibility.claimed(session, row.id),
            "suspendable": any(slot.suspendable for slot in slots), "not_suspendable": status.NOT_SUSPENDABLE}


@bp.get("/credentials")
def credentials():
    wanted = request.args.get("state", "")
    if wanted not in STATES:
        wanted = ""
    with session_scope(web.sessions()) as session:
        rows = []
        for row, apprentice in visibility.sponsor_credentials(session, g.staff):
            state = credential_state(session, row)
            if (wanted == "valid" and (state["revoked"] or state["suspended"])) or \
                    (wanted == "pending" and state["claimed"]) or \
                    (wanted == "flagged" and not row.flagged_for_revocation) or \
                    (wanted in ("suspended", "revoked") and not state[wanted]):
                continue
            rows.append({"row": row, "apprentice": apprentice, **state})
        return page("portal/credentials.html", rows=rows, states=STATES, state=wanted)


@bp.get("/credentials/<credential_id>")
def credential(credential_id):
    with session_scope(web.sessions()) as session:
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 36 else None
        apprentice = visibility.visible_apprentice(session, g.staff, row.apprentice_id) if row else None
        if apprentice is None:
            abort(404, "No such credential.")
        slots = credential_slots.find_slots(session, row.sponsor_id, row.id)
        return page("portal/credential.html", row=row, apprentice=apprentice, **credential_state(session, row),
                    history=status.history(session, slots))


@bp.post("/credentials/<credential_id>/status")
@allowed("revoke")
def credential_status(credential_id):
    action = web.form("action", 20)
    with session_scope(web.sessions()) as session:
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 36 else None
        if row is None or row.sponsor_id != g.staff.sponsor_id:
            abort(404, "No such credential.")
        if action == "revoke" and web.form("confirm", 5) != "yes":
            # Revoking is for ever: a second page asks, naming what and whose, before it is done.
            reason = web.form("reason", status.MAX_REASON + 1)
            if not reason:
                raise PortalError("give the reason for revoking", field="reason")
            return page("portal/confirm_revoke.html", row=row, reason=reason,
                        apprentice=session.get(Apprentice, row.apprentice_id))
        try:
            status.change(session, web.services().issuance, credential_slots.find_slots(session, g.staff.sponsor_id, row.id),
                          action, web.form("reason", status.MAX_REASON + 1), g.staff.audit_label)
        except status.StatusError as exc:
            raise PortalError(exc.message, exc.status if exc.status != 400 else 422) from None
    return done("portal.credential", "status", credential_id=credential_id)
