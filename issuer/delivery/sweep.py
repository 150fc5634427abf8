"""Forget spent and expired wallet secrets: offers, access tokens, nonces, exchanges, claim links.

Every press of a claim page's wallet button makes an offer and an exchange, so without this
the tables only grow.
A row is kept for RETENTION after it expires, so a late wallet still hears "expired" (and not
"unknown") for a while; the copies handed out (`delivery_copies`) are the audit trail and are
never swept. Runs on every new offer (cheap, since the tables
stay small) and as `ler delivery sweep` for a cron job.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from issuer.delivery.models import AccessToken, ClaimLink, Exchange, Nonce, Offer

RETENTION = timedelta(days=1)


def sweep(session, now: datetime | None = None) -> dict[str, int]:
    """Delete what expired more than RETENTION ago (nonces: once expired); counts per kind."""
    now = now or datetime.now(timezone.utc)
    cutoff = now - RETENTION
    counts = {
        "access_tokens": session.execute(delete(AccessToken).where(AccessToken.expires_at < cutoff)).rowcount,
        "offers": session.execute(delete(Offer).where(
            Offer.expires_at < cutoff, Offer.id.not_in(select(AccessToken.offer_id)))).rowcount,
        "nonces": session.execute(delete(Nonce).where(Nonce.expires_at < now)).rowcount,
        "exchanges": session.execute(delete(Exchange).where(Exchange.expires_at < cutoff)).rowcount,
        # Not matched against links loaded in the session (SQLite hands back naive datetimes,
        # which Python cannot compare with `cutoff`): a loaded link is a live one.
        "claim_links": session.execute(delete(ClaimLink).where(ClaimLink.expires_at < cutoff)
                                       .execution_options(synchronize_session=False)).rowcount,
    }
    return counts
