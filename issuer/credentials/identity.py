"""Recipient identity as Open Badges 3.0 IdentityObject: `sha256$` + hex(sha256(identity + salt))."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def normalize_email(email: str) -> str:
    # Addresses are compared case-insensitively in practice; hashing a normalized form means
    # "Ana@Example.org" and "ana@example.org" name the same apprentice.
    return email.strip().lower()


def identity_hash(identity: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def email_identity_object(email: str, salt: str | None = None) -> dict:
    salt = salt if salt is not None else secrets.token_hex(16)
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(normalize_email(email), salt),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def matches(identity_object: dict, candidate: str) -> bool:
    """Whether `candidate` is the identity behind `identity_object` (hashed or plain)."""
    if not isinstance(identity_object, dict):
        return False
    stored = identity_object.get("identityHash")
    if not isinstance(stored, str):
        return False
    if not identity_object.get("hashed"):
        return hmac.compare_digest(stored, candidate)
    algorithm, _, digest = stored.partition("$")
    salt = identity_object.get("salt") or ""
    hasher = {"sha256": hashlib.sha256, "md5": hashlib.md5}.get(algorithm.lower())
    if hasher is None:
        return False
    for form in {candidate, normalize_email(candidate)}:
        if hmac.compare_digest(hasher((form + salt).encode("utf-8")).hexdigest(), digest.lower()):
            return True
    return False
