"""What delivery keeps: claim links, OpenID4VCI offers, access tokens and nonces, VC-API
exchanges, and a record of every copy handed to a wallet.

Every secret that travels in a URL or a header (claim token, pre-authorized code, access token,
c_nonce, exchange handle) is stored only as its SHA-256, so a copy of the database cannot be
replayed. Single use is enforced by conditional UPDATEs (`... WHERE used_at IS NULL`), which both
SQLite and PostgreSQL apply atomically, never by a read followed by a write.

An offer or an exchange is for one stored credential or for one version of an apprenticeship
record (`record_version_id`, issuer.issuance.records), never both: the check constraints say so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow


class ClaimLink(Base):
    """The apprentice's way in: /claim/<token> lists every way to take the credential."""
    __tablename__ = "delivery_claim_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    emailed_to: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The transaction code of the offer the link was made with: every offer the claim page makes
    # later asks for the same code (the apprentice has only that one), and all of them together
    # get MAX_TX_CODE_ATTEMPTS wrong guesses, counted here, so new offers buy no new guesses.
    tx_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tx_code_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tx_code_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# Exactly one of the two references: a stored credential, or a version of the apprentice's record.
ONE_SUBJECT = "(credential_id IS NULL) <> (record_version_id IS NULL)"


class Offer(Base):
    """An OpenID4VCI credential offer with its pre-authorized code (single use, short lived)."""
    __tablename__ = "delivery_offers"
    __table_args__ = (CheckConstraint(ONE_SUBJECT, name="ck_delivery_offers_one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"), index=True, nullable=True)
    record_version_id: Mapped[str | None] = mapped_column(ForeignKey("record_versions.id"), index=True,
                                                          nullable=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tx_code_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tx_code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When a record offer's record was issued: once per offer, as it costs a second of signing
    # (a credential offer's access token may take each format of its credential).
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The claim link it was made for (its wrong-code budget is the link's). No foreign key: offers
    # and claim links are swept on their own clocks (delivery/sweep.py).
    claim_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)


class AccessToken(Base):
    """A bearer token from the token endpoint, good for the credential of one redeemed offer."""
    __tablename__ = "delivery_access_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("delivery_offers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Nonce(Base):
    """A c_nonce from the nonce endpoint: consumed by the first credential request that uses it."""
    __tablename__ = "delivery_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Exchange(Base):
    """A VC-API exchange: DIDAuth challenge out, signed presentation in, credential back. Once."""
    __tablename__ = "delivery_exchanges"
    __table_args__ = (CheckConstraint(ONE_SUBJECT, name="ck_delivery_exchanges_one_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handle_hash: Mapped[str] = mapped_column(String(64), unique=True)
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"), index=True, nullable=True)
    record_version_id: Mapped[str | None] = mapped_column(ForeignKey("record_versions.id"), index=True,
                                                          nullable=True)
    challenge: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    holder: Mapped[str | None] = mapped_column(String(2000), nullable=True)


class Delivery(Base):
    """One copy of a stored credential bound to a holder and handed out (audit trail). A record
    handed out is one row for the record (`record_version_id`, no `credential_id`) and one for
    each credential it holds, bound to the same holder (both ids: a copy inside that record)."""
    __tablename__ = "delivery_copies"
    __table_args__ = (CheckConstraint("credential_id IS NOT NULL OR record_version_id IS NOT NULL",
                                      name="ck_delivery_copies_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"), index=True, nullable=True)
    record_version_id: Mapped[str | None] = mapped_column(ForeignKey("record_versions.id"), index=True,
                                                          nullable=True)
    holder: Mapped[str] = mapped_column(String(2000))
    format: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # OpenID4VCI notifications: what the wallet later said of this copy (accepted, failed, deleted).
    notification_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    wallet_event: Mapped[str | None] = mapped_column(String(30), nullable=True)
    wallet_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
