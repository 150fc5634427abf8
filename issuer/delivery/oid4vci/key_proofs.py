"""Wallet key proofs (OpenID4VCI Appendix F): one `jwt` proof, its key named by a did:key or did:jwk
`kid` or a bare `jwk`, checked for type, algorithm, audience, age and nonce; the holder DID the
copy is bound to."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import jwt as pyjwt
import rfc8785

from issuer.dates import CLOCK_SKEW
from issuer.proofs.did import Resolver, ResolutionError
from issuer.delivery.oid4vci.common import MAX_PROOF_BYTES, OAuthError, PROOF_ALGORITHMS, PROOF_MAX_AGE, PROOF_TYP, \
    ascii_description


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
        raise OAuthError("invalid_proof",
                         f"the key in the proof header cannot be used: {ascii_description(exc)}") from None
    try:
        claims = pyjwt.decode(token, key, algorithms=[alg],
                              options={"verify_aud": False, "verify_iat": False, "verify_exp": False,
                                       "verify_nbf": False})
    except pyjwt.InvalidSignatureError:
        raise OAuthError("invalid_proof", "the key proof signature does not verify with the key in its header") \
            from None
    except (pyjwt.PyJWTError, ValueError, TypeError) as exc:
        raise OAuthError("invalid_proof", f"the key proof does not verify: {ascii_description(exc)}") from None
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
