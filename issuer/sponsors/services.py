"""Creating sponsors and their API keys, and finding the sponsor behind a key."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credentials.openbadge import IssuerProfile
from issuer.errors import LerError
from issuer import audit
from issuer.programs.catalog import all_latest_programs
from issuer.sponsors.models import ApiKey, Sponsor, SponsorProgram

KEY_PREFIX = "ler_"


class SponsorError(LerError):
    pass


def hash_key(key: str) -> str:
    # API keys are 256-bit random tokens, so a plain sha256 cannot be brute-forced; a slow
    # password hash would only slow every request down.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:60] or "sponsor"


def create_sponsor(session: Session, name: str, programs: list[str] | None = None,
                   keys=None) -> tuple[Sponsor, str]:
    """A new sponsor running `programs` (default: every loaded program), its first API key and,
    with `keys` (issuer.sponsors.keys.SponsorKeys), its first signing key (without: made when
    it first signs)."""
    name = name.strip()
    if not name:
        raise SponsorError("a sponsor needs a name")
    if session.scalars(select(Sponsor).where(Sponsor.name == name)).first():
        raise SponsorError(f"a sponsor named {name!r} exists already")
    slug, n = slugify(name), 1
    while session.scalars(select(Sponsor).where(Sponsor.slug == slug)).first():
        n += 1
        slug = f"{slugify(name)}-{n}"
    sponsor = Sponsor(name=name, slug=slug)
    session.add(sponsor)
    session.flush()
    available = {p.program_id for p in all_latest_programs(session)}
    chosen = programs if programs else sorted(available)
    unknown = [p for p in chosen if p not in available]
    if unknown:
        raise SponsorError(f"unknown program(s): {', '.join(unknown)}; known: {', '.join(sorted(available))}")
    for program_id in chosen:
        session.add(SponsorProgram(sponsor_id=sponsor.id, program_id=program_id))
    key = create_api_key(session, sponsor, "initial key")
    if keys is not None:
        keys.create(session, sponsor)
    return sponsor, key


def create_api_key(session: Session, sponsor: Sponsor, name: str) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(sponsor_id=sponsor.id, name=name, key_hash=hash_key(key))
    session.add(row)
    session.flush()
    audit.record(session, sponsor.id, "api_key.created", f"api_key:{row.id}", name=name)
    return key


def revoke_api_key(session: Session, sponsor: Sponsor, key_id: int) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None or row.sponsor_id != sponsor.id:
        raise SponsorError(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(timezone.utc)
        audit.record(session, sponsor.id, "api_key.revoked", f"api_key:{row.id}", name=row.name)
    return row


def sponsor_for_key(session: Session, key: str) -> Sponsor | None:
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))).first()
    return session.get(Sponsor, row.sponsor_id) if row else None


def find_sponsor(session: Session, name_or_slug: str) -> Sponsor | None:
    return session.scalars(select(Sponsor).where(
        (Sponsor.name == name_or_slug) | (Sponsor.slug == name_or_slug))).first()


def sponsor_programs(session: Session, sponsor: Sponsor) -> list[str]:
    return sorted(session.scalars(select(SponsorProgram.program_id).where(SponsorProgram.sponsor_id == sponsor.id)))


def issuer_profile(sponsor: Sponsor, did: str, base_url: str) -> IssuerProfile:
    """How a sponsor is named as a credential's issuer: the DID it signs as, its name, and its
    public page on this service (where its did:web document and keys are listed)."""
    return IssuerProfile(id=did, name=sponsor.name, url=f"{base_url}/sponsors/{sponsor.slug}")
