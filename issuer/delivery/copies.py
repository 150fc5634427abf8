"""A stored credential, re-issued to the holder who proved control of a key.

The copy is the stored credential with `credentialSubject.id` set to the holder's DID and a fresh
signature: same `id`, achievement, dates, recipient identifier and status entry, so revoking the
stored credential revokes every copy, and the public page `/credentials/<id>` describes them all.
Each copy handed out is recorded (holder, format, channel) against the stored credential.
"""

from __future__ import annotations

from issuer.delivery.models import Delivery
from issuer.issuance import signing, slots as credential_slots
from issuer.issuance.models import IssuedCredential
from issuer.status import services as status_services

LDP_VC = "ldp_vc"
JWT_VC_JSON = "jwt_vc_json"


def bound_document(stored: dict, holder: str) -> dict:
    """The unsigned credential with its subject bound to `holder` (member order kept, id first)."""
    unsecured = {k: v for k, v in stored.items() if k != "proof"}
    subject = unsecured["credentialSubject"]
    unsecured["credentialSubject"] = {"id": holder, **{k: v for k, v in subject.items() if k != "id"}}
    return unsecured


REASONS = {"revoked": "the sponsor has revoked this credential",
           "suspended": "the sponsor has suspended this credential"}


def standing(session, row: IssuedCredential) -> str | None:
    """"revoked", "suspended", or None for a credential in force (as its status entries say now)."""
    suspended = False
    for slot in credential_slots.find_slots(session, None, row.id):
        revoked, held = status_services.current(session, slot)
        if revoked:
            return "revoked"
        suspended = suspended or held
    return "suspended" if suspended else None


def withheld(session, row: IssuedCredential) -> str | None:
    """Why a copy must not be handed out now (revoked or suspended), or None."""
    state = standing(session, row)
    return REASONS[state] if state else None


def issue_copy(session, services, row: IssuedCredential, holder: str, fmt: str, channel: str,
               notification_hash: str | None = None) -> dict | str:
    """The signed copy for `holder`: a JSON-LD document (ldp_vc) or a compact VC-JWT (jwt_vc_json).
    `notification_hash` names the copy in the wallet's later OpenID4VCI notifications."""
    unsecured = bound_document(row.document, holder)
    if fmt == LDP_VC:
        copy = signing.with_proof(session, services.keys, unsecured, loader=services.loader)
    elif fmt == JWT_VC_JSON:
        copy = signing.as_vc_jwt(session, services.keys, unsecured)
    else:
        raise ValueError(f"unknown credential format {fmt!r}")
    session.add(Delivery(credential_id=row.id, holder=holder, format=fmt, channel=channel,
                         notification_hash=notification_hash))
    return copy
