"""What a presentation request keeps: what was asked, the secrets that tie the answer to it (as
hashes, or a nonce that is public once sent), its clock, and the verification report.

Privacy: neither the presentation nor any credential in it is stored, only the report the
employer reads and downloads; rows are deleted RETENTION after creation (service.sweep).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base


class PresentationRequest(Base):
    __tablename__ = "presentation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The employer's handle (reads the report) and the wallet's token (answers the request; it is
    # derived from the handle, so the QR code a wallet scans never lets anyone read the report).
    handle_hash: Mapped[str] = mapped_column(String(64), unique=True)
    wallet_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(300))
    # OpenID4VP `nonce` and VC-API `challenge`: sent to the wallet, so not a secret to hash.
    nonce: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    protocol: Mapped[str | None] = mapped_column(String(16), nullable=True)
    report: Mapped[dict | None] = mapped_column(JSON, nullable=True)
