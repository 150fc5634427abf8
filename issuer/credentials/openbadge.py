"""Build an Open Badges 3.0 `OpenBadgeCredential` (VCDM 2.0) from plain data.

The builder only assembles JSON: what to award and to whom is decided by the rules, and the
proof is added by `issuer.proofs`. Every credential it returns validates against the official
OB 3.0 AchievementCredential schema and expands cleanly in JSON-LD safe mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from issuer.credentials.identity import email_identity_object
from issuer.credentials.schema import OB_ACHIEVEMENT_CREDENTIAL, SCHEMA_VALIDATOR_TYPE, schema_errors
from issuer.errors import CredentialError
from issuer.vocab import OB_EXTENSIONS, OB_V3, VC_V2

# The 1EdTech schema validator type is defined only by the extensions context, so it joins
# the two required contexts (schema: VC v2 first, OB 3.0 second, anything after).
CONTEXT = [VC_V2, OB_V3, OB_EXTENSIONS]


@dataclass(frozen=True)
class IssuerProfile:
    """The credential's issuer (OB 3.0 Profile): the DID it signs as and how people know it; an
    empty optional member is left out."""
    id: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None

    def to_json(self) -> dict:
        profile = {"id": self.id, "type": ["Profile"], "name": self.name}
        for key in ("url", "email", "description"):
            if getattr(self, key):
                profile[key] = getattr(self, key)
        return profile


@dataclass(frozen=True)
class Alignment:
    """An achievement's alignment to an occupation code, a program item or a framework statement
    (OB 3.0 Alignment); members that are None are left out."""
    target_name: str
    target_url: str
    target_code: str | None = None
    target_framework: str | None = None
    target_type: str | None = None
    target_description: str | None = None

    def to_json(self) -> dict:
        out = {"type": ["Alignment"], "targetName": self.target_name, "targetUrl": self.target_url}
        for key, attr in (("targetDescription", "target_description"), ("targetCode", "target_code"),
                          ("targetFramework", "target_framework"), ("targetType", "target_type")):
            if getattr(self, attr) is not None:
                out[key] = getattr(self, attr)
        return out


@dataclass(frozen=True)
class Recipient:
    """Who receives the credential: a DID (`id`), an email (hashed with a salt), or both."""
    id: str | None = None
    email: str | None = None
    salt: str | None = None
    name: str | None = None

    def to_json(self) -> dict:
        if not self.id and not self.email:
            raise CredentialError("a recipient needs a DID or an email address")
        subject: dict = {}
        if self.id:
            subject["id"] = self.id
        subject["type"] = ["AchievementSubject"]
        if self.email:
            subject["identifier"] = [email_identity_object(self.email, self.salt)]
        return subject


@dataclass(frozen=True)
class Achievement:
    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str | None = None
    alignments: tuple[Alignment, ...] = ()
    result_descriptions: tuple[dict, ...] = ()
    tags: tuple[str, ...] = ()
    human_code: str | None = None
    field_of_study: str | None = None
    creator: IssuerProfile | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        out = {
            "id": self.id,
            "type": ["Achievement"],
            "name": self.name,
            "description": self.description,
            "criteria": {"narrative": self.criteria},
        }
        if self.achievement_type:
            out["achievementType"] = self.achievement_type
        if self.creator:
            out["creator"] = self.creator.to_json()
        if self.human_code:
            out["humanCode"] = self.human_code
        if self.field_of_study:
            out["fieldOfStudy"] = self.field_of_study
        if self.tags:
            out["tag"] = list(self.tags)
        if self.alignments:
            out["alignment"] = [a.to_json() for a in self.alignments]
        if self.result_descriptions:
            out["resultDescription"] = [dict(r) for r in self.result_descriptions]
        out.update(self.extra)
        return out


@dataclass(frozen=True)
class Evidence:
    """An OB 3.0 Evidence object: what backs the achievement, in words (no evidence URL: the
    ledger it summarises is the sponsor's and not public)."""
    name: str
    narrative: str
    description: str

    def to_json(self) -> dict:
        return {"type": ["Evidence"], "name": self.name, "narrative": self.narrative, "description": self.description}


def xsd_datetime(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_credential(
    *,
    issuer: IssuerProfile,
    recipient: Recipient,
    achievement: Achievement,
    valid_from: datetime | str,
    valid_until: datetime | str | None = None,
    credential_id: str | None = None,
    name: str | None = None,
    description: str | None = None,
    results: list[dict] | None = None,
    evidence: Sequence[Evidence] = (),
    credential_status: list[dict] | dict | None = None,
    validate: bool = True,
) -> dict:
    """An unsigned OpenBadgeCredential; raises CredentialError if it would not meet the schema."""
    subject = recipient.to_json()
    subject["achievement"] = achievement.to_json()
    if recipient.name:
        subject["name"] = recipient.name
    if results:
        subject["result"] = [dict(r) for r in results]
    credential: dict = {
        "@context": list(CONTEXT),
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name or achievement.name,
    }
    if description:
        credential["description"] = description
    credential["issuer"] = issuer.to_json()
    credential["validFrom"] = xsd_datetime(valid_from)
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    credential["credentialSubject"] = subject
    if credential_status:
        credential["credentialStatus"] = credential_status
    if evidence:
        credential["evidence"] = [e.to_json() for e in evidence]
    credential["credentialSchema"] = [{"id": OB_ACHIEVEMENT_CREDENTIAL, "type": SCHEMA_VALIDATOR_TYPE}]
    if validate:
        errors = schema_errors(credential, OB_ACHIEVEMENT_CREDENTIAL)
        if errors:
            raise CredentialError("the credential does not meet the OB 3.0 schema: " + "; ".join(errors))
    return credential
