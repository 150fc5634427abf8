"""A stored credential by either of its names: our row id, or the credential's own `id`, which
is `urn:uuid:` + that row id (the wallet, the verifier and the sponsor see only the latter)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from issuer.issuance.models import IssuedCredential

URN = "urn:uuid:"


def row_id(name: str) -> str:
    """Our row id for `name`, with the urn:uuid: prefix (any case, as RFC 9562 allows) removed."""
    return name[len(URN):].lower() if name[:len(URN)].lower() == URN else name


def stored_credential(session: Session, name: str) -> IssuedCredential | None:
    key = row_id(name) if isinstance(name, str) else ""
    return session.get(IssuedCredential, key) if 0 < len(key) <= 36 else None
