"""Legacy credentials re-issued with a one-bit revocation entry (`ler status reissue-legacy`).

Credentials issued before revision 0011 carry the two-bit `message` status entry, which many
verifiers do not read. Re-signing one with a revocation entry for the same slot is issuance
(a new proof on a stored credential), so it lives here; the status domain only says where the
slot stands.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer import audit
from issuer.issuance import signing
from issuer.issuance.models import IssuedCredential
from issuer.status import lists, services as status
from issuer.status.lists import MESSAGE
from issuer.status.models import StatusList


def legacy_credentials(session: Session, sponsor_id: int | None = None) -> list[IssuedCredential]:
    """Stored credentials whose status entry is the two-bit `message` one (issued before 0011)."""
    query = select(IssuedCredential).join(StatusList, StatusList.id == IssuedCredential.status_list_id).where(
        StatusList.legacy_message.is_(True))
    if sponsor_id is not None:
        query = query.where(IssuedCredential.sponsor_id == sponsor_id)
    return [row for row in session.scalars(query.order_by(IssuedCredential.issued_at))
            if MESSAGE in lists.purposes_of(row.document)]


def reissue_with_revocation(session: Session, ctx, row: IssuedCredential) -> dict:
    """The stored credential re-signed with a one-bit `revocation` entry for the same slot, so
    every verifier reads it right; same id, content and slot, so its history carries over. A
    suspended credential is refused: the new entry could not show the suspension."""
    if MESSAGE not in lists.purposes_of(row.document):
        raise status.StatusError("the credential already carries a revocation entry")
    slot = status.Slot(row.status_list_id, row.status_index, row.sponsor_id, None)
    revoked, suspended = status.current(session, slot)
    if suspended and not revoked:
        raise status.StatusError("the credential is suspended, which a revocation entry cannot show: reinstate or "
                                 "revoke it first")
    unsigned = {k: v for k, v in row.document.items() if k != "proof"}
    unsigned["credentialStatus"] = lists.status_entry(ctx.base_url, row.status_list_id, row.status_index)
    row.document = signing.with_proof(session, ctx.keys, unsigned, loader=ctx.loader)
    audit.record(session, row.sponsor_id, "credential.reissue", f"credential:{row.document.get('id')}",
                 reason="status entry: message -> revocation")
    session.flush()
    return row.document
