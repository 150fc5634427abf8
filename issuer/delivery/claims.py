"""Claim links: the apprentice's page of every way to take a credential (/claim/<token>)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from issuer.credentials.openbadge import xsd_datetime
from issuer.db import session_scope
from issuer.delivery import mail, oid4vci, qr
from issuer.delivery.models import ClaimLink
from issuer.delivery.oid4vci import digest, now_utc
from issuer.errors import LerError
from issuer.issuance.lookup import stored_credential
from issuer.progress.models import Apprentice
from issuer.sponsors.models import Sponsor

# Long enough to survive a holiday inbox; a sponsor can always send a new one.
CLAIM_TTL = timedelta(days=30)


def create_claim(session, credential_id: str, *, emailed_to: str | None = None, now: datetime | None = None
                 ) -> tuple[str, datetime]:
    now = now or now_utc()
    token = secrets.token_urlsafe(32)
    expires = now + CLAIM_TTL
    session.add(ClaimLink(credential_id=credential_id, token_hash=digest(token), emailed_to=emailed_to,
                          created_at=now, expires_at=expires))
    session.flush()
    return token, expires


def claimed_credential_id(session, token: str, now: datetime | None = None) -> str | None:
    """The stored credential a live claim link leads to."""
    return session.scalar(select(ClaimLink.credential_id).where(ClaimLink.token_hash == digest(token),
                                                                ClaimLink.expires_at > (now or now_utc())))


def claim_url(base_url: str, token: str) -> str:
    return f"{base_url}/claim/{token}"


class ClaimError(LerError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def prepare(services, credential_id: str, *, sponsor_id: int | None, tx_code: bool, send_email: bool) -> dict:
    """A claim link and an OpenID4VCI offer for a stored credential of `sponsor_id` (any sponsor
    when None, for the operator's CLI); with `send_email`, both go to the apprentice by SMTP, the
    transaction code included, and the code is not returned (it must travel by another channel
    than the offer's QR code)."""
    config = services.config
    if send_email and not mail.enabled(config):
        raise ClaimError(409, "email is not configured on this service: set LER_SMTP_URL")
    with session_scope(services.sessions) as session:
        row = stored_credential(session, credential_id)
        if row is None or (sponsor_id is not None and row.sponsor_id != sponsor_id):
            raise ClaimError(404, f"no credential {credential_id}")
        apprentice = session.get(Apprentice, row.apprentice_id)
        if send_email and not apprentice.email:
            raise ClaimError(422, "the apprentice has no email address on record")
        token, claim_expires = create_claim(session, row.id, emailed_to=apprentice.email if send_email else None)
        offer = oid4vci.create_offer(session, config.base_url, row.id, tx_code=tx_code)
        names = {"apprentice": apprentice.name, "to": apprentice.email,
                 "achievement": row.document["credentialSubject"]["achievement"]["name"],
                 "sponsor": session.get(Sponsor, row.sponsor_id).name}
    url = claim_url(config.base_url, token)
    if send_email:
        mail.send(config, mail.claim_message(sender=mail.sender(config), to=names["to"], apprentice=names["apprentice"],
                                             achievement=names["achievement"], sponsor=names["sponsor"],
                                             claim_url=url, tx_code=offer.tx_code))
    body = {"credential_id": credential_id, "claim_url": url, "claim_expires_at": xsd_datetime(claim_expires),
            "credential_offer": offer.by_value(), "credential_offer_uri": offer.by_reference(),
            "offer_expires_at": xsd_datetime(offer.expires_at), "qr_png": qr.png_data_uri(offer.by_reference()),
            "tx_code_required": offer.tx_code is not None, "emailed_to": names["to"] if send_email else None}
    if offer.tx_code and not send_email:
        body["tx_code"] = offer.tx_code
    return body
