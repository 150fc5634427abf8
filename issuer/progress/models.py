"""Apprentices, enrollments and the append-only progress ledger."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow


class Apprentice(Base):
    __tablename__ = "apprentices"
    __table_args__ = (UniqueConstraint("sponsor_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    did: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("apprentice_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[str] = mapped_column(ForeignKey("apprentices.id"), index=True)
    program_id: Mapped[str] = mapped_column(String(100))
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id"))
    start_date: Mapped[date] = mapped_column(Date)
    cohort: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LedgerEntry(Base):
    """Never updated or deleted: a correction is a later entry naming the one it corrects.

    `fingerprint` makes the same fact recorded twice (a re-imported file, a retried request)
    collide on a unique constraint instead of doubling hours. `entry_ref`, the sponsor's own
    reference, is part of it when given: two real two-hour classes on one day are two entries.
    """
    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("enrollment_id", "fingerprint"),
                      Index("ix_ledger_entries_enrollment_day", "enrollment_id", "entry_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    entry_type: Mapped[str] = mapped_column(String(20))
    item: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(40))
    entry_date: Mapped[date] = mapped_column(Date)
    signed_off_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    corrects: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(10), default="record")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    entry_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)


class EnrollmentState(Base):
    """The rules' running state of one enrolment (`issuer.rules.RunningState` as JSON), updated
    in the transaction that appends each entry; rebuilt from the ledger when missing."""
    __tablename__ = "enrollment_states"

    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), primary_key=True)
    state: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
