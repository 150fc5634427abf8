"""Delivering a credential from the console (from the apprentice's page or the credential's): the
claim link mailed to the apprentice, or shown as a QR code for the apprentice to scan in person.
The same claim links and offers as `ler claim` and the sponsor API (issuer.delivery.claims)."""

from __future__ import annotations

from flask import abort, g

from issuer.api import portal_web as web
from issuer.api.portal.console import allowed, bp as console, done, page
from issuer.db import session_scope
from issuer.delivery import claims, qr
from issuer.delivery.mail import MailError
from issuer.issuance.models import IssuedCredential
from issuer import audit
from issuer.portal import visibility
from issuer.portal.roles import PortalError

WAYS = ("email", "qr")


@console.post("/credentials/<credential_id>/deliver")
@allowed("deliver")
def deliver(credential_id):
    how, back = web.form("how", 10), web.form("back", 20)
    if how not in WAYS:
        abort(400, "Choose to email the claim link or to show its QR code.")
    with session_scope(web.sessions()) as session:
        row = session.get(IssuedCredential, credential_id) if len(credential_id) <= 36 else None
        apprentice = visibility.visible_apprentice(session, g.staff, row.apprentice_id) if row else None
        if apprentice is None:
            abort(404, "No such credential.")
        name, apprentice_id = row.document.get("name") or row.achievement_key, apprentice.id
        apprentice_name = apprentice.name
    try:
        made = claims.prepare(web.services(), credential_id, sponsor_id=g.staff.sponsor_id, tx_code=False,
                              send_email=how == "email")
    except claims.ClaimError as exc:
        raise PortalError(str(exc), exc.status) from None
    except MailError as exc:
        raise PortalError(f"The message could not be sent: {exc}", 502) from None
    with session_scope(web.sessions()) as session:
        audit.record(session, g.staff.sponsor_id, "credential.claim_link", f"credential:{credential_id}",
                     how=how, emailed_to=made["emailed_to"])
    if how == "email":
        if back == "apprentice":
            return done("portal.apprentice", "emailed", apprentice_id=apprentice_id)
        return done("portal.credential", "emailed", credential_id=credential_id)
    # The claim link is shown in this response only (it is stored hashed): no redirect.
    return page("portal/deliver.html", name=name, apprentice_name=apprentice_name, apprentice_id=apprentice_id,
                credential_id=credential_id, claim_url=made["claim_url"], expires=made["claim_expires_at"],
                qr=qr.svg(made["claim_url"], label=f"QR code of the claim link for {apprentice_name}"))
