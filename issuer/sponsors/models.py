from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow


class Sponsor(Base):
    __tablename__ = "sponsors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # Whether credentials issued through the VC-API get status entries without being asked
    # (options.credentialStatus); off, so a caller gets back its credential and a proof only.
    vcapi_status: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Sponsors created before each had keys of its own (revision 0012) signed with the platform's
    # keys under their did:web; the platform keys made up to this moment stay listed in their
    # documents, for verification only, so those credentials keep verifying. None: never so.
    legacy_keys_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SponsorKey(Base):
    """A signing key of one sponsor alone: `active` signs, `retired` (rotated out) stays in the
    sponsor's DID document so what it signed keeps verifying, `withdrawn` (compromised or given
    up) is no longer published at all. The private half is sealed under the key passphrase."""
    __tablename__ = "sponsor_keys"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)   # the public key's fingerprint
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    family: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    public_key_multibase: Mapped[str | None] = mapped_column(Text, nullable=True)
    public_key_jwk: Mapped[dict] = mapped_column(JSON)
    private_key_pem: Mapped[str] = mapped_column(Text)


class ApiKey(Base):
    """Only a hash of the key is stored; the key itself is shown once, when created."""
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SponsorProgram(Base):
    """A program a sponsor runs (its registered standards), by program id; versions follow."""
    __tablename__ = "sponsor_programs"
    __table_args__ = (UniqueConstraint("sponsor_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    program_id: Mapped[str] = mapped_column(String(100))
