"""The token endpoint (a pre-authorized code, and its transaction code, for an access token) and
the nonce endpoint (single-use c_nonce values for key proofs)."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from sqlalchemy import delete, select, update

from issuer.db import session_scope
from issuer.delivery.models import AccessToken, ClaimLink, Nonce, Offer
from issuer.delivery.oid4vci.common import MAX_TX_CODE_ATTEMPTS, NONCE_TTL, OAuthError, PRE_AUTHORIZED_GRANT, \
    TOKEN_TTL, digest, now_utc


def redeem(sessions, form: dict, now: datetime | None = None) -> dict:
    """The token response for a pre-authorized code (and its transaction code, if the offer has one)."""
    now = now or now_utc()
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", f"only the {PRE_AUTHORIZED_GRANT} grant is supported")
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is required")
    tx_code = form.get("tx_code")
    with session_scope(sessions) as session:
        offer = session.scalars(select(Offer).where(Offer.code_hash == digest(code))).first()
        if offer is None:
            raise OAuthError("invalid_grant", "unknown pre-authorized code")
        if offer.redeemed_at is not None:
            raise OAuthError("invalid_grant", "the pre-authorized code was already used")
        if session.scalar(select(Offer.id).where(Offer.id == offer.id, Offer.expires_at > now)) is None:
            raise OAuthError("invalid_grant", "the pre-authorized code has expired")
        expected = offer.tx_code_hash
        if expected is None and tx_code is not None:
            raise OAuthError("invalid_request", "this offer has no transaction code; do not send tx_code")
        if expected is not None:
            if not tx_code:
                raise OAuthError("invalid_request", "this offer requires the transaction code (tx_code)")
            # Count the attempt before comparing, in its own committed step: concurrent guesses
            # each take one of the allowed attempts and a failed request cannot roll it back. The
            # offers of one claim link share the link's count: a fresh offer is no fresh guesses.
            if offer.claim_id is not None:
                counter = update(ClaimLink).where(ClaimLink.id == offer.claim_id,
                                                  ClaimLink.tx_code_attempts < MAX_TX_CODE_ATTEMPTS) \
                    .values(tx_code_attempts=ClaimLink.tx_code_attempts + 1)
            else:
                counter = update(Offer).where(Offer.id == offer.id, Offer.tx_code_attempts < MAX_TX_CODE_ATTEMPTS) \
                    .values(tx_code_attempts=Offer.tx_code_attempts + 1)
            counted = session.execute(counter).rowcount
            if not counted:
                raise OAuthError("invalid_grant", "too many wrong transaction codes: ask for a new offer")
        offer_id = offer.id
    if expected is not None and not hmac.compare_digest(digest(str(tx_code)), expected):
        raise OAuthError("invalid_grant", "wrong transaction code")
    token = secrets.token_urlsafe(32)
    with session_scope(sessions) as session:
        redeemed = session.execute(update(Offer).where(Offer.id == offer_id, Offer.redeemed_at.is_(None),
                                                       Offer.expires_at > now)
                                   .values(redeemed_at=now)).rowcount
        if not redeemed:
            raise OAuthError("invalid_grant", "the pre-authorized code was already used")
        session.add(AccessToken(token_hash=digest(token), offer_id=offer_id, created_at=now,
                                expires_at=now + TOKEN_TTL))
    # c_nonce here is draft 13's; clients of the final version ignore it (RFC 6749 section 5.1).
    return {"access_token": token, "token_type": "Bearer", "expires_in": int(TOKEN_TTL.total_seconds()),
            **nonce_members(sessions, now)}


# -- nonce endpoint ------------------------------------------------------------------------

def new_nonce(sessions, now: datetime | None = None) -> str:
    now = now or now_utc()
    nonce = secrets.token_urlsafe(24)
    with session_scope(sessions) as session:
        # Anyone may ask for nonces, so expired ones are swept as new ones are made.
        session.execute(delete(Nonce).where(Nonce.expires_at < now))
        session.add(Nonce(nonce_hash=digest(nonce), created_at=now, expires_at=now + NONCE_TTL))
    return nonce


def nonce_members(sessions, now: datetime) -> dict:
    return {"c_nonce": new_nonce(sessions, now), "c_nonce_expires_in": int(NONCE_TTL.total_seconds())}
