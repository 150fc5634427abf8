from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow


class IssuedCredential(Base):
    """One signed credential. The unique key (apprentice, program version, achievement) is what
    makes issuance exactly-once under retries, re-imports and concurrent workers."""
    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("apprentice_id", "program_version_id", "achievement_key", name="uq_credential_once"),
        UniqueConstraint("status_list_id", "status_index", name="uq_status_slot"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    apprentice_id: Mapped[str] = mapped_column(ForeignKey("apprentices.id"), index=True)
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"))
    achievement_key: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict] = mapped_column(JSON)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int] = mapped_column(Integer)
    # "rules": earned from the ledger; "attestation": awarded by the sponsor (cohort batch).
    # Only the first kind can be taken away by a ledger correction.
    origin: Mapped[str] = mapped_column(String(20), default="rules", server_default="rules")
    flagged_for_revocation: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordVersion(Base):
    """One signed version of an enrolment's apprenticeship record (a CLR 2.0 `ClrCredential`,
    `issuer.issuance.records`). A new version is made when the credentials it holds change;
    older versions are kept as signed, so a copy handed out earlier still verifies. The unique
    (enrolment, version) makes a version exactly once under concurrent writers. `id` is public
    (the record's `id` is `urn:uuid:<id>`, its pages /records/<id>); the enrolment's integer id
    never is."""
    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("enrollment_id", "version", name="uq_record_version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    apprentice_id: Mapped[str] = mapped_column(ForeignKey("apprentices.id"), index=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSON)
    # The row ids of the IssuedCredentials held, sorted: what decides whether a new version is due.
    credential_ids: Mapped[list] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
