"""Claim links: the apprentice's page of every way to take a credential (/claim/<token>)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from issuer.credentials.openbadge import xsd_datetime
from issuer.db import session_scope
from issuer.delivery import copies, exchanges, mail, oid4vci, qr
from issuer.delivery.models import ClaimLink
from issuer.delivery.oid4vci import digest, now_utc
from issuer.errors import LerError
from issuer.issuance.lookup import stored_credential
from issuer.issuance.models import IssuedCredential
from issuer.progress.models import Apprentice
from issuer.sponsors.models import Sponsor

# Long enough to survive a holiday inbox; a sponsor can always send a new one.
CLAIM_TTL = timedelta(days=30)


# Offers a claim page may have out at once: each wallet button press makes one, and anyone with
# the link may press, so the rows one link can make are bounded.
MAX_LIVE_OFFERS = 10


def new_claim(session, credential_id: str, *, emailed_to: str | None = None, now: datetime | None = None
              ) -> tuple[ClaimLink, str]:
    """A claim link (the row, and its token, which exists only here)."""
    now = now or now_utc()
    token = secrets.token_urlsafe(32)
    link = ClaimLink(credential_id=credential_id, token_hash=digest(token), emailed_to=emailed_to,
                     created_at=now, expires_at=now + CLAIM_TTL)
    session.add(link)
    session.flush()
    return link, token


def create_claim(session, credential_id: str, *, emailed_to: str | None = None, now: datetime | None = None
                 ) -> tuple[str, datetime]:
    link, token = new_claim(session, credential_id, emailed_to=emailed_to, now=now)
    return token, link.expires_at


def find(session, token: str, now: datetime | None = None) -> ClaimLink | None:
    """The live claim link of a token."""
    if not token or len(token) > 200:
        return None
    return session.scalars(select(ClaimLink).where(ClaimLink.token_hash == digest(token),
                                                   ClaimLink.expires_at > (now or now_utc()))).first()


def claimed_credential_id(session, token: str, now: datetime | None = None) -> str | None:
    """The stored credential a live claim link leads to."""
    link = find(session, token, now)
    return link.credential_id if link else None


def claim_url(base_url: str, token: str) -> str:
    return f"{base_url}/claim/{token}"


class ClaimError(LerError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def wallet_offer(session, base_url: str, link: ClaimLink) -> tuple[oid4vci.CreatedOffer, str]:
    """A fresh OpenID4VCI offer (asking for the link's transaction code, if it has one) and a
    fresh VC-API exchange handle, for the apprentice who pressed the claim page's wallet button."""
    reason = copies.withheld(session, session.get(IssuedCredential, link.credential_id))
    if reason:
        raise ClaimError(409, f"This credential cannot be added to a wallet: {reason}.")
    if oid4vci.live_offers(session, link.id) >= MAX_LIVE_OFFERS:
        raise ClaimError(429, "Too many wallet codes are waiting to be used. Use one of them, or try again in "
                              f"{int(oid4vci.OFFER_TTL.total_seconds() // 60)} minutes.")
    offer = oid4vci.create_offer(session, base_url, link.credential_id, tx_code=False, claim=link)
    return offer, exchanges.create_exchange(session, link.credential_id)


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
        # Refused when the offer is made, not only when a wallet redeems it.
        reason = copies.withheld(session, row)
        if reason:
            raise ClaimError(409, f"{reason}: it cannot be offered to a wallet")
        link, token = new_claim(session, row.id, emailed_to=apprentice.email if send_email else None)
        claim_expires = link.expires_at
        offer = oid4vci.create_offer(session, config.base_url, row.id, tx_code=tx_code, claim=link)
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
            "tx_code_required": offer.tx_code_required, "emailed_to": names["to"] if send_email else None}
    if offer.tx_code and not send_email:
        body["tx_code"] = offer.tx_code
    return body
