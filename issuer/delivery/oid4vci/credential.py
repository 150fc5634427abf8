"""The credential endpoint (one copy of the stored credential, or of the apprentice's record,
bound to the key proof's holder) and the notification endpoint (what the wallet says became of
it, section 11).

An access token is good for the configurations of its offer: a credential's (OpenBadgeCredential)
or a record's (ClrCredential). A request for a configuration we have but the token is not for
is an invalid_credential_request (draft 13: unsupported_credential_type)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update

from issuer.db import session_scope
from issuer.credentials import clr
from issuer.delivery import copies, record_copies
from issuer.delivery.models import AccessToken, Delivery, Nonce, Offer
from issuer.issuance.models import IssuedCredential, RecordVersion
from issuer import audit
from issuer.delivery.oid4vci.common import CONFIGURATIONS, CREDENTIAL_TYPES, OAuthError, RECORD_CONFIGURATIONS, \
    ascii_description, digest, now_utc
from issuer.delivery.oid4vci.key_proofs import check_proof
from issuer.delivery.oid4vci.offers import configurations_of
from issuer.delivery.oid4vci.tokens import nonce_members

KNOWN = {**CONFIGURATIONS, **RECORD_CONFIGURATIONS}


def _bearer(authorization: str | None, sessions, now: datetime) -> Offer:
    scheme, _, token = (authorization or "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError("invalid_token", "send the access token as Authorization: Bearer", 401, challenge)
    with session_scope(sessions) as session:
        offer = session.scalars(select(Offer).join(AccessToken, AccessToken.offer_id == Offer.id).where(
            AccessToken.token_hash == digest(token.strip()), AccessToken.expires_at > now)).first()
        if offer is None:
            raise OAuthError("invalid_token", "the access token is unknown or has expired", 401, challenge)
        session.expunge(offer)
    return offer


def issue(sessions, services, authorization: str | None, body, now: datetime | None = None) -> dict:
    """The credential response for a credential request carrying one `jwt` key proof."""
    now = now or now_utc()
    offer = _bearer(authorization, sessions, now)
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "the credential request must be a JSON object")
    configuration, draft13 = _configuration(body, configurations_of(offer))
    draft13 = draft13 or "proof" in body
    notification_id = secrets.token_urlsafe(24)
    notification_hash = _notification_hash(offer.id, notification_id)
    try:
        proof = check_proof(_jwt_proof(body), audience=services.config.base_url, now=now)
        with session_scope(sessions) as session:
            fresh = session.execute(update(Nonce).where(Nonce.nonce_hash == digest(proof.nonce),
                                                        Nonce.used_at.is_(None), Nonce.expires_at > now)
                                    .values(used_at=now)).rowcount
            if not fresh:
                raise OAuthError("invalid_nonce", "the c_nonce is unknown, used or expired: get a new one from the "
                                                  "nonce endpoint")
            if offer.credential_id is not None:
                row = session.get(IssuedCredential, offer.credential_id)
                reason = copies.withheld(session, row)
                if reason:
                    raise OAuthError("credential_request_denied", reason)
                credential = copies.issue_copy(session, services, row, proof.holder, KNOWN[configuration],
                                               "oid4vci", notification_hash)
            elif not session.execute(update(Offer).where(Offer.id == offer.id, Offer.delivered_at.is_(None))
                                     .values(delivered_at=now)).rowcount:
                raise OAuthError("credential_request_denied", "the record of this offer was issued already: "
                                                              "make a new offer on your page")
        if offer.record_version_id is not None:
            credential = _record(sessions, services, offer, proof.holder, notification_hash)
    except OAuthError as exc:
        if draft13 and exc.error in ("invalid_proof", "invalid_nonce"):
            # Draft 13 had no nonce endpoint: its wallets retry with the c_nonce of the error.
            exc.extra.update(nonce_members(sessions, now))
        raise
    response = {"credentials": [{"credential": credential}], "notification_id": notification_id}
    if draft13:
        response.update(credential=credential, **nonce_members(sessions, now))
    return response


def _record(sessions, services, offer: Offer, holder: str, notification_hash: str) -> dict:
    """The holder-bound record (issuer.delivery.record_copies), signed outside any write
    transaction, once per offer: the nonce and the offer are spent already (a failed request
    spends them too: the apprentice makes a new offer)."""
    try:
        copy = record_copies.sign_record_copy(sessions, services, offer.record_version_id, holder)
    except record_copies.RecordWithheld as exc:
        raise OAuthError("credential_request_denied", ascii_description(exc)) from None
    with session_scope(sessions) as session:
        record_copies.record_deliveries(session, copy, "oid4vci", notification_hash)
    return copy.document


# -- notification endpoint (section 11) ---------------------------------------------------

WALLET_EVENTS = ("credential_accepted", "credential_failure", "credential_deleted")
MAX_EVENT_DESCRIPTION = 1000


def _notification_hash(offer_id: int, notification_id: str) -> str:
    # Bound to the offer (and so to its access tokens): another flow's token cannot speak for it.
    return digest(f"{offer_id}:{notification_id}")


def notify(sessions, authorization: str | None, body, now: datetime | None = None) -> None:
    """Record what the wallet says became of a copy it received with this access token."""
    now = now or now_utc()
    offer_id = _bearer(authorization, sessions, now).id
    if not isinstance(body, dict) or not isinstance(body.get("notification_id"), str) \
            or body.get("event") not in WALLET_EVENTS:
        raise OAuthError("invalid_notification_request", "send notification_id and an event: "
                                                         + ", ".join(WALLET_EVENTS))
    description = body.get("event_description")
    if description is not None and (not isinstance(description, str) or len(description) > MAX_EVENT_DESCRIPTION
                                    or ascii_description(description) != description):
        raise OAuthError("invalid_notification_request", "event_description must be printable ASCII text")
    with session_scope(sessions) as session:
        copy = session.scalars(select(Delivery).where(
            Delivery.notification_hash == _notification_hash(offer_id, body["notification_id"]))).first()
        if copy is None:
            raise OAuthError("invalid_notification_id", "no credential was issued with this notification_id "
                                                        "for this access token")
        copy.wallet_event, copy.wallet_event_at = body["event"], now
        if copy.credential_id is not None:
            sponsor_id, target = session.get(IssuedCredential, copy.credential_id).sponsor_id, \
                f"credential:{copy.credential_id}"
        else:
            sponsor_id, target = session.get(RecordVersion, copy.record_version_id).sponsor_id, \
                f"record:{copy.record_version_id}"
        audit.record(session, sponsor_id, f"credential.wallet.{body['event']}", target, holder=copy.holder,
                     description=description)


def _configuration(body: dict, allowed: tuple[str, ...]) -> tuple[str, bool]:
    """The credential configuration asked for (one of `allowed`, the access token's), and whether
    it was asked the draft 13 way."""
    if "credential_identifier" in body:
        raise OAuthError("invalid_credential_request", "no credential identifiers were issued: use "
                                                       "credential_configuration_id")
    configuration = body.get("credential_configuration_id")
    if configuration is None and "format" in body:
        return _by_format(body, allowed), True
    if not isinstance(configuration, str):
        raise OAuthError("invalid_credential_request", "credential_configuration_id is required")
    if configuration not in KNOWN:
        raise OAuthError("unknown_credential_configuration", f"unknown credential configuration {configuration}")
    if configuration not in allowed:
        raise OAuthError("invalid_credential_request", f"this access token is for {' or '.join(allowed)}, "
                                                       f"not {configuration}")
    return configuration, False


# Draft 13 names what it asks for by format and types: ours, and the types each may be asked by.
DRAFT13_TYPES = {**{name: {*CREDENTIAL_TYPES, "AchievementCredential"} for name in CONFIGURATIONS},
                 **{name: set(clr.TYPE) for name in RECORD_CONFIGURATIONS}}


def _by_format(body: dict, allowed: tuple[str, ...]) -> str:
    """Draft 13: the configuration named by `format` and `credential_definition.type`, among
    those the access token is for (no types: the token's configuration in that format)."""
    fmt, definition = body["format"], body.get("credential_definition")
    types = definition.get("type") if isinstance(definition, dict) else None
    ours = [name for name in KNOWN if KNOWN[name] == fmt and (types is None or (
        isinstance(types, list) and all(isinstance(t, str) for t in types) and set(types) <= DRAFT13_TYPES[name]))]
    if not isinstance(fmt, str) or not ours:
        raise OAuthError("unsupported_credential_format", "we issue OpenBadgeCredential as ldp_vc or jwt_vc_json, "
                                                          "and ClrCredential as ldp_vc")
    for name in ours:
        if name in allowed:
            return name
    raise OAuthError("unsupported_credential_type", f"this access token is not for {' or '.join(types or [fmt])}: "
                                                    f"it is for {' or '.join(allowed)}")


def _jwt_proof(body: dict) -> str:
    """The one `jwt` key proof of the request, in `proofs` or as draft 13's single `proof`."""
    if "proof" in body and "proofs" in body:
        raise OAuthError("invalid_credential_request", "send proofs (or draft 13's proof), not both")
    if "proof" in body:
        proof = body["proof"]
        if not isinstance(proof, dict) or proof.get("proof_type") != "jwt" or not isinstance(proof.get("jwt"), str):
            raise OAuthError("invalid_proof", "proof must be a jwt key proof: {proof_type: jwt, jwt: ...}")
        return proof["jwt"]
    proofs = body.get("proofs")
    if not isinstance(proofs, dict) or not proofs:
        raise OAuthError("invalid_proof", "proofs is required, with one jwt key proof")
    if list(proofs) != ["jwt"]:
        raise OAuthError("invalid_proof", "only the jwt proof type is supported")
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1:
        raise OAuthError("invalid_proof", "send exactly one jwt key proof (batch issuance is not supported)")
    return jwts[0]
