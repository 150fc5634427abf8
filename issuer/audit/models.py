"""The audit log's one table (created by revision 0005, hence its name)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.programs.models import utcnow


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE): who did what, when, from where."""
    __tablename__ = "portal_audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("sponsors.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
