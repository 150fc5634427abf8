"""Program and framework versions. A version's document never changes once stored: an edit
is a new version (content-hashed), so a credential citing a version can always be checked."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class VersionedDocument:
    """One immutable version of a document named by `key_column` (its stable id)."""
    key_column: str

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @classmethod
    def key(cls):
        return getattr(cls, cls.key_column)


class FrameworkVersion(VersionedDocument, Base):
    __tablename__ = "framework_versions"
    __table_args__ = (UniqueConstraint("framework_id", "version"), UniqueConstraint("framework_id", "content_hash"))
    key_column = "framework_id"

    framework_id: Mapped[str] = mapped_column(String(100), index=True)


class ProgramVersion(VersionedDocument, Base):
    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("program_id", "version"), UniqueConstraint("program_id", "content_hash"))
    key_column = "program_id"

    program_id: Mapped[str] = mapped_column(String(100), index=True)


class ProgramFramework(Base):
    """Which framework versions a program version is aligned to (pinned at load time)."""
    __tablename__ = "program_frameworks"

    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"), primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id"), primary_key=True)
