"""VC-JWT as Open Badges 3.0 section 8.2 ("JSON Web Token Proof Format") defines it.

The JWT payload *is* the credential, with the registered claims mapped from it: `iss` from the
issuer's id, `jti` from the credential id, `nbf` from validFrom (issuanceDate in VCDM 1.1),
`exp` from validUntil (expirationDate), `sub` from credentialSubject.id. The JOSE header names
the key by `kid` (a verification method URL) or carries it as `jwk`. pyjwt does the JWS;
this module does the mapping and the key resolution, and refuses `alg: none`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jwt as pyjwt

from issuer.dates import parse_datetime
from issuer.errors import ProofError
from issuer.proofs.did import Resolver, ResolutionError, public_key_from_jwk

ALLOWED_ALGORITHMS = ("RS256", "ES256", "ES384", "EdDSA")
_ALG_FAMILY = {"RS256": "RSA", "ES256": "P-256", "ES384": "P-384", "EdDSA": "Ed25519"}


def _epoch(value) -> int | None:
    moment = parse_datetime(value)
    return int(moment.timestamp()) if moment else None


def issuer_id(credential: dict) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def subject_id(credential: dict) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    return subject.get("id") if isinstance(subject, dict) and isinstance(subject.get("id"), str) else None


def registered_claims(credential: dict) -> dict:
    """The JWT claims OB 3.0 derives from the credential (absent members give absent claims)."""
    claims = {
        "iss": issuer_id(credential),
        "jti": credential.get("id") if isinstance(credential.get("id"), str) else None,
        "nbf": _epoch(credential.get("validFrom", credential.get("issuanceDate"))),
        "exp": _epoch(credential.get("validUntil", credential.get("expirationDate"))),
        "sub": subject_id(credential),
    }
    return {k: v for k, v in claims.items() if v is not None}


def encode(credential: dict, private_key, *, kid: str | None = None, include_jwk: bool = False) -> str:
    if "proof" in credential:
        raise ProofError("a VC-JWT secures the credential itself; remove the embedded proof first")
    if kid is None and not include_jwk:
        raise ProofError("a VC-JWT header must name its key: give a kid or include the jwk")
    payload = {**credential, **registered_claims(credential)}
    headers = {"typ": "JWT"}
    if kid:
        headers["kid"] = kid
    if include_jwk:
        headers["jwk"] = private_key.public().jwk()
    return pyjwt.encode(payload, private_key.cryptography_key(), algorithm=private_key.jwt_algorithm,
                        headers=headers)


@dataclass
class JwtOutcome:
    verified: bool
    message: str
    header: dict = field(default_factory=dict)
    credential: dict | None = None
    verification_method: str | None = None
    controller: str | None = None
    claim_problems: list[str] = field(default_factory=list)


def looks_like_jwt(text: str) -> bool:
    parts = text.strip().split(".")
    return len(parts) == 3 and all(parts[:2])


def unverified_parts(token: str) -> tuple[dict, dict]:
    """Header and payload without checking the signature (to report on what it claims)."""
    header = pyjwt.get_unverified_header(token)
    payload = pyjwt.decode(token, options={"verify_signature": False})
    return header, payload


def _same_key(a, b) -> bool:
    return {k: v for k, v in a.jwk().items() if k in ("kty", "crv", "x", "y", "n", "e")} == \
           {k: v for k, v in b.jwk().items() if k in ("kty", "crv", "x", "y", "n", "e")}


def verify(token: str, *, resolver: Resolver) -> JwtOutcome:
    """Check the JWS and the claim mapping; dates are the caller's (they are a check of their own)."""
    try:
        header, payload = unverified_parts(token)
    except pyjwt.PyJWTError as exc:
        return JwtOutcome(False, f"not a readable JWT: {exc}")
    alg = header.get("alg")
    if alg not in ALLOWED_ALGORITHMS:
        return JwtOutcome(False, f"JWT algorithm {alg!r} is not accepted (allowed: {', '.join(ALLOWED_ALGORITHMS)})",
                          header)
    if not isinstance(payload, dict):
        return JwtOutcome(False, "the JWT payload is not a JSON object", header)
    credential = {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "exp", "sub", "iat", "aud")}
    if "vc" in payload and isinstance(payload["vc"], dict) and "@context" not in payload:
        # VCDM 1.1-style VC-JWT (the credential wrapped in a `vc` claim), still sent by older wallets.
        credential = payload["vc"]
    vm_id, controller, key = None, None, None
    try:
        if header.get("kid"):
            kid = header["kid"]
            if kid.startswith("#"):
                kid = f"{payload.get('iss', '')}{kid}"
            method = resolver.resolve(kid)
            vm_id, controller, key = method.id, method.controller, method.public_key
            if "assertionMethod" not in method.purposes:
                return JwtOutcome(False, f"{method.id} is not authorised for assertionMethod", header, credential,
                                  vm_id, controller)
            if "jwk" in header and not _same_key(key, public_key_from_jwk(header["jwk"])):
                return JwtOutcome(False, "the header's jwk is not the key its kid names", header, credential)
        elif isinstance(header.get("jwk"), dict):
            key = public_key_from_jwk(header["jwk"])
            controller = None
        else:
            return JwtOutcome(False, "the JWT header names no key (neither kid nor jwk)", header, credential)
    except (ResolutionError, ValueError, pyjwt.PyJWTError) as exc:
        return JwtOutcome(False, str(exc), header, credential)
    if getattr(key, "family", None) != _ALG_FAMILY[alg]:
        return JwtOutcome(False, f"algorithm {alg} does not fit a {getattr(key, 'family', '?')} key", header,
                          credential, vm_id, controller)
    try:
        pyjwt.decode(token, key.cryptography_key(), algorithms=[alg],
                     options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False})
    except pyjwt.InvalidSignatureError:
        return JwtOutcome(False, "the JWT signature does not match: the token was changed or signed with another key",
                          header, credential, vm_id, controller)
    except pyjwt.PyJWTError as exc:
        return JwtOutcome(False, f"the JWT does not verify: {exc}", header, credential, vm_id, controller)
    problems = []
    expected = registered_claims(credential)
    for claim in ("iss", "jti", "nbf", "exp", "sub"):
        if claim in expected and payload.get(claim) != expected[claim]:
            problems.append(f"claim '{claim}' is {payload.get(claim)!r} but the credential says {expected[claim]!r}")
        elif claim not in expected and claim in payload and claim != "sub" and "vc" not in payload:
            problems.append(f"claim '{claim}' has no counterpart in the credential")
    if problems:
        return JwtOutcome(False, "; ".join(problems), header, credential, vm_id, controller, problems)
    if controller is None:
        # A bare jwk proves possession, not identity: bind it to the issuer through the issuer's DID.
        iss = payload.get("iss")
        try:
            document_key = _issuer_key_matching(resolver, iss, key)
        except ResolutionError as exc:
            return JwtOutcome(False, f"the header's jwk cannot be tied to issuer {iss}: {exc}", header, credential)
        vm_id, controller = document_key.id, document_key.controller
    return JwtOutcome(True, f"{alg} JWT signature verified" + (f" with {vm_id}" if vm_id else ""), header,
                      credential, vm_id, controller)


def _issuer_key_matching(resolver: Resolver, iss, key):
    if not isinstance(iss, str) or not iss.startswith("did:"):
        raise ResolutionError("the issuer is not a DID we can resolve")
    if iss.startswith("did:key:"):
        candidates = [f"{iss}#{iss[len('did:key:'):]}"]
    else:
        document = resolver.document(iss)
        if document is None:
            raise ResolutionError(f"{iss} is not in the trust registry")
        candidates = [m.get("id") if not m.get("id", "").startswith("#") else iss + m["id"]
                      for m in document.get("verificationMethod", [])]
    for vm in candidates:
        method = resolver.resolve(vm)
        if "assertionMethod" in method.purposes and _same_key(method.public_key, key):
            return method
    raise ResolutionError("no assertion key of the issuer matches it")


__all__ = ["encode", "verify", "registered_claims", "looks_like_jwt", "unverified_parts", "JwtOutcome",
           "ALLOWED_ALGORITHMS"]
