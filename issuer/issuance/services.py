"""Issue what the rules say is earned and not yet issued; flag what is no longer earned.

Exactly once: each credential is stored in a savepoint against the unique key (apprentice,
program version, achievement), `issuer.issuance.store`. A concurrent issuer that lost the race
rolls back only its savepoint and moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.credentials.openbadge import Recipient
from issuer.issuance import pipeline, records, signing
from issuer.issuance.models import IssuedCredential
from issuer.issuance.plan import Plan
from issuer.issuance.signing import Signer
from issuer import audit
from issuer.programs.models import ProgramVersion
from issuer.progress.models import Apprentice, Enrollment
from issuer.rules import Progress
from issuer.sponsors.keys import SponsorKeys
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import issuer_profile


@dataclass
class IssuanceContext:
    identity: object          # issuer.proofs.identity.IssuerIdentity
    base_url: str
    loader: object
    keys: SponsorKeys | None = None     # each sponsor's own keys; default: beside `identity`
    signer: Signer | None = None        # the process pool for many credentials at once; None: inline

    def __post_init__(self):
        if self.keys is None:
            self.keys = SponsorKeys(self.identity)

    def with_proof(self, session: Session, document: dict, *, retired_did_key: bool = False) -> dict:
        """`document` signed by its issuer (`issuer.issuance.signing`), for a domain that may not
        import issuance (the status lists)."""
        return signing.with_proof(session, self.keys, document, loader=self.loader, retired_did_key=retired_did_key)

    def revoked(self, session: Session, credential_names: list[str]) -> None:
        """After a revocation (the status domain calls this through the context it is handed, as
        it may not import issuance): each apprenticeship record that held the credential gets a
        new version without it, in the same transaction, so the current record never holds a
        revoked credential."""
        records.refresh(session, self, records.enrollments_holding(session, credential_names))


@dataclass
class IssuanceOutcome:
    issued: list[IssuedCredential] = field(default_factory=list)
    flagged: list[IssuedCredential] = field(default_factory=list)
    held: set[str] = field(default_factory=set)


def held_keys(session: Session, apprentice_id: str, program_version_id: int) -> set[str]:
    """The achievements of one program version the apprentice holds a credential for."""
    return set(session.scalars(select(IssuedCredential.achievement_key).where(
        IssuedCredential.apprentice_id == apprentice_id, IssuedCredential.program_version_id == program_version_id)))


def issue_earned(session: Session, ctx: IssuanceContext, enrollment: Enrollment, program: ProgramVersion,
                 frameworks: list[dict], progress: Progress) -> IssuanceOutcome:
    """Issue what `progress` says is earned and not yet held; flag held rules credentials it no
    longer earns. `held` of the outcome: every achievement with a credential afterwards."""
    apprentice = session.get(Apprentice, enrollment.apprentice_id)
    sponsor = session.get(Sponsor, apprentice.sponsor_id)
    existing = {c.achievement_key: c for c in session.scalars(select(IssuedCredential).where(
        IssuedCredential.apprentice_id == apprentice.id, IssuedCredential.program_version_id == program.id))}
    outcome = IssuanceOutcome()
    due = []
    for achievement in progress.achievements:
        held = existing.get(achievement.key)
        if achievement.earned and held is None:
            due.append(achievement)
        elif (not achievement.earned and held is not None and held.origin == "rules"
              and not held.flagged_for_revocation):
            # A correction took the achievement away. The credential stays (it was true when
            # signed); the sponsor decides whether to revoke it.
            held.flagged_for_revocation = True
            held.flag_reason = "no longer earned after a ledger correction: " + "; ".join(achievement.missing[:5])
            outcome.flagged.append(held)
    if due:
        issuer = issuer_profile(sponsor, ctx.identity.sponsor_did(sponsor.slug), ctx.base_url)
        recipient = Recipient(id=apprentice.did, email=apprentice.email, name=apprentice.name)
        outcome.issued = pipeline.issue(session, ctx, [
            Plan(achievement=a, apprentice_id=apprentice.id, recipient=recipient, sponsor_id=sponsor.id,
                 issuer=issuer, program_version_id=program.id, program=program.document, frameworks=frameworks)
            for a in due])
    outcome.held = set(existing) | {c.achievement_key for c in outcome.issued}
    for credential in outcome.issued:
        audit.record(session, sponsor.id, "credential.issued", f"credential:{credential.id}",
                     apprentice=apprentice.id, achievement=credential.achievement_key)
    for credential in outcome.flagged:
        audit.record(session, sponsor.id, "credential.flagged", f"credential:{credential.id}",
                     apprentice=apprentice.id, achievement=credential.achievement_key, reason=credential.flag_reason)
    session.flush()
    return outcome
