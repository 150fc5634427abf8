"""plan → build → sign → store: the one way a credential is issued.

`issue` takes plans (`issuer.issuance.plan`) of one issuer and, in the caller's transaction,
takes their status slots under one lock of the issuer's list, builds each OB 3.0 document
(`issuer.issuance.content`), signs them (`issuer.issuance.signing`: inline for a few, in the
process pool for many, as when a rebuild earns an apprentice dozens at once) and stores each
in its own savepoint (`issuer.issuance.store`). The cohort batch runner runs the same steps
pipelined over chunks (build and sign the next while the last commits): `build` and
`issuer.issuance.store.store_all` are its steps.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from issuer.issuance import content, signing, store
from issuer.issuance.models import IssuedCredential
from issuer.issuance.plan import Plan
from issuer.status import allocation


def build(plan: Plan, base_url: str, slot: tuple[int, int], valid_from: datetime, *, validate: bool = True) -> dict:
    """The unsigned credential of `plan` in status slot `slot` (see `content.build` on `validate`)."""
    return content.build(status=plan.achievement, program=plan.program, frameworks=plan.frameworks,
                         urls=content.Urls(base_url), issuer=plan.issuer, recipient=plan.recipient,
                         credential_id=f"urn:uuid:{plan.credential_id}", valid_from=valid_from,
                         credential_status=allocation.status_entry(base_url, *slot), prepared=plan.prepared,
                         validate=validate)


def issue(session: Session, ctx, plans: list[Plan]) -> list[IssuedCredential]:
    """The credentials of `plans` (one issuer's) stored now; a plan whose key someone else
    stored first (a concurrent issuer) is left out."""
    if not plans:
        return []
    slots = allocation.allocate_range(session, len(plans), plans[0].issuer.id)
    now = datetime.now(timezone.utc)
    documents = signing.with_proofs(session, ctx, [build(p, ctx.base_url, s, now) for p, s in zip(plans, slots)])
    stored = (store.store(session, p, s, d) for p, s, d in zip(plans, slots, documents))
    return [row for row in stored if row is not None]
