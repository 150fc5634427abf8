"""Status lists and their slot counters, the status state of credentials, the audit trail of its
changes, and the signed list documents.

A slot is one index of a `status_lists` row. Its state (revoked, suspended) lives in
`status_entries`, created when a credential is issued through the VC-API (which keeps the
credential, since nothing else does) or on the first change of a credential issued by the
rules. The published lists are derived from these rows only, so every view of a list (one
per status purpose) always agrees with the others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow


class StatusList(Base):
    """A Bitstring Status List of one issuer. `next_index` counts the slots handed out (under a
    row lock); the n-th goes to index permute(shuffle_key, n), so none is ever reused."""
    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    # The DID that signs the list: the issuer of every credential with a slot in it, because
    # verifiers (digitalbazaar's among them) require the two to match. NULL on lists made before
    # lists had owners: those are the platform's and keep their in-order indexes.
    issuer: Mapped[str | None] = mapped_column(String(500), index=True, nullable=True)
    shuffle_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Lists made before Open Badges carried a one-bit revocation entry (revision 0011) may hold
    # credentials with the two-bit `message` entry: they keep publishing that view too.
    legacy_message: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StatusEntry(Base):
    __tablename__ = "status_entries"

    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    status_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    # The credential's own `id` (a URL or urn:uuid), how the VC-API and the sponsor name it.
    credential_id: Mapped[str | None] = mapped_column(String(500), index=True, nullable=True)
    # Kept only for credentials issued through the VC-API; the rules' credentials live in `credentials`.
    document: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StatusChange(Base):
    """Append-only: who changed which credential's status, when, why."""
    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    credential_id: Mapped[str | None] = mapped_column(String(500), index=True, nullable=True)
    purpose: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StatusListDocument(Base):
    """The signed BitstringStatusListCredential of one list for one purpose, re-signed on change."""
    __tablename__ = "status_list_documents"

    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), primary_key=True)
    document: Mapped[dict] = mapped_column(JSON)
    etag: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
