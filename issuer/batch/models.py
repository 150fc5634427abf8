"""Batches and their rows.

A batch's rows live in the database from the moment the file is read, so a worker on any
machine can run it and a restarted one can resume it: a row whose outcome is still `valid` has
not been run. The batch row carries the counters the progress view reads, and a lease (owner,
expiry) that makes one runner at a time work on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow

# Batch states, in the order a batch normally goes through them.
VALIDATING, VALIDATED, APPROVED, RUNNING, DONE, FAILED = (
    "validating", "validated", "approved", "running", "done", "failed")

# Row outcomes. `valid` is also "not run yet"; the others are final.
VALID, INVALID = "valid", "invalid"
ISSUED, ALREADY_ISSUED = "issued", "already_issued"          # cohort certificates
RECORDED, DUPLICATE = "recorded", "duplicate"                # progress rows
ROW_FAILED = "failed"                                        # refused when run


class Batch(Base):
    __tablename__ = "batches"
    # The same file from the same sponsor is the same batch: re-submitting it issues nothing.
    __table_args__ = (UniqueConstraint("sponsor_id", "content_hash", name="uq_batch_content"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), index=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_invalid: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    credentials_issued: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    notify_errors: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Epoch seconds: compared in SQL and in Python alike, free of time-zone round trips.
    run_started: Mapped[float | None] = mapped_column(Float, nullable=True)
    run_rows_start: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires: Mapped[float | None] = mapped_column(Float, nullable=True)


class BatchRow(Base):
    """One input row: its data, its validation verdict, then what running it did."""
    __tablename__ = "batch_rows"

    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    # What makes two rows the same request (cohort files: apprentice, program, achievement).
    row_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    column: Mapped[str | None] = mapped_column(String(40), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    credentials: Mapped[list | None] = mapped_column(JSON, nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


def row_values(batch_id, line, data, outcome=VALID, column=None, message=None, row_key=None) -> dict:
    """The values of one BatchRow to insert: a row that is not a JSON object is invalid whatever it says."""
    if "_not_an_object" in data:
        outcome, column, message = INVALID, None, f"row {line} is not a JSON object"
    return {"batch_id": batch_id, "line": line, "data": data, "row_key": row_key, "outcome": outcome,
            "column": column, "message": message, "credentials": None, "notified_at": None}
