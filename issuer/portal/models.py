"""Staff accounts, assignments, sessions, sign-in tokens and login attempts (the audit log is
issuer.audit's).

Every secret that reaches a browser (session cookie, magic link, set-password link) is stored
only as its SHA-256: a copy of the database cannot be used to sign in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow


class StaffAccount(Base):
    """A sponsor's staff member. Accounts are the sponsor's own: one address may have an account
    at several sponsors, each with its own password, role and second factor, so that creating one
    never depends on (or reveals) another sponsor's staff. Unique per (sponsor, email)."""
    __tablename__ = "portal_staff"
    __table_args__ = (UniqueConstraint("sponsor_id", "email", name="uq_portal_staff_sponsor_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Sealed with the key passphrase (issuer.sealing), never stored bare.
    totp_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    totp_pending_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The last accepted one-time code's time step: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Assignment(Base):
    """A journeyworker may see and sign off an apprentice only while assigned to them."""
    __tablename__ = "portal_assignments"
    __table_args__ = (UniqueConstraint("staff_id", "apprentice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("portal_staff.id"), index=True)
    apprentice_id: Mapped[str] = mapped_column(ForeignKey("apprentices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PortalSession(Base):
    """A signed-in browser: a staff member's or an apprentice's (exactly one of the two)."""
    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("portal_staff.id"), index=True, nullable=True)
    apprentice_id: Mapped[str | None] = mapped_column(ForeignKey("apprentices.id"), nullable=True)
    # Password accepted, one-time code still owed: such a session opens nothing but the code form.
    second_factor_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SignInToken(Base):
    """Single-use, expiring links: an apprentice's magic link, a staff member's set-password link."""
    __tablename__ = "portal_sign_in_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("portal_staff.id"), nullable=True)
    apprentice_id: Mapped[str | None] = mapped_column(ForeignKey("apprentices.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginAttempt(Base):
    """Sign-in attempts by account key (a lower-cased email) and address, for rate limiting."""
    __tablename__ = "portal_login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(320), index=True)
    ip: Mapped[str | None] = mapped_column(String(45), index=True, nullable=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
