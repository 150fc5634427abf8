"""Issue what the rules say is earned and not yet issued; flag what is no longer earned.

Exactly once: the insert of each credential runs in a savepoint against the unique key
(apprentice, program version, achievement). A concurrent issuer that lost the race gets an
IntegrityError, rolls back only its savepoint (its status slot included) and moves on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.credentials.openbadge import Recipient
from issuer.issuance import content
from issuer.issuance.models import IssuedCredential
from issuer import audit
from issuer.programs.models import ProgramVersion
from issuer.progress import state as states
from issuer.progress.models import Apprentice, Enrollment
from issuer.rules import Progress
from issuer.sponsors.keys import SponsorKeys
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import issuer_profile
from issuer.status import allocation as status


@dataclass
class IssuanceContext:
    identity: object          # issuer.proofs.identity.IssuerIdentity
    base_url: str
    loader: object
    keys: SponsorKeys | None = None     # each sponsor's own keys; default: beside `identity`

    def __post_init__(self):
        if self.keys is None:
            self.keys = SponsorKeys(self.identity)


@dataclass
class IssuanceOutcome:
    issued: list[IssuedCredential] = field(default_factory=list)
    flagged: list[IssuedCredential] = field(default_factory=list)
    held: set[str] = field(default_factory=set)


def progress_of(session: Session, enrollment: Enrollment):
    """(program version, framework documents, progress) of an enrolment, from its running state."""
    found, progress = states.current(session, enrollment)
    return session.get(ProgramVersion, found.version_id), found.frameworks, progress


def issue_earned(session: Session, ctx: IssuanceContext, enrollment: Enrollment, program: ProgramVersion,
                 frameworks: list[dict], progress: Progress) -> IssuanceOutcome:
    """Issue what `progress` says is earned and not yet held; flag held rules credentials it no
    longer earns. `held` of the outcome: every achievement with a credential afterwards."""
    apprentice = session.get(Apprentice, enrollment.apprentice_id)
    sponsor = session.get(Sponsor, apprentice.sponsor_id)
    existing = {c.achievement_key: c for c in session.scalars(select(IssuedCredential).where(
        IssuedCredential.apprentice_id == apprentice.id, IssuedCredential.program_version_id == program.id))}
    outcome = IssuanceOutcome()
    for achievement in progress.achievements:
        held = existing.get(achievement.key)
        if achievement.earned and held is None:
            credential = _issue_one(session, ctx, achievement, program, frameworks, apprentice, sponsor)
            if credential is not None:
                outcome.issued.append(credential)
        elif (not achievement.earned and held is not None and held.origin == "rules"
              and not held.flagged_for_revocation):
            # A correction took the achievement away. The credential stays (it was true when
            # signed); the sponsor decides whether to revoke it.
            held.flagged_for_revocation = True
            held.flag_reason = "no longer earned after a ledger correction: " + "; ".join(achievement.missing[:5])
            outcome.flagged.append(held)
    outcome.held = set(existing) | {c.achievement_key for c in outcome.issued}
    for credential in outcome.issued:
        audit.record(session, sponsor.id, "credential.issued", f"credential:{credential.id}",
                     apprentice=apprentice.id, achievement=credential.achievement_key)
    for credential in outcome.flagged:
        audit.record(session, sponsor.id, "credential.flagged", f"credential:{credential.id}",
                     apprentice=apprentice.id, achievement=credential.achievement_key, reason=credential.flag_reason)
    session.flush()
    return outcome


def _issue_one(session, ctx, achievement, program, frameworks, apprentice, sponsor) -> IssuedCredential | None:
    credential_uuid = str(uuid.uuid4())
    issuer_did = ctx.identity.sponsor_did(sponsor.slug)
    savepoint = session.begin_nested()
    try:
        list_id, index = status.allocate(session, issuer_did)
        document = content.build(
            status=achievement, program=program.document, frameworks=frameworks, urls=content.Urls(ctx.base_url),
            issuer=issuer_profile(sponsor, issuer_did, ctx.base_url),
            recipient=Recipient(id=apprentice.did, email=apprentice.email, name=apprentice.name),
            credential_id=f"urn:uuid:{credential_uuid}", valid_from=datetime.now(timezone.utc),
            credential_status=status.status_entry(ctx.base_url, list_id, index),
        )
        signed = ctx.keys.sign(session, document, loader=ctx.loader)
        row = IssuedCredential(id=credential_uuid, sponsor_id=sponsor.id, apprentice_id=apprentice.id,
                               program_version_id=program.id, achievement_key=achievement.key, document=signed,
                               status_list_id=list_id, status_index=index)
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return None
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return row
