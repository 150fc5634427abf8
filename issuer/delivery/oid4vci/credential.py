"""The credential endpoint (one copy of the stored credential, bound to the key proof's holder)
and the notification endpoint (what the wallet says became of it, section 11)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update

from issuer.db import session_scope
from issuer.delivery import copies
from issuer.delivery.models import AccessToken, Delivery, Nonce, Offer
from issuer.issuance.models import IssuedCredential
from issuer import audit
from issuer.delivery.oid4vci.common import CONFIGURATIONS, CREDENTIAL_TYPES, OAuthError, ascii_description, digest, \
    now_utc
from issuer.delivery.oid4vci.key_proofs import check_proof
from issuer.delivery.oid4vci.tokens import nonce_members


def _bearer(authorization: str | None, sessions, now: datetime) -> int:
    scheme, _, token = (authorization or "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError("invalid_token", "send the access token as Authorization: Bearer", 401, challenge)
    with session_scope(sessions) as session:
        offer_id = session.scalar(select(AccessToken.offer_id).where(AccessToken.token_hash == digest(token.strip()),
                                                                     AccessToken.expires_at > now))
    if offer_id is None:
        raise OAuthError("invalid_token", "the access token is unknown or has expired", 401, challenge)
    return offer_id


def issue(sessions, services, authorization: str | None, body, now: datetime | None = None) -> dict:
    """The credential response for a credential request carrying one `jwt` key proof."""
    now = now or now_utc()
    offer_id = _bearer(authorization, sessions, now)
    if not isinstance(body, dict):
        raise OAuthError("invalid_credential_request", "the credential request must be a JSON object")
    configuration, draft13 = _configuration(body)
    draft13 = draft13 or "proof" in body
    try:
        proof = check_proof(_jwt_proof(body), audience=services.config.base_url, now=now)
        with session_scope(sessions) as session:
            fresh = session.execute(update(Nonce).where(Nonce.nonce_hash == digest(proof.nonce),
                                                        Nonce.used_at.is_(None), Nonce.expires_at > now)
                                    .values(used_at=now)).rowcount
            if not fresh:
                raise OAuthError("invalid_nonce", "the c_nonce is unknown, used or expired: get a new one from the "
                                                  "nonce endpoint")
            offer = session.get(Offer, offer_id)
            row = session.get(IssuedCredential, offer.credential_id)
            reason = copies.withheld(session, row)
            if reason:
                raise OAuthError("credential_request_denied", reason)
            notification_id = secrets.token_urlsafe(24)
            credential = copies.issue_copy(session, services, row, proof.holder, CONFIGURATIONS[configuration],
                                           "oid4vci", _notification_hash(offer_id, notification_id))
    except OAuthError as exc:
        if draft13 and exc.error in ("invalid_proof", "invalid_nonce"):
            # Draft 13 had no nonce endpoint: its wallets retry with the c_nonce of the error.
            exc.extra.update(nonce_members(sessions, now))
        raise
    response = {"credentials": [{"credential": credential}], "notification_id": notification_id}
    if draft13:
        response.update(credential=credential, **nonce_members(sessions, now))
    return response


# -- notification endpoint (section 11) ---------------------------------------------------

WALLET_EVENTS = ("credential_accepted", "credential_failure", "credential_deleted")
MAX_EVENT_DESCRIPTION = 1000


def _notification_hash(offer_id: int, notification_id: str) -> str:
    # Bound to the offer (and so to its access tokens): another flow's token cannot speak for it.
    return digest(f"{offer_id}:{notification_id}")


def notify(sessions, authorization: str | None, body, now: datetime | None = None) -> None:
    """Record what the wallet says became of a copy it received with this access token."""
    now = now or now_utc()
    offer_id = _bearer(authorization, sessions, now)
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
        row = session.get(IssuedCredential, copy.credential_id)
        audit.record(session, row.sponsor_id, f"credential.wallet.{body['event']}", f"credential:{row.id}",
                     holder=copy.holder, description=description)


def _configuration(body: dict) -> tuple[str, bool]:
    """The credential configuration asked for, and whether it was asked the draft 13 way."""
    if "credential_identifier" in body:
        raise OAuthError("invalid_credential_request", "no credential identifiers were issued: use "
                                                       "credential_configuration_id")
    configuration = body.get("credential_configuration_id")
    if configuration is None and "format" in body:
        return _by_format(body), True
    if not isinstance(configuration, str):
        raise OAuthError("invalid_credential_request", "credential_configuration_id is required")
    if configuration not in CONFIGURATIONS:
        raise OAuthError("unknown_credential_configuration", f"unknown credential configuration {configuration}")
    return configuration, False


def _by_format(body: dict) -> str:
    """Draft 13: the configuration named by `format` (and `credential_definition.type`)."""
    by_format = {fmt: name for name, fmt in CONFIGURATIONS.items()}
    fmt, definition = body["format"], body.get("credential_definition")
    types = definition.get("type", CREDENTIAL_TYPES) if isinstance(definition, dict) else CREDENTIAL_TYPES
    if not (isinstance(fmt, str) and fmt in by_format and isinstance(types, list)
            and all(isinstance(t, str) for t in types) and set(types) <= {*CREDENTIAL_TYPES, "AchievementCredential"}):
        raise OAuthError("unsupported_credential_format", "we issue OpenBadgeCredential as ldp_vc or jwt_vc_json")
    return by_format[fmt]


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
