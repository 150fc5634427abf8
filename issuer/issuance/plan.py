"""What to issue, decided before anything is built: one typed plan per credential.

A plan names the achievement (as the rules describe it, with the evidence that earned it),
the apprentice it goes to, the sponsor that issues it, the program version it belongs to and
where it came from: the rules (earned from the ledger, so a correction can take it away) or a
sponsor's attestation (a cohort batch). Every credential the pipeline issues gets a slot in its
issuer's revocation list and a Data Integrity proof; other formats (VC-JWT renderings, wallet
copies) are made later from the stored credential (`issuer.issuance.signing`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from issuer.credentials.openbadge import IssuerProfile, Recipient
from issuer.issuance.content import Award
from issuer.rules import AchievementStatus

RULES, ATTESTATION = "rules", "attestation"


@dataclass(frozen=True)
class Plan:
    achievement: AchievementStatus
    apprentice_id: str
    recipient: Recipient
    sponsor_id: int
    issuer: IssuerProfile
    program_version_id: int
    program: dict                   # the program version's document
    frameworks: list[dict]
    origin: str = RULES
    # Our row id; the credential's own `id` is its urn:uuid.
    credential_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # What every credential of this achievement shares (built once for a batch), if the caller keeps it.
    prepared: Award | None = None
