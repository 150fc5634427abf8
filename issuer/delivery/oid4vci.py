"""OpenID for Verifiable Credential Issuance 1.0 (final): the pre-authorized code flow.

Offer (by value or by reference, optionally with a transaction code) -> token endpoint
(`urn:ietf:params:oauth:grant-type:pre-authorized_code`) -> nonce endpoint -> credential endpoint
with one `proofs.jwt` key proof (`typ: openid4vci-proof+jwt`, `aud` = our Credential Issuer
Identifier, a fresh single-use `c_nonce`, a recent `iat`). The credential is the stored one,
re-issued with its subject bound to the proof's key: the DID of a `kid` (did:key), or did:jwk for a
bare `jwk`. Errors carry the codes the specification names (sections 6.3 and 8.3.1.2).

Wallets built to draft 13 are still common, so the credential endpoint also takes its request
shape (`format` + `credential_definition`, a single `proof`) and then answers in its shape too
(a top-level `credential` beside `credentials`); the token response carries a `c_nonce` as draft
13 had it. A request in the final shape gets exactly the final specification's behaviour.

Transactions: a wrong transaction code must count even though the request fails, and a code must
be redeemed once even under concurrent requests, so these functions take the session factory and
commit in the steps the protocol needs; every "use once" is a conditional UPDATE.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import jwt as pyjwt
import rfc8785
from sqlalchemy import delete, func, select, update

from issuer.credentials.openbadge import CONTEXT
from issuer.dates import CLOCK_SKEW
from issuer.db import session_scope
from issuer.delivery import copies
from issuer.delivery.models import AccessToken, ClaimLink, Delivery, Nonce, Offer
from issuer.delivery.sweep import sweep
from issuer.issuance.models import IssuedCredential
from issuer import audit
from issuer.proofs.did import Resolver, ResolutionError

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEME = "openid-credential-offer://"
CONFIG_LDP = "OpenBadgeCredential_ldp_vc"
CONFIG_JWT = "OpenBadgeCredential_jwt_vc_json"
CONFIGURATIONS = {CONFIG_LDP: copies.LDP_VC, CONFIG_JWT: copies.JWT_VC_JSON}
PROOF_ALGORITHMS = ("EdDSA", "ES256", "ES384")
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]

OFFER_TTL = timedelta(minutes=30)
TOKEN_TTL = timedelta(minutes=10)
NONCE_TTL = timedelta(minutes=5)
PROOF_MAX_AGE = timedelta(minutes=5)
TX_CODE_LENGTH = 6
MAX_TX_CODE_ATTEMPTS = 5
MAX_PROOF_BYTES = 16 * 1024


class OAuthError(Exception):
    """An error response: `error` code, an ASCII description, HTTP status and extra headers."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict | None = None):
        super().__init__(description)
        self.error, self.description, self.status, self.headers = error, description, status, headers or {}
        self.extra: dict = {}

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description, **self.extra}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


# -- metadata ------------------------------------------------------------------------------

def _display(base_url: str, service_name: str) -> list[dict]:
    logo = f"{base_url}/delivery/logo.png"
    return [
        {"name": service_name, "locale": "en-US", "logo": {"uri": logo, "alt_text": f"{service_name} logo"}},
        {"name": service_name, "locale": "es-US", "logo": {"uri": logo, "alt_text": f"Logotipo de {service_name}"}},
    ]


def _credential_metadata(base_url: str) -> dict:
    logo = {"uri": f"{base_url}/delivery/logo.png"}
    return {
        "display": [
            {"name": "Apprenticeship achievement", "locale": "en-US", "description":
             "An Open Badges 3.0 credential attesting progress in a registered apprenticeship program.",
             "logo": {**logo, "alt_text": "Apprenticeship achievement badge"},
             "background_color": "#12355b", "text_color": "#ffffff"},
            {"name": "Logro de aprendizaje", "locale": "es-US", "description":
             "Una credencial Open Badges 3.0 que da fe del progreso en un programa de aprendizaje registrado.",
             "logo": {**logo, "alt_text": "Insignia de logro de aprendizaje"},
             "background_color": "#12355b", "text_color": "#ffffff"},
        ],
        "claims": [
            {"path": ["credentialSubject", "achievement", "name"], "mandatory": True,
             "display": [{"name": "Achievement", "locale": "en-US"}, {"name": "Logro", "locale": "es-US"}]},
            {"path": ["credentialSubject", "name"],
             "display": [{"name": "Apprentice", "locale": "en-US"}, {"name": "Aprendiz", "locale": "es-US"}]},
            {"path": ["issuer", "name"], "mandatory": True,
             "display": [{"name": "Sponsor", "locale": "en-US"}, {"name": "Patrocinador", "locale": "es-US"}]},
            {"path": ["validFrom"], "mandatory": True,
             "display": [{"name": "Valid from", "locale": "en-US"}, {"name": "Válido desde", "locale": "es-US"}]},
        ],
    }


def issuer_metadata(base_url: str, service_name: str) -> dict:
    """Credential Issuer Metadata (section 12.2): our OpenBadgeCredential as ldp_vc and jwt_vc_json."""
    credential_metadata = _credential_metadata(base_url)
    common = {
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}},
        "credential_metadata": credential_metadata,
        # Where draft 13 wallets look for the card's look; the final version reads credential_metadata.
        "display": credential_metadata["display"],
    }
    return {
        "credential_issuer": base_url,
        "credential_endpoint": f"{base_url}/oid4vci/credential",
        "nonce_endpoint": f"{base_url}/oid4vci/nonce",
        "notification_endpoint": f"{base_url}/oid4vci/notification",
        "display": _display(base_url, service_name),
        "credential_configurations_supported": {
            CONFIG_LDP: {"format": "ldp_vc", "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                         "credential_definition": {"@context": list(CONTEXT), "type": list(CREDENTIAL_TYPES)},
                         **common},
            CONFIG_JWT: {"format": "jwt_vc_json", "credential_signing_alg_values_supported": ["EdDSA"],
                         "credential_definition": {"type": list(CREDENTIAL_TYPES)}, **common},
        },
    }


def authorization_server_metadata(base_url: str) -> dict:
    """RFC 8414 metadata of the (built-in) authorization server. `response_types_supported` is
    left out, as OpenID4VCI section 12.2.4 allows for a server with only the pre-authorized grant."""
    return {
        "issuer": base_url,
        "token_endpoint": f"{base_url}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


# -- offers --------------------------------------------------------------------------------

@dataclass
class CreatedOffer:
    """A new offer. `code` (the pre-authorized code, also the by-reference handle) and `tx_code`
    exist only here: the database keeps their hashes. `tx_code` is None when no code is asked
    for, and also when the offer asks for the code of its claim link, made before."""
    code: str
    tx_code: str | None
    expires_at: datetime
    base_url: str
    tx_code_length: int | None = None

    @property
    def tx_code_required(self) -> bool:
        return self.tx_code_length is not None

    def offer_object(self) -> dict:
        return offer_object(self.base_url, self.code, self.tx_code_length)

    def by_value(self) -> str:
        return OFFER_SCHEME + "?credential_offer=" + quote(json.dumps(self.offer_object(), separators=(",", ":")),
                                                          safe="")

    def reference_url(self) -> str:
        return f"{self.base_url}/oid4vci/offers/{self.code}"

    def by_reference(self) -> str:
        return OFFER_SCHEME + "?credential_offer_uri=" + quote(self.reference_url(), safe="")


def offer_object(base_url: str, code: str, tx_code_length: int | None) -> dict:
    grant: dict = {"pre-authorized_code": code}
    if tx_code_length:
        grant["tx_code"] = {"input_mode": "numeric", "length": tx_code_length,
                            "description": "Enter the code we sent to your email address."}
    return {"credential_issuer": base_url, "credential_configuration_ids": list(CONFIGURATIONS),
            "grants": {PRE_AUTHORIZED_GRANT: grant}}


def create_offer(session, base_url: str, credential_id: str, *, tx_code: bool, claim: ClaimLink | None = None,
                 now: datetime | None = None) -> CreatedOffer:
    """A new offer of the stored credential. For a claim link, the offer is the link's: when the
    link already has a transaction code (from the offer it was made with), this offer asks for
    that same code and `tx_code` is not looked at; a new code made here becomes the link's."""
    now = now or now_utc()
    sweep(session, now)
    code = secrets.token_urlsafe(32)
    pin = None
    if claim is not None and claim.tx_code_hash:
        pin_hash, length = claim.tx_code_hash, claim.tx_code_length
    elif tx_code:
        pin = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))
        pin_hash, length = digest(pin), TX_CODE_LENGTH
        if claim is not None:
            claim.tx_code_hash, claim.tx_code_length = pin_hash, length
    else:
        pin_hash = length = None
    expires = now + OFFER_TTL
    session.add(Offer(credential_id=credential_id, code_hash=digest(code), tx_code_hash=pin_hash,
                      tx_code_length=length, created_at=now, expires_at=expires,
                      claim_id=claim.id if claim is not None else None))
    session.flush()
    return CreatedOffer(code, pin, expires, base_url, length)


def live_offers(session, claim_id: int, now: datetime | None = None) -> int:
    """How many offers of a claim link a wallet could still redeem."""
    return session.scalar(select(func.count()).select_from(Offer).where(
        Offer.claim_id == claim_id, Offer.redeemed_at.is_(None), Offer.expires_at > (now or now_utc())))


def offer_by_reference(session, base_url: str, code: str, now: datetime | None = None) -> dict | None:
    """The offer object behind a credential_offer_uri, while it can still be redeemed."""
    now = now or now_utc()
    row = session.scalars(select(Offer).where(Offer.code_hash == digest(code), Offer.redeemed_at.is_(None),
                                              Offer.expires_at > now)).first()
    return offer_object(base_url, code, row.tx_code_length) if row else None


# -- token endpoint ------------------------------------------------------------------------

def redeem(sessions, form: dict, now: datetime | None = None) -> dict:
    """The token response for a pre-authorized code (and its transaction code, if the offer has one)."""
    now = now or now_utc()
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise OAuthError("unsupported_grant_type", f"only the {PRE_AUTHORIZED_GRANT} grant is supported")
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is required")
    tx_code = form.get("tx_code")
    with session_scope(sessions) as session:
        offer = session.scalars(select(Offer).where(Offer.code_hash == digest(code))).first()
        if offer is None:
            raise OAuthError("invalid_grant", "unknown pre-authorized code")
        if offer.redeemed_at is not None:
            raise OAuthError("invalid_grant", "the pre-authorized code was already used")
        if session.scalar(select(Offer.id).where(Offer.id == offer.id, Offer.expires_at > now)) is None:
            raise OAuthError("invalid_grant", "the pre-authorized code has expired")
        expected = offer.tx_code_hash
        if expected is None and tx_code is not None:
            raise OAuthError("invalid_request", "this offer has no transaction code; do not send tx_code")
        if expected is not None:
            if not tx_code:
                raise OAuthError("invalid_request", "this offer requires the transaction code (tx_code)")
            # Count the attempt before comparing, in its own committed step: concurrent guesses
            # each take one of the allowed attempts and a failed request cannot roll it back. The
            # offers of one claim link share the link's count: a fresh offer is no fresh guesses.
            if offer.claim_id is not None:
                counter = update(ClaimLink).where(ClaimLink.id == offer.claim_id,
                                                  ClaimLink.tx_code_attempts < MAX_TX_CODE_ATTEMPTS) \
                    .values(tx_code_attempts=ClaimLink.tx_code_attempts + 1)
            else:
                counter = update(Offer).where(Offer.id == offer.id, Offer.tx_code_attempts < MAX_TX_CODE_ATTEMPTS) \
                    .values(tx_code_attempts=Offer.tx_code_attempts + 1)
            counted = session.execute(counter).rowcount
            if not counted:
                raise OAuthError("invalid_grant", "too many wrong transaction codes: ask for a new offer")
        offer_id = offer.id
    if expected is not None and not hmac.compare_digest(digest(str(tx_code)), expected):
        raise OAuthError("invalid_grant", "wrong transaction code")
    token = secrets.token_urlsafe(32)
    with session_scope(sessions) as session:
        redeemed = session.execute(update(Offer).where(Offer.id == offer_id, Offer.redeemed_at.is_(None),
                                                       Offer.expires_at > now)
                                   .values(redeemed_at=now)).rowcount
        if not redeemed:
            raise OAuthError("invalid_grant", "the pre-authorized code was already used")
        session.add(AccessToken(token_hash=digest(token), offer_id=offer_id, created_at=now,
                                expires_at=now + TOKEN_TTL))
    # c_nonce here is draft 13's; clients of the final version ignore it (RFC 6749 section 5.1).
    return {"access_token": token, "token_type": "Bearer", "expires_in": int(TOKEN_TTL.total_seconds()),
            **_nonce_members(sessions, now)}


# -- nonce endpoint ------------------------------------------------------------------------

def new_nonce(sessions, now: datetime | None = None) -> str:
    now = now or now_utc()
    nonce = secrets.token_urlsafe(24)
    with session_scope(sessions) as session:
        # Anyone may ask for nonces, so expired ones are swept as new ones are made.
        session.execute(delete(Nonce).where(Nonce.expires_at < now))
        session.add(Nonce(nonce_hash=digest(nonce), created_at=now, expires_at=now + NONCE_TTL))
    return nonce


def _nonce_members(sessions, now: datetime) -> dict:
    return {"c_nonce": new_nonce(sessions, now), "c_nonce_expires_in": int(NONCE_TTL.total_seconds())}


# -- credential endpoint -------------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def did_jwk(jwk: dict) -> str:
    """did:jwk for a public JWK: base64url of its JCS form (public members only)."""
    public = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
    return "did:jwk:" + _b64url(rfc8785.dumps(public))


def _did_jwk_key(did: str) -> dict:
    encoded = did[len("did:jwk:"):]
    try:
        jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_proof", "the did:jwk in kid does not decode to a JWK") from None
    if not isinstance(jwk, dict):
        raise OAuthError("invalid_proof", "the did:jwk in kid does not decode to a JWK")
    return jwk


def _public_jwk_key(jwk, alg: str):
    if not isinstance(jwk, dict) or any(m in jwk for m in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise OAuthError("invalid_proof", "the proof's key must be a public JWK")
    return pyjwt.PyJWK(jwk, algorithm=alg).key


@dataclass(frozen=True)
class KeyProof:
    holder: str
    nonce: str


def check_proof(token: str, *, audience: str, now: datetime, resolver: Resolver | None = None) -> KeyProof:
    """Validate one `jwt` key proof (Appendix F.1 and F.4); the holder DID it binds to and its nonce."""
    if not isinstance(token, str) or len(token) > MAX_PROOF_BYTES:
        raise OAuthError("invalid_proof", "the key proof must be a compact JWT")
    try:
        header = pyjwt.get_unverified_header(token)
    except pyjwt.PyJWTError:
        raise OAuthError("invalid_proof", "the key proof is not a readable JWT") from None
    if header.get("typ") != PROOF_TYP:
        raise OAuthError("invalid_proof", f"the key proof must have typ {PROOF_TYP}")
    alg = header.get("alg")
    if alg not in PROOF_ALGORITHMS:
        raise OAuthError("invalid_proof", f"key proof algorithm {alg} is not one of {', '.join(PROOF_ALGORITHMS)}")
    named = [member for member in ("kid", "jwk", "x5c") if member in header]
    if len(named) != 1:
        raise OAuthError("invalid_proof", "the key proof header must name its key by exactly one of kid, jwk, x5c")
    try:
        if named == ["kid"]:
            kid = header["kid"]
            if isinstance(kid, str) and kid.startswith("did:jwk:"):
                key, holder = _public_jwk_key(_did_jwk_key(kid.split("#", 1)[0]), alg), kid.split("#", 1)[0]
            elif isinstance(kid, str) and kid.startswith("did:key:"):
                method = (resolver or Resolver()).resolve(kid)
                key, holder = method.public_key.cryptography_key(), method.controller
            else:
                raise OAuthError("invalid_proof", "kid must be a did:key or did:jwk DID URL")
        elif named == ["jwk"]:
            jwk = header["jwk"]
            key, holder = _public_jwk_key(jwk, alg), did_jwk(jwk) if isinstance(jwk, dict) else None
        else:
            raise OAuthError("invalid_proof", "x5c key proofs are not supported: use kid (did:key) or jwk")
    except (ResolutionError, pyjwt.PyJWTError, ValueError, TypeError) as exc:
        raise OAuthError("invalid_proof", f"the key in the proof header cannot be used: {_ascii(exc)}") from None
    try:
        claims = pyjwt.decode(token, key, algorithms=[alg],
                              options={"verify_aud": False, "verify_iat": False, "verify_exp": False,
                                       "verify_nbf": False})
    except pyjwt.InvalidSignatureError:
        raise OAuthError("invalid_proof", "the key proof signature does not verify with the key in its header") \
            from None
    except (pyjwt.PyJWTError, ValueError, TypeError) as exc:
        raise OAuthError("invalid_proof", f"the key proof does not verify: {_ascii(exc)}") from None
    if claims.get("aud") != audience:
        raise OAuthError("invalid_proof", f"aud must be the Credential Issuer Identifier {audience}")
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise OAuthError("invalid_proof", "the key proof needs a numeric iat")
    issued = datetime.fromtimestamp(iat, timezone.utc)
    if issued > now + CLOCK_SKEW or issued < now - PROOF_MAX_AGE:
        raise OAuthError("invalid_proof", "the key proof iat is not within the accepted window")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise OAuthError("invalid_proof", "the key proof must carry a c_nonce from the nonce endpoint")
    return KeyProof(holder, nonce)


def _ascii(exc: Exception) -> str:
    # error_description allows only %x20-21 / %x23-5B / %x5D-7E.
    return "".join(c for c in str(exc) if 0x20 <= ord(c) <= 0x7E and c not in '"\\')[:200]


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
            exc.extra.update(_nonce_members(sessions, now))
        raise
    response = {"credentials": [{"credential": credential}], "notification_id": notification_id}
    if draft13:
        response.update(credential=credential, **_nonce_members(sessions, now))
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
                                    or _ascii(description) != description):
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



__all__ = ["OAuthError", "issuer_metadata", "authorization_server_metadata", "create_offer", "offer_by_reference",
           "redeem", "new_nonce", "issue", "notify", "check_proof", "CreatedOffer"]
