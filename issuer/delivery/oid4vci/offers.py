"""Credential offers: made for a credential (by value or by reference, optionally with a
transaction code) or for an apprentice's record, counted per claim link, and read back by
reference. An offer names the configurations of what it is for: a credential's
(OpenBadgeCredential) or a record's (ClrCredential)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import func, select

from issuer.delivery.models import ClaimLink, Offer
from issuer.delivery.sweep import sweep
from issuer.delivery.oid4vci.common import CONFIGURATIONS, OFFER_SCHEME, OFFER_TTL, PRE_AUTHORIZED_GRANT, \
    RECORD_CONFIGURATIONS, TX_CODE_LENGTH, digest, now_utc


@dataclass
class CreatedOffer:
    """A new offer. `code` (the pre-authorized code, also the by-reference handle) and `tx_code`
    exist only here: the database keeps their hashes. `tx_code` is None when no code is asked
    for, and also when the offer asks for the code of its claim link, made before."""
    code: str
    tx_code: str | None
    expires_at: datetime
    base_url: str
    tx_code_length: int | None = None
    configurations: tuple[str, ...] = tuple(CONFIGURATIONS)

    @property
    def tx_code_required(self) -> bool:
        return self.tx_code_length is not None

    def offer_object(self) -> dict:
        return offer_object(self.base_url, self.code, self.tx_code_length, self.configurations)

    def by_value(self) -> str:
        return OFFER_SCHEME + "?credential_offer=" + quote(json.dumps(self.offer_object(), separators=(",", ":")),
                                                          safe="")

    def reference_url(self) -> str:
        return f"{self.base_url}/oid4vci/offers/{self.code}"

    def by_reference(self) -> str:
        return OFFER_SCHEME + "?credential_offer_uri=" + quote(self.reference_url(), safe="")


def configurations_of(offer: Offer) -> tuple[str, ...]:
    """The configurations an offer's access token is good for."""
    return tuple(RECORD_CONFIGURATIONS if offer.record_version_id is not None else CONFIGURATIONS)


def offer_object(base_url: str, code: str, tx_code_length: int | None,
                 configurations: tuple[str, ...] = tuple(CONFIGURATIONS)) -> dict:
    grant: dict = {"pre-authorized_code": code}
    if tx_code_length:
        grant["tx_code"] = {"input_mode": "numeric", "length": tx_code_length,
                            "description": "Enter the code we sent to your email address."}
    return {"credential_issuer": base_url, "credential_configuration_ids": list(configurations),
            "grants": {PRE_AUTHORIZED_GRANT: grant}}


def create_offer(session, base_url: str, credential_id: str, *, tx_code: bool, claim: ClaimLink | None = None,
                 now: datetime | None = None) -> CreatedOffer:
    """A new offer of the stored credential. For a claim link, the offer is the link's: when the
    link already has a transaction code (from the offer it was made with), this offer asks for
    that same code and `tx_code` is not looked at; a new code made here becomes the link's."""
    now = now or now_utc()
    sweep(session, now)
    pin = None
    if claim is not None and claim.tx_code_hash:
        pin_hash, length = claim.tx_code_hash, claim.tx_code_length
    elif tx_code:
        pin = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))
        pin_hash, length = digest(pin), TX_CODE_LENGTH
        if claim is not None:
            claim.tx_code_hash, claim.tx_code_length = pin_hash, length
    else:
        pin_hash = length = None
    return _add(session, base_url, Offer(credential_id=credential_id, tx_code_hash=pin_hash, tx_code_length=length,
                                         claim_id=claim.id if claim is not None else None), pin, now)


def create_record_offer(session, base_url: str, record_version_id: str, now: datetime | None = None
                        ) -> CreatedOffer:
    """A new offer of a version of an apprentice's record, without a transaction code: it is made
    for the apprentice signed in to their own page, and shown only there."""
    now = now or now_utc()
    sweep(session, now)
    return _add(session, base_url, Offer(record_version_id=record_version_id), None, now)


def _add(session, base_url: str, offer: Offer, pin: str | None, now: datetime) -> CreatedOffer:
    code = secrets.token_urlsafe(32)
    offer.code_hash, offer.created_at, offer.expires_at = digest(code), now, now + OFFER_TTL
    session.add(offer)
    session.flush()
    return CreatedOffer(code, pin, offer.expires_at, base_url, offer.tx_code_length, configurations_of(offer))


def live_offers(session, claim_id: int, now: datetime | None = None) -> int:
    """How many offers of a claim link a wallet could still redeem."""
    return session.scalar(select(func.count()).select_from(Offer).where(
        Offer.claim_id == claim_id, Offer.redeemed_at.is_(None), Offer.expires_at > (now or now_utc())))


def offer_by_reference(session, base_url: str, code: str, now: datetime | None = None) -> dict | None:
    """The offer object behind a credential_offer_uri, while it can still be redeemed."""
    now = now or now_utc()
    row = session.scalars(select(Offer).where(Offer.code_hash == digest(code), Offer.redeemed_at.is_(None),
                                              Offer.expires_at > now)).first()
    return offer_object(base_url, code, row.tx_code_length, configurations_of(row)) if row else None


# -- token endpoint ------------------------------------------------------------------------
