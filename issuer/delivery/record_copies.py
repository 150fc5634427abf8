"""The apprenticeship record (CLR 2.0), re-issued to the holder who proved control of a key.

A wallet's copy of the record is bound to the holder in full: the record's subject is the
holder's DID, and so is the subject of every credential it holds, each re-signed as the wallet
copies of single credentials are (issuer.delivery.copies: same `id`, dates, recipient identifier
and status entry). An employer who later receives the record, or any credential taken out of it,
can then check that the person presenting it holds the key it was issued to. The record itself
keeps the version's `id` and `validFrom` (and its recipient identifier's salt), so it is that
version, bound.

Cost: a record holds up to issuer.credentials.clr.MAX_CREDENTIALS credentials, each signed again
(on the signing pool from signing.INLINE_BELOW up), then the record: about a second or two of CPU.
Each offer or exchange delivers once, and the apprentice's page limits how often one apprentice
makes them (issuer.api.record_wallet).

Signing only reads (the sponsor's key, the record's inputs), so it runs in a read-only
transaction (issuer.db.reading): on SQLite it holds no write lock during that second. The copies
handed out are written afterwards (`record_deliveries`), by the caller, with its single-use step.
Finding the current version comes first, in a short transaction of its own: it may issue one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from issuer import db
from issuer.db import session_scope
from issuer.delivery import copies
from issuer.delivery.models import Delivery
from issuer.errors import CredentialError, LerError
from issuer.issuance import records, signing
from issuer.issuance.models import IssuedCredential, RecordVersion


class RecordWithheld(LerError):
    """The record cannot be handed out now: the message says why, in words for the apprentice."""


@dataclass(frozen=True)
class RecordCopy:
    """A signed, holder-bound copy of one record version, and the stored credentials it holds."""
    document: dict
    record_version_id: str
    credential_ids: tuple[str, ...]
    holder: str


def current_version(session, ctx, record_version_id: str) -> RecordVersion | None:
    """The current version of the record that `record_version_id` is a version of: a wallet takes
    the record as it stands when it takes it (a credential earned since the offer is in it).
    It may issue that version now (issuer.issuance.records.current), so: a writing session."""
    offered = session.get(RecordVersion, record_version_id)
    return records.current(session, ctx, offered.enrollment_id) if offered is not None else None


def newest_version(session, record_version_id: str) -> RecordVersion | None:
    """The newest version stored of the record `record_version_id` is a version of, read only
    (a revocation issues the next version at once, so it holds no revoked credential)."""
    offered = session.get(RecordVersion, record_version_id)
    return records.newest(session, offered.enrollment_id) if offered is not None else None


def withheld(session, version: RecordVersion) -> str | None:
    """Why the record must not be handed out now, or None. The current version holds no revoked
    credential (records leaves them out); a suspended one is in it, and is not to be re-issued
    to a wallet while suspended, as a single copy would not be."""
    for credential_id in version.credential_ids:
        row = session.get(IssuedCredential, credential_id)
        reason = copies.withheld(session, row)
        if reason:
            return f"{reason} ({row.document.get('name') or row.achievement_key}), and the record holds it"
    return None


def sign_record_copy(sessions, services, record_version_id: str, holder: str) -> RecordCopy:
    """The current version of the record, bound to `holder` and signed (see the module's
    docstring); raises RecordWithheld when it must not be handed out."""
    try:
        with session_scope(sessions) as session:
            version = current_version(session, services.issuance, record_version_id)
            if version is None:
                raise RecordWithheld("this record no longer holds any credential")
            version_id = version.id
    except CredentialError as exc:   # the record builder refuses (more than clr.MAX_CREDENTIALS, say)
        raise RecordWithheld(f"the record cannot be made: {exc}") from None
    with db.reading(), session_scope(sessions) as session:
        version = session.get(RecordVersion, version_id)
        reason = withheld(session, version)
        if reason:
            raise RecordWithheld(reason)
        document = holder_bound(session, services, records.inputs_of(session, services.issuance, version), holder,
                                record_id=version.id, valid_from=version.document["validFrom"])
        return RecordCopy(document, version.id, tuple(version.credential_ids), holder)


def holder_bound(session, services, inputs: records.ClrInputs, holder: str, *, record_id: str,
                 valid_from: str) -> dict:
    """The record built from `inputs`, its subject and every credential in it bound to `holder`
    and re-signed (on the signing pool from signing.INLINE_BELOW credentials up), then signed."""
    bound = signing.with_proofs(session, services.issuance,
                                [copies.bound_document(e.document, holder) for e in inputs.earned])
    for_holder = replace(inputs, recipient=replace(inputs.recipient, id=holder),
                         earned=tuple(replace(e, document=d) for e, d in zip(inputs.earned, bound)))
    unsigned = for_holder.build(record_id=record_id, valid_from=valid_from)
    return signing.with_proof(session, services.keys, unsigned, loader=services.loader)


def record_deliveries(session, copy: RecordCopy, channel: str, notification_hash: str | None = None) -> None:
    """The audit trail of a record handed out: one row for the record (the one the wallet's
    notifications speak of), one for each credential bound inside it."""
    session.add(Delivery(record_version_id=copy.record_version_id, holder=copy.holder, format=copies.LDP_VC,
                         channel=channel, notification_hash=notification_hash))
    session.add_all(Delivery(credential_id=credential_id, record_version_id=copy.record_version_id,
                             holder=copy.holder, format=copies.LDP_VC, channel=channel)
                    for credential_id in copy.credential_ids)
